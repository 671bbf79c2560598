//! Errors and notes in the words of the terminal.
//!
//! The service writes one message per error, in the vocabulary of its canonical API: the MCP
//! tools and their arguments ("create it with create_project", "send track_id"), which is what
//! an assistant reads. The CLI shows the same error with commands and flags instead ("create
//! it with `stint project add NAME`", "pass --id"). [`cli_words`] does that with one table
//! ([`PHRASES`], longest phrases first, whole words only), so every message that names a tool
//! or an argument is translated as a class, not call site by call site.

use stint_service::ServiceError;

/// Tool and argument phrases of service messages, and what the terminal shows instead.
///
/// Longer phrases come first so that `update_project archived=false` wins over
/// `update_project`. Every tool of the catalogue that a message may name is here; a test
/// provokes the messages and checks that no tool name is left.
pub const PHRASES: &[(&str, &str)] = &[
    // Phrases with arguments.
    (
        "update_project archived=false",
        "`stint project edit PROJECT --unarchive`",
    ),
    (
        "update_client archived=false",
        "`stint client edit CLIENT --unarchive`",
    ),
    (
        "delete_project with archive=true",
        "`stint project archive PROJECT`",
    ),
    (
        "delete_client with archive=true",
        "`stint client archive CLIENT`",
    ),
    ("stop_timer with end", "`stint stop --at TIME`"),
    (
        "list_tracks (billable=true, invoiced=false)",
        "`stint tracks`",
    ),
    (
        "list_projects with `search`",
        "`stint project list --search TEXT`",
    ),
    (
        "list_clients with `search`",
        "`stint client list --search TEXT`",
    ),
    ("list_tags with `search`", "`stint tag list --search TEXT`"),
    ("undo_change with change_id", "`stint undo ID`"),
    ("send track_id", "pass --id"),
    ("send allow_duplicate: true", "pass --allow-duplicate"),
    ("send client to say whose", "pass --client to say whose"),
    ("send force=true", "pass --force"),
    ("send an `end`", "pass --at TIME"),
    ("widen from/to", "widen --from/--to"),
    ("with `projects`", "with --project"),
    (
        "send two of start, end and duration",
        "give two of --start, --end and --duration",
    ),
    (
        "send either end or duration",
        "give either --end or --duration",
    ),
    ("`to`", "--to"),
    ("`from`", "--from"),
    // Tools.
    ("create_project", "`stint project add NAME`"),
    ("create_client", "`stint client add NAME`"),
    ("create_tag", "`stint tag add NAME`"),
    ("list_projects", "`stint project list`"),
    ("list_clients", "`stint client list`"),
    ("list_tags", "`stint tag list`"),
    ("get_project", "`stint project show`"),
    ("get_client", "`stint client show`"),
    ("update_project", "`stint project edit`"),
    ("update_client", "`stint client edit`"),
    ("update_tag", "`stint tag edit`"),
    ("delete_project", "`stint project delete`"),
    ("delete_client", "`stint client delete`"),
    ("delete_tag", "`stint tag delete`"),
    ("list_running_timers", "`stint status`"),
    ("list_tracks", "`stint tracks`"),
    ("get_track", "`stint tracks`"),
    ("start_timer", "`stint start`"),
    ("continue_timer", "`stint continue`"),
    ("stop_timer", "`stint stop`"),
    ("create_track", "`stint log`"),
    ("update_track", "`stint edit ID`"),
    ("delete_track", "`stint delete ID`"),
    ("create_invoice", "`stint invoice create`"),
    ("list_invoices", "`stint invoice list`"),
    ("get_invoice", "`stint invoice show`"),
    ("update_invoice", "`stint invoice`"),
    ("mark_invoice_sent", "`stint invoice send`"),
    ("mark_invoice_paid", "`stint invoice paid`"),
    ("void_invoice", "`stint invoice void`"),
    ("delete_invoice", "`stint invoice delete`"),
    ("export_invoice_csv", "`stint invoice export`"),
    ("time_summary", "`stint report`"),
    ("top_projects", "`stint report`"),
    ("unbilled_summary", "`stint report`"),
    ("budget_status", "`stint budget`"),
    ("get_settings", "`stint config get`"),
    ("update_settings", "`stint config set`"),
    ("create_task", "`stint task add NAME -p PROJECT`"),
    ("list_tasks", "`stint task list`"),
    ("update_task", "`stint task edit`"),
    ("delete_task", "`stint task delete`"),
    ("create_expense", "`stint expense add`"),
    ("list_expenses", "`stint expense list`"),
    ("update_expense", "`stint expense edit`"),
    ("delete_expense", "`stint expense delete`"),
    ("export_invoice_pdf", "`stint invoice export --pdf`"),
    ("list_changes", "`stint history`"),
    ("undo_change", "`stint undo`"),
    // What is left of "send ...": a person gives values on the command line.
    ("send", "give"),
    ("Send", "Give"),
];

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// `text` with the tool and argument phrases of [`PHRASES`] replaced by commands and flags.
/// Phrases match whole words only (`list_tracks` is not found inside `my_list_tracks`).
pub fn cli_words(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len() + 32);
    let mut i = 0;
    'scan: while i < bytes.len() {
        let at_word_start = i == 0 || !is_word_byte(bytes[i - 1]);
        if at_word_start {
            for (from, to) in PHRASES {
                let end = i + from.len();
                if text.get(i..end) == Some(*from)
                    && (end == bytes.len() || !is_word_byte(bytes[end]))
                {
                    out.push_str(to);
                    i = end;
                    continue 'scan;
                }
            }
        }
        let ch = text[i..].chars().next().unwrap_or(' ');
        out.push(ch);
        i += ch.len_utf8().max(1);
    }
    out
}

/// An error as the person at the terminal reads it: service errors in the CLI's words (see
/// [`cli_words`]), the rest with their causes.
pub fn render(e: &anyhow::Error) -> String {
    match e.downcast_ref::<ServiceError>() {
        Some(s) => cli_words(&s.to_string()),
        None => cli_words(&format!("{e:#}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tools_and_arguments_become_commands_and_flags() {
        assert_eq!(
            cli_words("2 timers are running (a, b); send track_id to say which to stop"),
            "2 timers are running (a, b); pass --id to say which to stop"
        );
        assert_eq!(
            cli_words("unarchive it first (update_project archived=false) or"),
            "unarchive it first (`stint project edit PROJECT --unarchive`) or"
        );
        assert_eq!(cli_words("my_list_tracks"), "my_list_tracks");
        assert_eq!(
            cli_words("Übersetzung list_tags"),
            "Übersetzung `stint tag list`"
        );
    }
}
