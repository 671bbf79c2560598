//! Sync between devices through a shared folder: `stint sync DIR` and `stint sync status`.
//!
//! The folder sync itself (its plan and its execution) is in [`stint_sync::folder`] and
//! [`stint_sync::plan`]; here are the use cases front ends call: each takes the writer lock,
//! the connection and the clock, and runs it.

use std::path::{Path, PathBuf};

use super::sync_fs;
pub(crate) use super::sync_fs::write_atomic;
use super::{Result, Service, ServiceError};
use stint_store as store;
use stint_store::sync as ss;
pub(crate) use stint_sync::file::*;
use stint_sync::folder;
pub(super) use stint_sync::folder::file_ident;
pub use stint_sync::{PeerStatus, SyncDecision, SyncReport, SyncStatus};

/// How many decisions `sync status` shows.
const STATUS_DECISIONS: usize = 20;

fn conflict(msg: String) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

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
        let ident = file_ident(&self.inner.db_path);
        let clock = || self.now();
        let env = folder::Env {
            ident: &ident,
            clock: &clock,
        };
        let request = stint_sync::plan::Request { compact };
        Ok(folder::sync(&mut self.conn(), dir, request, &env)?)
    }

    /// Re-seals this device's own files in its sync folder with `new` (after the key was set,
    /// changed or removed), so the other devices read them with the key they have.
    fn reseal_own_files(&self, old: Option<&SyncKey>, new: Option<&SyncKey>) -> Result<usize> {
        Ok(folder::reseal_own_files(&self.conn(), old, new)?)
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
                    pending: p.seen_seq.since(p.applied_seq),
                    applied: p.applied_seq.get(),
                    device_id: p.device_id.into(),
                    device_no: p.device_no.map_or(-1, ss::DeviceNo::get),
                    name: p.name.map(|n| sync_fs::device_name(&n)),
                    problem: p.problem.map(|m| sync_fs::sanitize(&m)),
                })
                .collect();
            let (rows, total) = ss::decisions(ctx.tx, STATUS_DECISIONS)?;
            Ok(SyncStatus {
                is_billing_device: billing.as_deref() == Some(st.device_id.as_str()),
                billing_device: billing,
                unpublished: ss::unpublished_count(ctx.tx)?,
                device_id: st.device_id.into(),
                device_no: st.device_no.map(ss::DeviceNo::get),
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
                snapshot_seq: ss::snapshot_seq(ctx.tx)?.get(),
            })
        })
    }

    /// Makes this device the one that issues invoice numbers (a setting that syncs).
    pub fn make_billing_device(&self) -> Result<String> {
        self.write("set_billing_device", |ctx| {
            let me = ss::state(ctx.tx)?.device_id;
            ss::set_billing_device(ctx.tx, &me, ctx.now.timestamp())?;
            Ok(me.to_string())
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
