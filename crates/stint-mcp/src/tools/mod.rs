//! The tools, one module per toolset of [`crate::catalog::Toolset`] (tasks, of the
//! catalog toolset, in a module of their own).

mod analytics;
mod apps;
mod billing;
mod catalog;
mod expenses;
mod history;
mod milestones;
mod settings;
mod tasks;
mod team;
mod tracks;

use rmcp::handler::server::router::tool::ToolRouter;

use crate::server::StintServer;

/// Every tool of the catalogue in one router.
pub(crate) fn router() -> ToolRouter<StintServer> {
    StintServer::tracks_router()
        + StintServer::catalog_router()
        + StintServer::billing_router()
        + StintServer::analytics_router()
        + StintServer::settings_router()
        + StintServer::history_router()
        + StintServer::tasks_router()
        + StintServer::expenses_router()
        + StintServer::team_router()
        + StintServer::milestones_router()
}

/// The tools served only to clients that announce the MCP Apps extension (`show_week`).
pub(crate) fn apps_router() -> ToolRouter<StintServer> {
    StintServer::apps_router()
}
