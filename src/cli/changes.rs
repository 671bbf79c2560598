//! `stint undo` and `stint history`: the change log from the terminal.

use std::process::ExitCode;

use clap::Args;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_service::{ListChanges, Service};

/// `stint undo`.
#[derive(Debug, Args)]
pub struct UndoArgs {
    /// The change to undo (an id from `stint history`); default: your latest CLI change still
    /// in effect. Undoing an undo brings the change back.
    pub change_id: Option<i64>,
}

/// `stint history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// How many changes to show, newest first (1 to 500).
    #[arg(long, short = 'n', default_value_t = 20)]
    pub limit: u32,
}

/// Undoes a change and says what was reverted.
pub fn undo(svc: &Service, a: &UndoArgs) -> anyhow::Result<ExitCode> {
    let u = svc.undo_change(a.change_id)?;
    if super::out().json {
        println!("{}", stint_api::json::undone(&u));
        return Ok(ExitCode::SUCCESS);
    }
    println!("Undid change {}: {}", u.reverted.id, u.reverted.summary);
    println!(
        "(recorded as change {}; `stint undo {}` brings it back)",
        u.undo.id, u.undo.id
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints the newest changes as a table.
pub fn history(svc: &Service, a: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let page = svc.list_changes(ListChanges {
        limit: Some(a.limit),
        cursor: None,
    })?;
    if super::out().json {
        println!("{}", stint_api::json::changes(&page));
        return Ok(ExitCode::SUCCESS);
    }
    if page.items.is_empty() {
        println!("No changes recorded yet.");
        return Ok(ExitCode::SUCCESS);
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(["id", "at", "by", "change", "state"]);
    let tz = svc.get_settings()?.effective_timezone;
    for c in &page.items {
        let by = match &c.token_name {
            Some(t) => format!("{} ({t})", c.frontend),
            None => c.frontend.clone(),
        };
        let state = match (c.undone_by, c.undo_of, c.undoable) {
            (Some(u), _, _) => format!("undone by {u}"),
            (None, Some(o), _) => format!("undo of {o}"),
            (None, None, false) => "not undoable".to_owned(),
            (None, None, true) => String::new(),
        };
        table.add_row([
            c.id.to_string(),
            c.at.with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
            by,
            c.summary.clone(),
            state,
        ]);
    }
    println!("{table}");
    Ok(ExitCode::SUCCESS)
}
