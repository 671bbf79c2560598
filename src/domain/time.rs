//! Instants, local dates, ranges and durations, and splitting time at local midnights.
//!
//! Rules (DESIGN.md, "Time"):
//! - An instant is RFC 3339 with an offset, or a local date-time read in the configured zone.
//! - A range given as dates includes both days; a range given as date-times is half-open.
//! - Durations are whole seconds; inputs accept `1h30m`, `90m`, `1.5h`, `01:30`, `PT1H30M`.
//! - A span that crosses local midnight counts toward each local day for its part of it; days on
//!   which daylight saving changes are 23 or 25 hours long.

use chrono::{
    DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc,
};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::DomainError;
use super::limits::{MAX_DURATION_SECONDS, check_date, check_instant};

const INSTANT_HINT: &str = "send RFC 3339 with an offset (2026-11-20T09:00:00+01:00), a local \
     date-time (2026-11-20 09:00), a time of day today (09:00), `today 09:00`, `yesterday 17:30` or `now`";
const DATE_HINT: &str = "send a date as YYYY-MM-DD (2026-11-20), `today` or `yesterday`";
const DURATION_HINT: &str =
    "send a duration such as 1h30m, 90m, 45s, 1.5h, 01:30 (hours:minutes) or PT1H30M";

/// Parses an IANA time zone name such as `Europe/Berlin` or `UTC`.
///
/// # Errors
/// [`DomainError::Parse`] for a name the IANA database does not know.
pub fn parse_time_zone(input: &str) -> Result<Tz, DomainError> {
    input.trim().parse::<Tz>().map_err(|_| {
        DomainError::parse(
            "time zone",
            input,
            "send an IANA time zone name such as Europe/Berlin, America/New_York or UTC",
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
        LocalResult::None => Err(DomainError::Invalid(format!(
            "{} does not exist in {tz}: the clocks jump forward over it for daylight saving; \
             send a time outside the gap or give an explicit offset",
            local.format("%Y-%m-%d %H:%M")
        ))),
    }
}

/// Parses an instant.
///
/// Accepted forms: RFC 3339 with an offset or `Z`; a local date-time `YYYY-MM-DD HH:MM[:SS]`
/// (also with `T`) read in `tz`; `HH:MM` (today in `tz`); `today HH:MM`, `yesterday HH:MM`;
/// `now`. `now` is the caller's clock reading; this function never reads the clock.
///
/// # Errors
/// [`DomainError::Parse`] for anything else, [`DomainError::Invalid`] for a local time inside a
/// daylight-saving gap or an instant outside 1900-01-01..=2199-12-31 UTC (see
/// [`super::limits`]).
pub fn parse_instant(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DomainError> {
    let t = parse_instant_exact(input, tz, now)?;
    check_instant(
        DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t),
        input,
    )
}

fn parse_instant_exact(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<DateTime<Utc>, DomainError> {
    let s = input.trim();
    if s.eq_ignore_ascii_case("now") {
        return Ok(now);
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.with_timezone(&Utc));
    }
    // RFC 3339 with a space instead of `T`, and an offset.
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%:z")
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M%:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M%:z"))
    {
        return Ok(t.with_timezone(&Utc));
    }
    for fmt in [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(local) = NaiveDateTime::parse_from_str(s, fmt) {
            return local_to_utc(local, tz);
        }
    }
    let today = now.with_timezone(&tz).date_naive();
    let (day, time_part) = match s.split_once(char::is_whitespace) {
        Some((word, rest)) if word.eq_ignore_ascii_case("today") => (today, rest.trim()),
        Some((word, rest)) if word.eq_ignore_ascii_case("yesterday") => {
            (today.pred_opt().unwrap_or(today), rest.trim())
        }
        _ => (today, s),
    };
    if let Some(time) = parse_time_of_day(time_part) {
        return local_to_utc(day.and_time(time), tz);
    }
    Err(DomainError::parse("instant", input, INSTANT_HINT))
}

fn parse_time_of_day(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M:%S")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M"))
        .ok()
}

/// Parses a local date: `YYYY-MM-DD`, `today` or `yesterday` (relative to `now` in `tz`).
///
/// # Errors
/// [`DomainError::Parse`] for any other form or an impossible date; [`DomainError::Invalid`]
/// for a date outside 1900-01-01..=2199-12-31.
pub fn parse_date(input: &str, tz: Tz, now: DateTime<Utc>) -> Result<NaiveDate, DomainError> {
    let s = input.trim();
    let today = now.with_timezone(&tz).date_naive();
    if s.eq_ignore_ascii_case("today") {
        return Ok(today);
    }
    if s.eq_ignore_ascii_case("yesterday") {
        return Ok(today.pred_opt().unwrap_or(today));
    }
    let d = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| DomainError::parse("date", input, DATE_HINT))?;
    check_date(d, input)
}

/// One end of a range as the user gave it: a whole local date or an exact instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bound {
    /// A local date (the whole day in the configured zone).
    Date(NaiveDate),
    /// An exact instant.
    Instant(DateTime<Utc>),
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
                "date or instant",
                input,
                format!("{DATE_HINT}; or {INSTANT_HINT}"),
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
            Bound::Date(d) => local_day_start(d, tz),
            Bound::Instant(t) => t,
        };
        let end = match to {
            Bound::Date(d) => local_day_start(next_day(d), tz),
            Bound::Instant(t) => t,
        };
        if end <= start {
            return Err(DomainError::Invalid(format!(
                "the range is empty: `to` ({}) is not after `from` ({}); a date range includes \
                 both days, so send the same date twice for one day",
                end.to_rfc3339(),
                start.to_rfc3339()
            )));
        }
        Ok(Range { start, end })
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

/// Length of local date `day` in `tz`, in seconds: 86 400, or 82 800 / 90 000 on the days the
/// clocks change for daylight saving.
pub fn local_day_seconds(day: NaiveDate, tz: Tz) -> i64 {
    (local_day_start(next_day(day), tz) - local_day_start(day, tz)).num_seconds()
}

/// Splits `[start, end)` at local midnights in `tz`: one `(local date, seconds)` per day touched,
/// in order. The parts add up to `end - start` exactly. Empty for an empty or backwards span.
pub fn split_by_local_day(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    tz: Tz,
) -> Vec<(NaiveDate, i64)> {
    let mut parts = Vec::new();
    if end <= start {
        return parts;
    }
    let mut day = start.with_timezone(&tz).date_naive();
    let mut cursor = start;
    while cursor < end {
        let day_end = local_day_start(next_day(day), tz);
        if day_end <= cursor {
            // The last date chrono knows has no next day: the rest counts toward it.
            parts.push((day, (end - cursor).num_seconds()));
            break;
        }
        let part_end = day_end.min(end);
        if part_end > cursor {
            parts.push((day, (part_end - cursor).num_seconds()));
            cursor = part_end;
        }
        day = next_day(day);
    }
    parts
}

/// Parses a duration into whole seconds.
///
/// Accepted: unit forms `1h30m`, `90m`, `45s`, `1.5h`, `2h 15m`; clock forms `01:30` (h:mm) and
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
        return Err(DomainError::Invalid(format!(
            "the duration {:?} is longer than the 1000000 hours stint reads; check the number",
            super::limits::echo(input)
        )));
    }
    let seconds = seconds.to_i64().ok_or_else(err)?;
    if seconds <= 0 {
        return Err(DomainError::Invalid(format!(
            "the duration {input:?} is zero; a track must last at least one second"
        )));
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
fn parse_unit_duration(s: &str) -> Option<Decimal> {
    let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if s.is_empty() {
        return None;
    }
    let mut total = Decimal::ZERO;
    let mut number = String::new();
    let mut last_unit_rank = 0u8;
    let mut saw_unit = false;
    for c in s.chars() {
        if c.is_ascii_digit() || c == '.' {
            number.push(c);
            continue;
        }
        let (rank, factor) = match c.to_ascii_lowercase() {
            'h' => (1, 3600),
            'm' => (2, 60),
            's' => (3, 1),
            _ => return None,
        };
        if number.is_empty() || rank <= last_unit_rank {
            return None;
        }
        let value: Decimal = number.parse().ok()?;
        total = total.checked_add(value.checked_mul(Decimal::from(factor))?)?;
        number.clear();
        last_unit_rank = rank;
        saw_unit = true;
    }
    if !number.is_empty() || !saw_unit {
        return None;
    }
    Some(total.round_dp_with_strategy(0, rust_decimal::RoundingStrategy::MidpointAwayFromZero))
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
                "send monday, sunday or saturday",
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
        check("tomorrow-ish", Err("cannot read instant"));
        check("2026-13-01 09:00", Err("cannot read instant"));
        check("", Err("cannot read instant"));
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
        check("last week", "today", Err("cannot read date or instant"));
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
    }

    #[test]
    fn day_lengths_and_splits() {
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

        let check = |start: &str, end: &str, tz: Tz, expected: &[(&str, i64)]| {
            let parts = split_by_local_day(utc(start), utc(end), tz);
            let want: Vec<(NaiveDate, i64)> = expected.iter().map(|(s, n)| (d(s), *n)).collect();
            assert_eq!(parts, want, "{start}..{end} {tz}");
            let total: i64 = parts.iter().map(|p| p.1).sum();
            assert_eq!(total, (utc(end) - utc(start)).num_seconds().max(0));
        };
        // 22:00-01:00 Berlin local, across midnight.
        check(
            "2026-11-20T21:00:00Z",
            "2026-11-21T00:00:00Z",
            BERLIN,
            &[("2026-11-20", 7200), ("2026-11-21", 3600)],
        );
        // Whole fall-back day plus an hour either side: the middle day counts 25 h.
        check(
            "2026-10-24T21:00:00Z",
            "2026-10-26T00:00:00Z",
            BERLIN,
            &[
                ("2026-10-24", 3600),
                ("2026-10-25", 90_000),
                ("2026-10-26", 3600),
            ],
        );
        // Spring-forward night: 00:00-04:00 local is only 3 h of real time.
        check(
            "2026-03-28T23:00:00Z",
            "2026-03-29T02:00:00Z",
            BERLIN,
            &[("2026-03-29", 10_800)],
        );
        check("2026-11-20T10:00:00Z", "2026-11-20T10:00:00Z", BERLIN, &[]);
        // Same instants in UTC stay on one day.
        check(
            "2026-11-20T21:00:00Z",
            "2026-11-20T23:00:00Z",
            chrono_tz::UTC,
            &[("2026-11-20", 7200)],
        );
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
