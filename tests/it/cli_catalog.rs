//! The complete CLI as a process: catalogue and settings commands, edit and delete, projects
//! and tags created by `start`/`log`, errors in the CLI's words, `--json`, colours, charts,
//! shell completions, and the README's CLI examples run in order on a fresh database.

use std::path::Path;

use super::util::{Cmd, Stint};

/// A fresh database `cli.db` in its own folder (the folder is the working directory).
fn cli() -> Stint {
    Stint::named("cli.db")
}

#[test]
fn start_creates_a_missing_project_and_tag_in_one_undoable_change() {
    let c = cli();
    let r = c.run(&["start", "Homepage hero", "-p", "Website", "-t", "design"]);
    assert!(r.success(), "{}", r.stderr);
    assert!(r.stderr.contains("Created project Website"), "{}", r.stderr);
    assert!(r.stderr.contains("Created tag design"), "{}", r.stderr);
    assert!(
        r.stdout
            .contains("Started #1 \"Homepage hero\" on Website #design"),
        "{}",
        r.stdout
    );
    // One change holds the project, the tag and the timer: one undo takes all back.
    let history = c.ok(&["history", "--json"]);
    assert_eq!(history.matches("\"id\":").count(), 1, "{history}");
    c.ok(&["undo"]);
    assert!(c.ok(&["project", "list"]).contains("No projects yet"));
    assert!(c.ok(&["tag", "list"]).contains("No tags yet"));
    assert!(c.ok(&["status"]).contains("No timer is running"));

    // Log creates too; an existing project is not created again.
    let r = c.run(&[
        "log",
        "Call",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "45m",
        "-p",
        "Website",
    ]);
    assert!(
        r.success() && r.stderr.contains("Created project Website"),
        "{}",
        r.stderr
    );
    let r = c.run(&[
        "log",
        "More",
        "--start",
        "2026-11-02 10:00",
        "--duration",
        "45m",
        "-p",
        "website",
    ]);
    assert!(r.success() && !r.stderr.contains("Created"), "{}", r.stderr);
    // An id that does not exist is never taken as a name to create.
    let err = c.fails(&["start", "-p", "42"]);
    assert!(
        err.contains("no project is named or numbered \"42\""),
        "{err}"
    );
}

#[test]
fn no_create_refuses_with_the_closest_names_and_the_command_to_create() {
    let c = cli();
    c.ok(&["project", "add", "Website"]);
    c.ok(&["project", "add", "Internal"]);
    let err = c.fails(&["start", "-p", "Webste", "--no-create"]);
    assert!(err.contains("the closest are \"Website\""), "{err}");
    assert!(err.contains("`stint project add NAME`"), "{err}");
    assert!(!err.contains("create_project"), "{err}");
    let err = c.fails(&[
        "log",
        "x",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
        "-t",
        "nope",
        "--no-create",
    ]);
    assert!(err.contains("`stint tag add NAME`"), "{err}");
    assert!(c.ok(&["tracks"]).contains("No tracks"));
}

#[test]
fn errors_name_flags_on_the_cli_and_arguments_over_mcp() {
    let c = cli();
    c.ok(&["config", "set", "allow_concurrent_timers", "true"]);
    c.ok(&["start", "a", "--at", "2026-11-20 08:00"]);
    c.ok(&["start", "b", "--at", "2026-11-20 09:00"]);
    let err = c.fails(&["stop"]);
    assert!(err.contains("give --id to say which to stop"), "{err}");
    assert!(!err.contains("track_id"), "{err}");
    // The same error through the MCP tool names the tool's argument.
    let text = c.mcp().call_err("stop_timer", serde_json::json!({}));
    assert!(
        text.contains("give `track_id` to say which to stop"),
        "{text}"
    );
    // Arguments quoted in a message become flags.
    let err = c.fails(&["report", "--from", "2026-11-20", "--to", "2026-11-19"]);
    assert!(err.contains("--to (") && err.contains("--from ("), "{err}");

    // Every argument and action has CLI words: see `tests/it/words.rs`.
}

#[test]
fn catalogue_commands_add_list_show_edit_archive_delete() {
    let c = cli();
    assert!(
        c.ok(&[
            "client",
            "add",
            "Acme",
            "--email",
            "a@acme.example",
            "--currency",
            "EUR"
        ])
        .contains("Created client \"Acme\"")
    );
    let show = c.ok(&["client", "show", "Acme"]);
    assert!(
        show.contains("a@acme.example") && show.contains("EUR"),
        "{show}"
    );
    c.ok(&["client", "edit", "Acme", "--phone", "+49 30 1"]);
    assert!(c.ok(&["client", "show", "1"]).contains("+49 30 1"));
    assert!(c.ok(&["client", "list"]).contains("Acme"));

    c.ok(&[
        "project",
        "add",
        "API",
        "--client",
        "Acme",
        "--rate",
        "95",
        "--budget-hours",
        "40",
    ]);
    let show = c.ok(&["project", "show", "API"]);
    assert!(
        show.contains("95") && show.contains("40:00") && show.contains("Acme"),
        "{show}"
    );
    c.ok(&[
        "project", "edit", "API", "--rate", "110", "--name", "API work",
    ]);
    let list = c.ok(&["project", "list"]);
    assert!(list.contains("API work") && list.contains("110"), "{list}");
    c.ok(&[
        "log",
        "x",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
        "-p",
        "API work",
    ]);
    let err = c.fails(&["project", "delete", "API work"]);
    assert!(err.contains("`stint project archive PROJECT`"), "{err}");
    let out = c.ok(&["project", "archive", "API work"]);
    assert!(out.contains("Archived project \"API work\""), "{out}");
    assert!(
        out.contains("`stint project edit PROJECT --unarchive`"),
        "{out}"
    );
    assert!(!c.ok(&["project", "list"]).contains("API work"));
    assert!(c.ok(&["project", "list", "--all"]).contains("API work"));
    let err = c.fails(&["start", "-p", "API work"]);
    assert!(
        err.contains("`stint project edit PROJECT --unarchive`"),
        "{err}"
    );
    c.ok(&["project", "edit", "API work", "--unarchive"]);
    c.ok(&["project", "add", "Scratch"]);
    assert!(
        c.ok(&["project", "delete", "Scratch"])
            .contains("Deleted project \"Scratch\"")
    );

    c.ok(&["tag", "add", "review"]);
    c.ok(&["tag", "edit", "review", "--name", "code-review"]);
    assert!(
        c.ok(&["tag", "show", "code-review"])
            .contains("Tag \"code-review\"")
    );
    c.ok(&["edit", "1", "-t", "code-review"]);
    let list = c.ok(&["tag", "list"]);
    assert!(
        list.contains("code-review") && list.contains(" 1 "),
        "{list}"
    );
    let err = c.fails(&["tag", "delete", "code-review"]);
    assert!(err.contains("give --force"), "{err}");
    c.ok(&["tag", "delete", "code-review", "--force"]);
    // Tags have no archive, and help says so.
    assert!(
        c.fails(&["tag", "archive", "x"])
            .contains("unrecognized subcommand")
    );
    assert!(c.ok(&["tag", "--help"]).contains("Tags have no archive"));

    c.fails(&["client", "delete", "Acme"]);
    c.ok(&["client", "archive", "Acme"]);
    assert!(!c.ok(&["client", "list"]).contains("Acme"));
}

#[test]
fn config_get_and_set_with_closest_key() {
    let c = cli();
    let all = c.ok(&["config", "get"]);
    assert!(
        all.contains("rounding.mode") && all.contains("week_start"),
        "{all}"
    );
    assert_eq!(c.ok(&["config", "get", "week_start"]).trim(), "monday");
    c.ok(&["config", "set", "timezone", "Europe/Berlin"]);
    assert_eq!(c.ok(&["config", "get", "timezone"]).trim(), "Europe/Berlin");
    c.ok(&["config", "set", "rounding.increment_minutes", "15"]);
    assert_eq!(
        c.ok(&["config", "get", "rounding.increment_minutes"])
            .trim(),
        "15"
    );
    c.ok(&["config", "set", "allow_concurrent_timers", "true"]);
    assert_eq!(
        c.ok(&["config", "get", "allow_concurrent_timers"]).trim(),
        "true"
    );
    c.ok(&["config", "set", "default_hourly_rate", "95.50"]);
    assert_eq!(
        c.ok(&["config", "get", "default_hourly_rate"]).trim(),
        "95.5"
    );
    let err = c.fails(&["config", "set", "roundng.mode", "up"]);
    assert!(err.contains("Did you mean rounding.mode?"), "{err}");
    assert!(err.contains("week_start"), "{err}");
    let err = c.fails(&["config", "get", "tmezone"]);
    assert!(err.contains("Did you mean timezone?"), "{err}");
    let err = c.fails(&["config", "set", "rounding.mode", "sideways"]);
    assert!(err.contains("give none, up, down or nearest"), "{err}");
    let err = c.fails(&["config", "set", "invoice_due_days", "many"]);
    assert!(err.contains("cannot set invoice_due_days"), "{err}");
    let json = c.ok(&["config", "get", "--json"]);
    assert!(json.contains("\"timezone\": \"Europe/Berlin\""), "{json}");
}

#[test]
fn edit_and_delete_a_track_with_undo() {
    let c = cli();
    c.ok(&[
        "log",
        "x",
        "--start",
        "2026-11-02 09:00",
        "--duration",
        "1h",
        "-p",
        "Website",
        "-t",
        "a",
    ]);
    let out = c.ok(&[
        "edit",
        "1",
        "-d",
        "Kick-off",
        "--duration",
        "2h",
        "--no-tags",
        "--no-billable",
    ]);
    assert!(
        out.contains(
            "Updated #1 \"Kick-off\" on Website 2026-11-02 09:00 to 2026-11-02 11:00 (2:00)"
        ),
        "{out}"
    );
    let json = c.ok(&["tracks", "--json"]);
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert!(
        v["tracks"][0]["tags"] == serde_json::json!([]) && v["tracks"][0]["billable"] == false,
        "{json}"
    );
    c.ok(&["edit", "1", "--no-project"]);
    assert!(!c.ok(&["tracks", "--json"]).contains("\"project\""));
    let err = c.fails(&["edit", "9"]);
    assert!(
        err.contains("no track has id 9") && err.contains("`stint tracks`"),
        "{err}"
    );
    let out = c.ok(&["delete", "1"]);
    assert!(
        out.contains("Deleted #1") && out.contains("`stint undo`"),
        "{out}"
    );
    assert!(c.ok(&["tracks"]).contains("No tracks"));
    c.ok(&["undo"]);
    assert!(c.ok(&["tracks"]).contains("Kick-off"));
}

#[test]
fn json_shapes_are_the_tools_results() {
    let c = cli();
    let started = c.ok(&[
        "start",
        "a",
        "-p",
        "Website",
        "--at",
        "2026-11-20 08:00",
        "--json",
    ]);
    for key in [
        "\"track\"",
        "\"stopped\"",
        "\"overlaps\"",
        "\"overlap_count\"",
    ] {
        assert!(started.contains(key), "{started}");
    }
    let running = c.ok(&["status", "--json"]);
    assert!(
        running.contains("\"timers\"") && running.contains("\"count\": 1"),
        "{running}"
    );
    let stopped = c.ok(&["stop", "--at", "2026-11-20 09:00", "--json"]);
    assert!(stopped.contains("\"duration_seconds\": 3600"), "{stopped}");
    let tracks = c.ok(&["tracks", "--json"]);
    assert!(
        serde_json::from_str::<serde_json::Value>(&tracks).unwrap()["tracks"].is_array(),
        "{tracks}"
    );
    assert!(
        tracks.contains("\"start\":\"2026-11-20T08:00:00Z\""),
        "{tracks}"
    );
    assert!(
        c.ok(&["project", "list", "--json"])
            .contains("\"projects\": [")
    );
    assert!(
        c.ok(&["project", "show", "Website", "--json"])
            .contains("\"project\": {")
    );
    assert!(
        c.ok(&["client", "list", "--json"])
            .contains("\"clients\": []")
    );
    assert!(c.ok(&["tag", "list", "--json"]).contains("\"tags\": []"));
    let report = c.ok(&[
        "report",
        "--from",
        "2026-11-20",
        "--to",
        "2026-11-20",
        "--json",
    ]);
    assert!(
        report.contains("\"rows\"") && report.contains("\"totals\""),
        "{report}"
    );
    let week = c.ok(&["week", "--date", "2026-11-20", "--json"]);
    assert!(
        week.contains("\"group_by\"") && week.contains("2026-11-20"),
        "{week}"
    );
    assert!(c.ok(&["budget", "--json"]).contains("\"budgets\": []"));
    assert!(
        c.ok(&["invoice", "list", "--json"])
            .contains("\"invoices\": []")
    );
    assert!(c.ok(&["history", "--json"]).contains("\"changes\": ["));
    c.ok(&["token", "create", "--name", "laptop", "--scope", "read"]);
    let tokens = c.ok(&["token", "list", "--json"]);
    assert!(
        tokens.contains("\"name\": \"laptop\"") && tokens.contains("\"scope\": \"read\""),
        "{tokens}"
    );
    assert!(
        !tokens.contains("stint_") && !tokens.contains("hash"),
        "{tokens}"
    );
    // Times in the configured zone: the report footer gives local dates.
    c.ok(&["config", "set", "timezone", "Europe/Berlin"]);
    let report = c.ok(&["report", "--from", "2026-11-20", "--to", "2026-11-20"]);
    assert!(
        report.contains("2026-11-20 to 2026-11-20 (Europe/Berlin)"),
        "{report}"
    );
    assert!(!report.contains("UTC"), "{report}");
    // Tracks recorded in UTC are listed in the configured zone.
    let table = c.ok(&["tracks"]);
    assert!(table.contains("start (Europe/Berlin)"), "{table}");
    assert!(
        table.contains("2026-11-20 09:00") && table.contains("2026-11-20 10:00"),
        "{table}"
    );
}

#[test]
fn colours_only_on_request_and_never_with_no_color() {
    let c = cli();
    c.ok(&[
        "log",
        "x",
        "--start",
        "2026-11-17 09:00",
        "--duration",
        "2h",
        "-p",
        "Website",
    ]);
    c.ok(&[
        "log",
        "y",
        "--start",
        "2026-11-18 09:00",
        "--duration",
        "1h",
        "-p",
        "Internal",
    ]);
    // Not a terminal: no escape codes.
    let plain = c.ok(&["week", "--date", "2026-11-18"]);
    assert!(!plain.contains('\u{1b}'), "{plain}");
    let forced = c
        .cmd(&["week", "--date", "2026-11-18", "--color", "always"])
        .envs(&[])
        .run();
    assert!(forced.stdout.contains("\u{1b}["), "{}", forced.stdout);
    let no_color = c
        .cmd(&["week", "--date", "2026-11-18"])
        .envs(&[("NO_COLOR", "1")])
        .run();
    assert!(!no_color.stdout.contains('\u{1b}'));
    let never = c
        .cmd(&["week", "--date", "2026-11-18", "--color", "never"])
        .envs(&[])
        .run();
    assert_eq!(never.stdout, plain);
}

#[test]
fn week_chart_has_every_day_a_legend_and_totals() {
    let c = cli();
    c.ok(&[
        "log",
        "x",
        "--start",
        "2026-11-17 09:00",
        "--duration",
        "2h",
        "-p",
        "Website",
    ]);
    c.ok(&[
        "log",
        "y",
        "--start",
        "2026-11-18 09:00",
        "--duration",
        "1h",
        "-p",
        "Internal",
    ]);
    c.ok(&[
        "log",
        "z",
        "--start",
        "2026-11-18 11:00",
        "--duration",
        "1h",
        "-p",
        "Website",
    ]);
    let out = c.ok(&["week", "--date", "2026-11-18"]);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "Week of 2026-11-16 to 2026-11-22", "{out}");
    assert!(
        lines[1].starts_with("Mon 2026-11-16") && lines[1].ends_with("0:00"),
        "{out}"
    );
    assert!(
        lines[2].starts_with("Tue 2026-11-17") && lines[2].ends_with("2:00"),
        "{out}"
    );
    assert!(
        lines[3].starts_with("Wed 2026-11-18") && lines[3].ends_with("2:00"),
        "{out}"
    );
    assert!(lines[7].starts_with("Sun 2026-11-22"), "{out}");
    for l in &lines {
        assert!(l.chars().count() <= 80, "{l:?}");
    }
    // Tuesday is all Website, Wednesday half Internal: two shades without colour.
    assert!(lines[2].contains('█') && !lines[2].contains('▓'), "{out}");
    assert!(lines[3].contains('█') && lines[3].contains('▓'), "{out}");
    assert!(
        out.contains("█ Website 3:00") && out.contains("▓ Internal 1:00"),
        "{out}"
    );
    assert!(out.trim_end().ends_with("total 4:00"), "{out}");
    let only = c.ok(&["week", "--date", "2026-11-18", "-p", "Internal"]);
    assert!(only.trim_end().ends_with("total 1:00"), "{only}");

    let chart = c.ok(&[
        "report",
        "--from",
        "2026-11-16",
        "--to",
        "2026-11-22",
        "--group-by",
        "project",
        "--chart",
    ]);
    assert!(
        chart.contains("Internal") && chart.contains("total 4:00"),
        "{chart}"
    );
    assert!(chart.contains("2026-11-16 to 2026-11-22 (UTC)"), "{chart}");
    // One grouping: a bar per project, no legend line.
    assert!(!chart.contains("█ Website"), "{chart}");
    assert!(
        chart
            .lines()
            .any(|l| l.starts_with("Website ") && l.ends_with("3:00")),
        "{chart}"
    );
}

#[test]
fn completions_are_valid_scripts_that_complete_names() {
    let c = cli();
    c.ok(&["project", "add", "Website"]);
    c.ok(&["project", "add", "Internal"]);
    c.ok(&["tag", "add", "design"]);
    let script = c.ok(&["completions", "bash"]);
    let path = c.dir.path().join("stint.bash");
    std::fs::write(&path, &script).unwrap();
    Cmd::program("bash", &["-n"]).arg(&path).ok();
    assert!(
        script.contains("complete ") && script.contains("COMPLETE=\"bash\""),
        "{script}"
    );
    for shell in ["zsh", "fish"] {
        assert!(
            c.ok(&["completions", shell]).contains("COMPLETE="),
            "{shell}"
        );
    }
    // What the scripts call: the names of projects and tags.
    let projects = c
        .cmd(&["--", "stint", "start", "-p", ""])
        .envs(&[("COMPLETE", "fish")])
        .run();
    assert!(projects.success(), "{}", projects.stderr);
    assert_eq!(
        projects.stdout.lines().collect::<Vec<_>>(),
        ["Internal", "Website"]
    );
    let tags = c
        .cmd(&["--", "stint", "log", "--tag", "d"])
        .envs(&[("COMPLETE", "fish")])
        .run();
    assert_eq!(tags.stdout.trim(), "design");
    let bash = c
        .cmd(&["--", "stint", "week", "--project", "W"])
        .envs(&[
            ("COMPLETE", "bash"),
            ("_CLAP_COMPLETE_INDEX", "3"),
            ("_CLAP_COMPLETE_COMP_TYPE", "9"),
            ("_CLAP_IFS", "\n"),
        ])
        .run();
    assert_eq!(bash.stdout.trim(), "Website", "{}", bash.stderr);
}

/// The commands of the README's ```sh cli-example blocks, in order.
fn readme_examples() -> Vec<Vec<String>> {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let mut commands = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        if line.trim_start().starts_with("```") {
            inside = line.trim() == "```sh cli-example";
            continue;
        }
        if !inside || line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        let code = line.split("  #").next().unwrap().trim();
        let words = shlex::split(code).unwrap_or_else(|| panic!("cannot split {code:?}"));
        assert_eq!(words[0], "stint", "{line}");
        commands.push(words[1..].to_vec());
    }
    commands
}

#[test]
fn readme_cli_examples_work_as_written_in_order() {
    let c = cli();
    let commands = readme_examples();
    assert!(commands.len() > 40, "{commands:?}");
    let mut seen = std::collections::BTreeSet::new();
    for words in &commands {
        let args: Vec<&str> = words.iter().map(String::as_str).collect();
        let r = c.run(&args);
        assert!(
            r.success(),
            "README example `stint {}` failed: {}",
            words.join(" "),
            r.stderr
        );
        seen.insert(words[0].clone());
    }
    // The reference shows every command a person runs from the terminal.
    for cmd in [
        "start", "stop", "continue", "status", "log", "edit", "delete", "tracks", "week", "report",
        "budget", "project", "client", "tag", "config", "history", "undo", "db",
    ] {
        assert!(
            seen.contains(cmd),
            "the README's CLI examples miss `stint {cmd}`"
        );
    }
}

/// The service side of auto-create, with a frozen clock.
mod service {
    use stint::service::{ListChanges, NewTrack, StartTimer};

    use super::super::util::Env;

    #[test]
    fn a_refused_start_creates_nothing_and_reports_nothing() {
        let env = Env::new();
        let svc = env.svc.creating_missing();
        let before = env.snapshot();
        // A start in the future is refused after the project and tag would have been made.
        let err = svc
            .start_timer(StartTimer {
                project: Some("Website".into()),
                tags: vec!["design".into()],
                start: Some("2026-11-22 09:00".into()),
                ..StartTimer::default()
            })
            .unwrap_err();
        assert!(err.to_string().contains("future"), "{err}");
        assert_eq!(env.snapshot(), before);
        let created = svc.take_created();
        assert!(created.projects.is_empty() && created.tags.is_empty());

        // The same start now creates both, in one change, and says so once.
        let started = svc
            .start_timer(StartTimer {
                project: Some("Website".into()),
                tags: vec!["design".into(), "Design".into()],
                ..StartTimer::default()
            })
            .unwrap();
        assert_eq!(started.track.project_name.as_deref(), Some("Website"));
        assert_eq!(started.track.tags.len(), 1);
        let created = svc.take_created();
        assert_eq!(created.projects.len(), 1);
        assert!(created.projects[0].billable_by_default);
        assert_eq!(created.tags.len(), 1);
        assert!(svc.take_created().projects.is_empty());
        let changes = svc.list_changes(ListChanges::default()).unwrap();
        // The set-up's settings change, then one change for project, tag and timer.
        assert_eq!(changes.items.len(), 2);
        assert!(
            changes.items[0].summary.contains("added project")
                && changes.items[0].summary.contains("added tag")
                && changes.items[0].summary.contains("added track"),
            "{:?}",
            changes.items[0].summary
        );

        // A plain service (MCP tools) still refuses a missing project.
        let err = env
            .svc
            .create_track(NewTrack {
                project: Some("Research".into()),
                start: "2026-11-20 09:00".into(),
                duration: Some("1h".into()),
                ..NewTrack::default()
            })
            .unwrap_err();
        assert!(
            err.to_string().contains("create it with `create_project`"),
            "{err}"
        );
    }
}
