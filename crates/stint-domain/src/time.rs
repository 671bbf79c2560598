//! Instants, local dates, ranges and durations.
//!
//! Rules (docs/rules.md, "Time"):
//! - An instant is RFC 3339 with an offset, or a local date-time read in the configured zone.
//! - A range given as dates includes both days; a range given as date-times is half-open.
//! - Durations are whole seconds; inputs accept `1h30m`, `90m`, `1.5h`, `01:30`, `PT1H30M`, and
//!   unit words: `45min`, `1 hour`, `2 hrs`, `1h 30m`, `90 minutes`, `1 hour and 30 minutes`.
//! - Times of day: `09:00`, `9am`, `9:30pm`, `noon`, `midnight` (the start of the day).
//! - Named periods (`today`, `yesterday`, `this week`, `last week`, `this month`, `last month`,
//!   `this year`, `last year`) are whole local days in the configured zone; weeks begin on the
//!   `week_start` setting.
//! - A track belongs wholly to the local day (and week, month, year) in which it starts; days on
//!   which daylight saving changes are 23 or 25 hours long ([`local_day_seconds`]).

use crate::msg;
use crate::words::Arg;
use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::DomainError;
use super::limits::{MAX_DURATION_SECONDS, check_date, check_instant};
use super::natural_time::now_for_message;
pub use super::natural_time::{ACCEPTED_DATES, ACCEPTED_TIMES, Reading};
use super::natural_time::{read_date, read_month};

const DURATION_HINT: &str = "give a duration such as 1h30m, 90m, 45min, 1 hour, 1.5h, 2 hrs, \
     01:30 (hours:minutes) or PT1H30M";
const PERIOD_HINT: &str = "a named period: today, yesterday, this week, last week, this month, \
     last month, this year, last year, 2026-11, November 2026";

/// The hint of an unreadable time: the current local time and the accepted forms.
fn instant_hint(tz: Tz, now: DateTime<Utc>) -> String {
    format!(
        "it is now {}. Accepted: {ACCEPTED_TIMES}",
        now_for_message(now, tz)
    )
}

/// The hint of an unreadable date: today's date and the accepted forms.
fn date_hint(tz: Tz, now: DateTime<Utc>) -> String {
    format!(
        "it is now {}. Accepted: {ACCEPTED_DATES}",
        now_for_message(now, tz)
    )
}

/// Parses an IANA time zone name such as `Europe/Berlin` or `UTC`.
///
/// # Errors
/// [`DomainError::Parse`] for a name the IANA database does not know.
pub fn parse_time_zone(input: &str) -> Result<Tz, DomainError> {
    input.trim().parse::<Tz>().map_err(|_| {
        DomainError::parse(
            "time zone",
            input,
            "give an IANA time zone name such as Europe/Berlin, America/New_York or UTC",
        )
    })
}

/// Resolves a local date-time in `tz` to a UTC instant.
///
/// In the hour that repeats when clocks go back, the earlier of the two instants is taken (send
/// an explicit offset to pick the later one). A local time that does not exist because clocks
/// jump forward is an error.
pub fn local_to_utc(local: NaiveDateTime, tz: Tz) -> Result<DateTime<Utc>, DomainError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(earliest, _) => Ok(earliest.with_timezone(&Utc)),
        LocalResult::None => Err(DomainError::Invalid(
            format!(
                "{} does not exist in {tz}: the clocks jump forward over it for daylight saving; \
             give a time outside the gap or give an explicit offset",
                local.format("%Y-%m-%d %H:%M")
            )
            .into(),
        )),
    }
}

/// Parses an instant.
///
/// Accepted forms: RFC 3339 with an offset or `Z`; a local date-time `YYYY-MM-DD HH:MM[:SS]`
/// (also with `T`) read in `tz`; `now`; and the phrases of `super::natural_time` read in
/// `tz`: a time of day alone (today), `today 09:00`, `yesterday 5pm`, `monday 13:00`, `last
/// friday 9am`, `2 days ago 9am`, `15 min ago`, `in 10 minutes`, `Nov 30 9am`,
/// `30 Nov 2026 14:00`, `2026-11-30 9am`. `now` is the caller's clock reading; this function
/// never reads the clock.
///
/// # Errors
/// [`DomainError::Parse`] for anything else (the message gives the current local time and
/// the accepted forms), [`DomainError::Invalid`] for a local time inside a daylight-saving gap,
/// a day without a time of day, or an instant outside 1900-01-01..=2199-12-31 UTC (see
/// [`super::limits`]).
pub fn parse_instant(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DomainError> {
    read_instant(input, tz, now).map(|r| r.at)
}

/// Reads an instant as [`parse_instant`] does, saying how it was given (see [`Reading`]).
///
/// # Errors
/// As [`parse_instant`].
pub fn read_instant(input: &str, tz: Tz, now: DateTime<Utc>) -> Result<Reading, DomainError> {
    let r = read_instant_exact(input, tz, now)?;
    let at = check_instant(
        DateTime::from_timestamp(r.at.timestamp(), 0).unwrap_or(r.at),
        input,
    )?;
    Ok(Reading { at, ..r })
}

/// Reads the end of a span that began at `start`: as [`read_instant`], except that a time of
/// day alone (`11:30`, `1am`) is the first such local time after `start`, so that `9am` to
/// `11:30` is 2:30 and `22:00` to `01:00` crosses midnight (docs/rules.md, "Time").
///
/// # Errors
/// As [`parse_instant`].
pub fn read_end(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
    start: DateTime<Utc>,
) -> Result<Reading, DomainError> {
    let r = read_instant(input, tz, now)?;
    let Some(time) = r.bare_time else {
        return Ok(r);
    };
    let day = start.with_timezone(&tz).date_naive();
    let mut at = local_to_utc(day.and_time(time), tz)?;
    if at <= start {
        at = local_to_utc(next_day(day).and_time(time), tz)?;
    }
    let at = check_instant(at, input)?;
    Ok(Reading { at, ..r })
}

fn read_instant_exact(input: &str, tz: Tz, now: DateTime<Utc>) -> Result<Reading, DomainError> {
    let s = input.trim();
    let exact = |at: DateTime<Utc>| Reading {
        at,
        exact: true,
        bare_time: None,
    };
    if s.eq_ignore_ascii_case("now") {
        return Ok(Reading {
            exact: false,
            ..exact(now)
        });
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(exact(t.with_timezone(&Utc)));
    }
    // RFC 3339 with a space instead of `T`, and an offset.
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z")
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M%:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z"))
    {
        return Ok(exact(t.with_timezone(&Utc)));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(exact(local_to_utc(local, tz)?));
        }
    }
    if s.contains('/') {
        return Err(DomainError::parse(
            "time",
            input,
            format!(
                "dates with slashes are ambiguous (day/month or month/day); write the month \
                 as a name or give YYYY-MM-DD. {}",
                instant_hint(tz, now)
            ),
        ));
    }
    match super::natural_time::read_instant(s, tz, now) {
        Some(r) => r,
        None => Err(DomainError::parse("time", input, instant_hint(tz, now))),
    }
}

/// A time of day: `HH:MM[:SS]` (24-hour), a 12-hour time `9am`, `9 am`, `9:30pm`, `9:30 p.m.`,
/// `12am` (midnight), `12pm` (noon), or the words `noon` and `midnight` (00:00, the start of the
/// day).
pub(crate) fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    if let Ok(t) =
        NaiveTime::parse_from_str(s, "%H:%M:%S").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
    {
        return Some(t);
    }
    let lower = s.trim().to_lowercase();
    match lower.as_str() {
        "noon" | "midday" => return NaiveTime::from_hms_opt(12, 0, 0),
        "midnight" => return Some(NaiveTime::MIN),
        _ => {}
    }
    let compact: String = lower
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '.')
        .collect();
    let (clock, pm) = if let Some(c) = compact.strip_suffix("am") {
        (c, false)
    } else if let Some(c) = compact.strip_suffix("pm") {
        (c, true)
    } else {
        return None;
    };
    let (h, m) = match clock.split_once(':') {
        Some((h, m)) => (h, m),
        None => (clock, "0"),
    };
    let digits = |x: &str, max_len: usize| {
        (!x.is_empty() && x.len() <= max_len && x.bytes().all(|b| b.is_ascii_digit()))
            .then(|| x.parse::<u32>().ok())
            .flatten()
    };
    let (h, m) = (digits(h, 2)?, digits(m, 2)?);
    if !(1..=12).contains(&h) || m > 59 {
        return None;
    }
    let h24 = match (h, pm) {
        (12, false) => 0,
        (12, true) => 12,
        (h, false) => h,
        (h, true) => h + 12,
    };
    NaiveTime::from_hms_opt(h24, m, 0)
}

/// Parses a local date: `YYYY-MM-DD`, `today`, `yesterday`, `tomorrow`, a weekday (the most
/// recent, today included), `last friday`, `2 days ago`, a month and day (`Nov 30`, `30 Nov
/// 2026`, `November 30, 2026`; without a year the occurrence nearest today), all relative to
/// `now` in `tz` (see `super::natural_time`).
///
/// # Errors
/// [`DomainError::Parse`] for any other form or an impossible date (the message gives today's
/// date and the accepted forms); [`DomainError::Invalid`] for a date outside
/// 1900-01-01..=2199-12-31.
pub fn parse_date(input: &str, tz: Tz, now: DateTime<Utc>) -> Result<NaiveDate, DomainError> {
    let s = input.trim();
    let d = match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        Ok(d) => d,
        Err(_) => read_date(s, tz, now)
            .ok_or_else(|| DomainError::parse("date", input, date_hint(tz, now)))?,
    };
    check_date(d, input)
}

/// One end of a range as the user gave it: a whole local date, a named period of whole local
/// days, or an exact instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A local date (the whole day in the configured zone).
    Date(NaiveDate),
    /// A named period (`last week`) from its first to its last local date, both included. As a
    /// range's `from` it starts at the first day; as `to` it ends after the last day; alone (no
    /// `to`) it is the whole period (see [`Range::from_optional`]).
    Period(NaiveDate, NaiveDate),
    /// An exact instant.
    Instant(DateTime<Utc>),
}

/// Reads a named period relative to `now` in `tz`: `today`, `yesterday`, `this week`,
/// `last week`, `this month`, `last month`, `this year`, `last year` (case-insensitive, any
/// spacing), or a month (`2026-11`, `November 2026`, `nov`: a month name alone is the latest
/// such month that has begun). Weeks begin on `week_start`. Returns the first and last local dates (both
/// included), or `None` for anything else.
pub(crate) fn parse_period(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
    week_start: WeekStart,
) -> Option<(NaiveDate, NaiveDate)> {
    let words: Vec<String> = input.split_whitespace().map(str::to_lowercase).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    let today = now.with_timezone(&tz).date_naive();
    let month_start = |d: NaiveDate| d.with_day(1);
    let month_end = |first: NaiveDate| {
        first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|n| n.pred_opt())
    };
    let year = |y: i32| {
        Some((
            NaiveDate::from_ymd_opt(y, 1, 1)?,
            NaiveDate::from_ymd_opt(y, 12, 31)?,
        ))
    };
    match words.as_slice() {
        ["today"] => Some((today, today)),
        ["yesterday"] => {
            let d = today.pred_opt()?;
            Some((d, d))
        }
        ["this", "week"] => {
            let first = week_start.week_of(today);
            Some((first, first.checked_add_days(Days::new(6))?))
        }
        ["last", "week"] => {
            let first = week_start.week_of(today).checked_sub_days(Days::new(7))?;
            Some((first, first.checked_add_days(Days::new(6))?))
        }
        ["this", "month"] => {
            let first = month_start(today)?;
            Some((first, month_end(first)?))
        }
        ["last", "month"] => {
            let first = month_start(today)?.checked_sub_months(chrono::Months::new(1))?;
            Some((first, month_end(first)?))
        }
        ["this", "year"] => year(today.year()),
        ["last", "year"] => year(today.year().checked_sub(1)?),
        _ => read_month(input, tz, now),
    }
}

/// Parses a range bound that may also be a named period (see `parse_period`): named periods
/// first, then a date or an instant as [`parse_bound`] reads them.
///
/// # Errors
/// As [`parse_bound`]; the hint also lists the named periods. A period reaching outside
/// 1900..=2199 is [`DomainError::Invalid`].
pub fn parse_range_bound(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
    week_start: WeekStart,
) -> Result<Bound, DomainError> {
    if let Some((first, last)) = parse_period(input, tz, now, week_start) {
        check_date(first, input)?;
        check_date(last, input)?;
        return Ok(Bound::Period(first, last));
    }
    parse_bound(input, tz, now).map_err(|e| match e {
        DomainError::Parse { .. } => DomainError::parse(
            "date, time or period",
            input,
            format!(
                "{}; or {PERIOD_HINT}",
                instant_hint(tz, now).replace(
                    "Accepted: ",
                    "Accepted: a date as 2026-11-30, \
                     Nov 30 or monday; a time as "
                )
            ),
        ),
        other => other,
    })
}

/// Parses a range bound: a date (see [`parse_date`]) or an instant (see [`parse_instant`]).
pub fn parse_bound(input: &str, tz: Tz, now: DateTime<Utc>) -> Result<Bound, DomainError> {
    match parse_date(input, tz, now) {
        Ok(d) => return Ok(Bound::Date(d)),
        Err(e @ DomainError::Invalid(_)) => return Err(e),
        Err(DomainError::Parse { .. }) => {}
    }
    parse_instant(input, tz, now)
        .map(Bound::Instant)
        .map_err(|e| match e {
            DomainError::Parse { .. } => DomainError::parse(
                "date or time",
                input,
                instant_hint(tz, now).replace(
                    "Accepted: ",
                    "Accepted: a date as 2026-11-30, Nov 30 or monday; a time as ",
                ),
            ),
            other => other,
        })
}

/// A half-open span of instants `[start, end)` in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}

impl Range {
    /// Builds `[from, to)` from user bounds: a date `from` starts at that local midnight, a date
    /// `to` ends at the next local midnight (both days included); instants are taken as they are.
    ///
    /// # Errors
    /// [`DomainError::Invalid`] when the range is empty or backwards.
    pub fn from_bounds(from: Bound, to: Bound, tz: Tz) -> Result<Range, DomainError> {
        let start = match from {
            Bound::Date(d) | Bound::Period(d, _) => local_day_start(d, tz),
            Bound::Instant(t) => t,
        };
        let end = match to {
            Bound::Date(d) | Bound::Period(_, d) => local_day_start(next_day(d), tz),
            Bound::Instant(t) => t,
        };
        if end <= start {
            return Err(DomainError::Invalid(msg![
                "the range is empty: ",
                Arg::To,
                format!(" ({}) is not after ", show_instant(end, tz)),
                Arg::From,
                format!(
                    " ({}); a date range includes both days, so give the same date twice for one \
                     day",
                    show_instant(start, tz)
                ),
            ]));
        }
        Ok(Range { start, end })
    }

    /// Builds a range from optional bounds. A named period as `from` with no `to` is that whole
    /// period (`from: "last week"` is last week); otherwise a missing `from` is
    /// `default_from` and a missing `to` is `default_to`. Then as [`Range::from_bounds`].
    ///
    /// # Errors
    /// [`DomainError::Invalid`] when the range is empty or backwards.
    pub fn from_optional(
        from: Option<Bound>,
        to: Option<Bound>,
        default_from: DateTime<Utc>,
        default_to: DateTime<Utc>,
        tz: Tz,
    ) -> Result<Range, DomainError> {
        let to = match (from, to) {
            (_, Some(t)) => t,
            (Some(p @ Bound::Period(..)), None) => p,
            (_, None) => Bound::Instant(default_to),
        };
        Range::from_bounds(from.unwrap_or(Bound::Instant(default_from)), to, tz)
    }

    /// Length in seconds.
    pub fn seconds(&self) -> i64 {
        (self.end - self.start).num_seconds()
    }
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

/// The first instant of local date `day` in `tz`.
///
/// Usually local midnight; where a zone skips midnight (a daylight-saving change at 00:00) it is
/// the first local time that exists that day.
pub fn local_day_start(day: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = day.and_time(NaiveTime::MIN);
    match tz.from_local_datetime(&midnight) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(earliest, _) => earliest.with_timezone(&Utc),
        LocalResult::None => {
            // Midnight falls in a gap: the day begins where the gap ends. Gaps are at most a
            // few hours; step by minutes until a local time exists.
            let mut t = midnight;
            for _ in 0..(24 * 60) {
                t += chrono::Duration::minutes(1);
                if let Some(x) = tz.from_local_datetime(&t).earliest() {
                    return x.with_timezone(&Utc);
                }
            }
            Utc.from_utc_datetime(&midnight)
        }
    }
}

/// The local dates a half-open span `[start, end)` covers, both included, as people read a
/// period: the date of `start` and the date of the last second before `end` (the date of
/// `start` for an empty span). `[2026-11-01 00:00, 2026-12-01 00:00)` in Berlin is
/// (2026-11-01, 2026-11-30). Answers, CSV and PDF give periods this way (docs/rules.md, "Time").
pub fn inclusive_days(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> (NaiveDate, NaiveDate) {
    let last = (end - chrono::Duration::seconds(1)).max(start);
    (
        start.with_timezone(&tz).date_naive(),
        last.with_timezone(&tz).date_naive(),
    )
}

/// Length of local date `day` in `tz`, in seconds: 86 400, or 82 800 / 90 000 on the days the
/// clocks change for daylight saving.
pub fn local_day_seconds(day: NaiveDate, tz: Tz) -> i64 {
    (local_day_start(next_day(day), tz) - local_day_start(day, tz)).num_seconds()
}

/// Parses a duration into whole seconds.
///
/// Accepted: unit forms `1h30m`, `90m`, `45s`, `1.5h`, `2h 15m`, with unit words too (`45min`,
/// `1 hour`, `2 hrs`, `90 minutes`, `1 hour and 30 minutes`, `2 days`); clock forms `01:30` (h:mm) and
/// `1:30:15` (h:mm:ss); ISO 8601 `PT1H30M`, `PT90M`, `PT45S`. Fractions round half-up to the
/// second.
///
/// # Errors
/// [`DomainError::Parse`] for other forms; [`DomainError::Invalid`] for a zero or negative
/// duration, or one longer than 1 000 000 hours ([`MAX_DURATION_SECONDS`]).
pub fn parse_duration(input: &str) -> Result<i64, DomainError> {
    let s = input.trim();
    let err = || DomainError::parse("duration", input, DURATION_HINT);
    let seconds = if s.contains(':') {
        Decimal::from(parse_clock_duration(s).ok_or_else(err)?)
    } else {
        let upper = s.to_ascii_uppercase();
        let body = upper.strip_prefix("PT").unwrap_or(&upper);
        parse_unit_duration(body).ok_or_else(err)?
    };
    if seconds > Decimal::from(MAX_DURATION_SECONDS) {
        return Err(DomainError::Invalid(
            format!(
                "the duration {:?} is longer than the 1000000 hours stint reads; check the number",
                super::limits::echo(input)
            )
            .into(),
        ));
    }
    let seconds = seconds.to_i64().ok_or_else(err)?;
    if seconds <= 0 {
        return Err(DomainError::Invalid(
            format!("the duration {input:?} is zero; a track must last at least one second").into(),
        ));
    }
    Ok(seconds)
}

fn parse_clock_duration(s: &str) -> Option<i64> {
    let parts: Vec<&str> = s.split(':').collect();
    let num = |p: &str| -> Option<i64> {
        if p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()) || p.len() > 6 {
            return None;
        }
        p.parse().ok()
    };
    match parts.as_slice() {
        [h, m] => {
            let (h, m) = (num(h)?, num(m)?);
            (m < 60).then_some(h * 3600 + m * 60)
        }
        [h, m, sec] => {
            let (h, m, sec) = (num(h)?, num(m)?, num(sec)?);
            (m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
        }
        _ => None,
    }
}

/// Seconds of a unit form, rounded half-up; `None` for a malformed one or one too large for a
/// decimal.
///
/// A unit form is one or more `number unit` pairs, largest unit first, each unit at most once,
/// with optional spaces, commas and `and` between them. Units: `d`, `day(s)`; `h`, `hr(s)`,
/// `hour(s)`; `m`, `min(s)`, `minute(s)`; `s`, `sec(s)`, `second(s)` (any case).
fn parse_unit_duration(s: &str) -> Option<Decimal> {
    let lower = s.to_lowercase();
    let mut chars = lower.chars().peekable();
    let mut total = Decimal::ZERO;
    let mut last_unit_rank = 0u8;
    let mut saw_unit = false;
    loop {
        // Separators between pairs.
        while chars.peek().is_some_and(|c| c.is_whitespace() || *c == ',') {
            chars.next();
        }
        let mut number = String::new();
        while let Some(c) = chars.next_if(|c| c.is_ascii_digit() || *c == '.') {
            number.push(c);
        }
        if number.is_empty() {
            // Only `and` may stand between pairs; the end of input ends the form.
            let mut word = String::new();
            while let Some(c) = chars.next_if(|c| c.is_alphabetic()) {
                word.push(c);
            }
            match word.as_str() {
                "" if chars.peek().is_none() => break,
                "and" if saw_unit => continue,
                _ => return None,
            }
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let mut unit = String::new();
        while let Some(c) = chars.next_if(|c| c.is_alphabetic()) {
            unit.push(c);
        }
        let (rank, factor) = match unit.as_str() {
            "d" | "day" | "days" => (1, 86_400),
            "h" | "hr" | "hrs" | "hour" | "hours" => (2, 3600),
            "m" | "min" | "mins" | "minute" | "minutes" => (3, 60),
            "s" | "sec" | "secs" | "second" | "seconds" => (4, 1),
            _ => return None,
        };
        if rank <= last_unit_rank || number.len() > 30 {
            return None;
        }
        let value: Decimal = number.parse().ok()?;
        total = total.checked_add(value.checked_mul(Decimal::from(factor))?)?;
        last_unit_rank = rank;
        saw_unit = true;
    }
    if !saw_unit {
        return None;
    }
    Some(total.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
}

/// An instant as messages show it: RFC 3339 to the second in `tz`, with its offset
/// (`2026-11-20T09:00:00+01:00`), so that every message reads in the configured zone.
pub fn show_instant(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Formats seconds as `h:mm` (hours unbounded, minutes truncated): 5400 -> `1:30`.
pub fn format_hmm(seconds: i64) -> String {
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    format!("{sign}{}:{:02}", s / 3600, (s % 3600) / 60)
}

/// ISO weekday a week starts on, for grouping by week.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WeekStart {
    Monday,
    Sunday,
    Saturday,
}

impl WeekStart {
    /// Parses `monday`, `sunday` or `saturday` (case-insensitive).
    pub fn parse(input: &str) -> Result<WeekStart, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "monday" => Ok(WeekStart::Monday),
            "sunday" => Ok(WeekStart::Sunday),
            "saturday" => Ok(WeekStart::Saturday),
            _ => Err(DomainError::parse(
                "week start",
                input,
                "give monday, sunday or saturday",
            )),
        }
    }

    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            WeekStart::Monday => "monday",
            WeekStart::Sunday => "sunday",
            WeekStart::Saturday => "saturday",
        }
    }

    /// The first day of the week that holds `day`.
    pub fn week_of(self, day: NaiveDate) -> NaiveDate {
        let from_monday = i64::from(day.weekday().num_days_from_monday());
        let offset = match self {
            WeekStart::Monday => from_monday,
            WeekStart::Sunday => (from_monday + 1) % 7,
            WeekStart::Saturday => (from_monday + 2) % 7,
        };
        day - chrono::Duration::days(offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Tz;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    const BERLIN: Tz = chrono_tz::Europe::Berlin;
    const NOW: &str = "2026-11-21T10:00:00Z";

    #[test]
    fn instants() {
        let check = |input: &str, expected: Result<&str, &str>| {
            let got = parse_instant(input, BERLIN, utc(NOW));
            match (got, expected) {
                (Ok(t), Ok(want)) => assert_eq!(t, utc(want), "{input}"),
                (Err(e), Err(fragment)) => {
                    assert!(e.to_string().contains(fragment), "{input}: {e}")
                }
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            }
        };
        check("2026-11-20T09:00:00+01:00", Ok("2026-11-20T08:00:00Z"));
        check("2026-11-20T09:00:00Z", Ok("2026-11-20T09:00:00Z"));
        check("2026-11-20 09:00:00+05:30", Ok("2026-11-20T03:30:00Z"));
        check("2026-11-20 09:00", Ok("2026-11-20T08:00:00Z"));
        check("2026-11-20T09:00", Ok("2026-11-20T08:00:00Z"));
        check("2026-07-20 09:00:30", Ok("2026-07-20T07:00:30Z"));
        check("now", Ok(NOW));
        check("09:15", Ok("2026-11-21T08:15:00Z"));
        check("today 09:15", Ok("2026-11-21T08:15:00Z"));
        check("yesterday 17:30", Ok("2026-11-20T16:30:00Z"));
        // Fall back in Berlin: 02:30 happens twice on 2026-10-25; the earlier one is taken.
        check("2026-10-25 02:30", Ok("2026-10-25T00:30:00Z"));
        // Spring forward: 02:30 does not exist on 2026-03-29.
        check("2026-03-29 02:30", Err("does not exist in Europe/Berlin"));
        // 12-hour clock and words, today in the zone.
        check("9am", Ok("2026-11-21T08:00:00Z"));
        check("9 AM", Ok("2026-11-21T08:00:00Z"));
        check("9:30pm", Ok("2026-11-21T20:30:00Z"));
        check("9:30 p.m.", Ok("2026-11-21T20:30:00Z"));
        check("12am", Ok("2026-11-20T23:00:00Z"));
        check("12pm", Ok("2026-11-21T11:00:00Z"));
        check("noon", Ok("2026-11-21T11:00:00Z"));
        check("midnight", Ok("2026-11-20T23:00:00Z"));
        check("yesterday 5pm", Ok("2026-11-20T16:00:00Z"));
        check("today noon", Ok("2026-11-21T11:00:00Z"));
        check("13pm", Err("cannot read time"));
        check("0am", Err("cannot read time"));
        check("9:60am", Err("cannot read time"));
        check("am", Err("cannot read time"));
        check("tomorrow-ish", Err("cannot read time"));
        check("2026-13-01 09:00", Err("cannot read time"));
        check("", Err("cannot read time"));
    }

    #[test]
    fn dates_and_ranges() {
        let now = utc(NOW);
        assert_eq!(
            parse_date("today", BERLIN, now).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 21).unwrap()
        );
        assert_eq!(
            parse_date("yesterday", BERLIN, now).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap()
        );
        assert!(parse_date("2026-02-30", BERLIN, now).is_err());

        let check = |from: &str, to: &str, expected: Result<(&str, &str), &str>| {
            let got = parse_bound(from, BERLIN, now)
                .and_then(|f| Ok((f, parse_bound(to, BERLIN, now)?)))
                .and_then(|(f, t)| Range::from_bounds(f, t, BERLIN));
            match (got, expected) {
                (Ok(r), Ok((s, e))) => {
                    assert_eq!((r.start, r.end), (utc(s), utc(e)), "{from}..{to}")
                }
                (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
                (got, want) => panic!("{from}..{to}: got {got:?}, want {want:?}"),
            }
        };
        // A week given as dates includes both ends.
        check(
            "2025-06-02",
            "2025-06-08",
            Ok(("2025-06-01T22:00:00Z", "2025-06-08T22:00:00Z")),
        );
        // One day: the same date twice.
        check(
            "2026-11-20",
            "2026-11-20",
            Ok(("2026-11-19T23:00:00Z", "2026-11-20T23:00:00Z")),
        );
        // Date-times are half-open and taken as they are.
        check(
            "2026-11-20 09:00",
            "2026-11-20 11:00",
            Ok(("2026-11-20T08:00:00Z", "2026-11-20T10:00:00Z")),
        );
        // A date range over the fall-back day is 25 hours longer than 24 h per day.
        check(
            "2026-10-25",
            "2026-10-25",
            Ok(("2026-10-24T22:00:00Z", "2026-10-25T23:00:00Z")),
        );
        check("2026-11-20", "2026-11-19", Err("range is empty"));
        check(
            "2026-11-20 11:00",
            "2026-11-20 11:00",
            Err("range is empty"),
        );
        check("last week", "today", Err("cannot read date or time"));
    }

    #[test]
    fn durations() {
        let check =
            |input: &str, expected: Result<i64, &str>| match (parse_duration(input), expected) {
                (Ok(s), Ok(want)) => assert_eq!(s, want, "{input}"),
                (Err(e), Err(fragment)) => {
                    assert!(e.to_string().contains(fragment), "{input}: {e}")
                }
                (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
            };
        check("1h30m", Ok(5400));
        check("1h 30m", Ok(5400));
        check("90m", Ok(5400));
        check("1.5h", Ok(5400));
        check("01:30", Ok(5400));
        check("1:30:15", Ok(5415));
        check("PT1H30M", Ok(5400));
        check("pt90m", Ok(5400));
        check("PT45S", Ok(45));
        check("2h", Ok(7200));
        check("45s", Ok(45));
        check("1h0m1s", Ok(3601));
        check("0.5m", Ok(30));
        check("0.001s", Err("is zero"));
        check("0m", Err("is zero"));
        check("00:00", Err("is zero"));
        check("90", Err("cannot read duration"));
        check("1:75", Err("cannot read duration"));
        check("30m1h", Err("cannot read duration"));
        check("1x", Err("cannot read duration"));
        check("h", Err("cannot read duration"));
        check("", Err("cannot read duration"));
        check("-1h", Err("cannot read duration"));
        // Unit words, spaces and `and`.
        check("45min", Ok(2700));
        check("45 mins", Ok(2700));
        check("1 hour", Ok(3600));
        check("1h 30m", Ok(5400));
        check("2 hrs", Ok(7200));
        check("2hr 15min", Ok(8100));
        check("90 minutes", Ok(5400));
        check("1 hour and 30 minutes", Ok(5400));
        check("1 hour, 30 minutes", Ok(5400));
        check("1.5 hours", Ok(5400));
        check("30 seconds", Ok(30));
        check("2 days", Ok(172_800));
        check("1 Hour 1 Second", Ok(3601));
        check("and 1h", Err("cannot read duration"));
        check("1 hour and", Ok(3600));
        check("1 hour 2 hours", Err("cannot read duration"));
        check("1 fortnight", Err("cannot read duration"));
        check("1 ½ hours", Err("cannot read duration"));
        check(
            "99999999999999999999999999999999999 hours",
            Err("cannot read duration"),
        );
        check("1000001 hours", Err("longer than the 1000000 hours"));
    }

    #[test]
    fn named_periods() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        // Saturday 2026-11-21, 11:00 in Berlin.
        let now = utc(NOW);
        let check = |input: &str, week: WeekStart, want: Option<(&str, &str)>| {
            assert_eq!(
                parse_period(input, BERLIN, now, week),
                want.map(|(a, b)| (d(a), d(b))),
                "{input} {week:?}"
            );
        };
        use WeekStart::*;
        check("today", Monday, Some(("2026-11-21", "2026-11-21")));
        check("Yesterday", Monday, Some(("2026-11-20", "2026-11-20")));
        check("this week", Monday, Some(("2026-11-16", "2026-11-22")));
        check("this  WEEK", Sunday, Some(("2026-11-15", "2026-11-21")));
        check("this week", Saturday, Some(("2026-11-21", "2026-11-27")));
        check("last week", Monday, Some(("2026-11-09", "2026-11-15")));
        check("last week", Sunday, Some(("2026-11-08", "2026-11-14")));
        check("this month", Monday, Some(("2026-11-01", "2026-11-30")));
        check("last month", Monday, Some(("2026-10-01", "2026-10-31")));
        check("this year", Monday, Some(("2026-01-01", "2026-12-31")));
        check("last year", Monday, Some(("2025-01-01", "2025-12-31")));
        check("next week", Monday, None);
        check("week", Monday, None);
        // January: last month is December of the year before; in the zone, not UTC.
        let jan = utc("2026-12-31T23:30:00Z"); // 00:30 on 2027-01-01 in Berlin
        assert_eq!(
            parse_period("last month", BERLIN, jan, Monday),
            Some((d("2026-12-01"), d("2026-12-31")))
        );
        assert_eq!(
            parse_period("last month", chrono_tz::UTC, jan, Monday),
            Some((d("2026-11-01"), d("2026-11-30")))
        );

        // As bounds: a period alone is the whole period; as `to` it includes its last day.
        let bound = |s: &str| parse_range_bound(s, BERLIN, now, Monday).unwrap();
        let r = Range::from_optional(Some(bound("last week")), None, now, now, BERLIN).unwrap();
        assert_eq!(
            (r.start, r.end),
            (utc("2026-11-08T23:00:00Z"), utc("2026-11-15T23:00:00Z"))
        );
        let r = Range::from_optional(
            Some(bound("last month")),
            Some(bound("this week")),
            now,
            now,
            BERLIN,
        )
        .unwrap();
        assert_eq!(
            (r.start, r.end),
            (utc("2026-09-30T22:00:00Z"), utc("2026-11-22T23:00:00Z"))
        );
        // A date alone still runs to the default end.
        let r = Range::from_optional(Some(bound("2026-11-20")), None, now, now, BERLIN).unwrap();
        assert_eq!((r.start, r.end), (utc("2026-11-19T23:00:00Z"), now));
        let e = parse_range_bound("fortnight", BERLIN, now, Monday).unwrap_err();
        assert!(e.to_string().contains("last week"), "{e}");
        // Periods at the edge of the accepted years are refused, not panicking.
        let edge = utc("2199-12-31T12:00:00Z");
        assert!(parse_range_bound("this year", chrono_tz::UTC, edge, Monday).is_ok());
        let early = utc("1900-01-01T12:00:00Z");
        assert!(parse_range_bound("last year", chrono_tz::UTC, early, Monday).is_err());
        assert!(parse_range_bound("last week", chrono_tz::UTC, early, Monday).is_err());
    }

    #[test]
    fn day_lengths() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let ny: Tz = chrono_tz::America::New_York;
        for (day, tz, secs) in [
            ("2026-11-20", BERLIN, 86_400),
            ("2026-03-29", BERLIN, 82_800),
            ("2026-10-25", BERLIN, 90_000),
            ("2026-03-08", ny, 82_800),
            ("2026-11-01", ny, 90_000),
            ("2026-03-29", chrono_tz::UTC, 86_400),
        ] {
            assert_eq!(local_day_seconds(d(day), tz), secs, "{day} {tz}");
        }
    }

    #[test]
    fn midnight_in_a_gap() {
        // America/Santiago skips 00:00-01:00 on 2026-09-06: the day starts at 01:00 local.
        let tz: Tz = chrono_tz::America::Santiago;
        let day = NaiveDate::from_ymd_opt(2026, 9, 6).unwrap();
        let start = local_day_start(day, tz);
        assert_eq!(
            start.with_timezone(&tz).format("%H:%M").to_string(),
            "01:00"
        );
        assert_eq!(local_day_seconds(day, tz), 82_800);
    }

    #[test]
    fn formats_and_weeks() {
        assert_eq!(format_hmm(5400), "1:30");
        assert_eq!(format_hmm(59), "0:00");
        assert_eq!(format_hmm(36_000 * 10), "100:00");
        let thu = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap();
        assert_eq!(WeekStart::Monday.week_of(thu).to_string(), "2026-11-16");
        assert_eq!(WeekStart::Sunday.week_of(thu).to_string(), "2026-11-15");
        assert_eq!(WeekStart::Saturday.week_of(thu).to_string(), "2026-11-14");
        let sun = NaiveDate::from_ymd_opt(2026, 11, 22).unwrap();
        assert_eq!(WeekStart::Sunday.week_of(sun), sun);
        assert_eq!(WeekStart::Monday.week_of(sun).to_string(), "2026-11-16");
        assert!(parse_time_zone("Mars/Olympus").is_err());
        assert_eq!(parse_time_zone("Europe/Berlin").unwrap(), BERLIN);
    }
}
