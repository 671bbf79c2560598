//! The shapes of stint's answers and arguments: what an MCP tool takes and returns, and what
//! the CLI prints with `--json` (the same shapes, so a script reads one format from both).
//!
//! **Architecture invariant:** shapes and their conversions from service records only: no
//! JSON-RPC, no rmcp, no terminal. Both front ends (`stint-mcp` and the CLI) depend on this
//! crate; it depends on `stint-service` and `stint-domain` for the records it converts.

pub mod dto;
pub mod dto_apps;
pub mod dto_billing;
pub mod dto_changes;
pub mod dto_people;
pub mod dto_tasks;
pub mod dto_team;
pub mod json;
pub mod json_export;
