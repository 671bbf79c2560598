//! The change log (`change_log`), its clock (`change_clock`) and request ids (`request_ids`).
//!
//! [`super::write`] records every write transaction with SQLite's session extension: the
//! changeset of the recorded tables ([`is_recorded`]) is handed to the caller's recorder, which
//! appends one `change_log` row ([`append`]) in the same transaction. A changeset can be
//! inverted and applied again ([`apply_inverse`]), which is how a change is undone.
//!
//! Columns are matched by position when a changeset is applied, so recorded tables may only
//! ever gain columns at their end (see `migrations/V5__change_log.sql`).

use std::sync::Arc;

use chrono::{DateTime, Utc};
pub use rusqlite::types::Value;
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use stint_sqlite_session::{ChangesetItem, ChangesetIter, ConflictAction, ConflictType};

use super::{Result, from_ts, to_ts};

/// Changesets larger than this are not kept: the change is listed, but cannot be undone. A
/// write that big is an import of tens of thousands of rows at once (imports write batches of
/// a few thousand rows, well below this).
pub const MAX_CHANGESET_BYTES: usize = 16 * 1024 * 1024;

/// Whether writes to `table` are recorded in the change log: every table except the log's own
/// tables, the audit log, the HTTP tokens (secrets stay out of a log that is shipped between
/// devices), SQLite's and refinery's bookkeeping, and sync's own bookkeeping (`sync_*`).
pub fn is_recorded(table: &str) -> bool {
    !matches!(
        table,
        "change_log"
            | "change_clock"
            | "request_ids"
            | "audit_log"
            | "api_tokens"
            | "refinery_schema_history"
    ) && !table.starts_with("sqlite_")
        && !table.starts_with("sync_")
}

/// What one row change did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowOp {
    Insert,
    Update,
    Delete,
}

/// One row change decoded from a changeset. `old` holds the values before (deletes; for
/// updates, the key and the changed columns), `new` the values after (inserts; for updates,
/// the changed columns); `None` marks a column the changeset does not carry.
#[derive(Debug, Clone)]
pub struct RowChange {
    pub table: String,
    pub op: RowOp,
    /// Column names by position, as the table has them now (a changeset from an older schema
    /// has fewer columns).
    pub columns: Arc<[String]>,
    /// The primary key's values, joined with `/` (e.g. `12` or `12/3`).
    pub key: String,
    pub(crate) old: Vec<Option<Value>>,
    pub(crate) new: Vec<Option<Value>>,
}

impl RowChange {
    fn index(&self, column: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == column)
    }

    /// The value of `column` after the change, else before it.
    pub fn value(&self, column: &str) -> Option<&Value> {
        let i = self.index(column)?;
        self.new
            .get(i)
            .and_then(Option::as_ref)
            .or_else(|| self.old.get(i).and_then(Option::as_ref))
    }

    /// The value of `column` before the change.
    pub fn old_value(&self, column: &str) -> Option<&Value> {
        let i = self.index(column)?;
        self.old.get(i).and_then(Option::as_ref)
    }

    /// Names of the columns an update changed.
    pub fn changed_columns(&self) -> Vec<&str> {
        self.new
            .iter()
            .enumerate()
            .filter(|(_, v)| v.is_some())
            .filter_map(|(i, _)| self.columns.get(i).map(String::as_str))
            .collect()
    }
}

pub(crate) fn owned(v: ValueRef<'_>) -> Value {
    match v {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(f) => Value::Real(f),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

/// Text of a key value, for messages.
pub(crate) fn key_text(v: &Value) -> String {
    match v {
        Value::Null => "NULL".to_owned(),
        Value::Integer(i) => i.to_string(),
        Value::Real(f) => f.to_string(),
        Value::Text(t) => t.clone(),
        Value::Blob(b) => format!("x'{}'", b.len()),
    }
}

fn columns_of(
    conn: &Connection,
    cache: &mut Vec<(String, Arc<[String]>)>,
    table: &str,
    n: usize,
) -> Result<Arc<[String]>> {
    if let Some((_, c)) = cache.iter().find(|(t, c)| t == table && c.len() >= n) {
        return Ok(Arc::clone(c));
    }
    let mut names: Vec<String> = conn
        .prepare("SELECT name FROM pragma_table_info(?1) ORDER BY cid")?
        .query_map([table], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    while names.len() < n {
        names.push(format!("column{}", names.len() + 1));
    }
    let names: Arc<[String]> = names.into();
    cache.push((table.to_owned(), Arc::clone(&names)));
    Ok(names)
}

fn item_key(item: &ChangesetItem, op: RowOp) -> Result<String> {
    let mut parts = Vec::new();
    for (i, is_key) in item.pk.iter().enumerate() {
        if !*is_key {
            continue;
        }
        let v = match op {
            RowOp::Insert => item.new_value(i),
            RowOp::Update | RowOp::Delete => item.old_value(i),
        };
        let v = v.ok_or(rusqlite::Error::InvalidColumnIndex(i))?;
        parts.push(key_text(v));
    }
    Ok(parts.join("/"))
}

/// What a changeset row does, as the change log names it.
fn row_op(op: stint_sqlite_session::Op) -> RowOp {
    match op {
        stint_sqlite_session::Op::Insert => RowOp::Insert,
        stint_sqlite_session::Op::Delete => RowOp::Delete,
        stint_sqlite_session::Op::Update => RowOp::Update,
    }
}

/// Decodes up to `limit` row changes of `changeset` (all when `None`), with column names from
/// `conn`'s schema.
///
/// # Errors
/// A damaged changeset.
pub fn decode(conn: &Connection, changeset: &[u8], limit: Option<usize>) -> Result<Vec<RowChange>> {
    let mut out = Vec::new();
    let mut cache = Vec::new();
    for item in ChangesetIter::new(changeset)? {
        if limit.is_some_and(|l| out.len() >= l) {
            break;
        }
        let item = item?;
        let n = item.number_of_columns();
        let row_op = row_op(item.op);
        let columns = columns_of(conn, &mut cache, &item.table, n)?;
        let key = item_key(&item, row_op)?;
        let ChangesetItem {
            table, old, new, ..
        } = item;
        out.push(RowChange {
            table,
            op: row_op,
            columns,
            key,
            old,
            new,
        });
    }
    Ok(out)
}

/// Which rows of which tables `changeset` touches, without decoding values: `(table, what was
/// done, key)` in changeset order.
pub fn touched_rows(changeset: &[u8]) -> Result<Vec<(String, RowOp, String)>> {
    let mut out = Vec::new();
    for item in ChangesetIter::new(changeset)? {
        let item = item?;
        let row_op = row_op(item.op);
        let key = item_key(&item, row_op)?;
        out.push((item.table, row_op, key));
    }
    Ok(out)
}

/// One row to append to the change log.
#[derive(Debug, Clone)]
pub struct NewChange<'a> {
    pub at: DateTime<Utc>,
    pub frontend: &'a str,
    pub token_name: Option<&'a str>,
    pub operation: &'a str,
    pub summary: &'a str,
    pub rows_touched: &'a str,
    pub schema_version: i64,
    /// `None` when the write was too large to keep ([`MAX_CHANGESET_BYTES`]).
    pub changeset: Option<&'a [u8]>,
    pub undo_of: Option<i64>,
}

/// Appends `change` (in the caller's transaction), stamping it with this device's id and the
/// next hybrid logical clock value; returns its id.
pub fn append(conn: &Connection, change: &NewChange<'_>) -> Result<i64> {
    let (device, last): (String, super::sync_clock::Hlc) = conn
        .prepare_cached("SELECT device_id, hlc FROM change_clock WHERE id = 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let hlc = super::sync_clock::own_stamp(conn, &device, last, change.at.timestamp_millis())?;
    conn.prepare_cached("UPDATE change_clock SET hlc = ?1 WHERE id = 1")?
        .execute([hlc])?;
    conn.prepare_cached(
        "INSERT INTO change_log (hlc, device_id, at, frontend, token_name, operation, summary,
                                 rows_touched, schema_version, changeset, undo_of, person_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11,
                 -- Who made it: the person the token speaks for (NULL: the owner, V13).
                 (SELECT person_id FROM api_tokens WHERE name = ?5 AND revoked_at IS NULL))",
    )?
    .execute(params![
        hlc,
        device,
        to_ts(change.at),
        change.frontend,
        change.token_name,
        change.operation,
        change.summary,
        change.rows_touched,
        change.schema_version,
        change.changeset,
        change.undo_of,
    ])?;
    Ok(conn.last_insert_rowid())
}

/// A change as listed.
#[derive(Debug, Clone)]
pub struct ChangeRow {
    pub id: i64,
    pub hlc: super::sync_clock::Hlc,
    pub device_id: String,
    pub at: DateTime<Utc>,
    pub frontend: String,
    pub token_name: Option<String>,
    pub operation: String,
    pub summary: String,
    pub rows_touched: String,
    pub schema_version: i64,
    /// Whether the changeset was kept (false for writes too large to keep).
    pub undoable: bool,
    pub undo_of: Option<i64>,
    /// The change that undid this one, if any.
    pub undone_by: Option<i64>,
}

const CHANGE_COLUMNS: &str = "c.id, c.hlc, c.device_id, c.at, c.frontend, c.token_name, \
     c.operation, c.summary, c.rows_touched, c.schema_version, c.changeset IS NOT NULL, \
     c.undo_of, (SELECT u.id FROM change_log u WHERE u.undo_of = c.id)";

fn change_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ChangeRow> {
    let cols = super::Cols::new(r, "change_log", "change", 0)?;
    Ok(ChangeRow {
        id: r.get(0)?,
        hlc: r.get(1)?,
        device_id: r.get(2)?,
        at: cols.ts(3, "at")?,
        frontend: r.get(4)?,
        token_name: r.get(5)?,
        operation: r.get(6)?,
        summary: r.get(7)?,
        rows_touched: r.get(8)?,
        schema_version: r.get(9)?,
        undoable: r.get(10)?,
        undo_of: r.get(11)?,
        undone_by: r.get(12)?,
    })
}

/// Up to `limit` changes with ids below `before` (all when `None`), newest first.
pub fn list(conn: &Connection, before: Option<i64>, limit: usize) -> Result<Vec<ChangeRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CHANGE_COLUMNS} FROM change_log c WHERE ?1 IS NULL OR c.id < ?1
          ORDER BY c.id DESC LIMIT ?2"
    ))?;
    let rows = stmt
        .query_map(params![before, limit as i64], change_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// One change and its changeset (`None` when it was too large to keep).
pub fn get(conn: &Connection, id: i64) -> Result<Option<(ChangeRow, Option<Vec<u8>>)>> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {CHANGE_COLUMNS}, c.changeset FROM change_log c WHERE c.id = ?1"
        ))?
        .query_row([id], |r| Ok((change_row(r)?, r.get(13)?)))
        .optional()?)
}

/// Newest changes of one caller (front end and token name) that are not undos themselves, up
/// to `limit`, newest first: the candidates for a default undo.
pub fn latest_of_caller(
    conn: &Connection,
    frontend: &str,
    token_name: Option<&str>,
    limit: usize,
) -> Result<Vec<ChangeRow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CHANGE_COLUMNS} FROM change_log c
          WHERE c.frontend = ?1 AND ifnull(c.token_name, '') = ifnull(?2, '')
            AND c.undo_of IS NULL
          ORDER BY c.id DESC LIMIT ?3"
    ))?;
    let rows = stmt
        .query_map(params![frontend, token_name, limit as i64], change_row)?
        .collect::<rusqlite::Result<_>>()?;
    Ok(rows)
}

/// The first change after `id` (looking at up to `limit` of them, oldest first) whose changeset
/// touches row `key` of `table`: its id and operation. Reads one changeset at a time.
pub fn later_change_touching(
    conn: &Connection,
    id: i64,
    table: &str,
    key: &str,
    limit: usize,
) -> Result<Option<(i64, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, operation, changeset FROM change_log
          WHERE id > ?1 AND changeset IS NOT NULL ORDER BY id LIMIT ?2",
    )?;
    let mut rows = stmt.query(params![id, limit as i64])?;
    while let Some(row) = rows.next()? {
        let changeset: Vec<u8> = row.get(2)?;
        if touched_rows(&changeset)?
            .iter()
            .any(|(t, _, k)| t == table && k == key)
        {
            return Ok(Some((row.get(0)?, row.get(1)?)));
        }
    }
    Ok(None)
}

/// Why an inverted changeset could not be applied: the first row that clashed.
#[derive(Debug, Clone)]
pub struct Clash {
    /// `data` (the row was changed since), `notfound` (the row is gone), `conflict` (a row with
    /// that key exists again), `constraint` (a unique or check constraint), `foreign_key`.
    pub kind: &'static str,
    pub table: String,
    /// The row's key (empty for `foreign_key`).
    pub key: String,
}

/// Applies the inverse of `changeset` in the caller's transaction, all or nothing: a row
/// changed or removed since, a key taken again, or a broken constraint aborts it (nothing
/// applied) and is returned as a [`Clash`]. A delete of a row that is already gone (removed
/// with its parent by ON DELETE CASCADE) is skipped.
pub fn apply_inverse(conn: &Connection, changeset: &[u8]) -> Result<Option<Clash>> {
    let inverse = stint_sqlite_session::invert(changeset)?;
    let mut clash: Option<Clash> = None;
    let handler = |kind: ConflictType, item: Option<&ChangesetItem>| -> ConflictAction {
        // A FOREIGN_KEY conflict comes without a row.
        let Some(item) = item.filter(|_| kind != ConflictType::ForeignKey) else {
            clash.get_or_insert(Clash {
                kind: "foreign_key",
                table: String::new(),
                key: String::new(),
            });
            return ConflictAction::Abort;
        };
        let row_op = row_op(item.op);
        if kind == ConflictType::NotFound && row_op == RowOp::Delete {
            return ConflictAction::Omit;
        }
        let kind = match kind {
            ConflictType::Data => "data",
            ConflictType::NotFound => "notfound",
            ConflictType::Conflict => "conflict",
            ConflictType::Constraint => "constraint",
            ConflictType::ForeignKey => "foreign_key",
        };
        let key = item_key(item, row_op).unwrap_or_default();
        clash.get_or_insert(Clash {
            kind,
            table: item.table.clone(),
            key,
        });
        ConflictAction::Abort
    };
    let applied = stint_sqlite_session::apply(conn, &inverse, handler);
    match (applied, clash) {
        (_, Some(c)) => Ok(Some(c)),
        (Ok(()), None) => Ok(None),
        (Err(e), None) => Err(e.into()),
    }
}

/// Status and number of invoice `id`, if it exists.
pub fn invoice_status(conn: &Connection, id: i64) -> Result<Option<(String, Option<String>)>> {
    Ok(conn
        .prepare_cached("SELECT status, number FROM invoices WHERE id = ?1")?
        .query_row([id], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?)
}

/// The invoice a track is on now, if any.
pub fn track_invoice(conn: &Connection, track_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT invoice_id FROM tracks WHERE id = ?1")?
        .query_row([track_id], |r| r.get(0))
        .optional()?
        .flatten())
}

/// The invoice an invoice line belongs to now, if the line exists.
pub fn line_invoice(conn: &Connection, line_id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT invoice_id FROM invoice_lines WHERE id = ?1")?
        .query_row([line_id], |r| r.get(0))
        .optional()?)
}

/// Name of row `id` in `table` (`projects`, `clients`, `tags` or `tasks`), if it exists.
pub fn name_of(conn: &Connection, table: &str, id: i64) -> Result<Option<String>> {
    let sql = match table {
        "projects" => "SELECT name FROM projects WHERE id = ?1",
        "clients" => "SELECT name FROM clients WHERE id = ?1",
        "tags" => "SELECT name FROM tags WHERE id = ?1",
        "tasks" => "SELECT name FROM tasks WHERE id = ?1",
        _ => return Ok(None),
    };
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |r| r.get(0))
        .optional()?)
}

/// Tables with rows that have no explicit PRIMARY KEY among the recorded ones: the session
/// extension cannot record those. Empty on a sound schema (a test checks).
pub fn unrecordable_tables(conn: &Connection) -> Result<Vec<String>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables.into_iter().filter(|t| is_recorded(t)) {
        let has_pk: bool = conn.query_row(
            "SELECT count(*) > 0 FROM pragma_table_info(?1) WHERE pk > 0",
            [&t],
            |r| r.get(0),
        )?;
        if !has_pk {
            out.push(t);
        }
    }
    Ok(out)
}

/// A stored request id.
#[derive(Debug, Clone)]
pub struct RequestRow {
    pub operation: String,
    pub fingerprint: String,
    pub result_ids: Vec<i64>,
    pub at: DateTime<Utc>,
}

/// The request id `request_id` of `caller` recorded at or after `since`.
pub fn find_request(
    conn: &Connection,
    caller: &str,
    request_id: &str,
    since: DateTime<Utc>,
) -> Result<Option<RequestRow>> {
    Ok(conn
        .prepare_cached(
            "SELECT operation, fingerprint, result_ids, at FROM request_ids
              WHERE caller = ?1 AND request_id = ?2 AND at >= ?3",
        )?
        .query_row(params![caller, request_id, to_ts(since)], |r| {
            let ids: String = r.get(2)?;
            let at: i64 = r.get(3)?;
            Ok(RequestRow {
                operation: r.get(0)?,
                fingerprint: r.get(1)?,
                result_ids: ids.split(',').filter_map(|s| s.parse().ok()).collect(),
                // `at >= since` held in the query, so the instant is in range.
                at: from_ts(at).unwrap_or(since),
            })
        })
        .optional()?)
}

/// Records request id `request_id` of `caller` (replacing an expired one of the same name).
pub fn insert_request(
    conn: &Connection,
    caller: &str,
    request_id: &str,
    operation: &str,
    fingerprint: &str,
    result_ids: &[i64],
    at: DateTime<Utc>,
) -> Result<()> {
    let ids = result_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    conn.prepare_cached(
        "INSERT OR REPLACE INTO request_ids
             (caller, request_id, operation, fingerprint, result_ids, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        caller,
        request_id,
        operation,
        fingerprint,
        ids,
        to_ts(at)
    ])?;
    Ok(())
}

/// Removes request ids recorded before `before`; returns how many.
pub fn purge_requests(conn: &Connection, before: DateTime<Utc>) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM request_ids WHERE at < ?1")?
        .execute([to_ts(before)])?)
}
