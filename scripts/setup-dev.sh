#!/usr/bin/env bash
# Installs what `.ci/run`'s checks beyond `cargo test` need, under target/ (ignored by git):
#   target/interop-venv  Python venv with the official MCP SDK (mcp from PyPI)
#   target/inspector     the MCP Inspector CLI (npm @modelcontextprotocol/inspector)
#   target/watson-venv   Watson (td-watson from PyPI), and Debian's timewarrior (apt, as root),
#                        for scripts/live-importers.sh, which makes real exports with both
# and, as root with apt, poppler-utils for the interop check that reads an exported PDF.
# Both interop checks also install these themselves when missing; this only does it up front.
#
# Building stint and `cargo test --locked` need none of this: only a Rust toolchain (the
# session extension is compiled into the bundled SQLite through .cargo/config.toml, no
# libclang; PDFs are read back with Rust crates; the importer tests read checked-in exports).
set -euo pipefail
cd "$(dirname "$0")/.."
# tests/interop/pdf_session.py reads the PDF the Python SDK session exports with poppler's
# pdftotext and pdfinfo (cargo test reads PDFs with Rust crates and needs no poppler).
if ! command -v pdftotext >/dev/null || ! command -v pdfinfo >/dev/null; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq poppler-utils
  else
    echo "poppler-utils is missing: install it (Debian/Ubuntu: sudo apt-get install poppler-utils)" >&2
    exit 1
  fi
fi
if [ ! -x target/interop-venv/bin/python ]; then
  python3 -m venv target/interop-venv
fi
target/interop-venv/bin/pip install -q mcp==2.3.0
if [ ! -x target/inspector/node_modules/.bin/mcp-inspector ]; then
  mkdir -p target/inspector
  # npm's cache goes inside target/, not a temporary HOME left behind in /tmp.
  HOME="$PWD/target/inspector/.npm-home" npm install --prefix target/inspector --no-audit --no-fund --silent \
    @modelcontextprotocol/inspector@2.12.0
fi
# scripts/live-importers.sh makes real exports with Timewarrior and Watson.
if ! command -v timew >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq timewarrior
  else
    echo "timewarrior is missing: install it (Debian/Ubuntu: sudo apt-get install timewarrior)" >&2
    exit 1
  fi
fi
if [ ! -x target/watson-venv/bin/watson ]; then
  python3 -m venv target/watson-venv
  target/watson-venv/bin/pip install -q td-watson==2.1.0
fi
echo "interop tools ready: target/interop-venv, target/inspector, target/watson-venv, timew"
