//! The session-extension binding (crates/stint-sqlite-session) on its own: what a session
//! records through its table filter, every row copied out whole, inverting and applying, each
//! kind of conflict reaching the handler, and damaged input giving an error, not a crash.
//! The change log, undo and sync tests (changes, sync*, crash) exercise it through the store.

use rusqlite::Connection;
use rusqlite::types::Value;
use stint_sqlite_session::{
    ChangesetItem, ChangesetIter, ConflictAction, ConflictType, Op, Session, apply, invert,
};

fn db() -> Connection {
    let conn = Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "PRAGMA foreign_keys = ON;
         CREATE TABLE clients (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, logo BLOB);
         CREATE TABLE tracks (id INTEGER PRIMARY KEY, client_id INTEGER REFERENCES clients(id),
                              hours REAL, note TEXT);
         CREATE TABLE scratch (id INTEGER PRIMARY KEY, x TEXT);
         INSERT INTO clients VALUES (1, 'Acme', NULL);
         INSERT INTO tracks VALUES (10, 1, 1.5, 'old note');",
    )
    .unwrap();
    conn
}

fn not_scratch(table: &str) -> bool {
    table != "scratch"
}

/// Records `sql` run on `conn` with a session on every table but `scratch`.
fn record(conn: &Connection, sql: &str) -> Vec<u8> {
    let mut session = Session::new(conn).unwrap();
    session.table_filter(not_scratch);
    session.attach(None).unwrap();
    assert!(session.is_empty());
    conn.execute_batch(sql).unwrap();
    assert!(!session.is_empty());
    let changeset = session.changeset().unwrap();
    let mut streamed = Vec::new();
    session.changeset_strm(&mut streamed).unwrap();
    assert_eq!(streamed, changeset);
    changeset
}

fn items(changeset: &[u8]) -> Vec<ChangesetItem> {
    ChangesetIter::new(changeset)
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A row of `tracks`: id, client_id, hours, note.
type TrackRow = (i64, Option<i64>, Option<f64>, Option<String>);

fn rows(conn: &Connection) -> Vec<TrackRow> {
    conn.prepare("SELECT id, client_id, hours, note FROM tracks ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

#[test]
fn a_session_records_inserts_updates_and_deletes_through_its_filter() {
    let conn = db();
    let changeset = record(
        &conn,
        "INSERT INTO clients VALUES (2, 'Büro Nord', x'00ff10');
         UPDATE tracks SET note = 'new note' WHERE id = 10;
         INSERT INTO tracks VALUES (11, 2, 0.25, NULL);
         DELETE FROM tracks WHERE id = 11;
         INSERT INTO tracks VALUES (12, NULL, 2.0, '東京');
         INSERT INTO scratch VALUES (1, 'not recorded');",
    );
    let t = |s: &str| Some(Value::Text(s.into()));
    let i = |n: i64| Some(Value::Integer(n));
    // A row inserted and deleted in the same session leaves nothing; `scratch` is filtered.
    assert_eq!(
        items(&changeset),
        [
            ChangesetItem {
                table: "clients".into(),
                op: Op::Insert,
                indirect: false,
                pk: vec![true, false, false],
                old: vec![None, None, None],
                new: vec![i(2), t("Büro Nord"), Some(Value::Blob(vec![0, 255, 16]))],
            },
            ChangesetItem {
                table: "tracks".into(),
                op: Op::Update,
                indirect: false,
                pk: vec![true, false, false, false],
                old: vec![i(10), None, None, t("old note")],
                new: vec![None, None, None, t("new note")],
            },
            ChangesetItem {
                table: "tracks".into(),
                op: Op::Insert,
                indirect: false,
                pk: vec![true, false, false, false],
                old: vec![None, None, None, None],
                new: vec![i(12), Some(Value::Null), Some(Value::Real(2.0)), t("東京")],
            },
        ]
    );
}

#[test]
fn an_inverted_changeset_applied_restores_the_rows() {
    let conn = db();
    let before = rows(&conn);
    let changeset = record(
        &conn,
        "UPDATE tracks SET hours = 3.0 WHERE id = 10; INSERT INTO tracks VALUES (11, 1, 1.0, 'x');",
    );
    assert_eq!(rows(&conn).len(), 2);
    let inverse = invert(&changeset).unwrap();
    // (SQLite orders a changeset's rows by its own hash of their keys.)
    let mut kinds: Vec<(Option<Value>, Op)> = items(&inverse)
        .iter()
        .map(|i| (i.old_value(0).cloned(), i.op))
        .collect();
    kinds.sort_by_key(|(id, _)| format!("{id:?}"));
    assert_eq!(
        kinds,
        [
            (Some(Value::Integer(10)), Op::Update),
            (Some(Value::Integer(11)), Op::Delete)
        ]
    );
    let mut calls = 0;
    apply(&conn, &inverse, |_, _| {
        calls += 1;
        ConflictAction::Abort
    })
    .unwrap();
    assert_eq!(calls, 0);
    assert_eq!(rows(&conn), before);
    // Inverting twice gives the original back; the streaming form writes the same bytes.
    assert_eq!(invert(&inverse).unwrap(), changeset);
    let mut streamed = Vec::new();
    stint_sqlite_session::invert_strm(&mut &changeset[..], &mut streamed).unwrap();
    assert_eq!(streamed, inverse);
}

#[test]
fn conflicts_reach_the_handler_with_the_row_and_abort_applies_nothing() {
    let conn = db();
    let changeset = record(
        &conn,
        "UPDATE tracks SET note = 'edited' WHERE id = 10; INSERT INTO tracks VALUES (11, 1, 1.0, 'x');",
    );
    let inverse = invert(&changeset).unwrap();
    // Someone edits track 10 again: undoing the first edit meets DATA.
    conn.execute("UPDATE tracks SET note = 'edited again' WHERE id = 10", [])
        .unwrap();
    let after = rows(&conn);
    let mut seen = Vec::new();
    let err = apply(&conn, &inverse, |kind, item| {
        seen.push((
            kind,
            item.map(|i| (i.table.clone(), i.op, i.old_value(0).cloned())),
        ));
        ConflictAction::Abort
    })
    .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::OperationAborted)
    );
    assert_eq!(
        seen,
        [(
            ConflictType::Data,
            Some(("tracks".to_owned(), Op::Update, Some(Value::Integer(10))))
        )]
    );
    assert_eq!(rows(&conn), after, "an aborted apply changes nothing");
    // OMIT skips the clashing row and applies the rest (the delete of track 11).
    apply(&conn, &inverse, |kind, _| {
        assert_eq!(kind, ConflictType::Data);
        ConflictAction::Omit
    })
    .unwrap();
    assert_eq!(
        rows(&conn),
        [(10, Some(1), Some(1.5), Some("edited again".to_owned()))]
    );
    // Deleting a row that is gone: NOTFOUND.
    let mut kinds = Vec::new();
    apply(&conn, &inverse, |kind, _| {
        kinds.push(kind);
        ConflictAction::Omit
    })
    .unwrap();
    kinds.sort_by_key(|k| format!("{k:?}"));
    assert_eq!(kinds, [ConflictType::Data, ConflictType::NotFound]);
}

#[test]
fn a_foreign_key_conflict_comes_without_a_row_and_a_panicking_handler_aborts() {
    let conn = db();
    let changeset = record(&conn, "INSERT INTO clients VALUES (2, 'Beta', NULL);");
    conn.execute("INSERT INTO tracks VALUES (11, 2, 1.0, 'on Beta')", [])
        .unwrap();
    // Undoing the insert of client 2 would orphan track 11. (An abort at a FOREIGN_KEY
    // conflict returns SQLITE_CONSTRAINT, not SQLITE_ABORT.)
    let inverse = invert(&changeset).unwrap();
    let mut seen = Vec::new();
    let err = apply(&conn, &inverse, |kind, item| {
        seen.push((kind, item.is_some()));
        ConflictAction::Abort
    })
    .unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation)
    );
    assert_eq!(seen, [(ConflictType::ForeignKey, false)]);
    let clients: i64 = conn
        .query_row("SELECT count(*) FROM clients", [], |r| r.get(0))
        .unwrap();
    assert_eq!(clients, 2);
    // A handler that panics aborts the apply instead of unwinding through SQLite.
    let err = apply(&conn, &inverse, |_, _| panic!("handler bug")).unwrap_err();
    assert_eq!(
        err.sqlite_error_code(),
        Some(rusqlite::ErrorCode::ConstraintViolation)
    );
    assert_eq!(
        conn.query_row("SELECT count(*) FROM clients", [], |r| r.get::<_, i64>(0))
            .unwrap(),
        2
    );
}

#[test]
fn damaged_changesets_are_errors_not_crashes() {
    let conn = db();
    let changeset = record(
        &conn,
        "INSERT INTO clients VALUES (2, 'Beta', x'0102'); UPDATE tracks SET note = 'n' WHERE id = 10;",
    );
    // Every truncation, and every single-byte corruption, reads as rows or an error.
    for cut in 0..changeset.len() {
        let part = &changeset[..cut];
        let read: Vec<_> = ChangesetIter::new(part)
            .map(|i| i.collect::<Vec<_>>())
            .unwrap_or_default();
        assert!(read.len() <= 2, "cut at {cut}");
        let _ = invert(part);
    }
    for at in 0..changeset.len() {
        let mut bad = changeset.clone();
        bad[at] ^= 0xA5;
        if let Ok(iter) = ChangesetIter::new(&bad) {
            assert!(iter.take(10).count() <= 10);
        }
        let _ = invert(&bad);
    }
    // A truncated changeset as a whole is refused when applied.
    let cut = &changeset[..changeset.len() - 3];
    assert!(apply(&conn, cut, |_, _| ConflictAction::Abort).is_err());
    assert!(ChangesetIter::new(cut).unwrap().any(|r| r.is_err()));
}

/// The `[dependencies]` names of the manifest at `path` (relative to the repository).
fn dependencies(path: &str) -> Vec<String> {
    let text = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap();
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
        } else if in_deps && !line.is_empty() && !line.starts_with('#') {
            out.push(line.split(['=', '.']).next().unwrap().trim().to_owned());
        }
    }
    out
}

/// The binding (the only unsafe code) stays small and below the store: it depends on rusqlite
/// alone, and only stint-store uses it (the tests too, as a dev-dependency).
#[test]
fn only_the_store_uses_the_binding_and_it_uses_only_rusqlite() {
    assert_eq!(
        dependencies("crates/stint-sqlite-session/Cargo.toml"),
        ["rusqlite"]
    );
    let mut users = Vec::new();
    let crates = std::fs::read_dir(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("crates"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .map(|name| format!("crates/{name}/Cargo.toml"));
    for manifest in crates.chain(["Cargo.toml".to_owned()]) {
        if dependencies(&manifest)
            .iter()
            .any(|d| d == "stint-sqlite-session")
        {
            users.push(manifest);
        }
    }
    assert_eq!(users, ["crates/stint-store/Cargo.toml"]);
}

/// Building stint needs no libclang: nothing in the dependency graph generates bindings at
/// build time (rusqlite's `session` or `preupdate_hook` feature would bring bindgen back).
#[test]
fn no_dependency_needs_libclang() {
    let lock = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.lock"),
    )
    .unwrap();
    let packages: Vec<&str> = lock
        .lines()
        .filter_map(|l| l.strip_prefix("name = \""))
        .map(|l| l.trim_end_matches('"'))
        .collect();
    assert!(packages.contains(&"libsqlite3-sys"), "{packages:?}");
    let needing_clang: Vec<&&str> = packages
        .iter()
        .filter(|p| ["bindgen", "clang-sys"].contains(p))
        .collect();
    assert!(
        needing_clang.is_empty(),
        "{needing_clang:?} in Cargo.lock: the build would need libclang (see .cargo/config.toml)"
    );
}
