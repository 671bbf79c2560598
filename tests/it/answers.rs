//! Answers an assistant can afford, and a main job that works on any day (issue 18, items 9
//! and 10): invoice lists and state changes without lines, PDFs written to a file answered by
//! their path, report rows that name a project's client, `client` to pick a project by name,
//! exact repeats refused, and the demo session and the README's CLI examples run under a clock
//! moved a year ahead, at 00:30 and at 23:30.

use std::path::Path;
use std::process::Command;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::{Value, json};
use stint::service::{NewClient, NewInvoice, NewProject, NewTrack};

use super::util::{Env, mcp_session};

/// Calls one tool on `env` through the stdio adapter and returns its `result`.
fn call(env: &Env, tool: &str, args: Value) -> Value {
    let line = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": tool, "arguments": args}});
    let mut answers = mcp_session(env, &format!("{line}\n"));
    assert_eq!(answers.len(), 1, "{answers:?}");
    answers.remove(0)["result"].take()
}

/// The structured answer of a call that must succeed.
fn ok(env: &Env, tool: &str, args: Value) -> Value {
    let r = call(env, tool, args.clone());
    assert_ne!(r["isError"], true, "{tool} {args}: {r}");
    r["structuredContent"].clone()
}

/// The text of a call that must fail.
fn refused(env: &Env, tool: &str, args: Value) -> String {
    let r = call(env, tool, args.clone());
    assert_eq!(r["isError"], true, "{tool} {args} should fail: {r}");
    r["content"][0]["text"].as_str().unwrap().to_owned()
}

fn client(env: &Env, name: &str) {
    env.svc
        .create_client(NewClient {
            name: name.into(),
            currency: Some("EUR".into()),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
}

fn project(env: &Env, name: &str, client: &str) -> i64 {
    env.svc
        .create_project(NewProject {
            name: name.into(),
            client: Some(client.into()),
            ..Default::default()
        })
        .unwrap()
        .id
        .0
}

fn track(env: &Env, project: &str, start: &str, duration: &str, what: &str) -> i64 {
    env.svc
        .create_track(NewTrack {
            project: Some(project.into()),
            start: start.into(),
            duration: Some(duration.into()),
            description: Some(what.into()),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0
}

/// 50 invoices of 10 lines each (one per track), one per day of October 2026 and November 1 to
/// 19, for client Acme (the test clock is 2026-11-21).
fn fifty_invoices(env: &Env) {
    client(env, "Acme");
    let website = project(env, "Website", "Acme");
    let days: Vec<chrono::NaiveDate> = (0..50)
        .map(|i| chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap() + chrono::Days::new(i))
        .collect();
    for day in &days {
        for h in 0..10 {
            track(
                env,
                &website.to_string(),
                &format!("{day} {:02}:00", 8 + h),
                "45m",
                &format!("Homepage layout and review, part {h}"),
            );
        }
        env.svc
            .create_invoice(NewInvoice {
                client: Some("Acme".into()),
                from: day.to_string(),
                to: day.to_string(),
                tax_rate_percent: Some("19".into()),
                notes: Some("Payable within 14 days.".into()),
                ..Default::default()
            })
            .unwrap();
    }
}

#[test]
fn list_invoices_lists_each_invoice_without_its_lines() {
    let env = Env::new();
    fifty_invoices(&env);
    let line = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
        "params": {"name": "list_invoices", "arguments": {"limit": 50}}});
    let answer = mcp_session(&env, &format!("{line}\n")).remove(0);
    // Before: every line of every invoice, 380 KB for this page (each line ~700 bytes, twice).
    let bytes = answer.to_string().len();
    assert!(bytes < 40_000, "list_invoices answered {bytes} bytes");
    let page = &answer["result"]["structuredContent"];
    let invoices = page["invoices"].as_array().unwrap();
    assert_eq!(invoices.len(), 50);
    // Newest first: the last invoice made is of 2026-11-19, 10 x 45 min at 100 EUR/h.
    assert_eq!(
        invoices[0],
        json!({
            "id": 50, "status": "draft", "client_id": 1, "client": "Acme", "currency": "EUR",
            "period": {"first_day": "2026-11-19", "last_day": "2026-11-19"},
            "issue_date": "2026-11-21", "due_date": "2026-12-21",
            "subtotal": "750.00", "discount": "0.00", "tax": "142.50", "total": "892.50",
            "line_count": 10, "track_count": 10, "expense_count": 0,
            "created_at": "2026-11-21T12:00:00Z"
        })
    );
    // get_invoice still has the lines.
    let full = ok(&env, "get_invoice", json!({"invoice_id": 50}));
    assert_eq!(full["invoice"]["lines"].as_array().unwrap().len(), 10);
    assert_eq!(full["invoice"]["total"], invoices[0]["total"]);
    // The CLI's --json prints the same shape.
    let json: Value = serde_json::from_str(&stint::api::json::invoices(vec![
        env.svc.get_invoice("50").unwrap(),
    ]))
    .unwrap();
    assert_eq!(json["invoices"][0], invoices[0]);
}

#[test]
fn invoice_state_changes_answer_what_changed_without_lines() {
    let env = Env::new();
    fifty_invoices(&env);
    let summary = |id: i64, extra: Value| {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap()
            + chrono::Days::new(u64::try_from(id - 1).unwrap());
        let mut v = json!({
            "id": id, "client_id": 1, "client": "Acme", "currency": "EUR",
            "period": {"first_day": day.to_string(), "last_day": day.to_string()},
            "issue_date": "2026-11-21", "due_date": "2026-12-21",
            "subtotal": "750.00", "discount": "0.00", "tax": "142.50", "total": "892.50",
            "line_count": 10, "track_count": 10, "expense_count": 0,
            "created_at": "2026-11-21T12:00:00Z"
        });
        v.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        json!({"invoice": v})
    };
    let sent = json!({"number": "INV-2026-0001", "status": "sent",
        "sent_at": "2026-11-21T12:00:00Z"});
    assert_eq!(
        ok(&env, "mark_invoice_sent", json!({"invoice_id": 1})),
        summary(1, sent.clone())
    );
    let mut paid = sent.as_object().unwrap().clone();
    paid.extend(
        json!({"status": "paid", "paid_on": "2026-11-21", "paid_at": "2026-11-21T12:00:00Z"})
            .as_object()
            .unwrap()
            .clone(),
    );
    assert_eq!(
        ok(
            &env,
            "mark_invoice_paid",
            json!({"invoice_id": "INV-2026-0001"})
        ),
        summary(1, Value::Object(paid))
    );
    assert_eq!(
        ok(&env, "void_invoice", json!({"invoice_id": 2})),
        summary(
            2,
            json!({"status": "void", "voided_at": "2026-11-21T12:00:00Z"})
        )
    );
    assert_eq!(
        ok(&env, "delete_invoice", json!({"invoice_id": 3})),
        summary(3, json!({"status": "draft"}))
    );
    // The void invoice keeps what it billed; get_invoice shows it.
    let void = ok(&env, "get_invoice", json!({"invoice_id": 2}));
    assert_eq!(void["invoice"]["lines"].as_array().unwrap().len(), 10);
}

#[test]
fn a_pdf_written_to_a_file_is_answered_with_its_path_size_and_pages() {
    let env = Env::new();
    client(&env, "Acme");
    project(&env, "Website", "Acme");
    track(&env, "Website", "2026-11-02 09:00", "2h", "Homepage");
    env.svc
        .create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11".into(),
            ..Default::default()
        })
        .unwrap();
    let path = env.dir.path().join("acme.pdf");
    let r = call(
        &env,
        "export_invoice_pdf",
        json!({"invoice_id": 1, "path": path.to_str().unwrap()}),
    );
    let size = std::fs::metadata(&path).unwrap().len();
    let written = std::fs::canonicalize(&path).unwrap();
    assert_eq!(
        r["structuredContent"],
        json!({"invoice_id": 1, "bytes": size, "pages": 1,
            "path": written.to_str().unwrap(), "embedded": false})
    );
    // Only the text copy of that: no PDF in the answer.
    assert_eq!(r["content"].as_array().unwrap().len(), 1, "{r}");
    assert!(r.to_string().len() < 1_000, "{r}");
    assert!(std::fs::read(&path).unwrap().starts_with(b"%PDF-"));

    // Without a path the PDF is the answer.
    let r = call(&env, "export_invoice_pdf", json!({"invoice_id": 1}));
    assert_eq!(r["structuredContent"]["embedded"], true);
    assert_eq!(r["structuredContent"]["pages"], 1);
    let blob = r["content"]
        .as_array()
        .unwrap()
        .iter()
        .find_map(|c| c["resource"]["blob"].as_str())
        .expect("an embedded PDF");
    use base64::Engine as _;
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(blob)
        .unwrap();
    assert_eq!(pdf.len() as u64, size);
}

/// Two clients, each with a project "Support", with time on both.
fn two_supports(env: &Env) -> (i64, i64) {
    client(env, "Acme");
    client(env, "Globex");
    let a = project(env, "Support", "Acme");
    let g = project(env, "Support", "Globex");
    track(env, &a.to_string(), "2026-11-16 09:00", "2h", "Tickets");
    track(env, &g.to_string(), "2026-11-17 09:00", "1h", "Tickets");
    (a, g)
}

#[test]
fn report_rows_name_the_client_so_two_supports_are_told_apart() {
    let env = Env::new();
    let (a, g) = two_supports(&env);
    let s = ok(
        &env,
        "time_summary",
        json!({"from": "2026-11-16", "to": "2026-11-22", "group_by": ["project"]}),
    );
    let rows: Vec<(Value, Value, Value)> = s["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"].clone(),
                r["label"].clone(),
                r["duration"].clone(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                json!({"project": "Support", "project_id": a, "client": "Acme", "client_id": 1}),
                json!("Support (Acme)"),
                json!("2:00")
            ),
            (
                json!({"project": "Support", "project_id": g, "client": "Globex", "client_id": 2}),
                json!("Support (Globex)"),
                json!("1:00")
            ),
        ]
    );
    // By day and project: the client comes along on each row.
    let s = ok(
        &env,
        "time_summary",
        json!({"from": "2026-11-16", "to": "2026-11-22", "group_by": ["day", "project"]}),
    );
    assert_eq!(s["rows"][1]["group"]["client"], "Globex");
    assert_eq!(s["rows"][1]["label"], "2026-11-17 / Support (Globex)");

    let top = ok(
        &env,
        "top_projects",
        json!({"from": "2026-11-16", "to": "2026-11-22"}),
    );
    let top: Vec<Value> = top["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| json!([p["project_id"], p["project"], p["client_id"], p["client"]]))
        .collect();
    assert_eq!(
        top,
        vec![
            json!([a, "Support", 1, "Acme"]),
            json!([g, "Support", 2, "Globex"])
        ]
    );

    let unbilled = ok(&env, "unbilled_summary", json!({}));
    let groups: Vec<Value> = unbilled["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["group"].clone())
        .collect();
    assert_eq!(
        groups,
        vec![
            json!({"client": "Acme", "client_id": 1, "project": "Support", "project_id": a}),
            json!({"client": "Globex", "client_id": 2, "project": "Support", "project_id": g}),
        ]
    );

    ok(
        &env,
        "update_project",
        json!({"project": g, "budget_hours": 10}),
    );
    let b = ok(&env, "budget_status", json!({}));
    assert_eq!(
        json!([
            b["budgets"][0]["project_id"],
            b["budgets"][0]["client_id"],
            b["budgets"][0]["client"]
        ]),
        json!([g, 2, "Globex"])
    );
}

#[test]
fn client_picks_a_project_by_name_and_an_ambiguous_name_lists_both() {
    let env = Env::new();
    let (a, g) = two_supports(&env);
    let err = refused(
        &env,
        "create_track",
        json!({"project": "Support", "start": "2026-11-18 09:00", "duration": "1h"}),
    );
    assert!(
        err.contains(&format!("id {a} = \"Support (Acme)\""))
            && err.contains(&format!("id {g} = \"Support (Globex)\""))
            && err.contains("give the `client` to say whose"),
        "{err}"
    );
    let t = ok(
        &env,
        "create_track",
        json!({"project": "support", "client": "globex", "start": "2026-11-18 09:00",
            "duration": "1h"}),
    );
    assert_eq!(t["track"]["project_id"], g);

    // A project the client does not have is named with the client's projects.
    let err = refused(
        &env,
        "create_track",
        json!({"project": "Website", "client": "Acme", "start": "2026-11-18 11:00",
            "duration": "1h"}),
    );
    assert!(
        err.contains("client \"Acme\" has no project named or numbered \"Website\"")
            && err.contains("its projects: \"Support\""),
        "{err}"
    );
    // An id of another client's project is refused, not silently taken.
    let err = refused(
        &env,
        "create_track",
        json!({"project": a, "client": "Globex", "start": "2026-11-18 11:00", "duration": "1h"}),
    );
    assert!(err.contains("not a project of client \"Globex\""), "{err}");

    let started = ok(
        &env,
        "start_timer",
        json!({"project": "Support", "client": "Acme", "start": "2026-11-21 12:30"}),
    );
    assert_eq!(started["track"]["project_id"], a);
    let timer = started["track"]["id"].clone();
    let moved = ok(
        &env,
        "update_track",
        json!({"track_id": timer, "project": "Support", "client": "Globex"}),
    );
    assert_eq!(moved["track"]["project_id"], g);
    let listed = ok(
        &env,
        "list_tracks",
        json!({"project": "Support", "client": "Globex"}),
    );
    let ids: Vec<&Value> = listed["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| &t["project_id"])
        .collect();
    assert_eq!(ids, vec![&json!(g); 3]);
}

#[test]
fn an_exact_repeat_of_a_track_or_expense_is_refused_with_the_existing_id() {
    let env = Env::new();
    client(&env, "Acme");
    project(&env, "Website", "Acme");
    let args = json!({"project": "Website", "description": "Hero", "start": "2026-11-20 09:00",
        "end": "2026-11-20 10:30"});
    let first = ok(&env, "create_track", args.clone());
    let before = env.snapshot();
    let err = refused(&env, "create_track", args.clone());
    assert_eq!(
        err,
        format!(
            "this track is already recorded as track {} (same project, start, end, \
             description); nothing was added. If it really happened twice, give \
             `allow_duplicate`; to change the one recorded, use `update_track`",
            first["track"]["id"]
        )
    );
    assert_eq!(env.snapshot(), before);
    // Another description (or time) is another track; an explicit repeat is taken.
    let mut other = args.clone();
    other["description"] = json!("Hero, second pass");
    ok(&env, "create_track", other);
    let mut again = args.clone();
    again["allow_duplicate"] = json!(true);
    let second = ok(&env, "create_track", again);
    assert_ne!(second["track"]["id"], first["track"]["id"]);

    let expense = json!({"project": "Website", "date": "2026-11-20", "amount": "48.90",
        "description": "Train to Acme"});
    let e = ok(&env, "create_expense", expense.clone());
    let err = refused(&env, "create_expense", expense.clone());
    assert!(
        err.starts_with(&format!(
            "this expense is already recorded as expense {}",
            e["expense"]["id"]
        )),
        "{err}"
    );
    let mut other = expense.clone();
    other["amount"] = json!("12.00");
    ok(&env, "create_expense", other);
    let mut again = expense;
    again["allow_duplicate"] = json!(true);
    ok(&env, "create_expense", again);
    assert_eq!(env.count("SELECT count(*) FROM expenses"), 3);
}

// ---------------------------------------------------------------------------------------------
// Any day, any hour

/// The seconds to add to the real clock for it to read `hh:mm` in Europe/Berlin on the day a
/// year (365 days) from now.
fn year_ahead_at(hour: u32, minute: u32) -> i64 {
    let now: DateTime<Utc> = std::time::SystemTime::now().into();
    let tz = chrono_tz::Europe::Berlin;
    let day = (now + Duration::days(365)).with_timezone(&tz).date_naive();
    let target = tz
        .from_local_datetime(&day.and_hms_opt(hour, minute, 0).unwrap())
        .single()
        .unwrap();
    (target.with_timezone(&Utc) - now).num_seconds()
}

/// The clocks the main job must work under: the real one, and a year ahead at 00:30 and 23:30
/// (the hours where "today", "yesterday" and a bare time are easiest to get wrong).
fn clocks() -> Vec<(String, i64)> {
    vec![
        ("the real clock".to_owned(), 0),
        ("a year ahead at 00:30".to_owned(), year_ahead_at(0, 30)),
        ("a year ahead at 23:30".to_owned(), year_ahead_at(23, 30)),
    ]
}

#[test]
fn the_demo_session_answers_every_call_on_any_day_at_any_hour() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/demo-session.jsonl");
    let calls = std::fs::read_to_string(&fixture).unwrap().lines().count();
    for (name, offset) in clocks() {
        let dir = tempfile::tempdir().unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_stint"))
            .arg("mcp")
            .env("STINT_DB", dir.path().join("demo.db"))
            .env("STINT_CLOCK_OFFSET_SECONDS", offset.to_string())
            .stdin(std::fs::File::open(&fixture).unwrap())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let answers: Vec<Value> = String::from_utf8(out.stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(answers.len(), calls, "{name}");
        for a in &answers {
            assert!(
                a.get("error").is_none() && a["result"]["isError"] != true,
                "{name}: call {} answered an error: {a}",
                a["id"]
            );
        }
        // Under a moved clock the answers are of that day: the invoice is dated then.
        let invoice = &answers[19]["result"]["structuredContent"]["invoice"];
        let today: DateTime<Utc> = std::time::SystemTime::now().into();
        let today = (today + Duration::seconds(offset))
            .with_timezone(&chrono_tz::Europe::Berlin)
            .date_naive();
        assert_eq!(invoice["issue_date"], today.to_string(), "{name}");
        // Two clients' "Website" projects, told apart in the summary.
        let labels: Vec<&str> = answers[16]["result"]["structuredContent"]["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["label"].as_str().unwrap())
            .collect();
        assert_eq!(
            labels,
            ["Internal", "Website (Acme)", "Website (Globex)"],
            "{name}"
        );
    }
}

/// Every ```sh cli-example block of the README, in order, as one script (comments and all).
fn readme_script() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut script = vec!["set -eu".to_owned()];
    let mut inside = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            inside = line.trim() == "```sh cli-example";
            continue;
        }
        if inside {
            script.push(line.to_owned());
        }
    }
    script.join("\n") + "\n"
}

#[test]
fn the_readme_cli_examples_run_pasted_as_one_script_on_any_day_at_any_hour() {
    let script = readme_script();
    assert!(script.lines().count() > 40, "{script}");
    let bin = Path::new(env!("CARGO_BIN_EXE_stint")).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    for (name, offset) in clocks() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("readme.sh"), &script).unwrap();
        let out = Command::new("bash")
            .arg("readme.sh")
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("STINT_DB", dir.path().join("readme.db"))
            .env("STINT_CLOCK_OFFSET_SECONDS", offset.to_string())
            .env("TZ", "Europe/Berlin")
            .env("COLUMNS", "100")
            .env_remove("STINT_TOOLSETS")
            .output()
            .unwrap();
        let (stdout, stderr) = (
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr),
        );
        assert!(
            out.status.success(),
            "{name}: the README's CLI examples stopped: {stderr}\n{stdout}"
        );
        // What the script did, as the last commands see it.
        assert!(
            stdout.contains("Continuing #4 \"Spec review\" on API work"),
            "{stdout}"
        );
        assert!(dir.path().join("stint-backup.db").is_file(), "{name}");
    }
}
