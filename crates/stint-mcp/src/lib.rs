//! The MCP front end: tool DTOs, the rmcp tool router, and serving on stdio.
//!
//! **Architecture invariant:** this is the only module that knows JSON-RPC and rmcp. It calls
//! the [`stint_service`] API and converts its records into the DTOs of [`dto`].

mod blocking;
pub mod catalog;
pub mod completions;
pub mod conformance;
pub mod dto;
pub mod dto_billing;
pub mod dto_changes;
pub mod dto_tasks;
pub mod http;
pub mod json;
pub mod json_export;
pub mod prompts;
pub mod resources;
pub mod server;
pub mod stdio;
pub mod sync_http;
mod tools;

pub use server::StintServer;
