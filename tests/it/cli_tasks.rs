//! `stint task ...` and `--task` on `start` and `log`, run as a real process (util::Stint).

use serde_json::json;

use super::util::Stint;

/// A database with project Website (100/h), made through the tools, as a fresh user's would be.
fn setup() -> Stint {
    let s = Stint::named("tasks.db");
    s.mcp().call_ok(
        "create_project",
        json!({"name": "Website", "hourly_rate": 100}),
    );
    s
}

#[test]
fn task_add_list_show_edit() {
    let db = setup();
    let out = db.ok(&[
        "task",
        "add",
        "Hero",
        "-p",
        "website",
        "--estimate",
        "6",
        "--rate",
        "130",
    ]);
    assert_eq!(out.trim(), "Added task #1 Hero to project Website");
    db.ok(&[
        "task",
        "add",
        "Internal sync",
        "-p",
        "Website",
        "--no-billable",
    ]);
    let err = db.fails(&["task", "add", "hero", "-p", "Website"]);
    assert!(err.contains("already has a task named"), "{err}");
    let err = db.fails(&["task", "add", "Hero", "-p", "Webshop"]);
    assert!(err.contains("no project is named"), "{err}");

    let out = db.ok(&[
        "start",
        "hero section",
        "-p",
        "Website",
        "-k",
        "hero",
        "--at",
        "2026-11-20 09:00",
    ]);
    assert!(
        out.contains("Started #1 \"hero section\" on Website: Hero"),
        "{out}"
    );
    db.ok(&["stop", "--at", "2026-11-20 10:30"]);
    // A task alone picks its project.
    let out = db.ok(&[
        "log",
        "--task",
        "Internal sync",
        "--start",
        "2026-11-20 11:00",
        "--duration",
        "30m",
    ]);
    assert!(out.contains("on Website: Internal sync"), "{out}");

    let out = db.ok(&["task", "list"]);
    assert!(
        out.contains("Hero") && out.contains("1:30 of 6:00 (25 %)"),
        "{out}"
    );
    assert!(
        out.contains("Internal sync") && out.contains("0:30"),
        "{out}"
    );
    let out = db.ok(&["task", "show", "hero", "-p", "Website"]);
    assert!(out.contains("Task #1 Hero (project Website)"), "{out}");
    assert!(out.contains("rate:     130"), "{out}");
    let out = db.ok(&["task", "show", "1", "--json"]);
    assert!(out.contains("\"tracked_seconds\": 5400"), "{out}");
    assert!(out.contains("\"estimate_hours\": \"6\""), "{out}");
    let out = db.ok(&["task", "list", "--json"]);
    assert!(
        out.trim_start().starts_with("{") && out.contains("\"tasks\""),
        "{out}"
    );

    let out = db.ok(&[
        "task",
        "edit",
        "Hero",
        "--status",
        "done",
        "--estimate",
        "",
        "--name",
        "Hero banner",
    ]);
    assert!(
        out.contains("Changed task #1 Hero banner") && out.contains("status:   done"),
        "{out}"
    );
    assert!(
        out.contains("tracked:  1:30\n"),
        "no estimate any more: {out}"
    );
    let out = db.ok(&["task", "list", "--status", "done"]);
    assert!(
        out.contains("Hero banner") && !out.contains("Internal sync"),
        "{out}"
    );
    // The report groups by task.
    let out = db.ok(&[
        "report",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--group-by",
        "project,task",
    ]);
    assert!(
        out.contains("Hero banner") && out.contains("195.00"),
        "{out}"
    );
}

#[test]
fn task_archive_and_delete() {
    let db = setup();
    db.ok(&["task", "add", "Old", "-p", "Website"]);
    db.ok(&["task", "add", "Empty", "-p", "Website"]);
    db.ok(&[
        "log",
        "-k",
        "Old",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ]);
    // A task with tracks: the CLI error names the CLI's flags and commands.
    let err = db.fails(&["task", "delete", "Old"]);
    assert!(
        err.contains("give --force") && err.contains("`stint task archive TASK`"),
        "{err}"
    );
    let out = db.ok(&["task", "archive", "Old"]);
    assert!(out.contains("Archived task #1 Old"), "{out}");
    let out = db.ok(&["task", "list"]);
    assert!(!out.contains("Old") && out.contains("Empty"), "{out}");
    let err = db.fails(&["start", "-k", "Old"]);
    assert!(err.contains("archived"), "{err}");
    db.ok(&["task", "edit", "Old", "--status", "open"]);
    let out = db.ok(&["task", "delete", "Old", "--force"]);
    assert!(
        out.contains("Deleted task #1 Old") && out.contains("1 tracks stay on project \"Website\""),
        "{out}"
    );
    let out = db.ok(&["tracks", "--from", "2026-11-20"]);
    assert!(
        out.contains("Website") && !out.contains("Website: Old"),
        "{out}"
    );
    let out = db.ok(&["task", "delete", "Empty"]);
    assert!(out.contains("Deleted task #2 Empty"), "{out}");
    let out = db.ok(&["task", "list"]);
    assert_eq!(out.trim(), "No tasks.");
}
