//! Domain hot paths: parsing what people and agents type, rounding, invoice lines.
//!
//! `cargo bench --bench domain`. Times per call; compare within one run (the machine is noisy).

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use stint::domain::billing::{BillableTrack, GroupBy, build_lines, totals};
use stint::domain::money::Currency;
use stint::domain::rounding::round_seconds;
use stint::domain::settings::{Rounding, RoundingMode, RoundingScope};
use stint::domain::time::{parse_duration, parse_instant};

fn main() {
    divan::main();
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap()
}

const BERLIN: Tz = chrono_tz::Europe::Berlin;

#[divan::bench(args = ["2026-11-20T09:30:00Z", "2026-11-20 09:30", "yesterday 17:30", "09:00", "now"])]
fn instant(input: &str) -> DateTime<Utc> {
    parse_instant(divan::black_box(input), BERLIN, now()).unwrap()
}

#[divan::bench(args = ["1h30m", "90m", "1.5h", "01:30", "PT1H30M"])]
fn duration(input: &str) -> i64 {
    parse_duration(divan::black_box(input)).unwrap()
}

#[divan::bench]
fn round_up_15_minutes() -> i64 {
    let r = Rounding {
        mode: RoundingMode::Up,
        increment_minutes: 15,
        scope: RoundingScope::Entry,
    };
    (0..1_000)
        .map(|s| round_seconds(divan::black_box(s * 7), r))
        .sum()
}

fn billable(n: usize) -> Vec<BillableTrack> {
    let base = Utc.with_ymd_and_hms(2026, 10, 1, 8, 0, 0).unwrap();
    (0..n)
        .map(|i| {
            let start = base + chrono::Duration::minutes(i as i64 * 50);
            BillableTrack {
                id: i as i64,
                start,
                end: start + chrono::Duration::seconds(1_500 + (i as i64 * 37) % 2_000),
                local_date: NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
                    + chrono::Duration::days(i as i64 / 20),
                description: format!("task {i}"),
                project_id: Some(i as i64 % 20),
                project_name: Some(format!("proj{:02}", i % 20)),
                tags: vec![["dev", "meeting", "review"][i % 3].to_owned()],
                unit_rate: Decimal::new(9_500 + (i as i64 % 3) * 500, 2),
                task_id: None,
                task_name: None,
                milestone_id: None,
                milestone_name: None,
                person_id: None,
                person_name: "Owner".to_owned(),
            }
        })
        .collect()
}

/// Lines and totals of an invoice over 10,000 billable tracks, per grouping.
#[divan::bench(args = [GroupBy::Track, GroupBy::Project, GroupBy::Day, GroupBy::Tag])]
fn invoice_lines_10k_tracks(bencher: divan::Bencher<'_, '_>, group_by: GroupBy) {
    let tracks = billable(10_000);
    let eur = Currency::parse("EUR").unwrap();
    let rounding = Rounding {
        mode: RoundingMode::Up,
        increment_minutes: 6,
        scope: RoundingScope::Entry,
    };
    bencher.bench_local(|| {
        let lines = build_lines(divan::black_box(&tracks), group_by, rounding, eur);
        totals(&lines, Decimal::new(19, 0), eur)
    });
}
