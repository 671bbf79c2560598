//! The decisions of a folder sync, table by table: each `check` takes what was read and the
//! whole answer expected.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

const ME: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
const C: &str = "cccccccccccccccccccccccccccccccc";

/// Device `id` (number `no`) in the folder with logs `logs`, its newest snapshot at `snapshot`,
/// having applied `acks` and published up to `published`.
fn remote(
    id: &str,
    no: i64,
    logs: &[(i64, i64)],
    snapshot: Option<i64>,
    acks: &[(&str, i64)],
    published: i64,
) -> Remote {
    let dir = PathBuf::from("/sync").join(id);
    Remote {
        id: dev(id),
        no: DeviceNo::new(no),
        name: format!("dev-{no}"),
        logs: logs
            .iter()
            .map(|&(f, l)| (range(f, l), dir.join(format!("{f}-{l}.stint"))))
            .collect(),
        snapshot: snapshot.map(|s| (seq(s), dir.join(format!("snapshot-{s}.stint")))),
        acks: acks.iter().map(|&(d, s)| (d.to_owned(), seq(s))).collect(),
        published: seq(published),
        problem: None,
        dir,
    }
}

fn here(no: Option<i64>, synced_before: bool, empty: bool, unpublished: i64) -> Here {
    Here {
        device_id: dev(ME),
        device_no: no.map(n),
        synced_before,
        empty,
        unpublished,
        peer_numbers: Vec::new(),
    }
}

fn all_but(used: &[i64]) -> Vec<DeviceNo> {
    (0..64).filter(|u| !used.contains(u)).map(n).collect()
}

/// Device id `id` (32 hex digits).
fn dev(id: &str) -> DeviceId {
    DeviceId::parse(id).expect("a device id")
}

/// Sequence number `n` (0..).
fn seq(n: i64) -> Seq {
    Seq::new(n).expect("a sequence number")
}

/// The log range `first..=last`.
fn range(first: i64, last: i64) -> SeqRange {
    SeqRange::new(seq(first), seq(last)).expect("a log range")
}

/// Device number `no` (0..64).
fn n(no: i64) -> DeviceNo {
    DeviceNo::new(no).expect("a device number")
}

/// The steps after joining and publishing, the same on every sync.
fn tail(when: SnapshotWhen) -> Vec<Step> {
    vec![
        Step::Apply,
        Step::FlagTimers,
        Step::WriteDeviceFile,
        Step::Snapshot(when),
        Step::Compact,
    ]
}

fn check(here: &Here, remotes: &[Remote], req: Request, expected: Result<Vec<Step>, String>) {
    assert_eq!(
        plan(here, remotes, req).map(|p| p.steps),
        expected,
        "plan of {here:?} with {} device(s), {req:?}",
        remotes.len()
    );
}

#[test]
fn a_first_sync_of_an_empty_database_joins_from_the_snapshots_in_the_folder() {
    let remotes = [
        remote(B, 3, &[(1, 10)], Some(10), &[], 10),
        remote(C, 5, &[(1, 4)], None, &[], 4),
    ];
    let mut steps = vec![
        Step::Join(Join {
            first: true,
            free: all_but(&[3, 5]),
            from: JoinFrom::Snapshot {
                candidates: vec![dev(B)],
            },
        }),
        Step::Publish,
    ];
    steps.extend(tail(SnapshotWhen::IfDue));
    check(
        &here(None, false, true, 0),
        &remotes,
        Request::default(),
        Ok(steps),
    );
}

#[test]
fn a_join_starts_from_logs_unless_an_empty_database_meets_a_usable_snapshot() {
    let with_snapshot = [remote(B, 3, &[(1, 10)], Some(10), &[], 10)];
    let without = [remote(B, 3, &[(1, 10)], None, &[], 10)];
    let mut damaged = remote(B, 3, &[(1, 10)], Some(10), &[], 10);
    damaged.problem = Some("its device file is damaged".to_owned());
    let damaged = [damaged];
    let cases: [(&str, Here, &[Remote], bool, JoinFrom); 4] = [
        (
            "a database with rows",
            here(None, false, false, 3),
            &with_snapshot,
            true,
            JoinFrom::Logs,
        ),
        (
            "no snapshot in the folder",
            here(None, false, true, 0),
            &without,
            true,
            JoinFrom::Logs,
        ),
        (
            "a snapshot of a device with a problem",
            here(None, false, true, 0),
            &damaged,
            true,
            JoinFrom::Logs,
        ),
        // A copy that took a new id keeps its rows and history: no renumbering, no snapshot.
        (
            "a copy taking a new number",
            here(None, true, true, 0),
            &with_snapshot,
            false,
            JoinFrom::Logs,
        ),
    ];
    for (what, h, remotes, first, from) in cases {
        let mut steps = vec![
            Step::Join(Join {
                first,
                free: all_but(&[3]),
                from,
            }),
            Step::Publish,
        ];
        steps.extend(tail(SnapshotWhen::IfDue));
        assert_eq!(
            plan(&h, remotes, Request::default()).map(|p| p.steps),
            Ok(steps),
            "{what}"
        );
    }
}

#[test]
fn a_join_takes_a_number_no_device_in_the_folder_or_known_here_uses() {
    let mut h = here(None, false, false, 1);
    h.peer_numbers = (2..64).map(n).collect();
    let remotes = [remote(B, 0, &[], None, &[], 0)];
    let Ok(p) = plan(&h, &remotes, Request::default()) else {
        panic!("a free number is left");
    };
    let Step::Join(join) = &p.steps[0] else {
        panic!("a join comes first: {p:?}");
    };
    assert_eq!(join.free, vec![n(1)]);
    assert_eq!(pick_number(&join.free, [0xff, 0xff]), n(1));
    assert_eq!(pick_number(&[n(4), n(9), n(20)], [1, 0]), n(9));
    assert_eq!(pick_number(&[n(4), n(9), n(20)], [2, 1]), n(4));
}

#[test]
fn a_folder_of_64_devices_refuses_a_new_one() {
    let remotes: Vec<Remote> = (0..64)
        .map(|n| remote(&format!("{n:032x}"), n, &[], None, &[], 0))
        .collect();
    check(
        &here(None, false, false, 1),
        &remotes,
        Request::default(),
        Err(
            "the sync folder has 64 devices already, the most stint supports; remove the \
             folder of a device no longer used"
                .to_owned(),
        ),
    );
}

#[test]
fn nothing_new_plans_no_join_and_no_publish_and_finds_nothing_to_apply() {
    let remotes = [remote(B, 3, &[(1, 10)], None, &[(ME, 7)], 10)];
    check(
        &here(Some(1), true, false, 0),
        &remotes,
        Request::default(),
        Ok(tail(SnapshotWhen::IfDue)),
    );
    assert_eq!(next_log(&remotes[0], seq(10), ME), NextLog::Nothing);
    assert!(!snapshot_due(seq(7), Seq::ZERO, false));
}

#[test]
fn new_changes_here_are_published() {
    let mut steps = vec![Step::Publish];
    steps.extend(tail(SnapshotWhen::IfDue));
    check(
        &here(Some(1), true, false, 2),
        &[],
        Request::default(),
        Ok(steps),
    );
}

#[test]
fn compact_asks_for_a_snapshot_before_compacting() {
    let mut steps = vec![Step::Publish];
    steps.extend(tail(SnapshotWhen::Asked));
    check(
        &here(Some(1), true, false, 2),
        &[],
        Request { compact: true },
        Ok(steps),
    );
}

#[test]
fn logs_apply_in_sequence_order_and_stop_at_a_gap() {
    // Logs out of order on disk are scanned in order of their first change; 10..11 are missing.
    let r = remote(B, 3, &[(1, 5), (6, 9), (12, 15)], None, &[], 15);
    let dir = Path::new("/sync").join(B);
    let (a, b) = (dir.join("1-5.stint"), dir.join("6-9.stint"));
    let cases: [(i64, NextLog<'_>); 4] = [
        (
            0,
            NextLog::File {
                range: range(1, 5),
                path: &a,
            },
        ),
        (
            3,
            NextLog::File {
                range: range(1, 5),
                path: &a,
            },
        ),
        (
            5,
            NextLog::File {
                range: range(6, 9),
                path: &b,
            },
        ),
        (
            9,
            NextLog::Gap {
                from: seq(10),
                to: seq(11),
                message: format!(
                    "device {} (dev-3): waiting for its changes 10..11, not in the folder yet \
                     (still being copied?)",
                    short(B)
                ),
            },
        ),
    ];
    for (done, expected) in cases {
        assert_eq!(next_log(&r, seq(done), ME), expected, "after change {done}");
    }
}

#[test]
fn a_gap_before_a_snapshot_of_a_device_that_never_knew_this_one_was_compacted_away() {
    let compacted = remote(B, 3, &[(21, 30)], Some(20), &[], 30);
    let knows_me = remote(B, 3, &[(21, 30)], Some(20), &[(ME, 4)], 30);
    let published_more = remote(B, 3, &[(1, 4)], None, &[], 6);
    let gap = |r: &Remote, done| match next_log(r, seq(done), ME) {
        NextLog::Gap { from, to, message } => {
            (from.get(), to.get(), message.contains("compacted away"))
        }
        other => panic!("a gap after {done}, not {other:?}"),
    };
    assert_eq!(gap(&compacted, 0), (1, 20, true));
    assert_eq!(gap(&knows_me, 0), (1, 20, false));
    // Its device file says it published 6; the log of 5..6 is still on its way.
    assert_eq!(gap(&published_more, 4), (5, 6, false));
}

#[test]
fn a_log_waits_for_the_changes_of_other_devices_it_depends_on() {
    let applied: HashMap<DeviceId, Seq> = [(dev(C), seq(7))].into();
    let cases: [(&[(DeviceId, i64)], bool); 5] = [
        (&[], true),
        (&[(dev(C), 7)], true),
        (&[(dev(C), 8)], false),
        // Its own device's and this device's changes are not waited for.
        (&[(dev(ME), 99), (dev(B), 99)], true),
        (&[(dev(&"d".repeat(32)), 1)], false),
    ];
    for (deps, ready) in cases {
        let deps: Vec<Position> = deps
            .iter()
            .map(|(d, s)| Position::new(d.clone(), seq(*s)))
            .collect();
        assert_eq!(log_ready(&deps, &applied, ME, B), ready, "deps {deps:?}");
    }
}

#[test]
fn devices_using_this_number_or_with_a_problem_are_blocked() {
    let same_no = remote(B, 1, &[(1, 2)], None, &[], 2);
    let mut broken = remote(C, 2, &[], None, &[], 0);
    broken.problem = Some("its device file is damaged".to_owned());
    let fine = remote(&"d".repeat(32), 3, &[], None, &[], 0);
    let blocks = apply_blocks(&[same_no, broken, fine], n(1));
    let expected = [
        Blocked {
            device: dev(B),
            message: format!(
                "device {} (dev-1) uses device number 1 too; its changes are not applied. \
                 Sync that device again after deleting its folder /sync/{B}, or start it \
                 from a new database",
                short(B)
            ),
            record: true,
        },
        Blocked {
            device: dev(C),
            message: format!("device {}: its device file is damaged", short(C)),
            record: false,
        },
    ];
    assert_eq!(blocks, expected);
}

#[test]
fn a_snapshot_is_due_after_5000_changes_or_when_its_file_is_gone() {
    // (published, snapshot seq, own snapshot in the folder) → due
    let cases = [
        ((0, 0, false), false),
        ((4_999, 0, false), false),
        ((5_000, 0, false), true),
        ((9_000, 5_000, true), false),
        ((10_000, 5_000, true), true),
        ((5_001, 5_000, false), true),
        ((5_001, 5_000, true), false),
    ];
    for ((published, seq, exists), due) in cases {
        assert_eq!(
            snapshot_due(self::seq(published), self::seq(seq), exists),
            due,
            "published {published}, snapshot at {seq}, file there: {exists}"
        );
    }
}

#[test]
fn logs_are_compacted_up_to_what_every_device_and_snapshot_has() {
    let facts = CompactFacts {
        published: seq(40),
        snapshot_seq: seq(30),
        snapshot_exists: true,
        peers: vec![dev(B), dev(C)],
        keyed: false,
    };
    let b = || remote(B, 3, &[], Some(9), &[(ME, 25)], 0);
    let c = || remote(C, 4, &[], None, &[(ME, 35)], 0);
    let c_broken = || Remote {
        problem: Some("damaged".to_owned()),
        ..c()
    };
    let planted = || remote(&"e".repeat(32), -1, &[], None, &[], 0);
    let cases: [(&str, CompactFacts, Vec<Remote>, Option<i64>); 6] = [
        ("all there", facts.clone(), vec![b(), c()], Some(25)),
        (
            "no snapshot of its own",
            CompactFacts {
                snapshot_exists: false,
                ..facts.clone()
            },
            vec![b(), c()],
            None,
        ),
        ("a known device missing", facts.clone(), vec![b()], None),
        (
            "a device with a problem",
            facts.clone(),
            vec![b(), c_broken()],
            None,
        ),
        (
            "an unauthenticated folder",
            facts.clone(),
            vec![b(), c(), planted()],
            None,
        ),
        (
            "an unauthenticated folder, with a key",
            CompactFacts {
                keyed: true,
                ..facts.clone()
            },
            vec![b(), c(), planted()],
            Some(25),
        ),
    ];
    for (what, facts, remotes, expected) in cases {
        let limit = compact_limit(ME, &facts, &remotes);
        assert_eq!(limit.map(Seq::get), expected, "{what}");
    }
    // The other devices' snapshots lower it (one unreadable keeps everything).
    assert_eq!(
        covered_limit(seq(25), &[Some(seq(20)), Some(seq(30))]),
        seq(20)
    );
    assert_eq!(covered_limit(seq(25), &[Some(seq(30)), None]), Seq::ZERO);
    let logs = [(seq(10), "1-10"), (seq(20), "11-20"), (seq(30), "21-30")];
    assert_eq!(removable(&logs, seq(20)), vec!["1-10", "11-20"]);
    assert_eq!(removable(&logs, seq(5)), Vec::<&str>::new());
}

#[test]
fn a_snapshot_is_worth_what_it_covers_unless_changes_after_it_are_gone() {
    let b = remote(B, 3, &[(11, 20)], Some(10), &[], 20);
    let c = remote(C, 4, &[(6, 8)], None, &[], 8);
    let cover = |device: &str, device_no, n_seq| Cover {
        device: dev(device),
        device_no: Some(n(device_no)),
        seq: seq(n_seq),
        known: Hlc::from_raw(1),
    };
    let covers = |b_seq, c_seq| vec![cover(B, 3, b_seq), cover(C, 4, c_seq)];
    let remotes = [b, c];
    assert_eq!(snapshot_weight(&remotes, &covers(10, 5)), Some(15));
    assert_eq!(snapshot_weight(&remotes, &covers(20, 8)), Some(28));
    // B's changes 6..10 are gone from the folder: a snapshot covering B up to 5 is no start.
    assert_eq!(snapshot_weight(&remotes, &covers(5, 8)), None);
    // C's logs start at 6: one covering C up to 3 misses 4..5.
    assert_eq!(snapshot_weight(&remotes, &covers(10, 3)), None);
}

#[test]
fn small_decisions_between_steps() {
    assert!(is_copy(Some(n(1)), Some("1:2"), "1:3"));
    assert!(!is_copy(Some(n(1)), Some("1:2"), "1:2"));
    assert!(!is_copy(None, None, "1:2"));
    assert_eq!(check_folder(None, "/b", false), Ok(()));
    assert_eq!(check_folder(Some("/b"), "/b", false), Ok(()));
    assert_eq!(check_folder(Some("/a"), "/b", true), Ok(()));
    assert_eq!(
        check_folder(Some("/a"), "/b", false),
        Err(
            "this database syncs through /a; sync with that folder (a database syncs through \
             one folder), or move it to /b with `stint sync --move /b` (the other devices \
             move too)"
                .to_owned()
        )
    );
    assert_eq!(timers_decision(&[4], false), None);
    assert_eq!(timers_decision(&[4, 9], true), None);
    assert_eq!(
        timers_decision(&[4, 9], false).as_deref(),
        Some(
            "2 timers are running (tracks 4, 9), started on different devices: both are \
             kept; stop the one you did not mean"
        )
    );
    assert!(device_file_current(Some((7, b"x")), seq(7), b"x"));
    assert!(!device_file_current(Some((6, b"x")), seq(7), b"x"));
    assert!(!device_file_current(Some((7, b"y")), seq(7), b"x"));
    assert!(!device_file_current(None, seq(7), b"x"));
}

#[test]
fn a_log_counts_only_under_its_own_name_and_a_device_waiting_is_said() {
    let r = remote(B, 3, &[(1, 5), (6, 9)], None, &[], 9);
    let header = |kind, device: &str, no: u16, first: u64, last: u64| Header {
        format: 2,
        schema: 1,
        device_id: device.to_owned(),
        device_no: no,
        kind,
        first_seq: first,
        last_seq: last,
        body_len: 0,
    };
    let cases = [
        (header(KIND_LOG, B, 3, 6, 9), true),
        (header(KIND_LOG, B, 3, 1, 9), false),
        (header(KIND_LOG, C, 3, 6, 9), false),
        (header(KIND_LOG, B, 4, 6, 9), false),
        (header(crate::file::KIND_SNAPSHOT, B, 3, 6, 9), false),
    ];
    for (h, names_it) in cases {
        assert_eq!(header_names_log(&h, &r, range(6, 9)), names_it, "{h:?}");
    }
    assert_eq!(seen_seq(&r), seq(9));
    assert_eq!(
        seen_seq(&Remote {
            published: seq(12),
            ..remote(B, 3, &[(1, 5)], None, &[], 0)
        }),
        seq(12)
    );
    assert_eq!(still_waiting(&r, seq(9)), None);
    assert_eq!(
        still_waiting(&r, seq(5)).as_deref(),
        Some(
            format!(
                "device {} (dev-3): some changes wait for changes of another device that are \
                 not in the folder yet",
                short(B)
            )
            .as_str()
        )
    );
}
