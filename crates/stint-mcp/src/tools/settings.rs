//! The settings: get and update.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto::*;

#[tool_router(router = settings_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "get_settings",
        description = "Get the settings: zone, week start, currency, rate, rounding, invoicing, business details."
    )]
    async fn get_settings(&self) -> Result<Json<SettingsOut>, String> {
        let v = self.svc.get_settings().map_err(fail)?;
        Ok(Json((&v).into()))
    }

    #[tool(
        name = "update_settings",
        description = "Change one or more settings; each value is checked before any is saved."
    )]
    async fn update_settings(
        &self,
        Parameters(a): Parameters<UpdateSettingsArgs>,
    ) -> Result<Json<SettingsOut>, String> {
        let v = self.svc.update_settings(a.into()).map_err(fail)?;
        Ok(Json((&v).into()))
    }
}
