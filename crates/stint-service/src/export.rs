//! CSV exports (RFC 4180, UTF-8, CRLF, header row) of invoices and tracks, written with the
//! `csv` crate so that quoting is right for any text.
//!
//! Text cells (names, descriptions, tags, numbers of invoices) that a spreadsheet would run as
//! a formula get a leading `'` ([`csv_text`], OWASP "CSV injection"); numbers and dates never
//! do, so a negative amount stays a number. `stint import csv` reads such a cell back to the
//! original text ([`csv_text_back`]).

use std::collections::HashMap;
use std::fmt::Write as _;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::tracks::{ListTracks, track_filter};
use super::{Result, Service, ServiceError};
use stint_store::tracks;

use stint_domain::entities::{Invoice, Track};
use stint_domain::rounding::round_seconds;
use stint_domain::settings::Rounding;
use stint_domain::time::{inclusive_days, parse_time_zone};

/// Whether a spreadsheet would read `text` as a formula: it starts with `=`, `+`, `-`, `@`,
/// tab or carriage return, or with `'` before text that would (so that [`csv_text_back`] can
/// undo exactly one `'`).
fn formula_like(text: &str) -> bool {
    match text.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => true,
        Some(b'\'') => formula_like(&text[1..]),
        _ => false,
    }
}

/// A text cell as exported: `text` with a leading `'` when a spreadsheet would otherwise run it
/// as a formula (`=HYPERLINK(...)` -> `'=HYPERLINK(...)`), else unchanged.
pub fn csv_text(text: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(text) {
        std::borrow::Cow::Owned(format!("'{text}"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// The inverse of [`csv_text`]: `'` followed by formula-like text loses that one `'`; any
/// other cell is unchanged. `csv_text_back(&csv_text(t)) == t` for every `t`.
pub fn csv_text_back(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => cell,
    }
}

/// Column names of the invoice CSV export. The last two are the invoiced period's first and
/// last local dates, both included, as the PDF prints them.
pub const INVOICE_CSV_HEADER: [&str; 19] = [
    "invoice_number",
    "status",
    "issue_date",
    "due_date",
    "client",
    "client_tax_id",
    "seller",
    "line",
    "date",
    "description",
    "project",
    "hours",
    "unrounded_hours",
    "unit_rate",
    "amount",
    "currency",
    "tax_rate_percent",
    "period_first_day",
    "period_last_day",
];

/// The rows after the lines of an invoice's CSV: `Subtotal`, `Discount` (when there is one, as
/// a negative amount), one `Tax` row per tax rate (its rate in `tax_rate_percent`), `Total`;
/// as (label, amount, rate).
pub(crate) fn invoice_csv_totals(inv: &Invoice) -> Vec<(&'static str, Decimal, Decimal)> {
    let rate = inv.tax_rate_percent;
    let mut rows = vec![("Subtotal", inv.subtotal, rate)];
    if !inv.discount.is_zero() {
        rows.push(("Discount", -inv.discount, rate));
    }
    if inv.tax_summary.is_empty() {
        rows.push(("Tax", inv.tax, rate));
    }
    for r in &inv.tax_summary {
        rows.push(("Tax", r.tax, r.tax_rate_percent));
    }
    rows.push(("Total", inv.total, rate));
    rows
}

/// Renders an invoice as RFC 4180 CSV (UTF-8, CRLF line ends, header row): one row per line
/// item with its tax rate, then the rows of `invoice_csv_totals` (`Subtotal`, `Discount`,
/// `Tax` per rate, `Total`) whose amount column holds the figure.
///
/// Hours are the billed quantity (after rounding, 2 to 4 decimals); `unrounded_hours` is the tracked
/// time before rounding. Money is in major units with the currency's minor digits. A draft has
/// no number yet and shows `DRAFT-<id>`.
pub fn invoice_csv(inv: &Invoice) -> String {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let digits = inv.currency.minor_units();
    let money = |d: Decimal| format!("{:.*}", digits as usize, d.round_dp(digits));
    let number = inv
        .number
        .clone()
        .unwrap_or_else(|| format!("DRAFT-{}", inv.id));
    let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    let text = |t: Option<&str>| csv_text(t.unwrap_or_default()).into_owned();
    let common = [
        text(Some(&number)),
        inv.status.as_str().to_owned(),
        date(inv.issue_date),
        date(inv.due_date),
        text(inv.client_name.as_deref()),
        text(inv.client_tax_id.as_deref()),
        text(inv.seller_name.as_deref()),
    ];
    let period: [String; 2] = match parse_time_zone(&inv.timezone) {
        Ok(tz) => {
            let (first, last) = inclusive_days(inv.period_start, inv.period_end, tz);
            [first.to_string(), last.to_string()]
        }
        Err(_) => Default::default(),
    };
    // Writing to a Vec cannot fail.
    let _ = w.write_record(INVOICE_CSV_HEADER);
    for line in &inv.lines {
        let unrounded = (Decimal::from(line.duration_seconds) / Decimal::from(3600))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let mut row: Vec<String> = common.to_vec();
        row.extend([
            line.position.to_string(),
            date(line.date),
            text(Some(&line.description)),
            text(line.project_name.as_deref()),
            line.quantity_hours.to_string(),
            format!("{unrounded:.2}"),
            line.unit_rate.normalize().to_string(),
            money(line.amount),
            inv.currency.code().to_owned(),
            line.tax_rate_percent.normalize().to_string(),
        ]);
        row.extend(period.iter().cloned());
        let _ = w.write_record(&row);
    }
    for (what, amount, rate) in invoice_csv_totals(inv) {
        let mut row: Vec<String> = common.to_vec();
        row.extend([
            String::new(),
            String::new(),
            what.to_owned(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            money(amount),
            inv.currency.code().to_owned(),
            rate.normalize().to_string(),
        ]);
        row.extend(period.iter().cloned());
        let _ = w.write_record(&row);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

/// Column names of the tracks CSV export.
pub const TRACKS_CSV_HEADER: [&str; 16] = [
    "id",
    "start",
    "end",
    "timezone",
    "duration_seconds",
    "rounded_duration_seconds",
    "hours",
    "rounded_hours",
    "project",
    "client",
    "tags",
    "description",
    "billable",
    "hourly_rate",
    "invoice_id",
    "running",
];

/// Appends `seconds` as hours with 2 decimals, half away from zero (`5400` -> `1.50`), as
/// `Decimal` rounding of `seconds / 3600` would: in integers, since `seconds` is never negative.
fn push_hours(out: &mut String, seconds: i64) {
    let hundredths = (seconds.max(0) * 100 + 1800) / 3600;
    let _ = write!(out, "{}.{:02}", hundredths / 100, hundredths % 100);
}

/// Renders tracks as CSV: one row per track with its unrounded and rounded (per entry, with
/// `rounding`) duration; a running track counts up to `now`. Times are RFC 3339 in the zone the
/// track was recorded in; tags are joined with `;`.
pub fn tracks_csv(tracks: &[Track], rounding: Rounding, now: DateTime<Utc>) -> String {
    let mut out = TracksCsv::new(Vec::new(), rounding, now);
    // Writing to a Vec cannot fail.
    let _ = out.write(tracks);
    String::from_utf8(out.finish().unwrap_or_default()).unwrap_or_default()
}

/// One row of the tracks CSV, borrowed from a [`Track`] or an export row.
struct CsvRow<'a> {
    id: i64,
    /// Unix seconds, UTC.
    start: i64,
    end: Option<i64>,
    timezone: &'a str,
    project: &'a str,
    client: &'a str,
    /// Tag names joined with `;`.
    tags: &'a str,
    description: &'a str,
    billable: bool,
    hourly_rate: Option<Decimal>,
    invoice_id: Option<i64>,
}

/// A tracks CSV written row by row, so exporting years of tracks needs little memory.
#[derive(Debug)]
pub struct TracksCsv<W: std::io::Write> {
    w: csv::Writer<W>,
    rounding: Rounding,
    now: DateTime<Utc>,
    header_written: bool,
    /// The last zone name seen and its parsed zone: tracks rarely change zone.
    zone: Option<(String, Tz)>,
    buf: String,
}

impl<W: std::io::Write> TracksCsv<W> {
    /// Starts a CSV on `out`; nothing is written until the first `TracksCsv::write` or
    /// [`TracksCsv::finish`], so a failure before that leaves the output untouched.
    pub fn new(out: W, rounding: Rounding, now: DateTime<Utc>) -> Self {
        let w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(out);
        TracksCsv {
            w,
            rounding,
            now,
            header_written: false,
            zone: None,
            buf: String::new(),
        }
    }

    fn header(&mut self) -> std::io::Result<()> {
        if !self.header_written {
            self.w.write_record(TRACKS_CSV_HEADER)?;
            self.header_written = true;
        }
        Ok(())
    }

    /// Appends one row per track (see [`tracks_csv`]).
    ///
    /// # Errors
    /// Writing to the output failed.
    pub(crate) fn write(&mut self, tracks: &[Track]) -> std::io::Result<()> {
        let mut tags = String::new();
        for t in tracks {
            tags.clear();
            for (i, (_, name)) in t.tags.iter().enumerate() {
                if i > 0 {
                    tags.push(';');
                }
                tags.push_str(name);
            }
            self.row(&CsvRow {
                id: t.id.0,
                start: t.start.timestamp(),
                end: t.end.map(|e| e.timestamp()),
                timezone: &t.timezone,
                project: t.project_name.as_deref().unwrap_or(""),
                client: t.client_name.as_deref().unwrap_or(""),
                tags: &tags,
                description: &t.description,
                billable: t.billable,
                hourly_rate: t.hourly_rate,
                invoice_id: t.invoice_id.map(|i| i.0),
            })?;
        }
        Ok(())
    }

    /// Writes `value`'s text as the next field.
    fn field(&mut self, value: impl std::fmt::Display) -> std::io::Result<()> {
        self.buf.clear();
        let _ = write!(self.buf, "{value}");
        self.w.write_field(self.buf.as_bytes())?;
        Ok(())
    }

    /// Writes an instant in `tz` as RFC 3339 (seconds, `Z` for UTC) as the next field.
    fn instant(&mut self, secs: i64, tz: Tz) -> std::io::Result<()> {
        let at = DateTime::<Utc>::from_timestamp(secs, 0).unwrap_or_default();
        self.w.write_field(
            at.with_timezone(&tz)
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )?;
        Ok(())
    }

    fn row(&mut self, r: &CsvRow<'_>) -> std::io::Result<()> {
        self.header()?;
        let tz = match &self.zone {
            Some((name, tz)) if name == r.timezone => *tz,
            _ => {
                let tz: Tz = r.timezone.parse().unwrap_or(chrono_tz::UTC);
                self.zone = Some((r.timezone.to_owned(), tz));
                tz
            }
        };
        let secs = (r.end.unwrap_or(self.now.timestamp()) - r.start).max(0);
        let rounded = round_seconds(secs, self.rounding);
        self.field(r.id)?;
        self.instant(r.start, tz)?;
        match r.end {
            Some(end) => self.instant(end, tz)?,
            None => self.w.write_field("")?,
        }
        self.w.write_field(r.timezone)?;
        self.field(secs)?;
        self.field(rounded)?;
        for s in [secs, rounded] {
            self.buf.clear();
            push_hours(&mut self.buf, s);
            self.w.write_field(self.buf.as_bytes())?;
        }
        for text in [r.project, r.client, r.tags, r.description] {
            self.w.write_field(csv_text(text).as_bytes())?;
        }
        self.w
            .write_field(if r.billable { "true" } else { "false" })?;
        match r.hourly_rate {
            Some(rate) => self.field(rate.normalize())?,
            None => self.w.write_field("")?,
        }
        match r.invoice_id {
            Some(id) => self.field(id)?,
            None => self.w.write_field("")?,
        }
        self.w
            .write_field(if r.end.is_none() { "true" } else { "false" })?;
        self.w.write_record(None::<&[u8]>)?;
        Ok(())
    }

    /// Flushes and returns the output.
    ///
    /// # Errors
    /// Flushing failed.
    pub fn finish(mut self) -> std::io::Result<W> {
        self.header()?;
        self.w.into_inner().map_err(|e| e.into_error())
    }
}

/// Why a tracks export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// Bad filter (unknown name, bad time) or a store error.
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Writing the CSV failed (disk full, closed pipe, ...).
    #[error("cannot write the CSV ({0})")]
    Write(std::io::Error),
}

impl Service {
    /// Writes the invoice's CSV (see [`invoice_csv`]) to the file at `path` (rules of
    /// [`Service::output_file`]: local callers only, a new file unless `overwrite`, mode 0600,
    /// never the database) and records the export in the audit log. Returns the invoice, the
    /// CSV text and the absolute path written.
    ///
    /// # Errors
    /// Unknown invoice; the path is refused or cannot be written (nothing is written then).
    pub fn export_invoice_csv_to(
        &self,
        invoice: &str,
        path: &std::path::Path,
        overwrite: bool,
    ) -> Result<(Invoice, String, std::path::PathBuf)> {
        let inv = self.get_invoice(invoice)?;
        let text = invoice_csv(&inv);
        let mut out = self.output_file(path, overwrite)?;
        std::io::Write::write_all(&mut out, text.as_bytes()).map_err(|e| {
            ServiceError::Conflict(
                format!(
                    "cannot write {} ({e}); nothing was written there",
                    out.target().display()
                )
                .into(),
            )
        })?;
        let written = out.commit()?;
        self.audit_export(
            "export_invoice_csv",
            &written.display().to_string(),
            Some(inv.lines.len() + invoice_csv_totals(&inv).len()),
        )?;
        Ok((inv, text, written))
    }

    /// Writes every track matching `req` to `csv`, newest first (`req.limit` and `req.cursor`
    /// are ignored), reading them in one snapshot and one statement, without collecting them in
    /// memory; returns how many were written. Project, client and tag names are loaded once.
    ///
    /// # Errors
    /// [`ExportError::Service`] for an unknown project, client or tag, a bad time, or a store
    /// error (nothing is written when the filter is refused); [`ExportError::Write`] when
    /// writing fails.
    pub fn export_tracks_csv<W: std::io::Write>(
        &self,
        req: &ListTracks,
        csv: &mut TracksCsv<W>,
    ) -> Result<usize, ExportError> {
        let mut write_error = None;
        let mut count = 0;
        let read = self.read(|ctx| {
            let mut filter = track_filter(ctx, req)?;
            // Drafts are proposals: an export carries approved tracks only.
            filter.draft = Some(false);
            let (projects, tags) = tracks::export_names(ctx.tx)?;
            let rank: HashMap<i64, usize> = tags
                .iter()
                .enumerate()
                .map(|(i, (id, _))| (*id, i))
                .collect();
            let mut order: Vec<usize> = Vec::new();
            let mut joined = String::new();
            tracks::for_each_export(ctx.tx, &filter, |row| -> Result<()> {
                order.clear();
                joined.clear();
                for id in row.tag_ids.unwrap_or("").split(',') {
                    if let Some(&i) = id.parse().ok().and_then(|id: i64| rank.get(&id)) {
                        order.push(i);
                    }
                }
                order.sort_unstable();
                for (k, &i) in order.iter().enumerate() {
                    if k > 0 {
                        joined.push(';');
                    }
                    joined.push_str(&tags[i].1);
                }
                let (project, client) = row
                    .project_id
                    .and_then(|p| projects.get(&p))
                    .map_or(("", ""), |(name, client)| {
                        (name.as_str(), client.as_deref().unwrap_or(""))
                    });
                let written = csv.row(&CsvRow {
                    id: row.id,
                    start: row.start,
                    end: row.end,
                    timezone: row.timezone,
                    project,
                    client,
                    tags: &joined,
                    description: row.description,
                    billable: row.billable,
                    hourly_rate: row.hourly_rate.and_then(|r| r.parse().ok()),
                    invoice_id: row.invoice_id,
                });
                if let Err(e) = written {
                    write_error = Some(e);
                    return Err(ServiceError::Conflict(
                        "the CSV could not be written".into(),
                    ));
                }
                count += 1;
                Ok(())
            })
        });
        if let Some(e) = write_error {
            return Err(ExportError::Write(e));
        }
        read?;
        Ok(count)
    }
}
