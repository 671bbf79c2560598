//! Rows of `settings`: one key/value row per setting; absent keys take their defaults.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{BadValue, Result, to_ts};
use stint_domain::money::Currency;
use stint_domain::settings::{PaperSize, Rounding, RoundingMode, RoundingScope, Settings};
use stint_domain::time::{WeekStart, parse_time_zone};

/// Loads every setting, with defaults for those never set.
///
/// # Errors
/// [`super::StoreError::BadValue`] for a stored value that does not parse (every value was
/// validated when written, so the row was changed outside stint): falling back to a default
/// would, say, bill at another rate.
pub fn load(conn: &Connection) -> Result<Settings> {
    let (s, mut bad) = load_lenient(conn)?;
    match bad.is_empty() {
        true => Ok(s),
        false => Err(bad.swap_remove(0).into()),
    }
}

/// Loads every setting like [`load`], but a stored value that does not parse takes its
/// default and is returned in the list beside the settings: `update_settings` uses it so that
/// a damaged setting can be repaired by setting it again.
pub fn load_lenient(conn: &Connection) -> Result<(Settings, Vec<BadValue>)> {
    let mut s = Settings::default();
    let mut damaged = Vec::new();
    let mut stmt = conn.prepare_cached("SELECT key, value FROM settings")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    for row in rows {
        let (key, value) = row?;
        let v = value.as_str();
        let bad = || BadValue {
            table: "settings",
            column: "value",
            row: format!("setting {key}"),
            value: stint_domain::limits::echo(&format!("{v:?}")),
        };
        match key.as_str() {
            "timezone" => match parse_time_zone(v) {
                Ok(tz) => s.timezone = Some(tz),
                Err(_) => damaged.push(bad()),
            },
            "week_start" => match WeekStart::parse(v) {
                Ok(x) => s.week_start = x,
                Err(_) => damaged.push(bad()),
            },
            "default_currency" => match Currency::parse(v) {
                Ok(x) => s.default_currency = x,
                Err(_) => damaged.push(bad()),
            },
            "default_hourly_rate" => match v.parse() {
                Ok(x) => s.default_hourly_rate = x,
                Err(_) => damaged.push(bad()),
            },
            "rounding.mode" => match RoundingMode::parse(v) {
                Ok(x) => s.rounding.mode = x,
                Err(_) => damaged.push(bad()),
            },
            "rounding.increment_minutes" => match v.parse() {
                Ok(x) => s.rounding.increment_minutes = x,
                Err(_) => damaged.push(bad()),
            },
            "rounding.scope" => match RoundingScope::parse(v) {
                Ok(x) => s.rounding.scope = x,
                Err(_) => damaged.push(bad()),
            },
            "invoice_number_format" => s.invoice_number_format = value,
            "invoice_due_days" => match v.parse() {
                Ok(x) => s.invoice_due_days = x,
                Err(_) => damaged.push(bad()),
            },
            "allow_concurrent_timers" => s.allow_concurrent_timers = v == "true",
            "business_name" => s.business_name = Some(value),
            "business_address" => s.business_address = Some(value),
            "business_tax_id" => s.business_tax_id = Some(value),
            "payment_details" => s.payment_details = Some(value),
            "invoice_default_notes" => s.invoice_default_notes = Some(value),
            "paper_size" => match PaperSize::parse(v) {
                Ok(x) => s.paper_size = x,
                Err(_) => damaged.push(bad()),
            },
            "default_tax_rate_percent" => match v.parse() {
                Ok(x) => s.default_tax_rate_percent = Some(x),
                Err(_) => damaged.push(bad()),
            },
            _ => {}
        }
    }
    Ok((s, damaged))
}

/// Writes every setting of `s` (keys whose value is `None` are removed).
pub fn save(conn: &Connection, s: &Settings, now: DateTime<Utc>) -> Result<()> {
    let Rounding {
        mode,
        increment_minutes,
        scope,
    } = s.rounding;
    let pairs: [(&str, Option<String>); 17] = [
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
        ("business_tax_id", s.business_tax_id.clone()),
        ("payment_details", s.payment_details.clone()),
        ("invoice_default_notes", s.invoice_default_notes.clone()),
        ("paper_size", Some(s.paper_size.as_str().to_owned())),
        (
            "default_tax_rate_percent",
            s.default_tax_rate_percent.map(|d| d.to_string()),
        ),
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
