//! Whole tables, read and written column by column, for stint's portable copy of a database
//! (`stint db export --json`, read back by `stint import`).
//!
//! The tables are those the change log records (see [`super::changes::is_recorded`]): every
//! table of user data and settings, never the logs, request ids or API tokens. Rows are read in
//! primary-key order; values keep their SQLite type ([`Cell`]).

use rusqlite::types::{Value, ValueRef};

use super::{Connection, Result, StoreError};

/// One value as SQLite stores it.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A table of the copy: its name and columns, in schema order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    pub columns: Vec<String>,
    /// The primary-key columns, in key order (rows are read in this order).
    pub key: Vec<String>,
}

fn quote(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// The tables of a portable copy, in the order they were created (parents before children).
///
/// # Errors
/// SQLite errors.
pub fn tables(conn: &Connection) -> Result<Vec<TableInfo>> {
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for name in names.into_iter().filter(|n| super::changes::is_recorded(n)) {
        let mut columns = Vec::new();
        let mut key: Vec<(i64, String)> = Vec::new();
        let mut stmt = conn.prepare(&format!("PRAGMA table_info({})", quote(&name)))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let column: String = row.get(1)?;
            let pk: i64 = row.get(5)?;
            if pk > 0 {
                key.push((pk, column.clone()));
            }
            columns.push(column);
        }
        key.sort();
        out.push(TableInfo {
            name,
            columns,
            key: key.into_iter().map(|(_, c)| c).collect(),
        });
    }
    Ok(out)
}

/// Calls `f` with each row of `table`, in primary-key order.
///
/// # Errors
/// SQLite errors, and whatever `f` returns.
pub fn for_each_row<E: From<StoreError>>(
    conn: &Connection,
    table: &TableInfo,
    mut f: impl FnMut(&[Cell]) -> std::result::Result<(), E>,
) -> std::result::Result<(), E> {
    let sqlite = |e: rusqlite::Error| E::from(StoreError::from(e));
    let columns: Vec<String> = table.columns.iter().map(|c| quote(c)).collect();
    let order: Vec<String> = table.key.iter().map(|c| quote(c)).collect();
    let sql = format!(
        "SELECT {} FROM {}{}",
        columns.join(", "),
        quote(&table.name),
        if order.is_empty() {
            String::new()
        } else {
            format!(" ORDER BY {}", order.join(", "))
        }
    );
    let mut stmt = conn.prepare(&sql).map_err(sqlite)?;
    let mut rows = stmt.query([]).map_err(sqlite)?;
    let mut cells = Vec::with_capacity(columns.len());
    while let Some(row) = rows.next().map_err(sqlite)? {
        cells.clear();
        for i in 0..columns.len() {
            cells.push(match row.get_ref(i).map_err(sqlite)? {
                ValueRef::Null => Cell::Null,
                ValueRef::Integer(n) => Cell::Integer(n),
                ValueRef::Real(x) => Cell::Real(x),
                ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
                ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
            });
        }
        f(&cells)?;
    }
    Ok(())
}

/// Rows in `table`.
///
/// # Errors
/// SQLite errors.
pub fn count_rows(conn: &Connection, table: &str) -> Result<i64> {
    Ok(
        conn.query_row(&format!("SELECT count(*) FROM {}", quote(table)), [], |r| {
            r.get(0)
        })?,
    )
}

/// Deletes every row of `table` (settings before a copy's are restored).
///
/// # Errors
/// SQLite errors.
pub fn clear(conn: &Connection, table: &str) -> Result<()> {
    conn.execute(&format!("DELETE FROM {}", quote(table)), [])?;
    Ok(())
}

/// Checks foreign keys only at commit, so tables can be restored in any order.
///
/// # Errors
/// SQLite errors.
pub fn defer_foreign_keys(conn: &Connection) -> Result<()> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    Ok(())
}

/// Inserts one row of `table` with `cells` for `columns` (names the caller checked against
/// [`tables`]).
///
/// # Errors
/// SQLite errors (a constraint the row breaks).
pub fn insert_row(
    conn: &Connection,
    table: &str,
    columns: &[String],
    cells: &[Cell],
) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        quote(table),
        columns
            .iter()
            .map(|c| quote(c))
            .collect::<Vec<_>>()
            .join(", "),
        (1..=columns.len())
            .map(|i| format!("?{i}"))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    stmt.execute(rusqlite::params_from_iter(cells.iter().map(|c| match c {
        Cell::Null => Value::Null,
        Cell::Integer(n) => Value::Integer(*n),
        Cell::Real(x) => Value::Real(*x),
        Cell::Text(t) => Value::Text(t.clone()),
        Cell::Blob(b) => Value::Blob(b.clone()),
    })))?;
    Ok(())
}
