//! Billing rules: rate and currency resolution, hours and money arithmetic, invoice lines and
//! totals, invoice numbers, and budget status.
//!
//! Rules (docs/rules.md, "Rates and currency", "Rounding", "Budgets", "Invoices"):
//! - rate: track override, else task, else project, else client, else the default; currency:
//!   project, else client, else the default;
//! - the money rule: time is priced from its rounded seconds, `rate x seconds / 3600`, rounded
//!   half-up to the currency's minor unit once ([`billable_amount`]); a set of rows (invoice lines,
//!   report rows) is priced as one sum and split so the rows add up to it ([`split_amounts`]);
//! - a line's quantity is its hours after rounding, shown half-up to 4 decimals;
//! - subtotal = sum of line amounts, tax = subtotal x tax rate half-up to the minor unit,
//!   total = subtotal + tax, exactly.
//!
//! Money is `Decimal` in major units of a currency (euros, not cents); rates are per hour;
//! durations are whole seconds. "Half-up" is `MidpointAwayFromZero`, never banker's rounding.

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::{Decimal, RoundingStrategy};

use super::DomainError;
use super::money::Currency;
use super::rounding::rounded_total;
use super::settings::{Rounding, RoundingScope};

const HALF_UP: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;
const SECONDS_PER_HOUR: i64 = 3600;

/// Where the hourly rate in force came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateSource {
    /// The track's own rate override.
    Track,
    /// The track's task.
    Task,
    /// The track's project.
    Project,
    /// The project's client.
    Client,
    /// The setting `default_hourly_rate`.
    Default,
}

impl RateSource {
    /// `track`, `task`, `project`, `client` or `default`.
    #[cfg(test)]
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Task => "task",
            Self::Project => "project",
            Self::Client => "client",
            Self::Default => "default",
        }
    }
}

/// The rate set at the most specific level, if any level sets one: the track's own, else its
/// task's, else its project's, else the client's (docs/rules.md, "Rates and currency").
///
/// A rate of zero that is set counts as set (a task billed at 0 does not fall through to the
/// project's rate). `None` means the setting `default_hourly_rate` applies. Rates are major units
/// per hour. Reports call this on the rates of a group; [`resolve_rate`] adds the default.
pub fn first_rate(
    track: Option<Decimal>,
    task: Option<Decimal>,
    project: Option<Decimal>,
    client: Option<Decimal>,
) -> Option<(Decimal, RateSource)> {
    track
        .map(|r| (r, RateSource::Track))
        .or(task.map(|r| (r, RateSource::Task)))
        .or(project.map(|r| (r, RateSource::Project)))
        .or(client.map(|r| (r, RateSource::Client)))
}

/// The hourly rate in force for a track, in major units per hour, and where it came from.
///
/// docs/rules.md, "Rates and currency": track override, else task rate, else project rate,
/// else client rate, else the setting `default_hourly_rate` (see [`first_rate`]).
pub fn resolve_rate(
    track: Option<Decimal>,
    task: Option<Decimal>,
    project: Option<Decimal>,
    client: Option<Decimal>,
    default: Decimal,
) -> (Decimal, RateSource) {
    first_rate(track, task, project, client).unwrap_or((default, RateSource::Default))
}

/// The currency of a track's money: project, else client, else the setting `default_currency`
/// (docs/rules.md, "Rates and currency").
pub fn resolve_currency(
    project: Option<Currency>,
    client: Option<Currency>,
    default: Currency,
) -> Currency {
    project.or(client).unwrap_or(default)
}

/// Hours shown for a rounded duration in seconds: seconds / 3600, half-up to 4 decimals, shown
/// with at least 2 (`1.00`, `0.25`, `0.1667`).
///
/// docs/rules.md, "Invoices". The quantity is for the reader: the amount is priced from the
/// seconds themselves (see [`billable_amount`]), so 0:10:00 at 100/h is 16.67, not 0.17 x 100.
pub(crate) fn hours_quantity(rounded_seconds: i64) -> Decimal {
    let hours = Decimal::from(rounded_seconds) / Decimal::from(SECONDS_PER_HOUR);
    let mut q = hours.round_dp_with_strategy(4, HALF_UP).normalize();
    if q.scale() < 2 {
        q.rescale(2);
    }
    q
}

/// Decimals kept of an hourly rate when pricing (rates are bounded to 6 when parsed).
const RATE_DP: u32 = 6;

/// Value of `seconds` at `unit_rate` per hour, exactly, as a numerator over
/// [`exact_denominator`] in minor units of `currency`.
fn exact_minor(seconds: i64, unit_rate: Decimal, currency: Currency) -> i128 {
    let mut rate = unit_rate.round_dp_with_strategy(RATE_DP, HALF_UP);
    rate.rescale(RATE_DP);
    i128::from(seconds)
        .saturating_mul(rate.mantissa())
        .saturating_mul(10i128.pow(currency.minor_units()))
}

fn exact_denominator() -> i128 {
    i128::from(SECONDS_PER_HOUR) * 10i128.pow(RATE_DP)
}

/// THE money rule (docs/rules.md, "Rates and currency"): the billable amount of `seconds`
/// of (rounded) time at `unit_rate` major units per hour is `unit_rate x seconds / 3600`,
/// computed exactly and rounded half-up to the currency's minor unit once.
///
/// 600 s at 100 EUR/h is 16.67; 3600 s (six such tracks summed) is 100.00; 1200 s at 150 is
/// 50.00. The result carries exactly the minor-unit count of decimals.
pub fn billable_amount(seconds: i64, unit_rate: Decimal, currency: Currency) -> Decimal {
    split_amounts(&[(seconds, unit_rate)], currency)
        .pop()
        .unwrap_or_else(|| to_minor_units(Decimal::ZERO, currency))
}

/// Prices several items of (rounded seconds, rate per hour) as one sum and splits it
/// (docs/rules.md, "Invoices"): the sum is the exact value of all items rounded half-up to the
/// minor unit once (what [`billable_amount`] gives for one item), and each item gets its exact
/// value rounded down plus one minor unit for the items with the largest remainders (ties: the
/// earlier item) until the amounts add up to that sum. Each amount is within one minor unit of
/// its exact value, and equals [`billable_amount`] of the item whenever no minor unit is left to
/// hand out. Amounts carry the currency's minor-unit decimals; one amount per item, in order.
pub fn split_amounts(items: &[(i64, Decimal)], currency: Currency) -> Vec<Decimal> {
    let den = exact_denominator();
    let nums: Vec<i128> = items
        .iter()
        .map(|&(s, r)| exact_minor(s, r, currency))
        .collect();
    let total: i128 = nums.iter().fold(0i128, |a, &n| a.saturating_add(n));
    // Half-up (away from zero) division of the total.
    let total_units = {
        let q = total.abs().saturating_add(den / 2) / den;
        if total < 0 { -q } else { q }
    };
    let mut units: Vec<i128> = nums.iter().map(|n| n.div_euclid(den)).collect();
    let mut left = total_units - units.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..items.len()).collect();
    order.sort_by(|&a, &b| {
        nums[b]
            .rem_euclid(den)
            .cmp(&nums[a].rem_euclid(den))
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while left > 0 && !order.is_empty() {
        units[order[i % order.len()]] += 1;
        left -= 1;
        i += 1;
    }
    while left < 0 && !order.is_empty() {
        // Never for non-negative items; kept so any input still adds up.
        let k = order[order.len() - 1 - (i % order.len())];
        units[k] -= 1;
        left += 1;
        i += 1;
    }
    let dp = currency.minor_units();
    units
        .into_iter()
        .map(|u| Decimal::try_from_i128_with_scale(u, dp).unwrap_or(Decimal::MAX))
        .collect()
}

/// Splits `total` (seconds, or minor units) over items in proportion to `weights` (largest remainder, ties to the
/// earlier item), so the parts add up to `total` exactly. Zero weights share nothing unless all
/// are zero, when the first item takes everything.
pub(crate) fn split_in_proportion(total: i64, weights: &[i64]) -> Vec<i64> {
    let sum: i128 = weights.iter().map(|&w| i128::from(w.max(0))).sum();
    if weights.is_empty() {
        return Vec::new();
    }
    if sum == 0 {
        let mut parts = vec![0; weights.len()];
        parts[0] = total;
        return parts;
    }
    let t = i128::from(total);
    let nums: Vec<i128> = weights.iter().map(|&w| t * i128::from(w.max(0))).collect();
    let mut parts: Vec<i128> = nums.iter().map(|n| n.div_euclid(sum)).collect();
    let mut left = t - parts.iter().sum::<i128>();
    let mut order: Vec<usize> = (0..weights.len()).collect();
    order.sort_by(|&a, &b| {
        nums[b]
            .rem_euclid(sum)
            .cmp(&nums[a].rem_euclid(sum))
            .then(a.cmp(&b))
    });
    let mut i = 0;
    while left > 0 {
        parts[order[i % order.len()]] += 1;
        left -= 1;
        i += 1;
    }
    parts
        .into_iter()
        .map(|p| i64::try_from(p).unwrap_or(i64::MAX))
        .collect()
}

/// Amount of `quantity` hours at `unit_rate`, half-up to the currency's minor unit (2 for EUR,
/// 0 for JPY, 3 for KWD). For fixed quantities only; time is priced from its seconds with
/// [`billable_amount`].
#[cfg(test)]
pub(crate) fn line_amount(quantity: Decimal, unit_rate: Decimal, currency: Currency) -> Decimal {
    to_minor_units(quantity * unit_rate, currency)
}

/// Tax on a subtotal (major units) at `tax_rate_percent` (19 for 19 %), half-up to the currency's
/// minor unit.
///
/// docs/rules.md, "Invoices": tax = subtotal x tax rate, rounded half-up.
pub(crate) fn tax_amount(
    subtotal: Decimal,
    tax_rate_percent: Decimal,
    currency: Currency,
) -> Decimal {
    to_minor_units(subtotal * tax_rate_percent / Decimal::ONE_HUNDRED, currency)
}

fn to_minor_units(amount: Decimal, currency: Currency) -> Decimal {
    let dp = currency.minor_units();
    with_scale(amount.round_dp_with_strategy(dp, HALF_UP), dp)
}

/// Pads to `dp` decimals (`120` -> `120.00`); never drops digits, so the value is unchanged.
fn with_scale(mut value: Decimal, dp: u32) -> Decimal {
    if value.scale() < dp {
        value.rescale(dp);
    }
    value
}

/// A finished, billable track as invoice building needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct BillableTrack {
    pub id: i64,
    pub start: DateTime<Utc>,
    /// After `start`; the store guarantees it (a negative span would count as zero seconds).
    pub end: DateTime<Utc>,
    /// The local date of `start`: the day the whole track counts toward when grouping by day.
    pub local_date: NaiveDate,
    pub description: String,
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    /// Tag names, in any order.
    pub tags: Vec<String>,
    /// The rate in force, in major units per hour (see [`resolve_rate`]).
    pub unit_rate: Decimal,
    /// The track's task (of its project), if any.
    pub task_id: Option<i64>,
    pub task_name: Option<String>,
    /// The milestone of its task, if any, and its name.
    pub milestone_id: Option<i64>,
    pub milestone_name: Option<String>,
    /// Whose track it is (`None`: the owner) and their name, for lines by person.
    pub person_id: Option<i64>,
    pub person_name: String,
}

impl BillableTrack {
    /// Seconds from start to end (whole seconds, never negative).
    pub(crate) fn duration_seconds(&self) -> i64 {
        (self.end - self.start).num_seconds().max(0)
    }

    /// The tag whose line this track goes on when grouping by tag: the first by name.
    fn first_tag(&self) -> Option<&str> {
        self.tags
            .iter()
            .map(String::as_str)
            .min_by(|a, b| name_order(a).cmp(&name_order(b)))
    }
}

/// How tracks are grouped into invoice lines (docs/rules.md, "Invoices"); `Track` is the default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GroupBy {
    /// One line per track.
    #[default]
    Track,
    /// One line per project (and rate).
    Project,
    /// One line per local day (and rate).
    Day,
    /// One line per tag (and rate); see [`build_lines`] for tracks with several tags.
    Tag,
    /// One line per task of a project (and rate); tracks without a task form their project's
    /// line.
    Task,
    /// One line per milestone of a project (and rate); tracks whose task has no milestone (or
    /// that have no task) form their project's line.
    Milestone,
    /// One line per person and project (and rate), described `Person: Project`; the owner's
    /// lines first, then people by name.
    Person,
}

impl GroupBy {
    /// Parses `track`, `project`, `day`, `tag` or `task`.
    ///
    /// # Errors
    /// [`DomainError::Parse`] for anything else.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "track" => Ok(Self::Track),
            "project" => Ok(Self::Project),
            "day" => Ok(Self::Day),
            "tag" => Ok(Self::Tag),
            "task" => Ok(Self::Task),
            "milestone" => Ok(Self::Milestone),
            "person" => Ok(Self::Person),
            _ => Err(DomainError::parse(
                "invoice grouping",
                input,
                "give track, project, day, tag, task, milestone or person",
            )),
        }
    }

    /// The spelling `parse` accepts.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Track => "track",
            Self::Project => "project",
            Self::Day => "day",
            Self::Tag => "tag",
            Self::Task => "task",
            Self::Milestone => "milestone",
            Self::Person => "person",
        }
    }
}

/// Description of a line for tracks without a tag, when grouping by tag.
pub(crate) const UNTAGGED: &str = "(untagged)";
/// Description of a line for tracks without a project, when grouping by project.
pub(crate) const NO_PROJECT: &str = "No project";
/// Description of a line for a track with neither description nor project.
pub(crate) const DEFAULT_DESCRIPTION: &str = "Work";

/// An invoice line before it is saved: its tracks, durations, and money.
#[derive(Debug, Clone, PartialEq)]
pub struct LineDraft {
    pub description: String,
    /// Set when every track of the line has this project.
    pub project_id: Option<i64>,
    pub project_name: Option<String>,
    /// Set when every track of the line counts toward this local date.
    pub date: Option<NaiveDate>,
    /// Ids of the line's tracks, by start.
    pub track_ids: Vec<i64>,
    /// Sum of the tracks' durations, in seconds, unrounded.
    pub duration_seconds: i64,
    /// The duration after rounding, in seconds (see [`rounded_total`]).
    pub rounded_duration_seconds: i64,
    /// Hours billed: `hours_quantity` of the rounded duration.
    pub quantity_hours: Decimal,
    /// Major units per hour.
    pub unit_rate: Decimal,
    /// In major units: this line's share of the invoice's time priced as one sum (see
    /// [`split_amounts`]), within one minor unit of rate x rounded seconds / 3600.
    pub amount: Decimal,
}

/// Groups tracks into invoice lines and prices them (docs/rules.md, "Invoices" and "Rounding").
///
/// - Tracks with different unit rates never share a line: the group key includes the rate, so
///   one project billed at two rates gives two lines.
/// - `Track`: one line per track, by start; described by the track's description, else its
///   project's name, else "Work".
/// - `Project`: one line per project, by name (case-insensitive), tracks without a project last
///   as "No project".
/// - `Day`: one line per `local_date`, by date; described `YYYY-MM-DD`, or
///   `YYYY-MM-DD - Project` when all its tracks share a project.
/// - `Tag`: one line per tag, by name (case-insensitive). A track with several tags goes on the
///   line of its first tag by name only, so no time is billed twice; untagged tracks form the
///   line "(untagged)", last.
/// - `Task`: one line per project and task, by project name then task name, described
///   `Project: Task`; a project's tracks without a task form the line `Project` before its
///   tasks; tracks without a project last as "No project".
/// - `Milestone`: as `Task`, with the task's milestone (`Project: Milestone`).
/// - `Person`: one line per person and project, the owner's first, then people by name, each
///   person's projects by name; described `Person: Project`, or `Person` for tracks without a
///   project.
/// - Lines of one group at different rates are ordered by rate.
/// - Rounding scope `entry`: each track rounded, then summed within the line; scope `total`: the
///   line's summed seconds rounded once.
/// - A line's project (and date) is set when all its tracks share it.
pub fn build_lines(
    tracks: &[BillableTrack],
    group_by: GroupBy,
    rounding: Rounding,
    currency: Currency,
) -> Vec<LineDraft> {
    let mut sorted: Vec<(GroupKey, &BillableTrack)> = tracks
        .iter()
        .map(|t| (GroupKey::of(t, group_by), t))
        .collect();
    sorted.sort_by(|(ka, a), (kb, b)| {
        (ka, a.unit_rate, a.start, a.id).cmp(&(kb, b.unit_rate, b.start, b.id))
    });
    let mut lines: Vec<LineDraft> = sorted
        .chunk_by(|(ka, a), (kb, b)| ka == kb && a.unit_rate == b.unit_rate)
        .map(|group| {
            let tracks: Vec<&BillableTrack> = group.iter().map(|(_, t)| *t).collect();
            price_line(&group[0].0, &tracks, rounding)
        })
        .collect();
    if group_by == GroupBy::Track && rounding.scope == RoundingScope::Total {
        // One group per rate: its summed time rounded once, split over its tracks in proportion.
        let mut rates: Vec<Decimal> = lines.iter().map(|l| l.unit_rate).collect();
        rates.sort();
        rates.dedup();
        for rate in rates {
            let idx: Vec<usize> = (0..lines.len())
                .filter(|&i| lines[i].unit_rate == rate)
                .collect();
            let raw: Vec<i64> = idx.iter().map(|&i| lines[i].duration_seconds).collect();
            let rounded = rounded_total(&raw, rounding);
            for (&i, part) in idx.iter().zip(split_in_proportion(rounded, &raw)) {
                lines[i].rounded_duration_seconds = part;
                lines[i].quantity_hours = hours_quantity(part);
            }
        }
    }
    let items: Vec<(i64, Decimal)> = lines
        .iter()
        .map(|l| (l.rounded_duration_seconds, l.unit_rate))
        .collect();
    for (line, amount) in lines.iter_mut().zip(split_amounts(&items, currency)) {
        line.amount = amount;
    }
    lines
}

/// What puts tracks on the same line (besides the rate), ordered as lines are listed.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum GroupKey {
    /// Each track alone, by start.
    Track {
        start: DateTime<Utc>,
        id: i64,
    },
    /// Named projects by name; then tracks without a project.
    Project {
        missing: bool,
        name: (String, String),
        id: Option<i64>,
    },
    Day(NaiveDate),
    /// Tags by name; then untagged tracks.
    Tag {
        missing: bool,
        name: (String, String),
    },
    /// Projects as for `Project`; within one, tracks without a task first, then tasks by name.
    Task {
        missing: bool,
        project: (String, String),
        project_id: Option<i64>,
        task: Option<((String, String), i64)>,
    },
    /// Projects as for `Project`; within one, tracks without a milestone first, then
    /// milestones by name.
    Milestone {
        missing: bool,
        project: (String, String),
        project_id: Option<i64>,
        milestone: Option<((String, String), i64)>,
    },
    /// The owner first, then people by name; within one, projects as for `Project`.
    Person {
        person: (bool, (String, String), Option<i64>),
        missing: bool,
        project: (String, String),
        project_id: Option<i64>,
    },
}

impl GroupKey {
    fn of(t: &BillableTrack, group_by: GroupBy) -> GroupKey {
        match group_by {
            GroupBy::Track => GroupKey::Track {
                start: t.start,
                id: t.id,
            },
            GroupBy::Project => GroupKey::Project {
                missing: t.project_id.is_none() && t.project_name.is_none(),
                name: name_order(t.project_name.as_deref().unwrap_or_default()),
                id: t.project_id,
            },
            GroupBy::Day => GroupKey::Day(t.local_date),
            GroupBy::Task => GroupKey::Task {
                missing: t.project_id.is_none() && t.project_name.is_none(),
                project: name_order(t.project_name.as_deref().unwrap_or_default()),
                project_id: t.project_id,
                task: t
                    .task_id
                    .map(|id| (name_order(t.task_name.as_deref().unwrap_or_default()), id)),
            },
            GroupBy::Milestone => GroupKey::Milestone {
                missing: t.project_id.is_none() && t.project_name.is_none(),
                project: name_order(t.project_name.as_deref().unwrap_or_default()),
                project_id: t.project_id,
                milestone: t.milestone_id.map(|id| {
                    (
                        name_order(t.milestone_name.as_deref().unwrap_or_default()),
                        id,
                    )
                }),
            },
            GroupBy::Person => GroupKey::Person {
                person: (
                    t.person_id.is_some(),
                    name_order(&t.person_name),
                    t.person_id,
                ),
                missing: t.project_id.is_none() && t.project_name.is_none(),
                project: name_order(t.project_name.as_deref().unwrap_or_default()),
                project_id: t.project_id,
            },
            GroupBy::Tag => {
                let tag = t.first_tag();
                GroupKey::Tag {
                    missing: tag.is_none(),
                    name: name_order(tag.unwrap_or_default()),
                }
            }
        }
    }
}

/// Sort key for names: case-insensitive, then exact, so the order is total and stable.
fn name_order(name: &str) -> (String, String) {
    (name.to_lowercase(), name.to_owned())
}

/// One line from the tracks of one group, all at one rate, ordered by start.
fn price_line(key: &GroupKey, tracks: &[&BillableTrack], rounding: Rounding) -> LineDraft {
    let first = tracks[0];
    let durations: Vec<i64> = tracks.iter().map(|t| t.duration_seconds()).collect();
    let rounded = rounded_total(&durations, rounding);
    let quantity = hours_quantity(rounded);
    let shared_project = tracks.iter().all(|t| t.project_id == first.project_id);
    let (project_id, project_name) = if shared_project {
        (first.project_id, first.project_name.clone())
    } else {
        (None, None)
    };
    let shared_date = tracks.iter().all(|t| t.local_date == first.local_date);
    let description = match key {
        GroupKey::Track { .. } => [Some(first.description.trim()), project_name.as_deref()]
            .into_iter()
            .flatten()
            .find(|s| !s.is_empty())
            .unwrap_or(DEFAULT_DESCRIPTION)
            .to_owned(),
        GroupKey::Project { .. } => project_name
            .clone()
            .unwrap_or_else(|| NO_PROJECT.to_owned()),
        GroupKey::Day(date) => match &project_name {
            Some(p) => format!("{} - {p}", date.format("%Y-%m-%d")),
            None => date.format("%Y-%m-%d").to_string(),
        },
        GroupKey::Tag { .. } => first.first_tag().unwrap_or(UNTAGGED).to_owned(),
        GroupKey::Task { .. } => {
            let project = project_name.as_deref().unwrap_or(NO_PROJECT);
            match &first.task_name {
                Some(task) => format!("{project}: {task}"),
                None => project.to_owned(),
            }
        }
        GroupKey::Person { .. } => match &project_name {
            Some(project) => format!("{}: {project}", first.person_name),
            None => first.person_name.clone(),
        },
        GroupKey::Milestone { .. } => {
            let project = project_name.as_deref().unwrap_or(NO_PROJECT);
            match &first.milestone_name {
                Some(m) => format!("{project}: {m}"),
                None => project.to_owned(),
            }
        }
    };
    LineDraft {
        description,
        project_id,
        project_name,
        date: shared_date.then_some(first.local_date),
        track_ids: tracks.iter().map(|t| t.id).collect(),
        duration_seconds: durations.iter().fold(0, |a, &d| a.saturating_add(d)),
        rounded_duration_seconds: rounded,
        quantity_hours: quantity,
        unit_rate: first.unit_rate,
        // Set by `build_lines` once all lines are known.
        amount: Decimal::ZERO,
    }
}

/// Money totals of an invoice, in major units of its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: Decimal,
    pub tax: Decimal,
    pub total: Decimal,
}

/// Subtotal, tax and total of lines all taxed at `tax_rate_percent` (19 for 19 %), without a
/// discount: [`invoice_totals`] of those lines. No lines give zeros.
pub fn totals(lines: &[LineDraft], tax_rate_percent: Decimal, currency: Currency) -> Totals {
    let taxed: Vec<(Decimal, Decimal)> =
        lines.iter().map(|l| (l.amount, tax_rate_percent)).collect();
    let t = invoice_totals(&taxed, Discount::None, currency).expect("no discount is never refused");
    Totals {
        subtotal: t.subtotal,
        tax: t.tax,
        total: t.total,
    }
}

/// An invoice discount, applied before tax (docs/rules.md, "Invoices").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Discount {
    /// No discount.
    #[default]
    None,
    /// Percent of the subtotal (10 for 10 %), 0 to 100; the discount is rounded half-up to the
    /// minor unit.
    Percent(Decimal),
    /// A fixed amount in major units, at most the subtotal.
    Amount(Decimal),
}

/// The tax at one rate: the lines' amounts at that rate, their share of the discount, what is
/// taxed, and the tax. Money in major units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TaxRow {
    /// 19 for 19 %.
    pub tax_rate_percent: Decimal,
    /// Sum of the amounts of the lines at this rate.
    pub net: Decimal,
    /// This rate's share of the invoice discount.
    pub discount: Decimal,
    /// `net - discount`.
    pub taxable: Decimal,
    /// `tax_amount` of `taxable`.
    pub tax: Decimal,
}

/// Totals of an invoice with a tax rate per line and a discount (docs/rules.md, "Invoices").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvoiceTotals {
    /// Sum of the line amounts.
    pub subtotal: Decimal,
    /// The discount, before tax.
    pub discount: Decimal,
    /// Sum of the per-rate taxes.
    pub tax: Decimal,
    /// `subtotal - discount + tax`, exactly.
    pub total: Decimal,
    /// One row per tax rate, by rate.
    pub by_rate: Vec<TaxRow>,
}

/// Totals of lines given as (amount, tax rate in percent), in major units of `currency`
/// (docs/rules.md, "Invoices"):
/// - subtotal = sum of the amounts;
/// - discount: a percent of the subtotal half-up to the minor unit, or a fixed amount;
///   it is shared over the tax rates in proportion to their net amounts (largest remainder, in
///   minor units), so the shares add up to it;
/// - each rate's tax = (net - share of discount) x rate, half-up to the minor unit once;
/// - tax = sum of the rates' taxes; total = subtotal - discount + tax, exactly.
///
/// # Errors
/// [`DomainError::Invalid`] for a fixed discount larger than the subtotal, a negative one, or
/// a percent outside 0..=100.
pub fn invoice_totals(
    lines: &[(Decimal, Decimal)],
    discount: Discount,
    currency: Currency,
) -> Result<InvoiceTotals, DomainError> {
    let dp = currency.minor_units();
    let subtotal = with_scale(lines.iter().map(|l| l.0).sum(), dp);
    let discount = match discount {
        Discount::None => to_minor_units(Decimal::ZERO, currency),
        Discount::Percent(p) => {
            if p < Decimal::ZERO || p > Decimal::ONE_HUNDRED {
                return Err(DomainError::Invalid(
                    format!("a discount of {p} % is out of range; give 0 to 100").into(),
                ));
            }
            to_minor_units(subtotal * p / Decimal::ONE_HUNDRED, currency)
        }
        Discount::Amount(a) => {
            let a = to_minor_units(a, currency);
            if a < Decimal::ZERO || a > subtotal {
                return Err(DomainError::Invalid(
                    format!(
                        "a discount of {a} {currency} is more than the subtotal {subtotal} (or \
                     negative); give 0 to {subtotal}"
                    )
                    .into(),
                ));
            }
            a
        }
    };
    let mut rates: Vec<Decimal> = lines.iter().map(|l| l.1.normalize()).collect();
    rates.sort();
    rates.dedup();
    let scale = Decimal::from(10i64.pow(dp));
    let units =
        |d: Decimal| -> i64 { i64::try_from((d * scale).round().mantissa()).unwrap_or(i64::MAX) };
    let nets: Vec<Decimal> = rates
        .iter()
        .map(|r| {
            with_scale(
                lines
                    .iter()
                    .filter(|l| l.1.normalize() == *r)
                    .map(|l| l.0)
                    .sum(),
                dp,
            )
        })
        .collect();
    let weights: Vec<i64> = nets.iter().map(|n| units(*n)).collect();
    let shares = split_in_proportion(units(discount), &weights);
    let by_rate: Vec<TaxRow> = rates
        .iter()
        .zip(nets)
        .zip(shares)
        .map(|((rate, net), share)| {
            let share = with_scale(Decimal::new(share, dp), dp);
            let taxable = net - share;
            TaxRow {
                tax_rate_percent: *rate,
                net,
                discount: share,
                taxable,
                tax: tax_amount(taxable, *rate, currency),
            }
        })
        .collect();
    let tax = with_scale(by_rate.iter().map(|r| r.tax).sum(), dp);
    Ok(InvoiceTotals {
        subtotal,
        discount,
        tax,
        total: subtotal - discount + tax,
        by_rate,
    })
}

/// The invoice number for a format, an issue date and a sequence number (docs/rules.md, "Invoices").
///
/// Tokens: `{YYYY}` the year (`2026`), `{YY}` its last two digits (`26`), `{MM}` the month
/// (`03`), `{SEQ}` the sequence number, `{SEQ:n}` the sequence number zero-padded to n digits (a
/// wider number is not cut). Other text, including braces that form no token, is copied as is;
/// formats are checked when set (see
/// [`validate_invoice_number_format`](super::settings::validate_invoice_number_format)).
/// `INV-{YYYY}-{SEQ:4}` on 2026-11-20 with 7 is `INV-2026-0007`.
pub fn format_invoice_number(format: &str, issue_date: NaiveDate, seq: u32) -> String {
    let mut out = String::with_capacity(format.len() + 8);
    let mut rest = format;
    while let Some((open, close)) = rest
        .find('{')
        .and_then(|open| Some((open, open + rest[open..].find('}')?)))
    {
        out.push_str(&rest[..open]);
        let braced = &rest[open..=close];
        match token_value(&braced[1..braced.len() - 1], issue_date, seq) {
            Some(value) => out.push_str(&value),
            None => out.push_str(braced),
        }
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn token_value(token: &str, date: NaiveDate, seq: u32) -> Option<String> {
    match token {
        "YYYY" => Some(format!("{:04}", date.year())),
        "YY" => Some(format!("{:02}", date.year().rem_euclid(100))),
        "MM" => Some(format!("{:02}", date.month())),
        "SEQ" => Some(seq.to_string()),
        // Widths 1 to 9, as the format check allows; anything else is not a token.
        _ => match token.strip_prefix("SEQ:")?.as_bytes() {
            &[d @ b'1'..=b'9'] => {
                let width = usize::from(d - b'0');
                Some(format!("{seq:0width$}"))
            }
            _ => None,
        },
    }
}

/// The counter an invoice number is drawn from, so numbering restarts when the number shows a
/// new period and never repeats a number (docs/rules.md, "Invoices").
///
/// - year and month in the format (`{YYYY}` or `{YY}`, and `{MM}`): `"2026-11"`, restarts
///   monthly;
/// - year only: `"2026"`, restarts yearly;
/// - otherwise `"all"`, one counter for ever. A month without a year (`{MM}-{SEQ}`) is `"all"`
///   too: restarting each month would give `11-1` again a year later.
pub fn sequence_scope(format: &str, issue_date: NaiveDate) -> String {
    let has_year = format.contains("{YYYY}") || format.contains("{YY}");
    let has_month = format.contains("{MM}");
    match (has_year, has_month) {
        (true, true) => format!("{:04}-{:02}", issue_date.year(), issue_date.month()),
        (true, false) => format!("{:04}", issue_date.year()),
        (false, _) => "all".to_owned(),
    }
}

/// How much of a budget is used (docs/rules.md, "Budgets").
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetStatus {
    /// Below the alert threshold.
    Ok,
    /// At or past the alert threshold, not over the budget.
    Alert,
    /// More used than budgeted.
    Over,
}

impl BudgetStatus {
    /// `ok`, `alert` or `over`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::Alert => "alert",
            Self::Over => "over",
        }
    }
}

/// Status of a budget and the percent used, half-up to 1 decimal (docs/rules.md, "Budgets").
///
/// `used` and `budget` are in the same unit: seconds for an hours budget, major units for a
/// money budget. `over` when used > budget; `alert` when used is at or past `alert_percent` % of
/// the budget (compared exactly, not on the rounded percent); else `ok`. Exactly at the budget
/// is `alert` (for any threshold up to 100), not `over`. A zero budget reports 0.0 % while
/// nothing is used and 100.0 % (`over`) once anything is.
pub fn budget_status(
    used: Decimal,
    budget: Decimal,
    alert_percent: u32,
) -> (BudgetStatus, Decimal) {
    let percent = if budget.is_zero() {
        if used > Decimal::ZERO {
            Decimal::ONE_HUNDRED
        } else {
            Decimal::ZERO
        }
    } else {
        used * Decimal::ONE_HUNDRED / budget
    };
    let at_threshold = if budget.is_zero() {
        percent >= Decimal::from(alert_percent)
    } else {
        used * Decimal::ONE_HUNDRED >= budget * Decimal::from(alert_percent)
    };
    let status = if used > budget {
        BudgetStatus::Over
    } else if at_threshold {
        BudgetStatus::Alert
    } else {
        BudgetStatus::Ok
    };
    (
        status,
        with_scale(percent.round_dp_with_strategy(1, HALF_UP), 1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::settings::{ROUNDING_INCREMENTS, RoundingMode, RoundingScope};
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn dec(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    fn date(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn up15_entry() -> Rounding {
        Rounding {
            mode: RoundingMode::Up,
            increment_minutes: 15,
            scope: RoundingScope::Entry,
        }
    }

    /// A track starting at `day` `hh:mm` UTC, lasting `minutes`.
    fn track(id: i64, day: &str, hh_mm: (u32, u32), minutes: i64, rate: &str) -> BillableTrack {
        let d = date(day);
        let start = Utc.from_utc_datetime(&d.and_hms_opt(hh_mm.0, hh_mm.1, 0).unwrap());
        BillableTrack {
            id,
            start,
            end: start + chrono::Duration::minutes(minutes),
            local_date: d,
            description: String::new(),
            project_id: None,
            project_name: None,
            tags: Vec::new(),
            unit_rate: dec(rate),
            task_id: None,
            task_name: None,
            milestone_id: None,
            milestone_name: None,
            person_id: None,
            person_name: "Owner".to_owned(),
        }
    }

    fn on_task(mut t: BillableTrack, id: i64, name: &str) -> BillableTrack {
        t.task_id = Some(id);
        t.task_name = Some(name.to_owned());
        t
    }

    fn on_project(mut t: BillableTrack, id: i64, name: &str) -> BillableTrack {
        t.project_id = Some(id);
        t.project_name = Some(name.to_owned());
        t
    }

    fn tagged(mut t: BillableTrack, tags: &[&str]) -> BillableTrack {
        t.tags = tags.iter().map(|s| (*s).to_owned()).collect();
        t
    }

    fn described(mut t: BillableTrack, description: &str) -> BillableTrack {
        t.description = description.to_owned();
        t
    }

    #[test]
    fn rates_resolve_in_order() {
        type Level = Option<&'static str>;
        let check = |t: Level, k: Level, p: Level, c: Level, want: (&str, RateSource)| {
            let got = resolve_rate(t.map(dec), k.map(dec), p.map(dec), c.map(dec), dec("50"));
            assert_eq!(got, (dec(want.0), want.1), "{t:?} {k:?} {p:?} {c:?}");
        };
        // Each level wins over every level after it.
        let (t, k, p, c) = (Some("150"), Some("130"), Some("120"), Some("100"));
        check(t, k, p, c, ("150", RateSource::Track));
        check(None, k, p, c, ("130", RateSource::Task));
        check(None, None, p, c, ("120", RateSource::Project));
        check(None, None, None, c, ("100", RateSource::Client));
        check(None, None, None, None, ("50", RateSource::Default));
        // A level that is set wins even over a later one when it is 0, and skipping a level
        // falls through to the next that is set.
        check(None, Some("0"), p, c, ("0", RateSource::Task));
        check(None, None, Some("0"), c, ("0", RateSource::Project));
        check(Some("0"), None, None, None, ("0", RateSource::Track));
        check(None, k, None, None, ("130", RateSource::Task));
        check(t, None, p, None, ("150", RateSource::Track));
        assert_eq!(first_rate(None, None, None, None), None);
        assert_eq!(RateSource::Client.as_str(), "client");
        assert_eq!(RateSource::Task.as_str(), "task");
    }

    #[test]
    fn lines_by_task() {
        let eur = cur("EUR");
        let none = Rounding::default();
        let tracks = [
            on_task(
                on_project(track(1, "2026-11-02", (9, 0), 60, "100"), 7, "Website"),
                3,
                "Hero",
            ),
            on_project(track(2, "2026-11-02", (11, 0), 30, "100"), 7, "Website"),
            on_task(
                on_project(track(3, "2026-11-03", (9, 0), 30, "100"), 7, "Website"),
                3,
                "Hero",
            ),
            on_task(
                on_project(track(4, "2026-11-03", (10, 0), 15, "100"), 7, "Website"),
                2,
                "Audit",
            ),
            // A task rate on one track of the task: its own line.
            on_task(
                on_project(track(5, "2026-11-04", (9, 0), 60, "130"), 7, "Website"),
                3,
                "Hero",
            ),
            on_project(track(6, "2026-11-04", (11, 0), 60, "100"), 8, "App"),
            track(7, "2026-11-04", (13, 0), 60, "100"),
        ];
        let lines = build_lines(&tracks, GroupBy::Task, none, eur);
        let got: Vec<(&str, Vec<i64>, String)> = lines
            .iter()
            .map(|l| {
                (
                    l.description.as_str(),
                    l.track_ids.clone(),
                    l.amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("App", vec![6], "100.00".to_owned()),
                ("Website", vec![2], "50.00".to_owned()),
                ("Website: Audit", vec![4], "25.00".to_owned()),
                ("Website: Hero", vec![1, 3], "150.00".to_owned()),
                ("Website: Hero", vec![5], "130.00".to_owned()),
                ("No project", vec![7], "100.00".to_owned()),
            ]
        );
        assert!(lines[..5].iter().all(|l| l.project_id.is_some()));
        assert_eq!(GroupBy::parse(" Task ").unwrap(), GroupBy::Task);
        assert_eq!(GroupBy::Task.as_str(), "task");
        assert!(
            GroupBy::parse("tasks")
                .unwrap_err()
                .to_string()
                .contains("tag, task, milestone or person")
        );
    }

    #[test]
    fn currencies_resolve_in_order() {
        let (eur, jpy, usd) = (cur("EUR"), cur("JPY"), cur("USD"));
        assert_eq!(resolve_currency(Some(jpy), Some(eur), usd), jpy);
        assert_eq!(resolve_currency(None, Some(eur), usd), eur);
        assert_eq!(resolve_currency(None, None, usd), usd);
    }

    #[test]
    fn hours() {
        let check = |seconds: i64, want: &str| {
            let got = hours_quantity(seconds);
            assert_eq!(got.to_string(), want, "{seconds} s");
        };
        check(0, "0.00");
        check(1, "0.0003");
        check(17, "0.0047");
        check(18, "0.005");
        check(36, "0.01");
        check(600, "0.1667"); // 10 minutes
        check(900, "0.25");
        check(1200, "0.3333");
        check(2400, "0.6667");
        check(3600, "1.00");
        check(4500, "1.25");
        check(90 * 3600, "90.00");
    }

    #[test]
    fn money_rounds_half_up_to_minor_units() {
        let check = |q: &str, rate: &str, code: &str, want: &str| {
            let got = line_amount(dec(q), dec(rate), cur(code));
            assert_eq!(got.to_string(), want, "{q} x {rate} {code}");
        };
        check("0.25", "120", "EUR", "30.00");
        check("1.25", "150", "EUR", "187.50");
        check("0.33", "0.5", "EUR", "0.17"); // 0.165: half-up
        check("0.33", "1.5", "EUR", "0.50"); // 0.495
        check("0.01", "0.5", "EUR", "0.01"); // 0.005
        check("0.25", "2", "JPY", "1"); // 0.5 yen rounds up
        check("0.33", "1234", "JPY", "407"); // 407.22
        check("0.50", "12.345", "KWD", "6.173"); // 6.1725: banker's would give 6.172
        check("1.25", "12.345", "KWD", "15.431"); // 15.43125
        check("0.00", "120", "EUR", "0.00");

        let tax = |sub: &str, pct: &str, code: &str, want: &str| {
            let got = tax_amount(dec(sub), dec(pct), cur(code));
            assert_eq!(got.to_string(), want, "{sub} at {pct} % {code}");
        };
        tax("337.50", "19", "EUR", "64.13"); // 64.125
        tax("100.00", "0", "EUR", "0.00");
        tax("407", "10", "JPY", "41"); // 40.7
        tax("405", "10", "JPY", "41"); // 40.5
        tax("21.604", "7.5", "KWD", "1.620"); // 1.6203
        tax("10.00", "8.875", "USD", "0.89"); // 0.8875
    }

    /// A worked example: Acme (EUR, 100/h), project Website (120/h), rounding up to
    /// 15 minutes per entry, tax 19 %; tracks of 7 min, 52 min and 1 h 01 min, the last with a
    /// track rate of 150.
    #[test]
    fn worked_example() {
        let eur = resolve_currency(None, Some(cur("EUR")), cur("USD"));
        let project_rate = Some(dec("120"));
        let client_rate = Some(dec("100"));
        let rate = |over: Option<&str>| {
            resolve_rate(
                over.map(dec),
                None,
                project_rate,
                client_rate,
                Decimal::ZERO,
            )
            .0
        };
        let tracks = [
            on_project(track(1, "2026-11-02", (9, 0), 7, "0"), 7, "Website"),
            on_project(track(2, "2026-11-02", (10, 0), 52, "0"), 7, "Website"),
            on_project(track(3, "2026-11-03", (9, 0), 61, "0"), 7, "Website"),
        ];
        let rates = [rate(None), rate(None), rate(Some("150"))];
        let tracks: Vec<BillableTrack> = tracks
            .into_iter()
            .zip(rates)
            .map(|(t, r)| BillableTrack { unit_rate: r, ..t })
            .collect();

        let lines = build_lines(&tracks, GroupBy::Track, up15_entry(), eur);
        let got: Vec<(&str, i64, i64, String, String, String)> = lines
            .iter()
            .map(|l| {
                (
                    l.description.as_str(),
                    l.duration_seconds,
                    l.rounded_duration_seconds,
                    l.quantity_hours.to_string(),
                    l.unit_rate.to_string(),
                    l.amount.to_string(),
                )
            })
            .collect();
        let want = [
            ("Website", 420, 900, "0.25", "120", "30.00"),
            ("Website", 3120, 3600, "1.00", "120", "120.00"),
            ("Website", 3660, 4500, "1.25", "150", "187.50"),
        ];
        assert_eq!(got.len(), want.len());
        for (g, w) in got.iter().zip(want) {
            assert_eq!((g.0, g.1, g.2, g.3.as_str(), g.4.as_str(), g.5.as_str()), w);
        }
        assert_eq!(lines[2].track_ids, [3]);
        assert_eq!(lines[2].date, Some(date("2026-11-03")));
        assert_eq!(lines[2].project_id, Some(7));

        let t = totals(&lines, dec("19"), eur);
        assert_eq!(
            (
                t.subtotal.to_string(),
                t.tax.to_string(),
                t.total.to_string()
            ),
            ("337.50".into(), "64.13".into(), "401.63".into())
        );

        // Grouped by project, the two rates stay on two lines, ordered by rate.
        let by_project = build_lines(&tracks, GroupBy::Project, up15_entry(), eur);
        let got: Vec<(String, Vec<i64>, String, String)> = by_project
            .iter()
            .map(|l| {
                (
                    l.description.clone(),
                    l.track_ids.clone(),
                    l.quantity_hours.to_string(),
                    l.amount.to_string(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Website".into(), vec![1, 2], "1.25".into(), "150.00".into()),
                ("Website".into(), vec![3], "1.25".into(), "187.50".into()),
            ]
        );
        assert_eq!(by_project[0].date, Some(date("2026-11-02")));
        assert_eq!(totals(&by_project, dec("19"), eur).total, dec("401.63"));
    }

    #[test]
    fn zero_and_three_decimal_currencies() {
        let rounding = Rounding::default(); // none
        let jpy = cur("JPY");
        let tracks = [
            track(1, "2026-11-02", (9, 0), 20, "1234"),
            track(2, "2026-11-02", (10, 0), 50, "3500"),
        ];
        let lines = build_lines(&tracks, GroupBy::Track, rounding, jpy);
        let amounts: Vec<String> = lines.iter().map(|l| l.amount.to_string()).collect();
        // 411.33 + 2916.67 = 3328 exactly, rounded once; the left-over yen goes to the larger
        // remainder.
        assert_eq!(amounts, ["411", "2917"]);
        let t = totals(&lines, dec("10"), jpy);
        assert_eq!(
            (
                t.subtotal.to_string(),
                t.tax.to_string(),
                t.total.to_string()
            ),
            ("3328".into(), "333".into(), "3661".into()) // 332.8
        );

        let kwd = cur("KWD");
        let tracks = [
            track(1, "2026-11-02", (9, 0), 30, "12.345"),
            track(2, "2026-11-02", (10, 0), 75, "12.345"),
        ];
        let lines = build_lines(&tracks, GroupBy::Track, rounding, kwd);
        let amounts: Vec<String> = lines.iter().map(|l| l.amount.to_string()).collect();
        assert_eq!(amounts, ["6.173", "15.431"]);
        let t = totals(&lines, dec("5"), kwd);
        assert_eq!(
            (
                t.subtotal.to_string(),
                t.tax.to_string(),
                t.total.to_string()
            ),
            ("21.604".into(), "1.080".into(), "22.684".into()) // 1.0802
        );
    }

    /// `(description, project_id, date, track_ids, rounded seconds, amount)` of each line.
    type Summary = (
        String,
        Option<i64>,
        Option<NaiveDate>,
        Vec<i64>,
        i64,
        String,
    );

    fn summarize(lines: &[LineDraft]) -> Vec<Summary> {
        lines
            .iter()
            .map(|l| {
                (
                    l.description.clone(),
                    l.project_id,
                    l.date,
                    l.track_ids.clone(),
                    l.rounded_duration_seconds,
                    l.amount.to_string(),
                )
            })
            .collect()
    }

    fn sample() -> Vec<BillableTrack> {
        vec![
            // Given out of order on purpose.
            tagged(
                described(
                    on_project(track(4, "2026-11-03", (9, 0), 10, "100"), 2, "website"),
                    "Deploy",
                ),
                &["ops", "Backend"],
            ),
            tagged(
                on_project(track(1, "2026-11-02", (9, 0), 10, "100"), 1, "API"),
                &["backend"],
            ),
            described(track(3, "2026-11-02", (14, 0), 20, "100"), "  "),
            tagged(
                described(
                    on_project(track(2, "2026-11-02", (11, 0), 5, "100"), 2, "website"),
                    "Fix header",
                ),
                &["design"],
            ),
            on_project(track(5, "2026-11-03", (13, 0), 25, "80"), 2, "website"),
        ]
    }

    fn check_lines(group_by: GroupBy, scope: RoundingScope, want: &[Summary]) {
        let rounding = Rounding {
            scope,
            ..up15_entry()
        };
        let got = summarize(&build_lines(&sample(), group_by, rounding, cur("EUR")));
        assert_eq!(got, want, "{} {}", group_by.as_str(), scope.as_str());
    }

    fn row(
        description: &str,
        project: Option<i64>,
        day: Option<&str>,
        ids: &[i64],
        rounded: i64,
        amount: &str,
    ) -> Summary {
        (
            description.to_owned(),
            project,
            day.map(date),
            ids.to_vec(),
            rounded,
            amount.to_owned(),
        )
    }

    #[test]
    fn grouping() {
        use RoundingScope::{Entry, Total};
        let (d2, d3) = (Some("2026-11-02"), Some("2026-11-03"));
        check_lines(
            GroupBy::Track,
            Entry,
            &[
                row("API", Some(1), d2, &[1], 900, "25.00"),
                row("Fix header", Some(2), d2, &[2], 900, "25.00"),
                row("Work", None, d2, &[3], 1800, "50.00"),
                row("Deploy", Some(2), d3, &[4], 900, "25.00"),
                row("website", Some(2), d3, &[5], 1800, "40.00"),
            ],
        );
        // Total scope: all tracks at one rate are one group (45 minutes stay 45), priced as one
        // sum (75.00) split over the lines.
        check_lines(
            GroupBy::Track,
            Total,
            &[
                row("API", Some(1), d2, &[1], 600, "16.67"),
                row("Fix header", Some(2), d2, &[2], 300, "8.33"),
                row("Work", None, d2, &[3], 1200, "33.33"),
                row("Deploy", Some(2), d3, &[4], 600, "16.67"),
                row("website", Some(2), d3, &[5], 1800, "40.00"),
            ],
        );
        // Case-insensitive by name, then no project; "website" at two rates is two lines.
        check_lines(
            GroupBy::Project,
            Entry,
            &[
                row("API", Some(1), d2, &[1], 900, "25.00"),
                row("website", Some(2), d3, &[5], 1800, "40.00"),
                row("website", Some(2), None, &[2, 4], 1800, "50.00"),
                row("No project", None, d2, &[3], 1800, "50.00"),
            ],
        );
        // 5 + 10 minutes summed before rounding: one quarter hour instead of two.
        check_lines(
            GroupBy::Project,
            Total,
            &[
                row("API", Some(1), d2, &[1], 900, "25.00"),
                row("website", Some(2), d3, &[5], 1800, "40.00"),
                row("website", Some(2), None, &[2, 4], 900, "25.00"),
                row("No project", None, d2, &[3], 1800, "50.00"),
            ],
        );
        check_lines(
            GroupBy::Day,
            Entry,
            &[
                row("2026-11-02", None, d2, &[1, 2, 3], 3600, "100.00"),
                row("2026-11-03 - website", Some(2), d3, &[5], 1800, "40.00"),
                row("2026-11-03 - website", Some(2), d3, &[4], 900, "25.00"),
            ],
        );
        check_lines(
            GroupBy::Day,
            Total,
            &[
                row("2026-11-02", None, d2, &[1, 2, 3], 2700, "75.00"),
                row("2026-11-03 - website", Some(2), d3, &[5], 1800, "40.00"),
                row("2026-11-03 - website", Some(2), d3, &[4], 900, "25.00"),
            ],
        );
        // Track 4 (ops, Backend) goes to "Backend" only; "Backend" and "backend" are two tags,
        // ordered case-insensitively, then exactly. Untagged tracks at two rates give two "(untagged)" lines, last.
        check_lines(
            GroupBy::Tag,
            Entry,
            &[
                row("Backend", Some(2), d3, &[4], 900, "25.00"),
                row("backend", Some(1), d2, &[1], 900, "25.00"),
                row("design", Some(2), d2, &[2], 900, "25.00"),
                row("(untagged)", Some(2), d3, &[5], 1800, "40.00"),
                row("(untagged)", None, d2, &[3], 1800, "50.00"),
            ],
        );
    }

    #[test]
    fn no_tracks_no_lines() {
        for g in [
            GroupBy::Track,
            GroupBy::Project,
            GroupBy::Day,
            GroupBy::Tag,
            GroupBy::Task,
        ] {
            assert!(build_lines(&[], g, up15_entry(), cur("EUR")).is_empty());
        }
        let t = totals(&[], dec("19"), cur("EUR"));
        assert_eq!(
            (
                t.subtotal.to_string(),
                t.tax.to_string(),
                t.total.to_string()
            ),
            ("0.00".into(), "0.00".into(), "0.00".into())
        );
    }

    #[test]
    fn group_by_parses() {
        for g in [
            GroupBy::Track,
            GroupBy::Project,
            GroupBy::Day,
            GroupBy::Tag,
            GroupBy::Task,
            GroupBy::Milestone,
            GroupBy::Person,
        ] {
            assert_eq!(GroupBy::parse(g.as_str()), Ok(g));
        }
        assert_eq!(GroupBy::parse(" Day "), Ok(GroupBy::Day));
        assert_eq!(GroupBy::default(), GroupBy::Track);
        let e = GroupBy::parse("client").unwrap_err().to_string();
        assert!(
            e.contains("track, project, day, tag, task, milestone or person"),
            "{e}"
        );
    }

    #[test]
    fn invoice_numbers() {
        let check = |format: &str, day: &str, seq: u32, want: &str, scope: &str| {
            let d = date(day);
            assert_eq!(
                format_invoice_number(format, d, seq),
                want,
                "{format} {seq}"
            );
            assert_eq!(sequence_scope(format, d), scope, "{format}");
        };
        check(
            "INV-{YYYY}-{SEQ:4}",
            "2026-11-20",
            7,
            "INV-2026-0007",
            "2026",
        );
        check(
            "INV-{YYYY}-{SEQ:4}",
            "2027-01-01",
            1,
            "INV-2027-0001",
            "2027",
        );
        check(
            "INV-{YYYY}-{SEQ:4}",
            "2026-11-20",
            12345,
            "INV-2026-12345",
            "2026",
        );
        check("{SEQ}", "2026-11-20", 42, "42", "all");
        check("{YY}{MM}-{SEQ:3}", "2026-03-05", 9, "2603-009", "2026-03");
        check("{YYYY}/{MM}/{SEQ}", "2026-12-31", 3, "2026/12/3", "2026-12");
        check("{YY}-{SEQ:2}", "2009-06-01", 1, "09-01", "2009");
        check("{MM}-{SEQ}", "2026-11-20", 1, "11-1", "all");
        check("ACME/{SEQ:9}", "2026-11-20", 5, "ACME/000000005", "all");
        // Text that is no token is copied as is (such formats are refused when set).
        check("{DD}-{SEQ}", "2026-11-20", 5, "{DD}-5", "all");
        check("A{SEQ}{", "2026-11-20", 5, "A5{", "all");
        check("A{SEQ}{x", "2026-11-20", 5, "A5{x", "all");
        check(
            "{SEQ:10}-{SEQ:0}-{SEQ:2}",
            "2026-11-20",
            5,
            "{SEQ:10}-{SEQ:0}-05",
            "all",
        );
    }

    #[test]
    fn budgets() {
        use BudgetStatus::*;
        let check = |used: &str, budget: &str, alert: u32, want: (BudgetStatus, &str)| {
            let (status, percent) = budget_status(dec(used), dec(budget), alert);
            assert_eq!(
                (status, percent.to_string().as_str()),
                want,
                "{used} of {budget} at {alert} %"
            );
        };
        check("0", "100", 80, (Ok, "0.0"));
        check("79.9", "100", 80, (Ok, "79.9"));
        check("79.96", "100", 80, (Ok, "80.0")); // shown rounded, compared exactly
        check("80", "100", 80, (Alert, "80.0"));
        check("100", "100", 80, (Alert, "100.0"));
        check("100.01", "100", 80, (Over, "100.0"));
        check("150", "100", 80, (Over, "150.0"));
        check("1", "3", 80, (Ok, "33.3"));
        check("2", "3", 60, (Alert, "66.7"));
        check("1", "8", 80, (Ok, "12.5"));
        check("1", "16", 80, (Ok, "6.3")); // 6.25: half-up
        // An hours budget in seconds: 36 h of 40 h.
        check("129600", "144000", 90, (Alert, "90.0"));
        check("0", "0", 80, (Ok, "0.0"));
        check("1", "0", 80, (Over, "100.0"));
        check("0", "100", 0, (Alert, "0.0"));
        assert_eq!(Alert.as_str(), "alert");
    }

    fn arb_currency() -> impl Strategy<Value = Currency> {
        prop_oneof![Just("EUR"), Just("JPY"), Just("KWD"), Just("USD")].prop_map(cur)
    }

    fn arb_rounding() -> impl Strategy<Value = Rounding> {
        (
            prop_oneof![
                Just(RoundingMode::None),
                Just(RoundingMode::Up),
                Just(RoundingMode::Down),
                Just(RoundingMode::Nearest),
            ],
            0usize..ROUNDING_INCREMENTS.len(),
            prop_oneof![Just(RoundingScope::Entry), Just(RoundingScope::Total)],
        )
            .prop_map(|(mode, i, scope)| Rounding {
                mode,
                increment_minutes: ROUNDING_INCREMENTS[i],
                scope,
            })
    }

    fn arb_group_by() -> impl Strategy<Value = GroupBy> {
        prop_oneof![
            Just(GroupBy::Track),
            Just(GroupBy::Project),
            Just(GroupBy::Day),
            Just(GroupBy::Tag),
        ]
    }

    /// Tracks on a few days, projects, tags and rates (rates up to 3 decimals, tax up to 3).
    fn arb_tracks() -> impl Strategy<Value = Vec<BillableTrack>> {
        proptest::collection::vec(
            (
                0u32..5,                                    // day
                0i64..86_400,                               // start second of the day
                1i64..36_000,                               // duration, seconds
                prop::option::of(0i64..3),                  // project
                proptest::collection::vec(0usize..4, 0..3), // tags
                prop_oneof![Just(0i64), 1i64..1_000_000],   // rate in thousandths
            ),
            0..25,
        )
        .prop_map(|rows| {
            const TAGS: [&str; 4] = ["a", "B", "b", "c"];
            rows.into_iter()
                .enumerate()
                .map(|(i, (day, second, seconds, project, tags, rate))| {
                    let local_date = date("2026-11-01") + chrono::Days::new(u64::from(day));
                    let start = Utc.from_utc_datetime(&local_date.and_hms_opt(0, 0, 0).unwrap())
                        + chrono::Duration::seconds(second);
                    BillableTrack {
                        id: i as i64 + 1,
                        start,
                        end: start + chrono::Duration::seconds(seconds),
                        local_date,
                        description: format!("t{i}"),
                        project_id: project,
                        project_name: project.map(|p| format!("P{p}")),
                        tags: tags.into_iter().map(|t| TAGS[t].to_owned()).collect(),
                        unit_rate: Decimal::new(rate, 3),
                        task_id: None,
                        task_name: None,
                        milestone_id: None,
                        milestone_name: None,
                        person_id: (i % 3 > 0).then_some(i as i64 % 3),
                        person_name: ["Olga", "Ana", "Ben"][i % 3].to_owned(),
                    }
                })
                .collect()
        })
    }

    #[test]
    fn two_tax_rates_and_a_discount() {
        let eur = cur("EUR");
        let lines = [
            (dec("1000.00"), dec("19")),
            (dec("100.00"), dec("7")),
            (dec("33.33"), dec("19")),
        ];
        // 10 % of 1133.33 = 113.333 -> 113.33, shared 1033.33 : 100.00.
        let t = invoice_totals(&lines, Discount::Percent(dec("10")), eur).unwrap();
        let rows: Vec<(String, String, String, String)> = t
            .by_rate
            .iter()
            .map(|r| {
                (
                    r.tax_rate_percent.to_string(),
                    r.net.to_string(),
                    r.discount.to_string(),
                    r.tax.to_string(),
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("7".into(), "100.00".into(), "10.00".into(), "6.30".into()),
                (
                    "19".into(),
                    "1033.33".into(),
                    "103.33".into(),
                    "176.70".into()
                ),
            ]
        );
        assert_eq!(
            (t.subtotal, t.discount, t.tax, t.total),
            (dec("1133.33"), dec("113.33"), dec("183.00"), dec("1203.00"))
        );
        let e = invoice_totals(&lines, Discount::Amount(dec("2000")), eur).unwrap_err();
        assert!(e.to_string().contains("more than the subtotal"), "{e}");
        assert!(invoice_totals(&lines, Discount::Percent(dec("101")), eur).is_err());
        let all = invoice_totals(&lines, Discount::Amount(dec("1133.33")), eur).unwrap();
        assert_eq!((all.tax, all.total), (dec("0.00"), dec("0.00")));
    }

    fn arb_discount() -> impl Strategy<Value = Discount> {
        prop_oneof![
            Just(Discount::None),
            (0i64..=10_000).prop_map(|p| Discount::Percent(Decimal::new(p, 2))),
            (0i64..=1_000_000).prop_map(|a| Discount::Amount(Decimal::new(a, 3))),
        ]
    }

    proptest! {
        #[test]
        fn totals_add_up_exactly(
            tracks in arb_tracks(),
            group_by in arb_group_by(),
            rounding in arb_rounding(),
            currency in arb_currency(),
            tax_thousandths in 0i64..30_000,
        ) {
            let tax_rate = Decimal::new(tax_thousandths, 3);
            let lines = build_lines(&tracks, group_by, rounding, currency);
            let t = totals(&lines, tax_rate, currency);
            let sum: Decimal = lines.iter().map(|l| l.amount).sum();
            prop_assert_eq!(t.subtotal, sum);
            prop_assert_eq!(t.total, t.subtotal + t.tax);
            prop_assert_eq!(t.tax, tax_amount(t.subtotal, tax_rate, currency));
            let dp = currency.minor_units();
            for m in [t.subtotal, t.tax, t.total] {
                prop_assert_eq!(m.scale(), dp);
            }

            // The money rule: the subtotal is all the time priced exactly and rounded once.
            let exact_sum: Decimal = lines
                .iter()
                .map(|l| Decimal::from(l.rounded_duration_seconds) * l.unit_rate)
                .sum::<Decimal>();
            prop_assert_eq!(
                t.subtotal,
                (exact_sum / Decimal::from(3600)).round_dp_with_strategy(dp, HALF_UP)
            );
            let mut ids: Vec<i64> = Vec::new();
            for l in &lines {
                prop_assert_eq!(l.quantity_hours, hours_quantity(l.rounded_duration_seconds));
                prop_assert!(l.quantity_hours.scale() >= 2 && l.quantity_hours.scale() <= 4);
                let exact = Decimal::from(l.rounded_duration_seconds) * l.unit_rate
                    / Decimal::from(3600);
                prop_assert_eq!(l.amount.scale(), dp);
                prop_assert!((l.amount - exact).abs() * Decimal::from(10u64.pow(dp)) < Decimal::ONE);
                let on_line: Vec<&BillableTrack> =
                    tracks.iter().filter(|t| l.track_ids.contains(&t.id)).collect();
                prop_assert!(on_line.iter().all(|t| t.unit_rate == l.unit_rate));
                let raw: i64 = on_line.iter().map(|t| t.duration_seconds()).sum();
                prop_assert_eq!(l.duration_seconds, raw);
                match rounding.mode {
                    RoundingMode::Up => prop_assert!(l.rounded_duration_seconds >= raw),
                    RoundingMode::Down => prop_assert!(l.rounded_duration_seconds <= raw),
                    RoundingMode::None => prop_assert_eq!(l.rounded_duration_seconds, raw),
                    RoundingMode::Nearest => {}
                }
                ids.extend(&l.track_ids);
            }
            // Every track is on exactly one line.
            ids.sort_unstable();
            let mut all: Vec<i64> = tracks.iter().map(|t| t.id).collect();
            all.sort_unstable();
            prop_assert_eq!(ids, all);

            // Building again gives the same lines (deterministic order).
            let mut reversed = tracks.clone();
            reversed.reverse();
            prop_assert_eq!(build_lines(&reversed, group_by, rounding, currency), lines);
        }

        #[test]
        fn discount_and_tax_per_rate_add_up_exactly(
            lines in proptest::collection::vec(
                (0i64..10_000_000, prop_oneof![Just(0i64), Just(7_000), Just(19_000), 0i64..30_000]),
                0..12,
            ),
            discount in arb_discount(),
            currency in arb_currency(),
        ) {
            let dp = currency.minor_units();
            let lines: Vec<(Decimal, Decimal)> = lines
                .into_iter()
                .map(|(a, r)| (with_scale(Decimal::new(a, 3).round_dp(dp), dp), Decimal::new(r, 3)))
                .collect();
            match invoice_totals(&lines, discount, currency) {
                Ok(t) => {
                    prop_assert_eq!(t.total, t.subtotal - t.discount + t.tax);
                    prop_assert_eq!(t.subtotal, lines.iter().map(|l| l.0).sum::<Decimal>());
                    prop_assert_eq!(t.discount, t.by_rate.iter().map(|r| r.discount).sum::<Decimal>());
                    prop_assert_eq!(t.tax, t.by_rate.iter().map(|r| r.tax).sum::<Decimal>());
                    prop_assert!(t.discount >= Decimal::ZERO && t.discount <= t.subtotal);
                    for r in &t.by_rate {
                        prop_assert_eq!(r.taxable, r.net - r.discount);
                        prop_assert!(r.taxable >= Decimal::ZERO);
                        prop_assert_eq!(r.tax, tax_amount(r.taxable, r.tax_rate_percent, currency));
                    }
                    for m in [t.subtotal, t.discount, t.tax, t.total] {
                        prop_assert_eq!(m.scale(), dp);
                    }
                }
                Err(_) => {
                    let subtotal: Decimal = lines.iter().map(|l| l.0).sum();
                    let refused = matches!(discount, Discount::Amount(a) if a.round_dp(dp) > subtotal);
                    prop_assert!(refused);
                }
            }
        }
    }
}
