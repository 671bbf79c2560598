//! Sync through `stint serve` on another device: the hub folder a server keeps for its
//! callers, and thin wrappers of the round a client runs against it (`stint sync --url URL
//! --token T`, in [`stint_sync::remote`]).
//!
//! - **Server.** The served database is a device of a *hub folder*: the folder it already
//!   syncs through, or `<database directory>/<database file name>.sync/` (created 0700 on
//!   first use). Callers list, read, write and delete the other devices' files there
//!   ([`Service::hub_list`], [`Service::hub_open`], [`Service::hub_upload`] and
//!   [`Service::hub_store`], [`Service::hub_delete`]) and ask the server to apply them
//!   ([`Service::hub_apply`], which is [`Service::sync_folder`] on the hub). A file is
//!   accepted only under its own device's folder, under a sync file name, whole and readable
//!   by this stint, and never into the server's own folder. These check the caller and write
//!   audit rows, so they are the service's.
//! - **Client.** The local database syncs through a *mirror folder*
//!   `<database directory>/<database file name>.sync-remote/`, which stands for the server:
//!   [`Service::sync_remote`] runs [`stint_sync::remote::sync`] there with
//!   [`Service::sync_folder`] as its local sync. The mirror keeps the server's address, its
//!   device id and the token ([`Service::remember_server_token`]).
//!
//! The wire (HTTP and JSON) is not here: the client is a [`HubTransport`]
//! ([`stint_sync::remote::http::HttpHub`]), the routes are the `mcp` front end's.

use std::path::{Path, PathBuf};

use super::sync::{ENCRYPTED, FileProblem, MAX_FILE_BYTES, private_dir};
use super::sync_fs;
use super::{Result, Service, ServiceError, SyncReport};
use stint_domain::DomainError;
use stint_store as store;
use stint_store::sync::DeviceId;
use stint_sync::SyncFile;
use stint_sync::remote::{self, list_folder};
pub use stint_sync::remote::{
    HubClient, HubFile, HubListing, HubTransport, MAX_SERVER_URL_CHARS, MAX_SYNC_FILE_BYTES,
    RemoteSyncReport, SYNC_TOKEN_HINT,
};

fn invalid(msg: String) -> ServiceError {
    DomainError::Invalid(msg.into()).into()
}

fn conflict(msg: String) -> ServiceError {
    ServiceError::Conflict(msg.into())
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> ServiceError {
    conflict(format!(
        "cannot {what} {} ({e}); check that the folder exists and is writable",
        path.display()
    ))
}

/// A hub file's `<dev>/<name>` as a caller sent it (a route's path), parsed once
/// ([`remote::parse_hub_path`]): the device id in lower case, as devices name themselves, so
/// an id sent in another case names the same device.
///
/// # Errors
/// A device id that is not 32 hex digits or a name that is no sync file's
/// ([`DomainError::Invalid`], quoting it).
pub fn hub_path(dev: &str, name: &str) -> Result<(DeviceId, SyncFile)> {
    Ok(remote::parse_hub_path(dev, name)?)
}

/// A file being received by the hub ([`Service::hub_upload`]): written to a temporary file
/// in its device's folder as it arrives, never held in memory whole.
#[derive(Debug)]
pub struct HubUpload {
    tmp: tempfile::NamedTempFile,
    dir: PathBuf,
    dev: DeviceId,
    file: SyncFile,
    len: u64,
}

impl HubUpload {
    /// Appends `chunk` to the file.
    ///
    /// # Errors
    /// More than [`MAX_SYNC_FILE_BYTES`] in all ([`DomainError::Invalid`]; the caller answers
    /// 413 over HTTP); a write failure.
    pub fn write(&mut self, chunk: &[u8]) -> Result<()> {
        use std::io::Write as _;
        self.len = self.len.saturating_add(chunk.len() as u64);
        if self.len > MAX_FILE_BYTES {
            return Err(invalid(format!(
                "the file is more than the largest sync file ({MAX_FILE_BYTES} bytes); compact \
                 the device that wrote it (`stint sync compact`)"
            )));
        }
        self.tmp.write_all(chunk).map_err(|e| {
            conflict(format!(
                "cannot store {}/{} ({e}); check the server's disk",
                self.dev, self.file
            ))
        })
    }
}

impl Service {
    /// The absolute paths of this machine a sync answer may contain (the sync, hub and mirror
    /// folders, the database and its folder, as given and resolved), with what to say instead.
    fn path_places(&self) -> Vec<(String, &'static str)> {
        let mut dirs: Vec<(PathBuf, &'static str)> = vec![
            (self.beside_db(".sync"), "<hub folder>"),
            (self.sync_mirror_folder(), "<mirror folder>"),
            (self.inner.db_path.clone(), "<database>"),
        ];
        if let Some(parent) = self.inner.db_path.parent() {
            dirs.push((parent.to_path_buf(), "<database folder>"));
        }
        if let Ok(Some(f)) = self.sync_status().map(|s| s.folder) {
            dirs.push((PathBuf::from(f), "<sync folder>"));
        }
        let mut places = Vec::new();
        for (d, what) in dirs {
            if let Ok(c) = std::fs::canonicalize(&d) {
                places.push((c.display().to_string(), what));
            }
            places.push((d.display().to_string(), what));
        }
        places
    }

    /// `e` with this machine's paths replaced (see [`sync_fs::hide_paths`]).
    fn hidden(&self, e: ServiceError) -> ServiceError {
        let places = self.path_places();
        let hide = |m: &str| sync_fs::hide_paths(m, &places);
        match e {
            ServiceError::Conflict(m) => ServiceError::Conflict(hide(&m.to_string()).into()),
            ServiceError::NotFound(m) => ServiceError::NotFound(hide(&m.to_string()).into()),
            ServiceError::Ambiguous(m) => ServiceError::Ambiguous(hide(&m.to_string()).into()),
            ServiceError::Domain(DomainError::Invalid(m)) => invalid(hide(&m.to_string())),
            other => other,
        }
    }

    /// A sync's result as a caller may see it: for a caller that may not see this machine's
    /// files (every HTTP caller), every absolute path of this machine in the report or the
    /// error is replaced by what it is (`<sync folder>`, `<database folder>`, ...); other
    /// callers get `r` unchanged.
    ///
    /// # Errors
    /// `r`'s error, so rewritten.
    pub fn sync_answer(&self, r: Result<SyncReport>) -> Result<SyncReport> {
        self.answer_for_caller(r, !self.caller.may_write_files)
    }

    fn answer_for_caller(&self, r: Result<SyncReport>, hide: bool) -> Result<SyncReport> {
        if !hide {
            return r;
        }
        let mut r = r.map_err(|e| self.hidden(e))?;
        let places = self.path_places();
        for list in [&mut r.problems, &mut r.notes, &mut r.decisions] {
            for m in list.iter_mut() {
                *m = sync_fs::hide_paths(m, &places);
            }
        }
        Ok(r)
    }

    /// The database file's directory and name (`<dir>/<name>.sync` and `.sync-remote` live
    /// next to it).
    pub(crate) fn beside_db(&self, suffix: &str) -> PathBuf {
        let path = &self.inner.db_path;
        let dir = path.parent().unwrap_or(Path::new("."));
        let name = path
            .file_name()
            .map_or_else(|| "stint.db".into(), |n| n.to_string_lossy().into_owned());
        dir.join(format!("{name}{suffix}"))
    }

    /// The hub folder of `stint serve`: the folder this database syncs through, or
    /// `<database directory>/<database file name>.sync/` (created 0700) when it does not sync.
    ///
    /// # Errors
    /// A database that syncs through another server (`stint sync --url`); the folder cannot
    /// be created; store errors.
    pub(crate) fn hub_folder(&self) -> Result<PathBuf> {
        if let Some(url) = self.sync_server_url()? {
            return Err(conflict(format!(
                "this database syncs with the server {url} itself, so it cannot be a hub; sync \
                 the other devices with that server"
            )));
        }
        let dir = match self.sync_status()?.folder {
            Some(f) => PathBuf::from(f),
            None => self.beside_db(".sync"),
        };
        private_dir(&dir)?;
        Ok(dir)
    }

    /// Every sync file in the hub folder, and this server's device id.
    ///
    /// # Errors
    /// The hub folder cannot be created or read.
    pub fn hub_list(&self) -> Result<HubListing> {
        let dir = self.hub_folder()?;
        Ok(HubListing {
            device_id: self.own_device_id()?,
            files: list_folder(&dir)?,
        })
    }

    /// This database's device id.
    fn own_device_id(&self) -> Result<DeviceId> {
        self.read(|ctx| Ok(store::sync::state(ctx.tx)?.device_id))
    }

    /// The hub file `<dev>/<name>` opened for reading (a regular file only), and its length in
    /// bytes: for answers that stream it. `dev` and `name` come from [`hub_path`].
    ///
    /// # Errors
    /// A file larger than the largest sync file ([`ServiceError::Conflict`]); an absent file
    /// ([`ServiceError::NotFound`]); a file that cannot be read. No error names a path of this
    /// machine.
    pub fn hub_open(&self, dev: &DeviceId, name: &SyncFile) -> Result<(std::fs::File, u64)> {
        let run = || {
            let path = self.hub_folder()?.join(dev).join(name.to_string());
            match sync_fs::open_regular(&path) {
                Ok((_, len)) if len > MAX_FILE_BYTES => Err(conflict(format!(
                    "{dev}/{name} is {len} bytes, more than the largest sync file \
                     ({MAX_FILE_BYTES} bytes); it is not sent"
                ))),
                Ok(x) => Ok(x),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(ServiceError::NotFound(
                    format!("the hub has no file {dev}/{name}; list the files again").into(),
                )),
                Err(e) => Err(conflict(format!("cannot read {dev}/{name} ({e})"))),
            }
        };
        run().map_err(|e| self.hidden(e))
    }

    /// Starts receiving `<dev>/<name>` for the hub: a new temporary file (exclusive, random
    /// name, 0600) in the device's folder of the hub, which the caller fills with
    /// [`HubUpload::write`] as the bytes arrive and hands to [`Service::hub_store`]. `dev`
    /// and `name` come from [`hub_path`] (device ids compared without regard to case, kept
    /// in lower case).
    ///
    /// # Errors
    /// The server's own device, in any spelling ([`ServiceError::Conflict`]); a folder that
    /// cannot be written. No error names a path of this machine.
    pub fn hub_upload(&self, dev: &DeviceId, name: &SyncFile) -> Result<HubUpload> {
        let run = || {
            if dev
                .as_str()
                .eq_ignore_ascii_case(self.own_device_id()?.as_str())
            {
                return Err(conflict(format!(
                    "{dev} is this server's own device; its files are written by the server only"
                )));
            }
            let dir = self.hub_folder()?.join(dev);
            sync_fs::check_real_dir(&dir)?;
            private_dir(&dir)?;
            Ok(HubUpload {
                tmp: sync_fs::new_temp(&dir)?,
                dir,
                dev: dev.clone(),
                file: *name,
                len: 0,
            })
        };
        run().map_err(|e| self.hidden(e))
    }

    /// Checks a received file (read back from its temporary file in pieces: whole, of the
    /// device whose folder it goes into, of the kind its name says, not from a newer schema),
    /// renames it into place, and records it in the audit log (operation `sync_put`, with the
    /// caller's token name).
    ///
    /// # Errors
    /// A file that is damaged or cut, of another device or of the wrong kind
    /// ([`DomainError::Invalid`]); a file from a newer stint ([`ServiceError::Conflict`],
    /// "update stint on the server"). Nothing is stored then.
    pub fn hub_store(&self, up: HubUpload) -> Result<()> {
        self.hub_store_checked(up).map_err(|e| self.hidden(e))
    }

    fn hub_store_checked(&self, mut up: HubUpload) -> Result<()> {
        use std::io::{Seek as _, Write as _};
        let (dev, name, len) = (up.dev.clone(), up.file, up.len);
        let file = up.tmp.as_file_mut();
        file.flush()
            .and_then(|()| file.seek(std::io::SeekFrom::Start(0)).map(drop))
            .map_err(|e| conflict(format!("cannot read back {dev}/{name} ({e})")))?;
        let mut reader = std::io::BufReader::new(&*file);
        match super::sync::check_file_stream(&mut reader, len, store::SCHEMA_VERSION as u32) {
            Ok(h) if !h.device_id.eq_ignore_ascii_case(&dev) => {
                return Err(invalid(format!(
                    "the file belongs to device {}, not to {dev}; give it under its own device",
                    h.device_id
                        .chars()
                        .filter(char::is_ascii_hexdigit)
                        .take(32)
                        .collect::<String>()
                )));
            }
            Ok(h) if h.kind & !ENCRYPTED != name.kind() => {
                return Err(invalid(format!(
                    "{name} does not hold what its name says (device.stint holds a device \
                     file, snapshot-N.stint a snapshot, every other name a log)"
                )));
            }
            Ok(_) => {}
            Err(FileProblem::NotWhole(why)) => {
                return Err(invalid(format!(
                    "the file is not a whole stint sync file ({why}); give it again"
                )));
            }
            Err(FileProblem::Key(why)) => {
                return Err(invalid(format!("the file cannot be read ({why})")));
            }
            Err(FileProblem::TooNew { schema, .. }) => {
                return Err(conflict(format!(
                    "the file comes from a newer stint (schema {schema}, the server reads up to \
                     {}); update stint on the server",
                    store::SCHEMA_VERSION
                )));
            }
        }
        up.tmp
            .as_file()
            .sync_all()
            .map_err(|e| conflict(format!("cannot write {dev}/{name} ({e})")))?;
        sync_fs::persist(up.tmp, &up.dir.join(name.to_string()))?;
        let detail = format!("stored {dev}/{name} ({len} bytes)");
        self.write("sync_put", |ctx| ctx.audit("sync_file", &[], Some(&detail)))
    }

    /// Removes another device's log or snapshot `<dev>/<name>` from the hub folder (its logs
    /// once compacted; `dev` and `name` come from [`hub_path`]). Absent files are not an error.
    ///
    /// # Errors
    /// `device.stint` ([`DomainError::Invalid`]); the server's own device.
    pub fn hub_delete(&self, dev: &DeviceId, name: &SyncFile) -> Result<()> {
        if *name == SyncFile::Device {
            return Err(invalid(
                "device.stint is never removed; remove logs or snapshots only".to_owned(),
            ));
        }
        let run = || {
            if dev
                .as_str()
                .eq_ignore_ascii_case(self.own_device_id()?.as_str())
            {
                return Err(conflict(format!(
                    "{dev} is this server's own device; its files are removed by the server only"
                )));
            }
            let dir = self.hub_folder()?.join(dev);
            if !sync_fs::check_real_dir(&dir)? {
                return Ok(());
            }
            let path = dir.join(name.to_string());
            match std::fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
                Err(e) => return Err(io_err("remove", &path, &e)),
            }
            let detail = format!("removed {dev}/{name}");
            self.write("sync_delete", |ctx| {
                ctx.audit("sync_file", &[], Some(&detail))
            })
        };
        run().map_err(|e| self.hidden(e))
    }

    /// Applies the hub's files to this database and publishes its own changes there:
    /// [`Service::sync_folder`] on `Service::hub_folder`.
    ///
    /// # Errors
    /// Those of [`Service::sync_folder`].
    pub fn hub_apply(&self) -> Result<SyncReport> {
        let run = || {
            let dir = self.hub_folder()?;
            let r = self.sync_folder(&dir)?;
            let applied: usize = r.applied.iter().map(|a| a.1).sum();
            let detail = format!(
                "applied {applied} change(s) from {} device(s), published {}",
                r.applied.len(),
                r.published
            );
            self.write("sync_apply", |ctx| ctx.audit("sync", &[], Some(&detail)))?;
            Ok(r)
        };
        self.answer_for_caller(run(), true)
    }

    /// Lets this service reach `stint serve` on another device (see [`HubClient`]); the first
    /// call wins.
    pub fn set_hub_client(&self, client: HubClient) {
        let _ = self.inner.hub_client.set(client);
    }

    /// Keeps `token` for the server at `url` (0600, in the mirror folder) for later syncs
    /// ([`stint_sync::remote::remember_token`]).
    ///
    /// # Errors
    /// A mirror folder that cannot be written.
    pub fn remember_server_token(&self, url: &str, token: &str) -> Result<()> {
        Ok(remote::remember_token(
            &self.sync_mirror_folder(),
            url,
            token,
        )?)
    }

    /// The token kept by [`Service::remember_server_token`] for the server at `url` (the same
    /// base address): never one kept for another address.
    pub fn server_token(&self, url: &str) -> Option<String> {
        remote::kept_token(&self.sync_mirror_folder(), url)
    }

    /// Syncs the way this database syncs: with its server (`stint sync --url`, when a token is
    /// kept and the front end can reach it; the result is the local part, with what went to
    /// and came from the server in its notes), else through its folder.
    ///
    /// # Errors
    /// Those of [`Service::sync_remote`] and [`Service::sync_folder`].
    pub(crate) fn sync_bound(&self, folder: &Path) -> Result<SyncReport> {
        let Some(url) = self.sync_server_url()? else {
            return self.sync_folder(folder);
        };
        let (Some(token), Some(client)) = (self.server_token(&url), self.inner.hub_client.get())
        else {
            // Only the mirror's half would run: say so instead of reporting a sync.
            return Err(conflict(format!(
                "this database syncs with the server {url}, and no token for it is kept here; \
                 run `stint sync --url {url} --token T` once on this machine"
            )));
        };
        let hub = (client.0)(&url, &token)?;
        Ok(self.sync_remote_unchecked(hub.as_ref())?.into_local())
    }

    /// The mirror folder of `stint sync --url`: `<database directory>/<database file
    /// name>.sync-remote/`.
    pub(crate) fn sync_mirror_folder(&self) -> PathBuf {
        self.beside_db(".sync-remote")
    }

    /// The server this database syncs with (`stint sync --url`), if it syncs through its
    /// mirror folder; `None` when it syncs through a plain folder or not at all
    /// ([`stint_sync::remote::server_url`]).
    ///
    /// # Errors
    /// Store errors.
    pub fn sync_server_url(&self) -> Result<Option<String>> {
        let folder = self.sync_status()?.folder;
        Ok(remote::server_url(
            &self.sync_mirror_folder(),
            folder.as_deref(),
        ))
    }

    /// One sync round with the server behind `hub` ([`stint_sync::remote::sync`]): upload,
    /// server apply, download, local sync ([`Service::sync_folder`] on the mirror folder),
    /// upload, server apply.
    ///
    /// # Errors
    /// A caller that may not write files ([`ServiceError::Conflict`]); those of the transport
    /// (server unreachable, token refused, a file refused); a server that is this very
    /// database; a database that already syncs through another folder; those of
    /// [`Service::sync_folder`].
    pub fn sync_remote(&self, hub: &dyn HubTransport) -> Result<RemoteSyncReport> {
        if !self.caller.may_write_files {
            return Err(conflict(
                "this caller cannot sync with a server (it writes the mirror folder); run \
                 `stint sync --url URL` on this machine"
                    .to_owned(),
            ));
        }
        self.sync_remote_unchecked(hub)
    }

    fn sync_remote_unchecked(&self, hub: &dyn HubTransport) -> Result<RemoteSyncReport> {
        let st = self.read(|ctx| Ok(store::sync::state(ctx.tx)?))?;
        let local = remote::Local {
            device_id: &st.device_id,
            folder: st.folder.as_deref(),
        };
        let mut local_sync = |mirror: &Path| self.sync_folder(mirror);
        remote::sync(hub, &self.sync_mirror_folder(), local, &mut local_sync)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_sync_file_names_under_device_ids_pass() {
        let dev = "0123456789abcdef0123456789ABCDEF";
        for name in [
            "device.stint",
            "000000000001-000000000001.stint",
            "000000000001-000000005000.stint",
            "snapshot-000000000042.stint",
        ] {
            assert!(hub_path(dev, name).is_ok(), "{name}");
        }
        for name in [
            "",
            "..",
            "../x",
            "x/device.stint",
            "device.stint/",
            ".device.stint.tmp-12",
            "1-1.stint",
            "000000000002-000000000001.stint",
            "000000000000-000000000001.stint",
            "+00000000001-000000000001.stint",
            "snapshot-1.stint",
            "snapshot-00000000004x.stint",
            "000000000001-000000000001.stint.tmp",
        ] {
            assert!(hub_path(dev, name).is_err(), "{name:?}");
        }
        for d in [
            "",
            "..",
            "0123",
            &format!("{dev}0"),
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert!(hub_path(d, "device.stint").is_err(), "{d:?}");
        }
        // Kept in lower case, as devices name themselves; a refusal quotes what was sent.
        let (d, f) = hub_path(dev, "device.stint").unwrap();
        assert_eq!(
            (d.as_str(), f),
            ("0123456789abcdef0123456789abcdef", SyncFile::Device)
        );
        assert_eq!(
            hub_path("..", "device.stint").unwrap_err().to_string(),
            "\"..\" is not a device id (32 hex digits)"
        );
    }
}
