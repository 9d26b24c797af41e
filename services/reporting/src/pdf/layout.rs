//! Layout: a [`Document`] becomes pages of positioned drawing operations ([`Op`]) on A4 —
//! long text wraps at word boundaries and flows onto further pages, a heading is kept with what
//! follows it, a table repeats its header row on each page it spans, each page has a footer
//! with "Sivu n / m". Geometry and styles in points; y grows downwards as in krilla.

use super::document::{Block, Document, Field, Section, Table, finnish_date};
use super::fonts::{Face, Faces, wrap};

pub(super) const PAGE_WIDTH: f32 = 595.28;
pub(super) const PAGE_HEIGHT: f32 = 841.89;
pub(super) const MARGIN_X: f32 = 56.7;
pub(super) const MARGIN_TOP: f32 = 56.7;
/// The lowest y content may reach; the footer sits below it.
pub(super) const CONTENT_BOTTOM: f32 = PAGE_HEIGHT - 70.0;
pub(super) const FOOTER_BASELINE: f32 = PAGE_HEIGHT - 40.0;
pub(super) const CONTENT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN_X;

pub(super) const TITLE_SIZE: f32 = 16.0;
pub(super) const SUBTITLE_SIZE: f32 = 11.0;
pub(super) const HEADING_SIZE: f32 = 12.0;
pub(super) const BODY_SIZE: f32 = 10.0;
pub(super) const TABLE_SIZE: f32 = 9.0;
pub(super) const FOOTER_SIZE: f32 = 8.0;
/// Line height as a multiple of the font size.
pub(super) const LEADING: f32 = 1.4;
/// Baseline below a line's top, as a multiple of the font size (DejaVu's ascent is 0.93 em).
pub(super) const ASCENT: f32 = 0.93;
pub(super) const CELL_PADDING: f32 = 3.0;
pub(super) const COLUMN_GAP: f32 = 10.0;

/// One thing drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Op {
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
pub(super) fn layout(doc: &Document, faces: &Faces) -> Vec<Vec<Op>> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdf::Document;

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
}
