//! MCP Apps (`io.modelcontextprotocol/ui`) and what a client hears without an app: the
//! catalogue with and without the extension, the `ui://` resources, `show_week`, logging,
//! the running-timer subscription and progress, all through the stdio adapter.

use super::util::{Env, Mcp};
use serde_json::{Value, json};

const UI: &str = "io.modelcontextprotocol/ui";
const MIME: &str = "text/html;profile=mcp-app";

/// A session after `initialize` with `capabilities`.
fn session(env: &Env, capabilities: Value) -> Mcp {
    let mut mcp = Mcp::new(env);
    let init = mcp.request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": capabilities,
               "clientInfo": {"name": "stint-tests", "version": "1"}}),
    );
    assert!(init.get("result").is_some(), "{init}");
    mcp.send_line(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}).to_string());
    mcp
}

fn app_client() -> Value {
    json!({"extensions": {UI: {"mimeTypes": [MIME]}}})
}

/// The tools/list answer's `result`.
fn tools_list(mcp: &mut Mcp) -> Value {
    mcp.request("tools/list", json!(null))["result"].clone()
}

/// A client without the extension gets the catalogue it got before the apps existed; a client
/// with it gets the same plus `show_week` and `_meta.ui` links on the four tools that open an
/// app, and nothing else differs.
#[test]
fn catalogue_grows_only_for_clients_announcing_apps() {
    let env = Env::new();
    let plain = tools_list(&mut session(&env, json!({})));
    let bare = tools_list(&mut Mcp::new(&env));
    assert_eq!(
        plain, bare,
        "initialize without the extension changes nothing"
    );
    // A client that lists other mime types only does not get the apps either.
    let other = tools_list(&mut session(
        &env,
        json!({"extensions": {UI: {"mimeTypes": ["text/html"]}}}),
    ));
    assert_eq!(plain, other);
    let text = plain.to_string();
    assert!(
        !text.contains("show_week") && !text.contains("ui://"),
        "{text}"
    );
    assert_eq!(plain["tools"].as_array().unwrap().len(), 50);

    let mut apps = tools_list(&mut session(&env, app_client()));
    let tools = apps["tools"].as_array_mut().unwrap();
    assert_eq!(tools.len(), 51);
    let mut links = Vec::new();
    let mut show_week = None;
    tools.retain_mut(|t| {
        if let Some(meta) = t.as_object_mut().unwrap().remove("_meta") {
            links.push((
                t["name"].as_str().unwrap().to_owned(),
                meta["ui"]["resourceUri"].as_str().unwrap().to_owned(),
                meta["ui/resourceUri"].as_str().unwrap().to_owned(),
            ));
        }
        if t["name"] == "show_week" {
            show_week = Some(t.clone());
            return false;
        }
        true
    });
    links.sort();
    let link = |n: &str, u: &str| (n.to_owned(), u.to_owned(), u.to_owned());
    assert_eq!(
        links,
        vec![
            link("create_invoice", "ui://stint/invoice"),
            link("get_invoice", "ui://stint/invoice"),
            link("show_week", "ui://stint/week"),
            link("time_summary", "ui://stint/week"),
        ]
    );
    assert_eq!(apps, plain, "only show_week and the links are added");
    let show_week = show_week.unwrap();
    assert_eq!(show_week["title"], "Show week");
    assert_eq!(show_week["annotations"]["readOnlyHint"], true);
    assert_eq!(
        show_week["inputSchema"]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .collect::<Vec<_>>(),
        vec!["client", "date", "project", "tag"]
    );
}

/// The apps are listed for app clients only, and read as self-contained HTML of the app mime
/// type that asks for no network origin.
#[test]
fn app_resources_are_listed_for_app_clients_and_read_as_html() {
    let env = Env::new();
    let uris = |list: &Value| -> Vec<String> {
        list["resources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["uri"].as_str().unwrap().to_owned())
            .collect()
    };
    let mut plain = session(&env, json!({}));
    let plain_list = plain.request("resources/list", json!(null))["result"].clone();
    assert_eq!(
        uris(&plain_list),
        vec![
            "stint://timers/running",
            "stint://tracks/today",
            "stint://settings"
        ]
    );
    let mut apps = session(&env, app_client());
    let list = apps.request("resources/list", json!(null))["result"].clone();
    assert_eq!(
        uris(&list),
        vec![
            "stint://timers/running",
            "stint://tracks/today",
            "stint://settings",
            "ui://stint/week",
            "ui://stint/invoice"
        ]
    );
    let week = &list["resources"][3];
    assert_eq!(week["mimeType"], MIME);
    let no_network =
        json!({"csp": {"connectDomains": [], "resourceDomains": []}, "prefersBorder": true});
    assert_eq!(week["_meta"]["ui"], no_network);
    for (uri, marker) in [
        ("ui://stint/week", "id=\"week-table\""),
        ("ui://stint/invoice", "id=\"lines-table\""),
    ] {
        let read = apps.request("resources/read", json!({"uri": uri}))["result"].clone();
        let c = &read["contents"][0];
        assert_eq!(c["uri"], uri);
        assert_eq!(c["mimeType"], MIME);
        assert_eq!(c["_meta"]["ui"], no_network);
        let html = c["text"].as_str().unwrap();
        assert!(html.starts_with("<!doctype html>"), "{uri}");
        assert!(html.contains(marker), "{uri} has no {marker}");
        for remote in ["http://", "https://", "src=\"//", "@import"] {
            assert!(!html.contains(remote), "{uri} loads {remote}");
        }
    }
}

/// `show_week` answers as `time_summary` for the week by day and project (and `stint week
/// --json`): the same rows and totals.
#[test]
fn show_week_answers_as_time_summary_of_the_week() {
    let env = Env::new();
    let mut mcp = session(&env, app_client());
    mcp.call_ok("create_project", json!({"name": "Website"}));
    for (start, end) in [
        ("2026-11-16 09:00", "2026-11-16 11:30"),
        ("2026-11-18 14:00", "2026-11-18 15:15"),
        ("2026-11-13 09:00", "2026-11-13 10:00"),
    ] {
        mcp.call_ok(
            "create_track",
            json!({"project": "Website", "start": start, "end": end}),
        );
    }
    let week = mcp.call_ok("show_week", json!({"date": "2026-11-18"}));
    let summary = mcp.call_ok(
        "time_summary",
        json!({"from": "2026-11-16", "to": "2026-11-22", "group_by": ["day", "project"]}),
    );
    assert_eq!(week, summary);
    assert_eq!(week["totals"]["duration_seconds"], 3 * 3600 + 45 * 60);
    assert_eq!(
        mcp.call_ok("show_week", json!({})),
        summary,
        "default: this week"
    );
    let err = mcp.call_err("show_week", json!({"date": "someday"}));
    assert!(err.contains("someday"), "{err}");
    // Without the extension the tool is not there.
    let mut plain = session(&env, json!({}));
    let answer = plain.call_raw("show_week", json!({}));
    assert!(answer.get("error").is_some(), "{answer}");
}

/// The `notifications/message` lines of `mcp` so far: (level, logger, message).
fn log_lines(mcp: &mut Mcp) -> Vec<(String, String, String)> {
    let lines = mcp
        .notifications
        .iter()
        .filter(|n| n["method"] == "notifications/message")
        .map(|n| {
            let p = &n["params"];
            (
                p["level"].as_str().unwrap().to_owned(),
                p["logger"].as_str().unwrap().to_owned(),
                p["data"]["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    mcp.notifications.clear();
    lines
}

/// Sync logs to the client at info (what it did) and error (why it failed) once the client
/// asked with `logging/setLevel`, which decides which of those it hears.
#[test]
fn sync_logs_respect_the_level() {
    let env = Env::new();
    let folder = env.dir.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    let not_a_folder = env.dir.path().join("file.txt");
    std::fs::write(&not_a_folder, "x").unwrap();
    let mut mcp = session(&env, json!({}));

    mcp.call_ok("create_project", json!({"name": "Website"}));
    mcp.call_ok("sync", json!({"folder": folder.to_str().unwrap()}));
    assert_eq!(
        log_lines(&mut mcp),
        vec![],
        "no log line before the client asks for one (scripts read one line per request)"
    );
    assert_eq!(
        mcp.request("logging/setLevel", json!({"level": "info"}))["result"],
        json!({})
    );
    mcp.call_ok("sync", json!({"folder": folder.to_str().unwrap()}));
    let info = log_lines(&mut mcp);
    assert_eq!(
        info.first().map(|(l, g, _)| (l.as_str(), g.as_str())),
        Some(("info", "sync")),
        "{info:?}"
    );
    assert!(
        info[0].2.starts_with("sync finished: ")
            && info[0].2.contains(" applied from other devices"),
        "{info:?}"
    );

    assert_eq!(
        mcp.request("logging/setLevel", json!({"level": "error"}))["result"],
        json!({})
    );
    mcp.call_ok("sync", json!({"folder": folder.to_str().unwrap()}));
    assert_eq!(log_lines(&mut mcp), vec![], "info is below error");
    let failed = mcp.call_err("sync", json!({"folder": not_a_folder.to_str().unwrap()}));
    let errors = log_lines(&mut mcp);
    assert_eq!(
        errors,
        vec![(
            "error".to_owned(),
            "sync".to_owned(),
            format!("sync failed: {failed}")
        )]
    );

    assert_eq!(
        mcp.request("logging/setLevel", json!({"level": "emergency"}))["result"],
        json!({})
    );
    mcp.call_err("sync", json!({"folder": not_a_folder.to_str().unwrap()}));
    assert_eq!(log_lines(&mut mcp), vec![], "error is below emergency");
}

/// The `notifications/resources/updated` URIs of `mcp` so far.
fn updates(mcp: &mut Mcp) -> Vec<String> {
    let uris = mcp
        .notifications
        .iter()
        .filter(|n| n["method"] == "notifications/resources/updated")
        .map(|n| n["params"]["uri"].as_str().unwrap().to_owned())
        .collect();
    mcp.notifications.clear();
    uris
}

/// A client subscribed to the running timers hears when one starts or stops (in this process
/// or, at its next request, in another), not when nothing changed, and nothing after it
/// unsubscribed.
#[test]
fn running_timer_subscription_hears_starts_and_stops() {
    let env = Env::new();
    let mut mcp = session(&env, json!({}));
    let running = "stint://timers/running".to_owned();
    let caps = Mcp::new(&env).request(
        "initialize",
        json!({"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}),
    );
    assert_eq!(
        caps["result"]["capabilities"]["resources"]["subscribe"],
        true
    );
    assert_eq!(caps["result"]["capabilities"]["logging"], json!({}));

    mcp.call_ok("start_timer", json!({"description": "before subscribing"}));
    mcp.call_ok("stop_timer", json!({}));
    assert_eq!(
        updates(&mut mcp),
        Vec::<String>::new(),
        "not subscribed yet"
    );

    let other = mcp.request("resources/subscribe", json!({"uri": "stint://settings"}));
    assert_eq!(other["error"]["code"], -32602, "{other}");
    assert!(
        other["error"]["message"]
            .as_str()
            .unwrap()
            .contains("stint://timers/running"),
        "{other}"
    );
    let ok = mcp.request("resources/subscribe", json!({"uri": running}));
    assert_eq!(ok["result"], json!({}), "{ok}");

    mcp.call_ok("list_running_timers", json!({}));
    assert_eq!(updates(&mut mcp), Vec::<String>::new(), "nothing changed");
    mcp.call_ok("start_timer", json!({"description": "writing"}));
    assert_eq!(updates(&mut mcp), vec![running.clone()]);
    env.clock.advance(600);
    mcp.call_ok("list_running_timers", json!({}));
    assert_eq!(
        updates(&mut mcp),
        Vec::<String>::new(),
        "time passing is no change"
    );
    mcp.call_ok("stop_timer", json!({}));
    assert_eq!(updates(&mut mcp), vec![running.clone()]);

    // Another process (here: the service directly, as `stint start` would) starts a timer;
    // the client hears of it at its next request.
    env.svc
        .start_timer(stint::service::StartTimer {
            description: Some("from the terminal".into()),
            ..Default::default()
        })
        .unwrap();
    mcp.call_ok("list_projects", json!({}));
    assert_eq!(updates(&mut mcp), vec![running.clone()]);

    let ok = mcp.request("resources/unsubscribe", json!({"uri": running}));
    assert_eq!(ok["result"], json!({}), "{ok}");
    mcp.call_ok("stop_timer", json!({}));
    assert_eq!(updates(&mut mcp), Vec::<String>::new(), "unsubscribed");
}

/// A sync that carries a progressToken gets `notifications/progress` with that token, from 0
/// to its total; one without a token gets none.
#[test]
fn sync_progress_echoes_the_token() {
    let env = Env::new();
    let folder = env.dir.path().join("shared");
    std::fs::create_dir(&folder).unwrap();
    let mut mcp = session(&env, json!({}));
    let args = json!({"folder": folder.to_str().unwrap()});
    let answer = mcp.request(
        "tools/call",
        json!({"name": "sync", "arguments": args, "_meta": {"progressToken": "sync-7"}}),
    );
    assert_eq!(answer["result"]["isError"], false, "{answer}");
    let progress = |mcp: &mut Mcp| -> Vec<Value> {
        let p = mcp
            .notifications
            .iter()
            .filter(|n| n["method"] == "notifications/progress")
            .map(|n| n["params"].clone())
            .collect();
        mcp.notifications.clear();
        p
    };
    assert_eq!(
        progress(&mut mcp),
        vec![
            json!({"progressToken": "sync-7", "progress": 0.0, "total": 1.0,
                   "message": "syncing with the shared folder"}),
            json!({"progressToken": "sync-7", "progress": 1.0, "total": 1.0,
                   "message": "sync finished"}),
        ]
    );
    let answer = mcp.request(
        "tools/call",
        json!({"name": "sync", "arguments": args, "_meta": {"progressToken": 12}}),
    );
    assert_eq!(answer["result"]["isError"], false, "{answer}");
    let p = progress(&mut mcp);
    assert_eq!(p.len(), 2);
    assert!(p.iter().all(|n| n["progressToken"] == 12), "{p:?}");
    mcp.call_ok("sync", args);
    assert_eq!(progress(&mut mcp), Vec::<Value>::new());
}

/// Over HTTP an app client (MCP 2026-07-28: capabilities in each request's `_meta`) gets
/// `show_week` and may call it with a read token; a subscription is refused: no notification
/// could reach a client whose requests are each answered alone.
#[test]
fn http_app_clients_get_show_week_and_no_subscriptions() {
    let s = super::http::start();
    let (_, read) = s.svc.create_token("reader", "read", false).unwrap();
    let bearer = format!("Bearer {read}");
    let meta = |caps: Value| {
        json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28",
               "io.modelcontextprotocol/clientCapabilities": caps,
               "io.modelcontextprotocol/clientInfo": {"name": "t", "version": "1"}})
    };
    let post = |method: &str, mut params: Value, caps: Value| -> Value {
        params["_meta"] = meta(caps);
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let name = params["name"]
            .as_str()
            .or(params["uri"].as_str())
            .unwrap_or("")
            .to_owned();
        let mut headers = vec![
            ("Authorization", bearer.as_str()),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", method),
        ];
        if !name.is_empty() {
            headers.push(("Mcp-Name", name.as_str()));
        }
        let (status, _, text) = s.post(&body.to_string(), &headers);
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status == 200, v.get("result").is_some(), "{status} {text}");
        v
    };
    let names = |list: &Value| -> Vec<String> {
        list["result"]["tools"]
            .as_array()
            .unwrap_or_else(|| panic!("{list}"))
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let plain = post("tools/list", json!({}), json!({}));
    assert!(!names(&plain).contains(&"show_week".to_owned()));
    let apps = post("tools/list", json!({}), app_client());
    let listed = names(&apps);
    assert!(listed.contains(&"show_week".to_owned()), "{listed:?}");
    assert_eq!(listed.len(), names(&plain).len() + 1);
    let answer = post(
        "tools/call",
        json!({"name": "show_week", "arguments": {"date": "2026-11-18"}}),
        app_client(),
    );
    assert_eq!(answer["result"]["isError"], false, "{answer}");
    assert_eq!(
        answer["result"]["structuredContent"]["period"]["first_day"],
        "2026-11-16"
    );
    let sub = post(
        "resources/subscribe",
        json!({"uri": "stint://timers/running"}),
        json!({}),
    );
    // MCP 2026-07-28 has no resources/subscribe (its subscriptions/listen is not served);
    // stint refuses the older method over HTTP too.
    assert_eq!(sub["error"]["code"], -32601, "{sub}");
    assert!(sub.get("result").is_none(), "{sub}");
}
