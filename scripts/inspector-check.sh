#!/usr/bin/env bash
# Checks `stint mcp` with the official MCP Inspector CLI (@modelcontextprotocol/inspector 2.12.0):
#   - `--method tools/list --strict` exits 0 (no error-severity schema portability problems;
#     any warnings it prints on stderr are shown) and lists every catalogue tool;
#   - `--method tools/call --tool-name get_settings` succeeds (exit 0, isError false,
#     structuredContent present);
#   - a business error (stop_timer with nothing running) makes the Inspector exit 5 (isError).
# and `stint serve` over HTTP (`--transport http --header "Authorization: Bearer ..."`), on its
# own database with a read token and an admin+sensitive token:
#   - `tools/list --strict` exits 0 with the admin token, in the Inspector's default (legacy,
#     initialize) era and with `--protocol-era modern`, and lists every catalogue tool;
#   - the read token lists only read tools, so the Inspector refuses its create_track itself
#     (exit 5, tool_not_found); export_invoice_csv to a `path` with it is isError naming scope
#     admin (exit 5);
#   - tools/call with arguments works (create_track, create_client via --tool-args-json);
#   - a read token sees the client's email as "[redacted]", the sensitive admin token does not;
#   - no token and a wrong token end with exit 3 (auth_required) and the server's 401 message.
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
serve_pid=""
cleanup() {
    if [[ -n "$serve_pid" ]]; then kill "$serve_pid" 2>/dev/null || true; wait "$serve_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT
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

expected=(start_timer continue_timer stop_timer list_running_timers
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

# 4. HTTP: `stint serve` with bearer tokens
hdb="$work/http.db"
reader="$(STINT_DB="$hdb" "$bin" token create --name inspector-reader --scope read 2>/dev/null)"
admin="$(STINT_DB="$hdb" "$bin" token create --name inspector-admin --scope admin --sensitive 2>/dev/null)"
STINT_DB="$hdb" RUST_LOG=warn "$bin" serve --host 127.0.0.1 --port 0 2>"$work/serve.err" &
serve_pid=$!
url=""
for _ in $(seq 100); do
    url="$(grep -o 'http://127\.0\.0\.1:[0-9]*/api/mcp' "$work/serve.err" | head -1 || true)"
    [[ -n "$url" ]] && break
    sleep 0.1
done
if [[ -n "$url" && -n "$reader" && -n "$admin" ]]; then
    pass "stint serve --port 0 with a read and an admin token: $url"
else
    fail "stint serve did not start (url='$url')"; cat "$work/serve.err"
fi
# inspect_http SECRET ARGS...: the Inspector over HTTP with a bearer token ("" = no header).
inspect_http() {
    local secret="$1"; shift
    local auth=()
    [[ -n "$secret" ]] && auth=(--header "Authorization: Bearer $secret")
    timeout 120 "$inspector" --cli "$url" --transport http --stored-auth-only "${auth[@]}" "$@"
}
tool_names() {
    node -e '
        const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
        for (const t of r.tools) console.log(t.name);' "$1" 2>/dev/null || true
}

for era in default modern; do
    era_args=()
    [[ $era == modern ]] && era_args=(--protocol-era modern)
    rc=0
    inspect_http "$admin" "${era_args[@]}" --method tools/list --strict >"$work/hlist.json" 2>"$work/hlist.err" || rc=$?
    if [[ -s "$work/hlist.err" ]]; then
        echo "--- inspector stderr (HTTP tools/list --strict, $era era) ---"; cat "$work/hlist.err"; echo "---"
    fi
    listed="$(tool_names "$work/hlist.json")"
    missing=()
    for name in "${expected[@]}"; do grep -qx "$name" <<<"$listed" || missing+=("$name"); done
    if [[ $rc -eq 0 && ${#missing[@]} -eq 0 ]]; then
        pass "HTTP ($era era) tools/list --strict with the admin token exits 0 and lists all ${#expected[@]} tools"
    else
        fail "HTTP ($era era) tools/list --strict: exit $rc, missing: ${missing[*]}"
    fi
done

rc=0
inspect_http "$reader" --method tools/list >"$work/rlist.json" 2>"$work/rlist.err" || rc=$?
listed="$(tool_names "$work/rlist.json")"
writes="$(grep -E '^(create|update|delete|start|stop|mark|void)_' <<<"$listed" || true)"
count="$(grep -c . <<<"$listed" || true)"
if [[ $rc -eq 0 && -z "$writes" && $count -gt 0 ]] && grep -qx list_tracks <<<"$listed"; then
    pass "HTTP tools/list with the read token: $count read tools, no write tool"
else
    fail "HTTP tools/list with the read token: exit $rc, write tools listed: $(tr '\n' ' ' <<<"$writes")"
fi

rc=0
inspect_http "$admin" --method tools/call --tool-name create_track --tool-arg "start=2026-10-05 09:00" \
    --tool-arg duration=1h30m --tool-arg "description=Inspector over HTTP" >"$work/htrack.json" 2>"$work/htrack.err" || rc=$?
if [[ $rc -eq 0 ]] && grep -q '"duration_seconds": 5400' "$work/htrack.json"; then
    pass "HTTP tools/call create_track with the admin token succeeds"
else
    fail "HTTP tools/call create_track (admin): exit $rc"; cat "$work/htrack.json" "$work/htrack.err"
fi
rc=0
inspect_http "$reader" --method tools/call --tool-name create_track --tool-arg "start=2026-10-06 09:00" \
    --tool-arg duration=1h >"$work/rtrack.json" 2>"$work/rtrack.err" || rc=$?
if [[ $rc -eq 5 ]] && grep -q 'tool_not_found' "$work/rtrack.json" "$work/rtrack.err"; then
    pass "HTTP create_track with the read token: not offered to it (exit 5, tool_not_found)"
else
    fail "HTTP tools/call create_track (read): exit $rc, want 5 tool_not_found"; cat "$work/rtrack.json" "$work/rtrack.err"
fi
rc=0
inspect_http "$reader" --method tools/call --tool-name export_invoice_csv --tool-arg invoice_id=1 \
    --tool-arg "path=$work/reader-export.csv" >"$work/rexport.json" 2>"$work/rexport.err" || rc=$?
if [[ $rc -eq 5 ]] && grep -q '"isError": true' "$work/rexport.json" && grep -q 'cannot write files' "$work/rexport.json" \
    && [[ ! -e "$work/reader-export.csv" ]]; then
    pass "HTTP export_invoice_csv to a file with the read token is isError: no HTTP caller writes files (exit 5)"
else
    fail "HTTP export_invoice_csv with path (read): exit $rc, want 5"; cat "$work/rexport.json" "$work/rexport.err"
fi

rc=0
inspect_http "$admin" --method tools/call --tool-name create_client \
    --tool-args-json '{"name": "Acme", "email": "billing@acme.test", "tax_id": "DE123456789"}' \
    >"$work/hclient.json" 2>"$work/hclient.err" || rc=$?
[[ $rc -eq 0 ]] || { fail "HTTP create_client (admin): exit $rc"; cat "$work/hclient.json" "$work/hclient.err"; }
email_as() {
    inspect_http "$1" --method tools/call --tool-name get_client --tool-arg client=Acme 2>/dev/null |
        node -e '
            let s = ""; process.stdin.on("data", d => s += d).on("end", () => {
                try { console.log(JSON.parse(s).structuredContent.client.email); } catch { console.log("?"); }
            });'
}
seen_reader="$(email_as "$reader")"
seen_admin="$(email_as "$admin")"
if [[ $seen_reader == "[redacted]" && $seen_admin == "billing@acme.test" ]]; then
    pass "HTTP get_client: the read token sees [redacted], the sensitive admin token the email"
else
    fail "HTTP get_client redaction: read token saw '$seen_reader', admin saw '$seen_admin'"
fi

for who in none wrong; do
    secret=""
    [[ $who == wrong ]] && secret="stint_not-a-real-secret"
    rc=0
    inspect_http "$secret" --method tools/list >"$work/noauth.json" 2>"$work/noauth.err" || rc=$?
    if [[ $rc -eq 3 ]] && grep -q 'auth_required' "$work/noauth.json" "$work/noauth.err" \
        && grep -q 'stint token create' "$work/noauth.json" "$work/noauth.err"; then
        pass "HTTP with $who token: refused (exit 3, auth_required, the server's 401 message)"
    else
        fail "HTTP with $who token: exit $rc, want 3"; cat "$work/noauth.json" "$work/noauth.err"
    fi
done
if kill -0 "$serve_pid" 2>/dev/null && ! grep -qiE 'panicked|database is locked' "$work/serve.err"; then
    pass "stint serve still runs, no panic or lock error on its stderr"
else
    fail "stint serve died or logged errors"; cat "$work/serve.err"
fi

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
