//! The change log and undo, and retry-safe creates (`request_id`).
//!
//! Every write transaction appends one change (see [`stint_store::changes`]): what changed (a
//! SQLite session changeset), when, through which front end and token, which use case, a
//! readable summary, the device and a hybrid logical clock stamp. [`Service::undo_change`]
//! applies a change's inverse, all or nothing, as a change of its own (`undo_of`), so an undo
//! can be undone too.
//!
//! A create call run through [`Service::once`] with a `request_id` records that id in the same
//! transaction as what it created; a repeat with the same id by the same caller within
//! [`REQUEST_ID_TTL_SECONDS`] returns the record the first call made and writes nothing.

use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};

use super::{Ctx, Page, Result, Service, ServiceError, page_size, system_time_zone};
use stint_domain::DomainError;
use stint_domain::msg;
use stint_domain::words::{Act, Arg, Msg, Name};
use stint_store as store;
use stint_store::changes::{self as log, ChangeRow, Clash, RowChange, RowOp, Value};

/// How long a request id is remembered, in seconds (24 hours).
pub const REQUEST_ID_TTL_SECONDS: i64 = 24 * 3600;

/// Longest request id, in characters.
pub const MAX_REQUEST_ID_CHARS: usize = 200;

/// How many row phrases a summary spells out before "and N more".
const SUMMARY_PHRASES: usize = 4;

/// Above this many row changes, a summary counts rows per table instead of naming them.
const BULK_ROWS: usize = 50;

/// How many keys per table `rows` lists before "+N more".
const ROWS_PER_TABLE: usize = 10;

/// How many later changes an undo refusal searches for the one that touched a clashing row.
const LATER_SCAN: usize = 10_000;

/// How many of a caller's newest changes a default undo looks through.
const DEFAULT_UNDO_SCAN: usize = 1_000;

/// One entry of the change log, as listed.
#[derive(Debug, Clone)]
pub struct Change {
    pub id: i64,
    /// Hybrid logical clock: physical milliseconds << 16 | counter.
    pub hlc: i64,
    /// The database's device id (32 hex digits) where the change was made.
    pub device_id: String,
    pub at: DateTime<Utc>,
    /// `mcp-stdio`, `mcp-http` or `cli`.
    pub frontend: String,
    pub token_name: Option<String>,
    /// The use case, e.g. `create_track` or `undo_change`.
    pub operation: String,
    /// Readable, e.g. `create_track: added track 12 (Website, 2026-11-20 09:00-10:30)`.
    pub summary: String,
    /// Which rows of which tables, e.g. `tracks 12; track_tags 12/3`.
    pub rows: String,
    /// The schema version it was recorded at.
    pub schema_version: i64,
    /// False for writes too large to keep; those cannot be undone.
    pub undoable: bool,
    /// For an undo: the change it reverted.
    pub undo_of: Option<i64>,
    /// The change that reverted this one, if any.
    pub undone_by: Option<i64>,
}

impl From<ChangeRow> for Change {
    fn from(r: ChangeRow) -> Change {
        Change {
            id: r.id,
            hlc: r.hlc.raw(),
            device_id: r.device_id,
            at: r.at,
            frontend: r.frontend,
            token_name: r.token_name,
            operation: r.operation,
            summary: r.summary,
            rows: r.rows_touched,
            schema_version: r.schema_version,
            undoable: r.undoable,
            undo_of: r.undo_of,
            undone_by: r.undone_by,
        }
    }
}

/// Input of `list_changes`.
#[derive(Debug, Clone, Default)]
pub struct ListChanges {
    /// Page size, 1..=500 (default 50).
    pub limit: Option<u32>,
    /// `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// Result of `undo_change`: the undo (a change of its own) and the change it reverted.
#[derive(Debug, Clone)]
pub struct Undone {
    pub undo: Change,
    pub reverted: Change,
}

/// The request id of the create call in progress (see [`Service::once`]).
#[derive(Debug)]
pub(crate) struct RequestSlot {
    id: String,
    /// Taken by the first write of the call.
    pending: Mutex<bool>,
    replayed: Mutex<bool>,
}

/// Extra change-log fields a write may set.
#[derive(Debug, Default)]
pub(crate) struct LogExtra {
    pub undo_of: Option<i64>,
    /// Put before the row phrases, e.g. "undid change 7 (create_track)".
    pub(crate) prefix: Option<String>,
}

fn caller_key(svc: &Service) -> String {
    let c = svc.caller();
    match &c.token_name {
        Some(t) => format!("{}/{t}", c.frontend.as_str()),
        None => c.frontend.as_str().to_owned(),
    }
}

fn fingerprint(operation: &str, args: &str) -> String {
    let mut h = Sha256::new();
    h.update(operation.as_bytes());
    h.update([0]);
    h.update(args.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

fn invalid(msg: Msg) -> ServiceError {
    ServiceError::Domain(DomainError::Invalid(msg))
}

/// Checks a request id: 1 to 200 characters, no control characters.
fn validate_request_id(id: &str) -> Result<()> {
    let n = id.chars().count();
    if n == 0 || id.trim().is_empty() {
        return Err(invalid(msg![
            Arg::RequestId,
            " is empty; give a unique text such as a UUID, or leave it out",
        ]));
    }
    if n > MAX_REQUEST_ID_CHARS {
        return Err(invalid(msg![
            Arg::RequestId,
            format!(" has {n} characters; give at most {MAX_REQUEST_ID_CHARS} (a UUID is 36)"),
        ]));
    }
    if id.chars().any(char::is_control) {
        return Err(invalid(msg![
            Arg::RequestId,
            " contains control characters; give plain text such as a UUID",
        ]));
    }
    Ok(())
}

impl Service {
    /// Runs `call` (one create use case on the given service) under `request_id`, and says
    /// whether its answer was replayed.
    ///
    /// With a request id, the create records the id (per caller: front end and token) in the
    /// same transaction as what it writes. A repeat with the same id within 24 hours returns
    /// the record the first call made, as it is now, writes nothing, and reports `true`. The
    /// same id sent with other arguments, or for another tool, is refused. `call` should make
    /// exactly one create call: only the first write inside it uses the id. Without a request
    /// id this is just `call(self)`.
    ///
    /// # Errors
    /// An empty id, one over 200 characters or with control characters; an id used for another
    /// call; a replay whose record has been deleted since; and `call`'s own errors.
    pub fn once<T>(
        &self,
        request_id: Option<&str>,
        call: impl FnOnce(&Service) -> Result<T>,
    ) -> Result<(T, bool)> {
        let Some(id) = request_id else {
            return Ok((call(self)?, false));
        };
        validate_request_id(id)?;
        let slot = std::sync::Arc::new(RequestSlot {
            id: id.to_owned(),
            pending: Mutex::new(true),
            replayed: Mutex::new(false),
        });
        let svc = Service {
            inner: std::sync::Arc::clone(&self.inner),
            caller: std::sync::Arc::clone(&self.caller),
            request: Some(std::sync::Arc::clone(&slot)),
            created: self.created.clone(),
        };
        let value = call(&svc)?;
        let replayed = *slot.replayed.lock().unwrap_or_else(|e| e.into_inner());
        Ok((value, replayed))
    }

    /// Runs a create use case `f` that honours a request id set by [`Service::once`]: `args`
    /// is the call's arguments as text (their `Debug` form; a repeat must match it), `ids`
    /// names what it wrote, `reload` rebuilds its answer from those ids for a replay.
    pub(crate) fn write_once<T>(
        &self,
        operation: &'static str,
        args: &str,
        ids: impl FnOnce(&T) -> Vec<i64>,
        reload: impl FnOnce(&Ctx<'_>, &[i64]) -> Result<T>,
        f: impl FnOnce(&Ctx<'_>) -> Result<T>,
    ) -> Result<T> {
        let slot = self
            .request
            .as_ref()
            .filter(|s| std::mem::take(&mut *s.pending.lock().unwrap_or_else(|e| e.into_inner())));
        let Some(slot) = slot else {
            return self.write(operation, f);
        };
        let caller = caller_key(self);
        let print = fingerprint(operation, args);
        self.write_with(
            operation,
            |ctx| {
                let since = ctx.now - Duration::seconds(REQUEST_ID_TTL_SECONDS);
                if let Some(found) = log::find_request(ctx.tx, &caller, &slot.id, since)? {
                    if found.operation != operation || found.fingerprint != print {
                        return Err(ServiceError::Conflict(msg![
                            Arg::RequestId,
                            " ",
                            Name(&slot.id),
                            format!(
                                " was used for another call ({} at {}); a retry must repeat the \
                                 first call's arguments exactly, and a new call needs a new ",
                                found.operation,
                                stint_domain::time::show_instant(found.at, ctx.tz)
                            ),
                            Arg::RequestId,
                        ]));
                    }
                    let value = reload(ctx, &found.result_ids).map_err(|e| match e {
                        ServiceError::NotFound(_) => ServiceError::Conflict(msg![
                            Arg::RequestId,
                            " ",
                            Name(&slot.id),
                            format!(
                                " already ran {operation} at {}, but what it created \
                             (id {}) has been deleted or undone since; give a new ",
                                stint_domain::time::show_instant(found.at, ctx.tz),
                                found
                                    .result_ids
                                    .first()
                                    .map(i64::to_string)
                                    .unwrap_or_default()
                            ),
                            Arg::RequestId,
                            " to create it again",
                        ]),
                        other => other,
                    })?;
                    *slot.replayed.lock().unwrap_or_else(|e| e.into_inner()) = true;
                    return Ok(value);
                }
                let value = f(ctx)?;
                log::insert_request(
                    ctx.tx,
                    &caller,
                    &slot.id,
                    operation,
                    &print,
                    &ids(&value),
                    ctx.now,
                )?;
                Ok(value)
            },
            |_| LogExtra::default(),
        )
    }

    /// Runs a write use case in one `BEGIN IMMEDIATE` transaction and records it in the change
    /// log, with `extra` fields taken from its value.
    pub(crate) fn write_with<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Ctx<'_>) -> Result<T>,
        extra: impl FnOnce(&T) -> LogExtra,
    ) -> Result<T> {
        // Writers of this process queue here rather than on SQLite's busy handler, which
        // sleeps up to 100 ms between retries.
        let _writer = self.inner.writer.lock();
        let now = self.now();
        let mut conn = self.conn();
        let out = store::write(
            &mut conn,
            |tx| {
                // Expired request ids go lazily, with any write (an indexed range delete).
                log::purge_requests(tx, now - Duration::seconds(REQUEST_ID_TTL_SECONDS))?;
                f(&self.ctx(tx, now, operation)?)
            },
            |tx, value, changeset| {
                if changeset.is_empty() {
                    return Ok(());
                }
                self.record_change(tx, now, operation, changeset, extra(value))
            },
        );
        if out.is_ok() {
            self.wrote();
        }
        out
    }

    /// Runs a bulk write (a large import) in one `BEGIN IMMEDIATE` transaction without
    /// recording its changeset: the change log gets one row, `summary` of the value, marked as
    /// too large to keep, so it cannot be undone or sent to other devices (as any change over
    /// [`log::MAX_CHANGESET_BYTES`]). Skipping the session saves holding a copy of every
    /// written row in memory for a changeset that would be dropped anyway.
    pub(crate) fn write_bulk<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Ctx<'_>) -> Result<T>,
        summary: impl FnOnce(&T) -> String,
    ) -> Result<T> {
        let _writer = self.inner.writer.lock();
        let now = self.now();
        let mut conn = self.conn();
        store::write_unrecorded(
            &mut conn,
            |tx| f(&self.ctx(tx, now, operation)?),
            |tx, value| {
                let summary = format!(
                    "{operation}: {} (too large to keep: cannot be undone)",
                    summary(value)
                );
                log::append(
                    tx,
                    &log::NewChange {
                        at: now,
                        frontend: self.caller.frontend.as_str(),
                        token_name: self.caller.token_name.as_deref(),
                        operation,
                        summary: &summary,
                        rows_touched: "",
                        schema_version: store::SCHEMA_VERSION,
                        changeset: None,
                        undo_of: None,
                    },
                )?;
                Ok(())
            },
        )
    }

    /// Appends the change log row for `changeset`.
    pub(crate) fn record_change(
        &self,
        tx: &store::Tx<'_>,
        now: DateTime<Utc>,
        operation: &str,
        changeset: &[u8],
        extra: LogExtra,
    ) -> Result<()> {
        let tz = store::settings::load(tx)?
            .timezone
            .unwrap_or_else(system_time_zone);
        let keep = changeset.len() <= log::MAX_CHANGESET_BYTES;
        let touched = log::touched_rows(changeset)?;
        let rows = describe_rows(&touched);
        let sample = log::decode(tx, changeset, Some(200))?;
        let mut summary = format!("{operation}: ");
        if let Some(p) = extra.prefix {
            summary.push_str(&p);
            summary.push_str(": ");
        }
        if touched.len() > BULK_ROWS {
            summary.push_str(&count_rows(&touched));
        } else {
            summary.push_str(&summarise(tx, tz, &sample, touched.len())?);
        }
        if !keep {
            summary.push_str(" (too large to keep: cannot be undone)");
        }
        log::append(
            tx,
            &log::NewChange {
                at: now,
                frontend: self.caller.frontend.as_str(),
                token_name: self.caller.token_name.as_deref(),
                operation,
                summary: &summary,
                rows_touched: &rows,
                schema_version: store::SCHEMA_VERSION,
                changeset: keep.then_some(changeset),
                undo_of: extra.undo_of,
            },
        )?;
        Ok(())
    }

    /// Lists changes, newest first, paged.
    ///
    /// # Errors
    /// A limit of 0; a cursor not issued for this list.
    pub fn list_changes(&self, req: ListChanges) -> Result<Page<Change>> {
        self.read(|ctx| {
            let size = page_size(req.limit)?;
            let before = match req.cursor.as_deref().filter(|c| !c.trim().is_empty()) {
                Some(c) => {
                    let parts = super::decode_cursor("changes", c)?;
                    match parts.as_slice() {
                        [id] => Some(id.parse::<i64>().map_err(|_| super::bad_cursor(c))?),
                        _ => return Err(super::bad_cursor(c)),
                    }
                }
                None => None,
            };
            let rows = log::list(ctx.tx, before, size + 1)?;
            Ok(super::paginate(
                rows.into_iter().map(Change::from).collect(),
                size,
                |c| super::encode_cursor("changes", &[c.id.to_string()]),
            ))
        })
    }

    /// Undoes change `change_id`, or by default this caller's (front end and token's) latest
    /// change that is in effect and not an undo itself; so repeated undos walk back through
    /// the caller's changes. Undoing an undo brings the change back. The undo is recorded as a
    /// change with `undo_of` set.
    ///
    /// # Errors
    /// [`ServiceError::NotFound`] for an unknown id or nothing to undo;
    /// [`ServiceError::Conflict`] when the change was already undone, was too large to keep,
    /// was recorded at another schema version, touches an issued (sent, paid or void) invoice
    /// or a track on one, or clashes with a later change to the same rows (named). Nothing is
    /// written then.
    pub fn undo_change(&self, change_id: Option<i64>) -> Result<Undone> {
        let (undo_id, reverted) =
            self.write_with(
                "undo_change",
                |ctx| {
                    let target = match change_id {
                        Some(id) => self.resolve_undo_target(ctx, id)?,
                        None => self.default_undo_target(ctx)?,
                    };
                    let (row, changeset) = log::get(ctx.tx, target)?.ok_or_else(|| {
                        ServiceError::NotFound(format!("no change has id {target}").into())
                    })?;
                    self.check_own_change(&row)?;
                    super::sync::check_undo(ctx.tx, row.id)?;
                    if let Some(asked) = change_id.filter(|id| *id != target)
                        && let Some((asked, _)) = log::get(ctx.tx, asked)?
                    {
                        self.check_own_change(&asked)?;
                    }
                    if row.schema_version != store::SCHEMA_VERSION {
                        return Err(ServiceError::Conflict(msg![
                            format!(
                                "change {} was recorded at schema version {}, and the database is \
                             at version {} now; stint only undoes changes recorded at the \
                             current version, because the tables it touched may have changed \
                             shape since. Undo it by hand with ",
                                row.id,
                                row.schema_version,
                                store::SCHEMA_VERSION
                            ),
                            Act::EditByHand,
                        ]));
                    }
                    let Some(changeset) = changeset else {
                        if row.frontend == "sync" {
                            return Err(ServiceError::Conflict(format!(
                            "change {} ({}) came from another device and changed nothing on \
                             this one, so there is nothing to undo here",
                            row.id, row.summary
                        ).into()));
                        }
                        return Err(ServiceError::Conflict(
                            format!(
                                "change {} ({}) was too large to keep, so it cannot be undone; \
                         revert it by hand",
                                row.id, row.summary
                            )
                            .into(),
                        ));
                    };
                    let rows = log::decode(ctx.tx, &changeset, None)?;
                    check_issued_invoices(ctx.tx, &row, &rows)?;
                    if let Some(clash) = log::apply_inverse(ctx.tx, &changeset)? {
                        return Err(clash_error(ctx.tx, &row, &clash)?);
                    }
                    Ok((row.id, Change::from(row)))
                },
                |(id, reverted)| LogExtra {
                    undo_of: Some(*id),
                    prefix: Some(format!("undid change {id} ({})", reverted.operation)),
                },
            )?;
        let _ = undo_id;
        self.read(|ctx| {
            let reverted = log::get(ctx.tx, reverted.id)?.map_or(reverted, |(r, _)| r.into());
            let undo = match reverted.undone_by {
                Some(u) => log::get(ctx.tx, u)?.map(|(r, _)| Change::from(r)),
                None => None,
            };
            let undo = undo.ok_or_else(|| {
                ServiceError::Conflict(
                    format!(
                        "undoing change {} changed nothing: its rows are already gone",
                        reverted.id
                    )
                    .into(),
                )
            })?;
            Ok(Undone { undo, reverted })
        })
    }

    /// Over HTTP, a token may undo only its own changes: a token with the write scope must not
    /// revert (e.g. delete) what the user or another token did.
    fn check_own_change(&self, row: &ChangeRow) -> Result<()> {
        if self.caller.frontend != super::Frontend::McpHttp {
            return Ok(());
        }
        let own = row.frontend == self.caller.frontend.as_str()
            && row.token_name.as_deref() == self.caller.token_name.as_deref();
        if own {
            return Ok(());
        }
        Err(ServiceError::Conflict(format!(
            "change {} was made by {}{}, not by this token; over HTTP a token may undo only its \
             own changes. Undo it on the machine with `stint undo {}`",
            row.id,
            row.frontend,
            row.token_name
                .as_deref()
                .map(|t| format!(" (token {t})"))
                .unwrap_or_default(),
            row.id
        ).into()))
    }

    /// The change to apply the inverse of when undoing `id`: `id` itself while nothing undid
    /// it, or the newest undo of its chain when an even number of undos brought it back.
    fn resolve_undo_target(&self, ctx: &Ctx<'_>, id: i64) -> Result<i64> {
        let (row, _) = log::get(ctx.tx, id)?.ok_or_else(|| {
            ServiceError::NotFound(msg![
                format!("no change has id {id}; "),
                Act::ListChanges,
                " shows the changes and their ids",
            ])
        })?;
        let mut chain = vec![row.id];
        let mut next = row.undone_by;
        while let Some(u) = next {
            chain.push(u);
            next = log::get(ctx.tx, u)?.and_then(|(r, _)| r.undone_by);
        }
        let top = *chain.last().expect("not empty");
        if chain.len() % 2 == 0 {
            return Err(ServiceError::Conflict(
                format!(
                    "change {id} is already undone (by change {top}); to bring it back, undo \
                 change {top}"
                )
                .into(),
            ));
        }
        Ok(top)
    }

    fn default_undo_target(&self, ctx: &Ctx<'_>) -> Result<i64> {
        let candidates = log::latest_of_caller(
            ctx.tx,
            self.caller.frontend.as_str(),
            self.caller.token_name.as_deref(),
            DEFAULT_UNDO_SCAN,
        )?;
        for c in candidates {
            if let Ok(target) = self.resolve_undo_target(ctx, c.id) {
                return Ok(target);
            }
        }
        Err(ServiceError::NotFound(msg![
            "you have no change to undo (none of your recent changes is in effect); ",
            Act::ListChanges,
            " shows all changes, and ",
            Act::UndoChange,
            " undoes one of them",
        ]))
    }
}

fn int(v: Option<&Value>) -> Option<i64> {
    match v {
        Some(Value::Integer(i)) => Some(*i),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<&str> {
    match v {
        Some(Value::Text(t)) => Some(t.as_str()),
        _ => None,
    }
}

fn is_issued(status: &str) -> bool {
    matches!(status, "sent" | "paid" | "void")
}

/// Refuses an undo that would touch an issued invoice, one of its lines, or a track on one.
fn check_issued_invoices(tx: &store::Tx<'_>, change: &ChangeRow, rows: &[RowChange]) -> Result<()> {
    let refuse = |invoice: i64, what: String| -> Result<()> {
        let (status, number) = log::invoice_status(tx, invoice)?.unwrap_or_default();
        let name = number.map_or_else(|| format!("invoice {invoice}"), |n| format!("invoice {n}"));
        Err(ServiceError::Conflict(
            format!(
                "change {} cannot be undone: it touches {what}, and {name} is {status}; issued \
             invoices (sent, paid or void) are final. Void it and make a new one, or change \
             the tracks by hand",
                change.id
            )
            .into(),
        ))
    };
    let issued = |invoice: i64| -> Result<bool> {
        Ok(log::invoice_status(tx, invoice)?.is_some_and(|(s, _)| is_issued(&s)))
    };
    for r in rows {
        match r.table.as_str() {
            "invoices" => {
                let Ok(id) = r.key.parse::<i64>() else {
                    continue;
                };
                let in_change = [r.old_value("status"), r.value("status")]
                    .into_iter()
                    .any(|s| text(s).is_some_and(is_issued));
                if in_change || issued(id)? {
                    return refuse(id, format!("invoice {id}"));
                }
            }
            "invoice_lines" => {
                let Ok(id) = r.key.parse::<i64>() else {
                    continue;
                };
                let invoices = [int(r.value("invoice_id")), log::line_invoice(tx, id)?];
                for inv in invoices.into_iter().flatten() {
                    if issued(inv)? {
                        return refuse(inv, format!("a line of invoice {inv}"));
                    }
                }
            }
            "tracks" => {
                let Ok(id) = r.key.parse::<i64>() else {
                    continue;
                };
                let invoices = [
                    int(r.old_value("invoice_id")),
                    int(r.value("invoice_id")),
                    log::track_invoice(tx, id)?,
                ];
                for inv in invoices.into_iter().flatten() {
                    if issued(inv)? {
                        return refuse(inv, format!("track {id}, which is on invoice {inv}"));
                    }
                }
            }
            "track_tags" => {
                let track = r.key.split('/').next().and_then(|t| t.parse::<i64>().ok());
                if let Some(track) = track
                    && let Some(inv) = log::track_invoice(tx, track)?
                    && issued(inv)?
                {
                    return refuse(
                        inv,
                        format!("the tags of track {track}, which is on invoice {inv}"),
                    );
                }
            }
            _ => {}
        }
    }
    if rows.iter().any(|r| r.table == "invoice_sequences") {
        return Err(ServiceError::Conflict(
            format!(
                "change {} cannot be undone: it assigned an invoice number, and issued invoice \
             numbers are final; void the invoice instead",
                change.id
            )
            .into(),
        ));
    }
    Ok(())
}

/// The refusal for an undo that clashed, naming the later change to the same row if found.
fn clash_error(tx: &store::Tx<'_>, change: &ChangeRow, clash: &Clash) -> Result<ServiceError> {
    let row = format!("{} {}", singular(&clash.table), clash.key);
    if clash.kind == "foreign_key" || clash.kind == "constraint" {
        return Ok(ServiceError::Conflict(msg![
            format!(
                "change {} cannot be undone: reverting it would break a rule of the database ({}): \
             {}; undo the later changes that build on it first (",
                change.id,
                if clash.kind == "foreign_key" {
                    "rows would point at a row it removes"
                } else {
                    "a name would be taken twice, or a value is out of range"
                },
                if clash.key.is_empty() {
                    format!("table {}", clash.table)
                } else {
                    row.clone()
                }
            ),
            Act::ListChanges,
            " shows them), newest first",
        ]));
    }
    let later = log::later_change_touching(tx, change.id, &clash.table, &clash.key, LATER_SCAN)?;
    let what = match clash.kind {
        "data" => "was changed",
        "notfound" => "was deleted",
        _ => "was created again",
    };
    Ok(ServiceError::Conflict(match later {
        Some((id, op)) => format!(
            "change {} cannot be undone: {row} {what} since by change {id} ({op}); undo change \
             {id} first, or change the row by hand. Nothing was changed",
            change.id
        )
        .into(),
        None => format!(
            "change {} cannot be undone: {row} {what} since; change the row by hand. Nothing \
             was changed",
            change.id
        )
        .into(),
    }))
}

fn singular(table: &str) -> &str {
    match table {
        "tracks" => "track",
        "projects" => "project",
        "clients" => "client",
        "tags" => "tag",
        "tasks" => "task",
        "invoices" => "invoice",
        "invoice_lines" => "invoice line",
        "track_tags" => "track tag",
        "settings" => "setting",
        "invoice_sequences" => "invoice sequence",
        other => other,
    }
}

/// `added 5000 tracks, 5000 track tags, 20 projects` for a bulk change.
fn count_rows(touched: &[(String, RowOp, String)]) -> String {
    let mut counts: Vec<(RowOp, &str, usize)> = Vec::new();
    for (t, op, _) in touched {
        match counts.iter_mut().find(|(o, name, _)| o == op && name == t) {
            Some((_, _, n)) => *n += 1,
            None => counts.push((*op, t, 1)),
        }
    }
    counts.sort_by_key(|(op, _, n)| (*op as u8, std::cmp::Reverse(*n)));
    let mut parts: Vec<String> = Vec::new();
    for op in [RowOp::Insert, RowOp::Update, RowOp::Delete] {
        let of_op: Vec<String> = counts
            .iter()
            .filter(|(o, _, _)| *o == op)
            .map(|(_, t, n)| {
                let name = singular(t);
                if *n == 1 {
                    format!("1 {name}")
                } else {
                    format!("{n} {name}s")
                }
            })
            .collect();
        if !of_op.is_empty() {
            let verb = match op {
                RowOp::Insert => "added",
                RowOp::Update => "changed",
                RowOp::Delete => "deleted",
            };
            parts.push(format!("{verb} {}", of_op.join(", ")));
        }
    }
    parts.join("; ")
}

/// `tracks 12, 13; track_tags 12/3` with at most [`ROWS_PER_TABLE`] keys per table.
fn describe_rows(touched: &[(String, RowOp, String)]) -> String {
    let mut tables: Vec<(&str, Vec<&str>, usize)> = Vec::new();
    for (t, _, k) in touched {
        match tables.iter_mut().find(|(name, _, _)| name == t) {
            Some((_, keys, n)) => {
                *n += 1;
                if keys.len() < ROWS_PER_TABLE {
                    keys.push(k);
                }
            }
            None => tables.push((t, vec![k], 1)),
        }
    }
    tables
        .iter()
        .map(|(t, keys, n)| {
            let more = if *n > keys.len() {
                format!(" +{} more", n - keys.len())
            } else {
                String::new()
            };
            format!("{t} {}{more}", keys.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn local(at: i64, tz: Tz) -> Option<DateTime<Tz>> {
    DateTime::<Utc>::from_timestamp(at, 0).map(|t| t.with_timezone(&tz))
}

/// `Website, 2026-11-20 09:00-10:30` for a track's values.
fn track_label(tx: &store::Tx<'_>, r: &RowChange, tz: Tz) -> Result<String> {
    let zone = text(r.value("timezone"))
        .and_then(|z| z.parse::<Tz>().ok())
        .unwrap_or(tz);
    let mut parts = Vec::new();
    if let Some(p) = int(r.value("project_id")) {
        parts.push(log::name_of(tx, "projects", p)?.unwrap_or_else(|| format!("project {p}")));
    }
    let start = int(r.value("start_at")).and_then(|s| local(s, zone));
    let end = int(r.value("end_at")).and_then(|e| local(e, zone));
    match (start, end) {
        (Some(s), Some(e)) if s.date_naive() == e.date_naive() => parts.push(format!(
            "{}-{}",
            s.format("%Y-%m-%d %H:%M"),
            e.format("%H:%M")
        )),
        (Some(s), Some(e)) => parts.push(format!(
            "{} to {}",
            s.format("%Y-%m-%d %H:%M"),
            e.format("%Y-%m-%d %H:%M")
        )),
        (Some(s), None) => parts.push(format!("running since {}", s.format("%Y-%m-%d %H:%M"))),
        _ => {}
    }
    Ok(parts.join(", "))
}

fn row_label(tx: &store::Tx<'_>, r: &RowChange, tz: Tz) -> Result<String> {
    Ok(match r.table.as_str() {
        "tracks" if r.op != RowOp::Update => track_label(tx, r, tz)?,
        "projects" | "clients" | "tags" | "tasks" => match text(r.value("name")) {
            Some(n) => n.to_owned(),
            None => {
                let id = r.key.parse().unwrap_or(0);
                log::name_of(tx, &r.table, id)?.unwrap_or_default()
            }
        },
        "invoices" => text(r.value("number"))
            .map(str::to_owned)
            .or_else(|| text(r.value("status")).map(|s| s.to_owned()))
            .unwrap_or_default(),
        _ => String::new(),
    })
}

/// Readable phrases for the row changes, e.g. `added track 12 (Website, 2026-11-20 09:00-10:30)`,
/// at most [`SUMMARY_PHRASES`] of them and a count of the rest. Tag links of a track that is
/// in the change too, and invoice lines and numbering, are folded into their parent.
fn summarise(tx: &store::Tx<'_>, tz: Tz, rows: &[RowChange], total: usize) -> Result<String> {
    let shown_tracks: Vec<&str> = rows
        .iter()
        .filter(|r| r.table == "tracks")
        .map(|r| r.key.as_str())
        .collect();
    let mut phrases = Vec::new();
    let mut counted = 0usize;
    for r in rows {
        let folded = match r.table.as_str() {
            "track_tags" => r
                .key
                .split('/')
                .next()
                .is_some_and(|t| shown_tracks.contains(&t)),
            "invoice_lines" | "invoice_sequences" => rows.iter().any(|o| o.table == "invoices"),
            _ => false,
        };
        counted += 1;
        if folded {
            continue;
        }
        if phrases.len() >= SUMMARY_PHRASES {
            phrases.push(String::new());
            break;
        }
        let verb = match r.op {
            RowOp::Insert => "added",
            RowOp::Delete => "deleted",
            RowOp::Update => "changed",
        };
        let mut phrase = format!("{verb} {} {}", singular(&r.table), r.key);
        let label = row_label(tx, r, tz)?;
        let detail = if r.op == RowOp::Update {
            let cols: Vec<&str> = r
                .changed_columns()
                .into_iter()
                .filter(|c| *c != "updated_at")
                .collect();
            match (label.is_empty(), cols.is_empty()) {
                (true, true) => String::new(),
                (true, false) => cols.join(", "),
                (false, true) => label,
                (false, false) => format!("{label}: {}", cols.join(", ")),
            }
        } else {
            label
        };
        if !detail.is_empty() {
            phrase.push_str(&format!(" ({detail})"));
        }
        phrases.push(phrase);
    }
    let more = if phrases.last().is_some_and(String::is_empty) {
        phrases.pop();
        total.saturating_sub(counted.saturating_sub(1))
    } else {
        total.saturating_sub(counted)
    };
    let mut s = phrases.join("; ");
    if s.is_empty() {
        s = "changed rows".to_owned();
    }
    if more > 0 {
        s.push_str(&format!("; and {more} more row changes"));
    }
    Ok(s)
}
