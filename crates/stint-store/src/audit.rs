//! Rows of `audit_log`: one per write, from any front end.

use chrono::{DateTime, Utc};
use rusqlite::{Connection, params};

use super::{Result, to_ts};

/// One audited write.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    pub at: DateTime<Utc>,
    /// `mcp-stdio`, `mcp-http` or `cli`.
    pub frontend: &'a str,
    /// Name of the bearer token, over HTTP.
    pub token_name: Option<&'a str>,
    /// The use case, e.g. `start_timer`.
    pub operation: &'a str,
    /// `track`, `project`, `client`, `tag`, `invoice`, `settings` or `token`.
    pub entity: &'a str,
    pub entity_ids: &'a [i64],
    /// Optional free text, e.g. what was stopped.
    pub detail: Option<&'a str>,
    /// The person the write was made for (`None`: the owner).
    pub person_id: Option<i64>,
}

/// Appends `entry` to the audit log (in the caller's transaction).
pub fn record(conn: &Connection, entry: &AuditEntry<'_>) -> Result<()> {
    let ids = format!(
        "[{}]",
        entry
            .entity_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(",")
    );
    conn.prepare_cached(
        "INSERT INTO audit_log (at, frontend, token_name, operation, entity, entity_ids, detail,
                                person_id)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        to_ts(entry.at),
        entry.frontend,
        entry.token_name,
        entry.operation,
        entry.entity,
        ids,
        entry.detail,
        entry.person_id
    ])?;
    Ok(())
}
