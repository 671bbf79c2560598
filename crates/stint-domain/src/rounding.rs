//! Rounding of durations for reports and invoices (never of stored tracks).
//!
//! Rules (docs/rules.md,"Rounding"):
//! - mode `none` leaves a duration as it is; `up` takes the ceiling to the increment, `down` the
//!   floor, `nearest` the nearest multiple with a tie rounding up;
//! - the increment is one of [`ROUNDING_INCREMENTS`](super::settings::ROUNDING_INCREMENTS)
//!   minutes;
//! - scope `entry` rounds each track and then sums (Harvest-style); scope `total` sums the group
//!   and rounds once.
//!
//! Durations are whole seconds (`i64`).

use super::settings::{Rounding, RoundingMode, RoundingScope};

/// Rounds a duration in seconds to the increment of `rounding`, per its mode.
///
/// Zero stays zero, and an exact multiple of the increment is unchanged in every mode. With
/// `up`, one second becomes a full increment; with `nearest`, exactly half an increment rounds
/// up. The scope is not used here (see [`rounded_total`]). An increment of 0 minutes, which
/// settings never hold, leaves the duration unchanged rather than dividing by zero. Negative
/// durations, which tracks never have, round on the number line (`up` toward +infinity).
/// Results beyond `i64::MAX` saturate.
pub fn round_seconds(seconds: i64, rounding: Rounding) -> i64 {
    let increment = i64::from(rounding.increment_minutes) * 60;
    if increment == 0 {
        return seconds;
    }
    let below = seconds - seconds.rem_euclid(increment);
    let above = || below.saturating_add(increment);
    match rounding.mode {
        RoundingMode::None => seconds,
        _ if below == seconds => seconds,
        RoundingMode::Up => above(),
        RoundingMode::Down => below,
        RoundingMode::Nearest if 2 * (seconds - below) >= increment => above(),
        RoundingMode::Nearest => below,
    }
}

/// Total of a group of durations in seconds, rounded per `rounding`.
///
/// Scope `entry`: each duration rounded with [`round_seconds`], then summed (Harvest-style).
/// Scope `total`: summed, then rounded once. An empty group is 0. Sums saturate at `i64::MAX`.
pub fn rounded_total(durations: &[i64], rounding: Rounding) -> i64 {
    let sum = |it: &mut dyn Iterator<Item = i64>| it.fold(0i64, i64::saturating_add);
    match rounding.scope {
        RoundingScope::Entry => sum(&mut durations.iter().map(|&d| round_seconds(d, rounding))),
        RoundingScope::Total => round_seconds(sum(&mut durations.iter().copied()), rounding),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::ROUNDING_INCREMENTS;
    use proptest::prelude::*;

    fn rounding(mode: RoundingMode, increment_minutes: u32, scope: RoundingScope) -> Rounding {
        Rounding {
            mode,
            increment_minutes,
            scope,
        }
    }

    const MODES: [RoundingMode; 4] = [
        RoundingMode::None,
        RoundingMode::Up,
        RoundingMode::Down,
        RoundingMode::Nearest,
    ];

    /// `(mode, increment in minutes, seconds, expected seconds)`.
    fn check(mode: RoundingMode, minutes: u32, seconds: i64, expected: i64) {
        let r = rounding(mode, minutes, RoundingScope::Entry);
        assert_eq!(
            round_seconds(seconds, r),
            expected,
            "{} to {minutes} min: {seconds} s",
            mode.as_str()
        );
    }

    #[test]
    fn worked_cases() {
        use RoundingMode::*;
        let cases: &[(RoundingMode, u32, i64, i64)] = &[
            // 15 minutes (900 s): a common increment.
            (Up, 15, 7 * 60, 900),
            (Up, 15, 52 * 60, 3600),
            (Up, 15, 61 * 60, 4500),
            (Up, 15, 1, 900),
            (Up, 15, 899, 900),
            (Up, 15, 900, 900),
            (Up, 15, 901, 1800),
            (Down, 15, 899, 0),
            (Down, 15, 900, 900),
            (Down, 15, 1799, 900),
            (Nearest, 15, 449, 0),
            (Nearest, 15, 450, 900),
            (Nearest, 15, 451, 900),
            (Nearest, 15, 1349, 900),
            (Nearest, 15, 1350, 1800),
            (None, 15, 7 * 60, 7 * 60),
            (None, 15, 1, 1),
            // 6 minutes (360 s, a tenth of an hour): tie at 180 s.
            (Up, 6, 361, 720),
            (Down, 6, 719, 360),
            (Nearest, 6, 179, 0),
            (Nearest, 6, 180, 360),
            (Nearest, 6, 540, 720),
            // 1 minute: seconds only.
            (Up, 1, 61, 120),
            (Down, 1, 119, 60),
            (Nearest, 1, 29, 0),
            (Nearest, 1, 30, 60),
            // 60 minutes.
            (Up, 60, 3601, 7200),
            (Down, 60, 7199, 3600),
            (Nearest, 60, 5399, 3600),
            (Nearest, 60, 5400, 7200),
        ];
        for &(mode, minutes, seconds, expected) in cases {
            check(mode, minutes, seconds, expected);
        }
    }

    #[test]
    fn every_mode_and_increment() {
        use RoundingMode::*;
        for minutes in ROUNDING_INCREMENTS {
            let inc = i64::from(minutes) * 60;
            let half = inc / 2; // every increment is a whole number of minutes: half is exact
            let base = 3 * inc; // a multiple with a nonzero floor
            // (offset from `base`, expected for none, up, down, nearest)
            let rows: [(i64, [i64; 4]); 7] = [
                (0, [base, base, base, base]),
                (1, [base + 1, base + inc, base, base]),
                (half - 1, [base + half - 1, base + inc, base, base]),
                (half, [base + half, base + inc, base, base + inc]),
                (half + 1, [base + half + 1, base + inc, base, base + inc]),
                (inc - 1, [base + inc - 1, base + inc, base, base + inc]),
                (inc, [base + inc; 4]),
            ];
            for (offset, expected) in rows {
                for (mode, want) in MODES.into_iter().zip(expected) {
                    check(mode, minutes, base + offset, want);
                }
            }
            for mode in MODES {
                check(mode, minutes, 0, 0);
                check(mode, minutes, inc, inc);
                check(mode, minutes, 100 * inc, 100 * inc);
            }
            check(Up, minutes, 1, inc);
            check(Down, minutes, 1, 0);
            check(Nearest, minutes, half, inc);
            check(Nearest, minutes, half - 1, 0);
        }
    }

    #[test]
    fn edges_that_settings_never_hold() {
        // Increment 0 leaves the duration as it is; negatives round on the number line.
        check(RoundingMode::Up, 0, 61, 61);
        check(RoundingMode::Up, 15, -1, 0);
        check(RoundingMode::Down, 15, -1, -900);
        check(RoundingMode::Nearest, 15, -450, 0);
        check(RoundingMode::Up, 15, i64::MAX, i64::MAX);
    }

    #[test]
    fn entry_and_total_scope() {
        use RoundingMode::*;
        use RoundingScope::*;
        // (mode, minutes, scope, durations, expected)
        let cases: &[(RoundingMode, u32, RoundingScope, &[i64], i64)] = &[
            // 7 + 52 + 61 minutes.
            (Up, 15, Entry, &[420, 3120, 3660], 900 + 3600 + 4500),
            (Up, 15, Total, &[420, 3120, 3660], 7200),
            (Down, 15, Entry, &[420, 3120, 3660], 2700 + 3600),
            (Down, 15, Total, &[420, 3120, 3660], 7200),
            (Nearest, 15, Entry, &[420, 3120, 3660], 2700 + 3600),
            (Nearest, 15, Total, &[420, 3120, 3660], 7200),
            (None, 15, Entry, &[420, 3120, 3660], 7200),
            (None, 15, Total, &[420, 3120, 3660], 7200),
            // Three 5-minute tracks: entry rounds each up to 15, total rounds 15 once.
            (Up, 15, Entry, &[300, 300, 300], 2700),
            (Up, 15, Total, &[300, 300, 300], 900),
            // Ties: two 3-minute tracks to 6 minutes; each is a tie, the sum is exact.
            (Nearest, 6, Entry, &[180, 180], 720),
            (Nearest, 6, Total, &[180, 180], 360),
            (Up, 60, Entry, &[], 0),
            (Up, 60, Total, &[], 0),
            (Up, 60, Entry, &[0, 0], 0),
            (Up, 60, Total, &[1], 3600),
        ];
        for &(mode, minutes, scope, durations, expected) in cases {
            let r = rounding(mode, minutes, scope);
            assert_eq!(
                rounded_total(durations, r),
                expected,
                "{} {minutes} min {}: {durations:?}",
                mode.as_str(),
                scope.as_str()
            );
        }
    }

    proptest! {
        #[test]
        fn rounding_stays_within_one_increment(
            seconds in 0i64..10_000_000,
            inc_index in 0usize..ROUNDING_INCREMENTS.len(),
        ) {
            let minutes = ROUNDING_INCREMENTS[inc_index];
            let inc = i64::from(minutes) * 60;
            let at = |mode| round_seconds(seconds, rounding(mode, minutes, RoundingScope::Entry));
            let (none, up, down, nearest) = (
                at(RoundingMode::None),
                at(RoundingMode::Up),
                at(RoundingMode::Down),
                at(RoundingMode::Nearest),
            );
            prop_assert_eq!(none, seconds);
            prop_assert!(up >= seconds && up - seconds < inc);
            prop_assert!(down <= seconds && seconds - down < inc);
            prop_assert!(nearest == up || nearest == down);
            prop_assert!(2 * (nearest - seconds).abs() <= inc);
            for r in [up, down, nearest] {
                prop_assert_eq!(r % inc, 0);
            }
        }

        #[test]
        fn scopes_bracket_the_raw_sum(
            durations in proptest::collection::vec(0i64..100_000, 0..20),
            inc_index in 0usize..ROUNDING_INCREMENTS.len(),
        ) {
            let minutes = ROUNDING_INCREMENTS[inc_index];
            let raw: i64 = durations.iter().sum();
            for scope in [RoundingScope::Entry, RoundingScope::Total] {
                let up = rounded_total(&durations, rounding(RoundingMode::Up, minutes, scope));
                let down = rounded_total(&durations, rounding(RoundingMode::Down, minutes, scope));
                prop_assert!(up >= raw, "up {} < raw {}", up, raw);
                prop_assert!(down <= raw, "down {} > raw {}", down, raw);
            }
        }
    }
}
