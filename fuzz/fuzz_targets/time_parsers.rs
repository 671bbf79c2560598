//! Every text parser of the time and money domain on arbitrary text (invalid UTF-8 replaced by
//! U+FFFD), in zones with daylight saving in both hemispheres and a 30-minute shift.
//!
//! Checks, besides "never panics": an instant parsed from the text is a whole second and lies
//! in its local day (from that day's start to the next day's), the day a track starting then
//! belongs to; a bound makes a range with itself. Inputs that fail today are in
//! `fuzz/regressions/time_parsers/` (see README.md).

#![no_main]

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use libfuzzer_sys::fuzz_target;
use stint::domain::money::{Currency, parse_rate};
use stint::domain::time::{
    Range, local_day_start, parse_bound, parse_date, parse_duration, parse_instant, parse_time_zone,
};

const ZONES: [Tz; 4] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::UTC,
];

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

/// `t` is a whole second inside its local day in `tz`: the day a track starting at `t` belongs
/// to (ARCHITECTURE.md, "Time").
fn check_day(t: DateTime<Utc>, tz: Tz) {
    assert_eq!(t.timestamp_subsec_nanos(), 0, "{t} is not a whole second");
    let day = t.with_timezone(&tz).date_naive();
    let Some(next) = day.succ_opt() else {
        return;
    };
    assert!(
        local_day_start(day, tz) <= t && t < local_day_start(next, tz),
        "{t} in {tz} is outside its local day {day}"
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
                check_day(t, tz);
            }
        }
    }
});
