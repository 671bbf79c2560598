//! Crash safety: `stint mcp` killed with SIGKILL at random moments loses no answered write and
//! leaves no half-written track.
//!
//! One database file, many processes in turn. Each streams `create_track` requests (distinct
//! descriptions, past start times, a project and a tag) line by line and reads the answers; after
//! a random number of answered writes it is killed: right after an answer, after writing the next
//! request, in the middle of a request line, or during a pipelined burst of requests of which only
//! some answers were read. After each kill the file is opened with rusqlite: the integrity check
//! passes, every answered write is there as answered, and every track that is there is whole (its
//! project, its tag and its audit row were committed with it). Writes never answered may or may
//! not be there. The RNG seed is fixed, so a failure replays.

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stint::service::{Caller, Frontend, NewProject, Service};

use super::util::{call_line, cases, stint};

/// How many processes to kill; CI requires at least 20 kills with nothing missing.
/// Kills per run: 30 with `STINT_SLOW_TESTS=1`, 8 otherwise.
fn kills() -> usize {
    cases(8, 30)
}
/// At most this many answered writes per process before the kill.
const MAX_ANSWERED: u64 = 40;
const SEED: u64 = 0x5EED_C0FF_EE15_600D;

/// xorshift64*: small, deterministic, good enough to pick kill points.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..n`.
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// Where in the stream the process is killed.
#[derive(Debug, Clone, Copy)]
enum KillPoint {
    /// Right after reading an answer.
    AfterAnswer,
    /// After writing the next request in full, `micros` later, before reading its answer.
    AfterRequest { micros: u64 },
    /// After writing the first `bytes` bytes of the next request (no newline).
    MidLine { bytes: usize },
    /// After writing `sent` requests at once and reading the answers of the first `read`,
    /// `micros` later.
    Burst { sent: u64, read: u64, micros: u64 },
}

impl KillPoint {
    fn pick(rng: &mut Rng) -> KillPoint {
        // Bursts are the likeliest to catch a write mid-commit, so they come up most often.
        match rng.below(8) {
            0 | 1 => KillPoint::AfterAnswer,
            2 | 3 => KillPoint::AfterRequest {
                micros: rng.below(3000),
            },
            4 => KillPoint::MidLine {
                bytes: 1 + rng.below(150) as usize,
            },
            _ => {
                let sent = 2 + rng.below(12);
                KillPoint::Burst {
                    sent,
                    read: rng.below(sent),
                    micros: rng.below(4000),
                }
            }
        }
    }
}

/// A `create_track` request that was sent: its description is unique across the whole test.
#[derive(Debug, Clone)]
struct Sent {
    description: String,
    start: String,
}

/// A write whose answer was read: it must be in the database for ever after.
#[derive(Debug, Clone)]
struct Answered {
    sent: Sent,
    track_id: i64,
}

struct Server {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
}

impl Server {
    fn spawn(db: &Path) -> Server {
        let mut child = stint(&["mcp"])
            .db(db)
            .command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Server {
            child,
            stdin,
            stdout,
            next_id: 1,
        }
    }

    fn request_line(&mut self, sent: &Sent) -> Vec<u8> {
        let id = self.next_id;
        self.next_id += 1;
        let request = call_line(
            id as i64,
            "create_track",
            json!({
                "description": sent.description,
                "start": sent.start,
                "duration": "30m",
                "project": "Crash",
                "tags": ["crash"],
            }),
        );
        (request + "\n").into_bytes()
    }

    fn send(&mut self, sent: &Sent) {
        let line = self.request_line(sent);
        self.stdin.write_all(&line).unwrap();
        self.stdin.flush().unwrap();
    }

    /// Reads one answer and returns the id of the track it reports.
    fn answer(&mut self, sent: &Sent) -> i64 {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "stint mcp closed stdout before answering {sent:?}");
        let v: Value = serde_json::from_str(&line).unwrap();
        let result = &v["result"];
        assert_eq!(result["isError"], json!(false), "{line}");
        let track = &result["structuredContent"]["track"];
        assert_eq!(track["description"], json!(sent.description), "{line}");
        track["id"].as_i64().unwrap()
    }

    fn kill(mut self) {
        self.child.kill().unwrap();
        let status = self.child.wait().unwrap();
        assert!(!status.success(), "killed process exited with {status}");
    }
}

/// What the database holds after a kill: description -> (track id, start as Unix seconds).
fn check_database(db: &Path, crash_tag: i64, crash_project: i64) -> HashMap<String, (i64, i64)> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let integrity: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert_eq!(integrity, ["ok"], "integrity_check after a kill");
    let fk_problems: i64 = conn
        .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(fk_problems, 0, "foreign_key_check after a kill");

    let mut stmt = conn
        .prepare(
            "SELECT t.id, t.description, t.start_at, t.end_at, t.project_id,
                    (SELECT group_concat(tag_id) FROM track_tags WHERE track_id = t.id),
                    (SELECT count(*) FROM audit_log
                      WHERE operation = 'create_track' AND entity_ids = '[' || t.id || ']')
               FROM tracks t ORDER BY t.id",
        )
        .unwrap();
    let rows = stmt
        .query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, i64>(2)?,
                r.get::<_, Option<i64>>(3)?,
                r.get::<_, Option<i64>>(4)?,
                r.get::<_, Option<String>>(5)?,
                r.get::<_, i64>(6)?,
            ))
        })
        .unwrap()
        .collect::<rusqlite::Result<Vec<_>>>()
        .unwrap();
    let mut found = HashMap::new();
    for (id, description, start, end, project, tags, audits) in rows {
        let whole = end == Some(start + 1800)
            && project == Some(crash_project)
            && tags == Some(crash_tag.to_string())
            && audits == 1;
        assert!(
            whole,
            "track {id} {description:?} is half-written: end {end:?} (start {start}), project \
             {project:?}, tags {tags:?}, {audits} audit rows"
        );
        assert!(
            found.insert(description.clone(), (id, start)).is_none(),
            "{description:?} is stored twice"
        );
    }
    let audit_rows: i64 = conn
        .query_row(
            "SELECT count(*) FROM audit_log WHERE operation = 'create_track'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(
        audit_rows,
        found.len() as i64,
        "an audit row without its track"
    );
    found
}

#[test]
fn killed_mcp_server_loses_no_answered_write() {
    let began = Instant::now();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("crash.db");
    let (crash_tag, crash_project) = {
        let svc = Service::open(&db, Caller::local(Frontend::Cli)).unwrap();
        let tag = svc.create_tag("crash").unwrap();
        let project = svc
            .create_project(NewProject {
                name: "Crash".into(),
                ..Default::default()
            })
            .unwrap();
        (tag.id.0, project.id.0)
    };

    let mut rng = Rng(SEED);
    let base = chrono::DateTime::parse_from_rfc3339("2025-01-01T00:00:00Z")
        .unwrap()
        .timestamp();
    let mut next_write = 0u64;
    let mut new_write = |kill: usize| {
        let n = next_write;
        next_write += 1;
        let start = base + 3600 * n as i64;
        Sent {
            description: format!("crash-{kill}-{n}"),
            start: chrono::DateTime::from_timestamp(start, 0)
                .unwrap()
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        }
    };

    let mut answered: Vec<Answered> = Vec::new();
    let mut unanswered: HashSet<String> = HashSet::new();
    let mut points: HashMap<&'static str, usize> = HashMap::new();
    let mut found = HashMap::new();
    let kills = kills();
    for kill in 0..kills {
        let mut server = Server::spawn(&db);
        let before = rng.below(MAX_ANSWERED + 1);
        for _ in 0..before {
            let sent = new_write(kill);
            server.send(&sent);
            let track_id = server.answer(&sent);
            answered.push(Answered { sent, track_id });
        }
        let point = KillPoint::pick(&mut rng);
        match point {
            KillPoint::AfterAnswer => {
                *points.entry("after an answer").or_default() += 1;
            }
            KillPoint::AfterRequest { micros } => {
                *points.entry("after a request").or_default() += 1;
                let sent = new_write(kill);
                server.send(&sent);
                unanswered.insert(sent.description);
                std::thread::sleep(Duration::from_micros(micros));
            }
            KillPoint::MidLine { bytes } => {
                *points.entry("mid-line").or_default() += 1;
                let sent = new_write(kill);
                let line = server.request_line(&sent);
                let bytes = bytes.min(line.len() - 2);
                server.stdin.write_all(&line[..bytes]).unwrap();
                server.stdin.flush().unwrap();
                unanswered.insert(sent.description);
            }
            KillPoint::Burst {
                sent: count,
                read,
                micros,
            } => {
                *points.entry("in a burst").or_default() += 1;
                let burst: Vec<Sent> = (0..count).map(|_| new_write(kill)).collect();
                let mut lines = Vec::new();
                for sent in &burst {
                    lines.extend(server.request_line(sent));
                }
                server.stdin.write_all(&lines).unwrap();
                server.stdin.flush().unwrap();
                for (i, sent) in burst.into_iter().enumerate() {
                    if (i as u64) < read {
                        let track_id = server.answer(&sent);
                        answered.push(Answered { sent, track_id });
                    } else {
                        unanswered.insert(sent.description);
                    }
                }
                std::thread::sleep(Duration::from_micros(micros));
            }
        }
        server.kill();

        found = check_database(&db, crash_tag, crash_project);
        for a in &answered {
            let Some(&(id, start)) = found.get(&a.sent.description) else {
                panic!(
                    "kill {kill} ({point:?}): the answered write {:?} (track {}) is missing; \
                     {} answered so far, {} tracks stored",
                    a.sent.description,
                    a.track_id,
                    answered.len(),
                    found.len()
                );
            };
            assert_eq!(id, a.track_id, "{:?}", a.sent.description);
            let sent_start = chrono::DateTime::parse_from_rfc3339(&a.sent.start)
                .unwrap()
                .timestamp();
            assert_eq!(start, sent_start, "{:?}", a.sent.description);
        }
        for description in found.keys() {
            assert!(
                answered.iter().any(|a| &a.sent.description == description)
                    || unanswered.contains(description),
                "{description:?} is stored but was never sent"
            );
        }
    }

    let unanswered_found = unanswered.iter().filter(|d| found.contains_key(*d)).count();
    let mut points: Vec<_> = points.into_iter().collect();
    points.sort();
    eprintln!(
        "crash: {kills} kills ({points:?}); {} answered writes, all found; {} tracks stored; \
         {} of {} unanswered writes were committed anyway; {:.1} s",
        answered.len(),
        found.len(),
        unanswered_found,
        unanswered.len(),
        began.elapsed().as_secs_f64()
    );
    assert!(answered.len() >= 100, "too few writes to mean anything");
}

/// Rows of the import crash test.
/// Rows of the killed import: 200,000 with `STINT_SLOW_TESTS=1` (about two minutes here),
/// 20,000 otherwise.
fn import_rows() -> usize {
    cases(20_000, 200_000)
}

fn tracks_in(db: &Path) -> i64 {
    let conn = rusqlite::Connection::open(db).unwrap();
    let ok: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(ok, "ok");
    conn.query_row("SELECT count(*) FROM tracks", [], |r| r.get(0))
        .unwrap()
}

fn import_cmd(db: &Path, csv: &Path) -> Command {
    let mut cmd = stint(&["import", "csv"]).arg(csv).db(db).command();
    cmd.stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// `stint import csv` killed with SIGKILL at several moments of a 200,000-row import keeps
/// either nothing or every row; importing the file again then completes.
#[test]
fn killed_import_keeps_nothing_or_everything() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("big.csv");
    let mut text = String::from("start,end,project,client,tags,description,billable\n");
    let base = 800_000_000i64;
    let import_rows = import_rows();
    for i in 0..import_rows as i64 {
        let start = chrono::DateTime::from_timestamp(base + i * 3600, 0).unwrap();
        let end = chrono::DateTime::from_timestamp(base + i * 3600 + 1800, 0).unwrap();
        text.push_str(&format!(
            "{},{},P{},C{},t{};u,row {i},yes\n",
            start.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            end.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            i % 7,
            i % 7,
            i % 5,
        ));
    }
    std::fs::write(&csv, text).unwrap();

    // Each run is killed a while after it says (on stderr, at debug level) that the file is
    // checked and it starts writing.
    let db = dir.path().join("crash.db");
    let mut outcomes = Vec::new();
    for millis in [0u64, 150, 600, 2000] {
        let mut child = import_cmd(&db, &csv)
            .env("STINT_LOG", "stint=debug")
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut line = String::new();
        while !line.contains("rows checked, writing") {
            line.clear();
            assert!(
                stderr.read_line(&mut line).unwrap() > 0,
                "the import ended before writing"
            );
        }
        std::thread::sleep(Duration::from_millis(millis));
        let _ = child.kill();
        let _ = child.wait();
        let n = tracks_in(&db);
        assert!(
            n == 0 || n == import_rows as i64,
            "killed {millis} ms into writing: {n} of {import_rows} rows kept"
        );
        outcomes.push((millis, n));
    }
    let began = Instant::now();
    assert!(import_cmd(&db, &csv).status().unwrap().success());
    assert_eq!(tracks_in(&db), import_rows as i64);
    eprintln!(
        "import crash: kills (ms into writing, rows kept): {outcomes:?}; then a whole import \
         in {:?}",
        began.elapsed()
    );
}

/// `stint mcp` sent a burst of writes by a client that stops reading its output: the server
/// does not run ahead of the answers it has written. After a SIGKILL every committed write has
/// its answer in the pipe, except at most the one in flight.
#[test]
fn killed_mcp_server_has_answered_every_committed_write_but_one() {
    const SENT: u64 = 400;
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stdio.db");
    drop(Service::open(&db, Caller::local(Frontend::Cli)).unwrap());
    let mut child = stint(&["mcp"])
        .db(&db)
        .command()
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut burst = Vec::new();
    for id in 1..=SENT {
        let request = call_line(
            id as i64,
            "create_track",
            json!({
                "description": format!("burst {id} {}", "x".repeat(400)),
                "start": chrono::DateTime::from_timestamp(1_735_689_600 + id as i64 * 120, 0)
                    .unwrap()
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
                "duration": "1m",
            }),
        );
        burst.extend(request.into_bytes());
        burst.push(b'\n');
    }
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&burst);
        stdin
    });
    // Read a few answers, then stop reading while the server could go on.
    for _ in 0..5 {
        let mut line = String::new();
        assert!(stdout.read_line(&mut line).unwrap() > 0);
    }
    std::thread::sleep(Duration::from_millis(1500));
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = writer.join();
    // What the server wrote before it died is still in the pipe.
    let mut answered = 5u64;
    let mut line = String::new();
    while stdout.read_line(&mut line).unwrap_or(0) > 0 {
        if line.ends_with('\n') {
            let v: Value = serde_json::from_str(&line).unwrap();
            assert_eq!(v["result"]["isError"], json!(false), "{line}");
            answered += 1;
        }
        line.clear();
    }
    let committed = tracks_in(&db) as u64;
    assert!(
        committed >= answered && committed <= answered + 1,
        "{committed} writes committed, {answered} answers written (of {SENT} sent)"
    );
    assert!(
        answered < SENT,
        "the pipe should have filled up: {answered} answers"
    );
}
