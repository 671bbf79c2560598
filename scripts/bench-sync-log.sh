#!/usr/bin/env bash
# Sync benchmark for one large log (issue 19: "a 30 MB log takes 1 GB to read"). Devices a and
# b join an empty folder; a imports ROWS tracks from a stint CSV (a large import on a database
# that syncs: parts of 5,000 rows, one change each) and publishes them as one log; then timed,
# with each step's peak memory (GNU time's maximum RSS): `stint sync` on b applying that log,
# `stint sync compact` on a (writing a snapshot), and a new empty device c joining from that
# snapshot. Prints the sizes of the log and the snapshot.
#
#   scripts/bench-sync-log.sh                         # target/release/stint, 120,000 rows (~30 MB)
#   STINT_BIN=target/debug/stint ROWS=20000 scripts/bench-sync-log.sh
#   ENCRYPT=1 scripts/bench-sync-log.sh               # with a sync key on every device
set -euo pipefail
ROWS=${ROWS:-120000}
source "$(dirname "$0")/bench-sync-devices.sh"
python3 - "$ROWS" >"$T/tracks.csv" <<'PY'
import sys, datetime
n = int(sys.argv[1])
t0 = datetime.datetime(2015, 1, 1, 8, 0, tzinfo=datetime.timezone.utc)
print("start,end,project,client,task,tags,description,billable,rate")
for i in range(n):
    s = t0 + datetime.timedelta(minutes=45 * i)
    e = s + datetime.timedelta(minutes=30 + i % 7)
    task = f"Task {i % 4}" if i % 5 == 0 else ""
    rate = "95.50" if i % 11 == 0 else ""
    print(f"{s.isoformat()},{e.isoformat()},Project {i % 7},Client {i % 3},{task},"
          f"tag{i % 5};shared,row {i} of the benchmark,{'yes' if i % 2 == 0 else 'no'},{rate}")
PY
"$BIN" --db "$T/a.db" import "$T/tracks.csv" >/dev/null
now() { date +%s.%N; }
# Peak RSS in MiB of the last timed step (GNU time's %M, KiB).
rss() { echo "scale=1; $(cat "$T/rss") / 1024" | bc; }
timed() { /usr/bin/time -f %M -o "$T/rss" "$BIN" --db "$1" sync "${@:2}" >/dev/null; }
t0=$(now)
timed "$T/a.db" "$T/folder"
t1=$(now); r1=$(rss)
log=$(find "$T/folder" -name '[0-9]*-*.stint' -printf '%s\n' | sort -n | tail -1)
timed "$T/b.db" "$T/folder"
t2=$(now); r2=$(rss)
timed "$T/a.db" compact "$T/folder"
t3=$(now); r3=$(rss)
snap=$(find "$T/folder" -name 'snapshot-*.stint' -printf '%s\n' | sort -n | tail -1)
timed "$T/c.db" "$T/folder"
t4=$(now); r4=$(rss)
count() { python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('select count(*) from tracks').fetchone()[0])" "$1"; }
mib() { echo "scale=1; $1 / 1048576" | bc; }
printf 'rows imported: %s%s\n' "$ROWS" "$([ "${ENCRYPT:-0}" = 1 ] && echo ' (encrypted)')"
printf 'publish (stint sync on a): %.2f s, peak %s MiB; largest log %s bytes (%s MiB)\n' "$(echo "$t1 - $t0" | bc)" "$r1" "$log" "$(mib "$log")"
printf 'apply that log (stint sync on b): %.2f s, peak %s MiB (%s tracks there)\n' "$(echo "$t2 - $t1" | bc)" "$r2" "$(count "$T/b.db")"
printf 'compact (stint sync compact on a): %.2f s, peak %s MiB; snapshot %s bytes (%s MiB)\n' "$(echo "$t3 - $t2" | bc)" "$r3" "${snap:-0}" "$(mib "${snap:-0}")"
printf 'join from that snapshot (stint sync on new empty c): %.2f s, peak %s MiB (%s tracks there)\n' "$(echo "$t4 - $t3" | bc)" "$r4" "$(count "$T/c.db")"
