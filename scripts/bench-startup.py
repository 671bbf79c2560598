#!/usr/bin/env python3
"""Start-up latency of `stint mcp` on stdio (a benchmark, not a test: it asserts nothing about speed).

Spawns the server N times on one throw-away database and times, from spawn:
  - MCP client path: initialize answer, then (after notifications/initialized) the tools/list answer;
  - script path: a bare tools/call (list_running_timers) with no initialize, and the process exit
    after end of input (every write committed);
and prints min / median / p90 / max in milliseconds. The first spawn, which creates the database
and runs the migrations, is timed separately and left out of the table.

Usage:  scripts/bench-startup.py [-n 20] [STINT_BIN]        (default: $STINT_BIN or target/release/stint)
Compare: /work/shared/peers/mcp_latency.py (same handshake; a Python FastMCP server takes ~600-700 ms).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def spawn(binary: str, env: dict) -> subprocess.Popen:
    return subprocess.Popen([binary, "mcp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, bufsize=1, env=env)


def send(p: subprocess.Popen, message: dict) -> None:
    p.stdin.write(json.dumps(message) + "\n")
    p.stdin.flush()


def receive(p: subprocess.Popen, want_id: int) -> dict:
    while True:
        line = p.stdout.readline()
        if not line:
            raise RuntimeError(f"server exited before answering id {want_id} (rc={p.poll()})")
        m = json.loads(line)
        if m.get("id") == want_id:
            if "error" in m:
                raise RuntimeError(f"id {want_id}: {m['error']}")
            return m


def finish(p: subprocess.Popen) -> None:
    p.stdin.close()
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def client_path(binary: str, env: dict) -> tuple[float, float, int]:
    """initialize -> notifications/initialized -> tools/list; seconds to each answer, tool count."""
    t0 = time.perf_counter()
    p = spawn(binary, env)
    send(p, {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
        "protocolVersion": "2025-11-25", "capabilities": {},
        "clientInfo": {"name": "bench-startup", "version": "0"}}})
    receive(p, 1)
    t_init = time.perf_counter() - t0
    send(p, {"jsonrpc": "2.0", "method": "notifications/initialized"})
    send(p, {"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
    tools = receive(p, 2)["result"]["tools"]
    t_list = time.perf_counter() - t0
    finish(p)
    return t_init, t_list, len(tools)


def script_path(binary: str, env: dict) -> tuple[float, float]:
    """A bare tools/call with no initialize; seconds to the answer and to the exit after EOF."""
    t0 = time.perf_counter()
    p = spawn(binary, env)
    send(p, {"jsonrpc": "2.0", "id": 1, "method": "tools/call",
             "params": {"name": "list_running_timers", "arguments": {}}})
    answer = receive(p, 1)
    t_call = time.perf_counter() - t0
    if answer["result"].get("isError"):
        raise RuntimeError(f"list_running_timers failed: {answer}")
    finish(p)
    t_exit = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"exit code {p.returncode}")
    return t_call, t_exit


def stats(xs: list[float]) -> tuple[float, float, float, float]:
    ms = sorted(x * 1000 for x in xs)
    p90 = ms[max(0, -(-len(ms) * 9 // 10) - 1)]  # nearest rank
    return ms[0], statistics.median(ms), p90, ms[-1]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("binary", nargs="?", default=os.environ.get("STINT_BIN", "target/release/stint"))
    ap.add_argument("-n", type=int, default=20, help="spawns per path (default 20)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.access(binary, os.X_OK):
        print(f"bench-startup: no stint binary at {binary}; run 'cargo build --release' or pass a path",
              file=sys.stderr)
        return 2

    with tempfile.TemporaryDirectory(prefix="stint-bench-") as tmp:
        env = {"STINT_DB": os.path.join(tmp, "bench.db"), "PATH": os.environ.get("PATH", "")}
        t0 = time.perf_counter()
        _, first_list, n_tools = client_path(binary, env)
        first_exit = time.perf_counter() - t0
        client = [client_path(binary, env) for _ in range(args.n)]
        script = [script_path(binary, env) for _ in range(args.n)]

    rows = [
        ("initialize answer", [c[0] for c in client]),
        ("tools/list answer", [c[1] for c in client]),
        ("bare tools/call answer", [s[0] for s in script]),
        ("bare tools/call, exit", [s[1] for s in script]),
    ]
    print(f"stint mcp start-up: {binary}")
    print(f"{args.n} spawns per path on one database, {n_tools} tools; "
          f"first spawn (new database + migrations): tools/list {first_list * 1000:.1f} ms, "
          f"exit {first_exit * 1000:.1f} ms")
    print()
    print(f"{'spawn -> ...':<24} {'min':>8} {'median':>8} {'p90':>8} {'max':>8}   (ms)")
    for label, xs in rows:
        lo, med, p90, hi = stats(xs)
        print(f"{label:<24} {lo:8.1f} {med:8.1f} {p90:8.1f} {hi:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
