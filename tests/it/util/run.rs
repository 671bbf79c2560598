//! The one way tests run the `stint` binary: [`Stint`] (a database in its own temporary folder)
//! and [`Cmd`] (one run: arguments, environment, standard input, a wrapper such as `setpriv`),
//! giving an [`Output`] whose [`Output::ok`] / [`Output::fails`] print the command line and
//! both streams when the exit status is not the one the test expects.
//!
//! Every run starts from a clean environment for stint: `TZ=UTC`, `COLUMNS=80`, no inherited
//! `STINT_*`, `NO_COLOR` or `COMPLETE` variable (a developer's shell must not change an answer),
//! and a hang guard ([`HANG_GUARD`]) that kills the process and fails with what it printed.

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

/// The path of the binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_stint");

/// How long one run may take before the test fails as hung. A guard against hangs, not a
/// measurement: timings live in `benches/` and `scripts/bench*.py`.
pub const HANG_GUARD: Duration = Duration::from_secs(300);

/// A database in its own temporary folder, and the binary run on it (`STINT_DB`, with the
/// folder as the working directory).
#[derive(Debug)]
pub struct Stint {
    pub dir: tempfile::TempDir,
    db: PathBuf,
}

impl Default for Stint {
    fn default() -> Self {
        Self::new()
    }
}

impl Stint {
    /// A new empty folder; the database `stint.db` in it is created by the first run.
    pub fn new() -> Stint {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("stint.db");
        Stint { dir, db }
    }

    /// The same, with the database file named `name` (some tests show the name in output).
    pub fn named(name: &str) -> Stint {
        let mut s = Stint::new();
        s.db = s.dir.path().join(name);
        s
    }

    pub fn db(&self) -> &Path {
        &self.db
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// `stint ARGS` on this database, to add environment, input or a wrapper before running.
    pub fn cmd(&self, args: &[&str]) -> Cmd {
        stint(args).db(&self.db).current_dir(self.dir.path())
    }

    /// Runs `stint ARGS`, which must succeed; its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        self.cmd(args).ok().stdout
    }

    /// Runs `stint ARGS`, which must fail; its standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        self.cmd(args).fails().stderr
    }

    /// Runs `stint ARGS` whatever its outcome.
    pub fn run(&self, args: &[&str]) -> Output {
        self.cmd(args).run()
    }

    /// An MCP client talking to `stint mcp` on this database.
    pub fn mcp(&self) -> super::Mcp {
        super::Mcp::process(self.cmd(&["mcp"]))
    }
}

/// `stint ARGS` with no database chosen yet (see [`Cmd::db`]).
pub fn stint(args: &[&str]) -> Cmd {
    Cmd {
        wrapper: Vec::new(),
        program: BIN.into(),
        args: args.iter().map(OsString::from).collect(),
        env: vec![
            ("TZ".into(), Some("UTC".into())),
            ("COLUMNS".into(), Some("80".into())),
        ],
        cwd: None,
        stdin: None,
        timeout: HANG_GUARD,
    }
}

/// One run of the binary (or of another program, see [`Cmd::program`]), built up then run.
#[derive(Debug, Clone)]
pub struct Cmd {
    wrapper: Vec<OsString>,
    program: OsString,
    args: Vec<OsString>,
    /// Variables to set (`Some`) or remove (`None`), in order.
    env: Vec<(OsString, Option<OsString>)>,
    cwd: Option<PathBuf>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

impl Cmd {
    /// Runs another program than stint (a peer tool, a shell) with the same guard and report.
    pub fn program(program: impl AsRef<OsStr>, args: &[&str]) -> Cmd {
        let mut c = stint(args);
        c.program = program.as_ref().to_owned();
        c
    }

    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> Cmd {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I, S>(mut self, args: I) -> Cmd
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args
            .extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// The database (`STINT_DB`).
    pub fn db(self, db: impl AsRef<OsStr>) -> Cmd {
        self.env("STINT_DB", db)
    }

    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Cmd {
        self.env
            .push((key.as_ref().to_owned(), Some(value.as_ref().to_owned())));
        self
    }

    pub fn envs(mut self, vars: &[(&str, &str)]) -> Cmd {
        for (k, v) in vars {
            self = self.env(k, v);
        }
        self
    }

    pub fn env_remove(mut self, key: impl AsRef<OsStr>) -> Cmd {
        self.env.push((key.as_ref().to_owned(), None));
        self
    }

    pub fn current_dir(mut self, dir: impl AsRef<Path>) -> Cmd {
        self.cwd = Some(dir.as_ref().to_owned());
        self
    }

    /// Text on standard input (closed after it); without this, standard input is empty.
    pub fn stdin(mut self, input: impl AsRef<[u8]>) -> Cmd {
        self.stdin = Some(input.as_ref().to_vec());
        self
    }

    /// Runs the program through `wrapper` (`["setpriv", "--reuid=65534", ...]`, `["sh", "-c",
    /// "umask 022; exec \"$0\" \"$@\""]`): the wrapper's words, then the program and its args.
    pub fn wrapped(mut self, wrapper: &[impl AsRef<OsStr>]) -> Cmd {
        self.wrapper = wrapper.iter().map(|w| w.as_ref().to_owned()).collect();
        self
    }

    /// A longer or shorter hang guard than [`HANG_GUARD`].
    pub fn timeout(mut self, timeout: Duration) -> Cmd {
        self.timeout = timeout;
        self
    }

    /// The command line as a user would type it, for failure messages.
    pub fn line(&self) -> String {
        let mut words: Vec<String> = Vec::new();
        for (k, v) in &self.env {
            if let Some(v) = v
                && k != "TZ"
                && k != "COLUMNS"
            {
                words.push(format!("{}={}", k.to_string_lossy(), v.to_string_lossy()));
            }
        }
        for w in self
            .wrapper
            .iter()
            .chain(std::iter::once(&self.program))
            .chain(&self.args)
        {
            let w = w.to_string_lossy();
            let w = if w == BIN { "stint".into() } else { w };
            words.push(shlex::try_quote(&w).map_or_else(|_| w.to_string(), |q| q.into_owned()));
        }
        words.join(" ")
    }

    /// The `std::process::Command` this run would start, its standard streams not yet set.
    pub fn command(&self) -> Command {
        let mut cmd = match self.wrapper.split_first() {
            Some((w, rest)) => {
                let mut c = Command::new(w);
                c.args(rest).arg(&self.program);
                c
            }
            None => Command::new(&self.program),
        };
        cmd.args(&self.args);
        for (k, _) in std::env::vars_os() {
            let name = k.to_string_lossy();
            if name.starts_with("STINT_") || name == "NO_COLOR" || name == "COMPLETE" {
                cmd.env_remove(&k);
            }
        }
        for (k, v) in &self.env {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        if let Some(dir) = &self.cwd {
            cmd.current_dir(dir);
        }
        cmd
    }

    /// Starts the process with piped standard streams, for a test that talks to it while it
    /// runs (`stint serve`, `stint mcp`, a kill in the middle). The caller owns the child.
    pub fn spawn(&self) -> Child {
        self.command()
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start `{}`: {e}", self.line()))
    }

    /// Runs to the end (or to the hang guard, which fails the test) whatever the outcome.
    pub fn run(&self) -> Output {
        let mut child = self.spawn();
        let mut input = child.stdin.take().unwrap();
        let stdin = self.stdin.clone().unwrap_or_default();
        // A process that refuses to start may exit before reading: a broken pipe is fine.
        let feeder = std::thread::spawn(move || {
            let _ = input.write_all(&stdin);
        });
        let out = drain(child.stdout.take().unwrap());
        let err = drain(child.stderr.take().unwrap());
        let deadline = Instant::now() + self.timeout;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                let (out, err) = (out.join().unwrap(), err.join().unwrap());
                panic!(
                    "`{}` still ran after {:?} (hang guard); stdout:\n{}\nstderr:\n{}",
                    self.line(),
                    self.timeout,
                    String::from_utf8_lossy(&out),
                    String::from_utf8_lossy(&err)
                );
            }
            std::thread::sleep(Duration::from_millis(2));
        };
        let _ = feeder.join();
        let (stdout, stderr) = (out.join().unwrap(), err.join().unwrap());
        Output {
            line: self.line(),
            status,
            stdout: String::from_utf8_lossy(&stdout).into_owned(),
            stderr: String::from_utf8_lossy(&stderr).into_owned(),
            raw_stdout: stdout,
        }
    }

    /// Runs; the exit status must be success.
    pub fn ok(&self) -> Output {
        self.run().ok()
    }

    /// Runs; the exit status must be failure.
    pub fn fails(&self) -> Output {
        self.run().fails()
    }
}

fn drain(mut r: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

/// What one run printed and how it ended.
#[derive(Debug, Clone)]
pub struct Output {
    /// The command line, for messages.
    pub line: String,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
    /// Standard output as bytes (a PDF, a CSV with a BOM).
    pub raw_stdout: Vec<u8>,
}

impl Output {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// The exit code (`None` when a signal ended the process).
    pub fn code(&self) -> Option<i32> {
        self.status.code()
    }

    /// Fails the test, showing the command and both streams, unless the run succeeded.
    pub fn ok(self) -> Output {
        assert!(self.success(), "`{}` failed\n{}", self.line, self.report());
        self
    }

    /// Fails the test, showing the command and both streams, unless the run failed.
    pub fn fails(self) -> Output {
        assert!(
            !self.success(),
            "`{}` should have failed\n{}",
            self.line,
            self.report()
        );
        self
    }

    /// The status and both streams, for an assertion message.
    pub fn report(&self) -> String {
        format!(
            "({})\n--- stdout\n{}--- stderr\n{}",
            self.status, self.stdout, self.stderr
        )
    }

    /// `(success, stdout, stderr)`, the shape the older per-module helpers returned.
    pub fn triple(self) -> (bool, String, String) {
        (self.status.success(), self.stdout, self.stderr)
    }

    /// Standard output read as JSON (`--json`).
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("`{}` printed no JSON ({e})\n{}", self.line, self.report()))
    }
}
