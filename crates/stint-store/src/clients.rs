//! Rows of `clients`.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};
use rust_decimal::Decimal;

use super::{Cols, Result, to_ts};
use stint_domain::ClientId;
use stint_domain::entities::Client;
use stint_domain::money::Currency;
use stint_domain::names::name_key;

/// Every writable column of a client.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientFields {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub notes: Option<String>,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<Currency>,
    pub archived: bool,
    pub tax_rate_percent: Option<Decimal>,
}

impl From<&Client> for ClientFields {
    fn from(c: &Client) -> Self {
        ClientFields {
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            tax_id: c.tax_id.clone(),
            notes: c.notes.clone(),
            hourly_rate: c.hourly_rate,
            currency: c.currency,
            archived: c.archived,
            tax_rate_percent: c.tax_rate_percent,
        }
    }
}

const COLUMNS: &str = "id, name, email, phone, address, tax_id, notes, hourly_rate, currency, \
                       archived, created_at, updated_at, tax_rate_percent";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Client> {
    let c = Cols::new(r, "clients", "client", 0)?;
    Ok(Client {
        id: ClientId(r.get(0)?),
        name: r.get(1)?,
        email: r.get(2)?,
        phone: r.get(3)?,
        address: r.get(4)?,
        tax_id: r.get(5)?,
        notes: r.get(6)?,
        hourly_rate: c.decimal_opt(7, "hourly_rate")?,
        currency: c.currency_opt(8, "currency")?,
        archived: r.get(9)?,
        created_at: c.ts(10, "created_at")?,
        updated_at: c.ts(11, "updated_at")?,
        tax_rate_percent: c.decimal_opt(12, "tax_rate_percent")?,
    })
}

/// Inserts a client and returns its id.
pub fn insert(conn: &Connection, f: &ClientFields, now: DateTime<Utc>) -> Result<ClientId> {
    conn.execute(
        "INSERT INTO clients (name, email, phone, address, tax_id, notes, hourly_rate, currency, \
         archived, created_at, updated_at, name_key, id, tax_rate_percent) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13)",
        params![
            f.name,
            f.email,
            f.phone,
            f.address,
            f.tax_id,
            f.notes,
            f.hourly_rate.map(|d| d.to_string()),
            f.currency.map(Currency::code),
            f.archived,
            to_ts(now),
            name_key(&f.name),
            super::sync::next_id(conn, "clients")?,
            f.tax_rate_percent.map(|d| d.to_string())
        ],
    )?;
    Ok(ClientId(conn.last_insert_rowid()))
}

/// Overwrites every writable column of client `id`.
pub fn update(conn: &Connection, id: ClientId, f: &ClientFields, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE clients SET name = ?2, email = ?3, phone = ?4, address = ?5, tax_id = ?6, \
         notes = ?7, hourly_rate = ?8, currency = ?9, archived = ?10, updated_at = ?11, \
         name_key = CASE WHEN name_key IS NULL AND name = ?2 THEN NULL ELSE ?12 END, \
         tax_rate_percent = ?13 WHERE id = ?1",
        params![
            id.0,
            f.name,
            f.email,
            f.phone,
            f.address,
            f.tax_id,
            f.notes,
            f.hourly_rate.map(|d| d.to_string()),
            f.currency.map(Currency::code),
            f.archived,
            to_ts(now),
            name_key(&f.name),
            f.tax_rate_percent.map(|d| d.to_string())
        ],
    )?;
    Ok(())
}

/// The client with this id.
pub fn get(conn: &Connection, id: ClientId) -> Result<Option<Client>> {
    Ok(conn
        .query_row(
            &format!("SELECT {COLUMNS} FROM clients WHERE id = ?1"),
            [id.0],
            from_row,
        )
        .optional()?)
}

/// Clients whose name is `name` ignoring case in every script (equal [`name_key`]s), by id:
/// one, or several only where names clashed when the keys were filled (see
/// [`super::fill_name_keys`]).
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Vec<Client>> {
    let Some(key) = stint_domain::names::lookup_key(name) else {
        return Ok(Vec::new());
    };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM clients WHERE name_key = ?1 OR name_key IS NULL ORDER BY id"
    ))?;
    let mut found = Vec::new();
    for c in stmt.query_map([&key], from_row)? {
        let c = c?;
        if name_key(&c.name) == key {
            found.push(c);
        }
    }
    Ok(found)
}

/// Client names to rank for an unknown-name error (at most
/// `super::MAX_SUGGESTION_CANDIDATES`) and how many clients there are.
pub fn names_for_suggestions(conn: &Connection) -> Result<(Vec<String>, i64)> {
    super::names_for_suggestions(conn, "clients")
}

/// Clients ordered by name then id, after the keyset `after = (name, id)`.
pub fn list(
    conn: &Connection,
    include_archived: bool,
    search: Option<&str>,
    after: Option<(&str, i64)>,
    limit: usize,
) -> Result<Vec<Client>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM clients
         WHERE (?1 OR archived = 0)
           AND (?2 IS NULL OR ifnull(name_key, name) LIKE '%' || ?2 || '%' ESCAPE '\\')
           AND (?3 IS NULL OR name COLLATE NOCASE > ?3 OR (name COLLATE NOCASE = ?3 AND id > ?4))
         ORDER BY name COLLATE NOCASE, id LIMIT ?5"
    ))?;
    let (after_name, after_id) = after.map_or((None, 0), |(n, i)| (Some(n), i));
    let rows = stmt.query_map(
        params![
            include_archived,
            search.map(super::key_search),
            after_name,
            after_id,
            limit as i64
        ],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many projects and tracks refer to client `id`, and how many of its invoices were issued
/// (given a number: sent, paid, or voided after sending).
pub fn usage(conn: &Connection, id: ClientId) -> Result<(i64, i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT count(*) FROM projects WHERE client_id = ?1),
                (SELECT count(*) FROM tracks t JOIN projects p ON p.id = t.project_id WHERE p.client_id = ?1),
                (SELECT count(*) FROM invoices WHERE client_id = ?1 AND number IS NOT NULL)",
        [id.0],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?)
}

/// Deletes client `id`; its projects (which must have no tracks) and draft or void invoices go
/// with it.
pub fn delete(conn: &Connection, id: ClientId) -> Result<()> {
    conn.execute(
        "UPDATE tracks SET invoice_id = NULL, invoice_line_id = NULL
         WHERE invoice_id IN (SELECT id FROM invoices WHERE client_id = ?1)",
        [id.0],
    )?;
    conn.execute("DELETE FROM invoices WHERE client_id = ?1", [id.0])?;
    conn.execute(
        "DELETE FROM tasks WHERE project_id IN (SELECT id FROM projects WHERE client_id = ?1)",
        [id.0],
    )?;
    conn.execute("DELETE FROM projects WHERE client_id = ?1", [id.0])?;
    conn.execute("DELETE FROM clients WHERE id = ?1", [id.0])?;
    Ok(())
}
