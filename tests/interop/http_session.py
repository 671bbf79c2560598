#!/usr/bin/env python3
"""Interop check: drive `stint serve` (MCP over HTTP at /api/mcp) with the official MCP Python SDK
and with plain HTTP requests.

What it checks
  1. Start-up: a fresh database with three tokens made by `stint token create` (reader: read;
     writer: write; admin: admin + sensitive); `stint serve --port 0` prints the address it bound;
     /health answers {"status": "ok", version, schema_version}.
  2. Authentication: no token, a wrong token and a malformed Authorization header get 401 with
     `WWW-Authenticate: Bearer`; the SDK client without a token fails to connect; Host and Origin
     headers of another site get 403 (DNS rebinding); a body over 1 MiB gets 413.
  3. SDK sessions with `Authorization: Bearer` (an httpx2.AsyncClient with headers, passed to
     `streamable_http_client`): default mode (2026-07-28 discovery) and mode="legacy"
     (initialize, 2025-11-25); serverInfo; tools/list per scope: admin sees the whole catalogue,
     write sees no admin tool, read sees no tool that needs write or admin.
  4. Tool calls: the admin token sets up a client with contact details, a project and a tag; the
     writer logs tracks and runs a timer; the reader lists and reads them back; a write with the
     reader token and an admin-only call with the writer token are isError results naming the
     scope they need, and change nothing; an export to a file is refused for every token.
  5. Redaction: a token without --sensitive sees "[redacted]" for the client's email, phone,
     address and tax id (get_client, list_clients, get_invoice, the invoice CSV); the sensitive
     admin token sees the real values.
  6. Plain JSON-RPC POST (no initialize) with a token; the audit_log holds one row per successful
     write with frontend mcp-http and the token's name, and none for refused calls.
  7. A token created while the server runs works at once; once revoked it gets 401.
  8. A database without any active token: `stint serve` refuses to start and says how to create
     one; `stint serve --no-token` is refused on 0.0.0.0; on loopback it starts with a warning,
     the SDK connects without a header and sees the read and write tools only, an admin tool
     and a file-writing export are refused, contact details are redacted, and writes are
     audited with no token name.

How to run
  tests/interop/run.sh                       (sets up the venv, uses $STINT_BIN)
  python http_session.py BIN [WORKDIR]       (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import sqlite3
import subprocess
import sys
import tempfile
import threading
import traceback
from datetime import datetime, timedelta, timezone
import urllib.error
import urllib.request
from typing import Any

import anyio
import httpx2
from mcp import Client, MCPError
from mcp.client.streamable_http import streamable_http_client

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
# docs/rules.md, "HTTP front end": admin adds deletes, invoice state changes and settings.
ADMIN_TOOLS = {"delete_track", "delete_project", "delete_tag", "delete_client", "delete_invoice",
               "mark_invoice_sent", "mark_invoice_paid", "void_invoice", "update_settings",
               "delete_task", "delete_expense"}
WRITE_TOOLS = {"start_timer", "continue_timer", "stop_timer", "create_track", "update_track", "create_project",
               "update_project", "create_tag", "update_tag", "create_client", "update_client",
               "create_invoice", "update_invoice", "undo_change", "create_task", "update_task",
               "create_expense", "update_expense", "sync"}
READ_TOOLS = set(EXPECTED_TOOLS) - ADMIN_TOOLS - WRITE_TOOLS
CONTACT = {"email": "billing@acme.test", "phone": "+49 30 1234567",
           "address": "Hauptstr. 1, 10115 Berlin", "tax_id": "DE123456789"}
REDACTED = "[redacted]"


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
    C.check(r.is_error, f"{tool} {args} is refused with isError", f"got: {msg[:400]}")
    for n in needles:
        C.check(n.lower() in msg.lower(), f"{tool} refusal mentions {n!r}", f"message: {msg}")
    return msg


# ----- the server ----------------------------------------------------------------------------

class Server:
    """`stint serve --port 0` on a database; its stderr is collected in the background."""

    ADDRESS = re.compile(r"serving MCP at (http://[^\s]+/api/mcp)")

    def __init__(self, binary: str, db: str, extra: tuple[str, ...] = ()) -> None:
        env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "warn"}
        self.proc = subprocess.Popen([binary, "serve", "--host", "127.0.0.1", "--port", "0", *extra],
                                     env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, text=True)
        self.stderr: list[str] = []
        self.url: str | None = None
        self._ready = threading.Event()
        threading.Thread(target=self._drain, daemon=True).start()
        if not self._ready.wait(20) or not self.url:
            self.stop()
            raise RuntimeError(f"stint serve printed no address; stderr: {''.join(self.stderr)[-2000:]}")
        self.base = self.url.rsplit("/api/mcp", 1)[0]

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


def make_token(binary: str, db: str, name: str, scope: str, sensitive: bool = False) -> str:
    args = [binary, "token", "create", "--name", name, "--scope", scope] + (["--sensitive"] if sensitive else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=30,
                       env={"STINT_DB": db, "PATH": os.environ.get("PATH", "")})
    lines = p.stdout.splitlines()
    C.check(p.returncode == 0 and len(lines) == 1 and lines[0].strip(),
            f"`stint token create --scope {scope}` prints one secret line", f"rc={p.returncode} {p.stdout!r} {p.stderr!r}")
    return lines[0].strip() if lines else ""


def http(method: str, url: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    """One HTTP request with urllib; returns (status, headers, body) for any status."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, {k.lower(): v for k, v in r.headers.items()}, r.read()
    except urllib.error.HTTPError as e:
        return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()


def rpc_body(id_: Any, tool: str, args: dict) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": "tools/call",
                       "params": {"name": tool, "arguments": args}}).encode()


def bearer(secret: str | None) -> dict:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


def client(url: str, secret: str | None, mode: str = "auto"):
    """An SDK client for `url` that sends `Authorization: Bearer <secret>` on every request.

    `Client(url)` builds its own HTTP client without headers; for a bearer token the SDK wants
    an httpx2.AsyncClient with the headers, given to `streamable_http_client(url, http_client=)`.
    The caller closes the httpx2 client (the transport does not own it)."""
    http_client = httpx2.AsyncClient(headers=bearer(secret), timeout=httpx2.Timeout(30, read=60))
    return http_client, Client(streamable_http_client(url, http_client=http_client), mode=mode)


async def list_all_tools(c: Client) -> dict:
    listing = await c.list_tools()
    tools = list(listing.tools)
    cursor = listing.next_cursor
    while cursor:
        page = await c.list_tools(cursor=cursor)
        tools += page.tools
        cursor = page.next_cursor
    return {t.name: t for t in tools}


def audit_rows(db: str) -> list[tuple]:
    con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10)
    try:
        return con.execute("SELECT frontend, token_name, operation FROM audit_log ORDER BY id").fetchall()
    finally:
        con.close()


# ----- steps ---------------------------------------------------------------------------------

def plain_http_checks(srv: Server, tokens: dict) -> None:
    C.step("/health, 401 without a valid token, Host/Origin checks, body limit")
    status, _, body = http("GET", srv.base + "/health")
    health = json.loads(body or b"{}")
    C.equal((status, health.get("status")), (200, "ok"), "/health answers 200 status ok")
    C.check(isinstance(health.get("schema_version"), int) and health.get("version"), "/health has version and schema_version", health)

    call = rpc_body(1, "list_running_timers", {})
    ctype = {"Content-Type": "application/json"}
    for what, headers in [("no Authorization header", {}),
                          ("a wrong token", bearer("stint_not-a-real-secret")),
                          ("a Basic Authorization header", {"Authorization": "Basic dXNlcjpwYXNz"}),
                          ("an empty bearer", {"Authorization": "Bearer "})]:
        status, hdrs, body = http("POST", srv.url, call, {**ctype, **headers})
        C.equal(status, 401, f"{what} gets 401")
        C.check(hdrs.get("www-authenticate", "").startswith("Bearer"), f"{what}: 401 carries WWW-Authenticate: Bearer", hdrs)
        C.check(b"token" in body, f"{what}: the 401 body says how to get a token", body[:200])
    status, _, _ = http("GET", srv.url, None, {"Accept": "text/event-stream"})
    C.equal(status, 401, "GET /api/mcp without a token gets 401")

    status, _, body = http("POST", srv.url, call, {**ctype, **bearer(tokens["reader"])})
    answer = json.loads(body or b"{}")
    C.equal(status, 200, "a plain JSON-RPC POST with the reader token gets 200")
    C.check(answer.get("result", {}).get("structuredContent", {}).get("count") == 0,
            "and it is answered (no initialize needed)", answer)

    auth = {**ctype, **bearer(tokens["admin"])}
    status, _, _ = http("POST", srv.url, call, {**auth, "Origin": "http://evil.example"})
    C.equal(status, 403, "a foreign Origin gets 403 (DNS rebinding)")
    status, _, _ = http("POST", srv.url, call, {**auth, "Host": "evil.example"})
    C.equal(status, 403, "a foreign Host gets 403 (DNS rebinding)")
    port = srv.base.rsplit(":", 1)[1]
    status, _, _ = http("POST", srv.url, call, {**auth, "Origin": f"http://localhost:{port}"})
    C.equal(status, 200, "a loopback Origin is accepted")
    big = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "create_tag", "arguments": {"name": "x" * (1 << 20)}}}).encode()
    status, _, _ = http("POST", srv.url, big, auth)
    C.equal(status, 413, "a body over 1 MiB gets 413")
    status, _, body = http("POST", srv.url, b'{"jsonrpc": "2.0", "id": 1, "method": ', auth)
    C.equal(json.loads(body or b"{}").get("error", {}).get("code"), -32700, "malformed JSON gets -32700")
    status, _, body = http("POST", srv.url, b'[' + call + b']', auth)
    C.equal((status, json.loads(body or b"{}").get("error", {}).get("code")), (400, -32600),
            "a batch array gets a JSON-RPC -32600 error")
    status, _, _ = http("POST", srv.url, call, {**ctype, "Authorization": f"BEARER {tokens['reader']}"})
    C.equal(status, 200, "the Bearer scheme is case-insensitive")
    status, _, _ = http("POST", srv.url, call, {**auth, "Host": f"user@localhost:{port}"})
    C.equal(status, 400, "a Host with userinfo gets 400")


async def sdk_without_token(srv: Server) -> None:
    C.step("SDK client without a token cannot connect")
    http_client, c = client(srv.url, None)
    async with http_client:
        try:
            async with c:
                await c.list_tools()
            C.check(False, "connecting without a token fails")
        except BaseException as e:  # noqa: BLE001 - the SDK raises an ExceptionGroup around MCPError
            flat = [e]
            while flat and isinstance(flat[-1], BaseExceptionGroup):
                flat = list(flat[-1].exceptions)
            C.check(any(isinstance(x, MCPError) for x in flat) or isinstance(e, MCPError),
                    "connecting without a token fails with MCPError", repr(e)[:400])


async def scoped_tool_lists(srv: Server, tokens: dict) -> None:
    C.step("tools/list per scope over the SDK (default mode and legacy)")
    for mode, want_version in [("auto", "2026-07-28"), ("legacy", "2025-11-25")]:
        http_client, c = client(srv.url, tokens["admin"], mode)
        async with http_client, c:
            C.check(c.server_info is not None and c.server_info.name == "stint",
                    f"{mode}: serverInfo.name is 'stint'", c.server_info)
            C.equal(c.protocol_version, want_version, f"{mode}: protocol version")
            tools = await list_all_tools(c)
            missing = [n for n in EXPECTED_TOOLS if n not in tools]
            C.check(not missing, f"{mode}: the admin token lists all {len(EXPECTED_TOOLS)} tools", f"missing: {missing}")
            s = await ok(c, "get_settings", {})
            C.check(isinstance(s.get("timezone"), str), f"{mode}: get_settings answers", s)
        print(f"           {mode}: protocol {want_version}, {len(tools)} tools for admin")

    for name, allowed in [("writer", READ_TOOLS | WRITE_TOOLS), ("reader", READ_TOOLS)]:
        http_client, c = client(srv.url, tokens[name])
        async with http_client, c:
            tools = await list_all_tools(c)
        names = set(tools)
        C.equal(sorted(names), sorted(allowed), f"the {name} token lists exactly the tools of its scope")
        C.check(not (names & ADMIN_TOOLS), f"the {name} token sees no admin tool", sorted(names & ADMIN_TOOLS))
        if name == "reader":
            C.check(not (names & WRITE_TOOLS), "the reader token sees no write tool", sorted(names & WRITE_TOOLS))
            # The exports are readOnlyHint=false because on stdio they can write a file (`path`);
            # over HTTP no caller may name a path, so a reader only gets the CSV text or the PDF.
            not_ro = sorted(n for n, t in tools.items() if not (t.annotations and t.annotations.read_only_hint))
            C.check(set(not_ro) <= {"export_invoice_csv", "export_invoice_pdf"},
                    "every tool the reader sees is readOnlyHint (the exports aside)", not_ro)
        print(f"           {name}: {len(names)} tools")


async def calls_scopes_redaction(srv: Server, tokens: dict, db: str, state: dict) -> None:
    admin_http, admin = client(srv.url, tokens["admin"])
    writer_http, writer = client(srv.url, tokens["writer"])
    reader_http, reader = client(srv.url, tokens["reader"])
    async with admin_http, writer_http, reader_http, admin, writer, reader:
        C.step("tool calls: admin sets up, writer writes, reader reads")
        acme = (await ok(admin, "create_client", {"name": "Acme", "currency": "EUR", "hourly_rate": 100,
                                                  **CONTACT})).get("client", {})
        C.equal({k: acme.get(k) for k in CONTACT}, CONTACT, "the sensitive admin token sees the contact details it set")
        web = (await ok(admin, "create_project", {"name": "Website", "client": "Acme"})).get("project", {})
        C.equal(web.get("client_id"), acme.get("id"), "project Website belongs to Acme")
        await ok(admin, "create_tag", {"name": "design"})
        ids = []
        for day in range(1, 6):
            t = (await ok(writer, "create_track", {"project": "Website", "tags": ["design"], "description": f"http {day}",
                                                   "start": f"2026-10-0{day}T09:00:00Z", "duration": "1h30m"})).get("track", {})
            ids.append(t.get("id"))
            C.equal((t.get("duration_seconds"), t.get("project_id")), (5400, web.get("id")), f"track {day}: 1h30m on Website")
        ten_minutes_ago = (datetime.now(timezone.utc) - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        started = (await ok(writer, "start_timer", {"description": "http timer", "project": "Website",
                                                    "start": ten_minutes_ago})).get("track", {})
        C.check(started.get("running") is True, "the writer starts a timer", started)
        running = await ok(reader, "list_running_timers", {})
        C.equal([t.get("id") for t in running.get("timers", [])], [started.get("id")], "the reader sees the running timer")
        stopped = (await ok(writer, "stop_timer", {})).get("track", {})
        C.equal((stopped.get("id"), stopped.get("running")), (started.get("id"), False), "the writer stops it")
        upd = (await ok(writer, "update_track", {"track_id": ids[0], "description": "http 1 (edited)"})).get("track", {})
        C.equal(upd.get("description"), "http 1 (edited)", "the writer updates a track")
        listed = await ok(reader, "list_tracks", {"project": "Website", "limit": 100})
        C.equal(sorted(t.get("id") for t in listed.get("tracks", [])), sorted(ids + [started.get("id")]),
                "the reader lists every track")
        got = (await ok(reader, "get_track", {"track_id": ids[0]})).get("track", {})
        C.equal(got.get("description"), "http 1 (edited)", "the reader reads the edit back")
        summary = await ok(reader, "time_summary", {"from": "2026-10-01", "to": "2026-10-31", "group_by": ["project"]})
        C.equal(summary.get("totals", {}).get("duration_seconds"), 5 * 5400, "time_summary over HTTP: 5 x 1h30m")
        state.update(acme=acme.get("id"), ids=ids)

        C.step("scope errors: the reader cannot write, the writer cannot delete")
        before = audit_rows(db)
        await refused(reader, "create_track", {"start": "2026-10-09T09:00:00Z", "duration": "1h"}, "scope", "write")
        await refused(reader, "start_timer", {}, "scope", "write")
        await refused(reader, "update_client", {"client": "Acme", "email": "x@y.test"}, "scope", "write")
        await refused(writer, "delete_track", {"track_id": ids[1]}, "scope", "admin")
        await refused(writer, "update_settings", {"timezone": "Europe/Berlin"}, "scope", "admin")
        await refused(writer, "export_invoice_csv", {"invoice_id": 1, "path": os.path.join(os.path.dirname(db), "x.csv")},
                      "cannot write files")
        C.equal(audit_rows(db), before, "refused calls add no audit row")
        still = await ok(reader, "list_tracks", {"limit": 100})
        C.equal(len(still.get("tracks", [])), 6, "refused calls changed no track")
        s = await ok(reader, "get_settings", {})
        C.check(s.get("timezone") != "Europe/Berlin", "refused update_settings changed nothing", s)

        C.step("redaction of client contact details for non-sensitive tokens")
        for who, c in [("reader", reader), ("writer", writer)]:
            got = (await ok(c, "get_client", {"client": "Acme"})).get("client", {})
            C.equal({k: got.get(k) for k in CONTACT}, {k: REDACTED for k in CONTACT}, f"get_client for the {who}: contacts redacted")
            C.equal(got.get("name"), "Acme", f"get_client for the {who}: the name is not redacted")
            listed = (await ok(c, "list_clients", {})).get("clients", [])
            C.check(listed and all(cl.get(k) == REDACTED for cl in listed for k in CONTACT),
                    f"list_clients for the {who}: contacts redacted", listed)
        got = (await ok(admin, "get_client", {"client": "Acme"})).get("client", {})
        C.equal({k: got.get(k) for k in CONTACT}, CONTACT, "get_client for the sensitive admin: real values")
        upd = (await ok(writer, "update_client", {"client": "Acme", "notes": "key account"})).get("client", {})
        C.equal(upd.get("email"), REDACTED, "update_client's answer to the writer is redacted too")
        got = (await ok(admin, "get_client", {"client": "Acme"})).get("client", {})
        C.equal(got.get("email"), CONTACT["email"], "a writer's update does not store the redaction marker")
        inv = (await ok(writer, "create_invoice", {"client": "Acme", "from": "2026-10-01", "to": "2026-10-31"})).get("invoice", {})
        C.check(inv.get("id"), "the writer creates an invoice", inv)
        for who, c, want in [("reader", reader, REDACTED), ("admin", admin, CONTACT["email"])]:
            got = (await ok(c, "get_invoice", {"invoice_id": inv.get("id")})).get("invoice", {})
            C.equal(got.get("client_email"), want, f"get_invoice for the {who}: client_email {want}")
        for who, c, want in [("reader", reader, REDACTED), ("admin", admin, CONTACT["tax_id"])]:
            text = (await ok(c, "export_invoice_csv", {"invoice_id": inv.get("id")})).get("csv", "")
            rows = list(csv.DictReader(io.StringIO(text)))
            taxes = {r.get("client_tax_id") for r in rows}
            C.check(rows and taxes == {want}, f"export_invoice_csv for the {who}: client_tax_id is {want}", taxes)
            C.check(who == "admin" or not any(v in text for v in CONTACT.values()),
                    f"the {who}'s CSV holds no contact detail", text[:300])
        path = os.path.join(os.path.dirname(db), "admin-export.csv")
        await refused(admin, "export_invoice_csv", {"invoice_id": inv.get("id"), "path": path}, "cannot write files")
        C.check(not os.path.exists(path), "no HTTP caller, not even an admin token, makes the server write a file")
        deleted = await ok(admin, "delete_invoice", {"invoice_id": inv.get("id")})
        C.check(deleted, "the admin token deletes the draft invoice")
        await ok(admin, "delete_track", {"track_id": ids[-1]})
        await refused(reader, "get_track", {"track_id": ids[-1]}, str(ids[-1]))


def audit_checks(srv: Server, tokens: dict, db: str) -> None:
    C.step("plain JSON-RPC POST writes; audit_log has mcp-http rows with the token names")
    auth = {"Content-Type": "application/json", **bearer(tokens["writer"])}
    status, _, body = http("POST", srv.url, rpc_body(7, "create_track", {"start": "2026-10-08T09:00:00Z",
                                                                         "duration": "45m", "description": "plain"}), auth)
    answer = json.loads(body or b"{}")
    C.check(status == 200 and answer.get("id") == 7 and not answer.get("result", {}).get("isError"),
            "a plain JSON-RPC create_track with the writer token succeeds", answer)
    rows = [r for r in audit_rows(db) if r[0] != "cli"]
    C.check(all(r[0] == "mcp-http" for r in rows), "every non-CLI audit row is frontend mcp-http", rows)
    by_token: dict[str, list[str]] = {}
    for _, token, op in rows:
        by_token.setdefault(token, []).append(op)
    # Exports are audited too (one row per CSV handed out, even as content); refused calls write none.
    want = {
        "admin": ["create_client", "create_project", "create_tag", "delete_invoice", "delete_track",
                  "export_invoice_csv"],
        "reader": ["export_invoice_csv"],
        "writer": ["create_invoice"] + ["create_track"] * 6 + ["start_timer", "stop_timer", "update_client", "update_track"],
    }
    C.equal({k: sorted(v) for k, v in by_token.items()}, want,
            "one audit row per successful write or export, by token name")
    cli = [r for r in audit_rows(db) if r[0] == "cli"]
    C.equal(sorted(r[2] for r in cli), ["create_token"] * 3, "the CLI's token creations are audited as cli")


def revocation(binary: str, srv: Server, db: str) -> None:
    C.step("a revoked token gets 401 at once (server still running)")
    secret = make_token(binary, db, "temporary", "read")
    call, ctype = rpc_body(1, "list_running_timers", {}), {"Content-Type": "application/json"}
    status, _, _ = http("POST", srv.url, call, {**ctype, **bearer(secret)})
    C.equal(status, 200, "the new token works without restarting the server")
    p = subprocess.run([binary, "token", "revoke", "temporary"], capture_output=True, text=True, timeout=30,
                       env={"STINT_DB": db, "PATH": os.environ.get("PATH", "")})
    C.equal(p.returncode, 0, "`stint token revoke temporary` exits 0")
    status, _, _ = http("POST", srv.url, call, {**ctype, **bearer(secret)})
    C.equal(status, 401, "the revoked token gets 401")


async def open_loopback(binary: str, workdir: str) -> None:
    C.step("no active token: serve refuses; --no-token serves loopback with scope write, redacted")
    db = os.path.join(workdir, "open.db")
    env = {"STINT_DB": db, "PATH": os.environ.get("PATH", "")}
    p = subprocess.run([binary, "serve", "--host", "127.0.0.1", "--port", "0"], capture_output=True,
                       text=True, timeout=30, env=env)
    C.check(p.returncode != 0 and "stint token create --name NAME --scope" in p.stderr,
            "`stint serve` without a token refuses to start and says how to create one", p.stderr[-500:])
    p = subprocess.run([binary, "serve", "--no-token", "--host", "0.0.0.0", "--port", "0"],
                       capture_output=True, text=True, timeout=30, env=env)
    C.check(p.returncode != 0 and "--no-token" in p.stderr, "--no-token is refused on 0.0.0.0", p.stderr[-500:])
    srv = Server(binary, db, ("--no-token",))
    target = os.path.join(workdir, "written-by-http.csv")
    try:
        http_client, c = client(srv.url, None)
        async with http_client, c:
            tools = await list_all_tools(c)
            C.equal(sorted(tools), sorted(READ_TOOLS | WRITE_TOOLS), "read and write tools are listed without a token")
            t = (await ok(c, "create_track", {"start": "2026-10-01T09:00:00Z", "duration": "1h"})).get("track", {})
            C.equal(t.get("duration_seconds"), 3600, "a write works without a token")
            await refused(c, "update_settings", {"timezone": "UTC"}, "needs scope admin")
            await ok(c, "create_client", {"name": "Acme", "email": "ap@acme.example", "tax_id": "DE1"})
            got = (await ok(c, "get_client", {"client": "Acme"})).get("client", {})
            C.equal((got.get("email"), got.get("tax_id")), ("[redacted]", "[redacted]"), "contact details are redacted")
            await ok(c, "create_project", {"name": "Web", "client": "Acme", "hourly_rate": 100})
            await ok(c, "create_track", {"project": "Web", "start": "2026-10-02T09:00:00Z", "duration": "1h"})
            inv = (await ok(c, "create_invoice", {"client": "Acme", "from": "2026-10-01", "to": "2026-10-31"})).get("invoice", {})
            await refused(c, "export_invoice_csv", {"invoice_id": inv.get("id", 1), "path": target}, "cannot write files")
        C.check(not os.path.exists(target), "no file was written over HTTP")
        log = "".join(srv.stderr)
        C.check("--no-token" in log, "serve warns on stderr that it runs without tokens", log[-500:])
    finally:
        C.equal(srv.stop(), 0, "the tokenless server stops with exit code 0")
    rows = [r for r in audit_rows(db) if r[2] == "create_track"]
    C.equal(rows, [("mcp-http", None, "create_track")] * 2, "the writes are audited as mcp-http with no token name")


# ----- main ----------------------------------------------------------------------------------

def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-http-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        db = os.path.join(workdir, "http.db")
        C.step("start-up: tokens, `stint serve --port 0`")
        tokens = {"reader": make_token(binary, db, "reader", "read"),
                  "writer": make_token(binary, db, "writer", "write"),
                  "admin": make_token(binary, db, "admin", "admin", sensitive=True)}
        C.check(len(set(tokens.values())) == 3, "three distinct secrets")
        try:
            srv = Server(binary, db)
        except Exception as e:  # noqa: BLE001
            C.check(False, "stint serve starts", e)
            C.end_step()
            print(f"{C.passed} passed, {C.failed} failed")
            return 1
        C.check(srv.url and srv.url.startswith("http://127.0.0.1:"), "serve prints its address on stderr", srv.url)
        print(f"           {srv.url}")
        state: dict = {}
        try:
            for name, run in [("plain HTTP checks", lambda: plain_http_checks(srv, tokens)),
                              ("SDK without token", lambda: anyio.run(sdk_without_token, srv)),
                              ("tool lists", lambda: anyio.run(scoped_tool_lists, srv, tokens)),
                              ("calls", lambda: anyio.run(calls_scopes_redaction, srv, tokens, db, state)),
                              ("audit", lambda: audit_checks(srv, tokens, db)),
                              ("revocation", lambda: revocation(binary, srv, db)),
                              ("open loopback", lambda: anyio.run(open_loopback, binary, workdir))]:
                try:
                    run()
                except Exception as e:  # noqa: BLE001 - a crash is one failed check, then go on
                    C.check(False, f"{name} ran to the end", "".join(traceback.format_exception(e))[-3000:])
            C.step("shutdown")
            C.check(srv.proc.poll() is None, "the server is still running after all checks")
        finally:
            rc = srv.stop()
        C.equal(rc, 0, "SIGTERM stops the server with exit code 0")
        log = "".join(srv.stderr)
        C.check("database is locked" not in log and "panicked" not in log, "no lock error or panic on stderr", log[-2000:])
        C.end_step()
    print(f"{C.passed} passed, {C.failed} failed")
    return 0 if C.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
