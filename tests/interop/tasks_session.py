#!/usr/bin/env python3
"""Interop check: tasks under projects, driven through `stint mcp` with the official MCP Python SDK.

What it checks (one SDK session in the SDK's default mode, its own database)
  1. tools/list has create_task, list_tasks, update_task and delete_task with titles and
     annotations (list_tasks read-only; delete_task destructive), and `task` on start_timer,
     create_track, update_track and list_tracks.
  2. create_task under a project with an estimate, a rate and a billable default; a retry with
     the same request_id replays the task and writes nothing; a name the project already has
     (in another case) is refused; an all-digit name is refused.
  3. start_timer on a task by name (with its project), then stop_timer: the track carries the
     task; a task alone (no project) puts a track on the task's project; a task of another
     project is refused and the message says whose it is; an unknown name lists close matches.
  4. The rates: the task's rate wins over the project's, the track's own over the task's
     (time_summary amounts and a dry-run invoice's unit rates).
  5. time_summary grouped by task and by project then task; create_invoice with group_by "task"
     (dry run): one line per task, `Project: Task`, and the project's own line.
  6. list_tasks with the time tracked on each task and paging by cursor; status "done" and
     "archived"; list_tracks filtered by task.
  7. delete_task: refused while tracks use it (the message says `force`), then with force the
     tracks stay on the project without a task.

How to run
  tests/interop/run.sh                      (sets up the venv, uses $STINT_BIN)
  python tasks_session.py BIN [WORKDIR]     (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import traceback
from decimal import Decimal

import anyio
from mcp import Client, StdioServerParameters

from checks import Checks, text_of

TASK_TOOLS = ["create_task", "list_tasks", "update_task", "delete_task"]


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


def server_params(binary: str, db: str) -> StdioServerParameters:
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
    return StdioServerParameters(command=binary, args=["mcp"], env=env)


def eur(summary_part: dict) -> Decimal:
    for a in summary_part.get("amounts", []):
        if a.get("currency") == "EUR":
            return Decimal(str(a["amount"]))
    return Decimal("0")


async def tasks_session(binary: str, db: str) -> None:
    C.step("connect and list the task tools")
    async with Client(server_params(binary, db)) as c:
        tools = {t.name: t for t in (await c.list_tools()).tools}
        for name in TASK_TOOLS:
            C.check(name in tools, f"{name} is listed")
        if "list_tasks" in tools:
            C.check(tools["list_tasks"].annotations.read_only_hint is True, "list_tasks is read-only")
        if "delete_task" in tools:
            # destructiveHint defaults to true in MCP: left out, or true.
            C.check(tools["delete_task"].annotations.destructive_hint is not False, "delete_task is destructive")
        for name in ["start_timer", "create_track", "update_track", "list_tracks"]:
            props = (tools[name].input_schema or {}).get("properties", {}) if name in tools else {}
            C.check("task" in props, f"{name} takes `task`", sorted(props))

        C.step("create tasks")
        await ok(c, "update_settings", {"timezone": "Europe/Berlin", "default_currency": "EUR"})
        await ok(c, "create_project", {"name": "Website", "hourly_rate": 100})
        await ok(c, "create_project", {"name": "App", "hourly_rate": 90})
        hero = (await ok(c, "create_task", {"project": "Website", "name": "Hero", "estimate_hours": 6,
                                             "rate": 130, "request_id": "task-hero-1"})).get("task", {})
        C.equal(hero.get("project"), "Website", "the task is Website's")
        C.equal(str(hero.get("estimate_hours")), "6", "estimate_hours comes back")
        again = await ok(c, "create_task", {"project": "Website", "name": "Hero", "estimate_hours": 6,
                                             "rate": 130, "request_id": "task-hero-1"})
        C.check(again.get("replayed") is True and again.get("task", {}).get("id") == hero.get("id"),
                "a retry with the same request_id replays the task", again)
        await refused(c, "create_task", {"project": "Website", "name": "HERO"}, "already has a task")
        await refused(c, "create_task", {"project": "Website", "name": "1234"}, "only digits")
        await ok(c, "create_task", {"project": "Website", "name": "Internal", "billable": False})
        design = (await ok(c, "create_task", {"project": "App", "name": "Design"})).get("task", {})

        C.step("timers and tracks on tasks")
        started = await ok(c, "start_timer", {"description": "hero section", "project": "Website",
                                               "task": "hero", "start": "2026-11-20 09:00"})
        track = started.get("track", {})
        C.equal((track.get("task"), track.get("task_id")), ("Hero", hero.get("id")), "the timer is on the task")
        stopped = await ok(c, "stop_timer", {"end": "2026-11-20 10:00"})
        C.equal(stopped.get("track", {}).get("task"), "Hero", "the stopped track keeps its task")
        alone = await ok(c, "create_track", {"task": design.get("id"), "start": "2026-11-20 10:00",
                                              "duration": "30m"})
        C.equal(alone.get("track", {}).get("project"), "App", "a task alone sets the project")
        internal = await ok(c, "create_track", {"task": "Internal", "start": "2026-11-20 11:00",
                                                 "duration": "1h"})
        C.equal(internal.get("track", {}).get("billable"), False, "the task's billable default applies")
        own = await ok(c, "create_track", {"project": "Website", "task": "Hero", "hourly_rate": 150,
                                            "start": "2026-11-20 12:00", "duration": "1h"})
        await ok(c, "create_track", {"project": "Website", "start": "2026-11-20 13:00", "duration": "1h"})
        await refused(c, "create_track", {"project": "App", "task": hero.get("id"),
                                           "start": "2026-11-20 14:00", "duration": "1h"},
                      "belongs to project \"Website\"")
        await refused(c, "start_timer", {"project": "Website", "task": "Heroo"}, "no task", "Hero")

        C.step("rates: track > task > project")
        summary = await ok(c, "time_summary", {"from": "2026-11-20", "to": "2026-11-20",
                                                "group_by": ["project", "task"]})
        rows = {r.get("label"): r for r in summary.get("rows", [])}
        C.equal(sorted(rows), ["App / Design", "Website / (no task)", "Website / Hero", "Website / Internal"],
                "rows by project then task")
        C.equal(eur(rows.get("Website / Hero", {})), Decimal("280.00"), "Hero: 1 h at the task's 130 + 1 h at the track's 150")
        C.equal(eur(rows.get("Website / (no task)", {})), Decimal("100.00"), "no task: the project's 100")
        C.equal(eur(rows.get("App / Design", {})), Decimal("45.00"), "Design: the project's 90")
        C.equal(rows.get("Website / Hero", {}).get("group", {}).get("task"), "Hero", "group.task names the task")
        by_task = await ok(c, "time_summary", {"from": "2026-11-20", "to": "2026-11-20", "group_by": ["task"]})
        labels = [r.get("label") for r in by_task.get("rows", [])]
        C.equal(labels, ["Design (App)", "Hero (Website)", "Internal (Website)", "(no task)"],
                "grouped by task alone, tasks name their project")

        C.step("invoice lines by task")
        inv = (await ok(c, "create_invoice", {"projects": ["Website"], "from": "2026-11-20", "to": "2026-11-20",
                                               "group_by": "task", "dry_run": True})).get("invoice", {})
        lines = [(l.get("description"), str(l.get("unit_rate"))) for l in inv.get("lines", [])]
        C.equal(lines, [("Website", "100"), ("Website: Hero", "130"), ("Website: Hero", "150")],
                "one line per task and rate, the project's own line first")
        C.equal(inv.get("group_by"), "task", "the invoice says it is grouped by task")

        C.step("list_tasks and list_tracks by task")
        listed = await ok(c, "list_tasks", {"project": "Website"})
        by_name = {k.get("name"): k for k in listed.get("tasks", [])}
        C.equal(sorted(by_name), ["Hero", "Internal"], "Website's tasks")
        C.equal(by_name.get("Hero", {}).get("tracked_seconds"), 7200, "Hero has 2 h tracked")
        seen, cursor, pages = [], None, 0
        while True:
            args = {"cursor": cursor} if cursor else {}
            page = await ok(c, "list_tasks", args)
            seen += [f"{k.get('project')}/{k.get('name')}" for k in page.get("tasks", [])]
            pages += 1
            cursor = page.get("next_cursor")
            if not cursor or pages > 20:
                break
        C.equal(seen, ["App/Design", "Website/Hero", "Website/Internal"], "every task, by project and name")
        await ok(c, "update_task", {"task": "Internal", "status": "done"})
        done = await ok(c, "list_tasks", {"status": "done"})
        C.equal([k.get("name") for k in done.get("tasks", [])], ["Internal"], "status done")
        await ok(c, "update_task", {"task": design.get("id"), "status": "archived"})
        archived = await ok(c, "list_tasks", {"status": "archived"})
        C.equal([k.get("name") for k in archived.get("tasks", [])], ["Design"], "status archived")
        C.equal(len((await ok(c, "list_tasks", {})).get("tasks", [])), 2, "archived tasks leave the default list")
        tracks = await ok(c, "list_tracks", {"project": "Website", "task": "Hero"})
        C.equal(sorted(t.get("id") for t in tracks.get("tracks", [])),
                sorted([track.get("id"), own.get("track", {}).get("id")]), "list_tracks by task")

        C.step("delete_task")
        await refused(c, "delete_task", {"task": "Hero"}, "force")
        gone = await ok(c, "delete_task", {"task": "Hero", "force": True})
        C.equal(gone.get("deleted", {}).get("action"), "deleted", "deleted with force")
        kept = await ok(c, "get_track", {"track_id": track.get("id")})
        C.check(kept.get("track", {}).get("project") == "Website" and "task" not in kept.get("track", {}),
                "its tracks stay on the project without a task", kept)
    C.end_step()


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        try:
            anyio.run(tasks_session, binary, os.path.join(workdir, "tasks.db"))
        except Exception as e:  # noqa: BLE001 - a crash is one failed check
            C.check(False, "tasks session ran to the end", "".join(traceback.format_exception(e))[-3000:])
        C.end_step()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
