//! Rendering a [`Document`]: laid out on pages, then written as PDF with `krilla` (the Typst
//! project's PDF writer), which subsets the fonts per document and writes a ToUnicode map so
//! the text can be extracted and searched. The output is deterministic: the same document gives
//! the same bytes (no creation date, document ids derived from the content).

use std::collections::HashMap;

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::KrillaGlyph;

use super::document::{Document, PdfError};
use super::fonts::Faces;
use super::layout::{Op, PAGE_HEIGHT, PAGE_WIDTH, layout};

impl Document {
    /// Lays the document out on A4 pages and writes it as PDF bytes. The same document always
    /// gives the same bytes.
    pub fn render(&self) -> Result<Vec<u8>, PdfError> {
        let faces = Faces::load()?;
        let pages = layout(self, &faces);
        write_pdf(self, &faces, &pages)
    }

    /// How many pages [`Document::render`] produces.
    pub fn page_count(&self) -> Result<usize, PdfError> {
        Ok(layout(self, &Faces::load()?).len())
    }
}

fn write_pdf(doc: &Document, faces: &Faces, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    let mut pdf = krilla::Document::new();
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("fi".into())
            .creator("Seteli".into()),
    );
    let settings = PageSettings::from_wh(PAGE_WIDTH, PAGE_HEIGHT)
        .ok_or_else(|| PdfError("page size".into()))?;
    // Glyph lookups are per line; a document repeats few distinct lines, but cache anyway.
    let mut glyph_cache: HashMap<(bool, &str), Vec<KrillaGlyph>> = HashMap::new();
    for ops in pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    baseline,
                    size,
                    bold,
                    text,
                } => {
                    let face = faces.face(*bold);
                    let glyphs = glyph_cache
                        .entry((*bold, text.as_str()))
                        .or_insert_with(|| face.glyphs(text));
                    surface.set_fill(Some(Fill::default()));
                    surface.draw_glyphs(
                        Point::from_xy(*x, *baseline),
                        glyphs,
                        face.font.clone(),
                        text,
                        *size,
                        false,
                    );
                }
                Op::Rect {
                    x,
                    y,
                    width,
                    height,
                    level,
                } => {
                    let Some(rect) = Rect::from_xywh(*x, *y, *width, *height) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    let Some(path) = path.finish() else { continue };
                    surface.set_fill(Some(Fill {
                        paint: rgb::Color::new(*level, *level, *level).into(),
                        opacity: NormalizedF32::ONE,
                        rule: FillRule::NonZero,
                    }));
                    surface.draw_path(&path);
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| PdfError(format!("{e:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::{Section, Table};
    use chrono::NaiveDate;

    #[test]
    fn rendering_is_deterministic_and_a_pdf() {
        let doc = Document::new("Loppuraportti")
            .subtitle("Hyvinvointialue")
            .field("Seteli", "V-1")
            .section(
                Section::new("Jatko")
                    .dated(NaiveDate::from_ymd_opt(2026, 6, 19).expect("a date"))
                    .paragraph("Ääkköset: äöå ÄÖÅ")
                    .field("Tila", "Lähetetty"),
            );
        let first = doc.render().expect("renders");
        let second = doc.render().expect("renders");
        assert!(first.starts_with(b"%PDF-"));
        assert_eq!(first, second);
        assert!(first.len() < 60_000, "{} bytes", first.len());
    }

    #[test]
    fn an_empty_document_renders() {
        assert!(Document::default().render().is_ok());
        let table = Table::new(Vec::<String>::new()).row(["orphan"]);
        assert!(
            Document::new("x")
                .section(Section::new("t").table(table))
                .render()
                .is_ok()
        );
    }
}
