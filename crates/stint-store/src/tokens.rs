//! Rows of `api_tokens`: bearer tokens for the HTTP front end. Only a SHA-256 hash of each
//! secret is stored.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{Cols, Result, to_ts};

/// A token as stored (without its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRow {
    pub id: i64,
    pub name: String,
    /// `read`, `write` or `admin`.
    pub scope: String,
    /// May see client contact details.
    pub sensitive: bool,
    /// Hex SHA-256 of the secret.
    pub(crate) secret_hash: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// Its writes of tracks and expenses are drafts (see `migrations/V14`).
    pub drafts: bool,
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<TokenRow> {
    let c = Cols::new(r, "api_tokens", "token", 0)?;
    Ok(TokenRow {
        id: r.get(0)?,
        name: r.get(1)?,
        scope: r.get(2)?,
        sensitive: r.get(3)?,
        secret_hash: r.get(4)?,
        created_at: c.ts(5, "created_at")?,
        last_used_at: c.ts_opt(6, "last_used_at")?,
        revoked_at: c.ts_opt(7, "revoked_at")?,
        drafts: r.get(8)?,
    })
}

const SELECT: &str = "SELECT id, name, scope, sensitive, secret_hash, created_at, last_used_at, \
                      revoked_at, drafts FROM api_tokens";

/// Inserts a token and returns its id.
pub fn insert(
    conn: &Connection,
    name: &str,
    scope: &str,
    sensitive: bool,
    drafts: bool,
    secret_hash: &str,
    now: DateTime<Utc>,
) -> Result<i64> {
    conn.execute(
        "INSERT INTO api_tokens (name, scope, sensitive, secret_hash, created_at, id, drafts) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![name, scope, sensitive, secret_hash, to_ts(now), super::sync::next_id(conn, "api_tokens")?, drafts],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every token, by name, then oldest first (revoked ones too).
pub fn list(conn: &Connection) -> Result<Vec<TokenRow>> {
    let mut stmt = conn.prepare_cached(&format!("{SELECT} ORDER BY name, id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tokens not revoked.
pub fn active(conn: &Connection) -> Result<Vec<TokenRow>> {
    let mut stmt =
        conn.prepare_cached(&format!("{SELECT} WHERE revoked_at IS NULL ORDER BY id"))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The active (not revoked) token named `name`; names are unique among active tokens.
pub fn active_by_name(conn: &Connection, name: &str) -> Result<Option<TokenRow>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE name = ?1 AND revoked_at IS NULL"))?
        .query_row([name], from_row)
        .optional()?)
}

/// The token with id `id`.
pub fn by_id(conn: &Connection, id: i64) -> Result<Option<TokenRow>> {
    Ok(conn
        .prepare_cached(&format!("{SELECT} WHERE id = ?1"))?
        .query_row([id], from_row)
        .optional()?)
}

/// The active token whose secret hashes to `secret_hash` (hex SHA-256): one lookup through
/// the unique index on `secret_hash`.
pub fn active_by_hash(conn: &Connection, secret_hash: &str) -> Result<Option<TokenRow>> {
    Ok(conn
        .prepare_cached(&format!(
            "{SELECT} WHERE secret_hash = ?1 AND revoked_at IS NULL"
        ))?
        .query_row([secret_hash], from_row)
        .optional()?)
}

/// Sets token `id`'s `last_used_at` to `now`.
pub fn touch(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.prepare_cached("UPDATE api_tokens SET last_used_at = ?2 WHERE id = ?1")?
        .execute(params![id, to_ts(now)])?;
    Ok(())
}

/// Marks token `id` revoked.
pub fn revoke(conn: &Connection, id: i64, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE api_tokens SET revoked_at = ?2 WHERE id = ?1",
        params![id, to_ts(now)],
    )?;
    Ok(())
}
