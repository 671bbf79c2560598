//! Imports of tracks from other trackers and from stint's own files (`stint import FILE`).
//!
//! Formats ([`ImportFormat`]): stint's CSV, Toggl Track's detailed-report CSV, Clockify's
//! detailed-report CSV and Harvest's time-report CSV ([`csv_formats`]); Timewarrior's
//! `timew export` JSON and its data folder, Watson's `frames` file and `watson log --json`
//! ([`json_formats`]); and stint's portable copy of a whole database, `stint db export --json`
//! ([`portable`]). [`detect`] picks the format from the header row, the JSON shape or the file
//! name; a caller may force one.
//!
//! Every format is parsed into [`Entry`] values. The whole file is read and checked first: a bad
//! row stops the import with its line number and the reason, before anything is written. The
//! rows are then written in one transaction, creating missing clients, projects and tags: an
//! import that fails, or whose process is killed at any moment, keeps nothing. A dry run does
//! the same work in a transaction that is rolled back, so its counts are exactly what an import
//! would create, and it writes nothing.
//!
//! Each row is recognised by an import key (the start, then a hash of a stable identity: the
//! source's own id where the format has one, else the row's normalised values), so importing
//! the same file again adds nothing. Zero-length entries (Toggl and Clockify write them) and
//! running intervals are skipped and counted: stint keeps neither.
//!
//! Naive local times (Toggl, Clockify, Harvest, stint CSV without offsets) are read in the zone
//! the caller names, else the configured zone. Harvest has no times of day, only a date and
//! hours: its entries are laid end to end from 09:00 on their date, in file order.
//!
//! Rates: a project created by an import takes the rate of its first row that has one; a row
//! whose rate differs from its project's keeps it as the track's own rate.
//!
//! Text cells that a spreadsheet would read as a formula are exported with a leading `'`
//! (see `service::export`); in stint CSV a cell of the form `'` followed by `=`, `+`, `-`, `@`,
//! tab or carriage return is read back without that one `'`, so an export imports to the same
//! text.
//!
//! This folder is the one place in the service that uses serde JSON: reading other tools' JSON
//! exports is format code, like reading their CSV.

mod csv_formats;
mod json_formats;
mod people;
mod portable;

use std::collections::{HashMap, HashSet};
use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::sync::Arc;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use sha2::{Digest, Sha256};

use super::{Result, Service, ServiceError};
use stint_domain::DomainError;
use stint_domain::limits::{check_line, check_text};
use stint_domain::money::Currency;
use stint_domain::names::name_key;
use stint_domain::time::{local_to_utc, parse_instant, parse_time_zone};
use stint_domain::track::validate_span;
use stint_domain::{ClientId, ProjectId, TagId, TrackId};
use stint_store::clients::{self, ClientFields};
use stint_store::projects::{self, ProjectFields};
use stint_store::{tags, tracks};

pub use portable::{EXPORT_FORMAT, EXPORT_VERSION, PortableSummary};

/// Rows per audit-log entry and per progress report of an import (all rows are written in one
/// transaction).
pub const BATCH_ROWS: usize = 5_000;

/// Imports of more rows than this are recorded in the change log as one change without a
/// changeset (not undoable, not sent to other devices): their changeset would pass the
/// change log's size limit anyway (about 150 bytes a track against 16 MiB), and recording it
/// would hold a copy of every row in memory. Smaller imports are recorded, undoable and synced
/// like any write.
pub const BULK_IMPORT_ROWS: usize = 50_000;

/// Rows of the file shown by a dry run.
pub const PREVIEW_ROWS: usize = 5;

/// Bytes of the file's start that [`detect`] looks at.
const SNIFF_BYTES: usize = 64 * 1024;

/// SQLite page cache of an import, KiB: enough to keep the indexes that take rows in an order
/// other than time (the track length) in memory for a million tracks, so that batches do not
/// read and rewrite their pages again and again. Only the importing process uses it.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// A file format `stint import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportFormat {
    /// stint's CSV (`stint tracks --csv`, or any file with start and end columns).
    Stint,
    /// Toggl Track detailed report, CSV.
    Toggl,
    /// Clockify detailed report, CSV.
    Clockify,
    /// Harvest time report, CSV (a date and hours per entry).
    Harvest,
    /// Timewarrior: `timew export` JSON, a `YYYY-MM.data` file or the data folder.
    Timewarrior,
    /// Watson: the `frames` file or `watson log --json`.
    Watson,
    /// stint's portable copy of a database (`stint db export --json`).
    StintJson,
}

impl ImportFormat {
    /// Every format, in the order `--format` lists them.
    pub(crate) const ALL: [ImportFormat; 7] = [
        ImportFormat::Stint,
        ImportFormat::Toggl,
        ImportFormat::Clockify,
        ImportFormat::Harvest,
        ImportFormat::Timewarrior,
        ImportFormat::Watson,
        ImportFormat::StintJson,
    ];

    /// The name `--format` takes.
    pub fn as_str(self) -> &'static str {
        match self {
            ImportFormat::Stint => "stint",
            ImportFormat::Toggl => "toggl",
            ImportFormat::Clockify => "clockify",
            ImportFormat::Harvest => "harvest",
            ImportFormat::Timewarrior => "timewarrior",
            ImportFormat::Watson => "watson",
            ImportFormat::StintJson => "stint-json",
        }
    }

    /// A readable name.
    pub fn title(self) -> &'static str {
        match self {
            ImportFormat::Stint => "stint CSV",
            ImportFormat::Toggl => "Toggl Track CSV",
            ImportFormat::Clockify => "Clockify CSV",
            ImportFormat::Harvest => "Harvest CSV",
            ImportFormat::Timewarrior => "Timewarrior",
            ImportFormat::Watson => "Watson",
            ImportFormat::StintJson => "stint JSON export",
        }
    }

    /// Parses a `--format` value.
    ///
    /// # Errors
    /// [`ServiceError::Domain`] listing the formats.
    pub fn parse(input: &str) -> Result<ImportFormat> {
        let want = input.trim().to_ascii_lowercase();
        ImportFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == want || (want == "csv" && *f == ImportFormat::Stint))
            .ok_or_else(|| {
                invalid(format!(
                    "unknown import format {:?}; use one of {}",
                    stint_domain::limits::echo(input),
                    ImportFormat::ALL.map(|f| f.as_str()).join(", ")
                ))
            })
    }

    /// The operation name of the import in the audit and change logs.
    fn operation(self) -> &'static str {
        match self {
            ImportFormat::Stint => "import_csv",
            ImportFormat::Toggl => "import_toggl",
            ImportFormat::Clockify => "import_clockify",
            ImportFormat::Harvest => "import_harvest",
            ImportFormat::Timewarrior => "import_timewarrior",
            ImportFormat::Watson => "import_watson",
            ImportFormat::StintJson => "import_stint_json",
        }
    }
}

/// How to import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The format; `None` detects it (see [`detect`]).
    pub format: Option<ImportFormat>,
    /// IANA zone for naive local times in the file; `None`: the configured zone.
    pub timezone: Option<String>,
    /// Check everything and count what would be created, but write nothing.
    pub dry_run: bool,
    /// Import every good row and list the bad ones (`--skip-invalid`); without it, a bad row
    /// stops the import (all bad rows are counted and the first [`MAX_LISTED_ROWS`] named).
    /// Either way, what is imported is imported in one transaction.
    pub skip_invalid: bool,
}

/// Bad rows and duplicates named in an answer (all are counted).
pub const MAX_LISTED_ROWS: usize = 20;

/// Where a row of a file is: a line of a CSV or data file (the physical line, counting the
/// header; a record with line breaks in a quoted cell is at its first line), or an entry of a
/// JSON file by its own id (Watson frame id, Timewarrior `@N`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowPlace {
    /// A line of the file (`file`: the data file of a Timewarrior folder).
    Line { line: u64, file: Option<String> },
    /// An entry of a JSON file, e.g. `Watson frame 0a1b2c3d` or `Timewarrior interval @3`.
    Entry(String),
}

impl std::fmt::Display for RowPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RowPlace::Line { line, file: None } => write!(f, "line {line}"),
            RowPlace::Line {
                line,
                file: Some(name),
            } => write!(f, "line {line} of {name}"),
            RowPlace::Entry(e) => f.write_str(e),
        }
    }
}

/// A row the check refused: where it is and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedRow {
    pub place: RowPlace,
    pub reason: String,
}

/// The result of checking one row.
pub(crate) type RowResult<T> = std::result::Result<T, RejectedRow>;

impl From<RejectedRow> for ServiceError {
    fn from(r: RejectedRow) -> ServiceError {
        invalid(format!(
            "{}: {}; fix that row and import again (nothing was imported)",
            r.place, r.reason
        ))
    }
}

/// A row left out because an earlier row of the same file is the same entry (same start, end,
/// project and description, or the same source id): another tracker's export holding it twice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DuplicateRow {
    pub place: RowPlace,
    /// The row it repeats, which was kept.
    pub first: RowPlace,
}

/// What an import did (or, for a dry run, would do).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows (entries) in the file.
    pub rows: usize,
    /// Tracks written.
    pub imported: usize,
    /// Rows recognised from an earlier import and skipped.
    pub skipped: usize,
    pub created_projects: usize,
    pub created_clients: usize,
    pub created_tags: usize,
    /// Tasks created under their projects (0 in a dry run, which counts `tasks` only).
    pub created_tasks: usize,
    /// Distinct tasks (per project) named in the file.
    pub tasks: usize,
    /// Zero-length entries, skipped (stint keeps no zero-length tracks).
    pub empty: usize,
    /// Running intervals (no end), skipped.
    pub running: usize,
    /// Bad rows left out with `skip_invalid`.
    pub invalid: usize,
    /// The first [`MAX_LISTED_ROWS`] of them, with their reasons.
    pub invalid_rows: Vec<RejectedRow>,
    /// Rows left out as repeats of an earlier row of the file.
    pub duplicates: usize,
    /// The first [`MAX_LISTED_ROWS`] of them.
    pub duplicate_rows: Vec<DuplicateRow>,
    /// Dates whose entries (a format without times of day: Harvest) add up to more than the
    /// day: their entries overlap instead of spilling into the next date.
    pub crowded_dates: Vec<chrono::NaiveDate>,
    /// People created for the file's users (Toggl and Clockify `User`, Harvest `First Name`
    /// and `Last Name`), by name, in the order the file names them; a dry run lists those it
    /// would create. A user is matched to the owner (by the owner's name) or a person (by
    /// name, case-insensitive), else created as a member; in a database without people, a
    /// file of one user is the owner's own export and is read as the owner's.
    pub created_people: Vec<String>,
}

/// One row of the file as it would be imported, for a dry run's preview.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreviewRow {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub task: Option<String>,
    pub tags: Vec<String>,
    pub description: String,
    pub billable: Option<bool>,
    /// The row's hourly rate (major units), where the file has one.
    pub rate: Option<Decimal>,
    /// The user the file names for the row (a person's name), where it has a user column.
    pub user: Option<String>,
}

/// The answer of [`Service::import_path`] and [`Service::import_reader`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    /// The format read (detected or forced).
    pub format: ImportFormat,
    /// The zone naive local times were read in.
    pub timezone: String,
    /// True when nothing was written.
    pub dry_run: bool,
    pub summary: ImportSummary,
    /// The first [`PREVIEW_ROWS`] rows, as read.
    pub preview: Vec<PreviewRow>,
    /// For a stint JSON export: the rows restored per table.
    pub restored: Option<PortableSummary>,
}

/// Progress callbacks of an import: the total once the file is checked, then rows done.
pub trait ImportProgress {
    fn checked(&self, rows: usize);
    fn written(&self, rows: usize);
}

/// No progress reporting.
#[derive(Debug, Clone, Copy)]
pub struct NoProgress;

impl ImportProgress for NoProgress {
    fn checked(&self, _: usize) {}
    fn written(&self, _: usize) {}
}

fn invalid(message: String) -> ServiceError {
    ServiceError::Domain(DomainError::Invalid(message.into()))
}

fn bad(line: u64, reason: impl std::fmt::Display) -> ServiceError {
    invalid(format!(
        "line {line}: {reason}; fix that row and import again (nothing was imported)"
    ))
}

/// Parses a yes/no cell: true/yes/y/1, false/no/n/0, empty for none.
fn parse_bool(checker: &Checker, line: u64, s: &str) -> RowResult<Option<bool>> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" => Ok(Some(true)),
        "false" | "no" | "n" | "0" => Ok(Some(false)),
        other => Err(checker.bad(
            line,
            format!("billable {other:?} is not true/false/yes/no/1/0"),
        )),
    }
}

/// A time as a file gives it.
#[derive(Debug, Clone)]
pub(crate) enum When {
    /// An exact instant (Timewarrior, Watson).
    Instant(DateTime<Utc>),
    /// A wall-clock time in the import's zone.
    Local(NaiveDateTime),
    /// stint CSV text: RFC 3339, or a local date-time in the import's zone.
    Text(String),
}

/// What recognises a row when the same file is imported again.
#[derive(Debug, Clone)]
pub(crate) enum Identity {
    /// stint CSV: the hash of earlier builds (start, end, names, tags, description, billable).
    StintCsv,
    /// The row's normalised values (with the format's name).
    Content,
    /// The source's own stable id; `key_at` (Unix seconds) replaces the start at the front
    /// of the key where the start is not stable (Harvest's laid-out days).
    Source { id: String, key_at: Option<i64> },
}

/// One entry of a file, as a format parser reads it.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// The physical line (CSV, data files), or the entry's ordinal in a JSON file.
    pub(crate) line: u64,
    /// Where the entry is, for a JSON file: its own id (`Watson frame ID`); `None`: `line`.
    pub place: Option<String>,
    pub start: When,
    /// `None`: a running interval (skipped).
    pub end: Option<When>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub task: Option<String>,
    pub tags: Vec<String>,
    pub description: String,
    pub billable: Option<bool>,
    /// Hourly rate in major units.
    pub rate: Option<Decimal>,
    pub currency: Option<String>,
    /// The person the file names (Toggl's and Clockify's `User`, Harvest's first and last
    /// name); `None` or empty: the importing caller.
    pub user: Option<String>,
    pub(crate) identity: Identity,
}

impl Entry {
    pub(crate) fn new(line: u64, start: When, end: Option<When>, identity: Identity) -> Entry {
        Entry {
            line,
            place: None,
            start,
            end,
            project: None,
            client: None,
            task: None,
            tags: Vec::new(),
            description: String::new(),
            billable: None,
            rate: None,
            currency: None,
            user: None,
            identity,
        }
    }
}

/// One checked row, kept small: a file is checked whole before anything is written, so a
/// million rows are in memory at once. Names repeat across rows and are shared.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    project: Option<Arc<str>>,
    client: Option<Arc<str>>,
    task: Option<Arc<str>>,
    tags: Box<[Arc<str>]>,
    description: Box<str>,
    billable: Option<bool>,
    rate: Option<Decimal>,
    currency: Option<Currency>,
    /// The user the file names, as written (matched to people when written).
    user: Option<Arc<str>>,
    /// Unix seconds at the front of the key (the start, unless the identity says otherwise).
    key_at: i64,
    /// The row's hash; the stored key is [`Row::key`].
    hash: [u8; 16],
}

impl Row {
    /// The import key stored with the track: `key_at` as 16 hex digits, `-`, the hash in hex.
    /// The start in front keeps keys of a file in time order appending to their index instead
    /// of landing all over it (a million-row import went from 23 s to 12).
    fn key(&self) -> String {
        let mut key = format!("{:016x}-", self.key_at);
        for b in self.hash {
            let _ = write!(key, "{b:02x}");
        }
        key
    }

    fn preview(&self) -> PreviewRow {
        PreviewRow {
            start: self.start,
            end: self.end,
            project: self.project.as_deref().map(str::to_owned),
            client: self.client.as_deref().map(str::to_owned),
            task: self.task.as_deref().map(str::to_owned),
            tags: self.tags.iter().map(|t| t.to_string()).collect(),
            description: self.description.to_string(),
            billable: self.billable,
            rate: self.rate,
            user: self.user.as_deref().map(str::to_owned),
        }
    }
}

/// One shared copy of each distinct name in an import.
#[derive(Debug, Default)]
struct Names(HashSet<Arc<str>>);

impl Names {
    fn get(&mut self, name: &str) -> Arc<str> {
        if let Some(found) = self.0.get(name) {
            return Arc::clone(found);
        }
        let shared: Arc<str> = Arc::from(name);
        self.0.insert(Arc::clone(&shared));
        shared
    }
}

/// Where a row was first seen, and its user (the file's text, shared).
type FirstSeen = (RowPlace, Option<Arc<str>>);

/// The check phase: turns entries into rows, or stops at the first bad one.
#[derive(Debug)]
pub(crate) struct Checker {
    format: ImportFormat,
    tz: Tz,
    now: DateTime<Utc>,
    /// The file being read, for errors when a folder is imported.
    file: Option<String>,
    names: Names,
    rows: Vec<Row>,
    tasks: HashSet<(String, String)>,
    empty: usize,
    running: usize,
    /// Bad rows: how many, and the first [`MAX_LISTED_ROWS`].
    invalid: usize,
    invalid_rows: Vec<RejectedRow>,
    /// Each row's key (start or day, and hash), where it first was and its user, to find
    /// repeats.
    seen: HashMap<(i64, [u8; 16]), FirstSeen>,
    duplicates: usize,
    duplicate_rows: Vec<DuplicateRow>,
    crowded_dates: Vec<chrono::NaiveDate>,
}

impl Checker {
    fn new(format: ImportFormat, tz: Tz, now: DateTime<Utc>) -> Checker {
        Checker {
            format,
            tz,
            now,
            file: None,
            names: Names::default(),
            rows: Vec::new(),
            tasks: HashSet::new(),
            empty: 0,
            running: 0,
            invalid: 0,
            invalid_rows: Vec::new(),
            seen: HashMap::new(),
            duplicates: 0,
            duplicate_rows: Vec::new(),
            crowded_dates: Vec::new(),
        }
    }

    /// Where line `line` of the file being read is.
    fn line_place(&self, line: u64) -> RowPlace {
        RowPlace::Line {
            line,
            file: self.file.clone(),
        }
    }

    /// A refusal of the entry at `place` (a JSON entry by its id).
    pub(crate) fn bad_entry(&self, place: String, reason: impl std::fmt::Display) -> RejectedRow {
        RejectedRow {
            place: RowPlace::Entry(place),
            reason: reason.to_string(),
        }
    }

    /// Takes the outcome of checking one row: a refused row is counted (and the first
    /// [`MAX_LISTED_ROWS`] kept) and the file read on, so that every bad row is known.
    pub(crate) fn settle(&mut self, outcome: RowResult<()>) {
        if let Err(r) = outcome {
            self.invalid += 1;
            if self.invalid_rows.len() < MAX_LISTED_ROWS {
                self.invalid_rows.push(r);
            }
        }
    }

    /// Notes a date whose entries add up to more than the day (see
    /// [`ImportSummary::crowded_dates`]).
    pub(crate) fn crowded(&mut self, date: chrono::NaiveDate) {
        if !self.crowded_dates.contains(&date) {
            self.crowded_dates.push(date);
        }
    }

    /// After the whole file: without `skip_invalid`, bad rows stop the import with the first
    /// one's place and reason, how many there are, and where the others are.
    fn finish(&self, skip_invalid: bool) -> Result<()> {
        let Some(first) = self.invalid_rows.first() else {
            return Ok(());
        };
        if skip_invalid {
            return Ok(());
        }
        let good = self.rows.len();
        let mut message = format!("{}: {}", first.place, first.reason);
        if self.invalid > 1 {
            let others: Vec<String> = self.invalid_rows[1..]
                .iter()
                .map(|r| format!("{} ({})", r.place, r.reason))
                .collect();
            let more = self.invalid - self.invalid_rows.len();
            let _ = write!(
                message,
                "; {} rows are bad in all, also {}{}",
                self.invalid,
                others.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                }
            );
        }
        let _ = write!(
            message,
            "; fix {} and import again, or import the {good} good rows and leave the bad \
             ones out with --skip-invalid (nothing was imported)",
            if self.invalid > 1 { "them" } else { "that row" },
        );
        Err(invalid(message))
    }

    /// The zone naive local times are read in.
    pub(crate) fn tz(&self) -> Tz {
        self.tz
    }

    /// A refusal of the row at `line` of the file being read.
    pub(crate) fn bad(&self, line: u64, reason: impl std::fmt::Display) -> RejectedRow {
        RejectedRow {
            place: self.line_place(line),
            reason: reason.to_string(),
        }
    }

    fn instant(&self, place: &RowPlace, what: &str, when: &When) -> RowResult<DateTime<Utc>> {
        let refuse = |reason: String| RejectedRow {
            place: place.clone(),
            reason,
        };
        match when {
            When::Instant(t) => Ok(*t),
            When::Local(t) => local_to_utc(*t, self.tz).map_err(|e| refuse(e.to_string())),
            When::Text(s) => {
                parse_instant(s, self.tz, self.now).map_err(|e| refuse(format!("{what}: {e}")))
            }
        }
    }

    /// Checks `e` and keeps it as a row; a repeat of an earlier row is counted, not kept.
    ///
    /// Steps, in this order (the first refusal wins): the start and end instants (no end: a
    /// running interval, counted; end at start: empty, counted), the span, the text and money
    /// fields ([`Checker::checked_fields`]), the row's key ([`Checker::row_key`]), and the
    /// check for a repeat ([`Checker::first_sighting`]).
    pub(crate) fn push(&mut self, mut e: Entry) -> RowResult<()> {
        let line = e.line;
        let place = match e.place.take() {
            Some(p) => RowPlace::Entry(p),
            None => self.line_place(line),
        };
        let start = self.instant(&place, "start", &e.start)?;
        let Some(end) = &e.end else {
            self.running += 1;
            return Ok(());
        };
        let end = self.instant(&place, "end", end)?;
        if end == start {
            self.empty += 1;
            return Ok(());
        }
        validate_span(start, Some(end), self.now, self.tz).map_err(|err| refusal(&place, &err))?;
        let f = self.checked_fields(e, &place)?;
        let (key_at, hash) = self.row_key(&f, start, end);
        let user = f.user.map(|u| self.names.get(&u));
        let Some(hash) = self.first_sighting(place, key_at, hash, &user) else {
            return Ok(());
        };
        if let (Some(p), Some(t)) = (&f.project, &f.task) {
            self.tasks.insert((name_key(p), name_key(t)));
        }
        let row = Row {
            line,
            start,
            end,
            project: f.project.map(|p| self.names.get(&p)),
            client: f.client.map(|c| self.names.get(&c)),
            task: f.task.map(|t| self.names.get(&t)),
            tags: f.tags.iter().map(|t| self.names.get(t)).collect(),
            description: f.description.into_boxed_str(),
            billable: f.billable,
            rate: f.rate,
            currency: f.currency,
            user,
            key_at,
            hash,
        };
        self.rows.push(row);
        Ok(())
    }

    /// The text and money fields of `e` (at `place`), checked: empty values dropped, then the
    /// names, the tags, the description, the user, the rate and the currency, in this order.
    fn checked_fields(&self, e: Entry, place: &RowPlace) -> RowResult<Fields> {
        let bad = |reason: &dyn std::fmt::Display| refusal(place, reason);
        // Parsers trim their cells; values are kept as given (a stint CSV cell such as `'\tx`
        // reads back as `\tx`), and only empty ones dropped.
        let clean = |s: Option<String>| s.filter(|s| !s.trim().is_empty());
        let project = clean(e.project);
        let client = clean(e.client);
        let task = clean(e.task);
        if client.is_some() && project.is_none() && self.format == ImportFormat::Stint {
            return Err(bad(&"a client is given without a project; add the project"));
        }
        // Other trackers' clients belong to projects: without a project there is no client.
        let client = client.filter(|_| project.is_some());
        let task = task.filter(|_| project.is_some());
        for (what, value) in [("project", &project), ("client", &client), ("task", &task)] {
            if let Some(v) = value {
                check_line(what, v).map_err(|err| bad(&err))?;
            }
        }
        let tags = checked_tags(&e.tags, place)?;
        let description = e.description;
        check_text("description", &description).map_err(|err| bad(&err))?;
        let user = clean(e.user);
        if let Some(u) = &user {
            check_line("user", u).map_err(|err| bad(&err))?;
        }
        let rate = match e.rate.filter(|r| !r.is_zero()) {
            None => None,
            Some(r) => Some(
                stint_domain::money::parse_rate(&r.normalize().to_string())
                    .map_err(|err| bad(&err))?,
            ),
        };
        let currency = match e
            .currency
            .as_deref()
            .map(str::trim)
            .filter(|c| !c.is_empty())
        {
            None => None,
            Some(c) => Some(Currency::parse(c).map_err(|err| bad(&err))?),
        };
        Ok(Fields {
            project,
            client,
            task,
            tags,
            description,
            billable: e.billable,
            rate,
            currency,
            user,
            identity: e.identity,
        })
    }

    /// The key of a checked row, `(key_at, hash)`: `key_at` in seconds since the epoch (the
    /// start, or the source's own day for [`Identity::Source`]), the hash by the entry's
    /// [`Identity`] (a stint CSV row keeps the hash of earlier builds).
    fn row_key(&self, f: &Fields, start: DateTime<Utc>, end: DateTime<Utc>) -> (i64, [u8; 16]) {
        match &f.identity {
            Identity::StintCsv => (
                start.timestamp(),
                stint_row_hash(
                    start.timestamp(),
                    end.timestamp(),
                    f.project.as_deref().unwrap_or(""),
                    f.client.as_deref().unwrap_or(""),
                    &f.tags,
                    &f.description,
                    f.billable,
                ),
            ),
            Identity::Content => {
                let mut sorted: Vec<String> = f.tags.iter().map(|t| name_key(t)).collect();
                sorted.sort();
                let parts = [
                    self.format.as_str().to_owned(),
                    start.timestamp().to_string(),
                    end.timestamp().to_string(),
                    f.project.as_deref().map(name_key).unwrap_or_default(),
                    f.client.as_deref().map(name_key).unwrap_or_default(),
                    f.task.as_deref().map(name_key).unwrap_or_default(),
                    sorted.join("\u{1f}"),
                    f.description.clone(),
                    format!("{:?}", f.billable),
                    f.rate
                        .map(|r| r.normalize().to_string())
                        .unwrap_or_default(),
                ];
                (start.timestamp(), hash_parts(&parts))
            }
            Identity::Source { id, key_at } => (
                key_at.unwrap_or(start.timestamp()),
                hash_parts(&[self.format.as_str().to_owned(), id.clone()]),
            ),
        }
    }

    /// Records the row keyed `(key_at, hash)` at `place` and gives the hash it is kept under,
    /// or counts it as a repeat (the first [`MAX_LISTED_ROWS`] listed) and gives `None`.
    ///
    /// Another tracker's export holding one entry twice: keep the first. The same entry of
    /// two users (a meeting both logged) is two tracks: the later one's hash takes its user,
    /// so that the first keeps the key of earlier builds.
    fn first_sighting(
        &mut self,
        place: RowPlace,
        key_at: i64,
        hash: [u8; 16],
        user: &Option<Arc<str>>,
    ) -> Option<[u8; 16]> {
        let user_key = |u: &Option<Arc<str>>| u.as_deref().map(name_key).unwrap_or_default();
        let mut hash = hash;
        if let Some((_, first_user)) = self.seen.get(&(key_at, hash))
            && user_key(first_user) != user_key(user)
        {
            hash = hash_parts(&[hex(&hash), user_key(user)]);
        }
        match self.seen.entry((key_at, hash)) {
            std::collections::hash_map::Entry::Occupied(first) => {
                self.duplicates += 1;
                if self.duplicate_rows.len() < MAX_LISTED_ROWS {
                    self.duplicate_rows.push(DuplicateRow {
                        place,
                        first: first.get().0.clone(),
                    });
                }
                None
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((place, user.clone()));
                Some(hash)
            }
        }
    }

    /// Counts a running interval, which is not imported.
    pub(crate) fn running(&mut self) {
        self.running += 1;
    }

    /// What the check phase found, for the write phase: the format, the zone, the rows to
    /// write, and the summary of the file so far (rows read, tasks named, and the empty,
    /// running, bad and repeated rows, crowded dates); the write adds what it imports.
    fn into_findings(self) -> (ImportFormat, Tz, Vec<Row>, ImportSummary) {
        let Checker {
            format,
            tz,
            rows,
            tasks,
            empty,
            running,
            invalid,
            invalid_rows,
            duplicates,
            duplicate_rows,
            crowded_dates,
            ..
        } = self;
        let summary = ImportSummary {
            rows: rows.len() + empty + running + invalid + duplicates,
            tasks: tasks.len(),
            empty,
            running,
            invalid,
            invalid_rows,
            duplicates,
            duplicate_rows,
            crowded_dates,
            ..Default::default()
        };
        (format, tz, rows, summary)
    }
}

/// An entry's text and money fields once checked (see [`Checker::checked_fields`]): empty
/// values are `None`, a client or task without a project is dropped, a zero rate is `None`.
struct Fields {
    project: Option<String>,
    client: Option<String>,
    task: Option<String>,
    tags: Vec<String>,
    description: String,
    billable: Option<bool>,
    rate: Option<Decimal>,
    currency: Option<Currency>,
    user: Option<String>,
    identity: Identity,
}

/// A refusal of the row at `place`.
fn refusal(place: &RowPlace, reason: &dyn std::fmt::Display) -> RejectedRow {
    RejectedRow {
        place: place.clone(),
        reason: reason.to_string(),
    }
}

/// The tags of the row at `place`, blank ones left out: each one line, not only digits.
/// Repeated tags stay in the row (earlier builds hashed them so); the write keeps each tag
/// once.
fn checked_tags(tags: &[String], place: &RowPlace) -> RowResult<Vec<String>> {
    let mut checked: Vec<String> = Vec::with_capacity(tags.len());
    for t in tags {
        if t.trim().is_empty() {
            continue;
        }
        check_line("tag", t).map_err(|err| refusal(place, &err))?;
        if t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(refusal(
                place,
                &format!("tag {t:?} is only digits; tag names need a letter"),
            ));
        }
        checked.push(t.to_owned());
    }
    Ok(checked)
}

/// The client named `name` (names compared as [`name_key`]s, through `cache`): the first one
/// of that name, else a new one (counted in `summary`).
fn import_client(
    ctx: &super::Ctx<'_>,
    name: &str,
    cache: &mut HashMap<String, ClientId>,
    summary: &mut ImportSummary,
) -> Result<ClientId> {
    if let Some(id) = cache.get(&name_key(name)) {
        return Ok(*id);
    }
    let id = match clients::find_by_name(ctx.tx, name)?.first() {
        Some(found) => found.id,
        None => {
            summary.created_clients += 1;
            clients::insert(
                ctx.tx,
                &ClientFields {
                    name: name.to_string(),
                    ..Default::default()
                },
                ctx.now,
            )?
        }
    };
    cache.insert(name_key(name), id);
    Ok(id)
}

/// The hash of earlier builds' stint CSV rows (names and tags case-insensitive, tags in any
/// order): kept exactly, so files imported before are still recognised.
fn stint_row_hash(
    start: i64,
    end: i64,
    project: &str,
    client: &str,
    tags: &[String],
    description: &str,
    billable: Option<bool>,
) -> [u8; 16] {
    let mut sorted: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
    sorted.sort();
    hash_parts(&[
        start.to_string(),
        end.to_string(),
        project.to_lowercase(),
        client.to_lowercase(),
        sorted.join("\u{1f}"),
        description.to_owned(),
        format!("{billable:?}"),
    ])
}

/// `hash` in lower-case hex.
fn hex(hash: &[u8; 16]) -> String {
    let mut out = String::with_capacity(32);
    for b in hash {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// The first 16 bytes of the SHA-256 of `parts`, each followed by a NUL.
fn hash_parts(parts: &[String]) -> [u8; 16] {
    let mut h = Sha256::new();
    for part in parts {
        h.update(part.as_bytes());
        h.update([0u8]);
    }
    let mut hash = [0u8; 16];
    hash.copy_from_slice(&h.finalize()[..16]);
    hash
}

/// The form of `key` that earlier builds stored: the hash alone, without the start.
fn legacy_key(key: &str) -> &str {
    key.split_once('-').map_or(key, |(_, hash)| hash)
}

/// The format of a file from its first bytes (`head`) and its name, or `None` when nothing
/// fits.
///
/// JSON: an object with `"format": "stint-export"` is stint's copy; an array of arrays is
/// Watson's frames; an array of objects with `stop` is `watson log --json`, with `start` and
/// Timewarrior's compact stamps (`20240325T073000Z`) is `timew export`. A line starting with
/// `inc ` is a Timewarrior data file. CSV by header: `start date` with `duration (h)` or
/// `duration (decimal)` is Clockify, with `duration` Toggl; `date` with `hours` Harvest; a
/// `start` column stint. Failing all that, a file named `frames` is Watson's and `*.data` is
/// Timewarrior's.
pub fn detect(head: &[u8], file_name: Option<&str>) -> Option<ImportFormat> {
    let text = String::from_utf8_lossy(head);
    let text = text.trim_start_matches('\u{feff}').trim_start();
    if text.starts_with('{') {
        return text
            .contains(portable::EXPORT_FORMAT)
            .then_some(ImportFormat::StintJson);
    }
    if let Some(rest) = text.strip_prefix('[') {
        let rest = rest.trim_start();
        if rest.starts_with('[') {
            return Some(ImportFormat::Watson);
        }
        if rest.starts_with('{') {
            let first = rest.split('}').next().unwrap_or("");
            if first.contains("\"stop\"") {
                return Some(ImportFormat::Watson);
            }
            if first.contains("\"start\"") {
                return Some(ImportFormat::Timewarrior);
            }
            return None;
        }
        // An empty array.
        return Some(match file_name {
            Some("frames") => ImportFormat::Watson,
            _ => ImportFormat::Timewarrior,
        });
    }
    if text.starts_with("inc ") {
        return Some(ImportFormat::Timewarrior);
    }
    let header: Vec<String> = text
        .lines()
        .next()
        .unwrap_or("")
        .split([',', ';', '\t'])
        .map(|h| h.trim().trim_matches('"').trim().to_ascii_lowercase())
        .collect();
    let has = |name: &str| header.iter().any(|h| h == name);
    if has("start date") && (has("duration (h)") || has("duration (decimal)")) {
        return Some(ImportFormat::Clockify);
    }
    if has("start date") && has("duration") {
        return Some(ImportFormat::Toggl);
    }
    if has("date") && has("hours") {
        return Some(ImportFormat::Harvest);
    }
    if (has("start") || has("start_utc")) && (has("end") || has("end_utc")) {
        return Some(ImportFormat::Stint);
    }
    match file_name {
        Some("frames") => Some(ImportFormat::Watson),
        Some(n) if n.ends_with(".data") => Some(ImportFormat::Timewarrior),
        _ => None,
    }
}

/// A written project: id, whether its tracks are billable by default, and its own rate.
type ProjectHit = (ProjectId, bool, Option<Decimal>);

/// The error that rolls a dry run's transaction back once every row is done.
const DRY_RUN_ROLLBACK: &str = "dry run: rolled back";

impl Service {
    /// Imports stint CSV read from `input` (see the module docs), as `stint import` did
    /// before it read other formats. Times without an offset are in the configured zone.
    ///
    /// # Errors
    /// A missing `start` or `end` column; a bad row (line number and reason; nothing written);
    /// an ambiguous project name without a client column; store errors. Nothing is written
    /// when an error is returned.
    pub fn import_csv(
        &self,
        input: impl Read,
        progress: &dyn ImportProgress,
    ) -> Result<ImportSummary> {
        let report = self.import_reader(
            input,
            None,
            &ImportOptions {
                format: Some(ImportFormat::Stint),
                ..ImportOptions::default()
            },
            progress,
        )?;
        Ok(report.summary)
    }

    /// Imports the file or folder at `path` (a folder: Timewarrior's data folder, or its
    /// `data` folder inside).
    ///
    /// # Errors
    /// A file that cannot be read; a format that cannot be detected (name the format); a bad
    /// row (line and reason); see [`Service::import_reader`]. Nothing is written on error.
    pub fn import_path(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let cannot = |e: std::io::Error| {
            invalid(format!(
                "cannot read {} ({e}); check the path (nothing was imported)",
                path.display()
            ))
        };
        if path.is_dir() {
            if options
                .format
                .is_some_and(|f| f != ImportFormat::Timewarrior)
            {
                return Err(invalid(format!(
                    "{} is a folder; only a Timewarrior data folder can be imported as a \
                     folder: name a file",
                    path.display()
                )));
            }
            return self.import_timewarrior_folder(path, options, progress);
        }
        let file = std::fs::File::open(path).map_err(cannot)?;
        let name = path.file_name().and_then(|n| n.to_str());
        self.import_reader(file, name, options, progress)
    }

    /// Imports from `input`; `file_name` helps detection (`frames`, `*.data`).
    ///
    /// # Errors
    /// [`ServiceError::Domain`] for an unknown format (saying how to force one), a bad zone,
    /// or a bad row (line and reason); store errors. Nothing is written on error or on a dry
    /// run.
    pub fn import_reader(
        &self,
        input: impl Read,
        file_name: Option<&str>,
        options: &ImportOptions,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let mut reader = BufReader::with_capacity(SNIFF_BYTES, input);
        let format = match options.format {
            Some(f) => f,
            None => {
                let head = reader
                    .fill_buf()
                    .map_err(|e| invalid(format!("cannot read the file ({e})")))?;
                detect(head, file_name).ok_or_else(|| {
                    invalid(format!(
                        "cannot tell which tracker wrote this file; name it with --format ({})",
                        ImportFormat::ALL.map(|f| f.as_str()).join(", ")
                    ))
                })?
            }
        };
        if format == ImportFormat::StintJson {
            return self.import_portable(reader, options, progress);
        }
        let mut checker = self.checker(format, options)?;
        match format {
            ImportFormat::Stint => csv_formats::read_stint(reader, &mut checker)?,
            ImportFormat::Toggl => csv_formats::read_toggl(reader, &mut checker)?,
            ImportFormat::Clockify => csv_formats::read_clockify(reader, &mut checker)?,
            ImportFormat::Harvest => csv_formats::read_harvest(reader, &mut checker)?,
            ImportFormat::Timewarrior => json_formats::read_timewarrior(reader, &mut checker)?,
            ImportFormat::Watson => json_formats::read_watson(reader, &mut checker)?,
            ImportFormat::StintJson => unreachable!("handled above"),
        }
        checker.finish(options.skip_invalid)?;
        self.write_rows(checker, options.dry_run, progress)
    }

    fn checker(&self, format: ImportFormat, options: &ImportOptions) -> Result<Checker> {
        let tz = match &options.timezone {
            Some(z) => parse_time_zone(z)?,
            None => self.get_settings()?.effective_timezone,
        };
        Ok(Checker::new(format, tz, self.now()))
    }

    fn import_timewarrior_folder(
        &self,
        path: &Path,
        options: &ImportOptions,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let data = if path.join("data").is_dir() {
            path.join("data")
        } else {
            path.to_owned()
        };
        let cannot = |e: std::io::Error| {
            invalid(format!(
                "cannot read {} ({e}); check the path (nothing was imported)",
                data.display()
            ))
        };
        let mut files: Vec<_> = std::fs::read_dir(&data)
            .map_err(cannot)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(json_formats::is_timewarrior_month_file)
            })
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(invalid(format!(
                "{} holds no Timewarrior data files (YYYY-MM.data); name the folder \
                 ~/.timewarrior/data or a file (nothing was imported)",
                data.display()
            )));
        }
        let mut checker = self.checker(ImportFormat::Timewarrior, options)?;
        for f in files {
            checker.file = f.file_name().and_then(|n| n.to_str()).map(str::to_owned);
            let file = std::fs::File::open(&f).map_err(cannot)?;
            json_formats::read_timewarrior_data(BufReader::new(file), &mut checker)?;
        }
        checker.file = None;
        checker.finish(options.skip_invalid)?;
        self.write_rows(checker, options.dry_run, progress)
    }

    /// The write phase: all checked rows in one transaction (rolled back for a dry run), in
    /// steps: count what the checks found, write the rows batch by batch
    /// ([`Service::write_batch`]; on a database that syncs, a large file in parts of its own
    /// transaction and change each, see `import_parts`), then report.
    fn write_rows(
        &self,
        checker: Checker,
        dry_run: bool,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let (format, tz, rows, mut summary) = checker.into_findings();
        progress.checked(rows.len());
        tracing::debug!("import: {} rows checked, writing them", rows.len());
        let preview = rows.iter().take(PREVIEW_ROWS).map(Row::preview).collect();
        let tz_name = tz.name().to_owned();
        let row_count = rows.len();
        let mut caches = ImportCaches::default();
        let mut finished = false;
        // One transaction for the whole file: a failure, or the process being killed at any
        // moment, leaves nothing of it; SQLite spills pages beyond the cache to the WAL, so
        // memory stays bounded. The audit log gets one row per BATCH_ROWS rows.
        let body = |ctx: &super::Ctx<'_>| {
            stint_store::set_cache_kib(ctx.tx, IMPORT_CACHE_KIB)?;
            caches.people = self.import_people(ctx, &rows, &mut summary)?;
            for batch in rows.chunks(BATCH_ROWS) {
                self.write_batch(ctx, batch, format, &tz_name, &mut caches, &mut summary)?;
                progress.written(summary.imported + summary.skipped);
            }
            finished = true;
            if dry_run {
                // Roll the transaction back: the counts are what an import would do.
                return Err(ServiceError::Conflict(DRY_RUN_ROLLBACK.to_owned().into()));
            }
            Ok(())
        };
        // A large file's changeset would be too large to keep in the change log anyway: write
        // it without recording one (ARCHITECTURE.md, "stint-store": `store::write_unrecorded`),
        // or, on a database that syncs, in parts that are each a change (`import_parts`).
        let (bulk_rows, part_rows) = self.import_parts();
        let outcome = if row_count <= bulk_rows {
            self.write(format.operation(), body)
        } else if !dry_run && self.sync_status()?.device_no.is_some() {
            self.write_in_parts(format.operation(), part_rows, body)
        } else {
            self.write_bulk(format.operation(), body, |()| {
                format!("imported {row_count} rows ({})", format.title())
            })
        };
        match outcome {
            Ok(()) => self.checkpoint(),
            Err(ServiceError::Conflict(m))
                if dry_run && finished && m == DRY_RUN_ROLLBACK.into() => {}
            Err(e) => return Err(e),
        }
        Ok(ImportReport {
            format,
            timezone: tz_name,
            dry_run,
            summary,
            preview,
            restored: None,
        })
    }

    /// Writes one batch of rows ([`Service::write_row`]) and one audit row naming its tracks
    /// and first line; counts them as imported.
    fn write_batch(
        &self,
        ctx: &super::Ctx<'_>,
        batch: &[Row],
        format: ImportFormat,
        tz_name: &str,
        caches: &mut ImportCaches,
        summary: &mut ImportSummary,
    ) -> Result<()> {
        let mut ids = Vec::with_capacity(batch.len());
        for row in batch {
            if let Some(id) = self.write_row(ctx, row, tz_name, caches, summary)? {
                ids.push(id.0);
                ctx.part_row()?;
            }
        }
        let first_line = batch.first().map_or(0, |r| r.line);
        ctx.audit(
            "track",
            &ids,
            Some(&format!(
                "imported {} rows from line {first_line} ({})",
                ids.len(),
                format.title()
            )),
        )?;
        summary.imported += ids.len();
        Ok(())
    }

    /// Writes one row as a track with its project (and client), tags and task, found or
    /// created through `caches`; a row whose import key is already stored is skipped
    /// (`None`, counted in `summary.skipped`). The track's own rate is kept only where it
    /// differs from its project's.
    fn write_row(
        &self,
        ctx: &super::Ctx<'_>,
        row: &Row,
        tz_name: &str,
        caches: &mut ImportCaches,
        summary: &mut ImportSummary,
    ) -> Result<Option<TrackId>> {
        let key = row.key();
        if tracks::has_import_key(ctx.tx, &key, legacy_key(&key))? {
            summary.skipped += 1;
            return Ok(None);
        }
        let (project_id, default_billable, project_rate) = match &row.project {
            None => (None, false, None),
            Some(p) => {
                let hit = self.cached_project(ctx, row, p, caches, summary)?;
                (Some(hit.0), hit.1, hit.2)
            }
        };
        let tag_ids = import_tags(ctx, &row.tags, &mut caches.tags, summary)?;
        let task_id = import_task(
            ctx,
            project_id,
            row.task.as_deref(),
            &mut caches.tasks,
            summary,
        )?;
        let id = tracks::insert_imported(
            ctx.tx,
            &tracks::TrackFields {
                start: row.start,
                end: Some(row.end),
                timezone: tz_name.to_owned(),
                description: row.description.to_string(),
                project_id,
                billable: row.billable.unwrap_or(default_billable),
                hourly_rate: row.rate.filter(|r| Some(*r) != project_rate),
                task_id,
                draft: false,
                draft_of: None,
                person_id: match &row.user {
                    Some(u) => caches
                        .people
                        .get(&name_key(u))
                        .copied()
                        .unwrap_or(ctx.acting.person),
                    None => ctx.acting.person,
                },
            },
            &key,
            &tag_ids,
            ctx.now,
        )?;
        Ok(Some(id))
    }

    /// The project `name` of `row` (with its client), from the cache or found or created by
    /// [`Service::import_project`].
    fn cached_project(
        &self,
        ctx: &super::Ctx<'_>,
        row: &Row,
        name: &str,
        caches: &mut ImportCaches,
        summary: &mut ImportSummary,
    ) -> Result<ProjectHit> {
        let cache_key = (
            name_key(name),
            name_key(row.client.as_deref().unwrap_or_default()),
        );
        if let Some(hit) = caches.projects.get(&cache_key) {
            return Ok(*hit);
        }
        let found = self.import_project(ctx, row, name, &mut caches.clients, summary)?;
        caches.projects.insert(cache_key, found);
        Ok(found)
    }

    /// The project `name` of `row` (within the row's client, found or created first): the one
    /// of that name, else a new one with the row's rate and currency, billable by default.
    ///
    /// # Errors
    /// Several projects of that name and no client to tell them apart (a refusal of the row).
    fn import_project(
        &self,
        ctx: &super::Ctx<'_>,
        row: &Row,
        name: &str,
        client_cache: &mut HashMap<String, ClientId>,
        summary: &mut ImportSummary,
    ) -> Result<ProjectHit> {
        let client_id = match &row.client {
            None => None,
            Some(c) => Some(import_client(ctx, c, client_cache, summary)?),
        };
        let candidates = projects::find_by_name(ctx.tx, name)?;
        let matching: Vec<_> = match client_id {
            Some(cid) => candidates
                .iter()
                .filter(|p| p.client_id == Some(cid))
                .collect(),
            None => candidates.iter().collect(),
        };
        match matching.as_slice() {
            [p] => Ok((p.id, p.billable_by_default, p.hourly_rate)),
            [] => {
                summary.created_projects += 1;
                let id = projects::insert(
                    ctx.tx,
                    &ProjectFields {
                        name: name.to_owned(),
                        client_id,
                        color: None,
                        hourly_rate: row.rate,
                        currency: row.currency,
                        billable_by_default: true,
                        budget: stint_domain::entities::Budget {
                            seconds: None,
                            amount: None,
                            period: stint_domain::entities::BudgetPeriod::Total,
                            alert_percent: 80,
                        },
                        archived: false,
                    },
                    ctx.now,
                )?;
                Ok((id, true, row.rate))
            }
            several => Err(bad(
                row.line,
                format!(
                    "{} projects are named {name:?} ({}); add a client column to say which",
                    several.len(),
                    several
                        .iter()
                        .map(|p| p.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        }
    }
}

/// The names an import has already resolved to ids, by [`name_key`]: one lookup per name per
/// file, not per row.
#[derive(Default)]
struct ImportCaches {
    /// By (project name, client name).
    projects: HashMap<(String, String), ProjectHit>,
    clients: HashMap<String, ClientId>,
    tags: HashMap<String, TagId>,
    tasks: HashMap<(ProjectId, String), stint_domain::TaskId>,
    /// The person of each user of the file, by [`name_key`] (`None`: the owner).
    people: HashMap<String, Option<stint_domain::PersonId>>,
}

/// The ids of a row's tags, each found by name or created (counted in
/// `summary.created_tags`); a tag named twice is attached once.
fn import_tags(
    ctx: &super::Ctx<'_>,
    names: &[Arc<str>],
    cache: &mut HashMap<String, TagId>,
    summary: &mut ImportSummary,
) -> Result<Vec<TagId>> {
    let mut tag_ids = Vec::with_capacity(names.len());
    for t in names {
        let lower = name_key(t);
        let id = match cache.get(&lower) {
            Some(id) => *id,
            None => {
                let id = match tags::find_by_name(ctx.tx, t)?.first() {
                    Some(tag) => tag.id,
                    None => {
                        summary.created_tags += 1;
                        tags::insert(ctx.tx, t, ctx.now)?
                    }
                };
                cache.insert(lower, id);
                id
            }
        };
        if !tag_ids.contains(&id) {
            tag_ids.push(id);
        }
    }
    Ok(tag_ids)
}

/// The task of an imported track: `task` under `project`, found by its folded name or
/// created (open, no estimate or rate of its own) and counted in `summary.created_tasks`.
/// A task without a project is dropped, as the parsers already do.
fn import_task(
    ctx: &super::Ctx<'_>,
    project: Option<ProjectId>,
    task: Option<&str>,
    cache: &mut HashMap<(ProjectId, String), stint_domain::TaskId>,
    summary: &mut ImportSummary,
) -> Result<Option<stint_domain::TaskId>> {
    let (Some(project), Some(task)) = (project, task.map(str::trim).filter(|t| !t.is_empty()))
    else {
        return Ok(None);
    };
    let key = (project, name_key(task));
    if let Some(id) = cache.get(&key) {
        return Ok(Some(*id));
    }
    let id = match stint_store::tasks::find_by_name(ctx.tx, Some(project), task, ctx.now)?.first() {
        Some(found) => found.id,
        None => {
            summary.created_tasks += 1;
            stint_store::tasks::insert(
                ctx.tx,
                project,
                &stint_store::tasks::TaskFields {
                    name: task.to_owned(),
                    estimate_seconds: None,
                    status: stint_domain::entities::TaskStatus::Open,
                    billable_by_default: None,
                    hourly_rate: None,
                    archived: false,
                    due_date: None,
                    priority: stint_domain::entities::TaskPriority::Normal,
                    milestone_id: None,
                },
                ctx.now,
            )?
        }
    };
    cache.insert(key, id);
    Ok(Some(id))
}
