//! Rows of `tasks` (see `migrations/V8__tasks.sql`): work under a project, unique by folded
//! name within it.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;

use super::{Cols, Result, to_ts};
use stint_domain::entities::{Task, TaskPriority, TaskStatus};
use stint_domain::names::name_key;
use stint_domain::{MilestoneId, ProjectId, TaskId};

/// Every writable column of a task (its project is fixed at creation).
#[derive(Debug, Clone, PartialEq)]
pub struct TaskFields {
    pub name: String,
    /// Seconds; `None` for no estimate.
    pub estimate_seconds: Option<i64>,
    pub status: TaskStatus,
    /// `None` follows the project's billable default.
    pub billable_by_default: Option<bool>,
    /// Major units per hour.
    pub hourly_rate: Option<Decimal>,
    pub archived: bool,
    /// Local day it is due by.
    pub due_date: Option<chrono::NaiveDate>,
    pub priority: TaskPriority,
    /// A milestone of the task's project (the service checks that it is).
    pub milestone_id: Option<MilestoneId>,
}

impl From<&Task> for TaskFields {
    fn from(t: &Task) -> Self {
        TaskFields {
            name: t.name.clone(),
            estimate_seconds: t.estimate_seconds,
            status: t.status,
            billable_by_default: t.billable_by_default,
            hourly_rate: t.hourly_rate,
            archived: t.archived,
            due_date: t.due_date,
            priority: t.priority,
            milestone_id: t.milestone_id,
        }
    }
}

/// Columns of [`from_row`]; `?1` is "now" (Unix seconds), up to which running timers count.
/// Drafts are not counted in the tracked time.
const SELECT: &str = "SELECT k.id, k.project_id, p.name, k.name, k.estimate_seconds, k.status,
       k.billable_by_default, k.hourly_rate, k.archived, k.created_at, k.updated_at,
       (SELECT ifnull(sum(max(0, ifnull(x.end_at, ?1) - x.start_at)), 0)
          FROM tracks x WHERE x.task_id = k.id AND x.draft = 0),
       k.due_date, k.priority, k.milestone_id, m.name,
       k.assignee_id, k.assignee_owner,
       CASE WHEN k.assignee_owner = 1
            THEN ifnull((SELECT value FROM settings WHERE key = 'owner.name'), 'Owner')
            ELSE (SELECT name FROM people WHERE id = k.assignee_id) END
  FROM tasks k JOIN projects p ON p.id = k.project_id
  LEFT JOIN milestones m ON m.id = k.milestone_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Task> {
    let c = Cols::new(r, "tasks", "task", 0)?;
    Ok(Task {
        id: TaskId(r.get(0)?),
        project_id: ProjectId(r.get(1)?),
        project_name: r.get(2)?,
        name: r.get(3)?,
        estimate_seconds: r.get(4)?,
        status: c.parsed(5, "status", |s| TaskStatus::parse(s).ok())?,
        billable_by_default: r.get(6)?,
        hourly_rate: c.decimal_opt(7, "hourly_rate")?,
        archived: r.get(8)?,
        created_at: c.ts(9, "created_at")?,
        updated_at: c.ts(10, "updated_at")?,
        tracked_seconds: r.get(11)?,
        due_date: c.date_opt(12, "due_date")?,
        priority: c.parsed(13, "priority", |s| TaskPriority::parse(s).ok())?,
        milestone_id: r.get::<_, Option<i64>>(14)?.map(MilestoneId),
        milestone_name: r.get(15)?,
        assignee: match (r.get::<_, Option<i64>>(16)?, r.get::<_, bool>(17)?) {
            (Some(id), _) => Some(Some(stint_domain::PersonId(id))),
            (None, true) => Some(None),
            (None, false) => None,
        },
        assignee_name: r.get(18)?,
    })
}

/// Inserts a task of `project` and returns its id.
///
/// # Errors
/// A UNIQUE violation ([`super::StoreError::is_unique_violation`]) when the project has a task
/// of the same folded name.
pub fn insert(
    conn: &Connection,
    project: ProjectId,
    f: &TaskFields,
    now: DateTime<Utc>,
) -> Result<TaskId> {
    conn.execute(
        "INSERT INTO tasks (project_id, name, name_key, estimate_seconds, status,
           billable_by_default, hourly_rate, archived, created_at, updated_at, id, due_date,
           priority, milestone_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)",
        params![
            project.0,
            f.name,
            name_key(&f.name),
            f.estimate_seconds,
            f.status.as_str(),
            f.billable_by_default,
            f.hourly_rate.map(|d| d.to_string()),
            f.archived,
            to_ts(now),
            super::sync::next_id(conn, "tasks")?,
            f.due_date.map(|d| d.to_string()),
            f.priority.as_str(),
            f.milestone_id.map(|m| m.0)
        ],
    )?;
    Ok(TaskId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of task `id`.
pub fn update(conn: &Connection, id: TaskId, f: &TaskFields, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE tasks SET name = ?2, name_key = ?3, estimate_seconds = ?4, status = ?5,
           billable_by_default = ?6, hourly_rate = ?7, archived = ?8, updated_at = ?9,
           due_date = ?10, priority = ?11, milestone_id = ?12
         WHERE id = ?1",
        params![
            id.0,
            f.name,
            name_key(&f.name),
            f.estimate_seconds,
            f.status.as_str(),
            f.billable_by_default,
            f.hourly_rate.map(|d| d.to_string()),
            f.archived,
            to_ts(now),
            f.due_date.map(|d| d.to_string()),
            f.priority.as_str(),
            f.milestone_id.map(|m| m.0)
        ],
    )?;
    Ok(())
}

/// The task with this id; running timers count up to `now` in its tracked time.
pub fn get(conn: &Connection, id: TaskId, now: DateTime<Utc>) -> Result<Option<Task>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE k.id = ?2"))?
        .query_row(params![to_ts(now), id.0], from_row)
        .optional()?)
}

/// Tasks named `name` (equal folded keys), of `project` or of any project, by id.
pub fn find_by_name(
    conn: &Connection,
    project: Option<ProjectId>,
    name: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Task>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE k.name_key = ?2 AND (?3 IS NULL OR k.project_id = ?3) ORDER BY k.id"
    ))?;
    let rows = stmt.query_map(
        params![to_ts(now), name_key(name), project.map(|p| p.0)],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Names of tasks (of `project`, or all) to rank for an unknown-name error: at most
/// `super::MAX_SUGGESTION_CANDIDATES`, by id, as `(task name, project name)`, and how many
/// there are in all.
pub fn names_for_suggestions(
    conn: &Connection,
    project: Option<ProjectId>,
) -> Result<(Vec<(String, String)>, i64)> {
    let p = project.map(|p| p.0);
    let total: i64 = conn.query_row(
        "SELECT count(*) FROM tasks WHERE ?1 IS NULL OR project_id = ?1",
        [p],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT k.name, p.name FROM tasks k JOIN projects p ON p.id = k.project_id
          WHERE ?1 IS NULL OR k.project_id = ?1 ORDER BY k.id LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![p, super::MAX_SUGGESTION_CANDIDATES], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((rows, total))
}

/// Filter for [`list`].
#[derive(Debug, Clone, Default)]
pub struct TaskFilter {
    pub project_id: Option<ProjectId>,
    pub status: Option<TaskStatus>,
    /// Only archived (`Some(true)`) or only not archived (`Some(false)`) tasks.
    pub archived: Option<bool>,
    pub priority: Option<TaskPriority>,
    /// Only tasks due before this local day (not on it); tasks without a due date are out.
    pub due_before: Option<chrono::NaiveDate>,
    pub milestone_id: Option<MilestoneId>,
    /// Only tasks assigned to this person (`Some(None)`: the owner).
    pub assignee: Option<Option<stint_domain::PersonId>>,
}

/// Assigns task `id` to `who` (`None`: nobody; `Some(None)`: the owner).
pub fn set_assignee(
    conn: &Connection,
    id: TaskId,
    who: Option<Option<stint_domain::PersonId>>,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE tasks SET assignee_id = ?2, assignee_owner = ?3, updated_at = ?4 WHERE id = ?1",
        params![
            id.0,
            who.flatten().map(|p| p.0),
            who == Some(None),
            to_ts(now)
        ],
    )?;
    Ok(())
}

/// Where a page of [`list`] continues: after the task with this project name, project id,
/// task name and task id.
pub type TaskKeyset = (String, i64, String, i64);

/// Tasks ordered by project name, project id, task name and id (names case-insensitive),
/// after the keyset `after`; running timers count up to `now` in tracked time.
pub fn list(
    conn: &Connection,
    filter: &TaskFilter,
    after: Option<&TaskKeyset>,
    limit: usize,
    now: DateTime<Utc>,
) -> Result<Vec<Task>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT}
         WHERE (?2 IS NULL OR k.project_id = ?2)
           AND (?3 IS NULL OR k.status = ?3)
           AND (?4 IS NULL OR k.archived = ?4)
           AND (?13 IS NULL OR (?13 = 0 AND k.assignee_owner = 1) OR k.assignee_id = ?13)
           AND (?5 IS NULL OR (p.name COLLATE NOCASE, p.id, k.name COLLATE NOCASE, k.id)
                > (?5, ?6, ?7, ?8))
           AND (?10 IS NULL OR k.priority = ?10)
           AND (?11 IS NULL OR k.due_date < ?11)
           AND (?12 IS NULL OR k.milestone_id = ?12)
         ORDER BY p.name COLLATE NOCASE, p.id, k.name COLLATE NOCASE, k.id
         LIMIT ?9"
    ))?;
    let rows = stmt.query_map(
        params![
            to_ts(now),
            filter.project_id.map(|p| p.0),
            filter.status.map(TaskStatus::as_str),
            filter.archived,
            after.map(|a| a.0.as_str()),
            after.map(|a| a.1),
            after.map(|a| a.2.as_str()),
            after.map(|a| a.3),
            i64::try_from(limit).unwrap_or(i64::MAX),
            filter.priority.map(TaskPriority::as_str),
            filter.due_before.map(|d| d.to_string()),
            filter.milestone_id.map(|m| m.0),
            filter.assignee.map(|a| a.map_or(0, |p| p.0))
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many tracks are on task `id`, and how many of them are on an invoice.
pub fn track_counts(conn: &Connection, id: TaskId) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT count(*), count(invoice_id) FROM tracks WHERE task_id = ?1",
        [id.0],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}

/// Takes task `id` off its tracks (they stay on the project); returns how many.
pub fn detach(conn: &Connection, id: TaskId, now: DateTime<Utc>) -> Result<usize> {
    Ok(conn.execute(
        "UPDATE tracks SET task_id = NULL, updated_at = ?2 WHERE task_id = ?1",
        params![id.0, to_ts(now)],
    )?)
}

/// Deletes task `id` (which must have no tracks).
pub fn delete(conn: &Connection, id: TaskId) -> Result<()> {
    conn.execute("DELETE FROM tasks WHERE id = ?1", [id.0])?;
    Ok(())
}
