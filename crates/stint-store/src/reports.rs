//! Report queries: time summed in SQL by project, task, client or tag, and the tracks of a
//! range for grouping by local day, week, month or year.
//!
//! The rate of a group is [`first_rate`] of the track's, its task's, its project's and its
//! client's rates (docs/rules.md, "Rates and currency"), so SQL groups by track rate and
//! task as well as by project.
//!
//! A track belongs wholly to the range it starts in (docs/rules.md, "Time"): a range
//! `[start, end)` holds the tracks with `start <= start_at < end`, each with all its seconds,
//! and a running track counts up to `now`. So every query reads one stretch of an index by
//! start (or one pass over a project-ordered index), and a track is never cut. Rounding per
//! entry is done in SQL with the same rule as [`stint_domain::rounding::round_seconds`], on
//! each track's seconds.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params_from_iter, types::Value};
use rust_decimal::Decimal;

use super::{BadValue, Cols, Result, parse_decimal};
use stint_domain::billing::{RateSource, first_rate};
use stint_domain::settings::{Rounding, RoundingMode};
use stint_domain::{ClientId, MilestoneId, ProjectId, TagId};

/// A dimension to group by in SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dim {
    Project,
    Client,
    Tag,
    /// A task, named `Task (Project)` unless the project is a dimension too.
    Task,
    /// The milestone of a track's task (none for tracks without a task or whose task has no
    /// milestone).
    Milestone,
}

/// Which tracks count, and how to round them.
#[derive(Debug, Clone)]
pub struct ReportQuery {
    /// Unix seconds, UTC: the tracks that start in `[start, end)` count, whole.
    pub start: i64,
    pub end: i64,
    /// Running tracks count up to here.
    pub now: i64,
    pub project_id: Option<ProjectId>,
    pub client_id: Option<ClientId>,
    pub tag_id: Option<TagId>,
    /// Only tracks on tasks of this milestone.
    pub milestone_id: Option<MilestoneId>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    /// Leave running timers out.
    pub finished_only: bool,
    pub rounding: Rounding,
    /// Tracks of one person: `Some(None)` the owner's (V13).
    pub person: Option<Option<stint_domain::PersonId>>,
}

/// One SQL group: the dimension values, then sums per billable flag, rate and currency.
#[derive(Debug, Clone)]
pub struct AggRow {
    /// `(id, name)` per requested dimension; `None` for "no project" / "no client" / "untagged".
    pub keys: Vec<(Option<i64>, Option<String>)>,
    pub billable: bool,
    /// Track, else task, else project, else client rate; `None` means the default rate applies.
    pub rate: Option<Decimal>,
    /// Project, else client currency; `None` means the default currency applies.
    pub currency: Option<String>,
    pub seconds: i64,
    /// Sum of each track's seconds rounded per entry.
    pub entry_rounded_seconds: i64,
    pub tracks: i64,
    pub running: i64,
}

/// Appends the conditions of `q` other than the range to `sql`, as ` AND ...` terms on `t`.
fn filters(q: &ReportQuery, sql: &mut String, args: &mut Vec<Value>) {
    // Drafts count in no total until approved (migrations/V14).
    sql.push_str(" AND t.draft = 0");
    let mut push = |cond: &str, v: Value| {
        args.push(v);
        sql.push_str(&format!(
            " AND {}",
            cond.replace('?', &format!("?{}", args.len()))
        ));
    };
    if let Some(p) = q.project_id {
        push("t.project_id = ?", p.0.into());
    }
    if let Some(c) = q.client_id {
        push(
            "t.project_id IN (SELECT id FROM projects WHERE client_id = ?)",
            c.0.into(),
        );
    }
    if let Some(t) = q.tag_id {
        push(
            "EXISTS (SELECT 1 FROM track_tags x WHERE x.track_id = t.id AND x.tag_id = ?)",
            t.0.into(),
        );
    }
    if let Some(m) = q.milestone_id {
        push(
            "t.task_id IN (SELECT id FROM tasks WHERE milestone_id = ?)",
            m.0.into(),
        );
    }
    if let Some(b) = q.billable {
        push("t.billable = ?", b.into());
    }
    if let Some(i) = q.invoiced {
        push("(t.invoice_id IS NOT NULL) = ?", i.into());
    }
    if let Some(p) = q.person {
        push("ifnull(t.person_id, 0) = ?", p.map_or(0, |p| p.0).into());
    }
    if q.finished_only {
        sql.push_str(" AND t.end_at IS NOT NULL");
    }
}

/// `SELECT {columns} FROM tracks t {joins} WHERE` the track starts in the range and matches
/// `q`: one stretch of the covering index by start (`tracks_report`), running tracks included.
/// Binds `?1`..`?3` to start, end and now; `columns` may use `?3` (through [`SECONDS`]).
fn starting_tracks(q: &ReportQuery, columns: &str, joins: &str, args: &mut Vec<Value>) -> String {
    args.extend([Value::from(q.start), Value::from(q.end), Value::from(q.now)]);
    let mut sql = format!(
        "SELECT {columns} FROM tracks t {joins} WHERE t.start_at >= ?1 AND t.start_at < ?2"
    );
    filters(q, &mut sql, args);
    sql
}

/// SQL rounding `secs` (an expression) per the rounding setting, as
/// [`stint_domain::rounding::round_seconds`] does; `0` when nothing is rounded.
fn rounding_sql(r: Rounding, secs: &str) -> String {
    let inc = i64::from(r.increment_minutes) * 60;
    match r.mode {
        // Not summed twice: the caller takes the plain sum (see `aggregate`).
        RoundingMode::None => "0".to_owned(),
        RoundingMode::Up => format!("((({secs}) + {inc} - 1) / {inc}) * {inc}"),
        RoundingMode::Down => format!("(({secs}) / {inc}) * {inc}"),
        RoundingMode::Nearest => format!("((({secs}) + {}) / {inc}) * {inc}", inc / 2),
    }
}

/// Seconds of track `t`, whole; a running track up to `?3` (now). Never negative: a timer
/// synced from a device whose clock runs ahead may start after now.
const SECONDS: &str = "max(0, ifnull(t.end_at, ?3) - t.start_at)";

/// Whether the range covers enough of the tracks that one pass over them all, in project
/// order, beats looking up those in the range: a quarter of the time span they cover.
fn is_wide(conn: &Connection, q: &ReportQuery) -> Result<bool> {
    let (first, last): (Option<i64>, Option<i64>) = conn.query_row(
        "SELECT (SELECT min(start_at) FROM tracks), (SELECT max(start_at) FROM tracks)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (Some(first), Some(last)) = (first, last) else {
        return Ok(false);
    };
    let span = (last - first).max(1);
    let covered = (q.end.min(last) - q.start.max(first)).max(0);
    Ok(covered * 4 > span)
}

/// SQL summing time by project, tag (when `with_tags`), billable flag, track rate and task.
fn grouped_sql(
    conn: &Connection,
    q: &ReportQuery,
    with_tags: bool,
    args: &mut Vec<Value>,
) -> Result<String> {
    let wide = !with_tags && is_wide(conn, q)?;
    if wide && q.billable == Some(true) && q.invoiced == Some(false) && q.finished_only {
        // Unbilled work: one pass over the partial index that holds just those tracks
        // (`tracks_unbilled`). Its WHERE terms are spelled out as in the index, so SQLite uses it
        // without reading the table; the same filters are not repeated as parameters.
        let rest = ReportQuery {
            billable: None,
            invoiced: None,
            finished_only: false,
            ..q.clone()
        };
        args.extend([Value::from(q.start), Value::from(q.end), Value::from(q.now)]);
        let mut sql = format!(
            "SELECT t.project_id, NULL, 1, t.hourly_rate, sum({SECONDS}), sum({}), count(*), 0,
                    t.task_id
               FROM tracks t INDEXED BY tracks_unbilled
              WHERE t.billable = 1 AND t.invoice_id IS NULL AND t.end_at IS NOT NULL
                AND t.draft = 0 AND t.start_at >= ?1 AND t.start_at < ?2",
            rounding_sql(q.rounding, SECONDS)
        );
        filters(&rest, &mut sql, args);
        sql.push_str(" GROUP BY t.project_id, t.hourly_rate, t.task_id");
        return Ok(sql);
    }
    if wide {
        // One pass over the project-ordered covering index: no temporary B-tree for GROUP BY.
        args.extend([Value::from(q.start), Value::from(q.end), Value::from(q.now)]);
        let mut sql = format!(
            "SELECT t.project_id, NULL, t.billable, t.hourly_rate, sum({SECONDS}), sum({}),
                    count(*), sum(t.end_at IS NULL), t.task_id
               FROM tracks t INDEXED BY tracks_by_project
              WHERE t.start_at >= ?1 AND t.start_at < ?2",
            rounding_sql(q.rounding, SECONDS)
        );
        filters(q, &mut sql, args);
        sql.push_str(" GROUP BY t.project_id, t.billable, t.hourly_rate, t.task_id");
        return Ok(sql);
    }
    let parts = starting_tracks(
        q,
        &format!(
            "t.id AS id, t.project_id AS project_id, t.billable AS billable, \
             t.hourly_rate AS rate, (t.end_at IS NULL) AS running, {SECONDS} AS secs, \
             t.task_id AS task_id"
        ),
        "",
        args,
    );
    let (tag_col, tag_join, group_tag) = if with_tags {
        (
            ", tt.tag_id",
            " LEFT JOIN track_tags tt ON tt.track_id = parts.id",
            ", tt.tag_id",
        )
    } else {
        (", NULL", "", "")
    };
    Ok(format!(
        "WITH parts AS ({parts})
         SELECT project_id{tag_col}, billable, rate, sum(secs), sum({}), count(*), sum(running),
                task_id
           FROM parts{tag_join}
          GROUP BY project_id{group_tag}, billable, rate, task_id",
        rounding_sql(q.rounding, "secs")
    ))
}

/// What a project contributes to a report row: its name, client and billing fallbacks.
#[derive(Debug, Clone, Default)]
struct ProjectInfo {
    name: String,
    client_id: Option<i64>,
    client_name: Option<String>,
    project_rate: Option<String>,
    client_rate: Option<String>,
    project_currency: Option<String>,
    client_currency: Option<String>,
}

fn project_infos(conn: &Connection) -> Result<HashMap<i64, ProjectInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.id, p.name, p.client_id, c.name, p.hourly_rate, c.hourly_rate, p.currency, c.currency
           FROM projects p LEFT JOIN clients c ON c.id = p.client_id",
    )?;
    let rows = stmt.query_map([], |r| {
        // Rates and currencies stay text here (they key the groups), but must decode.
        let p = Cols::new(r, "projects", "project", 0)?;
        p.decimal_opt(4, "hourly_rate")?;
        p.currency_opt(6, "currency")?;
        if r.get::<_, Option<i64>>(2)?.is_some() {
            let c = Cols::new(r, "clients", "client", 2)?;
            c.decimal_opt(5, "hourly_rate")?;
            c.currency_opt(7, "currency")?;
        }
        Ok((
            r.get::<_, i64>(0)?,
            ProjectInfo {
                name: r.get(1)?,
                client_id: r.get(2)?,
                client_name: r.get(3)?,
                project_rate: r.get(4)?,
                client_rate: r.get(5)?,
                project_currency: r.get(6)?,
                client_currency: r.get(7)?,
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What a task contributes to a report row: its name, its project's name and its rate.
struct TaskInfo {
    name: String,
    project_name: String,
    rate: Option<String>,
    milestone: Option<(i64, String)>,
}

fn task_infos(conn: &Connection) -> Result<HashMap<i64, TaskInfo>> {
    let mut stmt = conn.prepare_cached(
        "SELECT k.id, k.name, p.name, k.hourly_rate, m.id, m.name
           FROM tasks k JOIN projects p ON p.id = k.project_id
           LEFT JOIN milestones m ON m.id = k.milestone_id",
    )?;
    let rows = stmt.query_map([], |r| {
        Cols::new(r, "tasks", "task", 0)?.decimal_opt(3, "hourly_rate")?;
        Ok((
            r.get::<_, i64>(0)?,
            TaskInfo {
                name: r.get(1)?,
                project_name: r.get(2)?,
                rate: r.get(3)?,
                milestone: match r.get::<_, Option<i64>>(4)? {
                    Some(id) => Some((id, r.get(5)?)),
                    None => None,
                },
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One SQL group: per project, tag, billable flag, track rate and task.
struct RawGroup {
    project_id: Option<i64>,
    task_id: Option<i64>,
    tag_id: Option<i64>,
    billable: bool,
    track_rate: Option<String>,
    secs: i64,
    rounded: i64,
    tracks: i64,
    running: i64,
}

/// Keys, billable flag, rate and currency of an [`AggRow`].
type MergeKey = (
    Vec<(Option<i64>, Option<String>)>,
    bool,
    Option<String>,
    Option<String>,
);

/// Sums time by the given dimensions (and by billable flag, rate and currency).
///
/// SQL sums seconds and rounded seconds per project, tag, billable flag and track rate from the
/// tracks alone (over the covering index); the few resulting groups are then mapped to names,
/// clients, rates and currencies here.
pub fn aggregate(conn: &Connection, q: &ReportQuery, dims: &[Dim]) -> Result<Vec<AggRow>> {
    let with_tags = dims.contains(&Dim::Tag);
    let mut args = Vec::new();
    let sql = grouped_sql(conn, q, with_tags, &mut args)?;
    let mut stmt = conn.prepare_cached(&sql)?;
    let raw: Vec<RawGroup> = stmt
        .query_map(params_from_iter(args), |r| {
            Ok(RawGroup {
                project_id: r.get(0)?,
                tag_id: r.get(1)?,
                billable: r.get(2)?,
                track_rate: r.get(3)?,
                secs: r.get(4)?,
                // Without rounding the SQL leaves the rounded sum out (0): it is the plain sum.
                rounded: if q.rounding.mode == RoundingMode::None {
                    r.get(4)?
                } else {
                    r.get(5)?
                },
                tracks: r.get(6)?,
                running: r.get(7)?,
                task_id: r.get(8)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    let projects = project_infos(conn)?;
    let tasks = task_infos(conn)?;
    let project_named = dims.contains(&Dim::Project);
    let tag_names: HashMap<i64, String> = if with_tags {
        conn.prepare_cached("SELECT id, name FROM tags")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?
    } else {
        HashMap::new()
    };
    let none = ProjectInfo::default();
    let mut merged: HashMap<MergeKey, AggRow> = HashMap::new();
    for RawGroup {
        project_id,
        task_id,
        tag_id,
        billable,
        track_rate,
        secs,
        rounded,
        tracks,
        running,
    } in raw
    {
        let info = project_id.and_then(|p| projects.get(&p)).unwrap_or(&none);
        let task = task_id.and_then(|k| tasks.get(&k));
        let keys: Vec<(Option<i64>, Option<String>)> = dims
            .iter()
            .map(|d| match d {
                Dim::Project => (project_id, project_id.map(|_| info.name.clone())),
                Dim::Client => (info.client_id, info.client_name.clone()),
                Dim::Tag => (tag_id, tag_id.and_then(|t| tag_names.get(&t).cloned())),
                Dim::Task => (
                    task_id,
                    task.map(|k| {
                        if project_named {
                            k.name.clone()
                        } else {
                            format!("{} ({})", k.name, k.project_name)
                        }
                    }),
                ),
                Dim::Milestone => match task.and_then(|k| k.milestone.as_ref()) {
                    Some((id, name)) => (Some(*id), Some(name.clone())),
                    None => (None, None),
                },
            })
            .collect();
        // Stored rates must decode (project, client and task rates were checked when loaded).
        let track_value = match &track_rate {
            None => None,
            Some(r) => Some(parse_decimal(r).ok_or_else(|| BadValue {
                table: "tracks",
                column: "hourly_rate",
                row: match project_id {
                    Some(p) => format!("a track of project {p}"),
                    None => "a track without a project".to_owned(),
                },
                value: stint_domain::limits::echo(&format!("{r:?}")),
            })?),
        };
        let task_rate = task.and_then(|k| k.rate.clone());
        let decoded = |r: &Option<String>| r.as_deref().and_then(parse_decimal);
        let found = first_rate(
            track_value,
            decoded(&task_rate),
            decoded(&info.project_rate),
            decoded(&info.client_rate),
        );
        // The text of the rate in force keys the group (`120` and `120.00` stay apart, as
        // before tasks).
        let rate = found.map(|(_, source)| match source {
            RateSource::Track => track_rate.clone(),
            RateSource::Task => task_rate.clone(),
            RateSource::Project => info.project_rate.clone(),
            RateSource::Client | RateSource::Default => info.client_rate.clone(),
        });
        let rate = rate.flatten();
        let rate_value = found.map(|(r, _)| r);
        let currency = info
            .project_currency
            .clone()
            .or_else(|| info.client_currency.clone());
        let row = merged
            .entry((keys.clone(), billable, rate.clone(), currency.clone()))
            .or_insert_with(|| AggRow {
                keys,
                billable,
                rate: rate_value,
                currency,
                seconds: 0,
                entry_rounded_seconds: 0,
                tracks: 0,
                running: 0,
            });
        row.seconds += secs;
        row.entry_rounded_seconds += rounded;
        row.tracks += tracks;
        row.running += running;
    }
    Ok(merged.into_values().collect())
}

/// A track starting in the range, for grouping by local day, week, month or year in Rust.
#[derive(Debug, Clone)]
pub struct Span {
    pub start: DateTime<Utc>,
    /// `None` while running.
    pub end: Option<DateTime<Utc>>,
    /// All its seconds, whole; a running track's up to the query's `now`.
    pub seconds: i64,
    pub billable: bool,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    pub client_id: Option<i64>,
    pub client_name: Option<String>,
    /// The rate in force ([`first_rate`]); `None` means the default rate applies.
    pub rate: Option<Decimal>,
    pub currency: Option<String>,
    /// `(id, name)` of each tag.
    pub tags: Vec<(i64, String)>,
    pub task_id: Option<i64>,
    pub task_name: Option<String>,
    /// `(id, name)` of the milestone of its task.
    pub milestone: Option<(i64, String)>,
}

/// SQL of [`spans`]: the tracks starting in the query's range with their project, client, task
/// and (when `with_tags`) tags; binds its parameters into `args`.
fn spans_sql(q: &ReportQuery, with_tags: bool, args: &mut Vec<Value>) -> String {
    let tags = if with_tags {
        "(SELECT group_concat(g.id || char(31) || g.name, char(30)) FROM track_tags tt
            JOIN tags g ON g.id = tt.tag_id WHERE tt.track_id = t.id)"
    } else {
        "NULL"
    };
    starting_tracks(
        q,
        &format!(
            "t.id AS id, t.start_at AS start_at, t.end_at, t.billable, t.project_id, p.name, \
             p.client_id, c.name, t.hourly_rate, coalesce(p.currency, c.currency), {tags}, \
             t.task_id, k.name, k.hourly_rate, p.hourly_rate, c.hourly_rate, {SECONDS}, \
             k.milestone_id, (SELECT m.name FROM milestones m WHERE m.id = k.milestone_id)"
        ),
        "LEFT JOIN projects p ON p.id = t.project_id LEFT JOIN clients c ON c.id = p.client_id \
         LEFT JOIN tasks k ON k.id = t.task_id",
        args,
    )
}

/// Tracks starting in the query's range, by start.
pub fn spans(conn: &Connection, q: &ReportQuery, with_tags: bool) -> Result<Vec<Span>> {
    let mut args = Vec::new();
    let sql = spans_sql(q, with_tags, &mut args);
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        let tags: Option<String> = r.get(10)?;
        let c = Cols::new(r, "tracks", "track", 0)?;
        Ok(Span {
            start: c.ts(1, "start_at")?,
            end: c.ts_opt(2, "end_at")?,
            seconds: r.get(16)?,
            billable: r.get(3)?,
            project_id: r.get(4)?,
            project_name: r.get(5)?,
            client_id: r.get(6)?,
            client_name: r.get(7)?,
            rate: first_rate(
                c.decimal_opt(8, "hourly_rate")?,
                c.decimal_opt(13, "hourly_rate (of the track's task)")?,
                c.decimal_opt(14, "hourly_rate (of the track's project)")?,
                c.decimal_opt(15, "hourly_rate (of the track's client)")?,
            )
            .map(|(r, _)| r),
            currency: c.parsed_opt(9, "currency (of the track's project or client)", |s| {
                super::parse_currency(s).map(|_| s.to_owned())
            })?,
            tags: tags
                .unwrap_or_default()
                .split('\u{1e}')
                .filter_map(|p| {
                    let (id, name) = p.split_once('\u{1f}')?;
                    Some((id.parse().ok()?, name.to_owned()))
                })
                .collect(),
            task_id: r.get(11)?,
            task_name: r.get(12)?,
            milestone: match r.get::<_, Option<i64>>(17)? {
                Some(id) => Some((id, r.get(18)?)),
                None => None,
            },
        })
    })?;
    let mut spans: Vec<Span> = rows.collect::<rusqlite::Result<_>>()?;
    spans.sort_by_key(|s| s.start);
    Ok(spans)
}

#[cfg(test)]
mod plans {
    //! The report queries read the indexes the invariants name (ARCHITECTURE.md, "Invariants
    //! worth knowing"): a range is one stretch of an index by start, and no query scans the table.

    use super::*;

    fn query(start: i64, end: i64) -> ReportQuery {
        ReportQuery {
            start,
            end,
            now: 10_000,
            project_id: None,
            client_id: None,
            tag_id: None,
            milestone_id: None,
            billable: None,
            invoiced: None,
            finished_only: false,
            rounding: Rounding::default(),
            person: None,
        }
    }

    /// The `detail` lines of `EXPLAIN QUERY PLAN sql`, joined by `; `.
    fn plan(conn: &Connection, sql: &str, args: Vec<Value>) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt
            .query_map(params_from_iter(args), |r| r.get::<_, String>(3))
            .unwrap();
        rows.collect::<rusqlite::Result<Vec<_>>>()
            .unwrap()
            .join("; ")
    }

    #[test]
    fn report_queries_read_ranges_by_start_from_their_indexes() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::open(&dir.path().join("plans.db")).unwrap();
        // Tracks from 0 to 1000: a range of 10 seconds is narrow, one of 2000 wide.
        for (start, end) in [(0, 60), (1000, 1060)] {
            conn.execute(
                "INSERT INTO tracks (start_at, end_at, timezone, billable, created_at, updated_at)
                 VALUES (?1, ?2, 'UTC', 1, 0, 0)",
                [start, end],
            )
            .unwrap();
        }
        let narrow = query(0, 10);
        let wide = query(0, 2000);
        let unbilled = ReportQuery {
            billable: Some(true),
            invoiced: Some(false),
            finished_only: true,
            ..wide.clone()
        };
        let by_start = "USING COVERING INDEX tracks_report (start_at>? AND start_at<?)";
        let cases: [(&str, ReportQuery, bool, &str); 5] = [
            ("narrow", narrow.clone(), false, by_start),
            ("narrow by tag", narrow.clone(), true, by_start),
            (
                "wide",
                wide.clone(),
                false,
                "USING COVERING INDEX tracks_by_project",
            ),
            (
                "unbilled",
                unbilled,
                false,
                "USING COVERING INDEX tracks_unbilled",
            ),
            ("wide by tag", wide, true, by_start),
        ];
        for (what, q, with_tags, index) in cases {
            let mut args = Vec::new();
            let sql = grouped_sql(&conn, &q, with_tags, &mut args).unwrap();
            let p = plan(&conn, &sql, args);
            assert!(p.contains(index), "{what}: {p}");
            assert!(
                !p.split("; ").any(|l| l == "SCAN t"),
                "{what} scans the table: {p}"
            );
        }
        for with_tags in [false, true] {
            let mut args = Vec::new();
            let sql = spans_sql(&narrow, with_tags, &mut args);
            let p = plan(&conn, &sql, args);
            assert!(p.contains(by_start), "spans: {p}");
            assert!(
                !p.split("; ").any(|l| l == "SCAN t"),
                "spans scan the table: {p}"
            );
        }
    }
}
