//! Test helpers: a fresh database per test, a frozen clock, raw SQL counts; the one way to run
//! the binary ([`Stint`], [`stint`]), the one MCP client ([`Mcp`]), the slow-test switch
//! ([`slow`], [`cases`]), reading PDFs back ([`read_pdf`]) and the external tools some tests
//! need ([`require_tool`]).

// The helpers are the API every module uses; some are not used by any module yet.
#[allow(dead_code)]
mod mcp;
mod pdf_read;
#[allow(dead_code)]
mod run;
mod slow;
mod tools;

pub use mcp::{Mcp, call_line, handshake_lines, request_line, tool_result};
pub use pdf_read::{PdfFacts, read_pdf};
pub use run::{BIN, Cmd, HANG_GUARD, Output, Stint, stint};
#[allow(unused_imports)]
pub use slow::{cases, proptest_cases, proptest_config, slow};
pub use tools::{require_tool, unprivileged};

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use stint::service::{Caller, FixedClock, Frontend, Service, SettingsChanges};

/// A service on a temporary database with a frozen clock, in Europe/Berlin.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub svc: Service,
    pub clock: Arc<FixedClock>,
}

/// Default "now" of tests: Saturday 2026-11-21 12:00 UTC (13:00 in Berlin).
pub const NOW: &str = "2026-11-21T12:00:00Z";

pub fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

impl Env {
    pub fn new() -> Env {
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(FixedClock::new(utc(NOW)));
        let svc = Service::with_clock(
            &dir.path().join("stint.db"),
            Caller::local(Frontend::Cli),
            clock.clone(),
        )
        .unwrap();
        svc.update_settings(SettingsChanges {
            timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        })
        .unwrap();
        Env { dir, svc, clock }
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("stint.db")
    }

    /// Runs a `SELECT count(*) ...` on a separate connection.
    pub fn count(&self, sql: &str) -> i64 {
        let conn = rusqlite::Connection::open(self.db_path()).unwrap();
        conn.query_row(sql, [], |r| r.get(0)).unwrap()
    }

    /// A summary of every table's row count, to show that a refused call changed nothing.
    pub fn snapshot(&self) -> Vec<(String, i64)> {
        [
            "tracks",
            "track_tags",
            "projects",
            "clients",
            "tags",
            "settings",
            "audit_log",
        ]
        .iter()
        .map(|t| {
            (
                t.to_string(),
                self.count(&format!("SELECT count(*) FROM {t}")),
            )
        })
        .collect()
    }
}

/// Feeds `input` (newline-delimited JSON-RPC) to an MCP server on `env`, through the stdio
/// adapter, and returns the answer lines (see [`Mcp::batch`]).
pub fn mcp_session(env: &Env, input: &str) -> Vec<serde_json::Value> {
    Mcp::new(env).batch(input)
}
