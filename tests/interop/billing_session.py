"""Interop check of billing through the official MCP Python SDK (mcp==2.3.0) over stdio.

What it checks, against the release binary on a throw-away database:
  1. The money rule: six 10-minute tracks at 100 EUR/h are 100.00 in time_summary,
     unbilled_summary and on a per-track invoice (lines of 0.1667 h adding up to 100.00).
  2. Expenses: create_expense (amount as a string and as a number; too many decimals refused),
     list_expenses, update_expense, delete_expense; a billable expense shows in unbilled work.
  3. Two tax rates and a discount: time at 19 %, a train ticket at 7 %, 10 % off before tax;
     the tax summary per rate, subtotal - discount + tax = total; an invoiced expense cannot be
     changed; the CSV carries each line's rate and a Tax row per rate.
  4. Outstanding and overdue: an invoice sent with an issue date long ago is outstanding and
     overdue; mark_invoice_paid with paid_on before the issue date is refused, then accepted;
     it leaves both lists. A voided invoice still lists the tracks and expense it billed.

How to run
  tests/interop/run.sh                      (sets up the venv, uses $STINT_BIN)
  python billing_session.py BIN [WORKDIR]   (needs `mcp==2.3.0`)

Prints one line per step and ends with "N passed, M failed"; exits 1 when anything failed.
"""

from __future__ import annotations

import csv
import io
import os
import sys
import tempfile
from decimal import Decimal

import anyio
from mcp import Client, StdioServerParameters

from checks import Checks, text_of


C = Checks()



async def ok(client: Client, tool: str, args: dict) -> dict:
    r = await client.call_tool(tool, args)
    good = C.check(not r.is_error and isinstance(r.structured_content, dict),
                   f"{tool} succeeds", f"args={args} -> {text_of(r)[:400]}")
    return r.structured_content if good else {}


async def refused(client: Client, tool: str, args: dict, *needles: str) -> None:
    r = await client.call_tool(tool, args)
    msg = text_of(r)
    C.check(r.is_error, f"{tool} {args} is refused", msg[:300])
    for n in needles:
        C.check(n.lower() in msg.lower(), f"{tool} refusal mentions {n!r}", msg)


def dec(v) -> Decimal:
    return Decimal(str(v)) if v is not None else Decimal("NaN")


def amount(figures: dict, key: str = "amounts") -> Decimal:
    return sum((dec(a["amount"]) for a in figures.get(key, []) if a.get("currency") == "EUR"), Decimal(0))


async def run(binary: str, workdir: str) -> None:
    env = {"STINT_DB": os.path.join(workdir, "billing.db"), "PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    params = StdioServerParameters(command=binary, args=["mcp"], env=env)
    async with Client(params) as c:
        C.step("money rule: six 10-minute tracks at 100 EUR/h are 100.00 everywhere")
        await ok(c, "update_settings", {"timezone": "Europe/Berlin", "default_currency": "EUR",
                                        "rounding": {"mode": "none", "increment_minutes": 15, "scope": "entry"}})
        await ok(c, "create_client", {"name": "Acme", "currency": "EUR"})
        await ok(c, "create_project", {"name": "Web", "client": "Acme", "hourly_rate": 100})
        for i in range(6):
            await ok(c, "create_track", {"start": f"2026-09-01 09:{i * 10:02d}", "duration": "10m",
                                         "project": "Web", "billable": True})
        summary = await ok(c, "time_summary", {"from": "2026-09-01", "to": "2026-09-30", "group_by": ["project"]})
        C.equal(amount(summary.get("totals", {})), Decimal("100.00"), "time_summary says 100.00")
        unbilled = await ok(c, "unbilled_summary", {"from": "2026-09-01", "to": "2026-09-30"})
        C.equal(amount(unbilled.get("totals", {})), Decimal("100.00"), "unbilled_summary says 100.00")
        dry = (await ok(c, "create_invoice", {"client": "Acme", "from": "2026-09-01", "to": "2026-09-30",
                                              "dry_run": True})).get("invoice", {})
        lines = dry.get("lines", [])
        C.equal([dec(line.get("quantity_hours")) for line in lines], [Decimal("0.1667")] * 6, "0.1667 h a line")
        C.equal(sum((dec(line.get("amount")) for line in lines), Decimal(0)), Decimal("100.00"), "lines add up to 100.00")
        C.equal(dec(dry.get("subtotal")), Decimal("100.00"), "the per-track invoice says 100.00")

        C.step("expenses: create, list, update, delete")
        train = (await ok(c, "create_expense", {"project": "Web", "date": "2026-10-03", "amount": "50.00",
                                                "description": "Train", "tax_rate_percent": 7,
                                                "receipt_path": "receipts/train.pdf"})).get("expense", {})
        C.equal((train.get("amount"), train.get("currency"), train.get("tax_rate_percent")), ("50.00", "EUR", "7"),
                "the train ticket in EUR at 7 %")
        hotel = (await ok(c, "create_expense", {"project": "Web", "date": "2026-10-04", "amount": 80,
                                                "description": "Hotel"})).get("expense", {})
        C.equal(hotel.get("amount"), "80.00", "a number amount is padded to cents")
        await refused(c, "create_expense", {"project": "Web", "date": "2026-10-04", "amount": "1.005",
                                            "description": "x"}, "decimals")
        spare = (await ok(c, "create_expense", {"project": "Web", "date": "2026-10-05", "amount": "5",
                                                "description": "Spare"})).get("expense", {})
        changed = (await ok(c, "update_expense", {"expense_id": spare.get("id"), "amount": "6.5"})).get("expense", {})
        C.equal(changed.get("amount"), "6.50", "update_expense changes the amount")
        await ok(c, "delete_expense", {"expense_id": spare.get("id")})
        listed = (await ok(c, "list_expenses", {"from": "2026-10-01", "to": "2026-10-31"})).get("expenses", [])
        C.equal([e.get("description") for e in listed], ["Hotel", "Train"], "list_expenses, newest first")
        unbilled = await ok(c, "unbilled_summary", {"from": "2026-10-01", "to": "2026-10-31"})
        C.equal(amount(unbilled.get("totals", {}), "expenses"), Decimal("130.00"), "unbilled work shows the expenses")

        C.step("two tax rates and a discount")
        await ok(c, "create_track", {"start": "2026-10-02 09:00", "duration": "2h", "project": "Web", "billable": True})
        inv = (await ok(c, "create_invoice", {"client": "Acme", "from": "2026-10-01", "to": "2026-10-31",
                                              "tax_rate_percent": 19, "discount_percent": 10,
                                              "due_days": 14})).get("invoice", {})
        C.equal([(line.get("description"), line.get("amount"), line.get("tax_rate_percent")) for line in inv.get("lines", [])],
                [("Web", "200.00", "19"), ("Train", "50.00", "7"), ("Hotel", "80.00", "19")], "time at 19 %, the train at 7 %, the hotel at the invoice's 19 %")
        C.equal([(t.get("tax_rate_percent"), t.get("net"), t.get("discount"), t.get("tax")) for t in inv.get("tax_summary", [])],
                [("7", "50.00", "5.00", "3.15"), ("19", "280.00", "28.00", "47.88")], "the tax summary per rate")
        C.equal((inv.get("subtotal"), inv.get("discount"), inv.get("tax"), inv.get("total")),
                ("330.00", "33.00", "51.03", "348.03"), "subtotal, discount, tax, total")
        C.equal(dec(inv.get("subtotal")) - dec(inv.get("discount")) + dec(inv.get("tax")), dec(inv.get("total")),
                "subtotal - discount + tax = total")
        await refused(c, "update_expense", {"expense_id": train.get("id"), "amount": "1"}, "billed on")
        exported = await ok(c, "export_invoice_csv", {"invoice_id": inv.get("id")})
        rows = list(csv.DictReader(io.StringIO(exported.get("csv", ""))))
        C.equal([(r["description"], r["amount"], r["tax_rate_percent"]) for r in rows[3:]],
                [("Subtotal", "330.00", "19"), ("Discount", "-33.00", "19"), ("Tax", "3.15", "7"),
                 ("Tax", "47.88", "19"), ("Total", "348.03", "19")], "the CSV's totals, a Tax row per rate")

        C.step("outstanding, overdue, mark paid, void keeps its record")
        sent = (await ok(c, "mark_invoice_sent", {"invoice_id": inv.get("id"), "issue_date": "2026-10-05"})).get("invoice", {})
        number = sent.get("number")
        outstanding = (await ok(c, "list_invoices", {"status": "outstanding"})).get("invoices", [])
        overdue = (await ok(c, "list_invoices", {"status": "overdue"})).get("invoices", [])
        C.equal([i.get("number") for i in outstanding], [number], "the sent invoice is outstanding")
        C.equal([i.get("number") for i in overdue], [number], "due 2026-10-19, it is overdue")
        await refused(c, "mark_invoice_paid", {"invoice_id": number, "paid_on": "2026-10-01"}, "before the issue date")
        paid = (await ok(c, "mark_invoice_paid", {"invoice_id": number, "paid_on": "2026-10-20"})).get("invoice", {})
        C.equal((paid.get("status"), paid.get("paid_on")), ("paid", "2026-10-20"), "paid on 2026-10-20")
        C.equal((await ok(c, "list_invoices", {"status": "overdue"})).get("invoices"), [], "nothing overdue once paid")
        sept = (await ok(c, "create_invoice", {"client": "Acme", "from": "2026-09-01", "to": "2026-09-30"})).get("invoice", {})
        void = (await ok(c, "void_invoice", {"invoice_id": sept.get("id")})).get("invoice", {})
        again = (await ok(c, "get_invoice", {"invoice_id": sept.get("id")})).get("invoice", {})
        C.equal(again.get("status"), "void", "the invoice is void")
        C.equal(sum(len(line.get("track_ids", [])) for line in again.get("lines", [])), 6,
                "get_invoice of a void invoice lists the 6 tracks it billed")
        C.equal((void.get("status"), void.get("track_count"), "lines" in void), ("void", 6, False),
                "void_invoice answers what changed (status, 6 tracks), without the lines")
        redo = await ok(c, "create_invoice", {"client": "Acme", "from": "2026-09-01", "to": "2026-09-30", "dry_run": True})
        C.equal(dec(redo.get("invoice", {}).get("subtotal")), Decimal("100.00"), "the released tracks bill again")
    C.end()


def main() -> int:
    if len(sys.argv) < 2:
        print("usage: billing_session.py BIN [WORKDIR]", file=sys.stderr)
        return 2
    workdir = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="stint-billing-")
    try:
        anyio.run(run, sys.argv[1], workdir)
    except Exception as e:  # report and count a crash as a failure
        C.end()
        C.check(False, "the session ran to the end", repr(e))
    print(f"{C.passed} passed, {C.failed} failed")
    return 1 if C.failed else 0


if __name__ == "__main__":
    sys.exit(main())
