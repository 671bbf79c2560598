//! People of a team (issue 21): who a call acts for, the scope rules of their role, and the
//! use cases on people.
//!
//! The owner is no row (`person_id IS NULL`, V13): the CLI, `stint mcp` and tokens made
//! without `--person` act as the owner, exactly as before people existed. A token made with
//! `--person NAME` acts for that person; docs/rules.md, "People", gives the scope rules.

use rust_decimal::Decimal;

use super::{Ctx, Result, Service, ServiceError, clean, unique_violation};
use stint_domain::entities::{Expense, Track};
use stint_domain::money::{Currency, parse_rate};
use stint_domain::people::{Person, Role, parse_capacity_hours};
use stint_domain::{DomainError, PersonId};
use stint_store::people::{self, PersonFields};

/// Who a call acts for: the person (`None`: the owner) and their role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Acting {
    pub(crate) person: Option<PersonId>,
    pub(crate) role: Role,
}

impl Acting {
    /// The owner: every local caller, and tokens that speak for nobody else.
    pub(crate) const OWNER: Acting = Acting {
        person: None,
        role: Role::Owner,
    };

    /// Whom the caller is: the person of its token (HTTP) or the owner.
    pub(crate) fn of(tx: &stint_store::Connection, token_name: Option<&str>) -> Result<Acting> {
        let Some(name) = token_name else {
            return Ok(Acting::OWNER);
        };
        match people::token_person(tx, name)? {
            Some(Some(id)) => {
                let role = people::get(tx, id)?.map_or(Role::Member, |p| p.role);
                Ok(Acting {
                    person: Some(id),
                    role,
                })
            }
            // The owner's token, or a caller named without a stored token (tests, and the
            // token revoked while its request ran): the owner, as before people existed.
            _ => Ok(Acting::OWNER),
        }
    }

    /// Whether this caller may read `owner`'s tracks, timers and expenses.
    pub(crate) fn reads(&self, owner: Option<PersonId>) -> bool {
        self.role.reads_all() || owner == self.person
    }

    /// Whether this caller may write `owner`'s tracks, timers and expenses.
    pub(crate) fn writes(&self, owner: Option<PersonId>) -> bool {
        self.role.writes_all() || owner == self.person
    }

    /// The person filter a list, report or export runs with: the one asked for (`Some(None)`:
    /// the owner), within what this caller may read; a member is always held to their own.
    ///
    /// # Errors
    /// A member asking for someone else's.
    pub(crate) fn filter(
        &self,
        asked: Option<Option<PersonId>>,
    ) -> Result<Option<Option<PersonId>>> {
        if self.role.reads_all() {
            return Ok(asked);
        }
        match asked {
            Some(p) if p != self.person => Err(ServiceError::Conflict(
                "a member's token reads only its own tracks, timers and expenses; leave out \
                 person, or ask the owner or a manager for the team's figures"
                    .into(),
            )),
            _ => Ok(Some(self.person)),
        }
    }
}

impl Ctx<'_> {
    /// Refuses a write to `what` (a track or expense) of `owner` by a caller who may not.
    pub(crate) fn check_writes(&self, owner: Option<PersonId>, what: &str) -> Result<()> {
        if self.acting.writes(owner) {
            return Ok(());
        }
        Err(ServiceError::Conflict(
            format!(
                "{what} belongs to another person; a {}'s token writes only its own tracks, \
                 timers and expenses",
                self.acting.role.as_str()
            )
            .into(),
        ))
    }

    /// Refuses invoices to callers whose role does not reach them: an invoice bills a client
    /// for the whole team's work, so a member's token neither reads nor writes invoices, a
    /// manager's reads them, and only an owner creates, changes, sends or deletes them
    /// (docs/rules.md, "People").
    pub(crate) fn check_invoices(&self) -> Result<()> {
        let write = self.operation != "read";
        let role = self.acting.role;
        if (write && role == Role::Owner) || (!write && role.reads_all()) {
            return Ok(());
        }
        Err(ServiceError::Conflict(
            format!(
                "a {}'s token may not {} invoices: an invoice bills the whole team's work, so \
                 only an owner creates and changes them (and a manager reads them); ask the \
                 owner, or use the owner's token or the CLI",
                role.as_str(),
                if write { "create or change" } else { "read" }
            )
            .into(),
        ))
    }

    /// Whether the caller may see track `t`.
    pub(crate) fn sees_track(&self, t: &Track) -> bool {
        self.acting.reads(t.person_id)
    }

    /// Whether the caller may see expense `e`.
    pub(crate) fn sees_expense(&self, e: &Expense) -> bool {
        self.acting.reads(e.person_id)
    }
}

/// The names that mean the caller's own person.
fn is_me(reference: &str) -> bool {
    reference.trim().eq_ignore_ascii_case("me")
}

/// The person `reference` names: `me` (the caller), `owner`, the owner's name, a person's
/// id or name (case-insensitive). `None` is the owner.
///
/// # Errors
/// [`ServiceError::NotFound`] with the people there are.
pub(crate) fn resolve_person(ctx: &Ctx<'_>, reference: &str) -> Result<Option<PersonId>> {
    let r = reference.trim();
    if is_me(r) {
        return Ok(ctx.acting.person);
    }
    if r.eq_ignore_ascii_case("owner") {
        return Ok(None);
    }
    if let Ok(id) = r.parse::<i64>()
        && people::get(ctx.tx, PersonId(id))?.is_some()
    {
        return Ok(Some(PersonId(id)));
    }
    if let Some(p) = people::find_by_name(ctx.tx, r)? {
        return Ok(p.id);
    }
    let owner = people::owner(ctx.tx)?;
    if stint_domain::names::lookup_key(r) == stint_domain::names::lookup_key(&owner.name) {
        return Ok(None);
    }
    let names: Vec<String> = std::iter::once(owner.name)
        .chain(people::list(ctx.tx, true)?.into_iter().map(|p| p.name))
        .take(20)
        .collect();
    Err(ServiceError::NotFound(
        format!(
            "no person is named or numbered {:?}; the people are: {}. Give a name, an id, \
             \"me\" or \"owner\", or add the person with create_person (stint person add)",
            stint_domain::limits::echo(r),
            names.join(", ")
        )
        .into(),
    ))
}

/// The optional person filter of a request (`None`: everyone the caller may read).
pub(crate) fn person_filter(
    ctx: &Ctx<'_>,
    reference: Option<&str>,
) -> Result<Option<Option<PersonId>>> {
    let asked = match reference.map(str::trim).filter(|r| !r.is_empty()) {
        Some(r) => Some(resolve_person(ctx, r)?),
        None => None,
    };
    ctx.acting.filter(asked)
}

/// A person to add, as sent (strings as a person or agent wrote them).
#[derive(Debug, Clone, Default)]
pub struct NewPerson {
    pub name: String,
    pub email: Option<String>,
    /// Hours a week (`40`, `22.5`).
    pub weekly_capacity_hours: Option<String>,
    /// Cost of an hour, major units (`45`, `37.50`).
    pub cost_rate: Option<String>,
    /// ISO 4217 code; none: the setting `default_currency`.
    pub currency: Option<String>,
    /// `member` (default), `manager` or `owner`.
    pub role: Option<String>,
}

/// Changes to a person: `None` leaves a field; an empty text clears an optional one.
#[derive(Debug, Clone, Default)]
pub struct PersonChanges {
    pub name: Option<String>,
    pub email: Option<String>,
    pub weekly_capacity_hours: Option<String>,
    pub cost_rate: Option<String>,
    pub currency: Option<String>,
    pub role: Option<String>,
    pub archived: Option<bool>,
}

pub(crate) fn check_name(name: &str) -> Result<String> {
    let n = name.trim().to_owned();
    if n.is_empty() {
        return Err(DomainError::Invalid("a person needs a name, e.g. \"Ana\"".into()).into());
    }
    stint_domain::limits::check_line("person name", &n)?;
    if n.eq_ignore_ascii_case("me") || n.eq_ignore_ascii_case("owner") || n.parse::<i64>().is_ok() {
        return Err(DomainError::Invalid(
            format!("{n:?} cannot be a person's name: it means the caller, the owner or an id; choose another")
                .into(),
        )
        .into());
    }
    Ok(n)
}

fn opt_decimal(
    v: Option<String>,
    parse: fn(&str) -> std::result::Result<Decimal, DomainError>,
) -> Result<Option<Option<Decimal>>> {
    Ok(match v {
        None => None,
        Some(s) if s.trim().is_empty() => Some(None),
        Some(s) => Some(Some(parse(&s)?)),
    })
}

fn apply(f: &mut PersonFields, c: PersonChanges) -> Result<()> {
    if let Some(n) = c.name {
        f.name = check_name(&n)?;
    }
    if let Some(e) = c.email {
        let e = clean(Some(e));
        if let Some(e) = &e {
            stint_domain::limits::check_text("email", e)?;
        }
        f.email = e;
    }
    if let Some(v) = opt_decimal(c.weekly_capacity_hours, parse_capacity_hours)? {
        f.weekly_capacity_hours = v;
    }
    if let Some(v) = opt_decimal(c.cost_rate, parse_rate)? {
        f.cost_rate = v;
    }
    if let Some(cur) = c.currency {
        f.currency = match clean(Some(cur)) {
            Some(c) => Some(Currency::parse(&c)?),
            None => None,
        };
    }
    if let Some(r) = c.role {
        f.role = Role::parse(&r)?;
    }
    if let Some(a) = c.archived {
        f.archived = a;
    }
    Ok(())
}

fn fields_of(p: &Person) -> PersonFields {
    PersonFields {
        name: p.name.clone(),
        email: p.email.clone(),
        weekly_capacity_hours: p.weekly_capacity_hours,
        cost_rate: p.cost_rate,
        currency: p.currency,
        role: p.role,
        archived: p.archived,
    }
}

fn taken(name: &str) -> impl FnOnce() -> super::Msg + '_ {
    move || {
        format!("a person named {name:?} already exists; choose another name, or edit that person")
            .into()
    }
}

impl Service {
    /// Cost rates and emails as this caller may see them: redacted for tokens made without
    /// `--sensitive` (the client-contact redaction, docs/rules.md "HTTP front end").
    pub(crate) fn shown_person(&self, mut p: Person) -> Person {
        if self.caller().redact_contacts {
            p.cost_rate = None;
            if p.email.is_some() {
                p.email = Some(super::REDACTED.to_owned());
            }
        }
        p
    }

    /// Whether this caller sees cost rates and margins.
    pub(crate) fn sees_costs(&self) -> bool {
        !self.caller().redact_contacts
    }

    /// Adds a person to the team (role `member` unless given).
    ///
    /// # Errors
    /// A bad or taken name (`me`, `owner` and numbers are refused: they name the caller, the
    /// owner and ids); a capacity outside 0..=168 hours; a bad rate or currency; a caller who
    /// is not an owner.
    pub fn create_person(&self, req: NewPerson) -> Result<Person> {
        self.write("create_person", |ctx| {
            owner_only(ctx, "add people")?;
            let mut f = PersonFields {
                name: check_name(&req.name)?,
                email: None,
                weekly_capacity_hours: None,
                cost_rate: None,
                currency: None,
                role: Role::Member,
                archived: false,
            };
            apply(
                &mut f,
                PersonChanges {
                    name: None,
                    email: req.email.clone(),
                    weekly_capacity_hours: req.weekly_capacity_hours.clone(),
                    cost_rate: req.cost_rate.clone(),
                    currency: req.currency.clone(),
                    role: req.role.clone(),
                    archived: None,
                },
            )?;
            let owner = people::owner(ctx.tx)?;
            if stint_domain::names::name_key(&owner.name) == stint_domain::names::name_key(&f.name)
            {
                return Err(ServiceError::Conflict(taken(&f.name)()));
            }
            let id = people::insert(ctx.tx, &f, ctx.now)
                .map_err(|e| unique_violation(e, taken(&f.name)))?;
            ctx.audit("person", &[id.0], Some(&f.name))?;
            Ok(self.shown_person(people::get(ctx.tx, id)?.expect("inserted")))
        })
    }

    /// The owner first, then the people by name (archived ones when `archived`).
    pub fn list_people(&self, archived: bool) -> Result<Vec<Person>> {
        self.read(|ctx| {
            let mut all = vec![people::owner(ctx.tx)?];
            all.extend(people::list(ctx.tx, archived)?);
            Ok(all.into_iter().map(|p| self.shown_person(p)).collect())
        })
    }

    /// One person, by name, id, `me` or `owner`.
    pub fn get_person(&self, reference: &str) -> Result<Person> {
        self.read(|ctx| {
            let p = load(ctx, resolve_person(ctx, reference)?)?;
            Ok(self.shown_person(p))
        })
    }

    /// Changes a person (the owner too: their name, email, capacity and cost rate; the owner's
    /// role stays `owner` and the owner cannot be archived).
    ///
    /// # Errors
    /// As [`Service::create_person`]; the owner's role or archive; a caller who is not an
    /// owner.
    pub fn update_person(&self, reference: &str, changes: PersonChanges) -> Result<Person> {
        self.write("update_person", |ctx| {
            owner_only(ctx, "change people")?;
            let id = resolve_person(ctx, reference)?;
            let old = load(ctx, id)?;
            let mut f = fields_of(&old);
            apply(&mut f, changes.clone())?;
            match id {
                None => {
                    if f.role != Role::Owner || f.archived {
                        return Err(ServiceError::Conflict(
                            "the owner stays the owner and cannot be archived; change other \
                             people's roles instead"
                                .into(),
                        ));
                    }
                    if people::find_by_name(ctx.tx, &f.name)?.is_some() {
                        return Err(ServiceError::Conflict(taken(&f.name)()));
                    }
                    people::set_owner(ctx.tx, &f, ctx.now)?;
                    ctx.audit("person", &[], Some(&f.name))?;
                }
                Some(pid) => {
                    let owner = people::owner(ctx.tx)?;
                    if stint_domain::names::name_key(&owner.name)
                        == stint_domain::names::name_key(&f.name)
                    {
                        return Err(ServiceError::Conflict(taken(&f.name)()));
                    }
                    people::update(ctx.tx, pid, &f, ctx.now)
                        .map_err(|e| unique_violation(e, taken(&f.name)))?;
                    ctx.audit("person", &[pid.0], Some(&f.name))?;
                }
            }
            Ok(self.shown_person(load(ctx, id)?))
        })
    }

    /// Deletes a person who has no tracks and no expenses (their tasks lose the assignee,
    /// their tokens are revoked).
    ///
    /// # Errors
    /// The owner; a person with tracks or expenses (archive them instead: the message says
    /// how); a caller who is not an owner.
    pub fn delete_person(&self, reference: &str) -> Result<Person> {
        self.write("delete_person", |ctx| {
            owner_only(ctx, "delete people")?;
            let Some(id) = resolve_person(ctx, reference)? else {
                return Err(ServiceError::Conflict("the owner cannot be deleted".into()));
            };
            let p = load(ctx, Some(id))?;
            let (tracks, expenses) = people::usage(ctx.tx, id)?;
            if tracks + expenses > 0 {
                return Err(ServiceError::Conflict(
                    format!(
                        "{} has {tracks} tracks and {expenses} expenses, which would lose their \
                         person; archive {0} instead (update_person archived: true, or stint \
                         person archive {0:?}): the records stay and {0} leaves the lists",
                        p.name
                    )
                    .into(),
                ));
            }
            people::delete(ctx.tx, id, ctx.now)?;
            ctx.audit("person", &[id.0], Some(&p.name))?;
            Ok(self.shown_person(p))
        })
    }

    /// What of a team the database holds, for this caller: `(people, milestones, drafts)`.
    /// `people` whether the database has a person besides the owner or this caller speaks for
    /// one; `milestones` whether a milestone exists; `drafts`
    /// whether a draft track or expense exists or this caller writes drafts.
    pub fn team_features(&self) -> Result<(bool, bool, bool)> {
        self.read(|ctx| {
            let (people, milestones, drafts) = people::team_features(ctx.tx)?;
            Ok((
                people || ctx.acting.person.is_some(),
                milestones,
                drafts || ctx.drafts(),
            ))
        })
    }

    /// Whether this caller's role is owner (the owner, or a person made an owner): only such
    /// a token may sync the whole database over HTTP, or change the team's shared records.
    pub fn speaks_for_an_owner(&self) -> Result<bool> {
        self.read(|ctx| Ok(ctx.acting.role == Role::Owner))
    }
}

fn owner_only(ctx: &Ctx<'_>, what: &str) -> Result<()> {
    if ctx.acting.role == Role::Owner {
        return Ok(());
    }
    Err(ServiceError::Conflict(
        format!(
            "only an owner may {what}; this token speaks for a {}",
            ctx.acting.role.as_str()
        )
        .into(),
    ))
}

/// The person `id` (`None`: the owner).
pub(crate) fn load(ctx: &Ctx<'_>, id: Option<PersonId>) -> Result<Person> {
    match id {
        None => Ok(people::owner(ctx.tx)?),
        Some(id) => people::get(ctx.tx, id)?.ok_or_else(|| {
            ServiceError::NotFound(format!("no person has id {id}; see list_people").into())
        }),
    }
}

/// Writes a member's token may not make: a member reads projects, clients and tasks, and
/// writes only their own tracks, timers and expenses (docs/rules.md, "People"). Tags stay
/// open: a member tags their own tracks.
const MEMBER_MAY_NOT: &[&str] = &[
    "create_client",
    "update_client",
    "delete_client",
    "archive_client",
    "create_project",
    "update_project",
    "delete_project",
    "archive_project",
    "create_task",
    "update_task",
    "delete_task",
    "archive_task",
    "update_tag",
    "delete_tag",
    "update_settings",
    "set_billing_device",
    "sync_apply",
    "sync_put",
    "sync_delete",
];

/// Refuses `operation` to a member's token when it writes what the team shares.
pub(crate) fn check_operation(acting: Acting, operation: &str) -> Result<()> {
    if acting.role != Role::Member || !MEMBER_MAY_NOT.contains(&operation) {
        return Ok(());
    }
    Err(ServiceError::Conflict(
        format!(
            "a member's token may not {}: members read projects, clients, tasks and settings \
             and write only their own tracks, timers and expenses; ask an owner or a manager",
            operation.replace('_', " ")
        )
        .into(),
    ))
}
