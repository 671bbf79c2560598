#!/usr/bin/env bash
# Interop check of `stint mcp` against the official MCP Python SDK (mcp==2.3.0) and raw
# newline-delimited JSON-RPC; see stdio_session.py for the list of checks.
#
# Usage:  cargo build --release && tests/interop/run.sh
#         STINT_BIN=/path/to/stint tests/interop/run.sh
#
# Builds nothing. Creates the venv target/interop-venv on first use (needs network once), runs
# against a throw-away database in a temp dir, and exits non-zero when any check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"

bin="${STINT_BIN:-target/release/stint}"
if [[ ! -x "$bin" ]]; then
    echo "run.sh: no stint binary at '$bin'; run 'cargo build --release' or set STINT_BIN" >&2
    exit 2
fi

venv="$root/target/interop-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "2.3.0")' 2>/dev/null; then
    echo "run.sh: setting up $venv with mcp==2.3.0" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q mcp==2.3.0
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/stint-interop.XXXXXX")"
trap 'rm -rf "$work"' EXIT

"$venv/bin/python" "$root/tests/interop/stdio_session.py" "$bin" "$work"
