//! The change log: list the recorded changes and undo one.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

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
    async fn sync(&self, Parameters(a): Parameters<SyncArgs>) -> Result<Json<SyncOut>, String> {
        // Over HTTP the answer names no path of this machine.
        let r = self
            .svc
            .sync_answer(self.svc.sync(a.folder.as_deref().map(std::path::Path::new)))
            .map_err(fail)?;
        Ok(Json((&r).into()))
    }
}
