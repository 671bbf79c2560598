//! Sync between devices through a shared folder: `stint sync DIR` and `stint sync status`.
//!
//! Each device writes only its own files, in `DIR/<device id>/`: `device.stint` (its number and
//! name) and logs `<first seq>-<last seq>.stint` holding its changes in order. Every file has a
//! header (magic, format version, schema version, device id and number, sequence numbers, body
//! length, SHA-256 of header and body), is written 0600 under a temporary name and renamed
//! into place. A file that is short, damaged or not ours is skipped until it is whole; one from
//! a newer schema is refused ("update stint on this device"). Another device's file is applied
//! in one transaction, after the files it depends on (each log names how far its device had
//! applied every other device's changes).
//!
//! The first sync of a database claims a device number (0..63, one not used in the folder),
//! renumbers its rows to ids `id * 64 + number` and publishes them all as its first log; an
//! empty database joins and receives everything. How changes that meet are decided is in
//! [`stint_store::sync`] (docs/sync.md).

use std::path::{Path, PathBuf};

use super::sync_fs;
pub(crate) use super::sync_fs::write_atomic;
use super::{Result, Service, ServiceError};
use stint_store as store;
use stint_store::sync::{self as ss, Hlc, RemoteChange};
use stint_store::sync_clock as ss_clock;
pub(crate) use stint_sync::file::*;

/// How many decisions `sync status` shows.
const STATUS_DECISIONS: usize = 20;

/// What one `stint sync DIR` did.
#[derive(Debug, Clone, Default)]
pub struct SyncReport {
    /// This database's device id (32 hex digits) and number (0..63).
    pub device_id: String,
    pub device_no: i64,
    /// True on the first sync of this database.
    pub joined: bool,
    /// Rows renumbered when joining (ids became `id * 64 + number`).
    pub renumbered: usize,
    /// Changes written to the folder.
    pub published: usize,
    /// Changes applied from other devices: `(device name, count)`.
    pub applied: Vec<(String, usize)>,
    /// What sync decided where changes met (merges, edits that lost, timers both running).
    pub decisions: Vec<String>,
    /// Files skipped or refused, and why (waiting for a whole file, a newer schema).
    pub problems: Vec<String>,
    /// Notes (a copied database taking a new device id).
    pub notes: Vec<String>,
}

/// One other device, as `sync status` shows it.
#[derive(Debug, Clone)]
pub struct PeerStatus {
    pub device_id: String,
    pub device_no: i64,
    pub name: Option<String>,
    /// Changes of it applied here, and seen in the folder but not applied yet.
    pub applied: i64,
    pub pending: i64,
    pub problem: Option<String>,
}

/// One decision, as listed.
#[derive(Debug, Clone)]
pub struct SyncDecision {
    pub id: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    /// The change log entry of the applied change it belongs to (undo it to revert).
    pub change_id: Option<i64>,
    pub kind: String,
    pub detail: String,
}

/// Result of `sync status`.
#[derive(Debug, Clone)]
pub struct SyncStatus {
    pub device_id: String,
    /// `None` before the first sync.
    pub device_no: Option<i64>,
    pub device_name: Option<String>,
    pub folder: Option<String>,
    /// The device that issues invoice numbers (id), and whether it is this one.
    pub billing_device: Option<String>,
    pub is_billing_device: bool,
    /// This device's changes not yet written to the folder.
    pub unpublished: i64,
    pub peers: Vec<PeerStatus>,
    /// The newest decisions, newest first, and how many there are.
    pub decisions: Vec<SyncDecision>,
    pub decisions_total: i64,
    /// Running timers (more than one after a sync is flagged as a decision).
    pub running_timers: Vec<i64>,
    /// Whether this device seals its files with a sync key (and accepts only sealed ones).
    pub encrypted: bool,
    /// Whether `stint mcp` and `stint serve` sync on their own.
    pub auto_sync: bool,
    /// This device's published sequence number at its last snapshot (0: none yet).
    pub snapshot_seq: i64,
}

fn conflict(msg: String) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

fn io_err(what: &str, path: &Path, e: std::io::Error) -> ServiceError {
    conflict(format!(
        "cannot {what} {} ({e}); check that the sync folder exists and is writable",
        path.display()
    ))
}

/// "dev:inode" of a file, to notice a database that was copied.
pub(super) fn file_ident(path: &Path) -> String {
    use std::os::unix::fs::MetadataExt as _;
    match std::fs::metadata(path) {
        Ok(m) => format!("{}:{}", m.dev(), m.ino()),
        Err(_) => path.display().to_string(),
    }
}

fn host_name() -> String {
    std::fs::read_to_string("/etc/hostname")
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty() && s.len() <= 64)
        .or_else(|| std::env::var("HOSTNAME").ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "device".to_owned())
}
/// Publishes a snapshot after this many of the device's own changes since its last one.
const SNAPSHOT_EVERY: i64 = 5_000;

impl Service {
    pub(super) fn sync_key_here(&self) -> Result<Option<SyncKey>> {
        self.read(|ctx| Ok(ss::sync_key(ctx.tx)?.and_then(|k| SyncKey::from_stored(&k))))
    }

    /// Syncs this database with the other devices' files in `dir`: joins on the first sync
    /// (claims a device number, renumbers ids, publishes what is here; an empty database
    /// starts from the newest snapshot in the folder), writes this device's new changes,
    /// applies the other devices' changes, each file in one transaction, then writes a
    /// snapshot when due and removes this device's logs that every device has applied.
    ///
    /// # Errors
    /// A folder that cannot be created, read or written; 64 devices in the folder already;
    /// a database that syncs through another folder; store errors. Damaged files, files from
    /// a newer stint and files sealed with another key are not errors: they are listed in
    /// [`SyncReport::problems`].
    pub fn sync_folder(&self, dir: &Path) -> Result<SyncReport> {
        self.sync_folder_with(dir, false)
    }

    /// [`Service::sync_folder`], then a snapshot now and the removal of every log of this
    /// device that all devices have applied and a snapshot covers (`stint sync compact`).
    ///
    /// # Errors
    /// Those of [`Service::sync_folder`].
    pub fn sync_compact(&self, dir: &Path) -> Result<SyncReport> {
        self.sync_folder_with(dir, true)
    }

    fn sync_folder_with(&self, dir: &Path, compact: bool) -> Result<SyncReport> {
        let before = self.sync_key_here()?;
        let report = self.sync_folder_once(dir, compact)?;
        // Another process (`stint sync key set` beside a running server) may have set a new
        // key while this sync wrote files sealed with the old one: re-seal them, so no device
        // meets a file of this device under a key it no longer has.
        let after = self.sync_key_here()?;
        if after.as_ref().map(|k| k.0) != before.as_ref().map(|k| k.0) {
            let _writer = self.inner.writer.lock();
            self.reseal_own_files(before.as_ref(), after.as_ref())?;
        }
        Ok(report)
    }

    fn sync_folder_once(&self, dir: &Path, compact: bool) -> Result<SyncReport> {
        let _writer = self.inner.writer.lock();
        private_dir(dir)?;
        let dir = std::fs::canonicalize(dir).map_err(|e| io_err("open", dir, e))?;
        let folder = dir.display().to_string();
        let now = self.now();
        let ident = file_ident(&self.inner.db_path);
        let mut report = SyncReport::default();
        let mut conn = self.conn();
        let key = ss::sync_key(&conn)?.and_then(|k| SyncKey::from_stored(&k));
        let key = key.as_ref();

        // A copied database keeps its device id: it takes a new one.
        let mut st = ss::state(&conn)?;
        if st.device_no.is_some() && st.file_ident.as_deref() != Some(ident.as_str()) {
            let new_id = ss::immediate(&mut conn, |tx| ss::become_new_device(tx, &st))?;
            report.notes.push(format!(
                "this database file is a copy (or moved) of device {}: it syncs as a new device \
                 {} from now on",
                short(&st.device_id),
                short(&new_id)
            ));
            st = ss::state(&conn)?;
        }
        if let Some(f) = &st.folder
            && *f != folder
            && !dir.join(&st.device_id).is_dir()
        {
            return Err(conflict(format!(
                "this database syncs through {f}; sync with that folder (a database syncs \
                 through one folder), or move it to {folder} with `stint sync --move {folder}` \
                 (the other devices move too)"
            )));
        }
        let me = st.device_id.clone();
        let remotes = scan(&dir, &me, key)?;
        // This device's own folder first: a folder that cannot take it (`/proc`, a read-only
        // disk) fails here, before the first sync changes anything in the database.
        let my_dir = dir.join(&me);
        sync_fs::check_real_dir(&my_dir)?;
        private_dir(&my_dir)?;

        // Join: claim a number, renumber, publish everything as the first log; an empty
        // database starts from the best snapshot in the folder instead of every log.
        if st.device_no.is_none() {
            self.join_folder(&mut conn, &dir, &st, &remotes, key, now, &mut report)?;
            st = ss::state(&conn)?;
        }
        let no = st.device_no.unwrap_or(0);
        report.device_id = me.clone();
        report.device_no = no;
        let name = st.device_name.clone().unwrap_or_else(host_name);

        // This device's new changes.
        loop {
            let pending = ss::unpublished(&conn, ENTRIES_PER_FILE)?;
            if pending.is_empty() {
                break;
            }
            let st = ss::state(&conn)?;
            let deps: Vec<(String, i64)> = ss::peers(&conn)?
                .into_iter()
                .map(|p| (p.device_id, p.applied_seq))
                .collect();
            let meta = ss::Meta::load(&conn)?;
            // Each change is encoded as it is read: the body grows, the entries do not stay.
            let mut body = LogWriter::new(&name, &deps, &ss::known_stamps(&conn)?);
            let mut seq = st.published_seq;
            let mut last_change = st.published_change;
            for (id, hlc, at, operation, summary, changeset) in pending {
                seq += 1;
                last_change = id;
                let ops = match &changeset {
                    Some(c) => {
                        let mut ops = ss::ops_of_changeset(c)?;
                        ss::expand_claims(&conn, &meta, &mut ops)?;
                        ops
                    }
                    None => {
                        report.problems.push(format!(
                            "change {id} ({operation}) was too large to keep, so other devices \
                             do not get it; make it again in smaller parts"
                        ));
                        Vec::new()
                    }
                };
                body.push(&Entry {
                    seq,
                    hlc,
                    at,
                    schema: store::SCHEMA_VERSION,
                    operation,
                    summary,
                    ops,
                });
            }
            let first = st.published_seq + 1;
            report.published += body.len();
            self.write_log(&dir, &me, no, first, seq, &body.finish(), key)?;
            ss::set_published(&conn, seq, last_change)?;
        }

        // The other devices' changes.
        self.apply_remote_logs(&mut conn, &remotes, &me, no, key, now, &mut report)?;

        // Two timers running after a sync are both kept, and flagged.
        let settings = store::settings::load(&conn)?;
        let running = ss::running_tracks(&conn)?;
        if running.len() > 1 && !settings.allow_concurrent_timers {
            let d = ss::Decision {
                kind: ss::DecisionKind::Timers,
                detail: format!(
                    "{} timers are running (tracks {}), started on different devices: both are \
                     kept; stop the one you did not mean",
                    running.len(),
                    running
                        .iter()
                        .map(i64::to_string)
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            if !ss::has_decision(&conn, d.kind, &d.detail)? {
                ss::record_decision(&conn, now.timestamp(), None, None, &d)?;
                report.decisions.push(d.detail);
            }
        }

        // This device's file: its name, and how far it has applied every other device (what
        // lets each device remove logs that all have).
        let st = ss::state(&conn)?;
        let acks: Vec<(String, i64)> = ss::peers(&conn)?
            .into_iter()
            .map(|p| (p.device_id, p.applied_seq))
            .collect();
        // Rewritten only when it says something new (sealing draws a fresh nonce, so the bytes
        // always differ: compare what it says).
        let body = encode_device(&name, &acks);
        let device_path = my_dir.join("device.stint");
        let same = read_small(&device_path)
            .ok()
            .and_then(|c| open_file(&c, store::SCHEMA_VERSION as u32, key).ok())
            .is_some_and(|(h, b)| h.last_seq == st.published_seq as u64 && b == body);
        if !same {
            let header = Header {
                format: FORMAT_VERSION,
                schema: store::SCHEMA_VERSION as u32,
                device_id: me.clone(),
                device_no: no as u16,
                kind: KIND_DEVICE,
                first_seq: 0,
                last_seq: st.published_seq as u64,
                body_len: 0,
            };
            write_atomic(&device_path, &seal_file(&header, &body, key)?)?;
        }

        // A snapshot when due (or asked for), then the logs every device has.
        let snap_seq = ss::snapshot_seq(&conn)?;
        let mine_exists = my_dir.join(snapshot_name(snap_seq)).is_file();
        let due = st.published_seq > 0
            && (st.published_seq - snap_seq >= SNAPSHOT_EVERY || (snap_seq > 0 && !mine_exists));
        if compact || due {
            self.write_snapshot(&mut conn, &my_dir, &me, no, &name, key)?;
            report.notes.push(
                "wrote a snapshot of everything this device has, so a new device starts from it \
                 instead of replaying every change"
                    .to_owned(),
            );
        }
        let removed = self.compact_logs(&conn, &my_dir, &me, &remotes, key)?;
        if removed > 0 {
            report.notes.push(format!(
                "removed {removed} log file(s) of this device that every device has applied"
            ));
        }
        ss::set_place(&conn, &folder, &ident)?;
        Ok(report)
    }

    /// The first sync of this database with folder `dir` (state `st`, the other devices
    /// `remotes`): claims a device number no device there uses (at random), renumbers every id
    /// into it (`id * 64 + number`), and publishes what is here as the first log; an empty
    /// database that never synced starts from the best snapshot in the folder instead of every
    /// log. One transaction: a failure leaves the database as it was.
    ///
    /// # Errors
    /// 64 devices in the folder already; no random bytes from the system; a folder that
    /// refuses the first log; store errors.
    #[allow(clippy::too_many_arguments)]
    fn join_folder(
        &self,
        conn: &mut store::Connection,
        dir: &Path,
        st: &ss::State,
        remotes: &[Remote],
        key: Option<&SyncKey>,
        now: chrono::DateTime<chrono::Utc>,
        report: &mut SyncReport,
    ) -> Result<()> {
        let me = st.device_id.clone();
        let folder = dir.display().to_string();
        let ident = file_ident(&self.inner.db_path);
        let mut used: Vec<i64> = remotes.iter().map(|r| r.no).collect();
        used.extend(ss::peers(conn)?.iter().map(|p| p.device_no));
        let free: Vec<i64> = (0..ss::ID_STRIDE).filter(|n| !used.contains(n)).collect();
        if free.is_empty() {
            return Err(conflict(
                "the sync folder has 64 devices already, the most stint supports; remove \
                 the folder of a device no longer used"
                    .to_owned(),
            ));
        }
        let mut b = [0u8; 2];
        getrandom::fill(&mut b).map_err(|e| {
            conflict(format!(
                "cannot join the sync folder: the system gave no random bytes to pick a \
                 device number ({e}); nothing was changed, try again"
            ))
        })?;
        let no = free[usize::from(u16::from_le_bytes(b)) % free.len()];
        let first_join = st.folder.is_none();
        let name = host_name();
        let empty = !ss::has_data(conn)?;
        let start = if first_join && empty {
            best_snapshot(remotes, key, now.timestamp_millis(), report)
        } else {
            None
        };
        let mut renumbered = 0;
        ss::immediate(conn, |tx| -> Result<()> {
            let meta = ss::Meta::load(tx)?;
            if first_join {
                renumbered = ss::renumber(tx, &meta, no)?;
                if remotes.is_empty() && ss::billing_device(tx)?.is_none() {
                    ss::set_billing_device(tx, &me, now.timestamp())?;
                }
            }
            let last = ss::last_change_id(tx)?;
            if first_join {
                ss::set_joined(tx, no, &name, &folder, &ident, last)?;
            } else {
                ss::set_device_no(tx, no)?;
                ss::set_place(tx, &folder, &ident)?;
            }
            if let Some((author, body)) = &start {
                // Checked whole by `best_snapshot`; its rows are decoded as they load.
                let (snap, rows) = read_snapshot(body).ok_or_else(|| {
                    conflict(format!(
                        "the snapshot of device {} could not be read again; sync again",
                        short(author)
                    ))
                })?;
                let rows = rows.map(|row| {
                    row.map_err(|p| {
                        format!(
                            "the snapshot of device {} cannot be loaded: {}; sync again",
                            short(author),
                            damage(p)
                        )
                    })
                });
                match ss::load_snapshot(tx, rows, snap.hlc, now.timestamp_millis())? {
                    Ok(n) => {
                        for c in &snap.covers {
                            if c.device != me {
                                let dname = if c.device == *author {
                                    snap.name.as_str()
                                } else {
                                    ""
                                };
                                ss::set_applied_from_snapshot(
                                    tx,
                                    &c.device,
                                    c.device_no,
                                    dname,
                                    c.seq,
                                    c.known,
                                )?;
                            }
                        }
                        report.notes.push(format!(
                            "started from the snapshot of device {} ({}): {n} rows, without \
                             replaying its history",
                            short(author),
                            snap.name
                        ));
                    }
                    Err(why) => return Err(conflict(why)),
                }
            }
            if first_join && start.is_none() && ss::has_data(tx)? {
                let ops = ss::snapshot_ops(tx, &meta)?;
                let hlc = ss::tick(tx, now.timestamp_millis())?;
                ss::clock_snapshot(tx, &ops, &meta, &ss::Stamp::new(hlc, me.clone()))?;
                let n = ops.len();
                let log = Log {
                    name: name.clone(),
                    deps: Vec::new(),
                    known: Vec::new(),
                    entries: vec![Entry {
                        seq: 1,
                        hlc,
                        at: now.timestamp(),
                        schema: store::SCHEMA_VERSION,
                        operation: "sync_join".to_owned(),
                        summary: format!("joined with {n} rows"),
                        ops,
                    }],
                };
                // Written before the join commits: a folder that refuses the file
                // leaves the database as it was.
                self.write_log(dir, &me, no, 1, 1, &encode_log(&log), key)?;
                ss::set_published(tx, 1, last)?;
            }
            Ok(())
        })?;
        report.joined = true;
        report.renumbered = renumbered;
        Ok(())
    }

    /// Applies the other devices' logs found in the folder (`remotes`), each file in one
    /// transaction once the files it depends on are applied, in as many rounds as make
    /// progress; a device using this device's number `no`, a damaged or misnamed file, or
    /// clocks out of range block that device (said in `report.problems`); what was applied of
    /// whom goes to `report.applied`.
    #[allow(clippy::too_many_arguments)]
    fn apply_remote_logs(
        &self,
        conn: &mut store::Connection,
        remotes: &[Remote],
        me: &str,
        no: i64,
        key: Option<&SyncKey>,
        now: chrono::DateTime<chrono::Utc>,
        report: &mut SyncReport,
    ) -> Result<()> {
        // The other devices' changes, each file once the files it depends on are applied.
        let mut applied_counts: Vec<(String, usize)> = Vec::new();
        let mut blocked: std::collections::HashSet<String> = std::collections::HashSet::new();
        for r in remotes {
            if r.no >= 0 {
                let seen = r.logs.last().map_or(0, |l| l.1).max(r.published);
                ss::upsert_peer(conn, &r.id, r.no, &r.name, seen, r.problem.as_deref())?;
                if r.no == no {
                    let msg = format!(
                        "device {} ({}) uses device number {no} too; its changes are not \
                         applied. Sync that device again after deleting its folder {}, or start \
                         it from a new database",
                        short(&r.id),
                        r.name,
                        r.dir.display()
                    );
                    ss::upsert_peer(conn, &r.id, r.no, &r.name, seen, Some(&msg))?;
                    report.problems.push(msg);
                    blocked.insert(r.id.clone());
                } else if let Some(p) = &r.problem {
                    report
                        .problems
                        .push(format!("device {}: {p}", short(&r.id)));
                    blocked.insert(r.id.clone());
                }
            } else if let Some(p) = &r.problem {
                report
                    .problems
                    .push(format!("device {}: {p}", short(&r.id)));
                blocked.insert(r.id.clone());
            }
        }
        loop {
            let mut progress = false;
            let applied: std::collections::HashMap<String, i64> = ss::peers(conn)?
                .into_iter()
                .map(|p| (p.device_id, p.applied_seq))
                .collect();
            for r in remotes {
                if blocked.contains(&r.id) {
                    continue;
                }
                let (n, stop) = self.apply_next_log(conn, r, &applied, me, key, now, report)?;
                if stop {
                    blocked.insert(r.id.clone());
                }
                if n > 0 {
                    match applied_counts.iter_mut().find(|(n, _)| *n == r.name) {
                        Some((_, c)) => *c += n,
                        None => applied_counts.push((r.name.clone(), n)),
                    }
                    progress = true;
                }
            }
            if !progress {
                break;
            }
        }
        for r in remotes
            .iter()
            .filter(|r| !blocked.contains(&r.id) && r.no >= 0)
        {
            let done = ss::peers(conn)?
                .into_iter()
                .find(|p| p.device_id == r.id)
                .map_or(0, |p| p.applied_seq);
            if r.logs.last().is_some_and(|l| l.1 > done) {
                report.problems.push(format!(
                    "device {} ({}): some changes wait for changes of another device that are \
                     not in the folder yet",
                    short(&r.id),
                    r.name
                ));
            }
        }
        report.applied = applied_counts;
        Ok(())
    }

    /// Applies the next log of device `r` in the folder, if it is there, whole and ready (the
    /// changes of other devices it depends on are applied here, by `applied`). Returns how many
    /// changes it applied, and whether that device is blocked for this sync (a gap, a damaged or
    /// foreign file, clocks out of range, changes held back): said in `report.problems`.
    #[allow(clippy::too_many_arguments)]
    fn apply_next_log(
        &self,
        conn: &mut store::Connection,
        r: &Remote,
        applied: &std::collections::HashMap<String, i64>,
        me: &str,
        key: Option<&SyncKey>,
        now: chrono::DateTime<chrono::Utc>,
        report: &mut SyncReport,
    ) -> Result<(usize, bool)> {
        let mut held = false;
        let done = applied.get(&r.id).copied().unwrap_or(0);
        let next = r.logs.iter().find(|l| l.1 > done);
        let first = next.map_or(r.published + 1, |l| l.0);
        if first > done + 1 {
            // A device that knew this one (its device file lists it) removed only
            // what this one had applied, and one without a snapshot removed nothing:
            // the missing logs are still on their way.
            let msg = if r.acks.contains_key(me) || r.snapshot.is_none() {
                format!(
                    "device {} ({}): waiting for its changes {}..{}, not in the folder \
                     yet (still being copied?)",
                    short(&r.id),
                    r.name,
                    done + 1,
                    first - 1
                )
            } else {
                format!(
                    "device {} ({}): its changes {}..{} were compacted away before this \
                     device joined. Start this device from an empty database (it then \
                     joins from a snapshot), after `stint db export` of anything only \
                     here",
                    short(&r.id),
                    r.name,
                    done + 1,
                    first - 1
                )
            };
            ss::upsert_peer(conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
            report.problems.push(msg);
            return Ok((0, true));
        }
        let Some((_, _, path)) = next else {
            return Ok((0, false));
        };
        let bytes = match read_small(path) {
            Ok(b) => b,
            Err(e) => {
                report
                    .problems
                    .push(format!("cannot read {} ({e})", path.display()));
                return Ok((0, true));
            }
        };
        let (h, body) = match open_file_owned(bytes, store::SCHEMA_VERSION as u32, key) {
            Ok(x) => x,
            Err(FileProblem::NotWhole(w)) => {
                report.problems.push(format!(
                    "{} is not whole yet ({w}); it is skipped until it is",
                    path.display()
                ));
                return Ok((0, true));
            }
            Err(p) => {
                let msg = format!("device {} ({}): {}", short(&r.id), r.name, problem_text(p));
                ss::upsert_peer(conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                report.problems.push(msg);
                return Ok((0, true));
            }
        };
        // The name, the (authenticated) header and the entries must agree: a sealed
        // log copied under another name must not mark changes applied that it lacks.
        // A first pass over the entries keeps a few figures (their count and order,
        // bad clocks, what waits); the apply below decodes one change at a time:
        // memory holds the file and one change, never the whole log decoded.
        let (first, last) = (next.map_or(0, |l| l.0), next.map_or(0, |l| l.1));
        let accepted = ss::peers(conn)?
            .into_iter()
            .find(|p| p.device_id == r.id)
            .map_or(ss::Hlc::ZERO, |p| p.accepted_hlc);
        let read = match (h.kind, h.device_id == r.id) {
            (KIND_LOG, true)
                if h.first_seq == first as u64
                    && h.last_seq == last as u64
                    && i64::from(h.device_no) == r.no =>
            {
                match read_log(&body, h.format) {
                    Some((head, entries)) => survey_log(
                        &head,
                        entries.clone(),
                        (first, last, done),
                        accepted,
                        now.timestamp_millis(),
                    )
                    .map(|survey| (head, entries, survey))
                    .map_err(Some),
                    None => Err(Some("its head is damaged or cut".to_owned())),
                }
            }
            _ => Err(None),
        };
        let not_a_log = |why: Option<String>| {
            format!(
                "{} is not a log of device {}{}; it is skipped",
                path.display(),
                short(&r.id),
                why.map(|w| format!(" ({w})")).unwrap_or_default()
            )
        };
        let (head, entries, survey) = match read {
            Ok(read) => read,
            Err(why) => {
                report.problems.push(not_a_log(why));
                return Ok((0, true));
            }
        };
        let ready = head
            .deps
            .iter()
            .all(|(d, s)| *d == me || *d == r.id || applied.get(d).copied().unwrap_or(0) >= *s);
        if !ready {
            return Ok((0, false));
        }
        // Clocks: a stamp or instant no stint writes refuses the file; a change
        // stamped too far ahead of this clock waits, with every later one.
        if let Some(why) = survey.clock {
            let msg = format!(
                "device {} ({}): {} is refused: {why}; it is not applied. The file was \
                 not written by stint as it is: remove it, or that device's folder, \
                 and sync that device again",
                short(&r.id),
                r.name,
                path.display()
            );
            ss::upsert_peer(conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
            report.problems.push(msg);
            return Ok((0, true));
        }
        let hold = survey.hold;
        let mut last = last;
        if let Some((seq, _, _)) = hold {
            last = seq - 1;
        }
        let known: ss::Known = head.known.into_iter().collect();
        let mut n = 0;
        let decided = if last > done {
            let changes = entries
                .take_while(|e| e.as_ref().map_or(true, |e| e.seq <= last))
                .filter(|e| e.as_ref().map_or(true, |e| e.seq > done))
                .map(|e| {
                    let e = e?;
                    n += 1;
                    Ok(RemoteChange {
                        device_id: r.id.clone(),
                        device_name: r.name.clone(),
                        hlc: e.hlc,
                        at: e.at,
                        operation: sync_fs::sanitize(&e.operation),
                        summary: sync_fs::sanitize(&e.summary),
                        ops: e.ops,
                    })
                });
            let applied = ss::apply_file(
                conn,
                &r.id,
                last,
                changes,
                &known,
                now.timestamp(),
                store::SCHEMA_VERSION,
            )?;
            match applied {
                Ok(decided) => decided,
                Err(p) => {
                    // Rolled back: nothing of the file applied.
                    report.problems.push(not_a_log(Some(damage(p))));
                    return Ok((0, true));
                }
            }
        } else {
            Vec::new()
        };
        drop(body);
        match hold {
            Some((seq, first_hlc, newest)) => {
                let msg = format!(
                    "device {} ({}): its changes from number {seq} on are held back: \
                     its clock read {} when it made them, more than a day ahead of this \
                     device's clock ({}). They are applied when this clock gets there; \
                     if that device's clock is right, apply them now with `stint sync \
                     accept {}`",
                    short(&r.id),
                    r.name,
                    first_hlc,
                    now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                    short(&r.id)
                );
                ss::set_held(conn, &r.id, Some(newest))?;
                ss::upsert_peer(conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                report.problems.push(msg);
                held = true;
            }
            None => ss::set_held(conn, &r.id, None)?,
        }
        report.decisions.extend(
            decided
                .into_iter()
                .map(|(id, d)| format!("change {id}: {}", d.detail)),
        );
        Ok((n, held))
    }

    /// Writes this device's snapshot (every row and clock, what it covers) and removes its
    /// older ones.
    fn write_snapshot(
        &self,
        conn: &mut store::Connection,
        my_dir: &Path,
        me: &str,
        no: i64,
        name: &str,
        key: Option<&SyncKey>,
    ) -> Result<()> {
        let (seq, body) = ss::immediate(conn, |tx| -> Result<(i64, Vec<u8>)> {
            let meta = ss::Meta::load(tx)?;
            let st = ss::state(tx)?;
            let hlc = ss::tick(tx, self.now().timestamp_millis())?;
            let known: ss::Known = ss::known_stamps(tx)?.into_iter().collect();
            let mut covers = vec![Cover {
                device: me.to_owned(),
                device_no: no,
                seq: st.published_seq,
                known: ss::own_newest_stamp(tx)?,
            }];
            covers.extend(ss::peers(tx)?.into_iter().map(|p| Cover {
                known: known.get(&p.device_id).copied().unwrap_or_default(),
                device: p.device_id,
                device_no: p.device_no,
                seq: p.applied_seq,
            }));
            // Rows go into the body as they are read: memory holds the body, not the rows.
            let mut body = SnapshotWriter::new(name, hlc, &covers);
            ss::for_each_snapshot_row(tx, &meta, me, |op| body.push(&op))?;
            ss::set_snapshot_seq(tx, st.published_seq)?;
            Ok((st.published_seq, body.finish()))
        })?;
        let file = seal_file(
            &Header {
                format: FORMAT_VERSION,
                schema: store::SCHEMA_VERSION as u32,
                device_id: me.to_owned(),
                device_no: no as u16,
                kind: KIND_SNAPSHOT,
                first_seq: seq as u64,
                last_seq: seq as u64,
                body_len: 0,
            },
            &body,
            key,
        )?;
        write_atomic(&my_dir.join(snapshot_name(seq)), &file)?;
        if let Ok(files) = std::fs::read_dir(my_dir) {
            for f in files.flatten() {
                let n = f.file_name().to_string_lossy().into_owned();
                if parse_snapshot_name(&n).is_some_and(|s| s < seq) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
        Ok(())
    }

    /// Removes this device's logs that every device in the folder has applied (by their
    /// device files) and that every snapshot in the folder covers, so a new device can still
    /// start from any of them. Returns how many files were removed.
    fn compact_logs(
        &self,
        conn: &store::Connection,
        my_dir: &Path,
        me: &str,
        remotes: &[Remote],
        key: Option<&SyncKey>,
    ) -> Result<usize> {
        let mut limit = ss::state(conn)?.published_seq;
        let own = ss::snapshot_seq(conn)?;
        if !my_dir.join(snapshot_name(own)).is_file() {
            return Ok(0);
        }
        limit = limit.min(own);
        // A device known here whose folder is not in this scan (still being copied, a share
        // half mounted) may not have everything: keep every log until it is back.
        let peers = ss::peers(conn)?;
        if peers
            .iter()
            .any(|p| !remotes.iter().any(|r| r.id == p.device_id))
        {
            return Ok(0);
        }
        for r in remotes {
            // With a key, a folder nothing authenticates (planted, or sealed with another key)
            // of no device known here holds nothing back.
            if key.is_some() && r.no < 0 && !peers.iter().any(|p| p.device_id == r.id) {
                continue;
            }
            if r.no < 0 || r.problem.is_some() {
                return Ok(0);
            }
            limit = limit.min(r.acks.get(me).copied().unwrap_or(0));
        }
        let logs: Vec<(i64, PathBuf)> = std::fs::read_dir(my_dir)
            .map(|files| {
                files
                    .flatten()
                    .filter_map(|f| {
                        let (_, last) = parse_log_name(&f.file_name().to_string_lossy())?;
                        Some((last, f.path()))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if !logs.iter().any(|(last, _)| *last <= limit) {
            return Ok(0);
        }
        // Only now the other devices' snapshots (they can be large): what each covers of us.
        for r in remotes {
            if let Some((_, path)) = &r.snapshot {
                let covers = read_small(path)
                    .ok()
                    .and_then(|b| open_file_owned(b, store::SCHEMA_VERSION as u32, key).ok())
                    .and_then(|(_, body)| snapshot_head(&mut R(&body)))
                    .and_then(|(_, _, covers)| covers.into_iter().find(|c| c.device == me))
                    .map(|c| c.seq);
                limit = limit.min(covers.unwrap_or(0));
            }
        }
        Ok(logs
            .iter()
            .filter(|(last, path)| *last <= limit && std::fs::remove_file(path).is_ok())
            .count())
    }

    #[allow(clippy::too_many_arguments)]
    fn write_log(
        &self,
        dir: &Path,
        me: &str,
        no: i64,
        first: i64,
        last: i64,
        body: &[u8],
        key: Option<&SyncKey>,
    ) -> Result<()> {
        let file = seal_file(
            &Header {
                format: FORMAT_VERSION,
                schema: store::SCHEMA_VERSION as u32,
                device_id: me.to_owned(),
                device_no: no as u16,
                kind: KIND_LOG,
                first_seq: first as u64,
                last_seq: last as u64,
                body_len: 0,
            },
            body,
            key,
        )?;
        let my_dir = dir.join(me);
        sync_fs::check_real_dir(&my_dir)?;
        private_dir(&my_dir)?;
        Ok(write_atomic(&my_dir.join(log_name(first, last)), &file)?)
    }

    /// Re-seals this device's own files in its sync folder with `new` (after the key was set,
    /// changed or removed), so the other devices read them with the key they have.
    fn reseal_own_files(&self, old: Option<&SyncKey>, new: Option<&SyncKey>) -> Result<usize> {
        let st = self.read(|ctx| Ok(ss::state(ctx.tx)?))?;
        let Some(folder) = st.folder else {
            return Ok(0);
        };
        let my_dir = Path::new(&folder).join(&st.device_id);
        let Ok(files) = std::fs::read_dir(&my_dir) else {
            return Ok(0);
        };
        let mut n = 0;
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if !is_sync_file_name(&name) {
                continue;
            }
            let Ok(bytes) = read_small(&f.path()) else {
                continue;
            };
            let Ok((h, body)) = open_file(&bytes, store::SCHEMA_VERSION as u32, old)
                .or_else(|_| open_file(&bytes, store::SCHEMA_VERSION as u32, new))
            else {
                continue;
            };
            write_atomic(&f.path(), &seal_file(&h, &body, new)?)?;
            n += 1;
        }
        Ok(n)
    }

    /// Sets the key that encrypts sync files (`None`: files are written in the clear), and
    /// re-seals this device's files already in the folder. Returns how many were re-sealed.
    ///
    /// # Errors
    /// Store errors; a folder that cannot be written.
    pub fn set_sync_key(&self, key: Option<&SyncKey>) -> Result<usize> {
        let _writer = self.inner.writer.lock();
        let old = self.sync_key_here()?;
        // The key first: a sync another process starts from now on seals with it, and one
        // already running re-seals what it wrote when it sees the key changed.
        ss::set_sync_key(&self.conn(), key.map(|k| &k.0[..]))?;
        self.reseal_own_files(old.as_ref(), key)
    }

    /// The sync key, if this device has one.
    ///
    /// # Errors
    /// Store errors.
    pub fn sync_key(&self) -> Result<Option<SyncKey>> {
        self.sync_key_here()
    }

    /// Turns syncing on its own (`stint mcp`, `stint serve`) on or off for this device.
    ///
    /// # Errors
    /// Store errors.
    pub fn set_auto_sync(&self, on: bool) -> Result<()> {
        let _writer = self.inner.writer.lock();
        Ok(ss::set_auto_sync(&self.conn(), on)?)
    }

    /// The folder `stint mcp` and `stint serve` sync on their own: the folder of the last
    /// sync, when auto-sync is on and the folder is there.
    ///
    /// # Errors
    /// Store errors.
    pub fn auto_sync_folder(&self) -> Result<Option<PathBuf>> {
        self.read(|ctx| {
            let st = ss::state(ctx.tx)?;
            Ok(st
                .folder
                .filter(|_| st.device_no.is_some())
                .map(PathBuf::from)
                .filter(|f| f.is_dir())
                .filter(|_| ss::auto_sync(ctx.tx).unwrap_or(false)))
        })
    }
}

/// What is wrong inside a file whose checksum (and seal) held: the reader's words.
fn damage(p: FileProblem) -> String {
    match p {
        FileProblem::NotWhole(why) => why,
        p => problem_text(p),
    }
}

/// What the first pass over a log's entries found ([`survey_log`]): a few figures, whatever
/// the file's size.
struct LogSurvey {
    /// Why its clock values cannot be from stint (a stamp or instant out of range), if so.
    clock: Option<String>,
    /// The first change after `done` stamped more than the drift bound ahead of real time and
    /// not accepted (stamps up to `accepted` are): its sequence number and stamp, and the
    /// newest stamp among the held changes of the file.
    hold: Option<(i64, Hlc, Hlc)>,
}

/// Reads the stamps of a log's entries once (nothing of their changes kept) and says what the
/// clocks say ([`LogSurvey`]). `bounds` is `(first, last, done)`: the sequence numbers its
/// name gives, and the last change of that device applied here.
///
/// # Errors
/// Why it is not that log (said after "is not a log of device …"): entries damaged, cut, not
/// `last - first + 1` of them, or not numbered `first..=last`.
fn survey_log(
    head: &LogHead,
    entries: LogEntries<'_>,
    (first, last, done): (i64, i64, i64),
    accepted: Hlc,
    now_ms: i64,
) -> std::result::Result<LogSurvey, String> {
    if i64::try_from(head.entries).ok() != Some(last - first + 1) {
        return Err(format!(
            "it holds {} changes, its name says {}",
            head.entries,
            last - first + 1
        ));
    }
    let mut clock = None;
    let mut hold: Option<(i64, Hlc, Hlc)> = None;
    for (stamp, seq) in entries.stamps().zip(first..) {
        let e = stamp.map_err(damage)?;
        if e.seq != seq {
            return Err(format!("its change {seq} is numbered {}", e.seq));
        }
        if clock.is_none() {
            if !e.hlc.in_range() {
                clock = Some(format!(
                    "change {} carries the clock stamp {}, outside the years stint accepts",
                    e.seq,
                    e.hlc.raw()
                ));
            } else if !ss_clock::at_in_range(e.at) {
                clock = Some(format!(
                    "change {} was made at {} (Unix seconds), outside the years 1900 to 2199",
                    e.seq, e.at
                ));
            }
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

/// The snapshot an empty device starts from: among each device's newest, one whose later
/// changes are all still in the folder, covering the most changes. Returns its device and its
/// opened body (checked whole: [`read_snapshot`] reads it again as it loads); the others'
/// bodies are dropped as they are passed over, and no snapshot is decoded whole.
fn best_snapshot(
    remotes: &[Remote],
    key: Option<&SyncKey>,
    now_ms: i64,
    report: &mut SyncReport,
) -> Option<(String, Vec<u8>)> {
    let mut best: Option<(i64, String, Vec<u8>)> = None;
    for r in remotes.iter().filter(|r| r.problem.is_none() && r.no >= 0) {
        let Some((_, path)) = &r.snapshot else {
            continue;
        };
        let opened = read_small(path)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                open_file_owned(b, store::SCHEMA_VERSION as u32, key).map_err(problem_text)
            })
            .and_then(|(h, body)| {
                // Its rows are checked whole here, nothing of them kept: only the chosen
                // snapshot's body is, and its rows are decoded as they load.
                let top = (h.kind == KIND_SNAPSHOT && h.device_id == r.id)
                    .then(|| read_snapshot(&body))
                    .flatten()
                    .and_then(|(top, rows)| rows.check().is_ok().then_some(top));
                match top {
                    Some(top) => Ok((top, body)),
                    None => Err("not a snapshot of that device".to_owned()),
                }
            });
        // Its clocks are checked as a log's are; one too far ahead is not started from (the
        // logs after it wait the same way).
        let opened = opened.and_then(|(snap, body)| {
            let stamps = std::iter::once(snap.hlc).chain(snap.covers.iter().map(|c| c.known));
            if stamps.clone().any(|h| h != Hlc::ZERO && !h.in_range()) {
                Err("it carries clock stamps outside the years stint accepts".to_owned())
            } else if stamps.clone().any(|h| h.is_ahead_of(now_ms)) {
                Err(format!(
                    "its device's clock read {}, more than a day ahead of this device's clock",
                    stamps.max().unwrap_or_default()
                ))
            } else {
                Ok((snap, body))
            }
        });
        let (snap, body) = match opened {
            Ok(s) => s,
            Err(why) => {
                report.problems.push(format!(
                    "the snapshot of device {} was not used: {why}",
                    short(&r.id)
                ));
                continue;
            }
        };
        let usable = remotes.iter().all(|e| {
            let covered = snap
                .covers
                .iter()
                .find(|c| c.device == e.id)
                .map_or(0, |c| c.seq);
            e.logs.last().is_none_or(|l| l.1 <= covered) || oldest_kept(e) <= covered + 1
        });
        if !usable {
            continue;
        }
        let weight: i64 = snap.covers.iter().map(|c| c.seq).sum();
        if best.as_ref().is_none_or(|b| weight > b.0) {
            best = Some((weight, r.id.clone(), body));
        }
    }
    best.map(|(_, id, s)| (id, s))
}
impl Service {
    /// Syncs through `folder`, or the folder of the last sync: for front ends. Naming a folder
    /// is for callers that may write files (the CLI and stdio).
    ///
    /// # Errors
    /// A folder named by a caller that may not write files; no folder named and none synced
    /// with yet; and those of [`Service::sync_folder`].
    pub fn sync(&self, folder: Option<&Path>) -> Result<SyncReport> {
        let dir = match folder {
            Some(f) if !self.caller.may_write_files => {
                return Err(conflict(format!(
                    "this caller cannot name a folder to write to ({}); leave folder out to \
                     sync through the folder this database already syncs with",
                    f.display()
                )));
            }
            Some(f) => f.to_path_buf(),
            None => match self.sync_status()?.folder {
                Some(f) => return self.sync_bound(Path::new(&f)),
                None => {
                    return Err(conflict(
                        "this database does not sync yet; name the shared folder (folder, or \
                         `stint sync DIR` on this machine) once, later syncs remember it"
                            .to_owned(),
                    ));
                }
            },
        };
        self.sync_folder(&dir)
    }

    /// Devices, what is pending, the billing device and the decisions sync took.
    pub fn sync_status(&self) -> Result<SyncStatus> {
        self.read(|ctx| {
            let st = ss::state(ctx.tx)?;
            let billing = ss::billing_device(ctx.tx)?;
            let peers = ss::peers(ctx.tx)?
                .into_iter()
                .map(|p| PeerStatus {
                    pending: (p.seen_seq - p.applied_seq).max(0),
                    applied: p.applied_seq,
                    device_id: p.device_id,
                    device_no: p.device_no,
                    name: p.name.map(|n| sync_fs::device_name(&n)),
                    problem: p.problem.map(|m| sync_fs::sanitize(&m)),
                })
                .collect();
            let (rows, total) = ss::decisions(ctx.tx, STATUS_DECISIONS)?;
            Ok(SyncStatus {
                is_billing_device: billing.as_deref() == Some(st.device_id.as_str()),
                billing_device: billing,
                unpublished: ss::unpublished_count(ctx.tx)?,
                device_id: st.device_id,
                device_no: st.device_no,
                device_name: st.device_name,
                folder: st.folder,
                peers,
                decisions: rows
                    .into_iter()
                    .map(|d| SyncDecision {
                        id: d.id,
                        at: d.at,
                        change_id: d.change_id,
                        kind: d.kind,
                        detail: d.detail,
                    })
                    .collect(),
                decisions_total: total,
                running_timers: ss::running_tracks(ctx.tx)?,
                encrypted: ss::sync_key(ctx.tx)?.is_some(),
                auto_sync: ss::auto_sync(ctx.tx)?,
                snapshot_seq: ss::snapshot_seq(ctx.tx)?,
            })
        })
    }

    /// Makes this device the one that issues invoice numbers (a setting that syncs).
    pub fn make_billing_device(&self) -> Result<String> {
        self.write("set_billing_device", |ctx| {
            let me = ss::state(ctx.tx)?.device_id;
            ss::set_billing_device(ctx.tx, &me, ctx.now.timestamp())?;
            Ok(me)
        })
    }
}

/// Refuses to issue an invoice number on a device other than the billing device.
pub(crate) fn check_billing_device(tx: &store::Tx<'_>) -> Result<()> {
    let Some(billing) = ss::billing_device(tx)? else {
        return Ok(());
    };
    let st = ss::state(tx)?;
    if billing == st.device_id {
        return Ok(());
    }
    let name = ss::peers(tx)?
        .into_iter()
        .find(|p| p.device_id == billing)
        .and_then(|p| p.name)
        .map(|n| format!("{n} ({})", short(&billing)))
        .unwrap_or_else(|| format!("device {}", short(&billing)));
    Err(conflict(format!(
        "invoice numbers are issued only on the billing device, {name}, so that two devices \
         never give out the same number; mark the invoice sent there, or make this device the \
         billing device with `stint sync billing-device`"
    )))
}

/// Refuses to undo a change made before this database joined sync (its ids were renumbered).
pub(crate) fn check_undo(tx: &store::Tx<'_>, change_id: i64) -> Result<()> {
    let st = ss::state(tx)?;
    if st.folder.is_some() && change_id <= st.joined_change {
        return Err(conflict(format!(
            "change {change_id} was made before this database joined sync, when its ids were \
             renumbered, so it cannot be undone; change the rows by hand"
        )));
    }
    Ok(())
}
