//! `--json` on every command: the list of commands comes from clap's tree (`Cli::command()`),
//! every command that lists, shows or acts is run with `--json` on one database, and its
//! output must parse as JSON and carry the values the command acted on. A command without JSON
//! output is on [`WITHOUT_JSON`], with the reason.

use std::collections::BTreeSet;

use clap::CommandFactory;
use serde_json::{Value, json};

use super::util::Stint;

/// Commands that print no JSON answer, and why.
const WITHOUT_JSON: &[(&str, &str)] = &[
    // Protocol servers: their output is MCP (JSON-RPC) or HTTP, not an answer.
    ("mcp", "serves MCP on stdio"),
    ("serve", "serves MCP over HTTP"),
    // A shell script to source.
    ("completions", "prints a shell script"),
    // Edits an assistant's config file in the home folder; tests/it/setup.rs runs it (and its
    // --json) on files in a temporary folder instead.
    (
        "setup",
        "edits the home folder's config (tests/it/setup.rs)",
    ),
    // The sync commands below change or show device settings; their CLI is being reworked on
    // the sync branch (`stint sync`, `sync status` and `sync compact` answer JSON already).
    ("sync billing-device", "sync settings (sync branch)"),
    ("sync accept", "sync settings (sync branch)"),
    ("sync auto", "sync settings (sync branch)"),
    ("sync key new", "prints the new key itself"),
    ("sync key set", "sync settings (sync branch)"),
    ("sync key show", "prints the key itself"),
    ("sync key remove", "sync settings (sync branch)"),
];

/// Every runnable command path of the CLI ("invoice send", "sync key new", "sync"): the leaves
/// of clap's tree, and the groups that run without a subcommand (`stint sync DIR`).
fn command_paths() -> BTreeSet<String> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut BTreeSet<String>) {
        for sub in cmd.get_subcommands() {
            if sub.get_name() == "help" {
                continue;
            }
            let path = format!("{prefix}{}", sub.get_name()).trim().to_owned();
            if sub.get_subcommands().next().is_none() || !sub.is_subcommand_required_set() {
                out.insert(path.clone());
            }
            walk(sub, &format!("{path} "), out);
        }
    }
    let mut out = BTreeSet::new();
    walk(&stint::cli::Cli::command(), "", &mut out);
    out
}

/// The command path of `args` (its leading words that name subcommands).
fn path_of(args: &[&str]) -> String {
    let mut cmd = stint::cli::Cli::command();
    let mut words = Vec::new();
    for a in args {
        match cmd.find_subcommand(a) {
            Some(sub) => {
                words.push(sub.get_name().to_owned());
                cmd = sub.clone();
            }
            None => break,
        }
    }
    words.join(" ")
}

/// One run: the arguments, then `(JSON pointer, expected value)` pairs its answer must hold.
struct Case {
    args: Vec<String>,
    checks: Vec<(&'static str, Value)>,
}

fn c(args: &[&str], checks: &[(&'static str, Value)]) -> Case {
    Case {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        checks: checks.to_vec(),
    }
}

/// Every command, in an order that builds what the next ones act on.
fn cases(import_file: &str) -> Vec<Case> {
    vec![
        c(&["config", "set", "timezone", "Europe/Berlin"], &[]),
        c(&["config", "get"], &[]),
        c(
            &["config", "get", "timezone"],
            &[
                ("/key", json!("timezone")),
                ("/value", json!("Europe/Berlin")),
            ],
        ),
        c(&["client", "add", "Acme", "--rate", "100"], &[]),
        c(&["client", "list"], &[]),
        c(&["client", "show", "Acme"], &[]),
        c(&["client", "edit", "Acme", "--email", "ap@acme.test"], &[]),
        c(
            &[
                "project", "add", "Website", "--client", "Acme", "--rate", "100",
            ],
            &[],
        ),
        c(&["project", "add", "Old"], &[]),
        c(&["project", "list"], &[]),
        c(&["project", "show", "Website"], &[]),
        c(&["project", "edit", "Website", "--budget-hours", "40"], &[]),
        c(&["project", "archive", "Old"], &[]),
        c(&["project", "delete", "Old"], &[]),
        c(&["tag", "add", "design"], &[]),
        c(&["tag", "add", "spare"], &[]),
        c(&["tag", "list"], &[]),
        c(&["tag", "show", "design"], &[]),
        c(&["tag", "edit", "spare", "--name", "extra"], &[]),
        c(&["tag", "delete", "extra"], &[]),
        c(
            &["task", "add", "Hero", "-p", "Website", "--estimate", "6"],
            &[
                ("/task/name", json!("Hero")),
                ("/task/estimate_hours", json!("6")),
            ],
        ),
        c(&["task", "add", "Footer", "-p", "Website"], &[]),
        c(&["task", "add", "Spare", "-p", "Website"], &[]),
        c(
            &["task", "list"],
            &[
                ("/tasks/0/name", json!("Footer")),
                ("/tasks/1/name", json!("Hero")),
                ("/tasks/2/name", json!("Spare")),
            ],
        ),
        c(
            &["task", "show", "Hero", "-p", "Website"],
            &[("/task/name", json!("Hero"))],
        ),
        c(
            &["task", "edit", "Hero", "-p", "Website", "--estimate", "8"],
            &[("/task/estimate_hours", json!("8"))],
        ),
        c(
            &["task", "archive", "Footer", "-p", "Website"],
            &[
                ("/deleted/name", json!("Footer")),
                ("/deleted/action", json!("archived")),
            ],
        ),
        c(
            &["task", "delete", "Spare", "-p", "Website"],
            &[
                ("/deleted/name", json!("Spare")),
                ("/deleted/action", json!("deleted")),
            ],
        ),
        c(
            &[
                "milestone",
                "add",
                "Launch",
                "-p",
                "Website",
                "--due",
                "2026-12-31",
            ],
            &[("/milestone/name", json!("Launch"))],
        ),
        c(
            &["milestone", "list"],
            &[("/milestones/0/due_date", json!("2026-12-31"))],
        ),
        c(
            &["milestone", "show", "Launch"],
            &[("/milestone/status", json!("open"))],
        ),
        c(
            &["milestone", "edit", "Launch", "--name", "Launch v1"],
            &[("/milestone/name", json!("Launch v1"))],
        ),
        c(
            &["milestone", "complete", "Launch v1"],
            &[("/milestone/status", json!("completed"))],
        ),
        c(&["drafts"], &[("/remaining", json!(0))]),
        c(&["drafts", "approve"], &[("/remaining", json!(0))]),
        c(&["drafts", "discard"], &[("/remaining", json!(0))]),
        c(
            &[
                "log",
                "Layout",
                "--start",
                "2026-10-05 09:00",
                "--duration",
                "2h",
                "-p",
                "Website",
                "-t",
                "design",
            ],
            &[],
        ),
        c(&["start", "Now", "-p", "Website"], &[]),
        c(&["status"], &[]),
        c(&["stop"], &[]),
        c(&["continue", "1"], &[]),
        c(&["stop"], &[]),
        c(&["tracks", "-n", "1"], &[]),
        c(&["edit", "1", "--description", "Layout grid"], &[]),
        c(
            &[
                "log",
                "Extra",
                "--start",
                "2026-10-06 09:00",
                "--duration",
                "1h",
            ],
            &[],
        ),
        c(&["delete", "4"], &[("/deleted/id", json!(4))]),
        c(&["history"], &[]),
        c(&["undo"], &[]),
        c(&["week", "--date", "2026-10-05"], &[]),
        c(
            &["report", "--from", "2026-10-01", "--to", "2026-10-31"],
            &[],
        ),
        c(&["budget"], &[]),
        c(
            &[
                "expense",
                "add",
                "12.50",
                "Train",
                "-p",
                "Website",
                "--date",
                "2026-10-06",
            ],
            &[],
        ),
        c(
            &[
                "expense",
                "add",
                "3",
                "Coffee",
                "-p",
                "Website",
                "--date",
                "2026-10-06",
            ],
            &[],
        ),
        c(&["expense", "list"], &[]),
        c(
            &[
                "expense",
                "edit",
                "1",
                "--amount",
                "13",
                "-d",
                "Train ticket",
            ],
            &[
                ("/expense/description", json!("Train ticket")),
                ("/expense/amount", json!("13.00")),
            ],
        ),
        c(&["expense", "delete", "2"], &[]),
        c(
            &[
                "invoice",
                "create",
                "--client",
                "Acme",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-31",
            ],
            &[],
        ),
        c(&["invoice", "list"], &[]),
        c(&["invoice", "show", "1"], &[]),
        c(
            &["invoice", "export", "1", "--csv", "inv.csv"],
            &[("/invoice_id", json!(1)), ("/rows", json!(5))],
        ),
        c(
            &["invoice", "export", "1", "--pdf", "inv.pdf"],
            &[
                ("/invoice_id", json!(1)),
                ("/pages", json!(1)),
                ("/embedded", json!(false)),
            ],
        ),
        c(
            &["invoice", "send", "1", "--date", "2026-11-02"],
            &[
                ("/invoice/status", json!("sent")),
                ("/invoice/issue_date", json!("2026-11-02")),
            ],
        ),
        c(
            &["invoice", "void", "1"],
            &[
                ("/invoice/id", json!(1)),
                ("/invoice/status", json!("void")),
            ],
        ),
        c(
            &[
                "invoice",
                "create",
                "--client",
                "Acme",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-31",
            ],
            &[],
        ),
        c(
            &["invoice", "delete", "2"],
            &[
                ("/invoice/id", json!(2)),
                ("/invoice/status", json!("draft")),
            ],
        ),
        c(
            &[
                "invoice",
                "create",
                "--client",
                "Acme",
                "--from",
                "2026-10-01",
                "--to",
                "2026-10-31",
            ],
            &[],
        ),
        c(&["invoice", "send", "3", "--date", "2026-11-02"], &[]),
        c(
            &["invoice", "paid", "3", "--date", "2026-11-20"],
            &[
                ("/invoice/status", json!("paid")),
                ("/invoice/paid_on", json!("2026-11-20")),
            ],
        ),
        c(
            &["import", import_file, "--format", "watson"],
            &[("/format", json!("watson")), ("/dry_run", json!(false))],
        ),
        c(
            &["token", "create", "--name", "script", "--scope", "read"],
            &[
                ("/token/name", json!("script")),
                ("/token/scope", json!("read")),
            ],
        ),
        c(&["token", "list"], &[]),
        c(
            &["token", "revoke", "script"],
            &[("/revoked/name", json!("script"))],
        ),
        c(&["db", "path"], &[]),
        c(&["db", "backup", "copy.db"], &[]),
        c(&["db", "export", "-"], &[]),
        c(&["sync", "shared"], &[]),
        c(&["sync", "status"], &[]),
        c(&["sync", "compact", "shared"], &[]),
        c(&["person", "add", "Zed"], &[("/name", json!("Zed"))]),
        c(&["person", "list"], &[("/people/1/name", json!("Zed"))]),
        c(&["person", "show", "zed"], &[("/role", json!("member"))]),
        c(
            &["person", "edit", "Zed", "--capacity", "20"],
            &[("/weekly_capacity_hours", json!("20"))],
        ),
        c(&["person", "archive", "Zed"], &[("/archived", json!(true))]),
        c(&["person", "delete", "Zed"], &[("/name", json!("Zed"))]),
        c(&["client", "add", "Gone"], &[]),
        c(&["client", "archive", "Gone"], &[]),
        c(&["client", "delete", "Gone"], &[]),
    ]
}

#[test]
fn every_command_that_lists_shows_or_acts_answers_json() {
    let db = Stint::new();
    let import_file = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/fixtures/import/watson-log.json"
    );
    let cases = cases(import_file);
    let without: BTreeSet<&str> = WITHOUT_JSON.iter().map(|(p, _)| *p).collect();
    let run: BTreeSet<String> = cases
        .iter()
        .map(|c| path_of(&c.args.iter().map(String::as_str).collect::<Vec<_>>()))
        .collect();
    // Every command of the tree is either run below or on the list, and never both.
    let missing: Vec<String> = command_paths()
        .into_iter()
        .filter(|p| !run.contains(p) && !without.contains(p.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "commands neither run with --json nor listed: {missing:?}"
    );
    let both: Vec<&&str> = without.iter().filter(|p| run.contains(**p)).collect();
    assert!(both.is_empty(), "listed as without JSON but run: {both:?}");
    std::fs::create_dir(db.dir().join("shared")).unwrap();

    for case in &cases {
        let mut args: Vec<&str> = case.args.iter().map(String::as_str).collect();
        args.push("--json");
        let out = db.ok(&args);
        let answer: Value = serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("stint {}: not JSON ({e}):\n{out}", args.join(" ")));
        for (pointer, want) in &case.checks {
            assert_eq!(
                answer.pointer(pointer),
                Some(want),
                "stint {} at {pointer}:\n{out}",
                args.join(" ")
            );
        }
    }
}

#[test]
fn the_global_json_flag_works_before_the_command_too() {
    // `--json` is global: before the command it means the same as after it (task list and
    // show had a flag of their own that only worked after).
    let db = Stint::new();
    db.ok(&["project", "add", "Website"]);
    db.ok(&["task", "add", "Hero", "-p", "Website"]);
    let before: Value =
        serde_json::from_str(&db.ok(&["--json", "task", "show", "Hero", "-p", "Website"])).unwrap();
    let after: Value =
        serde_json::from_str(&db.ok(&["task", "show", "Hero", "-p", "Website", "--json"])).unwrap();
    assert_eq!(before, after);
    assert_eq!(before["task"]["name"], json!("Hero"));
    let list: Value = serde_json::from_str(&db.ok(&["--json", "task", "list"])).unwrap();
    assert_eq!(list["tasks"][0]["name"], json!("Hero"));
}

/// Every command of the tree with its path ("invoice send").
fn commands() -> Vec<(String, clap::Command)> {
    fn walk(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
        for sub in cmd.get_subcommands() {
            let path = format!("{prefix}{}", sub.get_name()).trim().to_owned();
            out.push((path.clone(), sub.clone()));
            walk(sub, &format!("{path} "), out);
        }
    }
    let mut out = Vec::new();
    let mut root = stint::cli::Cli::command();
    root.build();
    walk(&root, "", &mut out);
    out
}

/// How a flag named `long` must look wherever it appears: its short letter, whether it takes
/// a value, and the flag it comes paired with.
fn flag_rule(long: &str) -> Option<(Option<char>, bool, Option<&'static str>)> {
    Some(match long {
        "billable" => (None, false, Some("no-billable")),
        "no-billable" => (None, false, Some("billable")),
        "project" => (Some('p'), true, None),
        "tag" => (Some('t'), true, None),
        "task" => (Some('k'), true, None),
        "from" => (None, true, Some("to")),
        "to" => (None, true, Some("from")),
        "client" => (None, true, None),
        "at" => (None, true, None),
        "limit" => (Some('n'), true, None),
        "json" => (None, false, None),
        "description" => (Some('d'), true, None),
        _ => return None,
    })
}

#[test]
fn flags_named_alike_look_alike_on_every_command() {
    let mut odd = Vec::new();
    for (path, cmd) in commands() {
        let longs: BTreeSet<&str> = cmd.get_arguments().filter_map(|a| a.get_long()).collect();
        for arg in cmd.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let Some((short, takes_value, twin)) = flag_rule(long) else {
                continue;
            };
            if arg.get_short() != short {
                odd.push(format!(
                    "{path} --{long}: short {:?}, want {short:?}",
                    arg.get_short()
                ));
            }
            // A flag may also take an optional value (`expense edit --billable false`, kept
            // for scripts) as long as it works bare.
            let bare = arg.get_num_args().is_some_and(|n| n.min_values() == 0);
            let alike = arg.get_action().takes_values() == takes_value || (bare && !takes_value);
            if !alike {
                odd.push(format!("{path} --{long}: takes a value: {}", !takes_value));
            }
            if let Some(twin) = twin
                && !longs.contains(twin)
            {
                odd.push(format!("{path} --{long} without --{twin}"));
            }
        }
    }
    // A tax rate is `--tax` or `--tax-rate` on every command that takes one.
    for (path, cmd) in commands() {
        for arg in cmd.get_arguments() {
            let mut names: Vec<&str> = arg.get_long().into_iter().collect();
            names.extend(arg.get_all_aliases().unwrap_or_default());
            if names.iter().any(|n| *n == "tax" || *n == "tax-rate")
                && !(names.contains(&"tax") && names.contains(&"tax-rate"))
            {
                odd.push(format!("{path}: a tax rate named only {names:?}"));
            }
        }
    }
    assert!(
        odd.is_empty(),
        "flags unlike their namesakes:\n{}",
        odd.join("\n")
    );
}
