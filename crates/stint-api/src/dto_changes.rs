//! Tool inputs and outputs of the change log (`list_changes`, `undo_change`) and the
//! `replayed` flag of retried creates.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::dto::no_null;
use stint_service::{Change, ListChanges, Undone};

/// The answer of a create tool, with `replayed: true` when it repeats the answer of an
/// earlier call with the same `request_id` (nothing was written this time).
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct Replayable<T> {
    #[serde(flatten)]
    pub answer: T,
    /// True when this repeats the answer for the same request_id.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    #[schemars(default)]
    pub replayed: bool,
}

/// Arguments of `list_changes`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct ListChangesArgs {
    /// Page size, 1 to 500 (default 50).
    pub limit: Option<u32>,
    /// The next_cursor of the previous page.
    pub cursor: Option<String>,
}

impl From<ListChangesArgs> for ListChanges {
    fn from(a: ListChangesArgs) -> Self {
        ListChanges {
            limit: a.limit,
            cursor: a.cursor,
        }
    }
}

/// Arguments of `undo_change`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct UndoChangeArgs {
    /// Change id; default: your latest change in effect.
    pub change_id: Option<i64>,
}

/// One change (one write) of the change log.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ChangeOut {
    pub id: i64,
    /// RFC 3339 UTC.
    pub at: String,
    /// mcp-stdio | mcp-http | cli.
    pub frontend: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) token: Option<String>,
    pub operation: String,
    pub summary: String,
    /// Table and key of each row, e.g. "tracks 12; track_tags 12/3".
    pub rows: String,
    /// False when too large to keep.
    pub undoable: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo_of: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undone_by: Option<i64>,
}

impl From<&Change> for ChangeOut {
    fn from(c: &Change) -> Self {
        ChangeOut {
            id: c.id,
            at: c.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            frontend: c.frontend.clone(),
            token: c.token_name.clone(),
            operation: c.operation.clone(),
            summary: c.summary.clone(),
            rows: c.rows.clone(),
            undoable: c.undoable,
            undo_of: c.undo_of,
            undone_by: c.undone_by,
        }
    }
}

/// A page of changes, newest first.
#[derive(Debug, Serialize, JsonSchema)]
#[schemars(transform = no_null)]
pub struct ChangePageOut {
    pub changes: Vec<ChangeOut>,
    /// Pass as `cursor` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Result of `undo_change`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct UndoneOut {
    /// The undo (undo it to redo).
    pub undo: ChangeOut,
    pub reverted: ChangeOut,
}

impl From<&Undone> for UndoneOut {
    fn from(u: &Undone) -> Self {
        UndoneOut {
            undo: (&u.undo).into(),
            reverted: (&u.reverted).into(),
        }
    }
}

/// Arguments of `sync`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(transform = no_null)]
pub struct SyncArgs {
    /// Shared folder (stdio; default: the last one).
    pub folder: Option<String>,
}

/// What a sync did.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SyncOut {
    pub(crate) sent: usize,
    pub applied: Vec<String>,
    pub notes: Vec<String>,
}

impl From<&stint_service::SyncReport> for SyncOut {
    fn from(r: &stint_service::SyncReport) -> Self {
        SyncOut {
            sent: r.published,
            applied: r
                .applied
                .iter()
                .map(|(d, n)| format!("{n} from {d}"))
                .collect(),
            notes: r
                .decisions
                .iter()
                .chain(&r.problems)
                .chain(&r.notes)
                .cloned()
                .collect(),
        }
    }
}
