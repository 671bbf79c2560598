#!/usr/bin/env python3
"""Interop check: a small team on one `stint serve` (issue 21) with the official MCP Python SDK.

What it checks
  1. Set-up with the CLI: the owner Olga (40 h a week, costs 50/h), members Ana (30 h, 35/h)
     and Ben (20 h, 40/h), a manager Mia; a token each (`stint token create --person`; Olga's
     and Mia's `--sensitive`, Ana's and Ben's admin scope so that only the person rule holds
     them back), `stint token list` naming each token's person and role; then
     `stint serve --port 0`. Olga's session adds the client Acme and the projects Website
     (100 EUR/h) and Internal (not billable).
  2. Four SDK sessions over HTTP, one per token, log the week of Monday 2026-11-16 at the same
     time (one anyio task each): Olga 10:00 on Website; Ana 8:00 and 4:00 on Website, 3:00 on
     Internal and an 80.00 hotel; Ben 7:20 on Website and a 12.50 train ticket; Mia 2:00 on
     Website. Every track is its writer's person's.
  3. Each member sees only their own tracks and expenses (list_tracks, list_expenses), gets a
     clear refusal for another's track by id (get_track, update_track, delete_track) and for
     another's figures (time_summary with person), and may not create an invoice.
  4. The manager's time_summary by person and project adds up to the whole, to the second and
     the cent, and each person's rows to what that person logged.
  5. utilization for the week, to the minute and the cent: Olga 25.0 %, Ana 40.0 %, Ben 36.7 %,
     the team 32.6 %, costs 500.00, 525.00 and 293.33 EUR; `stint report --utilization` agrees
     and gives Website's margin, 1920.00 EUR (printed: the README's table).
  6. The owner's invoice grouped by person: one line per person and project plus the expenses,
     each naming its person, adding up to the cent to the manager's summary; an invoice of one
     person (`person: "Ana"`) bills only her work.

How to run
  tests/interop/run.sh                        (sets up the venv, uses $STINT_BIN)
  python people_session.py BIN [WORKDIR]      (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import traceback
from decimal import Decimal

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from checks import Checks, text_of

C = Checks()
WEEK = {"from": "2026-11-16", "to": "2026-11-22"}


class Server:
    """`stint serve --port 0` on a database; its stderr is collected in the background."""

    ADDRESS = re.compile(r"serving MCP at (http://[^\s]+/api/mcp)")

    def __init__(self, binary: str, db: str) -> None:
        env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
        self.proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0"],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(20) or not self.url:
            self.stop()
            raise RuntimeError(f"stint serve printed no address; stderr: {''.join(self.stderr)[-2000:]}")

    def _drain(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line)
            m = self.ADDRESS.search(line)
            if m and not self._ready.is_set():
                self.url = m.group(1)
                self._ready.set()
        self._ready.set()

    def stop(self) -> int | None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        return self.proc.returncode


def cli(binary: str, db: str, *args: str) -> str:
    """Runs `stint ARGS` on the database; it must succeed. Returns its stdout."""
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=60,
                       env={"STINT_DB": db, "PATH": os.environ.get("PATH", "")})
    C.check(p.returncode == 0, f"stint {' '.join(args)}", f"rc={p.returncode} {p.stdout[-500:]} {p.stderr[-500:]}")
    return p.stdout


def session(url: str, secret: str):
    """An SDK client for `url` sending `Authorization: Bearer <secret>`, and its HTTP client."""
    http_client = httpx2.AsyncClient(headers={"Authorization": f"Bearer {secret}"},
                                     timeout=httpx2.Timeout(30, read=60))
    return http_client, Client(streamable_http_client(url, http_client=http_client))


async def ok(client: Client, tool: str, args: dict) -> dict:
    """Calls a tool that must succeed; returns its structuredContent (or {} after a failure)."""
    r = await client.call_tool(tool, args)
    good = C.check(not r.is_error and isinstance(r.structured_content, dict),
                   f"{tool} succeeds with structuredContent", f"args={args} -> {text_of(r)[:400]}")
    return r.structured_content if good else {}


async def refused(client: Client, tool: str, args: dict, *needles: str) -> str:
    """Calls a tool that must be refused with isError; the message must contain every needle."""
    r = await client.call_tool(tool, args)
    msg = text_of(r)
    C.check(r.is_error, f"{tool} {args} is refused with isError", f"got: {msg[:400]}")
    for n in needles:
        C.check(n.lower() in msg.lower(), f"{tool} refusal mentions {n!r}", f"message: {msg}")
    return msg


def eur(figures: dict) -> Decimal:
    for a in figures.get("amounts", []):
        if a.get("currency") == "EUR":
            return Decimal(str(a["amount"]))
    return Decimal("0")


# Who logs what in the week: (project, start, end) and expenses (date, amount, description).
WORK = {
    "olga": ([("Website", "2026-11-16 09:00", "2026-11-16 19:00")], []),
    "ana": ([("Website", "2026-11-17 09:00", "2026-11-17 17:00"),
             ("Website", "2026-11-18 09:00", "2026-11-18 13:00"),
             ("Internal", "2026-11-19 09:00", "2026-11-19 12:00")],
            [("2026-11-17", "80.00", "Hotel")]),
    "ben": ([("Website", "2026-11-17 09:00", "2026-11-17 16:20")], [("2026-11-18", "12.50", "Train")]),
    "mia": ([("Website", "2026-11-20 10:00", "2026-11-20 12:00")], []),
}
NAMES = {"olga": "Olga", "ana": "Ana", "ben": "Ben", "mia": "Mia"}


async def log_week(url: str, secret: str, who: str, ids: dict) -> None:
    """One person's session logs their week."""
    http_client, client = session(url, secret)
    async with http_client, client as c:
        ids[who] = []
        for project, start, end in WORK[who][0]:
            t = (await ok(c, "create_track", {"project": project, "description": f"{who} on {project}",
                                              "start": start, "end": end})).get("track", {})
            # The owner is no row: an owner's track names no person.
            C.equal(t.get("person"), None if who == "olga" else NAMES[who],
                    f"{who}'s track is {NAMES[who]}'s")
            ids[who].append(t.get("id"))
        for date, amount, what in WORK[who][1]:
            await ok(c, "create_expense", {"project": "Website", "date": date, "amount": amount,
                                           "description": what})


async def team(binary: str, db: str, url: str, secrets: dict) -> None:
    C.step("the owner sets up the client and projects")
    http_client, c = session(url, secrets["olga"])
    async with http_client, c:
        await ok(c, "update_settings", {"timezone": "Europe/Berlin", "default_currency": "EUR"})
        await ok(c, "create_client", {"name": "Acme"})
        await ok(c, "create_project", {"name": "Website", "client": "Acme", "hourly_rate": 100})
        await ok(c, "create_project", {"name": "Internal", "billable_by_default": False})

    C.step("four people log their week at the same time, each with their own token")
    ids: dict = {}
    async with anyio.create_task_group() as tg:
        for who, secret in secrets.items():
            tg.start_soon(log_week, url, secret, who, ids)
    C.equal({w: len(v) for w, v in ids.items()}, {"olga": 1, "ana": 3, "ben": 1, "mia": 1},
            "every track was written")

    C.step("each member sees only their own")
    for who in ["ana", "ben"]:
        other = "ben" if who == "ana" else "ana"
        http_client, c = session(url, secrets[who])
        async with http_client, c:
            listed = await ok(c, "list_tracks", WEEK)
            C.equal(sorted(t.get("id") for t in listed.get("tracks", [])), sorted(ids[who]),
                    f"{who} lists only {who}'s tracks")
            exp = await ok(c, "list_expenses", {})
            C.equal([e.get("description") for e in exp.get("expenses", [])],
                    [e[2] for e in WORK[who][1]], f"{who} lists only {who}'s expenses")
            theirs = ids[other][0]
            await refused(c, "get_track", {"track_id": theirs}, f"no track has id {theirs}")
            await refused(c, "update_track", {"track_id": theirs, "description": "mine now"},
                          f"no track has id {theirs}")
            await refused(c, "delete_track", {"track_id": theirs}, f"no track has id {theirs}")
            await refused(c, "time_summary", {**WEEK, "group_by": ["project"], "person": NAMES[other]},
                          "reads only its own")
            await refused(c, "list_expenses", {"person": NAMES[other]}, "reads only its own")
            await refused(c, "create_invoice", {"client": "Acme", **WEEK, "person": "me"},
                          "may not create invoices")

    C.step("the manager's summary by person and project adds up to the whole")
    http_client, c = session(url, secrets["mia"])
    async with http_client, c:
        s = await ok(c, "time_summary", {**WEEK, "group_by": ["person", "project"]})
        rows = s.get("rows", [])
        total = s.get("totals", {})
        C.equal(sum(r.get("duration_seconds", 0) for r in rows), total.get("duration_seconds"),
                "the rows' seconds add up to the total")
        C.equal(sum(eur(r) for r in rows), eur(total), "the rows' money adds up to the total")
        # 10:00 + 15:00 + 7:20 + 2:00; billed 1000 + 1200 + 733.33 + 200 (Internal bills nothing).
        C.equal((total.get("duration_seconds"), eur(total)), (123600, Decimal("3133.33")),
                "the whole week: 34:20 and 3133.33 EUR")
        by_person: dict = {}
        for r in rows:
            name = r.get("group", {}).get("person")
            by_person[name] = by_person.get(name, 0) + r.get("duration_seconds", 0)
        C.equal(by_person, {"Olga": 36000, "Ana": 54000, "Ben": 26400, "Mia": 7200},
                "each person's rows add up to what they logged")

        C.step("utilization for the week, to the minute and the cent")
        u = await ok(c, "utilization", WEEK)
        got = {p.get("name"): (p.get("billable_hours"), str(p.get("utilization_percent")),
                               (p.get("cost") or {}).get("EUR"))
               for p in u.get("people", [])}
        want = {"Olga": ("10:00", "25.0", "500.00"), "Ana": ("12:00", "40.0", "525.00"),
                "Ben": ("7:20", "36.7", "293.33"), "Mia": ("2:00", "None", None)}
        C.equal({k: (a, b, None if c_ is None else str(c_)) for k, (a, b, c_) in got.items()}, want,
                "each person's billable time, utilization and cost")
        t = u.get("team", {})
        C.equal((t.get("billable_hours"), str(t.get("utilization_percent"))), ("31:20", "32.6"),
                "the team: 31:20 billable, 32.6 % of the capacity of those who have one")
        table = cli(binary, db, "report", "--utilization", "--from", WEEK["from"], "--to", WEEK["to"])
        C.check("32.6 %" in table and "293.33 EUR" in table and "1318.33 EUR" in table,
                "stint report --utilization agrees: utilization and cost", table)
        # Website: billed 3133.33 - cost (500 + 12 h x 35 + 293.33 + Mia without a cost rate).
        C.check("1920.00 EUR" in table, "the week's margin on Website is 1920.00 EUR", table)
        print("\n".join("           " + line for line in table.splitlines()))

    C.step("the owner's invoice by person adds up to the cent")
    http_client, c = session(url, secrets["olga"])
    async with http_client, c:
        inv = (await ok(c, "create_invoice", {"client": "Acme", **WEEK, "group_by": "person"})).get("invoice", {})
        lines = [(l.get("description"), str(l.get("amount"))) for l in inv.get("lines", [])]
        C.equal(lines, [("Olga: Website", "1000.00"), ("Ana: Website", "1200.00"),
                        ("Ben: Website", "733.33"), ("Mia: Website", "200.00"),
                        ("Ana: Hotel", "80.00"), ("Ben: Train", "12.50")],
                "one line per person and project, then the expenses, each naming its person")
        C.equal(str(inv.get("subtotal")), "3225.83", "subtotal = 3133.33 of time + 92.50 of expenses")
        C.equal(sum(Decimal(a) for _, a in lines), Decimal("3225.83"), "the lines add up to it")
        await ok(c, "delete_invoice", {"invoice_id": inv.get("id")})
        one = (await ok(c, "create_invoice", {"client": "Acme", **WEEK, "person": "Ana",
                                              "dry_run": True})).get("invoice", {})
        C.equal([(l.get("description"), str(l.get("amount"))) for l in one.get("lines", [])],
                [("ana on Website", "800.00"), ("ana on Website", "400.00"), ("Hotel", "80.00")],
                "an invoice of Ana bills only her tracks and expense")
    C.end_step()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-people-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        db = os.path.join(workdir, "people.db")
        C.step("the team and its tokens, with the CLI")
        cli(binary, db, "person", "edit", "owner", "--name", "Olga", "--capacity", "40", "--cost-rate", "50")
        cli(binary, db, "person", "add", "Ana", "--capacity", "30", "--cost-rate", "35")
        cli(binary, db, "person", "add", "Ben", "--capacity", "20", "--cost-rate", "40")
        cli(binary, db, "person", "add", "Mia", "--role", "manager")
        secrets = {
            "olga": cli(binary, db, "token", "create", "--name", "olga", "--scope", "admin",
                        "--sensitive").strip(),
            # Admin scope, so that a refused delete is the person rule's, not the scope's.
            "ana": cli(binary, db, "token", "create", "--name", "ana", "--scope", "admin",
                       "--person", "Ana").strip(),
            "ben": cli(binary, db, "token", "create", "--name", "ben", "--scope", "admin",
                       "--person", "Ben").strip(),
            "mia": cli(binary, db, "token", "create", "--name", "mia", "--scope", "write",
                       "--person", "Mia", "--sensitive").strip(),
        }
        listed = json.loads(cli(binary, db, "token", "list", "--json") or "{}")
        C.equal([(t.get("name"), t.get("person"), t.get("role")) for t in listed.get("tokens", [])],
                [("ana", "Ana", "member"), ("ben", "Ben", "member"), ("mia", "Mia", "manager"),
                 ("olga", "Olga", "owner")], "stint token list names each token's person and role")
        try:
            srv = Server(binary, db)
        except Exception as e:  # noqa: BLE001
            C.check(False, "stint serve starts", e)
            C.end_step()
            print(f"{C.passed} passed, {C.failed} failed")
            return 1
        try:
            anyio.run(team, binary, db, srv.url, secrets)
        except Exception as e:  # noqa: BLE001 - a crash is one failed check
            C.check(False, "people session ran to the end", "".join(traceback.format_exception(e))[-3000:])
        finally:
            rc = srv.stop()
        C.step("shutdown")
        C.equal(rc, 0, "SIGTERM stops the server with exit code 0")
        log = "".join(srv.stderr)
        C.check("database is locked" not in log and "panicked" not in log,
                "no lock error or panic on stderr", log[-2000:])
        C.end_step()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
