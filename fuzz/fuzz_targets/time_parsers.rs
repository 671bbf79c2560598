//! Every text parser of the time and money domain on arbitrary text (invalid UTF-8 replaced by
//! U+FFFD), in zones with daylight saving in both hemispheres and a 30-minute shift.
//!
//! Checks, besides "never panics": an instant parsed from the text can be split at local
//! midnights, and the parts of `[t, t + d)` are positive, on increasing days, at most one local
//! day long each, and add up to `d`; a bound makes a range with itself. Inputs that fail today
//! are in `fuzz/regressions/time_parsers/` (see README.md).

#![no_main]

use chrono::{DateTime, TimeDelta, Utc};
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;
use stint::domain::money::{Currency, parse_rate};
use stint::domain::time::{
    Range, local_day_seconds, parse_bound, parse_date, parse_duration, parse_instant,
    parse_time_zone, split_by_local_day,
};

const ZONES: [Tz; 4] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::UTC,
];

/// Spans to split after each parsed instant, in seconds: a second, a day and an hour (over any
/// daylight-saving change next to it), and a bit over a month.
const SPANS: [i64; 3] = [1, 90_000, 32 * 86_400 + 1234];

fn nows() -> [DateTime<Utc>; 2] {
    [
        // A Saturday in November (summer in Santiago and Lord Howe, winter in Berlin).
        utc("2026-11-21T10:00:00Z"),
        // The morning Berlin springs forward, so `today 02:30` falls in its gap.
        utc("2026-03-29T10:00:00Z"),
    ]
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

fn check_split(t: DateTime<Utc>, seconds: i64, tz: Tz) {
    let Some(end) = t.checked_add_signed(TimeDelta::seconds(seconds)) else {
        return;
    };
    let parts = split_by_local_day(t, end, tz);
    let total: i64 = parts.iter().map(|p| p.1).sum();
    assert_eq!(total, seconds, "{t} + {seconds}s in {tz}: {parts:?}");
    for (day, part) in &parts {
        assert!(*part > 0, "{t} + {seconds}s in {tz}: {parts:?}");
        assert!(
            *part <= local_day_seconds(*day, tz),
            "{t} + {seconds}s in {tz}: {parts:?}"
        );
    }
    assert!(
        parts.windows(2).all(|w| w[0].0 < w[1].0),
        "days out of order: {t} + {seconds}s in {tz}: {parts:?}"
    );
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let text = text.as_ref();
    let _ = parse_time_zone(text);
    let _ = parse_duration(text);
    let _ = parse_rate(text);
    let _ = Currency::parse(text);
    for tz in ZONES {
        for now in nows() {
            let _ = parse_date(text, tz, now);
            if let Ok(bound) = parse_bound(text, tz, now)
                && let Ok(range) = Range::from_bounds(bound, bound, tz)
            {
                assert!(range.seconds() > 0, "{text:?} in {tz}: {range:?}");
            }
            if let Ok(t) = parse_instant(text, tz, now) {
                for seconds in SPANS {
                    check_split(t, seconds, tz);
                }
            }
        }
    }
});
