//! Tool inputs and outputs for invoices and analytics. Conventions as in [`crate::dto`]: money is
//! a decimal string in major units, durations are seconds plus `h:mm`, hours are decimal strings
//! with 2 to 4 places.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::{Decimal, RoundingStrategy};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dto::{DecimalArg, RefArg, RoundingOut, no_null};
use stint_domain::entities::Invoice;
use stint_domain::time::format_hmm;
use stint_service::{
    self as service, BudgetReport, BudgetUse, Figures, GroupDim, Summary, SummaryRow,
};

fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A period as people read it: local dates in the configured zone, both days included
/// (`domain::time::inclusive_days`); the same dates an invoice's PDF and CSV print.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PeriodOut {
    /// YYYY-MM-DD, included.
    pub(crate) first_day: String,
    /// YYYY-MM-DD, included.
    pub(crate) last_day: String,
}

impl PeriodOut {
    /// The local dates of `[start, end)` in `tz`, both included.
    pub fn new(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> PeriodOut {
        let (first, last) = stint_domain::time::inclusive_days(start, end, tz);
        PeriodOut {
            first_day: first.to_string(),
            last_day: last.to_string(),
        }
    }
}

/// An instant in `tz`, RFC 3339 with its offset (`2026-11-01T00:00:00+01:00`).
pub fn zoned(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn hours(seconds: i64) -> Decimal {
    secs_hours(Decimal::from(seconds))
}

// ---------------------------------------------------------------------------------------------
// Invoices

/// Arguments of `create_invoice`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateInvoiceArgs {
    /// Client id or exact name.
    pub client: Option<RefArg>,
    /// Project ids or names (default: all the client's).
    pub projects: Option<Vec<RefArg>>,
    /// First day, an instant, or a period ("last month"; alone, all of it).
    #[serde(alias = "range")]
    pub from: String,
    /// Last day (included) or an end instant (excluded).
    #[serde(default)]
    pub to: String,
    /// Lines per track (default), project, day, tag, task, milestone or person.
    pub group_by: Option<String>,
    /// Name, id or "me".
    pub person: Option<String>,
    /// Percent, e.g. 19 (default: the client's, else the setting's).
    pub tax_rate_percent: Option<DecimalArg>,
    /// Default: setting invoice_due_days.
    pub due_days: Option<u32>,
    /// Printed on the invoice, e.g. payment details.
    pub notes: Option<String>,
    /// Before tax.
    pub discount_percent: Option<DecimalArg>,
    /// Before tax.
    pub discount_amount: Option<DecimalArg>,
    /// Default true.
    pub include_expenses: Option<bool>,
    /// Preview only: saves nothing.
    pub dry_run: Option<bool>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl From<CreateInvoiceArgs> for service::NewInvoice {
    fn from(a: CreateInvoiceArgs) -> Self {
        service::NewInvoice {
            client: a.client.map(|r| r.0),
            projects: a
                .projects
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.0)
                .collect(),
            from: a.from,
            to: a.to,
            group_by: a.group_by,
            person: a.person,
            tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
            due_days: a.due_days,
            notes: a.notes,
            discount_percent: a.discount_percent.map(|d| d.0),
            discount_amount: a.discount_amount.map(|d| d.0),
            include_expenses: a.include_expenses,
            dry_run: a.dry_run.unwrap_or(false),
        }
    }
}

/// Arguments of `list_invoices`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListInvoicesArgs {
    /// draft, sent, paid, void, outstanding or overdue (past due).
    pub status: Option<String>,
    /// Only invoices of this client (id or exact name).
    pub client: Option<RefArg>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

/// Arguments naming one invoice.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRefArgs {
    /// Invoice id, or its number such as "INV-2026-0001".
    pub invoice_id: RefArg,
}

/// Arguments of `update_invoice` (drafts only).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateInvoiceArgs {
    /// Invoice id (a draft).
    pub invoice_id: RefArg,
    /// New notes; "" removes them.
    pub notes: Option<String>,
    /// New tax %; totals are recomputed.
    pub tax_rate_percent: Option<DecimalArg>,
    /// New due date, YYYY-MM-DD.
    pub due_date: Option<String>,
    /// Percent; "" removes.
    pub discount_percent: Option<DecimalArg>,
    /// Amount; "" removes.
    pub discount_amount: Option<DecimalArg>,
}

/// Arguments of `mark_invoice_paid`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct MarkPaidArgs {
    /// Invoice id or number.
    pub invoice_id: RefArg,
    /// YYYY-MM-DD, default today.
    pub paid_on: Option<String>,
}

/// Arguments of `mark_invoice_sent`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct MarkSentArgs {
    /// Invoice id (a draft).
    pub invoice_id: RefArg,
    /// YYYY-MM-DD (default today); the due date moves with it.
    pub issue_date: Option<String>,
}

/// Arguments of `export_invoice_csv`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ExportCsvArgs {
    /// Invoice id or number.
    pub invoice_id: RefArg,
    /// Also write it to this new file (stdio only; relative to the server's folder).
    pub path: Option<String>,
}

/// An invoice line.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct InvoiceLineOut {
    pub position: u32,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// Local date, when every track of the line is on it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
    /// Tracked time before rounding.
    pub duration_seconds: i64,
    /// Billed time after rounding.
    pub rounded_duration_seconds: i64,
    /// Billed hours (2 to 4 decimals); 1 for an expense.
    pub quantity_hours: Decimal,
    /// Per hour, major units (an expense: its amount).
    pub unit_rate: Decimal,
    /// Major units: rate x rounded seconds / 3600, the invoice's time rounded once and split.
    pub amount: Decimal,
    /// Percent.
    pub tax_rate_percent: Decimal,
    /// The expense an expense line bills.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expense_id: Option<i64>,
    /// Tracks billed on this line (kept when the invoice is void).
    pub track_ids: Vec<i64>,
}

/// Tax at one rate.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaxRowOut {
    pub tax_rate_percent: Decimal,
    /// Lines at this rate.
    pub(crate) net: Decimal,
    /// Share of the discount.
    pub discount: Decimal,
    pub(crate) taxable: Decimal,
    pub tax: Decimal,
}

/// An invoice. Money in major units of `currency`; subtotal = sum of line amounts, total =
/// subtotal + tax.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct InvoiceOut {
    /// 0 for a dry run (nothing saved).
    pub id: i64,
    /// Assigned when the invoice is marked sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// draft | sent | paid | void.
    pub status: String,
    pub dry_run: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_tax_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seller_address: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// The invoiced period, as its PDF and CSV print it.
    pub period: PeriodOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// track | project | day | tag | task.
    pub group_by: String,
    pub tax_rate_percent: Decimal,
    pub subtotal: Decimal,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_percent: Option<Decimal>,
    /// Before tax.
    pub discount: Decimal,
    pub tax: Decimal,
    /// subtotal - discount + tax.
    pub total: Decimal,
    /// Per tax rate.
    pub tax_summary: Vec<TaxRowOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_on: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// The rounding frozen on this invoice when it was generated.
    pub rounding: RoundingOut,
    pub lines: Vec<InvoiceLineOut>,
    pub track_count: usize,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voided_at: Option<String>,
}

impl InvoiceOut {
    /// Converts an invoice, moving its texts (an invoice may have 10 000 lines); `dry_run`
    /// marks one that was not saved.
    pub fn new(inv: Invoice, dry_run: bool) -> InvoiceOut {
        let track_count = inv.lines.iter().map(|l| l.track_ids.len()).sum();
        InvoiceOut {
            id: inv.id.0,
            number: inv.number,
            status: inv.status.as_str().to_owned(),
            dry_run,
            client_id: inv.client_id.map(|c| c.0),
            client: inv.client_name,
            client_email: inv.client_email,
            client_address: inv.client_address,
            client_tax_id: inv.client_tax_id,
            seller_name: inv.seller_name,
            seller_address: inv.seller_address,
            currency: inv.currency.code().to_owned(),
            period: PeriodOut::new(
                inv.period_start,
                inv.period_end,
                inv.timezone.parse().unwrap_or(Tz::UTC),
            ),
            issue_date: inv.issue_date.map(|d| d.to_string()),
            due_date: inv.due_date.map(|d| d.to_string()),
            group_by: inv.group_by.as_str().to_owned(),
            tax_rate_percent: inv.tax_rate_percent.normalize(),
            subtotal: inv.subtotal,
            discount_percent: inv.discount_percent.map(|d| d.normalize()),
            discount: inv.discount,
            tax: inv.tax,
            total: inv.total,
            tax_summary: inv
                .tax_summary
                .iter()
                .map(|r| TaxRowOut {
                    tax_rate_percent: r.tax_rate_percent.normalize(),
                    net: r.net,
                    discount: r.discount,
                    taxable: r.taxable,
                    tax: r.tax,
                })
                .collect(),
            paid_on: inv.paid_on.map(|d| d.to_string()),
            notes: inv.notes,
            rounding: RoundingOut {
                mode: inv.rounding.mode.as_str().to_owned(),
                increment_minutes: inv.rounding.increment_minutes,
                scope: inv.rounding.scope.as_str().to_owned(),
            },
            track_count,
            lines: inv
                .lines
                .into_iter()
                .map(|l| InvoiceLineOut {
                    position: l.position,
                    description: l.description,
                    project_id: l.project_id.map(|p| p.0),
                    project: l.project_name,
                    date: l.date.map(|d| d.to_string()),
                    duration_seconds: l.duration_seconds,
                    rounded_duration_seconds: l.rounded_duration_seconds,
                    quantity_hours: l.quantity_hours,
                    unit_rate: l.unit_rate.normalize(),
                    amount: l.amount,
                    tax_rate_percent: l.tax_rate_percent.normalize(),
                    expense_id: l.expense_id,
                    track_ids: l.track_ids.into_iter().map(|t| t.0).collect(),
                })
                .collect(),
            created_at: utc(inv.created_at),
            sent_at: inv.sent_at.map(utc),
            paid_at: inv.paid_at.map(utc),
            voided_at: inv.voided_at.map(utc),
        }
    }
}

/// One invoice.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceResultOut {
    pub invoice: InvoiceOut,
}

/// An invoice without its lines (`get_invoice` has them): what `list_invoices` lists and what
/// a change of state (sent, paid, void, deleted) answers, a few hundred bytes whatever the
/// invoice's length. Money in major units of `currency`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct InvoiceSummaryOut {
    pub id: i64,
    /// Assigned when the invoice is marked sent.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// draft | sent | paid | void.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// ISO 4217.
    pub currency: String,
    /// The invoiced period, as its PDF and CSV print it.
    pub period: PeriodOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub issue_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_on: Option<String>,
    pub subtotal: Decimal,
    /// Before tax.
    pub discount: Decimal,
    pub tax: Decimal,
    /// subtotal - discount + tax.
    pub total: Decimal,
    /// Lines on the invoice (time and expenses).
    pub(crate) line_count: usize,
    /// Tracks billed (kept when the invoice is void).
    pub track_count: usize,
    /// Expenses billed.
    pub(crate) expense_count: usize,
    pub created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sent_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub voided_at: Option<String>,
}

impl From<&Invoice> for InvoiceSummaryOut {
    fn from(inv: &Invoice) -> Self {
        InvoiceSummaryOut {
            id: inv.id.0,
            number: inv.number.clone(),
            status: inv.status.as_str().to_owned(),
            client_id: inv.client_id.map(|c| c.0),
            client: inv.client_name.clone(),
            currency: inv.currency.code().to_owned(),
            period: PeriodOut::new(
                inv.period_start,
                inv.period_end,
                inv.timezone.parse().unwrap_or(Tz::UTC),
            ),
            issue_date: inv.issue_date.map(|d| d.to_string()),
            due_date: inv.due_date.map(|d| d.to_string()),
            paid_on: inv.paid_on.map(|d| d.to_string()),
            subtotal: inv.subtotal,
            discount: inv.discount,
            tax: inv.tax,
            total: inv.total,
            line_count: inv.lines.len(),
            track_count: inv.lines.iter().map(|l| l.track_ids.len()).sum(),
            expense_count: inv.lines.iter().filter(|l| l.expense_id.is_some()).count(),
            created_at: utc(inv.created_at),
            sent_at: inv.sent_at.map(utc),
            paid_at: inv.paid_at.map(utc),
            voided_at: inv.voided_at.map(utc),
        }
    }
}

/// The answer of a change of an invoice's state (`mark_invoice_sent`, `mark_invoice_paid`,
/// `void_invoice`, `delete_invoice`): the invoice as it is now (or was, deleted), without its
/// lines.
#[derive(Debug, Serialize, JsonSchema)]
pub struct InvoiceChangedOut {
    pub invoice: InvoiceSummaryOut,
}

/// A page of invoices without their lines, newest first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct InvoicePageOut {
    pub invoices: Vec<InvoiceSummaryOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Result of `export_invoice_csv`.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct CsvExportOut {
    pub invoice_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// RFC 4180 CSV, UTF-8, with a header row: one row per line item, then Subtotal, Tax, Total.
    pub csv: String,
    /// The absolute path of the file written, when a path was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Data rows (lines plus the 3 total rows).
    pub rows: usize,
}

/// Arguments of `export_invoice_pdf`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ExportPdfArgs {
    /// Invoice id or number.
    pub invoice_id: RefArg,
    /// Also write the PDF to this new file (stdio only).
    pub path: Option<String>,
}

/// Result of `export_invoice_pdf`. Without a path the PDF itself is the embedded resource in
/// the content; with one it is only in the file (`path`), and the answer stays small.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct PdfExportOut {
    pub invoice_id: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    /// Size of the PDF in bytes.
    pub bytes: usize,
    /// Pages of the PDF.
    pub pages: usize,
    /// The absolute path of the file written, when a path was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// True when the PDF is in the answer's content (no path was given).
    pub embedded: bool,
}

// ---------------------------------------------------------------------------------------------
// Analytics

/// Arguments of `time_summary`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct TimeSummaryArgs {
    /// A date (whole day), a date-time, or a period ("last week"; alone, all of it).
    #[serde(alias = "range")]
    pub from: String,
    /// End: a date (included) or a date-time (excluded).
    #[serde(default)]
    pub to: String,
    /// One or two groupings, outer first: day, week, month, year, project, client, tag, task,
    /// milestone, person.
    pub group_by: Vec<String>,
    /// Only this project (id or exact name).
    pub project: Option<RefArg>,
    /// Only this client (id or exact name).
    pub client: Option<RefArg>,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<RefArg>,
    /// Only billable (true) or non-billable (false) time.
    pub billable: Option<bool>,
    /// Id or name.
    pub milestone: Option<RefArg>,
    /// Only this person's: name, id, "me" or "owner".
    pub person: Option<String>,
}

/// Arguments of `top_projects`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct TopProjectsArgs {
    /// Start date, date-time or period (as time_summary's).
    #[serde(alias = "range")]
    pub from: String,
    /// End date (included) or date-time (excluded).
    #[serde(default)]
    pub to: String,
    /// How many projects, 1 to 500 (default 5).
    pub limit: Option<u32>,
}

/// Arguments of `budget_status`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct BudgetStatusArgs {
    /// One project; default: all with a budget.
    pub project: Option<RefArg>,
}

/// Arguments of `unbilled_summary`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UnbilledSummaryArgs {
    /// Only this client (id or exact name).
    pub client: Option<RefArg>,
    /// Start date or date-time (default: all time).
    pub from: Option<String>,
    /// End date or date-time (default: now).
    pub to: Option<String>,
    /// Person or "me".
    pub person: Option<String>,
}

/// An amount in one currency.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AmountOut {
    /// ISO 4217.
    pub currency: String,
    /// Major units.
    pub amount: Decimal,
}

/// The group of a summary row; only the grouped fields are present, and a project's client
/// (`client_id`, `client`) on rows grouped by project, so same-named projects are told apart.
#[derive(Debug, Default, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub(crate) struct GroupOut {
    /// Local date, YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) day: Option<String>,
    /// First day of the week (setting week_start), YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) week: Option<String>,
    /// YYYY-MM.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) month: Option<String>,
    /// YYYY.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) year: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// Project name, or "(no project)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// Client name, or "(no client)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag_id: Option<i64>,
    /// Tag name, or "(untagged)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    /// Task name ("Task (Project)" without a project grouping), or "(no task)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<i64>,
    /// Milestone name, or "(no milestone)".
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// Person id (absent for the owner).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    /// Person name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

/// Sums of a row or of the whole summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FiguresOut {
    /// Time of the tracks that start in the range (or row), whole, unrounded.
    pub duration_seconds: i64,
    /// The same as h:mm.
    pub duration: String,
    /// After rounding per the settings.
    pub rounded_duration_seconds: i64,
    /// The same as h:mm.
    pub(crate) rounded_duration: String,
    /// Rounded hours, 2 decimals.
    pub hours: Decimal,
    pub billable_seconds: i64,
    /// Billable amount before tax at today's rates, per currency.
    pub amounts: Vec<AmountOut>,
    /// Billable expenses dated in the range, per currency (rows by project or client, totals).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub expenses: Vec<AmountOut>,
    pub track_count: i64,
    /// True when a running timer counts (up to now).
    pub running: bool,
}

impl From<&Figures> for FiguresOut {
    fn from(f: &Figures) -> Self {
        FiguresOut {
            duration_seconds: f.duration_seconds,
            duration: format_hmm(f.duration_seconds),
            rounded_duration_seconds: f.rounded_duration_seconds,
            rounded_duration: format_hmm(f.rounded_duration_seconds),
            hours: hours(f.rounded_duration_seconds),
            billable_seconds: f.billable_seconds,
            amounts: f
                .amounts
                .iter()
                .map(|(c, a)| AmountOut {
                    currency: c.clone(),
                    amount: *a,
                })
                .collect(),
            expenses: f
                .expenses
                .iter()
                .map(|(c, a)| AmountOut {
                    currency: c.clone(),
                    amount: *a,
                })
                .collect(),
            track_count: f.track_count,
            running: f.running_count > 0,
        }
    }
}

/// A row of a summary.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct SummaryRowOut {
    pub(crate) group: GroupOut,
    /// The group's values joined by " / " (a project with its client: "Support (Acme)").
    pub label: String,
    #[serde(flatten)]
    pub figures: FiguresOut,
    /// For day rows: the day's length in seconds (82800 or 90000 on daylight-saving days).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub day_length_seconds: Option<i64>,
}

impl From<&SummaryRow> for SummaryRowOut {
    fn from(r: &SummaryRow) -> Self {
        let mut g = GroupOut::default();
        for k in &r.keys {
            let v = Some(k.value.clone());
            match k.dim {
                GroupDim::Day => g.day = v,
                GroupDim::Week => g.week = v,
                GroupDim::Month => g.month = v,
                GroupDim::Year => g.year = v,
                GroupDim::Project => (g.project, g.project_id) = (v, k.id),
                GroupDim::Client => (g.client, g.client_id) = (v, k.id),
                GroupDim::Tag => (g.tag, g.tag_id) = (v, k.id),
                GroupDim::Task => (g.task, g.task_id) = (v, k.id),
                GroupDim::Milestone => (g.milestone, g.milestone_id) = (v, k.id),
                GroupDim::Person => (g.person, g.person_id) = (v, k.id),
            }
        }
        if let Some((id, name)) = &r.project_client {
            (g.client_id, g.client) = (Some(*id), Some(name.clone()));
        }
        SummaryRowOut {
            group: g,
            label: r
                .keys
                .iter()
                .map(|k| r.key_label(k))
                .collect::<Vec<_>>()
                .join(" / "),
            figures: (&r.figures).into(),
            day_length_seconds: r.day_length_seconds,
        }
    }
}

/// A time summary.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SummaryOut {
    /// Range start (included), RFC 3339 in the configured zone.
    pub from: String,
    /// Range end (excluded), RFC 3339 in the configured zone.
    pub to: String,
    pub period: PeriodOut,
    pub group_by: Vec<String>,
    /// The rounding applied.
    pub rounding: RoundingOut,
    pub rows: Vec<SummaryRowOut>,
    /// Over all tracks once, each rounded once (a track with two tags counts in two tag rows but
    /// once here; day rows round each day's part, so with rounding on they may sum to more).
    pub totals: FiguresOut,
}

impl From<&Summary> for SummaryOut {
    fn from(s: &Summary) -> Self {
        SummaryOut {
            from: zoned(s.start, s.timezone),
            to: zoned(s.end, s.timezone),
            period: PeriodOut::new(s.start, s.end, s.timezone),
            group_by: s.group_by.iter().map(|g| g.as_str().to_owned()).collect(),
            rounding: RoundingOut {
                mode: s.rounding.mode.as_str().to_owned(),
                increment_minutes: s.rounding.increment_minutes,
                scope: s.rounding.scope.as_str().to_owned(),
            },
            rows: s.rows.iter().map(Into::into).collect(),
            totals: (&s.totals).into(),
        }
    }
}

/// A project among the top ones.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TopProjectOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// Project name, or "(no project)".
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// The project's client, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Share of all rounded time in the range, percent with 1 decimal.
    pub share_percent: Decimal,
    #[serde(flatten)]
    pub figures: FiguresOut,
}

/// Result of `top_projects`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TopProjectsOut {
    /// As time_summary's.
    pub from: String,
    pub to: String,
    pub period: PeriodOut,
    /// Most rounded time first.
    pub projects: Vec<TopProjectOut>,
    pub totals: FiguresOut,
}

/// Use of an hours budget.
#[derive(Debug, Serialize, JsonSchema)]
pub struct HoursBudgetOut {
    pub budget_hours: Decimal,
    /// Rounded per the settings; billable and non-billable time.
    pub(crate) used_hours: Decimal,
    /// Negative when over.
    pub(crate) remaining_hours: Decimal,
    pub(crate) percent_used: Decimal,
    /// ok | alert | over.
    pub status: String,
}

/// Use of a money budget.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MoneyBudgetOut {
    /// ISO 4217.
    pub currency: String,
    pub budget: Decimal,
    /// Billable amount at today's rates.
    pub used: Decimal,
    /// Negative when over.
    pub(crate) remaining: Decimal,
    pub(crate) percent_used: Decimal,
    /// ok | alert | over.
    pub status: String,
}

/// Budget status of one project.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct BudgetOut {
    pub project_id: i64,
    /// The project's name, bare (as every tool accepts it).
    pub project: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// The project's client, if it has one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// total | monthly.
    pub period: String,
    /// The period counted, RFC 3339 in the configured zone (end excluded).
    pub period_start: String,
    pub period_end: String,
    /// The month counted (monthly budgets).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) month: Option<PeriodOut>,
    pub alert_percent: u32,
    /// The worse of hours and money: ok | alert | over.
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hours: Option<HoursBudgetOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub money: Option<MoneyBudgetOut>,
}

/// Seconds as decimal hours with exactly 2 places, half-up.
fn secs_hours(d: Decimal) -> Decimal {
    let mut h =
        (d / Decimal::from(3600)).round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    h.rescale(2);
    h
}

impl From<&BudgetReport> for BudgetOut {
    fn from(b: &BudgetReport) -> Self {
        let hours = b.hours.as_ref().map(|u: &BudgetUse| HoursBudgetOut {
            budget_hours: secs_hours(u.budget),
            used_hours: secs_hours(u.used),
            remaining_hours: secs_hours(u.budget - u.used),
            percent_used: u.percent,
            status: u.status.as_str().to_owned(),
        });
        let money = b.money.as_ref().map(|u| MoneyBudgetOut {
            currency: b.currency.code().to_owned(),
            budget: u.budget,
            used: u.used,
            remaining: u.budget - u.used,
            percent_used: u.percent,
            status: u.status.as_str().to_owned(),
        });
        BudgetOut {
            project_id: b.project.id.0,
            project: b.project.name.clone(),
            client_id: b.project.client_id.map(|c| c.0),
            client: b.project.client_name.clone(),
            period: b.project.budget.period.as_str().to_owned(),
            period_start: zoned(b.period_start, b.timezone),
            period_end: zoned(b.period_end, b.timezone),
            month: (b.project.budget.period == stint_domain::entities::BudgetPeriod::Monthly)
                .then(|| PeriodOut::new(b.period_start, b.period_end, b.timezone)),
            alert_percent: b.project.budget.alert_percent,
            status: b.status.as_str().to_owned(),
            hours,
            money,
        }
    }
}

/// Result of `budget_status`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct BudgetsOut {
    pub budgets: Vec<BudgetOut>,
}

// ---------------------------------------------------------------------------------------------
// Expenses

/// Arguments of `create_expense`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateExpenseArgs {
    /// Project id or name.
    pub project: RefArg,
    /// YYYY-MM-DD.
    pub date: String,
    /// e.g. "12.50".
    pub amount: DecimalArg,
    /// Default: the project's.
    pub currency: Option<String>,
    /// What it was.
    pub description: String,
    /// Default true.
    pub billable: Option<bool>,
    /// Default: the invoice's.
    pub tax_rate_percent: Option<DecimalArg>,
    /// Text, never opened.
    pub receipt_path: Option<String>,
    /// Record even an exact repeat.
    pub allow_duplicate: Option<bool>,
    /// Retry key.
    pub request_id: Option<String>,
}

/// Arguments of `list_expenses`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListExpensesArgs {
    /// Project id or name.
    pub project: Option<RefArg>,
    /// Client id or name.
    pub client: Option<RefArg>,
    /// First day.
    pub from: Option<String>,
    /// Last day.
    pub to: Option<String>,
    /// Filter.
    pub billable: Option<bool>,
    /// Filter.
    pub invoiced: Option<bool>,
    /// Name, id or "me".
    pub person: Option<String>,
    /// Page size.
    pub limit: Option<u32>,
    /// next_cursor.
    pub cursor: Option<String>,
}

/// Arguments of `update_expense`; "" clears tax_rate_percent and receipt_path.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateExpenseArgs {
    /// Id.
    pub expense_id: RefArg,
    /// Project id or name.
    pub project: Option<RefArg>,
    /// YYYY-MM-DD.
    pub date: Option<String>,
    /// e.g. "12.50".
    pub amount: Option<DecimalArg>,
    /// Text.
    pub description: Option<String>,
    /// Billable.
    pub billable: Option<bool>,
    /// Percent.
    pub tax_rate_percent: Option<DecimalArg>,
    /// Text.
    pub receipt_path: Option<String>,
}

/// Arguments naming one expense.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ExpenseRefArgs {
    /// Id.
    pub expense_id: RefArg,
}

/// An expense. Amount in major units of its currency.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ExpenseOut {
    pub id: i64,
    pub project_id: i64,
    pub project: String,
    pub date: String,
    pub amount: Decimal,
    pub currency: String,
    pub description: String,
    pub billable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate_percent: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub receipt_path: Option<String>,
    /// The invoice holding it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<i64>,
    /// A draft: counted in no total until approved (approve_drafts).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// For a draft holding back an edit: the approved expense it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_of: Option<i64>,
}

impl From<stint_domain::entities::Expense> for ExpenseOut {
    fn from(e: stint_domain::entities::Expense) -> Self {
        ExpenseOut {
            id: e.id.0,
            project_id: e.project_id.0,
            project: e.project_name,
            date: e.date.to_string(),
            amount: e.amount,
            currency: e.currency.code().to_owned(),
            description: e.description,
            billable: e.billable,
            tax_rate_percent: e.tax_rate_percent.map(|t| t.normalize()),
            receipt_path: e.receipt_path,
            invoice_id: e.invoice_id.map(|i| i.0),
            draft: e.draft,
            draft_of: e.draft_of.map(|d| d.0),
        }
    }
}

/// One expense.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExpenseResultOut {
    pub expense: ExpenseOut,
}

/// A page of expenses, newest date first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ExpensePageOut {
    pub expenses: Vec<ExpenseOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
