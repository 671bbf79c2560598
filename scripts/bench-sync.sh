#!/usr/bin/env bash
# Sync benchmark: two devices join an empty folder; 10,000 changes are made on the first (one
# create_track each, through `stint mcp`); then timed: `stint sync` publishing them, `stint
# sync` on the second device applying them, and a third, new empty device joining (it starts
# from the snapshot the first device wrote). Prints the times, each step's peak memory (GNU
# time's maximum RSS) and the folder's size.
#
#   scripts/bench-sync.sh                 # uses target/release/stint
#   ENCRYPT=1 scripts/bench-sync.sh       # the same with a sync key on every device
#   STINT_BIN=target/debug/stint CHANGES=2000 scripts/bench-sync.sh
set -euo pipefail
N=${CHANGES:-10000}
source "$(dirname "$0")/bench-sync-devices.sh"
python3 - "$N" >"$T/req.jsonl" <<'PY'
import json, sys
n = int(sys.argv[1])
for i in range(n):
    day, minute = divmod(i, 600)
    start = f"2025-{1 + day // 28 % 12:02d}-{1 + day % 28:02d}T{6 + minute // 60:02d}:{minute % 60:02d}:00Z"
    args = {"description": f"work {i}", "start": start, "duration": "50s"}
    print(json.dumps({"jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
                      "params": {"name": "create_track", "arguments": args}}))
PY
# The benchmark times `stint sync` itself: `stint mcp` must not sync on its own meanwhile.
"$BIN" --db "$T/a.db" sync auto off >/dev/null
"$BIN" --db "$T/a.db" mcp <"$T/req.jsonl" >/dev/null
now() { date +%s.%N; }
# Peak RSS in MiB of one `stint sync` (GNU time's %M, KiB).
rss() { echo "scale=1; $(cat "$T/rss") / 1024" | bc; }
timed() { /usr/bin/time -f %M -o "$T/rss" "$BIN" --db "$1" sync "$T/folder" >/dev/null; }
t0=$(now)
timed "$T/a.db"
t1=$(now); r1=$(rss)
timed "$T/b.db"
t2=$(now); r2=$(rss)
timed "$T/c.db"
t3=$(now); r3=$(rss)
count() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from tracks').fetchone()[0])" "$1"; }
size=$(du -sb "$T/folder" | cut -f1)
files=$(find "$T/folder" -name '*.stint' | wc -l)
snap=$(find "$T/folder" -name 'snapshot-*.stint' -printf '%s\n' | paste -sd+ | bc)
printf 'changes: %s%s\n' "$N" "$([ "${ENCRYPT:-0}" = 1 ] && echo ' (encrypted)')"
printf 'publish (stint sync on the device that made them): %.2f s, peak %s MiB\n' "$(echo "$t1 - $t0" | bc)" "$r1"
printf 'apply (stint sync on a device that had joined before): %.2f s, peak %s MiB (%s tracks there)\n' "$(echo "$t2 - $t1" | bc)" "$r2" "$(count "$T/b.db")"
printf 'join (stint sync on a new empty device, from the snapshot): %.2f s, peak %s MiB (%s tracks there)\n' "$(echo "$t3 - $t2" | bc)" "$r3" "$(count "$T/c.db")"
printf 'largest file: %s bytes\n' "$(find "$T/folder" -name '*.stint' -printf '%s\n' | sort -n | tail -1)"
printf 'folder: %s bytes in %s files (snapshots: %s bytes)\n' "$size" "$files" "${snap:-0}"
