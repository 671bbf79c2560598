//! Prompts: the person's routines as slash commands ("log my day", "weekly review",
//! "month-end invoicing", "unbilled work"). Each one returns a message that tells the
//! assistant which tools to call, in order, and what to ask the person; arguments are checked
//! and resolved first (dates to `YYYY-MM-DD`, a client to its exact name).

use chrono::{Datelike, Months, NaiveDate};
use rmcp::ErrorData;
use rmcp::model::{GetPromptResult, JsonObject, Prompt, PromptArgument, PromptMessage, Role};

use super::completions::Completer;
use stint_service::{NameKind, Service, ServiceError};

/// One argument of a prompt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PromptArg {
    /// The argument's name.
    pub name: &'static str,
    /// What the person is asked for.
    pub description: &'static str,
    /// Whether the prompt needs it.
    pub(crate) required: bool,
    /// What `completion/complete` offers for it.
    pub(crate) completer: Option<Completer>,
}

/// One prompt.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PromptSpec {
    /// The prompt's name (the slash command).
    pub name: &'static str,
    /// Its title.
    pub(crate) title: &'static str,
    /// What it does.
    pub description: &'static str,
    /// Its arguments.
    pub(crate) args: &'static [PromptArg],
}

const DAY_ARG: PromptArg = PromptArg {
    name: "date",
    description: "The day: YYYY-MM-DD, today or yesterday (default today).",
    required: false,
    completer: Some(Completer::Day),
};

/// Every prompt stint offers.
pub(crate) const PROMPTS: &[PromptSpec] = &[
    PromptSpec {
        name: "log_my_day",
        title: "Log my day",
        description: "Rebuild a day's tracks with the person: find the gaps, ask, and log them.",
        args: &[DAY_ARG],
    },
    PromptSpec {
        name: "weekly_review",
        title: "Weekly review",
        description: "Review a week: hours per day and project, gaps, budgets and unbilled work.",
        args: &[PromptArg {
            name: "week",
            description: "Any day of the week, YYYY-MM-DD, today or yesterday (default this week).",
            required: false,
            completer: Some(Completer::Day),
        }],
    },
    PromptSpec {
        name: "month_end_invoicing",
        title: "Month-end invoicing",
        description: "Check a client's unbilled work for a month, preview the invoice, then create and send it with approval.",
        args: &[
            PromptArg {
                name: "client",
                description: "The client to invoice (name or id).",
                required: true,
                completer: Some(Completer::Names(NameKind::Client)),
            },
            PromptArg {
                name: "month",
                description: "The month, YYYY-MM (default last month).",
                required: false,
                completer: Some(Completer::Month),
            },
        ],
    },
    PromptSpec {
        name: "unbilled_work",
        title: "Unbilled work",
        description: "Show billable work not yet invoiced and suggest what to invoice.",
        args: &[PromptArg {
            name: "client",
            description: "Only this client (name or id; default all clients).",
            required: false,
            completer: Some(Completer::Names(NameKind::Client)),
        }],
    },
    PromptSpec {
        name: "team_week",
        title: "How is the team doing this week?",
        description: "Utilization, hours by person and project, cost and margin for a week.",
        args: &[PromptArg {
            name: "week",
            description: "Any day of the week, YYYY-MM-DD, today or yesterday (default this week).",
            required: false,
            completer: Some(Completer::Day),
        }],
    },
];

/// Prompts listed only where a team exists (issue 21), as the team's tools.
const TEAM_PROMPTS: [&str; 1] = ["team_week"];

fn spec(name: &str) -> Result<&'static PromptSpec, ErrorData> {
    PROMPTS.iter().find(|p| p.name == name).ok_or_else(|| {
        ErrorData::invalid_params(
            format!(
                "there is no prompt {name:?}; prompts/list names them: {}",
                PROMPTS
                    .iter()
                    .map(|p| p.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            None,
        )
    })
}

/// The prompts for `prompts/list` (with the team's when `team`).
pub(crate) fn list(team: bool) -> Vec<Prompt> {
    PROMPTS
        .iter()
        .filter(|p| team || !TEAM_PROMPTS.contains(&p.name))
        .map(|p| {
            let args = p
                .args
                .iter()
                .map(|a| {
                    PromptArgument::new(a.name)
                        .with_description(a.description)
                        .with_required(a.required)
                })
                .collect();
            Prompt::new(p.name, Some(p.description), Some(args)).with_title(p.title)
        })
        .collect()
}

/// What argument `arg` of prompt `prompt` completes to.
///
/// # Errors
/// `-32602` when the prompt or the argument does not exist.
pub(crate) fn completer(prompt: &str, arg: &str) -> Result<Option<Completer>, ErrorData> {
    let p = spec(prompt)?;
    p.args
        .iter()
        .find(|a| a.name == arg)
        .map(|a| a.completer)
        .ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "prompt {} has no argument {arg:?}; it takes: {}",
                    p.name,
                    p.args.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
                ),
                None,
            )
        })
}

/// A JSON string literal of `s`, for tool arguments quoted in a prompt.
fn q(s: &str) -> String {
    serde_json::Value::from(s).to_string()
}

/// A service error as a JSON-RPC error: the caller's mistake (-32602), or a failing
/// database (-32603).
fn service_error(e: ServiceError) -> ErrorData {
    match e {
        ServiceError::Store(inner) => ErrorData::internal_error(inner.to_string(), None),
        other => ErrorData::invalid_params(other.to_string(), None),
    }
}

fn invalid(message: String) -> ErrorData {
    ErrorData::invalid_params(message, None)
}

/// Parses `YYYY-MM-DD` with a four-digit year (chrono alone would also take years such as
/// -262143, at the edge of what dates can hold).
pub(crate) fn parse_day(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    shape
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// Parses a day argument as every date of stint is read ([`Service::read_day`]: `2026-11-30`,
/// `yesterday`, `monday`, `Nov 30`, the first day of `last week`); today when absent.
fn day(svc: &Service, value: Option<&str>, arg: &str) -> Result<NaiveDate, ErrorData> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => svc.today().map_err(service_error),
        Some(v) => svc.read_day(v).map_err(|e| invalid(format!("{arg}: {e}"))),
    }
}

/// Builds the message of prompt `name` with `arguments`.
///
/// # Errors
/// `-32602` for an unknown prompt or argument, a missing required argument, a malformed date
/// or month, or a client stint does not know (the message lists similar names).
pub(crate) fn get(
    svc: &Service,
    name: &str,
    arguments: Option<&JsonObject>,
) -> Result<GetPromptResult, ErrorData> {
    let p = spec(name)?;
    let empty = JsonObject::new();
    let arguments = arguments.unwrap_or(&empty);
    let mut values = std::collections::HashMap::new();
    for (key, value) in arguments {
        if !p.args.iter().any(|a| a.name == key) {
            return Err(invalid(format!(
                "prompt {} has no argument {:?}; it takes: {}",
                p.name,
                key.chars().take(40).collect::<String>(),
                p.args.iter().map(|a| a.name).collect::<Vec<_>>().join(", ")
            )));
        }
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        values.insert(key.as_str(), text);
    }
    for a in p.args.iter().filter(|a| a.required) {
        if values.get(a.name).is_none_or(|v| v.trim().is_empty()) {
            return Err(invalid(format!(
                "prompt {} needs the argument {}: {}",
                p.name, a.name, a.description
            )));
        }
    }
    let arg = |n: &str| values.get(n).map(String::as_str);
    let client = |svc: &Service| -> Result<Option<String>, ErrorData> {
        match arg("client").map(str::trim).filter(|c| !c.is_empty()) {
            None => Ok(None),
            Some(c) => svc
                .get_client(c)
                .map(|c| Some(c.name))
                .map_err(service_error),
        }
    };
    let text = match p.name {
        "log_my_day" => log_my_day(day(svc, arg("date"), "date")?),
        "weekly_review" => {
            let (from, to) = svc
                .week_of(day(svc, arg("week"), "week")?)
                .map_err(service_error)?;
            weekly_review(from, to)
        }
        "team_week" => {
            let (from, to) = svc
                .week_of(day(svc, arg("week"), "week")?)
                .map_err(service_error)?;
            team_week(from, to)
        }
        "month_end_invoicing" => {
            let client = client(svc)?.unwrap_or_default();
            let first = match arg("month").map(str::trim).filter(|m| !m.is_empty()) {
                Some(m) => parse_day(&format!("{m}-01")).ok_or_else(|| {
                    invalid(format!(
                        "month must look like 2026-10; got {:?}",
                        m.chars().take(40).collect::<String>()
                    ))
                })?,
                None => {
                    let today = day(svc, None, "month")?;
                    NaiveDate::from_ymd_opt(today.year(), today.month(), 1)
                        .and_then(|d| d.checked_sub_months(Months::new(1)))
                        .unwrap_or(today)
                }
            };
            let last = first
                .checked_add_months(Months::new(1))
                .and_then(|d| d.pred_opt())
                .unwrap_or(first);
            month_end_invoicing(&client, first, last)
        }
        _ => unbilled_work(client(svc)?.as_deref()),
    };
    Ok(
        GetPromptResult::new(vec![PromptMessage::new_text(Role::User, text)])
            .with_description(p.description),
    )
}

fn log_my_day(day: NaiveDate) -> String {
    let d = q(&day.to_string());
    format!(
        "Help me log my day, {day} ({weekday}), in stint. Work through these steps:\n\
         1. Call `get_settings` for my time zone and `list_running_timers` to see whether a timer still runs.\n\
         2. Call `list_tracks` with {{\"from\": {d}, \"to\": {d}}} for what is logged already, and `list_projects` and `list_tags` so you use names that exist.\n\
         3. Show me the day as a timeline from the first to the last track, with the gaps. Ask me what I did in each gap, one question at a time, suggesting the project of the tracks around it.\n\
         4. For each block I confirm, call `create_track` with start, end (or duration), project, description and tags. Fix wrong tracks with `update_track`; delete one only when I say so, with `delete_track`.\n\
         5. If a timer still runs and I have stopped, call `stop_timer` with the end I give you.\n\
         6. Finish with `time_summary` for {{\"from\": {d}, \"to\": {d}, \"group_by\": [\"project\"]}} and show me the totals.\n\
         Do not invent work: ask when unsure. Tracks on an invoice cannot be changed.",
        weekday = day.format("%A"),
    )
}

fn weekly_review(from: NaiveDate, to: NaiveDate) -> String {
    let (f, t) = (q(&from.to_string()), q(&to.to_string()));
    format!(
        "Let's review my week, {from} to {to}, in stint:\n\
         1. Call `time_summary` with {{\"from\": {f}, \"to\": {t}, \"group_by\": [\"day\", \"project\"]}} and show hours per day and project; point out days with little or no time and ask whether work is missing.\n\
         2. Call `list_tracks` with {{\"from\": {f}, \"to\": {t}}} and look for tracks without a project, tags or description; ask me how to fix them and apply my answers with `update_track`.\n\
         3. Call `top_projects` with {{\"from\": {f}, \"to\": {t}}} for where the time went, and `budget_status` for projects near or over budget.\n\
         4. Call `unbilled_summary` and tell me which clients have billable work waiting for an invoice.\n\
         5. End with three short observations about the week and ask whether to plan anything for next week.\n\
         Change tracks only after I agree."
    )
}

fn team_week(from: NaiveDate, to: NaiveDate) -> String {
    let (f, t) = (q(&from.to_string()), q(&to.to_string()));
    format!(
        "How is the team doing this week, {from} to {to}? In stint:\n\
         1. Call `utilization` with {{\"from\": {f}, \"to\": {t}}}: show each person's hours, billable hours, capacity and utilization, and the team's, as a table.\n\
         2. Call `time_summary` with {{\"from\": {f}, \"to\": {t}, \"group_by\": [\"person\", \"project\"]}} and say where each person's time went.\n\
         3. From the `utilization` answer, show billed, cost and margin per project and client (when they are shown: a token without --sensitive sees no costs), and name projects with a thin or negative margin.\n\
         4. Point out people far under or over their capacity, and days without time (ask; do not assume).\n\
         5. End with three short observations about the team's week.\n\
         Change nothing: this is a review."
    )
}

fn month_end_invoicing(client: &str, first: NaiveDate, last: NaiveDate) -> String {
    let (c, f, t) = (q(client), q(&first.to_string()), q(&last.to_string()));
    format!(
        "Prepare the invoice for {client} for {month} ({first} to {last}) in stint:\n\
         1. Call `get_client` with {{\"client\": {c}}} to check the billing details, rate and currency; tell me what is missing.\n\
         2. Call `unbilled_summary` with {{\"client\": {c}, \"from\": {f}, \"to\": {t}}} for the unbilled hours and amounts.\n\
         3. Call `list_tracks` with {{\"client\": {c}, \"from\": {f}, \"to\": {t}, \"billable\": true, \"invoiced\": false}} and check for vague descriptions, tracks without a project, or a running timer; ask me before changing anything with `update_track`.\n\
         4. Call `create_invoice` with {{\"client\": {c}, \"from\": {f}, \"to\": {t}, \"dry_run\": true}} and show me the lines and totals; its subtotal is the unbilled amount plus the unbilled expenses of step 2 (a track counts in the month it starts in); tell me if they differ. Ask me about grouping, tax rate, notes and due days.\n\
         5. When I approve, call `create_invoice` again without dry_run; adjust the draft with `update_invoice` if needed.\n\
         6. Only when I say it is ready to send, call `mark_invoice_sent` (it assigns the number and freezes the invoice), then `export_invoice_csv` for the CSV.\n\
         Never mark an invoice sent or paid without my explicit go-ahead.",
        month = first.format("%B %Y"),
    )
}

fn unbilled_work(client: Option<&str>) -> String {
    let (whose, args) = match client {
        Some(c) => (
            format!(" for {c}"),
            format!(" with {{\"client\": {}}}", q(c)),
        ),
        None => (String::new(), String::new()),
    };
    format!(
        "Show me the work I have not billed yet{whose}, in stint:\n\
         1. Call `unbilled_summary`{args} and show hours and amounts by client and project.\n\
         2. For each client with unbilled work, call `list_tracks` with {{\"client\": ..., \"billable\": true, \"invoiced\": false}} to see the dates it spans; flag tracks without a description.\n\
         3. Suggest which clients to invoice now and for which period, and offer to prepare those invoices: `create_invoice` with dry_run first.\n\
         Do not create invoices until I say so."
    )
}
