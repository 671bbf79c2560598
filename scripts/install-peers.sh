#!/usr/bin/env bash
# Installs the peer trackers that scripts/bench.py compares stint with, plus GNU time:
#   Timewarrior (Debian package `timewarrior`) and bartib (`cargo install`, into target/tools/bin).
# Usage: bash scripts/install-peers.sh     (from the repository root; needs root or sudo for apt-get)
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null; then SUDO=sudo; fi

need_apt=()
command -v timew >/dev/null || need_apt+=(timewarrior)
[ -x /usr/bin/time ] || need_apt+=(time)
if [ ${#need_apt[@]} -gt 0 ]; then
  $SUDO apt-get update
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${need_apt[@]}"
fi

if [ ! -x target/tools/bin/bartib ] && ! command -v bartib >/dev/null; then
  cargo install bartib --locked --root target/tools
fi

echo "timew:  $(command -v timew) ($(timew --version))"
echo "bartib: $( [ -x target/tools/bin/bartib ] && echo target/tools/bin/bartib || command -v bartib)"
echo "time:   /usr/bin/time"
