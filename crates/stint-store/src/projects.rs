//! Rows of `projects`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;

use super::{Cols, Result, to_ts};
use stint_domain::entities::{Budget, BudgetPeriod, Project};
use stint_domain::money::Currency;
use stint_domain::names::name_key;
use stint_domain::{ClientId, ProjectId};

/// Every writable column of a project.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectFields {
    pub name: String,
    pub client_id: Option<ClientId>,
    pub color: Option<String>,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<Currency>,
    pub billable_by_default: bool,
    pub budget: Budget,
    pub archived: bool,
}

impl From<&Project> for ProjectFields {
    fn from(p: &Project) -> Self {
        ProjectFields {
            name: p.name.clone(),
            client_id: p.client_id,
            color: p.color.clone(),
            hourly_rate: p.hourly_rate,
            currency: p.currency,
            billable_by_default: p.billable_by_default,
            budget: p.budget.clone(),
            archived: p.archived,
        }
    }
}

const SELECT: &str = "SELECT p.id, p.name, p.client_id, c.name, p.color, p.hourly_rate, p.currency,
       p.billable_by_default, p.budget_seconds, p.budget_amount, p.budget_period,
       p.budget_alert_percent, p.archived, p.created_at, p.updated_at
  FROM projects p LEFT JOIN clients c ON c.id = p.client_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Project> {
    let c = Cols::new(r, "projects", "project", 0)?;
    Ok(Project {
        id: ProjectId(r.get(0)?),
        name: r.get(1)?,
        client_id: r.get::<_, Option<i64>>(2)?.map(ClientId),
        client_name: r.get(3)?,
        color: r.get(4)?,
        hourly_rate: c.decimal_opt(5, "hourly_rate")?,
        currency: c.currency_opt(6, "currency")?,
        billable_by_default: r.get(7)?,
        budget: Budget {
            seconds: r.get(8)?,
            amount: c.decimal_opt(9, "budget_amount")?,
            period: c.parsed(10, "budget_period", |p| BudgetPeriod::parse(p).ok())?,
            alert_percent: r.get(11)?,
        },
        archived: r.get(12)?,
        created_at: c.ts(13, "created_at")?,
        updated_at: c.ts(14, "updated_at")?,
    })
}

/// Inserts a project and returns its id.
pub fn insert(conn: &Connection, f: &ProjectFields, now: DateTime<Utc>) -> Result<ProjectId> {
    conn.execute(
        "INSERT INTO projects (name, client_id, color, hourly_rate, currency, billable_by_default,
           budget_seconds, budget_amount, budget_period, budget_alert_percent, archived,
           created_at, updated_at, name_key, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?12, ?13, ?14)",
        params![
            f.name,
            f.client_id.map(|c| c.0),
            f.color,
            f.hourly_rate.map(|d| d.to_string()),
            f.currency.map(Currency::code),
            f.billable_by_default,
            f.budget.seconds,
            f.budget.amount.map(|d| d.to_string()),
            f.budget.period.as_str(),
            f.budget.alert_percent,
            f.archived,
            to_ts(now),
            name_key(&f.name),
            super::sync::next_id(conn, "projects")?
        ],
    )?;
    Ok(ProjectId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of project `id`.
pub fn update(
    conn: &Connection,
    id: ProjectId,
    f: &ProjectFields,
    now: DateTime<Utc>,
) -> Result<()> {
    conn.execute(
        "UPDATE projects SET name = ?2, client_id = ?3, color = ?4, hourly_rate = ?5, currency = ?6,
           billable_by_default = ?7, budget_seconds = ?8, budget_amount = ?9, budget_period = ?10,
           budget_alert_percent = ?11, archived = ?12, updated_at = ?13,
           name_key = CASE WHEN name_key IS NULL AND name = ?2 THEN NULL ELSE ?14 END
         WHERE id = ?1",
        params![
            id.0,
            f.name,
            f.client_id.map(|c| c.0),
            f.color,
            f.hourly_rate.map(|d| d.to_string()),
            f.currency.map(Currency::code),
            f.billable_by_default,
            f.budget.seconds,
            f.budget.amount.map(|d| d.to_string()),
            f.budget.period.as_str(),
            f.budget.alert_percent,
            f.archived,
            to_ts(now),
            name_key(&f.name)
        ],
    )?;
    Ok(())
}

/// The project with this id.
pub fn get(conn: &Connection, id: ProjectId) -> Result<Option<Project>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE p.id = ?1"), [id.0], from_row)
        .optional()?)
}

/// Projects whose name is `name` ignoring case in every script (equal
/// [`name_key`]s; several clients may each have one), by id.
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Vec<Project>> {
    let Some(key) = stint_domain::names::lookup_key(name) else {
        return Ok(Vec::new());
    };
    // Rows without a key (a name that clashed when keys were filled) are compared here.
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE p.name_key = ?1 OR p.name_key IS NULL ORDER BY p.id"
    ))?;
    let rows = stmt.query_map([&key], from_row)?;
    let mut found = Vec::new();
    for p in rows {
        let p = p?;
        if name_key(&p.name) == key {
            found.push(p);
        }
    }
    Ok(found)
}

/// A project's name and its client's name, if any.
pub(crate) type NameAndClient = (String, Option<String>);

/// Candidate projects for an unknown-name error: at most
/// `super::MAX_SUGGESTION_CANDIDATES`, by id, and how many projects there are in all.
pub fn names_for_suggestions(conn: &Connection) -> Result<(Vec<NameAndClient>, i64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM projects", [], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT p.name, c.name FROM projects p LEFT JOIN clients c ON c.id = p.client_id
          ORDER BY p.id LIMIT ?1",
    )?;
    let rows = stmt
        .query_map([super::MAX_SUGGESTION_CANDIDATES], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((rows, total))
}

/// Filter for [`list`].
#[derive(Debug, Clone, Default)]
pub struct ProjectFilter<'a> {
    pub client_id: Option<ClientId>,
    pub include_archived: bool,
    pub search: Option<&'a str>,
}

/// Projects ordered by name then id, after the keyset `after = (name, id)`.
pub fn list(
    conn: &Connection,
    filter: &ProjectFilter<'_>,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<Project>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT}
         WHERE (?1 OR p.archived = 0)
           AND (?2 IS NULL OR p.client_id = ?2)
           AND (?3 IS NULL OR ifnull(p.name_key, p.name) LIKE '%' || ?3 || '%' ESCAPE '\\')
           AND (?4 IS NULL OR p.name COLLATE NOCASE > ?4 OR (p.name COLLATE NOCASE = ?4 AND p.id > ?5))
         ORDER BY p.name COLLATE NOCASE, p.id LIMIT ?6"
    ))?;
    let (after_name, after_id) = after.map_or((None, 0), |(n, i)| (Some(n), i));
    let rows = stmt.query_map(
        params![
            filter.include_archived,
            filter.client_id.map(|c| c.0),
            filter.search.map(super::key_search),
            after_name,
            after_id,
            limit as i64
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Number of tracks on project `id`.
pub fn track_count(conn: &Connection, id: ProjectId) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM tracks WHERE project_id = ?1",
        [id.0],
        |r| r.get(0),
    )?)
}

/// Deletes project `id` (which must have no tracks) and its tasks.
pub fn delete(conn: &Connection, id: ProjectId) -> Result<()> {
    conn.execute(
        "UPDATE invoice_lines SET project_id = NULL WHERE project_id = ?1",
        [id.0],
    )?;
    conn.execute("DELETE FROM tasks WHERE project_id = ?1", [id.0])?;
    conn.execute("DELETE FROM projects WHERE id = ?1", [id.0])?;
    Ok(())
}
