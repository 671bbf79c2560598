//! People of a team (issue 21): roles, capacity, cost, utilization and margin.
//!
//! The owner (the solo user) is no row: wherever a person is optional, `None` is the owner
//! (migrations/V13__people.sql), the same person on every device. docs/rules.md, "People".

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::DomainError;
use super::PersonId;
use super::money::Currency;

/// What a person's token may read and write (docs/rules.md, "People").
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    /// Reads and writes only their own tracks, timers and expenses; reads projects, clients
    /// and tasks.
    Member,
    /// Reads everyone's tracks, timers and expenses; writes only their own.
    Manager,
    /// Reads and writes everything (the owner, and anyone made an owner).
    Owner,
}

impl Role {
    /// Parses `member`, `manager` or `owner` (case-insensitive).
    ///
    /// # Errors
    /// [`DomainError::Parse`] for anything else.
    pub fn parse(input: &str) -> Result<Role, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "member" => Ok(Role::Member),
            "manager" => Ok(Role::Manager),
            "owner" => Ok(Role::Owner),
            _ => Err(DomainError::parse(
                "role",
                input,
                "give member, manager or owner",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Member => "member",
            Role::Manager => "manager",
            Role::Owner => "owner",
        }
    }

    /// Whether this role reads other people's tracks, timers and expenses.
    pub fn reads_all(self) -> bool {
        self >= Role::Manager
    }

    /// Whether this role writes other people's tracks, timers and expenses.
    pub fn writes_all(self) -> bool {
        self == Role::Owner
    }
}

/// A person of the team. The owner is shown as a person with `id: None`.
#[derive(Debug, Clone, PartialEq)]
pub struct Person {
    /// `None`: the owner.
    pub id: Option<PersonId>,
    pub name: String,
    pub email: Option<String>,
    /// Hours of work a week, the base of utilization; `None`: no capacity set.
    pub weekly_capacity_hours: Option<Decimal>,
    /// What an hour of this person's work costs, major units of `currency`.
    pub cost_rate: Option<Decimal>,
    /// `None`: the setting `default_currency`.
    pub currency: Option<Currency>,
    pub role: Role,
    pub archived: bool,
    /// `None` for the owner (who exists from the start).
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// Largest weekly capacity accepted, in hours (a week has 168).
pub const MAX_WEEKLY_CAPACITY_HOURS: u32 = 168;

/// Parses a weekly capacity in hours: a decimal from 0 to 168 with at most 2 decimals
/// (`40`, `22.5`).
///
/// # Errors
/// [`DomainError::Parse`] otherwise, saying what to send.
pub fn parse_capacity_hours(input: &str) -> Result<Decimal, DomainError> {
    let bad = || {
        DomainError::parse(
            "weekly capacity",
            input,
            "give hours a week from 0 to 168, e.g. 40 or 22.5",
        )
    };
    let d: Decimal = input.trim().parse().map_err(|_| bad())?;
    if d.is_sign_negative() || d > Decimal::from(MAX_WEEKLY_CAPACITY_HOURS) || d.scale() > 2 {
        return Err(bad());
    }
    Ok(d.normalize())
}

/// Capacity in seconds over a period of `days` calendar days: the weekly capacity times
/// `days / 7` (weekends included, so a week is one weekly capacity and a 30-day month 30/7 of
/// one), rounded to the second. docs/rules.md, "People".
pub fn capacity_seconds(weekly_hours: Decimal, days: i64) -> i64 {
    let s = weekly_hours * Decimal::from(3600) * Decimal::from(days) / Decimal::from(7);
    use rust_decimal::prelude::ToPrimitive;
    s.round().to_i64().unwrap_or(i64::MAX)
}

/// Utilization in percent, one decimal, half-up: `billable_seconds / capacity_seconds x 100`;
/// `None` without capacity (none set, or a zero one).
pub fn utilization_percent(billable_seconds: i64, capacity_seconds: i64) -> Option<Decimal> {
    if capacity_seconds <= 0 {
        return None;
    }
    let p =
        Decimal::from(billable_seconds) * Decimal::ONE_HUNDRED / Decimal::from(capacity_seconds);
    let mut p = p.round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    // Always one decimal: 25.0, not 25.
    p.rescale(1);
    Some(p)
}

/// What `seconds` of a person's time cost at `cost_rate` an hour, half-up to the currency's
/// minor unit (the money rule of billing, docs/rules.md).
pub fn cost(seconds: i64, cost_rate: Decimal, currency: Currency) -> Decimal {
    super::billing::billable_amount(seconds, cost_rate, currency)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_week_is_one_capacity_and_utilization_rounds_half_up() {
        assert_eq!(capacity_seconds(Decimal::from(40), 7), 144_000);
        assert_eq!(capacity_seconds(Decimal::from(35), 30), 540_000);
        assert_eq!(
            utilization_percent(26 * 3600 + 30 * 60, 144_000),
            Some("66.3".parse().unwrap())
        );
        assert_eq!(utilization_percent(10, 0), None);
        assert_eq!(
            utilization_percent(36_000, 144_000).map(|d| d.to_string()),
            Some("25.0".to_owned())
        );
    }

    #[test]
    fn capacity_must_be_hours_of_a_week() {
        assert_eq!(parse_capacity_hours(" 22.50 ").unwrap().to_string(), "22.5");
        for bad in ["-1", "169", "abc", "1.005"] {
            assert!(parse_capacity_hours(bad).is_err(), "{bad}");
        }
    }
}
