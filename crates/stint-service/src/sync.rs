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

use sha2::{Digest, Sha256};

use super::sync_fs;
pub(crate) use super::sync_fs::write_atomic;
use super::{Result, Service, ServiceError};
use stint_store as store;
use stint_store::changes::{RowOp, Value};
use stint_store::sync::{self as ss, Op, RemoteChange};
use stint_store::sync_clock as ss_clock;

/// The version of the file format this stint writes and reads (2: logs also carry what their
/// device knew of every other device when it made them; version 1 files are still read).
pub const FORMAT_VERSION: u16 = 2;

const MAGIC: &[u8; 8] = b"STINTSYN";
const HEADER_LEN: usize = 8 + 2 + 4 + 32 + 2 + 1 + 8 + 8 + 8 + 32;

/// Most changes per log file.
const ENTRIES_PER_FILE: usize = 5_000;

/// Largest file read, in bytes (a log of 5,000 changes is far smaller).
pub(crate) const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

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

pub(crate) fn is_device_dir(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    pub format: u16,
    pub(crate) schema: u32,
    pub device_id: String,
    pub device_no: u16,
    /// [`KIND_DEVICE`], [`KIND_LOG`] or [`KIND_SNAPSHOT`], plus [`ENCRYPTED`] when the body is
    /// sealed with the sync key.
    pub kind: u8,
    pub(crate) first_seq: u64,
    pub(crate) last_seq: u64,
    pub(crate) body_len: u64,
}

/// Header kind of a device file (`device.stint`: the device's name and how far it has applied
/// every other device).
pub(crate) const KIND_DEVICE: u8 = 0;
/// Header kind of a log (`<first>-<last>.stint`: changes in order).
pub(crate) const KIND_LOG: u8 = 1;
/// Header kind of a snapshot (`snapshot-<seq>.stint`: every row and clock, for a new device).
pub(crate) const KIND_SNAPSHOT: u8 = 2;
/// Header kind flag: the body is `nonce (24 bytes) || XChaCha20-Poly1305 ciphertext`, sealed
/// with the sync key, the header as associated data.
pub(crate) const ENCRYPTED: u8 = 0x80;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FileProblem {
    /// Short, damaged or not a stint sync file: skipped until whole.
    NotWhole(String),
    /// Written by a newer stint.
    TooNew { schema: u32, format: u16 },
    /// Encrypted while this device has no key, sealed with another key, or not encrypted
    /// while this device only accepts encrypted files: what to do is in the message.
    Key(String),
}

/// The key that encrypts sync files end to end (XChaCha20-Poly1305, 256 bits), shown to people
/// as 43 characters of URL-safe base64.
#[derive(Clone, PartialEq, Eq)]
pub struct SyncKey([u8; 32]);

impl std::fmt::Debug for SyncKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SyncKey(..)")
    }
}

impl SyncKey {
    /// A new random key.
    ///
    /// # Errors
    /// The operating system's random source failing.
    pub fn generate() -> Result<SyncKey> {
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| {
            conflict(format!(
                "cannot make a key: the system gave no random bytes ({e})"
            ))
        })?;
        Ok(SyncKey(k))
    }

    /// Parses a key as [`SyncKey::to_text`] prints it.
    ///
    /// # Errors
    /// Anything but 43 characters of URL-safe base64 (32 bytes).
    pub fn parse(text: &str) -> Result<SyncKey> {
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.trim().as_bytes())
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok());
        match bytes {
            Some(k) => Ok(SyncKey(k)),
            None => Err(conflict(
                "that is not a sync key: a key is the 43 characters `stint sync key show` \
                 prints on a device that has it"
                    .to_owned(),
            )),
        }
    }

    fn from_stored(bytes: &[u8]) -> Option<SyncKey> {
        <[u8; 32]>::try_from(bytes).ok().map(SyncKey)
    }

    /// The key as people copy it: 43 characters of URL-safe base64.
    pub fn to_text(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(self.0)
    }
}

/// A whole file, its body sealed with `key` when there is one (a fresh 24-byte nonce from the
/// operating system's random source per file).
///
/// # Errors
/// The random source failing (no nonce is ever made up: a repeated nonce would expose both
/// bodies), or the cipher refusing the body; nothing is written then.
pub(crate) fn seal_file(h: &Header, body: &[u8], key: Option<&SyncKey>) -> Result<Vec<u8>> {
    use chacha20poly1305::aead::{AeadInPlace, KeyInit};
    use chacha20poly1305::{XChaCha20Poly1305, XNonce};
    let Some(key) = key else {
        let mut h = h.clone();
        h.kind &= !ENCRYPTED;
        return Ok(encode_file(&h, body));
    };
    let mut h = h.clone();
    h.kind |= ENCRYPTED;
    h.body_len = (24 + body.len() + 16) as u64;
    let mut nonce = [0u8; 24];
    getrandom::fill(&mut nonce).map_err(|e| {
        conflict(format!(
            "cannot encrypt a sync file: the system gave no random bytes ({e}); nothing was \
             written, try again"
        ))
    })?;
    let aad = header_bytes(&h);
    let mut stored = Vec::with_capacity(24 + body.len() + 16);
    stored.extend_from_slice(&nonce);
    stored.extend_from_slice(body);
    let tag = XChaCha20Poly1305::new((&key.0).into())
        .encrypt_in_place_detached(XNonce::from_slice(&nonce), &aad, &mut stored[24..])
        .map_err(|e| {
            conflict(format!(
                "cannot encrypt a sync file ({e}); nothing was written: a body of {} bytes is \
                 more than the cipher takes",
                body.len()
            ))
        })?;
    stored.extend_from_slice(&tag);
    Ok(encode_file(&h, &stored))
}

/// Checks a file, opens its body with `key`, and returns the header (without the
/// [`ENCRYPTED`] flag) and the plain body.
///
/// # Errors
/// Those of [`decode_file`], and [`FileProblem::Key`] for an encrypted file without the key
/// or with another one, or a plain file while `key` is set (it may have been put there by
/// anyone who can write to the folder).
pub(crate) fn open_file(
    bytes: &[u8],
    schema: u32,
    key: Option<&SyncKey>,
) -> std::result::Result<(Header, Vec<u8>), FileProblem> {
    open_file_owned(bytes.to_vec(), schema, key)
}

/// [`open_file`] on a file read into `bytes`, reusing it for the body (decrypted in place):
/// no second copy of a large file.
///
/// # Errors
/// Those of [`open_file`].
pub(crate) fn open_file_owned(
    mut bytes: Vec<u8>,
    schema: u32,
    key: Option<&SyncKey>,
) -> std::result::Result<(Header, Vec<u8>), FileProblem> {
    use chacha20poly1305::aead::{AeadInPlace, KeyInit};
    use chacha20poly1305::{Tag, XChaCha20Poly1305, XNonce};
    let (mut h, body_len) = {
        let (h, body) = decode_file(&bytes, schema)?;
        (h, body.len())
    };
    let sealed = h.kind & ENCRYPTED != 0;
    match (sealed, key) {
        (false, None) => {
            bytes.drain(..HEADER_LEN);
            bytes.truncate(body_len);
            Ok((h, bytes))
        }
        (false, Some(_)) => Err(FileProblem::Key(
            "its files are not encrypted, and this device accepts only encrypted files (it has \
             a sync key); set the same key on that device with `stint sync key set KEY`"
                .to_owned(),
        )),
        (true, None) => Err(FileProblem::Key(
            "its files are encrypted; copy the key from a device that has it (`stint sync key \
             show` there, then `stint sync key set KEY` here)"
                .to_owned(),
        )),
        (true, Some(key)) => {
            let wrong = || {
                FileProblem::Key(
                    "its files are encrypted with another key; set the same key on every device \
                     (`stint sync key show` on one, `stint sync key set KEY` on the others)"
                        .to_owned(),
                )
            };
            if body_len < 24 + 16 {
                return Err(wrong());
            }
            let aad = header_bytes(&h);
            let body = &mut bytes[HEADER_LEN..HEADER_LEN + body_len];
            let (nonce_and_text, tag) = body.split_at_mut(body_len - 16);
            let tag = Tag::clone_from_slice(tag);
            let (nonce, text) = nonce_and_text.split_at_mut(24);
            XChaCha20Poly1305::new((&key.0).into())
                .decrypt_in_place_detached(XNonce::from_slice(nonce), &aad, text, &tag)
                .map_err(|_| wrong())?;
            bytes.drain(..HEADER_LEN + 24);
            bytes.truncate(body_len - 24 - 16);
            h.kind &= !ENCRYPTED;
            Ok((h, bytes))
        }
    }
}

fn header_bytes(h: &Header) -> Vec<u8> {
    let mut b = Vec::with_capacity(HEADER_LEN);
    b.extend_from_slice(MAGIC);
    b.extend_from_slice(&h.format.to_le_bytes());
    b.extend_from_slice(&h.schema.to_le_bytes());
    let mut id = [b'0'; 32];
    for (i, c) in h.device_id.bytes().take(32).enumerate() {
        id[i] = c;
    }
    b.extend_from_slice(&id);
    b.extend_from_slice(&h.device_no.to_le_bytes());
    b.push(h.kind);
    b.extend_from_slice(&h.first_seq.to_le_bytes());
    b.extend_from_slice(&h.last_seq.to_le_bytes());
    b.extend_from_slice(&h.body_len.to_le_bytes());
    b
}

/// A whole file: header, checksum, body.
pub(crate) fn encode_file(h: &Header, body: &[u8]) -> Vec<u8> {
    let mut h = h.clone();
    h.body_len = body.len() as u64;
    let mut out = header_bytes(&h);
    let mut sha = Sha256::new();
    sha.update(&out);
    sha.update(body);
    out.extend_from_slice(&sha.finalize());
    out.extend_from_slice(body);
    out
}

/// Checks a file and returns its header and body.
///
/// # Errors
/// [`FileProblem::NotWhole`] for a short, damaged or foreign file; [`FileProblem::TooNew`]
/// for one from a newer format or schema than `schema`.
pub(crate) fn decode_file(
    bytes: &[u8],
    schema: u32,
) -> std::result::Result<(Header, &[u8]), FileProblem> {
    let bad = |why: &str| FileProblem::NotWhole(why.to_owned());
    let h = parse_header(bytes, schema)?;
    let body_start = HEADER_LEN;
    let Some(end) = usize::try_from(h.body_len)
        .ok()
        .and_then(|l| body_start.checked_add(l))
    else {
        return Err(bad("a length that does not fit"));
    };
    if bytes.len() < end {
        return Err(bad("shorter than its header says (still being copied?)"));
    }
    if bytes.len() > end {
        return Err(bad("longer than its header says"));
    }
    let mut sha = Sha256::new();
    sha.update(&bytes[..body_start - 32]);
    sha.update(&bytes[body_start..end]);
    if sha.finalize().as_slice() != &bytes[body_start - 32..body_start] {
        return Err(bad(
            "its checksum does not match (damaged or still being copied)",
        ));
    }
    Ok((h, &bytes[body_start..end]))
}

/// The header at the start of `bytes` (magic and versions checked; length and checksum not).
fn parse_header(bytes: &[u8], schema: u32) -> std::result::Result<Header, FileProblem> {
    let bad = |why: &str| FileProblem::NotWhole(why.to_owned());
    if bytes.len() < HEADER_LEN {
        return Err(bad("shorter than a header"));
    }
    if &bytes[..8] != MAGIC {
        return Err(bad("not a stint sync file"));
    }
    let u16_at = |i: usize| u16::from_le_bytes([bytes[i], bytes[i + 1]]);
    let u32_at = |i: usize| u32::from_le_bytes(bytes[i..i + 4].try_into().unwrap_or([0; 4]));
    let u64_at = |i: usize| u64::from_le_bytes(bytes[i..i + 8].try_into().unwrap_or([0; 8]));
    let h = Header {
        format: u16_at(8),
        schema: u32_at(10),
        device_id: String::from_utf8_lossy(&bytes[14..46]).into_owned(),
        device_no: u16_at(46),
        kind: bytes[48],
        first_seq: u64_at(49),
        last_seq: u64_at(57),
        body_len: u64_at(65),
    };
    if h.format > FORMAT_VERSION || h.schema > schema {
        return Err(FileProblem::TooNew {
            schema: h.schema,
            format: h.format,
        });
    }
    Ok(h)
}

/// Checks a file of `len` bytes read from `reader` as [`decode_file`] does, reading it once
/// in pieces of 64 KiB (memory does not grow with the file), and returns its header.
///
/// # Errors
/// Those of [`decode_file`]; a read error is [`FileProblem::NotWhole`].
pub(crate) fn check_file_stream(
    reader: &mut impl std::io::Read,
    len: u64,
    schema: u32,
) -> std::result::Result<Header, FileProblem> {
    let bad = |why: String| FileProblem::NotWhole(why);
    let mut head = [0u8; HEADER_LEN];
    if len < HEADER_LEN as u64 {
        return Err(bad("shorter than a header".to_owned()));
    }
    reader
        .read_exact(&mut head)
        .map_err(|e| bad(format!("cannot be read ({e})")))?;
    let h = parse_header(&head, schema)?;
    match (len - HEADER_LEN as u64).cmp(&h.body_len) {
        std::cmp::Ordering::Less => {
            return Err(bad(
                "shorter than its header says (still being copied?)".to_owned()
            ));
        }
        std::cmp::Ordering::Greater => {
            return Err(bad("longer than its header says".to_owned()));
        }
        std::cmp::Ordering::Equal => {}
    }
    let mut sha = Sha256::new();
    sha.update(&head[..HEADER_LEN - 32]);
    let mut left = h.body_len;
    let mut buf = vec![0u8; 64 * 1024];
    while left > 0 {
        let want = usize::try_from(left.min(buf.len() as u64)).unwrap_or(buf.len());
        let n = reader
            .read(&mut buf[..want])
            .map_err(|e| bad(format!("cannot be read ({e})")))?;
        if n == 0 {
            return Err(bad(
                "shorter than its header says (still being copied?)".to_owned()
            ));
        }
        sha.update(&buf[..n]);
        left -= n as u64;
    }
    if sha.finalize().as_slice() != &head[HEADER_LEN - 32..] {
        return Err(bad(
            "its checksum does not match (damaged or still being copied)".to_owned(),
        ));
    }
    Ok(h)
}

/// Byte writer for bodies.
#[derive(Debug, Default)]
struct W(Vec<u8>);

impl W {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn bytes(&mut self, b: &[u8]) {
        self.u32(b.len() as u32);
        self.0.extend_from_slice(b);
    }
    fn value(&mut self, pk: bool, v: &Option<Value>) {
        let flag = if pk { 0x80 } else { 0 };
        match v {
            None => self.u8(flag),
            Some(Value::Null) => self.u8(flag | 1),
            Some(Value::Integer(i)) => {
                self.u8(flag | 2);
                self.i64(*i);
            }
            Some(Value::Real(f)) => {
                self.u8(flag | 3);
                self.0.extend_from_slice(&f.to_le_bytes());
            }
            Some(Value::Text(t)) => {
                self.u8(flag | 4);
                self.bytes(t.as_bytes());
            }
            Some(Value::Blob(b)) => {
                self.u8(flag | 5);
                self.bytes(b);
            }
        }
    }
    fn op(&mut self, op: &Op) {
        self.bytes(op.table.as_bytes());
        self.u8(match op.kind {
            RowOp::Insert => 1,
            RowOp::Update => 2,
            RowOp::Delete => 3,
        });
        self.u32(op.values.len() as u32);
        for (i, v) in op.values.iter().enumerate() {
            self.value(op.pk.get(i).copied().unwrap_or(false), v);
        }
    }
}

/// Byte reader for bodies; every read is bounded by what is left.
#[derive(Debug)]
struct R<'a>(&'a [u8]);

impl<'a> R<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
    }
    fn i64(&mut self) -> Option<i64> {
        self.take(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    /// A count, then that many items read by `item`; a count above the bytes left is damage
    /// (every item takes at least one byte), so nothing is allocated for it.
    fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        let n = self.u32()? as usize;
        if n > self.0.len() {
            return None;
        }
        // Reserve little up front: a crafted count must not allocate before items are read.
        let mut out = Vec::with_capacity(n.min(1024));
        for _ in 0..n {
            out.push(item(self)?);
        }
        Some(out)
    }
    fn value(&mut self) -> Option<(bool, Option<Value>)> {
        let tag = self.u8()?;
        let pk = tag & 0x80 != 0;
        let v = match tag & 0x7f {
            0 => None,
            1 => Some(Value::Null),
            2 => Some(Value::Integer(self.i64()?)),
            3 => Some(Value::Real(f64::from_le_bytes(
                self.take(8)?.try_into().ok()?,
            ))),
            4 => Some(Value::Text(self.text()?)),
            5 => Some(Value::Blob(self.bytes()?.to_vec())),
            _ => return None,
        };
        Some((pk, v))
    }
    fn op(&mut self) -> Option<Op> {
        let table = self.text()?;
        let kind = match self.u8()? {
            1 => RowOp::Insert,
            2 => RowOp::Update,
            3 => RowOp::Delete,
            _ => return None,
        };
        let n = self.u32()? as usize;
        if n > 4096 || n > self.0.len() {
            return None;
        }
        let mut pk = Vec::with_capacity(n);
        let mut values = Vec::with_capacity(n);
        for _ in 0..n {
            let (k, v) = self.value()?;
            pk.push(k);
            values.push(v);
        }
        Some(Op {
            table,
            kind,
            pk,
            values,
        })
    }
}

/// One change in a log file.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Entry {
    pub(crate) seq: i64,
    pub hlc: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    pub(crate) schema: i64,
    pub operation: String,
    pub summary: String,
    pub ops: Vec<Op>,
}

/// A log body: the device's name, how far it had applied each other device, its entries.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Log {
    pub name: String,
    /// `(device id, sequence number)`: this log is applied after those.
    pub(crate) deps: Vec<(String, i64)>,
    /// `(device id, clock stamp)`: the newest change of each other device its device had
    /// applied when it made these entries (format 2; empty in version 1 files).
    pub(crate) known: Vec<(String, i64)>,
    pub(crate) entries: Vec<Entry>,
}

fn encode_log(log: &Log) -> Vec<u8> {
    let mut w = W::default();
    w.bytes(log.name.as_bytes());
    w.u32(log.deps.len() as u32);
    for (d, s) in &log.deps {
        w.bytes(d.as_bytes());
        w.i64(*s);
    }
    w.u32(log.known.len() as u32);
    for (d, h) in &log.known {
        w.bytes(d.as_bytes());
        w.i64(*h);
    }
    w.u32(log.entries.len() as u32);
    for e in &log.entries {
        w.i64(e.seq);
        w.i64(e.hlc);
        w.i64(e.at);
        w.i64(e.schema);
        w.bytes(e.operation.as_bytes());
        w.bytes(e.summary.as_bytes());
        w.u32(e.ops.len() as u32);
        for op in &e.ops {
            w.op(op);
        }
    }
    w.0
}

fn decode_log(body: &[u8], format: u16) -> Option<Log> {
    let mut r = R(body);
    let name = r.text()?;
    let deps = r.list(|r| Some((r.text()?, r.i64()?)))?;
    let known = if format >= 2 {
        r.list(|r| Some((r.text()?, r.i64()?)))?
    } else {
        Vec::new()
    };
    let entries = r.list(|r| {
        Some(Entry {
            seq: r.i64()?,
            hlc: r.i64()?,
            at: r.i64()?,
            schema: r.i64()?,
            operation: r.text()?,
            summary: r.text()?,
            ops: r.list(R::op)?,
        })
    })?;
    r.0.is_empty().then_some(Log {
        name,
        deps,
        known,
        entries,
    })
}

pub(crate) fn private_dir(dir: &Path) -> Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| io_err("create the folder", dir, e))
}

/// A device's folder as found: its device file, logs and snapshot.
#[derive(Debug)]
struct Remote {
    id: String,
    dir: PathBuf,
    no: i64,
    name: String,
    /// `(first, last, path)`, by first sequence number.
    logs: Vec<(i64, i64, PathBuf)>,
    /// Its newest snapshot: `(seq, path)`.
    snapshot: Option<(i64, PathBuf)>,
    /// How far it had applied each other device when it last synced (from its device file).
    acks: std::collections::HashMap<String, i64>,
    /// The last sequence number it had published (from its device file's header).
    published: i64,
    problem: Option<String>,
}

fn parse_log_name(name: &str) -> Option<(i64, i64)> {
    let stem = name.strip_suffix(".stint")?;
    let (a, b) = stem.split_once('-')?;
    if a.len() != 12 || b.len() != 12 || !(a.bytes().chain(b.bytes())).all(|c| c.is_ascii_digit()) {
        return None;
    }
    let (a, b) = (a.parse().ok()?, b.parse().ok()?);
    (a >= 1 && b >= a).then_some((a, b))
}

fn parse_snapshot_name(name: &str) -> Option<i64> {
    let seq = name.strip_prefix("snapshot-")?.strip_suffix(".stint")?;
    if seq.len() != 12 || !seq.bytes().all(|c| c.is_ascii_digit()) {
        return None;
    }
    seq.parse().ok()
}

fn log_name(first: i64, last: i64) -> String {
    format!("{first:012}-{last:012}.stint")
}

fn snapshot_name(seq: i64) -> String {
    format!("snapshot-{seq:012}.stint")
}

/// Whether `name` is the name of a file a device writes into its folder: `device.stint`, a
/// log `<first>-<last>.stint` or a snapshot `snapshot-<seq>.stint` (12 digits each).
pub(crate) fn is_sync_file_name(name: &str) -> bool {
    name == "device.stint" || parse_log_name(name).is_some() || parse_snapshot_name(name).is_some()
}

/// The checksum in a sync file's header (64 hex digits; empty when the file is shorter than a
/// header or unreadable): two files with the same one are the same file, read cheaply.
pub(crate) fn file_sum(path: &Path) -> String {
    use std::io::Read as _;
    let mut head = [0u8; HEADER_LEN];
    match sync_fs::open_regular(path).and_then(|(mut f, _)| f.read_exact(&mut head)) {
        Ok(()) => head[HEADER_LEN - 32..]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        Err(_) => String::new(),
    }
}

/// The bytes of the sync file `path`: a regular file (no symlink, FIFO or device) of at most
/// [`MAX_FILE_BYTES`] (see [`sync_fs::read_regular`]).
pub(crate) fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    sync_fs::read_regular(path, MAX_FILE_BYTES)
}

fn encode_device(name: &str, acks: &[(String, i64)]) -> Vec<u8> {
    let mut w = W::default();
    w.bytes(name.as_bytes());
    w.u32(acks.len() as u32);
    for (d, s) in acks {
        w.bytes(d.as_bytes());
        w.i64(*s);
    }
    w.0
}

/// A device file's name and acks (a file without acks, from an older stint, has none).
fn decode_device(body: &[u8]) -> (String, std::collections::HashMap<String, i64>) {
    let mut r = R(body);
    let name = r.text().unwrap_or_default();
    let mut acks = std::collections::HashMap::new();
    if let Some(n) = r.u32() {
        for _ in 0..(n as usize).min(ss::ID_STRIDE as usize * 4) {
            match (r.text(), r.i64()) {
                (Some(d), Some(s)) => {
                    acks.insert(d, s);
                }
                _ => break,
            }
        }
    }
    (name, acks)
}

fn problem_text(p: FileProblem) -> String {
    match p {
        FileProblem::NotWhole(w) => format!("waiting for a whole file ({w})"),
        FileProblem::TooNew { schema, .. } => too_new_message(schema),
        FileProblem::Key(m) => m,
    }
}

fn scan(dir: &Path, me: &str, key: Option<&SyncKey>) -> Result<Vec<Remote>> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| io_err("read", dir, e))?;
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Device ids are lower-case hex: another spelling (of this device's id too) is not a
        // device's folder; nor is a symlink to a folder elsewhere.
        if !is_device_dir(&name)
            || name.bytes().any(|b| b.is_ascii_uppercase())
            || name == me
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let ddir = entry.path();
        let mut remote = Remote {
            id: name.clone(),
            dir: ddir.clone(),
            no: -1,
            name: String::new(),
            logs: Vec::new(),
            snapshot: None,
            acks: std::collections::HashMap::new(),
            published: 0,
            problem: None,
        };
        // What the folder holds, by name and size only (nothing followed, nothing read).
        let mut sizes = Vec::new();
        if let Ok(files) = std::fs::read_dir(&ddir) {
            for f in files.flatten() {
                let n = f.file_name().to_string_lossy().into_owned();
                if !is_sync_file_name(&n) {
                    continue;
                }
                sizes.push(f.metadata().map_or(0, |m| m.len()));
                if sizes.len() > sync_fs::MAX_DEVICE_FOLDER_FILES {
                    break;
                }
                if let Some((a, b)) = parse_log_name(&n) {
                    remote.logs.push((a, b, f.path()));
                } else if let Some(seq) = parse_snapshot_name(&n)
                    && remote.snapshot.as_ref().is_none_or(|s| s.0 < seq)
                {
                    remote.snapshot = Some((seq, f.path()));
                }
            }
        }
        if let Err(why) = sync_fs::check_device_folder(&ddir, &sizes) {
            remote.problem = Some(why);
            remote.logs.clear();
            remote.snapshot = None;
            out.push(remote);
            continue;
        }
        let device_file = ddir.join("device.stint");
        match sync_fs::read_regular(&device_file, sync_fs::MAX_DEVICE_FILE_BYTES) {
            Ok(bytes) => match open_file_owned(bytes.clone(), store::SCHEMA_VERSION as u32, key) {
                Ok((h, body)) if h.kind == KIND_DEVICE && h.device_id == name => {
                    remote.no = i64::from(h.device_no);
                    remote.published = i64::try_from(h.last_seq).unwrap_or(0);
                    let (raw_name, acks) = decode_device(&body);
                    remote.name = sync_fs::device_name(&raw_name);
                    remote.acks = acks;
                }
                Ok(_) => remote.problem = Some("its device file names another device".to_owned()),
                Err(FileProblem::NotWhole(w)) => {
                    remote.problem = Some(format!("waiting for its whole device file ({w})"))
                }
                Err(p) => {
                    // Sealed with a key this device lacks: its number is still known from the
                    // header (checked whole), so no device here takes it. With a key, nothing
                    // unauthenticated counts: a plain or foreign header claims no number (else
                    // 64 planted folders would stop any device joining).
                    if key.is_none()
                        && let Ok((h, _)) = decode_file(&bytes, store::SCHEMA_VERSION as u32)
                        && h.device_id == name
                    {
                        remote.no = i64::from(h.device_no);
                    }
                    remote.problem = Some(problem_text(p));
                }
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                remote.problem = Some("waiting for its device file".to_owned())
            }
            Err(e) => {
                remote.problem = Some(format!(
                    "its device file {} cannot be read ({e})",
                    device_file.display()
                ))
            }
        }
        remote.logs.sort();
        out.push(remote);
    }
    out.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(out)
}

/// The other devices in `dir` and their device numbers (-1: not known yet), for moving a
/// device into it.
pub(super) fn devices_in(
    dir: &Path,
    me: &str,
    key: Option<&SyncKey>,
) -> Result<Vec<(String, i64)>> {
    Ok(scan(dir, me, key)?
        .into_iter()
        .map(|r| (r.id, r.no))
        .collect())
}

fn too_new_message(schema: u32) -> String {
    format!(
        "its files come from a newer stint (schema {schema}, this one reads up to {}); update \
         stint on this device",
        store::SCHEMA_VERSION
    )
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// A snapshot body: the writer's name and clock, what it covers, and its rows.
#[derive(Debug, Clone, PartialEq)]
struct Snapshot {
    name: String,
    hlc: i64,
    /// `(device id, device number, sequence number, clock stamp)`: every device's changes up
    /// to its number are in the rows (the writer's own included), the newest of them stamped
    /// as given (what a device that starts from it knows of that device).
    covers: Vec<(String, i64, i64, i64)>,
    rows: Vec<Op>,
}

fn encode_snapshot(s: &Snapshot) -> Vec<u8> {
    let mut w = W::default();
    w.bytes(s.name.as_bytes());
    w.i64(s.hlc);
    w.u32(s.covers.len() as u32);
    for (d, no, seq, known) in &s.covers {
        w.bytes(d.as_bytes());
        w.i64(*no);
        w.i64(*seq);
        w.i64(*known);
    }
    w.u32(s.rows.len() as u32);
    for op in &s.rows {
        w.op(op);
    }
    w.0
}

/// A snapshot's name, clock and covers: what comes before its rows.
type SnapshotHead = (String, i64, Vec<(String, i64, i64, i64)>);

fn snapshot_head(r: &mut R<'_>) -> Option<SnapshotHead> {
    let name = r.text()?;
    let hlc = r.i64()?;
    let covers = r.list(|r| Some((r.text()?, r.i64()?, r.i64()?, r.i64()?)))?;
    Some((name, hlc, covers))
}

fn decode_snapshot(body: &[u8]) -> Option<Snapshot> {
    let mut r = R(body);
    let (name, hlc, covers) = snapshot_head(&mut r)?;
    let rows = r.list(R::op)?;
    r.0.is_empty().then_some(Snapshot {
        name: sync_fs::device_name(&name),
        hlc,
        covers,
        rows,
    })
}

/// The oldest sequence number of a device's changes still in the folder (1 when nothing was
/// compacted; one past the last when it has no log).
fn oldest_kept(r: &Remote) -> i64 {
    r.logs.first().map_or(i64::MAX, |l| l.0)
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
            let mut used: Vec<i64> = remotes.iter().map(|r| r.no).collect();
            used.extend(ss::peers(&conn)?.iter().map(|p| p.device_no));
            let free: Vec<i64> = (0..ss::ID_STRIDE).filter(|n| !used.contains(n)).collect();
            if free.is_empty() {
                return Err(conflict(
                    "the sync folder has 64 devices already, the most stint supports; remove \
                     the folder of a device no longer used"
                        .to_owned(),
                ));
            }
            let mut b = [0u8; 2];
            let _ = getrandom::fill(&mut b);
            let no = free[usize::from(u16::from_le_bytes(b)) % free.len()];
            let first_join = st.folder.is_none();
            let name = host_name();
            let empty = !ss::has_data(&conn)?;
            let start = if first_join && empty {
                best_snapshot(&remotes, key, now.timestamp_millis(), &mut report)
            } else {
                None
            };
            let mut renumbered = 0;
            ss::immediate(&mut conn, |tx| -> Result<()> {
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
                if let Some((author, snap)) = &start {
                    match ss::load_snapshot(tx, &snap.rows, snap.hlc, now.timestamp_millis())? {
                        Ok(n) => {
                            for (d, dno, seq, known) in &snap.covers {
                                if *d != me {
                                    let dname = if d == author { snap.name.as_str() } else { "" };
                                    ss::set_applied_from_snapshot(
                                        tx, d, *dno, dname, *seq, *known,
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
                    ss::clock_snapshot(tx, &ops, &meta, &(hlc, me.clone()))?;
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
                    self.write_log(&dir, &me, no, 1, 1, &log, key)?;
                    ss::set_published(tx, 1, last)?;
                }
                Ok(())
            })?;
            report.joined = true;
            report.renumbered = renumbered;
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
            let deps = ss::peers(&conn)?
                .into_iter()
                .map(|p| (p.device_id, p.applied_seq))
                .collect();
            let meta = ss::Meta::load(&conn)?;
            let mut entries = Vec::with_capacity(pending.len());
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
                entries.push(Entry {
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
            report.published += entries.len();
            let log = Log {
                name: name.clone(),
                deps,
                known: ss::known_stamps(&conn)?,
                entries,
            };
            self.write_log(&dir, &me, no, first, seq, &log, key)?;
            ss::set_published(&conn, seq, last_change)?;
        }

        // The other devices' changes, each file once the files it depends on are applied.
        let mut applied_counts: Vec<(String, usize)> = Vec::new();
        let mut blocked: std::collections::HashSet<String> = std::collections::HashSet::new();
        for r in &remotes {
            if r.no >= 0 {
                let seen = r.logs.last().map_or(0, |l| l.1).max(r.published);
                ss::upsert_peer(&conn, &r.id, r.no, &r.name, seen, r.problem.as_deref())?;
                if r.no == no {
                    let msg = format!(
                        "device {} ({}) uses device number {no} too; its changes are not \
                         applied. Sync that device again after deleting its folder {}, or start \
                         it from a new database",
                        short(&r.id),
                        r.name,
                        r.dir.display()
                    );
                    ss::upsert_peer(&conn, &r.id, r.no, &r.name, seen, Some(&msg))?;
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
            let applied: std::collections::HashMap<String, i64> = ss::peers(&conn)?
                .into_iter()
                .map(|p| (p.device_id, p.applied_seq))
                .collect();
            for r in &remotes {
                if blocked.contains(&r.id) {
                    continue;
                }
                let done = applied.get(&r.id).copied().unwrap_or(0);
                let next = r.logs.iter().find(|l| l.1 > done);
                let first = next.map_or(r.published + 1, |l| l.0);
                if first > done + 1 {
                    // A device that knew this one (its device file lists it) removed only
                    // what this one had applied, and one without a snapshot removed nothing:
                    // the missing logs are still on their way.
                    let msg = if r.acks.contains_key(&me) || r.snapshot.is_none() {
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
                    ss::upsert_peer(&conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                    report.problems.push(msg);
                    blocked.insert(r.id.clone());
                    continue;
                }
                let Some((_, _, path)) = next else {
                    continue;
                };
                let bytes = match read_small(path) {
                    Ok(b) => b,
                    Err(e) => {
                        report
                            .problems
                            .push(format!("cannot read {} ({e})", path.display()));
                        blocked.insert(r.id.clone());
                        continue;
                    }
                };
                let (h, body) = match open_file_owned(bytes, store::SCHEMA_VERSION as u32, key) {
                    Ok(x) => x,
                    Err(FileProblem::NotWhole(w)) => {
                        report.problems.push(format!(
                            "{} is not whole yet ({w}); it is skipped until it is",
                            path.display()
                        ));
                        blocked.insert(r.id.clone());
                        continue;
                    }
                    Err(p) => {
                        let msg =
                            format!("device {} ({}): {}", short(&r.id), r.name, problem_text(p));
                        ss::upsert_peer(&conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                        report.problems.push(msg);
                        blocked.insert(r.id.clone());
                        continue;
                    }
                };
                // The name, the (authenticated) header and the entries must agree: a sealed
                // log copied under another name must not mark changes applied that it lacks.
                let (first, last) = (next.map_or(0, |l| l.0), next.map_or(0, |l| l.1));
                let log = match (h.kind, h.device_id == r.id) {
                    (KIND_LOG, true)
                        if h.first_seq == first as u64
                            && h.last_seq == last as u64
                            && i64::from(h.device_no) == r.no =>
                    {
                        decode_log(&body, h.format).filter(|l| {
                            l.entries.len() as i64 == last - first + 1
                                && l.entries.iter().zip(first..).all(|(e, seq)| e.seq == seq)
                        })
                    }
                    _ => None,
                };
                // The file's bytes go before its changes are applied: one copy at a time.
                drop(body);
                let Some(log) = log else {
                    report.problems.push(format!(
                        "{} is not a log of device {}; it is skipped",
                        path.display(),
                        short(&r.id)
                    ));
                    blocked.insert(r.id.clone());
                    continue;
                };
                let ready = log.deps.iter().all(|(d, s)| {
                    *d == me || *d == r.id || applied.get(d).copied().unwrap_or(0) >= *s
                });
                if !ready {
                    continue;
                }
                // Clocks: a stamp or instant no stint writes refuses the file; a change
                // stamped too far ahead of this clock waits, with every later one.
                if let Some(why) = clock_problem(&log) {
                    let msg = format!(
                        "device {} ({}): {} is refused: {why}; it is not applied. The file was \
                         not written by stint as it is: remove it, or that device's folder, \
                         and sync that device again",
                        short(&r.id),
                        r.name,
                        path.display()
                    );
                    ss::upsert_peer(&conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                    report.problems.push(msg);
                    blocked.insert(r.id.clone());
                    continue;
                }
                let accepted = ss::peers(&conn)?
                    .into_iter()
                    .find(|p| p.device_id == r.id)
                    .map_or(0, |p| p.accepted_hlc);
                let hold = held_back(&log, done, accepted, now.timestamp_millis());
                let mut log = log;
                let mut last = last;
                if let Some((seq, _, _)) = hold {
                    log.entries.retain(|e| e.seq < seq);
                    last = seq - 1;
                }
                let known: ss::Known = log.known.iter().cloned().collect();
                let changes: Vec<RemoteChange> = log
                    .entries
                    .into_iter()
                    .filter(|e| e.seq > done)
                    .map(|e| RemoteChange {
                        device_id: r.id.clone(),
                        device_name: r.name.clone(),
                        hlc: e.hlc,
                        at: e.at,
                        operation: sync_fs::sanitize(&e.operation),
                        summary: sync_fs::sanitize(&e.summary),
                        ops: e.ops,
                    })
                    .collect();
                let n = changes.len();
                let decided = if last > done {
                    ss::apply_file(
                        &mut conn,
                        &r.id,
                        last,
                        &changes,
                        &known,
                        now.timestamp(),
                        store::SCHEMA_VERSION,
                    )?
                } else {
                    Vec::new()
                };
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
                            ss_clock::describe(first_hlc),
                            now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                            short(&r.id)
                        );
                        ss::set_held(&conn, &r.id, Some(newest))?;
                        ss::upsert_peer(&conn, &r.id, r.no, &r.name, 0, Some(&msg))?;
                        report.problems.push(msg);
                        blocked.insert(r.id.clone());
                    }
                    None => ss::set_held(&conn, &r.id, None)?,
                }
                report.decisions.extend(
                    decided
                        .into_iter()
                        .map(|(id, d)| format!("change {id}: {}", d.detail)),
                );
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
            let done = ss::peers(&conn)?
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

        // Two timers running after a sync are both kept, and flagged.
        let settings = store::settings::load(&conn)?;
        let running = ss::running_tracks(&conn)?;
        if running.len() > 1 && !settings.allow_concurrent_timers {
            let d = ss::Decision {
                kind: "timers",
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
        let (seq, snap) = ss::immediate(conn, |tx| -> Result<(i64, Snapshot)> {
            let meta = ss::Meta::load(tx)?;
            let st = ss::state(tx)?;
            let rows = ss::snapshot_rows(tx, &meta, me)?;
            let hlc: i64 = ss::tick(tx, self.now().timestamp_millis())?;
            let known: std::collections::HashMap<String, i64> =
                ss::known_stamps(tx)?.into_iter().collect();
            let mut covers = vec![(
                me.to_owned(),
                no,
                st.published_seq,
                ss::own_newest_stamp(tx)?,
            )];
            covers.extend(ss::peers(tx)?.into_iter().map(|p| {
                let k = known.get(&p.device_id).copied().unwrap_or(0);
                (p.device_id, p.device_no, p.applied_seq, k)
            }));
            ss::set_snapshot_seq(tx, st.published_seq)?;
            Ok((
                st.published_seq,
                Snapshot {
                    name: name.to_owned(),
                    hlc,
                    covers,
                    rows,
                },
            ))
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
            &encode_snapshot(&snap),
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
                    .and_then(|(_, _, covers)| covers.into_iter().find(|c| c.0 == me))
                    .map(|c| c.2);
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
        log: &Log,
        key: Option<&SyncKey>,
    ) -> Result<()> {
        let body = encode_log(log);
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
            &body,
            key,
        )?;
        let my_dir = dir.join(me);
        sync_fs::check_real_dir(&my_dir)?;
        private_dir(&my_dir)?;
        write_atomic(&my_dir.join(log_name(first, last)), &file)
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
        let n = self.reseal_own_files(old.as_ref(), key)?;
        let conn = self.conn();
        ss::set_sync_key(&conn, key.map(|k| &k.0[..]))?;
        Ok(n)
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

/// How often a front end that syncs on its own looks at the folder when nothing was written
/// here: `STINT_SYNC_INTERVAL` seconds (1..=86,400), 30 by default.
fn auto_sync_every() -> std::time::Duration {
    let secs = std::env::var("STINT_SYNC_INTERVAL")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .filter(|s| (1..=86_400).contains(s))
        .unwrap_or(30);
    std::time::Duration::from_secs(secs)
}

/// A write is sent once nothing more was written for this long (so a burst of writes makes
/// one log), or at the latest after [`AUTO_SYNC_LATEST`].
const AUTO_SYNC_QUIET: std::time::Duration = std::time::Duration::from_secs(2);
const AUTO_SYNC_LATEST: std::time::Duration = std::time::Duration::from_secs(10);

impl Service {
    /// Starts syncing on its own in a background thread, for `stint mcp` and `stint serve`:
    /// once now, after writes (debounced: two seconds after the last one, ten at most), and every
    /// `STINT_SYNC_INTERVAL` seconds to receive the other devices' changes. Does nothing
    /// (returns false) unless this database syncs through a folder and auto-sync is on
    /// (`stint sync auto on|off`). Problems are logged, never fatal.
    pub fn start_auto_sync(&self) -> bool {
        if !matches!(self.auto_sync_folder(), Ok(Some(_))) {
            return false;
        }
        let svc = self.clone();
        let every = auto_sync_every();
        std::thread::Builder::new()
            .name("stint-auto-sync".to_owned())
            .spawn(move || {
                use std::time::{Duration, Instant};
                let mut last_sync: Option<Instant> = None;
                let mut pending: Option<(i64, Instant, Instant)> = None;
                // After a failed sync (folder gone, server down) the next waits 2, 4, 8 ...
                // seconds, at most five minutes, whatever is written meanwhile.
                let mut failures: u32 = 0;
                let mut not_before: Option<Instant> = None;
                loop {
                    let folder = match svc.auto_sync_folder() {
                        Ok(Some(f)) => f,
                        _ => {
                            std::thread::sleep(Duration::from_secs(5));
                            continue;
                        }
                    };
                    let waiting = svc
                        .read(|ctx| Ok(ss::unpublished_count(ctx.tx)?))
                        .unwrap_or(0);
                    let now = Instant::now();
                    pending = match (pending, waiting) {
                        (_, 0) => None,
                        (Some((n, first, changed)), w) if w == n => Some((n, first, changed)),
                        (Some((_, first, _)), w) => Some((w, first, now)),
                        (None, w) => Some((w, now, now)),
                    };
                    let due = match (last_sync, pending) {
                        (None, _) => true,
                        (_, Some((_, first, changed))) => {
                            now.duration_since(changed) >= AUTO_SYNC_QUIET
                                || now.duration_since(first) >= AUTO_SYNC_LATEST
                        }
                        (Some(t), None) => now.duration_since(t) >= every,
                    } && not_before.is_none_or(|t| now >= t);
                    if due {
                        match svc.sync_bound(&folder) {
                            Ok(r) => {
                                failures = 0;
                                not_before = None;
                                if r.published > 0 || !r.applied.is_empty() {
                                    tracing::info!(
                                        published = r.published,
                                        applied = r.applied.iter().map(|a| a.1).sum::<usize>(),
                                        "synced with {}",
                                        folder.display()
                                    );
                                }
                                for d in &r.decisions {
                                    tracing::info!("sync decided: {d}");
                                }
                                for p in &r.problems {
                                    tracing::warn!("sync: {p}");
                                }
                            }
                            Err(e) => {
                                failures = failures.saturating_add(1);
                                let wait = Duration::from_secs(
                                    2u64.saturating_pow(failures.min(9)).min(300),
                                );
                                not_before = Some(Instant::now() + wait);
                                tracing::warn!(
                                    "sync with {} failed: {e}; next try in {} s",
                                    folder.display(),
                                    wait.as_secs()
                                );
                            }
                        }
                        last_sync = Some(Instant::now());
                        pending = None;
                    }
                    std::thread::sleep(Duration::from_millis(500));
                }
            })
            .is_ok()
    }
}

/// The snapshot an empty device starts from: among each device's newest, one whose later
/// changes are all still in the folder, covering the most changes.
/// Why a log's clock values cannot be from stint (a stamp or instant out of range), if so.
fn clock_problem(log: &Log) -> Option<String> {
    for e in &log.entries {
        if !ss_clock::stamp_in_range(e.hlc) {
            return Some(format!(
                "change {} carries the clock stamp {}, outside the years stint accepts",
                e.seq, e.hlc
            ));
        }
        if !ss_clock::at_in_range(e.at) {
            return Some(format!(
                "change {} was made at {} (Unix seconds), outside the years 1900 to 2199",
                e.seq, e.at
            ));
        }
    }
    log.known
        .iter()
        .find(|(_, h)| !ss_clock::stamp_in_range(*h))
        .map(|(d, h)| {
            format!(
                "it claims to know device {} up to the clock stamp {h}",
                short(d)
            )
        })
}

/// The first change of `log` after `done` stamped more than the drift bound ahead of real
/// time `now_ms` and not accepted (stamps up to `accepted` are): its sequence number and
/// stamp, and the newest stamp among the held changes of the file.
fn held_back(log: &Log, done: i64, accepted: i64, now_ms: i64) -> Option<(i64, i64, i64)> {
    let ceil = ss_clock::ceiling(now_ms);
    let ahead = |h: i64| h > ceil && h > accepted;
    let first = log.entries.iter().find(|e| e.seq > done && ahead(e.hlc))?;
    let newest = log
        .entries
        .iter()
        .filter(|e| e.seq >= first.seq)
        .map(|e| e.hlc)
        .max()
        .unwrap_or(first.hlc);
    Some((first.seq, first.hlc, newest))
}

fn best_snapshot(
    remotes: &[Remote],
    key: Option<&SyncKey>,
    now_ms: i64,
    report: &mut SyncReport,
) -> Option<(String, Snapshot)> {
    let mut best: Option<(i64, String, Snapshot)> = None;
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
                (h.kind == KIND_SNAPSHOT && h.device_id == r.id)
                    .then(|| decode_snapshot(&body))
                    .flatten()
                    .ok_or_else(|| "not a snapshot of that device".to_owned())
            });
        // Its clocks are checked as a log's are; one too far ahead is not started from (the
        // logs after it wait the same way).
        let opened = opened.and_then(|snap| {
            let stamps = std::iter::once(snap.hlc).chain(snap.covers.iter().map(|c| c.3));
            if stamps
                .clone()
                .any(|h| h != 0 && !ss_clock::stamp_in_range(h))
            {
                Err("it carries clock stamps outside the years stint accepts".to_owned())
            } else if stamps.clone().any(|h| h > ss_clock::ceiling(now_ms)) {
                Err(format!(
                    "its device's clock read {}, more than a day ahead of this device's clock",
                    ss_clock::describe(stamps.max().unwrap_or(0))
                ))
            } else {
                Ok(snap)
            }
        });
        let snap = match opened {
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
            let covered = snap.covers.iter().find(|c| c.0 == e.id).map_or(0, |c| c.2);
            e.logs.last().is_none_or(|l| l.1 <= covered) || oldest_kept(e) <= covered + 1
        });
        if !usable {
            continue;
        }
        let weight: i64 = snap.covers.iter().map(|c| c.2).sum();
        if best.as_ref().is_none_or(|b| weight > b.0) {
            best = Some((weight, r.id.clone(), snap));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_round_trips_and_a_cut_file_is_not_whole() {
        let log = Log {
            name: "laptop".to_owned(),
            deps: vec![("a".repeat(32), 7)],
            known: vec![("a".repeat(32), 1 << 40)],
            entries: vec![Entry {
                seq: 1,
                hlc: 99,
                at: 5,
                schema: 9,
                operation: "create_track".to_owned(),
                summary: "added".to_owned(),
                ops: vec![Op {
                    table: "tracks".to_owned(),
                    kind: RowOp::Update,
                    pk: vec![true, false, false],
                    values: vec![
                        Some(Value::Integer(64)),
                        None,
                        Some(Value::Text("x".to_owned())),
                    ],
                }],
            }],
        };
        let h = Header {
            format: FORMAT_VERSION,
            schema: 9,
            device_id: "b".repeat(32),
            device_no: 3,
            kind: 1,
            first_seq: 1,
            last_seq: 1,
            body_len: 0,
        };
        let file = encode_file(&h, &encode_log(&log));
        let (h2, body) = decode_file(&file, 9).unwrap();
        assert_eq!(h2.device_no, 3);
        assert_eq!(decode_log(body, h2.format), Some(log));
        for cut in [10, HEADER_LEN, file.len() - 1] {
            assert!(matches!(
                decode_file(&file[..cut], 9),
                Err(FileProblem::NotWhole(_))
            ));
        }
        let mut damaged = file.clone();
        let last = damaged.len() - 1;
        damaged[last] ^= 1;
        assert!(matches!(
            decode_file(&damaged, 9),
            Err(FileProblem::NotWhole(_))
        ));
        assert!(matches!(
            decode_file(&file, 8),
            Err(FileProblem::TooNew { schema: 9, .. })
        ));
    }
}
