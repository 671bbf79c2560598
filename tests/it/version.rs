//! `stint --version` names the commit it was built from (build.rs, build/version.rs): the
//! end-to-end answer of the binary under test, and the rules for a build from a tarball, from
//! a tarball unpacked inside another repository, and with `STINT_COMMIT` set.

use std::path::{Path, PathBuf};

use super::util::stint;

#[path = "../../build/version.rs"]
mod rules;

/// The commit HEAD names, read from the repository's files (no `git` program needed): the
/// full hex hash, or `None` when the source tree is not a git checkout.
fn head_commit(repo: &Path) -> Option<String> {
    let dot_git = repo.join(".git");
    let git_dir: PathBuf = if dot_git.is_dir() {
        dot_git
    } else {
        // A worktree or submodule: `.git` is a file "gitdir: PATH".
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
    let head = std::fs::read_to_string(git_dir.join("HEAD")).unwrap();
    let Some(reference) = head.trim().strip_prefix("ref:").map(str::trim) else {
        return Some(head.trim().to_owned());
    };
    for dir in [&git_dir, &common] {
        if let Ok(hash) = std::fs::read_to_string(dir.join(reference)) {
            return Some(hash.trim().to_owned());
        }
    }
    let packed = std::fs::read_to_string(common.join("packed-refs")).unwrap();
    let line = packed
        .lines()
        .find(|l| l.split_whitespace().nth(1) == Some(reference))
        .unwrap_or_else(|| panic!("HEAD names {reference}, which is nowhere in {common:?}"));
    Some(line.split_whitespace().next().unwrap().to_owned())
}

#[test]
fn version_flag_names_the_commit_of_the_checkout() {
    let out = stint(&["--version"]).ok().stdout;
    let version = env!("CARGO_PKG_VERSION");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    match (option_env!("STINT_COMMIT"), head_commit(repo)) {
        (Some(given), _) => assert_eq!(out, format!("stint {version} ({})\n", given.trim())),
        (None, Some(head)) => {
            // "stint 0.1.0 (abc1234 2026-12-07)\n", the hash a prefix of HEAD's.
            let rest = out
                .strip_prefix(&format!("stint {version} ("))
                .and_then(|r| r.strip_suffix(")\n"))
                .unwrap_or_else(|| panic!("no commit in {out:?}"));
            let (hash, date) = rest.split_once(' ').unwrap();
            assert!(hash.len() >= 7, "{out:?}");
            assert!(head.starts_with(hash), "{out:?} does not name HEAD {head}");
            let d: Vec<&str> = date.split('-').collect();
            assert_eq!(
                d.iter().map(|p| p.len()).collect::<Vec<_>>(),
                [4, 2, 2],
                "{out:?}: the date is not YYYY-MM-DD"
            );
            assert!(
                d.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit())),
                "{out:?}"
            );
        }
        // A source tarball: the plain version.
        (None, None) => assert_eq!(out, format!("stint {version}\n")),
    }
}

#[test]
fn version_text_prefers_stint_commit_then_git_then_nothing() {
    let here = env!("CARGO_MANIFEST_DIR");
    let git = rules::GitAnswer {
        toplevel: here,
        package_dir: here,
        head: "abc1234 2026-12-07\n",
    };
    assert_eq!(
        rules::version_text("0.1.0", None, Some(git)),
        "0.1.0 (abc1234 2026-12-07)"
    );
    assert_eq!(
        rules::version_text("0.1.0", Some(" def5678 2026-12-01 "), Some(git)),
        "0.1.0 (def5678 2026-12-01)"
    );
    // An empty STINT_COMMIT does not hide git's answer.
    assert_eq!(
        rules::version_text("0.1.0", Some(""), Some(git)),
        "0.1.0 (abc1234 2026-12-07)"
    );
    // A tarball without .git, or without git installed.
    assert_eq!(rules::version_text("0.1.0", None, None), "0.1.0");
    // A tarball unpacked inside some other repository: that repository's commit is not ours.
    let outer = rules::GitAnswer {
        toplevel: "/",
        ..git
    };
    assert_eq!(rules::version_text("0.1.0", None, Some(outer)), "0.1.0");
    // Whatever the variable holds, one short line.
    let long = format!("a\nb\t{}", "x".repeat(200));
    let text = rules::version_text("0.1.0", Some(&long), None);
    assert_eq!(text, format!("0.1.0 (a b {})", "x".repeat(60)));
}
