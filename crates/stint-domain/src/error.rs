//! Errors raised by domain rules. Each message says what was wrong and how to fix it.

use thiserror::Error;

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
        hint: String,
    },
    /// A value parsed but breaks a rule (an end before a start, a zero duration, ...).
    #[error("{0}")]
    Invalid(String),
}

impl DomainError {
    pub fn parse(what: &'static str, input: &str, hint: impl Into<String>) -> Self {
        DomainError::Parse {
            what,
            input: super::limits::echo(input),
            hint: hint.into(),
        }
    }
}
