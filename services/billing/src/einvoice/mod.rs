//! An invoice as an e-invoice: Finvoice 3.0 (Finance Finland) and Peppol BIS Billing 3.0 UBL 2.1
//! (EN 16931), written with `quick-xml` (escaping by the writer, never string concatenation).
//!
//! What goes where:
//! - seller = the provider: name, Y-tunnus (UBL `0212`), OVT (UBL endpoint `0216`; Finvoice
//!   `SellerOrganisationUnitNumber`), IBAN and BIC (UBL `PaymentMeans`; Finvoice `EpiDetails`);
//!   the Y-tunnus is also the seller's tax registration identifier (EN 16931 BT-32: UBL
//!   `PartyTaxScheme` under `TAX` as `FI` + digits, Finvoice `SellerTaxRegistrationText`), which
//!   an invoice with VAT-exempt lines must carry (BR-E-02);
//! - buyer = the county (configuration): name, Y-tunnus, OVT, buyer reference (cost centre);
//! - a line per voucher, its order reference = the voucher number (UBL `OrderLineReference`,
//!   Finvoice `RowIdentifier`); a line capped by what the voucher had left carries the cap as a
//!   line allowance, so `quantity × price − allowance = line amount`; the line text names the
//!   realised and no-show units with their unit ("h", "pv");
//! - the Finnish payment reference (viitenumero; Finvoice `SPY`), the RF reference in UBL's
//!   `PaymentID`; due date from the configured payment terms;
//! - VAT 0 %, category E, with the exemption reason code (VATEX-EU-132-1G) and its text
//!   (social services, VAT act § 37) complete; Finvoice's 70-character `VatFreeText` is repeated
//!   for the rest rather than cut, and every text fitted to the schema's length is cut at a word
//!   boundary (`text`);
//! - a credit note is a UBL `CreditNote` (381) or Finvoice `INV02` with negative amounts, naming
//!   the invoices it credits.

use std::fmt::Write as _;

use chrono::{Datelike, NaiveDate};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use seteli_api::billing::v1 as pb;
use seteli_platform::convert::{PbEnum, date};
use seteli_platform::{AppError, AppResult};
use seteli_rules::ServiceType;
use seteli_rules::catalogue::Unit;

use crate::plan::amount_cents;

mod finvoice;
mod text;
mod ubl;

/// The VAT exemption reason on every document.
pub const VAT_EXEMPTION_REASON: &str =
    "Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt social services";
/// Its code (VATEX list: Article 132(1)(g) of Directive 2006/112/EC, social welfare).
pub const VAT_EXEMPTION_CODE: &str = "VATEX-EU-132-1G";

fn xml_error(e: impl std::fmt::Display) -> AppError {
    AppError::Internal(anyhow::anyhow!("writing the e-invoice: {e}"))
}

/// A thin layer over `quick_xml::Writer` on a borrowed buffer: start, end, and text leaves.
/// What it writes again and again reuses the [`Exporter`]'s scratch space: one start tag whose
/// name and attributes are replaced in place, and one string numbers and dates are formatted
/// into.
struct Xml<'b> {
    w: Writer<&'b mut Vec<u8>>,
    start: &'b mut BytesStart<'static>,
    scratch: &'b mut String,
}

impl<'b> Xml<'b> {
    fn new(e: &'b mut Exporter) -> AppResult<Self> {
        e.buf.clear();
        let mut w = Writer::new(&mut e.buf);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .map_err(xml_error)?;
        w.get_mut().push(b'\n');
        Ok(Self {
            w,
            start: &mut e.start,
            scratch: &mut e.scratch,
        })
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> AppResult<()> {
        if attrs.is_empty() {
            return self
                .w
                .write_event(Event::Start(BytesStart::new(name)))
                .map_err(xml_error);
        }
        self.start.clear_attributes();
        self.start.set_name(name.as_bytes());
        self.start.extend_attributes(attrs.iter().copied());
        self.w
            .write_event(Event::Start(self.start.borrow()))
            .map_err(xml_error)
    }

    fn close(&mut self, name: &str) -> AppResult<()> {
        self.w
            .write_event(Event::End(BytesEnd::new(name)))
            .map_err(xml_error)
    }

    fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> AppResult<()> {
        self.open(name, attrs)?;
        self.w
            .write_event(Event::Text(BytesText::new(text)))
            .map_err(xml_error)?;
        self.close(name)
    }

    fn text(&mut self, name: &str, text: &str) -> AppResult<()> {
        self.leaf(name, &[], text)
    }

    /// A leaf whose text `write` formats (into the scratch string); `plain`: the text is only
    /// digits, separators and signs, which XML never escapes, so it is not scanned for escapes.
    fn formatted(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        plain: bool,
        write: impl FnOnce(&mut String) -> std::fmt::Result,
    ) -> AppResult<()> {
        self.scratch.clear();
        write(self.scratch).map_err(xml_error)?;
        self.open(name, attrs)?;
        let text = if plain {
            BytesText::from_escaped(self.scratch.as_str())
        } else {
            BytesText::new(self.scratch.as_str())
        };
        self.w.write_event(Event::Text(text)).map_err(xml_error)?;
        self.close(name)
    }

    /// Cents as `123.45` (UBL) or `123,45` (Finvoice).
    fn money(
        &mut self,
        name: &str,
        attrs: &[(&str, &str)],
        cents: i64,
        separator: char,
    ) -> AppResult<()> {
        self.formatted(name, attrs, true, |t| write_money(t, cents, separator))
    }

    /// A date as `CCYYMMDD` (Finvoice, with its `Format` attribute) or ISO `CCYY-MM-DD` (UBL).
    fn date(&mut self, name: &str, d: NaiveDate, finvoice: bool) -> AppResult<()> {
        if finvoice {
            self.formatted(name, &[("Format", "CCYYMMDD")], true, |t| {
                write!(t, "{:04}{:02}{:02}", d.year(), d.month(), d.day())
            })
        } else {
            self.formatted(name, &[], true, |t| {
                write!(t, "{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
            })
        }
    }

    fn finish(mut self) {
        self.w.get_mut().push(b'\n');
    }
}

/// Cents as `123.45` / `123,45`.
fn write_money(out: &mut String, cents: i64, separator: char) -> std::fmt::Result {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    write!(out, "{sign}{}{separator}{:02}", c / 100, c % 100)
}

/// Cents as `123.45` (UBL) or `123,45` (Finvoice), as a string.
fn money(cents: i64, separator: char) -> String {
    let mut out = String::with_capacity(12);
    let _ = write_money(&mut out, cents, separator);
    out
}

/// Units in hundredths as `1.50` / `1,50`.
fn quantity(hundredths: i64, separator: char) -> String {
    money(hundredths, separator)
}

/// A line's realised units, hundredths.
fn realised(l: &pb::InvoiceLine) -> i64 {
    l.realised_units.map(|u| u.hundredths).unwrap_or_default()
}

/// A line's no-show units, hundredths.
fn no_shows(l: &pb::InvoiceLine) -> i64 {
    l.no_show_units.map(|u| u.hundredths).unwrap_or_default()
}

fn day(d: Option<&seteli_api::common::v1::Date>) -> AppResult<NaiveDate> {
    date("date", d).map_err(|_| AppError::Internal(anyhow::anyhow!("invoice without a date")))
}

/// What the document needs of an invoice, resolved once.
struct Facts<'i> {
    credit: bool,
    seller: &'i pb::Party,
    buyer: &'i pb::Party,
    issue: NaiveDate,
    due: NaiveDate,
    period: (NaiveDate, NaiveDate),
    total: i64,
}

/// The party of an invoice without one (never written so).
static NO_PARTY: pb::Party = pb::Party {
    name: String::new(),
    business_id: String::new(),
    einvoice_address: String::new(),
    street_address: String::new(),
    postal_code: String::new(),
    town: String::new(),
    country_code: String::new(),
};

impl<'i> Facts<'i> {
    fn of(i: &'i pb::Invoice) -> AppResult<Self> {
        let (first, last) = crate::wire::month_bounds(i.year, i.month)?;
        Ok(Self {
            credit: i.kind == pb::InvoiceKind::CreditNote as i32,
            seller: i.seller.as_ref().unwrap_or(&NO_PARTY),
            buyer: i.buyer.as_ref().unwrap_or(&NO_PARTY),
            issue: day(i.issue_date.as_ref())?,
            due: day(i.due_date.as_ref())?,
            period: (first, last),
            total: i.total.map(|m| m.cents).unwrap_or_default(),
        })
    }
}

/// A line's figures: quantity, price, the allowance of the cap (what `quantity × price` is over
/// the amount), and the amount.
struct LineFigures {
    units: i64,
    price: i64,
    allowance: i64,
    amount: i64,
    service: Option<ServiceType>,
}

fn figures(l: &pb::InvoiceLine) -> LineFigures {
    let units = l.realised_units.map(|u| u.hundredths).unwrap_or_default()
        + l.no_show_units.map(|u| u.hundredths).unwrap_or_default();
    let price = l.unit_price.map(|m| m.cents).unwrap_or_default();
    let amount = l.amount.map(|m| m.cents).unwrap_or_default();
    let gross = amount_cents(units, price);
    LineFigures {
        units,
        price,
        allowance: (gross - amount).max(0),
        amount,
        service: ServiceType::from_pb(l.service_type),
    }
}

fn unit_of(service: Option<ServiceType>) -> Unit {
    service.map_or(Unit::Hour, ServiceType::unit)
}

/// The unit as written in texts and Finvoice's `QuantityUnitCode`: "h" (hours), "pv" (days).
fn unit_text(unit: Unit) -> &'static str {
    match unit {
        Unit::Hour => "h",
        Unit::Day => "pv",
    }
}

/// The unit as UN/ECE Recommendation 20 code: `HUR` (hour), `DAY` (day).
fn unit_code(unit: Unit) -> &'static str {
    match unit {
        Unit::Hour => "HUR",
        Unit::Day => "DAY",
    }
}

/// The SK no-show report as one note.
fn no_show_note(i: &pb::Invoice) -> Option<String> {
    if i.no_show_report.is_empty() {
        return None;
    }
    let entries: Vec<String> = i
        .no_show_report
        .iter()
        .map(|n| {
            format!(
                "{} {} ({})",
                n.voucher_number,
                n.date
                    .as_ref()
                    .map(|d| format!("{:04}-{:02}-{:02}", d.year, d.month, d.day))
                    .unwrap_or_default(),
                quantity(
                    n.billed_units.map(|u| u.hundredths).unwrap_or_default(),
                    ','
                )
            )
        })
        .collect();
    Some(format!(
        "SK-poisjäännit (laskutettu yks.): {}",
        entries.join("; ")
    ))
}

/// Writes e-invoices one after the other into one reusable buffer: each document is written
/// there and copied out at its exact size, so a pull of thousands of invoices grows no buffer
/// per document.
#[derive(Debug)]
pub struct Exporter {
    buf: Vec<u8>,
    start: BytesStart<'static>,
    scratch: String,
}

impl Default for Exporter {
    fn default() -> Self {
        Self {
            buf: Vec::new(),
            start: BytesStart::new("x").into_owned(),
            scratch: String::new(),
        }
    }
}

impl Exporter {
    /// An exporter with room for a large invoice.
    pub fn new() -> Self {
        Self {
            buf: Vec::with_capacity(64 * 1024),
            scratch: String::with_capacity(256),
            ..Self::default()
        }
    }

    /// The invoice in `format`.
    pub fn document(
        &mut self,
        i: &pb::Invoice,
        format: pb::ExportFormat,
    ) -> AppResult<pb::Document> {
        let suffix = match format {
            pb::ExportFormat::Finvoice30 => {
                finvoice::finvoice(Xml::new(self)?, i)?;
                "finvoice"
            }
            pb::ExportFormat::PeppolBis30 => {
                ubl::ubl(Xml::new(self)?, i)?;
                "ubl"
            }
            pb::ExportFormat::Unspecified => {
                return Err(AppError::invalid("format", "required"));
            }
        };
        Ok(pb::Document {
            format: format as i32,
            file_name: format!("{}-{suffix}.xml", i.invoice_number),
            content_type: "application/xml".into(),
            content: self.buf.clone(),
        })
    }
}

/// The invoice in `format` (one document; [`Exporter`] writes many).
pub fn document(i: &pb::Invoice, format: pb::ExportFormat) -> AppResult<pb::Document> {
    Exporter::default().document(i, format)
}
