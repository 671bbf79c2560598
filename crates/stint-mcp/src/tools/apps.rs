//! `show_week`, the tool that opens the week timesheet app (`ui://stint/week`). It is served
//! only to clients that announce the MCP Apps extension (see [`crate::apps`]); its answer is
//! `time_summary`'s for the week grouped by day and project, as `stint week --json` prints.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_apps::ShowWeekArgs;
use stint_api::dto_billing::SummaryOut;
use stint_service::TimeSummary;

#[tool_router(router = apps_router, vis = "pub(crate)")]
impl StintServer {
    #[tool(
        name = "show_week",
        description = "Show a week (default: this week) as a timesheet: hours per day and project as bars with totals, the running timer, and each day's tracks on a click. Answers as time_summary grouped by day,project."
    )]
    async fn show_week(
        &self,
        Parameters(a): Parameters<ShowWeekArgs>,
    ) -> Result<Json<SummaryOut>, String> {
        let day = match a.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => self.svc.read_day(d).map_err(fail)?,
            None => self.svc.today().map_err(fail)?,
        };
        let (first, last) = self.svc.week_of(day).map_err(fail)?;
        let s = self
            .svc
            .time_summary(TimeSummary {
                from: first.to_string(),
                to: last.to_string(),
                group_by: vec!["day".to_owned(), "project".to_owned()],
                project: a.project.map(|r| r.0),
                client: a.client.map(|r| r.0),
                tag: a.tag.map(|r| r.0),
                billable: None,
                milestone: None,
                person: None,
            })
            .map_err(fail)?;
        Ok(Json((&s).into()))
    }
}
