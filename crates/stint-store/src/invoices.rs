//! Rows of `invoices`, `invoice_lines`, `invoice_items` (what each invoice billed, kept when it
//! is voided) and `invoice_sequences`, and the billable tracks an invoice is generated from.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use rust_decimal::Decimal;

use super::{Cols, Result, parse_currency, to_ts};
use stint_domain::billing::GroupBy;
use stint_domain::entities::{Invoice, InvoiceLine, InvoiceStatus};
use stint_domain::money::Currency;
use stint_domain::settings::{Rounding, RoundingMode, RoundingScope};
use stint_domain::{ClientId, InvoiceId, ProjectId, TaskId, TrackId};

/// A billable, finished, not yet invoiced track with the rates and currencies that may apply.
#[derive(Debug, Clone)]
pub struct BillableRow {
    pub id: TrackId,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub timezone: String,
    pub description: String,
    pub project_id: Option<ProjectId>,
    pub project_name: Option<String>,
    pub client_id: Option<ClientId>,
    pub client_name: Option<String>,
    pub track_rate: Option<Decimal>,
    pub project_rate: Option<Decimal>,
    pub client_rate: Option<Decimal>,
    pub project_currency: Option<Currency>,
    pub client_currency: Option<Currency>,
    pub tags: Vec<String>,
    pub task_id: Option<TaskId>,
    pub task_name: Option<String>,
    pub task_rate: Option<Decimal>,
    /// The milestone of its task, and its name.
    pub milestone_id: Option<i64>,
    pub milestone_name: Option<String>,
    /// Whose track it is (`None`: the owner) and that person's name (`None`: the owner).
    pub person_id: Option<i64>,
    pub person_name: Option<String>,
}

/// Which tracks to bill: starting in `[start, end)`, of a client and/or some projects.
#[derive(Debug, Clone, Default)]
pub struct BillableQuery {
    pub start: i64,
    pub end: i64,
    pub client_id: Option<ClientId>,
    pub project_ids: Vec<ProjectId>,
    /// Only this person's tracks (`Some(None)`: the owner's); `None`: everyone's.
    pub person: Option<Option<stint_domain::PersonId>>,
}

/// Billable, finished, not yet invoiced tracks matching `q`, by start.
pub fn billable_tracks(conn: &Connection, q: &BillableQuery) -> Result<Vec<BillableRow>> {
    let mut sql = String::from(
        "SELECT t.id, t.start_at, t.end_at, t.timezone, t.description, t.project_id, p.name,
                p.client_id, c.name, t.hourly_rate, p.hourly_rate, c.hourly_rate, p.currency,
                c.currency,
                (SELECT group_concat(g.name, char(30)) FROM track_tags tt JOIN tags g ON g.id = tt.tag_id
                  WHERE tt.track_id = t.id),
                t.task_id, k.name, k.hourly_rate, k.milestone_id,
                (SELECT m.name FROM milestones m WHERE m.id = k.milestone_id),
                t.person_id, (SELECT pp.name FROM people pp WHERE pp.id = t.person_id)
           FROM tracks t
           LEFT JOIN projects p ON p.id = t.project_id
           LEFT JOIN clients c ON c.id = p.client_id
           LEFT JOIN tasks k ON k.id = t.task_id
          WHERE t.billable = 1 AND t.end_at IS NOT NULL AND t.invoice_id IS NULL AND t.draft = 0
            AND t.start_at >= ?1 AND t.start_at < ?2
            AND (?3 IS NULL OR p.client_id = ?3)",
    );
    let mut args: Vec<rusqlite::types::Value> = vec![
        q.start.into(),
        q.end.into(),
        q.client_id.map(|c| c.0).into(),
    ];
    if !q.project_ids.is_empty() {
        let marks: Vec<String> = (0..q.project_ids.len())
            .map(|i| format!("?{}", i + 4))
            .collect();
        sql.push_str(&format!(" AND t.project_id IN ({})", marks.join(", ")));
        args.extend(
            q.project_ids
                .iter()
                .map(|p| rusqlite::types::Value::from(p.0)),
        );
    }
    match q.person {
        None => {}
        Some(None) => sql.push_str(" AND t.person_id IS NULL"),
        Some(Some(p)) => {
            args.push(p.0.into());
            sql.push_str(&format!(" AND t.person_id = ?{}", args.len()));
        }
    }
    sql.push_str(" ORDER BY t.start_at, t.id");
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        let tags: Option<String> = r.get(14)?;
        let c = Cols::new(r, "tracks", "track", 0)?;
        Ok(BillableRow {
            id: TrackId(r.get(0)?),
            start: c.ts(1, "start_at")?,
            end: c.ts(2, "end_at")?,
            timezone: r.get(3)?,
            description: r.get(4)?,
            project_id: r.get::<_, Option<i64>>(5)?.map(ProjectId),
            project_name: r.get(6)?,
            client_id: r.get::<_, Option<i64>>(7)?.map(ClientId),
            client_name: r.get(8)?,
            track_rate: c.decimal_opt(9, "hourly_rate")?,
            project_rate: Cols::new(r, "projects", "project", 5)
                .and_then(|p| p.decimal_opt(10, "hourly_rate"))
                .or_else(|e| null_id(r, 5, e))?,
            client_rate: Cols::new(r, "clients", "client", 7)
                .and_then(|p| p.decimal_opt(11, "hourly_rate"))
                .or_else(|e| null_id(r, 7, e))?,
            project_currency: Cols::new(r, "projects", "project", 5)
                .and_then(|p| p.currency_opt(12, "currency"))
                .or_else(|e| null_id(r, 5, e))?,
            client_currency: Cols::new(r, "clients", "client", 7)
                .and_then(|p| p.currency_opt(13, "currency"))
                .or_else(|e| null_id(r, 7, e))?,
            tags: tags
                .map(|t| t.split('\u{1e}').map(str::to_owned).collect())
                .unwrap_or_default(),
            task_id: r.get::<_, Option<i64>>(15)?.map(TaskId),
            task_name: r.get(16)?,
            task_rate: Cols::new(r, "tasks", "task", 15)
                .and_then(|k| k.decimal_opt(17, "hourly_rate"))
                .or_else(|e| null_id(r, 15, e))?,
            milestone_id: r.get(18)?,
            milestone_name: r.get(19)?,
            person_id: r.get(20)?,
            person_name: r.get(21)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn date_text(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.format("%Y-%m-%d").to_string())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// `Ok(None)` when the id column `id_col` of a joined table is NULL (no project or client: no
/// value to decode), else the error `e`.
fn null_id<T>(r: &Row<'_>, id_col: usize, e: rusqlite::Error) -> rusqlite::Result<Option<T>> {
    match r.get::<_, Option<i64>>(id_col)? {
        None => Ok(None),
        Some(_) => Err(e),
    }
}

/// The `(group_by, grouping, grouping_v14)` columns of a grouping: `group_by` takes the four
/// values schema 1 allows, `grouping` a newer one (`task`, with `group_by` `project`; see
/// `migrations/V8__tasks.sql`), `grouping_v14` a newer one still (`milestone`, with `task` and
/// `project` in the older columns; see `migrations/V14__milestones_drafts.sql`). Read back as
/// `coalesce(grouping_v15, grouping_v14, grouping, group_by)`; `grouping_v15` holds `person`
/// (with `project` in `group_by`; see `migrations/V15__invoice_person.sql`), the fourth value.
type StoredGroupBy = (
    &'static str,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

fn stored_group_by(g: GroupBy) -> StoredGroupBy {
    match g {
        GroupBy::Person => (GroupBy::Project.as_str(), None, None, Some(g.as_str())),
        GroupBy::Task => (GroupBy::Project.as_str(), Some(g.as_str()), None, None),
        GroupBy::Milestone => (
            GroupBy::Project.as_str(),
            Some(GroupBy::Task.as_str()),
            Some(g.as_str()),
            None,
        ),
        other => (other.as_str(), None, None, None),
    }
}

/// Saves a new invoice with its lines and marks its tracks as billed on it. Returns its id.
pub fn insert(conn: &Connection, inv: &Invoice) -> Result<InvoiceId> {
    conn.execute(
        "INSERT INTO invoices (number, status, client_id, currency, period_start, period_end,
           issue_date, due_date, group_by, tax_rate_percent, subtotal, tax, total, notes,
           seller_name, seller_address, client_name, client_email, client_address, client_tax_id,
           rounding_mode, rounding_increment_minutes, rounding_scope, timezone, created_at,
           updated_at, grouping, discount_percent, discount_amount, discount, paid_on, id,
           grouping_v14, grouping_v15)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,
           ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33)",
        params![
            inv.number,
            inv.status.as_str(),
            inv.client_id.map(|c| c.0),
            inv.currency.code(),
            to_ts(inv.period_start),
            to_ts(inv.period_end),
            date_text(inv.issue_date),
            date_text(inv.due_date),
            stored_group_by(inv.group_by).0,
            inv.tax_rate_percent.to_string(),
            inv.subtotal.to_string(),
            inv.tax.to_string(),
            inv.total.to_string(),
            inv.notes,
            inv.seller_name,
            inv.seller_address,
            inv.client_name,
            inv.client_email,
            inv.client_address,
            inv.client_tax_id,
            inv.rounding.mode.as_str(),
            inv.rounding.increment_minutes,
            inv.rounding.scope.as_str(),
            inv.timezone,
            to_ts(inv.created_at),
            stored_group_by(inv.group_by).1,
            inv.discount_percent.map(|d| d.to_string()),
            inv.discount_amount.map(|d| d.to_string()),
            inv.discount.to_string(),
            date_text(inv.paid_on),
            super::sync::next_id(conn, "invoices")?,
            stored_group_by(inv.group_by).2,
            stored_group_by(inv.group_by).3,
        ],
    )?;
    let id = InvoiceId(conn.last_insert_rowid());
    let mut line_stmt = conn.prepare_cached(
        "INSERT INTO invoice_lines (invoice_id, position, description, project_id, project_name,
           line_date, duration_seconds, rounded_duration_seconds, quantity_hours, unit_rate, amount,
           tax_rate_percent, expense_id, id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
    )?;
    let mut item_stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO invoice_items (invoice_id, kind, item_id, line_position)
         VALUES (?1, ?2, ?3, ?4)",
    )?;
    let mut expense_stmt = conn.prepare_cached(
        "UPDATE expenses SET invoice_id = ?1 WHERE id = ?2 AND invoice_id IS NULL",
    )?;
    let mut track_stmt = conn.prepare_cached(
        "UPDATE tracks SET invoice_id = ?1, invoice_line_id = ?2 WHERE id = ?3 AND invoice_id IS NULL",
    )?;
    for line in &inv.lines {
        line_stmt.execute(params![
            id.0,
            line.position,
            line.description,
            line.project_id.map(|p| p.0),
            line.project_name,
            date_text(line.date),
            line.duration_seconds,
            line.rounded_duration_seconds,
            line.quantity_hours.to_string(),
            line.unit_rate.to_string(),
            line.amount.to_string(),
            // Time lines follow the invoice's rate; expense lines keep theirs.
            line.expense_id.map(|_| line.tax_rate_percent.to_string()),
            line.expense_id,
            super::sync::next_id(conn, "invoice_lines")?,
        ])?;
        let line_id = conn.last_insert_rowid();
        for t in &line.track_ids {
            track_stmt.execute(params![id.0, line_id, t.0])?;
            item_stmt.execute(params![id.0, "track", t.0, line.position])?;
        }
        if let Some(e) = line.expense_id {
            expense_stmt.execute(params![id.0, e])?;
            item_stmt.execute(params![id.0, "expense", e, line.position])?;
        }
    }
    Ok(id)
}

const SELECT: &str = "SELECT id, number, status, client_id, currency, period_start, period_end,
       issue_date, due_date, coalesce(grouping_v15, grouping_v14, grouping, group_by), tax_rate_percent, subtotal, tax, total,
       notes, seller_name,
       seller_address, client_name, client_email, client_address, client_tax_id, rounding_mode,
       rounding_increment_minutes, rounding_scope, timezone, created_at, updated_at, sent_at,
       paid_at, voided_at, discount_percent, discount_amount, discount, paid_on
  FROM invoices";

fn header(r: &Row<'_>) -> rusqlite::Result<Invoice> {
    let c = Cols::new(r, "invoices", "invoice", 0)?;
    Ok(Invoice {
        id: InvoiceId(r.get(0)?),
        number: r.get(1)?,
        status: c.parsed(2, "status", |s| InvoiceStatus::parse(s).ok())?,
        client_id: r.get::<_, Option<i64>>(3)?.map(ClientId),
        currency: c.parsed(4, "currency", parse_currency)?,
        period_start: c.ts(5, "period_start")?,
        period_end: c.ts(6, "period_end")?,
        issue_date: c.parsed_opt(7, "issue_date", parse_date)?,
        due_date: c.parsed_opt(8, "due_date", parse_date)?,
        group_by: c.parsed(9, "group_by", |g| GroupBy::parse(g).ok())?,
        tax_rate_percent: c.decimal(10, "tax_rate_percent")?,
        subtotal: c.decimal(11, "subtotal")?,
        discount_percent: c.decimal_opt(30, "discount_percent")?,
        discount_amount: c.decimal_opt(31, "discount_amount")?,
        discount: c.decimal(32, "discount")?,
        tax: c.decimal(12, "tax")?,
        total: c.decimal(13, "total")?,
        tax_summary: Vec::new(),
        paid_on: c.parsed_opt(33, "paid_on", parse_date)?,
        notes: r.get(14)?,
        seller_name: r.get(15)?,
        seller_address: r.get(16)?,
        client_name: r.get(17)?,
        client_email: r.get(18)?,
        client_address: r.get(19)?,
        client_tax_id: r.get(20)?,
        rounding: Rounding {
            mode: c.parsed(21, "rounding_mode", |m| RoundingMode::parse(m).ok())?,
            increment_minutes: r.get(22)?,
            scope: c.parsed(23, "rounding_scope", |s| RoundingScope::parse(s).ok())?,
        },
        timezone: r.get(24)?,
        created_at: c.ts(25, "created_at")?,
        updated_at: c.ts(26, "updated_at")?,
        sent_at: c.ts_opt(27, "sent_at")?,
        paid_at: c.ts_opt(28, "paid_at")?,
        voided_at: c.ts_opt(29, "voided_at")?,
        lines: Vec::new(),
    })
}

fn load_lines(conn: &Connection, inv: &mut Invoice) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT l.id, l.position, l.description, l.project_id, l.project_name, l.line_date,
                l.duration_seconds, l.rounded_duration_seconds, l.quantity_hours, l.unit_rate,
                l.amount,
                (SELECT group_concat(i.item_id) FROM invoice_items i
                  WHERE i.invoice_id = l.invoice_id AND i.kind = 'track'
                    AND i.line_position = l.position),
                l.tax_rate_percent, l.expense_id
           FROM invoice_lines l WHERE l.invoice_id = ?1 ORDER BY l.position",
    )?;
    let invoice_rate = inv.tax_rate_percent;
    let rows = stmt.query_map([inv.id.0], |r| {
        let ids: Option<String> = r.get(11)?;
        let mut track_ids: Vec<TrackId> = ids
            .unwrap_or_default()
            .split(',')
            .filter_map(|s| s.parse().ok().map(TrackId))
            .collect();
        track_ids.sort();
        let c = Cols::new(r, "invoice_lines", "invoice line", 0)?;
        Ok(InvoiceLine {
            position: r.get(1)?,
            description: r.get(2)?,
            project_id: r.get::<_, Option<i64>>(3)?.map(ProjectId),
            project_name: r.get(4)?,
            date: c.parsed_opt(5, "line_date", parse_date)?,
            duration_seconds: r.get(6)?,
            rounded_duration_seconds: r.get(7)?,
            quantity_hours: c.decimal(8, "quantity_hours")?,
            unit_rate: c.decimal(9, "unit_rate")?,
            amount: c.decimal(10, "amount")?,
            tax_rate_percent: c
                .decimal_opt(12, "tax_rate_percent")?
                .unwrap_or(invoice_rate),
            expense_id: r.get(13)?,
            track_ids,
        })
    })?;
    inv.lines = rows.collect::<rusqlite::Result<_>>()?;
    inv.tax_summary = summary_of(inv);
    Ok(())
}

/// The tax summary per rate of a loaded invoice, from its lines and its stored discount.
pub(crate) fn summary_of(inv: &Invoice) -> Vec<stint_domain::billing::TaxRow> {
    let lines: Vec<(Decimal, Decimal)> = inv
        .lines
        .iter()
        .map(|l| (l.amount, l.tax_rate_percent))
        .collect();
    stint_domain::billing::invoice_totals(
        &lines,
        stint_domain::billing::Discount::Amount(inv.discount),
        inv.currency,
    )
    .map(|t| t.by_rate)
    .unwrap_or_default()
}

/// Sets the tax rate of expense lines of invoice `id` whose expense has no rate of its own
/// (they follow the invoice's rate).
pub fn follow_invoice_tax_rate(conn: &Connection, id: InvoiceId, rate: Decimal) -> Result<()> {
    conn.execute(
        "UPDATE invoice_lines SET tax_rate_percent = ?2
          WHERE invoice_id = ?1 AND expense_id IS NOT NULL
            AND (SELECT e.tax_rate_percent FROM expenses e WHERE e.id = expense_id) IS NULL",
        params![id.0, rate.to_string()],
    )?;
    Ok(())
}

/// The invoice with this id, with its lines.
pub fn get(conn: &Connection, id: InvoiceId) -> Result<Option<Invoice>> {
    let inv = conn
        .query_row(&format!("{SELECT} WHERE id = ?1"), [id.0], header)
        .optional()?;
    match inv {
        Some(mut inv) => {
            load_lines(conn, &mut inv)?;
            Ok(Some(inv))
        }
        None => Ok(None),
    }
}

/// The id of the invoice numbered `number` (case-insensitive).
pub fn find_by_number(conn: &Connection, number: &str) -> Result<Option<InvoiceId>> {
    Ok(conn
        .query_row(
            "SELECT id FROM invoices WHERE number = ?1 COLLATE NOCASE",
            [number.trim()],
            |r| Ok(InvoiceId(r.get(0)?)),
        )
        .optional()?)
}

/// Invoices with their lines, newest first, after invoice id `after`; with `due_before`, only
/// those due before that date.
pub fn list(
    conn: &Connection,
    status: Option<InvoiceStatus>,
    client_id: Option<ClientId>,
    due_before: Option<NaiveDate>,
    after: Option<i64>,
    limit: usize,
) -> Result<Vec<Invoice>> {
    let mut stmt = conn.prepare_cached(&format!(
        "{SELECT} WHERE (?1 IS NULL OR status = ?1) AND (?2 IS NULL OR client_id = ?2)
           AND (?3 IS NULL OR id < ?3) AND (?5 IS NULL OR due_date < ?5)
         ORDER BY id DESC LIMIT ?4"
    ))?;
    let rows = stmt.query_map(
        params![
            status.map(InvoiceStatus::as_str),
            client_id.map(|c| c.0),
            after,
            limit as i64,
            date_text(due_before),
        ],
        header,
    )?;
    let mut invoices: Vec<Invoice> = rows.collect::<rusqlite::Result<_>>()?;
    for inv in &mut invoices {
        load_lines(conn, inv)?;
    }
    Ok(invoices)
}

/// Writes the header fields that change over an invoice's life.
pub fn update_header(conn: &Connection, inv: &Invoice, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE invoices SET number = ?2, status = ?3, issue_date = ?4, due_date = ?5,
           tax_rate_percent = ?6, subtotal = ?7, tax = ?8, total = ?9, notes = ?10,
           sent_at = ?11, paid_at = ?12, voided_at = ?13, updated_at = ?14,
           discount_percent = ?15, discount_amount = ?16, discount = ?17, paid_on = ?18
         WHERE id = ?1",
        params![
            inv.id.0,
            inv.number,
            inv.status.as_str(),
            date_text(inv.issue_date),
            date_text(inv.due_date),
            inv.tax_rate_percent.to_string(),
            inv.subtotal.to_string(),
            inv.tax.to_string(),
            inv.total.to_string(),
            inv.notes,
            inv.sent_at.map(to_ts),
            inv.paid_at.map(to_ts),
            inv.voided_at.map(to_ts),
            to_ts(now),
            inv.discount_percent.map(|d| d.to_string()),
            inv.discount_amount.map(|d| d.to_string()),
            inv.discount.to_string(),
            date_text(inv.paid_on),
        ],
    )?;
    Ok(())
}

/// Takes the next number of the gapless sequence `scope` (1 for a new scope).
pub fn next_sequence(conn: &Connection, scope: &str) -> Result<u32> {
    Ok(conn.query_row(
        "INSERT INTO invoice_sequences (scope, last_seq) VALUES (?1, 1)
         ON CONFLICT (scope) DO UPDATE SET last_seq = last_seq + 1
         RETURNING last_seq",
        [scope],
        |r| r.get(0),
    )?)
}

/// Releases the tracks and expenses billed on invoice `id`, so they can be edited and invoiced
/// again; `invoice_items` keeps the record of what it billed. Returns how many tracks.
pub fn release_tracks(conn: &Connection, id: InvoiceId) -> Result<usize> {
    conn.execute(
        "UPDATE expenses SET invoice_id = NULL WHERE invoice_id = ?1",
        [id.0],
    )?;
    Ok(conn.execute(
        "UPDATE tracks SET invoice_id = NULL, invoice_line_id = NULL WHERE invoice_id = ?1",
        [id.0],
    )?)
}

/// Deletes invoice `id`, its lines and its record of billed items (release its tracks first).
pub fn delete(conn: &Connection, id: InvoiceId) -> Result<()> {
    conn.execute("DELETE FROM invoice_items WHERE invoice_id = ?1", [id.0])?;
    conn.execute("DELETE FROM invoices WHERE id = ?1", [id.0])?;
    Ok(())
}
