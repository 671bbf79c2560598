//! `stint sync --move URL`: a device that syncs through a folder (or with another server) goes
//! to `stint serve` on another device without starting over, as `stint sync --move DIR` does
//! between folders ([`super::sync_moves`]); `--move DIR` takes a device from a server back to
//! a folder (its mirror folder is then the old folder).
//!
//! The device's own files (its device file, logs and snapshot: its history and identity) are
//! copied from the old folder into a fresh mirror folder, the database syncs through that
//! mirror from then on, and one round with the server sends them there, so the devices of the
//! server apply its history as they would a device that had synced with them all along. A
//! mirror bound to another server is kept beside the database under another name. Before
//! anything changes the server's devices are checked for this device's number; a move that
//! fails leaves the database syncing where it did.

use std::path::{Path, PathBuf};

use stint_store::sync as ss;
use stint_sync::SyncFile;
use stint_sync::remote::{self, HubTransport, RemoteSyncReport};

use super::sync::{devices_in, private_dir, write_atomic};
use super::sync_moves::copy_own_files;
use super::{Result, Service, ServiceError};

fn conflict(msg: String) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

/// Whether two paths name the same folder (both canonical when they exist).
fn same_dir(a: &Path, b: &Path) -> bool {
    let canon = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    canon(a) == canon(b)
}

/// What a move changed so far, to be undone when a later step fails.
struct Undo {
    /// The database's folder and file identity before the move.
    place: (String, String),
    /// The mirror folder, moved aside to this path.
    aside: Option<PathBuf>,
    /// Whether the fresh mirror folder was created by the move.
    fresh_mirror: bool,
}

impl Service {
    /// Moves this device to the server behind `hub` without starting over (`stint sync --move
    /// URL`): see the module doc. A database that never synced, or already syncs with that
    /// server, just syncs with it ([`Service::sync_remote`]).
    ///
    /// # Errors
    /// A caller that may not write files; the server is this database, or one of its devices
    /// uses this device's number (move every device of the old folder to the server, or to an
    /// empty one); those of [`Service::sync_remote`]. Nothing changes on an error, except
    /// that this device's files may have reached the server.
    pub fn sync_move_to_server(&self, hub: &dyn HubTransport) -> Result<RemoteSyncReport> {
        let st = self.read(|ctx| Ok(ss::state(ctx.tx)?))?;
        let mirror = self.sync_mirror_folder();
        let (Some(old), Some(no)) = (st.folder.clone(), st.device_no) else {
            return self.sync_remote(hub);
        };
        let listing = hub.list()?;
        let on_mirror = same_dir(Path::new(&old), &mirror);
        if on_mirror && remote::bound_server(&mirror).as_ref() == Some(&listing.device_id) {
            return self.sync_remote(hub);
        }
        if !self.caller().may_write_files {
            return Err(conflict(
                "this caller cannot move the device (it writes the mirror folder); run `stint \
                 sync --move URL` on this machine"
                    .to_owned(),
            ));
        }
        if listing.device_id == st.device_id {
            return Err(conflict(format!(
                "{} is this very database's server; move the device to another server",
                hub.url()
            )));
        }
        self.refuse_number_taken_on(hub, &listing, &st.device_id, no)?;
        let mut undo = Undo {
            place: (old.clone(), st.file_ident.clone().unwrap_or_default()),
            aside: None,
            fresh_mirror: false,
        };
        let moved = self.move_into_mirror(hub, &st.device_id, Path::new(&old), &mut undo);
        match moved {
            Ok(mut report) => {
                report.local.notes.insert(
                    0,
                    format!(
                        "moved from {old} to the server {}: this device's files were sent there, \
                         and it syncs with it from now on; move the other devices the same way",
                        hub.url()
                    ),
                );
                Ok(report)
            }
            Err(e) => {
                self.undo_move(&mirror, undo);
                Err(e)
            }
        }
    }

    /// Refuses the move when a device of the server (by its device file there) has number
    /// `no`, this device's.
    fn refuse_number_taken_on(
        &self,
        hub: &dyn HubTransport,
        listing: &remote::HubListing,
        me: &ss::DeviceId,
        no: ss::DeviceNo,
    ) -> Result<()> {
        let staging = tempfile::Builder::new()
            .prefix(".stint-move-")
            .tempdir_in(self.inner.db_path.parent().unwrap_or(Path::new(".")))
            .map_err(|e| conflict(format!("cannot make a temporary folder ({e})")))?;
        for f in listing
            .files
            .iter()
            .filter(|f| f.file == SyncFile::Device && &f.device != me)
        {
            let dir = staging.path().join(f.device.as_str());
            private_dir(&dir)?;
            write_atomic(&dir.join(f.file.to_string()), &hub.get(&f.device, &f.file)?)?;
        }
        let key = self.sync_key_here()?;
        if let Some((other, _)) = devices_in(staging.path(), me.as_str(), key.as_ref())?
            .into_iter()
            .find(|(_, n)| *n == Some(no))
        {
            return Err(conflict(format!(
                "device {} of the server {} uses this device's number {no}: the server's \
                 devices are not this folder's; move every device of this folder to the \
                 server together, starting with an empty server (nothing was changed)",
                &other.as_str()[..8],
                hub.url()
            )));
        }
        Ok(())
    }

    /// The steps that change something: a mirror bound elsewhere set aside, this device's
    /// files copied into a fresh mirror, the database bound to it, one round with the server.
    fn move_into_mirror(
        &self,
        hub: &dyn HubTransport,
        me: &ss::DeviceId,
        old: &Path,
        undo: &mut Undo,
    ) -> Result<RemoteSyncReport> {
        let mirror = self.sync_mirror_folder();
        let mut from = old.to_path_buf();
        if mirror.exists() {
            let aside = self.beside_db(&format!(
                ".sync-remote.before-{}",
                self.now().format("%Y%m%dT%H%M%SZ")
            ));
            std::fs::rename(&mirror, &aside).map_err(|e| {
                conflict(format!(
                    "cannot set the mirror folder {} aside ({e}); nothing was moved",
                    mirror.display()
                ))
            })?;
            if same_dir(old, &mirror) {
                from = aside.clone();
            }
            undo.aside = Some(aside);
        }
        private_dir(&mirror)?;
        undo.fresh_mirror = true;
        let copied = copy_own_files(&from.join(me.as_str()), &mirror.join(me.as_str()))?;
        let ident = super::sync::file_ident(&self.inner.db_path);
        let canon = std::fs::canonicalize(&mirror).unwrap_or_else(|_| mirror.clone());
        self.write_sync_place(&canon.display().to_string(), &ident)?;
        if !copied {
            // The old folder cannot be read: a snapshot of everything here goes instead.
            self.sync_compact(&canon)?;
        }
        self.sync_remote(hub)
    }

    /// Puts back what [`Service::move_into_mirror`] changed (best effort: the error that
    /// stopped the move is the one reported).
    fn undo_move(&self, mirror: &Path, undo: Undo) {
        let (folder, ident) = undo.place;
        if let Err(e) = self.write_sync_place(&folder, &ident) {
            tracing::warn!("could not bind the database to {folder} again: {e}");
        }
        if undo.fresh_mirror {
            let _ = std::fs::remove_dir_all(mirror);
        }
        if let Some(aside) = undo.aside
            && let Err(e) = std::fs::rename(&aside, mirror)
        {
            tracing::warn!(
                "could not put the mirror folder back from {}: {e}",
                aside.display()
            );
        }
    }
}
