//! `stint import FILE` for every format, on the files in fixtures/import/ (see its README for
//! where each column set comes from) and on exports made with the real Timewarrior and Watson
//! (checked in under fixtures/import/live/; `.ci/run` makes them afresh, see [`live_exports`]);
//! `stint db export --json` read back identically; `stint tracks --json` and `--ics`.
//!
//! Each importer test checks what was created, that a second import of the same file adds
//! nothing, and that a dry run reports the same counts and writes nothing.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use rusqlite::types::Value;
use stint::service::{ImportFormat, ImportOptions, ImportReport, ImportSummary, NoProgress};

use crate::it::util::{Cmd, Env, utc};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn import(env: &Env, path: &Path, dry_run: bool) -> ImportReport {
    env.svc
        .import_path(
            path,
            &ImportOptions {
                dry_run,
                ..ImportOptions::default()
            },
            &NoProgress,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Every row of every table a user owns, as text, to compare databases.
fn tables(env: &Env, skip: &[&str]) -> Vec<(String, Vec<Vec<String>>)> {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let names: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .filter(|n: &String| !skip.contains(&n.as_str()) && stint::store::changes::is_recorded(n))
        .collect();
    names
        .into_iter()
        .map(|t| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| {
                    Ok((0..n)
                        .map(|i| format!("{:?}", r.get::<_, Value>(i).unwrap()))
                        .collect::<Vec<_>>())
                })
                .unwrap()
                .map(Result::unwrap)
                .collect();
            (t, rows)
        })
        .collect()
}

/// Imports `file` into a fresh database: a dry run first (same counts, nothing written),
/// then the import, then again (nothing added). Returns the env and the first summary.
fn import_three_ways(file: &Path, format: ImportFormat) -> (Env, ImportSummary) {
    let env = Env::new();
    let before = tables(&env, &[]);
    let changes = env.count("SELECT count(*) FROM change_log");
    let dry = import(&env, file, true);
    assert!(dry.dry_run);
    assert_eq!(dry.format, format, "detected format of {}", file.display());
    assert_eq!(tables(&env, &[]), before, "a dry run writes nothing");
    assert_eq!(env.count("SELECT count(*) FROM change_log"), changes);
    assert!(!dry.preview.is_empty());
    let first = import(&env, file, false);
    assert_eq!(first.format, format);
    assert_eq!(
        first.summary, dry.summary,
        "the dry run counted what the import did"
    );
    assert!(first.summary.imported > 0);
    let tracks = env.count("SELECT count(*) FROM tracks");
    assert_eq!(tracks as usize, first.summary.imported);
    let again = import(&env, file, false);
    assert_eq!(again.summary.imported, 0, "a re-import adds nothing");
    assert_eq!(again.summary.skipped, first.summary.imported);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), tracks);
    (env, first.summary)
}

/// One track by description: (start, end UTC seconds, project, client, tags, billable,
/// track rate).
fn track(env: &Env, description: &str) -> (i64, i64, String, String, String, i64, String) {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.query_row(
        "SELECT t.start_at, t.end_at, ifnull(p.name, ''), ifnull(c.name, ''),
                ifnull((SELECT group_concat(g.name, ',') FROM (SELECT g.name FROM track_tags x
                        JOIN tags g ON g.id = x.tag_id WHERE x.track_id = t.id ORDER BY g.name) g), ''),
                t.billable, ifnull(t.hourly_rate, '')
           FROM tracks t LEFT JOIN projects p ON p.id = t.project_id
                LEFT JOIN clients c ON c.id = p.client_id
          WHERE t.description = ?1",
        [description],
        |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        },
    )
    .unwrap_or_else(|e| panic!("track {description:?}: {e}"))
}

fn project_rate(env: &Env, name: &str) -> (String, String) {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.query_row(
        "SELECT ifnull(hourly_rate, ''), ifnull(currency, '') FROM projects WHERE name = ?1",
        [name],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn ts(s: &str) -> i64 {
    utc(s).timestamp()
}

#[test]
fn toggl_detailed_report() {
    let (env, s) = import_three_ways(&fixture("toggl-detailed.csv"), ImportFormat::Toggl);
    assert_eq!(
        s,
        ImportSummary {
            rows: 6,
            imported: 5,
            created_projects: 2,
            created_clients: 1,
            created_tags: 3,
            created_tasks: 1,
            tasks: 1,
            empty: 1,
            ..ImportSummary::default()
        }
    );
    // Naive times in the configured zone (Berlin, +01:00 in March).
    let hero = track(&env, "Hero section");
    assert_eq!(
        hero,
        (
            ts("2024-03-25T08:00:00Z"),
            ts("2024-03-25T09:30:00Z"),
            "Website".into(),
            "Acme".into(),
            "client call,design".into(),
            1,
            String::new()
        )
    );
    // The project takes the first rate (135 EUR over 1.5 h); a differing rate stays on its track.
    assert_eq!(project_rate(&env, "Website"), ("90".into(), "EUR".into()));
    assert_eq!(track(&env, "Footer, legal links").6, "120");
    assert_eq!(track(&env, "Deploy").1 - track(&env, "Deploy").0, 45 * 60);
    let reading = track(&env, "Reading");
    assert_eq!((reading.2.as_str(), reading.5), ("", 0));
    assert_eq!(track(&env, "Weekly planning").5, 0, "Billable No is kept");
    // The Task column becomes a task of the row's project, on its tracks.
    assert_eq!(
        env.count(
            "SELECT count(*) FROM tracks t JOIN tasks k ON k.id = t.task_id \
              AND k.project_id = t.project_id"
        ),
        env.count("SELECT count(*) FROM tracks WHERE task_id IS NOT NULL")
    );
    assert!(env.count("SELECT count(*) FROM tracks WHERE task_id IS NOT NULL") > 0);
}

#[test]
fn clockify_detailed_report() {
    let (env, s) = import_three_ways(&fixture("clockify-detailed.csv"), ImportFormat::Clockify);
    assert_eq!(
        s,
        ImportSummary {
            rows: 4,
            imported: 4,
            created_projects: 2,
            created_clients: 1,
            created_tags: 2,
            created_tasks: 1,
            tasks: 1,
            ..ImportSummary::default()
        }
    );
    let login = track(&env, "Login screen");
    assert_eq!(
        (login.0, login.1, login.4.as_str()),
        (
            ts("2024-03-25T08:00:00Z"),
            ts("2024-03-25T10:15:30Z"),
            "Backend,Review"
        )
    );
    // 01:00 PM; month-first dates.
    assert_eq!(
        track(&env, "Push notifications").0,
        ts("2024-03-26T12:00:00Z")
    );
    assert_eq!(track(&env, "Timesheets").0, ts("2024-03-04T15:00:00Z"));
    assert_eq!(
        project_rate(&env, "Mobile app"),
        ("120".into(), "USD".into())
    );
    assert_eq!(track(&env, "Push notifications").6, "150");
    assert_eq!(track(&env, "Call with the client").5, 0);
}

#[test]
fn harvest_time_report_lays_out_each_day_from_nine() {
    let (env, s) = import_three_ways(&fixture("harvest-time-report.csv"), ImportFormat::Harvest);
    assert_eq!(
        s,
        ImportSummary {
            rows: 4,
            imported: 4,
            created_projects: 2,
            created_clients: 1,
            created_tasks: 3,
            tasks: 3,
            ..ImportSummary::default()
        }
    );
    let cover = track(&env, "Cover sheet layout");
    assert_eq!(
        (cover.0, cover.1),
        (ts("2024-03-25T08:00:00Z"), ts("2024-03-25T10:30:00Z")),
        "09:00 Berlin, 2,5 hours"
    );
    let review = track(&env, "Review with Bill");
    assert_eq!(
        (review.0, review.1),
        (ts("2024-03-25T10:30:00Z"), ts("2024-03-25T11:15:00Z"))
    );
    assert_eq!(
        project_rate(&env, "TPS reports"),
        ("100".into(), "EUR".into())
    );
    assert_eq!(track(&env, "Export, second try").6, "120");
    assert_eq!(track(&env, "Expenses").5, 0, "Billable? No");
}

#[test]
fn timewarrior_export_and_its_data_folder_import_once() {
    let (env, s) = import_three_ways(
        &fixture("timewarrior-export.json"),
        ImportFormat::Timewarrior,
    );
    assert_eq!(
        s,
        ImportSummary {
            rows: 5,
            imported: 4,
            created_tags: 4,
            running: 1,
            ..ImportSummary::default()
        }
    );
    let standup = track(&env, "Standup: \"sprint\" planning");
    assert_eq!(
        (standup.0, standup.4.as_str()),
        (ts("2024-03-25T09:15:00Z"), "meeting")
    );
    // The same intervals from the data folder are recognised.
    let folder = import(&env, &fixture("timewarrior-data"), false);
    assert_eq!(folder.format, ImportFormat::Timewarrior);
    assert_eq!((folder.summary.imported, folder.summary.skipped), (0, 4));
    // And the data folder alone imports the same tracks.
    let (other, s2) = import_three_ways(&fixture("timewarrior-data"), ImportFormat::Timewarrior);
    assert_eq!(s2, s);
    assert_eq!(
        tables(&other, &["settings"]).len(),
        tables(&env, &["settings"]).len()
    );
}

#[test]
fn watson_frames_and_log_json_import_once() {
    let (env, s) = import_three_ways(&fixture("watson-frames"), ImportFormat::Watson);
    assert_eq!(
        s,
        ImportSummary {
            rows: 3,
            imported: 3,
            created_projects: 2,
            created_tags: 3,
            ..ImportSummary::default()
        }
    );
    assert_eq!(
        env.count("SELECT count(*) FROM tracks WHERE project_id IS NULL"),
        0
    );
    let log = import(&env, &fixture("watson-log.json"), false);
    assert_eq!(log.format, ImportFormat::Watson);
    assert_eq!((log.summary.imported, log.summary.skipped), (0, 3));
    let (_, s2) = import_three_ways(&fixture("watson-log.json"), ImportFormat::Watson);
    assert_eq!(s2, s);
}

#[test]
fn formats_are_detected_and_can_be_forced() {
    for (file, format) in [
        ("toggl-detailed.csv", ImportFormat::Toggl),
        ("clockify-detailed.csv", ImportFormat::Clockify),
        ("harvest-time-report.csv", ImportFormat::Harvest),
        ("timewarrior-export.json", ImportFormat::Timewarrior),
        ("timewarrior-data/2024-03.data", ImportFormat::Timewarrior),
        ("watson-frames", ImportFormat::Watson),
        ("watson-log.json", ImportFormat::Watson),
    ] {
        let head = std::fs::read(fixture(file)).unwrap();
        let name = Path::new(file).file_name().and_then(|n| n.to_str());
        assert_eq!(stint::service::detect(&head, name), Some(format), "{file}");
    }
    assert_eq!(
        stint::service::detect(b"start,end,project\n", None),
        Some(ImportFormat::Stint)
    );
    assert_eq!(stint::service::detect(b"hello\n", Some("notes.txt")), None);
    // Forcing a format that does not fit says what is missing, and writes nothing.
    let env = Env::new();
    let err = env
        .svc
        .import_path(
            &fixture("harvest-time-report.csv"),
            &ImportOptions {
                format: Some(ImportFormat::Toggl),
                ..ImportOptions::default()
            },
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("not a Toggl Track detailed report"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    assert!(
        ImportFormat::parse("kimai")
            .unwrap_err()
            .to_string()
            .contains("toggl")
    );
}

#[test]
fn timezone_option_reads_naive_times_in_another_zone() {
    let env = Env::new();
    let r = env
        .svc
        .import_path(
            &fixture("toggl-detailed.csv"),
            &ImportOptions {
                timezone: Some("America/New_York".into()),
                ..ImportOptions::default()
            },
            &NoProgress,
        )
        .unwrap();
    assert_eq!(r.timezone, "America/New_York");
    // 09:00 EDT (-04:00 after 10 March 2024).
    assert_eq!(track(&env, "Hero section").0, ts("2024-03-25T13:00:00Z"));
    let tz: String = rusqlite::Connection::open(env.db_path())
        .unwrap()
        .query_row("SELECT DISTINCT timezone FROM tracks", [], |r| r.get(0))
        .unwrap();
    assert_eq!(tz, "America/New_York");
    let bad = env.svc.import_path(
        &fixture("toggl-detailed.csv"),
        &ImportOptions {
            timezone: Some("Mars/Olympus".into()),
            ..ImportOptions::default()
        },
        &NoProgress,
    );
    assert!(bad.is_err());
}

#[test]
fn a_bad_row_in_any_format_keeps_nothing() {
    let env = Env::new();
    let dir = env.dir.path();
    let toggl = std::fs::read_to_string(fixture("toggl-detailed.csv")).unwrap();
    let broken = toggl.replace("2024-03-27,08:00:00", "2024-03-27,8 o'clock");
    let path = dir.join("broken.csv");
    std::fs::write(&path, broken).unwrap();
    let err = env
        .svc
        .import_path(&path, &ImportOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 5") && err.contains("nothing was imported"),
        "{err}"
    );
    let frames = dir.join("frames");
    std::fs::write(&frames, "[[1711355400, 1711359900, \"x\"]]").unwrap();
    let err = env
        .svc
        .import_path(&frames, &ImportOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(err.contains("has no id"), "{err}");
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    assert_eq!(env.count("SELECT count(*) FROM projects"), 0);
}

/// `stint` on `env`'s database.
fn stint(env: &Env) -> Cmd {
    super::util::stint(&[]).db(env.db_path())
}

/// Runs `cmd`, which must succeed; its standard output.
fn run(cmd: Cmd) -> String {
    cmd.ok().stdout
}

#[test]
fn cli_dry_run_shows_counts_and_first_rows_and_writes_nothing() {
    let env = Env::new();
    let out = run(stint(&env)
        .args(["import", "--dry-run"])
        .arg(fixture("toggl-detailed.csv")));
    assert!(
        out.contains("Dry run of a Toggl Track CSV import (times without an offset read in Europe/Berlin); nothing was written.")
            && out.contains("Would import 5 tracks from 6 rows (0 already present); would create 2 projects, 1 clients, 3 tags; 1 tasks named.")
            && out.contains("Hero section")
            && out.contains("2024-03-25 09:00"),
        "{out}"
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    let out = run(stint(&env).arg("import").arg(fixture("watson-frames")));
    assert!(
        out.contains("Imported 3 tracks from 3 rows (0 already present, skipped)")
            && out.contains("Read as Watson."),
        "{out}"
    );
    let err = stint(&env)
        .args(["import", "--format", "kimai"])
        .arg(fixture("watson-frames"))
        .fails()
        .stderr;
    assert!(err.contains("unknown import format"), "{err}");
}

/// The real Timewarrior and Watson exports the `real_*` tests read: the ones checked in under
/// fixtures/import/live/ (made by `scripts/live-importers.sh --write`, which also records the
/// tools' versions there), or, when that script runs the tests from `.ci/run`, the fresh
/// exports it just made with the installed tools (`STINT_IMPORT_LIVE_DIR`), so a change in
/// either tool's output shows up.
fn live_exports() -> PathBuf {
    match std::env::var_os("STINT_IMPORT_LIVE_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => fixture("live"),
    }
}

#[test]
fn real_timewarrior_export_and_data_folder() {
    // `timew track` of 2024-03-25 08:30-10:00 "Website" "deep work", 10:15-11:00 "meeting"
    // annotated "Standup", and 2024-11-03 09:00-09:45 "Website", in Europe/Berlin.
    let live = live_exports();
    let env = Env::new();
    let file = live.join("timewarrior-export.json");
    let out = run(stint(&env).arg("import").arg(&file));
    assert!(
        out.contains("Imported 3 tracks from 3 rows (0 already present, skipped)")
            && out.contains("created 0 projects, 0 clients, 3 tags")
            && out.contains("Read as Timewarrior."),
        "{out}"
    );
    assert_eq!(track(&env, "Standup").0, ts("2024-03-25T09:15:00Z"));
    // 09:00 in Berlin in November is 08:00 UTC.
    assert_eq!(
        env.count("SELECT count(*) FROM tracks WHERE start_at = 1730620800"),
        1
    );
    let out = run(stint(&env).arg("import").arg(live.join("timewarrior-data")));
    assert!(
        out.contains("Imported 0 tracks from 3 rows (3 already present, skipped)"),
        "{out}"
    );
}

#[test]
fn real_watson_frames_and_log() {
    // `watson add` of 2024-03-25 08:30-10:00 "website" +design +"client call" and 2024-03-26
    // 09:00-09:20 "internal", then `watson start writing +draft`, in Europe/Berlin.
    let live = live_exports();
    let env = Env::new();
    let file = live.join("watson-log.json");
    let out = run(stint(&env).arg("import").arg(&file));
    assert!(
        out.contains("Imported 2 tracks from 2 rows (0 already present, skipped)")
            && out.contains("created 2 projects, 0 clients, 2 tags"),
        "{out}"
    );
    let out = run(stint(&env).arg("import").arg(live.join("watson-frames")));
    assert!(
        out.contains("Imported 0 tracks from 2 rows (2 already present, skipped)"),
        "{out}"
    );
    let design = env.count(
        "SELECT start_at FROM tracks t JOIN track_tags x ON x.track_id = t.id
           JOIN tags g ON g.id = x.tag_id WHERE g.name = 'client call'",
    );
    assert_eq!(design, ts("2024-03-25T07:30:00Z"));
}

/// A database with something in every table a user owns: settings, clients, projects (rates,
/// budgets), tags, tracks (tagged, rated, invoiced, running), a sent invoice with lines.
fn populated() -> Env {
    use stint::service::{
        NewClient, NewInvoice, NewProject, NewTrack, SettingsChanges, StartTimer,
    };
    let env = Env::new();
    env.svc
        .update_settings(SettingsChanges {
            default_currency: Some("EUR".into()),
            business_name: Some("Ada Consulting".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            email: Some("billing@acme.test".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("95.50".into()),
            budget_hours: Some("40".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Internal".into(),
            billable_by_default: Some(false),
            ..Default::default()
        })
        .unwrap();
    env.svc.create_tag("design").unwrap();
    env.svc.create_tag("review").unwrap();
    for (start, end, project, tags, rate) in [
        (
            "2026-10-05 09:00",
            "2026-10-05 11:30",
            "Website",
            vec!["design"],
            None,
        ),
        (
            "2026-10-06 14:00",
            "2026-10-06 15:00",
            "Website",
            vec!["design", "review"],
            Some("120"),
        ),
        (
            "2026-11-02 08:00",
            "2026-11-02 08:30",
            "Internal",
            vec![],
            None,
        ),
    ] {
        env.svc
            .create_track(NewTrack {
                description: Some(format!("work from {start}")),
                project: Some(project.into()),
                tags: tags.into_iter().map(str::to_owned).collect(),
                start: start.into(),
                end: Some(end.into()),
                hourly_rate: rate.map(str::to_owned),
                ..Default::default()
            })
            .unwrap();
    }
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-10-01".into(),
            to: "2026-10-31".into(),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .mark_invoice_sent(&inv.id.0.to_string(), Some("2026-11-01"))
        .unwrap();
    env.svc
        .start_timer(StartTimer {
            description: Some("Running".into()),
            project: Some("Website".into()),
            ..Default::default()
        })
        .unwrap();
    env
}

#[test]
fn db_export_json_reads_back_into_an_empty_database_identically() {
    let from = populated();
    let mut copy = Vec::new();
    let written = from.svc.export_portable(&mut copy).unwrap();
    assert_eq!(written.rows("tracks"), 4);
    assert_eq!(written.rows("invoices"), 1);
    assert!(written.rows("invoice_lines") >= 1);
    assert!(
        !written
            .tables
            .iter()
            .any(|(t, _)| t == "api_tokens" || t == "change_log")
    );
    let text = String::from_utf8(copy.clone()).unwrap();
    assert!(
        text.starts_with("{\"format\":\"stint-export\",\"version\":1,"),
        "{text}"
    );

    let to = Env::new();
    let dry = to
        .svc
        .import_reader(
            copy.as_slice(),
            None,
            &ImportOptions {
                dry_run: true,
                ..ImportOptions::default()
            },
            &NoProgress,
        )
        .unwrap();
    assert_eq!(dry.format, ImportFormat::StintJson);
    assert_eq!(
        to.count("SELECT count(*) FROM tracks"),
        0,
        "a dry run restores nothing"
    );
    let r = to
        .svc
        .import_reader(
            copy.as_slice(),
            None,
            &ImportOptions::default(),
            &NoProgress,
        )
        .unwrap();
    assert_eq!(r.restored.as_ref().unwrap(), &written);
    assert_eq!(
        tables(&to, &[]),
        tables(&from, &[]),
        "every table is the same"
    );
    // The copy works: the invoice, its number and the running timer came across.
    let inv = to.svc.get_invoice("1").unwrap();
    assert_eq!(inv.number, from.svc.get_invoice("1").unwrap().number);
    // A second restore is refused: the database is no longer empty.
    let err = to
        .svc
        .import_reader(
            copy.as_slice(),
            None,
            &ImportOptions::default(),
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(err.contains("only into an empty database"), "{err}");
}

#[test]
fn cli_db_export_and_import_round_trip() {
    let from = populated();
    let file = from.dir.path().join("copy.json");
    run(stint(&from).args(["db", "export", "--json"]).arg(&file));
    // Kept unless --force, as every export.
    stint(&from)
        .args(["db", "export", "--json"])
        .arg(&file)
        .fails();
    let to = Env::new();
    let out = run(stint(&to).arg("import").arg(&file));
    assert!(out.starts_with("Restored a stint export"), "{out}");
    assert!(out.contains("tracks 4"), "{out}");
    assert_eq!(tables(&to, &[]), tables(&from, &[]));
}

#[test]
fn tracks_json_is_the_list_tracks_shape() {
    let env = populated();
    let out = run(stint(&env).args(["tracks", "--json", "--from", "2026-10-01"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let tracks = v["tracks"].as_array().unwrap();
    assert_eq!(tracks.len(), 4);
    let rated = tracks
        .iter()
        .find(|t| t["hourly_rate"] == "120")
        .expect("a track with its own rate");
    assert_eq!(rated["project"], "Website");
    assert_eq!(rated["tags"], serde_json::json!(["design", "review"]));
    assert_eq!(rated["start"], "2026-10-06T14:00:00+02:00");
    assert!(tracks.iter().any(|t| t["running"] == true));
    let one = run(stint(&env).args(["tracks", "--json", "--project", "Internal"]));
    let v: serde_json::Value = serde_json::from_str(&one).unwrap();
    assert_eq!(v["tracks"].as_array().unwrap().len(), 1);
}

#[test]
fn tracks_ics_parses_back_with_one_event_per_finished_track() {
    let env = populated();
    let file = env.dir.path().join("tracks.ics");
    run(stint(&env).args(["tracks", "--ics"]).arg(&file));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    let cal = icalendar::Calendar::from_str(&text).unwrap();
    use icalendar::Component;
    let events: Vec<_> = cal.events().collect();
    assert_eq!(
        events.len(),
        3,
        "the running timer has no end and is left out"
    );
    let design = events
        .iter()
        .find(|e| e.get_summary() == Some("work from 2026-10-06 14:00"))
        .unwrap();
    assert_eq!(
        design.get_start(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(utc("2026-10-06T12:00:00Z"))
        ))
    );
    assert_eq!(
        design.get_end(),
        Some(icalendar::DatePerhapsTime::DateTime(
            icalendar::CalendarDateTime::Utc(utc("2026-10-06T13:00:00Z"))
        ))
    );
    assert!(design.get_uid().unwrap().starts_with("track-"));
    assert!(design.get_description().unwrap().contains("Client: Acme"));
    let categories: Vec<&str> = design
        .multi_properties()
        .get("CATEGORIES")
        .map(|ps| ps.iter().map(|p| p.value()).collect())
        .unwrap_or_default();
    assert_eq!(categories, ["Website", "design", "review"]);
    // Files are kept unless --force.
    stint(&env).args(["tracks", "--ics"]).arg(&file).fails();
    run(stint(&env).args(["tracks", "--force", "--ics"]).arg(&file));
}

fn import_text(env: &Env, text: &str) -> stint::service::Result<ImportReport> {
    env.svc.import_reader(
        text.as_bytes(),
        None,
        &ImportOptions::default(),
        &NoProgress,
    )
}

#[test]
fn newer_toggl_columns_and_day_first_clockify_dates() {
    // Toggl Track's newer report export names the end "Stop" and the user "Member".
    let env = Env::new();
    let r = import_text(
        &env,
        "Description,Billable,Duration,Member,Email,Tags,Client,Project,Task,Start date,Start time,Stop date,Stop time\n\
         Sprint review,Yes,01:00:00,Ada,ada@example.test,,Acme,Website,,2024-03-25,14:00:00,2024-03-25,15:00:00\n",
    )
    .unwrap();
    assert_eq!((r.format, r.summary.imported), (ImportFormat::Toggl, 1));
    assert_eq!(track(&env, "Sprint review").0, ts("2024-03-25T13:00:00Z"));

    // A Clockify user with day-first dates: one date past the 12th tells the order.
    let env = Env::new();
    let head = "Project,Client,Description,Task,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h)\n";
    let r = import_text(
        &env,
        &format!(
            "{head}App,,First,,,No,03/04/2024,09:00,03/04/2024,10:00,01:00:00\n\
             App,,Second,,,No,25/03/2024,09:00,25/03/2024,10:00,01:00:00\n"
        ),
    )
    .unwrap();
    assert_eq!(r.format, ImportFormat::Clockify);
    assert_eq!(
        track(&env, "First").0,
        ts("2024-04-03T07:00:00Z"),
        "3 April (CEST)"
    );
    // Both orders in one file are refused, naming the line.
    let err = import_text(
        &Env::new(),
        &format!(
            "{head}App,,A,,,No,25/03/2024,09:00,25/03/2024,10:00,01:00:00\n\
             App,,B,,,No,03/25/2024,09:00,03/25/2024,10:00,01:00:00\n"
        ),
    )
    .unwrap_err()
    .to_string();
    assert!(
        err.contains("line 3") && err.contains("mixes month-first and day-first"),
        "{err}"
    );
}
