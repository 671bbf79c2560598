#!/usr/bin/env python3
"""Interop check: drafts and milestones (issue 21 part B) with the official MCP Python SDK.

What it checks (SDK sessions in the SDK's default mode on one database, and the CLI)
  1. The owner's session (`stint mcp --toolsets all,team`) lists the team tools; a session
     without `team` does not; a drafts session (`stint mcp --drafts`) gets list_drafts and
     discard_drafts but not approve_drafts.
  2. An assistant in drafts mode logs a day: three tracks, a timer started and stopped, an
     expense and an edit of an approved track. Every answer marks the drafts; time_summary,
     unbilled_summary and budget_status count none of it; the approved track is unchanged; the
     session cannot approve its drafts nor delete an approved track.
  3. The owner approves with the CLI (`stint drafts approve`): now the day counts, to the second
     and the cent, and the held edit is on the approved track.
  4. A milestone with tasks: complete_milestone closes its open tasks and lists them;
     one undo_change reopens them all and the milestone.

How to run
  tests/interop/run.sh                      (sets up the venv, uses $STINT_BIN)
  python team_session.py BIN [WORKDIR]      (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import traceback
from decimal import Decimal

import anyio
from mcp import Client, StdioServerParameters

from checks import Checks, text_of

TEAM_TOOLS = ["create_milestone", "list_milestones", "update_milestone", "complete_milestone",
              "list_drafts", "approve_drafts", "discard_drafts"]

C = Checks()


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


def params(binary: str, db: str, *args: str) -> StdioServerParameters:
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
    return StdioServerParameters(command=binary, args=["mcp", *args], env=env)


def eur(part: dict) -> Decimal:
    for a in part.get("amounts", []):
        if a.get("currency") == "EUR":
            return Decimal(str(a["amount"]))
    return Decimal("0")


async def counted(c: Client) -> tuple:
    """(summary seconds, summary EUR, unbilled seconds, budget hours used) for 2026-11-20."""
    s = await ok(c, "time_summary", {"from": "2026-11-20", "to": "2026-11-20", "group_by": ["project"]})
    u = await ok(c, "unbilled_summary", {"from": "2026-11-20", "to": "2026-11-20"})
    b = await ok(c, "budget_status", {"project": "Website"})
    budget = (b.get("budgets") or [{}])[0]
    return (s.get("totals", {}).get("duration_seconds"), eur(s.get("totals", {})),
            u.get("totals", {}).get("duration_seconds"), budget.get("hours", {}).get("used_hours"))


async def names(binary: str, db: str, *args: str) -> set:
    async with Client(params(binary, db, *args)) as c:
        return {t.name for t in (await c.list_tools()).tools}


async def session(binary: str, db: str) -> None:
    C.step("the team toolset is served when asked for")
    owner_tools = await names(binary, db, "--toolsets", "all,team")
    C.check(all(t in owner_tools for t in TEAM_TOOLS), "--toolsets all,team lists the team tools",
            sorted(set(TEAM_TOOLS) - owner_tools))
    solo = await names(binary, db)
    C.check(not any(t in solo for t in TEAM_TOOLS), "a solo session has no team tools")
    drafting = await names(binary, db, "--drafts")
    C.equal(sorted(t for t in TEAM_TOOLS if t in drafting), ["discard_drafts", "list_drafts"],
            "a drafts session may list and discard its drafts")

    C.step("the owner sets up")
    async with Client(params(binary, db, "--toolsets", "all,team")) as c:
        await ok(c, "update_settings", {"timezone": "Europe/Berlin", "default_currency": "EUR"})
        await ok(c, "create_project", {"name": "Website", "hourly_rate": 100, "budget_hours": 20})
        approved = (await ok(c, "create_track", {"project": "Website", "description": "Kick-off",
                                                 "start": "2026-11-20 08:00", "end": "2026-11-20 09:00"}))
        approved_id = approved.get("track", {}).get("id")
        C.equal(await counted(c), (3600, Decimal("100.00"), 3600, "1.00"), "one approved hour counts")

    C.step("an assistant in drafts mode logs a day")
    async with Client(params(binary, db, "--drafts")) as c:
        drafts = []
        for start, end, what in [("09:00", "10:30", "Hero layout"), ("11:00", "12:00", "Copy review"),
                                 ("13:00", "15:00", "Build")]:
            t = (await ok(c, "create_track", {"project": "Website", "description": what,
                                              "start": f"2026-11-20 {start}",
                                              "end": f"2026-11-20 {end}"})).get("track", {})
            C.equal(t.get("draft"), True, f"{what} is a draft")
            drafts.append(t.get("id"))
        timer = (await ok(c, "start_timer", {"project": "Website", "description": "Call",
                                             "start": "2026-11-20 15:00"})).get("track", {})
        C.equal(timer.get("draft"), True, "the timer's track is a draft")
        stopped = (await ok(c, "stop_timer", {"end": "2026-11-20 15:30"})).get("track", {})
        C.equal((stopped.get("id"), stopped.get("draft")), (timer.get("id"), True),
                "the stopped timer's track stays a draft")
        exp = (await ok(c, "create_expense", {"project": "Website", "date": "2026-11-20",
                                              "amount": "12.50", "description": "Stock photo"}))
        C.equal(exp.get("expense", exp).get("draft"), True, "the expense is a draft")
        held = (await ok(c, "update_track", {"track_id": approved_id,
                                             "end": "2026-11-20 09:15"})).get("track", {})
        C.equal((held.get("draft"), held.get("draft_of")), (True, approved_id),
                "an edit of an approved track is held back as a draft of the change")
        C.equal(await counted(c), (3600, Decimal("100.00"), 3600, "1.00"),
                "nothing of the day counts: summary, unbilled, budget")
        listed = await ok(c, "list_drafts", {})
        C.equal((len(listed.get("tracks", [])), len(listed.get("expenses", []))), (5, 1),
                "list_drafts: five tracks (one a held edit) and one expense")
        await refused(c, "delete_track", {"track_id": approved_id}, "approved")
        tracks = await ok(c, "list_tracks", {"from": "2026-11-20", "to": "2026-11-20"})
        kickoff = [t for t in tracks.get("tracks", []) if t.get("id") == approved_id]
        C.check(kickoff and kickoff[0].get("end", "").startswith("2026-11-20T09:00")
                and "draft" not in kickoff[0], "the approved track is unchanged", kickoff)

    C.step("the owner approves with the CLI")
    env = dict(os.environ, STINT_DB=db)
    out = subprocess.run([binary, "drafts", "approve"], env=env, capture_output=True, text=True)
    C.check(out.returncode == 0 and "Approved 5 tracks and 1 expenses" in out.stdout,
            "stint drafts approve approves them all", out.stdout + out.stderr)
    async with Client(params(binary, db, "--toolsets", "all,team")) as c:
        # 1:15 kick-off + 1:30 + 1:00 + 2:00 + 0:30 = 6:15 at 100 EUR/h.
        C.equal(await counted(c), (22500, Decimal("625.00"), 22500, "6.25"),
                "the whole day counts, to the second and the cent")
        left = await ok(c, "list_drafts", {})
        C.equal((left.get("tracks"), left.get("remaining")), ([], 0), "no drafts are left")

        C.step("a milestone completed with its tasks, and undone")
        await ok(c, "create_milestone", {"project": "Website", "name": "Brochure", "due_date": "2026-12-15"})
        ids = []
        for name in ["Layout", "Print", "Proofs"]:
            k = (await ok(c, "create_task", {"project": "Website", "name": name, "milestone": "Brochure",
                                             "priority": "high", "due_date": "2026-12-10"})).get("task", {})
            C.equal((k.get("milestone"), k.get("priority")), ("Brochure", "high"), f"{name} is on the milestone")
            ids.append(k.get("id"))
        await ok(c, "update_task", {"task": "Proofs", "status": "done"})
        done = await ok(c, "complete_milestone", {"milestone": "Brochure"})
        C.equal(sorted(k.get("id") for k in done.get("closed_tasks", [])), sorted(ids[:2]),
                "complete_milestone lists the open tasks it closed")
        C.equal(done.get("milestone", {}).get("status"), "completed", "the milestone is completed")
        await ok(c, "undo_change", {})
        open_ = await ok(c, "list_tasks", {"milestone": "Brochure", "status": "open"})
        C.equal(sorted(k.get("id") for k in open_.get("tasks", [])), sorted(ids[:2]),
                "one undo reopens both tasks (Proofs stays done)")
        ms = await ok(c, "list_milestones", {})
        C.equal([(m.get("name"), m.get("status"), m.get("open_tasks")) for m in ms.get("milestones", [])],
                [("Brochure", "open", 2)], "and the milestone")
    C.end_step()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        try:
            anyio.run(session, binary, os.path.join(workdir, "team.db"))
        except Exception as e:  # noqa: BLE001 - a crash is one failed check
            C.check(False, "team session ran to the end", "".join(traceback.format_exception(e))[-3000:])
        C.end_step()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
