#!/usr/bin/env bash
# CLI writes in the steady state: on a fresh database, 150 start/stop pairs of warm-up (the WAL
# kept between processes reaches its working size), then 20 timed pairs, 0.2 s apart.
# Prints the median start and stop in ms and the WAL size. Compare binaries within one run.
# Usage: scripts/bench-cli-steady.sh BIN [DIR]   (DIR: a scratch folder, default a temp dir)
set -euo pipefail
B=$1; D=${2:-$(mktemp -d)}
mkdir -p "$D"; export STINT_DB="$D/bench.db"; rm -f "$STINT_DB" "$STINT_DB-wal" "$STINT_DB-shm"
$B project add Web >/dev/null
for i in $(seq 1 150); do $B start -p Web "w$i" >/dev/null 2>&1; $B stop >/dev/null 2>&1; done
python3 - "$B" <<'PY'
import subprocess,sys,time,statistics,os
b=sys.argv[1]; s=[];t=[]
for i in range(20):
    a=time.perf_counter(); subprocess.run([b,'start','-p','Web',f'm{i}'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); s.append((time.perf_counter()-a)*1000)
    time.sleep(0.2)
    a=time.perf_counter(); subprocess.run([b,'stop'],stdout=subprocess.DEVNULL,stderr=subprocess.DEVNULL); t.append((time.perf_counter()-a)*1000)
    time.sleep(0.2)
wal=os.path.getsize(os.environ['STINT_DB']+'-wal')
print(f"start median {statistics.median(s):.2f} ms, stop median {statistics.median(t):.2f} ms, WAL {wal/1e6:.1f} MB")
PY
