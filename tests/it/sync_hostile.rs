//! A shared sync folder and a hub as hostile ground: what an attacker with write access to
//! the folder (or a token of the hub) plants must not hang, bloat, redirect or take over a
//! device, and the hub audits, streams and keeps its paths and credentials to itself.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};
use stint::mcp::http::{AuthMode, HttpOptions, ServeLimits, router, serve_listener};
use stint::service::{Caller, Frontend, NewTrack, Service, SyncKey};
use stint::sync::remote::http::HttpHub;

use super::util::Env;

/// A whole sync file as stint writes it (format 2, plain): header, SHA-256, body.
fn sync_file(dev: &str, no: u16, kind: u8, first: u64, last: u64, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"STINTSYN");
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&(stint::store::SCHEMA_VERSION as u32).to_le_bytes());
    assert_eq!(dev.len(), 32);
    out.extend_from_slice(dev.as_bytes());
    out.extend_from_slice(&no.to_le_bytes());
    out.push(kind);
    out.extend_from_slice(&first.to_le_bytes());
    out.extend_from_slice(&last.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    let mut sha = Sha256::new();
    sha.update(&out);
    sha.update(body);
    out.extend_from_slice(&sha.finalize());
    out.extend_from_slice(body);
    out
}

/// The body of a device file: its name and no acks.
fn device_body(name: &str) -> Vec<u8> {
    let mut b = (name.len() as u32).to_le_bytes().to_vec();
    b.extend_from_slice(name.as_bytes());
    b.extend_from_slice(&0u32.to_le_bytes());
    b
}

/// A fake device's folder in `folder` with a plain device file (number `no`, name `name`).
fn plant_device(folder: &Path, dev: &str, no: u16, name: &str) -> PathBuf {
    let dir = folder.join(dev);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("device.stint"),
        sync_file(dev, no, 0, 0, 0, &device_body(name)),
    )
    .unwrap();
    dir
}

fn fake_id(i: usize) -> String {
    format!("{:032x}", 0xfeed_0000_u64 + i as u64)
}

fn log_track(svc: &Service, desc: &str) {
    svc.create_track(NewTrack {
        description: Some(desc.into()),
        start: "2026-11-20T09:00:00Z".into(),
        end: Some("2026-11-20T10:00:00Z".into()),
        ..Default::default()
    })
    .unwrap();
}

/// Runs the stint binary on `db`; kills it and fails the test if it has not ended after
/// `patience` (a hang guard, not a speed check). Returns success, stdout and stderr.
fn stint_within(
    db: &Path,
    args: &[&str],
    shell_prefix: Option<&str>,
    patience: Duration,
) -> (bool, String, String) {
    let mut cmd = super::util::stint(args).db(db).timeout(patience);
    if let Some(prefix) = shell_prefix {
        let script = format!("{prefix}; exec \"$0\" \"$@\"");
        cmd = cmd.wrapped(&["sh", "-c", &script]);
    }
    cmd.run().triple()
}

const PATIENCE: Duration = Duration::from_secs(120);

#[test]
fn files_linked_to_dev_zero_are_refused_without_being_read() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    let dev = fake_id(1);
    let dir = folder.path().join(&dev);
    std::fs::create_dir_all(&dir).unwrap();
    std::os::unix::fs::symlink("/dev/zero", dir.join("device.stint")).unwrap();
    let other = plant_device(folder.path(), &fake_id(2), 9, "other");
    std::os::unix::fs::symlink("/dev/zero", other.join("000000000001-000000000001.stint")).unwrap();
    // Bounded: a reader that follows the link grows until this limit stops it.
    let (ok, out, err) = stint_within(
        &env.db_path(),
        &["sync", folder.path().to_str().unwrap()],
        Some("ulimit -v 2000000"),
        PATIENCE,
    );
    assert!(ok, "{out}\n{err}");
    assert!(
        err.contains(&format!("device {}: its device file", &dev[..8]))
            && err.contains("it is a symbolic link; sync reads only regular files"),
        "{err}"
    );
    assert!(
        err.contains("000000000001-000000000001.stint (it is a symbolic link"),
        "{err}"
    );
}

#[test]
fn a_fifo_in_the_folder_does_not_hang_sync() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    let dev = fake_id(3);
    let dir = folder.path().join(&dev);
    std::fs::create_dir_all(&dir).unwrap();
    let fifo = |p: PathBuf| {
        let ok = Command::new("mkfifo").arg(&p).status().unwrap().success();
        assert!(ok);
    };
    fifo(dir.join("device.stint"));
    let other = plant_device(folder.path(), &fake_id(4), 9, "other");
    fifo(other.join("000000000001-000000000001.stint"));
    let (ok, out, err) = stint_within(
        &env.db_path(),
        &["sync", folder.path().to_str().unwrap()],
        None,
        PATIENCE,
    );
    assert!(ok, "{out}\n{err}");
    assert_eq!(err.matches("it is a FIFO").count(), 2, "{err}");
    // And again, now that the device has joined (the second sync reads the folder again).
    let (ok, _, err) = stint_within(&env.db_path(), &["sync"], None, PATIENCE);
    assert!(ok, "{err}");
    assert_eq!(err.matches("it is a FIFO").count(), 2, "{err}");
}

#[test]
fn a_link_planted_at_a_temporary_name_is_never_written_through() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("precious.txt");
    std::fs::write(&target, "precious").unwrap();
    let me = env.svc.sync_status().unwrap().device_id;
    let my_dir = folder.path().join(&me);
    std::fs::create_dir_all(&my_dir).unwrap();
    // Every name the old writer could pick in this process: `.NAME.tmp-PID-N`.
    let pid = std::process::id();
    for name in ["device.stint", "000000000001-000000000001.stint"] {
        for n in 0..3000 {
            std::os::unix::fs::symlink(&target, my_dir.join(format!(".{name}.tmp-{pid}-{n}")))
                .unwrap();
        }
    }
    env.svc.sync_folder(folder.path()).unwrap();
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    for name in ["device.stint", "000000000001-000000000001.stint"] {
        let meta = std::fs::symlink_metadata(my_dir.join(name)).unwrap();
        assert!(meta.file_type().is_file(), "{name} is {meta:?}");
    }
}

#[test]
fn a_link_standing_for_the_devices_own_folder_is_refused() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    let me = env.svc.sync_status().unwrap().device_id;
    std::os::unix::fs::symlink(outside.path(), folder.path().join(&me)).unwrap();
    let e = env.svc.sync_folder(folder.path()).unwrap_err().to_string();
    assert!(
        e.contains("is not a folder (a symbolic link or a file stands there)"),
        "{e}"
    );
    assert_eq!(std::fs::read_dir(outside.path()).unwrap().count(), 0);
}

#[test]
fn a_server_url_planted_in_a_shared_folder_is_ignored() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    env.svc.sync_folder(folder.path()).unwrap();
    std::fs::write(folder.path().join(".server-url"), "http://evil.example:1\n").unwrap();
    std::fs::write(
        folder.path().join(".server-device"),
        format!("{}\n", fake_id(5)),
    )
    .unwrap();
    assert_eq!(env.svc.sync_server_url().unwrap(), None);
    // The next sync is a folder sync, as before.
    let r = env.svc.sync(None).unwrap();
    assert_eq!((r.published, r.problems.len()), (0, 0), "{r:?}");
    let (ok, out, err) = stint_within(&env.db_path(), &["sync", "status"], None, PATIENCE);
    assert!(ok, "{err}");
    assert!(!out.contains("evil"), "{out}");
    assert!(
        out.contains(&format!(
            "folder {}",
            std::fs::canonicalize(folder.path()).unwrap().display()
        )),
        "{out}"
    );
}

#[test]
fn with_a_key_unauthenticated_folders_claim_no_device_number() {
    let folder = tempfile::tempdir().unwrap();
    for no in 0..64u16 {
        plant_device(folder.path(), &fake_id(100 + no as usize), no, "fake");
    }
    let env = Env::new();
    log_track(&env.svc, "mine");
    env.svc
        .set_sync_key(Some(&SyncKey::generate().unwrap()))
        .unwrap();
    let r = env.svc.sync_folder(folder.path()).unwrap();
    assert!(r.joined);
    assert!((0..64).contains(&r.device_no));
    // Its first log is in the folder: it joined.
    let mut mine: Vec<String> = std::fs::read_dir(folder.path().join(&r.device_id))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    mine.sort();
    assert_eq!(mine, ["000000000001-000000000001.stint", "device.stint"]);
    // The fakes are reported, but none of them counts as a device here.
    assert_eq!(r.problems.len(), 64, "{:?}", r.problems);
    assert!(
        r.problems
            .iter()
            .all(|p| p.contains("its files are not encrypted")),
        "{:?}",
        r.problems
    );
    assert_eq!(env.svc.sync_status().unwrap().peers.len(), 0);
}

#[test]
fn escape_sequences_in_folder_text_never_reach_the_terminal() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    plant_device(
        folder.path(),
        &fake_id(6),
        7,
        "\u{1b}[2J\u{1b}]0;owned\u{7}evil\u{9b}31m box\u{202e}",
    );
    let (ok, out, err) = stint_within(
        &env.db_path(),
        &["sync", folder.path().to_str().unwrap()],
        None,
        PATIENCE,
    );
    assert!(ok, "{err}");
    let (ok, status, err2) = stint_within(&env.db_path(), &["sync", "status"], None, PATIENCE);
    assert!(ok, "{err2}");
    let (ok, json_status, _) = stint_within(
        &env.db_path(),
        &["sync", "status", "--json"],
        None,
        PATIENCE,
    );
    assert!(ok);
    for text in [&out, &err, &status, &err2, &json_status] {
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{9b}', '\u{202e}']),
            "{text:?}"
        );
    }
    assert!(status.contains("evil box"), "{status}");
    let v: Value = serde_json::from_str(&json_status).unwrap();
    assert_eq!(v["peers"][0]["name"], "evil box");
}

#[test]
fn a_folder_over_its_limits_is_named_and_not_read() {
    let env = Env::new();
    log_track(&env.svc, "mine");
    let folder = tempfile::tempdir().unwrap();
    let dir = plant_device(folder.path(), &fake_id(7), 9, "big");
    // A first log that is damaged, then logs of 1 GiB each (sparse: nothing on disk).
    std::fs::write(dir.join("000000000001-000000000001.stint"), b"junk").unwrap();
    for i in 0..5u64 {
        let f = std::fs::File::create(dir.join(format!(
            "{:012}-{:012}.stint",
            2 + i * 10,
            11 + i * 10
        )))
        .unwrap();
        f.set_len(1 << 30).unwrap();
    }
    // A single file over the per-file limit names the file. Both planted devices are there
    // before this device's first sync, so its random number is neither of theirs.
    let dir2 = plant_device(folder.path(), &fake_id(8), 10, "huge");
    let f = std::fs::File::create(dir2.join("000000000001-000000000001.stint")).unwrap();
    f.set_len(600 << 20).unwrap();
    let r = env.svc.sync_folder(folder.path()).unwrap();
    let want = format!(
        "device {}: its folder {} holds {} bytes of sync files, more than the {} a device may have",
        &fake_id(7)[..8],
        std::fs::canonicalize(&dir).unwrap().display(),
        5 * (1u64 << 30) + 4 + std::fs::metadata(dir.join("device.stint")).unwrap().len(),
        4u64 << 30
    );
    assert!(
        r.problems.iter().any(|p| p.starts_with(&want)),
        "{:?}",
        r.problems
    );
    assert!(
        r.problems.iter().any(|p| p.contains(&format!(
            "000000000001-000000000001.stint (it is {} bytes, more than the {} bytes a file of \
             its kind may have",
            600u64 << 20,
            512u64 << 20
        ))),
        "{:?}",
        r.problems
    );
}

// ----- the hub ------------------------------------------------------------------------------

/// `stint serve`'s router on 127.0.0.1:0 in this process, over `env`'s database.
struct Hub {
    addr: SocketAddr,
    env: Env,
    _rt: tokio::runtime::Runtime,
}

fn hub() -> Hub {
    let env = Env::new();
    let svc = env.svc.for_caller(Caller::local(Frontend::McpHttp));
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let opts = HttpOptions {
        host: "127.0.0.1".parse().unwrap(),
        port: 0,
        allowed_hosts: vec![],
        allowed_origins: vec![],
        auth: AuthMode::Tokens,
    };
    let app = router(svc, &opts, Default::default()).unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(serve_listener(
        listener,
        app,
        ServeLimits::default(),
        Default::default(),
    ));
    Hub { addr, env, _rt: rt }
}

impl Hub {
    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn token(&self, name: &str, scope: &str, sensitive: bool) -> String {
        self.env.svc.create_token(name, scope, sensitive).unwrap().1
    }

    fn hub_dir(&self) -> PathBuf {
        self.env.dir.path().join("stint.db.sync")
    }

    fn request(&self, method: &str, path: &str, token: &str, body: Option<&[u8]>) -> (u16, String) {
        let (status, bytes) = self.request_bytes(method, path, token, body);
        (status, String::from_utf8_lossy(&bytes).into_owned())
    }

    fn request_bytes(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: Option<&[u8]>,
    ) -> (u16, Vec<u8>) {
        let req = ureq::request(method, &format!("{}{path}", self.url()))
            .set("Authorization", &format!("Bearer {token}"));
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
        resp.into_reader().read_to_end(&mut bytes).unwrap();
        (status, bytes)
    }

    /// `(operation, token name, detail)` of the hub's audit rows of sync.
    fn audit(&self) -> Vec<(String, Option<String>, String)> {
        let conn = rusqlite::Connection::open(self.env.db_path()).unwrap();
        conn.prepare(
            "SELECT operation, token_name, detail FROM audit_log
              WHERE operation LIKE 'sync%' ORDER BY id",
        )
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }
}

#[test]
fn every_hub_write_is_audited_with_the_tokens_name() {
    let h = hub();
    let token = h.token("laptop-sync", "admin", true);
    let client = Env::new();
    log_track(&client.svc, "from the laptop");
    let hub_client = HttpHub::new(&h.url(), &token).unwrap();
    let r = client.svc.sync_remote(&hub_client).unwrap();
    let me = r.local.device_id.clone();
    let audit = h.audit();
    let ops: Vec<&str> = audit.iter().map(|a| a.0.as_str()).collect();
    assert_eq!(
        ops,
        ["sync_apply", "sync_put", "sync_put", "sync_apply"],
        "{audit:?}"
    );
    assert!(
        audit.iter().all(|a| a.1.as_deref() == Some("laptop-sync")),
        "{audit:?}"
    );
    assert_eq!(
        audit[0].2,
        "applied 0 change(s) from 0 device(s), published 0"
    );
    assert_eq!(
        audit[1].2,
        format!(
            "stored {me}/000000000001-000000000001.stint ({} bytes)",
            std::fs::metadata(
                h.hub_dir()
                    .join(&me)
                    .join("000000000001-000000000001.stint")
            )
            .unwrap()
            .len()
        )
    );
    assert_eq!(
        audit[2].2,
        format!(
            "stored {me}/device.stint ({} bytes)",
            std::fs::metadata(h.hub_dir().join(&me).join("device.stint"))
                .unwrap()
                .len()
        )
    );
    assert_eq!(
        audit[3].2,
        "applied 1 change(s) from 1 device(s), published 0"
    );
    let (status, _) = h.request(
        "DELETE",
        &format!("/api/sync/files/{me}/000000000001-000000000001.stint"),
        &token,
        None,
    );
    assert_eq!(status, 204);
    let audit = h.audit();
    assert_eq!(
        audit.last().unwrap(),
        &(
            "sync_delete".to_owned(),
            Some("laptop-sync".to_owned()),
            format!("removed {me}/000000000001-000000000001.stint")
        )
    );
}

#[test]
fn device_ids_are_compared_without_regard_to_case() {
    let h = hub();
    let token = h.token("sync", "admin", true);
    // The server's own id, upper-cased: refused as its own.
    let (status, list) = h.request("GET", "/api/sync/files", &token, None);
    assert_eq!(status, 200);
    let server: String = serde_json::from_str::<Value>(&list).unwrap()["device_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let upper = server.to_ascii_uppercase();
    let own = sync_file(&server, 0, 0, 0, 0, &device_body("forged"));
    let (status, body) = h.request(
        "PUT",
        &format!("/api/sync/files/{upper}/device.stint"),
        &token,
        Some(&own),
    );
    assert_eq!(status, 409, "{body}");
    assert!(body.contains("this server's own device"), "{body}");
    assert!(!h.hub_dir().join(&upper).exists());
    let (status, _) = h.request(
        "DELETE",
        &format!("/api/sync/files/{upper}/000000000001-000000000001.stint"),
        &token,
        None,
    );
    assert_eq!(status, 409);
    // Another device's file sent under its upper-cased id lands in its (lower-case) folder.
    let other = fake_id(9);
    let file = sync_file(&other, 3, 0, 0, 0, &device_body("other"));
    let (status, body) = h.request(
        "PUT",
        &format!(
            "/api/sync/files/{}/device.stint",
            other.to_ascii_uppercase()
        ),
        &token,
        Some(&file),
    );
    assert_eq!(status, 204, "{body}");
    assert_eq!(
        std::fs::read(h.hub_dir().join(&other).join("device.stint")).unwrap(),
        file
    );
    let (status, got) = h.request_bytes(
        "GET",
        &format!(
            "/api/sync/files/{}/device.stint",
            other.to_ascii_uppercase()
        ),
        &token,
        None,
    );
    assert_eq!(status, 200);
    assert_eq!(got, file);
}

#[test]
fn no_answer_names_a_path_of_the_server() {
    let h = hub();
    log_track(&h.env.svc, "on the server");
    let folder = tempfile::tempdir().unwrap();
    // A device whose log is cut: its problem names the file. Planted before the server's
    // first sync, so the server's random device number is not its number.
    let dir = plant_device(folder.path(), &fake_id(10), 11, "cut");
    let log = sync_file(&fake_id(10), 11, 1, 1, 1, b"0123456789");
    std::fs::write(
        dir.join("000000000001-000000000001.stint"),
        &log[..log.len() - 3],
    )
    .unwrap();
    h.env.svc.sync_folder(folder.path()).unwrap();
    let secret_paths = [
        h.env.dir.path().display().to_string(),
        std::fs::canonicalize(folder.path())
            .unwrap()
            .display()
            .to_string(),
        folder.path().display().to_string(),
    ];
    let writer = h.token("assistant", "write", false);
    let admin = h.token("sync", "admin", true);
    let call = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                      "params": {"name": "sync", "arguments": {}}});
    let resp = ureq::post(&format!("{}/api/mcp", h.url()))
        .set("Authorization", &format!("Bearer {writer}"))
        .set("Content-Type", "application/json")
        .send_string(&call.to_string())
        .unwrap()
        .into_string()
        .unwrap();
    let (status, apply) = h.request("POST", "/api/sync/apply", &admin, None);
    assert_eq!(status, 200, "{apply}");
    for answer in [&resp, &apply] {
        for p in &secret_paths {
            assert!(!answer.contains(p.as_str()), "{p} in {answer}");
        }
        assert!(
            answer.contains(&format!("<sync folder>/{}/000000000001", fake_id(10)))
                && answer.contains("is not whole yet"),
            "{answer}"
        );
    }
    // The CLI on the server's own machine still names the file.
    let r = h.env.svc.sync(None).unwrap();
    assert!(
        r.problems.iter().any(|p| p.contains(&secret_paths[1])),
        "{:?}",
        r.problems
    );
}

#[test]
fn credentials_in_a_server_url_are_never_sent_printed_or_kept() {
    let h = hub();
    let token = h.token("sync", "admin", true);
    let client = Env::new();
    log_track(&client.svc, "x");
    let url = format!("http://alice:hunter2@{}", h.addr);
    let (ok, out, err) = stint_within(
        &client.db_path(),
        &["sync", "--url", &url, "--token", &token],
        None,
        PATIENCE,
    );
    assert!(ok, "{out}\n{err}");
    assert!(
        !out.contains("hunter2") && !err.contains("hunter2"),
        "{out}\n{err}"
    );
    assert!(
        err.contains("the user name and password in the URL were left out"),
        "{err}"
    );
    assert!(
        out.contains(&format!("Server http://{}:", h.addr.ip())),
        "{out}"
    );
    let mirror = client.dir.path().join("stint.db.sync-remote");
    for f in [".server-url", ".server-token"] {
        let text = std::fs::read_to_string(mirror.join(f)).unwrap();
        assert!(
            !text.contains("hunter2") && !text.contains("alice"),
            "{f}: {text}"
        );
    }
    let (ok, status, _) = stint_within(&client.db_path(), &["sync", "status"], None, PATIENCE);
    assert!(ok);
    assert!(
        status.contains(&format!("server http://{}", h.addr)),
        "{status}"
    );
    // Without a token, the message says to use --token, and names no password.
    let e = HttpHub::new(&url, "").unwrap_err().to_string();
    assert!(e.contains("--token") && !e.contains("hunter2"), "{e}");
}

#[test]
fn an_upload_goes_to_disk_as_it_arrives_and_a_too_large_one_is_refused() {
    let h = hub();
    let token = h.token("sync", "admin", true);
    let dev = fake_id(11);
    let body: Vec<u8> = (0..(4u32 << 20)).map(|i| (i % 251) as u8).collect();
    let file = sync_file(&dev, 4, 1, 1, 1, &body);
    let half = file.len() / 2;
    let mut s = TcpStream::connect(h.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "PUT /api/sync/files/{dev}/000000000001-000000000001.stint HTTP/1.1\r\nHost: \
         127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Type: \
         application/octet-stream\r\nContent-Length: {}\r\n\r\n",
        file.len()
    )
    .unwrap();
    s.write_all(&file[..half]).unwrap();
    s.flush().unwrap();
    // Half the body sent and the answer not yet possible: the server has put what it got
    // on disk, in a temporary file of the device's folder (a server holding the body in
    // memory writes nothing before the end).
    let dir = h.hub_dir().join(&dev);
    let on_disk = || -> u64 {
        std::fs::read_dir(&dir)
            .map(|rd| {
                rd.flatten()
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
                    .map(|e| e.metadata().map_or(0, |m| m.len()))
                    .sum()
            })
            .unwrap_or(0)
    };
    let waited = Instant::now();
    while on_disk() < half as u64 / 2 && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(20));
    }
    let partial = on_disk();
    assert!(
        partial >= half as u64 / 2 && partial <= half as u64,
        "{partial} bytes of {half} on disk while the upload is half sent"
    );
    s.write_all(&file[half..]).unwrap();
    let mut answer = String::new();
    let mut buf = [0u8; 1024];
    while !answer.contains("\r\n\r\n") {
        let n = s.read(&mut buf).unwrap();
        assert!(n > 0, "{answer}");
        answer.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(answer.starts_with("HTTP/1.1 204"), "{answer}");
    assert_eq!(
        std::fs::read(dir.join("000000000001-000000000001.stint")).unwrap(),
        file
    );
    assert_eq!(on_disk(), 0);
    // More than the largest sync file: 413 from the declared length, before any byte.
    let mut s = TcpStream::connect(h.addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    write!(
        s,
        "PUT /api/sync/files/{dev}/000000000002-000000000002.stint HTTP/1.1\r\nHost: \
         127.0.0.1\r\nAuthorization: Bearer {token}\r\nContent-Length: {}\r\n\r\n",
        (512u64 << 20) + 1
    )
    .unwrap();
    let mut answer = Vec::new();
    let _ = s.read_to_end(&mut answer);
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    assert!(
        answer.contains("more than the largest sync file"),
        "{answer}"
    );
    assert_eq!(on_disk(), 0);
}
