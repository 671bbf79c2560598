//! Words and the terminal (issue 18, items 5 and 6): errors rendered once per front end (names
//! quoted as given, CLI errors in flags and commands, MCP errors naming only arguments the tool
//! has), a closed pipe ending quietly, flags named alike, and no project or tag created on the
//! fly next to a near-identical one.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::{Value, json};
use stint::domain::words::{ACTS, ARGS, ApiWords, Words};

use super::util::{Env, mcp_session};

/// A temporary database for CLI runs.
struct Cli {
    dir: tempfile::TempDir,
}

/// What a run should print: the whole stdout (on success) or the whole stderr (on failure),
/// trimmed.
enum Want<'a> {
    Out(&'a str),
    Err(&'a str),
}

impl Cli {
    fn new() -> Cli {
        Cli {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    fn db(&self) -> PathBuf {
        self.dir.path().join("words.db")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_stint"));
        cmd.args(args)
            .current_dir(self.dir.path())
            .env("STINT_DB", self.db())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env_remove("COMPLETE")
            .env("COLUMNS", "100");
        cmd
    }

    /// Runs `args` and returns (success, stdout, stderr).
    fn run(&self, args: &[&str]) -> (bool, String, String) {
        let out = self.command(args).output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Runs a set-up command that must succeed.
    fn ok(&self, args: &[&str]) {
        let (ok, out, err) = self.run(args);
        assert!(ok, "stint {args:?} failed: {err}{out}");
    }

    /// The one helper of this module: `args` prints exactly `want`.
    fn check(&self, args: &[&str], want: Want<'_>) {
        let (ok, out, err) = self.run(args);
        match want {
            Want::Out(w) => {
                assert!(ok, "stint {args:?} failed: {err}");
                assert_eq!(out.trim(), w, "stdout of stint {args:?}");
            }
            Want::Err(w) => {
                assert!(!ok, "stint {args:?} should fail, printed: {out}");
                assert_eq!(
                    err.trim(),
                    format!("stint: {w}"),
                    "stderr of stint {args:?}"
                );
            }
        }
    }
}

/// Names that are also words of the old substitution table stay as given, and CLI errors speak
/// in flags and commands.
#[test]
fn cli_errors_quote_names_as_given_and_speak_in_flags() {
    let c = Cli::new();
    c.ok(&["project", "add", "send"]);
    c.ok(&["tag", "add", "list_tags"]);
    c.ok(&[
        "log",
        "--start",
        "yesterday 09:00",
        "--duration",
        "1h",
        "-p",
        "send",
        "-t",
        "list_tags",
    ]);
    let cases: &[(&[&str], Want<'_>)] = &[
        (
            &["project", "delete", "send"],
            Want::Err(
                "project \"send\" has 1 tracks, so deleting it would lose time; archive it \
                 instead (`stint project archive PROJECT`), or move or delete its tracks first",
            ),
        ),
        (
            &["tag", "delete", "list_tags"],
            Want::Err(
                "tag \"list_tags\" is on 1 tracks; give --force to remove it from them (the \
                 tracks stay), or rename it with `stint tag edit TAG --name NEW`",
            ),
        ),
        (
            &["project", "edit", "send", "--alert-percent", "0"],
            Want::Err(
                "--alert-percent 0 is out of range; give 1 to 1000 (80 means alert at 80 % used)",
            ),
        ),
        (
            &["budget"],
            Want::Out(
                "No project has a budget; set one with `stint project edit PROJECT \
                 --budget-hours H` or --budget-amount AMOUNT.",
            ),
        ),
        (
            &[
                "log",
                "--start",
                "2026-11-20 09:00",
                "--end",
                "2026-11-20 08:00",
                "-p",
                "send",
            ],
            Want::Err(
                "the end 2026-11-20T08:00:00Z is before the start 2026-11-20T09:00:00Z; swap them",
            ),
        ),
        (
            &["stop"],
            Want::Err(
                "no timer is running, so there is nothing to stop; start one with `stint \
                 start`, or record finished work with `stint log`",
            ),
        ),
        (
            &["project", "show", "sned"],
            Want::Err(
                "no project is named or numbered \"sned\"; the closest are \"send\". Give an \
                 exact name (case does not matter) or id, or create it with `stint project add \
                 NAME`",
            ),
        ),
    ];
    for (args, want) in cases {
        c.check(
            args,
            match want {
                Want::Out(w) => Want::Out(w),
                Want::Err(w) => Want::Err(w),
            },
        );
    }
}

/// `stint invoice paid --on` names its flag, not `paid_on`.
#[test]
fn invoice_paid_on_a_future_day_names_the_flag() {
    let c = Cli::new();
    c.ok(&["project", "add", "Website", "--rate", "100"]);
    c.ok(&[
        "log",
        "--start",
        "yesterday 09:00",
        "--duration",
        "1h",
        "-p",
        "Website",
    ]);
    c.ok(&[
        "invoice",
        "create",
        "--project",
        "Website",
        "--from",
        "last month",
        "--to",
        "today",
    ]);
    c.ok(&["invoice", "send", "1"]);
    // The CLI's zone is UTC here (TZ=UTC, no `timezone` setting).
    let today = stint::service::Clock::now(&stint::service::SystemClock).date_naive();
    c.check(
        &["invoice", "paid", "1", "--on", "2099-01-01"],
        Want::Err(&format!(
            "--on 2099-01-01 is in the future; give today ({today}) or an earlier date"
        )),
    );
}

/// `--billable/--no-billable` on `expense add` and `expense edit`, as on every other command.
#[test]
fn expenses_take_billable_and_no_billable() {
    let c = Cli::new();
    c.ok(&["project", "add", "Website"]);
    c.ok(&[
        "expense",
        "add",
        "12.50",
        "Train",
        "-p",
        "Website",
        "--no-billable",
    ]);
    c.ok(&[
        "expense",
        "add",
        "3",
        "Coffee",
        "-p",
        "Website",
        "--billable",
    ]);
    c.ok(&["expense", "edit", "2", "--no-billable"]);
    c.ok(&["expense", "edit", "1", "--billable"]);
    let (ok, out, err) = c.run(&["--json", "expense", "list"]);
    assert!(ok, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    let mut billable: Vec<(String, bool)> = v["expenses"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .map(|e| {
            (
                e["description"].as_str().unwrap().to_owned(),
                e["billable"].as_bool().unwrap(),
            )
        })
        .collect();
    billable.sort();
    assert_eq!(
        billable,
        vec![("Coffee".to_owned(), false), ("Train".to_owned(), true)]
    );
}

/// A typo of an existing project or tag is not created on the fly; `--create` creates it.
#[test]
fn near_names_are_refused_unless_create() {
    let c = Cli::new();
    c.ok(&["project", "add", "Migration"]);
    c.ok(&["tag", "add", "design"]);
    c.ok(&["tag", "add", "Café"]);
    let log = |p: &str, t: &str| -> Vec<String> {
        [
            "log",
            "--start",
            "yesterday 09:00",
            "--duration",
            "1h",
            "-p",
            p,
            "-t",
            t,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    };
    fn args(v: &[String]) -> Vec<&str> {
        v.iter().map(String::as_str).collect()
    }
    c.check(
        &args(&log("migraton", "design")),
        Want::Err(
            "no project is named \"migraton\"; did you mean \"Migration\"? Give --create to \
             create \"migraton\" anyway",
        ),
    );
    c.check(
        &args(&log("Migration", "desing")),
        Want::Err(
            "no tag is named \"desing\"; did you mean \"design\"? Give --create to create \
             \"desing\" anyway",
        ),
    );
    c.check(
        &args(&log("Migration", "cafe")),
        Want::Err(
            "no tag is named \"cafe\"; did you mean \"Café\"? Give --create to create \"cafe\" \
             anyway",
        ),
    );
    // Nothing was created by the refusals.
    let (_, out, _) = c.run(&["--json", "project", "list"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["projects"].as_array().unwrap().len(), 1, "{v}");
    // A name far from every other is created as before, and --create creates a near one.
    let mut far = log("Research", "ux");
    c.ok(&args(&far));
    far = log("migraton", "design");
    far.push("--create".into());
    let (ok, _, err) = c.run(&args(&far));
    assert!(ok, "{err}");
    assert_eq!(err.trim(), "Created project migraton (id 3)");
}

/// `stint tracks | head -1` and the other listings end quietly when the reader goes away.
#[test]
fn a_closed_pipe_ends_quietly() {
    use std::os::unix::process::ExitStatusExt;
    let env = Env::new();
    // Enough tracks that every listing is far larger than a pipe's buffer (64 KiB).
    for day in 0..600 {
        let date = chrono::NaiveDate::from_ymd_opt(2026, 11, 20).unwrap() - chrono::Days::new(day);
        env.svc
            .create_track(stint::service::NewTrack {
                description: Some(format!("work item number {day} with a long description")),
                start: date.format("%Y-%m-%d 09:00").to_string(),
                duration: Some("1h".into()),
                ..Default::default()
            })
            .unwrap();
    }
    for args in [
        &["tracks", "--limit", "500"][..],
        &["--json", "tracks"],
        &["tracks", "--csv", "-"],
        &[
            "report",
            "--from",
            "2020-01-01",
            "--to",
            "2026-11-21",
            "--group-by",
            "day",
        ],
    ] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_stint"))
            .args(args)
            .env("STINT_DB", env.db_path())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        assert!(!first.is_empty(), "stint {args:?} printed nothing");
        // The reader is dropped here: the pipe is closed with most of the output unread.
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() || out.status.signal() == Some(13),
            "stint {args:?} ended with {:?}: {stderr}",
            out.status
        );
        assert_eq!(stderr, "", "stint {args:?}");
    }
}

/// Every argument and action has words in both front ends, and neither front end shows the
/// other's: the CLI no tool or argument names, the MCP no commands or flags.
#[test]
fn each_front_end_speaks_only_its_own_words() {
    let cli = stint::cli::errors::CliWords;
    let tools: Vec<&str> = stint::mcp::catalog::TOOLS.iter().map(|t| t.name).collect();
    let snake = regex_words(&tools);
    for &a in ARGS {
        let c = cli.arg(a);
        let m = ApiWords.arg(a);
        assert!(!snake(&c), "CLI words for {a:?}: {c}");
        assert!(
            m.contains(&format!("`{}`", a.key())),
            "API words for {a:?}: {m}"
        );
        assert!(
            !m.contains("--") && !m.contains("stint "),
            "API words for {a:?}: {m}"
        );
    }
    for &a in ACTS {
        let c = cli.act(a);
        let m = ApiWords.act(a);
        assert!(!snake(&c), "CLI words for {a:?}: {c}");
        assert!(
            c.contains("`stint ") || c.starts_with("give --"),
            "CLI words for {a:?}: {c}"
        );
        assert!(
            !m.contains("--") && !m.contains("stint "),
            "API words for {a:?}: {m}"
        );
    }
}

/// Whether `text` holds a tool name or a snake_case API argument as a word.
fn regex_words<'a>(tools: &'a [&'a str]) -> impl Fn(&str) -> bool + 'a {
    move |text: &str| {
        text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| {
                tools.contains(&w)
                    || (w.contains('_') && w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            })
    }
}

/// The prose of the service's and the domain's messages names no tool, no argument and no
/// verb of one front end ("send"): those are [`stint::domain::words`] parts, rendered by each
/// front end. Walks every string literal outside tests.
#[test]
fn service_prose_names_no_tool_or_argument() {
    let tools: Vec<&str> = stint::mcp::catalog::TOOLS
        .iter()
        .map(|t| t.name)
        .filter(|t| *t != "sync")
        .collect();
    let keys: Vec<&str> = ARGS
        .iter()
        .map(|a| a.key())
        .filter(|k| k.contains('_'))
        .collect();
    let mut offences = Vec::new();
    for dir in ["crates/stint-service/src", "crates/stint-domain/src"] {
        for path in rust_files(&Path::new(env!("CARGO_MANIFEST_DIR")).join(dir)) {
            if path.ends_with("words.rs") {
                continue;
            }
            let src = std::fs::read_to_string(&path).unwrap();
            let src = src.split("#[cfg(test)]").next().unwrap();
            for lit in string_literals(src) {
                // Interpolations (`{change_id}`) are values, not prose.
                let lit = strip_braces(&lit);
                // An operation or column name alone is not prose.
                if lit.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                    continue;
                }
                let words: Vec<&str> = lit
                    .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '*'))
                    .collect();
                let bad = words.iter().any(|w| {
                    tools.contains(w)
                        || keys.contains(w)
                        || *w == "send"
                        || *w == "Send"
                        || *w == "update_*"
                });
                if bad {
                    offences.push(format!("{}: {lit:?}", path.display()));
                }
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

/// `text` without its `{...}` interpolations.
fn strip_braces(text: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    for c in text.chars() {
        match c {
            '{' => depth += 1,
            '}' if depth > 0 => depth -= 1,
            _ if depth == 0 => out.push(c),
            _ => {}
        }
    }
    out
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out
}

/// The string literals of Rust source (plain `"..."` only, outside comments and char literals).
fn string_literals(src: &str) -> Vec<String> {
    let mut out = Vec::new();
    let b = src.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\'' => {
                // A char literal ('"', '\'', '\\') or a lifetime.
                if b.get(i + 2) == Some(&b'\'') {
                    i += 3;
                } else if b.get(i + 1) == Some(&b'\\') && b.get(i + 3) == Some(&b'\'') {
                    i += 4;
                } else {
                    i += 1;
                }
            }
            b'"' => {
                let start = i + 1;
                i += 1;
                while i < b.len() && b[i] != b'"' {
                    if b[i] == b'\\' {
                        i += 1;
                    }
                    i += 1;
                }
                out.push(src[start..i.min(src.len())].to_owned());
                i += 1;
            }
            _ => i += 1,
        }
    }
    out
}

/// Every argument an MCP error suggests is an argument of the tool that answered (or a tool of
/// the catalogue): `update_task` is not told to send a project, `stop_timer` not a duration.
#[test]
fn mcp_error_hints_name_only_arguments_the_tool_has() {
    let env = Env::new();
    let svc = &env.svc;
    for p in ["Website", "Shop"] {
        svc.create_project(stint::service::NewProject {
            name: p.into(),
            ..Default::default()
        })
        .unwrap();
        svc.create_task(stint::service::NewTask {
            name: "Fix".into(),
            project: p.into(),
            ..Default::default()
        })
        .unwrap();
    }
    svc.create_tag("design").unwrap();
    svc.create_track(stint::service::NewTrack {
        project: Some("Website".into()),
        tags: vec!["design".into()],
        start: "2026-11-20 09:00".into(),
        duration: Some("1h".into()),
        ..Default::default()
    })
    .unwrap();
    svc.start_timer(stint::service::StartTimer {
        start: Some("2026-11-21 10:00".into()),
        ..Default::default()
    })
    .unwrap();
    let calls: &[(&str, Value)] = &[
        ("update_task", json!({"task": "Fix", "name": "Fix it"})),
        ("stop_timer", json!({"end": "2026-11-21 09:00"})),
        ("create_track", json!({"start": "2026-11-20 09:00"})),
        (
            "create_track",
            json!({"start": "2026-11-20 09:00", "end": "10:00", "duration": "1h"}),
        ),
        (
            "create_track",
            json!({"project": "Nope", "start": "2026-11-20 09:00", "duration": "1h"}),
        ),
        ("delete_tag", json!({"tag": "design"})),
        ("delete_project", json!({"project": "Website"})),
        (
            "create_invoice",
            json!({"projects": ["Shop"], "from": "2026-11-01", "to": "2026-11-30"}),
        ),
        ("list_tracks", json!({"cursor": "nonsense"})),
        (
            "list_tracks",
            json!({"from": "2026-11-20", "to": "2026-11-19"}),
        ),
        ("undo_change", json!({"change_id": 999})),
        (
            "time_summary",
            json!({"from": "2026-11-01", "to": "2026-11-30", "group_by": ["day", "day"]}),
        ),
    ];
    let mut input = json!({"jsonrpc": "2.0", "id": 0, "method": "tools/list"}).to_string() + "\n";
    for (i, (tool, args)) in calls.iter().enumerate() {
        input += &json!({
            "jsonrpc": "2.0", "id": i + 1, "method": "tools/call",
            "params": {"name": tool, "arguments": args}
        })
        .to_string();
        input.push('\n');
    }
    let answers = mcp_session(&env, &input);
    let tools = &answers[0]["result"]["tools"];
    let schema_of = |tool: &str| -> Vec<String> {
        tools
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["name"] == tool)
            .and_then(|t| t["inputSchema"]["properties"].as_object())
            .map(|p| p.keys().cloned().collect())
            .unwrap_or_default()
    };
    let tool_names: Vec<&str> = stint::mcp::catalog::TOOLS.iter().map(|t| t.name).collect();
    let mut texts = Vec::new();
    for (i, (tool, _)) in calls.iter().enumerate() {
        let a = answers.iter().find(|a| a["id"] == i + 1).unwrap();
        assert_eq!(a["result"]["isError"], true, "{tool}: {a}");
        let text = a["result"]["content"][0]["text"]
            .as_str()
            .unwrap()
            .to_owned();
        let args = schema_of(tool);
        for quoted in text.split('`').skip(1).step_by(2) {
            assert!(
                args.iter().any(|a| a == quoted) || tool_names.contains(&quoted),
                "{tool} suggests `{quoted}`, which it does not take: {text}"
            );
        }
        texts.push(text);
    }
    // The two that pointed nowhere.
    assert_eq!(
        texts[0],
        "2 tasks are named \"Fix\": id 1 = \"Fix\" (project \"Website\"), id 2 = \"Fix\" \
         (project \"Shop\"); give the task's id instead"
    );
    assert_eq!(
        texts[1],
        "the end 2026-11-21T09:00:00+01:00 is before the start 2026-11-21T10:00:00+01:00; swap \
         them"
    );
}
