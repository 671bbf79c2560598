//! `stint import FILE` (every format, dry runs, the summary), `stint db export --json FILE`, and
//! `stint tracks --json` / `--ics FILE`.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Args;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_service::{ImportFormat, ImportOptions, ImportReport, ListTracks, Service};

/// `stint import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The file (`-` for standard input), or Timewarrior's data folder (~/.timewarrior/data).
    /// The format is detected from the header row, the JSON shape or the file name.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// `stint import csv FILE`, the form of earlier versions, still works.
    #[arg(hide = true, value_name = "FILE")]
    pub legacy_file: Option<PathBuf>,
    /// Read the file as this format: stint (CSV), toggl, clockify, harvest, timewarrior,
    /// watson, stint-json (a `stint db export --json` copy).
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<String>,
    /// Check the file and show what would be created (counts and the first rows); write
    /// nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Import every good row and list the bad ones with their line (or entry id) and reason;
    /// without it, a bad row stops the import. What is imported is still all or nothing.
    #[arg(long)]
    pub skip_invalid: bool,
    /// Zone for times without an offset (Toggl, Clockify, Harvest, stint CSV) [default: the
    /// configured timezone].
    #[arg(long, value_name = "ZONE")]
    pub timezone: Option<String>,
}

/// An indicatif progress bar on a terminal, nothing otherwise.
struct Progress(Option<indicatif::ProgressBar>);

impl stint_service::ImportProgress for Progress {
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

/// Runs `stint import`.
pub fn import(svc: &Service, a: &ImportArgs) -> anyhow::Result<ExitCode> {
    let (file, mut format) = match (&a.legacy_file, a.file.as_os_str() == "csv") {
        (Some(f), true) => (f.clone(), Some(ImportFormat::Stint)),
        (Some(f), false) => anyhow::bail!(
            "stint import takes one file; {} is one too many (use --format to name the format)",
            f.display()
        ),
        (None, _) => (a.file.clone(), None),
    };
    if let Some(f) = &a.format {
        format = Some(ImportFormat::parse(f)?);
    }
    let options = ImportOptions {
        format,
        timezone: a.timezone.clone(),
        dry_run: a.dry_run,
        skip_invalid: a.skip_invalid,
    };
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
    let report = if file.as_os_str() == "-" {
        svc.import_reader(std::io::stdin().lock(), None, &options, &progress)?
    } else {
        svc.import_path(&file, &options, &progress)?
    };
    if let Some(bar) = &progress.0 {
        bar.finish_and_clear();
    }
    if super::out().json {
        println!("{}", stint_api::json::import_report(&report));
    } else {
        print_report(&report, started.elapsed().as_secs_f64());
    }
    Ok(ExitCode::SUCCESS)
}

/// Bad rows (with `--skip-invalid`), duplicates and crowded dates of an import.
fn print_left_out(s: &stint_service::ImportSummary) {
    if s.invalid > 0 {
        println!(
            "Left out {} bad {} (--skip-invalid):",
            s.invalid,
            if s.invalid == 1 { "row" } else { "rows" }
        );
        for b in &s.invalid_rows {
            println!("  {}: {}", b.place, b.reason);
        }
        if s.invalid > s.invalid_rows.len() {
            println!("  and {} more", s.invalid - s.invalid_rows.len());
        }
    }
    if s.duplicates > 0 {
        let listed: Vec<String> = s
            .duplicate_rows
            .iter()
            .map(|d| format!("{} (same as {})", d.place, d.first))
            .collect();
        let more = s.duplicates - s.duplicate_rows.len();
        println!(
            "{} {} skipped: {}{}.",
            s.duplicates,
            if s.duplicates == 1 {
                "duplicate"
            } else {
                "duplicates"
            },
            listed.join(", "),
            if more > 0 {
                format!(" and {more} more")
            } else {
                String::new()
            }
        );
    }
    for d in &s.crowded_dates {
        println!("The entries of {d} add up to more than a day: they stay on {d} and overlap.");
    }
}

fn print_report(r: &ImportReport, seconds: f64) {
    let s = &r.summary;
    if let Some(restored) = &r.restored {
        let tables: Vec<String> = restored
            .tables
            .iter()
            .filter(|(_, n)| *n > 0)
            .map(|(t, n)| format!("{t} {n}"))
            .collect();
        println!(
            "{} a stint export ({} rows) in {seconds:.1} s: {}.",
            if r.dry_run {
                "Dry run, nothing written: would restore"
            } else {
                "Restored"
            },
            s.rows,
            if tables.is_empty() {
                "no rows".to_owned()
            } else {
                tables.join(", ")
            }
        );
        return;
    }
    if r.dry_run {
        println!(
            "Dry run of a {} import (times without an offset read in {}); nothing was written.",
            r.format.title(),
            r.timezone
        );
        println!(
            "Would import {} tracks from {} rows ({} already present); would create {} projects, {} clients, {} tags; {} tasks named.",
            s.imported,
            s.rows,
            s.skipped,
            s.created_projects,
            s.created_clients,
            s.created_tags,
            s.tasks
        );
    } else {
        println!(
            "Imported {} tracks from {} rows ({} already present, skipped) in {seconds:.1} s; created {} projects, {} clients, {} tags, {} tasks.",
            s.imported,
            s.rows,
            s.skipped,
            s.created_projects,
            s.created_clients,
            s.created_tags,
            s.created_tasks
        );
        if r.format != ImportFormat::Stint {
            println!("Read as {}.", r.format.title());
        }
    }
    if !s.created_people.is_empty() {
        println!(
            "{} {} {}: {} (members; stint person edit NAME to set capacity and cost).",
            if r.dry_run { "Would create" } else { "Created" },
            s.created_people.len(),
            if s.created_people.len() == 1 {
                "person"
            } else {
                "people"
            },
            listed_names(&s.created_people)
        );
    }
    if s.empty + s.running > 0 {
        println!(
            "Left out {} zero-length entries and {} running intervals (stint keeps neither).",
            s.empty, s.running
        );
    }
    print_left_out(s);
    if r.dry_run && !r.preview.is_empty() {
        let tz: chrono_tz::Tz = r.timezone.parse().unwrap_or(chrono_tz::Tz::UTC);
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header([
                "start",
                "end",
                "project",
                "client",
                "task",
                "tags",
                "description",
                "billable",
                "rate",
            ]);
        for p in &r.preview {
            let local = |t: chrono::DateTime<chrono::Utc>| {
                t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
            };
            table.add_row([
                local(p.start),
                local(p.end),
                p.project.clone().unwrap_or_default(),
                p.client.clone().unwrap_or_default(),
                p.task.clone().unwrap_or_default(),
                p.tags.join(", "),
                p.description.clone(),
                match p.billable {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                }
                .to_owned(),
                p.rate.map(|r| r.to_string()).unwrap_or_default(),
            ]);
        }
        println!("First rows:\n{table}");
    }
}

/// Writes `content` through `write` to `path` (`-`: standard output) by the file rules of
/// exports: a new file unless `force`, written whole or not at all, audited.
pub fn export_to(
    svc: &Service,
    path: &Path,
    force: bool,
    operation: &'static str,
    what: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> stint_service::Result<usize>,
) -> anyhow::Result<ExitCode> {
    if path.as_os_str() == "-" {
        let mut out = std::io::BufWriter::new(std::io::stdout().lock());
        let count = write(&mut out)?;
        svc.audit_export(operation, "stdout", Some(count))?;
        return Ok(ExitCode::SUCCESS);
    }
    let mut out = std::io::BufWriter::new(svc.output_file(path, force)?);
    let count = write(&mut out)?;
    let out = out
        .into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write {} ({})", path.display(), e.error()))?;
    let written = out.commit()?;
    svc.audit_export(operation, &written.display().to_string(), Some(count))?;
    eprintln!("Wrote {count} {what} to {}", written.display());
    Ok(ExitCode::SUCCESS)
}

/// `stint tracks --json` (standard output) with every matching track.
pub fn tracks_json(svc: &Service, filter: &ListTracks) -> anyhow::Result<ExitCode> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let count = stint_api::json_export::write_tracks_json(svc, filter, &mut out)?;
    svc.audit_export("export_tracks_json", "stdout", Some(count))?;
    Ok(ExitCode::SUCCESS)
}

/// `stint tracks --ics FILE`.
pub fn tracks_ics(
    svc: &Service,
    filter: &ListTracks,
    path: &Path,
    force: bool,
) -> anyhow::Result<ExitCode> {
    export_to(svc, path, force, "export_tracks_ics", "events", |out| {
        svc.export_tracks_ics(filter, out)
    })
}

/// `stint db export --json FILE`.
pub fn db_export(svc: &Service, path: &Path, force: bool) -> anyhow::Result<ExitCode> {
    export_to(svc, path, force, "export_database_json", "rows", |out| {
        let s = svc.export_portable(out)?;
        Ok(s.tables.iter().map(|(_, n)| n).sum())
    })
}

/// `stint db path|backup|export`.
pub fn db(cli: &super::Cli, cmd: &super::DbCommand) -> anyhow::Result<ExitCode> {
    use super::DbCommand;
    match cmd {
        DbCommand::Export { file, force } => db_export(
            &super::open(cli, stint_service::Frontend::Cli)?,
            file,
            *force,
        ),
        DbCommand::Backup { file, force } => {
            let svc = super::open(cli, stint_service::Frontend::Cli)?;
            let written = svc.backup(file, *force)?;
            if super::out().json {
                println!("{}", stint_api::json::path(&written));
                return Ok(ExitCode::SUCCESS);
            }
            println!("Wrote a copy of the database to {}", written.display());
            Ok(ExitCode::SUCCESS)
        }
        DbCommand::Path => {
            let path = super::db_path(cli)?;
            if super::out().json {
                println!("{}", stint_api::json::path(&path));
            } else {
                println!("{}", path.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Names for one line of output: all of them, or the first twenty and how many more.
fn listed_names(names: &[String]) -> String {
    const SHOWN: usize = 20;
    if names.len() <= SHOWN {
        names.join(", ")
    } else {
        format!(
            "{} and {} more (stint person list)",
            names[..SHOWN].join(", "),
            names.len() - SHOWN
        )
    }
}
