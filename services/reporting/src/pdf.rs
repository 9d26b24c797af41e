//! Printable documents: a small document model rendered to PDF bytes.
//!
//! The reporting service prints a report for the client's paper copy (REP-DELIVERY) and Kela's
//! absence notice (ABS-KELA) from the same model: a [`Document`] has a title, a header block of
//! labelled [`Field`]s, and [`Section`]s (optionally dated) of [`Block`]s — sub-headings,
//! paragraphs, labelled fields and simple [`Table`]s with a header row. [`Document::render`]
//! lays it out on A4 pages itself — long text wraps at word boundaries and flows onto further
//! pages, a table repeats its header row on each page it spans, each page has a footer with
//! "Sivu n / m" — and writes the PDF with `krilla` (the Typst project's PDF writer).
//!
//! Fonts: DejaVu Sans and DejaVu Sans Bold, subset to Latin-1 and Latin Extended-A and
//! embedded in the binary (`assets/fonts/`, with their licence), so ä, ö, å, Ä, Ö, Å print
//! on any machine; `krilla` subsets them again per document and writes a ToUnicode map, so
//! the text can be extracted and searched. A character the fonts lack prints as `?`.
//!
//! The output is deterministic: the same document gives the same bytes (no creation date,
//! document ids derived from the content).
//!
//! ```
//! use seteli_reporting::pdf::{Document, Section, Table};
//! let bytes = Document::new("Väliraportti")
//!     .field("Palveluntuottaja", "Työpaja Örö Oy")
//!     .section(
//!         Section::new("Tavoitteet")
//!             .dated(chrono::NaiveDate::from_ymd_opt(2026, 4, 7).unwrap())
//!             .paragraph("Asiakas on käynyt työpajalla säännöllisesti."),
//!     )
//!     .section(Section::new("Läsnäolot").table(
//!         Table::new(["Päivä", "Läsnä"]).row(["7.4.2026", "kyllä"]),
//!     ))
//!     .render()
//!     .unwrap();
//! assert!(bytes.starts_with(b"%PDF-"));
//! ```

use std::collections::HashMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, FillRule};
use krilla::text::{Font, GlyphId, KrillaGlyph};
use skrifa::instance::{LocationRef, Size};
use skrifa::{FontRef, MetadataProvider};

/// DejaVu Sans, subset (see `assets/fonts/README.md`).
const REGULAR_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans.ttf");
/// DejaVu Sans Bold, subset.
const BOLD_TTF: &[u8] = include_bytes!("../assets/fonts/DejaVuSans-Bold.ttf");

/// A printable document: title, header fields, sections, and a footer line on every page.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// The title, large and bold at the top of the first page (and the PDF's title).
    pub title: String,
    /// An optional line under the title (e.g. the county's name).
    pub subtitle: Option<String>,
    /// The header block: labelled fields under the title, label column on the left.
    pub header: Vec<Field>,
    /// The sections, in order.
    pub sections: Vec<Section>,
    /// An optional text at the bottom left of every page (the page number is at the right).
    pub footer: Option<String>,
}

/// A labelled value: "Asiakas: Matti M.". Both wrap within their column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Field {
    /// The label, printed bold.
    pub label: String,
    /// The value; `\n` breaks a line.
    pub value: String,
}

/// A titled section, optionally dated (an SK report's dated continuation, a notice's period).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    /// The heading.
    pub title: String,
    /// The date printed at the right of the heading (Finnish form, `7.4.2026`).
    pub date: Option<NaiveDate>,
    /// The content, in order.
    pub blocks: Vec<Block>,
}

/// One piece of a section's content.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A bold sub-heading inside a section, kept with the line after it.
    Heading(String),
    /// Running text: wraps at word boundaries; `\n` breaks a line, an empty line leaves space.
    Paragraph(String),
    /// Labelled fields, as in the header block.
    Fields(Vec<Field>),
    /// A table with a header row.
    Table(Table),
}

/// A simple table: a bold, shaded header row repeated on each page the table spans, then rows
/// of cells whose text wraps within the column.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// The header row; its length is the number of columns.
    pub header: Vec<String>,
    /// Relative column widths (e.g. `[1.0, 1.0, 3.0]`); empty or the wrong length: equal.
    pub widths: Vec<f32>,
    /// The rows; a short row leaves its last cells empty, extra cells are dropped.
    pub rows: Vec<Vec<String>>,
}

/// Rendering failed: a bug in the layout or the writer, never the document's content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PdfError(String);

impl fmt::Display for PdfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PDF rendering failed: {}", self.0)
    }
}

impl std::error::Error for PdfError {}

impl Document {
    /// A document with this title and nothing else yet.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Sets the line under the title.
    pub fn subtitle(mut self, subtitle: impl Into<String>) -> Self {
        self.subtitle = Some(subtitle.into());
        self
    }

    /// Adds a field to the header block.
    pub fn field(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        self.header.push(Field::new(label, value));
        self
    }

    /// Adds a section.
    pub fn section(mut self, section: Section) -> Self {
        self.sections.push(section);
        self
    }

    /// Sets the footer text printed on every page.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
    }

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

impl Field {
    /// A labelled value.
    pub fn new(label: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            label: label.into(),
            value: value.into(),
        }
    }
}

impl Section {
    /// A section with this heading and no content yet.
    pub fn new(title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            ..Self::default()
        }
    }

    /// Dates the section.
    pub fn dated(mut self, date: NaiveDate) -> Self {
        self.date = Some(date);
        self
    }

    /// Adds a bold sub-heading.
    pub fn heading(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Heading(text.into()));
        self
    }

    /// Adds a paragraph.
    pub fn paragraph(mut self, text: impl Into<String>) -> Self {
        self.blocks.push(Block::Paragraph(text.into()));
        self
    }

    /// Adds one labelled field (consecutive fields form one block).
    pub fn field(mut self, label: impl Into<String>, value: impl Into<String>) -> Self {
        let field = Field::new(label, value);
        match self.blocks.last_mut() {
            Some(Block::Fields(fields)) => fields.push(field),
            _ => self.blocks.push(Block::Fields(vec![field])),
        }
        self
    }

    /// Adds a table.
    pub fn table(mut self, table: Table) -> Self {
        self.blocks.push(Block::Table(table));
        self
    }
}

impl Table {
    /// A table with this header row and no rows yet.
    pub fn new<S: Into<String>>(header: impl IntoIterator<Item = S>) -> Self {
        Self {
            header: header.into_iter().map(Into::into).collect(),
            ..Self::default()
        }
    }

    /// Sets relative column widths.
    pub fn widths(mut self, widths: impl IntoIterator<Item = f32>) -> Self {
        self.widths = widths.into_iter().collect();
        self
    }

    /// Adds a row.
    pub fn row<S: Into<String>>(mut self, cells: impl IntoIterator<Item = S>) -> Self {
        self.rows.push(cells.into_iter().map(Into::into).collect());
        self
    }
}

/// A date as Finnish prints it: `7.4.2026`.
pub fn finnish_date(date: NaiveDate) -> String {
    format!("{}.{}.{}", date.day(), date.month(), date.year())
}

// ---------------------------------------------------------------------------------------------
// Geometry and styles (points; A4 portrait; y grows downwards as in krilla).

const PAGE_WIDTH: f32 = 595.28;
const PAGE_HEIGHT: f32 = 841.89;
const MARGIN_X: f32 = 56.7;
const MARGIN_TOP: f32 = 56.7;
/// The lowest y content may reach; the footer sits below it.
const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 70.0;
const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 40.0;
const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

const TITLE_SIZE: f32 = 16.0;
const SUBTITLE_SIZE: f32 = 11.0;
const HEADING_SIZE: f32 = 12.0;
const BODY_SIZE: f32 = 10.0;
const TABLE_SIZE: f32 = 9.0;
const FOOTER_SIZE: f32 = 8.0;
/// Line height as a multiple of the font size.
const LEADING: f32 = 1.4;
/// Baseline below a line's top, as a multiple of the font size (DejaVu's ascent is 0.93 em).
const ASCENT: f32 = 0.93;
const CELL_PADDING: f32 = 3.0;
const COLUMN_GAP: f32 = 10.0;

// ---------------------------------------------------------------------------------------------
// Fonts and measuring.

/// One embedded font with the glyph ids and advances the layout needs.
struct Face {
    font: Font,
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
    fn glyph(&self, ch: char) -> Option<(GlyphId, f32)> {
        let id = self.charmap.map(ch)?;
        let advance = self.metrics.advance_width(id).unwrap_or(0.0) / self.units_per_em;
        Some((GlyphId::new(id.to_u32()), advance))
    }

    /// The width of `text` at `size` (characters the font lacks measured as `?`).
    fn width(&self, text: &str, size: f32) -> f32 {
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
    fn printable(&self, text: &str) -> String {
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
    fn glyphs(&self, text: &str) -> Vec<KrillaGlyph> {
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
struct Faces {
    regular: Face,
    bold: Face,
}

impl Faces {
    fn load() -> Result<Self, PdfError> {
        Ok(Self {
            regular: Face::load(REGULAR_TTF)?,
            bold: Face::load(BOLD_TTF)?,
        })
    }

    fn face(&self, bold: bool) -> &Face {
        if bold { &self.bold } else { &self.regular }
    }
}

/// Breaks `text` into lines no wider than `width`: at spaces where it can, inside a word only
/// when the word alone is wider than the line. `\n` always breaks; an empty input line stays an
/// empty line.
fn wrap(face: &Face, text: &str, size: f32, width: f32) -> Vec<String> {
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

// ---------------------------------------------------------------------------------------------
// Layout: the document becomes pages of positioned drawing operations.

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// A line of text; `(x, baseline)`.
    Text {
        x: f32,
        baseline: f32,
        size: f32,
        bold: bool,
        text: String,
    },
    /// A filled rectangle of grey `level` (0 black … 255 white): rules and shading.
    Rect {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        level: u8,
    },
}

/// The pages being filled, and where on the last one the next line goes.
struct Layout<'a> {
    faces: &'a Faces,
    pages: Vec<Vec<Op>>,
    y: f32,
}

/// Lays the document out: a list of pages, each a list of drawing operations.
fn layout(doc: &Document, faces: &Faces) -> Vec<Vec<Op>> {
    let mut l = Layout {
        faces,
        pages: vec![Vec::new()],
        y: MARGIN_TOP,
    };
    l.text_block(MARGIN_X, CONTENT_WIDTH, &doc.title, TITLE_SIZE, true);
    if let Some(subtitle) = &doc.subtitle {
        l.text_block(MARGIN_X, CONTENT_WIDTH, subtitle, SUBTITLE_SIZE, false);
    }
    l.y += 8.0;
    if !doc.header.is_empty() {
        l.fields(&doc.header);
        l.y += 4.0;
    }
    l.rule(0.8, 120);
    l.y += 10.0;
    for section in &doc.sections {
        l.section(section);
    }
    l.footers(doc.footer.as_deref());
    l.pages
}

impl Layout<'_> {
    /// Adds a drawing operation to the current (last) page.
    fn push(&mut self, op: Op) {
        if let Some(page) = self.pages.last_mut() {
            page.push(op);
        }
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN_TOP;
    }

    /// Starts a new page unless `height` more fits on this one (or this one is still empty).
    fn room_for(&mut self, height: f32) {
        if self.y + height > CONTENT_BOTTOM && self.y > MARGIN_TOP {
            self.new_page();
        }
    }

    fn line_height(size: f32) -> f32 {
        size * LEADING
    }

    fn text(&mut self, x: f32, top: f32, size: f32, bold: bool, text: String) {
        if !text.is_empty() {
            self.push(Op::Text {
                x,
                baseline: top + size * ASCENT + (LEADING - 1.0) * size / 2.0,
                size,
                bold,
                text,
            });
        }
    }

    /// Wrapped text in a column, flowing onto new pages line by line.
    fn text_block(&mut self, x: f32, width: f32, text: &str, size: f32, bold: bool) {
        let lh = Self::line_height(size);
        for line in wrap(self.faces.face(bold), text, size, width) {
            self.room_for(lh);
            self.text(x, self.y, size, bold, line);
            self.y += lh;
        }
    }

    /// A full-width horizontal rule at the current position.
    fn rule(&mut self, thickness: f32, level: u8) {
        self.push(Op::Rect {
            x: MARGIN_X,
            y: self.y,
            width: CONTENT_WIDTH,
            height: thickness,
            level,
        });
    }

    /// Labelled fields: labels bold in a left column, values beside them; a long value flows
    /// onto the next page line by line.
    fn fields(&mut self, fields: &[Field]) {
        let bold = &self.faces.bold;
        let widest = fields
            .iter()
            .map(|f| bold.width(&bold.printable(&f.label), BODY_SIZE))
            .fold(0.0_f32, f32::max);
        let label_width = widest.clamp(60.0, CONTENT_WIDTH * 0.35);
        let value_x = MARGIN_X + label_width + COLUMN_GAP;
        let value_width = CONTENT_WIDTH - label_width - COLUMN_GAP;
        let lh = Self::line_height(BODY_SIZE);
        for field in fields {
            let labels = wrap(&self.faces.bold, &field.label, BODY_SIZE, label_width);
            let values = wrap(&self.faces.regular, &field.value, BODY_SIZE, value_width);
            let rows = labels.len().max(values.len());
            // Keep a short field together.
            self.room_for(lh * rows.min(3) as f32);
            let mut labels = labels.into_iter();
            let mut values = values.into_iter();
            for _ in 0..rows {
                self.room_for(lh);
                if let Some(label) = labels.next() {
                    self.text(MARGIN_X, self.y, BODY_SIZE, true, label);
                }
                if let Some(value) = values.next() {
                    self.text(value_x, self.y, BODY_SIZE, false, value);
                }
                self.y += lh;
            }
            self.y += 2.0;
        }
    }

    fn section(&mut self, section: &Section) {
        let lh = Self::line_height(HEADING_SIZE);
        let date = section.date.map(finnish_date);
        let date_width = date
            .as_deref()
            .map_or(0.0, |d| self.faces.regular.width(d, BODY_SIZE) + COLUMN_GAP);
        let lines = wrap(
            &self.faces.bold,
            &section.title,
            HEADING_SIZE,
            CONTENT_WIDTH - date_width,
        );
        // A heading never ends a page: keep it with two lines of what follows.
        self.room_for(lh * lines.len() as f32 + 2.0 * Self::line_height(BODY_SIZE) + 6.0);
        let top = self.y;
        for line in lines {
            self.room_for(lh);
            self.text(MARGIN_X, self.y, HEADING_SIZE, true, line);
            self.y += lh;
        }
        if let Some(date) = date {
            let width = self.faces.regular.width(&date, BODY_SIZE);
            self.text(
                MARGIN_X + CONTENT_WIDTH - width,
                top + (HEADING_SIZE - BODY_SIZE),
                BODY_SIZE,
                false,
                date,
            );
        }
        self.rule(0.4, 170);
        self.y += 4.0;
        for block in &section.blocks {
            match block {
                Block::Heading(text) => {
                    self.y += 2.0;
                    let lh = Self::line_height(BODY_SIZE);
                    // Never the last line of a page.
                    let lines = wrap(&self.faces.bold, text, BODY_SIZE, CONTENT_WIDTH).len();
                    self.room_for(lh * (lines as f32 + 2.0));
                    self.text_block(MARGIN_X, CONTENT_WIDTH, text, BODY_SIZE, true);
                    self.y += 1.0;
                }
                Block::Paragraph(text) => {
                    self.text_block(MARGIN_X, CONTENT_WIDTH, text, BODY_SIZE, false);
                    self.y += 5.0;
                }
                Block::Fields(fields) => {
                    self.fields(fields);
                    self.y += 3.0;
                }
                Block::Table(table) => {
                    self.table(table);
                    self.y += 6.0;
                }
            }
        }
        self.y += 8.0;
    }

    /// A table: the header row on each page it spans; a row taller than what is left moves to
    /// the next page, and one taller than a page is split between pages.
    fn table(&mut self, table: &Table) {
        let columns = table.header.len();
        if columns == 0 {
            return;
        }
        let weights: Vec<f32> =
            if table.widths.len() == columns && table.widths.iter().all(|w| *w > 0.0) {
                table.widths.clone()
            } else {
                vec![1.0; columns]
            };
        let total: f32 = weights.iter().sum();
        let widths: Vec<f32> = weights.iter().map(|w| CONTENT_WIDTH * w / total).collect();
        let cell_lines = |face: &Face, cells: &[String]| -> Vec<Vec<String>> {
            widths
                .iter()
                .enumerate()
                .map(|(i, w)| {
                    let text = cells.get(i).map_or("", String::as_str);
                    wrap(face, text, TABLE_SIZE, w - 2.0 * CELL_PADDING)
                })
                .collect()
        };
        let header = cell_lines(&self.faces.bold, &table.header);
        let lh = Self::line_height(TABLE_SIZE);
        let header_height = Self::row_height(&header, lh);
        // The header and the first row start together.
        let first = table.rows.first().map_or(0.0, |r| {
            Self::row_height(&cell_lines(&self.faces.regular, r), lh)
        });
        self.room_for(header_height + first.min(3.0 * lh + 2.0 * CELL_PADDING));
        self.table_row(&widths, &header, true);
        for row in &table.rows {
            let cells = cell_lines(&self.faces.regular, row);
            let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
            let mut start = 0;
            let mut fresh = false;
            while start < lines {
                let fit = ((CONTENT_BOTTOM - self.y - 2.0 * CELL_PADDING) / lh).floor();
                let fit = if fit > 0.0 { fit as usize } else { 0 };
                if fit == 0 || (start == 0 && fit < lines && !fresh) {
                    self.new_page();
                    self.table_row(&widths, &header, true);
                    fresh = true;
                    continue;
                }
                let take = fit.min(lines - start);
                let chunk: Vec<Vec<String>> = cells
                    .iter()
                    .map(|c| c.iter().skip(start).take(take).cloned().collect())
                    .collect();
                self.table_row(&widths, &chunk, false);
                start += take;
                fresh = false;
            }
        }
    }

    fn row_height(cells: &[Vec<String>], lh: f32) -> f32 {
        cells.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * lh + 2.0 * CELL_PADDING
    }

    /// One row (or the part of one that fits) at the current position, with its rule below.
    fn table_row(&mut self, widths: &[f32], cells: &[Vec<String>], header: bool) {
        let lh = Self::line_height(TABLE_SIZE);
        let height = Self::row_height(cells, lh);
        if header {
            self.push(Op::Rect {
                x: MARGIN_X,
                y: self.y,
                width: CONTENT_WIDTH,
                height,
                level: 230,
            });
        }
        let mut x = MARGIN_X;
        for (width, lines) in widths.iter().zip(cells) {
            for (i, line) in lines.iter().enumerate() {
                let top = self.y + CELL_PADDING + i as f32 * lh;
                self.text(x + CELL_PADDING, top, TABLE_SIZE, header, line.clone());
            }
            x += width;
        }
        self.y += height;
        self.rule(if header { 0.8 } else { 0.3 }, 150);
    }

    /// The footer text and "Sivu n / m" on every page.
    fn footers(&mut self, footer: Option<&str>) {
        let count = self.pages.len();
        let regular = &self.faces.regular;
        for (index, ops) in self.pages.iter_mut().enumerate() {
            let number = format!("Sivu {} / {}", index + 1, count);
            let number_width = regular.width(&number, FOOTER_SIZE);
            ops.push(Op::Text {
                x: MARGIN_X + CONTENT_WIDTH - number_width,
                baseline: FOOTER_BASELINE,
                size: FOOTER_SIZE,
                bold: false,
                text: number,
            });
            if let Some(footer) = footer {
                let width = CONTENT_WIDTH - number_width - COLUMN_GAP;
                if let Some(line) = wrap(regular, footer, FOOTER_SIZE, width).into_iter().next() {
                    ops.push(Op::Text {
                        x: MARGIN_X,
                        baseline: FOOTER_BASELINE,
                        size: FOOTER_SIZE,
                        bold: false,
                        text: line,
                    });
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Writing the PDF.

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

    fn faces() -> Faces {
        Faces::load().expect("the embedded fonts load")
    }

    fn texts(pages: &[Vec<Op>]) -> Vec<String> {
        pages
            .iter()
            .flatten()
            .filter_map(|op| match op {
                Op::Text { text, .. } => Some(text.clone()),
                Op::Rect { .. } => None,
            })
            .collect()
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

    #[test]
    fn long_text_flows_onto_further_pages_and_every_page_is_numbered() {
        let long = "Tämä on pitkä kappale, jonka pitää jatkua seuraavalle sivulle. ".repeat(300);
        let table = (1..=80).fold(Table::new(["Päivä", "Läsnä", "Syy"]), |t, d| {
            t.row([format!("{d}.4.2026"), "ei".into(), "sairaus".into()])
        });
        let doc = Document::new("Väliraportti")
            .field("Asiakas", "Åsa Öberg")
            .section(Section::new("Kuvaus").paragraph(long))
            .section(Section::new("Poissaolot").table(table))
            .footer("Pohjois-Savon hyvinvointialue");
        let faces = faces();
        let pages = layout(&doc, &faces);
        assert!(pages.len() >= 4, "{} pages", pages.len());
        let all = texts(&pages);
        let count = pages.len();
        for n in 1..=count {
            assert!(all.contains(&format!("Sivu {n} / {count}")));
        }
        // The table's header row is repeated on the pages it spans.
        assert!(all.iter().filter(|t| *t == "Päivä").count() >= 2);
        for (index, ops) in pages.iter().enumerate() {
            for op in ops {
                if let Op::Text { baseline, text, .. } = op {
                    assert!(
                        *baseline <= CONTENT_BOTTOM
                            || text.starts_with("Sivu")
                            || text.starts_with("Pohjois"),
                        "page {index}: {text} at {baseline}"
                    );
                }
            }
        }
        assert_eq!(doc.page_count().ok(), Some(count));
    }

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

    #[test]
    fn finnish_dates_have_no_leading_zeros() {
        let date = NaiveDate::from_ymd_opt(2026, 4, 7).expect("a date");
        assert_eq!(finnish_date(date), "7.4.2026");
    }
}
