//! Stops the build, saying what to do, when the bundled SQLite would be compiled without the
//! session extension.
//!
//! libsqlite3-sys compiles SQLite with the flags in `LIBSQLITE3_FLAGS`, which the repository's
//! `.cargo/config.toml` sets. A build that does not read that file (run from outside the
//! repository, or with `LIBSQLITE3_FLAGS` already set in the environment to something else)
//! would otherwise fail much later, at link time, with "undefined reference to
//! sqlite3session_create".

fn main() {
    println!("cargo:rerun-if-env-changed=LIBSQLITE3_FLAGS");
    println!("cargo:rerun-if-changed=build.rs");
    let flags = std::env::var("LIBSQLITE3_FLAGS").unwrap_or_default();
    let has = |name: &str| {
        flags
            .split_whitespace()
            .any(|f| f == name || f.strip_prefix("-D") == Some(name))
    };
    let missing: Vec<&str> = ["SQLITE_ENABLE_SESSION", "SQLITE_ENABLE_PREUPDATE_HOOK"]
        .into_iter()
        .filter(|f| !has(f))
        .collect();
    if !missing.is_empty() {
        panic!(
            "stint needs SQLite's session extension, but LIBSQLITE3_FLAGS ({flags:?}) lacks {}. \
             Build from the stint repository (its .cargo/config.toml sets \
             LIBSQLITE3_FLAGS=\"-DSQLITE_ENABLE_SESSION -DSQLITE_ENABLE_PREUPDATE_HOOK\"), \
             or set that variable yourself.",
            missing.join(" and ")
        );
    }
}
