//! PDF invoices: the printed view of an invoice ([`invoice_document`], the one place that
//! decides what a PDF shows) and the exports that render it, as bytes in the answer or to a
//! file under the rules of [`super::files`].

use std::path::{Path, PathBuf};

use super::{Result, Service, ServiceError};
use stint_domain::DomainError;
use stint_domain::entities::{Invoice, InvoiceStatus};
use stint_domain::invoice_doc::{
    Discount, DocumentLine, DocumentState, InvoiceDocument, Party, TaxRow,
};
use stint_domain::settings::Settings;
use stint_domain::time::{inclusive_days, parse_time_zone};
use stint_render::pdf::{PdfError, RenderedPdf, render_invoice_pages};

/// The printed view of `inv` (as this caller may see it: pass it through `shown_invoice`
/// first), with the seller's details and the paper size from `settings`.
///
/// - Seller name and address: frozen on the invoice when it was generated; a draft shows the
///   current settings (it can still change), an issued invoice its frozen values, each
///   falling back to the other when one is missing. Tax id and payment details come from the
///   settings at export time.
/// - Lines: quantity in hours with the invoice's rate; the detail under a description is the
///   line's date and project (whichever is not the description itself).
/// - Expense lines: quantity 1 (no unit) at the expense's amount, with their own tax rate.
/// - Tax: the invoice's summary per rate (base after its share of the discount, tax rounded
///   once per rate); the discount, when there is one, as its own row before tax.
pub fn invoice_document(inv: &Invoice, settings: &Settings) -> InvoiceDocument {
    let state = match inv.status {
        InvoiceStatus::Draft => DocumentState::Draft,
        InvoiceStatus::Sent | InvoiceStatus::Paid => DocumentState::Issued,
        InvoiceStatus::Void => DocumentState::Void,
    };
    let pick = |frozen: &Option<String>, current: &Option<String>| match state {
        DocumentState::Draft => current.clone().or_else(|| frozen.clone()),
        _ => frozen.clone().or_else(|| current.clone()),
    };
    let period = parse_time_zone(&inv.timezone)
        .ok()
        .map(|tz| inclusive_days(inv.period_start, inv.period_end, tz));
    let lines = inv
        .lines
        .iter()
        .map(|l| {
            let mut detail: Vec<String> = Vec::new();
            if let Some(d) = l.date
                && d.to_string() != l.description
            {
                detail.push(d.to_string());
            }
            if let Some(p) = &l.project_name
                && *p != l.description
            {
                detail.push(p.clone());
            }
            DocumentLine {
                description: l.description.clone(),
                detail: (!detail.is_empty()).then(|| detail.join(" · ")),
                quantity: l.quantity_hours,
                unit: if l.expense_id.is_some() { "" } else { "h" }.to_owned(),
                unit_rate: l.unit_rate,
                amount: l.amount,
                tax_rate_percent: l.tax_rate_percent,
            }
        })
        .collect();
    InvoiceDocument {
        state,
        number: inv.number.clone(),
        id: inv.id.0,
        issue_date: inv.issue_date,
        due_date: inv.due_date,
        period,
        seller: Party {
            name: pick(&inv.seller_name, &settings.business_name),
            address: pick(&inv.seller_address, &settings.business_address),
            tax_id: settings.business_tax_id.clone(),
            email: None,
        },
        buyer: Party {
            name: inv.client_name.clone(),
            address: inv.client_address.clone(),
            tax_id: inv.client_tax_id.clone(),
            email: inv.client_email.clone(),
        },
        currency: inv.currency,
        lines,
        subtotal: inv.subtotal,
        discount: (!inv.discount.is_zero()).then(|| Discount {
            label: match inv.discount_percent {
                Some(p) => format!("Discount {} %", p.normalize()),
                None => "Discount".to_owned(),
            },
            amount: inv.discount,
        }),
        tax_summary: if inv.tax_summary.is_empty() {
            // An invoice with no lines: one row at the invoice's rate.
            vec![TaxRow {
                rate_percent: inv.tax_rate_percent,
                base: inv.subtotal - inv.discount,
                tax: inv.tax,
            }]
        } else {
            inv.tax_summary
                .iter()
                .map(|r| TaxRow {
                    rate_percent: r.tax_rate_percent,
                    base: r.taxable,
                    tax: r.tax,
                })
                .collect()
        },
        total: inv.total,
        notes: inv.notes.clone(),
        payment_details: settings.payment_details.clone(),
        paper: settings.paper_size,
    }
}

fn pdf_error(e: PdfError) -> ServiceError {
    match e {
        PdfError::TooLong(_) => ServiceError::Domain(DomainError::Invalid(e.to_string().into())),
        PdfError::Write(_) => ServiceError::Conflict(
            format!("{e}; nothing was written; report this with the invoice's id").into(),
        ),
    }
}

impl Service {
    /// The invoice (as this caller may see it) and its PDF.
    fn invoice_pdf(&self, invoice: &str) -> Result<(Invoice, RenderedPdf)> {
        let (inv, settings) = self.read(|ctx| {
            Ok((
                super::invoices::resolve_invoice(ctx, invoice)?,
                ctx.settings.clone(),
            ))
        })?;
        let inv = self.shown_invoice(inv);
        let doc = invoice_document(&inv, &settings);
        doc.check_size()?;
        let pdf = render_invoice_pages(&doc).map_err(pdf_error)?;
        Ok((inv, pdf))
    }

    /// The invoice as a PDF file's bytes (see [`invoice_document`] for what it shows; client
    /// contact details redacted for callers that may not see them), recorded in the audit log
    /// as an export to `content`.
    ///
    /// # Errors
    /// Unknown invoice; more than
    /// [`MAX_DOCUMENT_LINES`](stint_domain::invoice_doc::MAX_DOCUMENT_LINES) lines or
    /// [`MAX_DOCUMENT_PAGES`](stint_domain::invoice_doc::MAX_DOCUMENT_PAGES) pages.
    pub fn export_invoice_pdf(&self, invoice: &str) -> Result<(Invoice, Vec<u8>)> {
        let e = self.export_invoice_pdf_as(invoice, None)?;
        Ok((e.invoice, e.pdf))
    }

    /// The invoice's PDF with its page count: written to a file when `to` names one (`(path,
    /// overwrite)`, the rules of [`Service::export_invoice_pdf_to`]), else returned for the
    /// answer (an export to `content` in the audit log).
    ///
    /// # Errors
    /// As [`Service::export_invoice_pdf`] and [`Service::export_invoice_pdf_to`].
    pub fn export_invoice_pdf_as(
        &self,
        invoice: &str,
        to: Option<(&Path, bool)>,
    ) -> Result<PdfExport> {
        match to {
            None => {
                let (inv, pdf) = self.invoice_pdf(invoice)?;
                self.audit_export("export_invoice_pdf", "content", Some(inv.lines.len()))?;
                Ok(PdfExport {
                    invoice: inv,
                    pdf: pdf.bytes,
                    pages: pdf.pages,
                    path: None,
                })
            }
            Some((path, overwrite)) => self.write_invoice_pdf(invoice, path, overwrite),
        }
    }

    /// Writes the invoice's PDF to the file at `path` (rules of [`Service::output_file`]:
    /// local callers only, a new file unless `overwrite`, mode 0600, never the database) and
    /// records the export in the audit log. Returns the invoice, the PDF's bytes and the
    /// absolute path written.
    ///
    /// # Errors
    /// As [`Service::export_invoice_pdf`]; the path is refused or cannot be written (nothing
    /// is written then).
    pub fn export_invoice_pdf_to(
        &self,
        invoice: &str,
        path: &Path,
        overwrite: bool,
    ) -> Result<(Invoice, Vec<u8>, PathBuf)> {
        let e = self.write_invoice_pdf(invoice, path, overwrite)?;
        let written = e.path.unwrap_or_default();
        Ok((e.invoice, e.pdf, written))
    }

    fn write_invoice_pdf(&self, invoice: &str, path: &Path, overwrite: bool) -> Result<PdfExport> {
        if !self.caller.may_write_files || self.caller.frontend == super::Frontend::McpHttp {
            return Err(ServiceError::Conflict(
                "over HTTP stint does not write files at a path you choose; leave out path: the \
                 PDF is in the answer"
                    .into(),
            ));
        }
        let mut out = self.output_file(path, overwrite)?;
        let (inv, pdf) = self.invoice_pdf(invoice)?;
        std::io::Write::write_all(&mut out, &pdf.bytes).map_err(|e| {
            ServiceError::Conflict(
                format!(
                    "cannot write {} ({e}); nothing was written there",
                    out.target().display()
                )
                .into(),
            )
        })?;
        let written = out.commit()?;
        self.audit_export(
            "export_invoice_pdf",
            &written.display().to_string(),
            Some(inv.lines.len()),
        )?;
        Ok(PdfExport {
            invoice: inv,
            pdf: pdf.bytes,
            pages: pdf.pages,
            path: Some(written),
        })
    }
}

/// An invoice's PDF as exported: the invoice, the PDF's bytes, its pages, and the absolute
/// path of the file written (when one was asked for).
#[derive(Debug, Clone)]
pub struct PdfExport {
    pub invoice: Invoice,
    pub pdf: Vec<u8>,
    pub pages: usize,
    pub path: Option<PathBuf>,
}
