//! Rendering a [`Document`]: laid out on pages, then written as PDF with `krilla` (the Typst
//! project's PDF writer), which subsets the fonts per document and writes a ToUnicode map so
//! the text can be extracted and searched. The output is deterministic: the same document gives
//! the same bytes (no creation date, document ids derived from the content).
//!
//! Every document is written as PDF/A-2b (ISO 19005-2, level B), since the county archives
//! reports and Kela's notices (ARCHIVE): krilla's archival validator [`ARCHIVAL`] writes what
//! the standard asks (XMP metadata with `pdfaid:part` 2 and `pdfaid:conformance` B, an sRGB
//! output intent, device-independent colour, embedded fonts) and refuses to finish a document
//! that breaks it, so a document rendered at all conforms. Level B (visual appearance) and not
//! A or U: the documents are untagged, and A would ask for a tag tree.

use std::collections::HashMap;

use chrono::{Datelike, NaiveDate};
use krilla::SerializeSettings;
use krilla::color::rgb;
use krilla::configure::{Archival, ConfigurationBuilder};
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
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

/// The archival standard every document is written to: PDF/A-2b.
pub const ARCHIVAL: Archival = Archival::A2_B;

/// krilla's settings for [`ARCHIVAL`] (its highest PDF version, 1.7).
fn archival_settings() -> Result<SerializeSettings, PdfError> {
    let configuration = ConfigurationBuilder::new()
        .with_archival_validator(ARCHIVAL)
        .finish()
        .map_err(|e| PdfError(format!("PDF/A configuration: {e:?}")))?;
    Ok(SerializeSettings {
        configuration,
        ..SerializeSettings::default()
    })
}

/// The PDF's creation date: the day `printed_on` (midnight UTC), or today.
fn creation_date(printed_on: Option<NaiveDate>) -> DateTime {
    let day = printed_on.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let part = |n: u32| u8::try_from(n).unwrap_or(1);
    DateTime::new(u16::try_from(day.year()).unwrap_or(2000))
        .month(part(day.month()))
        .day(part(day.day()))
        .hour(0)
        .minute(0)
        .second(0)
        .utc_offset_hour(0)
        .utc_offset_minute(0)
}

fn write_pdf(doc: &Document, faces: &Faces, pages: &[Vec<Op>]) -> Result<Vec<u8>, PdfError> {
    // PDF/A: the title and language are what the XMP metadata and the catalogue carry.
    let mut pdf = krilla::Document::new_with(archival_settings()?);
    pdf.set_metadata(
        Metadata::new()
            .title(doc.title.clone())
            .language("fi".into())
            .creator("Seteli".into())
            .creation_date(creation_date(doc.printed_on)),
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
            )
            .printed_on(NaiveDate::from_ymd_opt(2026, 6, 20).expect("a date"));
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

    /// The XMP metadata packet of a PDF (PDF/A keeps it uncompressed, readable as text).
    fn xmp(pdf: &[u8]) -> String {
        let text = String::from_utf8_lossy(pdf);
        let start = text.find("<x:xmpmeta").expect("an XMP packet");
        let end = text[start..].find("</x:xmpmeta>").expect("its end") + start;
        text[start..end].to_owned()
    }

    #[test]
    fn every_document_declares_pdf_a_2b_with_its_title_language_and_date() {
        let pdf = Document::new("Ilmoitus poissaolosta (TT3)")
            .printed_on(NaiveDate::from_ymd_opt(2026, 4, 14).expect("a date"))
            .render()
            .expect("a PDF/A-2b the validator accepts");
        let xmp = xmp(&pdf);
        // Either form XMP allows: an attribute or an element.
        let has = |property: &str, value: &str| {
            xmp.contains(&format!("{property}=\"{value}\""))
                || xmp.contains(&format!("<{property}>{value}</{property}>"))
        };
        assert!(has("pdfaid:part", "2"), "{xmp}");
        assert!(has("pdfaid:conformance", "B"), "{xmp}");
        assert!(xmp.contains("Ilmoitus poissaolosta (TT3)"), "{xmp}");
        assert!(xmp.contains("2026-04-14"), "{xmp}");
        assert!(xmp.contains("fi"), "{xmp}");
        // PDF/A-2 is PDF 1.7 at most, with an output intent.
        assert!(pdf.starts_with(b"%PDF-1.7"), "{:?}", &pdf[..8]);
        assert!(String::from_utf8_lossy(&pdf).contains("/OutputIntents"));
    }
}
