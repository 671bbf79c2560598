//! JSON for the CLI: `--json` output in the shapes of the tools' structured content (so a
//! script reads the same fields from `stint tracks --json` as from `list_tracks`), and the
//! settings as `KEY = value` pairs and `KEY VALUE` changes for `stint config`.
//!
//! The CLI does not know serde (see ARCHITECTURE.md, "stint-api"), so every function here hands it a
//! finished text.

use chrono::{DateTime, Utc};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::dto::*;
use crate::dto_billing::{
    BudgetOut, BudgetsOut, InvoiceChangedOut, InvoiceOut, InvoicePageOut, InvoiceResultOut,
    InvoiceSummaryOut, SummaryOut,
};
use crate::dto_changes::{ChangePageOut, UndoneOut};
use stint_domain::entities::{Client, Invoice, Project, Tag, Track};
use stint_service::{
    BudgetReport, Change, Deleted, Page, SettingsChanges, SettingsView, Summary, TagWithUsage,
    TimerStarted, TrackWritten, Undone,
};

fn pretty<T: Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// `{"deleted": ...}` as `delete_track` answers.
pub fn track_deleted(t: &Track, now: DateTime<Utc>) -> String {
    pretty(&TrackDeletedOut {
        deleted: TrackOut::new(t, now),
    })
}

/// `{"tracks": [...], "next_cursor"?}` as `list_tracks` answers.
pub fn tracks(page: &Page<Track>, now: DateTime<Utc>) -> String {
    pretty(&TrackPageOut {
        tracks: page.items.iter().map(|t| TrackOut::new(t, now)).collect(),
        next_cursor: page.next_cursor.clone(),
    })
}

/// `{"timers": [...], "count"}` as `list_running_timers` answers.
pub fn running(timers: &[Track], now: DateTime<Utc>) -> String {
    pretty(&RunningTimersOut {
        timers: timers.iter().map(|t| TrackOut::new(t, now)).collect(),
        count: timers.len(),
    })
}

/// The answer of `start_timer` (`continued_from` `None`) or `continue_timer`.
pub fn started(r: &TimerStarted, continued_from: Option<i64>, now: DateTime<Utc>) -> String {
    pretty(&TimerStartedOut::new(r, continued_from, now))
}

/// `{"track", "overlaps", "overlap_count"}` as `create_track` and `update_track` answer.
pub fn written(w: &TrackWritten, now: DateTime<Utc>) -> String {
    pretty(&TrackWrittenOut::new(w, now))
}

/// The answer of `stop_timer` (`discarded` and `note` for a timer under a second).
pub fn stopped(w: &TrackWritten, now: DateTime<Utc>) -> String {
    pretty(&crate::dto::TimerStoppedOut::new(w, now))
}

/// `{"project": ...}`.
pub fn project(p: &Project) -> String {
    pretty(&ProjectResultOut { project: p.into() })
}

/// `{"projects": [...]}`.
pub fn projects(items: &[Project]) -> String {
    pretty(&ProjectPageOut {
        projects: items.iter().map(Into::into).collect(),
        next_cursor: None,
    })
}

/// `{"client": ...}`.
pub fn client(c: &Client) -> String {
    pretty(&ClientResultOut { client: c.into() })
}

/// `{"clients": [...]}`.
pub fn clients(items: &[Client]) -> String {
    pretty(&ClientPageOut {
        clients: items.iter().map(Into::into).collect(),
        next_cursor: None,
    })
}

/// `{"tag": ...}`.
pub fn tag(t: &Tag) -> String {
    pretty(&TagResultOut { tag: t.into() })
}

/// `{"tags": [...]}` with each tag's `track_count`.
pub fn tags(items: &[TagWithUsage]) -> String {
    pretty(&TagPageOut {
        tags: items.iter().map(Into::into).collect(),
        next_cursor: None,
    })
}

/// `{"id", "name", "action", "note"?}` as the delete tools answer.
pub fn deleted(d: Deleted) -> String {
    pretty(&DeletedOut::from(d))
}

/// The settings as `get_settings` answers.
pub fn settings(v: &SettingsView) -> String {
    pretty(&SettingsOut::from(v))
}

/// Every setting as `(key, value)`, nested ones as `rounding.mode`, in the order of
/// `get_settings`; texts without quotes, absent ones left out.
pub fn settings_pairs(v: &SettingsView) -> Vec<(String, String)> {
    fn walk(prefix: &str, v: &Value, out: &mut Vec<(String, String)>) {
        match v {
            Value::Object(m) => {
                for (k, v) in m {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            Value::String(s) => out.push((prefix.to_owned(), s.clone())),
            other => out.push((prefix.to_owned(), other.to_string())),
        }
    }
    let mut out = Vec::new();
    if let Ok(v) = serde_json::to_value(SettingsOut::from(v)) {
        walk("", &v, &mut out);
    }
    out
}

/// The keys `update_settings` accepts, nested ones as `rounding.mode`.
pub fn settable_keys() -> Vec<String> {
    let schema = schemars::schema_for!(UpdateSettingsArgs);
    let mut keys = Vec::new();
    let root = schema.as_value();
    let defs = root.get("$defs");
    if let Some(Value::Object(props)) = root.get("properties") {
        for (k, p) in props {
            // A nested object (rounding) is a reference to its definition.
            let nested = p
                .get("$ref")
                .or_else(|| {
                    p.get("anyOf")
                        .and_then(|a| a.as_array())
                        .and_then(|a| a.iter().find_map(|s| s.get("$ref")))
                })
                .and_then(Value::as_str)
                .and_then(|r| r.rsplit('/').next())
                .and_then(|name| defs?.get(name)?.get("properties")?.as_object());
            match nested {
                Some(inner) => keys.extend(inner.keys().map(|i| format!("{k}.{i}"))),
                None => keys.push(k.clone()),
            }
        }
    }
    keys
}

/// The change `KEY VALUE` asks for, read as `update_settings` reads its arguments: the value
/// as text, or as a JSON number or boolean where the setting takes one.
///
/// # Errors
/// The reason the argument does not fit (an unknown key is checked by the caller first).
pub fn settings_change(key: &str, value: &str) -> Result<SettingsChanges, String> {
    let build = |v: Value| -> Value {
        let mut obj = Map::new();
        match key.split_once('.') {
            Some((outer, inner)) => {
                let mut m = Map::new();
                m.insert(inner.to_owned(), v);
                obj.insert(outer.to_owned(), Value::Object(m));
            }
            None => {
                obj.insert(key.to_owned(), v);
            }
        }
        Value::Object(obj)
    };
    let as_text = serde_json::from_value::<UpdateSettingsArgs>(build(Value::String(value.into())));
    match as_text {
        Ok(a) => Ok(a.into()),
        Err(first) => match serde_json::from_str::<Value>(value.trim()) {
            Ok(v @ (Value::Bool(_) | Value::Number(_))) => {
                serde_json::from_value::<UpdateSettingsArgs>(build(v))
                    .map(Into::into)
                    .map_err(|e| e.to_string())
            }
            _ => Err(first.to_string()),
        },
    }
}

/// A time summary as `time_summary` answers.
pub fn summary(s: &Summary) -> String {
    pretty(&SummaryOut::from(s))
}

/// `{"budgets": [...]}` as `budget_status` answers.
pub fn budgets(reports: &[BudgetReport]) -> String {
    pretty(&BudgetsOut {
        budgets: reports.iter().map(BudgetOut::from).collect(),
    })
}

/// `{"invoice": ...}` as `get_invoice` and `create_invoice` answer.
pub fn invoice(inv: Invoice, dry_run: bool) -> String {
    pretty(&InvoiceResultOut {
        invoice: InvoiceOut::new(inv, dry_run),
    })
}

/// `{"invoices": [...]}` as `list_invoices` answers: each invoice without its lines.
pub fn invoices(items: Vec<Invoice>) -> String {
    pretty(&InvoicePageOut {
        invoices: items.iter().map(InvoiceSummaryOut::from).collect(),
        next_cursor: None,
    })
}

/// `{"invoice": ...}` without lines, as `mark_invoice_sent`, `mark_invoice_paid`,
/// `void_invoice` and `delete_invoice` answer.
pub fn invoice_changed(inv: &Invoice) -> String {
    pretty(&InvoiceChangedOut {
        invoice: inv.into(),
    })
}

/// `{"changes": [...], "next_cursor"?}` as `list_changes` answers.
pub fn changes(page: &Page<Change>) -> String {
    pretty(&ChangePageOut {
        changes: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor.clone(),
    })
}

/// `{"undo", "reverted"}` as `undo_change` answers.
pub fn undone(u: &Undone) -> String {
    pretty(&UndoneOut::from(u))
}

/// One API token as `stint token list --json` shows it (never its secret or hash).
#[derive(Debug, Serialize)]
struct TokenOut {
    name: String,
    /// read, write or admin.
    scope: String,
    sensitive: bool,
    /// UTC, RFC 3339.
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    last_used_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    revoked_at: Option<String>,
    /// Whom it speaks for (`stint token list`): the person's name, the owner's for a token
    /// made without `--person`.
    #[serde(skip_serializing_if = "Option::is_none")]
    person: Option<String>,
    /// That person's role: member, manager or owner.
    #[serde(skip_serializing_if = "Option::is_none")]
    role: Option<&'static str>,
}

/// One token as every `stint token` answer shows it (without person and role).
fn token_out(t: &stint_service::TokenRow) -> TokenOut {
    let utc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    TokenOut {
        name: t.name.clone(),
        scope: t.scope.clone(),
        sensitive: t.sensitive,
        created_at: utc(t.created_at),
        last_used_at: t.last_used_at.map(utc),
        revoked_at: t.revoked_at.map(utc),
        person: None,
        role: None,
    }
}

fn token_page(tokens: Vec<TokenOut>) -> String {
    let mut m = Map::new();
    m.insert(
        "tokens".to_owned(),
        serde_json::to_value(tokens).unwrap_or(Value::Null),
    );
    pretty(&Value::Object(m))
}

/// `stint token list --json`: `{"tokens": [...]}`, every token's name, scope, flags and dates
/// (UTC) without secrets, `person` (whom it speaks for) and `role` (member, manager or owner).
pub fn token_list(rows: &[stint_service::TokenListing]) -> String {
    token_page(
        rows.iter()
            .map(|r| TokenOut {
                person: Some(r.person.clone()),
                role: Some(r.role.as_str()),
                ..token_out(&r.token)
            })
            .collect(),
    )
}

/// `stint sync status --json`: this device, its peers, the billing device and the newest
/// decisions (times RFC 3339, UTC).
pub fn sync_status(s: &stint_service::SyncStatus, server: Option<&str>) -> String {
    let utc = |secs: i64| {
        DateTime::<Utc>::from_timestamp(secs, 0)
            .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    pretty(&serde_json::json!({
        "device_id": s.device_id,
        "device_no": s.device_no,
        "device_name": s.device_name,
        "folder": s.folder,
        "server": server,
        "billing_device": s.billing_device,
        "is_billing_device": s.is_billing_device,
        "unpublished": s.unpublished,
        "encrypted": s.encrypted,
        "auto_sync": s.auto_sync,
        "snapshot_seq": s.snapshot_seq,
        "running_timers": s.running_timers,
        "peers": s.peers.iter().map(|p| serde_json::json!({
            "device_id": p.device_id,
            "device_no": p.device_no,
            "name": p.name,
            "applied": p.applied,
            "pending": p.pending,
            "problem": p.problem,
        })).collect::<Vec<_>>(),
        "decisions_total": s.decisions_total,
        "decisions": s.decisions.iter().map(|d| serde_json::json!({
            "id": d.id,
            "at": utc(d.at),
            "change_id": d.change_id,
            "kind": d.kind,
            "detail": d.detail,
        })).collect::<Vec<_>>(),
    }))
}

/// `stint sync --json`: what one sync did, in the shape of the `sync` tool's answer.
pub fn sync_report(r: &stint_service::SyncReport) -> String {
    pretty(&crate::dto_changes::SyncOut::from(r))
}

/// `{"expenses": [...]}` as `list_expenses` answers (every matching expense, no cursor).
pub fn expenses(items: Vec<stint_domain::entities::Expense>) -> String {
    pretty(&crate::dto_billing::ExpensePageOut {
        expenses: items.into_iter().map(Into::into).collect(),
        next_cursor: None,
    })
}

/// `{"expense": ...}` as `create_expense`, `update_expense` and `delete_expense` answer.
pub fn expense(e: stint_domain::entities::Expense) -> String {
    pretty(&crate::dto_billing::ExpenseResultOut { expense: e.into() })
}

/// `{"task": ...}` as `create_task` and `update_task` answer (also `stint task show --json`).
pub fn task(k: &stint_domain::entities::Task) -> String {
    pretty(&crate::dto_tasks::TaskResultOut { task: k.into() })
}

/// `{"tasks": [...], "next_cursor"?}` as `list_tasks` answers.
pub fn tasks(page: &Page<stint_domain::entities::Task>) -> String {
    pretty(&crate::dto_tasks::TaskPageOut {
        tasks: page.items.iter().map(Into::into).collect(),
        next_cursor: page.next_cursor.clone(),
    })
}

/// `{"deleted": {"id", "name", "action", "note"?}}` as `delete_task` answers (`action` is
/// "archived" for `stint task archive`).
pub fn task_deleted(d: Deleted) -> String {
    pretty(&crate::dto_tasks::TaskDeletedOut { deleted: d.into() })
}

/// `stint invoice export N --csv FILE --json`: the `export_invoice_csv` answer with the file
/// written (`path` absolute, `rows` the data rows: lines plus the 3 total rows).
pub fn invoice_csv(inv: &Invoice, csv: String, path: Option<&std::path::Path>) -> String {
    pretty(&crate::dto_billing::CsvExportOut {
        invoice_id: inv.id.0,
        number: inv.number.clone(),
        rows: csv.lines().count().saturating_sub(1),
        csv,
        path: path.map(|p| p.display().to_string()),
    })
}

/// `stint invoice export N --pdf FILE --json`: the `export_invoice_pdf` answer for a file
/// written (`bytes` the PDF's size, `embedded` false: the PDF is only in the file).
pub fn invoice_pdf(e: &stint_service::PdfExport) -> String {
    pretty(&crate::dto_billing::PdfExportOut {
        invoice_id: e.invoice.id.0,
        number: e.invoice.number.clone(),
        bytes: e.pdf.len(),
        pages: e.pages,
        path: e.path.as_ref().map(|p| p.display().to_string()),
        embedded: e.path.is_none(),
    })
}

/// `{"key", "value"}`: one setting as `stint config get KEY` shows it (the value as text, as
/// `stint config set KEY VALUE` takes it).
pub fn setting(key: &str, value: &str) -> String {
    pretty(&serde_json::json!({ "key": key, "value": value }))
}

/// `{"path"}`: the file a command wrote or uses (`stint db path`, `stint db backup`), absolute
/// where the command knows it.
pub fn path(p: &std::path::Path) -> String {
    pretty(&serde_json::json!({ "path": p.display().to_string() }))
}

/// `stint token create --json`: `{"token": {...}, "secret"}`; the secret is shown only this
/// once (as in the text output).
pub fn token_created(row: &stint_service::TokenRow, secret: &str) -> String {
    let token = serde_json::to_value(token_out(row)).unwrap_or(Value::Null);
    pretty(&serde_json::json!({ "token": token, "secret": secret }))
}

/// `stint token revoke --json`: `{"revoked": {...}}`, the token as `stint token list` shows it.
pub fn token_revoked(row: &stint_service::TokenRow) -> String {
    let token = serde_json::to_value(token_out(row)).unwrap_or(Value::Null);
    pretty(&serde_json::json!({ "revoked": token }))
}

/// What `stint import` did (or, with `--dry-run`, would do).
#[derive(Debug, Serialize)]
struct ImportOut {
    /// The format read: stint, toggl, clockify, harvest, timewarrior, watson or stint-json.
    format: &'static str,
    /// The zone naive local times were read in.
    timezone: String,
    dry_run: bool,
    /// Data rows (entries) in the file.
    rows: usize,
    /// Tracks written (0 in a dry run).
    imported: usize,
    /// Rows recognised from an earlier import and skipped.
    skipped: usize,
    created_projects: usize,
    created_clients: usize,
    created_tags: usize,
    created_tasks: usize,
    /// People created for the file's users (names; a dry run: those it would create).
    created_people: Vec<String>,
    /// Zero-length entries left out.
    empty: usize,
    /// Running intervals (no end) left out.
    running: usize,
    /// Bad rows left out with `--skip-invalid`; the first of them, with their reasons.
    invalid: usize,
    invalid_rows: Vec<Value>,
    /// Rows left out as repeats of an earlier row of the file; the first of them.
    duplicates: usize,
    duplicate_rows: Vec<Value>,
    /// Dates (a format without times of day) whose entries add up to more than the day.
    crowded_dates: Vec<String>,
    /// The first rows as read: start and end UTC (RFC 3339), names, description.
    preview: Vec<Value>,
    /// For a stint JSON copy: rows restored per table.
    #[serde(skip_serializing_if = "Option::is_none")]
    restored: Option<Map<String, Value>>,
}

/// `stint import --json`: the counts, the rows left out (capped as in the text output), the
/// preview and, for a stint JSON copy, the rows restored per table.
pub fn import_report(r: &stint_service::ImportReport) -> String {
    let s = &r.summary;
    let utc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    pretty(&ImportOut {
        format: r.format.as_str(),
        timezone: r.timezone.clone(),
        dry_run: r.dry_run,
        rows: s.rows,
        imported: s.imported,
        skipped: s.skipped,
        created_projects: s.created_projects,
        created_clients: s.created_clients,
        created_tags: s.created_tags,
        created_tasks: s.created_tasks,
        created_people: s.created_people.clone(),
        empty: s.empty,
        running: s.running,
        invalid: s.invalid,
        invalid_rows: s
            .invalid_rows
            .iter()
            .map(|b| serde_json::json!({ "place": b.place.to_string(), "reason": b.reason }))
            .collect(),
        duplicates: s.duplicates,
        duplicate_rows: s
            .duplicate_rows
            .iter()
            .map(|d| {
                serde_json::json!({ "place": d.place.to_string(), "first": d.first.to_string() })
            })
            .collect(),
        crowded_dates: s.crowded_dates.iter().map(|d| d.to_string()).collect(),
        preview: r
            .preview
            .iter()
            .map(|p| {
                serde_json::json!({
                    "start": utc(p.start),
                    "end": utc(p.end),
                    "project": p.project,
                    "client": p.client,
                    "task": p.task,
                    "tags": p.tags,
                    "description": p.description,
                    "billable": p.billable,
                    "hourly_rate": p.rate.map(|d| d.to_string()),
                })
            })
            .collect(),
        restored: r.restored.as_ref().map(|p| {
            p.tables
                .iter()
                .map(|(t, n)| (t.clone(), Value::from(*n)))
                .collect()
        }),
    })
}
