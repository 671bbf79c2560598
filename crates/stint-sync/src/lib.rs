//! Sync between devices through a shared folder (docs/sync.md), between the store (which holds
//! the SQL half: change sets, clocks, how changes that meet are decided) and the service (the
//! use cases `stint sync` runs).
//!
//! - [`file`](mod@file): the sync files: header, codecs of logs, snapshots and device files, sealing
//!   with the sync key, the file-name grammar, and the scan of a folder.
//! - [`name`]: the file-name grammar ([`SyncFile`]), parsed once.
//! - [`fs`]: the shared folder as hostile ground: only regular files, sizes checked before
//!   reading, temporary files created exclusively, names sanitized for a terminal.
//! - [`plan`]: what a folder sync decides (join, publish, apply, snapshot, compact), as pure
//!   functions of what was read; [`folder`] runs a sync: it reads the folder and the
//!   database, asks [`plan`], and writes. [`report`]: what it says it did.
//! - [`remote`]: the client's round through `stint serve` on another device (a mirror folder
//!   that stands for the server, synced with [`folder`] by the caller), its pure decisions,
//!   and the HTTP client ([`remote::http::HttpHub`]).

pub mod file;
pub mod folder;
pub mod fs;
pub mod name;
pub mod plan;
pub mod remote;
pub mod report;

#[cfg(test)]
mod fixtures;

pub use name::SyncFile;
pub use report::{PeerStatus, SyncDecision, SyncReport, SyncStatus};

use std::path::Path;

pub use stint_store::StoreError;

/// Why a sync step failed.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    /// The request is valid but the folder, the files or the state do not allow it; the
    /// message says what to do next (the service reports it as a conflict).
    #[error("{0}")]
    Refused(String),
    /// What a caller sent is not valid (a server address that is not http(s), an empty
    /// token); the message says what to send instead (the service reports it as invalid
    /// input).
    #[error("{0}")]
    Invalid(String),
    /// What was asked for is not there (a hub file removed since it was listed; the service
    /// reports it as not found).
    #[error("{0}")]
    NotFound(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The result of a sync step.
pub type Result<T, E = SyncError> = std::result::Result<T, E>;

pub(crate) fn conflict(msg: String) -> SyncError {
    SyncError::Refused(msg)
}

pub(crate) fn io_err(what: &str, path: &Path, e: std::io::Error) -> SyncError {
    conflict(format!(
        "cannot {what} {} ({e}); check that the sync folder exists and is writable",
        path.display()
    ))
}
