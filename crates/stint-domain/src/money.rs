//! Money: exact decimal amounts, ISO 4217 currencies and hourly rates.
//!
//! Amounts are `rust_decimal::Decimal`, never floating point. A currency's minor unit (2 for EUR,
//! 0 for JPY, 3 for KWD) comes from ISO 4217 via the `iso_currency` crate.

use iso_currency::Currency as IsoCurrency;
use rust_decimal::Decimal;

use super::DomainError;

/// An ISO 4217 currency, such as `EUR`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency(IsoCurrency);

impl Currency {
    /// Parses a three-letter ISO 4217 code, case-insensitive (`eur` is `EUR`).
    ///
    /// # Errors
    /// [`DomainError::Parse`] for a code ISO 4217 does not list.
    pub fn parse(input: &str) -> Result<Currency, DomainError> {
        IsoCurrency::from_code(&input.trim().to_ascii_uppercase())
            .map(Currency)
            .ok_or_else(|| {
                DomainError::parse(
                    "currency",
                    input,
                    "give a three-letter ISO 4217 code such as EUR, USD, GBP or JPY",
                )
            })
    }

    /// The three-letter code.
    pub fn code(self) -> &'static str {
        // `code()` returns a &'static str for every variant.
        self.0.code()
    }

    /// Digits after the decimal point in amounts of this currency (ISO 4217 minor unit).
    /// Currencies without one (gold, SDR) are treated as having 2.
    pub fn minor_units(self) -> u32 {
        self.0.exponent().map_or(2, u32::from)
    }
}

impl std::fmt::Display for Currency {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.code())
    }
}

/// Parses a non-negative hourly rate such as `120` or `95.50` (in major units of the currency).
///
/// # Errors
/// [`DomainError::Parse`] for a non-number, [`DomainError::Invalid`] for a negative rate or one
/// past the limits of [`super::limits::check_amount`] (1 000 000 000, 6 decimals).
pub fn parse_rate(input: &str) -> Result<Decimal, DomainError> {
    let rate: Decimal = input.trim().parse().map_err(|_| {
        DomainError::parse(
            "hourly rate",
            input,
            "give a decimal number such as 120 or 95.50",
        )
    })?;
    if rate.is_sign_negative() && !rate.is_zero() {
        return Err(DomainError::Invalid(
            format!(
                "the hourly rate {} is negative; give zero or more",
                super::limits::echo(input.trim())
            )
            .into(),
        ));
    }
    super::limits::check_amount("amount", rate, input)
}

/// Parses a non-negative amount of money in major units of `currency` (`12.50` euros, `1200`
/// yen, `3.125` dinars), padded to the currency's minor-unit decimals (`12.5` is `12.50`).
/// `what` names the field in messages.
///
/// # Errors
/// [`DomainError::Parse`] for a non-number; [`DomainError::Invalid`] for a negative amount, more
/// decimals than the currency has (JPY has none, EUR 2, KWD 3), or one past the limits of
/// [`super::limits::check_amount`].
pub fn parse_money(
    what: &'static str,
    input: &str,
    currency: Currency,
) -> Result<Decimal, DomainError> {
    let amount: Decimal = input
        .trim()
        .parse()
        .map_err(|_| DomainError::parse(what, input, "give a decimal number such as 12.50"))?;
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(DomainError::Invalid(
            format!(
                "the {what} {} is negative; give zero or more",
                super::limits::echo(input.trim())
            )
            .into(),
        ));
    }
    let mut amount = super::limits::check_amount(what, amount, input)?;
    let dp = currency.minor_units();
    if amount.scale() > dp {
        return Err(DomainError::Invalid(
            format!(
                "the {what} {} has more decimals than {currency} has ({dp}); round it to the {}",
                super::limits::echo(input.trim()),
                if dp == 0 {
                    "whole unit".to_owned()
                } else {
                    format!("{dp}-decimal minor unit")
                }
            )
            .into(),
        ));
    }
    amount.rescale(dp);
    Ok(amount)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn currencies() {
        for (code, minor) in [("EUR", 2), ("usd", 2), ("JPY", 0), ("KWD", 3), (" gbp ", 2)] {
            let c = Currency::parse(code).unwrap();
            assert_eq!(c.minor_units(), minor, "{code}");
            assert_eq!(c.code(), code.trim().to_ascii_uppercase());
        }
        for bad in ["EU", "EURO", "XYZ", ""] {
            let e = Currency::parse(bad).unwrap_err().to_string();
            assert!(e.contains("ISO 4217"), "{bad}: {e}");
        }
    }

    #[test]
    fn rates() {
        assert_eq!(parse_rate("120").unwrap(), Decimal::from(120));
        assert_eq!(parse_rate("95.50").unwrap().to_string(), "95.5");
        assert_eq!(parse_rate("0").unwrap(), Decimal::ZERO);
        assert!(
            parse_rate("-1")
                .unwrap_err()
                .to_string()
                .contains("negative")
        );
        assert!(
            parse_rate("ten")
                .unwrap_err()
                .to_string()
                .contains("decimal number")
        );
    }
}
