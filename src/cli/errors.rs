//! Errors and notes in the words of the terminal.
//!
//! The service returns errors as values ([`stint_service::Msg`]): prose, the names a person
//! gave, and the arguments and actions it refers to, kept apart. [`CliWords`] spells each
//! argument as the flag a person types and each action as the command to run, so an error
//! reads "give --id" where an assistant reads "give `track_id`". Names are shown quoted
//! exactly as given: a project called `send` or `list_tags` stays what it is.

use std::borrow::Cow;

use stint_domain::DomainError;
use stint_service::{Act, Arg, Msg, ServiceError, Words};

/// The CLI's spelling of arguments (flags) and actions (commands).
#[derive(Debug, Clone, Copy)]
pub struct CliWords;

impl Words for CliWords {
    fn arg(&self, arg: Arg) -> Cow<'static, str> {
        Cow::Borrowed(match arg {
            Arg::TimerId => "--id",
            Arg::Force => "--force",
            Arg::Start => "--start",
            Arg::End => "--end",
            Arg::StopAt => "--at",
            Arg::Duration => "--duration",
            Arg::From => "--from",
            Arg::To => "--to",
            Arg::Projects | Arg::Project => "--project",
            Arg::Client => "--client",
            Arg::Cursor => "the cursor",
            Arg::Limit => "--limit",
            Arg::GroupBy => "--group-by",
            Arg::BudgetHours => "--budget-hours",
            Arg::BudgetAmount => "--budget-amount",
            Arg::BudgetAlertPercent => "--alert-percent",
            Arg::PaidOn => "--on",
            Arg::RequestId => "the request id",
            Arg::ChangeId => "the change's id",
            Arg::Path => "the FILE",
            Arg::TaskStatus => "--status",
            Arg::EstimateHours => "--estimate",
            Arg::Color => "--hex-color",
            Arg::DiscountPercent => "--discount-percent",
            Arg::DiscountAmount => "--discount",
            Arg::NoExpenses => "--no-expenses",
            Arg::DueDays => "--due-days",
            Arg::AllowDuplicate => "--allow-duplicate",
        })
    }

    fn act(&self, act: Act) -> Cow<'static, str> {
        Cow::Borrowed(match act {
            Act::CreateProject => "`stint project add NAME`",
            Act::CreateClient => "`stint client add NAME`",
            Act::CreateTag => "`stint tag add NAME`",
            Act::CreateTask => "`stint task add NAME -p PROJECT`",
            Act::ListProjects => "`stint project list`",
            Act::ListClients => "`stint client list`",
            Act::ListTags => "`stint tag list`",
            Act::ListTasks => "`stint task list`",
            Act::ListProjectTasks => "`stint task list -p PROJECT`",
            Act::SearchProjects => "`stint project list --search TEXT`",
            Act::SearchClients => "`stint client list --search TEXT`",
            Act::SearchTags => "`stint tag list --search TEXT`",
            Act::UnarchiveProject => "`stint project edit PROJECT --unarchive`",
            Act::UnarchiveClient => "`stint client edit CLIENT --unarchive`",
            Act::ArchiveProject => "`stint project archive PROJECT`",
            Act::ArchiveClient => "`stint client archive CLIENT`",
            Act::ReopenTask => "`stint task edit TASK --status open`",
            Act::ArchiveTask => "`stint task archive TASK`",
            Act::RenameTag => "`stint tag edit TAG --name NEW`",
            Act::StartTimer => "`stint start`",
            Act::ListChanges => "`stint history`",
            Act::UndoChange => "`stint undo ID`",
            Act::EditByHand => "`stint edit`, `stint delete` and the other edit commands",
            Act::ListUnbilled => "`stint tracks`",
            Act::EditProject => "`stint project edit PROJECT`",
            Act::EditClient => "`stint client edit CLIENT`",
            Act::EditTask => "`stint task edit TASK`",
            Act::CreateTrack => "`stint log`",
            Act::EditTrack => "`stint edit ID`",
            Act::DeleteTrack => "`stint delete ID`",
            Act::ListTracks => "`stint tracks`",
            Act::ListRunningTimers => "`stint status`",
            Act::StopTimerAt => "`stint stop --at TIME`",
            Act::VoidInvoice => "`stint invoice void INVOICE`",
            Act::DeleteInvoice => "`stint invoice delete INVOICE`",
            Act::ListInvoices => "`stint invoice list`",
            Act::ListExpenses => "`stint expense list`",
            Act::EditExpense => "`stint expense edit ID`",
            Act::Overwrite => "give --force to replace it",
        })
    }
}

/// A service message (a note or a warning) in the CLI's words.
pub fn words(m: &Msg) -> String {
    m.render(&CliWords)
}

/// A service error in the CLI's words. A name that is close to an existing one (a likely typo,
/// refused instead of created on the fly) says how to create it anyway.
pub fn service_error(e: &ServiceError) -> String {
    match e {
        ServiceError::NearName {
            entity,
            given,
            existing,
        } => format!(
            "no {entity} is named {:?}; did you mean {:?}? Give --create to create {:?} anyway",
            stint_domain::limits::echo(given),
            stint_domain::limits::echo(existing),
            stint_domain::limits::echo(given)
        ),
        other => other.render(&CliWords),
    }
}

/// An error as the person at the terminal reads it: service and domain errors in the CLI's
/// words, the CLI's own errors with their causes.
pub fn render(e: &anyhow::Error) -> String {
    if let Some(s) = e.downcast_ref::<ServiceError>() {
        return service_error(s);
    }
    if let Some(d) = e.downcast_ref::<DomainError>() {
        return d.render(&CliWords);
    }
    format!("{e:#}")
}
