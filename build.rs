//! Links the `stint` binary as a position-dependent executable on Linux.
//!
//! A position-independent (PIE) `stint` spends about 0.8 ms of every start applying some
//! 50,000 relative relocations, which copy-on-write 1.4 MiB of pages: more than half of what
//! `stint --version` costs (measured with `perf stat` and callgrind; see ARCHITECTURE.md,
//! "Start-up"). `stint start`, `stint stop` and every report are short processes, so that
//! time counts. The price is that the binary's own code is not placed at a random address
//! (libraries, heap and stack still are).
//!
//! It also names the commit `stint --version` prints (`STINT_VERSION_TEXT`; the rules are in
//! build/version.rs).

#[path = "build/version.rs"]
mod version;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=build/version.rs");
    version_env();
    if std::env::var("CARGO_CFG_TARGET_OS").as_deref() == Ok("linux") {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

/// Sets `STINT_VERSION_TEXT` for the `stint` binary (and the tests) from `STINT_COMMIT`, git
/// or the `.git` folder.
fn version_env() {
    println!("cargo:rerun-if-env-changed=STINT_COMMIT");
    let package_version = std::env::var("CARGO_PKG_VERSION").unwrap_or_default();
    let package_dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default();
    let env_commit = std::env::var("STINT_COMMIT").ok();
    let git = |args: &[&str]| -> Option<String> {
        let out = std::process::Command::new("git")
            .arg("-C")
            .arg(&package_dir)
            .args(args)
            .stderr(std::process::Stdio::null())
            .output()
            .ok()?;
        out.status
            .success()
            .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    let (toplevel, head) = if env_commit.is_none() {
        (
            git(&["rev-parse", "--show-toplevel"]),
            git(&["log", "-1", "--format=%h %cs"]),
        )
    } else {
        (None, None)
    };
    // Build again when HEAD moves (a checkout, a commit): the files HEAD was read from. Only
    // files that exist: a missing one would rerun this every build.
    let from_files = version::read_head(std::path::Path::new(&package_dir));
    if let Some(found) = &from_files {
        for path in &found.watched {
            println!("cargo:rerun-if-changed={}", path.display());
        }
    }
    let answer = match (&toplevel, &head) {
        (Some(toplevel), Some(head)) => Some(version::GitAnswer {
            toplevel,
            package_dir: &package_dir,
            head,
        }),
        _ => None,
    };
    let text = version::version_text(
        &package_version,
        env_commit.as_deref(),
        answer,
        from_files.as_ref(),
    );
    println!("cargo:rustc-env=STINT_VERSION_TEXT={text}");
}
