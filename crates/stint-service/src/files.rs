//! Files that stint writes at a path the person chose: CSV exports and database backups.
//!
//! Rules, whatever the front end:
//!
//! - Only the person's own process chooses a path: the CLI and MCP on stdio. A caller over HTTP
//!   is refused ([`Service::output_file`]); it gets the CSV text in the answer instead.
//! - The path is resolved to an absolute one (through symlinks) and that is what is reported.
//! - An existing file is replaced only when asked (`overwrite`); a folder, device, FIFO or any
//!   other non-regular file is never a target, nor is the open database, its `-wal`, `-shm` or
//!   `-journal` (compared after resolving symlinks, and by inode for hard links).
//! - The content goes to a temporary file in the target's folder, created with mode 0600 (only
//!   the owner can read it, whatever the umask), is flushed to disk, then renamed into place, so
//!   the target is either untouched or whole. Without `overwrite` the rename refuses to replace a
//!   file that appeared in the meantime.
//! - Every export and backup is recorded in the audit log with its target and row count
//!   ([`Service::audit_export`]).

use std::io::Write;
use std::os::unix::fs::MetadataExt as _;
use std::path::{Path, PathBuf};

use super::{Frontend, Result, Service, ServiceError};
use stint_domain::DomainError;
use stint_domain::msg;
use stint_domain::words::Act;

/// A file being written for an export or backup: content goes to a hidden temporary file (mode
/// 0600) beside the target until [`OutputFile::commit`] renames it into place. Dropped without
/// commit, the temporary file is removed and the target is untouched.
#[derive(Debug)]
pub struct OutputFile {
    tmp: tempfile::NamedTempFile,
    target: PathBuf,
    overwrite: bool,
}

fn invalid(message: String) -> ServiceError {
    ServiceError::Domain(DomainError::Invalid(message.into()))
}

impl OutputFile {
    /// The absolute path the file will have once committed.
    pub(crate) fn target(&self) -> &Path {
        &self.target
    }

    /// The temporary file's path (in the target's folder), for writers that need a path.
    pub(crate) fn temp_path(&self) -> &Path {
        self.tmp.path()
    }

    /// Flushes the content to disk and renames it to the target, then flushes the folder so the
    /// new name survives a crash. Returns the absolute target path.
    ///
    /// # Errors
    /// Writing failed (disk full, ...), or the target appeared meanwhile and `overwrite` was not
    /// given; the target is then untouched and the temporary file removed.
    pub fn commit(mut self) -> Result<PathBuf> {
        let target = self.target.clone();
        let io = |e: std::io::Error| {
            ServiceError::Conflict(
                format!(
                    "cannot write {} ({e}); nothing was written there",
                    target.display()
                )
                .into(),
            )
        };
        self.tmp.flush().map_err(io)?;
        self.tmp.as_file().sync_all().map_err(io)?;
        let persisted = if self.overwrite {
            self.tmp.persist(&self.target)
        } else {
            self.tmp.persist_noclobber(&self.target)
        };
        persisted.map_err(|e| {
            if e.error.kind() == std::io::ErrorKind::AlreadyExists {
                exists_error(&target)
            } else {
                io(e.error)
            }
        })?;
        if let Some(dir) = target.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            let _ = d.sync_all();
        }
        Ok(target)
    }
}

impl Write for OutputFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.tmp.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.tmp.flush()
    }
}

fn exists_error(target: &Path) -> ServiceError {
    ServiceError::Conflict(msg![
        format!(
            "{} already exists; choose a new file name, or ",
            target.display()
        ),
        Act::Overwrite,
    ])
}

/// The files of the database at `db` (resolved): the file, its WAL, shared memory and rollback
/// journal.
fn database_files(db: &Path) -> Vec<PathBuf> {
    let mut files = vec![db.to_path_buf()];
    for suffix in ["-wal", "-shm", "-journal"] {
        let mut name = db.as_os_str().to_owned();
        name.push(suffix);
        files.push(PathBuf::from(name));
    }
    files
}

/// Resolves `path` for writing (see the module docs): the absolute target, after symlinks.
///
/// # Errors
/// An empty path, a folder that does not exist, an existing non-regular file, an existing file
/// without `overwrite`, or one of the database's own files.
pub(crate) fn resolve_target(path: &Path, overwrite: bool, db: &Path) -> Result<PathBuf> {
    if path.as_os_str().is_empty() {
        return Err(invalid(
            "the file path is empty; give the path of a new file".into(),
        ));
    }
    let absolute = std::path::absolute(path).map_err(|e| {
        invalid(format!(
            "cannot resolve the path {} ({e}); give an absolute path",
            path.display()
        ))
    })?;
    let target = match std::fs::symlink_metadata(&absolute) {
        Ok(_) => {
            let real = std::fs::canonicalize(&absolute).map_err(|e| {
                invalid(format!(
                    "{} is a link that leads nowhere ({e}); give the path of a regular file",
                    absolute.display()
                ))
            })?;
            let meta = std::fs::metadata(&real)
                .map_err(|e| invalid(format!("cannot inspect {} ({e})", real.display())))?;
            if !meta.is_file() {
                return Err(invalid(format!(
                    "{} is not a regular file (a folder, device or other special file); give \
                     the path of a new file",
                    absolute.display()
                )));
            }
            real
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let (Some(parent), Some(name)) = (absolute.parent(), absolute.file_name()) else {
                return Err(invalid(format!(
                    "{} does not name a file; give the path of a new file",
                    absolute.display()
                )));
            };
            let dir = std::fs::canonicalize(parent).map_err(|e| {
                invalid(format!(
                    "the folder {} does not exist or cannot be read ({e}); create it first or \
                     choose another",
                    parent.display()
                ))
            })?;
            if !dir.is_dir() {
                return Err(invalid(format!(
                    "{} is not a folder; choose a path in a folder",
                    parent.display()
                )));
            }
            dir.join(name)
        }
        Err(e) => {
            return Err(invalid(format!(
                "cannot inspect {} ({e}); choose another path",
                absolute.display()
            )));
        }
    };
    let db_real = std::fs::canonicalize(db).unwrap_or_else(|_| db.to_path_buf());
    let same_inode = |a: &Path, b: &Path| match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    };
    if database_files(&db_real)
        .iter()
        .any(|f| *f == target || same_inode(f, &target))
    {
        return Err(invalid(format!(
            "{} is the open database or one of its files; writing there would destroy it; \
             choose another file",
            target.display()
        )));
    }
    if target.exists() && !overwrite {
        return Err(exists_error(&target));
    }
    Ok(target)
}

impl Service {
    /// Opens a file at the caller's `path` for an export or backup (see the module docs);
    /// commit it with [`OutputFile::commit`].
    ///
    /// # Errors
    /// The caller is not local (MCP over HTTP); the path is refused by the rules of the module
    /// docs; the temporary file cannot be created in the target's folder.
    pub fn output_file(&self, path: &Path, overwrite: bool) -> Result<OutputFile> {
        if !self.caller.may_write_files || self.caller.frontend == Frontend::McpHttp {
            return Err(ServiceError::Conflict(
                "over HTTP stint does not write files at a path you choose; leave out path: the \
                 CSV is in the answer (field csv)"
                    .into(),
            ));
        }
        let target = resolve_target(path, overwrite, &self.inner.db_path)?;
        let dir = target.parent().unwrap_or(Path::new("/"));
        let tmp = tempfile::Builder::new()
            .prefix(".stint-")
            .suffix(".partial")
            .tempfile_in(dir)
            .map_err(|e| {
                ServiceError::Conflict(
                    format!(
                        "cannot write in the folder {} ({e}); choose a folder you can write to",
                        dir.display()
                    )
                    .into(),
                )
            })?;
        Ok(OutputFile {
            tmp,
            target,
            overwrite,
        })
    }

    /// Records an export or backup in the audit log (entity `export`): `operation` (e.g.
    /// `export_tracks_csv`), where it went (`target`: an absolute path, `content` when only
    /// returned in the answer, `stdout`) and how many data rows it held (`None` for a backup).
    ///
    /// # Errors
    /// Store errors.
    pub fn audit_export(
        &self,
        operation: &'static str,
        target: &str,
        rows: Option<usize>,
    ) -> Result<()> {
        let detail = match rows {
            Some(rows) => format!("{rows} rows to {target}"),
            None => format!("copy of the database to {target}"),
        };
        self.write(operation, |ctx| ctx.audit("export", &[], Some(&detail)))
    }

    /// Writes a consistent copy of the database to `target` (a new file unless `overwrite`),
    /// mode 0600, and records it in the audit log. Returns the absolute path written.
    ///
    /// # Errors
    /// The path is refused (see the module docs), or the copy cannot be written.
    pub fn backup(&self, target: &Path, overwrite: bool) -> Result<PathBuf> {
        let out = self.output_file(target, overwrite)?;
        stint_store::backup(&self.conn(), out.temp_path())?;
        let written = out.commit()?;
        self.audit_export("backup", &written.display().to_string(), None)?;
        Ok(written)
    }
}
