//! Summaries, top projects, budget status and unbilled work.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_billing::*;
use stint_service::TimeSummary;

#[tool_router(router = analytics_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "time_summary",
        description = "Sum time in a range by one or two groupings, rounded and not, with amounts; a track counts in the period it starts in."
    )]
    async fn time_summary(
        &self,
        Parameters(a): Parameters<TimeSummaryArgs>,
    ) -> Result<Json<SummaryOut>, String> {
        let s = self
            .svc
            .time_summary(TimeSummary {
                from: a.from,
                to: a.to,
                group_by: a.group_by,
                project: a.project.map(|r| r.0),
                client: a.client.map(|r| r.0),
                tag: a.tag.map(|r| r.0),
                billable: a.billable,
                milestone: a.milestone.map(|r| r.0),
                person: a.person,
            })
            .map_err(fail)?;
        Ok(Json((&s).into()))
    }

    #[tool(
        name = "top_projects",
        description = "Rank the projects with the most tracked time in a range, with each one's share."
    )]
    async fn top_projects(
        &self,
        Parameters(a): Parameters<TopProjectsArgs>,
    ) -> Result<Json<TopProjectsOut>, String> {
        let (s, shares) = self
            .svc
            .top_projects(&a.from, &a.to, a.limit)
            .map_err(fail)?;
        Ok(Json(TopProjectsOut {
            from: stint_api::dto_billing::zoned(s.start, s.timezone),
            to: stint_api::dto_billing::zoned(s.end, s.timezone),
            period: stint_api::dto_billing::PeriodOut::new(s.start, s.end, s.timezone),
            projects: s
                .rows
                .iter()
                .zip(shares)
                .map(|(r, share)| TopProjectOut {
                    project_id: r.keys[0].id,
                    project: r.keys[0].value.clone(),
                    client_id: r.project_client.as_ref().map(|c| c.0),
                    client: r.project_client.as_ref().map(|c| c.1.clone()),
                    share_percent: share,
                    figures: (&r.figures).into(),
                })
                .collect(),
            totals: (&s.totals).into(),
        }))
    }

    #[tool(
        name = "budget_status",
        description = "Hours and money used of each project's budget in its current period: ok, alert or over."
    )]
    async fn budget_status(
        &self,
        Parameters(a): Parameters<BudgetStatusArgs>,
    ) -> Result<Json<BudgetsOut>, String> {
        let reports = self
            .svc
            .budget_status(a.project.as_ref().map(|r| r.0.as_str()))
            .map_err(fail)?;
        Ok(Json(BudgetsOut {
            budgets: reports.iter().map(Into::into).collect(),
        }))
    }

    #[tool(
        name = "unbilled_summary",
        description = "Sum billable work not yet invoiced, by client and project, with amounts."
    )]
    async fn unbilled_summary(
        &self,
        Parameters(a): Parameters<UnbilledSummaryArgs>,
    ) -> Result<Json<SummaryOut>, String> {
        let s = self
            .svc
            .unbilled_summary_for(
                a.client.as_ref().map(|r| r.0.as_str()),
                a.from.as_deref(),
                a.to.as_deref(),
                a.person.as_deref(),
            )
            .map_err(fail)?;
        Ok(Json((&s).into()))
    }
}
