//! External programs some tests need, and running as a user file permissions apply to. A
//! missing one fails the test with the command that installs it: no test passes by skipping.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Where `name` is on `PATH`. Fails the test, with the install command, when it is nowhere.
///
/// `cargo test` needs no program beyond a Debian base system: the ones asked for here are
/// util-linux's `setpriv` (only when the tests run as root) and `unshare` (the full-disk
/// test). PDFs are read back with Rust crates and the Timewarrior and Watson exports are
/// checked-in fixtures; the live tools run in `.ci/run` (scripts/live-importers.sh).
pub fn require_tool(name: &str) -> PathBuf {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    });
    found.unwrap_or_else(|| {
        let how = match name {
            "setpriv" | "unshare" => "apt-get install util-linux",
            _ => "see scripts/setup-dev.sh",
        };
        panic!("{name} is not installed: run `{how}`; this test needs it")
    })
}

/// The wrapper that runs a program so that file permissions apply to it: nothing when this
/// process is already subject to them, `setpriv` to `nobody` when it runs as root. Fails the
/// test, saying why, when it is root and `setpriv` does not work. `scratch` is a writable
/// folder for the probe.
pub fn unprivileged(scratch: &Path) -> Vec<String> {
    use std::os::unix::fs::PermissionsExt;
    let probe = scratch.join("permission-probe");
    std::fs::create_dir(&probe).unwrap();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o555)).unwrap();
    let privileged = std::fs::write(probe.join("x"), "").is_ok();
    std::fs::set_permissions(&probe, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::remove_dir_all(&probe).unwrap();
    if !privileged {
        return Vec::new();
    }
    let setpriv = require_tool("setpriv");
    let wrapper = vec![
        setpriv.display().to_string(),
        "--reuid=65534".into(),
        "--regid=65534".into(),
        "--clear-groups".into(),
    ];
    let probe = Command::new(&wrapper[0])
        .args(&wrapper[1..])
        .arg("true")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output();
    match probe {
        Ok(out) if out.status.success() => wrapper,
        Ok(out) => panic!(
            "this test runs as root, where file permissions do not apply, and `setpriv --reuid=65534` \
             cannot drop to nobody here ({}): run it as an ordinary user or allow setpriv",
            String::from_utf8_lossy(&out.stderr).trim()
        ),
        Err(e) => panic!(
            "this test runs as root and cannot run setpriv ({e}): run it as an ordinary user"
        ),
    }
}
