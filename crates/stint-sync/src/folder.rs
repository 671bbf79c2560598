//! A sync through a shared folder, executed: scan the folder, [`plan`] the
//! sync, run its steps (join, publish, apply, device file, snapshot, compact) and report.
//! Every decision is a pure function in [`plan`]; here is the reading and
//! writing of files and the SQL of [`stint_store::sync`].
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
//!
//! **Architecture Invariant**: the caller holds the database's writer lock for the whole
//! sync; nothing here takes a lock or reads a clock other than the one it is given.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use crate::file::*;
use crate::fs::{check_real_dir, write_atomic};
use crate::plan::{self, Here, NextLog, Request, SnapshotWhen, Step};
use crate::report::SyncReport;
use crate::{Result, conflict, io_err};
use stint_store as store;
use stint_store::sync::{
    self as ss, DeviceId, DeviceNo, Hlc, Position, RemoteChange, Seq, SeqRange,
};

/// What a sync runs with besides the database and the folder.
pub struct Env<'a> {
    /// The database file's identity ([`file_ident`]), to notice a copied database.
    pub ident: &'a str,
    /// The service's clock (UTC): read when the sync starts, and again to stamp a snapshot.
    pub clock: &'a dyn Fn() -> DateTime<Utc>,
}

impl std::fmt::Debug for Env<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Env")
            .field("ident", &self.ident)
            .finish_non_exhaustive()
    }
}

/// "dev:inode" of a file, to notice a database that was copied (its path when it cannot be
/// read).
pub fn file_ident(path: &Path) -> String {
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

/// Syncs the database `conn` with the other devices' files in `dir`: joins on the first sync
/// (claims a device number, renumbers ids, publishes what is here; an empty database starts
/// from the best snapshot in the folder), writes this device's new changes, applies the other
/// devices' changes, each file in one transaction, then writes a snapshot when due (or
/// asked, `req.compact`) and removes this device's logs that every device has applied.
///
/// # Errors
/// A folder that cannot be created, read or written; 64 devices in the folder already; a
/// database that syncs through another folder; store errors. Damaged files, files from a
/// newer stint and files sealed with another key are not errors: they are listed in
/// [`SyncReport::problems`].
pub fn sync(
    conn: &mut store::Connection,
    dir: &Path,
    req: Request,
    env: &Env<'_>,
) -> Result<SyncReport> {
    private_dir(dir)?;
    let dir = std::fs::canonicalize(dir).map_err(|e| io_err("open", dir, e))?;
    let now = (env.clock)();
    let key = ss::sync_key(conn)?.and_then(|k| SyncKey::from_stored(&k));
    let mut run = Run {
        folder: dir.display().to_string(),
        my_dir: PathBuf::new(),
        dir,
        conn,
        key,
        now,
        env,
        me: DeviceId::default(),
        no: DeviceNo::of_id(0),
        name: String::new(),
        report: SyncReport::default(),
    };
    run.take_place()?;
    let remotes = scan(&run.dir, &run.me, run.key.as_ref())?;
    run.own_dir()?;
    let plan = plan::plan(&run.here()?, &remotes, req).map_err(conflict)?;
    run.settle()?;
    for step in plan.steps {
        run.step(step, &remotes)?;
    }
    ss::set_place(run.conn, &run.folder, env.ident)?;
    Ok(run.report)
}

/// One sync under way: the database, the folder, and what it has found out so far.
struct Run<'a, 'e> {
    conn: &'a mut store::Connection,
    /// The folder (canonical), and its text as the database keeps it.
    dir: PathBuf,
    folder: String,
    /// This device's own folder in it, its id, number and name.
    my_dir: PathBuf,
    me: DeviceId,
    /// Set once the device has joined (`settle`).
    no: DeviceNo,
    name: String,
    key: Option<SyncKey>,
    now: DateTime<Utc>,
    env: &'e Env<'e>,
    report: SyncReport,
}

impl Run<'_, '_> {
    /// A copied database takes a new device id; a database bound to another folder is
    /// refused.
    fn take_place(&mut self) -> Result<()> {
        let mut st = ss::state(self.conn)?;
        if plan::is_copy(st.device_no, st.file_ident.as_deref(), self.env.ident) {
            let new_id = ss::immediate(self.conn, |tx| ss::become_new_device(tx, &st))?;
            self.report.notes.push(format!(
                "this database file is a copy (or moved) of device {}: it syncs as a new device \
                 {} from now on",
                short(&st.device_id),
                short(&new_id)
            ));
            st = ss::state(self.conn)?;
        }
        let own_dir_there = self.dir.join(&st.device_id).is_dir();
        plan::check_folder(st.folder.as_deref(), &self.folder, own_dir_there).map_err(conflict)?;
        self.me = st.device_id;
        Ok(())
    }

    /// This device's own folder first: a folder that cannot take it (`/proc`, a read-only
    /// disk) fails here, before the first sync changes anything in the database.
    fn own_dir(&mut self) -> Result<()> {
        self.my_dir = self.dir.join(&self.me);
        check_real_dir(&self.my_dir)?;
        private_dir(&self.my_dir)
    }

    fn here(&self) -> Result<Here> {
        let st = ss::state(self.conn)?;
        Ok(Here {
            device_id: st.device_id,
            device_no: st.device_no,
            synced_before: st.folder.is_some(),
            empty: !ss::has_data(self.conn)?,
            unpublished: ss::unpublished_count(self.conn)?,
            peer_numbers: ss::peers(self.conn)?
                .iter()
                .filter_map(|p| p.device_no)
                .collect(),
        })
    }

    /// This device's number and name (again once it has joined).
    fn settle(&mut self) -> Result<()> {
        let st = ss::state(self.conn)?;
        self.no = st.device_no.unwrap_or(self.no);
        self.report.device_id = self.me.to_string();
        self.report.device_no = self.no.get();
        self.name = st.device_name.unwrap_or_else(host_name);
        Ok(())
    }

    fn step(&mut self, step: Step, remotes: &[Remote]) -> Result<()> {
        match step {
            Step::Join(join) => {
                self.join(&join, remotes)?;
                self.settle()
            }
            Step::Publish => self.publish(),
            Step::Apply => self.apply(remotes),
            Step::FlagTimers => self.flag_timers(),
            Step::WriteDeviceFile => self.write_device_file(),
            Step::Snapshot(when) => self.snapshot(when),
            Step::Compact => self.compact(remotes),
        }
    }

    fn key(&self) -> Option<&SyncKey> {
        self.key.as_ref()
    }

    /// Writes this device's log of changes `range` (`body`) into its folder.
    fn write_log(&self, range: SeqRange, body: &[u8]) -> Result<()> {
        write_log(&self.dir, &self.me, self.no, range, body, self.key())
    }
}

mod apply;
mod join;
mod publish;

/// Writes the log of device `me` (number `no`) of its changes `range` (`body`, sealed
/// with `key` when there is one) into its folder in `dir`.
fn write_log(
    dir: &Path,
    me: &DeviceId,
    no: DeviceNo,
    range: SeqRange,
    body: &[u8],
    key: Option<&SyncKey>,
) -> Result<()> {
    let file = seal_file(
        &Header::of(me, no, KIND_LOG, range.first, range.last),
        body,
        key,
    )?;
    let my_dir = dir.join(me);
    check_real_dir(&my_dir)?;
    private_dir(&my_dir)?;
    write_atomic(&my_dir.join(log_name(range)), &file)
}

/// Re-seals this device's own files in its sync folder with `new` (after the key was set,
/// changed or removed from `old`), so the other devices read them with the key they have.
/// Returns how many were re-sealed; files that open with neither key are left alone.
///
/// # Errors
/// Store errors; a file that cannot be sealed or written.
pub fn reseal_own_files(
    conn: &store::Connection,
    old: Option<&SyncKey>,
    new: Option<&SyncKey>,
) -> Result<usize> {
    let st = ss::state(conn)?;
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

impl Run<'_, '_> {
    /// Two timers running after a sync are both kept, and flagged (once).
    fn flag_timers(&mut self) -> Result<()> {
        let settings = store::settings::load(self.conn)?;
        let running = ss::running_tracks(self.conn)?;
        let Some(detail) = plan::timers_decision(&running, settings.allow_concurrent_timers) else {
            return Ok(());
        };
        let d = ss::Decision {
            kind: ss::DecisionKind::Timers,
            detail,
        };
        if !ss::has_decision(self.conn, d.kind, &d.detail)? {
            ss::record_decision(self.conn, self.now.timestamp(), None, None, &d)?;
            self.report.decisions.push(d.detail);
        }
        Ok(())
    }

    /// This device's file: its name, and how far it has applied every other device (what
    /// lets each device remove logs that all have). Rewritten only when it says something new.
    fn write_device_file(&mut self) -> Result<()> {
        let st = ss::state(self.conn)?;
        let acks: Vec<Position> = ss::peers(self.conn)?
            .into_iter()
            .map(|p| Position::new(p.device_id, p.applied_seq))
            .collect();
        let body = encode_device(&self.name, &acks);
        let device_path = self.my_dir.join("device.stint");
        let existing = read_small(&device_path)
            .ok()
            .and_then(|c| open_file(&c, store::SCHEMA_VERSION as u32, self.key()).ok());
        let existing = existing.as_ref().map(|(h, b)| (h.last_seq, b.as_slice()));
        if plan::device_file_current(existing, st.published_seq, &body) {
            return Ok(());
        }
        let header = Header::of(&self.me, self.no, KIND_DEVICE, Seq::ZERO, st.published_seq);
        write_atomic(&device_path, &seal_file(&header, &body, self.key())?)
    }

    /// A snapshot when due (or asked for).
    fn snapshot(&mut self, when: SnapshotWhen) -> Result<()> {
        let published = ss::state(self.conn)?.published_seq;
        let snap_seq = ss::snapshot_seq(self.conn)?;
        let own_exists = self.my_dir.join(snapshot_name(snap_seq)).is_file();
        if when == SnapshotWhen::IfDue && !plan::snapshot_due(published, snap_seq, own_exists) {
            return Ok(());
        }
        self.write_snapshot()?;
        self.report.notes.push(
            "wrote a snapshot of everything this device has, so a new device starts from it \
             instead of replaying every change"
                .to_owned(),
        );
        Ok(())
    }

    /// Writes this device's snapshot (every row and clock, what it covers) and removes its
    /// older ones.
    fn write_snapshot(&mut self) -> Result<()> {
        let (me, no, name) = (&self.me, self.no, self.name.as_str());
        let clock = self.env.clock;
        let (seq, body) = ss::immediate(self.conn, |tx| -> Result<(Seq, Vec<u8>)> {
            let meta = ss::Meta::load(tx)?;
            let st = ss::state(tx)?;
            let hlc = ss::tick(tx, clock().timestamp_millis())?;
            let known: ss::Known = ss::known_stamps(tx)?.into_iter().collect();
            let mut covers = vec![Cover {
                device: me.clone(),
                device_no: Some(no),
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
        let header = Header::of(me, no, KIND_SNAPSHOT, seq, seq);
        let file = seal_file(&header, &body, self.key())?;
        write_atomic(&self.my_dir.join(snapshot_name(seq)), &file)?;
        if let Ok(files) = std::fs::read_dir(&self.my_dir) {
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
    /// start from any of them.
    fn compact(&mut self, remotes: &[Remote]) -> Result<()> {
        let snapshot_seq = ss::snapshot_seq(self.conn)?;
        let facts = plan::CompactFacts {
            published: ss::state(self.conn)?.published_seq,
            snapshot_seq,
            snapshot_exists: self.my_dir.join(snapshot_name(snapshot_seq)).is_file(),
            peers: ss::peers(self.conn)?
                .into_iter()
                .map(|p| p.device_id)
                .collect(),
            keyed: self.key.is_some(),
        };
        let Some(limit) = plan::compact_limit(&self.me, &facts, remotes) else {
            return Ok(());
        };
        let logs = self.own_logs();
        if plan::removable(&logs, limit).is_empty() {
            return Ok(());
        }
        // Only now the other devices' snapshots (they can be large): what each covers of us.
        let covers: Vec<Option<Seq>> = remotes
            .iter()
            .filter_map(|r| r.snapshot.as_ref())
            .map(|(_, path)| self.snapshot_covers_me(path))
            .collect();
        let limit = plan::covered_limit(limit, &covers);
        let removed = plan::removable(&logs, limit)
            .iter()
            .filter(|path| std::fs::remove_file(path).is_ok())
            .count();
        if removed > 0 {
            self.report.notes.push(format!(
                "removed {removed} log file(s) of this device that every device has applied"
            ));
        }
        Ok(())
    }

    /// This device's logs in its folder: `(last seq, path)`.
    fn own_logs(&self) -> Vec<(Seq, PathBuf)> {
        std::fs::read_dir(&self.my_dir)
            .map(|files| {
                files
                    .flatten()
                    .filter_map(|f| {
                        let range = parse_log_name(&f.file_name().to_string_lossy())?;
                        Some((range.last, f.path()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How far the snapshot at `path` covers this device's changes (`None`: unreadable).
    fn snapshot_covers_me(&self, path: &Path) -> Option<Seq> {
        read_small(path)
            .ok()
            .and_then(|b| open_file_owned(b, store::SCHEMA_VERSION as u32, self.key()).ok())
            .and_then(|(_, body)| snapshot_head(&mut R(&body)))
            .and_then(|(_, _, covers)| covers.into_iter().find(|c| c.device == self.me))
            .map(|c| c.seq)
    }
}
