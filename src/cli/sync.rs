//! `stint sync DIR`, `stint sync status` and `stint sync billing-device`: several devices
//! through a shared folder, from the terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use crate::service::Service;

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
        (None, dir) => {
            let dir = match dir {
                Some(d) => d.clone(),
                None => match svc.sync_status()?.folder {
                    Some(f) => PathBuf::from(f),
                    None => bail!(
                        "name the shared folder: stint sync DIR (e.g. ~/Sync/stint); later \
                         syncs remember it"
                    ),
                },
            };
            let r = svc.sync_folder(&dir)?;
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
            Ok(ExitCode::SUCCESS)
        }
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
