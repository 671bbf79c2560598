//! Bulk import of tracks from CSV (`stint import csv FILE`).
//!
//! Columns are found by header name, case-insensitive, in any order:
//! `start` (or `start_utc`), `end` (or `end_utc`), and optionally `project`, `client`, `tags` (or
//! `tag`; several separated by `;`), `description` (or `note`), `billable`. Other columns (such
//! as `id`) are ignored. Times are RFC 3339 or local date-times in the configured zone.
//!
//! The whole file is read and checked first: a bad row stops the import with its line number
//! and the reason, before anything is written. Rows are then written in one transaction,
//! creating missing clients, projects and tags: an import that fails, or whose process is
//! killed at any moment, keeps nothing. Each row is recognised by a hash of its values, so
//! importing the same file again adds nothing.
//!
//! Text cells that a spreadsheet would read as a formula are exported with a leading `'`
//! (see `service::export`); a cell of the form `'` followed by `=`, `+`, `-`, `@`, tab or
//! carriage return is read back without that one `'`, so an export imports to the same text.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::Read;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};

use super::export::csv_text_back;
use super::{Result, Service, ServiceError};
use crate::domain::DomainError;
use crate::domain::names::name_key;
use crate::domain::time::parse_instant;
use crate::domain::track::validate_span;
use crate::domain::{ClientId, ProjectId, TagId};
use crate::store::clients::{self, ClientFields};
use crate::store::projects::{self, ProjectFields};
use crate::store::{tags, tracks};

/// Rows per audit-log entry and per progress report of an import (all rows are written in one
/// transaction).
pub const BATCH_ROWS: usize = 5_000;

/// SQLite page cache of an import, KiB: enough to keep the indexes that take rows in an order
/// other than time (the track length) in memory for a million tracks, so that batches do not
/// read and rewrite their pages again and again. Only the importing process uses it.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// One parsed row of an import file, kept small: a file is checked whole before anything is
/// written, so a million rows are in memory at once. Names repeat across rows and are shared.
#[derive(Debug, Clone)]
struct Row {
    line: u64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    project: Option<Arc<str>>,
    client: Option<Arc<str>>,
    tags: Box<[Arc<str>]>,
    description: Box<str>,
    billable: Option<bool>,
    /// The row's hash (see [`row_hash`]); the stored key is [`Row::key`].
    hash: [u8; 16],
}

impl Row {
    /// The import key stored with the track: the start as 16 hex digits, `-`, the hash in hex.
    /// The start in front keeps keys of a file in time order appending to their index instead
    /// of landing all over it (a million-row import went from 23 s to 12).
    fn key(&self) -> String {
        let mut key = format!("{:016x}-", self.start.timestamp());
        for b in self.hash {
            let _ = write!(key, "{b:02x}");
        }
        key
    }
}

/// One shared copy of each distinct name in an import.
#[derive(Debug, Default)]
struct Names(std::collections::HashSet<Arc<str>>);

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

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportSummary {
    /// Data rows in the file.
    pub rows: usize,
    /// Tracks written.
    pub imported: usize,
    /// Rows recognised from an earlier import and skipped.
    pub skipped: usize,
    pub created_projects: usize,
    pub created_clients: usize,
    pub created_tags: usize,
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

fn bad(line: u64, reason: impl std::fmt::Display) -> ServiceError {
    ServiceError::Domain(DomainError::Invalid(format!(
        "line {line}: {reason}; fix that row and import again (nothing was imported)"
    )))
}

fn parse_bool(line: u64, s: &str) -> Result<Option<bool>> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" => Ok(None),
        "true" | "yes" | "y" | "1" => Ok(Some(true)),
        "false" | "no" | "n" | "0" => Ok(Some(false)),
        other => Err(bad(
            line,
            format!("billable {other:?} is not true/false/yes/no/1/0"),
        )),
    }
}

/// A hash of a row's normalised values (names and tags case-insensitive, tags in any order):
/// what recognises the row when the same file is imported again.
fn row_hash(
    start: i64,
    end: i64,
    project: &str,
    client: &str,
    tags: &[String],
    description: &str,
    billable: Option<bool>,
) -> [u8; 16] {
    let mut h = Sha256::new();
    let mut sorted: Vec<String> = tags.iter().map(|t| t.to_lowercase()).collect();
    sorted.sort();
    for part in [
        start.to_string(),
        end.to_string(),
        project.to_lowercase(),
        client.to_lowercase(),
        sorted.join("\u{1f}"),
        description.to_owned(),
        format!("{billable:?}"),
    ] {
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

impl Service {
    /// Imports tracks from CSV read from `input` (see the module docs for the columns).
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
        let settings = self.get_settings()?;
        let tz = settings.effective_timezone;
        let now = self.now();
        let mut reader = csv::ReaderBuilder::new()
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(input);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| bad(1, format!("cannot read the header row ({e})")))?
            .iter()
            .map(|h| h.trim_start_matches('\u{feff}').to_ascii_lowercase())
            .collect();
        let col = |names: &[&str]| headers.iter().position(|h| names.contains(&h.as_str()));
        let (Some(c_start), Some(c_end)) = (col(&["start", "start_utc"]), col(&["end", "end_utc"]))
        else {
            return Err(bad(
                1,
                format!(
                    "the header row must name a start and an end column (found: {}); expected \
                     start,end,project,client,tags,description,billable",
                    headers.join(",")
                ),
            ));
        };
        let c_project = col(&["project"]);
        let c_client = col(&["client"]);
        let c_tags = col(&["tags", "tag"]);
        let c_desc = col(&["description", "note", "notes"]);
        let c_billable = col(&["billable"]);

        let mut rows = Vec::new();
        let mut names = Names::default();
        for (i, record) in reader.records().enumerate() {
            let line = i as u64 + 2;
            let record = record.map_err(|e| bad(line, format!("cannot read the row ({e})")))?;
            let get = |c: Option<usize>| {
                c.and_then(|c| record.get(c))
                    .unwrap_or("")
                    .trim()
                    .to_owned()
            };
            // A text cell as exported by stint (a formula-like text behind one `'`).
            let get_text = |c: Option<usize>| {
                csv_text_back(c.and_then(|c| record.get(c)).unwrap_or("").trim()).to_owned()
            };
            let start_text = get(Some(c_start));
            let end_text = get(Some(c_end));
            let start = parse_instant(&start_text, tz, now)
                .map_err(|e| bad(line, format!("start: {e}")))?;
            let end =
                parse_instant(&end_text, tz, now).map_err(|e| bad(line, format!("end: {e}")))?;
            validate_span(start, Some(end), now, tz).map_err(|e| bad(line, e))?;
            let project = Some(get_text(c_project)).filter(|s| !s.is_empty());
            let client = Some(get_text(c_client)).filter(|s| !s.is_empty());
            if client.is_some() && project.is_none() {
                return Err(bad(
                    line,
                    "a client is given without a project; add the project",
                ));
            }
            let tags: Vec<String> = get_text(c_tags)
                .split([';', ','])
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            if let Some(t) = tags.iter().find(|t| t.bytes().all(|b| b.is_ascii_digit())) {
                return Err(bad(
                    line,
                    format!("tag {t:?} is only digits; tag names need a letter"),
                ));
            }
            let description = get_text(c_desc);
            let billable = parse_bool(line, &get(c_billable))?;
            let hash = row_hash(
                start.timestamp(),
                end.timestamp(),
                project.as_deref().unwrap_or(""),
                client.as_deref().unwrap_or(""),
                &tags,
                &description,
                billable,
            );
            rows.push(Row {
                line,
                start,
                end,
                project: project.map(|p| names.get(&p)),
                client: client.map(|c| names.get(&c)),
                tags: tags.iter().map(|t| names.get(t)).collect(),
                description: description.into_boxed_str(),
                billable,
                hash,
            });
        }
        progress.checked(rows.len());
        tracing::debug!("import: {} rows checked, writing them", rows.len());

        let mut summary = ImportSummary {
            rows: rows.len(),
            ..Default::default()
        };
        let mut project_cache: HashMap<(String, String), (ProjectId, bool)> = HashMap::new();
        let mut client_cache: HashMap<String, ClientId> = HashMap::new();
        let mut tag_cache: HashMap<String, TagId> = HashMap::new();
        let tz_name = tz.name().to_owned();
        // One transaction for the whole file: a failure, or the process being killed at any
        // moment, leaves nothing of it; SQLite spills pages beyond the cache to the WAL, so
        // memory stays bounded. The audit log gets one row per BATCH_ROWS rows.
        self.write("import_csv", |ctx| {
            crate::store::set_cache_kib(ctx.tx, IMPORT_CACHE_KIB)?;
            for batch in rows.chunks(BATCH_ROWS) {
                let mut ids = Vec::with_capacity(batch.len());
                for row in batch {
                    let key = row.key();
                    if tracks::has_import_key(ctx.tx, &key, legacy_key(&key))? {
                        summary.skipped += 1;
                        continue;
                    }
                    let (project_id, default_billable) = match &row.project {
                        None => (None, false),
                        Some(p) => {
                            let cache_key = (
                                name_key(p),
                                name_key(row.client.as_deref().unwrap_or_default()),
                            );
                            if let Some(hit) = project_cache.get(&cache_key) {
                                (Some(hit.0), hit.1)
                            } else {
                                let found = self.import_project(
                                    ctx,
                                    row,
                                    p,
                                    &mut client_cache,
                                    &mut summary,
                                )?;
                                project_cache.insert(cache_key, found);
                                (Some(found.0), found.1)
                            }
                        }
                    };
                    let mut tag_ids = Vec::with_capacity(row.tags.len());
                    for t in &row.tags {
                        let lower = name_key(t);
                        let id = match tag_cache.get(&lower) {
                            Some(id) => *id,
                            None => {
                                let id = match tags::find_by_name(ctx.tx, t)?.first() {
                                    Some(tag) => tag.id,
                                    None => {
                                        summary.created_tags += 1;
                                        tags::insert(ctx.tx, t, ctx.now)?
                                    }
                                };
                                tag_cache.insert(lower, id);
                                id
                            }
                        };
                        if !tag_ids.contains(&id) {
                            tag_ids.push(id);
                        }
                    }
                    let id = tracks::insert_imported(
                        ctx.tx,
                        &tracks::TrackFields {
                            start: row.start,
                            end: Some(row.end),
                            timezone: tz_name.clone(),
                            description: row.description.to_string(),
                            project_id,
                            billable: row.billable.unwrap_or(default_billable),
                            hourly_rate: None,
                            task_id: None,
                        },
                        &key,
                        &tag_ids,
                        ctx.now,
                    )?;
                    ids.push(id.0);
                }
                let first_line = batch.first().map_or(0, |r| r.line);
                ctx.audit(
                    "track",
                    &ids,
                    Some(&format!(
                        "imported {} rows from line {first_line}",
                        ids.len()
                    )),
                )?;
                summary.imported += ids.len();
                progress.written(summary.imported + summary.skipped);
            }
            Ok(())
        })?;
        self.checkpoint();
        Ok(summary)
    }

    fn import_project(
        &self,
        ctx: &super::Ctx<'_>,
        row: &Row,
        name: &str,
        client_cache: &mut HashMap<String, ClientId>,
        summary: &mut ImportSummary,
    ) -> Result<(ProjectId, bool)> {
        let client_id = match &row.client {
            None => None,
            Some(c) => Some(match client_cache.get(&name_key(c)) {
                Some(id) => *id,
                None => {
                    let id = match clients::find_by_name(ctx.tx, c)?.first() {
                        Some(found) => found.id,
                        None => {
                            summary.created_clients += 1;
                            clients::insert(
                                ctx.tx,
                                &ClientFields {
                                    name: c.to_string(),
                                    ..Default::default()
                                },
                                ctx.now,
                            )?
                        }
                    };
                    client_cache.insert(name_key(c), id);
                    id
                }
            }),
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
            [p] => Ok((p.id, p.billable_by_default)),
            [] => {
                summary.created_projects += 1;
                let id = projects::insert(
                    ctx.tx,
                    &ProjectFields {
                        name: name.to_owned(),
                        client_id,
                        color: None,
                        hourly_rate: None,
                        currency: None,
                        billable_by_default: true,
                        budget: crate::domain::entities::Budget {
                            seconds: None,
                            amount: None,
                            period: crate::domain::entities::BudgetPeriod::Total,
                            alert_percent: 80,
                        },
                        archived: false,
                    },
                    ctx.now,
                )?;
                Ok((id, true))
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
