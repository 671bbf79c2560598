//! Tool inputs and outputs for tasks: `create_task`, `list_tasks`, `update_task`,
//! `delete_task` (conventions as in [`crate::dto`]).

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dto::{DecimalArg, RefArg, no_null};
use stint_domain::entities::Task;
use stint_domain::time::format_hmm;
use stint_service as service;

/// Arguments of `create_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateTaskArgs {
    /// Id or name.
    pub project: RefArg,
    /// Task name.
    pub name: String,
    /// Hours.
    pub estimate_hours: Option<DecimalArg>,
    /// Else project's.
    pub billable: Option<bool>,
    /// Else project's.
    #[serde(alias = "hourly_rate")]
    pub rate: Option<DecimalArg>,
    /// Date.
    pub due_date: Option<String>,
    /// low, normal, high, urgent.
    pub priority: Option<String>,
    /// Id or name.
    pub milestone: Option<RefArg>,
    /// Retry key (24 h).
    pub request_id: Option<String>,
    /// Person or "me".
    pub assignee: Option<String>,
}

impl From<CreateTaskArgs> for service::NewTask {
    fn from(a: CreateTaskArgs) -> Self {
        service::NewTask {
            project: a.project.0,
            name: a.name,
            estimate_hours: a.estimate_hours.map(|d| d.0),
            billable: a.billable,
            hourly_rate: a.rate.map(|d| d.0),
            due_date: a.due_date,
            priority: a.priority,
            milestone: a.milestone.map(|m| m.0),
        }
    }
}

/// Arguments of `list_tasks`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListTasksArgs {
    /// Id or name.
    pub project: Option<RefArg>,
    /// open, done, archived or all.
    pub status: Option<String>,
    /// low, normal, high, urgent.
    pub priority: Option<String>,
    /// Date.
    pub due_before: Option<String>,
    /// Id or name.
    pub milestone: Option<RefArg>,
    /// From next_cursor.
    pub cursor: Option<String>,
    /// Person or "me".
    pub assignee: Option<String>,
}

impl From<ListTasksArgs> for service::ListTasks {
    fn from(a: ListTasksArgs) -> Self {
        service::ListTasks {
            project: a.project.map(|r| r.0),
            status: a.status,
            include_archived: false,
            priority: a.priority,
            due_before: a.due_before,
            milestone: a.milestone.map(|m| m.0),
            limit: None,
            cursor: a.cursor,
        }
    }
}

/// Arguments of `update_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateTaskArgs {
    /// Task id or name.
    pub task: RefArg,
    /// New name.
    pub name: Option<String>,
    /// Hours; "" clears.
    pub estimate_hours: Option<DecimalArg>,
    /// open, done or archived.
    pub status: Option<String>,
    /// For new tracks.
    pub billable: Option<bool>,
    /// "" clears.
    #[serde(alias = "hourly_rate")]
    pub rate: Option<DecimalArg>,
    /// Date; "" clears.
    pub due_date: Option<String>,
    /// low, normal, high, urgent.
    pub priority: Option<String>,
    /// Id or name; "" clears.
    pub milestone: Option<RefArg>,
    /// Person or "me"; "" unassigns.
    pub assignee: Option<String>,
}

impl UpdateTaskArgs {
    pub fn into_parts(self) -> (String, Option<String>, service::TaskChanges) {
        (
            self.task.0,
            None,
            service::TaskChanges {
                name: self.name,
                estimate_hours: self.estimate_hours.map(|d| d.0),
                status: self.status,
                billable: self.billable,
                hourly_rate: self.rate.map(|d| d.0),
                archived: None,
                due_date: self.due_date,
                priority: self.priority,
                milestone: self.milestone.map(|m| m.0),
            },
        )
    }
}

/// Arguments of `delete_task`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct DeleteTaskArgs {
    /// Task id or name.
    pub task: RefArg,
    /// With tracks.
    pub force: Option<bool>,
}

impl From<DeleteTaskArgs> for service::DeleteTask {
    fn from(a: DeleteTaskArgs) -> Self {
        service::DeleteTask {
            task: a.task.0,
            project: None,
            force: a.force.unwrap_or(false),
            archive: false,
        }
    }
}

fn hours(seconds: i64) -> Decimal {
    (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp(2)
        .normalize()
}

/// A task.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TaskOut {
    pub id: i64,
    pub name: String,
    pub project_id: i64,
    /// Project name.
    pub project: String,
    /// "open" or "done".
    pub status: String,
    /// Estimated hours.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimate_hours: Option<Decimal>,
    /// Time tracked on the task (running timers up to now), in seconds.
    pub(crate) tracked_seconds: i64,
    /// The same as h:mm.
    pub(crate) tracked: String,
    /// Whether new tracks on it are billable; absent: the project's default applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub billable_by_default: Option<bool>,
    /// Hourly rate (major units of the project's currency); absent: the project's applies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hourly_rate: Option<Decimal>,
    pub archived: bool,
    /// YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// low, normal, high or urgent.
    pub priority: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone_id: Option<i64>,
    /// Milestone name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub milestone: Option<String>,
    /// UTC.
    pub created_at: String,
    /// UTC.
    pub updated_at: String,
    /// Who it is assigned to.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
}

impl From<&Task> for TaskOut {
    fn from(k: &Task) -> Self {
        let utc =
            |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        TaskOut {
            id: k.id.0,
            name: k.name.clone(),
            project_id: k.project_id.0,
            project: k.project_name.clone(),
            status: k.status.as_str().to_owned(),
            estimate_hours: k.estimate_seconds.map(hours),
            tracked_seconds: k.tracked_seconds,
            tracked: format_hmm(k.tracked_seconds),
            billable_by_default: k.billable_by_default,
            hourly_rate: k.hourly_rate,
            archived: k.archived,
            due_date: k.due_date.map(|d| d.to_string()),
            priority: k.priority.as_str().to_owned(),
            milestone_id: k.milestone_id.map(|m| m.0),
            milestone: k.milestone_name.clone(),
            created_at: utc(k.created_at),
            updated_at: utc(k.updated_at),
            assignee: k.assignee_name.clone(),
        }
    }
}

/// One task.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskResultOut {
    pub task: TaskOut,
}

/// Result of `delete_task`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TaskDeletedOut {
    pub deleted: crate::dto::DeletedOut,
}

/// A page of tasks, by project then name.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct TaskPageOut {
    pub tasks: Vec<TaskOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}
