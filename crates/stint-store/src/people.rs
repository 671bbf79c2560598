//! Rows of `people` (V13): the people of a team other than the owner, and the owner's own
//! figures, kept as the settings `owner.*` (the owner is no row: `person_id IS NULL`).

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;

use super::{Cols, Result, to_ts};
use stint_domain::PersonId;
use stint_domain::money::Currency;
use stint_domain::names::name_key;
use stint_domain::people::{Person, Role};

/// Every writable column of a person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonFields {
    pub name: String,
    pub email: Option<String>,
    pub weekly_capacity_hours: Option<Decimal>,
    pub cost_rate: Option<Decimal>,
    pub currency: Option<Currency>,
    pub role: Role,
    pub archived: bool,
}

const SELECT: &str = "SELECT id, name, email, weekly_capacity_hours, cost_rate, currency, role, \
                      archived, created_at, updated_at FROM people";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Person> {
    let c = Cols::new(r, "people", "person", 0)?;
    Ok(Person {
        id: Some(PersonId(r.get(0)?)),
        name: r.get(1)?,
        email: r.get(2)?,
        weekly_capacity_hours: c.decimal_opt(3, "weekly_capacity_hours")?,
        cost_rate: c.decimal_opt(4, "cost_rate")?,
        currency: c.currency_opt(5, "currency")?,
        role: c.parsed(6, "role", |s| Role::parse(s).ok())?,
        archived: r.get(7)?,
        created_at: Some(c.ts(8, "created_at")?),
        updated_at: Some(c.ts(9, "updated_at")?),
    })
}

/// Inserts a person and returns their id.
pub fn insert(conn: &Connection, f: &PersonFields, now: DateTime<Utc>) -> Result<PersonId> {
    conn.execute(
        "INSERT INTO people (id, name, name_key, email, weekly_capacity_hours, cost_rate, currency,
                             role, archived, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)",
        params![
            super::sync::next_id(conn, "people")?,
            f.name,
            name_key(&f.name),
            f.email,
            f.weekly_capacity_hours.map(|d| d.to_string()),
            f.cost_rate.map(|d| d.to_string()),
            f.currency.map(|c| c.code().to_owned()),
            f.role.as_str(),
            f.archived,
            to_ts(now),
        ],
    )?;
    Ok(PersonId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of person `id`.
pub fn update(conn: &Connection, id: PersonId, f: &PersonFields, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE people SET name = ?2, name_key = ?3, email = ?4, weekly_capacity_hours = ?5,
           cost_rate = ?6, currency = ?7, role = ?8, archived = ?9, updated_at = ?10
         WHERE id = ?1",
        params![
            id.0,
            f.name,
            name_key(&f.name),
            f.email,
            f.weekly_capacity_hours.map(|d| d.to_string()),
            f.cost_rate.map(|d| d.to_string()),
            f.currency.map(|c| c.code().to_owned()),
            f.role.as_str(),
            f.archived,
            to_ts(now),
        ],
    )?;
    Ok(())
}

/// The person with this id.
pub fn get(conn: &Connection, id: PersonId) -> Result<Option<Person>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id.0], from_row)
        .optional()?)
}

/// The person whose name folds to the same key as `name` (names are unique by key).
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Option<Person>> {
    let Some(key) = stint_domain::names::lookup_key(name) else {
        return Ok(None);
    };
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE name_key = ?1"))?
        .query_row([key], from_row)
        .optional()?)
}

/// Every person (not the owner), archived ones when asked, by name.
pub fn list(conn: &Connection, archived: bool) -> Result<Vec<Person>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE archived = 0 OR ?1 ORDER BY name_key, id"
    ))?;
    let rows = stmt.query_map([archived], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What of a team the database holds: `(people, milestones, drafts)`, whether it has a person
/// besides the owner, a milestone, and a draft track or expense (which team tools a catalogue
/// lists: `stint_mcp::catalog::TeamListing`).
pub fn team_features(conn: &Connection) -> Result<(bool, bool, bool)> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM people), EXISTS (SELECT 1 FROM milestones),
                    EXISTS (SELECT 1 FROM tracks WHERE draft = 1)
                    OR EXISTS (SELECT 1 FROM expenses WHERE draft = 1)",
        )?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?)
}

/// How many tracks and expenses person `id` has: a person with any cannot be deleted.
pub fn usage(conn: &Connection, id: PersonId) -> Result<(i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT (SELECT count(*) FROM tracks WHERE person_id = ?1),
                    (SELECT count(*) FROM expenses WHERE person_id = ?1)",
        )?
        .query_row([id.0], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// Deletes person `id`: their tasks lose their assignee, their tokens are revoked.
pub fn delete(conn: &Connection, id: PersonId, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE tasks SET assignee_id = NULL WHERE assignee_id = ?1",
        [id.0],
    )?;
    conn.execute(
        "UPDATE api_tokens SET revoked_at = ifnull(revoked_at, ?2), person_id = NULL
          WHERE person_id = ?1",
        params![id.0, to_ts(now)],
    )?;
    conn.execute("DELETE FROM people WHERE id = ?1", [id.0])?;
    Ok(())
}

/// The settings keys of the owner's own figures.
const OWNER_KEYS: [&str; 5] = [
    "owner.name",
    "owner.email",
    "owner.weekly_capacity_hours",
    "owner.cost_rate",
    "owner.currency",
];

/// The name the owner has until they give one.
pub const OWNER_DEFAULT_NAME: &str = "Owner";

/// The owner as a person: the settings `owner.*` (name `Owner` until set).
pub fn owner(conn: &Connection) -> Result<Person> {
    let mut stmt = conn.prepare_cached("SELECT value FROM settings WHERE key = ?1")?;
    let mut get =
        |k: &str| -> Result<Option<String>> { Ok(stmt.query_row([k], |r| r.get(0)).optional()?) };
    let name = get(OWNER_KEYS[0])?;
    let email = get(OWNER_KEYS[1])?;
    let cap = get(OWNER_KEYS[2])?;
    let cost = get(OWNER_KEYS[3])?;
    let cur = get(OWNER_KEYS[4])?;
    let bad = |column: &'static str, value: &str| super::BadValue {
        table: "settings",
        column,
        row: "the owner".to_owned(),
        value: stint_domain::limits::echo(value),
    };
    let dec = |column: &'static str, v: Option<String>| -> Result<Option<Decimal>> {
        v.map(|v| v.parse::<Decimal>().map_err(|_| bad(column, &v).into()))
            .transpose()
    };
    Ok(Person {
        id: None,
        name: name.unwrap_or_else(|| OWNER_DEFAULT_NAME.to_owned()),
        email,
        weekly_capacity_hours: dec("owner.weekly_capacity_hours", cap)?,
        cost_rate: dec("owner.cost_rate", cost)?,
        currency: cur
            .map(|c| Currency::parse(&c).map_err(|_| bad("owner.currency", &c)))
            .transpose()?,
        role: Role::Owner,
        archived: false,
        created_at: None,
        updated_at: None,
    })
}

/// Stores the owner's own figures (a `None` removes the setting).
pub fn set_owner(conn: &Connection, f: &PersonFields, now: DateTime<Utc>) -> Result<()> {
    let values = [
        Some(f.name.clone()),
        f.email.clone(),
        f.weekly_capacity_hours.map(|d| d.to_string()),
        f.cost_rate.map(|d| d.to_string()),
        f.currency.map(|c| c.code().to_owned()),
    ];
    for (k, v) in OWNER_KEYS.iter().zip(values) {
        match v {
            Some(v) => {
                conn.execute(
                    "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (key) DO UPDATE SET value = excluded.value,
                       updated_at = excluded.updated_at
                     WHERE value IS NOT excluded.value",
                    params![k, v, to_ts(now)],
                )?;
            }
            None => {
                conn.execute("DELETE FROM settings WHERE key = ?1", [k])?;
            }
        }
    }
    Ok(())
}

/// Whom the active token named `name` speaks for: `Some(None)` the owner, `Some(Some(id))` a
/// person, `None` no such active token.
pub fn token_person(conn: &Connection, name: &str) -> Result<Option<Option<PersonId>>> {
    Ok(conn
        .prepare_cached("SELECT person_id FROM api_tokens WHERE name = ?1 AND revoked_at IS NULL")?
        .query_row([name], |r| r.get::<_, Option<i64>>(0))
        .optional()?
        .map(|p| p.map(PersonId)))
}

/// Whom each token speaks for, by token id (revoked ones too): `None` the owner.
pub fn token_people(conn: &Connection) -> Result<std::collections::HashMap<i64, Option<PersonId>>> {
    let mut stmt = conn.prepare_cached("SELECT id, person_id FROM api_tokens")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<i64>>(1)?.map(PersonId),
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Sets whom token `id` speaks for (`None`: the owner).
pub fn set_token_person(conn: &Connection, token: i64, person: Option<PersonId>) -> Result<()> {
    conn.execute(
        "UPDATE api_tokens SET person_id = ?2 WHERE id = ?1",
        params![token, person.map(|p| p.0)],
    )?;
    Ok(())
}
