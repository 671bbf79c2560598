//! stint: a local-first time tracker driven from an AI assistant over MCP.
//!
//! Crate map (dependencies point down):
//!
//! - [`cli`] (clap, terminal tables) and [`mcp`] (rmcp tools, JSON-RPC on stdio) are front ends;
//! - [`service`] holds the use cases, each write one transaction with an audit row;
//! - [`store`] is the only module with SQL (rusqlite, refinery migrations);
//! - [`domain`] holds pure rules: time parsing and splitting, validation, money, settings.
//! - [`render`] turns the domain's views into documents (PDF invoices), without I/O.
//!
//! Invariants:
//! - `domain` does no I/O and never reads the clock; the service gets "now" from a
//!   [`service::Clock`].
//! - Money is `rust_decimal::Decimal`; durations are whole seconds; instants are stored in UTC
//!   with the IANA zone each track was recorded in.
//! - Only `mcp` knows JSON-RPC and rmcp; only `cli` knows clap and terminal output.
//! - stdout of `stint mcp` carries only JSON-RPC; logs go to stderr.

pub mod cli;
pub mod domain;
pub mod mcp;
pub mod render;
pub mod service;
pub mod store;
