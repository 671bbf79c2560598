//! The human CLI: clap commands that call the same service use cases as the MCP tools, and
//! print tables and sentences.
//!
//! **Architecture invariant:** the only module that knows clap and terminal output.

mod billing;
mod changes;
mod sync;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::domain::entities::Track;
use crate::domain::time::format_hmm;
use crate::domain::track::elapsed_seconds;
use crate::mcp::StintServer;
use crate::service::{
    Caller, ContinueTimer, Frontend, ListTracks, NewTrack, Service, StartTimer, StopTimer,
    TimerStarted,
};

/// stint: a local-first time tracker you drive from your AI assistant or the terminal.
#[derive(Debug, Parser)]
#[command(name = "stint", version, about, long_about = None)]
pub struct Cli {
    /// Database file [default: the platform data dir, e.g. ~/.local/share/stint/stint.db].
    #[arg(long, global = true, env = "STINT_DB", value_name = "PATH")]
    pub db: Option<PathBuf>,
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
    /// Time report: a table grouped by period, project, client or tag.
    Report(billing::ReportArgs),
    /// Budget use of projects with a budget.
    Budget(billing::BudgetArgs),
    /// Invoices: create, list, show, send, paid, void, delete, export.
    #[command(subcommand)]
    Invoice(billing::InvoiceCommand),
    /// Serve MCP over HTTP at /api/mcp (Streamable HTTP and plain JSON-RPC POST), plus /health.
    Serve(ServeArgs),
    /// API tokens for `stint serve`.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Import tracks from a file.
    #[command(subcommand)]
    Import(ImportCommand),
    /// Database commands.
    #[command(subcommand)]
    Db(DbCommand),
    /// Undo a change (default: your latest CLI change still in effect); see `stint history`.
    Undo(changes::UndoArgs),
    /// List recorded changes, newest first, with their ids for `stint undo`.
    History(changes::HistoryArgs),
    /// Sync with your other devices through a shared folder (`stint sync DIR`, `stint sync
    /// status`).
    Sync(sync::SyncArgs),
}

/// `stint import`.
#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Import tracks from CSV with a header row: start, end, project, client, tags (`;`-separated),
    /// description, billable. Missing projects, clients and tags are created; rows imported
    /// before are recognised and skipped.
    Csv {
        /// The CSV file (`-` for standard input).
        file: PathBuf,
    },
}

/// An indicatif progress bar on a terminal, nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl crate::service::ImportProgress for Progress {
    fn checked(&self, rows: usize) {
        if let Some(bar) = &self.0 {
            bar.set_length(rows as u64);
            bar.set_message("importing");
        }
    }
    fn written(&self, rows: usize) {
        if let Some(bar) = &self.0 {
            bar.set_position(rows as u64);
        }
    }
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
        /// Let it see client contact details (email, phone, address, tax id).
        #[arg(long)]
        sensitive: bool,
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
    /// What you are working on.
    pub description: Option<String>,
    /// Project id or name.
    #[arg(short, long)]
    pub project: Option<String>,
    /// Tag id or name (repeatable).
    #[arg(short, long = "tag")]
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
    /// What was done.
    pub description: Option<String>,
    /// Start, e.g. 09:00, 9am, 2:30pm, noon, "yesterday 14:00" or "2026-11-20 09:00".
    #[arg(long)]
    pub start: Option<String>,
    /// End (same forms, or now); with --duration and no --start, the work ended then.
    #[arg(long)]
    pub end: Option<String>,
    /// Duration, e.g. 1h30m, 90m, 45min, "1 hour", "2 hrs", 1.5h, 01:30.
    #[arg(long)]
    pub duration: Option<String>,
    /// Project id or name.
    #[arg(short, long)]
    pub project: Option<String>,
    /// Tag id or name (repeatable).
    #[arg(short, long = "tag")]
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
    #[arg(short, long)]
    pub project: Option<String>,
    /// Only this client.
    #[arg(long)]
    pub client: Option<String>,
    /// Only this tag.
    #[arg(short, long)]
    pub tag: Option<String>,
    /// Only tracks whose description contains this.
    #[arg(long)]
    pub search: Option<String>,
    /// How many tracks to show in the table.
    #[arg(long, default_value_t = 50)]
    pub limit: u32,
    /// Write every matching track as CSV to this file (`-` for standard output), newest first,
    /// with rounded and unrounded durations.
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// With --csv: replace the file if it exists.
    #[arg(long, requires = "csv")]
    pub force: bool,
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
}

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

fn open(cli: &Cli, frontend: Frontend) -> anyhow::Result<Service> {
    let path = db_path(cli)?;
    Ok(Service::open(&path, Caller::local(frontend))?)
}

/// Prints what a started timer replaced and stopped, then the new timer and its overlaps.
fn print_started(r: &TimerStarted, now: chrono::DateTime<chrono::Utc>) {
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
        "Started #{} {} at {}",
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
    match &cli.command {
        Command::Mcp(a) => {
            let toolsets = crate::mcp::catalog::Toolset::parse_list(&a.toolsets)
                .map_err(|e| anyhow::anyhow!("--toolsets (or STINT_TOOLSETS): {e}"))?;
            let svc = open(&cli, Frontend::McpStdio)?;
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(crate::mcp::stdio::serve_stdio(StintServer::with_toolsets(
                svc, &toolsets,
            )))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Start(a) => {
            let svc = open(&cli, Frontend::Cli)?;
            let r = svc.start_timer(StartTimer {
                description: a.description.clone(),
                project: a.project.clone(),
                tags: a.tags.clone(),
                billable: billable_flag(a.billable, a.no_billable),
                start: a.at.clone(),
            })?;
            print_started(&r, svc.now());
            Ok(ExitCode::SUCCESS)
        }
        Command::Continue(a) => {
            let svc = open(&cli, Frontend::Cli)?;
            let r = svc.continue_timer(ContinueTimer { track_id: a.id })?;
            println!("Continuing #{} {}", r.from.id, label(&r.from));
            print_started(&r.started, svc.now());
            Ok(ExitCode::SUCCESS)
        }
        Command::Stop(a) => {
            let svc = open(&cli, Frontend::Cli)?;
            let w = svc.stop_timer(StopTimer {
                track_id: a.id,
                end: a.at.clone(),
            })?;
            let t = &w.track;
            println!(
                "Stopped #{} {} after {}",
                t.id,
                label(t),
                format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
            );
            print_overlaps(&w.overlaps, w.overlap_count);
            Ok(ExitCode::SUCCESS)
        }
        Command::Status => {
            let svc = open(&cli, Frontend::Cli)?;
            let running = svc.list_running_timers()?;
            if running.is_empty() {
                println!("No timer is running.");
            }
            let now = svc.now();
            for t in &running {
                println!(
                    "Running #{} {} since {} ({})",
                    t.id,
                    label(t),
                    local_time(t, t.start),
                    format_hmm(elapsed_seconds(t.start, None, now))
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Log(a) => {
            let svc = open(&cli, Frontend::Cli)?;
            let given = [&a.start, &a.end, &a.duration]
                .iter()
                .filter(|v| v.is_some())
                .count();
            if given != 2 {
                bail!(
                    "give two of --start, --end and --duration (e.g. --start 9am --duration \
                     1h30m, or --end now --duration 45m)"
                );
            }
            let w = svc.create_track(NewTrack {
                description: a.description.clone(),
                project: a.project.clone(),
                tags: a.tags.clone(),
                billable: billable_flag(a.billable, a.no_billable),
                start: a.start.clone().unwrap_or_default(),
                end: a.end.clone(),
                duration: a.duration.clone(),
                hourly_rate: a.rate.clone(),
            })?;
            let t = &w.track;
            println!(
                "Logged #{} {} {} to {} ({})",
                t.id,
                label(t),
                local_time(t, t.start),
                t.end.map(|e| local_time(t, e)).unwrap_or_default(),
                format_hmm(elapsed_seconds(t.start, t.end, svc.now()))
            );
            print_overlaps(&w.overlaps, w.overlap_count);
            Ok(ExitCode::SUCCESS)
        }
        Command::Tracks(a) if a.csv.is_some() => {
            let svc = open(&cli, Frontend::Cli)?;
            let rounding = svc.get_settings()?.settings.rounding;
            let path = a.csv.as_ref().expect("guarded");
            if path.as_os_str() == "-" {
                let out = std::io::BufWriter::new(std::io::stdout().lock());
                let mut csv = crate::service::TracksCsv::new(out, rounding, svc.now());
                let count = svc.export_tracks_csv(&a.filter(), &mut csv)?;
                csv.finish()?;
                svc.audit_export("export_tracks_csv", "stdout", Some(count))?;
                return Ok(ExitCode::SUCCESS);
            }
            // The CSV goes to a temporary file (mode 0600) beside the target and is renamed at
            // the end, so a failed export leaves no half-written file.
            let out = svc.output_file(path, a.force)?;
            let mut csv =
                crate::service::TracksCsv::new(std::io::BufWriter::new(out), rounding, svc.now());
            let count = svc.export_tracks_csv(&a.filter(), &mut csv)?;
            let out = csv
                .finish()?
                .into_inner()
                .map_err(|e| anyhow::anyhow!("cannot write the CSV ({})", e.error()))?;
            let written = out.commit()?;
            svc.audit_export(
                "export_tracks_csv",
                &written.display().to_string(),
                Some(count),
            )?;
            eprintln!("Wrote {count} tracks to {}", written.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Tracks(a) => {
            let svc = open(&cli, Frontend::Cli)?;
            let page = svc.list_tracks(ListTracks {
                limit: Some(a.limit),
                ..a.filter()
            })?;
            print_tracks(&page.items, svc.now());
            if page.next_cursor.is_some() {
                println!("(more tracks: raise --limit or narrow --from/--to)");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Report(a) => {
            billing::report(&open(&cli, Frontend::Cli)?, a)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Budget(a) => {
            billing::budget(&open(&cli, Frontend::Cli)?, a)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Invoice(cmd) => {
            billing::invoice(&open(&cli, Frontend::Cli)?, cmd)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve(a) => {
            let path = db_path(&cli)?;
            let svc = Service::with_pool(
                &path,
                Caller::local(Frontend::McpHttp),
                std::sync::Arc::new(crate::service::SystemClock),
                a.connections,
            )?;
            let rt = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()?;
            rt.block_on(crate::mcp::http::serve_http(
                svc,
                crate::mcp::http::HttpOptions {
                    host: a.host,
                    port: a.port,
                    allowed_hosts: a.allow_hosts.clone(),
                    allowed_origins: a.allow_origins.clone(),
                    auth: if a.no_token {
                        crate::mcp::http::AuthMode::Tokenless
                    } else {
                        crate::mcp::http::AuthMode::Tokens
                    },
                },
                |line| eprintln!("{line}"),
            ))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Token(cmd) => {
            let svc = open(&cli, Frontend::Cli)?;
            match cmd {
                TokenCommand::Create {
                    name,
                    scope,
                    sensitive,
                } => {
                    let (row, secret) = svc.create_token(name, scope, *sensitive)?;
                    println!("{secret}");
                    eprintln!(
                        "Created token {:?} (scope {}{}). The secret above is shown only once: store it now.",
                        row.name,
                        row.scope,
                        if row.sensitive { ", sensitive" } else { "" }
                    );
                }
                TokenCommand::List => {
                    let mut table = Table::new();
                    table.load_preset(UTF8_FULL_CONDENSED).set_header([
                        "name",
                        "scope",
                        "sensitive",
                        "created",
                        "last used",
                        "revoked",
                    ]);
                    let tz = svc.get_settings()?.effective_timezone;
                    let local = |at: chrono::DateTime<chrono::Utc>| {
                        at.with_timezone(&tz)
                            .format("%Y-%m-%d %H:%M %Z")
                            .to_string()
                    };
                    for t in svc.list_tokens()? {
                        table.add_row([
                            t.name,
                            t.scope,
                            if t.sensitive { "yes" } else { "no" }.to_owned(),
                            local(t.created_at),
                            t.last_used_at
                                .map(local)
                                .unwrap_or_else(|| "never".to_owned()),
                            t.revoked_at.map(local).unwrap_or_default(),
                        ]);
                    }
                    println!("{table}");
                }
                TokenCommand::Revoke { name } => {
                    let t = svc.revoke_token(name)?;
                    println!("Revoked token {:?}", t.name);
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Import(ImportCommand::Csv { file }) => {
            use std::io::IsTerminal;
            let svc = open(&cli, Frontend::Cli)?;
            let bar = std::io::stderr().is_terminal().then(|| {
                let bar = indicatif::ProgressBar::new(0);
                bar.set_style(
                    indicatif::ProgressStyle::with_template(
                        "{msg} {bar:40} {pos}/{len} rows ({per_sec}, {eta})",
                    )
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
                );
                bar.set_message("checking");
                bar
            });
            let progress = Progress(bar);
            let started = std::time::Instant::now();
            let summary = if file.as_os_str() == "-" {
                svc.import_csv(std::io::stdin().lock(), &progress)?
            } else {
                let f = std::fs::File::open(file)
                    .with_context(|| format!("cannot open {}", file.display()))?;
                svc.import_csv(std::io::BufReader::new(f), &progress)?
            };
            if let Some(bar) = &progress.0 {
                bar.finish_and_clear();
            }
            println!(
                "Imported {} tracks from {} rows ({} already present, skipped) in {:.1} s; created {} projects, {} clients, {} tags.",
                summary.imported,
                summary.rows,
                summary.skipped,
                started.elapsed().as_secs_f64(),
                summary.created_projects,
                summary.created_clients,
                summary.created_tags
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Db(DbCommand::Backup { file, force }) => {
            let svc = open(&cli, Frontend::Cli)?;
            let written = svc.backup(file, *force)?;
            println!("Wrote a copy of the database to {}", written.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Db(DbCommand::Path) => {
            println!("{}", db_path(&cli)?.display());
            Ok(ExitCode::SUCCESS)
        }
        Command::Undo(a) => changes::undo(&open(&cli, Frontend::Cli)?, a),
        Command::History(a) => changes::history(&open(&cli, Frontend::Cli)?, a),
        Command::Sync(a) => sync::run(&open(&cli, Frontend::Cli)?, a),
    }
}

fn label(t: &Track) -> String {
    let mut parts = Vec::new();
    if !t.description.is_empty() {
        parts.push(format!("\"{}\"", t.description));
    }
    if let Some(p) = &t.project_name {
        parts.push(format!("on {p}"));
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

fn local_time(t: &Track, at: chrono::DateTime<chrono::Utc>) -> String {
    let tz: chrono_tz::Tz = t.timezone.parse().unwrap_or(chrono_tz::UTC);
    at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
}

fn print_overlaps(overlaps: &[crate::domain::TrackId], count: i64) {
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

fn print_tracks(tracks: &[Track], now: chrono::DateTime<chrono::Utc>) {
    if tracks.is_empty() {
        println!("No tracks.");
        return;
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header([
            "id",
            "start",
            "end",
            "h:mm",
            "project",
            "description",
            "tags",
            "billable",
        ]);
    let mut total = 0;
    for t in tracks {
        let secs = elapsed_seconds(t.start, t.end, now);
        total += secs;
        table.add_row([
            t.id.to_string(),
            local_time(t, t.start),
            t.end
                .map_or_else(|| "running".to_owned(), |e| local_time(t, e)),
            format_hmm(secs),
            t.project_name.clone().unwrap_or_default(),
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
