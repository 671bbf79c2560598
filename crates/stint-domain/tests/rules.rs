//! The billing, money, rounding and time rules of docs/rules.md as tables: each case is one
//! line, `check(input, expected)` in rust-analyzer's manner, so a rule reads as its examples
//! and a new case is one more line. A failure names the case.
//!
//! Inputs are written as people write them ("600s @ 100 EUR", "up 15 entry: 7m 8m"); the
//! small parsers below turn them into calls of the public API, and each answer is rendered
//! to one string compared with the expected one.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use stint_domain::billing::{
    BudgetStatus, Discount, budget_status, format_invoice_number, invoice_totals, resolve_currency,
    resolve_rate, sequence_scope, split_amounts,
};
use stint_domain::money::{Currency, parse_money};
use stint_domain::rounding::{round_seconds, rounded_total};
use stint_domain::settings::{Rounding, RoundingMode, RoundingScope};
use stint_domain::tax::parse_tax_rate_percent;
use stint_domain::time::{
    Bound, Range, WeekStart, format_hmm, local_day_seconds, parse_duration, parse_range_bound,
    read_end, read_instant,
};

/// Runs `f` on each case's input and compares its rendering with the expected text.
fn check(cases: &[(&str, &str)], f: impl Fn(&str) -> String) {
    let mut wrong = Vec::new();
    for (input, want) in cases {
        let got = f(input);
        if got != *want {
            wrong.push(format!("  {input:?}\n    want {want:?}\n    got  {got:?}"));
        }
    }
    assert!(
        wrong.is_empty(),
        "{} case(s) differ:\n{}",
        wrong.len(),
        wrong.join("\n")
    );
}

fn dec(s: &str) -> Decimal {
    s.parse()
        .unwrap_or_else(|_| panic!("bad decimal in a case: {s}"))
}

fn cur(s: &str) -> Currency {
    Currency::parse(s).unwrap()
}

/// "600s @ 100 EUR" or "600s @ 100, 1200s @ 150 EUR": (seconds, rate) items and a currency.
fn priced_items(input: &str) -> (Vec<(i64, Decimal)>, Currency) {
    let (items, currency) = input.rsplit_once(' ').unwrap();
    let items = items
        .split(',')
        .map(|item| {
            let (secs, rate) = item.trim().split_once(" @ ").unwrap();
            (secs.trim_end_matches('s').parse().unwrap(), dec(rate))
        })
        .collect();
    (items, cur(currency))
}

#[test]
fn the_money_rule_prices_seconds_once_half_up() {
    // docs/rules.md, "Rates and currency": rate x seconds / 3600, half-up to the minor unit once.
    check(
        &[
            ("600s @ 100 EUR", "16.67"),
            ("3600s @ 100 EUR", "100.00"),
            ("1200s @ 150 EUR", "50.00"),
            ("1s @ 100 EUR", "0.03"),
            ("18s @ 1 EUR", "0.01"),
            ("17s @ 1 EUR", "0.00"),
            ("0s @ 100 EUR", "0.00"),
            ("5400s @ 95.50 EUR", "143.25"),
            ("900s @ 0 EUR", "0.00"),
            // Yen have no minor unit, dinars three.
            ("600s @ 10000 JPY", "1667"),
            ("1800s @ 1001 JPY", "501"),
            ("600s @ 10 KWD", "1.667"),
            ("1s @ 1 KWD", "0.000"),
            ("2s @ 1 KWD", "0.001"),
            // Rates keep six decimals.
            ("3600s @ 0.123456 EUR", "0.12"),
            ("36000s @ 0.123456 EUR", "1.23"),
        ],
        |input| {
            let (items, currency) = priced_items(input);
            let (secs, rate) = items[0];
            stint_domain::billing::billable_amount(secs, rate, currency).to_string()
        },
    );
}

#[test]
fn rows_priced_together_add_up_to_their_sum() {
    // docs/rules.md, "Invoices": one sum, split by largest remainder (ties: the earlier row).
    check(
        &[
            // Six 10-minute rows at 100/h: 100.00 in all, not 6 x 16.67 = 100.02.
            (
                "600s @ 100, 600s @ 100, 600s @ 100, 600s @ 100, 600s @ 100, 600s @ 100 EUR",
                "16.67 16.67 16.67 16.67 16.66 16.66 = 100.00",
            ),
            (
                "600s @ 100, 600s @ 100, 600s @ 100 EUR",
                "16.67 16.67 16.66 = 50.00",
            ),
            ("1200s @ 150, 600s @ 100 EUR", "50.00 16.67 = 66.67"),
            ("20s @ 1, 20s @ 1, 20s @ 1 EUR", "0.01 0.01 0.00 = 0.02"),
            ("600s @ 10000, 600s @ 10000 JPY", "1667 1666 = 3333"),
            ("3600s @ 80 EUR", "80.00 = 80.00"),
        ],
        |input| {
            let (items, currency) = priced_items(input);
            let amounts = split_amounts(&items, currency);
            let sum: Decimal = amounts.iter().copied().sum();
            let shown: Vec<String> = amounts.iter().map(ToString::to_string).collect();
            format!("{} = {}", shown.join(" "), sum)
        },
    );
}

/// "up 15 entry" and durations "7m 8m 1h" (or seconds "61s").
fn rounding(spec: &str) -> Rounding {
    let mut w = spec.split_whitespace();
    Rounding {
        mode: RoundingMode::parse(w.next().unwrap()).unwrap(),
        increment_minutes: w.next().unwrap().parse().unwrap(),
        scope: match w.next().unwrap_or("entry") {
            "entry" => RoundingScope::Entry,
            _ => RoundingScope::Total,
        },
    }
}

fn seconds_of(word: &str) -> i64 {
    if word == "0s" {
        return 0; // parse_duration refuses a zero-length track
    }
    parse_duration(word).unwrap_or_else(|e| panic!("bad duration in a case: {word}: {e}"))
}

#[test]
fn rounding_of_one_duration() {
    // docs/rules.md, "Rounding": up is the ceiling, down the floor, nearest rounds a tie up;
    // zero and exact multiples never move; none leaves every second.
    check(
        &[
            ("none 15: 7m", "0:07"),
            ("up 15: 1s", "0:15"),
            ("up 15: 15m", "0:15"),
            ("up 15: 16m", "0:30"),
            ("up 15: 0s", "0:00"),
            ("down 15: 29m", "0:15"),
            ("down 15: 14m", "0:00"),
            ("nearest 15: 7m", "0:00"),
            ("nearest 15: 7m30s", "0:15"),
            ("nearest 15: 22m29s", "0:15"),
            ("nearest 15: 22m30s", "0:30"),
            ("up 6: 1m", "0:06"),
            ("up 60: 61m", "2:00"),
            ("nearest 30: 1h44m", "1:30"),
            ("nearest 30: 1h45m", "2:00"),
            ("down 5: 4m59s", "0:00"),
            ("up 1: 1s", "0:01"),
        ],
        |input| {
            let (spec, secs) = input.split_once(": ").unwrap();
            format_hmm(round_seconds(seconds_of(secs), rounding(spec)))
        },
    );
}

#[test]
fn rounding_of_a_group_by_entry_or_in_total() {
    // docs/rules.md, "Rounding": scope entry rounds each track then sums (Harvest); total
    // sums then rounds once.
    check(
        &[
            ("up 15 entry: 7m 8m", "0:30"),
            ("up 15 total: 7m 8m", "0:15"),
            ("nearest 15 entry: 7m 7m 7m", "0:00"),
            ("nearest 15 total: 7m 7m 7m", "0:15"),
            ("down 15 entry: 14m 14m", "0:00"),
            ("down 15 total: 14m 14m", "0:15"),
            ("none 15 entry: 7m 8m", "0:15"),
            ("up 15 total:", "0:00"),
        ],
        |input| {
            let (spec, secs) = input.split_once(':').unwrap();
            let durations: Vec<i64> = secs.split_whitespace().map(seconds_of).collect();
            format_hmm(rounded_total(&durations, rounding(spec)))
        },
    );
}

#[test]
fn the_rate_in_force_and_its_currency() {
    // docs/rules.md, "Rates and currency": track, task, project, client, default; a rate of
    // zero that is set counts as set. Currency: project, client, default.
    let opt = |s: &str| (s != "-").then(|| dec(s));
    check(
        &[
            ("120 90 80 70 | 50", "120 track"),
            ("- 90 80 70 | 50", "90 task"),
            ("- - 80 70 | 50", "80 project"),
            ("- - - 70 | 50", "70 client"),
            ("- - - - | 50", "50 default"),
            ("- 0 80 70 | 50", "0 task"),
            ("0 - - - | 50", "0 track"),
        ],
        |input| {
            let (levels, default) = input.split_once(" | ").unwrap();
            let l: Vec<Option<Decimal>> = levels.split_whitespace().map(opt).collect();
            let (rate, source) = resolve_rate(l[0], l[1], l[2], l[3], dec(default));
            format!("{rate} {}", format!("{source:?}").to_lowercase())
        },
    );
    let opt_cur = |s: &str| (s != "-").then(|| cur(s));
    check(
        &[
            ("USD GBP | EUR", "USD"),
            ("- GBP | EUR", "GBP"),
            ("- - | EUR", "EUR"),
        ],
        |input| {
            let (levels, default) = input.split_once(" | ").unwrap();
            let l: Vec<Option<Currency>> = levels.split_whitespace().map(opt_cur).collect();
            resolve_currency(l[0], l[1], cur(default)).to_string()
        },
    );
}

/// "100.00@19 50.00@7 | 10% | EUR": lines as amount@rate, a discount (`-`, `10%` or `5.00`),
/// a currency. Rendered: subtotal, discount, tax, total, then each rate's row.
fn totals_of(input: &str) -> String {
    let parts: Vec<&str> = input.split('|').map(str::trim).collect();
    let lines: Vec<(Decimal, Decimal)> = parts[0]
        .split_whitespace()
        .map(|l| {
            let (amount, rate) = l.split_once('@').unwrap();
            (dec(amount), dec(rate))
        })
        .collect();
    let discount = match parts[1] {
        "-" => Discount::None,
        p if p.ends_with('%') => Discount::Percent(dec(p.trim_end_matches('%'))),
        a => Discount::Amount(dec(a)),
    };
    match invoice_totals(&lines, discount, cur(parts[2])) {
        Err(e) => format!("error: {e}"),
        Ok(t) => {
            let rows: Vec<String> = t
                .by_rate
                .iter()
                .map(|r| {
                    format!(
                        "[{}%: net {} disc {} taxable {} tax {}]",
                        r.tax_rate_percent, r.net, r.discount, r.taxable, r.tax
                    )
                })
                .collect();
            format!(
                "sub {} disc {} tax {} total {} {}",
                t.subtotal,
                t.discount,
                t.tax,
                t.total,
                rows.join(" ")
            )
        }
    }
}

#[test]
fn invoice_totals_discount_before_tax_per_rate() {
    // docs/rules.md, "Invoices": subtotal = sum of lines; discount before tax, shared over the
    // rates by net (largest remainder); each rate's tax half-up once; total exact.
    check(
        &[
            (
                "100.00@19 | - | EUR",
                "sub 100.00 disc 0.00 tax 19.00 total 119.00 [19%: net 100.00 disc 0.00 taxable 100.00 tax 19.00]",
            ),
            (
                "100.00@19 | 10% | EUR",
                "sub 100.00 disc 10.00 tax 17.10 total 107.10 [19%: net 100.00 disc 10.00 taxable 90.00 tax 17.10]",
            ),
            (
                "100.00@19 50.00@7 | 15.00 | EUR",
                "sub 150.00 disc 15.00 tax 20.25 total 155.25 [7%: net 50.00 disc 5.00 taxable 45.00 tax 3.15] [19%: net 100.00 disc 10.00 taxable 90.00 tax 17.10]",
            ),
            (
                "16.67@19 16.67@19 16.66@19 | - | EUR",
                "sub 50.00 disc 0.00 tax 9.50 total 59.50 [19%: net 50.00 disc 0.00 taxable 50.00 tax 9.50]",
            ),
            // Half-up on the tax: 0.05 x 10 % = 0.005 -> 0.01.
            (
                "0.05@10 | - | EUR",
                "sub 0.05 disc 0.00 tax 0.01 total 0.06 [10%: net 0.05 disc 0.00 taxable 0.05 tax 0.01]",
            ),
            // A 1/3 discount over three equal rates: the odd cent goes to the first rate.
            (
                "10.00@0 10.00@7 10.00@19 | 0.10 | EUR",
                "sub 30.00 disc 0.10 tax 2.59 total 32.49 [0%: net 10.00 disc 0.04 taxable 9.96 tax 0.00] [7%: net 10.00 disc 0.03 taxable 9.97 tax 0.70] [19%: net 10.00 disc 0.03 taxable 9.97 tax 1.89]",
            ),
            (
                "1000@10 | 5% | JPY",
                "sub 1000 disc 50 tax 95 total 1045 [10%: net 1000 disc 50 taxable 950 tax 95]",
            ),
            (
                "100.00@19 | 100% | EUR",
                "sub 100.00 disc 100.00 tax 0.00 total 0.00 [19%: net 100.00 disc 100.00 taxable 0.00 tax 0.00]",
            ),
            ("| - | EUR", "sub 0.00 disc 0.00 tax 0.00 total 0.00 "),
            (
                "100.00@19 | 100.01 | EUR",
                "error: a discount of 100.01 EUR is more than the subtotal 100.00 (or negative); give 0 to 100.00",
            ),
            (
                "100.00@19 | 101% | EUR",
                "error: a discount of 101 % is out of range; give 0 to 100",
            ),
        ],
        totals_of,
    );
}

#[test]
fn budgets_alert_at_the_threshold_and_are_over_past_the_budget() {
    // docs/rules.md, "Budgets": over when used > budget; alert at or past the threshold
    // (exactly at the budget is alert); percent half-up to one decimal.
    check(
        &[
            ("0 of 100 at 80", "ok 0.0"),
            ("79.99 of 100 at 80", "ok 80.0"),
            ("80 of 100 at 80", "alert 80.0"),
            ("100 of 100 at 80", "alert 100.0"),
            ("100.01 of 100 at 80", "over 100.0"),
            ("150 of 100 at 80", "over 150.0"),
            ("1 of 3 at 30", "alert 33.3"),
            ("2 of 3 at 80", "ok 66.7"),
            ("0 of 0 at 80", "ok 0.0"),
            ("1 of 0 at 80", "over 100.0"),
            ("120 of 100 at 150", "over 120.0"),
        ],
        |input| {
            let w: Vec<&str> = input.split_whitespace().collect();
            let (status, percent) = budget_status(dec(w[0]), dec(w[2]), w[4].parse().unwrap());
            let status = match status {
                BudgetStatus::Ok => "ok",
                BudgetStatus::Alert => "alert",
                BudgetStatus::Over => "over",
            };
            format!("{status} {percent}")
        },
    );
}

#[test]
fn invoice_numbers_and_their_sequences() {
    // docs/rules.md, "Invoices": {YYYY} {YY} {MM} {SEQ} {SEQ:n}; the sequence restarts per
    // year or month when the format names them.
    check(
        &[
            ("INV-{YYYY}-{SEQ:4} 2026-03-05 7", "INV-2026-0007 2026"),
            ("INV-{YYYY}-{SEQ:4} 2026-03-05 12345", "INV-2026-12345 2026"),
            ("{YY}{MM}-{SEQ} 2026-11-30 3", "2611-3 2026-11"),
            ("A-{SEQ:2} 2026-01-01 1", "A-01 all"),
            ("{x}{SEQ} 2026-01-01 9", "{x}9 all"),
        ],
        |input| {
            let w: Vec<&str> = input.split(' ').collect();
            let day: NaiveDate = w[1].parse().unwrap();
            format!(
                "{} {}",
                format_invoice_number(w[0], day, w[2].parse().unwrap()),
                sequence_scope(w[0], day)
            )
        },
    );
}

#[test]
fn amounts_and_tax_rates_as_people_type_them() {
    // docs/rules.md, "Rates and currency" and "Tax": amounts carry the currency's decimals; tax
    // rates are percents.
    check(
        &[
            ("12.5 EUR", "12.50"),
            ("12 EUR", "12.00"),
            ("1200 JPY", "1200"),
            ("3.125 KWD", "3.125"),
            ("0 EUR", "0.00"),
            ("12.555 EUR", "error"),
            ("12.5 JPY", "error"),
            ("-1 EUR", "error"),
            ("abc EUR", "error"),
        ],
        |input| {
            let (amount, currency) = input.rsplit_once(' ').unwrap();
            parse_money("amount", amount, cur(currency))
                .map_or_else(|_| "error".to_owned(), |d| d.to_string())
        },
    );
    check(
        &[
            ("19", "19"),
            ("19%", "19"),
            ("7.5 %", "7.5"),
            ("0.5%", "0.5"),
            ("0", "0"),
            ("-1", "error"),
            ("101", "error"),
            ("x", "error"),
        ],
        |input| {
            parse_tax_rate_percent(input)
                .map_or_else(|_| "error".to_owned(), |d| d.normalize().to_string())
        },
    );
}

fn berlin() -> Tz {
    "Europe/Berlin".parse().unwrap()
}

/// Wednesday 2026-12-09 15:30 in Berlin (14:30 UTC).
fn wednesday() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 9, 14, 30, 0).unwrap()
}

fn local(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %a").to_string()
}

#[test]
fn times_as_people_say_them() {
    // docs/rules.md, "Time": phrases are read in the configured zone, relative to now.
    let tz = berlin();
    check(
        &[
            ("now", "2026-12-09 15:30 Wed"),
            ("9:00", "2026-12-09 09:00 Wed"),
            ("9am", "2026-12-09 09:00 Wed"),
            ("yesterday 17:45", "2026-12-08 17:45 Tue"),
            ("2 days ago 09:00", "2026-12-07 09:00 Mon"),
            ("15 min ago", "2026-12-09 15:15 Wed"),
            ("monday 10:00", "2026-12-07 10:00 Mon"),
            ("last wednesday 10:00", "2026-12-02 10:00 Wed"),
            ("2026-11-30 09:00", "2026-11-30 09:00 Mon"),
            ("2026-12-01T08:00:00Z", "2026-12-01 09:00 Tue"),
            ("yesterday", "error"),
            ("soon", "error"),
        ],
        |input| {
            read_instant(input, tz, wednesday())
                .map_or_else(|_| "error".to_owned(), |r| local(r.at, tz))
        },
    );
}

#[test]
fn an_end_given_as_a_time_of_day_is_the_next_such_time_after_the_start() {
    // docs/rules.md, "Time": 9am to 11:30 is 2:30; 22:00 to 01:00 crosses midnight.
    let tz = berlin();
    check(
        &[
            ("2026-12-08 09:00 -> 11:30", "2026-12-08 11:30 Tue (2:30)"),
            ("2026-12-08 22:00 -> 01:00", "2026-12-09 01:00 Wed (3:00)"),
            ("2026-12-08 09:00 -> 09:00", "2026-12-09 09:00 Wed (24:00)"),
            (
                "2026-12-08 09:00 -> 2026-12-08 10:00",
                "2026-12-08 10:00 Tue (1:00)",
            ),
        ],
        |input| {
            let (start, end) = input.split_once(" -> ").unwrap();
            let start = read_instant(start, tz, wednesday()).unwrap().at;
            let end = read_end(end, tz, wednesday(), start).unwrap().at;
            format!(
                "{} ({})",
                local(end, tz),
                format_hmm((end - start).num_seconds())
            )
        },
    );
}

#[test]
fn periods_are_whole_local_days() {
    // docs/rules.md, "Time": a named period alone is its whole span of local days; weeks
    // start on Monday here. Shown as the local start and the exclusive local end.
    let tz = berlin();
    check(
        &[
            ("today", "2026-12-09 00:00 Wed .. 2026-12-10 00:00 Thu"),
            ("yesterday", "2026-12-08 00:00 Tue .. 2026-12-09 00:00 Wed"),
            ("this week", "2026-12-07 00:00 Mon .. 2026-12-14 00:00 Mon"),
            ("last week", "2026-11-30 00:00 Mon .. 2026-12-07 00:00 Mon"),
            ("this month", "2026-12-01 00:00 Tue .. 2027-01-01 00:00 Fri"),
            ("last month", "2026-11-01 00:00 Sun .. 2026-12-01 00:00 Tue"),
            ("2026-02", "2026-02-01 00:00 Sun .. 2026-03-01 00:00 Sun"),
            ("last year", "2025-01-01 00:00 Wed .. 2026-01-01 00:00 Thu"),
        ],
        |input| {
            let bound = parse_range_bound(input, tz, wednesday(), WeekStart::Monday).unwrap();
            let range =
                Range::from_optional(Some(bound), None, wednesday(), wednesday(), tz).unwrap();
            format!("{} .. {}", local(range.start, tz), local(range.end, tz))
        },
    );
}

#[test]
fn local_days_around_daylight_saving() {
    // docs/rules.md, "Time": a local day is 23 or 25 hours on the days the clocks change.
    check(
        &[
            ("Europe/Berlin 2026-03-29", "23:00"),
            ("Europe/Berlin 2026-10-25", "25:00"),
            ("Europe/Berlin 2026-12-09", "24:00"),
            ("America/New_York 2026-03-08", "23:00"),
            ("America/New_York 2026-11-01", "25:00"),
            ("UTC 2026-03-29", "24:00"),
            ("Australia/Lord_Howe 2026-04-05", "24:30"),
        ],
        |input| {
            let (zone, day) = input.split_once(' ').unwrap();
            let tz: Tz = zone.parse().unwrap();
            format_hmm(local_day_seconds(day.parse().unwrap(), tz))
        },
    );
}

#[test]
fn durations_as_people_type_them() {
    // docs/rules.md, "Time": 1h30m, 1:30, 90m, 1.5h are the same 5,400 seconds.
    check(
        &[
            ("1h30m", "5400"),
            ("1:30", "5400"),
            ("90m", "5400"),
            ("1.5h", "5400"),
            ("45m", "2700"),
            ("2h", "7200"),
            ("0:05", "300"),
            ("", "error"),
            ("abc", "error"),
            ("-1h", "error"),
        ],
        |input| parse_duration(input).map_or_else(|_| "error".to_owned(), |s| s.to_string()),
    );
}

#[test]
fn weeks_start_on_the_configured_day() {
    // docs/rules.md, "Time": week_start is monday (ISO) or sunday.
    check(
        &[
            ("monday 2026-12-09", "2026-12-07"),
            ("monday 2026-12-07", "2026-12-07"),
            ("monday 2026-12-13", "2026-12-07"),
            ("sunday 2026-12-09", "2026-12-06"),
            ("sunday 2026-12-13", "2026-12-13"),
            ("sunday 2026-12-12", "2026-12-06"),
        ],
        |input| {
            let (start, day) = input.split_once(' ').unwrap();
            WeekStart::parse(start)
                .unwrap()
                .week_of(day.parse().unwrap())
                .to_string()
        },
    );
    // Bound is the user's end of a range: a date is the whole day.
    let tz = berlin();
    let day = NaiveDate::from_ymd_opt(2026, 3, 29).unwrap();
    let r = Range::from_bounds(Bound::Date(day), Bound::Date(day), tz).unwrap();
    assert_eq!(r.seconds(), 23 * 3600, "the day the clocks go forward");
}
