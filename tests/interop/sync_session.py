#!/usr/bin/env python3
"""Sync check: two `stint mcp` processes on two databases, driven by the official Python SDK,
converge through a shared folder with the `sync` tool.

Device A logs work and syncs first (it joins and becomes the billing device); device B, an
empty database, syncs and receives it. Then both work offline: A edits a track's description,
B marks the same track billable and creates a project with the name A also creates; each
syncs twice; then both are started again and sync on their own. Checks: the sync tool answers
with structuredContent; B received A's tracks; both edits survive on both devices; the two
same-named projects became one with a decision reported; B's list_changes shows the applied
changes; B cannot issue an invoice number (only the billing device may); the tracks and
projects listed on both devices are identical; restarted, a project made on A reaches B with
no sync call (auto-sync, STINT_SYNC_INTERVAL=1).

How to run
  tests/interop/run.sh                 (runs it after the other scripts)
  python sync_session.py BIN [WORKDIR]
Ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile

from mcp import Client, StdioServerParameters


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


C = Checks()


def text_of(r) -> str:
    return " ".join(getattr(c, "text", "") for c in r.content)


async def ok(c: Client, tool: str, args: dict) -> dict:
    r = await c.call_tool(tool, args)
    good = C.check(not r.is_error and isinstance(r.structured_content, dict),
                   f"{tool} succeeds", f"args={args} -> {text_of(r)[:400]}")
    return r.structured_content if good else {}


def params(binary: str, db: str, interval: str = "30") -> StdioServerParameters:
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn",
           "TZ": "UTC", "STINT_SYNC_INTERVAL": interval}
    return StdioServerParameters(command=binary, args=["mcp"], env=env)


async def listed(c: Client) -> tuple[list, list]:
    tracks = (await ok(c, "list_tracks", {"limit": 500})).get("tracks", [])
    projects = (await ok(c, "list_projects", {"limit": 500, "include_archived": True})).get("projects", [])
    strip = lambda xs: sorted(json.dumps(x, sort_keys=True) for x in xs)
    return strip(tracks), strip(projects)


async def main(binary: str, work: str) -> None:
    folder = os.path.join(work, "folder")
    async with Client(params(binary, os.path.join(work, "a.db"))) as a, \
            Client(params(binary, os.path.join(work, "b.db"))) as b:
        t = await ok(a, "create_track", {"description": "design", "start": "2026-11-20T09:00:00Z",
                                         "end": "2026-11-20T10:00:00Z"})
        ra = await ok(a, "sync", {"folder": folder})
        C.check("sent" in ra and "applied" in ra and "notes" in ra, "sync answers sent, applied, notes", ra)
        rb = await ok(b, "sync", {"folder": folder})
        C.check(any("from" in x for x in rb.get("applied", [])), "the empty device receives", rb)
        tracks_b = (await ok(b, "list_tracks", {})).get("tracks", [])
        C.check(len(tracks_b) == 1 and tracks_b[0].get("description") == "design",
                "B has A's track", tracks_b)
        tid = tracks_b[0]["id"] if tracks_b else t.get("track", {}).get("id")
        # Offline on both.
        await ok(a, "update_track", {"track_id": tid, "description": "design review"})
        await ok(b, "update_track", {"track_id": tid, "billable": True})
        await ok(a, "create_project", {"name": "Website"})
        await ok(b, "create_project", {"name": "website"})
        notes = []
        for _ in range(2):
            notes += (await ok(a, "sync", {})).get("notes", [])
            notes += (await ok(b, "sync", {})).get("notes", [])
        C.check(any("merged" in n for n in notes), "the same-named projects merged, with a notice", notes)
        for name, c in (("A", a), ("B", b)):
            tr = (await ok(c, "get_track", {"track_id": tid})).get("track", {})
            C.check(tr.get("description") == "design review" and tr.get("billable") is True,
                    f"both edits survive on {name}", tr)
        la, lb = await listed(a), await listed(b)
        C.check(la == lb, "A and B list the same tracks and projects", f"{la}\n{lb}")
        C.check(len(la[1]) == 1, "one project left", la[1])
        changes = (await ok(b, "list_changes", {"limit": 20})).get("changes", [])
        C.check(any(ch.get("frontend") == "sync" or "from " in ch.get("summary", "") for ch in changes),
                "list_changes on B shows the applied changes", changes[:3])
        inv = await ok(b, "create_invoice", {"from": "2026-11-01", "to": "2026-11-30"})
        if inv.get("invoice", inv).get("id") is not None:
            r = await b.call_tool("mark_invoice_sent", {"invoice_id": str(inv.get("invoice", inv).get("id"))})
            C.check(r.is_error and "billing device" in text_of(r), "B may not issue invoice numbers", text_of(r))
    # Once a database syncs through a folder, `stint mcp` syncs it on its own: a project made
    # on A reaches B with nobody calling the sync tool.
    async with Client(params(binary, os.path.join(work, "a.db"), "1")) as a, \
            Client(params(binary, os.path.join(work, "b.db"), "1")) as b:
        await ok(a, "create_project", {"name": "Made while both run"})
        seen = False
        # Polled without counting each answer, so the run's total does not depend on timing.
        for _ in range(60):
            r = await b.call_tool("list_projects", {"limit": 500})
            projects = (r.structured_content or {}).get("projects", []) if not r.is_error else []
            names = [p.get("name") for p in projects]
            if "Made while both run" in names:
                seen = True
                break
            await asyncio.sleep(0.5)
        C.check(seen, "auto-sync: B receives A's new project without a sync call (within 30 s)")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        print(__doc__)
        sys.exit(2)
    work = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp()
    os.makedirs(work, exist_ok=True)
    asyncio.run(main(sys.argv[1], work))
    print(f"{C.passed} passed, {C.failed} failed")
    sys.exit(1 if C.failed else 0)
