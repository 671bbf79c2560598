//! Tax rates as people write them: percentages (`19` is 19 %), never fractions.
//!
//! A rate strictly between 0 and 1 is almost always a fraction meant as a percentage (`0.19`
//! for 19 %): taken as written it would bill 0.19 % and nobody would notice until the client
//! does. So a bare number there is refused with the likely meaning; a caller who does mean the
//! small rate writes it with a percent sign (`"0.5%"`, CLI `--tax-rate 0.5%`), which is
//! explicit and costs no extra argument on every tool that takes a rate. Issue 18 ("Nothing
//! silently wrong"), docs/rules.md, "Tax".

use rust_decimal::Decimal;

use super::DomainError;
use super::limits::{check_amount, echo};

/// Reads a tax rate in percent: `19`, `7.5`, `19%` or `19 %`; 0 to 100.
///
/// A rate strictly between 0 and 1 is taken only when written with a percent sign (`0.5%` is
/// 0.5 %); a bare `0.19` is refused.
///
/// # Errors
/// Not a number; below 0 or above 100; a bare number strictly between 0 and 1 (the message
/// gives the rate it probably means: "a tax rate of 0.19 is read as 0.19 %; did you mean
/// 19 %? Give 19 for 19 %, or \"0.19%\" (with the percent sign) to keep 0.19 %").
pub fn parse_tax_rate_percent(input: &str) -> Result<Decimal, DomainError> {
    let s = input.trim();
    let number = s.trim_end_matches('%').trim();
    let with_sign = number.len() < s.len();
    let rate: Decimal = number
        .parse()
        .map_err(|_| DomainError::parse("tax rate", s, "give a percentage such as 19 or 7.5"))?;
    if rate < Decimal::ZERO || rate > Decimal::ONE_HUNDRED {
        return Err(DomainError::Invalid(
            format!(
                "a tax rate of {} % is out of range; give 0 to 100",
                echo(number)
            )
            .into(),
        ));
    }
    let rate = check_amount("tax rate", rate, s)?;
    if !with_sign && rate > Decimal::ZERO && rate < Decimal::ONE {
        let written = rate.normalize();
        let meant = (rate * Decimal::ONE_HUNDRED).normalize();
        return Err(DomainError::Invalid(
            format!(
                "a tax rate of {written} is read as {written} %; did you mean {meant} %? Give \
             {meant} for {meant} %, or \"{written}%\" (with the percent sign) to keep {written} %"
            )
            .into(),
        ));
    }
    Ok(rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expected: Result<&str, &str>) {
        let got = parse_tax_rate_percent(input)
            .map(|d| d.normalize().to_string())
            .map_err(|e| e.to_string());
        assert_eq!(
            got.as_ref().map(String::as_str).map_err(String::as_str),
            expected,
            "{input:?}"
        );
    }

    #[test]
    fn rates_as_people_write_them() {
        check("19", Ok("19"));
        check(" 7.5 % ", Ok("7.5"));
        check("0", Ok("0"));
        check("1", Ok("1"));
        check("100", Ok("100"));
        check("0.5%", Ok("0.5"));
        check("0.5 %", Ok("0.5"));
        check(
            "0.19",
            Err(
                "a tax rate of 0.19 is read as 0.19 %; did you mean 19 %? Give 19 for 19 %, \
                 or \"0.19%\" (with the percent sign) to keep 0.19 %",
            ),
        );
        check(
            "0.075",
            Err(
                "a tax rate of 0.075 is read as 0.075 %; did you mean 7.5 %? Give 7.5 for \
                 7.5 %, or \"0.075%\" (with the percent sign) to keep 0.075 %",
            ),
        );
        check(
            "101%",
            Err("a tax rate of 101 % is out of range; give 0 to 100"),
        );
    }
}
