//! Names for completion: every project, client, tag and task name and every invoice number, in
//! name order, handed to a callback so a caller can match them without collecting them all.

use rusqlite::Connection;

use super::Result;

/// Which names [`for_each`] walks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameKind {
    /// Names of projects that are not archived (a name shared by projects of two clients
    /// comes once).
    Project,
    /// Names of clients that are not archived.
    Client,
    /// Tag names.
    Tag,
    /// Numbers of issued invoices (drafts have none yet).
    InvoiceNumber,
    /// Names of tasks that are not archived (a name several projects' tasks share comes once).
    Task,
}

/// Calls `f` with each name of `kind`, ordered case-insensitively (ASCII) and without
/// duplicates; stops early when `f` returns `false`.
pub fn for_each(conn: &Connection, kind: NameKind, mut f: impl FnMut(&str) -> bool) -> Result<()> {
    let sql = match kind {
        NameKind::Project => {
            "SELECT DISTINCT name FROM projects WHERE archived = 0 ORDER BY name COLLATE NOCASE"
        }
        NameKind::Client => {
            "SELECT name FROM clients WHERE archived = 0 ORDER BY name COLLATE NOCASE"
        }
        NameKind::Tag => "SELECT name FROM tags ORDER BY name COLLATE NOCASE",
        NameKind::Task => {
            "SELECT DISTINCT name FROM tasks WHERE archived = 0 ORDER BY name COLLATE NOCASE"
        }
        NameKind::InvoiceNumber => {
            "SELECT number FROM invoices WHERE number IS NOT NULL ORDER BY number COLLATE NOCASE"
        }
    };
    let mut stmt = conn.prepare_cached(sql)?;
    let mut rows = stmt.query([])?;
    while let Some(row) = rows.next()? {
        let name = row.get_ref(0)?.as_str().map_err(rusqlite::Error::from)?;
        if !f(name) {
            break;
        }
    }
    Ok(())
}
