//! Resources: read-only views an assistant (or the person, through a client's resource
//! picker) can attach as context: the running timer, today's tracks, the settings, and by
//! template a week's report, a project and an invoice as CSV.
//!
//! Over HTTP every token may read them (scope `read`), and they show what the token may see:
//! an invoice CSV has the client's contact details redacted for tokens without `--sensitive`,
//! as the export tool does. JSON resources carry the same shapes as the matching tools.

use percent_encoding::percent_decode_str;
use rmcp::ErrorData;
use rmcp::model::{CacheScope, ReadResourceResult, Resource, ResourceContents, ResourceTemplate};
use serde::Serialize;

use super::completions::Completer;
use stint_api::dto::{ProjectResultOut, RunningTimersOut, SettingsOut, TrackOut, TrackPageOut};
use stint_api::dto_billing::SummaryOut;
use stint_service::{ListTracks, NameKind, Service, ServiceError, TimeSummary};

/// The running timers (JSON, as `list_running_timers`).
pub(crate) const RUNNING: &str = "stint://timers/running";
/// Today's tracks (JSON, as `list_tracks` for today; up to 500).
pub(crate) const TODAY: &str = "stint://tracks/today";
/// The settings (JSON, as `get_settings`).
pub(crate) const SETTINGS: &str = "stint://settings";
/// A week's report by day and project (JSON, as `time_summary`); `{date}` is any day of it.
pub(crate) const WEEK: &str = "stint://reports/week/{date}";
/// An invoice as RFC 4180 CSV; `{invoice}` is its id or number.
pub(crate) const INVOICE_CSV: &str = "stint://invoices/{invoice}.csv";
/// A project (JSON, as `get_project`); `{project}` is its id or exact name, percent-encoded.
pub(crate) const PROJECT: &str = "stint://projects/{project}";

const JSON: &str = "application/json";

/// The fixed resources for `resources/list`.
pub(crate) fn list() -> Vec<Resource> {
    vec![
        Resource::new(RUNNING, "running-timers")
            .with_title("Running timers")
            .with_description("The timers running now, with the time elapsed so far.")
            .with_mime_type(JSON),
        Resource::new(TODAY, "tracks-today")
            .with_title("Today's tracks")
            .with_description("Today's tracks (in the configured time zone), newest first.")
            .with_mime_type(JSON),
        Resource::new(SETTINGS, "settings")
            .with_title("Settings")
            .with_description(
                "Time zone, week start, currency, rates, rounding and invoicing settings.",
            )
            .with_mime_type(JSON),
    ]
}

/// The resource templates for `resources/templates/list`.
pub(crate) fn templates() -> Vec<ResourceTemplate> {
    vec![
        ResourceTemplate::new(WEEK, "week-report")
            .with_title("Week report")
            .with_description("Time per day and project in the week holding {date} (YYYY-MM-DD).")
            .with_mime_type(JSON),
        ResourceTemplate::new(INVOICE_CSV, "invoice-csv")
            .with_title("Invoice as CSV")
            .with_description(
                "An invoice (id or number) as CSV: one row per line, then subtotal, tax and total.",
            )
            .with_mime_type("text/csv"),
        ResourceTemplate::new(PROJECT, "project")
            .with_title("Project")
            .with_description("A project by id or exact name, with its client, rate and budget.")
            .with_mime_type(JSON),
    ]
}

/// What variable `var` of template `template` completes to.
///
/// # Errors
/// `-32602` for a template or variable stint does not have.
pub(crate) fn completer(template: &str, var: &str) -> Result<Option<Completer>, ErrorData> {
    let completer = match (template, var) {
        (WEEK, "date") => Completer::Day,
        (INVOICE_CSV, "invoice") => Completer::Names(NameKind::InvoiceNumber),
        (PROJECT, "project") => Completer::Names(NameKind::Project),
        _ => {
            return Err(ErrorData::invalid_params(
                format!(
                    "no resource template {template:?} with a variable {var:?}; the templates are \
                     {WEEK}, {INVOICE_CSV} and {PROJECT}"
                ),
                None,
            ));
        }
    };
    Ok(Some(completer))
}

fn not_found(uri: &str) -> ErrorData {
    ErrorData::resource_not_found(
        format!(
            "no resource {:?}; read {RUNNING}, {TODAY} or {SETTINGS}, or fill in {WEEK}, \
             {INVOICE_CSV} or {PROJECT}",
            uri.chars().take(200).collect::<String>()
        ),
        None,
    )
}

fn service_error(e: ServiceError) -> ErrorData {
    match e {
        ServiceError::NotFound(m) => ErrorData::resource_not_found(m.to_string(), None),
        ServiceError::Store(inner) => {
            tracing::warn!(error = %inner, "store error reading a resource");
            ErrorData::internal_error(inner.to_string(), None)
        }
        other => ErrorData::invalid_params(other.to_string(), None),
    }
}

/// A read result that no client or intermediary keeps: the data changes with every start, stop
/// and edit, and what a token sees depends on the token (SEP-2549 `ttlMs` 0, scope private).
fn fresh(contents: ResourceContents) -> ReadResourceResult {
    let mut result = ReadResourceResult::new(vec![contents]);
    result.ttl_ms = Some(0);
    result.cache_scope = Some(CacheScope::Private);
    result
}

fn json(uri: &str, value: &impl Serialize) -> Result<ReadResourceResult, ErrorData> {
    let text =
        serde_json::to_string(value).map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
    Ok(fresh(
        ResourceContents::text(text, uri).with_mime_type(JSON),
    ))
}

/// The one variable of `uri` after `prefix` (and before `suffix`), percent-decoded; `None`
/// when `uri` is not of that form or the variable is empty or holds a `/`.
fn variable(uri: &str, prefix: &str, suffix: &str) -> Option<String> {
    let raw = uri.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if raw.is_empty() || raw.contains('/') {
        return None;
    }
    let decoded = percent_decode_str(raw).decode_utf8().ok()?;
    let decoded = decoded.trim();
    (!decoded.is_empty()).then(|| decoded.to_owned())
}

/// Reads resource `uri` for the caller `svc` acts for.
///
/// # Errors
/// `-32002` for an unknown URI or a project or invoice that does not exist; `-32602` for a
/// malformed date.
pub(crate) fn read(svc: &Service, uri: &str) -> Result<ReadResourceResult, ErrorData> {
    let now = svc.now();
    match uri {
        RUNNING => {
            let timers = svc.list_running_timers().map_err(service_error)?;
            return json(
                uri,
                &RunningTimersOut {
                    count: timers.len(),
                    timers: timers.iter().map(|t| TrackOut::new(t, now)).collect(),
                },
            );
        }
        TODAY => {
            let today = svc.today().map_err(service_error)?.to_string();
            let page = svc
                .list_tracks(ListTracks {
                    from: Some(today.clone()),
                    to: Some(today),
                    limit: Some(500),
                    ..Default::default()
                })
                .map_err(service_error)?;
            return json(
                uri,
                &TrackPageOut {
                    tracks: page.items.iter().map(|t| TrackOut::new(t, now)).collect(),
                    next_cursor: page.next_cursor,
                },
            );
        }
        SETTINGS => {
            let v = svc.get_settings().map_err(service_error)?;
            return json(uri, &SettingsOut::from(&v));
        }
        _ => {}
    }
    if let Some(date) = variable(uri, "stint://reports/week/", "") {
        let day = super::prompts::parse_day(&date).ok_or_else(|| {
            ErrorData::invalid_params(
                format!(
                    "the week report needs a date such as stint://reports/week/2026-11-20; got {:?}",
                    date.chars().take(40).collect::<String>()
                ),
                None,
            )
        })?;
        let (from, to) = svc.week_of(day).map_err(service_error)?;
        let summary = svc
            .time_summary(TimeSummary {
                from: from.to_string(),
                to: to.to_string(),
                group_by: vec!["day".into(), "project".into()],
                ..Default::default()
            })
            .map_err(service_error)?;
        return json(uri, &SummaryOut::from(&summary));
    }
    if let Some(invoice) = variable(uri, "stint://invoices/", ".csv") {
        let (_, csv) = svc.export_invoice_csv(&invoice).map_err(service_error)?;
        return Ok(fresh(
            ResourceContents::text(csv, uri).with_mime_type("text/csv"),
        ));
    }
    if let Some(project) = variable(uri, "stint://projects/", "") {
        let p = svc.get_project(&project).map_err(service_error)?;
        return json(
            uri,
            &ProjectResultOut {
                project: (&p).into(),
            },
        );
    }
    Err(not_found(uri))
}
