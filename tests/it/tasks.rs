//! Tasks under projects through the service API: names, tracks on tasks, the billable
//! default, the rate hierarchy (track > task > project > client > default), reports and
//! invoices grouped by task, deletes and undo.

use stint::service::{
    ContinueTimer, DeleteTask, ListTasks, ListTracks, NewClient, NewInvoice, NewProject, NewTask,
    NewTrack, ProjectChanges, SettingsChanges, StartTimer, TaskChanges, TimeSummary, TrackChanges,
};

use super::util::Env;

fn project(env: &Env, name: &str, client: Option<&str>, rate: Option<&str>) -> i64 {
    env.svc
        .create_project(NewProject {
            name: name.into(),
            client: client.map(Into::into),
            hourly_rate: rate.map(Into::into),
            ..Default::default()
        })
        .unwrap()
        .id
        .0
}

fn task(env: &Env, project: &str, name: &str) -> i64 {
    env.svc
        .create_task(NewTask {
            project: project.into(),
            name: name.into(),
            ..Default::default()
        })
        .unwrap()
        .id
        .0
}

/// Logs `start`..`end` (local Berlin times on 2026-11-20) on a project and task.
fn log(env: &Env, project: Option<&str>, task: Option<&str>, start: &str, end: &str) -> i64 {
    env.svc
        .create_track(NewTrack {
            project: project.map(Into::into),
            task: task.map(Into::into),
            start: format!("2026-11-20 {start}"),
            end: Some(format!("2026-11-20 {end}")),
            ..Default::default()
        })
        .unwrap()
        .track
        .id
        .0
}

fn err<T: std::fmt::Debug>(r: Result<T, stint::service::ServiceError>) -> String {
    r.unwrap_err().to_string()
}

#[test]
fn tasks_are_named_per_project() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    let k = env
        .svc
        .create_task(NewTask {
            project: "website".into(),
            name: "  Übersetzung ".into(),
            estimate_hours: Some("1.5".into()),
            billable: Some(false),
            hourly_rate: Some("95.50".into()),
            ..NewTask::default()
        })
        .unwrap();
    assert_eq!(k.name, "Übersetzung");
    assert_eq!(k.project_name, "Website");
    assert_eq!(k.estimate_seconds, Some(5400));
    assert_eq!(k.billable_by_default, Some(false));
    assert_eq!(k.hourly_rate.unwrap().to_string(), "95.5");
    assert_eq!(k.status.as_str(), "open");
    // The same name folded is taken in the project, free in another one.
    let e = err(env.svc.create_task(NewTask {
        project: "Website".into(),
        name: "ÜBERSETZUNG".into(),
        ..Default::default()
    }));
    assert!(e.contains("already has a task named"), "{e}");
    task(&env, "App", "übersetzung");
    // Digits name ids; estimates and names are bounded; the project must exist.
    for (name, estimate, want) in [
        ("1234", None, "cannot be only digits"),
        ("", None, "non-empty name"),
        (&"x".repeat(201)[..], None, "200"),
        ("Ok", Some("0"), "not positive"),
        ("Ok", Some("2000000"), "1000000 hours"),
        ("Ok", Some("soon"), "duration"),
    ] {
        let e = err(env.svc.create_task(NewTask {
            project: "Website".into(),
            name: name.into(),
            estimate_hours: estimate.map(Into::into),
            ..Default::default()
        }));
        assert!(e.contains(want), "{name:?} {estimate:?}: {e}");
    }
    let e = err(env.svc.create_task(NewTask {
        project: "Websit".into(),
        name: "Hero".into(),
        ..Default::default()
    }));
    assert!(e.contains("no project") && e.contains("\"Website\""), "{e}");
    // An estimate may be a duration.
    let k = env
        .svc
        .create_task(NewTask {
            project: "Website".into(),
            name: "Hero".into(),
            estimate_hours: Some("1h30m".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(k.estimate_seconds, Some(5400));
}

#[test]
fn a_track_names_its_task_by_name_or_id() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    let hero = task(&env, "Website", "Hero");
    let design_w = task(&env, "Website", "Design");
    let design_a = task(&env, "App", "Design");

    // Name within the project.
    let r = env
        .svc
        .start_timer(StartTimer {
            project: Some("Website".into()),
            task: Some("hero".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(r.track.task_id.map(|k| k.0), Some(hero));
    assert_eq!(r.track.task_name.as_deref(), Some("Hero"));
    // A task alone puts the track on its project.
    let t = log(&env, None, Some(&design_a.to_string()), "09:00", "10:00");
    let t = env.svc.get_track(t).unwrap();
    assert_eq!(t.project_name.as_deref(), Some("App"));
    assert_eq!(t.task_id.map(|k| k.0), Some(design_a));
    let t = log(&env, None, Some("Hero"), "10:00", "11:00");
    assert_eq!(
        env.svc.get_track(t).unwrap().project_name.as_deref(),
        Some("Website")
    );
    // A name two projects share needs the project.
    let e = err(env.svc.create_track(NewTrack {
        task: Some("design".into()),
        start: "2026-11-20 11:00".into(),
        end: Some("2026-11-20 12:00".into()),
        ..Default::default()
    }));
    assert!(
        e.contains("2 tasks are named") && e.contains("App") && e.contains("Website"),
        "{e}"
    );
    let t = log(&env, Some("App"), Some("Design"), "11:00", "12:00");
    assert_eq!(
        env.svc.get_track(t).unwrap().task_id.map(|k| k.0),
        Some(design_a)
    );
    // A task of another project is refused, and the error says whose it is.
    let e = err(env.svc.create_track(NewTrack {
        project: Some("App".into()),
        task: Some(design_w.to_string()),
        start: "2026-11-20 12:00".into(),
        end: Some("2026-11-20 13:00".into()),
        ..Default::default()
    }));
    assert!(
        e.contains("belongs to project \"Website\", not to \"App\""),
        "{e}"
    );
    // An unknown name lists close matches of that project only.
    let e = err(env.svc.start_timer(StartTimer {
        project: Some("Website".into()),
        task: Some("Heroo".into()),
        ..Default::default()
    }));
    assert!(
        e.contains("no task of project \"Website\"") && e.contains("\"Hero\""),
        "{e}"
    );
    assert!(e.contains("create_task"), "{e}");
    // Archived tasks take no new tracks.
    env.svc
        .update_task(
            "Hero",
            Some("Website"),
            TaskChanges {
                archived: Some(true),
                ..Default::default()
            },
        )
        .unwrap();
    let e = err(env.svc.start_timer(StartTimer {
        task: Some("Hero".into()),
        ..Default::default()
    }));
    assert!(e.contains("archived") && e.contains("update_task"), "{e}");
}

#[test]
fn task_billable_default_applies_to_new_tracks() {
    let env = Env::new();
    project(&env, "Website", None, None); // billable by default
    env.svc
        .create_task(NewTask {
            project: "Website".into(),
            name: "Internal".into(),
            billable: Some(false),
            ..Default::default()
        })
        .unwrap();
    task(&env, "Website", "Hero");
    let internal = log(&env, Some("Website"), Some("Internal"), "09:00", "10:00");
    let hero = log(&env, Some("Website"), Some("Hero"), "10:00", "11:00");
    let own = env
        .svc
        .create_track(NewTrack {
            task: Some("Internal".into()),
            billable: Some(true),
            start: "2026-11-20 11:00".into(),
            end: Some("2026-11-20 12:00".into()),
            ..Default::default()
        })
        .unwrap()
        .track;
    assert!(!env.svc.get_track(internal).unwrap().billable);
    assert!(env.svc.get_track(hero).unwrap().billable);
    assert!(own.billable, "the track's own flag wins");
    // The project's default when the task has none.
    env.svc
        .update_project(
            "Website",
            ProjectChanges {
                billable_by_default: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
    let t = log(&env, Some("Website"), Some("Hero"), "12:00", "13:00");
    assert!(!env.svc.get_track(t).unwrap().billable);
}

/// Each level of the rate hierarchy wins over the next: the rate of an invoice line and the
/// amount of a summary row come from the track, else the task, else the project, else the
/// client, else the default.
#[test]
fn rate_hierarchy_track_task_project_client_default() {
    let env = Env::new();
    env.svc
        .update_settings(SettingsChanges {
            default_hourly_rate: Some("50".into()),
            default_currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            hourly_rate: Some("80".into()),
            ..Default::default()
        })
        .unwrap();
    project(&env, "Rated", Some("Acme"), Some("100"));
    project(&env, "Unrated", Some("Acme"), None);
    project(&env, "Alone", None, None);
    for p in ["Rated", "Unrated"] {
        env.svc
            .create_task(NewTask {
                project: p.into(),
                name: "Paid".into(),
                hourly_rate: Some("130".into()),
                ..Default::default()
            })
            .unwrap();
        task(&env, p, "Plain");
    }
    // One hour each, billable.
    let cases: [(&str, Option<&str>, Option<&str>, &str); 6] = [
        ("Rated", Some("Paid"), Some("150"), "150"), // track over task
        ("Rated", Some("Paid"), None, "130"),        // task over project
        ("Rated", Some("Plain"), None, "100"),       // project over client
        ("Unrated", Some("Paid"), None, "130"),      // task over client
        ("Unrated", Some("Plain"), None, "80"),      // client over default
        ("Alone", None, None, "50"),                 // default
    ];
    for (i, (p, k, rate, _)) in cases.iter().enumerate() {
        env.svc
            .create_track(NewTrack {
                project: Some((*p).into()),
                task: k.map(Into::into),
                hourly_rate: rate.map(Into::into),
                billable: Some(true),
                start: format!("2026-11-{:02} 09:00", 2 + i),
                end: Some(format!("2026-11-{:02} 10:00", 2 + i)),
                ..Default::default()
            })
            .unwrap();
    }
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            dry_run: true,
            ..Default::default()
        })
        .unwrap();
    let rates: Vec<String> = inv.lines.iter().map(|l| l.unit_rate.to_string()).collect();
    let want: Vec<&str> = cases.iter().map(|c| c.3).collect();
    assert_eq!(rates, want);
    // The summary prices the same way: 150 + 130 + 100 + 130 + 80 + 50.
    let s = env
        .svc
        .time_summary(TimeSummary {
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            group_by: vec!["task".into()],
            ..Default::default()
        })
        .unwrap();
    assert_eq!(s.totals.amounts["EUR"].to_string(), "640.00");
    // A task's rate changes what it prices from then on.
    env.svc
        .update_task(
            "Paid",
            Some("Unrated"),
            TaskChanges {
                hourly_rate: Some(String::new()),
                ..Default::default()
            },
        )
        .unwrap();
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            projects: vec!["Unrated".into()],
            from: "2026-11-01".into(),
            to: "2026-11-30".into(),
            dry_run: true,
            ..Default::default()
        })
        .unwrap();
    let rates: Vec<String> = inv.lines.iter().map(|l| l.unit_rate.to_string()).collect();
    assert_eq!(
        rates,
        ["80", "80"],
        "the task without its rate falls to the client's"
    );
}

#[test]
fn summaries_group_by_task() {
    let env = Env::new();
    project(&env, "Website", None, Some("100"));
    project(&env, "App", None, Some("100"));
    task(&env, "Website", "Hero");
    task(&env, "Website", "Design");
    task(&env, "App", "Design");
    log(&env, Some("Website"), Some("Hero"), "09:00", "10:00");
    log(&env, Some("Website"), Some("Hero"), "10:00", "10:30");
    log(&env, Some("Website"), Some("Design"), "11:00", "11:15");
    log(&env, Some("App"), Some("Design"), "12:00", "12:45");
    log(&env, Some("App"), None, "13:00", "14:00");
    let summary = |group_by: &[&str]| {
        env.svc
            .time_summary(TimeSummary {
                from: "2026-11-20".into(),
                to: "2026-11-20".into(),
                group_by: group_by.iter().map(|g| (*g).to_owned()).collect(),
                ..Default::default()
            })
            .unwrap()
    };
    let rows = |s: &stint::service::Summary| -> Vec<(String, i64)> {
        s.rows
            .iter()
            .map(|r| {
                (
                    r.keys
                        .iter()
                        .map(|k| k.value.clone())
                        .collect::<Vec<_>>()
                        .join(" / "),
                    r.figures.duration_seconds,
                )
            })
            .collect()
    };
    let by_task = summary(&["task"]);
    assert_eq!(
        rows(&by_task),
        [
            ("Design (App)".to_owned(), 2700),
            ("Design (Website)".to_owned(), 900),
            ("Hero (Website)".to_owned(), 5400),
            ("(no task)".to_owned(), 3600),
        ]
    );
    assert_eq!(by_task.totals.duration_seconds, 12_600);
    assert_eq!(by_task.totals.amounts["USD"].to_string(), "350.00");
    let by_project_task = summary(&["project", "task"]);
    assert_eq!(
        rows(&by_project_task),
        [
            ("App / Design".to_owned(), 2700),
            ("App / (no task)".to_owned(), 3600),
            ("Website / Design".to_owned(), 900),
            ("Website / Hero".to_owned(), 5400),
        ]
    );
    // Periods split in Rust name tasks the same way.
    let by_day_task = summary(&["day", "task"]);
    assert_eq!(rows(&by_day_task).len(), 4);
    assert_eq!(
        rows(&by_day_task)[2],
        ("2026-11-20 / Hero (Website)".to_owned(), 5400)
    );
    let e = err(env.svc.time_summary(TimeSummary {
        from: "2026-11-20".into(),
        to: "2026-11-20".into(),
        group_by: vec!["tasks".into()],
        ..Default::default()
    }));
    assert!(e.contains("tag or task"), "{e}");
}

#[test]
fn invoices_group_lines_by_task() {
    let env = Env::new();
    env.svc
        .create_client(NewClient {
            name: "Acme".into(),
            ..Default::default()
        })
        .unwrap();
    project(&env, "Website", Some("Acme"), Some("100"));
    task(&env, "Website", "Hero");
    task(&env, "Website", "Audit");
    log(&env, Some("Website"), Some("Hero"), "09:00", "10:00");
    log(&env, Some("Website"), None, "10:00", "10:30");
    log(&env, Some("Website"), Some("Audit"), "11:00", "11:15");
    log(&env, Some("Website"), Some("Hero"), "12:00", "12:30");
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("Acme".into()),
            from: "2026-11-20".into(),
            to: "2026-11-20".into(),
            group_by: Some("task".into()),
            ..Default::default()
        })
        .unwrap();
    let lines: Vec<(&str, String, String)> = inv
        .lines
        .iter()
        .map(|l| {
            (
                l.description.as_str(),
                l.quantity_hours.to_string(),
                l.amount.to_string(),
            )
        })
        .collect();
    assert_eq!(
        lines,
        [
            ("Website", "0.50".to_owned(), "50.00".to_owned()),
            ("Website: Audit", "0.25".to_owned(), "25.00".to_owned()),
            ("Website: Hero", "1.50".to_owned(), "150.00".to_owned()),
        ]
    );
    assert_eq!(inv.total.to_string(), "225.00");
    // The grouping is kept with the invoice (schema 1 cannot store "task" in group_by).
    let again = env.svc.get_invoice(&inv.id.to_string()).unwrap();
    assert_eq!(again.group_by.as_str(), "task");
    assert_eq!(
        env.count("SELECT count(*) FROM invoices WHERE group_by = 'project' AND grouping = 'task'"),
        1
    );
    // Invoiced tracks hold their task: it cannot be deleted, even with force.
    let e = err(env.svc.delete_task(DeleteTask {
        task: "Hero".into(),
        force: true,
        ..Default::default()
    }));
    assert!(e.contains("on invoices") && e.contains("archive"), "{e}");
}

#[test]
fn update_track_moves_between_tasks_and_projects() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    let hero = task(&env, "Website", "Hero");
    let audit = task(&env, "Website", "Audit");
    let t = log(&env, Some("Website"), Some("Hero"), "09:00", "10:00");
    let change = |c: TrackChanges| env.svc.update_track(t, c).map(|w| w.track);
    // Another task of the same project, by name.
    let tr = change(TrackChanges {
        task: Some("audit".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(tr.task_id.map(|k| k.0), Some(audit));
    // Editing something else keeps the task.
    let tr = change(TrackChanges {
        description: Some("checks".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(tr.task_id.map(|k| k.0), Some(audit));
    // Another project drops the old project's task.
    let tr = change(TrackChanges {
        project: Some("App".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (tr.project_name.as_deref(), tr.task_id),
        (Some("App"), None)
    );
    // A task of another project than the track's is refused.
    let e = err(change(TrackChanges {
        task: Some(hero.to_string()),
        ..Default::default()
    }));
    assert!(
        e.contains("belongs to project \"Website\", not to \"App\""),
        "{e}"
    );
    // Project and task together move it; "" clears the task.
    let tr = change(TrackChanges {
        project: Some("Website".into()),
        task: Some("Hero".into()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(tr.task_id.map(|k| k.0), Some(hero));
    let tr = change(TrackChanges {
        task: Some(String::new()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (tr.project_name.as_deref(), tr.task_id),
        (Some("Website"), None)
    );
    // A track without a project moves to the task's project.
    let tr = change(TrackChanges {
        project: Some(String::new()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(tr.project_id, None);
    let tr = change(TrackChanges {
        task: Some(audit.to_string()),
        ..Default::default()
    })
    .unwrap();
    assert_eq!(
        (tr.project_name.as_deref(), tr.task_id.map(|k| k.0)),
        (Some("Website"), Some(audit))
    );
}

#[test]
fn list_tracks_by_task_and_continue_keeps_it() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    task(&env, "Website", "Hero");
    task(&env, "App", "Hero");
    let a = log(&env, Some("Website"), Some("Hero"), "09:00", "10:00");
    log(&env, Some("App"), Some("Hero"), "10:00", "11:00");
    log(&env, Some("Website"), None, "11:00", "12:00");
    let page = env
        .svc
        .list_tracks(ListTracks {
            project: Some("Website".into()),
            task: Some("hero".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(page.items.iter().map(|t| t.id.0).collect::<Vec<_>>(), [a]);
    let e = err(env.svc.list_tracks(ListTracks {
        task: Some("Hero".into()),
        ..Default::default()
    }));
    assert!(e.contains("give the task's id instead"), "{e}");
    let c = env
        .svc
        .continue_timer(ContinueTimer { track_id: Some(a) })
        .unwrap();
    assert_eq!(c.started.track.task_name.as_deref(), Some("Hero"));
    assert_eq!(c.started.track.project_name.as_deref(), Some("Website"));
}

#[test]
fn list_tasks_pages_and_counts_tracked_time() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    for n in ["b", "A", "c"] {
        task(&env, "Website", n);
    }
    task(&env, "App", "z");
    env.svc
        .create_task(NewTask {
            project: "App".into(),
            name: "Plan".into(),
            estimate_hours: Some("2".into()),
            ..Default::default()
        })
        .unwrap();
    log(&env, Some("App"), Some("Plan"), "09:00", "10:30");
    // A running timer counts up to now (the clock: 2026-11-21 13:00 Berlin).
    env.svc
        .start_timer(StartTimer {
            task: Some("Plan".into()),
            start: Some("2026-11-21 12:30".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .update_task(
            "z",
            None,
            TaskChanges {
                status: Some("done".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let mut names = Vec::new();
    let mut cursor = None;
    loop {
        let page = env
            .svc
            .list_tasks(ListTasks {
                limit: Some(2),
                cursor: cursor.take(),
                ..Default::default()
            })
            .unwrap();
        names.extend(
            page.items
                .iter()
                .map(|k| format!("{}/{}", k.project_name, k.name)),
        );
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(
        names,
        ["App/Plan", "App/z", "Website/A", "Website/b", "Website/c"]
    );
    let plan = env.svc.get_task("plan", Some("App")).unwrap();
    assert_eq!(plan.tracked_seconds, 5400 + 1800);
    let done = env
        .svc
        .list_tasks(ListTasks {
            status: Some("done".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(done.items.len(), 1);
    assert_eq!(done.items[0].name, "z");
    let e = err(env.svc.list_tasks(ListTasks {
        status: Some("closed".into()),
        ..Default::default()
    }));
    assert!(e.contains("open, done, archived or all"), "{e}");
    // Archiving is a status over the tools: archived tasks leave the default list.
    env.svc
        .update_task(
            "A",
            Some("Website"),
            TaskChanges {
                status: Some("archived".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let count = |status: Option<&str>| {
        env.svc
            .list_tasks(ListTasks {
                status: status.map(Into::into),
                ..Default::default()
            })
            .unwrap()
            .items
            .len()
    };
    assert_eq!(
        (
            count(None),
            count(Some("archived")),
            count(Some("all")),
            count(Some("open"))
        ),
        (4, 1, 5, 3)
    );
    let a = env
        .svc
        .update_task(
            "A",
            Some("Website"),
            TaskChanges {
                status: Some("done".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert!(!a.archived && a.status.as_str() == "done");
    let e = err(env.svc.update_task(
        "A",
        Some("Website"),
        TaskChanges {
            status: Some("closed".into()),
            ..Default::default()
        },
    ));
    assert!(e.contains("open, done or archived"), "{e}");
    let e = err(env.svc.list_tasks(ListTasks {
        cursor: Some("nonsense".into()),
        ..Default::default()
    }));
    assert!(e.contains("cursor"), "{e}");
}

#[test]
fn deleting_tasks_keeps_time() {
    let env = Env::new();
    project(&env, "Website", None, None);
    task(&env, "Website", "Empty");
    task(&env, "Website", "Busy");
    task(&env, "Website", "Old");
    let t = log(&env, Some("Website"), Some("Busy"), "09:00", "10:00");
    log(&env, Some("Website"), Some("Old"), "10:00", "11:00");
    let d = env
        .svc
        .delete_task(DeleteTask {
            task: "Empty".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((d.action, d.note), ("deleted", None));
    let before = env.snapshot();
    let e = err(env.svc.delete_task(DeleteTask {
        task: "Busy".into(),
        project: Some("Website".into()),
        ..Default::default()
    }));
    assert!(
        e.contains("has 1 tracks") && e.contains("give `force`"),
        "{e}"
    );
    assert_eq!(env.snapshot(), before, "a refused delete writes nothing");
    let d = env
        .svc
        .delete_task(DeleteTask {
            task: "Busy".into(),
            force: true,
            ..Default::default()
        })
        .unwrap();
    assert!(
        d.note
            .unwrap()
            .to_string()
            .contains("1 tracks stay on project \"Website\"")
    );
    let tr = env.svc.get_track(t).unwrap();
    assert_eq!(
        (tr.project_name.as_deref(), tr.task_id),
        (Some("Website"), None)
    );
    let d = env
        .svc
        .delete_task(DeleteTask {
            task: "Old".into(),
            archive: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(d.action, "archived");
    assert_eq!(
        env.count("SELECT count(*) FROM tracks WHERE task_id IS NOT NULL"),
        1
    );
    assert!(
        env.svc
            .list_tasks(ListTasks::default())
            .unwrap()
            .items
            .is_empty()
    );
    let all = env
        .svc
        .list_tasks(ListTasks {
            include_archived: true,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.items.len(), 1);
    // A project without tracks goes with its tasks.
    project(&env, "Scratch", None, None);
    task(&env, "Scratch", "Idea");
    env.svc
        .delete_project(stint::service::DeleteProject {
            project: "Scratch".into(),
            archive: false,
        })
        .unwrap();
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 1);
}

#[test]
fn create_task_is_undone_through_the_change_log() {
    let env = Env::new();
    project(&env, "Website", None, None);
    let id = task(&env, "Website", "Hero");
    let changes = env
        .svc
        .list_changes(stint::service::ListChanges::default())
        .unwrap();
    let latest = &changes.items[0];
    assert_eq!(latest.operation, "create_task");
    assert!(latest.summary.contains("added task"), "{}", latest.summary);
    assert!(latest.summary.contains("Hero"), "{}", latest.summary);
    assert_eq!(latest.rows, format!("tasks {id}"));
    let undone = env.svc.undo_change(None).unwrap();
    assert_eq!(undone.reverted.id, latest.id);
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 0);
    // Undoing the undo brings it back.
    env.svc.undo_change(Some(undone.undo.id)).unwrap();
    assert_eq!(env.svc.get_task("Hero", None).unwrap().id.0, id);
}

#[test]
fn retried_create_task_writes_once() {
    let env = Env::new();
    project(&env, "Website", None, None);
    let req = || NewTask {
        project: "Website".into(),
        name: "Hero".into(),
        ..Default::default()
    };
    let (a, replayed_a) = env.svc.once(Some("r-1"), |s| s.create_task(req())).unwrap();
    let (b, replayed_b) = env.svc.once(Some("r-1"), |s| s.create_task(req())).unwrap();
    assert_eq!((a.id, replayed_a, replayed_b), (b.id, false, true));
    assert_eq!(env.count("SELECT count(*) FROM tasks"), 1);
}

#[test]
fn task_names_complete_by_prefix() {
    let env = Env::new();
    project(&env, "Website", None, None);
    project(&env, "App", None, None);
    task(&env, "Website", "Hero");
    task(&env, "App", "hero");
    task(&env, "App", "Übersetzung");
    task(&env, "App", "Gone");
    env.svc
        .update_task(
            "Gone",
            None,
            TaskChanges {
                status: Some("archived".into()),
                ..Default::default()
            },
        )
        .unwrap();
    let kind = stint::service::NameKind::Task;
    let c = env.svc.complete_names(kind, "he").unwrap();
    assert_eq!(c.values, ["Hero", "hero"]);
    assert_eq!(
        env.svc.complete_names(kind, "üb").unwrap().values,
        ["Übersetzung"]
    );
    assert!(
        env.svc
            .complete_names(kind, "go")
            .unwrap()
            .values
            .is_empty()
    );
}
