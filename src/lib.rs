//! stint: a local-first time tracker driven from an AI assistant over MCP.
//!
//! This package builds the `stint` binary and holds its human CLI ([`cli`]). The layers are
//! crates of their own under `crates/` (dependencies point down, and the compiler keeps them so):
//!
//! - `stint-mcp` (rmcp tools, JSON-RPC on stdio and HTTP) and [`cli`] (clap, terminal tables)
//!   are the front ends;
//! - `stint-service` holds the use cases, each write one transaction with an audit row;
//! - `stint-sync` holds sync between devices: the files, the folder sync, and the round
//!   through a server with its HTTP client;
//! - `stint-store` is the only crate with SQL (rusqlite, refinery migrations);
//! - `stint-render` turns the domain's views into documents (PDF invoices), without I/O;
//! - `stint-domain` holds pure rules: time parsing, validation, money, rounding, billing.
//!
//! The layer crates are re-exported under their old module names (`stint::service`, ...) for
//! the integration tests, benchmarks and fuzz targets.
//!
//! Invariants:
//! - `stint-domain` does no I/O and never reads the clock; the service gets "now" from a
//!   [`service::Clock`].
//! - Money is `rust_decimal::Decimal`; durations are whole seconds; instants are stored in UTC
//!   with the IANA zone each track was recorded in.
//! - stdout of `stint mcp` carries only JSON-RPC; logs go to stderr.

pub mod cli;

pub use stint_api as api;
pub use stint_domain as domain;
pub use stint_mcp as mcp;
pub use stint_render as render;
pub use stint_service as service;
pub use stint_store as store;
pub use stint_sync as sync;
