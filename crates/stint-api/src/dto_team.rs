//! Tool inputs and outputs for milestones and drafts: `create_milestone`, `list_milestones`,
//! `update_milestone`, `complete_milestone`, `list_drafts`, `approve_drafts`,
//! `discard_drafts` (conventions as in [`crate::dto`]; the "team" toolset).

use chrono::{DateTime, Utc};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dto::{RefArg, TrackOut, no_null};
use crate::dto_billing::ExpenseOut;
use crate::dto_tasks::TaskOut;
use stint_domain::entities::Milestone;
use stint_domain::time::format_hmm;
use stint_service as service;

/// Arguments of `create_milestone`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CreateMilestoneArgs {
    /// Id or name.
    pub project: RefArg,
    /// Unique in the project.
    pub name: String,
    /// Date.
    pub due_date: Option<String>,
}

impl From<CreateMilestoneArgs> for service::NewMilestone {
    fn from(a: CreateMilestoneArgs) -> Self {
        service::NewMilestone {
            project: a.project.0,
            name: a.name,
            due_date: a.due_date,
        }
    }
}

/// Arguments of `list_milestones`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListMilestonesArgs {
    /// Id or name.
    pub project: Option<RefArg>,
    /// open, completed, archived, all.
    pub status: Option<String>,
}

impl From<ListMilestonesArgs> for service::ListMilestones {
    fn from(a: ListMilestonesArgs) -> Self {
        service::ListMilestones {
            project: a.project.map(|p| p.0),
            status: a.status,
        }
    }
}

/// Arguments of `update_milestone`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UpdateMilestoneArgs {
    /// Id or name.
    pub milestone: RefArg,
    /// New name.
    pub name: Option<String>,
    /// Date; "" clears.
    pub due_date: Option<String>,
    /// open or archived.
    pub status: Option<String>,
}

impl UpdateMilestoneArgs {
    pub fn into_parts(self) -> (String, service::MilestoneChanges) {
        (
            self.milestone.0,
            service::MilestoneChanges {
                name: self.name,
                due_date: self.due_date,
                status: self.status,
            },
        )
    }
}

/// Arguments of `complete_milestone`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct CompleteMilestoneArgs {
    /// Id or name.
    pub milestone: RefArg,
}

/// A milestone, with its task counts and the time tracked on its tasks.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct MilestoneOut {
    pub id: i64,
    pub name: String,
    pub project_id: i64,
    /// Project name.
    pub project: String,
    /// YYYY-MM-DD.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<String>,
    /// "open" or "completed".
    pub status: String,
    /// UTC.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub completed_at: Option<String>,
    pub archived: bool,
    pub tasks: i64,
    pub open_tasks: i64,
    /// Approved time on its tasks (running timers up to now), in seconds.
    pub tracked_seconds: i64,
    /// The same as h:mm.
    pub tracked: String,
}

fn utc(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

impl From<&Milestone> for MilestoneOut {
    fn from(m: &Milestone) -> Self {
        MilestoneOut {
            id: m.id.0,
            name: m.name.clone(),
            project_id: m.project_id.0,
            project: m.project_name.clone(),
            due_date: m.due_date.map(|d| d.to_string()),
            status: m.status.as_str().to_owned(),
            completed_at: m.completed_at.map(utc),
            archived: m.archived,
            tasks: m.tasks,
            open_tasks: m.open_tasks,
            tracked_seconds: m.tracked_seconds,
            tracked: format_hmm(m.tracked_seconds),
        }
    }
}

/// One milestone.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MilestoneResultOut {
    pub milestone: MilestoneOut,
}

/// Milestones by due date.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MilestoneListOut {
    pub milestones: Vec<MilestoneOut>,
}

/// Result of `complete_milestone`: the milestone and the tasks it closed.
#[derive(Debug, Serialize, JsonSchema)]
pub struct MilestoneCompletedOut {
    pub milestone: MilestoneOut,
    pub closed_tasks: Vec<TaskOut>,
}

impl From<&service::MilestoneCompleted> for MilestoneCompletedOut {
    fn from(c: &service::MilestoneCompleted) -> Self {
        MilestoneCompletedOut {
            milestone: (&c.milestone).into(),
            closed_tasks: c.closed.iter().map(TaskOut::from).collect(),
        }
    }
}

/// Arguments of `approve_drafts` and `discard_drafts`: ids, or none for every draft.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct DraftIdsArgs {
    /// Track ids.
    pub tracks: Option<Vec<i64>>,
    /// Expense ids.
    pub expenses: Option<Vec<i64>>,
}

impl From<DraftIdsArgs> for service::DraftSelection {
    fn from(a: DraftIdsArgs) -> Self {
        service::DraftSelection {
            tracks: a.tracks.unwrap_or_default(),
            expenses: a.expenses.unwrap_or_default(),
        }
    }
}

/// Drafts listed, approved (as they now count) or discarded (as they were).
#[derive(Debug, Serialize, JsonSchema)]
pub struct DraftsOut {
    pub tracks: Vec<TrackOut>,
    pub expenses: Vec<ExpenseOut>,
    /// Drafts not in this answer (still waiting).
    pub remaining: i64,
}

impl DraftsOut {
    /// Converts drafts, counting running timers up to `now`.
    pub fn new(d: &service::Drafts, now: DateTime<Utc>) -> DraftsOut {
        DraftsOut {
            tracks: d.tracks.iter().map(|t| TrackOut::new(t, now)).collect(),
            expenses: d.expenses.iter().cloned().map(ExpenseOut::from).collect(),
            remaining: d.remaining,
        }
    }
}

/// Pretty-printed JSON of a value of this module (for the CLI's `--json`).
pub fn to_json<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_default()
}
