// The MCP Apps of stint in a real browser: headless Chromium loads each app (the HTML that
// `resources/read` serves) in tests/browser/host.html, which plays the host's side of the
// protocol; this script runs a real `stint mcp` on a throw-away database, seeds a week of
// tracks, a client and an invoice through its tools, feeds the tool results to the apps,
// answers the apps' tools/call by forwarding them to that process, and checks what is drawn
// against the tools' own answers. Screenshots (light and dark) go to target/ui-shots/.
//
// Usage: node tests/browser/check.mjs   (scripts/browser-check.sh sets these up)
//   STINT_BIN           the stint binary (default target/debug/stint)
//   CHROMIUM            the browser (default /usr/bin/chromium)
//   BROWSER_NODE_DIR    where puppeteer-core is installed (default target/browser-test)
// Prints "N passed, M failed"; exits 1 when a check failed.

import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import readline from "node:readline";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "..", "..");
const bin = process.env.STINT_BIN || path.join(root, "target", "debug", "stint");
const chromium = process.env.CHROMIUM || "/usr/bin/chromium";
const nodeDir = process.env.BROWSER_NODE_DIR || path.join(root, "target", "browser-test");
const shots = path.join(root, "target", "ui-shots");
const require = createRequire(path.join(nodeDir, "package.json"));
const puppeteer = require("puppeteer-core");

let passed = 0, failed = 0;
function check(name, ok, detail) {
  if (ok) { passed++; console.log("ok   " + name); }
  else { failed++; console.log("FAIL " + name + (detail !== undefined ? ": " + detail : "")); }
}
function same(name, actual, expected) {
  const a = JSON.stringify(actual), e = JSON.stringify(expected);
  check(name, a === e, "got " + a + ", expected " + e);
}

// ---- a stint mcp process, spoken to over stdio --------------------------------------------
class Stint {
  constructor(db, home) {
    this.proc = spawn(bin, ["mcp"], {
      env: { ...process.env, STINT_DB: db, HOME: home, XDG_CONFIG_HOME: home, XDG_DATA_HOME: home },
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.next = 1;
    this.waiting = new Map();
    this.stderr = "";
    this.proc.stderr.on("data", (d) => { this.stderr += d; });
    readline.createInterface({ input: this.proc.stdout }).on("line", (line) => {
      let m;
      try { m = JSON.parse(line); } catch { check("stint writes only JSON-RPC on stdout", false, line); return; }
      if (m.id !== undefined && this.waiting.has(m.id)) { this.waiting.get(m.id)(m); this.waiting.delete(m.id); }
    });
  }
  request(method, params) {
    const id = this.next++;
    const line = JSON.stringify({ jsonrpc: "2.0", id, method, ...(params === undefined ? {} : { params }) });
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(method + " got no answer in 30 s; stderr: " + this.stderr)), 30000);
      this.waiting.set(id, (m) => { clearTimeout(timer); resolve(m); });
      this.proc.stdin.write(line + "\n");
    });
  }
  notify(method, params) { this.proc.stdin.write(JSON.stringify({ jsonrpc: "2.0", method, params }) + "\n"); }
  async call(name, args) {
    const m = await this.request("tools/call", { name, arguments: args });
    if (m.error || m.result.isError) throw new Error(name + " failed: " + JSON.stringify(m.error || m.result.content));
    return m.result;
  }
  close() { this.proc.stdin.end(); }
}

function hmm(seconds) {
  const m = Math.floor(seconds / 60);
  return Math.floor(m / 60) + ":" + String(m % 60).padStart(2, "0");
}

async function main() {
  fs.mkdirSync(shots, { recursive: true });
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "stint-browser-"));
  const stint = new Stint(path.join(tmp, "stint.db"), tmp);
  const init = await stint.request("initialize", {
    protocolVersion: "2025-11-25",
    capabilities: { extensions: { "io.modelcontextprotocol/ui": { mimeTypes: ["text/html;profile=mcp-app"] } } },
    clientInfo: { name: "stint-browser-check", version: "1" },
  });
  check("initialize", !!init.result, JSON.stringify(init));
  stint.notify("notifications/initialized", {});

  // The catalogue an app host sees: links from the tools to the apps.
  const tools = (await stint.request("tools/list")).result.tools;
  const link = (n) => (tools.find((t) => t.name === n) || {})._meta?.ui?.resourceUri;
  same("tools link to their apps", ["show_week", "time_summary", "get_invoice", "create_invoice"].map(link),
    ["ui://stint/week", "ui://stint/week", "ui://stint/invoice", "ui://stint/invoice"]);
  const readApp = async (uri) => {
    const c = (await stint.request("resources/read", { uri })).result.contents[0];
    same(uri + " is served as an MCP App", c.mimeType, "text/html;profile=mcp-app");
    return c.text;
  };
  const weekHtml = await readApp("ui://stint/week");
  const invoiceHtml = await readApp("ui://stint/invoice");

  // A week of work (Mon 2026-11-16 to Fri 2026-11-20), a client, a running timer, an invoice.
  await stint.call("update_settings", {
    timezone: "Europe/Berlin", week_start: "monday", default_currency: "EUR",
    business_name: "Ada Lovelace Consulting", business_address: "Kastanienallee 1\n10435 Berlin",
  });
  await stint.call("create_client", { name: "Acme GmbH", email: "billing@acme.example", address: "Hauptstraße 5\n80331 München" });
  await stint.call("create_project", { name: "Website", client: "Acme GmbH", hourly_rate: "90" });
  await stint.call("create_project", { name: "Support", client: "Acme GmbH", hourly_rate: "70" });
  await stint.call("create_project", { name: "Internal" });
  const tracks = [
    ["Website", "2026-11-16 09:00", "2026-11-16 12:30", "Landing page layout"],
    ["Support", "2026-11-16 13:30", "2026-11-16 15:00", "Ticket triage"],
    ["Website", "2026-11-17 08:45", "2026-11-17 12:15", "Contact form"],
    ["Internal", "2026-11-17 13:00", "2026-11-17 14:00", "Bookkeeping"],
    ["Support", "2026-11-17 14:15", "2026-11-17 16:45", "Migration questions"],
    ["Website", "2026-11-18 09:30", "2026-11-18 13:00", "Performance fixes"],
    ["Support", "2026-11-19 10:00", "2026-11-19 11:20", "Password reset flow"],
    ["Website", "2026-11-19 13:00", "2026-11-19 17:10", "Accessibility review"],
    ["Internal", "2026-11-20 09:00", "2026-11-20 10:30", "Planning"],
  ];
  for (const [project, start, end, description] of tracks) {
    await stint.call("create_track", { project, start, end, description });
  }
  await stint.call("start_timer", { description: "Writing the report", project: "Website" });
  const created = (await stint.call("create_invoice", {
    client: "Acme GmbH", from: "2026-11-16", to: "2026-11-22", tax_rate_percent: "19", discount_percent: "5",
    notes: "Payable within 14 days to IBAN DE02 1203 0000 0000 2020 51.",
  })).structuredContent.invoice;

  const browser = await puppeteer.launch({
    executablePath: chromium,
    headless: true,
    userDataDir: path.join(tmp, "chromium-profile"),
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run"],
  });
  const problems = [];
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 830, height: 700 });
    page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") problems.push(m.text()); });
    page.on("pageerror", (e) => problems.push(String(e)));
    // Any request that is not the host page itself: an app must not even try one.
    page.on("request", (r) => { if (!r.url().startsWith("file:") && !r.url().startsWith("about:") && !r.url().startsWith("data:")) problems.push("network: " + r.url()); });
    await page.exposeFunction("stintCall", async (name, args) => {
      const m = await stint.request("tools/call", { name, arguments: args });
      return m.error ? { error: m.error } : { result: m.result };
    });
    await page.goto("file://" + path.join(here, "host.html"));
    const app = () => page.frames().find((f) => f !== page.mainFrame());
    const calls = () => page.evaluate(() => window.toolCalls.map((c) => ({ name: c.name, arguments: c.arguments })));
    const load = async (html, result, theme) => {
      await page.emulateMediaFeatures([{ name: "prefers-color-scheme", value: theme }]);
      await page.evaluate((h, r, t) => window.loadApp(h, r, t), html, result, theme);
    };
    const texts = (sel) => app().$$eval(sel, (es) => es.map((e) => e.textContent.trim()));
    // Waits until the text of `sel` passes `pred` (polled here: the app's CSP allows no eval).
    const waitText = async (sel, pred, ms = 5000) => {
      const until = Date.now() + ms;
      let text = null;
      for (;;) {
        text = await app().$eval(sel, (e) => e.textContent).catch(() => null);
        if (text !== null && pred(text)) return text;
        if (Date.now() > until) throw new Error(`${sel} never passed ${pred}; its text: ${JSON.stringify(text)}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };

    // ---- the week ----------------------------------------------------------------------------
    const week = await stint.call("show_week", { date: "2026-11-18" });
    const byDay = (await stint.call("time_summary", { from: "2026-11-16", to: "2026-11-22", group_by: ["day"] })).structuredContent;
    const byProject = (await stint.call("time_summary", { from: "2026-11-16", to: "2026-11-22", group_by: ["project"] })).structuredContent;
    const summary = (await stint.call("time_summary", { from: "2026-11-16", to: "2026-11-22", group_by: ["day", "project"] })).structuredContent;
    same("show_week answers as time_summary by day and project", week.structuredContent, summary);
    const days = ["2026-11-16", "2026-11-17", "2026-11-18", "2026-11-19", "2026-11-20", "2026-11-21", "2026-11-22"];
    const expectedDays = days.map((d) => (byDay.rows.find((r) => r.group.day === d) || { duration: "0:00" }).duration);

    for (const theme of ["light", "dark"]) {
      await load(weekHtml, week, theme);
      await app().waitForSelector("#days tr .day-total");
      same(`week (${theme}): the day totals equal time_summary's`, await texts("#days .day-total"), expectedDays);
      same(`week (${theme}): the week total equals time_summary's`, await texts("#week-total"), [summary.totals.duration]);
      same(`week (${theme}): the projects equal time_summary's`,
        await app().$$eval("#projects tr", (rs) => rs.map((r) => [r.querySelector("th").textContent, r.querySelector("td").textContent])),
        byProject.rows.map((r) => [r.group.project, r.duration]).sort());
      same(`week (${theme}): seven day buttons`, (await texts("#days .daybtn")).length, 7);
      same(`week (${theme}): nothing is called but reads`, [...new Set((await calls()).map((c) => c.name))], ["list_running_timers"]);
      await waitText("#timer-text", (t) => t.startsWith("Running: Writing the report · Website · "));
      const first = (await texts("#timer-text"))[0];
      await new Promise((r) => setTimeout(r, 2100));
      const later = (await texts("#timer-text"))[0];
      check(`week (${theme}): the running timer ticks`, first !== later && later.startsWith("Running: Writing the report"), first + " then " + later);
      check(`week (${theme}): the timer has a live region`, (await app().$eval("#timer-live", (e) => e.getAttribute("aria-live"))) === "polite");

      // A click on Tuesday, then Enter on Thursday: each lists that day's tracks via the host.
      const day = theme === "light" ? "2026-11-17" : "2026-11-19";
      const button = await app().$(`#days .daybtn[data-day="${day}"]`);
      if (theme === "light") await button.click();
      else { await button.focus(); await page.keyboard.press("Enter"); }
      await waitText("#status", (t) => t.includes(" on "));
      const asked = (await calls()).filter((c) => c.name === "list_tracks");
      same(`week (${theme}): ${theme === "light" ? "a click" : "Enter"} on ${day} calls list_tracks through the host`,
        asked.map((c) => c.arguments), [{ from: day, to: day, limit: 100 }]);
      const listed = (await stint.call("list_tracks", { from: day, to: day, limit: 100 })).structuredContent.tracks;
      same(`week (${theme}): the day's tracks are the ones list_tracks gives`,
        await app().$$eval("#tracks tr", (rs) => rs.map((r) => r.children[3].textContent)),
        listed.map((t) => t.description).reverse());
      await page.screenshot({ path: path.join(shots, `week-${theme}.png`), fullPage: true });
    }

    // time_summary by something else than days (here: projects over the month) opens the same
    // view, drawn as one bar per row.
    const month = await stint.call("time_summary", { from: "2026-11-01", to: "2026-11-30", group_by: ["project"] });
    await load(weekHtml, month, "light");
    await app().waitForSelector("#days tr .day-total");
    same("summary by project: one bar per time_summary row, with its total",
      await app().$$eval("#days tr", (rs) => rs.map((r) => [r.querySelector("th").textContent, r.querySelector(".day-total").textContent])),
      month.structuredContent.rows.map((r) => [r.label, r.duration]));
    same("summary by project: the total and no day buttons",
      [(await texts("#week-total"))[0], (await texts("#week-label"))[0], (await app().$$(".daybtn")).length],
      [month.structuredContent.totals.duration, "Total", 0]);
    await page.screenshot({ path: path.join(shots, "summary-by-project-light.png"), fullPage: true });

    // A tool error fed to the view is shown as the error it is.
    const failed = (await stint.request("tools/call", { name: "show_week", arguments: { date: "someday" } })).result;
    await load(weekHtml, failed, "light");
    await waitText("#status", (t) => t.length > 0);
    same("week: a tool error is shown as the error text", await texts("#status"), [failed.content[0].text]);

    // ---- the invoice -------------------------------------------------------------------------
    const got = await stint.call("get_invoice", { invoice_id: String(created.id) });
    const inv = got.structuredContent.invoice;
    await load(invoiceHtml, got, "light");
    await app().waitForSelector("#lines tr.line");
    same("invoice: nothing is called on load", await calls(), []);
    same("invoice: the total equals get_invoice's", await texts("#total"), [`${inv.total} ${inv.currency}`]);
    same("invoice: the tax equals get_invoice's", await texts("#tax"), [`${inv.tax} ${inv.currency}`]);
    same("invoice: the subtotal equals get_invoice's", await texts("#subtotal"), [`${inv.subtotal} ${inv.currency}`]);
    same("invoice: the discount equals get_invoice's", await texts("#discount"), [`−${inv.discount} ${inv.currency}`]);
    same("invoice: the lines equal get_invoice's",
      await app().$$eval("#lines tr.line", (rs) => rs.map((r) => [r.children[0].textContent, r.children[2].textContent, r.children[5].textContent])),
      inv.lines.map((l) => [l.description, l.quantity_hours, `${l.amount} ${inv.currency}`]));
    same("invoice: the tax summary has get_invoice's rates",
      await app().$$eval("#taxes tr", (rs) => rs.map((r) => [r.children[0].textContent, r.children[4].textContent])),
      inv.tax_summary.map((t) => [`${t.tax_rate_percent} %`, `${t.tax} ${inv.currency}`]));
    same("invoice: status draft", await texts("#badge"), ["draft"]);
    same("invoice: seller and client", [(await texts("#seller"))[0], (await texts("#client"))[0]],
      ["Ada Lovelace Consulting\nKastanienallee 1\n10435 Berlin",
        "Acme GmbH\nHauptstraße 5\n80331 München\nbilling@acme.example"]);
    await page.screenshot({ path: path.join(shots, "invoice-light.png"), fullPage: true });

    await (await app().$("#mark-sent")).click();
    await waitText("#badge", (t) => t === "sent");
    same("invoice: a click on Mark sent calls mark_invoice_sent (then get_invoice) through the host",
      (await calls()).map((c) => c.name), ["mark_invoice_sent", "get_invoice"]);
    same("invoice: mark_invoice_sent names the invoice", (await calls())[0].arguments, { invoice_id: String(inv.id) });
    const after = (await stint.call("get_invoice", { invoice_id: String(inv.id) })).structuredContent.invoice;
    same("invoice: stint has it sent", after.status, "sent");
    same("invoice: the title shows the number it got", await texts("#title"), [`Invoice ${after.number}`]);
    check("invoice: Mark sent is disabled once sent", await app().$eval("#mark-sent", (b) => b.disabled));

    await (await app().$("#export-pdf")).click();
    await waitText("#status", (t) => t.startsWith("PDF ready"));
    same("invoice: Export PDF calls export_invoice_pdf", (await calls()).slice(2).map((c) => [c.name, c.arguments]),
      [["export_invoice_pdf", { invoice_id: String(inv.id) }]]);
    check("invoice: the status says the PDF's pages", /^PDF ready: 1 page, \d+ KB/.test((await texts("#status"))[0]), (await texts("#status"))[0]);

    await load(invoiceHtml, { structuredContent: { invoice: after }, content: [] }, "dark");
    await app().waitForSelector("#lines tr.line");
    same("invoice (dark): status sent and the same total", [(await texts("#badge"))[0], (await texts("#total"))[0]],
      ["sent", `${after.total} ${after.currency}`]);
    await page.screenshot({ path: path.join(shots, "invoice-dark.png"), fullPage: true });

    same("no console errors, CSP violations or network requests", problems, []);
    // The control: the frame's CSP is in force and a violation would have been seen above.
    await app().evaluate(() => { const i = document.createElement("img"); i.src = "https://example.invalid/x.png"; document.body.appendChild(i); });
    await new Promise((r) => setTimeout(r, 300));
    check("the host's CSP blocks a network load in the app, and the check sees it",
      problems.some((p) => p.includes("Content Security Policy") && p.includes("blocked")), JSON.stringify(problems));
  } finally {
    await browser.close();
    stint.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e) => { failed++; console.log("FAIL " + (e && e.stack || e)); }).finally(() => {
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
});
