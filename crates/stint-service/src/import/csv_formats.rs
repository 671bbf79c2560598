//! The CSV formats: stint's own, Toggl Track's detailed report, Clockify's detailed report and
//! Harvest's time report. Columns are found by header name, case-insensitive, in any order;
//! other columns (email, amounts of cost) are ignored. The user of a row (Toggl's and
//! Clockify's `User`, Harvest's `First Name` and `Last Name`, or a `Person` column) becomes
//! its person (see `import::people`).
//!
//! - stint: `start` (or `start_utc`), `end` (or `end_utc`), and optionally `project`,
//!   `client`, `tags` (or `tag`; `;` or `,` between tags), `description` (or `note`/`notes`),
//!   `billable`. Times are RFC 3339 or local date-times.
//! - Toggl Track: `Start date`, `Start time`, `End date`, `End time` (or `Stop ...`), `Client`,
//!   `Project`, `Task`, `Description`, `Tags` (comma-separated), `Billable` (Yes/No), and
//!   `Amount (CUR)` (the rate is the amount over the hours, to the cent) or a rate column.
//! - Clockify: the same dates and times in the user's formats (`03/04/2024`, `10:23 AM`),
//!   `Task` (or `Activity`), `Billable Rate (CUR)`.
//! - Harvest: `Date`, `Client`, `Project`, `Task`, `Notes`, `Hours` (decimal point or comma,
//!   or h:mm), `Billable?`, `Billable Rate`, `Currency` (`Euro - EUR`). No times of day: the
//!   entries of a date are laid end to end from 09:00 in file order.
//!
//! Dates with slashes are month-first unless a date of the file only reads day-first
//! (`25/03/2024`); dates with dots are day-first; `YYYY-MM-DD` is always read as such.

use std::collections::HashMap;
use std::io::BufRead;
use std::str::FromStr;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use rust_decimal::Decimal;

use super::{Checker, Entry, Identity, Result, RowResult, When, bad, parse_bool};
use crate::export::csv_text_back;
use stint_domain::time::local_to_utc;

/// Harvest entries of a date start at this hour, local time.
const HARVEST_DAY_START_HOUR: u32 = 9;

/// A CSV reader over `input` with its header row, lower-cased and without a BOM. The
/// delimiter is `;` or a tab when the header row has more of those than commas.
fn open_csv<R: BufRead>(mut input: R) -> Result<(csv::Reader<R>, Vec<String>)> {
    let head = input
        .fill_buf()
        .map_err(|e| bad(1, format!("cannot read the file ({e})")))?;
    let first = head.split(|b| *b == b'\n').next().unwrap_or(&[]);
    let count = |c: u8| first.iter().filter(|b| **b == c).count();
    let delimiter = [b';', b'\t']
        .into_iter()
        .find(|d| count(*d) > count(b','))
        .unwrap_or(b',');
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .trim(csv::Trim::All)
        .delimiter(delimiter)
        .from_reader(input);
    let headers: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, format!("cannot read the header row ({e})")))?
        .iter()
        .map(|h| h.trim_start_matches('\u{feff}').trim().to_ascii_lowercase())
        .collect();
    Ok((reader, headers))
}

/// The index of the first header in `names`.
fn col(headers: &[String], names: &[&str]) -> Option<usize> {
    names
        .iter()
        .find_map(|n| headers.iter().position(|h| h == n))
}

/// The index of the first header starting with `prefix`, and the currency code in its
/// parentheses (`amount (eur)` -> `EUR`), if any.
fn col_with_currency(headers: &[String], prefix: &str) -> Option<(usize, Option<String>)> {
    let i = headers.iter().position(|h| h.starts_with(prefix))?;
    let code = headers[i]
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(code, _)| code.trim().to_ascii_uppercase())
        .filter(|c| c.len() == 3 && c.bytes().all(|b| b.is_ascii_alphabetic()));
    Some((i, code))
}

fn cell(record: &csv::StringRecord, c: Option<usize>) -> &str {
    c.and_then(|c| record.get(c)).unwrap_or("").trim()
}

fn line_of(record: &csv::StringRecord, fallback: u64) -> u64 {
    record.position().map_or(fallback, |p| p.line())
}

/// Tags in one cell, separated by commas (or `;`).
fn split_tags(s: &str) -> Vec<String> {
    s.split([',', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads stint CSV.
pub(super) fn read_stint(input: impl BufRead, checker: &mut Checker) -> Result<()> {
    let (mut reader, headers) = open_csv(input)?;
    let (Some(c_start), Some(c_end)) = (
        col(&headers, &["start", "start_utc"]),
        col(&headers, &["end", "end_utc"]),
    ) else {
        return Err(bad(
            1,
            format!(
                "the header row must name a start and an end column (found: {}); expected \
                 start,end,project,client,tags,description,billable",
                headers.join(",")
            ),
        ));
    };
    let c_project = col(&headers, &["project"]);
    let c_client = col(&headers, &["client"]);
    let c_tags = col(&headers, &["tags", "tag"]);
    let c_desc = col(&headers, &["description", "note", "notes"]);
    let c_billable = col(&headers, &["billable"]);
    let mut record = csv::StringRecord::new();
    let mut at = reader.position().line();
    loop {
        let outcome = match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => stint_row(
                checker,
                &record,
                &[c_start, c_end],
                &[c_project, c_client, c_tags, c_desc, c_billable],
            ),
            Err(e) => Err(checker.bad(at, format!("cannot read the row ({e})"))),
        };
        checker.settle(outcome);
        at = reader.position().line();
    }
    Ok(())
}

/// Checks one stint CSV record: `times` the start and end columns, `cols` project, client,
/// tags, description and billable.
fn stint_row(
    checker: &mut Checker,
    record: &csv::StringRecord,
    times: &[usize; 2],
    cols: &[Option<usize>; 5],
) -> RowResult<()> {
    let [c_start, c_end] = *times;
    let [c_project, c_client, c_tags, c_desc, c_billable] = *cols;
    let line = line_of(record, 0);
    // A text cell as exported by stint (a formula-like text behind one `'`).
    let text = |c: Option<usize>| csv_text_back(cell(record, c)).to_owned();
    let mut e = Entry::new(
        line,
        When::Text(cell(record, Some(c_start)).to_owned()),
        Some(When::Text(cell(record, Some(c_end)).to_owned())),
        Identity::StintCsv,
    );
    e.project = Some(text(c_project));
    e.client = Some(text(c_client));
    e.tags = split_tags(&text(c_tags));
    e.description = text(c_desc);
    e.billable = parse_bool(checker, line, cell(record, c_billable))?;
    // An empty end in stint CSV is an error, not a running timer.
    if cell(record, Some(c_end)).is_empty() {
        return Err(checker.bad(line, "end: the end is empty; give the end time"));
    }
    checker.push(e)
}

/// Which order a date with slashes is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    MonthFirst,
    DayFirst,
}

/// The three numbers of a date and its separator, or `None`.
fn date_parts(s: &str) -> Option<(u32, u32, i32, char)> {
    let sep = s.chars().find(|c| matches!(c, '/' | '.' | '-'))?;
    let parts: Vec<&str> = s.trim_end_matches('.').split(sep).map(str::trim).collect();
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    if a.len() == 4 {
        // Year first: always year, month, day.
        return Some((b.parse().ok()?, c.parse().ok()?, a.parse().ok()?, 'i'));
    }
    let year: i32 = c.parse().ok()?;
    let year = if c.len() == 2 { 2000 + year } else { year };
    Some((a.parse().ok()?, b.parse().ok()?, year, sep))
}

/// What one date says about the order of the file's dates.
fn order_hint(s: &str) -> Option<Order> {
    let (a, b, _, sep) = date_parts(s)?;
    if sep != '/' && sep != '-' {
        return None;
    }
    if a > 12 && b <= 12 {
        Some(Order::DayFirst)
    } else if b > 12 && a <= 12 {
        Some(Order::MonthFirst)
    } else {
        None
    }
}

fn parse_date(s: &str, order: Order) -> Option<NaiveDate> {
    let (a, b, year, sep) = date_parts(s)?;
    let (month, day) = match (sep, order) {
        ('i', _) => (a, b),
        ('.', _) | (_, Order::DayFirst) => (b, a),
        (_, Order::MonthFirst) => (a, b),
    };
    NaiveDate::from_ymd_opt(year, month, day)
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    let upper = s.to_ascii_uppercase();
    for f in [
        "%H:%M:%S",
        "%H:%M",
        "%I:%M:%S %p",
        "%I:%M %p",
        "%I:%M:%S%p",
        "%I:%M%p",
    ] {
        if let Ok(t) = NaiveTime::parse_from_str(&upper, f) {
            return Some(t);
        }
    }
    None
}

/// A number as trackers write it: `1234.5`, `1,234.50`, `1.234,50`, `20,0`, with or without a
/// currency sign.
fn parse_number(s: &str) -> Option<Decimal> {
    let s: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if s.is_empty() {
        return None;
    }
    let normal = match (s.rfind('.'), s.rfind(',')) {
        (Some(d), Some(c)) if c > d => s.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => s.replace(',', ""),
        (None, Some(c)) => {
            let (before, after) = (&s[..c], &s[c + 1..]);
            // `1,234` groups thousands; `20,0` and `0,125` have a decimal comma.
            if after.len() == 3 && !before.is_empty() && before != "0" && !before.contains(',') {
                s.replace(',', "")
            } else {
                s.replace(',', ".")
            }
        }
        _ => s,
    };
    Decimal::from_str(&normal).ok()
}

/// The columns of a Toggl or Clockify detailed report.
struct Dated {
    start_date: usize,
    start_time: usize,
    end_date: usize,
    end_time: usize,
    project: Option<usize>,
    client: Option<usize>,
    task: Option<usize>,
    description: Option<usize>,
    tags: Option<usize>,
    billable: Option<usize>,
    rate: Option<(usize, Option<String>)>,
    amount: Option<(usize, Option<String>)>,
    user: Option<usize>,
}

impl Dated {
    fn find(headers: &[String], what: &str) -> Result<Dated> {
        let need = |names: &[&str]| {
            col(headers, names).ok_or_else(|| {
                bad(
                    1,
                    format!(
                        "this is not a {what} detailed report: no {:?} column (found: {}); \
                         export the detailed report as CSV, or name the format with --format",
                        names[0],
                        headers.join(",")
                    ),
                )
            })
        };
        Ok(Dated {
            start_date: need(&["start date"])?,
            start_time: need(&["start time"])?,
            end_date: need(&["end date", "stop date"])?,
            end_time: need(&["end time", "stop time"])?,
            project: col(headers, &["project"]),
            client: col(headers, &["client"]),
            task: col(headers, &["task", "activity"]),
            description: col(headers, &["description"]),
            tags: col(headers, &["tags", "tag"]),
            billable: col(headers, &["billable"]),
            rate: col_with_currency(headers, "billable rate")
                .or_else(|| col(headers, &["rate"]).map(|i| (i, None))),
            amount: col_with_currency(headers, "amount")
                .or_else(|| col_with_currency(headers, "billable amount")),
            user: col(headers, &["user", "person"]),
        })
    }
}

/// Reads a Toggl Track or Clockify detailed report: the whole file first, so that the order
/// of dates with slashes can be told from any of its rows.
fn read_dated(input: impl BufRead, checker: &mut Checker, what: &str) -> Result<()> {
    let (mut reader, headers) = open_csv(input)?;
    let cols = Dated::find(&headers, what)?;
    let mut records = Vec::new();
    let mut order = None;
    let mut at = reader.position().line();
    for (i, record) in reader.records().enumerate() {
        let line = i as u64 + 2;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                checker.settle(Err(checker.bad(at, format!("cannot read the row ({e})"))));
                continue;
            }
        };
        at = line_of(&record, at) + 1;
        for c in [cols.start_date, cols.end_date] {
            match (order, order_hint(cell(&record, Some(c)))) {
                (_, None) => {}
                (None, hint) => order = hint,
                (Some(o), Some(h)) if o == h => {}
                (Some(_), Some(_)) => {
                    return Err(bad(
                        line_of(&record, line),
                        "the file mixes month-first and day-first dates; export it again \
                         with one date format",
                    ));
                }
            }
        }
        records.push(record);
    }
    let order = order.unwrap_or(Order::MonthFirst);
    let currency = cols
        .amount
        .as_ref()
        .and_then(|a| a.1.clone())
        .or_else(|| cols.rate.as_ref().and_then(|r| r.1.clone()));
    for record in records {
        let outcome = dated_row(checker, &record, &cols, order, currency.as_ref());
        checker.settle(outcome);
    }
    Ok(())
}

/// Checks one record of a Toggl Track or Clockify report.
fn dated_row(
    checker: &mut Checker,
    record: &csv::StringRecord,
    cols: &Dated,
    order: Order,
    currency: Option<&String>,
) -> RowResult<()> {
    let line = line_of(record, 0);
    let stamp = |d: usize, t: usize, what: &str| -> RowResult<NaiveDateTime> {
        let (ds, ts) = (cell(record, Some(d)), cell(record, Some(t)));
        let date = parse_date(ds, order)
            .ok_or_else(|| checker.bad(line, format!("{what} date {ds:?} is not a date")))?;
        let time = parse_time(ts)
            .ok_or_else(|| checker.bad(line, format!("{what} time {ts:?} is not a time")))?;
        Ok(date.and_time(time))
    };
    let start = stamp(cols.start_date, cols.start_time, "start")?;
    let end = stamp(cols.end_date, cols.end_time, "end")?;
    let mut e = Entry::new(
        line,
        When::Local(start),
        Some(When::Local(end)),
        Identity::Content,
    );
    e.project = Some(cell(record, cols.project).to_owned());
    e.client = Some(cell(record, cols.client).to_owned());
    e.task = Some(cell(record, cols.task).to_owned());
    e.description = cell(record, cols.description).to_owned();
    e.tags = split_tags(cell(record, cols.tags));
    e.billable = parse_bool(checker, line, cell(record, cols.billable))?;
    e.currency = currency.cloned();
    e.user = Some(cell(record, cols.user).to_owned());
    e.rate = match (&cols.rate, &cols.amount) {
        (Some((c, _)), _) => parse_number(cell(record, Some(*c))),
        (None, Some((c, _))) => {
            // The hourly rate behind an amount: amount / hours, to the cent.
            let seconds = (end - start).num_seconds();
            parse_number(cell(record, Some(*c)))
                .filter(|a| !a.is_zero() && seconds > 0)
                .map(|a| (a * Decimal::from(3600) / Decimal::from(seconds)).round_dp(2))
        }
        (None, None) => None,
    };
    checker.push(e)
}

/// Reads a Toggl Track detailed report (CSV).
pub(super) fn read_toggl(input: impl BufRead, checker: &mut Checker) -> Result<()> {
    read_dated(input, checker, "Toggl Track")
}

/// Reads a Clockify detailed report (CSV).
pub(super) fn read_clockify(input: impl BufRead, checker: &mut Checker) -> Result<()> {
    read_dated(input, checker, "Clockify")
}

/// Hours as Harvest writes them: decimal (`1.5`, `"1,5"`) or `h:mm`.
fn parse_hours(s: &str) -> Option<i64> {
    if let Some((h, m)) = s.split_once(':') {
        let (h, m): (i64, i64) = (h.trim().parse().ok()?, m.trim().parse().ok()?);
        return (h >= 0 && (0..60).contains(&m)).then_some(h * 3600 + m * 60);
    }
    let hours = parse_number(s)?;
    if hours.is_sign_negative()
        || hours > Decimal::from(stint_domain::limits::MAX_TRACK_SECONDS / 3600)
    {
        return None;
    }
    i64::try_from((hours * Decimal::from(3600)).round().mantissa()).ok()
}

/// Reads a Harvest time report (CSV).
pub(super) fn read_harvest(input: impl BufRead, checker: &mut Checker) -> Result<()> {
    let (mut reader, headers) = open_csv(input)?;
    let (Some(c_date), Some(c_hours)) = (
        col(&headers, &["date", "spent date"]),
        col(&headers, &["hours"]),
    ) else {
        return Err(bad(
            1,
            format!(
                "this is not a Harvest time report: it needs Date and Hours columns (found: {}); \
                 export the detailed time report as CSV",
                headers.join(",")
            ),
        ));
    };
    let c_client = col(&headers, &["client"]);
    let c_project = col(&headers, &["project"]);
    let c_task = col(&headers, &["task"]);
    let c_notes = col(&headers, &["notes", "note"]);
    let c_billable = col(&headers, &["billable?", "billable"]);
    let c_rate = col(&headers, &["billable rate"]);
    let c_currency = col(&headers, &["currency"]);
    let c_user = HarvestUser::find(&headers);
    let mut records = Vec::new();
    let mut order = None;
    let mut at = reader.position().line();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                checker.settle(Err(checker.bad(at, format!("cannot read the row ({e})"))));
                continue;
            }
        };
        at = line_of(&record, at) + 1;
        if order.is_none() {
            order = order_hint(cell(&record, Some(c_date)));
        }
        records.push(record);
    }
    let order = order.unwrap_or(Order::MonthFirst);
    // Each record's date and seconds (or why not), then the seconds of each date: a date's
    // entries start at 09:00, or earlier when they would run past midnight.
    // Each person's day is laid out on its own: two people both start at 09:00.
    let mut parsed = Vec::with_capacity(records.len());
    let mut totals: HashMap<(String, NaiveDate), i64> = HashMap::new();
    for record in &records {
        let user = c_user.name(record);
        let line = line_of(record, 0);
        let ds = cell(record, Some(c_date));
        let hs = cell(record, Some(c_hours));
        let outcome = match parse_date(ds, order) {
            None => Err(checker.bad(line, format!("date {ds:?} is not a date"))),
            Some(date) => match parse_hours(hs) {
                None => Err(checker.bad(
                    line,
                    format!("hours {hs:?} is not a number of hours up to 744"),
                )),
                Some(seconds) => {
                    *totals.entry((user.clone(), date)).or_insert(0) += seconds;
                    Ok((date, seconds))
                }
            },
        };
        parsed.push(outcome);
    }
    // Seconds already laid out on each date, and how often each row's content was seen.
    let mut used: HashMap<(String, NaiveDate), i64> = HashMap::new();
    let mut seen: HashMap<String, u32> = HashMap::new();
    for (record, outcome) in records.iter().zip(parsed) {
        let outcome = outcome.and_then(|(date, seconds)| {
            let cols = HarvestCols {
                date: c_date,
                hours: c_hours,
                client: c_client,
                project: c_project,
                task: c_task,
                notes: c_notes,
                billable: c_billable,
                rate: c_rate,
                currency: c_currency,
            };
            let user = c_user.name(record);
            let layout = (date, seconds, totals[&(user.clone(), date)]);
            harvest_row(checker, record, &cols, layout, &user, &mut used, &mut seen)
        });
        checker.settle(outcome);
    }
    Ok(())
}

/// Where a Harvest report names the person: `First Name` and `Last Name`, or one `Person`
/// (or `User`) column.
struct HarvestUser {
    first: Option<usize>,
    last: Option<usize>,
    whole: Option<usize>,
}

impl HarvestUser {
    fn find(headers: &[String]) -> HarvestUser {
        HarvestUser {
            first: col(headers, &["first name"]),
            last: col(headers, &["last name"]),
            whole: col(headers, &["person", "user"]),
        }
    }

    /// The row's person, `First Last` (empty when the file names none).
    fn name(&self, record: &csv::StringRecord) -> String {
        let whole = cell(record, self.whole);
        if !whole.is_empty() {
            return whole.to_owned();
        }
        let (first, last) = (cell(record, self.first), cell(record, self.last));
        format!("{first} {last}").trim().to_owned()
    }
}

/// The columns of a Harvest report.
struct HarvestCols {
    date: usize,
    hours: usize,
    client: Option<usize>,
    project: Option<usize>,
    task: Option<usize>,
    notes: Option<usize>,
    billable: Option<usize>,
    rate: Option<usize>,
    currency: Option<usize>,
}

/// Lays out and checks one Harvest entry: `layout` is its date, its seconds and the seconds of
/// all entries of its date. Entries of a date run end to end from 09:00, or from as much
/// earlier as their total needs to end by midnight (from 00:00 at the earliest); a date with
/// more than a day of entries keeps them on the date, overlapping (each ends by midnight), and
/// is reported. `used` holds the seconds laid out per person and date so far; `user` is the
/// row's person (empty: none named).
fn harvest_row(
    checker: &mut Checker,
    record: &csv::StringRecord,
    c: &HarvestCols,
    layout: (NaiveDate, i64, i64),
    user: &str,
    used: &mut HashMap<(String, NaiveDate), i64>,
    seen: &mut HashMap<String, u32>,
) -> RowResult<()> {
    let (date, seconds, total) = layout;
    let line = line_of(record, 0);
    let local = |d: NaiveDate, hour: u32| -> RowResult<chrono::DateTime<chrono::Utc>> {
        let t = d.and_hms_opt(hour, 0, 0).expect("a whole hour exists");
        local_to_utc(t, checker.tz()).map_err(|e| checker.bad(line, e))
    };
    let midnight = local(date, 0)?;
    let next_midnight = match date.succ_opt() {
        Some(next) => local(next, 0)?,
        None => midnight + Duration::days(1),
    };
    let day = (next_midnight - midnight).num_seconds();
    // The import key keeps the 09:00 anchor of earlier builds, so a file imported before is
    // recognised.
    let anchor = local(date, HARVEST_DAY_START_HOUR)?;
    let first = if total <= (next_midnight - anchor).num_seconds() {
        anchor
    } else {
        next_midnight - Duration::seconds(total.min(day))
    };
    if total > day {
        checker.crowded(date);
    }
    let offset = used.entry((user.to_owned(), date)).or_insert(0);
    let mut start = first + Duration::seconds(*offset);
    *offset += seconds;
    if start + Duration::seconds(seconds) > next_midnight {
        // More than a day on this date: end by midnight, overlapping the entries before.
        start = (next_midnight - Duration::seconds(seconds)).max(midnight);
    }
    let hs = cell(record, Some(c.hours));
    let content = [
        cell(record, Some(c.date)),
        cell(record, c.client),
        cell(record, c.project),
        cell(record, c.task),
        cell(record, c.notes),
        hs,
        cell(record, c.billable),
        cell(record, c.rate),
    ]
    .join("\u{1f}");
    let n = seen.entry(content.clone()).or_insert(0);
    *n += 1;
    let mut e = Entry::new(
        line,
        When::Instant(start),
        Some(When::Instant(start + Duration::seconds(seconds))),
        Identity::Source {
            id: format!("{content}\u{1f}{n}"),
            key_at: Some(anchor.timestamp()),
        },
    );
    e.client = Some(cell(record, c.client).to_owned());
    e.project = Some(cell(record, c.project).to_owned());
    e.task = Some(cell(record, c.task).to_owned());
    e.description = cell(record, c.notes).to_owned();
    e.billable = parse_bool(checker, line, cell(record, c.billable))?;
    e.rate = parse_number(cell(record, c.rate));
    e.user = Some(user.to_owned());
    // `Euro - EUR`, `US Dollar - USD`, or just `EUR`.
    e.currency = Some(cell(record, c.currency))
        .map(|c| c.rsplit(['-', ' ']).next().unwrap_or("").trim().to_owned())
        .filter(|c| c.len() == 3);
    checker.push(e)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_in_the_forms_trackers_write() {
        let n = |s: &str| parse_number(s).map(|d| d.normalize().to_string());
        assert_eq!(n("20,0").as_deref(), Some("20"));
        assert_eq!(n("0,01").as_deref(), Some("0.01"));
        assert_eq!(n("2.000,0").as_deref(), Some("2000"));
        assert_eq!(n("1,234.50").as_deref(), Some("1234.5"));
        assert_eq!(n("1,234").as_deref(), Some("1234"));
        assert_eq!(n("0,125").as_deref(), Some("0.125"));
        assert_eq!(n("$95.00").as_deref(), Some("95"));
        assert_eq!(n(""), None);
    }

    #[test]
    fn hours_decimal_or_clock() {
        assert_eq!(parse_hours("0,01"), Some(36));
        assert_eq!(parse_hours("1.5"), Some(5400));
        assert_eq!(parse_hours("1:30"), Some(5400));
        assert_eq!(parse_hours("-1"), None);
        assert_eq!(parse_hours("9999"), None);
    }

    #[test]
    fn dates_and_times_in_user_formats() {
        let d = |s, o| parse_date(s, o).map(|d| d.to_string());
        assert_eq!(
            d("03/04/2024", Order::MonthFirst).as_deref(),
            Some("2024-03-04")
        );
        assert_eq!(
            d("03/04/2024", Order::DayFirst).as_deref(),
            Some("2024-04-03")
        );
        assert_eq!(
            d("04.03.2024", Order::MonthFirst).as_deref(),
            Some("2024-03-04")
        );
        assert_eq!(
            d("2024-03-04", Order::DayFirst).as_deref(),
            Some("2024-03-04")
        );
        assert_eq!(order_hint("25/03/2024"), Some(Order::DayFirst));
        assert_eq!(order_hint("03/25/2024"), Some(Order::MonthFirst));
        assert_eq!(order_hint("03/04/2024"), None);
        let t = |s| parse_time(s).map(|t| t.to_string());
        assert_eq!(t("10:23 AM").as_deref(), Some("10:23:00"));
        assert_eq!(t("11:23:01 pm").as_deref(), Some("23:23:01"));
        assert_eq!(t("15:10:43").as_deref(), Some("15:10:43"));
        assert_eq!(t("25:00"), None);
    }
}
