//! Billing through the service API: invoices (generation, rates, currencies, rounding, grouping,
//! lifecycle, numbering, CSV export) and analytics (time summaries, budgets, unbilled work), on a
//! real database with the clock frozen at 2026-11-21 12:00 UTC in Europe/Berlin.

use std::collections::BTreeMap;
use std::fmt::Debug;

use proptest::prelude::*;
use rust_decimal::Decimal;
use stint::domain::entities::{Invoice, InvoiceStatus};
use stint::domain::rounding::{round_seconds, rounded_total};
use stint::domain::settings::{ROUNDING_INCREMENTS, Rounding, RoundingMode, RoundingScope};
use stint::service::{
    InvoiceChanges, ListInvoices, ListTracks, NewClient, NewInvoice, NewProject, NewTrack,
    RoundingChanges, ServiceError, SettingsChanges, StartTimer, Summary, TimeSummary, TrackChanges,
};

use super::util::{Env, utc};

// ---------------------------------------------------------------------------------------------
// Helpers

fn client(env: &Env, name: &str, currency: Option<&str>, rate: Option<&str>) {
    env.svc
        .create_client(NewClient {
            name: name.into(),
            currency: currency.map(Into::into),
            hourly_rate: rate.map(Into::into),
            ..Default::default()
        })
        .unwrap();
}

fn project(env: &Env, req: NewProject) {
    env.svc.create_project(req).unwrap();
}

/// A project of `client` (if any) at `rate` (if any).
fn simple_project(name: &str, client: Option<&str>, rate: Option<&str>) -> NewProject {
    NewProject {
        name: name.into(),
        client: client.map(Into::into),
        hourly_rate: rate.map(Into::into),
        ..Default::default()
    }
}

/// A finished track from `start` to `end` (local Berlin times or RFC 3339) on `project`.
fn span(start: &str, end: &str, project: Option<&str>, description: &str) -> NewTrack {
    NewTrack {
        start: start.into(),
        end: Some(end.into()),
        project: project.map(Into::into),
        description: Some(description.into()),
        ..Default::default()
    }
}

fn add(env: &Env, t: NewTrack) -> i64 {
    env.svc.create_track(t).unwrap().track.id.0
}

fn set_rounding(env: &Env, mode: &str, increment_minutes: u32, scope: &str) {
    env.svc
        .update_settings(SettingsChanges {
            rounding: Some(RoundingChanges {
                mode: Some(mode.into()),
                increment_minutes: Some(increment_minutes),
                scope: Some(scope.into()),
            }),
            ..Default::default()
        })
        .unwrap();
}

fn invoice(client: Option<&str>, from: &str, to: &str) -> NewInvoice {
    NewInvoice {
        client: client.map(Into::into),
        from: from.into(),
        to: to.into(),
        ..Default::default()
    }
}

/// Every table's row count, the billing tables included, and how many tracks are held.
fn full_snapshot(env: &Env) -> Vec<(String, i64)> {
    let mut s = env.snapshot();
    for t in ["invoices", "invoice_lines", "invoice_sequences"] {
        s.push((t.into(), env.count(&format!("SELECT count(*) FROM {t}"))));
    }
    s.push((
        "held tracks".into(),
        env.count("SELECT count(*) FROM tracks WHERE invoice_id IS NOT NULL"),
    ));
    s
}

/// `(description, hours, unit rate, amount)` of each line, as text.
fn lines(inv: &Invoice) -> Vec<(String, String, String, String)> {
    inv.lines
        .iter()
        .map(|l| {
            (
                l.description.clone(),
                l.quantity_hours.to_string(),
                l.unit_rate.normalize().to_string(),
                l.amount.to_string(),
            )
        })
        .collect()
}

fn check_lines(inv: &Invoice, want: &[(&str, &str, &str, &str)]) {
    let want: Vec<(String, String, String, String)> = want
        .iter()
        .map(|(d, q, r, a)| (d.to_string(), q.to_string(), r.to_string(), a.to_string()))
        .collect();
    assert_eq!(lines(inv), want, "lines of {inv:#?}");
}

/// `(subtotal, tax, total)` as text.
fn money(inv: &Invoice) -> (String, String, String) {
    (
        inv.subtotal.to_string(),
        inv.tax.to_string(),
        inv.total.to_string(),
    )
}

fn m(subtotal: &str, tax: &str, total: &str) -> (String, String, String) {
    (subtotal.into(), tax.into(), total.into())
}

/// The error of `r`; checks that its message has every fragment.
fn refused<T: Debug>(r: Result<T, ServiceError>, fragments: &[&str]) -> ServiceError {
    let err = r.expect_err("the call should be refused");
    let text = err.to_string();
    for f in fragments {
        assert!(text.contains(f), "want {f:?} in {text:?}");
    }
    err
}

fn held_tracks(env: &Env) -> Vec<i64> {
    let mut ids: Vec<i64> = env
        .svc
        .list_tracks(ListTracks {
            invoiced: Some(true),
            limit: Some(500),
            ..Default::default()
        })
        .unwrap()
        .items
        .iter()
        .map(|t| t.id.0)
        .collect();
    ids.sort();
    ids
}

/// Finished tracks from table rows `(start, end, project, description, track rate)`; a track
/// without a project is marked billable. Returns the ids in order.
/// `(start, end, project, description, track rate)`.
type TrackRow<'a> = (&'a str, &'a str, Option<&'a str>, &'a str, Option<&'a str>);

fn seed_tracks(env: &Env, rows: &[TrackRow<'_>]) -> Vec<i64> {
    rows.iter()
        .map(|&(start, end, project, description, rate)| {
            add(
                env,
                NewTrack {
                    hourly_rate: rate.map(Into::into),
                    billable: project.is_none().then_some(true),
                    ..span(start, end, project, description)
                },
            )
        })
        .collect()
}

/// One row of a table of dry-run invoices: what is asked for and what the draft must hold.
struct DryInvoice {
    client: Option<&'static str>,
    projects: &'static [&'static str],
    period: (&'static str, &'static str),
    currency: &'static str,
    client_name: Option<&'static str>,
    /// `(description, hours, unit rate, amount)` per line, as [`check_lines`] takes them.
    lines: &'static [(&'static str, &'static str, &'static str, &'static str)],
}

/// Runs each row as a dry run and compares the currency, the client and every line.
fn check_dry_invoices(env: &Env, cases: &[DryInvoice]) {
    for case in cases {
        let inv = env
            .svc
            .create_invoice(NewInvoice {
                projects: case.projects.iter().map(|p| p.to_string()).collect(),
                dry_run: true,
                ..invoice(case.client, case.period.0, case.period.1)
            })
            .unwrap();
        let at = format!("{:?} {:?} {:?}", case.client, case.projects, case.period);
        assert_eq!(inv.currency.code(), case.currency, "{at}");
        assert_eq!(inv.client_name.as_deref(), case.client_name, "{at}");
        assert_eq!(inv.client_id.is_some(), case.client_name.is_some(), "{at}");
        check_lines(&inv, case.lines);
    }
}

/// A worked example: Acme (EUR, 100/h), Website (120/h), rounding up to 15 minutes
/// per entry; tracks of 7 min, 52 min and 1 h 01 min (the last at 150/h) in October 2026.
/// Returns the track ids.
fn worked_example(env: &Env) -> [i64; 3] {
    set_rounding(env, "up", 15, "entry");
    client(env, "Acme", Some("EUR"), Some("100"));
    project(env, simple_project("Website", Some("Acme"), Some("120")));
    let a = add(
        env,
        span("2026-10-05 09:00", "2026-10-05 09:07", Some("Website"), ""),
    );
    let b = add(
        env,
        span(
            "2026-10-06 10:00",
            "2026-10-06 10:52",
            Some("Website"),
            "Wireframes",
        ),
    );
    let c = add(
        env,
        NewTrack {
            hourly_rate: Some("150".into()),
            ..span(
                "2026-10-07 09:00",
                "2026-10-07 10:01",
                Some("Website"),
                "Launch support",
            )
        },
    );
    [a, b, c]
}

fn october_invoice() -> NewInvoice {
    NewInvoice {
        tax_rate_percent: Some("19".into()),
        ..invoice(Some("Acme"), "2026-10-01", "2026-10-31")
    }
}

const WORKED_LINES: [(&str, &str, &str, &str); 3] = [
    ("Website", "0.25", "120", "30.00"),
    ("Wireframes", "1.00", "120", "120.00"),
    ("Launch support", "1.25", "150", "187.50"),
];

fn date(s: &str) -> chrono::NaiveDate {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

// ---------------------------------------------------------------------------------------------
// Invoices: the worked example, rates and currencies

#[test]
fn worked_example_end_to_end() {
    let env = Env::new();
    let [a, b, c] = worked_example(&env);
    let inv = env.svc.create_invoice(october_invoice()).unwrap();

    check_lines(&inv, &WORKED_LINES);
    assert_eq!(money(&inv), m("337.50", "64.13", "401.63"));
    assert_eq!(inv.currency.code(), "EUR");
    assert_eq!(inv.tax_rate_percent.to_string(), "19");
    assert_eq!(inv.status, InvoiceStatus::Draft);
    assert_eq!(inv.number, None, "a draft has no number yet");
    assert_eq!(inv.client_name.as_deref(), Some("Acme"));
    assert_eq!(inv.issue_date, Some(date("2026-11-21")));
    assert_eq!(inv.due_date, Some(date("2026-12-21")), "30 days by default");
    // October in Berlin: starts at CEST midnight, ends at CET midnight (the clocks went back).
    assert_eq!(inv.period_start, utc("2026-09-30T22:00:00Z"));
    assert_eq!(inv.period_end, utc("2026-10-31T23:00:00Z"));
    assert_eq!(
        inv.rounding,
        Rounding {
            mode: RoundingMode::Up,
            increment_minutes: 15,
            scope: RoundingScope::Entry
        }
    );
    assert_eq!(inv.timezone, "Europe/Berlin");

    let detail: Vec<(i64, i64, Option<chrono::NaiveDate>, Vec<i64>)> = inv
        .lines
        .iter()
        .map(|l| {
            (
                l.duration_seconds,
                l.rounded_duration_seconds,
                l.date,
                l.track_ids.iter().map(|t| t.0).collect(),
            )
        })
        .collect();
    assert_eq!(
        detail,
        vec![
            (420, 900, Some(date("2026-10-05")), vec![a]),
            (3120, 3600, Some(date("2026-10-06")), vec![b]),
            (3660, 4500, Some(date("2026-10-07")), vec![c]),
        ]
    );
    assert!(
        inv.lines
            .iter()
            .all(|l| l.project_name.as_deref() == Some("Website"))
    );
    assert_eq!(
        inv.lines.iter().map(|l| l.position).collect::<Vec<_>>(),
        [1, 2, 3]
    );

    // The exact equalities of docs/rules.md hold on what was stored.
    let again = env.svc.get_invoice(&inv.id.to_string()).unwrap();
    assert_eq!(again, inv);
    let sum: Decimal = again.lines.iter().map(|l| l.amount).sum();
    assert_eq!(again.subtotal, sum);
    assert_eq!(again.total, again.subtotal + again.tax);
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE operation = 'create_invoice'"),
        1
    );
}

#[test]
fn rates_and_currencies_fall_back_in_order() {
    let env = Env::new();
    env.svc
        .update_settings(SettingsChanges {
            default_currency: Some("CHF".into()),
            default_hourly_rate: Some("80".into()),
            ..Default::default()
        })
        .unwrap();
    client(&env, "Acme", Some("EUR"), Some("100"));
    client(&env, "Globex", None, None);
    project(&env, simple_project("Website", Some("Acme"), Some("120")));
    project(&env, simple_project("Support", Some("Acme"), None));
    project(
        &env,
        NewProject {
            currency: Some("USD".into()),
            ..simple_project("Export", Some("Acme"), None)
        },
    );
    project(&env, simple_project("Ops", Some("Globex"), None));
    project(&env, simple_project("Free", Some("Globex"), Some("0")));

    seed_tracks(
        &env,
        &[
            // start, end, project, description, track rate
            (
                "2026-10-05 09:00",
                "2026-10-05 10:00",
                Some("Website"),
                "track rate",
                Some("150"),
            ),
            (
                "2026-10-05 11:00",
                "2026-10-05 12:00",
                Some("Website"),
                "project rate",
                None,
            ),
            (
                "2026-10-05 13:00",
                "2026-10-05 14:00",
                Some("Support"),
                "client rate",
                None,
            ),
            (
                "2026-10-06 09:00",
                "2026-10-06 10:00",
                Some("Export"),
                "in USD",
                None,
            ),
            (
                "2026-10-07 09:00",
                "2026-10-07 10:00",
                Some("Ops"),
                "default rate",
                None,
            ),
            (
                "2026-10-07 11:00",
                "2026-10-07 12:00",
                Some("Free"),
                "zero rate is set",
                None,
            ),
            // Without a project, billable: described "Work".
            ("2026-10-08 09:00", "2026-10-08 10:30", None, "", None),
        ],
    );

    check_dry_invoices(
        &env,
        &[
            // Track override, project rate, client rate; currency from the client.
            DryInvoice {
                client: Some("Acme"),
                projects: &["Website", "support"],
                period: ("2026-10-01", "2026-10-31"),
                currency: "EUR",
                client_name: Some("Acme"),
                lines: &[
                    ("track rate", "1.00", "150", "150.00"),
                    ("project rate", "1.00", "120", "120.00"),
                    ("client rate", "1.00", "100", "100.00"),
                ],
            },
            // The project's own currency wins over the client's.
            DryInvoice {
                client: None,
                projects: &["Export"],
                period: ("2026-10-01", "2026-10-31"),
                currency: "USD",
                client_name: Some("Acme"),
                lines: &[("in USD", "1.00", "100", "100.00")],
            },
            // Neither project nor client has a currency or rate: the settings apply; a rate of 0
            // that is set does not fall through.
            DryInvoice {
                client: Some("Globex"),
                projects: &[],
                period: ("2026-10-01", "2026-10-31"),
                currency: "CHF",
                client_name: Some("Globex"),
                lines: &[
                    ("default rate", "1.00", "80", "80.00"),
                    ("zero rate is set", "1.00", "0", "0.00"),
                ],
            },
            // A track without a project: default currency and rate, described "Work", no client.
            DryInvoice {
                client: None,
                projects: &[],
                period: ("2026-10-08", "2026-10-08"),
                currency: "CHF",
                client_name: None,
                lines: &[("Work", "1.50", "80", "120.00")],
            },
        ],
    );

    // Acme's tracks are in EUR and USD: refused, naming both, and nothing is written.
    let before = full_snapshot(&env);
    for dry_run in [false, true] {
        let err = refused(
            env.svc.create_invoice(NewInvoice {
                dry_run,
                ..invoice(Some("Acme"), "2026-10-01", "2026-10-31")
            }),
            &["2 currencies", "EUR", "USD", "Export", "projects"],
        );
        assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    }
    refused(
        env.svc
            .create_invoice(invoice(None, "2026-10-01", "2026-10-31")),
        &["3 currencies", "CHF", "EUR", "USD"],
    );
    assert_eq!(full_snapshot(&env), before);
    assert!(held_tracks(&env).is_empty());
}

#[test]
fn selection_takes_billable_finished_tracks_starting_in_the_period() {
    let env = Env::new();
    client(&env, "Acme", Some("EUR"), Some("100"));
    client(&env, "Globex", Some("EUR"), Some("90"));
    project(&env, simple_project("Website", Some("Acme"), None));
    project(&env, simple_project("Gadget", Some("Globex"), None));
    // 2026-10-01 00:15 in Berlin is still 30 September in UTC: inside October.
    let inside = add(
        &env,
        span(
            "2026-10-01 00:15",
            "2026-10-01 01:15",
            Some("Website"),
            "first",
        ),
    );
    // 30 September 23:30 local: outside, though its end is in October.
    add(
        &env,
        span(
            "2026-09-30 23:30",
            "2026-10-01 00:10",
            Some("Website"),
            "before",
        ),
    );
    // Starts on the last evening, ends in November: inside, whole.
    let last = add(
        &env,
        span(
            "2026-10-31 23:30",
            "2026-11-01 00:30",
            Some("Website"),
            "last",
        ),
    );
    add(
        &env,
        NewTrack {
            billable: Some(false),
            ..span(
                "2026-10-02 09:00",
                "2026-10-02 10:00",
                Some("Website"),
                "free",
            )
        },
    );
    add(
        &env,
        span(
            "2026-10-03 09:00",
            "2026-10-03 10:00",
            Some("Gadget"),
            "other client",
        ),
    );
    env.svc
        .start_timer(StartTimer {
            project: Some("Website".into()),
            start: Some("2026-11-21 12:30".into()),
            ..Default::default()
        })
        .unwrap();

    let inv = env
        .svc
        .create_invoice(invoice(Some("acme"), "2026-10-01", "2026-10-31"))
        .unwrap();
    let ids: Vec<i64> = inv
        .lines
        .iter()
        .flat_map(|l| l.track_ids.iter().map(|t| t.0))
        .collect();
    assert_eq!(ids, [inside, last]);
    assert_eq!(inv.lines[1].duration_seconds, 3600, "billed whole");
    assert_eq!(
        money(&inv),
        m("200.00", "0.00", "200.00"),
        "tax 0 by default"
    );

    // The running timer is never billed, even in a period that covers now.
    refused(
        env.svc
            .create_invoice(invoice(Some("Acme"), "2026-11-01", "2026-11-30")),
        &[
            "no billable, finished, uninvoiced tracks",
            "for client Acme",
            "list_tracks",
        ],
    );

    let before = full_snapshot(&env);
    let cases: Vec<(NewInvoice, &[&str])> = vec![
        (
            NewInvoice {
                projects: vec!["Gadget".into()],
                ..invoice(Some("Acme"), "2026-10-01", "2026-10-31")
            },
            &["project Gadget", "does not belong to client Acme"],
        ),
        (
            invoice(Some("Initech"), "2026-10-01", "2026-10-31"),
            &["Initech"],
        ),
        (
            invoice(Some("Globex"), "2026-10-31", "2026-10-01"),
            &["the range is empty"],
        ),
        (
            invoice(Some("Globex"), "Octember", "2026-10-31"),
            &["cannot read date, time or period"],
        ),
        (
            NewInvoice {
                group_by: Some("week".into()),
                ..invoice(Some("Globex"), "2026-10-01", "2026-10-31")
            },
            &[
                "invoice grouping",
                "track, project, day, tag, task, milestone or person",
            ],
        ),
        (
            NewInvoice {
                tax_rate_percent: Some("nineteen".into()),
                ..invoice(Some("Globex"), "2026-10-01", "2026-10-31")
            },
            &["tax rate", "19 or 7.5"],
        ),
        (
            NewInvoice {
                tax_rate_percent: Some("150".into()),
                ..invoice(Some("Globex"), "2026-10-01", "2026-10-31")
            },
            &["out of range", "0 to 100"],
        ),
        (
            NewInvoice {
                due_days: Some(400),
                ..invoice(Some("Globex"), "2026-10-01", "2026-10-31")
            },
            &["`due_days` 400"],
        ),
    ];
    for (req, fragments) in cases {
        refused(env.svc.create_invoice(req), fragments);
    }
    assert_eq!(full_snapshot(&env), before, "refused calls write nothing");

    // "19%" is read as 19 percent; due_days is honoured.
    let g = env
        .svc
        .create_invoice(NewInvoice {
            tax_rate_percent: Some("19 %".into()),
            due_days: Some(14),
            ..invoice(Some("Globex"), "2026-10-01", "2026-10-31")
        })
        .unwrap();
    assert_eq!(money(&g), m("90.00", "17.10", "107.10"));
    assert_eq!(g.due_date, Some(date("2026-12-05")));
}

// ---------------------------------------------------------------------------------------------
// Invoices: holding and releasing tracks

#[test]
fn dry_run_writes_nothing_and_a_draft_holds_its_tracks() {
    let env = Env::new();
    let [a, b, c] = worked_example(&env);
    let before = full_snapshot(&env);

    let dry = env
        .svc
        .create_invoice(NewInvoice {
            dry_run: true,
            ..october_invoice()
        })
        .unwrap();
    assert_eq!(dry.id.0, 0, "a dry run is not saved");
    check_lines(&dry, &WORKED_LINES);
    assert_eq!(money(&dry), m("337.50", "64.13", "401.63"));
    assert_eq!(full_snapshot(&env), before, "a dry run writes nothing");
    assert!(held_tracks(&env).is_empty());

    let inv = env.svc.create_invoice(october_invoice()).unwrap();
    assert_eq!(
        (lines(&inv), money(&inv)),
        (lines(&dry), money(&dry)),
        "the dry run showed what is saved"
    );
    assert_eq!(held_tracks(&env), [a, b, c]);
    for id in [a, b, c] {
        assert_eq!(env.svc.get_track(id).unwrap().invoice_id, Some(inv.id));
    }
    assert_eq!(
        env.svc
            .list_tracks(ListTracks {
                invoiced: Some(false),
                ..Default::default()
            })
            .unwrap()
            .items
            .len(),
        0
    );

    // Held tracks cannot be edited or deleted; the error names the draft and the way out.
    let held = full_snapshot(&env);
    let draft = format!("draft invoice id {}", inv.id);
    let err = refused(
        env.svc.update_track(
            b,
            TrackChanges {
                description: Some("changed".into()),
                ..Default::default()
            },
        ),
        &[
            &format!("track {b} is billed on {draft}"),
            "edited",
            "delete_invoice",
        ],
    );
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    refused(
        env.svc.delete_track(c),
        &[draft.as_str(), "deleted", "delete_invoice"],
    );
    // They are not billable again either.
    refused(
        env.svc.create_invoice(october_invoice()),
        &["no billable, finished, uninvoiced tracks"],
    );
    assert_eq!(full_snapshot(&env), held);

    // Deleting the draft releases them and removes its lines.
    let deleted = env.svc.delete_invoice(&inv.id.to_string()).unwrap();
    assert_eq!(deleted.id, inv.id);
    assert!(held_tracks(&env).is_empty());
    assert_eq!(env.count("SELECT count(*) FROM invoices"), 0);
    assert_eq!(env.count("SELECT count(*) FROM invoice_lines"), 0);
    refused(
        env.svc.get_invoice(&inv.id.to_string()),
        &["no invoice has id or number", "list_invoices"],
    );
    env.svc
        .update_track(
            b,
            TrackChanges {
                description: Some("Wireframes v2".into()),
                ..Default::default()
            },
        )
        .unwrap();

    // A sent invoice holds its tracks too, and voiding it releases them but keeps its number.
    let inv = env.svc.create_invoice(october_invoice()).unwrap();
    let sent = env
        .svc
        .mark_invoice_sent(&inv.id.to_string(), None)
        .unwrap();
    assert_eq!(sent.number.as_deref(), Some("INV-2026-0001"));
    refused(
        env.svc.delete_track(a),
        &["invoice INV-2026-0001", "sent", "void_invoice"],
    );
    let void = env.svc.void_invoice("INV-2026-0001").unwrap();
    assert_eq!(void.status, InvoiceStatus::Void);
    assert_eq!(void.number.as_deref(), Some("INV-2026-0001"));
    assert_eq!(void.voided_at, Some(utc("2026-11-21T12:00:00Z")));
    assert_eq!(
        money(&void),
        money(&sent),
        "a void invoice keeps its figures"
    );
    // It keeps the record of the tracks it billed while releasing them.
    assert_eq!(
        track_ids_per_line(&void),
        track_ids_per_line(&sent),
        "a void invoice still lists the tracks it billed"
    );
    assert!(void.lines.iter().all(|l| !l.track_ids.is_empty()));
    assert_eq!(void.lines.len(), 3);
    assert!(held_tracks(&env).is_empty());
    env.svc.delete_track(a).unwrap();

    // The released tracks can be invoiced again.
    let again = env.svc.create_invoice(october_invoice()).unwrap();
    check_lines(
        &again,
        &[
            ("Wireframes v2", "1.00", "120", "120.00"),
            ("Launch support", "1.25", "150", "187.50"),
        ],
    );
    assert_eq!(held_tracks(&env), [b, c]);
}

// ---------------------------------------------------------------------------------------------
// Invoices: lifecycle and numbering

/// Acme with one 1-hour Website track on each of `days` in October. Each day can be invoiced
/// on its own with [`day_invoice`].
fn daily_tracks(env: &Env, days: &[u32]) {
    client(env, "Acme", Some("EUR"), Some("100"));
    project(env, simple_project("Website", Some("Acme"), None));
    for d in days {
        add(
            env,
            span(
                &format!("2026-10-{d:02} 09:00"),
                &format!("2026-10-{d:02} 10:00"),
                Some("Website"),
                &format!("day {d}"),
            ),
        );
    }
}

fn day_invoice(env: &Env, day: u32) -> String {
    let d = format!("2026-10-{day:02}");
    env.svc
        .create_invoice(invoice(Some("Acme"), &d, &d))
        .unwrap()
        .id
        .to_string()
}

fn send(env: &Env, id: &str, issue_date: Option<&str>) -> String {
    env.svc
        .mark_invoice_sent(id, issue_date)
        .unwrap()
        .number
        .unwrap()
}

#[test]
fn lifecycle_and_gapless_numbers() {
    let env = Env::new();
    daily_tracks(&env, &[1, 2, 3]);
    let a = day_invoice(&env, 1);
    let b = day_invoice(&env, 2);
    let c = day_invoice(&env, 3);

    // Numbers follow the order invoices are sent, not created.
    let sent_b = env.svc.mark_invoice_sent(&b, None).unwrap();
    assert_eq!(sent_b.number.as_deref(), Some("INV-2026-0001"));
    assert_eq!(sent_b.status, InvoiceStatus::Sent);
    assert_eq!(
        sent_b.issue_date,
        Some(date("2026-11-21")),
        "today by default"
    );
    assert_eq!(sent_b.due_date, Some(date("2026-12-21")));
    assert_eq!(sent_b.sent_at, Some(utc("2026-11-21T12:00:00Z")));
    assert_eq!(send(&env, &a, None), "INV-2026-0002");

    // A void invoice keeps its number; the next one does not reuse it.
    let void_a = env.svc.void_invoice(&a).unwrap();
    assert_eq!(void_a.number.as_deref(), Some("INV-2026-0002"));

    // Only a sent invoice can be paid.
    let before = full_snapshot(&env);
    refused(
        env.svc.mark_invoice_paid(&c, None),
        &[
            "draft",
            "only a sent invoice can be marked paid",
            "mark it sent first",
        ],
    );
    assert_eq!(full_snapshot(&env), before);
    assert_eq!(send(&env, &c, None), "INV-2026-0003");

    // A draft deleted before it was sent uses up no number.
    let d = day_invoice(&env, 1);
    env.svc.delete_invoice(&d).unwrap();
    let e = day_invoice(&env, 1);
    assert_eq!(send(&env, &e, None), "INV-2026-0004");
    assert_eq!(
        env.count("SELECT last_seq FROM invoice_sequences WHERE scope = '2026'"),
        4
    );

    // Sent invoices are frozen.
    let before = full_snapshot(&env);
    let err = refused(
        env.svc.update_invoice(
            &b,
            InvoiceChanges {
                notes: Some("late change".into()),
                ..Default::default()
            },
        ),
        &[
            "invoice INV-2026-0001",
            "sent and frozen",
            "only drafts can be changed",
        ],
    );
    assert!(matches!(err, ServiceError::Conflict(_)), "{err:?}");
    refused(
        env.svc.delete_invoice(&b),
        &[
            "INV-2026-0001",
            "only drafts can be deleted",
            "void_invoice",
        ],
    );
    refused(
        env.svc.mark_invoice_sent(&b, None),
        &["INV-2026-0001", "already sent"],
    );
    assert_eq!(full_snapshot(&env), before);

    // Paid invoices are frozen and cannot be voided.
    let paid = env.svc.mark_invoice_paid("INV-2026-0001", None).unwrap();
    assert_eq!(paid.status, InvoiceStatus::Paid);
    assert_eq!(paid.paid_at, Some(utc("2026-11-21T12:00:00Z")));
    let before = full_snapshot(&env);
    refused(
        env.svc.update_invoice(
            &b,
            InvoiceChanges {
                tax_rate_percent: Some("7".into()),
                ..Default::default()
            },
        ),
        &["paid and frozen"],
    );
    refused(
        env.svc.delete_invoice(&b),
        &["paid", "only drafts can be deleted"],
    );
    refused(
        env.svc.void_invoice(&b),
        &["paid", "only draft and sent invoices can be voided"],
    );
    refused(
        env.svc.mark_invoice_paid(&b, None),
        &["only a sent invoice"],
    );
    // A void invoice stays void.
    refused(env.svc.void_invoice(&a), &["void", "only draft and sent"]);
    refused(env.svc.mark_invoice_sent(&a, None), &["already void"]);
    refused(
        env.svc.mark_invoice_paid(&a, None),
        &["void", "only a sent invoice"],
    );
    refused(env.svc.delete_invoice(&a), &["only drafts can be deleted"]);
    assert_eq!(full_snapshot(&env), before);

    // By id, by number (any case, with or without '#'), and unknown references.
    let by_number = env.svc.get_invoice("inv-2026-0003").unwrap();
    assert_eq!(by_number.id.to_string(), c);
    assert_eq!(
        env.svc.get_invoice(&format!("#{c}")).unwrap().id,
        by_number.id
    );
    refused(
        env.svc.get_invoice("INV-2099-0001"),
        &[
            "no invoice has id or number \"INV-2099-0001\"",
            "list_invoices",
        ],
    );
    refused(
        env.svc.get_invoice("9999"),
        &["no invoice has id or number"],
    );

    // Listing: newest first, by status.
    let list = |status: Option<&str>| -> Vec<(Option<String>, &'static str)> {
        env.svc
            .list_invoices(ListInvoices {
                status: status.map(Into::into),
                ..Default::default()
            })
            .unwrap()
            .items
            .iter()
            .map(|i| (i.number.clone(), i.status.as_str()))
            .collect()
    };
    let n = |s: &str| Some(s.to_owned());
    assert_eq!(
        list(None),
        vec![
            (n("INV-2026-0004"), "sent"),
            (n("INV-2026-0003"), "sent"),
            (n("INV-2026-0001"), "paid"),
            (n("INV-2026-0002"), "void"),
        ]
    );
    assert_eq!(list(Some("sent")).len(), 2);
    let of_acme = env
        .svc
        .list_invoices(ListInvoices {
            client: Some("acme".into()),
            limit: Some(3),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(of_acme.items.len(), 3);
    assert!(
        of_acme.items.iter().all(|i| !i.lines.is_empty()),
        "listed with their lines"
    );
    let rest = env
        .svc
        .list_invoices(ListInvoices {
            client: Some("acme".into()),
            cursor: of_acme.next_cursor,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rest.items.len(), 1);
    assert_eq!(rest.items[0].number.as_deref(), Some("INV-2026-0002"));
    assert_eq!(rest.next_cursor, None);
    assert_eq!(list(Some("void")), vec![(n("INV-2026-0002"), "void")]);
    refused(
        env.svc.list_invoices(ListInvoices {
            status: Some("open".into()),
            ..Default::default()
        }),
        &["draft, sent, paid, void, outstanding or overdue"],
    );
    assert_eq!(
        env.count("SELECT count(*) FROM audit_log WHERE operation = 'mark_invoice_sent'"),
        4
    );
}

#[test]
fn drafts_can_be_edited() {
    let env = Env::new();
    worked_example(&env);
    let inv = env.svc.create_invoice(october_invoice()).unwrap();
    let id = inv.id.to_string();
    let changed = env
        .svc
        .update_invoice(
            &id,
            InvoiceChanges {
                notes: Some("  Thank you!  ".into()),
                tax_rate_percent: Some("7".into()),
                due_date: Some("2026-12-01".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(changed.notes.as_deref(), Some("Thank you!"));
    // 337.50 x 7 % = 23.625, half-up.
    assert_eq!(money(&changed), m("337.50", "23.63", "361.13"));
    assert_eq!(changed.due_date, Some(date("2026-12-01")));
    assert_eq!(lines(&changed), lines(&inv));

    let before = full_snapshot(&env);
    refused(
        env.svc.update_invoice(
            &id,
            InvoiceChanges {
                due_date: Some("2026-11-01".into()),
                ..Default::default()
            },
        ),
        &["before the issue date 2026-11-21"],
    );
    refused(
        env.svc.update_invoice(
            &id,
            InvoiceChanges {
                tax_rate_percent: Some("-1".into()),
                ..Default::default()
            },
        ),
        &["out of range"],
    );
    assert_eq!(full_snapshot(&env), before);

    // Sending keeps the draft's payment term (10 days) from the new issue date.
    let sent = env.svc.mark_invoice_sent(&id, Some("2026-11-23")).unwrap();
    assert_eq!(sent.issue_date, Some(date("2026-11-23")));
    assert_eq!(sent.due_date, Some(date("2026-12-03")));
    assert_eq!(sent.notes.as_deref(), Some("Thank you!"));
    assert_eq!(money(&sent), m("337.50", "23.63", "361.13"));
}

#[test]
fn number_format_changes_apply_to_new_numbers() {
    let env = Env::new();
    daily_tracks(&env, &[1, 2, 3, 4, 5, 6]);
    let ids: Vec<String> = (1..=6).map(|d| day_invoice(&env, d)).collect();

    assert_eq!(send(&env, &ids[0], None), "INV-2026-0001");
    env.svc
        .update_settings(SettingsChanges {
            invoice_number_format: Some("ACME-{YY}{MM}-{SEQ:3}".into()),
            ..Default::default()
        })
        .unwrap();
    // Year and month in the format: a counter per month.
    assert_eq!(send(&env, &ids[1], None), "ACME-2611-001");
    assert_eq!(
        env.svc.get_invoice(&ids[0]).unwrap().number.as_deref(),
        Some("INV-2026-0001"),
        "numbers already issued do not change"
    );

    let before = full_snapshot(&env);
    refused(
        env.svc.update_settings(SettingsChanges {
            invoice_number_format: Some("INV-{DD}-{SEQ}".into()),
            ..Default::default()
        }),
        &["invoice number format", "{SEQ}"],
    );
    refused(
        env.svc.update_settings(SettingsChanges {
            invoice_number_format: Some("INV-{YYYY}".into()),
            ..Default::default()
        }),
        &["invoice number format"],
    );
    assert_eq!(full_snapshot(&env), before);

    // Back to the default: the 2026 counter goes on where it was.
    env.svc
        .update_settings(SettingsChanges {
            invoice_number_format: Some("INV-{YYYY}-{SEQ:4}".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(send(&env, &ids[2], None), "INV-2026-0002");

    // {YYYY}: the sequence restarts in a new year. An issue date in the future is accepted
    // today (nothing in docs/rules.md forbids post-dating an invoice).
    let next_year = env
        .svc
        .mark_invoice_sent(&ids[3], Some("2027-01-05"))
        .unwrap();
    assert_eq!(next_year.number.as_deref(), Some("INV-2027-0001"));
    assert_eq!(next_year.issue_date, Some(date("2027-01-05")));
    assert_eq!(next_year.due_date, Some(date("2027-02-04")));
    assert_eq!(send(&env, &ids[4], Some("2026-12-30")), "INV-2026-0003");

    // A bad issue date is refused and takes no number.
    let before = full_snapshot(&env);
    let seqs = env.count("SELECT sum(last_seq) FROM invoice_sequences");
    refused(
        env.svc.mark_invoice_sent(&ids[5], Some("05.01.2027")),
        &["date", "05.01.2027"],
    );
    assert_eq!(full_snapshot(&env), before);
    assert_eq!(
        env.count("SELECT sum(last_seq) FROM invoice_sequences"),
        seqs
    );
    assert_eq!(
        env.svc.get_invoice(&ids[5]).unwrap().status,
        InvoiceStatus::Draft
    );
    assert_eq!(send(&env, &ids[5], Some("2027-01-06")), "INV-2027-0002");
}

// ---------------------------------------------------------------------------------------------
// Invoices: rounding and grouping

#[test]
fn rounding_changes_leave_existing_invoices_alone() {
    let env = Env::new();
    worked_example(&env);
    let inv = env.svc.create_invoice(october_invoice()).unwrap();

    set_rounding(&env, "none", 15, "entry");
    let again = env.svc.get_invoice(&inv.id.to_string()).unwrap();
    assert_eq!(again, inv, "rounding frozen on the invoice");
    assert_eq!(again.rounding.mode, RoundingMode::Up);

    // New work is billed with the new rounding: 7 min = 0.1167 h, priced from its seconds:
    // 420 s x 120 / 3600 = 14.00 (not 0.12 h x 120 = 14.40).
    add(
        &env,
        span(
            "2026-11-02 09:00",
            "2026-11-02 09:07",
            Some("Website"),
            "Fix",
        ),
    );
    let november = env
        .svc
        .create_invoice(NewInvoice {
            dry_run: true,
            ..invoice(Some("Acme"), "2026-11-01", "2026-11-30")
        })
        .unwrap();
    check_lines(&november, &[("Fix", "0.1167", "120", "14.00")]);
    assert_eq!(november.lines[0].rounded_duration_seconds, 420);

    // Voiding releases October's tracks; a new dry run prices them without rounding, while
    // the void invoice keeps its lines.
    env.svc
        .mark_invoice_sent(&inv.id.to_string(), None)
        .unwrap();
    let void = env.svc.void_invoice(&inv.id.to_string()).unwrap();
    check_lines(&void, &WORKED_LINES);
    let redo = env
        .svc
        .create_invoice(NewInvoice {
            dry_run: true,
            ..october_invoice()
        })
        .unwrap();
    check_lines(
        &redo,
        &[
            ("Website", "0.1167", "120", "14.00"),
            ("Wireframes", "0.8667", "120", "104.00"),
            ("Launch support", "1.0167", "150", "152.50"),
        ],
    );
    assert_eq!(money(&redo), m("270.50", "51.40", "321.90"));

    // Rounding to the nearest 6 minutes in total per line, grouped by project.
    set_rounding(&env, "nearest", 6, "total");
    let by_project = env
        .svc
        .create_invoice(NewInvoice {
            dry_run: true,
            group_by: Some("project".into()),
            ..october_invoice()
        })
        .unwrap();
    // At 120/h: 7 + 52 = 59 min -> 60 min; at 150/h: 61 min -> 60 min.
    check_lines(
        &by_project,
        &[
            ("Website", "1.00", "120", "120.00"),
            ("Website", "1.00", "150", "150.00"),
        ],
    );
    assert_eq!(by_project.rounding.scope, RoundingScope::Total);
}

/// Acme (EUR, 100/h) with Website (120/h) and Backend (client rate), tags design and meeting,
/// rounding up to 15 minutes per entry; five October tracks, one across local midnight.
fn grouping_seed(env: &Env) -> BTreeMap<&'static str, i64> {
    set_rounding(env, "up", 15, "entry");
    client(env, "Acme", Some("EUR"), Some("100"));
    project(env, simple_project("Website", Some("Acme"), Some("120")));
    project(env, simple_project("Backend", Some("Acme"), None));
    env.svc.create_tag("meeting").unwrap();
    env.svc.create_tag("design").unwrap();
    let tagged = |t: NewTrack, tags: &[&str]| NewTrack {
        tags: tags.iter().map(|s| s.to_string()).collect(),
        ..t
    };
    let mut ids = BTreeMap::new();
    // 7 min -> 15.
    ids.insert(
        "a",
        add(
            env,
            tagged(
                span("2026-10-05 09:00", "2026-10-05 09:07", Some("Website"), "a"),
                &["design"],
            ),
        ),
    );
    // 52 min -> 60, two tags.
    ids.insert(
        "b",
        add(
            env,
            tagged(
                span("2026-10-05 10:00", "2026-10-05 10:52", Some("Backend"), "b"),
                &["meeting", "design"],
            ),
        ),
    );
    // 20 min -> 30.
    ids.insert(
        "e",
        add(
            env,
            span("2026-10-05 14:00", "2026-10-05 14:20", Some("Website"), "e"),
        ),
    );
    // 70 min across local midnight -> 75, on the 6th (its start).
    ids.insert(
        "c",
        add(
            env,
            span("2026-10-06 23:30", "2026-10-07 00:40", Some("Website"), "c"),
        ),
    );
    // 61 min at 150/h -> 75.
    ids.insert(
        "d",
        add(
            env,
            tagged(
                NewTrack {
                    hourly_rate: Some("150".into()),
                    ..span("2026-10-07 09:00", "2026-10-07 10:01", Some("Website"), "d")
                },
                &["meeting"],
            ),
        ),
    );
    ids
}

fn grouped(env: &Env, group_by: &str) -> Invoice {
    env.svc
        .create_invoice(NewInvoice {
            dry_run: true,
            group_by: Some(group_by.into()),
            ..october_invoice()
        })
        .unwrap()
}

fn track_ids_per_line(inv: &Invoice) -> Vec<Vec<i64>> {
    inv.lines
        .iter()
        .map(|l| l.track_ids.iter().map(|t| t.0).collect())
        .collect()
}

#[test]
fn group_by_track_project_day_and_tag() {
    let env = Env::new();
    let ids = grouping_seed(&env);
    let id = |k: &str| ids[k];
    let before = full_snapshot(&env);

    let by_track = grouped(&env, "track");
    check_lines(
        &by_track,
        &[
            ("a", "0.25", "120", "30.00"),
            ("b", "1.00", "100", "100.00"),
            ("e", "0.50", "120", "60.00"),
            ("c", "1.25", "120", "150.00"),
            ("d", "1.25", "150", "187.50"),
        ],
    );
    assert_eq!(full_snapshot(&env), before, "dry runs write nothing");

    // One line per project and rate, by name; a project at two rates gives two lines.
    let by_project = grouped(&env, "project");
    check_lines(
        &by_project,
        &[
            ("Backend", "1.00", "100", "100.00"),
            ("Website", "2.00", "120", "240.00"),
            ("Website", "1.25", "150", "187.50"),
        ],
    );
    assert_eq!(
        track_ids_per_line(&by_project),
        vec![
            vec![id("b")],
            vec![id("a"), id("e"), id("c")],
            vec![id("d")]
        ]
    );
    assert_eq!(by_project.lines[1].date, None, "tracks on several days");
    assert_eq!(by_project.lines[1].duration_seconds, 420 + 1200 + 4200);
    assert_eq!(
        by_project.lines[1].rounded_duration_seconds,
        900 + 1800 + 4500
    );

    // One line per local day (of the track's start) and rate; the midnight track goes on the
    // 6th, whole.
    let by_day = grouped(&env, "day");
    check_lines(
        &by_day,
        &[
            ("2026-10-05 - Backend", "1.00", "100", "100.00"),
            ("2026-10-05 - Website", "0.75", "120", "90.00"),
            ("2026-10-06 - Website", "1.25", "120", "150.00"),
            ("2026-10-07 - Website", "1.25", "150", "187.50"),
        ],
    );
    assert_eq!(
        by_day.lines.iter().map(|l| l.date).collect::<Vec<_>>(),
        [
            Some(date("2026-10-05")),
            Some(date("2026-10-05")),
            Some(date("2026-10-06")),
            Some(date("2026-10-07")),
        ]
    );
    assert_eq!(by_day.lines[2].track_ids.len(), 1);
    assert_eq!(by_day.lines[2].track_ids[0].0, id("c"));

    // One line per tag and rate: a track with two tags goes on its first tag's line only;
    // untagged tracks last.
    let by_tag = grouped(&env, "tag");
    check_lines(
        &by_tag,
        &[
            ("design", "1.00", "100", "100.00"),
            ("design", "0.25", "120", "30.00"),
            ("meeting", "1.25", "150", "187.50"),
            ("(untagged)", "1.75", "120", "210.00"),
        ],
    );
    assert_eq!(
        track_ids_per_line(&by_tag),
        vec![
            vec![id("b")],
            vec![id("a")],
            vec![id("d")],
            vec![id("e"), id("c")]
        ]
    );

    // Rounded per entry, the money does not depend on the grouping; every track billed once.
    let mut every: Vec<i64> = ids.values().copied().collect();
    every.sort();
    for inv in [&by_track, &by_project, &by_day, &by_tag] {
        assert_eq!(
            money(inv),
            m("527.50", "100.23", "627.73"),
            "{:?}",
            inv.group_by
        );
        let mut billed: Vec<i64> = track_ids_per_line(inv).concat();
        billed.sort();
        assert_eq!(billed, every);
    }

    // Rounded per line total: 7 + 20 + 70 min = 97 min -> 105 min at 120/h.
    set_rounding(&env, "up", 15, "total");
    let total_scope = grouped(&env, "project");
    check_lines(
        &total_scope,
        &[
            ("Backend", "1.00", "100", "100.00"),
            ("Website", "1.75", "120", "210.00"),
            ("Website", "1.25", "150", "187.50"),
        ],
    );
    assert_eq!(money(&total_scope), m("497.50", "94.53", "592.03"));

    let saved = env
        .svc
        .create_invoice(NewInvoice {
            group_by: Some("TAG".into()),
            ..october_invoice()
        })
        .unwrap();
    assert_eq!(saved.group_by.as_str(), "tag");
    assert_eq!(
        env.svc
            .get_invoice(&saved.id.to_string())
            .unwrap()
            .lines
            .len(),
        4
    );
}

// ---------------------------------------------------------------------------------------------
// Time summaries

/// Acme (EUR, 100/h) with Website (120/h) and Backend; Globex (USD) with Gadget (90/h);
/// Internal without client, not billable. Four November tracks, one across local midnight
/// (which belongs wholly to the day it starts on), and a timer running since 12:30 local (30
/// minutes before now).
fn summary_seed(env: &Env) {
    client(env, "Acme", Some("EUR"), Some("100"));
    client(env, "Globex", Some("USD"), None);
    project(env, simple_project("Website", Some("Acme"), Some("120")));
    project(env, simple_project("Backend", Some("Acme"), None));
    project(env, simple_project("Gadget", Some("Globex"), Some("90")));
    project(
        env,
        NewProject {
            billable_by_default: Some(false),
            ..simple_project("Internal", None, None)
        },
    );
    env.svc.create_tag("design").unwrap();
    env.svc.create_tag("meeting").unwrap();
    let tagged = |t: NewTrack, tags: &[&str]| NewTrack {
        tags: tags.iter().map(|s| s.to_string()).collect(),
        ..t
    };
    add(
        env,
        tagged(
            span(
                "2026-11-02 09:00",
                "2026-11-02 10:00",
                Some("Website"),
                "t1",
            ),
            &["design"],
        ),
    );
    // 2.5 h from 23:00 on the 2nd: all of it on the 2nd.
    add(
        env,
        tagged(
            span(
                "2026-11-02 23:00",
                "2026-11-03 01:30",
                Some("Backend"),
                "t2",
            ),
            &["design", "meeting"],
        ),
    );
    add(
        env,
        span("2026-11-03 10:00", "2026-11-03 10:45", Some("Gadget"), "t3"),
    );
    add(
        env,
        tagged(
            span(
                "2026-11-04 09:00",
                "2026-11-04 09:30",
                Some("Internal"),
                "t4",
            ),
            &["meeting"],
        ),
    );
    env.svc
        .start_timer(StartTimer {
            project: Some("Website".into()),
            description: Some("running".into()),
            start: Some("2026-11-21 12:30".into()),
            ..Default::default()
        })
        .unwrap();
}

fn summary(env: &Env, from: &str, to: &str, group_by: &[&str]) -> Summary {
    summary_with(
        env,
        TimeSummary {
            from: from.into(),
            to: to.into(),
            group_by: group_by.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        },
    )
}

fn summary_with(env: &Env, req: TimeSummary) -> Summary {
    env.svc.time_summary(req).unwrap()
}

/// `(keys joined by " / ", seconds, rounded seconds)` per row.
fn rows(s: &Summary) -> Vec<(String, i64, i64)> {
    s.rows
        .iter()
        .map(|r| {
            (
                r.keys
                    .iter()
                    .map(|k| k.value.as_str())
                    .collect::<Vec<_>>()
                    .join(" / "),
                r.figures.duration_seconds,
                r.figures.rounded_duration_seconds,
            )
        })
        .collect()
}

fn check_rows(s: &Summary, want: &[(&str, i64, i64)]) {
    let want: Vec<(String, i64, i64)> = want
        .iter()
        .map(|(k, a, b)| (k.to_string(), *a, *b))
        .collect();
    assert_eq!(rows(s), want);
}

/// `check(input, expected)` for summaries: the summary of `(from, to, group_by)` has exactly
/// `rows`, as [`check_rows`] takes them.
fn check_summary(
    env: &Env,
    (from, to, group_by): (&str, &str, &[&str]),
    rows: &[(&str, i64, i64)],
) {
    check_rows(&summary(env, from, to, group_by), rows);
}

/// Amounts as `"EUR 430.00, USD 67.50"`.
fn amounts(a: &BTreeMap<String, Decimal>) -> String {
    a.iter()
        .map(|(c, v)| format!("{c} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn summary_by_project_with_amounts_per_currency() {
    let env = Env::new();
    summary_seed(&env);
    let s = summary(&env, "2026-11-01", "2026-11-30", &["project"]);
    check_rows(
        &s,
        &[
            ("Backend", 9000, 9000),
            ("Gadget", 2700, 2700),
            ("Internal", 1800, 1800),
            ("Website", 5400, 5400),
        ],
    );
    let figures: Vec<(String, i64, String, i64, i64)> = s
        .rows
        .iter()
        .map(|r| {
            (
                r.keys[0].value.clone(),
                r.figures.billable_seconds,
                amounts(&r.figures.amounts),
                r.figures.track_count,
                r.figures.running_count,
            )
        })
        .collect();
    assert_eq!(
        figures,
        vec![
            ("Backend".into(), 9000, "EUR 250.00".into(), 1, 0),
            ("Gadget".into(), 2700, "USD 67.50".into(), 1, 0),
            ("Internal".into(), 0, String::new(), 1, 0),
            ("Website".into(), 5400, "EUR 180.00".into(), 2, 1),
        ]
    );
    assert!(s.rows.iter().all(|r| r.day_length_seconds.is_none()));
    assert!(s.rows.iter().all(|r| r.keys[0].id.is_some()));
    let t = &s.totals;
    assert_eq!(
        (
            t.duration_seconds,
            t.rounded_duration_seconds,
            t.billable_seconds
        ),
        (18900, 18900, 17100)
    );
    assert_eq!(amounts(&t.amounts), "EUR 430.00, USD 67.50");
    assert_eq!((t.track_count, t.running_count), (5, 1));
    assert_eq!(s.start, utc("2026-10-31T23:00:00Z"));
    assert_eq!(s.end, utc("2026-11-30T23:00:00Z"));

    // A running timer counts up to now.
    env.clock.advance(600);
    let later = summary(&env, "2026-11-01", "2026-11-30", &["project"]);
    assert_eq!(later.rows[3].figures.duration_seconds, 6000);
    assert_eq!(later.totals.duration_seconds, 19500);

    // By client: projects without a client last.
    check_summary(
        &env,
        ("2026-11-01", "2026-11-30", &["client"]),
        &[
            ("Acme", 9000 + 6000, 9000 + 6000),
            ("Globex", 2700, 2700),
            ("(no client)", 1800, 1800),
        ],
    );

    // top_projects: by rounded time, with each one's share of the whole.
    let (top, shares) = env
        .svc
        .top_projects("2026-11-01", "2026-11-30", Some(2))
        .unwrap();
    let names: Vec<&str> = top.rows.iter().map(|r| r.keys[0].value.as_str()).collect();
    assert_eq!(names, ["Backend", "Website"]);
    assert_eq!(
        shares.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ["46.2", "30.8"]
    );
    // A limit of 0 is refused like the list tools' page size, not quietly taken as 1.
    let err = env
        .svc
        .top_projects("2026-11-01", "2026-11-30", Some(0))
        .unwrap_err();
    assert!(
        err.to_string().contains("limit must be at least 1"),
        "{err}"
    );
    let (all, _) = env
        .svc
        .top_projects("2026-11-01", "2026-11-30", None)
        .unwrap();
    assert!(all.rows.len() <= 5);
}

#[test]
fn summary_by_day_puts_a_track_on_the_day_it_starts() {
    let env = Env::new();
    summary_seed(&env);
    let s = summary(&env, "2026-11-02", "2026-11-03", &["day"]);
    check_rows(
        &s,
        &[
            ("2026-11-02", 3600 + 9000, 3600 + 9000),
            ("2026-11-03", 2700, 2700),
        ],
    );
    assert!(s.rows.iter().all(|r| r.day_length_seconds == Some(86_400)));
    assert_eq!(
        s.rows
            .iter()
            .map(|r| r.figures.track_count)
            .collect::<Vec<_>>(),
        [2, 1],
        "the midnight track counts once, on the day it starts"
    );
    assert_eq!(s.totals.duration_seconds, 15_300);
    assert_eq!(amounts(&s.totals.amounts), "EUR 370.00, USD 67.50");
    // The day after holds none of it.
    check_summary(
        &env,
        ("2026-11-03", "2026-11-03", &["day"]),
        &[("2026-11-03", 2700, 2700)],
    );

    // A date-time range is half-open and takes the tracks that start in it, whole.
    let part = summary(&env, "2026-11-03 00:30", "2026-11-03 10:15", &["day"]);
    check_rows(&part, &[("2026-11-03", 2700, 2700)]);
    check_summary(
        &env,
        ("2026-11-02 22:30", "2026-11-02 23:30", &["day"]),
        &[("2026-11-02", 9000, 9000)],
    );

    // The running timer, marked as running, on today's row.
    let today = summary(&env, "today", "today", &["day"]);
    check_rows(&today, &[("2026-11-21", 1800, 1800)]);
    assert_eq!(today.rows[0].figures.running_count, 1);

    // Weeks start on Monday; months and years are labelled by their start.
    check_summary(
        &env,
        ("2026-11-01", "2026-11-30", &["week"]),
        &[("2026-11-02", 17100, 17100), ("2026-11-16", 1800, 1800)],
    );
    check_summary(
        &env,
        ("2026-10-01", "2026-11-30", &["month"]),
        &[("2026-11", 18900, 18900)],
    );
}

#[test]
fn daylight_saving_days_are_23_and_25_hours() {
    let env = Env::new();
    // From 22:00 the evening before to 02:00 the morning after each change, one track per
    // local day (a track belongs to the day it starts on): the middle one is the whole day.
    for (start, end) in [
        ("2026-10-24 22:00", "2026-10-25 00:00"),
        ("2026-10-25 00:00", "2026-10-26 00:00"),
        ("2026-10-26 00:00", "2026-10-26 02:00"),
        ("2026-03-28 22:00", "2026-03-29 00:00"),
        ("2026-03-29 00:00", "2026-03-30 00:00"),
        ("2026-03-30 00:00", "2026-03-30 02:00"),
    ] {
        add(&env, span(start, end, None, "around a change"));
    }
    let autumn = summary(&env, "2026-10-24", "2026-10-26", &["day"]);
    let got: Vec<(String, i64, Option<i64>)> = autumn
        .rows
        .iter()
        .map(|r| {
            (
                r.keys[0].value.clone(),
                r.figures.duration_seconds,
                r.day_length_seconds,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-10-24".into(), 7200, Some(86_400)),
            ("2026-10-25".into(), 90_000, Some(90_000)),
            ("2026-10-26".into(), 7200, Some(86_400)),
        ]
    );
    assert_eq!(autumn.totals.duration_seconds, 104_400);

    let spring = summary(&env, "2026-03-28", "2026-03-30", &["day"]);
    let got: Vec<(String, i64, Option<i64>)> = spring
        .rows
        .iter()
        .map(|r| {
            (
                r.keys[0].value.clone(),
                r.figures.duration_seconds,
                r.day_length_seconds,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            ("2026-03-28".into(), 7200, Some(86_400)),
            ("2026-03-29".into(), 82_800, Some(82_800)),
            ("2026-03-30".into(), 7200, Some(86_400)),
        ]
    );

    // One day asked for: the range is that local day, 25 hours long.
    let one = summary(&env, "2026-10-25", "2026-10-25", &["day"]);
    assert_eq!((one.end - one.start).num_seconds(), 90_000);
    check_rows(&one, &[("2026-10-25", 90_000, 90_000)]);
    let short = summary(&env, "2026-03-29", "2026-03-29", &["day", "project"]);
    check_rows(&short, &[("2026-03-29 / (no project)", 82_800, 82_800)]);
    assert_eq!(short.rows[0].day_length_seconds, Some(82_800));
}

#[test]
fn summary_by_two_levels() {
    let env = Env::new();
    summary_seed(&env);
    let s = summary(&env, "2026-11-02", "2026-11-03", &["day", "project"]);
    check_rows(
        &s,
        &[
            ("2026-11-02 / Backend", 9000, 9000),
            ("2026-11-02 / Website", 3600, 3600),
            ("2026-11-03 / Gadget", 2700, 2700),
        ],
    );
    assert_eq!(s.totals.duration_seconds, 15_300);
    let s = summary(&env, "2026-11-02", "2026-11-03", &["project", "day"]);
    check_rows(
        &s,
        &[
            ("Backend / 2026-11-02", 9000, 9000),
            ("Gadget / 2026-11-03", 2700, 2700),
            ("Website / 2026-11-02", 3600, 3600),
        ],
    );
    let s = summary(&env, "2026-11-01", "2026-11-30", &["client", "project"]);
    check_rows(
        &s,
        &[
            ("Acme / Backend", 9000, 9000),
            ("Acme / Website", 5400, 5400),
            ("Globex / Gadget", 2700, 2700),
            ("(no client) / Internal", 1800, 1800),
        ],
    );
    assert_eq!(s.totals.duration_seconds, 18_900);
}

#[test]
fn summary_by_tag_counts_a_track_once_in_totals() {
    let env = Env::new();
    summary_seed(&env);
    let s = summary(&env, "2026-11-01", "2026-11-30", &["tag"]);
    check_rows(
        &s,
        &[
            ("design", 3600 + 9000, 3600 + 9000),
            ("meeting", 9000 + 1800, 9000 + 1800),
            ("(untagged)", 2700 + 1800, 2700 + 1800),
        ],
    );
    assert_eq!(s.rows[2].keys[0].id, None);
    assert_eq!(s.totals.duration_seconds, 18_900, "t2 counted once");
    assert_eq!(s.totals.track_count, 5);
    assert_eq!(amounts(&s.totals.amounts), "EUR 430.00, USD 67.50");

    let by_day_and_tag = summary(&env, "2026-11-02", "2026-11-02", &["day", "tag"]);
    check_rows(
        &by_day_and_tag,
        &[
            ("2026-11-02 / design", 3600 + 9000, 3600 + 9000),
            ("2026-11-02 / meeting", 9000, 9000),
        ],
    );
    assert_eq!(
        by_day_and_tag.totals.duration_seconds, 12_600,
        "t2 counted once"
    );
}

#[test]
fn summary_filters() {
    let env = Env::new();
    summary_seed(&env);
    let filtered = |f: fn(TimeSummary) -> TimeSummary| {
        summary_with(
            &env,
            f(TimeSummary {
                from: "2026-11-01".into(),
                to: "2026-11-30".into(),
                group_by: vec!["project".into()],
                ..Default::default()
            }),
        )
    };
    let s = filtered(|r| TimeSummary {
        project: Some("website".into()),
        ..r
    });
    check_rows(&s, &[("Website", 5400, 5400)]);
    let s = filtered(|r| TimeSummary {
        client: Some("Acme".into()),
        ..r
    });
    check_rows(&s, &[("Backend", 9000, 9000), ("Website", 5400, 5400)]);
    let s = filtered(|r| TimeSummary {
        tag: Some("meeting".into()),
        ..r
    });
    check_rows(&s, &[("Backend", 9000, 9000), ("Internal", 1800, 1800)]);
    let s = filtered(|r| TimeSummary {
        billable: Some(false),
        ..r
    });
    check_rows(&s, &[("Internal", 1800, 1800)]);
    assert!(s.totals.amounts.is_empty());
    let s = filtered(|r| TimeSummary {
        billable: Some(true),
        client: Some("Acme".into()),
        tag: Some("design".into()),
        ..r
    });
    check_rows(&s, &[("Backend", 9000, 9000), ("Website", 3600, 3600)]);

    let err = refused(
        env.svc.time_summary(TimeSummary {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: vec!["project".into()],
            client: Some("Initech".into()),
            ..Default::default()
        }),
        &["Initech"],
    );
    assert!(matches!(err, ServiceError::NotFound(_)), "{err:?}");
}

#[test]
fn summary_errors() {
    let env = Env::new();
    summary_seed(&env);
    let try_summary = |from: &str, to: &str, group_by: &[&str]| {
        env.svc.time_summary(TimeSummary {
            from: from.into(),
            to: to.into(),
            group_by: group_by.iter().map(|g| g.to_string()).collect(),
            ..Default::default()
        })
    };
    let cases: &[(&str, &str, &[&str], &[&str])] = &[
        ("2026-11-01", "2026-11-30", &[], &["one or two", "(got 0)"]),
        (
            "2026-11-01",
            "2026-11-30",
            &["day", "project", "tag"],
            &["one or two", "(got 3)"],
        ),
        (
            "2026-11-01",
            "2026-11-30",
            &["weekday"],
            &[
                "grouping",
                "weekday",
                "day, week, month, year, project, client, tag or task",
            ],
        ),
        (
            "2026-11-01",
            "2026-11-30",
            &["day", "Day"],
            &["same grouping twice"],
        ),
        (
            "2026-11-10",
            "2026-11-09",
            &["day"],
            &["the range is empty"],
        ),
        (
            "2026-11-10 12:00",
            "2026-11-10 12:00",
            &["day"],
            &["the range is empty"],
        ),
        (
            "next week",
            "2026-11-09",
            &["day"],
            &["cannot read date, time or period", "last week"],
        ),
    ];
    for (from, to, group_by, fragments) in cases {
        let err = refused(try_summary(from, to, group_by), fragments);
        assert!(matches!(err, ServiceError::Domain(_)), "{err:?}");
    }
}

#[test]
fn summary_rounding_per_entry_and_per_total() {
    let env = Env::new();
    client(&env, "Acme", Some("EUR"), None);
    project(&env, simple_project("P", Some("Acme"), Some("120")));
    project(&env, simple_project("Q", Some("Acme"), Some("60")));
    for h in [9, 10, 11] {
        add(
            &env,
            span(
                &format!("2026-11-02 {h}:00"),
                &format!("2026-11-02 {h}:05"),
                Some("P"),
                "5 min",
            ),
        );
    }
    add(
        &env,
        span("2026-11-03 09:00", "2026-11-03 09:07", Some("Q"), "7 min"),
    );
    let by_project = || summary(&env, "2026-11-01", "2026-11-30", &["project"]);

    // No rounding by default: both durations are the same.
    let s = by_project();
    check_rows(&s, &[("P", 900, 900), ("Q", 420, 420)]);
    // The money rule: 15 min x 120/h = 30.00 and 7 min x 60/h = 7.00, each rate's time priced
    // exactly and rounded once.
    assert_eq!(amounts(&s.totals.amounts), "EUR 37.00");

    // Per entry: each 5-minute track becomes 15 minutes.
    set_rounding(&env, "up", 15, "entry");
    let s = by_project();
    check_rows(&s, &[("P", 900, 2700), ("Q", 420, 900)]);
    assert_eq!(s.totals.rounded_duration_seconds, 3600);
    assert_eq!(
        s.totals.duration_seconds, 1320,
        "the unrounded time is kept"
    );
    assert_eq!(amounts(&s.totals.amounts), "EUR 105.00");
    assert_eq!(s.rounding.scope, RoundingScope::Entry);

    // Per total: each group's sum is rounded once; the totals round the grand sum.
    set_rounding(&env, "up", 15, "total");
    let s = by_project();
    check_rows(&s, &[("P", 900, 900), ("Q", 420, 900)]);
    assert_eq!(s.totals.rounded_duration_seconds, 1800, "22 min -> 30 min");
    assert_eq!(amounts(&s.totals.amounts), "EUR 45.00");

    // Nearest: a 5-minute track rounds down to nothing, 15 minutes in total stay.
    set_rounding(&env, "nearest", 15, "entry");
    check_rows(&by_project(), &[("P", 900, 0), ("Q", 420, 0)]);
    set_rounding(&env, "nearest", 15, "total");
    let s = by_project();
    check_rows(&s, &[("P", 900, 900), ("Q", 420, 0)]);
    assert_eq!(s.totals.rounded_duration_seconds, 900, "22 min -> 15 min");
    set_rounding(&env, "down", 6, "entry");
    check_rows(&by_project(), &[("P", 900, 0), ("Q", 420, 360)]);
}

/// Rounding per entry rounds each track once (docs/rules.md, "Rounding": "entry (each track rounded,
/// then summed)"), also when the track crosses local midnight and the summary is grouped by
/// period.
///
/// Failed when grouping by a period split tracks at local midnight and rounded each day's part
/// as if it were an entry (this 30-minute track billed as 15 + 30 = 45 minutes); a track now
/// belongs wholly to the day it starts on (tests/it/periods.rs).
#[test]
fn entry_rounding_rounds_a_track_across_midnight_once() {
    let env = Env::new();
    set_rounding(&env, "up", 15, "entry");
    project(&env, simple_project("P", None, Some("100")));
    // 30 minutes: 10 before local midnight, 20 after.
    add(
        &env,
        span("2026-11-02 23:50", "2026-11-03 00:20", Some("P"), "late"),
    );
    let totals = |group_by: &[&str]| {
        let s = summary(&env, "2026-11-01", "2026-11-30", group_by);
        (
            s.totals.duration_seconds,
            s.totals.rounded_duration_seconds,
            amounts(&s.totals.amounts),
        )
    };
    let want = (1800, 1800, "USD 50.00".to_owned());
    assert_eq!(totals(&["project"]), want);
    assert_eq!(
        totals(&["day", "project"]),
        want,
        "totals of a summary by day"
    );
    assert_eq!(totals(&["week"]), want, "totals of a summary by week");
    // One track in one week (and month): one entry, rounded once.
    for period in ["week", "month"] {
        let s = summary(&env, "2026-11-01", "2026-11-30", &[period]);
        assert_eq!(rows(&s).len(), 1);
        assert_eq!(
            (
                s.rows[0].figures.duration_seconds,
                s.rows[0].figures.rounded_duration_seconds
            ),
            (1800, 1800),
            "the {period} row"
        );
    }
}

/// Every mode, increment and scope in SQL gives what the domain's rounding gives.
fn check_sql_rounding(tracks: &[(usize, i64, i64)]) -> Result<(), TestCaseError> {
    let env = Env::new();
    let names = ["A", "B"];
    for n in names {
        project(&env, simple_project(n, None, None));
    }
    let base = utc("2026-11-01T00:00:00Z");
    let mut durations: [Vec<i64>; 2] = [Vec::new(), Vec::new()];
    for &(p, offset, seconds) in tracks {
        let start = base + chrono::Duration::seconds(offset);
        let end = start + chrono::Duration::seconds(seconds);
        add(
            &env,
            span(&start.to_rfc3339(), &end.to_rfc3339(), Some(names[p]), ""),
        );
        durations[p].push(seconds);
    }
    let all: Vec<i64> = durations.concat();
    let modes = [
        RoundingMode::None,
        RoundingMode::Up,
        RoundingMode::Down,
        RoundingMode::Nearest,
    ];
    for mode in modes {
        for increment_minutes in ROUNDING_INCREMENTS {
            for scope in [RoundingScope::Entry, RoundingScope::Total] {
                set_rounding(&env, mode.as_str(), increment_minutes, scope.as_str());
                let rounding = Rounding {
                    mode,
                    increment_minutes,
                    scope,
                };
                let s = summary(&env, "2026-10-31", "2026-11-20", &["project"]);
                let what = format!("{} {increment_minutes} {}", mode.as_str(), scope.as_str());
                prop_assert_eq!(
                    s.totals.rounded_duration_seconds,
                    rounded_total(&all, rounding),
                    "totals, {}",
                    &what
                );
                prop_assert_eq!(s.totals.duration_seconds, all.iter().sum::<i64>());
                if scope == RoundingScope::Entry {
                    let each: i64 = all.iter().map(|&d| round_seconds(d, rounding)).sum();
                    prop_assert_eq!(s.totals.rounded_duration_seconds, each);
                }
                for row in &s.rows {
                    let p = names.iter().position(|n| *n == row.keys[0].value).unwrap();
                    prop_assert_eq!(
                        row.figures.rounded_duration_seconds,
                        rounded_total(&durations[p], rounding),
                        "row {}, {}",
                        names[p],
                        &what
                    );
                }
            }
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(crate::it::util::proptest_config(16, 256))]

    #[test]
    fn sql_rounding_matches_the_domain(
        tracks in proptest::collection::vec(
            (
                0usize..2,
                0i64..(18 * 86_400),
                // Any length, or a multiple of 30 s to hit the ties of nearest.
                prop_oneof![1i64..30_000, (1i64..1_000).prop_map(|k| k * 30)],
            ),
            1..8,
        )
    ) {
        check_sql_rounding(&tracks)?;
    }
}

#[test]
fn sql_rounding_known_ties() {
    // Exact multiples, ties and one second either side, for the 15-minute increment.
    check_sql_rounding(&[
        (0, 0, 450),
        (0, 3600, 449),
        (1, 7200, 451),
        (1, 9000, 900),
        (0, 20_000, 1),
    ])
    .unwrap();
}

// ---------------------------------------------------------------------------------------------
// Budgets and unbilled work

#[test]
fn hours_and_money_budgets() {
    let env = Env::new();
    client(&env, "Acme", Some("EUR"), Some("100"));
    project(
        &env,
        NewProject {
            budget_hours: Some("10".into()),
            ..simple_project("Website", Some("Acme"), Some("120"))
        },
    );
    project(
        &env,
        NewProject {
            budget_amount: Some("500".into()),
            budget_alert_percent: Some(90),
            ..simple_project("Backend", Some("Acme"), None)
        },
    );
    project(
        &env,
        NewProject {
            budget_hours: Some("100".into()),
            budget_amount: Some("100".into()),
            ..simple_project("Design", Some("Acme"), Some("120"))
        },
    );
    project(&env, simple_project("Unbudgeted", Some("Acme"), None));

    let status = |p: &str| {
        let r = env.svc.budget_status(Some(p)).unwrap();
        assert_eq!(r.len(), 1);
        r.into_iter().next().unwrap()
    };
    let hours = |p: &str| {
        let r = status(p);
        let h = r.hours.expect("an hours budget");
        (
            h.used.to_string(),
            h.percent.to_string(),
            h.status.as_str(),
            r.status.as_str(),
        )
    };

    // Hours count billable and non-billable time.
    add(
        &env,
        span("2026-11-02 09:00", "2026-11-02 15:00", Some("Website"), ""),
    );
    add(
        &env,
        NewTrack {
            billable: Some(false),
            ..span("2026-11-03 09:00", "2026-11-03 10:00", Some("Website"), "")
        },
    );
    assert_eq!(
        hours("Website"),
        ("25200".into(), "70.0".into(), "ok", "ok")
    );
    add(
        &env,
        span("2026-11-04 09:00", "2026-11-04 10:00", Some("Website"), ""),
    );
    assert_eq!(
        hours("Website"),
        ("28800".into(), "80.0".into(), "alert", "alert"),
        "at the threshold"
    );
    add(
        &env,
        span("2026-11-05 09:00", "2026-11-05 11:00", Some("Website"), ""),
    );
    assert_eq!(
        hours("Website"),
        ("36000".into(), "100.0".into(), "alert", "alert"),
        "exactly at the budget is not over"
    );
    add(
        &env,
        span("2026-11-06 09:00", "2026-11-06 09:30", Some("Website"), ""),
    );
    assert_eq!(
        hours("Website"),
        ("37800".into(), "105.0".into(), "over", "over")
    );
    let w = status("Website");
    assert_eq!(w.hours.unwrap().budget.to_string(), "36000");
    assert!(w.money.is_none());

    // Money counts billable time only, at the rate in force, in the project's currency.
    add(
        &env,
        span("2026-11-02 09:00", "2026-11-02 13:00", Some("Backend"), ""),
    );
    add(
        &env,
        NewTrack {
            billable: Some(false),
            ..span("2026-11-03 09:00", "2026-11-03 10:00", Some("Backend"), "")
        },
    );
    let money_of = |p: &str| {
        let r = status(p);
        assert_eq!(r.currency.code(), "EUR");
        let u = r.money.expect("a money budget");
        (
            u.used.to_string(),
            u.percent.to_string(),
            u.status.as_str(),
            r.status.as_str(),
        )
    };
    assert_eq!(
        money_of("Backend"),
        ("400.00".into(), "80.0".into(), "ok", "ok")
    );
    assert!(status("Backend").hours.is_none());
    add(
        &env,
        span("2026-11-04 09:00", "2026-11-04 09:30", Some("Backend"), ""),
    );
    assert_eq!(
        money_of("Backend"),
        ("450.00".into(), "90.0".into(), "alert", "alert")
    );
    add(
        &env,
        span("2026-11-05 09:00", "2026-11-05 10:00", Some("Backend"), ""),
    );
    assert_eq!(
        money_of("Backend"),
        ("550.00".into(), "110.0".into(), "over", "over")
    );

    // Both budgets: the status is the worse one.
    add(
        &env,
        span("2026-11-02 09:00", "2026-11-02 10:00", Some("Design"), ""),
    );
    let d = status("Design");
    assert_eq!(d.hours.as_ref().unwrap().status.as_str(), "ok");
    assert_eq!(d.money.as_ref().unwrap().status.as_str(), "over");
    assert_eq!(d.money.as_ref().unwrap().used.to_string(), "120.00");
    assert_eq!(d.status.as_str(), "over");

    // All projects with a budget, and only those.
    let mut names: Vec<String> = env
        .svc
        .budget_status(None)
        .unwrap()
        .into_iter()
        .map(|r| r.project.name)
        .collect();
    names.sort();
    assert_eq!(names, ["Backend", "Design", "Website"]);
    refused(env.svc.budget_status(Some("Nope")), &["Nope"]);
}

#[test]
fn monthly_budget_counts_the_current_month_with_rounding() {
    let env = Env::new();
    set_rounding(&env, "up", 15, "entry");
    project(
        &env,
        NewProject {
            budget_hours: Some("5".into()),
            budget_period: Some("monthly".into()),
            ..simple_project("Retainer", None, Some("100"))
        },
    );
    add(
        &env,
        span(
            "2026-10-20 09:00",
            "2026-10-20 12:00",
            Some("Retainer"),
            "October",
        ),
    );
    // The last evening of October, local time: not this month.
    add(
        &env,
        span(
            "2026-10-31 22:00",
            "2026-10-31 23:00",
            Some("Retainer"),
            "Halloween",
        ),
    );
    add(
        &env,
        span("2026-11-02 09:00", "2026-11-02 11:00", Some("Retainer"), ""),
    );
    add(
        &env,
        span(
            "2026-11-03 09:00",
            "2026-11-03 09:07",
            Some("Retainer"),
            "7 min",
        ),
    );
    let r = env.svc.budget_status(Some("Retainer")).unwrap().remove(0);
    assert_eq!(r.period_start, utc("2026-10-31T23:00:00Z"));
    assert_eq!(r.period_end, utc("2026-11-30T23:00:00Z"));
    let h = r.hours.unwrap();
    // 2 h + 7 min rounded up to 15 min.
    assert_eq!(h.used.to_string(), "8100");
    assert_eq!(h.percent.to_string(), "45.0");
    assert_eq!(h.status.as_str(), "ok");
}

#[test]
fn unbilled_work_by_client_and_project() {
    let env = Env::new();
    client(&env, "Acme", Some("EUR"), Some("100"));
    client(&env, "Globex", Some("USD"), None);
    project(&env, simple_project("Website", Some("Acme"), Some("120")));
    project(&env, simple_project("Backend", Some("Acme"), None));
    project(&env, simple_project("Gadget", Some("Globex"), Some("90")));
    // Invoiced (a draft holds it).
    add(
        &env,
        span(
            "2026-10-05 09:00",
            "2026-10-05 10:00",
            Some("Website"),
            "billed",
        ),
    );
    env.svc
        .create_invoice(invoice(Some("Acme"), "2026-10-01", "2026-10-31"))
        .unwrap();
    add(
        &env,
        span("2026-11-02 09:00", "2026-11-02 10:30", Some("Website"), ""),
    );
    add(
        &env,
        NewTrack {
            billable: Some(false),
            ..span(
                "2026-11-03 09:00",
                "2026-11-03 10:00",
                Some("Website"),
                "free",
            )
        },
    );
    add(
        &env,
        span("2026-11-04 09:00", "2026-11-04 09:45", Some("Backend"), ""),
    );
    add(
        &env,
        span("2026-11-05 09:00", "2026-11-05 11:00", Some("Gadget"), ""),
    );
    add(
        &env,
        NewTrack {
            billable: Some(true),
            ..span("2026-11-06 09:00", "2026-11-06 10:00", None, "loose")
        },
    );
    env.svc
        .start_timer(StartTimer {
            project: Some("Website".into()),
            start: Some("2026-11-21 12:30".into()),
            ..Default::default()
        })
        .unwrap();

    let all = env.svc.unbilled_summary(None, None, None).unwrap();
    check_rows(
        &all,
        &[
            ("Acme / Backend", 2700, 2700),
            ("Acme / Website", 5400, 5400),
            ("Globex / Gadget", 7200, 7200),
            ("(no client) / (no project)", 3600, 3600),
        ],
    );
    let row_amounts: Vec<String> = all
        .rows
        .iter()
        .map(|r| amounts(&r.figures.amounts))
        .collect();
    assert_eq!(
        row_amounts,
        ["EUR 75.00", "EUR 180.00", "USD 180.00", "USD 0.00"],
        "the default rate is 0 and the default currency USD"
    );
    assert_eq!(all.totals.duration_seconds, 18_900);
    assert_eq!(all.totals.running_count, 0);
    assert_eq!(amounts(&all.totals.amounts), "EUR 255.00, USD 180.00");

    let acme = env.svc.unbilled_summary(Some("acme"), None, None).unwrap();
    check_rows(
        &acme,
        &[
            ("Acme / Backend", 2700, 2700),
            ("Acme / Website", 5400, 5400),
        ],
    );
    let window = env
        .svc
        .unbilled_summary(None, Some("2026-11-03"), Some("2026-11-04"))
        .unwrap();
    check_rows(&window, &[("Acme / Backend", 2700, 2700)]);
    refused(
        env.svc.unbilled_summary(Some("Initech"), None, None),
        &["Initech"],
    );

    // Once invoiced, work is no longer unbilled.
    env.svc
        .create_invoice(invoice(Some("Globex"), "2026-11-01", "2026-11-30"))
        .unwrap();
    let rest = env.svc.unbilled_summary(None, None, None).unwrap();
    assert_eq!(rest.rows.len(), 3);
    assert_eq!(amounts(&rest.totals.amounts), "EUR 255.00, USD 0.00");
}

// ---------------------------------------------------------------------------------------------
// CSV exports

const GOLDEN: &str = "fixtures/invoice-golden.csv";

#[test]
fn invoice_csv_matches_the_golden_file() {
    let env = Env::new();
    set_rounding(&env, "up", 15, "entry");
    env.svc
        .update_settings(SettingsChanges {
            business_name: Some("Stint Studio".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_client(NewClient {
            name: "Acme, \"Intl\" GmbH".into(),
            currency: Some("EUR".into()),
            hourly_rate: Some("100".into()),
            tax_id: Some("DE123456789".into()),
            ..Default::default()
        })
        .unwrap();
    project(
        &env,
        simple_project("Website Relaunch", Some("Acme, \"Intl\" GmbH"), Some("120")),
    );
    add(
        &env,
        span(
            "2026-10-05 09:00",
            "2026-10-05 11:30",
            Some("Website Relaunch"),
            "Überarbeitung Startseite",
        ),
    );
    add(
        &env,
        span(
            "2026-10-06 14:00",
            "2026-10-06 14:07",
            Some("Website Relaunch"),
            "Kickoff, Planung",
        ),
    );
    add(
        &env,
        NewTrack {
            hourly_rate: Some("150".into()),
            ..span(
                "2026-10-07 10:00",
                "2026-10-07 11:01",
                Some("Website Relaunch"),
                "API \"v2\" review",
            )
        },
    );
    let draft = env
        .svc
        .create_invoice(NewInvoice {
            tax_rate_percent: Some("19".into()),
            ..invoice(Some("Acme, \"Intl\" GmbH"), "2026-10-01", "2026-10-31")
        })
        .unwrap();
    let (_, draft_csv) = env.svc.export_invoice_csv(&draft.id.to_string()).unwrap();
    assert!(
        draft_csv.contains(&format!("\r\nDRAFT-{},draft,", draft.id)),
        "{draft_csv}"
    );
    env.svc
        .mark_invoice_sent(&draft.id.to_string(), Some("2026-11-02"))
        .unwrap();
    let (inv, csv) = env.svc.export_invoice_csv("INV-2026-0001").unwrap();
    assert_eq!(money(&inv), m("517.50", "98.33", "615.83"));

    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(GOLDEN);
    if std::env::var_os("STINT_BLESS").is_some() {
        std::fs::write(&path, &csv).unwrap();
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{GOLDEN}: {e}; run with STINT_BLESS=1 to write it"));
    assert_eq!(csv, want, "the export differs from {GOLDEN}");

    // The shape, independent of the golden file: CRLF only, a header, 3 lines and 3 totals.
    assert!(csv.ends_with("\r\n"));
    assert_eq!(csv.matches('\n').count(), csv.matches("\r\n").count());
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(header, stint::service::INVOICE_CSV_HEADER);
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 6);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    for r in &records {
        assert_eq!(&r[col("client")], "Acme, \"Intl\" GmbH");
        assert_eq!(&r[col("invoice_number")], "INV-2026-0001");
        assert_eq!(&r[col("issue_date")], "2026-11-02");
        assert_eq!(&r[col("due_date")], "2026-12-02");
        assert_eq!(&r[col("currency")], "EUR");
    }
    let picked: Vec<(&str, &str, &str, &str)> = records
        .iter()
        .map(|r| {
            (
                &r[col("description")],
                &r[col("hours")],
                &r[col("unrounded_hours")],
                &r[col("amount")],
            )
        })
        .collect();
    assert_eq!(
        picked,
        [
            ("Überarbeitung Startseite", "2.50", "2.50", "300.00"),
            ("Kickoff, Planung", "0.25", "0.12", "30.00"),
            ("API \"v2\" review", "1.25", "1.02", "187.50"),
            ("Subtotal", "", "", "517.50"),
            ("Tax", "", "", "98.33"),
            ("Total", "", "", "615.83"),
        ]
    );
}

#[test]
fn tracks_csv_has_rounded_and_unrounded_durations() {
    let env = Env::new();
    set_rounding(&env, "up", 15, "entry");
    client(&env, "Acme", Some("EUR"), None);
    project(&env, simple_project("Website", Some("Acme"), None));
    env.svc.create_tag("design").unwrap();
    env.svc.create_tag("meeting").unwrap();
    let short = add(
        &env,
        NewTrack {
            tags: vec!["meeting".into(), "design".into()],
            hourly_rate: Some("150.50".into()),
            ..span(
                "2026-11-02 09:00",
                "2026-11-02 09:07",
                Some("Website"),
                "Call, \"quick\"",
            )
        },
    );
    let long = add(
        &env,
        span("2026-11-03 09:00", "2026-11-03 10:00", None, "Ümlaut"),
    );
    let running = env
        .svc
        .start_timer(StartTimer {
            start: Some("2026-11-21 12:50".into()),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0;
    let tracks = env.svc.list_tracks(ListTracks::default()).unwrap().items;
    let rounding = env.svc.get_settings().unwrap().settings.rounding;
    let text = stint::service::tracks_csv(&tracks, rounding, env.svc.now());
    assert!(text.starts_with(&stint::service::TRACKS_CSV_HEADER.join(",")));
    assert_eq!(text.matches('\n').count(), text.matches("\r\n").count());

    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header: Vec<String> = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let records: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), 3);
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let row = |id: i64| {
        records
            .iter()
            .find(|r| r[col("id")] == id.to_string())
            .unwrap()
    };
    let fields = |id: i64, names: &[&str]| -> Vec<String> {
        names.iter().map(|n| row(id)[col(n)].to_owned()).collect()
    };
    let names = [
        "start",
        "end",
        "duration_seconds",
        "rounded_duration_seconds",
        "hours",
        "rounded_hours",
        "project",
        "client",
        "tags",
        "description",
        "billable",
        "hourly_rate",
        "running",
    ];
    assert_eq!(
        fields(short, &names),
        [
            "2026-11-02T09:00:00+01:00",
            "2026-11-02T09:07:00+01:00",
            "420",
            "900",
            "0.12",
            "0.25",
            "Website",
            "Acme",
            "design;meeting",
            "Call, \"quick\"",
            "true",
            "150.5",
            "false",
        ]
    );
    assert_eq!(
        fields(long, &names),
        [
            "2026-11-03T09:00:00+01:00",
            "2026-11-03T10:00:00+01:00",
            "3600",
            "3600",
            "1.00",
            "1.00",
            "",
            "",
            "",
            "Ümlaut",
            "false",
            "",
            "false",
        ]
    );
    // A running timer counts up to now (10 minutes, rounded up to 15).
    assert_eq!(
        fields(
            running,
            &[
                "end",
                "duration_seconds",
                "rounded_duration_seconds",
                "running"
            ]
        ),
        ["", "600", "900", "true"]
    );

    // The streaming export (what `stint tracks --csv` runs) writes the same bytes.
    let mut streamed = stint::service::TracksCsv::new(Vec::new(), rounding, env.svc.now());
    let n = env
        .svc
        .export_tracks_csv(&ListTracks::default(), &mut streamed)
        .unwrap();
    assert_eq!(n, 3);
    assert_eq!(String::from_utf8(streamed.finish().unwrap()).unwrap(), text);
    let mut website = stint::service::TracksCsv::new(Vec::new(), rounding, env.svc.now());
    let only = ListTracks {
        project: Some("website".into()),
        ..ListTracks::default()
    };
    assert_eq!(env.svc.export_tracks_csv(&only, &mut website).unwrap(), 1);
    let website = String::from_utf8(website.finish().unwrap()).unwrap();
    assert!(website.contains("\"Call, \"\"quick\"\"\""), "{website}");
    let mut nothing = stint::service::TracksCsv::new(Vec::new(), rounding, env.svc.now());
    let unknown = ListTracks {
        project: Some("Webshop".into()),
        ..ListTracks::default()
    };
    let err = env
        .svc
        .export_tracks_csv(&unknown, &mut nothing)
        .unwrap_err()
        .to_string();
    assert!(err.contains("Webshop"), "{err}");
}

/// Text cells a spreadsheet would run as formulas (`=`, `+`, `-`, `@`, tab, CR) get a leading
/// `'` in the invoice and tracks CSV; numbers do not; `csv_text_back` undoes exactly that.
#[test]
fn csv_exports_defuse_formulas_in_text_cells_only() {
    use stint::service::{csv_text, csv_text_back};
    for t in [
        "=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", "'=x", "''=x", "'", "'a", "a=b", "", "x",
        "''", "'-", "-", "=",
    ] {
        assert_eq!(csv_text_back(&csv_text(t)), t, "{t:?}");
        let shown = csv_text(t);
        let first = shown.chars().next();
        assert!(
            !matches!(first, Some('=' | '+' | '-' | '@' | '\t' | '\r')),
            "{t:?} -> {shown:?}"
        );
    }
    assert_eq!(csv_text("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(csv_text("plain"), "plain");
    assert_eq!(csv_text_back("'plain"), "'plain");

    let env = Env::new();
    client(&env, "@Acme", None, Some("100"));
    project(&env, simple_project("-Site", Some("@Acme"), None));
    env.svc.create_tag("+tag").unwrap();
    add(
        &env,
        NewTrack {
            tags: vec!["+tag".into()],
            ..span(
                "2026-10-05 09:00",
                "2026-10-05 10:30",
                Some("-Site"),
                "=HYPERLINK(\"http://evil\",\"x\")",
            )
        },
    );
    let inv = env
        .svc
        .create_invoice(invoice(Some("@Acme"), "2026-10-01", "2026-10-31"))
        .unwrap();
    let (_, csv) = env.svc.export_invoice_csv(&inv.id.to_string()).unwrap();
    let mut reader = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    assert_eq!(&rows[0][4], "'@Acme", "{csv}");
    assert!(rows[0][9].contains("=HYPERLINK"), "{csv}");
    assert_eq!(&rows[0][10], "'-Site", "{csv}");
    assert_eq!(&rows[0][11], "1.50", "{csv}");
    assert_eq!(&rows[0][14], "150.00", "{csv}");
    // No cell starts a formula; a cell starting with `-` is a number.
    for row in &rows {
        for cell in row {
            assert!(
                !cell.starts_with(['=', '+', '@', '\t', '\r'])
                    && (!cell.starts_with('-') || cell.parse::<Decimal>().is_ok()),
                "{cell:?} in {csv}"
            );
        }
    }

    let tracks = env.svc.list_tracks(ListTracks::default()).unwrap().items;
    let rounding = env.svc.get_settings().unwrap().settings.rounding;
    let text = stint::service::tracks_csv(&tracks, rounding, env.svc.now());
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let row = reader.records().next().unwrap().unwrap();
    assert_eq!(&row[8], "'-Site", "{text}");
    assert_eq!(&row[9], "'@Acme", "{text}");
    assert_eq!(&row[10], "'+tag", "{text}");
    assert_eq!(&row[11], "'=HYPERLINK(\"http://evil\",\"x\")", "{text}");
    assert_eq!(&row[4], "5400", "{text}");
    // The streaming export writes the same cells.
    let mut out = stint::service::TracksCsv::new(Vec::new(), rounding, env.svc.now());
    env.svc
        .export_tracks_csv(&ListTracks::default(), &mut out)
        .unwrap();
    assert_eq!(String::from_utf8(out.finish().unwrap()).unwrap(), text);
}
