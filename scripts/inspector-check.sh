#!/usr/bin/env bash
# Checks `stint mcp` with the official MCP Inspector CLI (@modelcontextprotocol/inspector 2.12.0):
#   - `--method tools/list --strict` exits 0 (no error-severity schema portability problems;
#     any warnings it prints on stderr are shown) and lists every catalogue tool;
#   - `--method tools/call --tool-name get_settings` succeeds (exit 0, isError false,
#     structuredContent present);
#   - a business error (stop_timer with nothing running) makes the Inspector exit 5 (isError).
#
# Usage:  cargo build --release && scripts/inspector-check.sh
#         STINT_BIN=/path/to/stint scripts/inspector-check.sh
#
# Installs the Inspector into target/inspector on first use (npm, needs network once). Runs with
# HOME and STINT_DB in a throw-away temp dir. Exits non-zero on any failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version="2.12.0"
bin="${STINT_BIN:-target/release/stint}"
if [[ ! -x "$bin" ]]; then
    echo "inspector-check: no stint binary at '$bin'; run 'cargo build --release' or set STINT_BIN" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

work="$(mktemp -d "${TMPDIR:-/tmp}/stint-inspector.XXXXXX")"
trap 'rm -rf "$work"' EXIT
export HOME="$work/home"   # the Inspector writes $HOME/.mcp-inspector
mkdir -p "$HOME"

prefix="$root/target/inspector"
inspector="$prefix/node_modules/.bin/mcp-inspector"
installed="$(node -p "require('$prefix/node_modules/@modelcontextprotocol/inspector/package.json').version" 2>/dev/null || true)"
if [[ "$installed" != "$version" ]]; then
    echo "inspector-check: installing @modelcontextprotocol/inspector@$version into $prefix" >&2
    mkdir -p "$prefix"
    npm install --prefix "$prefix" --no-fund --no-audit --no-update-notifier --loglevel=error \
        "@modelcontextprotocol/inspector@$version" >&2
fi

db="$work/stint.db"
inspect() { timeout 120 "$inspector" --cli -e "STINT_DB=$db" "$bin" mcp "$@"; }

passed=0
failed=0
pass() { passed=$((passed + 1)); echo "[      ok] $*"; }
fail() { failed=$((failed + 1)); echo "[  FAILED] $*"; }

# 1. tools/list --strict
rc=0
inspect --method tools/list --strict >"$work/list.json" 2>"$work/list.err" || rc=$?
if [[ -s "$work/list.err" ]]; then
    echo "--- inspector stderr (tools/list --strict) ---"
    cat "$work/list.err"
    echo "---"
fi
if [[ $rc -eq 0 ]]; then pass "tools/list --strict exits 0"; else fail "tools/list --strict exits $rc (6 = schema errors)"; fi

expected=(start_timer stop_timer list_running_timers
          create_track list_tracks get_track update_track delete_track
          create_project list_projects get_project update_project delete_project
          create_tag list_tags update_tag delete_tag
          create_client list_clients get_client update_client delete_client
          create_invoice list_invoices get_invoice update_invoice mark_invoice_sent
          mark_invoice_paid void_invoice delete_invoice export_invoice_csv
          time_summary top_projects budget_status unbilled_summary
          get_settings update_settings)
listed="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    for (const t of r.tools) console.log(t.name);' "$work/list.json" 2>/dev/null || true)"
missing=()
for name in "${expected[@]}"; do
    grep -qx "$name" <<<"$listed" || missing+=("$name")
done
count="$(grep -c . <<<"$listed" || true)"
if [[ ${#missing[@]} -eq 0 ]]; then
    pass "tools/list lists all ${#expected[@]} catalogue tools ($count in all)"
else
    fail "tools/list is missing: ${missing[*]}"
fi

# 2. tools/call get_settings
rc=0
inspect --method tools/call --tool-name get_settings >"$work/call.json" 2>"$work/call.err" || rc=$?
verdict="$(node -e '
    const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
    const ok = r.isError !== true && r.structuredContent && typeof r.structuredContent.timezone === "string";
    console.log(ok ? "ok timezone=" + r.structuredContent.timezone : "bad");' "$work/call.json" 2>/dev/null || echo bad)"
if [[ $rc -eq 0 && $verdict == ok* ]]; then
    pass "tools/call get_settings succeeds ($verdict)"
else
    fail "tools/call get_settings: exit $rc, $verdict"; cat "$work/call.json" "$work/call.err"
fi

# 3. tools/call with arguments, then a business error
rc=0
inspect --method tools/call --tool-name create_track --tool-arg "start=2026-10-05 09:00" \
    --tool-arg duration=1h30m --tool-arg "description=Inspector check" >"$work/track.json" 2>"$work/track.err" || rc=$?
if [[ $rc -eq 0 ]] && grep -q '"duration_seconds": 5400' "$work/track.json"; then
    pass "tools/call create_track with --tool-arg succeeds"
else
    fail "tools/call create_track: exit $rc"; cat "$work/track.json" "$work/track.err"
fi
rc=0
inspect --method tools/call --tool-name stop_timer >"$work/stop.json" 2>"$work/stop.err" || rc=$?
if [[ $rc -eq 5 ]] && grep -q '"isError": true' "$work/stop.json"; then
    pass "tools/call stop_timer with nothing running is isError (exit 5)"
else
    fail "tools/call stop_timer: exit $rc, want 5"; cat "$work/stop.json" "$work/stop.err"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
