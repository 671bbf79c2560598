//! The bounds every input is held to, so that no request can overflow arithmetic, panic, or
//! make an answer grow without bound.
//!
//! | What | Limit |
//! |---|---|
//! | instants and dates | 1900-01-01T00:00:00Z to 2199-12-31T23:59:59Z ([`EARLIEST`], [`LATEST`]) |
//! | a track (and a running timer) | at most 31 days ([`MAX_TRACK_SECONDS`]) |
//! | a duration as typed, a budget in hours | at most 1 000 000 hours ([`MAX_DURATION_SECONDS`]) |
//! | rates and money amounts | 0 to 1 000 000 000 major units, at most 6 decimals |
//! | names (project, client, tag) and one-line fields | 200 characters, no control characters |
//! | descriptions, notes, addresses | 10 000 characters; tab and line breaks allowed |
//! | search strings | 200 characters |
//! | summary rows | 10 000 ([`MAX_SUMMARY_ROWS`]) |
//! | ids listed inside one answer (overlaps) | 20 ([`MAX_LISTED_IDS`]) |
//!
//! Each check returns a [`DomainError`] whose message names the limit.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::DomainError;

/// The earliest instant stint accepts: 1900-01-01T00:00:00Z.
pub const EARLIEST: DateTime<Utc> = match DateTime::from_timestamp(-2_208_988_800, 0) {
    Some(t) => t,
    None => DateTime::<Utc>::UNIX_EPOCH,
};
/// The latest instant stint accepts: 2199-12-31T23:59:59Z.
pub const LATEST: DateTime<Utc> = match DateTime::from_timestamp(7_258_118_399, 0) {
    Some(t) => t,
    None => DateTime::<Utc>::UNIX_EPOCH,
};
/// The longest a track may last, and the longest a timer may run: 31 days, in seconds.
pub const MAX_TRACK_SECONDS: i64 = 31 * 86_400;
/// The longest duration stint reads (1 000 000 hours), in seconds.
pub const MAX_DURATION_SECONDS: i64 = 1_000_000 * 3_600;
/// The largest rate or money amount, in major units.
pub(crate) const MAX_AMOUNT: i64 = 1_000_000_000;
/// Most decimals in a rate or money amount.
pub(crate) const MAX_AMOUNT_DECIMALS: u32 = 6;
/// Longest name or other one-line text, in characters (Unicode scalar values).
pub(crate) const MAX_NAME_CHARS: usize = 200;
/// Longest description, note or address, in characters.
pub(crate) const MAX_TEXT_CHARS: usize = 10_000;
/// Longest search string, in characters.
pub(crate) const MAX_SEARCH_CHARS: usize = 200;
/// Most rows in one summary (time_summary, `stint report`).
pub const MAX_SUMMARY_ROWS: usize = 10_000;
/// Most people one import may add (a file naming more users is refused before anything is
/// written: a team that large is set up on purpose, not by an import).
pub const MAX_IMPORT_PEOPLE: usize = 200;
/// Most ids listed inside one answer (the overlapping tracks of a write); the count is given too.
pub const MAX_LISTED_IDS: usize = 20;
/// Longest echo of an input inside an error message, in characters.
const MAX_ECHO_CHARS: usize = 80;

/// `input` as an error message may quote it: at most 80 characters, then `…`.
pub fn echo(input: &str) -> String {
    match input.char_indices().nth(MAX_ECHO_CHARS) {
        Some((cut, _)) => format!("{}… ({} characters)", &input[..cut], input.chars().count()),
        None => input.to_owned(),
    }
}

/// Checks that an instant lies in [`EARLIEST`]..=[`LATEST`].
///
/// # Errors
/// [`DomainError::Invalid`] naming the window; `input` is what the user sent.
pub fn check_instant(t: DateTime<Utc>, input: &str) -> Result<DateTime<Utc>, DomainError> {
    if (EARLIEST..=LATEST).contains(&t) {
        Ok(t)
    } else {
        Err(DomainError::Invalid(format!(
            "the time {:?} is outside the years 1900 to 2199 that stint accepts; check the year",
            echo(input)
        ).into()))
    }
}

/// Checks that a date lies in 1900-01-01..=2199-12-31.
///
/// # Errors
/// [`DomainError::Invalid`] naming the window.
pub(crate) fn check_date(d: NaiveDate, input: &str) -> Result<NaiveDate, DomainError> {
    if (EARLIEST.date_naive()..=LATEST.date_naive()).contains(&d) {
        Ok(d)
    } else {
        Err(DomainError::Invalid(format!(
            "the date {:?} is outside the years 1900 to 2199 that stint accepts; check the year",
            echo(input)
        ).into()))
    }
}

/// Checks a rate or money amount: at most `MAX_AMOUNT` and `MAX_AMOUNT_DECIMALS` decimals
/// (after trailing zeros are dropped). `what` names the field in the message.
///
/// # Errors
/// [`DomainError::Invalid`] naming the limit.
pub fn check_amount(what: &str, value: Decimal, input: &str) -> Result<Decimal, DomainError> {
    if value.abs() > Decimal::from(MAX_AMOUNT) {
        return Err(DomainError::Invalid(
            format!(
                "the {what} {} is larger than stint accepts (1000000000); check the number",
                echo(input.trim())
            )
            .into(),
        ));
    }
    let value = value.normalize();
    if value.scale() > MAX_AMOUNT_DECIMALS {
        return Err(DomainError::Invalid(
            format!(
                "the {what} {} has more than {MAX_AMOUNT_DECIMALS} decimals; round it",
                echo(input.trim())
            )
            .into(),
        ));
    }
    Ok(value)
}

fn check_chars(what: &str, value: &str, max: usize, multi_line: bool) -> Result<(), DomainError> {
    let count = value.chars().count();
    if count > max {
        return Err(DomainError::Invalid(
            format!(
                "the {what} is {count} characters long; stint accepts at most {max}, so shorten it"
            )
            .into(),
        ));
    }
    let allowed = |c: char| multi_line && matches!(c, '\t' | '\n' | '\r');
    if let Some(c) = value.chars().find(|&c| c.is_control() && !allowed(c)) {
        let kinds = if multi_line {
            "control characters other than tab and line breaks"
        } else {
            "control characters (line breaks, tabs, NUL, escapes)"
        };
        return Err(DomainError::Invalid(
            format!(
                "the {what} contains the control character U+{:04X}; stint does not accept {kinds} \
             here, so remove it",
                u32::from(c)
            )
            .into(),
        ));
    }
    Ok(())
}

/// Checks a name or other one-line text: at most `MAX_NAME_CHARS` characters and no control
/// characters. `what` names the field in the message ("project name").
///
/// # Errors
/// [`DomainError::Invalid`] naming the limit or the character.
pub fn check_line(what: &str, value: &str) -> Result<(), DomainError> {
    check_chars(what, value, MAX_NAME_CHARS, false)
}

/// Checks a description, note or address: at most `MAX_TEXT_CHARS` characters, and no control
/// characters but tab, line feed and carriage return.
///
/// # Errors
/// [`DomainError::Invalid`] naming the limit or the character.
pub fn check_text(what: &str, value: &str) -> Result<(), DomainError> {
    check_chars(what, value, MAX_TEXT_CHARS, true)
}

/// Checks a search string: at most `MAX_SEARCH_CHARS` characters, no control characters.
///
/// # Errors
/// [`DomainError::Invalid`] naming the limit.
pub fn check_search(value: &str) -> Result<(), DomainError> {
    check_chars("search text", value, MAX_SEARCH_CHARS, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_ends() {
        assert_eq!(EARLIEST.to_rfc3339(), "1900-01-01T00:00:00+00:00");
        assert_eq!(LATEST.to_rfc3339(), "2199-12-31T23:59:59+00:00");
    }

    #[test]
    fn texts() {
        assert!(check_line("name", "Acme GmbH").is_ok());
        assert!(check_line("name", &"é".repeat(200)).is_ok());
        let e = check_line("name", &"x".repeat(201))
            .unwrap_err()
            .to_string();
        assert!(e.contains("at most 200"), "{e}");
        for bad in ["a\0b", "a\nb", "a\tb", "a\u{1b}[31m"] {
            assert!(check_line("name", bad).is_err(), "{bad:?}");
        }
        assert!(check_text("description", "a\tb\r\nc").is_ok());
        assert!(check_text("description", "a\0b").is_err());
        assert!(check_text("description", &"x".repeat(10_001)).is_err());
        assert_eq!(echo("short"), "short");
        assert!(echo(&"y".repeat(1000)).len() < 120);
    }

    #[test]
    fn amounts() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(
            check_amount("rate", d("95.500"), "95.500").unwrap(),
            d("95.5")
        );
        assert!(check_amount("rate", d("1000000000.000001"), "x").is_err());
        assert!(check_amount("rate", d("1.0000001"), "x").is_err());
    }
}
