//! The records stint keeps: clients, projects, tags and tracks, as plain data.
//!
//! Instants are UTC; durations are seconds; rates are decimals in major units of a currency.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

use super::money::Currency;
use super::{ClientId, InvoiceId, ProjectId, TagId, TaskId, TrackId};

/// A client: whom work is billed to.
#[derive(Debug, Clone, PartialEq)]
pub struct Client {
    pub id: ClientId,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub address: Option<String>,
    pub tax_id: Option<String>,
    pub notes: Option<String>,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<Currency>,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Tax rate in percent (19 for 19 %) of this client's invoices when the call gives none;
    /// `None`: the setting `default_tax_rate_percent`.
    pub tax_rate_percent: Option<Decimal>,
}

/// Period a project budget covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetPeriod {
    /// The whole life of the project.
    Total,
    /// Each calendar month in the configured time zone.
    Monthly,
}

impl BudgetPeriod {
    /// Parses `total` or `monthly`.
    pub fn parse(input: &str) -> Result<Self, super::DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "total" => Ok(Self::Total),
            "monthly" => Ok(Self::Monthly),
            _ => Err(super::DomainError::parse(
                "budget period",
                input,
                "give total or monthly",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Total => "total",
            Self::Monthly => "monthly",
        }
    }
}

/// A project budget: hours, money or both, over a period, with an alert threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Budget {
    /// Hours budget, in seconds.
    pub seconds: Option<i64>,
    /// Money budget, in major units of the project's currency.
    pub amount: Option<Decimal>,
    pub period: BudgetPeriod,
    /// Percent of the budget at which the status turns to `alert` (default 80).
    pub alert_percent: u32,
}

/// A project, optionally for a client.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: ProjectId,
    pub name: String,
    pub client_id: Option<ClientId>,
    /// Name of the client, filled in by the store for display.
    pub client_name: Option<String>,
    pub color: Option<String>,
    pub hourly_rate: Option<Decimal>,
    pub currency: Option<Currency>,
    pub billable_by_default: bool,
    pub budget: Budget,
    pub archived: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Project {
    /// `Website (Acme)`: the name with its client, to tell same-named projects apart.
    pub fn label(&self) -> String {
        match &self.client_name {
            Some(c) => format!("{} ({c})", self.name),
            None => self.name.clone(),
        }
    }
}

/// Whether a task still has work to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TaskStatus {
    /// Work to do (the default).
    #[default]
    Open,
    /// Finished. Time can still be recorded on it (late entries).
    Done,
}

impl TaskStatus {
    /// Parses `open` or `done` (case-insensitive).
    ///
    /// # Errors
    /// [`super::DomainError::Parse`] for anything else.
    pub fn parse(input: &str) -> Result<Self, super::DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Self::Open),
            "done" => Ok(Self::Done),
            _ => Err(super::DomainError::parse(
                "task status",
                input,
                "give open or done",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Done => "done",
        }
    }
}

/// A task: a piece of work under one project (a ticket, a phase, an activity), with an optional
/// estimate, billable default and rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub id: TaskId,
    pub project_id: ProjectId,
    /// Name of the project, filled in by the store for display.
    pub project_name: String,
    pub name: String,
    /// Estimated work, in seconds.
    pub estimate_seconds: Option<i64>,
    pub status: TaskStatus,
    /// Whether new tracks on the task are billable; `None` follows the project.
    pub billable_by_default: Option<bool>,
    /// Hourly rate in major units of the project's currency; `None` falls through to the
    /// project's (docs/rules.md, "Rates and currency").
    pub hourly_rate: Option<Decimal>,
    pub archived: bool,
    /// Seconds recorded on the task so far (running timers up to the time of reading), when
    /// the store was asked to sum them.
    pub tracked_seconds: i64,
    /// Who the task is assigned to: `None` nobody, `Some(None)` the owner (V13).
    pub assignee: Option<Option<super::PersonId>>,
    /// The assignee's name, filled in by the store (`None` for nobody).
    pub assignee_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The local day the task is due by, if any.
    pub due_date: Option<chrono::NaiveDate>,
    pub priority: TaskPriority,
    /// The milestone of the task's project that holds it, and its name.
    pub milestone_id: Option<super::MilestoneId>,
    pub milestone_name: Option<String>,
}

/// How urgent a task is, lowest first (the four words of Jira, Linear and Intervals).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum TaskPriority {
    Low,
    /// The default.
    #[default]
    Normal,
    High,
    Urgent,
}

impl TaskPriority {
    /// Every priority, lowest first.
    pub const ALL: [TaskPriority; 4] = [Self::Low, Self::Normal, Self::High, Self::Urgent];

    /// Parses `low`, `normal`, `high` or `urgent` (case-insensitive), or `1`..`4` in that order.
    ///
    /// # Errors
    /// [`super::DomainError::Parse`] for anything else.
    pub fn parse(input: &str) -> Result<Self, super::DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "low" | "1" => Ok(Self::Low),
            "normal" | "2" => Ok(Self::Normal),
            "high" | "3" => Ok(Self::High),
            "urgent" | "4" => Ok(Self::Urgent),
            _ => Err(super::DomainError::parse(
                "task priority",
                input,
                "give low, normal, high or urgent (or 1 to 4)",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Normal => "normal",
            Self::High => "high",
            Self::Urgent => "urgent",
        }
    }
}

/// Whether a milestone is still being worked towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MilestoneStatus {
    #[default]
    Open,
    /// Reached: `complete_milestone` closed its open tasks.
    Completed,
}

impl MilestoneStatus {
    /// Parses `open` or `completed` (case-insensitive).
    ///
    /// # Errors
    /// [`super::DomainError::Parse`] for anything else.
    pub fn parse(input: &str) -> Result<Self, super::DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "open" => Ok(Self::Open),
            "completed" => Ok(Self::Completed),
            _ => Err(super::DomainError::parse(
                "milestone status",
                input,
                "give open or completed",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Completed => "completed",
        }
    }
}

/// A milestone: a stage of one project, with a due date, that holds tasks of that project.
#[derive(Debug, Clone, PartialEq)]
pub struct Milestone {
    pub id: super::MilestoneId,
    pub project_id: ProjectId,
    /// Name of the project, filled in by the store for display.
    pub project_name: String,
    pub name: String,
    /// The local day it is due by, if any.
    pub due_date: Option<chrono::NaiveDate>,
    pub status: MilestoneStatus,
    /// When it was completed (UTC), while completed.
    pub completed_at: Option<DateTime<Utc>>,
    pub archived: bool,
    /// How many tasks it holds, and how many of them are open.
    pub tasks: i64,
    pub open_tasks: i64,
    /// Seconds recorded on its tasks (approved tracks; running timers up to the time of reading).
    pub tracked_seconds: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tag {
    pub id: TagId,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A track, with the names of its project, client and tags for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Track {
    pub id: TrackId,
    pub start: DateTime<Utc>,
    /// `None` while the timer runs.
    pub end: Option<DateTime<Utc>>,
    /// IANA zone the track was recorded in.
    pub timezone: String,
    pub description: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    /// `(id, name)` of each tag, sorted by name.
    pub tags: Vec<(TagId, String)>,
    pub billable: bool,
    /// Hourly rate override, in major units.
    pub hourly_rate: Option<Decimal>,
    /// The invoice this track was billed on, if any.
    pub invoice_id: Option<InvoiceId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// The task of the project this track is on, if any.
    pub task_id: Option<TaskId>,
    /// Name of the task, filled in by the store for display.
    pub task_name: Option<String>,
    /// A draft: proposed (by an assistant in drafts mode), counted nowhere until approved.
    pub draft: bool,
    /// For a draft that holds an edit back: the approved track it changes when approved.
    pub draft_of: Option<TrackId>,
    /// Whose track: `None` is the owner's (V13).
    pub person_id: Option<super::PersonId>,
    /// Name of the person, filled in by the store for display (`None` for the owner).
    pub person_name: Option<String>,
}

impl Track {
    /// Whether the timer is still running.
    pub fn is_running(&self) -> bool {
        self.end.is_none()
    }
}

/// Lifecycle of an invoice (docs/rules.md, "Invoices"): draft -> sent -> paid; draft or sent -> void.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvoiceStatus {
    /// Editable and deletable; has no number yet; its tracks are held.
    Draft,
    /// Numbered and frozen; its tracks are held.
    Sent,
    /// Frozen.
    Paid,
    /// Cancelled; keeps its number (if it had one); its tracks are released.
    Void,
}

impl InvoiceStatus {
    /// Parses `draft`, `sent`, `paid` or `void`.
    pub fn parse(input: &str) -> Result<Self, super::DomainError> {
        match input.trim().to_ascii_lowercase().as_str() {
            "draft" => Ok(Self::Draft),
            "sent" => Ok(Self::Sent),
            "paid" => Ok(Self::Paid),
            "void" => Ok(Self::Void),
            _ => Err(super::DomainError::parse(
                "invoice status",
                input,
                "give draft, sent, paid or void",
            )),
        }
    }

    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Sent => "sent",
            Self::Paid => "paid",
            Self::Void => "void",
        }
    }
}

/// One line of an invoice, frozen when the invoice was generated.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceLine {
    pub position: u32,
    pub description: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub date: Option<chrono::NaiveDate>,
    pub duration_seconds: i64,
    pub rounded_duration_seconds: i64,
    /// Hours billed, 2 decimals.
    pub quantity_hours: Decimal,
    /// Major units per hour.
    pub unit_rate: Decimal,
    /// Major units.
    pub amount: Decimal,
    /// Tax rate of this line in percent (19 for 19 %): the invoice's for time, an expense's own
    /// (else the invoice's).
    pub tax_rate_percent: Decimal,
    /// The expense this line bills (expense lines have no tracks).
    pub expense_id: Option<i64>,
    /// Tracks billed on this line, kept when a void invoice releases them.
    pub track_ids: Vec<TrackId>,
}

/// An invoice with its lines. Money in major units of `currency`.
#[derive(Debug, Clone, PartialEq)]
pub struct Invoice {
    /// 0 for an invoice not saved (a dry run).
    pub id: InvoiceId,
    /// Assigned when the invoice is marked sent.
    pub number: Option<String>,
    pub status: InvoiceStatus,
    pub client_id: Option<ClientId>,
    pub currency: Currency,
    /// Tracks starting in `[period_start, period_end)` were selected.
    pub period_start: DateTime<Utc>,
    pub period_end: DateTime<Utc>,
    pub issue_date: Option<chrono::NaiveDate>,
    pub due_date: Option<chrono::NaiveDate>,
    pub group_by: super::billing::GroupBy,
    /// The invoice's tax rate (time lines), percent.
    pub tax_rate_percent: Decimal,
    /// Sum of the line amounts.
    pub subtotal: Decimal,
    /// Discount asked for in percent (10 for 10 %), if any.
    pub discount_percent: Option<Decimal>,
    /// Discount asked for as a fixed amount, if any.
    pub discount_amount: Option<Decimal>,
    /// The discount, before tax (0 without one).
    pub discount: Decimal,
    /// Sum of the per-rate taxes.
    pub tax: Decimal,
    /// `subtotal - discount + tax`.
    pub total: Decimal,
    /// One row per tax rate of the lines, by rate (see
    /// [`invoice_totals`](super::billing::invoice_totals)).
    pub tax_summary: Vec<super::billing::TaxRow>,
    /// The local date the payment arrived (paid invoices).
    pub paid_on: Option<chrono::NaiveDate>,
    pub notes: Option<String>,
    pub seller_name: Option<String>,
    pub seller_address: Option<String>,
    pub client_name: Option<String>,
    pub client_email: Option<String>,
    pub client_address: Option<String>,
    pub client_tax_id: Option<String>,
    /// The rounding in force when the invoice was generated.
    pub rounding: super::settings::Rounding,
    /// Zone the invoice's dates are in.
    pub timezone: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub paid_at: Option<DateTime<Utc>>,
    pub voided_at: Option<DateTime<Utc>>,
    pub lines: Vec<InvoiceLine>,
}

/// An expense billed beside time (docs/rules.md, "Invoices"): an amount of money on a local
/// date, on a project.
#[derive(Debug, Clone, PartialEq)]
pub struct Expense {
    pub id: super::ExpenseId,
    pub project_id: ProjectId,
    pub project_name: String,
    /// Local date in the configured zone.
    pub date: chrono::NaiveDate,
    /// Major units of `currency`, with its minor-unit decimals (`12.50` EUR, `1200` JPY).
    pub amount: Decimal,
    pub currency: Currency,
    pub description: String,
    pub billable: bool,
    /// Its own tax rate in percent; `None`: the invoice's rate applies.
    pub tax_rate_percent: Option<Decimal>,
    /// Where the receipt is, as the user wrote it; never opened by stint.
    pub receipt_path: Option<String>,
    /// The invoice holding it; it cannot change while held.
    pub invoice_id: Option<InvoiceId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A draft: proposed (by an assistant in drafts mode), counted nowhere until approved.
    pub draft: bool,
    /// For a draft that holds an edit back: the approved expense it changes when approved.
    pub draft_of: Option<super::ExpenseId>,
    /// Whose expense: `None` is the owner's (V13).
    pub person_id: Option<super::PersonId>,
}
