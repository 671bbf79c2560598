//! Tidy checks on the source tree, in the manner of rust-analyzer's `tidy.rs`: the layering
//! that ARCHITECTURE.md states is checked here, so a change that breaks it fails `cargo test`
//! with the file and line to fix.
//!
//! - SQL and rusqlite only in `src/store/`;
//! - rmcp, serde and JSON only in `src/mcp/` (and the importers' file formats in
//!   `src/service/import/`);
//! - clap, comfy-table, indicatif and printing to the terminal only in `src/cli/` (and
//!   `src/main.rs`, which sets up logging and prints the last error);
//! - every module starts with a `//!` doc saying what it owns.

use std::path::{Path, PathBuf};

fn sources() -> Vec<PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut out = Vec::new();
    walk(&Path::new(env!("CARGO_MANIFEST_DIR")).join("src"), &mut out);
    out.sort();
    out
}

/// `path` relative to the crate root, with `/` separators.
fn rel(path: &Path) -> String {
    path.strip_prefix(env!("CARGO_MANIFEST_DIR"))
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The code lines of `text` (comments dropped), numbered from 1.
fn code_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l))
        .filter(|(_, l)| !l.trim_start().starts_with("//"))
}

/// Lines outside the folders in `allowed` that contain one of `needles`.
fn offenders(needles: &[&str], allowed: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in sources() {
        let name = rel(&path);
        if allowed.iter().any(|a| name.starts_with(a)) {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in code_lines(&text) {
            if let Some(needle) = needles.iter().find(|needle| line.contains(*needle)) {
                found.push(format!("{name}:{n}: `{needle}` in `{}`", line.trim()));
            }
        }
    }
    found
}

fn check(what: &str, found: Vec<String>) {
    assert!(
        found.is_empty(),
        "{what}; move these into the module that owns them:\n{}",
        found.join("\n")
    );
}

#[test]
fn sql_and_rusqlite_only_in_store() {
    check(
        "SQL and rusqlite belong in src/store",
        offenders(
            &[
                "rusqlite",
                "SELECT ",
                "INSERT INTO",
                "DELETE FROM",
                "CREATE TABLE",
                "CREATE INDEX",
                "PRAGMA ",
            ],
            &["src/store/"],
        ),
    );
}

#[test]
fn rmcp_serde_and_json_only_in_mcp() {
    check(
        "rmcp, serde and JSON belong in src/mcp",
        offenders(
            &[
                "rmcp::",
                "use rmcp",
                "serde::",
                "use serde",
                "serde_json",
                "Serialize",
                "Deserialize",
                "JsonSchema",
            ],
            // Importers read other trackers' JSON exports (Timewarrior, Watson) and stint's
            // portable JSON copy: that parsing is format code, like CSV, and lives with the
            // import that checks and writes it. Nothing else in the service may use serde.
            &["src/mcp/", "src/service/import/"],
        ),
    );
}

#[test]
fn clap_and_printing_only_in_cli() {
    check(
        "clap, tables, progress bars and terminal output belong in src/cli",
        offenders(
            &[
                "clap::",
                "use clap",
                "comfy_table",
                "indicatif",
                "println!",
                "print!(",
                "eprintln!",
                "eprint!(",
                "std::io::stdout",
                "std::io::stderr",
            ],
            &["src/cli/", "src/main.rs"],
        ),
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let missing: Vec<String> = sources()
        .into_iter()
        .filter(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            !text.trim_start().starts_with("//!")
        })
        .map(|p| rel(&p))
        .collect();
    assert!(
        missing.is_empty(),
        "these modules have no `//!` doc at the top; say what the module owns:\n{}",
        missing.join("\n")
    );
}

#[test]
fn the_checks_see_the_tree() {
    // A tidy check that reads no file passes whatever the tree holds.
    let names: Vec<String> = sources().iter().map(|p| rel(p)).collect();
    for expected in [
        "src/store/mod.rs",
        "src/service/mod.rs",
        "src/mcp/http.rs",
        "src/cli/mod.rs",
    ] {
        assert!(names.iter().any(|n| n == expected), "{expected} not found");
    }
    assert!(!offenders(&["rusqlite"], &[]).is_empty());
    assert!(!offenders(&["println!"], &[]).is_empty());
}
