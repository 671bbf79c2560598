#!/usr/bin/env python3
"""stint against Timewarrior and bartib on the same data: one markdown table (a benchmark; it
asserts nothing about speed).

For each size N (default 10k, 100k and 1M tracks):
  - data: `gen.py N DIR` from ../shared/peers (20 projects x 5 tags, 2024-11-01..2026-10-31 UTC,
    non-overlapping, seed 42) into target/bench-data/peers-N/ (reused when complete). It writes
    canonical.csv for stint, tw/ for Timewarrior (TIMEWARRIORDB) and bartib.txt for bartib.
  - `stint import csv canonical.csv` into a fresh database (timed, up to 5 runs, each into a new
    file: one row of the table); then
    `update_settings` sets time zone UTC and default_hourly_rate 100, so amounts are not zero.
  - timed, stint: spawn `stint mcp` -> `tools/list` answer (scripts/bench-startup.py);
    `stint start` and `stint stop` as whole processes, each timed alone, on a copy of the
    database (1.1 s apart, because a zero-second track is refused); `stint report` for one week
    (2026-10-05..11, recent; and 2025-06-02..08, mid-history as in bench.py) and for all time by
    project as whole processes; the same two as `time_summary` calls and a
    `create_invoice` dry run over the ~10k most recent billable tracks (all 20 projects) through
    ONE long-lived `stint mcp` (scripts/bench-reports.py's Server: request to answer line);
    `stint tracks --csv -` to /dev/null (every track).
  - timed, peers (when installed; commands as in ../shared/peers/bench.py): `timew summary :all`,
    `timew summary WEEK` (both weeks), `timew start proj01 bench` / `timew stop`, `timew export` (JSON: the
    nearest thing to a CSV export of everything); `bartib report`, `bartib report --from --to`,
    `bartib start -p proj01 -d bench` / `bartib stop`. Start/stop run on copies of their files,
    every tool in turn: each round runs one start/stop pair of each tool, so all of them meet
    the same load on the machine.
  - peak memory: GNU time's %M (max RSS) of the warm-up run of each process (the timed runs are
    not wrapped, so the wrapper's ~1 ms does not count); for `stint mcp`, VmHWM after the calls.

Timing: wall clock from spawn to exit (perf_counter), one warm-up run, then the median of --runs;
an operation whose warm-up takes over 2 s gets 3 timed runs, over --slow-limit (30 s) just that
one run for stint, and for a peer it is skipped ("skipped (>30 s)", the ratio is then a lower
bound). Ratio = fastest peer's time / stint's time (above 1: stint is faster); for memory rows,
smallest peer RSS / stint's RSS.

Install the peers with `bash scripts/install-peers.sh` (timewarrior from apt, bartib into
target/tools/bin); override with TIMEW=/path or BARTIB=/path. Build stint first:
`cargo build --release`.

Usage:  python3 scripts/bench.py [--sizes 10000,100000,1000000] [--runs 7] [--bin target/release/stint]
                                 [--out target/bench-results.md] [--no-peers]
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import os
import platform
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from datetime import date, timedelta

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA_DIR = os.path.join(ROOT, "target", "bench-data")
PEERS_DIR = os.environ.get("PEERS_DIR") or next(
    (d for d in (os.path.join(ROOT, "..", "shared", "peers"), "/work/shared/peers")
     if os.path.exists(os.path.join(d, "gen.py"))), os.path.join(ROOT, "..", "shared", "peers"))
GNU_TIME = "/usr/bin/time"

# One Monday-to-Sunday week that holds data at every size (at 10k, gen.py's data end on
# 2026-10-16, so the last weeks of October are empty there).
WEEK = ("2026-10-05", "2026-10-11")
WEEK_END_EXCL = "2026-10-12"
# The week ../shared/peers/bench.py uses, in the middle of the history: a report must not cost
# more for a week with many tracks after it.
MID_WEEK = ("2025-06-02", "2025-06-08")
MID_WEEK_END_EXCL = "2025-06-09"
ALL_TIME = ("2024-01-01", "2026-12-31")
INVOICE_TARGET = 10_000
PROJECTS = [f"proj{i:02d}" for i in range(1, 21)]


def load(name: str, filename: str):
    """Imports a colleague's script (hyphenated file name) as a module; its main() does not run."""
    spec = importlib.util.spec_from_file_location(name, os.path.join(ROOT, "scripts", filename))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


reports_mod = load("bench_reports", "bench-reports.py")   # Server, mcp_lines, call, median_ms
startup_mod = load("bench_startup", "bench-startup.py")   # client_path


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


# ----- running processes -----------------------------------------------------------------------

class Failed(Exception):
    pass


class TooSlow(Exception):
    pass


CPU_MS: list[float] = []   # user + system CPU of each run_once, for the JSON next to the table


def run_once(argv: list[str], env: dict, timeout: float | None = None, rss: bool = False) -> tuple[float, int | None]:
    """Runs argv to completion (stdout to /dev/null); returns (wall seconds, peak RSS KiB or None)
    and appends its CPU time (user + system, ms) to CPU_MS.

    With rss=True the process runs under GNU time -f %M (one more fork + exec in the wall time).
    A timeout kills the whole process group and raises TooSlow."""
    out = tempfile.NamedTemporaryFile(prefix="bench-time-", delete=False) if rss else None
    full = [GNU_TIME, "-f", "%M", "-o", out.name, *argv] if rss else argv
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                             env=env, start_new_session=True)
        killed = []
        timer = None
        if timeout:
            def kill() -> None:
                killed.append(True)
                os.killpg(p.pid, signal.SIGKILL)
            timer = threading.Timer(timeout, kill)
            timer.start()
        _, status, usage = os.wait4(p.pid, 0)   # rusage: CPU time, unlike Popen.wait
        wall = time.perf_counter() - t0
        if timer:
            timer.cancel()
        p.returncode = rc = os.waitstatus_to_exitcode(status)
        if killed:
            raise TooSlow(f"{' '.join(argv)}: over {timeout:.0f} s")
        CPU_MS.append((usage.ru_utime + usage.ru_stime) * 1000)
        if rc != 0:
            err.seek(0)
            raise Failed(f"{' '.join(argv)}: exit {rc}: {err.read().decode(errors='replace')[-600:]}")
    kib = None
    if out is not None:
        with open(out.name) as f:
            lines = [line for line in f.read().split() if line.isdigit()]
        os.unlink(out.name)
        kib = int(lines[-1]) if lines else None
    return wall, kib


def measure(argv: list[str], env: dict, runs: int, slow_limit: float, peer: bool,
            rss: bool = True) -> dict:
    """Warm-up (under GNU time for the RSS), then the median of `runs` unwrapped runs (3 if the
    warm-up took over 2 s; none if over slow_limit: stint keeps that one run, a peer is skipped)."""
    try:
        first, kib = run_once(argv, env, timeout=slow_limit if peer else None, rss=rss)
    except TooSlow:
        return {"skipped": True, "kib": None}
    if first > slow_limit:
        return {"ms": first * 1000, "runs": 1, "kib": kib, "skipped": peer}
    k = runs if first <= 2 else 2
    cpu = CPU_MS[-1:] if first > 2 else []
    times = []
    for _ in range(k):
        times.append(run_once(argv, env)[0])
        cpu.append(CPU_MS[-1])
    if first > 2:
        times.append(first)  # slow: the wrapper's ~1 ms is noise, so the warm-up counts
    return {"ms": statistics.median(times) * 1000, "runs": len(times), "kib": kib,
            "cpu_ms": statistics.median(cpu)}


def measure_pairs_in_turn(tools: dict[str, tuple[list[str], list[str], dict, bool]], runs: int,
                          slow_limit: float) -> dict[str, tuple[dict, dict]]:
    """Start/stop of several tools in turn: one warm-up pair each, then `runs` rounds in which
    each tool runs one pair (start, 1.1 s, stop; each process timed alone), so that every tool
    meets the same load on the machine; medians per tool. A tool whose warm-up is slower than
    slow_limit keeps that one pair (a peer is skipped); a failing peer is reported and left out."""
    def pair(start: list[str], stop: list[str], env: dict, peer: bool) -> tuple[float, float, float, float]:
        a = run_once(start, env, timeout=slow_limit if peer else None)[0]
        a_cpu = CPU_MS[-1]
        time.sleep(1.1)
        b = run_once(stop, env, timeout=slow_limit if peer else None)[0]
        return a, b, a_cpu, CPU_MS[-1]

    out: dict[str, tuple[dict, dict]] = {}
    live: dict[str, tuple[list[str], list[str], dict, bool]] = {}
    for who, (start, stop, env, peer) in tools.items():
        try:
            a0, b0, _, _ = pair(start, stop, env, peer)
        except TooSlow:
            out[who] = ({"skipped": True}, {"skipped": True})
            continue
        except Exception as e:  # noqa: BLE001 - a peer's failure is reported, not fatal
            if not peer:
                raise
            log(f"  {who} start/stop failed, left out: {e}")
            continue
        if max(a0, b0) > slow_limit:
            out[who] = ({"ms": a0 * 1000, "runs": 1, "skipped": peer}, {"ms": b0 * 1000, "runs": 1, "skipped": peer})
            continue
        live[who] = (start, stop, env, peer)
    got: dict[str, list] = {who: [] for who in live}
    for _ in range(runs):
        for who, (start, stop, env, peer) in live.items():
            if who in got:
                try:
                    got[who].append(pair(start, stop, env, peer))
                except Exception as e:  # noqa: BLE001
                    if not peer:
                        raise
                    log(f"  {who} start/stop failed, left out: {e}")
                    del got[who]
    for who, g in got.items():
        out[who] = ({"ms": statistics.median(x[0] for x in g) * 1000, "runs": len(g),
                     "cpu_ms": statistics.median(x[2] for x in g)},
                    {"ms": statistics.median(x[1] for x in g) * 1000, "runs": len(g),
                     "cpu_ms": statistics.median(x[3] for x in g)})
    return out


def guarded(label: str, fn, *args, **kwargs):
    """Runs a peer measurement; a failing peer command is reported and left out, not fatal."""
    try:
        return fn(*args, **kwargs)
    except (Failed, TooSlow) as e:
        log(f"  !! {label}: {e}")
        return None


# ----- data ------------------------------------------------------------------------------------

def count_lines(path: str) -> int:
    n = 0
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            n += block.count(b"\n")
    return n


def peer_data(n: int) -> str:
    """target/bench-data/peers-N from gen.py, reused when its files are complete."""
    d = os.path.join(DATA_DIR, f"peers-{n}")
    ok = os.path.join(d, "gen.ok")
    if os.path.exists(ok) and open(ok).read().strip() == str(n):
        return d
    complete = (os.path.exists(os.path.join(d, "bartib.txt")) and os.path.exists(os.path.join(d, "canonical.csv"))
                and os.path.isdir(os.path.join(d, "tw", "data"))
                and count_lines(os.path.join(d, "canonical.csv")) == n + 1
                and count_lines(os.path.join(d, "bartib.txt")) == n)
    if not complete:
        gen = os.path.join(PEERS_DIR, "gen.py")
        if not os.path.exists(gen):
            sys.exit(f"bench: no {gen}; set PEERS_DIR to the folder with gen.py")
        shutil.rmtree(d, ignore_errors=True)
        log(f"  generating {n:,} intervals with {gen} ...")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, gen, str(n), d], check=True, stdout=subprocess.DEVNULL)
        log(f"  generated in {time.perf_counter() - t0:.0f} s")
    with open(ok, "w") as f:
        f.write(str(n))
    return d


def invoice_period(canonical: str) -> tuple[str, str, int]:
    """The latest whole UTC days up to 2026-10-31 whose tracks (all billable) add up to at least
    INVOICE_TARGET: (from, to, tracks)."""
    per_day: Counter[str] = Counter()
    with open(canonical, newline="") as f:
        for row in csv.DictReader(f):
            per_day[row["start_utc"][:10]] += 1
    day, last, total = date(2026, 10, 31), date(2026, 10, 31), 0
    while total < INVOICE_TARGET and day >= date(2024, 11, 1):
        total += per_day.get(day.isoformat(), 0)
        day -= timedelta(days=1)
    return (day + timedelta(days=1)).isoformat(), last.isoformat(), total


def remove_db(path: str) -> None:
    for f in (path, path + "-wal", path + "-shm"):
        if os.path.exists(f):
            os.remove(f)


def copy_db(src: str, dst: str) -> None:
    remove_db(dst)
    for suffix in ("", "-wal"):
        if os.path.exists(src + suffix):
            shutil.copyfile(src + suffix, dst + suffix)


def vm_hwm(pid: int) -> int | None:
    """Peak RSS so far of a running process, KiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        return None


# ----- one size --------------------------------------------------------------------------------

def bench_size(binary: str, n: int, args, peers: dict[str, str]) -> dict:
    runs, slow = args.runs, args.slow_limit
    d = peer_data(n)
    canonical = os.path.join(d, "canonical.csv")
    scratch = os.path.join(d, "scratch")
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    db = os.path.join(d, "stint.db")
    base = {k: v for k, v in os.environ.items() if not k.startswith(("STINT_", "TIMEWARRIOR", "BARTIB"))}
    base["TZ"] = "UTC"
    res: dict[str, dict] = {}   # op -> {"stint": {...}, "peers": {name: {...}}}

    def put(op: str, who: str, m: dict | None) -> None:
        if m is None:
            return
        slot = res.setdefault(op, {"stint": None, "peers": {}})
        if who == "stint":
            slot["stint"] = m
        else:
            slot["peers"][who] = m

    # Import into fresh databases; the last one is the dataset for everything else.
    log(f"  stint import csv ({n:,} rows) ...")
    senv = dict(base, STINT_DB=db)
    imp = [binary, "import", "csv", canonical]
    times, cpu, kib = [], [], None
    while True:
        remove_db(db)
        wall, k = run_once(imp, senv, rss=kib is None)
        kib = kib or k
        times.append(wall)
        cpu.append(CPU_MS[-1])
        if wall > slow or len(times) >= (3 if wall > 2 else min(runs, 5)):
            break
    put("import", "stint", {"ms": statistics.median(times) * 1000, "runs": len(times), "kib": kib,
                            "cpu_ms": statistics.median(cpu)})
    put("rss:import", "stint", {"kib": kib})
    reports_mod.mcp_lines(binary, db, [reports_mod.call(1, "update_settings", {
        "timezone": "UTC", "default_hourly_rate": "100", "default_currency": "EUR"})])
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    have = con.execute("SELECT count(*) FROM tracks").fetchone()[0]
    con.close()
    if have != n:
        raise SystemExit(f"bench: {db} holds {have} tracks after the import, expected {n}")

    # Spawn -> tools/list.
    log("  stint mcp: spawn -> tools/list ...")
    startup_mod.client_path(binary, senv)  # warm-up
    spawn = [startup_mod.client_path(binary, senv)[1] for _ in range(runs)]
    put("spawn", "stint", {"ms": statistics.median(spawn) * 1000, "runs": len(spawn)})

    # Tool calls through one long-lived server.
    log("  stint mcp: time_summary, create_invoice dry run ...")
    inv_from, inv_to, inv_expected = invoice_period(canonical)
    server = reports_mod.Server(binary, db)
    notes = []
    try:
        for op, tool, targs in [
            ("mcp:week", "time_summary", {"from": WEEK[0], "to": WEEK[1], "group_by": ["project"]}),
            ("mcp:all", "time_summary", {"from": ALL_TIME[0], "to": ALL_TIME[1], "group_by": ["project"]}),
            ("mcp:invoice", "create_invoice", {"projects": PROJECTS, "from": inv_from, "to": inv_to,
                                               "dry_run": True}),
        ]:
            last: dict = {}

            def once(tool=tool, targs=targs) -> float:
                nonlocal last
                elapsed, last = server.call(tool, targs)
                return elapsed

            put(op, "stint", {"ms": reports_mod.median_ms(once, runs), "runs": runs})
            if op == "mcp:all":  # VmHWM only grows: the peak of the two time_summary calls
                put("rss:mcp-reports", "stint", {"kib": vm_hwm(server.p.pid)})
            if tool == "create_invoice":
                inv = last.get("invoice", {})
                notes.append(f"invoice dry run {inv_from}..{inv_to}: {inv.get('track_count')} tracks "
                             f"(expected {inv_expected}), total {inv.get('total')} {inv.get('currency')}")
            elif op == "mcp:all":
                tracks = last.get("totals", {}).get("track_count")
                notes.append(f"all time: {tracks} tracks")
                if tracks != n:
                    log(f"  !! time_summary all time counted {tracks} tracks, expected {n}")
        put("rss:mcp", "stint", {"kib": vm_hwm(server.p.pid)})
    finally:
        server.close()
    log("  " + "; ".join(notes))

    # Reports and export as whole processes.
    log("  stint report / tracks --csv ...")
    week_cmd = [binary, "report", "--from", WEEK[0], "--to", WEEK[1]]
    all_cmd = [binary, "report", "--from", ALL_TIME[0], "--to", ALL_TIME[1], "--group-by", "project"]
    csv_cmd = [binary, "tracks", "--csv", "-"]
    mid_cmd = [binary, "report", "--from", MID_WEEK[0], "--to", MID_WEEK[1]]
    for op, cmd in [("week", week_cmd), ("midweek", mid_cmd), ("all", all_cmd), ("csv", csv_cmd)]:
        m = measure(cmd, senv, runs, slow, peer=False)
        put(op, "stint", m)
        put(f"rss:{op}", "stint", {"kib": m["kib"]})

    # Start/stop on copies, every tool in turn (after the peers' reads below).
    ss_db = os.path.join(scratch, "stint-startstop.db")
    copy_db(db, ss_db)
    in_turn: dict[str, tuple[list[str], list[str], dict, bool]] = {
        "stint": ([binary, "start", "-p", "proj01", "bench"], [binary, "stop"], dict(base, STINT_DB=ss_db), False)}

    # Peers.
    if "timew" in peers:
        tw = peers["timew"]
        log(f"  timew ({tw}) ...")
        tenv = dict(base, HOME=os.path.join(d, "home"), TIMEWARRIORDB=os.path.join(d, "tw"))
        for op, cmd in [("week", [tw, "summary", WEEK[0], "-", WEEK_END_EXCL]),
                        ("midweek", [tw, "summary", MID_WEEK[0], "-", MID_WEEK_END_EXCL]),
                        ("all", [tw, "summary", ":all"]),
                        ("csv", [tw, "export"])]:
            m = guarded(f"timew {op}", measure, cmd, tenv, runs, slow, peer=True)
            put(op, "timew", m)
            if m is not None:
                put(f"rss:{op}", "timew", {"kib": m.get("kib")} if not m.get("skipped") else {"skipped": True})
        tw_copy = os.path.join(scratch, "tw")
        shutil.copytree(os.path.join(d, "tw"), tw_copy)
        in_turn["timew"] = ([tw, "start", "proj01", "bench"], [tw, "stop"], dict(tenv, TIMEWARRIORDB=tw_copy), True)
    if "bartib" in peers:
        bt = peers["bartib"]
        log(f"  bartib ({bt}) ...")
        bfile = os.path.join(d, "bartib.txt")
        benv = dict(base, HOME=os.path.join(d, "home"), BARTIB_FILE=bfile)
        for op, cmd in [("week", [bt, "-f", bfile, "report", "--from", WEEK[0], "--to", WEEK[1]]),
                        ("midweek", [bt, "-f", bfile, "report", "--from", MID_WEEK[0], "--to", MID_WEEK[1]]),
                        ("all", [bt, "-f", bfile, "report"])]:
            m = guarded(f"bartib {op}", measure, cmd, benv, runs, slow, peer=True)
            put(op, "bartib", m)
            if m is not None:
                put(f"rss:{op}", "bartib", {"kib": m.get("kib")} if not m.get("skipped") else {"skipped": True})
        bcopy = os.path.join(scratch, "bartib.txt")
        shutil.copyfile(bfile, bcopy)
        in_turn["bartib"] = ([bt, "-f", bcopy, "start", "-p", "proj01", "-d", "bench"], [bt, "-f", bcopy, "stop"],
                             dict(benv, BARTIB_FILE=bcopy), True)
    log(f"  start / stop in turn: {', '.join(in_turn)} ...")
    for who, (a, b) in measure_pairs_in_turn(in_turn, runs, slow).items():
        put("start", who, a)
        put("stop", who, b)
    shutil.rmtree(scratch, ignore_errors=True)
    return res


# ----- table -----------------------------------------------------------------------------------

ROWS = [  # (key, label, aim text, (size, stint limit ms or MiB) or None, wants >= 10x)
    ("spawn", "spawn `stint mcp` -> `tools/list` answer", "", None, False),
    ("start", "`start` (process)", "< 5 ms at 100k, >= 10x", (100_000, 5), True),
    ("stop", "`stop` (process)", "< 5 ms at 100k, >= 10x", (100_000, 5), True),
    ("week", f"report, one week {WEEK[0]}..{WEEK[1][5:]} (process)", "< 10 ms at 100k, >= 10x", (100_000, 10), True),
    ("midweek", f"report, one week {MID_WEEK[0]}..{MID_WEEK[1][5:]} (process)", "< 10 ms at 100k, >= 10x",
     (100_000, 10), True),
    ("all", "report, all time by project (process)", "< 60 ms at 100k, >= 10x", (100_000, 60), True),
    ("mcp:week", "`time_summary` one week (tool call)", "", None, False),
    ("mcp:all", "`time_summary` all time by project (tool call)", "", None, False),
    ("mcp:invoice", "`create_invoice` dry run, ~10k billable tracks (tool call)", "", None, False),
    ("csv", "CSV export of all tracks (process) [a]", "", None, False),
    ("import", "`import csv` of all N rows (process)", "", None, False),
    ("rss:week", "peak RSS MiB: report, one week", "< 50 MB at 1M", (1_000_000, 50), False),
    ("rss:all", "peak RSS MiB: report, all time", "< 50 MB at 1M", (1_000_000, 50), False),
    ("rss:csv", "peak RSS MiB: CSV export [a]", "", None, False),
    ("rss:import", "peak RSS MiB: import", "", None, False),
    ("rss:mcp-reports", "peak RSS MiB: `stint mcp` after the two `time_summary` calls", "< 50 MB at 1M",
     (1_000_000, 50), False),
    ("rss:mcp", "peak RSS MiB: `stint mcp` after the invoice dry run too", "", None, False),
]


def fmt_ms(ms: float) -> str:
    if ms >= 10_000:
        return f"{ms / 1000:.1f} s"
    return f"{ms:.1f}" if ms < 100 else f"{ms:.0f}"


def fmt_ratio(r: float, lower_bound: bool = False) -> str:
    s = f"{r:.0f}x" if r >= 10 else f"{r:.1f}x" if r >= 0.95 else f"{r:.2f}x"
    return (">" + s) if lower_bound else s


def cells(key: str, slot: dict | None, slow_limit: float) -> tuple[str, str, str, float | None, float | None]:
    """(stint, fastest peer, ratio, stint value, ratio value) for one row and size."""
    if not slot or not slot.get("stint"):
        return "", "", "", None, None
    mem = key.startswith("rss:")
    s = slot["stint"]
    if mem:
        val = s.get("kib") / 1024 if s.get("kib") else None
        stint = f"{val:.1f}" if val is not None else "?"
    else:
        val = s["ms"]
        stint = fmt_ms(val) + ("¹" if s.get("runs") == 1 else "")
    done = {}
    skipped = []
    for name, m in slot["peers"].items():
        if m.get("skipped"):
            skipped.append(name)
        elif mem and m.get("kib"):
            done[name] = m["kib"] / 1024
        elif not mem and "ms" in m:
            done[name] = m["ms"]
    if done:
        name = min(done, key=done.get)
        pv = done[name]
        peer = f"{name} {pv:.1f}" if mem else f"{name} {fmt_ms(pv)}"
        r = pv / val if val else None
        return stint, peer, fmt_ratio(r) if r else "", val, r
    if skipped:
        if mem:
            return stint, f"{'/'.join(skipped)} skipped", "", val, None
        r = slow_limit * 1000 / val
        return stint, f"{'/'.join(skipped)} skipped (>{slow_limit:.0f} s)", fmt_ratio(r, True), val, r
    return stint, "n/a", "", val, None


def machine_line() -> str:
    cpu = "?"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    except OSError:
        pass
    mem = "?"
    try:
        out = subprocess.run(["free", "-h"], capture_output=True, text=True).stdout.splitlines()
        mem = next(line.split()[1] for line in out if line.startswith("Mem:"))
    except (OSError, StopIteration, IndexError):
        pass
    load = os.getloadavg()
    return (f"{os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), {cpu}, {mem} RAM, "
            f"{platform.system()} {platform.release()}; load average {load[0]:.1f} at the end")


def render(results: dict[int, dict], sizes: list[int], args, binary: str, peers: dict, versions: dict,
           overhead_ms: list[float], elapsed: float) -> str:
    def size_name(n: int) -> str:
        return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else f"{n // 1000}k" if n % 1000 == 0 else str(n)

    out = []
    rev = (f"binary built {versions.get('built')} UTC, HEAD {versions.get('head')}"
           + (", binary OLDER THAN src/" if versions.get("stale") else ""))
    peer_text = ", ".join(f"{k} {versions.get(k, '?')}" for k in peers) or "none installed"
    out.append(f"Machine: {machine_line()}. stint {versions.get('stint', '?')} ({rev}); peers: {peer_text}. "
               f"Reproduce: `cargo build --release && bash scripts/install-peers.sh && python3 scripts/bench.py "
               f"--sizes {','.join(str(n) for n in sizes)} --runs {args.runs}` ({elapsed / 60:.0f} min).")
    out.append("")
    head = "| operation | " + " | ".join(f"{size_name(n)} stint | {size_name(n)} fastest peer | {size_name(n)} ratio"
                                       for n in sizes) + " | aim |"
    out.append(head)
    out.append("|" + "---|" * (2 + 3 * len(sizes)))
    for key, label, aim_text, aim, ten_x in ROWS:
        row = [label]
        verdict = ""
        for n in sizes:
            st, pe, ra, val, r = cells(key, results.get(n, {}).get(key), args.slow_limit)
            row += [st, pe, ra]
            if aim and n == aim[0] and val is not None:
                # Each aim is judged on its own: the limit, then the 10x lead where asked.
                limit_text, _, lead_text = aim_text.partition(", ")
                verdict = f"{limit_text}: {'met' if val < aim[1] else '**missed**'}"
                if ten_x and r is not None:
                    verdict += f"; {lead_text}: {'met' if r >= 10 else '**missed**'}"
        row.append(verdict or aim_text)
        out.append("| " + " | ".join(row) + " |")
    out.append("")
    out.append(f"Times in ms (s where marked), median of {args.runs} runs after a warm-up (3 runs when a run takes "
               f"over 2 s; ¹ = one run, it took over {args.slow_limit:.0f} s), wall clock from spawn to exit; "
               f"launching a process from the harness costs {overhead_ms[0]:.1f} ms at the start and {overhead_ms[-1]:.1f} ms at the end (`/bin/true`, a gauge of the load on the machine). Tool calls: one "
               f"long-lived `stint mcp`, request to answer line. Ratio = fastest peer / stint (above 1: stint "
               f"faster or smaller); a peer skipped after {args.slow_limit:.0f} s gives a lower bound. Peak RSS: GNU "
               f"time %M of the warm-up run; `stint mcp`: VmHWM. All time "
               f"{ALL_TIME[0]}..{ALL_TIME[1]}; data: ../shared/peers/gen.py (non-overlapping, 20 projects, "
               f"2024-11-01..2026-10-31 UTC). Peer commands as in ../shared/peers/bench.py: `timew summary :all`, "
               f"`timew summary {WEEK[0]} - {WEEK_END_EXCL}` (end excluded), `bartib report [--from --to]`, `timew start proj01 "
               f"bench`/`timew stop`, `bartib start -p proj01 -d bench`/`bartib stop`; start/stop on copies. "
               f"[a] the peer is `timew export` (JSON; bartib has no export). Peers print every interval or "
               f"description in their reports, stint prints one row per project.")
    return "\n".join(out) + "\n"


def newer_sources(binary: str) -> list[str]:
    """Sources changed after the binary was built (the benchmark would time old code)."""
    built = os.path.getmtime(binary)
    out = []
    for top in ("src", "migrations", "Cargo.toml", "Cargo.lock"):
        path = os.path.join(ROOT, top)
        walk = os.walk(path) if os.path.isdir(path) else [(ROOT, [], [top])]
        for folder, _, files in walk:
            out += [os.path.relpath(os.path.join(folder, f), ROOT) for f in files
                    if os.path.getmtime(os.path.join(folder, f)) > built]
    return out


def version_of(argv: list[str]) -> str:
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=10).stdout.strip().split()[-1]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "?"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10000,100000,1000000", help="track counts, comma-separated")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per operation (median), after a warm-up")
    ap.add_argument("--bin", default=os.environ.get("STINT_BIN", os.path.join(ROOT, "target/release/stint")))
    ap.add_argument("--slow-limit", type=float, default=30.0,
                    help="seconds: a peer run slower than this is skipped; stint keeps that one run")
    ap.add_argument("--out", default=os.path.join(ROOT, "target", "bench-results.md"),
                    help="also write the table here")
    ap.add_argument("--no-peers", action="store_true", help="time stint only")
    ap.add_argument("--build", action="store_true", help="run `cargo build --release --locked` first")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if args.build:
        subprocess.run(["cargo", "build", "--release", "--locked"], cwd=ROOT, check=True)
    if not os.access(binary, os.X_OK):
        log(f"bench: no stint binary at {binary}; run 'cargo build --release' or pass --bin")
        return 2
    if not os.access(GNU_TIME, os.X_OK):
        log(f"bench: GNU time is missing at {GNU_TIME}; run 'bash scripts/install-peers.sh' (or apt-get install time)")
        return 2
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    peers: dict[str, str] = {}
    if not args.no_peers:
        for name, env_name, local in [("timew", "TIMEW", None),
                                      ("bartib", "BARTIB", os.path.join(ROOT, "target/tools/bin/bartib"))]:
            path = os.environ.get(env_name) or (local if local and os.access(local, os.X_OK) else None) \
                or shutil.which(name)
            if path:
                peers[name] = os.path.abspath(path) if os.path.exists(path) else path
            else:
                log(f"bench: {name} not found (bash scripts/install-peers.sh); its columns stay empty")
    stale = newer_sources(binary)
    head = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True).stdout.strip() or "?"
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "src", "migrations", "Cargo.toml",
                            "Cargo.lock"], capture_output=True, text=True).stdout.split()[1::2]
    if dirty:
        head += " + uncommitted " + ", ".join(dirty)
    built = time.strftime("%Y-%m-%d %H:%M", time.gmtime(os.path.getmtime(binary)))
    # Time a private copy: a `cargo build` elsewhere during the run must not swap the binary.
    snapshot = os.path.join(DATA_DIR, "stint-under-test")
    os.makedirs(DATA_DIR, exist_ok=True)
    shutil.copy2(binary, snapshot + ".tmp")
    os.replace(snapshot + ".tmp", snapshot)
    binary = snapshot
    versions = {"stint": version_of([binary, "--version"]), "built": built, "head": head}
    if stale:
        log(f"bench: warning: {len(stale)} source files are newer than {binary} (e.g. {stale[0]}); "
            "pass --build to rebuild first")
    versions["stale"] = bool(stale)
    for name, path in peers.items():
        versions[name] = version_of([path, "--version"])

    def launch_ms() -> float:
        return statistics.median(run_once(["/bin/true"], dict(os.environ))[0] for _ in range(30)) * 1000

    overhead = [launch_ms()]
    t0 = time.perf_counter()
    results: dict[int, dict] = {}
    for n in sizes:
        log(f"{n:,} tracks:")
        t = time.perf_counter()
        results[n] = bench_size(binary, n, args, peers)
        log(f"  done in {time.perf_counter() - t:.0f} s")
    overhead.append(launch_ms())
    text = render(results, sizes, args, binary, peers, versions, overhead, time.perf_counter() - t0)
    print(text)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            f.write(text)
        with open(os.path.splitext(args.out)[0] + ".json", "w") as f:
            json.dump({str(n): r for n, r in results.items()}, f, indent=1)
        log(f"table written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
