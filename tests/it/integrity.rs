//! Nothing silently wrong (issue 18): a stop always stops, ids are never reused, tax rates as
//! people mean them with defaults per client and in the settings, and imports that name the
//! file's line, keep going on request and report duplicates.

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use stint::service::{StartTimer, StopTimer};

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
    assert!(status.starts_with("Running #1 \"Hotfix\" since "), "{status}");
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
