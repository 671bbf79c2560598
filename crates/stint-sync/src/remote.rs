//! Sync through `stint serve` on another device, the client's side: the round `stint sync
//! --url URL --token T` runs against a hub (docs/sync.md, "Through a server").
//!
//! The local database syncs through a *mirror folder* (`<database directory>/<database file
//! name>.sync-remote/`, named by the service), which stands for the server: a round uploads
//! this device's files the server lacks, has the server apply them, downloads the other
//! devices' files the mirror lacks, syncs the mirror locally (the caller's folder sync), and
//! uploads what that wrote. The server's address is kept in `<mirror>/.server-url` so later
//! syncs and `stint sync status` name it, and its device id in `<mirror>/.server-device`: a
//! database syncs with one server, wherever it moves. A file of this device is removed from
//! the server only when the mirror holds a file covering it (compaction), never because the
//! mirror lost it.
//!
//! What a round sends, fetches and removes is decided by pure functions of the two listings
//! ([`uploads`], [`server_removals`], [`downloads`], [`mirror_removals`], [`check_server`],
//! with table tests beside them); [`sync`] reads the mirror, asks them, and talks to the hub
//! through a [`HubTransport`] ([`http::HttpHub`] over HTTP). The hub's side (the folder a
//! server keeps, its scope checks and audit rows) is the service's; its HTTP routes are the
//! `mcp` front end's.

pub mod http;

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::file::{FileProblem, MAX_FILE_BYTES, decode_file, file_sum, private_dir, read_small};
use crate::fs::{read_regular, strip_url_credentials, write_atomic};
use crate::{Result, SyncError, SyncFile, SyncReport};
use stint_store as store;
use stint_store::sync::DeviceId;

/// Name of the file in the mirror folder that holds the server's address.
const SERVER_URL_FILE: &str = ".server-url";

/// Name of the file in the mirror folder that holds the server's device id: a database syncs
/// with one server, wherever it moves.
const SERVER_DEVICE_FILE: &str = ".server-device";

/// Name of the file in the mirror folder that holds the token of the last successful sync
/// with the server (0600), so later syncs, the `sync` tool and auto-sync reach it.
const SERVER_TOKEN_FILE: &str = ".server-token";

/// Largest sync file, in bytes (the body limit of uploads and downloads).
pub const MAX_SYNC_FILE_BYTES: u64 = MAX_FILE_BYTES;

/// Longest server address accepted, in characters.
pub const MAX_SERVER_URL_CHARS: usize = 2_000;

/// Largest file of the mirror's own (server address, device, token) read, in bytes.
const MAX_PRIVATE_FILE_BYTES: u64 = 16 * 1024;

/// The token to create for sync, as the errors of both sides name it.
pub const SYNC_TOKEN_HINT: &str = "create one on the server with `stint token create --name \
                                   NAME --scope admin --sensitive` (sync files carry every \
                                   row, client contact details included)";

/// One sync file of a hub folder, or of the mirror folder that stands for it: the device
/// whose folder holds it, its name, its size in bytes and the checksum in its header (64 hex
/// digits; empty when unknown). The wire names it by [`HubFile::path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubFile {
    pub device: DeviceId,
    pub file: SyncFile,
    pub size: u64,
    pub sum: String,
}

impl HubFile {
    /// `<device id>/<file name>`, as the hub's listing and routes name the file.
    pub fn path(&self) -> String {
        format!("{}/{}", self.device, self.file)
    }
}

/// What a hub holds: the server's own device id and every device's sync files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HubListing {
    pub device_id: DeviceId,
    pub files: Vec<HubFile>,
}

/// The longest part of a refused path a message quotes, in characters.
const QUOTED_CHARS: usize = 64;

/// A file's device id and name as sent over the wire (a hub route's `{dev}/{name}`, a
/// listing's path), parsed once: the id in lower case (as a device names itself; ids are
/// compared without regard to case), the name by [`SyncFile`]'s grammar.
///
/// # Errors
/// [`SyncError::Invalid`] saying which part is wrong and what it must be (a device id of 32
/// hex digits, a sync file name); the part is quoted, cut to 64 characters.
pub fn parse_hub_path(dev: &str, name: &str) -> Result<(DeviceId, SyncFile)> {
    let quoted = |s: &str| format!("{:?}", s.chars().take(QUOTED_CHARS).collect::<String>());
    let device = DeviceId::parse_any_case(dev).ok_or_else(|| {
        SyncError::Invalid(format!(
            "{} is not a device id (32 hex digits)",
            quoted(dev)
        ))
    })?;
    let file = name
        .parse::<SyncFile>()
        .map_err(|e| SyncError::Invalid(format!("{} is {e}", quoted(name))))?;
    Ok((device, file))
}

/// [`parse_hub_path`] of a listing's `<device id>/<file name>` (split at its first `/`).
///
/// # Errors
/// [`SyncError::Invalid`]: a path without `/`, or one [`parse_hub_path`] refuses.
pub fn parse_hub_file_path(path: &str) -> Result<(DeviceId, SyncFile)> {
    let (dev, name) = path.split_once('/').ok_or_else(|| {
        SyncError::Invalid(format!(
            "{:?} is not a path <device id>/<file name>",
            path.chars().take(QUOTED_CHARS).collect::<String>()
        ))
    })?;
    parse_hub_path(dev, name)
}

/// The calls a client makes to a hub (implemented over HTTP by [`http::HttpHub`]).
///
/// Every error says what to do next (start the server, check the token, create an admin
/// token, update stint on the server): [`SyncError::Invalid`] for a bad address or token,
/// [`SyncError::NotFound`] for a file that is gone, [`SyncError::Refused`] otherwise.
pub trait HubTransport {
    /// The server's address, as the person gave it (`http://host:port`).
    fn url(&self) -> &str;
    /// Every sync file of the hub. A listing that names no device, or a file without a path
    /// `<device id>/<file name>` or a size, is refused ([`SyncError::Refused`], naming it),
    /// never read in part.
    fn list(&self) -> Result<HubListing>;
    /// The bytes of `<dev>/<file>`; [`SyncError::NotFound`] when it is gone.
    fn get(&self, dev: &DeviceId, file: &SyncFile) -> Result<Vec<u8>>;
    /// Stores `bytes` as `<dev>/<file>` on the hub.
    fn put(&self, dev: &DeviceId, file: &SyncFile, bytes: &[u8]) -> Result<()>;
    /// Removes `<dev>/<file>` from the hub (no error when it is absent).
    fn delete(&self, dev: &DeviceId, file: &SyncFile) -> Result<()>;
    /// Has the server apply the hub's files and publish its own changes.
    fn apply(&self) -> Result<SyncReport>;
}

/// Makes a [`HubTransport`] for a server address and token: set once by a front end that has
/// an HTTP client ([`http::hub_client`]), so the `sync` tool and auto-sync reach the server.
#[derive(Clone)]
pub struct HubClient(pub std::sync::Arc<MakeHub>);

/// `(server address, token) -> transport`.
pub type MakeHub = dyn Fn(&str, &str) -> Result<Box<dyn HubTransport>> + Send + Sync;

impl std::fmt::Debug for HubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HubClient(..)")
    }
}

/// What one `stint sync --url` did.
#[derive(Debug, Clone, Default)]
pub struct RemoteSyncReport {
    /// The server's address.
    pub url: String,
    /// The server's device id.
    pub server_device_id: DeviceId,
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

impl RemoteSyncReport {
    /// The round as one folder sync's report: the local part, with what went to and came from
    /// the server in its notes and the server's decisions and problems marked "on the server"
    /// (what the `sync` tool and auto-sync answer for a database bound to a server).
    pub fn into_local(self) -> SyncReport {
        let mut local = self.local;
        local.notes.push(format!(
            "through the server {}: sent {} file(s), received {} file(s)",
            self.url, self.uploaded, self.downloaded
        ));
        for s in self.server {
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
        local.problems.extend(self.problems);
        local
    }
}

fn conflict(msg: String) -> SyncError {
    SyncError::Refused(msg)
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> SyncError {
    conflict(format!(
        "cannot {what} {} ({e}); check that the folder exists and is writable",
        path.display()
    ))
}

/// A small text file of the mirror folder (a regular file only), `None` when absent or not
/// text.
fn read_private(path: &Path) -> Option<String> {
    read_regular(path, MAX_PRIVATE_FILE_BYTES)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
}

// ----- what the folders hold -----------------------------------------------------------------

/// The sync files of every device folder under `dir`, sorted by [`HubFile::path`] as text (the
/// order of the hub's listing); none when `dir` is absent. Device folders in upper case, other names and anything but regular
/// files are left out.
///
/// # Errors
/// A folder that cannot be read ([`SyncError::Refused`] naming it).
pub fn list_folder(dir: &Path) -> Result<Vec<HubFile>> {
    let mut out = Vec::new();
    let rd = match std::fs::read_dir(dir) {
        Ok(rd) => rd,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(io_err("read", dir, &e)),
    };
    for entry in rd.flatten() {
        let name = entry.file_name();
        let Some(device) = name.to_str().and_then(DeviceId::parse) else {
            continue;
        };
        if device.bytes().any(|b| b.is_ascii_uppercase())
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let Ok(files) = std::fs::read_dir(entry.path()) else {
            continue;
        };
        for f in files.flatten() {
            let Some(file) = f.file_name().to_str().and_then(|n| n.parse().ok()) else {
                continue;
            };
            match f.metadata() {
                Ok(m) if m.is_file() => out.push(HubFile {
                    device: device.clone(),
                    file,
                    size: m.len(),
                    sum: file_sum(&f.path()),
                }),
                _ => {}
            }
        }
    }
    out.sort_by_cached_key(HubFile::path);
    Ok(out)
}

// ----- what a round decides -------------------------------------------------------------------

/// This device's files as the hub lists them: file → (size, header checksum).
fn on_server<'a>(listing: &'a HubListing, me: &DeviceId) -> HashMap<SyncFile, (u64, &'a str)> {
    listing
        .files
        .iter()
        .filter(|f| f.device == *me)
        .map(|f| (f.file, (f.size, f.sum.as_str())))
        .collect()
}

/// Which of this device's (`me`) mirror files to upload, in order: those the hub lacks or has
/// with another size or header checksum (a file re-sealed with a new key has the same size,
/// not the same checksum), and `device.stint` always, last (the server sees a device's logs
/// before its new sequence number). `mirror` is [`list_folder`] of the mirror.
pub fn uploads<'a>(me: &DeviceId, mirror: &'a [HubFile], listing: &HubListing) -> Vec<&'a HubFile> {
    let theirs = on_server(listing, me);
    let mut order: Vec<&HubFile> = mirror.iter().filter(|f| f.device == *me).collect();
    order.sort_by_key(|f| f.file == SyncFile::Device);
    order.retain(|f| {
        f.file == SyncFile::Device || theirs.get(&f.file) != Some(&(f.size, f.sum.as_str()))
    });
    order
}

/// This device's (`me`) files to remove from the hub, sorted: those the mirror no longer has
/// and a file it has covers ([`SyncFile::covered_by`]: compacted into a longer log or a later
/// snapshot). A mirror folder deleted by hand must not take the server's copies along.
pub fn server_removals(me: &DeviceId, mirror: &[HubFile], listing: &HubListing) -> Vec<SyncFile> {
    let mine: Vec<SyncFile> = mirror
        .iter()
        .filter(|f| f.device == *me)
        .map(|f| f.file)
        .collect();
    let mut gone: Vec<SyncFile> = on_server(listing, me)
        .into_keys()
        .filter(|n| !mine.contains(n) && mine.iter().any(|m| n.covered_by(*m)))
        .collect();
    gone.sort_unstable();
    gone
}

/// The other devices' files the hub lists (not `me`'s), in the hub's order.
fn others_listed<'a>(
    me: &'a DeviceId,
    listing: &'a HubListing,
) -> impl Iterator<Item = &'a HubFile> + 'a {
    listing.files.iter().filter(move |f| f.device != *me)
}

/// The other devices' files to download, `(device id, file)` in the hub's order: those the
/// mirror lacks or has with another size or header checksum, and every `device.stint`.
pub fn downloads(
    me: &DeviceId,
    mirror: &[HubFile],
    listing: &HubListing,
) -> Vec<(DeviceId, SyncFile)> {
    let local: HashMap<(&DeviceId, SyncFile), (u64, &str)> = mirror
        .iter()
        .filter(|f| f.device != *me)
        .map(|f| ((&f.device, f.file), (f.size, f.sum.as_str())))
        .collect();
    others_listed(me, listing)
        .filter(|f| {
            f.file == SyncFile::Device
                || local.get(&(&f.device, f.file)) != Some(&(f.size, f.sum.as_str()))
        })
        .map(|f| (f.device.clone(), f.file))
        .collect()
}

/// The other devices' mirror files the hub no longer lists (compacted or removed there), to
/// remove from the mirror: `(device id, file)`, in the mirror's order (sorted).
pub fn mirror_removals(
    me: &DeviceId,
    mirror: &[HubFile],
    listing: &HubListing,
) -> Vec<(DeviceId, SyncFile)> {
    let listed: HashSet<(&DeviceId, SyncFile)> = others_listed(me, listing)
        .map(|f| (&f.device, f.file))
        .collect();
    mirror
        .iter()
        .filter(|f| f.device != *me && !listed.contains(&(&f.device, f.file)))
        .map(|f| (f.device.clone(), f.file))
        .collect()
}

/// This device as a round needs it.
#[derive(Debug, Clone, Copy)]
pub struct Local<'a> {
    /// This device's id.
    pub device_id: &'a DeviceId,
    /// The folder it syncs through (its mirror, canonical), `None` before the first sync.
    pub folder: Option<&'a str>,
}

/// Refuses a database that syncs through a plain folder: `mirror` (canonical, or as given
/// when it is gone) is not `local.folder`.
///
/// # Errors
/// [`SyncError::Refused`] naming the folder and what to do.
pub fn check_folder(local: Local<'_>, mirror: &Path, url: &str) -> Result<()> {
    let Some(f) = local.folder else {
        return Ok(());
    };
    if mirror == Path::new(f) {
        return Ok(());
    }
    Err(conflict(format!(
        "this database syncs through the folder {f}; keep syncing with `stint sync {f}` (a \
         database syncs through one folder), or start from a new database to sync with {url}"
    )))
}

/// Whether the hub at `url`, naming itself `server` (its device id), may be synced with: not
/// this very database, and the server this database is bound to (`bound`: the device id kept
/// in the mirror, which counts once the database syncs, compared without regard to case;
/// `last`: the address kept with it). A hub that names no device is refused when its listing
/// is read ([`http::HttpHub`]).
///
/// # Errors
/// [`SyncError::Refused`] saying which, and what to do.
pub fn check_server(
    local: Local<'_>,
    url: &str,
    server: &DeviceId,
    bound: Option<&str>,
    last: &str,
) -> Result<()> {
    if server == local.device_id {
        return Err(conflict(format!(
            "{url} serves this very database; sync from another device's database"
        )));
    }
    match bound {
        Some(bound) if local.folder.is_some() && !bound.eq_ignore_ascii_case(server) => {
            Err(conflict(format!(
                "{url} serves another database (device {}) than the server this database syncs \
             with (device {}, last at {last}); a database syncs with one server: sync with \
             that one (a server that moved keeps its device), or start from a new database \
             to sync with {url}",
                server.short(),
                bound.chars().take(8).collect::<String>(),
            )))
        }
        _ => Ok(()),
    }
}

// ----- the round ------------------------------------------------------------------------------

/// One sync round with the server behind `hub` (see the module docs): upload, server apply,
/// download, local sync through `mirror` (`local_sync`, the caller's folder sync), upload,
/// server apply.
///
/// # Errors
/// Those of the transport (server unreachable, token refused, a file refused); a server that
/// is this very database or another than the one this database syncs with; a database that
/// already syncs through another folder; a mirror that cannot be written; those of
/// `local_sync`.
pub fn sync<E: From<SyncError>>(
    hub: &dyn HubTransport,
    mirror: &Path,
    local: Local<'_>,
    local_sync: &mut dyn FnMut(&Path) -> Result<SyncReport, E>,
) -> Result<RemoteSyncReport, E> {
    let listing = bind(hub, mirror, local)?;
    let mut report = RemoteSyncReport {
        url: hub.url().to_owned(),
        server_device_id: listing.device_id.clone(),
        ..RemoteSyncReport::default()
    };

    // a. This device's files the server lacks; then the server applies them.
    upload_mine(hub, mirror, local.device_id, &listing, &mut report)?;
    report.server.push(hub.apply()?);

    // b. The other devices' files the mirror lacks.
    let listing = hub.list()?;
    download_others(hub, mirror, local.device_id, &listing, &mut report)?;

    // c. The local sync through the mirror.
    report.local = local_sync(mirror)?;

    // d. What c wrote goes up, and the server applies it.
    let me = DeviceId::parse_any_case(&report.local.device_id).ok_or_else(|| {
        conflict(format!(
            "the local sync named no device id ({:?}); run `stint sync status` and report this",
            report
                .local
                .device_id
                .chars()
                .take(QUOTED_CHARS)
                .collect::<String>()
        ))
    })?;
    upload_mine(hub, mirror, &me, &listing, &mut report)?;
    report.server.push(hub.apply()?);
    Ok(report)
}

/// The checks before a round ([`check_folder`], [`check_server`]), then the server's address
/// and device id kept in the mirror (created 0700). Returns the hub's first listing.
fn bind(hub: &dyn HubTransport, mirror: &Path, local: Local<'_>) -> Result<HubListing> {
    // The database path is canonical, so the mirror's is too, even when it is gone.
    let canon = std::fs::canonicalize(mirror).unwrap_or_else(|_| mirror.to_path_buf());
    check_folder(local, &canon, hub.url())?;
    let listing = hub.list()?;
    let bound = read_private(&mirror.join(SERVER_DEVICE_FILE));
    let last = || server_url(mirror, local.folder).unwrap_or_else(|| "?".to_owned());
    let bound = bound.as_deref().map(str::trim);
    let last = if bound.is_some() {
        last()
    } else {
        String::new()
    };
    check_server(local, hub.url(), &listing.device_id, bound, &last)?;
    private_dir(mirror)?;
    write_atomic(
        &mirror.join(SERVER_URL_FILE),
        format!("{}\n", hub.url()).as_bytes(),
    )?;
    write_atomic(
        &mirror.join(SERVER_DEVICE_FILE),
        format!("{}\n", listing.device_id).as_bytes(),
    )?;
    Ok(listing)
}

/// Uploads the files [`uploads`] names and removes the hub's files [`server_removals`] names.
fn upload_mine(
    hub: &dyn HubTransport,
    mirror: &Path,
    me: &DeviceId,
    listing: &HubListing,
    report: &mut RemoteSyncReport,
) -> Result<()> {
    let mine = list_folder(mirror)?;
    for f in uploads(me, &mine, listing) {
        let path = mirror.join(&f.device).join(f.file.to_string());
        let bytes = read_small(&path).map_err(|e| io_err("read", &path, &e))?;
        hub.put(&f.device, &f.file, &bytes)?;
        report.uploaded += 1;
    }
    for file in server_removals(me, &mine, listing) {
        hub.delete(me, &file)?;
        report.removed += 1;
    }
    Ok(())
}

/// Downloads the files [`downloads`] names (a file gone since the listing is skipped, a file
/// not whole is reported and fetched again next time), then removes the mirror files
/// [`mirror_removals`] names.
fn download_others(
    hub: &dyn HubTransport,
    mirror: &Path,
    me: &DeviceId,
    listing: &HubListing,
    report: &mut RemoteSyncReport,
) -> Result<()> {
    let local = list_folder(mirror)?;
    for (d, n) in downloads(me, &local, listing) {
        let bytes = match hub.get(&d, &n) {
            Ok(b) => b,
            // Removed between the list and the download (compacted): nothing to fetch.
            Err(SyncError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        if let Err(FileProblem::NotWhole(why)) = decode_file(&bytes, store::SCHEMA_VERSION as u32) {
            report.problems.push(format!(
                "{d}/{n} from the server is not whole ({why}); it is fetched again at the next \
                 sync"
            ));
            continue;
        }
        let dir = mirror.join(&d);
        private_dir(&dir)?;
        let path = dir.join(n.to_string());
        if read_small(&path).ok().as_deref() == Some(&bytes[..]) {
            continue;
        }
        write_atomic(&path, &bytes)?;
        report.downloaded += 1;
    }
    for (d, n) in mirror_removals(me, &local, listing) {
        let path = mirror.join(d).join(n.to_string());
        match std::fs::remove_file(&path) {
            Ok(()) => report.removed += 1,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("remove", &path, &e)),
        }
    }
    Ok(())
}

// ----- what the mirror keeps ------------------------------------------------------------------

/// The device id of the server `mirror` is bound to (kept by the first round with it), in
/// lower case; `None` for a mirror never bound or whose file does not read as a device id.
pub fn bound_server(mirror: &Path) -> Option<DeviceId> {
    DeviceId::parse_any_case(read_private(&mirror.join(SERVER_DEVICE_FILE))?.trim())
}

/// The server a database syncs with (`stint sync --url`), from its mirror folder: `None`
/// unless it syncs through that very mirror (`folder`, canonical, is the mirror's canonical
/// path). Only this device's own mirror says which server it syncs with: a `.server-url` in a
/// shared folder is anyone's. A `user:password@` kept there is left out.
pub fn server_url(mirror: &Path, folder: Option<&str>) -> Option<String> {
    let folder = folder?;
    let canon = std::fs::canonicalize(mirror).unwrap_or_else(|_| mirror.to_path_buf());
    if canon != Path::new(folder) {
        return None;
    }
    read_private(&mirror.join(SERVER_URL_FILE))
        .map(|s| strip_url_credentials(s.trim()).0)
        .filter(|s| !s.is_empty() && s.len() <= MAX_SERVER_URL_CHARS)
}

/// Keeps `token` for the server at `url` in `mirror` (`.server-token`, 0600; the folder is
/// created 0700) for later syncs.
///
/// # Errors
/// A mirror folder that cannot be written ([`SyncError::Refused`]).
pub fn remember_token(mirror: &Path, url: &str, token: &str) -> Result<()> {
    private_dir(mirror)?;
    write_atomic(
        &mirror.join(SERVER_TOKEN_FILE),
        format!("{}\n{}\n", url.trim(), token.trim()).as_bytes(),
    )
}

/// The token kept by [`remember_token`] for the server at `url` (the same base address):
/// never one kept for another address; `None` when none is kept or it is longer than 1,000
/// characters.
pub fn kept_token(mirror: &Path, url: &str) -> Option<String> {
    let kept = read_private(&mirror.join(SERVER_TOKEN_FILE))?;
    let mut lines = kept.lines();
    let (for_url, token) = (lines.next()?.trim(), lines.next()?.trim());
    (for_url == url.trim() && !token.is_empty() && token.len() <= 1_000).then(|| token.to_owned())
}

#[cfg(test)]
mod tests;
