//! Prompts, resources and completions in-process, through the stdio adapter: what an
//! assistant sees as slash commands, attachable context and argument suggestions.

use serde_json::{Value, json};
use stint::service::{NewClient, NewProject};

use super::util::{Env, mcp_session as session, request_line as request, stint};

fn one(env: &Env, method: &str, params: Value) -> Value {
    let out = session(env, &request(1, method, params));
    assert_eq!(out.len(), 1, "{out:?}");
    out[0].clone()
}

fn seed(env: &Env) {
    env.svc
        .create_client(NewClient {
            name: "Übersetzung GmbH".into(),
            tax_id: Some("DE123456789".into()),
            email: Some("ap@uebersetzung.example".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Web Site".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
}

/// The backticked words of a prompt's text that look like tool names.
fn tools_named(text: &str) -> Vec<String> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_owned)
        .collect()
}

#[test]
fn prompts_are_listed_with_titles_and_name_real_tools() {
    let env = Env::new();
    seed(&env);
    let list = one(&env, "prompts/list", json!({}));
    let prompts = list["result"]["prompts"].as_array().unwrap();
    let names: Vec<&str> = prompts
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "log_my_day",
            "weekly_review",
            "month_end_invoicing",
            "unbilled_work"
        ]
    );
    for p in prompts {
        assert!(p["title"].is_string(), "{p}");
        assert!(p["description"].is_string(), "{p}");
    }
    let cases = [
        ("log_my_day", json!({})),
        ("log_my_day", json!({"date": "yesterday"})),
        ("weekly_review", json!({"week": "2026-11-18"})),
        (
            "month_end_invoicing",
            json!({"client": "Acme", "month": "2026-10"}),
        ),
        ("unbilled_work", json!({})),
        ("unbilled_work", json!({"client": "acme"})),
    ];
    for (name, args) in cases {
        let got = one(
            &env,
            "prompts/get",
            json!({"name": name, "arguments": args}),
        );
        let text = got["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap_or_else(|| panic!("{name}: {got}"));
        let tools = tools_named(text);
        assert!(tools.len() >= 2, "{name} names its tools: {text}");
        for t in tools {
            assert!(
                stint::mcp::catalog::spec(&t).is_some(),
                "{name} names {t:?}, which is not a tool"
            );
        }
    }
    // Arguments are resolved: the frozen clock's today, the week by week_start, the client's
    // exact name and the month's first and last day.
    let text = |name: &str, args: Value| {
        one(
            &env,
            "prompts/get",
            json!({"name": name, "arguments": args}),
        )["result"]["messages"][0]["content"]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert!(text("log_my_day", json!({})).contains("2026-11-21 (Saturday)"));
    assert!(
        text("weekly_review", json!({"week": "2026-11-18"})).contains("2026-11-16 to 2026-11-22")
    );
    let month = text(
        "month_end_invoicing",
        json!({"client": "acme", "month": "2026-02"}),
    );
    assert!(month.contains("\"client\": \"Acme\""), "{month}");
    assert!(
        month.contains("\"from\": \"2026-02-01\", \"to\": \"2026-02-28\""),
        "{month}"
    );
    let last = text("month_end_invoicing", json!({"client": "Acme"}));
    assert!(last.contains("2026-10-01 to 2026-10-31"), "{last}");
}

#[test]
fn prompt_arguments_are_checked() {
    let env = Env::new();
    seed(&env);
    for (name, args, says) in [
        (
            "month_end_invoicing",
            json!({}),
            "needs the argument client",
        ),
        (
            "month_end_invoicing",
            json!({"client": "Nobody"}),
            "no client",
        ),
        (
            "month_end_invoicing",
            json!({"client": "Acme", "month": "October"}),
            "month must look like",
        ),
        (
            "log_my_day",
            json!({"date": "someday"}),
            "date: cannot read date, time or period \"someday\": it is now Sat 2026-11-21 13:00",
        ),
        ("log_my_day", json!({"day": "today"}), "has no argument"),
        // Dates at the edge of what a date can hold are refused, not a panic (-32603).
        ("weekly_review", json!({"week": "-262143-01-01"}), "week: "),
        (
            "weekly_review",
            json!({"week": "0000-01-02"}),
            "outside the years 1900 to 2199",
        ),
        (
            "month_end_invoicing",
            json!({"client": "Acme", "month": "-262143-01"}),
            "month must look like",
        ),
        ("no_such_prompt", json!({}), "there is no prompt"),
    ] {
        let got = one(
            &env,
            "prompts/get",
            json!({"name": name, "arguments": args}),
        );
        assert_eq!(got["error"]["code"], -32602, "{name}: {got}");
        assert!(
            got["error"]["message"].as_str().unwrap().contains(says),
            "{name}: {got}"
        );
    }
}

#[test]
fn resources_and_templates_read_the_data() {
    let env = Env::new();
    seed(&env);
    env.svc
        .create_track(stint::service::NewTrack {
            project: Some("Web Site".into()),
            start: "2026-11-21 09:00".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_invoice(stint::service::NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    let list = one(&env, "resources/list", json!({}));
    let uris: Vec<&str> = list["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uri"].as_str().unwrap())
        .collect();
    assert_eq!(
        uris,
        [
            "stint://timers/running",
            "stint://tracks/today",
            "stint://settings"
        ]
    );
    let templates = one(&env, "resources/templates/list", json!({}));
    let templates: Vec<&str> = templates["result"]["resourceTemplates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uriTemplate"].as_str().unwrap())
        .collect();
    assert_eq!(
        templates,
        [
            "stint://reports/week/{date}",
            "stint://invoices/{invoice}.csv",
            "stint://projects/{project}"
        ]
    );
    let read = |uri: &str| {
        let got = one(&env, "resources/read", json!({"uri": uri}));
        let c = got["result"]["contents"][0].clone();
        assert_eq!(c["uri"], uri, "{got}");
        (
            c["mimeType"].as_str().unwrap().to_owned(),
            c["text"].as_str().unwrap().to_owned(),
        )
    };
    let json_of = |uri: &str| -> Value {
        let (mime, text) = read(uri);
        assert_eq!(mime, "application/json");
        serde_json::from_str(&text).unwrap()
    };
    assert_eq!(json_of("stint://timers/running")["count"], 0);
    // Live data: no client or proxy may serve it from a cache (SEP-2549).
    let raw = one(
        &env,
        "resources/read",
        json!({"uri": "stint://timers/running"}),
    );
    assert_eq!(
        (&raw["result"]["ttlMs"], &raw["result"]["cacheScope"]),
        (&json!(0), &json!("private"))
    );
    let today = json_of("stint://tracks/today");
    assert_eq!(today["tracks"].as_array().unwrap().len(), 1, "{today}");
    assert_eq!(json_of("stint://settings")["timezone"], "Europe/Berlin");
    let week = json_of("stint://reports/week/2026-11-18");
    assert_eq!(week["group_by"], json!(["day", "project"]));
    assert_eq!(week["totals"]["duration_seconds"], 3600);
    assert_eq!(
        json_of("stint://projects/Web%20Site")["project"]["name"],
        "Web Site"
    );
    let (mime, csv) = read("stint://invoices/1.csv");
    assert_eq!(mime, "text/csv");
    assert!(csv.lines().count() >= 4 && csv.contains("100"), "{csv}");

    for (uri, code) in [
        ("stint://projects/Nope", -32002),
        ("stint://invoices/99.csv", -32002),
        ("stint://nothing", -32002),
        ("stint://projects/", -32002),
        ("stint://reports/week/next-week", -32602),
        ("stint://reports/week/-262143-01-01", -32602),
        ("stint://reports/week/0000-01-01", -32602),
        ("stint://reports/week/+10000-01-01", -32602),
        ("stint://projects/%FF", -32002),
    ] {
        let got = one(&env, "resources/read", json!({"uri": uri}));
        assert_eq!(got["error"]["code"], code, "{uri}: {got}");
    }
}

#[test]
fn completions_match_prefixes_in_any_script_and_stop_at_100() {
    let env = Env::new();
    seed(&env);
    let complete = |r: Value, name: &str, value: &str| {
        let got = one(
            &env,
            "completion/complete",
            json!({"ref": r, "argument": {"name": name, "value": value}}),
        );
        got["result"]["completion"].clone()
    };
    let prompt = json!({"type": "ref/prompt", "name": "month_end_invoicing"});
    let c = complete(prompt.clone(), "client", "üb");
    assert_eq!(c["values"], json!(["Übersetzung GmbH"]), "{c}");
    let c = complete(prompt.clone(), "client", "ÜB");
    assert_eq!(c["values"], json!(["Übersetzung GmbH"]), "{c}");
    let c = complete(prompt.clone(), "client", "");
    assert_eq!(c["values"], json!(["Acme", "Übersetzung GmbH"]), "{c}");
    assert_eq!(c["total"], 2);
    assert_eq!(c["hasMore"], false);
    let c = complete(prompt.clone(), "month", "2026-1");
    assert_eq!(c["values"], json!(["2026-11", "2026-10"]), "{c}");
    let week = json!({"type": "ref/resource", "uri": "stint://reports/week/{date}"});
    assert_eq!(
        complete(week, "date", "2026-11-2")["values"],
        json!(["2026-11-21", "2026-11-20"])
    );

    for i in 0..150 {
        env.svc
            .create_project(NewProject {
                name: format!("Proj {i:03}"),
                ..Default::default()
            })
            .unwrap();
    }
    let project = json!({"type": "ref/resource", "uri": "stint://projects/{project}"});
    let c = complete(project.clone(), "project", "proj");
    assert_eq!(c["values"].as_array().unwrap().len(), 100);
    assert_eq!(c["values"][0], "Proj 000");
    assert_eq!(c["total"], 150);
    assert_eq!(c["hasMore"], true);
    assert_eq!(
        complete(project, "project", "W")["values"],
        json!(["Web Site"])
    );

    for (r, name) in [
        (json!({"type": "ref/prompt", "name": "nope"}), "client"),
        (
            json!({"type": "ref/prompt", "name": "month_end_invoicing"}),
            "colour",
        ),
        (
            json!({"type": "ref/resource", "uri": "stint://nope/{x}"}),
            "x",
        ),
    ] {
        let got = one(
            &env,
            "completion/complete",
            json!({"ref": r, "argument": {"name": name, "value": ""}}),
        );
        assert_eq!(got["error"]["code"], -32602, "{got}");
    }
}

/// Over HTTP, resources, prompts and completions need only scope read, and an invoice CSV
/// shows the client's contact details only to tokens created with --sensitive.
#[test]
fn over_http_resources_obey_redaction() {
    let s = super::http::start();
    s.svc
        .create_client(NewClient {
            name: "Acme".into(),
            tax_id: Some("DE123456789".into()),
            address: Some("Hauptstr. 1, Berlin".into()),
            ..Default::default()
        })
        .unwrap();
    s.svc
        .create_project(NewProject {
            name: "Web".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
    s.svc
        .create_track(stint::service::NewTrack {
            project: Some("Web".into()),
            start: "2026-11-02T09:00:00Z".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap();
    s.svc
        .create_invoice(stint::service::NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    let (_, plain) = s.svc.create_token("plain", "read", false).unwrap();
    let (_, sensitive) = s.svc.create_token("sensitive", "read", true).unwrap();
    let ask = |token: &str, method: &str, params: Value| -> Value {
        let bearer = format!("Bearer {token}");
        let (status, _, text) = s.post(
            &request(1, method, params),
            &[("Authorization", bearer.as_str())],
        );
        assert_eq!(status, 200, "{text}");
        serde_json::from_str(&text).unwrap()
    };
    let csv = |token: &str| {
        ask(
            token,
            "resources/read",
            json!({"uri": "stint://invoices/1.csv"}),
        )["result"]["contents"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let redacted = csv(&plain);
    assert!(
        redacted.contains("[redacted]") && !redacted.contains("DE123456789"),
        "{redacted}"
    );
    assert!(csv(&sensitive).contains("DE123456789"));
    let prompts = ask(&plain, "prompts/list", json!({}));
    assert_eq!(prompts["result"]["prompts"].as_array().unwrap().len(), 4);
    let c = ask(
        &plain,
        "completion/complete",
        json!({"ref": {"type": "ref/prompt", "name": "unbilled_work"}, "argument": {"name": "client", "value": "ac"}}),
    );
    assert_eq!(c["result"]["completion"]["values"], json!(["Acme"]));
}

/// The conformance suite's diagnostic tools exist only with STINT_CONFORMANCE_FIXTURES=1;
/// test_missing_capability is refused with -32021 naming sampling unless the client declared it.
#[test]
fn conformance_fixtures_only_when_asked() {
    let env = Env::new();
    let run = |fixtures: bool, input: &str| -> Vec<Value> {
        let cmd = stint(&["mcp"]).db(env.db_path());
        let cmd = if fixtures {
            cmd.env("STINT_CONFORMANCE_FIXTURES", "1")
        } else {
            cmd
        };
        cmd.stdin(input).run().answers()
    };
    let list = request(1, "tools/list", json!({})) + "\n";
    let names = |out: &[Value]| -> Vec<String> {
        out[0]["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert!(
        !names(&run(false, &list))
            .iter()
            .any(|n| n.starts_with("test_"))
    );
    let with = names(&run(true, &list));
    assert!(
        with.contains(&"test_missing_capability".to_owned()),
        "{with:?}"
    );

    let initialize = |caps: Value| {
        json!({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": caps, "clientInfo": {"name": "t", "version": "1"}}}).to_string()
    };
    let call = request(
        1,
        "tools/call",
        json!({"name": "test_missing_capability", "arguments": {}}),
    );
    let out = run(true, &format!("{}\n{call}\n", initialize(json!({}))));
    assert_eq!(out[1]["error"]["code"], -32021, "{out:?}");
    assert!(
        out[1]["error"]["data"]["requiredCapabilities"]["sampling"].is_object(),
        "{out:?}"
    );
    let out = run(
        true,
        &format!("{}\n{call}\n", initialize(json!({"sampling": {}}))),
    );
    assert_eq!(out[1]["result"]["isError"], false, "{out:?}");
}

/// `stint mcp --toolsets` (or STINT_TOOLSETS) serves only the named groups of the catalogue
/// table; an unknown name is refused at start with the list of names.
#[test]
fn toolsets_narrow_the_catalogue() {
    use stint::mcp::catalog::{TOOLS, Toolset};
    let env = Env::new();
    let run = |args: &[&str], toolsets_env: Option<&str>| {
        let cmd = stint(&["mcp"]).args(args).db(env.db_path());
        let cmd = match toolsets_env {
            Some(v) => cmd.env("STINT_TOOLSETS", v),
            None => cmd,
        };
        let out = cmd.stdin(request(1, "tools/list", json!({})) + "\n").run();
        let names: Vec<String> = out
            .answers()
            .first()
            .map(|v| {
                v["result"]["tools"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|t| t["name"].as_str().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default();
        (out.success(), names, out.stderr)
    };
    let of = |sets: &[Toolset]| -> Vec<String> {
        let mut names: Vec<String> = TOOLS
            .iter()
            .filter(|t| sets.contains(&t.toolset))
            .map(|t| t.name.to_owned())
            .collect();
        names.sort();
        names
    };
    let (ok, names, _) = run(&[], None);
    assert!(ok);
    // The team tools are listed only with a team or when `team` is named (tests/it/team.rs).
    assert_eq!(names.len(), TOOLS.len());
    let (ok, names, _) = run(&["--toolsets", "tracks, Settings"], None);
    assert!(ok);
    assert_eq!(names, of(&[Toolset::Tracks, Toolset::Settings]));
    let (_, names, _) = run(&[], Some("billing"));
    assert_eq!(names, of(&[Toolset::Billing]));
    let (ok, names, err) = run(&["--toolsets", "tracks,bogus"], None);
    assert!(!ok && names.is_empty());
    assert!(
        err.contains("\"bogus\" is not a toolset") && err.contains("analytics"),
        "{err}"
    );
}

/// `ping` was removed in protocol 2026-07-28: over HTTP a request that declares that revision
/// gets 404 with -32601 (conformance `server-stateless`), while older clients still get `{}`.
#[test]
fn ping_is_removed_in_2026_07_28() {
    let s = super::http::start();
    let (_, secret) = s.svc.create_token("t", "read", false).unwrap();
    let bearer = format!("Bearer {secret}");
    let meta = json!({"io.modelcontextprotocol/protocolVersion": "2026-07-28", "io.modelcontextprotocol/clientCapabilities": {}});
    let (status, _, text) = s.post(
        &request(7, "ping", json!({"_meta": meta})),
        &[
            ("Authorization", bearer.as_str()),
            ("Accept", "application/json, text/event-stream"),
            ("MCP-Protocol-Version", "2026-07-28"),
            ("Mcp-Method", "ping"),
        ],
    );
    assert_eq!(status, 404, "{text}");
    assert!(
        text.contains("-32601") && text.contains("\"id\":7"),
        "{text}"
    );
    let (status, _, text) = s.post(
        &json!({"jsonrpc": "2.0", "id": 8, "method": "ping"}).to_string(),
        &[("Authorization", bearer.as_str())],
    );
    assert_eq!(
        (status, text.contains("\"result\":{}")),
        (200, true),
        "{text}"
    );
}
