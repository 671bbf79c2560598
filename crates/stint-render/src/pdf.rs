//! PDF invoices: lays out an [`InvoiceDocument`] on A4 or Letter pages and writes it with
//! krilla, which embeds only the glyphs used (font subsetting), so a one-page invoice stays
//! small however large the bundled fonts are.
//!
//! Fonts (committed under `crates/stint-render/fonts/` with their licences, compiled into the binary):
//! DejaVu Sans and DejaVu Sans Bold for Latin, Greek and Cyrillic text, symbols and the euro
//! sign; Droid Sans Fallback for Chinese, Japanese and Korean. Each character is drawn with the
//! first font that has a glyph for it.
//!
//! Layout, top to bottom: the seller (name, address, tax id) beside the title and the invoice's
//! number and dates; the buyer ("Bill to"); the table of lines (description wrapped in its
//! column, with the date or project in grey beneath; quantity, rate, tax rate and amount right
//! aligned, columns as wide as their widest figure); subtotal, discount, one tax row per rate
//! and the total; notes; payment details. Tables continue over as many pages as needed, with
//! their header repeated; each page has a footer with the title and `Page i of n`.

use std::collections::HashMap;
use std::sync::Arc;

use krilla::Document;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, GlyphId, KrillaGlyph};

use stint_domain::invoice_doc::{
    DocumentState, InvoiceDocument, MAX_DOCUMENT_PAGES, Party, format_amount, format_money,
    format_percent,
};

static REGULAR: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
static BOLD: &[u8] = include_bytes!("../fonts/DejaVuSans-Bold.ttf");
static FALLBACK: &[u8] = include_bytes!("../fonts/DroidSansFallbackFull.ttf");

/// Why a PDF could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    /// The document needs more than [`MAX_DOCUMENT_PAGES`] pages.
    #[error(
        "the invoice would need {0} pages; a PDF holds at most {MAX_DOCUMENT_PAGES}: shorten its \
         notes or descriptions, or group it by project or day (group_by)"
    )]
    TooLong(usize),
    /// The PDF writer failed (a font could not be embedded).
    #[error("the PDF could not be written ({0})")]
    Write(String),
}

const MARGIN: f32 = 50.0;
const FOOTER: f32 = 28.0;
const BODY: f32 = 9.5;
const SMALL: f32 = 8.0;
const GAP: f32 = 10.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Tone {
    Ink,
    Grey,
    Alert,
}

#[derive(Debug, Clone, Copy)]
struct Style {
    bold: bool,
    size: f32,
    tone: Tone,
}

const fn style(bold: bool, size: f32, tone: Tone) -> Style {
    Style { bold, size, tone }
}

const TEXT: Style = style(false, BODY, Tone::Ink);
const LABEL: Style = style(true, SMALL, Tone::Grey);
const DETAIL: Style = style(false, SMALL, Tone::Grey);

/// Something drawn on a page, in points from the top left; `y` is the text's baseline.
#[derive(Debug)]
enum Op {
    Text {
        x: f32,
        y: f32,
        text: String,
        style: Style,
    },
    Rule {
        x: f32,
        y: f32,
        width: f32,
        thickness: f32,
        grey: bool,
    },
}

/// One font: its krilla handle for drawing and its parsed tables for measuring.
struct Face {
    font: Font,
    ttf: ttf_parser::Face<'static>,
    units_per_em: f32,
}

impl std::fmt::Debug for Face {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Face")
            .field("units_per_em", &self.units_per_em)
            .finish()
    }
}

impl Face {
    fn load(data: &'static [u8]) -> Result<Face, PdfError> {
        let bad = || PdfError::Write("a bundled font does not parse".into());
        let ttf = ttf_parser::Face::parse(data, 0).map_err(|_| bad())?;
        let shared: Arc<dyn AsRef<[u8]> + Send + Sync> = Arc::new(data);
        let font = Font::new(shared.into(), 0).ok_or_else(bad)?;
        Ok(Face {
            units_per_em: f32::from(ttf.units_per_em()),
            font,
            ttf,
        })
    }

    /// The glyph of `c` and its advance in em, if the font has one.
    fn glyph(&self, c: char) -> Option<(u16, f32)> {
        let g = self.ttf.glyph_index(c)?;
        let advance = f32::from(self.ttf.glyph_hor_advance(g).unwrap_or(0)) / self.units_per_em;
        Some((g.0, advance))
    }
}

/// The three faces and a cache of which one draws each character, and how wide it is.
#[derive(Debug)]
struct Fonts {
    regular: Face,
    bold: Face,
    fallback: Face,
    cache: HashMap<(char, bool), Drawn>,
}

/// How a character is drawn: by which face (0 the style's own, 1 the fallback), with which
/// glyph, and how far it advances (em).
#[derive(Debug, Clone, Copy)]
struct Drawn {
    face: u8,
    glyph: u16,
    advance: f32,
}

impl Fonts {
    fn load() -> Result<Fonts, PdfError> {
        Ok(Fonts {
            regular: Face::load(REGULAR)?,
            bold: Face::load(BOLD)?,
            fallback: Face::load(FALLBACK)?,
            cache: HashMap::new(),
        })
    }

    /// Which face draws `c` (0 the style's own, 1 the fallback), the glyph and its advance in
    /// em. A character no font has is drawn as the replacement character (or `?`).
    fn glyph(&mut self, c: char, bold: bool) -> Drawn {
        if let Some(&hit) = self.cache.get(&(c, bold)) {
            return hit;
        }
        let own = if bold { &self.bold } else { &self.regular };
        let hit = match own.glyph(c) {
            Some((g, a)) => Drawn {
                face: 0,
                glyph: g,
                advance: a,
            },
            None => match self.fallback.glyph(c) {
                Some((g, a)) => Drawn {
                    face: 1,
                    glyph: g,
                    advance: a,
                },
                None => {
                    let (g, a) = own
                        .glyph('\u{FFFD}')
                        .or_else(|| own.glyph('?'))
                        .unwrap_or((0, 0.5));
                    Drawn {
                        face: 0,
                        glyph: g,
                        advance: a,
                    }
                }
            },
        };
        self.cache.insert((c, bold), hit);
        hit
    }

    /// Which face draws `c` and its advance in em.
    fn pick(&mut self, c: char, bold: bool) -> (u8, f32) {
        let d = self.glyph(c, bold);
        (d.face, d.advance)
    }

    fn width(&mut self, text: &str, s: Style) -> f32 {
        text.chars().map(|c| self.pick(c, s.bold).1).sum::<f32>() * s.size
    }

    /// `text` split into lines no wider than `max` points: at spaces, around CJK characters,
    /// and inside a word only when it alone is wider than the line. Newlines start new lines;
    /// control characters are dropped and tabs become spaces.
    fn wrap(&mut self, text: &str, s: Style, max: f32) -> Vec<String> {
        let mut out = Vec::new();
        for para in text.split('\n') {
            let mut line: Vec<(char, f32)> = Vec::new();
            let mut width = 0.0;
            let mut brk: Option<usize> = None;
            let mut continuation = false;
            for c in para.chars() {
                let c = if c == '\t' { ' ' } else { c };
                if c.is_control() {
                    continue;
                }
                let cw = self.pick(c, s.bold).1 * s.size;
                let cjk = is_cjk(c);
                if cjk {
                    brk = Some(line.len());
                }
                if width + cw > max && !line.is_empty() && !c.is_whitespace() {
                    let cut = brk.filter(|&b| b > 0).unwrap_or(line.len());
                    let rest = line.split_off(cut);
                    out.push(
                        line.iter()
                            .map(|x| x.0)
                            .collect::<String>()
                            .trim_end()
                            .to_owned(),
                    );
                    line = rest
                        .into_iter()
                        .skip_while(|x| x.0.is_whitespace())
                        .collect();
                    width = line.iter().map(|x| x.1).sum();
                    brk = None;
                    continuation = true;
                }
                if line.is_empty() && c.is_whitespace() && continuation {
                    // No spaces at the start of a wrapped line.
                    continue;
                }
                line.push((c, cw));
                width += cw;
                if c.is_whitespace() || cjk {
                    brk = Some(line.len());
                }
            }
            out.push(
                line.iter()
                    .map(|x| x.0)
                    .collect::<String>()
                    .trim_end()
                    .to_owned(),
            );
        }
        out
    }
}

fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x9FFF | 0xAC00..=0xD7AF | 0xF900..=0xFAFF | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Pages being laid out: operations per page and the cursor on the current one.
#[derive(Debug)]
struct Layout {
    fonts: Fonts,
    pages: Vec<Vec<Op>>,
    width: f32,
    height: f32,
    y: f32,
}

impl Layout {
    fn left(&self) -> f32 {
        MARGIN
    }

    fn right(&self) -> f32 {
        self.width - MARGIN
    }

    fn bottom(&self) -> f32 {
        self.height - MARGIN - FOOTER
    }

    fn new_page(&mut self) -> Result<(), PdfError> {
        if self.pages.len() >= MAX_DOCUMENT_PAGES {
            return Err(PdfError::TooLong(self.pages.len() + 1));
        }
        self.pages.push(Vec::new());
        self.y = MARGIN;
        Ok(())
    }

    /// Starts a new page unless `h` points still fit on this one; true when it did.
    fn room(&mut self, h: f32) -> Result<bool, PdfError> {
        if self.y + h > self.bottom() && self.y > MARGIN {
            self.new_page()?;
            return Ok(true);
        }
        Ok(false)
    }

    fn op(&mut self, op: Op) {
        self.pages.last_mut().expect("a page").push(op);
    }

    fn text(&mut self, x: f32, y: f32, text: &str, style: Style) {
        if !text.is_empty() {
            self.op(Op::Text {
                x,
                y,
                text: text.to_owned(),
                style,
            });
        }
    }

    fn text_right(&mut self, right: f32, y: f32, text: &str, style: Style) {
        let w = self.fonts.width(text, style);
        self.text(right - w, y, text, style);
    }

    fn rule(&mut self, x: f32, y: f32, width: f32, thickness: f32, grey: bool) {
        self.op(Op::Rule {
            x,
            y,
            width,
            thickness,
            grey,
        });
    }
}

fn line_height(s: Style) -> f32 {
    s.size * 1.35
}

/// Renders `doc` as a PDF file (PDF 1.7, fonts embedded as subsets) and returns its bytes.
///
/// # Errors
/// [`PdfError::TooLong`] when the document needs more than [`MAX_DOCUMENT_PAGES`] pages;
/// [`PdfError::Write`] when the PDF writer fails.
pub fn render_invoice(doc: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    render_invoice_pages(doc).map(|r| r.bytes)
}

/// A rendered PDF and how many pages it has.
#[derive(Debug, Clone)]
pub struct RenderedPdf {
    pub bytes: Vec<u8>,
    /// At least 1, at most [`MAX_DOCUMENT_PAGES`].
    pub pages: usize,
}

/// Renders `doc` as [`render_invoice`] does, and says how many pages it took.
///
/// # Errors
/// As [`render_invoice`].
pub fn render_invoice_pages(doc: &InvoiceDocument) -> Result<RenderedPdf, PdfError> {
    let (width, height) = doc.paper.points();
    let mut l = Layout {
        fonts: Fonts::load()?,
        pages: Vec::new(),
        width,
        height,
        y: MARGIN,
    };
    l.new_page()?;
    header(&mut l, doc);
    table(&mut l, doc)?;
    totals(&mut l, doc)?;
    block(&mut l, "Notes", doc.notes.as_deref())?;
    block(&mut l, "Payment details", doc.payment_details.as_deref())?;
    footers(&mut l, doc);
    let pages = l.pages.len();
    Ok(RenderedPdf {
        bytes: write(l, doc)?,
        pages,
    })
}

/// Seller, title, number and dates, buyer.
fn header(l: &mut Layout, doc: &InvoiceDocument) {
    let (left, right) = (l.left(), l.right());
    let half = (right - left) / 2.0 - GAP;
    // Title, right.
    let title_style = style(
        true,
        20.0,
        if doc.state == DocumentState::Void {
            Tone::Alert
        } else {
            Tone::Ink
        },
    );
    let title = match doc.state {
        DocumentState::Draft => "DRAFT INVOICE",
        DocumentState::Issued => "INVOICE",
        DocumentState::Void => "VOID INVOICE",
    };
    let mut ry = l.y + 20.0;
    l.text_right(right, ry, title, title_style);
    ry += 12.0;
    let number = match &doc.number {
        Some(n) => n.clone(),
        None => format!("draft #{} (not issued)", doc.id),
    };
    let mut meta: Vec<(&str, String)> = vec![("Invoice no.", number)];
    if let Some(d) = doc.issue_date {
        meta.push(("Issue date", d.to_string()));
    }
    if let Some(d) = doc.due_date {
        meta.push(("Due date", d.to_string()));
    }
    if let Some((a, b)) = doc.period {
        meta.push(("Period", format!("{a} – {b}")));
    }
    let label_x = right - half.min(220.0);
    for (label, value) in meta {
        ry += line_height(TEXT);
        l.text(label_x, ry, label, LABEL);
        let value_w = right - label_x - 62.0;
        for (i, row) in l.fonts.wrap(&value, TEXT, value_w).into_iter().enumerate() {
            if i > 0 {
                ry += line_height(TEXT);
            }
            l.text_right(right, ry, &row, TEXT);
        }
    }
    // Seller, left, up to the labels of the dates.
    let mut ly = l.y;
    let seller_w = label_x - left - GAP * 2.0;
    party(
        l,
        &doc.seller,
        left,
        &mut ly,
        seller_w,
        style(true, 13.0, Tone::Ink),
    );
    l.y = ly.max(ry) + 26.0;
    // Buyer.
    if !doc.buyer.is_empty() {
        let mut by = l.y;
        l.text(left, by, "BILL TO", LABEL);
        by += 2.0;
        party(
            l,
            &doc.buyer,
            left,
            &mut by,
            half,
            style(true, 10.5, Tone::Ink),
        );
        l.y = by + 22.0;
    }
}

/// Writes a party's name, address, tax id and email at `x`, from `*y` down.
fn party(l: &mut Layout, p: &Party, x: f32, y: &mut f32, max: f32, name_style: Style) {
    let mut put = |l: &mut Layout, text: &str, s: Style| {
        for row in l.fonts.wrap(text, s, max) {
            *y += line_height(s);
            l.text(x, *y, &row, s);
        }
    };
    if let Some(n) = &p.name {
        put(l, n, name_style);
    }
    if let Some(a) = &p.address {
        put(l, a, TEXT);
    }
    if let Some(t) = &p.tax_id {
        put(l, &format!("Tax ID: {t}"), TEXT);
    }
    if let Some(e) = &p.email {
        put(l, e, TEXT);
    }
}

/// Right edges of the figure columns: quantity, rate, tax, amount; and the description width.
#[derive(Debug, Clone, Copy)]
struct Columns {
    qty: f32,
    rate: f32,
    tax: f32,
    amount: f32,
    description: f32,
}

const HEADERS: [&str; 5] = ["Description", "Qty", "Rate", "Tax", "Amount"];

fn table(l: &mut Layout, doc: &InvoiceDocument) -> Result<(), PdfError> {
    let cells: Vec<[String; 4]> = doc
        .lines
        .iter()
        .map(|line| {
            [
                format!("{} {}", format_rate(line.quantity), line.unit),
                format_rate_money(line.unit_rate, doc),
                format_percent(line.tax_rate_percent),
                format_amount(line.amount, doc.currency),
            ]
        })
        .collect();
    let mut widest = [0f32; 4];
    for (i, w) in widest.iter_mut().enumerate() {
        *w = l.fonts.width(HEADERS[i + 1], LABEL);
        for c in &cells {
            *w = w.max(l.fonts.width(&c[i], TEXT));
        }
    }
    let right = l.right();
    let amount = right;
    let tax = amount - widest[3] - GAP * 1.5;
    let rate = tax - widest[2] - GAP * 1.5;
    let qty = rate - widest[1] - GAP * 1.5;
    let description = (qty - widest[0] - GAP * 2.0 - l.left()).max(120.0);
    let cols = Columns {
        qty,
        rate,
        tax,
        amount,
        description,
    };
    table_header(l, cols);
    for (line, cell) in doc.lines.iter().zip(&cells) {
        let rows = l.fonts.wrap(&line.description, TEXT, cols.description);
        let details = match &line.detail {
            Some(d) => l.fonts.wrap(d, DETAIL, cols.description),
            None => Vec::new(),
        };
        let h = rows.len() as f32 * line_height(TEXT)
            + details.len() as f32 * line_height(DETAIL)
            + 6.0;
        // Keep a line on one page when it fits on one.
        if h < l.bottom() - MARGIN - 40.0 && l.room(h)? {
            table_header(l, cols);
        }
        for (i, row) in rows.iter().enumerate() {
            if l.room(line_height(TEXT))? {
                table_header(l, cols);
            }
            l.y += line_height(TEXT);
            let y = l.y;
            l.text(l.left(), y, row, TEXT);
            if i == 0 {
                l.text_right(cols.qty, y, &cell[0], TEXT);
                l.text_right(cols.rate, y, &cell[1], TEXT);
                l.text_right(cols.tax, y, &cell[2], TEXT);
                l.text_right(cols.amount, y, &cell[3], TEXT);
            }
        }
        for row in &details {
            if l.room(line_height(DETAIL))? {
                table_header(l, cols);
            }
            l.y += line_height(DETAIL);
            let y = l.y;
            l.text(l.left(), y, row, DETAIL);
        }
        l.y += 4.0;
        let (x, y, w) = (l.left(), l.y, l.right() - l.left());
        l.rule(x, y, w, 0.4, true);
        l.y += 2.0;
    }
    Ok(())
}

fn table_header(l: &mut Layout, cols: Columns) {
    l.y += line_height(LABEL) + 2.0;
    let y = l.y;
    l.text(l.left(), y, HEADERS[0], LABEL);
    l.text_right(cols.qty, y, HEADERS[1], LABEL);
    l.text_right(cols.rate, y, HEADERS[2], LABEL);
    l.text_right(cols.tax, y, HEADERS[3], LABEL);
    l.text_right(cols.amount, y, HEADERS[4], LABEL);
    l.y += 5.0;
    let (x, y, w) = (l.left(), l.y, l.right() - l.left());
    l.rule(x, y, w, 0.8, false);
    l.y += 2.0;
}

/// A quantity or rate with at least two decimals and the rest of its own (`1.5` is `1.50`,
/// `85.125` stays), thousands grouped.
fn format_rate(d: rust_decimal::Decimal) -> String {
    let scale = d.normalize().scale().max(2);
    group(&format!("{:.*}", scale as usize, d))
}

fn format_rate_money(d: rust_decimal::Decimal, doc: &InvoiceDocument) -> String {
    let minor = doc.currency.minor_units();
    let scale = d.normalize().scale().max(minor);
    group(&format!("{:.*}", scale as usize, d))
}

fn group(text: &str) -> String {
    let (sign, rest) = match text.strip_prefix('-') {
        Some(r) => ("-", r),
        None => ("", text),
    };
    let (int, frac) = match rest.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (rest, None),
    };
    let mut out = String::from(sign);
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if let Some(f) = frac {
        out.push('.');
        out.push_str(f);
    }
    out
}

/// Subtotal, discount, tax per rate and total, right aligned under the table.
fn totals(l: &mut Layout, doc: &InvoiceDocument) -> Result<(), PdfError> {
    let money = |d| format_money(d, doc.currency);
    let mut rows: Vec<(String, String)> = vec![("Subtotal".into(), money(doc.subtotal))];
    if let Some(d) = &doc.discount {
        rows.push((d.label.clone(), money(-d.amount)));
    }
    for t in &doc.tax_summary {
        rows.push((
            format!(
                "Tax {} of {}",
                format_percent(t.rate_percent),
                money(t.base)
            ),
            money(t.tax),
        ));
    }
    let total_style = style(true, 11.0, Tone::Ink);
    let h = rows.len() as f32 * line_height(TEXT) + line_height(total_style) + 24.0;
    l.room(h)?;
    l.y += 8.0;
    let right = l.right();
    let label_right = right - 110.0;
    for (label, value) in &rows {
        l.y += line_height(TEXT);
        let y = l.y;
        l.text_right(label_right, y, label, TEXT);
        l.text_right(right, y, value, TEXT);
    }
    l.y += 5.0;
    let (x, y) = (label_right - 120.0, l.y);
    l.rule(x, y, right - x, 0.8, false);
    l.y += line_height(total_style) + 2.0;
    let y = l.y;
    l.text_right(
        label_right,
        y,
        &format!("Total {}", doc.currency.code()),
        total_style,
    );
    l.text_right(right, y, &money(doc.total), total_style);
    l.y += 16.0;
    Ok(())
}

/// A titled block of wrapped text over the full width (notes, payment details).
fn block(l: &mut Layout, title: &str, text: Option<&str>) -> Result<(), PdfError> {
    let Some(text) = text else {
        return Ok(());
    };
    let rows = l.fonts.wrap(text, TEXT, l.right() - l.left());
    l.room(line_height(LABEL) + 6.0 + line_height(TEXT) * (rows.len().min(3) as f32))?;
    l.y += 8.0 + line_height(LABEL);
    let (x, y) = (l.left(), l.y);
    l.text(x, y, &title.to_uppercase(), LABEL);
    l.y += 2.0;
    for row in rows {
        l.room(line_height(TEXT))?;
        l.y += line_height(TEXT);
        let (x, y) = (l.left(), l.y);
        l.text(x, y, &row, TEXT);
    }
    Ok(())
}

/// The footer of every page: the title on the left, `Page i of n` on the right.
fn footers(l: &mut Layout, doc: &InvoiceDocument) {
    let n = l.pages.len();
    let title = match &doc.seller.name {
        Some(s) => format!("{} · {s}", doc.title()),
        None => doc.title(),
    };
    let title = l
        .fonts
        .wrap(&title, DETAIL, (l.right() - l.left()) * 0.7)
        .into_iter()
        .next()
        .unwrap_or_default();
    let y = l.height - MARGIN + 6.0;
    for i in 0..n {
        let page = format!("Page {} of {n}", i + 1);
        let w = l.fonts.width(&page, DETAIL);
        let (left, right, width) = (l.left(), l.right(), l.right() - l.left());
        let ops = &mut l.pages[i];
        ops.push(Op::Rule {
            x: left,
            y: y - 12.0,
            width,
            thickness: 0.4,
            grey: true,
        });
        ops.push(Op::Text {
            x: left,
            y,
            text: title.clone(),
            style: DETAIL,
        });
        ops.push(Op::Text {
            x: right - w,
            y,
            text: page,
            style: DETAIL,
        });
    }
}

fn color(tone: Tone) -> rgb::Color {
    match tone {
        Tone::Ink => rgb::Color::new(20, 20, 20),
        Tone::Grey => rgb::Color::new(105, 105, 105),
        Tone::Alert => rgb::Color::new(180, 30, 30),
    }
}

fn fill(c: rgb::Color) -> Fill {
    Fill {
        paint: c.into(),
        ..Fill::default()
    }
}

/// Draws the laid-out pages with krilla.
fn write(mut l: Layout, doc: &InvoiceDocument) -> Result<Vec<u8>, PdfError> {
    let mut pdf = Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title())
            .creator("stint".to_owned())
            .producer(format!("stint {}", env!("CARGO_PKG_VERSION"))),
    );
    let settings = || {
        PageSettings::from_wh(l.width, l.height)
            .ok_or_else(|| PdfError::Write("bad page size".into()))
    };
    let pages = std::mem::take(&mut l.pages);
    for ops in pages {
        let mut page = pdf.start_page_with(settings()?);
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text { x, y, text, style } => {
                    surface.set_fill(Some(fill(color(style.tone))));
                    let mut x = x;
                    for (face, run, glyphs) in runs(&mut l.fonts, &text, style.bold) {
                        let f = match (face, style.bold) {
                            (1, _) => &l.fonts.fallback,
                            (_, true) => &l.fonts.bold,
                            (_, false) => &l.fonts.regular,
                        };
                        let advance: f32 = glyphs.iter().map(|g| g.x_advance).sum();
                        surface.draw_glyphs(
                            Point::from_xy(x, y),
                            &glyphs,
                            f.font.clone(),
                            &run,
                            style.size,
                            false,
                        );
                        x += advance * style.size;
                    }
                }
                Op::Rule {
                    x,
                    y,
                    width,
                    thickness,
                    grey,
                } => {
                    let tone = if grey {
                        rgb::Color::new(200, 200, 200)
                    } else {
                        rgb::Color::new(60, 60, 60)
                    };
                    surface.set_fill(Some(fill(tone)));
                    let mut pb = PathBuilder::new();
                    if let Some(r) = Rect::from_xywh(x, y - thickness / 2.0, width, thickness) {
                        pb.push_rect(r);
                    }
                    if let Some(path) = pb.finish() {
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
}

/// `text` split into runs drawn by one face each (0 the style's own, 1 the CJK fallback), with
/// their glyphs placed one after the other by their advances (no shaping: what is measured is
/// what is drawn).
fn runs(fonts: &mut Fonts, text: &str, bold: bool) -> Vec<(u8, String, Vec<KrillaGlyph>)> {
    let mut out: Vec<(u8, String, Vec<KrillaGlyph>)> = Vec::new();
    for c in text.chars() {
        let d = fonts.glyph(c, bold);
        if out.last().is_none_or(|r| r.0 != d.face) {
            out.push((d.face, String::new(), Vec::new()));
        }
        let (_, run, glyphs) = out.last_mut().expect("pushed");
        let start = run.len();
        run.push(c);
        glyphs.push(KrillaGlyph::new(
            GlyphId::new(u32::from(d.glyph)),
            d.advance,
            0.0,
            0.0,
            0.0,
            start..run.len(),
            None,
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_breaks_at_spaces_cjk_and_inside_long_words() {
        let mut f = Fonts::load().unwrap();
        let max = f.width("aaa bbb", TEXT) + 0.1;
        let rows = f.wrap("aaa bbb ccc", TEXT, max);
        assert_eq!(rows, ["aaa bbb", "ccc"]);
        let long = "x".repeat(200);
        let rows = f.wrap(&long, TEXT, 100.0);
        assert!(rows.len() > 1);
        for r in &rows {
            assert!(f.width(r, TEXT) <= 100.0, "{r}");
        }
        assert_eq!(rows.concat(), long);
        let cjk = "東京でのワークショップの準備と資料作成";
        let rows = f.wrap(cjk, TEXT, 50.0);
        assert!(rows.len() > 2, "{rows:?}");
        assert_eq!(rows.concat(), cjk);
        assert_eq!(f.wrap("a\nb\r\n\tc", TEXT, 100.0), ["a", "b", " c"]);
        assert_eq!(f.pick('東', false).0, 1);
        assert_eq!(f.pick('ü', false).0, 0);
        assert_eq!(f.pick('€', true).0, 0);
    }

    #[test]
    fn figures_are_grouped() {
        let d = |s: &str| s.parse::<rust_decimal::Decimal>().unwrap();
        assert_eq!(format_rate(d("1.5")), "1.50");
        assert_eq!(format_rate(d("1234.125")), "1,234.125");
        assert_eq!(group("-1234567.5"), "-1,234,567.5");
    }
}
