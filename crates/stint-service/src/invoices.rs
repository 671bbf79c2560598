//! Use cases for invoices: generation from billable tracks, the draft -> sent -> paid / void
//! lifecycle, and CSV export.

use std::collections::BTreeMap;

use chrono::Days;
use rust_decimal::Decimal;

use super::catalog::{resolve_client, resolve_project};
use super::{Ctx, Page, Result, Service, ServiceError, clean, page_size, paginate};
use stint_domain::DomainError;
use stint_domain::billing::{
    self, BillableTrack, GroupBy, LineDraft, build_lines, format_invoice_number, resolve_currency,
    resolve_rate, sequence_scope,
};
use stint_domain::entities::{Client, Invoice, InvoiceLine, InvoiceStatus};
use stint_domain::money::Currency;
use stint_domain::msg;
use stint_domain::time::Range;
use stint_domain::time::parse_date;
use stint_domain::words::{Act, Arg, Name};
use stint_domain::{ClientId, InvoiceId, ProjectId, TrackId};
use stint_store::invoices::{self, BillableQuery, BillableRow};

/// Input of `create_invoice`.
#[derive(Debug, Clone, Default)]
pub struct NewInvoice {
    /// Client id or exact name.
    pub client: Option<String>,
    /// Project ids or exact names.
    pub projects: Vec<String>,
    /// First day (or instant) of the period; tracks starting in the period are billed.
    pub from: String,
    /// Last day (included) or end instant (excluded) of the period.
    pub to: String,
    /// `track` (default), `project`, `day`, `tag`, `task`, `milestone` or `person`.
    pub group_by: Option<String>,
    /// Only this person's tracks and expenses: a name, an id, `me` (the caller's person) or
    /// `owner`; none: everyone's.
    pub person: Option<String>,
    /// Tax rate in percent, e.g. `19`; default: the client's `tax_rate_percent`, else the
    /// setting `default_tax_rate_percent`, else 0. A rate strictly between 0 and 1 is refused
    /// as a likely fraction unless written with a percent sign (`"0.5%"`).
    pub tax_rate_percent: Option<String>,
    /// Days from issue to due date (default: the setting `invoice_due_days`).
    pub due_days: Option<u32>,
    pub notes: Option<String>,
    /// Discount before tax in percent of the subtotal, e.g. `10`; not with `discount_amount`.
    pub discount_percent: Option<String>,
    /// Discount before tax as an amount in the invoice's currency, e.g. `50.00`.
    pub discount_amount: Option<String>,
    /// Bill the selection's billable, uninvoiced expenses too (default true).
    pub include_expenses: Option<bool>,
    /// Build the invoice and return it without saving anything.
    pub dry_run: bool,
}

/// Input of `update_invoice` (drafts only); `None` leaves a field as it is.
#[derive(Debug, Clone, Default)]
pub struct InvoiceChanges {
    /// New notes; empty removes them.
    pub notes: Option<String>,
    /// New tax rate in percent; tax and total are recomputed. Strictly between 0 and 1 only
    /// with a percent sign.
    pub tax_rate_percent: Option<String>,
    /// New due date `YYYY-MM-DD`.
    pub due_date: Option<String>,
    /// New discount in percent; empty removes the discount.
    pub discount_percent: Option<String>,
    /// New discount as an amount; empty removes the discount.
    pub discount_amount: Option<String>,
}

/// Input of `list_invoices`.
#[derive(Debug, Clone, Default)]
pub struct ListInvoices {
    /// `draft`, `sent`, `paid`, `void`, `outstanding` (sent and unpaid) or `overdue`
    /// (outstanding and past its due date, in the configured zone).
    pub status: Option<String>,
    pub client: Option<String>,
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

/// Invoice notes as stored: trimmed, empty is none, at most 10 000 characters.
fn invoice_notes(notes: Option<String>) -> Result<Option<String>> {
    let notes = clean(notes);
    if let Some(n) = &notes {
        stint_domain::limits::check_text("notes", n)?;
    }
    Ok(notes)
}

/// The tax rate a call gave, if it gave one (an empty text is none); see
/// [`stint_domain::tax::parse_tax_rate_percent`].
fn parse_tax_rate(input: Option<&str>) -> Result<Option<Decimal>> {
    match input.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => Ok(Some(stint_domain::tax::parse_tax_rate_percent(s)?)),
        None => Ok(None),
    }
}

/// The discount asked for: at most one of percent and amount; empty texts are none.
fn parse_discount(
    percent: Option<&str>,
    amount: Option<&str>,
    currency: Currency,
) -> Result<(Option<Decimal>, Option<Decimal>)> {
    let percent = percent.map(str::trim).filter(|s| !s.is_empty());
    let amount = amount.map(str::trim).filter(|s| !s.is_empty());
    match (percent, amount) {
        (Some(_), Some(_)) => Err(DomainError::Invalid(msg![
            "give ",
            Arg::DiscountPercent,
            " or ",
            Arg::DiscountAmount,
            ", not both",
        ])
        .into()),
        (Some(p), None) => {
            let value: Decimal = p.trim_end_matches('%').trim().parse().map_err(|_| {
                DomainError::parse("discount percent", p, "give a percentage such as 10")
            })?;
            if value < Decimal::ZERO || value > Decimal::ONE_HUNDRED {
                return Err(DomainError::Invalid(
                    format!(
                        "a discount of {} % is out of range; give 0 to 100",
                        stint_domain::limits::echo(p)
                    )
                    .into(),
                )
                .into());
            }
            let value = stint_domain::limits::check_amount("discount percent", value, p)?;
            Ok((Some(value), None))
        }
        (None, Some(a)) => Ok((
            None,
            Some(stint_domain::money::parse_money(
                "discount amount",
                a,
                currency,
            )?),
        )),
        (None, None) => Ok((None, None)),
    }
}

/// Recomputes subtotal, discount, tax, total and the tax summary from the lines and the
/// discount asked for (docs/rules.md, "Invoices").
fn retotal(inv: &mut Invoice) -> Result<()> {
    let lines: Vec<(Decimal, Decimal)> = inv
        .lines
        .iter()
        .map(|l| (l.amount, l.tax_rate_percent))
        .collect();
    let discount = match (inv.discount_percent, inv.discount_amount) {
        (Some(p), _) => billing::Discount::Percent(p),
        (None, Some(a)) => billing::Discount::Amount(a),
        (None, None) => billing::Discount::None,
    };
    let t = billing::invoice_totals(&lines, discount, inv.currency)?;
    inv.subtotal = t.subtotal;
    inv.discount = t.discount;
    inv.tax = t.tax;
    inv.total = t.total;
    inv.tax_summary = t.by_rate;
    Ok(())
}

/// Finds an invoice by number (`INV-2026-0001`, case-insensitive) or by id. A reference that is
/// one invoice's number and another's id is refused as ambiguous.
pub(crate) fn resolve_invoice(ctx: &Ctx<'_>, reference: &str) -> Result<Invoice> {
    ctx.check_invoices()?;
    let r = reference.trim();
    let by_number = invoices::find_by_number(ctx.tx, r)?;
    let by_id = match r.trim_start_matches('#').parse::<i64>() {
        Ok(id) => invoices::get(ctx.tx, InvoiceId(id))?.map(|i| i.id),
        Err(_) => None,
    };
    let id = match (by_number, by_id) {
        (Some(n), Some(i)) if n != i => {
            return Err(ServiceError::Ambiguous(msg![
                Name(reference),
                format!(
                    " is the number of invoice id {n} and the id of another invoice; give the \
                     number with its full text, or the id as \"#{i}\""
                ),
            ]));
        }
        (Some(n), _) => n,
        (None, Some(i)) => i,
        (None, None) => {
            return Err(ServiceError::NotFound(msg![
                "no invoice has id or number ",
                Name(reference),
                "; find it with ",
                Act::ListInvoices,
            ]));
        }
    };
    Ok(invoices::get(ctx.tx, id)?.expect("exists"))
}

fn label(inv: &Invoice) -> String {
    match &inv.number {
        Some(n) => format!("invoice {n} (id {})", inv.id),
        None => format!("draft invoice id {}", inv.id),
    }
}

/// An invoice request read and checked: what to bill and how ([`parse_invoice_request`]).
struct InvoicePlan {
    /// The client asked for, if any.
    client: Option<Client>,
    /// The period: tracks that start in it are billed.
    range: Range,
    group_by: GroupBy,
    /// The tax rate the call gave, if any.
    tax_rate: Option<Decimal>,
    due_days: u32,
    /// The tracks (and expenses) to bill.
    selection: BillableQuery,
}

/// The billable tracks of an invoice priced: each at its rate in force now, all in one
/// currency ([`price_tracks`]).
struct PricedTracks {
    tracks: Vec<BillableTrack>,
    currency: Currency,
    /// The client every track belongs to, when they share one.
    shared_client: Option<ClientId>,
}

/// Step 1, parse: resolves the client and projects of `req` (each project must be the
/// client's), reads the period, grouping, tax rate and due days.
///
/// # Errors
/// Unknown client or project, a project of another client, a bad period, grouping or tax rate,
/// due days over 365.
fn parse_invoice_request(ctx: &Ctx<'_>, req: &NewInvoice) -> Result<InvoicePlan> {
    let client = match clean(req.client.clone()) {
        Some(c) => Some(resolve_client(ctx, &c)?),
        None => None,
    };
    let mut project_ids: Vec<ProjectId> = Vec::new();
    for p in &req.projects {
        let project = resolve_project(ctx, p)?;
        if let Some(c) = &client
            && project.client_id != Some(c.id)
        {
            return Err(DomainError::Invalid(
                format!(
                    "project {} does not belong to client {}; leave out client, or pick that \
                     client's projects",
                    project.label(),
                    c.name
                )
                .into(),
            )
            .into());
        }
        if !project_ids.contains(&project.id) {
            project_ids.push(project.id);
        }
    }
    let range = super::tracks::user_range(
        ctx,
        Some(&req.from),
        Some(&req.to),
        ctx.now,
        ctx.now + chrono::Duration::seconds(1),
    )?;
    let group_by = match clean(req.group_by.clone()) {
        Some(g) => GroupBy::parse(&g)?,
        None => GroupBy::Track,
    };
    let tax_rate = parse_tax_rate(req.tax_rate_percent.as_deref())?;
    let due_days = req.due_days.unwrap_or(ctx.settings.invoice_due_days);
    if due_days > 365 {
        return Err(DomainError::Invalid(msg![
            Arg::DueDays,
            format!(" {due_days} is more than a year; give 0 to 365"),
        ])
        .into());
    }
    let selection = BillableQuery {
        start: range.start.timestamp(),
        end: range.end.timestamp(),
        client_id: client.as_ref().map(|c| c.id),
        project_ids,
        person: super::people::person_filter(ctx, req.person.as_deref())?,
    };
    Ok(InvoicePlan {
        client,
        range,
        group_by,
        tax_rate,
        due_days,
        selection,
    })
}

/// Step 2, select: the billable, finished, uninvoiced tracks of the plan.
///
/// # Errors
/// No such track (the answer says how to look and what to widen).
fn select_tracks(ctx: &Ctx<'_>, req: &NewInvoice, plan: &InvoicePlan) -> Result<Vec<BillableRow>> {
    let rows = invoices::billable_tracks(ctx.tx, &plan.selection)?;
    if rows.is_empty() {
        let mut scope =
            describe_selection(plan.client.as_ref().map(|c| c.name.as_str()), &req.projects);
        if let Some(person) = plan.selection.person {
            let name = super::people::load(ctx, person)?.name;
            scope = format!("of {name} {scope}");
        }
        return Err(ServiceError::Conflict(msg![
            format!(
                "there are no billable, finished, uninvoiced tracks {scope} starting between \
                 {} and {}; check with ",
                req.from, req.to
            ),
            Act::ListUnbilled,
            ", or widen ",
            Arg::From,
            " and ",
            Arg::To,
        ]));
    }
    Ok(rows)
}

/// Step 3, price: each track's rate (track, task, project, client, setting) and currency
/// (project, client, setting); the rows are consumed (an invoice may bill 10 000 tracks: their
/// texts are moved, not copied).
///
/// # Errors
/// Tracks in more than one currency: the answer names each currency's tracks and projects.
fn price_tracks(ctx: &Ctx<'_>, rows: Vec<BillableRow>) -> Result<PricedTracks> {
    let default_rate = ctx.settings.default_hourly_rate;
    let mut by_currency: BTreeMap<&'static str, (Currency, Vec<String>, usize)> = BTreeMap::new();
    let shared_client = match rows.first().and_then(|r| r.client_id) {
        Some(first) if rows.iter().all(|r| r.client_id == Some(first)) => Some(first),
        _ => None,
    };
    let mut tracks = Vec::with_capacity(rows.len());
    let mut currency = None;
    let owner = stint_store::people::owner(ctx.tx)?.name;
    for row in rows {
        let c = resolve_currency(
            row.project_currency,
            row.client_currency,
            ctx.settings.default_currency,
        );
        let entry = by_currency.entry(c.code()).or_insert((c, Vec::new(), 0));
        entry.2 += 1;
        let what = row.project_name.as_deref().unwrap_or("no project");
        if !entry.1.iter().any(|p| p == what) {
            entry.1.push(what.to_owned());
        }
        currency = Some(c);
        let (unit_rate, _) = resolve_rate(
            row.track_rate,
            row.task_rate,
            row.project_rate,
            row.client_rate,
            default_rate,
        );
        tracks.push(BillableTrack {
            id: row.id.0,
            start: row.start,
            end: row.end,
            local_date: row.start.with_timezone(&ctx.tz).date_naive(),
            description: row.description,
            project_id: row.project_id.map(|p| p.0),
            project_name: row.project_name,
            tags: row.tags,
            unit_rate,
            task_id: row.task_id.map(|k| k.0),
            task_name: row.task_name,
            milestone_id: row.milestone_id,
            milestone_name: row.milestone_name,
            person_id: row.person_id,
            person_name: row.person_name.unwrap_or_else(|| owner.clone()),
        });
    }
    if by_currency.len() > 1 {
        let parts: Vec<String> = by_currency
            .iter()
            .map(|(code, (_, projects, n))| {
                format!("{code}: {n} tracks on {}", projects.join(", "))
            })
            .collect();
        return Err(ServiceError::Conflict(msg![
            format!(
                "the selected tracks are billed in {} currencies ({}); an invoice has one \
                 currency, so select the projects of one currency with ",
                by_currency.len(),
                parts.join("; ")
            ),
            Arg::Projects,
        ]));
    }
    Ok(PricedTracks {
        tracks,
        currency: currency.expect("at least one track"),
        shared_client,
    })
}

/// The invoice's client: the one asked for, else the one all tracks share.
fn invoice_client(
    ctx: &Ctx<'_>,
    asked: Option<Client>,
    shared: Option<ClientId>,
) -> Result<Option<Client>> {
    Ok(match (asked, shared) {
        (Some(c), _) => Some(c),
        (None, Some(first)) => stint_store::clients::get(ctx.tx, first)?,
        (None, None) => None,
    })
}

/// Step 4, lay out: the draft invoice of `lines` for `client` in `currency` with the discount
/// asked (percent, amount), dated today (in
/// the configured zone) with the plan's due days; the tax rate is the call's, else the
/// client's, else the setting's, else 0 (docs/rules.md, "Tax"). Totals are zero until
/// [`retotal`].
///
/// # Errors
/// Notes that are too long.
fn draft_invoice(
    ctx: &Ctx<'_>,
    req: &NewInvoice,
    plan: &InvoicePlan,
    client: Option<Client>,
    currency: Currency,
    lines: Vec<LineDraft>,
    (discount_percent, discount_amount): (Option<Decimal>, Option<Decimal>),
) -> Result<Invoice> {
    let tax_rate = plan
        .tax_rate
        .or_else(|| client.as_ref().and_then(|c| c.tax_rate_percent))
        .or(ctx.settings.default_tax_rate_percent)
        .unwrap_or(Decimal::ZERO);
    let issue = ctx.now.with_timezone(&ctx.tz).date_naive();
    Ok(Invoice {
        id: InvoiceId(0),
        number: None,
        status: InvoiceStatus::Draft,
        client_id: client.as_ref().map(|c| c.id),
        currency,
        period_start: plan.range.start,
        period_end: plan.range.end,
        issue_date: Some(issue),
        due_date: issue.checked_add_days(Days::new(u64::from(plan.due_days))),
        group_by: plan.group_by,
        tax_rate_percent: tax_rate,
        subtotal: Decimal::ZERO,
        discount_percent,
        discount_amount,
        discount: Decimal::ZERO,
        tax: Decimal::ZERO,
        total: Decimal::ZERO,
        tax_summary: Vec::new(),
        paid_on: None,
        notes: invoice_notes(
            req.notes
                .clone()
                .or_else(|| ctx.settings.invoice_default_notes.clone()),
        )?,
        seller_name: ctx.settings.business_name.clone(),
        seller_address: ctx.settings.business_address.clone(),
        client_name: client.as_ref().map(|c| c.name.clone()),
        client_email: client.as_ref().and_then(|c| c.email.clone()),
        client_address: client.as_ref().and_then(|c| c.address.clone()),
        client_tax_id: client.as_ref().and_then(|c| c.tax_id.clone()),
        rounding: ctx.settings.rounding,
        timezone: ctx.tz.name().to_owned(),
        created_at: ctx.now,
        updated_at: ctx.now,
        sent_at: None,
        paid_at: None,
        voided_at: None,
        lines: invoice_lines(lines, tax_rate),
    })
}

/// The invoice lines of `lines`, numbered from 1, each at `tax_rate`.
fn invoice_lines(lines: Vec<LineDraft>, tax_rate: Decimal) -> Vec<InvoiceLine> {
    lines
        .into_iter()
        .enumerate()
        .map(|(i, l)| InvoiceLine {
            position: u32::try_from(i + 1).unwrap_or(u32::MAX),
            description: l.description,
            project_id: l.project_id.map(ProjectId),
            project_name: l.project_name,
            date: l.date,
            duration_seconds: l.duration_seconds,
            rounded_duration_seconds: l.rounded_duration_seconds,
            quantity_hours: l.quantity_hours,
            unit_rate: l.unit_rate,
            amount: l.amount,
            tax_rate_percent: tax_rate,
            expense_id: None,
            track_ids: l.track_ids.into_iter().map(TrackId).collect(),
        })
        .collect()
}

impl Service {
    /// Builds a draft invoice (not saved) from `req`, in named steps: parse the request, select
    /// the tracks, price them, group them into lines, lay out the draft, add the expense lines
    /// and total.
    fn build_invoice(&self, ctx: &Ctx<'_>, req: &NewInvoice) -> Result<Invoice> {
        // A dry run reads, but builds what only an owner may create.
        if ctx.acting.role != stint_domain::people::Role::Owner {
            return Err(ServiceError::Conflict(
                format!(
                    "a {}'s token may not create invoices: an invoice bills the whole team's \
                     work, so only an owner creates them; ask the owner, or use the owner's \
                     token or the CLI",
                    ctx.acting.role.as_str()
                )
                .into(),
            ));
        }
        let mut plan = parse_invoice_request(ctx, req)?;
        let rows = select_tracks(ctx, req, &plan)?;
        let priced = price_tracks(ctx, rows)?;
        let lines = build_lines(
            &priced.tracks,
            plan.group_by,
            ctx.settings.rounding,
            priced.currency,
        );
        let discount = parse_discount(
            req.discount_percent.as_deref(),
            req.discount_amount.as_deref(),
            priced.currency,
        )?;
        let client = invoice_client(ctx, plan.client.take(), priced.shared_client)?;
        let mut inv = draft_invoice(ctx, req, &plan, client, priced.currency, lines, discount)?;
        if req.include_expenses.unwrap_or(true) {
            self.add_expense_lines(ctx, &mut inv, &plan.selection)?;
        }
        retotal(&mut inv)?;
        Ok(inv)
    }

    /// Generates a draft invoice from billable, finished, not yet invoiced tracks that start in
    /// the period, or with `dry_run` only shows it. Rates and rounding in force now are frozen
    /// on the lines.
    ///
    /// # Errors
    /// No matching tracks; tracks in several currencies (named); unknown client or project; a
    /// bad period, grouping or tax rate.
    pub fn create_invoice(&self, req: NewInvoice) -> Result<Invoice> {
        self.create_invoice_inner(req)
            .map(|i| self.shown_invoice(i))
    }

    fn create_invoice_inner(&self, req: NewInvoice) -> Result<Invoice> {
        if req.dry_run {
            return self.read(|ctx| self.build_invoice(ctx, &req));
        }
        let args = format!("{req:?}");
        let ids = |i: &Invoice| vec![i.id.0];
        let reload = |ctx: &Ctx<'_>, ids: &[i64]| {
            let id = ids.first().copied().unwrap_or(0);
            invoices::get(ctx.tx, stint_domain::InvoiceId(id))?
                .ok_or_else(|| ServiceError::NotFound(format!("no invoice has id {id}").into()))
        };
        self.write_once("create_invoice", &args, ids, reload, |ctx| {
            let inv = self.build_invoice(ctx, &req)?;
            let id = invoices::insert(ctx.tx, &inv)?;
            let track_ids: Vec<i64> = inv
                .lines
                .iter()
                .flat_map(|l| l.track_ids.iter().map(|t| t.0))
                .collect();
            ctx.audit(
                "invoice",
                &[id.0],
                Some(&format!("{} tracks", track_ids.len())),
            )?;
            Ok(invoices::get(ctx.tx, id)?.expect("just inserted"))
        })
    }

    /// Reads one invoice by id or number, with its lines.
    pub fn get_invoice(&self, invoice: &str) -> Result<Invoice> {
        self.get_invoice_inner(invoice)
            .map(|i| self.shown_invoice(i))
    }

    fn get_invoice_inner(&self, invoice: &str) -> Result<Invoice> {
        self.read(|ctx| resolve_invoice(ctx, invoice))
    }

    /// Lists invoices with their lines, newest first, paged.
    pub fn list_invoices(&self, req: ListInvoices) -> Result<Page<Invoice>> {
        self.read(|ctx| {
            ctx.check_invoices()?;
            let size = page_size(req.limit)?;
            let today = ctx.now.with_timezone(&ctx.tz).date_naive();
            let (status, due_before) = match clean(req.status) {
                Some(s) => match s.to_ascii_lowercase().as_str() {
                    "outstanding" => (Some(InvoiceStatus::Sent), None),
                    "overdue" => (Some(InvoiceStatus::Sent), Some(today)),
                    _ => (
                        Some(InvoiceStatus::parse(&s).map_err(|_| {
                            DomainError::parse(
                                "invoice status",
                                &s,
                                "give draft, sent, paid, void, outstanding or overdue",
                            )
                        })?),
                        None,
                    ),
                },
                None => (None, None),
            };
            let client_id = match clean(req.client) {
                Some(c) => Some(resolve_client(ctx, &c)?.id),
                None => None,
            };
            let after = match req.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(c) => {
                    let parts = super::decode_cursor("invoices", c)?;
                    Some(
                        parts
                            .first()
                            .and_then(|p| p.parse().ok())
                            .ok_or_else(|| super::bad_cursor(c))?,
                    )
                }
                None => None,
            };
            let rows = invoices::list(ctx.tx, status, client_id, due_before, after, size + 1)?;
            Ok(paginate(rows, size, |i| {
                super::encode_cursor("invoices", &[i.id.0.to_string()])
            }))
        })
        .map(|p| Page {
            items: p.items.into_iter().map(|i| self.shown_invoice(i)).collect(),
            next_cursor: p.next_cursor,
        })
    }

    /// Changes notes, tax rate or due date of a draft.
    ///
    /// # Errors
    /// The invoice is not a draft (sent and paid invoices are frozen).
    pub fn update_invoice(&self, invoice: &str, req: InvoiceChanges) -> Result<Invoice> {
        self.update_invoice_inner(invoice, req)
            .map(|i| self.shown_invoice(i))
    }

    fn update_invoice_inner(&self, invoice: &str, req: InvoiceChanges) -> Result<Invoice> {
        self.write("update_invoice", |ctx| {
            let mut inv = resolve_invoice(ctx, invoice)?;
            if inv.status != InvoiceStatus::Draft {
                return Err(ServiceError::Conflict(format!(
                    "{} is {} and frozen; only drafts can be changed (void it and create a new one)",
                    label(&inv),
                    inv.status.as_str()
                ).into()));
            }
            if let Some(n) = req.notes {
                inv.notes = invoice_notes(Some(n))?;
            }
            if let Some(t) = req.tax_rate_percent {
                inv.tax_rate_percent = parse_tax_rate(Some(&t))?
                    .unwrap_or(Decimal::ZERO);
                invoices::follow_invoice_tax_rate(ctx.tx, inv.id, inv.tax_rate_percent)?;
                inv = Invoice {
                    lines: invoices::get(ctx.tx, inv.id)?.expect("exists").lines,
                    ..inv
                };
                for l in inv.lines.iter_mut().filter(|l| l.expense_id.is_none()) {
                    l.tax_rate_percent = inv.tax_rate_percent;
                }
            }
            if req.discount_percent.is_some() || req.discount_amount.is_some() {
                let (p, a) = parse_discount(
                    req.discount_percent.as_deref(),
                    req.discount_amount.as_deref(),
                    inv.currency,
                )?;
                inv.discount_percent = p;
                inv.discount_amount = a;
            }
            retotal(&mut inv)?;
            if let Some(d) = clean(req.due_date) {
                let due = parse_date(&d, ctx.tz, ctx.now)?;
                if inv.issue_date.is_some_and(|i| due < i) {
                    return Err(DomainError::Invalid(format!(
                        "the due date {due} is before the issue date {}; give a later date",
                        inv.issue_date.expect("checked")
                    ).into())
                    .into());
                }
                inv.due_date = Some(due);
            }
            invoices::update_header(ctx.tx, &inv, ctx.now)?;
            ctx.audit("invoice", &[inv.id.0], None)?;
            Ok(invoices::get(ctx.tx, inv.id)?.expect("exists"))
        })
    }

    /// Issues a draft: assigns the next number of the gapless sequence, sets the issue date
    /// (`issue_date` or today) and the due date, and freezes it.
    ///
    /// # Errors
    /// The invoice is not a draft.
    pub fn mark_invoice_sent(&self, invoice: &str, issue_date: Option<&str>) -> Result<Invoice> {
        self.mark_invoice_sent_inner(invoice, issue_date)
            .map(|i| self.shown_invoice(i))
    }

    fn mark_invoice_sent_inner(&self, invoice: &str, issue_date: Option<&str>) -> Result<Invoice> {
        self.write("mark_invoice_sent", |ctx| {
            super::sync::check_billing_device(ctx.tx)?;
            let mut inv = resolve_invoice(ctx, invoice)?;
            if inv.status != InvoiceStatus::Draft {
                return Err(ServiceError::Conflict(
                    format!(
                        "{} is already {}; only a draft can be marked sent",
                        label(&inv),
                        inv.status.as_str()
                    )
                    .into(),
                ));
            }
            let today = ctx.now.with_timezone(&ctx.tz).date_naive();
            let issue = match issue_date.map(str::trim).filter(|s| !s.is_empty()) {
                Some(d) => parse_date(d, ctx.tz, ctx.now)?,
                None => today,
            };
            let gap = match (inv.issue_date, inv.due_date) {
                (Some(i), Some(d)) => (d - i).num_days().max(0) as u64,
                _ => u64::from(ctx.settings.invoice_due_days),
            };
            let format = &ctx.settings.invoice_number_format;
            let scope = sequence_scope(format, issue);
            // Numbers are never reused: skip any taken by hand-picked formats.
            let number = loop {
                let seq = invoices::next_sequence(ctx.tx, &scope)?;
                let candidate = format_invoice_number(format, issue, seq);
                if invoices::find_by_number(ctx.tx, &candidate)?.is_none() {
                    break candidate;
                }
            };
            inv.number = Some(number);
            inv.status = InvoiceStatus::Sent;
            inv.issue_date = Some(issue);
            inv.due_date = issue.checked_add_days(Days::new(gap));
            inv.sent_at = Some(ctx.now);
            invoices::update_header(ctx.tx, &inv, ctx.now)?;
            ctx.audit("invoice", &[inv.id.0], inv.number.as_deref())?;
            Ok(invoices::get(ctx.tx, inv.id)?.expect("exists"))
        })
    }

    /// Records payment of a sent invoice, received on `paid_on` (a local date; default today).
    ///
    /// # Errors
    /// The invoice is not sent; a bad date, or one before the issue date or in the future.
    pub fn mark_invoice_paid(&self, invoice: &str, paid_on: Option<&str>) -> Result<Invoice> {
        self.mark_invoice_paid_inner(invoice, paid_on)
            .map(|i| self.shown_invoice(i))
    }

    fn mark_invoice_paid_inner(&self, invoice: &str, paid_on: Option<&str>) -> Result<Invoice> {
        self.write("mark_invoice_paid", |ctx| {
            let mut inv = resolve_invoice(ctx, invoice)?;
            if inv.status != InvoiceStatus::Sent {
                return Err(ServiceError::Conflict(
                    format!(
                        "{} is {}; only a sent invoice can be marked paid{}",
                        label(&inv),
                        inv.status.as_str(),
                        if inv.status == InvoiceStatus::Draft {
                            " (mark it sent first)"
                        } else {
                            ""
                        }
                    )
                    .into(),
                ));
            }
            let today = ctx.now.with_timezone(&ctx.tz).date_naive();
            let paid = match paid_on.map(str::trim).filter(|s| !s.is_empty()) {
                Some(d) => parse_date(d, ctx.tz, ctx.now)?,
                None => today,
            };
            if let Some(issue) = inv.issue_date
                && paid < issue
            {
                return Err(DomainError::Invalid(msg![
                    Arg::PaidOn,
                    format!(" {paid} is before the issue date {issue}; give {issue} or later"),
                ])
                .into());
            }
            if paid > today {
                return Err(DomainError::Invalid(msg![
                    Arg::PaidOn,
                    format!(" {paid} is in the future; give today ({today}) or an earlier date"),
                ])
                .into());
            }
            inv.status = InvoiceStatus::Paid;
            inv.paid_at = Some(ctx.now);
            inv.paid_on = Some(paid);
            invoices::update_header(ctx.tx, &inv, ctx.now)?;
            ctx.audit("invoice", &[inv.id.0], None)?;
            Ok(invoices::get(ctx.tx, inv.id)?.expect("exists"))
        })
    }

    /// Voids a draft or sent invoice: it keeps its number, and its tracks are released.
    pub fn void_invoice(&self, invoice: &str) -> Result<Invoice> {
        self.void_invoice_inner(invoice)
            .map(|i| self.shown_invoice(i))
    }

    fn void_invoice_inner(&self, invoice: &str) -> Result<Invoice> {
        self.write("void_invoice", |ctx| {
            let mut inv = resolve_invoice(ctx, invoice)?;
            if !matches!(inv.status, InvoiceStatus::Draft | InvoiceStatus::Sent) {
                return Err(ServiceError::Conflict(
                    format!(
                        "{} is {}; only draft and sent invoices can be voided",
                        label(&inv),
                        inv.status.as_str()
                    )
                    .into(),
                ));
            }
            let released = invoices::release_tracks(ctx.tx, inv.id)?;
            inv.status = InvoiceStatus::Void;
            inv.voided_at = Some(ctx.now);
            invoices::update_header(ctx.tx, &inv, ctx.now)?;
            ctx.audit(
                "invoice",
                &[inv.id.0],
                Some(&format!("released {released} tracks")),
            )?;
            Ok(invoices::get(ctx.tx, inv.id)?.expect("exists"))
        })
    }

    /// Deletes a draft and releases its tracks. Returns it as it was.
    ///
    /// # Errors
    /// The invoice is not a draft: issued invoices are kept (void them instead).
    pub fn delete_invoice(&self, invoice: &str) -> Result<Invoice> {
        self.delete_invoice_inner(invoice)
            .map(|i| self.shown_invoice(i))
    }

    fn delete_invoice_inner(&self, invoice: &str) -> Result<Invoice> {
        self.write("delete_invoice", |ctx| {
            let inv = resolve_invoice(ctx, invoice)?;
            if inv.status != InvoiceStatus::Draft {
                return Err(ServiceError::Conflict(msg![
                    format!(
                        "{} is {}; only drafts can be deleted, so issued numbers stay accounted \
                         for (void it instead with ",
                        label(&inv),
                        inv.status.as_str()
                    ),
                    Act::VoidInvoice,
                    ")",
                ]));
            }
            invoices::release_tracks(ctx.tx, inv.id)?;
            invoices::delete(ctx.tx, inv.id)?;
            ctx.audit("invoice", &[inv.id.0], Some("deleted"))?;
            Ok(inv)
        })
    }

    /// The invoice as RFC 4180 CSV (see [`super::export::invoice_csv`]), recorded in the audit
    /// log as an export to `content`.
    ///
    /// # Errors
    /// Unknown invoice; store errors.
    pub fn export_invoice_csv(&self, invoice: &str) -> Result<(Invoice, String)> {
        let inv = self.get_invoice(invoice)?;
        let text = super::export::invoice_csv(&inv);
        self.audit_export(
            "export_invoice_csv",
            "content",
            Some(inv.lines.len() + super::export::invoice_csv_totals(&inv).len()),
        )?;
        Ok((inv, text))
    }
}

fn describe_selection(client: Option<&str>, projects: &[String]) -> String {
    match (client, projects.is_empty()) {
        (Some(c), true) => format!("for client {c}"),
        (Some(c), false) => format!("for client {c}, projects {}", projects.join(", ")),
        (None, false) => format!("for projects {}", projects.join(", ")),
        (None, true) => "at all".to_owned(),
    }
}
