//! The human CLI, run as a real process.

use serde_json::json;

use super::util::{Mcp, call_line, stint, tool_result};

/// Runs stint from a shell with `umask 022`, as most logins have.
const UMASK_022: &[&str] = &["sh", "-c", "umask 022; exec \"$0\" \"$@\""];

#[test]
fn start_status_stop_log_tracks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let (ok, out, err) = stint(&["db", "path"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert_eq!(out.trim(), db.display().to_string());

    let (ok, out, _) = stint(&["status"]).db(&db).run().triple();
    assert!(ok);
    assert_eq!(out.trim(), "No timer is running.");

    let (ok, out, err) = stint(&["start", "writing docs", "--at", "2026-11-20 08:00"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.starts_with("Started #1 \"writing docs\""), "{out}");
    let (ok, out, _) = stint(&["status"]).db(&db).run().triple();
    assert!(ok);
    assert!(out.contains("Running #1 \"writing docs\""), "{out}");
    let (ok, out, err) = stint(&["stop"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert!(out.starts_with("Stopped #1"), "{out}");

    let (ok, _, err) = stint(&["stop"]).db(&db).run().triple();
    assert!(!ok);
    assert!(err.contains("no timer is running"), "{err}");

    let (ok, out, err) = stint(&[
        "log",
        "review",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h30m",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(ok, "{err}");
    assert!(
        out.contains("2026-11-02 09:00 to 2026-11-02 10:30 (1:30)"),
        "{out}"
    );

    let (ok, _, err) = stint(&[
        "log",
        "--start",
        "2026-11-02 11:00",
        "--end",
        "2026-11-02 10:00",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(!ok);
    assert!(err.contains("before the start"), "{err}");

    let (ok, out, err) = stint(&["tracks"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert!(
        out.contains("review") && out.contains("writing docs"),
        "{out}"
    );
    assert!(out.contains("2 tracks"), "{out}");
}

#[test]
fn mcp_exits_zero_at_end_of_input() {
    let dir = tempfile::tempdir().unwrap();
    let r = stint(&["mcp"])
        .db(dir.path().join("m.db"))
        .stdin(call_line(1, "create_tag", json!({"name": "deep-work"})) + "\n")
        .ok();
    let answers = r.answers();
    assert_eq!(answers.len(), 1, "{}", r.stdout);
    assert_eq!(
        tool_result(&answers[0])["tag"]["name"],
        "deep-work",
        "{}",
        r.stdout
    );
    assert_eq!(r.stderr, "");
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
    let (ok, _, err) = stint(&[
        "log",
        "kept",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(ok, "{err}");
    let copy = dir.path().join("copy.db");
    let (ok, out, err) = stint(&["db", "backup", copy.to_str().unwrap()])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("Wrote a copy"), "{out}");
    let (ok, out, err) = stint(&["tracks"]).db(&copy).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("kept") && out.contains("1 tracks"), "{out}");
    let (ok, _, err) = stint(&["db", "backup", copy.to_str().unwrap()])
        .db(&db)
        .run()
        .triple();
    assert!(!ok && err.contains("already exists"), "{err}");
}

fn mode_of(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Under umask 022 the data folder stint creates is 0700 and the database, its -wal and -shm,
/// backups and CSV exports are 0600; a database others can read gets a warning with the fix.
#[test]
fn private_files_whatever_the_umask() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data/stint");
    let db = data.join("stint.db");
    let (ok, _, err) = stint(&[
        "log",
        "private",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
    ])
    .db(&db)
    .wrapped(UMASK_022)
    .run()
    .triple();
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
    let (ok, _, err) = stint(&["db", "backup", backup.to_str().unwrap()])
        .db(&db)
        .wrapped(UMASK_022)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert_eq!(mode_of(&backup), 0o600);
    let csv = dir.path().join("tracks.csv");
    let (ok, _, err) = stint(&["tracks", "--csv", csv.to_str().unwrap()])
        .db(&db)
        .wrapped(UMASK_022)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert_eq!(mode_of(&csv), 0o600);
    assert!(std::fs::read_to_string(&csv).unwrap().contains("private"));

    // An existing database readable by others: a warning that says how to fix it.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let (ok, _, err) = stint(&["status"]).db(&db).wrapped(UMASK_022).run().triple();
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
    let (ok, _, err) = stint(&[
        "log",
        "kept",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(ok, "{err}");
    let db_arg = db.to_str().unwrap();
    for args in [
        vec!["db", "backup", db_arg],
        vec!["db", "backup", db_arg, "--force"],
        vec!["tracks", "--csv", db_arg, "--force"],
    ] {
        let (ok, _, err) = stint(&args).db(&db).run().triple();
        assert!(!ok && err.contains("the open database"), "{args:?}: {err}");
    }
    let (ok, out, err) = stint(&["tracks"]).db(&db).run().triple();
    assert!(ok && out.contains("kept"), "{out}{err}");

    let csv = dir.path().join("t.csv");
    std::fs::write(&csv, "mine").unwrap();
    let (ok, _, err) = stint(&["tracks", "--csv", csv.to_str().unwrap()])
        .db(&db)
        .run()
        .triple();
    assert!(
        !ok && err.contains("already exists") && err.contains("--force"),
        "{err}"
    );
    assert_eq!(std::fs::read_to_string(&csv).unwrap(), "mine");
    let (ok, _, err) = stint(&["tracks", "--csv", csv.to_str().unwrap(), "--force"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(std::fs::read_to_string(&csv).unwrap().contains("kept"));
    let (ok, _, err) = stint(&["tracks", "--csv", "/dev/null"])
        .db(&db)
        .run()
        .triple();
    assert!(!ok && err.contains("not a regular file"), "{err}");
    let (ok, out, err) = stint(&["tracks", "--csv", "-"]).db(&db).run().triple();
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
    let (ok, _, err) = stint(&["serve", "--port", "0"]).db(&db).run().triple();
    assert!(!ok, "serve must not start without a token");
    assert!(
        err.contains("stint token create --name NAME --scope read|write|admin"),
        "{err}"
    );
    let (ok, _, err) = stint(&["serve", "--host", "0.0.0.0", "--port", "0"])
        .db(&db)
        .run()
        .triple();
    assert!(!ok);
    assert!(err.contains("no active API token"), "{err}");
    let (ok, _, err) = stint(&["serve", "--no-token", "--host", "0.0.0.0", "--port", "0"])
        .db(&db)
        .run()
        .triple();
    assert!(!ok, "--no-token is for loopback only");
    assert!(err.contains("refusing --no-token on 0.0.0.0"), "{err}");
    // A revoked token does not count.
    let (ok, _, err) = stint(&["token", "create", "--name", "t", "--scope", "read"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["token", "revoke", "t"]).db(&db).run().triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["serve", "--port", "0"]).db(&db).run().triple();
    assert!(!ok);
    assert!(err.contains("no active API token"), "{err}");
}

#[test]
fn token_list_shows_last_use_and_reused_names() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("tokens.db");
    let (ok, _, err) = stint(&["token", "create", "--name", "ci", "--scope", "read"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["token", "revoke", "ci"]).db(&db).run().triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["token", "create", "--name", "ci", "--scope", "write"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "a revoked token's name can be reused: {err}");
    let (ok, out, err) = stint(&["token", "list"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("last used"), "{out}");
    assert!(out.contains("never"), "{out}");
    assert_eq!(out.matches("│ ci").count(), 2, "{out}");
}

#[test]
fn log_from_end_and_duration_and_report_a_named_period() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let (ok, out, err) = stint(&["log", "call", "--end", "now", "--duration", "45 min"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("(0:45)"), "{out}");
    let (ok, _, err) = stint(&["log", "--end", "now"]).db(&db).run().triple();
    assert!(!ok);
    assert!(
        err.contains("two of --start, --end and --duration"),
        "{err}"
    );
    // "yesterday" to "today" holds all 45 minutes whenever the test runs.
    let (ok, out, err) = stint(&["report", "--from", "yesterday", "--to", "today"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("0:45"), "{out}");
    let (ok, out, err) = stint(&["report", "--from", "last year"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(!out.contains("0:45"), "{out}");
}

#[test]
fn continue_resumes_the_last_finished_track() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let (ok, _, err) = stint(&["continue"]).db(&db).run().triple();
    assert!(!ok);
    assert!(err.contains("no finished track to continue"), "{err}");
    let (ok, _, err) = stint(&["log", "homepage", "--end", "now", "--duration", "1h"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, out, err) = stint(&["continue"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("Continuing #1 \"homepage\""), "{out}");
    assert!(out.contains("Started #2 \"homepage\""), "{out}");
    // Within the same second timer 2 is replaced, later it is stopped: either way it ends.
    let (ok, out, err) = stint(&["continue", "1"]).db(&db).run().triple();
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
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let mut mcp = Mcp::process(stint(&["mcp"]).db(&db));
    mcp.call_ok("create_client", json!({"name": "Acme", "currency": "EUR"}));
    mcp.call_ok(
        "create_project",
        json!({"name": "Web", "client": "Acme", "hourly_rate": 100}),
    );
    mcp.call_ok(
        "create_track",
        json!({"start": "2026-10-02T09:00:00Z", "end": "2026-10-02T10:00:00Z", "project": "Web"}),
    );
    mcp.close();

    let (ok, out, err) = stint(&[
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
    ])
    .db(&db)
    .run()
    .triple();
    assert!(ok, "{err}");
    assert_eq!(
        out.trim(),
        "Expense 1: 12.50 EUR on 2026-10-03, Train (Web)"
    );
    let (ok, _, err) = stint(&[
        "expense",
        "add",
        "1.001",
        "Coffee",
        "-p",
        "Web",
        "--date",
        "2026-10-03",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(!ok);
    assert!(err.contains("more decimals than EUR has (2)"), "{err}");
    let (ok, out, err) = stint(&["expense", "edit", "1", "--amount", "13"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("13.00 EUR"), "{out}");
    let (ok, out, err) = stint(&["expense", "list"]).db(&db).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("Train") && out.contains("unbilled"), "{out}");

    let (ok, out, err) = stint(&[
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
    ])
    .db(&db)
    .run()
    .triple();
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
    let (ok, _, err) = stint(&["expense", "delete", "1"]).db(&db).run().triple();
    assert!(!ok);
    assert!(err.contains("billed on draft invoice id 1"), "{err}");
    let (ok, _, err) = stint(&["invoice", "send", "1", "--date", "2026-10-05"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, out, err) = stint(&["invoice", "list"]).db(&db).run().triple();
    assert!(ok, "{err}");
    for want in [
        "sent, OVERDUE",
        "Outstanding: 119.62 EUR",
        "Overdue: 1 invoice(s)",
    ] {
        assert!(out.contains(want), "want {want:?} in {out}");
    }
    let (ok, out, err) = stint(&["invoice", "paid", "1", "--on", "2026-10-20"])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("paid on 2026-10-20"), "{out}");
    let (ok, out, _) = stint(&["invoice", "list", "--status", "outstanding"])
        .db(&db)
        .run()
        .triple();
    assert!(ok);
    assert!(!out.contains("INV-"), "{out}");
}

#[test]
fn sync_status_and_a_sync_answer_json_with_json() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let (ok, out, err) = stint(&["--json", "sync", "status"]).db(&db).run().triple();
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["device_no"].is_null(), "{out}");
    let folder = dir.path().join("folder");
    let (ok, out, err) = stint(&["--json", "sync", folder.to_str().unwrap()])
        .db(&db)
        .run()
        .triple();
    assert!(ok, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["sent"], 0, "{out}");
    let (ok, out, _) = stint(&["--json", "sync", "status"]).db(&db).run().triple();
    assert!(ok);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(v["device_no"].is_i64(), "{out}");
    assert_eq!(v["encrypted"], false);
    assert_eq!(v["auto_sync"], true);
}
