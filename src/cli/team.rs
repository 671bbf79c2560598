//! `stint milestone add|list|show|edit|complete` and `stint drafts [approve|discard] [IDS]`:
//! milestones and drafts from the terminal, through the same service calls as the team tools.

use std::process::ExitCode;

use clap::{Args, Subcommand};

use stint_api::dto_team::{self, DraftsOut, MilestoneCompletedOut, MilestoneOut};
use stint_domain::entities::Milestone;
use stint_domain::time::format_hmm;
use stint_service::{
    DraftSelection, Drafts, ListMilestones, MilestoneChanges, NewMilestone, Service,
};

/// `stint milestone`.
#[derive(Debug, Subcommand)]
pub enum MilestoneCommand {
    /// Add a milestone to a project.
    Add(MilestoneAddArgs),
    /// List milestones by due date, with their tasks and tracked time.
    List(MilestoneListArgs),
    /// Show one milestone.
    Show(MilestoneRef),
    /// Change a milestone's name or due date, reopen it (--status open) or archive it.
    Edit(MilestoneEditArgs),
    /// Complete a milestone: close its open tasks and mark it completed (one `stint undo`
    /// reopens them all).
    Complete(MilestoneRef),
}

/// A milestone named on the command line.
#[derive(Debug, Args)]
pub struct MilestoneRef {
    /// Milestone id or name.
    pub milestone: String,
    /// Its project (id or name), when several projects have a milestone of that name.
    #[arg(short, long)]
    pub project: Option<String>,
}

/// `stint milestone add`.
#[derive(Debug, Args)]
pub struct MilestoneAddArgs {
    /// The milestone's name, unique within its project.
    pub name: String,
    /// Project id or name.
    #[arg(short, long)]
    pub project: String,
    /// Due by this local date (2026-12-31, friday, "Dec 31").
    #[arg(long)]
    pub due: Option<String>,
}

/// `stint milestone list`.
#[derive(Debug, Args)]
pub struct MilestoneListArgs {
    /// Only this project's milestones.
    #[arg(short, long)]
    pub project: Option<String>,
    /// open, completed, archived or all [default: open and completed].
    #[arg(long)]
    pub status: Option<String>,
}

/// `stint milestone edit`.
#[derive(Debug, Args)]
pub struct MilestoneEditArgs {
    #[command(flatten)]
    pub milestone: MilestoneRef,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// New due date; "" removes it.
    #[arg(long)]
    pub due: Option<String>,
    /// open (reopens a completed one; its tasks stay as they are) or archived.
    #[arg(long)]
    pub status: Option<String>,
}

/// `stint drafts`.
#[derive(Debug, Args)]
pub struct DraftsArgs {
    #[command(subcommand)]
    pub action: Option<DraftsAction>,
}

/// What to do with drafts.
#[derive(Debug, Subcommand)]
pub enum DraftsAction {
    /// Approve drafts: from now on they count in every total (one `stint undo` reverts it).
    Approve(DraftIds),
    /// Discard drafts; an edit held as a draft leaves its track as it was.
    Discard(DraftIds),
}

/// Drafts named on the command line.
#[derive(Debug, Args)]
pub struct DraftIds {
    /// Track ids (`12`), or expense ids with an `e` (`e7`); none: every draft.
    #[arg(value_name = "IDS")]
    pub ids: Vec<String>,
}

fn selection(ids: &[String]) -> anyhow::Result<DraftSelection> {
    let mut sel = DraftSelection::default();
    for raw in ids {
        let id = raw.trim();
        let (expense, digits) = match id.strip_prefix(['e', 'E']) {
            Some(rest) => (true, rest),
            None => (false, id.trim_start_matches(['t', 'T', '#'])),
        };
        let n: i64 = digits.parse().map_err(|_| {
            anyhow::anyhow!(
                "{id:?} is not a draft id; give track ids (12) or expense ids with an e (e7), as \
                 `stint drafts` lists them"
            )
        })?;
        if expense {
            sel.expenses.push(n);
        } else {
            sel.tracks.push(n);
        }
    }
    Ok(sel)
}

fn milestone_line(m: &Milestone) -> String {
    format!(
        "#{} {} (project {}): {}{}, {} of {} tasks open, {} tracked",
        m.id,
        m.name,
        m.project_name,
        m.status.as_str(),
        m.due_date.map(|d| format!(", due {d}")).unwrap_or_default(),
        m.open_tasks,
        m.tasks,
        format_hmm(m.tracked_seconds)
    )
}

/// Runs a `stint milestone` command.
///
/// # Errors
/// The service's errors (unknown project or milestone, a taken name, completed already, ...).
pub fn milestone(svc: &Service, cmd: &MilestoneCommand) -> anyhow::Result<ExitCode> {
    let json = super::out().json;
    let one = |m: &Milestone, verb: &str| {
        if json {
            println!(
                "{}",
                dto_team::to_json(&dto_team::MilestoneResultOut {
                    milestone: m.into()
                })
            );
        } else {
            println!("{verb}{}", milestone_line(m));
        }
    };
    match cmd {
        MilestoneCommand::Add(a) => {
            let m = svc.create_milestone(NewMilestone {
                project: a.project.clone(),
                name: a.name.clone(),
                due_date: a.due.clone(),
            })?;
            one(&m, "Added milestone ");
        }
        MilestoneCommand::List(a) => {
            let ms = svc.list_milestones(ListMilestones {
                project: a.project.clone(),
                status: a.status.clone(),
            })?;
            if json {
                println!(
                    "{}",
                    dto_team::to_json(&dto_team::MilestoneListOut {
                        milestones: ms.iter().map(MilestoneOut::from).collect(),
                    })
                );
                return Ok(ExitCode::SUCCESS);
            }
            if ms.is_empty() {
                println!("No milestones.");
                return Ok(ExitCode::SUCCESS);
            }
            let mut table = super::table();
            table.set_header([
                "id",
                "project",
                "milestone",
                "due",
                "status",
                "tasks",
                "open",
                "tracked",
            ]);
            for m in &ms {
                table.add_row([
                    m.id.to_string(),
                    m.project_name.clone(),
                    m.name.clone(),
                    m.due_date.map(|d| d.to_string()).unwrap_or_default(),
                    if m.archived {
                        format!("{} (archived)", m.status.as_str())
                    } else {
                        m.status.as_str().to_owned()
                    },
                    m.tasks.to_string(),
                    m.open_tasks.to_string(),
                    format_hmm(m.tracked_seconds),
                ]);
            }
            println!("{table}");
        }
        MilestoneCommand::Show(a) => {
            let m = svc.get_milestone(&a.milestone, a.project.as_deref())?;
            one(&m, "Milestone ");
        }
        MilestoneCommand::Edit(a) => {
            let m = svc.update_milestone(
                &a.milestone.milestone,
                a.milestone.project.as_deref(),
                MilestoneChanges {
                    name: a.name.clone(),
                    due_date: a.due.clone(),
                    status: a.status.clone(),
                },
            )?;
            one(&m, "Changed milestone ");
        }
        MilestoneCommand::Complete(a) => {
            let c = svc.complete_milestone(&a.milestone, a.project.as_deref())?;
            if json {
                println!("{}", dto_team::to_json(&MilestoneCompletedOut::from(&c)));
                return Ok(ExitCode::SUCCESS);
            }
            println!("Completed milestone {}", milestone_line(&c.milestone));
            if c.closed.is_empty() {
                println!("No open tasks to close.");
            } else {
                println!("Closed {} tasks:", c.closed.len());
                for k in &c.closed {
                    println!("  #{} {}", k.id, k.name);
                }
            }
            println!("(undo it all with: stint undo)");
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_drafts(svc: &Service, d: &Drafts, heading: &str) {
    if super::out().json {
        println!("{}", dto_team::to_json(&DraftsOut::new(d, svc.now())));
        return;
    }
    if d.tracks.is_empty() && d.expenses.is_empty() {
        println!("No drafts.");
        return;
    }
    println!("{heading}");
    for t in &d.tracks {
        let span = format!(
            "{} – {}",
            t.start.format("%Y-%m-%d %H:%M UTC"),
            t.end
                .map(|e| e.format("%H:%M").to_string())
                .unwrap_or_else(|| "running".to_owned())
        );
        let secs = t.end.map_or(0, |e| (e - t.start).num_seconds()).max(0);
        let edit = t
            .draft_of
            .map(|o| format!(" (edit of track {o})"))
            .unwrap_or_default();
        println!(
            "  track {:>5}  {span}  {}  {}  {}{edit}",
            t.id,
            format_hmm(secs),
            t.project_name.as_deref().unwrap_or("(no project)"),
            t.description
        );
    }
    for e in &d.expenses {
        let edit = e
            .draft_of
            .map(|o| format!(" (edit of expense {o})"))
            .unwrap_or_default();
        println!(
            "  expense e{:<4} {}  {} {}  {}  {}{edit}",
            e.id, e.date, e.amount, e.currency, e.project_name, e.description
        );
    }
    if d.remaining > 0 {
        println!("({} more drafts)", d.remaining);
    }
}

/// Runs `stint drafts`.
///
/// # Errors
/// The service's errors (an id that is not a draft, a held edit of an invoiced track, ...).
pub fn drafts(svc: &Service, a: &DraftsArgs) -> anyhow::Result<ExitCode> {
    match &a.action {
        None => {
            let d = svc.list_drafts()?;
            print_drafts(
                svc,
                &d,
                "Drafts (counted nowhere until approved: stint drafts approve):",
            );
        }
        Some(DraftsAction::Approve(ids)) => {
            let d = svc.approve_drafts(selection(&ids.ids)?)?;
            print_drafts(
                svc,
                &d,
                &format!(
                    "Approved {} tracks and {} expenses (undo with: stint undo):",
                    d.tracks.len(),
                    d.expenses.len()
                ),
            );
        }
        Some(DraftsAction::Discard(ids)) => {
            let d = svc.discard_drafts(selection(&ids.ids)?)?;
            print_drafts(
                svc,
                &d,
                &format!(
                    "Discarded {} tracks and {} expenses (undo with: stint undo):",
                    d.tracks.len(),
                    d.expenses.len()
                ),
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}
