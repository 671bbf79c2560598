//! Merged rows keep every field's latest write, and renames claim names (docs/sync.md,
//! "Names: claims and classes").
//!
//! Rows of a table with a merge rule that claimed the same merge values concurrently (created
//! with them, or renamed to them, by devices that did not know of each other's claim) are one
//! row: the lowest id of all of them. Every device ends with the same row whatever order the
//! claims arrive in, because a merge is decided from what each claim records, not from which
//! insert met which at the unique index:
//!
//! - every claim is recorded in `sync_created` (creations and renames alike), so a claim that
//!   arrives later finds every earlier claim of the same values, and a claimer that was merged
//!   away stands for the row it went into (`sync_redirects`);
//! - an edit of a row merged away here applies to the row it went into;
//! - the row that stays keeps its own values as created, and takes, field by field, the latest
//!   edit (by clock stamp) made to any row merged into it, as it would have had the edits been
//!   made to it: an edit made elsewhere is never lost to a merge.

use rusqlite::types::Value;
use rusqlite::{Connection, params};

use super::super::Result;
use super::{
    Decision, DecisionKind, Known, Meta, Stamp, TableMeta, col_clock, created_with, exists,
    key_text, merge_into, record_created, redirect, row_values, set_col_clock, singular,
};

/// The values of a row merged away and the clock of each field's latest edit (`None`: never
/// edited): what the row that stays takes field by field where it is later ([`carry`]).
pub(super) struct Carried {
    pub values: Vec<Value>,
    pub clocks: Vec<Option<Stamp>>,
}

impl Carried {
    /// Row `id` as it is here, with the clock of each field's latest edit; `None` when the
    /// row is not here.
    pub(crate) fn of_row(
        conn: &Connection,
        table: &str,
        m: &TableMeta,
        id: i64,
    ) -> Result<Option<Self>> {
        let Some(values) = row_values(conn, table, m, &[Value::Integer(id)])? else {
            return Ok(None);
        };
        let clocks = clocks_of(conn, table, m, id)?;
        Ok(Some(Carried { values, clocks }))
    }
}

/// The clock of every field of row `id`: its latest edit (`None`: never edited).
fn clocks_of(conn: &Connection, table: &str, m: &TableMeta, id: i64) -> Result<Vec<Option<Stamp>>> {
    let key = key_text(&Value::Integer(id));
    (0..m.cols.len())
        .map(|i| col_clock(conn, table, &key, i))
        .collect()
}

/// Gives row `winner` the fields of `from` (a row merged into it) whose clock is later than
/// its own, and their clocks. A field whose value would break a rule of the table (a unique
/// name taken by a third row) keeps the winner's value.
pub(super) fn carry(
    conn: &Connection,
    table: &str,
    m: &TableMeta,
    winner: i64,
    from: &Carried,
) -> Result<()> {
    let Some(cur) = row_values(conn, table, m, &[Value::Integer(winner)])? else {
        return Ok(());
    };
    let own = clocks_of(conn, table, m, winner)?;
    let key = key_text(&Value::Integer(winner));
    let pk = &m.cols[m.pk[0]];
    for i in 0..m.cols.len().min(from.values.len()) {
        if m.pk.contains(&i) {
            continue;
        }
        let Some(theirs) = &from.clocks[i] else {
            continue;
        };
        if own[i].as_ref().is_some_and(|o| o >= theirs) {
            continue;
        }
        if cur[i] != from.values[i] {
            let sql = format!(
                "UPDATE \"{table}\" SET \"{}\" = ?1 WHERE \"{pk}\" = ?2",
                m.cols[i]
            );
            match conn.execute(&sql, params![from.values[i], winner]) {
                Ok(_) => {}
                Err(rusqlite::Error::SqliteFailure(f, _))
                    if f.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    continue;
                }
                Err(e) => return Err(e.into()),
            }
        }
        set_col_clock(conn, table, &key, i, theirs)?;
    }
    Ok(())
}

/// The row `id` stands for here: itself when here, else the row it was merged into.
pub(super) fn live(conn: &Connection, table: &str, m: &TableMeta, id: i64) -> Result<Option<i64>> {
    if exists(conn, table, m, &[Value::Integer(id)])? {
        return Ok(Some(id));
    }
    match redirect(conn, table, id)? {
        Some(to) if exists(conn, table, m, &[Value::Integer(to)])? => Ok(Some(to)),
        _ => Ok(None),
    }
}

/// A rename of row `id` (edited here as row `target`, the row it stands for) to merge values
/// `mkey`, stamped `stamp` by a device that knew `known`: recorded as a claim of those values,
/// and merged with every row that claimed them concurrently (neither device knowing of the
/// other's claim). The lowest id stays. Returns the row that stands for `id` afterwards.
#[allow(clippy::too_many_arguments)]
pub(super) fn claim_rename(
    conn: &Connection,
    meta: &Meta,
    table: &str,
    m: &TableMeta,
    id: i64,
    target: i64,
    mkey: &str,
    stamp: &Stamp,
    known: &Known,
    decisions: &mut Vec<Decision>,
) -> Result<i64> {
    record_created(conn, table, mkey, id, stamp)?;
    let mut target = target;
    for (o, created) in created_with(conn, table, mkey)? {
        if o == id {
            continue;
        }
        let seen = created.is_some_and(|c| !c.unknown_to(stamp, known));
        if seen {
            continue;
        }
        let Some(other) = live(conn, table, m, o)? else {
            continue;
        };
        if other == target || !exists(conn, table, m, &[Value::Integer(target)])? {
            continue;
        }
        let (winner, loser) = (target.min(other), target.max(other));
        merge_into(conn, meta, table, m, loser, winner, None, true)?;
        let kind = singular(table);
        decisions.push(Decision {
            kind: DecisionKind::Merged,
            detail: format!(
                "{kind} {loser} and {kind} {winner} took the same name on two devices: merged \
                 into {kind} {winner}"
            ),
        });
        target = winner;
    }
    Ok(target)
}
