//! The hybrid logical clock, with bounds no other device can push it past.
//!
//! A stamp is `physical Unix milliseconds << 16 | counter` (schema 5). Stamps of this
//! device's own changes (`own_stamp`) are the later of real time and one past the last
//! stamp, but never more than `MAX_DRIFT_MS` ahead of real time; observing another device's
//! stamp (`observe`) moves the clock no further than that either. A change from another
//! device stamped further ahead is held back by the caller (ARCHITECTURE.md, "Sync", clocks)
//! until this clock reaches it or the person accepts it. Values read from a sync file are
//! checked with [`stamp_in_range`] and [`at_in_range`] first: stint's time window is
//! 1900..=2199 ([`stint_domain::limits`]).

use rusqlite::{Connection, OptionalExtension};

use super::Result;
use stint_domain::limits::{EARLIEST, LATEST};

/// How far ahead of this device's clock another device's change may be stamped and still be
/// applied at once (one day, in milliseconds); own stamps stay within it too.
pub(crate) const MAX_DRIFT_MS: i64 = 86_400_000;

/// Bits of the counter below the physical milliseconds.
const COUNTER_BITS: u32 = 16;

/// The smallest stamp of Unix millisecond `ms` (negative times count as 0).
pub(crate) fn from_ms(ms: i64) -> i64 {
    ms.clamp(0, max_ms()) << COUNTER_BITS
}

/// The physical Unix milliseconds of `hlc`.
pub fn ms_of(hlc: i64) -> i64 {
    hlc >> COUNTER_BITS
}

fn max_ms() -> i64 {
    LATEST.timestamp_millis() + 999
}

/// The largest stamp a file may carry: the end of 2199 with a full counter.
pub(crate) fn max_stamp() -> i64 {
    (max_ms() << COUNTER_BITS) | ((1 << COUNTER_BITS) - 1)
}

/// Whether a stamp read from another device's file is one stint can have written: in
/// `1..=` `max_stamp` (0 is "none" in the bookkeeping; negative stamps are never made).
pub fn stamp_in_range(hlc: i64) -> bool {
    (1..=max_stamp()).contains(&hlc)
}

/// Whether an instant (Unix seconds) read from a file lies in stint's window (1900..=2199).
pub fn at_in_range(at: i64) -> bool {
    (EARLIEST.timestamp()..=LATEST.timestamp()).contains(&at)
}

/// The latest stamp this device accepts without asking at real time `now_ms`: real time plus
/// `MAX_DRIFT_MS`, full counter.
pub fn ceiling(now_ms: i64) -> i64 {
    from_ms(now_ms.saturating_add(MAX_DRIFT_MS)) | ((1 << COUNTER_BITS) - 1)
}

/// The stamp for a new change of this device at real time `now_ms`, given the clock's last
/// value `last`: the later of real time and `last + 1`, within [`ceiling`]. A clock already
/// past the ceiling (set back by more than the bound since, or pushed there by a build
/// without these bounds) starts again from real time, after the newest own stamp below the
/// ceiling, so a write never fails on a used stamp.
///
/// # Errors
/// SQLite errors.
pub(crate) fn own_stamp(conn: &Connection, device: &str, last: i64, now_ms: i64) -> Result<i64> {
    let ceil = ceiling(now_ms);
    let want = from_ms(now_ms).max(last.saturating_add(1));
    if want <= ceil {
        return Ok(want);
    }
    let below: i64 = conn
        .prepare_cached(
            "SELECT ifnull(max(hlc), 0) FROM change_log WHERE device_id = ?1 AND hlc <= ?2",
        )?
        .query_row(rusqlite::params![device, ceil], |r| r.get(0))?;
    let mut s = from_ms(now_ms).max(below.saturating_add(1));
    // Every stamp up to the ceiling used (65,536 per millisecond for a day): take the first
    // free one above it; the clock then continues from there.
    while conn
        .prepare_cached("SELECT 1 FROM change_log WHERE device_id = ?1 AND hlc = ?2")?
        .query_row(rusqlite::params![device, s], |_| Ok(()))
        .optional()?
        .is_some()
    {
        s = s.saturating_add(1);
    }
    Ok(s)
}

/// Moves this device's clock past another device's stamp `hlc`, but no further than
/// [`ceiling`] of `now_ms` (a change stamped further ahead was accepted by the person: it is
/// applied, and this device's own stamps still follow real time).
///
/// # Errors
/// SQLite errors.
pub(crate) fn observe(conn: &Connection, hlc: i64, now_ms: i64) -> Result<()> {
    conn.prepare_cached("UPDATE change_clock SET hlc = max(hlc, min(?1, ?2)) WHERE id = 1")?
        .execute(rusqlite::params![hlc, ceiling(now_ms)])?;
    Ok(())
}

/// The UTC instant of a stamp, for messages (`RFC 3339`, seconds); "an unreadable time" out
/// of range.
pub fn describe(hlc: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms_of(hlc)).map_or_else(
        || "an unreadable time".to_owned(),
        |t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
    )
}
