#!/usr/bin/env bash
# The MCP Apps (ui://stint/week, ui://stint/invoice) in a real browser: headless Chromium loads
# each app inside tests/browser/host.html, which plays the host's side of the MCP Apps protocol,
# fed with real tool results from a `stint mcp` process on a throw-away database; the checks
# compare what is drawn with time_summary and get_invoice, and click the invoice's buttons.
# Screenshots (light and dark) go to target/ui-shots/. See tests/browser/check.mjs.
#
# Usage:  scripts/browser-check.sh                      (the debug binary; built when missing)
#         STINT_BIN=target/release/stint scripts/browser-check.sh
#
# Installs what it needs once, idempotently: Debian's `chromium` (apt-get, as root; otherwise it
# fails saying what to install) and puppeteer-core (npm, into target/browser-test, not
# committed). Needs Node 18 or later. Exits non-zero when a check fails.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

puppeteer_version="24.43.1"
bin="${STINT_BIN:-target/debug/stint}"
if [[ ! -x "$bin" && -z "${STINT_BIN:-}" ]]; then
    CARGO_INCREMENTAL=0 cargo build --locked
fi
if [[ ! -x "$bin" ]]; then
    echo "browser-check: no stint binary at '$bin'; run 'cargo build' or set STINT_BIN" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

if ! command -v node >/dev/null; then
    echo "browser-check: Node.js 18 or later is needed (apt-get install nodejs)" >&2
    exit 2
fi
if (( $(node -p 'process.versions.node.split(".")[0]') < 18 )); then
    echo "browser-check: Node.js 18 or later is needed; this is $(node --version)" >&2
    exit 2
fi

chromium="${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}"
if [[ -z "$chromium" ]]; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "browser-check: installing Debian's chromium" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2 \
            || { apt-get update >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium >&2; }
        chromium="$(command -v chromium)"
    else
        echo "browser-check: no Chromium found; install Debian's 'chromium' (apt-get install chromium) or set CHROMIUM" >&2
        exit 2
    fi
fi

node_dir="$root/target/browser-test"
installed="$(node -p "try { require('$node_dir/node_modules/puppeteer-core/package.json').version } catch (e) { '' }")"
if [[ "$installed" != "$puppeteer_version" ]]; then
    mkdir -p "$node_dir"
    [[ -f "$node_dir/package.json" ]] || echo '{"name": "stint-browser-test", "private": true}' > "$node_dir/package.json"
    (cd "$node_dir" && npm install --no-audit --no-fund --silent "puppeteer-core@$puppeteer_version" >&2)
fi

STINT_BIN="$bin" CHROMIUM="$chromium" BROWSER_NODE_DIR="$node_dir" node tests/browser/check.mjs
