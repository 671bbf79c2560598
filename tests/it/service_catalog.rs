//! Projects, clients, tags and settings through the service API.

use stint::service::{
    ClientChanges, DeleteClient, DeleteProject, DeleteTag, ListProjects, ListTags, NewClient,
    NewProject, NewTrack, ProjectChanges, RoundingChanges, SettingsChanges,
};

use super::util::Env;

fn client(env: &Env, name: &str) {
    env.svc
        .create_client(NewClient {
            name: name.into(),
            email: Some("billing@example.com".into()),
            hourly_rate: Some("100".into()),
            currency: Some("eur".into()),
            ..Default::default()
        })
        .unwrap();
}

#[test]
fn projects_by_name_and_id() {
    let env = Env::new();
    client(&env, "Acme");
    let p = env
        .svc
        .create_project(NewProject {
            name: "  Website ".into(),
            client: Some("ACME".into()),
            color: Some("3B82F6".into()),
            hourly_rate: Some("120.50".into()),
            budget_hours: Some("37.5".into()),
            budget_amount: Some("5000".into()),
            budget_period: Some("monthly".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(p.name, "Website");
    assert_eq!(p.client_name.as_deref(), Some("Acme"));
    assert_eq!(p.color.as_deref(), Some("#3b82f6"));
    assert_eq!(p.budget.seconds, Some(135_000));
    assert!(p.billable_by_default);
    assert_eq!(env.svc.get_project("website").unwrap().id, p.id);
    assert_eq!(env.svc.get_project(&p.id.to_string()).unwrap().id, p.id);

    let err = env
        .svc
        .create_project(NewProject {
            name: "WEBSITE".into(),
            client: Some("Acme".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists for client \"Acme\""), "{err}");

    for (req, expected) in [
        (
            NewProject {
                name: " ".into(),
                ..Default::default()
            },
            "non-empty name",
        ),
        (
            NewProject {
                name: "X".into(),
                currency: Some("EURO".into()),
                ..Default::default()
            },
            "ISO 4217",
        ),
        (
            NewProject {
                name: "X".into(),
                hourly_rate: Some("abc".into()),
                ..Default::default()
            },
            "decimal number",
        ),
        (
            NewProject {
                name: "X".into(),
                color: Some("blue".into()),
                ..Default::default()
            },
            "hex color",
        ),
        (
            NewProject {
                name: "X".into(),
                budget_period: Some("weekly".into()),
                ..Default::default()
            },
            "total or monthly",
        ),
        (
            NewProject {
                name: "X".into(),
                budget_alert_percent: Some(0),
                ..Default::default()
            },
            "out of range",
        ),
        (
            NewProject {
                name: "X".into(),
                budget_hours: Some("0".into()),
                ..Default::default()
            },
            "not positive",
        ),
    ] {
        let before = env.snapshot();
        let err = env.svc.create_project(req).unwrap_err().to_string();
        assert!(err.contains(expected), "want {expected:?} in {err:?}");
        assert_eq!(env.snapshot(), before);
    }

    let u = env
        .svc
        .update_project(
            "Website",
            ProjectChanges {
                client: Some(String::new()),
                hourly_rate: Some(String::new()),
                budget_hours: Some(String::new()),
                billable_by_default: Some(false),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(u.client_id, None);
    assert_eq!(u.hourly_rate, None);
    assert_eq!(u.budget.seconds, None);
    assert!(!u.billable_by_default);
}

#[test]
fn delete_or_archive() {
    let env = Env::new();
    client(&env, "Acme");
    env.svc
        .create_project(NewProject {
            name: "Website".into(),
            client: Some("Acme".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Empty".into(),
            ..Default::default()
        })
        .unwrap();
    env.svc.create_tag("meeting").unwrap();
    env.svc
        .create_track(NewTrack {
            project: Some("Website".into()),
            tags: vec!["meeting".into()],
            start: "2026-11-20 09:00".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap();

    let err = env
        .svc
        .delete_project(DeleteProject {
            project: "Website".into(),
            archive: false,
        })
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("has 1 tracks") && err.contains("archive=true"),
        "{err}"
    );
    let d = env
        .svc
        .delete_project(DeleteProject {
            project: "Website".into(),
            archive: true,
        })
        .unwrap();
    assert_eq!(d.action, "archived");
    let listed = env
        .svc
        .list_projects(ListProjects::default())
        .unwrap()
        .items;
    assert_eq!(
        listed.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["Empty"]
    );
    let all = env
        .svc
        .list_projects(ListProjects {
            include_archived: true,
            ..Default::default()
        })
        .unwrap()
        .items;
    assert_eq!(all.len(), 2);
    let err = env
        .svc
        .create_track(NewTrack {
            project: Some("Website".into()),
            start: "2026-11-20 11:00".into(),
            duration: Some("1h".into()),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("is archived"), "{err}");
    assert_eq!(
        env.svc
            .delete_project(DeleteProject {
                project: "Empty".into(),
                archive: false
            })
            .unwrap()
            .action,
        "deleted"
    );

    let err = env
        .svc
        .delete_client(DeleteClient {
            client: "Acme".into(),
            archive: false,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("1 tracks"), "{err}");

    let err = env
        .svc
        .delete_tag(DeleteTag {
            tag: "meeting".into(),
            force: false,
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("give `force`"), "{err}");
    let d = env
        .svc
        .delete_tag(DeleteTag {
            tag: "meeting".into(),
            force: true,
        })
        .unwrap();
    assert_eq!(
        d.note.map(|m| m.to_string()).as_deref(),
        Some("removed from 1 tracks")
    );
    assert_eq!(env.count("SELECT count(*) FROM tracks"), 1, "tracks stay");
}

#[test]
fn clients_and_tags() {
    let env = Env::new();
    client(&env, "Acme");
    let err = env
        .svc
        .create_client(NewClient {
            name: "acme".into(),
            ..Default::default()
        })
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    let c = env
        .svc
        .update_client(
            "Acme",
            ClientChanges {
                email: Some(String::new()),
                tax_id: Some("DE123".into()),
                ..Default::default()
            },
        )
        .unwrap();
    assert_eq!(c.email, None);
    assert_eq!(c.tax_id.as_deref(), Some("DE123"));
    assert_eq!(c.currency.unwrap().code(), "EUR");

    env.svc.create_tag("Review").unwrap();
    let err = env.svc.create_tag("review").unwrap_err().to_string();
    assert!(err.contains("already exists"), "{err}");
    let err = env.svc.create_tag("2026").unwrap_err().to_string();
    assert!(err.contains("only digits"), "{err}");
    env.svc.update_tag("REVIEW", "code-review").unwrap();
    let tags = env.svc.list_tags(ListTags::default()).unwrap().items;
    assert_eq!(tags[0].tag.name, "code-review");
    assert_eq!(tags[0].track_count, 0);
    let d = env
        .svc
        .delete_client(DeleteClient {
            client: "Acme".into(),
            archive: false,
        })
        .unwrap();
    assert_eq!(d.action, "deleted");
}

#[test]
fn settings_are_checked_before_any_is_saved() {
    let env = Env::new();
    let before = env.svc.get_settings().unwrap();
    assert_eq!(before.effective_timezone.name(), "Europe/Berlin");
    for (req, expected) in [
        (
            SettingsChanges {
                timezone: Some("Mars/Olympus".into()),
                ..Default::default()
            },
            "IANA time zone",
        ),
        (
            SettingsChanges {
                default_currency: Some("XXX1".into()),
                ..Default::default()
            },
            "ISO 4217",
        ),
        (
            SettingsChanges {
                week_start: Some("sunday".into()),
                rounding: Some(RoundingChanges {
                    increment_minutes: Some(7),
                    ..Default::default()
                }),
                ..Default::default()
            },
            "increment of 7 minutes",
        ),
        (
            SettingsChanges {
                invoice_number_format: Some("INV-{YYYY}".into()),
                ..Default::default()
            },
            "{SEQ}",
        ),
        (
            SettingsChanges {
                invoice_due_days: Some(400),
                ..Default::default()
            },
            "more than a year",
        ),
    ] {
        let err = env.svc.update_settings(req).unwrap_err().to_string();
        assert!(err.contains(expected), "want {expected:?} in {err:?}");
    }
    assert_eq!(
        env.svc.get_settings().unwrap().settings,
        before.settings,
        "nothing saved"
    );
    let v = env
        .svc
        .update_settings(SettingsChanges {
            timezone: Some("America/New_York".into()),
            rounding: Some(RoundingChanges {
                mode: Some("up".into()),
                increment_minutes: Some(15),
                scope: Some("total".into()),
            }),
            default_hourly_rate: Some("85".into()),
            business_name: Some("Jane Doe Consulting".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(v.effective_timezone.name(), "America/New_York");
    let again = env.svc.get_settings().unwrap().settings;
    assert_eq!(again.rounding.scope.as_str(), "total");
    assert_eq!(again.default_hourly_rate.to_string(), "85");
    assert_eq!(again.business_name.as_deref(), Some("Jane Doe Consulting"));
}
