//! `stint import csv`: created projects, clients and tags; recognised re-imports (also of keys
//! stored by earlier builds); a bad row keeps nothing; the CLI's summary line.

use stint::service::{ImportSummary, NoProgress};

use crate::it::util::Env;

const FILE: &str = "\
start,end,project,client,tags,description,billable
2026-11-02T09:00:00Z,2026-11-02T10:30:00Z,Website,Acme,dev;review,\"Header, footer\",yes
2026-11-02 13:00,2026-11-02 14:00,Website,Acme,dev,Forms,
2026-11-03T08:00:00Z,2026-11-03T08:45:00Z,Internal,,meeting,Weekly,no
2026-11-04T08:00:00Z,2026-11-04T09:00:00Z,,,,Loose end,
";

fn import(env: &Env, text: &str) -> stint::service::Result<ImportSummary> {
    env.svc.import_csv(text.as_bytes(), &NoProgress)
}

#[test]
fn import_creates_what_is_missing_and_a_second_import_adds_nothing() {
    let env = Env::new();
    let first = import(&env, FILE).unwrap();
    assert_eq!(
        first,
        ImportSummary {
            rows: 4,
            imported: 4,
            skipped: 0,
            created_projects: 2,
            created_clients: 1,
            created_tags: 3,
            ..ImportSummary::default()
        }
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 4);
    assert_eq!(env.count("SELECT count(*) FROM track_tags"), 4);
    assert_eq!(
        env.count(
            "SELECT count(*) FROM projects p JOIN clients c ON c.id = p.client_id
              WHERE p.name = 'Website' AND c.name = 'Acme'"
        ),
        1
    );
    // A local date-time is read in the configured zone (Europe/Berlin, UTC+1 in November).
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tracks WHERE description = 'Forms'
               AND start_at = unixepoch('2026-11-02T12:00:00Z')"
        ),
        1
    );
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tracks WHERE description = 'Header, footer' AND billable = 1"
        ),
        1
    );
    // Keys start with the start instant, so a file in time order appends to their index.
    assert_eq!(
        env.count("SELECT count(*) FROM tracks WHERE import_key LIKE printf('%016x-%%', start_at)"),
        4
    );

    let before = env.snapshot();
    let again = import(&env, FILE).unwrap();
    assert_eq!((again.rows, again.imported, again.skipped), (4, 0, 4));
    assert_eq!(
        (
            again.created_projects,
            again.created_clients,
            again.created_tags
        ),
        (0, 0, 0)
    );
    let after = env.snapshot();
    assert_eq!(
        before
            .iter()
            .filter(|(t, _)| t != "audit_log")
            .collect::<Vec<_>>(),
        after
            .iter()
            .filter(|(t, _)| t != "audit_log")
            .collect::<Vec<_>>()
    );
}

#[test]
fn keys_stored_by_earlier_builds_are_still_recognised() {
    let env = Env::new();
    import(&env, FILE).unwrap();
    // Earlier builds stored the hash alone, without the start in front.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let changed = conn
        .execute(
            "UPDATE tracks SET import_key = substr(import_key, instr(import_key, '-') + 1)",
            [],
        )
        .unwrap();
    assert_eq!(changed, 4);
    drop(conn);
    assert_eq!(
        env.count("SELECT count(*) FROM tracks WHERE length(import_key) = 32"),
        4
    );

    let again = import(&env, FILE).unwrap();
    assert_eq!((again.imported, again.skipped), (0, 4));
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 4);

    // A changed row is new work, whatever form the stored keys have.
    let changed_row = FILE.replace("Weekly", "Weekly sync");
    let third = import(&env, &changed_row).unwrap();
    assert_eq!((third.imported, third.skipped), (1, 3));
}

#[test]
fn a_bad_row_stops_the_import_with_its_line_and_keeps_nothing() {
    let env = Env::new();
    let before = env.snapshot();
    let bad = format!("{FILE}2026-11-05T10:00:00Z,2026-11-05T09:00:00Z,Website,Acme,,Backwards,\n");
    let err = import(&env, &bad).unwrap_err().to_string();
    assert!(err.contains("line 6"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(
        env.snapshot(),
        before,
        "no project, client, tag or track kept"
    );

    let err = import(&env, "when,description\n2026-11-05,x\n")
        .unwrap_err()
        .to_string();
    assert!(err.contains("start and an end column"), "{err}");
}

#[test]
fn gen_py_canonical_columns_are_understood() {
    let env = Env::new();
    let canonical = "\
id,project,tag,start_utc,end_utc,note
1,proj04,dev,2024-11-01T00:00:00+00:00,2024-11-01T01:01:00+00:00,task 0
2,proj08,meeting,2024-11-01T01:42:00+00:00,2024-11-01T02:55:00+00:00,task 1
";
    let s = import(&env, canonical).unwrap();
    assert_eq!((s.imported, s.created_projects, s.created_tags), (2, 2, 2));
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tracks WHERE description = 'task 1' AND end_at - start_at = 4380"
        ),
        1
    );
}

#[test]
fn cli_import_prints_a_summary() {
    let env = Env::new();
    let file = env.dir.path().join("tracks.csv");
    std::fs::write(&file, FILE).unwrap();
    let stdout = super::util::stint(&["import", "csv"])
        .db(env.db_path())
        .arg(&file)
        .ok()
        .stdout;
    assert!(
        stdout.contains("Imported 4 tracks from 4 rows (0 already present, skipped)")
            && stdout.contains("created 2 projects, 1 clients, 3 tags"),
        "{stdout}"
    );
}

/// A tracks CSV exported by stint, with text cells defused against spreadsheet formulas
/// (`'=...`), imports back to the original text: descriptions, projects, clients and tags.
#[test]
fn exported_formula_like_text_imports_back_unchanged() {
    use stint::service::{ListTracks, NewClient, NewProject, NewTrack};
    let from = Env::new();
    from.svc
        .create_client(NewClient {
            name: "@Acme".into(),
            ..Default::default()
        })
        .unwrap();
    from.svc
        .create_project(NewProject {
            name: "-Site".into(),
            client: Some("@Acme".into()),
            ..Default::default()
        })
        .unwrap();
    from.svc.create_tag("=tag").unwrap();
    let descriptions = [
        "=HYPERLINK(\"http://evil\",\"x\")",
        "+1",
        "-2+3",
        "'=already quoted",
        "'plain quote",
        "normal",
    ];
    for (i, d) in descriptions.iter().enumerate() {
        from.svc
            .create_track(NewTrack {
                description: Some((*d).into()),
                project: Some("-Site".into()),
                tags: vec!["=tag".into()],
                start: format!("2026-11-0{}T09:00:00Z", i + 1),
                duration: Some("1h".into()),
                ..Default::default()
            })
            .unwrap();
    }
    let tracks = from.svc.list_tracks(ListTracks::default()).unwrap().items;
    let rounding = from.svc.get_settings().unwrap().settings.rounding;
    let text = stint::service::tracks_csv(&tracks, rounding, from.svc.now());
    assert!(text.contains("'=HYPERLINK"), "{text}");

    let to = Env::new();
    let summary = import(&to, &text).unwrap();
    assert_eq!(summary.imported, descriptions.len());
    let back = to.svc.list_tracks(ListTracks::default()).unwrap().items;
    let mut got: Vec<&str> = back.iter().map(|t| t.description.as_str()).collect();
    let mut want = descriptions.to_vec();
    got.sort();
    want.sort();
    assert_eq!(got, want);
    for t in &back {
        assert_eq!(t.project_name.as_deref(), Some("-Site"));
        assert_eq!(t.client_name.as_deref(), Some("@Acme"));
        let tags: Vec<&str> = t.tags.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(tags, ["=tag"]);
    }
}

/// A small import is one change of the change log that can be undone; one of more than
/// `BULK_IMPORT_ROWS` rows is one change without a changeset (its changeset would pass the
/// log's size limit), said so in its summary, and is all there; a database that syncs writes
/// it in parts that are each a change.
#[test]
fn imports_are_one_change_and_large_ones_are_kept_without_a_changeset() {
    let env = Env::new();
    import(&env, FILE).unwrap();
    assert_eq!(
        env.count("SELECT count(*) FROM change_log WHERE operation = 'import_csv' AND changeset IS NOT NULL"),
        1
    );
    let undone = env.svc.undo_change(None).unwrap();
    assert_eq!(undone.reverted.operation, "import_csv");
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);

    // The real thresholds (50,001 rows, parts of BATCH_ROWS) with the slow switch
    // (`STINT_SLOW_TESTS=1`, as `.ci/run` runs it); plain `cargo test` lowers them to 5,000
    // and 1,000 and imports 5,001 rows.
    let (bulk, part) = if crate::it::util::slow() {
        (stint::service::BULK_IMPORT_ROWS, stint::service::BATCH_ROWS)
    } else {
        (5_000, 1_000)
    };
    let rows = bulk + 1;
    let mut big = String::from("start,end,project,client,tags,description,billable\n");
    let start = chrono::DateTime::parse_from_rfc3339("2010-01-01T00:00:00Z").unwrap();
    for i in 0..rows {
        let s = start + chrono::Duration::minutes(30 * i as i64);
        let e = s + chrono::Duration::minutes(20);
        big.push_str(&format!(
            "{},{},P{},,,row {i},yes\n",
            s.to_rfc3339(),
            e.to_rfc3339(),
            i % 3
        ));
    }
    // A database that syncs writes it in parts of BATCH_ROWS rows, each a change with its
    // changeset, so it reaches the other devices (tests/it/sync_bulk.rs).
    let synced = Env::new();
    synced.svc.set_import_parts(bulk, part);
    env.svc.set_import_parts(bulk, part);
    let folder = tempfile::tempdir().unwrap();
    synced.svc.sync_folder(folder.path()).unwrap();
    assert_eq!(import(&synced, &big).unwrap().imported, rows);
    assert_eq!(synced.count("SELECT count(*) FROM tracks"), rows as i64);
    assert_eq!(
        synced.count(
            "SELECT count(*) FROM change_log WHERE operation = 'import_csv' \
              AND changeset IS NOT NULL AND summary LIKE '%part % of a large import%'"
        ),
        rows.div_ceil(part) as i64
    );
    let summary = import(&env, &big).unwrap();
    assert_eq!(summary.imported, rows);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), rows as i64);
    assert_eq!(
        env.count(&format!(
            "SELECT count(*) FROM change_log WHERE operation = 'import_csv' AND changeset IS NULL \
              AND summary LIKE '%imported {rows} rows%cannot be undone%'"
        )),
        1
    );
}
