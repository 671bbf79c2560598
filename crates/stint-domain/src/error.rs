//! Errors raised by domain rules. Each message says what was wrong and how to fix it.

use thiserror::Error;

use crate::words::{Msg, Words};

/// A rule of the domain was broken by the input.
///
/// The `Display` text is meant for the end user or the agent: it names the offending value and
/// says what to send instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    /// A value could not be parsed (`what` names the field, `hint` the accepted forms; `input`
    /// is what was sent, cut to 80 characters).
    #[error("cannot read {what} {input:?}: {hint}")]
    Parse {
        what: &'static str,
        input: String,
        hint: Msg,
    },
    /// A value parsed but breaks a rule (an end before a start, a zero duration, ...).
    #[error("{0}")]
    Invalid(Msg),
}

impl DomainError {
    /// The error in a front end's words (see [`crate::words`]).
    pub fn render(&self, words: &dyn Words) -> String {
        match self {
            DomainError::Parse { what, input, hint } => {
                format!("cannot read {what} {input:?}: {}", hint.render(words))
            }
            DomainError::Invalid(m) => m.render(words),
        }
    }

    pub fn parse(what: &'static str, input: &str, hint: impl Into<Msg>) -> Self {
        DomainError::Parse {
            what,
            input: super::limits::echo(input),
            hint: hint.into(),
        }
    }
}
