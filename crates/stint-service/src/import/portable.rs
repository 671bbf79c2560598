//! stint's portable copy of a database: `stint db export --json FILE` writes it, `stint import
//! FILE` reads it back into an empty database, identically.
//!
//! The copy is one JSON object:
//!
//! ```json
//! {"format": "stint-export", "version": 1, "schema_version": 6,
//!  "exported_at": "2026-11-29T10:00:00Z",
//!  "tables": [{"name": "clients", "columns": ["id", "name", ...], "rows": [[1, "Acme", ...]]}]}
//! ```
//!
//! It holds every table of user data and settings (clients, projects, tags, tracks and running
//! timers, invoices with their lines, invoice numbering, settings, and tables later versions
//! add), never the change and audit logs, request ids or API tokens. Values keep their SQLite
//! type: integers and reals as JSON numbers, text as strings, blobs as `{"base64": "..."}`.
//! Times are what the database stores (Unix seconds, UTC); money is decimal text, never a
//! float. Columns are matched by name, so a copy made by an older stint (fewer columns) reads
//! into a newer one; a copy from a newer schema is refused.

use std::io::{Read, Write};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::{ImportOptions, ImportProgress, ImportReport, ImportSummary, invalid};
use crate::{Result, Service, ServiceError};
use stint_store::portable::{self as store_portable, Cell, TableInfo};

/// The `format` of a portable copy.
pub const EXPORT_FORMAT: &str = "stint-export";

/// The `version` of the copy's layout this build writes and reads.
pub const EXPORT_VERSION: i64 = 1;

/// Rows per table of a portable copy written or restored, in table order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PortableSummary {
    pub tables: Vec<(String, usize)>,
}

impl PortableSummary {
    /// Rows of `table`, 0 when absent.
    pub fn rows(&self, table: &str) -> usize {
        self.tables
            .iter()
            .find(|(t, _)| t == table)
            .map_or(0, |(_, n)| *n)
    }
}

fn cell_json(c: &Cell) -> Value {
    match c {
        Cell::Null => Value::Null,
        Cell::Integer(n) => json!(n),
        Cell::Real(x) => json!(x),
        Cell::Text(t) => json!(t),
        Cell::Blob(b) => json!({ "base64": base64::engine::general_purpose::STANDARD.encode(b) }),
    }
}

fn json_cell(v: &Value) -> Option<Cell> {
    Some(match v {
        Value::Null => Cell::Null,
        Value::Number(n) => match n.as_i64() {
            Some(i) => Cell::Integer(i),
            None => Cell::Real(n.as_f64()?),
        },
        Value::String(s) => Cell::Text(s.clone()),
        Value::Bool(b) => Cell::Integer(i64::from(*b)),
        Value::Object(o) => Cell::Blob(
            base64::engine::general_purpose::STANDARD
                .decode(o.get("base64")?.as_str()?)
                .ok()?,
        ),
        Value::Array(_) => return None,
    })
}

fn io(e: std::io::Error) -> ServiceError {
    ServiceError::Conflict(
        format!("cannot write the copy ({e}); nothing was kept, free space or pick another path")
            .into(),
    )
}

fn bad_copy(reason: impl std::fmt::Display) -> ServiceError {
    invalid(format!(
        "this stint export cannot be read: {reason} (nothing was imported)"
    ))
}

impl Service {
    /// Writes the portable copy of the database to `out` (see the module docs), from one read
    /// snapshot, row by row (memory does not grow with the database).
    ///
    /// # Errors
    /// Store errors; writing to `out` failed.
    pub fn export_portable(&self, out: &mut dyn Write) -> Result<PortableSummary> {
        let exported_at = self
            .now()
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let schema_version = self.schema_version()?;
        self.read(|ctx| {
            let mut summary = PortableSummary::default();
            write!(
                out,
                "{{\"format\":\"{EXPORT_FORMAT}\",\"version\":{EXPORT_VERSION},\
                 \"schema_version\":{schema_version},\"exported_at\":\"{exported_at}\",\
                 \"tables\":["
            )
            .map_err(io)?;
            for (i, table) in store_portable::tables(ctx.tx)?.iter().enumerate() {
                let head = json!({"name": table.name, "columns": table.columns});
                let head = serde_json::to_string(&head).map_err(|e| io(e.into()))?;
                // `{"columns":[...],"name":"..."` then the rows, then `]}`.
                let open = head.trim_end_matches('}');
                write!(out, "{}\n{open},\"rows\":[", if i > 0 { "," } else { "" }).map_err(io)?;
                let mut n = 0usize;
                store_portable::for_each_row(ctx.tx, table, |cells| -> Result<()> {
                    let row = Value::Array(cells.iter().map(cell_json).collect());
                    if n > 0 {
                        out.write_all(b",").map_err(io)?;
                    }
                    out.write_all(b"\n").map_err(io)?;
                    serde_json::to_writer(&mut *out, &row).map_err(|e| io(e.into()))?;
                    n += 1;
                    Ok(())
                })?;
                out.write_all(b"]}").map_err(io)?;
                summary.tables.push((table.name.clone(), n));
            }
            out.write_all(b"\n]}\n").map_err(io)?;
            out.flush().map_err(io)?;
            Ok(summary)
        })
    }

    /// Restores a portable copy into this database, which must hold no data (settings aside:
    /// the copy's replace them), in one transaction; rolled back for a dry run.
    pub(super) fn import_portable(
        &self,
        input: impl Read,
        options: &ImportOptions,
        progress: &dyn ImportProgress,
    ) -> Result<ImportReport> {
        let doc = read_copy(input)?;
        let tables = self.copy_tables(&doc)?;
        let rows_total: usize = tables
            .iter()
            .map(|t| t.get("rows").and_then(Value::as_array).map_or(0, Vec::len))
            .sum();
        progress.checked(rows_total);
        let restored = self.restore_copy(tables, options, progress)?;
        let tracks = restored.rows("tracks");
        Ok(ImportReport {
            format: super::ImportFormat::StintJson,
            timezone: self.get_settings()?.effective_timezone.name().to_owned(),
            dry_run: options.dry_run,
            summary: ImportSummary {
                rows: rows_total,
                imported: tracks,
                created_projects: restored.rows("projects"),
                created_clients: restored.rows("clients"),
                created_tags: restored.rows("tags"),
                ..ImportSummary::default()
            },
            preview: Vec::new(),
            restored: Some(restored),
        })
    }

    /// The `tables` list of a portable copy, once its header is checked, in this order: the
    /// `format`, the layout `version`, and a `schema_version` no newer than this database's.
    fn copy_tables<'d>(&self, doc: &'d Map<String, Value>) -> Result<&'d Vec<Value>> {
        if doc.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) {
            return Err(bad_copy(format!("its \"format\" is not {EXPORT_FORMAT:?}")));
        }
        match doc.get("version").and_then(Value::as_i64) {
            Some(EXPORT_VERSION) => {}
            other => {
                return Err(bad_copy(format!(
                    "its version is {other:?}, this stint reads version {EXPORT_VERSION}; \
                     upgrade stint"
                )));
            }
        }
        let ours = self.schema_version()?;
        let theirs = doc
            .get("schema_version")
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if theirs > ours {
            return Err(bad_copy(format!(
                "it was made by a newer stint (schema {theirs}, this one has {ours}); upgrade \
                 stint and import again"
            )));
        }
        doc.get("tables")
            .and_then(Value::as_array)
            .ok_or_else(|| bad_copy("it has no \"tables\" list"))
    }

    /// Writes the copy's `tables` into this empty database in one transaction (foreign keys
    /// checked at commit), then checkpoints; a dry run is rolled back once every row went in.
    /// Gives the rows restored per table, in the copy's order.
    fn restore_copy(
        &self,
        tables: &[Value],
        options: &ImportOptions,
        progress: &dyn ImportProgress,
    ) -> Result<PortableSummary> {
        let mut restored = PortableSummary::default();
        let mut finished = false;
        let outcome = self.write("import_stint_json", |ctx| {
            let known = store_portable::tables(ctx.tx)?;
            refuse_unless_empty(ctx, &known)?;
            store_portable::defer_foreign_keys(ctx.tx)?;
            let mut done = 0usize;
            for t in tables {
                let (name, rows) = restore_table(ctx, &known, t, &mut done, progress)?;
                restored.tables.push((name.to_owned(), rows));
            }
            ctx.audit(
                "database",
                &[],
                Some(&format!("restored {done} rows from a stint export")),
            )?;
            progress.written(done);
            finished = true;
            if options.dry_run {
                return Err(ServiceError::Conflict(
                    super::DRY_RUN_ROLLBACK.to_owned().into(),
                ));
            }
            Ok(())
        });
        match outcome {
            Ok(()) => self.checkpoint(),
            Err(ServiceError::Conflict(m))
                if options.dry_run && finished && m == super::DRY_RUN_ROLLBACK.into() => {}
            Err(e) => return Err(e),
        }
        Ok(restored)
    }
}

/// Reads and parses a whole portable copy (a JSON object).
fn read_copy(mut input: impl Read) -> Result<Map<String, Value>> {
    let mut bytes = Vec::new();
    input
        .read_to_end(&mut bytes)
        .map_err(|e| bad_copy(format!("cannot read the file ({e})")))?;
    serde_json::from_slice(&bytes).map_err(|e| bad_copy(format!("line {}: {e}", e.line())))
}

/// Refuses (a conflict, naming the first such table) a database with rows in any of the
/// `known` tables but settings.
fn refuse_unless_empty(ctx: &crate::Ctx<'_>, known: &[TableInfo]) -> Result<()> {
    for t in known {
        if t.name != "settings" && store_portable::count_rows(ctx.tx, &t.name)? > 0 {
            return Err(ServiceError::Conflict(
                format!(
                    "a stint export is restored only into an empty database, and this one \
                 has {} rows; import it with --db pointing at a new file (nothing was \
                 imported)",
                    t.name
                )
                .into(),
            ));
        }
    }
    Ok(())
}

/// Restores one table `t` of a copy (settings replace this database's), adding its rows to
/// `done` and reporting every [`super::BATCH_ROWS`]; gives its name and row count.
///
/// Checks, in this order: a name, a table this build knows, columns that are names this
/// build knows, then each row in turn.
fn restore_table<'t>(
    ctx: &crate::Ctx<'_>,
    known: &[TableInfo],
    t: &'t Value,
    done: &mut usize,
    progress: &dyn ImportProgress,
) -> Result<(&'t str, usize)> {
    let name = t
        .get("name")
        .and_then(Value::as_str)
        .ok_or_else(|| bad_copy("a table has no name"))?;
    let info: &TableInfo = known
        .iter()
        .find(|k| k.name == name)
        .ok_or_else(|| bad_copy(format!("this stint has no table {name:?}; upgrade stint")))?;
    let columns: Vec<String> = t
        .get("columns")
        .and_then(Value::as_array)
        .ok_or_else(|| bad_copy(format!("table {name} has no columns")))?
        .iter()
        .map(|c| c.as_str().map(str::to_owned))
        .collect::<Option<_>>()
        .ok_or_else(|| bad_copy(format!("table {name} has a column that is not a name")))?;
    if let Some(c) = columns.iter().find(|c| !info.columns.contains(c)) {
        return Err(bad_copy(format!(
            "table {name} has a column {c:?} this stint does not know; upgrade stint"
        )));
    }
    if name == "settings" {
        store_portable::clear(ctx.tx, name)?;
    }
    let rows = t
        .get("rows")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    restore_rows(ctx, name, &columns, rows, done, progress)?;
    Ok((name, rows.len()))
}

/// Inserts the `rows` of table `name` (each an array of one value per column), counting them
/// in `done`. A refused row is named by its id where the table has one (issue 18: errors name
/// the entry, not its ordinal).
fn restore_rows(
    ctx: &crate::Ctx<'_>,
    name: &str,
    columns: &[String],
    rows: &[Value],
    done: &mut usize,
    progress: &dyn ImportProgress,
) -> Result<()> {
    let id_column = columns.iter().position(|c| c == "id");
    for (i, row) in rows.iter().enumerate() {
        let label = match id_column.and_then(|c| row.as_array()?.get(c)?.as_i64()) {
            Some(id) => format!("{name} row id {id} (row {} of the table)", i + 1),
            None => format!("row {} of table {name}", i + 1),
        };
        let cells: Vec<Cell> = row
            .as_array()
            .filter(|r| r.len() == columns.len())
            .and_then(|r| r.iter().map(json_cell).collect())
            .ok_or_else(|| bad_copy(format!("{label} does not have {} values", columns.len())))?;
        store_portable::insert_row(ctx.tx, name, columns, &cells)
            .map_err(|e| bad_copy(format!("{label} was refused ({e})")))?;
        *done += 1;
        if done.is_multiple_of(super::BATCH_ROWS) {
            progress.written(*done);
        }
    }
    Ok(())
}
