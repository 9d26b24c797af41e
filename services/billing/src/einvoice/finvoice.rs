//! Finvoice 3.0 (Finance Finland): the invoice as `Finvoice`, a credit note as `INV02`.

use std::fmt::Write as _;

use seteli_api::billing::v1 as pb;
use seteli_platform::AppResult;
use seteli_rules::ServiceType;

use super::text::{fit, pieces};
use super::{
    Facts, VAT_EXEMPTION_CODE, VAT_EXEMPTION_REASON, Xml, figures, no_show_note, no_shows,
    realised, unit_code, unit_of, unit_text, write_money,
};

/// Finvoice 3.0.
pub(super) fn finvoice(mut x: Xml<'_>, i: &pb::Invoice) -> AppResult<()> {
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
    x.text("SellerOrganisationName", fit(&f.seller.name, 70))?;
    party_address(&mut x, "Seller", f.seller)?;
    x.close("SellerPartyDetails")?;
    x.text("SellerOrganisationUnitNumber", &f.seller.einvoice_address)?;
    // The seller's tax registration identifier (EN 16931 BT-32), as in the UBL (see
    // `ubl::seller_tax_registration`): the business id, not a VAT number
    // (`SellerOrganisationTaxCode` is the VAT identifier, BT-31, which an exempt provider need
    // not have).
    if !f.seller.business_id.trim().is_empty() {
        x.open("SellerInformationDetails", &[])?;
        x.text("SellerTaxRegistrationText", fit(&f.seller.business_id, 35))?;
        x.close("SellerInformationDetails")?;
    }
    // Buyer.
    x.open("BuyerPartyDetails", &[])?;
    x.leaf(
        "BuyerPartyIdentifier",
        &[("SchemeID", "0212")],
        &f.buyer.business_id,
    )?;
    x.text("BuyerOrganisationName", fit(&f.buyer.name, 70))?;
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
    x.text("BuyerReferenceIdentifier", fit(&i.buyer_reference, 70))?;
    x.money("InvoiceTotalVatExcludedAmount", &eur, sign * f.total, ',')?;
    x.leaf("InvoiceTotalVatAmount", &eur, "0,00")?;
    x.money("InvoiceTotalVatIncludedAmount", &eur, sign * f.total, ',')?;
    x.open("VatSpecificationDetails", &[])?;
    x.money("VatBaseAmount", &eur, sign * f.total, ',')?;
    x.text("VatRatePercent", "0")?;
    x.text("VatCode", "E")?;
    x.leaf("VatRateAmount", &eur, "0,00")?;
    // The reason whole: up to three `VatFreeText`s of 70 characters, split between words.
    for piece in pieces(VAT_EXEMPTION_REASON, 70, 3) {
        x.text("VatFreeText", piece)?;
    }
    x.text("VatExemptionReasonCode", VAT_EXEMPTION_CODE)?;
    x.close("VatSpecificationDetails")?;
    if let Some(note) = no_show_note(i) {
        // `InvoiceFreeText` repeats without limit: the whole report, 512 characters a piece.
        for piece in pieces(&note, 512, usize::MAX) {
            x.text("InvoiceFreeText", piece)?;
        }
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
        let unit = unit_text(unit_of(g.service));
        let unit_un = unit_code(unit_of(g.service));
        x.open("InvoiceRow", &[])?;
        x.text(
            "ArticleIdentifier",
            g.service.map(ServiceType::code).unwrap_or_default(),
        )?;
        x.text(
            "ArticleName",
            fit(g.service.map(ServiceType::name_fi).unwrap_or_default(), 100),
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
    x.text("EpiNameAddressDetails", fit(&f.seller.name, 35))?;
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
    x.text(street, fit(&p.street_address, 35))?;
    x.text(town, fit(&p.town, 35))?;
    x.text(postcode, fit(&p.postal_code, 35))?;
    x.text("CountryCode", &p.country_code)?;
    x.close(details)
}
