//! The human CLI, run as a real process.

use std::process::Command;

fn stint(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_stint"))
        .args(args)
        .env("STINT_DB", db)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn start_status_stop_log_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let (ok, out, err) = stint(&db, &["db", "path"]);
    assert!(ok, "{err}");
    assert_eq!(out.trim(), db.display().to_string());

    let (ok, out, _) = stint(&db, &["status"]);
    assert!(ok);
    assert_eq!(out.trim(), "No timer is running.");

    let (ok, out, err) = stint(&db, &["start", "writing docs", "--at", "2026-11-20 08:00"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("Started #1 \"writing docs\""), "{out}");
    let (ok, out, _) = stint(&db, &["status"]);
    assert!(ok);
    assert!(out.contains("Running #1 \"writing docs\""), "{out}");
    let (ok, out, err) = stint(&db, &["stop"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("Stopped #1"), "{out}");

    let (ok, _, err) = stint(&db, &["stop"]);
    assert!(!ok);
    assert!(err.contains("no timer is running"), "{err}");

    let (ok, out, err) = stint(
        &db,
        &[
            "log",
            "review",
            "--start",
            "2026-11-02 09:00",
            "--duration",
            "1h30m",
        ],
    );
    assert!(ok, "{err}");
    assert!(
        out.contains("2026-11-02 09:00 to 2026-11-02 10:30 (1:30)"),
        "{out}"
    );

    let (ok, _, err) = stint(
        &db,
        &[
            "log",
            "--start",
            "2026-11-02 11:00",
            "--end",
            "2026-11-02 10:00",
        ],
    );
    assert!(!ok);
    assert!(err.contains("before the start"), "{err}");

    let (ok, out, err) = stint(&db, &["tracks"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("review") && out.contains("writing docs"),
        "{out}"
    );
    assert!(out.contains("2 tracks"), "{out}");
}

#[test]
fn mcp_exits_zero_at_end_of_input() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("mcp")
        .env("STINT_DB", dir.path().join("m.db"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(
            br#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_tag","arguments":{"name":"deep-work"}}}
"#,
        )
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert!(text.contains("deep-work"));
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The write is committed: a new process sees it.
    let conn = rusqlite::Connection::open(dir.path().join("m.db")).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM tags", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
fn db_backup_is_a_complete_copy() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("live.db");
    let (ok, _, err) = stint(
        &db,
        &[
            "log",
            "kept",
            "--start",
            "2026-11-02 09:00",
            "--duration",
            "1h",
        ],
    );
    assert!(ok, "{err}");
    let copy = dir.path().join("copy.db");
    let (ok, out, err) = stint(&db, &["db", "backup", copy.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(out.contains("Wrote a copy"), "{out}");
    let (ok, out, err) = stint(&copy, &["tracks"]);
    assert!(ok, "{err}");
    assert!(out.contains("kept") && out.contains("1 tracks"), "{out}");
    let (ok, _, err) = stint(&db, &["db", "backup", copy.to_str().unwrap()]);
    assert!(!ok && err.contains("already exists"), "{err}");
}

#[test]
fn log_from_end_and_duration_and_report_a_named_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let (ok, out, err) = stint(
        &db,
        &["log", "call", "--end", "now", "--duration", "45 min"],
    );
    assert!(ok, "{err}");
    assert!(out.contains("(0:45)"), "{out}");
    let (ok, _, err) = stint(&db, &["log", "--end", "now"]);
    assert!(!ok);
    assert!(
        err.contains("two of --start, --end and --duration"),
        "{err}"
    );
    // "yesterday" to "today" holds all 45 minutes whenever the test runs.
    let (ok, out, err) = stint(&db, &["report", "--from", "yesterday", "--to", "today"]);
    assert!(ok, "{err}");
    assert!(out.contains("0:45"), "{out}");
    let (ok, out, err) = stint(&db, &["report", "--from", "last year"]);
    assert!(ok, "{err}");
    assert!(!out.contains("0:45"), "{out}");
}
