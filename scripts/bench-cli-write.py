#!/usr/bin/env python3
"""The command people type most, timed against Timewarrior in one run: `stint start` and
`stint stop` as whole processes on a database of N tracks (default 100,000), next to `timew start`
and `timew stop` on the same data, and optionally an older stint binary (`--baseline BIN`) on a
copy of the same database, so before and after are compared within one run (this machine's cores
are shared: compare ratios, not absolute times across runs).

Data: `gen.py N` from the peers folder (as scripts/bench.py; reused under target/bench-data/).
Each binary imports the same CSV into a database of its own. Start and stop alternate, each
process timed alone (1.1 s apart, as bench.py does); `--runs` rounds, each one pair of every
tool in turn (a load that comes and goes falls on all of them alike), after a warm-up round.
Prints one markdown table: operation, who, median ms, p90 ms, ratio to timew (above 1: stint
is faster), the number of fsyncs of one start/stop (strace, when installed), and the size of
each binary.

Usage: cargo build --release && python3 scripts/bench-cli-write.py [--size 100000] [--runs 15]
       [--bin target/release/stint] [--baseline OLD_STINT] [--timew timew]
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))


def load_bench():
    spec = importlib.util.spec_from_file_location("bench", os.path.join(ROOT, "scripts", "bench.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def pair(bench, start: list[str], stop: list[str], env: dict) -> tuple[float, float]:
    """Wall times (ms) of one start, then (1.1 s later, so the track is not discarded) one stop."""
    a = bench.run_once(start, env)[0]
    time.sleep(1.1)
    b = bench.run_once(stop, env)[0]
    time.sleep(0.05)
    return a * 1000, b * 1000


def fsyncs(argv: list[str], env: dict) -> int | None:
    """fsync/fdatasync calls of one run of argv (strace -f -c), or None without strace."""
    if not shutil.which("strace"):
        return None
    with tempfile.NamedTemporaryFile(prefix="bench-strace-") as out:
        subprocess.run(["strace", "-f", "-qq", "-e", "trace=fsync,fdatasync", "-o", out.name, *argv],
                       env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        with open(out.name) as f:
            return sum(1 for line in f if "fsync(" in line or "fdatasync(" in line)


def p90(xs: list[float]) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--size", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--bin", default=os.path.join(ROOT, "target/release/stint"))
    ap.add_argument("--baseline", help="an older stint binary to time on a copy of the same data")
    ap.add_argument("--timew", default=os.environ.get("TIMEW") or shutil.which("timew"))
    args = ap.parse_args()
    bench = load_bench()

    d = bench.peer_data(args.size)
    canonical = os.path.join(d, "canonical.csv")
    scratch = tempfile.mkdtemp(prefix="bench-cli-write-")
    base = dict(os.environ, NO_COLOR="1", TZ="UTC", HOME=os.path.join(scratch, "home"))
    os.makedirs(base["HOME"], exist_ok=True)
    rows = []   # (op, who, median, p90, fsyncs)
    sizes = {}
    who = [("stint", args.bin)] + ([("stint (baseline)", args.baseline)] if args.baseline else [])
    # (name, start argv, stop argv, env) of each tool; each gets its own copy of the data.
    tools = []
    for name, binary in who:
        # Each binary imports the data itself (an older one cannot open a newer schema).
        db = os.path.join(scratch, f"{len(tools)}.db")
        env = dict(base, STINT_DB=db)
        bench.log(f"{name}: importing {args.size:,} tracks ...")
        subprocess.run([binary, "import", "csv", canonical], env=env, check=True, stdout=subprocess.DEVNULL)
        tools.append((name, [binary, "start", "-p", "proj01", "bench"], [binary, "stop"], env))
        sizes[name] = os.path.getsize(binary)
    if args.timew:
        tw_db = os.path.join(scratch, "tw")
        shutil.copytree(os.path.join(d, "tw"), tw_db)
        tools.append(("timew", [args.timew, "start", "proj01", "bench"], [args.timew, "stop"],
                      dict(base, TIMEWARRIORDB=tw_db)))
    # Rounds: one start/stop pair of each tool in turn, so that a load that comes and goes on
    # this shared machine falls on all of them alike (one warm-up round first).
    bench.log(f"start/stop x{args.runs}, {len(tools)} tools in turn ...")
    times = {name: ([], []) for name, *_ in tools}
    for r in range(args.runs + 1):
        for name, start, stop, env in tools:
            a, b = pair(bench, start, stop, env)
            if r > 0:
                times[name][0].append(a)
                times[name][1].append(b)
    for name, start, stop, env in tools:
        a, b = times[name]
        fs_start = fsyncs(start, env)
        time.sleep(1.1)
        fs_stop = fsyncs(stop, env)
        rows.append(("start", name, statistics.median(a), p90(a), fs_start))
        rows.append(("stop", name, statistics.median(b), p90(b), fs_stop))
    shutil.rmtree(scratch, ignore_errors=True)

    timew = {op: med for op, w, med, _, _ in rows if w == "timew"}
    print(f"CLI writes at {args.size:,} tracks, {args.runs} runs each, {time.strftime('%Y-%m-%d')}, "
          f"{os.cpu_count()} cores\n")
    print("| operation | who | median ms | p90 ms | timew / this | fsyncs |")
    print("|---|---|---:|---:|---:|---:|")
    for op, w, med, hi, fs in rows:
        ratio = f"{timew[op] / med:.2f}" if op in timew else ""
        print(f"| `{op}` | {w} | {med:.2f} | {hi:.2f} | {ratio} | {'' if fs is None else fs} |")
    print()
    for name, size in sizes.items():
        print(f"- binary size, {name}: {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
