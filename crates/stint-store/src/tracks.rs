//! Rows of `tracks` (a running timer is a track with `end_at IS NULL`) and their tags.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;

use super::{Cols, Result, to_ts};
use stint_domain::entities::Track;
use stint_domain::{ClientId, InvoiceId, PersonId, ProjectId, TagId, TaskId, TrackId};

/// Every writable column of a track (tags are set with [`set_tags`]).
#[derive(Debug, Clone, PartialEq)]
pub struct TrackFields {
    pub start: DateTime<Utc>,
    pub end: Option<DateTime<Utc>>,
    /// IANA zone name the track was recorded in.
    pub timezone: String,
    pub description: String,
    pub project_id: Option<ProjectId>,
    pub billable: bool,
    pub hourly_rate: Option<Decimal>,
    /// A task of `project_id` (the service checks that it is).
    pub task_id: Option<TaskId>,
    /// A draft, and the approved track it would change (see `migrations/V14`): written by
    /// [`insert`] only; [`update`] leaves them, [`set_draft`] changes them.
    pub draft: bool,
    pub draft_of: Option<TrackId>,
    /// Whose track (`None`: the owner's).
    pub person_id: Option<PersonId>,
}

impl From<&Track> for TrackFields {
    fn from(t: &Track) -> Self {
        TrackFields {
            start: t.start,
            end: t.end,
            timezone: t.timezone.clone(),
            description: t.description.clone(),
            project_id: t.project_id,
            billable: t.billable,
            hourly_rate: t.hourly_rate,
            task_id: t.task_id,
            draft: t.draft,
            draft_of: t.draft_of,
            person_id: t.person_id,
        }
    }
}

const SELECT: &str = "SELECT t.id, t.start_at, t.end_at, t.timezone, t.description, t.project_id,
       p.name, p.client_id, c.name, t.billable, t.hourly_rate, t.invoice_id, t.created_at,
       t.updated_at,
       (SELECT group_concat(g.id || char(31) || g.name, char(30))
          FROM track_tags tt JOIN tags g ON g.id = tt.tag_id WHERE tt.track_id = t.id),
       t.task_id, k.name, t.draft, t.draft_of, t.person_id, pe.name
  FROM tracks t
  LEFT JOIN projects p ON p.id = t.project_id
  LEFT JOIN clients c ON c.id = p.client_id
  LEFT JOIN tasks k ON k.id = t.task_id
  LEFT JOIN people pe ON pe.id = t.person_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Track> {
    let tags: Option<String> = r.get(14)?;
    let mut tags: Vec<(TagId, String)> = tags
        .as_deref()
        .unwrap_or("")
        .split('\u{1e}')
        .filter_map(|pair| {
            let (id, name) = pair.split_once('\u{1f}')?;
            Some((TagId(id.parse().ok()?), name.to_owned()))
        })
        .collect();
    tags.sort_by_key(|(_, name)| name.to_lowercase());
    let c = Cols::new(r, "tracks", "track", 0)?;
    Ok(Track {
        id: TrackId(r.get(0)?),
        start: c.ts(1, "start_at")?,
        end: c.ts_opt(2, "end_at")?,
        timezone: r.get(3)?,
        description: r.get(4)?,
        project_id: r.get::<_, Option<i64>>(5)?.map(ProjectId),
        project_name: r.get(6)?,
        client_id: r.get::<_, Option<i64>>(7)?.map(ClientId),
        client_name: r.get(8)?,
        tags,
        billable: r.get(9)?,
        hourly_rate: c.decimal_opt(10, "hourly_rate")?,
        invoice_id: r.get::<_, Option<i64>>(11)?.map(InvoiceId),
        created_at: c.ts(12, "created_at")?,
        updated_at: c.ts(13, "updated_at")?,
        task_id: r.get::<_, Option<i64>>(15)?.map(TaskId),
        task_name: r.get(16)?,
        draft: r.get(17)?,
        draft_of: r.get::<_, Option<i64>>(18)?.map(TrackId),
        person_id: r.get::<_, Option<i64>>(19)?.map(PersonId),
        person_name: r.get(20)?,
    })
}

/// Inserts a track and returns its id.
pub fn insert(conn: &Connection, f: &TrackFields, now: DateTime<Utc>) -> Result<TrackId> {
    insert_row(conn, f, None, now)
}

/// Inserts a track with an optional import key (see `migrations/V2__import_keys.sql`).
fn insert_row(
    conn: &Connection,
    f: &TrackFields,
    import_key: Option<&str>,
    now: DateTime<Utc>,
) -> Result<TrackId> {
    conn.prepare_cached(
        "INSERT INTO tracks (id, start_at, end_at, timezone, description, project_id, billable,
           hourly_rate, import_key, created_at, updated_at, task_id, draft, draft_of, person_id)
         VALUES (?10, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?11, ?12, ?13, ?14)",
    )?
    .execute(params![
        to_ts(f.start),
        f.end.map(to_ts),
        f.timezone,
        f.description,
        f.project_id.map(|p| p.0),
        f.billable,
        f.hourly_rate.map(|d| d.to_string()),
        import_key,
        to_ts(now),
        super::sync::next_id(conn, "tracks")?,
        f.task_id.map(|k| k.0),
        f.draft,
        f.draft_of.map(|d| d.0),
        f.person_id.map(|p| p.0)
    ])?;
    Ok(TrackId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of track `id`.
pub fn update(conn: &Connection, id: TrackId, f: &TrackFields, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE tracks SET start_at = ?2, end_at = ?3, timezone = ?4, description = ?5,
           project_id = ?6, billable = ?7, hourly_rate = ?8, updated_at = ?9, task_id = ?10,
           person_id = ?11
         WHERE id = ?1",
        params![
            id.0,
            to_ts(f.start),
            f.end.map(to_ts),
            f.timezone,
            f.description,
            f.project_id.map(|p| p.0),
            f.billable,
            f.hourly_rate.map(|d| d.to_string()),
            to_ts(now),
            f.task_id.map(|k| k.0),
            f.person_id.map(|p| p.0)
        ],
    )?;
    Ok(())
}

/// Makes track `id` a draft or an approved track; an approved track holds no edit back.
pub fn set_draft(conn: &Connection, id: TrackId, draft: bool, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE tracks SET draft = ?2, draft_of = CASE WHEN ?2 THEN draft_of END, updated_at = ?3
         WHERE id = ?1",
        params![id.0, draft, to_ts(now)],
    )?;
    Ok(())
}

/// The draft holding back an edit of approved track `id`, if any.
pub fn draft_edit_of(conn: &Connection, id: TrackId) -> Result<Option<TrackId>> {
    Ok(conn
        .prepare_cached("SELECT id FROM tracks WHERE draft_of = ?1 ORDER BY id LIMIT 1")?
        .query_row([id.0], |r| Ok(TrackId(r.get(0)?)))
        .optional()?)
}

/// Drafts, oldest id first, from `ids` (every draft when empty), at most `limit`.
pub fn drafts(conn: &Connection, ids: &[TrackId], limit: usize) -> Result<Vec<Track>> {
    let list: Vec<String> = ids.iter().map(|i| i.0.to_string()).collect();
    let only = if ids.is_empty() {
        String::new()
    } else {
        format!(" AND t.id IN ({})", list.join(","))
    };
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE t.draft = 1{only} ORDER BY t.id LIMIT {}",
        i64::try_from(limit).unwrap_or(i64::MAX)
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replaces the tags of track `id`.
pub fn set_tags(conn: &Connection, id: TrackId, tags: &[TagId]) -> Result<()> {
    conn.execute("DELETE FROM track_tags WHERE track_id = ?1", [id.0])?;
    add_tags(conn, id, tags)
}

/// Adds `tags` to track `id` (a tag it already has is left as it is).
fn add_tags(conn: &Connection, id: TrackId, tags: &[TagId]) -> Result<()> {
    let mut stmt =
        conn.prepare_cached("INSERT OR IGNORE INTO track_tags (track_id, tag_id) VALUES (?1, ?2)")?;
    for tag in tags {
        stmt.execute([id.0, tag.0])?;
    }
    Ok(())
}

/// The track with this id.
pub fn get(conn: &Connection, id: TrackId) -> Result<Option<Track>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE t.id = ?1"), [id.0], from_row)
        .optional()?)
}

/// Running timers, oldest first.
pub fn running(conn: &Connection) -> Result<Vec<Track>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE t.end_at IS NULL ORDER BY t.start_at, t.id"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Running timers of one person (`None`: the owner), oldest first: each person has their own.
pub fn running_of(conn: &Connection, person: Option<PersonId>) -> Result<Vec<Track>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE t.end_at IS NULL AND ifnull(t.person_id, 0) = ?1
          ORDER BY t.start_at, t.id"
    ))?;
    let rows = stmt.query_map([person.map_or(0, |p| p.0)], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Filter for [`list`]. Every field narrows the result; `None` means "any".
#[derive(Debug, Clone, Default)]
pub struct TrackFilter {
    /// Tracks starting in `[start, end)`: a track belongs wholly to the range it starts in
    /// (docs/rules.md, "Time"), as in reports and invoices.
    pub range: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub project_id: Option<ProjectId>,
    pub client_id: Option<ClientId>,
    pub tag_id: Option<TagId>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    pub running: Option<bool>,
    /// Case-insensitive substring of the description.
    pub search: Option<String>,
    pub task_id: Option<TaskId>,
    /// Only drafts (`Some(true)`) or only approved tracks (`Some(false)`).
    pub draft: Option<bool>,
    /// Tracks of one person: `Some(None)` the owner's, `Some(Some(id))` that person's.
    pub person: Option<Option<PersonId>>,
}

/// The conditions of a [`TrackFilter`] on `t` (and `p`, its project), then the keyset: tracks
/// before `(?10, ?11)` in newest-first order; `?13` is the task, `?14` drafts, `?15` the
/// person. Parameters as bound by
/// [`filter_params`].
const FILTER_WHERE: &str = "
         WHERE (?1 IS NULL OR (t.start_at >= ?1 AND t.start_at < ?2))
           AND (?3 IS NULL OR t.project_id = ?3)
           AND (?4 IS NULL OR t.project_id IN (SELECT id FROM projects WHERE client_id = ?4))
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM track_tags x WHERE x.track_id = t.id AND x.tag_id = ?5))
           AND (?6 IS NULL OR t.billable = ?6)
           AND (?7 IS NULL OR (t.invoice_id IS NOT NULL) = ?7)
           AND (?8 IS NULL OR (t.end_at IS NULL) = ?8)
           AND (?9 IS NULL OR t.description LIKE '%' || ?9 || '%' ESCAPE '\\')
           AND (?13 IS NULL OR t.task_id = ?13)
           AND (?14 IS NULL OR t.draft = ?14)
           AND (?15 IS NULL OR ifnull(t.person_id, 0) = ?15)
           AND (t.start_at, t.id) < (ifnull(?10, 9223372036854775807), ?11)
         ORDER BY t.start_at DESC, t.id DESC
         LIMIT ?12";

fn filter_params(
    filter: &TrackFilter,
    after: Option<(i64, i64)>,
    limit: Option<usize>,
) -> [rusqlite::types::Value; 15] {
    use rusqlite::types::Value;
    let opt = |v: Option<i64>| v.map_or(Value::Null, Value::Integer);
    [
        opt(filter.range.map(|r| to_ts(r.0))),
        opt(filter.range.map(|r| to_ts(r.1))),
        opt(filter.project_id.map(|p| p.0)),
        opt(filter.client_id.map(|c| c.0)),
        opt(filter.tag_id.map(|t| t.0)),
        opt(filter.billable.map(i64::from)),
        opt(filter.invoiced.map(i64::from)),
        opt(filter.running.map(i64::from)),
        filter
            .search
            .as_deref()
            .map_or(Value::Null, |s| Value::Text(super::like_escape(s))),
        opt(after.map(|a| a.0)),
        Value::Integer(after.map_or(i64::MAX, |a| a.1)),
        Value::Integer(limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX))),
        opt(filter.task_id.map(|k| k.0)),
        opt(filter.draft.map(i64::from)),
        opt(filter.person.map(|p| p.map_or(0, |p| p.0))),
    ]
}

/// Tracks matching `filter`, newest start first, after the keyset `after = (start, id)`.
pub fn list(
    conn: &Connection,
    filter: &TrackFilter,
    after: Option<(i64, i64)>,
    limit: usize,
) -> Result<Vec<Track>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} {FILTER_WHERE}"))?;
    let rows = stmt.query_map(
        rusqlite::params_from_iter(filter_params(filter, after, Some(limit))),
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A track as an export reads it, borrowed from the statement: the project as an id and the
/// tags as a comma-separated list of ids, for the caller to name from tables it loaded once.
#[derive(Debug, Clone, Copy)]
pub struct ExportRow<'a> {
    pub id: i64,
    /// Unix seconds, UTC.
    pub start: i64,
    /// Unix seconds, UTC; `None` while running.
    pub end: Option<i64>,
    /// IANA zone name the track was recorded in.
    pub timezone: &'a str,
    pub description: &'a str,
    pub project_id: Option<i64>,
    pub billable: bool,
    /// Decimal text.
    pub hourly_rate: Option<&'a str>,
    pub invoice_id: Option<i64>,
    /// Tag ids, comma-separated, in no particular order.
    pub tag_ids: Option<&'a str>,
}

/// What an export names ids with: project id -> (project name, client name), and the tags as
/// `(id, name)` sorted by lower-cased name (the order tracks list their tags in).
pub(crate) type ExportNames = (
    std::collections::HashMap<i64, (String, Option<String>)>,
    Vec<(i64, String)>,
);

/// Every project (with its client's name) and tag, for an export.
pub fn export_names(conn: &Connection) -> Result<ExportNames> {
    let projects = conn
        .prepare_cached(
            "SELECT p.id, p.name, c.name FROM projects p LEFT JOIN clients c ON c.id = p.client_id",
        )?
        .query_map([], |r| Ok((r.get(0)?, (r.get(1)?, r.get(2)?))))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tags: Vec<(i64, String)> = conn
        .prepare_cached("SELECT id, name FROM tags")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    tags.sort_by_cached_key(|(_, name)| name.to_lowercase());
    Ok((projects, tags))
}

/// Calls `f` with every track matching `filter`, newest start first, in one statement (one
/// snapshot, nothing collected in memory): what `stint tracks --csv` streams.
///
/// # Errors
/// SQLite errors, and whatever `f` returns.
pub fn for_each_export<E: From<super::StoreError>>(
    conn: &Connection,
    filter: &TrackFilter,
    mut f: impl FnMut(&ExportRow<'_>) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let sqlite = |e: rusqlite::Error| E::from(super::StoreError::from(e));
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT t.id, t.start_at, t.end_at, t.timezone, t.description, t.project_id,
                    t.billable, t.hourly_rate, t.invoice_id,
                    (SELECT group_concat(tag_id) FROM track_tags WHERE track_id = t.id)
               FROM tracks t {FILTER_WHERE}"
        ))
        .map_err(sqlite)?;
    let mut rows = stmt
        .query(rusqlite::params_from_iter(filter_params(
            filter, None, None,
        )))
        .map_err(sqlite)?;
    while let Some(row) = rows.next().map_err(sqlite)? {
        let read = || -> rusqlite::Result<ExportRow<'_>> {
            Ok(ExportRow {
                id: row.get(0)?,
                start: row.get(1)?,
                end: row.get(2)?,
                timezone: row.get_ref(3)?.as_str()?,
                description: row.get_ref(4)?.as_str()?,
                project_id: row.get(5)?,
                billable: row.get(6)?,
                hourly_rate: row.get_ref(7)?.as_str_or_null()?,
                invoice_id: row.get(8)?,
                tag_ids: row.get_ref(9)?.as_str_or_null()?,
            })
        };
        f(&read().map_err(sqlite)?)?;
    }
    Ok(())
}

/// Ids of other tracks that overlap `[start, end)`, by start. A running track (`end = None`,
/// here or in the table) is open-ended: it overlaps everything after its start.
///
/// Returns the first `limit` ids in order of start (then id) and how many there are in all.
///
/// Reads only nearby tracks: those starting inside the span (index by start), those that
/// started before it and end inside or after it (a stretch of the start index as long as the
/// longest track), and running ones. The three sets are disjoint, so each is counted on its own
/// index range and only the first `limit` of each are read for the ids: a span that overlaps
/// thousands of tracks costs a count over an index, not a sort of them all.
/// Only tracks of `person` (`None`: the owner) count: two people work at the same time.
pub fn overlapping(
    conn: &Connection,
    person: Option<PersonId>,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
    exclude: Option<TrackId>,
    limit: usize,
) -> Result<(Vec<TrackId>, i64)> {
    // 1: starts inside [start, end); 2: started before, ends after `start`; 3: running, started
    // before. A running track that starts inside the span is in 1 only (3 needs start_at < ?1),
    // and 2 needs an end, so no track is in two sets.
    let inside = "FROM tracks WHERE start_at >= ?1 AND start_at < ifnull(?2, 9223372036854775807) \
                  AND id != ?3 AND ifnull(person_id, 0) = ?5";
    let before = format!(
        "FROM tracks WHERE start_at < ?1 AND end_at > ?1 AND id != ?3 AND start_at >= ?1 - {} \
         AND ifnull(person_id, 0) = ?5",
        super::LONGEST_TRACK_SQL
    );
    let running = "FROM tracks INDEXED BY tracks_running \
                   WHERE end_at IS NULL AND +start_at < ?1 AND id != ?3 \
                   AND ifnull(person_id, 0) = ?5";
    let args = params![
        to_ts(start),
        end.map(to_ts),
        exclude.map_or(0, |t| t.0),
        i64::try_from(limit).unwrap_or(i64::MAX),
        person.map_or(0, |p| p.0)
    ];
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT id FROM (
           SELECT * FROM (SELECT id, start_at {inside} ORDER BY start_at, id LIMIT ?4)
           UNION ALL
           SELECT * FROM (SELECT id, start_at {before} ORDER BY start_at, id LIMIT ?4)
           UNION ALL
           SELECT * FROM (SELECT id, start_at {running} ORDER BY start_at, id LIMIT ?4))
         ORDER BY start_at, id LIMIT ?4"
    ))?;
    let ids = stmt
        .query_map(args, |r| Ok(TrackId(r.get(0)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    if ids.len() < limit {
        // Fewer than a page: that is all of them.
        let n = i64::try_from(ids.len()).unwrap_or(i64::MAX);
        return Ok((ids, n));
    }
    let mut count = conn.prepare_cached(&format!(
        "SELECT (SELECT count(*) {inside}) + (SELECT count(*) {before}) \
              + (SELECT count(*) {running})"
    ))?;
    let n = count.query_row(
        params![
            to_ts(start),
            end.map(to_ts),
            exclude.map_or(0, |t| t.0),
            i64::try_from(limit).unwrap_or(i64::MAX),
            person.map_or(0, |p| p.0)
        ],
        |r| r.get(0),
    )?;
    Ok((ids, n))
}

/// The invoice number (or `draft #id`) and status of invoice `id`, for error messages.
pub fn invoice_label(conn: &Connection, id: InvoiceId) -> Result<Option<(Option<String>, String)>> {
    Ok(conn
        .query_row(
            "SELECT number, status FROM invoices WHERE id = ?1",
            [id.0],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?)
}

/// Deletes track `id`, its tag links and the drafts holding back edits of it.
pub fn delete(conn: &Connection, id: TrackId) -> Result<()> {
    conn.execute("DELETE FROM tracks WHERE draft_of = ?1", [id.0])?;
    conn.execute("DELETE FROM tracks WHERE id = ?1", [id.0])?;
    Ok(())
}

/// Whether a track imported from a row with this key exists, under its current form or the
/// `legacy` form that earlier versions stored (both are unique keys of the same row).
pub fn has_import_key(conn: &Connection, key: &str, legacy: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT 1 FROM tracks WHERE import_key IN (?1, ?2)")?
        .exists([key, legacy])?)
}

/// Inserts an imported track with its import key (see `migrations/V2__import_keys.sql`) and
/// tags, and returns its id.
pub fn insert_imported(
    conn: &Connection,
    f: &TrackFields,
    key: &str,
    tags: &[TagId],
    now: DateTime<Utc>,
) -> Result<TrackId> {
    let id = insert_row(conn, f, Some(key), now)?;
    add_tags(conn, id, tags)?;
    Ok(id)
}

/// The first finished track (by id) with exactly this project (or none), start, end and
/// description: an exact repeat of a track about to be recorded. Reads the tracks starting at
/// `start` on the start index.
pub fn find_same(
    conn: &Connection,
    project: Option<ProjectId>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    description: &str,
) -> Result<Option<TrackId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM tracks INDEXED BY tracks_start
              WHERE start_at = ?1 AND end_at = ?2 AND project_id IS ?3 AND description = ?4
              ORDER BY id LIMIT 1",
        )?
        .query_row(
            params![to_ts(start), to_ts(end), project.map(|p| p.0), description],
            |r| Ok(TrackId(r.get(0)?)),
        )
        .optional()?)
}

/// How many drafts `tracks` holds.
pub fn draft_count(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT count(*) FROM tracks WHERE draft = 1", [], |r| {
            r.get(0)
        })?,
    )
}
