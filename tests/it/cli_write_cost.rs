//! What a short CLI write pays besides its transaction (issue 20, item 5): statements compiled
//! once, a new database's WAL folded, clap's groups of subcommands built only when named, and
//! the help and errors of every subcommand unchanged by that.

use rusqlite::StatementStatus;

use stint::store;

use super::util::Stint;

/// A statement whose plan SQLite could tailor to a bound value (`LIMIT ?1`) used to be
/// compiled again after each binding: twice on its first use and again on every reuse from
/// the statement cache. `store::open` turns that off (`SQLITE_DBCONFIG_ENABLE_QPSG`), and
/// the answers stay the same.
#[test]
fn a_cached_statement_is_compiled_once_whatever_is_bound() {
    let dir = tempfile::tempdir().unwrap();
    let conn = store::open(&dir.path().join("plans.db")).unwrap();
    conn.execute_batch(
        "INSERT INTO settings (key, value, updated_at)
         VALUES ('test.a', '1', 0), ('test.b', '2', 0), ('test.c', '3', 0)",
    )
    .unwrap();
    let sql = "SELECT key FROM settings WHERE key LIKE 'test.%' ORDER BY key LIMIT ?1";
    let mut seen = Vec::new();
    for limit in [1, 3, 2] {
        let mut stmt = conn.prepare_cached(sql).unwrap();
        let keys: Vec<String> = stmt
            .query_map([limit], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        seen.push((keys, stmt.get_status(StatementStatus::RePrepare)));
    }
    let keys = |n: usize| -> Vec<String> {
        ["test.a", "test.b", "test.c"][..n]
            .iter()
            .map(|k| (*k).to_owned())
            .collect()
    };
    assert_eq!(seen, vec![(keys(1), 0), (keys(3), 0), (keys(2), 0)]);
}

/// Groups of subcommands (`task`, `invoice`, ...) are built only when named (`cli::lazy`):
/// their help and their subcommands' help still show the variant's own text and arguments
/// beside the global ones, as plain subcommands (`start`) do.
#[test]
fn help_of_lazily_built_subcommands_keeps_their_text_and_arguments() {
    let s = Stint::new();
    let start = s.ok(&["start", "--help"]);
    assert!(
        start.starts_with("Start a timer (stops the running one first)\n"),
        "{start}"
    );
    for arg in ["--project", "--tag", "--db", "--json", "--color"] {
        assert!(start.contains(arg), "{arg} missing: {start}");
    }
    let task = s.ok(&["task", "--help"]);
    assert!(
        task.contains("Usage: stint task [OPTIONS] <COMMAND>"),
        "{task}"
    );
    assert!(task.contains("\n  add "), "{task}");
    let add = s.ok(&["task", "add", "--help"]);
    assert!(add.contains("Usage: stint task add"), "{add}");
    assert!(add.contains("--project"), "{add}");
    // An unknown option of a lazily built subcommand is refused with its usage.
    let err = s.fails(&["stop", "--bogus"]);
    assert!(
        err.contains("unexpected argument '--bogus'") && err.contains("Usage: stint stop"),
        "{err}"
    );
    // The top-level list still names every subcommand with its line of help.
    let top = s.ok(&["--help"]);
    assert!(
        top.contains("start") && top.contains("Start a timer (stops the running one first)"),
        "{top}"
    );
}

/// Creating a database writes its whole schema to the WAL (750 KB); each later process read
/// and checksummed all of it when it opened, until it grew past the fold threshold. `open`
/// now folds it right after migrating: the database holds the schema, the WAL is empty.
#[test]
fn a_new_database_leaves_an_empty_wal() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    let conn = store::open(&path).unwrap();
    let wal = |p: &std::path::Path| {
        let mut w = p.as_os_str().to_owned();
        w.push("-wal");
        std::fs::metadata(w).map(|m| m.len()).ok()
    };
    assert_eq!(wal(&path), Some(0));
    let tables: i64 = conn
        .query_row(
            "SELECT count(*) FROM sqlite_master WHERE name IN ('tracks', 'change_log')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(tables, 2);
    drop(conn);
    // Opening it again finds the current schema and leaves the WAL as it is.
    let conn = store::open(&path).unwrap();
    assert_eq!(
        store::schema_version(&conn).unwrap(),
        store::supported_schema_version()
    );
    assert_eq!(wal(&path), Some(0));
}
