//! The join step: the first sync of this database with a folder.

use super::*;
use crate::plan::{Join, JoinFrom};

impl Run<'_, '_> {
    /// The first sync of this database with the folder (the other devices `remotes`): claims a
    /// device number no device there uses (at random), renumbers every id into it
    /// (`id * 64 + number`), and publishes what is here as the first log; an empty database
    /// that never synced starts from the best snapshot in the folder instead of every log.
    /// One transaction: a failure leaves the database as it was.
    ///
    /// # Errors
    /// No random bytes from the system; a folder that refuses the first log; store errors.
    pub(super) fn join(&mut self, join: &Join, remotes: &[Remote]) -> Result<()> {
        let mut b = [0u8; 2];
        getrandom::fill(&mut b).map_err(|e| {
            conflict(format!(
                "cannot join the sync folder: the system gave no random bytes to pick a \
                 device number ({e}); nothing was changed, try again"
            ))
        })?;
        let no = plan::pick_number(&join.free, b);
        let start = match &join.from {
            JoinFrom::Snapshot { candidates } => self.best_snapshot(remotes, candidates),
            JoinFrom::Logs => None,
        };
        let joining = Joining {
            first: join.first,
            alone: remotes.is_empty(),
            no,
            name: host_name(),
            me: &self.me,
            dir: &self.dir,
            folder: &self.folder,
            ident: self.env.ident,
            key: self.key.as_ref(),
            now: self.now,
        };
        let mut notes = Vec::new();
        let renumbered =
            ss::immediate(self.conn, |tx| joining.run(tx, start.as_ref(), &mut notes))?;
        self.report.notes.extend(notes);
        self.report.joined = true;
        self.report.renumbered = renumbered;
        Ok(())
    }

    /// The snapshot an empty device starts from: among the newest snapshots of `candidates`,
    /// the one [`plan::snapshot_weight`] values most. Returns its device and its opened body
    /// (checked whole: [`read_snapshot`] reads it again as it loads); the others' bodies are
    /// dropped as they are passed over, and no snapshot is decoded whole. Snapshots not used
    /// are said in the report's problems.
    fn best_snapshot(
        &mut self,
        remotes: &[Remote],
        candidates: &[DeviceId],
    ) -> Option<(DeviceId, Vec<u8>)> {
        let mut best: Option<(i64, DeviceId, Vec<u8>)> = None;
        for r in remotes.iter().filter(|r| candidates.contains(&r.id)) {
            let Some((_, path)) = &r.snapshot else {
                continue;
            };
            let (snap, body) = match self.open_snapshot(r, path) {
                Ok(s) => s,
                Err(why) => {
                    self.report.problems.push(format!(
                        "the snapshot of device {} was not used: {why}",
                        short(&r.id)
                    ));
                    continue;
                }
            };
            let Some(weight) = plan::snapshot_weight(remotes, &snap.covers) else {
                continue;
            };
            if best.as_ref().is_none_or(|b| weight > b.0) {
                best = Some((weight, r.id.clone(), body));
            }
        }
        best.map(|(_, id, s)| (id, s))
    }

    /// The snapshot of device `r` at `path`, opened and checked whole (its rows, nothing of
    /// them kept) with its clocks checked as a log's are: its head and body.
    fn open_snapshot(
        &self,
        r: &Remote,
        path: &Path,
    ) -> std::result::Result<(SnapshotTop, Vec<u8>), String> {
        let (snap, body) = read_small(path)
            .map_err(|e| e.to_string())
            .and_then(|b| {
                open_file_owned(b, store::SCHEMA_VERSION as u32, self.key()).map_err(problem_text)
            })
            .and_then(|(h, body)| {
                let top = (h.kind == KIND_SNAPSHOT && h.device_id == r.id)
                    .then(|| read_snapshot(&body))
                    .flatten()
                    .and_then(|(top, rows)| rows.check().is_ok().then_some(top));
                match top {
                    Some(top) => Ok((top, body)),
                    None => Err("not a snapshot of that device".to_owned()),
                }
            })?;
        // One too far ahead is not started from (the logs after it wait the same way).
        match plan::snapshot_clock_problem(snap.hlc, &snap.covers, self.now.timestamp_millis()) {
            Some(why) => Err(why),
            None => Ok((snap, body)),
        }
    }
}

/// What the join's transaction needs, read before it starts.
struct Joining<'a> {
    first: bool,
    /// No other device in the folder (the joiner takes the billing role).
    alone: bool,
    no: DeviceNo,
    name: String,
    me: &'a DeviceId,
    dir: &'a Path,
    folder: &'a str,
    ident: &'a str,
    key: Option<&'a SyncKey>,
    now: DateTime<Utc>,
}

impl Joining<'_> {
    /// The join's transaction; returns how many rows were renumbered.
    fn run(
        &self,
        tx: &store::Connection,
        start: Option<&(DeviceId, Vec<u8>)>,
        notes: &mut Vec<String>,
    ) -> Result<usize> {
        let meta = ss::Meta::load(tx)?;
        let mut renumbered = 0;
        if self.first {
            renumbered = ss::renumber(tx, &meta, self.no)?;
            if self.alone && ss::billing_device(tx)?.is_none() {
                ss::set_billing_device(tx, self.me, self.now.timestamp())?;
            }
        }
        let last = ss::last_change_id(tx)?;
        if self.first {
            ss::set_joined(tx, self.no, &self.name, self.folder, self.ident, last)?;
        } else {
            ss::set_device_no(tx, self.no)?;
            ss::set_place(tx, self.folder, self.ident)?;
        }
        if let Some((author, body)) = start {
            notes.push(self.load_snapshot(tx, author, body)?);
        }
        if self.first && start.is_none() && ss::has_data(tx)? {
            self.publish_all(tx, &meta, last)?;
        }
        Ok(renumbered)
    }

    /// Loads the snapshot of device `author` (`body`, checked whole by `best_snapshot`; its
    /// rows are decoded as they load) and marks what it covers applied. Returns the note.
    fn load_snapshot(&self, tx: &store::Connection, author: &str, body: &[u8]) -> Result<String> {
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
                    plan::damage(p)
                )
            })
        });
        let n = ss::load_snapshot(tx, rows, snap.hlc, self.now.timestamp_millis())?
            .map_err(conflict)?;
        for c in &snap.covers {
            if c.device != *self.me {
                let dname = if c.device == author {
                    snap.name.as_str()
                } else {
                    ""
                };
                ss::set_applied_from_snapshot(tx, &c.device, c.device_no, dname, c.seq, c.known)?;
            }
        }
        Ok(format!(
            "started from the snapshot of device {} ({}): {n} rows, without replaying its \
             history",
            short(author),
            snap.name
        ))
    }

    /// Publishes every row here as this device's first log (change 1, up to change `last` of
    /// the change log). Written before the join commits: a folder that refuses the file
    /// leaves the database as it was.
    fn publish_all(&self, tx: &store::Connection, meta: &ss::Meta, last: i64) -> Result<()> {
        let ops = ss::snapshot_ops(tx, meta)?;
        let hlc = ss::tick(tx, self.now.timestamp_millis())?;
        ss::clock_snapshot(tx, &ops, meta, &ss::Stamp::new(hlc, self.me.clone()))?;
        let n = ops.len();
        let log = Log {
            name: self.name.clone(),
            deps: Vec::new(),
            known: Vec::new(),
            entries: vec![Entry {
                seq: Seq::FIRST,
                hlc,
                at: self.now.timestamp(),
                schema: store::SCHEMA_VERSION,
                operation: "sync_join".to_owned(),
                summary: format!("joined with {n} rows"),
                ops,
            }],
        };
        write_log(
            self.dir,
            self.me,
            self.no,
            SeqRange {
                first: Seq::FIRST,
                last: Seq::FIRST,
            },
            &encode_log(&log),
            self.key,
        )?;
        ss::set_published(tx, Seq::FIRST, last)?;
        Ok(())
    }
}
