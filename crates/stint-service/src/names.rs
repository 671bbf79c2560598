//! Completing names: what `completion/complete` offers for a project, client, tag or invoice
//! argument as the person types.

use super::{Result, Service};
pub use stint_store::names::NameKind;

/// The most values one completion answer carries.
pub const MAX_COMPLETIONS: usize = 100;

/// Names that start with a typed prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Completion {
    /// Up to [`MAX_COMPLETIONS`] matching names, in name order.
    pub values: Vec<String>,
    /// How many names match in all (more than `values.len()` when the list was cut).
    pub total: usize,
}

impl Completion {}

/// Whether `name` starts with `prefix`, ignoring case in every script ("üb" matches
/// "Übersetzung"): both are lower-cased character by character.
pub fn matches_prefix(name: &str, folded_prefix: &str) -> bool {
    let mut name = name.chars().flat_map(char::to_lowercase);
    folded_prefix.chars().all(|p| name.next() == Some(p))
}

impl Service {
    /// The names of `kind` starting with `prefix` (case-insensitive in every script; an empty
    /// prefix matches every name), at most [`MAX_COMPLETIONS`] of them, with the total count.
    ///
    /// # Errors
    /// Only a failing database.
    pub fn complete_names(&self, kind: NameKind, prefix: &str) -> Result<Completion> {
        let folded: String = prefix
            .trim_start()
            .chars()
            .flat_map(char::to_lowercase)
            .collect();
        self.read(|ctx| {
            let mut values = Vec::new();
            let mut total = 0;
            stint_store::names::for_each(ctx.tx, kind, |name| {
                if matches_prefix(name, &folded) {
                    total += 1;
                    if values.len() < MAX_COMPLETIONS {
                        values.push(name.to_owned());
                    }
                }
                true
            })?;
            Ok(Completion { values, total })
        })
    }
}

impl Service {
    /// Today's date in the configured time zone.
    ///
    /// # Errors
    /// Only a failing database (reading the settings).
    pub fn today(&self) -> Result<chrono::NaiveDate> {
        let now = self.now();
        self.read(|ctx| Ok(now.with_timezone(&ctx.tz).date_naive()))
    }

    /// A day a person named, in the configured zone: any date [`stint_domain::time::parse_date`]
    /// reads (`2026-11-30`, `yesterday`, `monday`, `Nov 30`), or the first day of a named period
    /// (`last week`, `this month`, `2026-11`), so `stint week --date "last week"` shows last
    /// week.
    ///
    /// # Errors
    /// An unreadable day (the message gives today's date and the accepted forms), or a failing
    /// database.
    pub fn read_day(&self, text: &str) -> Result<chrono::NaiveDate> {
        let now = self.now();
        self.read(|ctx| {
            match stint_domain::time::parse_range_bound(text, ctx.tz, now, ctx.settings.week_start)?
            {
                stint_domain::time::Bound::Date(d) | stint_domain::time::Bound::Period(d, _) => {
                    Ok(d)
                }
                stint_domain::time::Bound::Instant(t) => Ok(t.with_timezone(&ctx.tz).date_naive()),
            }
        })
    }

    /// The first and last day of the week holding `day`, by the `week_start` setting.
    ///
    /// # Errors
    /// `day` is outside the years 1 to 9999, or the database fails.
    pub fn week_of(
        &self,
        day: chrono::NaiveDate,
    ) -> Result<(chrono::NaiveDate, chrono::NaiveDate)> {
        use chrono::Datelike;
        if !(1..=9999).contains(&day.year()) {
            return Err(stint_domain::DomainError::Invalid(
                format!("{day} is out of range; give a date from the years 1 to 9999").into(),
            )
            .into());
        }
        self.read(|ctx| {
            let first = ctx.settings.week_start.week_of(day);
            Ok((first, first + chrono::Days::new(6)))
        })
    }
}
