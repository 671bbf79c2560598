//! Reading PDFs back in tests with Rust crates, so `cargo test` needs no outside program:
//! the text of each page (`pdf-extract`), and the page sizes, the title and the fonts with
//! whether each is embedded (`lopdf`, re-exported by `pdf-extract`). These stand in for
//! poppler's `pdftotext`, `pdfinfo` and `pdffonts`; pictures of pages (poppler's `pdftoppm`)
//! are left to `.ci/run`.

use pdf_extract::{Dictionary, Document, MediaBox, Object, OutputDev, OutputError, Transform};

/// What a test checks of a PDF.
#[derive(Debug, Clone, PartialEq)]
pub struct PdfFacts {
    /// The text of each page, in order, laid out as on the page ([`Layout`]): a line per
    /// baseline, top to bottom, its pieces left to right; a space between words, more across
    /// a wide gap (table columns), so that separate lines and columns stay apart.
    pub pages: Vec<String>,
    /// Each page's size in points (width, height), from its `/MediaBox` (inherited or not).
    pub sizes: Vec<(f64, f64)>,
    /// The document information dictionary's `/Title`.
    pub title: Option<String>,
    /// Every font resource.
    pub fonts: Vec<PdfFont>,
}

impl PdfFacts {
    /// The text of all pages, joined with form feeds (as `pdftotext` separates pages).
    pub fn text(&self) -> String {
        self.pages.join("\u{c}")
    }
}

/// One font of a PDF, as `pdffonts` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfFont {
    /// `/BaseFont` without a subset tag (`DejaVuSans`, not `ABCDEF+DejaVuSans`).
    pub name: String,
    /// `/Subtype`: `Type0`, `TrueType`, `Type1`, `Type3`, ...
    pub subtype: String,
    /// Whether the font program is in the file (`/FontFile`, `/FontFile2` or `/FontFile3` in
    /// its descriptor, or the descendant's for a Type0 font; a Type3 font's glyphs always are).
    pub embedded: bool,
    /// Whether it is a subset (a six-capital-letter tag and `+` before the name).
    pub subset: bool,
}

/// Reads `pdf`; fails the test, saying what is wrong, when it is not a readable PDF.
pub fn read_pdf(pdf: &[u8]) -> PdfFacts {
    let doc = Document::load_mem(pdf).unwrap_or_else(|e| panic!("not a readable PDF: {e}"));
    let mut layout = Layout::default();
    pdf_extract::output_doc(&doc, &mut layout)
        .unwrap_or_else(|e| panic!("the PDF's text cannot be read: {e}"));
    let pages = layout.pages;
    let page_ids: Vec<_> = doc.get_pages().into_values().collect();
    assert_eq!(
        pages.len(),
        page_ids.len(),
        "pdf-extract and lopdf count different pages"
    );
    let sizes = page_ids
        .iter()
        .map(|id| media_box(&doc, doc.get_dictionary(*id).unwrap()))
        .collect();
    let title = doc
        .trailer
        .get(b"Info")
        .ok()
        .and_then(|info| resolve(&doc, info).as_dict().ok())
        .and_then(|info| info.get(b"Title").ok())
        .and_then(|t| text_string(resolve(&doc, t)));
    let mut fonts: Vec<PdfFont> = doc
        .objects
        .values()
        .filter_map(|o| o.as_dict().ok())
        .filter(|d| name_of(&doc, d, b"Type").as_deref() == Some("Font"))
        // Descendant CIDFonts are described through their Type0 parent.
        .filter(|d| !name_of(&doc, d, b"Subtype").is_some_and(|s| s.starts_with("CIDFontType")))
        .map(|d| font(&doc, d))
        .collect();
    fonts.sort_by(|a, b| a.name.cmp(&b.name));
    PdfFacts {
        pages,
        sizes,
        title,
        fonts,
    }
}

fn resolve<'a>(doc: &'a Document, obj: &'a Object) -> &'a Object {
    match obj {
        Object::Reference(id) => doc.get_object(*id).unwrap_or(obj),
        _ => obj,
    }
}

fn name_of(doc: &Document, dict: &Dictionary, key: &[u8]) -> Option<String> {
    match resolve(doc, dict.get(key).ok()?) {
        Object::Name(n) => Some(String::from_utf8_lossy(n).into_owned()),
        _ => None,
    }
}

fn number(obj: &Object) -> f64 {
    match obj {
        Object::Integer(i) => *i as f64,
        Object::Real(r) => f64::from(*r),
        other => panic!("not a number: {other:?}"),
    }
}

/// The page's `/MediaBox` as (width, height), looked up through `/Parent` when inherited.
fn media_box(doc: &Document, page: &Dictionary) -> (f64, f64) {
    let mut node = page;
    loop {
        if let Ok(b) = node.get(b"MediaBox") {
            let b = resolve(doc, b).as_array().unwrap();
            let n: Vec<f64> = b.iter().map(|o| number(resolve(doc, o))).collect();
            return (n[2] - n[0], n[3] - n[1]);
        }
        let parent = node.get(b"Parent").expect("a page without a MediaBox");
        node = resolve(doc, parent).as_dict().unwrap();
    }
}

/// A PDF text string: UTF-16BE after a byte order mark, UTF-8 after its mark, else
/// PDFDocEncoding (read as Latin-1, which it equals for the characters tests use).
fn text_string(obj: &Object) -> Option<String> {
    let Object::String(bytes, _) = obj else {
        return None;
    };
    Some(if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        let units: Vec<u16> = rest
            .chunks(2)
            .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
            .collect();
        String::from_utf16_lossy(&units)
    } else if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        String::from_utf8_lossy(rest).into_owned()
    } else {
        bytes.iter().map(|b| char::from(*b)).collect()
    })
}

fn font(doc: &Document, dict: &Dictionary) -> PdfFont {
    let base = name_of(doc, dict, b"BaseFont").unwrap_or_default();
    let subtype = name_of(doc, dict, b"Subtype").unwrap_or_default();
    let (tag, rest) = base.split_once('+').unwrap_or(("", &base));
    let subset = tag.len() == 6 && tag.bytes().all(|b| b.is_ascii_uppercase());
    let name = if subset {
        rest.to_owned()
    } else {
        base.clone()
    };
    // A Type0 font's program is in its (one) descendant CIDFont's descriptor.
    let described = if subtype == "Type0" {
        dict.get(b"DescendantFonts")
            .ok()
            .and_then(|d| resolve(doc, d).as_array().ok())
            .and_then(|a| a.first())
            .and_then(|d| resolve(doc, d).as_dict().ok())
    } else {
        Some(dict)
    };
    let embedded = subtype == "Type3"
        || described
            .and_then(|d| d.get(b"FontDescriptor").ok())
            .and_then(|d| resolve(doc, d).as_dict().ok())
            .is_some_and(|d| {
                [&b"FontFile"[..], b"FontFile2", b"FontFile3"]
                    .iter()
                    .any(|k| d.get(k).is_ok())
            });
    PdfFont {
        name,
        subtype,
        embedded,
        subset,
    }
}

/// One glyph drawn: where (points from the page's top left), how wide, how big, what text.
#[derive(Debug, Clone)]
struct Glyph {
    x: f64,
    y: f64,
    end: f64,
    size: f64,
    text: String,
}

/// A `pdf-extract` output device that lays text out by position, like `pdftotext -layout`
/// in miniature: glyphs on one baseline (within a third of their size) make a line; within a
/// line a gap wider than a fifth of the size is a space, and a gap wider than two sizes is
/// as many spaces as half-sizes fit in it (at most 60).
#[derive(Debug, Default)]
pub struct Layout {
    pages: Vec<String>,
    glyphs: Vec<Glyph>,
    height: f64,
}

impl OutputDev for Layout {
    fn begin_page(
        &mut self,
        _page: u32,
        media_box: &MediaBox,
        _art_box: Option<(f64, f64, f64, f64)>,
    ) -> Result<(), OutputError> {
        self.glyphs.clear();
        self.height = media_box.ury - media_box.lly;
        Ok(())
    }

    fn end_page(&mut self) -> Result<(), OutputError> {
        let mut glyphs = std::mem::take(&mut self.glyphs);
        glyphs.sort_by(|a, b| a.y.total_cmp(&b.y).then(a.x.total_cmp(&b.x)));
        let mut lines: Vec<Vec<Glyph>> = Vec::new();
        for g in glyphs {
            match lines.last_mut() {
                Some(line) if (g.y - line[0].y).abs() <= line[0].size / 3.0 => line.push(g),
                _ => lines.push(vec![g]),
            }
        }
        let mut page = String::new();
        for mut line in lines {
            line.sort_by(|a, b| a.x.total_cmp(&b.x));
            let mut last_end: Option<f64> = None;
            for g in line {
                if let Some(end) = last_end {
                    let gap = g.x - end;
                    if gap > 2.0 * g.size {
                        let n = ((gap / (g.size / 2.0)).round() as usize).clamp(2, 60);
                        page.push_str(&" ".repeat(n));
                    } else if gap > g.size / 5.0 {
                        page.push(' ');
                    }
                }
                page.push_str(&g.text);
                last_end = Some(g.end);
            }
            page.push('\n');
        }
        self.pages.push(page);
        Ok(())
    }

    fn output_character(
        &mut self,
        trm: &Transform,
        width: f64,
        _spacing: f64,
        font_size: f64,
        text: &str,
    ) -> Result<(), OutputError> {
        // The glyph's size on the page: the text matrix scales the font size.
        let size = ((trm.m11 * font_size) * (trm.m22 * font_size)).abs().sqrt();
        let x = trm.m31;
        self.glyphs.push(Glyph {
            x,
            y: self.height - trm.m32,
            end: x + width * size,
            size,
            text: text.to_owned(),
        });
        Ok(())
    }

    fn begin_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_word(&mut self) -> Result<(), OutputError> {
        Ok(())
    }

    fn end_line(&mut self) -> Result<(), OutputError> {
        Ok(())
    }
}
