//! The MCP front end: tool DTOs, the rmcp tool router, and serving on stdio.
//!
//! **Architecture invariant:** this is the only module that knows JSON-RPC and rmcp. It calls
//! the [`stint_service`] API and converts its records into the shapes of [`stint_api`].

mod apps;
mod arg_errors;
mod blocking;
pub mod catalog;
pub(crate) mod completions;
pub(crate) mod conformance;
pub mod http;
pub(crate) mod notify;
pub(crate) mod prompts;
pub(crate) mod resources;
pub mod server;
pub mod stdio;
pub mod sync_http;
mod tools;

pub use server::StintServer;

/// `answer` as a tool result, with `replayed: true` when it repeats an earlier call's answer.
pub(crate) fn replayable<T>(
    answer: T,
    replayed: bool,
) -> rmcp::handler::server::wrapper::Json<stint_api::dto_changes::Replayable<T>> {
    rmcp::handler::server::wrapper::Json(stint_api::dto_changes::Replayable { answer, replayed })
}
