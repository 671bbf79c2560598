//! Tool inputs and outputs for people and utilization (toolset `team`): `create_person`,
//! `list_people`, `update_person`, `delete_person`, `utilization` (conventions as in
//! [`crate::dto`]).

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dto::{DecimalArg, RefArg, no_null};
use stint_domain::people::Person;
use stint_domain::time::format_hmm;
use stint_service as service;

/// Arguments of `create_person`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreatePersonArgs {
    pub name: String,
    pub email: Option<String>,
    /// Hours a week.
    pub weekly_capacity_hours: Option<DecimalArg>,
    /// Cost of an hour.
    pub cost_rate: Option<DecimalArg>,
    pub currency: Option<String>,
    /// member (default), manager or owner.
    pub role: Option<String>,
}

impl From<CreatePersonArgs> for service::NewPerson {
    fn from(a: CreatePersonArgs) -> Self {
        service::NewPerson {
            name: a.name,
            email: a.email,
            weekly_capacity_hours: a.weekly_capacity_hours.map(|d| d.0),
            cost_rate: a.cost_rate.map(|d| d.0),
            currency: a.currency,
            role: a.role,
        }
    }
}

/// Arguments of `list_people`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListPeopleArgs {
    /// Include archived people.
    pub archived: Option<bool>,
}

/// Arguments of `update_person` ("" clears a field).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdatePersonArgs {
    /// Name, id, "me" or "owner".
    pub person: RefArg,
    pub name: Option<String>,
    pub email: Option<String>,
    pub weekly_capacity_hours: Option<DecimalArg>,
    pub cost_rate: Option<DecimalArg>,
    pub currency: Option<String>,
    pub role: Option<String>,
    pub archived: Option<bool>,
}

impl UpdatePersonArgs {
    /// The person named and the changes.
    pub fn into_parts(self) -> (String, service::PersonChanges) {
        (
            self.person.0,
            service::PersonChanges {
                name: self.name,
                email: self.email,
                weekly_capacity_hours: self.weekly_capacity_hours.map(|d| d.0),
                cost_rate: self.cost_rate.map(|d| d.0),
                currency: self.currency,
                role: self.role,
                archived: self.archived,
            },
        )
    }
}

/// Arguments naming one person.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct PersonArgs {
    /// Name or id.
    pub person: RefArg,
}

/// A person. Cost rate and email are absent or redacted for tokens made without --sensitive.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct PersonOut {
    /// Absent for the owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    /// member, manager or owner.
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Hours a week.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub weekly_capacity_hours: Option<Decimal>,
    /// Cost of an hour, major units of `currency`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost_rate: Option<Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
}

impl From<&Person> for PersonOut {
    fn from(p: &Person) -> Self {
        PersonOut {
            id: p.id.map(|i| i.0),
            name: p.name.clone(),
            role: p.role.as_str().to_owned(),
            email: p.email.clone(),
            weekly_capacity_hours: p.weekly_capacity_hours,
            cost_rate: p.cost_rate,
            currency: p.currency.map(|c| c.code().to_owned()),
            archived: p.archived,
        }
    }
}

/// Answer of `create_person`, `update_person` and `delete_person`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PersonResultOut {
    pub person: PersonOut,
}

/// Answer of `list_people`: the owner first.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PeopleOut {
    pub people: Vec<PersonOut>,
}

/// Arguments of `utilization`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UtilizationArgs {
    /// Default: this week.
    pub from: Option<String>,
    pub to: Option<String>,
    pub person: Option<String>,
}

/// One person's (or the team's) figures.
#[derive(Debug, Serialize, JsonSchema)]
pub struct PersonUseOut {
    /// Absent for the owner and the team row.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<i64>,
    pub name: String,
    /// h:mm.
    pub hours: String,
    pub billable_seconds: i64,
    /// h:mm.
    pub billable_hours: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capacity_seconds: Option<i64>,
    /// Percent, 1 decimal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub utilization_percent: Option<Decimal>,
    /// Per currency.
    pub billed: BTreeMap<String, Decimal>,
    /// Per currency; absent without --sensitive or a cost rate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<BTreeMap<String, Decimal>>,
}

impl From<&service::PersonUse> for PersonUseOut {
    fn from(u: &service::PersonUse) -> Self {
        PersonUseOut {
            person_id: u.person_id.map(|p| p.0),
            name: u.name.clone(),
            hours: format_hmm(u.duration_seconds),
            billable_seconds: u.billable_seconds,
            billable_hours: format_hmm(u.billable_seconds),
            capacity_seconds: u.capacity_seconds,
            utilization_percent: u.utilization_percent,
            billed: u.billed.clone(),
            cost: u.cost.clone(),
        }
    }
}

/// A project's or client's money.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MarginOut {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<i64>,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client: Option<String>,
    /// h:mm.
    pub hours: String,
    pub billed: BTreeMap<String, Decimal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cost: Option<BTreeMap<String, Decimal>>,
    /// billed - cost.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub margin: Option<BTreeMap<String, Decimal>>,
}

impl From<&service::MarginRow> for MarginOut {
    fn from(m: &service::MarginRow) -> Self {
        MarginOut {
            id: m.id,
            name: m.name.clone(),
            client: m.client.clone(),
            hours: format_hmm(m.duration_seconds),
            billed: m.billed.clone(),
            cost: m.cost.clone(),
            margin: m.margin.clone(),
        }
    }
}

/// Answer of `utilization`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UtilizationOut {
    /// Local date-times.
    pub from: String,
    pub to: String,
    /// Days the weekly capacity is pro-rated over.
    pub days: i64,
    pub people: Vec<PersonUseOut>,
    pub team: PersonUseOut,
    pub projects: Vec<MarginOut>,
    pub clients: Vec<MarginOut>,
}

impl From<&service::Utilization> for UtilizationOut {
    fn from(u: &service::Utilization) -> Self {
        let show = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&u.timezone)
                .format("%Y-%m-%dT%H:%M:%S%:z")
                .to_string()
        };
        UtilizationOut {
            from: show(u.start),
            to: show(u.end),
            days: u.days,
            people: u.people.iter().map(Into::into).collect(),
            team: (&u.team).into(),
            projects: u.projects.iter().map(Into::into).collect(),
            clients: u.clients.iter().map(Into::into).collect(),
        }
    }
}

/// `--json` of the people commands: an answer as the team tools give it, pretty-printed.
pub fn pretty_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
