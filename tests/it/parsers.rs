//! Property tests for the text parsers (instants, dates, bounds, durations, zones, rates,
//! currencies), splitting at local midnights, and the stdio line reader: no input panics, round
//! trips hold, and the daylight-saving rules of docs/rules.md ("Time") apply: a local time in a gap
//! is an error, a repeated local time is the earlier instant.
//!
//! Zones: two with daylight saving in each hemisphere (Berlin, New York; Santiago, Lord Howe
//! with its 30-minute shift) and two without (Kolkata, UTC). The `fuzz/` crate runs the same
//! parsers under libFuzzer.

use std::sync::OnceLock;

use chrono::{
    DateTime, Days, FixedOffset, NaiveDate, NaiveDateTime, Offset, SecondsFormat, TimeDelta,
    TimeZone, Utc,
};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::{Value, json};
use stint::domain::DomainError;
use stint::domain::limits::{EARLIEST, LATEST};
use stint::domain::money::{Currency, parse_rate};
use stint::domain::time::{
    Bound, Range, local_day_seconds, parse_bound, parse_date, parse_duration, parse_instant,
    parse_time_zone,
};
use stint::mcp::stdio::{Line, classify};

use super::util::{Env, NOW, mcp_session, utc};

const ZONES: [Tz; 6] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
    chrono_tz::Asia::Kolkata,
    chrono_tz::UTC,
];

/// The zones above that change their clocks.
const DST_ZONES: [Tz; 4] = [
    chrono_tz::Europe::Berlin,
    chrono_tz::America::New_York,
    chrono_tz::America::Santiago,
    chrono_tz::Australia::Lord_Howe,
];

/// Default case count: enough to hit every zone and form many times, small enough that the
/// whole file runs in a few seconds.
fn config() -> ProptestConfig {
    crate::it::util::proptest_config(32, 512)
}

fn zone() -> impl Strategy<Value = Tz> {
    proptest::sample::select(ZONES.to_vec())
}

/// Text near the accepted forms (digits, separators, offsets, unit letters, keywords), with
/// signed and long years, plus any string at all.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9:. +\\-TZhmsHMSP]{0,24}",
        "(today|yesterday|now|TODAY|Now)?[ \t]{0,2}[0-9]{0,3}:[0-9]{0,3}(:[0-9]{0,3})?",
        concat!(
            "[+-]?[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}",
            "([ T][0-9]{1,2}:[0-9]{1,2}(:[0-9]{1,2}(\\.[0-9]{0,10})?)?)?",
            "(Z|[+-][0-9]{2}:?[0-9]{2})?"
        ),
        "(PT|pt)?([0-9.]{0,8}[hH])?([0-9.]{0,8}[mM])?([0-9.]{0,8}[sS])?",
        "[A-Za-z_/+\\-0-9]{0,24}",
        "-?[0-9]{0,30}(\\.[0-9]{0,30})?",
    ]
}

/// Every parser on the same text: each returns, none panics.
fn parse_everything(s: &str, tz: Tz, now: DateTime<Utc>) {
    let _ = parse_time_zone(s);
    let _ = parse_duration(s);
    let _ = parse_rate(s);
    let _ = Currency::parse(s);
    let _ = parse_date(s, tz, now);
    let _ = parse_instant(s, tz, now);
    if let Ok(bound) = parse_bound(s, tz, now) {
        let _ = Range::from_bounds(bound, bound, tz);
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn no_parser_panics(s in text(), tz in zone(), now_secs in 0i64..4_102_444_800) {
        parse_everything(&s, tz, DateTime::from_timestamp(now_secs, 0).unwrap());
        parse_everything(&s, tz, utc(NOW));
    }
}

// ---------------------------------------------------------------------------------------------
// Instants

/// Seconds since the epoch from year 0002 to 9998, so that any offset keeps a 4-digit year.
const YEARS_2_TO_9998: std::ops::Range<i64> = -62_104_060_800..253_370_764_800;

proptest! {
    #![proptest_config(config())]

    /// RFC 3339 with any offset (and `Z`, and a space for `T`) parses back to the same instant,
    /// with any fraction of a second dropped (instants are whole seconds).
    #[test]
    fn rfc3339_round_trip(
        secs in YEARS_2_TO_9998,
        nanos in prop_oneof![Just(0u32), 0u32..1_000_000_000],
        offset_min in -14 * 60i32..=14 * 60,
        use_z in any::<bool>(),
        tz in zone(),
    ) {
        let t = DateTime::from_timestamp(secs, nanos).unwrap();
        let offset = FixedOffset::east_opt(offset_min * 60).unwrap();
        let local = t.with_timezone(&offset);
        let rfc = local.to_rfc3339_opts(SecondsFormat::AutoSi, use_z);
        let spaced = local.format("%Y-%m-%d %H:%M:%S%:z").to_string();
        let want = whole_seconds(t);
        for text in [&rfc, &spaced] {
            let got = parse_instant(text, tz, utc(NOW));
            if (EARLIEST..=LATEST).contains(&want) {
                prop_assert_eq!(got, Ok(want), "{}", text);
            } else {
                // Outside the window stint accepts: refused, naming it.
                match got {
                    Err(DomainError::Invalid(msg)) => {
                        prop_assert!(msg.to_string().contains("outside the years 1900 to 2199"), "{}", msg)
                    }
                    other => prop_assert!(false, "{} is outside the window, got {:?}", text, other),
                }
            }
        }
    }

    /// A local date-time read in a zone names that local time, and it is the earliest instant
    /// that does (the earlier of a repeated hour).
    #[test]
    fn local_round_trip(secs in 946_684_800i64..2_524_608_000, tz in zone(), form in 0usize..4) {
        let t = DateTime::from_timestamp(secs, 0).unwrap();
        let (fmt, t) = match form {
            0 => ("%Y-%m-%d %H:%M:%S", t),
            1 => ("%Y-%m-%dT%H:%M:%S", t),
            2 => ("%Y-%m-%d %H:%M", t - TimeDelta::seconds(secs.rem_euclid(60))),
            _ => ("%Y-%m-%dT%H:%M", t - TimeDelta::seconds(secs.rem_euclid(60))),
        };
        let local = t.with_timezone(&tz).naive_local();
        let text = local.format(fmt).to_string();
        let got = parse_instant(&text, tz, utc(NOW));
        let got = got.map_err(|e| TestCaseError::fail(format!("{text} in {tz}: {e}")))?;
        prop_assert_eq!(got.with_timezone(&tz).naive_local(), local, "{} in {}", text, tz);
        prop_assert!(got <= t, "{} in {}: {} is after {}", text, tz, got, t);
        earliest(got, local, tz)?;
    }

    /// Local times within three hours of a daylight-saving change: before it, the old offset;
    /// in a gap (clocks jump forward), an error; in a repeated hour, the old offset (the earlier
    /// instant); after it, the new offset.
    #[test]
    fn local_times_around_changes(
        change in change(),
        minutes in -180i64..=180,
        second in 0i64..60,
        seconds_form in any::<bool>(),
    ) {
        let Change { tz, at, before, after } = change;
        let second = if seconds_form { second } else { 0 };
        let local =
            at.naive_utc() + before + TimeDelta::minutes(minutes) + TimeDelta::seconds(second);
        let text = if seconds_form {
            local.format("%Y-%m-%d %H:%M:%S").to_string()
        } else {
            local.format("%Y-%m-%d %H:%M").to_string()
        };
        let got = parse_instant(&text, tz, utc(NOW));
        if local < at.naive_utc() + before {
            prop_assert_eq!(got, Ok((local - before).and_utc()), "{} in {}", text, tz);
        } else if local < at.naive_utc() + after {
            match got {
                Err(DomainError::Invalid(msg)) => {
                    prop_assert!(msg.to_string().contains("does not exist"), "{}", msg)
                }
                other => prop_assert!(false, "{} in {} is in a gap, got {:?}", text, tz, other),
            }
        } else {
            prop_assert_eq!(got, Ok((local - after).and_utc()), "{} in {}", text, tz);
        }
    }

    /// `HH:MM[:SS]`, `today HH:MM` and `yesterday HH:MM` name that time on the local day of
    /// `now` (or the day before), unless it falls in a gap.
    #[test]
    fn times_of_day(
        now_secs in 946_684_800i64..2_524_608_000,
        tz in zone(),
        h in 0u32..24,
        m in 0u32..60,
        word in proptest::sample::select(vec!["", "today ", "Today ", "yesterday ", "YESTERDAY  "]),
    ) {
        let now = DateTime::from_timestamp(now_secs, 0).unwrap();
        let today = now.with_timezone(&tz).date_naive();
        let day = if word.trim().eq_ignore_ascii_case("yesterday") {
            today.pred_opt().unwrap()
        } else {
            today
        };
        let text = format!("{word}{h:02}:{m:02}");
        let local = day.and_hms_opt(h, m, 0).unwrap();
        match parse_instant(&text, tz, now) {
            Ok(got) => {
                prop_assert_eq!(got.with_timezone(&tz).naive_local(), local, "{} in {}", text, tz);
                earliest(got, local, tz)?;
            }
            Err(DomainError::Invalid(msg)) => {
                prop_assert!(msg.to_string().contains("does not exist"), "{}", msg);
                prop_assert!(in_gap(local, tz), "{} in {}: {}", text, tz, msg);
            }
            Err(e) => prop_assert!(false, "{} in {}: {}", text, tz, e),
        }
    }

    /// Any real date reads as itself, as a date and as a bound.
    #[test]
    fn dates_round_trip(days in 0u64..36_500, tz in zone()) {
        let d = NaiveDate::from_ymd_opt(1970, 1, 1).unwrap() + Days::new(days);
        let text = d.format("%Y-%m-%d").to_string();
        prop_assert_eq!(parse_date(&text, tz, utc(NOW)), Ok(d));
        prop_assert_eq!(parse_bound(&text, tz, utc(NOW)), Ok(Bound::Date(d)));
        let range = Range::from_bounds(Bound::Date(d), Bound::Date(d), tz).unwrap();
        prop_assert_eq!(range.seconds(), local_day_seconds(d, tz));
    }
}

/// `t` without its fraction of a second.
fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

/// No instant up to three hours before `got`, on a 15-minute grid, shows the same local time.
fn earliest(got: DateTime<Utc>, local: NaiveDateTime, tz: Tz) -> Result<(), TestCaseError> {
    for k in 1..=12 {
        let earlier = got - TimeDelta::minutes(15 * k);
        prop_assert_ne!(
            earlier.with_timezone(&tz).naive_local(),
            local,
            "{} in {} also happens at {}, before {}",
            local,
            tz,
            earlier,
            got
        );
    }
    Ok(())
}

/// Whether no instant within a day shows `local` in `tz`, on a one-minute grid.
fn in_gap(local: NaiveDateTime, tz: Tz) -> bool {
    let guess = local.and_utc();
    (-26 * 60..=26 * 60).all(|k| {
        (guess + TimeDelta::minutes(k))
            .with_timezone(&tz)
            .naive_local()
            != local
    })
}

/// A change of a zone's UTC offset: `before` up to `at`, `after` from `at` on.
#[derive(Debug, Clone, Copy)]
struct Change {
    tz: Tz,
    at: DateTime<Utc>,
    before: TimeDelta,
    after: TimeDelta,
}

fn offset(tz: Tz, t: DateTime<Utc>) -> TimeDelta {
    TimeDelta::seconds(i64::from(
        tz.offset_from_utc_datetime(&t.naive_utc())
            .fix()
            .local_minus_utc(),
    ))
}

/// Every offset change of the DST zones from 2000 to 2039, found by stepping a day at a time
/// and bisecting to the second.
fn changes() -> &'static [Change] {
    static CHANGES: OnceLock<Vec<Change>> = OnceLock::new();
    CHANGES.get_or_init(|| {
        let mut out = Vec::new();
        for tz in DST_ZONES {
            let mut t = utc("2000-01-01T00:00:00Z");
            let end = utc("2040-01-01T00:00:00Z");
            while t < end {
                let next = t + TimeDelta::days(1);
                let (before, after) = (offset(tz, t), offset(tz, next));
                if before != after {
                    let (mut lo, mut hi) = (t, next);
                    while hi - lo > TimeDelta::seconds(1) {
                        let mid = lo + TimeDelta::seconds((hi - lo).num_seconds() / 2);
                        if offset(tz, mid) == before {
                            lo = mid;
                        } else {
                            hi = mid;
                        }
                    }
                    out.push(Change {
                        tz,
                        at: hi,
                        before,
                        after,
                    });
                }
                t = next;
            }
        }
        out
    })
}

fn change() -> impl Strategy<Value = Change> {
    proptest::sample::select(changes().to_vec())
}

#[test]
fn the_change_table_has_both_directions_in_every_zone() {
    for tz in DST_ZONES {
        let of_zone: Vec<&Change> = changes().iter().filter(|c| c.tz == tz).collect();
        assert!(of_zone.len() >= 40, "{tz}: {}", of_zone.len());
        assert!(of_zone.iter().any(|c| c.after > c.before), "{tz}");
        assert!(of_zone.iter().any(|c| c.after < c.before), "{tz}");
    }
    // Lord Howe shifts by half an hour.
    assert!(changes().iter().any(|c| {
        c.tz == chrono_tz::Australia::Lord_Howe
            && (c.after - c.before).abs() == TimeDelta::minutes(30)
    }));
}

/// Instants are whole seconds: `parse_instant` once kept the fraction of an RFC 3339 instant
/// and read second 60 (in any form) as a chrono leap second, so a track from such an instant
/// lost a second where it was cut at local midnight. Found by `fuzz/`
/// (`regressions/time_parsers/leap-second`).
#[test]
fn instants_between_seconds() {
    let check = |input: &str, tz: Tz, now: &str| {
        let t = parse_instant(input, tz, utc(now)).unwrap();
        (t.timestamp_subsec_nanos(), t.to_rfc3339())
    };
    let (berlin, santiago) = (chrono_tz::Europe::Berlin, chrono_tz::America::Santiago);
    assert_eq!(
        check("2026-11-20T23:59:59.5+01:00", berlin, NOW),
        (0, "2026-11-20T22:59:59+00:00".to_owned())
    );
    assert_eq!(
        check("2026-11-20T10:00:00.5Z", berlin, NOW),
        (0, "2026-11-20T10:00:00+00:00".to_owned())
    );
    // A leap second reads as the second before it.
    assert_eq!(
        check("2:2:60", santiago, "2026-11-21T10:00:00Z"),
        (0, "2026-11-21T05:02:59+00:00".to_owned())
    );
}

/// The last date chrono knows is outside the 1900..=2199 window instants are held to.
#[test]
fn the_last_date_is_refused() {
    assert!(parse_instant("+262142-12-31 12:00", chrono_tz::UTC, utc(NOW)).is_err());
}

// ---------------------------------------------------------------------------------------------
// Durations

/// A duration as hours, minutes and seconds, at least one second long.
fn hms() -> impl Strategy<Value = (i64, i64, i64)> {
    (0i64..2_000, 0i64..60, 0i64..60).prop_filter("zero", |&(h, m, s)| h + m + s > 0)
}

/// `1h30m15s` with zero parts left out, in either case, with or without spaces.
fn units(h: i64, m: i64, s: i64, upper: bool, spaced: bool) -> String {
    let (hu, mu, su) = if upper {
        ("H", "M", "S")
    } else {
        ("h", "m", "s")
    };
    let parts: Vec<String> = [(h, hu), (m, mu), (s, su)]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .collect();
    parts.join(if spaced { " " } else { "" })
}

proptest! {
    #![proptest_config(config())]

    /// Each accepted syntax for the same h/m/s gives the same number of seconds.
    #[test]
    fn durations_in_every_syntax(
        (h, m, s) in hms(),
        upper in any::<bool>(),
        spaced in any::<bool>(),
    ) {
        let total = h * 3600 + m * 60 + s;
        let mut forms = vec![
            units(h, m, s, upper, spaced),
            format!("PT{}", units(h, m, s, true, false)),
            format!("pt{}", units(h, m, s, false, false)),
            format!("{total}s"),
            format!("PT{total}S"),
            format!("{h}:{m:02}:{s:02}"),
            format!("{h:02}:{m:02}:{s:02}"),
            format!("  {}\t", units(h, m, s, upper, spaced)),
        ];
        if s == 0 {
            forms.push(format!("{}m", h * 60 + m));
            forms.push(format!("PT{}M", h * 60 + m));
            forms.push(format!("{h:02}:{m:02}"));
            forms.push(format!("{h}:{m:02}"));
        }
        for form in forms {
            prop_assert_eq!(parse_duration(&form), Ok(total), "{}", form);
        }
    }

    /// Decimal hours and minutes: tenths of an hour are 360 s each, and a fraction of a second
    /// rounds half-up (`1.5h` is 5400, `0.5m` is 30, `2.5s` is 3).
    #[test]
    fn fractional_durations(tenths in 1i64..100_000, whole in 0i64..10_000, frac in 0i64..10) {
        let hours = format!("{}.{}h", tenths / 10, tenths % 10);
        prop_assert_eq!(parse_duration(&hours), Ok(tenths * 360), "{}", hours);
        let minutes = format!("{whole}.5m");
        prop_assert_eq!(parse_duration(&minutes), Ok(whole * 60 + 30), "{}", minutes);
        let seconds = format!("{whole}.{frac}s");
        let want = whole + i64::from(frac >= 5);
        if want == 0 {
            let got = parse_duration(&seconds);
            prop_assert!(matches!(got, Err(DomainError::Invalid(_))), "{}: {:?}", seconds, got);
        } else {
            prop_assert_eq!(parse_duration(&seconds), Ok(want), "{}", seconds);
        }
    }

    /// Minutes or seconds of 60 or more in the clock form are refused, not carried over.
    #[test]
    fn clock_form_refuses_sixty(h in 0i64..100, over in 60i64..100, m in 0i64..60) {
        for text in [format!("{h}:{over}"), format!("{h}:{m:02}:{over}")] {
            let got = parse_duration(&text);
            prop_assert!(matches!(got, Err(DomainError::Parse { .. })), "{}: {:?}", text, got);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The stdio line reader

/// Lines that are not JSON: starting with a character no JSON value starts with, or a valid
/// request cut short, or a valid request with something after it.
fn not_json() -> impl Strategy<Value = String> {
    let request = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call",
        "params": {"name": "list_running_timers", "arguments": {}}})
    .to_string();
    let cut = request.clone();
    prop_oneof![
        ("[a-eg-mo-su-zA-Z#<}\\]:,;'=]", any::<String>()).prop_map(|(a, b)| a + &b),
        (1..request.len()).prop_map(move |n| cut[..n].to_owned()),
        "[ ]{0,3}[a-z{\\[\"0-9,]{1,10}".prop_map(move |tail| format!("{request} x{tail}")),
        "\\{[^}\n]{0,20}",
    ]
}

fn assert_parse_error(line: &Line, input: &str) -> Result<(), TestCaseError> {
    let Line::Answer(answer) = line else {
        return Err(TestCaseError::fail(format!("{input:?}: {line:?}")));
    };
    let v: Value = serde_json::from_str(answer).unwrap();
    prop_assert_eq!(&v["jsonrpc"], "2.0");
    prop_assert_eq!(&v["id"], &Value::Null);
    prop_assert_eq!(&v["error"]["code"], -32700, "{:?}: {}", input, answer);
    prop_assert!(!answer.contains('\n'));
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// Any bytes: never a panic; a blank line is skipped, anything serde_json cannot read gets a
    /// parse error, and only objects are forwarded.
    #[test]
    fn classify_any_bytes(bytes in prop_oneof![
        any::<Vec<u8>>(),
        any::<String>().prop_map(String::into_bytes),
        "[ \t\r\u{feff}{}\\[\\]\":,0-9a-z\\\\]{0,40}".prop_map(String::into_bytes),
    ]) {
        let line = classify(&bytes);
        let text = String::from_utf8_lossy(&bytes);
        let trimmed = text.trim_start_matches('\u{feff}').trim();
        if trimmed.is_empty() {
            prop_assert!(matches!(line, Line::Skip), "{:?}: {:?}", text, line);
        } else if serde_json::from_str::<Value>(trimmed).is_err() {
            assert_parse_error(&line, &text)?;
        } else if let Line::Forward { message, .. } = &line {
            prop_assert!(message.is_object(), "{:?}", message);
        }
    }

    /// Every non-blank line that is not JSON gets a -32700 answer with a null id.
    #[test]
    fn classify_not_json(s in not_json()) {
        assert_parse_error(&classify(s.as_bytes()), &s)?;
    }
}

proptest! {
    #![proptest_config(crate::it::util::proptest_config(12, 64))]

    /// The whole server loop on a real database: every garbage line gets its own parse error,
    /// in order, and a ping after them is still answered.
    #[test]
    fn server_answers_every_garbage_line(lines in proptest::collection::vec(not_json(), 1..6)) {
        let lines: Vec<String> = lines.into_iter().map(|l| l.replace(['\n', '\r'], " ")).collect();
        let mut input = lines.join("\n");
        input.push_str("\n{\"jsonrpc\":\"2.0\",\"id\":\"last\",\"method\":\"ping\"}\n");
        let out = session(&input);
        prop_assert_eq!(out.len(), lines.len() + 1, "{:?}", out);
        for answer in &out[..lines.len()] {
            prop_assert_eq!(&answer["error"]["code"], -32700, "{}", answer);
        }
        prop_assert_eq!(&out[lines.len()]["id"], "last");
        prop_assert!(out[lines.len()].get("result").is_some(), "{}", out[lines.len()]);
    }
}

/// Feeds `input` to `serve_lines` on a fresh database and returns the answer lines.
fn session(input: &str) -> Vec<Value> {
    mcp_session(&Env::new(), input)
}
