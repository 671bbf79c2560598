//! The `stint` binary: parse the command line, set up logging on stderr, dispatch.

use std::process::ExitCode;

use clap::{CommandFactory as _, FromArgMatches as _};

fn main() -> ExitCode {
    // `COMPLETE=bash stint -- ...` (what the scripts of `stint completions` run) answers
    // with completions and exits.
    clap_complete::CompleteEnv::with_factory(<stint::cli::Cli as clap::CommandFactory>::command)
        .complete();
    let cli = parse();
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

/// `Cli::parse()`, except that clap's command tree is not dropped: it is left to the end of
/// the process, when the operating system takes the memory back at once. Freeing its
/// commands and arguments one by one cost 5 % of the instructions of a `stint start`. Errors
/// and help are clap's, exactly as `Cli::parse()` prints them.
fn parse() -> stint::cli::Cli {
    let mut cmd = std::mem::ManuallyDrop::new(stint::cli::Cli::command());
    let mut matches = cmd.get_matches_mut();
    stint::cli::Cli::from_arg_matches_mut(&mut matches)
        .unwrap_or_else(|e| e.format(&mut cmd).exit())
}
