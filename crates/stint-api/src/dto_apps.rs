//! Tool inputs of the MCP Apps views (`show_week`). The answers reuse the shapes of
//! [`crate::dto_billing`] (`SummaryOut`), so an app draws a `time_summary` answer and a
//! `show_week` answer alike.

use schemars::JsonSchema;
use serde::Deserialize;

use crate::dto::{RefArg, no_null};

/// Arguments of `show_week`: the week (by the `week_start` setting) holding `date`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ShowWeekArgs {
    /// Any day of the week: 2026-11-30, "today", "yesterday", "last week" (its first day);
    /// default: this week.
    pub date: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<RefArg>,
    /// Only this client (id or exact name).
    pub client: Option<RefArg>,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<RefArg>,
}
