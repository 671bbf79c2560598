//! Issue 21 part B: tasks with a due date and a priority, milestones that hold tasks, and drafts
//! an assistant proposes that count nowhere until a person approves them.

use rust_decimal::Decimal;
use serde_json::json;

use super::util::{Env, Mcp, stint, utc};
use stint::service::{
    Caller, DraftSelection, Frontend, ListMilestones, ListTasks, ListTracks, MilestoneChanges,
    NewExpense, NewInvoice, NewMilestone, NewProject, NewTask, NewTrack, Service, ServiceError,
    StartTimer, StopTimer, TaskChanges, TimeSummary, TrackChanges,
};

fn err<T: std::fmt::Debug>(r: Result<T, ServiceError>) -> String {
    r.expect_err("should fail").to_string()
}

/// The same database, as an assistant in drafts mode (`stint mcp --drafts`).
fn drafts(env: &Env) -> Service {
    env.svc
        .for_caller(Caller::local(Frontend::McpStdio).with_drafts(true))
}

fn website(env: &Env) {
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            hourly_rate: Some("100".into()),
            currency: Some("EUR".into()),
            budget_hours: Some("10".into()),
            ..Default::default()
        })
        .unwrap();
}

fn track(svc: &Service, start: &str, end: &str, what: &str) -> i64 {
    svc.create_track(NewTrack {
        description: Some(what.into()),
        project: Some("Website".into()),
        start: start.into(),
        end: Some(end.into()),
        ..Default::default()
    })
    .unwrap()
    .track
    .id
    .0
}

/// Every total the brief names, for the week of 2026-11-16 (Berlin): time_summary seconds and
/// amount, top_projects seconds, budget hours used, unbilled seconds and expenses, what a dry-run
/// invoice would bill (or its error), and `stint report` / `stint week` totals from the binary.
#[derive(Debug, PartialEq)]
struct Totals {
    summary_seconds: i64,
    summary_amount: Option<Decimal>,
    summary_expenses: Option<Decimal>,
    top_seconds: i64,
    budget_used_seconds: Decimal,
    unbilled_seconds: i64,
    unbilled_expenses: Option<Decimal>,
    invoice: Result<Decimal, String>,
    report_seconds: i64,
    week_seconds: i64,
}

fn totals(env: &Env) -> Totals {
    let s = env
        .svc
        .time_summary(TimeSummary {
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            group_by: vec!["project".into()],
            ..Default::default()
        })
        .unwrap();
    let (top, _) = env
        .svc
        .top_projects("2026-11-16", "2026-11-22", None)
        .unwrap();
    let budget = env.svc.budget_status(Some("Website")).unwrap();
    let unbilled = env.svc.unbilled_summary(None, None, None).unwrap();
    let invoice = env
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Website".into()],
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            include_expenses: Some(true),
            dry_run: true,
            ..Default::default()
        })
        .map(|i| i.subtotal)
        .map_err(|e| e.to_string().chars().take(40).collect());
    let cli = |args: &[&str]| {
        let out = stint(args).db(env.db_path()).ok().json();
        out["totals"]["duration_seconds"]
            .as_i64()
            .unwrap_or_else(|| panic!("{args:?}: {out}"))
    };
    Totals {
        summary_seconds: s.totals.duration_seconds,
        summary_amount: s.totals.amounts.get("EUR").copied(),
        summary_expenses: s.totals.expenses.get("EUR").copied(),
        top_seconds: top.totals.duration_seconds,
        budget_used_seconds: budget[0].hours.as_ref().unwrap().used,
        unbilled_seconds: unbilled.totals.duration_seconds,
        unbilled_expenses: unbilled.totals.expenses.get("EUR").copied(),
        invoice,
        report_seconds: cli(&[
            "report",
            "--from",
            "2026-11-16",
            "--to",
            "2026-11-22",
            "--json",
        ]),
        week_seconds: cli(&["week", "--date", "2026-11-20", "--json"]),
    }
}

fn dec(s: &str) -> Decimal {
    s.parse().unwrap()
}

#[test]
fn drafts_count_in_no_total_until_approved_and_everywhere_after() {
    let env = Env::new();
    website(&env);
    let none = totals(&env);
    assert_eq!(none.summary_seconds, 0);
    assert!(none.invoice.is_err(), "{none:?}");

    let assistant = drafts(&env);
    let id = track(
        &assistant,
        "2026-11-20 09:00",
        "2026-11-20 11:00",
        "Hero layout",
    );
    let e = assistant
        .create_expense(NewExpense {
            project: "Website".into(),
            date: "2026-11-20".into(),
            amount: "50".into(),
            description: "Fonts".into(),
            ..Default::default()
        })
        .unwrap();
    assert!(e.draft);
    // Shown with the person's data, marked.
    let listed = env.svc.list_tracks(ListTracks::default()).unwrap().items;
    assert_eq!(
        listed.iter().map(|t| (t.id.0, t.draft)).collect::<Vec<_>>(),
        vec![(id, true)]
    );
    assert_eq!(totals(&env), none, "a draft counts nowhere");

    let d = env.svc.list_drafts().unwrap();
    assert_eq!((d.tracks.len(), d.expenses.len(), d.remaining), (1, 1, 0));

    let approved = env.svc.approve_drafts(DraftSelection::default()).unwrap();
    assert_eq!(
        (
            approved
                .tracks
                .iter()
                .map(|t| (t.id.0, t.draft))
                .collect::<Vec<_>>(),
            approved
                .expenses
                .iter()
                .map(|e| (e.id, e.draft))
                .collect::<Vec<_>>(),
            approved.remaining
        ),
        (vec![(id, false)], vec![(e.id, false)], 0)
    );
    assert_eq!(
        totals(&env),
        Totals {
            summary_seconds: 7200,
            summary_amount: Some(dec("200.00")),
            summary_expenses: Some(dec("50.00")),
            top_seconds: 7200,
            budget_used_seconds: dec("7200"),
            unbilled_seconds: 7200,
            unbilled_expenses: Some(dec("50.00")),
            invoice: Ok(dec("250.00")),
            report_seconds: 7200,
            week_seconds: 7200,
        }
    );

    // One undo makes them drafts again: counted nowhere.
    env.svc.undo_change(None).unwrap();
    assert_eq!(totals(&env), none);
    assert_eq!(env.svc.list_drafts().unwrap().tracks.len(), 1);
}

#[test]
fn an_edit_in_drafts_mode_is_held_back_until_approved() {
    let env = Env::new();
    website(&env);
    let id = track(&env.svc, "2026-11-20 09:00", "2026-11-20 10:00", "Review");
    let assistant = drafts(&env);
    let held = assistant
        .update_track(
            id,
            TrackChanges {
                end: Some("2026-11-20 12:00".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .track;
    assert_eq!((held.draft, held.draft_of.map(|t| t.0)), (true, Some(id)));
    // A second edit changes the same draft.
    let again = assistant
        .update_track(
            id,
            TrackChanges {
                description: Some("Review and fixes".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .track;
    assert_eq!(again.id, held.id);
    assert_eq!(again.end, Some(utc("2026-11-20T11:00:00Z")));
    // The original is unchanged and still the only one counted.
    let original = env.svc.get_track(id).unwrap();
    assert_eq!(
        (original.end, original.description.as_str()),
        (Some(utc("2026-11-20T09:00:00Z")), "Review")
    );
    assert_eq!(totals(&env).summary_seconds, 3600);

    // The assistant can neither approve nor delete approved tracks.
    let e = err(assistant.approve_drafts(DraftSelection::default()));
    assert!(e.contains("cannot approve"), "{e}");
    let e = err(assistant.delete_track(id));
    assert!(e.contains("cannot delete approved tracks"), "{e}");

    let done = env
        .svc
        .approve_drafts(DraftSelection {
            tracks: vec![held.id.0],
            expenses: vec![],
        })
        .unwrap();
    assert_eq!(done.tracks[0].id.0, id);
    let now = env.svc.get_track(id).unwrap();
    assert_eq!(
        (now.end, now.description.as_str(), now.draft),
        (Some(utc("2026-11-20T11:00:00Z")), "Review and fixes", false)
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 1);
    assert_eq!(totals(&env).summary_seconds, 10800);
    let e = err(env.svc.approve_drafts(DraftSelection {
        tracks: vec![held.id.0],
        expenses: vec![],
    }));
    assert!(e.contains("are not drafts"), "{e}");
}

#[test]
fn discarding_a_held_edit_leaves_the_original_and_undo_brings_it_back() {
    let env = Env::new();
    website(&env);
    let id = track(&env.svc, "2026-11-20 09:00", "2026-11-20 10:00", "Review");
    let held = drafts(&env)
        .update_track(
            id,
            TrackChanges {
                description: Some("Something else".into()),
                ..Default::default()
            },
        )
        .unwrap()
        .track;
    let gone = env.svc.discard_drafts(DraftSelection::default()).unwrap();
    assert_eq!(
        gone.tracks.iter().map(|t| t.id).collect::<Vec<_>>(),
        vec![held.id]
    );
    assert_eq!(env.svc.get_track(id).unwrap().description, "Review");
    assert_eq!(env.count("SELECT count(*) FROM tracks WHERE draft = 1"), 0);
    env.svc.undo_change(None).unwrap();
    assert_eq!(env.count("SELECT count(*) FROM tracks WHERE draft = 1"), 1);
}

#[test]
fn a_timer_started_in_drafts_mode_stays_a_draft_when_stopped() {
    let env = Env::new();
    website(&env);
    let assistant = drafts(&env);
    let t = assistant
        .start_timer(StartTimer {
            project: Some("Website".into()),
            start: Some("2026-11-20 09:00".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert!(t.draft);
    let stopped = assistant
        .stop_timer(StopTimer {
            end: Some("2026-11-20 10:30".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert_eq!(
        (stopped.id, stopped.draft, stopped.end),
        (t.id, true, Some(utc("2026-11-20T09:30:00Z")))
    );
    assert_eq!(totals(&env).summary_seconds, 0);
    env.svc.approve_drafts(DraftSelection::default()).unwrap();
    assert_eq!(totals(&env).summary_seconds, 5400);
}

#[test]
fn a_drafts_token_writes_drafts() {
    let env = Env::new();
    let (row, secret) = env
        .svc
        .create_token_with("assistant", "write", false, true)
        .unwrap();
    assert!(row.drafts);
    let info = env.svc.authenticate(&secret).unwrap().unwrap();
    let caller = stint::service::HttpCaller::Token(info).caller();
    assert!(caller.drafts);
    let (_, plain) = env.svc.create_token("plain", "write", false).unwrap();
    let info = env.svc.authenticate(&plain).unwrap().unwrap();
    assert!(!stint::service::HttpCaller::Token(info).caller().drafts);
}

fn task(env: &Env, name: &str, priority: Option<&str>, due: Option<&str>, m: Option<&str>) -> i64 {
    env.svc
        .create_task(NewTask {
            project: "Website".into(),
            name: name.into(),
            priority: priority.map(Into::into),
            due_date: due.map(Into::into),
            milestone: m.map(Into::into),
            ..Default::default()
        })
        .unwrap()
        .id
        .0
}

fn names(tasks: &[stint::domain::entities::Task]) -> Vec<String> {
    tasks.iter().map(|k| k.name.clone()).collect()
}

#[test]
fn tasks_have_a_due_date_and_priority_and_filter_by_them() {
    let env = Env::new();
    website(&env);
    env.svc
        .create_milestone(NewMilestone {
            project: "Website".into(),
            name: "Launch".into(),
            due_date: Some("2026-12-15".into()),
        })
        .unwrap();
    task(
        &env,
        "Copy",
        Some("high"),
        Some("2026-11-25"),
        Some("Launch"),
    );
    task(&env, "Hero", Some("4"), Some("friday"), None);
    task(&env, "Footer", None, None, Some("launch"));
    let list = |f: ListTasks| names(&env.svc.list_tasks(f).unwrap().items);
    let k = env.svc.get_task("Hero", None).unwrap();
    assert_eq!(
        (k.priority.as_str(), k.due_date.map(|d| d.to_string())),
        ("urgent", Some("2026-11-20".into()))
    );
    assert_eq!(
        list(ListTasks {
            priority: Some("urgent".into()),
            ..Default::default()
        }),
        ["Hero"]
    );
    assert_eq!(
        list(ListTasks {
            due_before: Some("2026-11-25".into()),
            ..Default::default()
        }),
        ["Hero"]
    );
    assert_eq!(
        list(ListTasks {
            milestone: Some("Launch".into()),
            ..Default::default()
        }),
        ["Copy", "Footer"]
    );
    let e = err(env.svc.list_tasks(ListTasks {
        priority: Some("asap".into()),
        ..Default::default()
    }));
    assert!(e.contains("low, normal, high or urgent"), "{e}");
    // Edits: clear the due date, move off the milestone.
    let k = env
        .svc
        .update_task(
            "Copy",
            None,
            TaskChanges {
                due_date: Some(String::new()),
                milestone: Some(String::new()),
                priority: Some("low".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(
        (k.due_date, k.milestone_id, k.priority.as_str()),
        (None, None, "low")
    );
    // A milestone of another project is refused.
    env.svc
        .create_project(NewProject {
            name: "App".into(),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_milestone(NewMilestone {
            project: "App".into(),
            name: "Beta".into(),
            due_date: None,
        })
        .unwrap();
    let e = err(env.svc.update_task(
        "Copy",
        None,
        TaskChanges {
            milestone: Some("Beta".into()),
            ..Default::default()
        },
    ));
    assert!(e.contains("no milestone is named"), "{e}");
}

#[test]
fn completing_a_milestone_closes_its_open_tasks_as_one_undoable_change() {
    let env = Env::new();
    website(&env);
    env.svc
        .create_milestone(NewMilestone {
            project: "Website".into(),
            name: "Brochure".into(),
            due_date: Some("2026-11-30".into()),
        })
        .unwrap();
    let a = task(&env, "Layout", None, None, Some("Brochure"));
    let b = task(&env, "Print", None, None, Some("Brochure"));
    let c = task(&env, "Proofs", None, None, Some("Brochure"));
    task(&env, "Elsewhere", None, None, None);
    env.svc
        .update_task(
            "Proofs",
            None,
            TaskChanges {
                status: Some("done".into()),
                ..Default::default()
            },
        )
        .unwrap();
    env.svc
        .create_track(NewTrack {
            project: Some("Website".into()),
            task: Some("Layout".into()),
            start: "2026-11-20 09:00".into(),
            end: Some("2026-11-20 10:30".into()),
            ..Default::default()
        })
        .unwrap();
    let m = &env.svc.list_milestones(ListMilestones::default()).unwrap()[0];
    assert_eq!((m.tasks, m.open_tasks, m.tracked_seconds), (3, 2, 5400));

    let done = env.svc.complete_milestone("Brochure", None).unwrap();
    assert_eq!(
        done.closed.iter().map(|k| k.id.0).collect::<Vec<_>>(),
        vec![a, b]
    );
    assert_eq!(
        (done.milestone.status.as_str(), done.milestone.open_tasks),
        ("completed", 0)
    );
    let status = |name: &str| env.svc.get_task(name, None).unwrap().status.as_str();
    assert_eq!(
        [
            status("Layout"),
            status("Print"),
            status("Proofs"),
            status("Elsewhere")
        ],
        ["done", "done", "done", "open"]
    );
    let e = err(env.svc.complete_milestone("Brochure", None));
    assert!(e.contains("completed already"), "{e}");

    // One undo reopens both tasks and the milestone; Proofs stays done.
    env.svc.undo_change(None).unwrap();
    assert_eq!(
        [status("Layout"), status("Print"), status("Proofs")],
        ["open", "open", "done"]
    );
    let m = env.svc.get_milestone(&c.to_string(), None).map(|_| ());
    assert!(m.is_err(), "a task id is not a milestone id here");
    let m = env.svc.get_milestone("Brochure", None).unwrap();
    assert_eq!((m.status.as_str(), m.completed_at), ("open", None));

    // Reopening by update keeps the tasks as they are; completing is its own tool.
    let e = err(env.svc.update_milestone(
        "Brochure",
        None,
        MilestoneChanges {
            status: Some("completed".into()),
            ..Default::default()
        },
    ));
    assert!(e.contains("complete_milestone"), "{e}");
}

#[test]
fn time_summary_groups_and_filters_by_milestone() {
    let env = Env::new();
    website(&env);
    env.svc
        .create_milestone(NewMilestone {
            project: "Website".into(),
            name: "Launch".into(),
            due_date: None,
        })
        .unwrap();
    task(&env, "Copy", None, None, Some("Launch"));
    for (task, start, end) in [
        (Some("Copy"), "2026-11-20 09:00", "2026-11-20 10:00"),
        (None, "2026-11-20 11:00", "2026-11-20 11:30"),
    ] {
        env.svc
            .create_track(NewTrack {
                project: Some("Website".into()),
                task: task.map(Into::into),
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            })
            .unwrap();
    }
    let summary = |group: &[&str], milestone: Option<&str>| {
        let s = env
            .svc
            .time_summary(TimeSummary {
                from: "2026-11-16".into(),
                to: "2026-11-22".into(),
                group_by: group.iter().map(|g| (*g).to_owned()).collect(),
                milestone: milestone.map(Into::into),
                ..Default::default()
            })
            .unwrap();
        (
            s.rows
                .iter()
                .map(|r| {
                    (
                        r.keys.iter().map(|k| k.value.clone()).collect::<Vec<_>>(),
                        r.figures.duration_seconds,
                    )
                })
                .collect::<Vec<_>>(),
            s.totals.duration_seconds,
        )
    };
    let by_milestone = (
        vec![
            (vec!["Launch".to_owned()], 3600),
            (vec!["(no milestone)".to_owned()], 1800),
        ],
        5400,
    );
    assert_eq!(summary(&["milestone"], None), by_milestone);
    let by_day = (
        vec![
            (vec!["2026-11-20".to_owned(), "Launch".to_owned()], 3600),
            (
                vec!["2026-11-20".to_owned(), "(no milestone)".to_owned()],
                1800,
            ),
        ],
        5400,
    );
    assert_eq!(summary(&["day", "milestone"], None), by_day);
    assert_eq!(
        summary(&["project"], Some("Launch")),
        (vec![(vec!["Website".to_owned()], 3600)], 3600)
    );
}

#[test]
fn team_tools_are_served_only_when_asked_for() {
    let env = Env::new();
    let team = [
        "create_milestone",
        "list_milestones",
        "update_milestone",
        "complete_milestone",
        "list_drafts",
        "approve_drafts",
        "discard_drafts",
    ];
    let served = |args: &[&str]| -> Vec<String> {
        let mut m = Mcp::process(stint(args).db(env.db_path()));
        let names = m.tool_names();
        m.close();
        team.iter()
            .filter(|t| names.iter().any(|n| n == *t))
            .map(|t| (*t).to_owned())
            .collect()
    };
    assert!(served(&["mcp"]).is_empty());
    assert_eq!(served(&["mcp", "--toolsets", "all,team"]), team);
    assert_eq!(
        served(&["mcp", "--drafts"]),
        ["list_drafts", "discard_drafts"]
    );
}

#[test]
fn a_drafts_session_over_stdio_logs_drafts_the_owner_approves_with_the_cli() {
    let env = Env::new();
    website(&env);
    let mut m = Mcp::process(stint(&["mcp", "--drafts"]).db(env.db_path()));
    let t = m.call_ok(
        "create_track",
        json!({"project": "Website", "start": "2026-11-20 09:00", "end": "2026-11-20 10:00"}),
    );
    assert_eq!(t["track"]["draft"], json!(true), "{t}");
    let listed = m.call_ok("list_drafts", json!({}));
    assert_eq!(listed["tracks"].as_array().unwrap().len(), 1, "{listed}");
    m.close();
    assert_eq!(totals(&env).summary_seconds, 0);
    let out = stint(&["drafts", "approve"]).db(env.db_path()).ok();
    assert!(out.stdout.contains("Approved 1 tracks"), "{}", out.stdout);
    assert_eq!(totals(&env).summary_seconds, 3600);
    let listed = stint(&["drafts"]).db(env.db_path()).ok();
    assert!(listed.stdout.contains("No drafts."), "{}", listed.stdout);
}

#[test]
fn invoices_group_lines_by_milestone() {
    let env = Env::new();
    website(&env);
    env.svc
        .create_milestone(NewMilestone {
            project: "Website".into(),
            name: "Launch".into(),
            due_date: None,
        })
        .unwrap();
    task(&env, "Copy", None, None, Some("Launch"));
    task(&env, "Hero", None, None, Some("Launch"));
    for (task, start, end) in [
        (Some("Copy"), "2026-11-20 09:00", "2026-11-20 10:00"),
        (Some("Hero"), "2026-11-20 10:00", "2026-11-20 10:30"),
        (None, "2026-11-20 11:00", "2026-11-20 11:30"),
    ] {
        env.svc
            .create_track(NewTrack {
                project: Some("Website".into()),
                task: task.map(Into::into),
                start: start.into(),
                end: Some(end.into()),
                ..Default::default()
            })
            .unwrap();
    }
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Website".into()],
            from: "2026-11-16".into(),
            to: "2026-11-22".into(),
            group_by: Some("milestone".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        inv.lines
            .iter()
            .map(|l| (l.description.as_str(), l.amount))
            .collect::<Vec<_>>(),
        vec![
            ("Website", dec("50.00")),
            ("Website: Launch", dec("150.00"))
        ]
    );
    // Stored and read back as a milestone grouping.
    let again = env.svc.get_invoice(&inv.id.0.to_string()).unwrap();
    assert_eq!(again.group_by.as_str(), "milestone");
    let e = err(env.svc.create_invoice(NewInvoice {
        projects: vec!["Website".into()],
        from: "2026-11-16".into(),
        to: "2026-11-22".into(),
        group_by: Some("stage".into()),
        ..Default::default()
    }));
    assert!(e.contains("task, milestone or person"), "{e}");
}

/// Every catalogue a session can get stays within 48,000 bytes: the solo one, and the one with
/// every team tool listed (`--toolsets all,team`, or a database with people, milestones and
/// drafts).
#[test]
fn every_catalogue_fits_in_48000_bytes() {
    let env = Env::new();
    for args in [&["mcp"][..], &["mcp", "--toolsets", "all,team"][..]] {
        let mut m = Mcp::process(stint(args).db(env.db_path()));
        let answer = m.request("tools/list", serde_json::json!({}));
        m.close();
        let bytes = answer.to_string().len();
        let tools = answer["result"]["tools"].as_array().map_or(0, Vec::len);
        assert!(tools >= 50, "{args:?}: {tools} tools");
        assert!(bytes <= 48_000, "{args:?}: tools/list is {bytes} bytes");
    }
}
