//! Invoices and expenses by person (issue 21): `create_invoice` with a `person` filter and
//! lines grouped by person, `list_expenses` by person, and `stint token list` naming each
//! token's person and role.

use super::util::Env;
use stint::domain::billing::GroupBy;
use stint::service::{
    Caller, Frontend, ListExpenses, NewClient, NewExpense, NewInvoice, NewPerson, NewProject,
    NewTrack, PersonChanges, Service,
};

fn token(env: &Env, name: &str, person: Option<&str>) -> Service {
    env.svc
        .create_token_for(name, "admin", false, person)
        .unwrap();
    env.svc.for_caller(Caller {
        frontend: Frontend::McpHttp,
        token_name: Some(name.to_owned()),
        redact_contacts: true,
        may_write_files: false,
        drafts: false,
    })
}

fn log(svc: &Service, start: &str, end: &str) -> i64 {
    svc.create_track(NewTrack {
        description: Some("work".into()),
        project: Some("Website".into()),
        start: start.to_owned(),
        end: Some(end.to_owned()),
        ..NewTrack::default()
    })
    .unwrap()
    .track
    .id
    .0
}

fn expense(svc: &Service, date: &str, amount: &str, description: &str) -> i64 {
    svc.create_expense(NewExpense {
        project: "Website".into(),
        date: date.into(),
        amount: amount.into(),
        description: description.into(),
        ..NewExpense::default()
    })
    .unwrap()
    .id
    .0
}

/// The owner Olga, members Ana and Ben with a token each, Website (Acme, 100 EUR/h). The week
/// of Monday 2026-11-16: Olga 10:00, Ana 8:00 + 4:00 and an 80.00 hotel, Ben 7:20 and a 12.50
/// train ticket.
struct Team {
    env: Env,
    ana: Service,
    ben: Service,
}

fn team() -> Team {
    let env = Env::new();
    let svc = &env.svc;
    svc.create_client(NewClient {
        name: "Acme".into(),
        ..NewClient::default()
    })
    .unwrap();
    svc.create_project(NewProject {
        name: "Website".into(),
        client: Some("Acme".into()),
        hourly_rate: Some("100".into()),
        currency: Some("EUR".into()),
        ..NewProject::default()
    })
    .unwrap();
    svc.update_person(
        "owner",
        PersonChanges {
            name: Some("Olga".into()),
            ..PersonChanges::default()
        },
    )
    .unwrap();
    for name in ["Ben", "Ana"] {
        svc.create_person(NewPerson {
            name: name.into(),
            ..NewPerson::default()
        })
        .unwrap();
    }
    let ana = token(&env, "ana", Some("Ana"));
    let ben = token(&env, "ben", Some("Ben"));
    log(svc, "2026-11-16 09:00", "2026-11-16 19:00");
    log(&ana, "2026-11-17 09:00", "2026-11-17 17:00");
    log(&ana, "2026-11-18 09:00", "2026-11-18 13:00");
    log(&ben, "2026-11-17 09:00", "2026-11-17 16:20");
    expense(&ana, "2026-11-17", "80.00", "Hotel");
    expense(&ben, "2026-11-18", "12.50", "Train");
    Team { env, ana, ben }
}

fn week(person: Option<&str>, group_by: &str) -> NewInvoice {
    NewInvoice {
        client: Some("Acme".into()),
        from: "2026-11-16".into(),
        to: "2026-11-22".into(),
        group_by: Some(group_by.into()),
        person: person.map(str::to_owned),
        ..NewInvoice::default()
    }
}

/// Each line as (description, hours, amount).
fn lines(inv: &stint::domain::entities::Invoice) -> Vec<(String, String, String)> {
    inv.lines
        .iter()
        .map(|l| {
            (
                l.description.clone(),
                l.quantity_hours.normalize().to_string(),
                l.amount.to_string(),
            )
        })
        .collect()
}

fn line(d: &str, h: &str, a: &str) -> (String, String, String) {
    (d.to_owned(), h.to_owned(), a.to_owned())
}

#[test]
fn an_invoice_grouped_by_person_names_each_person_and_adds_up_to_the_cent() {
    let t = team();
    let inv = t.env.svc.create_invoice(week(None, "person")).unwrap();
    assert_eq!(inv.group_by, GroupBy::Person);
    assert_eq!(
        lines(&inv),
        [
            line("Olga: Website", "10", "1000.00"),
            line("Ana: Website", "12", "1200.00"),
            line("Ben: Website", "7.3333", "733.33"),
            line("Ana: Hotel", "1", "80.00"),
            line("Ben: Train", "1", "12.50"),
        ]
    );
    assert_eq!(
        (inv.subtotal.to_string(), inv.total.to_string()),
        ("3025.83".to_owned(), "3025.83".to_owned())
    );
    // Stored and read back as grouped by person; the CSV names the person on each line.
    let again = t.env.svc.get_invoice(&inv.id.0.to_string()).unwrap();
    assert_eq!(again.group_by, GroupBy::Person);
    assert_eq!(lines(&again), lines(&inv));
    let (_, csv) = t.env.svc.export_invoice_csv(&inv.id.0.to_string()).unwrap();
    for name in [
        "Olga: Website",
        "Ana: Website",
        "Ben: Website",
        "Ana: Hotel",
    ] {
        assert!(csv.contains(name), "{name} in\n{csv}");
    }
}

#[test]
fn an_invoice_of_one_person_bills_only_their_tracks_and_expenses() {
    let t = team();
    let dry = NewInvoice {
        dry_run: true,
        ..week(Some("ana"), "project")
    };
    let inv = t.env.svc.create_invoice(dry).unwrap();
    assert_eq!(
        lines(&inv),
        [
            line("Website", "12", "1200.00"),
            line("Hotel", "1", "80.00")
        ]
    );
    // "me" is the caller's person: the owner's own work from the CLI.
    let inv = t.env.svc.create_invoice(week(Some("me"), "track")).unwrap();
    assert_eq!(lines(&inv), [line("work", "10", "1000.00")]);
    // The owner's tracks are billed now: a second invoice of them finds none, and says whose.
    let e = t
        .env
        .svc
        .create_invoice(week(Some("owner"), "track"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no billable, finished, uninvoiced tracks of Olga for client Acme"),
        "{e}"
    );
    let e = t
        .env
        .svc
        .create_invoice(week(Some("Nobody"), "track"))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("no person is named or numbered \"Nobody\""),
        "{e}"
    );
}

#[test]
fn a_members_token_invoices_nobody_not_even_itself() {
    let t = team();
    for svc in [&t.ana, &t.ben] {
        for person in [None, Some("me"), Some("Ana")] {
            let e = svc
                .create_invoice(week(person, "person"))
                .unwrap_err()
                .to_string();
            assert!(
                e.contains("a member's token may not create invoices"),
                "{person:?}: {e}"
            );
        }
    }
    assert_eq!(t.env.count("SELECT count(*) FROM invoices"), 0);
}

#[test]
fn a_bad_grouping_names_person_among_the_choices() {
    let t = team();
    let e = t
        .env
        .svc
        .create_invoice(week(None, "people"))
        .unwrap_err()
        .to_string();
    assert!(e.contains("tag, task, milestone or person"), "{e}");
}

/// Descriptions of the expenses `svc` lists for `person`.
fn expenses_of(svc: &Service, person: Option<&str>) -> stint::service::Result<Vec<String>> {
    Ok(svc
        .list_expenses(ListExpenses {
            person: person.map(str::to_owned),
            ..ListExpenses::default()
        })?
        .items
        .into_iter()
        .map(|e| e.description)
        .collect())
}

#[test]
fn expenses_are_listed_by_person_within_what_the_caller_reads() {
    let t = team();
    let svc = &t.env.svc;
    expense(svc, "2026-11-19", "5.00", "Coffee");
    assert_eq!(
        expenses_of(svc, None).unwrap(),
        ["Coffee", "Train", "Hotel"]
    );
    assert_eq!(expenses_of(svc, Some("ana")).unwrap(), ["Hotel"]);
    assert_eq!(expenses_of(svc, Some("Ben")).unwrap(), ["Train"]);
    assert_eq!(expenses_of(svc, Some("me")).unwrap(), ["Coffee"]);
    assert_eq!(expenses_of(svc, Some("owner")).unwrap(), ["Coffee"]);
    // A member's token: its own, asked or not; another's is refused, saying what to do.
    assert_eq!(expenses_of(&t.ana, None).unwrap(), ["Hotel"]);
    assert_eq!(expenses_of(&t.ana, Some("me")).unwrap(), ["Hotel"]);
    let e = expenses_of(&t.ana, Some("Ben")).unwrap_err().to_string();
    assert!(
        e.contains("a member's token reads only its own tracks, timers and expenses"),
        "{e}"
    );
    let e = expenses_of(svc, Some("Zoe")).unwrap_err().to_string();
    assert!(
        e.contains("no person is named or numbered \"Zoe\"; the people are: Olga, Ana, Ben"),
        "{e}"
    );
}

#[test]
fn cli_invoices_and_expenses_by_person_and_tokens_with_their_people() {
    let t = team();
    let stint = || super::util::stint(&[]).db(t.env.db_path());
    let out = stint()
        .args(["expense", "list", "--person", "Ben", "--json"])
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let descriptions: Vec<&str> = v["expenses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["description"].as_str().unwrap())
        .collect();
    assert_eq!(descriptions, ["Train"]);
    let out = stint()
        .args([
            "invoice",
            "create",
            "--client",
            "Acme",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-22",
            "--group-by",
            "person",
            "--person",
            "Ana",
            "--json",
        ])
        .ok()
        .stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let lines: Vec<(String, String)> = v["invoice"]["lines"]
        .as_array()
        .unwrap_or_else(|| panic!("{out}"))
        .iter()
        .map(|l| {
            (
                l["description"].as_str().unwrap().to_owned(),
                l["amount"]
                    .as_str()
                    .map_or(l["amount"].to_string(), str::to_owned),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("Ana: Website".to_owned(), "1200.00".to_owned()),
            ("Ana: Hotel".to_owned(), "80.00".to_owned())
        ]
    );
    assert_eq!(v["invoice"]["group_by"], "person", "{out}");
    // The PDF prints the person on each line.
    let pdf = t.env.dir.path().join("ana.pdf");
    stint()
        .args(["invoice", "export", "1", "--pdf"])
        .arg(&pdf)
        .ok();
    let text = super::util::read_pdf(&std::fs::read(&pdf).unwrap()).text();
    assert!(
        text.contains("Ana: Website") && text.contains("Ana: Hotel"),
        "{text}"
    );

    let out = stint().args(["token", "list"]).ok().stdout;
    let header = out.lines().find(|l| l.contains("name")).unwrap_or_default();
    assert!(
        header.contains("person") && header.contains("role"),
        "{out}"
    );
    let ana_row = out
        .lines()
        .find(|l| l.contains("│ ana "))
        .unwrap_or_default();
    assert!(
        ana_row.contains("Ana") && ana_row.contains("member"),
        "{out}"
    );
    let out = stint().args(["token", "list", "--json"]).ok().stdout;
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let people: Vec<(String, String, String)> = v["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["person"].as_str().unwrap().to_owned(),
                t["role"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            ("ana".to_owned(), "Ana".to_owned(), "member".to_owned()),
            ("ben".to_owned(), "Ben".to_owned(), "member".to_owned())
        ]
    );
}
