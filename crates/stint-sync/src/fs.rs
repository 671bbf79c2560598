//! The shared sync folder as hostile ground: how sync reads, writes and shows what is there.
//!
//! Anyone who can write to a shared folder (a cloud service, another account, a stolen USB
//! stick) can put anything in it. So:
//! - Only regular files are read: a file is opened with `O_NOFOLLOW | O_NONBLOCK` and the
//!   *opened* file's metadata is checked, so a symlink (to `/dev/zero`, to a file elsewhere),
//!   a FIFO or a device is refused without a check-then-open race and without blocking.
//! - Sizes are checked before reading: each file against a limit of its kind
//!   ([`MAX_DEVICE_FILE_BYTES`], [`crate::file::MAX_FILE_BYTES`]), each device's folder against
//!   [`MAX_DEVICE_FOLDER_BYTES`] and [`MAX_DEVICE_FOLDER_FILES`]; the errors name the file or
//!   folder.
//! - Files are written through a temporary file created exclusively (`O_EXCL`, random name,
//!   0600) in the target's folder by `tempfile`, flushed, then renamed over the target: a
//!   planted symlink is never followed, and a rename replaces a link rather than writing
//!   through it.
//! - Text that came from the folder (device names, change summaries) is [`sanitize`]d before
//!   it reaches a terminal or an answer: control characters and escape sequences are removed.
//! - Answers to callers that may not see this machine's file system (HTTP) name no absolute
//!   path ([`hide_paths`]).

use std::io::{Read as _, Write as _};
use std::path::Path;

use crate::{Result, SyncError};

/// Largest `device.stint` read, in bytes: a name and one ack per device (64 at most) fit in
/// a few kilobytes.
pub const MAX_DEVICE_FILE_BYTES: u64 = 64 * 1024;

/// Most bytes of sync files one device's folder may hold (logs, its snapshot, its device
/// file): a folder above this is not read, and sync says which folder it is.
pub const MAX_DEVICE_FOLDER_BYTES: u64 = 4 * 1024 * 1024 * 1024;

/// Most sync files one device's folder may hold (a device compacts its logs; 5,000 changes
/// per log make 100,000 logs half a billion changes).
pub const MAX_DEVICE_FOLDER_FILES: usize = 100_000;

/// Longest device name kept from a device file, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

/// Opens `path` for reading only if it is a regular file, without following a symlink and
/// without blocking on a FIFO; returns the file and its length in bytes.
///
/// # Errors
/// [`std::io::ErrorKind::InvalidInput`] with a message for a symlink, FIFO, device, socket
/// or folder; the open's own error otherwise (not found, permission).
pub fn open_regular(path: &Path) -> std::io::Result<(std::fs::File, u64)> {
    use std::os::unix::fs::OpenOptionsExt as _;
    let file = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK | libc::O_NOCTTY)
        .open(path)
        .map_err(|e| {
            if e.raw_os_error() == Some(libc::ELOOP) {
                not_regular("a symbolic link")
            } else {
                e
            }
        })?;
    // The metadata of what was opened, not of what the name points at now.
    let meta = file.metadata()?;
    if !meta.is_file() {
        use std::os::unix::fs::FileTypeExt as _;
        let t = meta.file_type();
        let what = if t.is_fifo() {
            "a FIFO"
        } else if t.is_char_device() || t.is_block_device() {
            "a device"
        } else if t.is_socket() {
            "a socket"
        } else if t.is_dir() {
            "a folder"
        } else {
            "not a regular file"
        };
        return Err(not_regular(what));
    }
    Ok((file, meta.len()))
}

fn not_regular(what: &str) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidInput,
        format!("it is {what}; sync reads only regular files, so remove it from the sync folder"),
    )
}

/// Reads the regular file `path` whole, if it holds at most `limit` bytes (checked on the
/// opened file before reading; a file that grows while read is refused too).
///
/// # Errors
/// Those of [`open_regular`]; [`std::io::ErrorKind::InvalidData`] with a message naming the
/// size and the limit.
pub fn read_regular(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let (file, len) = open_regular(path)?;
    if len > limit {
        return Err(too_large(len, limit));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut buf)?;
    if buf.len() as u64 > limit {
        return Err(too_large(buf.len() as u64, limit));
    }
    Ok(buf)
}

fn too_large(len: u64, limit: u64) -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::InvalidData,
        format!(
            "it is {len} bytes, more than the {limit} bytes a file of its kind may have; it is \
             not read (remove it, and compact the device that wrote it with `stint sync compact`)"
        ),
    )
}

/// Writes `bytes` to `path`: to a new temporary file in the same folder (created exclusively
/// with a random name, mode 0600, no symlink followed), flushed, renamed over `path`, and
/// the folder flushed.
///
/// # Errors
/// A folder that cannot be written ([`SyncError::Refused`] naming it).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut tmp = new_temp(dir)?;
    tmp.write_all(bytes)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| io_err("write", tmp.path(), &e))?;
    persist(tmp, path)
}

/// A new temporary file in `dir` (exclusive, random name starting with `.`, 0600): the first
/// half of [`write_atomic`], for writers that stream.
pub fn new_temp(dir: &Path) -> Result<tempfile::NamedTempFile> {
    tempfile::Builder::new()
        .prefix(".stint-")
        .suffix(".tmp")
        .tempfile_in(dir)
        .map_err(|e| io_err("write in", dir, &e))
}

/// Renames a flushed temporary file over `path` (a link at `path` is replaced, not
/// followed) and flushes the folder.
pub fn persist(tmp: tempfile::NamedTempFile, path: &Path) -> Result<()> {
    tmp.persist(path)
        .map_err(|e| io_err("rename into", path, &e.error))?;
    if let Some(dir) = path.parent()
        && let Ok(d) = std::fs::File::open(dir)
    {
        let _ = d.sync_all();
    }
    Ok(())
}

fn io_err(what: &str, path: &Path, e: &std::io::Error) -> SyncError {
    SyncError::Refused(format!(
        "cannot {what} {} ({e}); check that the sync folder exists and is writable",
        path.display()
    ))
}

/// Whether `dir` (a device's folder inside a sync folder) is a real folder, not a symlink
/// to one elsewhere; `Ok(false)` when it does not exist.
///
/// # Errors
/// A symlink or a file where the folder should be, naming it.
pub fn check_real_dir(dir: &Path) -> Result<bool> {
    match std::fs::symlink_metadata(dir) {
        Ok(m) if m.is_dir() => Ok(true),
        Ok(_) => Err(SyncError::Refused(format!(
            "{} is not a folder (a symbolic link or a file stands there); sync writes only into \
             real folders: remove it, then sync again",
            dir.display()
        ))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(io_err("open", dir, &e)),
    }
}

/// What one device's folder holds, counted without reading or following anything: its sync
/// files' total size and number; `Err` with the problem when either is above its limit.
pub(crate) fn check_device_folder(dir: &Path, sizes: &[u64]) -> std::result::Result<(), String> {
    let total: u64 = sizes.iter().sum();
    if sizes.len() > MAX_DEVICE_FOLDER_FILES {
        return Err(format!(
            "its folder {} holds {} sync files, more than the {MAX_DEVICE_FOLDER_FILES} a device \
             may have; it is not read (compact that device with `stint sync compact`, or remove \
             the folder if the device is gone)",
            dir.display(),
            sizes.len()
        ));
    }
    if total > MAX_DEVICE_FOLDER_BYTES {
        return Err(format!(
            "its folder {} holds {total} bytes of sync files, more than the \
             {MAX_DEVICE_FOLDER_BYTES} a device may have; it is not read (compact that device \
             with `stint sync compact`, or remove the folder if the device is gone)",
            dir.display()
        ));
    }
    Ok(())
}

/// `text` with every control character and terminal escape sequence removed (CSI `ESC [ ...`,
/// OSC `ESC ] ... BEL|ESC \`, other `ESC x`, the 8-bit forms, and bidirectional overrides),
/// tabs and line breaks turned into spaces: text from a sync folder, safe to print.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\u{1b}' => match chars.next() {
                // CSI: parameters and intermediates, then one final byte.
                Some('[') => {
                    for c in chars.by_ref() {
                        if ('\u{40}'..='\u{7e}').contains(&c) {
                            break;
                        }
                    }
                }
                // OSC, DCS, SOS, PM, APC: up to BEL or ST.
                Some(']' | 'P' | 'X' | '^' | '_') => skip_string(&mut chars),
                _ => {}
            },
            '\u{9b}' => {
                for c in chars.by_ref() {
                    if ('\u{40}'..='\u{7e}').contains(&c) {
                        break;
                    }
                }
            }
            '\u{9d}' | '\u{90}' | '\u{98}' | '\u{9e}' | '\u{9f}' => skip_string(&mut chars),
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() || is_bidi_control(c) => {}
            c => out.push(c),
        }
    }
    out
}

fn skip_string(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) {
    while let Some(c) = chars.next() {
        match c {
            '\u{7}' | '\u{9c}' => break,
            '\u{1b}' if chars.peek() == Some(&'\\') => {
                chars.next();
                break;
            }
            _ => {}
        }
    }
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}')
}

/// A device name read from a sync folder: [`sanitize`]d, trimmed, at most
/// [`MAX_DEVICE_NAME_CHARS`] characters.
pub fn device_name(raw: &str) -> String {
    sanitize(raw)
        .trim()
        .chars()
        .take(MAX_DEVICE_NAME_CHARS)
        .collect()
}

/// `text` with each of `places` (absolute paths on this machine, as `(path, what to say
/// instead)`) replaced, longest first: for answers to callers that may not see this
/// machine's file system.
pub fn hide_paths(text: &str, places: &[(String, &str)]) -> String {
    let mut places: Vec<&(String, &str)> = places.iter().filter(|(p, _)| p.len() > 1).collect();
    places.sort_by_key(|(p, _)| std::cmp::Reverse(p.len()));
    let mut out = text.to_owned();
    for (p, instead) in places {
        if out.contains(p.as_str()) {
            out = out.replace(p.as_str(), instead);
        }
    }
    out
}

/// `url` without the `user:password@` of its authority; true when there was one (stint
/// authenticates with a bearer token only, and never prints or keeps such credentials).
pub fn strip_url_credentials(url: &str) -> (String, bool) {
    let Some(start) = url.find("://").map(|i| i + 3) else {
        return (url.to_owned(), false);
    };
    let rest = &url[start..];
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => (format!("{}{}", &url[..start], &rest[at + 1..]), true),
        None => (url.to_owned(), false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_control_characters_are_removed() {
        for (raw, clean) in [
            ("laptop", "laptop"),
            ("\u{1b}[31mred\u{1b}[0m", "red"),
            ("\u{1b}]0;title\u{7}name", "name"),
            ("\u{1b}]8;;http://x\u{1b}\\link\u{1b}]8;;\u{1b}\\", "link"),
            ("a\u{9b}2Jb", "ab"),
            ("tab\there\nnext", "tab here next"),
            ("bell\u{7}\u{0}", "bell"),
            ("\u{202e}txt.exe", "txt.exe"),
            ("Müller's Mac", "Müller's Mac"),
        ] {
            assert_eq!(sanitize(raw), clean, "{raw:?}");
        }
        assert_eq!(device_name(&"x".repeat(100)).len(), MAX_DEVICE_NAME_CHARS);
    }

    #[test]
    fn credentials_leave_urls() {
        for (raw, clean, had) in [
            ("http://host:1", "http://host:1", false),
            ("http://u:p@host:1/api/mcp", "http://host:1/api/mcp", true),
            ("https://u@h/x@y", "https://h/x@y", true),
            ("http://a:b@c@host", "http://host", true),
            ("host", "host", false),
        ] {
            assert_eq!(strip_url_credentials(raw), (clean.to_owned(), had), "{raw}");
        }
    }

    #[test]
    fn paths_are_hidden_longest_first() {
        let places = vec![
            ("/srv/a".to_owned(), "<database folder>"),
            ("/srv/a/db.sync".to_owned(), "<sync folder>"),
        ];
        assert_eq!(
            hide_paths("cannot read /srv/a/db.sync/x and /srv/a/y", &places),
            "cannot read <sync folder>/x and <database folder>/y"
        );
    }
}
