//! Sync through `stint serve`: the real binary serves a database, two other databases sync
//! with it by `stint sync --url`; tokens of the wrong kind are refused; the hub refuses files
//! that are damaged, misnamed, of another device or of the server itself.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use serde_json::{Value, json};

use super::util::{call_line, handshake_lines, stint};

/// `stint serve` on a free port, killed when dropped.
struct Served {
    dir: tempfile::TempDir,
    url: String,
    child: Child,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Served {
    fn db(&self) -> PathBuf {
        self.dir.path().join("server.db")
    }

    /// The hub folder: beside the server's database, as it does not sync otherwise.
    fn hub(&self) -> PathBuf {
        self.dir.path().join("server.db.sync")
    }

    /// A new token on the server's database; its secret.
    fn token(&self, name: &str, scope: &str, sensitive: bool) -> String {
        let mut args = vec!["token", "create", "--name", name, "--scope", scope];
        if sensitive {
            args.push("--sensitive");
        }
        let (ok, out, err) = stint(&args).db(self.db()).run().triple();
        assert!(ok, "{err}");
        out.lines().next().unwrap().trim().to_owned()
    }

    fn request(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<&[u8]>,
    ) -> (u16, Vec<u8>) {
        let mut req = ureq::request(method, &format!("{}{path}", self.url));
        if let Some(t) = token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        let resp = match body {
            Some(b) => req.send_bytes(b),
            None => req.call(),
        };
        let resp = match resp {
            Ok(r) => r,
            Err(ureq::Error::Status(_, r)) => r,
            Err(e) => panic!("{e}"),
        };
        let status = resp.status();
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut resp.into_reader(), &mut bytes).unwrap();
        (status, bytes)
    }

    /// Every file under the hub folder, with its bytes.
    fn hub_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        files_under(&self.hub())
    }
}

fn files_under(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fn walk(dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
        let Ok(rd) = std::fs::read_dir(dir) else {
            return;
        };
        for e in rd.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(&p, out);
            } else {
                out.push((p.clone(), std::fs::read(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(dir, &mut out);
    out.sort();
    out
}

/// Starts `stint serve` on a new database with one admin token; returns it and the secret.
fn serve() -> (Served, String) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("server.db");
    let (ok, out, err) = stint(&[
        "token",
        "create",
        "--name",
        "sync",
        "--scope",
        "admin",
        "--sensitive",
    ])
    .db(&db)
    .run()
    .triple();
    assert!(ok, "{err}");
    let token = out.lines().next().unwrap().trim().to_owned();
    let mut child = stint(&["serve", "--host", "127.0.0.1", "--port", "0"])
        .db(&db)
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let url = loop {
        let line = lines
            .next()
            .expect("stint serve ended before announcing its address")
            .unwrap();
        if let Some(rest) = line.split("serving MCP at ").nth(1) {
            break rest.split("/api/mcp").next().unwrap().to_owned();
        }
    };
    // Keep reading stderr so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});
    (Served { dir, url, child }, token)
}

/// The tracks of `db` in November 2026, as JSON objects.
fn tracks(db: &Path) -> Vec<Value> {
    let (ok, out, err) = stint(&[
        "tracks",
        "--from",
        "2026-11-01",
        "--to",
        "2026-11-30",
        "--json",
    ])
    .db(db)
    .run()
    .triple();
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    v["tracks"].as_array().unwrap().clone()
}

fn descriptions(db: &Path) -> Vec<String> {
    tracks(db)
        .iter()
        .map(|t| t["description"].as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn a_track_goes_from_a_to_b_through_the_server_and_an_edit_comes_back() {
    let (server, token) = serve();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let (ok, _, err) = stint(&[
        "log",
        "Write spec",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ])
    .db(&a)
    .run()
    .triple();
    assert!(ok, "{err}");

    // A through the environment variable, B through --token.
    let (ok, out, err) = stint(&["sync", "--url", &server.url])
        .db(&a)
        .envs(&[("STINT_SYNC_TOKEN", &token)])
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains(&format!("Joined {}", server.url)), "{out}");
    // The address `stint serve` prints (with /api/mcp) works too.
    let printed = format!("{}/api/mcp", server.url);
    let (ok, out, err) = stint(&["sync", "--url", &printed, "--token", &token])
        .db(&b)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("Applied"), "{out}");
    assert_eq!(descriptions(&b), ["Write spec"]);
    // The server has it too: it applied A's files.
    assert_eq!(descriptions(&server.db()), ["Write spec"]);

    // An edit on B comes back to A; later syncs remember the server.
    let id = tracks(&b)[0]["id"].as_i64().unwrap().to_string();
    let (ok, _, err) = stint(&["edit", &id, "--description", "Write spec v2"])
        .db(&b)
        .run()
        .triple();
    assert!(ok, "{err}");
    let (ok, out, err) = stint(&["sync", "--token", &token]).db(&b).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("Sent 1 change(s)."), "{out}");
    let (ok, out, err) = stint(&["sync"])
        .db(&a)
        .envs(&[("STINT_SYNC_TOKEN", &token)])
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(out.contains("Applied 1 change(s)"), "{out}");
    assert_eq!(descriptions(&a), ["Write spec v2"]);
    assert_eq!(descriptions(&server.db()), ["Write spec v2"]);

    // Status names the server, not the mirror folder.
    let (ok, out, err) = stint(&["sync", "status"]).db(&a).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains(&format!("server {}", server.url)), "{out}");
    assert!(!out.contains("sync-remote"), "{out}");

    // The token of the last sync is kept (0600, beside the database): later syncs, the
    // assistant's `sync` tool and auto-sync reach the server without it.
    let kept = dir.path().join("a.db.sync-remote/.server-token");
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&kept).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let (ok, out, err) = stint(&["sync"]).db(&a).run().triple();
    assert!(ok, "{err}");
    assert!(out.contains("Server"), "{out}");
    // The kept token is for that server only: another address gets none.
    let (ok, _, err) = stint(&["sync", "--url", "http://127.0.0.1:9"])
        .db(&a)
        .run()
        .triple();
    assert!(!ok);
    assert!(err.contains("give the server's token"), "{err}");
    let (ok, _, err) = stint(&["edit", &id, "--description", "Write spec v3"])
        .db(&b)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(stint(&["sync"]).db(&b).run().triple().0);
    let out = stint(&["mcp"])
        .db(&a)
        .stdin(handshake_lines("2025-06-18") + &call_line(2, "sync", json!({})) + "\n")
        .run()
        .stdout;
    assert!(out.contains("through the server"), "{out}");
    assert_eq!(
        descriptions(&a),
        ["Write spec v3"],
        "the sync tool reached the server"
    );
    // A folder instead of the server is refused, and names the server.
    let folder = dir.path().join("folder");
    let (ok, _, err) = stint(&["sync", folder.to_str().unwrap()])
        .db(&a)
        .run()
        .triple();
    assert!(!ok);
    assert!(
        err.contains(&format!("syncs with the server {}", server.url)),
        "{err}"
    );
    assert!(!folder.exists());
}

#[test]
fn tokens_that_may_not_sync_are_refused_and_nothing_is_written() {
    let (server, _admin) = serve();
    let read = server.token("reader", "read", false);
    let redacted = server.token("admin-redacted", "admin", false);
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let (ok, _, err) = stint(&[
        "log",
        "Private",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ])
    .db(&a)
    .run()
    .triple();
    assert!(ok, "{err}");
    for (token, who) in [(&read, "reader"), (&redacted, "admin-redacted")] {
        let (ok, _, err) = stint(&["sync", "--url", &server.url, "--token", token])
            .db(&a)
            .run()
            .triple();
        assert!(!ok, "a token that may not sync must be refused");
        assert!(err.contains(who), "{err}");
        assert!(
            err.contains("--scope admin --sensitive"),
            "the message names the token to create: {err}"
        );
    }
    let (ok, _, err) = stint(&["sync", "--url", &server.url, "--token", "stint_wrong"])
        .db(&a)
        .run()
        .triple();
    assert!(!ok);
    assert!(err.contains("wrong or revoked"), "{err}");
    let (ok, _, err) = stint(&["sync", "--url", "http://127.0.0.1:1", "--token", &read])
        .db(&a)
        .run()
        .triple();
    assert!(!ok);
    assert!(err.contains("is `stint serve` running there?"), "{err}");

    // Nothing was written: not on the server, not on A.
    assert!(server.hub_files().is_empty(), "{:?}", server.hub_files());
    assert!(descriptions(&server.db()).is_empty());
    assert!(!dir.path().join("a.db.sync-remote").exists());
    let (ok, out, _) = stint(&["sync", "status"]).db(&a).run().triple();
    assert!(ok);
    assert!(out.contains("does not sync yet"), "{out}");

    // Raw requests with those tokens get 403 (or 401 without one), and write nothing.
    let dev = "0123456789abcdef0123456789abcdef";
    for token in [Some(read.as_str()), Some(redacted.as_str()), None] {
        let (status, _) = server.request("GET", "/api/sync/files", token, None);
        assert_eq!(status, if token.is_some() { 403 } else { 401 });
        let (status, _) = server.request(
            "PUT",
            &format!("/api/sync/files/{dev}/device.stint"),
            token,
            Some(b"x"),
        );
        assert_eq!(status, if token.is_some() { 403 } else { 401 });
        let (status, _) = server.request("POST", "/api/sync/apply", token, None);
        assert_eq!(status, if token.is_some() { 403 } else { 401 });
    }
    assert!(server.hub_files().is_empty());
}

#[test]
fn the_hub_refuses_damaged_misplaced_and_misnamed_files() {
    let (server, token) = serve();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let (ok, _, err) = stint(&[
        "log",
        "Mine",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ])
    .db(&a)
    .run()
    .triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["sync", "--url", &server.url, "--token", &token])
        .db(&a)
        .run()
        .triple();
    assert!(ok, "{err}");

    let (status, list) = server.request("GET", "/api/sync/files", Some(&token), None);
    assert_eq!(status, 200);
    let list: Value = serde_json::from_slice(&list).unwrap();
    let server_dev = list["device_id"].as_str().unwrap().to_owned();
    let paths: Vec<String> = list["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap().to_owned())
        .collect();
    assert!(
        paths.contains(&format!("{server_dev}/device.stint")),
        "{paths:?}"
    );
    let a_log = paths
        .iter()
        .find(|p| !p.starts_with(&server_dev) && p.ends_with("-000000000001.stint"))
        .expect("A's first log is on the server")
        .clone();
    let (a_dev, log_name) = a_log.split_once('/').unwrap();
    let (status, good) = server.request(
        "GET",
        &format!("/api/sync/files/{a_log}"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(
        good,
        std::fs::read(dir.path().join("a.db.sync-remote").join(&a_log)).unwrap()
    );
    let (status, _) = server.request(
        "GET",
        &format!("/api/sync/files/{a_dev}/000000000099-000000000099.stint"),
        Some(&token),
        None,
    );
    assert_eq!(status, 404);
    let before = server.hub_files();

    let put = |path: &str, body: &[u8]| -> (u16, String) {
        let (status, bytes) = server.request(
            "PUT",
            &format!("/api/sync/files/{path}"),
            Some(&token),
            Some(body),
        );
        (status, String::from_utf8_lossy(&bytes).into_owned())
    };
    // Damaged (one bit flipped), and cut short.
    let mut damaged = good.clone();
    *damaged.last_mut().unwrap() ^= 1;
    let (status, msg) = put(&a_log, &damaged);
    assert_eq!(status, 400, "{msg}");
    assert!(msg.contains("not a whole stint sync file"), "{msg}");
    let (status, _) = put(&a_log, &good[..good.len() / 2]);
    assert_eq!(status, 400);
    // Names that would leave the device's folder, or are no sync file names.
    for name in [
        "..%2Fx",
        "..%2F..%2Fx",
        "x",
        "device.stint.tmp",
        ".device.stint.tmp-1",
    ] {
        let (status, msg) = put(&format!("{a_dev}/{name}"), &good);
        assert_eq!(status, 400, "{name}: {msg}");
    }
    for dev in ["..", "%2E%2E", "abc", &format!("{a_dev}x")] {
        // A literal `..` is resolved by the client or matches no route (404).
        let (status, _) = put(&format!("{dev}/{log_name}"), &good);
        assert!(status == 400 || status == 404, "{dev}: {status}");
    }
    // Into the server's own folder, or under another device than the file's.
    let (status, msg) = put(&format!("{server_dev}/{log_name}"), &good);
    assert_eq!(status, 409, "{msg}");
    assert!(msg.contains("server's own device"), "{msg}");
    let (status, own) = server.request(
        "GET",
        &format!("/api/sync/files/{server_dev}/device.stint"),
        Some(&token),
        None,
    );
    assert_eq!(status, 200);
    let (status, msg) = put(&format!("{server_dev}/device.stint"), &own);
    assert_eq!(status, 409, "even its own file, sent back: {msg}");
    let (status, msg) = put(&format!("{}/{log_name}", "f".repeat(32)), &good);
    assert_eq!(status, 400, "{msg}");
    assert!(msg.contains("belongs to device"), "{msg}");
    // A log under the device file's name.
    let (status, _) = put(&format!("{a_dev}/device.stint"), &good);
    assert_eq!(status, 400);
    // From a newer stint: the schema field (bytes 10..14) raised.
    let mut newer = good.clone();
    newer[10..14].copy_from_slice(&9999u32.to_le_bytes());
    let (status, msg) = put(&a_log, &newer);
    assert_eq!(status, 409, "{msg}");
    assert!(msg.contains("update stint on the server"), "{msg}");
    // Deletes: never a device file, never the server's own files.
    let (status, _) = server.request(
        "DELETE",
        &format!("/api/sync/files/{a_dev}/device.stint"),
        Some(&token),
        None,
    );
    assert_eq!(status, 400);
    let (status, _) = server.request(
        "DELETE",
        &format!("/api/sync/files/{server_dev}/000000000001-000000000001.stint"),
        Some(&token),
        None,
    );
    assert_eq!(status, 409);
    assert_eq!(
        server.hub_files(),
        before,
        "a refused request wrote nothing"
    );
    assert!(!server.dir.path().join("x").exists());

    // The good file is accepted again (204), and a log of A can be deleted.
    let (status, msg) = put(&a_log, &good);
    assert_eq!(status, 204, "{msg}");
    let (status, _) = server.request(
        "DELETE",
        &format!("/api/sync/files/{a_log}"),
        Some(&token),
        None,
    );
    assert_eq!(status, 204);
    assert!(!server.hub().join(&a_log).exists());
}

#[test]
fn a_deleted_mirror_keeps_the_servers_copies_and_another_server_is_refused() {
    let (server, token) = serve();
    let dir = tempfile::tempdir().unwrap();
    let (a, c) = (dir.path().join("a.db"), dir.path().join("c.db"));
    let (ok, _, err) = stint(&[
        "log",
        "Kept",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ])
    .db(&a)
    .run()
    .triple();
    assert!(ok, "{err}");
    let sync = |db: &Path, url: &str, token: &str| {
        stint(&["sync", "--url", url, "--token", token])
            .db(db)
            .run()
            .triple()
    };
    let (ok, _, err) = sync(&a, &server.url, &token);
    assert!(ok, "{err}");
    let on_server = server.hub_files();

    // The mirror deleted by hand: the next sync rebuilds it and removes nothing on the server.
    std::fs::remove_dir_all(dir.path().join("a.db.sync-remote")).unwrap();
    let (ok, out, err) = sync(&a, &server.url, &token);
    assert!(ok, "{err}");
    assert!(!out.contains("removed"), "{out}");
    for (path, _) in &on_server {
        assert!(
            path.exists(),
            "{} was removed from the server",
            path.display()
        );
    }
    // A device joining later still gets A's track.
    let (ok, _, err) = sync(&c, &server.url, &token);
    assert!(ok, "{err}");
    assert_eq!(descriptions(&c), ["Kept"]);

    // Another server (another database) is refused: a database syncs with one server.
    let (other, other_token) = serve();
    let (ok, _, err) = sync(&a, &other.url, &other_token);
    assert!(!ok);
    assert!(err.contains("serves another database"), "{err}");
    assert!(other.hub_files().is_empty(), "{:?}", other.hub_files());
    // The same server under another address is fine.
    let moved = server.url.replace("127.0.0.1", "localhost");
    let (ok, _, err) = sync(&a, &moved, &token);
    assert!(ok, "{err}");
    let (ok, out, _) = stint(&["sync", "status"]).db(&a).run().triple();
    assert!(ok);
    assert!(out.contains(&format!("server {moved}")), "{out}");
}

#[test]
fn snapshots_and_compacted_logs_travel_through_the_server() {
    let (server, token) = serve();
    let dir = tempfile::tempdir().unwrap();
    let (a, b, c) = (
        dir.path().join("a.db"),
        dir.path().join("b.db"),
        dir.path().join("c.db"),
    );
    let env = [("STINT_SYNC_TOKEN", token.as_str())];
    let run = |db: &Path, args: &[&str]| {
        let (ok, out, err) = stint(args).db(db).envs(&env).run().triple();
        assert!(ok, "{args:?}: {err}");
        out
    };
    run(
        &a,
        &[
            "log",
            "one",
            "--start",
            "2026-11-20 09:00",
            "--duration",
            "1h",
        ],
    );
    run(&a, &["sync", "--url", &server.url]);
    run(&b, &["sync", "--url", &server.url]);
    run(
        &a,
        &[
            "log",
            "two",
            "--start",
            "2026-11-20 11:00",
            "--duration",
            "1h",
        ],
    );
    for db in [&a, &b, &a] {
        run(db, &["sync"]);
    }
    let a_dev = device_of(&a);
    let logs_of_a = |files: &[(PathBuf, Vec<u8>)]| {
        files
            .iter()
            .filter(|(p, _)| p.parent().unwrap().ends_with(&a_dev))
            .map(|(p, _)| p.file_name().unwrap().to_string_lossy().into_owned())
            .filter(|n| n != "device.stint")
            .collect::<Vec<_>>()
    };
    assert_eq!(
        logs_of_a(&server.hub_files()),
        [
            "000000000001-000000000001.stint",
            "000000000002-000000000002.stint"
        ]
    );

    // A compacts (every device has its logs): the server gets the snapshot and drops the logs.
    let out = run(&a, &["sync", "compact"]);
    assert!(out.contains(&format!("The server {}", server.url)), "{out}");
    let out = run(&a, &["sync"]);
    assert!(out.contains("removed 2 old file(s)"), "{out}");
    assert_eq!(
        logs_of_a(&server.hub_files()),
        ["snapshot-000000000002.stint"]
    );
    // A new device starts from the snapshot.
    let out = run(&c, &["sync", "--url", &server.url]);
    assert!(out.contains("started from the snapshot"), "{out}");
    let mut got = descriptions(&c);
    got.sort();
    assert_eq!(got, ["one", "two"]);
}

/// The device id of a database that syncs with a server: its folder in the mirror, named by
/// the short id `stint sync status` prints ("This device: NAME (1a2b3c4d), ...").
fn device_of(db: &Path) -> String {
    let (ok, out, err) = stint(&["sync", "status"]).db(db).run().triple();
    assert!(ok, "{err}");
    let short = out
        .split('(')
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap()
        .to_owned();
    let mirror = PathBuf::from(format!("{}.sync-remote", db.display()));
    std::fs::read_dir(&mirror)
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .find(|n| n.starts_with(&short))
        .unwrap()
}

/// Every device changes its sync key: the re-sealed files (same sizes, other checksums) travel
/// through the server, and nobody is left with files it cannot open.
#[test]
fn a_new_key_on_every_device_travels_through_the_server() {
    let (server, token) = serve();
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let (ok, k1, err) = stint(&["sync", "key", "new"])
        .db(server.db())
        .run()
        .triple();
    assert!(ok, "{err}");
    for db in [&a, &b] {
        assert!(
            stint(&["sync", "key", "set", k1.trim()])
                .db(db)
                .run()
                .triple()
                .0
        );
    }
    let log = [
        "log",
        "Spec",
        "--start",
        "2026-11-20 09:00",
        "--duration",
        "1h",
    ];
    assert!(stint(&log).db(&a).run().triple().0);
    for db in [&a, &b] {
        let (ok, _, err) = stint(&["sync", "--url", &server.url, "--token", &token])
            .db(db)
            .run()
            .triple();
        assert!(ok, "{err}");
    }
    assert_eq!(descriptions(&b), ["Spec"]);
    // Rotate: a second key everywhere, then sync A, then B.
    let (ok, k2, _) = stint(&["sync", "key", "new"]).db(&a).run().triple();
    assert!(ok);
    for db in [&server.db(), &b] {
        let (ok, _, err) = stint(&["sync", "key", "set", k2.trim()])
            .db(db)
            .run()
            .triple();
        assert!(ok, "{err}");
    }
    // A first: B's files are still sealed with the old key until B syncs (said so).
    let (ok, _, err) = stint(&["sync"]).db(&a).run().triple();
    assert!(ok, "{err}");
    let (ok, _, err) = stint(&["sync"]).db(&b).run().triple();
    assert!(ok, "{err}");
    assert!(!err.contains("another key"), "{err}");
    let (ok, _, err) = stint(&["sync"]).db(&a).run().triple();
    assert!(ok, "{err}");
    assert!(!err.contains("another key"), "{err}");
    // Work made after the rotation still flows.
    let log2 = [
        "log",
        "Review",
        "--start",
        "2026-11-20 11:00",
        "--duration",
        "1h",
    ];
    assert!(stint(&log2).db(&b).run().triple().0);
    assert!(stint(&["sync"]).db(&b).run().triple().0);
    let (ok, _, err) = stint(&["sync"]).db(&a).run().triple();
    assert!(ok, "{err}");
    assert!(!err.contains("another key"), "{err}");
    let mut got = descriptions(&a);
    got.sort();
    assert_eq!(got, ["Review", "Spec"]);
}

/// The portable export (`stint db export --json`'s tables) of the database at `db`.
fn export_of(db: &Path) -> Vec<(String, Vec<Value>)> {
    let svc = stint::service::Service::open(
        db,
        stint::service::Caller::local(stint::service::Frontend::Cli),
    )
    .unwrap();
    super::sync_converge::portable_export(&svc)
}

/// A copy of folder `from` at `to` (files only, one level of device folders).
fn copy_folder(from: &Path, to: &Path) {
    for (path, bytes) in files_under(from) {
        let dest = to.join(path.strip_prefix(from).unwrap());
        std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
        std::fs::write(dest, bytes).unwrap();
    }
}

/// A database with every kind of row people make (a client, a project with a budget, a
/// milestone and a task, a person, tracks with the task and tags, an expense, a sent invoice
/// of tracks and the expense, a draft, a setting) goes to `stint serve`; then three empty
/// databases join: through the server, by a copy of its folder (from the logs), and from a
/// snapshot written in that copy. All four end with the same data, table by table, every
/// reference (a track's task, an invoice line's expense) included.
#[test]
fn joining_through_the_server_by_folder_and_from_a_snapshot_gives_the_same_database() {
    use stint::service::{
        Caller, Frontend, NewClient, NewExpense, NewInvoice, NewMilestone, NewPerson, NewProject,
        NewTask, NewTrack,
    };
    let (server, token) = serve();
    let source = super::sync_converge::Device::new();
    let svc = &source.svc;
    svc.create_client(NewClient {
        name: "Acme".into(),
        ..Default::default()
    })
    .unwrap();
    svc.create_project(NewProject {
        name: "Website".into(),
        client: Some("Acme".into()),
        hourly_rate: Some("95".into()),
        budget_hours: Some("40".into()),
        ..Default::default()
    })
    .unwrap();
    svc.create_milestone(NewMilestone {
        project: "Website".into(),
        name: "Launch".into(),
        due_date: Some("2026-11-30".into()),
    })
    .unwrap();
    svc.create_task(NewTask {
        project: "Website".into(),
        name: "Design".into(),
        milestone: Some("Launch".into()),
        ..Default::default()
    })
    .unwrap();
    svc.create_person(NewPerson {
        name: "Ana".into(),
        weekly_capacity_hours: Some("30".into()),
        cost_rate: Some("40".into()),
        ..Default::default()
    })
    .unwrap();
    svc.create_tag("review").unwrap();
    svc.create_tag("call").unwrap();
    for (day, tags) in [
        (5, vec!["review"]),
        (6, vec!["review", "call"]),
        (7, vec![]),
    ] {
        svc.create_track(NewTrack {
            description: Some(format!("design {day}")),
            project: Some("Website".into()),
            task: Some("Design".into()),
            tags: tags.into_iter().map(Into::into).collect(),
            billable: Some(true),
            start: format!("2026-10-{day:02}T09:00:00Z"),
            end: Some(format!("2026-10-{day:02}T11:35:00Z")),
            ..Default::default()
        })
        .unwrap();
    }
    svc.create_expense(NewExpense {
        project: "Website".into(),
        date: "2026-10-08".into(),
        amount: "120.50".into(),
        description: "fonts".into(),
        ..Default::default()
    })
    .unwrap();
    let invoice = svc
        .create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            ..Default::default()
        })
        .unwrap();
    svc.mark_invoice_sent(&invoice.id.to_string(), None)
        .unwrap();
    svc.for_caller(Caller::local(Frontend::McpStdio).with_drafts(true))
        .create_track(NewTrack {
            description: Some("proposed".into()),
            project: Some("Website".into()),
            start: "2026-11-02T09:00:00Z".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap();
    let url_sync = |db: &Path| {
        let (ok, _, err) = stint(&["sync", "--url", &server.url, "--token", &token])
            .db(db)
            .run()
            .triple();
        assert!(ok, "{err}");
    };
    url_sync(&source.db());
    let dir = tempfile::tempdir().unwrap();
    // Through the server.
    let through = dir.path().join("through.db");
    url_sync(&through);
    // By a copy of the server's folder, from the logs.
    let copy = dir.path().join("folder");
    copy_folder(&server.hub(), &copy);
    let by_folder = dir.path().join("folder.db");
    let (ok, _, err) = stint(&["sync", copy.to_str().unwrap()])
        .db(&by_folder)
        .run()
        .triple();
    assert!(ok, "{err}");
    // From a snapshot that device writes in the copy.
    let (ok, _, err) = stint(&["sync", "compact", copy.to_str().unwrap()])
        .db(&by_folder)
        .run()
        .triple();
    assert!(ok, "{err}");
    assert!(
        files_under(&copy)
            .iter()
            .any(|(p, _)| p.to_string_lossy().contains("snapshot-")),
        "no snapshot was written"
    );
    let from_snapshot = dir.path().join("snapshot.db");
    let (ok, _, err) = stint(&["sync", copy.to_str().unwrap()])
        .db(&from_snapshot)
        .run()
        .triple();
    assert!(ok, "{err}");
    let want = export_of(&source.db());
    let rows = |t: &str| {
        want.iter()
            .find(|(n, _)| n == t)
            .map_or(0, |(_, r)| r.len())
    };
    assert_eq!(
        (
            rows("tracks"),
            rows("invoice_items"),
            rows("tasks"),
            rows("people")
        ),
        (4, 4, 1, 1),
        "the source holds what it made"
    );
    for (how, db) in [
        ("through the server", &through),
        ("by folder", &by_folder),
        ("from a snapshot", &from_snapshot),
    ] {
        let got = export_of(db);
        assert!(
            got == want,
            "joined {how}, the database differs from the source:\n{}",
            super::sync_converge::export_diff(&want, &got)
        );
    }
}
