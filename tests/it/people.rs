//! People of a team (issue 21): tokens that speak for a person, the scope rules of each role,
//! reports by person, utilization, cost and margin.

use rust_decimal::Decimal;
use serde_json::json;

use super::util::Env;
use stint::service::{
    Caller, Frontend, ListTracks, NewClient, NewInvoice, NewPerson, NewProject, NewTrack,
    PersonChanges, Service, StartTimer, StopTimer, TimeSummary, TrackChanges,
};

fn token(env: &Env, name: &str, person: Option<&str>, sensitive: bool) -> Service {
    env.svc
        .create_token_for(name, "admin", sensitive, person)
        .unwrap();
    env.svc.for_caller(Caller {
        frontend: Frontend::McpHttp,
        token_name: Some(name.to_owned()),
        redact_contacts: !sensitive,
        may_write_files: false,
        drafts: false,
    })
}

fn person(name: &str, capacity: Option<&str>, cost: Option<&str>, role: &str) -> NewPerson {
    NewPerson {
        name: name.to_owned(),
        weekly_capacity_hours: capacity.map(str::to_owned),
        cost_rate: cost.map(str::to_owned),
        role: Some(role.to_owned()),
        ..NewPerson::default()
    }
}

fn log(svc: &Service, project: &str, start: &str, end: &str) -> i64 {
    svc.create_track(NewTrack {
        description: Some(format!("work on {project}")),
        project: Some(project.to_owned()),
        start: start.to_owned(),
        end: Some(end.to_owned()),
        ..NewTrack::default()
    })
    .unwrap()
    .track
    .id
    .0
}

/// The team of the tests: the owner Olga (40 h, 50/h), members Ana (30 h, 35/h) and Ben
/// (20 h, 40/h), manager Mia; Website (Acme, 100/h, billable) and Internal (not billable).
/// The week of Monday 2026-11-16 (Berlin): Olga 10:00 on Website; Ana 12:00 on Website and
/// 3:00 on Internal; Ben 7:20 on Website, at the same time as Ana.
struct Team {
    env: Env,
    ana: Service,
    ben: Service,
    mia: Service,
    olga_track: i64,
    ana_tracks: Vec<i64>,
    ben_track: i64,
}

fn team() -> Team {
    let env = Env::new();
    let svc = &env.svc;
    svc.create_client(NewClient {
        name: "Acme".into(),
        email: Some("ap@acme.test".into()),
        ..NewClient::default()
    })
    .unwrap();
    svc.create_project(NewProject {
        name: "Website".into(),
        client: Some("Acme".into()),
        hourly_rate: Some("100".into()),
        ..NewProject::default()
    })
    .unwrap();
    svc.create_project(NewProject {
        name: "Internal".into(),
        billable_by_default: Some(false),
        ..NewProject::default()
    })
    .unwrap();
    svc.update_person(
        "owner",
        PersonChanges {
            name: Some("Olga".into()),
            weekly_capacity_hours: Some("40".into()),
            cost_rate: Some("50".into()),
            ..PersonChanges::default()
        },
    )
    .unwrap();
    svc.create_person(person("Ana", Some("30"), Some("35"), "member"))
        .unwrap();
    svc.create_person(person("Ben", Some("20"), Some("40"), "member"))
        .unwrap();
    svc.create_person(person("Mia", None, None, "manager"))
        .unwrap();
    let ana = token(&env, "ana", Some("Ana"), false);
    let ben = token(&env, "ben", Some("ben"), false);
    let mia = token(&env, "mia", Some("Mia"), true);
    let olga_track = log(svc, "Website", "2026-11-16 09:00", "2026-11-16 19:00");
    let ana_tracks = vec![
        log(&ana, "Website", "2026-11-17 09:00", "2026-11-17 17:00"),
        log(&ana, "Website", "2026-11-18 09:00", "2026-11-18 13:00"),
        log(&ana, "Internal", "2026-11-19 09:00", "2026-11-19 12:00"),
    ];
    let ben_track = log(&ben, "Website", "2026-11-17 09:00", "2026-11-17 16:20");
    Team {
        env,
        ana,
        ben,
        mia,
        olga_track,
        ana_tracks,
        ben_track,
    }
}

fn ids(svc: &Service, req: ListTracks) -> Vec<i64> {
    let mut ids: Vec<i64> = svc
        .list_tracks(req)
        .unwrap()
        .items
        .iter()
        .map(|t| t.id.0)
        .collect();
    ids.sort();
    ids
}

fn err<T: std::fmt::Debug>(r: stint::service::Result<T>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn writes_through_a_token_are_its_persons_and_overlaps_are_per_person() {
    let t = team();
    let ana_id = t.env.count("SELECT id FROM people WHERE name = 'Ana'");
    assert_eq!(
        t.env.count(&format!(
            "SELECT count(*) FROM tracks WHERE person_id = {ana_id}"
        )),
        3
    );
    assert_eq!(
        t.env
            .count("SELECT count(*) FROM tracks WHERE person_id IS NULL"),
        1
    );
    // The audit log and the change log name the person of each write.
    assert_eq!(
        t.env.count(&format!(
            "SELECT count(*) FROM audit_log WHERE person_id = {ana_id} AND entity = 'track'"
        )),
        3
    );
    assert_eq!(
        t.env.count(&format!(
            "SELECT count(*) FROM change_log WHERE person_id = {ana_id}"
        )),
        3
    );
    // Ben logged the same hours as Ana: not an overlap, they are two people.
    let track = t.ben.get_track(t.ben_track).unwrap();
    assert_eq!(track.person_name.as_deref(), Some("Ben"));
    let written = t
        .ben
        .update_track(
            t.ben_track,
            TrackChanges {
                description: Some("pages".into()),
                ..TrackChanges::default()
            },
        )
        .unwrap();
    assert_eq!((written.overlaps, written.overlap_count), (vec![], 0));
}

#[test]
fn each_person_has_their_own_running_timer() {
    let t = team();
    let start = |svc: &Service, what: &str| {
        svc.start_timer(StartTimer {
            description: Some(what.into()),
            project: Some("Website".into()),
            ..StartTimer::default()
        })
        .unwrap()
    };
    let mine = start(&t.env.svc, "olga's");
    let anas = start(&t.ana, "ana's");
    // Ana's start stopped nothing of Olga's.
    assert!(anas.stopped.is_empty());
    assert_eq!(
        t.ana
            .list_running_timers()
            .unwrap()
            .iter()
            .map(|x| x.id)
            .collect::<Vec<_>>(),
        vec![anas.track.id]
    );
    t.env.clock.advance(600);
    // A stop without an id stops the caller's own timer.
    let stopped = t.ana.stop_timer(StopTimer::default()).unwrap();
    assert_eq!(stopped.track.id, anas.track.id);
    let running = t.env.svc.list_running_timers().unwrap();
    assert_eq!(
        running.iter().map(|x| x.id).collect::<Vec<_>>(),
        vec![mine.track.id]
    );
    // Ben cannot stop Olga's timer by its id: for him it does not exist.
    let e = err(t.ben.stop_timer(StopTimer {
        track_id: Some(mine.track.id.0),
        ..StopTimer::default()
    }));
    assert!(
        e.contains(&format!("no track has id {}", mine.track.id)),
        "{e}"
    );
}

#[test]
fn a_member_reads_and_writes_only_their_own_tracks() {
    let t = team();
    // By filter: the list holds Ana's tracks only, whatever she asks for.
    assert_eq!(ids(&t.ana, ListTracks::default()), t.ana_tracks);
    assert_eq!(
        ids(
            &t.ana,
            ListTracks {
                person: Some("me".into()),
                ..ListTracks::default()
            }
        ),
        t.ana_tracks
    );
    let e = err(t.ana.list_tracks(ListTracks {
        person: Some("Ben".into()),
        ..ListTracks::default()
    }));
    assert!(e.contains("a member's token reads only its own"), "{e}");
    // By id: another's track is not found, for reading, editing and deleting.
    for id in [t.olga_track, t.ben_track] {
        let not_found = format!("no track has id {id}");
        assert!(err(t.ana.get_track(id)).contains(&not_found));
        assert!(
            err(t.ana.update_track(
                id,
                TrackChanges {
                    description: Some("mine now".into()),
                    ..TrackChanges::default()
                }
            ))
            .contains(&not_found)
        );
        assert!(err(t.ana.delete_track(id)).contains(&not_found));
    }
    assert_eq!(t.env.count("SELECT count(*) FROM tracks"), 5);
    // By report: Ana's summary counts her 15 hours only.
    let s = t
        .ana
        .time_summary(TimeSummary {
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            group_by: vec!["person".into()],
            ..TimeSummary::default()
        })
        .unwrap();
    assert_eq!(s.totals.duration_seconds, 15 * 3600);
    assert_eq!(
        s.rows
            .iter()
            .map(|r| (r.keys[0].value.clone(), r.figures.duration_seconds))
            .collect::<Vec<_>>(),
        vec![("Ana".to_owned(), 15 * 3600)]
    );
    // By export: the CSV holds her three tracks.
    let mut csv = stint::service::TracksCsv::new(Vec::new(), Default::default(), t.env.svc.now());
    let n = t
        .ana
        .export_tracks_csv(&ListTracks::default(), &mut csv)
        .unwrap();
    assert_eq!(n, 3);
    // By invoice: a member neither creates nor reads invoices.
    let invoice = NewInvoice {
        client: Some("Acme".into()),
        from: "2026-11-16".into(),
        to: "2026-11-22".into(),
        ..NewInvoice::default()
    };
    let e = err(t.ana.create_invoice(invoice.clone()));
    assert!(
        e.contains("a member's token may not create invoices"),
        "{e}"
    );
    let e = err(t.ana.create_invoice(NewInvoice {
        dry_run: true,
        ..invoice.clone()
    }));
    assert!(e.contains("may not create invoices"), "{e}");
    let inv = t.env.svc.create_invoice(invoice).unwrap();
    assert!(err(t.ana.get_invoice(&inv.id.0.to_string())).contains("may not read invoices"));
    assert!(err(t.ana.list_invoices(Default::default())).contains("may not read invoices"));
    // But projects and clients are the team's to read.
    assert_eq!(
        t.ana.list_projects(Default::default()).unwrap().items.len(),
        2
    );
}

#[test]
fn a_manager_reads_everyones_tracks_and_writes_only_their_own() {
    let t = team();
    let mut all = vec![t.olga_track, t.ben_track];
    all.extend(&t.ana_tracks);
    all.sort();
    assert_eq!(ids(&t.mia, ListTracks::default()), all);
    assert_eq!(
        ids(
            &t.mia,
            ListTracks {
                person: Some("Ben".into()),
                ..ListTracks::default()
            }
        ),
        vec![t.ben_track]
    );
    let e = err(t.mia.delete_track(t.ben_track));
    assert!(e.contains("belongs to another person"), "{e}");
    assert!(t.env.svc.get_track(t.ben_track).is_ok());
    // The owner writes everyone's.
    t.env.svc.delete_track(t.ben_track).unwrap();
}

#[test]
fn the_managers_report_by_person_and_project_adds_up_to_the_whole() {
    let t = team();
    let s = t
        .mia
        .time_summary(TimeSummary {
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            group_by: vec!["person".into(), "project".into()],
            ..TimeSummary::default()
        })
        .unwrap();
    let rows: Vec<(String, String, i64, String)> = s
        .rows
        .iter()
        .map(|r| {
            (
                r.keys[0].value.clone(),
                r.keys[1].value.clone(),
                r.figures.duration_seconds,
                r.figures
                    .amounts
                    .get("USD")
                    .map(|d| d.to_string())
                    .unwrap_or_default(),
            )
        })
        .collect();
    let row = |p: &str, k: &str, s: i64, a: &str| (p.to_owned(), k.to_owned(), s, a.to_owned());
    assert_eq!(
        rows,
        vec![
            row("Olga", "Website", 36_000, "1000.00"),
            row("Ana", "Internal", 10_800, ""),
            row("Ana", "Website", 43_200, "1200.00"),
            row("Ben", "Website", 26_400, "733.33"),
        ]
    );
    assert_eq!(
        s.rows
            .iter()
            .map(|r| r.figures.duration_seconds)
            .sum::<i64>(),
        s.totals.duration_seconds
    );
    assert_eq!(s.totals.duration_seconds, 116_400);
    assert_eq!(s.totals.amounts["USD"].to_string(), "2933.33");
}

fn money(m: &std::collections::BTreeMap<String, Decimal>) -> String {
    m.iter()
        .map(|(c, v)| format!("{v} {c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[test]
fn utilization_cost_and_margin_of_the_week_to_the_cent_and_minute() {
    let t = team();
    let u = t
        .mia
        .utilization(Some("2026-11-16"), Some("2026-11-22"), None)
        .unwrap();
    assert_eq!(u.days, 7);
    let people: Vec<String> = u
        .people
        .iter()
        .chain([&u.team])
        .map(|p| {
            format!(
                "{} {}s billable {}s of {:?}s = {:?} % billed {} cost {}",
                p.name,
                p.duration_seconds,
                p.billable_seconds,
                p.capacity_seconds,
                p.utilization_percent.map(|d| d.to_string()),
                money(&p.billed),
                p.cost.as_ref().map(money).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        people,
        [
            "Olga 36000s billable 36000s of Some(144000)s = Some(\"25.0\") % billed 1000.00 USD cost 500.00 USD",
            "Ana 54000s billable 43200s of Some(108000)s = Some(\"40.0\") % billed 1200.00 USD cost 525.00 USD",
            "Ben 26400s billable 26400s of Some(72000)s = Some(\"36.7\") % billed 733.33 USD cost 293.33 USD",
            "Team 116400s billable 105600s of Some(324000)s = Some(\"32.6\") % billed 2933.33 USD cost 1318.33 USD",
        ]
    );
    let projects: Vec<String> = u
        .projects
        .iter()
        .chain(&u.clients)
        .map(|m| {
            format!(
                "{} {}s billed [{}] cost [{}] margin [{}]",
                m.name,
                m.duration_seconds,
                money(&m.billed),
                m.cost.as_ref().map(money).unwrap_or_default(),
                m.margin.as_ref().map(money).unwrap_or_default()
            )
        })
        .collect();
    assert_eq!(
        projects,
        [
            "Internal 10800s billed [] cost [105.00 USD] margin [-105.00 USD]",
            "Website 105600s billed [2933.33 USD] cost [1213.33 USD] margin [1720.00 USD]",
            "Acme 105600s billed [2933.33 USD] cost [1213.33 USD] margin [1720.00 USD]",
            "(no client) 10800s billed [] cost [105.00 USD] margin [-105.00 USD]",
        ]
    );
    println!("{}", stint::cli::people::utilization_tables(&u));
    // A token without --sensitive sees no cost and no margin, and a member only their own row.
    let mine = t.ana.utilization(Some("this week"), None, None);
    let mine = mine.unwrap();
    assert_eq!(
        mine.people
            .iter()
            .map(|p| p.name.as_str())
            .collect::<Vec<_>>(),
        ["Ana"]
    );
    assert_eq!(mine.people[0].cost, None);
    assert!(
        mine.projects
            .iter()
            .all(|p| p.cost.is_none() && p.margin.is_none())
    );
    let e = err(t.ana.utilization(None, None, Some("Ben")));
    assert!(e.contains("a member's token reads only its own"), "{e}");
}

#[test]
fn people_are_managed_by_owners_and_deleted_only_without_tracks() {
    let t = team();
    let e = err(t.mia.create_person(person("Zoe", None, None, "member")));
    assert!(e.contains("only an owner may add people"), "{e}");
    let e = err(t.env.svc.create_person(person("ana", None, None, "member")));
    assert!(e.contains("a person named \"ana\" already exists"), "{e}");
    let e = err(t
        .env
        .svc
        .create_person(person("Olga", None, None, "member")));
    assert!(e.contains("already exists"), "{e}");
    for bad in ["me", "Owner", "12"] {
        let e = err(t.env.svc.create_person(person(bad, None, None, "member")));
        assert!(e.contains("cannot be a person's name"), "{bad}: {e}");
    }
    let e = err(t
        .env
        .svc
        .create_person(person("Zoe", Some("200"), None, "member")));
    assert!(e.contains("hours a week from 0 to 168"), "{e}");
    let e = err(t.env.svc.delete_person("Ana"));
    assert!(e.contains("Ana has 3 tracks and 0 expenses"), "{e}");
    assert!(e.contains("archive"), "{e}");
    let archived = t
        .env
        .svc
        .update_person(
            "Ana",
            PersonChanges {
                archived: Some(true),
                ..PersonChanges::default()
            },
        )
        .unwrap();
    assert!(archived.archived);
    let names = |all: bool| -> Vec<String> {
        t.env
            .svc
            .list_people(all)
            .unwrap()
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(names(false), ["Olga", "Ben", "Mia"]);
    assert_eq!(names(true), ["Olga", "Ana", "Ben", "Mia"]);
    // Mia has no tracks: she can go, and her token with her.
    t.env.svc.delete_person("Mia").unwrap();
    assert_eq!(
        t.env
            .count("SELECT count(*) FROM api_tokens WHERE name = 'mia' AND revoked_at IS NULL"),
        0
    );
    // Undo brings her back.
    t.env.svc.undo_change(None).unwrap();
    assert_eq!(names(false), ["Olga", "Ben", "Mia"]);
    // A non-sensitive token sees no cost rates and no emails.
    let seen = t.ana.get_person("Ben").unwrap();
    assert_eq!(seen.cost_rate, None);
    let _ = json!({});
}

/// A solo session's catalogue and prompts carry nothing of teams; the first person (added by
/// the always-callable create_person) brings the team's tools and the team_week prompt, and
/// the catalogue with them stays under 48,000 bytes.
#[test]
fn the_team_toolset_appears_with_the_first_person() {
    use super::util::Mcp;
    let env = Env::new();
    let mut mcp = Mcp::new(&env);
    // The people tools: milestones and drafts are listed once there are any (tests/it/team.rs).
    let people = stint::mcp::catalog::TeamListing(stint::mcp::catalog::TeamListing::PEOPLE);
    let team_tools: Vec<&str> = stint::mcp::catalog::TEAM_TOOLS
        .iter()
        .map(|t| t.name)
        .filter(|name| people.lists(name))
        .collect();
    let prompts = |mcp: &mut Mcp| -> Vec<String> {
        mcp.request("prompts/list", json!({}))["result"]["prompts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_owned())
            .collect()
    };
    let solo = mcp.tool_names();
    assert!(team_tools.iter().all(|t| !solo.contains(&t.to_string())));
    assert!(!prompts(&mut mcp).contains(&"team_week".to_owned()));
    let ana = mcp.call_ok(
        "create_person",
        json!({"name": "Ana", "weekly_capacity_hours": 30, "cost_rate": "35.50"}),
    );
    assert_eq!(
        ana,
        json!({"person": {"id": ana["person"]["id"], "name": "Ana", "role": "member",
                          "weekly_capacity_hours": "30", "cost_rate": "35.5"}})
    );
    let team = mcp.tool_names();
    assert_eq!(team.len(), solo.len() + team_tools.len());
    assert!(team_tools.iter().all(|t| team.contains(&t.to_string())));
    assert!(prompts(&mut mcp).contains(&"team_week".to_owned()));
    let bytes = mcp.request("tools/list", json!({})).to_string().len();
    assert!(bytes <= 48_000, "the team's catalogue is {bytes} bytes");
    let people = mcp.call_ok("list_people", json!({}));
    assert_eq!(
        people["people"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["Owner", "Ana"]
    );
    let text = mcp.request(
        "prompts/get",
        json!({"name": "team_week", "arguments": {"week": "2026-11-18"}}),
    );
    assert!(
        text.to_string().contains("2026-11-16 to 2026-11-22"),
        "{text}"
    );
}

/// Tasks have an assignee: a person, the owner or nobody; "me" is the caller's person.
#[test]
fn tasks_are_assigned_and_listed_by_assignee() {
    use stint::service::{ListTasks, NewTask, TaskChanges};
    let t = team();
    let task = |name: &str, who: Option<&str>| {
        t.env
            .svc
            .create_task_for(
                NewTask {
                    project: "Website".into(),
                    name: name.into(),
                    ..NewTask::default()
                },
                who,
            )
            .unwrap()
    };
    let review = task("Review staging deployment", Some("Ana"));
    assert_eq!(review.assignee_name.as_deref(), Some("Ana"));
    task("Invoice Acme", Some("me"));
    task("Backlog", None);
    let names = |svc: &Service, who: &str| -> Vec<(String, Option<String>)> {
        svc.list_tasks_for(ListTasks::default(), Some(who))
            .unwrap()
            .items
            .into_iter()
            .map(|k| (k.name, k.assignee_name))
            .collect()
    };
    let ana = Some("Ana".to_owned());
    assert_eq!(
        names(&t.ana, "me"),
        [("Review staging deployment".to_owned(), ana.clone())]
    );
    assert_eq!(
        names(&t.env.svc, "me"),
        [("Invoice Acme".to_owned(), Some("Olga".to_owned()))]
    );
    assert!(names(&t.ben, "me").is_empty());
    // Reassigned to Ben, then to nobody.
    t.env
        .svc
        .update_task_for(
            &review.id.0.to_string(),
            None,
            TaskChanges::default(),
            Some("ben"),
        )
        .unwrap();
    assert_eq!(names(&t.ben, "me").len(), 1);
    let k = t
        .env
        .svc
        .update_task_for(
            &review.id.0.to_string(),
            None,
            TaskChanges::default(),
            Some(""),
        )
        .unwrap();
    assert_eq!(k.assignee, None);
    let e = err(t.env.svc.list_tasks_for(ListTasks::default(), Some("Zoe")));
    assert!(e.contains("no person is named or numbered \"Zoe\""), "{e}");
}

/// Unbilled work by person: the owner sees one person's, a member only their own.
#[test]
fn unbilled_work_by_person() {
    let t = team();
    let total = |s: stint::service::Summary| s.totals.amounts.get("USD").map(|d| d.to_string());
    let all = t.env.svc.unbilled_summary(None, None, None).unwrap();
    assert_eq!(total(all), Some("2933.33".to_owned()));
    let ben = (t.env.svc)
        .unbilled_summary_for(None, None, None, Some("Ben"))
        .unwrap();
    assert_eq!(total(ben), Some("733.33".to_owned()));
    let anas = t.ana.unbilled_summary(None, None, None).unwrap();
    assert_eq!(total(anas), Some("1200.00".to_owned()));
    let e = err(t.ana.unbilled_summary_for(None, None, None, Some("Olga")));
    assert!(e.contains("a member's token reads only its own"), "{e}");
}

/// The team over `stint serve`: the owner and two members log time at once, each with their
/// own token; each member sees only their own tracks; the manager's report by person and
/// project adds up to the whole, and the week's utilization and margin are right to the cent.
#[test]
fn a_team_over_http_with_a_token_each() {
    let s = super::http::start();
    let call = |token: &str, name: &str, args: serde_json::Value| -> serde_json::Value {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": "tools/call",
                          "params": {"name": name, "arguments": args}});
        let auth = format!("Bearer {token}");
        let (status, _, text) = s.post(&body.to_string(), &[("Authorization", &auth)]);
        assert_eq!(status, 200, "{text}");
        let r = serde_json::from_str::<serde_json::Value>(&text).unwrap()["result"].clone();
        assert_eq!(r["isError"], false, "{name}: {r}");
        r["structuredContent"].clone()
    };
    let svc = &s.svc;
    svc.create_project(NewProject {
        name: "Website".into(),
        hourly_rate: Some("100".into()),
        ..NewProject::default()
    })
    .unwrap();
    svc.update_person(
        "owner",
        PersonChanges {
            name: Some("Olga".into()),
            weekly_capacity_hours: Some("40".into()),
            cost_rate: Some("50".into()),
            ..PersonChanges::default()
        },
    )
    .unwrap();
    svc.create_person(person("Ana", Some("30"), Some("35"), "member"))
        .unwrap();
    svc.create_person(person("Ben", Some("20"), Some("40"), "member"))
        .unwrap();
    svc.create_person(person("Mia", None, None, "manager"))
        .unwrap();
    let secret = |name: &str, scope: &str, who: Option<&str>, sensitive: bool| {
        svc.create_token_for(name, scope, sensitive, who).unwrap().1
    };
    let olga = secret("olga", "admin", None, true);
    let ana = secret("ana", "write", Some("Ana"), false);
    let ben = secret("ben", "write", Some("Ben"), false);
    let mia = secret("mia", "read", Some("Mia"), true);
    // Three people log their week at the same time.
    let days = |token: &str, spans: &[(&str, &str)]| {
        for (start, end) in spans {
            call(
                token,
                "create_track",
                json!({"project": "Website", "start": start, "end": end}),
            );
        }
    };
    std::thread::scope(|scope| {
        scope.spawn(|| days(&olga, &[("2026-11-16 09:00", "2026-11-16 19:00")]));
        scope.spawn(|| {
            days(
                &ana,
                &[
                    ("2026-11-17 09:00", "2026-11-17 17:00"),
                    ("2026-11-18 09:00", "2026-11-18 13:00"),
                ],
            )
        });
        scope.spawn(|| days(&ben, &[("2026-11-17 09:00", "2026-11-17 16:20")]));
    });
    // Each member sees only their own tracks.
    let people_of = |token: &str| -> Vec<String> {
        call(token, "list_tracks", json!({}))["tracks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["person"].as_str().unwrap_or("owner").to_owned())
            .collect()
    };
    assert_eq!(people_of(&ana), ["Ana", "Ana"]);
    assert_eq!(people_of(&ben), ["Ben"]);
    assert_eq!(people_of(&mia).len(), 4);
    // The manager's report by person and project adds up to the whole.
    let summary = call(
        &mia,
        "time_summary",
        json!({"from": "2026-11-16", "to": "2026-11-22", "group_by": ["person", "project"]}),
    );
    let rows: Vec<(String, i64)> = summary["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["group"]["person"].as_str().unwrap().to_owned(),
                r["duration_seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            ("Olga".to_owned(), 36_000),
            ("Ana".to_owned(), 43_200),
            ("Ben".to_owned(), 26_400)
        ]
    );
    assert_eq!(summary["totals"]["duration_seconds"], 105_600);
    // Utilization and margin of the week, to the cent and the minute.
    let u = call(
        &mia,
        "utilization",
        json!({"from": "2026-11-16", "to": "2026-11-22"}),
    );
    assert_eq!(
        u["team"],
        json!({"name": "Team", "hours": "29:20", "billable_seconds": 105_600,
               "billable_hours": "29:20", "capacity_seconds": 324_000,
               "utilization_percent": "32.6", "billed": {"USD": "2933.33"},
               "cost": {"USD": "1213.33"}})
    );
    assert_eq!(
        u["projects"],
        json!([{"id": u["projects"][0]["id"], "name": "Website", "hours": "29:20",
                "billed": {"USD": "2933.33"}, "cost": {"USD": "1213.33"},
                "margin": {"USD": "1720.00"}}])
    );
    // A member's token without --sensitive: only their own row, no costs.
    let mine = call(
        &ana,
        "utilization",
        json!({"from": "2026-11-16", "to": "2026-11-22"}),
    );
    assert_eq!(mine["people"].as_array().unwrap().len(), 1);
    assert_eq!(mine["people"][0]["utilization_percent"], "40.0");
    assert_eq!(mine["people"][0].get("cost"), None);
}

/// A member reads what the team shares but does not change it, and no non-owner token syncs.
#[test]
fn a_member_does_not_change_what_the_team_shares() {
    use stint::service::{ProjectChanges, SettingsChanges};
    let t = team();
    let e = err(t.ana.update_project(
        "Website",
        ProjectChanges {
            hourly_rate: Some("1".into()),
            ..ProjectChanges::default()
        },
    ));
    assert!(e.contains("a member's token may not update project"), "{e}");
    let e = err(t.ana.update_settings(SettingsChanges {
        default_hourly_rate: Some("1".into()),
        ..SettingsChanges::default()
    }));
    assert!(e.contains("may not update settings"), "{e}");
    assert_eq!(
        t.ana
            .get_project("Website")
            .unwrap()
            .hourly_rate
            .map(|r| r.to_string()),
        Some("100".to_owned())
    );
    // Tagging their own work stays open.
    t.ana.create_tag("design").unwrap();
    assert!(!t.ana.speaks_for_an_owner().unwrap());
    assert!(!t.mia.speaks_for_an_owner().unwrap());
    assert!(t.env.svc.speaks_for_an_owner().unwrap());
}
