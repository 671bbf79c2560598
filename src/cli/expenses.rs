//! `stint expense add|list|edit|delete`: money billed beside time.

use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_domain::entities::Expense;
use stint_service::{ExpenseChanges, ListExpenses, NewExpense, Service};

/// `stint expense ...`.
#[derive(Debug, Subcommand)]
pub enum ExpenseCommand {
    /// Record an expense: `stint expense add 12.50 "Train to client" -p Website`.
    Add(AddExpenseArgs),
    /// List expenses, newest first.
    List(ListExpenseArgs),
    /// Change an expense that is not on an invoice.
    Edit(EditExpenseArgs),
    /// Delete an expense that is not on an invoice.
    Delete {
        /// Expense id.
        id: String,
    },
}

/// `stint expense add`.
#[derive(Debug, Args)]
pub struct AddExpenseArgs {
    /// Amount in the currency, e.g. 12.50 (at most its decimals: none for JPY).
    pub amount: String,
    /// What it was.
    pub description: String,
    /// Project id or name.
    #[arg(short, long)]
    pub project: String,
    /// Local date YYYY-MM-DD [default: today].
    #[arg(long, default_value = "today")]
    pub date: String,
    /// ISO 4217 code [default: the project's, else its client's, else the default currency].
    #[arg(long)]
    pub currency: Option<String>,
    /// Tax rate in percent [default: the invoice's].
    #[arg(long, visible_alias = "tax-rate")]
    pub tax: Option<String>,
    /// Billable (the default): it goes on the client's next invoice.
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// Not billable (kept off invoices).
    #[arg(long, alias = "no-bill", overrides_with = "billable")]
    pub no_billable: bool,
    /// Where the receipt is (stored as text, never opened).
    #[arg(long)]
    pub receipt: Option<String>,
    /// Record it even if the project has an expense of the same date, amount and description.
    #[arg(long)]
    pub allow_duplicate: bool,
}

/// `stint expense list`.
#[derive(Debug, Args)]
pub struct ListExpenseArgs {
    /// Only this project.
    #[arg(short, long)]
    pub project: Option<String>,
    /// Only this client.
    #[arg(long)]
    pub client: Option<String>,
    /// First day (included).
    #[arg(long)]
    pub from: Option<String>,
    /// Last day (included).
    #[arg(long)]
    pub to: Option<String>,
    /// Only expenses not on an invoice yet.
    #[arg(long)]
    pub unbilled: bool,
    /// Only this person's expenses (a name, an id, `me` or `owner`).
    #[arg(long)]
    pub person: Option<String>,
}

/// `stint expense edit`.
#[derive(Debug, Args)]
pub struct EditExpenseArgs {
    /// Expense id.
    pub id: String,
    /// New amount.
    #[arg(long)]
    pub amount: Option<String>,
    /// New description.
    #[arg(short, long)]
    pub description: Option<String>,
    /// New project.
    #[arg(short, long)]
    pub project: Option<String>,
    /// New date.
    #[arg(long)]
    pub date: Option<String>,
    /// New currency.
    #[arg(long)]
    pub currency: Option<String>,
    /// New tax rate in percent ("" for the invoice's).
    #[arg(long, visible_alias = "tax-rate")]
    pub tax: Option<String>,
    /// Billable (`--billable false` is taken too).
    #[arg(long, num_args = 0..=1, default_missing_value = "true", overrides_with = "no_billable")]
    pub billable: Option<bool>,
    /// Not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// New receipt path ("" removes it).
    #[arg(long)]
    pub receipt: Option<String>,
}

/// Prints an expense as one line after `verb`, or as `{"expense": ...}` with --json.
fn print_expense(e: Expense, verb: &str) {
    if super::out().json {
        println!("{}", stint_api::json::expense(e));
    } else {
        println!("{verb}{}", line(&e));
    }
}

fn line(e: &Expense) -> String {
    format!(
        "Expense {}: {} {} on {}, {} ({})",
        e.id, e.amount, e.currency, e.date, e.description, e.project_name
    )
}

/// Runs `stint expense ...`.
pub fn expense(svc: &Service, cmd: &ExpenseCommand) -> anyhow::Result<()> {
    match cmd {
        ExpenseCommand::Add(a) => {
            let e = svc.create_expense(NewExpense {
                project: a.project.clone(),
                date: a.date.clone(),
                amount: a.amount.clone(),
                currency: a.currency.clone(),
                description: a.description.clone(),
                billable: Some(!a.no_billable),
                tax_rate_percent: a.tax.clone(),
                receipt_path: a.receipt.clone(),
                allow_duplicate: a.allow_duplicate,
            })?;
            print_expense(e, "");
        }
        ExpenseCommand::List(a) => {
            let mut t = Table::new();
            t.load_preset(UTF8_FULL_CONDENSED)
                .set_content_arrangement(ContentArrangement::Dynamic);
            t.set_header([
                "id",
                "date",
                "project",
                "description",
                "amount",
                "tax %",
                "billed",
            ]);
            let mut cursor = None;
            let mut all = Vec::new();
            loop {
                let page = svc.list_expenses(ListExpenses {
                    project: a.project.clone(),
                    client: a.client.clone(),
                    from: a.from.clone(),
                    to: a.to.clone(),
                    invoiced: a.unbilled.then_some(false),
                    person: a.person.clone(),
                    limit: Some(500),
                    cursor,
                    ..Default::default()
                })?;
                let json = super::out().json;
                for e in page.items.iter().filter(|_| !json) {
                    t.add_row([
                        e.id.to_string(),
                        e.date.to_string(),
                        e.project_name.clone(),
                        e.description.clone(),
                        format!("{} {}", e.amount, e.currency),
                        e.tax_rate_percent
                            .map(|r| r.normalize().to_string())
                            .unwrap_or_default(),
                        match (e.billable, e.invoice_id) {
                            (false, _) => "not billable".to_owned(),
                            (true, Some(i)) => format!("invoice {i}"),
                            (true, None) => "unbilled".to_owned(),
                        },
                    ]);
                }
                if json {
                    all.extend(page.items);
                }
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            if super::out().json {
                println!("{}", stint_api::json::expenses(all));
            } else {
                println!("{t}");
            }
        }
        ExpenseCommand::Edit(a) => {
            let e = svc.update_expense(
                &a.id,
                ExpenseChanges {
                    project: a.project.clone(),
                    date: a.date.clone(),
                    amount: a.amount.clone(),
                    currency: a.currency.clone(),
                    description: a.description.clone(),
                    billable: if a.no_billable {
                        Some(false)
                    } else {
                        a.billable
                    },
                    tax_rate_percent: a.tax.clone(),
                    receipt_path: a.receipt.clone(),
                },
            )?;
            print_expense(e, "");
        }
        ExpenseCommand::Delete { id } => {
            let e = svc.delete_expense(id)?;
            print_expense(e, "Deleted ");
        }
    }
    Ok(())
}
