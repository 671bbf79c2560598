//! Sync converges on every table and every reference: joins by folder and by snapshot keep
//! every link (tasks of tracks, expenses of invoice lines), clocks from other devices cannot
//! poison this one, a failed first sync changes nothing, and a device moves to another folder
//! without starting over. The devices are compared by their whole portable export
//! (`stint db export --json`), table by table.

use std::path::Path;
use std::sync::Arc;

use stint::service::{
    Caller, FixedClock, Frontend, NewExpense, NewInvoice, NewProject, NewTask, NewTrack, Service,
};

use super::util::{NOW, utc};

/// One simulated device: its own database and clock.
pub(crate) struct Device {
    pub dir: tempfile::TempDir,
    pub svc: Service,
    pub clock: Arc<FixedClock>,
}

impl Device {
    pub fn new() -> Device {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(utc(NOW)));
        let svc = Service::with_clock(
            &dir.path().join("stint.db"),
            Caller::local(Frontend::Cli),
            clock.clone(),
        )
        .unwrap();
        Device { dir, svc, clock }
    }

    pub fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("stint.db")
    }

    pub fn sync(&self, folder: &Path) -> stint::service::SyncReport {
        self.svc.sync_folder(folder).unwrap()
    }

    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// The portable export (`stint db export --json`): `table -> rows`, each row a JSON array.
    pub fn export(&self) -> Vec<(String, Vec<serde_json::Value>)> {
        let mut out = Vec::new();
        self.svc.export_portable(&mut out).unwrap();
        let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
        v["tables"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| {
                (
                    t["name"].as_str().unwrap().to_owned(),
                    t["rows"].as_array().unwrap().clone(),
                )
            })
            .collect()
    }
}

/// The differences between two exports, table by table: rows only in one of them.
pub(crate) fn export_diff(
    a: &[(String, Vec<serde_json::Value>)],
    b: &[(String, Vec<serde_json::Value>)],
) -> String {
    let mut out = String::new();
    let names: std::collections::BTreeSet<&String> = a.iter().chain(b).map(|(n, _)| n).collect();
    let empty = Vec::new();
    for n in names {
        let ra = a.iter().find(|(t, _)| t == n).map_or(&empty, |(_, r)| r);
        let rb = b.iter().find(|(t, _)| t == n).map_or(&empty, |(_, r)| r);
        if ra == rb {
            continue;
        }
        out.push_str(&format!("table {n}:\n"));
        for r in ra.iter().filter(|r| !rb.contains(r)) {
            out.push_str(&format!("  only in first:  {r}\n"));
        }
        for r in rb.iter().filter(|r| !ra.contains(r)) {
            out.push_str(&format!("  only in second: {r}\n"));
        }
    }
    out
}

/// Asserts that every device has the same export, printing a table-level diff otherwise.
pub(crate) fn assert_same(devices: &[&Device]) {
    let first = devices[0].export();
    for (i, d) in devices.iter().enumerate().skip(1) {
        let other = d.export();
        assert!(
            first == other,
            "device 0 and device {i} differ:\n{}",
            export_diff(&first, &other)
        );
    }
}

/// One project, one task, two tracks on the task (4:35 in all), an expense.
fn a_project_with_a_task(d: &Device) {
    d.svc
        .create_project(NewProject {
            name: "Website".into(),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
    d.svc
        .create_task(NewTask {
            project: "Website".into(),
            name: "Design".into(),
            ..Default::default()
        })
        .unwrap();
    for (s, e) in [
        ("2026-11-02T09:00:00Z", "2026-11-02T13:30:00Z"),
        ("2026-11-03T09:00:00Z", "2026-11-03T09:05:00Z"),
    ] {
        d.svc
            .create_track(NewTrack {
                project: Some("Website".into()),
                task: Some("Design".into()),
                billable: Some(true),
                start: s.into(),
                end: Some(e.into()),
                ..Default::default()
            })
            .unwrap();
    }
    d.svc
        .create_expense(NewExpense {
            project: "Website".into(),
            date: "2026-11-04".into(),
            amount: "12.50".into(),
            description: "fonts".into(),
            ..Default::default()
        })
        .unwrap();
}

fn tracked_on_tasks(d: &Device) -> i64 {
    d.count("SELECT ifnull(sum(end_at - start_at), 0) FROM tracks WHERE task_id IS NOT NULL")
}

#[test]
fn an_empty_device_joining_by_folder_keeps_the_tasks_of_tracks() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a_project_with_a_task(&a);
    a.sync(folder.path());
    let rb = b.sync(folder.path());
    assert_eq!(rb.decisions, Vec::<String>::new());
    assert_eq!(tracked_on_tasks(&b), 4 * 3600 + 35 * 60);
    assert_same(&[&a, &b]);
}

#[test]
fn invoice_lines_keep_their_expense_when_a_device_joins_by_folder() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a_project_with_a_task(&a);
    a.svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        a.count("SELECT count(*) FROM invoice_lines WHERE expense_id IS NOT NULL"),
        1
    );
    a.sync(folder.path());
    let rb = b.sync(folder.path());
    assert_eq!(rb.decisions, Vec::<String>::new());
    assert_eq!(
        b.count("SELECT count(*) FROM invoice_lines WHERE expense_id IS NOT NULL"),
        1
    );
    assert_same(&[&a, &b]);
}

#[test]
fn invoice_lines_keep_their_expense_when_a_device_joins_from_a_snapshot() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    a_project_with_a_task(&a);
    a.svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    a.sync(folder.path());
    b.sync(folder.path());
    // b compacts: its snapshot is what c starts from.
    b.svc.sync_compact(folder.path()).unwrap();
    a.svc.sync_compact(folder.path()).unwrap();
    b.svc.sync_compact(folder.path()).unwrap();
    let rc = c.sync(folder.path());
    assert!(
        rc.notes
            .iter()
            .any(|n| n.contains("started from the snapshot")),
        "{rc:?}"
    );
    assert_eq!(
        c.count("SELECT count(*) FROM invoice_lines WHERE expense_id IS NOT NULL"),
        1
    );
    assert_eq!(tracked_on_tasks(&c), 4 * 3600 + 35 * 60);
    assert_same(&[&a, &b, &c]);
}

#[test]
fn an_invoice_made_on_the_joined_device_keeps_the_tasks_everywhere() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a_project_with_a_task(&a);
    a.sync(folder.path());
    b.sync(folder.path());
    b.clock.advance(60);
    b.svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    b.sync(folder.path());
    a.sync(folder.path());
    assert_eq!(tracked_on_tasks(&a), 4 * 3600 + 35 * 60);
    assert_same(&[&a, &b]);
}

/// Every table of the schema has a declaration, and each synced one's key and references agree
/// with the schema: a table (or a foreign key) added by a migration without telling sync how
/// it converges fails here. Referenced tables come first (the apply order).
#[test]
fn every_table_is_declared_and_declarations_agree_with_the_schema() {
    use stint::store::sync_tables::{OnDelete, Sync, TABLES, Target, decl};
    let d = Device::new();
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    let undeclared: Vec<&String> = tables.iter().filter(|t| decl(t).is_none()).collect();
    assert_eq!(
        undeclared,
        Vec::<&String>::new(),
        "tables without a declaration"
    );
    let mut problems = Vec::new();
    for t in &tables {
        let dcl = decl(t).unwrap();
        let recorded = stint::store::changes::is_recorded(t);
        let Sync::Synced {
            key,
            refs,
            merge_on,
            ..
        } = dcl.sync
        else {
            if recorded {
                problems.push(format!(
                    "{t} is recorded by the change log but declared local"
                ));
            }
            continue;
        };
        if !recorded {
            problems.push(format!(
                "{t} is declared synced but the change log skips it"
            ));
        }
        let mut pk: Vec<(i64, String)> = conn
            .prepare("SELECT pk, name FROM pragma_table_info(?1) WHERE pk > 0")
            .unwrap()
            .query_map([t], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        pk.sort();
        let pk: Vec<String> = pk.into_iter().map(|x| x.1).collect();
        if pk != key {
            problems.push(format!("{t}: key {pk:?} declared as {key:?}"));
        }
        let cols: Vec<String> = conn
            .prepare("SELECT name FROM pragma_table_info(?1)")
            .unwrap()
            .query_map([t], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for c in merge_on {
            if !cols.contains(&(*c).to_owned()) {
                problems.push(format!("{t}: merge column {c} does not exist"));
            }
        }
        let fks: Vec<(String, String, String)> = conn
            .prepare("SELECT \"from\", \"table\", on_delete FROM pragma_foreign_key_list(?1)")
            .unwrap()
            .query_map([t], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (from, parent, on_delete) in &fks {
            let by_schema = on_delete == "CASCADE" || on_delete == "SET NULL";
            let ok = refs.iter().any(|r| {
                r.column == from
                    && matches!(r.target, Target::Table(p) if p == parent)
                    && (r.on_delete == OnDelete::Schema) == by_schema
            });
            if !ok {
                problems.push(format!(
                    "{t}.{from} references {parent} (on delete {on_delete}) but is not declared so"
                ));
            }
        }
        let rank = |x: &str| TABLES.iter().position(|d| d.table == x).unwrap();
        for r in refs {
            if !cols.contains(&r.column.to_owned()) {
                problems.push(format!("{t}: reference column {} does not exist", r.column));
            }
            let parents: Vec<&str> = match r.target {
                Target::Table(p) => vec![p],
                Target::ByColumn { column, tables } => {
                    if !cols.contains(&column.to_owned()) {
                        problems.push(format!("{t}: kind column {column} does not exist"));
                    }
                    tables.iter().map(|x| x.1).collect()
                }
            };
            for p in parents {
                if rank(p) >= rank(t) {
                    problems.push(format!("{t} references {p}, which is declared after it"));
                }
            }
            if let Target::Table(p) = r.target
                && !fks.iter().any(|(f, pp, _)| f == r.column && pp == p)
            {
                problems.push(format!(
                    "{t}.{} is declared to reference {p} but the schema has no such key",
                    r.column
                ));
            }
        }
    }
    assert_eq!(problems, Vec::<String>::new());
}
