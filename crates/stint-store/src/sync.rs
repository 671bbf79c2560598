//! Sync bookkeeping (`sync_*` tables, V9) and the generic apply of other devices' changes.
//!
//! Nothing here knows a table by name: every table's key, references (polymorphic ones
//! included) and merge rule come from its declaration in [`super::sync_tables::TABLES`], whose
//! order is the order rows are published and applied in (parents first); columns come from
//! `PRAGMA table_info` ([`Meta`]). A table added by a later migration is declared there (a
//! test fails otherwise) and gets its ids from `next_id`.
//!
//! The rules (docs/sync.md): ids are `seq * 64 + device_no`; each column keeps the
//! value of its latest write by hybrid logical clock (device id breaks ties); a delete wins
//! against an edit, and a row comes back only through an insert later than its delete; a
//! row that would take a name another row has merges into the row with the lower id; a track
//! on an issued invoice keeps its values. Every decision is returned as a [`Decision`].

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};

pub use super::sync_clock::Hlc;
use stint_sqlite_session::{ChangesetIter, Session};

use super::Result;
use super::changes::{RowOp, is_recorded, key_text, owned};

mod classes;
use classes::Carried;
mod ids;
pub use ids::{DeviceId, DeviceNo, Position, Seq, SeqRange};

/// Ids are `seq * ID_STRIDE + device_no`, so at most this many devices share a folder.
pub const ID_STRIDE: i64 = 64;

/// The setting (row of `settings`) naming the device that issues invoice numbers.
pub(crate) const BILLING_DEVICE_KEY: &str = "sync.billing_device";

/// A rule that holds for one table only (its declaration in [`super::sync_tables::TABLES`]);
/// every other table syncs by the generic rules.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableRule {
    /// Rows with equal values in these columns (NULLs equal) are one row: created on two
    /// devices, the one with the higher id merges into the one with the lower id.
    pub(crate) merge_on: &'static [&'static str],
    /// Rows frozen while the track whose id is in this column is on an invoice: an edit or
    /// delete from another device is not applied, and the billing device's version (sent in
    /// full with the change that put it on the invoice) wins.
    pub(crate) frozen_with_track: Option<&'static str>,
}

/// The rules of `table`, from its declaration ([`super::sync_tables::TABLES`]).
fn rule(table: &str) -> Option<TableRule> {
    let (merge_on, frozen_with_track) = super::sync_tables::rules(table);
    (!merge_on.is_empty() || frozen_with_track.is_some()).then_some(TableRule {
        merge_on,
        frozen_with_track,
    })
}

/// This database's sync state.
#[derive(Debug, Clone)]
pub struct State {
    /// From `change_clock`.
    pub device_id: DeviceId,
    /// `None` before the first sync.
    pub device_no: Option<DeviceNo>,
    pub device_name: Option<String>,
    pub folder: Option<String>,
    pub file_ident: Option<String>,
    pub joined_change: i64,
    /// The last sequence number written to the folder ([`Seq::ZERO`]: none yet).
    pub published_seq: Seq,
    pub published_change: i64,
    pub clocked_change: i64,
}

/// Reads the sync state.
pub fn state(conn: &Connection) -> Result<State> {
    Ok(conn
        .prepare_cached(
            "SELECT c.device_id, s.device_no, s.device_name, s.folder, s.file_ident,
                    s.joined_change, s.published_seq, s.published_change, s.clocked_change
               FROM sync_state s, change_clock c WHERE s.id = 1 AND c.id = 1",
        )?
        .query_row([], |r| {
            Ok(State {
                device_id: r.get(0)?,
                device_no: r.get(1)?,
                device_name: r.get(2)?,
                folder: r.get(3)?,
                file_ident: r.get(4)?,
                joined_change: r.get(5)?,
                published_seq: r.get(6)?,
                published_change: r.get(7)?,
                clocked_change: r.get(8)?,
            })
        })?)
}

/// Runs `f` in one `BEGIN IMMEDIATE` transaction that the change log does not record
/// (sync's own bookkeeping and renumbering): committed if `f` returns `Ok`.
pub fn immediate<T, E: From<super::StoreError>>(
    conn: &mut Connection,
    f: impl FnOnce(&Connection) -> std::result::Result<T, E>,
) -> std::result::Result<T, E> {
    let tx = conn
        .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
        .map_err(super::StoreError::from)?;
    let v = f(&tx)?;
    tx.commit().map_err(super::StoreError::from)?;
    Ok(v)
}

/// Records that this database joined `folder` as device number `no`, at change `joined`.
pub fn set_joined(
    conn: &Connection,
    no: DeviceNo,
    name: &str,
    folder: &str,
    ident: &str,
    joined: i64,
) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET device_no = ?1, device_name = ?2, folder = ?3, file_ident = ?4,
                joined_change = ?5, published_change = ?5, clocked_change = ?5 WHERE id = 1",
        params![no, name, folder, ident, joined],
    )?;
    Ok(())
}

/// Sets the folder and the file identity seen at the last sync.
pub fn set_place(conn: &Connection, folder: &str, ident: &str) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET folder = ?1, file_ident = ?2 WHERE id = 1",
        params![folder, ident],
    )?;
    Ok(())
}

/// Records what was written to the folder.
pub fn set_published(conn: &Connection, seq: Seq, change: i64) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET published_seq = ?1, published_change = ?2 WHERE id = 1",
        params![seq, change],
    )?;
    Ok(())
}

/// Gives this database a new device id (a copy of another device's file): the old id becomes
/// a peer whose changes up to what it published are already here; the device number is
/// dropped so the next sync claims a new one (ids already handed out stay).
pub fn become_new_device(conn: &Connection, old: &State) -> Result<DeviceId> {
    let new_id: DeviceId = conn.query_row("SELECT lower(hex(randomblob(16)))", [], |r| r.get(0))?;
    conn.execute(
        "INSERT OR REPLACE INTO sync_peers (device_id, device_no, name, applied_seq, seen_seq)
         VALUES (?1, ?2, ?3, ?4, ?4)",
        params![
            old.device_id,
            old.device_no.map_or(0, DeviceNo::get),
            old.device_name,
            old.published_seq
        ],
    )?;
    conn.execute(
        "UPDATE change_clock SET device_id = ?1 WHERE id = 1",
        [&new_id],
    )?;
    conn.execute(
        "UPDATE sync_state SET device_no = NULL, published_seq = 0,
                published_change = (SELECT ifnull(max(id), 0) FROM change_log),
                clocked_change = (SELECT ifnull(max(id), 0) FROM change_log) WHERE id = 1",
        [],
    )?;
    Ok(new_id)
}

/// Sets the device number (after a copy took a new device id).
pub fn set_device_no(conn: &Connection, no: DeviceNo) -> Result<()> {
    conn.execute("UPDATE sync_state SET device_no = ?1 WHERE id = 1", [no])?;
    Ok(())
}

/// The id for a new row of `table`, never one handed out before, in any database
/// (ARCHITECTURE.md, "Sync", Ids; issue 18: a change, an undo, an ICS UID or an assistant's
/// memory always means the same row).
///
/// `sync_ids` keeps a high-water mark per table. Before this database syncs (and for tables
/// that never sync, like `api_tokens`) it is the next id itself: the id is above every id in
/// the table and every id handed out before, so a deleted row's id is not reused as SQLite's
/// own choice (the highest rowid + 1) would. Once it syncs it is a sequence: the id is
/// `seq * 64 + device_no`, with `seq` above every id in the table and every seq handed out
/// before, so ids never collide across devices either. Joining sync ([`renumber`]) turns the
/// one into the other: the renumbered id `id * 64 + no` is seq `id`, and the mark stays above.
///
/// Every insert into a table with an integer id must take its id from here (a row put back
/// with its own id, by undo or a sync, is the same row).
pub(crate) fn next_id(conn: &Connection, table: &str) -> Result<i64> {
    let no: Option<i64> = if is_recorded(table) {
        conn.prepare_cached("SELECT device_no FROM sync_state WHERE id = 1")?
            .query_row([], |r| r.get(0))
            .optional()?
            .flatten()
    } else {
        None
    };
    let max: i64 = conn
        .prepare_cached(&format!("SELECT ifnull(max(rowid), 0) FROM \"{table}\""))?
        .query_row([], |r| r.get(0))?;
    let hw: i64 = conn
        .prepare_cached("SELECT next_seq FROM sync_ids WHERE tbl = ?1")?
        .query_row([table], |r| r.get(0))
        .optional()?
        .unwrap_or(0);
    let (seq, id) = match no {
        Some(no) => {
            let seq = hw.max(max.div_euclid(ID_STRIDE) + 1);
            (seq, seq * ID_STRIDE + no)
        }
        None => {
            let id = hw.max(max + 1);
            (id, id)
        }
    };
    conn.prepare_cached(
        "INSERT INTO sync_ids (tbl, next_seq) VALUES (?1, ?2)
         ON CONFLICT (tbl) DO UPDATE SET next_seq = excluded.next_seq",
    )?
    .execute(params![table, seq + 1])?;
    Ok(id)
}

/// One row change as exchanged between devices: values by column position (`None`: not
/// carried), and which positions form the primary key. Inserts carry every column; updates
/// the key and the changed columns (new values); deletes the key.
#[derive(Debug, Clone, PartialEq)]
pub struct Op {
    pub table: String,
    pub kind: RowOp,
    pub pk: Vec<bool>,
    pub values: Vec<Option<Value>>,
}

/// The row changes of a session changeset, as [`Op`]s.
///
/// # Errors
/// A damaged changeset.
pub fn ops_of_changeset(changeset: &[u8]) -> Result<Vec<Op>> {
    let mut out = Vec::new();
    for item in ChangesetIter::new(changeset)? {
        let item = item?;
        let kind = match item.op {
            stint_sqlite_session::Op::Insert => RowOp::Insert,
            stint_sqlite_session::Op::Delete => RowOp::Delete,
            stint_sqlite_session::Op::Update => RowOp::Update,
        };
        let pk = item.pk;
        let values = pk
            .iter()
            .zip(item.old.into_iter().zip(item.new))
            .map(|(is_key, (old, new))| match kind {
                RowOp::Insert => new,
                RowOp::Delete => old.filter(|_| *is_key),
                RowOp::Update if *is_key => old,
                RowOp::Update => new,
            })
            .collect();
        out.push(Op {
            table: item.table,
            kind,
            pk,
            values,
        });
    }
    Ok(out)
}

/// Names of the tables sync carries (recorded ones), parents first: in the order of their
/// declarations ([`super::sync_tables::TABLES`]), then any undeclared one in `sqlite_master`
/// order.
pub(crate) fn synced_tables(conn: &Connection) -> Result<Vec<String>> {
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY rowid")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut tables: Vec<String> = tables.into_iter().filter(|t| is_recorded(t)).collect();
    tables.sort_by_key(|t| super::sync_tables::rank(t));
    Ok(tables)
}

/// Every row of every synced table, as inserts (what a device that joins publishes first).
pub fn snapshot_ops(conn: &Connection, meta: &Meta) -> Result<Vec<Op>> {
    let mut out = Vec::new();
    for_each_synced_row(conn, meta, |op| out.push(op))?;
    Ok(out)
}

/// Hands `f` every row of every synced table as an insert, parents' tables first, one row at
/// a time (memory holds one row, whatever the database's size).
fn for_each_synced_row(conn: &Connection, meta: &Meta, mut f: impl FnMut(Op)) -> Result<()> {
    for t in synced_tables(conn)? {
        let Some(m) = meta.get(&t) else { continue };
        let pk: Vec<bool> = (0..m.cols.len()).map(|i| m.pk.contains(&i)).collect();
        for_each_row(conn, &t, &pk, &mut f)?;
    }
    Ok(())
}

/// Hands `f` every row of `table` as an insert (`pk`: which columns are its key).
fn for_each_row(conn: &Connection, table: &str, pk: &[bool], f: &mut impl FnMut(Op)) -> Result<()> {
    let mut stmt = conn.prepare(&format!("SELECT * FROM \"{table}\""))?;
    let n = stmt.column_count();
    let mut rows = stmt.query([])?;
    while let Some(r) = rows.next()? {
        let values = (0..n)
            .map(|i| r.get_ref(i).map(|v| Some(owned(v))))
            .collect::<rusqlite::Result<_>>()?;
        f(Op {
            table: table.to_owned(),
            kind: RowOp::Insert,
            pk: if pk.len() == n {
                pk.to_vec()
            } else {
                vec![false; n]
            },
            values,
        });
    }
    Ok(())
}

/// A reference of a table (its declaration's [`super::sync_tables::Ref`], by position).
#[derive(Debug, Clone)]
struct Fk {
    /// Position of the referencing column.
    col: usize,
    parent: String,
    /// SQLite deletes or clears it with its parent (`ON DELETE CASCADE` / `SET NULL`).
    cascade: bool,
    notnull: bool,
    /// A polymorphic reference: only rows whose column at `.0` holds `.1` point at `parent`.
    when: Option<(usize, &'static str)>,
    /// A record of what was: it stays when its parent is deleted, and a missing parent is
    /// not an orphan.
    keeps: bool,
}

impl Fk {
    /// Whether a row with `values` (by position; `None`: not carried) points at `parent`.
    fn applies(&self, values: &[Option<Value>]) -> bool {
        match self.when {
            None => true,
            Some((i, kind)) => {
                matches!(values.get(i), Some(Some(Value::Text(t))) if t == kind)
            }
        }
    }

    /// The SQL condition (`AND ...`) that picks the rows it applies to.
    fn sql_when(&self, cols: &[String]) -> String {
        match self.when {
            None => String::new(),
            Some((i, kind)) => format!(" AND \"{}\" = '{kind}'", cols[i]),
        }
    }
}

/// The references of a declared table, by column position (a column this database does not
/// have yet is left out).
fn declared_fks(refs: &[super::sync_tables::Ref], cols: &[String], notnull: &[bool]) -> Vec<Fk> {
    use super::sync_tables::{OnDelete, Target};
    let mut out = Vec::new();
    for r in refs {
        let Some(col) = cols.iter().position(|c| c == r.column) else {
            continue;
        };
        let cascade = r.on_delete == OnDelete::Schema;
        let keeps = r.on_delete == OnDelete::Keep;
        match r.target {
            Target::Table(parent) => out.push(Fk {
                col,
                parent: parent.to_owned(),
                cascade,
                notnull: notnull[col],
                when: None,
                keeps,
            }),
            Target::ByColumn { column, tables } => {
                let Some(k) = cols.iter().position(|c| c == column) else {
                    continue;
                };
                for (kind, parent) in tables {
                    out.push(Fk {
                        col,
                        parent: (*parent).to_owned(),
                        cascade,
                        notnull: notnull[col],
                        when: Some((k, kind)),
                        keeps,
                    });
                }
            }
        }
    }
    out
}

/// The foreign keys of a table without a declaration, from `PRAGMA foreign_key_list` (a
/// table a newer migration added before it was declared; a test keeps that from shipping).
fn pragma_fks(conn: &Connection, t: &str, cols: &[String], notnull: &[bool]) -> Result<Vec<Fk>> {
    let mut fks = Vec::new();
    let mut stmt =
        conn.prepare("SELECT \"from\", \"table\", on_delete FROM pragma_foreign_key_list(?1)")?;
    let mut rows = stmt.query([t])?;
    while let Some(r) = rows.next()? {
        let from: String = r.get(0)?;
        let Some(col) = cols.iter().position(|c| *c == from) else {
            continue;
        };
        let on_delete: String = r.get(2)?;
        fks.push(Fk {
            col,
            parent: r.get(1)?,
            cascade: on_delete.eq_ignore_ascii_case("CASCADE")
                || on_delete.eq_ignore_ascii_case("SET NULL"),
            notnull: notnull[col],
            when: None,
            keeps: false,
        });
    }
    Ok(fks)
}

/// What sync needs to know of one table.
#[derive(Debug, Clone)]
pub(crate) struct TableMeta {
    pub(crate) cols: Vec<String>,
    /// Positions of the primary key's columns, in key order.
    pub pk: Vec<usize>,
    /// Whether the key is one INTEGER column (an id from [`next_id`]).
    pub(crate) int_pk: bool,
    fks: Vec<Fk>,
}

/// The shape of every synced table, read from PRAGMAs.
#[derive(Debug, Clone, Default)]
pub struct Meta {
    tables: HashMap<String, Arc<TableMeta>>,
}

impl Meta {
    /// Reads the synced tables' columns, keys and foreign keys.
    pub fn load(conn: &Connection) -> Result<Meta> {
        let mut tables = HashMap::new();
        for t in synced_tables(conn)? {
            let mut cols = Vec::new();
            let mut pk = Vec::new();
            let mut notnull = Vec::new();
            let mut types = Vec::new();
            let mut stmt = conn.prepare(
                "SELECT cid, name, type, \"notnull\", pk FROM pragma_table_info(?1) ORDER BY cid",
            )?;
            let mut rows = stmt.query([&t])?;
            while let Some(r) = rows.next()? {
                let cid: usize = r.get::<_, i64>(0)? as usize;
                cols.push(r.get::<_, String>(1)?);
                types.push(r.get::<_, String>(2)?);
                notnull.push(r.get::<_, bool>(3)?);
                let k: i64 = r.get(4)?;
                if k > 0 {
                    pk.push((k, cid));
                }
            }
            pk.sort();
            let pk: Vec<usize> = pk.into_iter().map(|(_, c)| c).collect();
            let int_pk = pk.len() == 1 && types[pk[0]].eq_ignore_ascii_case("INTEGER");
            let fks = match super::sync_tables::decl(&t).map(|d| d.sync) {
                Some(super::sync_tables::Sync::Synced { refs, .. }) => {
                    declared_fks(refs, &cols, &notnull)
                }
                _ => pragma_fks(conn, &t, &cols, &notnull)?,
            };
            tables.insert(
                t,
                Arc::new(TableMeta {
                    cols,
                    pk,
                    int_pk,
                    fks,
                }),
            );
        }
        Ok(Meta { tables })
    }

    /// One table's shape.
    pub(crate) fn get(&self, table: &str) -> Option<&Arc<TableMeta>> {
        self.tables.get(table)
    }

    /// Tables and columns that reference `parent`: `(table, column position, cascades,
    /// not null)`.
    fn children(&self, parent: &str) -> Vec<(String, Arc<TableMeta>, Fk)> {
        let mut out = Vec::new();
        for (t, m) in &self.tables {
            for fk in &m.fks {
                if fk.parent == parent {
                    out.push((t.clone(), Arc::clone(m), fk.clone()));
                }
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.2.col.cmp(&b.2.col)));
        out
    }
}

/// Renumbers every row with an integer id to `id * 64 + no` (and every reference to it), for
/// a database that joins sync with rows of its own. Runs inside the caller's transaction with
/// foreign keys deferred; the change log does not record it.
pub fn renumber(conn: &Connection, meta: &Meta, no: DeviceNo) -> Result<usize> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut n = 0;
    let mut names: Vec<&String> = meta.tables.keys().collect();
    names.sort();
    for t in names {
        let m = &meta.tables[t];
        if !m.int_pk {
            continue;
        }
        let id = &m.cols[m.pk[0]];
        // The renumbered ids are handed out: a row deleted later must not give its id to a
        // new one (next_id would otherwise start again at the highest id left).
        let top: i64 = conn.query_row(
            &format!("SELECT ifnull(max(\"{id}\"), 0) FROM \"{t}\""),
            [],
            |r| r.get(0),
        )?;
        if top > 0 {
            conn.execute(
                "INSERT INTO sync_ids (tbl, next_seq) VALUES (?1, ?2)
                 ON CONFLICT (tbl) DO UPDATE SET next_seq = max(next_seq, excluded.next_seq)",
                params![t, top + 1],
            )?;
        }
        n += conn.execute(&format!("UPDATE \"{t}\" SET \"{id}\" = -\"{id}\""), [])?;
        conn.execute(
            &format!("UPDATE \"{t}\" SET \"{id}\" = -\"{id}\" * {ID_STRIDE} + ?1"),
            [no],
        )?;
        // Every declared reference, polymorphic ones too (`invoice_items.item_id` names a
        // track or an expense by `kind`: each kind's rows follow their table).
        for (child, cm, fk) in meta.children(t) {
            let c = &cm.cols[fk.col];
            let when = fk.sql_when(&cm.cols);
            conn.execute(
                &format!(
                    "UPDATE \"{child}\" SET \"{c}\" = -\"{c}\" WHERE \"{c}\" IS NOT NULL{when}"
                ),
                [],
            )?;
            conn.execute(
                &format!(
                    "UPDATE \"{child}\" SET \"{c}\" = -\"{c}\" * {ID_STRIDE} + ?1
                      WHERE \"{c}\" IS NOT NULL{when}"
                ),
                [no],
            )?;
        }
        // Local tables that reference it follow too (`api_tokens.person_id`: a token speaks
        // for the same person after the first sync).
        for (local, c) in local_references(conn, meta, t)? {
            conn.execute(
                &format!("UPDATE \"{local}\" SET \"{c}\" = -\"{c}\" WHERE \"{c}\" IS NOT NULL"),
                [],
            )?;
            conn.execute(
                &format!(
                    "UPDATE \"{local}\" SET \"{c}\" = -\"{c}\" * {ID_STRIDE} + ?1
                      WHERE \"{c}\" IS NOT NULL"
                ),
                [no],
            )?;
        }
    }
    conn.execute("DELETE FROM request_ids", [])?;
    Ok(n)
}

/// `(table, column)` of the foreign keys of tables sync does not carry that point at
/// `parent`, a synced table.
fn local_references(conn: &Connection, meta: &Meta, parent: &str) -> Result<Vec<(String, String)>> {
    let tables: Vec<String> = conn
        .prepare_cached("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for t in tables.into_iter().filter(|t| !meta.tables.contains_key(t)) {
        let mut stmt =
            conn.prepare("SELECT \"table\", \"from\" FROM pragma_foreign_key_list(?1)")?;
        for fk in stmt.query_map([&t], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?))
        })? {
            let (target, column) = fk?;
            if target == parent {
                out.push((t.clone(), column));
            }
        }
    }
    Ok(out)
}

/// When and where a change was made: its hybrid logical clock stamp (`sync_clock`: Unix
/// milliseconds << 16 | a counter) and the id of the device that made it. Ordered by stamp, then
/// by device id: the tie-break every device applies the same way, so the later of two changes is
/// the same everywhere.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Stamp {
    pub hlc: Hlc,
    pub device: DeviceId,
}

impl Stamp {
    pub fn new(hlc: Hlc, device: DeviceId) -> Stamp {
        Stamp { hlc, device }
    }

    /// Whether the change stamped so was unknown to the device that made the change stamped
    /// `by` when it made it (made elsewhere, and later than what that device had applied of
    /// its device, by `known`): the two were concurrent.
    pub(crate) fn unknown_to(&self, by: &Stamp, known: &Known) -> bool {
        self.device != by.device && known.get(&self.device).is_none_or(|k| *k < self.hlc)
    }
}

fn key_of(m: &TableMeta, values: &[Option<Value>]) -> (Vec<Value>, String) {
    let vals: Vec<Value> =
        m.pk.iter()
            .map(|&i| values.get(i).cloned().flatten().unwrap_or(Value::Null))
            .collect();
    let text = vals.iter().map(key_text).collect::<Vec<_>>().join("/");
    (vals, text)
}

fn where_key(m: &TableMeta, first_param: usize) -> String {
    m.pk.iter()
        .enumerate()
        .map(|(n, &i)| format!("\"{}\" = ?{}", m.cols[i], first_param + n))
        .collect::<Vec<_>>()
        .join(" AND ")
}

fn row_values(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    key: &[Value],
) -> Result<Option<Vec<Value>>> {
    let sql = format!("SELECT * FROM \"{table}\" WHERE {}", where_key(m, 1));
    let mut stmt = conn.prepare_cached(&sql)?;
    Ok(stmt
        .query_row(params_from_iter(key.iter()), |r| {
            (0..m.cols.len())
                .map(|i| r.get_ref(i).map(owned))
                .collect::<rusqlite::Result<Vec<_>>>()
        })
        .optional()?)
}

fn row_clock(conn: &Connection, table: &str, key: &str) -> Result<Option<(Stamp, bool)>> {
    Ok(conn
        .prepare_cached("SELECT hlc, device, deleted FROM sync_rows WHERE tbl = ?1 AND key = ?2")?
        .query_row([table, key], |r| {
            Ok((
                Stamp::new(r.get::<_, Hlc>(0)?, r.get::<_, DeviceId>(1)?),
                r.get(2)?,
            ))
        })
        .optional()?)
}

fn set_row_clock(
    conn: &Connection,
    table: &str,
    key: &str,
    stamp: &Stamp,
    deleted: bool,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_rows (tbl, key, hlc, device, deleted) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![table, key, stamp.hlc, stamp.device, deleted])?;
    Ok(())
}

fn col_clock(conn: &Connection, table: &str, key: &str, col: usize) -> Result<Option<Stamp>> {
    cols_stamp(conn, table, key, col as i64)
}

/// The stamp `sync_cols` holds for column number `col` of row `key` (a column of the table, or
/// [`CLAIM_COL`]).
fn cols_stamp(conn: &Connection, table: &str, key: &str, col: i64) -> Result<Option<Stamp>> {
    Ok(conn
        .prepare_cached(
            "SELECT hlc, device FROM sync_cols WHERE tbl = ?1 AND key = ?2 AND col = ?3",
        )?
        .query_row(params![table, key, col], |r| {
            Ok(Stamp::new(r.get::<_, Hlc>(0)?, r.get::<_, DeviceId>(1)?))
        })
        .optional()?)
}

fn set_cols_stamp(conn: &Connection, table: &str, key: &str, col: i64, s: &Stamp) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_cols (tbl, key, col, hlc, device) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![table, key, col, s.hlc, s.device])?;
    Ok(())
}

/// The `sync_cols` column number that holds the stamp of the latest claim of a track (an
/// invoice putting it on): not a column of the table.
const CLAIM_COL: i64 = -1;

/// The stamp of the latest claim of track `key` here (its own or applied), if any.
fn claim_clock(conn: &Connection, table: &str, key: &str) -> Result<Option<Stamp>> {
    cols_stamp(conn, table, key, CLAIM_COL)
}

/// Notes claim `s` of track `key`, unless a later one is noted.
fn note_claim(conn: &Connection, table: &str, key: &str, s: &Stamp) -> Result<()> {
    if claim_clock(conn, table, key)?.is_none_or(|c| *s > c) {
        set_cols_stamp(conn, table, key, CLAIM_COL, s)?;
    }
    Ok(())
}

/// Whether an edit stamped `stamp` of track `key` was made without knowing of the latest claim
/// of the track: that claim's version wins over it, whatever became of the invoice since (on
/// the devices that had the edit first, the claim, sent in full, replaced it).
fn claim_unknown_to(
    conn: &Connection,
    table: &str,
    key: &str,
    stamp: &Stamp,
    known: &Known,
) -> Result<bool> {
    Ok(match claim_clock(conn, table, key)? {
        Some(claim) => claim.unknown_to(stamp, known),
        None => false,
    })
}

fn set_col_clock(conn: &Connection, table: &str, key: &str, col: usize, s: &Stamp) -> Result<()> {
    set_cols_stamp(conn, table, key, col as i64, s)
}

/// The merge key of a row of a table with a merge rule: its merge columns' values, or `None`
/// (no rule, or a NULL name).
fn merge_key(table: &str, m: &TableMeta, values: &[Option<Value>]) -> Option<String> {
    let r = rule(table).filter(|r| !r.merge_on.is_empty())?;
    if !m.int_pk {
        return None;
    }
    let mut parts = Vec::new();
    for c in r.merge_on {
        let i = m.cols.iter().position(|x| x == c)?;
        let v = values.get(i).cloned().flatten().unwrap_or(Value::Null);
        if v == Value::Null && !c.ends_with("_id") {
            return None;
        }
        parts.push(key_text(&v));
    }
    Some(parts.join("\u{1f}"))
}

/// Records the claim of merge values `mkey` by row `id`, stamped `s` by a device that knew
/// `known` (as [`classes::known_text`] writes it). The first claim of a row under a name stays.
fn record_created(
    conn: &Connection,
    table: &str,
    mkey: &str,
    id: i64,
    s: &Stamp,
    known: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR IGNORE INTO sync_created (tbl, mkey, id, hlc, device, known)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![table, mkey, id, s.hlc, s.device, known])?;
    Ok(())
}

fn int_key(m: &TableMeta, values: &[Option<Value>]) -> Option<i64> {
    match values.get(*m.pk.first()?) {
        Some(Some(Value::Integer(i))) => Some(*i),
        _ => None,
    }
}

/// Records the clocks of this device's own changes made since the last call (change log rows
/// of `device` after `state.clocked_change`), so remote changes are compared against them.
pub(crate) fn clock_local_changes(conn: &Connection, meta: &Meta, device: &DeviceId) -> Result<()> {
    let from: i64 = conn.query_row(
        "SELECT clocked_change FROM sync_state WHERE id = 1",
        [],
        |r| r.get(0),
    )?;
    let mut stmt = conn.prepare_cached(
        "SELECT id, hlc, changeset FROM change_log
          WHERE id > ?1 AND device_id = ?2 AND changeset IS NOT NULL ORDER BY id",
    )?;
    let rows: Vec<(i64, Hlc, Vec<u8>)> = stmt
        .query_map(params![from, device], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (change, hlc, changeset) in &rows {
        let stamp = Stamp::new(*hlc, device.clone());
        // What this device knew when it made the change: what its claims record.
        let mut known: Option<String> = None;
        let mut known_now = |conn: &Connection| -> Result<String> {
            if known.is_none() {
                let k: Known = known_at(conn, *change)?.into_iter().collect();
                known = Some(classes::known_text(&k));
            }
            Ok(known.clone().unwrap_or_default())
        };
        for (child, id, col, parent, parent_id) in local_releases(meta, changeset)? {
            record_release(conn, &child, id, &col, &parent, parent_id)?;
        }
        for op in ops_of_changeset(changeset)? {
            let Some(m) = meta.get(&op.table) else {
                continue;
            };
            let (_, key) = key_of(m, &op.values);
            match op.kind {
                RowOp::Insert => {
                    // A row with an id has a row clock only once it was deleted.
                    let back = m.int_pk && row_clock(conn, &op.table, &key)?.is_some();
                    if !m.int_pk || back {
                        set_row_clock(conn, &op.table, &key, &stamp, false)?;
                    }
                    if let (Some(mk), Some(id)) =
                        (merge_key(&op.table, m, &op.values), int_key(m, &op.values))
                    {
                        record_created(conn, &op.table, &mk, id, &stamp, &known_now(conn)?)?;
                    }
                    // Back after a delete here (an undo): what let go of it points at it again.
                    if let Some(id) = int_key(m, &op.values).filter(|_| back) {
                        restore_released(conn, meta, &op.table, id)?;
                    }
                }
                RowOp::Delete => set_row_clock(conn, &op.table, &key, &stamp, true)?,
                RowOp::Update => {
                    for (i, v) in op.values.iter().enumerate() {
                        if v.is_some() && !op.pk.get(i).copied().unwrap_or(false) {
                            set_col_clock(conn, &op.table, &key, i, &stamp)?;
                        }
                    }
                    if sets_invoice(&op.table, m, &op.values) {
                        note_claim(conn, &op.table, &key, &stamp)?;
                    }
                    claim_local_rename(conn, m, &op, &stamp, &mut known_now)?;
                }
            }
        }
    }
    conn.execute(
        "UPDATE sync_state SET clocked_change = (SELECT ifnull(max(id), 0) FROM change_log)
          WHERE id = 1",
        [],
    )?;
    Ok(())
}

/// A reference let go of: `(table, id, column, parent, parent id)`.
type Release = (String, i64, String, String, i64);

/// The references a change made here let go of: `(table, id, column, parent, parent id)` of
/// each nullable reference one of its updates cleared from a row the same change deletes
/// (SQLite's `ON DELETE SET NULL`; the changeset holds the old value).
fn local_releases(meta: &Meta, changeset: &[u8]) -> Result<Vec<Release>> {
    let items = ChangesetIter::new(changeset)?.collect::<std::result::Result<Vec<_>, _>>()?;
    let deleted: HashSet<(String, i64)> = items
        .iter()
        .filter(|i| i.op == stint_sqlite_session::Op::Delete)
        .filter_map(|i| {
            let m = meta.get(&i.table).filter(|m| m.int_pk && m.pk.len() == 1)?;
            match i.old.get(m.pk[0]) {
                Some(Some(Value::Integer(id))) => Some((i.table.clone(), *id)),
                _ => None,
            }
        })
        .collect();
    let mut out = Vec::new();
    if deleted.is_empty() {
        return Ok(out);
    }
    for i in items
        .iter()
        .filter(|i| i.op == stint_sqlite_session::Op::Update)
    {
        let Some(m) = meta.get(&i.table).filter(|m| m.int_pk && m.pk.len() == 1) else {
            continue;
        };
        let Some(Some(Value::Integer(id))) = i.old.get(m.pk[0]) else {
            continue;
        };
        for fk in m
            .fks
            .iter()
            .filter(|fk| !fk.notnull && !fk.keeps && fk.when.is_none())
        {
            if let (Some(Some(Value::Integer(p))), Some(Some(Value::Null))) =
                (i.old.get(fk.col), i.new.get(fk.col))
                && deleted.contains(&(fk.parent.clone(), *p))
            {
                out.push((
                    i.table.clone(),
                    *id,
                    m.cols[fk.col].clone(),
                    fk.parent.clone(),
                    *p,
                ));
            }
        }
    }
    Ok(out)
}

/// A rename made here (an edit of merge columns of a row of a table with a merge rule) claims
/// its new merge values, as it does on the devices that apply it ([`classes`]).
fn claim_local_rename(
    conn: &Connection,
    m: &TableMeta,
    op: &Op,
    stamp: &Stamp,
    known: &mut impl FnMut(&Connection) -> Result<String>,
) -> Result<()> {
    let table = op.table.as_str();
    let Some(r) = rule(table).filter(|r| !r.merge_on.is_empty()) else {
        return Ok(());
    };
    let touched = r.merge_on.iter().any(|c| {
        m.cols
            .iter()
            .position(|x| x == c)
            .is_some_and(|i| op.values.get(i).is_some_and(Option::is_some))
    });
    let Some(id) = int_key(m, &op.values).filter(|_| touched && m.pk.len() == 1) else {
        return Ok(());
    };
    let Some(cur) = row_values(conn, table, m, &[Value::Integer(id)])? else {
        return Ok(());
    };
    let claimed: Vec<Option<Value>> = cur
        .into_iter()
        .enumerate()
        .map(|(i, v)| match op.values.get(i) {
            Some(Some(new)) => Some(new.clone()),
            _ => Some(v),
        })
        .collect();
    if let Some(mk) = merge_key(table, m, &claimed) {
        record_created(conn, table, &mk, id, stamp, &known(conn)?)?;
    }
    Ok(())
}

/// Records the clocks of every row whose key is not an id (settings, tags of tracks), stamped
/// `stamp`: the rows a joining device publishes in its snapshot.
pub fn clock_snapshot(conn: &Connection, ops: &[Op], meta: &Meta, stamp: &Stamp) -> Result<()> {
    for op in ops {
        let Some(m) = meta.get(&op.table) else {
            continue;
        };
        if !m.int_pk {
            let (_, key) = key_of(m, &op.values);
            set_row_clock(conn, &op.table, &key, stamp, false)?;
        }
        if let (Some(mk), Some(id)) = (merge_key(&op.table, m, &op.values), int_key(m, &op.values))
        {
            // A device joining with data knew nothing of the others (its join log's `known`
            // is empty too).
            record_created(conn, &op.table, &mk, id, stamp, "")?;
        }
    }
    Ok(())
}

/// What sync decided for a remote change that met a local one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub kind: DecisionKind,
    pub detail: String,
}

/// What sync decided where changes met (stored in `sync_decisions.kind` as [`Self::as_str`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DecisionKind {
    /// Two rows created or renamed under one name became one.
    Merged,
    /// A delete won over an edit or a re-insert (or a later re-insert over a delete).
    DeletedWins,
    /// Of two edits of one value, the later stays.
    LaterEditWins,
    /// A track stayed as its invoice has it (on an issued invoice, or claimed by one).
    InvoiceKept,
    /// Rows renumbered on joining.
    Renumbered,
    /// More than one timer runs after a sync.
    Timers,
    /// A reference to a deleted parent was cleared, or its row dropped.
    Orphan,
    /// A change was not applied (it would break a rule of the schema).
    Refused,
}

impl DecisionKind {
    /// The name stored and shown: `merged`, `deleted_wins`, `later_edit_wins`,
    /// `invoice_kept`, `renumbered`, `timers`, `orphan`, `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionKind::Merged => "merged",
            DecisionKind::DeletedWins => "deleted_wins",
            DecisionKind::LaterEditWins => "later_edit_wins",
            DecisionKind::InvoiceKept => "invoice_kept",
            DecisionKind::Renumbered => "renumbered",
            DecisionKind::Timers => "timers",
            DecisionKind::Orphan => "orphan",
            DecisionKind::Refused => "refused",
        }
    }
}

impl std::fmt::Display for DecisionKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

fn singular(table: &str) -> String {
    match table.strip_suffix('s') {
        Some(s) => s.replace('_', " "),
        None => table.replace('_', " "),
    }
}

/// Applies `ops` (one remote change stamped `stamp`) by the sync rules, in the caller's
/// transaction, which must have foreign keys deferred (`PRAGMA defer_foreign_keys`, set once:
/// setting it expires every prepared statement). Returns the decisions taken.
pub(crate) fn apply_ops(
    conn: &Connection,
    meta: &Meta,
    ops: &[Op],
    stamp: &Stamp,
    known: &Known,
) -> Result<Vec<Decision>> {
    let mut decisions = Vec::new();
    let deleting = deleted_ids(meta, ops);
    for op in apply_order(ops) {
        apply_op(conn, meta, op, (stamp, known, &deleting), &mut decisions)?;
    }
    Ok(decisions)
}

/// The rows (table, id) that `ops` delete: a reference one of its updates clears from one of
/// them is SQLite's `ON DELETE SET NULL` on the device that made it, not an edit.
fn deleted_ids(meta: &Meta, ops: &[Op]) -> HashSet<(String, i64)> {
    ops.iter()
        .filter(|op| op.kind == RowOp::Delete)
        .filter_map(|op| {
            let m = meta.get(&op.table)?;
            Some((op.table.clone(), int_key(m, &op.values)?))
        })
        .collect()
}

/// The change a row operation belongs to: its stamp, what its device had applied, and the rows
/// it deletes ([`deleted_ids`]).
type ChangeCtx<'a> = (&'a Stamp, &'a Known, &'a HashSet<(String, i64)>);

/// Records that row `id` of `child` let go of its reference `col` to row `parent_id` of
/// `parent` (deleted), so that it points at it again if the row comes back
/// ([`restore_released`]).
fn record_release(
    conn: &Connection,
    child: &str,
    id: i64,
    col: &str,
    parent: &str,
    parent_id: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT OR REPLACE INTO sync_released (tbl, id, col, parent, parent_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![child, id, col, parent, parent_id])?;
    Ok(())
}

/// Row `id` of `parent` is here again (an undone delete, or a track an invoice kept): the
/// references this device let go of when it was deleted ([`record_release`]) point at it
/// again where they are still empty. Returns how many did.
fn restore_released(conn: &Connection, meta: &Meta, parent: &str, id: i64) -> Result<usize> {
    let released: Vec<(String, i64, String)> = conn
        .prepare_cached(
            "SELECT tbl, id, col FROM sync_released WHERE parent = ?1 AND parent_id = ?2
              ORDER BY tbl, id, col",
        )?
        .query_map(params![parent, id], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    let Some(pm) = meta.get(parent) else {
        return Ok(0);
    };
    if released.is_empty() || !exists(conn, parent, pm, &[Value::Integer(id)])? {
        return Ok(0);
    }
    let mut n = 0;
    for (t, child, c) in released {
        let Some(cm) = meta.get(&t).filter(|cm| cm.int_pk && cm.pk.len() == 1) else {
            continue;
        };
        if !cm.cols.contains(&c) {
            continue;
        }
        let pk = &cm.cols[cm.pk[0]];
        n += conn
            .prepare_cached(&format!(
                "UPDATE \"{t}\" SET \"{c}\" = ?1 WHERE \"{pk}\" = ?2 AND \"{c}\" IS NULL"
            ))?
            .execute(params![id, child])?;
    }
    conn.prepare_cached("DELETE FROM sync_released WHERE parent = ?1 AND parent_id = ?2")?
        .execute(params![parent, id])?;
    Ok(n)
}

/// Records the references to row `id` of `table` that its delete lets go of (nullable ones:
/// `ON DELETE SET NULL`, or cleared by [`delete_row`]).
fn record_releases_of(conn: &Connection, meta: &Meta, table: &str, id: i64) -> Result<()> {
    for (child, cm, fk) in meta.children(table) {
        if fk.notnull || fk.keeps || fk.when.is_some() || !cm.int_pk || cm.pk.len() != 1 {
            continue;
        }
        let (pk, c) = (&cm.cols[cm.pk[0]], &cm.cols[fk.col]);
        let ids: Vec<i64> = conn
            .prepare_cached(&format!(
                "SELECT \"{pk}\" FROM \"{child}\" WHERE \"{c}\" = ?1"
            ))?
            .query_map([id], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for i in ids {
            record_release(conn, &child, i, c, table, id)?;
        }
    }
    Ok(())
}

/// The order one change's row operations are applied in: inserts and updates parents first
/// (a row's parent is there before it, whatever order its device recorded them in), then
/// deletes children first (a row re-pointed by the change has moved before its old parent
/// goes). Within a table the recorded order stays.
fn apply_order(ops: &[Op]) -> Vec<&Op> {
    use super::sync_tables::rank;
    let mut out: Vec<&Op> = ops.iter().collect();
    out.sort_by_key(|op| match op.kind {
        RowOp::Delete => (1, usize::MAX - rank(&op.table)),
        _ => (0, rank(&op.table)),
    });
    out
}

/// What the device that made a change had applied of every other device when it made it: the
/// newest clock stamp of each device's changes it had (from its log file). A deletion stamped
/// at or below it was known to that device; one above it was concurrent.
pub type Known = HashMap<DeviceId, Hlc>;

fn redirect(conn: &Connection, table: &str, id: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT to_key FROM sync_redirects WHERE tbl = ?1 AND from_key = ?2")?
        .query_row(params![table, id], |r| r.get(0))
        .optional()?)
}

fn exists(conn: &Connection, table: &str, m: &TableMeta, key: &[Value]) -> Result<bool> {
    let sql = format!("SELECT 1 FROM \"{table}\" WHERE {}", where_key(m, 1));
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(key.iter()), |_| Ok(()))
        .optional()?
        .is_some())
}

/// The invoice track `track` is on, if any: its number or id.
fn issued_invoice_of_track(conn: &Connection, track: &Value) -> Result<Option<String>> {
    let has = conn
        .prepare_cached("SELECT count(*) FROM sqlite_master WHERE name = 'invoices'")?
        .query_row([], |r| r.get::<_, i64>(0))?;
    if has == 0 {
        return Ok(None);
    }
    Ok(conn
        .prepare_cached(
            "SELECT ifnull(i.number, 'invoice ' || i.id) FROM tracks t JOIN invoices i
               ON i.id = t.invoice_id WHERE t.id = ?1",
        )?
        .query_row([track], |r| r.get(0))
        .optional()?)
}

fn frozen(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    values: &[Option<Value>],
    current: Option<&[Value]>,
) -> Result<Option<String>> {
    let Some(col) = rule(table).and_then(|r| r.frozen_with_track) else {
        return Ok(None);
    };
    let Some(i) = m.cols.iter().position(|c| c == col) else {
        return Ok(None);
    };
    let track = values
        .get(i)
        .cloned()
        .flatten()
        .or_else(|| current.and_then(|c| c.get(i).cloned()));
    match track {
        Some(t) => issued_invoice_of_track(conn, &t),
        None => Ok(None),
    }
}

/// Applies one row operation; an edit of a row of a table with a merge rule goes to the row it
/// was merged into here, and a rename claims its new name ([`classes`]).
fn apply_op(
    conn: &Connection,
    meta: &Meta,
    op: &Op,
    ctx: ChangeCtx<'_>,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    let (stamp, known, _) = ctx;
    let table = op.table.as_str();
    if op.kind == RowOp::Delete
        && let Some(to) = delete_reaches_merged(conn, meta, op, stamp)?
    {
        // A delete of a row merged away here: the row it went into was its twin, created
        // without knowing of the delete, so it goes too (docs/sync.md, "Names: claims and
        // classes").
        apply_row_op(conn, meta, op, ctx, decisions)?;
        let m = meta.get(table).map(Arc::clone);
        let mut moved = op.clone();
        if let Some(m) = m {
            moved.values[m.pk[0]] = Some(Value::Integer(to));
        }
        return apply_row_op(conn, meta, &moved, ctx, decisions);
    }
    let Some(m) = meta.get(table).filter(|m| {
        op.kind == RowOp::Update
            && m.int_pk
            && m.pk.len() == 1
            && rule(table).is_some_and(|r| !r.merge_on.is_empty())
            && !is_claim(table, m, &op.values)
    }) else {
        return apply_row_op(conn, meta, op, ctx, decisions);
    };
    let Some(id) = int_key(m, &op.values) else {
        return apply_row_op(conn, meta, op, ctx, decisions);
    };
    let target = classes::live(conn, table, m, id)?;
    match target {
        Some(to) if to != id => {
            let mut moved = op.clone();
            moved.values[m.pk[0]] = Some(Value::Integer(to));
            apply_row_op(conn, meta, &moved, ctx, decisions)?;
        }
        _ => apply_row_op(conn, meta, op, ctx, decisions)?,
    }
    let renames = rule(table).is_some_and(|r| {
        r.merge_on.iter().any(|c| {
            m.cols
                .iter()
                .position(|x| x == c)
                .is_some_and(|i| op.values.get(i).is_some_and(Option::is_some))
        })
    });
    if renames && target.is_none() {
        return claim_rename_of_deleted(conn, meta, table, m, op, id, stamp, known, decisions);
    }
    let Some(target) = target.filter(|_| renames) else {
        return Ok(());
    };
    let Some(cur) = row_values(conn, table, m, &[Value::Integer(target)])? else {
        return Ok(());
    };
    let claimed: Vec<Option<Value>> = cur
        .into_iter()
        .enumerate()
        .map(|(i, v)| match op.values.get(i) {
            Some(Some(new)) if !m.pk.contains(&i) => Some(new.clone()),
            _ => Some(v),
        })
        .collect();
    if let Some(mk) = merge_key(table, m, &claimed) {
        classes::claim_rename(
            conn, meta, table, m, id, target, &mk, stamp, known, decisions,
        )?;
    }
    Ok(())
}

/// The row that a delete `op` (stamped `stamp`) of a row merged away here reaches too: the
/// row it went into, when the two claimed a name as twins ([`classes::claimed_as_twins`]) and
/// its claims did not know of the delete ([`classes::delete_reaches`]).
/// `None` for every other delete.
fn delete_reaches_merged(
    conn: &Connection,
    meta: &Meta,
    op: &Op,
    stamp: &Stamp,
) -> Result<Option<i64>> {
    let table = op.table.as_str();
    let Some(m) = meta.get(table).filter(|m| {
        m.int_pk && m.pk.len() == 1 && rule(table).is_some_and(|r| !r.merge_on.is_empty())
    }) else {
        return Ok(None);
    };
    let Some(id) = int_key(m, &op.values) else {
        return Ok(None);
    };
    if exists(conn, table, m, &[Value::Integer(id)])? {
        return Ok(None);
    }
    match classes::live(conn, table, m, id)? {
        Some(to)
            if to != id
                && classes::claimed_as_twins(conn, table, id, to)?
                && classes::delete_reaches(conn, table, to, stamp)? =>
        {
            Ok(Some(to))
        }
        _ => Ok(None),
    }
}

/// A rename (stamped `stamp`, by a device that knew `known`) of row `id`, deleted here: the
/// claim is recorded all the same (its values: the row's latest claim with the renamed
/// columns), and a live row whose claim is its twin goes with the deleted row when none of its
/// claims knew of the delete. On a device where the rename came before the delete, the two
/// rows met at the name and were one, and the delete took it (docs/sync.md, "Names: claims
/// and classes"); a twin arriving after this claim stays deleted ([`Applier::same_name_rows`]).
#[allow(clippy::too_many_arguments)]
fn claim_rename_of_deleted(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    op: &Op,
    id: i64,
    stamp: &Stamp,
    known: &Known,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    let Some((deleted, true)) = row_clock(conn, table, &key_text(&Value::Integer(id)))? else {
        return Ok(());
    };
    let Some(mkey) = renamed_key(conn, table, m, op, id)? else {
        return Ok(());
    };
    record_created(conn, table, &mkey, id, stamp, &classes::known_text(known))?;
    let me = classes::Claim {
        id,
        stamp: Some(stamp.clone()),
        known: Some(known.clone()),
    };
    let all = classes::claims_of(conn, table, &mkey)?;
    for o in &all {
        if o.id == id || !me.twin_of(o, &all) {
            continue;
        }
        let Some(w) = classes::live(conn, table, m, o.id)? else {
            continue;
        };
        if !classes::delete_reaches(conn, table, w, &deleted)? {
            continue;
        }
        let kind = singular(table);
        record_releases_of(conn, meta, table, w)?;
        let what = format!("{kind} {w}");
        delete_row(conn, meta, table, m, &[Value::Integer(w)], &what, decisions)?;
        let key = key_text(&Value::Integer(w));
        set_row_clock(conn, table, &key, &deleted, true)?;
        conn.prepare_cached("DELETE FROM sync_cols WHERE tbl = ?1 AND key = ?2")?
            .execute([table, &key])?;
        redirect_to(conn, table, w, id)?;
        decisions.push(Decision {
            kind: DecisionKind::DeletedWins,
            detail: format!(
                "{kind} {id}, deleted here, was renamed on another device to the name {what} \
                 took meanwhile: they are one {kind}, and it stays deleted"
            ),
        });
    }
    Ok(())
}

/// The merge values row `id` claims when renamed by `op`: its latest claim's, with the columns
/// `op` sets (`None`: no claim of it is recorded, or the new values have no merge key).
fn renamed_key(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    op: &Op,
    id: i64,
) -> Result<Option<String>> {
    let Some(r) = rule(table).filter(|r| !r.merge_on.is_empty()) else {
        return Ok(None);
    };
    let latest: Option<String> = conn
        .prepare_cached(
            "SELECT mkey FROM sync_created WHERE tbl = ?1 AND id = ?2
              ORDER BY hlc DESC, device DESC LIMIT 1",
        )?
        .query_row(params![table, id], |r| r.get(0))
        .optional()?;
    let Some(latest) = latest else {
        return Ok(None);
    };
    let mut parts: Vec<String> = latest.split('\u{1f}').map(str::to_owned).collect();
    if parts.len() != r.merge_on.len() {
        return Ok(None);
    }
    for (n, c) in r.merge_on.iter().enumerate() {
        let Some(i) = m.cols.iter().position(|x| x == c) else {
            return Ok(None);
        };
        if let Some(Some(v)) = op.values.get(i) {
            if *v == Value::Null && !c.ends_with("_id") {
                return Ok(None);
            }
            parts[n] = key_text(v);
        }
    }
    Ok(Some(parts.join("\u{1f}")))
}

fn apply_row_op(
    conn: &Connection,
    meta: &Meta,
    op: &Op,
    ctx: ChangeCtx<'_>,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    let (stamp, known, deleting) = ctx;
    let Some(m) = meta.get(&op.table) else {
        decisions.push(Decision {
            kind: DecisionKind::Refused,
            detail: format!(
                "a change to table {} that this stint does not have",
                op.table
            ),
        });
        return Ok(());
    };
    let table = op.table.as_str();
    let mut values = op.values.clone();
    values.truncate(m.cols.len());
    // References to rows merged into another point at the one that stayed.
    for fk in m.fks.iter().filter(|fk| fk.applies(&op.values)) {
        if let Some(Some(Value::Integer(v))) = values.get(fk.col)
            && let Some(to) = redirect(conn, &fk.parent, *v)?
        {
            values[fk.col] = Some(Value::Integer(to));
        }
    }
    let (key_vals, key) = key_of(m, &values);
    let current = row_values(conn, table, m, &key_vals)?;
    let what = format!("{} {key}", singular(table));
    let claims = op.kind == RowOp::Update && is_claim(table, m, &values);
    let mut applier = Applier {
        conn,
        meta,
        stamp,
        known,
        deleting,
        decisions,
    };
    let row = Row {
        table,
        m,
        values,
        key_vals,
        key,
        what,
    };
    match (op.kind, current) {
        (RowOp::Insert, Some(cur)) => applier.insert_over(row, cur),
        (RowOp::Insert, None) => applier.insert_new(row),
        (RowOp::Update, current) if claims => applier.claim(row, current),
        (RowOp::Update, current) => applier.update(row, current),
        (RowOp::Delete, current) => applier.delete(row, current),
    }
}

/// One row operation of a remote change, ready for its [`Applier`] method: the table, its
/// shape, the values (references to merged rows already redirected), the key and how decisions
/// name the row ("track 130").
struct Row<'a> {
    table: &'a str,
    m: &'a TableMeta,
    values: Vec<Option<Value>>,
    key_vals: Vec<Value>,
    key: String,
    what: String,
}

/// Whether an edit's `values` set a track's invoice (`invoice_id`, `invoice_line_id`): what
/// puts a track on an invoice or takes it off is applied even to an invoiced track.
fn touches_invoice(m: &TableMeta, values: &[Option<Value>]) -> bool {
    values
        .iter()
        .enumerate()
        .any(|(i, v)| v.is_some() && matches!(m.cols[i].as_str(), "invoice_id" | "invoice_line_id"))
}

/// What [`Applier::same_name_rows`] found for a new row: its twins here (the rows they stand
/// for, itself included, ascending), the lowest twin deleted without its creator knowing (it
/// stays deleted with it), and whether that twin is here again after the delete (`gone`: the
/// new row stays deleted, without standing for it).
struct Twins {
    same: Vec<i64>,
    dead: Option<i64>,
    gone: bool,
}

/// Applies the row operations of one remote change stamped `stamp`, made by a device that had
/// applied `known`: one method per row operation; what it decided where changes met goes to
/// `decisions`.
struct Applier<'a> {
    conn: &'a Connection,
    meta: &'a Meta,
    stamp: &'a Stamp,
    known: &'a Known,
    /// The rows the change deletes ([`deleted_ids`]).
    deleting: &'a HashSet<(String, i64)>,
    decisions: &'a mut Vec<Decision>,
}

impl Applier<'_> {
    /// An insert of a row that is here already (the same key inserted on two devices: a setting, a
    /// tag of a track): each column keeps the later write; a row on an invoice keeps the
    /// invoice's version.
    fn insert_over(&mut self, row: Row<'_>, cur: Vec<Value>) -> Result<()> {
        let (conn, meta, stamp, known) = (self.conn, self.meta, self.stamp, self.known);
        let decisions = &mut *self.decisions;
        let Row {
            table,
            m,
            values,
            key_vals,
            key,
            what: _,
        } = row;
        // The same key inserted on two devices (a setting, a tag of a track): each
        // column keeps the later write. A row on an invoice keeps the invoice's
        // version (an undone delete made elsewhere brings back nothing else).
        let base = row_clock(conn, table, &key)?;
        let keep = frozen(conn, table, m, &values, Some(&cur))?.is_some();
        let mut set = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let Some(v) = v else { continue };
            if m.pk.contains(&i) || cur.get(i) == Some(v) {
                continue;
            }
            if keep {
                continue;
            }
            let eff = later(
                base.as_ref().map(|b| &b.0),
                col_clock(conn, table, &key, i)?,
            );
            if eff.as_ref().is_none_or(|e| stamp > e) {
                set.push((i, v.clone()));
            }
        }
        let newer = base.as_ref().is_none_or(|(b, _)| stamp > b);
        if newer {
            set_row_clock(conn, table, &key, stamp, false)?;
        }
        for (i, _) in &set {
            set_col_clock(conn, table, &key, *i, stamp)?;
        }
        update_cols(
            conn, meta, table, m, &key_vals, &set, stamp, known, decisions,
        )?;
        Ok(())
    }

    /// An insert of a row not here: stays deleted when its delete is later; a row created under a
    /// name another row holds merges with it ([`classes`]); references to missing parents are
    /// cleared or the row is dropped ([`fix_references`]).
    fn insert_new(&mut self, row: Row<'_>) -> Result<()> {
        if self.stays_deleted(&row)? {
            return Ok(());
        }
        let Row {
            table,
            m,
            mut values,
            key,
            what,
            ..
        } = row;
        let mut carried = Vec::new();
        if let (Some(mk), Some(id)) = (merge_key(table, m, &values), int_key(m, &values)) {
            let known = classes::known_text(self.known);
            record_created(self.conn, table, &mk, id, self.stamp, &known)?;
            let twins = self.same_name_rows(table, m, &mk, id)?;
            match self.merge_same_name(table, m, &values, &what, id, twins)? {
                Some(c) => carried = c,
                None => return Ok(()),
            }
        }
        classes::carry_into_values(m, &mut values, &carried);
        let (conn, meta, stamp, known) = (self.conn, self.meta, self.stamp, self.known);
        if !fix_references(
            conn,
            meta,
            table,
            m,
            &mut values,
            &what,
            stamp,
            known,
            self.decisions,
        )? {
            return Ok(());
        }
        insert_row(conn, meta, table, m, &values, stamp, self.decisions)?;
        // A row with an id has a row clock only once it was deleted: this is its return.
        let back = m.int_pk && row_clock(conn, table, &key)?.is_some();
        if !m.int_pk || back {
            set_row_clock(conn, table, &key, stamp, false)?;
        }
        if let Some(id) = int_key(m, &values) {
            for c in &carried {
                classes::carry(conn, table, m, id, c)?;
            }
            if back {
                // Back after a delete (an undo): what let go of it points at it again.
                restore_released(conn, meta, table, id)?;
            }
        }
        Ok(())
    }

    /// Whether the inserted row stays deleted: its deletion here is later than the insert.
    fn stays_deleted(&mut self, row: &Row<'_>) -> Result<bool> {
        let Some((clock, true)) = row_clock(self.conn, row.table, &row.key)? else {
            return Ok(false);
        };
        if *self.stamp > clock {
            return Ok(false);
        }
        self.decisions.push(Decision {
            kind: DecisionKind::DeletedWins,
            detail: format!("{} stays deleted (its deletion is later)", row.what),
        });
        Ok(true)
    }

    /// The rows whose claims of merge values `mk` are twins of new row `id`'s
    /// ([`classes::Claim::twin_of`]: concurrent, each claimer knowing neither the other's claim
    /// nor a third concurrent with it), itself included, as the rows they stand for here,
    /// ascending, without repeats; and the lowest twin deleted without this row's creator
    /// knowing, if any. A name created again after its row was deleted is a new row.
    fn same_name_rows(&self, table: &str, m: &TableMeta, mk: &str, id: i64) -> Result<Twins> {
        let (conn, stamp, known) = (self.conn, self.stamp, self.known);
        let all = classes::claims_of(conn, table, mk)?;
        let me = classes::Claim {
            id,
            stamp: Some(stamp.clone()),
            known: Some(known.clone()),
        };
        let mut same = Vec::new();
        let mut dead = None;
        let mut gone = false;
        for o in &all {
            // A row the creator of this one had seen (its own, or one whose creation it had
            // applied: it renamed it, say) was not created concurrently, so the two stay
            // apart. (A claim with a stamp is judged by it: a rename of this device's row by
            // another device is a claim of that device.)
            let same_device =
                o.stamp.is_none() && o.id != id && DeviceNo::of_id(o.id) == DeviceNo::of_id(id);
            let seen = o.id != id && !me.twin_of(o, &all);
            if same_device || seen {
                continue;
            }
            if o.id != id
                && dead.is_none()
                && exists(conn, table, m, &[Value::Integer(o.id)])?
                && row_clock(conn, table, &key_text(&Value::Integer(o.id)))?.is_some()
            {
                // A twin here again after a delete (an undo): that delete took this row too,
                // as where the two met before it (a twin's claimer knew of neither); the
                // return brings back the row it deleted, not this one.
                dead = Some(o.id);
                gone = true;
            } else if o.id == id || exists(conn, table, m, &[Value::Integer(o.id)])? {
                same.push(o.id);
            } else if let Some(to) = classes::live(conn, table, m, o.id)? {
                // Merged into another row here: it stands for that row.
                same.push(to);
            } else if dead.is_none()
                && let Some((clock, true)) =
                    row_clock(conn, table, &key_text(&Value::Integer(o.id)))?
                && clock.unknown_to(stamp, known)
            {
                // Created under that name elsewhere and deleted there without this device
                // knowing: on the devices that merged the two before the delete came, it
                // deleted both (whichever id stayed: [`classes::delete_reaches`]); so here
                // too.
                dead = Some(o.id);
            }
        }
        same.sort_unstable();
        same.dedup();
        Ok(Twins { same, dead, gone })
    }

    /// Merges new row `id` (with `values`) and the rows created under the same name
    /// concurrently (`same` and `dead`, from [`Applier::same_name_rows`]): the lowest id stays;
    /// with a twin deleted, `id` stays deleted with it. Returns `None` when `id` is not the
    /// lowest (it went into that row) or stays deleted, else what the rows merged into it
    /// carry ([`classes::carry`]).
    #[allow(clippy::too_many_arguments)]
    fn merge_same_name(
        &mut self,
        table: &str,
        m: &TableMeta,
        values: &[Option<Value>],
        what: &str,
        id: i64,
        twins: Twins,
    ) -> Result<Option<Vec<Carried>>> {
        let Twins { same, dead, gone } = twins;
        let (conn, meta) = (self.conn, self.meta);
        let low = dead.or(same.first().copied()).unwrap_or(id);
        let full: Vec<Value> = values
            .iter()
            .map(|v| v.clone().unwrap_or(Value::Null))
            .collect();
        let name = name_of(m, &full);
        if gone {
            self.decisions.push(Decision {
                kind: DecisionKind::DeletedWins,
                detail: format!(
                    "{what}{name} was created on two devices, and {} {low} it is one with \
                     was deleted meanwhile (and brought back since): it stays deleted",
                    singular(table)
                ),
            });
            return Ok(None);
        }
        if low != id {
            // Created under the same name elsewhere first (lower id): one row.
            redirect_to(conn, table, id, low)?;
            let alive = exists(conn, table, m, &[Value::Integer(low)])?;
            self.decisions.push(Decision {
                kind: DecisionKind::Merged,
                detail: if alive {
                    format!(
                        "{what}{name} was created on two devices: merged into {} {low}",
                        singular(table)
                    )
                } else {
                    format!(
                        "{what}{name} was created on two devices, and {} {low} it \
                             merges into is deleted: it stays deleted",
                        singular(table)
                    )
                },
            });
            return Ok(None);
        }
        let mut carried = Vec::new();
        for other in same.into_iter().filter(|o| *o != id) {
            if exists(conn, table, m, &[Value::Integer(other)])? {
                carried.extend(merge_into(conn, meta, table, m, other, id, None, false)?);
                self.decisions.push(Decision {
                    kind: DecisionKind::Merged,
                    detail: format!(
                        "{} {other}{name} was created on two devices: merged into \
                             {what}",
                        singular(table)
                    ),
                });
            } else {
                redirect_to(conn, table, other, id)?;
            }
        }
        Ok(Some(carried))
    }

    /// A track put on an invoice on the billing device, sent in full ([`expand_claims`]): its
    /// version wins, and a track deleted here meanwhile comes back.
    fn claim(&mut self, row: Row<'_>, current: Option<Vec<Value>>) -> Result<()> {
        let (conn, meta, stamp, known) = (self.conn, self.meta, self.stamp, self.known);
        let decisions = &mut *self.decisions;
        let Row {
            table,
            m,
            mut values,
            key_vals,
            key,
            what,
        } = row;
        // The billing device put this track on an invoice: its version wins, and a track
        // deleted here meanwhile comes back.
        match current {
            None => {
                if fix_references(
                    conn,
                    meta,
                    table,
                    m,
                    &mut values,
                    &what,
                    stamp,
                    known,
                    decisions,
                )? {
                    insert_row(conn, meta, table, m, &values, stamp, decisions)?;
                    set_row_clock(conn, table, &key, stamp, false)?;
                    note_claim(conn, table, &key, stamp)?;
                    // Every column as the claim wrote it: a later claim of the track arriving
                    // next wins over it, an earlier one does not.
                    for i in (0..m.cols.len()).filter(|i| !m.pk.contains(i)) {
                        set_col_clock(conn, table, &key, i, stamp)?;
                    }
                    if let Some(id) = int_key(m, &values) {
                        restore_released(conn, meta, table, id)?;
                    }
                    decisions.push(Decision {
                        kind: DecisionKind::InvoiceKept,
                        detail: format!(
                            "{what} was deleted here but is on an invoice made on the \
                             billing device: it is back"
                        ),
                    });
                }
            }
            Some(cur) => {
                // Two invoices claiming one track: the later claim wins. Only a claim
                // counts against it (the invoice column's own clock): a re-insert made
                // meanwhile (an undone delete) does not take the track off an invoice,
                // as it does not on the devices that had the invoice first.
                let inv_col = m.cols.iter().position(|c| c == "invoice_id").unwrap_or(0);
                let eff = col_clock(conn, table, &key, inv_col)?;
                if eff.as_ref().is_some_and(|e| stamp <= e) {
                    decisions.push(Decision {
                        kind: DecisionKind::InvoiceKept,
                        detail: format!(
                            "{what} was put on another invoice later: it stays on that one"
                        ),
                    });
                    return Ok(());
                }
                let mut set = Vec::new();
                let mut replaced = Vec::new();
                for (i, v) in values.iter().enumerate() {
                    let Some(v) = v else { continue };
                    if m.pk.contains(&i) {
                        continue;
                    }
                    set_col_clock(conn, table, &key, i, stamp)?;
                    if cur.get(i) != Some(v) {
                        set.push((i, v.clone()));
                        if !matches!(
                            m.cols[i].as_str(),
                            "invoice_id" | "invoice_line_id" | "updated_at"
                        ) {
                            replaced.push(m.cols[i].clone());
                        }
                    }
                }
                if !replaced.is_empty() {
                    decisions.push(Decision {
                        kind: DecisionKind::InvoiceKept,
                        detail: format!(
                            "{what}: {} took the version on its invoice; the edit made \
                             here meanwhile was not kept",
                            replaced.join(", ")
                        ),
                    });
                }
                note_claim(conn, table, &key, stamp)?;
                update_cols(
                    conn, meta, table, m, &key_vals, &set, stamp, known, decisions,
                )?;
            }
        }
        Ok(())
    }

    /// An edit: each column keeps the later write; an edit of a row on an issued invoice, or of
    /// a row deleted meanwhile, is dropped.
    fn update(&mut self, row: Row<'_>, current: Option<Vec<Value>>) -> Result<()> {
        let Some(cur) = current else {
            return self.drop_edit_of_missing_row(&row);
        };
        if self.edit_kept_off_invoice(&row, &cur)? || self.edit_loses_to_unseen_claim(&row)? {
            return Ok(());
        }
        let base = row_clock(self.conn, row.table, &row.key)?;
        if self.edit_loses_to_return(&row, base.as_ref()) {
            return Ok(());
        }
        let set = self.later_columns(&row, &cur, base.as_ref().map(|b| &b.0))?;
        self.remember_releases(&row, &cur, &set)?;
        let (conn, meta, stamp, known) = (self.conn, self.meta, self.stamp, self.known);
        let Row {
            table, m, key_vals, ..
        } = &row;
        update_cols(
            conn,
            meta,
            table,
            m,
            key_vals,
            &set,
            stamp,
            known,
            self.decisions,
        )
    }

    /// The edit of a row that is not here: dropped, and said (deleted, or never here).
    fn drop_edit_of_missing_row(&mut self, row: &Row<'_>) -> Result<()> {
        let gone = matches!(row_clock(self.conn, row.table, &row.key)?, Some((_, true)));
        let what = &row.what;
        self.decisions.push(Decision {
            kind: DecisionKind::DeletedWins,
            detail: if gone {
                format!("an edit of {what} was dropped: it was deleted")
            } else {
                format!("an edit of {what} was dropped: the row is not here")
            },
        });
        Ok(())
    }

    /// Whether the edit is dropped because its row is on an issued invoice (`cur`: the row
    /// here), unless the edit is what puts it on or takes it off an invoice.
    fn edit_kept_off_invoice(&mut self, row: &Row<'_>, cur: &[Value]) -> Result<bool> {
        let (m, values) = (row.m, &row.values);
        let Some(inv) = frozen(self.conn, row.table, m, values, Some(cur))? else {
            return Ok(false);
        };
        // An edit that only moved `updated_at` is dropped too (silently): on the devices that
        // get the invoice's full version later, that version sets every column, so keeping the
        // edit here would leave this device different.
        if touches_invoice(m, values) {
            return Ok(false);
        }
        let touches_content = values.iter().enumerate().any(|(i, v)| {
            v.is_some()
                && !m.pk.contains(&i)
                && !matches!(
                    m.cols[i].as_str(),
                    "invoice_id" | "invoice_line_id" | "updated_at"
                )
        });
        if touches_content {
            self.decisions.push(Decision {
                kind: DecisionKind::InvoiceKept,
                detail: format!(
                    "an edit of {} made on another device was not applied: it is on invoice \
                     {inv}, which keeps its version",
                    row.what
                ),
            });
        }
        Ok(true)
    }

    /// Whether the edit of a track is dropped because it was made without knowing of the
    /// latest claim of it (an invoice), as it was on the devices where the claim arrived after
    /// it.
    fn edit_loses_to_unseen_claim(&mut self, row: &Row<'_>) -> Result<bool> {
        let (m, values) = (row.m, &row.values);
        if rule(row.table).and_then(|r| r.frozen_with_track) != Some("id")
            || !claim_unknown_to(self.conn, row.table, &row.key, self.stamp, self.known)?
            || touches_invoice(m, values)
        {
            return Ok(false);
        }
        let content = values
            .iter()
            .enumerate()
            .any(|(i, v)| v.is_some() && !m.pk.contains(&i) && m.cols[i] != "updated_at");
        if content {
            self.decisions.push(Decision {
                kind: DecisionKind::InvoiceKept,
                detail: format!(
                    "an edit of {} made on another device was not applied: it was made \
                     without knowing the track was put on an invoice, whose version it keeps",
                    row.what
                ),
            });
        }
        Ok(true)
    }

    /// Whether the edit is dropped because its row came back after a delete the editing device
    /// did not know of. A row with an id has a row clock only when it came back after a delete
    /// (an undo): an edit made elsewhere without knowing of that return was made before the
    /// delete (it could not edit a deleted row). The delete won against it on the devices that
    /// had the edit first, and the return restored the row as it was: it loses here too.
    /// `base`: the row's clock here and whether it marks a delete.
    fn edit_loses_to_return(&mut self, row: &Row<'_>, base: Option<&(Stamp, bool)>) -> bool {
        if !row.m.int_pk {
            return false;
        }
        let Some((returned, false)) = base else {
            return false;
        };
        if !returned.unknown_to(self.stamp, self.known) {
            return false;
        }
        self.decisions.push(Decision {
            kind: DecisionKind::DeletedWins,
            detail: format!(
                "an edit of {} was dropped: it was deleted meanwhile, and brought back as it was",
                row.what
            ),
        });
        true
    }

    /// The columns the edit sets (later than their clocks here, and different from `cur`),
    /// with their clocks moved to the edit's stamp; the ones where a later edit made here wins
    /// are said. `base`: the row's clock here (a column's clock counts from it).
    fn later_columns(
        &mut self,
        row: &Row<'_>,
        cur: &[Value],
        base: Option<&Stamp>,
    ) -> Result<Vec<(usize, Value)>> {
        let (conn, stamp) = (self.conn, self.stamp);
        let (table, m, key) = (row.table, row.m, &row.key);
        let mut set = Vec::new();
        let mut lost = Vec::new();
        for (i, v) in row.values.iter().enumerate() {
            let Some(v) = v else { continue };
            if m.pk.contains(&i) {
                continue;
            }
            let eff = later(base, col_clock(conn, table, key, i)?);
            if eff.as_ref().is_none_or(|e| stamp > e) {
                set_col_clock(conn, table, key, i, stamp)?;
                if cur.get(i) != Some(v) {
                    set.push((i, v.clone()));
                }
            } else if cur.get(i) != Some(v) && m.cols[i] != "updated_at" {
                lost.push(m.cols[i].clone());
            }
        }
        if !lost.is_empty() {
            self.decisions.push(Decision {
                kind: DecisionKind::LaterEditWins,
                detail: format!(
                    "{}: {} kept the later edit made here",
                    row.what,
                    lost.join(", ")
                ),
            });
        }
        Ok(set)
    }

    /// A reference this change clears (`set`) from a row whose parent it deletes is that
    /// delete's `ON DELETE SET NULL`: remembered, to point again at the parent if it comes
    /// back.
    fn remember_releases(
        &mut self,
        row: &Row<'_>,
        cur: &[Value],
        set: &[(usize, Value)],
    ) -> Result<()> {
        let m = row.m;
        let Some(id) = m.int_pk.then(|| int_key(m, &row.values)).flatten() else {
            return Ok(());
        };
        for (i, v) in set {
            let (Value::Null, Some(Value::Integer(p))) = (v, cur.get(*i)) else {
                continue;
            };
            for fk in m
                .fks
                .iter()
                .filter(|fk| fk.col == *i && !fk.notnull && !fk.keeps && fk.when.is_none())
            {
                if self.deleting.contains(&(fk.parent.clone(), *p)) {
                    record_release(self.conn, row.table, id, &m.cols[*i], &fk.parent, *p)?;
                }
            }
        }
        Ok(())
    }

    /// A delete: applied unless the row was added again later, is on an issued invoice, or was
    /// put on an invoice without the deleting device knowing.
    fn delete(&mut self, row: Row<'_>, current: Option<Vec<Value>>) -> Result<()> {
        let (conn, meta, stamp, known) = (self.conn, self.meta, self.stamp, self.known);
        let decisions = &mut *self.decisions;
        let Row {
            table,
            m,
            values,
            key_vals,
            key,
            what,
        } = row;
        if current.is_none() {
            // Already gone: keep the later of the two clocks (an older delete arriving
            // after a newer one must not let a re-insert between them back in).
            if row_clock(conn, table, &key)?.is_none_or(|(clock, _)| *stamp > clock) {
                set_row_clock(conn, table, &key, stamp, true)?;
            }
            return Ok(());
        }
        let id = m.int_pk.then(|| int_key(m, &values)).flatten();
        let kept = if let Some((clock, false)) = row_clock(conn, table, &key)?
            && *stamp <= clock
        {
            Some(Decision {
                kind: DecisionKind::DeletedWins,
                detail: format!("{what} was not deleted: it was added again later"),
            })
        } else if let Some(inv) = frozen(conn, table, m, &values, current.as_deref())? {
            Some(Decision {
                kind: DecisionKind::InvoiceKept,
                detail: format!(
                    "{what} was deleted on another device but kept: it is on issued \
                     invoice {inv}"
                ),
            })
        } else {
            claimed_unseen(conn, table, m, &values, stamp, known)?.map(|inv| Decision {
                kind: DecisionKind::InvoiceKept,
                detail: format!(
                    "{what} was deleted on another device that had not seen it put on \
                     invoice {inv}: it is kept"
                ),
            })
        };
        if let Some(kept) = kept {
            decisions.push(kept);
            // The references the deleting device let go of in this change point at it again.
            if let Some(id) = id {
                restore_released(conn, meta, table, id)?;
            }
            return Ok(());
        }
        if let Some(id) = id {
            record_releases_of(conn, meta, table, id)?;
        }
        delete_row(conn, meta, table, m, &key_vals, &what, decisions)?;
        set_row_clock(conn, table, &key, stamp, true)?;
        conn.prepare_cached("DELETE FROM sync_cols WHERE tbl = ?1 AND key = ?2")?
            .execute([table, &key])?;
        Ok(())
    }
}

/// The invoice that put the track `values` (of a table whose rows are frozen with their
/// invoice: `tracks`) on it without the deleting device knowing (its `invoice_items` row
/// stamped later than what `known` holds of that device). A device that applies such a
/// claim after the delete brings the track back ("it is back", [`apply_row_op`]), so a
/// device that had the claim first keeps the track: the same end either way.
fn claimed_unseen(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    values: &[Option<Value>],
    stamp: &Stamp,
    known: &Known,
) -> Result<Option<i64>> {
    if rule(table).and_then(|r| r.frozen_with_track) != Some("id") {
        return Ok(None);
    }
    let Some(id) = int_key(m, values) else {
        return Ok(None);
    };
    let invoices: Vec<i64> = conn
        .prepare_cached(
            "SELECT invoice_id FROM invoice_items WHERE kind = 'track' AND item_id = ?1 \
             ORDER BY invoice_id",
        )?
        .query_map([id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for inv in invoices {
        let key = format!("{inv}/track/{id}");
        if let Some((claimed, false)) = row_clock(conn, "invoice_items", &key)?
            && claimed.unknown_to(stamp, known)
        {
            return Ok(Some(inv));
        }
    }
    Ok(None)
}

/// Whether `values` is a track put on an invoice, sent in full (see [`expand_claims`]).
fn is_claim(table: &str, m: &TableMeta, values: &[Option<Value>]) -> bool {
    values.len() == m.cols.len()
        && values.iter().all(Option::is_some)
        && sets_invoice(table, m, values)
}

/// Whether a write of `values` (by position; `None`: not written) to a row of `table` puts a
/// track on an invoice (sets its `invoice_id`).
fn sets_invoice(table: &str, m: &TableMeta, values: &[Option<Value>]) -> bool {
    rule(table).and_then(|r| r.frozen_with_track) == Some("id")
        && m.cols
            .iter()
            .position(|c| c == "invoice_id")
            .is_some_and(|i| matches!(values.get(i), Some(Some(Value::Integer(_)))))
}

/// Sends in full (every column: the ones the update set as it set them, the others as the row
/// is now) each update of `ops` that puts a track on an invoice: on other devices that version wins over edits made without knowing of the
/// invoice, and brings the track back where it was deleted.
pub fn expand_claims(conn: &Connection, meta: &Meta, ops: &mut [Op]) -> Result<()> {
    for op in ops.iter_mut() {
        let Some(m) = meta.get(&op.table) else {
            continue;
        };
        if op.kind != RowOp::Update || !sets_invoice(&op.table, m, &op.values) {
            continue;
        }
        let (key, _) = key_of(m, &op.values);
        if let Some(row) = row_values(conn, &op.table, m, &key)? {
            // The columns this update set (the invoice, its line) as it set them: a void
            // published with it must not make the claim a plain edit on the wire.
            op.values = row
                .into_iter()
                .enumerate()
                .map(|(c, now)| op.values.get(c).cloned().flatten().or(Some(now)))
                .collect();
            op.pk = (0..m.cols.len()).map(|c| m.pk.contains(&c)).collect();
        }
    }
    Ok(())
}

fn later(a: Option<&Stamp>, b: Option<Stamp>) -> Option<Stamp> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if *a > b { a.clone() } else { b }),
        (Some(a), None) => Some(a.clone()),
        (None, b) => b,
    }
}

/// Points references to missing parents at nothing (a nullable column) or drops the row (a
/// required one); false when the row is dropped.
#[allow(clippy::too_many_arguments)]
fn fix_references(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    values: &mut [Option<Value>],
    what: &str,
    stamp: &Stamp,
    known: &Known,
    decisions: &mut Vec<Decision>,
) -> Result<bool> {
    for fk in m.fks.iter().filter(|fk| !fk.keeps && fk.when.is_none()) {
        let Some(Some(v @ Value::Integer(_))) = values.get(fk.col).cloned() else {
            continue;
        };
        let Some(pm) = meta.get(&fk.parent) else {
            continue;
        };
        if pm.pk.len() != 1 {
            continue;
        }
        if exists(conn, &fk.parent, pm, std::slice::from_ref(&v))? {
            // A parent that came back after a delete its referrer's device did not know of
            // counts as deleted for a required reference: where the row arrived before the
            // delete, the delete took it along, and the return did not bring it back.
            let returned_unknown = pm.int_pk
                && matches!(
                    row_clock(conn, &fk.parent, &key_text(&v))?,
                    Some((returned, false)) if returned.unknown_to(stamp, known)
                );
            // A nullable reference stays: every device that let go of it restored it when
            // the parent came back ([`restore_released`]).
            if !returned_unknown || !fk.notnull {
                continue;
            }
        }
        let parent = format!("{} {}", singular(&fk.parent), key_text(&v));
        if fk.notnull {
            decisions.push(Decision {
                kind: DecisionKind::DeletedWins,
                detail: format!("{what} was not added: {parent} it belongs to was deleted"),
            });
            let _ = table;
            return Ok(false);
        }
        values[fk.col] = Some(Value::Null);
        if let (Some(id), Value::Integer(p)) = (m.int_pk.then(|| int_key(m, values)).flatten(), &v)
            && pm.int_pk
        {
            record_release(conn, table, id, &m.cols[fk.col], &fk.parent, *p)?;
        }
        decisions.push(Decision {
            kind: DecisionKind::Orphan,
            detail: format!(
                "{what} kept without its {}: {parent} was deleted",
                m.cols[fk.col]
            ),
        });
    }
    Ok(true)
}

fn is_unique(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
}

fn is_check(e: &rusqlite::Error) -> bool {
    matches!(e, rusqlite::Error::SqliteFailure(f, _)
        if f.code == rusqlite::ErrorCode::ConstraintViolation)
}

fn redirect_to(conn: &Connection, table: &str, from: i64, to: i64) -> Result<()> {
    // The map stays flat: a target merged away itself stands for the row it went into.
    let to = redirect(conn, table, to)?.unwrap_or(to);
    conn.execute(
        "UPDATE sync_redirects SET to_key = ?3 WHERE tbl = ?1 AND to_key = ?2",
        params![table, from, to],
    )?;
    conn.execute(
        "INSERT OR REPLACE INTO sync_redirects (tbl, from_key, to_key) VALUES (?1, ?2, ?3)",
        params![table, from, to],
    )?;
    Ok(())
}

/// Merges row `loser` of `table` into `winner`: references re-pointed, the loser deleted, and
/// later references to it redirected; the winner takes the loser's fields that are later than
/// its own ([`classes::carry`]; `values`: the loser's values when they are not yet written,
/// e.g. a rename that met the winner at the unique index). With `carry_now` false (the winner
/// is not written yet) the loser's fields are returned for the caller to carry afterwards.
#[allow(clippy::too_many_arguments)]
fn merge_into(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    loser: i64,
    winner: i64,
    values: Option<Vec<Value>>,
    carry_now: bool,
) -> Result<Option<Carried>> {
    let mut carried = Carried::of_row(conn, table, m, loser)?;
    if let (Some(c), Some(v)) = (carried.as_mut(), values) {
        c.values = v;
    }
    for (child, cm, fk) in meta.children(table) {
        let c = &cm.cols[fk.col];
        let when = fk.sql_when(&cm.cols);
        conn.execute(
            &format!("UPDATE OR IGNORE \"{child}\" SET \"{c}\" = ?1 WHERE \"{c}\" = ?2{when}"),
            params![winner, loser],
        )?;
        if !fk.keeps {
            conn.execute(
                &format!("DELETE FROM \"{child}\" WHERE \"{c}\" = ?1{when}"),
                [loser],
            )?;
        }
    }
    conn.execute(
        &format!("DELETE FROM \"{table}\" WHERE \"{}\" = ?1", m.cols[m.pk[0]]),
        [loser],
    )?;
    redirect_to(conn, table, loser, winner)?;
    rekey_claims(conn, meta, table, loser, winner)?;
    if carry_now && let Some(c) = &carried {
        classes::carry(conn, table, m, winner, c)?;
        return Ok(None);
    }
    Ok(carried)
}

/// Claims (`sync_created`) whose merge values name row `from` of `table` (a project's client)
/// name `to` instead, the row it was merged into: as on the devices where the claimer's
/// reference was re-pointed before its claim was recorded, so that claims of one name meet
/// whatever order the merge and the claim came in.
fn rekey_claims(conn: &Connection, meta: &Meta, table: &str, from: i64, to: i64) -> Result<()> {
    let (old, new) = (
        key_text(&Value::Integer(from)),
        key_text(&Value::Integer(to)),
    );
    for (child, cm, fk) in meta.children(table) {
        let Some(r) = rule(&child) else { continue };
        let Some(n) = r.merge_on.iter().position(|c| *c == cm.cols[fk.col]) else {
            continue;
        };
        let claims: Vec<(String, i64)> = conn
            .prepare_cached("SELECT mkey, id FROM sync_created WHERE tbl = ?1")?
            .query_map([&child], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (mkey, id) in claims {
            let mut parts: Vec<&str> = mkey.split('\u{1f}').collect();
            if parts.get(n) != Some(&old.as_str()) {
                continue;
            }
            parts[n] = &new;
            let rekeyed = parts.join("\u{1f}");
            conn.prepare_cached(
                "INSERT OR IGNORE INTO sync_created (tbl, mkey, id, hlc, device, known)
                 SELECT tbl, ?3, id, hlc, device, known FROM sync_created
                  WHERE tbl = ?1 AND mkey = ?2 AND id = ?4",
            )?
            .execute(params![child, mkey, rekeyed, id])?;
            conn.prepare_cached(
                "DELETE FROM sync_created WHERE tbl = ?1 AND mkey = ?2 AND id = ?3",
            )?
            .execute(params![child, mkey, id])?;
        }
    }
    Ok(())
}

fn name_of(m: &TableMeta, values: &[Value]) -> String {
    m.cols
        .iter()
        .position(|c| c == "name")
        .and_then(|i| match &values[i] {
            Value::Text(t) => Some(format!(" {t:?}")),
            _ => None,
        })
        .unwrap_or_default()
}

/// The other live row whose merge columns ([`RULES`]) hold `values` (a full row), if the table
/// has a merge rule: the row a name clash is with.
fn clashing_row(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    values: &[Value],
    id: i64,
) -> Result<Option<i64>> {
    let Some(r) = rule(table).filter(|r| !r.merge_on.is_empty()) else {
        return Ok(None);
    };
    if !m.int_pk {
        return Ok(None);
    }
    let mut conds = Vec::new();
    let mut vals = Vec::new();
    for c in r.merge_on {
        let Some(i) = m.cols.iter().position(|x| x == c) else {
            return Ok(None);
        };
        vals.push(values.get(i).cloned().unwrap_or(Value::Null));
        conds.push(format!("\"{c}\" IS ?{}", vals.len()));
    }
    vals.push(Value::Integer(id));
    let sql = format!(
        "SELECT \"{pk}\" FROM \"{table}\" WHERE {} AND \"{pk}\" != ?{} ORDER BY 1 LIMIT 1",
        conds.join(" AND "),
        vals.len(),
        pk = m.cols[m.pk[0]],
    );
    Ok(conn
        .prepare_cached(&sql)?
        .query_row(params_from_iter(vals.iter()), |r| r.get(0))
        .optional()?)
}

/// An invoice number issued on two devices before they first synced (only the billing device
/// issues numbers after that): both invoices are kept, the one with the lower id keeps the
/// number and the other gets `-<its device number>` appended, on every device. Returns the
/// incoming row to insert (its number changed if it is the one renamed), or `None` when the
/// clash is not an invoice number.
fn renumber_clashing_invoice(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    values: &[Value],
    id: i64,
    decisions: &mut Vec<Decision>,
) -> Result<Option<Vec<Value>>> {
    let Some(ni) = m.cols.iter().position(|c| c == "number") else {
        return Ok(None);
    };
    if table != "invoices" {
        return Ok(None);
    }
    let Value::Text(number) = &values[ni] else {
        return Ok(None);
    };
    let other: Option<i64> = conn
        .prepare_cached("SELECT id FROM invoices WHERE number = ?1 AND id != ?2")?
        .query_row(params![number, id], |r| r.get(0))
        .optional()?;
    let Some(other) = other else {
        return Ok(None);
    };
    let loser = id.max(other);
    let renamed = format!("{number}-{}", DeviceNo::of_id(loser));
    decisions.push(Decision {
        kind: DecisionKind::Renumbered,
        detail: format!(
            "invoice number {number} was issued on two devices before they synced: invoice \
             {} keeps it, invoice {loser} is now {renamed}",
            id.min(other)
        ),
    });
    let mut row = values.to_vec();
    if loser == other {
        conn.prepare_cached("UPDATE invoices SET number = ?1 WHERE id = ?2")?
            .execute(params![renamed, other])?;
    } else {
        row[ni] = Value::Text(renamed);
    }
    Ok(Some(row))
}

/// Two live rows that would hold one name (a rename on one device into a name created on
/// another meanwhile) become one, decided the same way on every device: the lower id stays,
/// the other's references move to it and later references are redirected. `id` is the row
/// being added or renamed, `row` its values as they would be, and `retry` writes it again
/// (when it is the one that stays). Returns false when the clash is not with another row of
/// the same merge values (the caller refuses the write).
#[allow(clippy::too_many_arguments)]
fn merge_clash(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    row: &[Value],
    id: i64,
    decisions: &mut Vec<Decision>,
    retry: impl Fn(&Connection) -> rusqlite::Result<usize>,
) -> Result<bool> {
    let Some(other) = clashing_row(conn, table, m, row, id)? else {
        return Ok(false);
    };
    let (winner, loser) = clash_winner(conn, table, m, row, id, other)?;
    let mut carried = None;
    if exists(conn, table, m, &[Value::Integer(loser)])? {
        let values = (loser == id).then(|| row.to_vec());
        carried = merge_into(conn, meta, table, m, loser, winner, values, winner != id)?;
    } else {
        redirect_to(conn, table, loser, winner)?;
    }
    let kind = singular(table);
    decisions.push(Decision {
        kind: DecisionKind::Merged,
        detail: format!(
            "{kind} {loser}{} and {kind} {winner} took the same name on two devices: merged \
             into {kind} {winner}",
            name_of(m, row)
        ),
    });
    if winner == id {
        retry(conn)?;
        if let Some(c) = &carried {
            classes::carry(conn, table, m, winner, c)?;
        }
    }
    Ok(true)
}

/// Which of two rows that would hold one name stays: `(winner, loser)`. A row that holds its
/// merge values only because a reference of them was cleared here (its parent deleted: "kept
/// without its client_id") yields to one that claimed them (created or renamed with them):
/// whether the clearing meets the other row depends on the order the files arrive in, so
/// the cleared row gives way on every device alike. Otherwise the lower id stays.
fn clash_winner(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    row: &[Value],
    id: i64,
    other: i64,
) -> Result<(i64, i64)> {
    let id_cleared = holds_by_clearing(conn, table, m, row, id)?;
    let other_cleared = match row_values(conn, table, m, &[Value::Integer(other)])? {
        Some(v) => holds_by_clearing(conn, table, m, &v, other)?,
        None => id_cleared,
    };
    Ok(match (id_cleared, other_cleared) {
        (false, true) => (id, other),
        (true, false) => (other, id),
        _ if id < other => (id, other),
        _ => (other, id),
    })
}

/// Whether row `id` with `values` holds merge values it never claimed, that differ from one
/// it did claim (`sync_created`) only in references now NULL: its parent was deleted after
/// it was created under that parent.
fn holds_by_clearing(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    values: &[Value],
    id: i64,
) -> Result<bool> {
    let Some(r) = rule(table) else {
        return Ok(false);
    };
    let values: Vec<Option<Value>> = values.iter().cloned().map(Some).collect();
    let Some(now) = merge_key(table, m, &values) else {
        return Ok(false);
    };
    let claimed: Vec<String> = conn
        .prepare_cached("SELECT mkey FROM sync_created WHERE tbl = ?1 AND id = ?2")?
        .query_map(params![table, id], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    if claimed.contains(&now) {
        return Ok(false);
    }
    let null = key_text(&Value::Null);
    let now: Vec<&str> = now.split('\u{1f}').collect();
    Ok(claimed.iter().any(|c| {
        let c: Vec<&str> = c.split('\u{1f}').collect();
        c.len() == now.len()
            && c != now
            && c.iter()
                .zip(&now)
                .zip(r.merge_on)
                .all(|((was, is), col)| was == is || (*is == null && col.ends_with("_id")))
    }))
}

#[allow(clippy::too_many_arguments)]
fn insert_row(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    values: &[Option<Value>],
    stamp: &Stamp,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    let _ = stamp;
    let idx: Vec<usize> = (0..values.len()).filter(|i| values[*i].is_some()).collect();
    let cols = idx
        .iter()
        .map(|&i| format!("\"{}\"", m.cols[i]))
        .collect::<Vec<_>>()
        .join(", ");
    let marks = (1..=idx.len())
        .map(|n| format!("?{n}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!("INSERT INTO \"{table}\" ({cols}) VALUES ({marks})");
    let vals: Vec<Value> = idx
        .iter()
        .map(|&i| values[i].clone().unwrap_or(Value::Null))
        .collect();
    let (_, key) = key_of(m, values);
    let what = format!("{} {key}", singular(table));
    let attempt = |conn: &Connection| -> rusqlite::Result<usize> {
        conn.prepare_cached(&sql)?
            .execute(params_from_iter(vals.iter()))
    };
    match attempt(conn) {
        Ok(_) => Ok(()),
        Err(e) if is_unique(&e) => {
            // A name taken by a row renamed to it on another device meanwhile: one row.
            let full: Vec<Value> = values
                .iter()
                .map(|v| v.clone().unwrap_or(Value::Null))
                .collect();
            if let Some(id) = int_key(m, values)
                && let Some(fixed) =
                    renumber_clashing_invoice(conn, table, m, &full, id, decisions)?
            {
                let values: Vec<Option<Value>> = fixed.into_iter().map(Some).collect();
                return insert_row(conn, meta, table, m, &values, stamp, decisions);
            }
            if let Some(id) = int_key(m, values)
                && merge_clash(conn, meta, table, m, &full, id, decisions, attempt)?
            {
                return Ok(());
            }
            decisions.push(Decision {
                kind: DecisionKind::Refused,
                detail: format!(
                    "{what}{} was not added: another row here has that name (renamed to it \
                     meanwhile); rename one of them on the device that has both",
                    name_of(
                        m,
                        &values
                            .iter()
                            .map(|v| v.clone().unwrap_or(Value::Null))
                            .collect::<Vec<_>>()
                    )
                ),
            });
            Ok(())
        }
        Err(e) if is_check(&e) => {
            decisions.push(Decision {
                kind: DecisionKind::Refused,
                detail: format!("{what} was not added: it breaks a rule of the database ({e})"),
            });
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

#[allow(clippy::too_many_arguments)]
fn update_cols(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    key: &[Value],
    set: &[(usize, Value)],
    stamp: &Stamp,
    known: &Known,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    if set.is_empty() {
        return Ok(());
    }
    let _ = stamp;
    let mut fixed: Vec<Option<Value>> = vec![None; m.cols.len()];
    for (i, v) in set {
        fixed[*i] = Some(v.clone());
    }
    if m.int_pk && m.pk.len() == 1 {
        // The id, so that a reference cleared below is remembered for its row.
        fixed[m.pk[0]] = Some(key[0].clone());
    }
    let (_, key_text_) = {
        let mut full: Vec<Option<Value>> = vec![None; m.cols.len()];
        for (n, &i) in m.pk.iter().enumerate() {
            full[i] = Some(key[n].clone());
        }
        key_of(m, &full)
    };
    let what = format!("{} {key_text_}", singular(table));
    if !fix_references(
        conn, meta, table, m, &mut fixed, &what, stamp, known, decisions,
    )? {
        // A required reference to a deleted row: the edit cannot be applied.
        return Ok(());
    }
    let assigns = set
        .iter()
        .enumerate()
        .map(|(n, (i, _))| format!("\"{}\" = ?{}", m.cols[*i], n + 1))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE \"{table}\" SET {assigns} WHERE {}",
        where_key(m, set.len() + 1)
    );
    let mut vals: Vec<Value> = set
        .iter()
        .map(|(i, _)| fixed[*i].clone().unwrap_or(Value::Null))
        .collect();
    vals.extend(key.iter().cloned());
    let attempt = |conn: &Connection| -> rusqlite::Result<usize> {
        conn.prepare_cached(&sql)?
            .execute(params_from_iter(vals.iter()))
    };
    match attempt(conn) {
        Ok(_) => Ok(()),
        Err(e) if is_unique(&e) => {
            // Renamed into a name another row took meanwhile: one row (the lower id).
            if m.pk.len() == 1
                && let Value::Integer(id) = key[0]
                && let Some(mut row) = row_values(conn, table, m, key)?
            {
                for (i, _) in set {
                    row[*i] = fixed[*i].clone().unwrap_or(Value::Null);
                }
                if merge_clash(conn, meta, table, m, &row, id, decisions, attempt)? {
                    return Ok(());
                }
            }
            decisions.push(Decision {
                kind: DecisionKind::Refused,
                detail: format!(
                    "an edit of {what} was not applied: the name it gives is taken here by \
                     another row; rename one of them"
                ),
            });
            Ok(())
        }
        Err(e) if is_check(&e) => {
            decisions.push(Decision {
                kind: DecisionKind::Refused,
                detail: format!(
                    "an edit of {what} was not applied: it breaks a rule of the database ({e})"
                ),
            });
            Ok(())
        }
        Err(e) => Err(e.into()),
    }
}

fn delete_row(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    key: &[Value],
    what: &str,
    decisions: &mut Vec<Decision>,
) -> Result<()> {
    if m.pk.len() == 1 {
        for (child, cm, fk) in meta.children(table) {
            if fk.cascade || fk.keeps {
                continue;
            }
            let c = &cm.cols[fk.col];
            let n = if fk.notnull {
                conn.execute(
                    &format!("DELETE FROM \"{child}\" WHERE \"{c}\" = ?1"),
                    [&key[0]],
                )?
            } else {
                conn.execute(
                    &format!("UPDATE \"{child}\" SET \"{c}\" = NULL WHERE \"{c}\" = ?1"),
                    [&key[0]],
                )?
            };
            if n > 0 {
                decisions.push(Decision {
                    kind: DecisionKind::Orphan,
                    detail: format!(
                        "{what} was deleted on another device: {n} {child} {}",
                        if fk.notnull {
                            "that need it were deleted too".to_owned()
                        } else {
                            format!("that pointed at it were kept without their {c}")
                        }
                    ),
                });
            }
        }
    }
    conn.prepare_cached(&format!(
        "DELETE FROM \"{table}\" WHERE {}",
        where_key(m, 1)
    ))?
    .execute(params_from_iter(key.iter()))?;
    Ok(())
}

/// One remote change to apply: its stamp, when and where it was made, and what it did.
#[derive(Debug, Clone)]
pub struct RemoteChange {
    pub device_id: DeviceId,
    pub device_name: String,
    pub hlc: Hlc,
    /// Unix seconds, UTC.
    pub at: i64,
    pub operation: String,
    pub summary: String,
    pub ops: Vec<Op>,
}

/// Applies the changes of one file from `device` in one transaction: each change's effect is
/// captured by a SQLite session and appended to the change log (front end `sync`, the remote
/// device and stamp), decisions go to `sync_decisions`, the local clock moves past the remote
/// stamps, and the peer's applied sequence becomes `last_seq`. All or nothing.
///
/// `changes` is read one at a time, inside the transaction (a log is decoded as it is
/// applied, so memory holds one change, not the file's): the first `Err` it yields rolls
/// everything back and is returned as `Ok(Err(..))`, nothing applied.
///
/// Returns the decisions, with the change log id of the change they belong to.
///
/// # Errors
/// Those of the database (everything rolled back too).
#[allow(clippy::too_many_arguments)]
pub fn apply_file<E>(
    conn: &mut Connection,
    device: &str,
    last_seq: Seq,
    changes: impl IntoIterator<Item = std::result::Result<RemoteChange, E>>,
    known: &Known,
    now: i64,
    schema_version: i64,
) -> Result<std::result::Result<Vec<(i64, Decision)>, E>> {
    let conn: &Connection = conn;
    let tx = rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate)?;
    tx.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let meta = Meta::load(&tx)?;
    let local = state(&tx)?.device_id;
    clock_local_changes(&tx, &meta, &local)?;
    let mut out = Vec::new();
    // The local clock moves past the newest stamp applied, once for the file: nothing in the
    // file's transaction reads it.
    let mut newest = Hlc::ZERO;
    for ch in changes {
        // Dropping `tx` unfinished rolls back what earlier changes did.
        let ch = match ch {
            Ok(ch) => ch,
            Err(e) => return Ok(Err(e)),
        };
        let seen: bool = tx
            .prepare_cached(
                "SELECT count(*) > 0 FROM change_log WHERE hlc = ?1 AND device_id = ?2",
            )?
            .query_row(params![ch.hlc, ch.device_id], |r| r.get(0))?;
        if seen {
            continue;
        }
        let stamp = Stamp::new(ch.hlc, ch.device_id.clone());
        let decisions = RefCell::new(Vec::new());
        let mut changeset = Vec::new();
        {
            let mut session = Session::new(&tx)?;
            session.table_filter(is_recorded);
            session.attach(None)?;
            let d = apply_ops(&tx, &meta, &ch.ops, &stamp, known)?;
            decisions.borrow_mut().extend(d);
            if !session.is_empty() {
                changeset = session.changeset()?;
            }
        }
        let decisions = decisions.into_inner();
        let touched = super::changes::touched_rows(&changeset)?;
        let rows = touched
            .iter()
            .take(10)
            .map(|(t, _, k)| format!("{t} {k}"))
            .collect::<Vec<_>>()
            .join("; ");
        let mut summary = format!("from {}: {}", ch.device_name, ch.summary);
        if !decisions.is_empty() {
            summary.push_str(" [sync decided: ");
            summary.push_str(
                &decisions
                    .iter()
                    .map(|d| d.detail.as_str())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            summary.push(']');
        }
        tx.prepare_cached(
            "INSERT INTO change_log (hlc, device_id, at, frontend, token_name, operation, summary,
                                     rows_touched, schema_version, changeset, undo_of)
             VALUES (?1, ?2, ?3, 'sync', ?4, ?5, ?6, ?7, ?8, ?9, NULL)",
        )?
        .execute(params![
            ch.hlc,
            ch.device_id,
            ch.at,
            ch.device_name,
            ch.operation,
            summary,
            rows,
            schema_version,
            (!changeset.is_empty()).then_some(&changeset),
        ])?;
        let change_id = tx.last_insert_rowid();
        newest = newest.max(ch.hlc);
        for d in decisions {
            record_decision(&tx, now, Some(change_id), Some(&ch.device_id), &d)?;
            out.push((change_id, d));
        }
    }
    super::sync_clock::observe(&tx, newest, now.saturating_mul(1000))?;
    tx.execute(
        "UPDATE sync_state SET clocked_change = (SELECT ifnull(max(id), 0) FROM change_log)
          WHERE id = 1",
        [],
    )?;
    tx.execute(
        "UPDATE sync_peers SET applied_seq = max(applied_seq, ?2), problem = NULL
          WHERE device_id = ?1",
        params![device, last_seq],
    )?;
    tx.commit()?;
    Ok(Ok(out))
}

/// Appends a decision.
pub fn record_decision(
    conn: &Connection,
    at: i64,
    change_id: Option<i64>,
    device: Option<&str>,
    d: &Decision,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO sync_decisions (at, change_id, device_id, kind, detail)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![at, change_id, device, d.kind.as_str(), d.detail])?;
    Ok(())
}

/// A decision as listed.
#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub id: i64,
    /// Unix seconds, UTC.
    pub at: i64,
    pub change_id: Option<i64>,
    pub device_id: Option<String>,
    pub kind: String,
    pub detail: String,
}

/// The newest `limit` decisions, newest first, and how many there are.
pub fn decisions(conn: &Connection, limit: usize) -> Result<(Vec<DecisionRow>, i64)> {
    let total: i64 = conn.query_row("SELECT count(*) FROM sync_decisions", [], |r| r.get(0))?;
    let rows = conn
        .prepare_cached(
            "SELECT id, at, change_id, device_id, kind, detail FROM sync_decisions
              ORDER BY id DESC LIMIT ?1",
        )?
        .query_map([limit as i64], |r| {
            Ok(DecisionRow {
                id: r.get(0)?,
                at: r.get(1)?,
                change_id: r.get(2)?,
                device_id: r.get(3)?,
                kind: r.get(4)?,
                detail: r.get(5)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok((rows, total))
}

/// Whether a decision of `kind` with `detail` is recorded already.
pub fn has_decision(conn: &Connection, kind: DecisionKind, detail: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT count(*) > 0 FROM sync_decisions WHERE kind = ?1 AND detail = ?2")?
        .query_row([kind.as_str(), detail], |r| r.get(0))?)
}

/// A device seen in the folder.
#[derive(Debug, Clone)]
pub struct Peer {
    pub device_id: DeviceId,
    /// `None`: its folder never said a number this device could trust (stored as -1).
    pub device_no: Option<DeviceNo>,
    pub name: Option<String>,
    /// Its changes up to this one are applied here ([`Seq::ZERO`]: none yet).
    pub applied_seq: Seq,
    /// The last of its changes seen in the folder ([`Seq::ZERO`]: none yet).
    pub seen_seq: Seq,
    pub problem: Option<String>,
    /// The newest stamp of its changes held back (too far ahead of this device's clock).
    pub held_hlc: Option<Hlc>,
    /// Its changes stamped up to this are applied however far ahead (the person accepted).
    pub accepted_hlc: Hlc,
}

/// Every known peer, by device number.
pub fn peers(conn: &Connection) -> Result<Vec<Peer>> {
    Ok(conn
        .prepare_cached(
            "SELECT device_id, device_no, name, applied_seq, seen_seq, problem, held_hlc,
                    accepted_hlc
               FROM sync_peers ORDER BY device_no, device_id",
        )?
        .query_map([], |r| {
            Ok(Peer {
                device_id: r.get(0)?,
                device_no: DeviceNo::new(r.get(1)?),
                name: r.get(2)?,
                applied_seq: r.get(3)?,
                seen_seq: r.get(4)?,
                problem: r.get(5)?,
                held_hlc: r.get(6)?,
                accepted_hlc: r.get(7)?,
            })
        })?
        .collect::<rusqlite::Result<_>>()?)
}

/// Records that changes of `device` stamped up to `held` wait (too far ahead of this clock),
/// or with `None` that nothing of it waits.
pub fn set_held(conn: &Connection, device: &str, held: Option<Hlc>) -> Result<()> {
    conn.prepare_cached("UPDATE sync_peers SET held_hlc = ?2 WHERE device_id = ?1")?
        .execute(params![device, held])?;
    Ok(())
}

/// Accepts the changes of `device` held back now (up to its `held_hlc`): the next sync
/// applies them however far ahead they are stamped. Returns the accepted stamp, or `None`
/// when nothing of it is held.
pub fn accept_held(conn: &Connection, device: &str) -> Result<Option<Hlc>> {
    let held: Option<Hlc> = conn
        .prepare_cached("SELECT held_hlc FROM sync_peers WHERE device_id = ?1")?
        .query_row([device], |r| r.get(0))
        .optional()?
        .flatten();
    if let Some(h) = held {
        conn.prepare_cached(
            "UPDATE sync_peers SET accepted_hlc = max(accepted_hlc, ?2) WHERE device_id = ?1",
        )?
        .execute(params![device, h])?;
    }
    Ok(held)
}

/// Records (or refreshes) a peer seen in the folder, with its number when known (`None` is
/// kept as -1).
pub fn upsert_peer(
    conn: &Connection,
    device_id: &str,
    no: Option<DeviceNo>,
    name: &str,
    seen_seq: Seq,
    problem: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_peers (device_id, device_no, name, seen_seq, problem)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT (device_id) DO UPDATE SET device_no = excluded.device_no,
           name = excluded.name, seen_seq = max(seen_seq, excluded.seen_seq),
           problem = excluded.problem",
        params![
            device_id,
            no.map_or(-1, DeviceNo::get),
            name,
            seen_seq,
            problem
        ],
    )?;
    Ok(())
}

/// This device's own changes not yet written to the folder: `(change id, hlc, at, operation,
/// summary, changeset)`, oldest first, at most `limit`.
#[allow(clippy::type_complexity)]
pub fn unpublished(
    conn: &Connection,
    limit: usize,
) -> Result<Vec<(i64, Hlc, i64, String, String, Option<Vec<u8>>)>> {
    let s = state(conn)?;
    Ok(conn
        .prepare_cached(
            "SELECT id, hlc, at, operation, summary, changeset FROM change_log
              WHERE id > ?1 AND device_id = ?2 ORDER BY id LIMIT ?3",
        )?
        .query_map(
            params![s.published_change, s.device_id, limit as i64],
            |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )?
        .collect::<rusqlite::Result<_>>()?)
}

/// How many of this device's changes are not written to the folder yet.
pub fn unpublished_count(conn: &Connection) -> Result<i64> {
    let s = state(conn)?;
    Ok(conn.query_row(
        "SELECT count(*) FROM change_log WHERE id > ?1 AND device_id = ?2",
        params![s.published_change, s.device_id],
        |r| r.get(0),
    )?)
}

/// Bumps and returns this device's hybrid logical clock for `now_ms` (Unix milliseconds),
/// within the bounds of `super::sync_clock::own_stamp`.
pub fn tick(conn: &Connection, now_ms: i64) -> Result<Hlc> {
    let (device, last): (String, Hlc) = conn.query_row(
        "SELECT device_id, hlc FROM change_clock WHERE id = 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let hlc = super::sync_clock::own_stamp(conn, &device, last, now_ms)?;
    conn.execute("UPDATE change_clock SET hlc = ?1 WHERE id = 1", [hlc])?;
    Ok(hlc)
}

/// Ids of running timers (tracks without an end).
pub fn running_tracks(conn: &Connection) -> Result<Vec<i64>> {
    Ok(conn
        .prepare_cached("SELECT id FROM tracks WHERE end_at IS NULL ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?)
}

/// The device that issues invoice numbers (setting `BILLING_DEVICE_KEY`), if set.
pub fn billing_device(conn: &Connection) -> Result<Option<String>> {
    Ok(conn
        .prepare_cached("SELECT value FROM settings WHERE key = ?1")?
        .query_row([BILLING_DEVICE_KEY], |r| r.get(0))
        .optional()?)
}

/// Sets the billing device (a recorded row of `settings`, so it syncs).
pub fn set_billing_device(conn: &Connection, device: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
        params![BILLING_DEVICE_KEY, device, now],
    )?;
    Ok(())
}

/// Every row of every synced table, as text lines `table|v1|v2|...` in key order: for
/// comparing two databases.
pub fn dump(conn: &Connection) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let meta = Meta::load(conn)?;
    let mut tables = synced_tables(conn)?;
    tables.sort();
    for t in tables {
        let Some(m) = meta.get(&t) else { continue };
        let order =
            m.pk.iter()
                .map(|&i| format!("\"{}\"", m.cols[i]))
                .collect::<Vec<_>>()
                .join(", ");
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{t}\" ORDER BY {order}"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mut line = t.clone();
            for i in 0..m.cols.len() {
                line.push('|');
                line.push_str(&key_text(&owned(r.get_ref(i)?)));
            }
            out.push(line);
        }
    }
    Ok(out)
}

/// The highest change log id.
pub fn last_change_id(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT ifnull(max(id), 0) FROM change_log", [], |r| {
            r.get(0)
        })?,
    )
}

/// Whether any synced table has a row.
pub fn has_data(conn: &Connection) -> Result<bool> {
    for t in synced_tables(conn)? {
        let any: bool =
            conn.query_row(&format!("SELECT EXISTS (SELECT 1 FROM \"{t}\")"), [], |r| {
                r.get(0)
            })?;
        if any {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The bookkeeping tables a snapshot carries beside the data, so a device that starts from it
/// decides later changes exactly as the device that wrote it would.
pub(crate) const SNAPSHOT_BOOKKEEPING: &[&str] = &[
    "sync_rows",
    "sync_cols",
    "sync_redirects",
    "sync_created",
    "sync_released",
];

/// This device's sync key (32 bytes), if files are encrypted.
pub fn sync_key(conn: &Connection) -> Result<Option<Vec<u8>>> {
    Ok(conn
        .prepare_cached("SELECT sync_key FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// Sets (or, with `None`, removes) the sync key.
pub fn set_sync_key(conn: &Connection, key: Option<&[u8]>) -> Result<()> {
    conn.execute("UPDATE sync_state SET sync_key = ?1 WHERE id = 1", [key])?;
    Ok(())
}

/// Whether `stint mcp` and `stint serve` sync on their own.
pub fn auto_sync(conn: &Connection) -> Result<bool> {
    Ok(conn
        .prepare_cached("SELECT auto_sync FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get::<_, i64>(0))?
        != 0)
}

/// Turns syncing on its own on or off.
pub fn set_auto_sync(conn: &Connection, on: bool) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET auto_sync = ?1 WHERE id = 1",
        [i64::from(on)],
    )?;
    Ok(())
}

/// This device's published sequence number at its last snapshot ([`Seq::ZERO`]: none yet).
pub fn snapshot_seq(conn: &Connection) -> Result<Seq> {
    Ok(conn
        .prepare_cached("SELECT snapshot_seq FROM sync_state WHERE id = 1")?
        .query_row([], |r| r.get(0))?)
}

/// Records that a snapshot was written at published sequence number `seq`.
pub fn set_snapshot_seq(conn: &Connection, seq: Seq) -> Result<()> {
    conn.execute(
        "UPDATE sync_state SET snapshot_seq = ?1 WHERE id = 1",
        [seq],
    )?;
    Ok(())
}

/// Hands `f` everything a snapshot carries, one row at a time (memory holds one row, not the
/// database): every row of every synced table, parents first, then of the bookkeeping tables
/// (`SNAPSHOT_BOOKKEEPING`), as inserts, with the clocks of local changes brought up to date
/// first. Call it in one transaction with nothing unpublished.
///
/// # Errors
/// SQLite errors.
pub fn for_each_snapshot_row(
    conn: &Connection,
    meta: &Meta,
    device: &DeviceId,
    mut f: impl FnMut(Op),
) -> Result<()> {
    clock_local_changes(conn, meta, device)?;
    for_each_synced_row(conn, meta, &mut f)?;
    for t in SNAPSHOT_BOOKKEEPING {
        for_each_row(conn, t, &[], &mut f)?;
    }
    Ok(())
}

/// Loads a snapshot's rows into this database (which has no data yet), in the caller's
/// transaction, and moves the local clock past `hlc` (within the drift bound of real time
/// `now_ms`, see `super::sync_clock::observe`). Rows of tables this database does not
/// have, or with more columns than it has, are refused: the snapshot comes from a newer stint.
/// `ops` is read one row at a time (a snapshot is decoded from its file as it loads); its
/// first `Err` is why the snapshot cannot be loaded.
///
/// Returns how many rows were loaded, or why the snapshot cannot be loaded (nothing is then
/// written; the caller rolls back).
///
/// # Errors
/// SQLite errors.
pub fn load_snapshot(
    conn: &Connection,
    ops: impl IntoIterator<Item = std::result::Result<Op, String>>,
    hlc: Hlc,
    now_ms: i64,
) -> Result<std::result::Result<usize, String>> {
    conn.execute_batch("PRAGMA defer_foreign_keys = ON")?;
    let mut allowed: Vec<String> = synced_tables(conn)?;
    allowed.extend(SNAPSHOT_BOOKKEEPING.iter().map(|t| (*t).to_owned()));
    let mut cols: HashMap<String, Vec<String>> = HashMap::new();
    let mut loaded = 0;
    for op in ops {
        let op = match op {
            Ok(op) => op,
            Err(why) => return Ok(Err(why)),
        };
        loaded += 1;
        if !allowed.contains(&op.table) || op.kind != RowOp::Insert {
            return Ok(Err(format!(
                "the snapshot has rows of {:?}, which this stint does not know; update stint on \
                 this device",
                op.table
            )));
        }
        if !cols.contains_key(&op.table) {
            let names: Vec<String> = conn
                .prepare(&format!(
                    "SELECT name FROM pragma_table_info('{}')",
                    op.table
                ))?
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            cols.insert(op.table.clone(), names);
        }
        let names = &cols[&op.table];
        if op.values.len() > names.len() || op.values.iter().any(Option::is_none) {
            return Ok(Err(format!(
                "the snapshot has rows of {} with more columns than this stint knows; update \
                 stint on this device",
                op.table
            )));
        }
        let n = op.values.len();
        let sql = format!(
            "INSERT OR REPLACE INTO \"{}\" ({}) VALUES ({})",
            op.table,
            names[..n]
                .iter()
                .map(|c| format!("\"{c}\""))
                .collect::<Vec<_>>()
                .join(", "),
            vec!["?"; n].join(", ")
        );
        conn.prepare_cached(&sql)?
            .execute(params_from_iter(op.values.iter().flatten()))?;
    }
    super::sync_clock::observe(conn, hlc, now_ms)?;
    Ok(Ok(loaded))
}

/// Records the sequence numbers a snapshot covers: each device's changes up to its number are
/// in it, so only later ones are applied here.
pub fn set_applied_from_snapshot(
    conn: &Connection,
    device: &str,
    no: Option<DeviceNo>,
    name: &str,
    seq: Seq,
    known_hlc: Hlc,
) -> Result<()> {
    conn.execute(
        "INSERT INTO sync_peers (device_id, device_no, name, applied_seq, seen_seq, known_hlc)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5)
         ON CONFLICT (device_id) DO UPDATE SET applied_seq = max(applied_seq, excluded.applied_seq),
           seen_seq = max(seen_seq, excluded.seen_seq),
           known_hlc = max(known_hlc, excluded.known_hlc)",
        params![device, no.map_or(-1, DeviceNo::get), name, seq, known_hlc],
    )?;
    Ok(())
}

/// The newest clock stamp of every other device's changes applied here (what a log written now
/// tells of this device's knowledge, see [`Known`]).
pub fn known_stamps(conn: &Connection) -> Result<Vec<(DeviceId, Hlc)>> {
    let mut out = Vec::new();
    for p in peers(conn)? {
        let hlc: Hlc = conn
            .prepare_cached(
                "SELECT max(ifnull((SELECT max(hlc) FROM change_log WHERE device_id = ?1), 0),
                            (SELECT known_hlc FROM sync_peers WHERE device_id = ?1))",
            )?
            .query_row([&p.device_id], |r| r.get(0))?;
        if hlc > Hlc::ZERO {
            out.push((p.device_id, hlc));
        }
    }
    Ok(out)
}

/// What this device knew of every other device when it made change `change` (a `change_log`
/// id): the newest clock stamp of each device's changes applied here before it, and what a
/// snapshot it started from covered. What its claims record, and the `known` of the log that
/// carries the change (a log holds only changes made between two applies).
pub fn known_at(conn: &Connection, change: i64) -> Result<Vec<(DeviceId, Hlc)>> {
    let mut out = Vec::new();
    for p in peers(conn)? {
        let hlc: Hlc = conn
            .prepare_cached(
                "SELECT max(ifnull((SELECT max(hlc) FROM change_log
                                     WHERE device_id = ?1 AND id < ?2), 0),
                            (SELECT known_hlc FROM sync_peers WHERE device_id = ?1))",
            )?
            .query_row(params![&p.device_id, change], |r| r.get(0))?;
        if hlc > Hlc::ZERO {
            out.push((p.device_id, hlc));
        }
    }
    Ok(out)
}

/// The first change applied here from another device than `me` (this one) after change
/// `change` (a `change_log` id), if any: a log of this device's changes ends before it, so
/// that its `known` holds for every change in it ([`known_at`]).
pub fn next_foreign_change(conn: &Connection, me: &DeviceId, change: i64) -> Result<Option<i64>> {
    Ok(conn
        .prepare_cached("SELECT min(id) FROM change_log WHERE id > ?1 AND device_id != ?2")?
        .query_row(params![change, me], |r| r.get(0))?)
}

/// The newest clock stamp of this device's own changes (0 when it made none).
pub fn own_newest_stamp(conn: &Connection) -> Result<Hlc> {
    let me = state(conn)?.device_id;
    Ok(conn
        .prepare_cached("SELECT ifnull(max(hlc), 0) FROM change_log WHERE device_id = ?1")?
        .query_row([me], |r| r.get(0))?)
}
