//! Tidy checks on the source tree, in the manner of rust-analyzer's `tidy.rs`, for what the
//! compiler cannot see. The layering itself is the crate graph (`crates/`): a layer cannot name
//! a crate above it. What is checked here:
//!
//! - each layer crate's manifest names none of the libraries its layer must not know (the
//!   domain: no SQLite, MCP, CLI, HTTP or async runtime; the store: no MCP, CLI or HTTP; ...),
//!   so a layer cannot grow a dependency the architecture forbids;
//! - the clock is read only by `SystemClock` in the service (`Utc::now`, `Local::now`,
//!   `SystemTime::now`), so tests can freeze time;
//! - every module starts with a `//!` doc saying what it owns.

use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file of the binary (`src/`) and of the layer crates (`crates/*/src`).
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
    walk(&root().join("src"), &mut out);
    for krate in std::fs::read_dir(root().join("crates")).unwrap() {
        walk(&krate.unwrap().path().join("src"), &mut out);
    }
    out.sort();
    out
}

/// `path` relative to the repository root, with `/` separators.
fn rel(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap()
        .to_string_lossy()
        .replace('\\', "/")
}

/// The names in the `[dependencies]` table of a crate's manifest.
fn dependencies(krate: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("crates").join(krate).join("Cargo.toml"))
        .unwrap_or_else(|e| panic!("crates/{krate}/Cargo.toml: {e}"));
    let mut in_deps = false;
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if in_deps && !line.is_empty() && !line.starts_with('#') {
            let name = line.split(['=', '.']).next().unwrap().trim();
            out.push(name.to_string());
        }
    }
    out
}

#[test]
fn layers_know_only_what_they_may() {
    // (crate, libraries and crates it must not depend on)
    let front_ends = [
        "rmcp",
        "axum",
        "hyper",
        "clap",
        "comfy-table",
        "indicatif",
        "stint-mcp",
    ];
    let rules: &[(&str, &[&str])] = &[
        (
            "stint-domain",
            &[
                "rusqlite",
                "refinery",
                "rmcp",
                "clap",
                "tokio",
                "axum",
                "hyper",
                "serde",
                "serde_json",
                "stint-store",
                "stint-service",
                "stint-mcp",
                "stint-render",
            ],
        ),
        (
            "stint-render",
            &[
                "rusqlite",
                "refinery",
                "rmcp",
                "clap",
                "tokio",
                "axum",
                "stint-store",
            ],
        ),
        (
            "stint-store",
            &[
                "rmcp",
                "clap",
                "axum",
                "hyper",
                "tokio",
                "stint-sync",
                "stint-service",
                "stint-mcp",
            ],
        ),
        (
            "stint-sync",
            &[
                "rusqlite",
                "refinery",
                "rmcp",
                "clap",
                "axum",
                "hyper",
                "tokio",
                "comfy-table",
                "indicatif",
                "stint-service",
                "stint-mcp",
            ],
        ),
        ("stint-service", &front_ends),
        (
            "stint-api",
            &[
                "rusqlite",
                "refinery",
                "rmcp",
                "axum",
                "hyper",
                "tokio",
                "clap",
                "stint-store",
                "stint-mcp",
            ],
        ),
    ];
    let mut found = Vec::new();
    for (krate, forbidden) in rules {
        let deps = dependencies(krate);
        assert!(
            !deps.is_empty(),
            "crates/{krate}/Cargo.toml lists no dependencies"
        );
        for dep in deps.iter().filter(|d| forbidden.contains(&d.as_str())) {
            found.push(format!("crates/{krate} depends on {dep}"));
        }
    }
    assert!(
        found.is_empty(),
        "a layer depends on what it must not know (see ARCHITECTURE.md):\n{}",
        found.join("\n")
    );
}

#[test]
fn only_the_clock_reads_the_time() {
    let needles = ["Utc::now", "Local::now", "SystemTime::now"];
    let allowed = "crates/stint-service/src/lib.rs";
    let mut found = Vec::new();
    for path in sources() {
        let name = rel(&path);
        let text = std::fs::read_to_string(&path).unwrap();
        for (n, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("//") {
                continue;
            }
            if let Some(needle) = needles.iter().find(|needle| line.contains(*needle))
                && (name != allowed || *needle != "Utc::now")
            {
                found.push(format!("{name}:{}: `{needle}`", n + 1));
            }
        }
    }
    assert!(
        found.is_empty(),
        "read the time through the service's Clock, so tests can freeze it:\n{}",
        found.join("\n")
    );
}

#[test]
fn every_module_says_what_it_owns() {
    let all = sources();
    assert!(
        all.iter()
            .any(|p| rel(p) == "crates/stint-store/src/lib.rs")
    );
    assert!(all.iter().any(|p| rel(p) == "src/cli/mod.rs"));
    let missing: Vec<String> = all
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
