//! The MCP front end: tool DTOs, the rmcp tool router, and serving on stdio.
//!
//! **Architecture invariant:** this is the only module that knows JSON-RPC and rmcp. It calls
//! the [`crate::service`] API and converts its records into the DTOs of [`dto`].

pub mod dto;
pub mod dto_billing;
pub mod dto_changes;
pub mod http;
pub mod server;
pub mod stdio;

pub use server::StintServer;
