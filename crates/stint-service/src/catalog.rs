//! Use cases for projects, clients and tags, and resolving them by id or name.

use rust_decimal::Decimal;

use super::{
    Ctx, Page, Result, Service, ServiceError, clean, decode_cursor, encode_cursor, page_size,
    paginate, unique_violation,
};
use stint_domain::entities::{Budget, BudgetPeriod, Client, Project, Tag};
use stint_domain::limits::{check_line, check_search, check_text, echo};
use stint_domain::money::{Currency, parse_rate};
use stint_domain::msg;
use stint_domain::names::{closest, near_name};
use stint_domain::time::parse_duration;
use stint_domain::words::{Act, Arg, Msg, Name};
use stint_domain::{ClientId, DomainError, ProjectId, TagId};
use stint_store::clients::{self, ClientFields};
use stint_store::projects::{self, ProjectFields, ProjectFilter};
use stint_store::tags;

/// Most close matches an unknown-name error lists.
const MAX_SUGGESTED: usize = 10;

/// The candidates part of an unknown-name error: up to [`MAX_SUGGESTED`] of `labels` whose
/// `names` are closest to `reference` (closest first, see [`closest`]), how many more there
/// are of `total`, and how to search them with `list_tool`.
pub(crate) fn closest_candidates(
    reference: &str,
    names: &[String],
    labels: &[String],
    total: i64,
    search: Act,
) -> Msg {
    if total == 0 {
        return msg!["there are none yet"];
    }
    let picks = closest(reference, names, MAX_SUGGESTED);
    let mut m = msg!["the closest are "];
    for (n, l) in picks.iter().filter_map(|&i| labels.get(i)).enumerate() {
        if n > 0 {
            m.push(", ");
        }
        m.push(Name(l));
    }
    let more = total - picks.len() as i64;
    if more > 0 {
        m.push(format!(", and {more} more ("));
        m.push(search);
        m.push(" finds a name by part of it)");
    }
    m
}

/// "`n` projects are named ...": the ids and labels of several rows that match one name.
fn listed(items: impl Iterator<Item = (i64, String)>) -> Msg {
    let mut m = Msg::default();
    for (n, (id, label)) in items.enumerate() {
        if n > 0 {
            m.push(", ");
        }
        m.push(format!("id {id} = "));
        m.push(Name(label));
    }
    m
}

/// Parses a reference as an id when it is all digits.
pub(crate) fn as_id(reference: &str) -> Option<i64> {
    let r = reference.trim().trim_start_matches('#');
    (!r.is_empty() && r.bytes().all(|b| b.is_ascii_digit()))
        .then(|| r.parse().ok())
        .flatten()
}

/// Finds a project by id or exact name (case-insensitive in every script: equal
/// [`stint_domain::names::name_key`]s).
///
/// # Errors
/// [`ServiceError::NotFound`] listing similar names; [`ServiceError::Ambiguous`] listing each
/// match with its id and client.
pub(crate) fn resolve_project(ctx: &Ctx<'_>, reference: &str) -> Result<Project> {
    if let Some(id) = as_id(reference)
        && let Some(p) = projects::get(ctx.tx, ProjectId(id))?
    {
        return Ok(p);
    }
    let mut found = projects::find_by_name(ctx.tx, reference)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let (rows, total) = projects::names_for_suggestions(ctx.tx)?;
            let names: Vec<String> = rows.iter().map(|r| r.0.clone()).collect();
            let labels: Vec<String> = rows
                .into_iter()
                .map(|(n, c)| match c {
                    Some(c) => format!("{n} (client {c})"),
                    None => n,
                })
                .collect();
            Err(ServiceError::NotFound(msg![
                "no project is named or numbered ",
                Name(reference),
                "; ",
                closest_candidates(reference, &names, &labels, total, Act::SearchProjects),
                ". Give an exact name (case does not matter) or id, or create it with ",
                Act::CreateProject,
            ]))
        }
        _ => Err(ServiceError::Ambiguous(msg![
            format!("{} projects are named ", found.len()),
            Name(reference),
            ": ",
            listed(found.iter().map(|p| (p.id.0, p.label()))),
            "; give the project's id instead",
        ])),
    }
}

/// Finds a client by id or exact name (case-insensitive in every script).
pub(crate) fn resolve_client(ctx: &Ctx<'_>, reference: &str) -> Result<Client> {
    if let Some(id) = as_id(reference)
        && let Some(c) = clients::get(ctx.tx, ClientId(id))?
    {
        return Ok(c);
    }
    let mut found = clients::find_by_name(ctx.tx, reference)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let (names, total) = clients::names_for_suggestions(ctx.tx)?;
            Err(ServiceError::NotFound(msg![
                "no client is named or numbered ",
                Name(reference),
                "; ",
                closest_candidates(reference, &names, &names, total, Act::SearchClients),
                ". Give an exact name (case does not matter) or id, or create it with ",
                Act::CreateClient,
            ]))
        }
        _ => Err(ServiceError::Ambiguous(msg![
            format!("{} clients are named ", found.len()),
            Name(reference),
            ": ",
            listed(found.iter().map(|c| (c.id.0, c.name.clone()))),
            "; give the client's id instead",
        ])),
    }
}

/// Finds a tag by id or exact name (case-insensitive in every script).
///
/// # Errors
/// [`ServiceError::NotFound`] listing the closest names; [`ServiceError::Ambiguous`] when names
/// that clashed in an upgraded database both match.
pub(crate) fn resolve_tag(ctx: &Ctx<'_>, reference: &str) -> Result<Tag> {
    if let Some(id) = as_id(reference)
        && let Some(t) = tags::get(ctx.tx, TagId(id))?
    {
        return Ok(t);
    }
    let mut found = tags::find_by_name(ctx.tx, reference)?;
    match found.len() {
        1 => Ok(found.remove(0)),
        0 => {
            let (names, total) = tags::names_for_suggestions(ctx.tx)?;
            Err(ServiceError::NotFound(msg![
                "no tag is named or numbered ",
                Name(reference),
                "; ",
                closest_candidates(reference, &names, &names, total, Act::SearchTags),
                ". Give an exact name (case does not matter) or id, or create it with ",
                Act::CreateTag,
            ]))
        }
        _ => Err(ServiceError::Ambiguous(msg![
            format!("{} tags are named ", found.len()),
            Name(reference),
            " once case is ignored: ",
            listed(found.iter().map(|t| (t.id.0, t.name.clone()))),
            "; give the tag's id instead, and rename one of them (",
            Act::RenameTag,
            ") to keep them apart",
        ])),
    }
}

/// Resolves every tag reference, deduplicated, in the order given.
pub(crate) fn resolve_tags(ctx: &Ctx<'_>, references: &[String]) -> Result<Vec<TagId>> {
    let mut ids = Vec::with_capacity(references.len());
    for r in references {
        let id = resolve_or_create_tag(ctx, r)?.id;
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

pub(crate) fn require_name(name: &str, what: &str) -> Result<String> {
    let name = name.trim();
    if name.is_empty() {
        return Err(DomainError::Invalid(format!("a {what} needs a non-empty name").into()).into());
    }
    check_line(&format!("{what} name"), name)?;
    Ok(name.to_owned())
}

/// A search string as used: trimmed, empty is none, at most 200 characters.
pub(crate) fn search_text(search: Option<String>) -> Result<Option<String>> {
    let search = clean(search);
    if let Some(s) = &search {
        check_search(s)?;
    }
    Ok(search)
}

/// A client contact field as stored: trimmed, empty is none; `multi_line` fields (address,
/// notes) take up to 10 000 characters with tabs and line breaks, the others (email, phone, tax
/// id) one line of up to 200.
fn contact_field(what: &str, value: Option<String>, multi_line: bool) -> Result<Option<String>> {
    let value = clean(value);
    if let Some(v) = &value {
        if multi_line {
            check_text(what, v)?;
        } else {
            check_line(what, v)?;
        }
    }
    Ok(value)
}

pub(crate) fn parse_opt_rate(rate: Option<&str>) -> Result<Option<Decimal>> {
    Ok(match rate.map(str::trim) {
        None | Some("") => None,
        Some(r) => Some(parse_rate(r)?),
    })
}

fn parse_opt_currency(currency: Option<&str>) -> Result<Option<Currency>> {
    Ok(match currency.map(str::trim) {
        None | Some("") => None,
        Some(c) => Some(Currency::parse(c)?),
    })
}

/// Parses a budget in hours: a decimal number of hours (`40`, `37.5`) or a duration (`40h`),
/// at most 1 000 000 hours. Returns seconds.
pub(crate) fn parse_budget_hours(input: &str) -> Result<i64> {
    let s = input.trim();
    if let Ok(hours) = s.parse::<Decimal>() {
        if hours <= Decimal::ZERO {
            return Err(DomainError::Invalid(
                format!(
                    "a budget of {} hours is not positive; give more than 0, or \"\" to remove it",
                    echo(s)
                )
                .into(),
            )
            .into());
        }
        if hours > Decimal::from(1_000_000) {
            return Err(DomainError::Invalid(
                format!(
                    "a budget of {} hours is more than the 1000000 hours stint accepts; check the \
                 number",
                    echo(s)
                )
                .into(),
            )
            .into());
        }
        // At most 3.6e9: no overflow.
        let seconds = (hours * Decimal::from(3600)).round();
        let seconds: i64 = seconds.try_into().unwrap_or(0);
        if seconds <= 0 {
            return Err(DomainError::Invalid(
                format!(
                    "a budget of {} hours is less than a second; give more, or \"\" to remove it",
                    echo(s)
                )
                .into(),
            )
            .into());
        }
        return Ok(seconds);
    }
    Ok(parse_duration(s)?)
}

fn parse_opt_budget_amount(input: Option<&str>) -> Result<Option<Decimal>> {
    match input.map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => {
            let amount = parse_rate(s)?;
            if amount.is_zero() {
                return Err(DomainError::Invalid(
                    "a money budget of 0 is not a budget; give a positive amount, or \"\" to remove it"
                        .to_owned().into(),
                )
                .into());
            }
            Ok(Some(amount))
        }
    }
}

fn validate_alert_percent(p: u32) -> Result<u32> {
    if (1..=1000).contains(&p) {
        Ok(p)
    } else {
        Err(DomainError::Invalid(msg![
            Arg::BudgetAlertPercent,
            format!(" {p} is out of range; give 1 to 1000 (80 means alert at 80 % used)"),
        ])
        .into())
    }
}

fn validate_color(color: Option<String>) -> Result<Option<String>> {
    let Some(c) = clean(color) else {
        return Ok(None);
    };
    let hex = c.strip_prefix('#').unwrap_or(&c);
    if (hex.len() == 6 || hex.len() == 3) && hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(Some(format!("#{}", hex.to_ascii_lowercase())))
    } else {
        Err(DomainError::parse("color", &c, "give a hex color such as #3b82f6").into())
    }
}

/// Input of `create_project`. Texts are as the user sent them; this layer parses them.
#[derive(Debug, Clone, Default)]
pub struct NewProject {
    pub name: String,
    /// Client id or exact name.
    pub client: Option<String>,
    pub color: Option<String>,
    pub hourly_rate: Option<String>,
    pub currency: Option<String>,
    /// Defaults to true.
    pub billable_by_default: Option<bool>,
    /// Hours as a decimal number or a duration.
    pub budget_hours: Option<String>,
    pub budget_amount: Option<String>,
    pub budget_period: Option<String>,
    pub budget_alert_percent: Option<u32>,
}

/// Input of `update_project`: `None` leaves a field as it is; an empty text clears it.
#[derive(Debug, Clone, Default)]
pub struct ProjectChanges {
    pub name: Option<String>,
    pub client: Option<String>,
    pub color: Option<String>,
    pub hourly_rate: Option<String>,
    pub currency: Option<String>,
    pub billable_by_default: Option<bool>,
    pub budget_hours: Option<String>,
    pub budget_amount: Option<String>,
    pub budget_period: Option<String>,
    pub budget_alert_percent: Option<u32>,
    pub archived: Option<bool>,
}

/// Input of `list_projects`.
#[derive(Debug, Clone, Default)]
pub struct ListProjects {
    pub client: Option<String>,
    pub include_archived: bool,
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Input of `delete_project`.
#[derive(Debug, Clone, Default)]
pub struct DeleteProject {
    pub project: String,
    /// Archive instead of deleting (keeps its tracks; hides it from lists).
    pub archive: bool,
}

/// Input of `create_client`.
#[derive(Debug, Clone, Default)]
pub struct NewClient {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub notes: Option<String>,
    pub hourly_rate: Option<String>,
    pub currency: Option<String>,
    /// Tax rate in percent of this client's invoices when the call gives none (19 for 19 %);
    /// strictly between 0 and 1 only with a percent sign (see [`stint_domain::tax`]).
    pub tax_rate_percent: Option<String>,
}

/// Input of `update_client`: `None` leaves a field as it is; an empty text clears it.
#[derive(Debug, Clone, Default)]
pub struct ClientChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub notes: Option<String>,
    pub hourly_rate: Option<String>,
    pub currency: Option<String>,
    pub archived: Option<bool>,
    /// Tax rate in percent of this client's invoices; empty: the setting's default again.
    pub tax_rate_percent: Option<String>,
}

/// A tax rate in percent, or none for an empty text (see [`stint_domain::tax`]).
fn parse_opt_tax_rate(input: Option<&str>) -> Result<Option<rust_decimal::Decimal>> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(stint_domain::tax::parse_tax_rate_percent(s)?)),
        None => Ok(None),
    }
}

/// Input of `list_clients`.
#[derive(Debug, Clone, Default)]
pub struct ListClients {
    pub include_archived: bool,
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Input of `delete_client`.
#[derive(Debug, Clone, Default)]
pub struct DeleteClient {
    pub client: String,
    pub archive: bool,
}

/// Input of `list_tags`.
#[derive(Debug, Clone, Default)]
pub struct ListTags {
    pub search: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Input of `delete_tag`.
#[derive(Debug, Clone, Default)]
pub struct DeleteTag {
    pub tag: String,
    /// Remove the tag from its tracks too (the tracks stay).
    pub force: bool,
}

/// A tag and how many tracks carry it.
#[derive(Debug, Clone)]
pub struct TagWithUsage {
    pub tag: Tag,
    pub track_count: i64,
}

/// What a delete did.
#[derive(Debug, Clone)]
pub struct Deleted {
    pub id: i64,
    pub name: String,
    /// `deleted` or `archived`.
    pub action: &'static str,
    /// Extra effects, e.g. "removed from 3 tracks".
    pub note: Option<Msg>,
}

fn name_cursor(name: &str, id: i64) -> Vec<String> {
    vec![name.to_owned(), id.to_string()]
}

fn decode_name_cursor(kind: &str, cursor: Option<&str>) -> Result<Option<(String, i64)>> {
    let Some(c) = cursor.filter(|c| !c.trim().is_empty()) else {
        return Ok(None);
    };
    let parts = decode_cursor(kind, c)?;
    match parts.as_slice() {
        [name, id] => Ok(Some((
            name.clone(),
            id.parse().map_err(|_| super::bad_cursor(c))?,
        ))),
        _ => Err(super::bad_cursor(c)),
    }
}

impl Service {
    /// Creates a project. Currency and rate are optional (they fall back to the client's, then
    /// the settings'); `billable_by_default` defaults to true.
    ///
    /// # Errors
    /// An empty or taken name (per client), an unknown client, a bad rate, currency or budget.
    pub fn create_project(&self, req: NewProject) -> Result<Project> {
        let args = format!("{req:?}");
        let ids = |p: &Project| vec![p.id.0];
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let id = ids.first().copied().unwrap_or(0);
            projects::get(ctx.tx, stint_domain::ProjectId(id))?
                .ok_or_else(|| ServiceError::NotFound(format!("no project has id {id}").into()))
        };
        self.write_once("create_project", &args, ids, reload, |ctx| {
            let name = require_name(&req.name, "project")?;
            let client = match clean(req.client) {
                Some(c) => Some(resolve_client(ctx, &c)?),
                None => None,
            };
            let budget = Budget {
                seconds: match clean(req.budget_hours) {
                    Some(h) => Some(parse_budget_hours(&h)?),
                    None => None,
                },
                amount: parse_opt_budget_amount(req.budget_amount.as_deref())?,
                period: match clean(req.budget_period) {
                    Some(p) => BudgetPeriod::parse(&p)?,
                    None => BudgetPeriod::Total,
                },
                alert_percent: validate_alert_percent(req.budget_alert_percent.unwrap_or(80))?,
            };
            let fields = ProjectFields {
                name: name.clone(),
                client_id: client.as_ref().map(|c| c.id),
                color: validate_color(req.color)?,
                hourly_rate: parse_opt_rate(req.hourly_rate.as_deref())?,
                currency: parse_opt_currency(req.currency.as_deref())?,
                billable_by_default: req.billable_by_default.unwrap_or(true),
                budget,
                archived: false,
            };
            let id = projects::insert(ctx.tx, &fields, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    let mut m = msg!["a project named ", Name(&name), " already exists"];
                    if let Some(c) = &client {
                        m.push(" for client ");
                        m.push(Name(&c.name));
                    }
                    m.push("; choose another name, or update the existing one with ");
                    m.push(Act::EditProject);
                    m
                })
            })?;
            ctx.audit("project", &[id.0], Some(&name))?;
            Ok(projects::get(ctx.tx, id)?.expect("just inserted"))
        })
    }

    /// Reads one project by id or name.
    pub fn get_project(&self, project: &str) -> Result<Project> {
        self.read(|ctx| resolve_project(ctx, project))
    }

    /// Lists projects by name, paged.
    pub fn list_projects(&self, req: ListProjects) -> Result<Page<Project>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let client_id = match clean(req.client) {
                Some(c) => Some(resolve_client(ctx, &c)?.id),
                None => None,
            };
            let after = decode_name_cursor("projects", req.cursor.as_deref())?;
            let search = search_text(req.search)?;
            let filter = ProjectFilter {
                client_id,
                include_archived: req.include_archived,
                search: search.as_deref(),
            };
            let rows = projects::list(
                ctx.tx,
                &filter,
                after.as_ref().map(|(n, i)| (n.as_str(), *i)),
                size + 1,
            )?;
            Ok(paginate(rows, size, |p| {
                encode_cursor("projects", &name_cursor(&p.name, p.id.0))
            }))
        })
    }

    /// Changes fields of a project; absent fields stay, empty texts clear.
    pub fn update_project(&self, project: &str, req: ProjectChanges) -> Result<Project> {
        self.write("update_project", |ctx| {
            let current = resolve_project(ctx, project)?;
            let mut f = ProjectFields::from(&current);
            if let Some(name) = req.name {
                f.name = require_name(&name, "project")?;
            }
            if let Some(client) = req.client {
                f.client_id = match clean(Some(client)) {
                    Some(c) => Some(resolve_client(ctx, &c)?.id),
                    None => None,
                };
            }
            if req.color.is_some() {
                f.color = validate_color(req.color)?;
            }
            if let Some(rate) = req.hourly_rate {
                f.hourly_rate = parse_opt_rate(Some(&rate))?;
            }
            if let Some(currency) = req.currency {
                f.currency = parse_opt_currency(Some(&currency))?;
            }
            if let Some(b) = req.billable_by_default {
                f.billable_by_default = b;
            }
            if let Some(h) = req.budget_hours {
                f.budget.seconds = match clean(Some(h)) {
                    Some(h) => Some(parse_budget_hours(&h)?),
                    None => None,
                };
            }
            if let Some(a) = req.budget_amount {
                f.budget.amount = parse_opt_budget_amount(Some(&a))?;
            }
            if let Some(p) = clean(req.budget_period) {
                f.budget.period = BudgetPeriod::parse(&p)?;
            }
            if let Some(p) = req.budget_alert_percent {
                f.budget.alert_percent = validate_alert_percent(p)?;
            }
            if let Some(a) = req.archived {
                f.archived = a;
            }
            let name = f.name.clone();
            projects::update(ctx.tx, current.id, &f, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    format!("another project of the same client is already named {name:?}; choose another name").into()
                })
            })?;
            ctx.audit("project", &[current.id.0], None)?;
            Ok(projects::get(ctx.tx, current.id)?.expect("exists"))
        })
    }

    /// Deletes a project without tracks, or archives it (`archive`), which keeps its tracks.
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when tracks are attached and `archive` is false.
    pub fn delete_project(&self, req: DeleteProject) -> Result<Deleted> {
        let operation = if req.archive {
            "archive_project"
        } else {
            "delete_project"
        };
        self.write(operation, |ctx| {
            let p = resolve_project(ctx, &req.project)?;
            if req.archive {
                let mut f = ProjectFields::from(&p);
                f.archived = true;
                projects::update(ctx.tx, p.id, &f, ctx.now)?;
                ctx.audit("project", &[p.id.0], Some("archived"))?;
                return Ok(Deleted {
                    id: p.id.0,
                    name: p.name,
                    action: "archived",
                    note: Some(msg![
                        "its tracks are kept; unarchive with ",
                        Act::UnarchiveProject
                    ]),
                });
            }
            let n = projects::track_count(ctx.tx, p.id)?;
            if n > 0 {
                return Err(ServiceError::Conflict(msg![
                    "project ",
                    Name(p.label()),
                    format!(
                        " has {n} tracks, so deleting it would lose time; archive it instead ("
                    ),
                    Act::ArchiveProject,
                    "), or move or delete its tracks first",
                ]));
            }
            let e = stint_store::expenses::count_for_project(ctx.tx, p.id)?;
            if e > 0 {
                return Err(ServiceError::Conflict(msg![
                    "project ",
                    Name(p.label()),
                    format!(
                        " has {e} expenses, so deleting it would lose them; archive it instead ("
                    ),
                    Act::ArchiveProject,
                    "), or move or delete its expenses first",
                ]));
            }
            projects::delete(ctx.tx, p.id)?;
            ctx.audit("project", &[p.id.0], Some("deleted"))?;
            Ok(Deleted {
                id: p.id.0,
                name: p.name,
                action: "deleted",
                note: None,
            })
        })
    }

    /// Creates a client.
    pub fn create_client(&self, req: NewClient) -> Result<Client> {
        self.create_client_inner(req).map(|c| self.shown_client(c))
    }

    fn create_client_inner(&self, req: NewClient) -> Result<Client> {
        let args = format!("{req:?}");
        let ids = |c: &Client| vec![c.id.0];
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let id = ids.first().copied().unwrap_or(0);
            clients::get(ctx.tx, stint_domain::ClientId(id))?
                .ok_or_else(|| ServiceError::NotFound(format!("no client has id {id}").into()))
        };
        self.write_once("create_client", &args, ids, reload, |ctx| {
            let name = require_name(&req.name, "client")?;
            let fields = ClientFields {
                name: name.clone(),
                email: contact_field("email", req.email, false)?,
                phone: contact_field("phone", req.phone, false)?,
                address: contact_field("address", req.address, true)?,
                tax_id: contact_field("tax id", req.tax_id, false)?,
                notes: contact_field("notes", req.notes, true)?,
                hourly_rate: parse_opt_rate(req.hourly_rate.as_deref())?,
                currency: parse_opt_currency(req.currency.as_deref())?,
                archived: false,
                tax_rate_percent: parse_opt_tax_rate(req.tax_rate_percent.as_deref())?,
            };
            let id = clients::insert(ctx.tx, &fields, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    msg![
                        "a client named ",
                        Name(&name),
                        " already exists; choose another name, or update it with ",
                        Act::EditClient,
                    ]
                })
            })?;
            ctx.audit("client", &[id.0], Some(&name))?;
            Ok(clients::get(ctx.tx, id)?.expect("just inserted"))
        })
    }

    /// Reads one client by id or name.
    pub fn get_client(&self, client: &str) -> Result<Client> {
        self.read(|ctx| resolve_client(ctx, client))
            .map(|c| self.shown_client(c))
    }

    /// Lists clients by name, paged.
    pub fn list_clients(&self, req: ListClients) -> Result<Page<Client>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let after = decode_name_cursor("clients", req.cursor.as_deref())?;
            let search = search_text(req.search)?;
            let rows = clients::list(
                ctx.tx,
                req.include_archived,
                search.as_deref(),
                after.as_ref().map(|(n, i)| (n.as_str(), *i)),
                size + 1,
            )?;
            Ok(paginate(rows, size, |c| {
                encode_cursor("clients", &name_cursor(&c.name, c.id.0))
            }))
        })
        .map(|p| Page {
            items: p.items.into_iter().map(|c| self.shown_client(c)).collect(),
            next_cursor: p.next_cursor,
        })
    }

    /// Changes fields of a client; absent fields stay, empty texts clear.
    pub fn update_client(&self, client: &str, req: ClientChanges) -> Result<Client> {
        self.update_client_inner(client, req)
            .map(|c| self.shown_client(c))
    }

    fn update_client_inner(&self, client: &str, req: ClientChanges) -> Result<Client> {
        self.write("update_client", |ctx| {
            let current = resolve_client(ctx, client)?;
            let mut f = ClientFields::from(&current);
            if let Some(name) = req.name {
                f.name = require_name(&name, "client")?;
            }
            for (slot, value, what, multi_line) in [
                (&mut f.email, req.email, "email", false),
                (&mut f.phone, req.phone, "phone", false),
                (&mut f.address, req.address, "address", true),
                (&mut f.tax_id, req.tax_id, "tax id", false),
                (&mut f.notes, req.notes, "notes", true),
            ] {
                if value.is_some() {
                    *slot = contact_field(what, value, multi_line)?;
                }
            }
            if let Some(rate) = req.hourly_rate {
                f.hourly_rate = parse_opt_rate(Some(&rate))?;
            }
            if let Some(currency) = req.currency {
                f.currency = parse_opt_currency(Some(&currency))?;
            }
            if let Some(a) = req.archived {
                f.archived = a;
            }
            if let Some(t) = req.tax_rate_percent {
                f.tax_rate_percent = parse_opt_tax_rate(Some(&t))?;
            }
            let name = f.name.clone();
            clients::update(ctx.tx, current.id, &f, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    format!("another client is already named {name:?}; choose another name").into()
                })
            })?;
            ctx.audit("client", &[current.id.0], None)?;
            Ok(clients::get(ctx.tx, current.id)?.expect("exists"))
        })
    }

    /// Deletes a client that has no tracks and no issued invoices (its empty projects and draft
    /// invoices go with it), or archives it (`archive`).
    ///
    /// # Errors
    /// [`ServiceError::Conflict`] when tracks or issued invoices are attached.
    pub fn delete_client(&self, req: DeleteClient) -> Result<Deleted> {
        let operation = if req.archive {
            "archive_client"
        } else {
            "delete_client"
        };
        self.write(operation, |ctx| {
            let c = resolve_client(ctx, &req.client)?;
            let (project_count, track_count, issued) = clients::usage(ctx.tx, c.id)?;
            if req.archive {
                let mut f = ClientFields::from(&c);
                f.archived = true;
                clients::update(ctx.tx, c.id, &f, ctx.now)?;
                ctx.audit("client", &[c.id.0], Some("archived"))?;
                return Ok(Deleted {
                    id: c.id.0,
                    name: c.name,
                    action: "archived",
                    note: Some(msg![
                        "its projects, tracks and invoices are kept; unarchive with ",
                        Act::UnarchiveClient,
                    ]),
                });
            }
            if issued > 0 {
                return Err(ServiceError::Conflict(msg![
                    "client ",
                    Name(&c.name),
                    format!(" has {issued} issued invoices, which must be kept; archive the client instead ("),
                    Act::ArchiveClient,
                    ")",
                ]));
            }
            if track_count > 0 {
                return Err(ServiceError::Conflict(msg![
                    "client ",
                    Name(&c.name),
                    format!(" has {track_count} tracks on its projects, so deleting it would lose time; archive it instead ("),
                    Act::ArchiveClient,
                    ")",
                ]));
            }
            clients::delete(ctx.tx, c.id)?;
            ctx.audit("client", &[c.id.0], Some("deleted"))?;
            Ok(Deleted {
                id: c.id.0,
                name: c.name,
                action: "deleted",
                note: (project_count > 0)
                    .then(|| format!("its {project_count} empty projects were deleted too").into()),
            })
        })
    }

    /// Creates a tag (names are unique, ignoring case).
    pub fn create_tag(&self, name: &str) -> Result<Tag> {
        let args = format!("{name:?}");
        let ids = |t: &Tag| vec![t.id.0];
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let id = ids.first().copied().unwrap_or(0);
            tags::get(ctx.tx, stint_domain::TagId(id))?
                .ok_or_else(|| ServiceError::NotFound(format!("no tag has id {id}").into()))
        };
        self.write_once("create_tag", &args, ids, reload, |ctx| {
            let name = require_name(name, "tag")?;
            if as_id(&name).is_some() {
                return Err(DomainError::Invalid(format!(
                    "a tag name cannot be only digits ({name:?}), since digits are read as a tag id; add a letter"
                ).into())
                .into());
            }
            let id = tags::insert(ctx.tx, &name, ctx.now).map_err(|e| {
                unique_violation(e, || format!("a tag named {name:?} already exists; use it as it is").into())
            })?;
            ctx.audit("tag", &[id.0], Some(&name))?;
            Ok(tags::get(ctx.tx, id)?.expect("just inserted"))
        })
    }

    /// Lists tags by name with their track counts, paged.
    pub fn list_tags(&self, req: ListTags) -> Result<Page<TagWithUsage>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let after = decode_name_cursor("tags", req.cursor.as_deref())?;
            let search = search_text(req.search)?;
            let rows = tags::list(
                ctx.tx,
                search.as_deref(),
                after.as_ref().map(|(n, i)| (n.as_str(), *i)),
                size + 1,
            )?;
            let rows = rows
                .into_iter()
                .map(|(tag, track_count)| TagWithUsage { tag, track_count })
                .collect();
            Ok(paginate(rows, size, |t: &TagWithUsage| {
                encode_cursor("tags", &name_cursor(&t.tag.name, t.tag.id.0))
            }))
        })
    }

    /// Renames a tag.
    pub fn update_tag(&self, tag: &str, name: &str) -> Result<Tag> {
        self.write("update_tag", |ctx| {
            let current = resolve_tag(ctx, tag)?;
            let name = require_name(name, "tag")?;
            tags::rename(ctx.tx, current.id, &name, ctx.now).map_err(|e| {
                unique_violation(e, || {
                    format!("another tag is already named {name:?}; choose another name").into()
                })
            })?;
            ctx.audit("tag", &[current.id.0], Some(&name))?;
            Ok(tags::get(ctx.tx, current.id)?.expect("exists"))
        })
    }

    /// Deletes a tag; with tracks attached only when `force`, which removes it from them.
    pub fn delete_tag(&self, req: DeleteTag) -> Result<Deleted> {
        self.write("delete_tag", |ctx| {
            let t = resolve_tag(ctx, &req.tag)?;
            let n = tags::track_count(ctx.tx, t.id)?;
            if n > 0 && !req.force {
                return Err(ServiceError::Conflict(msg![
                    "tag ",
                    Name(&t.name),
                    format!(" is on {n} tracks; give "),
                    Arg::Force,
                    " to remove it from them (the tracks stay), or rename it with ",
                    Act::RenameTag,
                ]));
            }
            tags::delete(ctx.tx, t.id)?;
            ctx.audit("tag", &[t.id.0], Some("deleted"))?;
            Ok(Deleted {
                id: t.id.0,
                name: t.name,
                action: "deleted",
                note: (n > 0).then(|| format!("removed from {n} tracks").into()),
            })
        })
    }
}

/// Whether names close to existing ones are created too (see [`Service::creating_missing`]).
fn created_anyway(created: &std::sync::Mutex<super::CreatedOnTheFly>) -> bool {
    created.lock().unwrap_or_else(|e| e.into_inner()).anyway
}

/// Finds a project like [`resolve_project`]; when it is missing, the reference is a name (not
/// an id) and the call runs on a service made by `Service::creating_missing`, creates it with
/// the defaults of `create_project` (billable by default, no client, rate or budget) in the
/// caller's transaction and records it in `ctx.created`.
pub(crate) fn resolve_or_create_project(ctx: &Ctx<'_>, reference: &str) -> Result<Project> {
    let missing = match resolve_project(ctx, reference) {
        Err(ServiceError::NotFound(m)) => m,
        other => return other,
    };
    let Some(created) = ctx.created.filter(|_| as_id(reference).is_none()) else {
        return Err(ServiceError::NotFound(missing));
    };
    let name = require_name(reference, "project")?;
    if !created_anyway(created) {
        let (rows, _) = projects::names_for_suggestions(ctx.tx)?;
        let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        if let Some(i) = near_name(&name, &names) {
            return Err(ServiceError::NearName {
                entity: "project",
                given: name,
                existing: names[i].to_owned(),
            });
        }
    }
    let fields = ProjectFields {
        name: name.clone(),
        client_id: None,
        color: None,
        hourly_rate: None,
        currency: None,
        billable_by_default: true,
        budget: Budget {
            seconds: None,
            amount: None,
            period: BudgetPeriod::Total,
            alert_percent: 80,
        },
        archived: false,
    };
    let id = projects::insert(ctx.tx, &fields, ctx.now)?;
    ctx.audit("project", &[id.0], Some(&name))?;
    let project = projects::get(ctx.tx, id)?.expect("just inserted");
    created
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .projects
        .push(project.clone());
    Ok(project)
}

/// Finds a tag like [`resolve_tag`], or creates a missing one as [`resolve_or_create_project`]
/// creates a project.
fn resolve_or_create_tag(ctx: &Ctx<'_>, reference: &str) -> Result<Tag> {
    let missing = match resolve_tag(ctx, reference) {
        Err(ServiceError::NotFound(m)) => m,
        other => return other,
    };
    let Some(created) = ctx.created.filter(|_| as_id(reference).is_none()) else {
        return Err(ServiceError::NotFound(missing));
    };
    let name = require_name(reference, "tag")?;
    if !created_anyway(created) {
        let (names, _) = tags::names_for_suggestions(ctx.tx)?;
        if let Some(i) = near_name(&name, &names) {
            return Err(ServiceError::NearName {
                entity: "tag",
                given: name,
                existing: names[i].clone(),
            });
        }
    }
    let id = tags::insert(ctx.tx, &name, ctx.now)?;
    ctx.audit("tag", &[id.0], Some(&name))?;
    let tag = tags::get(ctx.tx, id)?.expect("just inserted");
    created
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .tags
        .push(tag.clone());
    Ok(tag)
}

impl Service {
    /// Reads one tag by id or exact name (case-insensitive).
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] listing the closest names.
    pub fn get_tag(&self, tag: &str) -> Result<Tag> {
        self.read(|ctx| resolve_tag(ctx, tag))
    }
}
