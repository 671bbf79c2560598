//! Rows of `settings`: one key/value row per setting; absent keys take their defaults.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{BadValue, Result, to_ts};
use crate::domain::money::Currency;
use crate::domain::settings::{Rounding, RoundingMode, RoundingScope, Settings};
use crate::domain::time::{WeekStart, parse_time_zone};

/// Loads every setting, with defaults for those never set.
///
/// # Errors
/// [`super::StoreError::BadValue`] for a stored value that does not parse (every value was
/// validated when written, so the row was changed outside stint): falling back to a default
/// would, say, bill at another rate.
pub fn load(conn: &Connection) -> Result<Settings> {
    let mut s = Settings::default();
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, value) = row?;
        let v = value.as_str();
        let bad = || BadValue {
            table: "settings",
            column: "value",
            row: format!("setting {key}"),
            value: crate::domain::limits::echo(&format!("{v:?}")),
        };
        match key.as_str() {
            "timezone" => s.timezone = Some(parse_time_zone(v).map_err(|_| bad())?),
            "week_start" => s.week_start = WeekStart::parse(v).map_err(|_| bad())?,
            "default_currency" => s.default_currency = Currency::parse(v).map_err(|_| bad())?,
            "default_hourly_rate" => s.default_hourly_rate = v.parse().map_err(|_| bad())?,
            "rounding.mode" => s.rounding.mode = RoundingMode::parse(v).map_err(|_| bad())?,
            "rounding.increment_minutes" => {
                s.rounding.increment_minutes = v.parse().map_err(|_| bad())?
            }
            "rounding.scope" => s.rounding.scope = RoundingScope::parse(v).map_err(|_| bad())?,
            "invoice_number_format" => s.invoice_number_format = value,
            "invoice_due_days" => s.invoice_due_days = v.parse().map_err(|_| bad())?,
            "allow_concurrent_timers" => s.allow_concurrent_timers = v == "true",
            "business_name" => s.business_name = Some(value),
            "business_address" => s.business_address = Some(value),
            _ => {}
        }
    }
    Ok(s)
}

/// Writes every setting of `s` (keys whose value is `None` are removed).
pub fn save(conn: &Connection, s: &Settings, now: DateTime<Utc>) -> Result<()> {
    let Rounding {
        mode,
        increment_minutes,
        scope,
    } = s.rounding;
    let pairs: [(&str, Option<String>); 12] = [
        ("timezone", s.timezone.map(|tz| tz.name().to_owned())),
        ("week_start", Some(s.week_start.as_str().to_owned())),
        (
            "default_currency",
            Some(s.default_currency.code().to_owned()),
        ),
        (
            "default_hourly_rate",
            Some(s.default_hourly_rate.to_string()),
        ),
        ("rounding.mode", Some(mode.as_str().to_owned())),
        (
            "rounding.increment_minutes",
            Some(increment_minutes.to_string()),
        ),
        ("rounding.scope", Some(scope.as_str().to_owned())),
        (
            "invoice_number_format",
            Some(s.invoice_number_format.clone()),
        ),
        ("invoice_due_days", Some(s.invoice_due_days.to_string())),
        (
            "allow_concurrent_timers",
            Some(s.allow_concurrent_timers.to_string()),
        ),
        ("business_name", s.business_name.clone()),
        ("business_address", s.business_address.clone()),
    ];
    let mut upsert = conn.prepare_cached(
        "INSERT INTO settings (key, value, updated_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
         WHERE value != excluded.value",
    )?;
    let mut remove = conn.prepare_cached("DELETE FROM settings WHERE key = ?1")?;
    for (key, value) in pairs {
        match value {
            Some(v) => upsert.execute(params![key, v, to_ts(now)])?,
            None => remove.execute([key])?,
        };
    }
    Ok(())
}
