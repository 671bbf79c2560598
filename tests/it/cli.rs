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

fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// `stint` run from a shell with `umask 022`, as most logins have.
fn stint_umask(db: &std::path::Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new("sh")
        .arg("-c")
        .arg("umask 022; exec \"$0\" \"$@\"")
        .arg(env!("CARGO_BIN_EXE_stint"))
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

/// Under umask 022 the data folder stint creates is 0700 and the database, its -wal and -shm,
/// backups and CSV exports are 0600; a database others can read gets a warning with the fix.
#[test]
fn private_files_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/stint");
    let db = data.join("stint.db");
    let (ok, _, err) = stint_umask(
        &db,
        &[
            "log",
            "private",
            "--start",
            "2026-11-02 09:00",
            "--duration",
            "1h",
        ],
    );
    assert!(ok, "{err}");
    assert!(!err.contains("WARN"), "{err}");
    assert_eq!(mode_of(&data), 0o700);
    assert_eq!(mode_of(&dir.path().join("data")), 0o700);
    assert_eq!(mode_of(&db), 0o600);
    for suffix in ["-wal", "-shm"] {
        let f = std::path::PathBuf::from(format!("{}{suffix}", db.display()));
        assert!(f.exists(), "{} (persistent WAL)", f.display());
        assert_eq!(mode_of(&f), 0o600, "{}", f.display());
    }
    let backup = dir.path().join("backup.db");
    let (ok, _, err) = stint_umask(&db, &["db", "backup", backup.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(mode_of(&backup), 0o600);
    let csv = dir.path().join("tracks.csv");
    let (ok, _, err) = stint_umask(&db, &["tracks", "--csv", csv.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert_eq!(mode_of(&csv), 0o600);
    assert!(std::fs::read_to_string(&csv).unwrap().contains("private"));

    // An existing database readable by others: a warning that says how to fix it.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, err) = stint_umask(&db, &["status"]);
    assert!(ok, "{err}");
    assert!(
        err.contains("can be read by other users")
            && err.contains(&format!("chmod 600 {}", db.display())),
        "{err}"
    );
}

/// The CLI's exports and backups never replace a file unless --force, and never the database.
#[test]
fn cli_exports_keep_existing_files_and_the_database() {
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
    let db_arg = db.to_str().unwrap();
    for args in [
        vec!["db", "backup", db_arg],
        vec!["db", "backup", db_arg, "--force"],
        vec!["tracks", "--csv", db_arg, "--force"],
    ] {
        let (ok, _, err) = stint(&db, &args);
        assert!(!ok && err.contains("the open database"), "{args:?}: {err}");
    }
    let (ok, out, err) = stint(&db, &["tracks"]);
    assert!(ok && out.contains("kept"), "{out}{err}");

    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "mine").unwrap();
    let (ok, _, err) = stint(&db, &["tracks", "--csv", csv.to_str().unwrap()]);
    assert!(
        !ok && err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "mine");
    let (ok, _, err) = stint(&db, &["tracks", "--csv", csv.to_str().unwrap(), "--force"]);
    assert!(ok, "{err}");
    assert!(std::fs::read_to_string(&csv).unwrap().contains("kept"));
    let (ok, _, err) = stint(&db, &["tracks", "--csv", "/dev/null"]);
    assert!(!ok && err.contains("not a regular file"), "{err}");
    let (ok, out, err) = stint(&db, &["tracks", "--csv", "-"]);
    assert!(ok && out.contains("kept"), "{err}");
    let exports: i64 = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM audit_log WHERE operation = 'export_tracks_csv'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(exports, 2);
}

#[test]
fn serve_refuses_to_start_without_an_active_token() {
    // Findings 1 and 3: no token used to mean an open server.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("serve.db");
    let (ok, _, err) = stint(&db, &["serve", "--port", "0"]);
    assert!(!ok, "serve must not start without a token");
    assert!(
        err.contains("stint token create --name NAME --scope read|write|admin"),
        "{err}"
    );
    let (ok, _, err) = stint(&db, &["serve", "--host", "0.0.0.0", "--port", "0"]);
    assert!(!ok);
    assert!(err.contains("no active API token"), "{err}");
    let (ok, _, err) = stint(
        &db,
        &["serve", "--no-token", "--host", "0.0.0.0", "--port", "0"],
    );
    assert!(!ok, "--no-token is for loopback only");
    assert!(err.contains("refusing --no-token on 0.0.0.0"), "{err}");
    // A revoked token does not count.
    let (ok, _, err) = stint(&db, &["token", "create", "--name", "t", "--scope", "read"]);
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&db, &["token", "revoke", "t"]);
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&db, &["serve", "--port", "0"]);
    assert!(!ok);
    assert!(err.contains("no active API token"), "{err}");
}

#[test]
fn token_list_shows_last_use_and_reused_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.db");
    let (ok, _, err) = stint(&db, &["token", "create", "--name", "ci", "--scope", "read"]);
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&db, &["token", "revoke", "ci"]);
    assert!(ok, "{err}");
    let (ok, _, err) = stint(
        &db,
        &["token", "create", "--name", "ci", "--scope", "write"],
    );
    assert!(ok, "a revoked token's name can be reused: {err}");
    let (ok, out, err) = stint(&db, &["token", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("last used"), "{out}");
    assert!(out.contains("never"), "{out}");
    assert_eq!(out.matches("│ ci").count(), 2, "{out}");
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

#[test]
fn continue_resumes_the_last_finished_track() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let (ok, _, err) = stint(&db, &["continue"]);
    assert!(!ok);
    assert!(err.contains("no finished track to continue"), "{err}");
    let (ok, _, err) = stint(
        &db,
        &["log", "homepage", "--end", "now", "--duration", "1h"],
    );
    assert!(ok, "{err}");
    let (ok, out, err) = stint(&db, &["continue"]);
    assert!(ok, "{err}");
    assert!(out.contains("Continuing #1 \"homepage\""), "{out}");
    assert!(out.contains("Started #2 \"homepage\""), "{out}");
    // Within the same second timer 2 is replaced, later it is stopped: either way it ends.
    let (ok, out, err) = stint(&db, &["continue", "1"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("Replaced #2") || out.contains("Stopped #2"),
        "{out}"
    );
    assert!(out.contains("Started #3 \"homepage\""), "a new id: {out}");
}

/// `stint expense add|list|edit|delete`, expenses on `stint invoice create`, and `stint invoice
/// list` marking overdue invoices and showing what is outstanding.
#[test]
fn expenses_and_overdue_invoices() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let setup = [
        r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"create_client","arguments":{"name":"Acme","currency":"EUR"}}}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"create_project","arguments":{"name":"Web","client":"Acme","hourly_rate":100}}}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"create_track","arguments":{"start":"2026-10-02T09:00:00Z","end":"2026-10-02T10:00:00Z","project":"Web"}}}"#,
    ];
    let mut child = Command::new(env!("CARGO_BIN_EXE_stint"))
        .arg("mcp")
        .env("STINT_DB", &db)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all((setup.join("\n") + "\n").as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("\"isError\":true"), "{text}");

    let (ok, out, err) = stint(
        &db,
        &[
            "expense",
            "add",
            "12.5",
            "Train",
            "-p",
            "Web",
            "--date",
            "2026-10-03",
            "--tax",
            "7",
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "Expense 1: 12.50 EUR on 2026-10-03, Train (Web)"
    );
    let (ok, _, err) = stint(
        &db,
        &[
            "expense",
            "add",
            "1.001",
            "Coffee",
            "-p",
            "Web",
            "--date",
            "2026-10-03",
        ],
    );
    assert!(!ok);
    assert!(err.contains("more decimals than EUR has (2)"), "{err}");
    let (ok, out, err) = stint(&db, &["expense", "edit", "1", "--amount", "13"]);
    assert!(ok, "{err}");
    assert!(out.contains("13.00 EUR"), "{out}");
    let (ok, out, err) = stint(&db, &["expense", "list"]);
    assert!(ok, "{err}");
    assert!(out.contains("Train") && out.contains("unbilled"), "{out}");

    let (ok, out, err) = stint(
        &db,
        &[
            "invoice",
            "create",
            "--client",
            "Acme",
            "--from",
            "2026-10-01",
            "--to",
            "2026-10-31",
            "--tax",
            "19",
            "--discount-percent",
            "10",
            "--due-days",
            "14",
        ],
    );
    assert!(ok, "{err}");
    // 100 + 13 = 113; discount 11.30 shared 10.00 (19 %) + 1.30 (7 %); 17.10 + 0.82.
    for want in [
        "Train",
        "Discount 10%",
        "-11.30 EUR",
        "Tax 7% on 11.70",
        "0.82 EUR",
        "Tax 19% on 90.00",
        "17.10 EUR",
        "119.62 EUR",
    ] {
        assert!(out.contains(want), "want {want:?} in {out}");
    }
    let (ok, _, err) = stint(&db, &["expense", "delete", "1"]);
    assert!(!ok);
    assert!(err.contains("billed on draft invoice id 1"), "{err}");
    let (ok, _, err) = stint(&db, &["invoice", "send", "1", "--date", "2026-10-05"]);
    assert!(ok, "{err}");
    let (ok, out, err) = stint(&db, &["invoice", "list"]);
    assert!(ok, "{err}");
    for want in [
        "sent, OVERDUE",
        "Outstanding: 119.62 EUR",
        "Overdue: 1 invoice(s)",
    ] {
        assert!(out.contains(want), "want {want:?} in {out}");
    }
    let (ok, out, err) = stint(&db, &["invoice", "paid", "1", "--on", "2026-10-20"]);
    assert!(ok, "{err}");
    assert!(out.contains("paid on 2026-10-20"), "{out}");
    let (ok, out, _) = stint(&db, &["invoice", "list", "--status", "outstanding"]);
    assert!(ok);
    assert!(!out.contains("INV-"), "{out}");
}

#[test]
fn sync_status_and_a_sync_answer_json_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (ok, out, err) = stint(&db, &["--json", "sync", "status"]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["device_no"].is_null(), "{out}");
    let folder = dir.path().join("folder");
    let (ok, out, err) = stint(&db, &["--json", "sync", folder.to_str().unwrap()]);
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sent"], 0, "{out}");
    let (ok, out, _) = stint(&db, &["--json", "sync", "status"]);
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["device_no"].is_i64(), "{out}");
    assert_eq!(v["encrypted"], false);
    assert_eq!(v["auto_sync"], true);
}
