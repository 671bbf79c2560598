//! The assistant's tracker: natural times, durations and named periods through the service,
//! names that ignore case in every script, close matches for unknown names, and instants in the
//! configured zone in messages. The clock is frozen at Saturday 2026-11-21 13:00 in Berlin.

use std::path::Path;
use std::sync::Arc;

use rusqlite::Connection;
use stint::service::{
    Caller, FixedClock, Frontend, ListProjects, ListTags, ListTracks, NewClient, NewProject,
    NewTrack, ProjectChanges, Service, ServiceError, SettingsChanges, StartTimer, StopTimer,
    TimeSummary,
};
use stint::store;

use super::util::call_line as call;
use super::util::{Env, NOW, utc};

fn project(env: &Env, name: &str) {
    env.svc
        .create_project(NewProject {
            name: name.into(),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn a_track_from_end_and_duration_alone() {
    let env = Env::new();
    let t = env
        .svc
        .create_track(NewTrack {
            end: Some("now".into()),
            duration: Some("45 min".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(t.start, utc("2026-11-21T11:15:00Z"));
    assert_eq!(t.end, Some(utc(NOW)));

    // 12-hour times and unit words.
    let t = env
        .svc
        .create_track(NewTrack {
            start: "9am".into(),
            duration: Some("1 hour and 30 minutes".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(t.start, utc("2026-11-21T08:00:00Z"));
    assert_eq!(t.end, Some(utc("2026-11-21T09:30:00Z")));
    let t = env
        .svc
        .create_track(NewTrack {
            start: "yesterday 9:30pm".into(),
            end: Some("yesterday 11pm".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(t.start, utc("2026-11-20T20:30:00Z"));

    let before = env.snapshot();
    for (req, want) in [
        (
            NewTrack {
                end: Some("now".into()),
                ..Default::default()
            },
            "or an end with a duration",
        ),
        (
            NewTrack {
                start: "9am".into(),
                end: Some("10am".into()),
                duration: Some("1h".into()),
                ..Default::default()
            },
            "not all three",
        ),
        // The start computed from end and duration is held to the accepted years.
        (
            NewTrack {
                end: Some("1900-01-01T00:10:00Z".into()),
                duration: Some("1h".into()),
                ..Default::default()
            },
            "outside the years 1900 to 2199",
        ),
        (
            NewTrack {
                end: Some("now".into()),
                duration: Some("32 days".into()),
                ..Default::default()
            },
            "31 days",
        ),
    ] {
        let err = env.svc.create_track(req).unwrap_err().to_string();
        assert!(err.contains(want), "want {want:?} in {err}");
    }
    assert_eq!(env.snapshot(), before, "a refused call writes nothing");
}

#[test]
fn named_periods_in_ranges() {
    let env = Env::new();
    // Monday 2026-11-09 and Sunday 2026-11-15 are last week (weeks start on Monday).
    for (start, end) in [
        ("2026-11-08 10:00", "2026-11-08 11:00"), // the Sunday before: not last week
        ("2026-11-09 10:00", "2026-11-09 11:00"),
        ("2026-11-15 22:00", "2026-11-15 23:30"),
        ("2026-11-16 10:00", "2026-11-16 11:00"), // this week
    ] {
        env.svc
            .create_track(NewTrack {
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            })
            .unwrap();
    }
    let summary = |from: &str, to: &str| {
        env.svc
            .time_summary(TimeSummary {
                from: from.into(),
                to: to.into(),
                group_by: vec!["day".into()],
                ..Default::default()
            })
            .unwrap()
    };
    let s = summary("last week", "");
    assert_eq!(
        (s.start, s.end),
        (utc("2026-11-08T23:00:00Z"), utc("2026-11-15T23:00:00Z"))
    );
    assert_eq!(s.totals.duration_seconds, 3600 + 5400);
    assert_eq!(summary("this week", "").totals.duration_seconds, 3600);
    assert_eq!(summary("this month", "").totals.track_count, 4);
    assert_eq!(summary("last month", "").totals.track_count, 0);
    // A period as `to` runs to the end of its last day.
    assert_eq!(
        summary("2026-11-08", "last week").totals.duration_seconds,
        3600 * 2 + 5400
    );

    // The week start setting moves the week.
    env.svc
        .update_settings(SettingsChanges {
            week_start: Some("sunday".into()),
            ..Default::default()
        })
        .unwrap();
    let s = summary("last week", "");
    assert_eq!(s.start, utc("2026-11-07T23:00:00Z"));
    assert_eq!(
        s.totals.duration_seconds,
        3600 * 2,
        "Sunday 8th and Monday 9th"
    );

    let listed = env
        .svc
        .list_tracks(ListTracks {
            from: Some("this week".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(listed.items.len(), 2, "Sunday 15th and Monday 16th");

    let err = env
        .svc
        .unbilled_summary(None, Some("next week"), None)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("last week") && err.contains("this month"),
        "{err}"
    );
}

#[test]
fn names_ignore_case_in_every_script() {
    let env = Env::new();
    env.svc.create_tag("Été").unwrap();
    let err = env.svc.create_tag("été").unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    assert!(err.to_string().contains("already exists"), "{err}");
    project(&env, "Übersetzung");
    env.svc
        .create_client(NewClient {
            name: "Straße GmbH".into(),
            ..Default::default()
        })
        .unwrap();

    assert_eq!(
        env.svc.get_project("übersetzung").unwrap().name,
        "Übersetzung"
    );
    assert_eq!(
        env.svc.get_client("STRASSE gmbh").unwrap().name,
        "Straße GmbH"
    );
    let t = env
        .svc
        .start_timer(StartTimer {
            project: Some("ÜBERSETZUNG".into()),
            tags: vec!["ÉTÉ".into()],
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(t.project_name.as_deref(), Some("Übersetzung"));
    assert_eq!(t.tags[0].1, "Été");

    // A rename to a name that differs only in case is refused for another row, allowed for
    // the same row.
    project(&env, "Website");
    let err = env
        .svc
        .update_project(
            "Website",
            ProjectChanges {
                name: Some("ÜBERSETZUNG".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    env.svc
        .update_project(
            "übersetzung",
            ProjectChanges {
                name: Some("übersetzung".into()),
                ..Default::default()
            },
        )
        .unwrap();

    // Searches fold case too.
    let found = env
        .svc
        .list_projects(ListProjects {
            search: Some("ÜBERS".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.items.len(), 1);
    let found = env
        .svc
        .list_tags(ListTags {
            search: Some("été".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.items.len(), 1);
}

#[test]
fn unknown_names_list_the_closest_first_and_count_the_rest() {
    let env = Env::new();
    for i in 0..24 {
        project(&env, &format!("Aardvark {i:02}"));
    }
    project(&env, "Website Redesign");
    let err = env.svc.get_project("websit redesign").unwrap_err();
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains("the closest are \"Website Redesign\", "),
        "{msg}"
    );
    assert!(
        msg.contains("and 15 more (`list_projects` with search finds"),
        "{msg}"
    );
    assert_eq!(
        msg.matches("Aardvark").count(),
        9,
        "10 names at most: {msg}"
    );

    let err = env.svc.create_tag("x").and_then(|_| {
        env.svc.start_timer(StartTimer {
            tags: vec!["Nope".into()],
            ..Default::default()
        })
    });
    let msg = err.unwrap_err().to_string();
    assert!(msg.contains("the closest are \"x\""), "{msg}");
    assert!(!msg.contains("more"), "{msg}");
    let err = env.svc.get_client("Acme").unwrap_err().to_string();
    assert!(err.contains("there are none yet"), "{err}");
}

#[test]
fn messages_show_instants_in_the_configured_zone() {
    let env = Env::new();
    env.svc
        .update_settings(SettingsChanges {
            allow_concurrent_timers: Some(true),
            ..Default::default()
        })
        .unwrap();
    for start in ["9am", "10am"] {
        env.svc
            .start_timer(StartTimer {
                start: Some(start.into()),
                ..Default::default()
            })
            .unwrap();
    }
    let err = env
        .svc
        .stop_timer(StopTimer::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("2 timers are running"), "{err}");
    assert!(err.contains("since 2026-11-21T09:00:00+01:00"), "{err}");
    assert!(!err.contains("+00:00") && !err.contains('Z'), "{err}");

    let err = env
        .svc
        .time_summary(TimeSummary {
            from: "2026-11-20".into(),
            to: "2026-11-19".into(),
            group_by: vec!["day".into()],
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("2026-11-20T00:00:00+01:00"), "{err}");
}

/// A schema-1 database may hold names that differ only in non-ASCII case (its NOCASE indexes
/// fold ASCII only). Upgrading keeps both rows, gives the older one the key, and lookups by
/// that name report both.
#[test]
fn upgrade_keeps_names_that_clash_once_case_is_folded() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stint.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/db/v1.db"),
        &db,
    )
    .unwrap();
    let raw = |db: &Path, sql: &str| Connection::open(db).unwrap().execute_batch(sql).unwrap();
    raw(
        &db,
        "INSERT INTO tags (name, created_at, updated_at) VALUES ('Été', 0, 0), ('été', 0, 0);
         INSERT INTO clients (name, created_at, updated_at) VALUES ('Ærø', 0, 0), ('ærø', 0, 0);",
    );
    let clock = Arc::new(FixedClock::new(utc(NOW)));
    let svc = Service::with_clock(&db, Caller::local(Frontend::Cli), clock).unwrap();
    let conn = Connection::open(&db).unwrap();
    let keys: Vec<(String, Option<String>)> = conn
        .prepare("SELECT name, name_key FROM tags WHERE name LIKE '%t%' ORDER BY id")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(
        keys.contains(&("Été".into(), Some("été".into()))),
        "{keys:?}"
    );
    assert!(keys.contains(&("été".into(), None)), "{keys:?}");
    let nulls: i64 = conn
        .query_row(
            "SELECT (SELECT count(*) FROM tags WHERE name_key IS NULL)
                  + (SELECT count(*) FROM clients WHERE name_key IS NULL)
                  + (SELECT count(*) FROM projects WHERE name_key IS NULL)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(nulls, 2, "every other row has its key");
    // Filling again finds the same two clashes and changes nothing.
    let clashes = store::fill_name_keys(&conn).unwrap();
    assert_eq!(
        clashes
            .iter()
            .map(|c| (c.what, c.name.as_str()))
            .collect::<Vec<_>>(),
        [("client", "ærø"), ("tag", "été")]
    );

    let err = svc
        .start_timer(StartTimer {
            tags: vec!["ÉTÉ".into()],
            ..Default::default()
        })
        .unwrap_err();
    assert!(matches!(err, ServiceError::Ambiguous(_)), "{err:?}");
    assert!(err.to_string().contains("2 tags are named"), "{err}");
    let err = svc.get_client("ÆRØ").unwrap_err();
    assert!(matches!(err, ServiceError::Ambiguous(_)), "{err:?}");

    // The newer client can still be edited under its name, and renamed apart.
    let newer = svc.list_clients(Default::default()).unwrap();
    let newer = newer.items.iter().find(|c| c.name == "ærø").unwrap().id;
    svc.update_client(
        &newer.to_string(),
        stint::service::ClientChanges {
            notes: Some("kept".into()),
            ..Default::default()
        },
    )
    .unwrap();
    svc.update_client(
        &newer.to_string(),
        stint::service::ClientChanges {
            name: Some("Ærø 2".into()),
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(svc.get_client("ærø").unwrap().name, "Ærø");
    assert_eq!(svc.get_client("ÆRØ 2").unwrap().id, newer);
}

/// "Start the website... no, the backend": a second start in the same second replaces the
/// first timer instead of failing, and says which timer it replaced.
#[test]
fn a_start_in_the_same_second_replaces_the_running_timer() {
    let env = Env::new();
    project(&env, "Website");
    project(&env, "Backend");
    env.svc.create_tag("deep work").unwrap();
    let first = env
        .svc
        .start_timer(StartTimer {
            project: Some("Website".into()),
            tags: vec!["deep work".into()],
            ..Default::default()
        })
        .unwrap();
    let second = env
        .svc
        .start_timer(StartTimer {
            project: Some("Backend".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(second.stopped.is_empty());
    assert_eq!(second.replaced.len(), 1);
    assert_eq!(second.replaced[0].id, first.track.id);
    assert_eq!(second.replaced[0].project_name.as_deref(), Some("Website"));
    assert_ne!(
        second.track.id, first.track.id,
        "the new timer has a new id"
    );
    let running = env.svc.list_running_timers().unwrap();
    assert_eq!(running.len(), 1);
    assert_eq!(running[0].project_name.as_deref(), Some("Backend"));
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 1);
    assert_eq!(env.count("SELECT count(*) FROM track_tags"), 0);
    let detail: String = Connection::open(env.db_path())
        .unwrap()
        .query_row(
            "SELECT detail FROM audit_log WHERE operation = 'start_timer' ORDER BY id DESC LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(detail, format!("replaced {}", first.track.id));

    // A second later, the running timer is stopped as usual.
    env.clock.advance(1);
    let third = env.svc.start_timer(StartTimer::default()).unwrap();
    assert!(third.replaced.is_empty());
    assert_eq!(third.stopped[0].id, second.track.id);
}

/// Over MCP: a same-second switch says it replaced the first timer; continue_timer resumes
/// the interrupted work; create_track takes end and duration alone; time_summary takes a
/// named period as `range`; get_settings shows the local time; budget_status names the
/// project bare.
#[test]
fn protocol_switch_continue_and_natural_inputs() {
    use serde_json::json;
    let env = Env::new();
    let lines = [
        call(1, "create_client", json!({"name": "Acme Corp"})),
        call(
            2,
            "create_project",
            json!({"name": "Website Redesign", "client": "acme corp", "budget_hours": "10"}),
        ),
        call(3, "create_tag", json!({"name": "Été"})),
        call(
            4,
            "start_timer",
            json!({"project": "website redesign", "tags": ["ÉTÉ"], "description": "hero"}),
        ),
        call(5, "start_timer", json!({"description": "call with Bob"})),
        call(
            6,
            "create_track",
            json!({"end": "now", "duration": "45min"}),
        ),
        call(
            7,
            "time_summary",
            json!({"range": "this week", "group_by": ["day"]}),
        ),
        call(8, "get_settings", json!({})),
        call(9, "budget_status", json!({})),
    ]
    .join("\n");
    let out = super::util::mcp_session(&env, &lines);
    let ok = |i: usize| {
        assert_eq!(out[i]["result"]["isError"], false, "{}", out[i]);
        &out[i]["result"]["structuredContent"]
    };
    let first = ok(3)["track"]["id"].as_i64().unwrap();
    let switched = ok(4);
    assert_eq!(switched["replaced"][0]["id"], first, "{switched}");
    assert_eq!(switched["stopped"], json!([]));
    assert!(
        switched["note"]
            .as_str()
            .unwrap()
            .contains(&format!("replaced timer {first}")),
        "{switched}"
    );
    let logged = &ok(5)["track"];
    assert_eq!(logged["duration_seconds"], 2700, "{logged}");
    assert_eq!(logged["end"], "2026-11-21T13:00:00+01:00");
    let summary = ok(6);
    assert_eq!(summary["from"], "2026-11-16T00:00:00+01:00", "{summary}");
    let settings = ok(7);
    assert_eq!(settings["local_time"], "2026-11-21T13:00:00+01:00");
    let budget = &ok(8)["budgets"][0];
    assert_eq!(budget["project"], "Website Redesign", "{budget}");
    assert_eq!(budget["client"], "Acme Corp", "{budget}");

    // The website work resumes, a call interrupts it, and then the person says "continue".
    env.clock.advance(60);
    let out = super::util::mcp_session(
        &env,
        &call(
            10,
            "start_timer",
            json!({"project": "Website Redesign", "tags": ["été"], "billable": false}),
        ),
    );
    let website = out[0]["result"]["structuredContent"]["track"]["id"]
        .as_i64()
        .unwrap();
    env.clock.advance(600);
    let out = super::util::mcp_session(
        &env,
        &call(11, "start_timer", json!({"description": "Ann"})),
    );
    let ann = out[0]["result"]["structuredContent"]["track"]["id"]
        .as_i64()
        .unwrap();
    env.clock.advance(300);
    let lines = [
        call(12, "continue_timer", json!({})),
        call(13, "continue_timer", json!({"track_id": 999})),
    ]
    .join("\n");
    let out = super::util::mcp_session(&env, &lines);
    assert_eq!(out[0]["result"]["isError"], false, "{}", out[0]);
    let resumed = &out[0]["result"]["structuredContent"];
    assert_eq!(resumed["continued_from"], website, "{resumed}");
    assert_eq!(resumed["stopped"][0]["id"], ann, "{resumed}");
    assert_eq!(resumed["track"]["project"], "Website Redesign");
    assert_eq!(resumed["track"]["tags"], json!(["Été"]));
    assert_eq!(resumed["track"]["billable"], false);
    assert_eq!(resumed["track"]["running"], true);
    assert_eq!(out[1]["result"]["isError"], true);
    let msg = out[1]["result"]["content"][0]["text"].as_str().unwrap();
    assert!(msg.contains("no track has id 999"), "{msg}");
}

/// continue_timer takes a request_id like the other creates: a retry returns the same timer,
/// replayed, and starts nothing new.
#[test]
fn continue_timer_retried_with_a_request_id_starts_one_timer() {
    use stint::service::ContinueTimer;
    let env = Env::new();
    project(&env, "Website");
    env.svc
        .create_track(NewTrack {
            project: Some("website".into()),
            end: Some("now".into()),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap();
    env.clock.advance(5);
    let (first, replayed) = env
        .svc
        .once(Some("resume-1"), |s| {
            s.continue_timer(ContinueTimer::default())
        })
        .unwrap();
    assert!(!replayed);
    assert_eq!(first.started.track.project_name.as_deref(), Some("Website"));
    env.clock.advance(5);
    let (again, replayed) = env
        .svc
        .once(Some("resume-1"), |s| {
            s.continue_timer(ContinueTimer::default())
        })
        .unwrap();
    assert!(replayed);
    assert_eq!(again.started.track.id, first.started.track.id);
    assert_eq!(again.from.id, first.from.id);
    assert_eq!(env.svc.list_running_timers().unwrap().len(), 1);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 2);
    // Another call under the same id is refused.
    let err = env
        .svc
        .once(Some("resume-1"), |s| {
            s.continue_timer(ContinueTimer { track_id: Some(1) })
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("was used for another call"),
        "{err}"
    );
    assert!(
        err.to_string().contains("at 2026-11-21T13:00:05+01:00"),
        "in the configured zone: {err}"
    );
}
