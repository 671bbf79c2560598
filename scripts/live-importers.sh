#!/usr/bin/env bash
# Makes real exports with Timewarrior and Watson, the same ones tests/it/importers.rs reads from
# fixtures/import/live/, and either checks them against stint (default) or writes them there
# (--write, to refresh the fixtures after a tool's output format changes).
#
#   scripts/live-importers.sh          # .ci/run: the importer tests on fresh exports
#   scripts/live-importers.sh --write  # refresh fixtures/import/live/ from the installed tools
#
# Needs `timew` (Debian: apt-get install timewarrior) and `watson` (td-watson from PyPI; found
# in target/watson-venv/bin, where scripts/setup-dev.sh puts it, or on PATH). A missing tool
# fails the script, saying how to install it: it never passes without running them.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=check
case "${1:-}" in
  --write) mode=write ;;
  "") ;;
  *) echo "usage: $0 [--write]" >&2; exit 2 ;;
esac

timew="$(command -v timew || true)"
if [[ -z "$timew" ]]; then
  echo "live importers: timew is not installed (Debian/Ubuntu: apt-get install timewarrior)" >&2
  exit 1
fi
watson="target/watson-venv/bin/watson"
[[ -x "$watson" ]] || watson="$(command -v watson || true)"
if [[ -z "$watson" ]]; then
  echo "live importers: watson is not installed (python3 -m venv target/watson-venv &&" \
    "target/watson-venv/bin/pip install td-watson==2.1.0)" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/stint-live-importers.XXXXXX")"
trap 'rm -rf "$work"' EXIT
out="$work/live"
mkdir -p "$out"

# Timewarrior: two days in March, one in November (across the DST change), an annotation.
export TIMEWARRIORDB="$work/timewarrior"
mkdir -p "$TIMEWARRIORDB/data"
: >"$TIMEWARRIORDB/timewarrior.cfg"
tw() { TZ=Europe/Berlin "$timew" "$@" >/dev/null; }
tw track 2024-03-25T08:30 - 2024-03-25T10:00 Website "deep work"
tw track 2024-03-25T10:15 - 2024-03-25T11:00 meeting
tw annotate @1 Standup
tw track 2024-11-03T09:00 - 2024-11-03T09:45 Website
TZ=Europe/Berlin "$timew" export >"$out/timewarrior-export.json"
mkdir -p "$out/timewarrior-data"
cp "$TIMEWARRIORDB"/data/2024-*.data "$out/timewarrior-data/"

# Watson: two frames and a running one (which lives in `state`, not in `frames` or the log).
export WATSON_DIR="$work/watson"
mkdir -p "$WATSON_DIR"
w() { TZ=Europe/Berlin PYTHONDONTWRITEBYTECODE=1 "$watson" "$@"; }
w add -f "2024-03-25 08:30" -t "2024-03-25 10:00" website +design "+client call" >/dev/null
w add -f "2024-03-26 09:00" -t "2024-03-26 09:20" internal >/dev/null
w start writing +draft >/dev/null
w log --json --all >"$out/watson-log.json"
cp "$WATSON_DIR/frames" "$out/watson-frames"

versions="timewarrior $("$timew" --version), $(w --version | sed 's/^Watson, version /td-watson /')"
if [[ "$mode" == write ]]; then
  rm -rf fixtures/import/live
  cp -r "$out" fixtures/import/live
  echo "$versions" >fixtures/import/live/VERSIONS
  echo "wrote fixtures/import/live/ ($versions)"
  exit 0
fi
echo "$versions" >"$out/VERSIONS"
# The same tests that read the checked-in fixtures, on these fresh exports. Both must run: a
# filter that matches nothing would "pass" with 0 tests.
log="$work/test.log"
STINT_IMPORT_LIVE_DIR="$out" cargo test --locked --test tests -- it::importers::real_ 2>&1 | tee "$log"
if ! grep -q '^test result: ok\. 2 passed; 0 failed' "$log"; then
  echo "live importers: expected the 2 tests it::importers::real_* to run and pass" >&2
  exit 1
fi
