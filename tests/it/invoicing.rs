//! Expenses, a tax rate per line with a tax summary per rate, discounts, outstanding and
//! overdue invoices, the day an invoice was paid, and the record a void invoice keeps; through
//! the service API with the clock frozen at 2026-11-21 12:00 UTC in Europe/Berlin.

use rust_decimal::Decimal;
use stint::domain::entities::Invoice;
use stint::service::{
    ExpenseChanges, InvoiceChanges, ListExpenses, ListInvoices, NewClient, NewExpense, NewInvoice,
    NewProject, NewTrack, ServiceError,
};

use super::util::Env;

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

fn refused<T: std::fmt::Debug>(r: Result<T, ServiceError>, fragments: &[&str]) {
    let text = r.expect_err("the call should be refused").to_string();
    for f in fragments {
        assert!(text.contains(f), "want {f:?} in {text:?}");
    }
}

/// Acme (EUR) with project Web at 100/h, and 2 hours of billable work on 2026-11-02.
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
            name: "Web".into(),
            client: Some("Acme".into()),
            hourly_rate: Some("100".into()),
            budget_amount: Some("1000".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_track(NewTrack {
            start: "2026-11-02 09:00".into(),
            end: Some("2026-11-02 11:00".into()),
            project: Some("Web".into()),
            description: Some("Build".into()),
            ..Default::default()
        })
        .unwrap();
}

fn expense(env: &Env, amount: &str, tax: Option<&str>, description: &str) -> i64 {
    env.svc
        .create_expense(NewExpense {
            project: "Web".into(),
            date: "2026-11-03".into(),
            amount: amount.into(),
            description: description.into(),
            tax_rate_percent: tax.map(Into::into),
            receipt_path: Some("~/receipts/2026-11-03.pdf".into()),
            ..Default::default()
        })
        .unwrap()
        .id
        .0
}

fn november(tax: &str) -> NewInvoice {
    NewInvoice {
        client: Some("Acme".into()),
        from: "2026-11-01".into(),
        to: "2026-11-30".into(),
        tax_rate_percent: Some(tax.into()),
        due_days: Some(14),
        ..Default::default()
    }
}

fn totals(inv: &Invoice) -> [String; 4] {
    [inv.subtotal, inv.discount, inv.tax, inv.total].map(|d| d.to_string())
}

#[test]
fn expenses_are_validated_in_their_currency_and_listed() {
    let env = Env::new();
    seed(&env);
    let e = env
        .svc
        .create_expense(NewExpense {
            project: "web".into(),
            date: "2026-11-03".into(),
            amount: "12.5".into(),
            description: " Train ".into(),
            ..Default::default()
        })
        .unwrap();
    // The project's client's currency; the amount padded to cents.
    assert_eq!(
        (
            e.amount.to_string(),
            e.currency.code(),
            e.description.as_str()
        ),
        ("12.50".to_owned(), "EUR", "Train")
    );
    assert!(e.billable);
    let base = || NewExpense {
        project: "Web".into(),
        date: "2026-11-03".into(),
        amount: "1".into(),
        description: "x".into(),
        ..Default::default()
    };
    refused(
        env.svc.create_expense(NewExpense {
            amount: "12.505".into(),
            ..base()
        }),
        &["more decimals than EUR has (2)"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            amount: "1.5".into(),
            currency: Some("JPY".into()),
            ..base()
        }),
        &["JPY", "whole unit"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            amount: "-3".into(),
            ..base()
        }),
        &["negative"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            amount: "2000000000".into(),
            ..base()
        }),
        &["larger than stint accepts"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            description: " ".into(),
            ..base()
        }),
        &["needs a description"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            receipt_path: Some("x".repeat(10_001)),
            ..base()
        }),
        &["receipt path", "10000"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            tax_rate_percent: Some("101".into()),
            ..base()
        }),
        &["out of range"],
    );
    refused(
        env.svc.create_expense(NewExpense {
            date: "2300-01-01".into(),
            ..base()
        }),
        &["1900 to 2199"],
    );
    let kwd = env
        .svc
        .create_expense(NewExpense {
            amount: "3.125".into(),
            currency: Some("kwd".into()),
            ..base()
        })
        .unwrap();
    assert_eq!(kwd.amount.to_string(), "3.125");
    let page = env
        .svc
        .list_expenses(ListExpenses {
            limit: Some(1),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items.len(), 1);
    let next = env
        .svc
        .list_expenses(ListExpenses {
            limit: Some(1),
            cursor: page.next_cursor,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(next.items.len(), 1);
    assert_ne!(next.items[0].id, page.items[0].id);
    let changed = env
        .svc
        .update_expense(
            &e.id.to_string(),
            ExpenseChanges {
                amount: Some("13".into()),
                tax_rate_percent: Some("7".into()),
                receipt_path: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(changed.amount.to_string(), "13.00");
    assert_eq!(changed.tax_rate_percent, Some(dec("7")));
    assert_eq!(changed.receipt_path, None);
    env.svc.delete_expense(&kwd.id.to_string()).unwrap();
    refused(env.svc.get_expense(&kwd.id.to_string()), &["no expense"]);
}

/// German invoice: time at 19 %, a train ticket at 7 %, and a 10 % discount before tax.
#[test]
fn two_tax_rates_a_discount_and_expenses_add_up() {
    let env = Env::new();
    seed(&env);
    let train = expense(&env, "50.00", Some("7"), "Train");
    let hotel = expense(&env, "80.00", None, "Hotel");
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            discount_percent: Some("10".into()),
            ..november("19")
        })
        .unwrap();
    let lines: Vec<(String, String, String, Option<i64>)> = inv
        .lines
        .iter()
        .map(|l| {
            (
                l.description.clone(),
                l.amount.to_string(),
                l.tax_rate_percent.normalize().to_string(),
                l.expense_id,
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("Build".into(), "200.00".into(), "19".into(), None),
            ("Train".into(), "50.00".into(), "7".into(), Some(train)),
            ("Hotel".into(), "80.00".into(), "19".into(), Some(hotel)),
        ]
    );
    // 330.00 - 33.00 = 297.00; 7 %: 50 - 5 = 45 -> 3.15; 19 %: 280 - 28 = 252 -> 47.88.
    assert_eq!(
        totals(&inv),
        ["330.00", "33.00", "51.03", "348.03"].map(String::from)
    );
    let summary: Vec<[String; 4]> = inv
        .tax_summary
        .iter()
        .map(|r| [r.tax_rate_percent.normalize(), r.net, r.discount, r.tax].map(|d| d.to_string()))
        .collect();
    assert_eq!(
        summary,
        [
            ["7", "50.00", "5.00", "3.15"].map(String::from),
            ["19", "280.00", "28.00", "47.88"].map(String::from),
        ]
    );
    // Held like tracks: edit and delete are refused naming the invoice.
    refused(
        env.svc
            .update_expense(&train.to_string(), ExpenseChanges::default()),
        &[&format!("draft invoice id {}", inv.id), "voided"],
    );
    refused(env.svc.delete_expense(&hotel.to_string()), &["billed on"]);
    // The same invoice read back, then a new discount and tax rate on the draft: the hotel
    // (no rate of its own) follows the invoice's rate, the train keeps 7 %.
    let again = env.svc.get_invoice(&inv.id.to_string()).unwrap();
    assert_eq!(again.tax_summary, inv.tax_summary);
    assert_eq!(totals(&again), totals(&inv));
    let changed = env
        .svc
        .update_invoice(
            &inv.id.to_string(),
            InvoiceChanges {
                tax_rate_percent: Some("20".into()),
                discount_amount: Some("30".into()),
                discount_percent: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
    let rates: Vec<String> = changed
        .lines
        .iter()
        .map(|l| l.tax_rate_percent.normalize().to_string())
        .collect();
    assert_eq!(rates, ["20", "7", "20"]);
    // 30 shared 280 : 50 -> 25.45 + 4.55; (254.55 x 20 %) 50.91 + (45.45 x 7 %) 3.18.
    assert_eq!(
        totals(&changed),
        ["330.00", "30.00", "54.09", "354.09"].map(String::from)
    );
    refused(
        env.svc.update_invoice(
            &inv.id.to_string(),
            InvoiceChanges {
                discount_amount: Some("330.01".into()),
                ..Default::default()
            },
        ),
        &["more than the subtotal"],
    );
    // Without expenses on request.
    env.svc.delete_invoice(&inv.id.to_string()).unwrap();
    refused(
        env.svc.create_invoice(NewInvoice {
            discount_percent: Some("5".into()),
            discount_amount: Some("5".into()),
            dry_run: true,
            ..november("19")
        }),
        &["not both"],
    );
    let time_only = env
        .svc
        .create_invoice(NewInvoice {
            include_expenses: Some(false),
            dry_run: true,
            ..november("19")
        })
        .unwrap();
    assert_eq!(time_only.lines.len(), 1);
    // The CSV has each line's rate, then Subtotal, Discount, Tax per rate and Total.
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            discount_percent: Some("10".into()),
            ..november("19")
        })
        .unwrap();
    let (_, csv) = env.svc.export_invoice_csv(&inv.id.to_string()).unwrap();
    let tail: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|row| {
            let cells: Vec<&str> = row.split(',').collect();
            let n = cells.len();
            format!("{} {} {}", cells[n - 10], cells[n - 5], cells[n - 3])
        })
        .collect();
    assert_eq!(
        tail,
        [
            "Build 200.00 19",
            "Train 50.00 7",
            "Hotel 80.00 19",
            "Subtotal 330.00 19",
            "Discount -33.00 19",
            "Tax 3.15 7",
            "Tax 47.88 19",
            "Total 348.03 19",
        ]
    );
}

#[test]
fn outstanding_overdue_paid_on_and_void_keeps_its_record() {
    let env = Env::new();
    seed(&env);
    let inv = env.svc.create_invoice(november("0")).unwrap();
    let track_ids = inv.lines[0].track_ids.clone();
    let number = env
        .svc
        .mark_invoice_sent(&inv.id.to_string(), Some("2026-11-05"))
        .unwrap()
        .number
        .unwrap();
    let list = |status: &str| -> Vec<String> {
        env.svc
            .list_invoices(ListInvoices {
                status: Some(status.into()),
                ..Default::default()
            })
            .unwrap()
            .items
            .into_iter()
            .filter_map(|i| i.number)
            .collect()
    };
    // Issued 2026-11-05 with 14 days: due 2026-11-19, today is 2026-11-21.
    assert_eq!(list("outstanding"), std::slice::from_ref(&number));
    assert_eq!(list("overdue"), std::slice::from_ref(&number));
    refused(
        env.svc.list_invoices(ListInvoices {
            status: Some("late".into()),
            ..Default::default()
        }),
        &["outstanding or overdue"],
    );
    refused(
        env.svc.mark_invoice_paid(&number, Some("2026-11-04")),
        &["before the issue date 2026-11-05"],
    );
    refused(
        env.svc.mark_invoice_paid(&number, Some("2026-11-22")),
        &["in the future"],
    );
    let paid = env
        .svc
        .mark_invoice_paid(&number, Some("2026-11-20"))
        .unwrap();
    assert_eq!(
        paid.paid_on.map(|d| d.to_string()).as_deref(),
        Some("2026-11-20")
    );
    assert!(list("outstanding").is_empty());
    assert!(list("overdue").is_empty());

    // A second invoice, sent today and due in 14 days: outstanding, not overdue; voiding it
    // releases its track and expense but keeps the record of them.
    let e = expense(&env, "10.00", None, "Parking");
    env.svc
        .create_track(NewTrack {
            start: "2026-11-10 09:00".into(),
            end: Some("2026-11-10 10:00".into()),
            project: Some("Web".into()),
            ..Default::default()
        })
        .unwrap();
    let second = env.svc.create_invoice(november("0")).unwrap();
    let n2 = env
        .svc
        .mark_invoice_sent(&second.id.to_string(), None)
        .unwrap()
        .number
        .unwrap();
    assert_eq!(list("outstanding"), std::slice::from_ref(&n2));
    assert!(list("overdue").is_empty());
    let void = env.svc.void_invoice(&n2).unwrap();
    assert_eq!(void.lines.len(), 2);
    assert_eq!(void.lines[0].track_ids.len(), 1);
    assert_eq!(void.lines[1].expense_id, Some(e));
    let released = env.svc.get_expense(&e.to_string()).unwrap();
    assert_eq!(released.invoice_id, None, "the expense is released");
    env.svc
        .update_expense(
            &e.to_string(),
            ExpenseChanges {
                amount: Some("11".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let again = env.svc.get_invoice(&n2).unwrap();
    assert_eq!(
        again.lines, void.lines,
        "get_invoice of a void invoice lists what it billed"
    );
    // The paid invoice still lists its track too.
    assert_eq!(
        env.svc.get_invoice(&number).unwrap().lines[0].track_ids,
        track_ids
    );
}

/// Unbilled work, reports and money budgets count expenses beside time.
#[test]
fn reports_and_budgets_count_expenses() {
    let env = Env::new();
    seed(&env);
    expense(&env, "50.00", None, "Train");
    env.svc
        .create_expense(NewExpense {
            project: "Web".into(),
            date: "2026-11-04".into(),
            amount: "99.00".into(),
            description: "Own laptop".into(),
            billable: Some(false),
            ..Default::default()
        })
        .unwrap();
    let unbilled = env.svc.unbilled_summary(None, None, None).unwrap();
    assert_eq!(unbilled.totals.amounts["EUR"], dec("200.00"), "time");
    assert_eq!(
        unbilled.totals.expenses["EUR"],
        dec("50.00"),
        "billable expenses"
    );
    let budget = env.svc.budget_status(Some("Web")).unwrap();
    assert_eq!(budget[0].money.as_ref().unwrap().used, dec("250.00"));
    let s = env
        .svc
        .time_summary(stint::service::TimeSummary {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: vec!["project".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(s.rows[0].figures.expenses["EUR"], dec("50.00"));
    assert_eq!(s.totals.expenses["EUR"], dec("50.00"));
    // Once invoiced, unbilled work no longer shows it.
    env.svc.create_invoice(november("0")).unwrap();
    let unbilled = env.svc.unbilled_summary(None, None, None).unwrap();
    assert!(unbilled.totals.expenses.is_empty(), "{unbilled:?}");
}

/// A project with expenses is not deleted (that would lose them); archiving it is fine.
#[test]
fn a_project_with_expenses_is_kept() {
    let env = Env::new();
    env.svc
        .create_project(NewProject {
            name: "Web".into(),
            ..Default::default()
        })
        .unwrap();
    expense(&env, "5.00", None, "Stamps");
    refused(
        env.svc.delete_project(stint::service::DeleteProject {
            project: "Web".into(),
            archive: false,
        }),
        &["1 expenses", "archive it"],
    );
}
