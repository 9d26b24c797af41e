//! The document model: a [`Document`] with a title, a header block of labelled [`Field`]s and
//! [`Section`]s of [`Block`]s, built with small builder methods; and how a date prints in
//! Finnish ([`finnish_date`]). Rendering it is `render`'s.

use std::fmt;

use chrono::{Datelike, NaiveDate};

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
    /// The day it was printed: the PDF's creation date, which PDF/A asks for (in the XMP
    /// history). Unset: the day it is rendered (UTC), so only a dated document renders to the
    /// same bytes on any day.
    pub printed_on: Option<NaiveDate>,
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
pub struct PdfError(pub(super) String);

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

    /// Sets the day it was printed (the PDF's creation date).
    pub fn printed_on(mut self, day: NaiveDate) -> Self {
        self.printed_on = Some(day);
        self
    }

    /// Sets the footer text printed on every page.
    pub fn footer(mut self, footer: impl Into<String>) -> Self {
        self.footer = Some(footer.into());
        self
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finnish_dates_have_no_leading_zeros() {
        let date = NaiveDate::from_ymd_opt(2026, 4, 7).expect("a date");
        assert_eq!(finnish_date(date), "7.4.2026");
    }
}
