//! Tool inputs and outputs: the JSON shapes of the MCP contract, with their schemas.
//!
//! Only this layer knows serde and schemars; it converts to service requests and from domain
//! records. Conventions: instants are RFC 3339 strings (a track's in the zone it was recorded in,
//! audit times in UTC), durations are `*_seconds` integers plus an `h:mm` text, money is a decimal
//! string in major units (`"120.50"`). Absent optional output fields mean "none".

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::{Deserialize, Deserializer, Serialize};

use stint_domain::entities::{Client, Project, Tag, Track};
use stint_domain::time::format_hmm;
use stint_domain::track::elapsed_seconds;
use stint_service::{self as service, Deleted, SettingsView, TagWithUsage};

/// Removes `null` from type unions and `anyOf` branches: an optional field is left out, never
/// sent as `null`, and single-type schemas are the most portable across clients.
pub(crate) fn no_null(schema: &mut Schema) {
    fn walk(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Array(types)) = map.get_mut("type") {
                    types.retain(|t| t != "null");
                    if types.len() == 1 {
                        let only = types.remove(0);
                        map.insert("type".to_owned(), only);
                    }
                }
                if let Some(serde_json::Value::Array(branches)) = map.get_mut("anyOf") {
                    branches.retain(|b| b.get("type").is_none_or(|t| t != "null"));
                    if branches.len() == 1 {
                        let only = branches.remove(0);
                        map.remove("anyOf");
                        if let serde_json::Value::Object(inner) = only {
                            for (k, val) in inner {
                                map.entry(k).or_insert(val);
                            }
                        }
                    }
                }
                if map.get("default").is_some_and(serde_json::Value::is_null) {
                    map.remove("default");
                }
                for (_, child) in map.iter_mut() {
                    walk(child);
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if let Some(map) = schema.as_object_mut() {
        let mut v = serde_json::Value::Object(std::mem::take(map));
        walk(&mut v);
        if let serde_json::Value::Object(m) = v {
            *map = m;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Lenient scalar inputs: agents send numbers as strings and ids as numbers; accept both.

/// A decimal amount given as a JSON number or string (`120`, `"95.50"`).
#[derive(Debug, Clone, PartialEq)]
pub struct DecimalArg(pub String);

impl<'de> Deserialize<'de> for DecimalArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(DecimalArg(s)),
            serde_json::Value::Number(n) => Ok(DecimalArg(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected a decimal number or a string such as \"95.50\", got {}",
                stint_domain::limits::echo(&other.to_string())
            ))),
        }
    }
}

impl JsonSchema for DecimalArg {
    fn schema_name() -> Cow<'static, str> {
        "DecimalArg".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "anyOf": [
                { "type": "number", "minimum": 0 },
                { "type": "string", "pattern": "^\\s*\\d*(\\.\\d+)?\\s*$" }
            ]
        })
    }
}

/// An id or a name: a JSON string, or a number taken as an id.
#[derive(Debug, Clone, PartialEq)]
pub struct RefArg(pub String);

impl<'de> Deserialize<'de> for RefArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(RefArg(s)),
            serde_json::Value::Number(n) => Ok(RefArg(n.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "expected an id or an exact name, got {}",
                stint_domain::limits::echo(&other.to_string())
            ))),
        }
    }
}

impl JsonSchema for RefArg {
    fn schema_name() -> Cow<'static, str> {
        "RefArg".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "anyOf": [ { "type": "string", "minLength": 1 }, { "type": "integer", "minimum": 1 } ] })
    }
}

/// A row id given as a JSON integer or a string of digits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IdArg(pub i64);

impl<'de> Deserialize<'de> for IdArg {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = serde_json::Value::deserialize(d)?;
        let id = match &v {
            serde_json::Value::Number(n) => n.as_i64(),
            serde_json::Value::String(s) => s.trim().trim_start_matches('#').parse().ok(),
            _ => None,
        };
        id.map(IdArg).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "expected an integer id such as 12, got {}",
                stint_domain::limits::echo(&v.to_string())
            ))
        })
    }
}

impl JsonSchema for IdArg {
    fn schema_name() -> Cow<'static, str> {
        "IdArg".into()
    }
    fn inline_schema() -> bool {
        true
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "integer", "minimum": 1 })
    }
}

fn refs(v: Option<Vec<RefArg>>) -> Vec<String> {
    v.unwrap_or_default().into_iter().map(|r| r.0).collect()
}

// ---------------------------------------------------------------------------------------------
// Inputs

/// Arguments of `start_timer`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct StartTimerArgs {
    /// What you are working on.
    pub description: Option<String>,
    /// Project id or exact name (case-insensitive).
    pub project: Option<RefArg>,
    /// Tag ids or names; each must exist.
    pub tags: Option<Vec<RefArg>>,
    /// Default: the task's, else the project's.
    pub billable: Option<bool>,
    /// Local time: "2026-11-20 09:00", "9am", "yesterday 5pm", "monday 13:00", "15 min ago",
    /// RFC 3339 or "now" (default).
    pub start: Option<String>,
    /// Id or name.
    pub task: Option<RefArg>,
    /// The project's client, when names repeat.
    pub client: Option<RefArg>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl From<StartTimerArgs> for service::StartTimer {
    fn from(a: StartTimerArgs) -> Self {
        service::StartTimer {
            description: a.description,
            project: a.project.map(|r| r.0),
            tags: refs(a.tags),
            billable: a.billable,
            start: a.start,
            task: a.task.map(|r| r.0),
            client: a.client.map(|r| r.0),
        }
    }
}

/// Arguments of `continue_timer`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ContinueTimerArgs {
    /// Track to copy.
    pub track_id: Option<IdArg>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl TimerStartedOut {
    /// The answer of start_timer (`continued_from` `None`) or continue_timer, with a note
    /// naming any replaced timer; running times count up to `now`.
    pub fn new(
        r: &service::TimerStarted,
        continued_from: Option<i64>,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Self {
        let note = (!r.replaced.is_empty()).then(|| {
            let ids: Vec<String> = r.replaced.iter().map(|t| t.id.to_string()).collect();
            format!(
                "replaced timer {} (started this same second) instead of stopping it at zero \
                 seconds",
                ids.join(", ")
            )
        });
        TimerStartedOut {
            track: TrackOut::new(&r.track, now),
            stopped: r.stopped.iter().map(|t| TrackOut::new(t, now)).collect(),
            replaced: r.replaced.iter().map(|t| TrackOut::new(t, now)).collect(),
            continued_from,
            note,
            overlaps: r.overlaps.iter().map(|t| t.0).collect(),
            overlap_count: r.overlap_count,
        }
    }
}

/// Arguments of `stop_timer`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct StopTimerArgs {
    /// Id of the timer to stop; may be left out when exactly one timer runs.
    pub track_id: Option<IdArg>,
    /// Default now; a bare time is the first after the start.
    pub end: Option<String>,
}

/// Arguments of `create_track`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateTrackArgs {
    /// What was done.
    pub description: Option<String>,
    /// Project id or exact name (case-insensitive).
    pub project: Option<RefArg>,
    /// Tag ids or names; each must exist.
    pub tags: Option<Vec<RefArg>>,
    /// Default: the task's, else the project's.
    pub billable: Option<bool>,
    /// As start_timer's. Send two of start, end, duration.
    pub start: Option<String>,
    /// A bare time is the first after start.
    pub end: Option<String>,
    /// How long: "1h30m", "45min", "1 hour", "1.5h", "01:30".
    pub duration: Option<String>,
    /// Hourly rate of this track only (major units).
    pub hourly_rate: Option<DecimalArg>,
    /// Id or name.
    pub task: Option<RefArg>,
    /// The project's client, when names repeat.
    pub client: Option<RefArg>,
    /// Record even an exact repeat.
    pub allow_duplicate: Option<bool>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl From<CreateTrackArgs> for service::NewTrack {
    fn from(a: CreateTrackArgs) -> Self {
        service::NewTrack {
            description: a.description,
            project: a.project.map(|r| r.0),
            tags: refs(a.tags),
            billable: a.billable,
            start: a.start.unwrap_or_default(),
            end: a.end,
            duration: a.duration,
            hourly_rate: a.hourly_rate.map(|d| d.0),
            task: a.task.map(|r| r.0),
            client: a.client.map(|r| r.0),
            allow_duplicate: a.allow_duplicate.unwrap_or(false),
        }
    }
}

/// Arguments of `list_tracks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListTracksArgs {
    /// A date (whole day), a date-time, or a period ("last week"; alone, all of it).
    pub from: Option<String>,
    /// End of the range: a date (included) or a date-time (excluded).
    pub to: Option<String>,
    /// Only this project (id or exact name).
    pub project: Option<RefArg>,
    /// Only tracks of this client's projects (id or exact name).
    pub client: Option<RefArg>,
    /// Only tracks with this tag (id or exact name).
    pub tag: Option<RefArg>,
    /// Only this task.
    pub task: Option<RefArg>,
    /// Only billable (true) or non-billable (false) tracks.
    pub billable: Option<bool>,
    /// Only tracks already on an invoice (true) or not yet invoiced (false).
    pub invoiced: Option<bool>,
    /// Only running timers (true) or finished tracks (false).
    pub running: Option<bool>,
    /// Only tracks whose description contains this text.
    pub search: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
    /// Only this person's: name, id, "me" or "owner".
    pub person: Option<String>,
}

impl From<ListTracksArgs> for service::ListTracks {
    fn from(a: ListTracksArgs) -> Self {
        service::ListTracks {
            from: a.from,
            to: a.to,
            project: a.project.map(|r| r.0),
            client: a.client.map(|r| r.0),
            tag: a.tag.map(|r| r.0),
            billable: a.billable,
            invoiced: a.invoiced,
            running: a.running,
            search: a.search,
            limit: a.limit,
            cursor: a.cursor,
            task: a.task.map(|r| r.0),
            person: a.person,
        }
    }
}

/// Arguments naming one track.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TrackIdArgs {
    /// Id of the track.
    pub track_id: IdArg,
}

/// Arguments of `update_track`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateTrackArgs {
    /// Id of the track to change.
    pub track_id: IdArg,
    /// New description.
    pub description: Option<String>,
    /// New project (id or exact name); "" removes the project.
    pub project: Option<RefArg>,
    /// New tags, replacing the old ones; [] removes all tags.
    pub tags: Option<Vec<RefArg>>,
    /// New billable flag.
    pub billable: Option<bool>,
    /// New start (same forms as create_track).
    pub start: Option<String>,
    /// New end (stops a running timer).
    pub end: Option<String>,
    /// New duration, setting the end to start + duration.
    pub duration: Option<String>,
    /// New hourly rate override (major units); "" removes the override.
    pub hourly_rate: Option<DecimalArg>,
    /// "" removes it.
    pub task: Option<RefArg>,
    /// The project's client, when names repeat.
    pub client: Option<RefArg>,
}

impl UpdateTrackArgs {
    pub fn into_parts(self) -> (i64, service::TrackChanges) {
        (
            self.track_id.0,
            service::TrackChanges {
                description: self.description,
                project: self.project.map(|r| r.0),
                tags: self.tags.map(|t| t.into_iter().map(|r| r.0).collect()),
                billable: self.billable,
                start: self.start,
                end: self.end,
                duration: self.duration,
                hourly_rate: self.hourly_rate.map(|d| d.0),
                task: self.task.map(|r| r.0),
                client: self.client.map(|r| r.0),
            },
        )
    }
}

/// Arguments of `create_project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateProjectArgs {
    /// Project name, unique per client.
    pub name: String,
    /// Client id or exact name.
    pub client: Option<RefArg>,
    /// Hex color such as "#3b82f6".
    pub color: Option<String>,
    /// Hourly rate (major units); else the client's, else the default.
    pub hourly_rate: Option<DecimalArg>,
    /// ISO 4217 code; else the client's, else the default.
    pub currency: Option<String>,
    /// Whether new tracks on this project are billable (default true).
    pub billable_by_default: Option<bool>,
    /// Hours budget: a number of hours (40, 37.5).
    pub budget_hours: Option<DecimalArg>,
    /// Money budget in major units of the project's currency.
    pub budget_amount: Option<DecimalArg>,
    /// "total" (default) or "monthly" (calendar months).
    pub budget_period: Option<String>,
    /// Percent of the budget at which its status turns to alert (default 80).
    pub budget_alert_percent: Option<u32>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl From<CreateProjectArgs> for service::NewProject {
    fn from(a: CreateProjectArgs) -> Self {
        service::NewProject {
            name: a.name,
            client: a.client.map(|r| r.0),
            color: a.color,
            hourly_rate: a.hourly_rate.map(|d| d.0),
            currency: a.currency,
            billable_by_default: a.billable_by_default,
            budget_hours: a.budget_hours.map(|d| d.0),
            budget_amount: a.budget_amount.map(|d| d.0),
            budget_period: a.budget_period,
            budget_alert_percent: a.budget_alert_percent,
        }
    }
}

/// Arguments of `list_projects`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListProjectsArgs {
    /// Only projects of this client (id or exact name).
    pub client: Option<RefArg>,
    /// Include archived projects (default false).
    pub include_archived: Option<bool>,
    /// Only projects whose name contains this text.
    pub search: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

/// Arguments naming one project.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRefArgs {
    /// Project id or exact name (case-insensitive).
    pub project: RefArg,
}

/// Arguments of `update_project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateProjectArgs {
    /// Project id or exact name of the project to change.
    pub project: RefArg,
    /// New name.
    pub name: Option<String>,
    /// New client (id or exact name); "" removes the client.
    pub client: Option<RefArg>,
    /// New hex color; "" removes it.
    pub color: Option<String>,
    /// New hourly rate; "" removes it (falls back to client, then default).
    pub hourly_rate: Option<DecimalArg>,
    /// New ISO 4217 currency; "" removes it.
    pub currency: Option<String>,
    /// Whether new tracks on this project are billable.
    pub billable_by_default: Option<bool>,
    /// New hours budget; "" removes it.
    pub budget_hours: Option<DecimalArg>,
    /// New money budget; "" removes it.
    pub budget_amount: Option<DecimalArg>,
    /// "total" or "monthly".
    pub budget_period: Option<String>,
    /// Alert threshold in percent.
    pub budget_alert_percent: Option<u32>,
    /// Archive (true) or restore (false) the project.
    pub archived: Option<bool>,
}

impl UpdateProjectArgs {
    pub fn into_parts(self) -> (String, service::ProjectChanges) {
        (
            self.project.0,
            service::ProjectChanges {
                name: self.name,
                client: self.client.map(|r| r.0),
                color: self.color,
                hourly_rate: self.hourly_rate.map(|d| d.0),
                currency: self.currency,
                billable_by_default: self.billable_by_default,
                budget_hours: self.budget_hours.map(|d| d.0),
                budget_amount: self.budget_amount.map(|d| d.0),
                budget_period: self.budget_period,
                budget_alert_percent: self.budget_alert_percent,
                archived: self.archived,
            },
        )
    }
}

/// Arguments of `delete_project`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct DeleteProjectArgs {
    /// Project id or exact name.
    pub project: RefArg,
    /// Archive instead (keeps its tracks); needed when it has tracks.
    pub archive: Option<bool>,
}

/// Arguments of `create_client`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateClientArgs {
    /// Client name, unique.
    pub name: String,
    /// Billing email.
    pub email: Option<String>,
    /// Phone number.
    pub phone: Option<String>,
    /// Postal address, lines separated by newlines.
    pub address: Option<String>,
    /// VAT or tax id, shown on invoices.
    pub tax_id: Option<String>,
    /// Free-form notes.
    pub notes: Option<String>,
    /// Hourly rate in major units; used when a project has none.
    pub hourly_rate: Option<DecimalArg>,
    /// ISO 4217 code such as "EUR"; used when a project has none.
    pub currency: Option<String>,
    /// Its invoices' default tax %.
    pub tax_rate_percent: Option<DecimalArg>,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

impl From<CreateClientArgs> for service::NewClient {
    fn from(a: CreateClientArgs) -> Self {
        service::NewClient {
            name: a.name,
            email: a.email,
            phone: a.phone,
            address: a.address,
            tax_id: a.tax_id,
            notes: a.notes,
            hourly_rate: a.hourly_rate.map(|d| d.0),
            currency: a.currency,
            tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
        }
    }
}

/// Arguments of `list_clients`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListClientsArgs {
    /// Include archived clients (default false).
    pub include_archived: Option<bool>,
    /// Only clients whose name contains this text.
    pub search: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

/// Arguments naming one client.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientRefArgs {
    /// Client id or exact name (case-insensitive).
    pub client: RefArg,
}

/// Arguments of `update_client`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateClientArgs {
    /// Client id or exact name.
    pub client: RefArg,
    /// New name.
    pub name: Option<String>,
    /// New email; "" removes it.
    pub email: Option<String>,
    /// New phone; "" removes it.
    pub phone: Option<String>,
    /// New postal address; "" removes it.
    pub address: Option<String>,
    /// New tax id; "" removes it.
    pub tax_id: Option<String>,
    /// New notes; "" removes them.
    pub notes: Option<String>,
    /// New hourly rate; "" removes it.
    pub hourly_rate: Option<DecimalArg>,
    /// New ISO 4217 currency; "" removes it.
    pub currency: Option<String>,
    /// Archive (true) or restore (false) the client.
    pub archived: Option<bool>,
    /// Default tax %; "" removes.
    pub tax_rate_percent: Option<DecimalArg>,
}

impl UpdateClientArgs {
    pub fn into_parts(self) -> (String, service::ClientChanges) {
        (
            self.client.0,
            service::ClientChanges {
                name: self.name,
                email: self.email,
                phone: self.phone,
                address: self.address,
                tax_id: self.tax_id,
                notes: self.notes,
                hourly_rate: self.hourly_rate.map(|d| d.0),
                currency: self.currency,
                archived: self.archived,
                tax_rate_percent: self.tax_rate_percent.map(|d| d.0),
            },
        )
    }
}

/// Arguments of `delete_client`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct DeleteClientArgs {
    /// Client id or exact name.
    pub client: RefArg,
    /// Archive instead of deleting; needed when the client has tracks or issued invoices.
    pub archive: Option<bool>,
}

/// Arguments of `create_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateTagArgs {
    /// Tag name, unique ignoring case, e.g. "meeting".
    pub name: String,
    /// Retry key: a repeat within 24 h replays the answer.
    pub request_id: Option<String>,
}

/// Arguments of `list_tags`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListTagsArgs {
    /// Only tags whose name contains this text.
    pub search: Option<String>,
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

/// Arguments of `update_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateTagArgs {
    /// Tag id or exact name of the tag to rename.
    pub tag: RefArg,
    /// New name.
    pub name: String,
}

/// Arguments of `delete_tag`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct DeleteTagArgs {
    /// Tag id or exact name.
    pub tag: RefArg,
    /// Also remove it from its tracks; needed when in use.
    pub force: Option<bool>,
}

/// The `rounding` part of `update_settings`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct RoundingArgs {
    /// "none", "up", "down" or "nearest" (a tie rounds up).
    pub mode: Option<String>,
    /// Rounding increment in minutes: 1, 5, 6, 10, 12, 15, 30 or 60.
    pub increment_minutes: Option<u32>,
    /// "entry" (each track rounded, then summed) or "total" (sum, then round).
    pub scope: Option<String>,
}

/// Arguments of `update_settings`; every field is optional and left as it is when absent.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateSettingsArgs {
    /// IANA zone ("Europe/Berlin"); "" uses the system's.
    pub timezone: Option<String>,
    /// monday, sunday or saturday.
    pub week_start: Option<String>,
    /// ISO 4217 code when project and client have none.
    pub default_currency: Option<String>,
    /// Rate when nothing else sets one.
    pub default_hourly_rate: Option<DecimalArg>,
    /// How durations are rounded in reports and new invoices.
    pub rounding: Option<RoundingArgs>,
    /// With {SEQ} or {SEQ:4} once; may use {YYYY}, {YY}, {MM}.
    pub invoice_number_format: Option<String>,
    /// Days from issue to due date (0 to 365).
    pub invoice_due_days: Option<u32>,
    /// Let several timers run at once.
    pub allow_concurrent_timers: Option<bool>,
    /// Seller name; "" removes it.
    pub business_name: Option<String>,
    /// Seller address; "" removes it.
    pub business_address: Option<String>,
    /// Your tax/VAT id.
    pub business_tax_id: Option<String>,
    /// Bank details (IBAN...).
    pub payment_details: Option<String>,
    /// Notes of new invoices.
    pub invoice_default_notes: Option<String>,
    /// "a4" or "letter".
    pub paper_size: Option<String>,
    /// Tax % when invoice and client give none.
    pub default_tax_rate_percent: Option<DecimalArg>,
}

impl From<UpdateSettingsArgs> for service::SettingsChanges {
    fn from(a: UpdateSettingsArgs) -> Self {
        service::SettingsChanges {
            timezone: a.timezone,
            week_start: a.week_start,
            default_currency: a.default_currency,
            default_hourly_rate: a.default_hourly_rate.map(|d| d.0),
            rounding: a.rounding.map(|r| service::RoundingChanges {
                mode: r.mode,
                increment_minutes: r.increment_minutes,
                scope: r.scope,
            }),
            invoice_number_format: a.invoice_number_format,
            invoice_due_days: a.invoice_due_days,
            allow_concurrent_timers: a.allow_concurrent_timers,
            business_name: a.business_name,
            business_address: a.business_address,
            business_tax_id: a.business_tax_id,
            payment_details: a.payment_details,
            invoice_default_notes: a.invoice_default_notes,
            paper_size: a.paper_size,
            default_tax_rate_percent: a.default_tax_rate_percent.map(|d| d.0),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Outputs

fn utc_text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

fn local_text(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// A track (or running timer).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TrackOut {
    pub id: i64,
    pub description: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// Project name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// Client name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// Tag names, sorted.
    pub tags: Vec<String>,
    pub billable: bool,
    /// Start, RFC 3339 in the zone the track was recorded in.
    pub start: String,
    /// End, RFC 3339; absent while the timer runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    /// True while the timer runs; its duration then counts up to now.
    pub running: bool,
    /// Length in seconds (up to now while running).
    pub duration_seconds: i64,
    /// Length as h:mm.
    pub duration: String,
    /// IANA zone the track was recorded in.
    pub timezone: String,
    /// Hourly rate override for this track (major units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<Decimal>,
    /// Invoice the track is billed on; a billed track cannot be edited or deleted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<i64>,
    /// UTC.
    pub created_at: String,
    /// UTC.
    pub updated_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task_id: Option<i64>,
    /// Task name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub task: Option<String>,
    /// A draft: counted in no total until approved (approve_drafts).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub draft: bool,
    /// For a draft holding back an edit: the approved track it changes.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub draft_of: Option<i64>,
    /// Whose track (absent: the owner's).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
}

impl TrackOut {
    /// Converts a track, counting a running timer up to `now`.
    pub fn new(t: &Track, now: DateTime<Utc>) -> TrackOut {
        let tz: Tz = t.timezone.parse().unwrap_or(Tz::UTC);
        let secs = elapsed_seconds(t.start, t.end, now);
        TrackOut {
            id: t.id.0,
            description: t.description.clone(),
            project_id: t.project_id.map(|p| p.0),
            project: t.project_name.clone(),
            client_id: t.client_id.map(|c| c.0),
            client: t.client_name.clone(),
            tags: t.tags.iter().map(|(_, n)| n.clone()).collect(),
            billable: t.billable,
            start: local_text(t.start, tz),
            end: t.end.map(|e| local_text(e, tz)),
            running: t.is_running(),
            duration_seconds: secs,
            duration: format_hmm(secs),
            timezone: t.timezone.clone(),
            hourly_rate: t.hourly_rate,
            invoice_id: t.invoice_id.map(|i| i.0),
            created_at: utc_text(t.created_at),
            updated_at: utc_text(t.updated_at),
            task_id: t.task_id.map(|k| k.0),
            task: t.task_name.clone(),
            draft: t.draft,
            draft_of: t.draft_of.map(|d| d.0),
            person: t.person_name.clone(),
        }
    }
}

/// Result of `start_timer`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TimerStartedOut {
    /// The new running timer.
    pub track: TrackOut,
    /// Timers that were running and were stopped at the new timer's start.
    pub stopped: Vec<TrackOut>,
    /// Timers started in the same second, deleted instead of stopped at zero seconds.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub replaced: Vec<TrackOut>,
    /// continue_timer: the id of the track continued.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) continued_from: Option<i64>,
    /// What happened besides starting, for the person (e.g. a replaced timer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Ids of the first 20 other tracks whose time overlaps the new timer, by start (allowed,
    /// but worth a look).
    pub overlaps: Vec<i64>,
    /// How many tracks overlap in all (`overlaps` lists at most 20).
    pub overlap_count: i64,
}

/// A written track and the ids of tracks it overlaps.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TrackWrittenOut {
    pub track: TrackOut,
    /// Ids of the first 20 other tracks whose time overlaps this one, by start (allowed, but
    /// worth a look).
    pub overlaps: Vec<i64>,
    /// How many tracks overlap in all (`overlaps` lists at most 20).
    pub overlap_count: i64,
    /// Longer than 12 hours from phrases: check the track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl TrackWrittenOut {
    /// The answer of `create_track` or `update_track` for `w` at `now`.
    pub fn new(w: &service::TrackWritten, now: DateTime<Utc>) -> Self {
        TrackWrittenOut {
            track: TrackOut::new(&w.track, now),
            overlaps: w.overlaps.iter().map(|t| t.0).collect(),
            overlap_count: w.overlap_count,
            warning: w.warning.as_ref().map(ToString::to_string),
        }
    }
}

/// The answer of `stop_timer`: the track written (or the timer discarded) and the ids of
/// tracks it overlaps.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TimerStoppedOut {
    pub track: TrackOut,
    /// Ids of the first 20 other tracks whose time overlaps this one, by start.
    pub overlaps: Vec<i64>,
    /// How many tracks overlap in all (`overlaps` lists at most 20).
    pub overlap_count: i64,
    /// True when the timer ran less than a second and was discarded instead of recorded
    /// (`track` is the timer as it was); undo_change brings it back.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub discarded: bool,
    /// What happened besides the stop, for the person (a discarded timer).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Longer than 12 hours from phrases: check the track.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

impl TimerStoppedOut {
    /// The answer of `stop_timer` for `w` at `now`.
    pub fn new(w: &service::TrackWritten, now: DateTime<Utc>) -> Self {
        TimerStoppedOut {
            track: TrackOut::new(&w.track, now),
            overlaps: w.overlaps.iter().map(|t| t.0).collect(),
            overlap_count: w.overlap_count,
            discarded: w.discarded,
            note: w.discarded.then(|| {
                format!(
                    "discarded timer {}: it ran less than a second, so it was not recorded; \
                     undo_change brings it back",
                    w.track.id
                )
            }),
            warning: w.warning.as_ref().map(ToString::to_string),
        }
    }
}

/// One track.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackResultOut {
    pub track: TrackOut,
}

/// Result of `delete_track`: the track as it was.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TrackDeletedOut {
    pub deleted: TrackOut,
}

/// Running timers.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RunningTimersOut {
    /// Oldest first; durations count up to now.
    pub timers: Vec<TrackOut>,
    pub count: usize,
}

/// A page of tracks, newest first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TrackPageOut {
    pub tracks: Vec<TrackOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A project.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ProjectOut {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_id: Option<i64>,
    /// Client name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Hourly rate (major units); absent means the client's or the default applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<Decimal>,
    /// ISO 4217; absent means the client's or the default applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub billable_by_default: bool,
    /// Hours budget, as decimal hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_hours: Option<Decimal>,
    /// Money budget (major units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub budget_amount: Option<Decimal>,
    /// "total" or "monthly".
    pub budget_period: String,
    pub budget_alert_percent: u32,
    pub archived: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Project> for ProjectOut {
    fn from(p: &Project) -> Self {
        ProjectOut {
            id: p.id.0,
            name: p.name.clone(),
            client_id: p.client_id.map(|c| c.0),
            client: p.client_name.clone(),
            color: p.color.clone(),
            hourly_rate: p.hourly_rate,
            currency: p.currency.map(|c| c.code().to_owned()),
            billable_by_default: p.billable_by_default,
            budget_hours: p.budget.seconds.map(|s| {
                (Decimal::from(s) / Decimal::from(3600))
                    .round_dp(2)
                    .normalize()
            }),
            budget_amount: p.budget.amount,
            budget_period: p.budget.period.as_str().to_owned(),
            budget_alert_percent: p.budget.alert_percent,
            archived: p.archived,
            created_at: utc_text(p.created_at),
            updated_at: utc_text(p.updated_at),
        }
    }
}

/// One project.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ProjectResultOut {
    pub project: ProjectOut,
}

/// A page of projects, by name.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ProjectPageOut {
    pub projects: Vec<ProjectOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A client. Contact fields and notes may read `"[redacted]"` for tokens without the sensitive
/// scope.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ClientOut {
    pub id: i64,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Hourly rate (major units).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<Decimal>,
    /// ISO 4217.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    pub archived: bool,
    pub created_at: String,
    pub updated_at: String,
    /// Tax rate in percent of its invoices when create_invoice gives none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tax_rate_percent: Option<Decimal>,
}

impl From<&Client> for ClientOut {
    fn from(c: &Client) -> Self {
        ClientOut {
            id: c.id.0,
            name: c.name.clone(),
            email: c.email.clone(),
            phone: c.phone.clone(),
            address: c.address.clone(),
            tax_id: c.tax_id.clone(),
            notes: c.notes.clone(),
            hourly_rate: c.hourly_rate,
            currency: c.currency.map(|c| c.code().to_owned()),
            archived: c.archived,
            created_at: utc_text(c.created_at),
            updated_at: utc_text(c.updated_at),
            tax_rate_percent: c.tax_rate_percent.map(|t| t.normalize()),
        }
    }
}

/// One client.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ClientResultOut {
    pub client: ClientOut,
}

/// A page of clients, by name.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ClientPageOut {
    pub clients: Vec<ClientOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// A tag.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TagOut {
    pub id: i64,
    pub name: String,
    /// Number of tracks carrying the tag (in lists).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub track_count: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Tag> for TagOut {
    fn from(t: &Tag) -> Self {
        TagOut {
            id: t.id.0,
            name: t.name.clone(),
            track_count: None,
            created_at: utc_text(t.created_at),
            updated_at: utc_text(t.updated_at),
        }
    }
}

impl From<&TagWithUsage> for TagOut {
    fn from(t: &TagWithUsage) -> Self {
        TagOut {
            track_count: Some(t.track_count),
            ..TagOut::from(&t.tag)
        }
    }
}

/// One tag.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TagResultOut {
    pub tag: TagOut,
}

/// A page of tags, by name.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TagPageOut {
    pub tags: Vec<TagOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Result of a delete (or archive).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct DeletedOut {
    pub id: i64,
    pub name: String,
    /// "deleted" or "archived".
    pub action: String,
    /// Side effects worth knowing.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl From<Deleted> for DeletedOut {
    fn from(d: Deleted) -> Self {
        DeletedOut {
            id: d.id,
            name: d.name,
            action: d.action.to_owned(),
            note: d.note.map(|m| m.to_string()),
        }
    }
}

/// The rounding setting.
#[derive(Debug, Serialize, JsonSchema)]
pub struct RoundingOut {
    /// none | up | down | nearest.
    pub mode: String,
    /// 1, 5, 6, 10, 12, 15, 30 or 60.
    pub increment_minutes: u32,
    /// entry | total.
    pub scope: String,
}

/// All settings, defaults filled in.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct SettingsOut {
    /// The zone in effect for local times and days.
    pub timezone: String,
    /// True when `timezone` comes from the system because none is set.
    pub(crate) timezone_is_system: bool,
    /// The current local time in `timezone`, RFC 3339 with its offset.
    pub(crate) local_time: String,
    pub week_start: String,
    pub default_currency: String,
    pub default_hourly_rate: Decimal,
    pub rounding: RoundingOut,
    pub invoice_number_format: String,
    pub invoice_due_days: u32,
    pub allow_concurrent_timers: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub business_tax_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment_details: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_default_notes: Option<String>,
    pub paper_size: String,
    /// Tax rate in percent of invoices whose call and client give none (0: none set).
    pub default_tax_rate_percent: Decimal,
}

impl From<&SettingsView> for SettingsOut {
    fn from(v: &SettingsView) -> Self {
        let s = &v.settings;
        SettingsOut {
            timezone: v.effective_timezone.name().to_owned(),
            timezone_is_system: s.timezone.is_none(),
            local_time: stint_domain::time::show_instant(v.now, v.effective_timezone),
            week_start: s.week_start.as_str().to_owned(),
            default_currency: s.default_currency.code().to_owned(),
            default_hourly_rate: s.default_hourly_rate,
            rounding: RoundingOut {
                mode: s.rounding.mode.as_str().to_owned(),
                increment_minutes: s.rounding.increment_minutes,
                scope: s.rounding.scope.as_str().to_owned(),
            },
            invoice_number_format: s.invoice_number_format.clone(),
            invoice_due_days: s.invoice_due_days,
            allow_concurrent_timers: s.allow_concurrent_timers,
            business_name: s.business_name.clone(),
            business_address: s.business_address.clone(),
            business_tax_id: s.business_tax_id.clone(),
            payment_details: s.payment_details.clone(),
            invoice_default_notes: s.invoice_default_notes.clone(),
            paper_size: s.paper_size.as_str().to_owned(),
            default_tax_rate_percent: s.default_tax_rate_percent.unwrap_or_default().normalize(),
        }
    }
}
