//! Use cases for expenses: money billed beside time (docs/rules.md, "Invoices").
//!
//! An expense has a project, a local date, an amount in its currency (default: the project's,
//! else its client's, else `default_currency`), a description, and optionally its own tax rate
//! and the path of a receipt (stored as text, never opened). Billable expenses of an invoice's
//! selection become its lines; while an invoice holds an expense it cannot change.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::catalog::{resolve_client, resolve_project};
use super::{Ctx, Page, Result, Service, ServiceError, clean, page_size, paginate};
use stint_domain::billing::resolve_currency;
use stint_domain::entities::{Expense, InvoiceLine};
use stint_domain::limits::{check_line, check_text};
use stint_domain::money::{Currency, parse_money};
use stint_domain::msg;
use stint_domain::time::parse_date;
use stint_domain::words::{Act, Arg};
use stint_domain::{DomainError, ExpenseId, ProjectId};
use stint_store::expenses::{self, ExpenseFilter};
use stint_store::invoices::BillableQuery;

/// Input of `create_expense`.
#[derive(Debug, Clone, Default)]
pub struct NewExpense {
    /// Project id or exact name.
    pub project: String,
    /// Local date `YYYY-MM-DD` (or `today`, `yesterday`).
    pub date: String,
    /// Amount in major units of the currency, e.g. `12.50`; at most its minor-unit decimals.
    pub amount: String,
    /// ISO 4217 code; default: the project's currency, else its client's, else the default.
    pub currency: Option<String>,
    pub description: String,
    /// Default true.
    pub billable: Option<bool>,
    /// Its own tax rate in percent; default: the invoice's. Strictly between 0 and 1 only with
    /// a percent sign (see [`stint_domain::tax`]).
    pub tax_rate_percent: Option<String>,
    /// Where the receipt is (text, at most 10 000 characters; never opened).
    pub receipt_path: Option<String>,
    /// Record it even when the project has an expense of the same date, amount, currency and
    /// description (refused otherwise, naming it).
    pub allow_duplicate: bool,
}

/// Input of `update_expense`: `None` leaves a field as it is; an empty text clears tax rate and
/// receipt path.
#[derive(Debug, Clone, Default)]
pub struct ExpenseChanges {
    pub project: Option<String>,
    pub date: Option<String>,
    pub amount: Option<String>,
    pub currency: Option<String>,
    pub description: Option<String>,
    pub billable: Option<bool>,
    pub tax_rate_percent: Option<String>,
    pub receipt_path: Option<String>,
}

/// Input of `list_expenses`; dates inclusive.
#[derive(Debug, Clone, Default)]
pub struct ListExpenses {
    pub project: Option<String>,
    pub client: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    /// Only this person's expenses: a name, an id, `me` (the caller's person) or `owner`;
    /// none: everyone's the caller may read (a member's token: its own).
    pub person: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

fn parse_expense_tax(input: &str) -> Result<Decimal> {
    Ok(stint_domain::tax::parse_tax_rate_percent(input)?)
}

fn description(d: &str) -> Result<String> {
    let d = d.trim();
    if d.is_empty() {
        return Err(DomainError::Invalid(
            "an expense needs a description, e.g. \"Train to client\""
                .to_owned()
                .into(),
        )
        .into());
    }
    check_line("description", d)?;
    Ok(d.to_owned())
}

fn receipt(path: Option<String>) -> Result<Option<String>> {
    let p = clean(path);
    if let Some(p) = &p {
        check_text("receipt path", p)?;
    }
    Ok(p)
}

/// The currency of an expense on `project` when none is given.
fn default_currency(ctx: &Ctx<'_>, project: ProjectId) -> Result<Currency> {
    let p = stint_store::projects::get(ctx.tx, project)?
        .ok_or_else(|| ServiceError::NotFound(format!("no project has id {project}").into()))?;
    let client = match p.client_id {
        Some(c) => stint_store::clients::get(ctx.tx, c)?.and_then(|c| c.currency),
        None => None,
    };
    Ok(resolve_currency(
        p.currency,
        client,
        ctx.settings.default_currency,
    ))
}

/// The expense by id (`12` or `#12`).
fn resolve_expense(ctx: &Ctx<'_>, reference: &str) -> Result<Expense> {
    let id = reference
        .trim()
        .trim_start_matches('#')
        .parse::<i64>()
        .map_err(|_| {
            DomainError::parse(
                "expense id",
                reference,
                msg!["give the id ", Act::ListExpenses, " shows"],
            )
        })?;
    expenses::get(ctx.tx, ExpenseId(id))?
        .filter(|e| ctx.sees_expense(e))
        .ok_or_else(|| {
            ServiceError::NotFound(msg![
                format!("no expense has id {id}; find it with "),
                Act::ListExpenses,
            ])
        })
}

/// Refuses to change an expense an invoice holds.
pub(crate) fn unlocked(ctx: &Ctx<'_>, e: &Expense, what: &str) -> Result<()> {
    if let Some(inv) = e.invoice_id {
        let label = stint_store::invoices::get(ctx.tx, inv)?
            .and_then(|i| i.number)
            .map_or_else(
                || format!("draft invoice id {inv}"),
                |n| format!("invoice {n}"),
            );
        return Err(ServiceError::Conflict(format!(
            "expense {} is billed on {label}; it cannot be {what} until that invoice is deleted \
             (drafts) or voided",
            e.id
        ).into()));
    }
    Ok(())
}

impl Service {
    /// Records an expense. Retry-safe under a `request_id` ([`Service::once`]).
    ///
    /// # Errors
    /// Unknown project; a bad date, amount (more decimals than the currency has, negative, past
    /// the limits), currency or tax rate; an empty or too long description.
    pub fn create_expense(&self, req: NewExpense) -> Result<Expense> {
        let args = format!("{req:?}");
        let ids = |e: &Expense| vec![e.id.0];
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let id = ids.first().copied().unwrap_or(0);
            expenses::get(ctx.tx, ExpenseId(id))?
                .ok_or_else(|| ServiceError::NotFound(format!("no expense has id {id}").into()))
        };
        self.write_once("create_expense", &args, ids, reload, |ctx| {
            let project = resolve_project(ctx, &req.project)?;
            let currency = match clean(req.currency.clone()) {
                Some(c) => Currency::parse(&c)?,
                None => default_currency(ctx, project.id)?,
            };
            let e = Expense {
                id: ExpenseId(0),
                project_id: project.id,
                project_name: project.name.clone(),
                date: parse_date(&req.date, ctx.tz, ctx.now)?,
                amount: parse_money("amount", &req.amount, currency)?,
                currency,
                description: description(&req.description)?,
                billable: req.billable.unwrap_or(true),
                tax_rate_percent: match clean(req.tax_rate_percent.clone()) {
                    Some(t) => Some(parse_expense_tax(&t)?),
                    None => None,
                },
                receipt_path: receipt(req.receipt_path.clone())?,
                invoice_id: None,
                created_at: ctx.now,
                updated_at: ctx.now,
                draft: ctx.drafts(),
                draft_of: None,
                person_id: ctx.acting.person,
            };
            if !req.allow_duplicate
                && let Some(same) = expenses::find_same(ctx.tx, &e)?
            {
                return Err(super::placement::duplicate(
                    "expense",
                    same.0,
                    stint_domain::words::Act::EditExpense,
                ));
            }
            let id = expenses::insert(ctx.tx, &e, ctx.now)?;
            ctx.audit("expense", &[id.0], None)?;
            Ok(expenses::get(ctx.tx, id)?.expect("just inserted"))
        })
    }

    /// Reads one expense by id.
    pub fn get_expense(&self, expense: &str) -> Result<Expense> {
        self.read(|ctx| resolve_expense(ctx, expense))
    }

    /// Lists expenses, newest date first, paged.
    pub fn list_expenses(&self, req: ListExpenses) -> Result<Page<Expense>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let day = |d: Option<String>| -> Result<Option<NaiveDate>> {
                match clean(d) {
                    Some(d) => Ok(Some(parse_date(&d, ctx.tz, ctx.now)?)),
                    None => Ok(None),
                }
            };
            let filter = ExpenseFilter {
                project_id: match clean(req.project.clone()) {
                    Some(p) => Some(resolve_project(ctx, &p)?.id),
                    None => None,
                },
                client_id: match clean(req.client.clone()) {
                    Some(c) => Some(resolve_client(ctx, &c)?.id),
                    None => None,
                },
                project_ids: Vec::new(),
                draft: None,
                from: day(req.from.clone())?,
                to: day(req.to.clone())?,
                billable: req.billable,
                invoiced: req.invoiced,
                person: super::people::person_filter(ctx, req.person.as_deref())?,
            };
            let after = match req.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(c) => {
                    let parts = super::decode_cursor("expenses", c)?;
                    let date = parts
                        .first()
                        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
                    let id = parts.get(1).and_then(|i| i.parse().ok());
                    Some(date.zip(id).ok_or_else(|| super::bad_cursor(c))?)
                }
                None => None,
            };
            let rows = expenses::list(ctx.tx, &filter, after, size + 1)?;
            Ok(paginate(rows, size, |e| {
                super::encode_cursor("expenses", &[e.date.to_string(), e.id.0.to_string()])
            }))
        })
    }

    /// Changes an expense that no invoice holds.
    ///
    /// # Errors
    /// Unknown expense; the expense is on an invoice (named); the same input errors as
    /// [`Service::create_expense`].
    pub fn update_expense(&self, expense: &str, req: ExpenseChanges) -> Result<Expense> {
        self.write("update_expense", |ctx| {
            let e = resolve_expense(ctx, expense)?;
            ctx.check_writes(e.person_id, &format!("expense {}", e.id))?;
            unlocked(ctx, &e, "changed")?;
            // In drafts mode an approved expense's edit is held back as a draft of the change.
            let mut e = super::drafts::expense_edit_base(ctx, e)?;
            if let Some(p) = clean(req.project.clone()) {
                let project = resolve_project(ctx, &p)?;
                e.project_id = project.id;
                e.project_name = project.name;
            }
            if let Some(d) = clean(req.date.clone()) {
                e.date = parse_date(&d, ctx.tz, ctx.now)?;
            }
            if let Some(c) = clean(req.currency.clone()) {
                e.currency = Currency::parse(&c)?;
                if req.amount.is_none() {
                    e.amount =
                        parse_money("amount", &e.amount.normalize().to_string(), e.currency)?;
                }
            }
            if let Some(a) = &req.amount {
                e.amount = parse_money("amount", a, e.currency)?;
            }
            if let Some(d) = &req.description {
                e.description = description(d)?;
            }
            if let Some(b) = req.billable {
                e.billable = b;
            }
            if let Some(t) = &req.tax_rate_percent {
                e.tax_rate_percent = match t.trim() {
                    "" => None,
                    t => Some(parse_expense_tax(t)?),
                };
            }
            if let Some(r) = req.receipt_path.clone() {
                e.receipt_path = receipt(Some(r))?;
            }
            let id = super::drafts::write_expense_edit(ctx, &e)?;
            ctx.audit("expense", &[id.0], None)?;
            Ok(expenses::get(ctx.tx, id)?.expect("exists"))
        })
    }

    /// Deletes an expense that no invoice holds; returns it as it was.
    ///
    /// # Errors
    /// Unknown expense; the expense is on an invoice (named).
    pub fn delete_expense(&self, expense: &str) -> Result<Expense> {
        self.write("delete_expense", |ctx| {
            let e = resolve_expense(ctx, expense)?;
            ctx.check_writes(e.person_id, &format!("expense {}", e.id))?;
            unlocked(ctx, &e, "deleted")?;
            super::drafts::may_delete_expense(ctx, &e)?;
            expenses::delete(ctx.tx, e.id)?;
            ctx.audit("expense", &[e.id.0], Some("deleted"))?;
            Ok(e)
        })
    }

    /// Appends the billable, uninvoiced expenses of the invoice's selection (its client and/or
    /// projects, dated in its period) as lines: quantity 1, the amount as unit rate, the
    /// expense's own tax rate or the invoice's.
    ///
    /// # Errors
    /// An expense of the selection in another currency than the invoice's (named).
    pub(crate) fn add_expense_lines(
        &self,
        ctx: &Ctx<'_>,
        inv: &mut stint_domain::entities::Invoice,
        selection: &BillableQuery,
    ) -> Result<()> {
        let day = |ts: i64| {
            chrono::DateTime::from_timestamp(ts, 0).map(|t| t.with_timezone(&ctx.tz).date_naive())
        };
        let filter = ExpenseFilter {
            client_id: selection.client_id,
            project_ids: selection.project_ids.clone(),
            from: day(selection.start),
            to: day(selection.end - 1),
            billable: Some(true),
            invoiced: Some(false),
            draft: Some(false),
            person: selection.person,
            ..Default::default()
        };
        let mut found = expenses::list(ctx.tx, &filter, None, usize::MAX)?;
        // Lines by person name each expense's person too.
        let mut names: std::collections::HashMap<Option<stint_domain::PersonId>, String> =
            std::collections::HashMap::new();
        if inv.group_by == stint_domain::billing::GroupBy::Person {
            for e in &mut found {
                let name = match names.entry(e.person_id) {
                    std::collections::hash_map::Entry::Occupied(n) => n.into_mut(),
                    std::collections::hash_map::Entry::Vacant(slot) => {
                        slot.insert(super::people::load(ctx, e.person_id)?.name)
                    }
                };
                e.description = format!("{name}: {}", e.description);
            }
        }
        found.reverse(); // oldest first
        if let Some(other) = found.iter().find(|e| e.currency != inv.currency) {
            return Err(ServiceError::Conflict(msg![
                format!(
                    "expense {} ({} {}) is not in {}, the invoice's currency; leave expenses out \
                     (",
                    other.id, other.amount, other.currency, inv.currency
                ),
                Arg::NoExpenses,
                "), or change the expense's currency",
            ]));
        }
        let mut position = u32::try_from(inv.lines.len()).unwrap_or(u32::MAX);
        for e in found {
            position = position.saturating_add(1);
            inv.lines.push(InvoiceLine {
                position,
                description: e.description,
                project_id: Some(e.project_id),
                project_name: Some(e.project_name),
                date: Some(e.date),
                duration_seconds: 0,
                rounded_duration_seconds: 0,
                quantity_hours: Decimal::new(100, 2),
                unit_rate: e.amount,
                amount: e.amount,
                tax_rate_percent: e.tax_rate_percent.unwrap_or(inv.tax_rate_percent),
                expense_id: Some(e.id.0),
                track_ids: Vec::new(),
            });
        }
        Ok(())
    }
}
