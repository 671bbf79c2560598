//! Expenses: create, list, update and delete money billed beside time.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_billing::*;
use stint_api::dto_changes::Replayable;
use stint_service::{ExpenseChanges, ListExpenses, NewExpense};

#[tool_router(router = expenses_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "create_expense",
        description = "Record an expense on a project."
    )]
    async fn create_expense(
        &self,
        Parameters(a): Parameters<CreateExpenseArgs>,
    ) -> Result<Json<Replayable<ExpenseResultOut>>, String> {
        let rid = a.request_id.clone();
        let req = NewExpense {
            project: a.project.0,
            date: a.date,
            amount: a.amount.0,
            currency: a.currency,
            description: a.description,
            billable: a.billable,
            tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
            receipt_path: a.receipt_path,
            allow_duplicate: a.allow_duplicate.unwrap_or(false),
        };
        let (e, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.create_expense(req))
            .map_err(fail)?;
        Ok(crate::replayable(
            ExpenseResultOut { expense: e.into() },
            replayed,
        ))
    }

    #[tool(name = "list_expenses", description = "List expenses, newest first.")]
    async fn list_expenses(
        &self,
        Parameters(a): Parameters<ListExpensesArgs>,
    ) -> Result<Json<ExpensePageOut>, String> {
        let page = self
            .svc
            .list_expenses(ListExpenses {
                project: a.project.map(|r| r.0),
                client: a.client.map(|r| r.0),
                from: a.from,
                to: a.to,
                billable: a.billable,
                invoiced: a.invoiced,
                person: a.person,
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(ExpensePageOut {
            expenses: page.items.into_iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "update_expense",
        description = "Change an expense not on an invoice."
    )]
    async fn update_expense(
        &self,
        Parameters(a): Parameters<UpdateExpenseArgs>,
    ) -> Result<Json<ExpenseResultOut>, String> {
        let e = self
            .svc
            .update_expense(
                &a.expense_id.0,
                ExpenseChanges {
                    project: a.project.map(|r| r.0),
                    date: a.date,
                    amount: a.amount.map(|d| d.0),
                    currency: None,
                    description: a.description,
                    billable: a.billable,
                    tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
                    receipt_path: a.receipt_path,
                },
            )
            .map_err(fail)?;
        Ok(Json(ExpenseResultOut { expense: e.into() }))
    }

    #[tool(
        name = "delete_expense",
        description = "Delete an expense not on an invoice."
    )]
    async fn delete_expense(
        &self,
        Parameters(a): Parameters<ExpenseRefArgs>,
    ) -> Result<Json<ExpenseResultOut>, String> {
        let e = self.svc.delete_expense(&a.expense_id.0).map_err(fail)?;
        Ok(Json(ExpenseResultOut { expense: e.into() }))
    }
}
