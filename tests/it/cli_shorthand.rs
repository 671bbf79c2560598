//! Watson's short form of `stint start` and `stint log`: `stint start Website +design hero
//! layout`, and the one-argument form of earlier versions meaning what it meant.

use serde_json::{Value, json};

use super::util::Stint;

/// Runs `args` with `--json` and returns the track's (project, tags, description).
fn check(db: &Stint, args: &[&str], project: Value, tags: Value, description: Value) {
    let mut line = args.to_vec();
    line.push("--json");
    let out = db.ok(&line);
    let answer: Value = serde_json::from_str(&out).unwrap();
    let t = &answer["track"];
    let got = json!([t["project"], t["tags"], t["description"]]);
    assert_eq!(
        got,
        json!([project, tags, description]),
        "stint {}",
        args.join(" ")
    );
}

#[test]
fn start_and_log_read_watsons_short_form() {
    let db = Stint::new();
    db.ok(&["project", "add", "Api"]);
    let none = Value::Null;
    // A +tag after the first word makes it the project (created, as with -p).
    check(
        &db,
        &["start", "Website", "+design", "hero", "layout"],
        json!("Website"),
        json!(["design"]),
        json!("hero layout"),
    );
    // An existing project's name as the first of several words is the project.
    check(
        &db,
        &["start", "Api", "fix", "the", "bug"],
        json!("Api"),
        json!([]),
        json!("fix the bug"),
    );
    // Otherwise the words are the description.
    check(
        &db,
        &["start", "Fix", "bug"],
        none.clone(),
        json!([]),
        json!("Fix bug"),
    );
    // One word is a description, as before, even when it names a project.
    check(
        &db,
        &["start", "Api"],
        none.clone(),
        json!([]),
        json!("Api"),
    );
    check(
        &db,
        &["start", "Homepage hero"],
        none.clone(),
        json!([]),
        json!("Homepage hero"),
    );
    // With -p, the first word is never the project; +tags join the -t tags.
    check(
        &db,
        &["start", "Api", "notes", "-p", "Website"],
        json!("Website"),
        json!([]),
        json!("Api notes"),
    );
    check(
        &db,
        &["start", "+design", "hero", "-p", "Api", "-t", "code"],
        json!("Api"),
        json!(["code", "design"]),
        json!("hero"),
    );
    // A project id is not a project name here: "1 two" is a description.
    check(
        &db,
        &["start", "1", "two"],
        none.clone(),
        json!([]),
        json!("1 two"),
    );
    // Tags alone (a track without a description shows "").
    check(
        &db,
        &["start", "+design"],
        none.clone(),
        json!(["design"]),
        json!(""),
    );
    // log reads the same words.
    check(
        &db,
        &[
            "log",
            "Api",
            "+call",
            "weekly",
            "sync",
            "--start",
            "2026-11-02 09:00",
            "--duration",
            "30m",
        ],
        json!("Api"),
        json!(["call"]),
        json!("weekly sync"),
    );
}

#[test]
fn a_short_form_project_near_an_existing_one_is_refused_like_p() {
    let db = Stint::new();
    db.ok(&["project", "add", "Website"]);
    let err = db.fails(&["start", "Webste", "+design", "hero"]);
    assert_eq!(
        err.trim(),
        "stint: no project is named \"Webste\"; did you mean \"Website\"? Give --create to \
         create \"Webste\" anyway"
    );
    check(
        &db,
        &["start", "Webste", "+design", "hero", "--create"],
        json!("Webste"),
        json!(["design"]),
        json!("hero"),
    );
}
