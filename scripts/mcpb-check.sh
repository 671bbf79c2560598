#!/usr/bin/env bash
# Checks the MCP Bundle end to end:
#   - `mcpb validate packaging/mcpb/manifest.json` passes;
#   - scripts/pack-mcpb.sh packs target/mcpb/stint-VERSION-HOST.mcpb from $STINT_BIN;
#   - `mcpb unpack` (what Claude Desktop's installer does) unpacks it into a temp dir, with the
#     manifest, the icon and an executable server/stint;
#   - tests/interop/mcpb_session.py runs the server inside it with the official Python SDK, from
#     the manifest's command, args and env with ${__dirname} and ${user_config.database}
#     substituted as Claude Desktop does: initialize, tools/list, create_track, list_tracks.
# Ends with one line "N passed, M failed" (the Python script's own checks included).
#
# Usage:  cargo build --release && scripts/mcpb-check.sh
#         STINT_BIN=/path/to/stint scripts/mcpb-check.sh
set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

bin="${STINT_BIN:-target/release/stint}"
# shellcheck source=scripts/checks.sh
source "$root/scripts/checks.sh"

work="$(mktemp -d "${TMPDIR:-/tmp}/stint-mcpb.XXXXXX")"
trap 'rm -rf "$work"' EXIT

bundle=""
pack() {
    bundle="$(bash scripts/pack-mcpb.sh "$bin" | tail -1)" && [[ -f "$bundle" ]]
}
check "scripts/pack-mcpb.sh packs a bundle from $bin" pack
mcpb="$root/target/npm-tools/node_modules/.bin/mcpb"
check "mcpb validate packaging/mcpb/manifest.json" "$mcpb" validate packaging/mcpb/manifest.json
if [[ -z "$bundle" || ! -f "$bundle" ]]; then
    finish
fi
echo "           $(basename "$bundle"): $(du -h "$bundle" | cut -f1)"
check "mcpb unpack $(basename "$bundle")" "$mcpb" unpack "$bundle" "$work/bundle"
check "the bundle holds manifest.json, icon.png and an executable server/stint" \
    test -f "$work/bundle/manifest.json" -a -f "$work/bundle/icon.png" -a -x "$work/bundle/server/stint"
check "the unpacked manifest validates" "$mcpb" validate "$work/bundle/manifest.json"

venv="$root/target/interop-venv"
if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c 'import importlib.metadata as m, sys; sys.exit(m.version("mcp") != "2.3.0")' 2>/dev/null; then
    echo "mcpb-check: setting up $venv with mcp==2.3.0" >&2
    python3 -m venv "$venv" && "$venv/bin/pip" install -q mcp==2.3.0
fi
mkdir -p "$work/session"
"$venv/bin/python" tests/interop/mcpb_session.py "$work/bundle" "$work/session" > "$work/session.log" 2>&1
rc=$?
# Indented, so .ci/run counts only the total below.
sed 's/^/  /' "$work/session.log"
read -r p f < <(sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1 \2/p' "$work/session.log" | tail -1)
passed=$((passed + ${p:-0}))
failed=$((failed + ${f:-0}))
if [[ $rc -ne 0 && ${f:-0} -eq 0 ]]; then
    failed=$((failed + 1))
fi
finish
