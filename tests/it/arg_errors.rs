//! Arguments that do not deserialize are answered with a tool error (`isError: true`, as MCP
//! 2025-11-25 asks of input validation errors) that names the argument path, what it takes
//! (from the tool's input schema) and what was sent, on stdio and on the plain HTTP POST path.
//! Each case is `(tool, arguments, the whole error text)`.

use serde_json::{Value, json};

use super::util::{Env, Mcp};

/// Wrong types, unknown names (with the closest one), missing required arguments, values out
/// of range and nested fields, over many tools.
fn cases() -> Vec<(&'static str, Value, &'static str)> {
    vec![
        // Wrong type: a string where a list goes; the example wraps what was sent.
        (
            "create_track",
            json!({"start": "9:00", "duration": "1h", "tags": "design"}),
            "`tags` must be a list of ids (whole numbers) or names (text) (Tag ids or names; each must exist), e.g. [\"design\"]; got text \"design\"",
        ),
        (
            "create_invoice",
            json!({"client": "Acme", "from": "last month", "projects": "project"}),
            "`projects` must be a list of ids (whole numbers) or names (text) (Project ids or names (default: all the client's)), e.g. [\"project\"]; got text \"project\"",
        ),
        (
            "time_summary",
            json!({"from": "last week", "group_by": "project"}),
            "`group_by` must be a list of texts (One or two groupings, outer first: day, week, month, year, project, client, tag, task, milestone, person), e.g. [\"project\"]; got text \"project\"",
        ),
        (
            "list_tracks",
            json!({"limit": "ten"}),
            "`limit` must be a whole number, 0 or more (Page size, 1 to 500 (default 50)); got text \"ten\"",
        ),
        (
            "create_track",
            json!({"start": "9:00", "duration": "1h", "billable": "yes"}),
            "`billable` must be true or false (Default: the task's, else the project's); got text \"yes\"",
        ),
        (
            "create_track",
            json!({"start": "9:00", "duration": "1h", "project": ["Website"]}),
            "`project` must be an id (a whole number) or a name (text) (Project id or exact name (case-insensitive)); got a list of 1 items",
        ),
        // A wrong item inside a list: the path names the item.
        (
            "create_track",
            json!({"start": "9:00", "duration": "1h", "tags": ["design", true]}),
            "`tags[1]` must be an id (a whole number) or a name (text); got a boolean true",
        ),
        // Out of range for an unsigned number.
        (
            "list_tracks",
            json!({"limit": -5}),
            "`limit` must be a whole number, 0 or more (Page size, 1 to 500 (default 50)); got a number -5",
        ),
        // Unknown argument: the tool's arguments and the closest name.
        (
            "update_task",
            json!({"task": 1, "project": "Website"}),
            "`project` is not an argument of `update_task`; it takes: assignee, billable, due_date, estimate_hours, milestone, name, priority, rate, status, task",
        ),
        (
            "create_invoice",
            json!({"client": "Acme", "from": "last month", "project": ["Website"]}),
            "`project` is not an argument of `create_invoice`; it takes: client, discount_amount, discount_percent, dry_run, due_days, from, group_by, include_expenses, notes, person, projects, request_id, tax_rate_percent, to; did you mean `projects`?",
        ),
        (
            "list_tracks",
            json!({"form": "last week"}),
            "`form` is not an argument of `list_tracks`; it takes: billable, client, cursor, from, invoiced, limit, person, project, running, search, tag, task, to; did you mean `from`?",
        ),
        // Missing required argument.
        (
            "update_task",
            json!({"name": "New name"}),
            "`update_task` needs `task`: an id (a whole number) or a name (text) (Task id or name)",
        ),
        (
            "time_summary",
            json!({"from": "last week"}),
            "`time_summary` needs `group_by`: a list of texts (One or two groupings, outer first: day, week, month, year, project, client, tag, task, milestone, person)",
        ),
        // Our own lenient readers (ids, decimals) say what they take too.
        (
            "get_track",
            json!({"track_id": [12]}),
            "`track_id` must be a whole number (Id of the track); got a list of 1 items",
        ),
        (
            "create_expense",
            json!({"date": "2026-11-20", "amount": true, "description": "Train"}),
            "`amount` must be a number, or a decimal as text such as \"12.50\" (e.g. \"12.50\"); got a boolean true",
        ),
        // A number too large for its type, which the schema does not show.
        (
            "list_tracks",
            json!({"limit": 5_000_000_000_i64}),
            "`limit` must be a whole number, 0 or more (Page size, 1 to 500 (default 50)), from 0 to 4294967295; got a number 5000000000",
        ),
        // Bad value of an enumerated field given as the wrong type, and nested fields.
        (
            "update_settings",
            json!({"rounding": {"mode": 15}}),
            "`rounding.mode` must be text (\"none\", \"up\", \"down\" or \"nearest\" (a tie rounds up)); got a number 15",
        ),
        (
            "update_settings",
            json!({"rounding": {"increment": 15}}),
            "`increment` is not a field of `rounding` in `update_settings`; it takes: increment_minutes, mode, scope; did you mean `increment_minutes`?",
        ),
        (
            "update_settings",
            json!({"rounding": "nearest"}),
            "`rounding` must be an object with fields increment_minutes, mode, scope (The `rounding` part of `update_settings`); got text \"nearest\"",
        ),
    ]
}

/// The text of a tool error answer; fails on a success or a JSON-RPC error.
fn error_text(tool: &str, answer: &Value) -> String {
    assert_eq!(
        answer["result"]["isError"],
        json!(true),
        "{tool}: a tool error expected: {answer}"
    );
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn stdio_argument_errors_name_the_argument_and_its_shape() {
    let env = Env::new();
    let mut mcp = Mcp::new(&env);
    let mut wrong = Vec::new();
    for (tool, args, expected) in cases() {
        let got = error_text(tool, &mcp.call_raw(tool, args.clone()));
        if got != expected {
            wrong.push(format!(
                "{tool} {args}\n  expected: {expected}\n  got:      {got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn http_argument_errors_name_the_argument_and_its_shape() {
    let s = super::http::start();
    let (_, token) = s.svc.create_token("writer", "admin", false).unwrap();
    let bearer = format!("Bearer {token}");
    let mut wrong = Vec::new();
    for (tool, args, expected) in cases() {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": tool, "arguments": args}});
        let (status, _, text) = s.post(&body.to_string(), &[("Authorization", &bearer)]);
        assert_eq!(status, 200, "{tool}: {text}");
        let got = error_text(tool, &serde_json::from_str(&text).unwrap());
        if got != expected {
            wrong.push(format!(
                "{tool} {args}\n  expected: {expected}\n  got:      {got}"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
