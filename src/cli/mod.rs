//! The human CLI: clap commands that call the same service use cases as the MCP tools, and
//! print tables and sentences.
//!
//! **Architecture invariant:** the only module that knows clap and terminal output.

mod billing;
mod catalog;
mod changes;
mod chart;
pub mod errors;
mod expenses;
mod import;
mod lazy;
pub mod people;
mod server;
pub mod setup;
mod shorthand;
mod style;
mod sync;
mod tasks;
mod team;
mod tracks;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Parser, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_api::json;
use stint_domain::entities::Track;
use stint_domain::time::format_hmm;
use stint_domain::track::elapsed_seconds;
use stint_service::{Caller, Frontend, ListTracks, Service, TimerStarted};

use lazy::Lazy;

/// stint: a local-first time tracker you drive from your AI assistant or the terminal.
#[derive(Debug, Parser)]
#[command(name = "stint", version = env!("STINT_VERSION_TEXT"), about, long_about = None)]
pub struct Cli {
    /// Database file [default: the platform data dir, e.g. ~/.local/share/stint/stint.db].
    #[arg(long, global = true, env = "STINT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Print what a command lists or shows as JSON, in the shapes of the MCP tools' results.
    #[arg(long, global = true)]
    pub json: bool,
    /// Colours: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, global = true, value_enum, default_value_t = style::ColorChoice::Auto)]
    pub color: style::ColorChoice,
    #[command(subcommand)]
    pub command: Command,
}

/// Commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve MCP on stdin/stdout (what Claude Code, Claude Desktop and Cursor spawn).
    Mcp(McpArgs),
    /// Start a timer (stops the running one first).
    Start(StartArgs),
    /// Stop the running timer.
    Stop(StopArgs),
    /// Start a timer like the last finished track (or track ID): same project, tags,
    /// description and billable flag.
    Continue(ContinueArgs),
    /// Show running timers.
    Status,
    /// Log finished work: two of a start, an end and a duration (`--end now --duration 45m`).
    Log(LogArgs),
    /// List tracks as a table, newest first (or all of them as CSV with --csv).
    Tracks(TracksArgs),
    /// Time report: a table grouped by period, project, client, tag or task.
    Report(billing::ReportArgs),
    /// Budget use of projects with a budget.
    Budget(billing::BudgetArgs),
    /// Invoices: create, list, show, send, paid, void, delete, export.
    #[command(subcommand)]
    Invoice(Lazy<billing::InvoiceCommand>),
    /// Serve MCP over HTTP at /api/mcp (Streamable HTTP and plain JSON-RPC POST), plus /health.
    Serve(ServeArgs),
    /// API tokens for `stint serve`.
    #[command(subcommand)]
    Token(Lazy<TokenCommand>),
    /// Import tracks from Toggl, Clockify or Harvest CSV, Timewarrior, Watson, stint CSV, or a
    /// `stint db export --json` copy; a re-import adds nothing.
    Import(import::ImportArgs),
    /// Database commands.
    #[command(subcommand)]
    Db(Lazy<DbCommand>),
    /// Undo a change (default: your latest CLI change still in effect); see `stint history`.
    Undo(changes::UndoArgs),
    /// List recorded changes, newest first, with their ids for `stint undo`.
    History(changes::HistoryArgs),
    /// Projects: add, list, show, edit, archive, delete.
    #[command(subcommand)]
    Project(Lazy<catalog::ProjectCommand>),
    /// Clients: add, list, show, edit, archive, delete.
    #[command(subcommand)]
    Client(Lazy<catalog::ClientCommand>),
    /// Tags: add, list, show, edit (rename), delete. Tags have no archive.
    #[command(subcommand)]
    Tag(Lazy<catalog::TagCommand>),
    /// Settings: `stint config get [KEY]`, `stint config set KEY VALUE`.
    #[command(subcommand)]
    Config(Lazy<catalog::ConfigCommand>),
    /// Change a track (only the fields given).
    Edit(EditArgs),
    /// Delete a track (`stint undo` brings it back).
    Delete(DeleteArgs),
    /// This week's hours per day and project as bars (the week of --date, by `week_start`).
    Week(WeekArgs),
    /// Print a shell completion script: `source <(stint completions bash)`; completes
    /// commands, flags, and project, client and tag names.
    Completions(CompletionsArgs),
    /// Tasks under projects: add, list, show, edit, archive, delete.
    #[command(subcommand)]
    Task(Lazy<tasks::TaskCommand>),
    /// Expenses billed beside time: add, list, edit, delete.
    #[command(subcommand)]
    Expense(Lazy<expenses::ExpenseCommand>),
    /// Milestones of projects, which hold tasks: add, list, show, edit, complete.
    #[command(subcommand)]
    Milestone(Lazy<team::MilestoneCommand>),
    /// Drafts an assistant wrote (`stint mcp --drafts`, a `--drafts` token): list them, or
    /// approve or discard them.
    Drafts(team::DraftsArgs),
    /// The people of a team: add, list, show, edit, archive, delete.
    #[command(subcommand)]
    Person(Lazy<people::PersonCommand>),
    /// Sync with your other devices through a shared folder or `stint serve` (`stint sync DIR`,
    /// `stint sync --url URL`, `stint sync status`).
    Sync(sync::SyncArgs),
    /// Add stint to an assistant's MCP servers (claude-code, claude-desktop, cursor, vscode,
    /// windsurf, codex), keeping the rest of its config; `--dry-run` shows the diff,
    /// `--check` what each assistant has.
    Setup(setup::SetupArgs),
}

impl Command {
    /// Whether this command serves a protocol (`stint mcp`, `stint serve`) rather than printing
    /// an answer and ending: a server outlives a peer that hangs up.
    pub fn is_server(&self) -> bool {
        matches!(self, Command::Mcp(_) | Command::Serve(_))
    }
}

/// `stint edit`.
#[derive(Debug, Args)]
pub struct EditArgs {
    /// The track's id (see `stint tracks`).
    pub id: i64,
    /// New start (same forms as `stint log --start`).
    #[arg(long)]
    pub start: Option<String>,
    /// New end.
    #[arg(long, conflicts_with = "duration")]
    pub end: Option<String>,
    /// New length from the start, e.g. 1h30m.
    #[arg(long)]
    pub duration: Option<String>,
    /// New description.
    #[arg(short, long)]
    pub description: Option<String>,
    /// Move to this project (id or name).
    #[arg(short, long, add = project_candidates(), conflicts_with = "no_project")]
    pub project: Option<String>,
    /// Take the track off its project.
    #[arg(long)]
    pub no_project: bool,
    /// Put it on this task (id or name within the project; "" removes the task).
    #[arg(short = 'k', long)]
    pub task: Option<String>,
    /// Replace the tags with these (repeatable).
    #[arg(short, long = "tag", add = tag_candidates(), conflicts_with = "no_tags")]
    pub tags: Vec<String>,
    /// Remove every tag.
    #[arg(long)]
    pub no_tags: bool,
    /// Billable.
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// Not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// Hourly rate for this track only ("" removes it).
    #[arg(long)]
    pub rate: Option<String>,
}

/// `stint delete`.
#[derive(Debug, Args)]
pub struct DeleteArgs {
    /// The track's id (see `stint tracks`).
    pub id: i64,
}

/// `stint week`.
#[derive(Debug, Args)]
pub struct WeekArgs {
    /// A day of the week to show: 2026-11-30, yesterday, monday, Nov 30, last week
    /// [default: today].
    #[arg(long)]
    pub date: Option<String>,
    /// Only this project.
    #[arg(short, long, add = project_candidates())]
    pub project: Option<String>,
    /// Only this client.
    #[arg(long, add = client_candidates())]
    pub client: Option<String>,
    /// Only this tag.
    #[arg(short, long, add = tag_candidates())]
    pub tag: Option<String>,
}

/// Shells `stint completions` writes a script for.
#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Elvish,
    Powershell,
}

/// `stint completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Names of `kind` in the database of `STINT_DB` (or the default one) for shell completion;
/// nothing when there is no database yet.
fn name_candidates(kind: stint_service::NameKind) -> Vec<clap_complete::CompletionCandidate> {
    let path = std::env::var_os("STINT_DB")
        .map(PathBuf::from)
        .or_else(Service::default_path);
    let Some(path) = path.filter(|p| p.is_file()) else {
        return Vec::new();
    };
    Service::open(&path, Caller::local(Frontend::Cli))
        .and_then(|svc| svc.complete_names(kind, ""))
        .map(|c| {
            c.values
                .into_iter()
                .map(clap_complete::CompletionCandidate::new)
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn project_candidates() -> clap_complete::ArgValueCandidates {
    clap_complete::ArgValueCandidates::new(|| name_candidates(stint_service::NameKind::Project))
}

pub(crate) fn client_candidates() -> clap_complete::ArgValueCandidates {
    clap_complete::ArgValueCandidates::new(|| name_candidates(stint_service::NameKind::Client))
}

pub(crate) fn tag_candidates() -> clap_complete::ArgValueCandidates {
    clap_complete::ArgValueCandidates::new(|| name_candidates(stint_service::NameKind::Tag))
}

/// How this process prints: JSON or text, with or without colours.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub json: bool,
    pub paint: style::Paint,
}

static OUT: std::sync::OnceLock<Out> = std::sync::OnceLock::new();

/// How this process prints (set once by [`run`]; text without colours before).
pub fn out() -> Out {
    OUT.get().copied().unwrap_or(Out {
        json: false,
        paint: style::Paint { enabled: false },
    })
}

/// A table in the CLI's style.
pub(crate) fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

/// `stint mcp`.
#[derive(Debug, Args)]
pub struct McpArgs {
    /// Serve only these groups of tools, comma-separated: tracks, catalog (projects, clients,
    /// tags), billing (invoices), analytics (reports, budgets), settings; or all.
    #[arg(
        long,
        env = "STINT_TOOLSETS",
        default_value = "all",
        value_name = "LIST"
    )]
    pub toolsets: String,
    /// Write drafts: the tracks and expenses the assistant creates or edits count nowhere
    /// until you approve them (`stint drafts approve`). The session may list and discard its
    /// drafts, never approve them.
    #[arg(long)]
    pub drafts: bool,
}

/// `stint serve`.
#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on. Every request needs a bearer token (see `stint token create`)
    /// unless --no-token is given.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: std::net::IpAddr,
    /// Port to listen on (0 picks a free one).
    #[arg(long, default_value_t = 8765)]
    pub port: u16,
    /// Also accept this Host header (repeatable), e.g. a LAN name.
    #[arg(long = "allow-host", value_name = "HOST")]
    pub allow_hosts: Vec<String>,
    /// Also accept this browser Origin (repeatable), e.g. `https://app.example:443`.
    #[arg(long = "allow-origin", value_name = "ORIGIN")]
    pub allow_origins: Vec<String>,
    /// Database connections for concurrent requests.
    #[arg(long, default_value_t = 4)]
    pub connections: usize,
    /// Serve without tokens, to local processes only (loopback --host): every caller gets
    /// scope write, client contact details redacted and no file writes.
    #[arg(long)]
    pub no_token: bool,
}

/// `stint token`.
#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print its secret (shown only once).
    Create {
        /// A name to recognise it by, e.g. laptop-script.
        #[arg(long)]
        name: String,
        /// read: read-only tools; write: adds creating and changing; admin: everything.
        #[arg(long)]
        scope: String,
        /// Let it see client contact details (email, phone, address, tax id), cost rates and
        /// margins.
        #[arg(long)]
        sensitive: bool,
        /// Its tracks and expenses (and edits of them) are drafts, counted nowhere until you
        /// approve them (`stint drafts approve`).
        #[arg(long)]
        drafts: bool,
        /// The person it speaks for (default: the owner); see `stint person list`.
        #[arg(long)]
        person: Option<String>,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by name.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// `stint start`.
#[derive(Debug, Args)]
pub struct StartArgs {
    /// What you are working on. Watson's short form works too: `stint start Website +design
    /// hero layout` (the first word is the project when the next is a +tag or it names an
    /// existing project; +tag words are tags; the rest is the description).
    #[arg(value_name = "DESCRIPTION")]
    pub words: Vec<String>,
    /// Project id or name; a missing one is created (unless --no-create).
    #[arg(short, long, add = project_candidates())]
    pub project: Option<String>,
    /// Do not create a missing project or tag: refuse, naming the closest ones.
    #[arg(long, conflicts_with = "create")]
    pub no_create: bool,
    /// Create a missing project or tag even when its name is close to an existing one (a
    /// name within two typos, or equal but for case and accents, is refused otherwise).
    #[arg(long)]
    pub create: bool,
    /// Tag id or name (repeatable); a missing one is created (unless --no-create).
    #[arg(short, long = "tag", add = tag_candidates())]
    pub tags: Vec<String>,
    /// Billable (default: the project's setting).
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// Not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// Start time, e.g. 09:00, 9am, "2026-11-20 09:00" [default: now].
    #[arg(long)]
    pub at: Option<String>,
    /// Task id or name (of the project; alone, it picks the project too).
    #[arg(short = 'k', long)]
    pub task: Option<String>,
    /// The project's client, when two clients have a project of that name.
    #[arg(long, add = client_candidates())]
    pub client: Option<String>,
}

/// `stint continue`.
#[derive(Debug, Args)]
pub struct ContinueArgs {
    /// The track to continue [default: the finished track that started last].
    pub id: Option<i64>,
}

/// `stint stop`.
#[derive(Debug, Args)]
pub struct StopArgs {
    /// End time [default: now].
    #[arg(long)]
    pub at: Option<String>,
    /// Which timer, when several run.
    #[arg(long)]
    pub id: Option<i64>,
}

/// `stint log`.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// What was done; the short form of `stint start` works too (`stint log Website +call
    /// "weekly sync" --start 9am --duration 30m`).
    #[arg(value_name = "DESCRIPTION")]
    pub words: Vec<String>,
    /// Start, e.g. 09:00, 9am, 2:30pm, noon, "yesterday 14:00" or "2026-11-20 09:00".
    #[arg(long)]
    pub start: Option<String>,
    /// End (same forms, or now); with --duration and no --start, the work ended then.
    #[arg(long)]
    pub end: Option<String>,
    /// Duration, e.g. 1h30m, 90m, 45min, "1 hour", "2 hrs", 1.5h, 01:30.
    #[arg(long)]
    pub duration: Option<String>,
    /// Project id or name; a missing one is created (unless --no-create).
    #[arg(short, long, add = project_candidates())]
    pub project: Option<String>,
    /// Do not create a missing project or tag: refuse, naming the closest ones.
    #[arg(long, conflicts_with = "create")]
    pub no_create: bool,
    /// Create a missing project or tag even when its name is close to an existing one (a
    /// name within two typos, or equal but for case and accents, is refused otherwise).
    #[arg(long)]
    pub create: bool,
    /// Tag id or name (repeatable); a missing one is created (unless --no-create).
    #[arg(short, long = "tag", add = tag_candidates())]
    pub tags: Vec<String>,
    /// Billable (default: the project's setting).
    #[arg(long, overrides_with = "no_billable")]
    pub billable: bool,
    /// Not billable.
    #[arg(long)]
    pub no_billable: bool,
    /// Hourly rate for this track only.
    #[arg(long)]
    pub rate: Option<String>,
    /// Task id or name (of the project; alone, it picks the project too).
    #[arg(short = 'k', long)]
    pub task: Option<String>,
    /// The project's client, when two clients have a project of that name.
    #[arg(long, add = client_candidates())]
    pub client: Option<String>,
    /// Record it even if a track of the same project, times and description exists.
    #[arg(long)]
    pub allow_duplicate: bool,
}

/// `stint tracks`.
#[derive(Debug, Args)]
pub struct TracksArgs {
    /// From a date or date-time (dates include the whole day), or a named period: today,
    /// yesterday, this week, last week, this month, last month, this year, last year (a period
    /// alone is the whole period).
    #[arg(long)]
    pub from: Option<String>,
    /// To a date or period (included) or a date-time (excluded).
    #[arg(long)]
    pub to: Option<String>,
    /// Only this project.
    #[arg(short, long, add = project_candidates())]
    pub project: Option<String>,
    /// Only this client.
    #[arg(long, add = client_candidates())]
    pub client: Option<String>,
    /// Only this tag.
    #[arg(short, long, add = tag_candidates())]
    pub tag: Option<String>,
    /// Only tracks whose description contains this.
    #[arg(long)]
    pub search: Option<String>,
    /// Only this task (id or name; with --project, a task of that project).
    #[arg(short = 'k', long)]
    pub task: Option<String>,
    /// How many tracks to show in the table (with --json, every matching track is printed).
    #[arg(long, short = 'n', default_value_t = 50)]
    pub limit: u32,
    /// Write every matching track as CSV to this file (`-` for standard output), newest first,
    /// with rounded and unrounded durations.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// With --csv or --ics: replace the file if it exists.
    #[arg(long)]
    pub force: bool,
    /// Write every finished matching track as an iCalendar event to this file (`-` for
    /// standard output), for a calendar app.
    #[arg(long, value_name = "FILE", conflicts_with = "csv")]
    pub ics: Option<PathBuf>,
}

impl TracksArgs {
    /// The conditions of these arguments (no limit or cursor), for the table and the CSV alike.
    fn filter(&self) -> ListTracks {
        ListTracks {
            from: self.from.clone(),
            to: self.to.clone(),
            project: self.project.clone(),
            client: self.client.clone(),
            tag: self.tag.clone(),
            search: self.search.clone(),
            task: self.task.clone(),
            ..ListTracks::default()
        }
    }
}

/// `stint db`.
#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Print the database path in use.
    Path,
    /// Write a consistent copy of the database to a new file (safe while stint runs; a plain
    /// copy of the .db file can miss writes still in its -wal file).
    Backup {
        /// The new file (mode 0600; never the database itself).
        file: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
    /// Write a portable JSON copy of all data (settings, clients, projects, tags, tracks,
    /// timers, invoices; not tokens or logs) that `stint import` reads back into an empty
    /// database.
    Export {
        /// The JSON file (`-` for standard output). The copy is always JSON; `--json` may be
        /// given, as in `stint db export --json FILE`.
        #[arg(value_name = "FILE")]
        file: PathBuf,
        /// Replace the file if it exists.
        #[arg(long)]
        force: bool,
    },
}

/// The one reading of a `--billable`/`--no-billable` pair: `None` when neither is given.
fn billable_flag(yes: bool, no: bool) -> Option<bool> {
    match (yes, no) {
        (true, _) => Some(true),
        (_, true) => Some(false),
        _ => None,
    }
}

fn db_path(cli: &Cli) -> anyhow::Result<PathBuf> {
    match &cli.db {
        Some(p) => Ok(p.clone()),
        None => Service::default_path().context(
            "cannot find a data directory for the database; pass --db PATH or set STINT_DB",
        ),
    }
}

/// The clock of this process: the system's, shifted by `STINT_CLOCK_OFFSET_SECONDS` when that
/// is set (for demos and tests on another day or hour; see the README's "Scripting").
fn clock() -> anyhow::Result<std::sync::Arc<dyn stint_service::Clock>> {
    let env = stint_service::CLOCK_OFFSET_ENV;
    let value = match std::env::var(env) {
        Ok(v) => v,
        Err(std::env::VarError::NotPresent) => String::new(),
        Err(std::env::VarError::NotUnicode(_)) => {
            anyhow::bail!("{env} must be whole seconds such as 31536000")
        }
    };
    Ok(
        match stint_service::OffsetClock::from_env_value(&value).map_err(anyhow::Error::msg)? {
            Some(c) => std::sync::Arc::new(c),
            None => std::sync::Arc::new(stint_service::SystemClock),
        },
    )
}

fn open(cli: &Cli, frontend: Frontend) -> anyhow::Result<Service> {
    let path = db_path(cli)?;
    let svc = Service::with_clock(&path, Caller::local(frontend), clock()?)?;
    svc.set_hub_client(stint_sync::remote::http::hub_client());
    Ok(svc)
}

/// `svc`, with one reference to it left unreleased until the process ends, so that its
/// SQLite connection is never closed: for the short writes (`start`, `stop`, `continue`),
/// which exit right after their one transaction.
///
/// Closing freed the parsed schema and the prepared statements one by one (7 % of the
/// instructions of a `stint start`) and wrote nothing: the commit is in the WAL already, and
/// `store::open` turns off the checkpoint on close. Exiting with the connection open is what
/// a killed process does, which the README's durability promise covers; the next process
/// rebuilds SQLite's WAL index either way.
fn kept(svc: Service) -> Service {
    std::mem::forget(svc.clone());
    svc
}

/// Prints what a started timer replaced and stopped, then the new timer and its overlaps (or
/// the whole answer as JSON with --json).
fn print_started(
    r: &TimerStarted,
    continued_from: Option<i64>,
    now: chrono::DateTime<chrono::Utc>,
) {
    let o = out();
    if o.json {
        println!("{}", json::started(r, continued_from, now));
        return;
    }
    for t in &r.replaced {
        println!("Replaced #{} {}, started this same second", t.id, label(t));
    }
    for t in &r.stopped {
        println!(
            "Stopped #{} {} after {}",
            t.id,
            label(t),
            format_hmm(elapsed_seconds(t.start, t.end, now))
        );
    }
    println!(
        "{} #{} {} at {}",
        o.paint.good("Started"),
        r.track.id,
        label(&r.track),
        local_time(&r.track, r.track.start)
    );
    print_overlaps(&r.overlaps, r.overlap_count);
}

/// Runs a parsed command line.
///
/// # Errors
/// Any failure, with a message for the person at the terminal.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let _ = OUT.set(Out {
        json: cli.json,
        paint: style::Paint::new(cli.color),
    });
    let svc = || open(&cli, Frontend::Cli);
    let done = |()| ExitCode::SUCCESS;
    match &cli.command {
        Command::Mcp(a) => server::mcp(&cli, a),
        Command::Serve(a) => server::serve(&cli, a),
        Command::Token(cmd) => server::token(&svc()?, cmd),
        Command::Start(a) => tracks::start(kept(svc()?), a),
        Command::Continue(a) => tracks::continue_timer(&kept(svc()?), a),
        Command::Stop(a) => tracks::stop(&kept(svc()?), a),
        Command::Status => tracks::status(&svc()?),
        Command::Log(a) => tracks::log(svc()?, a),
        Command::Tracks(a) => tracks::list(&svc()?, a),
        Command::Edit(a) => tracks::edit(&svc()?, a),
        Command::Delete(a) => tracks::delete(&svc()?, a),
        Command::Week(a) => chart::week(&svc()?, a).map(done),
        Command::Report(a) => billing::report(&svc()?, a).map(done),
        Command::Budget(a) => billing::budget(&svc()?, a).map(done),
        Command::Invoice(cmd) => billing::invoice(&svc()?, cmd).map(done),
        Command::Expense(cmd) => expenses::expense(&svc()?, cmd).map(done),
        Command::Task(cmd) => tasks::run(&svc()?, cmd),
        Command::Milestone(cmd) => team::milestone(&svc()?, cmd),
        Command::Drafts(a) => team::drafts(&svc()?, a),
        Command::Person(cmd) => people::person(&svc()?, cmd).map(done),
        Command::Project(cmd) => catalog::project(&svc()?, cmd).map(done),
        Command::Client(cmd) => catalog::client(&svc()?, cmd).map(done),
        Command::Tag(cmd) => catalog::tag(&svc()?, cmd).map(done),
        Command::Config(cmd) => catalog::config(&svc()?, cmd).map(done),
        Command::Import(a) => import::import(&svc()?, a),
        Command::Db(cmd) => import::db(&cli, cmd),
        Command::Undo(a) => changes::undo(&svc()?, a),
        Command::History(a) => changes::history(&svc()?, a),
        Command::Sync(a) => sync::run(&svc()?, a),
        Command::Completions(a) => completions(a.shell).map(done),
        Command::Setup(a) => setup::run(&cli, a),
    }
}

/// `svc`, creating missing projects and tags named by a start or a log unless `no_create`;
/// names close to existing ones only with `anyway` (`--create`).
fn creating(svc: Service, no_create: bool, anyway: bool) -> Service {
    if no_create {
        svc
    } else {
        svc.creating_missing_with(anyway)
    }
}

/// Says on stderr which projects and tags a start or a log created.
fn say_created(svc: &Service) {
    let created = svc.take_created();
    for p in created.projects {
        eprintln!("Created project {} (id {})", p.name, p.id);
    }
    for t in created.tags {
        eprintln!("Created tag {} (id {})", t.name, t.id);
    }
}

/// Writes the registration script of `shell`: it calls this binary back (`COMPLETE=SHELL
/// stint -- ...`) for commands, flags and names.
fn completions(shell: Shell) -> anyhow::Result<()> {
    use std::io::Write as _;
    let name = match shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
        Shell::Elvish => "elvish",
        Shell::Powershell => "powershell",
    };
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(name)
        .ok_or_else(|| anyhow::anyhow!("no completions for {name}"))?;
    // As `COMPLETE=bash stint` would: the program as it was called, absolute when it was
    // called by a relative path with folders.
    let mut program = std::env::args_os()
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("stint"));
    if program.components().count() > 1
        && let Ok(cwd) = std::env::current_dir()
    {
        program = cwd.join(program);
    }
    let mut buf = Vec::new();
    completer.write_registration(
        "COMPLETE",
        "stint",
        "stint",
        &program.to_string_lossy(),
        &mut buf,
    )?;
    std::io::stdout().lock().write_all(&buf)?;
    Ok(())
}

fn label(t: &Track) -> String {
    let mut parts = Vec::new();
    if !t.description.is_empty() {
        parts.push(format!("\"{}\"", t.description));
    }
    match (&t.project_name, &t.task_name) {
        (Some(p), Some(k)) => parts.push(format!("on {p}: {k}")),
        (Some(p), None) => parts.push(format!("on {p}")),
        _ => {}
    }
    if !t.tags.is_empty() {
        parts.push(
            t.tags
                .iter()
                .map(|(_, n)| format!("#{n}"))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    if parts.is_empty() {
        "(no description)".to_owned()
    } else {
        parts.join(" ")
    }
}

fn in_zone(at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn local_time(t: &Track, at: chrono::DateTime<chrono::Utc>) -> String {
    let tz: chrono_tz::Tz = t.timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

/// Prints a service warning (a track longer than 12 hours read from phrases) in the CLI's words.
fn print_warning(warning: Option<&stint_service::Msg>) {
    if let Some(w) = warning {
        println!("Warning: {}", errors::words(w));
    }
}

fn print_overlaps(overlaps: &[stint_domain::TrackId], count: i64) {
    if !overlaps.is_empty() {
        let more = usize::try_from(count)
            .unwrap_or(0)
            .saturating_sub(overlaps.len());
        println!(
            "Note: overlaps track(s) {}{}",
            overlaps
                .iter()
                .map(|t| format!("#{t}"))
                .collect::<Vec<_>>()
                .join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
}

/// Prints tracks as a table, times in `tz` (the configured zone, named in the header).
fn print_tracks(tracks: &[Track], now: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) {
    if tracks.is_empty() {
        println!("No tracks.");
        return;
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "id".to_owned(),
            format!("start ({tz})"),
            "end".to_owned(),
            "h:mm".to_owned(),
            "project".to_owned(),
            "description".to_owned(),
            "tags".to_owned(),
            "billable".to_owned(),
        ]);
    let mut total = 0;
    for t in tracks {
        let secs = elapsed_seconds(t.start, t.end, now);
        total += secs;
        table.add_row([
            t.id.to_string(),
            in_zone(t.start, tz),
            t.end
                .map_or_else(|| "running".to_owned(), |e| in_zone(e, tz)),
            format_hmm(secs),
            match (&t.project_name, &t.task_name) {
                (Some(p), Some(k)) => format!("{p}: {k}"),
                (p, _) => p.clone().unwrap_or_default(),
            },
            t.description.clone(),
            t.tags
                .iter()
                .map(|(_, n)| n.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            if t.billable { "yes" } else { "no" }.to_owned(),
        ]);
    }
    println!("{table}");
    println!("{} tracks, {} h:mm", tracks.len(), format_hmm(total));
}
