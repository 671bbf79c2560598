//! `stint sync DIR`, `stint sync --url URL --token T`, `stint sync status` and `stint sync
//! billing-device`: several devices through a shared folder or through `stint serve`, from the
//! terminal.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::bail;
use clap::{Args, Subcommand};
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};

use stint_service::{Service, SyncKey};

/// `stint sync`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SyncArgs {
    /// The shared folder (kept in step by Syncthing, Dropbox, a USB stick...) [default: the
    /// folder of the last sync].
    pub dir: Option<PathBuf>,
    /// Sync through `stint serve` on another device instead of a folder: its address, e.g.
    /// http://desktop.local:8765 [default: the server of the last sync].
    #[arg(long, conflicts_with = "dir")]
    pub url: Option<String>,
    /// The server's token, of scope admin with --sensitive (`stint token create --name NAME
    /// --scope admin --sensitive` there).
    #[arg(long, env = "STINT_SYNC_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Move this device to the folder DIR, or to the server at an http(s) URL (with --token),
    /// without starting over: its files are copied there from the folder or server it synced
    /// with, and it syncs there from now on (move every device).
    #[arg(long = "move", value_name = "DIR|URL", conflicts_with_all = ["dir", "url"])]
    pub move_to: Option<PathBuf>,
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
    /// Apply the changes of DEVICE held back because its clock was more than a day ahead of
    /// this one's (when that device's clock is right), then sync.
    Accept {
        /// The device's id (at least its first 4 hex digits) or name, as `stint sync status`
        /// lists it.
        device: String,
    },
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
        #[arg(
            env = "STINT_SYNC_KEY",
            hide_env_values = true,
            allow_hyphen_values = true
        )]
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
        (Some(SyncCommand::Accept { device }), _) => {
            let a = svc.sync_accept(device)?;
            let until = chrono::DateTime::from_timestamp_millis(a.until_ms)
                .map_or_else(String::new, |t| t.to_rfc3339());
            println!(
                "Accepted the changes of device {}{} stamped up to {until}.",
                short(&a.device_id),
                a.name.map(|n| format!(" ({n})")).unwrap_or_default()
            );
            if svc.sync_status()?.folder.is_some() && svc.sync_server_url()?.is_none() {
                let dir = folder_or_last(svc, None)?;
                let r = svc.sync_folder(&dir)?;
                print_report(&dir.display().to_string(), &r);
            } else {
                println!("They are applied at the next `stint sync`.");
            }
            Ok(ExitCode::SUCCESS)
        }
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
            print_report(&dir.display().to_string(), &r);
            if let Some(url) = svc.sync_server_url()? {
                println!("The server {url} gets the snapshot at the next `stint sync`.");
            }
            Ok(ExitCode::SUCCESS)
        }
        (None, _) if a.move_to.is_some() => {
            let to = a.move_to.clone().unwrap_or_default();
            if let Some(url) = to
                .to_str()
                .filter(|t| t.starts_with("http://") || t.starts_with("https://"))
            {
                return remote(svc, url, a.token.as_deref(), Round::Move);
            }
            let r = svc.sync_move(&to)?;
            print_report(&to.display().to_string(), &r);
            Ok(ExitCode::SUCCESS)
        }
        (None, dir) => {
            let server = match (&a.url, dir) {
                (Some(u), _) => Some(u.clone()),
                (None, None) => svc.sync_server_url()?,
                (None, Some(_)) => None,
            };
            if let Some(url) = server {
                return remote(svc, &url, a.token.as_deref(), Round::Sync);
            }
            if let (Some(d), Some(url)) = (dir, svc.sync_server_url()?) {
                bail!(
                    "this database syncs with the server {url}, not through {}; run `stint \
                     sync` (a database syncs with one server or folder)",
                    d.display()
                );
            }
            let dir = folder_or_last(svc, dir.as_ref())?;
            let r = svc.sync_folder(&dir)?;
            print_report(&dir.display().to_string(), &r);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// What a round with a server is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Round {
    /// `stint sync --url URL`.
    Sync,
    /// `stint sync --move URL`: this device goes to the server.
    Move,
}

/// `stint sync --url URL --token T` (or `--move URL`): one round with `stint serve` on another
/// device.
fn remote(svc: &Service, url: &str, token: Option<&str>, round: Round) -> anyhow::Result<ExitCode> {
    // A `user:password@` in the URL is never sent, printed or kept.
    let (url, dropped) = stint_service::strip_url_credentials(url.trim());
    if dropped {
        eprintln!(
            "warning: the user name and password in the URL were left out: stint never sends or \
             keeps them; it authenticates with the server's token (--token or STINT_SYNC_TOKEN)"
        );
    }
    let url = url.as_str();
    let kept = svc.server_token(&stint_sync::remote::http::base_url(url));
    let Some(token) = token.or(kept.as_deref()) else {
        let flag = if round == Round::Move {
            "--move"
        } else {
            "--url"
        };
        bail!(
            "give the server's token: stint sync {flag} {url} --token T, or set STINT_SYNC_TOKEN \
             (create it on the server with `stint token create --name NAME --scope admin \
             --sensitive`)"
        );
    };
    let hub = stint_sync::remote::http::HttpHub::new(url, token)
        .map_err(stint_service::ServiceError::from)?;
    let r = match round {
        Round::Sync => svc.sync_remote(&hub)?,
        Round::Move => svc.sync_move_to_server(&hub)?,
    };
    // Kept (0600, beside the database) so later syncs, the assistant's `sync` tool and
    // auto-sync reach the server without it.
    svc.remember_server_token(&r.url, token)?;
    println!(
        "Server {}: sent {} file(s), received {} file(s){}.",
        r.url,
        r.uploaded,
        r.downloaded,
        if r.removed > 0 {
            format!(", removed {} old file(s)", r.removed)
        } else {
            String::new()
        }
    );
    print_report(&r.url, &r.local);
    let mut applied: Vec<(String, usize)> = Vec::new();
    for s in &r.server {
        for (name, n) in &s.applied {
            match applied.iter_mut().find(|(m, _)| m == name) {
                Some((_, c)) => *c += n,
                None => applied.push((name.clone(), *n)),
            }
        }
    }
    for (name, n) in &applied {
        println!("The server applied {n} change(s) from {name}.");
    }
    for s in &r.server {
        for d in &s.decisions {
            println!("The server decided: {d}");
        }
        for p in &s.problems {
            eprintln!("warning: on the server: {p}");
        }
    }
    for p in &r.problems {
        eprintln!("warning: {p}");
    }
    Ok(ExitCode::SUCCESS)
}

fn folder_or_last(svc: &Service, dir: Option<&PathBuf>) -> anyhow::Result<PathBuf> {
    Ok(match dir {
        Some(d) => d.clone(),
        None => match svc.sync_status()?.folder {
            Some(f) => PathBuf::from(f),
            None => bail!(
                "name the shared folder: stint sync DIR (e.g. ~/Sync/stint), or a server: stint \
                 sync --url URL --token T; later syncs remember it"
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

/// Prints what one sync through `place` (a folder or a server) did.
fn print_report(place: &str, r: &stint_service::SyncReport) {
    if super::out().json {
        println!("{}", stint_api::json::sync_report(r));
        return;
    }
    for n in &r.notes {
        println!("Note: {n}");
    }
    if r.joined {
        println!(
            "Joined {place} as device {} ({}).",
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
    if super::out().json {
        let server = svc.sync_server_url()?;
        println!("{}", stint_api::json::sync_status(&s, server.as_deref()));
        return Ok(ExitCode::SUCCESS);
    }
    let Some(no) = s.device_no else {
        println!(
            "This device ({}) does not sync yet: run `stint sync DIR` with a folder shared \
             between your devices, or `stint sync --url URL` with `stint serve` on one of them.",
            short(&s.device_id)
        );
        return Ok(ExitCode::SUCCESS);
    };
    let place = match svc.sync_server_url()? {
        Some(url) => format!("server {url}"),
        None => format!("folder {}", s.folder.as_deref().unwrap_or("?")),
    };
    println!(
        "This device: {} ({}), number {no}, {place}",
        s.device_name.as_deref().unwrap_or("?"),
        short(&s.device_id),
    );
    println!("Changes not sent yet: {}", s.unpublished);
    println!(
        "Files: {}; syncs on its own in `stint mcp` and `stint serve`: {}; last snapshot: {}",
        if s.encrypted {
            "encrypted with this device's sync key"
        } else {
            "not encrypted (`stint sync key new` to encrypt)"
        },
        if s.auto_sync {
            "yes"
        } else {
            "no (`stint sync auto on`)"
        },
        if s.snapshot_seq > 0 {
            format!("at change {} of this device", s.snapshot_seq)
        } else {
            "none yet (`stint sync compact` writes one)".to_owned()
        }
    );
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
