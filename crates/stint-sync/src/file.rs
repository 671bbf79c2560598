//! The sync files: their header, codecs, sealing, names, and the scan of a folder.

use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::fs as sync_fs;
use crate::name::SyncFile;
use crate::{Result, conflict, io_err};
use stint_store as store;
use stint_store::changes::{RowOp, Value};
use stint_store::sync::{self as ss, DeviceId, DeviceNo, Hlc, Op, Position, Seq, SeqRange};

/// The version of the file format this stint writes and reads (2: logs also carry what their
/// device knew of every other device when it made them; version 1 files are still read).
pub const FORMAT_VERSION: u16 = 2;

const MAGIC: &[u8; 8] = b"STINTSYN";
const HEADER_LEN: usize = 8 + 2 + 4 + 32 + 2 + 1 + 8 + 8 + 8 + 32;

/// Most changes per log file.
pub const ENTRIES_PER_FILE: usize = 5_000;

/// Largest file read, in bytes (a log of 5,000 changes is far smaller).
pub const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

pub fn is_device_dir(name: &str) -> bool {
    name.len() == 32 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// A parsed file header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub format: u16,
    pub schema: u32,
    pub device_id: String,
    pub device_no: u16,
    /// [`KIND_DEVICE`], [`KIND_LOG`] or [`KIND_SNAPSHOT`], plus [`ENCRYPTED`] when the body is
    /// sealed with the sync key.
    pub kind: u8,
    pub first_seq: u64,
    pub last_seq: u64,
    pub body_len: u64,
}

impl Header {
    /// The header this stint writes on a file of device `me` (number `no`): `kind`
    /// (`KIND_LOG`, `KIND_DEVICE`, `KIND_SNAPSHOT`) and the sequence numbers it covers; the
    /// format, schema and body length are filled in here and by [`seal_file`]. A device file
    /// covers `0..=published` (`first` is [`Seq::ZERO`]), a snapshot `seq..=seq`.
    pub fn of(me: &DeviceId, no: DeviceNo, kind: u8, first: Seq, last: Seq) -> Header {
        Header {
            format: FORMAT_VERSION,
            schema: store::SCHEMA_VERSION as u32,
            device_id: me.to_string(),
            device_no: no.get() as u16,
            kind,
            first_seq: first.get() as u64,
            last_seq: last.get() as u64,
            body_len: 0,
        }
    }
}

/// Header kind of a device file (`device.stint`: the device's name and how far it has applied
/// every other device).
pub const KIND_DEVICE: u8 = 0;
/// Header kind of a log (`<first>-<last>.stint`: changes in order).
pub const KIND_LOG: u8 = 1;
/// Header kind of a snapshot (`snapshot-<seq>.stint`: every row and clock, for a new device).
pub const KIND_SNAPSHOT: u8 = 2;
/// Header kind flag: the body is `nonce (24 bytes) || XChaCha20-Poly1305 ciphertext`, sealed
/// with the sync key, the header as associated data.
pub const ENCRYPTED: u8 = 0x80;

/// Why a file was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileProblem {
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
pub struct SyncKey(pub [u8; 32]);

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

    pub fn from_stored(bytes: &[u8]) -> Option<SyncKey> {
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
pub fn seal_file(h: &Header, body: &[u8], key: Option<&SyncKey>) -> Result<Vec<u8>> {
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
pub fn open_file(
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
pub fn open_file_owned(
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
pub fn decode_file(bytes: &[u8], schema: u32) -> std::result::Result<(Header, &[u8]), FileProblem> {
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
pub fn check_file_stream(
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
    fn seq(&mut self, v: Seq) {
        self.i64(v.get());
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
#[derive(Debug, Clone)]
pub struct R<'a>(pub &'a [u8]);

impl<'a> R<'a> {
    pub fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    pub fn u8(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }
    pub fn u32(&mut self) -> Option<u32> {
        self.take(4)
            .map(|b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
    }
    pub fn i64(&mut self) -> Option<i64> {
        self.take(8)
            .map(|b| i64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
    /// A sequence number (`None`: negative, a damaged or forged body).
    pub fn seq(&mut self) -> Option<Seq> {
        self.i64().and_then(Seq::new)
    }
    /// A device id (`None`: not 32 hex digits, a damaged or forged body).
    pub fn device_id(&mut self) -> Option<DeviceId> {
        DeviceId::parse(&self.text()?)
    }
    /// A clock stamp as written, unchecked ([`Hlc::from_raw`]).
    pub fn hlc(&mut self) -> Option<Hlc> {
        self.i64().map(Hlc::from_raw)
    }
    pub fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = self.u32()? as usize;
        self.take(n)
    }
    pub fn text(&mut self) -> Option<String> {
        String::from_utf8(self.bytes()?.to_vec()).ok()
    }
    /// A count, then that many items read by `item`; a count above the bytes left is damage
    /// (every item takes at least one byte), so nothing is allocated for it.
    pub fn list<T>(&mut self, mut item: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
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
    pub fn value(&mut self) -> Option<(bool, Option<Value>)> {
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
    /// Text checked (UTF-8) and passed over, nothing allocated: [`R::text`] without the
    /// `String`.
    pub(crate) fn skip_text(&mut self) -> Option<()> {
        std::str::from_utf8(self.bytes()?).ok().map(drop)
    }
    /// A row operation checked as [`R::op`] checks it and passed over, nothing allocated.
    pub(crate) fn skip_op(&mut self) -> Option<()> {
        self.skip_text()?;
        if !(1..=3).contains(&self.u8()?) {
            return None;
        }
        let n = self.u32()? as usize;
        if n > 4096 || n > self.0.len() {
            return None;
        }
        for _ in 0..n {
            match self.u8()? & 0x7f {
                0 | 1 => {}
                2 | 3 => {
                    self.take(8)?;
                }
                4 => self.skip_text()?,
                5 => {
                    self.bytes()?;
                }
                _ => return None,
            }
        }
        Some(())
    }
    pub fn op(&mut self) -> Option<Op> {
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
pub struct Entry {
    pub seq: Seq,
    pub hlc: Hlc,
    /// Unix seconds, UTC.
    pub at: i64,
    pub schema: i64,
    pub operation: String,
    pub summary: String,
    pub ops: Vec<Op>,
}

/// A log body: the device's name, how far it had applied each other device, its entries.
#[derive(Debug, Clone, PartialEq)]
pub struct Log {
    pub name: String,
    /// This log is applied after each of these devices' changes up to its position.
    pub deps: Vec<Position>,
    /// `(device id, clock stamp)`: the newest change of each other device its device had
    /// applied when it made these entries (format 2; empty in version 1 files).
    pub known: Vec<(DeviceId, Hlc)>,
    pub entries: Vec<Entry>,
}

pub fn encode_log(log: &Log) -> Vec<u8> {
    let mut w = LogWriter::new(&log.name, &log.deps, &log.known);
    for e in &log.entries {
        w.push(e);
    }
    w.finish()
}

/// A log body written one entry at a time: the bytes of [`encode_log`] without holding the
/// entries (each is encoded as it is pushed, then can go).
#[derive(Debug)]
pub struct LogWriter(CountedBody);

/// A body whose head is written, then items, each counted; the count goes in front of them
/// at [`CountedBody::finish`]. What [`LogWriter`] and [`SnapshotWriter`] share.
#[derive(Debug)]
struct CountedBody {
    w: W,
    /// Where the count goes.
    count_at: usize,
    count: u32,
}

impl CountedBody {
    /// After the head in `w`: a place for the count.
    fn after(mut w: W) -> CountedBody {
        let count_at = w.0.len();
        w.u32(0);
        CountedBody {
            w,
            count_at,
            count: 0,
        }
    }

    /// Writes one item with `f` and counts it.
    fn item(&mut self, f: impl FnOnce(&mut W)) {
        f(&mut self.w);
        self.count += 1;
    }

    fn finish(mut self) -> Vec<u8> {
        self.w.0[self.count_at..self.count_at + 4].copy_from_slice(&self.count.to_le_bytes());
        self.w.0
    }
}

impl LogWriter {
    /// The head of a log: its device's name, `deps` and `known` (as in [`Log`]).
    pub fn new(name: &str, deps: &[Position], known: &[(DeviceId, Hlc)]) -> LogWriter {
        let mut w = W::default();
        w.bytes(name.as_bytes());
        w.u32(deps.len() as u32);
        for d in deps {
            w.bytes(d.device.as_bytes());
            w.seq(d.seq);
        }
        w.u32(known.len() as u32);
        for (d, h) in known {
            w.bytes(d.as_bytes());
            w.i64(h.raw());
        }
        LogWriter(CountedBody::after(w))
    }

    /// Appends one entry (at most [`ENTRIES_PER_FILE`] go in a file; the caller keeps to it).
    pub fn push(&mut self, e: &Entry) {
        self.0.item(|w| {
            w.seq(e.seq);
            w.i64(e.hlc.raw());
            w.i64(e.at);
            w.i64(e.schema);
            w.bytes(e.operation.as_bytes());
            w.bytes(e.summary.as_bytes());
            w.u32(e.ops.len() as u32);
            for op in &e.ops {
                w.op(op);
            }
        });
    }

    /// How many entries were pushed.
    pub fn len(&self) -> usize {
        self.0.count as usize
    }

    /// Whether no entry was pushed.
    pub fn is_empty(&self) -> bool {
        self.0.count == 0
    }

    /// The body.
    pub fn finish(self) -> Vec<u8> {
        self.0.finish()
    }
}

/// A whole log body decoded at once: for tests, fixtures and small files. Applying a log
/// streams it instead ([`read_log`]), so that memory does not grow with the file.
///
/// `None` when the body is not a whole log of format `format` (damaged, cut, or with bytes
/// after its last entry).
#[cfg(test)]
pub(crate) fn decode_log(body: &[u8], format: u16) -> Option<Log> {
    let (head, entries) = read_log(body, format)?;
    let entries = entries.collect::<std::result::Result<Vec<_>, _>>().ok()?;
    Some(Log {
        name: head.name,
        deps: head.deps,
        known: head.known,
        entries,
    })
}

/// What comes before a log's entries: the device's name, its `deps` and `known` (as in
/// [`Log`]), and how many entries follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogHead {
    pub name: String,
    pub deps: Vec<Position>,
    pub known: Vec<(DeviceId, Hlc)>,
    /// The entry count the body states (at most the bytes left after the head: every entry
    /// takes more than a byte); [`LogEntries`] checks it.
    pub entries: usize,
}

/// Reads a log body's head and returns it with a reader of its entries, one at a time
/// ([`LogEntries`]): the body is borrowed, nothing of the entries is decoded yet. Memory for a
/// whole pass is one entry, whatever the file's size.
///
/// `None` when the head is damaged (a cut or foreign body, a count above the bytes left).
pub fn read_log(body: &[u8], format: u16) -> Option<(LogHead, LogEntries<'_>)> {
    let mut r = R(body);
    let name = r.text()?;
    let deps = r.list(|r| Some(Position::new(r.device_id()?, r.seq()?)))?;
    let known = if format >= 2 {
        r.list(|r| Some((r.device_id()?, r.hlc()?)))?
    } else {
        Vec::new()
    };
    let n = r.u32()? as usize;
    if n > r.0.len() {
        return None;
    }
    let head = LogHead {
        name,
        deps,
        known,
        entries: n,
    };
    Some((head, LogEntries(Counted::new(r, "change", n))))
}

/// The entries of a log body, read in order ([`read_log`]): an iterator of
/// `Result<Entry, FileProblem>`. A damaged entry, or bytes after the last one, is one
/// [`FileProblem::NotWhole`] naming the entry, after which the iterator ends; so a caller that
/// stops at the first error has seen every entry only if it met no error. Cloning it is cheap
/// (a slice and two counters): [`LogEntries::stamps`] on a clone is the usual first pass.
#[derive(Debug, Clone)]
pub struct LogEntries<'a>(Counted<'a>);

/// A count, then that many items, then the end of the body: read one item at a time, each
/// step an item, or one [`FileProblem::NotWhole`] naming the damaged item (or the bytes after
/// the last) and then the end.
#[derive(Debug, Clone)]
struct Counted<'a> {
    r: R<'a>,
    /// What an item is called in a problem ("change", "row").
    noun: &'static str,
    count: usize,
    read: usize,
    done: bool,
}

/// The sequence number and clock values of one log entry, read without its changes
/// ([`LogEntries::stamps`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EntryStamp {
    pub seq: Seq,
    /// Hybrid logical clock stamp, as read (check it with [`Hlc::in_range`]).
    pub hlc: Hlc,
    /// Unix seconds, UTC.
    pub at: i64,
}

impl<'a> LogEntries<'a> {
    /// The entries' stamps, each entry checked whole as [`Iterator::next`] would (text UTF-8,
    /// row operations well formed) but nothing allocated: the first pass over a log, for the
    /// checks that need every entry.
    pub fn stamps(self) -> LogStamps<'a> {
        LogStamps(self.0)
    }
}

impl<'a> Counted<'a> {
    /// `r` just after the count `count` (at most the bytes left: every item takes at least
    /// one byte).
    fn new(r: R<'a>, noun: &'static str, count: usize) -> Self {
        Counted {
            r,
            noun,
            count,
            read: 0,
            done: false,
        }
    }

    /// The next item read by `read`, or the end: `None` after the last item or an error.
    fn step<T>(
        &mut self,
        read: impl FnOnce(&mut R<'a>) -> Option<T>,
    ) -> Option<std::result::Result<T, FileProblem>> {
        if self.done {
            return None;
        }
        if self.read == self.count {
            self.done = true;
            return (!self.r.0.is_empty()).then(|| {
                Err(FileProblem::NotWhole(format!(
                    "{} bytes after its last {}",
                    self.r.0.len(),
                    self.noun
                )))
            });
        }
        self.read += 1;
        match read(&mut self.r) {
            Some(v) => Some(Ok(v)),
            None => {
                self.done = true;
                Some(Err(FileProblem::NotWhole(format!(
                    "its {} {} of {} is damaged or cut",
                    self.noun, self.read, self.count
                ))))
            }
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        // No lower bound: a stated count must not make a caller reserve memory for it.
        (0, Some(self.count - self.read + 1))
    }
}

impl Iterator for LogEntries<'_> {
    type Item = std::result::Result<Entry, FileProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.step(|r| {
            Some(Entry {
                seq: r.seq()?,
                hlc: r.hlc()?,
                at: r.i64()?,
                schema: r.i64()?,
                operation: r.text()?,
                summary: r.text()?,
                ops: r.list(R::op)?,
            })
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// The stamps of a log's entries ([`LogEntries::stamps`]).
#[derive(Debug, Clone)]
pub struct LogStamps<'a>(Counted<'a>);

impl Iterator for LogStamps<'_> {
    type Item = std::result::Result<EntryStamp, FileProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.step(|r| {
            let stamp = EntryStamp {
                seq: r.seq()?,
                hlc: r.hlc()?,
                at: r.i64()?,
            };
            r.i64()?;
            r.skip_text()?;
            r.skip_text()?;
            let n = r.u32()? as usize;
            if n > r.0.len() {
                return None;
            }
            for _ in 0..n {
                r.skip_op()?;
            }
            Some(stamp)
        })
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

pub fn private_dir(dir: &Path) -> Result<()> {
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
pub struct Remote {
    pub id: DeviceId,
    pub dir: PathBuf,
    /// Its number, from its device file (`None`: not known yet, or not authenticated).
    pub no: Option<DeviceNo>,
    pub name: String,
    /// `(first..=last, path)`, by first sequence number.
    pub logs: Vec<(SeqRange, PathBuf)>,
    /// Its newest snapshot: `(seq, path)`.
    pub snapshot: Option<(Seq, PathBuf)>,
    /// How far it had applied each other device when it last synced (from its device file).
    pub acks: std::collections::HashMap<String, Seq>,
    /// The last sequence number it had published (from its device file's header).
    pub published: Seq,
    pub problem: Option<String>,
}

/// `first..=last` of a log's name ([`SyncFile::Log`]).
pub fn parse_log_name(name: &str) -> Option<SeqRange> {
    match name.parse() {
        Ok(SyncFile::Log { first, last }) => Some(SeqRange { first, last }),
        _ => None,
    }
}

/// The sequence number of a snapshot's name ([`SyncFile::Snapshot`]).
pub fn parse_snapshot_name(name: &str) -> Option<Seq> {
    match name.parse() {
        Ok(SyncFile::Snapshot { seq }) => Some(seq),
        _ => None,
    }
}

/// The name of the log of changes `first..=last`.
pub fn log_name(SeqRange { first, last }: SeqRange) -> String {
    SyncFile::Log { first, last }.to_string()
}

/// The name of the snapshot as of change `seq`.
pub fn snapshot_name(seq: Seq) -> String {
    SyncFile::Snapshot { seq }.to_string()
}

/// Whether `name` is the name of a file a device writes into its folder ([`SyncFile`]).
pub fn is_sync_file_name(name: &str) -> bool {
    name.parse::<SyncFile>().is_ok()
}

/// The checksum in a sync file's header (64 hex digits; empty when the file is shorter than a
/// header or unreadable): two files with the same one are the same file, read cheaply.
pub fn file_sum(path: &Path) -> String {
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
pub fn read_small(path: &Path) -> std::io::Result<Vec<u8>> {
    sync_fs::read_regular(path, MAX_FILE_BYTES)
}

pub fn encode_device(name: &str, acks: &[Position]) -> Vec<u8> {
    let mut w = W::default();
    w.bytes(name.as_bytes());
    w.u32(acks.len() as u32);
    for a in acks {
        w.bytes(a.device.as_bytes());
        w.seq(a.seq);
    }
    w.0
}

/// A device file's name and acks (a file without acks, from an older stint, has none).
pub(crate) fn decode_device(body: &[u8]) -> (String, std::collections::HashMap<String, Seq>) {
    let mut r = R(body);
    let name = r.text().unwrap_or_default();
    let mut acks = std::collections::HashMap::new();
    if let Some(n) = r.u32() {
        for _ in 0..(n as usize).min(ss::ID_STRIDE as usize * 4) {
            match (r.text(), r.seq()) {
                (Some(d), Some(s)) => {
                    acks.insert(d, s);
                }
                _ => break,
            }
        }
    }
    (name, acks)
}

pub fn problem_text(p: FileProblem) -> String {
    match p {
        FileProblem::NotWhole(w) => format!("waiting for a whole file ({w})"),
        FileProblem::TooNew { schema, .. } => too_new_message(schema),
        FileProblem::Key(m) => m,
    }
}

pub fn scan(dir: &Path, me: &str, key: Option<&SyncKey>) -> Result<Vec<Remote>> {
    let mut out = Vec::new();
    let rd = std::fs::read_dir(dir).map_err(|e| io_err("read", dir, e))?;
    for entry in rd.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        // Device ids are lower-case hex: another spelling (of this device's id too) is not a
        // device's folder; nor is a symlink to a folder elsewhere.
        let Some(id) = DeviceId::parse(&name) else {
            continue;
        };
        if name.bytes().any(|b| b.is_ascii_uppercase())
            || name == me
            || !entry.file_type().is_ok_and(|t| t.is_dir())
        {
            continue;
        }
        let ddir = entry.path();
        let mut remote = Remote {
            id,
            dir: ddir.clone(),
            no: None,
            name: String::new(),
            logs: Vec::new(),
            snapshot: None,
            acks: std::collections::HashMap::new(),
            published: Seq::ZERO,
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
                if let Some(range) = parse_log_name(&n) {
                    remote.logs.push((range, f.path()));
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
                    remote.no = DeviceNo::new(i64::from(h.device_no));
                    remote.published = i64::try_from(h.last_seq)
                        .ok()
                        .and_then(Seq::new)
                        .unwrap_or_default();
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
                        remote.no = DeviceNo::new(i64::from(h.device_no));
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

/// The other devices in `dir` and their device numbers (`None`: not known yet), for moving a
/// device into it.
pub fn devices_in(
    dir: &Path,
    me: &str,
    key: Option<&SyncKey>,
) -> Result<Vec<(DeviceId, Option<DeviceNo>)>> {
    Ok(scan(dir, me, key)?
        .into_iter()
        .map(|r| (r.id, r.no))
        .collect())
}

pub(crate) fn too_new_message(schema: u32) -> String {
    format!(
        "its files come from a newer stint (schema {schema}, this one reads up to {}); update \
         stint on this device",
        store::SCHEMA_VERSION
    )
}

pub fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// A snapshot body decoded whole: the writer's name and clock, what it covers, and its rows
/// (tests and fixtures; stint writes with [`SnapshotWriter`] and reads with [`read_snapshot`]).
#[cfg(test)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Snapshot {
    pub name: String,
    pub hlc: Hlc,
    /// Every device's changes up to its sequence number are in the rows (the writer's own
    /// included).
    pub covers: Vec<Cover>,
    pub rows: Vec<Op>,
}

#[cfg(test)]
pub(crate) fn encode_snapshot(s: &Snapshot) -> Vec<u8> {
    let mut w = SnapshotWriter::new(&s.name, s.hlc, &s.covers);
    for op in &s.rows {
        w.push(op);
    }
    w.finish()
}

/// A snapshot body written one row at a time: memory holds the encoded body, never the rows
/// decoded (a snapshot of a large database is written this way, its rows read from the store
/// as they are pushed).
#[derive(Debug)]
pub struct SnapshotWriter(CountedBody);

impl SnapshotWriter {
    /// The head of a snapshot: its writer's name, clock and covers.
    pub fn new(name: &str, hlc: Hlc, covers: &[Cover]) -> SnapshotWriter {
        let mut w = W::default();
        w.bytes(name.as_bytes());
        w.i64(hlc.raw());
        w.u32(covers.len() as u32);
        for c in covers {
            w.bytes(c.device.as_bytes());
            w.i64(c.device_no.map_or(-1, DeviceNo::get));
            w.seq(c.seq);
            w.i64(c.known.raw());
        }
        SnapshotWriter(CountedBody::after(w))
    }

    /// Appends one row (an insert).
    pub fn push(&mut self, op: &Op) {
        self.0.item(|w| w.op(op));
    }

    /// How many rows were pushed.
    pub fn len(&self) -> usize {
        self.0.count as usize
    }

    /// Whether no row was pushed.
    pub fn is_empty(&self) -> bool {
        self.0.count == 0
    }

    /// The body.
    pub fn finish(self) -> Vec<u8> {
        self.0.finish()
    }
}

/// How far a snapshot covers one device: its changes up to `seq` are in the rows, the newest
/// of them stamped `known` (what a device that starts from the snapshot knows of that device).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    pub device: DeviceId,
    /// `None`: a device whose number the writer never learned (written as -1).
    pub device_no: Option<DeviceNo>,
    pub seq: Seq,
    pub known: Hlc,
}

/// A snapshot's name, clock and covers: what comes before its rows.
pub type SnapshotHead = (String, Hlc, Vec<Cover>);

pub fn snapshot_head(r: &mut R<'_>) -> Option<SnapshotHead> {
    let name = r.text()?;
    let hlc = r.hlc()?;
    let covers = r.list(|r| {
        Some(Cover {
            device: r.device_id()?,
            device_no: DeviceNo::new(r.i64()?),
            seq: r.seq()?,
            known: r.hlc()?,
        })
    })?;
    Some((name, hlc, covers))
}

/// A whole snapshot body decoded at once: for tests and fixtures. A join streams it instead
/// ([`read_snapshot`]). `None` when the body is damaged, cut, or longer than its rows.
#[cfg(test)]
pub(crate) fn decode_snapshot(body: &[u8]) -> Option<Snapshot> {
    let (head, rows) = read_snapshot(body)?;
    let rows = rows.collect::<std::result::Result<Vec<_>, _>>().ok()?;
    Some(Snapshot {
        name: head.name,
        hlc: head.hlc,
        covers: head.covers,
        rows,
    })
}

/// What comes before a snapshot's rows (the writer's name sanitized for a
/// terminal), and how many rows follow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnapshotTop {
    pub name: String,
    pub hlc: Hlc,
    pub covers: Vec<Cover>,
    pub rows: usize,
}

/// Reads a snapshot body's head and returns it with a reader of its rows, one at a time
/// ([`SnapshotRows`]; the body is borrowed). `None` when the head is damaged.
pub fn read_snapshot(body: &[u8]) -> Option<(SnapshotTop, SnapshotRows<'_>)> {
    let mut r = R(body);
    let (name, hlc, covers) = snapshot_head(&mut r)?;
    let n = r.u32()? as usize;
    if n > r.0.len() {
        return None;
    }
    let top = SnapshotTop {
        name: sync_fs::device_name(&name),
        hlc,
        covers,
        rows: n,
    };
    Some((top, SnapshotRows(Counted::new(r, "row", n))))
}

/// The rows of a snapshot body ([`read_snapshot`]): an iterator of `Result<Op, FileProblem>`,
/// ending after the first problem (a damaged row, or bytes after the last one).
#[derive(Debug, Clone)]
pub struct SnapshotRows<'a>(Counted<'a>);

impl SnapshotRows<'_> {
    /// Checks every row as [`Iterator::next`] would, allocating nothing: `Ok` with the count
    /// when the rows are whole.
    ///
    /// # Errors
    /// The first problem met.
    pub fn check(mut self) -> std::result::Result<usize, FileProblem> {
        let mut n = 0;
        while let Some(row) = self.0.step(R::skip_op) {
            row?;
            n += 1;
        }
        Ok(n)
    }
}

impl Iterator for SnapshotRows<'_> {
    type Item = std::result::Result<Op, FileProblem>;

    fn next(&mut self) -> Option<Self::Item> {
        self.0.step(R::op)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.0.size_hint()
    }
}

/// The oldest sequence number of a device's changes still in the folder (1 when nothing was
/// compacted; one past the last when it has no log).
pub fn oldest_kept(r: &Remote) -> Seq {
    r.logs.first().map_or(Seq::MAX, |l| l.0.first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn device(id: &str) -> DeviceId {
        DeviceId::parse(id).expect("a device id")
    }

    fn seq(n: i64) -> Seq {
        Seq::new(n).expect("a sequence number")
    }

    #[test]
    fn a_log_round_trips_and_a_cut_file_is_not_whole() {
        let log = Log {
            name: "laptop".to_owned(),
            deps: vec![Position::new(device(&"a".repeat(32)), seq(7))],
            known: vec![(device(&"a".repeat(32)), Hlc::from_raw(1 << 40))],
            entries: vec![Entry {
                seq: Seq::FIRST,
                hlc: Hlc::from_raw(99),
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

    fn three_entry_log() -> Log {
        let entry = |seq: i64| Entry {
            seq: self::seq(seq),
            hlc: Hlc::from_raw(1_000 + seq),
            at: 2_000 + seq,
            schema: 9,
            operation: format!("op{seq}"),
            summary: "é".repeat(seq as usize),
            ops: vec![Op {
                table: "tracks".to_owned(),
                kind: RowOp::Insert,
                pk: vec![true, false, false, false],
                values: vec![
                    Some(Value::Integer(64 * seq)),
                    Some(Value::Real(1.5)),
                    Some(Value::Blob(vec![seq as u8; 3])),
                    Some(Value::Null),
                ],
            }],
        };
        Log {
            name: "phone".to_owned(),
            deps: vec![Position::new(device(&"c".repeat(32)), seq(4))],
            known: vec![(device(&"c".repeat(32)), Hlc::from_raw(77))],
            entries: (1..=3).map(entry).collect(),
        }
    }

    #[test]
    fn a_negative_sequence_number_in_a_body_is_damage_not_a_number() {
        let log = three_entry_log();
        let body = encode_log(&log);
        let minus_one = (-1i64).to_le_bytes();
        // The dep's number comes after the name and the dep's device id (each length-prefixed).
        let dep_at = 4 + log.name.len() + 4 + 4 + 32;
        assert_eq!(body[dep_at..dep_at + 8], 4i64.to_le_bytes());
        let mut bad_dep = body.clone();
        bad_dep[dep_at..dep_at + 8].copy_from_slice(&minus_one);
        assert_eq!(
            read_log(&bad_dep, FORMAT_VERSION).map(|(head, _)| head),
            None
        );
        // The first entry: its number 1, then its stamp 1001.
        let first: Vec<u8> = [1i64.to_le_bytes(), 1_001i64.to_le_bytes()].concat();
        let entry_at = body.windows(16).position(|w| w == first).unwrap();
        let mut bad_entry = body;
        bad_entry[entry_at..entry_at + 8].copy_from_slice(&minus_one);
        let (_, entries) = read_log(&bad_entry, FORMAT_VERSION).unwrap();
        let read: Vec<_> = entries.clone().map(|e| e.map(|e| e.seq)).collect();
        let stamps: Vec<_> = entries.stamps().map(|e| e.map(|e| e.seq)).collect();
        let damaged = vec![Err(FileProblem::NotWhole(
            "its change 1 of 3 is damaged or cut".to_owned(),
        ))];
        assert_eq!((read, stamps), (damaged.clone(), damaged));
    }

    #[test]
    fn a_streamed_log_reads_as_the_whole_decode_and_its_stamps_pass_over_the_changes() {
        let log = three_entry_log();
        let body = encode_log(&log);
        let (head, entries) = read_log(&body, FORMAT_VERSION).unwrap();
        assert_eq!(
            head,
            LogHead {
                name: log.name.clone(),
                deps: log.deps.clone(),
                known: log.known.clone(),
                entries: 3,
            }
        );
        let stamps: Vec<EntryStamp> = entries.clone().stamps().map(|s| s.unwrap()).collect();
        assert_eq!(
            stamps,
            log.entries
                .iter()
                .map(|e| EntryStamp {
                    seq: e.seq,
                    hlc: e.hlc,
                    at: e.at,
                })
                .collect::<Vec<_>>()
        );
        let streamed: Vec<Entry> = entries.map(|e| e.unwrap()).collect();
        assert_eq!(streamed, log.entries);
    }

    #[test]
    fn a_damaged_last_change_or_trailing_bytes_end_the_stream_with_a_problem() {
        let body = encode_log(&three_entry_log());
        // The last change's last value is a blob of 3 bytes (then the null's tag): cut one.
        let cut = &body[..body.len() - 2];
        let (_, entries) = read_log(cut, FORMAT_VERSION).unwrap();
        let read: Vec<_> = entries.clone().collect();
        assert_eq!(read.len(), 3);
        assert!(read[..2].iter().all(Result::is_ok));
        assert_eq!(
            read[2],
            Err(FileProblem::NotWhole(
                "its change 3 of 3 is damaged or cut".to_owned()
            ))
        );
        let stamps: Vec<_> = entries.stamps().collect();
        assert_eq!(stamps.len(), 3);
        assert_eq!(read[2].clone().map(|_| ()), stamps[2].clone().map(|_| ()));
        assert_eq!(decode_log(cut, FORMAT_VERSION), None);

        let mut long = body.clone();
        long.push(0);
        let (_, entries) = read_log(&long, FORMAT_VERSION).unwrap();
        let read: Vec<_> = entries.clone().collect();
        assert_eq!(read.len(), 4);
        assert_eq!(
            read[3],
            Err(FileProblem::NotWhole(
                "1 bytes after its last change".to_owned()
            ))
        );
        assert_eq!(entries.stamps().filter(Result::is_err).count(), 1);
        assert_eq!(decode_log(&long, FORMAT_VERSION), None);

        // A bad UTF-8 summary is damage in both passes, as in the whole decode.
        let mut log = three_entry_log();
        log.entries[1].summary = "ab".to_owned();
        let mut bad = encode_log(&log);
        let at = bad.windows(2).position(|w| w == b"ab").unwrap();
        bad[at] = 0xff;
        let (_, entries) = read_log(&bad, FORMAT_VERSION).unwrap();
        assert_eq!(
            entries.clone().stamps().nth(1),
            Some(Err(FileProblem::NotWhole(
                "its change 2 of 3 is damaged or cut".to_owned()
            )))
        );
        assert_eq!(entries.filter(Result::is_ok).count(), 1);
    }

    #[test]
    fn a_stated_count_above_the_bytes_left_is_refused_before_any_entry() {
        let mut body = encode_log(&Log {
            entries: Vec::new(),
            ..three_entry_log()
        });
        let n = body.len();
        body[n - 4..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(read_log(&body, FORMAT_VERSION).is_none());
    }

    #[test]
    fn a_streamed_snapshot_reads_as_the_whole_decode_and_its_damage_is_named() {
        let log = three_entry_log();
        let snap = Snapshot {
            name: "desk".to_owned(),
            hlc: Hlc::from_raw(1 << 40),
            covers: vec![Cover {
                device: device(&"d".repeat(32)),
                device_no: DeviceNo::new(5),
                seq: seq(12),
                known: Hlc::from_raw(1 << 39),
            }],
            rows: log.entries.into_iter().flat_map(|e| e.ops).collect(),
        };
        let body = encode_snapshot(&snap);
        let (top, rows) = read_snapshot(&body).unwrap();
        assert_eq!(
            top,
            SnapshotTop {
                name: snap.name.clone(),
                hlc: snap.hlc,
                covers: snap.covers.clone(),
                rows: 3,
            }
        );
        assert_eq!(rows.clone().check(), Ok(3));
        assert_eq!(rows.map(|r| r.unwrap()).collect::<Vec<_>>(), snap.rows);
        assert_eq!(decode_snapshot(&body), Some(snap));

        let cut = &body[..body.len() - 1];
        let (_, rows) = read_snapshot(cut).unwrap();
        let damage = FileProblem::NotWhole("its row 3 of 3 is damaged or cut".to_owned());
        assert_eq!(rows.clone().check(), Err(damage.clone()));
        let errors: Vec<FileProblem> = rows.filter_map(Result::err).collect();
        assert_eq!(errors, vec![damage]);
        assert_eq!(decode_snapshot(cut), None);
    }
}
