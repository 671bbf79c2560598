//! Nothing silently wrong (issue 18): a stop always stops, ids are never reused, tax rates as
//! people mean them with defaults per client and in the settings, and imports that name the
//! file's line, keep going on request and report duplicates.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use stint::service::{Caller, Frontend, Service, StartTimer, StopTimer};

use super::util::{Env, mcp_session};

/// Runs `stint` on `db` (zone UTC) and returns (success, stdout, stderr).
fn stint(dir: &Path, db: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(args)
        .current_dir(dir)
        .env("STINT_DB", db)
        .env("TZ", "UTC")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Runs `stint` and asserts it succeeded; returns stdout.
fn ok(dir: &Path, db: &Path, args: &[&str]) -> String {
    let (ok, out, err) = stint(dir, db, args);
    assert!(ok, "stint {args:?} failed: {err}{out}");
    out
}

/// One `tools/call` line.
fn call(id: u64, name: &str, args: Value) -> String {
    json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
           "params": {"name": name, "arguments": args}})
    .to_string()
}

/// The structured result of each answer (panics on a tool error, printing it).
fn results(env: &Env, calls: &[String]) -> Vec<Value> {
    mcp_session(env, &(calls.join("\n") + "\n"))
        .into_iter()
        .map(|a| {
            let r = &a["result"];
            assert_ne!(r["isError"], json!(true), "tool error: {a}");
            r["structuredContent"].clone()
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// A stop always stops (issue 18, item 3).

#[test]
fn a_timer_stopped_in_its_first_second_is_discarded_and_undo_brings_it_back() {
    let env = Env::new();
    let started = env
        .svc
        .start_timer(StartTimer {
            description: Some("oops".into()),
            ..Default::default()
        })
        .unwrap();
    let id = started.track.id;
    // The clock is frozen: the stop comes in the timer's first second.
    let w = env.svc.stop_timer(StopTimer::default()).unwrap();
    assert_eq!((w.track.id, w.track.end), (id, None));
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    let changes = env.svc.list_changes(Default::default()).unwrap();
    let newest = &changes.items[0];
    assert_eq!(newest.operation, "stop_timer");
    assert_eq!(newest.rows, format!("tracks {id}"));
    // Undo brings the timer back as it was: same id, still running.
    env.svc.undo_change(None).unwrap();
    let running = env.svc.list_running_timers().unwrap();
    assert_eq!(
        running
            .iter()
            .map(|t| (t.id, t.description.as_str(), t.end))
            .collect::<Vec<_>>(),
        vec![(id, "oops", None)]
    );
    // An explicit end equal to the start is the same stop.
    let w = env
        .svc
        .stop_timer(StopTimer {
            track_id: Some(id.0),
            end: Some(super::util::NOW.into()),
        })
        .unwrap();
    assert_eq!((w.track.id, w.track.end), (id, None));
    assert!(env.svc.list_running_timers().unwrap().is_empty());
}

#[test]
fn stop_timer_answers_discarded_over_mcp() {
    let env = Env::new();
    let r = results(
        &env,
        &[
            call(1, "start_timer", json!({"description": "quick"})),
            call(2, "stop_timer", json!({})),
        ],
    );
    let id = r[0]["track"]["id"].as_i64().unwrap();
    let stop = &r[1];
    assert_eq!(stop["discarded"], json!(true), "{stop}");
    assert_eq!(stop["track"]["id"], json!(id));
    assert_eq!(
        stop["note"],
        json!(format!(
            "discarded timer {id}: it ran less than a second, so it was not recorded; \
             undo_change brings it back"
        ))
    );
    // An ordinary stop says nothing of it.
    let r = results(
        &env,
        &[
            call(3, "start_timer", json!({"start": "2026-11-21 10:00"})),
            call(4, "stop_timer", json!({})),
        ],
    );
    assert_eq!(r[1].get("discarded"), None, "{}", r[1]);
    assert_eq!(r[1].get("note"), None, "{}", r[1]);
    assert_eq!(r[1]["track"]["duration_seconds"], json!(3 * 3600));
}

#[test]
fn stint_stop_in_the_first_second_discards_and_stint_undo_restores() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stop.db");
    let d = dir.path();
    ok(d, &db, &["start", "Hotfix", "--at", "yesterday 10:00"]);
    let out = ok(d, &db, &["stop", "--at", "yesterday 10:00"]);
    assert_eq!(
        out,
        "Discarded the timer #1 \"Hotfix\" (it ran less than a second); `stint undo` brings it back\n"
    );
    assert_eq!(ok(d, &db, &["status"]), "No timer is running.\n");
    ok(d, &db, &["undo"]);
    let status = ok(d, &db, &["status"]);
    assert!(
        status.starts_with("Running #1 \"Hotfix\" since "),
        "{status}"
    );
    // Pasted in one go, as the README's quick start is: start and stop always succeed.
    ok(d, &db, &["stop"]);
    ok(d, &db, &["start", "Quick"]);
    let (ok_, out, err) = stint(d, &db, &["stop"]);
    assert!(ok_, "{err}");
    assert!(
        out.starts_with("Stopped #") || out.starts_with("Discarded the timer #"),
        "{out}"
    );
}

#[test]
fn nothing_asks_the_caller_to_wait() {
    let mut stack = vec![std::path::PathBuf::from("src")];
    let mut found = Vec::new();
    while let Some(p) = stack.pop() {
        if p.is_dir() {
            stack.extend(std::fs::read_dir(&p).unwrap().map(|e| e.unwrap().path()));
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).unwrap().to_lowercase();
            for phrase in ["wait a moment", "wait a second", "try again in a moment"] {
                if text.contains(phrase) {
                    found.push(format!("{}: {phrase}", p.display()));
                }
            }
        }
    }
    assert_eq!(found, Vec::<String>::new());
}

// ---------------------------------------------------------------------------------------------
// Ids are never reused (issue 18, item 4).

/// One kind of row: how to create the `n`th one, where its id is in the answer, how to delete it.
struct Kind {
    name: &'static str,
    create: fn(u32) -> (&'static str, Value),
    id_at: &'static str,
    delete: fn(i64) -> (&'static str, Value),
}

const KINDS: &[Kind] = &[
    Kind {
        name: "track",
        create: |n| {
            let start = format!("2026-11-{:02} 09:00", 10 + n);
            let end = format!("2026-11-{:02} 10:00", 10 + n);
            (
                "create_track",
                json!({"start": start, "end": end, "project": "Web", "description": format!("t{n}")}),
            )
        },
        id_at: "/track/id",
        delete: |id| ("delete_track", json!({"track_id": id})),
    },
    Kind {
        name: "project",
        create: |n| ("create_project", json!({"name": format!("Project {n}")})),
        id_at: "/project/id",
        delete: |id| ("delete_project", json!({"project": id.to_string()})),
    },
    Kind {
        name: "client",
        create: |n| ("create_client", json!({"name": format!("Client {n}")})),
        id_at: "/client/id",
        delete: |id| ("delete_client", json!({"client": id.to_string()})),
    },
    Kind {
        name: "tag",
        create: |n| ("create_tag", json!({"name": format!("tag{n}")})),
        id_at: "/tag/id",
        delete: |id| ("delete_tag", json!({"tag": id.to_string()})),
    },
    Kind {
        name: "task",
        create: |n| {
            (
                "create_task",
                json!({"project": "Web", "name": format!("Task {n}")}),
            )
        },
        id_at: "/task/id",
        delete: |id| ("delete_task", json!({"task": id.to_string()})),
    },
    Kind {
        name: "expense",
        create: |n| {
            (
                "create_expense",
                json!({"project": "Web", "date": "2026-11-20", "amount": "12.50",
                       "description": format!("Train {n}")}),
            )
        },
        id_at: "/expense/id",
        delete: |id| ("delete_expense", json!({"expense_id": id})),
    },
    Kind {
        name: "invoice",
        create: |_| {
            (
                "create_invoice",
                json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
            )
        },
        id_at: "/invoice/id",
        delete: |id| ("delete_invoice", json!({"invoice_id": id})),
    },
];

/// A client Acme with a billable project Web at 100 EUR/h.
fn setup_acme(env: &Env) {
    results(
        env,
        &[
            call(1, "create_client", json!({"name": "Acme"})),
            call(
                2,
                "create_project",
                json!({"name": "Web", "client": "Acme", "hourly_rate": "100",
                       "currency": "EUR", "billable_by_default": true}),
            ),
        ],
    );
}

fn create(env: &Env, kind: &Kind, n: u32) -> i64 {
    let (tool, args) = (kind.create)(n);
    let r = results(env, &[call(1, tool, args)]);
    r[0].pointer(kind.id_at)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{}: no id at {} in {}", kind.name, kind.id_at, r[0]))
}

fn delete(env: &Env, kind: &Kind, id: i64) {
    let (tool, args) = (kind.delete)(id);
    results(env, &[call(1, tool, args)]);
}

#[test]
fn a_deleted_rows_id_is_never_given_to_a_new_row_of_any_table() {
    let env = Env::new();
    setup_acme(&env);
    let mut seen = Vec::new();
    for kind in KINDS {
        // The newest row is deleted: SQLite on its own would hand its id out again.
        let first = create(&env, kind, 1);
        delete(&env, kind, first);
        let second = create(&env, kind, 2);
        delete(&env, kind, second);
        let third = create(&env, kind, 3);
        seen.push((kind.name, first, second, third));
    }
    let fresh: Vec<_> = seen
        .iter()
        .map(|(k, a, b, c)| (*k, a < b && b < c))
        .collect();
    assert!(fresh.iter().all(|(_, f)| *f), "ids per kind: {seen:?}");
}

#[test]
fn changes_undo_and_ics_name_the_right_track_after_a_delete() {
    let env = Env::new();
    setup_acme(&env);
    let track = &KINDS[0];
    let kept = create(&env, track, 1);
    let gone = create(&env, track, 2);
    let mut ics = Vec::new();
    env.svc
        .export_tracks_ics(&Default::default(), &mut ics)
        .unwrap();
    let before = String::from_utf8(ics).unwrap();
    delete(&env, track, gone);
    let deletion = env.svc.list_changes(Default::default()).unwrap().items[0].id;
    let new = create(&env, track, 3);
    assert_ne!(new, gone);

    // The change log names the new track, not the deleted one.
    let newest = env.svc.list_changes(Default::default()).unwrap().items[0].clone();
    assert_eq!(newest.operation, "create_track");
    assert!(
        newest.rows.starts_with(&format!("tracks {new}")),
        "{}",
        newest.rows
    );

    // ICS UIDs: the new track's differs from every UID handed out before.
    let uid = |id: i64| format!("UID:track-{id}@stint");
    assert!(before.contains(&uid(gone)), "{before}");
    let mut ics = Vec::new();
    env.svc
        .export_tracks_ics(&Default::default(), &mut ics)
        .unwrap();
    let after = String::from_utf8(ics).unwrap();
    assert!(
        after.contains(&uid(new)) && !before.contains(&uid(new)),
        "{after}"
    );

    // Undo reverts the create of the new track; undoing the delete brings back the old one
    // under its own id.
    let u = env.svc.undo_change(None).unwrap();
    assert_eq!(u.reverted.id, newest.id);
    env.svc.undo_change(Some(deletion)).unwrap();
    let ids: Vec<i64> = results(&env, &[call(1, "list_tracks", json!({}))])[0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![gone, kept]);
    // And a track created after all that is new again.
    let next = create(&env, track, 4);
    assert!(next > new, "{next} after {new}");
}

#[test]
fn ids_stay_fresh_across_processes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("ids.db");
    let d = dir.path();
    let log = |desc: &str| {
        ok(
            d,
            &db,
            &[
                "log",
                desc,
                "--start",
                "yesterday 09:00",
                "--end",
                "yesterday 10:00",
                "--json",
            ],
        )
    };
    let id_of = |out: String| -> i64 {
        serde_json::from_str::<Value>(&out).unwrap()["track"]["id"]
            .as_i64()
            .unwrap()
    };
    let a = id_of(log("first"));
    let b = id_of(log("second"));
    ok(d, &db, &["delete", &b.to_string()]);
    let c = id_of(log("third"));
    assert_eq!((a, b, c), (1, 2, 3));
}

#[test]
fn upgraded_databases_do_not_reuse_ids_their_audit_log_names() {
    let env = Env::new();
    setup_acme(&env);
    let track = &KINDS[0];
    let ids: Vec<i64> = (1..=3).map(|n| create(&env, track, n)).collect();
    delete(&env, track, ids[2]);
    let path = env.db_path();
    let Env { dir, svc, clock } = env;
    drop(svc);
    // The database as version 10 left it: no high-water marks, no client tax rate.
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch(
        "DELETE FROM sync_ids; DELETE FROM refinery_schema_history WHERE version >= 11;",
    )
    .unwrap();
    // Later migrations run again too: undo what they added.
    for alter in [
        "ALTER TABLE clients DROP COLUMN tax_rate_percent",
        // V17: what each claim's claimer knew.
        "ALTER TABLE sync_created DROP COLUMN known",
        // V16: references sync let go of.
        "DROP TABLE sync_released",
        // V15: invoices grouped by person.
        "ALTER TABLE invoices DROP COLUMN grouping_v15",
        "ALTER TABLE sync_peers DROP COLUMN held_hlc",
        "ALTER TABLE sync_peers DROP COLUMN accepted_hlc",
        // V14: milestones, task due dates and priorities, drafts.
        "DROP INDEX tracks_drafts; DROP INDEX tracks_draft_of; DROP INDEX expenses_drafts;
         DROP INDEX expenses_draft_of; DROP INDEX tasks_milestone",
        "DROP INDEX tracks_report;
         CREATE INDEX tracks_report ON tracks (start_at, end_at, project_id, billable, hourly_rate, task_id);
         DROP INDEX tracks_by_project;
         CREATE INDEX tracks_by_project ON tracks (project_id, billable, hourly_rate, task_id, start_at, end_at);
         DROP INDEX tracks_unbilled;
         CREATE INDEX tracks_unbilled ON tracks (project_id, hourly_rate, task_id, start_at, end_at, billable, invoice_id)
             WHERE billable = 1 AND invoice_id IS NULL AND end_at IS NOT NULL",
        "ALTER TABLE tracks DROP COLUMN draft_of; ALTER TABLE tracks DROP COLUMN draft;
         ALTER TABLE expenses DROP COLUMN draft_of; ALTER TABLE expenses DROP COLUMN draft;
         ALTER TABLE tasks DROP COLUMN milestone_id; ALTER TABLE tasks DROP COLUMN priority;
         ALTER TABLE tasks DROP COLUMN due_date; ALTER TABLE api_tokens DROP COLUMN drafts;
         ALTER TABLE invoices DROP COLUMN grouping_v14; DROP TABLE milestones",
        "DROP INDEX tracks_person",
        "ALTER TABLE tracks DROP COLUMN person_id",
        "ALTER TABLE expenses DROP COLUMN person_id",
        "ALTER TABLE tasks DROP COLUMN assignee_id",
        "ALTER TABLE tasks DROP COLUMN assignee_owner",
        "ALTER TABLE api_tokens DROP COLUMN person_id",
        "ALTER TABLE audit_log DROP COLUMN person_id",
        "ALTER TABLE change_log DROP COLUMN person_id",
        "DROP TABLE people",
    ] {
        conn.execute_batch(alter).unwrap();
    }
    drop(conn);
    let svc = Service::with_clock(&path, Caller::local(Frontend::Cli), clock.clone()).unwrap();
    let env = Env { dir, svc, clock };
    let new = create(&env, track, 4);
    assert_eq!(new, ids[2] + 1, "{ids:?}");
}

// ---------------------------------------------------------------------------------------------
// Tax rates (issue 18, item 7).

/// The answer of one call: `Ok(structuredContent)` or `Err(the tool error's text)`.
fn answer(env: &Env, name: &str, args: Value) -> Result<Value, String> {
    let a = mcp_session(env, &(call(1, name, args) + "\n")).remove(0);
    let r = &a["result"];
    if r["isError"] == json!(true) {
        Err(r["content"][0]["text"]
            .as_str()
            .unwrap_or_default()
            .to_owned())
    } else {
        Ok(r["structuredContent"].clone())
    }
}

/// Acme (client), Web (its project, 100 EUR/h) and one billable hour on Nov 20.
fn billable_hour(env: &Env) {
    setup_acme(env);
    results(
        env,
        &[call(
            1,
            "create_track",
            json!({"start": "2026-11-20 09:00", "end": "2026-11-20 10:00", "project": "Web"}),
        )],
    );
}

#[test]
fn a_tax_rate_between_0_and_1_is_refused_everywhere_unless_asked_for() {
    let env = Env::new();
    billable_hour(&env);
    let draft = results(
        &env,
        &[call(
            1,
            "create_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30", "dry_run": false}),
        )],
    )[0]["invoice"]["id"]
        .as_i64()
        .unwrap();
    // Unbilled work for the dry runs.
    results(
        &env,
        &[call(
            1,
            "create_track",
            json!({"start": "2026-11-21 09:00", "end": "2026-11-21 10:00", "project": "Web"}),
        )],
    );
    let expense = results(
        &env,
        &[call(
            1,
            "create_expense",
            json!({"project": "Web", "date": "2026-11-21", "amount": "5", "description": "Parking"}),
        )],
    )[0]["expense"]["id"]
        .as_i64()
        .unwrap();
    let refusal = "a tax rate of 0.19 is read as 0.19 %; did you mean 19 %? Give 19 for 19 %, \
                   or \"0.19%\" (with the percent sign) to keep 0.19 %";
    // (tool, arguments with the rate, where the accepted rate shows in the answer)
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "create_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30",
                   "dry_run": true, "tax_rate_percent": 0.19}),
            "/invoice/tax_rate_percent",
        ),
        (
            "update_invoice",
            json!({"invoice_id": draft, "tax_rate_percent": "0.19"}),
            "/invoice/tax_rate_percent",
        ),
        (
            "create_client",
            json!({"name": "Globex", "tax_rate_percent": 0.19}),
            "/client/tax_rate_percent",
        ),
        (
            "update_client",
            json!({"client": "Acme", "tax_rate_percent": "0.19"}),
            "/client/tax_rate_percent",
        ),
        (
            "update_settings",
            json!({"default_tax_rate_percent": 0.19}),
            "/default_tax_rate_percent",
        ),
        (
            "create_expense",
            json!({"project": "Web", "date": "2026-11-20", "amount": "9",
                   "description": "Taxi", "tax_rate_percent": "0.19"}),
            "/expense/tax_rate_percent",
        ),
        (
            "update_expense",
            json!({"expense_id": expense, "tax_rate_percent": 0.19}),
            "/expense/tax_rate_percent",
        ),
    ];
    for (tool, args, at) in cases {
        assert_eq!(
            answer(&env, tool, args.clone()).map(|v| v.to_string()),
            Err(refusal.to_owned()),
            "{tool}"
        );
        // Written with a percent sign, the small rate is meant.
        let mut asked = args.clone();
        for v in asked.as_object_mut().unwrap().values_mut() {
            if *v == json!(0.19) || *v == json!("0.19") {
                *v = json!("0.19%");
            }
        }
        let v = answer(&env, tool, asked).unwrap_or_else(|e| panic!("{tool}: {e}"));
        assert_eq!(v.pointer(at), Some(&json!("0.19")), "{tool}: {v}");
    }
}

#[test]
fn an_invoice_takes_the_calls_tax_rate_else_the_clients_else_the_settings() {
    let env = Env::new();
    billable_hour(&env);
    let invoice = |args: Value| -> (Value, Value, Value) {
        let mut a = json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30",
                           "dry_run": true});
        a.as_object_mut()
            .unwrap()
            .extend(args.as_object().unwrap().clone());
        let v = answer(&env, "create_invoice", a).unwrap();
        let i = &v["invoice"];
        (
            i["tax_rate_percent"].clone(),
            i["tax"].clone(),
            i["total"].clone(),
        )
    };
    let dec = |s: &str| json!(s);
    assert_eq!(invoice(json!({})), (dec("0"), dec("0.00"), dec("100.00")));
    answer(
        &env,
        "update_settings",
        json!({"default_tax_rate_percent": 19}),
    )
    .unwrap();
    assert_eq!(invoice(json!({})), (dec("19"), dec("19.00"), dec("119.00")));
    answer(
        &env,
        "update_client",
        json!({"client": "Acme", "tax_rate_percent": 7}),
    )
    .unwrap();
    assert_eq!(invoice(json!({})), (dec("7"), dec("7.00"), dec("107.00")));
    // The call wins, even with 0.
    assert_eq!(
        invoice(json!({"tax_rate_percent": 0})),
        (dec("0"), dec("0.00"), dec("100.00"))
    );
    assert_eq!(
        invoice(json!({"tax_rate_percent": "16"})),
        (dec("16"), dec("16.00"), dec("116.00"))
    );
    // "" on the client returns it to the setting's rate.
    answer(
        &env,
        "update_client",
        json!({"client": "Acme", "tax_rate_percent": ""}),
    )
    .unwrap();
    assert_eq!(invoice(json!({})), (dec("19"), dec("19.00"), dec("119.00")));
    // The saved invoice carries the rate into its CSV.
    let saved = answer(
        &env,
        "create_invoice",
        json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
    )
    .unwrap();
    let id = saved["invoice"]["id"].as_i64().unwrap();
    let csv = answer(&env, "export_invoice_csv", json!({"invoice_id": id})).unwrap();
    let text = csv["csv"].as_str().unwrap_or_default().to_owned();
    let tax_row = text
        .lines()
        .find(|l| l.contains("Tax"))
        .unwrap_or_else(|| panic!("{csv}"));
    assert!(
        tax_row.contains(",19,") || tax_row.ends_with(",19"),
        "{tax_row}"
    );
}

#[test]
fn stint_sets_default_and_client_tax_rates_and_refuses_fractions() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tax.db");
    let d = dir.path();
    let (ok_, _, err) = stint(
        d,
        &db,
        &["config", "set", "default_tax_rate_percent", "0.19"],
    );
    assert!(!ok_);
    assert!(
        err.contains(
            "a tax rate of 0.19 is read as 0.19 %; did you mean 19 %? Give 19 for 19 %, or \
             \"0.19%\" (with the percent sign) to keep 0.19 %"
        ),
        "{err}"
    );
    ok(d, &db, &["config", "set", "default_tax_rate_percent", "19"]);
    assert_eq!(
        ok(d, &db, &["config", "get", "default_tax_rate_percent"]),
        "19\n"
    );
    ok(d, &db, &["client", "add", "Acme", "--tax-rate", "7"]);
    let shown = ok(d, &db, &["client", "show", "Acme"]);
    assert!(
        shown
            .lines()
            .any(|l| l.contains("tax rate") && l.contains(" 7 %")),
        "{shown}"
    );
    let (ok_, _, err) = stint(d, &db, &["client", "edit", "Acme", "--tax-rate", "0.5"]);
    assert!(!ok_ && err.contains("did you mean 50 %?"), "{err}");
    ok(d, &db, &["client", "edit", "Acme", "--tax-rate", "0.5%"]);
    let shown = ok(d, &db, &["client", "show", "Acme"]);
    assert!(shown.contains("0.5 %"), "{shown}");
}

// ---------------------------------------------------------------------------------------------
// Imports keep going (issue 18, item 8).

const TOGGL_HEADER: &str = "User,Email,Client,Project,Task,Description,Billable,Start date,\
                            Start time,End date,End time,Duration,Tags,Amount (EUR)";

/// A Toggl row on 2024-03-`day` from `from` to `to` (HH:MM:SS).
fn toggl_row(day: &str, from: &str, to: &str, description: &str) -> String {
    format!(
        "Ada,ada@example.test,Acme,Website,,{description},Yes,2024-03-{day},{from},2024-03-{day},\
         {to},,,"
    )
}

/// Imports `text` (a file named `name`) with the CLI; returns (success, stdout, stderr).
fn cli_import(name: &str, text: &str, extra: &[&str]) -> (bool, String, String) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, text).unwrap();
    let db = dir.path().join("import.db");
    let mut args = vec!["import", file.to_str().unwrap()];
    args.extend_from_slice(extra);
    let r = stint(dir.path(), &db, &args);
    let count: i64 = rusqlite::Connection::open(&db)
        .and_then(|c| c.query_row("SELECT count(*) FROM tracks", [], |r| r.get(0)))
        .unwrap_or(0);
    (r.0, r.1 + &format!("[tracks: {count}]"), r.2)
}

/// Watson frames (Unix seconds): two good ones and, third, one far in the future.
fn watson_frames() -> String {
    json!([
        [
            1711351800,
            1711357200,
            "website",
            "e7954d744b4e4827b94b2ff321b1ad25",
            ["design"],
            1711357200
        ],
        [
            1711492200,
            1711496700,
            "website",
            "1a09ab9fd9964edfb0a509bcc906c246",
            [],
            1711496700
        ],
        [
            4102444800u64,
            4102448400u64,
            "future",
            "922975c156f64463b2d322caaa39de8f",
            [],
            1711496700
        ]
    ])
    .to_string()
}

#[test]
fn import_errors_name_the_files_line_or_the_entrys_id() {
    // (file name, contents, the place the error must name)
    let multi_line = format!(
        "{TOGGL_HEADER}\n{}\n{}\n",
        toggl_row("25", "09:00:00", "10:00:00", "\"Hero,\nsecond line\""),
        toggl_row("26", "09:00:00", "nine", "Footer"),
    );
    let timew = json!([
        {"id": 2, "start": "20240325T073000Z", "end": "20240325T090000Z", "tags": ["a"]},
        {"id": 1, "start": "20240326T073000Z", "end": "not a time", "tags": ["b"]}
    ])
    .to_string();
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "frames",
            watson_frames(),
            "Watson frame 922975c156f64463b2d322caaa39de8f: ",
        ),
        // The second record starts on line 4: the header is line 1, the first record spans
        // lines 2 and 3.
        (
            "toggl.csv",
            multi_line,
            "line 4: end time \"nine\" is not a time",
        ),
        ("export.json", timew, "Timewarrior interval @1: "),
    ];
    for (name, text, place) in cases {
        let (ok_, out, err) = cli_import(name, &text, &[]);
        assert!(!ok_, "{name}: {out}");
        assert!(err.contains(place), "{name}: {err}");
        assert!(err.contains("--skip-invalid"), "{name}: {err}");
        assert!(out.ends_with("[tracks: 0]"), "{name}: {out}");
    }
}

#[test]
fn skip_invalid_imports_the_good_rows_and_lists_the_bad_ones() {
    let (ok_, out, err) = cli_import("frames", &watson_frames(), &["--skip-invalid"]);
    assert!(ok_, "{err}");
    assert!(out.contains("Imported 2 tracks from 3 rows"), "{out}");
    assert!(
        out.contains("Left out 1 bad row (--skip-invalid):\n  Watson frame 922975c156f64463b2d322caaa39de8f: "),
        "{out}"
    );
    assert!(out.ends_with("[tracks: 2]"), "{out}");

    // Without it, every bad row is counted and named (up to 20), and nothing is imported.
    let mut csv = format!("{TOGGL_HEADER}\n");
    for i in 0..25 {
        let end = if i % 5 == 0 { "never" } else { "10:00:00" };
        csv += &toggl_row(
            &format!("{:02}", i + 1),
            "09:00:00",
            end,
            &format!("row {i}"),
        );
        csv += "\n";
    }
    let (ok_, out, err) = cli_import("toggl.csv", &csv, &[]);
    assert!(!ok_);
    assert!(
        err.contains(
            "line 2: end time \"never\" is not a time; 5 rows are bad in all, also line 7 \
             (end time \"never\" is not a time), line 12 (end time \"never\" is not a time), \
             line 17 (end time \"never\" is not a time), line 22 (end time \"never\" is not a \
             time); fix them and import again, or import the 20 good rows and leave the bad \
             ones out with --skip-invalid (nothing was imported)"
        ),
        "{err}"
    );
    assert!(out.ends_with("[tracks: 0]"), "{out}");
    let (ok_, out, err) = cli_import("toggl.csv", &csv, &["--skip-invalid"]);
    assert!(ok_, "{err}");
    assert!(out.contains("Left out 5 bad rows"), "{out}");
    assert!(out.ends_with("[tracks: 20]"), "{out}");
}

#[test]
fn a_duplicate_in_the_file_is_imported_once_and_reported() {
    let row = toggl_row("25", "09:00:00", "10:00:00", "Hero");
    let csv = format!(
        "{TOGGL_HEADER}\n{row}\n{}\n{row}\n",
        toggl_row("25", "11:00:00", "12:00:00", "Footer")
    );
    let (ok_, out, err) = cli_import("toggl.csv", &csv, &[]);
    assert!(ok_, "{err}");
    assert!(
        out.contains("Imported 2 tracks from 3 rows (0 already present"),
        "{out}"
    );
    assert!(
        out.contains("1 duplicate skipped: line 4 (same as line 2)."),
        "{out}"
    );
    assert!(out.ends_with("[tracks: 2]"), "{out}");
}

#[test]
fn harvest_entries_stay_on_their_date() {
    let env = Env::new();
    let header = "Date,Client,Project,Task,Notes,Hours,Billable?";
    let csv = format!(
        "{header}\n\
         2024-03-25,Acme,Web,Dev,Long day,20,Yes\n\
         2024-03-25,Acme,Web,Dev,Evening,2,Yes\n\
         2024-03-26,Acme,Web,Dev,Normal,3,Yes\n\
         2024-03-27,Acme,Web,Dev,Marathon,20,Yes\n\
         2024-03-27,Acme,Web,Dev,Too much,6,Yes\n"
    );
    let report = env
        .svc
        .import_reader(
            csv.as_bytes(),
            None,
            &stint::service::ImportOptions::default(),
            &stint::service::NoProgress,
        )
        .unwrap();
    let r = results(&env, &[call(1, "list_tracks", json!({"limit": 10}))]);
    let mut spans: Vec<(String, String, String)> = r[0]["tracks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["description"].as_str().unwrap().to_owned(),
                t["start"].as_str().unwrap().to_owned(),
                t["end"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    spans.sort_by(|a, b| a.1.cmp(&b.1));
    // Berlin, +01:00 in March (before the change on the 31st).
    let expected = [
        (
            "Long day",
            "2024-03-25T02:00:00+01:00",
            "2024-03-25T22:00:00+01:00",
        ),
        (
            "Evening",
            "2024-03-25T22:00:00+01:00",
            "2024-03-26T00:00:00+01:00",
        ),
        (
            "Normal",
            "2024-03-26T09:00:00+01:00",
            "2024-03-26T12:00:00+01:00",
        ),
        (
            "Marathon",
            "2024-03-27T00:00:00+01:00",
            "2024-03-27T20:00:00+01:00",
        ),
        (
            "Too much",
            "2024-03-27T18:00:00+01:00",
            "2024-03-28T00:00:00+01:00",
        ),
    ];
    let to_utc = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let got: Vec<_> = spans
        .iter()
        .map(|(d, s, e)| (d.clone(), to_utc(s), to_utc(e)))
        .collect();
    let want: Vec<_> = expected
        .iter()
        .map(|(d, s, e)| (d.to_string(), to_utc(s), to_utc(e)))
        .collect();
    let mut want = want;
    want.sort_by_key(|w| w.1);
    assert_eq!(got, want);
    assert_eq!(
        report.summary.crowded_dates,
        vec![chrono::NaiveDate::from_ymd_opt(2024, 3, 27).unwrap()]
    );
}
