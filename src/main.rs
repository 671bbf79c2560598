//! The `stint` binary: parse the command line, set up logging on stderr, dispatch.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = stint::cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_env("STINT_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,rmcp=error"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .init();
    match stint::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("stint: {e:#}");
            ExitCode::FAILURE
        }
    }
}
