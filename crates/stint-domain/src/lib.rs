//! Pure rules and types: ids, instants and ranges, durations, tracks, settings, money, rounding,
//! and billing (rates, invoice lines and totals, invoice numbers, budget status).
//!
//! **Architecture invariant:** nothing here does I/O, touches SQL or serde, or reads the clock.
//! Functions that need "now" take it as an argument; the service layer gets it from a
//! `stint_service::Clock`.

pub mod billing;
pub mod entities;
pub(crate) mod error;
pub(crate) mod ids;
pub mod invoice_doc;
pub mod limits;
pub mod money;
pub mod names;
pub(crate) mod natural_time;
pub mod people;
pub mod rounding;
pub mod settings;
pub mod tax;
pub mod time;
pub mod track;
pub mod words;

pub use error::DomainError;
pub use ids::{
    ClientId, ExpenseId, InvoiceId, MilestoneId, PersonId, ProjectId, TagId, TaskId, TrackId,
};
