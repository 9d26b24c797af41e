//! The two embedded fonts and measuring text with them: DejaVu Sans and DejaVu Sans Bold,
//! subset to Latin-1 and Latin Extended-A (`assets/fonts/`, with their licence), so ä, ö, å, Ä,
//! Ö, Å print on any machine; a character they lack prints as `?`. Breaking text into lines
//! of a width ([`wrap`]) is here too.

use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

use super::document::PdfError;

/// DejaVu Sans, subset (see `assets/fonts/README.md`).
const REGULAR_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, subset.
const BOLD_TTF: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// One embedded font with the glyph ids and advances the layout needs.
pub(super) struct Face {
    pub(super) font: Font,
    charmap: skrifa::charmap::Charmap<'static>,
    metrics: skrifa::metrics::GlyphMetrics<'static>,
    units_per_em: f32,
}

impl Face {
    fn load(bytes: &'static [u8]) -> Result<Self, PdfError> {
        let font_ref = FontRef::new(bytes).map_err(|e| PdfError(format!("font: {e}")))?;
        let units_per_em = f32::from(
            font_ref
                .metrics(Size::unscaled(), LocationRef::default())
                .units_per_em,
        );
        let font = Font::new(krilla::Data::from(bytes), 0)
            .ok_or_else(|| PdfError("font: krilla could not read it".into()))?;
        Ok(Self {
            font,
            charmap: font_ref.charmap(),
            metrics: font_ref.glyph_metrics(Size::unscaled(), LocationRef::default()),
            units_per_em,
        })
    }

    /// The glyph id and advance (in em) of a character the font has.
    pub(super) fn glyph(&self, ch: char) -> Option<(GlyphId, f32)> {
        let id = self.charmap.map(ch)?;
        let advance = self.metrics.advance_width(id).unwrap_or(0.0) / self.units_per_em;
        Some((GlyphId::new(id.to_u32()), advance))
    }

    /// The width of `text` at `size` (characters the font lacks measured as `?`).
    pub(super) fn width(&self, text: &str, size: f32) -> f32 {
        text.chars()
            .map(|ch| {
                self.glyph(ch)
                    .or_else(|| self.glyph('?'))
                    .map_or(0.0, |g| g.1)
            })
            .sum::<f32>()
            * size
    }

    /// `text` with what cannot be printed replaced: tabs become spaces, other control
    /// characters go, characters the font lacks become `?`.
    pub(super) fn printable(&self, text: &str) -> String {
        text.chars()
            .filter_map(|ch| match ch {
                '\t' => Some(' '),
                c if c.is_control() => None,
                c if self.charmap.map(c).is_some() => Some(c),
                _ => Some('?'),
            })
            .collect()
    }

    /// The glyphs of an already [`Face::printable`] line, each mapped back to its character
    /// (which is what makes the text extractable).
    pub(super) fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
        text.char_indices()
            .filter_map(|(at, ch)| {
                let (id, advance) = self.glyph(ch)?;
                Some(KrillaGlyph::new(
                    id,
                    advance,
                    0.0,
                    0.0,
                    0.0,
                    at..at + ch.len_utf8(),
                    None,
                ))
            })
            .collect()
    }
}

/// The two faces a document uses.
pub(super) struct Faces {
    pub(super) regular: Face,
    pub(super) bold: Face,
}

impl Faces {
    pub(super) fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: Face::load(REGULAR_TTF)?,
            bold: Face::load(BOLD_TTF)?,
        })
    }

    pub(super) fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces where it can, inside a word only
/// when the word alone is wider than the line. `\n` always breaks; an empty input line stays an
/// empty line.
pub(super) fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
    let text = face.printable_keep_newlines(text);
    let mut lines = Vec::new();
    for hard_line in text.split('\n') {
        let mut line = String::new();
        for word in hard_line.split(' ').filter(|w| !w.is_empty()) {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if face.width(&candidate, size) <= width {
                line = candidate;
                continue;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
            }
            // The word starts a line; a word wider than the line is cut where it must be.
            for ch in word.chars() {
                let mut longer = line.clone();
                longer.push(ch);
                if !line.is_empty() && face.width(&longer, size) > width {
                    lines.push(std::mem::take(&mut line));
                    line.push(ch);
                } else {
                    line = longer;
                }
            }
        }
        lines.push(line);
    }
    lines
}

impl Face {
    /// [`Face::printable`] for each line, keeping the line breaks (`\r\n` counts as one).
    fn printable_keep_newlines(&self, text: &str) -> String {
        text.replace("\r\n", "\n")
            .split('\n')
            .map(|line| self.printable(line))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::layout::BODY_SIZE;

    fn faces() -> Faces {
        Faces::load().expect("the embedded fonts load")
    }

    #[test]
    fn the_fonts_cover_finnish_and_swedish_letters() {
        let faces = faces();
        for face in [&faces.regular, &faces.bold] {
            for ch in "äöåÄÖÅéüšž€–—“”".chars() {
                assert!(face.glyph(ch).is_some(), "{ch} missing");
            }
            assert_eq!(face.printable("a\u{4e2d}b\tc\u{7}"), "a?b c");
        }
    }

    #[test]
    fn wrapping_keeps_lines_within_the_width_and_every_word() {
        let faces = faces();
        let text = "Asiakas on osallistunut työtoimintaan säännöllisesti ja hänen \
                    työkykynsä on kohentunut. Pitkä_sana_ilman_välejä_joka_ei_mahdu_riville_mitenkään_kokonaisena \
                    loppuu tähän.\nUusi rivi.";
        let lines = wrap(&faces.regular, text, BODY_SIZE, 150.0);
        assert!(lines.len() > 4, "{lines:?}");
        for line in &lines {
            assert!(faces.regular.width(line, BODY_SIZE) <= 150.0, "{line}");
        }
        assert_eq!(lines.last().map(String::as_str), Some("Uusi rivi."));
        let joined: String = lines.concat().split_whitespace().collect();
        let expected: String = text.split_whitespace().collect();
        assert_eq!(joined, expected);
    }
}
