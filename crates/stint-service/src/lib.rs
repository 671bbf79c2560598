//! Use cases: the one API that every front end (MCP over stdio or HTTP, the CLI) calls.
//!
//! Each write is one `BEGIN IMMEDIATE` transaction that also appends to the audit log and to
//! the change log (one undoable change per transaction, see `changes`), so a failed call leaves
//! nothing half-written. Requests arrive as loosely typed strings (what a
//! user or an agent sent); this layer resolves names, parses times with the configured zone and
//! the injected [`Clock`], applies the domain rules, and returns domain records.
//!
//! **Architecture invariant:** no JSON-RPC, clap or terminal output here; the clock is read
//! only through [`Clock`].

mod auto_sync;
mod catalog;
mod changes;
pub mod drafts;
mod expenses;
mod export;
mod files;
mod ics;
mod import;
mod import_parts;
mod invoice_pdf;
mod invoices;
mod milestones;
mod names;
mod people;
mod placement;
mod reports;
mod settings;
mod sync;
use stint_sync::fs as sync_fs;
mod sync_move_server;
mod sync_moves;
mod sync_remote;
mod tasks;
mod tokens;
mod tracks;
mod utilization;
mod wal_flusher;

use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

use base64::Engine as _;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use stint_domain::DomainError;
use stint_domain::limits::echo;
pub use stint_domain::msg;
use stint_domain::settings::Settings;
pub use stint_domain::words::{Act, Arg, Msg, Name, Words};
use stint_store::{self as store, StoreError, audit};

pub use auto_sync::AutoSync;
pub use catalog::{
    ClientChanges, DeleteClient, DeleteProject, DeleteTag, Deleted, ListClients, ListProjects,
    ListTags, NewClient, NewProject, ProjectChanges, TagWithUsage,
};
pub use changes::{Change, ListChanges, MAX_REQUEST_ID_CHARS, REQUEST_ID_TTL_SECONDS, Undone};
pub use drafts::{DraftSelection, Drafts, MAX_DRAFTS_PER_CALL};
pub use expenses::{ExpenseChanges, ListExpenses, NewExpense};
pub use export::{
    ExportError, INVOICE_CSV_HEADER, TRACKS_CSV_HEADER, TracksCsv, csv_text, csv_text_back,
    invoice_csv, tracks_csv,
};
pub use files::OutputFile;
pub use import::{
    BATCH_ROWS, BULK_IMPORT_ROWS, DuplicateRow, EXPORT_FORMAT, EXPORT_VERSION, ImportFormat,
    ImportOptions, ImportProgress, ImportReport, ImportSummary, MAX_LISTED_ROWS, NoProgress,
    PREVIEW_ROWS, PortableSummary, PreviewRow, RejectedRow, RowPlace, detect,
};
pub use invoice_pdf::{PdfExport, invoice_document};
pub use invoices::{InvoiceChanges, ListInvoices, NewInvoice};
pub use milestones::{
    ListMilestones, MAX_MILESTONES_LISTED, MilestoneChanges, MilestoneCompleted, NewMilestone,
};
pub use names::{Completion, MAX_COMPLETIONS, NameKind, matches_prefix};
pub use people::{NewPerson, PersonChanges};
pub use reports::{
    BudgetReport, BudgetUse, Figures, GroupDim, GroupKey, Summary, SummaryRow, TimeSummary,
};
pub use settings::{RoundingChanges, SettingsChanges, SettingsView};
pub use stint_sync::file::{FORMAT_VERSION as SYNC_FORMAT_VERSION, SyncKey};
pub use sync::{PeerStatus, SyncDecision, SyncReport, SyncStatus};
pub use sync_fs::{sanitize as sanitize_folder_text, strip_url_credentials};
pub use sync_moves::SyncAccepted;
pub use sync_remote::{
    HubClient, HubFile, HubListing, HubTransport, HubUpload, MAX_SERVER_URL_CHARS,
    MAX_SYNC_FILE_BYTES, RemoteSyncReport, SYNC_TOKEN_HINT, hub_path,
};
pub use tasks::{DeleteTask, ListTasks, NewTask, TaskChanges};
pub use tokens::{
    HttpCaller, LAST_USED_RESOLUTION_SECS, SECRET_PREFIX, Scope, TokenInfo, TokenListing, TokenRow,
};
pub use tracks::{
    ContinueTimer, ListTracks, NewTrack, StartTimer, StopTimer, TimerContinued, TimerStarted,
    TrackChanges, TrackWritten,
};
pub use utilization::{MarginRow, PersonUse, Utilization};
pub use wal_flusher::WalFlusher;

/// Source of "now". The service reads time only through this, so tests can freeze it.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant, UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one place that reads the system clock
    fn now(&self) -> DateTime<Utc> {
        let now = Utc::now();
        // Whole seconds: stored instants are seconds, and a sub-second "now" would make a track
        // started and stopped within the same second look longer than it is stored.
        DateTime::from_timestamp(now.timestamp(), 0).unwrap_or(now)
    }
}

/// The system clock shifted by a fixed number of seconds: it runs at the real pace, so a script
/// of several processes sees time pass as it does, on another day and at another hour. For
/// demos and tests of date-dependent behaviour (the front ends build it from the environment
/// variable [`CLOCK_OFFSET_ENV`]); like `faketime`, it changes nothing but what "now" is.
#[derive(Debug, Clone, Copy)]
pub struct OffsetClock {
    offset: chrono::TimeDelta,
}

/// The environment variable that shifts the clock of a stint process by whole seconds
/// (`STINT_CLOCK_OFFSET_SECONDS=31536000`: a year ahead; negative: back), read by
/// [`OffsetClock::from_env_value`].
pub const CLOCK_OFFSET_ENV: &str = "STINT_CLOCK_OFFSET_SECONDS";

impl OffsetClock {
    /// The system clock moved by `seconds` (back when negative).
    ///
    /// # Errors
    /// A shift that takes "now" outside 1900 to 2199 (the instants stint accepts).
    pub(crate) fn new(seconds: i64) -> Result<OffsetClock, String> {
        let offset = chrono::TimeDelta::try_seconds(seconds)
            .filter(|d| {
                SystemClock
                    .now()
                    .checked_add_signed(*d)
                    .is_some_and(|t| stint_domain::limits::check_instant(t, "now").is_ok())
            })
            .ok_or_else(|| {
                format!("a clock offset of {seconds} seconds leaves the years 1900 to 2199")
            })?;
        Ok(OffsetClock { offset })
    }

    /// Reads the value of [`CLOCK_OFFSET_ENV`]: whole seconds with an optional sign
    /// (`31536000`, `-3600`); blank is no shift (`None`).
    ///
    /// # Errors
    /// Anything else, with what to send.
    pub fn from_env_value(value: &str) -> Result<Option<OffsetClock>, String> {
        let v = value.trim();
        if v.is_empty() {
            return Ok(None);
        }
        let seconds: i64 = v.parse().map_err(|_| {
            format!(
                "{CLOCK_OFFSET_ENV} must be whole seconds such as 31536000 (a year ahead) or \
                 -3600, not {v:?}"
            )
        })?;
        OffsetClock::new(seconds).map(Some)
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> DateTime<Utc> {
        let now = SystemClock.now();
        now.checked_add_signed(self.offset).unwrap_or(now)
    }
}

/// A clock that stands still until moved: for tests and reproducible scripted sessions.
#[derive(Debug)]
pub struct FixedClock(Mutex<DateTime<Utc>>);

impl FixedClock {
    /// A clock reading `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        FixedClock(Mutex::new(now))
    }

    /// Moves the clock to `now`.
    pub fn set(&self, now: DateTime<Utc>) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = now;
    }

    /// Moves the clock forward by `seconds` (backward when negative); a move past the instants
    /// chrono represents leaves the clock where it is.
    pub fn advance(&self, seconds: i64) {
        let mut t = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(moved) =
            chrono::TimeDelta::try_seconds(seconds).and_then(|d| t.checked_add_signed(d))
        {
            *t = moved;
        }
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Which front end a call came through; recorded in the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frontend {
    McpStdio,
    McpHttp,
    Cli,
}

impl Frontend {
    /// The audit log's spelling.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Frontend::McpStdio => "mcp-stdio",
            Frontend::McpHttp => "mcp-http",
            Frontend::Cli => "cli",
        }
    }
}

/// Who is calling: the front end and, over HTTP, the token's name.
#[derive(Debug, Clone)]
pub struct Caller {
    pub frontend: Frontend,
    pub token_name: Option<String>,
    /// Show client contact details (email, phone, address, tax id, notes) as `REDACTED`: for
    /// HTTP tokens created without `--sensitive`.
    pub redact_contacts: bool,
    /// May name a file on this machine for the service to write (e.g. `export_invoice_csv`'s
    /// `path`): true for the CLI and stdio (the user's own process), false for every HTTP
    /// caller, whose requests may come from another account or machine.
    pub may_write_files: bool,
    /// Writes of tracks and expenses are drafts, counted nowhere until a person approves them
    /// (a `--drafts` token or `stint mcp --drafts`; see [`drafts`]).
    pub drafts: bool,
}

impl Caller {
    /// A local caller (CLI or stdio) that sees everything and may write files.
    pub fn local(frontend: Frontend) -> Caller {
        Caller {
            frontend,
            token_name: None,
            redact_contacts: false,
            may_write_files: true,
            drafts: false,
        }
    }

    /// This caller, writing drafts when `drafts`.
    #[must_use]
    pub fn with_drafts(mut self, drafts: bool) -> Caller {
        self.drafts = drafts;
        self
    }
}

/// What redacted contact details read as.
pub(crate) const REDACTED: &str = "[redacted]";

/// Errors of the use cases. Every message says what went wrong and what to send next.
#[derive(Debug, Error)]
pub enum ServiceError {
    /// A parse or rule failure in the input.
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// No row with that id or name.
    #[error("{0}")]
    NotFound(Msg),
    /// A name that matches several rows.
    #[error("{0}")]
    Ambiguous(Msg),
    /// The request is valid but the state does not allow it (nothing running, an invoiced
    /// track, a name already taken, ...).
    #[error("{0}")]
    Conflict(Msg),
    /// A project or tag to be created on the fly (see [`Service::creating_missing`]) whose
    /// name is close to an existing one (an edit distance of at most 2, or equal once case and
    /// accents are ignored): likely a typo, so nothing was created.
    #[error("{}", near_name_words(entity, given, existing))]
    NearName {
        /// "project" or "tag".
        entity: &'static str,
        /// The name as given.
        given: String,
        /// The existing name it is close to.
        existing: String,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl From<stint_sync::SyncError> for ServiceError {
    fn from(e: stint_sync::SyncError) -> Self {
        match e {
            stint_sync::SyncError::Refused(m) => ServiceError::Conflict(m.into()),
            stint_sync::SyncError::Invalid(m) => {
                ServiceError::Domain(stint_domain::DomainError::Invalid(m.into()))
            }
            stint_sync::SyncError::NotFound(m) => ServiceError::NotFound(m.into()),
            stint_sync::SyncError::Store(e) => ServiceError::Store(e),
        }
    }
}

fn near_name_words(entity: &str, given: &str, existing: &str) -> String {
    format!(
        "no {entity} is named {:?}; did you mean {:?}?",
        echo(given),
        echo(existing)
    )
}

impl ServiceError {
    /// The error in a front end's words (see [`stint_domain::words`]); `Display` gives the
    /// API's words. A [`ServiceError::NearName`] is rendered by the front end that creates
    /// names on the fly; here it gives the bare question.
    pub fn render(&self, words: &dyn Words) -> String {
        match self {
            ServiceError::Domain(d) => d.render(words),
            ServiceError::NotFound(m) | ServiceError::Ambiguous(m) | ServiceError::Conflict(m) => {
                m.render(words)
            }
            other => other.to_string(),
        }
    }
}

/// Projects and tags that a start or a logged track created because it named them (see
/// [`Service::creating_missing`]), in the order created.
#[derive(Debug, Clone, Default)]
pub struct CreatedOnTheFly {
    pub projects: Vec<stint_domain::entities::Project>,
    pub tags: Vec<stint_domain::entities::Tag>,
    /// Create a name even when it is close to an existing one (`--create`).
    anyway: bool,
}

/// Result of use cases.
pub type Result<T, E = ServiceError> = std::result::Result<T, E>;

/// A page of a list, and the cursor for the next one (`None` on the last page).
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// Default and largest page sizes for list use cases.
pub(crate) const DEFAULT_PAGE: usize = 50;
pub(crate) const MAX_PAGE: usize = 500;

#[derive(Debug)]
struct Inner {
    /// One connection per concurrent caller; a use case takes whichever is free.
    conns: Vec<Mutex<store::Connection>>,
    next: std::sync::atomic::AtomicUsize,
    clock: Arc<dyn Clock>,
    /// The database file, resolved through symlinks: exports and backups never write over it.
    db_path: std::path::PathBuf,
    /// Held by a write use case for its transaction: writers of this process queue here
    /// instead of on SQLite's busy handler, which sleeps up to 100 ms between retries. A fair
    /// (first come, first served) lock: under a burst of writes over HTTP no writer waits for
    /// more than the writers ahead of it, which keeps the slowest answers close to the median.
    writer: parking_lot::FairMutex<()>,
    /// How to reach `stint serve` on another device (set by the front end that has an HTTP
    /// client), so the `sync` tool and auto-sync of a database bound to a server reach it.
    hub_client: std::sync::OnceLock<sync_remote::HubClient>,
    /// `(bulk_rows, part_rows)` of imports (see [`Service::set_import_parts`]).
    import_parts: Mutex<(usize, usize)>,
    /// Wakes the auto-sync threads of this database after a write ([`Service::wrote`]).
    auto_sync: Mutex<Vec<std::sync::mpsc::Sender<auto_sync::Wake>>>,
}

/// The stint service over one database connection.
///
/// Cheap to clone; clones share the connection and clock, and may carry another [`Caller`].
#[derive(Debug, Clone)]
pub struct Service {
    inner: Arc<Inner>,
    caller: Arc<Caller>,
    /// The request id of the create call in progress (set by [`Service::once`] only).
    request: Option<Arc<changes::RequestSlot>>,
    /// Set by [`Service::creating_missing`]: projects and tags created on the fly by a start
    /// or a logged track that named missing ones.
    created: Option<Arc<Mutex<CreatedOnTheFly>>>,
}

/// What a use case sees inside its transaction.
pub(crate) struct Ctx<'a> {
    pub(crate) tx: &'a store::Tx<'a>,
    pub now: DateTime<Utc>,
    pub settings: Settings,
    /// The configured zone (setting `timezone`, else the system's).
    pub(crate) tz: Tz,
    caller: &'a Caller,
    operation: &'static str,
    /// Who the call acts for (the owner unless a token speaks for a person).
    pub(crate) acting: people::Acting,
    /// Where projects and tags created on the fly go (see [`Service::creating_missing`]);
    /// `None`: a missing project or tag is an error.
    pub(crate) created: Option<&'a Mutex<CreatedOnTheFly>>,
    /// Set by [`Service::write_in_parts`] only: the parts of a large import.
    parts: Option<&'a (dyn import_parts::PartRows + 'a)>,
}

impl Ctx<'_> {
    /// Whether this write makes tracks and expenses drafts (see [`drafts`]).
    pub(crate) fn drafts(&self) -> bool {
        self.caller.drafts
    }

    /// Records this write in the audit log.
    pub(crate) fn audit(&self, entity: &str, ids: &[i64], detail: Option<&str>) -> Result<()> {
        audit::record(
            self.tx,
            &audit::AuditEntry {
                at: self.now,
                frontend: self.caller.frontend.as_str(),
                token_name: self.caller.token_name.as_deref(),
                operation: self.operation,
                entity,
                entity_ids: ids,
                detail,
                person_id: self.acting.person.map(|p| p.0),
            },
        )?;
        Ok(())
    }
}

/// The system's time zone: `TZ` if it names an IANA zone, else the platform's setting, else UTC.
/// Looked up once per process.
pub(crate) fn system_time_zone() -> Tz {
    static ZONE: std::sync::OnceLock<Tz> = std::sync::OnceLock::new();
    *ZONE.get_or_init(|| {
        std::env::var("TZ")
            .ok()
            .and_then(|tz| tz.trim_start_matches(':').parse::<Tz>().ok())
            .or_else(|| iana_time_zone::get_timezone().ok()?.parse::<Tz>().ok())
            .unwrap_or(Tz::UTC)
    })
}

impl Service {
    /// Where the database lives when neither `--db` nor `STINT_DB` says: the platform's data
    /// folder (on Linux `~/.local/share/stint/stint.db`); `None` when there is none.
    pub fn default_path() -> Option<std::path::PathBuf> {
        store::default_path()
    }

    /// Opens the database at `path` (see [`store::open`]) with the system clock.
    pub fn open(path: &Path, caller: Caller) -> Result<Service> {
        Self::with_clock(path, caller, Arc::new(SystemClock))
    }

    /// Opens the database at `path` with the given clock.
    pub fn with_clock(path: &Path, caller: Caller, clock: Arc<dyn Clock>) -> Result<Service> {
        Self::with_pool(path, caller, clock, 1)
    }

    /// Opens `connections` connections to the database at `path` (at least 1), for front ends
    /// that serve several requests at once.
    pub fn with_pool(
        path: &Path,
        caller: Caller,
        clock: Arc<dyn Clock>,
        connections: usize,
    ) -> Result<Service> {
        let mut conns = vec![Mutex::new(store::open(path)?)];
        for _ in 1..connections.max(1) {
            conns.push(Mutex::new(store::open(path)?));
        }
        Ok(Service {
            inner: Arc::new(Inner {
                conns,
                next: std::sync::atomic::AtomicUsize::new(0),
                clock,
                db_path: std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf()),
                writer: parking_lot::FairMutex::new(()),
                hub_client: std::sync::OnceLock::new(),
                import_parts: Mutex::new(import_parts::DEFAULT_IMPORT_PARTS),
                auto_sync: Mutex::new(Vec::new()),
            }),
            caller: Arc::new(caller),
            request: None,
            created: None,
        })
    }

    /// The same service, acting for another caller.
    pub fn for_caller(&self, caller: Caller) -> Service {
        Service {
            inner: Arc::clone(&self.inner),
            caller: Arc::new(caller),
            request: None,
            created: None,
        }
    }

    /// The same service, but a start or a logged track (or a track edit) that names a missing
    /// project or tag (by a name, not an id) creates it with the defaults of `create_project`
    /// and `create_tag`, in the same transaction (one change, one undo), as Timewarrior and
    /// Watson do. [`Service::take_created`] says what was created.
    ///
    /// A missing name close to an existing one ([`stint_domain::names::near_name`]: a likely
    /// typo, "migraton" beside "Migration") is refused with [`ServiceError::NearName`] unless
    /// `anyway`.
    pub fn creating_missing_with(&self, anyway: bool) -> Service {
        Service {
            created: Some(Arc::new(Mutex::new(CreatedOnTheFly {
                anyway,
                ..CreatedOnTheFly::default()
            }))),
            ..self.clone()
        }
    }

    /// [`Service::creating_missing_with`] that refuses names close to existing ones.
    pub fn creating_missing(&self) -> Service {
        self.creating_missing_with(false)
    }

    /// What calls of a service made by [`Service::creating_missing`] created on the fly since
    /// the last look (empty for any other service). A call that failed created nothing, and
    /// what it had noted is dropped when the next call starts.
    pub fn take_created(&self) -> CreatedOnTheFly {
        self.created
            .as_ref()
            .map(|m| {
                let mut m = m.lock().unwrap_or_else(|e| e.into_inner());
                CreatedOnTheFly {
                    projects: std::mem::take(&mut m.projects),
                    tags: std::mem::take(&mut m.tags),
                    anyway: m.anyway,
                }
            })
            .unwrap_or_default()
    }

    /// Who this service acts for.
    pub(crate) fn caller(&self) -> &Caller {
        &self.caller
    }

    /// `c` as this caller may see it (contact details and notes redacted for non-sensitive
    /// tokens).
    pub(crate) fn shown_client(
        &self,
        mut c: stint_domain::entities::Client,
    ) -> stint_domain::entities::Client {
        if self.caller.redact_contacts {
            for f in [
                &mut c.email,
                &mut c.phone,
                &mut c.address,
                &mut c.tax_id,
                &mut c.notes,
            ] {
                if f.is_some() {
                    *f = Some(REDACTED.to_owned());
                }
            }
        }
        c
    }

    /// `inv` as this caller may see it (the client's contact details redacted for
    /// non-sensitive tokens).
    pub(crate) fn shown_invoice(
        &self,
        mut inv: stint_domain::entities::Invoice,
    ) -> stint_domain::entities::Invoice {
        if self.caller.redact_contacts {
            for f in [
                &mut inv.client_email,
                &mut inv.client_address,
                &mut inv.client_tax_id,
            ] {
                if f.is_some() {
                    *f = Some(REDACTED.to_owned());
                }
            }
        }
        inv
    }

    /// The current instant from the service's clock.
    pub fn now(&self) -> DateTime<Utc> {
        self.inner.clock.now()
    }

    fn conn(&self) -> MutexGuard<'_, store::Connection> {
        let conns = &self.inner.conns;
        for c in conns {
            if let Ok(guard) = c.try_lock() {
                return guard;
            }
        }
        let i = self
            .inner
            .next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % conns.len();
        conns[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    /// What a use case sees in transaction `tx`: the settings and the zone in force.
    fn ctx<'a>(
        &'a self,
        tx: &'a store::Tx<'a>,
        now: DateTime<Utc>,
        operation: &'static str,
    ) -> Result<Ctx<'a>> {
        // A damaged setting blocks every use case but the one that can repair it by setting it
        // again (it checks that the request does).
        let settings = if operation == "update_settings" {
            store::settings::load_lenient(tx)?.0
        } else {
            store::settings::load(tx)?
        };
        let tz = settings.timezone.unwrap_or_else(system_time_zone);
        if operation != "read"
            && let Some(created) = &self.created
        {
            let mut c = created.lock().unwrap_or_else(|e| e.into_inner());
            c.projects.clear();
            c.tags.clear();
        }
        let acting = people::Acting::of(tx, self.caller.token_name.as_deref())?;
        people::check_operation(acting, operation)?;
        Ok(Ctx {
            tx,
            now,
            settings,
            tz,
            acting,
            caller: &self.caller,
            operation,
            created: self.created.as_deref(),
            parts: None,
        })
    }

    /// Runs a write use case in one `BEGIN IMMEDIATE` transaction, recorded in the change log
    /// as one change named `operation` (see [`changes`]).
    pub(crate) fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Ctx<'_>) -> Result<T>,
    ) -> Result<T> {
        self.write_with(operation, f, |_| changes::LogExtra::default())
    }

    /// Runs a read use case in one snapshot.
    pub(crate) fn read<T>(&self, f: impl FnOnce(&Ctx<'_>) -> Result<T>) -> Result<T> {
        let now = self.now();
        let mut conn = self.conn();
        store::read(&mut conn, |tx| f(&self.ctx(tx, now, "read")?))
    }

    /// Moves the WAL into the database file (see [`store::checkpoint`]); best effort.
    pub(crate) fn checkpoint(&self) {
        if let Err(e) = store::checkpoint(&self.conn()) {
            tracing::debug!("checkpoint skipped: {e}");
        }
    }

    /// Schema version of the open database.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(store::schema_version(&self.conn())?)
    }
}

/// Encodes a keyset position as an opaque cursor.
pub(crate) fn encode_cursor(kind: &str, parts: &[String]) -> String {
    let raw = format!("{kind}\u{1f}{}", parts.join("\u{1f}"));
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(raw)
}

/// The error for a cursor this server did not issue for the list at hand.
pub(crate) fn bad_cursor(cursor: &str) -> ServiceError {
    ServiceError::Domain(DomainError::Invalid(msg![
        "the ",
        Arg::Cursor,
        " ",
        Name(cursor),
        " was not issued for this list; give the cursor the previous page ended with, \
         unchanged, or leave it out to start from the first page",
    ]))
}

/// Decodes a cursor made by [`encode_cursor`] for list `kind`.
pub(crate) fn decode_cursor(kind: &str, cursor: &str) -> Result<Vec<String>> {
    let bad = || bad_cursor(cursor);
    let raw = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(cursor.trim())
        .map_err(|_| bad())?;
    let raw = String::from_utf8(raw).map_err(|_| bad())?;
    let mut parts = raw.split('\u{1f}');
    if parts.next() != Some(kind) {
        return Err(bad());
    }
    Ok(parts.map(str::to_owned).collect())
}

/// Clamps a requested page size to `1..=MAX_PAGE`, defaulting to [`DEFAULT_PAGE`].
pub(crate) fn page_size(limit: Option<u32>) -> Result<usize> {
    match limit {
        None => Ok(DEFAULT_PAGE),
        Some(0) => Err(DomainError::Invalid(
            "limit must be at least 1; leave it out for pages of 50"
                .to_owned()
                .into(),
        )
        .into()),
        Some(n) => Ok((n as usize).min(MAX_PAGE)),
    }
}

/// Fetches one more row than the page size to know whether another page exists.
pub(crate) fn paginate<T>(
    mut rows: Vec<T>,
    size: usize,
    cursor_of: impl Fn(&T) -> String,
) -> Page<T> {
    let next_cursor = if rows.len() > size {
        rows.truncate(size);
        rows.last().map(cursor_of)
    } else {
        None
    };
    Page {
        items: rows,
        next_cursor,
    }
}

/// Trims an optional text field; empty means "none".
pub(crate) fn clean(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Maps a UNIQUE-constraint failure to a [`ServiceError::Conflict`] with `message`.
pub(crate) fn unique_violation(e: StoreError, message: impl FnOnce() -> Msg) -> ServiceError {
    if e.is_unique_violation() {
        ServiceError::Conflict(message())
    } else {
        ServiceError::Store(e)
    }
}
