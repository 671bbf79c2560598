#!/usr/bin/env bash
# Measures the default `tools/list` answer of `stint mcp` (the catalogue every assistant loads
# into its context) and fails when it exceeds the budget.
#
# Sends initialize, notifications/initialized and tools/list through the release binary on
# stdio, against a throw-away database, and counts the bytes of the tools/list answer line.
#
# Usage:  cargo build --release && scripts/catalog-size.sh
#         STINT_BIN=/path/to/stint CATALOG_MAX_BYTES=48000 scripts/catalog-size.sh
#
# Prints "tools/list: N bytes, T tools (budget M)"; exits 1 above the budget, 2 when the
# binary is missing or the answer cannot be found.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bin="${STINT_BIN:-target/release/stint}"
max="${CATALOG_MAX_BYTES:-48000}"
if [[ ! -x "$bin" ]]; then
    echo "catalog-size.sh: no stint binary at '$bin'; run 'cargo build --release' or set STINT_BIN" >&2
    exit 2
fi

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

answer="$(printf '%s\n' \
    '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"catalog-size","version":"1"}}}' \
    '{"jsonrpc":"2.0","method":"notifications/initialized"}' \
    '{"jsonrpc":"2.0","id":2,"method":"tools/list"}' \
    | STINT_DB="$tmp/stint.db" HOME="$tmp" "$bin" mcp | grep '"id":2' || true)"
if [[ -z "$answer" || "$answer" != *'"tools":['* ]]; then
    echo "catalog-size.sh: no tools/list answer from $bin mcp" >&2
    exit 2
fi
bytes="$(printf '%s' "$answer" | wc -c | tr -d ' ')"
tools="$(printf '%s' "$answer" | grep -o '"inputSchema"' | wc -l | tr -d ' ')"
echo "tools/list: $bytes bytes, $tools tools (budget $max)"
if (( bytes > max )); then
    echo "catalog-size.sh: tools/list is over the budget by $((bytes - max)) bytes; make schemas or descriptions leaner" >&2
    exit 1
fi
