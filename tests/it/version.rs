//! `stint --version` names the commit it was built from (build.rs, build/version.rs): the
//! end-to-end answer of the binary under test, and the rules for a build from a tarball, from
//! a tarball unpacked inside another repository, without git installed, and with
//! `STINT_COMMIT` set.

use std::path::Path;

use super::util::stint;

#[path = "../../build/version.rs"]
mod rules;

#[test]
fn version_flag_names_the_commit_of_the_checkout() {
    let out = stint(&["--version"]).ok().stdout;
    let version = env!("CARGO_PKG_VERSION");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    match (option_env!("STINT_COMMIT"), rules::read_head(repo)) {
        (Some(given), _) => assert_eq!(out, format!("stint {version} ({})\n", given.trim())),
        (None, Some(head)) => {
            // "stint 0.1.0 (abc1234 2026-12-07)\n" (without the date when git is not
            // installed), the hash a prefix of HEAD's.
            let rest = out
                .strip_prefix(&format!("stint {version} ("))
                .and_then(|r| r.strip_suffix(")\n"))
                .unwrap_or_else(|| panic!("no commit in {out:?}"));
            let (hash, date) = rest.split_once(' ').unwrap_or((rest, ""));
            assert!(hash.len() >= 7, "{out:?}");
            assert!(
                head.hash.starts_with(hash),
                "{out:?} does not name HEAD {}",
                head.hash
            );
            if !date.is_empty() {
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
        rules::version_text("0.1.0", None, Some(git), None),
        "0.1.0 (abc1234 2026-12-07)"
    );
    assert_eq!(
        rules::version_text("0.1.0", Some(" def5678 2026-12-01 "), Some(git), None),
        "0.1.0 (def5678 2026-12-01)"
    );
    // An empty STINT_COMMIT does not hide git's answer.
    assert_eq!(
        rules::version_text("0.1.0", Some(""), Some(git), None),
        "0.1.0 (abc1234 2026-12-07)"
    );
    // A tarball without .git, or without git installed.
    assert_eq!(rules::version_text("0.1.0", None, None, None), "0.1.0");
    // A tarball unpacked inside some other repository: that repository's commit is not ours.
    let outer = rules::GitAnswer {
        toplevel: "/",
        ..git
    };
    assert_eq!(
        rules::version_text("0.1.0", None, Some(outer), None),
        "0.1.0"
    );
    // No git program: the hash from .git's files, without a date; git's answer wins.
    let head = rules::Head {
        hash: "0123456789abcdef0123456789abcdef01234567".into(),
        watched: Vec::new(),
    };
    assert_eq!(
        rules::version_text("0.1.0", None, None, Some(&head)),
        "0.1.0 (0123456)"
    );
    assert_eq!(
        rules::version_text("0.1.0", None, Some(git), Some(&head)),
        "0.1.0 (abc1234 2026-12-07)"
    );
    // Whatever the variable holds, one short line.
    let long = format!("a\nb\t{}", "x".repeat(200));
    let text = rules::version_text("0.1.0", Some(&long), None, None);
    assert_eq!(text, format!("0.1.0 (a b {})", "x".repeat(60)));
}

/// HEAD read from `.git`'s files: on a branch (loose ref or packed-refs), detached, in a
/// worktree (`.git` a file naming its folder), and no `.git` at all.
#[test]
fn head_is_read_from_the_git_folder_without_git() {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    let git = repo.join(".git");
    std::fs::create_dir_all(git.join("refs/heads")).unwrap();
    let a = "a".repeat(40);
    let b = "b".repeat(40);
    std::fs::write(git.join("HEAD"), "ref: refs/heads/main\n").unwrap();
    std::fs::write(git.join("refs/heads/main"), format!("{a}\n")).unwrap();
    let head = rules::read_head(&repo).unwrap();
    assert_eq!(head.hash, a);
    assert_eq!(
        head.watched,
        [git.join("HEAD"), git.join("refs/heads/main")]
    );
    // Packed: the ref's folder is watched too (a commit writes a loose ref there).
    std::fs::remove_file(git.join("refs/heads/main")).unwrap();
    std::fs::write(
        git.join("packed-refs"),
        format!("# pack-refs with: peeled fully-peeled sorted\n{b} refs/heads/main\n"),
    )
    .unwrap();
    let head = rules::read_head(&repo).unwrap();
    assert_eq!(head.hash, b);
    assert_eq!(
        head.watched,
        [
            git.join("HEAD"),
            git.join("packed-refs"),
            git.join("refs/heads")
        ]
    );
    // Detached.
    std::fs::write(git.join("HEAD"), format!("{a}\n")).unwrap();
    assert_eq!(rules::read_head(&repo).unwrap().hash, a);
    // A worktree: its own HEAD, the branches in the common folder.
    let wt = dir.path().join("wt");
    let wt_git = git.join("worktrees/wt");
    std::fs::create_dir_all(&wt_git).unwrap();
    std::fs::create_dir_all(&wt).unwrap();
    std::fs::write(wt.join(".git"), format!("gitdir: {}\n", wt_git.display())).unwrap();
    std::fs::write(wt_git.join("commondir"), "../..\n").unwrap();
    std::fs::write(wt_git.join("HEAD"), "ref: refs/heads/topic\n").unwrap();
    std::fs::write(git.join("refs/heads/topic"), format!("{b}\n")).unwrap();
    assert_eq!(rules::read_head(&wt).unwrap().hash, b);
    // A tarball.
    assert_eq!(rules::read_head(dir.path()), None);
}
