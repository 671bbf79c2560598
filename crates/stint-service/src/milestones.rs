//! Use cases for milestones: stages of a project, with a due date, that hold tasks of that
//! project (issue 21, item 6; docs/rules.md, "Tasks").
//!
//! Rules:
//! - a milestone belongs to one project for its whole life; its name is unique within the
//!   project, ignoring case; a task joins only a milestone of its own project;
//! - completing a milestone closes its open tasks (status `done`) and marks it completed, as one
//!   change: one undo reopens the tasks and the milestone;
//! - reopening a completed milestone (`update_milestone` status `open`) leaves its tasks as they
//!   are.

use super::catalog::{as_id, require_name, resolve_project};
use super::{Ctx, Result, Service, ServiceError, clean, unique_violation};
use stint_domain::entities::{Milestone, MilestoneStatus, Project, Task};
use stint_domain::time::parse_date;
use stint_domain::words::Name;
use stint_domain::{DomainError, MilestoneId, msg};
use stint_store::milestones::{self, MilestoneFields, MilestoneFilter};

/// Most milestones one `list_milestones` answers.
pub const MAX_MILESTONES_LISTED: usize = 500;

/// Input of `create_milestone`; texts as sent.
#[derive(Debug, Clone, Default)]
pub struct NewMilestone {
    /// Project id or exact name.
    pub project: String,
    pub name: String,
    /// A local date (`2026-12-31`, `friday`, `Dec 31`), in the configured zone.
    pub due_date: Option<String>,
}

/// Input of `update_milestone`: `None` leaves a field; an empty due date clears it.
#[derive(Debug, Clone, Default)]
pub struct MilestoneChanges {
    pub name: Option<String>,
    pub due_date: Option<String>,
    /// `open` (reopens a completed milestone, its tasks untouched), `completed` (as
    /// [`Service::complete_milestone`] without closing tasks is not offered: use that), or
    /// `archived`.
    pub status: Option<String>,
}

/// Input of `list_milestones`.
#[derive(Debug, Clone, Default)]
pub struct ListMilestones {
    pub project: Option<String>,
    /// `open`, `completed`, `archived` or `all`; by default every one not archived.
    pub status: Option<String>,
}

/// Answer of `complete_milestone`: the milestone, and the tasks it closed (by id).
#[derive(Debug, Clone)]
pub struct MilestoneCompleted {
    pub milestone: Milestone,
    pub closed: Vec<Task>,
}

fn due(ctx: &Ctx<'_>, input: Option<String>) -> Result<Option<chrono::NaiveDate>> {
    match clean(input) {
        Some(d) => Ok(Some(parse_date(&d, ctx.tz, ctx.now)?)),
        None => Ok(None),
    }
}

fn load(ctx: &Ctx<'_>, id: MilestoneId) -> Result<Milestone> {
    milestones::get(ctx.tx, id, ctx.now)?
        .ok_or_else(|| ServiceError::NotFound(format!("no milestone has id {id}").into()))
}

fn milestone_name(name: &str) -> Result<String> {
    let name = require_name(name, "milestone")?;
    if as_id(&name).is_some() {
        return Err(DomainError::Invalid(
            format!(
                "a milestone name cannot be only digits ({name:?}), since digits are read as an \
                 id; add a word, e.g. \"Phase {name}\""
            )
            .into(),
        )
        .into());
    }
    Ok(name)
}

/// Finds a milestone by id or exact name (case-insensitive), among `project`'s when given.
///
/// # Errors
/// [`ServiceError::NotFound`] (naming how to list them); [`ServiceError::Ambiguous`] when
/// milestones of several projects have the name; [`ServiceError::Conflict`] when an id names
/// a milestone of another project than `project`.
pub(crate) fn resolve_milestone(
    ctx: &Ctx<'_>,
    project: Option<&Project>,
    reference: &str,
) -> Result<Milestone> {
    let found = match as_id(reference) {
        Some(id) => milestones::get(ctx.tx, MilestoneId(id), ctx.now)?
            .into_iter()
            .collect(),
        None => milestones::find_by_name(ctx.tx, project.map(|p| p.id), reference, ctx.now)?,
    };
    match found.as_slice() {
        [m] => {
            if let Some(p) = project
                && m.project_id != p.id
            {
                return Err(ServiceError::Conflict(msg![
                    format!("milestone {} (", m.id),
                    Name(&m.name),
                    ") belongs to project ",
                    Name(&m.project_name),
                    ", not to ",
                    Name(p.label()),
                    "; a task joins a milestone of its own project (list_milestones)",
                ]));
            }
            Ok(m.clone())
        }
        [] => Err(ServiceError::NotFound(msg![
            "no milestone is named or numbered ",
            Name(reference),
            "; list them with list_milestones (stint milestone list), or create it with \
             create_milestone (stint milestone add)",
        ])),
        many => Err(ServiceError::Ambiguous(
            format!(
                "{} milestones are named {reference:?} (ids {}); give the id or the project",
                many.len(),
                many.iter()
                    .map(|m| m.id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
            .into(),
        )),
    }
}

fn named(ctx: &Ctx<'_>, milestone: &str, project: Option<&str>) -> Result<Milestone> {
    let project = match project.map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(resolve_project(ctx, p)?),
        None => None,
    };
    resolve_milestone(ctx, project.as_ref(), milestone)
}

impl Service {
    /// Creates a milestone of a project.
    ///
    /// # Errors
    /// An unknown or archived project; an empty, all-digit or taken name (per project); an
    /// unreadable due date.
    pub fn create_milestone(&self, req: NewMilestone) -> Result<Milestone> {
        self.write("create_milestone", |ctx| {
            let project = resolve_project(ctx, &req.project)?;
            if project.archived {
                return Err(ServiceError::Conflict(msg![
                    "project ",
                    Name(project.label()),
                    " is archived; unarchive it first",
                ]));
            }
            let name = milestone_name(&req.name)?;
            let f = MilestoneFields {
                name: name.clone(),
                due_date: due(ctx, req.due_date.clone())?,
                status: MilestoneStatus::Open,
                completed_at: None,
                archived: false,
            };
            let id = milestones::insert(ctx.tx, project.id, &f, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    msg![
                        "project ",
                        Name(project.label()),
                        " already has a milestone named ",
                        Name(&name),
                        "; choose another name, or change that one with update_milestone",
                    ]
                })
            })?;
            ctx.audit("milestone", &[id.0], Some(&name))?;
            load(ctx, id)
        })
    }

    /// Milestones by due date (none last), with their task counts and tracked time; at most
    /// [`MAX_MILESTONES_LISTED`].
    ///
    /// # Errors
    /// An unknown project or status.
    pub fn list_milestones(&self, req: ListMilestones) -> Result<Vec<Milestone>> {
        self.read(|ctx| {
            let mut filter = MilestoneFilter {
                project_id: match clean(req.project.clone()) {
                    Some(p) => Some(resolve_project(ctx, &p)?.id),
                    None => None,
                },
                ..MilestoneFilter::default()
            };
            let mut only_archived = false;
            match clean(req.status.clone()).as_deref() {
                None => {}
                Some(s) if s.eq_ignore_ascii_case("all") => filter.include_archived = true,
                Some(s) if s.eq_ignore_ascii_case("archived") => {
                    filter.include_archived = true;
                    only_archived = true;
                }
                Some(s) => {
                    filter.status = Some(MilestoneStatus::parse(s).map_err(|_| {
                        DomainError::parse(
                            "milestone status",
                            s,
                            "give open, completed, archived or all",
                        )
                    })?);
                }
            }
            let mut rows = milestones::list(ctx.tx, &filter, MAX_MILESTONES_LISTED, ctx.now)?;
            if only_archived {
                rows.retain(|m| m.archived);
            }
            Ok(rows)
        })
    }

    /// Reads one milestone by id, or by name within `project`.
    pub fn get_milestone(&self, milestone: &str, project: Option<&str>) -> Result<Milestone> {
        self.read(|ctx| named(ctx, milestone, project))
    }

    /// Changes a milestone's name, due date or status (`open` reopens it, `archived` archives
    /// it).
    ///
    /// # Errors
    /// No such milestone; a bad name, date or status; a name the project already has.
    pub fn update_milestone(
        &self,
        milestone: &str,
        project: Option<&str>,
        req: MilestoneChanges,
    ) -> Result<Milestone> {
        self.write("update_milestone", |ctx| {
            let m = named(ctx, milestone, project)?;
            let mut f = MilestoneFields::from(&m);
            if let Some(n) = &req.name {
                f.name = milestone_name(n)?;
            }
            if req.due_date.is_some() {
                f.due_date = due(ctx, req.due_date.clone())?;
            }
            match clean(req.status.clone()).as_deref() {
                None => {}
                Some(s) if s.eq_ignore_ascii_case("archived") => f.archived = true,
                Some(s) if s.eq_ignore_ascii_case("open") => {
                    f.status = MilestoneStatus::Open;
                    f.completed_at = None;
                    f.archived = false;
                }
                Some(s) if s.eq_ignore_ascii_case("completed") => {
                    return Err(DomainError::Invalid(
                        "to complete a milestone use complete_milestone (stint milestone \
                         complete), which closes its open tasks too"
                            .into(),
                    )
                    .into());
                }
                Some(s) => {
                    return Err(DomainError::parse(
                        "milestone status",
                        s,
                        "give open or archived (complete_milestone completes it)",
                    )
                    .into());
                }
            }
            let name = f.name.clone();
            milestones::update(ctx.tx, m.id, &f, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    format!(
                        "project {} already has a milestone named {name:?}; choose another name",
                        m.project_name
                    )
                    .into()
                })
            })?;
            ctx.audit("milestone", &[m.id.0], None)?;
            load(ctx, m.id)
        })
    }

    /// Completes a milestone: closes its open tasks (status `done`) and marks it completed, as
    /// one change (one undo reopens them all). Answers the milestone and the tasks it closed.
    ///
    /// # Errors
    /// No such milestone; a milestone completed already (the message says when).
    pub fn complete_milestone(
        &self,
        milestone: &str,
        project: Option<&str>,
    ) -> Result<MilestoneCompleted> {
        self.write("complete_milestone", |ctx| {
            let m = named(ctx, milestone, project)?;
            if m.status == MilestoneStatus::Completed {
                return Err(ServiceError::Conflict(msg![
                    format!("milestone {} (", m.id),
                    Name(&m.name),
                    ") is completed already; reopen it with update_milestone status open",
                ]));
            }
            let closed = milestones::close_open_tasks(ctx.tx, m.id, ctx.now)?;
            let mut f = MilestoneFields::from(&m);
            f.status = MilestoneStatus::Completed;
            f.completed_at = Some(ctx.now);
            milestones::update(ctx.tx, m.id, &f, ctx.now)?;
            let mut ids = vec![m.id.0];
            ids.extend(closed.iter().map(|k| k.0));
            ctx.audit(
                "milestone",
                &ids,
                Some(&format!("completed; closed {} tasks", closed.len())),
            )?;
            let closed = closed
                .into_iter()
                .map(|k| {
                    stint_store::tasks::get(ctx.tx, k, ctx.now)?
                        .ok_or_else(|| ServiceError::NotFound(format!("task {k} is gone").into()))
                })
                .collect::<Result<_>>()?;
            Ok(MilestoneCompleted {
                milestone: load(ctx, m.id)?,
                closed,
            })
        })
    }
}
