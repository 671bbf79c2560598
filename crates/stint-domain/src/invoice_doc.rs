//! What a printed invoice shows: [`InvoiceDocument`], a plain view of an invoice for renderers
//! (the PDF in `stint_render`), and the number formats it is printed with.
//!
//! The service fills the document from a stored invoice and the settings in one place
//! (`Service::invoice_document`); a renderer only lays out what is here and computes no money.
//! Every amount is in major units of [`InvoiceDocument::currency`], already rounded to its
//! minor unit by the billing rules.

use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::DomainError;
use super::money::Currency;
use super::settings::PaperSize;

/// The most lines a printed invoice may have. Beyond it the export is refused with a hint to
/// group the invoice by project or day: a document of thousands of lines is no invoice anyone
/// reads, and the answer of an export must stay bounded.
pub const MAX_DOCUMENT_LINES: usize = 2_000;

/// The most pages a printed invoice may have (long descriptions and notes wrap onto more
/// pages); beyond it the export is refused.
pub const MAX_DOCUMENT_PAGES: usize = 200;

/// Seller or buyer as printed. Texts may hold several lines (`address`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Party {
    pub name: Option<String>,
    /// Postal address, one line per line of text.
    pub address: Option<String>,
    /// Tax or VAT id.
    pub tax_id: Option<String>,
    pub email: Option<String>,
}

impl Party {
    /// Whether nothing at all is known about this party.
    pub fn is_empty(&self) -> bool {
        self.name.is_none()
            && self.address.is_none()
            && self.tax_id.is_none()
            && self.email.is_none()
    }
}

/// Where a printed invoice stands in its lifecycle; drafts and void invoices are marked as such
/// on the page so that neither can pass for a bill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentState {
    /// Not issued yet: no number; printed as a draft.
    Draft,
    /// Issued (sent or paid).
    Issued,
    /// Voided: printed with a VOID mark.
    Void,
}

/// One line of the invoice table.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentLine {
    /// What was done; may be long (it wraps) and may hold any Unicode text.
    pub description: String,
    /// A short second line: the date and/or project of the work, if any.
    pub detail: Option<String>,
    /// Quantity billed, e.g. hours with 2 decimals.
    pub quantity: Decimal,
    /// Unit of the quantity, e.g. `h`.
    pub unit: String,
    /// Price per unit, major units.
    pub unit_rate: Decimal,
    /// Quantity x rate, rounded to the currency's minor unit; major units.
    pub amount: Decimal,
    /// Tax rate of the line in percent, e.g. 19.
    pub tax_rate_percent: Decimal,
}

/// One row of the tax summary: the tax of one rate.
#[derive(Debug, Clone, PartialEq)]
pub struct TaxRow {
    /// Rate in percent, e.g. 19.
    pub rate_percent: Decimal,
    /// Net amount taxed at this rate (after any discount), major units.
    pub base: Decimal,
    /// Tax at this rate, rounded once, major units.
    pub tax: Decimal,
}

/// A discount on the invoice, before tax.
#[derive(Debug, Clone, PartialEq)]
pub struct Discount {
    /// How it is described, e.g. `Discount 10 %`.
    pub label: String,
    /// The amount taken off the subtotal, positive, major units.
    pub amount: Decimal,
}

/// An invoice as printed: everything a renderer needs, nothing it must compute.
#[derive(Debug, Clone, PartialEq)]
pub struct InvoiceDocument {
    pub state: DocumentState,
    /// The invoice number once issued; `None` for a draft.
    pub number: Option<String>,
    /// The invoice's id, printed on drafts that have no number.
    pub id: i64,
    pub issue_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// First and last day of the work billed (both included).
    pub period: Option<(NaiveDate, NaiveDate)>,
    pub seller: Party,
    pub buyer: Party,
    pub currency: Currency,
    pub lines: Vec<DocumentLine>,
    /// Sum of the line amounts, major units.
    pub subtotal: Decimal,
    pub discount: Option<Discount>,
    /// Tax per rate, in increasing order of rate; rates with no base are left out.
    pub tax_summary: Vec<TaxRow>,
    /// Subtotal - discount + tax, major units.
    pub total: Decimal,
    pub notes: Option<String>,
    /// How to pay (bank, IBAN, ...), several lines.
    pub payment_details: Option<String>,
    pub paper: PaperSize,
}

impl InvoiceDocument {
    /// The title printed on the document and in its metadata: `Invoice INV-2026-0001`, `Draft
    /// invoice #7` or `Void invoice INV-2026-0001`.
    pub fn title(&self) -> String {
        let reference = match &self.number {
            Some(n) => n.clone(),
            None => format!("#{}", self.id),
        };
        match self.state {
            DocumentState::Draft => format!("Draft invoice {reference}"),
            DocumentState::Issued => format!("Invoice {reference}"),
            DocumentState::Void => format!("Void invoice {reference}"),
        }
    }

    /// Refuses a document too long to print (more than [`MAX_DOCUMENT_LINES`] lines).
    ///
    /// # Errors
    /// [`DomainError::Invalid`] naming the count and what to do instead.
    pub fn check_size(&self) -> Result<(), DomainError> {
        if self.lines.len() > MAX_DOCUMENT_LINES {
            return Err(DomainError::Invalid(format!(
                "the invoice has {} lines; a PDF holds at most {MAX_DOCUMENT_LINES}: create the \
                 invoice again grouped by project or day, or export it as CSV",
                self.lines.len()
            ).into()));
        }
        Ok(())
    }
}

/// `amount` with the currency's minor-unit digits and thousands separated by commas:
/// `1234.5` in EUR is `1,234.50`, `-12` in JPY is `-12`, `1.2345` in KWD is `1.235` (half-up).
pub fn format_amount(amount: Decimal, currency: Currency) -> String {
    let digits = currency.minor_units();
    let rounded =
        amount.round_dp_with_strategy(digits, rust_decimal::RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", digits as usize, rounded.abs());
    let (int, frac) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::with_capacity(text.len() + int.len() / 3 + 1);
    if rounded.is_sign_negative() && !rounded.is_zero() {
        grouped.push('-');
    }
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(c);
    }
    if let Some(f) = frac {
        grouped.push('.');
        grouped.push_str(f);
    }
    grouped
}

/// `amount` with its currency: the sign for EUR, GBP, JPY and USD (`€1,234.50`), else the code
/// after the amount (`1,234.50 CHF`).
pub fn format_money(amount: Decimal, currency: Currency) -> String {
    let n = format_amount(amount, currency);
    match currency_sign(currency) {
        Some(sign) => match n.strip_prefix('-') {
            Some(abs) => format!("-{sign}{abs}"),
            None => format!("{sign}{n}"),
        },
        None => format!("{n} {}", currency.code()),
    }
}

/// The sign printed for a currency whose sign is unambiguous, if any.
pub(crate) fn currency_sign(currency: Currency) -> Option<&'static str> {
    match currency.code() {
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        "JPY" => Some("¥"),
        "USD" => Some("$"),
        _ => None,
    }
}

/// A percentage as printed: `19 %`, `7.5 %`, `0 %`.
pub fn format_percent(rate: Decimal) -> String {
    format!("{} %", rate.normalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(code: &str) -> Currency {
        Currency::parse(code).unwrap()
    }

    #[test]
    fn amounts_are_grouped_with_minor_units() {
        let d = |s: &str| s.parse::<Decimal>().unwrap();
        assert_eq!(format_amount(d("1234.5"), cur("EUR")), "1,234.50");
        assert_eq!(format_amount(d("1234567.891"), cur("EUR")), "1,234,567.89");
        assert_eq!(format_amount(d("0.005"), cur("EUR")), "0.01");
        assert_eq!(format_amount(d("-12"), cur("JPY")), "-12");
        assert_eq!(format_amount(d("999"), cur("JPY")), "999");
        assert_eq!(format_amount(d("1.2345"), cur("KWD")), "1.235");
        assert_eq!(format_amount(d("-0.001"), cur("EUR")), "0.00");
        assert_eq!(format_money(d("1234.5"), cur("EUR")), "€1,234.50");
        assert_eq!(format_money(d("-5"), cur("USD")), "-$5.00");
        assert_eq!(format_money(d("10"), cur("CHF")), "10.00 CHF");
        assert_eq!(format_percent(d("19.00")), "19 %");
        assert_eq!(format_percent(d("7.5")), "7.5 %");
    }
}
