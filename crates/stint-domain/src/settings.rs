//! User settings and their defaults, with the validation of each value.
//!
//! Stored as key/value rows (see `store::settings`); this module owns the keys, the defaults and
//! the rules for each value.

use chrono_tz::Tz;
use rust_decimal::Decimal;

use super::DomainError;
use super::money::Currency;
use super::time::WeekStart;

/// How durations are rounded in reports and on new invoices (never on stored tracks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingMode {
    None,
    Up,
    Down,
    /// To the nearest increment; a tie rounds up.
    Nearest,
}

/// Whether each track is rounded before summing, or the sum of a group is rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoundingScope {
    /// Each track rounded, then summed (Harvest-style).
    Entry,
    /// Tracks summed, then the group rounded once.
    Total,
}

/// Increments allowed for rounding, in minutes (divisors of an hour, as trackers offer).
pub const ROUNDING_INCREMENTS: [u32; 8] = [1, 5, 6, 10, 12, 15, 30, 60];

/// The rounding setting: mode, increment in minutes, and scope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rounding {
    pub mode: RoundingMode,
    pub increment_minutes: u32,
    pub scope: RoundingScope,
}

impl Default for Rounding {
    fn default() -> Self {
        Rounding {
            mode: RoundingMode::None,
            increment_minutes: 15,
            scope: RoundingScope::Entry,
        }
    }
}

impl RoundingMode {
    /// Parses `none`, `up`, `down` or `nearest`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "none" => Ok(Self::None),
            "up" => Ok(Self::Up),
            "down" => Ok(Self::Down),
            "nearest" => Ok(Self::Nearest),
            _ => Err(DomainError::parse(
                "rounding mode",
                input,
                "give none, up, down or nearest",
            )),
        }
    }

    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Up => "up",
            Self::Down => "down",
            Self::Nearest => "nearest",
        }
    }
}

impl RoundingScope {
    /// Parses `entry` or `total`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "entry" => Ok(Self::Entry),
            "total" => Ok(Self::Total),
            _ => Err(DomainError::parse(
                "rounding scope",
                input,
                "give entry (each track rounded, then summed) or total (sum, then round)",
            )),
        }
    }

    /// The setting's spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Entry => "entry",
            Self::Total => "total",
        }
    }
}

/// Checks a rounding increment in minutes against [`ROUNDING_INCREMENTS`].
pub fn validate_increment(minutes: u32) -> Result<u32, DomainError> {
    if ROUNDING_INCREMENTS.contains(&minutes) {
        Ok(minutes)
    } else {
        Err(DomainError::Invalid(format!(
            "a rounding increment of {minutes} minutes is not offered; give one of 1, 5, 6, 10, \
             12, 15, 30 or 60"
        ).into()))
    }
}

/// Default invoice number format: `INV-2026-0001`.
pub(crate) const DEFAULT_INVOICE_NUMBER_FORMAT: &str = "INV-{YYYY}-{SEQ:4}";

/// Checks an invoice number format: it must contain `{SEQ}` or `{SEQ:n}` (n from 1 to 9) once;
/// it may contain `{YYYY}`, `{YY}` and `{MM}`, and nothing else in braces.
pub fn validate_invoice_number_format(format: &str) -> Result<(), DomainError> {
    let hint = "use {SEQ} or {SEQ:4} (zero-padded) once, and optionally {YYYY}, {YY}, {MM}; for \
                example INV-{YYYY}-{SEQ:4}";
    let mut seq = 0;
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            return Err(DomainError::parse("invoice number format", format, hint));
        };
        let token = &rest[open + 1..open + close];
        match token {
            "YYYY" | "YY" | "MM" => {}
            "SEQ" => seq += 1,
            t if t
                .strip_prefix("SEQ:")
                .is_some_and(|n| n.len() == 1 && n.as_bytes()[0].is_ascii_digit() && n != "0") =>
            {
                seq += 1
            }
            _ => return Err(DomainError::parse("invoice number format", format, hint)),
        }
        rest = &rest[open + close + 1..];
    }
    if seq != 1 || format.trim().is_empty() || format.len() > 64 {
        return Err(DomainError::parse("invoice number format", format, hint));
    }
    Ok(())
}

/// Paper size of PDF invoices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PaperSize {
    /// ISO A4, 210 x 297 mm (595.28 x 841.89 points).
    #[default]
    A4,
    /// US Letter, 8.5 x 11 in (612 x 792 points).
    Letter,
}

impl PaperSize {
    /// Parses `a4` or `letter` (case-insensitive).
    ///
    /// # Errors
    /// Any other text.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "a4" => Ok(Self::A4),
            "letter" => Ok(Self::Letter),
            _ => Err(DomainError::parse("paper size", input, "give a4 or letter")),
        }
    }

    /// The setting's spelling: `a4` or `letter`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::A4 => "a4",
            Self::Letter => "letter",
        }
    }

    /// Width and height in PDF points (1/72 inch).
    pub fn points(self) -> (f32, f32) {
        match self {
            Self::A4 => (595.28, 841.89),
            Self::Letter => (612.0, 792.0),
        }
    }
}

/// All settings, with their defaults filled in.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// Zone for local date-times and days; `None` means the system's zone.
    pub timezone: Option<Tz>,
    pub week_start: WeekStart,
    pub default_currency: Currency,
    /// Hourly rate in major units of the currency, used when track, project and client have none.
    pub default_hourly_rate: Decimal,
    pub rounding: Rounding,
    pub invoice_number_format: String,
    /// Days from issue to due date on new invoices.
    pub invoice_due_days: u32,
    pub allow_concurrent_timers: bool,
    pub business_name: Option<String>,
    pub business_address: Option<String>,
    /// The seller's tax or VAT id, printed on PDF invoices.
    pub business_tax_id: Option<String>,
    /// How to pay (bank, IBAN, BIC, ...; several lines), printed on PDF invoices.
    pub payment_details: Option<String>,
    /// Notes given to a new invoice created without notes of its own.
    pub invoice_default_notes: Option<String>,
    /// Paper size of PDF invoices.
    pub paper_size: PaperSize,
    /// Tax rate in percent (19 for 19 %) of invoices whose call and client give none; `None`
    /// is 0.
    pub default_tax_rate_percent: Option<Decimal>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            timezone: None,
            week_start: WeekStart::Monday,
            default_currency: Currency::parse("USD").expect("USD is ISO 4217"),
            default_hourly_rate: Decimal::ZERO,
            rounding: Rounding::default(),
            invoice_number_format: DEFAULT_INVOICE_NUMBER_FORMAT.to_owned(),
            invoice_due_days: 30,
            allow_concurrent_timers: false,
            business_name: None,
            business_address: None,
            business_tax_id: None,
            payment_details: None,
            invoice_default_notes: None,
            paper_size: PaperSize::A4,
            default_tax_rate_percent: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invoice_number_formats() {
        for ok in [
            "INV-{YYYY}-{SEQ:4}",
            "{SEQ}",
            "{YY}{MM}-{SEQ:3}",
            "ACME/{SEQ:9}",
        ] {
            assert!(validate_invoice_number_format(ok).is_ok(), "{ok}");
        }
        for bad in [
            "INV-{YYYY}",
            "{SEQ}{SEQ}",
            "{SEQ:0}",
            "{SEQ:10}",
            "{DD}-{SEQ}",
            "{SEQ",
            "",
        ] {
            assert!(validate_invoice_number_format(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn paper_sizes() {
        assert_eq!(PaperSize::parse(" Letter ").unwrap(), PaperSize::Letter);
        assert_eq!(PaperSize::parse("A4").unwrap(), PaperSize::A4);
        assert!(PaperSize::parse("a5").is_err());
        assert_eq!(PaperSize::default().as_str(), "a4");
        assert_eq!(PaperSize::Letter.points(), (612.0, 792.0));
    }

    #[test]
    fn rounding_values() {
        assert_eq!(
            RoundingMode::parse("Nearest").unwrap(),
            RoundingMode::Nearest
        );
        assert!(RoundingMode::parse("ceil").is_err());
        assert_eq!(RoundingScope::parse("total").unwrap(), RoundingScope::Total);
        assert!(RoundingScope::parse("day").is_err());
        for m in ROUNDING_INCREMENTS {
            assert_eq!(validate_increment(m).unwrap(), m);
        }
        for m in [0, 2, 7, 20, 45, 90] {
            assert!(validate_increment(m).is_err(), "{m}");
        }
    }
}
