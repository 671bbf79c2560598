//! The decisions of a round through a server, table by table (each `check` takes the two
//! listings and the whole answer expected), then one round against an in-memory hub.

use std::cell::RefCell;
use std::collections::BTreeMap;

use super::*;
use crate::file::{FORMAT_VERSION, Header, KIND_DEVICE, encode_device, seal_file};

const ME: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccc";
const L1: &str = "000000000001-000000000005.stint";
const L2: &str = "000000000006-000000000009.stint";
const L12: &str = "000000000001-000000000009.stint";
const S9: &str = "snapshot-000000000009.stint";
const DEV: &str = "device.stint";

fn dev(d: &str) -> DeviceId {
    DeviceId::parse(d).expect("a device id")
}

fn file(n: &str) -> SyncFile {
    n.parse().expect("a sync file name")
}

/// A mirror listing from `(device, name, size, sum)`.
fn mirror(files: &[(&str, &str, u64, &str)]) -> Vec<HubFile> {
    files
        .iter()
        .map(|&(d, n, size, sum)| HubFile {
            device: dev(d),
            file: file(n),
            size,
            sum: sum.to_owned(),
        })
        .collect()
}

/// A hub listing (server `C`) from `(device, name, size, sum)`.
fn hub(files: &[(&str, &str, u64, &str)]) -> HubListing {
    HubListing {
        device_id: dev(C),
        files: mirror(files),
    }
}

fn pairs(v: &[(&str, &str)]) -> Vec<(DeviceId, SyncFile)> {
    v.iter().map(|&(d, n)| (dev(d), file(n))).collect()
}

fn names(files: &[SyncFile]) -> Vec<String> {
    files.iter().map(SyncFile::to_string).collect()
}

#[test]
fn uploads_send_what_the_hub_lacks_or_has_otherwise_and_the_device_file_last() {
    type Files<'a> = &'a [(&'a str, &'a str, u64, &'a str)];
    let check = |mine: Files<'_>, theirs: Files<'_>, expected: &[&str]| {
        let mine = mirror(mine);
        let got: Vec<String> = uploads(&dev(ME), &mine, &hub(theirs))
            .into_iter()
            .map(|f| f.file.to_string())
            .collect();
        assert_eq!(got, expected, "mine {mine:?}, theirs {theirs:?}");
    };
    // Nothing on the hub: everything, device.stint last.
    check(
        &[(ME, DEV, 10, "d"), (ME, L1, 100, "x"), (ME, L2, 50, "y")],
        &[],
        &[L1, L2, DEV],
    );
    // Same size and checksum: not sent again; device.stint always.
    check(
        &[(ME, DEV, 10, "d"), (ME, L1, 100, "x")],
        &[(ME, DEV, 10, "d"), (ME, L1, 100, "x")],
        &[DEV],
    );
    // Re-sealed with a new key: same size, another checksum; or another size.
    check(
        &[(ME, L1, 100, "x2"), (ME, L2, 50, "y")],
        &[(ME, L1, 100, "x"), (ME, L2, 49, "y")],
        &[L1, L2],
    );
    // Other devices' files in the mirror never go up, whatever the hub has.
    check(&[(B, L1, 100, "x"), (ME, L2, 5, "y")], &[], &[L2]);
    // The same name under another device on the hub is not this device's file.
    check(&[(ME, L1, 100, "x")], &[(B, L1, 100, "x")], &[L1]);
}

#[test]
fn the_server_loses_a_file_only_when_the_mirror_holds_one_that_covers_it() {
    let check = |mine: &[&str], theirs: &[&str], expected: &[&str]| {
        let m: Vec<_> = mine.iter().map(|n| (ME, *n, 1, "s")).collect();
        let t: Vec<_> = theirs.iter().map(|n| (ME, *n, 1, "s")).collect();
        assert_eq!(
            names(&server_removals(&dev(ME), &mirror(&m), &hub(&t))),
            expected,
            "mine {mine:?}, theirs {theirs:?}"
        );
    };
    // Compacted into one longer log, or into a snapshot.
    check(&[L12, DEV], &[L1, L2, DEV], &[L1, L2]);
    check(&[S9, DEV], &[L1, L2, S9, DEV], &[L1, L2]);
    // A mirror deleted by hand takes nothing along.
    check(&[], &[L1, L2, DEV], &[]);
    check(&[L2], &[L1, L2], &[]);
    // device.stint is never removed; another device's files are not this device's.
    check(&[S9], &[DEV], &[]);
    let other = server_removals(
        &dev(ME),
        &mirror(&[(ME, S9, 1, "s")]),
        &hub(&[(B, L1, 1, "s")]),
    );
    assert_eq!(other, Vec::<SyncFile>::new());
}

#[test]
fn covered_files_are_those_a_longer_log_or_a_later_snapshot_holds() {
    let log = "000000000003-000000000005.stint";
    let cases: &[(&str, &[&str], bool)] = &[
        (log, &[log, "000000000001-000000000009.stint"], true),
        (log, &["snapshot-000000000005.stint"], true),
        (log, &[log, "000000000006-000000000007.stint"], false),
        (log, &["000000000004-000000000009.stint"], false),
        (log, &["snapshot-000000000004.stint", DEV], false),
        (DEV, &["snapshot-000000000009.stint"], false),
        (
            "snapshot-000000000004.stint",
            &["snapshot-000000000009.stint"],
            true,
        ),
        (log, &[log], false),
    ];
    for (name, names, expected) in cases {
        let covered = names.iter().any(|n| file(name).covered_by(file(n)));
        assert_eq!(covered, *expected, "{name} in {names:?}");
    }
    use stint_store::sync::{Seq, SeqRange};
    let range = |first, last| SeqRange::new(Seq::new(first)?, Seq::new(last)?);
    assert_eq!(file(L2).covers(), range(6, 9));
    assert_eq!(file(S9).covers(), range(1, 9));
    assert_eq!(file(DEV).covers(), None);
    assert_eq!(
        [DEV, L1, S9].map(|n| file(n).kind()),
        [
            KIND_DEVICE,
            crate::file::KIND_LOG,
            crate::file::KIND_SNAPSHOT
        ]
    );
}

#[test]
fn downloads_fetch_what_the_mirror_lacks_and_leftovers_go() {
    type Files<'a> = &'a [(&'a str, &'a str, u64, &'a str)];
    let check =
        |mine: Files<'_>, theirs: Files<'_>, get: &[(&str, &str)], gone: &[(&str, &str)]| {
            let (m, t) = (mirror(mine), hub(theirs));
            assert_eq!(
                downloads(&dev(ME), &m, &t),
                pairs(get),
                "get: {mine:?} / {theirs:?}"
            );
            assert_eq!(
                mirror_removals(&dev(ME), &m, &t),
                pairs(gone),
                "gone: {mine:?} / {theirs:?}"
            );
        };
    // An empty mirror: every other device's file, in the hub's order; never this device's.
    check(
        &[],
        &[
            (B, DEV, 1, "d"),
            (B, L1, 9, "x"),
            (ME, L1, 9, "x"),
            (C, S9, 5, "s"),
        ],
        &[(B, DEV), (B, L1), (C, S9)],
        &[],
    );
    // What the mirror has as listed stays; device.stint is fetched each time.
    check(
        &[(B, DEV, 1, "d"), (B, L1, 9, "x")],
        &[(B, DEV, 1, "d"), (B, L1, 9, "x"), (B, L2, 3, "y")],
        &[(B, DEV), (B, L2)],
        &[],
    );
    // Another checksum: fetched again. Unlisted now (compacted on the server): removed.
    check(
        &[(B, L1, 9, "x"), (B, L2, 3, "y"), (ME, L1, 9, "x")],
        &[(B, L1, 9, "x2"), (B, S9, 7, "s")],
        &[(B, L1), (B, S9)],
        &[(B, L2)],
    );
    // A mirror file the hub does not list at all goes; nothing is fetched. (A listing whose
    // paths name no device or no sync file is refused where it is read: see
    // `a_listing_is_read_whole_or_refused` in `http`.)
    check(&[(B, L1, 9, "x")], &[], &[], &[(B, L1)]);
}

#[test]
fn a_server_is_refused_when_it_is_this_database_or_not_the_one_it_is_bound_to() {
    let url = "http://h:1";
    let me = dev(ME);
    let local = |folder: Option<&'static str>| Local {
        device_id: &me,
        folder,
    };
    let check = |l: Local<'_>, server: &str, bound: Option<&str>, expected: Result<(), &str>| {
        let got =
            check_server(l, url, &dev(server), bound, "http://old:2").map_err(|e| e.to_string());
        assert_eq!(
            got,
            expected.map_err(str::to_owned),
            "{server} bound {bound:?}"
        );
    };
    check(local(None), B, None, Ok(()));
    check(local(Some("/m")), B, Some(B), Ok(()));
    // The id kept in the mirror is compared without regard to case.
    check(local(Some("/m")), B, Some(&B.to_ascii_uppercase()), Ok(()));
    // Bound to another server, but not syncing yet (a failed first sync): not binding.
    check(local(None), B, Some(C), Ok(()));
    check(
        local(None),
        ME,
        None,
        Err("http://h:1 serves this very database; sync from another device's database"),
    );
    check(
        local(Some("/m")),
        B,
        Some(C),
        Err(
            "http://h:1 serves another database (device bbbbbbbb) than the server this \
             database syncs with (device cccccccc, last at http://old:2); a database syncs \
             with one server: sync with that one (a server that moved keeps its device), or \
             start from a new database to sync with http://h:1",
        ),
    );
    assert!(check_folder(local(None), Path::new("/m"), url).is_ok());
    assert!(check_folder(local(Some("/m")), Path::new("/m"), url).is_ok());
    assert_eq!(
        check_folder(local(Some("/f")), Path::new("/m"), url)
            .unwrap_err()
            .to_string(),
        "this database syncs through the folder /f; keep syncing with `stint sync /f` (a \
         database syncs through one folder), or start from a new database to sync with \
         http://h:1"
    );
}

#[test]
fn a_token_is_kept_for_its_own_server_only() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("db.sync-remote");
    assert_eq!(kept_token(&mirror, "http://h:1"), None);
    remember_token(&mirror, " http://h:1 ", " s3cret\n").unwrap();
    assert_eq!(
        std::fs::read_to_string(mirror.join(".server-token")).unwrap(),
        "http://h:1\ns3cret\n"
    );
    assert_eq!(kept_token(&mirror, "http://h:1"), Some("s3cret".to_owned()));
    assert_eq!(kept_token(&mirror, "http://other:1"), None);
    remember_token(&mirror, "http://h:1", &"x".repeat(1_001)).unwrap();
    assert_eq!(kept_token(&mirror, "http://h:1"), None);
}

#[test]
fn the_server_url_counts_only_in_the_mirror_the_database_syncs_through() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("db.sync-remote");
    std::fs::create_dir(&mirror).unwrap();
    std::fs::write(mirror.join(".server-url"), "http://u:p@h:1\n").unwrap();
    let canon = std::fs::canonicalize(&mirror).unwrap();
    let canon = canon.to_str().unwrap();
    assert_eq!(
        server_url(&mirror, Some(canon)),
        Some("http://h:1".to_owned())
    );
    assert_eq!(server_url(&mirror, None), None);
    assert_eq!(server_url(&mirror, Some("/elsewhere")), None);
    std::fs::write(mirror.join(".server-url"), "\n").unwrap();
    assert_eq!(server_url(&mirror, Some(canon)), None);
}

#[test]
fn a_round_reports_its_server_part_in_the_local_report() {
    let report = RemoteSyncReport {
        url: "http://h:1".to_owned(),
        local: SyncReport {
            notes: vec!["n".to_owned()],
            problems: vec!["p".to_owned()],
            ..SyncReport::default()
        },
        server: vec![SyncReport {
            decisions: vec!["d".to_owned()],
            problems: vec!["q".to_owned()],
            ..SyncReport::default()
        }],
        uploaded: 2,
        downloaded: 3,
        problems: vec!["r".to_owned()],
        ..RemoteSyncReport::default()
    };
    let local = report.into_local();
    assert_eq!(
        local.notes,
        [
            "n",
            "through the server http://h:1: sent 2 file(s), received 3 file(s)"
        ]
    );
    assert_eq!(local.decisions, ["on the server: d"]);
    assert_eq!(local.problems, ["p", "on the server: q", "r"]);
}

// ----- one round against an in-memory hub -----------------------------------------------------

/// A hub holding `<dev>/<name>` → bytes, and what it was asked.
struct MemHub {
    files: RefCell<BTreeMap<String, Vec<u8>>>,
    calls: RefCell<Vec<String>>,
}

impl HubTransport for MemHub {
    fn url(&self) -> &str {
        "http://mem:1"
    }
    fn list(&self) -> Result<HubListing> {
        self.calls.borrow_mut().push("list".to_owned());
        let files = self.files.borrow();
        let files = files.iter().map(|(p, b)| {
            let (device, file) = parse_hub_file_path(p)?;
            Ok(HubFile {
                device,
                file,
                size: b.len() as u64,
                sum: String::new(),
            })
        });
        Ok(HubListing {
            device_id: dev(C),
            files: files.collect::<Result<_>>()?,
        })
    }
    fn get(&self, dev: &DeviceId, name: &SyncFile) -> Result<Vec<u8>> {
        self.calls.borrow_mut().push(format!("get {dev}/{name}"));
        let f = self.files.borrow().get(&format!("{dev}/{name}")).cloned();
        f.ok_or_else(|| SyncError::NotFound(format!("no {dev}/{name}")))
    }
    fn put(&self, dev: &DeviceId, name: &SyncFile, bytes: &[u8]) -> Result<()> {
        self.calls.borrow_mut().push(format!("put {dev}/{name}"));
        let path = format!("{dev}/{name}");
        self.files.borrow_mut().insert(path, bytes.to_vec());
        Ok(())
    }
    fn delete(&self, dev: &DeviceId, name: &SyncFile) -> Result<()> {
        self.calls.borrow_mut().push(format!("delete {dev}/{name}"));
        self.files.borrow_mut().remove(&format!("{dev}/{name}"));
        Ok(())
    }
    fn apply(&self) -> Result<SyncReport> {
        self.calls.borrow_mut().push("apply".to_owned());
        Ok(SyncReport::default())
    }
}

/// A whole device file of `dev`.
fn device_file(dev: &str) -> Vec<u8> {
    let h = Header {
        format: FORMAT_VERSION,
        schema: store::SCHEMA_VERSION as u32,
        device_id: dev.to_owned(),
        device_no: 1,
        kind: KIND_DEVICE,
        first_seq: 0,
        last_seq: 0,
        body_len: 0,
    };
    seal_file(&h, &encode_device("laptop", &[]), None).unwrap()
}

#[test]
fn a_round_uploads_applies_downloads_syncs_locally_and_uploads_again() {
    let dir = tempfile::tempdir().unwrap();
    let mirror = dir.path().join("db.sync-remote");
    let mine = mirror.join(ME);
    std::fs::create_dir_all(&mine).unwrap();
    std::fs::write(mine.join(L1), b"my log").unwrap();
    let stale = mirror.join(B).join(L1);
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    std::fs::write(&stale, b"compacted away").unwrap();
    let hub = MemHub {
        files: RefCell::new(BTreeMap::from([
            (format!("{B}/{DEV}"), device_file(B)),
            (format!("{B}/{L2}"), b"cut".to_vec()),
        ])),
        calls: RefCell::new(Vec::new()),
    };
    let me = dev(ME);
    let local = Local {
        device_id: &me,
        folder: None,
    };
    // The local sync writes this device's device file, as a folder sync does.
    let mut local_sync = |m: &Path| -> Result<SyncReport> {
        assert!(m.join(B).join(DEV).is_file(), "downloads come before it");
        std::fs::write(m.join(ME).join(DEV), b"my device").unwrap();
        Ok(SyncReport {
            device_id: ME.to_owned(),
            ..SyncReport::default()
        })
    };
    let r = sync(&hub, &mirror, local, &mut local_sync).unwrap();
    let put = |n: &str| format!("put {ME}/{n}");
    let get = |n: &str| format!("get {B}/{n}");
    assert_eq!(
        *hub.calls.borrow(),
        [
            "list",
            &put(L1),
            "apply",
            "list",
            &get(L2),
            &get(DEV),
            &put(DEV),
            "apply"
        ]
    );
    assert_eq!((r.uploaded, r.downloaded, r.removed), (2, 1, 1));
    assert_eq!(r.server_device_id, C);
    assert_eq!(r.server.len(), 2);
    assert_eq!(r.problems.len(), 1, "{:?}", r.problems);
    assert!(r.problems[0].starts_with(&format!("{B}/{L2} from the server is not whole (")));
    assert_eq!(
        std::fs::read(mirror.join(B).join(DEV)).unwrap(),
        device_file(B)
    );
    assert!(!mirror.join(B).join(L2).exists() && !stale.exists());
    assert_eq!(
        std::fs::read_to_string(mirror.join(".server-url")).unwrap(),
        "http://mem:1\n"
    );
    assert_eq!(
        std::fs::read_to_string(mirror.join(".server-device")).unwrap(),
        format!("{C}\n")
    );
}

#[test]
fn a_path_from_the_wire_is_parsed_once_or_refused_with_what_it_must_be() {
    let check = |path: &str, expected: Result<(&str, &str), &str>| {
        let got = parse_hub_file_path(path)
            .map(|(d, f)| (d.to_string(), f.to_string()))
            .map_err(|e| e.to_string());
        let expected = expected
            .map(|(d, f)| (d.to_owned(), f.to_owned()))
            .map_err(str::to_owned);
        assert_eq!(got, expected, "{path:?}");
    };
    check(&format!("{B}/{L1}"), Ok((B, L1)));
    // A device id in upper case names the same device, in lower case.
    check(&format!("{}/{S9}", B.to_uppercase()), Ok((B, S9)));
    check(
        &format!("{B}/x/{DEV}"),
        Err("\"x/device.stint\" is not a sync file name (device.stint, \
             NNNNNNNNNNNN-NNNNNNNNNNNN.stint or snapshot-NNNNNNNNNNNN.stint)"),
    );
    check(
        &format!("../{DEV}"),
        Err("\"..\" is not a device id (32 hex digits)"),
    );
    check(
        DEV,
        Err("\"device.stint\" is not a path <device id>/<file name>"),
    );
    // What is quoted is cut to 64 characters.
    let long = "a".repeat(1_000);
    let quoted = format!("\"{}\"", "a".repeat(64));
    check(
        &format!("{long}/{DEV}"),
        Err(&format!("{quoted} is not a device id (32 hex digits)")),
    );
    assert!(matches!(
        parse_hub_path(B, "1-1.stint"),
        Err(SyncError::Invalid(_))
    ));
}
