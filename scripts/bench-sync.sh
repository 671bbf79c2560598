#!/usr/bin/env bash
# Sync benchmark: 10,000 changes made on one device (one create_track each, through `stint
# mcp`), then timed: `stint sync` publishing them to a fresh folder, and `stint sync` on a new
# empty device receiving them; prints both times and the folder's size.
#
#   scripts/bench-sync.sh            # uses target/release/stint
#   STINT_BIN=target/debug/stint CHANGES=2000 scripts/bench-sync.sh
set -euo pipefail
BIN=${STINT_BIN:-target/release/stint}
N=${CHANGES:-10000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export TZ=UTC
"$BIN" --db "$T/a.db" sync "$T/folder" >/dev/null
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
"$BIN" --db "$T/a.db" mcp <"$T/req.jsonl" >/dev/null
now() { date +%s.%N; }
t0=$(now)
"$BIN" --db "$T/a.db" sync "$T/folder" >/dev/null
t1=$(now)
"$BIN" --db "$T/b.db" sync "$T/folder" >/dev/null
t2=$(now)
tracks=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from tracks').fetchone()[0])" "$T/b.db")
size=$(du -sb "$T/folder" | cut -f1)
files=$(find "$T/folder" -name '*.stint' | wc -l)
printf 'changes: %s\npublish (stint sync on the device that made them): %.2f s\n' "$N" "$(echo "$t1 - $t0" | bc)"
printf 'receive (stint sync on a new empty device): %.2f s (%s tracks there)\n' "$(echo "$t2 - $t1" | bc)" "$tracks"
printf 'folder: %s bytes in %s files\n' "$size" "$files"
