//! Store hot paths through the service, on a temporary database of 20,000 tracks (two years,
//! 20 projects, 5 tags, as `../shared/peers/gen.py` spreads them): reports, a start/stop pair,
//! a page of tracks, unbilled work and the CSV export.
//!
//! `cargo bench --bench store`. For whole processes at 10k-1M tracks against Timewarrior and
//! bartib, see `scripts/bench.py`.

use std::fmt::Write as _;
use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use stint::service::{
    Caller, FixedClock, Frontend, ListTracks, NoProgress, Service, SettingsChanges, StartTimer,
    StopTimer, TimeSummary, TracksCsv,
};

const TRACKS: usize = 20_000;

fn main() {
    divan::main();
}

/// A service over a fresh database of [`TRACKS`] tracks; the directory lives as long as it.
fn service() -> (tempfile::TempDir, Service, Arc<FixedClock>) {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap(),
    ));
    let svc = Service::with_clock(
        &dir.path().join("stint.db"),
        Caller::local(Frontend::Cli),
        clock.clone(),
    )
    .unwrap();
    svc.update_settings(SettingsChanges {
        timezone: Some("UTC".into()),
        default_hourly_rate: Some("100".into()),
        ..Default::default()
    })
    .unwrap();
    // Deterministic spread: about 29 tracks a day for 23 months, 1 to 60 minutes each.
    let mut csv = String::from("start,end,project,tags,description,billable\n");
    let first = Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap();
    let mut at = first;
    let mut seed: u64 = 42;
    for i in 0..TRACKS {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let minutes = 1 + (seed >> 33) % 60;
        let end = at + Duration::minutes(minutes as i64);
        let _ = writeln!(
            csv,
            "{},{},proj{:02},{},task {i},{}",
            at.to_rfc3339(),
            end.to_rfc3339(),
            1 + (seed >> 40) % 20,
            ["dev", "meeting", "review", "admin", "support"][(seed >> 45) as usize % 5],
            !(seed >> 50).is_multiple_of(4)
        );
        at = end + Duration::minutes(((seed >> 20) % 40) as i64);
    }
    svc.import_csv(csv.as_bytes(), &NoProgress).unwrap();
    (dir, svc, clock)
}

fn summary(from: &str, to: &str) -> TimeSummary {
    TimeSummary {
        from: from.into(),
        to: to.into(),
        group_by: vec!["project".into()],
        ..Default::default()
    }
}

#[divan::bench]
fn time_summary_one_week(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, _) = service();
    bencher.bench_local(|| {
        svc.time_summary(summary("2025-06-02", "2025-06-08"))
            .unwrap()
    });
}

#[divan::bench]
fn time_summary_all_time(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, _) = service();
    bencher.bench_local(|| {
        svc.time_summary(summary("2024-01-01", "2026-12-31"))
            .unwrap()
    });
}

#[divan::bench]
fn unbilled_summary_all_time(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, _) = service();
    bencher.bench_local(|| svc.unbilled_summary(None, None, None).unwrap());
}

/// One `start_timer` and one `stop_timer`, each its own transaction, a minute apart.
#[divan::bench]
fn start_and_stop(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, clock) = service();
    bencher.bench_local(|| {
        svc.start_timer(StartTimer {
            project: Some("proj01".into()),
            description: Some("bench".into()),
            ..Default::default()
        })
        .unwrap();
        clock.advance(60);
        svc.stop_timer(StopTimer::default()).unwrap();
        clock.advance(60);
    });
}

#[divan::bench]
fn list_tracks_first_page(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, _) = service();
    bencher.bench_local(|| {
        svc.list_tracks(ListTracks {
            limit: Some(50),
            ..Default::default()
        })
        .unwrap()
    });
}

#[divan::bench(sample_count = 20)]
fn export_all_tracks_csv(bencher: divan::Bencher<'_, '_>) {
    let (_dir, svc, _) = service();
    let rounding = svc.get_settings().unwrap().settings.rounding;
    bencher.bench_local(|| {
        let mut csv = TracksCsv::new(std::io::sink(), rounding, svc.now());
        svc.export_tracks_csv(&ListTracks::default(), &mut csv)
            .unwrap()
    });
}
