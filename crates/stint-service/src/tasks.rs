//! Use cases for tasks (work under a project: a ticket, a phase, an activity), and resolving a
//! track's project and task together.
//!
//! Rules (docs/rules.md, "Tasks"):
//! - a task belongs to one project for its whole life; its name is unique within the project,
//!   ignoring case in every script, and is not only digits (digits name a task by id);
//! - a track's task is a task of the track's project; naming a task without a project puts the
//!   track on the task's project; moving a track to another project drops a task of the old one;
//! - a new track on a task takes the task's billable default, else the project's;
//! - the task's rate comes after the track's own and before the project's;
//! - a task with tracks is deleted only with `force` (its tracks stay on the project, without a
//!   task) and never while one of them is on an invoice; archiving keeps it instead.

use rust_decimal::Decimal;

use super::catalog::{as_id, closest_candidates, parse_opt_rate, require_name, resolve_project};
use super::milestones::resolve_milestone;
use super::{
    Ctx, Deleted, Page, Result, Service, ServiceError, clean, decode_cursor, encode_cursor,
    page_size, paginate, unique_violation,
};
use stint_domain::entities::{Project, Task, TaskPriority, TaskStatus};
use stint_domain::limits::{MAX_DURATION_SECONDS, echo};
use stint_domain::msg;
use stint_domain::time::parse_duration;
use stint_domain::words::{Act, Arg, Name};
use stint_domain::{DomainError, ProjectId, TaskId};
use stint_store::projects;
use stint_store::tasks::{self, TaskFields, TaskFilter, TaskKeyset};

/// Most same-named tasks an ambiguity error lists.
const MAX_LISTED: usize = 10;

/// Input of `create_task`. Texts are as the user sent them; this layer parses them.
#[derive(Debug, Clone, Default)]
pub struct NewTask {
    /// Project id or exact name.
    pub project: String,
    pub name: String,
    /// Estimated work: decimal hours (`6`, `1.5`) or a duration (`1h30m`), at most 1 000 000
    /// hours.
    pub estimate_hours: Option<String>,
    /// Whether new tracks on the task are billable; `None` follows the project.
    pub billable: Option<bool>,
    /// Hourly rate in major units of the project's currency.
    pub hourly_rate: Option<String>,
    /// Local day it is due by (`2026-12-31`, `friday`, `Dec 31`), in the configured zone.
    pub due_date: Option<String>,
    /// `low`, `normal` (the default), `high` or `urgent`, or 1 to 4.
    pub priority: Option<String>,
    /// A milestone of the task's project, by id or exact name.
    pub milestone: Option<String>,
}

/// Input of `update_task`: `None` leaves a field as it is; an empty text clears estimate and
/// rate.
#[derive(Debug, Clone, Default)]
pub struct TaskChanges {
    pub name: Option<String>,
    pub estimate_hours: Option<String>,
    /// `open` or `done`, or `archived` (which archives the task; `open` and `done` unarchive
    /// it).
    pub status: Option<String>,
    pub billable: Option<bool>,
    pub hourly_rate: Option<String>,
    pub archived: Option<bool>,
    /// Local day it is due by; empty clears.
    pub due_date: Option<String>,
    pub priority: Option<String>,
    /// A milestone of the task's project; empty takes the task off its milestone.
    pub milestone: Option<String>,
}

/// Input of `list_tasks`.
#[derive(Debug, Clone, Default)]
pub struct ListTasks {
    /// Only this project's tasks (id or exact name).
    pub project: Option<String>,
    /// Only `open` or `done` tasks (not archived), only `archived` ones, or `all`; by
    /// default every task that is not archived.
    pub status: Option<String>,
    /// With `status` left out: archived tasks too.
    pub include_archived: bool,
    /// Only tasks of this priority.
    pub priority: Option<String>,
    /// Only tasks due before this local day (`friday`, `2026-12-31`, `next week`'s start is
    /// not a day: give a date); tasks without a due date are left out.
    pub due_before: Option<String>,
    /// Only the tasks of this milestone (id or exact name).
    pub milestone: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Input of `delete_task`.
#[derive(Debug, Clone, Default)]
pub struct DeleteTask {
    /// Task id or exact name.
    pub task: String,
    /// The task's project (id or exact name), to tell same-named tasks apart.
    pub project: Option<String>,
    /// Delete even with tracks on it: they stay on the project, without a task.
    pub force: bool,
    /// Archive instead of deleting: kept with its tracks, hidden from lists and refused for new
    /// tracks.
    pub archive: bool,
}

/// Parses an estimate: decimal hours (`6`, `1.5`) or a duration (`1h30m`, `90m`). Returns
/// seconds, more than 0 and at most 1 000 000 hours.
fn parse_estimate(input: &str) -> Result<i64> {
    let s = input.trim();
    let seconds = match s.parse::<Decimal>() {
        Ok(hours) => {
            if hours > Decimal::from(MAX_DURATION_SECONDS / 3600) {
                return Err(DomainError::Invalid(format!(
                    "an estimate of {} hours is more than the 1000000 hours stint accepts; check \
                     the number",
                    echo(s)
                ).into())
                .into());
            }
            // At most 3.6e9 seconds: no overflow.
            i64::try_from((hours * Decimal::from(3600)).round()).unwrap_or(0)
        }
        Err(_) => parse_duration(s)?,
    };
    if seconds <= 0 {
        return Err(DomainError::Invalid(
            format!(
                "an estimate of {} is not positive; give hours such as 6 or 1.5, or \"\" for no \
             estimate",
                echo(s)
            )
            .into(),
        )
        .into());
    }
    Ok(seconds)
}

/// A due date as sent: a local date in the configured zone; empty or absent for none.
fn due_date(ctx: &Ctx<'_>, input: Option<String>) -> Result<Option<chrono::NaiveDate>> {
    match clean(input) {
        Some(d) => Ok(Some(stint_domain::time::parse_date(&d, ctx.tz, ctx.now)?)),
        None => Ok(None),
    }
}

/// A priority as sent (`low`, `normal`, `high`, `urgent`, or 1 to 4); absent for none.
fn priority(input: Option<String>) -> Result<Option<TaskPriority>> {
    match clean(input) {
        Some(p) => Ok(Some(TaskPriority::parse(&p)?)),
        None => Ok(None),
    }
}

fn parse_opt_estimate(input: Option<String>) -> Result<Option<i64>> {
    match clean(input) {
        Some(s) => Ok(Some(parse_estimate(&s)?)),
        None => Ok(None),
    }
}

/// A task name as stored: trimmed, one line of at most 200 characters, not only digits.
fn task_name(name: &str) -> Result<String> {
    let name = require_name(name, "task")?;
    if as_id(&name).is_some() {
        return Err(DomainError::Invalid(
            format!(
                "a task name cannot be only digits ({name:?}), since digits are read as a task id; \
             add a word, e.g. \"#{name} Fix login\""
            )
            .into(),
        )
        .into());
    }
    Ok(name)
}

/// Finds a task by id or exact name (ignoring case in every script), among `project`'s tasks
/// when a project is given, else among all.
///
/// # Errors
/// [`ServiceError::NotFound`] listing the closest names; [`ServiceError::Ambiguous`] when tasks
/// of several projects have the name (send the project too); [`ServiceError::Conflict`] when a
/// task id names a task of another project than `project`.
pub(crate) fn resolve_task(
    ctx: &Ctx<'_>,
    project: Option<&Project>,
    reference: &str,
) -> Result<Task> {
    if let Some(id) = as_id(reference) {
        let task = tasks::get(ctx.tx, TaskId(id), ctx.now)?.ok_or_else(|| {
            ServiceError::NotFound(msg![
                format!("no task has id {id}; find it with "),
                Act::ListTasks,
                ", or give its exact name",
            ])
        })?;
        if let Some(p) = project
            && task.project_id != p.id
        {
            return Err(not_of_project(&task, p));
        }
        return Ok(task);
    }
    let mut found = tasks::find_by_name(ctx.tx, project.map(|p| p.id), reference, ctx.now)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let (rows, total) = tasks::names_for_suggestions(ctx.tx, project.map(|p| p.id))?;
            let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let labels: Vec<String> = rows
                .into_iter()
                .map(|(k, p)| match project {
                    Some(_) => k,
                    None => format!("{k} (project {p})"),
                })
                .collect();
            let mut m = msg!["no task "];
            if let Some(p) = project {
                m.push("of project ");
                m.push(Name(p.label()));
                m.push(" ");
            }
            m.push(msg![
                "is named or numbered ",
                Name(reference),
                "; ",
                closest_candidates(reference, &names, &labels, total, Act::ListTasks),
                ". Give an exact name (case does not matter) or id, or create it with ",
                Act::CreateTask,
            ]);
            Err(ServiceError::NotFound(m))
        }
        n => {
            // The task's id is the one reference every caller can give (`update_task` has no
            // project to narrow by).
            let mut m = msg![format!("{n} tasks are named "), Name(reference), ": "];
            for (i, k) in found.iter().take(MAX_LISTED).enumerate() {
                if i > 0 {
                    m.push(", ");
                }
                m.push(msg![
                    format!("id {} = ", k.id),
                    Name(&k.name),
                    " (project ",
                    Name(&k.project_name),
                    ")",
                ]);
            }
            if n > MAX_LISTED {
                m.push(format!(" and {} more", n - MAX_LISTED));
            }
            m.push("; give the task's id instead");
            Err(ServiceError::Ambiguous(m))
        }
    }
}

/// The error for a task that is not `project`'s.
pub(crate) fn not_of_project(task: &Task, project: &Project) -> ServiceError {
    ServiceError::Conflict(msg![
        format!("task {} (", task.id),
        Name(&task.name),
        ") belongs to project ",
        Name(&task.project_name),
        ", not to ",
        Name(project.label()),
        "; a track's task must be a task of its project: give a task of ",
        Name(project.label()),
        " (",
        Act::ListProjectTasks,
        "), or the project ",
        Name(&task.project_name),
    ])
}

/// Refuses an archived project or task for a track.
fn usable(project: &Project, task: Option<&Task>) -> Result<()> {
    if project.archived {
        return Err(ServiceError::Conflict(msg![
            "project ",
            Name(project.label()),
            " is archived; unarchive it first (",
            Act::UnarchiveProject,
            ") or choose another project",
        ]));
    }
    if let Some(k) = task
        && k.archived
    {
        return Err(ServiceError::Conflict(msg![
            format!("task {} (", k.id),
            Name(&k.name),
            ") of project ",
            Name(&k.project_name),
            " is archived; unarchive it first (",
            Act::ReopenTask,
            ") or choose another task",
        ]));
    }
    Ok(())
}

/// The project and task of a new track from what the caller sent, and the billable default
/// that follows (the task's, else the project's, else false without a project).
///
/// A task without a project puts the track on the task's project. Archived projects and tasks
/// are refused.
pub(crate) fn track_placement(
    ctx: &Ctx<'_>,
    project: Option<&str>,
    task: Option<&str>,
) -> Result<(Option<ProjectId>, Option<TaskId>, bool)> {
    let project = match project.map(str::trim).filter(|p| !p.is_empty()) {
        // A missing project is created when the caller asked for that (`stint start -p`).
        Some(p) => Some(super::catalog::resolve_or_create_project(ctx, p)?),
        None => None,
    };
    let task = match task.map(str::trim).filter(|t| !t.is_empty()) {
        Some(t) => Some(resolve_task(ctx, project.as_ref(), t)?),
        None => None,
    };
    let project = match (project, &task) {
        (Some(p), _) => Some(p),
        (None, Some(k)) => projects::get(ctx.tx, k.project_id)?,
        (None, None) => None,
    };
    let Some(project) = project else {
        return Ok((None, None, false));
    };
    usable(&project, task.as_ref())?;
    let billable = task
        .as_ref()
        .and_then(|k| k.billable_by_default)
        .unwrap_or(project.billable_by_default);
    Ok((Some(project.id), task.map(|k| k.id), billable))
}

/// The project and task of a track being changed: `project` and `task` as sent (`None`:
/// unchanged; empty: none), from the track's `current` ones.
///
/// A task named without a project is looked up in the track's (new) project; a track without
/// a project moves to the task's. A track moved to another project without a task named loses
/// a task of the old project.
pub(crate) fn track_replacement(
    ctx: &Ctx<'_>,
    current: (Option<ProjectId>, Option<TaskId>),
    project: Option<&str>,
    task: Option<&str>,
) -> Result<(Option<ProjectId>, Option<TaskId>)> {
    let mut project_id = current.0;
    if let Some(p) = project {
        project_id = match p.trim() {
            "" => None,
            p => {
                let p = resolve_project(ctx, p)?;
                usable(&p, None)?;
                Some(p.id)
            }
        };
    }
    let task_id = match task.map(str::trim) {
        None if project_id == current.0 => current.1,
        // Moved: a task of the old project does not come along.
        None => None,
        Some("") => None,
        Some(t) => {
            let project = match project_id {
                Some(id) => projects::get(ctx.tx, id)?,
                None => None,
            };
            let k = resolve_task(ctx, project.as_ref(), t)?;
            if project.is_none() {
                let owner = projects::get(ctx.tx, k.project_id)?;
                if let Some(owner) = &owner {
                    usable(owner, Some(&k))?;
                }
                project_id = Some(k.project_id);
            } else if let Some(p) = &project {
                usable(p, Some(&k))?;
            }
            Some(k.id)
        }
    };
    Ok((project_id, task_id))
}

fn task_keyset(t: &Task) -> Vec<String> {
    vec![
        t.project_name.clone(),
        t.project_id.0.to_string(),
        t.name.clone(),
        t.id.0.to_string(),
    ]
}

fn decode_task_cursor(cursor: Option<&str>) -> Result<Option<TaskKeyset>> {
    let Some(c) = cursor.filter(|c| !c.trim().is_empty()) else {
        return Ok(None);
    };
    match decode_cursor("tasks", c)?.as_slice() {
        [pn, pid, n, id] => match (pid.parse(), id.parse()) {
            (Ok(pid), Ok(id)) => Ok(Some((pn.clone(), pid, n.clone(), id))),
            _ => Err(super::bad_cursor(c)),
        },
        _ => Err(super::bad_cursor(c)),
    }
}

fn load(ctx: &Ctx<'_>, id: TaskId) -> Result<Task> {
    tasks::get(ctx.tx, id, ctx.now)?
        .ok_or_else(|| ServiceError::NotFound(format!("no task has id {id}").into()))
}

/// The task a caller names: by id or name, within `project` when given.
fn named_task(ctx: &Ctx<'_>, task: &str, project: Option<&str>) -> Result<Task> {
    let project = match project.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(resolve_project(ctx, p)?),
        None => None,
    };
    resolve_task(ctx, project.as_ref(), task)
}

impl Service {
    /// Creates a task under a project.
    ///
    /// # Errors
    /// An unknown or archived project; an empty, all-digit or taken name (per project); a bad
    /// estimate or rate.
    pub fn create_task(&self, req: NewTask) -> Result<Task> {
        self.create_task_for(req, None)
    }

    /// [`Service::create_task`], assigned to `assignee` (a person's name or id, `me` or
    /// `owner`; `None` or empty: nobody).
    ///
    /// # Errors
    /// As [`Service::create_task`]; an unknown person.
    pub fn create_task_for(&self, req: NewTask, assignee: Option<&str>) -> Result<Task> {
        let args = format!("{req:?} {assignee:?}");
        let ids = |k: &Task| vec![k.id.0];
        let reload =
            |ctx: &Ctx<'_>, ids: &[i64]| load(ctx, TaskId(ids.first().copied().unwrap_or(0)));
        self.write_once("create_task", &args, ids, reload, |ctx| {
            let project = resolve_project(ctx, &req.project)?;
            usable(&project, None)?;
            let name = task_name(&req.name)?;
            let fields = TaskFields {
                name: name.clone(),
                estimate_seconds: parse_opt_estimate(req.estimate_hours)?,
                status: TaskStatus::Open,
                billable_by_default: req.billable,
                hourly_rate: parse_opt_rate(req.hourly_rate.as_deref())?,
                archived: false,
                due_date: due_date(ctx, req.due_date.clone())?,
                priority: priority(req.priority.clone())?.unwrap_or_default(),
                milestone_id: match clean(req.milestone.clone()) {
                    Some(m) => Some(resolve_milestone(ctx, Some(&project), &m)?.id),
                    None => None,
                },
            };
            let id = tasks::insert(ctx.tx, project.id, &fields, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    msg![
                        "project ",
                        Name(project.label()),
                        " already has a task named ",
                        Name(&name),
                        "; choose another name, or change that one with ",
                        Act::EditTask,
                    ]
                })
            })?;
            if let Some(who) = assignee_of(ctx, assignee)? {
                tasks::set_assignee(ctx.tx, id, Some(who), ctx.now)?;
            }
            ctx.audit("task", &[id.0], Some(&name))?;
            load(ctx, id)
        })
    }

    /// Reads one task by id, or by name within `project`.
    pub fn get_task(&self, task: &str, project: Option<&str>) -> Result<Task> {
        self.read(|ctx| named_task(ctx, task, project))
    }

    /// Lists tasks by project name then task name, paged, with the time tracked on each.
    ///
    /// # Errors
    /// An unknown project, status or cursor; a limit of 0.
    pub fn list_tasks(&self, req: ListTasks) -> Result<Page<Task>> {
        self.list_tasks_for(req, None)
    }

    /// [`Service::list_tasks`] of the tasks assigned to `assignee` (a person's name or id,
    /// `me`: the caller's person, `owner`).
    ///
    /// # Errors
    /// As [`Service::list_tasks`]; an unknown person.
    pub fn list_tasks_for(&self, req: ListTasks, assignee: Option<&str>) -> Result<Page<Task>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let (status, archived) = match clean(req.status).as_deref() {
                None if req.include_archived => (None, None),
                None => (None, Some(false)),
                Some(s) if s.eq_ignore_ascii_case("all") => (None, None),
                Some(s) if s.eq_ignore_ascii_case("archived") => (None, Some(true)),
                Some(s) => (
                    Some(TaskStatus::parse(s).map_err(|_| {
                        DomainError::parse("task status", s, "give open, done, archived or all")
                    })?),
                    Some(false),
                ),
            };
            let filter = TaskFilter {
                project_id: match clean(req.project) {
                    Some(p) => Some(resolve_project(ctx, &p)?.id),
                    None => None,
                },
                status,
                archived,
                priority: priority(req.priority.clone())?,
                due_before: due_date(ctx, req.due_before.clone())?,
                milestone_id: match clean(req.milestone.clone()) {
                    Some(m) => Some(resolve_milestone(ctx, None, &m)?.id),
                    None => None,
                },
                assignee: assignee_of(ctx, assignee)?,
            };
            let after = decode_task_cursor(req.cursor.as_deref())?;
            let rows = tasks::list(ctx.tx, &filter, after.as_ref(), size + 1, ctx.now)?;
            Ok(paginate(rows, size, |k| {
                encode_cursor("tasks", &task_keyset(k))
            }))
        })
    }

    /// Changes fields of a task (by id, or by name within `project`); absent fields stay, empty
    /// texts clear estimate and rate.
    ///
    /// # Errors
    /// No such task; a bad name, estimate, status or rate; a name the project already has.
    pub fn update_task(&self, task: &str, project: Option<&str>, req: TaskChanges) -> Result<Task> {
        self.update_task_for(task, project, req, None)
    }

    /// [`Service::update_task`], and assigns it to `assignee` when given (a person's name or
    /// id, `me`, `owner`; empty: nobody).
    ///
    /// # Errors
    /// As [`Service::update_task`]; an unknown person.
    pub fn update_task_for(
        &self,
        task: &str,
        project: Option<&str>,
        req: TaskChanges,
        assignee: Option<&str>,
    ) -> Result<Task> {
        self.write("update_task", |ctx| {
            let current = named_task(ctx, task, project)?;
            let mut f = TaskFields::from(&current);
            if let Some(n) = req.name {
                f.name = task_name(&n)?;
            }
            if req.estimate_hours.is_some() {
                f.estimate_seconds = parse_opt_estimate(req.estimate_hours)?;
            }
            match clean(req.status) {
                Some(s) if s.eq_ignore_ascii_case("archived") => f.archived = true,
                Some(s) => {
                    f.status = TaskStatus::parse(&s).map_err(|_| {
                        DomainError::parse("task status", &s, "give open, done or archived")
                    })?;
                    f.archived = false;
                }
                None => {}
            }
            if let Some(b) = req.billable {
                f.billable_by_default = Some(b);
            }
            if let Some(r) = req.hourly_rate {
                f.hourly_rate = parse_opt_rate(Some(&r))?;
            }
            if let Some(a) = req.archived {
                f.archived = a;
            }
            if req.due_date.is_some() {
                f.due_date = due_date(ctx, req.due_date.clone())?;
            }
            if let Some(p) = priority(req.priority.clone())? {
                f.priority = p;
            }
            if let Some(m) = req.milestone.as_deref() {
                f.milestone_id = match m.trim() {
                    "" => None,
                    m => {
                        let project = projects::get(ctx.tx, current.project_id)?;
                        Some(resolve_milestone(ctx, project.as_ref(), m)?.id)
                    }
                };
            }
            let name = f.name.clone();
            tasks::update(ctx.tx, current.id, &f, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    format!(
                        "project {} already has a task named {name:?}; choose another name",
                        current.project_name
                    )
                    .into()
                })
            })?;
            if let Some(a) = assignee {
                tasks::set_assignee(ctx.tx, current.id, assignee_of(ctx, Some(a))?, ctx.now)?;
            }
            ctx.audit("task", &[current.id.0], None)?;
            load(ctx, current.id)
        })
    }

    /// Deletes a task without tracks; with tracks only when `force` (they stay on the project
    /// without a task); or archives it (`archive`).
    ///
    /// # Errors
    /// Tracks on the task and no `force`; with `force`, a track on the task that is on an
    /// invoice (an invoiced track cannot change).
    pub fn delete_task(&self, req: DeleteTask) -> Result<Deleted> {
        let operation = if req.archive {
            "archive_task"
        } else {
            "delete_task"
        };
        self.write(operation, |ctx| {
            let k = named_task(ctx, &req.task, req.project.as_deref())?;
            if req.archive {
                let mut f = TaskFields::from(&k);
                f.archived = true;
                tasks::update(ctx.tx, k.id, &f, ctx.now)?;
                ctx.audit("task", &[k.id.0], Some("archived"))?;
                return Ok(Deleted {
                    id: k.id.0,
                    name: k.name,
                    action: "archived",
                    note: Some(msg!["its tracks are kept; unarchive with ", Act::ReopenTask]),
                });
            }
            let (n, invoiced) = tasks::track_counts(ctx.tx, k.id)?;
            if invoiced > 0 {
                return Err(ServiceError::Conflict(msg![
                    format!("task {} (", k.id),
                    Name(&k.name),
                    format!(") has {invoiced} tracks on invoices, which cannot change; archive the task instead ("),
                    Act::ArchiveTask,
                    ")",
                ]));
            }
            if n > 0 && !req.force {
                return Err(ServiceError::Conflict(msg![
                    format!("task {} (", k.id),
                    Name(&k.name),
                    format!(") has {n} tracks; give "),
                    Arg::Force,
                    " to delete it anyway (its tracks stay on project ",
                    Name(&k.project_name),
                    " without a task), or archive it instead (",
                    Act::ArchiveTask,
                    ")",
                ]));
            }
            let detached = tasks::detach(ctx.tx, k.id, ctx.now)?;
            tasks::delete(ctx.tx, k.id)?;
            ctx.audit("task", &[k.id.0], Some("deleted"))?;
            Ok(Deleted {
                id: k.id.0,
                name: k.name,
                action: "deleted",
                note: (detached > 0).then(|| {
                    msg![
                        format!("{detached} tracks stay on project "),
                        Name(&k.project_name),
                        " without a task",
                    ]
                }),
            })
        })
    }
}

/// The assignee a request names: `None` for none or an empty text (nobody), else the person
/// (`Some(None)`: the owner; `me` is the caller's person).
fn assignee_of(
    ctx: &Ctx<'_>,
    reference: Option<&str>,
) -> Result<Option<Option<stint_domain::PersonId>>> {
    match reference.map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(r) => Ok(Some(super::people::resolve_person(ctx, r)?)),
    }
}
