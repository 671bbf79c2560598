//! The text after `stint ` in `stint --version`: the package version, then the commit it was
//! built from when known, e.g. `0.1.0 (abc1234 2026-12-07)`.
//!
//! Shared by the build script (`build.rs`, which decides) and the tests (which check the
//! rules without building again).

/// Where the commit comes from, first match wins:
/// 1. `STINT_COMMIT` set at build time (a release pipeline or a distribution building from a
///    tarball): its text, trimmed (e.g. `abc1234 2026-12-07`, or just a hash);
/// 2. git, when the source tree is a git checkout of its own (`git_toplevel` is the package
///    folder, so a tarball unpacked inside some other repository does not take that
///    repository's commit): `git log -1 --format='%h %cs'`;
/// 3. nothing: the plain package version.
pub fn version_text(
    package_version: &str,
    env_commit: Option<&str>,
    git: Option<GitAnswer<'_>>,
) -> String {
    let commit = env_commit
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .or_else(|| {
            let git = git?;
            (normalize(git.toplevel) == normalize(git.package_dir))
                .then(|| git.head.trim().to_owned())
                .filter(|h| !h.is_empty())
        });
    match commit {
        // Keep the line short and free of control characters whatever the variable holds.
        Some(c) => {
            let c: String = c
                .chars()
                .map(|ch| if ch.is_control() { ' ' } else { ch })
                .take(64)
                .collect();
            format!("{package_version} ({c})")
        }
        None => package_version.to_owned(),
    }
}

/// What git said about the source tree.
#[derive(Debug, Clone, Copy)]
pub struct GitAnswer<'a> {
    /// `git rev-parse --show-toplevel`.
    pub toplevel: &'a str,
    /// The package's folder (`CARGO_MANIFEST_DIR`).
    pub package_dir: &'a str,
    /// `git log -1 --format='%h %cs'`: short hash and commit date.
    pub head: &'a str,
}

fn normalize(path: &str) -> std::path::PathBuf {
    let path = std::path::Path::new(path.trim());
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}
