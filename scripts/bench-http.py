#!/usr/bin/env python3
"""Load benchmark of `stint serve` (MCP over HTTP) on loopback.

Runs a load generator against a release `stint serve` with a bearer token, one plain JSON-RPC
POST body per tool (no initialize, as `curl` scripts send them):
  - /health (GET, the HTTP stack alone, for comparison);
  - a read tool:  list_running_timers;
  - a write tool: create_track of a 5 minute track, each call in a 5 minute slot of its own
    going back from 2020-01-06 09:00 UTC (`--writes spread`, the default: a person's tracks do not
    overlap, so each write's overlap check finds nothing), or every call the same track
    (`--writes same`: each write overlaps every earlier one and counts them all, so a write costs
    more the longer the run; the load of the figures before December 2026);
at 1, 16 and 64 connections for a few seconds each, and prints one table: tool, connections,
calls/s, p50 ms, p99 ms, errors (non-2xx answers and transport errors), and the CPU time the
server used (100 % = one core; this machine's cores are shared with the load generator).

While the write load runs at 16 connections it also runs a stdio session (`stint mcp` with a few
create_track calls) and a CLI command (`stint tracks --limit 1`) on the same file and checks they
succeed. After the runs it checks that the tracks table (and the audit log) holds exactly one row
per successful write call plus those extra writes, and that every read answer was the same
successful answer as the pre-flight call (same byte count).

Load generator: `oha` from target/tools/bin (installed there with
`cargo install oha --locked --root target/tools` on first use; several minutes), else `wrk`
(Debian package; a Lua script sends the POST bodies).

Usage:  cargo build --release && scripts/bench-http.py [--duration 8] [--connections 1,16,64]
        [--bin target/release/stint] [--serve-arg=--connections=8] [--loadgen oha|wrk]
        [--writes spread|same]

oha sends one body for every call, so the spread writes always run under wrk (its Lua script
makes each body); `--loadgen` picks the generator of the other runs.

Exits 1 when a correctness check fails (errors, lost or extra writes, a failed side session);
missing the throughput aims (>= 5,000 read and >= 1,000 write calls/s at 16 connections, p99
under 20 ms) is reported, not a failure.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(ROOT, "target", "tools")
TOKEN_NAME = "bench-http"
AIM_READ, AIM_WRITE, AIM_P99_MS = 5000, 1000, 20.0
STDIO_EXTRA = 5


def rpc(tool: str, args: dict, id_: int = 1) -> str:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": "tools/call",
                       "params": {"name": tool, "arguments": args}}, separators=(",", ":"))


READ_BODY = rpc("list_running_timers", {})
WRITE_BODY = rpc("create_track", {"start": "2020-01-06T09:00:00Z", "duration": "5m", "description": "bench-http",
                                      # the same track each time: a real write, not a refused repeat
                                      "allow_duplicate": True})
# The spread writes: wrk's script puts each call's own start in place of __START__.
SPREAD_TEMPLATE = rpc("create_track", {"start": "__START__", "duration": "5m", "description": "bench-http",
                                       "allow_duplicate": True})
SPREAD_FROM = 1578301200  # 2020-01-06T09:00:00Z; run k's slots go back from k * 10^7 s before it


# ----- load generators -----------------------------------------------------------------------

def find_oha(install: bool) -> str | None:
    oha = os.path.join(TOOLS, "bin", "oha")
    if os.access(oha, os.X_OK):
        return oha
    if shutil.which("oha"):
        return shutil.which("oha")
    if not install or not shutil.which("cargo"):
        return None
    print("bench-http: installing oha into target/tools (cargo install oha --locked; takes minutes)",
          file=sys.stderr, flush=True)
    p = subprocess.run(["cargo", "install", "oha", "--locked", "--root", TOOLS])
    return oha if p.returncode == 0 and os.access(oha, os.X_OK) else None


def find_wrk(install: bool) -> str | None:
    if shutil.which("wrk"):
        return shutil.which("wrk")
    if install and shutil.which("apt-get"):
        print("bench-http: installing wrk (apt-get install -y wrk)", file=sys.stderr, flush=True)
        subprocess.run(["apt-get", "install", "-y", "wrk"], stdout=subprocess.DEVNULL)
    return shutil.which("wrk")


class Result(dict):
    """rps, p50_ms, p99_ms, ok (2xx answers), errors, bytes, total"""


def run_oha(oha: str, url: str, method: str, headers: dict, body: str | None, conns: int, secs: float) -> Result:
    args = [oha, "-z", f"{secs}s", "-w", "-c", str(conns), "--no-tui", "--output-format", "json", "-m", method]
    for k, v in headers.items():
        args += ["-H", f"{k}: {v}"]
    if body is not None:
        args += ["-T", "application/json", "-d", body]
    p = subprocess.run(args + [url], capture_output=True, text=True, timeout=secs + 120)
    if p.returncode != 0:
        raise RuntimeError(f"oha failed: {p.stderr[-1000:]}")
    d = json.loads(p.stdout)
    codes = {int(k): v for k, v in (d.get("statusCodeDistribution") or {}).items()}
    ok = sum(v for k, v in codes.items() if 200 <= k < 300)
    transport = sum((d.get("errorDistribution") or {}).values())
    pct = d.get("latencyPercentiles") or {}
    return Result(rps=d["summary"]["requestsPerSec"] or 0.0, p50_ms=(pct.get("p50") or 0) * 1000,
                  p99_ms=(pct.get("p99") or 0) * 1000, ok=ok, errors=sum(codes.values()) - ok + transport,
                  bytes=d["summary"].get("totalData") or 0, total=sum(codes.values()) + transport,
                  detail={"codes": codes, "errors": d.get("errorDistribution")})


WRK_LUA = r"""
wrk.method = os.getenv("BENCH_METHOD")
local body = os.getenv("BENCH_BODY")
if body ~= "" then wrk.body = body; wrk.headers["Content-Type"] = "application/json" end
local auth = os.getenv("BENCH_AUTH")
if auth ~= "" then wrk.headers["Authorization"] = auth end
-- Spread writes: each call of each thread its own 5 minute slot, going back from BENCH_FROM.
local template = os.getenv("BENCH_TEMPLATE")
local from = tonumber(os.getenv("BENCH_FROM") or "0")
local threads = tonumber(os.getenv("BENCH_THREADS") or "1")
local made = 0
function setup(thread) thread:set("tid", made); made = made + 1 end
if template ~= nil and template ~= "" then
  local calls = 0
  request = function()
    calls = calls + 1
    local start = os.date("!%Y-%m-%dT%H:%M:%SZ", from - (calls * threads + tid) * 300)
    return wrk.format(nil, nil, nil, (string.gsub(template, "__START__", start)))
  end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('BENCH {"requests":%d,"duration_us":%d,"bytes":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"status":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(wrk: str, url: str, method: str, headers: dict, body: str | None, conns: int, secs: float,
            workdir: str, spread_from: int | None = None) -> Result:
    script = os.path.join(workdir, "bench.lua")
    with open(script, "w") as f:
        f.write(WRK_LUA)
    threads = min(2, conns)
    env = dict(os.environ, BENCH_METHOD=method, BENCH_BODY=body or "", BENCH_AUTH=headers.get("Authorization", ""),
               BENCH_THREADS=str(threads), BENCH_TEMPLATE=SPREAD_TEMPLATE if spread_from is not None else "",
               BENCH_FROM=str(spread_from or 0))
    p = subprocess.run([wrk, "-t", str(threads), "-c", str(conns), "-d", f"{int(secs)}s", "-s", script, url],
                       capture_output=True, text=True, env=env, timeout=secs + 120)
    m = re.search(r"^BENCH (\{.*\})$", p.stdout, re.M)
    if not m:
        raise RuntimeError(f"wrk failed: {p.stdout[-500:]} {p.stderr[-500:]}")
    d = json.loads(m.group(1))
    errors = d["connect"] + d["read"] + d["write"] + d["timeout"] + d["status"]
    return Result(rps=d["requests"] / (d["duration_us"] / 1e6), p50_ms=d["p50_us"] / 1000, p99_ms=d["p99_us"] / 1000,
                  ok=d["requests"] - d["status"], errors=errors, bytes=d["bytes"], total=d["requests"],
                  detail=d)


# ----- the server ----------------------------------------------------------------------------

class Serve:
    def __init__(self, binary: str, db: str, extra: list[str]) -> None:
        env = dict(os.environ, STINT_DB=db, RUST_LOG="warn")
        self.proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", *extra], env=env,
                                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                     text=True)
        self.log: list[str] = []
        ready = threading.Event()
        self.url = ""

        def drain() -> None:
            for line in self.proc.stderr:
                self.log.append(line)
                m = re.search(r"serving MCP at (http://\S+/api/mcp)", line)
                if m and not self.url:
                    self.url = m.group(1)
                    ready.set()
            ready.set()

        threading.Thread(target=drain, daemon=True).start()
        ready.wait(20)
        if not self.url:
            self.stop()
            raise RuntimeError("stint serve did not start: " + "".join(self.log)[-1000:])
        self.base = self.url.rsplit("/api/mcp", 1)[0]

    def cpu_seconds(self) -> float:
        try:
            with open(f"/proc/{self.proc.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except OSError:
            return 0.0

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        return self.proc.wait()


def post(url: str, body: str, secret: str) -> tuple[int, bytes]:
    req = urllib.request.Request(url, data=body.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Authorization": f"Bearer {secret}"})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def tool_ok(raw: bytes) -> bool:
    try:
        a = json.loads(raw)
    except json.JSONDecodeError:
        return False
    return "result" in a and not a["result"].get("isError")


# ----- side sessions during the write load ---------------------------------------------------

def side_sessions(binary: str, db: str, delay: float, out: dict) -> None:
    time.sleep(delay)
    env = dict(os.environ, STINT_DB=db, RUST_LOG="warn")
    lines = "".join(rpc("create_track", {"start": f"2019-03-0{i + 1}T10:00:00Z", "duration": "25m",
                                         "description": f"bench-stdio {i}"}, i + 1) + "\n" for i in range(STDIO_EXTRA))
    t = time.monotonic()
    p = subprocess.run([binary, "mcp"], input=lines, capture_output=True, text=True, env=env, timeout=120)
    out["stdio_s"] = time.monotonic() - t
    answers = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    out["stdio_ok"] = (p.returncode == 0 and len(answers) == STDIO_EXTRA
                       and all("result" in a and not a["result"].get("isError") for a in answers))
    out["stdio_err"] = p.stderr[-500:] if not out["stdio_ok"] else ""
    t = time.monotonic()
    p = subprocess.run([binary, "tracks", "--limit", "1"], capture_output=True, text=True, env=env, timeout=120)
    out["cli_s"] = time.monotonic() - t
    out["cli_ok"] = p.returncode == 0 and "tracks" in p.stdout
    out["cli_err"] = p.stderr[-500:] if not out["cli_ok"] else ""


# ----- main ----------------------------------------------------------------------------------

def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", default=os.environ.get("STINT_BIN", os.path.join(ROOT, "target", "release", "stint")))
    ap.add_argument("--duration", type=float, default=8.0, help="seconds per run (default 8)")
    ap.add_argument("--connections", default="1,16,64", help="comma-separated (default 1,16,64)")
    ap.add_argument("--serve-arg", action="append", default=[], help="extra `stint serve` argument (repeatable)")
    ap.add_argument("--loadgen", choices=["oha", "wrk"], help="default: oha if it can be had, else wrk")
    ap.add_argument("--no-install", action="store_true", help="do not install a missing load generator")
    ap.add_argument("--writes", choices=["spread", "same"], default="spread",
                    help="create_track calls: each in its own slot (default), or all the same track")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    if not os.access(binary, os.X_OK):
        print(f"bench-http: no stint binary at {binary}; run 'cargo build --release' or pass --bin", file=sys.stderr)
        return 2
    conns = [int(c) for c in a.connections.split(",")]

    oha = wrk = None
    if a.loadgen in (None, "oha"):
        oha = find_oha(not a.no_install)
    if (not oha and a.loadgen in (None, "wrk")) or a.writes == "spread":
        wrk = find_wrk(not a.no_install)
    if not (oha or wrk):
        print("bench-http: neither oha nor wrk is available", file=sys.stderr)
        return 2
    if a.writes == "spread" and not wrk:
        print("bench-http: spread writes need wrk (apt-get install wrk), or pass --writes same", file=sys.stderr)
        return 2
    loadgen = f"oha ({oha})" if oha else f"wrk ({wrk})"
    loadgen += f"; create_track writes: {a.writes}" + (f" (wrk {wrk})" if a.writes == "spread" and oha else "")

    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="stint-bench-http-") as work:
        db = os.path.join(work, "bench.db")
        env = dict(os.environ, STINT_DB=db)
        p = subprocess.run([binary, "token", "create", "--name", TOKEN_NAME, "--scope", "write"],
                           capture_output=True, text=True, env=env, timeout=30)
        secret = p.stdout.strip()
        if p.returncode != 0 or not secret:
            print(f"bench-http: token create failed: {p.stderr}", file=sys.stderr)
            return 1
        srv = Serve(binary, db, a.serve_arg)
        auth = {"Authorization": f"Bearer {secret}"}
        print(f"bench-http: {srv.url}, load generator {loadgen}, {os.cpu_count()} CPUs, "
              f"{a.duration:g} s per run", flush=True)

        # pre-flight: each body once; they must succeed
        status, read_answer = post(srv.url, READ_BODY, secret)
        if status != 200 or not tool_ok(read_answer):
            failures.append(f"pre-flight read: HTTP {status} {read_answer[:300]!r}")
        status, write_answer = post(srv.url, WRITE_BODY, secret)
        if status != 200 or not tool_ok(write_answer):
            failures.append(f"pre-flight write: HTTP {status} {write_answer[:300]!r}")
        writes_ok = 1

        spread_runs = 0

        def load(method: str, url: str, headers: dict, body: str | None, c: int) -> Result:
            nonlocal spread_runs
            cpu0, t0 = srv.cpu_seconds(), time.monotonic()
            if body is WRITE_BODY and a.writes == "spread":
                spread_runs += 1
                r = run_wrk(wrk, url, method, headers, body, c, a.duration, work,
                            spread_from=SPREAD_FROM - spread_runs * 10_000_000)
            elif oha:
                r = run_oha(oha, url, method, headers, body, c, a.duration)
            else:
                r = run_wrk(wrk, url, method, headers, body, c, a.duration, work)
            r["cpu_pct"] = 100 * (srv.cpu_seconds() - cpu0) / (time.monotonic() - t0)
            return r

        rows = []
        side: dict = {}
        for label, method, url, headers, body in [
            ("/health (HTTP only)", "GET", srv.base + "/health", {}, None),
            ("list_running_timers", "POST", srv.url, auth, READ_BODY),
            ("create_track", "POST", srv.url, auth, WRITE_BODY),
        ]:
            for c in conns:
                t = None
                if body is WRITE_BODY and c == 16:
                    t = threading.Thread(target=side_sessions, args=(binary, db, a.duration / 3, side))
                    t.start()
                r = load(method, url, headers, body, c)
                if t:
                    t.join()
                rows.append((label, c, r))
                if body is WRITE_BODY:
                    writes_ok += r["ok"]
                if body is READ_BODY and r["ok"] and r["bytes"] != r["ok"] * len(read_answer) and oha:
                    failures.append(f"{label} at {c}: {r['bytes']} bytes for {r['ok']} answers of "
                                    f"{len(read_answer)} bytes: some answers differ from the pre-flight one")
                if r["errors"]:
                    failures.append(f"{label} at {c} connections: {r['errors']} errors {r.get('detail')}")
                print(f"  {label:22} {c:>3} connections: {r['rps']:9.0f} calls/s", flush=True)

        rc = srv.stop()
        if rc != 0:
            failures.append(f"stint serve exited {rc}")
        log = "".join(srv.log)
        if re.search(r"database is locked|panicked|ERROR", log):
            failures.append("serve logged: " + log[-800:])

        # the side sessions, and the write count
        if not side.get("stdio_ok"):
            failures.append(f"stdio session during the write load failed: {side.get('stdio_err')}")
        if not side.get("cli_ok"):
            failures.append(f"`stint tracks --limit 1` during the write load failed: {side.get('cli_err')}")
        con = sqlite3.connect(db, timeout=30)
        try:
            tracks = con.execute("SELECT count(*) FROM tracks").fetchone()[0]
            audited = dict(con.execute(
                "SELECT frontend, count(*) FROM audit_log WHERE operation = 'create_track' GROUP BY 1").fetchall())
        finally:
            con.close()
        want = writes_ok + (STDIO_EXTRA if side.get("stdio_ok") else 0)
        slack = 0 if oha else max(conns) * 3  # wrk does not wait for calls in flight at the deadline
        if not (want <= tracks <= want + slack):
            failures.append(f"tracks: {tracks} rows, want {want} ({writes_ok} successful HTTP writes + {STDIO_EXTRA} stdio)")
        if audited.get("mcp-http", 0) != tracks - STDIO_EXTRA or audited.get("mcp-stdio", 0) != STDIO_EXTRA:
            failures.append(f"audit_log create_track rows by frontend {audited}, tracks {tracks}")

    print()
    print(f"{'tool':22} {'conns':>5} {'calls/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'serve CPU':>10}")
    for label, c, r in rows:
        print(f"{label:22} {c:>5} {r['rps']:>9.0f} {r['p50_ms']:>8.2f} {r['p99_ms']:>8.2f} {r['errors']:>7} "
              f"{r['cpu_pct']:>9.0f}%")
    print()
    if side:
        print(f"during the 16-connection write load: stdio session ({STDIO_EXTRA} create_track) "
              f"{'ok' if side.get('stdio_ok') else 'FAILED'} in {side.get('stdio_s', 0) * 1000:.0f} ms; "
              f"`stint tracks --limit 1` {'ok' if side.get('cli_ok') else 'FAILED'} in {side.get('cli_s', 0) * 1000:.0f} ms")
    in_flight = f" + {tracks - want} answered after wrk's deadline" if tracks != want else ""
    print(f"tracks in the file: {tracks} = {writes_ok} successful HTTP create_track calls (pre-flight included) "
          f"+ {STDIO_EXTRA} stdio{in_flight}; audit rows {audited}")
    at16 = {label: r for label, c, r in rows if c == 16}
    for label, aim in [("list_running_timers", AIM_READ), ("create_track", AIM_WRITE)]:
        r = at16.get(label)
        if r:
            met = r["rps"] >= aim and r["p99_ms"] < AIM_P99_MS
            print(f"aim {label} at 16 connections: >= {aim} calls/s, p99 < {AIM_P99_MS:g} ms: "
                  f"{r['rps']:.0f} calls/s, p99 {r['p99_ms']:.1f} ms -> {'met' if met else 'MISSED'}")
    for f in failures:
        print(f"FAILED: {f}")
    print(f"{'no failures' if not failures else f'{len(failures)} failures'}")
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
