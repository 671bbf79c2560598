//! One rule for a track that crosses a boundary (docs/rules.md, "Time"): a track belongs
//! wholly to the local day, week, month and year in which it starts, in the configured zone, in
//! every summary, budget, unbilled amount, invoice, listing and export.
//!
//! The hotfix of issue 18 (Nov 30 23:15 to Dec 1 00:45 at 110 EUR/h, beside 2 h earlier in
//! November) is checked exactly; a property test over random tracks, zones, rates and rounding
//! settings checks that the invoice dry run, `unbilled_summary` and `time_summary` agree with
//! each other and with a model of the rule for any period, and that consecutive periods add up
//! to the whole.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use rust_decimal::{Decimal, RoundingStrategy};
use stint::domain::entities::Invoice;
use stint::domain::rounding::round_seconds;
use stint::domain::settings::{ROUNDING_INCREMENTS, Rounding, RoundingMode, RoundingScope};
use stint::domain::time::local_day_start;
use stint::service::{
    ListTracks, NewClient, NewInvoice, NewProject, NewTrack, RoundingChanges, ServiceError,
    SettingsChanges, StartTimer, Summary, TimeSummary, TracksCsv,
};

use super::util::{Env, utc};

// ---------------------------------------------------------------------------------------------
// Helpers

/// Rounding as `update_settings` takes it: mode, increment in minutes, scope.
type RoundingSetting = (&'static str, u32, &'static str);

fn settings(env: &Env, zone: &str, default_rate: &str, rounding: Option<RoundingSetting>) {
    env.svc
        .update_settings(SettingsChanges {
            timezone: Some(zone.into()),
            default_currency: Some("EUR".into()),
            default_hourly_rate: Some(default_rate.into()),
            rounding: rounding.map(|(mode, increment, scope)| RoundingChanges {
                mode: Some(mode.into()),
                increment_minutes: Some(increment),
                scope: Some(scope.into()),
            }),
            ..Default::default()
        })
        .unwrap();
}

fn summary(env: &Env, from: &str, to: &str, group_by: &[&str]) -> Summary {
    env.svc
        .time_summary(TimeSummary {
            from: from.into(),
            to: to.into(),
            group_by: group_by.iter().map(|g| g.to_string()).collect(),
            billable: Some(true),
            ..Default::default()
        })
        .unwrap()
}

fn eur(s: &Summary) -> Decimal {
    s.totals.amounts.get("EUR").copied().unwrap_or_default()
}

/// `(label, seconds)` of each row of a summary grouped by one period.
fn rows(s: &Summary) -> Vec<(String, i64)> {
    s.rows
        .iter()
        .map(|r| (r.keys[0].value.clone(), r.figures.duration_seconds))
        .collect()
}

/// An invoice dry run over `[from, to]` of every billable track; `None` when nothing is billable.
fn dry_run(env: &Env, from: &str, to: &str, group_by: Option<&str>) -> Option<Invoice> {
    match env.svc.create_invoice(NewInvoice {
        from: from.into(),
        to: to.into(),
        group_by: group_by.map(Into::into),
        dry_run: true,
        ..Default::default()
    }) {
        Ok(inv) => Some(inv),
        Err(ServiceError::Conflict(m)) if m.to_string().contains("no billable") => None,
        Err(e) => panic!("dry run {from}..{to}: {e}"),
    }
}

/// `(seconds, rounded seconds, subtotal)` of an invoice (zeros for none).
fn billed(inv: Option<&Invoice>) -> (i64, i64, Decimal) {
    inv.map_or((0, 0, Decimal::ZERO), |i| {
        (
            i.lines.iter().map(|l| l.duration_seconds).sum(),
            i.lines.iter().map(|l| l.rounded_duration_seconds).sum(),
            i.subtotal,
        )
    })
}

/// The example: Acme's Website at 110 EUR/h, 2 h on Nov 10 and the hotfix from Nov 30
/// 23:15 to Dec 1 00:45 (Berlin); the clock on Dec 1 13:00.
fn hotfix_env() -> Env {
    let env = Env::new();
    env.clock.set(utc("2026-12-01T12:00:00Z"));
    settings(&env, "Europe/Berlin", "0", None);
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("110".into()),
            budget_hours: Some("10".into()),
            budget_period: Some("monthly".into()),
            ..Default::default()
        })
        .unwrap();
    for (start, end, what) in [
        ("2026-11-10 09:00", "2026-11-10 11:00", "redesign"),
        ("2026-11-30 23:15", "2026-12-01 00:45", "hotfix"),
    ] {
        env.svc
            .create_track(NewTrack {
                description: Some(what.into()),
                project: Some("Website".into()),
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            })
            .unwrap();
    }
    env
}

// ---------------------------------------------------------------------------------------------
// The hotfix

/// November's invoice (dry run and real), `unbilled_summary` and `time_summary` all bill the
/// whole hotfix (3:30 in November, 385.00 EUR), December's none of it; with rounding too.
///
/// FAILED before the rule: reports clipped the hotfix at midnight (2:45, 302.50 EUR in November
/// and 0:45 in December) while the invoice took it whole.
#[test]
fn the_hotfix_is_billed_and_reported_in_november() {
    // (rounding, November's rounded seconds, November's amount)
    let cases: [(Option<RoundingSetting>, i64, &str); 5] = [
        (None, 12_600, "385.00"),
        // 2:00 + 1:30 each rounded up to the hour: 4:00.
        (Some(("up", 60, "entry")), 14_400, "440.00"),
        // 3:30 rounded up once: 4:00.
        (Some(("up", 60, "total")), 14_400, "440.00"),
        // 2:00 + 1:30 each rounded down: 3:00.
        (Some(("down", 60, "entry")), 10_800, "330.00"),
        (Some(("nearest", 6, "total")), 12_600, "385.00"),
    ];
    for (rounding, rounded, amount) in cases {
        let env = hotfix_env();
        if let Some(r) = rounding {
            settings(&env, "Europe/Berlin", "0", Some(r));
        }
        let amount: Decimal = amount.parse().unwrap();
        let case = format!("rounding {rounding:?}");

        let november = summary(&env, "2026-11-01", "2026-11-30", &["project"]);
        assert_eq!(
            (
                november.totals.duration_seconds,
                november.totals.rounded_duration_seconds,
                eur(&november)
            ),
            (12_600, rounded, amount),
            "time_summary, {case}"
        );
        let unbilled = env
            .svc
            .unbilled_summary(Some("Acme"), Some("2026-11-01"), Some("2026-11-30"))
            .unwrap();
        assert_eq!(
            (
                unbilled.totals.duration_seconds,
                unbilled.totals.rounded_duration_seconds,
                eur(&unbilled)
            ),
            (12_600, rounded, amount),
            "unbilled_summary, {case}"
        );
        let inv = dry_run(&env, "2026-11-01", "2026-11-30", None);
        assert_eq!(
            billed(inv.as_ref()),
            (12_600, rounded, amount),
            "dry run, {case}"
        );

        // December holds none of it.
        let december = summary(&env, "2026-12-01", "2026-12-31", &["project"]);
        assert_eq!(
            (december.totals.duration_seconds, eur(&december)),
            (0, Decimal::ZERO),
            "{case}"
        );
        assert!(december.rows.is_empty(), "{case}: {:?}", december.rows);
        let unbilled_dec = env
            .svc
            .unbilled_summary(Some("Acme"), Some("2026-12-01"), Some("2026-12-31"))
            .unwrap();
        assert_eq!(
            (unbilled_dec.totals.duration_seconds, eur(&unbilled_dec)),
            (0, Decimal::ZERO),
            "{case}"
        );
        assert!(dry_run(&env, "2026-12-01", "2026-12-31", None).is_none());

        // The real invoice bills the same, and then nothing of November is unbilled.
        let real = env
            .svc
            .create_invoice(NewInvoice {
                client: Some("Acme".into()),
                from: "2026-11-01".into(),
                to: "2026-11-30".into(),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            billed(Some(&real)),
            (12_600, rounded, amount),
            "invoice, {case}"
        );
        assert_eq!(real.total, amount, "{case}");
        let after = env.svc.unbilled_summary(Some("Acme"), None, None).unwrap();
        assert_eq!(
            (after.totals.duration_seconds, eur(&after)),
            (0, Decimal::ZERO),
            "{case}"
        );
        let again = summary(&env, "2026-11-01", "2026-11-30", &["project"]);
        assert_eq!(
            (again.totals.duration_seconds, eur(&again)),
            (12_600, amount),
            "{case}"
        );
    }
}

/// Grouped by day, week, month and year the hotfix is one row of its start: Nov 30 (a Monday
/// week starting Nov 30), November, 2026; a December range holds none of it.
#[test]
fn a_track_is_one_row_of_the_period_it_starts_in() {
    let env = hotfix_env();
    let by = |group: &str, from: &str, to: &str| rows(&summary(&env, from, to, &[group]));
    assert_eq!(
        by("day", "2026-11-30", "2026-12-01"),
        [("2026-11-30".to_owned(), 5400)]
    );
    assert_eq!(by("day", "2026-12-01", "2026-12-01"), []);
    assert_eq!(
        by("week", "2026-11-01", "2026-12-31"),
        [
            ("2026-11-09".to_owned(), 7200),
            ("2026-11-30".to_owned(), 5400)
        ]
    );
    assert_eq!(
        by("month", "2026-11-01", "2026-12-31"),
        [("2026-11".to_owned(), 12_600)]
    );
    assert_eq!(
        by("year", "2026-01-01", "2026-12-31"),
        [("2026".to_owned(), 12_600)]
    );
    // A date-time range takes the tracks that start in it, whole.
    let s = summary(&env, "2026-11-30 23:00", "2026-12-01 00:00", &["day"]);
    assert_eq!(rows(&s), [("2026-11-30".to_owned(), 5400)]);
    assert_eq!(s.rows[0].figures.track_count, 1);
    let s = summary(&env, "2026-12-01 00:00", "2026-12-01 12:00", &["project"]);
    assert_eq!(s.totals.duration_seconds, 0);

    let (top, _) = env
        .svc
        .top_projects("2026-12-01", "2026-12-31", None)
        .unwrap();
    assert!(top.rows.is_empty(), "{:?}", top.rows);
    let (top, _) = env
        .svc
        .top_projects("2026-11-01", "2026-11-30", None)
        .unwrap();
    assert_eq!(rows(&top), [("Website".to_owned(), 12_600)]);
}

/// December's monthly budget holds none of November's hotfix.
#[test]
fn a_monthly_budget_counts_the_tracks_that_start_in_its_month() {
    let env = hotfix_env();
    let b = env.svc.budget_status(Some("Website")).unwrap();
    let hours = b[0].hours.as_ref().unwrap();
    assert_eq!(b[0].period_start, utc("2026-11-30T23:00:00Z"));
    assert_eq!(hours.used, Decimal::ZERO);
    assert_eq!(hours.percent, Decimal::ZERO);
}

/// Listings and exports filtered by a range hold the tracks that start in it.
#[test]
fn lists_and_exports_take_the_tracks_that_start_in_the_range() {
    let env = hotfix_env();
    let list = |from: &str, to: &str| -> Vec<String> {
        env.svc
            .list_tracks(ListTracks {
                from: Some(from.into()),
                to: Some(to.into()),
                ..Default::default()
            })
            .unwrap()
            .items
            .into_iter()
            .map(|t| t.description)
            .collect()
    };
    assert_eq!(list("2026-11-01", "2026-11-30"), ["hotfix", "redesign"]);
    assert_eq!(list("2026-12-01", "2026-12-31"), Vec::<String>::new());
    assert_eq!(list("2026-11-30", "2026-11-30"), ["hotfix"]);

    let december = ListTracks {
        from: Some("2026-12-01".into()),
        to: Some("2026-12-31".into()),
        ..Default::default()
    };
    let mut csv = TracksCsv::new(Vec::new(), Rounding::default(), utc("2026-12-01T12:00:00Z"));
    let n = env.svc.export_tracks_csv(&december, &mut csv).unwrap();
    let text = String::from_utf8(csv.finish().unwrap()).unwrap();
    assert_eq!((n, text.lines().count()), (0, 1), "{text}");
    let mut ics = Vec::new();
    let n = env.svc.export_tracks_ics(&december, &mut ics).unwrap();
    let ics = String::from_utf8(ics).unwrap();
    assert_eq!(n, 0);
    assert!(!ics.contains("hotfix"), "{ics}");
}

/// A running timer counts up to now, whole, in the period of its start.
#[test]
fn a_running_timer_counts_in_the_period_it_started_in() {
    let env = Env::new();
    env.clock.set(utc("2026-12-01T00:30:00Z")); // 01:30 in Berlin
    env.svc
        .start_timer(StartTimer {
            description: Some("late deploy".into()),
            billable: Some(true),
            start: Some("2026-11-30 23:30".into()),
            ..Default::default()
        })
        .unwrap();
    let november = summary(&env, "2026-11-01", "2026-11-30", &["day"]);
    assert_eq!(rows(&november), [("2026-11-30".to_owned(), 7200)]);
    assert_eq!(november.totals.running_count, 1);
    assert_eq!(november.totals.duration_seconds, 7200);
    let december = summary(&env, "2026-12-01", "2026-12-01", &["day"]);
    assert_eq!(december.totals.duration_seconds, 0);
    assert!(december.rows.is_empty());
}

/// The CLI's report, week chart and invoice dry run follow the rule: `stint week` draws the
/// hotfix whole on the Sunday it starts (the chart's bars are the report's rows) and the next
/// week holds none of it.
#[test]
fn the_cli_reports_a_track_in_the_period_it_starts_in() {
    let dir = tempfile::tempdir().unwrap();
    let stint = |args: &[&str]| -> String {
        super::util::stint(args)
            .db(dir.path().join("cli.db"))
            .ok()
            .stdout
    };
    let json = |args: &[&str]| -> serde_json::Value {
        let mut args = args.to_vec();
        args.push("--json");
        serde_json::from_str(&stint(&args)).unwrap()
    };
    stint(&["config", "set", "timezone", "Europe/Berlin"]);
    stint(&["config", "set", "default_currency", "EUR"]);
    stint(&["config", "set", "default_hourly_rate", "110"]);
    stint(&[
        "log",
        "hotfix",
        "-p",
        "Website",
        "--start",
        "2025-11-30 23:15",
        "--end",
        "2025-12-01 00:45",
    ]);
    let totals = |v: &serde_json::Value| {
        (
            v["totals"]["duration_seconds"].as_i64().unwrap(),
            v["totals"]["amounts"][0]["amount"]
                .as_str()
                .map(str::to_owned),
        )
    };
    let november = json(&["report", "--from", "2025-11-01", "--to", "2025-11-30"]);
    assert_eq!(totals(&november), (5400, Some("165.00".to_owned())));
    let december = json(&["report", "--from", "2025-12-01", "--to", "2025-12-31"]);
    assert_eq!(totals(&december), (0, None));
    let invoice = json(&[
        "invoice",
        "create",
        "--from",
        "2025-11-01",
        "--to",
        "2025-11-30",
        "--dry-run",
    ]);
    assert_eq!(invoice["invoice"]["subtotal"], "165.00", "{invoice}");

    let week = json(&["week", "--date", "2025-11-30"]);
    let rows: Vec<(String, i64)> = week["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["label"].as_str().unwrap().to_owned(),
                r["duration_seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rows, [("2025-11-30 / Website".to_owned(), 5400)], "{week}");
    let chart = stint(&["week", "--date", "2025-11-30"]);
    assert!(chart.contains("Sun 2025-11-30 █"), "{chart}");
    assert!(chart.ends_with("total 1:30\n"), "{chart}");
    let next = stint(&["week", "--date", "2025-12-01"]);
    assert!(
        next.contains("Mon 2025-12-01") && next.ends_with("total 0:00\n"),
        "{next}"
    );
}

// ---------------------------------------------------------------------------------------------
// Property: any period, any zone

/// Zones with daylight saving in either hemisphere, a half-hour change (Lord Howe) and odd
/// offsets without one (Kathmandu +05:45).
const ZONES: [&str; 6] = [
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "UTC",
    "Pacific/Chatham",
];

/// Local dates near which tracks start: month and year ends and the daylight-saving changes of
/// the zones above in 2026.
const ANCHORS: [(i32, u32, u32); 11] = [
    (2026, 2, 1),
    (2026, 3, 8),
    (2026, 3, 29),
    (2026, 4, 5),
    (2026, 4, 1),
    (2026, 9, 27),
    (2026, 10, 4),
    (2026, 10, 25),
    (2026, 11, 1),
    (2026, 12, 1),
    (2027, 1, 1),
];

const DEFAULT_RATES: [&str; 3] = ["0", "60", "99.99"];

/// Projects: none, one with its own rate, one that takes its client's, one on the default.
const PROJECTS: [Option<&str>; 4] = [None, Some("Own"), Some("Client's"), Some("Default")];

/// The case count: 16, 512 with `STINT_SLOW_TESTS=1`, or `PROPTEST_CASES`.
fn config() -> ProptestConfig {
    crate::it::util::proptest_config(16, 512)
}

#[derive(Debug, Clone)]
struct GenTrack {
    anchor: usize,
    /// Seconds from the anchor's local midnight.
    offset: i64,
    seconds: i64,
    project: usize,
    billable: bool,
    /// 0: none; 1: 95.5; 2: the default rate (the same rate as a track without one).
    rate: usize,
}

fn gen_track() -> impl Strategy<Value = GenTrack> {
    (
        0..ANCHORS.len(),
        -90_000i64..14_400,
        prop_oneof![1i64..7_200, 3_600i64..108_000],
        0..PROJECTS.len(),
        proptest::bool::weighted(0.8),
        0usize..3,
    )
        .prop_map(
            |(anchor, offset, seconds, project, billable, rate)| GenTrack {
                anchor,
                offset,
                seconds,
                project,
                billable,
                rate,
            },
        )
}

fn gen_rounding() -> impl Strategy<Value = Rounding> {
    (
        prop_oneof![
            Just(RoundingMode::None),
            Just(RoundingMode::Up),
            Just(RoundingMode::Down),
            Just(RoundingMode::Nearest)
        ],
        proptest::sample::select(ROUNDING_INCREMENTS.to_vec()),
        prop_oneof![Just(RoundingScope::Entry), Just(RoundingScope::Total)],
    )
        .prop_map(|(mode, increment_minutes, scope)| Rounding {
            mode,
            increment_minutes,
            scope,
        })
}

/// A track as the model sees it: UTC span, billable flag and the rate in force.
struct Billed {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    billable: bool,
    rate: Decimal,
}

/// What the rule says a range `[from, to)` bills: billable tracks starting in it, their seconds,
/// rounded seconds (per entry, or per rate for scope total, as a per-track invoice rounds) and
/// the money rule's amount (rate x seconds / 3600 summed exactly, half-up to the cent once).
fn model(tracks: &[Billed], from: DateTime<Utc>, to: DateTime<Utc>, r: Rounding) -> (i64, Decimal) {
    let mut by_rate: BTreeMap<Decimal, Vec<i64>> = BTreeMap::new();
    for t in tracks
        .iter()
        .filter(|t| t.billable && t.start >= from && t.start < to)
    {
        by_rate
            .entry(t.rate)
            .or_default()
            .push((t.end - t.start).num_seconds());
    }
    let mut seconds = 0;
    let mut exact = Decimal::ZERO;
    for (rate, secs) in by_rate {
        seconds += secs.iter().sum::<i64>();
        let rounded = match r.scope {
            RoundingScope::Entry => secs.iter().map(|&s| round_seconds(s, r)).sum(),
            RoundingScope::Total => round_seconds(secs.iter().sum(), r),
        };
        exact += rate * Decimal::from(rounded);
    }
    let amount = (exact / Decimal::from(3600))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero);
    (seconds, amount)
}

/// Checks one range: `time_summary` (billable, by project), `unbilled_summary` and the invoice
/// dry run (per track, and by project) all give the model's seconds and amount, and rounded
/// seconds that agree wherever the rounding makes them comparable. Returns the summary.
fn check_range(
    env: &Env,
    tracks: &[Billed],
    rounding: Rounding,
    from: &str,
    to: &str,
) -> Result<Summary, TestCaseError> {
    let ts = summary(env, from, to, &["project"]);
    let (seconds, amount) = model(tracks, ts.start, ts.end, rounding);
    let what = format!("{from}..{to} ({} to {})", ts.start, ts.end);
    prop_assert_eq!(
        (ts.totals.duration_seconds, eur(&ts)),
        (seconds, amount),
        "time_summary {}",
        what
    );
    let un = env
        .svc
        .unbilled_summary(None, Some(from), Some(to))
        .unwrap();
    prop_assert_eq!((un.start, un.end), (ts.start, ts.end));
    prop_assert_eq!(
        (un.totals.duration_seconds, eur(&un)),
        (seconds, amount),
        "unbilled_summary {}",
        what
    );
    prop_assert_eq!(
        un.totals.rounded_duration_seconds,
        ts.totals.rounded_duration_seconds,
        "rounded, {}",
        what
    );
    let per_track = dry_run(env, from, to, None);
    if let Some(inv) = &per_track {
        prop_assert_eq!((inv.period_start, inv.period_end), (ts.start, ts.end));
    }
    let (inv_seconds, inv_rounded, inv_amount) = billed(per_track.as_ref());
    prop_assert_eq!(
        (inv_seconds, inv_amount),
        (seconds, amount),
        "invoice dry run {}",
        what
    );
    if rounding.scope == RoundingScope::Entry || rounding.mode == RoundingMode::None {
        prop_assert_eq!(
            inv_rounded,
            ts.totals.rounded_duration_seconds,
            "rounded, {}",
            what
        );
    }
    // By project, the invoice's lines hold each project's time, and its amount to the cent
    // per line (a project's lines at several rates share the leftover cents with all lines,
    // the summary's row with all rows).
    let by_project = dry_run(env, from, to, Some("project"));
    let mut lines: BTreeMap<String, (i64, Decimal, i64)> = BTreeMap::new();
    for l in by_project.iter().flat_map(|i| &i.lines) {
        let e = lines
            .entry(
                l.project_name
                    .clone()
                    .unwrap_or_else(|| "(no project)".into()),
            )
            .or_default();
        e.0 += l.duration_seconds;
        e.1 += l.amount;
        e.2 += 1;
    }
    let mut row_seconds: BTreeMap<String, i64> = BTreeMap::new();
    for r in &ts.rows {
        row_seconds.insert(r.keys[0].value.clone(), r.figures.duration_seconds);
        let (_, line_amount, count) = lines.get(&r.keys[0].value).copied().unwrap_or_default();
        let row_amount = r.figures.amounts.get("EUR").copied().unwrap_or_default();
        prop_assert!(
            (line_amount - row_amount).abs() <= Decimal::new(count.max(1), 2),
            "amount of {} by project, {}: lines {}, row {}",
            r.keys[0].value,
            what,
            line_amount,
            row_amount
        );
    }
    let line_seconds: BTreeMap<String, i64> =
        lines.into_iter().map(|(k, (s, _, _))| (k, s)).collect();
    prop_assert_eq!(line_seconds, row_seconds, "by project, {}", what);
    Ok(ts)
}

/// The local dates of a month.
fn days_of(year: i32, month: u32) -> Vec<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1).unwrap();
    first
        .iter_days()
        .take_while(|d| d.month() == month)
        .collect()
}

fn last_day(year: i32, month: u32) -> NaiveDate {
    *days_of(year, month).last().unwrap()
}

/// Asserts that the separately queried periods add up to the whole range: seconds and track
/// counts exactly, rounded seconds exactly per entry, amounts to the cent per period (each
/// period is priced once, so their sum may differ from the whole's by the rounding of each).
fn check_parts(
    whole: &Summary,
    parts: &[Summary],
    rounding: Rounding,
    what: &str,
) -> Result<(), TestCaseError> {
    let sum = |f: &dyn Fn(&Summary) -> i64| parts.iter().map(f).sum::<i64>();
    prop_assert_eq!(
        sum(&|s| s.totals.duration_seconds),
        whole.totals.duration_seconds,
        "seconds of {}",
        what
    );
    prop_assert_eq!(
        sum(&|s| s.totals.track_count),
        whole.totals.track_count,
        "tracks of {}",
        what
    );
    if rounding.scope == RoundingScope::Entry {
        prop_assert_eq!(
            sum(&|s| s.totals.rounded_duration_seconds),
            whole.totals.rounded_duration_seconds,
            "rounded seconds of {}",
            what
        );
        let cents: Decimal = parts.iter().map(eur).sum();
        let slack = Decimal::new(i64::try_from(parts.len()).unwrap(), 2);
        prop_assert!(
            (cents - eur(whole)).abs() <= slack,
            "amounts of {}: {} in parts, {} whole",
            what,
            cents,
            eur(whole)
        );
    }
    Ok(())
}

/// Asserts that a summary grouped by a period has the rows of the separately queried periods
/// (with their labels), each priced within a cent of the period alone, and that its rows add up
/// to its totals (with scope `total` a row's time is rounded as a group of its own, and the
/// totals' as one group, so there they need not).
fn check_grouped(
    grouped: &Summary,
    parts: &[(String, &Summary)],
    rounding: Rounding,
    what: &str,
) -> Result<(), TestCaseError> {
    let want: Vec<(String, i64)> = parts
        .iter()
        .filter(|(_, s)| s.totals.track_count > 0)
        .map(|(label, s)| (label.clone(), s.totals.duration_seconds))
        .collect();
    prop_assert_eq!(rows(grouped), want, "rows of {}", what);
    let row_cents: Decimal = grouped
        .rows
        .iter()
        .map(|r| r.figures.amounts.get("EUR").copied().unwrap_or_default())
        .sum();
    if rounding.scope == RoundingScope::Entry || rounding.mode == RoundingMode::None {
        prop_assert_eq!(row_cents, eur(grouped), "row amounts of {}", what);
    }
    for ((_, part), row) in parts
        .iter()
        .filter(|(_, s)| s.totals.track_count > 0)
        .zip(&grouped.rows)
    {
        // A row of the grouped summary is its share of one priced sum; the period alone is
        // priced on its own: they differ by a cent at most.
        let diff = (row.figures.amounts.get("EUR").copied().unwrap_or_default() - eur(part)).abs();
        prop_assert!(diff <= Decimal::new(1, 2), "amount of a row of {}", what);
    }
    Ok(())
}

fn run_case(
    zone: &str,
    rounding: Rounding,
    default_rate: usize,
    generated: &[GenTrack],
    month_anchor: usize,
    ranges: &[(i64, i64)],
) -> Result<(), TestCaseError> {
    let env = Env::new();
    env.clock.set(utc("2027-03-01T00:00:00Z"));
    let tz: Tz = zone.parse().unwrap();
    let default = DEFAULT_RATES[default_rate];
    settings(
        &env,
        zone,
        default,
        Some((
            match rounding.mode {
                RoundingMode::None => "none",
                RoundingMode::Up => "up",
                RoundingMode::Down => "down",
                RoundingMode::Nearest => "nearest",
            },
            rounding.increment_minutes,
            match rounding.scope {
                RoundingScope::Entry => "entry",
                RoundingScope::Total => "total",
            },
        )),
    );
    env.svc
        .create_client(NewClient {
            name: "Client".into(),
            hourly_rate: Some("80".into()),
            ..Default::default()
        })
        .unwrap();
    for (name, client, rate) in [
        ("Own", None, Some("100")),
        ("Client's", Some("Client"), None),
        ("Default", None, None),
    ] {
        env.svc
            .create_project(NewProject {
                name: name.into(),
                client: client.map(Into::into),
                hourly_rate: rate.map(Into::into),
                ..Default::default()
            })
            .unwrap();
    }
    let default: Decimal = default.parse().unwrap();
    let mut tracks = Vec::new();
    for g in generated {
        let (y, m, d) = ANCHORS[g.anchor];
        let midnight = local_day_start(NaiveDate::from_ymd_opt(y, m, d).unwrap(), tz);
        let start = midnight + chrono::TimeDelta::seconds(g.offset);
        let end = start + chrono::TimeDelta::seconds(g.seconds);
        let own_rate = match g.rate {
            1 => Some("95.5".to_owned()),
            2 => Some(default.to_string()),
            _ => None,
        };
        env.svc
            .create_track(NewTrack {
                project: PROJECTS[g.project].map(Into::into),
                billable: Some(g.billable),
                start: start.to_rfc3339(),
                end: Some(end.to_rfc3339()),
                hourly_rate: own_rate.clone(),
                // Two generated tracks may be equal: an exact repeat, recorded on purpose.
                allow_duplicate: true,
                ..Default::default()
            })
            .unwrap();
        let rate = match (own_rate, PROJECTS[g.project]) {
            (Some(r), _) => r.parse().unwrap(),
            (None, Some("Own")) => Decimal::from(100),
            (None, Some("Client's")) => Decimal::from(80),
            (None, _) => default,
        };
        tracks.push(Billed {
            start,
            end,
            billable: g.billable,
            rate,
        });
    }

    // The year, its months, and the months grouped in one summary.
    let year = check_range(&env, &tracks, rounding, "2026-01-01", "2026-12-31")?;
    let mut months = Vec::new();
    for m in 1..=12 {
        let from = NaiveDate::from_ymd_opt(2026, m, 1).unwrap().to_string();
        let to = last_day(2026, m).to_string();
        months.push((
            format!("2026-{m:02}"),
            check_range(&env, &tracks, rounding, &from, &to)?,
        ));
    }
    let parts: Vec<Summary> = months.iter().map(|(_, s)| s.clone()).collect();
    check_parts(&year, &parts, rounding, "2026 by month")?;
    let labelled: Vec<(String, &Summary)> = months.iter().map(|(l, s)| (l.clone(), s)).collect();
    check_grouped(
        &summary(&env, "2026-01-01", "2026-12-31", &["month"]),
        &labelled,
        rounding,
        "2026 grouped by month",
    )?;

    // The days of one anchor's month, and that month grouped by day and by week.
    let (y, m, _) = ANCHORS[month_anchor];
    let month = check_range(
        &env,
        &tracks,
        rounding,
        &NaiveDate::from_ymd_opt(y, m, 1).unwrap().to_string(),
        &last_day(y, m).to_string(),
    )?;
    let mut days = Vec::new();
    for d in days_of(y, m) {
        let s = check_range(&env, &tracks, rounding, &d.to_string(), &d.to_string())?;
        days.push((d.to_string(), s));
    }
    let parts: Vec<Summary> = days.iter().map(|(_, s)| s.clone()).collect();
    check_parts(&month, &parts, rounding, "a month by day")?;
    let labelled: Vec<(String, &Summary)> = days.iter().map(|(l, s)| (l.clone(), s)).collect();
    let first = NaiveDate::from_ymd_opt(y, m, 1).unwrap().to_string();
    let last = last_day(y, m).to_string();
    check_grouped(
        &summary(&env, &first, &last, &["day"]),
        &labelled,
        rounding,
        "a month grouped by day",
    )?;
    // Weeks (from Monday) covering the month: each queried alone, and grouped.
    let monday = NaiveDate::from_ymd_opt(y, m, 1)
        .unwrap()
        .week(chrono::Weekday::Mon)
        .first_day();
    let mut weeks = Vec::new();
    let mut w = monday;
    while w <= last_day(y, m) {
        let to = w + Days::new(6);
        let s = check_range(&env, &tracks, rounding, &w.to_string(), &to.to_string())?;
        weeks.push((w.to_string(), s));
        w = w + Days::new(7);
    }
    let span_to = (w - Days::new(1)).to_string();
    let all_weeks = summary(&env, &monday.to_string(), &span_to, &["week"]);
    let parts: Vec<Summary> = weeks.iter().map(|(_, s)| s.clone()).collect();
    check_parts(&all_weeks, &parts, rounding, "weeks")?;
    let labelled: Vec<(String, &Summary)> = weeks.iter().map(|(l, s)| (l.clone(), s)).collect();
    check_grouped(&all_weeks, &labelled, rounding, "weeks grouped")?;

    // Arbitrary instants, split at an arbitrary instant between them.
    for &(a, b) in ranges {
        let base = utc("2026-01-15T00:00:00Z").timestamp();
        let (lo, hi) = (base + a.min(b), base + a.max(b) + 1);
        let mid = lo + (hi - lo) / 3;
        let at = |s: i64| Utc.timestamp_opt(s, 0).unwrap().to_rfc3339();
        let whole = check_range(&env, &tracks, rounding, &at(lo), &at(hi))?;
        let left = check_range(&env, &tracks, rounding, &at(lo), &at(mid.max(lo + 1)))?;
        let right = if mid.max(lo + 1) < hi {
            vec![check_range(
                &env,
                &tracks,
                rounding,
                &at(mid.max(lo + 1)),
                &at(hi),
            )?]
        } else {
            Vec::new()
        };
        let mut parts = vec![left];
        parts.extend(right);
        check_parts(&whole, &parts, rounding, "an arbitrary range")?;
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    /// For any period (a day, a week, a month, a year, arbitrary instants) the invoice dry run,
    /// `unbilled_summary` and `time_summary` bill exactly the billable tracks that start in it,
    /// to the second and the cent; and consecutive periods add up to the whole.
    #[test]
    fn every_view_of_a_period_bills_the_tracks_that_start_in_it(
        zone in proptest::sample::select(ZONES.to_vec()),
        rounding in gen_rounding(),
        default_rate in 0..DEFAULT_RATES.len(),
        tracks in proptest::collection::vec(gen_track(), 1..14),
        month_anchor in 0..ANCHORS.len(),
        ranges in proptest::collection::vec((0i64..30_000_000, 0i64..30_000_000), 1..3),
    ) {
        run_case(zone, rounding, default_rate, &tracks, month_anchor, &ranges)?;
    }
}
