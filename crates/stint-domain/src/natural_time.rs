//! Times and dates as people say them, read in the configured zone against a clock reading the
//! caller passes in (docs/rules.md, "Time"): weekdays (`monday 13:00`, `last friday 9am`),
//! relative phrases (`2 days ago 9am`, `15 min ago`, `in 10 minutes`), dates with month names
//! (`Nov 30 9am`, `30 Nov 2026 14:00`, `November 30, 2026`) and ISO dates with any time of day
//! (`2026-11-30 9am`). [`super::time`] tries its strict forms (RFC 3339, `YYYY-MM-DD HH:MM`)
//! first and hands everything else here.
//!
//! The rules:
//! - A weekday is the most recent such day not in the future (`monday 13:00` said on a Monday
//!   at 10:00 is last week's); `last friday` is the Friday before today (a week ago on a
//!   Friday); `next friday` the first one after today.
//! - A month and day without a year is, for an instant, the last such day not after today
//!   (`Nov 30` said in January is last November); for a date or a range bound, the occurrence
//!   nearest today (`Dec 31` said in November is this December).
//! - `N units ago` / `in N units`: minutes, hours and seconds move the clock reading; days and
//!   weeks move the local date and keep the time of day (or take the one given:
//!   `2 days ago 9am`).
//! - A phrase that names only a day (`monday`, `Nov 30`) is a date, not an instant: a start or
//!   an end needs a time of day too.
//! - Slash dates (`01/04/26`) are refused: day-month and month-day orders cannot be told apart.
//!
//! Crates weighed before writing this grammar (`cargo info`, Dec 2026): `interim` 0.2.2 (the
//! maintained fork of `chrono-english`) reads "friday" as the coming Friday, has no "in N
//! minutes", turns `Nov 30 12pm` into Dec 1 00:00 (hour 12 + 12) and panics on an upper-case
//! `AM` after a date or on a word of 16 letters (a `const` assertion reached at run time);
//! `parse_datetime` 0.17 (uutils, GNU `date` syntax) works on `jiff` values with its own time
//! zone database beside chrono-tz, and GNU's weekdays lean to the future. Both would need the
//! same pre- and post-processing this module does, so the grammar stays ours and small.

use chrono::{DateTime, Datelike, Days, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;

use super::DomainError;
use super::time::{local_to_utc, parse_time_of_day};

/// The forms listed when a time cannot be read.
pub const ACCEPTED_TIMES: &str = "9am, 14:30, now, yesterday 17:30, monday 13:00, last friday \
     9am, 2 days ago 9am, 15 min ago, in 10 minutes (where the future is allowed), Nov 30 9am, \
     30 Nov 2026 14:00, 2026-11-30 09:00, RFC 3339 (2026-11-30T09:00:00+01:00)";

/// The forms listed when a date cannot be read.
pub const ACCEPTED_DATES: &str = "2026-11-30, today, yesterday, monday, last friday, \
     2 days ago, Nov 30, 30 Nov 2026, November 30, 2026";

/// The current local time as error messages give it: `Mon 2026-12-07 10:14 (+01:00,
/// Europe/Berlin)`, so that a caller who sent an unreadable time sees what "today" is.
pub(crate) fn now_for_message(now: DateTime<Utc>, tz: Tz) -> String {
    let local = now.with_timezone(&tz);
    format!(
        "{} ({}, {tz})",
        local.format("%a %Y-%m-%d %H:%M"),
        local.format("%:z")
    )
}

/// How a month and day without a year is placed (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lean {
    /// The last such day not after today: starts, ends, stops.
    Past,
    /// The occurrence nearest today: dates and range bounds.
    Nearest,
}

/// A time read from a phrase.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reading {
    /// The instant, UTC.
    pub at: DateTime<Utc>,
    /// True when the phrase named year, month, day and time of day (RFC 3339, `2026-11-30
    /// 09:00`, `30 Nov 2026 14:00`); false for `now`, relative phrases, weekdays, a month and
    /// day without a year, and a bare time of day.
    pub exact: bool,
    /// The time of day when the phrase was only that (`11:30`, `9am`): an `end` given so is the
    /// first such time after the start.
    pub(crate) bare_time: Option<NaiveTime>,
}

/// What the date words of a phrase said.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayPhrase {
    /// No date words: today (or, for an end, the day of the start).
    None,
    /// A local date; `exact` when it had a year (ISO, `30 Nov 2026`).
    Date { date: NaiveDate, exact: bool },
    /// A weekday with its modifier: the date depends on the time of day too.
    Weekday { day: Weekday, which: Which },
    /// A shift of the clock reading by seconds (`15 min ago`, `in 2 hours`).
    Seconds(i64),
    /// A shift of the local date by days, keeping the time of day (`2 days ago`).
    Days(i64),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Which {
    /// `monday`: the most recent not in the future.
    Recent,
    /// `last monday`: before today.
    Last,
    /// `next monday`: after today.
    Next,
}

/// Reads a phrase as an instant (see the module docs); `None` when it is not one of these
/// forms. A phrase naming only a day is `Err` (it needs a time of day).
///
/// # Errors
/// [`DomainError::Invalid`] for a day without a time of day, a local time in a
/// daylight-saving gap, or a shift too large for the calendar.
pub(crate) fn read_instant(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<Result<Reading, DomainError>> {
    let words = words(input);
    if words.is_empty() {
        return None;
    }
    let (day_words, time) = split_time(&words);
    let day = day_phrase(&day_words, tz, now, Lean::Past)?;
    let today = now.with_timezone(&tz).date_naive();
    Some(resolve(input, day, time, today, tz, now))
}

fn resolve(
    input: &str,
    day: DayPhrase,
    time: Option<NaiveTime>,
    today: NaiveDate,
    tz: Tz,
    now: DateTime<Utc>,
) -> Result<Reading, DomainError> {
    let too_far = || {
        DomainError::Invalid(
            format!(
                "{:?} reaches outside the calendar stint reads; give a nearer time",
                super::limits::echo(input)
            )
            .into(),
        )
    };
    let local_now = now.with_timezone(&tz).time();
    let reading = |at, exact| Reading {
        at,
        exact,
        bare_time: None,
    };
    match (day, time) {
        (DayPhrase::None, Some(t)) => Ok(Reading {
            at: local_to_utc(today.and_time(t), tz)?,
            exact: false,
            bare_time: Some(t),
        }),
        // Only an empty phrase has neither; `read_instant` does not get here with one.
        (DayPhrase::None, None) => Err(DomainError::Invalid(
            "give a time, e.g. \"9am\" or \"now\"".to_owned().into(),
        )),
        (DayPhrase::Date { date, exact }, Some(t)) => {
            Ok(reading(local_to_utc(date.and_time(t), tz)?, exact))
        }
        (DayPhrase::Weekday { day, which }, Some(t)) => {
            let mut date = weekday_date(today, day, which).ok_or_else(too_far)?;
            if which == Which::Recent && date == today && t > local_now {
                date = date.checked_sub_days(Days::new(7)).ok_or_else(too_far)?;
            }
            Ok(reading(local_to_utc(date.and_time(t), tz)?, false))
        }
        (DayPhrase::Date { .. } | DayPhrase::Weekday { .. }, None) => Err(DomainError::Invalid(
            format!(
                "{:?} names a day but no time of day; add one, e.g. \"{} 9am\" or \"{} 14:30\"",
                super::limits::echo(input),
                input.trim(),
                input.trim()
            )
            .into(),
        )),
        (DayPhrase::Seconds(s), None) => Ok(reading(
            Duration::try_seconds(s)
                .and_then(|d| now.checked_add_signed(d))
                .ok_or_else(too_far)?,
            false,
        )),
        (DayPhrase::Days(n), t) => {
            let date = shift_days(today, n).ok_or_else(too_far)?;
            Ok(reading(
                local_to_utc(date.and_time(t.unwrap_or(local_now)), tz)?,
                false,
            ))
        }
        (DayPhrase::Seconds(_), Some(_)) => Err(DomainError::Invalid(
            format!(
                "{:?} gives a time of day after minutes or hours; give either \"2 hours ago\" or \
             \"today 9am\"",
                super::limits::echo(input)
            )
            .into(),
        )),
    }
}

/// Reads a phrase as a local date (no time of day): today, yesterday, tomorrow, weekdays,
/// `N days ago`, `in N days`, ISO dates and dates with month names. `None` for other forms.
pub(crate) fn read_date(input: &str, tz: Tz, now: DateTime<Utc>) -> Option<NaiveDate> {
    let words = words(input);
    let today = now.with_timezone(&tz).date_naive();
    match day_phrase(&words, tz, now, Lean::Nearest)? {
        DayPhrase::Date { date, .. } => Some(date),
        DayPhrase::Weekday { day, which } => weekday_date(today, day, which),
        DayPhrase::Days(n) => shift_days(today, n),
        DayPhrase::None | DayPhrase::Seconds(_) => None,
    }
}

/// A month as a named period: `2026-11`, `november 2026`, `nov 2026`, or a month name alone
/// (the latest such month that has begun). Returns its first and last day.
pub(crate) fn read_month(
    input: &str,
    tz: Tz,
    now: DateTime<Utc>,
) -> Option<(NaiveDate, NaiveDate)> {
    let words = words(input);
    let today = now.with_timezone(&tz).date_naive();
    let first = match words.as_slice() {
        [w] if w.len() == 7 && w.as_bytes()[4] == b'-' => {
            NaiveDate::parse_from_str(&format!("{w}-01"), "%Y-%m-%d").ok()?
        }
        [m, y] => NaiveDate::from_ymd_opt(year(y)?, month(m)?, 1)?,
        [m] => {
            let first = NaiveDate::from_ymd_opt(today.year(), month(m)?, 1)?;
            if first > today {
                first.with_year(today.year() - 1)?
            } else {
                first
            }
        }
        _ => return None,
    };
    let last = first
        .checked_add_months(chrono::Months::new(1))?
        .pred_opt()?;
    Some((first, last))
}

/// The input in lower case, split at white space, with commas and a leading `at` before a
/// time dropped: `"Nov 30, 2026 at 9am"` -> `["nov", "30", "2026", "9am"]`.
fn words(input: &str) -> Vec<String> {
    input
        .to_lowercase()
        .replace(',', " ")
        .split_whitespace()
        .filter(|w| *w != "at" && *w != "on")
        .map(str::to_owned)
        .collect()
}

/// Splits a time of day off the end (or the start) of the words: up to two words, so that
/// `9 am` and `9:30 p.m.` are read whole.
fn split_time(words: &[String]) -> (Vec<String>, Option<NaiveTime>) {
    for k in [2, 1] {
        if words.len() >= k {
            let (head, tail) = words.split_at(words.len() - k);
            if let Some(t) = parse_time_of_day(&tail.join(" ")) {
                return (head.to_vec(), Some(t));
            }
            let (head, tail) = words.split_at(k);
            if let Some(t) = parse_time_of_day(&head.join(" ")) {
                return (tail.to_vec(), Some(t));
            }
        }
    }
    (words.to_vec(), None)
}

fn day_phrase(words: &[String], tz: Tz, now: DateTime<Utc>, lean: Lean) -> Option<DayPhrase> {
    let today = now.with_timezone(&tz).date_naive();
    let w: Vec<&str> = words.iter().map(String::as_str).collect();
    let date = |date: NaiveDate, exact| Some(DayPhrase::Date { date, exact });
    match w.as_slice() {
        [] => Some(DayPhrase::None),
        ["today"] => date(today, false),
        ["yesterday"] => date(today.pred_opt()?, false),
        ["tomorrow"] => date(today.succ_opt()?, false),
        [d] if weekday(d).is_some() => Some(DayPhrase::Weekday {
            day: weekday(d)?,
            which: Which::Recent,
        }),
        ["last", d] => Some(DayPhrase::Weekday {
            day: weekday(d)?,
            which: Which::Last,
        }),
        ["next", d] => Some(DayPhrase::Weekday {
            day: weekday(d)?,
            which: Which::Next,
        }),
        [d] if d.len() == 10 && d.as_bytes()[4] == b'-' => {
            date(NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()?, true)
        }
        [rest @ .., "ago"] => shift(rest, -1),
        ["in", rest @ ..] => shift(rest, 1),
        [a, b] => {
            let (m, d) = month(a)
                .zip(day_of_month(b))
                .or_else(|| month(b).zip(day_of_month(a)))?;
            date(month_day(today, m, d, lean)?, false)
        }
        [a, b, y] => {
            let (m, d) = month(a)
                .zip(day_of_month(b))
                .or_else(|| month(b).zip(day_of_month(a)))?;
            date(NaiveDate::from_ymd_opt(year(y)?, m, d)?, true)
        }
        _ => None,
    }
}

/// `N unit` or `Nunit` (`15 min`, `15min`, `an hour`, `2 days`) times `sign`.
fn shift(words: &[&str], sign: i64) -> Option<DayPhrase> {
    let (number, unit) = match words {
        [n, u] => ((*n).to_owned(), (*u).to_owned()),
        [nu] => {
            let split = nu.find(|c: char| !c.is_ascii_digit())?;
            (nu[..split].to_owned(), nu[split..].to_owned())
        }
        _ => return None,
    };
    let n: i64 = match number.as_str() {
        "a" | "an" | "one" => 1,
        n if !n.is_empty() && n.len() <= 6 && n.bytes().all(|b| b.is_ascii_digit()) => {
            n.parse().ok()?
        }
        _ => return None,
    };
    let n = n * sign;
    Some(match unit.as_str() {
        "s" | "sec" | "secs" | "second" | "seconds" => DayPhrase::Seconds(n),
        "m" | "min" | "mins" | "minute" | "minutes" => DayPhrase::Seconds(n * 60),
        "h" | "hr" | "hrs" | "hour" | "hours" => DayPhrase::Seconds(n * 3600),
        "d" | "day" | "days" => DayPhrase::Days(n),
        "w" | "wk" | "wks" | "week" | "weeks" => DayPhrase::Days(n * 7),
        _ => return None,
    })
}

fn shift_days(today: NaiveDate, n: i64) -> Option<NaiveDate> {
    let d = Days::new(n.unsigned_abs());
    if n < 0 {
        today.checked_sub_days(d)
    } else {
        today.checked_add_days(d)
    }
}

fn weekday_date(today: NaiveDate, day: Weekday, which: Which) -> Option<NaiveDate> {
    let back =
        i64::from((7 + today.weekday().num_days_from_monday() - day.num_days_from_monday()) % 7);
    match which {
        Which::Recent => shift_days(today, -back),
        Which::Last => shift_days(today, -(if back == 0 { 7 } else { back })),
        Which::Next => shift_days(today, 7 - back),
    }
}

/// A weekday by name or by a prefix of at least three letters (`mon`, `tues`, `thurs`).
fn weekday(word: &str) -> Option<Weekday> {
    const DAYS: [(&str, Weekday); 7] = [
        ("monday", Weekday::Mon),
        ("tuesday", Weekday::Tue),
        ("wednesday", Weekday::Wed),
        ("thursday", Weekday::Thu),
        ("friday", Weekday::Fri),
        ("saturday", Weekday::Sat),
        ("sunday", Weekday::Sun),
    ];
    (word.len() >= 3)
        .then(|| DAYS.iter().find(|(name, _)| name.starts_with(word)))
        .flatten()
        .map(|(_, d)| *d)
}

/// A month by name or by a prefix of at least three letters (`nov`, `sept`), a trailing dot
/// allowed (`Nov.`).
fn month(word: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
    ];
    let word = word.strip_suffix('.').unwrap_or(word);
    if word.len() < 3 {
        return None;
    }
    MONTHS
        .iter()
        .position(|m| m.starts_with(word))
        .and_then(|i| u32::try_from(i + 1).ok())
}

/// `1`..`31`, with an ordinal suffix allowed (`30th`, `1st`).
fn day_of_month(word: &str) -> Option<u32> {
    let digits = ["st", "nd", "rd", "th"]
        .iter()
        .find_map(|s| word.strip_suffix(s))
        .unwrap_or(word);
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok().filter(|d| (1..=31).contains(d))
}

fn year(word: &str) -> Option<i32> {
    (word.len() == 4 && word.bytes().all(|b| b.is_ascii_digit()))
        .then(|| word.parse().ok())
        .flatten()
}

/// The date of a month and day without a year (see [`Lean`]).
fn month_day(today: NaiveDate, m: u32, d: u32, lean: Lean) -> Option<NaiveDate> {
    let y = today.year();
    let candidates: Vec<NaiveDate> = [y - 1, y, y + 1]
        .iter()
        .filter_map(|y| NaiveDate::from_ymd_opt(*y, m, d))
        .collect();
    match lean {
        Lean::Past => candidates.into_iter().rev().find(|c| *c <= today),
        Lean::Nearest => candidates
            .into_iter()
            .min_by_key(|c| (*c - today).num_days().abs()),
    }
}
