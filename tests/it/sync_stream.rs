//! A log from another device is read with memory bounded by a small multiple of the file
//! (issue 19, item 4): its entries are surveyed in a first pass that keeps a few figures, then
//! decoded one at a time as they are applied, inside the one transaction. The memory is the
//! Rust heap the syncing thread allocated and had not freed at once, counted by the test
//! binary's allocator (`tracking-allocator`: exact and repeatable, unlike the process's RSS;
//! SQLite's own page cache is not in it).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicI64, AtomicUsize, Ordering};
use std::sync::{Mutex, Once};

use stint::service::NoProgress;
use tracking_allocator::{
    AllocationGroupId, AllocationGroupToken, AllocationRegistry, AllocationTracker, Allocator,
};

use super::sync_bulk::stint_csv;
use super::sync_converge::{Device, assert_same};

// Every allocation of the test binary goes through this wrapper of the system allocator; it
// reports to [`Heap`] only while tracking is on, during [`heap_peak_during`].
#[global_allocator]
static ALLOCATOR: Allocator<std::alloc::System> = Allocator::system();

/// The allocation group being measured (0: none), and what it holds: now and at most.
static GROUP: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicI64 = AtomicI64::new(0);
static PEAK: AtomicI64 = AtomicI64::new(0);
/// One measurement at a time (the counters are the process's).
static MEASURING: Mutex<()> = Mutex::new(());

/// Counts the bytes allocated by the measured group and not yet freed (wherever they are
/// freed); allocates nothing itself.
struct Heap;

impl AllocationTracker for Heap {
    fn allocated(&self, _addr: usize, size: usize, _wrapped: usize, group: AllocationGroupId) {
        if group.as_usize().get() == GROUP.load(Ordering::Relaxed) {
            let live = LIVE.fetch_add(size as i64, Ordering::Relaxed) + size as i64;
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
    }

    fn deallocated(
        &self,
        _addr: usize,
        size: usize,
        _wrapped: usize,
        source: AllocationGroupId,
        _current: AllocationGroupId,
    ) {
        if source.as_usize().get() == GROUP.load(Ordering::Relaxed) {
            LIVE.fetch_sub(size as i64, Ordering::Relaxed);
        }
    }
}

/// Runs `f` on this thread and returns its result and the most heap bytes it had allocated
/// and not freed at once.
fn heap_peak_during<T>(f: impl FnOnce() -> T) -> (T, i64) {
    static TRACKER: Once = Once::new();
    TRACKER.call_once(|| {
        AllocationRegistry::set_global_tracker(Heap).unwrap();
    });
    let _one = MEASURING.lock().unwrap_or_else(|e| e.into_inner());
    let mut token = AllocationGroupToken::register().unwrap();
    LIVE.store(0, Ordering::Relaxed);
    PEAK.store(0, Ordering::Relaxed);
    GROUP.store(token.id().as_usize().get(), Ordering::Relaxed);
    AllocationRegistry::enable_tracking();
    let out = {
        let _in = token.enter();
        f()
    };
    AllocationRegistry::disable_tracking();
    GROUP.store(0, Ordering::Relaxed);
    (out, PEAK.load(Ordering::Relaxed))
}

/// The logs device `d` wrote into `folder`, largest first, with their sizes.
fn logs_of(folder: &Path, d: &Device) -> Vec<(u64, PathBuf)> {
    let me = d.svc.sync_status().unwrap().device_id;
    let mut out: Vec<(u64, PathBuf)> = std::fs::read_dir(folder.join(me))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.ends_with(".stint") && name.as_bytes()[0].is_ascii_digit()
        })
        .map(|p| (std::fs::metadata(&p).unwrap().len(), p))
        .collect();
    out.sort_by(|a, b| b.cmp(a));
    out
}

/// Two devices in `folder`: `a` imported `rows` tracks (in parts of `part` rows, one change
/// each) after `b` joined, and published them; `b` has not synced since.
fn an_import_waiting_for_b(folder: &Path, rows: usize, part: usize) -> (Device, Device) {
    let a = Device::new();
    a.svc
        .create_project(stint::service::NewProject {
            name: "Project 1".into(),
            ..Default::default()
        })
        .unwrap();
    a.sync(folder);
    let b = Device::new();
    b.sync(folder);
    a.svc.set_import_parts(1, part);
    let summary = a
        .svc
        .import_csv(stint_csv(rows).as_bytes(), &NoProgress)
        .unwrap();
    assert_eq!(summary.imported, rows);
    a.sync(folder);
    (a, b)
}

#[test]
fn applying_a_large_log_holds_the_file_and_one_change_not_the_whole_log_decoded() {
    let folder = tempfile::tempdir().unwrap();
    // 16 changes of 250 tracks each (with their tags): one log of about 1 MB.
    let (a, b) = an_import_waiting_for_b(folder.path(), 4_000, 250);
    let logs = logs_of(folder.path(), &a);
    let (file_bytes, _) = logs[0];
    let (report, peak) = heap_peak_during(|| b.sync(folder.path()));
    assert_eq!(report.problems, Vec::<String>::new());
    assert_eq!(b.count("SELECT count(*) FROM tracks"), 4_000);
    assert_same(&[&a, &b]);
    // The file's bytes, one change decoded and its change set, and the bookkeeping of a
    // round: 1.4 times the file (1.42 MB for 0.99 MB). Decoding the whole log before applying
    // it held 5.2 times the file (5.1 MB).
    let ratio = peak as f64 / file_bytes as f64;
    assert!(
        ratio < 2.0,
        "applying a log of {file_bytes} bytes held {peak} bytes of heap at once ({ratio:.1} \
         times the file)"
    );
}

/// The file at `path` with its body cut by one byte, header and checksum made whole again (a
/// plain file: the body follows the 105-byte header).
fn cut_last_byte(path: &Path) {
    use sha2::{Digest as _, Sha256};
    let bytes = std::fs::read(path).unwrap();
    let mut head = bytes[..73].to_vec();
    let body = &bytes[105..bytes.len() - 1];
    head[65..73].copy_from_slice(&(body.len() as u64).to_le_bytes());
    let mut sha = Sha256::new();
    sha.update(&head);
    sha.update(body);
    let mut out = head;
    out.extend_from_slice(&sha.finalize());
    out.extend_from_slice(body);
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_log_whose_last_change_is_damaged_applies_nothing_and_is_named() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = an_import_waiting_for_b(folder.path(), 600, 100);
    let before = b.export();
    let changes_before = b.count("SELECT count(*) FROM change_log");
    let logs = logs_of(folder.path(), &a);
    let (_, log) = &logs[0];
    cut_last_byte(log);
    let report = b.sync(folder.path());
    assert_eq!(
        report.problems,
        vec![format!(
            "{} is not a log of device {} (its change 6 of 6 is damaged or cut); it is skipped",
            log.display(),
            &a.svc.sync_status().unwrap().device_id[..8]
        )]
    );
    assert_eq!(report.applied, Vec::<(String, usize)>::new());
    assert_eq!(b.export(), before);
    assert_eq!(b.count("SELECT count(*) FROM change_log"), changes_before);
}

/// The snapshot device `d` keeps in `folder`, and its size.
fn snapshot_of(folder: &Path, d: &Device) -> (u64, PathBuf) {
    let me = d.svc.sync_status().unwrap().device_id;
    let p = std::fs::read_dir(folder.join(me))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snapshot-")
        })
        .unwrap();
    (std::fs::metadata(&p).unwrap().len(), p)
}

#[test]
fn joining_from_a_large_snapshot_holds_the_file_and_one_row_not_the_snapshot_decoded() {
    let folder = tempfile::tempdir().unwrap();
    let (a, b) = an_import_waiting_for_b(folder.path(), 4_000, 250);
    b.sync(folder.path());
    a.svc.sync_compact(folder.path()).unwrap();
    let (file_bytes, _) = snapshot_of(folder.path(), &a);
    let c = Device::new();
    let (report, peak) = heap_peak_during(|| c.sync(folder.path()));
    assert_eq!(report.problems, Vec::<String>::new());
    assert!(
        report.notes.iter().any(|n| n.starts_with(&format!(
            "started from the snapshot of device {}",
            &a.svc.sync_status().unwrap().device_id[..8]
        ))),
        "{:?}",
        report.notes
    );
    assert_eq!(c.count("SELECT count(*) FROM tracks"), 4_000);
    assert_same(&[&a, &b, &c]);
    // The snapshot's bytes and one row: 1.0 times the file (2.40 MB for 2.37 MB). Decoding
    // it whole held 4.6 times the file (11.0 MB).
    let ratio = peak as f64 / file_bytes as f64;
    assert!(
        ratio < 2.0,
        "joining from a snapshot of {file_bytes} bytes held {peak} bytes of heap at once \
         ({ratio:.1} times the file)"
    );
}

#[test]
fn publishing_a_large_log_does_not_hold_its_changes_decoded() {
    let folder = tempfile::tempdir().unwrap();
    let a = Device::new();
    a.sync(folder.path());
    a.svc.set_import_parts(1, 250);
    let summary = a
        .svc
        .import_csv(stint_csv(4_000).as_bytes(), &NoProgress)
        .unwrap();
    assert_eq!(summary.imported, 4_000);
    let (report, peak) = heap_peak_during(|| a.sync(folder.path()));
    assert_eq!(report.published, 16);
    let (file_bytes, _) = logs_of(folder.path(), &a)[0];
    // The changes' change sets as stored, the body and its sealed copy: 2.3 times the file
    // (2.25 MB for 0.99 MB). Building every entry before encoding held 6.6 times it (6.5 MB).
    let ratio = peak as f64 / file_bytes as f64;
    assert!(
        ratio < 3.0,
        "publishing a log of {file_bytes} bytes held {peak} bytes of heap at once ({ratio:.1} \
         times the file)"
    );
}
