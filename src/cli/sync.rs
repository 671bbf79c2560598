//! `stint sync DIR`, `stint sync status` and `stint sync billing-device`: several devices
//! through a shared folder, from the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::service::{Service, SyncKey};

/// `stint sync`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// The shared folder (kept in step by Syncthing, Dropbox, a USB stick...) [default: the
    /// folder of the last sync].
    pub dir: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<SyncCommand>,
}

/// `stint sync ...`.
#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// This device, the other devices, what is pending, and what sync decided.
    Status,
    /// Make this device the one that issues invoice numbers.
    BillingDevice,
    /// Sync now, write a snapshot (a new device starts from it) and remove this device's logs
    /// that every device has applied.
    Compact {
        /// The shared folder [default: the folder of the last sync].
        dir: Option<PathBuf>,
    },
    /// Encrypt the files in the shared folder end to end (for folders a cloud service keeps).
    #[command(subcommand)]
    Key(KeyCommand),
    /// Whether `stint mcp` and `stint serve` sync on their own (at start, after writes, and
    /// every STINT_SYNC_INTERVAL seconds, 30 by default).
    Auto {
        #[arg(value_parser = ["on", "off"])]
        state: String,
    },
}

/// `stint sync key ...`.
#[derive(Debug, Subcommand)]
pub enum KeyCommand {
    /// Make a new key and use it here; copy it to every other device with `stint sync key set`.
    New,
    /// Use this key (as `stint sync key show` prints it on another device).
    Set {
        /// 43 characters; read from STINT_SYNC_KEY when left out, to keep it out of shell history.
        #[arg(env = "STINT_SYNC_KEY", hide_env_values = true)]
        key: String,
    },
    /// Print this device's key, to copy it to another device.
    Show,
    /// Stop encrypting: files are written in the clear again (every device must do the same).
    Remove,
}

fn short(id: &str) -> &str {
    &id[..id.len().min(8)]
}

/// Runs `stint sync`.
pub fn run(svc: &Service, a: &SyncArgs) -> anyhow::Result<ExitCode> {
    match (&a.command, &a.dir) {
        (Some(SyncCommand::Status), _) => status(svc),
        (Some(SyncCommand::BillingDevice), _) => {
            let id = svc.make_billing_device()?;
            println!(
                "This device ({}) now issues invoice numbers; the others learn it at their \
                 next sync.",
                short(&id)
            );
            Ok(ExitCode::SUCCESS)
        }
        (Some(SyncCommand::Key(k)), _) => key(svc, k),
        (Some(SyncCommand::Auto { state }), _) => {
            let on = state == "on";
            svc.set_auto_sync(on)?;
            let folder = svc.sync_status()?.folder;
            match (on, folder) {
                (true, Some(f)) => println!(
                    "`stint mcp` and `stint serve` sync with {f} on their own (at start, after \
                     writes, and every STINT_SYNC_INTERVAL seconds, 30 by default)."
                ),
                (true, None) => println!(
                    "`stint mcp` and `stint serve` will sync on their own once this device has \
                     synced with a folder (`stint sync DIR`)."
                ),
                (false, _) => println!(
                    "`stint mcp` and `stint serve` sync only when asked (the `sync` tool, or \
                     `stint sync`)."
                ),
            }
            Ok(ExitCode::SUCCESS)
        }
        (Some(SyncCommand::Compact { dir }), _) => {
            let dir = folder_or_last(svc, dir.as_ref())?;
            let r = svc.sync_compact(&dir)?;
            print_report(&dir, &r);
            Ok(ExitCode::SUCCESS)
        }
        (None, dir) => {
            let dir = folder_or_last(svc, dir.as_ref())?;
            let r = svc.sync_folder(&dir)?;
            print_report(&dir, &r);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn folder_or_last(svc: &Service, dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(match dir {
        Some(d) => d.clone(),
        None => match svc.sync_status()?.folder {
            Some(f) => PathBuf::from(f),
            None => bail!(
                "name the shared folder: stint sync DIR (e.g. ~/Sync/stint); later syncs \
                 remember it"
            ),
        },
    })
}

fn key(svc: &Service, k: &KeyCommand) -> anyhow::Result<ExitCode> {
    match k {
        KeyCommand::New => {
            let key = SyncKey::generate()?;
            let n = svc.set_sync_key(Some(&key))?;
            println!("{}", key.to_text());
            eprintln!(
                "This device now encrypts its sync files with the key above{}. Set the same key \
                 on every other device: stint sync key set KEY (or STINT_SYNC_KEY=KEY stint sync \
                 key set). Keep a copy: without it the files cannot be read.",
                if n > 0 {
                    format!(" ({n} file(s) already in the folder were re-encrypted)")
                } else {
                    String::new()
                }
            );
        }
        KeyCommand::Set { key } => {
            let key = SyncKey::parse(key)?;
            let n = svc.set_sync_key(Some(&key))?;
            println!(
                "This device now encrypts its sync files and reads only files encrypted with \
                 this key{}.",
                if n > 0 {
                    format!(" ({n} file(s) already in the folder were re-encrypted)")
                } else {
                    String::new()
                }
            );
        }
        KeyCommand::Show => match svc.sync_key()? {
            Some(k) => println!("{}", k.to_text()),
            None => bail!(
                "this device has no sync key: its files are not encrypted. Make one with `stint \
                 sync key new`, or copy one from another device with `stint sync key set KEY`"
            ),
        },
        KeyCommand::Remove => {
            let n = svc.set_sync_key(None)?;
            println!(
                "This device writes its sync files in the clear again{}; remove the key on every \
                 other device too (`stint sync key remove`).",
                if n > 0 {
                    format!(" ({n} file(s) already in the folder were rewritten)")
                } else {
                    String::new()
                }
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(dir: &std::path::Path, r: &crate::service::SyncReport) {
    for n in &r.notes {
        println!("Note: {n}");
    }
    if r.joined {
        println!(
            "Joined {} as device {} ({}).",
            dir.display(),
            r.device_no,
            short(&r.device_id)
        );
        if r.renumbered > 0 {
            println!(
                "Ids were renumbered for sync: id N is now N x 64 + {} (track 3 is \
                 track {} now).",
                r.device_no,
                3 * 64 + r.device_no
            );
        }
    }
    println!("Sent {} change(s).", r.published);
    if r.applied.is_empty() {
        println!("Nothing new from other devices.");
    }
    for (name, n) in &r.applied {
        println!("Applied {n} change(s) from {name}.");
    }
    for d in &r.decisions {
        println!("Decided: {d}");
    }
    for p in &r.problems {
        eprintln!("warning: {p}");
    }
}

fn status(svc: &Service) -> anyhow::Result<ExitCode> {
    let s = svc.sync_status()?;
    let Some(no) = s.device_no else {
        println!(
            "This device ({}) does not sync yet: run `stint sync DIR` with a folder shared \
             between your devices.",
            short(&s.device_id)
        );
        return Ok(ExitCode::SUCCESS);
    };
    println!(
        "This device: {} ({}), number {no}, folder {}",
        s.device_name.as_deref().unwrap_or("?"),
        short(&s.device_id),
        s.folder.as_deref().unwrap_or("?")
    );
    println!("Changes not sent yet: {}", s.unpublished);
    match (&s.billing_device, s.is_billing_device) {
        (_, true) => println!("Invoice numbers: issued here (the billing device)"),
        (Some(b), false) => println!("Invoice numbers: issued on device {}", short(b)),
        (None, _) => println!("Invoice numbers: any device (no billing device set)"),
    }
    if s.peers.is_empty() {
        println!("No other device has synced through the folder yet.");
    } else {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(["device", "no", "name", "applied", "pending", "problem"]);
        for p in &s.peers {
            t.add_row([
                short(&p.device_id).to_owned(),
                p.device_no.to_string(),
                p.name.clone().unwrap_or_default(),
                p.applied.to_string(),
                p.pending.to_string(),
                p.problem.clone().unwrap_or_default(),
            ]);
        }
        println!("{t}");
    }
    if s.running_timers.len() > 1 {
        println!(
            "Timers running: {} (tracks {})",
            s.running_timers.len(),
            s.running_timers
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if s.decisions.is_empty() {
        println!("Sync has decided nothing so far.");
    } else {
        println!(
            "Decisions ({} in all, newest first; `stint undo CHANGE` reverts one):",
            s.decisions_total
        );
        for d in &s.decisions {
            let change = d
                .change_id
                .map(|c| format!("change {c}: "))
                .unwrap_or_default();
            println!("  [{}] {change}{}", d.kind, d.detail);
        }
    }
    Ok(ExitCode::SUCCESS)
}
