#!/usr/bin/env bash
# Installs libclang for the build and poppler-utils for the PDF tests (see below), and what the
# interop checks need, under target/ (ignored by git):
#   target/interop-venv  Python venv with the official MCP SDK (mcp from PyPI)
#   target/inspector     the MCP Inspector CLI (npm @modelcontextprotocol/inspector)
#   target/watson-venv   Watson (td-watson from PyPI), and Debian's timewarrior (apt, as root),
#                        for the importer tests that make real exports
# Both checks also install these themselves when missing; this only does it up front.
set -euo pipefail
cd "$(dirname "$0")/.."
# rusqlite's `session` feature (the change log) makes libsqlite3-sys generate its bindings at
# build time, which needs libclang. Installed only when missing (CI runs this as root).
if ! ldconfig -p 2>/dev/null | grep -q 'libclang\(-[0-9.]*\)\?\.so'; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && apt-get install -y -qq libclang-dev
  else
    echo "libclang is missing: install it (Debian/Ubuntu: sudo apt-get install libclang-dev)" >&2
    exit 1
  fi
fi
# The PDF tests read invoices back with poppler's pdftotext, pdfinfo and pdffonts.
if ! command -v pdftotext >/dev/null || ! command -v pdffonts >/dev/null; then
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
  HOME="$(mktemp -d)" npm install --prefix target/inspector --no-audit --no-fund --silent \
    @modelcontextprotocol/inspector@2.12.0
fi
# The importer tests make real exports with Timewarrior and Watson (tests/it/importers.rs).
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
