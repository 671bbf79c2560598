//! The change log and undo, and retry-safe creates (`request_id`), through the service API and
//! the MCP tools, on a real database with a frozen clock.

use std::collections::BTreeMap;

use rusqlite::Connection;
use rusqlite::types::Value;
use serde_json::{Value as Json, json};
use stint::service::{
    Caller, DeleteTag, Frontend, ListChanges, NewInvoice, NewProject, NewTrack, ServiceError,
    StartTimer, TrackChanges,
};

use super::util::{Env, mcp_session};

/// Every recorded table (all but the log's own, the audit log and tokens) with all its rows.
type Tables = BTreeMap<String, Vec<Vec<Value>>>;

fn tables(env: &Env) -> Tables {
    let conn = Connection::open(env.db_path()).unwrap();
    let names: Vec<String> = conn
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'
               AND name NOT IN ('refinery_schema_history', 'change_log', 'change_clock',
                                'request_ids', 'audit_log', 'api_tokens',
                                -- Id high-water marks: an undo never lowers them, so that
                                -- an id once handed out is never handed out again.
                                'sync_ids')
             ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    names
        .into_iter()
        .map(|t| {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {t} ORDER BY 1, 2"))
                .unwrap();
            let n = stmt.column_count();
            let rows = stmt
                .query_map([], |r| (0..n).map(|i| r.get::<_, Value>(i)).collect())
                .unwrap()
                .collect::<rusqlite::Result<Vec<Vec<Value>>>>()
                .unwrap();
            (t, rows)
        })
        .collect()
}

fn changes(env: &Env) -> i64 {
    env.count("SELECT count(*) FROM change_log")
}

fn seed(env: &Env) {
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc.create_tag("meeting").unwrap();
}

fn track() -> NewTrack {
    NewTrack {
        start: "2026-11-20 09:00".into(),
        end: Some("2026-11-20 10:30".into()),
        project: Some("Website".into()),
        tags: vec!["meeting".into()],
        description: Some("hero".into()),
        ..Default::default()
    }
}

fn conflict(r: Result<impl std::fmt::Debug, ServiceError>, fragments: &[&str]) -> String {
    let e = r.unwrap_err();
    assert!(matches!(e, ServiceError::Conflict(_)), "{e:?}");
    let text = e.to_string();
    for f in fragments {
        assert!(text.contains(f), "{f:?} not in {text:?}");
    }
    text
}

#[test]
fn undo_restores_a_create_an_update_and_a_delete_exactly() {
    let env = Env::new();
    seed(&env);

    let before = tables(&env);
    let t = env.svc.create_track(track()).unwrap().track;
    let page = env.svc.list_changes(ListChanges::default()).unwrap();
    let newest = &page.items[0];
    assert_eq!(newest.operation, "create_track");
    assert_eq!(newest.frontend, "cli");
    assert_eq!(
        newest.summary,
        format!(
            "create_track: added track {} (Website, 2026-11-20 09:00-10:30)",
            t.id
        )
    );
    assert_eq!(newest.rows, format!("tracks {0}; track_tags {0}/1", t.id));
    let undone = env.svc.undo_change(None).unwrap();
    assert_eq!(undone.reverted.id, newest.id);
    assert_eq!(undone.undo.undo_of, Some(newest.id));
    assert!(undone.undo.summary.starts_with("undo_change: undid change"));
    assert_eq!(tables(&env), before, "the create is gone without a trace");

    let t = env.svc.create_track(track()).unwrap().track;
    let before = tables(&env);
    env.svc
        .update_track(
            t.id.0,
            TrackChanges {
                description: Some("footer".into()),
                tags: Some(vec![]),
                end: Some("2026-11-20 11:00".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let summary = &env.svc.list_changes(ListChanges::default()).unwrap().items[0].summary;
    assert!(
        summary.contains(&format!("changed track {}", t.id)),
        "{summary}"
    );
    assert!(
        summary.contains("end_at") && summary.contains("description"),
        "{summary}"
    );
    env.svc.undo_change(None).unwrap();
    assert_eq!(
        tables(&env),
        before,
        "the update is reverted, tags included"
    );

    env.svc.delete_track(t.id.0).unwrap();
    assert_eq!(env.count("SELECT count(*) FROM track_tags"), 0, "cascaded");
    env.svc.undo_change(None).unwrap();
    assert_eq!(
        tables(&env),
        before,
        "the deleted track is back with its tags (the cascade's deletes are inverted too)"
    );
}

#[test]
fn an_undo_can_be_undone_and_repeated_undos_walk_back() {
    let env = Env::new();
    seed(&env);
    let start = tables(&env);
    let a = env.svc.create_track(track()).unwrap().track;
    let after_a = tables(&env);
    env.svc
        .update_track(
            a.id.0,
            TrackChanges {
                description: Some("second".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let after_b = tables(&env);

    let u1 = env.svc.undo_change(None).unwrap();
    assert_eq!(u1.reverted.operation, "update_track");
    assert_eq!(tables(&env), after_a);
    let u2 = env.svc.undo_change(None).unwrap();
    assert_eq!(
        u2.reverted.operation, "create_track",
        "walks back, not redo"
    );
    assert_eq!(tables(&env), start);

    // Redo: undo the undo of the create, then the undo of the update.
    let r = env.svc.undo_change(Some(u2.undo.id)).unwrap();
    assert_eq!(r.undo.undo_of, Some(u2.undo.id));
    assert_eq!(tables(&env), after_a);
    env.svc.undo_change(Some(u1.undo.id)).unwrap();
    assert_eq!(tables(&env), after_b);

    // Undoing a change that is undone names the undo to revert instead.
    let again = env.svc.undo_change(Some(u2.undo.id));
    conflict(
        again,
        &["already undone", &format!("undo change {}", r.undo.id)],
    );
    // The redone create can be undone again (through the top of its chain): the update of
    // the same row came later, so that is refused and names it.
    let text = conflict(
        env.svc.undo_change(Some(u2.reverted.id)),
        &["was changed since by change"],
    );
    assert!(text.contains("Nothing was changed"), "{text}");
    assert_eq!(tables(&env), after_b);
}

#[test]
fn undo_is_refused_when_a_later_change_touched_the_same_row() {
    let env = Env::new();
    seed(&env);
    let t = env.svc.create_track(track()).unwrap().track;
    let create = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    env.svc
        .update_track(
            t.id.0,
            TrackChanges {
                description: Some("edited later".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let update = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    let before = tables(&env);
    let n = changes(&env);
    conflict(
        env.svc.undo_change(Some(create)),
        &[
            &format!("change {create} cannot be undone"),
            &format!(
                "track {} was changed since by change {update} (update_track)",
                t.id
            ),
        ],
    );
    assert_eq!(tables(&env), before, "nothing half-applied");
    assert_eq!(changes(&env), n, "a refused undo records nothing");

    // A later delete of the row: undoing the update meets a missing row.
    env.svc.delete_track(t.id.0).unwrap();
    let delete = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    conflict(
        env.svc.undo_change(Some(update)),
        &[&format!(
            "was deleted since by change {delete} (delete_track)"
        )],
    );
    // Undoing a delete whose name was taken again breaks the unique name: refused too.
    env.svc
        .delete_tag(DeleteTag {
            tag: "meeting".into(),
            force: true,
        })
        .unwrap();
    let del_tag = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    env.svc.create_tag("Meeting").unwrap();
    conflict(env.svc.undo_change(Some(del_tag)), &["cannot be undone"]);
}

#[test]
fn undo_is_refused_for_an_issued_invoice_and_its_tracks() {
    let env = Env::new();
    seed(&env);
    let t = env.svc.create_track(track()).unwrap().track;
    let create_track = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Website".into()],
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    let sent = env
        .svc
        .mark_invoice_sent(&inv.id.0.to_string(), None)
        .unwrap();
    let number = sent.number.clone().unwrap();
    let mark = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    let before = tables(&env);
    conflict(
        env.svc.undo_change(Some(mark)),
        &[&format!("invoice {number} is sent"), "final"],
    );
    conflict(
        env.svc.undo_change(Some(create_track)),
        &[
            &format!("track {}", t.id),
            &format!("invoice {number} is sent"),
        ],
    );
    assert_eq!(tables(&env), before, "nothing half-applied");
    env.svc.mark_invoice_paid(&number, None).unwrap();
    let paid = tables(&env);
    conflict(env.svc.undo_change(None), &["is paid"]);
    assert_eq!(tables(&env), paid);
}

#[test]
fn request_id_replays_the_first_answer_for_24_hours() {
    let env = Env::new();
    seed(&env);
    let (first, replayed) = env
        .svc
        .once(Some("req-1"), |s| s.create_track(track()))
        .unwrap();
    assert!(!replayed);
    let n = changes(&env);
    let audit = env.count("SELECT count(*) FROM audit_log");
    let snapshot = tables(&env);

    env.clock.advance(23 * 3600);
    let (again, replayed) = env
        .svc
        .once(Some("req-1"), |s| s.create_track(track()))
        .unwrap();
    assert!(replayed);
    assert_eq!(again.track.id, first.track.id, "the same record");
    assert_eq!(again.track.tags, first.track.tags);
    assert_eq!(tables(&env), snapshot, "nothing written");
    assert_eq!(changes(&env), n);
    assert_eq!(env.count("SELECT count(*) FROM audit_log"), audit);

    // Another caller's ids are its own.
    let other = env.svc.for_caller(Caller::local(Frontend::McpStdio));
    let (theirs, replayed) = other
        .once(Some("req-1"), |s| s.create_tag("review"))
        .unwrap();
    assert!(!replayed);
    assert_eq!(theirs.name, "review");

    // After 24 hours the id is forgotten (and purged by the next write): the call is new (an
    // exact repeat of a track, so it says it means it).
    env.clock.advance(3600 + 1);
    let (later, replayed) = env
        .svc
        .once(Some("req-1"), |s| {
            s.create_track(NewTrack {
                allow_duplicate: true,
                ..track()
            })
        })
        .unwrap();
    assert!(!replayed);
    assert_ne!(later.track.id, first.track.id);
    assert_eq!(
        env.count("SELECT count(*) FROM request_ids WHERE caller = 'cli'"),
        1,
        "the expired id was replaced"
    );
    env.clock.advance(25 * 3600);
    env.svc.create_tag("cleanup").unwrap();
    assert_eq!(
        env.count("SELECT count(*) FROM request_ids"),
        0,
        "expired ids are purged on write"
    );
}

#[test]
fn request_id_with_other_arguments_or_another_tool_is_refused() {
    let env = Env::new();
    seed(&env);
    env.svc
        .once(Some("abc"), |s| s.create_track(track()))
        .unwrap();
    let snapshot = tables(&env);
    let mut other = track();
    other.description = Some("something else".into());
    conflict(
        env.svc.once(Some("abc"), |s| s.create_track(other)),
        &[
            "`request_id` \"abc\" was used for another call",
            "create_track",
        ],
    );
    conflict(
        env.svc
            .once(Some("abc"), |s| s.start_timer(StartTimer::default())),
        &["was used for another call"],
    );
    assert_eq!(tables(&env), snapshot);

    // A replay of a record deleted since says so instead of answering with another one.
    env.svc
        .once(Some("tag-1"), |s| s.create_tag("gone"))
        .unwrap();
    env.svc.undo_change(None).unwrap();
    conflict(
        env.svc.once(Some("tag-1"), |s| s.create_tag("gone")),
        &["deleted or undone since", "new `request_id`"],
    );

    for bad in ["", "   ", &"x".repeat(201), "a\nb"] {
        let e = env
            .svc
            .once(Some(bad), |s| s.create_tag("never"))
            .unwrap_err();
        assert!(e.to_string().contains("request_id"), "{e}");
    }
    assert!(
        env.svc
            .once(Some(&"é".repeat(200)), |s| s.create_tag("fine"))
            .is_ok(),
        "200 characters are allowed, whatever their bytes"
    );
}

/// Arguments for every tool that writes, in an order where each call succeeds, and how many
/// changes each records.
/// A folder for the `sync` call, removed when the test process ends (kept for the process).
fn sync_folder() -> String {
    static DIR: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().unwrap())
        .path()
        .display()
        .to_string()
}

fn write_calls() -> Vec<(&'static str, Json, i64)> {
    vec![
        (
            "create_client",
            json!({"name": "Acme", "email": "a@acme.test"}),
            1,
        ),
        ("update_client", json!({"client": "Acme", "notes": "n"}), 1),
        (
            "create_project",
            json!({"name": "Web", "client": "Acme", "hourly_rate": "100"}),
            1,
        ),
        (
            "update_project",
            json!({"project": "Web", "color": "#112233"}),
            1,
        ),
        ("create_tag", json!({"name": "meeting"}), 1),
        ("update_tag", json!({"tag": "meeting", "name": "meet"}), 1),
        (
            "create_track",
            json!({"start": "2026-11-20 09:00", "end": "2026-11-20 10:00", "project": "Web", "tags": ["meet"]}),
            1,
        ),
        (
            "update_track",
            json!({"track_id": 1, "description": "d"}),
            1,
        ),
        ("start_timer", json!({"start": "11:00"}), 1),
        ("stop_timer", json!({}), 1),
        ("continue_timer", json!({}), 1),
        ("delete_track", json!({"track_id": 2}), 1),
        (
            "create_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
            1,
        ),
        ("delete_invoice", json!({"invoice_id": "1"}), 1),
        (
            "create_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
            1,
        ),
        // Ids are never reused: the new invoice is 2, not the deleted one's 1.
        (
            "update_invoice",
            json!({"invoice_id": "2", "notes": "thanks"}),
            1,
        ),
        ("mark_invoice_sent", json!({"invoice_id": "2"}), 1),
        ("void_invoice", json!({"invoice_id": "2"}), 1),
        (
            "create_invoice",
            json!({"client": "Acme", "from": "2026-11-01", "to": "2026-11-30"}),
            1,
        ),
        ("mark_invoice_sent", json!({"invoice_id": "3"}), 1),
        ("mark_invoice_paid", json!({"invoice_id": "3"}), 1),
        ("export_invoice_csv", json!({"invoice_id": "3"}), 0),
        ("export_invoice_pdf", json!({"invoice_id": "3"}), 0),
        ("create_project", json!({"name": "Tmp"}), 1),
        ("delete_project", json!({"project": "Tmp"}), 1),
        ("create_client", json!({"name": "Gone"}), 1),
        ("delete_client", json!({"client": "Gone"}), 1),
        ("create_task", json!({"project": "Web", "name": "Hero"}), 1),
        ("update_task", json!({"task": "Hero", "status": "done"}), 1),
        ("delete_task", json!({"task": "Hero"}), 1),
        ("delete_tag", json!({"tag": "meet", "force": true}), 1),
        ("update_settings", json!({"week_start": "sunday"}), 1),
        (
            "create_expense",
            json!({"project": "Web", "date": "2026-11-20", "amount": "12.50", "description": "Train"}),
            1,
        ),
        (
            "update_expense",
            json!({"expense_id": "1", "amount": "13"}),
            1,
        ),
        ("delete_expense", json!({"expense_id": "1"}), 1),
        ("undo_change", json!({}), 1),
        // A sync records no change of its own: what it applies are other devices' changes,
        // and joining (renumbering ids) is not a change.
        ("sync", json!({"folder": sync_folder()}), 0),
    ]
}

#[test]
fn every_tool_that_writes_records_exactly_one_change() {
    let env = Env::new();
    let list = mcp_session(
        &env,
        &json!({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).to_string(),
    );
    let writers: Vec<String> = list[0]["result"]["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["annotations"]["readOnlyHint"] != true)
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    let calls = write_calls();
    for w in &writers {
        assert!(
            calls.iter().any(|(name, _, _)| name == w),
            "write tool {w} is not exercised here: add it to write_calls"
        );
    }
    for (i, (name, args, want)) in calls.into_iter().enumerate() {
        let before = changes(&env);
        let line = json!({"jsonrpc": "2.0", "id": i, "method": "tools/call",
                          "params": {"name": name, "arguments": args}})
        .to_string();
        let out = mcp_session(&env, &line);
        assert_eq!(out[0]["result"]["isError"], false, "{name}: {:?}", out[0]);
        assert_eq!(
            changes(&env) - before,
            want,
            "{name} records {want} change(s)"
        );
        if want == 1 {
            let op: String = Connection::open(env.db_path())
                .unwrap()
                .query_row(
                    "SELECT operation FROM change_log ORDER BY id DESC",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            assert_eq!(op, name);
        }
    }
}

#[test]
fn tools_replay_with_request_id_and_list_and_undo_changes() {
    let env = Env::new();
    let call = |id: i64, name: &str, args: Json| {
        let line = json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
                          "params": {"name": name, "arguments": args}})
        .to_string();
        mcp_session(&env, &line).remove(0)
    };
    let a = call(
        1,
        "create_tag",
        json!({"name": "meeting", "request_id": "r1"}),
    );
    assert_eq!(a["result"]["isError"], false, "{a}");
    assert!(a["result"]["structuredContent"].get("replayed").is_none());
    let b = call(
        2,
        "create_tag",
        json!({"name": "meeting", "request_id": "r1"}),
    );
    assert_eq!(b["result"]["structuredContent"]["replayed"], true, "{b}");
    assert_eq!(
        b["result"]["structuredContent"]["tag"],
        a["result"]["structuredContent"]["tag"]
    );
    let c = call(
        3,
        "create_tag",
        json!({"name": "other", "request_id": "r1"}),
    );
    assert_eq!(c["result"]["isError"], true, "{c}");

    let list = call(4, "list_changes", json!({"limit": 1}));
    let page = &list["result"]["structuredContent"];
    assert_eq!(page["changes"][0]["operation"], "create_tag");
    assert_eq!(
        page["changes"][0]["summary"],
        "create_tag: added tag 1 (meeting)"
    );
    assert!(page["next_cursor"].is_string(), "{page}");
    let undo = call(5, "undo_change", json!({}));
    assert_eq!(undo["result"]["isError"], false, "{undo}");
    assert_eq!(env.count("SELECT count(*) FROM tags"), 0);
}

#[test]
fn over_http_a_token_undoes_only_its_own_changes() {
    let env = Env::new();
    env.svc.create_tag("mine").unwrap();
    let token = env.svc.for_caller(Caller {
        frontend: Frontend::McpHttp,
        token_name: Some("agent".into()),
        redact_contacts: true,
        may_write_files: false,
        drafts: false,
    });
    conflict(
        token.undo_change(Some(2)),
        &["not by this token", "stint undo 2"],
    );
    token.create_tag("theirs").unwrap();
    let u = token.undo_change(None).unwrap();
    assert_eq!(u.reverted.token_name.as_deref(), Some("agent"));
    assert_eq!(env.count("SELECT count(*) FROM tags"), 1);
}

#[test]
fn every_recorded_table_has_a_primary_key_and_secrets_stay_out() {
    let env = Env::new();
    let conn = stint::store::open(&env.db_path()).unwrap();
    assert_eq!(
        stint::store::changes::unrecordable_tables(&conn).unwrap(),
        Vec::<String>::new()
    );
    env.svc.create_token("agent", "write", false).unwrap();
    assert_eq!(
        env.count("SELECT count(*) FROM change_log WHERE rows_touched LIKE '%api_tokens%'"),
        0
    );
    let device: String = conn
        .query_row("SELECT device_id FROM change_clock", [], |r| r.get(0))
        .unwrap();
    assert_eq!(device.len(), 32);
}

#[test]
fn hlc_stamps_never_go_backwards() {
    let env = Env::new();
    env.svc.create_tag("a").unwrap();
    env.clock.advance(-3600);
    env.svc.create_tag("b").unwrap();
    env.svc.create_tag("c").unwrap();
    let conn = Connection::open(env.db_path()).unwrap();
    let stamps: Vec<i64> = conn
        .prepare("SELECT hlc FROM change_log ORDER BY id")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    assert!(stamps.windows(2).all(|w| w[1] > w[0]), "{stamps:?}");
    let now_ms = super::util::utc(super::util::NOW).timestamp_millis();
    assert_eq!(
        stamps[0] >> 16,
        now_ms,
        "physical part is the clock's milliseconds"
    );
}

#[test]
fn a_change_from_another_schema_version_is_not_undone() {
    let env = Env::new();
    env.svc.create_tag("old").unwrap();
    let id = env.svc.list_changes(ListChanges::default()).unwrap().items[0].id;
    Connection::open(env.db_path())
        .unwrap()
        .execute(
            "UPDATE change_log SET schema_version = schema_version - 1 WHERE id = ?1",
            [id],
        )
        .unwrap();
    conflict(
        env.svc.undo_change(Some(id)),
        &[
            "recorded at schema version",
            "only undoes changes recorded at the current",
        ],
    );
    assert_eq!(env.count("SELECT count(*) FROM tags"), 1);
}

#[test]
fn a_refused_create_keeps_no_request_id() {
    let env = Env::new();
    seed(&env);
    let e = env
        .svc
        .once(Some("dup"), |s| s.create_tag("meeting"))
        .unwrap_err();
    assert!(e.to_string().contains("already exists"), "{e}");
    assert_eq!(env.count("SELECT count(*) FROM request_ids"), 0);
    let (tag, replayed) = env
        .svc
        .once(Some("dup"), |s| s.create_tag("meeting 2"))
        .unwrap();
    assert!(!replayed, "the id is free for the corrected call");
    assert_eq!(tag.name, "meeting 2");
}

#[test]
fn an_import_is_one_change_per_batch_and_can_be_undone() {
    let env = Env::new();
    let before = tables(&env);
    let n = changes(&env);
    let csv = "start,end,project,client,tags,description\n\
               2026-11-02 09:00,2026-11-02 10:00,Site,Acme,a;b,one\n\
               2026-11-03 09:00,2026-11-03 11:00,Site,Acme,b,two\n";
    env.svc
        .import_csv(csv.as_bytes(), &stint::service::NoProgress)
        .unwrap();
    assert_eq!(changes(&env), n + 1);
    let c = &env.svc.list_changes(ListChanges::default()).unwrap().items[0];
    assert_eq!(c.operation, "import_csv");
    assert!(c.summary.contains("added client 1 (Acme)"), "{}", c.summary);
    assert!(c.summary.contains("more row changes"), "{}", c.summary);
    env.svc.undo_change(None).unwrap();
    assert_eq!(tables(&env), before);
}

#[test]
fn cli_history_and_undo() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let run = |args: &[&str]| super::util::stint(args).db(&db).run().triple();
    let (ok, out, _) = run(&["history"]);
    assert!(ok);
    assert_eq!(out.trim(), "No changes recorded yet.");
    let (ok, _, err) = run(&[
        "log",
        "review",
        "--start",
        "2026-11-20 09:00",
        "--end",
        "2026-11-20 10:00",
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = run(&["history", "--limit", "5"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("create_track: added track 1 (2026-11-20 09:00-10:00)"),
        "{out}"
    );
    let (ok, out, err) = run(&["undo"]);
    assert!(ok, "{err}");
    assert!(
        out.starts_with("Undid change 1: create_track: added track 1"),
        "{out}"
    );
    assert!(out.contains("stint undo 2"), "{out}");
    let (ok, out, _) = run(&["history"]);
    assert!(ok);
    assert!(
        out.contains("undone by 2") && out.contains("undo of 1"),
        "{out}"
    );
    let (ok, _, err) = run(&["undo", "1"]);
    assert!(!ok);
    assert!(err.contains("already undone (by change 2)"), "{err}");
    let (ok, _, err) = run(&["undo", "99"]);
    assert!(!ok);
    assert!(err.contains("no change has id 99"), "{err}");
}

#[test]
fn a_bulk_change_is_summarised_by_counts() {
    let env = Env::new();
    let mut csv = String::from("start,end,project,tags\n");
    for day in 1..=30 {
        for hour in [9, 14] {
            csv.push_str(&format!(
                "2026-10-{day:02} {hour}:00,2026-10-{day:02} {hour}:30,Site,dev\n"
            ));
        }
    }
    env.svc
        .import_csv(csv.as_bytes(), &stint::service::NoProgress)
        .unwrap();
    let c = &env.svc.list_changes(ListChanges::default()).unwrap().items[0];
    assert_eq!(
        c.summary,
        "import_csv: added 60 tracks, 60 track tags, 1 project, 1 tag"
    );
    assert!(c.rows.contains("+50 more"), "{}", c.rows);
}
