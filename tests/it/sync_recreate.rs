//! Issue 19's re-creation family (docs/sync.md, "Names: claims and classes"): a name created
//! again, or renamed away, on one device while another device created or deleted it. Every
//! case is played in every arrival order, and for both orders of the device numbers that
//! decide which of the rows that meet has the lower id; all devices must end with the same
//! whole export (`stint db export --json`), and with the projects the rule gives.

use std::path::Path;

use stint::service::{DeleteProject, NewProject, ProjectChanges};

use super::sync_converge::{Device, export_diff};

fn create(d: &Device, name: &str) {
    d.svc
        .create_project(NewProject {
            name: name.into(),
            ..Default::default()
        })
        .unwrap();
}

fn delete(d: &Device, name: &str) {
    d.svc
        .delete_project(DeleteProject {
            project: name.into(),
            archive: false,
        })
        .unwrap();
}

fn rename(d: &Device, from: &str, to: &str) {
    d.svc
        .update_project(
            from,
            ProjectChanges {
                name: Some(to.into()),
                ..Default::default()
            },
        )
        .unwrap();
}

/// The names of `d`'s projects, sorted.
fn names(d: &Device) -> Vec<String> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    conn.prepare("SELECT name FROM projects ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Every order of `0..n`.
fn orders(n: usize) -> Vec<Vec<usize>> {
    if n == 1 {
        return vec![vec![0]];
    }
    let mut out = Vec::new();
    for rest in orders(n - 1) {
        for at in 0..=rest.len() {
            let mut o = rest.clone();
            o.insert(at, n - 1);
            out.push(o);
        }
    }
    out
}

/// Plays one case: `n` devices join an empty folder, `offline` makes their changes (it may
/// sync some of them), then they sync in `order`; device 0 writes a snapshot, a new device
/// joins (from it: the claims it carries decide later changes there), and all sync three more
/// full rounds. Returns whether device `pair.0`'s number is below device `pair.1`'s, and what
/// went wrong (empty: the devices, the joiner included, agree and hold `expected`).
fn play(
    n: usize,
    offline: &dyn Fn(&[Device], &Path),
    order: &[usize],
    pair: (usize, usize),
    expected: &[&str],
) -> (bool, String) {
    let folder = tempfile::tempdir().unwrap();
    let mut devices: Vec<Device> = (0..n).map(|_| Device::new()).collect();
    for d in &devices {
        d.sync(folder.path());
    }
    let no = |i: usize| devices[i].svc.sync_status().unwrap().device_no.unwrap();
    let lower = no(pair.0) < no(pair.1);
    offline(&devices, folder.path());
    for who in order {
        devices[*who].sync(folder.path());
    }
    devices[0].svc.sync_compact(folder.path()).unwrap();
    let joiner = Device::new();
    joiner.sync(folder.path());
    devices.push(joiner);
    for _ in 0..3 {
        for d in &devices {
            d.sync(folder.path());
        }
    }
    let exports: Vec<_> = devices.iter().map(Device::export).collect();
    let mut wrong = String::new();
    for (i, e) in exports.iter().enumerate().skip(1) {
        let diff = export_diff(&exports[0], e);
        if !diff.is_empty() {
            wrong.push_str(&format!("device 0 and device {i} differ:\n{diff}"));
        }
    }
    for (i, d) in devices.iter().enumerate() {
        let got = names(d);
        if got != expected {
            wrong.push_str(&format!(
                "device {i} holds projects {got:?}, not {expected:?}\n"
            ));
        }
    }
    (lower, wrong)
}

/// Plays `offline` in every arrival order, each until both orders of the numbers of devices
/// `pair` were seen (numbers are random per run), and asserts that every run converged on
/// `expected`.
fn check_every_order(
    n: usize,
    offline: &dyn Fn(&[Device], &Path),
    pair: (usize, usize),
    expected: &[&str],
) {
    let mut failures = String::new();
    for order in orders(n) {
        let mut seen = [false, false];
        let mut runs = 0;
        while !(seen[0] && seen[1]) {
            assert!(
                runs < 24,
                "24 runs of order {order:?} gave one order of the device numbers only"
            );
            runs += 1;
            let (lower, wrong) = play(n, offline, &order, pair, expected);
            if seen[usize::from(lower)] {
                continue;
            }
            seen[usize::from(lower)] = true;
            if !wrong.is_empty() {
                failures.push_str(&format!(
                    "order {order:?}, device {} numbered {} device {}:\n{wrong}\n",
                    pair.0,
                    if lower { "below" } else { "above" },
                    pair.1
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{failures}");
}

/// Device 0 creates "Alpha", deletes it and creates "Alpha" again; device 1, not synced
/// meanwhile, creates "Alpha" and deletes it (CI seed b1418f…). The two first rows were
/// created concurrently: one row, deleted. The second "Alpha" of device 0 was created after
/// it knew its first was gone: a new row, kept everywhere.
#[test]
fn a_name_created_again_after_its_delete_while_another_device_created_and_deleted_it_is_kept() {
    check_every_order(
        2,
        &|d, _| {
            create(&d[0], "Alpha");
            delete(&d[0], "Alpha");
            create(&d[0], "Alpha");
            create(&d[1], "Alpha");
            delete(&d[1], "Alpha");
        },
        (0, 1),
        &["Alpha"],
    );
}

/// Device 0 creates "Alpha", renames it "Omega" and creates "Alpha" again; device 1, not
/// synced meanwhile, creates "Alpha" (CI seed 8ec6d1…). Device 1's row and device 0's first
/// were created concurrently: one row, renamed "Omega". Device 0's second "Alpha" was
/// created after it knew the name was free: a row of its own.
#[test]
fn a_name_renamed_away_and_created_again_while_another_device_created_it_is_two_rows() {
    check_every_order(
        2,
        &|d, _| {
            create(&d[0], "Alpha");
            rename(&d[0], "Alpha", "Omega");
            create(&d[0], "Alpha");
            create(&d[1], "Alpha");
        },
        (0, 1),
        &["Alpha", "Omega"],
    );
}

/// Device 0 creates "Beta" and devices 0 and 1 sync; then device 0 renames it "Gamma",
/// device 1 deletes it, and device 2, which never saw it, creates "Beta" (CI seed e42e62…).
/// Device 2's "Beta" and device 0's were created concurrently: one row, which device 1
/// deleted (a delete wins over the rename), whichever of the two has the lower id.
#[test]
fn a_shared_name_renamed_on_one_device_deleted_on_a_second_and_created_on_a_third_is_gone() {
    check_every_order(
        3,
        &|d, folder| {
            create(&d[0], "Beta");
            d[0].sync(folder);
            d[1].sync(folder);
            for x in d {
                x.clock.advance(10);
            }
            rename(&d[0], "Beta", "Gamma");
            delete(&d[1], "Beta");
            create(&d[2], "Beta");
        },
        (0, 2),
        &[],
    );
}

/// Device 0 renames project "Old" (every device has it) to "New", device 1 deletes it, and
/// device 2 creates "New". The rename and device 2's "New" claimed the name concurrently: one
/// row, which device 1's delete (made without knowing of either) takes with it, on every
/// device, also where the rename arrives after the delete.
#[test]
fn a_row_renamed_into_a_name_created_elsewhere_and_deleted_on_a_third_device_takes_it_along() {
    check_every_order(
        3,
        &|d, folder| {
            create(&d[0], "Old");
            for x in d {
                x.sync(folder);
            }
            for x in d {
                x.clock.advance(10);
            }
            rename(&d[0], "Old", "New");
            delete(&d[1], "Old");
            create(&d[2], "New");
        },
        (0, 2),
        &[],
    );
}

/// A claim whose stored `known` does not read is an error naming the table, column and row,
/// never taken as "knew nothing"; nothing of the file is applied.
#[test]
fn an_unreadable_claim_knowledge_is_a_clear_error() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b, c) = (Device::new(), Device::new(), Device::new());
    for d in [&a, &b, &c] {
        d.sync(folder.path());
    }
    create(&a, "Alpha");
    create(&c, "Alpha");
    a.sync(folder.path());
    b.sync(folder.path());
    let conn = rusqlite::Connection::open(b.db()).unwrap();
    let n = conn
        .execute("UPDATE sync_created SET known = 'not a device:12'", [])
        .unwrap();
    assert_eq!(n, 1);
    drop(conn);
    c.sync(folder.path());
    let err = b.svc.sync_folder(folder.path()).unwrap_err().to_string();
    assert!(
        err.contains("sync_created.known") && err.contains("\"not a device:12\""),
        "{err}"
    );
    assert_eq!(b.count("SELECT count(*) FROM projects"), 1);
}
