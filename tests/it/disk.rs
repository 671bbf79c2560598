//! Disk and file-system errors a user can hit: a database path that cannot be created, a
//! read-only database, a full disk, a file-size limit, damaged pages.
//!
//! Each case runs the real binary (exit code non-zero, one line on stderr that says what is wrong
//! and, where today's message does, what to do; never a panic) and, where the library can reach
//! it, `Service`/`store` too. Tests run as root here, which ignores file permissions: read-only
//! cases then run the binary as `nobody` through `setpriv`, and the disk-full case mounts a tiny
//! tmpfs in a private mount namespace through `unshare`. When neither is possible the case fails
//! and says why (it never passes without checking). Cases whose message is not yet clear assert today's text and
//! say what is missing ("Gap:").

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use stint::service::{Caller, Frontend, ListTracks, NewTrack, Service, ServiceError};
use stint::store::{self, StoreError};

use super::util::{BIN, Cmd, Output, call_line, require_tool, stint, unprivileged};

/// A run of `cmd` with `stdin` (when given) on its standard input.
fn run(cmd: Cmd, stdin: Option<&str>) -> Output {
    match stdin {
        Some(text) => cmd.stdin(text).run(),
        None => cmd.run(),
    }
}

fn stint_cmd(db: &Path, args: &[&str]) -> Cmd {
    stint(args).db(db)
}

/// Runs a CLI command that must fail, and returns its stderr after checking the shape of the
/// failure: non-zero exit, nothing on stdout, one `stint: ` line, no panic.
fn cli_error(cmd: Cmd) -> String {
    let r = cmd.fails();
    assert_eq!(r.stdout, "", "stderr: {}", r.stderr);
    assert_no_panic(&r.stderr);
    assert!(r.stderr.starts_with("stint: "), "{}", r.stderr);
    assert_eq!(r.stderr.trim_end().lines().count(), 1, "{}", r.stderr);
    r.stderr
}

fn assert_no_panic(stderr: &str) {
    assert!(
        !stderr.contains("panicked") && !stderr.contains("RUST_BACKTRACE"),
        "{stderr}"
    );
}

fn tool_call(id: u64, name: &str, arguments: Value) -> String {
    call_line(id as i64, name, arguments) + "\n"
}

/// The answers of a `stint mcp` run, one JSON value per line.
fn answers(stdout: &str) -> Vec<Value> {
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The text of a tool result that is an error.
fn tool_error(answer: &Value) -> &str {
    assert_eq!(answer["result"]["isError"], json!(true), "{answer}");
    answer["result"]["content"][0]["text"].as_str().unwrap()
}

fn integrity(db: &Path) -> String {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap()
}

fn count(db: &Path, sql: &str) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// A database with `n` finished tracks, closed so that everything is in the main file.
fn seeded_db(path: &Path, n: usize, description_bytes: usize) {
    let svc = Service::open(path, Caller::local(Frontend::Cli)).unwrap();
    for i in 0..n {
        svc.create_track(NewTrack {
            description: Some(format!("seed {i} {}", "x".repeat(description_bytes))),
            start: format!("2025-01-01T{:02}:00:00Z", i % 24),
            duration: Some("30m".into()),
            ..Default::default()
        })
        .unwrap();
    }
    drop(svc);
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()))
        .unwrap();
    drop(conn);
    assert!(
        !wal_of(path).exists(),
        "the WAL should be gone after a clean close"
    );
}

fn wal_of(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

#[test]
fn folder_that_is_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "a regular file where a folder should be").unwrap();
    let db = file.join("stint.db");

    let err = cli_error(stint_cmd(&db, &["status"]));
    assert!(
        err.contains("cannot create the folder")
            && err.contains(&file.display().to_string())
            && err.contains("in the way")
            && err.matches("File exists").count() == 1,
        "the cause once, and what to do: {err}"
    );
    // `stint mcp` refuses to start the same way, with nothing on stdout.
    let r = run(
        stint_cmd(&db, &["mcp"]),
        Some(&tool_call(1, "list_running_timers", json!({}))),
    );
    assert!(!r.success());
    assert_eq!(r.stdout, "");
    assert_no_panic(&r.stderr);
    assert!(
        r.stderr.contains("cannot create the folder"),
        "{}",
        r.stderr
    );

    let e = Service::open(&db, Caller::local(Frontend::Cli)).unwrap_err();
    assert!(
        matches!(e, ServiceError::Store(StoreError::CreateDir { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains(&file.display().to_string()), "{e}");
    assert!(file.is_file(), "the file in the way is left alone");
}

#[test]
fn database_path_that_is_a_folder() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    std::fs::create_dir(&db).unwrap();

    let err = cli_error(stint_cmd(&db, &["status"]));
    assert!(
        err.contains("it is a folder, not a file")
            && err.contains(&db.display().to_string())
            && err.contains("--db / STINT_DB"),
        "{err}"
    );

    let e = Service::open(&db, Caller::local(Frontend::Cli)).unwrap_err();
    assert!(
        matches!(e, ServiceError::Store(StoreError::CannotOpen { .. })),
        "{e:?}"
    );
    assert!(e.to_string().contains(&db.display().to_string()), "{e}");
}

fn stint_as(prefix: &[String], db: &Path, args: &[&str]) -> Cmd {
    stint(args).db(db).wrapped(prefix)
}

/// Whether a message says the database is read-only and what to do about it.
fn says_read_only(message: &str) -> bool {
    message.contains("read-only")
        && (message.contains("writable") || message.contains("permission"))
}

fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A read-only database file in a writable folder: reads work, writes say the database is
/// read-only. A folder where the database cannot be created: an unclear "unable to open".
#[test]
fn read_only_file_in_a_writable_folder() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let prefix = unprivileged(dir.path());
    let folder = dir.path().join("data");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("stint.db");
    seeded_db(&db, 3, 10);
    chmod(&db, 0o444);
    // Writable by everyone, so that `nobody` may create the -wal and -shm files.
    chmod(&folder, 0o777);

    let r = run(stint_as(&prefix, &db, &["tracks"]), None);
    assert!(r.success(), "{}", r.stderr);
    assert!(r.stdout.contains("3 tracks"), "{}", r.stdout);

    let err = cli_error(stint_as(
        &prefix,
        &db,
        &[
            "log",
            "more",
            "--start",
            "2025-02-01 09:00",
            "--duration",
            "1h",
        ],
    ));
    assert!(says_read_only(&err), "{err}");
    // Gap (small): the message does not name the file: "the database is read-only (attempt to
    // write a readonly database); make the file and its folder writable ..." (no path).

    let r = run(
        stint_as(&prefix, &db, &["mcp"]),
        Some(&tool_call(
            1,
            "create_track",
            json!({"start": "2025-02-01T09:00:00Z", "duration": "1h"}),
        )),
    );
    assert!(r.success(), "{}", r.stderr);
    let text = tool_error(&answers(&r.stdout)[0]).to_owned();
    assert!(says_read_only(&text), "{text}");
    chmod(&db, 0o644);
    assert_eq!(count(&db, "SELECT count(*) FROM tracks"), 3);

    // A new database in a folder nobody may write to.
    let locked = dir.path().join("locked");
    std::fs::create_dir(&locked).unwrap();
    chmod(&locked, 0o555);
    let new_db = locked.join("stint.db");
    let err = cli_error(stint_as(&prefix, &new_db, &["status"]));
    assert!(
        err.contains("cannot be created there (is the folder writable?)")
            && err.contains(&new_db.display().to_string()),
        "{err}"
    );
    chmod(&locked, 0o755);
}

/// A read-only database in a read-only folder (a backup mounted read-only, a shared folder):
/// SQLite cannot create the -wal and -shm files, so even reading fails.
///
/// Regression: `store::open` once mapped every error of `PRAGMA journal_mode = WAL` to
/// `StoreError::NotADatabase`, so the user read "is not a stint database or is damaged ...;
/// restore it from a backup", which sent them to restore a healthy file.
#[test]
fn read_only_folder_is_not_reported_as_damage() {
    let dir = tempfile::tempdir().unwrap();
    chmod(dir.path(), 0o755);
    let prefix = unprivileged(dir.path());
    let folder = dir.path().join("archive");
    std::fs::create_dir(&folder).unwrap();
    let db = folder.join("stint.db");
    seeded_db(&db, 3, 10);
    chmod(&db, 0o444);
    chmod(&folder, 0o555);

    let mut messages = vec![
        cli_error(stint_as(&prefix, &db, &["status"])),
        cli_error(stint_as(
            &prefix,
            &db,
            &[
                "log",
                "more",
                "--start",
                "2025-02-01 09:00",
                "--duration",
                "1h",
            ],
        )),
    ];
    if prefix.is_empty() {
        // Running unprivileged: the library sees the same.
        let e = Service::open(&db, Caller::local(Frontend::Cli)).unwrap_err();
        messages.push(e.to_string());
    }
    chmod(&folder, 0o755);
    chmod(&db, 0o644);
    for err in messages {
        assert!(
            !err.contains("damaged") && !err.contains("restore it from a backup"),
            "a read-only database is reported as damaged: {err}"
        );
        assert!(says_read_only(&err), "{err}");
    }
    assert_eq!(integrity(&db), "ok");
    assert_eq!(count(&db, "SELECT count(*) FROM tracks"), 3);
}

/// `PRAGMA query_only` makes SQLite answer SQLITE_READONLY, as a read-only file does: the store
/// maps it to [`StoreError::ReadOnly`].
#[test]
fn store_maps_read_only_writes() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    let mut conn = store::open(&db).unwrap();
    conn.execute_batch("PRAGMA query_only = ON").unwrap();
    let e = store::write(
        &mut conn,
        |tx| {
            tx.execute(
                "INSERT INTO tags (name, created_at, updated_at) VALUES ('t', 0, 0)",
                [],
            )?;
            Ok::<_, StoreError>(())
        },
        |_, _, _| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly(_)), "{e:?}");
    let text = e.to_string();
    assert!(says_read_only(&text), "{text}");
    drop(conn);
    assert_eq!(count(&db, "SELECT count(*) FROM tags"), 0);
}

/// `PRAGMA max_page_count` caps the file as a full disk would: SQLITE_FULL becomes
/// [`StoreError::DiskFull`], the transaction is rolled back, and the database stays usable.
#[test]
fn store_maps_a_full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    seeded_db(&db, 5, 10);
    let mut conn = store::open(&db).unwrap();
    let pages: i64 = conn
        .query_row("PRAGMA page_count", [], |r| r.get(0))
        .unwrap();
    let _: i64 = conn
        .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |r| {
            r.get(0)
        })
        .unwrap();
    let e = store::write(
        &mut conn,
        |tx| {
            tx.execute("UPDATE tracks SET description = 'edited' WHERE id = 1", [])?;
            for i in 0..50 {
                tx.execute(
                    "INSERT INTO tags (name, created_at, updated_at) VALUES (?1, 0, 0)",
                    [format!("{i} {}", "y".repeat(10_000))],
                )?;
            }
            Ok::<_, StoreError>(())
        },
        |_, _, _| Ok(()),
    )
    .unwrap_err();
    assert!(matches!(e, StoreError::DiskFull(_)), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("disk is full")
            && text.contains("free some space")
            && text.contains("nothing was written"),
        "{text}"
    );
    drop(conn);
    assert_eq!(integrity(&db), "ok");
    assert_eq!(count(&db, "SELECT count(*) FROM tags"), 0);
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM tracks WHERE description = 'edited'"
        ),
        0
    );
    let svc = Service::open(&db, Caller::local(Frontend::Cli)).unwrap();
    assert_eq!(
        svc.list_tracks(ListTracks::default()).unwrap().items.len(),
        5
    );
}

/// `create_track` requests with long descriptions, as `stint mcp` input.
fn big_writes(n: u64) -> String {
    (1..=n)
        .map(|i| {
            tool_call(
                i,
                "create_track",
                json!({
                    "description": format!("big {i} {}", "z".repeat(3000)),
                    "start": format!("2025-03-01T{:02}:00:00Z", i % 24),
                    "duration": "10m",
                }),
            )
        })
        .collect()
}

/// Checks the answers of a run that hit a disk limit: some writes committed, the rest are tool
/// errors (never a crash); returns the error texts. Every committed write is in `db`.
fn check_limited_run(stdout: &str, n: u64, db: &Path) -> Vec<String> {
    let answers = answers(stdout);
    assert_eq!(
        answers.len() as u64,
        n,
        "every request is answered: {stdout}"
    );
    let mut committed = Vec::new();
    let mut errors = Vec::new();
    for a in &answers {
        if a["result"]["isError"] == json!(false) {
            committed.push(a["result"]["structuredContent"]["track"]["description"].clone());
        } else {
            errors.push(tool_error(a).to_owned());
        }
    }
    assert!(!errors.is_empty(), "the limit was never reached");
    assert_eq!(integrity(db), "ok");
    let conn = rusqlite::Connection::open(db).unwrap();
    for d in &committed {
        let n: i64 = conn
            .query_row(
                "SELECT count(*) FROM tracks WHERE description = ?1",
                [d.as_str().unwrap()],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1, "an answered write is missing");
    }
    let stored: i64 = conn
        .query_row(
            "SELECT count(*) FROM tracks WHERE description LIKE 'big %'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(stored as usize, committed.len(), "a refused write was kept");
    errors
}

/// A really full disk: a 384 KiB tmpfs in a private mount namespace (the seed at schema 9 is
/// about 40 KiB larger than at 6: the sync tables). Needs `unshare` with the
/// right to mount (root, or unprivileged user namespaces); fails and says so otherwise.
#[cfg(target_os = "linux")]
#[test]
fn full_disk() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("mnt");
    std::fs::create_dir(&mnt).unwrap();
    let unshare = require_tool("unshare");
    let flag_sets: [&[&str]; 2] = [&["--mount"], &["--user", "--map-root-user", "--mount"]];
    let flags = flag_sets
        .into_iter()
        .find(|flags| {
            Command::new(&unshare)
                .args(*flags)
                .args(["sh", "-c", r#"mount -t tmpfs -o size=64k none "$MNT""#])
                .env("MNT", &mnt)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        })
        .unwrap_or_else(|| {
            panic!(
                "this test mounts a tiny tmpfs in a private mount namespace and cannot here: \
                 neither `unshare --mount` (root) nor `unshare --user --map-root-user --mount` \
                 (unprivileged user namespaces) may mount; run it as root or enable \
                 kernel.unprivileged_userns_clone"
            )
        });

    let seed = dir.path().join("seed.db");
    seeded_db(&seed, 3, 10);
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    const N: u64 = 60;
    std::fs::write(dir.path().join("requests.jsonl"), big_writes(N)).unwrap();
    // Inside the namespace: the database on a tmpfs a little larger than it, N big writes
    // through `stint mcp`, reads on the full disk, then the files copied out for checking.
    let script = r#"
        set -u
        mount -t tmpfs -o size=384k none "$MNT" || exit 97
        cp "$DIR/seed.db" "$MNT/stint.db"
        export STINT_DB="$MNT/stint.db"
        "$STINT" mcp < "$DIR/requests.jsonl" > "$OUT/mcp.out" 2> "$OUT/mcp.err"
        echo $? > "$OUT/mcp.rc"
        # Descriptions are at most 10 000 characters: log until one no longer fits.
        i=0
        while [ $i -lt 60 ]; do
            "$STINT" log "one more $i $(printf '%09900d' 0)" --start "2025-04-01 09:00" \
                --duration 1h > "$OUT/log.out" 2> "$OUT/log.err"
            rc=$?
            [ $rc -ne 0 ] && break
            i=$((i + 1))
        done
        echo $rc > "$OUT/log.rc"
        "$STINT" status > "$OUT/status.out" 2> "$OUT/status.err"
        echo $? > "$OUT/status.rc"
        cp "$MNT/stint.db" "$OUT/"
        if [ -e "$MNT/stint.db-wal" ]; then cp "$MNT/stint.db-wal" "$OUT/"; fi
    "#;
    let status = Command::new("unshare")
        .args(flags)
        .args(["sh", "-c", script])
        .env("MNT", &mnt)
        .env("DIR", dir.path())
        .env("OUT", &out)
        .env("STINT", BIN)
        .env("TZ", "UTC")
        .status()
        .unwrap();
    assert!(status.success(), "{status}");
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap();

    assert_eq!(read("mcp.rc").trim(), "0", "{}", read("mcp.err"));
    let errors = check_limited_run(&read("mcp.out"), N, &out.join("stint.db"));
    for e in &errors {
        assert_eq!(
            e,
            "the disk is full (database or disk is full); free some space and retry: nothing \
             was written"
        );
    }
    assert_no_panic(&read("mcp.err"));

    assert_ne!(read("log.rc").trim(), "0");
    let err = read("log.err");
    assert!(
        err.starts_with("stint: the disk is full") && err.contains("free some space"),
        "{err}"
    );
    assert_eq!(read("status.rc").trim(), "0", "{}", read("status.err"));
    assert_eq!(read("status.out").trim(), "No timer is running.");
    eprintln!(
        "disk: full tmpfs: {} writes committed, {} refused",
        N as usize - errors.len(),
        errors.len()
    );
}

/// A file-size limit (`ulimit -f`, with SIGXFSZ ignored): writes past it fail with EFBIG, which
/// SQLite reports as SQLITE_IOERR. Committed writes survive; the server keeps answering.
#[cfg(unix)]
#[test]
fn file_size_limit() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    seeded_db(&db, 3, 10);
    const N: u64 = 20;
    // 64 blocks of 512 bytes: the WAL may grow to 32 KiB.
    let script = r#"trap '' XFSZ; ulimit -f 64 || exit 97; exec "$@""#;
    let limited = |args: &[&str]| stint(args).db(&db).wrapped(&["sh", "-c", script, "sh"]);
    let r = run(limited(&["mcp"]), Some(&big_writes(N)));
    assert!(r.success(), "{}", r.stderr);
    assert_no_panic(&r.stderr);
    // The CLI next, before anything opens the file without the limit (and checkpoints the WAL).
    let err = cli_error(limited(&[
        "log",
        &format!("one more {}", "w".repeat(3000)),
        "--start",
        "2025-04-01 09:00",
        "--duration",
        "1h",
    ]));
    assert!(
        err.contains("disk I/O error")
            && err.contains("file-size limits")
            && err.contains("nothing was written"),
        "{err}"
    );
    let errors = check_limited_run(&r.stdout, N, &db);
    for e in &errors {
        assert!(e.contains("disk I/O error"), "{e}");
    }
    assert_eq!(integrity(&db), "ok");
    eprintln!(
        "disk: file-size limit: {} writes committed, {} refused with {:?}",
        N as usize - errors.len(),
        errors.len(),
        errors[0]
    );
}

/// Damaged pages (bit rot, a bad copy): the leaf pages of the tracks table are overwritten.
/// Opening still works; reading the tracks fails with SQLite's "malformed".
#[test]
fn damaged_pages() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    seeded_db(&db, 200, 200);
    let (page_size, leaves): (usize, Vec<i64>) = {
        let conn = rusqlite::Connection::open(&db).unwrap();
        let size: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        let leaves = conn
            .prepare("SELECT pageno FROM dbstat WHERE name = 'tracks' AND pagetype = 'leaf'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        (size as usize, leaves)
    };
    assert!(leaves.len() > 5, "only {} leaf pages", leaves.len());
    let mut bytes = std::fs::read(&db).unwrap();
    for page in &leaves {
        let start = (*page as usize - 1) * page_size;
        bytes[start..start + page_size].fill(0xFF);
    }
    std::fs::write(&db, bytes).unwrap();

    let err = cli_error(stint_cmd(&db, &["tracks", "--csv", "-"]));
    assert!(
        err.contains("malformed")
            && err.contains("damaged")
            && err.contains("restore it from a backup"),
        "{err}"
    );

    let r = run(
        stint_cmd(&db, &["mcp"]),
        Some(&tool_call(1, "list_tracks", json!({"limit": 500}))),
    );
    assert!(r.success(), "{}", r.stderr);
    let text = tool_error(&answers(&r.stdout)[0]).to_owned();
    assert!(text.contains("malformed"), "{text}");

    let svc = Service::open(&db, Caller::local(Frontend::Cli)).unwrap();
    let e = svc
        .list_tracks(ListTracks {
            limit: Some(500),
            ..Default::default()
        })
        .unwrap_err();
    assert!(e.to_string().contains("malformed"), "{e}");
}

/// A database in `dir` with client Acme, a billable project at 100/h, one 90-minute track
/// whose description and client name a spreadsheet would run as formulas, and draft invoice 1.
fn invoice_db(dir: &Path, caller: Caller) -> (PathBuf, Service) {
    use stint::service::{NewClient, NewInvoice, NewProject};
    let db = dir.join("stint.db");
    let svc = Service::open(&db, caller).unwrap();
    svc.create_client(NewClient {
        name: "@Acme".into(),
        ..Default::default()
    })
    .unwrap();
    svc.create_project(NewProject {
        name: "Site".into(),
        client: Some("@Acme".into()),
        hourly_rate: Some("100".into()),
        ..Default::default()
    })
    .unwrap();
    svc.create_track(NewTrack {
        description: Some("=HYPERLINK(\"http://x\",\"y\")".into()),
        project: Some("Site".into()),
        start: "2026-10-05T09:00:00Z".into(),
        duration: Some("90m".into()),
        ..Default::default()
    })
    .unwrap();
    svc.create_invoice(NewInvoice {
        client: Some("@Acme".into()),
        from: "2026-10-01".into(),
        to: "2026-10-31".into(),
        ..Default::default()
    })
    .unwrap();
    (db, svc)
}

fn mode_of(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn refused_with(r: Result<impl std::fmt::Debug, ServiceError>, fragment: &str) -> String {
    let e = r.expect_err("expected a refusal").to_string();
    assert!(e.contains(fragment), "{e:?} lacks {fragment:?}");
    e
}

/// Exports at a path follow the rules of `service::files`: resolved and absolute, never over
/// an existing file unless asked, never over the database (also through a symlink, a hard link
/// or `..`), never into a folder, device or /proc file; the file is 0600 and audited.
#[test]
fn export_paths_are_checked_and_files_are_private() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let (db, svc) = invoice_db(&root, Caller::local(Frontend::McpStdio));
    let audits = |db: &Path| count(db, "SELECT count(*) FROM audit_log WHERE entity = 'export'");

    // A new file, reached through `..`: written whole, 0600, absolute path returned, audited.
    std::fs::create_dir(root.join("sub")).unwrap();
    let (_, text, written) = svc
        .export_invoice_csv_to("1", &root.join("sub/../inv.csv"), false)
        .unwrap();
    assert_eq!(written, root.join("inv.csv"));
    assert_eq!(std::fs::read_to_string(&written).unwrap(), text);
    assert_eq!(mode_of(&written), 0o600);
    assert_eq!(audits(&db), 1);
    let detail: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row(
            "SELECT operation || ' ' || detail FROM audit_log WHERE entity = 'export'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        detail,
        format!("export_invoice_csv 4 rows to {}", written.display())
    );

    // The same path again: refused, file untouched; with overwrite it is replaced.
    std::fs::write(&written, "mine").unwrap();
    refused_with(
        svc.export_invoice_csv_to("1", &written, false),
        "already exists",
    );
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "mine");
    svc.export_invoice_csv_to("1", &written, true).unwrap();
    assert_eq!(std::fs::read_to_string(&written).unwrap(), text);

    // The database and its files, directly, through a symlink, a hard link or `..`: refused
    // even with overwrite.
    std::os::unix::fs::symlink(&db, root.join("link.db")).unwrap();
    std::fs::hard_link(&db, root.join("hard.db")).unwrap();
    for target in [
        db.clone(),
        root.join("stint.db-wal"),
        root.join("stint.db-shm"),
        root.join("link.db"),
        root.join("hard.db"),
        root.join("sub/../stint.db"),
    ] {
        refused_with(
            svc.export_invoice_csv_to("1", &target, true),
            "the open database",
        );
        refused_with(svc.backup(&target, true), "the open database");
    }
    assert_eq!(integrity(&db), "ok");
    assert_eq!(count(&db, "SELECT count(*) FROM tracks"), 1);

    // Folders, devices, /proc files and missing folders.
    refused_with(
        svc.export_invoice_csv_to("1", &root.join("sub"), true),
        "not a regular file",
    );
    refused_with(
        svc.export_invoice_csv_to("1", Path::new("/dev/null"), true),
        "not a regular file",
    );
    let comm = std::fs::read_to_string("/proc/self/comm").unwrap();
    refused_with(
        svc.export_invoice_csv_to("1", Path::new("/proc/self/comm"), false),
        "already exists",
    );
    assert!(
        svc.export_invoice_csv_to("1", Path::new("/proc/self/comm"), true)
            .is_err()
    );
    assert_eq!(std::fs::read_to_string("/proc/self/comm").unwrap(), comm);
    refused_with(
        svc.export_invoice_csv_to("1", &root.join("nowhere/inv.csv"), false),
        "does not exist",
    );
    refused_with(
        svc.export_invoice_csv_to("1", Path::new(""), false),
        "empty",
    );
    // Refusals leave no temporary files behind, and only the successful exports were audited.
    let mut names: Vec<String> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| !n.starts_with("stint.db"))
        .collect();
    names.sort();
    assert_eq!(names, ["hard.db", "inv.csv", "link.db", "sub"]);
    assert_eq!(audits(&db), 2);

    // A backup: a new file, 0600, a complete database, audited.
    let copy = svc.backup(&root.join("copy.db"), false).unwrap();
    assert_eq!(mode_of(&copy), 0o600);
    assert_eq!(count(&copy, "SELECT count(*) FROM tracks"), 1);
    refused_with(svc.backup(&copy, false), "already exists");
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE operation = 'backup' AND detail LIKE '%copy.db'"
        ),
        1
    );

    // The CSV returned as content is audited too.
    svc.export_invoice_csv("1").unwrap();
    assert_eq!(
        count(
            &db,
            "SELECT count(*) FROM audit_log WHERE entity = 'export' AND detail = '4 rows to content'"
        ),
        1
    );
}

/// Over HTTP no file is written at a path the caller chooses, whatever the token; the CSV is in
/// the answer.
#[test]
fn http_callers_cannot_write_files() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let http = Caller {
        frontend: Frontend::McpHttp,
        token_name: Some("admin".into()),
        redact_contacts: false,
        may_write_files: false,
        drafts: false,
    };
    let (db, svc) = invoice_db(&root, http);
    let target = root.join("x.csv");
    let e = refused_with(svc.export_invoice_csv_to("1", &target, false), "over HTTP");
    assert!(e.contains("the CSV is in the answer"), "{e}");
    refused_with(svc.backup(&root.join("b.db"), false), "over HTTP");
    refused_with(svc.output_file(&root.join("y.csv"), true), "over HTTP");
    refused_with(svc.backup(&db, true), "over HTTP");
    assert!(!target.exists() && !root.join("b.db").exists());
    assert_eq!(integrity(&db), "ok");
    // Without a path the CSV comes back.
    let (_, csv) = svc.export_invoice_csv("1").unwrap();
    assert!(csv.starts_with("invoice_number,"), "{csv}");
}

/// The `export_invoice_csv` tool on stdio writes a new file and reports its absolute path;
/// it refuses to overwrite, and says so in its annotations (not idempotent, not destructive).
#[test]
fn export_tool_on_stdio_writes_a_new_file_only() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let (db, svc) = invoice_db(&root, Caller::local(Frontend::McpStdio));
    drop(svc);
    let path = root.join("sub/../out.csv");
    std::fs::create_dir(root.join("sub")).unwrap();
    let input = [
        json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string() + "\n",
        tool_call(
            2,
            "export_invoice_csv",
            json!({"invoice_id": "1", "path": path}),
        ),
        tool_call(
            3,
            "export_invoice_csv",
            json!({"invoice_id": "1", "path": path}),
        ),
        tool_call(
            4,
            "export_invoice_csv",
            json!({"invoice_id": "1", "path": db}),
        ),
    ]
    .concat();
    let r = run(stint_cmd(&db, &["mcp"]), Some(&input));
    assert!(r.success(), "{}", r.stderr);
    let a = answers(&r.stdout);
    let tool = a[0]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "export_invoice_csv")
        .unwrap();
    // Hints equal to MCP's defaults are left out: idempotentHint and readOnlyHint false.
    assert_eq!(tool["annotations"].get("idempotentHint"), None, "{tool}");
    assert_eq!(
        tool["annotations"]["destructiveHint"],
        json!(false),
        "{tool}"
    );
    assert_eq!(tool["annotations"].get("readOnlyHint"), None, "{tool}");
    assert_eq!(tool["annotations"]["openWorldHint"], json!(false), "{tool}");
    let out = &a[1]["result"]["structuredContent"];
    assert_eq!(out["path"], json!(root.join("out.csv")), "{}", a[1]);
    assert_eq!(
        std::fs::read_to_string(root.join("out.csv")).unwrap(),
        out["csv"].as_str().unwrap()
    );
    assert!(tool_error(&a[2]).contains("already exists"), "{}", a[2]);
    assert!(tool_error(&a[3]).contains("the open database"), "{}", a[3]);
    assert_eq!(integrity(&db), "ok");
}
