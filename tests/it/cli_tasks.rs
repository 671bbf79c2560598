//! `stint task ...` and `--task` on `start` and `log`, run as a real process (assert_cmd).

use assert_cmd::Command;

/// Runs `stint args...` on `db` in UTC and returns (success, stdout, stderr).
fn stint(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::cargo_bin("stint")
        .unwrap()
        .args(args)
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

fn ok(db: &std::path::Path, args: &[&str]) -> String {
    let (ok, out, err) = stint(db, args);
    assert!(ok, "stint {args:?} failed: {err}");
    out
}

fn fails(db: &std::path::Path, args: &[&str]) -> String {
    let (ok, out, err) = stint(db, args);
    assert!(!ok, "stint {args:?} succeeded: {out}");
    err
}

/// A database with project Website (100/h), made through the tools, as a fresh user's would be.
fn setup() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tasks.db");
    Command::cargo_bin("stint")
        .unwrap()
        .arg("mcp")
        .env("STINT_DB", &db)
        .write_stdin(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_project","arguments":{"name":"Website","hourly_rate":100}}}"#,
        )
        .assert()
        .success();
    (dir, db)
}

#[test]
fn task_add_list_show_edit() {
    let (_dir, db) = setup();
    let out = ok(
        &db,
        &[
            "task",
            "add",
            "Hero",
            "-p",
            "website",
            "--estimate",
            "6",
            "--rate",
            "130",
        ],
    );
    assert_eq!(out.trim(), "Added task #1 Hero to project Website");
    ok(
        &db,
        &[
            "task",
            "add",
            "Internal sync",
            "-p",
            "Website",
            "--no-billable",
        ],
    );
    let err = fails(&db, &["task", "add", "hero", "-p", "Website"]);
    assert!(err.contains("already has a task named"), "{err}");
    let err = fails(&db, &["task", "add", "Hero", "-p", "Webshop"]);
    assert!(err.contains("no project is named"), "{err}");

    let out = ok(
        &db,
        &[
            "start",
            "hero section",
            "-p",
            "Website",
            "-k",
            "hero",
            "--at",
            "2026-11-20 09:00",
        ],
    );
    assert!(
        out.contains("Started #1 \"hero section\" on Website: Hero"),
        "{out}"
    );
    ok(&db, &["stop", "--at", "2026-11-20 10:30"]);
    // A task alone picks its project.
    let out = ok(
        &db,
        &[
            "log",
            "--task",
            "Internal sync",
            "--start",
            "2026-11-20 11:00",
            "--duration",
            "30m",
        ],
    );
    assert!(out.contains("on Website: Internal sync"), "{out}");

    let out = ok(&db, &["task", "list"]);
    assert!(
        out.contains("Hero") && out.contains("1:30 of 6:00 (25 %)"),
        "{out}"
    );
    assert!(
        out.contains("Internal sync") && out.contains("0:30"),
        "{out}"
    );
    let out = ok(&db, &["task", "show", "hero", "-p", "Website"]);
    assert!(out.contains("Task #1 Hero (project Website)"), "{out}");
    assert!(out.contains("rate:     130"), "{out}");
    let out = ok(&db, &["task", "show", "1", "--json"]);
    assert!(out.contains("\"tracked_seconds\": 5400"), "{out}");
    assert!(out.contains("\"estimate_hours\": \"6\""), "{out}");
    let out = ok(&db, &["task", "list", "--json"]);
    assert!(
        out.trim_start().starts_with("{") && out.contains("\"tasks\""),
        "{out}"
    );

    let out = ok(
        &db,
        &[
            "task",
            "edit",
            "Hero",
            "--status",
            "done",
            "--estimate",
            "",
            "--name",
            "Hero banner",
        ],
    );
    assert!(
        out.contains("Changed task #1 Hero banner") && out.contains("status:   done"),
        "{out}"
    );
    assert!(
        out.contains("tracked:  1:30\n"),
        "no estimate any more: {out}"
    );
    let out = ok(&db, &["task", "list", "--status", "done"]);
    assert!(
        out.contains("Hero banner") && !out.contains("Internal sync"),
        "{out}"
    );
    // The report groups by task.
    let out = ok(
        &db,
        &[
            "report",
            "--from",
            "2026-11-20",
            "--to",
            "2026-11-20",
            "--group-by",
            "project,task",
        ],
    );
    assert!(
        out.contains("Hero banner") && out.contains("195.00"),
        "{out}"
    );
}

#[test]
fn task_archive_and_delete() {
    let (_dir, db) = setup();
    ok(&db, &["task", "add", "Old", "-p", "Website"]);
    ok(&db, &["task", "add", "Empty", "-p", "Website"]);
    ok(
        &db,
        &[
            "log",
            "-k",
            "Old",
            "--start",
            "2026-11-20 09:00",
            "--duration",
            "1h",
        ],
    );
    // A task with tracks: the CLI error names the CLI's flags and commands.
    let err = fails(&db, &["task", "delete", "Old"]);
    assert!(
        err.contains("give --force") && err.contains("`stint task archive TASK`"),
        "{err}"
    );
    let out = ok(&db, &["task", "archive", "Old"]);
    assert!(out.contains("Archived task #1 Old"), "{out}");
    let out = ok(&db, &["task", "list"]);
    assert!(!out.contains("Old") && out.contains("Empty"), "{out}");
    let err = fails(&db, &["start", "-k", "Old"]);
    assert!(err.contains("archived"), "{err}");
    ok(&db, &["task", "edit", "Old", "--status", "open"]);
    let out = ok(&db, &["task", "delete", "Old", "--force"]);
    assert!(
        out.contains("Deleted task #1 Old") && out.contains("1 tracks stay on project \"Website\""),
        "{out}"
    );
    let out = ok(&db, &["tracks", "--from", "2026-11-20"]);
    assert!(
        out.contains("Website") && !out.contains("Website: Old"),
        "{out}"
    );
    let out = ok(&db, &["task", "delete", "Empty"]);
    assert!(out.contains("Deleted task #2 Empty"), "{out}");
    let out = ok(&db, &["task", "list"]);
    assert_eq!(out.trim(), "No tasks.");
}
