//! `completion/complete`: values for prompt arguments and resource-template variables as the
//! person types them.
//!
//! Names (projects, clients, tags, invoice numbers) come from the service, matched by
//! case-insensitive prefix in every script; months and days are recent ones. An answer holds
//! at most 100 values, with `total` and `hasMore` when there are more.

use chrono::{Datelike, Days, Months, NaiveDate};
use rmcp::ErrorData;
use rmcp::model::{CompleteRequestParams, CompletionInfo, Reference};

use super::{prompts, resources};
use stint_service::{NameKind, Service, ServiceError, matches_prefix};

/// What an argument or variable completes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Completer {
    /// Existing names of this kind.
    Names(NameKind),
    /// The current and the 11 previous months, `YYYY-MM`, newest first.
    Month,
    /// Today and the 13 days before, `YYYY-MM-DD`, newest first.
    Day,
}

/// Answers `completion/complete` for `request`.
///
/// # Errors
/// `-32602` for a prompt or template stint does not have, or an argument it does not take.
pub(crate) fn complete(
    svc: &Service,
    request: &CompleteRequestParams,
) -> Result<CompletionInfo, ErrorData> {
    let completer = match &request.r#ref {
        Reference::Prompt(p) => prompts::completer(&p.name, &request.argument.name)?,
        Reference::Resource(r) => resources::completer(&r.uri, &request.argument.name)?,
        _ => {
            return Err(ErrorData::invalid_params(
                "completion/complete takes a ref/prompt or a ref/resource",
                None,
            ));
        }
    };
    let typed = request.argument.value.as_str();
    let (values, total) = match completer {
        None => (Vec::new(), 0),
        Some(Completer::Names(kind)) => {
            let c = svc.complete_names(kind, typed).map_err(internal)?;
            (c.values, c.total)
        }
        Some(Completer::Month) => {
            let today = svc.today().map_err(internal)?;
            let first = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
            recent(
                typed,
                (0..12).filter_map(|i| first.checked_sub_months(Months::new(i))),
                |d| d.format("%Y-%m").to_string(),
            )
        }
        Some(Completer::Day) => {
            let today = svc.today().map_err(internal)?;
            recent(
                typed,
                (0..14).filter_map(|i| today.checked_sub_days(Days::new(i))),
                |d| d.to_string(),
            )
        }
    };
    let has_more = total > values.len();
    CompletionInfo::with_pagination(
        values,
        Some(u32::try_from(total).unwrap_or(u32::MAX)),
        has_more,
    )
    .map_err(|e| ErrorData::internal_error(e, None))
}

fn recent(
    typed: &str,
    days: impl Iterator<Item = NaiveDate>,
    label: impl Fn(NaiveDate) -> String,
) -> (Vec<String>, usize) {
    let folded: String = typed
        .trim_start()
        .chars()
        .flat_map(char::to_lowercase)
        .collect();
    let values: Vec<String> = days
        .map(label)
        .filter(|v| matches_prefix(v, &folded))
        .collect();
    let total = values.len();
    (values, total)
}

fn internal(e: ServiceError) -> ErrorData {
    ErrorData::internal_error(e.to_string(), None)
}
