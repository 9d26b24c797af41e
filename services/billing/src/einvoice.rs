//! An invoice as an e-invoice: Finvoice 3.0 (Finance Finland) and Peppol BIS Billing 3.0 UBL 2.1
//! (EN 16931), written with `quick-xml` (escaping by the writer, never string concatenation).
//!
//! What goes where:
//! - seller = the provider: name, Y-tunnus (UBL `0212`), OVT (UBL endpoint `0216`; Finvoice
//!   `SellerOrganisationUnitNumber`), IBAN and BIC (UBL `PaymentMeans`; Finvoice `EpiDetails`);
//! - buyer = the county (configuration): name, Y-tunnus, OVT, buyer reference (cost centre);
//! - a line per voucher, its order reference = the voucher number (UBL `OrderLineReference`,
//!   Finvoice `RowIdentifier`); a line capped by what the voucher had left carries the cap as a
//!   line allowance, so `quantity × price − allowance = line amount`;
//! - the Finnish payment reference (viitenumero; Finvoice `SPY`), the RF reference in UBL's
//!   `PaymentID`; due date from the configured payment terms;
//! - VAT 0 %, category E, with the exemption reason (social services, VAT act § 37; code
//!   VATEX-EU-132-1G);
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

/// The VAT exemption reason on every document.
pub const VAT_EXEMPTION_REASON: &str =
    "Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt social services";
/// Its code (VATEX list: Article 132(1)(g) of Directive 2006/112/EC, social welfare).
pub const VAT_EXEMPTION_CODE: &str = "VATEX-EU-132-1G";

const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const PEPPOL_CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PEPPOL_PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

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

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> &str {
    match s.char_indices().nth(n) {
        Some((end, _)) => &s[..end],
        None => s,
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

/// A line's figures: quantity, price, the gross `quantity × price`, the allowance of the cap,
/// and the amount.
struct LineFigures {
    units: i64,
    price: i64,
    gross: i64,
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
        gross,
        allowance: (gross - amount).max(0),
        amount,
        service: ServiceType::from_pb(l.service_type),
    }
}

fn unit_of(service: Option<ServiceType>) -> Unit {
    service.map_or(Unit::Hour, ServiceType::unit)
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
                finvoice(Xml::new(self)?, i)?;
                "finvoice"
            }
            pb::ExportFormat::PeppolBis30 => {
                ubl(Xml::new(self)?, i)?;
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

// ------------------------------------------------------------------------------ Finvoice 3.0

/// Finvoice 3.0.
fn finvoice(mut x: Xml<'_>, i: &pb::Invoice) -> AppResult<()> {
    let f = Facts::of(i)?;
    let sign = if f.credit { -1 } else { 1 };
    let eur = [("AmountCurrencyIdentifier", "EUR")];
    x.open(
        "Finvoice",
        &[
            ("Version", "3.0"),
            ("xmlns:xsi", "http://www.w3.org/2001/XMLSchema-instance"),
            ("xsi:noNamespaceSchemaLocation", "Finvoice3.0.xsd"),
        ],
    )?;
    // Seller.
    x.open("SellerPartyDetails", &[])?;
    x.leaf(
        "SellerPartyIdentifier",
        &[("SchemeID", "0212")],
        &f.seller.business_id,
    )?;
    x.text("SellerOrganisationName", cut(&f.seller.name, 70))?;
    party_address(&mut x, "Seller", f.seller)?;
    x.close("SellerPartyDetails")?;
    x.text("SellerOrganisationUnitNumber", &f.seller.einvoice_address)?;
    // Buyer.
    x.open("BuyerPartyDetails", &[])?;
    x.leaf(
        "BuyerPartyIdentifier",
        &[("SchemeID", "0212")],
        &f.buyer.business_id,
    )?;
    x.text("BuyerOrganisationName", cut(&f.buyer.name, 70))?;
    party_address(&mut x, "Buyer", f.buyer)?;
    x.close("BuyerPartyDetails")?;
    x.text("BuyerOrganisationUnitNumber", &f.buyer.einvoice_address)?;
    // Invoice details.
    x.open("InvoiceDetails", &[])?;
    let (code, text) = if f.credit {
        ("INV02", "HYVITYSLASKU")
    } else {
        ("INV01", "LASKU")
    };
    x.leaf(
        "InvoiceTypeCode",
        &[("CodeListAgencyIdentifier", "SPY")],
        code,
    )?;
    x.text("InvoiceTypeText", text)?;
    x.text("OriginCode", "Original")?;
    x.text("InvoiceNumber", &i.invoice_number)?;
    x.date("InvoiceDate", f.issue, true)?;
    if let Some(original) = i.credits_invoice_numbers.first() {
        x.text("OriginalInvoiceNumber", original)?;
    }
    x.date("InvoicingPeriodStartDate", f.period.0, true)?;
    x.date("InvoicingPeriodEndDate", f.period.1, true)?;
    if let [only] = i.lines.as_slice() {
        x.text("OrderIdentifier", &only.voucher_number)?;
    }
    x.text("BuyerReferenceIdentifier", cut(&i.buyer_reference, 70))?;
    x.money("InvoiceTotalVatExcludedAmount", &eur, sign * f.total, ',')?;
    x.leaf("InvoiceTotalVatAmount", &eur, "0,00")?;
    x.money("InvoiceTotalVatIncludedAmount", &eur, sign * f.total, ',')?;
    x.open("VatSpecificationDetails", &[])?;
    x.money("VatBaseAmount", &eur, sign * f.total, ',')?;
    x.text("VatRatePercent", "0")?;
    x.text("VatCode", "E")?;
    x.leaf("VatRateAmount", &eur, "0,00")?;
    x.text("VatFreeText", cut(VAT_EXEMPTION_REASON, 70))?;
    x.text("VatExemptionReasonCode", VAT_EXEMPTION_CODE)?;
    x.close("VatSpecificationDetails")?;
    if let Some(note) = no_show_note(i) {
        x.text("InvoiceFreeText", cut(&note, 512))?;
    }
    x.open("PaymentTermsDetails", &[])?;
    x.text(
        "PaymentTermsFreeText",
        &format!("{} pv netto", (f.due - f.issue).num_days()),
    )?;
    x.date("InvoiceDueDate", f.due, true)?;
    x.close("PaymentTermsDetails")?;
    x.close("InvoiceDetails")?;
    // Rows.
    for l in &i.lines {
        let g = figures(l);
        let unit = match unit_of(g.service) {
            Unit::Hour => "h",
            Unit::Day => "pv",
        };
        let unit_un = match unit_of(g.service) {
            Unit::Hour => "HUR",
            Unit::Day => "DAY",
        };
        x.open("InvoiceRow", &[])?;
        x.text(
            "ArticleIdentifier",
            g.service.map(ServiceType::code).unwrap_or_default(),
        )?;
        x.text(
            "ArticleName",
            cut(g.service.map(ServiceType::name_fi).unwrap_or_default(), 100),
        )?;
        x.money(
            "DeliveredQuantity",
            &[("QuantityUnitCode", unit)],
            g.units,
            ',',
        )?;
        x.money(
            "InvoicedQuantity",
            &[("QuantityUnitCode", unit), ("QuantityUnitCodeUN", unit_un)],
            sign * g.units,
            ',',
        )?;
        x.money(
            "UnitPriceAmount",
            &[("AmountCurrencyIdentifier", "EUR")],
            g.price,
            ',',
        )?;
        x.text("RowIdentifier", &l.voucher_number)?;
        x.formatted("RowFreeText", &[], false, |t| {
            write!(t, "Palveluseteli {}: toteutuneet ", l.voucher_number)?;
            write_money(t, realised(l), ',')?;
            write!(t, " {unit}, poisjäännit ")?;
            write_money(t, no_shows(l), ',')?;
            write!(t, " {unit}")
        })?;
        if g.allowance > 0 {
            x.money("RowDiscountAmount", &eur, sign * g.allowance, ',')?;
            x.text("RowDiscountTypeText", "Setelin arvo käytetty")?;
        }
        x.text("RowVatRatePercent", "0")?;
        x.text("RowVatCode", "E")?;
        x.leaf("RowVatAmount", &eur, "0,00")?;
        x.money("RowVatExcludedAmount", &eur, sign * g.amount, ',')?;
        x.money("RowAmount", &eur, sign * g.amount, ',')?;
        x.close("InvoiceRow")?;
    }
    // Payment.
    x.open("EpiDetails", &[])?;
    x.open("EpiIdentificationDetails", &[])?;
    x.date("EpiDate", f.issue, true)?;
    x.text("EpiReference", &i.invoice_number)?;
    x.close("EpiIdentificationDetails")?;
    x.open("EpiPartyDetails", &[])?;
    x.open("EpiBfiPartyDetails", &[])?;
    x.leaf(
        "EpiBfiIdentifier",
        &[("IdentificationSchemeName", "BIC")],
        &i.seller_bic,
    )?;
    x.close("EpiBfiPartyDetails")?;
    x.open("EpiBeneficiaryPartyDetails", &[])?;
    x.text("EpiNameAddressDetails", cut(&f.seller.name, 35))?;
    x.leaf(
        "EpiAccountID",
        &[("IdentificationSchemeName", "IBAN")],
        &i.seller_iban,
    )?;
    x.close("EpiBeneficiaryPartyDetails")?;
    x.close("EpiPartyDetails")?;
    x.open("EpiPaymentInstructionDetails", &[])?;
    x.leaf(
        "EpiRemittanceInfoIdentifier",
        &[("IdentificationSchemeName", "SPY")],
        &i.payment_reference,
    )?;
    x.money("EpiInstructedAmount", &eur, sign * f.total, ',')?;
    x.leaf("EpiCharge", &[("ChargeOption", "SLEV")], "SLEV")?;
    x.date("EpiDateOptionDate", f.due, true)?;
    x.close("EpiPaymentInstructionDetails")?;
    x.close("EpiDetails")?;
    x.close("Finvoice")?;
    x.finish();
    Ok(())
}

/// `<{role}PostalAddressDetails>`, when the address is complete enough for the schema.
fn party_address(x: &mut Xml, role: &str, p: &pb::Party) -> AppResult<()> {
    let long_enough = |s: &str| s.trim().chars().count() >= 2;
    if !(long_enough(&p.street_address) && long_enough(&p.town) && long_enough(&p.postal_code)) {
        return Ok(());
    }
    let [details, street, town, postcode] = match role {
        "Seller" => [
            "SellerPostalAddressDetails",
            "SellerStreetName",
            "SellerTownName",
            "SellerPostCodeIdentifier",
        ],
        _ => [
            "BuyerPostalAddressDetails",
            "BuyerStreetName",
            "BuyerTownName",
            "BuyerPostCodeIdentifier",
        ],
    };
    x.open(details, &[])?;
    x.text(street, cut(&p.street_address, 35))?;
    x.text(town, cut(&p.town, 35))?;
    x.text(postcode, cut(&p.postal_code, 35))?;
    x.text("CountryCode", &p.country_code)?;
    x.close(details)
}

// ------------------------------------------------------------------------------ Peppol BIS 3.0

/// Peppol BIS Billing 3.0 UBL: an `Invoice`, or a `CreditNote` for a credit note.
fn ubl(mut x: Xml<'_>, i: &pb::Invoice) -> AppResult<()> {
    let f = Facts::of(i)?;
    let eur = [("currencyID", "EUR")];
    let root = if f.credit { "CreditNote" } else { "Invoice" };
    x.open(
        root,
        &[
            (
                "xmlns",
                if f.credit {
                    UBL_CREDIT_NOTE
                } else {
                    UBL_INVOICE
                },
            ),
            ("xmlns:cac", CAC),
            ("xmlns:cbc", CBC),
        ],
    )?;
    x.text("cbc:CustomizationID", PEPPOL_CUSTOMIZATION)?;
    x.text("cbc:ProfileID", PEPPOL_PROFILE)?;
    x.text("cbc:ID", &i.invoice_number)?;
    x.date("cbc:IssueDate", f.issue, false)?;
    if f.credit {
        x.text("cbc:CreditNoteTypeCode", "381")?;
    } else {
        x.date("cbc:DueDate", f.due, false)?;
        x.text("cbc:InvoiceTypeCode", "380")?;
    }
    if let Some(note) = no_show_note(i) {
        x.text("cbc:Note", &note)?;
    }
    x.text("cbc:DocumentCurrencyCode", "EUR")?;
    x.text("cbc:BuyerReference", &i.buyer_reference)?;
    x.open("cac:InvoicePeriod", &[])?;
    x.date("cbc:StartDate", f.period.0, false)?;
    x.date("cbc:EndDate", f.period.1, false)?;
    x.close("cac:InvoicePeriod")?;
    if let [only] = i.lines.as_slice() {
        x.open("cac:OrderReference", &[])?;
        x.text("cbc:ID", &only.voucher_number)?;
        x.close("cac:OrderReference")?;
    }
    for original in &i.credits_invoice_numbers {
        x.open("cac:BillingReference", &[])?;
        x.open("cac:InvoiceDocumentReference", &[])?;
        x.text("cbc:ID", original)?;
        x.close("cac:InvoiceDocumentReference")?;
        x.close("cac:BillingReference")?;
    }
    ubl_party(&mut x, "cac:AccountingSupplierParty", f.seller)?;
    ubl_party(&mut x, "cac:AccountingCustomerParty", f.buyer)?;
    x.open("cac:PaymentMeans", &[])?;
    x.leaf(
        "cbc:PaymentMeansCode",
        &[("name", "SEPA credit transfer")],
        "58",
    )?;
    if f.credit {
        x.date("cbc:PaymentDueDate", f.due, false)?;
    }
    x.text("cbc:PaymentID", &i.rf_reference)?;
    x.open("cac:PayeeFinancialAccount", &[])?;
    x.text("cbc:ID", &i.seller_iban)?;
    x.open("cac:FinancialInstitutionBranch", &[])?;
    x.text("cbc:ID", &i.seller_bic)?;
    x.close("cac:FinancialInstitutionBranch")?;
    x.close("cac:PayeeFinancialAccount")?;
    x.close("cac:PaymentMeans")?;
    x.open("cac:PaymentTerms", &[])?;
    x.text(
        "cbc:Note",
        &format!(
            "{} pv netto; viitenumero {}",
            (f.due - f.issue).num_days(),
            i.payment_reference
        ),
    )?;
    x.close("cac:PaymentTerms")?;
    // VAT: 0 %, exempt.
    let total = money(f.total, '.');
    x.open("cac:TaxTotal", &[])?;
    x.leaf("cbc:TaxAmount", &eur, "0.00")?;
    x.open("cac:TaxSubtotal", &[])?;
    x.leaf("cbc:TaxableAmount", &eur, &total)?;
    x.leaf("cbc:TaxAmount", &eur, "0.00")?;
    tax_category(&mut x, "cac:TaxCategory", true)?;
    x.close("cac:TaxSubtotal")?;
    x.close("cac:TaxTotal")?;
    x.open("cac:LegalMonetaryTotal", &[])?;
    x.leaf("cbc:LineExtensionAmount", &eur, &total)?;
    x.leaf("cbc:TaxExclusiveAmount", &eur, &total)?;
    x.leaf("cbc:TaxInclusiveAmount", &eur, &total)?;
    x.leaf("cbc:PayableAmount", &eur, &total)?;
    x.close("cac:LegalMonetaryTotal")?;
    // Lines.
    let (line_tag, quantity_tag) = if f.credit {
        ("cac:CreditNoteLine", "cbc:CreditedQuantity")
    } else {
        ("cac:InvoiceLine", "cbc:InvoicedQuantity")
    };
    for l in &i.lines {
        let g = figures(l);
        let unit = match unit_of(g.service) {
            Unit::Hour => "HUR",
            Unit::Day => "DAY",
        };
        x.open(line_tag, &[])?;
        x.text("cbc:ID", &l.line_number.to_string())?;
        x.money(quantity_tag, &[("unitCode", unit)], g.units, '.')?;
        x.money("cbc:LineExtensionAmount", &eur, g.amount, '.')?;
        x.open("cac:OrderLineReference", &[])?;
        x.text("cbc:LineID", &l.voucher_number)?;
        x.close("cac:OrderLineReference")?;
        if g.allowance > 0 {
            x.open("cac:AllowanceCharge", &[])?;
            x.text("cbc:ChargeIndicator", "false")?;
            x.text(
                "cbc:AllowanceChargeReason",
                "Setelin jäljellä oleva arvo / voucher value left",
            )?;
            x.money("cbc:Amount", &eur, g.allowance, '.')?;
            x.money("cbc:BaseAmount", &eur, g.gross, '.')?;
            x.close("cac:AllowanceCharge")?;
        }
        x.open("cac:Item", &[])?;
        x.formatted("cbc:Description", &[], false, |t| {
            write!(t, "Palveluseteli {}: toteutuneet ", l.voucher_number)?;
            write_money(t, realised(l), ',')?;
            t.push_str(", poisjäännit ");
            write_money(t, no_shows(l), ',')
        })?;
        x.text(
            "cbc:Name",
            g.service
                .map(ServiceType::name_fi)
                .unwrap_or("Palveluseteli"),
        )?;
        x.open("cac:SellersItemIdentification", &[])?;
        x.text(
            "cbc:ID",
            g.service.map(ServiceType::code).unwrap_or("VOUCHER"),
        )?;
        x.close("cac:SellersItemIdentification")?;
        tax_category(&mut x, "cac:ClassifiedTaxCategory", false)?;
        x.close("cac:Item")?;
        x.open("cac:Price", &[])?;
        x.money("cbc:PriceAmount", &eur, g.price, '.')?;
        x.close("cac:Price")?;
        x.close(line_tag)?;
    }
    x.close(root)?;
    x.finish();
    Ok(())
}

fn ubl_party(x: &mut Xml, tag: &str, p: &pb::Party) -> AppResult<()> {
    x.open(tag, &[])?;
    x.open("cac:Party", &[])?;
    x.leaf(
        "cbc:EndpointID",
        &[("schemeID", "0216")],
        &p.einvoice_address,
    )?;
    x.open("cac:PartyIdentification", &[])?;
    x.leaf("cbc:ID", &[("schemeID", "0216")], &p.einvoice_address)?;
    x.close("cac:PartyIdentification")?;
    x.open("cac:PartyName", &[])?;
    x.text("cbc:Name", &p.name)?;
    x.close("cac:PartyName")?;
    x.open("cac:PostalAddress", &[])?;
    if !p.street_address.trim().is_empty() {
        x.text("cbc:StreetName", &p.street_address)?;
    }
    if !p.town.trim().is_empty() {
        x.text("cbc:CityName", &p.town)?;
    }
    if !p.postal_code.trim().is_empty() {
        x.text("cbc:PostalZone", &p.postal_code)?;
    }
    x.open("cac:Country", &[])?;
    x.text("cbc:IdentificationCode", &p.country_code)?;
    x.close("cac:Country")?;
    x.close("cac:PostalAddress")?;
    x.open("cac:PartyLegalEntity", &[])?;
    x.text("cbc:RegistrationName", &p.name)?;
    x.leaf("cbc:CompanyID", &[("schemeID", "0212")], &p.business_id)?;
    x.close("cac:PartyLegalEntity")?;
    x.close("cac:Party")?;
    x.close(tag)
}

fn tax_category(x: &mut Xml, tag: &str, with_reason: bool) -> AppResult<()> {
    x.open(tag, &[])?;
    x.text("cbc:ID", "E")?;
    x.text("cbc:Percent", "0")?;
    if with_reason {
        x.text("cbc:TaxExemptionReasonCode", VAT_EXEMPTION_CODE)?;
        x.text("cbc:TaxExemptionReason", VAT_EXEMPTION_REASON)?;
    }
    x.open("cac:TaxScheme", &[])?;
    x.text("cbc:ID", "VAT")?;
    x.close("cac:TaxScheme")?;
    x.close(tag)
}
