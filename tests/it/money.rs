//! The money rule (docs/rules.md, "Rates and currency"): time is priced from its rounded seconds,
//! `rate x seconds / 3600`, rounded to the currency's minor unit once, and every figure (invoice
//! lines and subtotals for each grouping, `time_summary`, `unbilled_summary`, `budget_status`)
//! derives from it. Regression tests for the examples, and a property test over random
//! tracks, rates, currencies, rounding modes, increments, scopes and groupings.

use std::collections::BTreeMap;

use proptest::prelude::*;
use rust_decimal::Decimal;
use stint::domain::entities::Invoice;
use stint::service::{
    NewClient, NewInvoice, NewProject, NewTrack, RoundingChanges, SettingsChanges, TimeSummary,
};

use super::util::Env;

fn settings(env: &Env, currency: &str, mode: &str, increment: u32, scope: &str) {
    env.svc
        .update_settings(SettingsChanges {
            default_currency: Some(currency.into()),
            default_hourly_rate: Some("0".into()),
            rounding: Some(RoundingChanges {
                mode: Some(mode.into()),
                increment_minutes: Some(increment),
                scope: Some(scope.into()),
            }),
            ..Default::default()
        })
        .unwrap();
}

fn setup(env: &Env, currency: &str, rates: &[&str]) {
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            currency: Some(currency.into()),
            ..Default::default()
        })
        .unwrap();
    for (i, rate) in rates.iter().enumerate() {
        env.svc
            .create_project(NewProject {
                name: format!("P{i}"),
                client: Some("Acme".into()),
                hourly_rate: Some((*rate).into()),
                budget_amount: Some("100000".into()),
                ..Default::default()
            })
            .unwrap();
    }
}

/// A billable track on `day` of November 2026 (Berlin), starting at `hh:mm`, lasting `seconds`.
fn track(env: &Env, day: u32, minute_of_day: u32, seconds: i64, project: Option<usize>) {
    let start = format!(
        "2026-11-{day:02} {:02}:{:02}",
        minute_of_day / 60,
        minute_of_day % 60
    );
    env.svc
        .create_track(NewTrack {
            start,
            duration: Some(format!("{seconds}s")),
            project: project.map(|p| format!("P{p}")),
            billable: Some(true),
            description: Some("work".into()),
            ..Default::default()
        })
        .unwrap();
}

fn invoice(env: &Env, group_by: &str) -> Invoice {
    env.svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: Some(group_by.into()),
            dry_run: true,
            ..Default::default()
        })
        .unwrap()
}

fn summary(env: &Env, group_by: &str) -> stint::service::Summary {
    env.svc
        .time_summary(TimeSummary {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: vec![group_by.into()],
            ..Default::default()
        })
        .unwrap()
}

fn amount(a: &BTreeMap<String, Decimal>, code: &str) -> Decimal {
    a.get(code).copied().unwrap_or_default()
}

/// Every figure of the same tracks: the invoice subtotal per grouping, the totals of
/// `time_summary` and `unbilled_summary`, and the money used of P0's budget.
fn figures(env: &Env, code: &str) -> Vec<(String, Decimal)> {
    let mut out = Vec::new();
    for g in ["track", "project", "day", "tag"] {
        out.push((format!("invoice by {g}"), invoice(env, g).subtotal));
    }
    out.push((
        "time_summary".into(),
        amount(&summary(env, "project").totals.amounts, code),
    ));
    let unbilled = env.svc.unbilled_summary(None, None, None).unwrap();
    out.push((
        "unbilled_summary".into(),
        amount(&unbilled.totals.amounts, code),
    ));
    let budget = env.svc.budget_status(Some("P0")).unwrap();
    out.push((
        "budget_status".into(),
        budget[0].money.as_ref().unwrap().used,
    ));
    out
}

fn all_equal(figures: &[(String, Decimal)], want: &str) {
    for (what, got) in figures {
        assert_eq!(got.to_string(), want, "{what}: {figures:?}");
    }
}

/// Issue example: six 10-minute tracks at 100 EUR/h are 1:00 and 100.00 everywhere, and the
/// per-track lines show 0.1667 h each, adding up to 100.00.
#[test]
fn six_ten_minute_tracks_at_100_are_100_everywhere() {
    let env = Env::new();
    settings(&env, "EUR", "none", 15, "entry");
    setup(&env, "EUR", &["100"]);
    for i in 0..6 {
        track(&env, 2, 9 * 60 + i * 15, 600, Some(0));
    }
    all_equal(&figures(&env, "EUR"), "100.00");
    let inv = invoice(&env, "track");
    let lines: Vec<(String, String)> = inv
        .lines
        .iter()
        .map(|l| (l.quantity_hours.to_string(), l.amount.to_string()))
        .collect();
    let want: Vec<(String, String)> = ["16.67", "16.67", "16.67", "16.67", "16.66", "16.66"]
        .iter()
        .map(|a| ("0.1667".to_owned(), (*a).to_owned()))
        .collect();
    assert_eq!(lines, want);
    // The same with rounding up to 5 minutes per entry: 10 minutes stay 10.
    settings(&env, "EUR", "up", 5, "entry");
    all_equal(&figures(&env, "EUR"), "100.00");
}

/// Issue example: three 20-minute tracks at 150 EUR/h are 150.00 everywhere (50.00 a line).
#[test]
fn three_twenty_minute_tracks_at_150_are_150_everywhere() {
    let env = Env::new();
    settings(&env, "EUR", "none", 15, "entry");
    setup(&env, "EUR", &["150"]);
    for i in 0..3 {
        track(&env, 3, 9 * 60 + i * 30, 1200, Some(0));
    }
    all_equal(&figures(&env, "EUR"), "150.00");
    let inv = invoice(&env, "track");
    let amounts: Vec<String> = inv.lines.iter().map(|l| l.amount.to_string()).collect();
    assert_eq!(amounts, ["50.00", "50.00", "50.00"]);
}

/// Issue example: with scope `total`, 45 + 12 minutes up to 15 are 1:00 = 60.00 at 60/h in the
/// reports, and a per-track invoice rounds the two tracks as one group: 60.00, not 75.00.
#[test]
fn total_scope_rounds_a_per_track_invoice_as_one_group() {
    let env = Env::new();
    settings(&env, "EUR", "up", 15, "total");
    setup(&env, "EUR", &["60"]);
    track(&env, 4, 9 * 60, 45 * 60, Some(0));
    track(&env, 4, 11 * 60, 12 * 60, Some(0));
    all_equal(&figures(&env, "EUR"), "60.00");
    let inv = invoice(&env, "track");
    let lines: Vec<(i64, String)> = inv
        .lines
        .iter()
        .map(|l| (l.rounded_duration_seconds, l.amount.to_string()))
        .collect();
    // 3600 s split 45:12 -> 2842 + 758 s; 47.37 + 12.63 = 60.00.
    assert_eq!(lines, [(2842, "47.37".into()), (758, "12.63".into())]);
    assert_eq!(
        inv.lines
            .iter()
            .map(|l| l.rounded_duration_seconds)
            .sum::<i64>(),
        3600
    );
}

/// A line reconciles: its quantity is its rounded hours to 4 decimals, and its amount is within
/// one minor unit of rate x rounded seconds / 3600.
fn reconciles(inv: &Invoice) -> Result<(), TestCaseError> {
    let unit = Decimal::new(1, inv.currency.minor_units());
    for l in &inv.lines {
        let exact = Decimal::from(l.rounded_duration_seconds) * l.unit_rate / Decimal::from(3600);
        prop_assert!((l.amount - exact).abs() < unit, "{l:?}");
        let hours = (Decimal::from(l.rounded_duration_seconds) / Decimal::from(3600))
            .round_dp_with_strategy(4, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
        prop_assert_eq!(l.quantity_hours.normalize(), hours.normalize());
        prop_assert_eq!(l.amount.scale(), inv.currency.minor_units());
    }
    let sum: Decimal = inv.lines.iter().map(|l| l.amount).sum();
    prop_assert_eq!(sum, inv.subtotal);
    Ok(())
}

/// Invoice lines summed per key, beside the summary's rows per key.
fn row_by_row(
    inv: &Invoice,
    s: &stint::service::Summary,
    code: &str,
    key: impl Fn(&stint::domain::entities::InvoiceLine) -> Option<String>,
) -> Result<(), TestCaseError> {
    let mut lines: BTreeMap<Option<String>, Decimal> = BTreeMap::new();
    for l in &inv.lines {
        *lines.entry(key(l)).or_default() += l.amount;
    }
    let rows: BTreeMap<Option<String>, Decimal> = s
        .rows
        .iter()
        .map(|r| {
            let k = &r.keys[0];
            let name = if k.dim == stint::service::GroupDim::Project && k.id.is_none() {
                None
            } else {
                Some(k.value.clone())
            };
            (name, amount(&r.figures.amounts, code))
        })
        .collect();
    prop_assert_eq!(lines, rows);
    Ok(())
}

type Spec = (u32, u32, i64, Option<usize>);

fn check_money(
    currency: &str,
    rates: &[String],
    tracks: &[Spec],
    mode: &str,
    increment: u32,
    scope: &str,
) -> Result<(), TestCaseError> {
    let env = Env::new();
    settings(&env, currency, mode, increment, scope);
    let rate_refs: Vec<&str> = rates.iter().map(String::as_str).collect();
    setup(&env, currency, &rate_refs);
    for &(day, minute, seconds, project) in tracks {
        track(&env, day, minute, seconds, project);
    }
    let invoices: Vec<(&str, Invoice)> = ["track", "project", "day", "tag"]
        .into_iter()
        .map(|g| (g, invoice(&env, g)))
        .collect();
    for (_, inv) in &invoices {
        reconciles(inv)?;
        prop_assert_eq!(inv.total, inv.subtotal + inv.tax);
    }
    let by_project = summary(&env, "project");
    let by_day = summary(&env, "day");
    let unbilled = env.svc.unbilled_summary(None, None, None).unwrap();
    let total = amount(&by_project.totals.amounts, currency);
    prop_assert_eq!(amount(&unbilled.totals.amounts, currency), total);
    prop_assert_eq!(amount(&by_day.totals.amounts, currency), total);
    if mode == "none" || scope == "entry" {
        // Any grouping bills what the reports say, to the cent.
        for (g, inv) in &invoices {
            prop_assert_eq!(inv.subtotal, total, "invoice by {}", g);
        }
    } else {
        // A per-track invoice is rounded as one group per rate, like the reports' totals.
        prop_assert_eq!(invoices[0].1.subtotal, total, "invoice by track");
    }
    // Grouped the same way, invoice and summary agree row by row, in every scope.
    row_by_row(&invoices[1].1, &by_project, currency, |l| {
        l.project_name.clone()
    })?;
    row_by_row(&invoices[2].1, &by_day, currency, |l| {
        l.date.map(|d| d.to_string())
    })?;
    Ok(())
}

fn arb_tracks() -> impl Strategy<Value = Vec<Spec>> {
    proptest::collection::vec(
        (
            2u32..7,                     // day of November
            (8 * 60u32)..(18 * 60),      // start, minute of the day (no track crosses midnight)
            1i64..(4 * 3600),            // seconds
            prop::option::of(0usize..3), // project (none: the default rate)
        ),
        1..10,
    )
}

proptest! {
    #![proptest_config(crate::it::util::proptest_config(24, 256))]

    /// The invariants of the money rule over random tracks, rates, currencies, rounding modes,
    /// increments, scopes and groupings.
    #[test]
    fn every_figure_follows_one_money_rule(
        currency in prop_oneof![Just("EUR"), Just("JPY"), Just("KWD")],
        rates in proptest::collection::vec((0i64..400_000).prop_map(|r| Decimal::new(r, 3).to_string()), 3),
        tracks in arb_tracks(),
        mode in prop_oneof![Just("none"), Just("up"), Just("down"), Just("nearest")],
        increment in prop_oneof![Just(1u32), Just(5), Just(6), Just(10), Just(12), Just(15), Just(30), Just(60)],
        scope in prop_oneof![Just("entry"), Just("total")],
    ) {
        check_money(currency, &rates, &tracks, mode, increment, scope)?;
    }
}
