//! Invoices: create (or preview), list, get, update, send, pay, void, delete and export as CSV
//! or PDF.
//!
//! Titles, annotations and the HTTP scope of each tool come from the table in
//! [`crate::catalog`]; this module holds what each tool does.

use base64::Engine as _;
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, ContentBlock, ResourceContents};
use rmcp::{tool, tool_router};

use crate::server::{StintServer, fail};
use stint_api::dto_billing::*;
use stint_api::dto_changes::Replayable;
use stint_service::{InvoiceChanges, ListInvoices};

#[tool_router(router = billing_router, vis = "pub(super)")]
impl StintServer {
    #[tool(
        name = "create_invoice",
        description = "Make a draft invoice of the unbilled tracks of a client and/or projects in a period (dry_run: preview)."
    )]
    async fn create_invoice(
        &self,
        Parameters(a): Parameters<CreateInvoiceArgs>,
    ) -> Result<Json<Replayable<InvoiceResultOut>>, String> {
        let rid = a.request_id.clone();
        let req: stint_service::NewInvoice = a.into();
        let dry_run = req.dry_run;
        let (inv, replayed) = (self.svc)
            .once(rid.as_deref(), |s| s.create_invoice(req))
            .map_err(fail)?;
        let invoice = InvoiceOut::new(inv, dry_run);
        Ok(crate::replayable(InvoiceResultOut { invoice }, replayed))
    }

    #[tool(
        name = "list_invoices",
        description = "List invoices without lines (get_invoice has them), newest first."
    )]
    async fn list_invoices(
        &self,
        Parameters(a): Parameters<ListInvoicesArgs>,
    ) -> Result<Json<InvoicePageOut>, String> {
        let page = self
            .svc
            .list_invoices(ListInvoices {
                status: a.status,
                client: a.client.map(|r| r.0),
                limit: a.limit,
                cursor: a.cursor,
            })
            .map_err(fail)?;
        Ok(Json(InvoicePageOut {
            invoices: page.items.iter().map(InvoiceSummaryOut::from).collect(),
            next_cursor: page.next_cursor,
        }))
    }

    #[tool(
        name = "get_invoice",
        description = "Get one invoice with its lines, by id or number."
    )]
    async fn get_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self.svc.get_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "update_invoice",
        description = "Change notes, tax rate, discount or due date of a draft invoice."
    )]
    async fn update_invoice(
        &self,
        Parameters(a): Parameters<UpdateInvoiceArgs>,
    ) -> Result<Json<InvoiceResultOut>, String> {
        let inv = self
            .svc
            .update_invoice(
                &a.invoice_id.0,
                InvoiceChanges {
                    notes: a.notes,
                    tax_rate_percent: a.tax_rate_percent.map(|d| d.0),
                    due_date: a.due_date,
                    discount_percent: a.discount_percent.map(|d| d.0),
                    discount_amount: a.discount_amount.map(|d| d.0),
                },
            )
            .map_err(fail)?;
        Ok(Json(InvoiceResultOut {
            invoice: InvoiceOut::new(inv, false),
        }))
    }

    #[tool(
        name = "mark_invoice_sent",
        description = "Issue a draft invoice: the next number, an issue date, frozen."
    )]
    async fn mark_invoice_sent(
        &self,
        Parameters(a): Parameters<MarkSentArgs>,
    ) -> Result<Json<InvoiceChangedOut>, String> {
        let inv = self
            .svc
            .mark_invoice_sent(&a.invoice_id.0, a.issue_date.as_deref())
            .map_err(fail)?;
        Ok(Json(InvoiceChangedOut {
            invoice: (&inv).into(),
        }))
    }

    #[tool(
        name = "mark_invoice_paid",
        description = "Record that a sent invoice was paid."
    )]
    async fn mark_invoice_paid(
        &self,
        Parameters(a): Parameters<MarkPaidArgs>,
    ) -> Result<Json<InvoiceChangedOut>, String> {
        let inv = self
            .svc
            .mark_invoice_paid(&a.invoice_id.0, a.paid_on.as_deref())
            .map_err(fail)?;
        Ok(Json(InvoiceChangedOut {
            invoice: (&inv).into(),
        }))
    }

    #[tool(
        name = "void_invoice",
        description = "Void a draft or sent invoice: its number stays, its tracks are released."
    )]
    async fn void_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceChangedOut>, String> {
        let inv = self.svc.void_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceChangedOut {
            invoice: (&inv).into(),
        }))
    }

    #[tool(
        name = "delete_invoice",
        description = "Delete a draft invoice, releasing its tracks (issued ones: void_invoice)."
    )]
    async fn delete_invoice(
        &self,
        Parameters(a): Parameters<InvoiceRefArgs>,
    ) -> Result<Json<InvoiceChangedOut>, String> {
        let inv = self.svc.delete_invoice(&a.invoice_id.0).map_err(fail)?;
        Ok(Json(InvoiceChangedOut {
            invoice: (&inv).into(),
        }))
    }

    #[tool(
        name = "export_invoice_csv",
        description = "Export an invoice as CSV text: a row per line, then subtotal, tax and total."
    )]
    async fn export_invoice_csv(
        &self,
        Parameters(a): Parameters<ExportCsvArgs>,
    ) -> Result<Json<CsvExportOut>, String> {
        let (inv, csv, path) = match a.path.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => {
                let (inv, csv, written) = self
                    .svc
                    .export_invoice_csv_to(&a.invoice_id.0, std::path::Path::new(p), false)
                    .map_err(fail)?;
                (inv, csv, Some(written.display().to_string()))
            }
            None => {
                let (inv, csv) = self.svc.export_invoice_csv(&a.invoice_id.0).map_err(fail)?;
                (inv, csv, None)
            }
        };
        Ok(Json(CsvExportOut {
            invoice_id: inv.id.0,
            number: inv.number.clone(),
            rows: csv.lines().count().saturating_sub(1),
            csv,
            path,
        }))
    }

    #[tool(
        name = "export_invoice_pdf",
        description = "Export an invoice as PDF: embedded, or with `path` (stdio) written to a new file.",
        output_schema = rmcp::handler::server::common::schema_for_output::<PdfExportOut>()
    )]
    async fn export_invoice_pdf(
        &self,
        Parameters(a): Parameters<ExportPdfArgs>,
    ) -> Result<CallToolResult, String> {
        let path = a.path.as_deref().map(str::trim).filter(|p| !p.is_empty());
        let e = self
            .svc
            .export_invoice_pdf_as(
                &a.invoice_id.0,
                path.map(|p| (std::path::Path::new(p), false)),
            )
            .map_err(fail)?;
        let out = PdfExportOut {
            invoice_id: e.invoice.id.0,
            number: e.invoice.number.clone(),
            bytes: e.pdf.len(),
            pages: e.pages,
            path: e.path.as_ref().map(|p| p.display().to_string()),
            embedded: e.path.is_none(),
        };
        let mut result =
            CallToolResult::structured(serde_json::to_value(&out).map_err(|e| e.to_string())?);
        // Written to a file: the answer says where, and does not carry the PDF again.
        if e.path.is_none() {
            let uri = format!("stint://invoices/{}.pdf", e.invoice.id.0);
            let blob = base64::engine::general_purpose::STANDARD.encode(&e.pdf);
            result.content.push(ContentBlock::resource(
                ResourceContents::blob(blob, uri).with_mime_type("application/pdf"),
            ));
        }
        Ok(result)
    }
}
