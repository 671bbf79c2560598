//! Use cases for settings.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::{Result, Service, clean, system_time_zone};
use stint_domain::DomainError;
use stint_domain::money::{Currency, parse_rate};
use stint_domain::settings::{
    PaperSize, RoundingMode, RoundingScope, Settings, validate_increment,
    validate_invoice_number_format,
};
use stint_domain::time::{WeekStart, parse_time_zone};
use stint_store as store;

/// Settings as stored, plus the zone in effect (the system's when `timezone` is unset).
#[derive(Debug, Clone)]
pub struct SettingsView {
    pub settings: Settings,
    pub effective_timezone: Tz,
    /// The service clock's reading when the settings were read (UTC; show it in
    /// `effective_timezone`).
    pub now: DateTime<Utc>,
}

/// Changes to the rounding setting; `None` leaves a part as it is.
#[derive(Debug, Clone, Default)]
pub struct RoundingChanges {
    pub mode: Option<String>,
    pub increment_minutes: Option<u32>,
    pub scope: Option<String>,
}

/// Input of `update_settings`: `None` leaves a setting as it is. For `timezone`,
/// `business_name`, `business_address`, `business_tax_id`, `payment_details` and
/// `invoice_default_notes`, an empty text returns to the default (none).
#[derive(Debug, Clone, Default)]
pub struct SettingsChanges {
    pub timezone: Option<String>,
    pub week_start: Option<String>,
    pub default_currency: Option<String>,
    pub default_hourly_rate: Option<String>,
    pub rounding: Option<RoundingChanges>,
    pub invoice_number_format: Option<String>,
    pub invoice_due_days: Option<u32>,
    pub allow_concurrent_timers: Option<bool>,
    pub business_name: Option<String>,
    pub business_address: Option<String>,
    /// The seller's tax or VAT id (one line, at most 200 characters).
    pub business_tax_id: Option<String>,
    /// How to pay (bank, IBAN, ...): several lines, at most 10 000 characters.
    pub payment_details: Option<String>,
    /// Notes for new invoices created without notes: at most 10 000 characters.
    pub invoice_default_notes: Option<String>,
    /// `a4` or `letter`.
    pub paper_size: Option<String>,
    /// Tax rate in percent (19 for 19 %) of invoices whose call and client give none; empty
    /// removes it (0). Strictly between 0 and 1 only with a percent sign (`"0.5%"`).
    pub default_tax_rate_percent: Option<String>,
}

impl SettingsChanges {
    /// Whether this request sets the setting a [`store::BadValue`] names (its row is
    /// `setting KEY`, KEY as stored, e.g. `rounding.mode`).
    fn sets(&self, row: &str) -> bool {
        let r = self.rounding.as_ref();
        match row.trim_start_matches("setting ") {
            "timezone" => self.timezone.is_some(),
            "week_start" => self.week_start.is_some(),
            "default_currency" => self.default_currency.is_some(),
            "default_hourly_rate" => self.default_hourly_rate.is_some(),
            "rounding.mode" => r.is_some_and(|r| r.mode.is_some()),
            "rounding.increment_minutes" => r.is_some_and(|r| r.increment_minutes.is_some()),
            "rounding.scope" => r.is_some_and(|r| r.scope.is_some()),
            "invoice_due_days" => self.invoice_due_days.is_some(),
            "paper_size" => self.paper_size.is_some(),
            "default_tax_rate_percent" => self.default_tax_rate_percent.is_some(),
            _ => false,
        }
    }
}

impl Service {
    /// All settings with defaults filled in.
    pub fn get_settings(&self) -> Result<SettingsView> {
        self.read(|ctx| {
            Ok(SettingsView {
                settings: ctx.settings.clone(),
                effective_timezone: ctx.tz,
                now: ctx.now,
            })
        })
    }

    /// Changes settings; every value is checked before any is written.
    ///
    /// # Errors
    /// An unknown time zone or currency, a bad rate, rounding or invoice number format.
    pub fn update_settings(&self, req: SettingsChanges) -> Result<SettingsView> {
        self.write("update_settings", |ctx| {
            // A damaged stored value is replaced only by a request that sets it again.
            let (_, damaged) = store::settings::load_lenient(ctx.tx)?;
            if let Some(bad) = damaged.into_iter().find(|b| !req.sets(&b.row)) {
                let key = bad.row.trim_start_matches("setting ");
                return Err(DomainError::Invalid(
                    format!("{bad}; to repair it, set {key} again in the same update").into(),
                )
                .into());
            }
            let mut s = ctx.settings.clone();
            if let Some(tz) = req.timezone {
                s.timezone = match clean(Some(tz)) {
                    Some(tz) => Some(parse_time_zone(&tz)?),
                    None => None,
                };
            }
            if let Some(w) = req.week_start {
                s.week_start = WeekStart::parse(&w)?;
            }
            if let Some(c) = req.default_currency {
                s.default_currency = Currency::parse(&c)?;
            }
            if let Some(r) = req.default_hourly_rate {
                s.default_hourly_rate = parse_rate(&r)?;
            }
            if let Some(r) = req.rounding {
                if let Some(m) = r.mode {
                    s.rounding.mode = RoundingMode::parse(&m)?;
                }
                if let Some(i) = r.increment_minutes {
                    s.rounding.increment_minutes = validate_increment(i)?;
                }
                if let Some(sc) = r.scope {
                    s.rounding.scope = RoundingScope::parse(&sc)?;
                }
            }
            if let Some(f) = req.invoice_number_format {
                let f = f.trim().to_owned();
                stint_domain::limits::check_line("invoice number format", &f)?;
                validate_invoice_number_format(&f)?;
                s.invoice_number_format = f;
            }
            if let Some(d) = req.invoice_due_days {
                if d > 365 {
                    return Err(DomainError::Invalid(
                        format!("invoice_due_days {d} is more than a year; give 0 to 365").into(),
                    )
                    .into());
                }
                s.invoice_due_days = d;
            }
            if let Some(a) = req.allow_concurrent_timers {
                s.allow_concurrent_timers = a;
            }
            if let Some(n) = req.business_name {
                s.business_name = clean(Some(n));
                if let Some(n) = &s.business_name {
                    stint_domain::limits::check_line("business name", n)?;
                }
            }
            if let Some(a) = req.business_address {
                s.business_address = clean(Some(a));
                if let Some(a) = &s.business_address {
                    stint_domain::limits::check_text("business address", a)?;
                }
            }
            if let Some(t) = req.business_tax_id {
                s.business_tax_id = clean(Some(t));
                if let Some(t) = &s.business_tax_id {
                    stint_domain::limits::check_line("business tax id", t)?;
                }
            }
            if let Some(p) = req.payment_details {
                s.payment_details = clean(Some(p));
                if let Some(p) = &s.payment_details {
                    stint_domain::limits::check_text("payment details", p)?;
                }
            }
            if let Some(n) = req.invoice_default_notes {
                s.invoice_default_notes = clean(Some(n));
                if let Some(n) = &s.invoice_default_notes {
                    stint_domain::limits::check_text("invoice default notes", n)?;
                }
            }
            if let Some(p) = req.paper_size {
                s.paper_size = PaperSize::parse(&p)?;
            }
            if let Some(t) = req.default_tax_rate_percent {
                s.default_tax_rate_percent = match t.trim() {
                    "" => None,
                    t => Some(stint_domain::tax::parse_tax_rate_percent(t)?),
                };
            }
            store::settings::save(ctx.tx, &s, ctx.now)?;
            ctx.audit("settings", &[], None)?;
            Ok(SettingsView {
                effective_timezone: s.timezone.unwrap_or_else(system_time_zone),
                settings: s,
                now: ctx.now,
            })
        })
    }
}
