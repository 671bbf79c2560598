//! The client's round through a server reads the server's file list once, at the wire: a
//! listing whose paths are not `<device id>/<file name>` (or whose files have no size) is
//! refused there, naming the path and what to do, before anything is written or sent.

use std::io::{BufRead as _, BufReader, Write as _};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{Value, json};
use stint::sync::remote::http::HttpHub;

use super::util::Env;

/// A server that answers `GET /api/sync/files` with `listing` and anything else with 404,
/// recording each request line.
struct FakeHub {
    addr: SocketAddr,
    asked: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

/// Answers one connection; `false` once asked to stop.
fn answer(stream: TcpStream, listing: &str, asked: &Mutex<Vec<String>>) -> bool {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    let line = line.trim_end().to_owned();
    if line == "STOP" {
        return false;
    }
    let mut header = String::new();
    while reader.read_line(&mut header).unwrap() > 2 {
        header.clear();
    }
    let (status, body) = if line.starts_with("GET /api/sync/files ") {
        ("200 OK", listing.to_owned())
    } else {
        ("404 Not Found", json!({"error": "not here"}).to_string())
    };
    asked.lock().unwrap().push(line);
    let mut stream = reader.into_inner();
    write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    true
}

impl FakeHub {
    fn new(listing: &Value) -> FakeHub {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let asked = Arc::new(Mutex::new(Vec::new()));
        let (listing, log) = (listing.to_string(), asked.clone());
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if !answer(stream.unwrap(), &listing, &log) {
                    break;
                }
            }
        });
        FakeHub {
            addr,
            asked,
            thread: Some(thread),
        }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

impl Drop for FakeHub {
    fn drop(&mut self) {
        if let Ok(mut s) = TcpStream::connect(self.addr) {
            let _ = s.write_all(b"STOP\r\n");
        }
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

const SERVER: &str = "0123456789abcdef0123456789abcdef";
const OTHER: &str = "fedcba9876543210fedcba9876543210";

/// Syncs a new database with a server listing `files`: the error, what the server was asked,
/// and whether the mirror folder was made.
fn sync_against(files: &Value) -> (String, Vec<String>, bool) {
    let env = Env::new();
    let hub = FakeHub::new(&json!({"device_id": SERVER, "files": files}));
    let client = HttpHub::new(&hub.url(), "t").unwrap();
    let e = env.svc.sync_remote(&client).unwrap_err().to_string();
    let e = e.replace(&hub.url(), "SERVER");
    let asked = hub.asked.lock().unwrap().clone();
    (
        e,
        asked,
        env.dir.path().join("stint.db.sync-remote").exists(),
    )
}

#[test]
fn a_listing_with_a_path_that_names_no_device_or_no_sync_file_is_refused_before_any_write() {
    let refused = |why: &str| {
        format!(
            "SERVER listed its files in a way this stint cannot read ({why}); is it `stint \
             serve` of the same stint version? update stint on both sides, and check the URL"
        )
    };
    let log = "000000000001-000000000005.stint";
    let good = json!({"path": format!("{OTHER}/{log}"), "size": 9, "sum": ""});
    let cases = [
        (
            json!([good, {"path": "../x/device.stint", "size": 1}]),
            refused("the file \"../x/device.stint\": \"..\" is not a device id (32 hex digits)"),
        ),
        (
            json!([{"path": format!("{OTHER}/notes.txt"), "size": 1}, good]),
            refused(&format!(
                "the file \"{OTHER}/notes.txt\": \"notes.txt\" is not a sync file name \
                 (device.stint, NNNNNNNNNNNN-NNNNNNNNNNNN.stint or snapshot-NNNNNNNNNNNN.stint)"
            )),
        ),
        (
            json!([{"path": format!("{OTHER}/{log}")}]),
            refused(&format!("{OTHER}/{log} has no size")),
        ),
    ];
    for (files, expected) in cases {
        assert_eq!(
            sync_against(&files),
            (
                expected,
                vec!["GET /api/sync/files HTTP/1.1".to_owned()],
                false
            ),
            "{files}"
        );
    }
}
