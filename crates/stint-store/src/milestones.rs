//! Rows of `milestones` (see `migrations/V14__milestones_drafts.sql`): stages of a project, unique
//! by folded name within it, that hold tasks of that project.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Cols, Result, to_ts};
use stint_domain::entities::{Milestone, MilestoneStatus};
use stint_domain::names::name_key;
use stint_domain::{MilestoneId, ProjectId, TaskId};

/// Every writable column of a milestone (its project is fixed at creation).
#[derive(Debug, Clone, PartialEq)]
pub struct MilestoneFields {
    pub name: String,
    pub due_date: Option<NaiveDate>,
    pub status: MilestoneStatus,
    pub completed_at: Option<DateTime<Utc>>,
    pub archived: bool,
}

impl From<&Milestone> for MilestoneFields {
    fn from(m: &Milestone) -> Self {
        MilestoneFields {
            name: m.name.clone(),
            due_date: m.due_date,
            status: m.status,
            completed_at: m.completed_at,
            archived: m.archived,
        }
    }
}

/// Columns of [`from_row`]; `?1` is "now" (Unix seconds), up to which running timers count.
/// Tracked time sums the approved tracks of the milestone's tasks.
const SELECT: &str = "SELECT m.id, m.project_id, p.name, m.name, m.due_date, m.status,
       m.completed_at, m.archived, m.created_at, m.updated_at,
       (SELECT count(*) FROM tasks k WHERE k.milestone_id = m.id),
       (SELECT count(*) FROM tasks k WHERE k.milestone_id = m.id AND k.status = 'open'),
       (SELECT ifnull(sum(max(0, ifnull(x.end_at, ?1) - x.start_at)), 0)
          FROM tasks k JOIN tracks x ON x.task_id = k.id
         WHERE k.milestone_id = m.id AND x.draft = 0)
  FROM milestones m JOIN projects p ON p.id = m.project_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Milestone> {
    let c = Cols::new(r, "milestones", "milestone", 0)?;
    Ok(Milestone {
        id: MilestoneId(r.get(0)?),
        project_id: ProjectId(r.get(1)?),
        project_name: r.get(2)?,
        name: r.get(3)?,
        due_date: c.date_opt(4, "due_date")?,
        status: c.parsed(5, "status", |s| MilestoneStatus::parse(s).ok())?,
        completed_at: c.ts_opt(6, "completed_at")?,
        archived: r.get(7)?,
        created_at: c.ts(8, "created_at")?,
        updated_at: c.ts(9, "updated_at")?,
        tasks: r.get(10)?,
        open_tasks: r.get(11)?,
        tracked_seconds: r.get(12)?,
    })
}

/// Inserts a milestone of `project` and returns its id.
///
/// # Errors
/// A UNIQUE violation ([`super::StoreError::is_unique_violation`]) when the project has a
/// milestone of the same folded name.
pub fn insert(
    conn: &Connection,
    project: ProjectId,
    f: &MilestoneFields,
    now: DateTime<Utc>,
) -> Result<MilestoneId> {
    conn.execute(
        "INSERT INTO milestones (id, project_id, name, name_key, due_date, status, completed_at,
           archived, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
        params![
            super::sync::next_id(conn, "milestones")?,
            project.0,
            f.name,
            name_key(&f.name),
            f.due_date.map(|d| d.to_string()),
            f.status.as_str(),
            f.completed_at.map(to_ts),
            f.archived,
            to_ts(now),
        ],
    )?;
    Ok(MilestoneId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of milestone `id`.
pub fn update(
    conn: &Connection,
    id: MilestoneId,
    f: &MilestoneFields,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE milestones SET name = ?2, name_key = ?3, due_date = ?4, status = ?5,
           completed_at = ?6, archived = ?7, updated_at = ?8
         WHERE id = ?1",
        params![
            id.0,
            f.name,
            name_key(&f.name),
            f.due_date.map(|d| d.to_string()),
            f.status.as_str(),
            f.completed_at.map(to_ts),
            f.archived,
            to_ts(now),
        ],
    )?;
    Ok(())
}

/// The milestone with this id; running timers count up to `now` in its tracked time.
pub fn get(conn: &Connection, id: MilestoneId, now: DateTime<Utc>) -> Result<Option<Milestone>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE m.id = ?2"))?
        .query_row(params![to_ts(now), id.0], from_row)
        .optional()?)
}

/// Milestones named `name` (equal folded keys), of `project` or of any project, by id.
pub fn find_by_name(
    conn: &Connection,
    project: Option<ProjectId>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Milestone>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE m.name_key = ?2 AND (?3 IS NULL OR m.project_id = ?3) ORDER BY m.id"
    ))?;
    let rows = stmt.query_map(
        params![to_ts(now), name_key(name), project.map(|p| p.0)],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Filter for [`list`].
#[derive(Debug, Clone, Default)]
pub struct MilestoneFilter {
    pub project_id: Option<ProjectId>,
    pub status: Option<MilestoneStatus>,
    /// Archived ones too.
    pub include_archived: bool,
}

/// Milestones by due date (those without one last), then project name, name and id, at most
/// `limit`; running timers count up to `now`.
pub fn list(
    conn: &Connection,
    filter: &MilestoneFilter,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Milestone>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT}
         WHERE (?2 IS NULL OR m.project_id = ?2) AND (?3 IS NULL OR m.status = ?3)
           AND (?4 OR m.archived = 0)
         ORDER BY m.due_date IS NULL, m.due_date, p.name COLLATE NOCASE, m.name COLLATE NOCASE,
                  m.id
         LIMIT ?5"
    ))?;
    let rows = stmt.query_map(
        params![
            to_ts(now),
            filter.project_id.map(|p| p.0),
            filter.status.map(MilestoneStatus::as_str),
            filter.include_archived,
            i64::try_from(limit).unwrap_or(i64::MAX)
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Closes the open tasks of milestone `id` (status `done`); returns their ids, by id.
pub fn close_open_tasks(
    conn: &Connection,
    id: MilestoneId,
    now: DateTime<Utc>,
) -> Result<Vec<TaskId>> {
    let ids: Vec<TaskId> = conn
        .prepare_cached(
            "SELECT id FROM tasks WHERE milestone_id = ?1 AND status = 'open' ORDER BY id",
        )?
        .query_map([id.0], |r| Ok(TaskId(r.get(0)?)))?
        .collect::<rusqlite::Result<_>>()?;
    conn.execute(
        "UPDATE tasks SET status = 'done', updated_at = ?2
          WHERE milestone_id = ?1 AND status = 'open'",
        params![id.0, to_ts(now)],
    )?;
    Ok(ids)
}
