//! The SQLite store: the only module with SQL.
//!
//! One open path ([`open`]): create the folder (0700) and the file (0600), set pragmas (WAL, foreign keys, busy timeout),
//! refuse a schema newer than this binary, run refinery's embedded migrations. Query functions
//! take a `&Connection` (a `Transaction` derefs to one), so the service layer composes several
//! in one transaction; writes go through [`write()`], which opens it with `BEGIN IMMEDIATE` so that
//! concurrent writers from other processes queue on the busy timeout instead of failing, and
//! records it in the change log ([`changes`]) in the same transaction.
//!
//! Storage conventions (see `migrations/V1__initial.sql`): instants are INTEGER Unix seconds in
//! UTC, durations INTEGER seconds, money TEXT decimals, booleans 0/1.

pub mod audit;
pub mod changes;
pub mod checkpoint;
pub mod clients;
pub mod expenses;
pub mod invoices;
pub mod milestones;
pub mod names;
pub mod people;
pub mod portable;
pub mod projects;
pub mod reports;
pub mod settings;
pub mod sync;
pub mod sync_clock;
pub mod sync_tables;
pub mod tags;
pub mod tasks;
pub mod tokens;
pub mod tracks;

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
pub use rusqlite::Connection;
use rusqlite::{OpenFlags, Transaction, TransactionBehavior};

/// A write or read transaction that the service hands to store functions (rusqlite's, named
/// here so that no module outside `store` depends on rusqlite).
pub type Tx<'a> = Transaction<'a>;
use thiserror::Error;

mod embedded {
    refinery::embed_migrations!("../../migrations");
}

/// How long a writer waits for another process's write to finish before giving up.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// Errors from the store.
#[derive(Debug, Error)]
pub enum StoreError {
    #[error(
        "the database {path} has schema version {found}, newer than this stint understands \
         (up to {supported}); upgrade stint, or point --db / STINT_DB at another file"
    )]
    SchemaTooNew {
        path: String,
        found: i64,
        supported: i64,
    },
    #[error(
        "cannot create the folder {path} for the database ({cause}); if a file of that name is in \
         the way, move it, or point --db / STINT_DB at another path"
    )]
    CreateDir { path: String, cause: std::io::Error },
    #[error(
        "cannot open the database {path}: {reason}; point --db / STINT_DB at a file in a folder \
         you can write to"
    )]
    CannotOpen { path: String, reason: String },
    #[error(
        "the database {path} is not a stint database or is damaged ({cause}); restore it from a \
         backup, or point --db / STINT_DB at another file"
    )]
    NotADatabase {
        path: String,
        cause: rusqlite::Error,
    },
    #[error(
        "the database is damaged ({0}); restore it from a backup (`stint db path` shows which \
         file), or check it with sqlite3's PRAGMA integrity_check"
    )]
    Corrupt(rusqlite::Error),
    #[error(
        "the disk failed to read or write the database ({0}); check free space, quotas and \
         file-size limits (ulimit -f) and retry: nothing was written"
    )]
    Io(rusqlite::Error),
    #[error(
        "the database is read-only ({0}); make the file and its folder writable (stint also \
         writes its -wal and -shm files beside it), or point --db / STINT_DB at a writable copy"
    )]
    ReadOnly(rusqlite::Error),
    #[error("the disk is full ({0}); free some space and retry: nothing was written")]
    DiskFull(rusqlite::Error),
    #[error("cannot migrate the database schema: {0}")]
    Migration(#[from] refinery::Error),
    /// A stored value that does not decode (see [`BadValue`]).
    #[error(transparent)]
    BadValue(#[from] BadValue),
    #[error("database error: {0}")]
    Sqlite(rusqlite::Error),
}

impl StoreError {
    /// Whether this is a UNIQUE constraint failure (a name or key that exists already).
    pub fn is_unique_violation(&self) -> bool {
        matches!(
            self,
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(f, _))
                if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
        )
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode;
        if let rusqlite::Error::FromSqlConversionFailure(_, _, inner) = &e
            && let Some(bad) = inner.downcast_ref::<BadValue>()
        {
            return StoreError::BadValue(bad.clone());
        }
        match e.sqlite_error_code() {
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(e),
            Some(ErrorCode::DiskFull) => StoreError::DiskFull(e),
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Corrupt(e),
            Some(ErrorCode::SystemIoFailure) => StoreError::Io(e),
            _ => StoreError::Sqlite(e),
        }
    }
}

/// Result of store functions.
pub(crate) type Result<T, E = StoreError> = std::result::Result<T, E>;

/// The schema version this binary creates and understands: the newest migration in
/// `migrations/` (a unit test checks the two agree). A constant, so that opening a current
/// database does not build refinery's runner, which parses every embedded migration.
pub const SCHEMA_VERSION: i64 = 17;

/// The schema version this binary creates and understands ([`SCHEMA_VERSION`]).
pub fn supported_schema_version() -> i64 {
    SCHEMA_VERSION
}

/// The schema version recorded in an open database (0 for a new file).
pub fn schema_version(conn: &Connection) -> Result<i64> {
    // A current database answers in one statement (every process opens one); the history
    // table is looked for only when that fails, so a new file reads as 0 and any other error
    // is the caller's.
    let recorded = conn.query_row(
        "SELECT ifnull(max(version), 0) FROM refinery_schema_history",
        [],
        |r| r.get(0),
    );
    match recorded {
        Ok(version) => Ok(version),
        Err(e) => {
            let has_history: bool = conn.query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'refinery_schema_history'",
                [],
                |r| r.get(0),
            )?;
            if has_history { Err(e.into()) } else { Ok(0) }
        }
    }
}

/// A WAL file larger than this (bytes) is folded into the database and truncated when a
/// connection opens (`fold_grown_wal`).
///
/// Why: the WAL is kept between processes (no checkpoint on close), and the first connection
/// of a process rebuilds SQLite's WAL index from the file, forgetting how much of it earlier
/// processes had already checkpointed. SQLite's automatic checkpoint then copies the whole WAL
/// again after every commit (three fsyncs each time) and never starts the file over, so a WAL
/// fed by one short `stint start` after another only grew (8 MB after 130 writes), and every
/// process read and checksummed all of it when it opened. 1 MiB is about 18 starts or stops.
pub const WAL_FOLD_BYTES: u64 = 1 << 20;

/// Opens (creating if needed) the database at `path` and brings its schema up to date.
///
/// # Errors
/// [`StoreError::SchemaTooNew`] when the file was written by a newer stint;
/// [`StoreError::NotADatabase`] for a file that is not SQLite; I/O and SQLite errors otherwise.
pub fn open(path: &Path) -> Result<Connection> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        private_dir(dir).map_err(|cause| StoreError::CreateDir {
            path: dir.display().to_string(),
            cause,
        })?;
    }
    private_file(path);
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    if path.is_dir() {
        return Err(StoreError::CannotOpen {
            path: path.display().to_string(),
            reason: "it is a folder, not a file".to_owned(),
        });
    }
    let mut conn =
        Connection::open_with_flags(path, flags).map_err(|e| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::CannotOpen) => StoreError::CannotOpen {
                path: path.display().to_string(),
                reason: if path.exists() {
                    "the file cannot be opened for reading and writing".to_owned()
                } else {
                    "the file cannot be created there (is the folder writable?)".to_owned()
                },
            },
            _ => StoreError::from(e),
        })?;
    let not_a_db = |cause: rusqlite::Error| match cause.sqlite_error_code() {
        Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
            StoreError::NotADatabase {
                path: path.display().to_string(),
                cause,
            }
        }
        _ => StoreError::from(cause),
    };
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // journal_mode returns a row; WAL lets readers and one writer work at once across processes.
    let _mode: String = conn
        .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
        .map_err(not_a_db)?;
    // Foreign keys on (`PRAGMA foreign_keys = ON`, set through the C API: no statement).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_FKEY,
        true,
    )?;
    conn.execute_batch(
        "PRAGMA synchronous = NORMAL;
         PRAGMA journal_size_limit = 4194304;",
    )?;
    // Keep the -wal and -shm files between processes (SQLITE_FCNTL_PERSIST_WAL), and do not
    // checkpoint when a connection closes (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE): a short
    // `stint start` then appends its commit to the WAL and exits, with no file created,
    // deleted or fsynced. A commit in WAL mode survives a killed process as soon as it returns
    // (synchronous=NORMAL syncs at checkpoints, so only a power loss can take the last
    // commits). SQLite's automatic checkpoint still folds the WAL into stint.db whenever it
    // passes 1,000 pages (~4 MiB) within a process, fold_grown_wal starts a grown WAL over
    // when a process opens it, and `journal_size_limit` truncates it back afterwards; a
    // copy of the database is made with `stint db backup`, which reads through the WAL.
    let mut persist = 1;
    conn.file_control(
        Some(rusqlite::MAIN_DB),
        rusqlite::FileControl::PersistWal(&mut persist),
    )?;
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
        true,
    )?;
    plan_once(&conn)?;
    fold_grown_wal(&conn, path);
    let found = schema_version(&conn).map_err(|e| match e {
        StoreError::Sqlite(cause) | StoreError::Corrupt(cause) => not_a_db(cause),
        other => other,
    })?;
    let supported = supported_schema_version();
    if found > supported {
        return Err(StoreError::SchemaTooNew {
            path: path.display().to_string(),
            found,
            supported,
        });
    }
    if found < supported {
        // Serialise migrations between processes opening a new file at the same moment.
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let again = schema_version(&tx)?;
        tx.commit()?;
        if again < supported {
            embedded::migrations::runner().run(&mut conn)?;
        }
        if found < NAME_KEYS_VERSION && supported >= NAME_KEYS_VERSION {
            // Not a use case: filling a derived column is not recorded in the change log.
            let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let clashes = fill_name_keys(&tx)?;
            tx.commit()?;
            for c in &clashes {
                tracing::warn!(
                    "{} {} is named {:?}, which is the same name as an older one once case is \
                     ignored in every script; it keeps its name, and lookups by that name \
                     report both: rename one of them",
                    c.what,
                    c.id,
                    c.name
                );
            }
        }
        // The migrations filled the WAL (750 KB for a new file), which each later process
        // would read and checksum when it opens, until it grew past WAL_FOLD_BYTES: fold it
        // now, once.
        fold_wal(&conn);
    }
    Ok(conn)
}

/// Makes each prepared statement keep the plan it was prepared with, whatever values are bound
/// to it (SQLite's query planner stability guarantee, `SQLITE_DBCONFIG_ENABLE_QPSG`).
///
/// Why: without it SQLite marks a statement whose plan could depend on a bound value (a
/// `LIMIT ?N`, a `column = ?N` that no index serves) so that binding that parameter expires
/// the statement, and its next step compiles it again with the value in hand. Every such
/// statement was therefore compiled twice on its first use, and again on every reuse from the
/// statement cache (rusqlite clears the bindings of a cached statement, which expires it too):
/// in a `stint start`, the project lookup and the overlap check (about a tenth of its
/// instructions). stint's queries do not need the values to plan: the database has no
/// `sqlite_stat4` statistics, partial indexes are matched by literal terms (the queries spell
/// them out), and the plans `store::reports` checks are the same either way.
fn plan_once(conn: &Connection) -> Result<()> {
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(())
}

/// Folds the WAL of the database at `path` into the database file and truncates it to zero
/// bytes when it has grown past [`WAL_FOLD_BYTES`]; does nothing otherwise.
///
/// Best effort and never waits: the checkpoint runs without the busy timeout, so when another
/// process is writing or still reading old pages it is simply left for a later open (SQLite's
/// `wal_checkpoint(TRUNCATE)` returns "busy" and nothing is lost). Commits stay durable either
/// way: the checkpoint only copies committed pages.
pub(crate) fn fold_grown_wal(conn: &Connection, path: &Path) {
    let grown = std::fs::symlink_metadata(wal_path(path)).is_ok_and(|m| m.len() > WAL_FOLD_BYTES);
    if grown {
        fold_wal(conn);
    }
}

/// The WAL file of the database at `path`: SQLite's `<path>-wal` beside it.
pub fn wal_path(path: &Path) -> PathBuf {
    let mut wal = path.as_os_str().to_owned();
    wal.push("-wal");
    PathBuf::from(wal)
}

/// Folds the WAL into the database file and truncates it, without waiting (see
/// [`fold_grown_wal`]).
fn fold_wal(conn: &Connection) {
    if conn.busy_timeout(Duration::ZERO).is_err() {
        return;
    }
    let folded = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| {
        r.get::<_, i64>(0)
    });
    if let Ok(busy) = folded {
        tracing::debug!(busy, "folded a grown WAL at open");
    }
    let _ = conn.busy_timeout(BUSY_TIMEOUT);
}

/// The schema version that added `name_key` to clients, projects and tags (V6).
const NAME_KEYS_VERSION: i64 = 6;

/// A row whose folded name equals an older row's (see [`fill_name_keys`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NameClash {
    /// `client`, `project` or `tag`.
    pub what: &'static str,
    pub id: i64,
    /// The name as stored.
    pub name: String,
}

/// Fills the `name_key` of every client, project and tag that has none with
/// [`stint_domain::names::name_key`] of its name, oldest row first.
///
/// A row whose key would equal an older row's (names that differ only in non-ASCII case, which
/// the NOCASE indexes of schema 1 allowed) keeps a NULL key and is returned: nothing is renamed
/// or refused, and lookups by that name find both rows and report them as ambiguous.
///
/// # Errors
/// SQLite errors other than the unique-key clash.
pub fn fill_name_keys(conn: &Connection) -> Result<Vec<NameClash>> {
    let mut clashes = Vec::new();
    for (table, what) in [
        ("clients", "client"),
        ("projects", "project"),
        ("tags", "tag"),
    ] {
        let rows: Vec<(i64, String)> = conn
            .prepare(&format!(
                "SELECT id, name FROM {table} WHERE name_key IS NULL ORDER BY id"
            ))?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut update =
            conn.prepare(&format!("UPDATE {table} SET name_key = ?2 WHERE id = ?1"))?;
        for (id, name) in rows {
            match update.execute(rusqlite::params![id, stint_domain::names::name_key(&name)]) {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE =>
                {
                    clashes.push(NameClash { what, id, name });
                }
                Err(e) => return Err(e.into()),
            }
        }
    }
    Ok(clashes)
}

/// Most names read to rank close matches for an unknown name.
pub(crate) const MAX_SUGGESTION_CANDIDATES: i64 = 50_000;

/// Creates `dir` and any missing parents with mode 0700 (only the owner may enter), whatever
/// the umask; folders that exist keep their mode.
fn private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt as _;
    if dir.is_dir() {
        return Ok(());
    }
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
}

/// Creates the database file at `path` with mode 0600 if it does not exist, so that SQLite,
/// which gives its -wal and -shm files the database's mode, keeps all three private whatever
/// the umask. For an existing, owner-writable database readable by group or others, logs a
/// warning with the `chmod` that fixes it (once per process). Best effort: opening reports real errors.
fn private_file(path: &Path) {
    use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
    if path.as_os_str().is_empty() || path.to_string_lossy().starts_with("file:") {
        return;
    }
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            static WARNED: std::sync::Once = std::sync::Once::new();
            if let Ok(meta) = std::fs::metadata(path)
                && meta.is_file()
                && meta.permissions().mode() & 0o077 != 0
                // A file made read-only on purpose (an archive) is left to its owner.
                && meta.permissions().mode() & 0o200 != 0
            {
                WARNED.call_once(|| {
                    let p = path.display();
                    tracing::warn!(
                        "the database {p} can be read by other users of this computer (mode \
                         {:o}); make it private with: chmod 600 {p} {p}-wal {p}-shm",
                        meta.permissions().mode() & 0o777
                    );
                });
            }
        }
        Err(_) => {}
    }
}

/// Runs `f` in one `BEGIN IMMEDIATE` transaction: committed if `f` and `record` return `Ok`,
/// rolled back otherwise, so a failed use case leaves nothing half-written.
///
/// Every write is recorded: a SQLite session watches the tables of the change log
/// ([`changes::is_recorded`]) while `f` runs, and `record` gets, inside the same transaction,
/// `f`'s value and the changeset (`sqlite3session_changeset` bytes, empty when nothing
/// recorded changed), to append the change log row ([`changes::append`]). So a write and its
/// log entry are committed together or not at all, and no write can bypass the log.
pub fn write<T, E>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    record: impl FnOnce(&Transaction<'_>, &T, &[u8]) -> Result<(), E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let conn: &Connection = conn;
    let mut session = stint_sqlite_session::Session::new(conn).map_err(StoreError::from)?;
    session.table_filter(changes::is_recorded);
    session.attach(None).map_err(StoreError::from)?;
    // `Session` borrows the connection, so the transaction is opened beside it; this is the
    // only transaction on this connection (`Transaction` rolls back on drop).
    let tx = Transaction::new_unchecked(conn, TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let value = f(&tx)?;
    let mut changeset = Vec::new();
    if !session.is_empty() {
        changeset = session.changeset().map_err(StoreError::from)?;
    }
    drop(session);
    record(&tx, &value, &changeset)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(value)
}

/// Like [`write()`], but without recording a changeset: for bulk writes (large imports) whose
/// changeset would be too large to keep anyway, so the session's copy of every row is not paid
/// for. `record` still runs in the same transaction (it appends the change log row).
pub fn write_unrecorded<T, E>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
    record: impl FnOnce(&Transaction<'_>, &T) -> Result<(), E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(StoreError::from)?;
    let value = f(&tx)?;
    record(&tx, &value)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(value)
}

/// A SQLite session that records the writes of an open transaction in parts: each
/// [`PartRecorder::take`] returns the changeset of the recorded tables ([`changes::is_recorded`])
/// written since the previous one and starts recording afresh. For a bulk write on a database
/// that syncs: one transaction (all or nothing) whose writes become several changes of the
/// change log, each small enough to keep and publish.
pub struct PartRecorder<'c> {
    conn: &'c Connection,
    session: std::cell::RefCell<Option<stint_sqlite_session::Session<'c>>>,
}

impl std::fmt::Debug for PartRecorder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartRecorder").finish_non_exhaustive()
    }
}

impl<'c> PartRecorder<'c> {
    /// Starts recording the writes made on `conn` from now on.
    ///
    /// # Errors
    /// SQLite refuses the session.
    pub fn new(conn: &'c Connection) -> Result<PartRecorder<'c>> {
        let session = Self::start(conn)?;
        Ok(PartRecorder {
            conn,
            session: std::cell::RefCell::new(Some(session)),
        })
    }

    fn start(conn: &'c Connection) -> Result<stint_sqlite_session::Session<'c>> {
        let mut session = stint_sqlite_session::Session::new(conn)?;
        session.table_filter(changes::is_recorded);
        session.attach(None)?;
        Ok(session)
    }

    /// The changeset (`sqlite3session_changeset` bytes; empty when nothing recorded changed)
    /// of the writes since [`PartRecorder::new`] or the previous call; recording goes on.
    ///
    /// # Errors
    /// SQLite fails to produce the changeset or to start the next session.
    pub fn take(&self) -> Result<Vec<u8>> {
        let mut slot = self.session.borrow_mut();
        let mut changeset = Vec::new();
        if let Some(session) = slot.as_mut()
            && !session.is_empty()
        {
            changeset = session.changeset()?;
        }
        // A session cannot be reset: the next part gets a new one (the old one is dropped
        // first, so the two never both watch the connection).
        *slot = None;
        *slot = Some(Self::start(self.conn)?);
        Ok(changeset)
    }
}

/// Runs `f` in one deferred (read) transaction, so it sees one consistent snapshot.
pub fn read<T, E>(
    conn: &mut Connection,
    f: impl FnOnce(&Transaction<'_>) -> Result<T, E>,
) -> Result<T, E>
where
    E: From<StoreError>,
{
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Deferred)
        .map_err(StoreError::from)?;
    let value = f(&tx)?;
    tx.commit().map_err(StoreError::from)?;
    Ok(value)
}

/// The default database path: the platform data dir (e.g. `~/.local/share/stint/stint.db`).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "stint").map(|d| d.data_dir().join("stint.db"))
}

/// SQL for the length in seconds of the longest finished track (index `tracks_length`). Tracks
/// that start before an instant and reach past it started at most this long before it.
pub(crate) const LONGEST_TRACK_SQL: &str =
    "(SELECT ifnull(max(end_at - start_at), 0) FROM tracks WHERE end_at IS NOT NULL)";

pub(crate) fn to_ts(t: DateTime<Utc>) -> i64 {
    t.timestamp()
}

/// A stored value that does not decode: an instant chrono cannot represent, a rate or amount
/// that is not a decimal, a currency ISO 4217 does not list, an unknown status.
///
/// Store decoders raise it instead of falling back to a default, so that a billing tool says
/// which row is damaged rather than billing with a wrong value.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "the database holds a bad value in {table}.{column} of {row} ({value}); restore from a \
     backup or fix the row"
)]
pub struct BadValue {
    /// Table name, e.g. `invoices`.
    pub table: &'static str,
    /// Column name, e.g. `total`.
    pub column: &'static str,
    /// The row, e.g. `invoice 12` or `setting default_currency`.
    pub row: String,
    /// The value as stored, quoted and cut to 80 characters.
    pub value: String,
}

impl BadValue {
    /// The rusqlite error that carries this value out of a row closure; [`StoreError`]'s
    /// `From<rusqlite::Error>` turns it back into [`StoreError::BadValue`].
    pub(crate) fn into_sqlite(self) -> rusqlite::Error {
        rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(self))
    }
}

/// Decodes the columns of one row of `table`, naming the row in errors as `{what} {id}`.
pub(crate) struct Cols<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    table: &'static str,
    what: &'static str,
    id: i64,
}

impl<'r, 's> Cols<'r, 's> {
    /// A decoder for `row` of `table`; `what` names one row (`invoice`), `id_col` holds its id.
    pub(crate) fn new(
        row: &'r rusqlite::Row<'s>,
        table: &'static str,
        what: &'static str,
        id_col: usize,
    ) -> rusqlite::Result<Self> {
        Ok(Cols {
            row,
            table,
            what,
            id: row.get(id_col)?,
        })
    }

    fn bad(&self, column: &'static str, value: impl std::fmt::Debug) -> rusqlite::Error {
        BadValue {
            table: self.table,
            column,
            row: format!("{} {}", self.what, self.id),
            value: stint_domain::limits::echo(&format!("{value:?}")),
        }
        .into_sqlite()
    }

    /// An instant stored as Unix seconds.
    pub(crate) fn ts(&self, idx: usize, column: &'static str) -> rusqlite::Result<DateTime<Utc>> {
        let secs: i64 = self.row.get(idx)?;
        from_ts(secs).ok_or_else(|| self.bad(column, secs))
    }

    /// An optional instant stored as Unix seconds.
    pub(crate) fn ts_opt(
        &self,
        idx: usize,
        column: &'static str,
    ) -> rusqlite::Result<Option<DateTime<Utc>>> {
        match self.row.get::<_, Option<i64>>(idx)? {
            None => Ok(None),
            Some(secs) => from_ts(secs)
                .map(Some)
                .ok_or_else(|| self.bad(column, secs)),
        }
    }

    /// An optional text decoded by `parse` (`None` from `parse` is a bad value).
    pub(crate) fn parsed_opt<T>(
        &self,
        idx: usize,
        column: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> rusqlite::Result<Option<T>> {
        match self.row.get::<_, Option<String>>(idx)? {
            None => Ok(None),
            Some(s) => match parse(&s) {
                Some(v) => Ok(Some(v)),
                None => Err(self.bad(column, s)),
            },
        }
    }

    /// An optional local date stored as `YYYY-MM-DD` text.
    pub(crate) fn date_opt(
        &self,
        idx: usize,
        column: &'static str,
    ) -> rusqlite::Result<Option<chrono::NaiveDate>> {
        self.parsed_opt(idx, column, |s| {
            chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
        })
    }

    /// A text decoded by `parse`; NULL or `None` from `parse` is a bad value.
    pub(crate) fn parsed<T>(
        &self,
        idx: usize,
        column: &'static str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> rusqlite::Result<T> {
        self.parsed_opt(idx, column, parse)?
            .ok_or_else(|| self.bad(column, "NULL"))
    }

    /// An optional decimal stored as text.
    pub(crate) fn decimal_opt(
        &self,
        idx: usize,
        column: &'static str,
    ) -> rusqlite::Result<Option<rust_decimal::Decimal>> {
        self.parsed_opt(idx, column, parse_decimal)
    }

    /// A decimal stored as text.
    pub(crate) fn decimal(
        &self,
        idx: usize,
        column: &'static str,
    ) -> rusqlite::Result<rust_decimal::Decimal> {
        self.parsed(idx, column, parse_decimal)
    }

    /// An optional ISO 4217 code.
    pub(crate) fn currency_opt(
        &self,
        idx: usize,
        column: &'static str,
    ) -> rusqlite::Result<Option<stint_domain::money::Currency>> {
        self.parsed_opt(idx, column, parse_currency)
    }
}

/// An instant from Unix seconds; `None` past what chrono represents.
pub(crate) fn from_ts(secs: i64) -> Option<DateTime<Utc>> {
    Utc.timestamp_opt(secs, 0).single()
}

/// A stored decimal: the whole text must parse.
pub(crate) fn parse_decimal(s: &str) -> Option<rust_decimal::Decimal> {
    s.parse().ok()
}

/// A stored ISO 4217 code.
pub(crate) fn parse_currency(s: &str) -> Option<stint_domain::money::Currency> {
    stint_domain::money::Currency::parse(s).ok()
}

/// Escapes `%`, `_` and `\` for a `LIKE ... ESCAPE '\'` pattern.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The names in `table` (`clients` or `tags`) to rank for an unknown-name error: at most
/// [`MAX_SUGGESTION_CANDIDATES`], by id, and how many rows there are in all.
pub(crate) fn names_for_suggestions(conn: &Connection, table: &str) -> Result<(Vec<String>, i64)> {
    let total: i64 = conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get(0))?;
    let mut stmt =
        conn.prepare_cached(&format!("SELECT name FROM {table} ORDER BY id LIMIT ?1"))?;
    let names = stmt
        .query_map([MAX_SUGGESTION_CANDIDATES], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    Ok((names, total))
}

/// The LIKE pattern body that finds `search` inside a name key: folded like a name
/// ([`stint_domain::names::name_key`]) and escaped for `ESCAPE '\\'`.
pub(crate) fn key_search(search: &str) -> String {
    like_escape(&stint_domain::names::name_key(search))
}

/// Copies everything in the WAL into the database file and empties the WAL: after a bulk
/// write, so later short processes do not each wade through a large WAL.
pub fn checkpoint(conn: &Connection) -> Result<()> {
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))?;
    Ok(())
}

/// Sets this connection's page cache to `kib` KiB (SQLite's default is 2 MiB). A bulk import
/// raises it, so that an index it fills in an order other than time (the track length) stays
/// in memory instead of being read back and rewritten to the WAL batch after batch.
pub fn set_cache_kib(conn: &Connection, kib: i64) -> Result<()> {
    conn.execute_batch(&format!("PRAGMA cache_size = -{}", kib.max(1)))?;
    Ok(())
}

/// Writes a consistent, compacted copy of the database to `target` (`VACUUM INTO`), including
/// what is still only in the WAL. `target` must not exist yet or be an empty file (whose mode
/// is then kept: the service hands it a 0600 temporary file).
pub fn backup(conn: &Connection, target: &Path) -> Result<()> {
    conn.execute("VACUUM INTO ?1", [target.to_string_lossy()])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn schema_version_is_the_newest_migration() {
        let newest = super::embedded::migrations::runner()
            .get_migrations()
            .iter()
            .map(|m| i64::from(m.version()))
            .max();
        assert_eq!(newest, Some(super::SCHEMA_VERSION));
    }
}
