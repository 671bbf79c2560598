//! `stint serve` writes its WAL out to disk ahead of the checkpoint (issue 20, item 5: HTTP
//! writes with a p99 under 20 ms): the checkpoint still comes where SQLite puts it, the
//! flushes are asked for as the WAL grows, and dropping the flusher gives the connections
//! SQLite's own automatic checkpoint back.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use stint::service::{Caller, FixedClock, Frontend, NewTrack, Service};
use stint::store;
use stint::store::checkpoint::{CHECKPOINT_PAGES, FLUSH_PAGES};

use super::util::{NOW, utc};

/// Pages in the WAL of `path` now, read by a plain connection of its own (`store::open`
/// would fold a grown WAL) while another one is open (so closing it checkpoints nothing):
/// a passive checkpoint answers the WAL's size (and copies it, so the next commit starts the
/// WAL over).
fn wal_pages(path: &std::path::Path) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0").unwrap();
    conn.query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |r| r.get(1))
        .unwrap()
}

/// One commit of about one page, `n` times.
fn write_pages(conn: &rusqlite::Connection, n: usize) {
    for _ in 0..n {
        conn.execute("INSERT INTO filler (x) VALUES (randomblob(3000))", [])
            .unwrap();
    }
}

#[test]
fn the_checkpoint_comes_where_sqlite_puts_it_after_the_flushes_it_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("flush.db");
    let mut conn = store::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE filler (x BLOB)").unwrap();
    let asked = Arc::new(AtomicU32::new(0));
    let count = Arc::clone(&asked);
    store::checkpoint::checkpoint_after_flushes(&mut conn, move || {
        count.fetch_add(1, Ordering::SeqCst);
    })
    .unwrap();

    // Up to just below the checkpoint: a flush asked for at each step of FLUSH_PAGES, no
    // checkpoint yet.
    write_pages(&conn, 300);
    let pages = wal_pages(&path);
    assert!(
        (300..i64::from(CHECKPOINT_PAGES)).contains(&pages),
        "{pages} pages"
    );
    let steps = u32::try_from(pages).unwrap() / FLUSH_PAGES;
    assert_eq!(asked.load(Ordering::SeqCst), steps, "at {pages} pages");

    // Past it: the commit that took the WAL past CHECKPOINT_PAGES checkpointed, and the WAL
    // started over (a WAL that is never checkpointed would hold every one of these commits).
    write_pages(&conn, 1500);
    let pages = wal_pages(&path);
    assert!(
        pages < i64::from(CHECKPOINT_PAGES),
        "{pages} pages after 1,800 commits"
    );
    assert!(asked.load(Ordering::SeqCst) > steps + 9);

    // Given back: SQLite's own automatic checkpoint, and no more asks.
    store::checkpoint::checkpoint_without_flushes(&mut conn).unwrap();
    let before = asked.load(Ordering::SeqCst);
    write_pages(&conn, 1500);
    assert!(wal_pages(&path) < i64::from(CHECKPOINT_PAGES));
    assert_eq!(asked.load(Ordering::SeqCst), before);
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM filler", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 3300);
}

#[test]
fn a_served_database_flushes_its_wal_as_tracks_are_written_and_keeps_every_one() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let clock = Arc::new(FixedClock::new(utc(NOW)));
    let svc = Service::with_pool(&path, Caller::local(Frontend::McpHttp), clock, 4).unwrap();
    let flusher = svc.flush_wal_in_background().unwrap();
    let track = |i: i64| NewTrack {
        start: "2026-10-01T09:00:00Z".into(),
        duration: Some("5m".into()),
        description: Some(format!("write {i}")),
        allow_duplicate: true,
        ..Default::default()
    };
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let svc = svc.clone();
            std::thread::spawn(move || {
                for i in 0..100 {
                    svc.create_track(track(t * 100 + i)).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    // The flushes run on their own thread: wait for the first (a bound for a hung thread,
    // not a speed limit).
    let waited = Instant::now();
    while flusher.flushes() == 0 && waited.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(10));
    }
    assert!(flusher.flushes() > 0, "400 writes and no flush of the WAL");
    drop(flusher);
    for i in 0..300 {
        svc.create_track(track(400 + i)).unwrap();
    }
    assert!(wal_pages(&path) < i64::from(CHECKPOINT_PAGES));
    let conn = store::open(&path).unwrap();
    let written: i64 = conn
        .query_row(
            "SELECT count(DISTINCT description) FROM tracks WHERE description LIKE 'write %'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(written, 700);
}
