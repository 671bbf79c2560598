//! `stint task add|list|show|edit|archive|delete`: tasks under projects from the terminal,
//! through the same service calls as the task tools.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_domain::entities::Task;
use stint_domain::time::format_hmm;
use stint_service::{DeleteTask, ListTasks, NewTask, Service, TaskChanges};

/// `stint task`.
#[derive(Debug, Subcommand)]
pub enum TaskCommand {
    /// Add a task to a project.
    Add(AddArgs),
    /// List tasks by project and name, with time tracked against their estimates.
    List(ListArgs),
    /// Show one task.
    Show(ShowArgs),
    /// Change a task's name, estimate, status, billable default or rate.
    Edit(EditArgs),
    /// Archive a task: kept with its tracks, hidden from lists, no new tracks (unarchive with
    /// `stint task edit TASK --status open`).
    Archive(TaskRef),
    /// Delete a task; one with tracks only with --force (its tracks stay on the project).
    Delete(DeleteArgs),
}

/// A task named on the command line.
#[derive(Debug, Args)]
pub struct TaskRef {
    /// Task id or name.
    pub task: String,
    /// The task's project (id or name), when several projects have a task of that name.
    #[arg(short, long)]
    pub project: Option<String>,
}

/// `stint task add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The task's name, unique within its project.
    pub name: String,
    /// Project id or name.
    #[arg(short, long)]
    pub project: String,
    /// Estimated work: hours (6, 1.5) or a duration (1h30m).
    #[arg(long)]
    pub estimate: Option<String>,
    /// New tracks on it are billable [default: the project's setting].
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// New tracks on it are not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// Hourly rate, before the project's (in the project's currency).
    #[arg(long)]
    pub rate: Option<String>,
    /// Due by this local date (2026-12-31, friday, "Dec 31").
    #[arg(long)]
    pub due: Option<String>,
    /// low, normal, high or urgent (or 1 to 4) [default: normal].
    #[arg(long)]
    pub priority: Option<String>,
    /// A milestone of the project (id or name).
    #[arg(short, long)]
    pub milestone: Option<String>,
    /// Assign it to a person (a name, me or owner).
    #[arg(long)]
    pub assignee: Option<String>,
}

/// `stint task list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Only this project's tasks.
    #[arg(short, long)]
    pub project: Option<String>,
    /// open, done, archived or all [default: open and done].
    #[arg(long)]
    pub status: Option<String>,
    /// Only tasks of this priority (low, normal, high, urgent).
    #[arg(long)]
    pub priority: Option<String>,
    /// Only tasks due before this local date (not on it).
    #[arg(long)]
    pub due_before: Option<String>,
    /// Only the tasks of this milestone (id or name).
    #[arg(short, long)]
    pub milestone: Option<String>,
    /// How many tasks to show.
    #[arg(long, short = 'n', default_value_t = 100)]
    pub limit: u32,
    /// Only tasks assigned to this person (a name, me or owner).
    #[arg(long)]
    pub assignee: Option<String>,
}

/// `stint task show`.
#[derive(Debug, Args)]
pub struct ShowArgs {
    #[command(flatten)]
    pub task: TaskRef,
}

/// `stint task edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    #[command(flatten)]
    pub task: TaskRef,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// New estimate: hours or a duration; "" removes it.
    #[arg(long)]
    pub estimate: Option<String>,
    /// open or done (either unarchives), or archived.
    #[arg(long)]
    pub status: Option<String>,
    /// New tracks on it are billable.
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// New tracks on it are not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// New hourly rate; "" removes it (the project's applies).
    #[arg(long)]
    pub rate: Option<String>,
    /// New due date; "" removes it.
    #[arg(long)]
    pub due: Option<String>,
    /// low, normal, high or urgent (or 1 to 4).
    #[arg(long)]
    pub priority: Option<String>,
    /// A milestone of the task's project (id or name); "" takes it off its milestone.
    #[arg(short, long)]
    pub milestone: Option<String>,
    /// Assign it to a person (a name, me or owner); "" unassigns it.
    #[arg(long)]
    pub assignee: Option<String>,
}

/// `stint task delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    #[command(flatten)]
    pub task: TaskRef,
    /// Delete it even with tracks: they stay on the project, without a task.
    #[arg(long)]
    pub force: bool,
}

fn hours(seconds: i64) -> String {
    format_hmm(seconds)
}

fn status(k: &Task) -> String {
    if k.archived {
        format!("{} (archived)", k.status.as_str())
    } else {
        k.status.as_str().to_owned()
    }
}

/// `1:30 of 6:00 (25 %)`, or the time alone without an estimate.
fn progress(k: &Task) -> String {
    match k.estimate_seconds {
        Some(e) if e > 0 => format!(
            "{} of {} ({} %)",
            hours(k.tracked_seconds),
            hours(e),
            k.tracked_seconds.saturating_mul(100) / e
        ),
        _ => hours(k.tracked_seconds),
    }
}

fn print_task(k: &Task) {
    println!("Task #{} {} (project {})", k.id, k.name, k.project_name);
    println!("  status:   {}", status(k));
    println!("  priority: {}", k.priority.as_str());
    if let Some(d) = k.due_date {
        println!("  due:      {d}");
    }
    if let Some(m) = &k.milestone_name {
        println!("  milestone: {m}");
    }
    println!("  tracked:  {}", progress(k));
    println!(
        "  billable: {}",
        match k.billable_by_default {
            Some(true) => "yes",
            Some(false) => "no",
            None => "as the project",
        }
    );
    println!(
        "  rate:     {}",
        k.hourly_rate
            .map_or_else(|| "as the project".to_owned(), |r| r.to_string())
    );
}

/// Runs a `stint task` command: one function per subcommand.
///
/// # Errors
/// The service's errors (unknown project or task, a taken name, a task with tracks, ...).
pub fn run(svc: &Service, cmd: &TaskCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        TaskCommand::Add(a) => add(svc, a)?,
        TaskCommand::List(a) => list(svc, a)?,
        TaskCommand::Show(a) => {
            let k = svc.get_task(&a.task.task, a.task.project.as_deref())?;
            if super::out().json {
                println!("{}", stint_api::json::task(&k));
            } else {
                print_task(&k);
            }
        }
        TaskCommand::Edit(a) => edit(svc, a)?,
        TaskCommand::Archive(a) => archive(svc, a)?,
        TaskCommand::Delete(a) => delete(svc, a)?,
    }
    Ok(ExitCode::SUCCESS)
}

/// `stint task add`.
fn add(svc: &Service, a: &AddArgs) -> anyhow::Result<()> {
    let k = svc.create_task_for(
        NewTask {
            project: a.project.clone(),
            name: a.name.clone(),
            estimate_hours: a.estimate.clone(),
            billable: super::billable_flag(a.billable, a.no_billable),
            hourly_rate: a.rate.clone(),
            due_date: a.due.clone(),
            priority: a.priority.clone(),
            milestone: a.milestone.clone(),
        },
        a.assignee.as_deref(),
    )?;
    if super::out().json {
        println!("{}", stint_api::json::task(&k));
        return Ok(());
    }
    println!(
        "Added task #{} {} to project {}",
        k.id, k.name, k.project_name
    );
    Ok(())
}

/// `stint task list`: one page of tasks (up to `--limit`), as a table or JSON.
fn list(svc: &Service, a: &ListArgs) -> anyhow::Result<()> {
    let page = svc.list_tasks_for(
        ListTasks {
            project: a.project.clone(),
            status: a.status.clone(),
            priority: a.priority.clone(),
            due_before: a.due_before.clone(),
            milestone: a.milestone.clone(),
            limit: Some(a.limit),
            ..ListTasks::default()
        },
        a.assignee.as_deref(),
    )?;
    if super::out().json {
        println!("{}", stint_api::json::tasks(&page));
        return Ok(());
    }
    if page.items.is_empty() {
        println!("No tasks.");
        return Ok(());
    }
    println!("{}", task_table(&page.items));
    if page.next_cursor.is_some() {
        println!("(more tasks: raise --limit or pick a --project)");
    }
    Ok(())
}

/// The table `stint task list` prints: one row per task, tracked time against its estimate.
fn task_table(tasks: &[Task]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "id",
            "project",
            "task",
            "status",
            "priority",
            "due",
            "milestone",
            "tracked",
            "billable",
            "rate",
        ]);
    for k in tasks {
        table.add_row([
            k.id.to_string(),
            k.project_name.clone(),
            k.name.clone(),
            status(k),
            k.priority.as_str().to_owned(),
            k.due_date.map(|d| d.to_string()).unwrap_or_default(),
            k.milestone_name.clone().unwrap_or_default(),
            progress(k),
            match k.billable_by_default {
                Some(true) => "yes",
                Some(false) => "no",
                None => "",
            }
            .to_owned(),
            k.hourly_rate.map(|r| r.to_string()).unwrap_or_default(),
        ]);
    }
    table
}

/// `stint task edit`.
fn edit(svc: &Service, a: &EditArgs) -> anyhow::Result<()> {
    let k = svc.update_task_for(
        &a.task.task,
        a.task.project.as_deref(),
        TaskChanges {
            name: a.name.clone(),
            estimate_hours: a.estimate.clone(),
            status: a.status.clone(),
            billable: super::billable_flag(a.billable, a.no_billable),
            hourly_rate: a.rate.clone(),
            archived: None,
            due_date: a.due.clone(),
            priority: a.priority.clone(),
            milestone: a.milestone.clone(),
        },
        a.assignee.as_deref(),
    )?;
    if super::out().json {
        println!("{}", stint_api::json::task(&k));
        return Ok(());
    }
    println!("Changed task #{} {}", k.id, k.name);
    print_task(&k);
    Ok(())
}

/// `stint task archive`.
fn archive(svc: &Service, a: &TaskRef) -> anyhow::Result<()> {
    let d = svc.delete_task(DeleteTask {
        task: a.task.clone(),
        project: a.project.clone(),
        force: false,
        archive: true,
    })?;
    if super::out().json {
        println!("{}", stint_api::json::task_deleted(d));
        return Ok(());
    }
    println!(
        "Archived task #{} {}; unarchive with: stint task edit {} --status open",
        d.id, d.name, d.id
    );
    Ok(())
}

/// `stint task delete`: a task with tracks only with `--force` (its tracks stay on the
/// project, as the printed note says).
fn delete(svc: &Service, a: &DeleteArgs) -> anyhow::Result<()> {
    let d = svc.delete_task(DeleteTask {
        task: a.task.task.clone(),
        project: a.task.project.clone(),
        force: a.force,
        archive: false,
    })?;
    if super::out().json {
        println!("{}", stint_api::json::task_deleted(d));
        return Ok(());
    }
    println!("Deleted task #{} {}", d.id, d.name);
    if let Some(note) = d.note {
        println!("({note})");
    }
    Ok(())
}
