//! The change log: list the recorded changes and undo one.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use rmcp::RoleServer;
use rmcp::service::RequestContext;

use crate::server::{StintServer, fail};
use stint_api::dto_changes::*;

#[tool_router(router = history_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "list_changes",
        description = "List changes (writes), newest first, with summary and undo state."
    )]
    async fn list_changes(
        &self,
        Parameters(a): Parameters<ListChangesArgs>,
    ) -> Result<Json<ChangePageOut>, String> {
        let page = self.svc.list_changes(a.into()).map_err(fail)?;
        Ok(Json(ChangePageOut {
            changes: page.items.iter().map(Into::into).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "undo_change",
        description = "Undo a change (default: your latest); refused if later changes touched its rows or an issued invoice."
    )]
    async fn undo_change(
        &self,
        Parameters(a): Parameters<UndoChangeArgs>,
    ) -> Result<Json<UndoneOut>, String> {
        let u = self.svc.undo_change(a.change_id).map_err(fail)?;
        Ok(Json((&u).into()))
    }

    #[tool(
        name = "sync",
        description = "Sync with the user's other devices via the shared folder."
    )]
    async fn sync(
        &self,
        Parameters(a): Parameters<SyncArgs>,
        context: RequestContext<RoleServer>,
    ) -> Result<Json<SyncOut>, String> {
        crate::notify::progress(&context, 0.0, 1.0, "syncing with the shared folder").await;
        // Over HTTP the answer (and what is logged of it) names no path of this machine.
        let r = self
            .svc
            .sync_answer(self.svc.sync(a.folder.as_deref().map(std::path::Path::new)));
        self.log_sync(&context, &r).await;
        crate::notify::progress(&context, 1.0, 1.0, "sync finished").await;
        let r = r.map_err(fail)?;
        Ok(Json((&r).into()))
    }
}

impl StintServer {
    /// Logs a sync to the client (`notifications/message`, logger `sync`): what was sent and
    /// applied at info, each decision at info, each problem (a file skipped or refused) at
    /// warning, a failed sync at error.
    #[allow(deprecated)]
    async fn log_sync(
        &self,
        context: &RequestContext<RoleServer>,
        r: &stint_service::Result<stint_service::SyncReport>,
    ) {
        use rmcp::model::LoggingLevel;
        use serde_json::json;
        let report = match r {
            Ok(report) => report,
            Err(e) => {
                let message = format!("sync failed: {}", e.render(&stint_domain::words::ApiWords));
                (self.session)
                    .log(
                        context,
                        LoggingLevel::Error,
                        "sync",
                        json!({ "message": message }),
                    )
                    .await;
                return;
            }
        };
        let applied: usize = report.applied.iter().map(|(_, n)| n).sum();
        let message = format!(
            "sync finished: {} change(s) sent, {applied} applied from other devices",
            report.published
        );
        (self.session)
            .log(
                context,
                LoggingLevel::Info,
                "sync",
                json!({ "message": message, "sent": report.published, "applied": applied }),
            )
            .await;
        for d in report.decisions.iter().chain(&report.notes) {
            (self.session)
                .log(context, LoggingLevel::Info, "sync", json!({ "message": d }))
                .await;
        }
        for p in &report.problems {
            (self.session)
                .log(
                    context,
                    LoggingLevel::Warning,
                    "sync",
                    json!({ "message": p }),
                )
                .await;
        }
    }
}
