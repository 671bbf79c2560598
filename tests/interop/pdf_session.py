#!/usr/bin/env python3
"""Interop check: PDF invoices through the official MCP Python SDK over stdio.

What it checks
  1. Settings for printing: business name (umlauts), tax id, payment details, paper size Letter;
     get_settings shows them, a paper size other than a4/letter is refused.
  2. A client with a Japanese name, a project at 95.50 EUR/h, two tracks, an invoice at 19 %
     marked sent (INV-...-0001).
  3. export_invoice_pdf: structuredContent (invoice id, number, bytes) and the PDF as an
     embedded resource (application/pdf, base64) that decodes to a file starting with %PDF-
     of the announced size; with `path`, the same bytes are written to a new file (mode 0600),
     and a second export to that path is refused; an unknown invoice is refused.
  4. When poppler-utils is installed: pdftotext finds the number, the euro sign, the umlauts
     and the Japanese client name; pdfinfo reports Letter paper.

How to run
  tests/interop/run.sh                  (sets up the venv, uses $STINT_BIN)
  python pdf_session.py BIN [WORKDIR]   (needs `mcp==2.3.0`; WORKDIR defaults to a temp dir)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import traceback

import anyio
from mcp import Client, StdioServerParameters

passed = 0
failed = 0


def check(cond: object, what: str, detail: object = "") -> bool:
    global passed, failed
    if cond:
        passed += 1
        return True
    failed += 1
    print(f"  FAIL: {what}" + (f"\n        {detail}" if detail != "" else ""), flush=True)
    return False


def done(step: str, failed_before: int) -> None:
    status = "ok" if failed == failed_before else f"FAILED {failed - failed_before}"
    print(f"[{status:>8}] {step}", flush=True)


def text_of(result) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)


async def ok(c: Client, tool: str, args: dict) -> dict:
    r = await c.call_tool(tool, args)
    good = check(not r.is_error and isinstance(r.structured_content, dict),
                 f"{tool} succeeds", f"args={args} -> {text_of(r)[:400]}")
    return r.structured_content if good else {}


async def refused(c: Client, tool: str, args: dict, needle: str) -> None:
    r = await c.call_tool(tool, args)
    msg = text_of(r)
    check(r.is_error, f"{tool} {args} is refused", msg[:300])
    check(needle.lower() in msg.lower(), f"{tool} refusal mentions {needle!r}", msg[:300])


def pdf_blob(result) -> tuple[bytes, str, str]:
    """The PDF of the embedded resource in a tool result: (bytes, mime type, uri)."""
    for block in result.content:
        res = getattr(block, "resource", None)
        blob = getattr(res, "blob", None) if res is not None else None
        if blob:
            mime = getattr(res, "mime_type", None) or getattr(res, "mimeType", None) or ""
            return base64.b64decode(blob), mime, str(getattr(res, "uri", ""))
    return b"", "", ""


async def session(binary: str, workdir: str) -> None:
    env = {"STINT_DB": os.path.join(workdir, "pdf.db"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
           "RUST_LOG": "warn"}
    async with Client(StdioServerParameters(command=binary, args=["mcp"], env=env)) as c:
        step, before = "settings for printing", failed
        s = await ok(c, "update_settings", {
            "timezone": "Europe/Berlin", "default_currency": "EUR",
            "business_name": "Jörg Müller Softwareentwicklung",
            "business_address": "Hauptstraße 5\n10115 Berlin",
            "business_tax_id": "DE123456789",
            "payment_details": "IBAN: DE89 3704 0044 0532 0130 00\nBIC: COBADEFFXXX",
            "paper_size": "Letter",
        })
        check(s.get("paper_size") == "letter", "paper_size is stored as letter", s)
        check(s.get("business_tax_id") == "DE123456789", "business_tax_id is shown", s)
        await refused(c, "update_settings", {"paper_size": "A5"}, "a4 or letter")
        done(step, before)

        step, before = "an issued invoice", failed
        await ok(c, "create_client", {"name": "東京商事株式会社", "currency": "EUR",
                                      "address": "1-2-3 Marunouchi\nTokyo"})
        await ok(c, "create_project", {"name": "Website", "client": "東京商事株式会社", "hourly_rate": "95.50"})
        for start, end, what in [("2026-03-02T09:00:00+01:00", "2026-03-02T12:30:00+01:00", "Änderungen am Layout"),
                                 ("2026-03-03T10:00:00+01:00", "2026-03-03T11:45:00+01:00", "設計レビュー")]:
            await ok(c, "create_track", {"start": start, "end": end, "project": "Website", "description": what})
        inv = (await ok(c, "create_invoice", {"client": "東京商事株式会社", "from": "2026-03-01",
                                              "to": "2026-03-31", "tax_rate_percent": "19"})).get("invoice", {})
        sent = (await ok(c, "mark_invoice_sent", {"invoice_id": inv.get("id")})).get("invoice", {})
        number = sent.get("number") or ""
        check(number.endswith("-0001"), "the invoice is numbered", number)
        done(step, before)

        step, before = "export_invoice_pdf", failed
        r = await c.call_tool("export_invoice_pdf", {"invoice_id": number})
        check(not r.is_error, "export_invoice_pdf succeeds", text_of(r)[:400])
        out = r.structured_content or {}
        check(out.get("number") == number and out.get("invoice_id") == inv.get("id"),
              "structuredContent names the invoice", out)
        pdf, mime, uri = pdf_blob(r)
        check(pdf.startswith(b"%PDF-"), "the embedded blob decodes to %PDF-", pdf[:20])
        check(mime == "application/pdf", "its mimeType is application/pdf", mime)
        check(uri.endswith(".pdf"), "its uri names a PDF", uri)
        check(out.get("bytes") == len(pdf), "bytes is the PDF's size", (out.get("bytes"), len(pdf)))
        target = os.path.join(workdir, "invoice.pdf")
        w = await ok(c, "export_invoice_pdf", {"invoice_id": number, "path": target})
        check(w.get("path") == os.path.realpath(target), "the absolute path is returned", w)
        check((w.get("embedded"), w.get("pages"), w.get("bytes")) == (False, 1, len(pdf)),
              "written to a file, the answer gives size and pages, not the PDF", w)
        written = open(target, "rb").read() if os.path.exists(target) else b""
        check(written == pdf, "the file holds the same PDF")
        if os.path.exists(target):
            check(stat.S_IMODE(os.stat(target).st_mode) == 0o600, "the file is mode 0600")
        await refused(c, "export_invoice_pdf", {"invoice_id": number, "path": target}, "already exists")
        await refused(c, "export_invoice_pdf", {"invoice_id": "INV-1999-9999"}, "no invoice")
        done(step, before)

        step, before = "the PDF read back", failed
        if shutil.which("pdftotext") and shutil.which("pdfinfo") and written:
            text = subprocess.run(["pdftotext", "-layout", target, "-"], capture_output=True, text=True).stdout
            for needle in [number, "€", "Jörg Müller", "Änderungen am Layout", "東京商事株式会社",
                           "設計レビュー", "Tax ID: DE123456789", "IBAN: DE89"]:
                check(needle in text, f"pdftotext finds {needle!r}", text[:2000])
            info = subprocess.run(["pdfinfo", target], capture_output=True, text=True).stdout
            check("612 x 792 pts (letter)" in info, "pdfinfo reports Letter paper", info)
            done(step, before)
        else:
            print(f"[skipped ] {step}: poppler-utils is not installed (scripts/setup-dev.sh)", flush=True)


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    binary = os.path.abspath(sys.argv[1])
    with tempfile.TemporaryDirectory(prefix="stint-interop-pdf-") as tmp:
        workdir = sys.argv[2] if len(sys.argv) > 2 else tmp
        try:
            anyio.run(session, binary, workdir)
        except Exception as e:  # noqa: BLE001 - a crash is one failed check
            check(False, "the PDF session ran to the end", "".join(traceback.format_exception(e))[-3000:])
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
