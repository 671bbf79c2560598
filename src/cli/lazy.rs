//! Groups of subcommands whose members clap builds only when the command line names the group.
//!
//! `stint start` is a short process, and building clap's whole tree of commands (some 100
//! commands and 220 arguments, each with its help text) and freeing it again cost 16 % of its
//! instructions. [`Lazy`] wraps a group (`Task(Lazy<TaskCommand>)`) so
//! that its subcommands are added by clap's [`clap::Command::defer`] when `stint task ...` is
//! parsed, shown in help or completed; until then `task` is a name and a line of help. Help,
//! errors and completions are the same as with the tree built at once (compared command by
//! command; `tests/it/cli_write_cost.rs` keeps an eye on it). Plain subcommands (`start`)
//! keep their arguments built at once: deferred, clap would list the global options first
//! among the completions of their own.

use std::ops::Deref;

use clap::{ArgMatches, Command, FromArgMatches, Subcommand};

/// The subcommands `T` of one group, added to its `clap::Command` only when clap builds that
/// group. Derefs to `T`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Lazy<T>(pub T);

impl<T> Deref for Lazy<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// Runs `fill` on `cmd` but keeps the about and long about the group had before it: clap's
/// derive sets them from the variant's doc comment after adding the subcommands, so the
/// variant's text must win over the one of `T`'s own doc comment, as it does when built at
/// once.
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
