//! Fail closed: no input panics, every answer is bounded, texts are clean, and a damaged row
//! is reported as such instead of being read as a default.

use proptest::prelude::*;
use serde_json::{Value, json};
use stint::service::{
    Caller, ClientChanges, Frontend, ListTracks, NewClient, NewInvoice, NewProject, NewTrack,
    ProjectChanges, ServiceError, StartTimer, StopTimer, TimeSummary, TrackChanges,
};

use super::util::call_line as call;
use super::util::{Env, mcp_session};

fn tool_error(answer: &Value) -> String {
    assert_eq!(answer["result"]["isError"], true, "{answer}");
    answer["result"]["content"][0]["text"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn err_text<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    r.unwrap_err().to_string()
}

fn track(start: &str, end: &str) -> NewTrack {
    NewTrack {
        start: start.into(),
        end: Some(end.into()),
        ..Default::default()
    }
}

// ----- panics ----------------------------------------------------------------------------------

#[test]
fn a_panicking_tool_call_becomes_an_internal_error_without_panic_text() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let answer: Result<(), rmcp::ErrorData> =
        rt.block_on(stint::mcp::server::contain_panics("some_tool", async {
            if std::hint::black_box(true) {
                panic!("secret detail /home/user/stint.db");
            }
            Ok(())
        }));
    let e = answer.unwrap_err();
    assert_eq!(e.code, rmcp::model::ErrorCode::INTERNAL_ERROR);
    assert_eq!(e.code.0, -32603);
    assert!(!e.message.contains("secret"), "{}", e.message);
    assert!(e.message.contains("wrote nothing"), "{}", e.message);
    // A call that does not panic passes through unchanged.
    let ok: Result<i32, rmcp::ErrorData> =
        rt.block_on(stint::mcp::server::contain_panics("t", async { Ok(7) }));
    assert_eq!(ok.unwrap(), 7);
}

#[test]
fn a_write_that_panics_is_rolled_back() {
    let env = Env::new();
    let mut conn = stint::store::open(&env.db_path()).unwrap();
    let before = env.count("SELECT count(*) FROM tags");
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), stint::store::StoreError> = stint::store::write(
            &mut conn,
            |tx| {
                tx.execute(
                    "INSERT INTO tags (name, created_at, updated_at) VALUES ('x', 0, 0)",
                    [],
                )
                .unwrap();
                panic!("in the middle of a write");
            },
            |_, _, _| Ok(()),
        );
    }));
    assert!(caught.is_err());
    drop(conn);
    assert_eq!(env.count("SELECT count(*) FROM tags"), before);
    // The service still writes afterwards.
    env.svc.create_tag("after").unwrap();
}

#[test]
fn reported_overflows_are_tool_errors_and_stdio_goes_on() {
    let env = Env::new();
    env.svc
        .create_project(NewProject {
            name: "Web".into(),
            ..Default::default()
        })
        .unwrap();
    let lines = [
        call(
            1,
            "create_track",
            json!({"start": "2026-11-20 09:00", "duration": "9223372036854775807s"}),
        ),
        call(
            2,
            "create_track",
            json!({"start": "2026-11-20 09:00", "duration": "99999999999999h"}),
        ),
        call(
            3,
            "update_project",
            json!({"project": "Web", "budget_hours": "79228162514264337593543950335"}),
        ),
        call(
            4,
            "update_project",
            json!({"project": "Web", "budget_amount": "79228162514264337593543950335"}),
        ),
        call(
            5,
            "create_track",
            json!({"start": "2026-11-20 09:00", "duration": "1h", "hourly_rate": "79228162514264337593543950335"}),
        ),
        call(6, "list_running_timers", json!({})),
    ]
    .join("\n");
    let out = mcp_session(&env, &format!("{lines}\n"));
    assert_eq!(
        out.len(),
        6,
        "every line is answered, then EOF ends the session: {out:?}"
    );
    for (answer, fragment) in out[..5].iter().zip([
        "1000000 hours",
        "1000000 hours",
        "1000000 hours",
        "1000000000",
        "1000000000",
    ]) {
        let text = tool_error(answer);
        assert!(text.contains(fragment), "{text}");
    }
    assert_eq!(out[5]["result"]["isError"], false);
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 0);
}

// ----- time limits -----------------------------------------------------------------------------

#[test]
fn instants_outside_1900_to_2199_are_refused() {
    let env = Env::new();
    for (start, end) in [
        ("1000-01-01 00:00", "1999-12-31 00:00"),
        ("1899-12-31 23:00", "1899-12-31 23:30"),
        ("0001-01-01T00:00:00Z", "0001-01-01T01:00:00Z"),
    ] {
        let e = err_text(env.svc.create_track(track(start, end)));
        assert!(e.contains("outside the years 1900 to 2199"), "{e}");
    }
    let e = err_text(env.svc.list_tracks(ListTracks {
        from: Some("0001-01-01".into()),
        ..Default::default()
    }));
    assert!(e.contains("outside the years 1900 to 2199"), "{e}");
}

#[test]
fn a_track_lasts_at_most_31_days_and_a_forgotten_timer_can_still_be_stopped() {
    let env = Env::new();
    let e = err_text(
        env.svc
            .create_track(track("2026-10-20T12:00:00Z", "2026-11-20T12:00:01Z")),
    );
    assert!(e.contains("longer than the 31 days"), "{e}");
    env.svc
        .create_track(track("2026-10-20T12:00:00Z", "2026-11-20T12:00:00Z"))
        .unwrap();
    let e = err_text(env.svc.create_track(NewTrack {
        start: "2026-11-20 09:00".into(),
        duration: Some("745h".into()),
        ..Default::default()
    }));
    assert!(e.contains("31 days"), "{e}");
    let e = err_text(env.svc.start_timer(StartTimer {
        start: Some("2026-10-01 09:00".into()),
        ..Default::default()
    }));
    assert!(e.contains("at most 31 days"), "{e}");

    // A timer older than 31 days (from an earlier version, or a long holiday).
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute(
        "INSERT INTO tracks (start_at, end_at, timezone, description, billable, created_at, \
         updated_at) VALUES (?1, NULL, 'Europe/Berlin', 'forgotten', 0, ?1, ?1)",
        [super::util::utc("2026-09-01T08:00:00Z").timestamp()],
    )
    .unwrap();
    let id = conn.last_insert_rowid();
    let e = err_text(env.svc.stop_timer(StopTimer::default()));
    assert!(
        e.contains("give an `end` at most 31 days after its start"),
        "{e}"
    );
    let stopped = env
        .svc
        .stop_timer(StopTimer {
            track_id: Some(id),
            end: Some("2026-09-01 18:00".into()),
        })
        .unwrap();
    assert_eq!(stopped.track.id.0, id);
}

#[test]
fn summaries_are_bounded_in_rows() {
    let env = Env::new();
    env.svc
        .create_track(track("2026-11-20 09:00", "2026-11-20 10:00"))
        .unwrap();
    let summary = |from: &str, to: &str, by: &str| {
        env.svc.time_summary(TimeSummary {
            from: from.into(),
            to: to.into(),
            group_by: vec![by.into()],
            ..Default::default()
        })
    };
    let e = err_text(summary("0001-01-01", "9999-12-31", "day"));
    assert!(e.contains("outside the years 1900 to 2199"), "{e}");
    for by in ["day", "week"] {
        let e = err_text(summary("1900-01-01", "2199-12-31", by));
        assert!(e.contains("more than the 10000"), "{e}");
        assert!(
            e.contains("narrow the range or group by week, month or year"),
            "{e}"
        );
    }
    for by in ["month", "year", "project"] {
        let s = summary("1900-01-01", "2199-12-31", by).unwrap();
        assert_eq!(s.totals.duration_seconds, 3600, "{by}");
        assert!(s.rows.len() <= 10_000);
    }
    // 27 years by day is within the limit.
    let s = summary("2000-01-01", "2026-12-31", "day").unwrap();
    assert_eq!(s.rows.len(), 1);
}

// ----- texts -----------------------------------------------------------------------------------

#[test]
fn names_refuse_control_characters_and_long_texts() {
    let env = Env::new();
    for bad in ["Acme\0", "Ac\nme", "\u{1b}[31mAcme", "a\tb"] {
        let e = err_text(env.svc.create_client(NewClient {
            name: bad.into(),
            ..Default::default()
        }));
        assert!(e.contains("control character"), "{bad:?}: {e}");
        let e = err_text(env.svc.create_tag(bad));
        assert!(e.contains("control character"), "{bad:?}: {e}");
    }
    let e = err_text(env.svc.create_project(NewProject {
        name: "é".repeat(201),
        ..Default::default()
    }));
    assert!(e.contains("at most 200"), "{e}");
    env.svc
        .create_project(NewProject {
            name: "é".repeat(200),
            ..Default::default()
        })
        .unwrap();
    let e = err_text(env.svc.create_track(NewTrack {
        description: Some("x".repeat(10_001)),
        ..track("2026-11-20 09:00", "2026-11-20 10:00")
    }));
    assert!(e.contains("at most 10000"), "{e}");
    let e = err_text(env.svc.create_track(NewTrack {
        description: Some("a\0b".into()),
        ..track("2026-11-20 09:00", "2026-11-20 10:00")
    }));
    assert!(e.contains("U+0000"), "{e}");
    let w = env
        .svc
        .create_track(NewTrack {
            description: Some("line one\n\tline two".into()),
            ..track("2026-11-20 09:00", "2026-11-20 10:00")
        })
        .unwrap();
    assert_eq!(w.track.description, "line one\n\tline two");
    let c = env
        .svc
        .create_client(NewClient {
            name: "Acme".into(),
            address: Some("Street 1\n12345 Town".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(c.address.is_some());
    let e = err_text(env.svc.update_client(
        "Acme",
        ClientChanges {
            email: Some("a@b.c\r\nBcc: x@y.z".into()),
            ..Default::default()
        },
    ));
    assert!(e.contains("control character"), "{e}");
    let e = err_text(env.svc.update_client(
        "Acme",
        ClientChanges {
            notes: Some("n".repeat(10_001)),
            ..Default::default()
        },
    ));
    assert!(e.contains("at most 10000"), "{e}");
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 1);
}

#[test]
fn long_searches_and_references_get_short_clear_errors() {
    let env = Env::new();
    env.svc
        .create_track(NewTrack {
            description: Some("100% done_now".into()),
            ..track("2026-11-20 09:00", "2026-11-20 10:00")
        })
        .unwrap();
    env.svc
        .create_track(NewTrack {
            description: Some("1000 donexnow".into()),
            ..track("2026-11-20 10:00", "2026-11-20 11:00")
        })
        .unwrap();
    // `%` and `_` are literal.
    let found = env
        .svc
        .list_tracks(ListTracks {
            search: Some("0% done_".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(found.items.len(), 1);
    // Every search up to the limit works, also one of `%` and `\`.
    for s in ["%".repeat(200), "\\".repeat(200), "é".repeat(200)] {
        env.svc
            .list_tracks(ListTracks {
                search: Some(s),
                ..Default::default()
            })
            .unwrap();
    }
    let e = err_text(env.svc.list_tracks(ListTracks {
        search: Some("a".repeat(60_000)),
        ..Default::default()
    }));
    assert!(e.contains("at most 200"), "{e}");
    assert!(!e.contains("too complex"), "{e}");
    // An unknown project of 60 000 characters: a not-found error, quoting only its start.
    let e = err_text(env.svc.create_track(NewTrack {
        project: Some("p".repeat(60_000)),
        ..track("2026-11-20 12:00", "2026-11-20 12:30")
    }));
    assert!(e.contains("no project is named"), "{e}");
    assert!(e.len() < 1_000, "{} bytes", e.len());
    let e = err_text(env.svc.create_track(NewTrack {
        duration: Some("x".repeat(60_000)),
        end: None,
        ..track("2026-11-20 12:00", "")
    }));
    assert!(e.contains("cannot read duration"), "{e}");
    assert!(e.len() < 1_000, "{} bytes", e.len());
}

/// Argument errors quote at most the start of what was sent, whichever deserializer wrote them:
/// our own id/name/decimal readers, and serde's "invalid type: string ..." and "unknown variant".
/// (Found by fuzzing: a `projects` list of nested megabyte strings came back whole, 5 MB.)
#[test]
fn argument_errors_never_echo_an_oversized_value() {
    let env = Env::new();
    let big = "x".repeat(2_000_000);
    let calls = [
        (
            "create_invoice",
            json!({"client": "c", "projects": [[big.clone()]]}),
        ),
        ("create_invoice", json!({"client": [big.clone()]})),
        (
            "update_project",
            json!({"project": {"a": big.clone()}, "budget_hours": "1"}),
        ),
        (
            "update_project",
            json!({"project": "p", "budget_hours": [big.clone()]}),
        ),
        ("get_track", json!({"track_id": big.clone()})),
        ("get_track", json!({"track_id": [big.clone()]})),
        ("list_tracks", json!({"limit": big.clone()})),
        ("time_summary", json!({"group_by": [big.clone()]})),
        ("update_settings", json!({"rounding_mode": big.clone()})),
    ];
    let input: String = calls
        .iter()
        .enumerate()
        .map(|(i, (name, args))| call(i as i64 + 1, name, args.clone()) + "\n")
        .collect();
    let answers = mcp_session(&env, &input);
    assert_eq!(answers.len(), calls.len(), "one answer per request");
    for (answer, (name, _)) in answers.iter().zip(calls) {
        let text = answer.to_string();
        assert!(
            text.len() < 3_000,
            "{name}: an answer of {} bytes",
            text.len()
        );
        assert!(
            answer.get("error").is_some() || answer["result"]["isError"] == true,
            "{name}: {text}"
        );
    }
}

#[test]
fn overlaps_list_20_ids_and_count_them_all() {
    let env = Env::new();
    for i in 0..25 {
        env.svc
            .create_track(track(&format!("2026-11-20 09:{i:02}"), "2026-11-20 10:00"))
            .unwrap();
    }
    let w = env
        .svc
        .create_track(track("2026-11-20 08:00", "2026-11-20 11:00"))
        .unwrap();
    assert_eq!(w.overlap_count, 25);
    assert_eq!(w.overlaps.len(), 20);
    assert_eq!(w.overlaps[0].0, 1, "first by start");
    let out = mcp_session(
        &env,
        &format!(
            "{}\n",
            call(
                1,
                "update_track",
                json!({"track_id": w.track.id.0, "description": "all"})
            )
        ),
    );
    let r = &out[0]["result"]["structuredContent"];
    assert_eq!(r["overlap_count"], 25, "{r}");
    assert_eq!(r["overlaps"].as_array().unwrap().len(), 20);
}

#[test]
fn client_notes_are_redacted_like_contact_details() {
    let env = Env::new();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            email: Some("a@acme.test".into()),
            notes: Some("door code 1234".into()),
            ..Default::default()
        })
        .unwrap();
    let limited = env.svc.for_caller(Caller {
        frontend: Frontend::McpHttp,
        token_name: Some("agent".into()),
        redact_contacts: true,
        may_write_files: false,
        drafts: false,
    });
    let c = limited.get_client("Acme").unwrap();
    assert_eq!(c.notes.as_deref(), Some("[redacted]"));
    assert_eq!(c.email.as_deref(), Some("[redacted]"));
    let c = env.svc.get_client("Acme").unwrap();
    assert_eq!(c.notes.as_deref(), Some("door code 1234"));
}

// ----- damaged rows ----------------------------------------------------------------------------

fn billed_env() -> Env {
    let env = Env::new();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            hourly_rate: Some("100".into()),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Web".into(),
            client: Some("Acme".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_track(NewTrack {
            project: Some("Web".into()),
            billable: Some(true),
            ..track("2026-11-20 09:00", "2026-11-20 11:00")
        })
        .unwrap();
    env
}

fn corrupt(env: &Env, sql: &str) {
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute_batch(&format!("PRAGMA ignore_check_constraints = ON; {sql}"))
        .unwrap();
}

#[test]
fn a_damaged_invoice_row_is_named_not_billed_as_zero() {
    let env = billed_env();
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            ..Default::default()
        })
        .unwrap();
    let id = inv.id.0;
    for (sql, fragment) in [
        (
            format!("UPDATE invoices SET total = 'lots' WHERE id = {id}"),
            format!("bad value in invoices.total of invoice {id}"),
        ),
        (
            format!("UPDATE invoices SET total = '200.00', status = 'pending' WHERE id = {id}"),
            format!("bad value in invoices.status of invoice {id}"),
        ),
        (
            format!("UPDATE invoices SET status = 'draft', currency = 'EURO' WHERE id = {id}"),
            format!("bad value in invoices.currency of invoice {id}"),
        ),
        (
            format!(
                "UPDATE invoices SET currency = 'EUR', created_at = 9223372036854775807 \
                 WHERE id = {id}"
            ),
            format!("bad value in invoices.created_at of invoice {id}"),
        ),
        (
            format!(
                "UPDATE invoices SET created_at = 0; UPDATE invoice_lines SET amount = 'x' \
                 WHERE invoice_id = {id}"
            ),
            "bad value in invoice_lines.amount of invoice line".to_owned(),
        ),
    ] {
        corrupt(&env, &sql);
        let e = err_text(env.svc.get_invoice(&id.to_string()));
        assert!(e.contains(&fragment), "{sql}: {e}");
        assert!(e.contains("restore from a backup or fix the row"), "{e}");
    }
}

#[test]
fn damaged_rates_currencies_instants_and_settings_are_named() {
    let env = billed_env();
    let dry = |env: &Env| {
        env.svc.create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            dry_run: true,
            ..Default::default()
        })
    };
    assert_eq!(dry(&env).unwrap().total.to_string(), "200.00");
    corrupt(&env, "UPDATE clients SET hourly_rate = 'cheap'");
    let e = err_text(dry(&env));
    assert!(
        e.contains("bad value in clients.hourly_rate of client 1"),
        "{e}"
    );
    let e = err_text(env.svc.time_summary(TimeSummary {
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        group_by: vec!["project".into()],
        ..Default::default()
    }));
    assert!(
        e.contains("bad value in clients.hourly_rate of client 1"),
        "{e}"
    );
    corrupt(
        &env,
        "UPDATE clients SET hourly_rate = '100'; UPDATE projects SET currency = 'ZZZ'",
    );
    let e = err_text(dry(&env));
    assert!(
        e.contains("bad value in projects.currency of project 1"),
        "{e}"
    );
    corrupt(
        &env,
        "UPDATE projects SET currency = NULL; UPDATE tracks SET hourly_rate = '1e'",
    );
    let e = err_text(env.svc.get_track(1));
    assert!(
        e.contains("bad value in tracks.hourly_rate of track 1"),
        "{e}"
    );
    corrupt(
        &env,
        "UPDATE tracks SET hourly_rate = NULL, updated_at = -9223372036854775807",
    );
    let e = err_text(env.svc.list_tracks(ListTracks::default()));
    assert!(
        e.contains("bad value in tracks.updated_at of track 1"),
        "{e}"
    );
    corrupt(
        &env,
        "UPDATE tracks SET updated_at = 0; \
         INSERT OR REPLACE INTO settings (key, value, updated_at) VALUES ('default_hourly_rate', 'ten', 0)",
    );
    let e = err_text(env.svc.list_running_timers());
    assert!(
        e.contains("bad value in settings.value of setting default_hourly_rate"),
        "{e}"
    );
    // The damaged setting can be repaired by setting it again, and only that way.
    let e = err_text(env.svc.update_settings(stint::service::SettingsChanges {
        week_start: Some("monday".into()),
        ..Default::default()
    }));
    assert!(
        e.contains("setting default_hourly_rate") && e.contains("set default_hourly_rate again"),
        "{e}"
    );
    let fixed = env
        .svc
        .update_settings(stint::service::SettingsChanges {
            default_hourly_rate: Some("85".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(fixed.settings.default_hourly_rate.to_string(), "85");
    env.svc.list_running_timers().unwrap();
}

// ----- properties ------------------------------------------------------------------------------

/// Texts that look like durations, instants and amounts, with extreme numbers.
fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[0-9]{1,30}(\\.[0-9]{0,30})?",
        "[0-9]{1,25}[hms]",
        "PT[0-9]{1,25}[HMS]",
        "[0-9]{1,8}:[0-9]{1,3}(:[0-9]{1,3})?",
        "-?[0-9]{1,29}(\\.[0-9]{1,28})?(e[0-9]{1,3})?",
        "[0-9]{1,6}-[0-9]{1,2}-[0-9]{1,2}( [0-9]{1,2}:[0-9]{1,2})?",
        "[+-]?[0-9]{4,6}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}([+-][0-9]{2}:[0-9]{2}|Z)",
        Just("79228162514264337593543950335".to_owned()),
        Just("9223372036854775807s".to_owned()),
        Just("-22007823000000000000000e3".to_owned()),
        ".{0,40}",
    ]
}

fn is_clean_refusal(e: &ServiceError) -> bool {
    matches!(e, ServiceError::Domain(_) | ServiceError::Conflict(_))
}

proptest! {
    #![proptest_config(crate::it::util::proptest_config(32, 384))]

    #[test]
    fn no_duration_instant_rate_or_budget_panics(
        start in number_like(),
        duration in number_like(),
        rate in number_like(),
        budget in number_like(),
    ) {
        thread_local! { static ENV: Env = {
            let env = Env::new();
            env.svc.create_project(NewProject { name: "P".into(), ..Default::default() }).unwrap();
            env
        }; }
        ENV.with(|env| {
            let r = env.svc.create_track(NewTrack {
                start: start.clone(),
                duration: Some(duration.clone()),
                hourly_rate: Some(rate.clone()),
                ..Default::default()
            });
            match r {
                Ok(w) => {
                    let secs = (w.track.end.unwrap() - w.track.start).num_seconds();
                    prop_assert!(secs > 0 && secs <= 31 * 86_400);
                    prop_assert!(w.track.start.timestamp() >= -2_208_988_800);
                    let r = w.track.hourly_rate.unwrap();
                    prop_assert!(r <= rust_decimal::Decimal::from(1_000_000_000));
                    env.svc.delete_track(w.track.id.0).unwrap();
                }
                Err(e) => prop_assert!(is_clean_refusal(&e), "{e:?}"),
            }
            let r = env.svc.update_track(1, TrackChanges { duration: Some(duration.clone()), ..Default::default() });
            if let Err(e) = r { prop_assert!(matches!(e, ServiceError::NotFound(_)) || is_clean_refusal(&e), "{e:?}"); }
            for changes in [
                ProjectChanges { budget_hours: Some(budget.clone()), ..Default::default() },
                ProjectChanges { budget_amount: Some(budget.clone()), ..Default::default() },
                ProjectChanges { hourly_rate: Some(rate.clone()), ..Default::default() },
            ] {
                if let Err(e) = env.svc.update_project("P", changes) {
                    prop_assert!(is_clean_refusal(&e), "{e:?}");
                }
            }
            if let Err(e) = env.svc.budget_status(Some("P")) {
                prop_assert!(false, "budget_status after a clean update: {e:?}");
            }
            for by in ["day", "week", "year"] {
                if let Err(e) = env.svc.time_summary(TimeSummary {
                    from: start.clone(),
                    to: duration.clone(),
                    group_by: vec![by.into()],
                    ..Default::default()
                }) {
                    prop_assert!(is_clean_refusal(&e), "{e:?}");
                }
            }
            Ok(())
        })?;
    }
}
