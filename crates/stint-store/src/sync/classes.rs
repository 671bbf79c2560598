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

use super::super::{BadValue, Result};
use super::{
    Decision, DecisionKind, DeviceId, Hlc, Known, Meta, Stamp, TableMeta, col_clock, exists,
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
/// and merged with every row whose claim of them is its twin ([`Claim::twin_of`]: neither
/// device knowing of the other's claim). The lowest id stays. Returns the row that stands for `id` afterwards.
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
    record_created(conn, table, mkey, id, stamp, &known_text(known))?;
    let me = Claim {
        id,
        stamp: Some(stamp.clone()),
        known: Some(known.clone()),
    };
    let all = claims_of(conn, table, mkey)?;
    let mut target = target;
    for o in &all {
        if o.id == id || !me.twin_of(o, &all) {
            continue;
        }
        let Some(other) = live(conn, table, m, o.id)? else {
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

/// One claim of merge values (`sync_created`): the row that claimed them, when and where
/// (`None` for claims recorded before schema 10), and what its claimer knew of every other
/// device when it claimed (`None` for claims recorded before schema 17).
#[derive(Debug, Clone)]
pub(super) struct Claim {
    pub id: i64,
    pub stamp: Option<Stamp>,
    pub known: Option<Known>,
}

impl Claim {
    /// Whether this claim's claimer knew of claim `other` when it claimed: `other` was made
    /// earlier on the same device, or is covered by this claim's `known`. A claim without a
    /// stamp or a recorded `known` is not taken to know anything (as before schema 17).
    pub fn knew(&self, other: &Claim) -> bool {
        let (Some(mine), Some(theirs)) = (&self.stamp, &other.stamp) else {
            return false;
        };
        if mine.device == theirs.device {
            return theirs.hlc <= mine.hlc;
        }
        self.known
            .as_ref()
            .is_some_and(|k| k.get(&theirs.device).is_some_and(|h| *h >= theirs.hlc))
    }

    /// Neither claimer knew of the other's claim.
    pub fn concurrent(&self, other: &Claim) -> bool {
        !self.knew(other) && !other.knew(self)
    }

    /// Whether claims `self` and `o` of the same values (among `all`, every claim of them) make
    /// one row: they were concurrent, and neither claimer knew a third claim concurrent with
    /// the other. A claimer that knew such a claim saw that row go (deleted or renamed away: a
    /// device holds one row per name) before it claimed the name again, so its claim is a new
    /// row, not the other's twin (docs/sync.md, "Names: claims and classes"). Symmetric: every
    /// device decides the same whichever of the two it had first.
    pub fn twin_of(&self, o: &Claim, all: &[Claim]) -> bool {
        self.concurrent(o)
            && !all.iter().any(|x| {
                x.id != o.id
                    && x.id != self.id
                    && ((self.knew(x) && x.concurrent(o)) || (o.knew(x) && x.concurrent(self)))
            })
    }

    /// Whether this claim's claimer knew of the change stamped `s` (a delete) when it claimed:
    /// `None` when the claim has no recorded `known` (recorded before schema 17).
    pub fn knew_change(&self, s: &Stamp) -> Option<bool> {
        let (mine, known) = (self.stamp.as_ref()?, self.known.as_ref()?);
        Some(!s.unknown_to(mine, known))
    }
}

/// `known` as `sync_created.known` stores it: `"<device id>:<stamp>"` pairs, comma-separated,
/// sorted by device id (the same text on every device for the same knowledge).
pub(super) fn known_text(known: &Known) -> String {
    let mut pairs: Vec<(&DeviceId, &Hlc)> = known.iter().collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(d, h)| format!("{}:{}", d.as_str(), h.raw()))
        .collect::<Vec<_>>()
        .join(",")
}

/// Reads [`known_text`]'s form back; an unreadable value is `BadValue` naming the claim.
fn parse_known(text: &str, table: &str, id: i64) -> rusqlite::Result<Known> {
    let bad = || {
        BadValue {
            table: "sync_created",
            column: "known",
            row: format!("claim of {} {id}", singular(table)),
            value: format!("{:?}", text.chars().take(80).collect::<String>()),
        }
        .into_sqlite()
    };
    let mut out = Known::new();
    for pair in text.split(',').filter(|p| !p.is_empty()) {
        let (d, h) = pair.split_once(':').ok_or_else(bad)?;
        let d = DeviceId::parse(d).ok_or_else(bad)?;
        let h: i64 = h.parse().map_err(|_| bad())?;
        out.insert(d, Hlc::from_raw(h));
    }
    Ok(out)
}

/// A claim of `table` from a `sync_created` row selected as `id, hlc, device, known`.
fn claim_of_row(table: &str, r: &rusqlite::Row<'_>) -> rusqlite::Result<Claim> {
    let id: i64 = r.get(0)?;
    let hlc: Option<Hlc> = r.get(1)?;
    let device: Option<DeviceId> = r.get(2)?;
    let known: Option<String> = r.get(3)?;
    Ok(Claim {
        id,
        stamp: hlc.zip(device).map(|(h, d)| Stamp::new(h, d)),
        known: known.map(|k| parse_known(&k, table, id)).transpose()?,
    })
}

/// Every claim of merge values `mkey` of `table`, by id.
pub(super) fn claims_of(conn: &Connection, table: &str, mkey: &str) -> Result<Vec<Claim>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, hlc, device, known FROM sync_created WHERE tbl = ?1 AND mkey = ?2
              ORDER BY id",
        )?
        .query_map([table, mkey], |r| claim_of_row(table, r))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Every claim row `id` of `table` made (its creation and renames, under any values).
pub(super) fn claims_by(conn: &Connection, table: &str, id: i64) -> Result<Vec<Claim>> {
    Ok(conn
        .prepare_cached(
            "SELECT id, hlc, device, known FROM sync_created WHERE tbl = ?1 AND id = ?2",
        )?
        .query_map(params![table, id], |r| claim_of_row(table, r))?
        .collect::<rusqlite::Result<_>>()?)
}

/// Whether a delete stamped `stamp` of row `id`, merged away here into row `into`, deletes
/// `into` too: `into` stands for rows that claimed their name concurrently with `id`, and
/// none of its claims knew of the delete. On a device that had `id` alone, the delete came
/// first, and `into`'s claims, arriving later, merge into the deleted row and stay deleted
/// ([`Applier::same_name_rows`](super::Applier)); so here too. A claim recorded before
/// schema 17 (no `known`) keeps the rule as it was: the delete of a row merged away is spent.
pub(super) fn delete_reaches(
    conn: &Connection,
    table: &str,
    into: i64,
    stamp: &Stamp,
) -> Result<bool> {
    let claims = claims_by(conn, table, into)?;
    Ok(!claims.is_empty() && claims.iter().all(|c| c.knew_change(stamp) == Some(false)))
}

/// Whether rows `a` and `b` of `table` claimed some merge values as twins
/// ([`Claim::twin_of`]): they are one row by their names, not merely met at the unique index
/// (a row that holds a name only because its reference was cleared gives way to the other
/// without being its twin, docs/sync.md, "Names held by a cleared reference").
pub(super) fn claimed_as_twins(conn: &Connection, table: &str, a: i64, b: i64) -> Result<bool> {
    let mkeys: Vec<String> = conn
        .prepare_cached("SELECT mkey FROM sync_created WHERE tbl = ?1 AND id = ?2")?
        .query_map(params![table, a], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for mkey in mkeys {
        let all = claims_of(conn, table, &mkey)?;
        let (Some(ca), Some(cb)) = (
            all.iter().find(|c| c.id == a),
            all.iter().find(|c| c.id == b),
        ) else {
            continue;
        };
        if ca.twin_of(cb, &all) {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Gives a new row's `values`, before it is written, the fields of the rows merged into it
/// (`from`) that were edited, the latest edit of each field winning: the row is written as
/// [`carry`] leaves it, so a name one of them was renamed to is the row's before it meets the
/// unique index (the name it was created with may be held by a row created again there).
pub(super) fn carry_into_values(m: &TableMeta, values: &mut [Option<Value>], from: &[Carried]) {
    for (i, v) in values.iter_mut().enumerate() {
        if m.pk.contains(&i) {
            continue;
        }
        let latest = from
            .iter()
            .filter_map(|c| Some((c.clocks.get(i)?.as_ref()?, c.values.get(i)?)))
            .max_by(|a, b| a.0.cmp(b.0));
        if let Some((_, theirs)) = latest {
            *v = Some(theirs.clone());
        }
    }
}
