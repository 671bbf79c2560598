//! Opening databases: migrations, a schema newer than the binary, a file that is not SQLite.

use stint::store;

#[test]
fn new_database_gets_the_current_schema() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested/dir/stint.db");
    let conn = store::open(&path).unwrap();
    assert_eq!(
        store::schema_version(&conn).unwrap(),
        store::supported_schema_version()
    );
    let mode: String = conn
        .query_row("PRAGMA journal_mode", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "wal");
    let fk: i64 = conn
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
        .unwrap();
    assert_eq!(fk, 1);
    drop(conn);
    // Opening again is a no-op.
    let conn = store::open(&path).unwrap();
    assert_eq!(
        store::schema_version(&conn).unwrap(),
        store::supported_schema_version()
    );
}

#[test]
fn newer_schema_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let conn = store::open(&path).unwrap();
    conn.execute(
        "INSERT INTO refinery_schema_history (version, name, applied_on, checksum) VALUES (999, 'future', '', '0')",
        [],
    )
    .unwrap();
    drop(conn);
    let err = store::open(&path).unwrap_err().to_string();
    assert!(
        err.contains("schema version 999") && err.contains("upgrade stint"),
        "{err}"
    );
}

#[test]
fn not_a_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(
        &path,
        "this is a text file, not SQLite, and it is long enough to matter".repeat(20),
    )
    .unwrap();
    let err = store::open(&path).unwrap_err().to_string();
    assert!(err.contains("not a stint database"), "{err}");
}

/// A short process (`stint start`) closes without a checkpoint: its commit stays in the WAL,
/// which the next process reads, and nothing is lost.
#[test]
fn closing_leaves_the_commit_in_the_wal_for_the_next_process() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    drop(store::open(&path).unwrap());
    let size = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.len()).unwrap_or(0);
    let wal = dir.path().join("stint.db-wal");
    let db_before = size(&path);
    let conn = store::open(&path).unwrap();
    conn.execute("CREATE TABLE probe (x INTEGER PRIMARY KEY)", [])
        .unwrap();
    conn.execute("INSERT INTO probe (x) VALUES (42)", [])
        .unwrap();
    drop(conn);
    assert!(size(&wal) > 0, "the WAL was checkpointed away on close");
    assert_eq!(
        size(&path),
        db_before,
        "the database file was written on close"
    );
    let conn = store::open(&path).unwrap();
    let x: i64 = conn
        .query_row("SELECT x FROM probe", [], |r| r.get(0))
        .unwrap();
    assert_eq!(x, 42);
}

/// Short processes one after another (each `stint start` opens, commits and exits) keep the
/// WAL small: it is folded into the database and truncated once it passes
/// `store::WAL_FOLD_BYTES`. Before, SQLite's automatic checkpoint copied the whole WAL again
/// after every commit without ever starting it over, and the file only grew (every later
/// process read all of it when it opened).
#[test]
fn the_wal_of_short_processes_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("stint.db");
    let wal = dir.path().join("stint.db-wal");
    store::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE scratch (x BLOB)")
        .unwrap();
    let mut largest = 0;
    for _ in 0..400 {
        // A connection of its own each time, as a process would have.
        let conn = store::open(&path).unwrap();
        conn.execute("INSERT INTO scratch (x) VALUES (zeroblob(16384))", [])
            .unwrap();
        drop(conn);
        largest = largest.max(std::fs::metadata(&wal).map_or(0, |m| m.len()));
    }
    assert!(
        largest <= store::WAL_FOLD_BYTES + 256 * 1024,
        "the WAL grew to {largest} bytes (folded past {} bytes)",
        store::WAL_FOLD_BYTES
    );
    let conn = store::open(&path).unwrap();
    let rows: i64 = conn
        .query_row("SELECT count(*) FROM scratch", [], |r| r.get(0))
        .unwrap();
    assert_eq!(rows, 400, "every commit is kept");
}
