#!/usr/bin/env bash
# Interop check of `stint mcp` and `stint serve` against the official MCP Python SDK (mcp==2.3.0),
# raw newline-delimited JSON-RPC and plain HTTP; see the scripts for the list of checks:
#   stdio_session.py   `stint mcp` through the SDK and raw lines
#   http_session.py    `stint serve` through the SDK with bearer tokens: scopes, redaction, 401
#   concurrency.py     2 stdio servers, HTTP and the CLI writing one file at once
#   pdf_session.py     export_invoice_pdf through the SDK: embedded PDF, file rules, pdftotext
#   tasks_session.py   tasks through the SDK: timers on tasks, rates, summaries and invoices by task
#   billing_session.py the money rule, expenses, two tax rates, a discount, outstanding/overdue
#   sync_session.py    2 stdio servers on two databases syncing through a folder
#   team_session.py    drafts (an assistant logs a day, the owner approves) and milestones
#   people_session.py  a team on `stint serve`: a token each, scopes, reports, utilization, invoices by person
#   (checks.py is the check counter billing_session.py and tasks_session.py share)
# Each prints "N passed, M failed"; all of them run even when one fails.
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

status=0
for script in stdio_session.py http_session.py concurrency.py pdf_session.py tasks_session.py billing_session.py sync_session.py team_session.py people_session.py; do
    echo "== $script"
    mkdir -p "$work/${script%.py}"
    "$venv/bin/python" "$root/tests/interop/$script" "$bin" "$work/${script%.py}" || status=1
done
exit $status
