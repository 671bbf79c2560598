//! Sync converges on every table and every reference: joins by folder and by snapshot keep
//! every link (tasks of tracks, expenses of invoice lines), clocks from other devices cannot
//! poison this one, a failed first sync changes nothing, and a device moves to another folder
//! without starting over. The devices are compared by their whole portable export
//! (`stint db export --json`), table by table.

use std::path::Path;
use std::sync::Arc;

use stint::store::sync::DeviceId;
use stint::sync::SyncFile;

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
        portable_export(&self.svc)
    }
}

/// `stint serve`'s hub without the HTTP in between: a [`HubTransport`] whose calls are the
/// served database's own hub use cases (the routes of `stint serve` call the same ones), so a
/// device can sync through another device as its server in a test of many cases.
pub(crate) struct InProcessHub<'a>(pub &'a Service);

fn hub_err(e: stint::service::ServiceError) -> stint::sync::SyncError {
    match e {
        stint::service::ServiceError::NotFound(m) => {
            stint::sync::SyncError::NotFound(m.to_string())
        }
        other => stint::sync::SyncError::Refused(other.to_string()),
    }
}

impl stint::service::HubTransport for InProcessHub<'_> {
    fn url(&self) -> &str {
        "http://in-process.test:1"
    }
    fn list(&self) -> stint::sync::Result<stint::service::HubListing> {
        self.0.hub_list().map_err(hub_err)
    }
    fn get(&self, dev: &DeviceId, name: &SyncFile) -> stint::sync::Result<Vec<u8>> {
        use std::io::Read as _;
        let (mut f, len) = self.0.hub_open(dev, name).map_err(hub_err)?;
        let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
        f.read_to_end(&mut bytes)
            .map_err(|e| stint::sync::SyncError::Refused(e.to_string()))?;
        Ok(bytes)
    }
    fn put(&self, dev: &DeviceId, name: &SyncFile, bytes: &[u8]) -> stint::sync::Result<()> {
        let mut up = self.0.hub_upload(dev, name).map_err(hub_err)?;
        up.write(bytes).map_err(hub_err)?;
        self.0.hub_store(up).map_err(hub_err)
    }
    fn delete(&self, dev: &DeviceId, name: &SyncFile) -> stint::sync::Result<()> {
        self.0.hub_delete(dev, name).map_err(hub_err)
    }
    fn apply(&self) -> stint::sync::Result<stint::service::SyncReport> {
        self.0.hub_apply().map_err(hub_err)
    }
}

/// The portable export (`stint db export --json`'s tables) of `svc`'s database: each table's
/// name and rows.
pub(crate) fn portable_export(svc: &Service) -> Vec<(String, Vec<serde_json::Value>)> {
    let mut out = Vec::new();
    svc.export_portable(&mut out).unwrap();
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
                // A row may name a row of its own table (a draft holding back an edit names
                // the track it changes, which is always older: it exists first everywhere).
                if p != *t && rank(p) >= rank(t) {
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

fn sql(d: &Device, statement: &str) {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    conn.execute(statement, []).unwrap();
}

fn own_clock(d: &Device) -> i64 {
    d.count("SELECT hlc FROM change_clock")
}

/// The ceiling of a stamp at `now` plus one day (milliseconds << 16, full counter).
fn a_day_ahead(now: &str) -> i64 {
    ((utc(now).timestamp_millis() + 86_400_000) << 16) | 0xFFFF
}

fn describe(d: &Device, track: i64) -> String {
    d.svc.get_track(track).unwrap().description
}

fn edit(d: &Device, track: i64, desc: &str) {
    d.svc
        .update_track(
            track,
            stint::service::TrackChanges {
                description: Some(desc.into()),
                ..Default::default()
            },
        )
        .unwrap();
}

/// Two devices that synced a track; returns the track's id.
fn two_devices_with_a_track(folder: &Path, a: &Device, b: &Device) -> i64 {
    a.sync(folder);
    let t = a
        .svc
        .create_track(NewTrack {
            description: Some("first".into()),
            start: "2026-11-20T09:00:00Z".into(),
            end: Some("2026-11-20T10:00:00Z".into()),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0;
    a.sync(folder);
    b.sync(folder);
    assert_eq!(describe(b, t), "first");
    t
}

/// Found by attack: a forged entry stamped `i64::MAX` made every later write of the device
/// that applied it fail (the clock could not move past it), undo too.
#[test]
fn a_file_stamped_at_the_end_of_time_is_refused_and_writes_go_on() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let t = two_devices_with_a_track(folder.path(), &a, &b);
    a.clock.advance(60);
    edit(&a, t, "forged");
    // What a forged file carries: a well-formed log whose entry is stamped i64::MAX.
    sql(
        &a,
        "UPDATE change_log SET hlc = 9223372036854775807 WHERE id = (SELECT max(id) FROM change_log)",
    );
    a.sync(folder.path());
    b.clock.advance(60);
    let r = b.sync(folder.path());
    let a_id = a.svc.sync_status().unwrap().device_id;
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains(&a_id[..8]) && p.contains("refused") && p.contains("clock stamp")),
        "{:?}",
        r.problems
    );
    assert_eq!(describe(&b, t), "first");
    assert!(own_clock(&b) <= a_day_ahead(NOW) + (120_000 << 16));
    // Writes, undo and history go on.
    edit(&b, t, "b's own");
    edit(&b, t, "b's again");
    b.svc.undo_change(None).unwrap();
    assert_eq!(describe(&b, t), "b's own");
    let page = b
        .svc
        .list_changes(stint::service::ListChanges::default())
        .unwrap();
    assert!(page.items.len() >= 3);
}

/// Found by attack: an entry made "at" `i64::MIN` broke `stint history` for good.
#[test]
fn a_file_with_an_impossible_time_is_refused_and_history_still_reads() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let t = two_devices_with_a_track(folder.path(), &a, &b);
    a.clock.advance(60);
    edit(&a, t, "forged");
    sql(
        &a,
        "UPDATE change_log SET at = -9223372036854775808 WHERE id = (SELECT max(id) FROM change_log)",
    );
    a.sync(folder.path());
    let r = b.sync(folder.path());
    assert!(
        r.problems
            .iter()
            .any(|p| p.contains("outside the years 1900 to 2199")),
        "{:?}",
        r.problems
    );
    assert_eq!(describe(&b, t), "first");
    let page = b
        .svc
        .list_changes(stint::service::ListChanges::default())
        .unwrap();
    assert!(!page.items.is_empty());
    let status = b.svc.sync_status().unwrap();
    assert!(
        status
            .peers
            .iter()
            .any(|p| p.problem.as_deref().is_some_and(|m| m.contains("refused"))),
        "{:?}",
        status.peers
    );
}

/// Found by attack: a device whose clock read 2190 won every later conflict, and the other
/// devices' own changes were stamped 2190 from then on. Its changes now wait, reported with
/// its clock, until accepted; this device's stamps stay on real time.
#[test]
fn a_device_whose_clock_is_far_ahead_is_held_back_until_accepted() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let t = two_devices_with_a_track(folder.path(), &a, &b);
    a.clock.set(utc("2190-01-01T00:00:00Z"));
    edit(&a, t, "from 2190");
    a.sync(folder.path());
    b.clock.advance(60);
    let r = b.sync(folder.path());
    let a_id = a.svc.sync_status().unwrap().device_id;
    assert!(
        r.problems.iter().any(|p| p.contains(&a_id[..8])
            && p.contains("2190-01-01T00:00:00Z")
            && p.contains("held back")
            && p.contains("stint sync accept")),
        "{:?}",
        r.problems
    );
    assert_eq!(describe(&b, t), "first");
    let peer = b
        .svc
        .sync_status()
        .unwrap()
        .peers
        .into_iter()
        .find(|p| p.device_id == a_id)
        .unwrap();
    assert!(peer.problem.unwrap().contains("held back"));
    // b's own stamps stay on b's clock.
    edit(&b, t, "b's edit");
    assert!(own_clock(&b) <= a_day_ahead("2026-11-21T12:01:00Z"));
    // Held until accepted, then applied: a's edit is the later one.
    let acc = b.svc.sync_accept(&a_id[..6]).unwrap();
    assert_eq!(acc.device_id, a_id);
    b.sync(folder.path());
    assert_eq!(describe(&b, t), "from 2190");
    assert!(own_clock(&b) <= a_day_ahead("2026-11-21T12:01:00Z"));
    b.clock.advance(60);
    edit(&b, t, "after");
    assert!(own_clock(&b) <= a_day_ahead("2026-11-21T12:02:00Z"));
    // Accepting a device with nothing held is refused, naming what to do.
    let e = b.svc.sync_accept(&a_id[..6]).unwrap_err().to_string();
    assert!(e.contains("no changes held back"), "{e}");
}

/// A change a little ahead (within a day) is applied at once, and one held back is applied
/// without asking once this device's clock gets there.
#[test]
fn a_held_change_is_applied_when_the_clock_catches_up() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let t = two_devices_with_a_track(folder.path(), &a, &b);
    a.clock.advance(2 * 86_400);
    edit(&a, t, "two days ahead");
    a.sync(folder.path());
    b.sync(folder.path());
    assert_eq!(describe(&b, t), "first");
    b.clock.advance(86_400 + 60);
    let r = b.sync(folder.path());
    assert_eq!(r.problems, Vec::<String>::new());
    assert_eq!(describe(&b, t), "two days ahead");
    assert_same(&[&a, &b]);
}

/// Found by attack: `sync {"folder": "/proc"}` (an assistant can send it) bound the database
/// to that folder and renumbered its ids, and every later sync with a good folder said to
/// start from a new database.
#[test]
fn a_failed_first_sync_changes_nothing() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a_project_with_a_task(&a);
    let before = a.export();
    let e = a
        .svc
        .sync_folder(Path::new("/proc"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("/proc"), "{e}");
    assert_eq!(a.export(), before);
    let st = a.svc.sync_status().unwrap();
    assert_eq!((st.folder, st.device_no), (None, None));
    let r = a.sync(folder.path());
    assert!(r.joined);
    let b = Device::new();
    b.sync(folder.path());
    assert_same(&[&a, &b]);
}

/// Found by use: a device could never move to another folder. Every device of the old folder
/// moves with `stint sync --move DIR`; a new device joins the new folder; all converge, and
/// later changes keep flowing.
#[test]
fn devices_move_to_another_folder_without_starting_over() {
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    a_project_with_a_task(&a);
    a.sync(old.path());
    b.sync(old.path());
    b.clock.advance(30);
    b.svc
        .create_track(NewTrack {
            description: Some("on b".into()),
            project: Some("Website".into()),
            start: "2026-11-05T09:00:00Z".into(),
            end: Some("2026-11-05T10:00:00Z".into()),
            ..Default::default()
        })
        .unwrap();
    // b moves before it has published its new track; a moves before it has applied it.
    let rb = b.svc.sync_move(new.path()).unwrap();
    assert!(rb.notes[0].contains("moved from"), "{rb:?}");
    let ra = a.svc.sync_move(new.path()).unwrap();
    assert!(!ra.joined);
    let rc = c.sync(new.path());
    assert!(rc.joined);
    for _ in 0..2 {
        for d in [&a, &b, &c] {
            d.sync(new.path());
        }
    }
    assert_eq!(a.count("SELECT count(*) FROM tracks"), 3);
    assert_same(&[&a, &b, &c]);
    let folder = a.svc.sync_status().unwrap().folder.unwrap();
    assert_eq!(
        folder,
        std::fs::canonicalize(new.path())
            .unwrap()
            .display()
            .to_string()
    );
    // The old folder is not needed any more.
    drop(old);
    a.clock.advance(60);
    edit(
        &a,
        a.count("SELECT max(id) FROM tracks WHERE description = 'on b'"),
        "moved",
    );
    for d in [&a, &b, &c, &a] {
        d.sync(new.path());
    }
    assert_same(&[&a, &b, &c]);
}

// ---------------------------------------------------------------------------------------------
// The property test: four devices, every entity people use, joins by folder and by snapshot.

use proptest::prelude::*;

/// One thing a person does on a device.
#[derive(Debug, Clone)]
enum Op {
    Client(u8),
    Project {
        p: u8,
        client: Option<u8>,
        budget: bool,
    },
    Rename {
        p: u8,
        to: u8,
    },
    Task {
        p: u8,
        t: u8,
    },
    DeleteTask {
        p: u8,
        t: u8,
    },
    Tag(u8),
    Track {
        day: u8,
        p: Option<u8>,
        t: Option<u8>,
        tag: Option<u8>,
    },
    Start {
        p: Option<u8>,
    },
    Stop,
    Edit {
        pick: u8,
        what: u8,
    },
    Delete {
        pick: u8,
    },
    Expense {
        p: u8,
        cents: u16,
    },
    EditExpense {
        pick: u8,
        cents: u16,
    },
    Invoice {
        client: Option<u8>,
    },
    Lifecycle {
        pick: u8,
        step: u8,
    },
    Setting(u8),
    Undo,
    Sync,
    Compact,
    Milestone {
        p: u8,
        m: u8,
    },
    /// Puts task `t` of project `p` on its milestone `m`.
    OnMilestone {
        p: u8,
        t: u8,
        m: u8,
    },
    CompleteMilestone {
        p: u8,
        m: u8,
    },
    /// A track written in drafts mode.
    DraftTrack {
        day: u8,
        p: Option<u8>,
    },
    /// An edit of a track in drafts mode (held back when the track is approved).
    DraftEdit {
        pick: u8,
    },
    ApproveDrafts,
    DiscardDraft {
        pick: u8,
    },
    /// A person of the team (issue 21), renamed, and a track logged through their token.
    Person(u8),
    RenamePerson {
        n: u8,
        to: u8,
    },
    TrackAs {
        day: u8,
        n: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        1 => (0u8..3).prop_map(Op::Client),
        2 => (0u8..4, proptest::option::of(0u8..3), any::<bool>())
            .prop_map(|(p, client, budget)| Op::Project { p, client, budget }),
        1 => (0u8..4, 0u8..4).prop_map(|(p, to)| Op::Rename { p, to }),
        2 => (0u8..4, 0u8..3).prop_map(|(p, t)| Op::Task { p, t }),
        1 => (0u8..4, 0u8..3).prop_map(|(p, t)| Op::DeleteTask { p, t }),
        1 => (0u8..3).prop_map(Op::Tag),
        4 => (0u8..20, proptest::option::of(0u8..4), proptest::option::of(0u8..3),
              proptest::option::of(0u8..3))
            .prop_map(|(day, p, t, tag)| Op::Track { day, p, t, tag }),
        1 => proptest::option::of(0u8..4).prop_map(|p| Op::Start { p }),
        1 => Just(Op::Stop),
        2 => (any::<u8>(), 0u8..4).prop_map(|(pick, what)| Op::Edit { pick, what }),
        1 => any::<u8>().prop_map(|pick| Op::Delete { pick }),
        2 => (0u8..4, 1u16..5000).prop_map(|(p, cents)| Op::Expense { p, cents }),
        1 => (any::<u8>(), 1u16..5000).prop_map(|(pick, cents)| Op::EditExpense { pick, cents }),
        2 => proptest::option::of(0u8..3).prop_map(|client| Op::Invoice { client }),
        2 => (any::<u8>(), 0u8..4).prop_map(|(pick, step)| Op::Lifecycle { pick, step }),
        1 => (0u8..4).prop_map(Op::Setting),
        2 => Just(Op::Undo),
        3 => Just(Op::Sync),
        1 => Just(Op::Compact),
        1 => (0u8..4, 0u8..2).prop_map(|(p, m)| Op::Milestone { p, m }),
        1 => (0u8..4, 0u8..3, 0u8..2).prop_map(|(p, t, m)| Op::OnMilestone { p, t, m }),
        1 => (0u8..4, 0u8..2).prop_map(|(p, m)| Op::CompleteMilestone { p, m }),
        2 => (0u8..20, proptest::option::of(0u8..4)).prop_map(|(day, p)| Op::DraftTrack { day, p }),
        1 => any::<u8>().prop_map(|pick| Op::DraftEdit { pick }),
        1 => Just(Op::ApproveDrafts),
        1 => any::<u8>().prop_map(|pick| Op::DiscardDraft { pick }),
        1 => (0u8..3).prop_map(Op::Person),
        1 => (0u8..3, 0u8..3).prop_map(|(n, to)| Op::RenamePerson { n, to }),
        2 => (0u8..28, 0u8..3).prop_map(|(day, n)| Op::TrackAs { day, n }),
    ]
}

/// How the fourth device joins: after this many operations, by folder or (after a
/// compaction) from a snapshot; and whether it syncs through device 0 as its server (`stint
/// serve`'s hub, in process) instead of the folder, from its join on.
#[derive(Debug, Clone)]
struct Join {
    after: usize,
    snapshot: bool,
    server: bool,
}

/// One sync of device `who`: through the folder, or through device 0's hub for a fourth
/// device that joined by the server.
fn sync_one(devices: &[Device], who: usize, folder: &Path, join: &Join) {
    if who == 3 && join.server {
        devices[3]
            .svc
            .sync_remote(&InProcessHub(&devices[0].svc))
            .unwrap();
    } else {
        devices[who].sync(folder);
    }
}

const CLIENTS: [&str; 3] = ["Acme", "Globex", "Initech"];
const PROJECTS: [&str; 4] = ["Website", "App", "Shop", "Docs"];
const TASKS: [&str; 3] = ["Design", "Build", "Review"];

fn pick_id(d: &Device, table: &str, pick: u8, filter: &str) -> Option<i64> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let ids: Vec<i64> = conn
        .prepare(&format!(
            "SELECT id FROM {table} WHERE {filter} ORDER BY id"
        ))
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (!ids.is_empty()).then(|| ids[usize::from(pick) % ids.len()])
}

/// Device `d` as an assistant in drafts mode (`stint mcp --drafts`).
fn drafts(d: &Device) -> stint::service::Service {
    d.svc.for_caller(
        stint::service::Caller::local(stint::service::Frontend::McpStdio).with_drafts(true),
    )
}

/// Runs `op` on device `who`. Refusals (a name taken, nothing running, an invoiced track)
/// are part of the game; what matters is what the devices end with.
fn play(d: &Device, who: usize, op: &Op, folder: &Path) {
    use stint::service::{
        DeleteTask, NewClient, ProjectChanges, SettingsChanges, StartTimer, StopTimer, TrackChanges,
    };
    d.clock.advance(7);
    let project = |p: u8| PROJECTS[usize::from(p)].to_owned();
    let _ = match op {
        Op::Client(c) => d
            .svc
            .create_client(NewClient {
                name: CLIENTS[usize::from(*c)].into(),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Project { p, client, budget } => d
            .svc
            .create_project(NewProject {
                name: project(*p),
                client: client.map(|c| CLIENTS[usize::from(c)].into()),
                hourly_rate: Some("80".into()),
                budget_hours: budget.then(|| "40".into()),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Rename { p, to } => d
            .svc
            .update_project(
                &project(*p),
                ProjectChanges {
                    name: Some(format!("{} {who}", PROJECTS[usize::from(*to)])),
                    ..Default::default()
                },
            )
            .map(|_| ()),
        Op::Task { p, t } => d
            .svc
            .create_task(NewTask {
                project: project(*p),
                name: TASKS[usize::from(*t)].into(),
                ..Default::default()
            })
            .map(|_| ()),
        Op::DeleteTask { p, t } => d
            .svc
            .delete_task(DeleteTask {
                task: TASKS[usize::from(*t)].into(),
                project: Some(project(*p)),
                force: true,
                archive: false,
            })
            .map(|_| ()),
        Op::Tag(t) => d.svc.create_tag(&format!("tag{t}")).map(|_| ()),
        Op::Track { day, p, t, tag } => d
            .svc
            .create_track(NewTrack {
                description: Some(format!("work {day}")),
                project: p.map(project),
                task: p.and(t.map(|t| TASKS[usize::from(t)].into())),
                tags: tag.map(|t| vec![format!("tag{t}")]).unwrap_or_default(),
                billable: Some(true),
                start: format!("2026-10-{:02}T09:00:00Z", day + 1),
                end: Some(format!("2026-10-{:02}T10:{:02}:00Z", day + 1, day * 2)),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Start { p } => d
            .svc
            .start_timer(StartTimer {
                project: p.map(project),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Stop => match d.svc.list_running_timers().unwrap_or_default().first() {
            Some(t) => d
                .svc
                .stop_timer(StopTimer {
                    track_id: Some(t.id.0),
                    end: None,
                })
                .map(|_| ()),
            None => Ok(()),
        },
        Op::Edit { pick, what } => match pick_id(d, "tracks", *pick, "1") {
            Some(t) => d
                .svc
                .update_track(
                    t,
                    match what {
                        0 => TrackChanges {
                            description: Some(format!("edited on {who}")),
                            ..Default::default()
                        },
                        1 => TrackChanges {
                            billable: Some(pick % 2 == 0),
                            ..Default::default()
                        },
                        2 => TrackChanges {
                            tags: Some(vec![format!("tag{}", pick % 3)]),
                            ..Default::default()
                        },
                        _ => TrackChanges {
                            task: Some(TASKS[usize::from(pick % 3)].into()),
                            ..Default::default()
                        },
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Op::Delete { pick } => match pick_id(d, "tracks", *pick, "1") {
            Some(t) => d.svc.delete_track(t).map(|_| ()),
            None => Ok(()),
        },
        Op::Expense { p, cents } => d
            .svc
            .create_expense(NewExpense {
                project: project(*p),
                date: "2026-10-15".into(),
                amount: format!("{}.{:02}", cents / 100, cents % 100),
                description: format!("expense on {who}"),
                ..Default::default()
            })
            .map(|_| ()),
        Op::EditExpense { pick, cents } => match pick_id(d, "expenses", *pick, "1") {
            Some(e) => d
                .svc
                .update_expense(
                    &e.to_string(),
                    stint::service::ExpenseChanges {
                        amount: Some(format!("{}.{:02}", cents / 100, cents % 100)),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Op::Invoice { client } => d
            .svc
            .create_invoice(NewInvoice {
                client: client.map(|c| CLIENTS[usize::from(c)].into()),
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
                include_expenses: Some(true),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Lifecycle { pick, step } => match pick_id(d, "invoices", *pick, "1") {
            Some(i) => {
                let i = i.to_string();
                match step {
                    // Only the billing device (device 0) issues numbers.
                    0 if who == 0 => d.svc.mark_invoice_sent(&i, None).map(|_| ()),
                    1 if who == 0 => d.svc.mark_invoice_paid(&i, None).map(|_| ()),
                    2 if who == 0 => d.svc.void_invoice(&i).map(|_| ()),
                    _ => d.svc.delete_invoice(&i).map(|_| ()),
                }
            }
            None => Ok(()),
        },
        Op::Setting(s) => d
            .svc
            .update_settings(SettingsChanges {
                default_hourly_rate: Some(format!("{}", 50 + u32::from(*s) * 10)),
                business_name: Some(format!("Business {who}")),
                ..Default::default()
            })
            .map(|_| ()),
        Op::Undo => d.svc.undo_change(None).map(|_| ()),
        Op::Sync => {
            d.sync(folder);
            Ok(())
        }
        Op::Compact => {
            d.svc.sync_compact(folder).unwrap();
            Ok(())
        }
        Op::Milestone { p, m } => d
            .svc
            .create_milestone(stint::service::NewMilestone {
                project: project(*p),
                name: format!("M{m}"),
                due_date: Some(format!("2026-12-{:02}", 10 + m)),
            })
            .map(|_| ()),
        Op::OnMilestone { p, t, m } => d
            .svc
            .update_task(
                TASKS[usize::from(*t)],
                Some(&project(*p)),
                stint::service::TaskChanges {
                    milestone: Some(format!("M{m}")),
                    priority: Some("high".into()),
                    due_date: Some("2026-12-01".into()),
                    ..Default::default()
                },
            )
            .map(|_| ()),
        Op::CompleteMilestone { p, m } => d
            .svc
            .complete_milestone(&format!("M{m}"), Some(&project(*p)))
            .map(|_| ()),
        Op::DraftTrack { day, p } => drafts(d)
            .create_track(NewTrack {
                description: Some(format!("draft {day} on {who}")),
                project: p.map(project),
                billable: Some(true),
                start: format!("2026-10-{:02}T11:00:00Z", day + 1),
                end: Some(format!("2026-10-{:02}T11:{:02}:00Z", day + 1, day * 2 + 1)),
                ..Default::default()
            })
            .map(|_| ()),
        Op::DraftEdit { pick } => match pick_id(d, "tracks", *pick, "end_at IS NOT NULL") {
            Some(t) => drafts(d)
                .update_track(
                    t,
                    TrackChanges {
                        description: Some(format!("proposed on {who}")),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Op::ApproveDrafts => d
            .svc
            .approve_drafts(stint::service::DraftSelection::default())
            .map(|_| ()),
        Op::DiscardDraft { pick } => match pick_id(d, "tracks", *pick, "draft = 1") {
            Some(t) => d
                .svc
                .discard_drafts(stint::service::DraftSelection {
                    tracks: vec![t],
                    expenses: vec![],
                })
                .map(|_| ()),
            None => Ok(()),
        },
        Op::Person(n) => d
            .svc
            .create_person(stint::service::NewPerson {
                name: format!("Person{n}"),
                weekly_capacity_hours: Some("30".into()),
                ..Default::default()
            })
            .map(|_| ()),
        Op::RenamePerson { n, to } => d
            .svc
            .update_person(
                &format!("Person{n}"),
                stint::service::PersonChanges {
                    name: Some(format!("Person{to} {who}")),
                    ..Default::default()
                },
            )
            .map(|_| ()),
        Op::TrackAs { day, n } => {
            // A token of this device (tokens are local) speaking for the person, if there.
            let token = format!("t{}", d.svc.now().timestamp());
            match d
                .svc
                .create_token_for(&token, "write", false, Some(&format!("Person{n}")))
            {
                Ok(_) => d
                    .svc
                    .for_caller(stint::service::Caller {
                        frontend: stint::service::Frontend::McpHttp,
                        token_name: Some(token),
                        redact_contacts: true,
                        may_write_files: false,
                        drafts: false,
                    })
                    .create_track(NewTrack {
                        description: Some(format!("Person{n}'s work {day}")),
                        billable: Some(true),
                        start: format!("2026-10-{:02}T09:00:00Z", day + 1),
                        end: Some(format!("2026-10-{:02}T11:00:00Z", day + 1)),
                        ..Default::default()
                    })
                    .map(|_| ()),
                Err(e) => Err(e),
            }
        }
    };
}

/// This device's own changes after it joined: `(hlc, device)`.
fn own_changes(d: &Device, own: bool) -> Vec<(i64, String)> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let sql = format!(
        "SELECT hlc, device_id FROM change_log WHERE id > (SELECT joined_change FROM sync_state) {}",
        if own {
            "AND device_id = (SELECT device_id FROM change_clock)"
        } else {
            ""
        }
    );
    conn.prepare(&sql)
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Plays `ops` on four devices (device 0 joins first and bills; 1 and 2 join with data of
/// their own at their first sync; 3 joins empty after `join.after` operations, from a
/// snapshot when asked, and through device 0 as its server when asked), syncs in `order`,
/// then until quiet, and checks that every device exports the same database and holds every
/// change made on every device.
fn check_everything_converges(ops: &[(usize, Op)], order: &[usize], join: &Join) {
    let folder = tempfile::tempdir().unwrap();
    let devices = [Device::new(), Device::new(), Device::new(), Device::new()];
    devices[0].sync(folder.path());
    let mut joined = false;
    // Whether each device has synced once. A device with data of its own cannot join after
    // the history it needs was compacted (it is told to start empty: ARCHITECTURE.md,
    // "Sync"), so compaction waits until devices 1 and 2 have joined.
    let mut synced = [true, false, false, false];
    for (n, (who, op)) in ops.iter().enumerate() {
        if n == join.after && !joined {
            if join.snapshot {
                for d in &devices[1..3] {
                    d.sync(folder.path());
                }
                synced[1] = true;
                synced[2] = true;
                devices[0].svc.sync_compact(folder.path()).unwrap();
            }
            sync_one(&devices, 3, folder.path(), join);
            synced[3] = true;
            joined = true;
        }
        let who = if joined { *who } else { *who % 3 };
        let op = match op {
            // A device of the server compacts nothing of the folder; its sync is the round.
            Op::Compact | Op::Sync if who == 3 && join.server => {
                sync_one(&devices, 3, folder.path(), join);
                continue;
            }
            Op::Compact if !(synced[1] && synced[2]) => &Op::Sync,
            op => op,
        };
        if matches!(op, Op::Sync | Op::Compact) {
            synced[who] = true;
        }
        play(&devices[who], who, op, folder.path());
    }
    if !joined {
        sync_one(&devices, 3, folder.path(), join);
    }
    for who in order {
        sync_one(&devices, *who, folder.path(), join);
    }
    for _ in 0..3 {
        for who in 0..devices.len() {
            sync_one(&devices, who, folder.path(), join);
        }
    }
    if join.server {
        assert_eq!(
            devices[3].svc.sync_server_url().unwrap().as_deref(),
            Some("http://in-process.test:1"),
            "device 3 syncs through the server"
        );
    }
    let exports: Vec<_> = devices.iter().map(Device::export).collect();
    for i in 1..devices.len() {
        assert!(
            exports[0] == exports[i],
            "device 0 and device {i} differ after {ops:?} / order {order:?} / {join:?}:\n{}",
            export_diff(&exports[0], &exports[i])
        );
    }
    // No acknowledged write lost: every change a device made after joining is in the log of
    // every device, or in the snapshot it started from (a device started from a snapshot has
    // the changes it covers in its rows: up to `sync_peers.known_hlc` of each device).
    let own: Vec<Vec<(i64, String)>> = devices.iter().map(|d| own_changes(d, true)).collect();
    for (j, d) in devices.iter().enumerate() {
        let all: std::collections::HashSet<(i64, String)> =
            own_changes(d, false).into_iter().collect();
        let conn = rusqlite::Connection::open(d.db()).unwrap();
        let covered: std::collections::HashMap<String, i64> = conn
            .prepare("SELECT device_id, known_hlc FROM sync_peers")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        for (i, o) in own.iter().enumerate() {
            for c in o {
                let in_snapshot = covered.get(&c.1).is_some_and(|k| c.0 <= *k);
                assert!(
                    all.contains(c) || in_snapshot,
                    "device {i}'s change {c:?} is missing on device {j} after {ops:?} / order \
                     {order:?} / {join:?}"
                );
            }
        }
    }
}

/// `PROPTEST_CASES` when set, else 16, or 256 with the slow switch (`.ci/run` sets it).
fn cases() -> u32 {
    crate::it::util::proptest_cases(16, 256)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(),
        max_shrink_iters: 256,
        ..ProptestConfig::default()
    })]

    /// Four devices work offline on every entity and sync and join in random orders: every
    /// table of their exports is identical, and no write is lost. A failure prints the
    /// operations, the order and the join (proptest shrinks them; its seed goes to
    /// `proptest-regressions/`).
    #[test]
    fn every_table_converges_on_four_devices(
        ops in proptest::collection::vec((0usize..4, op()), 1..48),
        order in proptest::collection::vec(0usize..4, 3..10),
        after in 0usize..48,
        snapshot in any::<bool>(),
        server in any::<bool>(),
    ) {
        check_everything_converges(&ops, &order, &Join { after, snapshot, server });
    }
}

/// The three-device rename case (ARCHITECTURE.md, "Sync", "Not converging yet"): a project
/// renamed on one device into a name a second device created meanwhile, while a third
/// created a project under the first one's old name. Every arrival order is tried; returns
/// the orders whose devices end different, with the table-level differences.
fn rename_race_diverging_orders() -> Vec<(Vec<usize>, String)> {
    use stint::service::ProjectChanges;
    let orders: Vec<Vec<usize>> = vec![
        vec![0, 1, 2],
        vec![0, 2, 1],
        vec![1, 0, 2],
        vec![1, 2, 0],
        vec![2, 0, 1],
        vec![2, 1, 0],
    ];
    let mut diverging = Vec::new();
    for order in orders {
        let folder = tempfile::tempdir().unwrap();
        let devices = [Device::new(), Device::new(), Device::new()];
        for d in &devices {
            d.sync(folder.path());
        }
        devices[0]
            .svc
            .create_project(NewProject {
                name: "Old".into(),
                ..Default::default()
            })
            .unwrap();
        // The third device does not see it before it makes its own "Old".
        for d in &devices[..2] {
            d.sync(folder.path());
        }
        for d in &devices {
            d.clock.advance(10);
        }
        devices[0]
            .svc
            .update_project(
                "Old",
                ProjectChanges {
                    name: Some("New".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        devices[1]
            .svc
            .create_project(NewProject {
                name: "New".into(),
                ..Default::default()
            })
            .unwrap();
        devices[2]
            .svc
            .create_project(NewProject {
                name: "Old".into(),
                ..Default::default()
            })
            .unwrap();
        for who in &order {
            devices[*who].sync(folder.path());
        }
        for _ in 0..3 {
            for d in &devices {
                d.sync(folder.path());
            }
        }
        let e: Vec<_> = devices.iter().map(Device::export).collect();
        let diff = format!("{}{}", export_diff(&e[0], &e[1]), export_diff(&e[0], &e[2]));
        if !diff.is_empty() {
            diverging.push((order, diff));
        }
    }
    diverging
}

/// The three-device rename race converges in all six arrival orders: the project renamed into
/// a name created meanwhile, the one created under its old name and the one it was renamed
/// into claimed names concurrently, so they end as one project, the same on every device
/// (docs/sync.md, "Names: claims and classes"). Device numbers are random, and they decide
/// which id is the lowest, so the orders are played several times.
#[test]
fn the_three_device_rename_race_converges_in_every_arrival_order() {
    for _ in 0..4 {
        let diverging = rename_race_diverging_orders();
        assert!(
            diverging.is_empty(),
            "orders that diverge:\n{}",
            diverging
                .iter()
                .map(|(o, d)| format!("{o:?}:\n{d}"))
                .collect::<String>()
        );
    }
}
