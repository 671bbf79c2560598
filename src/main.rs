//! The `stint` binary: parse the command line, set up logging on stderr, dispatch.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // `COMPLETE=bash stint -- ...` (what the scripts of `stint completions` run) answers
    // with completions and exits.
    clap_complete::CompleteEnv::with_factory(<stint::cli::Cli as clap::CommandFactory>::command)
        .complete();
    let cli = stint::cli::Cli::parse();
    // A closed stdout (`stint tracks | head -1`) ends the program quietly, as ripgrep and the
    // classic Unix tools do: the default SIGPIPE action, not Rust's "failed printing to stdout"
    // panic. The servers keep ignoring it, so a client that hangs up cannot end them.
    if !cli.command.is_server() {
        sigpipe::reset();
    }
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
            eprintln!("stint: {}", stint::cli::errors::render(&e));
            ExitCode::FAILURE
        }
    }
}
