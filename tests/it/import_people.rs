//! Imports bring people (issue 21): the user column of Toggl, Clockify and Harvest exports
//! becomes each track's person, matched to the owner and the people by name
//! (case-insensitive) or created as members; a dry run creates nobody; undo removes them.

use std::path::{Path, PathBuf};

use stint::service::{ImportOptions, ImportReport, NewPerson, NoProgress, PersonChanges};

use crate::it::util::Env;

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/import")
        .join(name)
}

fn import(env: &Env, name: &str, dry_run: bool) -> ImportReport {
    env.svc
        .import_path(
            &fixture(name),
            &ImportOptions {
                dry_run,
                ..ImportOptions::default()
            },
            &NoProgress,
        )
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Every track as (description, start UTC, person's name or "owner"), by start then person.
fn tracks(env: &Env) -> Vec<(String, String, String)> {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT t.description, datetime(t.start_at, 'unixepoch'), ifnull(p.name, 'owner')
               FROM tracks t LEFT JOIN people p ON p.id = t.person_id
              ORDER BY t.start_at, 3, t.description",
        )
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn people(env: &Env) -> Vec<String> {
    env.svc
        .list_people(true)
        .unwrap()
        .into_iter()
        .map(|p| format!("{} ({})", p.name, p.role.as_str()))
        .collect()
}

fn row(d: &str, at: &str, who: &str) -> (String, String, String) {
    (d.to_owned(), at.to_owned(), who.to_owned())
}

#[test]
fn toggl_users_become_the_owner_people_and_new_members() {
    let env = Env::new();
    env.svc
        .update_person(
            "owner",
            PersonChanges {
                name: Some("Olga".into()),
                ..PersonChanges::default()
            },
        )
        .unwrap();
    env.svc
        .create_person(NewPerson {
            name: "Ben".into(),
            ..NewPerson::default()
        })
        .unwrap();
    let before = env.snapshot();
    let dry = import(&env, "toggl-team.csv", true);
    assert_eq!(dry.summary.created_people, vec!["Ana Silva".to_owned()]);
    assert_eq!(env.snapshot(), before, "a dry run creates nobody");
    assert_eq!(people(&env), ["Olga (owner)", "Ben (member)"]);

    let done = import(&env, "toggl-team.csv", false);
    assert_eq!(
        done.summary, dry.summary,
        "the dry run counted what was done"
    );
    assert_eq!(
        done.summary.imported, 5,
        "the meeting both logged is two tracks"
    );
    assert_eq!(done.summary.duplicates, 0);
    assert_eq!(
        people(&env),
        ["Olga (owner)", "Ana Silva (member)", "Ben (member)"]
    );
    assert_eq!(
        tracks(&env),
        [
            row("Kick-off", "2024-03-25 07:00:00", "owner"),
            row("Standup", "2024-03-25 09:00:00", "Ana Silva"),
            row("Standup", "2024-03-25 09:00:00", "Ben"),
            row("Hero section", "2024-03-25 10:00:00", "Ana Silva"),
            row("Deploy", "2024-03-26 08:00:00", "Ben"),
        ]
    );
    // The same file again adds nothing and creates nobody.
    let again = import(&env, "toggl-team.csv", false);
    assert_eq!(
        (again.summary.imported, again.summary.skipped),
        (0, 5),
        "a re-import adds nothing"
    );
    assert!(again.summary.created_people.is_empty());

    // Undo of the import (the re-import changed nothing, so undo the one before it) removes
    // its tracks and the person it created; Ben, who was there before, stays.
    let changes = env.count("SELECT count(*) FROM change_log");
    let import_change: i64 = rusqlite::Connection::open(env.db_path())
        .unwrap()
        .query_row(
            "SELECT id FROM change_log WHERE operation = 'import_toggl' ORDER BY id LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    env.svc.undo_change(Some(import_change)).unwrap();
    assert!(env.count("SELECT count(*) FROM change_log") > changes);
    assert_eq!(people(&env), ["Olga (owner)", "Ben (member)"]);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
}

#[test]
fn clockify_users_in_a_database_without_people_are_created() {
    let env = Env::new();
    let done = import(&env, "clockify-team.csv", false);
    assert_eq!(
        done.summary.created_people,
        ["Ada Lovelace".to_owned(), "Grace Hopper".to_owned()]
    );
    assert_eq!(
        tracks(&env),
        [
            row("Login screen", "2024-03-25 08:00:00", "Ada Lovelace"),
            row("Push notifications", "2024-03-25 08:00:00", "Grace Hopper"),
            row("Release notes", "2024-03-26 13:00:00", "Grace Hopper"),
        ]
    );
}

#[test]
fn harvest_people_each_start_their_day_at_nine() {
    let env = Env::new();
    let done = import(&env, "harvest-team.csv", false);
    assert_eq!(
        done.summary.created_people,
        ["Ada Lovelace".to_owned(), "Grace Hopper".to_owned()]
    );
    assert_eq!(done.summary.imported, 3);
    assert_eq!(
        tracks(&env),
        [
            row("Cover sheet", "2024-03-25 08:00:00", "Ada Lovelace"),
            row("Cover sheet", "2024-03-25 08:00:00", "Grace Hopper"),
            row("Review", "2024-03-25 10:00:00", "Ada Lovelace"),
        ]
    );
    let again = import(&env, "harvest-team.csv", false);
    assert_eq!((again.summary.imported, again.summary.skipped), (0, 3));
}

#[test]
fn a_solo_users_own_export_stays_the_owners() {
    // The single-user fixtures of tests/it/importers.rs, into a database without people: the
    // file's one user (Ada Lovelace) is the solo user, so no team appears.
    for name in [
        "toggl-detailed.csv",
        "clockify-detailed.csv",
        "harvest-time-report.csv",
    ] {
        let env = Env::new();
        let done = import(&env, name, false);
        assert!(done.summary.created_people.is_empty(), "{name}");
        assert_eq!(people(&env), ["Owner (owner)"], "{name}");
        assert_eq!(
            env.count("SELECT count(*) FROM tracks WHERE person_id IS NOT NULL"),
            0,
            "{name}"
        );
    }
}

#[test]
fn a_user_that_cannot_be_a_person_stops_the_import_with_what_to_do() {
    let env = Env::new();
    let file = env.dir.path().join("toggl.csv");
    std::fs::write(
        &file,
        "User,Project,Description,Start date,Start time,End date,End time,Duration\n\
         Ana,Website,a,2024-03-25,09:00:00,2024-03-25,10:00:00,01:00:00\n\
         me,Website,b,2024-03-25,11:00:00,2024-03-25,12:00:00,01:00:00\n",
    )
    .unwrap();
    let err = env
        .svc
        .import_path(&file, &ImportOptions::default(), &NoProgress)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the file's user \"me\" cannot be a person")
            && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    assert_eq!(people(&env), ["Owner (owner)"]);
}

#[test]
fn cli_names_the_people_an_import_creates() {
    let env = Env::new();
    let stint = || crate::it::util::stint(&[]).db(env.db_path());
    let out = stint()
        .args(["import", "--dry-run"])
        .arg(fixture("clockify-team.csv"))
        .ok()
        .stdout;
    assert!(
        out.contains(
            "Would create 2 people: Ada Lovelace, Grace Hopper (members; stint person edit \
             NAME to set capacity and cost)."
        ),
        "{out}"
    );
    let out = stint()
        .args(["import", "--json"])
        .arg(fixture("harvest-team.csv"))
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["created_people"],
        serde_json::json!(["Ada Lovelace", "Grace Hopper"])
    );
}

/// A file of `users` distinct users, one hour each on its own day.
fn toggl_of_users(env: &Env, users: usize) -> PathBuf {
    let mut text =
        String::from("User,Project,Description,Start date,Start time,End date,End time,Duration\n");
    for u in 0..users {
        let day =
            chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Days::new(u as u64);
        text.push_str(&format!(
            "User {u:03},Website,work,{day},09:00:00,{day},10:00:00,01:00:00\n"
        ));
    }
    let file = env.dir.path().join(format!("toggl-{users}.csv"));
    std::fs::write(&file, text).unwrap();
    file
}

/// An import adds at most 200 people: a file naming more is refused whole, and the CLI lists
/// the first twenty of the people it creates with how many more.
#[test]
fn an_import_adds_a_bounded_number_of_people_and_lists_twenty() {
    let env = Env::new();
    let err = env
        .svc
        .import_path(
            &toggl_of_users(&env, 201),
            &ImportOptions::default(),
            &NoProgress,
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("stint adds at most 200 people in one import")
            && err.contains("nothing was imported"),
        "{err}"
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
    assert_eq!(people(&env), ["Owner (owner)"]);
    let out = crate::it::util::stint(&["import"])
        .db(env.db_path())
        .arg(toggl_of_users(&env, 25))
        .ok()
        .stdout;
    assert!(
        out.contains(
            "Created 25 people: User 000, User 001, User 002, User 003, User 004, User 005, \
             User 006, User 007, User 008, User 009, User 010, User 011, User 012, User 013, \
             User 014, User 015, User 016, User 017, User 018, User 019 and 5 more (stint \
             person list) (members; stint person edit NAME to set capacity and cost)."
        ),
        "{out}"
    );
    assert_eq!(env.count("SELECT count(*) FROM people"), 25);
}
