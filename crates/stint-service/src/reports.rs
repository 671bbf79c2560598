//! Analytics: time summaries grouped by period and by project, client, tag or task; top projects;
//! budget status; unbilled work.
//!
//! Rules (docs/rules.md, "Time"): a track belongs wholly to the range, local day, week, month
//! and year in which it starts (the convention of Toggl, Harvest, Clockify and Kimai), so a
//! summary, an unbilled amount, a budget and an invoice of one period always count the same
//! tracks; running timers count up to now. Rounding follows the settings (each track rounded
//! then summed, or each group's sum rounded once); amounts are billable time at the rate in force
//! now (track, task, project, client, default), before tax, per currency. Grouping by project,
//! client, tag or task alone is summed in SQL; grouping by a period puts each track of the range
//! on the period of its local start in Rust.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Datelike, Days, NaiveDate, TimeZone, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::catalog::{resolve_client, resolve_project, resolve_tag};
use super::tracks::user_range;
use super::{Ctx, Result, Service, clean};
use stint_domain::DomainError;
use stint_domain::billing::{BudgetStatus, billable_amount, budget_status, split_amounts};
use stint_domain::entities::{BudgetPeriod, Project};
use stint_domain::limits::MAX_SUMMARY_ROWS;
use stint_domain::money::Currency;
use stint_domain::msg;
use stint_domain::rounding::round_seconds;
use stint_domain::settings::{Rounding, RoundingScope};
use stint_domain::time::{Range, local_day_seconds, local_day_start, show_instant};
use stint_domain::words::Arg;
use stint_store::projects::{self, ProjectFilter};
use stint_store::reports::{self, AggRow, Dim, ReportQuery};

/// A way to group a summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum GroupDim {
    Day,
    Week,
    Month,
    Year,
    Project,
    Client,
    Tag,
    /// A task of a project; tracks without a task form a row "(no task)".
    Task,
    /// The milestone of a track's task; the rest form a row "(no milestone)".
    Milestone,
    /// Whose tracks (the owner's row has no id); a member's token has only its own row.
    Person,
}

impl GroupDim {
    /// Parses `day`, `week`, `month`, `year`, `project`, `client`, `tag` or `task`.
    pub(crate) fn parse(input: &str) -> Result<Self> {
        Ok(match input.trim().to_ascii_lowercase().as_str() {
            "day" => Self::Day,
            "week" => Self::Week,
            "month" => Self::Month,
            "year" => Self::Year,
            "project" => Self::Project,
            "client" => Self::Client,
            "tag" => Self::Tag,
            "task" => Self::Task,
            "milestone" => Self::Milestone,
            "person" => Self::Person,
            _ => {
                return Err(DomainError::parse(
                    "grouping",
                    input,
                    "give day, week, month, year, project, client, tag or task (or milestone, or person: by whom)",
                )
                .into());
            }
        })
    }

    /// The spelling `parse` accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Day => "day",
            Self::Week => "week",
            Self::Month => "month",
            Self::Year => "year",
            Self::Project => "project",
            Self::Client => "client",
            Self::Tag => "tag",
            Self::Task => "task",
            Self::Milestone => "milestone",
            Self::Person => "person",
        }
    }

    fn is_period(self) -> bool {
        matches!(self, Self::Day | Self::Week | Self::Month | Self::Year)
    }

    /// How many periods of this kind `range` touches in `tz` (`None` for non-periods).
    fn periods_in(self, range: Range, tz: chrono_tz::Tz) -> Option<i64> {
        let first = range.start.with_timezone(&tz).date_naive();
        // The end is exclusive: the last second in the range is one before it.
        let last = (range.end - chrono::TimeDelta::seconds(1))
            .max(range.start)
            .with_timezone(&tz)
            .date_naive();
        let days = (last - first).num_days() + 1;
        let months = i64::from(last.year() - first.year()) * 12 + i64::from(last.month())
            - i64::from(first.month())
            + 1;
        match self {
            Self::Day => Some(days),
            Self::Week => Some(days / 7 + 2),
            Self::Month => Some(months),
            Self::Year => Some(i64::from(last.year() - first.year()) + 1),
            _ => None,
        }
    }
}

/// The error for a summary past [`MAX_SUMMARY_ROWS`] rows.
fn too_many_rows(
    rows: impl std::fmt::Display,
    range: Range,
    tz: chrono_tz::Tz,
) -> crate::ServiceError {
    DomainError::Invalid(
        format!(
            "the summary from {} to {} would have {rows} rows, more than the {MAX_SUMMARY_ROWS} a \
         summary may have; narrow the range or group by week, month or year",
            show_instant(range.start, tz),
            show_instant(range.end, tz)
        )
        .into(),
    )
    .into()
}

/// Input of `time_summary`.
#[derive(Debug, Clone, Default)]
pub struct TimeSummary {
    pub from: String,
    pub to: String,
    /// One or two of day, week, month, year, project, client, tag, task.
    pub group_by: Vec<String>,
    pub project: Option<String>,
    pub client: Option<String>,
    pub tag: Option<String>,
    pub billable: Option<bool>,
    /// Only tracks on tasks of this milestone (id or exact name).
    pub milestone: Option<String>,
    /// Only this person's tracks: a name, an id, `me` or `owner`.
    pub person: Option<String>,
}

/// One value of a grouping: a period label (`2026-11-20`, week start `2026-11-16`, `2026-11`,
/// `2026`) or a project, client or tag (id and name; no id for "none").
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupKey {
    pub dim: GroupDim,
    pub id: Option<i64>,
    pub value: String,
}

/// Sums for a group: the whole seconds of the tracks that start in it (a running timer's up to
/// now); amounts in major units per currency.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Figures {
    pub duration_seconds: i64,
    pub rounded_duration_seconds: i64,
    pub billable_seconds: i64,
    /// Billable amount of the time per ISO 4217 code, rounded half-up to the currency's minor
    /// unit.
    pub amounts: BTreeMap<String, Decimal>,
    /// Billable expenses dated in the range per ISO 4217 code, beside the time (in totals, and
    /// in rows grouped by project and/or client; empty with a tag filter or `billable=false`).
    pub expenses: BTreeMap<String, Decimal>,
    /// Tracks counted.
    pub track_count: i64,
    /// How many of them are running timers.
    pub running_count: i64,
}

/// A row of a summary.
#[derive(Debug, Clone)]
pub struct SummaryRow {
    pub keys: Vec<GroupKey>,
    pub figures: Figures,
    /// For rows grouped by day: the day's length (82 800 or 90 000 on daylight-saving days).
    pub day_length_seconds: Option<i64>,
    /// For rows grouped by project but not by client: the project's client (id, name), so two
    /// clients' projects of one name are told apart.
    pub project_client: Option<(i64, String)>,
}

impl SummaryRow {
    /// What a person reads for key `k` of this row: its value, and for a project that has a
    /// client (when the row is not grouped by client) `Support (Acme)`, as
    /// `Project::label` writes it.
    pub fn key_label(&self, k: &GroupKey) -> String {
        match (&self.project_client, k.dim) {
            (Some((_, client)), GroupDim::Project) => format!("{} ({client})", k.value),
            _ => k.value.clone(),
        }
    }
}

/// Result of `time_summary`.
#[derive(Debug, Clone)]
pub struct Summary {
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// The configured zone the range was read in (answers show it in this zone).
    pub timezone: chrono_tz::Tz,
    pub group_by: Vec<GroupDim>,
    pub rows: Vec<SummaryRow>,
    /// Over all tracks once (a track with two tags counts once here, in two tag rows).
    pub totals: Figures,
    pub rounding: Rounding,
}

/// Sums of one (billable, rate, currency) slice of a group.
#[derive(Debug, Clone, Copy, Default)]
struct Slice {
    seconds: i64,
    entry_rounded: i64,
    tracks: i64,
    running: i64,
}

type SliceKey = (bool, Option<Decimal>, Option<String>);

#[derive(Debug, Default)]
pub(crate) struct Acc(HashMap<SliceKey, Slice>);

impl Acc {
    fn add(&mut self, key: SliceKey, s: Slice) {
        let e = self.0.entry(key).or_default();
        e.seconds += s.seconds;
        e.entry_rounded += s.entry_rounded;
        e.tracks += s.tracks;
        e.running += s.running;
    }

    /// The billable slices as priced items: (currency, rounded seconds, rate), in a stable
    /// order (currency, rate).
    ///
    /// Slices are keyed by the rate and currency as stored; here they are resolved first (no
    /// rate: the default rate; no currency: the default currency), so time at one rate is one
    /// group whichever level set the rate, as on an invoice, and scope `total` rounds it once.
    fn priced_items(&self, ctx: &Ctx<'_>) -> Vec<(Currency, i64, Decimal)> {
        let rounding = ctx.settings.rounding;
        let mut resolved: HashMap<(&'static str, Decimal), (Currency, Slice)> = HashMap::new();
        for ((_, rate, currency), s) in self.0.iter().filter(|((billable, _, _), _)| *billable) {
            let rate = rate.unwrap_or(ctx.settings.default_hourly_rate);
            let currency = currency
                .as_deref()
                .and_then(|c| Currency::parse(c).ok())
                .unwrap_or(ctx.settings.default_currency);
            let e = &mut resolved
                .entry((currency.code(), rate))
                .or_insert((currency, Slice::default()))
                .1;
            e.seconds += s.seconds;
            e.entry_rounded += s.entry_rounded;
        }
        let mut items: Vec<(Currency, i64, Decimal)> = resolved
            .into_iter()
            .map(|((_, rate), (currency, s))| {
                let rounded = match rounding.scope {
                    RoundingScope::Entry => s.entry_rounded,
                    RoundingScope::Total => round_seconds(s.seconds, rounding),
                };
                (currency, rounded, rate)
            })
            .collect();
        items.sort_by(|a, b| (a.0.code(), a.2, a.1).cmp(&(b.0.code(), b.2, b.1)));
        items
    }

    pub(crate) fn figures(&self, ctx: &Ctx<'_>) -> Figures {
        let rounding = ctx.settings.rounding;
        let mut f = Figures::default();
        for ((billable, _, _), s) in &self.0 {
            f.duration_seconds += s.seconds;
            f.track_count += s.tracks;
            f.running_count += s.running;
            if *billable {
                f.billable_seconds += s.seconds;
            }
        }
        f.rounded_duration_seconds = match rounding.scope {
            RoundingScope::Entry => self.0.values().map(|s| s.entry_rounded).sum(),
            RoundingScope::Total => round_seconds(f.duration_seconds, rounding),
        };
        // The money rule: each currency's time priced as one sum, rounded once.
        f.amounts = price_rows(&[self.priced_items(ctx)])
            .pop()
            .unwrap_or_default();
        f
    }
}

/// Prices rows of items (currency, rounded seconds, rate) with the money rule: per currency, all
/// rows' items are priced as one sum and split over them
/// ([`split_amounts`](stint_domain::billing::split_amounts)), so the rows add up to the sum
/// and an invoice of the same tracks grouped the same way shows the same amounts. Returns each
/// row's amount per currency code.
fn price_rows(rows: &[Vec<(Currency, i64, Decimal)>]) -> Vec<BTreeMap<String, Decimal>> {
    let mut out: Vec<BTreeMap<String, Decimal>> = vec![BTreeMap::new(); rows.len()];
    let mut currencies: Vec<Currency> = rows.iter().flatten().map(|i| i.0).collect();
    currencies.sort_by_key(|c| c.code());
    currencies.dedup();
    for currency in currencies {
        let mut owners = Vec::new();
        let mut items = Vec::new();
        for (r, row) in rows.iter().enumerate() {
            for &(c, seconds, rate) in row {
                if c == currency {
                    owners.push(r);
                    items.push((seconds, rate));
                }
            }
        }
        for (r, amount) in owners.into_iter().zip(split_amounts(&items, currency)) {
            let e = out[r]
                .entry(currency.code().to_owned())
                .or_insert_with(|| billable_amount(0, Decimal::ZERO, currency));
            *e += amount;
        }
    }
    out
}

fn slice_of(row: &AggRow) -> (SliceKey, Slice) {
    (
        (row.billable, row.rate, row.currency.clone()),
        Slice {
            seconds: row.seconds,
            entry_rounded: row.entry_rounded_seconds,
            tracks: row.tracks,
            running: row.running,
        },
    )
}

fn sort_key(k: &GroupKey) -> (bool, String, i64) {
    if k.dim == GroupDim::Person {
        // The owner (no id) first, then the people by name.
        return (k.id.is_some(), k.value.to_lowercase(), k.id.unwrap_or(0));
    }
    if k.dim.is_period() {
        (false, k.value.clone(), 0)
    } else {
        (k.id.is_none(), k.value.to_lowercase(), k.id.unwrap_or(0))
    }
}

fn none_label(dim: GroupDim) -> &'static str {
    match dim {
        GroupDim::Project => "(no project)",
        GroupDim::Client => "(no client)",
        GroupDim::Tag => "(untagged)",
        GroupDim::Task => "(no task)",
        GroupDim::Milestone => "(no milestone)",
        _ => "",
    }
}

fn period_label(
    dim: GroupDim,
    day: NaiveDate,
    week_start: stint_domain::time::WeekStart,
) -> String {
    match dim {
        GroupDim::Day => day.to_string(),
        GroupDim::Week => week_start.week_of(day).to_string(),
        GroupDim::Month => format!("{:04}-{:02}", day.year(), day.month()),
        _ => format!("{:04}", day.year()),
    }
}

/// Sums time in SQL by project, client and/or tag (no period), keyed per group.
pub(crate) fn sql_groups(
    ctx: &Ctx<'_>,
    q: &ReportQuery,
    dims: &[GroupDim],
) -> Result<HashMap<Vec<GroupKey>, Acc>> {
    let sql_dims: Vec<Dim> = dims
        .iter()
        .map(|d| match d {
            GroupDim::Project => Dim::Project,
            GroupDim::Client => Dim::Client,
            GroupDim::Task => Dim::Task,
            GroupDim::Milestone => Dim::Milestone,
            _ => Dim::Tag,
        })
        .collect();
    let mut groups: HashMap<Vec<GroupKey>, Acc> = HashMap::new();
    for row in reports::aggregate(ctx.tx, q, &sql_dims)? {
        let keys = dims
            .iter()
            .zip(&row.keys)
            .map(|(d, (id, name))| GroupKey {
                dim: *d,
                id: *id,
                value: name.clone().unwrap_or_else(|| none_label(*d).to_owned()),
            })
            .collect();
        let (k, s) = slice_of(&row);
        groups.entry(keys).or_default().add(k, s);
    }
    Ok(groups)
}

/// All groups added up: the totals when every track is in exactly one group.
fn sum_groups(groups: &HashMap<Vec<GroupKey>, Acc>) -> Acc {
    let mut all = Acc::default();
    for g in groups.values() {
        for (k, s) in &g.0 {
            all.add(k.clone(), *s);
        }
    }
    all
}

/// Summary rows, sorted: periods in time order, names alphabetically with "none" last.
fn into_rows(groups: HashMap<Vec<GroupKey>, Acc>, ctx: &Ctx<'_>) -> Vec<SummaryRow> {
    let mut groups: Vec<(Vec<GroupKey>, Acc)> = groups.into_iter().collect();
    groups.sort_by_cached_key(|(keys, _)| keys.iter().map(sort_key).collect::<Vec<_>>());
    let items: Vec<Vec<(Currency, i64, Decimal)>> = groups
        .iter()
        .map(|(_, acc)| acc.priced_items(ctx))
        .collect();
    groups
        .into_iter()
        .zip(price_rows(&items))
        .map(|((keys, acc), amounts)| {
            let day_length_seconds = keys.iter().find(|k| k.dim == GroupDim::Day).and_then(|k| {
                NaiveDate::parse_from_str(&k.value, "%Y-%m-%d")
                    .ok()
                    .map(|d| local_day_seconds(d, ctx.tz))
            });
            SummaryRow {
                figures: Figures {
                    amounts,
                    ..acc.figures(ctx)
                },
                keys,
                day_length_seconds,
                project_client: None,
            }
        })
        .collect()
}

/// Sets [`SummaryRow::project_client`] on the rows grouped by project but not by client, one
/// look-up per project.
fn attach_project_clients(ctx: &Ctx<'_>, rows: &mut [SummaryRow]) -> Result<()> {
    let mut clients: HashMap<i64, Option<(i64, String)>> = HashMap::new();
    for row in rows.iter_mut() {
        if row.keys.iter().any(|k| k.dim == GroupDim::Client) {
            continue;
        }
        let Some(id) = row
            .keys
            .iter()
            .find(|k| k.dim == GroupDim::Project)
            .and_then(|k| k.id)
        else {
            continue;
        };
        let client = match clients.entry(id) {
            std::collections::hash_map::Entry::Occupied(e) => e.get().clone(),
            std::collections::hash_map::Entry::Vacant(e) => e
                .insert(
                    projects::get(ctx.tx, stint_domain::ProjectId(id))?
                        .and_then(|p| Some((p.client_id?.0, p.client_name?))),
                )
                .clone(),
        };
        row.project_client = client;
    }
    Ok(())
}

/// Billable expenses as (client id, project id, currency code, amount in major units).
type ExpenseRow = (Option<i64>, i64, String, Decimal);

/// Billable expenses dated in the local days `range` covers, of a project and/or client,
/// invoiced or not (all when `None`).
fn expense_rows(
    ctx: &Ctx<'_>,
    range: Range,
    project: Option<stint_domain::ProjectId>,
    client: Option<stint_domain::ClientId>,
    invoiced: Option<bool>,
) -> Result<Vec<ExpenseRow>> {
    let from = range.start.with_timezone(&ctx.tz).date_naive();
    let last = (range.end - chrono::Duration::seconds(1))
        .with_timezone(&ctx.tz)
        .date_naive();
    Ok(
        stint_store::expenses::sums(ctx.tx, from, last, project, client, invoiced)?
            .into_iter()
            .map(|e| {
                let dp = Currency::parse(&e.currency).map_or(2, Currency::minor_units);
                (
                    e.client_id.map(|c| c.0),
                    e.project_id.0,
                    e.currency,
                    Decimal::new(e.amount_minor, dp),
                )
            })
            .collect(),
    )
}

/// Sums expense rows per currency, keeping those `keep` accepts.
fn sum_expenses(
    rows: &[ExpenseRow],
    keep: impl Fn(&ExpenseRow) -> bool,
) -> BTreeMap<String, Decimal> {
    let mut out: BTreeMap<String, Decimal> = BTreeMap::new();
    for r in rows.iter().filter(|r| keep(r)) {
        *out.entry(r.2.clone()).or_default() += r.3;
    }
    out
}

/// Puts expenses on the rows grouped by project and/or client, and on the totals.
fn add_expenses(summary_rows: &mut [SummaryRow], totals: &mut Figures, rows: &[ExpenseRow]) {
    totals.expenses = sum_expenses(rows, |_| true);
    for row in summary_rows.iter_mut() {
        if !row
            .keys
            .iter()
            .all(|k| matches!(k.dim, GroupDim::Project | GroupDim::Client))
        {
            continue;
        }
        row.figures.expenses = sum_expenses(rows, |e| {
            row.keys.iter().all(|k| match k.dim {
                GroupDim::Project => k.id == Some(e.1),
                _ => k.id == e.0,
            })
        });
    }
}

impl Service {
    pub(crate) fn report_query(
        &self,
        ctx: &Ctx<'_>,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
    ) -> ReportQuery {
        ReportQuery {
            start: start.timestamp(),
            end: end.timestamp(),
            now: ctx.now.timestamp(),
            project_id: None,
            client_id: None,
            tag_id: None,
            milestone_id: None,
            billable: None,
            invoiced: None,
            finished_only: false,
            rounding: ctx.settings.rounding,
            // A member's reports count their own tracks only (docs/rules.md, "People").
            person: ctx.acting.filter(None).unwrap_or(Some(ctx.acting.person)),
        }
    }

    /// Sums time in a range, grouped by one or two of day, week, month, year, project, client
    /// and tag, with rounded and unrounded durations and billable amounts per currency.
    ///
    /// # Errors
    /// A bad range, an unknown grouping, more than two groupings, an unknown filter name, or a
    /// summary of more than [`MAX_SUMMARY_ROWS`] (10 000) rows (refused before any work when
    /// the range holds more periods than that).
    pub fn time_summary(&self, req: TimeSummary) -> Result<Summary> {
        self.read(|ctx| {
            let dims: Vec<GroupDim> = req
                .group_by
                .iter()
                .map(|g| GroupDim::parse(g))
                .collect::<Result<_>>()?;
            if dims.is_empty() || dims.len() > 2 {
                return Err(DomainError::Invalid(msg![
                    Arg::GroupBy,
                    format!(
                        " takes one or two of day, week, month, year, project, client, tag, task, milestone, \
                         person (got {}), e.g. project, or day and project",
                        dims.len()
                    ),
                ])
                .into());
            }
            if dims.len() == 2 && dims[0] == dims[1] {
                return Err(DomainError::Invalid(msg![
                    Arg::GroupBy,
                    " names the same grouping twice"
                ])
                .into());
            }
            let range = user_range(
                ctx,
                Some(&req.from),
                Some(&req.to),
                ctx.now,
                ctx.now + chrono::Duration::seconds(1),
            )?;
            if let Some(periods) = dims
                .iter()
                .filter_map(|d| d.periods_in(range, ctx.tz))
                .max()
                && periods > MAX_SUMMARY_ROWS as i64
            {
                return Err(too_many_rows(format!("up to {periods}"), range, ctx.tz));
            }
            let mut q = self.report_query(ctx, range.start, range.end);
            q.project_id = match clean(req.project.clone()) {
                Some(p) => Some(resolve_project(ctx, &p)?.id),
                None => None,
            };
            q.client_id = match clean(req.client.clone()) {
                Some(c) => Some(resolve_client(ctx, &c)?.id),
                None => None,
            };
            q.tag_id = match clean(req.tag.clone()) {
                Some(t) => Some(resolve_tag(ctx, &t)?.id),
                None => None,
            };
            q.billable = req.billable;
            q.milestone_id = match clean(req.milestone.clone()) {
                Some(m) => Some(super::milestones::resolve_milestone(ctx, None, &m)?.id),
                None => None,
            };
            q.person = super::people::person_filter(ctx, req.person.as_deref())?;
            let groups = if dims.contains(&GroupDim::Person) {
                self.person_groups(ctx, &q, &dims)?
            } else if dims.iter().any(|d| d.is_period()) {
                let mut groups = HashMap::new();
                self.group_spans(ctx, &q, &dims, &mut groups)?;
                groups
            } else {
                sql_groups(ctx, &q, &dims)?
            };
            if groups.len() > MAX_SUMMARY_ROWS {
                return Err(too_many_rows(groups.len(), range, ctx.tz));
            }
            // Totals count each track once, rounded once, whatever the grouping. Grouped by
            // project or client alone, each track is in exactly one group: add the groups up
            // instead of reading the tracks again.
            let mut all = Acc::default();
            if dims
                .iter()
                .all(|d| {
                    matches!(
                        d,
                        GroupDim::Project | GroupDim::Client | GroupDim::Task | GroupDim::Milestone
                    )
                })
            {
                for g in groups.values() {
                    for (k, s) in &g.0 {
                        all.add(k.clone(), *s);
                    }
                }
            } else {
                for row in reports::aggregate(ctx.tx, &q, &[])? {
                    let (k, s) = slice_of(&row);
                    all.add(k, s);
                }
            }
            let mut totals = all.figures(ctx);
            let mut rows = into_rows(groups, ctx);
            attach_project_clients(ctx, &mut rows)?;
            // Expenses have no task, so no milestone.
            if q.tag_id.is_none() && q.milestone_id.is_none() && q.billable != Some(false) {
                let expenses = expense_rows(ctx, range, q.project_id, q.client_id, None)?;
                add_expenses(&mut rows, &mut totals, &expenses);
            }
            Ok(Summary {
                start: range.start,
                end: range.end,
                timezone: ctx.tz,
                group_by: dims,
                rows,
                totals,
                rounding: ctx.settings.rounding,
            })
        })
    }

    /// Groups by person and the other dimension of `dims` (if any): each person the query
    /// may read is summed on their own (the owner first, then the people by name), and their
    /// rows carry the person's key where `person` stands in `dims`.
    fn person_groups(
        &self,
        ctx: &Ctx<'_>,
        q: &ReportQuery,
        dims: &[GroupDim],
    ) -> Result<HashMap<Vec<GroupKey>, Acc>> {
        let at = dims
            .iter()
            .position(|d| *d == GroupDim::Person)
            .unwrap_or(0);
        let rest: Vec<GroupDim> = dims
            .iter()
            .copied()
            .filter(|d| *d != GroupDim::Person)
            .collect();
        let mut people: Vec<(Option<stint_domain::PersonId>, String)> =
            vec![(None, stint_store::people::owner(ctx.tx)?.name)];
        people.extend(
            stint_store::people::list(ctx.tx, true)?
                .into_iter()
                .map(|p| (p.id, p.name)),
        );
        let mut out: HashMap<Vec<GroupKey>, Acc> = HashMap::new();
        for (id, name) in people {
            if q.person.is_some_and(|p| p != id) {
                continue;
            }
            let mut qp = q.clone();
            qp.person = Some(id);
            let groups = if rest.is_empty() {
                let mut acc = Acc::default();
                for row in reports::aggregate(ctx.tx, &qp, &[])? {
                    let (k, s) = slice_of(&row);
                    acc.add(k, s);
                }
                HashMap::from([(Vec::new(), acc)])
            } else if rest.iter().any(|d| d.is_period()) {
                let mut g = HashMap::new();
                self.group_spans(ctx, &qp, &rest, &mut g)?;
                g
            } else {
                sql_groups(ctx, &qp, &rest)?
            };
            for (mut keys, acc) in groups {
                if acc.0.is_empty() {
                    continue;
                }
                keys.insert(
                    at.min(keys.len()),
                    GroupKey {
                        dim: GroupDim::Person,
                        id: id.map(|p| p.0),
                        value: name.clone(),
                    },
                );
                out.insert(keys, acc);
            }
        }
        Ok(out)
    }

    /// Puts each track of the range on the period (and project, client, task, tags) of its
    /// local start, whole: one entry, rounded once (docs/rules.md, "Time").
    fn group_spans(
        &self,
        ctx: &Ctx<'_>,
        q: &ReportQuery,
        dims: &[GroupDim],
        groups: &mut HashMap<Vec<GroupKey>, Acc>,
    ) -> Result<()> {
        let with_tags = dims.contains(&GroupDim::Tag);
        for span in reports::spans(ctx.tx, q, with_tags)? {
            let day = span.start.with_timezone(&ctx.tz).date_naive();
            let mut key_sets: Vec<Vec<GroupKey>> = vec![Vec::new()];
            for d in dims {
                let options: Vec<GroupKey> = match d {
                    GroupDim::Project => vec![GroupKey {
                        dim: *d,
                        id: span.project_id,
                        value: span
                            .project_name
                            .clone()
                            .unwrap_or_else(|| none_label(*d).into()),
                    }],
                    GroupDim::Client => vec![GroupKey {
                        dim: *d,
                        id: span.client_id,
                        value: span
                            .client_name
                            .clone()
                            .unwrap_or_else(|| none_label(*d).into()),
                    }],
                    GroupDim::Task => vec![GroupKey {
                        dim: *d,
                        id: span.task_id,
                        value: match (&span.task_name, &span.project_name) {
                            (Some(k), Some(p)) if !dims.contains(&GroupDim::Project) => {
                                format!("{k} ({p})")
                            }
                            (Some(k), _) => k.clone(),
                            (None, _) => none_label(*d).into(),
                        },
                    }],
                    GroupDim::Milestone => vec![GroupKey {
                        dim: *d,
                        id: span.milestone.as_ref().map(|m| m.0),
                        value: span
                            .milestone
                            .as_ref()
                            .map_or_else(|| none_label(*d).into(), |m| m.1.clone()),
                    }],
                    GroupDim::Tag if span.tags.is_empty() => vec![GroupKey {
                        dim: *d,
                        id: None,
                        value: none_label(*d).into(),
                    }],
                    // Spans are read per person (see `person_groups`): never reached.
                    GroupDim::Person => Vec::new(),
                    GroupDim::Tag => span
                        .tags
                        .iter()
                        .map(|(id, name)| GroupKey {
                            dim: *d,
                            id: Some(*id),
                            value: name.clone(),
                        })
                        .collect(),
                    period => vec![GroupKey {
                        dim: *period,
                        id: None,
                        value: period_label(*period, day, ctx.settings.week_start),
                    }],
                };
                key_sets = key_sets
                    .into_iter()
                    .flat_map(|prefix| {
                        options.iter().map(move |o| {
                            let mut k = prefix.clone();
                            k.push(o.clone());
                            k
                        })
                    })
                    .collect();
            }
            let slice = Slice {
                seconds: span.seconds,
                entry_rounded: round_seconds(span.seconds, ctx.settings.rounding),
                tracks: 1,
                running: i64::from(span.end.is_none()),
            };
            // One key set per tag: a track with two tags is in two tag rows, once in each.
            for keys in key_sets {
                groups
                    .entry(keys)
                    .or_default()
                    .add((span.billable, span.rate, span.currency.clone()), slice);
            }
        }
        Ok(())
    }

    /// The projects with the most time in a range, by rounded duration, with their share
    /// (percent of the range's rounded total, 1 decimal).
    ///
    /// `limit` is how many projects: 5 when `None`, at most `super::MAX_PAGE`.
    ///
    /// # Errors
    /// `limit` is 0, or the range does not parse.
    pub fn top_projects(
        &self,
        from: &str,
        to: &str,
        limit: Option<u32>,
    ) -> Result<(Summary, Vec<Decimal>)> {
        let limit = match limit {
            None => 5,
            Some(0) => {
                return Err(DomainError::Invalid(
                    "limit must be at least 1; leave it out for the top 5"
                        .to_owned()
                        .into(),
                )
                .into());
            }
            Some(n) => (n as usize).min(super::MAX_PAGE),
        };
        let summary = self.time_summary(TimeSummary {
            from: from.to_owned(),
            to: to.to_owned(),
            group_by: vec!["project".into()],
            ..Default::default()
        })?;
        let total = Decimal::from(summary.totals.rounded_duration_seconds.max(1));
        let mut rows = summary.rows.clone();
        rows.sort_by(|a, b| {
            b.figures
                .rounded_duration_seconds
                .cmp(&a.figures.rounded_duration_seconds)
                .then_with(|| {
                    a.keys[0]
                        .value
                        .to_lowercase()
                        .cmp(&b.keys[0].value.to_lowercase())
                })
        });
        rows.truncate(limit);
        let shares = rows
            .iter()
            .map(|r| {
                (Decimal::from(r.figures.rounded_duration_seconds) * Decimal::ONE_HUNDRED / total)
                    .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero)
            })
            .collect();
        Ok((Summary { rows, ..summary }, shares))
    }

    /// Budget use and status of each project with a budget (or of one project).
    pub fn budget_status(&self, project: Option<&str>) -> Result<Vec<BudgetReport>> {
        self.read(|ctx| {
            let projects: Vec<Project> = match project.map(str::trim).filter(|p| !p.is_empty()) {
                Some(p) => vec![resolve_project(ctx, p)?],
                None => projects::list(
                    ctx.tx,
                    &ProjectFilter {
                        include_archived: false,
                        ..Default::default()
                    },
                    None,
                    10_000,
                )?
                .into_iter()
                .filter(|p| p.budget.seconds.is_some() || p.budget.amount.is_some())
                .collect(),
            };
            projects
                .into_iter()
                .map(|p| self.budget_of(ctx, p))
                .collect()
        })
    }

    fn budget_of(&self, ctx: &Ctx<'_>, project: Project) -> Result<BudgetReport> {
        let (start, end) = match project.budget.period {
            BudgetPeriod::Total => (
                Utc.timestamp_opt(0, 0).single().unwrap_or_default(),
                ctx.now + chrono::Duration::seconds(1),
            ),
            BudgetPeriod::Monthly => {
                let today = ctx.now.with_timezone(&ctx.tz).date_naive();
                let first = today.with_day(1).unwrap_or(today);
                let next = first
                    .checked_add_months(chrono::Months::new(1))
                    .unwrap_or(first + Days::new(31));
                (
                    local_day_start(first, ctx.tz),
                    local_day_start(next, ctx.tz),
                )
            }
        };
        let mut q = self.report_query(ctx, start, end);
        q.project_id = Some(project.id);
        let mut acc = Acc::default();
        for row in reports::aggregate(ctx.tx, &q, &[])? {
            let (k, s) = slice_of(&row);
            acc.add(k, s);
        }
        let f = acc.figures(ctx);
        let currency = project
            .currency
            .or_else(|| {
                project.client_id.and_then(|c| {
                    stint_store::clients::get(ctx.tx, c)
                        .ok()
                        .flatten()
                        .and_then(|c| c.currency)
                })
            })
            .unwrap_or(ctx.settings.default_currency);
        // Money used: the time's amount and the billable expenses in the budget's currency.
        let expenses = expense_rows(ctx, Range { start, end }, Some(project.id), None, None)?;
        let used_amount = f.amounts.get(currency.code()).copied().unwrap_or_default()
            + sum_expenses(&expenses, |e| e.2 == currency.code())
                .get(currency.code())
                .copied()
                .unwrap_or_default();
        let hours = project.budget.seconds.map(|budget| {
            let (status, percent) = budget_status(
                Decimal::from(f.rounded_duration_seconds),
                Decimal::from(budget),
                project.budget.alert_percent,
            );
            BudgetUse {
                budget: Decimal::from(budget),
                used: Decimal::from(f.rounded_duration_seconds),
                percent,
                status,
            }
        });
        let money = project.budget.amount.map(|budget| {
            let (status, percent) =
                budget_status(used_amount, budget, project.budget.alert_percent);
            BudgetUse {
                budget,
                used: used_amount,
                percent,
                status,
            }
        });
        let status = [hours.as_ref(), money.as_ref()]
            .into_iter()
            .flatten()
            .map(|u| u.status)
            .max_by_key(|s| match s {
                BudgetStatus::Ok => 0,
                BudgetStatus::Alert => 1,
                BudgetStatus::Over => 2,
            })
            .unwrap_or(BudgetStatus::Ok);
        Ok(BudgetReport {
            project,
            period_start: start,
            period_end: end,
            timezone: ctx.tz,
            currency,
            hours,
            money,
            status,
        })
    }

    /// Billable, finished work not yet on an invoice, by client and project, optionally in a
    /// range (all time by default).
    pub fn unbilled_summary(
        &self,
        client: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Summary> {
        self.unbilled_summary_for(client, from, to, None)
    }

    /// [`Service::unbilled_summary`] of one person's tracks (a name, an id, `me` or `owner`;
    /// a member's token: always their own).
    ///
    /// # Errors
    /// As [`Service::unbilled_summary`]; an unknown person; a member asking for another.
    pub fn unbilled_summary_for(
        &self,
        client: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
        person: Option<&str>,
    ) -> Result<Summary> {
        self.read(|ctx| {
            let range = user_range(
                ctx,
                from,
                to,
                DateTime::<Utc>::UNIX_EPOCH,
                ctx.now + chrono::Duration::seconds(1),
            )?;
            let mut q = self.report_query(ctx, range.start, range.end);
            q.billable = Some(true);
            q.invoiced = Some(false);
            q.finished_only = true;
            q.person = super::people::person_filter(ctx, person)?;
            q.client_id = match client.map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => Some(resolve_client(ctx, c)?.id),
                None => None,
            };
            let dims = vec![GroupDim::Client, GroupDim::Project];
            let groups = sql_groups(ctx, &q, &dims)?;
            // Each track is in exactly one client/project group.
            let all = sum_groups(&groups);
            let mut rows = into_rows(groups, ctx);
            let mut totals = all.figures(ctx);
            let expenses = expense_rows(ctx, range, None, q.client_id, Some(false))?;
            add_expenses(&mut rows, &mut totals, &expenses);
            Ok(Summary {
                start: range.start,
                end: range.end,
                timezone: ctx.tz,
                group_by: dims,
                rows,
                totals,
                rounding: ctx.settings.rounding,
            })
        })
    }
}

/// Use of one kind of budget. Hours budgets are in seconds; money budgets in major units.
#[derive(Debug, Clone)]
pub struct BudgetUse {
    pub budget: Decimal,
    pub used: Decimal,
    /// Percent used, 1 decimal.
    pub percent: Decimal,
    pub status: BudgetStatus,
}

/// Budget status of a project for its current period.
#[derive(Debug, Clone)]
pub struct BudgetReport {
    pub project: Project,
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    /// The configured zone (answers show the period in it).
    pub timezone: chrono_tz::Tz,
    pub currency: Currency,
    pub hours: Option<BudgetUse>,
    pub money: Option<BudgetUse>,
    /// The worse of the hours and money statuses.
    pub status: BudgetStatus,
}
