//! Documents rendered from the domain's views: the PDF invoice ([`pdf`]).
//!
//! Renderers are pure functions from a view (e.g. [`stint_domain::invoice_doc::InvoiceDocument`])
//! to bytes: no I/O, no SQL, no clock; they compute no money and only lay out what the view
//! holds. The service builds the view and decides where the bytes go.

pub mod pdf;
