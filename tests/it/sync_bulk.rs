//! Large imports on a database that syncs reach the other devices: an import of more than
//! `BULK_IMPORT_ROWS` rows is one transaction written in parts, each part a change of the
//! change log with its changeset, so it is published like any write (issue 19, item 5).

use stint::service::NoProgress;

use super::sync_converge::{Device, assert_same};
use super::util::slow;

/// A stint CSV of `rows` tracks over 7 projects of 3 clients, with tags, a task on every
/// fifth row and a rate on some.
pub(super) fn stint_csv(rows: usize) -> String {
    let mut out = String::from("start,end,project,client,task,tags,description,billable,rate\n");
    let start = chrono::DateTime::parse_from_rfc3339("2015-01-01T08:00:00Z").unwrap();
    for i in 0..rows {
        let s = start + chrono::Duration::minutes(45 * i as i64);
        let e = s + chrono::Duration::minutes(30 + (i % 7) as i64);
        let task = if i % 5 == 0 {
            format!("Task {}", i % 4)
        } else {
            String::new()
        };
        let rate = if i % 11 == 0 { "95.50" } else { "" };
        out.push_str(&format!(
            "{},{},Project {},Client {},{task},tag{};shared,row {i},{},{rate}\n",
            s.to_rfc3339(),
            e.to_rfc3339(),
            i % 7,
            i % 3,
            i % 5,
            if i % 2 == 0 { "yes" } else { "no" },
        ));
    }
    out
}

fn import_changes(d: &Device) -> Vec<(bool, String)> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT changeset IS NOT NULL, summary FROM change_log
              WHERE operation = 'import_csv' ORDER BY id",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap()
}

/// Imports `rows` rows on a synced device (with `parts` lowered when given), syncs, lets an
/// empty device join, and compares the two exports table by table.
fn a_large_import_reaches_a_joining_device(rows: usize, parts: Option<(usize, usize)>) {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.svc
        .create_project(stint::service::NewProject {
            name: "Project 1".into(),
            ..Default::default()
        })
        .unwrap();
    a.sync(folder.path());
    if let Some((bulk, part)) = parts {
        a.svc.set_import_parts(bulk, part);
    }
    let part_rows = parts.map_or(stint::service::BATCH_ROWS, |p| p.1);
    let summary = a
        .svc
        .import_csv(stint_csv(rows).as_bytes(), &NoProgress)
        .unwrap();
    assert_eq!(summary.imported, rows);
    assert_eq!(a.count("SELECT count(*) FROM tracks"), rows as i64);
    // One change per part, each with its changeset (so published), none too large to keep.
    let changes = import_changes(&a);
    assert_eq!(changes.len(), rows.div_ceil(part_rows), "{changes:?}");
    for (n, (kept, summary)) in changes.iter().enumerate() {
        assert!(*kept, "part {} kept no changeset: {summary}", n + 1);
        assert!(
            summary.starts_with(&format!("import_csv: part {} of a large import", n + 1)),
            "{summary}"
        );
    }
    a.sync(folder.path());
    let b = Device::new();
    b.sync(folder.path());
    assert_eq!(b.count("SELECT count(*) FROM tracks"), rows as i64);
    assert_eq!(b.count("SELECT count(*) FROM track_tags"), 2 * rows as i64);
    assert_same(&[&a, &b]);
    // And the other way: a device that was there before the import receives it by its logs.
    let c = Device::new();
    c.sync(folder.path());
    a.svc
        .import_csv(stint_csv(rows).as_bytes(), &NoProgress)
        .unwrap();
    a.sync(folder.path());
    c.sync(folder.path());
    assert_same(&[&a, &c]);
}

/// The parts, with the thresholds lowered so the file stays small: 1,203 rows in parts of 250.
#[test]
fn an_import_in_parts_on_a_synced_device_reaches_a_joining_device() {
    a_large_import_reaches_a_joining_device(1_203, Some((1_000, 250)));
}

/// The real thresholds: 60,000 rows (more than `BULK_IMPORT_ROWS`), parts of `BATCH_ROWS`.
/// Slow (`STINT_SLOW_TESTS=1`); plain `cargo test` runs 6,000 rows with the threshold lowered to
/// 5,000.
#[test]
fn an_import_of_more_than_bulk_import_rows_reaches_the_other_devices() {
    if slow() {
        a_large_import_reaches_a_joining_device(60_000, None);
    } else {
        a_large_import_reaches_a_joining_device(6_000, Some((5_000, 1_000)));
    }
}

/// A row that fails in a later part (its project is ambiguous: two projects of that name,
/// no client column) keeps nothing of the import: no rows, no change, nothing published.
#[test]
fn a_failing_row_in_a_later_part_keeps_nothing_of_a_large_import() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.sync(folder.path());
    let twins = "start,end,project,client\n\
                 2014-01-01T08:00:00Z,2014-01-01T09:00:00Z,Dup,Client 0\n\
                 2014-01-02T08:00:00Z,2014-01-02T09:00:00Z,Dup,Client 1\n";
    a.svc.import_csv(twins.as_bytes(), &NoProgress).unwrap();
    a.svc.set_import_parts(100, 50);
    let before = (a.export(), import_changes(&a));
    assert_eq!(before.1.len(), 1);
    let mut file = stint_csv(300);
    file.push_str("2020-01-01T08:00:00Z,2020-01-01T09:00:00Z,Dup,,,,ambiguous,yes,\n");
    let err = a
        .svc
        .import_csv(file.as_bytes(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("projects are named \"Dup\""), "{err}");
    assert_eq!((a.export(), import_changes(&a)), before);
    let b = Device::new();
    a.sync(folder.path());
    b.sync(folder.path());
    assert_same(&[&a, &b]);
}
