//! Tracks: a span of work with a description, project, tags and billing flags.
//!
//! A running timer is a track whose `end` is `None`.

use crate::msg;
use crate::words::{Act, Arg};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::DomainError;
use super::limits::MAX_TRACK_SECONDS;
use crate::time::format_hmm;

/// Checks the span of a track against the rules of docs/rules.md ("Timers and tracks"): the end is
/// after the start (no zero-length tracks), neither end lies in the future, and the track lasts
/// at most 31 days ([`MAX_TRACK_SECONDS`]).
///
/// `end = None` is a running timer: its start is checked, and may be at most 31 days before
/// `now`. Messages show instants in `tz`.
///
/// # Errors
/// [`DomainError::Invalid`] naming both instants and what to send instead.
pub fn validate_span(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<(), DomainError> {
    let show = |t: DateTime<Utc>| crate::time::show_instant(t, tz);
    if start > now {
        return Err(DomainError::Invalid(format!(
            "the start {} is in the future (now is {}); tracks record work already done, so give \
             a start at or before now",
            show(start),
            show(now)
        ).into()));
    }
    let Some(end) = end else {
        if (now - start).num_seconds() > MAX_TRACK_SECONDS {
            return Err(DomainError::Invalid(msg![
                format!(
                    "the start {} is more than 31 days before now ({}), and a timer may run at \
                     most 31 days; record finished work with ",
                    show(start),
                    show(now)
                ),
                Act::CreateTrack,
                " (a start and an end or a duration, at most 31 days each) instead",
            ]));
        }
        return Ok(());
    };
    if end < start {
        return Err(DomainError::Invalid(
            format!(
                "the end {} is before the start {}; swap them",
                show(end),
                show(start)
            )
            .into(),
        ));
    }
    if end == start {
        return Err(DomainError::Invalid(
            format!(
                "the track would last zero seconds ({} to {}); give an end after the start",
                show(start),
                show(end)
            )
            .into(),
        ));
    }
    if (end - start).num_seconds() > MAX_TRACK_SECONDS {
        return Err(DomainError::Invalid(msg![
            format!(
                "the track from {} to {} would last {}, longer than the 31 days (744:00 h:mm) a \
                 track may last; check the dates, or split the work into several tracks. To stop \
                 a timer that ran on by mistake, give an ",
                show(start),
                show(end),
                describe_seconds((end - start).num_seconds())
            ),
            Arg::End,
            " at most 31 days after its start (when the work really ended), or delete it with ",
            Act::DeleteTrack,
        ]));
    }
    if end > now {
        return Err(DomainError::Invalid(
            format!(
                "the end {} is in the future (now is {}); to track ongoing work, start a timer \
             instead, or give an end at or before now",
                show(end),
                show(now)
            )
            .into(),
        ));
    }
    Ok(())
}

/// Seconds a track has lasted: up to `end`, or up to `now` while it runs.
pub fn elapsed_seconds(
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> i64 {
    (end.unwrap_or(now) - start).num_seconds().max(0)
}

/// Human form of a duration for messages: `1:30 (h:mm)`.
pub(crate) fn describe_seconds(seconds: i64) -> String {
    format!("{} h:mm", format_hmm(seconds))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn spans() {
        let now = t("2026-11-21T10:00:00Z");
        let check = |start: &str, end: Option<&str>, expected: Result<(), &str>| {
            let got = validate_span(t(start), end.map(t), now, chrono_tz::UTC);
            match (got, expected) {
                (Ok(()), Ok(())) => {}
                (Err(e), Err(fragment)) => assert!(e.to_string().contains(fragment), "{e}"),
                (got, want) => panic!("{start}..{end:?}: got {got:?}, want {want:?}"),
            }
        };
        check("2026-11-21T08:00:00Z", Some("2026-11-21T09:00:00Z"), Ok(()));
        check("2026-11-21T08:00:00Z", Some("2026-11-21T10:00:00Z"), Ok(()));
        check("2026-11-21T08:00:00Z", None, Ok(()));
        check(
            "2026-11-21T09:00:00Z",
            Some("2026-11-21T08:00:00Z"),
            Err("is before the start"),
        );
        check(
            "2026-11-21T09:00:00Z",
            Some("2026-11-21T09:00:00Z"),
            Err("zero seconds"),
        );
        check(
            "2026-11-21T09:00:00Z",
            Some("2026-11-21T11:00:00Z"),
            Err("end 2026-11-21T11:00:00Z is in the future"),
        );
        check(
            "2026-11-21T11:00:00Z",
            None,
            Err("start 2026-11-21T11:00:00Z is in the future"),
        );
        check("2026-10-21T08:00:00Z", Some("2026-11-21T08:00:00Z"), Ok(()));
        check(
            "2026-10-21T08:00:00Z",
            Some("2026-11-21T08:00:01Z"),
            Err("longer than the 31 days"),
        );
        check("2026-10-21T08:00:00Z", None, Err("at most 31 days"));
        check(
            "1000-01-01T00:00:00Z",
            Some("1999-12-31T00:00:00Z"),
            Err("31 days"),
        );
        assert_eq!(elapsed_seconds(t("2026-11-21T08:00:00Z"), None, now), 7200);
        assert_eq!(describe_seconds(7200), "2:00 h:mm");
    }
}
