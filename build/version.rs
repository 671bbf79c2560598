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
/// 3. without a `git` program, HEAD read from the package's own `.git` ([`read_head`]): the
///    first 7 digits of the hash, no date;
/// 4. nothing: the plain package version.
pub fn version_text(
    package_version: &str,
    env_commit: Option<&str>,
    git: Option<GitAnswer<'_>>,
    head: Option<&Head>,
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
        })
        .or_else(|| head.map(|h| h.hash.chars().take(7).collect()));
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

/// The commit HEAD names in `repo`'s own `.git`, read from its files (no `git` program).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Head {
    /// The full hex hash.
    pub hash: String,
    /// The files it was read from (HEAD, the branch's ref or packed-refs): a build that
    /// depends on HEAD is redone when one of them changes.
    pub watched: Vec<std::path::PathBuf>,
}

/// Reads HEAD of the checkout at `repo` (`repo/.git` a folder, or a file `gitdir: PATH` for a
/// worktree), following a branch to its ref file or `packed-refs`. `None` when `repo` has no
/// `.git` (a tarball) or it cannot be read.
pub fn read_head(repo: &std::path::Path) -> Option<Head> {
    use std::path::PathBuf;
    let dot_git = repo.join(".git");
    let git_dir: PathBuf = if dot_git.is_dir() {
        dot_git
    } else {
        let text = std::fs::read_to_string(&dot_git).ok()?;
        let path = PathBuf::from(text.trim().strip_prefix("gitdir:")?.trim());
        if path.is_absolute() {
            path
        } else {
            repo.join(path)
        }
    };
    // A worktree keeps its HEAD in its own folder and its branches in the common one.
    let common = match std::fs::read_to_string(git_dir.join("commondir")) {
        Ok(rel) => git_dir.join(rel.trim()),
        Err(_) => git_dir.clone(),
    };
    let head_file = git_dir.join("HEAD");
    let head = std::fs::read_to_string(&head_file).ok()?;
    let mut watched = vec![head_file];
    let Some(reference) = head.trim().strip_prefix("ref:").map(str::trim) else {
        return Some(Head {
            hash: head.trim().to_owned(),
            watched,
        });
    };
    for dir in [&git_dir, &common] {
        let file = dir.join(reference);
        if let Ok(hash) = std::fs::read_to_string(&file) {
            watched.push(file);
            return Some(Head {
                hash: hash.trim().to_owned(),
                watched,
            });
        }
    }
    let packed_file = common.join("packed-refs");
    let packed = std::fs::read_to_string(&packed_file).ok()?;
    let line = packed
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(reference))?;
    watched.push(packed_file);
    // A commit writes the branch's loose ref, in a folder that then changes.
    if let Some(folder) = common.join(reference).parent().filter(|f| f.is_dir()) {
        watched.push(folder.to_path_buf());
    }
    Some(Head {
        hash: line.split_whitespace().next()?.to_owned(),
        watched,
    })
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
