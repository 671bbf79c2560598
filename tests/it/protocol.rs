//! The MCP protocol in-process: JSON-RPC lines in, answers out, through rmcp and the stdio
//! adapter, on a real database.

use super::util::call_line as call;
use super::util::{Env, mcp_session as session};
use serde_json::{Value, json};

/// Every tool of the catalogue: names are a contract (docs/rules.md, "MCP tool catalogue").
const TOOLS: [&str; 50] = [
    "start_timer",
    "continue_timer",
    "stop_timer",
    "list_running_timers",
    "create_track",
    "list_tracks",
    "get_track",
    "update_track",
    "delete_track",
    "create_project",
    "list_projects",
    "get_project",
    "update_project",
    "delete_project",
    "create_tag",
    "list_tags",
    "update_tag",
    "delete_tag",
    "create_client",
    "list_clients",
    "get_client",
    "update_client",
    "delete_client",
    "create_invoice",
    "list_invoices",
    "get_invoice",
    "update_invoice",
    "mark_invoice_sent",
    "mark_invoice_paid",
    "void_invoice",
    "delete_invoice",
    "export_invoice_csv",
    "export_invoice_pdf",
    "time_summary",
    "top_projects",
    "budget_status",
    "unbilled_summary",
    "get_settings",
    "update_settings",
    "list_changes",
    "undo_change",
    "create_task",
    "list_tasks",
    "update_task",
    "delete_task",
    "create_expense",
    "list_expenses",
    "update_expense",
    "delete_expense",
    "sync",
];

#[test]
fn bare_tool_call_without_initialize() {
    let env = Env::new();
    let out = session(
        &env,
        &format!("{}\n", call(1, "list_running_timers", json!({}))),
    );
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["id"], 1);
    assert_eq!(
        out[0]["result"]["structuredContent"],
        json!({"count": 0, "timers": []})
    );
    assert_eq!(out[0]["result"]["isError"], false);
}

#[test]
fn initialize_then_list_tools() {
    let env = Env::new();
    let input = [
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "test", "version": "1"}}}).to_string(),
        json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string(),
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
    ]
    .join("\n");
    let out = session(&env, &input);
    assert_eq!(out.len(), 2, "{out:?}");
    let info = &out[0]["result"];
    assert_eq!(info["serverInfo"]["name"], "stint");
    assert_eq!(info["serverInfo"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(info["protocolVersion"], "2025-06-18");
    let tools = out[1]["result"]["tools"].as_array().unwrap();
    let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
    for name in TOOLS {
        assert!(names.contains(&name), "missing tool {name}");
    }
    assert_eq!(
        names.len(),
        TOOLS.len(),
        "no tool outside the catalogue: {names:?}"
    );
    for t in tools {
        let name = &t["name"];
        assert!(
            t["description"].as_str().is_some_and(|d| d.ends_with('.')),
            "{name}: one sentence"
        );
        assert!(t["title"].is_string(), "{name}: top-level title");
        assert!(
            stint::mcp::catalog::spec(name.as_str().unwrap()).is_some(),
            "{name} is routed but missing from the table of tool kinds in src/mcp/catalog.rs"
        );
        // Hints are written where they differ from MCP's defaults (readOnlyHint false,
        // destructiveHint true, idempotentHint false); read with those defaults, they are the
        // kind's.
        let (read_only, destructive, idempotent) =
            stint::mcp::catalog::spec(name.as_str().unwrap())
                .unwrap()
                .kind
                .hints();
        let hint = |h: &str, default: bool| t["annotations"][h].as_bool().unwrap_or(default);
        assert_eq!(hint("readOnlyHint", false), read_only, "{name}");
        if !read_only {
            assert_eq!(hint("destructiveHint", true), destructive, "{name}");
            assert_eq!(hint("idempotentHint", false), idempotent, "{name}");
        }
        assert_eq!(t["annotations"]["openWorldHint"], false, "{name}");
        assert_eq!(t["inputSchema"]["type"], "object", "{name}");
        assert_eq!(t["outputSchema"]["type"], "object", "{name}");
        let props = t["inputSchema"]["properties"]
            .as_object()
            .cloned()
            .unwrap_or_default();
        for (field, schema) in props {
            assert!(
                schema["description"].is_string(),
                "{name}.{field} has no description"
            );
        }
    }
}

#[test]
fn answers_in_order_with_errors_in_between() {
    let env = Env::new();
    let input = [
        call(1, "create_client", json!({"name": "Acme", "currency": "EUR", "hourly_rate": 100})),
        "{not json".to_owned(),
        call(2, "create_project", json!({"name": "Website", "client": "acme"})),
        "[]".to_owned(),
        String::new(),
        call(3, "create_track", json!({"start": "2026-11-20 11:00", "end": "2026-11-20 09:00"})),
        call(4, "get_track", json!({"track_id": 99})),
        call(5, "create_track", json!({"project": "Website", "start": "2026-11-20 09:00", "duration": "1h30m"})),
        json!({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "no_such_tool", "arguments": {}}}).to_string(),
        call(7, "create_track", json!({"start": 5})),
        call(8, "update_settings", json!({"timezone": "Mars/Olympus"})),
    ]
    .join("\n");
    let out = session(&env, &input);
    let ids: Vec<Value> = out.iter().map(|o| o["id"].clone()).collect();
    assert_eq!(
        ids,
        [
            json!(1),
            Value::Null,
            json!(2),
            Value::Null,
            json!(3),
            json!(4),
            json!(5),
            json!(6),
            json!(7),
            json!(8)
        ]
    );
    assert_eq!(out[1]["error"]["code"], -32700);
    assert_eq!(out[3]["error"]["code"], -32600);
    assert_eq!(out[4]["result"]["isError"], true);
    assert!(
        out[4]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("before the start")
    );
    assert!(
        out[5]["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("no track has id 99")
    );
    let track = &out[6]["result"]["structuredContent"]["track"];
    assert_eq!(track["duration_seconds"], 5400);
    assert_eq!(track["duration"], "1:30");
    assert_eq!(track["start"], "2026-11-20T09:00:00+01:00");
    assert_eq!(track["project"], "Website");
    assert_eq!(track["client"], "Acme");
    assert_eq!(track["billable"], true);
    assert!(
        out[7]["error"].is_object(),
        "unknown tool is a protocol error: {}",
        out[7]
    );
    // Arguments that break the schema get a tool error naming the argument and its shape.
    assert_eq!(out[8]["result"]["isError"], true, "{}", out[8]);
    assert_eq!(
        out[8]["result"]["content"][0]["text"],
        "`start` must be text (As start_timer's. Send two of start, end, duration); got a number 5"
    );
    assert_eq!(out[9]["result"]["isError"], true);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 1);
}

#[test]
fn stateless_request_with_meta() {
    let env = Env::new();
    let req = json!({
        "jsonrpc": "2.0", "id": "a", "method": "tools/call",
        "params": {
            "name": "get_settings", "arguments": {},
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientCapabilities": {},
                "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}
            }
        }
    });
    let out = session(&env, &format!("{req}\n"));
    assert_eq!(out.len(), 1, "{out:?}");
    assert_eq!(out[0]["id"], "a");
    assert!(
        out[0]["result"].is_object() || out[0]["error"].is_object(),
        "{}",
        out[0]
    );
}

#[test]
fn empty_input_is_a_clean_exit() {
    let env = Env::new();
    assert!(session(&env, "").is_empty());
    assert!(session(&env, "\n\n").is_empty());
}

/// The default `tools/list` answer stays small enough for an assistant's context: at most
/// 48,000 bytes, the ceiling scripts/catalog-size.sh enforces on the release binary: the
/// catalogue grew from 38,919 bytes (40 tools) by the four task tools and `task` on the track
/// tools (about 3,000), export_invoice_pdf and its settings (about 1,350), the expense tools
/// and invoice arguments (about 3,800) and sync (about 600).
#[test]
fn tools_list_is_compact() {
    let env = Env::new();
    let input = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string();
    let out = session(&env, &input);
    let bytes = serde_json::to_string(&out[0]).unwrap().len();
    assert!(bytes <= 48_000, "tools/list is {bytes} bytes");
    for t in out[0]["result"]["tools"].as_array().unwrap() {
        let schema = t["outputSchema"].to_string();
        for noise in ["$schema", "\"format\"", "\"description\""] {
            assert!(
                !schema.contains(noise),
                "{}: {noise} in {schema}",
                t["name"]
            );
        }
    }
}

/// One table decides annotations and scopes: kinds agree with the HTTP scope each tool
/// needs, and a tool outside the table gets no scope at all.
#[test]
fn tool_kinds_drive_annotations_and_scopes() {
    use stint::mcp::catalog::{TEAM_TOOLS, TOOLS as KINDS, ToolKind, required_scope, spec};
    use stint::service::Scope;
    // The default catalogue, and the team tools served when asked for (tests/it/team.rs).
    assert_eq!(KINDS.len(), TOOLS.len());
    for name in TOOLS
        .iter()
        .copied()
        .chain(TEAM_TOOLS.iter().map(|t| t.name))
    {
        assert!(spec(name).is_some(), "{name} is not in the table");
    }
    assert_eq!(required_scope("list_tracks"), Some(Scope::Read));
    assert_eq!(required_scope("export_invoice_csv"), Some(Scope::Read));
    assert_eq!(required_scope("create_track"), Some(Scope::Write));
    assert_eq!(required_scope("update_project"), Some(Scope::Write));
    assert_eq!(required_scope("delete_track"), Some(Scope::Admin));
    assert_eq!(required_scope("void_invoice"), Some(Scope::Admin));
    assert_eq!(required_scope("update_settings"), Some(Scope::Admin));
    assert_eq!(required_scope("no_such_tool"), None);
    for s in KINDS {
        let (read_only, destructive, _) = s.kind.hints();
        assert_eq!(read_only, s.kind == ToolKind::Read, "{}", s.name);
        if destructive {
            assert!(s.kind.scope() >= Scope::Write, "{}", s.name);
        }
        if s.name.starts_with("delete_") {
            assert_eq!(s.kind.scope(), Scope::Admin, "{}", s.name);
        }
        if s.name.starts_with("get_") || s.name.starts_with("list_") {
            assert_eq!(s.kind, ToolKind::Read, "{}", s.name);
        }
    }
}
