//! PDF documents (A4) for every capability: headings, paragraphs and bullets in Be Vietnam Pro (a
//! typeface designed for Vietnamese, embedded and subset; assets/fonts), wrapped to the page,
//! broken across pages, page numbers in the footer. Text is shaped by krilla (rustybuzz) and
//! measured with the font's own advances (skrifa), so Vietnamese diacritics come out right.
//!
//! Layout happens first (lines placed on pages), drawing last: krilla's page borrows the document,
//! so a page is drawn in one go.

use std::sync::Arc;

use krilla::Document;
use krilla::geom::Point;
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::Fill;
use krilla::text::{Font, TextDirection};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

static REGULAR: &[u8] = include_bytes!("../assets/fonts/BeVietnamPro-Regular.ttf");
static BOLD: &[u8] = include_bytes!("../assets/fonts/BeVietnamPro-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.28;
const PAGE_H: f32 = 841.89;
const MARGIN: f32 = 56.7; // 2 cm
const FOOTER_Y: f32 = PAGE_H - 28.0;
/// The most pages one document may have (a bound on what a request can make the server draw).
pub const MAX_PAGES: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum PdfError {
    #[error("the document would have more than {MAX_PAGES} pages")]
    TooLong,
    #[error("writing the PDF failed: {0}")]
    Write(String),
}

#[derive(Clone, Copy, PartialEq)]
enum Face {
    Regular,
    Bold,
}

#[derive(Clone, Copy)]
enum Ink {
    Text,
    Muted,
}

struct Line {
    x: f32,
    y: f32,
    face: Face,
    size: f32,
    ink: Ink,
    text: String,
}

/// A document being laid out; [`Pdf::finish`] writes it.
pub struct Pdf {
    title: String,
    lang: String,
    footer: String,
    pages: Vec<Vec<Line>>,
    y: f32,
    too_long: bool,
}

fn font_ref(face: Face) -> FontRef<'static> {
    FontRef::new(match face {
        Face::Regular => REGULAR,
        Face::Bold => BOLD,
    })
    .expect("the embedded font parses")
}

/// The width of `text` in points at `size`, by the font's advances (a character the font lacks
/// counts half an em).
fn width(face: Face, size: f32, text: &str) -> f32 {
    let font = font_ref(face);
    let charmap = font.charmap();
    let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
    text.chars()
        .map(|c| {
            charmap
                .map(c)
                .and_then(|g| metrics.advance_width(g))
                .unwrap_or(size * 0.5)
        })
        .sum()
}

/// `text` broken into lines no wider than `max` (words longer than a line are broken anywhere).
fn wrap(face: Face, size: f32, text: &str, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split_whitespace() {
            let candidate = if line.is_empty() {
                word.to_owned()
            } else {
                format!("{line} {word}")
            };
            if width(face, size, &candidate) <= max {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // A word wider than the line: cut it where it overflows.
            let mut piece = String::new();
            for c in word.chars() {
                piece.push(c);
                if width(face, size, &piece) > max && piece.chars().count() > 1 {
                    let last = piece.pop().expect("a char");
                    lines.push(std::mem::take(&mut piece));
                    piece.push(last);
                }
            }
            line = piece;
        }
        lines.push(line);
    }
    lines
}

impl Pdf {
    /// A new document: its title (metadata), its language (`vi`, `en`) and the footer's text
    /// before the page number.
    pub fn new(title: &str, lang: &str, footer: &str) -> Pdf {
        Pdf {
            title: title.to_owned(),
            lang: lang.to_owned(),
            footer: footer.to_owned(),
            pages: vec![Vec::new()],
            y: MARGIN,
            too_long: false,
        }
    }

    /// Lay out `text`; returns the page and baseline of its first line (None when nothing fit).
    fn block(
        &mut self,
        text: &str,
        face: Face,
        size: f32,
        ink: Ink,
        indent: f32,
        before: f32,
    ) -> Option<(usize, f32)> {
        let leading = size * 1.4;
        let max = PAGE_W - 2.0 * MARGIN - indent;
        self.y += before;
        let mut first = None;
        for line in wrap(face, size, text, max) {
            if self.y + leading > FOOTER_Y - 14.0 {
                if self.pages.len() >= MAX_PAGES {
                    self.too_long = true;
                    return first;
                }
                self.pages.push(Vec::new());
                self.y = MARGIN;
            }
            self.y += leading;
            first.get_or_insert((self.pages.len() - 1, self.y));
            self.pages.last_mut().expect("a page").push(Line {
                x: MARGIN + indent,
                y: self.y,
                face,
                size,
                ink,
                text: line,
            });
        }
        first
    }

    /// The document's title line.
    pub fn title(&mut self, text: &str) {
        self.block(text, Face::Bold, 18.0, Ink::Text, 0.0, 0.0);
    }

    pub fn heading(&mut self, text: &str) {
        self.block(text, Face::Bold, 13.0, Ink::Text, 0.0, 10.0);
    }

    pub fn paragraph(&mut self, text: &str) {
        self.block(text, Face::Regular, 10.5, Ink::Text, 0.0, 3.0);
    }

    /// A list item: a bullet, the text indented under it.
    pub fn bullet(&mut self, text: &str) {
        if let Some((page, y)) = self.block(text, Face::Regular, 10.5, Ink::Text, 12.0, 2.0) {
            self.pages[page].push(Line {
                x: MARGIN + 2.0,
                y,
                face: Face::Regular,
                size: 10.5,
                ink: Ink::Text,
                text: "\u{2022}".to_owned(),
            });
        }
    }

    /// Small grey text (notes, sources).
    pub fn note(&mut self, text: &str) {
        self.block(text, Face::Regular, 8.5, Ink::Muted, 0.0, 2.0);
    }

    /// The PDF bytes: every page drawn, fonts embedded (subset), metadata set.
    pub fn finish(self) -> Result<Vec<u8>, PdfError> {
        if self.too_long {
            return Err(PdfError::TooLong);
        }
        let regular = Font::new(Arc::new(REGULAR.to_vec()).into(), 0).expect("regular font");
        let bold = Font::new(Arc::new(BOLD.to_vec()).into(), 0).expect("bold font");
        let mut doc = Document::new();
        doc.set_metadata(
            Metadata::new()
                .title(self.title.clone())
                .language(self.lang.clone())
                .creator("egov".to_owned()),
        );
        let n = self.pages.len();
        for (i, lines) in self.pages.iter().enumerate() {
            let mut page = doc.start_page_with(
                PageSettings::from_wh(PAGE_W, PAGE_H).expect("A4 is a valid size"),
            );
            let mut surface = page.surface();
            let mut draw = |l: &Line| {
                let (r, g, b) = match l.ink {
                    Ink::Text => (20, 24, 28),
                    Ink::Muted => (80, 86, 92),
                };
                surface.set_fill(Some(Fill {
                    paint: krilla::color::rgb::Color::new(r, g, b).into(),
                    opacity: NormalizedF32::ONE,
                    rule: Default::default(),
                }));
                let font = match l.face {
                    Face::Regular => regular.clone(),
                    Face::Bold => bold.clone(),
                };
                surface.draw_text(
                    Point::from_xy(l.x, l.y),
                    font,
                    l.size,
                    &l.text,
                    false,
                    TextDirection::Auto,
                );
            };
            for l in lines {
                draw(l);
            }
            let footer = format!("{} · {}/{}", self.footer, i + 1, n);
            draw(&Line {
                x: MARGIN,
                y: FOOTER_Y,
                face: Face::Regular,
                size: 8.0,
                ink: Ink::Muted,
                text: footer,
            });
            surface.finish();
            page.finish();
        }
        doc.finish().map_err(|e| PdfError::Write(format!("{e:?}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_fit_the_page_and_long_words_are_cut() {
        let max = 100.0;
        let text = "Điểm tin hàng ngày của Văn phòng Chính phủ: tổng mức bán lẻ hàng hóa tăng";
        let lines = wrap(Face::Regular, 10.5, text, max);
        assert!(lines.len() > 2);
        for l in &lines {
            assert!(width(Face::Regular, 10.5, l) <= max, "{l}");
        }
        assert_eq!(lines.join(" "), text, "no word lost or changed");
        let long = "x".repeat(200);
        for l in wrap(Face::Bold, 12.0, &long, max) {
            assert!(width(Face::Bold, 12.0, &l) <= max);
        }
    }

    #[test]
    fn a_document_embeds_its_fonts_and_breaks_pages() {
        let mut pdf = Pdf::new("Điểm tin", "vi", "egov");
        pdf.title("Điểm tin hàng ngày — 02/12/2026");
        for i in 0..120 {
            pdf.bullet(&format!(
                "Mục {i}: Nghệ An, Hà Tĩnh, Quảng Trị — số liệu đã được phê duyệt."
            ));
        }
        let n = pdf.pages.len();
        assert!(n >= 2, "{n} pages");
        let bytes = pdf.finish().unwrap();
        assert!(bytes.starts_with(b"%PDF-"));
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            text.contains("/FontFile2") || text.contains("/FontFile3"),
            "fonts embedded"
        );
        assert!(
            text.contains(&format!("/Count {n}")),
            "{n} pages in the page tree"
        );
    }

    #[test]
    fn a_runaway_document_is_refused() {
        let mut pdf = Pdf::new("x", "vi", "x");
        for _ in 0..(MAX_PAGES * 60) {
            pdf.paragraph("Một dòng.");
        }
        assert!(matches!(pdf.finish(), Err(PdfError::TooLong)));
    }
}
