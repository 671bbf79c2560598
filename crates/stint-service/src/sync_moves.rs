//! Doors that open both ways: `stint sync --move DIR` (a device goes to another folder
//! without starting over) and `stint sync accept DEVICE` (changes held back because their
//! device's clock was far ahead are applied once the person says that clock is right).
//!
//! Moving copies this device's own files (its device file, logs and snapshot, under
//! `DIR/<device id>/`) from the old folder into the new one and syncs there: its history and
//! identity carry over, so every device of the old folder that moves the same way ends with
//! the same files in the new folder as in the old, and they converge as they did; a device
//! that never synced the old folder's files joins the new folder as usual. When the old
//! folder cannot be read any more, this device publishes a snapshot of everything it has in
//! the new folder instead, so a new device starts from it.

use std::path::Path;

use super::sync::{
    SyncReport, devices_in, is_sync_file_name, private_dir, read_small, write_atomic,
};
use super::{Result, Service, ServiceError};
use stint_store::sync as ss;

/// What `stint sync accept DEVICE` accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyncAccepted {
    /// The device (32 hex digits) and its name.
    pub device_id: String,
    pub name: Option<String>,
    /// Its changes stamped up to this instant (Unix milliseconds, UTC) are applied now.
    pub until_ms: i64,
}

fn conflict(msg: String) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

impl Service {
    /// Accepts the changes of another device held back because its clock was more than a
    /// day ahead of this one's (`device`: its id, a prefix of at least 4 hex digits, or its
    /// name, case-insensitive); the next sync applies them.
    ///
    /// # Errors
    /// No device, or several, go by that name; nothing of it is held back.
    pub fn sync_accept(&self, device: &str) -> Result<SyncAccepted> {
        let _writer = self.inner.writer.lock();
        let mut conn = self.conn();
        let wanted = device.trim().to_lowercase();
        ss::immediate(&mut conn, |tx| -> Result<SyncAccepted> {
            let peers = ss::peers(tx)?;
            let hits: Vec<&ss::Peer> = peers
                .iter()
                .filter(|p| {
                    (wanted.len() >= 4 && p.device_id.starts_with(&wanted))
                        || p.name
                            .as_deref()
                            .is_some_and(|n| n.to_lowercase() == wanted)
                })
                .collect();
            let p = match hits.as_slice() {
                [p] => *p,
                [] => {
                    return Err(conflict(format!(
                        "no device here goes by {device:?}; `stint sync status` lists the \
                         devices and which of them have changes held back"
                    )));
                }
                _ => {
                    return Err(conflict(format!(
                        "{device:?} names {} devices; give more of the device id (`stint sync \
                         status` lists them)",
                        hits.len()
                    )));
                }
            };
            let Some(h) = ss::accept_held(tx, &p.device_id)? else {
                return Err(conflict(format!(
                    "device {} has no changes held back; nothing to accept",
                    &p.device_id[..8.min(p.device_id.len())]
                )));
            };
            Ok(SyncAccepted {
                device_id: p.device_id.to_string(),
                name: p.name.clone(),
                until_ms: h.ms(),
            })
        })
    }

    /// Moves this device to the folder `dir` without starting over: its own files are copied
    /// there from the folder it synced through (or, when that folder cannot be read, a
    /// snapshot of everything here is written there), the database remembers `dir`, and it
    /// syncs with it. A device that synced with a server (`stint sync --url`) copies its files
    /// from its mirror folder and also writes a snapshot there, since the server's own
    /// history stays on the server. A database that never synced just syncs with `dir`.
    /// The way to a server is [`Service::sync_move_to_server`].
    ///
    /// # Errors
    /// A folder that cannot be created or written (nothing changes then); a device in `dir`
    /// that uses this device's number (the folder belongs to other devices: move them all,
    /// or pick an empty folder); those of [`Service::sync_folder`].
    pub fn sync_move(&self, dir: &Path) -> Result<SyncReport> {
        let st = self.read(|ctx| Ok(ss::state(ctx.tx)?))?;
        let (Some(old), Some(no)) = (st.folder.clone(), st.device_no) else {
            return self.sync_folder(dir);
        };
        // Leaving a server: the mirror folder is the old folder (see `sync_move_server`).
        let server = stint_sync::remote::server_url(&self.sync_mirror_folder(), Some(&old));
        private_dir(dir)?;
        let new = std::fs::canonicalize(dir).map_err(|e| {
            conflict(format!(
                "cannot open {} ({e}); check that the folder exists and is writable",
                dir.display()
            ))
        })?;
        if new.display().to_string() == old {
            return self.sync_folder(&new);
        }
        let key = self.sync_key_here()?;
        if let Some((other, _)) = devices_in(&new, &st.device_id, key.as_ref())?
            .into_iter()
            .find(|(_, n)| *n == Some(no))
        {
            return Err(conflict(format!(
                "device {} in {} uses this device's number {no}: that folder belongs to other \
                 devices; move every device of {old} together into an empty folder instead \
                 (nothing was changed)",
                &other[..8.min(other.len())],
                new.display()
            )));
        }
        let copied = copy_own_files(
            &Path::new(&old).join(&st.device_id),
            &new.join(&st.device_id),
        )?;
        let ident = super::sync::file_ident(&self.inner.db_path);
        self.write_sync_place(&new.display().to_string(), &ident)?;
        // A device leaving a server goes alone (the server stays a hub): a snapshot of
        // everything it has lets the devices that join the new folder start from it, since
        // the server's own history is not copied there.
        let snapshot = !copied || server.is_some();
        let mut report = if snapshot {
            self.sync_compact(&new)?
        } else {
            self.sync_folder(&new)?
        };
        let from = server.map_or_else(|| old.clone(), |url| format!("the server {url}"));
        report.notes.insert(
            0,
            match (copied, snapshot) {
                (true, false) => format!(
                    "moved from {from}: this device's files were copied into {}, where it \
                     syncs from now on; move the other devices the same way",
                    new.display()
                ),
                (true, true) => format!(
                    "moved from {from}: this device's files were copied into {}, with a \
                     snapshot of everything it has (a device joining there starts from it); it \
                     syncs there from now on",
                    new.display()
                ),
                (false, _) => format!(
                    "moved from {from}, which cannot be read: this device published a \
                     snapshot of everything it has in {}, where it syncs from now on",
                    new.display()
                ),
            },
        );
        Ok(report)
    }

    /// Binds the database to `folder` (its sync place) with the database file's identity.
    pub(crate) fn write_sync_place(&self, folder: &str, ident: &str) -> Result<()> {
        self.write_with_sync_state(|tx| {
            ss::set_place(tx, folder, ident)?;
            Ok(())
        })
    }

    fn write_with_sync_state(
        &self,
        f: impl FnOnce(&stint_store::Connection) -> Result<()>,
    ) -> Result<()> {
        let _writer = self.inner.writer.lock();
        let mut conn = self.conn();
        ss::immediate(&mut conn, f)
    }
}

/// Copies this device's own files (device file, logs, snapshot) from `from` (its folder in the
/// old place) into `to` (its folder in the new one, created 0700), leaving files already there
/// as they are. Returns `false`, copying nothing, when `from` cannot be read.
///
/// # Errors
/// A file that cannot be read or written (the message names it; "nothing was moved").
pub(crate) fn copy_own_files(from: &Path, to: &Path) -> Result<bool> {
    private_dir(to)?;
    let Ok(entries) = std::fs::read_dir(from) else {
        return Ok(false);
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let is_file = e.file_type().is_ok_and(|t| t.is_file());
        if !is_file || !(is_sync_file_name(&name) || name == "device.stint") {
            continue;
        }
        if to.join(&name).exists() {
            continue;
        }
        let bytes = read_small(&e.path()).map_err(|err| {
            conflict(format!(
                "cannot read {} ({err}); nothing was moved",
                e.path().display()
            ))
        })?;
        write_atomic(&to.join(&name), &bytes)?;
    }
    Ok(true)
}
