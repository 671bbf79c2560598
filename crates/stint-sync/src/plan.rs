//! What a folder sync decides, as pure functions of what was read: no disk, no SQLite, no
//! clock. [`folder`](crate::folder) reads the database and the folder, asks these functions,
//! and does what they say.
//!
//! One sync is [`plan`]ned once the folder is scanned: join or not (and from what), publish or
//! not, then apply, flag timers, write the device file, snapshot, compact. A few decisions
//! depend on what earlier steps did, and are asked for between steps: which device number to
//! take ([`pick_number`]), which snapshot to start from ([`snapshot_weight`]), which blocked
//! devices to report ([`apply_blocks`]), each device's next log in each round ([`next_log`],
//! [`log_ready`], [`survey_log`]), whether a snapshot is due ([`snapshot_due`]) and up to where
//! this device's logs may be removed ([`compact_limit`]).

use std::collections::HashMap;

use crate::file::{
    Cover, FileProblem, Header, KIND_LOG, LogEntries, LogHead, Remote, oldest_kept, problem_text,
    short,
};
use stint_store::sync::{DeviceId, DeviceNo, Hlc, Position, Seq, SeqRange};
use stint_store::sync_clock as ss_clock;

/// Publishes a snapshot after this many of the device's own changes since its last one.
pub const SNAPSHOT_EVERY: i64 = 5_000;

/// This device as the database says before a sync (after a copied database took a new id).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Here {
    /// This device's id.
    pub device_id: DeviceId,
    /// Its number, `None` before the first sync and after a copy took a new id.
    pub device_no: Option<DeviceNo>,
    /// Whether this database synced with a folder before (it then keeps its ids on a join).
    pub synced_before: bool,
    /// Whether no synced table holds a row.
    pub empty: bool,
    /// Its changes not written to the folder yet.
    pub unpublished: i64,
    /// The numbers of the other devices known here.
    pub peer_numbers: Vec<DeviceNo>,
}

/// What the caller asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request {
    /// `stint sync compact`: a snapshot now, then the removal of the logs every device has.
    pub compact: bool,
}

/// Where a joining device's rows come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JoinFrom {
    /// An empty database that never synced: the best of these devices' snapshots
    /// ([`snapshot_weight`]), or the logs when none is usable.
    Snapshot { candidates: Vec<DeviceId> },
    /// What is here: published as the first log (a first sync with rows), or nothing new
    /// (a device that takes a number again keeps its ids and history).
    Logs,
}

/// The first sync with a folder (or the first after a copy took a new id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Join {
    /// Renumber the ids and take the billing role if alone (never synced before).
    pub first: bool,
    /// The device numbers no device in the folder or known here uses, ascending.
    pub free: Vec<DeviceNo>,
    pub from: JoinFrom,
}

/// When the snapshot step writes a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotWhen {
    /// Asked for (`stint sync compact`).
    Asked,
    /// When [`snapshot_due`] says so after publishing.
    IfDue,
}

/// One step of a sync, in the order they run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Join(Join),
    /// Write this device's new changes as logs.
    Publish,
    /// Apply the other devices' logs, in rounds ([`apply_blocks`], [`next_log`]).
    Apply,
    /// Flag two timers running after the sync ([`timers_decision`]).
    FlagTimers,
    /// Write this device's file when it says something new ([`device_file_current`]).
    WriteDeviceFile,
    Snapshot(SnapshotWhen),
    /// Remove this device's logs every device has ([`compact_limit`]).
    Compact,
}

/// A sync's steps, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub steps: Vec<Step>,
}

/// Plans a sync of `here` with the folder's other devices `remotes`.
///
/// # Errors
/// A joining device when the folder and this database know 64 device numbers already (the
/// message says what to do).
pub fn plan(here: &Here, remotes: &[Remote], req: Request) -> Result<Plan, String> {
    let mut steps = Vec::new();
    let joining = here.device_no.is_none();
    if joining {
        steps.push(Step::Join(join(here, remotes)?));
    }
    if joining || here.unpublished > 0 {
        steps.push(Step::Publish);
    }
    steps.extend([Step::Apply, Step::FlagTimers, Step::WriteDeviceFile]);
    steps.push(Step::Snapshot(if req.compact {
        SnapshotWhen::Asked
    } else {
        SnapshotWhen::IfDue
    }));
    steps.push(Step::Compact);
    Ok(Plan { steps })
}

fn join(here: &Here, remotes: &[Remote]) -> Result<Join, String> {
    let used: Vec<DeviceNo> = remotes
        .iter()
        .filter_map(|r| r.no)
        .chain(here.peer_numbers.iter().copied())
        .collect();
    let free: Vec<DeviceNo> = DeviceNo::all().filter(|n| !used.contains(n)).collect();
    if free.is_empty() {
        return Err(
            "the sync folder has 64 devices already, the most stint supports; remove \
                    the folder of a device no longer used"
                .to_owned(),
        );
    }
    let first = !here.synced_before;
    let candidates: Vec<DeviceId> = remotes
        .iter()
        .filter(|r| r.problem.is_none() && r.no.is_some() && r.snapshot.is_some())
        .map(|r| r.id.clone())
        .collect();
    let from = if first && here.empty && !candidates.is_empty() {
        JoinFrom::Snapshot { candidates }
    } else {
        JoinFrom::Logs
    };
    Ok(Join { first, free, from })
}

/// The device number a joining device takes: one of `free` (non-empty, from [`plan`]) chosen
/// by two random bytes `random`.
pub fn pick_number(free: &[DeviceNo], random: [u8; 2]) -> DeviceNo {
    free[usize::from(u16::from_le_bytes(random)) % free.len()]
}

/// Whether this database is a copy (or a move) of the device it names: it has a number, and
/// the database file's identity (`dev:inode`) is not the one it synced from.
pub fn is_copy(device_no: Option<DeviceNo>, synced_ident: Option<&str>, ident: &str) -> bool {
    device_no.is_some() && synced_ident != Some(ident)
}

/// Refuses a sync through `folder` of a database bound to another folder, unless this
/// device's own folder is in `folder` already (it was moved there by hand).
pub fn check_folder(bound: Option<&str>, folder: &str, own_dir_there: bool) -> Result<(), String> {
    match bound {
        Some(f) if f != folder && !own_dir_there => Err(format!(
            "this database syncs through {f}; sync with that folder (a database syncs \
             through one folder), or move it to {folder} with `stint sync --move {folder}` \
             (the other devices move too)"
        )),
        _ => Ok(()),
    }
}

/// How much a snapshot covering `covers` is worth
/// to an empty device: the sum of the changes it covers, or `None` when some device's changes
/// after it are no longer in the folder (`remotes`). The device starts from the snapshot worth
/// most (the first of equals).
pub fn snapshot_weight(remotes: &[Remote], covers: &[Cover]) -> Option<i64> {
    let usable = remotes.iter().all(|e| {
        let covered = covers
            .iter()
            .find(|c| c.device == e.id)
            .map_or(Seq::ZERO, |c| c.seq);
        e.logs.last().is_none_or(|l| l.0.last <= covered) || oldest_kept(e) <= covered.next()
    });
    usable.then(|| covers.iter().map(|c| c.seq.get()).sum())
}

/// Why a snapshot's clocks keep a device from starting from it: a stamp no stint writes, or
/// one more than the drift bound ahead of `now_ms` (Unix milliseconds).
pub fn snapshot_clock_problem(hlc: Hlc, covers: &[Cover], now_ms: i64) -> Option<String> {
    let stamps = std::iter::once(hlc).chain(covers.iter().map(|c| c.known));
    if stamps.clone().any(|h| h != Hlc::ZERO && !h.in_range()) {
        Some("it carries clock stamps outside the years stint accepts".to_owned())
    } else if stamps.clone().any(|h| h.is_ahead_of(now_ms)) {
        Some(format!(
            "its device's clock read {}, more than a day ahead of this device's clock",
            stamps.max().unwrap_or_default()
        ))
    } else {
        None
    }
}

/// A device whose changes are not applied in this sync, and why (said in the report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocked {
    pub device: DeviceId,
    pub message: String,
    /// Whether the message is kept as the device's problem (`sync status`).
    pub record: bool,
}

/// The devices of the folder blocked before anything is applied: one using this device's
/// number `no` (its changes would collide with ours), and one whose folder has a problem.
pub fn apply_blocks(remotes: &[Remote], no: DeviceNo) -> Vec<Blocked> {
    let mut out = Vec::new();
    for r in remotes {
        if r.no == Some(no) {
            out.push(Blocked {
                device: r.id.clone(),
                message: format!(
                    "device {} ({}) uses device number {no} too; its changes are not \
                     applied. Sync that device again after deleting its folder {}, or start \
                     it from a new database",
                    short(&r.id),
                    r.name,
                    r.dir.display()
                ),
                record: true,
            });
        } else if let Some(p) = &r.problem {
            out.push(Blocked {
                device: r.id.clone(),
                message: format!("device {}: {p}", short(&r.id)),
                record: false,
            });
        }
    }
    out
}

/// What comes next of a device's logs, once its changes up to `done` are applied here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextLog<'a> {
    /// Nothing new of it in the folder.
    Nothing,
    /// Its log `range` (`first..=last`), at `path`.
    File {
        range: SeqRange,
        path: &'a std::path::Path,
    },
    /// Its changes `from..=to` are not in the folder: the device is blocked, with this
    /// message (still being copied, or compacted away before this device joined).
    Gap { from: Seq, to: Seq, message: String },
}

/// The next log of device `r` after its change `done`, for this device `me`: the first log
/// ending after `done`, unless changes are missing before it (or before what its device file
/// says it published).
pub fn next_log<'a>(r: &'a Remote, done: Seq, me: &str) -> NextLog<'a> {
    let next = r.logs.iter().find(|l| l.0.last > done);
    let first = next.map_or(r.published.next(), |l| l.0.first);
    if first > done.next() {
        // A device that knew this one (its device file lists it) removed only what this one
        // had applied, and one without a snapshot removed nothing: the missing logs are still
        // on their way.
        let (from, to) = (done.next(), first.prev());
        let message = if r.acks.contains_key(me) || r.snapshot.is_none() {
            format!(
                "device {} ({}): waiting for its changes {from}..{to}, not in the folder \
                 yet (still being copied?)",
                short(&r.id),
                r.name,
            )
        } else {
            format!(
                "device {} ({}): its changes {from}..{to} were compacted away before this \
                 device joined. Start this device from an empty database (it then \
                 joins from a snapshot), after `stint db export` of anything only \
                 here",
                short(&r.id),
                r.name,
            )
        };
        return NextLog::Gap { from, to, message };
    }
    match next {
        Some((range, path)) => NextLog::File {
            range: *range,
            path,
        },
        None => NextLog::Nothing,
    }
}

/// How far device `r` published, by its logs and its device file.
pub fn seen_seq(r: &Remote) -> Seq {
    r.logs
        .last()
        .map_or(Seq::ZERO, |l| l.0.last)
        .max(r.published)
}

/// Whether the authenticated header `h` of the file named as log `range` of device `r` says
/// the same: a sealed log copied under another name must not mark changes applied that it
/// lacks.
pub fn header_names_log(h: &Header, r: &Remote, range: SeqRange) -> bool {
    h.kind == KIND_LOG
        && h.device_id == r.id
        && h.first_seq == range.first.get() as u64
        && h.last_seq == range.last.get() as u64
        && r.no.is_some_and(|n| i64::from(h.device_no) == n.get())
}

/// After the apply rounds, what to say of device `r` (not blocked) whose logs go past its
/// change `done` applied here: they wait for changes of another device not in the folder.
pub fn still_waiting(r: &Remote, done: Seq) -> Option<String> {
    r.logs.last().is_some_and(|l| l.0.last > done).then(|| {
        format!(
            "device {} ({}): some changes wait for changes of another device that are not in \
             the folder yet",
            short(&r.id),
            r.name
        )
    })
}

/// Whether a log of device `author` may be applied: every other device's changes it depends
/// on (`deps`, from its head) are applied here (`applied`), this device's own excepted.
pub fn log_ready(
    deps: &[Position],
    applied: &HashMap<DeviceId, Seq>,
    me: &str,
    author: &str,
) -> bool {
    deps.iter().all(|Position { device: d, seq: s }| {
        d == me || d == author || applied.get(d).copied().unwrap_or_default() >= *s
    })
}

/// What the first pass over a log's entries found ([`survey_log`]): a few figures, whatever
/// the file's size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogSurvey {
    /// Why its clock values cannot be from stint (a stamp or instant out of range), if so.
    pub clock: Option<String>,
    /// The first change after `done` stamped more than the drift bound ahead of real time and
    /// not accepted (stamps up to `accepted` are): its sequence number and stamp, and the
    /// newest stamp among the held changes of the file.
    pub hold: Option<(Seq, Hlc, Hlc)>,
}

/// Reads the stamps of a log's entries once (nothing of their changes kept) and says what the
/// clocks say ([`LogSurvey`]). `bounds` is `(range, done)`: the sequence numbers its name
/// gives, and the last change of that device applied here.
///
/// # Errors
/// Why it is not that log (said after "is not a log of device …"): entries damaged, cut, not
/// `last - first + 1` of them, or not numbered `first..=last`.
pub fn survey_log(
    head: &LogHead,
    entries: LogEntries<'_>,
    (range, done): (SeqRange, Seq),
    accepted: Hlc,
    now_ms: i64,
) -> std::result::Result<LogSurvey, String> {
    if i64::try_from(head.entries).ok() != Some(range.count()) {
        return Err(format!(
            "it holds {} changes, its name says {}",
            head.entries,
            range.count()
        ));
    }
    let mut clock = None;
    let mut hold: Option<(Seq, Hlc, Hlc)> = None;
    for (stamp, seq) in entries.stamps().zip(range.first.get()..) {
        let e = stamp.map_err(damage)?;
        if e.seq.get() != seq {
            return Err(format!("its change {seq} is numbered {}", e.seq));
        }
        if clock.is_none() {
            clock = entry_clock_problem(e.seq, e.hlc, e.at);
        }
        match &mut hold {
            Some((_, _, newest)) => *newest = (*newest).max(e.hlc),
            None if e.seq > done && e.hlc.is_ahead_of(now_ms) && e.hlc > accepted => {
                hold = Some((e.seq, e.hlc, e.hlc));
            }
            None => {}
        }
    }
    let clock = clock.or_else(|| {
        head.known
            .iter()
            .find(|(_, h)| !h.in_range())
            .map(|(d, h)| {
                format!(
                    "it claims to know device {} up to the clock stamp {}",
                    short(d),
                    h.raw()
                )
            })
    });
    Ok(LogSurvey { clock, hold })
}

fn entry_clock_problem(seq: Seq, hlc: Hlc, at: i64) -> Option<String> {
    if !hlc.in_range() {
        Some(format!(
            "change {seq} carries the clock stamp {}, outside the years stint accepts",
            hlc.raw()
        ))
    } else if !ss_clock::at_in_range(at) {
        Some(format!(
            "change {seq} was made at {at} (Unix seconds), outside the years 1900 to 2199"
        ))
    } else {
        None
    }
}

/// What is wrong inside a file whose checksum (and seal) held: the reader's words.
pub fn damage(p: FileProblem) -> String {
    match p {
        FileProblem::NotWhole(why) => why,
        p => problem_text(p),
    }
}

/// The decision to record when more than one timer runs after a sync (`running`: their track
/// ids) and the settings do not allow it: its words, kept once.
pub fn timers_decision(running: &[i64], allow_concurrent: bool) -> Option<String> {
    (running.len() > 1 && !allow_concurrent).then(|| {
        format!(
            "{} timers are running (tracks {}), started on different devices: both are \
             kept; stop the one you did not mean",
            running.len(),
            running
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })
}

/// Whether this device's file in the folder (`existing`: its last sequence number and body,
/// when it opens) already says what it would now (`published`, `body`): it is rewritten only
/// when it says something new, since sealing draws a fresh nonce every time.
pub fn device_file_current(existing: Option<(u64, &[u8])>, published: Seq, body: &[u8]) -> bool {
    existing.is_some_and(|(last, b)| last == published.get() as u64 && b == body)
}

/// Whether a snapshot is due: this device published something, and `SNAPSHOT_EVERY` changes
/// since its last snapshot (at `snapshot_seq`, [`Seq::ZERO`]: none), or that snapshot is not
/// in the folder any more (`own_exists`).
pub fn snapshot_due(published: Seq, snapshot_seq: Seq, own_exists: bool) -> bool {
    published > Seq::ZERO
        && (published.since(snapshot_seq) >= SNAPSHOT_EVERY
            || (snapshot_seq > Seq::ZERO && !own_exists))
}

/// What [`compact_limit`] reads: this device, and what the folder says of it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactFacts {
    /// This device's published sequence number, its snapshot's, and whether that snapshot
    /// is in the folder.
    pub published: Seq,
    pub snapshot_seq: Seq,
    pub snapshot_exists: bool,
    /// The devices known here (ids).
    pub peers: Vec<DeviceId>,
    /// Whether files are sealed with a key.
    pub keyed: bool,
}

/// Up to which of its sequence numbers this device may remove its logs, by what every device
/// in the folder has applied (their device files) and its own snapshot: `None` when nothing
/// may go (no snapshot of its own in the folder; a known device missing from the folder or
/// with a problem). The other devices' snapshots lower it further ([`covered_limit`]).
pub fn compact_limit(me: &str, facts: &CompactFacts, remotes: &[Remote]) -> Option<Seq> {
    if !facts.snapshot_exists {
        return None;
    }
    let mut limit = facts.published.min(facts.snapshot_seq);
    // A device known here whose folder is not in this scan (still being copied, a share half
    // mounted) may not have everything: keep every log until it is back.
    if facts
        .peers
        .iter()
        .any(|p| !remotes.iter().any(|r| r.id == *p))
    {
        return None;
    }
    for r in remotes {
        // With a key, a folder nothing authenticates (planted, or sealed with another key) of
        // no device known here holds nothing back.
        if facts.keyed && r.no.is_none() && !facts.peers.contains(&r.id) {
            continue;
        }
        if r.no.is_none() || r.problem.is_some() {
            return None;
        }
        limit = limit.min(r.acks.get(me).copied().unwrap_or_default());
    }
    Some(limit)
}

/// `limit` lowered to what every other device's snapshot covers of this device (`covers`: one
/// per snapshot in the folder, `None` when it cannot be read), so a new device can still start
/// from any of them.
pub fn covered_limit(limit: Seq, covers: &[Option<Seq>]) -> Seq {
    covers
        .iter()
        .fold(limit, |l, c| l.min(c.unwrap_or_default()))
}

/// This device's logs (`(last, path)`) that go at `limit`.
pub fn removable<P: Clone>(logs: &[(Seq, P)], limit: Seq) -> Vec<P> {
    logs.iter()
        .filter(|(last, _)| *last <= limit)
        .map(|(_, p)| p.clone())
        .collect()
}

#[cfg(test)]
mod tests;
