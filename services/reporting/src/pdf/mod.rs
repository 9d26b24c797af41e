//! Printable documents: a small document model rendered to PDF bytes.
//!
//! The reporting service prints a report for the client's paper copy (REP-DELIVERY,
//! [`report`]) and Kela's absence notice (ABS-KELA, [`kela`]) from the same model: a
//! [`Document`] has a title, a header block of labelled [`Field`]s, and [`Section`]s
//! (optionally dated) of [`Block`]s — sub-headings, paragraphs, labelled fields and simple
//! [`Table`]s with a header row. [`Document::render`] lays it out on A4 pages itself — long
//! text wraps at word boundaries and flows onto further pages, a table repeats its header row
//! on each page it spans, each page has a footer with "Sivu n / m" — and writes the PDF with
//! `krilla` (the Typst project's PDF writer).
//!
//! Fonts: DejaVu Sans and DejaVu Sans Bold, subset to Latin-1 and Latin Extended-A and
//! embedded in the binary (`assets/fonts/`, with their licence), so ä, ö, å, Ä, Ö, Å print
//! on any machine; `krilla` subsets them again per document and writes a ToUnicode map, so
//! the text can be extracted and searched. A character the fonts lack prints as `?`.
//!
//! Archived documents (ARCHIVE): every PDF is PDF/A-2b, written under krilla's archival
//! validator (`render::ARCHIVAL`), which refuses to finish a document that breaks the standard.
//! PDF/A asks for a creation date: the day the document was printed ([`Document::printed_on`],
//! which the service sets from its clock).
//!
//! The output is deterministic: the same document, dated, gives the same bytes (document ids
//! derived from the content).
//!
//! Inside: [`Document`] and its parts (`document`), the embedded fonts and line wrapping
//! (`fonts`), the layout onto pages (`layout`) and the PDF writer (`render`), each using only
//! those before it; the two documents the service prints ([`report`], [`kela`]) build a
//! [`Document`].
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

mod document;
mod fonts;
pub mod kela;
mod layout;
mod render;
pub mod report;

pub use document::{Block, Document, Field, PdfError, Section, Table, finnish_date};
