#!/usr/bin/env python3
"""Interop check: drive `stint mcp` with the official MCP Python SDK and with raw JSON-RPC lines.

What it checks
  1. SDK session in the SDK's default mode ("auto": 2026-07-28 discovery, else initialize):
     serverInfo, the tool catalogue (names, titles, annotations, output schemas), settings,
     clients/projects/tags, timers (start, switch, stop), 60 past tracks in both forms
     (start+end, start+duration), paging with limit + cursor, get/update of a track.
  2. SDK session with mode="legacy" (initialize, 2025-11-25) on the same database: the data is
     still there, and refused calls (bad time ranges, unknown or ambiguous names, bad time zone,
     missing ids, nothing to stop) come back as isError results with useful messages and
     change nothing.
  3. Billing session (SDK default mode, its own database): rounding (up, 15 min, per entry) and
     business name; a client and projects with rates, a rate override, non-billable work, the
     October 2026 DST night; create_invoice as dry_run (nothing saved) then for real; get_invoice;
     export_invoice_csv parsed with the csv module (header, rows, subtotal/tax/total agree with the
     invoice and with each other) and written to a `path` (file == returned text);
     mark_invoice_sent (INV-2026-0001); tracks on a sent invoice cannot be edited or deleted, a
     sent invoice cannot be deleted or changed; void_invoice keeps the number and releases the
     tracks; re-invoicing gets the next number (gapless), mark_invoice_paid, a paid invoice cannot
     be voided; time_summary by project and by day, top_projects, budget_status, unbilled_summary.
  4. Prompts, resources and completions (SDK default mode, its own database): prompts/list (four
     prompts with titles and arguments), prompts/get with arguments (the text names real tools,
     a missing required argument is an error), resources/list, resources/templates/list,
     resources/read of JSON resources, a percent-encoded project and an invoice as text/csv,
     completion/complete of a client by a Unicode prefix ("üb") and of a template variable.
  5. Change log session (its own database): a create_track retried with the same request_id
     returns the same track with replayed: true and writes nothing; the same id with other
     arguments is refused; list_changes pages newest first with readable summaries; undo_change
     of a create, an update and a delete restores the track exactly; an undo can be undone; an
     undo that clashes with a later change is refused and names it.
  6. The assistant's timers (SDK default mode, its own database): a second start_timer in the
     same second replaces the first timer (`replaced`, a note, one timer runs, a new id);
     continue_timer after an interruption resumes the interrupted work with its project, tags
     and billable flag and stops the interruption; create_track from `end: "now"` and
     `duration: "45 min"`; a project found by a name in another case of a non-ASCII letter.
  7. Raw newline-delimited JSON-RPC piped into `stint mcp` (no initialize): a bare tools/call is
     answered, a malformed line gets -32700 and the next line is still answered, one answer per
     request in order, exit code 0, writes committed at exit.

How to run
  tests/interop/run.sh                      (sets up the venv, uses $STINT_BIN)
  python stdio_session.py BIN [WORKDIR]     (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
STINT_INTEROP_VERBOSE=1 also prints the message of every refused call (to review their wording).
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
import tempfile
import traceback
from datetime import datetime, timedelta, timezone
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import anyio
from mcp import Client, MCPError, StdioServerParameters

EXPECTED_TOOLS = [
    "start_timer", "continue_timer", "stop_timer", "list_running_timers",
    "create_track", "list_tracks", "get_track", "update_track", "delete_track",
    "create_project", "list_projects", "get_project", "update_project", "delete_project",
    "create_tag", "list_tags", "update_tag", "delete_tag",
    "create_client", "list_clients", "get_client", "update_client", "delete_client",
    "create_invoice", "list_invoices", "get_invoice", "update_invoice", "mark_invoice_sent",
    "mark_invoice_paid", "void_invoice", "delete_invoice", "export_invoice_csv",
    "export_invoice_pdf", "time_summary", "top_projects", "budget_status", "unbilled_summary",
    "get_settings", "update_settings", "list_changes", "undo_change",
    "create_task", "list_tasks", "update_task", "delete_task",
    "create_expense", "list_expenses", "update_expense", "delete_expense", "sync",
]
MISSING_ID = 987654
VERBOSE = os.environ.get("STINT_INTEROP_VERBOSE") == "1"  # print every refusal message


# ----- bookkeeping ---------------------------------------------------------------------------

class Checks:
    """Counts checks; prints failures at once and one summary line per step."""

    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self._step = ""
        self._step_passed = 0
        self._step_failed = 0

    def step(self, name: str) -> None:
        self.end_step()
        self._step, self._step_passed, self._step_failed = name, 0, 0

    def end_step(self) -> None:
        if self._step:
            status = "ok" if self._step_failed == 0 else f"FAILED {self._step_failed}"
            print(f"[{status:>8}] {self._step} ({self._step_passed} checks passed)", flush=True)
            self._step = ""

    def check(self, cond: object, what: str, detail: object = "") -> bool:
        if cond:
            self.passed += 1
            self._step_passed += 1
            return True
        self.failed += 1
        self._step_failed += 1
        print(f"  FAIL: {what}" + (f"\n        {detail}" if detail != "" else ""), flush=True)
        return False

    def equal(self, got: object, want: object, what: str) -> bool:
        return self.check(got == want, what, f"got {got!r}, want {want!r}")


C = Checks()


def text_of(result) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


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
    if VERBOSE:
        print(f"           {tool} {json.dumps(args)}\n             -> {msg}")
    C.check(r.is_error, f"{tool} {args} is refused with isError", f"got: {msg[:400]}")
    for n in needles:
        C.check(n.lower() in msg.lower(), f"{tool} refusal mentions {n!r}", f"message: {msg}")
    return msg


async def all_tracks(client: Client, args: dict, limit: int) -> tuple[list[dict], int]:
    """Every track of a list_tracks query, page by page; returns (tracks, pages)."""
    tracks, pages, cursor = [], 0, None
    while True:
        a = dict(args, limit=limit)
        if cursor:
            a["cursor"] = cursor
        page = await ok(client, "list_tracks", a)
        pages += 1
        tracks += page.get("tracks", [])
        C.check(len(page.get("tracks", [])) <= limit, "a page holds at most `limit` tracks")
        cursor = page.get("next_cursor")
        if not cursor or pages > 1000:
            return tracks, pages


async def snapshot(client: Client) -> dict:
    """Everything a refused call could have changed."""
    tracks, _ = await all_tracks(client, {}, 100)
    listed = {}
    for tool, key in [("list_projects", "projects"), ("list_clients", "clients"), ("list_tags", "tags")]:
        listed[key] = (await ok(client, tool, {"limit": 500, **({} if key == "tags" else {"include_archived": True})})).get(key)
    return {
        "tracks": sorted(json.dumps(t, sort_keys=True) for t in tracks if not t.get("running")),
        "running": [t["id"] for t in (await ok(client, "list_running_timers", {})).get("timers", [])],
        # local_time is the clock, not data: it ticks between two snapshots.
        "settings": {k: v for k, v in (await ok(client, "get_settings", {})).items() if k != "local_time"},
        **listed,
    }


def server_params(binary: str, db: str) -> StdioServerParameters:
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
    return StdioServerParameters(command=binary, args=["mcp"], env=env)


def rfc3339(t: datetime) -> str:
    return t.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_instant(s: str) -> datetime:
    return datetime.fromisoformat(s.replace("Z", "+00:00"))


# ----- session 1: the SDK's default mode ---------------------------------------------------

async def default_mode_session(binary: str, db: str, state: dict) -> None:
    C.step("connect in the SDK's default mode")
    async with Client(server_params(binary, db)) as c:
        C.check(c.server_info is not None and c.server_info.name == "stint",
                "serverInfo.name is 'stint'", f"server_info={c.server_info}")
        print(f"           protocol {c.protocol_version}, server {c.server_info}")

        C.step("tools/list: catalogue, titles, annotations, output schemas")
        listing = await c.list_tools()
        tools = list(listing.tools)
        cursor = listing.next_cursor
        while cursor:
            page = await c.list_tools(cursor=cursor)
            tools += page.tools
            cursor = page.next_cursor
        by_name = {t.name: t for t in tools}
        C.equal(len(by_name), len(tools), "tool names are unique")
        missing = [n for n in EXPECTED_TOOLS if n not in by_name]
        C.check(not missing, f"all {len(EXPECTED_TOOLS)} catalogue tools are listed", f"missing: {missing}")
        no_title = [n for n, t in by_name.items() if not t.title]
        C.check(not no_title, "every tool has a top-level title", f"no title: {no_title}")
        # Hints equal to MCP's defaults are left out (readOnlyHint false, destructiveHint true,
        # idempotentHint false); openWorldHint (default true) is always written, as false.
        no_ann = [n for n, t in by_name.items() if not t.annotations]
        C.check(not no_ann, "every tool has annotations", f"none: {no_ann}")
        open_world = [n for n, t in by_name.items() if t.annotations and t.annotations.open_world_hint is not False]
        C.check(not open_world, "openWorldHint is false everywhere", f"not false: {open_world}")
        reads = [n for n in by_name if n.startswith(("list_", "get_"))]
        not_ro = [n for n in reads if not by_name[n].annotations or not by_name[n].annotations.read_only_hint]
        C.check(not not_ro, "list_*/get_* tools are readOnlyHint", f"not read-only: {not_ro}")
        deletes = [n for n in by_name if n.startswith("delete_")]
        not_destr = [n for n in deletes if not by_name[n].annotations or by_name[n].annotations.destructive_hint is False]
        C.check(not not_destr, "delete_* tools are destructiveHint", f"not destructive: {not_destr}")
        no_desc = [n for n, t in by_name.items() if not t.description]
        C.check(not no_desc, "every tool has a description", f"no description: {no_desc}")
        bad_input = [n for n, t in by_name.items() if t.input_schema.get("type") != "object"]
        C.check(not bad_input, "every inputSchema is object-rooted", f"bad: {bad_input}")
        no_output = sorted(n for n, t in by_name.items() if not t.output_schema)
        C.check(not no_output, "every tool has an outputSchema",
                f"{len(no_output)} of {len(by_name)} without: {', '.join(no_output)}")
        bad_output = [n for n, t in by_name.items() if t.output_schema and t.output_schema.get("type") != "object"]
        C.check(not bad_output, "every outputSchema is object-rooted", f"bad: {bad_output}")

        C.step("update_settings: time zone Europe/Berlin")
        s = await ok(c, "update_settings", {"timezone": "Europe/Berlin"})
        C.equal(s.get("timezone"), "Europe/Berlin", "update_settings answers the new time zone")
        s = await ok(c, "get_settings", {})
        C.equal(s.get("timezone"), "Europe/Berlin", "get_settings reads the time zone back")

        C.step("clients, projects and tags")
        acme = (await ok(c, "create_client", {"name": "Acme", "currency": "EUR", "hourly_rate": 100})).get("client", {})
        C.equal((acme.get("name"), acme.get("currency")), ("Acme", "EUR"), "client Acme in EUR")
        C.check(str(acme.get("hourly_rate")) in ("100", "100.0", "100.00"), "Acme's rate is 100", acme)
        globex = (await ok(c, "create_client", {"name": "Globex", "currency": "USD", "hourly_rate": "80.50"})).get("client", {})
        web = (await ok(c, "create_project", {"name": "Website", "client": "Acme"})).get("project", {})
        C.equal((web.get("name"), web.get("client_id")), ("Website", acme.get("id")), "Website belongs to Acme")
        intranet = (await ok(c, "create_project", {"name": "Intranet", "client": acme.get("id")})).get("project", {})
        web2 = (await ok(c, "create_project", {"name": "Website", "client": "globex"})).get("project", {})
        C.equal(web2.get("client_id"), globex.get("id"), "a second Website, for Globex (client name case-insensitive)")
        C.check(web.get("id") != web2.get("id"), "the two Website projects have distinct ids")
        tags = {}
        for name in ["design", "meeting", "review"]:
            tags[name] = (await ok(c, "create_tag", {"name": name})).get("tag", {}).get("id")
        C.check(all(tags.values()), "three tags created", tags)
        got = await ok(c, "get_project", {"project": intranet.get("id")})
        C.equal(got.get("project", {}).get("name"), "Intranet", "get_project by id")
        got = await ok(c, "get_client", {"client": "ACME"})
        C.equal(got.get("client", {}).get("id"), acme.get("id"), "get_client by name, case-insensitive")
        state.update(acme=acme.get("id"), globex=globex.get("id"), web=web.get("id"), web2=web2.get("id"),
                     intranet=intranet.get("id"))

        C.step("timers: start, start another (first is stopped), stop")
        now = datetime.now(timezone.utc).replace(microsecond=0)
        t1_start, t2_start = now - timedelta(minutes=40), now - timedelta(minutes=15)
        r1 = await ok(c, "start_timer", {"description": "Homepage hero", "project": web.get("id"),
                                         "tags": ["design"], "start": rfc3339(t1_start)})
        t1 = r1.get("track", {})
        C.check(t1.get("running") is True and not t1.get("end"), "the first timer runs", t1)
        C.equal(r1.get("stopped"), [], "nothing was running before")
        C.equal(t1.get("project_id"), web.get("id"), "the timer is on Acme's Website")
        C.equal(t1.get("billable"), True, "billable by the project's default")
        r2 = await ok(c, "start_timer", {"description": "Standup", "tags": ["Meeting"], "start": rfc3339(t2_start)})
        t2 = r2.get("track", {})
        stopped = r2.get("stopped", [])
        C.equal([t.get("id") for t in stopped], [t1.get("id")], "starting a second timer reports the first in `stopped`")
        if stopped:
            C.equal(parse_instant(stopped[0]["end"]), t2_start, "the first timer ends where the second starts")
            C.equal(stopped[0].get("duration_seconds"), 25 * 60, "the first timer lasted 25 minutes")
        C.equal(t2.get("tags"), ["meeting"], "tag given by name in another case resolves")
        running = await ok(c, "list_running_timers", {})
        C.equal([t.get("id") for t in running.get("timers", [])], [t2.get("id")], "only the second timer runs")
        done = (await ok(c, "stop_timer", {})).get("track", {})
        C.equal(done.get("id"), t2.get("id"), "stop_timer stops the running timer")
        C.check(done.get("running") is False and done.get("end"), "the stopped timer has an end", done)
        C.check(15 * 60 <= (done.get("duration_seconds") or 0) < 16 * 60, "it lasted about 15 minutes",
                done.get("duration_seconds"))
        running = await ok(c, "list_running_timers", {})
        C.equal(running.get("count"), 0, "no timer runs any more")
        state["timer_ids"] = [t1.get("id"), t2.get("id")]

        C.step("create 60 tracks in October 2026 (start+end and start+duration)")
        durations = [("1h30m", 5400), ("90m", 5400), ("1.5h", 5400), ("01:30", 5400), ("PT1H30M", 5400),
                     ("45m", 2700), ("2h", 7200), ("PT20M", 1200)]
        projects = [web.get("id"), "Intranet", web2.get("id"), None]
        tag_sets = [["design"], ["meeting"], ["design", "review"], []]
        created, expected_seconds, per_project, per_tag = [], 0, {}, {}
        for day in range(1, 31):
            for half in range(2):
                i = len(created)
                args: dict = {"description": f"October work #{i:02d}"}
                if half == 0:
                    # start + end, local date-times in Europe/Berlin.
                    if day == 25:
                        # The night summer time ends: 01:00 CEST to 03:00 CET is three hours.
                        args.update(start="2026-10-25 01:00", end="2026-10-25 03:00")
                        seconds = 3 * 3600
                    else:
                        minutes = 30 + 15 * (i % 7)
                        args.update(start=f"2026-10-{day:02d} 09:00",
                                    end=f"2026-10-{day:02d} {9 + minutes // 60:02d}:{minutes % 60:02d}")
                        seconds = minutes * 60
                else:
                    # start + duration, RFC 3339 in UTC.
                    text, seconds = durations[i % len(durations)]
                    args.update(start=f"2026-10-{day:02d}T13:00:00Z", duration=text)
                project = projects[i % len(projects)]
                if project is not None:
                    args["project"] = project
                tag_set = tag_sets[(i // 3) % len(tag_sets)]
                if tag_set:
                    args["tags"] = tag_set
                r = await ok(c, "create_track", args)
                track = r.get("track", {})
                C.equal(track.get("duration_seconds"), seconds, f"track #{i:02d} lasts {seconds} s ({args})")
                C.equal(r.get("overlaps"), [], f"track #{i:02d} overlaps nothing")
                created.append(track.get("id"))
                expected_seconds += seconds
                key = {None: None, "Intranet": intranet.get("id")}.get(project, project)
                per_project[key] = per_project.get(key, 0) + 1
                for t in tag_set:
                    per_tag[t] = per_tag.get(t, 0) + 1
        C.equal(len(set(created)), 60, "60 distinct track ids")
        state.update(october=created, october_seconds=expected_seconds, per_project=per_project, per_tag=per_tag)

        C.step("list_tracks across pages (limit + cursor)")
        october = {"from": "2026-10-01", "to": "2026-10-31"}
        listed, pages = await all_tracks(c, october, 7)
        ids = [t.get("id") for t in listed]
        C.equal(len(ids), 60, "October holds 60 tracks")
        C.equal(len(set(ids)), len(ids), "no track is listed twice across pages")
        C.equal(set(ids), set(created), "the pages hold exactly the created tracks")
        C.equal(pages, 9, "60 tracks at 7 per page make 9 pages")
        starts = [parse_instant(t["start"]) for t in listed]
        C.check(all(a >= b for a, b in zip(starts, starts[1:])), "tracks come newest first across pages")
        C.equal(sum(t.get("duration_seconds", 0) for t in listed), expected_seconds, "durations add up")
        everything, _ = await all_tracks(c, {}, 25)
        C.equal(len(everything), 62, "all tracks: 60 in October + 2 timers")
        C.equal(len({t.get("id") for t in everything}), 62, "no duplicates without a filter either")
        first = await ok(c, "list_tracks", {})
        C.check(len(first.get("tracks", [])) == 50 and first.get("next_cursor"),
                "the default page is 50 tracks with a next_cursor (not truncated silently)",
                f"{len(first.get('tracks', []))} tracks, next_cursor={first.get('next_cursor')!r}")
        for pid, n in per_project.items():
            if pid is None:
                continue
            got, _ = await all_tracks(c, dict(october, project=pid), 50)
            C.equal(len(got), n, f"project {pid} filter finds {n} tracks")
        got, _ = await all_tracks(c, dict(october, tag="review"), 50)
        C.equal(len(got), per_tag.get("review"), "tag filter finds the review tracks")
        got, _ = await all_tracks(c, {"from": "2026-10-25", "to": "2026-10-25"}, 50)
        C.equal(len(got), 2, "one local day (the DST day) holds its 2 tracks")

        C.step("get_track and update_track (description, tags, project)")
        tid = created[5]
        before = (await ok(c, "get_track", {"track_id": tid})).get("track", {})
        C.equal(before.get("id"), tid, "get_track answers the asked track")
        upd = (await ok(c, "update_track", {"track_id": tid, "description": "Sprint review with Acme",
                                            "tags": ["review", "meeting"], "project": "Intranet"})).get("track", {})
        C.equal(upd.get("description"), "Sprint review with Acme", "description updated")
        C.equal(sorted(upd.get("tags", [])), ["meeting", "review"], "tags replaced")
        C.equal(upd.get("project_id"), intranet.get("id"), "project changed by name")
        after = (await ok(c, "get_track", {"track_id": tid})).get("track", {})
        C.equal({k: after.get(k) for k in ("description", "tags", "project_id")},
                {k: upd.get(k) for k in ("description", "tags", "project_id")}, "get_track reads the update back")
        C.equal((after.get("start"), after.get("end"), after.get("duration_seconds")),
                (before.get("start"), before.get("end"), before.get("duration_seconds")), "times untouched")
        cleared = (await ok(c, "update_track", {"track_id": tid, "tags": [], "project": ""})).get("track", {})
        C.check(not cleared.get("tags") and not cleared.get("project_id"), "tags [] and project \"\" clear them", cleared)
        state["updated_track"] = tid


# ----- session 2: mode="legacy", refused calls ----------------------------------------------

async def legacy_session(binary: str, db: str, state: dict) -> None:
    C.step('connect with mode="legacy" (initialize) to the same database')
    async with Client(server_params(binary, db), mode="legacy") as c:
        C.check(c.server_info is not None and c.server_info.name == "stint", "serverInfo.name is 'stint'", c.server_info)
        print(f"           protocol {c.protocol_version}, server {c.server_info}")
        tools = await c.list_tools()
        C.check(set(EXPECTED_TOOLS) <= {t.name for t in tools.tools}, "legacy tools/list has the catalogue")
        october, _ = await all_tracks(c, {"from": "2026-10-01", "to": "2026-10-31"}, 500)
        C.equal(len(october), 60, "the 60 October tracks are still there")
        s = await ok(c, "get_settings", {})
        C.equal(s.get("timezone"), "Europe/Berlin", "the time zone setting persisted")

        C.step("refused calls come back as isError with a useful message")
        before = await snapshot(c)
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "end": "2026-10-10 10:00"}, "before")
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "duration": "0m"}, "zero")
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "end": "2026-10-10 12:00", "duration": "1h"})
        future = rfc3339(datetime.now(timezone.utc) + timedelta(days=3))
        await refused(c, "create_track", {"start": future, "duration": "1h"}, "future")
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "duration": "1h", "project": "Websyte"},
                      "Websyte", "Website", "Intranet")
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "duration": "1h", "project": "Website"},
                      str(state["web"]), str(state["web2"]), "Acme", "Globex")
        await refused(c, "start_timer", {"project": "website"}, str(state["web"]), str(state["web2"]))
        await refused(c, "create_track", {"start": "2026-10-10 11:00", "duration": "1h", "tags": ["nosuchtag"]},
                      "nosuchtag")
        await refused(c, "update_settings", {"timezone": "Mars/Olympus"}, "Mars/Olympus", "IANA")
        await refused(c, "update_settings", {"week_start": "sunday", "timezone": "Mars/Olympus"}, "Mars/Olympus")
        await refused(c, "get_track", {"track_id": MISSING_ID}, str(MISSING_ID), "list_tracks")
        await refused(c, "delete_track", {"track_id": MISSING_ID}, str(MISSING_ID))
        await refused(c, "update_track", {"track_id": MISSING_ID, "description": "x"}, str(MISSING_ID))
        await refused(c, "update_track", {"track_id": state["updated_track"], "end": "2026-10-01 00:00"}, "before")
        await refused(c, "stop_timer", {}, "no timer")
        await refused(c, "list_tracks", {"cursor": "not-a-cursor"}, "cursor")
        await refused(c, "create_project", {"name": "Website", "client": "Acme"}, "Website")
        try:
            r = await c.call_tool("no_such_tool", {})
            C.check(False, "an unknown tool is a JSON-RPC error (MCPError)", f"got a result: {text_of(r)}")
        except MCPError as e:
            C.equal(e.code, -32602, "an unknown tool is JSON-RPC error -32602")

        C.step("refused calls changed nothing")
        after = await snapshot(c)
        for key in before:
            C.equal(after[key] == before[key], True, f"{key} unchanged by the refused calls")
        C.equal(after["settings"].get("week_start"), before["settings"].get("week_start"),
                "update_settings with one bad value saved none of them")

        C.step("delete_track removes exactly one track")
        victim = state["october"][-1]
        r = await ok(c, "delete_track", {"track_id": victim})
        C.check(r is not None, "delete_track answers")
        await refused(c, "get_track", {"track_id": victim}, str(victim))
        rest, _ = await all_tracks(c, {}, 500)
        C.equal(len(rest), len(before["tracks"]) - 1, "one track fewer")


# ----- session 3: billing and reports ------------------------------------------------------

CENT = Decimal("0.01")

# The billing session's tracks, in Europe/Berlin local time, with rounding up to 15 min per entry.
# key: (start, duration or end, project, description, extra args, rounded minutes, billed amount)
BILLING_TRACKS = {
    "schema":   ("2026-10-05 09:00", "1h10m", "Migration", 'Schema design, "v2"', {}, 75, "150.63"),
    "ticket":   ("2026-10-06 09:00", "50m", "Support", "Ticket #42", {}, 60, "90.00"),
    "import":   ("2026-10-07 14:00", "2h", "Migration", "Data import", {"hourly_rate": "150"}, 120, "300.00"),
    "call":     ("2026-10-08 10:00", "7m", "Support", "Quick call", {}, 15, "22.50"),
    "planning": ("2026-10-09 10:00", "1h", "Internal", "Planning", {}, 60, None),           # not billable (project)
    "followup": ("2026-10-12 10:00", "1h", "Support", "Follow-up", {"billable": False}, 60, None),
    "cutover":  ("2026-10-25 01:00", "@2026-10-25 03:00", "Migration", "Cutover night", {}, 180, "361.50"),
    "kickoff":  ("2026-09-29 10:00", "1h", "Migration", "Kick-off", {}, 60, None),          # before the period
}
BILLED = [k for k, v in BILLING_TRACKS.items() if v[6] is not None]
SUBTOTAL = sum(Decimal(BILLING_TRACKS[k][6]) for k in BILLED)        # 924.63
TAX = (SUBTOTAL * Decimal("0.19")).quantize(CENT, ROUND_HALF_UP)      # 175.68
TOTAL = SUBTOTAL + TAX                                                # 1100.31
CSV_COLUMNS = {"invoice_number", "status", "issue_date", "due_date", "client", "description", "project",
               "hours", "unit_rate", "amount", "currency"}


def dec(v: object) -> Decimal | None:
    try:
        return Decimal(str(v))
    except (InvalidOperation, TypeError):
        return None


def amounts(row: dict) -> dict:
    """{currency: Decimal} of a report row's `amounts`."""
    return {a.get("currency"): dec(a.get("amount")) for a in row.get("amounts", [])}


def check_invoice_csv(text: str, invoice: dict, number: str | None, status: str) -> None:
    """Parses exported CSV with the csv module and compares it with the invoice it came from."""
    C.check("\r\n" in text, "CSV lines end with CRLF (RFC 4180)")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = reader.fieldnames or []
    C.check(CSV_COLUMNS <= set(header), "the CSV header names number, dates, client, description, project, "
            "hours, unit rate, amount, currency", f"header {header}, missing {sorted(CSV_COLUMNS - set(header))}")
    C.equal(len(header), len(set(header)), "CSV column names are unique")
    rows = list(reader)
    C.check(all(None not in r and len(r) == len(header) for r in rows), "every CSV row has one field per column")
    lines = invoice.get("lines", [])
    by_label = {r.get("description"): r for r in rows[len(lines):]}
    C.equal(len(rows), len(lines) + 3, "one CSV row per invoice line plus Subtotal, Tax and Total")
    C.equal(sorted(by_label), ["Subtotal", "Tax", "Total"], "the last three rows are Subtotal, Tax, Total")
    for row, line in zip(rows, lines):
        C.equal((row.get("description"), row.get("project"), row.get("date") or None),
                (line.get("description"), line.get("project"), line.get("date")),
                f"CSV row {line.get('position')} has the line's description, project and date")
        C.equal((dec(row.get("hours")), dec(row.get("unit_rate")), dec(row.get("amount"))),
                (dec(line.get("quantity_hours")), dec(line.get("unit_rate")), dec(line.get("amount"))),
                f"CSV row {line.get('position')} has the line's hours, unit rate and amount")
    C.check(all(r.get("currency") == invoice.get("currency") for r in rows), "every CSV row is in the invoice currency")
    C.check(all(r.get("client") == invoice.get("client") for r in rows), "every CSV row names the client")
    C.check(all(r.get("status") == status for r in rows), f"every CSV row has status {status}", rows[:1])
    if number is not None:
        C.check(all(r.get("invoice_number") == number for r in rows), f"every CSV row carries number {number}",
                [r.get("invoice_number") for r in rows])
    subtotal, tax, total = (dec(by_label.get(k, {}).get("amount")) for k in ("Subtotal", "Tax", "Total"))
    C.equal((subtotal, tax, total), (dec(invoice.get("subtotal")), dec(invoice.get("tax")), dec(invoice.get("total"))),
            "CSV Subtotal, Tax and Total rows equal the invoice's")
    C.equal(sum((dec(r.get("amount")) or Decimal(0) for r in rows[:len(lines)]), Decimal(0)), subtotal,
            "CSV line amounts add up to the Subtotal row")
    rate = dec(invoice.get("tax_rate_percent")) or Decimal(0)
    if subtotal is not None and tax is not None:
        C.equal(tax, (subtotal * rate / 100).quantize(CENT, ROUND_HALF_UP), "CSV Tax = Subtotal x rate, half-up")
        C.equal(total, subtotal + tax, "CSV Total = Subtotal + Tax")


async def billing_session(binary: str, db: str, workdir: str) -> None:
    C.step("billing setup: rounding up 15 min per entry, business name, client, projects with rates")
    async with Client(server_params(binary, db)) as c:
        s = await ok(c, "update_settings", {"timezone": "Europe/Berlin", "business_name": "Jane Doe Consulting",
                                            "rounding": {"mode": "up", "increment_minutes": 15, "scope": "entry"}})
        C.equal(s.get("rounding"), {"mode": "up", "increment_minutes": 15, "scope": "entry"}, "rounding saved")
        C.equal(s.get("business_name"), "Jane Doe Consulting", "business name saved")
        client = (await ok(c, "create_client", {"name": "Initech", "currency": "EUR", "hourly_rate": 90,
                                                "tax_id": "DE123456789"})).get("client", {})
        mig = (await ok(c, "create_project", {"name": "Migration", "client": "Initech", "hourly_rate": "120.50",
                                              "budget_hours": 8, "budget_amount": 900})).get("project", {})
        C.equal(dec(mig.get("hourly_rate")), Decimal("120.50"), "Migration's rate is 120.50")
        sup = (await ok(c, "create_project", {"name": "Support", "client": "Initech"})).get("project", {})
        internal = (await ok(c, "create_project", {"name": "Internal", "client": "Initech",
                                                   "billable_by_default": False})).get("project", {})
        project_ids = {"Migration": mig.get("id"), "Support": sup.get("id"), "Internal": internal.get("id")}

        C.step("billing tracks in October 2026 (and one in September)")
        ids: dict[str, int] = {}
        for key, (start, length, project, desc, extra, _, _) in BILLING_TRACKS.items():
            args = {"start": start, "project": project, "description": desc, **extra}
            if length.startswith("@"):
                args["end"] = length[1:]
            else:
                args["duration"] = length
            track = (await ok(c, "create_track", args)).get("track", {})
            C.equal(track.get("billable"), BILLING_TRACKS[key][6] is not None or key == "kickoff",
                    f"track {key!r} billable flag")
            ids[key] = track.get("id")

        C.step("create_invoice dry_run: shown, nothing saved, no track held")
        period = {"client": "Initech", "from": "2026-10-01", "to": "2026-10-31", "tax_rate_percent": 19,
                  "due_days": 14, "notes": "Bank transfer within 14 days"}
        dry = (await ok(c, "create_invoice", dict(period, dry_run=True))).get("invoice", {})
        C.equal(dry.get("dry_run"), True, "the answer says dry_run")
        C.equal(len(dry.get("lines", [])), len(BILLED), f"{len(BILLED)} lines (one per billable October track)")
        C.equal(sorted(t for line in dry.get("lines", []) for t in line.get("track_ids", [])),
                sorted(ids[k] for k in BILLED), "the lines hold exactly the billable, uninvoiced October tracks")
        C.equal((dec(dry.get("subtotal")), dec(dry.get("tax")), dec(dry.get("total"))), (SUBTOTAL, TAX, TOTAL),
                f"subtotal {SUBTOTAL}, tax {TAX}, total {TOTAL}")
        listed = await ok(c, "list_invoices", {})
        C.equal(listed.get("invoices"), [], "list_invoices is empty after a dry run")
        held = await ok(c, "list_tracks", {"invoiced": True})
        C.equal(held.get("tracks"), [], "no track is invoiced after a dry run")

        C.step("create_invoice for real, get_invoice")
        inv = (await ok(c, "create_invoice", period)).get("invoice", {})
        inv_id = inv.get("id")
        C.check(isinstance(inv_id, int) and inv_id > 0, "the invoice has an id", inv_id)
        C.equal((inv.get("status"), inv.get("number"), inv.get("dry_run")), ("draft", None, False),
                "a new invoice is a draft without a number")
        C.equal((inv.get("seller_name"), inv.get("client"), inv.get("client_id"), inv.get("currency")),
                ("Jane Doe Consulting", "Initech", client.get("id"), "EUR"), "seller, client and currency")
        C.equal(inv.get("rounding"), {"mode": "up", "increment_minutes": 15, "scope": "entry"}, "rounding frozen on it")
        C.equal(inv.get("lines"), dry.get("lines"), "the same lines as the dry run")
        by_track = {line.get("track_ids", [None])[0]: line for line in inv.get("lines", []) if line.get("track_ids")}
        for key in BILLED:
            line = by_track.get(ids[key], {})
            minutes, amount = BILLING_TRACKS[key][5], Decimal(BILLING_TRACKS[key][6])
            C.equal((line.get("rounded_duration_seconds"), dec(line.get("quantity_hours")), dec(line.get("amount"))),
                    (minutes * 60, (Decimal(minutes) / 60).quantize(CENT), amount),
                    f"line for {key!r}: rounded minutes, hours, amount")
        C.equal(dec(by_track.get(ids["import"], {}).get("unit_rate")), Decimal(150), "the track's rate override wins")
        C.equal(dec(by_track.get(ids["ticket"], {}).get("unit_rate")), Decimal(90), "Support falls back to the client rate")
        C.equal(sum((dec(line.get("amount")) for line in inv.get("lines", [])), Decimal(0)), dec(inv.get("subtotal")),
                "line amounts add up to the subtotal")
        await refused(c, "create_invoice", period, "no billable")
        got = (await ok(c, "get_invoice", {"invoice_id": inv_id})).get("invoice", {})
        C.equal({k: got.get(k) for k in ("id", "status", "subtotal", "tax", "total", "lines", "notes", "due_date")},
                {k: inv.get(k) for k in ("id", "status", "subtotal", "tax", "total", "lines", "notes", "due_date")},
                "get_invoice reads the invoice back")
        listed = await ok(c, "list_invoices", {})
        C.equal([i.get("id") for i in listed.get("invoices", [])], [inv_id], "list_invoices lists it")
        await refused(c, "update_track", {"track_id": ids["schema"], "description": "x"}, "draft", "delete_invoice")

        C.step("export_invoice_csv: text parsed with csv, and written to a path")
        exp = await ok(c, "export_invoice_csv", {"invoice_id": inv_id})
        text = exp.get("csv", "")
        check_invoice_csv(text, inv, None, "draft")
        C.check('"Schema design, ""v2"""' in text, "a description with a comma and quotes is quoted (RFC 4180)")
        path = os.path.join(workdir, "invoice-draft.csv")
        exp2 = await ok(c, "export_invoice_csv", {"invoice_id": inv_id, "path": path})
        C.equal(exp2.get("csv"), text, "exporting again gives the same text")
        try:
            with open(path, encoding="utf-8", newline="") as f:
                written = f.read()
        except OSError as e:
            written = f"<{e}>"
        C.equal(written, exp2.get("csv"), "the file at `path` holds exactly the returned CSV text")

        C.step("mark_invoice_sent: number INV-2026-0001; its tracks and the invoice are frozen")
        sent = (await ok(c, "mark_invoice_sent", {"invoice_id": inv_id, "issue_date": "2026-11-02"})).get("invoice", {})
        C.equal((sent.get("status"), sent.get("number")), ("sent", "INV-2026-0001"), "sent, numbered INV-2026-0001")
        C.equal((sent.get("issue_date"), sent.get("due_date")), ("2026-11-02", "2026-11-16"),
                "issue date as given, due 14 days later")
        C.equal((sent.get("subtotal"), sent.get("total")), (inv.get("subtotal"), inv.get("total")), "amounts unchanged")
        got = (await ok(c, "get_invoice", {"invoice_id": "INV-2026-0001"})).get("invoice", {})
        C.equal(got.get("id"), inv_id, "get_invoice by number")
        exp = await ok(c, "export_invoice_csv", {"invoice_id": "INV-2026-0001"})
        # A state change answers what changed (no lines); get_invoice has the lines.
        C.check("lines" not in sent, "mark_invoice_sent answers a summary, without the lines")
        check_invoice_csv(exp.get("csv", ""), got, "INV-2026-0001", "sent")
        await refused(c, "update_track", {"track_id": ids["schema"], "description": "changed"},
                      "INV-2026-0001", "void_invoice")
        await refused(c, "delete_track", {"track_id": ids["cutover"]}, "INV-2026-0001")
        await refused(c, "delete_invoice", {"invoice_id": inv_id}, "INV-2026-0001", "void")
        await refused(c, "update_invoice", {"invoice_id": inv_id, "notes": "changed"}, "INV-2026-0001")
        await refused(c, "mark_invoice_sent", {"invoice_id": inv_id}, "INV-2026-0001")
        track = (await ok(c, "get_track", {"track_id": ids["schema"]})).get("track", {})
        C.equal((track.get("description"), track.get("invoice_id")), ('Schema design, "v2"', inv_id),
                "the refused update changed nothing; the track points at the invoice")

        C.step("void_invoice keeps the number and releases the tracks")
        void = (await ok(c, "void_invoice", {"invoice_id": "INV-2026-0001"})).get("invoice", {})
        C.equal((void.get("status"), void.get("number"), void.get("total")), ("void", "INV-2026-0001", inv.get("total")),
                "void, number and amounts kept")
        upd = (await ok(c, "update_track", {"track_id": ids["schema"], "description": "Schema design v2"})).get("track", {})
        C.equal(upd.get("description"), "Schema design v2", "update_track works on a released track")
        C.check(not upd.get("invoice_id"), "the released track is on no invoice", upd.get("invoice_id"))
        held = await ok(c, "list_tracks", {"invoiced": True})
        C.equal(held.get("tracks"), [], "no track is invoiced after the void")
        voids = await ok(c, "list_invoices", {"status": "void"})
        C.equal([i.get("number") for i in voids.get("invoices", [])], ["INV-2026-0001"], "list_invoices by status void")

        C.step("unbilled_summary after the void: all billable work is unbilled again")
        unbilled = await ok(c, "unbilled_summary", {})
        rows = {r.get("group", {}).get("project"): r for r in unbilled.get("rows", [])}
        C.equal(sorted(rows), ["Migration", "Support"], "one row per project with billable work (not Internal)")
        C.check(all(r.get("group", {}).get("client") == "Initech" for r in rows.values()), "rows are by client too")
        mig_minutes = sum(v[5] for k, v in BILLING_TRACKS.items() if v[2] == "Migration")
        C.equal(rows.get("Migration", {}).get("rounded_duration_seconds"), mig_minutes * 60,
                "Migration: October and September, rounded")
        C.equal(amounts(rows.get("Migration", {})), {"EUR": Decimal("932.63")}, "Migration unbilled 932.63 EUR")
        C.equal(amounts(rows.get("Support", {})), {"EUR": Decimal("112.50")}, "Support unbilled 112.50 EUR (billable only)")
        C.equal(amounts(unbilled.get("totals", {})), {"EUR": Decimal("1045.13")}, "unbilled total 1045.13 EUR")

        C.step("re-invoice: next number INV-2026-0002 (gapless), paid, a paid invoice cannot be voided")
        again = (await ok(c, "create_invoice", period)).get("invoice", {})
        C.equal(dec(again.get("total")), TOTAL, "the released tracks invoice to the same total")
        sent2 = (await ok(c, "mark_invoice_sent", {"invoice_id": again.get("id"), "issue_date": "2026-11-03"})).get("invoice", {})
        C.equal(sent2.get("number"), "INV-2026-0002", "the next number follows the voided one")
        paid = (await ok(c, "mark_invoice_paid", {"invoice_id": "INV-2026-0002"})).get("invoice", {})
        C.check(paid.get("status") == "paid" and paid.get("paid_at"), "marked paid with paid_at", paid.get("status"))
        await refused(c, "void_invoice", {"invoice_id": "INV-2026-0002"}, "paid")
        await refused(c, "mark_invoice_paid", {"invoice_id": "INV-2026-0002"}, "paid")
        await refused(c, "update_track", {"track_id": ids["ticket"], "description": "x"}, "INV-2026-0002")
        listed = await ok(c, "list_invoices", {})
        C.equal([(i.get("number"), i.get("status")) for i in listed.get("invoices", [])],
                [("INV-2026-0002", "paid"), ("INV-2026-0001", "void")], "list_invoices newest first with statuses")

        C.step("time_summary by project and by day")
        october = {"from": "2026-10-01", "to": "2026-10-31"}
        in_october = {k: v for k, v in BILLING_TRACKS.items() if v[0].startswith("2026-10")}
        summary = await ok(c, "time_summary", dict(october, group_by=["project"]))
        rows = {r.get("group", {}).get("project"): r for r in summary.get("rows", [])}
        C.equal(sorted(rows), ["Internal", "Migration", "Support"], "one row per project")
        for name in ("Migration", "Support", "Internal"):
            minutes = sum(v[5] for v in in_october.values() if v[2] == name)
            C.equal(rows.get(name, {}).get("rounded_duration_seconds"), minutes * 60, f"{name}: {minutes} rounded minutes")
            C.equal(rows.get(name, {}).get("group", {}).get("project_id"), project_ids[name], f"{name}: project_id")
        C.equal(amounts(rows.get("Migration", {})), {"EUR": Decimal("812.13")}, "Migration billable 812.13 EUR")
        C.equal(amounts(rows.get("Support", {})), {"EUR": Decimal("112.50")}, "Support billable 112.50 EUR")
        C.equal(amounts(rows.get("Internal", {})), {}, "Internal has no billable amount")
        totals = summary.get("totals", {})
        C.equal(totals.get("duration_seconds"), 32820, "total unrounded 9:07")
        C.equal(totals.get("rounded_duration_seconds"), sum(v[5] for v in in_october.values()) * 60, "total rounded 9:30")
        C.equal(amounts(totals), {"EUR": SUBTOTAL}, "the billable total equals the invoice subtotal")
        C.equal(sum(r.get("duration_seconds", 0) for r in rows.values()), totals.get("duration_seconds"),
                "rows add up to the totals")
        days = await ok(c, "time_summary", dict(october, group_by=["day"]))
        by_day = {r.get("group", {}).get("day"): r for r in days.get("rows", [])}
        want_days = sorted({v[0][:10] for v in in_october.values()})
        C.equal(sorted(by_day), want_days, "one row per day with work")
        C.equal(by_day.get("2026-10-25", {}).get("day_length_seconds"), 25 * 3600, "the DST day is 25 hours long")
        C.equal(by_day.get("2026-10-25", {}).get("duration_seconds"), 3 * 3600, "01:00-03:00 on the DST day is 3 h")
        C.equal(by_day.get("2026-10-05", {}).get("day_length_seconds"), 24 * 3600, "an ordinary day is 24 hours")
        C.equal(days.get("totals"), totals, "by day and by project give the same totals")

        C.step("top_projects, budget_status, unbilled_summary")
        top = await ok(c, "top_projects", october)
        ranked = top.get("projects", [])
        C.equal([p.get("project") for p in ranked], ["Migration", "Support", "Internal"], "ranked by time")
        shares = [dec(p.get("share_percent")) or Decimal(0) for p in ranked]
        C.check(abs(sum(shares) - 100) <= Decimal("0.2"), "shares add up to 100 %", shares)
        C.equal(top.get("totals", {}).get("rounded_duration_seconds"), totals.get("rounded_duration_seconds"),
                "top_projects totals match time_summary")
        one = await ok(c, "top_projects", dict(october, limit=1))
        C.equal([p.get("project") for p in one.get("projects", [])], ["Migration"], "limit 1 gives the top project")
        budgets = (await ok(c, "budget_status", {})).get("budgets", [])
        C.equal([b.get("project_id") for b in budgets], [mig.get("id")], "only Migration has a budget")
        b = budgets[0] if budgets else {}
        C.equal((dec(b.get("hours", {}).get("used_hours")), b.get("hours", {}).get("status")),
                (Decimal("7.25"), "alert"), "hours: 7.25 of 8 used, alert (past 80 %)")
        C.equal((dec(b.get("money", {}).get("used")), b.get("money", {}).get("status")),
                (Decimal("932.63"), "over"), "money: 932.63 of 900 EUR used, over")
        C.equal(b.get("status"), "over", "the project's budget status is the worst of the two")
        one = (await ok(c, "budget_status", {"project": "Migration"})).get("budgets", [])
        C.equal(one, budgets, "budget_status for one project by name")
        unbilled = await ok(c, "unbilled_summary", {})
        rows = unbilled.get("rows", [])
        C.equal([(r.get("group", {}).get("project"), r.get("track_count")) for r in rows], [("Migration", 1)],
                "only the September track is unbilled now")
        C.equal(amounts(unbilled.get("totals", {})), {"EUR": Decimal("120.50")}, "unbilled 1 h at 120.50 EUR")


# ----- prompts, resources, completions --------------------------------------------------------

async def assist_session(binary: str, db: str) -> None:
    C.step("prompts, resources and completions")
    async with Client(server_params(binary, db)) as c:
        caps = c.server_capabilities
        C.check(caps is not None and caps.prompts is not None and caps.resources is not None
                and caps.completions is not None, "prompts, resources and completions are declared", caps)
        await ok(c, "create_client", {"name": "Übersetzung GmbH", "tax_id": "DE123456789"})
        await ok(c, "create_client", {"name": "Acme"})
        await ok(c, "create_project", {"name": "Web Site", "client": "Acme", "hourly_rate": 100})
        await ok(c, "create_track", {"project": "Web Site", "start": "2026-10-05T09:00:00Z", "duration": "2h"})
        inv = (await ok(c, "create_invoice", {"client": "Acme", "from": "2026-10-01", "to": "2026-10-31"}))
        inv_id = inv.get("invoice", {}).get("id")

        prompts = (await c.list_prompts()).prompts
        C.equal([p.name for p in prompts], ["log_my_day", "weekly_review", "month_end_invoicing", "unbilled_work"],
                "prompts/list names the four prompts")
        C.check(all(p.title for p in prompts), "every prompt has a title")
        month_end = next((p for p in prompts if p.name == "month_end_invoicing"), None)
        C.equal([(a.name, a.required) for a in (month_end.arguments or [])] if month_end else None,
                [("client", True), ("month", False)], "month_end_invoicing takes client (required) and month")
        got = await c.get_prompt("month_end_invoicing", {"client": "acme", "month": "2026-10"})
        text = got.messages[0].content.text if got.messages else ""
        named = text.split("`")[1::2]
        C.check(named and set(named) <= set(EXPECTED_TOOLS), "the prompt names only real tools", named)
        C.check('"client": "Acme"' in text and "2026-10-31" in text,
                "the client is resolved to its name and the month to its days", text[:300])
        try:
            await c.get_prompt("month_end_invoicing", {})
            C.check(False, "a missing required argument is an error")
        except MCPError as e:
            C.check("client" in str(e), "a missing required argument is an error naming it", str(e))

        resources = (await c.list_resources()).resources
        C.equal([str(r.uri) for r in resources], ["stint://timers/running", "stint://tracks/today", "stint://settings"],
                "resources/list")
        templates = (await c.list_resource_templates()).resource_templates
        C.equal([t.uri_template for t in templates],
                ["stint://reports/week/{date}", "stint://invoices/{invoice}.csv", "stint://projects/{project}"],
                "resources/templates/list")
        settings = (await c.read_resource("stint://settings")).contents[0]
        C.equal(settings.mime_type, "application/json", "settings are JSON")
        C.check("timezone" in json.loads(settings.text), "the settings resource has the time zone")
        project = json.loads((await c.read_resource("stint://projects/Web%20Site")).contents[0].text)
        C.equal(project.get("project", {}).get("name"), "Web Site", "a percent-encoded project name is read")
        week = json.loads((await c.read_resource("stint://reports/week/2026-10-07")).contents[0].text)
        C.equal(week.get("totals", {}).get("duration_seconds"), 7200, "the week report has the 2 h track")
        csv_res = (await c.read_resource(f"stint://invoices/{inv_id}.csv")).contents[0]
        C.equal(csv_res.mime_type, "text/csv", "the invoice resource is text/csv")
        C.check("Web Site" in csv_res.text, "the CSV lists the project", csv_res.text[:200])
        try:
            await c.read_resource("stint://projects/Nope")
            C.check(False, "an unknown project is an error")
        except MCPError as e:
            C.check("Nope" in str(e), "an unknown project is an error naming it", str(e))

        from mcp.types import PromptReference, ResourceTemplateReference
        done = await c.complete(PromptReference(type="ref/prompt", name="month_end_invoicing"),
                                {"name": "client", "value": "üb"})
        C.equal(done.completion.values, ["Übersetzung GmbH"], "\"üb\" completes \"Übersetzung GmbH\"")
        done = await c.complete(ResourceTemplateReference(type="ref/resource", uri="stint://projects/{project}"),
                                {"name": "project", "value": "we"})
        C.equal(done.completion.values, ["Web Site"], "a template variable completes a project")
        C.equal((done.completion.total, done.completion.has_more), (1, False), "with total and hasMore")


# ----- the assistant's timers ----------------------------------------------------------------

async def timers_session(binary: str, db: str) -> None:
    C.step("same-second switch, continue_timer, end + duration, Unicode names")
    async with Client(server_params(binary, db)) as c:
        await ok(c, "create_client", {"name": "Acme Corp"})
        web = (await ok(c, "create_project", {"name": "Übersetzung", "client": "Acme Corp"})).get("project", {})
        await ok(c, "create_tag", {"name": "Été"})
        now = datetime.now(timezone.utc).replace(microsecond=0)
        same = rfc3339(now - timedelta(minutes=30))
        first = (await ok(c, "start_timer", {"project": "übersetzung", "tags": ["ÉTÉ"], "start": same})).get("track", {})
        C.equal(first.get("project_id"), web.get("id"), "a project found by another case of Ü")
        switched = await ok(c, "start_timer", {"description": "oops, the website", "start": same})
        C.equal([t.get("id") for t in switched.get("replaced", [])], [first.get("id")],
                "a start in the same second replaces the first timer")
        C.equal(switched.get("stopped"), [], "nothing is stopped at zero seconds")
        C.check(f"replaced timer {first.get('id')}" in (switched.get("note") or ""), "a note says so", switched)
        C.check(switched.get("track", {}).get("id") != first.get("id"), "the new timer has a new id", switched)
        running = await ok(c, "list_running_timers", {})
        C.equal(running.get("count"), 1, "one timer runs")
        await ok(c, "delete_track", {"track_id": switched.get("track", {}).get("id")})

        work = (await ok(c, "start_timer", {"project": web.get("id"), "tags": ["Été"], "billable": False,
                                            "description": "glossary", "start": rfc3339(now - timedelta(minutes=20))})
                ).get("track", {})
        call = (await ok(c, "start_timer", {"description": "call with Bob",
                                            "start": rfc3339(now - timedelta(minutes=5))})).get("track", {})
        resumed = await ok(c, "continue_timer", {})
        t = resumed.get("track", {})
        C.equal(resumed.get("continued_from"), work.get("id"), "continue_timer resumes the interrupted work")
        C.equal([s.get("id") for s in resumed.get("stopped", [])], [call.get("id")], "and stops the call")
        C.equal((t.get("project"), t.get("tags"), t.get("billable"), t.get("description"), t.get("running")),
                ("Übersetzung", ["Été"], False, "glossary", True), "with the same project, tags, billable, description")
        await refused(c, "continue_timer", {"track_id": MISSING_ID}, str(MISSING_ID))

        logged = (await ok(c, "create_track", {"end": "now", "duration": "45 min", "description": "notes"})
                  ).get("track", {})
        C.equal(logged.get("duration_seconds"), 45 * 60, "create_track from end and duration alone")
        end = parse_instant(logged.get("end", "1970-01-01T00:00:00Z"))
        C.check(abs((end - datetime.now(timezone.utc)).total_seconds()) < 120, "ending now", logged)


# ----- raw JSON-RPC lines, no SDK ------------------------------------------------------------

def raw_lines(binary: str, db: str) -> None:
    C.step("raw JSON-RPC lines: bare tools/call, malformed line, order, exit code")

    def call(id_, name, args):
        return json.dumps({"jsonrpc": "2.0", "id": id_, "method": "tools/call",
                           "params": {"name": name, "arguments": args}})

    lines = [
        call(1, "create_track", {"start": "2026-10-02T08:00:00Z", "duration": "1h", "description": "piped"}),
        json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}),  # a notification: no answer
        "",                                                                     # blank: skipped
        '{"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": {',     # malformed
        call("three", "list_tracks", {}),
        json.dumps({"jsonrpc": "2.0", "id": 4, "method": "tools/list"}),
        call(5, "get_track", {"track_id": MISSING_ID}),
        json.dumps({"jsonrpc": "2.0", "id": 6, "method": "no/such/method"}),
        call(7, "list_running_timers", {}),
    ]
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "")}
    p = subprocess.run([binary, "mcp"], input="\n".join(lines) + "\n", capture_output=True, text=True,
                       env=env, timeout=60)
    C.equal(p.returncode, 0, "stint mcp exits 0 at end of input")
    out = p.stdout.splitlines()
    try:
        answers = [json.loads(line) for line in out]
    except json.JSONDecodeError as e:
        C.check(False, "every stdout line is JSON", f"{e}: {p.stdout[:500]}")
        return
    C.equal([a.get("id") for a in answers], [1, None, "three", 4, 5, 6, 7],
            "one answer per request, in input order (the malformed line answered with id null)")
    C.check(all(a.get("jsonrpc") == "2.0" for a in answers), "every answer is JSON-RPC 2.0")
    if len(answers) != 7:
        print(f"        stdout: {p.stdout[:2000]}\n        stderr: {p.stderr[-2000:]}")
        return
    created, parse_error, listed, tools, missing, unknown, timers = answers
    C.check("result" in created and not created["result"].get("isError"),
            "a bare tools/call without initialize works", created)
    track_id = created.get("result", {}).get("structuredContent", {}).get("track", {}).get("id")
    C.equal(parse_error.get("error", {}).get("code"), -32700, "the malformed line gets -32700")
    C.check(parse_error.get("error", {}).get("message"), "the parse error has a message")
    C.equal([t.get("id") for t in listed.get("result", {}).get("structuredContent", {}).get("tracks", [])],
            [track_id], "the line after the malformed one is answered (and sees the earlier write)")
    C.check(set(EXPECTED_TOOLS) <= {t["name"] for t in tools.get("result", {}).get("tools", [])},
            "raw tools/list has the catalogue")
    C.check(missing.get("result", {}).get("isError") is True, "a missing track is an isError result", missing)
    C.equal(unknown.get("error", {}).get("code"), -32601, "an unknown method is -32601")
    C.equal(timers.get("result", {}).get("structuredContent", {}).get("count"), 0, "the last request is answered")
    C.check(all(line.startswith("{") for line in out), "stdout carries only JSON-RPC")

    again = subprocess.run([binary, "mcp"], input=call(1, "get_track", {"track_id": track_id}) + "\n",
                           capture_output=True, text=True, env=env, timeout=60)
    C.equal(again.returncode, 0, "a second process exits 0")
    got = json.loads(again.stdout.splitlines()[0]) if again.stdout else {}
    C.equal(got.get("result", {}).get("structuredContent", {}).get("track", {}).get("description"), "piped",
            "the piped write was committed before exit")

    empty = subprocess.run([binary, "mcp"], input="", capture_output=True, text=True, env=env, timeout=60)
    C.equal((empty.returncode, empty.stdout), (0, ""), "empty input: no output, exit 0")


# ----- session 4: change log, undo, request_id --------------------------------------------

async def changes_session(binary: str, db: str) -> None:
    C.step("change log: retried create with request_id")
    async with Client(server_params(binary, db)) as c:
        await ok(c, "update_settings", {"timezone": "Europe/Berlin"})
        await ok(c, "create_project", {"name": "Website", "request_id": "p-1"})
        args = {"start": "2026-11-20 09:00", "end": "2026-11-20 10:30", "project": "Website",
                "description": "hero", "request_id": "11111111-2222-3333-4444-555555555555"}
        first = await ok(c, "create_track", args)
        C.check("replayed" not in first, "a first call is not marked replayed", first)
        before = await snapshot(c)
        changes_before = (await ok(c, "list_changes", {"limit": 500})).get("changes", [])
        again = await ok(c, "create_track", args)
        C.equal(again.get("replayed"), True, "the retry is marked replayed")
        C.equal(again.get("track", {}).get("id"), first.get("track", {}).get("id"), "the retry answers the same track")
        C.equal(await snapshot(c), before, "the retry wrote nothing")
        C.equal(len((await ok(c, "list_changes", {"limit": 500})).get("changes", [])), len(changes_before),
                "the retry recorded no change")
        await refused(c, "create_track", dict(args, description="other"), "request_id", "another call")
        await refused(c, "create_track", dict(args, request_id="x" * 201), "request_id", "200")

        C.step("list_changes: newest first, readable, paged")
        page = await ok(c, "list_changes", {"limit": 2})
        newest = page.get("changes", [{}])[0]
        track_id = first.get("track", {}).get("id")
        C.equal(newest.get("operation"), "create_track", "the newest change is the create")
        C.equal(newest.get("summary"), f"create_track: added track {track_id} (Website, 2026-11-20 09:00-10:30)",
                "the summary says what was added")
        C.equal(newest.get("rows"), f"tracks {track_id}", "rows names the table and key")
        C.equal(newest.get("frontend"), "mcp-stdio", "the front end is recorded")
        C.check(page.get("next_cursor"), "a cursor for the next page", page)
        nxt = await ok(c, "list_changes", {"limit": 2, "cursor": page.get("next_cursor")})
        ids = [x.get("id") for x in page.get("changes", []) + nxt.get("changes", [])]
        C.check(all(a > b for a, b in zip(ids, ids[1:])), "ids fall across pages", ids)

        C.step("undo_change: an update, a delete, a create; undo of an undo")
        await ok(c, "update_track", {"track_id": track_id, "description": "changed", "end": "2026-11-20 11:00"})
        u = await ok(c, "undo_change", {})
        C.equal(u.get("reverted", {}).get("operation"), "update_track", "the default undo takes the latest change")
        C.equal(await snapshot(c), before, "the update is undone exactly")
        await ok(c, "delete_track", {"track_id": track_id})
        await ok(c, "undo_change", {})
        C.equal(await snapshot(c), before, "the delete is undone exactly")
        created = next(x for x in changes_before if x.get("operation") == "create_track")
        u = await ok(c, "undo_change", {"change_id": created.get("id")})
        C.equal(u.get("undo", {}).get("undo_of"), created.get("id"), "the undo names the change it reverted")
        got = await c.call_tool("get_track", {"track_id": track_id})
        C.check(got.is_error, "the created track is gone", text_of(got)[:200])
        await ok(c, "undo_change", {"change_id": u.get("undo", {}).get("id")})
        C.equal(await snapshot(c), before, "undoing the undo brings the track back")

        C.step("undo_change: refused when a later change touched the same row")
        await ok(c, "update_track", {"track_id": track_id, "description": "later edit"})
        latest = (await ok(c, "list_changes", {"limit": 1})).get("changes", [{}])[0]
        after = await snapshot(c)
        await refused(c, "undo_change", {"change_id": created.get("id")}, "cannot be undone",
                      f"by change {latest.get('id')}")
        C.equal(await snapshot(c), after, "a refused undo changes nothing")


# ----- main ----------------------------------------------------------------------------------

def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        state: dict = {}
        for name, run in [("default-mode session", lambda: anyio.run(default_mode_session, binary,
                                                                         os.path.join(workdir, "session.db"), state)),
                          ("legacy session", lambda: anyio.run(legacy_session, binary,
                                                               os.path.join(workdir, "session.db"), state)),
                          ("billing session", lambda: anyio.run(billing_session, binary,
                                                                os.path.join(workdir, "billing.db"), workdir)),
                          ("assist session", lambda: anyio.run(assist_session, binary,
                                                               os.path.join(workdir, "assist.db"))),
                          ("change log session", lambda: anyio.run(changes_session, binary,
                                                                   os.path.join(workdir, "changes.db"))),
                          ("timers session", lambda: anyio.run(timers_session, binary,
                                                               os.path.join(workdir, "timers.db"))),
                          ("raw lines", lambda: raw_lines(binary, os.path.join(workdir, "raw.db")))]:
            try:
                run()
            except Exception as e:  # noqa: BLE001 - a crash is one failed check, then go on
                C.check(False, f"{name} ran to the end", "".join(traceback.format_exception(e))[-3000:])
        C.end_step()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
