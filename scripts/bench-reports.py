#!/usr/bin/env python3
"""Report and billing latency of `stint` on large databases (a benchmark: it asserts nothing about speed).

Aims (issue "Benchmarks print time_summary over 100k and 1M tracks ..."): at 1M tracks, one week
under 5 ms and all time by project under 150 ms.

For each size N it builds (once; reused from target/bench-data/ when present) a database with N
tracks: `stint mcp` creates and migrates the file and stores the settings (time zone
Europe/Berlin, rounding up to 15 min per entry); everything else is inserted with Python's sqlite3
in one transaction: 4 clients (EUR, USD, GBP, EUR, each with an hourly rate), 20 projects (5 per
client, half with their own rate, 6 with budgets), 5 tags, and N tracks with a fixed seed:
starts spread evenly over the two years before 2026-11-01 (Europe/Berlin), durations 15 min to 4 h
in whole minutes, ~70 % billable, ~3 % without a project, ~5 % with a rate override, 0-2 tags.
One person cannot log that many 15 min+ tracks in two years, so at these sizes tracks overlap
(100k: ~960 tracks a week, 1M: ~9,600); only create_track's overlap check looks at that, and it
is not timed here. No track is invoiced, so unbilled_summary covers every billable track.

Then, through ONE long-lived `stint mcp` process per database (initialize, then one tools/call
line per request over a pipe), it times each answer from writing the request to reading the
answer line (warm-up, then the median of --runs):
  time_summary, all time (2020-01-01..2026-12-31) by project
  time_summary, one week (2026-10-19..2026-10-25, Mon-Sun, with the DST night) by day, and by project
  time_summary, an old week (2025-03-03..2025-03-09) by day: the range lies far from the newest tracks
  top_projects, all time
  budget_status (6 projects with budgets)
  unbilled_summary (all time)
  create_invoice dry_run for one client over the latest period that holds ~10k billable tracks
and, as whole processes (spawn to exit), `stint report --from 2026-10-20 --to 2026-10-26` and
`stint report --from 2020-01-01 --to 2026-12-31 --group-by project`.

A track belongs wholly to the range it starts in (ARCHITECTURE.md, "Time"), so every range reads
one stretch of an index by start and nothing before it. The notes check what the rule promises on
the big data set: the week's day rows hold each track once, and the invoice dry run bills exactly
what `unbilled_summary` says for the same client and days (one untimed call).

Usage:  scripts/bench-reports.py [--sizes 100000,1000000] [--runs 7] [--bin target/release/stint]
        (build first: cargo build --release). --rebuild regenerates the databases.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
DATA_DIR = os.path.join(ROOT, "target", "bench-data")
GENERATOR_VERSION = 1  # bump when the dataset changes, so old files are not reused
SEED = 20261101
TZ = ZoneInfo("Europe/Berlin")
SPAN_END = datetime(2026, 11, 1, tzinfo=TZ)          # every track ends before this
SPAN_START = datetime(2024, 11, 1, tzinfo=TZ)        # two years
CLIENTS = [("Acme", "EUR", "95"), ("Globex", "USD", "120"), ("Initech", "GBP", "85.50"), ("Umbrella", "EUR", "110")]
TAGS = ["design", "meeting", "review", "support", "research"]
INVOICE_TARGET = 10_000
ALL_TIME = {"from": "2020-01-01", "to": "2026-12-31"}
WEEK = {"from": "2026-10-19", "to": "2026-10-25"}
OLD_WEEK = {"from": "2025-03-03", "to": "2025-03-09"}  # a week with 20 months of tracks after it


# ----- dataset ---------------------------------------------------------------------------------

def ts(d: datetime) -> int:
    return int(d.timestamp())


def mcp_lines(binary: str, db: str, lines: list[dict]) -> list[dict]:
    """Pipes JSON-RPC lines into a fresh `stint mcp`; returns the answers (which must not be errors)."""
    p = subprocess.run([binary, "mcp"], input="".join(json.dumps(m) + "\n" for m in lines),
                       capture_output=True, text=True, env=dict(os.environ, STINT_DB=db), timeout=120)
    answers = [json.loads(line) for line in p.stdout.splitlines()]
    bad = [a for a in answers if "error" in a or a.get("result", {}).get("isError")]
    if p.returncode != 0 or bad or len(answers) != len(lines):
        raise RuntimeError(f"stint mcp failed (rc={p.returncode}): {bad or p.stdout[:500]}\n{p.stderr[-2000:]}")
    return answers


def call(id_: int, name: str, args: dict) -> dict:
    return {"jsonrpc": "2.0", "id": id_, "method": "tools/call", "params": {"name": name, "arguments": args}}


def build(binary: str, path: str, n: int) -> None:
    """Creates the database at `path` with n tracks (see the module docstring)."""
    tmp = path + ".building"
    for f in (tmp, tmp + "-wal", tmp + "-shm"):
        if os.path.exists(f):
            os.remove(f)
    t0 = time.perf_counter()
    # stint creates the file, runs the migrations and stores the settings.
    mcp_lines(binary, tmp, [
        call(1, "get_settings", {}),
        call(2, "update_settings", {"timezone": "Europe/Berlin", "business_name": "Bench Consulting",
                                    "rounding": {"mode": "up", "increment_minutes": 15, "scope": "entry"}}),
    ])
    rng = random.Random(SEED)
    created = ts(SPAN_START) - 86400
    con = sqlite3.connect(tmp, isolation_level=None)
    con.execute("PRAGMA foreign_keys = ON")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO clients (id, name, hourly_rate, currency, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
        [(i + 1, name, rate, cur, created, created) for i, (name, cur, rate) in enumerate(CLIENTS)])
    projects = []
    for i in range(20):
        client = i // 5 + 1
        rate = f"{100 + 5 * i}.00" if i % 2 == 0 else None
        budget_seconds = budget_amount = None
        period = "total"
        if i % 3 == 0 and i < 18:           # 6 projects with budgets
            budget_seconds = 500 * 3600 if i % 2 == 0 else None
            budget_amount = "25000" if i % 2 == 1 or i == 0 else None
            period = "monthly" if i in (6, 12) else "total"
        projects.append((i + 1, f"Project {i + 1:02d}", client, rate, budget_seconds, budget_amount, period,
                         created, created))
    con.executemany(
        "INSERT INTO projects (id, name, client_id, hourly_rate, budget_seconds, budget_amount, budget_period,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", projects)
    con.executemany("INSERT INTO tags (id, name, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    [(i + 1, name, created, created) for i, name in enumerate(TAGS)])

    # Starts evenly spread (with jitter) so that the last track, up to 4 h long, ends in time.
    first, last = ts(SPAN_START), ts(SPAN_END) - 4 * 3600
    slot = (last - first) / n
    weights = [1 / (k + 1) ** 0.5 for k in range(20)]   # some projects busier than others
    project_ids = list(range(1, 21))

    def tracks():
        for i in range(n):
            start = first + int(i * slot + rng.random() * slot)
            end = start + 60 * rng.randint(15, 240)
            project = None if rng.random() < 0.03 else rng.choices(project_ids, weights)[0]
            billable = int(project is not None and rng.random() < 0.7)
            rate = "150" if rng.random() < 0.05 else None
            yield (i + 1, start, end, "Europe/Berlin", f"Task {i + 1}", project, billable, rate, end, end)

    con.executemany(
        "INSERT INTO tracks (id, start_at, end_at, timezone, description, project_id, billable, hourly_rate,"
        " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", tracks())

    def track_tags():
        for i in range(n):
            r = rng.random()
            k = 0 if r < 0.4 else 1 if r < 0.8 else 2
            for tag in rng.sample(range(1, 6), k):
                yield (i + 1, tag)

    con.executemany("INSERT INTO track_tags (track_id, tag_id) VALUES (?, ?)", track_tags())
    con.execute("COMMIT")
    con.close()
    os.replace(tmp, path)
    print(f"  built {path} ({n:,} tracks, {os.path.getsize(path) / 1e6:.0f} MB) "
          f"in {time.perf_counter() - t0:.1f} s", flush=True)


def dataset(binary: str, n: int, rebuild: bool) -> str:
    os.makedirs(DATA_DIR, exist_ok=True)
    path = os.path.join(DATA_DIR, f"tracks-{n}-v{GENERATOR_VERSION}.db")
    if os.path.exists(path) and not rebuild:
        try:
            con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            have = con.execute("SELECT count(*) FROM tracks").fetchone()[0]
            con.close()
        except sqlite3.Error:
            have = -1
        if have == n:
            print(f"  reusing {path} ({n:,} tracks)", flush=True)
            return path
    build(binary, path, n)
    return path


def invoice_period(path: str) -> tuple[str, str, str, int]:
    """(client, from, to, expected tracks): the latest whole local days, up to 2026-10-31, that hold
    about INVOICE_TARGET billable tracks of the busiest client."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    client_id, name = con.execute(
        "SELECT c.id, c.name FROM tracks t JOIN projects p ON p.id = t.project_id JOIN clients c ON c.id = p.client_id"
        " WHERE t.billable = 1 GROUP BY c.id ORDER BY count(*) DESC LIMIT 1").fetchone()
    starts = [r[0] for r in con.execute(
        "SELECT t.start_at FROM tracks t JOIN projects p ON p.id = t.project_id"
        " WHERE t.billable = 1 AND t.end_at IS NOT NULL AND t.invoice_id IS NULL AND p.client_id = ?"
        " ORDER BY t.start_at DESC", (client_id,))]
    con.close()
    last_day = date(2026, 10, 31)
    per_day: dict[date, int] = {}
    for s in starts:
        d = datetime.fromtimestamp(s, TZ).date()
        per_day[d] = per_day.get(d, 0) + 1
    total, day = 0, last_day
    while total < INVOICE_TARGET and day >= SPAN_START.date():
        total += per_day.get(day, 0)
        day -= timedelta(days=1)
    return name, (day + timedelta(days=1)).isoformat(), last_day.isoformat(), total


# ----- timing ------------------------------------------------------------------------------

class Server:
    """One `stint mcp` process; `call` times one tools/call from request to answer line."""

    def __init__(self, binary: str, db: str) -> None:
        self.p = subprocess.Popen([binary, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.DEVNULL, env=dict(os.environ, STINT_DB=db))
        self.next_id = 1
        self._send({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {},
            "clientInfo": {"name": "bench-reports", "version": "0"}}})
        self._receive()
        self._send({"jsonrpc": "2.0", "method": "notifications/initialized"})

    def _send(self, m: dict) -> None:
        self.p.stdin.write(json.dumps(m).encode() + b"\n")
        self.p.stdin.flush()

    def _receive(self) -> bytes:
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError(f"stint mcp exited (rc={self.p.poll()})")
        return line

    def call(self, name: str, args: dict) -> tuple[float, dict]:
        id_ = self.next_id
        self.next_id += 1
        t0 = time.perf_counter()
        self._send(call(id_, name, args))
        line = self._receive()
        elapsed = time.perf_counter() - t0
        answer = json.loads(line)
        if answer.get("id") != id_ or "error" in answer or answer["result"].get("isError"):
            raise RuntimeError(f"{name} {args}: {line[:1000]!r}")
        return elapsed, answer["result"].get("structuredContent", {})

    def close(self) -> None:
        self.p.stdin.close()
        try:
            self.p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()


def median_ms(fn, runs: int) -> float:
    fn()  # warm-up
    return statistics.median(fn() for _ in range(runs)) * 1000


def bench_size(binary: str, n: int, runs: int, rebuild: bool) -> tuple[dict[str, float], list[str]]:
    db = dataset(binary, n, rebuild)
    client, inv_from, inv_to, expected = invoice_period(db)
    results: dict[str, float] = {}
    notes: list[str] = []
    last_invoice: dict = {}
    server = Server(binary, db)
    try:
        ops = [
            ("time_summary all time by project", "time_summary", dict(ALL_TIME, group_by=["project"])),
            ("time_summary one week by day", "time_summary", dict(WEEK, group_by=["day"])),
            ("time_summary one week by project", "time_summary", dict(WEEK, group_by=["project"])),
            ("time_summary an old week by day", "time_summary", dict(OLD_WEEK, group_by=["day"])),
            ("top_projects all time", "top_projects", dict(ALL_TIME)),
            ("budget_status", "budget_status", {}),
            ("unbilled_summary", "unbilled_summary", {}),
            ("create_invoice dry_run ~10k tracks", "create_invoice",
             {"client": client, "from": inv_from, "to": inv_to, "dry_run": True}),
        ]
        for label, tool, args in ops:
            last: dict = {}

            def once(tool=tool, args=args) -> float:
                nonlocal last
                elapsed, last = server.call(tool, args)
                return elapsed

            results[label] = median_ms(once, runs)
            if tool == "create_invoice":
                last_invoice = last
                inv = last.get("invoice", {})
                notes.append(f"create_invoice dry_run: client {client}, {inv_from}..{inv_to}: "
                             f"{inv.get('track_count')} tracks in {len(inv.get('lines', []))} lines "
                             f"(expected {expected} tracks), total {inv.get('total')} {inv.get('currency')}")
            elif label.startswith("time_summary one week by day"):
                in_rows = sum(r.get("track_count", 0) for r in last.get("rows", []))
                total = last.get("totals", {}).get("track_count")
                notes.append(f"one week: {total} tracks in {len(last.get('rows', []))} day rows "
                             f"({'each once' if in_rows == total else f'MISMATCH: {in_rows} in the rows'})")
            elif label.startswith("time_summary all time"):
                notes.append(f"all time: {last.get('totals', {}).get('track_count')} tracks "
                             f"in {len(last.get('rows', []))} project rows")
            elif tool == "unbilled_summary":
                notes.append(f"unbilled: {last.get('totals', {}).get('track_count')} tracks")
        # Untimed: the invoice's subtotal is the unbilled amount of the same client and days.
        inv = last_invoice.get("invoice", {})
        _, unbilled = server.call("unbilled_summary", {"client": client, "from": inv_from, "to": inv_to})
        amounts = {a["currency"]: Decimal(str(a["amount"])) for a in unbilled.get("totals", {}).get("amounts", [])}
        want = amounts.get(inv.get("currency"), Decimal(0))
        got = Decimal(str(inv.get("subtotal", 0)))
        notes.append(f"invoice subtotal {got} {inv.get('currency')}, unbilled_summary {want}: "
                     f"{'agree' if got == want else 'MISMATCH'}")
    finally:
        server.close()

    env = dict(os.environ, STINT_DB=db)
    for label, argv in [
        ("CLI report one week (process)", ["report", "--from", "2026-10-20", "--to", "2026-10-26"]),
        ("CLI report all time by project (process)",
         ["report", "--from", "2020-01-01", "--to", "2026-12-31", "--group-by", "project"]),
    ]:
        def once(argv=argv) -> float:
            t0 = time.perf_counter()
            p = subprocess.run([binary, *argv], capture_output=True, env=env, timeout=300)
            elapsed = time.perf_counter() - t0
            if p.returncode != 0:
                raise RuntimeError(f"stint {' '.join(argv)}: rc {p.returncode}: {p.stderr.decode()[-1000:]}")
            return elapsed

        results[label] = median_ms(once, runs)
    return results, notes


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100000,1000000", help="track counts, comma-separated")
    ap.add_argument("--runs", type=int, default=7, help="timed runs per operation (median), after a warm-up")
    ap.add_argument("--bin", default=os.environ.get("STINT_BIN", os.path.join(ROOT, "target/release/stint")))
    ap.add_argument("--rebuild", action="store_true", help="regenerate the databases")
    args = ap.parse_args()
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        print(f"bench-reports: no stint binary at {binary}; run 'cargo build --release' or pass --bin",
              file=sys.stderr)
        return 2
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]

    table: dict[int, dict[str, float]] = {}
    all_notes: dict[int, list[str]] = {}
    for n in sizes:
        print(f"{n:,} tracks:", flush=True)
        table[n], all_notes[n] = bench_size(binary, n, args.runs, args.rebuild)
        for note in all_notes[n]:
            print(f"  {note}")

    labels = list(next(iter(table.values())).keys())
    width = max(len(label) for label in labels) + 2
    print()
    print(f"stint {binary}; median of {args.runs} runs after a warm-up, in ms "
          f"(MCP: one long-lived `stint mcp`, request to answer; CLI: spawn to exit)")
    col = max(16, *(len(f"{n:,} tracks") + 2 for n in sizes))
    print(f"{'operation':<{width}}" + "".join(f"{f'{n:,} tracks':>{col}}" for n in sizes))
    for label in labels:
        print(f"{label:<{width}}" + "".join(f"{table[n][label]:{col}.1f}" for n in sizes))
    print("aims at 1M tracks: one week < 5 ms, all time by project < 150 ms")
    load = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end "
          "(other work on the machine skews the numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
