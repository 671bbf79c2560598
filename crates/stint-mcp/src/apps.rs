//! MCP Apps (the `io.modelcontextprotocol/ui` extension, SEP-1865, as `@modelcontextprotocol/ext-apps`
//! 2.x defines it): two views a host draws in a sandboxed frame beside a tool's answer.
//!
//! - `ui://stint/week`: the week by day and project as bars with totals, the running timer and a
//!   day's tracks on a click; opened by `time_summary` and `show_week`.
//! - `ui://stint/invoice`: an invoice as it will be sent, with buttons that call
//!   `mark_invoice_sent` and `export_invoice_pdf` through the host; opened by `get_invoice` and
//!   `create_invoice`.
//!
//! Both are one self-contained HTML file each (`crates/stint-mcp/ui/`, inline CSS and script, no
//! network), served by `resources/read` with the mime type `text/html;profile=mcp-app` and a
//! `_meta.ui` that asks for no network domains at all.
//!
//! Only a client that announces the extension in its capabilities
//! (`capabilities.extensions["io.modelcontextprotocol/ui"]`, with `mimeTypes` holding
//! `text/html;profile=mcp-app` when it lists any) sees any of this: the tools' `_meta.ui`
//! links, the `ui://` resources in `resources/list` and the `show_week` tool. Every other
//! client's catalogue is what it was before the apps existed.

use rmcp::model::{
    ClientCapabilities, MetaObject, ReadResourceResult, Resource, ResourceContents, Tool,
    ToolAnnotations,
};
use serde_json::json;

use stint_service::Scope;

/// The extension's id in `capabilities.extensions`.
pub(crate) const EXTENSION_ID: &str = "io.modelcontextprotocol/ui";
/// The mime type of an app's HTML.
pub(crate) const MIME: &str = "text/html;profile=mcp-app";
/// The week timesheet.
pub(crate) const WEEK: &str = "ui://stint/week";
/// The invoice preview.
pub(crate) const INVOICE: &str = "ui://stint/invoice";
/// The tool only app clients see.
pub(crate) const SHOW_WEEK: &str = "show_week";

const WEEK_HTML: &str = include_str!("../ui/week.html");
const INVOICE_HTML: &str = include_str!("../ui/invoice.html");

/// Whether a client announced MCP Apps: the extension is in its capabilities and, when it lists
/// the mime types it draws, `text/html;profile=mcp-app` is one of them.
pub(crate) fn announced(caps: Option<&ClientCapabilities>) -> bool {
    let Some(ext) = caps
        .and_then(|c| c.extensions.as_ref())
        .and_then(|e| e.get(EXTENSION_ID))
    else {
        return false;
    };
    match ext.get("mimeTypes") {
        None => true,
        Some(types) => types
            .as_array()
            .is_some_and(|a| a.iter().any(|t| t.as_str() == Some(MIME))),
    }
}

/// The app a tool's answer opens, if any.
pub(crate) fn app_of(tool: &str) -> Option<&'static str> {
    match tool {
        "time_summary" | SHOW_WEEK => Some(WEEK),
        "get_invoice" | "create_invoice" => Some(INVOICE),
        _ => None,
    }
}

/// Adds the `_meta.ui.resourceUri` link (and the older flat `ui/resourceUri` key, which hosts
/// of the first drafts read) to each tool that opens an app.
pub(crate) fn link(tools: &mut [Tool]) {
    for tool in tools {
        if let Some(uri) = app_of(&tool.name) {
            let meta = tool.meta.get_or_insert_with(MetaObject::new);
            meta.0
                .insert("ui".to_owned(), json!({ "resourceUri": uri }));
            meta.0.insert("ui/resourceUri".to_owned(), json!(uri));
        }
    }
}

/// The title and annotations of `show_week` (read-only, closed world), which the catalogue
/// table ([`crate::catalog::TOOLS`]) does not hold: only app clients see the tool.
pub(crate) fn finish_show_week(tool: &mut Tool) {
    if tool.name == SHOW_WEEK {
        tool.title = Some("Show week".to_owned());
        tool.annotations = Some(ToolAnnotations::from_raw(
            None,
            Some(true),
            Some(false),
            Some(true),
            Some(false),
        ));
    }
}

/// The HTTP scope of an app-only tool: `show_week` reads.
pub(crate) fn required_scope(tool: &str) -> Option<Scope> {
    (tool == SHOW_WEEK).then_some(Scope::Read)
}

/// `_meta.ui` of both apps: no network origins at all (the host's default CSP stays as strict
/// as it gets), and a visible border.
fn resource_meta() -> MetaObject {
    let mut meta = MetaObject::new();
    meta.0.insert(
        "ui".to_owned(),
        json!({
            "csp": { "connectDomains": [], "resourceDomains": [] },
            "prefersBorder": true
        }),
    );
    meta
}

/// The apps for `resources/list` (app clients only).
pub(crate) fn resources() -> Vec<Resource> {
    let mut week = Resource::new(WEEK, "week-timesheet")
        .with_title("Week timesheet")
        .with_description(
            "The week by day and project as bars with totals, the running timer, and each \
             day's tracks on a click (an MCP App).",
        )
        .with_mime_type(MIME);
    week.meta = Some(resource_meta());
    let mut invoice = Resource::new(INVOICE, "invoice-preview")
        .with_title("Invoice preview")
        .with_description(
            "An invoice as it will be sent, with buttons to mark it sent or export the PDF (an \
             MCP App).",
        )
        .with_mime_type(MIME);
    invoice.meta = Some(resource_meta());
    vec![week, invoice]
}

/// The HTML of app `uri`, or `None` when `uri` is not one of stint's apps.
pub(crate) fn read(uri: &str) -> Option<ReadResourceResult> {
    let html = match uri {
        WEEK => WEEK_HTML,
        INVOICE => INVOICE_HTML,
        _ => return None,
    };
    Some(ReadResourceResult::new(vec![
        ResourceContents::text(html, uri)
            .with_mime_type(MIME)
            .with_meta(resource_meta()),
    ]))
}
