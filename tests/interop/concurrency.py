#!/usr/bin/env python3
"""Concurrency check: every front end writes to one database file at the same time.

On one fresh database, with an admin token for `stint serve`, these run at once:
  - 2 `stint mcp` processes, each streaming K create_track calls (raw JSON-RPC lines, no
    initialize) through its stdin while its answers are read back;
  - an HTTP client sending K create_track calls as plain JSON-RPC POSTs over several threads;
  - a CLI loop running `stint log ... --start ... --duration 5m` M times.
Every writer has its own description prefix and start times far in the past.

Afterwards it checks: every call succeeded (no JSON-RPC error, no isError, exit codes 0, and no
"database is locked"/"busy" anywhere, stderr included); the tracks table holds exactly the
expected rows per writer (grouped by description prefix, no duplicates, no gaps); audit_log has one
create_track row per write with the right frontend (mcp-stdio, mcp-http with the token's name,
cli) and its entity_ids point at that writer's tracks.

How to run
  tests/interop/run.sh                              (runs it after the SDK sessions)
  python concurrency.py BIN [WORKDIR] [--k 1000] [--m 100] [--http-threads 4]
Ends with "N passed, M failed"; exits 1 when anything failed. Takes well under a minute.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

LOCK_WORDS = re.compile(r"database is locked|database table is locked|SQLITE_BUSY|busy", re.I)
TOKEN_NAME = "concurrency-admin"


class Checks:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0

    def check(self, cond: object, what: str, detail: object = "") -> bool:
        if cond:
            self.passed += 1
            print(f"[      ok] {what}", flush=True)
            return True
        self.failed += 1
        print(f"[  FAILED] {what}" + (f"\n        {str(detail)[:2000]}" if detail != "" else ""), flush=True)
        return False

    def equal(self, got: object, want: object, what: str) -> bool:
        return self.check(got == want, what, f"got {got!r}, want {want!r}")


C = Checks()


def env_for(db: str) -> dict:
    return {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn", "TZ": "UTC"}


def start_of(base: datetime, i: int) -> str:
    return (base + timedelta(minutes=10 * i)).strftime("%Y-%m-%dT%H:%M:%SZ")


def track_args(prefix: str, base: datetime, i: int) -> dict:
    return {"description": f"{prefix} {i}", "start": start_of(base, i), "duration": "5m"}


def rpc(id_: int, tool: str, args: dict) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": "tools/call",
                       "params": {"name": tool, "arguments": args}})


def answer_problem(answer: dict) -> str | None:
    """None when `answer` is a successful tool result, else what is wrong with it."""
    if "error" in answer:
        return f"JSON-RPC error {answer['error']}"
    result = answer.get("result") or {}
    if result.get("isError"):
        return "isError: " + " ".join(c.get("text", "") for c in result.get("content", []))
    if not (result.get("structuredContent") or {}).get("track", {}).get("id"):
        return f"no track in {json.dumps(answer)[:300]}"
    return None


# ----- writers -------------------------------------------------------------------------------

class StdioWriter:
    """One `stint mcp` process; a thread streams K requests into stdin while answers are read."""

    def __init__(self, binary: str, db: str, prefix: str, base: datetime, k: int) -> None:
        self.prefix, self.base, self.k = prefix, base, k
        self.proc = subprocess.Popen([binary, "mcp"], env=env_for(db), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, bufsize=1)
        self.answers: list[dict] = []
        self.bad_lines: list[str] = []
        self.stderr = ""

    def run(self, go: threading.Event) -> None:
        assert self.proc.stdin and self.proc.stdout and self.proc.stderr
        err_reader = threading.Thread(target=lambda: setattr(self, "stderr", self.proc.stderr.read()), daemon=True)
        err_reader.start()

        def feed() -> None:
            go.wait()
            for i in range(self.k):
                self.proc.stdin.write(rpc(i + 1, "create_track", track_args(self.prefix, self.base, i)) + "\n")
                self.proc.stdin.flush()
            self.proc.stdin.close()

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        for line in self.proc.stdout:
            try:
                self.answers.append(json.loads(line))
            except json.JSONDecodeError:
                self.bad_lines.append(line)
        feeder.join()
        self.proc.wait(60)
        err_reader.join(10)


def http_writer(url: str, secret: str, prefix: str, base: datetime, k: int, threads: int,
                go: threading.Event) -> tuple[list[str], list[dict]]:
    problems: list[str] = []
    answers: list[dict] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        body = rpc(i + 1, "create_track", track_args(prefix, base, i)).encode()
        req = urllib.request.Request(url, data=body, method="POST", headers={
            "Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
        try:
            with urllib.request.urlopen(req, timeout=60) as r:
                answer = json.loads(r.read())
        except urllib.error.HTTPError as e:
            with lock:
                problems.append(f"HTTP {e.code}: {e.read()[:300]!r}")
            return
        except Exception as e:  # noqa: BLE001 - any failure is a failed call
            with lock:
                problems.append(f"{type(e).__name__}: {e}")
            return
        with lock:
            answers.append(answer)

    go.wait()
    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, range(k)))
    return problems, answers


def cli_writer(binary: str, db: str, prefix: str, base: datetime, m: int,
               go: threading.Event) -> list[tuple[int, str, str]]:
    go.wait()
    out = []
    for i in range(m):
        start = (base + timedelta(minutes=10 * i)).strftime("%Y-%m-%d %H:%M")
        p = subprocess.run([binary, "log", f"{prefix} {i}", "--start", start, "--duration", "5m"],
                           env=env_for(db), capture_output=True, text=True, timeout=60)
        out.append((p.returncode, p.stdout, p.stderr))
    return out


# ----- main ----------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("workdir", nargs="?")
    ap.add_argument("--k", type=int, default=1000, help="create_track calls per MCP writer (default 1000)")
    ap.add_argument("--m", type=int, default=100, help="`stint log` runs (default 100)")
    ap.add_argument("--http-threads", type=int, default=4)
    a = ap.parse_args()
    binary = os.path.abspath(a.binary)
    with tempfile.TemporaryDirectory(prefix="stint-concurrency-") as tmp:
        workdir = a.workdir or tmp
        db = os.path.join(workdir, "concurrency.db")
        if os.path.exists(db):
            os.remove(db)
        return run(binary, db, a.k, a.m, a.http_threads)


def run(binary: str, db: str, k: int, m: int, threads: int) -> int:
    print(f"concurrency: 2 stdio writers x {k}, HTTP x {k} over {threads} threads, CLI x {m}, one file", flush=True)
    p = subprocess.run([binary, "token", "create", "--name", TOKEN_NAME, "--scope", "admin"],
                       env=env_for(db), capture_output=True, text=True, timeout=30)
    secret = p.stdout.strip()
    if not C.check(p.returncode == 0 and secret, "an admin token is created", p.stderr):
        return 1

    serve = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0"], env=env_for(db),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    serve_err: list[str] = []
    ready = threading.Event()
    url_box: list[str] = []

    def drain() -> None:
        assert serve.stderr is not None
        for line in serve.stderr:
            serve_err.append(line)
            mt = re.search(r"serving MCP at (http://\S+/api/mcp)", line)
            if mt and not ready.is_set():
                url_box.append(mt.group(1))
                ready.set()
        ready.set()

    threading.Thread(target=drain, daemon=True).start()
    ready.wait(20)
    if not C.check(url_box, "stint serve starts and prints its address", "".join(serve_err)):
        serve.kill()
        return 1
    url = url_box[0]

    writers = {  # prefix -> (base start, expected count, frontend)
        "stdio-a": (datetime(2015, 1, 1, tzinfo=timezone.utc), k, "mcp-stdio"),
        "stdio-b": (datetime(2016, 1, 1, tzinfo=timezone.utc), k, "mcp-stdio"),
        "http": (datetime(2017, 1, 1, tzinfo=timezone.utc), k, "mcp-http"),
        "cli": (datetime(2018, 1, 1, tzinfo=timezone.utc), m, "cli"),
    }
    go = threading.Event()
    spans: dict[str, tuple[float, float]] = {}

    def timed(name: str, f):
        def run() -> None:
            go.wait()
            t = time.monotonic()
            try:
                f()
            finally:
                spans[name] = (t, time.monotonic())
        return run

    stdio = [StdioWriter(binary, db, p, writers[p][0], k) for p in ("stdio-a", "stdio-b")]
    results: dict = {}
    jobs = [threading.Thread(target=timed(w.prefix, lambda w=w: w.run(go))) for w in stdio]
    jobs.append(threading.Thread(target=timed("http", lambda: results.__setitem__(
        "http", http_writer(url, secret, "http", writers["http"][0], k, threads, go)))))
    jobs.append(threading.Thread(target=timed("cli", lambda: results.__setitem__(
        "cli", cli_writer(binary, db, "cli", writers["cli"][0], m, go)))))
    for j in jobs:
        j.start()
    t0 = time.monotonic()
    go.set()
    for j in jobs:
        j.join(300)
    elapsed = time.monotonic() - t0
    print(f"           all writers done in {elapsed:.1f} s "
          f"({(3 * k + m) / elapsed:.0f} writes/s across {2 + 1 + 1} writers)", flush=True)
    for name, (a, b) in sorted(spans.items()):
        print(f"           {name:8} busy from {a - t0:5.2f} s to {b - t0:5.2f} s", flush=True)
    if len(spans) == 4:
        overlap = min(b for _, b in spans.values()) - max(a for a, _ in spans.values())
        C.check(overlap > 0, f"all four writers were running at the same time ({overlap:.2f} s)", spans)

    serve.terminate()
    try:
        serve_rc = serve.wait(15)
    except subprocess.TimeoutExpired:
        serve.kill()
        serve_rc = serve.wait()

    # --- every call succeeded
    for w in stdio:
        problems = [f"id {a.get('id')}: {answer_problem(a)}" for a in w.answers if answer_problem(a)]
        C.equal(w.proc.returncode, 0, f"{w.prefix}: `stint mcp` exits 0")
        C.equal(len(w.answers), k, f"{w.prefix}: one answer per request")
        C.equal([a.get("id") for a in w.answers], list(range(1, k + 1)), f"{w.prefix}: answers in request order")
        C.check(not problems and not w.bad_lines, f"{w.prefix}: all {k} create_track calls succeeded",
                (problems[:5], w.bad_lines[:3]))
        C.check(not LOCK_WORDS.search(w.stderr), f"{w.prefix}: no lock/busy error on stderr", w.stderr[-1500:])
    http_problems, http_answers = results.get("http", (["the HTTP writer did not finish"], []))
    problems = http_problems + [answer_problem(a) for a in http_answers if answer_problem(a)]
    C.check(not problems and len(http_answers) == k, f"http: all {k} create_track calls succeeded",
            (len(http_answers), problems[:5]))
    cli = results.get("cli", [])
    cli_bad = [(i, rc, err.strip()) for i, (rc, _, err) in enumerate(cli) if rc != 0]
    C.check(len(cli) == m and not cli_bad, f"cli: all {m} `stint log` runs exit 0", cli_bad[:5])
    cli_err = "".join(err for _, _, err in cli)
    C.check(not LOCK_WORDS.search(cli_err), "cli: no lock/busy error on stderr", cli_err[-1500:])
    serve_log = "".join(serve_err)
    C.check(not LOCK_WORDS.search(serve_log), "serve: no lock/busy error on stderr", serve_log[-1500:])
    C.check(not re.search(r"panicked|ERROR", serve_log), "serve: no panic or error on stderr", serve_log[-1500:])
    C.equal(serve_rc, 0, "serve stops on SIGTERM with exit code 0")

    # --- the database holds exactly what was written
    con = sqlite3.connect(db, timeout=30)
    try:
        counts = dict(con.execute(
            "SELECT substr(description, 1, instr(description, ' ') - 1), count(*) FROM tracks GROUP BY 1").fetchall())
        C.equal(counts, {p: n for p, (_, n, _) in writers.items()}, "tracks per writer (by description prefix)")
        tracks: dict[str, dict[int, str]] = {}
        wrong_times = []
        for tid, desc, start_at, end_at in con.execute("SELECT id, description, start_at, end_at FROM tracks"):
            prefix, _, n = desc.partition(" ")
            tracks.setdefault(prefix, {})[tid] = n
            base = writers.get(prefix, (None,))[0]
            want_start = int((base + timedelta(minutes=10 * int(n))).timestamp()) if base and n.isdigit() else None
            if (start_at, end_at) != (want_start, (want_start or 0) + 300):
                wrong_times.append((tid, desc, start_at, end_at, want_start))
        for p, (_, n, _) in writers.items():
            nums = sorted(int(x) for x in tracks.get(p, {}).values())
            C.equal(nums, list(range(n)), f"{p}: each description number exactly once")
        C.check(not wrong_times, "every track has the start it was given and lasts 5 minutes", wrong_times[:5])

        audit = con.execute("SELECT frontend, token_name, operation, entity_ids FROM audit_log ORDER BY id").fetchall()
        writes = [r for r in audit if r[2] != "create_token"]
        C.equal(len(writes), 3 * k + m, f"audit_log: one row per write ({3 * k + m})")
        by_frontend: dict[tuple, int] = {}
        for fe, tok, op, _ in writes:
            by_frontend[(fe, tok, op)] = by_frontend.get((fe, tok, op), 0) + 1
        C.equal(by_frontend, {("mcp-stdio", None, "create_track"): 2 * k,
                              ("mcp-http", TOKEN_NAME, "create_track"): k,
                              ("cli", None, "create_track"): m},
                "audit_log rows by (frontend, token_name, operation)")
        audited: dict[str, set[int]] = {}
        for fe, _, _, ids in writes:
            audited.setdefault(fe, set()).update(json.loads(ids))
        for fe, prefixes in [("mcp-stdio", ["stdio-a", "stdio-b"]), ("mcp-http", ["http"]), ("cli", ["cli"])]:
            want = set().union(*(set(tracks.get(p, {})) for p in prefixes))
            C.check(audited.get(fe) == want, f"audit_log {fe} rows point at exactly that front end's tracks",
                    f"{len(audited.get(fe, set()) ^ want)} ids differ")
        C.equal(sum(1 for r in audit if r[2] == "create_token"), 1, "the token creation is audited once")
    finally:
        con.close()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
