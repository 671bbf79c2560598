//! CSV exports (RFC 4180, UTF-8, CRLF, header row) of invoices and tracks, written with the
//! `csv` crate so that quoting is right for any text.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use crate::domain::entities::{Invoice, Track};
use crate::domain::rounding::round_seconds;
use crate::domain::settings::Rounding;
use crate::domain::track::elapsed_seconds;

/// Column names of the invoice CSV export.
pub const INVOICE_CSV_HEADER: [&str; 17] = [
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
];

/// Renders an invoice as RFC 4180 CSV (UTF-8, CRLF line ends, header row): one row per line
/// item, then rows `Subtotal`, `Tax` and `Total` whose amount column holds the figure.
///
/// Hours are the billed quantity (after rounding, 2 decimals); `unrounded_hours` is the tracked
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
    let common = [
        number,
        inv.status.as_str().to_owned(),
        date(inv.issue_date),
        date(inv.due_date),
        inv.client_name.clone().unwrap_or_default(),
        inv.client_tax_id.clone().unwrap_or_default(),
        inv.seller_name.clone().unwrap_or_default(),
    ];
    // Writing to a Vec cannot fail.
    let _ = w.write_record(INVOICE_CSV_HEADER);
    for line in &inv.lines {
        let unrounded = (Decimal::from(line.duration_seconds) / Decimal::from(3600))
            .round_dp_with_strategy(2, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        let mut row: Vec<String> = common.to_vec();
        row.extend([
            line.position.to_string(),
            date(line.date),
            line.description.clone(),
            line.project_name.clone().unwrap_or_default(),
            format!("{:.2}", line.quantity_hours),
            format!("{unrounded:.2}"),
            line.unit_rate.normalize().to_string(),
            money(line.amount),
            inv.currency.code().to_owned(),
            inv.tax_rate_percent.normalize().to_string(),
        ]);
        let _ = w.write_record(&row);
    }
    for (what, amount) in [
        ("Subtotal", inv.subtotal),
        ("Tax", inv.tax),
        ("Total", inv.total),
    ] {
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
            inv.tax_rate_percent.normalize().to_string(),
        ]);
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

fn hours_text(seconds: i64) -> String {
    let h = (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    format!("{h:.2}")
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

/// A tracks CSV written a page at a time, so exporting years of tracks needs little memory.
#[derive(Debug)]
pub struct TracksCsv<W: std::io::Write> {
    w: csv::Writer<W>,
    rounding: Rounding,
    now: DateTime<Utc>,
    header_written: bool,
}

impl<W: std::io::Write> TracksCsv<W> {
    /// Starts a CSV on `out`; nothing is written until the first [`TracksCsv::write`] or
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
    pub fn write(&mut self, tracks: &[Track]) -> std::io::Result<()> {
        self.header()?;
        for t in tracks {
            let tz: chrono_tz::Tz = t.timezone.parse().unwrap_or(chrono_tz::UTC);
            let show = |at: DateTime<Utc>| {
                at.with_timezone(&tz)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
            };
            let secs = elapsed_seconds(t.start, t.end, self.now);
            let rounded = round_seconds(secs, self.rounding);
            self.w.write_record([
                t.id.to_string(),
                show(t.start),
                t.end.map(show).unwrap_or_default(),
                t.timezone.clone(),
                secs.to_string(),
                rounded.to_string(),
                hours_text(secs),
                hours_text(rounded),
                t.project_name.clone().unwrap_or_default(),
                t.client_name.clone().unwrap_or_default(),
                t.tags
                    .iter()
                    .map(|(_, n)| n.as_str())
                    .collect::<Vec<_>>()
                    .join(";"),
                t.description.clone(),
                t.billable.to_string(),
                t.hourly_rate
                    .map(|r| r.normalize().to_string())
                    .unwrap_or_default(),
                t.invoice_id.map(|i| i.to_string()).unwrap_or_default(),
                t.is_running().to_string(),
            ])?;
        }
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
