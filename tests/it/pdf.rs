//! PDF invoices, read back with Rust crates (`pdf-extract` and `lopdf`, see
//! [`read_pdf`]; no outside program): the golden text of a fixed invoice (seller, buyer,
//! lines, tax, total, notes, payment details; euro sign, umlauts and Japanese text), A4 and
//! Letter, pages for long invoices, the size bounds, redaction per caller, the file rules, the
//! MCP tool's embedded resource and the CLI.

use std::path::{Path, PathBuf};

use base64::Engine as _;
use rust_decimal::Decimal;
use serde_json::json;
use stint::domain::invoice_doc::{
    DocumentLine, DocumentState, InvoiceDocument, MAX_DOCUMENT_LINES, MAX_DOCUMENT_PAGES, Party,
    TaxRow,
};
use stint::domain::money::Currency;
use stint::domain::settings::PaperSize;
use stint::service::{
    Caller, Frontend, NewClient, NewInvoice, NewProject, NewTrack, SettingsChanges,
};

use super::util::{Env, PdfFacts, mcp_session, read_pdf, stint};

/// Each page's size in points, rounded to hundredths (as `pdfinfo` prints them).
fn sizes(facts: &PdfFacts) -> Vec<(f64, f64)> {
    let round = |x: f64| (x * 100.0).round() / 100.0;
    facts
        .sizes
        .iter()
        .map(|(w, h)| (round(*w), round(*h)))
        .collect()
}

/// The fixed invoice: a German seller billing a Japanese client in EUR at 19 %, three tracks
/// (an umlaut, Japanese text, a long description that wraps), issued as INV-2026-0001.
fn fixture(env: &Env) -> String {
    env.svc
        .update_settings(SettingsChanges {
            default_currency: Some("EUR".into()),
            business_name: Some("Jörg Müller Softwareentwicklung".into()),
            business_address: Some("Hauptstraße 5\n10115 Berlin\nGermany".into()),
            business_tax_id: Some("DE123456789".into()),
            payment_details: Some(
                "Bank: Berliner Sparkasse\nIBAN: DE89 3704 0044 0532 0130 00\nBIC: COBADEFFXXX"
                    .into(),
            ),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_client(NewClient {
            name: "東京商事株式会社".into(),
            email: Some("billing@tokyo-shoji.example".into()),
            address: Some("1-2-3 Marunouchi\nChiyoda-ku, Tokyo 100-0005\nJapan".into()),
            tax_id: Some("T1234567890123".into()),
            currency: Some("EUR".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_project(NewProject {
            name: "Website relaunch".into(),
            client: Some("東京商事株式会社".into()),
            hourly_rate: Some("95.50".into()),
            ..Default::default()
        })
        .unwrap();
    for (start, end, what) in [
        (
            "2026-11-02 09:00",
            "2026-11-02 12:30",
            "Änderungen am Übersichtslayout",
        ),
        (
            "2026-11-03 10:00",
            "2026-11-03 11:45",
            "ウェブサイトの設計レビュー",
        ),
        (
            "2026-11-04 13:00",
            "2026-11-04 17:15",
            "Migration of the product catalogue to the new content management system, \
             including redirects for every retired page and a check of all image sizes",
        ),
    ] {
        env.svc
            .create_track(NewTrack {
                start: start.into(),
                end: Some(end.into()),
                project: Some("Website relaunch".into()),
                description: Some(what.into()),
                ..Default::default()
            })
            .unwrap();
    }
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("東京商事株式会社".into()),
            from: "2026-11-01".into(),
            to: "2026-11-20".into(),
            tax_rate_percent: Some("19".into()),
            notes: Some("Vielen Dank für Ihren Auftrag! Zahlbar ohne Abzug.".into()),
            ..Default::default()
        })
        .unwrap();
    let inv = env
        .svc
        .mark_invoice_sent(&inv.id.0.to_string(), Some("2026-11-21"))
        .unwrap();
    inv.number.unwrap()
}

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/invoice-pdf.golden.txt")
}

/// The text of the fixed invoice, as `pdf-extract` reads it, is the committed golden
/// file (regenerate with STINT_BLESS=1 after a deliberate change of the layout); the key
/// facts are checked one by one as well, so a failure says what went missing.
#[test]
fn golden_text_of_a_fixed_invoice() {
    let env = Env::new();
    let number = fixture(&env);
    assert_eq!(number, "INV-2026-0001");
    let (inv, pdf) = env.svc.export_invoice_pdf(&number).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(inv.total, "1079.63".parse::<Decimal>().unwrap());
    let facts = read_pdf(&pdf);
    let text = facts.text();
    for expected in [
        "INVOICE",
        "INV-2026-0001",
        "Jörg Müller Softwareentwicklung",
        "Hauptstraße 5",
        "Tax ID: DE123456789",
        "東京商事株式会社",
        "Chiyoda-ku, Tokyo 100-0005",
        "Tax ID: T1234567890123",
        "billing@tokyo-shoji.example",
        "Issue date",
        "2026-11-21",
        "2026-12-21",
        "2026-11-01 – 2026-11-20",
        "Änderungen am Übersichtslayout",
        "ウェブサイトの設計レビュー",
        "3.50 h",
        "95.50",
        "334.25",
        "167.13",
        "405.87",
        "19 %",
        "€907.25",
        "Tax 19 % of €907.25",
        "€172.38",
        "Total EUR",
        "€1,079.63",
        "Vielen Dank für Ihren Auftrag!",
        "IBAN: DE89 3704 0044 0532 0130 00",
        "Page 1 of 1",
    ] {
        assert!(
            text.contains(expected),
            "{expected:?} missing from:\n{text}"
        );
    }
    // The long description wraps inside its column instead of running into the figures.
    assert!(
        !text.contains("including redirects for every retired page and a check of all image"),
        "{text}"
    );
    assert_eq!(sizes(&facts), [(595.28, 841.89)], "one A4 page");
    assert_eq!(facts.title.as_deref(), Some("Invoice INV-2026-0001"));
    let names: Vec<&str> = facts.fonts.iter().map(|f| f.name.as_str()).collect();
    assert!(names.contains(&"DejaVuSans"), "{:?}", facts.fonts);
    assert!(names.contains(&"DroidSansFallback"), "{:?}", facts.fonts);
    assert!(
        facts.fonts.iter().all(|f| f.embedded && f.subset),
        "every font embedded, as a subset: {:?}",
        facts.fonts
    );
    // One page with three fonts' subsets stays small.
    assert!(pdf.len() < 120_000, "{} bytes", pdf.len());
    let golden = golden_path();
    if std::env::var_os("STINT_BLESS").is_some() {
        // The PDF itself too, to look at (pdftoppm -png -r 80 target/invoice-golden.pdf).
        let target = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/invoice-golden.pdf");
        std::fs::write(target, &pdf).unwrap();
        std::fs::write(&golden, &text).unwrap();
    }
    let expected = std::fs::read_to_string(&golden).unwrap();
    assert_eq!(
        text, expected,
        "the PDF's text changed; if that is intended, run with STINT_BLESS=1 and review the diff"
    );
}

#[test]
fn letter_paper_and_default_notes_come_from_the_settings() {
    let env = Env::new();
    env.svc
        .update_settings(SettingsChanges {
            paper_size: Some("Letter".into()),
            invoice_default_notes: Some("Payable within 30 days.".into()),
            ..Default::default()
        })
        .unwrap();
    assert!(
        env.svc
            .update_settings(SettingsChanges {
                paper_size: Some("A5".into()),
                ..Default::default()
            })
            .unwrap_err()
            .to_string()
            .contains("a4 or letter")
    );
    env.svc
        .create_project(NewProject {
            name: "Support".into(),
            hourly_rate: Some("80".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_track(NewTrack {
            start: "2026-11-02 09:00".into(),
            end: Some("2026-11-02 10:00".into()),
            project: Some("Support".into()),
            description: Some("Support".into()),
            ..Default::default()
        })
        .unwrap();
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            from: "2026-11-01".into(),
            to: "2026-11-20".into(),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(inv.notes.as_deref(), Some("Payable within 30 days."));
    let (_, pdf) = env.svc.export_invoice_pdf(&inv.id.0.to_string()).unwrap();
    let facts = read_pdf(&pdf);
    assert_eq!(sizes(&facts), [(612.0, 792.0)], "one Letter page");
    let text = facts.text();
    assert!(text.contains("DRAFT INVOICE"), "{text}");
    assert!(text.contains("draft #1 (not issued)"), "{text}");
    assert!(text.contains("Payable within 30 days."), "{text}");
}

fn synthetic(lines: usize, description: &str) -> InvoiceDocument {
    let line = DocumentLine {
        description: description.to_owned(),
        detail: Some("2026-11-02 · Website".into()),
        quantity: Decimal::new(150, 2),
        unit: "h".into(),
        unit_rate: Decimal::new(100, 0),
        amount: Decimal::new(15000, 2),
        tax_rate_percent: Decimal::ZERO,
    };
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
        subtotal: Decimal::new(150 * lines as i64, 0),
        discount: None,
        tax_summary: vec![TaxRow {
            rate_percent: Decimal::ZERO,
            base: Decimal::new(150 * lines as i64, 0),
            tax: Decimal::ZERO,
        }],
        total: Decimal::new(150 * lines as i64, 0),
        notes: None,
        payment_details: None,
        paper: PaperSize::A4,
    }
}

/// A long invoice continues over pages with the table's header repeated and every page
/// numbered; the last line and the total are on the last page.
#[test]
fn long_invoices_paginate() {
    let mut doc = synthetic(150, "Consulting");
    doc.lines[149].description = "The very last line".into();
    let pdf = stint::render::pdf::render_invoice(&doc).unwrap();
    if std::env::var_os("STINT_BLESS").is_some() {
        let keep = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/invoice-long.pdf");
        std::fs::write(keep, &pdf).unwrap();
    }
    let facts = read_pdf(&pdf);
    let pages = facts.pages.len();
    assert!((4..=8).contains(&pages), "{pages} pages");
    let text = facts.text();
    let per_page: Vec<&str> = facts.pages.iter().map(String::as_str).collect();
    for (i, page) in per_page.iter().enumerate() {
        assert!(
            page.contains(&format!("Page {} of {pages}", i + 1)),
            "{page}"
        );
        assert!(
            page.contains("Description") && page.contains("Amount"),
            "{page}"
        );
    }
    let last = per_page.last().unwrap();
    assert!(
        last.contains("The very last line") && last.contains("$22,500.00"),
        "{last}"
    );
    assert_eq!(text.matches("Consulting").count(), 149);
}

/// The largest invoice allowed stays a reasonable answer: 2,000 lines make a PDF of about 60
/// pages whose base64 fits easily in a stdio answer. (How long it takes is measured by
/// `cargo bench --bench render`, not asserted here.)
#[test]
fn the_largest_invoice_renders_small() {
    let doc = synthetic(
        MAX_DOCUMENT_LINES,
        "Consulting session on the catalogue migration",
    );
    let pdf = stint::render::pdf::render_invoice(&doc).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert!(pdf.len() < 4 << 20, "{} bytes", pdf.len());
}

/// The answer stays bounded: more lines than the limit are refused before rendering, and a
/// document that would need more pages than the limit is refused while laid out.
#[test]
fn oversized_invoices_are_refused() {
    let doc = synthetic(MAX_DOCUMENT_LINES + 1, "x");
    let err = doc.check_size().unwrap_err().to_string();
    assert!(err.contains("grouped by project or day"), "{err}");
    assert!(synthetic(MAX_DOCUMENT_LINES, "x").check_size().is_ok());
    let words = "word ".repeat(400);
    let doc = synthetic(MAX_DOCUMENT_LINES, &words);
    let err = stint::render::pdf::render_invoice(&doc)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains(&format!("at most {MAX_DOCUMENT_PAGES}")),
        "{err}"
    );
}

/// A caller that may not see client contact details gets a PDF without them, and a caller
/// over HTTP cannot name a file.
#[test]
fn redaction_and_file_rules_follow_the_caller() {
    let env = Env::new();
    let number = fixture(&env);
    let http = env.svc.for_caller(Caller {
        frontend: Frontend::McpHttp,
        token_name: Some("phone".into()),
        redact_contacts: true,
        may_write_files: false,
        drafts: false,
    });
    let (_, pdf) = http.export_invoice_pdf(&number).unwrap();
    let text = read_pdf(&pdf).text();
    assert!(text.contains("東京商事株式会社"), "{text}");
    for hidden in [
        "Marunouchi",
        "T1234567890123",
        "billing@tokyo-shoji.example",
    ] {
        assert!(!text.contains(hidden), "{hidden} shown:\n{text}");
    }
    assert!(text.contains("[redacted]"), "{text}");
    let target = env.dir.path().join("http.pdf");
    let err = http
        .export_invoice_pdf_to(&number, &target, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("over HTTP"), "{err}");
    assert!(!target.exists());
    // Locally: a new file, 0600; never over an existing one unless asked; never the database.
    let (_, bytes, written) = env
        .svc
        .export_invoice_pdf_to(&number, &target, false)
        .unwrap();
    assert_eq!(std::fs::read(&written).unwrap(), bytes);
    use std::os::unix::fs::PermissionsExt as _;
    let mode = std::fs::metadata(&written).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let err = env
        .svc
        .export_invoice_pdf_to(&number, &target, false)
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    assert!(
        env.svc
            .export_invoice_pdf_to(&number, &target, true)
            .is_ok()
    );
    let err = env
        .svc
        .export_invoice_pdf_to(&number, &env.db_path(), true)
        .unwrap_err()
        .to_string();
    assert!(err.contains("database"), "{err}");
    let audited =
        env.count("SELECT count(*) FROM audit_log WHERE operation = 'export_invoice_pdf'");
    assert_eq!(audited, 3);
}

/// `export_invoice_pdf` answers with structured content and the PDF as an embedded resource
/// (base64, application/pdf); on stdio a path also writes the file.
#[test]
fn mcp_tool_returns_the_pdf_as_an_embedded_resource() {
    let env = Env::new();
    let number = fixture(&env);
    let target = env.dir.path().join("mcp.pdf");
    let call = |id: u32, args: serde_json::Value| {
        json!({"jsonrpc": "2.0", "id": id, "method": "tools/call",
               "params": {"name": "export_invoice_pdf", "arguments": args}})
        .to_string()
    };
    let input = [
        call(1, json!({"invoice_id": number})),
        call(
            2,
            json!({"invoice_id": number, "path": target.to_str().unwrap()}),
        ),
        call(3, json!({"invoice_id": "INV-2099-9999"})),
    ]
    .join("\n");
    let out = mcp_session(&env, &input);
    let result = &out[0]["result"];
    assert_eq!(result["isError"], false, "{result}");
    assert_eq!(result["structuredContent"]["number"], "INV-2026-0001");
    let resource = &result["content"][1]["resource"];
    assert_eq!(resource["mimeType"], "application/pdf");
    assert_eq!(resource["uri"], "stint://invoices/1.pdf");
    let pdf = base64::engine::general_purpose::STANDARD
        .decode(resource["blob"].as_str().unwrap())
        .unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    assert_eq!(result["structuredContent"]["bytes"], pdf.len());
    let written = &out[1]["result"]["structuredContent"]["path"];
    assert_eq!(written, target.to_str().unwrap());
    assert!(std::fs::read(&target).unwrap().starts_with(b"%PDF-"));
    assert_eq!(out[2]["result"]["isError"], true, "{}", out[2]);
}

/// `stint invoice export N --pdf FILE` writes the file and refuses to replace it without
/// --force.
#[test]
fn cli_writes_a_pdf() {
    let env = Env::new();
    let number = fixture(&env);
    let target = env.dir.path().join("cli.pdf");
    let run = |args: &[&str]| stint(args).db(env.db_path());
    let t = target.to_str().unwrap();
    let err = run(&["invoice", "export", &number, "--pdf", t]).ok().stderr;
    assert!(err.contains("Wrote Invoice INV-2026-0001"), "{err}");
    assert!(std::fs::read(&target).unwrap().starts_with(b"%PDF-"));
    let err = run(&["invoice", "export", &number, "--pdf", t])
        .fails()
        .stderr;
    assert!(err.contains("already exists"), "{err}");
    run(&["invoice", "export", &number, "--pdf", t, "--force"]).ok();
    let out = run(&["invoice", "export", &number, "--pdf", "-"]).ok();
    assert!(out.raw_stdout.starts_with(b"%PDF-"));
    // A format is required.
    run(&["invoice", "export", &number]).fails();
}

/// An issued invoice prints the seller frozen on it; a draft prints the current settings; a
/// void invoice is marked on the page.
#[test]
fn issued_invoices_keep_their_seller_and_void_ones_are_marked() {
    let env = Env::new();
    let number = fixture(&env);
    env.svc
        .update_settings(SettingsChanges {
            business_name: Some("Neue Firma AG".into()),
            ..Default::default()
        })
        .unwrap();
    let (_, pdf) = env.svc.export_invoice_pdf(&number).unwrap();
    let text = read_pdf(&pdf).text();
    assert!(text.contains("Jörg Müller Softwareentwicklung"), "{text}");
    assert!(!text.contains("Neue Firma AG"), "{text}");
    env.svc.void_invoice(&number).unwrap();
    let (_, pdf) = env.svc.export_invoice_pdf(&number).unwrap();
    let text = read_pdf(&pdf).text();
    assert!(text.contains("VOID INVOICE"), "{text}");
    // The released tracks make a new draft, which shows the business as it is now.
    let draft = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("東京商事株式会社".into()),
            from: "2026-11-01".into(),
            to: "2026-11-20".into(),
            ..Default::default()
        })
        .unwrap();
    let (_, pdf) = env.svc.export_invoice_pdf(&draft.id.0.to_string()).unwrap();
    let text = read_pdf(&pdf).text();
    assert!(
        text.contains("DRAFT INVOICE") && text.contains("Neue Firma AG"),
        "{text}"
    );
}

/// Two tax rates (time at the invoice's 19 %, a travel expense at 7 %) and a 10 % discount:
/// the PDF shows each line's rate, the discount, one tax row per rate on its discounted base,
/// and the totals the invoice holds.
#[test]
fn two_tax_rates_and_a_discount_are_printed() {
    let env = Env::new();
    fixture(&env);
    env.svc
        .create_track(NewTrack {
            start: "2026-11-21 09:00".into(),
            end: Some("2026-11-21 11:00".into()),
            project: Some("Website relaunch".into()),
            description: Some("Follow-up workshop".into()),
            ..Default::default()
        })
        .unwrap();
    env.svc
        .create_expense(stint::service::NewExpense {
            project: "Website relaunch".into(),
            date: "2026-11-21".into(),
            amount: "107.00".into(),
            description: "Train ticket Berlin-Hamburg".into(),
            tax_rate_percent: Some("7".into()),
            ..Default::default()
        })
        .unwrap();
    let inv = env
        .svc
        .create_invoice(NewInvoice {
            client: Some("東京商事株式会社".into()),
            from: "2026-11-21".into(),
            to: "2026-11-21".into(),
            tax_rate_percent: Some("19".into()),
            discount_percent: Some("10".into()),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(inv.tax_summary.len(), 2, "{:?}", inv.tax_summary);
    let (_, bytes) = env.svc.export_invoice_pdf(&inv.id.0.to_string()).unwrap();
    let text = read_pdf(&bytes).text();
    for want in [
        "Train ticket Berlin-Hamburg",
        "Discount 10 %",
        "7 %",
        "19 %",
        "107.00",
    ] {
        assert!(text.contains(want), "missing {want:?} in:\n{text}");
    }
    let money = |d: rust_decimal::Decimal| {
        let s = format!("{:.2}", d);
        let (int, frac) = s.split_once('.').unwrap();
        let mut grouped = String::new();
        for (i, c) in int.chars().enumerate() {
            if i > 0 && (int.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        format!("€{grouped}.{frac}")
    };
    for row in &inv.tax_summary {
        assert!(
            text.contains(&money(row.tax)),
            "tax {} missing in:\n{text}",
            row.tax
        );
    }
    assert!(
        text.contains(&money(inv.discount)),
        "discount missing:\n{text}"
    );
    assert!(text.contains(&money(inv.total)), "total missing:\n{text}");
}
