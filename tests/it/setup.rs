//! `stint setup CLIENT` and `stint setup --check`, run as a real process on config files in a
//! temporary home: only the stint entry changes, a second run changes nothing, a broken file
//! is refused with its line and left alone, and Codex's TOML keeps its comments.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::util::{BIN, stint};

/// The absolute path `stint setup` writes (the binary under test, resolved).
fn bin() -> String {
    std::fs::canonicalize(BIN)
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned()
}

/// The files in `dir`, sorted by name.
fn files(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

const TWO_SERVERS: &str = r#"{
  "globalShortcut": "Ctrl+Space",
  "mcpServers": {
    "filesystem": {
      "command": "npx",
      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/home/me/Documents"]
    },
    "github": {
      "command": "docker",
      "args": ["run", "-i", "--rm", "ghcr.io/github/github-mcp-server"],
      "env": { "GITHUB_PERSONAL_ACCESS_TOKEN": "ghp_x" }
    }
  }
}
"#;

#[test]
fn dry_run_on_two_servers_shows_only_stint_added_then_writes_it_with_a_backup() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("claude_desktop_config.json");
    std::fs::write(&file, TWO_SERVERS).unwrap();
    let f = file.to_str().unwrap();
    let db = dir.path().join("work.db");

    let out = stint(&["setup", "claude-desktop", "--dry-run", "--config", f])
        .arg("--db")
        .arg(&db)
        .run()
        .ok();
    let bin = bin();
    let db = db.to_str().unwrap();
    assert_eq!(
        out.stdout,
        format!(
            "--- {f}\n+++ {f}\n@@ -9,6 +9,13 @@
       \"command\": \"docker\",
       \"args\": [\"run\", \"-i\", \"--rm\", \"ghcr.io/github/github-mcp-server\"],
       \"env\": {{ \"GITHUB_PERSONAL_ACCESS_TOKEN\": \"ghp_x\" }}
+    }},
+    \"stint\": {{
+      \"command\": \"{bin}\",
+      \"args\": [\"mcp\"],
+      \"env\": {{
+        \"STINT_DB\": \"{db}\"
+      }}
     }}
   }}
 }}
Dry run: nothing was written. Run `stint setup claude-desktop` without --dry-run to apply it.
"
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), TWO_SERVERS);
    assert_eq!(files(dir.path()), ["claude_desktop_config.json"]);

    let out = stint(&["setup", "claude-desktop", "--config", f, "--db", db])
        .run()
        .ok();
    let names = files(dir.path());
    assert_eq!(names.len(), 2, "{names:?}");
    let backup = dir.path().join(&names[1]);
    assert!(
        names[1].starts_with("claude_desktop_config.json.bak-"),
        "{names:?}"
    );
    assert_eq!(
        out.stdout,
        format!(
            "Set up stint for Claude Desktop in {f} (the old file is at {}).\n\
             Quit Claude Desktop completely (not just its window) and open it again.\n",
            backup.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), TWO_SERVERS);
    let expected = TWO_SERVERS.replace(
        "\"ghp_x\" }\n    }\n",
        &format!(
            "\"ghp_x\" }}\n    }},\n    \"stint\": {{\n      \"command\": \"{bin}\",\n      \
             \"args\": [\"mcp\"],\n      \"env\": {{\n        \"STINT_DB\": \"{db}\"\n      }}\n    }}\n"
        ),
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), expected);
    // The clients read it as JSON: the other servers are whole, stint is what was asked.
    let v: serde_json::Value = serde_json::from_str(&expected).unwrap();
    assert_eq!(
        v["mcpServers"]["stint"],
        json!({"command": bin, "args": ["mcp"], "env": {"STINT_DB": db}})
    );
    assert_eq!(
        v["mcpServers"]["github"]["env"]["GITHUB_PERSONAL_ACCESS_TOKEN"],
        "ghp_x"
    );
}

#[test]
fn a_second_run_changes_nothing_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mcp.json");
    let f = file.to_str().unwrap();
    // No file yet: created, no backup.
    let out = stint(&["setup", "cursor", "--config", f]).run().ok();
    assert_eq!(
        out.stdout,
        format!(
            "Set up stint for Cursor in {f} (a new file).\n\
             Restart Cursor (or reload its MCP servers) to load it.\n"
        )
    );
    let first = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        first,
        format!(
            "{{\n  \"mcpServers\": {{\n    \"stint\": {{\n      \"command\": \"{}\",\n      \
             \"args\": [\"mcp\"]\n    }}\n  }}\n}}\n",
            bin()
        )
    );
    for extra in [&[][..], &["--dry-run"][..]] {
        let out = stint(&["setup", "cursor", "--config", f])
            .args(extra)
            .run()
            .ok();
        assert_eq!(
            out.stdout,
            format!("stint is already set up for Cursor in {f}: nothing to change.\n")
        );
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), first);
    assert_eq!(files(dir.path()), ["mcp.json"]);

    // The same with --json.
    let out = stint(&["setup", "cursor", "--config", f, "--json"])
        .run()
        .ok();
    assert_eq!(
        out.json(),
        json!({"client": "cursor", "config": f, "changed": false, "written": false,
               "backup": null, "diff": ""})
    );
    let out = stint(&[
        "setup", "cursor", "--config", f, "--db", "/d/t.db", "--json",
    ])
    .run()
    .ok();
    let answer = out.json();
    let backup = answer["backup"].as_str().unwrap().to_owned();
    assert!(backup.starts_with(&format!("{f}.bak-")), "{answer}");
    let diff = format!(
        "--- {f}\n+++ {f}\n@@ -2,7 +2,10 @@\n   \"mcpServers\": {{\n     \"stint\": {{\n       \
         \"command\": \"{}\",\n-      \"args\": [\"mcp\"]\n+      \"args\": [\"mcp\"],\n+      \
         \"env\": {{\n+        \"STINT_DB\": \"/d/t.db\"\n+      }}\n     }}\n   }}\n }}\n",
        bin()
    );
    assert_eq!(
        answer,
        json!({"client": "cursor", "config": f, "changed": true, "written": true,
               "backup": backup, "diff": diff})
    );
    assert_eq!(std::fs::read_to_string(&backup).unwrap(), first);
}

#[test]
fn a_stale_stint_entry_gets_the_new_binary_and_keeps_its_other_keys() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mcp.json");
    let f = file.to_str().unwrap();
    // VS Code's JSONC: comments and a trailing comma stay as written.
    let before = "{\n  // my servers\n  \"servers\": {\n    \"stint\": {\n      \"type\": \"stdio\",\n      \
                  \"command\": \"/old/stint\",\n      \"args\": [\"mcp\"],\n      \
                  \"env\": { \"STINT_LOG\": \"info\" },\n      \"dev\": { \"watch\": \"x\" },\n    },\n  },\n}\n";
    std::fs::write(&file, before).unwrap();
    stint(&["setup", "vscode", "--config", f, "--db", "/data/t.db"])
        .run()
        .ok();
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        before.replace("/old/stint", &bin()).replace(
            "{ \"STINT_LOG\": \"info\" }",
            "{\n        \"STINT_LOG\": \"info\",\n        \"STINT_DB\": \"/data/t.db\"\n      }"
        )
    );
}

#[test]
fn a_malformed_file_is_refused_with_its_line_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(".claude.json");
    let f = file.to_str().unwrap();
    let before =
        "{\n  \"mcpServers\": {\n    \"a\": { \"command\": \"x\" }\n    \"b\": {}\n  }\n}\n";
    std::fs::write(&file, before).unwrap();
    let out = stint(&["setup", "claude-code", "--config", f])
        .run()
        .fails();
    assert_eq!(
        out.stderr,
        format!(
            "stint: cannot edit {f}: line 3, column 28: Expected comma. Nothing was written; fix \
             the file (or move it away) and run `stint setup claude-code` again\n"
        )
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), before);
    assert_eq!(files(dir.path()), [".claude.json"]);

    // A servers list of the wrong type: named, nothing written.
    std::fs::write(&file, "{\"mcpServers\": []}").unwrap();
    let out = stint(&["setup", "claude-code", "--config", f])
        .run()
        .fails();
    assert!(
        out.stderr
            .contains(&format!("cannot edit {f}: \"mcpServers\" is not an object")),
        "{}",
        out.stderr
    );
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "{\"mcpServers\": []}"
    );
    assert_eq!(files(dir.path()), [".claude.json"]);

    // Broken TOML for Codex: the line too.
    let toml = dir.path().join("config.toml");
    std::fs::write(&toml, "model = \"o3\"\n[mcp_servers.x\ncommand = 1\n").unwrap();
    let t = toml.to_str().unwrap();
    let out = stint(&["setup", "codex", "--config", t]).run().fails();
    assert!(
        out.stderr
            .starts_with(&format!("stint: cannot edit {t}: line 2, column 15: ")),
        "{}",
        out.stderr
    );
}

#[test]
fn codex_toml_keeps_comments_and_other_servers() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("config.toml");
    let f = file.to_str().unwrap();
    let before = "# my Codex settings\nmodel = \"o3\"\n\n[mcp_servers.context7]\n\
                  command = \"npx\"   # pinned\nargs = [\"-y\", \"@upstash/context7-mcp\"]\n";
    std::fs::write(&file, before).unwrap();
    let out = stint(&[
        "setup",
        "codex",
        "--config",
        f,
        "--db",
        "/data/t.db",
        "--dry-run",
    ])
    .run()
    .ok();
    let bin = bin();
    assert_eq!(
        out.stdout,
        format!(
            "--- {f}\n+++ {f}\n@@ -4,3 +4,8 @@
 [mcp_servers.context7]
 command = \"npx\"   # pinned
 args = [\"-y\", \"@upstash/context7-mcp\"]
+
+[mcp_servers.stint]
+command = \"{bin}\"
+args = [\"mcp\"]
+env = {{ STINT_DB = \"/data/t.db\" }}
Dry run: nothing was written. Run `stint setup codex` without --dry-run to apply it.
"
        )
    );
    stint(&["setup", "codex", "--config", f, "--db", "/data/t.db"])
        .run()
        .ok();
    let after = std::fs::read_to_string(&file).unwrap();
    assert_eq!(
        after,
        format!(
            "{before}\n[mcp_servers.stint]\ncommand = \"{bin}\"\nargs = [\"mcp\"]\n\
             env = {{ STINT_DB = \"/data/t.db\" }}\n"
        )
    );
    let out = stint(&["setup", "codex", "--config", f, "--db", "/data/t.db"])
        .run()
        .ok();
    assert_eq!(
        out.stdout,
        format!("stint is already set up for Codex in {f}: nothing to change.\n")
    );
    assert_eq!(std::fs::read_to_string(&file).unwrap(), after);
}

/// A home folder with config files for some clients, and the environment that points there.
fn home_with_configs() -> (tempfile::TempDir, Vec<(&'static str, PathBuf)>) {
    let home = tempfile::tempdir().unwrap();
    let h = home.path();
    let bin = bin();
    // Cursor: set up with this binary.
    std::fs::create_dir_all(h.join(".cursor")).unwrap();
    std::fs::write(
        h.join(".cursor/mcp.json"),
        format!(
            "{{\"mcpServers\": {{\"stint\": {{\"command\": \"{bin}\", \"args\": [\"mcp\"]}}}}}}"
        ),
    )
    .unwrap();
    // VS Code: a file without stint.
    std::fs::create_dir_all(h.join("config/Code/User")).unwrap();
    std::fs::write(
        h.join("config/Code/User/mcp.json"),
        "{\"servers\": {\"other\": {\"type\": \"stdio\", \"command\": \"other\"}}}",
    )
    .unwrap();
    // Windsurf: malformed.
    std::fs::create_dir_all(h.join(".codeium/windsurf")).unwrap();
    std::fs::write(
        h.join(".codeium/windsurf/mcp_config.json"),
        "{\"mcpServers\": {",
    )
    .unwrap();
    // Codex (in CODEX_HOME): stint at a binary that is gone.
    std::fs::create_dir_all(h.join("codex")).unwrap();
    std::fs::write(
        h.join("codex/config.toml"),
        "[mcp_servers.stint]\ncommand = \"/gone/stint\"\nargs = [\"mcp\"]\n",
    )
    .unwrap();
    let env = vec![
        ("HOME", h.to_path_buf()),
        ("XDG_CONFIG_HOME", h.join("config")),
        ("CODEX_HOME", h.join("codex")),
    ];
    (home, env)
}

#[test]
fn check_says_for_each_client_whether_stint_is_there_and_its_binary_exists() {
    let (home, env) = home_with_configs();
    let h = home.path();
    let with_env = |args: &[&str]| {
        let mut cmd = stint(args);
        for (k, v) in &env {
            cmd = cmd.env(k, v);
        }
        cmd
    };
    let out = with_env(&["setup", "--check", "--json"]).run().ok();
    let p = |rel: &str| h.join(rel).display().to_string();
    assert_eq!(
        out.json(),
        json!([
            {"client": "claude-code", "config": p(".claude.json"), "config_exists": false,
             "configured": false, "command": null, "command_exists": null, "error": null},
            {"client": "claude-desktop", "config": p("config/Claude/claude_desktop_config.json"),
             "config_exists": false, "configured": false, "command": null,
             "command_exists": null, "error": null},
            {"client": "cursor", "config": p(".cursor/mcp.json"), "config_exists": true,
             "configured": true, "command": bin(), "command_exists": true, "error": null},
            {"client": "vscode", "config": p("config/Code/User/mcp.json"), "config_exists": true,
             "configured": false, "command": null, "command_exists": null, "error": null},
            {"client": "windsurf", "config": p(".codeium/windsurf/mcp_config.json"),
             "config_exists": true, "configured": false, "command": null,
             "command_exists": null, "error": "line 1, column 16: Unterminated object"},
            {"client": "codex", "config": p("codex/config.toml"), "config_exists": true,
             "configured": true, "command": "/gone/stint", "command_exists": false,
             "error": null},
        ])
    );
    // The table says the same in words.
    let out = with_env(&["setup", "--check"])
        .env("COLUMNS", "300")
        .run()
        .ok();
    let rows: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with('│')).collect();
    let cells = |row: &str| -> Vec<String> {
        row.split(['│', '┆'])
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_owned)
            .collect()
    };
    assert_eq!(cells(rows[0]), ["Client", "Config file", "stint"]);
    assert_eq!(
        cells(rows[1]),
        ["claude-code", &p(".claude.json"), "no config file"]
    );
    assert_eq!(
        cells(rows[3]),
        [
            "cursor",
            &p(".cursor/mcp.json"),
            &format!("set up: {}", bin())
        ]
    );
    assert_eq!(
        cells(rows[4]),
        ["vscode", &p("config/Code/User/mcp.json"), "not set up"]
    );
    assert_eq!(
        cells(rows[6]),
        [
            "codex",
            &p("codex/config.toml"),
            "set up, but /gone/stint is missing: run `stint setup` again"
        ]
    );

    // Setting up Codex through its own path fixes it, and the check then agrees.
    with_env(&["setup", "codex"]).run().ok();
    let out = with_env(&["setup", "codex", "--check", "--json"])
        .run()
        .ok();
    assert_eq!(
        out.json(),
        json!([{"client": "codex", "config": p("codex/config.toml"), "config_exists": true,
                "configured": true, "command": bin(), "command_exists": true, "error": null}])
    );
    assert_eq!(
        std::fs::read_to_string(h.join("codex/config.toml")).unwrap(),
        format!(
            "[mcp_servers.stint]\ncommand = \"{}\"\nargs = [\"mcp\"]\n",
            bin()
        )
    );
}

#[test]
fn a_symlinked_config_stays_a_link_and_a_byte_order_mark_stays_first() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("dotfiles-mcp.json");
    let before = "\u{feff}{\n  \"mcpServers\": {}\n}\n";
    std::fs::write(&real, before).unwrap();
    let link = dir.path().join("mcp.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    stint(&["setup", "windsurf", "--config", link.to_str().unwrap()])
        .run()
        .ok();
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        std::fs::read_to_string(&real).unwrap(),
        format!(
            "\u{feff}{{\n  \"mcpServers\": {{\n    \"stint\": {{\n      \"command\": \"{}\",\n      \
             \"args\": [\"mcp\"]\n    }}\n  }}\n}}\n",
            bin()
        )
    );
    let names = files(dir.path());
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(names[1].starts_with("dotfiles-mcp.json.bak-"), "{names:?}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join(&names[1])).unwrap(),
        before
    );
}
