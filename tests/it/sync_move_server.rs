//! No one-way doors between a folder and a server (issue 19, item 5): `stint sync --move URL`
//! takes a device from a shared folder to `stint serve` without starting over, `--move DIR`
//! takes it back to a folder, and a move that fails changes nothing.

use std::path::Path;

use stint::service::{HubListing, HubTransport, NewTrack, RemoteSyncReport, SyncReport};
use stint::store::sync::DeviceId;
use stint::sync::SyncFile;

use super::sync_converge::{Device, InProcessHub, assert_same};

fn track(d: &Device, what: &str, day: u32) -> i64 {
    d.clock.advance(60);
    d.svc
        .create_track(NewTrack {
            description: Some(what.into()),
            project: Some("Website".into()),
            start: format!("2026-11-{day:02}T09:00:00Z"),
            end: Some(format!("2026-11-{day:02}T10:00:00Z")),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0
}

fn folder_of(d: &Device) -> Option<String> {
    d.svc.sync_status().unwrap().folder
}

fn ids(d: &Device) -> Vec<i64> {
    let conn = rusqlite::Connection::open(d.db()).unwrap();
    conn.prepare("SELECT id FROM tracks ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// Moves `d` to the server, or says it was refused because a device of the server has its
/// number (device numbers are random: the caller tries again with new devices).
fn move_to(d: &Device, server: &Device) -> Option<RemoteSyncReport> {
    match d.svc.sync_move_to_server(&InProcessHub(&server.svc)) {
        Ok(r) => Some(r),
        Err(e) if e.to_string().contains("uses this device's number") => {
            // Refused before anything changed.
            assert!(d.svc.sync_server_url().unwrap().is_none());
            None
        }
        Err(e) => panic!("move refused: {e}"),
    }
}

/// Two devices of a shared folder and two of a server (the server's own database and one
/// syncing with it), each with tracks of its own; the folder's devices move to the server.
/// Returns `None` when the random device numbers clashed (the move was refused).
fn folder_devices_move_to_a_server() -> Option<()> {
    let folder = tempfile::tempdir().unwrap();
    let (a, b, server, c) = (Device::new(), Device::new(), Device::new(), Device::new());
    for d in [&a, &b, &server, &c] {
        d.svc
            .create_project(stint::service::NewProject {
                name: "Website".into(),
                ..Default::default()
            })
            .unwrap();
    }
    track(&a, "on a", 2);
    track(&b, "on b", 3);
    track(&server, "on the server", 4);
    track(&c, "on c", 5);
    for d in [&a, &b, &a] {
        d.sync(folder.path());
    }
    c.svc.sync_remote(&InProcessHub(&server.svc)).unwrap();
    let a_ids = ids(&a);

    let moved = move_to(&a, &server)?;
    assert!(
        moved.local.notes[0].starts_with("moved from "),
        "{:?}",
        moved.local.notes
    );
    assert_eq!(
        a.svc.sync_server_url().unwrap().as_deref(),
        Some("http://in-process.test:1")
    );
    // Without starting over: a keeps its ids (and has the server's tracks now), and its
    // history (b's track too) goes with it.
    let now = ids(&a);
    assert!(
        a_ids.iter().all(|i| now.contains(i)),
        "{a_ids:?} -> {now:?}"
    );
    assert!(now.len() > a_ids.len());
    move_to(&b, &server)?;
    let late = track(&a, "after the move", 6);
    for _ in 0..2 {
        for d in [&a, &b, &c] {
            d.svc.sync_remote(&InProcessHub(&server.svc)).unwrap();
        }
    }
    assert_same(&[&a, &b, &server, &c]);
    assert!(ids(&c).contains(&late));
    Some(())
}

#[test]
fn a_folders_devices_move_to_a_server_without_starting_over() {
    let moved = (0..8).any(|_| folder_devices_move_to_a_server().is_some());
    assert!(
        moved,
        "eight tries, and every one met a device number in use"
    );
}

#[test]
fn a_device_of_a_server_moves_back_to_a_folder_without_starting_over() {
    let (server, c) = (Device::new(), Device::new());
    track_in_project(&c, "on c");
    c.svc.sync_remote(&InProcessHub(&server.svc)).unwrap();
    let c_ids = ids(&c);
    let folder = tempfile::tempdir().unwrap();
    let r: SyncReport = c.svc.sync_move(folder.path()).unwrap();
    assert!(r.notes[0].starts_with("moved from "), "{:?}", r.notes);
    assert_eq!(c.svc.sync_server_url().unwrap(), None);
    assert_eq!(ids(&c), c_ids);
    let e = Device::new();
    e.sync(folder.path());
    track(&c, "after the move", 7);
    c.sync(folder.path());
    e.sync(folder.path());
    assert_same(&[&c, &e]);
}

fn track_in_project(d: &Device, what: &str) {
    d.svc
        .create_project(stint::service::NewProject {
            name: "Website".into(),
            ..Default::default()
        })
        .unwrap();
    track(d, what, 2);
}

/// A hub whose apply fails: the move stops after this device's files were sent.
struct FailingApply<'a>(InProcessHub<'a>);

impl HubTransport for FailingApply<'_> {
    fn url(&self) -> &str {
        self.0.url()
    }
    fn list(&self) -> stint::sync::Result<HubListing> {
        self.0.list()
    }
    fn get(&self, dev: &DeviceId, name: &SyncFile) -> stint::sync::Result<Vec<u8>> {
        self.0.get(dev, name)
    }
    fn put(&self, dev: &DeviceId, name: &SyncFile, bytes: &[u8]) -> stint::sync::Result<()> {
        self.0.put(dev, name, bytes)
    }
    fn delete(&self, dev: &DeviceId, name: &SyncFile) -> stint::sync::Result<()> {
        self.0.delete(dev, name)
    }
    fn apply(&self) -> stint::sync::Result<SyncReport> {
        Err(stint::sync::SyncError::Refused("the server stopped".into()))
    }
}

#[test]
fn a_move_that_fails_leaves_the_device_where_it_synced() {
    let folder = tempfile::tempdir().unwrap();
    let (a, server) = (Device::new(), Device::new());
    track_in_project(&a, "on a");
    a.sync(folder.path());
    let before = folder_of(&a);
    let mirror = Path::new(&a.db()).with_file_name("stint.db.sync-remote");

    // The server is this very database (it serves the folder it syncs through).
    let e = a
        .svc
        .sync_move_to_server(&InProcessHub(&a.svc))
        .unwrap_err();
    assert!(e.to_string().contains("this very database"), "{e}");
    assert_eq!(folder_of(&a), before);
    assert!(!mirror.exists());

    // The server fails half-way.
    let e = a
        .svc
        .sync_move_to_server(&FailingApply(InProcessHub(&server.svc)))
        .unwrap_err();
    assert!(e.to_string().contains("the server stopped"), "{e}");
    assert_eq!(folder_of(&a), before);
    assert_eq!(a.svc.sync_server_url().unwrap(), None);
    assert!(!mirror.exists());
    // And it still syncs where it did.
    track(&a, "later", 3);
    let r = a.sync(folder.path());
    assert_eq!(r.published, 1, "{r:?}");
}
