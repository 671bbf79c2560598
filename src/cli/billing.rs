//! CLI commands for reports, budgets and invoices.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};
use rust_decimal::prelude::ToPrimitive;

use stint_domain::entities::Invoice;
use stint_domain::time::format_hmm;
use stint_service::{Figures, ListInvoices, NewInvoice, Service, Summary, TimeSummary};

/// `stint report`.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// From a date, a date-time, or a named period: today, yesterday, this week, last week,
    /// this month, last month, this year, last year (a period alone is the whole period)
    /// [default: 6 days ago, so a week up to today].
    #[arg(long)]
    pub from: Option<String>,
    /// To a date or period (included) or a date-time (excluded) [default: the end of the
    /// --from period, else today].
    #[arg(long)]
    pub to: Option<String>,
    /// Grouping, one or two, comma-separated: day, week, month, year, project, client, tag, task,
    /// milestone, person.
    #[arg(
        long,
        visible_alias = "by",
        default_value = "project",
        value_delimiter = ','
    )]
    pub group_by: Vec<String>,
    /// Only this project.
    #[arg(short, long, add = super::project_candidates())]
    pub project: Option<String>,
    /// Only this client.
    #[arg(long, add = super::client_candidates())]
    pub client: Option<String>,
    /// Only this tag.
    #[arg(short, long, add = super::tag_candidates())]
    pub tag: Option<String>,
    /// Only tracks on tasks of this milestone (id or name).
    #[arg(short, long)]
    pub milestone: Option<String>,
    /// Draw the hours as bars (one per value of the first grouping, split by the second).
    #[arg(long)]
    pub chart: bool,
    /// Only this person's tracks (a name, an id, me or owner).
    #[arg(long)]
    pub person: Option<String>,
    /// Utilization, cost and margin per person for the range instead (see docs/rules.md,
    /// "People").
    #[arg(long)]
    pub utilization: bool,
}

/// `stint budget`.
#[derive(Debug, Args)]
pub struct BudgetArgs {
    /// Only this project.
    #[arg(short, long, add = super::project_candidates())]
    pub project: Option<String>,
}

/// `stint invoice ...`.
#[derive(Debug, Subcommand)]
pub enum InvoiceCommand {
    /// Generate a draft invoice from billable, uninvoiced tracks.
    Create(CreateInvoiceArgs),
    /// List invoices.
    List {
        /// Only this status: draft, sent, paid, void, outstanding (sent, unpaid) or overdue.
        #[arg(long)]
        status: Option<String>,
        /// Only this client.
        #[arg(long)]
        client: Option<String>,
    },
    /// Show an invoice with its lines.
    Show {
        /// Invoice id or number.
        invoice: String,
    },
    /// Issue a draft: assign its number and freeze it.
    Send {
        /// Invoice id or number.
        invoice: String,
        /// Issue date YYYY-MM-DD [default: today].
        #[arg(long)]
        date: Option<String>,
    },
    /// Record payment of a sent invoice.
    Paid {
        /// Invoice id or number.
        invoice: String,
        /// Day the payment arrived, YYYY-MM-DD [default: today] (`--date`, as for `send`,
        /// is taken too).
        #[arg(long = "on", visible_alias = "date", value_name = "DATE")]
        paid_on: Option<String>,
    },
    /// Void a draft or sent invoice and release its tracks.
    Void {
        /// Invoice id or number.
        invoice: String,
    },
    /// Delete a draft and release its tracks.
    Delete {
        /// Invoice id or number.
        invoice: String,
    },
    /// Export an invoice as CSV and/or PDF.
    Export {
        /// Invoice id or number.
        invoice: String,
        /// CSV file to write (`-` for standard output); a new file, mode 0600.
        #[arg(long, value_name = "FILE", required_unless_present = "pdf")]
        csv: Option<PathBuf>,
        /// PDF file to write (`-` for standard output when it is not a terminal); a new
        /// file, mode 0600. Paper size and seller details come from the settings.
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

/// `stint invoice create`.
#[derive(Debug, Args)]
pub struct CreateInvoiceArgs {
    /// Client id or name.
    #[arg(long)]
    pub client: Option<String>,
    /// Project id or name (repeatable).
    #[arg(short, long = "project")]
    pub projects: Vec<String>,
    /// First day of the period.
    #[arg(long)]
    pub from: String,
    /// Last day of the period (included).
    #[arg(long)]
    pub to: String,
    /// Lines per track, project, day, tag, task, milestone or person.
    #[arg(long)]
    pub group_by: Option<String>,
    /// Only this person's tracks and expenses (a name, an id, `me` or `owner`).
    #[arg(long)]
    pub person: Option<String>,
    /// Tax rate in percent, e.g. 19 [default: the client's, else `default_tax_rate_percent`].
    #[arg(long, visible_alias = "tax-rate")]
    pub tax: Option<String>,
    /// Days until due.
    #[arg(long)]
    pub due_days: Option<u32>,
    /// Notes printed on the invoice.
    #[arg(long)]
    pub notes: Option<String>,
    /// Discount before tax in percent of the subtotal, e.g. 10.
    #[arg(long, conflicts_with = "discount")]
    pub discount_percent: Option<String>,
    /// Discount before tax as an amount, e.g. 50.00.
    #[arg(long)]
    pub discount: Option<String>,
    /// Leave the selection's expenses off the invoice.
    #[arg(long)]
    pub no_expenses: bool,
    /// Show the invoice without saving it.
    #[arg(long)]
    pub dry_run: bool,
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn amounts(f: &Figures) -> String {
    let time = f
        .amounts
        .iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    if f.expenses.is_empty() {
        return time;
    }
    let expenses = f
        .expenses
        .iter()
        .map(|(c, a)| format!("{a} {c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{time} + expenses {expenses}")
}

fn right(t: &mut Table, columns: std::ops::Range<usize>) {
    for i in columns {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
}

/// Prints a summary as a table with a total row; the footer gives the range in `tz`.
pub fn print_summary(s: &Summary, tz: chrono_tz::Tz) {
    let mut t = table();
    let mut header: Vec<String> = s.group_by.iter().map(|g| g.as_str().to_owned()).collect();
    let n = header.len();
    header.extend(["h:mm", "rounded", "billable h:mm", "amount"].map(String::from));
    t.set_header(header);
    for r in &s.rows {
        let mut row: Vec<String> = r.keys.iter().map(|k| r.key_label(k)).collect();
        let day = r
            .day_length_seconds
            .filter(|l| *l != 86_400)
            .map(|l| format!(" ({}h day)", l / 3600))
            .unwrap_or_default();
        if let Some(first) = row.first_mut() {
            first.push_str(&day);
        }
        row.extend([
            format_hmm(r.figures.duration_seconds)
                + if r.figures.running_count > 0 {
                    " (running)"
                } else {
                    ""
                },
            format_hmm(r.figures.rounded_duration_seconds),
            format_hmm(r.figures.billable_seconds),
            amounts(&r.figures),
        ]);
        t.add_row(row);
    }
    let mut total: Vec<String> = vec![String::new(); n];
    total[0] = "total".to_owned();
    total.extend([
        format_hmm(s.totals.duration_seconds),
        format_hmm(s.totals.rounded_duration_seconds),
        format_hmm(s.totals.billable_seconds),
        amounts(&s.totals),
    ]);
    t.add_row(total);
    right(&mut t, n..n + 4);
    println!("{t}");
    println!(
        "{} (rounding: {} to {} min per {})",
        local_range(s.start, s.end, tz),
        s.rounding.mode.as_str(),
        s.rounding.increment_minutes,
        s.rounding.scope.as_str()
    );
}

/// `stint report`.
pub fn report(svc: &Service, a: &ReportArgs) -> anyhow::Result<()> {
    if a.utilization {
        return super::people::utilization(
            svc,
            a.from.as_deref(),
            a.to.as_deref(),
            a.person.as_deref(),
        );
    }
    let s = svc.time_summary(TimeSummary {
        // Six days ago in the configured zone (not UTC), so a week up to today.
        from: match &a.from {
            Some(f) => f.clone(),
            None => {
                let tz = svc.get_settings()?.effective_timezone;
                (svc.now().with_timezone(&tz).date_naive() - chrono::Duration::days(6))
                    .format("%Y-%m-%d")
                    .to_string()
            }
        },
        // An empty `to` after a named period is that whole period; after a date it is now.
        to: a.to.clone().unwrap_or_else(|| match a.from {
            Some(_) => String::new(),
            None => "today".to_owned(),
        }),
        group_by: a.group_by.clone(),
        project: a.project.clone(),
        client: a.client.clone(),
        tag: a.tag.clone(),
        person: a.person.clone(),
        billable: None,
        milestone: a.milestone.clone(),
    })?;
    let o = super::out();
    if o.json {
        println!("{}", stint_api::json::summary(&s));
        return Ok(());
    }
    let tz = svc.get_settings()?.effective_timezone;
    if a.chart {
        let (bars, series) = super::chart::bars_of(&s, None);
        let title = format!("Hours by {}", a.group_by.join(" and "));
        for line in super::chart::draw(
            &bars,
            &series,
            super::chart::terminal_width(),
            o.paint,
            &title,
        ) {
            println!("{line}");
        }
        println!("{}", local_range(s.start, s.end, tz));
        return Ok(());
    }
    print_summary(&s, tz);
    Ok(())
}

/// A half-open range of instants in the configured zone: whole local days as `D1 to D2`
/// (both included), anything else as local date-times, with the zone's name.
fn local_range(
    start: chrono::DateTime<chrono::Utc>,
    end: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> String {
    let (s, e) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let midnight = chrono::NaiveTime::MIN;
    if s.time() == midnight && e.time() == midnight && e > s {
        let last = e.date_naive().pred_opt().unwrap_or(e.date_naive());
        format!("{} to {last} ({tz})", s.date_naive())
    } else {
        format!(
            "{} to {} ({tz})",
            s.format("%Y-%m-%d %H:%M"),
            e.format("%Y-%m-%d %H:%M")
        )
    }
}

/// `stint budget`.
pub fn budget(svc: &Service, a: &BudgetArgs) -> anyhow::Result<()> {
    let reports = svc.budget_status(a.project.as_deref())?;
    if super::out().json {
        println!("{}", stint_api::json::budgets(&reports));
        return Ok(());
    }
    if reports.is_empty() {
        println!(
            "No project has a budget; set one with `stint project edit PROJECT --budget-hours H` \
             or --budget-amount AMOUNT."
        );
        return Ok(());
    }
    let mut t = table();
    t.set_header([
        "project",
        "period",
        "hours used / budget",
        "money used / budget",
        "status",
    ]);
    for r in &reports {
        let hours = r.hours.as_ref().map_or(String::new(), |u| {
            format!(
                "{} / {} ({}%)",
                format_hmm(u.used.to_i64().unwrap_or(0)),
                format_hmm(u.budget.to_i64().unwrap_or(0)),
                u.percent
            )
        });
        let money = r.money.as_ref().map_or(String::new(), |u| {
            format!("{} / {} {} ({}%)", u.used, u.budget, r.currency, u.percent)
        });
        t.add_row([
            r.project.label(),
            r.project.budget.period.as_str().to_owned(),
            hours,
            money,
            r.status.as_str().to_owned(),
        ]);
    }
    println!("{t}");
    Ok(())
}

fn invoice_title(inv: &Invoice) -> String {
    match &inv.number {
        Some(n) => format!("Invoice {n} (id {}, {})", inv.id, inv.status.as_str()),
        None if inv.id.0 == 0 => "Invoice preview (dry run, nothing saved)".to_owned(),
        None => format!("Draft invoice id {} ({})", inv.id, inv.status.as_str()),
    }
}

/// Ids of the overdue invoices (of `client`): sent, unpaid, past their due date.
fn overdue_ids(svc: &Service, client: Option<&str>) -> anyhow::Result<Vec<i64>> {
    let mut ids = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc.list_invoices(ListInvoices {
            status: Some("overdue".into()),
            client: client.map(Into::into),
            limit: Some(500),
            cursor,
        })?;
        ids.extend(page.items.iter().map(|i| i.id.0));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(ids),
        }
    }
}

/// Prints an invoice with its lines and totals.
pub fn print_invoice(inv: &Invoice) {
    println!("{}", invoice_title(inv));
    if let Some(c) = &inv.client_name {
        println!("Client: {c}");
    }
    if let (Some(i), Some(d)) = (inv.issue_date, inv.due_date) {
        println!("Issued {i}, due {d}");
    }
    let mut t = table();
    t.set_header(["#", "description", "hours", "rate", "amount"]);
    for l in &inv.lines {
        t.add_row([
            l.position.to_string(),
            l.description.clone(),
            l.quantity_hours.to_string(),
            l.unit_rate.normalize().to_string(),
            l.amount.to_string(),
        ]);
    }
    let c = inv.currency.code();
    t.add_row(["", "Subtotal", "", "", &format!("{} {c}", inv.subtotal)].map(String::from));
    if !inv.discount.is_zero() {
        let label = match inv.discount_percent {
            Some(p) => format!("Discount {}%", p.normalize()),
            None => "Discount".to_owned(),
        };
        t.add_row(["", &label, "", "", &format!("-{} {c}", inv.discount)].map(String::from));
    }
    for r in &inv.tax_summary {
        t.add_row(
            [
                "",
                &format!("Tax {}% on {}", r.tax_rate_percent.normalize(), r.taxable),
                "",
                "",
                &format!("{} {c}", r.tax),
            ]
            .map(String::from),
        );
    }
    t.add_row(["", "Total", "", "", &format!("{} {c}", inv.total)].map(String::from));
    right(&mut t, 2..5);
    println!("{t}");
}

/// `stint invoice ...`: one function per subcommand.
pub fn invoice(svc: &Service, cmd: &InvoiceCommand) -> anyhow::Result<()> {
    match cmd {
        InvoiceCommand::Create(a) => invoice_create(svc, a),
        InvoiceCommand::List { status, client } => invoice_list(svc, status, client),
        InvoiceCommand::Show { invoice } => invoice_show(svc, invoice),
        InvoiceCommand::Send { invoice, date } => {
            let inv = svc.mark_invoice_sent(invoice, date.as_deref())?;
            print_changed(&inv, |inv| {
                format!(
                    "{}: issued {}",
                    invoice_title(inv),
                    inv.issue_date.map(|d| d.to_string()).unwrap_or_default()
                )
            });
            Ok(())
        }
        InvoiceCommand::Paid { invoice, paid_on } => {
            let inv = svc.mark_invoice_paid(invoice, paid_on.as_deref())?;
            print_changed(&inv, |inv| {
                format!(
                    "{}: paid on {}",
                    invoice_title(inv),
                    inv.paid_on.map(|d| d.to_string()).unwrap_or_default()
                )
            });
            Ok(())
        }
        InvoiceCommand::Void { invoice } => {
            let inv = svc.void_invoice(invoice)?;
            print_changed(&inv, |inv| {
                format!("{}; its tracks are released", invoice_title(inv))
            });
            Ok(())
        }
        InvoiceCommand::Delete { invoice } => {
            let inv = svc.delete_invoice(invoice)?;
            print_changed(&inv, |inv| {
                format!(
                    "Deleted draft invoice id {}; its tracks are released",
                    inv.id
                )
            });
            Ok(())
        }
        InvoiceCommand::Export {
            invoice,
            csv,
            pdf,
            force,
        } => invoice_export(svc, invoice, csv.as_deref(), pdf.as_deref(), *force),
    }
}

/// `stint invoice create`: creates (or with `--dry-run` previews) an invoice and prints it.
fn invoice_create(svc: &Service, a: &CreateInvoiceArgs) -> anyhow::Result<()> {
    let inv = svc.create_invoice(NewInvoice {
        client: a.client.clone(),
        projects: a.projects.clone(),
        from: a.from.clone(),
        to: a.to.clone(),
        group_by: a.group_by.clone(),
        person: a.person.clone(),
        tax_rate_percent: a.tax.clone(),
        due_days: a.due_days,
        notes: a.notes.clone(),
        discount_percent: a.discount_percent.clone(),
        discount_amount: a.discount.clone(),
        include_expenses: Some(!a.no_expenses),
        dry_run: a.dry_run,
    })?;
    if super::out().json {
        println!("{}", stint_api::json::invoice(inv, a.dry_run));
    } else {
        print_invoice(&inv);
    }
    Ok(())
}

/// `stint invoice list`: every matching invoice (all pages), then the outstanding totals
/// (sent, unpaid) per currency and the count of overdue invoices.
fn invoice_list(
    svc: &Service,
    status: &Option<String>,
    client: &Option<String>,
) -> anyhow::Result<()> {
    let overdue = overdue_ids(svc, client.as_deref())?;
    let all = all_invoices(svc, status, client)?;
    if super::out().json {
        println!("{}", stint_api::json::invoices(all));
        return Ok(());
    }
    print_invoice_list(&all, &overdue);
    Ok(())
}

/// Every invoice with `status` (of `client`), read page by page, in the service's order.
fn all_invoices(
    svc: &Service,
    status: &Option<String>,
    client: &Option<String>,
) -> anyhow::Result<Vec<Invoice>> {
    let mut cursor = None;
    let mut all = Vec::new();
    loop {
        let page = svc.list_invoices(ListInvoices {
            status: status.clone(),
            client: client.clone(),
            limit: Some(500),
            cursor,
        })?;
        all.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(all),
        }
    }
}

/// Prints the invoice table (an overdue one says so), then the outstanding total of the sent
/// invoices per currency (in code order) and how many are overdue.
fn print_invoice_list(invoices: &[Invoice], overdue: &[i64]) {
    let mut outstanding: std::collections::BTreeMap<String, rust_decimal::Decimal> =
        Default::default();
    let mut t = table();
    t.set_header(["id", "number", "status", "client", "issued", "due", "total"]);
    for i in invoices {
        if i.status == stint_domain::entities::InvoiceStatus::Sent {
            *outstanding.entry(i.currency.code().to_owned()).or_default() += i.total;
        }
        t.add_row([
            i.id.to_string(),
            i.number.clone().unwrap_or_default(),
            if overdue.contains(&i.id.0) {
                "sent, OVERDUE".to_owned()
            } else {
                i.status.as_str().to_owned()
            },
            i.client_name.clone().unwrap_or_default(),
            i.issue_date.map(|d| d.to_string()).unwrap_or_default(),
            i.due_date.map(|d| d.to_string()).unwrap_or_default(),
            format!("{} {}", i.total, i.currency),
        ]);
    }
    println!("{t}");
    for (currency, total) in &outstanding {
        println!("Outstanding: {total} {currency}");
    }
    if !overdue.is_empty() {
        println!("Overdue: {} invoice(s)", overdue.len());
    }
}

/// `stint invoice show`: the invoice with its lines and totals.
fn invoice_show(svc: &Service, invoice: &str) -> anyhow::Result<()> {
    let inv = svc.get_invoice(invoice)?;
    if super::out().json {
        println!("{}", stint_api::json::invoice(inv, false));
    } else {
        print_invoice(&inv);
    }
    Ok(())
}

/// Prints the answer to a status change (send, paid, void, delete): the changed invoice with
/// `--json`, else the sentence `human` makes of it.
fn print_changed(inv: &Invoice, human: impl FnOnce(&Invoice) -> String) {
    if super::out().json {
        println!("{}", stint_api::json::invoice_changed(inv));
    } else {
        println!("{}", human(inv));
    }
}

/// `stint invoice export`: the CSV first, then the PDF. With --json, one answer per file
/// written, in the export tools' shapes (an array when both files are written); a CSV or PDF
/// on standard output is itself the output.
fn invoice_export(
    svc: &Service,
    invoice: &str,
    csv: Option<&std::path::Path>,
    pdf: Option<&std::path::Path>,
    force: bool,
) -> anyhow::Result<()> {
    let mut answers = Vec::new();
    if let Some(csv) = csv {
        answers.extend(export_csv(svc, invoice, csv, force)?);
    }
    if let Some(pdf) = pdf {
        answers.extend(export_pdf(svc, invoice, pdf, force)?);
    }
    match answers.as_slice() {
        [] => {}
        [one] => println!("{one}"),
        [csv, pdf, ..] => println!("[{csv},\n{pdf}]"),
    }
    Ok(())
}

/// `stint invoice export N --csv FILE`: writes the CSV to a new file (says so on standard
/// error), or to standard output for `-`. With `--json` and a file, the `export_invoice_csv`
/// answer to print.
fn export_csv(
    svc: &Service,
    invoice: &str,
    csv: &std::path::Path,
    force: bool,
) -> anyhow::Result<Option<String>> {
    if csv.as_os_str() == "-" {
        let (_, text) = svc.export_invoice_csv(invoice)?;
        print!("{text}");
        return Ok(None);
    }
    let (inv, text, written) = svc.export_invoice_csv_to(invoice, csv, force)?;
    let answer = super::out()
        .json
        .then(|| stint_api::json::invoice_csv(&inv, text, Some(&written)));
    eprintln!(
        "Wrote {} ({} lines) to {}",
        invoice_title(&inv),
        inv.lines.len(),
        written.display()
    );
    Ok(answer)
}

/// `stint invoice export N --pdf FILE`: writes the PDF to a new file, or to standard output
/// for `-` when that is not a terminal. With `--json` and a file, the `export_invoice_pdf`
/// answer to print.
fn export_pdf(
    svc: &Service,
    invoice: &str,
    pdf: &std::path::Path,
    force: bool,
) -> anyhow::Result<Option<String>> {
    use std::io::{IsTerminal as _, Write as _};
    if pdf.as_os_str() == "-" {
        let mut out = std::io::stdout();
        if out.is_terminal() {
            anyhow::bail!(
                "a PDF is not for the terminal; name a file (--pdf invoice.pdf) or pipe the \
                 output (--pdf - > invoice.pdf)"
            );
        }
        let (_, bytes) = svc.export_invoice_pdf(invoice)?;
        out.write_all(&bytes)?;
        out.flush()?;
    } else {
        let e = svc.export_invoice_pdf_as(invoice, Some((pdf, force)))?;
        eprintln!(
            "Wrote {} ({} lines, {} KB PDF) to {}",
            invoice_title(&e.invoice),
            e.invoice.lines.len(),
            e.pdf.len().div_ceil(1024),
            e.path.as_deref().unwrap_or(pdf).display()
        );
        if super::out().json {
            return Ok(Some(stint_api::json::invoice_pdf(&e)));
        }
    }
    Ok(None)
}
