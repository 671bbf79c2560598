//! The commands that serve or guard the protocol: `stint mcp` (stdio), `stint serve` (HTTP)
//! and `stint token` (the HTTP bearer tokens).

use std::process::ExitCode;

use comfy_table::Table;
use comfy_table::presets::UTF8_FULL_CONDENSED;

use stint_api::json;
use stint_mcp::StintServer;
use stint_service::{Caller, Frontend, Service};

use super::{Cli, McpArgs, ServeArgs, TokenCommand, clock, db_path, open, out};

/// `stint mcp`: serves the MCP tools on stdin/stdout until the peer hangs up.
pub fn mcp(cli: &Cli, a: &McpArgs) -> anyhow::Result<ExitCode> {
    let toolsets = stint_mcp::catalog::Toolset::parse_list(&a.toolsets)
        .map_err(|e| anyhow::anyhow!("--toolsets (or STINT_TOOLSETS): {e}"))?;
    let mut svc = open(cli, Frontend::McpStdio)?;
    if a.drafts {
        svc = svc.for_caller(Caller::local(Frontend::McpStdio).with_drafts(true));
    }
    // Syncs on its own until this function returns (dropping the handle stops it).
    let _auto_sync = svc.start_auto_sync();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    rt.block_on(stint_mcp::stdio::serve_stdio(StintServer::with_toolsets(
        svc,
        &toolsets,
        stint_mcp::catalog::team_named(&a.toolsets),
        a.drafts,
    )))?;
    Ok(ExitCode::SUCCESS)
}

/// `stint serve`: serves the MCP tools over HTTP until stopped.
pub fn serve(cli: &Cli, a: &ServeArgs) -> anyhow::Result<ExitCode> {
    let path = db_path(cli)?;
    let svc = Service::with_pool(
        &path,
        Caller::local(Frontend::McpHttp),
        clock()?,
        a.connections,
    )?;
    svc.set_hub_client(stint_sync::remote::http::hub_client());
    // Concurrent writers must not wait for the whole WAL to reach the disk in a checkpoint.
    let _flusher = svc.flush_wal_in_background()?;
    let auto_sync = svc.start_auto_sync();
    if auto_sync.is_some()
        && let Ok(Some(f)) = svc.auto_sync_folder()
    {
        eprintln!(
            "Syncing with {} on its own (`stint sync auto off` to stop).",
            f.display()
        );
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(stint_mcp::http::serve_http(
        svc,
        stint_mcp::http::HttpOptions {
            host: a.host,
            port: a.port,
            allowed_hosts: a.allow_hosts.clone(),
            allowed_origins: a.allow_origins.clone(),
            auth: if a.no_token {
                stint_mcp::http::AuthMode::Tokenless
            } else {
                stint_mcp::http::AuthMode::Tokens
            },
        },
        |line| eprintln!("{line}"),
    ))?;
    Ok(ExitCode::SUCCESS)
}

/// `stint token create|list|revoke`.
pub fn token(svc: &Service, cmd: &TokenCommand) -> anyhow::Result<ExitCode> {
    let o = out();
    match cmd {
        TokenCommand::Create {
            name,
            scope,
            sensitive,
            drafts,
            person,
        } => {
            let (row, secret) =
                svc.create_token_as(name, scope, *sensitive, person.as_deref(), *drafts)?;
            if o.json {
                println!("{}", json::token_created(&row, &secret));
                return Ok(ExitCode::SUCCESS);
            }
            println!("{secret}");
            eprintln!(
                "Created token {:?} (scope {}{}). The secret above is shown only once: store it now.",
                row.name,
                row.scope,
                if row.sensitive { ", sensitive" } else { "" }
            );
            if row.drafts {
                eprintln!(
                    "Its tracks and expenses are drafts until you approve them: stint drafts approve"
                );
            }
        }
        TokenCommand::List if o.json => {
            println!("{}", json::token_list(&svc.list_tokens_with_people()?));
        }
        TokenCommand::List => {
            let mut table = Table::new();
            table.load_preset(UTF8_FULL_CONDENSED).set_header([
                "name",
                "scope",
                "person",
                "role",
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
            for listed in svc.list_tokens_with_people()? {
                let t = listed.token;
                table.add_row([
                    t.name,
                    t.scope,
                    listed.person,
                    listed.role.as_str().to_owned(),
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
            if o.json {
                println!("{}", json::token_revoked(&t));
                return Ok(ExitCode::SUCCESS);
            }
            println!("Revoked token {:?}", t.name);
        }
    }
    Ok(ExitCode::SUCCESS)
}
