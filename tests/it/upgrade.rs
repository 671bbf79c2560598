//! Schema upgrades: old databases opened with today's code keep every row and keep working.
//!
//! `fixtures/db/v1.db` is a schema-1 database full of data (tracks with tags, a running timer,
//! projects, clients, paid, draft and void invoices with their lines, settings with rounding and
//! an invoice number format, an API token, audit rows). It is copied, opened with today's code,
//! and checked: the schema is at [`store::supported_schema_version`] (whatever migrations have
//! been added since), every row of every schema-1 table still holds the same values in the
//! schema-1 columns, and the service serves it. A migration that rewrites data on purpose has to
//! say so here.
//!
//! [`every_migration_upgrades_a_full_database`] runs once per schema version V: it builds a full
//! database at version V (the fixture plus migrations 2..=V applied as the files in
//! `migrations/` say, recorded as refinery records them) and opens it with today's code, which
//! runs migrations V+1.. (none for the newest version: opening is then a no-op).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::Connection;
use rusqlite::types::Value;
use rust_decimal::Decimal;
use stint::domain::entities::InvoiceStatus;
use stint::domain::settings::{RoundingMode, RoundingScope};
use stint::service::{
    Caller, FixedClock, Frontend, GroupDim, ListTracks, NewInvoice, NewTrack, Service, StopTimer,
    TimeSummary,
};
use stint::store;

use super::util::{NOW, utc};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/db/v1.db");
const MIGRATIONS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/migrations");

fn copy_fixture(dir: &Path) -> PathBuf {
    let path = dir.join("stint.db");
    std::fs::copy(FIXTURE, &path).unwrap();
    path
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

/// Every table but refinery's: its columns and all its rows, ordered by every column.
type Snapshot = BTreeMap<String, (Vec<String>, Vec<Vec<Value>>)>;

fn snapshot(db: &Path) -> Snapshot {
    let conn = Connection::open(db).unwrap();
    let tables: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND name <> 'refinery_schema_history' ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    tables
        .into_iter()
        .map(|t| {
            let columns: Vec<String> = conn
                .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")
                .unwrap()
                .query_map([&t], |r| r.get(0))
                .unwrap()
                .collect::<rusqlite::Result<_>>()
                .unwrap();
            let rows = rows_of(&conn, &t, &columns);
            (t, (columns, rows))
        })
        .collect()
}

fn rows_of(conn: &Connection, table: &str, columns: &[String]) -> Vec<Vec<Value>> {
    let order: Vec<String> = (1..=columns.len()).map(|i| i.to_string()).collect();
    let sql = format!(
        "SELECT {} FROM {table} ORDER BY {}",
        columns.join(", "),
        order.join(", ")
    );
    let mut stmt = conn.prepare(&sql).unwrap_or_else(|e| panic!("{sql}: {e}"));
    stmt.query_map([], |r| {
        (0..columns.len())
            .map(|i| r.get::<_, Value>(i))
            .collect::<rusqlite::Result<Vec<_>>>()
    })
    .unwrap()
    .collect::<rusqlite::Result<_>>()
    .unwrap()
}

/// Every row of `before` is in `db` with the same values in the same columns (new columns and
/// new tables are allowed).
fn assert_rows_kept(before: &Snapshot, db: &Path) {
    let conn = Connection::open(db).unwrap();
    for (table, (columns, rows)) in before {
        let now = rows_of(&conn, table, columns);
        if table == "sync_ids" {
            // Id high-water marks: V11 starts them above every id the audit log names; they
            // only grow.
            for row in rows {
                let kept = now.iter().find(|r| r[0] == row[0]);
                assert!(
                    kept.is_some_and(|r| match (&r[1], &row[1]) {
                        (Value::Integer(now), Value::Integer(was)) => now >= was,
                        _ => false,
                    }),
                    "sync_ids lost or lowered {row:?}: {now:?}"
                );
            }
            continue;
        }
        assert_eq!(
            &now, rows,
            "table {table} changed in columns {columns:?} during the upgrade"
        );
    }
}

fn history(db: &Path) -> Vec<(i64, String, String)> {
    let conn = Connection::open(db).unwrap();
    conn.prepare("SELECT version, name, checksum FROM refinery_schema_history ORDER BY version")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

fn counts(snapshot: &Snapshot) -> BTreeMap<&str, usize> {
    snapshot
        .iter()
        .map(|(t, (_, rows))| (t.as_str(), rows.len()))
        .collect()
}

fn open_service(db: &Path) -> (Service, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(utc(NOW)));
    let svc = Service::with_clock(db, Caller::local(Frontend::Cli), clock.clone()).unwrap();
    (svc, clock)
}

/// The fixture holds what its commit says, so the checks below mean something.
#[test]
fn fixture_is_a_full_schema_1_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_fixture(dir.path());
    let conn = Connection::open(&db).unwrap();
    assert_eq!(store::schema_version(&conn).unwrap(), 1);
    drop(conn);
    let expected: BTreeMap<&str, usize> = [
        ("api_tokens", 1),
        ("audit_log", 53),
        ("clients", 2),
        ("invoice_lines", 20),
        ("invoice_sequences", 2),
        ("invoices", 3),
        ("projects", 3),
        ("settings", 11),
        ("tags", 3),
        ("track_tags", 11),
        ("tracks", 34),
    ]
    .into_iter()
    .collect();
    assert_eq!(counts(&snapshot(&db)), expected);
}

#[test]
fn v1_database_upgrades_and_keeps_every_row() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_fixture(dir.path());
    let before = snapshot(&db);
    let history_before = history(&db);

    let (svc, clock) = open_service(&db);
    let supported = store::supported_schema_version();
    assert!(supported >= 1);
    assert_eq!(svc.schema_version().unwrap(), supported);
    let history_after = history(&db);
    assert_eq!(
        history_after.iter().map(|h| h.0).collect::<Vec<_>>(),
        migration_files().iter().map(|f| f.0).collect::<Vec<_>>(),
        "every migration recorded once"
    );
    assert_eq!(
        history_after[0], history_before[0],
        "migration 1 is recorded as it was"
    );
    assert_rows_kept(&before, &db);
    let journal: String = Connection::open(&db)
        .unwrap()
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(
        journal, "wal",
        "an old rollback-journal file is switched to WAL"
    );

    check_service_reads(&svc);
    check_service_writes(&svc, &clock);
}

/// Reads after the upgrade: tracks, the running timer, invoices by number, settings, summaries.
fn check_service_reads(svc: &Service) {
    let mut tracks = Vec::new();
    let mut cursor = None;
    loop {
        let page = svc
            .list_tracks(ListTracks {
                limit: Some(10),
                cursor,
                ..Default::default()
            })
            .unwrap();
        tracks.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(tracks.len(), 34);
    let wireframes = svc.get_track(2).unwrap();
    assert_eq!(wireframes.description, "Homepage wireframes");
    assert_eq!(wireframes.start, utc("2026-10-05T08:15:00Z"));
    assert_eq!(wireframes.end, Some(utc("2026-10-05T10:45:00Z")));
    assert_eq!(wireframes.project_name.as_deref(), Some("Website"));
    assert_eq!(wireframes.client_name.as_deref(), Some("Acme"));
    assert_eq!(
        wireframes
            .tags
            .iter()
            .map(|t| t.1.as_str())
            .collect::<Vec<_>>(),
        ["design"]
    );
    let reviewed = svc
        .list_tracks(ListTracks {
            tag: Some("review".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(reviewed.items.len(), 9);

    let running = svc.list_running_timers().unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].id.0, 34);
    assert_eq!(running[0].description, "still running");
    assert_eq!(running[0].start, utc("2026-11-20T07:00:00Z"));

    let paid = svc.get_invoice("G-2609-001").unwrap();
    assert_eq!(paid.id.0, 1);
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.currency.code(), "USD");
    assert_eq!(paid.client_name.as_deref(), Some("Globex"));
    assert_eq!(
        (paid.subtotal, paid.tax, paid.total),
        (dec("3294.75"), dec("247.11"), dec("3541.86"))
    );
    assert_eq!(paid.lines.len(), 15);
    assert_eq!(
        paid.lines.iter().map(|l| l.amount).sum::<Decimal>(),
        paid.subtotal
    );
    assert_eq!(paid.lines[0].track_ids.len(), 1);

    let draft = svc.get_invoice("2").unwrap();
    assert_eq!(draft.status, InvoiceStatus::Draft);
    assert_eq!(draft.number, None);
    assert_eq!(draft.total, dec("2798.15"));
    assert_eq!(draft.lines.len(), 1);
    assert_eq!(draft.lines[0].track_ids.len(), 13);

    let void = svc.get_invoice("G-2611-001").unwrap();
    assert_eq!(void.id.0, 3);
    assert_eq!(void.status, InvoiceStatus::Void);
    assert_eq!(void.total, dec("828.24"));
    assert_eq!(void.lines.len(), 4);

    let settings = svc.get_settings().unwrap().settings;
    assert_eq!(settings.rounding.mode, RoundingMode::Nearest);
    assert_eq!(settings.rounding.increment_minutes, 6);
    assert_eq!(settings.rounding.scope, RoundingScope::Total);
    assert_eq!(settings.invoice_number_format, "G-{YY}{MM}-{SEQ:3}");
    assert_eq!(settings.timezone.map(|t| t.name()), Some("Europe/Berlin"));
    assert_eq!(settings.default_currency.code(), "EUR");
    assert_eq!(
        settings.business_name.as_deref(),
        Some("Jane Doe Consulting")
    );

    // October: Website 5:50 (rounded to the nearest 6 minutes over the group: 5:48, billed at
    // 120 EUR/h from the project), Internal 0:45 (a tie, rounded up to 0:48; not billable).
    let october = svc
        .time_summary(TimeSummary {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            group_by: vec!["project".into()],
            ..Default::default()
        })
        .unwrap();
    let by_project: BTreeMap<&str, (i64, i64, Option<Decimal>)> = october
        .rows
        .iter()
        .map(|r| {
            assert_eq!(r.keys[0].dim, GroupDim::Project);
            (
                r.keys[0].value.as_str(),
                (
                    r.figures.duration_seconds,
                    r.figures.rounded_duration_seconds,
                    r.figures.amounts.get("EUR").copied(),
                ),
            )
        })
        .collect();
    assert_eq!(
        by_project,
        [
            ("Internal", (2700, 2880, None)),
            ("Website", (21000, 20880, Some(dec("696.00")))),
        ]
        .into_iter()
        .collect()
    );
    assert_eq!(october.totals.duration_seconds, 23700);
    assert_eq!(october.totals.running_count, 0);

    // The running timer counts up to now (2026-11-21 12:00 UTC): 29 hours.
    let now = svc
        .time_summary(TimeSummary {
            from: "2026-11-20".into(),
            to: "2026-11-21".into(),
            group_by: vec!["project".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(now.totals.running_count, 1);
    assert_eq!(now.totals.duration_seconds, 29 * 3600);
}

/// Writes after the upgrade: a new invoice continues the gapless G- numbering, tracks and the
/// running timer still work.
fn check_service_writes(svc: &Service, clock: &FixedClock) {
    let invoice = svc
        .create_invoice(NewInvoice {
            client: Some("acme".into()),
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            tax_rate_percent: Some("19".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(invoice.id.0, 4);
    assert_eq!(invoice.status, InvoiceStatus::Draft);
    assert_eq!(invoice.currency.code(), "EUR");
    assert_eq!(
        invoice.lines.len(),
        4,
        "the tracks the void invoice released"
    );
    assert_eq!(
        (invoice.subtotal, invoice.tax, invoice.total),
        (dec("696.00"), dec("132.24"), dec("828.24"))
    );
    let sent = svc.mark_invoice_sent("4", None).unwrap();
    assert_eq!(sent.number.as_deref(), Some("G-2611-002"));
    assert_eq!(
        sent.issue_date.map(|d| d.to_string()).as_deref(),
        Some("2026-11-21")
    );
    assert_eq!(svc.get_invoice("G-2611-002").unwrap().id.0, 4);

    let track = svc
        .create_track(NewTrack {
            description: Some("after the upgrade".into()),
            project: Some("Internal".into()),
            tags: vec!["meeting".into()],
            start: "2026-11-19 09:00".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(track.id.0, 35);
    assert_eq!(track.start, utc("2026-11-19T08:00:00Z"));

    clock.advance(60);
    let stopped = svc.stop_timer(StopTimer::default()).unwrap().track;
    assert_eq!(stopped.id.0, 34);
    assert_eq!(stopped.end, Some(utc("2026-11-21T12:01:00Z")));
    assert!(svc.list_running_timers().unwrap().is_empty());
}

/// The binary upgrades the file too, and sees the running timer.
#[test]
fn binary_opens_a_v1_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_fixture(dir.path());
    let before = snapshot(&db);
    let stdout = super::util::stint(&["status"]).db(&db).ok().stdout;
    assert!(stdout.contains("Running #34 \"still running\""), "{stdout}");
    let conn = Connection::open(&db).unwrap();
    assert_eq!(
        store::schema_version(&conn).unwrap(),
        store::supported_schema_version()
    );
    drop(conn);
    assert_rows_kept(&before, &db);
}

/// Migration files as `(version, name, sql)`, in order.
fn migration_files() -> Vec<(i64, String, String)> {
    let mut files: Vec<(i64, String, String)> = std::fs::read_dir(MIGRATIONS)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .map(|p| {
            let stem = p.file_stem().unwrap().to_str().unwrap().to_owned();
            let (version, name) = stem
                .strip_prefix('V')
                .and_then(|s| s.split_once("__"))
                .unwrap_or_else(|| panic!("migration file {stem} is not V{{n}}__{{name}}.sql"));
            (
                version.parse().unwrap(),
                name.to_owned(),
                std::fs::read_to_string(&p).unwrap(),
            )
        })
        .collect();
    files.sort_by_key(|f| f.0);
    files
}

/// The refinery history rows of a new database: what each migration records, checksums included.
fn fresh_history(dir: &Path) -> BTreeMap<i64, (String, String, String)> {
    let db = dir.join("fresh.db");
    drop(store::open(&db).unwrap());
    let conn = Connection::open(&db).unwrap();
    conn.prepare("SELECT version, name, applied_on, checksum FROM refinery_schema_history")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?, r.get(3)?))))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

#[test]
fn every_migration_upgrades_a_full_database() {
    let dir = tempfile::tempdir().unwrap();
    let files = migration_files();
    let supported = store::supported_schema_version();
    let versions: Vec<i64> = files.iter().map(|f| f.0).collect();
    assert!(
        versions.first() == Some(&1)
            && versions.last() == Some(&supported)
            && versions.windows(2).all(|w| w[0] < w[1]),
        "migrations/ holds V1..V{supported}, one file each: {versions:?}"
    );
    let recorded = fresh_history(dir.path());
    let mut upgraded = Vec::new();
    for from in versions {
        // A full database at version `from`: the fixture plus migrations 2..=from.
        let case = dir.path().join(format!("from-v{from}"));
        std::fs::create_dir(&case).unwrap();
        let db = copy_fixture(&case);
        {
            let conn = Connection::open(&db).unwrap();
            for (version, _, sql) in files.iter().filter(|f| f.0 > 1 && f.0 <= from) {
                let (name, applied_on, checksum) = &recorded[version];
                let tx = conn.unchecked_transaction().unwrap();
                tx.execute_batch(sql).unwrap();
                tx.execute(
                    "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
                     VALUES (?1, ?2, ?3, ?4)",
                    (version, name, applied_on, checksum),
                )
                .unwrap();
                tx.commit().unwrap();
            }
            assert_eq!(store::schema_version(&conn).unwrap(), from);
        }
        let before = snapshot(&db);
        let (svc, _clock) = open_service(&db);
        assert_eq!(svc.schema_version().unwrap(), supported, "from v{from}");
        assert_rows_kept(&before, &db);
        assert_eq!(
            svc.list_tracks(ListTracks {
                limit: Some(500),
                ..Default::default()
            })
            .unwrap()
            .items
            .len(),
            34
        );
        assert_eq!(svc.list_running_timers().unwrap().len(), 1);
        assert_eq!(svc.get_invoice("G-2609-001").unwrap().total, dec("3541.86"));
        upgraded.push(from);
    }
    eprintln!("upgrade: schema {supported}; full databases opened at versions {upgraded:?}");
}

/// A full database at schema 6 (the fixture plus migrations 2..=6, as the files say) gains
/// tasks: its rows are kept, its invoices keep their grouping, the report indexes cover the
/// task, and tasks work on its projects and tracks at once.
#[test]
fn v6_database_gains_tasks() {
    use stint::service::{NewTask, TrackChanges};
    let dir = tempfile::tempdir().unwrap();
    let files = migration_files();
    let recorded = fresh_history(dir.path());
    let db = copy_fixture(dir.path());
    {
        let conn = Connection::open(&db).unwrap();
        for (version, _, sql) in files.iter().filter(|f| f.0 > 1 && f.0 <= 6) {
            let (name, applied_on, checksum) = &recorded[version];
            let tx = conn.unchecked_transaction().unwrap();
            tx.execute_batch(sql).unwrap();
            tx.execute(
                "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
                 VALUES (?1, ?2, ?3, ?4)",
                (version, name, applied_on, checksum),
            )
            .unwrap();
            tx.commit().unwrap();
        }
    }
    let before = snapshot(&db);
    let (svc, _clock) = open_service(&db);
    assert!(svc.schema_version().unwrap() >= 8);
    assert_rows_kept(&before, &db);
    let conn = Connection::open(&db).unwrap();
    let nulls: i64 = conn
        .query_row(
            "SELECT count(*) FROM tracks WHERE task_id IS NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(nulls, 34, "no track has a task yet");
    for index in ["tracks_report", "tracks_by_project", "tracks_unbilled"] {
        let sql: String = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [index],
                |r| r.get(0),
            )
            .unwrap();
        assert!(sql.contains("task_id"), "{index}: {sql}");
    }
    drop(conn);
    // Invoices made before keep their grouping (group_by column, grouping NULL).
    assert_eq!(svc.get_invoice("#1").unwrap().group_by.as_str(), "day");
    assert_eq!(svc.get_invoice("#2").unwrap().group_by.as_str(), "project");
    // A task on an old project with an old track; its rate wins over the project's 120.
    svc.create_task(NewTask {
        project: "Website".into(),
        name: "Hero".into(),
        hourly_rate: Some("150".into()),
        ..Default::default()
    })
    .unwrap();
    let t = svc
        .update_track(
            1,
            TrackChanges {
                task: Some("hero".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .track;
    assert_eq!(t.task_name.as_deref(), Some("Hero"));
    let s = svc
        .time_summary(TimeSummary {
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            group_by: vec!["task".into()],
            ..Default::default()
        })
        .unwrap();
    let hero = s
        .rows
        .iter()
        .find(|r| r.keys[0].value == "Hero (Website)")
        .expect("a row for the task");
    assert_eq!(hero.keys[0].dim, GroupDim::Task);
    assert_eq!(hero.figures.duration_seconds, 3600);
    assert_eq!(hero.figures.amounts["EUR"], dec("150.00"));
}

/// Version 7 (billing): invoices written before it read back with no discount, one tax row
/// at the invoice's rate that matches their stored tax, and lines that list the tracks they
/// hold (recorded in `invoice_items` by the migration), so voiding one later keeps that record.
#[test]
fn v7_keeps_old_invoices_whole_and_records_what_they_billed() {
    let dir = tempfile::tempdir().unwrap();
    let db = copy_fixture(dir.path());
    let held_before: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM tracks WHERE invoice_id IS NOT NULL",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(held_before > 0, "the fixture has invoices holding tracks");
    let (svc, _clock) = open_service(&db);
    let items: i64 = Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM invoice_items WHERE kind = 'track'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(items, held_before, "every held track is recorded");
    let inv = svc.get_invoice("G-2609-001").unwrap();
    assert_eq!(inv.discount, Decimal::ZERO);
    assert_eq!(inv.tax_summary.len(), 1);
    assert_eq!(inv.tax_summary[0].tax, inv.tax);
    assert_eq!(
        inv.tax_summary[0].tax_rate_percent,
        inv.tax_rate_percent.normalize()
    );
    assert_eq!(inv.total, inv.subtotal - inv.discount + inv.tax);
    assert!(
        inv.lines
            .iter()
            .all(|l| l.tax_rate_percent == inv.tax_rate_percent)
    );
    let held: usize = inv.lines.iter().map(|l| l.track_ids.len()).sum();
    assert!(held > 0, "the paid invoice lists its tracks");
    assert!(
        svc.list_expenses(Default::default())
            .unwrap()
            .items
            .is_empty()
    );
}
