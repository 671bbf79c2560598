//! Rendering invoices as PDF: a one-page invoice and the largest one allowed
//! (`MAX_DOCUMENT_LINES` lines, about 60 pages), which the test suite only checks for size.
//!
//! `cargo bench --bench render`. Times per call; compare within one run (the machine is noisy).

use rust_decimal::Decimal;
use stint::domain::invoice_doc::{
    DocumentLine, DocumentState, InvoiceDocument, MAX_DOCUMENT_LINES, Party, TaxRow,
};
use stint::domain::money::Currency;
use stint::domain::settings::PaperSize;

fn main() {
    divan::main();
}

/// An issued USD invoice of `lines` identical 1.5-hour lines at 100/h.
fn document(lines: usize) -> InvoiceDocument {
    let line = DocumentLine {
        description: "Consulting session on the catalogue migration".into(),
        detail: Some("2026-11-02 · Website".into()),
        quantity: Decimal::new(150, 2),
        unit: "h".into(),
        unit_rate: Decimal::new(100, 0),
        amount: Decimal::new(15000, 2),
        tax_rate_percent: Decimal::ZERO,
    };
    let total = Decimal::new(150 * lines as i64, 0);
    InvoiceDocument {
        state: DocumentState::Issued,
        number: Some("INV-1".into()),
        id: 1,
        issue_date: None,
        due_date: None,
        period: None,
        seller: Party::default(),
        buyer: Party::default(),
        currency: Currency::parse("USD").unwrap(),
        lines: vec![line; lines],
        subtotal: total,
        discount: None,
        tax_summary: vec![TaxRow {
            rate_percent: Decimal::ZERO,
            base: total,
            tax: Decimal::ZERO,
        }],
        total,
        notes: None,
        payment_details: None,
        paper: PaperSize::A4,
    }
}

#[divan::bench(args = [10, 150, MAX_DOCUMENT_LINES], sample_count = 5)]
fn render_invoice(bencher: divan::Bencher<'_, '_>, lines: usize) {
    let doc = document(lines);
    bencher.bench_local(|| stint::render::pdf::render_invoice(divan::black_box(&doc)).unwrap());
}
