//! Tax rates as people write them: percentages (`19` is 19 %), never fractions.
//!
//! A rate strictly between 0 and 1 is almost always a fraction meant as a percentage (`0.19`
//! for 19 %): taken as written it would bill 0.19 % and nobody would notice until the client
//! does. So it is refused with the likely meaning, unless the caller says it means the small
//! rate (`allow_fractional_tax`). Issue 18 ("Nothing silently wrong"), DESIGN.md "Invoices".

use rust_decimal::Decimal;

use super::DomainError;
use super::limits::{check_amount, echo};

/// Reads a tax rate in percent: `19`, `7.5`, `19%` or `19 %`; 0 to 100.
///
/// `allow_fractional` accepts a rate strictly between 0 and 1 as the percentage it says
/// (0.5 for 0.5 %); without it such a rate is refused.
///
/// # Errors
/// Not a number; below 0 or above 100; strictly between 0 and 1 without `allow_fractional`
/// (the message gives the rate it probably means: "0.19 is read as 0.19 %; did you mean
/// 19 %? Send 19 for 19 %, or send allow_fractional_tax=true to keep 0.19 %").
pub fn parse_tax_rate_percent(input: &str, allow_fractional: bool) -> Result<Decimal, DomainError> {
    let s = input.trim();
    let rate: Decimal =
        s.trim_end_matches('%').trim().parse().map_err(|_| {
            DomainError::parse("tax rate", s, "send a percentage such as 19 or 7.5")
        })?;
    if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
        return Err(DomainError::Invalid(format!(
            "a tax rate of {} % is out of range; send 0 to 100",
            echo(s)
        )));
    }
    let rate = check_amount("tax rate", rate, s)?;
    check_fractional(rate, allow_fractional)?;
    Ok(rate)
}

/// Refuses a rate strictly between 0 and 1 (in percent) unless `allow_fractional`: see
/// [`parse_tax_rate_percent`].
///
/// # Errors
/// The refusal, with the rate the caller probably means.
pub fn check_fractional(rate: Decimal, allow_fractional: bool) -> Result<(), DomainError> {
    if allow_fractional || rate <= Decimal::ZERO || rate >= Decimal::ONE {
        return Ok(());
    }
    let written = rate.normalize();
    let meant = (rate * Decimal::ONE_HUNDRED).normalize();
    Err(DomainError::Invalid(format!(
        "a tax rate of {written} is read as {written} %; did you mean {meant} %? Send {meant} \
         for {meant} %, or send allow_fractional_tax=true to keep {written} %"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, allow: bool, expected: Result<&str, &str>) {
        let got = parse_tax_rate_percent(input, allow)
            .map(|d| d.normalize().to_string())
            .map_err(|e| e.to_string());
        assert_eq!(
            got.as_ref().map(String::as_str).map_err(String::as_str),
            expected,
            "{input:?} allow={allow}"
        );
    }

    #[test]
    fn rates_as_people_write_them() {
        check("19", false, Ok("19"));
        check(" 7.5 % ", false, Ok("7.5"));
        check("0", false, Ok("0"));
        check("1", false, Ok("1"));
        check("100", false, Ok("100"));
        check("0.5", true, Ok("0.5"));
        check(
            "0.19",
            false,
            Err(
                "a tax rate of 0.19 is read as 0.19 %; did you mean 19 %? Send 19 for 19 %, \
                 or send allow_fractional_tax=true to keep 0.19 %",
            ),
        );
        check(
            "0.075",
            false,
            Err(
                "a tax rate of 0.075 is read as 0.075 %; did you mean 7.5 %? Send 7.5 for \
                 7.5 %, or send allow_fractional_tax=true to keep 0.075 %",
            ),
        );
        check(
            "101",
            true,
            Err("a tax rate of 101 % is out of range; send 0 to 100"),
        );
    }
}
