//! Timers and tracks through the service API, on a real database with a frozen clock.

use stint::service::{
    ListTracks, NewClient, NewProject, NewTrack, ServiceError, StartTimer, StopTimer, TrackChanges,
};

use super::util::{Env, utc};

fn seed(env: &Env) {
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            client: Some("Acme".into()),
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
    env.svc.create_tag("meeting").unwrap();
}

fn track(start: &str, end: &str) -> NewTrack {
    NewTrack {
        start: start.into(),
        end: Some(end.into()),
        ..Default::default()
    }
}

#[test]
fn start_stop_and_status() {
    let env = Env::new();
    seed(&env);
    let a = env
        .svc
        .start_timer(StartTimer {
            description: Some("hero".into()),
            project: Some("website".into()),
            tags: vec!["MEETING".into()],
            ..Default::default()
        })
        .unwrap();
    assert!(a.track.is_running());
    assert!(a.track.billable, "Website is billable by default");
    assert_eq!(a.track.tags.len(), 1);
    assert_eq!(a.track.timezone, "Europe/Berlin");
    assert!(a.stopped.is_empty());

    env.clock.advance(1800);
    let b = env
        .svc
        .start_timer(StartTimer {
            project: Some("Internal".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(!b.track.billable, "Internal is not billable by default");
    assert_eq!(b.stopped.len(), 1, "the running timer is stopped first");
    assert_eq!(b.stopped[0].id, a.track.id);
    assert_eq!(b.stopped[0].end, Some(b.track.start));
    assert_eq!(env.svc.list_running_timers().unwrap().len(), 1);

    env.clock.advance(600);
    let stopped = env.svc.stop_timer(StopTimer::default()).unwrap();
    assert_eq!(stopped.track.id, b.track.id);
    assert_eq!(
        (stopped.track.end.unwrap() - stopped.track.start).num_seconds(),
        600
    );

    let err = env.svc.stop_timer(StopTimer::default()).unwrap_err();
    assert!(matches!(err, ServiceError::Conflict(_)));
    assert!(err.to_string().contains("no timer is running"), "{err}");
    // Audit: 4 catalog writes + settings + 2 starts + 1 stop.
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE operation = 'start_timer'"),
        2
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE operation = 'stop_timer'"),
        1
    );
}

#[test]
fn concurrent_timers_when_allowed() {
    let env = Env::new();
    env.svc
        .update_settings(stint::service::SettingsChanges {
            allow_concurrent_timers: Some(true),
            ..Default::default()
        })
        .unwrap();
    let a = env.svc.start_timer(StartTimer::default()).unwrap();
    env.clock.advance(60);
    let b = env.svc.start_timer(StartTimer::default()).unwrap();
    assert!(b.stopped.is_empty());
    assert_eq!(b.overlaps, vec![a.track.id], "two running timers overlap");
    let err = env.svc.stop_timer(StopTimer::default()).unwrap_err();
    assert!(err.to_string().contains("2 timers are running"), "{err}");
    env.svc
        .stop_timer(StopTimer {
            track_id: Some(a.track.id.0),
            end: None,
        })
        .unwrap();
    let err = env
        .svc
        .stop_timer(StopTimer {
            track_id: Some(a.track.id.0),
            end: None,
        })
        .unwrap_err();
    assert!(err.to_string().contains("is not running"), "{err}");
}

#[test]
fn refused_tracks_change_nothing() {
    let env = Env::new();
    seed(&env);
    env.svc
        .create_client(NewClient {
            name: "Globex".into(),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            client: Some("Globex".into()),
            ..Default::default()
        })
        .unwrap();
    let before = env.snapshot();
    let cases: Vec<(NewTrack, &str)> = vec![
        (
            track("2026-11-20 11:00", "2026-11-20 09:00"),
            "is before the start",
        ),
        (
            track("2026-11-20 11:00", "2026-11-20 11:00"),
            "zero seconds",
        ),
        (
            NewTrack {
                start: "2026-11-20 11:00".into(),
                duration: Some("0m".into()),
                ..Default::default()
            },
            "is zero",
        ),
        (
            track("2026-11-21 12:00", "2026-11-21 15:00"),
            "in the future",
        ),
        (
            NewTrack {
                project: Some("Nope".into()),
                ..track("2026-11-20 09:00", "2026-11-20 10:00")
            },
            "no project is named or numbered \"Nope\"; the closest are \"Internal\", \"Website (client Acme)\", \"Website (client Globex)\"",
        ),
        (
            NewTrack {
                project: Some("website".into()),
                ..track("2026-11-20 09:00", "2026-11-20 10:00")
            },
            "2 projects are named \"website\": id 1 = \"Website (Acme)\", id 3 = \"Website (Globex)\"",
        ),
        (
            NewTrack {
                tags: vec!["meeting".into(), "nope".into()],
                ..track("2026-11-20 09:00", "2026-11-20 10:00")
            },
            "no tag is named or numbered \"nope\"",
        ),
        (
            NewTrack {
                start: "2026-11-20 09:00".into(),
                ..Default::default()
            },
            "needs an end or a duration",
        ),
        (
            NewTrack {
                duration: Some("1h".into()),
                ..track("2026-11-20 09:00", "2026-11-20 10:00")
            },
            "two of `start`, `end` and `duration`, not all three",
        ),
        (
            track("2026-03-29 02:30", "2026-03-29 04:00"),
            "does not exist in Europe/Berlin",
        ),
        (
            track("next tuesday", "2026-03-29 04:00"),
            "names a day but no time of day",
        ),
        (
            NewTrack {
                hourly_rate: Some("-5".into()),
                ..track("2026-11-20 09:00", "2026-11-20 10:00")
            },
            "negative",
        ),
    ];
    for (req, expected) in cases {
        let err = env.svc.create_track(req).unwrap_err().to_string();
        assert!(err.contains(expected), "want {expected:?} in {err:?}");
    }
    assert_eq!(env.snapshot(), before, "a refused call writes nothing");
}

#[test]
fn local_times_and_durations() {
    let env = Env::new();
    seed(&env);
    let check = |start: &str, end: Option<&str>, duration: Option<&str>, want: (&str, &str)| {
        let w = env
            .svc
            .create_track(NewTrack {
                start: start.into(),
                end: end.map(Into::into),
                duration: duration.map(Into::into),
                ..Default::default()
            })
            .unwrap();
        assert_eq!(
            (w.track.start, w.track.end.unwrap()),
            (utc(want.0), utc(want.1)),
            "{start}"
        );
    };
    // Berlin is UTC+1 in November, UTC+2 in July.
    check(
        "2026-11-20 09:00",
        Some("2026-11-20 11:00"),
        None,
        ("2026-11-20T08:00:00Z", "2026-11-20T10:00:00Z"),
    );
    check(
        "2026-07-01 09:00",
        None,
        Some("1h30m"),
        ("2026-07-01T07:00:00Z", "2026-07-01T08:30:00Z"),
    );
    check(
        "2026-11-19T09:00:00-05:00",
        None,
        Some("PT45M"),
        ("2026-11-19T14:00:00Z", "2026-11-19T14:45:00Z"),
    );
    check(
        "yesterday 22:00",
        Some("today 01:30"),
        None,
        ("2026-11-20T21:00:00Z", "2026-11-21T00:30:00Z"),
    );
    check(
        "2026-10-25 01:00",
        None,
        Some("3h"),
        ("2026-10-24T23:00:00Z", "2026-10-25T02:00:00Z"),
    );
}

#[test]
fn pages_cover_every_track_once() {
    let env = Env::new();
    seed(&env);
    for day in 1..=9 {
        for hour in [9, 11, 14] {
            env.svc
                .create_track(NewTrack {
                    description: Some(format!("d{day} h{hour}")),
                    project: Some(if hour == 14 { "Internal" } else { "1" }.into()),
                    ..track(
                        &format!("2026-11-0{day} {hour}:00"),
                        &format!("2026-11-0{day} {hour}:45"),
                    )
                })
                .unwrap();
        }
    }
    let mut seen = Vec::new();
    let mut cursor = None;
    loop {
        let page = env
            .svc
            .list_tracks(ListTracks {
                limit: Some(4),
                cursor: cursor.take(),
                ..Default::default()
            })
            .unwrap();
        assert!(page.items.len() <= 4);
        seen.extend(page.items.iter().map(|t| t.id.0));
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen.len(), 27);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), 27, "no track twice");

    let filtered = |req: ListTracks| env.svc.list_tracks(req).unwrap().items.len();
    assert_eq!(
        filtered(ListTracks {
            from: Some("2026-11-02".into()),
            to: Some("2026-11-03".into()),
            ..Default::default()
        }),
        6,
        "dates include both days"
    );
    assert_eq!(
        filtered(ListTracks {
            from: Some("2026-11-02 10:00".into()),
            to: Some("2026-11-02 11:00".into()),
            ..Default::default()
        }),
        0,
        "date-times are half-open"
    );
    assert_eq!(
        filtered(ListTracks {
            project: Some("internal".into()),
            ..Default::default()
        }),
        9
    );
    assert_eq!(
        filtered(ListTracks {
            client: Some("Acme".into()),
            billable: Some(true),
            ..Default::default()
        }),
        18
    );
    assert_eq!(
        filtered(ListTracks {
            search: Some("D3 ".into()),
            ..Default::default()
        }),
        3
    );
    let bad = env
        .svc
        .list_tracks(ListTracks {
            cursor: Some("garbage".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        bad.to_string().contains("was not issued for this list"),
        "{bad}"
    );
}

#[test]
fn update_and_delete() {
    let env = Env::new();
    seed(&env);
    let t = env
        .svc
        .create_track(NewTrack {
            description: Some("draft".into()),
            project: Some("Website".into()),
            ..track("2026-11-20 09:00", "2026-11-20 10:00")
        })
        .unwrap()
        .track;
    let u = env
        .svc
        .update_track(
            t.id.0,
            TrackChanges {
                description: Some("final".into()),
                tags: Some(vec!["meeting".into()]),
                duration: Some("2h".into()),
                project: Some(String::new()),
                hourly_rate: Some("150".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .track;
    assert_eq!(u.description, "final");
    assert_eq!(u.project_id, None);
    assert_eq!(u.tags.len(), 1);
    assert_eq!((u.end.unwrap() - u.start).num_seconds(), 7200);
    assert_eq!(u.hourly_rate.unwrap().to_string(), "150");

    let err = env
        .svc
        .update_track(
            t.id.0,
            TrackChanges {
                end: Some("2026-11-20 08:00".into()),
                ..Default::default()
            },
        )
        .unwrap_err();
    assert!(err.to_string().contains("before the start"), "{err}");

    // A track on an invoice refuses edits and deletes, naming the invoice.
    let conn = rusqlite::Connection::open(env.db_path()).unwrap();
    conn.execute_batch(&format!(
        "INSERT INTO invoices (id, number, status, currency, period_start, period_end, subtotal, tax,
           total, rounding_mode, rounding_increment_minutes, rounding_scope, timezone, created_at, updated_at)
         VALUES (7, 'INV-2026-0001', 'sent', 'EUR', 0, 1, '0', '0', '0', 'none', 15, 'entry', 'UTC', 0, 0);
         UPDATE tracks SET invoice_id = 7 WHERE id = {};",
        t.id
    ))
    .unwrap();
    let err = env
        .svc
        .update_track(
            t.id.0,
            TrackChanges {
                description: Some("x".into()),
                ..Default::default()
            },
        )
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("invoice INV-2026-0001 (id 7, sent)") && err.contains("void_invoice"),
        "{err}"
    );
    let err = env.svc.delete_track(t.id.0).unwrap_err().to_string();
    assert!(err.contains("cannot be deleted"), "{err}");

    let other = env
        .svc
        .create_track(track("2026-11-19 09:00", "2026-11-19 10:00"))
        .unwrap()
        .track;
    let gone = env.svc.delete_track(other.id.0).unwrap();
    assert_eq!(gone.id, other.id);
    let err = env.svc.get_track(other.id.0).unwrap_err().to_string();
    assert!(err.contains("no track has id"), "{err}");
}

#[test]
fn overlaps_are_reported() {
    let env = Env::new();
    let a = env
        .svc
        .create_track(track("2026-11-20 09:00", "2026-11-20 11:00"))
        .unwrap();
    assert!(a.overlaps.is_empty());
    let b = env
        .svc
        .create_track(track("2026-11-20 10:30", "2026-11-20 12:00"))
        .unwrap();
    assert_eq!(b.overlaps, vec![a.track.id]);
    let c = env
        .svc
        .create_track(track("2026-11-20 11:00", "2026-11-20 11:15"))
        .unwrap();
    assert_eq!(c.overlaps, vec![b.track.id], "touching ends do not overlap");
}

#[test]
fn start_timer_in_the_past_stops_at_that_start() {
    let env = Env::new();
    let a = env
        .svc
        .start_timer(StartTimer {
            start: Some("2026-11-21 09:00".into()),
            ..Default::default()
        })
        .unwrap();
    let err = env
        .svc
        .start_timer(StartTimer {
            start: Some("2026-11-21 08:00".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(
        err.to_string().contains("not before the new start"),
        "{err}"
    );
    let b = env
        .svc
        .start_timer(StartTimer {
            start: Some("2026-11-21 10:00".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(b.stopped[0].id, a.track.id);
    assert_eq!(b.stopped[0].end, Some(utc("2026-11-21T09:00:00Z")));
    let err = env
        .svc
        .start_timer(StartTimer {
            start: Some("2026-11-21 14:00".into()),
            ..Default::default()
        })
        .unwrap_err();
    assert!(err.to_string().contains("in the future"), "{err}");
}

mod overlap_property {
    use super::*;
    use chrono::Duration;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(crate::it::util::proptest_config(24, 256))]

        /// The overlaps a write reports are the tracks a brute-force check finds: the first 20
        /// by start then id, and the count of all of them (touching ends do not overlap).
        #[test]
        fn reported_overlaps_match_a_brute_force_check(
            spans in proptest::collection::vec((0i64..600, 1i64..240), 0..45),
            new in (0i64..600, 1i64..240),
        ) {
            let env = Env::new();
            let base = utc("2026-11-20T06:00:00Z");
            let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            let mut made = Vec::new();
            for (from, len) in &spans {
                let (s, e) = (base + Duration::minutes(*from), base + Duration::minutes(from + len));
                // Two equal spans are an exact repeat; recorded anyway, they overlap fully.
                let w = env.svc.create_track(NewTrack {
                    start: fmt(s),
                    end: Some(fmt(e)),
                    allow_duplicate: true,
                    ..Default::default()
                }).unwrap();
                made.push((s, e, w.track.id));
            }
            let (s, e) = (base + Duration::minutes(new.0), base + Duration::minutes(new.0 + new.1));
            let w = env.svc.create_track(NewTrack {
                start: fmt(s),
                end: Some(fmt(e)),
                allow_duplicate: true,
                ..Default::default()
            }).unwrap();
            let mut want: Vec<_> = made.iter().filter(|(a, b, _)| *a < e && *b > s).collect();
            want.sort_by_key(|(a, _, id)| (*a, id.0));
            let ids: Vec<_> = want.iter().take(20).map(|(_, _, id)| *id).collect();
            prop_assert_eq!(&w.overlaps, &ids);
            prop_assert_eq!(w.overlap_count, want.len() as i64);
        }
    }
}
