//! Utilization, cost and margin of a team over a range (issue 21; docs/rules.md, "People").
//!
//! - Capacity over a range: each person's weekly capacity times the range's local calendar
//!   days ÷ 7 (a week is one weekly capacity, a 30-day month 30/7 of one; weekends count as
//!   days, as a weekly figure already spreads over them). A range that ends inside a day counts
//!   that day.
//! - Utilization: billable seconds (unrounded) ÷ capacity, in percent to one decimal, half-up;
//!   the team's: the billable seconds of the people with a capacity ÷ the sum of their
//!   capacities.
//! - Cost: each person's seconds (billable or not, unrounded) on each project times their cost
//!   rate, half-up to the currency's minor unit, then added up (a person's cost is the sum of
//!   their projects' costs, a project's the sum of its people's).
//! - Billed: what `time_summary` by project shows (rounded billable time at the rate in force,
//!   the money rule of docs/rules.md); margin = billed − cost, per currency.
//!
//! Costs and margins are left out for tokens made without `--sensitive`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::reports::{GroupDim, GroupKey, sql_groups};
use super::tracks::user_range;
use super::{Ctx, Result, Service};
use stint_domain::PersonId;
use stint_domain::money::Currency;
use stint_domain::people::{capacity_seconds, cost, utilization_percent};
use stint_store::people;

/// One person's figures over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonUse {
    /// `None`: the owner.
    pub person_id: Option<PersonId>,
    pub name: String,
    pub duration_seconds: i64,
    pub billable_seconds: i64,
    /// `None` without a weekly capacity.
    pub capacity_seconds: Option<i64>,
    /// Percent, one decimal; `None` without capacity.
    pub utilization_percent: Option<Decimal>,
    /// Billed amount per currency (rounded billable time at the rate in force).
    pub billed: BTreeMap<String, Decimal>,
    /// What their time cost, per currency; `None` when costs are hidden from this caller or
    /// the person has no cost rate.
    pub cost: Option<BTreeMap<String, Decimal>>,
}

/// One project's (or client's) money over the range.
#[derive(Debug, Clone, PartialEq)]
pub struct MarginRow {
    /// Project (or client) id; `None` for "(no project)" / "(no client)".
    pub id: Option<i64>,
    pub name: String,
    /// The project's client name (project rows only).
    pub client: Option<String>,
    pub duration_seconds: i64,
    pub billed: BTreeMap<String, Decimal>,
    /// `None` when costs are hidden from this caller.
    pub cost: Option<BTreeMap<String, Decimal>>,
    /// billed − cost per currency; `None` when costs are hidden.
    pub margin: Option<BTreeMap<String, Decimal>>,
}

/// Result of [`Service::utilization`].
#[derive(Debug, Clone)]
pub struct Utilization {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: chrono_tz::Tz,
    /// Calendar days the capacity is pro-rated over.
    pub days: i64,
    /// The owner first, then the people by name: those with time in the range or a capacity.
    pub people: Vec<PersonUse>,
    /// Sums over `people` (utilization: see the module docs).
    pub team: PersonUse,
    pub projects: Vec<MarginRow>,
    pub clients: Vec<MarginRow>,
    /// Whether costs and margins are shown to this caller.
    pub costs_shown: bool,
}

fn add_into(into: &mut BTreeMap<String, Decimal>, from: &BTreeMap<String, Decimal>) {
    for (c, v) in from {
        *into.entry(c.clone()).or_default() += *v;
    }
}

/// Local calendar days of `[start, end)` in `tz` (a partial last day counts).
fn days_of(start: DateTime<Utc>, end: DateTime<Utc>, tz: chrono_tz::Tz) -> i64 {
    let s = start.with_timezone(&tz);
    let e = end.with_timezone(&tz);
    let mut days = (e.date_naive() - s.date_naive()).num_days();
    if e.time() != chrono::NaiveTime::MIN {
        days += 1;
    }
    days.max(1)
}

type ProjectKey = Option<i64>;

impl Service {
    /// Utilization, cost and margin per person, project and client over `from`..`to` (the
    /// forms of `time_summary`; default: this week), optionally for one `person` (a member's
    /// token: always their own). Rules in the module docs and docs/rules.md, "People".
    ///
    /// # Errors
    /// A bad range or an unknown person; a member asking for someone else.
    pub fn utilization(
        &self,
        from: Option<&str>,
        to: Option<&str>,
        person: Option<&str>,
    ) -> Result<Utilization> {
        self.read(|ctx| {
            let from = from
                .map(str::trim)
                .filter(|f| !f.is_empty())
                .unwrap_or("this week");
            let range = user_range(
                ctx,
                Some(from),
                to,
                ctx.now,
                ctx.now + chrono::Duration::seconds(1),
            )?;
            let days = days_of(range.start, range.end, ctx.tz);
            let mut q = self.report_query(ctx, range.start, range.end);
            q.person = super::people::person_filter(ctx, person)?;
            let costs_shown = self.sees_costs();
            let mut everyone = vec![people::owner(ctx.tx)?];
            everyone.extend(people::list(ctx.tx, true)?);
            let mut rows = Vec::new();
            let mut project_cost: HashMap<ProjectKey, BTreeMap<String, Decimal>> = HashMap::new();
            for p in everyone {
                if q.person.is_some_and(|f| f != p.id) {
                    continue;
                }
                let mut qp = q.clone();
                qp.person = Some(p.id);
                let groups = sql_groups(ctx, &qp, &[GroupDim::Project])?;
                let mut u = PersonUse {
                    person_id: p.id,
                    name: p.name.clone(),
                    duration_seconds: 0,
                    billable_seconds: 0,
                    capacity_seconds: p.weekly_capacity_hours.map(|h| capacity_seconds(h, days)),
                    utilization_percent: None,
                    billed: BTreeMap::new(),
                    cost: None,
                };
                let currency = p.currency.unwrap_or(ctx.settings.default_currency);
                let mut person_cost: Option<BTreeMap<String, Decimal>> =
                    p.cost_rate.map(|_| BTreeMap::new());
                for (keys, acc) in &groups {
                    let f = acc.figures(ctx);
                    u.duration_seconds += f.duration_seconds;
                    u.billable_seconds += f.billable_seconds;
                    add_into(&mut u.billed, &f.amounts);
                    if let Some(rate) = p.cost_rate {
                        let c = cost(f.duration_seconds, rate, currency);
                        let one = BTreeMap::from([(currency.code().to_owned(), c)]);
                        if let Some(pc) = person_cost.as_mut() {
                            add_into(pc, &one);
                        }
                        add_into(project_cost.entry(key_id(keys)).or_default(), &one);
                    }
                }
                if u.duration_seconds == 0 && (p.archived || u.capacity_seconds.is_none()) {
                    continue;
                }
                u.utilization_percent = u
                    .capacity_seconds
                    .and_then(|c| utilization_percent(u.billable_seconds, c));
                u.cost = person_cost.filter(|_| costs_shown);
                rows.push(u);
            }
            let team = team_of(&rows, costs_shown);
            let (projects, clients) = margins(ctx, &q, &project_cost, costs_shown)?;
            Ok(Utilization {
                start: range.start,
                end: range.end,
                timezone: ctx.tz,
                days,
                people: rows,
                team,
                projects,
                clients,
                costs_shown,
            })
        })
    }
}

fn key_id(keys: &[GroupKey]) -> ProjectKey {
    keys.first().and_then(|k| k.id)
}

fn team_of(rows: &[PersonUse], costs_shown: bool) -> PersonUse {
    let mut t = PersonUse {
        person_id: None,
        name: "Team".to_owned(),
        duration_seconds: 0,
        billable_seconds: 0,
        capacity_seconds: None,
        utilization_percent: None,
        billed: BTreeMap::new(),
        cost: costs_shown.then(BTreeMap::new),
    };
    let mut with_capacity = 0;
    for r in rows {
        t.duration_seconds += r.duration_seconds;
        t.billable_seconds += r.billable_seconds;
        add_into(&mut t.billed, &r.billed);
        if let (Some(tc), Some(rc)) = (t.cost.as_mut(), r.cost.as_ref()) {
            add_into(tc, rc);
        }
        if let Some(c) = r.capacity_seconds {
            *t.capacity_seconds.get_or_insert(0) += c;
            with_capacity += r.billable_seconds;
        }
    }
    t.utilization_percent = t
        .capacity_seconds
        .and_then(|c| utilization_percent(with_capacity, c));
    t
}

/// Billed (as `time_summary` by project), cost and margin per project, then per client.
fn margins(
    ctx: &Ctx<'_>,
    q: &stint_store::reports::ReportQuery,
    project_cost: &HashMap<ProjectKey, BTreeMap<String, Decimal>>,
    costs_shown: bool,
) -> Result<(Vec<MarginRow>, Vec<MarginRow>)> {
    let groups = sql_groups(ctx, q, &[GroupDim::Project])?;
    let mut clients_of: HashMap<i64, (Option<i64>, Option<String>)> = HashMap::new();
    for id in groups.keys().filter_map(|k| key_id(k)) {
        if let Some(p) = stint_store::projects::get(ctx.tx, stint_domain::ProjectId(id))? {
            clients_of.insert(id, (p.client_id.map(|c| c.0), p.client_name));
        }
    }
    let margin_of = |billed: &BTreeMap<String, Decimal>, cost: &BTreeMap<String, Decimal>| {
        let mut m = billed.clone();
        for (c, v) in cost {
            let zero = Currency::parse(c)
                .map(|cur| stint_domain::billing::billable_amount(0, Decimal::ZERO, cur))
                .unwrap_or_default();
            *m.entry(c.clone()).or_insert(zero) -= *v;
        }
        m
    };
    let mut projects = Vec::new();
    let mut by_client: BTreeMap<(bool, String, i64), MarginRow> = BTreeMap::new();
    for (keys, acc) in &groups {
        let f = acc.figures(ctx);
        let id = key_id(keys);
        let name = keys
            .first()
            .map_or_else(|| "(no project)".to_owned(), |k| k.value.clone());
        let (client_id, client) = id
            .and_then(|p| clients_of.get(&p).cloned())
            .unwrap_or((None, None));
        let cost = project_cost.get(&id).cloned().unwrap_or_default();
        let row = MarginRow {
            id,
            name,
            client: client.clone(),
            duration_seconds: f.duration_seconds,
            billed: f.amounts.clone(),
            cost: costs_shown.then(|| cost.clone()),
            margin: costs_shown.then(|| margin_of(&f.amounts, &cost)),
        };
        let cname = client.unwrap_or_else(|| "(no client)".to_owned());
        let c = by_client
            .entry((
                client_id.is_none(),
                cname.to_lowercase(),
                client_id.unwrap_or(0),
            ))
            .or_insert_with(|| MarginRow {
                id: client_id,
                name: cname,
                client: None,
                duration_seconds: 0,
                billed: BTreeMap::new(),
                cost: costs_shown.then(BTreeMap::new),
                margin: None,
            });
        c.duration_seconds += f.duration_seconds;
        add_into(&mut c.billed, &f.amounts);
        if let Some(cc) = c.cost.as_mut() {
            add_into(cc, &cost);
        }
        projects.push(row);
    }
    projects.sort_by_cached_key(|r| (r.id.is_none(), r.name.to_lowercase(), r.id));
    let clients = by_client
        .into_values()
        .map(|mut c| {
            c.margin = c.cost.as_ref().map(|cost| margin_of(&c.billed, cost));
            c
        })
        .collect();
    Ok((projects, clients))
}
