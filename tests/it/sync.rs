//! Sync between devices through a folder: ids, the file format, every convergence rule, and a
//! property test with three devices doing random offline work and syncing in random orders.

use std::path::Path;
use std::sync::Arc;

use proptest::prelude::*;
use stint::service::{
    Caller, DeleteProject, FixedClock, Frontend, NewInvoice, NewProject, NewTrack, ProjectChanges,
    Service, StartTimer, StopTimer, TrackChanges,
};

use super::util::{NOW, utc};

/// One simulated device: its own database and clock.
struct Device {
    dir: tempfile::TempDir,
    svc: Service,
    clock: Arc<FixedClock>,
}

impl Device {
    fn new() -> Device {
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

    fn db(&self) -> std::path::PathBuf {
        self.dir.path().join("stint.db")
    }

    /// Every row of every synced table, as text.
    fn dump(&self) -> Vec<String> {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        stint::store::sync::dump(&conn).unwrap()
    }

    fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// `(hlc, device)` of the changes in the log after joining (only this device's own when
    /// `own`).
    fn log(&self, own: bool) -> Vec<(i64, String)> {
        let conn = rusqlite::Connection::open(self.db()).unwrap();
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

    fn sync(&self, folder: &Path) -> stint::service::SyncReport {
        self.svc.sync_folder(folder).unwrap()
    }

    fn track(&self, start: &str, end: &str, desc: &str, project: Option<&str>) -> i64 {
        self.svc
            .create_track(NewTrack {
                description: Some(desc.into()),
                project: project.map(Into::into),
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            })
            .unwrap()
            .track
            .id
            .0
    }

    fn project(&self, name: &str) -> i64 {
        self.svc
            .create_project(NewProject {
                name: name.into(),
                ..Default::default()
            })
            .unwrap()
            .id
            .0
    }
}

fn sync_all(folder: &Path, devices: &[&Device]) {
    for _ in 0..2 {
        for d in devices {
            d.sync(folder);
        }
    }
}

#[test]
fn a_device_with_data_publishes_it_and_an_empty_one_receives_everything() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("Website");
    a.track(
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:00:00Z",
        "design",
        Some("Website"),
    );
    let ra = a.sync(folder.path());
    assert!(ra.joined);
    assert!(ra.renumbered >= 2, "{ra:?}");
    let rb = b.sync(folder.path());
    assert!(rb.joined);
    assert_eq!(rb.renumbered, 0);
    assert_eq!(rb.applied.iter().map(|x| x.1).sum::<usize>(), 1);
    assert_eq!(a.dump(), b.dump());
    // Ids are id * 64 + device number after joining, and new ids keep that form.
    let no_a = ra.device_no;
    assert_eq!(
        a.count(&format!(
            "SELECT count(*) FROM tracks WHERE id % 64 != {no_a}"
        )),
        0
    );
    let t = b.track("2026-11-20T11:00:00Z", "2026-11-20T12:00:00Z", "b's", None);
    assert_eq!(t % 64, rb.device_no);
    assert_ne!(ra.device_no, rb.device_no);
    // Files are private.
    use std::os::unix::fs::PermissionsExt as _;
    for dev in std::fs::read_dir(folder.path()).unwrap() {
        for f in std::fs::read_dir(dev.unwrap().path()).unwrap() {
            let mode = f.unwrap().metadata().unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
    }
}

#[test]
fn a_deleted_highest_id_is_never_handed_out_again() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.sync(folder.path());
    let t1 = a.track("2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", "one", None);
    a.svc.delete_track(t1).unwrap();
    let t2 = a.track("2026-11-20T09:00:00Z", "2026-11-20T10:00:00Z", "two", None);
    assert!(t2 > t1, "{t2} after {t1}");
}

#[test]
fn edits_of_different_fields_both_survive_and_the_later_edit_of_one_field_wins() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let t = a.track(
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:00:00Z",
        "first",
        None,
    );
    sync_all(folder.path(), &[&a, &b]);
    let t = t * 64 + a.svc.sync_status().unwrap().device_no.unwrap();
    // a edits the description, b the billable flag: both survive.
    a.clock.advance(10);
    b.clock.advance(20);
    a.svc
        .update_track(
            t,
            TrackChanges {
                description: Some("from a".into()),
                ..Default::default()
            },
        )
        .unwrap();
    b.svc
        .update_track(
            t,
            TrackChanges {
                billable: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    sync_all(folder.path(), &[&a, &b]);
    for d in [&a, &b] {
        let tr = d.svc.get_track(t).unwrap();
        assert_eq!(tr.description, "from a");
        assert!(tr.billable);
    }
    // Both edit the description: the later one (b's clock is ahead) wins on both.
    a.clock.advance(10);
    b.clock.advance(20);
    a.svc
        .update_track(
            t,
            TrackChanges {
                description: Some("a again".into()),
                ..Default::default()
            },
        )
        .unwrap();
    b.svc
        .update_track(
            t,
            TrackChanges {
                description: Some("b later".into()),
                ..Default::default()
            },
        )
        .unwrap();
    b.sync(folder.path());
    a.sync(folder.path());
    // b applies a's earlier edit last: it loses, and b says so.
    let rb = b.sync(folder.path());
    assert!(
        rb.decisions.iter().any(|d| d.contains("description")),
        "{:?}",
        rb.decisions
    );
    sync_all(folder.path(), &[&a, &b]);
    assert_eq!(a.svc.get_track(t).unwrap().description, "b later");
    assert_eq!(a.dump(), b.dump());
}

#[test]
fn delete_wins_against_an_edit_made_elsewhere() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    sync_all(folder.path(), &[&a, &b]);
    let t = a.track(
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:00:00Z",
        "doomed",
        None,
    );
    sync_all(folder.path(), &[&a, &b]);
    b.clock.advance(60);
    b.svc
        .update_track(
            t,
            TrackChanges {
                description: Some("edited".into()),
                ..Default::default()
            },
        )
        .unwrap();
    a.svc.delete_track(t).unwrap();
    a.sync(folder.path());
    b.sync(folder.path());
    let ra = a.sync(folder.path());
    assert!(ra.decisions.iter().any(|d| d.contains("deleted")), "{ra:?}");
    sync_all(folder.path(), &[&a, &b]);
    assert_eq!(a.count("SELECT count(*) FROM tracks"), 0);
    assert_eq!(b.count("SELECT count(*) FROM tracks"), 0);
    let st = b.svc.sync_status().unwrap();
    assert!(st.decisions.is_empty() || st.decisions.iter().all(|d| d.kind != "refused"));
}

#[test]
fn the_same_project_name_on_two_devices_becomes_one_with_both_tracks() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    sync_all(folder.path(), &[&a, &b]);
    a.project("Website");
    b.project("website");
    a.track(
        "2026-11-20T09:00:00Z",
        "2026-11-20T10:00:00Z",
        "on a",
        Some("Website"),
    );
    b.track(
        "2026-11-20T11:00:00Z",
        "2026-11-20T12:00:00Z",
        "on b",
        Some("website"),
    );
    a.sync(folder.path());
    let rb = b.sync(folder.path());
    a.sync(folder.path());
    assert!(rb.decisions.iter().any(|d| d.contains("merged")), "{rb:?}");
    for d in [&a, &b] {
        assert_eq!(d.count("SELECT count(*) FROM projects"), 1);
        assert_eq!(
            d.count("SELECT count(*) FROM tracks WHERE project_id = (SELECT id FROM projects)"),
            2
        );
    }
    assert_eq!(a.dump(), b.dump());
    // The decision is visible in sync status and list_changes; on the device where the merge
    // removed its own row, undoing that change brings the row back.
    let mut undone = false;
    for d in [&a, &b] {
        let st = d.svc.sync_status().unwrap();
        let Some(merged) = st.decisions.iter().find(|d| d.kind == "merged") else {
            continue;
        };
        let change = merged.change_id.unwrap();
        let list = d.svc.list_changes(Default::default()).unwrap();
        let c = list.items.iter().find(|c| c.id == change).unwrap();
        assert!(c.summary.contains("sync decided"), "{}", c.summary);
        if c.rows.contains("projects") {
            // The track re-pointed by the merge refuses a plain undo (it needs the row the
            // undo would remove): refused cleanly, naming the rule, nothing changed.
            let err = d.svc.undo_change(Some(change)).unwrap_err();
            assert!(err.to_string().contains("cannot be undone"), "{err}");
            assert_eq!(d.count("SELECT count(*) FROM projects"), 1);
            undone = true;
        }
    }
    assert!(undone);
}

#[test]
fn two_timers_started_on_two_devices_are_both_kept_and_flagged() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    sync_all(folder.path(), &[&a, &b]);
    a.svc
        .start_timer(StartTimer {
            description: Some("a".into()),
            ..Default::default()
        })
        .unwrap();
    b.clock.advance(5);
    b.svc
        .start_timer(StartTimer {
            description: Some("b".into()),
            ..Default::default()
        })
        .unwrap();
    sync_all(folder.path(), &[&a, &b]);
    for d in [&a, &b] {
        assert_eq!(
            d.count("SELECT count(*) FROM tracks WHERE end_at IS NULL"),
            2
        );
        let st = d.svc.sync_status().unwrap();
        assert!(st.decisions.iter().any(|x| x.kind == "timers"), "{st:?}");
    }
}

#[test]
fn only_the_billing_device_issues_invoice_numbers_and_an_invoiced_track_keeps_its_version() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.sync(folder.path());
    b.sync(folder.path());
    a.svc
        .create_project(NewProject {
            name: "Web".into(),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
    let t = a
        .svc
        .create_track(NewTrack {
            description: Some("work".into()),
            project: Some("Web".into()),
            billable: Some(true),
            start: "2026-11-20T09:00:00Z".into(),
            end: Some("2026-11-20T10:00:00Z".into()),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0;
    sync_all(folder.path(), &[&a, &b]);
    // b is not the billing device (a synced first).
    let inv = b
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Web".into()],
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    let err = b
        .svc
        .mark_invoice_sent(&inv.id.0.to_string(), None)
        .unwrap_err();
    assert!(err.to_string().contains("billing device"), "{err}");
    b.svc.delete_invoice(&inv.id.0.to_string()).unwrap();
    sync_all(folder.path(), &[&a, &b]);
    // a issues an invoice; meanwhile b edits the track on it.
    let inv = a
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Web".into()],
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    a.svc
        .mark_invoice_sent(&inv.id.0.to_string(), None)
        .unwrap();
    b.clock.advance(100);
    b.svc
        .update_track(
            t,
            TrackChanges {
                description: Some("changed on b".into()),
                ..Default::default()
            },
        )
        .unwrap();
    b.sync(folder.path());
    let ra = a.sync(folder.path());
    assert!(
        ra.decisions.iter().any(|d| d.contains("on invoice")),
        "{ra:?}"
    );
    assert_eq!(a.svc.get_track(t).unwrap().description, "work");
}

#[test]
fn a_cut_or_damaged_file_waits_and_a_newer_schema_is_refused() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("Kept");
    a.sync(folder.path());
    let dev = std::fs::read_dir(folder.path())
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let log = dev.join("000000000001-000000000001.stint");
    let whole = std::fs::read(&log).unwrap();
    std::fs::write(&log, &whole[..whole.len() / 2]).unwrap();
    let rb = b.sync(folder.path());
    assert!(
        rb.problems.iter().any(|p| p.contains("not whole")),
        "{rb:?}"
    );
    assert_eq!(b.count("SELECT count(*) FROM projects"), 0);
    std::fs::write(&log, &whole).unwrap();
    b.sync(folder.path());
    assert_eq!(b.count("SELECT count(*) FROM projects"), 1);
    // A file from a newer schema (the schema field in the header) is refused.
    let c = Device::new();
    let mut newer = whole.clone();
    newer[10..14].copy_from_slice(&999u32.to_le_bytes());
    std::fs::write(&log, &newer).unwrap();
    let rc = c.sync(folder.path());
    assert!(
        rc.problems
            .iter()
            .any(|p| p.contains("update stint on this device")),
        "{rc:?}"
    );
    assert_eq!(c.count("SELECT count(*) FROM projects"), 0);
}

#[test]
fn a_copied_database_takes_a_new_device_id() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.project("P");
    a.sync(folder.path());
    let copy_dir = tempfile::tempdir().unwrap();
    let copy = copy_dir.path().join("stint.db");
    a.svc.backup(&copy, false).unwrap();
    let c = Service::with_clock(&copy, Caller::local(Frontend::Cli), a.clock.clone()).unwrap();
    let before = c.sync_status().unwrap().device_id;
    let rc = c.sync_folder(folder.path()).unwrap();
    assert!(rc.notes.iter().any(|n| n.contains("copy")), "{rc:?}");
    let after = c.sync_status().unwrap();
    assert_ne!(after.device_id, before);
    assert_ne!(after.device_no, a.svc.sync_status().unwrap().device_no);
    // Both keep working and converge.
    c.create_project(NewProject {
        name: "Q".into(),
        ..Default::default()
    })
    .unwrap();
    a.sync(folder.path());
    c.sync_folder(folder.path()).unwrap();
    a.sync(folder.path());
    assert_eq!(a.count("SELECT count(*) FROM projects"), 2);
}

/// A random offline operation on a device.
#[derive(Debug, Clone)]
enum Act {
    Track {
        day: u8,
        desc: u8,
        project: Option<u8>,
    },
    Start,
    Stop,
    Project(u8),
    Rename {
        project: u8,
        to: u8,
    },
    Edit {
        pick: u8,
        desc: u8,
    },
    Billable {
        pick: u8,
    },
    Delete {
        pick: u8,
    },
    DeleteProject(u8),
    Tag {
        pick: u8,
        tag: u8,
    },
    Invoice,
    Undo,
    Sync,
}

fn act() -> impl Strategy<Value = Act> {
    prop_oneof![
        3 => (0u8..20, 0u8..5, proptest::option::of(0u8..4))
            .prop_map(|(day, desc, project)| Act::Track { day, desc, project }),
        1 => Just(Act::Start),
        1 => Just(Act::Stop),
        2 => (0u8..4).prop_map(Act::Project),
        1 => (0u8..4, any::<u8>()).prop_map(|(project, to)| Act::Rename { project, to }),
        2 => (any::<u8>(), 0u8..5).prop_map(|(pick, desc)| Act::Edit { pick, desc }),
        1 => any::<u8>().prop_map(|pick| Act::Billable { pick }),
        1 => any::<u8>().prop_map(|pick| Act::Delete { pick }),
        1 => (0u8..4).prop_map(Act::DeleteProject),
        1 => (any::<u8>(), 0u8..3).prop_map(|(pick, tag)| Act::Tag { pick, tag }),
        1 => Just(Act::Invoice),
        1 => Just(Act::Undo),
        2 => Just(Act::Sync),
    ]
}

fn pick_track(d: &Device, pick: u8) -> Option<i64> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    let ids: Vec<i64> = conn
        .prepare("SELECT id FROM tracks ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap();
    (!ids.is_empty()).then(|| ids[usize::from(pick) % ids.len()])
}

const NAMES: [&str; 6] = ["Alpha", "Beta", "Gamma", "Delta", "alpha", "Epsilon"];

/// Project `p` of device `who`: projects 0 and 1 have names every device uses (created on two
/// devices, they merge), the others names of that device only.
fn pname(p: u8, who: usize) -> String {
    match p {
        0 | 1 => NAMES[usize::from(p)].to_owned(),
        _ => format!("{} {who}", NAMES[usize::from(p)]),
    }
}

/// Runs one act on device number `who`; refusals (a name taken, nothing running, an invoiced
/// track) are fine.
fn run(d: &Device, who: usize, a: &Act, folder: &Path) {
    d.clock.advance(7);
    let _ = match a {
        Act::Track { day, desc, project } => {
            let start = format!("2026-10-{:02}T09:00:00Z", day + 1);
            let end = format!("2026-10-{:02}T10:00:00Z", day + 1);
            d.svc
                .create_track(NewTrack {
                    description: Some(format!("task {desc}")),
                    project: project.map(|p| pname(p, who)),
                    billable: Some(true),
                    start,
                    end: Some(end),
                    ..Default::default()
                })
                .map(|_| ())
        }
        Act::Start => d.svc.start_timer(StartTimer::default()).map(|_| ()),
        Act::Stop => {
            let running = d.svc.list_running_timers().unwrap_or_default();
            match running.first() {
                Some(t) => d
                    .svc
                    .stop_timer(StopTimer {
                        track_id: Some(t.id.0),
                        end: None,
                    })
                    .map(|_| ()),
                None => Ok(()),
            }
        }
        Act::Project(p) => d
            .svc
            .create_project(NewProject {
                name: pname(*p, who),
                hourly_rate: Some("80".into()),
                ..Default::default()
            })
            .map(|_| ()),
        Act::Rename { project, to } => d
            .svc
            .update_project(
                &pname(*project, who),
                ProjectChanges {
                    // A rename into a name another device creates meanwhile is covered by
                    // its own test; mixed with same-name creations on a third device it is
                    // not (see docs/sync.md).
                    name: Some(format!("Renamed {who}-{to}")),
                    ..Default::default()
                },
            )
            .map(|_| ()),
        Act::Edit { pick, desc } => match pick_track(d, *pick) {
            Some(t) => d
                .svc
                .update_track(
                    t,
                    TrackChanges {
                        description: Some(format!("edit {desc}")),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Act::Billable { pick } => match pick_track(d, *pick) {
            Some(t) => d
                .svc
                .update_track(
                    t,
                    TrackChanges {
                        billable: Some(pick % 2 == 0),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Act::Delete { pick } => match pick_track(d, *pick) {
            Some(t) => d.svc.delete_track(t).map(|_| ()),
            None => Ok(()),
        },
        Act::DeleteProject(p) => d
            .svc
            .delete_project(DeleteProject {
                project: pname(*p, who),
                archive: false,
            })
            .map(|_| ()),
        Act::Tag { pick, tag } => match pick_track(d, *pick) {
            Some(t) => d
                .svc
                .update_track(
                    t,
                    TrackChanges {
                        tags: Some(vec![format!("tag{tag}")]),
                        ..Default::default()
                    },
                )
                .map(|_| ()),
            None => Ok(()),
        },
        Act::Invoice => d
            .svc
            .create_invoice(NewInvoice {
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
                ..Default::default()
            })
            .and_then(|inv| match who {
                // Only the billing device issues numbers; the others keep drafts. (Numbers two
                // databases issued before they first synced can clash: not covered.)
                0 => d
                    .svc
                    .mark_invoice_sent(&inv.id.0.to_string(), None)
                    .map(|_| ()),
                _ => Ok(()),
            }),
        Act::Undo => d.svc.undo_change(None).map(|_| ()),
        Act::Sync => {
            d.sync(folder);
            Ok(())
        }
    };
}

proptest! {
    #![proptest_config(crate::it::util::proptest_config(6, 96))]

    /// Three devices work offline in random order and sync in random orders: they end with
    /// identical data, and each holds every change made on every device.
    #[test]
    fn three_devices_converge(
        acts in proptest::collection::vec((0usize..3, act()), 1..40),
        order in proptest::collection::vec(0usize..3, 3..9),
    ) {
        converge(&acts, &order).map_err(TestCaseError::fail)?;
    }
}

/// The body of [`three_devices_converge`]: runs `acts`, syncs in `order`, then three full rounds,
/// and says how the devices differ (or which change is missing) if they do.
fn converge(acts: &[(usize, Act)], order: &[usize]) -> Result<(), String> {
    let folder = tempfile::tempdir().unwrap();
    let devices = [Device::new(), Device::new(), Device::new()];
    // Device 0 joins first and is the billing device; the others join with data of their own.
    devices[0].sync(folder.path());
    for (who, a) in acts {
        run(&devices[*who], *who, a, folder.path());
    }
    for who in order {
        devices[*who].sync(folder.path());
    }
    for _ in 0..3 {
        for d in &devices {
            d.sync(folder.path());
        }
    }
    let first = devices[0].dump();
    for (i, d) in devices.iter().enumerate().skip(1) {
        let other = d.dump();
        if first != other {
            let only0: Vec<_> = first.iter().filter(|r| !other.contains(r)).collect();
            let only_i: Vec<_> = other.iter().filter(|r| !first.contains(r)).collect();
            return Err(format!(
                "devices 0 and {i} differ: only on 0 {only0:?}, only on {i} {only_i:?}"
            ));
        }
    }
    // No write lost: every change a device made after joining is in every device's log.
    let own: Vec<Vec<(i64, String)>> = devices.iter().map(|d| d.log(true)).collect();
    for (j, d) in devices.iter().enumerate() {
        let all = d.log(false);
        for (i, o) in own.iter().enumerate() {
            if let Some(c) = o.iter().find(|c| !all.contains(c)) {
                return Err(format!(
                    "device {i}'s change {c:?} is missing on device {j}"
                ));
            }
        }
    }
    Ok(())
}

/// `stint sync` killed with SIGKILL at random moments while it applies another device's files
/// leaves no file half-applied: the tracks present always match the sequence recorded as
/// applied, the database passes its integrity check, and a last sync completes the copy.
#[test]
fn sigkill_during_sync_leaves_nothing_half_applied() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.sync(folder.path());
    for batch in 0..12 {
        for i in 0..50 {
            let h = batch * 50 + i;
            a.track(
                &format!(
                    "2026-10-{:02}T{:02}:{:02}:00Z",
                    1 + h / 24 % 28,
                    h % 24,
                    h % 60
                ),
                &format!(
                    "2026-10-{:02}T{:02}:{:02}:30Z",
                    1 + h / 24 % 28,
                    h % 24,
                    h % 60
                ),
                &format!("work {h}"),
                None,
            );
        }
        a.sync(folder.path());
    }
    let b_dir = tempfile::tempdir().unwrap();
    let b = b_dir.path().join("stint.db");
    let mut seed: u64 = 0x5EED_5A1C;
    let mut kills = 0;
    // 40 attempts with STINT_SLOW_TESTS=1, 10 otherwise, and more until three kills landed
    // mid-way (a sync that finished is started over on a new database, so every attempt has
    // work to interrupt).
    let attempts = super::util::cases(10, 40);
    for attempt in 0..attempts * 10 {
        if attempt >= attempts && kills >= 3 {
            break;
        }
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let wait = std::time::Duration::from_micros((seed >> 33) % 150_000);
        let mut child = super::util::stint(&["sync", folder.path().to_str().unwrap()])
            .db(&b)
            .command()
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(wait);
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        } else if attempt + 1 < attempts * 10 {
            // Finished before the kill: start over as a new device (its folder removed, so
            // device numbers are not used up), so that the next attempt joins again.
            child.wait().unwrap();
            if let Ok(conn) = rusqlite::Connection::open(&b)
                && let Ok(Some(id)) =
                    conn.query_row("SELECT device_id FROM sync_state WHERE id = 1", [], |r| {
                        r.get::<_, Option<String>>(0)
                    })
            {
                let _ = std::fs::remove_dir_all(folder.path().join(id));
            }
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", b.display()));
            }
            continue;
        }
        child.wait().unwrap();
        if !b.exists() {
            continue;
        }
        let conn = rusqlite::Connection::open(&b).unwrap();
        let ok: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(ok, "ok");
        let has_sync: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'sync_peers'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        if !has_sync {
            continue;
        }
        let applied: i64 = conn
            .query_row(
                "SELECT ifnull(max(applied_seq), 0) FROM sync_peers",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let tracks: i64 = conn
            .query_row("SELECT count(*) FROM tracks", [], |r| r.get(0))
            .unwrap();
        // a's first log is its join (no tracks); each later change added one track.
        assert_eq!(
            tracks,
            (applied - 1).max(0),
            "after a kill: {applied} applied"
        );
    }
    // How many land mid-way depends on the machine's speed; a few are enough to matter.
    assert!(kills >= 3, "only {kills} syncs were killed mid-way");
    let last = Service::open(&b, Caller::local(Frontend::Cli)).unwrap();
    last.sync_folder(folder.path()).unwrap();
    drop(last);
    let conn = rusqlite::Connection::open(&b).unwrap();
    assert_eq!(stint::store::sync::dump(&conn).unwrap(), a.dump());
}

/// Found by `three_devices_converge`: an edit that changes nothing but `updated_at`, made on
/// another device to a track the billing device has just invoiced, must lose everywhere.
#[test]
fn a_no_op_edit_of_an_invoiced_track_made_elsewhere_loses_everywhere() {
    let acts = [
        (
            0,
            Act::Track {
                day: 0,
                desc: 0,
                project: None,
            },
        ),
        (0, Act::Sync),
        (2, Act::Sync),
        (1, Act::Sync),
        (0, Act::Invoice),
        (1, Act::Billable { pick: 216 }),
    ];
    check_converges(&acts, &[]);
}

/// Found by `three_devices_converge`: a device that renames a project and then creates one
/// under the old name has two projects, and so has every other device.
#[test]
fn a_name_reused_after_a_rename_on_one_device_stays_two_rows() {
    let folder = tempfile::tempdir().unwrap();
    let devices = [Device::new(), Device::new(), Device::new()];
    devices[0].sync(folder.path());
    let acts = [
        (2, Act::Sync),
        (2, Act::Project(3)),
        (2, Act::Rename { project: 3, to: 0 }),
        (2, Act::Project(3)),
    ];
    for (who, a) in &acts {
        run(&devices[*who], *who, a, folder.path());
    }
    for _ in 0..3 {
        for d in &devices {
            d.sync(folder.path());
        }
    }
    assert_eq!(devices[2].count("SELECT count(*) FROM projects"), 2);
    assert_eq!(devices[0].dump(), devices[2].dump());
    assert_eq!(devices[1].dump(), devices[2].dump());
}

/// Found by `three_devices_converge`: a timer started and deleted on one device, stopped and
/// edited on another that had received it.
#[test]
fn a_running_timer_deleted_on_one_device_and_stopped_on_another_converges() {
    let acts = [
        (1, Act::Start),
        (1, Act::Sync),
        (1, Act::Delete { pick: 249 }),
        (2, Act::Sync),
        (
            1,
            Act::Track {
                day: 12,
                desc: 3,
                project: None,
            },
        ),
        (2, Act::Stop),
        (
            1,
            Act::Track {
                day: 5,
                desc: 0,
                project: None,
            },
        ),
        (2, Act::Edit { pick: 40, desc: 3 }),
        (2, Act::Delete { pick: 201 }),
    ];
    check_converges(&acts, &[1, 2, 1, 1]);
}

fn files_of(folder: &Path, device: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(folder.join(device))
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn compaction_removes_logs_every_device_has_and_a_new_device_starts_from_the_snapshot() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("Website");
    let ra = a.sync(folder.path());
    b.sync(folder.path());
    // Several logs on each device.
    for i in 0..4 {
        a.clock.advance(60);
        a.track(
            &format!("2026-11-1{i}T09:00:00Z"),
            &format!("2026-11-1{i}T10:00:00Z"),
            &format!("a {i}"),
            Some("Website"),
        );
        a.sync(folder.path());
        b.clock.advance(60);
        b.track(
            &format!("2026-11-1{i}T11:00:00Z"),
            &format!("2026-11-1{i}T12:00:00Z"),
            &format!("b {i}"),
            Some("Website"),
        );
        b.sync(folder.path());
    }
    sync_all(folder.path(), &[&a, &b]);
    let logs = |d: &str| {
        files_of(folder.path(), d)
            .into_iter()
            .filter(|f| f.as_bytes()[0].is_ascii_digit())
            .count()
    };
    let before = logs(&ra.device_id);
    assert!(before >= 5, "{before}");
    // Compacting writes a snapshot; logs go once the other device has told (in its device
    // file) that it applied them, and no snapshot needs them.
    let r1 = a.svc.sync_compact(folder.path()).unwrap();
    assert!(r1.notes.iter().any(|n| n.contains("snapshot")), "{r1:?}");
    b.svc.sync_compact(folder.path()).unwrap();
    let r2 = a.svc.sync_compact(folder.path()).unwrap();
    assert!(
        logs(&ra.device_id) < before,
        "{:?} {r2:?}",
        files_of(folder.path(), &ra.device_id)
    );
    assert!(
        files_of(folder.path(), &ra.device_id)
            .iter()
            .any(|f| f.starts_with("snapshot-"))
    );
    // A new, empty device starts from a snapshot and ends with the same data.
    let c = Device::new();
    let rc = c.sync(folder.path());
    assert!(
        rc.notes
            .iter()
            .any(|n| n.contains("started from the snapshot")),
        "{rc:?}"
    );
    assert!(rc.problems.is_empty(), "{rc:?}");
    sync_all(folder.path(), &[&a, &b, &c]);
    assert_eq!(a.dump(), c.dump());
    // And it keeps converging: edits on the new device reach the others and back.
    c.clock.advance(600);
    c.track(
        "2026-11-20T13:00:00Z",
        "2026-11-20T14:00:00Z",
        "from c",
        Some("Website"),
    );
    sync_all(folder.path(), &[&a, &b, &c]);
    assert_eq!(a.dump(), c.dump());
    assert_eq!(b.dump(), c.dump());
    assert_eq!(c.count("SELECT count(*) FROM projects"), 1);
    assert_eq!(c.count("SELECT count(*) FROM tracks"), 9);
}

#[test]
fn a_device_with_data_that_missed_compacted_changes_is_told_what_to_do() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("Website");
    a.sync(folder.path());
    a.project("Second");
    a.sync(folder.path());
    b.sync(folder.path());
    a.svc.sync_compact(folder.path()).unwrap();
    b.sync(folder.path());
    a.svc.sync_compact(folder.path()).unwrap();
    // A third device with data of its own cannot merge into a folder whose history is gone:
    // its own data still goes out, and it is told how to join.
    let c = Device::new();
    c.project("Own");
    let rc = c.sync(folder.path());
    assert!(
        rc.problems.iter().any(|p| p.contains("compacted")),
        "{rc:?}"
    );
    b.sync(folder.path());
    assert_eq!(
        b.count("SELECT count(*) FROM projects WHERE name = 'Own'"),
        1
    );
}

#[test]
fn encrypted_files_are_read_only_with_the_same_key() {
    use stint::service::SyncKey;
    let folder = tempfile::tempdir().unwrap();
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    a.project("Secret Client Project");
    let ra = a.sync(folder.path());
    // Setting a key re-encrypts the files already in the folder.
    let key = SyncKey::generate().unwrap();
    assert_eq!(SyncKey::parse(&key.to_text()).unwrap(), key);
    assert!(a.svc.set_sync_key(Some(&key)).unwrap() >= 2);
    a.project("Another Secret");
    a.sync(folder.path());
    for f in files_of(folder.path(), &ra.device_id) {
        let bytes = std::fs::read(folder.path().join(&ra.device_id).join(&f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("Secret"), "{f} holds a name in the clear");
    }
    // Without the key: told to copy it; nothing applied.
    let rb = b.sync(folder.path());
    assert!(
        rb.problems.iter().any(|p| p.contains("encrypted")),
        "{rb:?}"
    );
    assert_eq!(b.count("SELECT count(*) FROM projects"), 0);
    // With another key: told so.
    c.svc
        .set_sync_key(Some(&SyncKey::generate().unwrap()))
        .unwrap();
    let rc = c.sync(folder.path());
    assert!(
        rc.problems.iter().any(|p| p.contains("another key")),
        "{rc:?}"
    );
    assert_eq!(c.count("SELECT count(*) FROM projects"), 0);
    // With the key: everything arrives, both ways.
    b.svc
        .set_sync_key(Some(&SyncKey::parse(&key.to_text()).unwrap()))
        .unwrap();
    b.sync(folder.path());
    assert_eq!(b.count("SELECT count(*) FROM projects"), 2);
    b.project("From B");
    sync_all(folder.path(), &[&a, &b]);
    assert_eq!(a.dump(), b.dump());
    // A file written in the clear into the folder is refused once a device has a key.
    assert!(SyncKey::parse("not a key").is_err());
    let plain = Device::new();
    plain.project("Injected");
    let rp = plain.sync(folder.path());
    assert!(!rp.problems.is_empty());
    let ra2 = a.sync(folder.path());
    assert!(
        ra2.problems.iter().any(|p| p.contains("not encrypted")),
        "{ra2:?}"
    );
    assert_eq!(
        a.count("SELECT count(*) FROM projects WHERE name = 'Injected'"),
        0
    );
}

#[test]
fn mcp_and_serve_sync_on_their_own_after_a_write() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    let ra = a.sync(folder.path());
    b.sync(folder.path());
    let auto = a.svc.start_auto_sync();
    assert!(auto.is_some());
    a.project("Written while serving");
    // Published after a quiet moment, without anyone asking.
    let log_of_a = || {
        files_of(folder.path(), &ra.device_id)
            .iter()
            .filter(|f| f.as_bytes()[0].is_ascii_digit())
            .count()
    };
    let before = log_of_a();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    // Its timing reads the service's clock: time passes here as the test says.
    while log_of_a() == before && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(200));
        a.clock.advance(1);
    }
    assert!(log_of_a() > before, "nothing was published on its own");
    // Dropping the handle stops the thread (and waits for it): later writes stay here.
    drop(auto);
    let published = log_of_a();
    a.project("Written after stopping");
    a.clock.advance(120);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(log_of_a(), published);
    assert_eq!(a.svc.sync_status().unwrap().unpublished, 1);
    b.sync(folder.path());
    assert_eq!(
        b.count("SELECT count(*) FROM projects WHERE name = 'Written while serving'"),
        1
    );
    // Turned off, it does not start.
    b.svc.set_auto_sync(false).unwrap();
    assert!(b.svc.start_auto_sync().is_none());
}

/// Found by `three_devices_converge` (a long mix of every act).
#[test]
fn a_long_mix_of_offline_work_converges() {
    use Act::*;
    let acts = [
        (2, Billable { pick: 126 }),
        (1, Delete { pick: 110 }),
        (0, Undo),
        (
            0,
            Track {
                day: 10,
                desc: 3,
                project: None,
            },
        ),
        (
            0,
            Track {
                day: 9,
                desc: 1,
                project: None,
            },
        ),
        (1, DeleteProject(2)),
        (0, Sync),
        (2, Sync),
        (0, Sync),
        (2, Delete { pick: 168 }),
        (2, Undo),
        (1, Sync),
        (
            0,
            Track {
                day: 2,
                desc: 3,
                project: None,
            },
        ),
        (2, Tag { pick: 238, tag: 0 }),
        (
            0,
            Rename {
                project: 0,
                to: 102,
            },
        ),
        (1, Edit { pick: 168, desc: 1 }),
        (2, Start),
        (0, Undo),
        (0, Project(2)),
        (0, Start),
        (
            1,
            Rename {
                project: 0,
                to: 119,
            },
        ),
        (2, Edit { pick: 39, desc: 0 }),
        (0, Edit { pick: 141, desc: 1 }),
        (2, Billable { pick: 158 }),
        (1, Invoice),
        (2, Undo),
        (0, Project(3)),
        (2, Billable { pick: 222 }),
        (2, Sync),
        (0, Project(2)),
        (1, Edit { pick: 107, desc: 3 }),
    ];
    check_converges(&acts, &[0, 1, 2, 0, 2, 2, 1]);
}

#[test]
fn a_rename_into_a_name_created_elsewhere_meanwhile_makes_one_project_everywhere() {
    // Once with the renamed project's id lower than the created one's, once higher.
    for renamed_is_lower in [true, false] {
        let folder = tempfile::tempdir().unwrap();
        let (a, b) = (Device::new(), Device::new());
        if !renamed_is_lower {
            for p in ["P1", "P2", "P3", "P4"] {
                a.project(p);
            }
        }
        a.project("Old");
        a.sync(folder.path());
        let created = if renamed_is_lower {
            b.sync(folder.path());
            b.clock.advance(60);
            b.project("Website")
        } else {
            // B made Website before it ever synced: its id comes from B's first numbers.
            b.project("Website");
            b.sync(folder.path());
            b.count("SELECT id FROM projects WHERE name = 'Website'")
        };
        b.track(
            "2026-11-20T09:00:00Z",
            "2026-11-20T10:00:00Z",
            "design",
            Some("Website"),
        );
        let old = a.count("SELECT id FROM projects WHERE name = 'Old'");
        assert_eq!(old < created, renamed_is_lower);
        // Offline: A renames Old to Website while B has created Website.
        a.clock.advance(120);
        a.svc
            .update_project(
                "Old",
                ProjectChanges {
                    name: Some("Website".into()),
                    ..Default::default()
                },
            )
            .unwrap();
        sync_all(folder.path(), &[&a, &b]);
        assert_eq!(a.dump(), b.dump(), "renamed_is_lower={renamed_is_lower}");
        assert_eq!(
            a.count("SELECT count(*) FROM projects WHERE name = 'Website'"),
            1
        );
        assert_eq!(
            a.count("SELECT id FROM projects WHERE name = 'Website'"),
            old.min(created),
            "the lower id stays"
        );
        assert_eq!(
            b.count(
                "SELECT count(*) FROM tracks WHERE project_id = \
                 (SELECT id FROM projects WHERE name = 'Website')"
            ),
            1,
            "the track follows"
        );
    }
}

/// A project created under one name on two devices, and one of them (the lower id, then the
/// higher) deleted on its device before it saw the other: the two are one project, so every
/// device ends the same, both gone and the tracks kept without a project, whichever id the
/// deleted one had (docs/sync.md, "Concurrent delete of a same-named row"); and a name
/// created again after the delete was seen stays.
#[test]
fn a_same_named_project_deleted_concurrently_ends_the_same_everywhere() {
    for delete_lower in [true, false] {
        let folder = tempfile::tempdir().unwrap();
        let (a, b) = (Device::new(), Device::new());
        a.sync(folder.path());
        b.sync(folder.path());
        let pa = a.project("Website");
        let pb = b.project("Website");
        // The owner of the lower (or higher) id deletes its project before seeing the other;
        // the other logs work on its own.
        let (deleter, gone, worker) = if (pa < pb) == delete_lower {
            (&a, pa, &b)
        } else {
            (&b, pb, &a)
        };
        worker.track(
            "2026-11-20T09:00:00Z",
            "2026-11-20T10:00:00Z",
            "design",
            Some("Website"),
        );
        deleter.clock.advance(60);
        deleter
            .svc
            .delete_project(DeleteProject {
                project: gone.to_string(),
                archive: false,
            })
            .unwrap();
        sync_all(folder.path(), &[&a, &b]);
        assert_eq!(a.dump(), b.dump(), "delete_lower={delete_lower}");
        assert_eq!(a.count("SELECT count(*) FROM tracks"), 1);
        // Either deleted takes the other with it (they are one project); the other device's
        // work stays, without the project.
        let left = a.count("SELECT count(*) FROM projects WHERE name = 'Website'");
        assert_eq!(left, 0, "delete_lower={delete_lower}");
        assert_eq!(
            a.count("SELECT count(*) FROM tracks WHERE project_id IS NULL"),
            1,
            "delete_lower={delete_lower}"
        );
        // Created again now that both know of the delete: it stays, everywhere.
        a.clock.advance(600);
        a.project("Website");
        sync_all(folder.path(), &[&a, &b]);
        assert_eq!(a.dump(), b.dump());
        assert_eq!(
            b.count("SELECT count(*) FROM projects WHERE name = 'Website'"),
            1
        );
    }
}

/// Two databases that each issued invoice numbers before they first synced: both invoices stay,
/// on every device; the one with the higher id gets its device number appended.
#[test]
fn an_invoice_number_issued_on_two_devices_before_they_synced_stays_unique() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    for d in [&a, &b] {
        d.svc
            .create_track(NewTrack {
                description: Some("work".into()),
                billable: Some(true),
                start: "2026-10-05T09:00:00Z".into(),
                end: Some("2026-10-05T10:00:00Z".into()),
                ..Default::default()
            })
            .unwrap();
        let inv = d
            .svc
            .create_invoice(NewInvoice {
                from: "2026-10-01".into(),
                to: "2026-10-31".into(),
                ..Default::default()
            })
            .unwrap();
        d.svc
            .mark_invoice_sent(&inv.id.0.to_string(), None)
            .unwrap();
    }
    sync_all(folder.path(), &[&a, &b]);
    assert_eq!(a.dump(), b.dump());
    assert_eq!(a.count("SELECT count(*) FROM invoices"), 2);
    assert_eq!(
        a.count("SELECT count(*) FROM invoices WHERE number = 'INV-2026-0001'"),
        1
    );
    assert_eq!(
        a.count("SELECT count(*) FROM invoices WHERE number LIKE 'INV-2026-0001-%'"),
        1
    );
    let conn = rusqlite::Connection::open(b.db()).unwrap();
    let decided: i64 = conn
        .query_row(
            "SELECT count(*) FROM sync_decisions WHERE kind = 'renumbered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    let conn_a = rusqlite::Connection::open(a.db()).unwrap();
    let decided_a: i64 = conn_a
        .query_row(
            "SELECT count(*) FROM sync_decisions WHERE kind = 'renumbered'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(decided + decided_a >= 1, "the renumbering is reported");
}

/// Runs `acts` on three devices (device 0 joins first), syncs in `order`, then three rounds,
/// and asserts every device ends with the same data (printing the differences).
fn check_converges(acts: &[(usize, Act)], order: &[usize]) {
    let folder = tempfile::tempdir().unwrap();
    let devices = [Device::new(), Device::new(), Device::new()];
    devices[0].sync(folder.path());
    for (who, a) in acts {
        run(&devices[*who], *who, a, folder.path());
    }
    for who in order {
        devices[*who].sync(folder.path());
    }
    for _ in 0..3 {
        for d in &devices {
            d.sync(folder.path());
        }
    }
    let dumps: Vec<Vec<String>> = devices.iter().map(Device::dump).collect();
    let only = |x: &Vec<String>, y: &Vec<String>| {
        x.iter()
            .filter(|l| !y.contains(l))
            .cloned()
            .collect::<Vec<_>>()
    };
    let decided = |d: &Device| {
        let conn = rusqlite::Connection::open(d.db()).unwrap();
        let v: Vec<String> = conn
            .prepare("SELECT kind || ': ' || detail FROM sync_decisions ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        v
    };
    for i in 1..3 {
        assert!(
            dumps[0] == dumps[i],
            "0 not {i}: {:?}\n{i} not 0: {:?}\n0 decided {:#?}\n{i} decided {:#?}",
            only(&dumps[0], &dumps[i]),
            only(&dumps[i], &dumps[0]),
            decided(&devices[0]),
            decided(&devices[i]),
        );
    }
}

/// Found by `three_devices_converge`: a device that received a project, renamed it and then
/// created one under its old name made a new project, not a twin of the first: every device
/// keeps both.
#[test]
fn a_name_reused_after_renaming_a_received_project_stays_two_rows() {
    use Act::*;
    check_converges(
        &[
            (0, Project(0)),
            (0, Sync),
            (2, Sync),
            (2, Rename { project: 0, to: 0 }),
            (2, Project(0)),
        ],
        &[0, 0, 0],
    );
}

/// Found by `three_devices_converge`: a delete and its undo on one device while another put
/// the track on a draft invoice.
#[test]
fn a_deleted_and_restored_track_on_an_invoice_made_elsewhere_converges() {
    use Act::*;
    let t = || Track {
        day: 0,
        desc: 0,
        project: None,
    };
    check_converges(
        &[
            (0, Project(1)),
            (0, t()),
            (0, Start),
            (0, Sync),
            (0, t()),
            (1, Sync),
            (0, t()),
            (0, Delete { pick: 56 }),
            (0, Undo),
            (1, Invoice),
        ],
        &[1, 1, 1, 1, 2, 1],
    );
}

/// A log copied under another name (anyone who can write to the folder can do that, even
/// without the key) is refused: its name, header and entries must agree, or it would mark
/// changes applied that it does not hold.
#[test]
fn a_log_under_another_name_is_refused_and_marks_nothing_applied() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("First");
    let ra = a.sync(folder.path());
    let dir = folder.path().join(&ra.device_id);
    std::fs::copy(
        dir.join("000000000001-000000000001.stint"),
        dir.join("000000000001-000000000009.stint"),
    )
    .unwrap();
    std::fs::remove_file(dir.join("000000000001-000000000001.stint")).unwrap();
    let rb = b.sync(folder.path());
    assert!(
        rb.problems
            .iter()
            .any(|p| p.contains("is not a log of device")),
        "{rb:?}"
    );
    assert_eq!(b.count("SELECT count(*) FROM projects"), 0);
    assert_eq!(
        b.count("SELECT ifnull(max(applied_seq), 0) FROM sync_peers"),
        0
    );
}

/// A device that started from a snapshot tells, in its logs, what the snapshot held: a name it
/// creates after the snapshot's twin was deleted is a new row on every device.
#[test]
fn a_device_started_from_a_snapshot_knows_what_the_snapshot_held() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.sync(folder.path());
    b.sync(folder.path());
    let foo = a.project("Foo");
    a.clock.advance(60);
    a.svc
        .delete_project(DeleteProject {
            project: foo.to_string(),
            archive: false,
        })
        .unwrap();
    a.svc.sync_compact(folder.path()).unwrap();
    b.sync(folder.path());
    // X joins from A's snapshot, then creates Foo again.
    let x = Device::new();
    let rx = x.sync(folder.path());
    assert!(
        rx.notes
            .iter()
            .any(|n| n.contains("started from the snapshot")),
        "{rx:?}"
    );
    x.clock.advance(600);
    x.project("Foo");
    sync_all(folder.path(), &[&a, &b, &x]);
    for d in [&a, &b, &x] {
        assert_eq!(
            d.count("SELECT count(*) FROM projects WHERE name = 'Foo'"),
            1
        );
    }
    assert_eq!(a.dump(), x.dump());
    assert_eq!(b.dump(), x.dump());
}

/// A device known here whose folder is missing from a scan (a share still being copied) holds
/// back compaction: its logs may still be needed.
#[test]
fn a_device_whose_folder_is_missing_holds_back_compaction() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = (Device::new(), Device::new());
    a.project("One");
    let ra = a.sync(folder.path());
    let rb = b.sync(folder.path());
    a.project("Two");
    a.sync(folder.path());
    b.sync(folder.path());
    a.sync(folder.path());
    let away = folder.path().join(format!("{}.away", rb.device_id));
    std::fs::rename(folder.path().join(&rb.device_id), &away).unwrap();
    a.svc.sync_compact(folder.path()).unwrap();
    let logs = std::fs::read_dir(folder.path().join(&ra.device_id))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().as_bytes()[0].is_ascii_digit())
        .count();
    assert_eq!(logs, 2, "no log removed while B's folder is away");
    std::fs::rename(&away, folder.path().join(&rb.device_id)).unwrap();
    a.svc.sync_compact(folder.path()).unwrap();
    let logs = std::fs::read_dir(folder.path().join(&ra.device_id))
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().as_bytes()[0].is_ascii_digit())
        .count();
    assert!(logs < 2, "B is back and has applied them: they go");
}

/// Found by `three_devices_converge`: an edit made on one device while another deleted the
/// track and brought it back (undo) loses on every device, as the delete won against it where
/// it arrived first.
#[test]
fn an_edit_concurrent_with_a_delete_and_its_undo_loses_everywhere() {
    use Act::*;
    let t = || Track {
        day: 0,
        desc: 0,
        project: None,
    };
    check_converges(
        &[
            (1, t()),
            (1, Sync),
            (0, Sync),
            (0, Delete { pick: 0 }),
            (1, t()),
            (0, Stop),
            (0, Undo),
            (1, Billable { pick: 158 }),
        ],
        &[1, 1, 0, 1, 1, 2, 0],
    );
}

/// Found by `three_devices_converge`: a track logged on a project that another device deleted
/// and brought back (undo) meanwhile loses its project on every device, as the delete let go
/// of it where it arrived first.
#[test]
fn a_reference_to_a_row_deleted_and_brought_back_meanwhile_converges() {
    use Act::*;
    check_converges(
        &[
            (1, Project(0)),
            (1, Sync),
            (2, Sync),
            (
                1,
                Track {
                    day: 0,
                    desc: 0,
                    project: Some(0),
                },
            ),
            (2, DeleteProject(0)),
            (2, Undo),
        ],
        &[0, 0, 0],
    );
}

/// A key is URL-safe base64, so one in 64 begins with '-': `stint sync key set` takes it as
/// the key, not as a flag (it used to answer "unexpected argument").
#[test]
fn a_key_that_begins_with_a_dash_is_set_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let key = "-AcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwcHBwc";
    let (ok, _, err) = super::util::stint(&["sync", "key", "set", key])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, out, err) = super::util::stint(&["sync", "key", "show"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert_eq!(out.trim(), key);
}
