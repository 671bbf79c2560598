//! Sync through `stint serve` on another device: the hub folder a server keeps for its
//! callers, and the round a client runs against it (`stint sync --url URL --token T`).
//!
//! Both sides reuse the folder machinery of [`super::sync`]:
//! - **Server.** The served database is a device of a *hub folder*: the folder it already
//!   syncs through, or `<database directory>/<database file name>.sync/` (created 0700 on
//!   first use). Callers list, read, write and delete the other devices' files there
//!   ([`Service::hub_list`], [`Service::hub_read`], [`Service::hub_accept`],
//!   [`Service::hub_delete`]) and ask the server to apply them ([`Service::hub_apply`], which
//!   is [`Service::sync_folder`] on the hub). A file is accepted only under its own device's
//!   folder, under a sync file name, whole and readable by this stint, and never into the
//!   server's own folder.
//! - **Client.** The local database syncs through a *mirror folder*
//!   `<database directory>/<database file name>.sync-remote/`, which stands for the server:
//!   [`Service::sync_remote`] uploads this device's files the server lacks, has the server
//!   apply them, downloads the other devices' files the mirror lacks, syncs the mirror
//!   locally, and uploads what that wrote. The server's address is kept in
//!   `<mirror>/.server-url` so later syncs and `stint sync status` name it, and its device id
//!   in `<mirror>/.server-device`: a database syncs with one server, wherever it moves. A file
//!   of this device is removed from the server only when the mirror holds a file covering it
//!   (compaction), never because the mirror lost it.
//!
//! The wire (HTTP and JSON) is not here: it is a [`HubTransport`], implemented over HTTP in
//! the `mcp` front end.

use std::path::{Path, PathBuf};

use super::sync::{
    ENCRYPTED, FileProblem, KIND_LOG, MAX_FILE_BYTES, decode_file, file_sum, is_device_dir,
    is_sync_file_name, private_dir, read_small, write_atomic,
};
use super::sync_fs;
use super::{Result, Service, ServiceError, SyncReport};
use stint_domain::DomainError;
use stint_store as store;

/// Name of the file in the mirror folder that holds the server's address.
const SERVER_URL_FILE: &str = ".server-url";

/// Name of the file in the mirror folder that holds the server's device id: a database syncs
/// with one server, wherever it moves.
const SERVER_DEVICE_FILE: &str = ".server-device";

/// Largest sync file, in bytes (the body limit of uploads and downloads).
pub const MAX_SYNC_FILE_BYTES: u64 = MAX_FILE_BYTES;

/// Longest server address accepted, in characters.
pub const MAX_SERVER_URL_CHARS: usize = 2_000;

/// One file of the hub folder: `path` is `<device id>/<file name>`, `size` in bytes, `sum` the
/// checksum in its header (64 hex digits; empty when unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFile {
    pub path: String,
    pub size: u64,
    pub sum: String,
}

/// What a hub holds: the server's own device id (32 hex digits) and every device's sync files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubListing {
    pub device_id: String,
    pub files: Vec<HubFile>,
}

/// The calls a client makes to a hub (implemented over HTTP by the `mcp` front end).
///
/// Every error is a [`ServiceError`] whose message says what to do next (start the server,
/// check the token, create an admin token, update stint on the server).
pub trait HubTransport {
    /// The server's address, as the person gave it (`http://host:port`).
    fn url(&self) -> &str;
    /// Every sync file of the hub.
    fn list(&self) -> Result<HubListing>;
    /// The bytes of `<dev>/<name>`; [`ServiceError::NotFound`] when it is gone.
    fn get(&self, dev: &str, name: &str) -> Result<Vec<u8>>;
    /// Stores `bytes` as `<dev>/<name>` on the hub.
    fn put(&self, dev: &str, name: &str, bytes: &[u8]) -> Result<()>;
    /// Removes `<dev>/<name>` from the hub (no error when it is absent).
    fn delete(&self, dev: &str, name: &str) -> Result<()>;
    /// Has the server apply the hub's files and publish its own changes.
    fn apply(&self) -> Result<SyncReport>;
}

/// Makes a [`HubTransport`] for a server address and token: set once by a front end that has
/// an HTTP client ([`Service::set_hub_client`]).
#[derive(Clone)]
pub struct HubClient(pub std::sync::Arc<MakeHub>);

/// `(server address, token) -> transport`.
pub(crate) type MakeHub = dyn Fn(&str, &str) -> Result<Box<dyn HubTransport>> + Send + Sync;

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubClient(..)")
    }
}

/// Name of the file in the mirror folder that holds the token of the last successful sync
/// with the server (0600), so later syncs, the `sync` tool and auto-sync reach it.
const SERVER_TOKEN_FILE: &str = ".server-token";

/// What one `stint sync --url` did.
#[derive(Debug, Clone, Default)]
pub struct RemoteSyncReport {
    /// The server's address.
    pub url: String,
    /// The server's device id.
    pub(crate) server_device_id: String,
    /// The local sync through the mirror folder (joined, published, applied, decisions).
    pub local: SyncReport,
    /// What the server applied: the report of each apply, first (this device's files as they
    /// were) and second (after the local sync).
    pub server: Vec<SyncReport>,
    /// Files uploaded to and downloaded from the server, and files removed (on the server:
    /// this device's compacted logs; in the mirror: files the server no longer lists).
    pub uploaded: usize,
    pub downloaded: usize,
    pub removed: usize,
    /// Files skipped, and why (a damaged download).
    pub problems: Vec<String>,
}

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

/// Checks a `<dev>/<name>` pair sent by a caller: 32 hex digits and a sync file name.
fn check_hub_path(dev: &str, name: &str) -> Result<()> {
    if !is_device_dir(dev) {
        return Err(invalid(format!(
            "{:?} is not a device id (32 hex digits)",
            dev.chars().take(64).collect::<String>()
        )));
    }
    if !is_sync_file_name(name) {
        return Err(invalid(format!(
            "{:?} is not a sync file name (device.stint, NNNNNNNNNNNN-NNNNNNNNNNNN.stint or \
             snapshot-NNNNNNNNNNNN.stint)",
            name.chars().take(64).collect::<String>()
        )));
    }
    Ok(())
}

/// [`check_hub_path`], then the device id in lower case (as devices name themselves): a
/// device id sent in another case names the same device.
fn hub_dev(dev: &str, name: &str) -> Result<String> {
    check_hub_path(dev, name)?;
    Ok(dev.to_ascii_lowercase())
}

/// Largest file of the mirror's own (server address, device, token) read, in bytes.
const MAX_PRIVATE_FILE_BYTES: u64 = 16 * 1024;

/// A small text file of the mirror folder (a regular file only), `None` when absent or not
/// text.
fn read_private(path: &Path) -> Option<String> {
    sync_fs::read_regular(path, MAX_PRIVATE_FILE_BYTES)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

/// A file being received by the hub ([`Service::hub_upload`]): written to a temporary file
/// in its device's folder as it arrives, never held in memory whole.
#[derive(Debug)]
pub struct HubUpload {
    tmp: tempfile::NamedTempFile,
    dir: PathBuf,
    dev: String,
    name: String,
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
                self.dev, self.name
            ))
        })
    }
}

/// The header kind a file of this (sync file) name must have, encryption flag left out.
fn kind_of_name(name: &str) -> u8 {
    name.parse::<stint_sync::SyncFile>()
        .map_or(KIND_LOG, stint_sync::SyncFile::kind)
}

/// The sequence numbers a sync file name covers: a log `first-last`, a snapshot `1..=n`;
/// `None` for `device.stint`.
fn covered_range(name: &str) -> Option<(i64, i64)> {
    name.parse::<stint_sync::SyncFile>().ok()?.covers()
}

/// True when another of `names` holds every change of the sync file `name` (a longer log, or
/// a snapshot at least as far).
fn is_covered(name: &str, names: &[&str]) -> bool {
    let Some((a, b)) = covered_range(name) else {
        return false;
    };
    names.iter().any(|other| {
        *other != name
            && covered_range(other)
                .is_some_and(|(c, d)| d >= b && (c <= a || other.starts_with("snapshot-")))
    })
}

/// `(device id, file name, size, header checksum)`.
type Listed = (String, String, u64, String);

/// The sync files of every device folder under `dir`: `(device id, file name, size, header checksum)`, sorted.
fn list_folder(dir: &Path) -> Result<Vec<Listed>> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err("read", dir, &e)),
    };
    for entry in rd.flatten() {
        let dev = entry.file_name().to_string_lossy().into_owned();
        if !is_device_dir(&dev)
            || dev.bytes().any(|b| b.is_ascii_uppercase())
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let Ok(files) = std::fs::read_dir(entry.path()) else {
            continue;
        };
        for f in files.flatten() {
            let name = f.file_name().to_string_lossy().into_owned();
            if !is_sync_file_name(&name) {
                continue;
            }
            match f.metadata() {
                Ok(m) if m.is_file() => {
                    let sum = file_sum(&f.path());
                    out.push((dev.clone(), name, m.len(), sum));
                }
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
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
    fn beside_db(&self, suffix: &str) -> PathBuf {
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
        let device_id = self.sync_status()?.device_id;
        Ok(HubListing {
            device_id,
            files: list_folder(&dir)?
                .into_iter()
                .map(|(d, n, size, sum)| HubFile {
                    path: format!("{d}/{n}"),
                    size,
                    sum,
                })
                .collect(),
        })
    }

    /// The hub file `<dev>/<name>` opened for reading (a regular file only), and its length in
    /// bytes: for answers that stream it.
    ///
    /// # Errors
    /// Those of `Service::hub_read`; no error names a path of this machine.
    pub fn hub_open(&self, dev: &str, name: &str) -> Result<(std::fs::File, u64)> {
        let dev = hub_dev(dev, name)?;
        let run = || {
            let path = self.hub_folder()?.join(&dev).join(name);
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
    /// [`HubUpload::write`] as the bytes arrive and hands to [`Service::hub_store`]. Device
    /// ids are compared without regard to case and kept in lower case.
    ///
    /// # Errors
    /// A bad device id or file name ([`DomainError::Invalid`]); the server's own device, in
    /// any spelling ([`ServiceError::Conflict`]); a folder that cannot be written. No error
    /// names a path of this machine.
    pub fn hub_upload(&self, dev: &str, name: &str) -> Result<HubUpload> {
        let dev = hub_dev(dev, name)?;
        let run = || {
            let me = self.sync_status()?.device_id;
            if dev.eq_ignore_ascii_case(&me) {
                return Err(conflict(format!(
                    "{dev} is this server's own device; its files are written by the server only"
                )));
            }
            let dir = self.hub_folder()?.join(&dev);
            sync_fs::check_real_dir(&dir)?;
            private_dir(&dir)?;
            Ok(HubUpload {
                tmp: sync_fs::new_temp(&dir)?,
                dir,
                dev: dev.clone(),
                name: name.to_owned(),
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
        let (dev, name, len) = (up.dev.clone(), up.name.clone(), up.len);
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
            Ok(h) if h.kind & !ENCRYPTED != kind_of_name(&name) => {
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
        sync_fs::persist(up.tmp, &up.dir.join(&name))?;
        let detail = format!("stored {dev}/{name} ({len} bytes)");
        self.write("sync_put", |ctx| ctx.audit("sync_file", &[], Some(&detail)))
    }

    /// Removes another device's log or snapshot `<dev>/<name>` from the hub folder (its logs
    /// once compacted). Absent files are not an error.
    ///
    /// # Errors
    /// A bad device id or file name; `device.stint`; the server's own device.
    pub fn hub_delete(&self, dev: &str, name: &str) -> Result<()> {
        let dev = hub_dev(dev, name)?;
        if name == "device.stint" {
            return Err(invalid(
                "device.stint is never removed; remove logs or snapshots only".to_owned(),
            ));
        }
        let run = || {
            if dev.eq_ignore_ascii_case(&self.sync_status()?.device_id) {
                return Err(conflict(format!(
                    "{dev} is this server's own device; its files are removed by the server only"
                )));
            }
            let dir = self.hub_folder()?.join(&dev);
            if !sync_fs::check_real_dir(&dir)? {
                return Ok(());
            }
            let path = dir.join(name);
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

    /// Keeps `token` for the server at `url` (0600, in the mirror folder) for later syncs.
    ///
    /// # Errors
    /// A mirror folder that cannot be written.
    pub fn remember_server_token(&self, url: &str, token: &str) -> Result<()> {
        let mirror = self.sync_mirror_folder();
        private_dir(&mirror)?;
        Ok(write_atomic(
            &mirror.join(SERVER_TOKEN_FILE),
            format!("{}\n{}\n", url.trim(), token.trim()).as_bytes(),
        )?)
    }

    /// The token kept by [`Service::remember_server_token`] for the server at `url` (the same
    /// base address): never one kept for another address.
    pub fn server_token(&self, url: &str) -> Option<String> {
        let kept = read_private(&self.sync_mirror_folder().join(SERVER_TOKEN_FILE))?;
        let mut lines = kept.lines();
        let (for_url, token) = (lines.next()?.trim(), lines.next()?.trim());
        (for_url == url.trim() && !token.is_empty() && token.len() <= 1_000)
            .then(|| token.to_owned())
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
        let r = self.sync_remote_unchecked(hub.as_ref())?;
        let mut local = r.local;
        local.notes.push(format!(
            "through the server {}: sent {} file(s), received {} file(s)",
            r.url, r.uploaded, r.downloaded
        ));
        for s in r.server {
            local.decisions.extend(
                s.decisions
                    .into_iter()
                    .map(|d| format!("on the server: {d}")),
            );
            local.problems.extend(
                s.problems
                    .into_iter()
                    .map(|p| format!("on the server: {p}")),
            );
        }
        local.problems.extend(r.problems);
        Ok(local)
    }

    /// The mirror folder of `stint sync --url`: `<database directory>/<database file
    /// name>.sync-remote/`.
    pub(crate) fn sync_mirror_folder(&self) -> PathBuf {
        self.beside_db(".sync-remote")
    }

    /// The server this database syncs with (`stint sync --url`), if it syncs through its
    /// mirror folder; `None` when it syncs through a plain folder or not at all.
    ///
    /// # Errors
    /// Store errors.
    pub fn sync_server_url(&self) -> Result<Option<String>> {
        let Some(folder) = self.sync_status()?.folder else {
            return Ok(None);
        };
        // Only this device's own mirror says which server it syncs with: a `.server-url` in a
        // shared folder is anyone's.
        let mirror = self.sync_mirror_folder();
        let canon = std::fs::canonicalize(&mirror).unwrap_or_else(|_| mirror.clone());
        if canon != Path::new(&folder) {
            return Ok(None);
        }
        let url = read_private(&mirror.join(SERVER_URL_FILE))
            .map(|s| sync_fs::strip_url_credentials(s.trim()).0)
            .filter(|s| !s.is_empty() && s.len() <= MAX_SERVER_URL_CHARS);
        Ok(url)
    }

    /// One sync round with the server behind `hub` (see the module docs): upload, server
    /// apply, download, local sync, upload, server apply.
    ///
    /// # Errors
    /// Those of the transport (server unreachable, token refused, a file refused); a server
    /// that is this very database; a database that already syncs through another folder;
    /// those of [`Service::sync_folder`].
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
        let mirror = self.sync_mirror_folder();
        let status = self.sync_status()?;
        if let Some(f) = &status.folder {
            // The database path is canonical, so the mirror's is too, even when it is gone.
            let canon = std::fs::canonicalize(&mirror).unwrap_or_else(|_| mirror.clone());
            if canon != Path::new(f) {
                return Err(conflict(format!(
                    "this database syncs through the folder {f}; keep syncing with `stint sync \
                     {f}` (a database syncs through one folder), or start from a new database \
                     to sync with {}",
                    hub.url()
                )));
            }
        }
        let mut report = RemoteSyncReport {
            url: hub.url().to_owned(),
            ..RemoteSyncReport::default()
        };
        let listing = hub.list()?;
        if listing.device_id == status.device_id {
            return Err(conflict(format!(
                "{} serves this very database; sync from another device's database",
                hub.url()
            )));
        }
        if !is_device_dir(&listing.device_id) {
            return Err(conflict(format!(
                "{} did not name its device; is it `stint serve`? check the URL",
                hub.url()
            )));
        }
        let bound = read_private(&mirror.join(SERVER_DEVICE_FILE));
        if let Some(bound) = bound.as_deref().map(str::trim)
            && status.folder.is_some()
            && bound != listing.device_id
        {
            let last = self.sync_server_url()?.unwrap_or_else(|| "?".to_owned());
            return Err(conflict(format!(
                "{} serves another database (device {}) than the server this database syncs \
                 with (device {}, last at {last}); a database syncs with one server: sync with \
                 that one (a server that moved keeps its device), or start from a new database \
                 to sync with {}",
                hub.url(),
                &listing.device_id[..8],
                bound.chars().take(8).collect::<String>(),
                hub.url()
            )));
        }
        report.server_device_id = listing.device_id.clone();
        private_dir(&mirror)?;
        write_atomic(
            &mirror.join(SERVER_URL_FILE),
            format!("{}\n", hub.url()).as_bytes(),
        )?;
        write_atomic(
            &mirror.join(SERVER_DEVICE_FILE),
            format!("{}\n", listing.device_id).as_bytes(),
        )?;

        // a. This device's files the server lacks; then the server applies them.
        self.upload_mine(hub, &mirror, &status.device_id, &listing, &mut report)?;
        report.server.push(hub.apply()?);

        // b. The other devices' files the mirror lacks.
        let listing = hub.list()?;
        self.download_others(hub, &mirror, &status.device_id, &listing, &mut report)?;

        // c. The local sync through the mirror.
        report.local = self.sync_folder(&mirror)?;

        // d. What c wrote goes up, and the server applies it.
        let me = report.local.device_id.clone();
        self.upload_mine(hub, &mirror, &me, &listing, &mut report)?;
        report.server.push(hub.apply()?);
        Ok(report)
    }

    /// Uploads `mirror/<me>/` files that `listing` lacks or has with another size
    /// (`device.stint` always), and deletes the server's files of `me` the mirror no longer has.
    fn upload_mine(
        &self,
        hub: &dyn HubTransport,
        mirror: &Path,
        me: &str,
        listing: &HubListing,
        report: &mut RemoteSyncReport,
    ) -> Result<()> {
        let theirs: std::collections::HashMap<&str, (u64, &str)> = listing
            .files
            .iter()
            .filter_map(|f| {
                let (d, n) = f.path.split_once('/')?;
                (d == me).then_some((n, (f.size, f.sum.as_str())))
            })
            .collect();
        let mine: Vec<Listed> = list_folder(mirror)?
            .into_iter()
            .filter(|(d, _, _, _)| d == me)
            .collect();
        // device.stint last: the server sees a device's logs before its new sequence number.
        let mut order: Vec<&Listed> = mine.iter().collect();
        order.sort_by_key(|(_, n, _, _)| n == "device.stint");
        for (d, n, size, sum) in order {
            // Same size and header checksum: the same file (a file re-sealed with a new key
            // has the same size, not the same checksum).
            if n != "device.stint" && theirs.get(n.as_str()) == Some(&(*size, sum.as_str())) {
                continue;
            }
            let path = mirror.join(d).join(n);
            let bytes = read_small(&path).map_err(|e| io_err("read", &path, &e))?;
            hub.put(d, n, &bytes)?;
            report.uploaded += 1;
        }
        // A file of this device the mirror no longer has is removed from the server only when
        // a file the mirror has covers its changes (compacted into a longer log or a later
        // snapshot): a mirror folder deleted by hand must not take the server's copies along.
        let names: Vec<&str> = mine.iter().map(|(_, n, _, _)| n.as_str()).collect();
        let mut gone: Vec<&str> = theirs
            .keys()
            .copied()
            .filter(|n| !names.contains(n) && is_covered(n, &names))
            .collect();
        gone.sort_unstable();
        for name in gone {
            hub.delete(me, name)?;
            report.removed += 1;
        }
        Ok(())
    }

    /// Downloads the other devices' files the mirror lacks or has with another size
    /// (`device.stint` always), and removes mirror files of other devices the server no
    /// longer lists.
    fn download_others(
        &self,
        hub: &dyn HubTransport,
        mirror: &Path,
        me: &str,
        listing: &HubListing,
        report: &mut RemoteSyncReport,
    ) -> Result<()> {
        let local: std::collections::HashMap<(String, String), (u64, String)> =
            list_folder(mirror)?
                .into_iter()
                .filter(|(d, _, _, _)| d != me)
                .map(|(d, n, size, sum)| ((d, n), (size, sum)))
                .collect();
        let mut listed = std::collections::HashSet::new();
        for f in &listing.files {
            let Some((d, n)) = f.path.split_once('/') else {
                continue;
            };
            if d == me || !is_device_dir(d) || !is_sync_file_name(n) {
                continue;
            }
            listed.insert((d.to_owned(), n.to_owned()));
            let have = local.get(&(d.to_owned(), n.to_owned()));
            if n != "device.stint" && have == Some(&(f.size, f.sum.clone())) {
                continue;
            }
            let bytes = match hub.get(d, n) {
                Ok(b) => b,
                // Removed between the list and the download (compacted): nothing to fetch.
                Err(ServiceError::NotFound(_)) => continue,
                Err(e) => return Err(e),
            };
            if let Err(FileProblem::NotWhole(why)) =
                decode_file(&bytes, store::SCHEMA_VERSION as u32)
            {
                report.problems.push(format!(
                    "{d}/{n} from the server is not whole ({why}); it is fetched again at the \
                     next sync"
                ));
                continue;
            }
            let dir = mirror.join(d);
            private_dir(&dir)?;
            let path = dir.join(n);
            if read_small(&path).ok().as_deref() == Some(&bytes[..]) {
                continue;
            }
            write_atomic(&path, &bytes)?;
            report.downloaded += 1;
        }
        for (d, n) in local.keys() {
            if !listed.contains(&(d.clone(), n.clone())) {
                let path = mirror.join(d).join(n);
                match std::fs::remove_file(&path) {
                    Ok(()) => report.removed += 1,
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err("remove", &path, &e)),
                }
            }
        }
        Ok(())
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
            assert!(check_hub_path(dev, name).is_ok(), "{name}");
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
            assert!(check_hub_path(dev, name).is_err(), "{name:?}");
        }
        // What a file covers: compacted logs and snapshots cover, later logs do not.
        let log = "000000000003-000000000005.stint";
        assert!(is_covered(log, &[log, "000000000001-000000000009.stint"]));
        assert!(is_covered(log, &["snapshot-000000000005.stint"]));
        assert!(!is_covered(log, &[log, "000000000006-000000000007.stint"]));
        assert!(!is_covered(log, &["000000000004-000000000009.stint"]));
        assert!(!is_covered(
            log,
            &["snapshot-000000000004.stint", "device.stint"]
        ));
        assert!(!is_covered(
            "device.stint",
            &["snapshot-000000000009.stint"]
        ));
        assert!(is_covered(
            "snapshot-000000000004.stint",
            &["snapshot-000000000009.stint"]
        ));
        for d in [
            "",
            "..",
            "0123",
            &format!("{dev}0"),
            "0123456789abcdef0123456789abcdeg",
        ] {
            assert!(check_hub_path(d, "device.stint").is_err(), "{d:?}");
        }
    }
}
