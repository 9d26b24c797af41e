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

use std::io::Write as _;

use chrono::NaiveDate;
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

/// A thin layer over `quick_xml::Writer`: start, end, and text leaves.
struct Xml {
    w: Writer<Vec<u8>>,
}

impl Xml {
    fn new() -> AppResult<Self> {
        let mut w = Writer::new_with_indent(Vec::with_capacity(8192), b' ', 1);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
            .map_err(xml_error)?;
        Ok(Self { w })
    }

    fn open(&mut self, name: &str, attrs: &[(&str, &str)]) -> AppResult<()> {
        let start = BytesStart::new(name).with_attributes(attrs.iter().copied());
        self.w.write_event(Event::Start(start)).map_err(xml_error)
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

    fn finish(self) -> AppResult<Vec<u8>> {
        let mut out = self.w.into_inner();
        out.write_all(b"\n").map_err(xml_error)?;
        Ok(out)
    }
}

/// At most `n` characters of `s`.
fn cut(s: &str, n: usize) -> String {
    s.chars().take(n).collect()
}

/// Cents as `123.45` (UBL) or `123,45` (Finvoice).
fn money(cents: i64, separator: char) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.unsigned_abs();
    format!("{sign}{}{separator}{:02}", c / 100, c % 100)
}

/// Units in hundredths as `1.50` / `1,50`.
fn quantity(hundredths: i64, separator: char) -> String {
    money(hundredths, separator)
}

fn day(d: Option<&seteli_api::common::v1::Date>) -> AppResult<NaiveDate> {
    date("date", d).map_err(|_| AppError::Internal(anyhow::anyhow!("invoice without a date")))
}

/// What the document needs of an invoice, resolved once.
struct Facts {
    credit: bool,
    seller: pb::Party,
    buyer: pb::Party,
    issue: NaiveDate,
    due: NaiveDate,
    period: (NaiveDate, NaiveDate),
    total: i64,
}

impl Facts {
    fn of(i: &pb::Invoice) -> AppResult<Self> {
        let (first, last) = crate::wire::month_bounds(i.year, i.month)?;
        Ok(Self {
            credit: i.kind == pb::InvoiceKind::CreditNote as i32,
            seller: i.seller.clone().unwrap_or_default(),
            buyer: i.buyer.clone().unwrap_or_default(),
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

/// The invoice in `format`.
pub fn document(i: &pb::Invoice, format: pb::ExportFormat) -> AppResult<pb::Document> {
    let (content, suffix) = match format {
        pb::ExportFormat::Finvoice30 => (finvoice(i)?, "finvoice"),
        pb::ExportFormat::PeppolBis30 => (ubl(i)?, "ubl"),
        pb::ExportFormat::Unspecified => {
            return Err(AppError::invalid("format", "required"));
        }
    };
    Ok(pb::Document {
        format: format as i32,
        file_name: format!("{}-{suffix}.xml", i.invoice_number),
        content_type: "application/xml".into(),
        content,
    })
}

// ------------------------------------------------------------------------------ Finvoice 3.0

/// Finvoice 3.0.
pub fn finvoice(i: &pb::Invoice) -> AppResult<Vec<u8>> {
    let f = Facts::of(i)?;
    let sign = if f.credit { -1 } else { 1 };
    let fdate = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let eur = [("AmountCurrencyIdentifier", "EUR")];
    let mut x = Xml::new()?;
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
    x.text("SellerOrganisationName", &cut(&f.seller.name, 70))?;
    party_address(&mut x, "Seller", &f.seller)?;
    x.close("SellerPartyDetails")?;
    x.text("SellerOrganisationUnitNumber", &f.seller.einvoice_address)?;
    // Buyer.
    x.open("BuyerPartyDetails", &[])?;
    x.leaf(
        "BuyerPartyIdentifier",
        &[("SchemeID", "0212")],
        &f.buyer.business_id,
    )?;
    x.text("BuyerOrganisationName", &cut(&f.buyer.name, 70))?;
    party_address(&mut x, "Buyer", &f.buyer)?;
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
    x.leaf("InvoiceDate", &[("Format", "CCYYMMDD")], &fdate(f.issue))?;
    if let Some(original) = i.credits_invoice_numbers.first() {
        x.text("OriginalInvoiceNumber", original)?;
    }
    x.leaf(
        "InvoicingPeriodStartDate",
        &[("Format", "CCYYMMDD")],
        &fdate(f.period.0),
    )?;
    x.leaf(
        "InvoicingPeriodEndDate",
        &[("Format", "CCYYMMDD")],
        &fdate(f.period.1),
    )?;
    if let [only] = i.lines.as_slice() {
        x.text("OrderIdentifier", &only.voucher_number)?;
    }
    x.text("BuyerReferenceIdentifier", &cut(&i.buyer_reference, 70))?;
    x.leaf(
        "InvoiceTotalVatExcludedAmount",
        &eur,
        &money(sign * f.total, ','),
    )?;
    x.leaf("InvoiceTotalVatAmount", &eur, "0,00")?;
    x.leaf(
        "InvoiceTotalVatIncludedAmount",
        &eur,
        &money(sign * f.total, ','),
    )?;
    x.open("VatSpecificationDetails", &[])?;
    x.leaf("VatBaseAmount", &eur, &money(sign * f.total, ','))?;
    x.text("VatRatePercent", "0")?;
    x.text("VatCode", "E")?;
    x.leaf("VatRateAmount", &eur, "0,00")?;
    x.text("VatFreeText", &cut(VAT_EXEMPTION_REASON, 70))?;
    x.text("VatExemptionReasonCode", VAT_EXEMPTION_CODE)?;
    x.close("VatSpecificationDetails")?;
    if let Some(note) = no_show_note(i) {
        x.text("InvoiceFreeText", &cut(&note, 512))?;
    }
    x.open("PaymentTermsDetails", &[])?;
    x.text(
        "PaymentTermsFreeText",
        &format!("{} pv netto", (f.due - f.issue).num_days()),
    )?;
    x.leaf("InvoiceDueDate", &[("Format", "CCYYMMDD")], &fdate(f.due))?;
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
            &cut(g.service.map(ServiceType::name_fi).unwrap_or_default(), 100),
        )?;
        x.leaf(
            "DeliveredQuantity",
            &[("QuantityUnitCode", unit)],
            &quantity(g.units, ','),
        )?;
        x.leaf(
            "InvoicedQuantity",
            &[("QuantityUnitCode", unit), ("QuantityUnitCodeUN", unit_un)],
            &quantity(sign * g.units, ','),
        )?;
        x.leaf(
            "UnitPriceAmount",
            &[("AmountCurrencyIdentifier", "EUR")],
            &money(g.price, ','),
        )?;
        x.text("RowIdentifier", &l.voucher_number)?;
        x.text(
            "RowFreeText",
            &format!(
                "Palveluseteli {}: toteutuneet {} {unit}, poisjäännit {} {unit}",
                l.voucher_number,
                quantity(
                    l.realised_units.map(|u| u.hundredths).unwrap_or_default(),
                    ','
                ),
                quantity(
                    l.no_show_units.map(|u| u.hundredths).unwrap_or_default(),
                    ','
                ),
            ),
        )?;
        if g.allowance > 0 {
            x.leaf("RowDiscountAmount", &eur, &money(sign * g.allowance, ','))?;
            x.text("RowDiscountTypeText", "Setelin arvo käytetty")?;
        }
        x.text("RowVatRatePercent", "0")?;
        x.text("RowVatCode", "E")?;
        x.leaf("RowVatAmount", &eur, "0,00")?;
        x.leaf("RowVatExcludedAmount", &eur, &money(sign * g.amount, ','))?;
        x.leaf("RowAmount", &eur, &money(sign * g.amount, ','))?;
        x.close("InvoiceRow")?;
    }
    // Payment.
    x.open("EpiDetails", &[])?;
    x.open("EpiIdentificationDetails", &[])?;
    x.leaf("EpiDate", &[("Format", "CCYYMMDD")], &fdate(f.issue))?;
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
    x.text("EpiNameAddressDetails", &cut(&f.seller.name, 35))?;
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
    x.leaf("EpiInstructedAmount", &eur, &money(sign * f.total, ','))?;
    x.leaf("EpiCharge", &[("ChargeOption", "SLEV")], "SLEV")?;
    x.leaf(
        "EpiDateOptionDate",
        &[("Format", "CCYYMMDD")],
        &fdate(f.due),
    )?;
    x.close("EpiPaymentInstructionDetails")?;
    x.close("EpiDetails")?;
    x.close("Finvoice")?;
    x.finish()
}

/// `<{role}PostalAddressDetails>`, when the address is complete enough for the schema.
fn party_address(x: &mut Xml, role: &str, p: &pb::Party) -> AppResult<()> {
    let long_enough = |s: &str| s.trim().chars().count() >= 2;
    if !(long_enough(&p.street_address) && long_enough(&p.town) && long_enough(&p.postal_code)) {
        return Ok(());
    }
    x.open(&format!("{role}PostalAddressDetails"), &[])?;
    x.text(&format!("{role}StreetName"), &cut(&p.street_address, 35))?;
    x.text(&format!("{role}TownName"), &cut(&p.town, 35))?;
    x.text(
        &format!("{role}PostCodeIdentifier"),
        &cut(&p.postal_code, 35),
    )?;
    x.text("CountryCode", &p.country_code)?;
    x.close(&format!("{role}PostalAddressDetails"))
}

// ------------------------------------------------------------------------------ Peppol BIS 3.0

/// Peppol BIS Billing 3.0 UBL: an `Invoice`, or a `CreditNote` for a credit note.
pub fn ubl(i: &pb::Invoice) -> AppResult<Vec<u8>> {
    let f = Facts::of(i)?;
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    let eur = [("currencyID", "EUR")];
    let root = if f.credit { "CreditNote" } else { "Invoice" };
    let mut x = Xml::new()?;
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
    x.text("cbc:IssueDate", &iso(f.issue))?;
    if f.credit {
        x.text("cbc:CreditNoteTypeCode", "381")?;
    } else {
        x.text("cbc:DueDate", &iso(f.due))?;
        x.text("cbc:InvoiceTypeCode", "380")?;
    }
    if let Some(note) = no_show_note(i) {
        x.text("cbc:Note", &note)?;
    }
    x.text("cbc:DocumentCurrencyCode", "EUR")?;
    x.text("cbc:BuyerReference", &i.buyer_reference)?;
    x.open("cac:InvoicePeriod", &[])?;
    x.text("cbc:StartDate", &iso(f.period.0))?;
    x.text("cbc:EndDate", &iso(f.period.1))?;
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
    ubl_party(&mut x, "cac:AccountingSupplierParty", &f.seller)?;
    ubl_party(&mut x, "cac:AccountingCustomerParty", &f.buyer)?;
    x.open("cac:PaymentMeans", &[])?;
    x.leaf(
        "cbc:PaymentMeansCode",
        &[("name", "SEPA credit transfer")],
        "58",
    )?;
    if f.credit {
        x.text("cbc:PaymentDueDate", &iso(f.due))?;
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
        x.leaf(quantity_tag, &[("unitCode", unit)], &quantity(g.units, '.'))?;
        x.leaf("cbc:LineExtensionAmount", &eur, &money(g.amount, '.'))?;
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
            x.leaf("cbc:Amount", &eur, &money(g.allowance, '.'))?;
            x.leaf("cbc:BaseAmount", &eur, &money(g.gross, '.'))?;
            x.close("cac:AllowanceCharge")?;
        }
        x.open("cac:Item", &[])?;
        x.text(
            "cbc:Description",
            &format!(
                "Palveluseteli {}: toteutuneet {}, poisjäännit {}",
                l.voucher_number,
                quantity(
                    l.realised_units.map(|u| u.hundredths).unwrap_or_default(),
                    ','
                ),
                quantity(
                    l.no_show_units.map(|u| u.hundredths).unwrap_or_default(),
                    ','
                ),
            ),
        )?;
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
        x.leaf("cbc:PriceAmount", &eur, &money(g.price, '.'))?;
        x.close("cac:Price")?;
        x.close(line_tag)?;
    }
    x.close(root)?;
    x.finish()
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
