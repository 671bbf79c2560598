//! The hybrid logical clock, with bounds no other device can push it past.
//!
//! A stamp is an [`Hlc`]: `physical Unix milliseconds << 16 | counter` (schema 5). Stamps of
//! this device's own changes ([`Hlc::tick`], `own_stamp`) are the later of real time and one
//! past the last stamp, but never more than `MAX_DRIFT_MS` ahead of real time; observing
//! another device's stamp ([`Hlc::observe`]) moves the clock no further than that either. A
//! change from another device stamped further ahead ([`Hlc::is_ahead_of`]) is held back by the
//! caller (docs/sync.md, clocks) until this clock reaches it or the person accepts it. Values
//! read from a sync file are checked with [`Hlc::in_range`] and [`at_in_range`] first: stint's
//! time window is 1900..=2199 ([`stint_domain::limits`]). The pure rules are `Hlc`'s methods;
//! the functions here only read and write the clock (`change_clock`) around them.

use std::fmt;

use rusqlite::types::{FromSql, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::{Connection, OptionalExtension};

use super::Result;
use stint_domain::limits::{EARLIEST, LATEST};

/// How far ahead of this device's clock another device's change may be stamped and still be
/// applied at once (one day, in milliseconds); own stamps stay within it too.
pub(crate) const MAX_DRIFT_MS: i64 = 86_400_000;

/// Bits of the counter below the physical milliseconds.
const COUNTER_BITS: u32 = 16;

/// One hybrid logical clock stamp: physical Unix milliseconds (UTC) `<< 16 |` a counter of
/// 16 bits (schema 5; Kulkarni et al., "Logical Physical Clocks", 2014). Stamps order changes
/// across devices: a later stamp is a later change, and a device's clock never runs backwards.
///
/// [`Hlc::ZERO`] means "none" in the bookkeeping. A stamp read from another device's file is
/// untrusted until [`Hlc::in_range`] says it is one stint can have written; the clock's own
/// moves ([`Hlc::tick`], [`Hlc::observe`]) never go past [`Hlc::ceiling`] of real time.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Hlc(i64);

impl Hlc {
    /// "No stamp": what a device that made or applied no change knows.
    pub const ZERO: Hlc = Hlc(0);

    /// The stamp as stored and written to files (an `i64`, see the type's docs). No check: a
    /// value read from a file is checked with [`Hlc::in_range`] before it counts.
    pub const fn from_raw(raw: i64) -> Hlc {
        Hlc(raw)
    }

    /// The stored form (see [`Hlc::from_raw`]).
    pub const fn raw(self) -> i64 {
        self.0
    }

    /// The smallest stamp of Unix millisecond `ms` (negative times count as 0; times past
    /// stint's window as its end).
    pub fn from_ms(ms: i64) -> Hlc {
        Hlc(ms.clamp(0, max_ms()) << COUNTER_BITS)
    }

    /// The physical part: Unix milliseconds, UTC.
    pub const fn ms(self) -> i64 {
        self.0 >> COUNTER_BITS
    }

    /// The largest stamp a file may carry: the end of 2199 with a full counter.
    pub fn max() -> Hlc {
        Hlc((max_ms() << COUNTER_BITS) | COUNTER_MASK)
    }

    /// Whether this stamp (read from another device's file) is one stint can have written:
    /// in `1..=` [`Hlc::max`] (0 is "none"; negative stamps are never made).
    pub fn in_range(self) -> bool {
        self.0 >= 1 && self <= Hlc::max()
    }

    /// The latest stamp this device accepts without asking at real time `now_ms`: real time
    /// plus the drift bound (one day), full counter.
    pub fn ceiling(now_ms: i64) -> Hlc {
        Hlc(Hlc::from_ms(now_ms.saturating_add(MAX_DRIFT_MS)).0 | COUNTER_MASK)
    }

    /// Whether a change stamped so is further ahead of real time `now_ms` than the drift
    /// bound: it is held back until this clock reaches it or the person accepts it.
    pub fn is_ahead_of(self, now_ms: i64) -> bool {
        self > Hlc::ceiling(now_ms)
    }

    /// The next stamp of this clock for a change made at real time `now_ms`: the later of
    /// real time and one past `self`. `None` when that is past [`Hlc::ceiling`] (the clock was
    /// pushed ahead before the bound existed, or real time went back by more than a day): the
    /// caller then starts again from real time after its newest own stamp below the ceiling.
    pub fn tick(self, now_ms: i64) -> Option<Hlc> {
        let want = Hlc::from_ms(now_ms).max(self.next());
        (want <= Hlc::ceiling(now_ms)).then_some(want)
    }

    /// This clock after seeing another device's stamp `remote` at real time `now_ms`: the
    /// later of the two, but never past [`Hlc::ceiling`] (a change stamped further ahead that
    /// the person accepted is applied, and this device's own stamps still follow real time).
    pub fn observe(self, remote: Hlc, now_ms: i64) -> Hlc {
        self.max(remote.min(Hlc::ceiling(now_ms)))
    }

    /// The stamp one after this one (saturating).
    pub fn next(self) -> Hlc {
        Hlc(self.0.saturating_add(1))
    }
}

/// The UTC instant of the stamp (`RFC 3339`, seconds); "an unreadable time" out of range.
impl fmt::Display for Hlc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match chrono::DateTime::from_timestamp_millis(self.ms()) {
            Some(t) => f.write_str(&t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            None => f.write_str("an unreadable time"),
        }
    }
}

impl ToSql for Hlc {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.0))
    }
}

impl FromSql for Hlc {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        i64::column_result(value).map(Hlc)
    }
}

const COUNTER_MASK: i64 = (1 << COUNTER_BITS) - 1;

fn max_ms() -> i64 {
    LATEST.timestamp_millis() + 999
}

/// Whether an instant (Unix seconds) read from a file lies in stint's window (1900..=2199).
pub fn at_in_range(at: i64) -> bool {
    (EARLIEST.timestamp()..=LATEST.timestamp()).contains(&at)
}

/// The stamp for a new change of this device at real time `now_ms`, given the clock's last
/// value `last` ([`Hlc::tick`]). A clock already past the ceiling (set back by more than the
/// bound since, or pushed there by a build without these bounds) starts again from real time,
/// after the newest own stamp below the ceiling, so a write never fails on a used stamp.
///
/// # Errors
/// SQLite errors.
pub(crate) fn own_stamp(conn: &Connection, device: &str, last: Hlc, now_ms: i64) -> Result<Hlc> {
    if let Some(next) = last.tick(now_ms) {
        return Ok(next);
    }
    let ceil = Hlc::ceiling(now_ms);
    let below: Hlc = conn
        .prepare_cached(
            "SELECT ifnull(max(hlc), 0) FROM change_log WHERE device_id = ?1 AND hlc <= ?2",
        )?
        .query_row(rusqlite::params![device, ceil], |r| r.get(0))?;
    let mut s = Hlc::from_ms(now_ms).max(below.next());
    // Every stamp up to the ceiling used (65,536 per millisecond for a day): take the first
    // free one above it; the clock then continues from there.
    while conn
        .prepare_cached("SELECT 1 FROM change_log WHERE device_id = ?1 AND hlc = ?2")?
        .query_row(rusqlite::params![device, s], |_| Ok(()))
        .optional()?
        .is_some()
    {
        s = s.next();
    }
    Ok(s)
}

/// Moves this device's clock past another device's stamp `hlc` ([`Hlc::observe`] at real
/// time `now_ms`).
///
/// # Errors
/// SQLite errors.
pub(crate) fn observe(conn: &Connection, hlc: Hlc, now_ms: i64) -> Result<()> {
    let clock: Hlc = conn
        .prepare_cached("SELECT hlc FROM change_clock WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let moved = clock.observe(hlc, now_ms);
    if moved != clock {
        conn.prepare_cached("UPDATE change_clock SET hlc = ?1 WHERE id = 1")?
            .execute([moved])?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 2026-12-07T00:00:00Z in Unix milliseconds.
    const NOW: i64 = 1_796_601_600_000;
    const DAY: i64 = 86_400_000;

    #[test]
    fn a_stamp_is_milliseconds_and_a_counter() {
        let h = Hlc::from_ms(NOW);
        assert_eq!((h.ms(), h.raw()), (NOW, NOW << 16));
        assert_eq!((h.next().ms(), h.next().raw() - h.raw()), (NOW, 1));
        assert_eq!(h.to_string(), "2026-12-07T00:00:00Z");
        // A forged stamp still reads as a time (the year it claims).
        assert_eq!(Hlc::from_raw(i64::MAX).to_string(), "6429-10-17T02:45:55Z");
        // Out of stint's window: clamped, never negative or past 2199.
        assert_eq!(Hlc::from_ms(-5), Hlc::ZERO);
        assert_eq!(Hlc::from_ms(i64::MAX).ms(), Hlc::max().ms());
    }

    #[test]
    fn only_stamps_stint_can_write_are_in_range() {
        let check = |raw: i64, expected: bool| {
            assert_eq!(Hlc::from_raw(raw).in_range(), expected, "{raw}");
        };
        check(0, false);
        check(-1, false);
        check(i64::MIN, false);
        check(i64::MAX, false);
        check(1, true);
        check(NOW << 16, true);
        check(Hlc::max().raw(), true);
        check(Hlc::max().raw() + 1, false);
    }

    #[test]
    fn tick_follows_real_time_and_never_runs_back() {
        let check = |last: Hlc, now_ms: i64, expected: Option<Hlc>| {
            assert_eq!(last.tick(now_ms), expected, "{last:?} at {now_ms}");
        };
        // Real time ahead of the clock: real time.
        check(Hlc::ZERO, NOW, Some(Hlc::from_ms(NOW)));
        check(Hlc::from_ms(NOW - 5), NOW, Some(Hlc::from_ms(NOW)));
        // The same millisecond again, or real time set back: one past the last stamp.
        check(Hlc::from_ms(NOW), NOW, Some(Hlc::from_ms(NOW).next()));
        check(
            Hlc::from_ms(NOW + 1_000),
            NOW,
            Some(Hlc::from_ms(NOW + 1_000).next()),
        );
        // A clock pushed past the ceiling (a day ahead): no stamp from it.
        check(Hlc::ceiling(NOW), NOW, None);
        check(Hlc::from_ms(NOW + 2 * DAY), NOW, None);
    }

    #[test]
    fn observe_moves_the_clock_no_further_than_a_day_ahead() {
        let clock = Hlc::from_ms(NOW);
        let check = |remote: Hlc, expected: Hlc| {
            assert_eq!(clock.observe(remote, NOW), expected, "{remote:?}");
        };
        check(Hlc::from_ms(NOW - 1), clock);
        check(Hlc::from_ms(NOW + 60_000), Hlc::from_ms(NOW + 60_000));
        // A clock reading 2190 (a dead battery) is capped at the ceiling.
        check(Hlc::from_ms(7_000_000_000_000), Hlc::ceiling(NOW));
        check(Hlc::from_raw(i64::MAX), Hlc::ceiling(NOW));
        assert!(Hlc::from_ms(NOW + DAY + 1).is_ahead_of(NOW));
        assert!(!Hlc::from_ms(NOW + DAY).is_ahead_of(NOW));
    }
}
