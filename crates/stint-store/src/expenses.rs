//! Rows of `expenses`: money billed beside time, held by an invoice like tracks.
//!
//! Amounts are stored as integers in minor units of the expense's currency (cents, yen, fils);
//! dates as local `YYYY-MM-DD` text.

use chrono::{DateTime, NaiveDate, Utc};
use rusqlite::{Connection, OptionalExtension, Row, params, params_from_iter};
use rust_decimal::Decimal;

use super::{Cols, Result, parse_currency, to_ts};
use stint_domain::entities::Expense;
use stint_domain::money::Currency;
use stint_domain::{ClientId, ExpenseId, InvoiceId, ProjectId};

const SELECT: &str = "SELECT e.id, e.project_id, p.name, e.expense_date, e.amount_minor,
       e.currency, e.description, e.billable, e.tax_rate_percent, e.receipt_path, e.invoice_id,
       e.created_at, e.updated_at, e.draft, e.draft_of, e.person_id
  FROM expenses e JOIN projects p ON p.id = e.project_id";

fn minor(amount: Decimal) -> i64 {
    i64::try_from(amount.mantissa()).unwrap_or(i64::MAX)
}

fn from_row(r: &Row<'_>) -> rusqlite::Result<Expense> {
    let c = Cols::new(r, "expenses", "expense", 0)?;
    let currency: Currency = c.parsed(5, "currency", parse_currency)?;
    let units: i64 = r.get(4)?;
    Ok(Expense {
        id: ExpenseId(r.get(0)?),
        project_id: ProjectId(r.get(1)?),
        project_name: r.get(2)?,
        date: c.parsed(3, "expense_date", |s| {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
        })?,
        amount: Decimal::new(units, currency.minor_units()),
        currency,
        description: r.get(6)?,
        billable: r.get(7)?,
        tax_rate_percent: c.decimal_opt(8, "tax_rate_percent")?,
        receipt_path: r.get(9)?,
        invoice_id: r.get::<_, Option<i64>>(10)?.map(InvoiceId),
        created_at: c.ts(11, "created_at")?,
        updated_at: c.ts(12, "updated_at")?,
        draft: r.get(13)?,
        draft_of: r.get::<_, Option<i64>>(14)?.map(ExpenseId),
        person_id: r.get::<_, Option<i64>>(15)?.map(stint_domain::PersonId),
    })
}

/// Inserts an expense (its `id`, `invoice_id` and timestamps are ignored; `draft` and
/// `draft_of` are written) and returns its id. `amount` must carry the currency's minor-unit
/// decimals.
pub fn insert(conn: &Connection, e: &Expense, now: DateTime<Utc>) -> Result<ExpenseId> {
    conn.execute(
        "INSERT INTO expenses (project_id, expense_date, amount_minor, currency, description,
           billable, tax_rate_percent, receipt_path, created_at, updated_at, id, draft, draft_of,
           person_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10, ?11, ?12, ?13)",
        params![
            e.project_id.0,
            e.date.format("%Y-%m-%d").to_string(),
            minor(e.amount),
            e.currency.code(),
            e.description,
            e.billable,
            e.tax_rate_percent.map(|t| t.to_string()),
            e.receipt_path,
            to_ts(now),
            super::sync::next_id(conn, "expenses")?,
            e.draft,
            e.draft_of.map(|d| d.0),
            e.person_id.map(|p| p.0),
        ],
    )?;
    Ok(ExpenseId(conn.last_insert_rowid()))
}

/// Writes every field of expense `e.id` but its invoice and its draft state.
pub fn update(conn: &Connection, e: &Expense, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE expenses SET project_id = ?2, expense_date = ?3, amount_minor = ?4, currency = ?5,
           description = ?6, billable = ?7, tax_rate_percent = ?8, receipt_path = ?9,
           updated_at = ?10
         WHERE id = ?1",
        params![
            e.id.0,
            e.project_id.0,
            e.date.format("%Y-%m-%d").to_string(),
            minor(e.amount),
            e.currency.code(),
            e.description,
            e.billable,
            e.tax_rate_percent.map(|t| t.to_string()),
            e.receipt_path,
            to_ts(now),
        ],
    )?;
    Ok(())
}

/// The expense with this id.
pub fn get(conn: &Connection, id: ExpenseId) -> Result<Option<Expense>> {
    Ok(conn
        .query_row(&format!("{SELECT} WHERE e.id = ?1"), [id.0], from_row)
        .optional()?)
}

/// Makes expense `id` a draft or an approved expense; an approved expense holds no edit back.
pub fn set_draft(conn: &Connection, id: ExpenseId, draft: bool, now: DateTime<Utc>) -> Result<()> {
    conn.execute(
        "UPDATE expenses SET draft = ?2, draft_of = CASE WHEN ?2 THEN draft_of END,
           updated_at = ?3
         WHERE id = ?1",
        params![id.0, draft, to_ts(now)],
    )?;
    Ok(())
}

/// The draft holding back an edit of approved expense `id`, if any.
pub fn draft_edit_of(conn: &Connection, id: ExpenseId) -> Result<Option<ExpenseId>> {
    Ok(conn
        .prepare_cached("SELECT id FROM expenses WHERE draft_of = ?1 ORDER BY id LIMIT 1")?
        .query_row([id.0], |r| Ok(ExpenseId(r.get(0)?)))
        .optional()?)
}

/// Draft expenses, oldest id first, from `ids` (every draft when empty), at most `limit`.
pub fn drafts(conn: &Connection, ids: &[ExpenseId], limit: usize) -> Result<Vec<Expense>> {
    let list: Vec<String> = ids.iter().map(|i| i.0.to_string()).collect();
    let only = if ids.is_empty() {
        String::new()
    } else {
        format!(" AND e.id IN ({})", list.join(","))
    };
    let mut stmt = conn.prepare(&format!(
        "{SELECT} WHERE e.draft = 1{only} ORDER BY e.id LIMIT {}",
        i64::try_from(limit).unwrap_or(i64::MAX)
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes expense `id` and the drafts holding back edits of it.
pub fn delete(conn: &Connection, id: ExpenseId) -> Result<()> {
    conn.execute("DELETE FROM expenses WHERE draft_of = ?1", [id.0])?;
    conn.execute("DELETE FROM expenses WHERE id = ?1", [id.0])?;
    Ok(())
}

/// Which expenses to list: all filters optional; dates inclusive.
#[derive(Debug, Clone, Default)]
pub struct ExpenseFilter {
    pub project_id: Option<ProjectId>,
    pub client_id: Option<ClientId>,
    pub project_ids: Vec<ProjectId>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    pub billable: Option<bool>,
    pub invoiced: Option<bool>,
    /// Only drafts (`Some(true)`) or only approved expenses (`Some(false)`).
    pub draft: Option<bool>,
    /// Expenses of one person: `Some(None)` the owner's.
    pub person: Option<Option<stint_domain::PersonId>>,
}

/// Expenses matching `f`, newest date first (then id), after `(date, id)`, at most `limit`.
pub fn list(
    conn: &Connection,
    f: &ExpenseFilter,
    after: Option<(NaiveDate, i64)>,
    limit: usize,
) -> Result<Vec<Expense>> {
    let day = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m-%d").to_string());
    let mut sql = format!(
        "{SELECT} WHERE (?1 IS NULL OR e.project_id = ?1) AND (?2 IS NULL OR p.client_id = ?2)
           AND (?3 IS NULL OR e.expense_date >= ?3) AND (?4 IS NULL OR e.expense_date <= ?4)
           AND (?5 IS NULL OR e.billable = ?5)
           AND (?6 IS NULL OR (e.invoice_id IS NOT NULL) = ?6)
           AND (?7 IS NULL OR (e.expense_date, e.id) < (?7, ?8))
           AND (?9 IS NULL OR ifnull(e.person_id, 0) = ?9)"
    );
    if let Some(d) = f.draft {
        sql.push_str(if d {
            " AND e.draft = 1"
        } else {
            " AND e.draft = 0"
        });
    }
    let mut args: Vec<rusqlite::types::Value> = vec![
        f.project_id.map(|p| p.0).into(),
        f.client_id.map(|c| c.0).into(),
        day(f.from).into(),
        day(f.to).into(),
        f.billable.into(),
        f.invoiced.into(),
        day(after.map(|a| a.0)).into(),
        after.map(|a| a.1).into(),
        f.person.map(|p| p.map_or(0, |p| p.0)).into(),
    ];
    if !f.project_ids.is_empty() {
        let marks: Vec<String> = (0..f.project_ids.len())
            .map(|i| format!("?{}", i + 10))
            .collect();
        sql.push_str(&format!(" AND e.project_id IN ({})", marks.join(", ")));
        args.extend(f.project_ids.iter().map(|p| p.0.into()));
    }
    sql.push_str(&format!(
        " ORDER BY e.expense_date DESC, e.id DESC LIMIT {}",
        limit.min(i64::MAX as usize)
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(args), from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Billable expenses summed per project and currency.
#[derive(Debug, Clone)]
pub struct ExpenseSum {
    pub client_id: Option<ClientId>,
    pub project_id: ProjectId,
    pub currency: String,
    /// Minor units of `currency`.
    pub amount_minor: i64,
}

/// Billable expenses dated `from..=to`, of a project and/or client, invoiced or not (all when
/// `None`), summed per project and currency.
pub fn sums(
    conn: &Connection,
    from: NaiveDate,
    to: NaiveDate,
    project_id: Option<ProjectId>,
    client_id: Option<ClientId>,
    invoiced: Option<bool>,
) -> Result<Vec<ExpenseSum>> {
    let mut stmt = conn.prepare_cached(
        "SELECT p.client_id, e.project_id, e.currency, sum(e.amount_minor)
           FROM expenses e JOIN projects p ON p.id = e.project_id
          WHERE e.billable = 1 AND e.draft = 0
            AND e.expense_date >= ?1 AND e.expense_date <= ?2
            AND (?3 IS NULL OR e.project_id = ?3) AND (?4 IS NULL OR p.client_id = ?4)
            AND (?5 IS NULL OR (e.invoice_id IS NOT NULL) = ?5)
          GROUP BY p.client_id, e.project_id, e.currency",
    )?;
    let rows = stmt.query_map(
        params![
            from.format("%Y-%m-%d").to_string(),
            to.format("%Y-%m-%d").to_string(),
            project_id.map(|p| p.0),
            client_id.map(|c| c.0),
            invoiced,
        ],
        |r| {
            Ok(ExpenseSum {
                client_id: r.get::<_, Option<i64>>(0)?.map(ClientId),
                project_id: ProjectId(r.get(1)?),
                currency: r.get(2)?,
                amount_minor: r.get(3)?,
            })
        },
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many expenses project `id` has.
pub fn count_for_project(conn: &Connection, id: ProjectId) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT count(*) FROM expenses WHERE project_id = ?1",
        [id.0],
        |r| r.get(0),
    )?)
}

/// The first expense (by id) of project `e.project_id` with exactly `e`'s date, amount,
/// currency and description: an exact repeat of an expense about to be recorded.
pub fn find_same(conn: &Connection, e: &Expense) -> Result<Option<ExpenseId>> {
    Ok(conn
        .prepare_cached(
            "SELECT id FROM expenses
              WHERE project_id = ?1 AND expense_date = ?2 AND amount_minor = ?3
                AND currency = ?4 AND description = ?5
              ORDER BY id LIMIT 1",
        )?
        .query_row(
            params![
                e.project_id.0,
                e.date.format("%Y-%m-%d").to_string(),
                minor(e.amount),
                e.currency.code(),
                e.description
            ],
            |r| Ok(ExpenseId(r.get(0)?)),
        )
        .optional()?)
}

/// How many drafts `expenses` holds.
pub fn draft_count(conn: &Connection) -> Result<i64> {
    Ok(
        conn.query_row("SELECT count(*) FROM expenses WHERE draft = 1", [], |r| {
            r.get(0)
        })?,
    )
}
