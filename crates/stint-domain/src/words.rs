//! Messages as values: the words of an error, with the parts that name an argument, an action
//! or something the caller gave kept apart from the prose.
//!
//! Each front end renders a [`Msg`] once, in its own vocabulary ([`Words`]): the MCP tools'
//! arguments and tool names ([`ApiWords`], also what `Display` shows), the CLI's flags and
//! commands (`stint::cli::errors`). A name the caller gave is a [`Part::Name`], quoted exactly
//! as given in every front end; no front end rewrites another's rendered sentences.
//!
//! The prose parts ([`Part::Text`]) use words that read right in every front end ("give", not
//! "give" or "pass"); a test walks the sources so that no prose names a tool or an argument.

use std::borrow::Cow;
use std::fmt;

/// An argument of a use case, by meaning. [`Arg::key`] is its name in the API (the MCP tools'
/// argument, the JSON field); the CLI maps each to its flag.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Arg {
    /// Which running timer (`track_id`; CLI `stint stop --id`).
    TimerId,
    /// Do it anyway (`force`).
    Force,
    /// A track's start (`start`).
    Start,
    /// A track's end (`end`).
    End,
    /// The end of a stopped timer (`end`; CLI `stint stop --at`).
    StopAt,
    /// A track's length (`duration`).
    Duration,
    /// The first day or instant of a range (`from`).
    From,
    /// The last day or instant of a range (`to`).
    To,
    /// The projects of an invoice (`projects`; CLI `--project`, repeatable).
    Projects,
    /// The project of a track or task (`project`).
    Project,
    /// The client (`client`).
    Client,
    /// A list's cursor (`cursor`; the CLI prints whole lists).
    Cursor,
    /// A page size or count (`limit`).
    Limit,
    /// The groupings of a summary (`group_by`).
    GroupBy,
    /// A project's budget in hours (`budget_hours`).
    BudgetHours,
    /// A project's money budget (`budget_amount`).
    BudgetAmount,
    /// When a project's budget alerts (`budget_alert_percent`).
    BudgetAlertPercent,
    /// The day an invoice was paid (`paid_on`; CLI `stint invoice paid --on`).
    PaidOn,
    /// A request id for a safe retry (`request_id`; MCP only).
    RequestId,
    /// The change to undo (`change_id`; CLI `stint undo ID`).
    ChangeId,
    /// A file to write (`path`; CLI a FILE argument).
    Path,
    /// A task's status (`status`).
    TaskStatus,
    /// An estimate in hours (`estimate_hours`).
    EstimateHours,
    /// A colour (`color`; CLI `--hex-color`).
    Color,
    /// `discount_percent`.
    DiscountPercent,
    /// `discount_amount`.
    DiscountAmount,
    /// Leave the expenses off an invoice (`include_expenses` false; CLI `--no-expenses`).
    NoExpenses,
    /// `due_days`.
    DueDays,
    /// Record an exact repeat anyway (`allow_duplicate`; CLI `--allow-duplicate`).
    AllowDuplicate,
}

/// Every [`Arg`], for tests that check each front end's spelling.
pub const ARGS: &[Arg] = &[
    Arg::TimerId,
    Arg::Force,
    Arg::Start,
    Arg::End,
    Arg::StopAt,
    Arg::Duration,
    Arg::From,
    Arg::To,
    Arg::Projects,
    Arg::Project,
    Arg::Client,
    Arg::Cursor,
    Arg::Limit,
    Arg::GroupBy,
    Arg::BudgetHours,
    Arg::BudgetAmount,
    Arg::BudgetAlertPercent,
    Arg::PaidOn,
    Arg::RequestId,
    Arg::ChangeId,
    Arg::Path,
    Arg::TaskStatus,
    Arg::EstimateHours,
    Arg::Color,
    Arg::DiscountPercent,
    Arg::DiscountAmount,
    Arg::NoExpenses,
    Arg::DueDays,
    Arg::AllowDuplicate,
];

impl Arg {
    /// The argument's name in the API: the MCP tools' argument and the JSON field.
    pub fn key(self) -> &'static str {
        match self {
            Arg::TimerId => "track_id",
            Arg::Force => "force",
            Arg::Start => "start",
            Arg::End | Arg::StopAt => "end",
            Arg::Duration => "duration",
            Arg::From => "from",
            Arg::To => "to",
            Arg::Projects => "projects",
            Arg::Project => "project",
            Arg::Client => "client",
            Arg::Cursor => "cursor",
            Arg::Limit => "limit",
            Arg::GroupBy => "group_by",
            Arg::BudgetHours => "budget_hours",
            Arg::BudgetAmount => "budget_amount",
            Arg::BudgetAlertPercent => "budget_alert_percent",
            Arg::PaidOn => "paid_on",
            Arg::RequestId => "request_id",
            Arg::ChangeId => "change_id",
            Arg::Path => "path",
            Arg::TaskStatus => "status",
            Arg::EstimateHours => "estimate_hours",
            Arg::Color => "color",
            Arg::DiscountPercent => "discount_percent",
            Arg::DiscountAmount => "discount_amount",
            Arg::NoExpenses => "include_expenses",
            Arg::DueDays => "due_days",
            Arg::AllowDuplicate => "allow_duplicate",
        }
    }
}

/// Something the caller can do next: a tool to call (MCP) or a command to run (CLI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Act {
    CreateProject,
    CreateClient,
    CreateTag,
    CreateTask,
    ListProjects,
    ListClients,
    ListTags,
    ListTasks,
    /// Tasks of one project.
    ListProjectTasks,
    /// Find a project by part of its name.
    SearchProjects,
    SearchClients,
    SearchTags,
    UnarchiveProject,
    UnarchiveClient,
    ArchiveProject,
    ArchiveClient,
    /// Set a task's status back to open.
    ReopenTask,
    ArchiveTask,
    RenameTag,
    StartTimer,
    ListChanges,
    /// Undo one change by its id.
    UndoChange,
    /// Change rows by hand with the edit and delete calls.
    EditByHand,
    /// The billable, finished, uninvoiced tracks.
    ListUnbilled,
    EditProject,
    EditClient,
    EditTask,
    CreateTrack,
    EditTrack,
    DeleteTrack,
    ListTracks,
    ListRunningTimers,
    StopTimerAt,
    VoidInvoice,
    DeleteInvoice,
    ListInvoices,
    ListExpenses,
    EditExpense,
    /// Replace a file that exists (the tools never do).
    Overwrite,
}

/// Every [`Act`], for tests that check each front end's spelling.
pub const ACTS: &[Act] = &[
    Act::CreateProject,
    Act::CreateClient,
    Act::CreateTag,
    Act::CreateTask,
    Act::ListProjects,
    Act::ListClients,
    Act::ListTags,
    Act::ListTasks,
    Act::ListProjectTasks,
    Act::SearchProjects,
    Act::SearchClients,
    Act::SearchTags,
    Act::UnarchiveProject,
    Act::UnarchiveClient,
    Act::ArchiveProject,
    Act::ArchiveClient,
    Act::ReopenTask,
    Act::ArchiveTask,
    Act::RenameTag,
    Act::StartTimer,
    Act::ListChanges,
    Act::UndoChange,
    Act::EditByHand,
    Act::ListUnbilled,
    Act::EditProject,
    Act::EditClient,
    Act::EditTask,
    Act::CreateTrack,
    Act::EditTrack,
    Act::DeleteTrack,
    Act::ListTracks,
    Act::ListRunningTimers,
    Act::StopTimerAt,
    Act::VoidInvoice,
    Act::DeleteInvoice,
    Act::ListInvoices,
    Act::ListExpenses,
    Act::EditExpense,
    Act::Overwrite,
];

/// One part of a [`Msg`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part {
    /// Prose, the same in every front end.
    Text(Cow<'static, str>),
    /// A name or text the caller gave (or a stored name): shown quoted, exactly as given (cut
    /// to 80 characters, control characters escaped).
    Name(String),
    /// An argument, in the front end's spelling.
    Arg(Arg),
    /// An action, in the front end's spelling.
    Act(Act),
}

/// A name the caller gave, for [`msg!`](crate::msg): `Name(reference)`.
#[derive(Debug, Clone)]
pub struct Name<S: AsRef<str>>(pub S);

impl From<&'static str> for Part {
    fn from(s: &'static str) -> Part {
        Part::Text(Cow::Borrowed(s))
    }
}
impl From<String> for Part {
    fn from(s: String) -> Part {
        Part::Text(Cow::Owned(s))
    }
}
impl From<Arg> for Part {
    fn from(a: Arg) -> Part {
        Part::Arg(a)
    }
}
impl From<Act> for Part {
    fn from(a: Act) -> Part {
        Part::Act(a)
    }
}
impl<S: AsRef<str>> From<Name<S>> for Part {
    fn from(n: Name<S>) -> Part {
        Part::Name(n.0.as_ref().to_owned())
    }
}

/// A message: prose with the arguments, actions and names kept as values.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Msg(pub Vec<Part>);

/// Builds a [`Msg`] from parts: string literals and `String`s are prose, an [`Arg`] or [`Act`]
/// is rendered by each front end, `Name(x)` is a name quoted as given, and a [`Msg`] is spliced
/// in.
#[macro_export]
macro_rules! msg {
    ($($part:expr),* $(,)?) => {{
        let mut m = $crate::words::Msg::default();
        $( m.push($part); )*
        m
    }};
}

/// What [`Msg::push`] takes: a part, or a whole message spliced in.
pub trait IntoParts {
    fn push_into(self, parts: &mut Vec<Part>);
}
impl<T: Into<Part>> IntoParts for T {
    fn push_into(self, parts: &mut Vec<Part>) {
        parts.push(self.into());
    }
}
impl IntoParts for Msg {
    fn push_into(self, parts: &mut Vec<Part>) {
        parts.extend(self.0);
    }
}

impl Msg {
    /// Appends a part (or the parts of another message).
    pub fn push(&mut self, part: impl IntoParts) {
        part.push_into(&mut self.0);
    }

    /// The message in a front end's words.
    pub fn render(&self, words: &dyn Words) -> String {
        let mut out = String::new();
        for p in &self.0 {
            match p {
                Part::Text(t) => out.push_str(t),
                Part::Name(n) => out.push_str(&format!("{:?}", crate::limits::echo(n))),
                Part::Arg(a) => out.push_str(&words.arg(*a)),
                Part::Act(a) => out.push_str(&words.act(*a)),
            }
        }
        out
    }
}

impl From<String> for Msg {
    fn from(s: String) -> Msg {
        Msg(vec![Part::from(s)])
    }
}
impl From<&'static str> for Msg {
    fn from(s: &'static str) -> Msg {
        Msg(vec![Part::from(s)])
    }
}

/// How a front end spells arguments and actions.
pub trait Words {
    fn arg(&self, arg: Arg) -> Cow<'static, str>;
    fn act(&self, act: Act) -> Cow<'static, str>;
}

/// The API's words (the MCP tools): an argument as `` `key` ``, an action as the tool to call.
#[derive(Debug, Clone, Copy)]
pub struct ApiWords;

impl Words for ApiWords {
    fn arg(&self, arg: Arg) -> Cow<'static, str> {
        match arg {
            Arg::NoExpenses => Cow::Borrowed("`include_expenses`: false"),
            _ => Cow::Owned(format!("`{}`", arg.key())),
        }
    }
    fn act(&self, act: Act) -> Cow<'static, str> {
        Cow::Borrowed(match act {
            Act::CreateProject => "`create_project`",
            Act::CreateClient => "`create_client`",
            Act::CreateTag => "`create_tag`",
            Act::CreateTask => "`create_task`",
            Act::ListProjects => "`list_projects`",
            Act::ListClients => "`list_clients`",
            Act::ListTags => "`list_tags`",
            Act::ListTasks => "`list_tasks`",
            Act::ListProjectTasks => "`list_tasks` with project",
            Act::SearchProjects => "`list_projects` with search",
            Act::SearchClients => "`list_clients` with search",
            Act::SearchTags => "`list_tags` with search",
            Act::UnarchiveProject => "`update_project` with archived=false",
            Act::UnarchiveClient => "`update_client` with archived=false",
            Act::ArchiveProject => "`delete_project` with archive=true",
            Act::ArchiveClient => "`delete_client` with archive=true",
            Act::ReopenTask => "`update_task` with status=open",
            Act::ArchiveTask => "`update_task` with status=archived",
            Act::RenameTag => "`update_tag`",
            Act::StartTimer => "`start_timer`",
            Act::ListChanges => "`list_changes`",
            Act::UndoChange => "`undo_change` with change_id",
            Act::EditByHand => "the update_* and delete_* tools",
            Act::ListUnbilled => "`list_tracks` with billable=true, invoiced=false",
            Act::EditProject => "`update_project`",
            Act::EditClient => "`update_client`",
            Act::EditTask => "`update_task`",
            Act::CreateTrack => "`create_track`",
            Act::EditTrack => "`update_track`",
            Act::DeleteTrack => "`delete_track`",
            Act::ListTracks => "`list_tracks`",
            Act::ListRunningTimers => "`list_running_timers`",
            Act::StopTimerAt => "`stop_timer` with end",
            Act::VoidInvoice => "`void_invoice`",
            Act::DeleteInvoice => "`delete_invoice`",
            Act::ListInvoices => "`list_invoices`",
            Act::ListExpenses => "`list_expenses`",
            Act::EditExpense => "`update_expense`",
            Act::Overwrite => "ask the person to move the old file away",
        })
    }
}

impl fmt::Display for Msg {
    /// The message in the API's words ([`ApiWords`]).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(&ApiWords))
    }
}
