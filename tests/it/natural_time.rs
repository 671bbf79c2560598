//! Times as people say them (issue 18, item 2): weekdays, relative phrases, month names and
//! 12-hour times in every start, end, from and to; a bare end time after its start; tracks
//! longer than 12 hours from phrases flagged; ranges answered in the configured zone with
//! inclusive periods, and an invoice's period the same in JSON, CSV and PDF. The clock is a
//! `FixedClock`, moved per case.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::{Value, json};
use stint::service::{
    NewClient, NewProject, NewTrack, SettingsChanges, StartTimer, StopTimer, TrackChanges,
};

use super::util::call_line as call;
use super::util::{Env, mcp_session, utc};

const BERLIN: &str = "Europe/Berlin";
const NEW_YORK: &str = "America/New_York";
/// Monday 2026-12-07, 14:00 in Berlin.
const MON_14: &str = "2026-12-07T13:00:00Z";

/// A service whose clock reads `now` and whose `timezone` setting is `zone`.
fn env_at(now: &str, zone: &str) -> Env {
    let env = Env::new();
    env.clock.set(utc(now));
    env.svc
        .update_settings(SettingsChanges {
            timezone: Some(zone.into()),
            ..Default::default()
        })
        .unwrap();
    env
}

fn show(t: DateTime<Utc>, zone: &str) -> String {
    let tz: Tz = zone.parse().unwrap();
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Records a track through `create_track` at `now` in `zone` and compares what was recorded.
///
/// `input` is a start alone (recorded with a duration of one minute; `expected` is then the
/// start) or `start -> end` (`expected` is `start -> end (h:mm)`, with ` [flagged]` when the
/// answer carries the long-track warning). An `Err` holds a fragment of the refusal.
fn check(now: &str, zone: &str, input: &str, expected: Result<&str, &str>) {
    let env = env_at(now, zone);
    let (start, end) = match input.split_once(" -> ") {
        Some((s, e)) => (s, Some(e)),
        None => (input, None),
    };
    let got = env.svc.create_track(NewTrack {
        start: start.into(),
        end: end.map(Into::into),
        duration: end.is_none().then(|| "1m".into()),
        ..Default::default()
    });
    match (got, expected) {
        (Ok(w), Ok(want)) => {
            let t = &w.track;
            let text = match end {
                None => show(t.start, zone),
                Some(_) => {
                    let e = t.end.unwrap();
                    format!(
                        "{} -> {} ({}){}",
                        show(t.start, zone),
                        show(e, zone),
                        stint::domain::time::format_hmm((e - t.start).num_seconds()),
                        if w.warning.is_some() {
                            " [flagged]"
                        } else {
                            ""
                        }
                    )
                }
            };
            assert_eq!(text, want, "{input:?} at {now} in {zone}");
        }
        (Err(e), Err(fragment)) => {
            let msg = e.to_string();
            assert!(
                msg.contains(fragment),
                "{input:?} at {now} in {zone}: {msg}"
            );
        }
        (got, want) => panic!(
            "{input:?} at {now} in {zone}: got {:?}, want {want:?}",
            got.map(|w| (
                show(w.track.start, zone),
                w.track.end.map(|e| show(e, zone))
            ))
        ),
    }
}

#[test]
fn phrases_people_use_in_starts_and_ends() {
    let cases: &[(&str, &str, &str, Result<&str, &str>)] = &[
        // The examples of issue 18.
        (
            MON_14,
            BERLIN,
            "monday 13:00",
            Ok("2026-12-07T13:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "last friday 9am",
            Ok("2026-12-04T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2 days ago",
            Ok("2026-12-05T14:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "15 min ago",
            Ok("2026-12-07T13:45:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2026-11-30 9am",
            Ok("2026-11-30T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "Nov 30 9am",
            Ok("2026-11-30T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2 days ago 9am",
            Ok("2026-12-05T09:00:00+01:00"),
        ),
        // A weekday is the most recent one not in the future: 15:00 today has not come yet.
        (
            MON_14,
            BERLIN,
            "monday 15:00",
            Ok("2026-11-30T15:00:00+01:00"),
        ),
        (MON_14, BERLIN, "Mon 3pm", Ok("2026-11-30T15:00:00+01:00")),
        (
            MON_14,
            BERLIN,
            "sunday 10:00",
            Ok("2026-12-06T10:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "tuesday 9am",
            Ok("2026-12-01T09:00:00+01:00"),
        ),
        // `last monday` on a Monday is a week ago.
        (
            MON_14,
            BERLIN,
            "last monday 9am",
            Ok("2026-11-30T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "last friday at 9:30 p.m.",
            Ok("2026-12-04T21:30:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "an hour ago",
            Ok("2026-12-07T13:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "90 minutes ago",
            Ok("2026-12-07T12:30:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "1 week ago 10:00",
            Ok("2026-11-30T10:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "30 Nov 2026 14:00",
            Ok("2026-11-30T14:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "November 30, 2026 2:30pm",
            Ok("2026-11-30T14:30:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "30th november 9am",
            Ok("2026-11-30T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "9am yesterday",
            Ok("2026-12-06T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2026-11-30 12pm",
            Ok("2026-11-30T12:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2026-11-30 9AM",
            Ok("2026-11-30T09:00:00+01:00"),
        ),
        // A month and day without a year is the last one not after today.
        (
            MON_14,
            BERLIN,
            "Dec 30 9am",
            Ok("2025-12-30T09:00:00+01:00"),
        ),
        // Forms that worked before still do.
        (MON_14, BERLIN, "9am", Ok("2026-12-07T09:00:00+01:00")),
        (
            MON_14,
            BERLIN,
            "yesterday 17:30",
            Ok("2026-12-06T17:30:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2026-11-20 09:00",
            Ok("2026-11-20T09:00:00+01:00"),
        ),
        (
            MON_14,
            BERLIN,
            "2026-11-20T09:00:00-05:00",
            Ok("2026-11-20T15:00:00+01:00"),
        ),
        // The same phrases in New York.
        // 08:00 in New York: 9am today has not come yet.
        (
            MON_14,
            NEW_YORK,
            "monday 7am",
            Ok("2026-12-07T07:00:00-05:00"),
        ),
        (
            MON_14,
            NEW_YORK,
            "monday 9am",
            Ok("2026-11-30T09:00:00-05:00"),
        ),
        // The 26:30 bug: the end "11:30" is the first 11:30 after the start.
        (
            MON_14,
            BERLIN,
            "yesterday 9am -> 11:30",
            Ok("2026-12-06T09:00:00+01:00 -> 2026-12-06T11:30:00+01:00 (2:30)"),
        ),
        // Crossing midnight.
        (
            MON_14,
            BERLIN,
            "sunday 22:00 -> 01:00",
            Ok("2026-12-06T22:00:00+01:00 -> 2026-12-07T01:00:00+01:00 (3:00)"),
        ),
        (
            MON_14,
            BERLIN,
            "yesterday 10pm -> 1am",
            Ok("2026-12-06T22:00:00+01:00 -> 2026-12-07T01:00:00+01:00 (3:00)"),
        ),
        (
            MON_14,
            BERLIN,
            "9am -> 11:30",
            Ok("2026-12-07T09:00:00+01:00 -> 2026-12-07T11:30:00+01:00 (2:30)"),
        ),
        // Longer than 12 hours from phrases: recorded, and flagged.
        (
            MON_14,
            BERLIN,
            "yesterday 9am -> today 11:30",
            Ok("2026-12-06T09:00:00+01:00 -> 2026-12-07T11:30:00+01:00 (26:30) [flagged]"),
        ),
        (
            MON_14,
            BERLIN,
            "yesterday 8am -> 23:00",
            Ok("2026-12-06T08:00:00+01:00 -> 2026-12-06T23:00:00+01:00 (15:00) [flagged]"),
        ),
        // ... but not from two full date-times.
        (
            MON_14,
            BERLIN,
            "2026-12-06 08:00 -> 2026-12-06 23:00",
            Ok("2026-12-06T08:00:00+01:00 -> 2026-12-06T23:00:00+01:00 (15:00)"),
        ),
        (
            MON_14,
            BERLIN,
            "yesterday 9am -> 21:00",
            Ok("2026-12-06T09:00:00+01:00 -> 2026-12-06T21:00:00+01:00 (12:00)"),
        ),
        // DST in Berlin: 2026-03-29 has 23 hours, 2026-10-25 has 25.
        (
            "2026-03-30T10:00:00Z",
            BERLIN,
            "yesterday 1am -> 4am",
            Ok("2026-03-29T01:00:00+01:00 -> 2026-03-29T04:00:00+02:00 (2:00)"),
        ),
        (
            "2026-03-30T10:00:00Z",
            BERLIN,
            "yesterday 2:30am",
            Err("does not exist in Europe/Berlin"),
        ),
        (
            "2026-03-30T10:00:00Z",
            BERLIN,
            "saturday 23:00 -> 03:30",
            Ok("2026-03-28T23:00:00+01:00 -> 2026-03-29T03:30:00+02:00 (3:30)"),
        ),
        (
            "2026-10-26T10:00:00Z",
            BERLIN,
            "yesterday 1am -> 4am",
            Ok("2026-10-25T01:00:00+02:00 -> 2026-10-25T04:00:00+01:00 (4:00)"),
        ),
        // 15 minutes before 03:05 CEST, just after the jump, is 01:50 CET.
        (
            "2026-03-29T01:05:00Z",
            BERLIN,
            "15 min ago",
            Ok("2026-03-29T01:50:00+01:00"),
        ),
        // DST in New York: 2026-03-08 springs forward, 2026-11-01 falls back.
        (
            "2026-03-09T15:00:00Z",
            NEW_YORK,
            "yesterday 1:30am -> 3:30am",
            Ok("2026-03-08T01:30:00-05:00 -> 2026-03-08T03:30:00-04:00 (1:00)"),
        ),
        (
            "2026-03-09T15:00:00Z",
            NEW_YORK,
            "sunday 22:00 -> 01:00",
            Ok("2026-03-08T22:00:00-04:00 -> 2026-03-09T01:00:00-04:00 (3:00)"),
        ),
        (
            "2026-11-02T15:00:00Z",
            NEW_YORK,
            "yesterday 00:30 -> 1:30",
            Ok("2026-11-01T00:30:00-04:00 -> 2026-11-01T01:30:00-04:00 (1:00)"),
        ),
        (
            "2026-11-02T15:00:00Z",
            NEW_YORK,
            "sunday 10pm -> 2am",
            Ok("2026-11-01T22:00:00-05:00 -> 2026-11-02T02:00:00-05:00 (4:00)"),
        ),
        // Refusals say what to send.
        (MON_14, BERLIN, "in 10 minutes", Err("is in the future")),
        (
            MON_14,
            BERLIN,
            "monday",
            Err("names a day but no time of day"),
        ),
        (
            MON_14,
            BERLIN,
            "01/04/26 9am",
            Err("dates with slashes are ambiguous"),
        ),
        (
            MON_14,
            BERLIN,
            "3 hours ago 9am",
            Err("either \"2 hours ago\""),
        ),
        (
            MON_14,
            BERLIN,
            "blorp",
            Err(
                "cannot read time \"blorp\": it is now Mon 2026-12-07 14:00 (+01:00, \
                 Europe/Berlin). Accepted: 9am, 14:30, now, yesterday 17:30, monday 13:00, \
                 last friday 9am, 2 days ago 9am, 15 min ago",
            ),
        ),
        (
            "2026-07-06T08:14:00Z",
            BERLIN,
            "blorp",
            Err("it is now Mon 2026-07-06 10:14 (+02:00, Europe/Berlin)"),
        ),
    ];
    for (now, zone, input, expected) in cases {
        check(now, zone, input, *expected);
    }
}

#[test]
fn a_bare_stop_time_is_the_first_after_the_timer_started() {
    let env = env_at(MON_14, BERLIN);
    env.svc
        .start_timer(StartTimer {
            start: Some("yesterday 9am".into()),
            ..Default::default()
        })
        .unwrap();
    let w = env
        .svc
        .stop_timer(StopTimer {
            end: Some("11:30".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        (
            show(w.track.start, BERLIN),
            show(w.track.end.unwrap(), BERLIN),
            w.warning
        ),
        (
            "2026-12-06T09:00:00+01:00".to_owned(),
            "2026-12-06T11:30:00+01:00".to_owned(),
            None
        )
    );

    // A timer forgotten overnight and stopped now is flagged with its length.
    env.svc
        .start_timer(StartTimer {
            start: Some("yesterday 17:00".into()),
            ..Default::default()
        })
        .unwrap();
    let w = env.svc.stop_timer(StopTimer::default()).unwrap();
    let warning = w.warning.expect("a 21-hour timer is flagged").to_string();
    assert!(
        warning.starts_with(
            "this track is 21:00 long (2026-12-06T17:00:00+01:00 to 2026-12-07T14:00:00+01:00)"
        ),
        "{warning}"
    );

    // update_track reads a bare end after the (new) start too.
    let id = w.track.id.0;
    let w = env
        .svc
        .update_track(
            id,
            TrackChanges {
                start: Some("yesterday 22:00".into()),
                end: Some("1am".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        (
            show(w.track.start, BERLIN),
            show(w.track.end.unwrap(), BERLIN)
        ),
        (
            "2026-12-06T22:00:00+01:00".to_owned(),
            "2026-12-07T01:00:00+01:00".to_owned()
        )
    );
}

fn structured(answer: &Value) -> &Value {
    assert_ne!(answer["result"]["isError"], json!(true), "{answer}");
    &answer["result"]["structuredContent"]
}

/// Asks `time_summary` for `from`..`to` at `now` in `zone` and compares
/// `from | to | first_day..last_day` of the answer.
fn check_range(now: &str, zone: &str, from: &str, to: &str, expected: &str) {
    let env = env_at(now, zone);
    let answers = mcp_session(
        &env,
        &call(
            1,
            "time_summary",
            json!({"from": from, "to": to, "group_by": ["day"]}),
        ),
    );
    let s = structured(&answers[0]);
    let got = format!(
        "{} | {} | {}..{}",
        s["from"].as_str().unwrap(),
        s["to"].as_str().unwrap(),
        s["period"]["first_day"].as_str().unwrap(),
        s["period"]["last_day"].as_str().unwrap()
    );
    assert_eq!(got, expected, "{from:?}..{to:?} at {now} in {zone}");
}

#[test]
fn ranges_answer_in_the_zone_with_inclusive_days() {
    let cases = [
        // "last month" came back as 2026-10-31T23:00:00Z.
        (
            MON_14,
            BERLIN,
            "last month",
            "",
            "2026-11-01T00:00:00+01:00 | 2026-12-01T00:00:00+01:00 | 2026-11-01..2026-11-30",
        ),
        (
            MON_14,
            NEW_YORK,
            "last month",
            "",
            "2026-11-01T00:00:00-04:00 | 2026-12-01T00:00:00-05:00 | 2026-11-01..2026-11-30",
        ),
        (
            MON_14,
            BERLIN,
            "last week",
            "",
            "2026-11-30T00:00:00+01:00 | 2026-12-07T00:00:00+01:00 | 2026-11-30..2026-12-06",
        ),
        // The future is allowed in a range's end.
        (
            MON_14,
            BERLIN,
            "monday",
            "in 10 minutes",
            "2026-12-07T00:00:00+01:00 | 2026-12-07T14:10:00+01:00 | 2026-12-07..2026-12-07",
        ),
        (
            MON_14,
            BERLIN,
            "last friday",
            "yesterday",
            "2026-12-04T00:00:00+01:00 | 2026-12-07T00:00:00+01:00 | 2026-12-04..2026-12-06",
        ),
        (
            MON_14,
            BERLIN,
            "Nov 30",
            "Dec 31",
            "2026-11-30T00:00:00+01:00 | 2027-01-01T00:00:00+01:00 | 2026-11-30..2026-12-31",
        ),
        (
            MON_14,
            BERLIN,
            "2026-11",
            "",
            "2026-11-01T00:00:00+01:00 | 2026-12-01T00:00:00+01:00 | 2026-11-01..2026-11-30",
        ),
        (
            MON_14,
            BERLIN,
            "October 2026",
            "",
            "2026-10-01T00:00:00+02:00 | 2026-11-01T00:00:00+01:00 | 2026-10-01..2026-10-31",
        ),
        (
            MON_14,
            BERLIN,
            "2 days ago 9am",
            "15 min ago",
            "2026-12-05T09:00:00+01:00 | 2026-12-07T13:45:00+01:00 | 2026-12-05..2026-12-07",
        ),
    ];
    for (now, zone, from, to, expected) in cases {
        check_range(now, zone, from, to, expected);
    }
}

#[test]
fn expense_and_invoice_dates_read_the_same_phrases() {
    let env = env_at(MON_14, BERLIN);
    env.svc
        .create_project(NewProject {
            name: "Site".into(),
            hourly_rate: Some("100".into()),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    let answers = mcp_session(
        &env,
        &[
            call(
                1,
                "create_expense",
                json!({"project": "Site", "date": "last friday",
                "amount": "10", "description": "train"}),
            ),
            call(
                2,
                "create_expense",
                json!({"project": "Site", "date": "Nov 30",
                "amount": "12", "description": "taxi"}),
            ),
        ]
        .join("\n"),
    );
    assert_eq!(
        structured(&answers[0])["expense"]["date"],
        json!("2026-12-04")
    );
    assert_eq!(
        structured(&answers[1])["expense"]["date"],
        json!("2026-11-30")
    );
    // The CLI's day of `stint week --date` reads days and periods alike.
    assert_eq!(
        env.svc.read_day("last week").unwrap().to_string(),
        "2026-11-30"
    );
    assert_eq!(
        env.svc.read_day("Nov 30").unwrap().to_string(),
        "2026-11-30"
    );
    assert_eq!(
        env.svc.read_day("tuesday").unwrap().to_string(),
        "2026-12-01"
    );
}

/// An invoice for November whose last track crosses into December: the period is
/// 2026-11-01..2026-11-30 in the JSON answer, the CSV and the PDF alike.
#[test]
fn an_invoice_period_is_inclusive_in_json_csv_and_pdf() {
    let env = env_at(MON_14, BERLIN);
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Site".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("100".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_track(NewTrack {
            project: Some("Site".into()),
            start: "Nov 30 9am".into(),
            end: Some("11:30".into()),
            billable: Some(true),
            ..Default::default()
        })
        .unwrap();
    let answers = mcp_session(
        &env,
        &[
            call(
                1,
                "create_invoice",
                json!({"client": "Acme", "from": "last month"}),
            ),
            call(2, "export_invoice_csv", json!({"invoice_id": 1})),
        ]
        .join("\n"),
    );
    let inv = &structured(&answers[0])["invoice"];
    assert_eq!(
        inv["period"],
        json!({"first_day": "2026-11-01", "last_day": "2026-11-30"})
    );
    assert_eq!(
        inv.get("period_end"),
        None,
        "no exclusive end next to the period"
    );
    let csv = structured(&answers[1])["csv"].as_str().unwrap().to_owned();
    let mut rows = csv.lines();
    let header: Vec<&str> = rows.next().unwrap().split(',').collect();
    let first_line: Vec<&str> = rows.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    assert_eq!(
        (
            first_line[col("period_first_day")],
            first_line[col("period_last_day")]
        ),
        ("2026-11-01", "2026-11-30")
    );
    let (_, pdf) = env.svc.export_invoice_pdf("1").unwrap();
    let text = super::util::read_pdf(&pdf).text();
    assert!(text.contains("2026-11-01 – 2026-11-30"), "{text}");
}

#[test]
fn cli_week_reads_last_week_like_report() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cli.db");
    let run = |args: &[&str]| super::util::stint(args).db(&db).ok().json();
    let week = run(&["--json", "week", "--date", "last week"]);
    let report = run(&["--json", "report", "--from", "last week"]);
    assert_eq!(week["period"], report["period"]);
    let first = chrono::NaiveDate::parse_from_str(
        week["period"]["first_day"].as_str().unwrap(),
        "%Y-%m-%d",
    )
    .unwrap();
    let last =
        chrono::NaiveDate::parse_from_str(week["period"]["last_day"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert_eq!((last - first).num_days(), 6);

    // The long-track warning is a line of its own on the CLI.
    let stdout =
        super::util::stint(&["log", "--start", "2 days ago 8am", "--end", "yesterday 9am"])
            .db(&db)
            .ok()
            .stdout;
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("Warning: this track is 25:00 long")),
        "{stdout}"
    );
}
