//! Subcommands whose arguments clap builds only when the command line names them.
//!
//! `stint start` is a short process, and building clap's whole tree of commands (some 70
//! subcommands and 220 arguments, each with its help text) took more instructions than
//! SQLite spends on the start's transaction. [`Lazy`] wraps the arguments of one subcommand
//! (`Start(Lazy<StartArgs>)`) so that its `clap::Command` is filled in by clap's
//! [`clap::Command::defer`] when that subcommand is parsed, shown in help or completed; the
//! others stay a name and a line of help. What a user sees (help, errors, completions) is the
//! same: `tests/it/cli_lazy.rs` compares it with the command tree built eagerly.

use std::ops::Deref;

use clap::{ArgMatches, Args, Command, FromArgMatches, Subcommand};

/// The arguments `T` of one subcommand, added to its `clap::Command` only when clap builds
/// that subcommand. Derefs to `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lazy<T>(pub T);

impl<T> Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Runs `fill` on `cmd` but keeps the about and long about the subcommand had before it:
/// clap's derive sets them from the variant's doc comment after adding the arguments, so the
/// variant's text must win over the one of `T`'s own doc comment, as it does eagerly.
fn keeping_about(cmd: Command, fill: impl FnOnce(Command) -> Command) -> Command {
    let about = cmd.get_about().cloned();
    let long_about = cmd.get_long_about().cloned();
    let cmd = fill(cmd);
    let cmd = match about {
        Some(a) => cmd.about(a),
        None => cmd,
    };
    match long_about {
        Some(a) => cmd.long_about(a),
        None => cmd,
    }
}

impl<T: FromArgMatches> FromArgMatches for Lazy<T> {
    fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches(matches).map(Lazy)
    }
    fn from_arg_matches_mut(matches: &mut ArgMatches) -> Result<Self, clap::Error> {
        T::from_arg_matches_mut(matches).map(Lazy)
    }
    fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches(matches)
    }
    fn update_from_arg_matches_mut(&mut self, matches: &mut ArgMatches) -> Result<(), clap::Error> {
        self.0.update_from_arg_matches_mut(matches)
    }
}

impl<T: Args> Args for Lazy<T> {
    fn group_id() -> Option<clap::Id> {
        T::group_id()
    }
    fn augment_args(cmd: Command) -> Command {
        cmd.defer(|c| keeping_about(c, T::augment_args))
    }
    fn augment_args_for_update(cmd: Command) -> Command {
        cmd.defer(|c| keeping_about(c, T::augment_args_for_update))
    }
}

impl<T: Subcommand> Subcommand for Lazy<T> {
    fn augment_subcommands(cmd: Command) -> Command {
        cmd.defer(|c| keeping_about(c, T::augment_subcommands))
    }
    fn augment_subcommands_for_update(cmd: Command) -> Command {
        cmd.defer(|c| keeping_about(c, T::augment_subcommands_for_update))
    }
    fn has_subcommand(name: &str) -> bool {
        T::has_subcommand(name)
    }
}
