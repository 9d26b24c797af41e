//! Monthly invoices from attendance's billable items: a line per voucher at the provider's
//! price, one no-show unit per calendar month (BILL-NO-SHOW), nothing twice (also when two
//! generations of a month run at once), late sessions on the next invoice, corrections as
//! credit notes, closed months only, who may generate, and who sees what: a provider's user
//! its own invoices only, the financial system approved invoices only and no client data.
//! (The other rules, with "today" pinned: `billing_rules.rs`; the cap by units and a refused
//! extra fee, against a stand-in attendance: `billing_upstream.rs`.)

use chrono::Datelike;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_tests::fixtures::*;
use tonic::Code;

fn units(l: &bpb::InvoiceLine) -> (i64, i64) {
    (
        l.realised_units.map(|u| u.hundredths).unwrap_or_default(),
        l.no_show_units.map(|u| u.hundredths).unwrap_or_default(),
    )
}

fn cents(m: Option<seteli_api::common::v1::Money>) -> i64 {
    m.map(|m| m.cents).unwrap_or_default()
}

fn no_show() -> apb::Cancellation {
    apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        ..Default::default()
    }
}

#[tokio::test]
async fn a_month_is_invoiced_once_at_the_providers_price_with_one_no_show_unit() {
    let (env, p) = with_provider(start_billing().await, 1_100_001).await;
    let last = month_ago(1);
    let v = billed_voucher(&env, &p, 301, last, &[3, 10], 2).await;
    // Two no-shows in the month: one unit billable (BILL-NO-SHOW).
    for day in [12, 14] {
        let s = record(
            &env,
            &p,
            &v,
            at(last.with_day0(day - 1).expect("ok"), 9, 10),
        )
        .await
        .expect("session");
        cancel(&env, &p, &s.id, no_show()).await.expect("no-show");
    }

    // The current month is not closed.
    let err = refused_with(
        generate(&env, &env.admin(), &p, month_ago(0)).await,
        Code::FailedPrecondition,
        "open month",
    );
    assert_eq!(rule_ids(&err), vec!["STATE-TRANSITION"]);

    let first = generate(&env, &env.provider_user(&p), &p, last)
        .await
        .expect("generated");
    assert!(first.generated);
    assert!(first.credit_note.is_none());
    let inv = first.invoice.expect("invoice");
    assert_eq!(inv.state, bpb::InvoiceState::Draft as i32);
    assert_eq!(inv.kind, bpb::InvoiceKind::Invoice as i32);
    assert_eq!(inv.lines.len(), 1);
    let line = &inv.lines[0];
    assert_eq!(units(line), (400, 100));
    // The provider's own price (60.00), below the voucher's snapshot (65.00).
    assert_eq!(cents(line.unit_price), 6000);
    assert_eq!(cents(line.amount), 30000);
    assert_eq!(cents(inv.total), 30000);
    assert!(line.voucher_number.starts_with("PS-"), "{line:?}");
    assert_eq!(line.items.len(), 3, "realised ×2 and one no-show unit");
    // References and terms.
    seteli_rules::ids::validate_finnish_reference(&inv.payment_reference).expect("viitenumero");
    assert!(inv.rf_reference.starts_with("RF"));
    let seller = inv.seller.clone().expect("seller");
    assert_eq!(seller.business_id, business_id(1_100_001));
    seteli_rules::ids::validate_ovt(&seller.einvoice_address).expect("seller OVT");
    assert_eq!(inv.seller_bic, "NDEAFIHH");

    // Generating again bills nothing twice: the same invoice, not generated now.
    let again = generate(&env, &env.admin(), &p, last).await.expect("again");
    assert!(!again.generated);
    assert_eq!(again.invoice.map(|i| i.id), Some(inv.id.clone()));

    // Attendance was told: the items are on this invoice.
    let billable = billable(&env, &p, last.year(), last.month() as i32).await;
    let on_invoice: Vec<_> = billable[0]
        .items
        .iter()
        .filter(|i| i.units.map(|u| u.hundredths).unwrap_or_default() > 0)
        .map(|i| i.invoice_id.clone())
        .collect();
    assert!(on_invoice.iter().all(|i| *i == inv.id), "{billable:?}");
    assert!(
        invoice(&env, &env.admin(), &inv.id)
            .await
            .expect("ok")
            .items_marked
    );
}

#[tokio::test]
async fn late_sessions_go_to_the_next_invoice_and_corrections_to_a_credit_note() {
    let (env, p) = with_provider(start_billing().await, 1_100_011).await;
    let (earlier, last) = (month_ago(2), month_ago(1));
    let v = billed_voucher(&env, &p, 311, earlier, &[8, 15], 2).await;
    let first = generate(&env, &env.admin(), &p, earlier)
        .await
        .expect("earlier month")
        .invoice
        .expect("invoice");
    assert_eq!(units(&first.lines[0]), (400, 0));

    // After it was invoiced: one session of the closed month is corrected down by the county,
    // one is recorded late, and the last month has its own.
    let sessions = sessions_of(&env, &env.admin(), &v).await.expect("ok");
    let corrected = sessions.first().expect("a session").clone();
    correct_session(
        &env,
        &env.admin(),
        &corrected.id,
        at(
            chrono::NaiveDate::from_ymd_opt(earlier.year(), earlier.month(), 8).expect("ok"),
            9,
            10,
        ),
        "Käynti kesti tunnin.",
    )
    .await
    .expect("corrected after invoicing");
    let late = record(&env, &p, &v, at(earlier.with_day0(21).expect("ok"), 9, 11))
        .await
        .expect("late session");
    record(&env, &p, &v, at(last.with_day0(4).expect("ok"), 9, 12))
        .await
        .expect("session of the last month");

    let next = generate(&env, &env.admin(), &p, last).await.expect("next");
    let inv = next.invoice.expect("invoice");
    // The late session (2 h, dated in the earlier month) and the last month's (3 h).
    assert_eq!(units(&inv.lines[0]), (500, 0));
    let late_item = inv.lines[0]
        .items
        .iter()
        .find(|i| i.item_id == late.id)
        .expect("the late session is on the next invoice");
    assert_eq!(
        late_item.date.as_ref().map(|d| d.month),
        Some(earlier.month() as i32)
    );
    // The correction: a credit note for the hour no longer realised, never a negative invoice.
    let credit = next.credit_note.expect("credit note");
    assert_eq!(credit.kind, bpb::InvoiceKind::CreditNote as i32);
    assert_eq!(units(&credit.lines[0]), (100, 0));
    assert_eq!(cents(credit.total), 6000);
    assert_eq!(
        credit.credits_invoice_numbers,
        vec![first.invoice_number.clone()]
    );
    assert!(cents(inv.total) > 0 && cents(credit.total) > 0);

    // Nothing is billed twice: generating the month again changes nothing.
    let again = generate(&env, &env.admin(), &p, last).await.expect("again");
    assert!(!again.generated);
    assert_eq!(again.credit_note.map(|c| c.id), Some(credit.id));
}

#[tokio::test]
async fn who_may_generate_and_who_sees_an_invoice() {
    let (env, p) = with_provider(start_billing().await, 1_100_031).await;
    let other = approved_provider(&env, "Toinen ry", 1_100_041, SIILINJARVI).await;
    let last = month_ago(1);
    billed_voucher(&env, &p, 331, last, &[5], 1).await;
    // Another provider's user may not generate this provider's invoice.
    refused_with(
        generate(&env, &env.provider_user(&other), &p, last).await,
        Code::NotFound,
        "not its provider",
    );
    for token in [env.finance(), env.social_worker(), env.auditor()] {
        refused_with(
            generate(&env, &token, &p, last).await,
            Code::PermissionDenied,
            "role",
        );
    }
    let inv = generate(&env, &env.admin(), &p, last)
        .await
        .expect("ok")
        .invoice
        .expect("ok");
    // A provider's user sees only its own invoices.
    assert!(invoice(&env, &env.provider_user(&p), &inv.id).await.is_ok());
    refused_with(
        invoice(&env, &env.provider_user(&other), &inv.id).await,
        Code::NotFound,
        "another provider's",
    );
    let list = async |token: String| {
        let all = list_invoices(&env, &token, bpb::ListInvoicesRequest::default()).await;
        all.expect("ok").invoices
    };
    assert_eq!(list(env.provider_user(&p)).await.len(), 1);
    assert!(list(env.provider_user(&other)).await.is_empty());
    assert_eq!(list(env.admin()).await.len(), 1);
    // The financial system sees nothing before the approval.
    assert!(list(env.finance()).await.is_empty());
    assert_eq!(
        invoice(&env, &env.finance(), &inv.id)
            .await
            .expect_err("refused")
            .code(),
        Code::NotFound
    );
    submit_and_approve_invoice(&env, &p, &inv.id).await;
    let seen = invoice(&env, &env.finance(), &inv.id)
        .await
        .expect("approved");
    assert_eq!(list(env.finance()).await.len(), 1);
    // No client data on what the financial system gets: no name, no identity code.
    let bytes = prost::Message::encode_to_vec(&seen);
    let text = String::from_utf8_lossy(&bytes);
    assert!(!text.contains("Meikäläinen"));
    assert!(!text.contains(&hetu(ymd(1990, 5, 5), 331)));
}

#[tokio::test]
async fn two_generations_of_a_month_at_once_bill_it_once() {
    let (env, p) = with_provider(start_billing_on(ymd(2026, 5, 4)).await, 1_100_051).await;
    let v = voucher_granting(
        &env,
        &p,
        351,
        seteli_api::common::v1::ServiceType::KttIndividual,
        ymd(2026, 3, 2),
        3000,
    )
    .await;
    for day in [7, 8, 9] {
        record(&env, &p, &v, at(ymd(2026, 4, day), 9, 11))
            .await
            .expect("session");
    }
    let april = ymd(2026, 4, 1);
    // The county and the provider's user at once, each with its own request id.
    let (county, theirs) = (env.admin(), env.provider_user(&p));
    let (a, b) = tokio::join!(
        generate(&env, &county, &p, april),
        generate(&env, &theirs, &p, april)
    );
    let (a, b) = (a.expect("county"), b.expect("provider"));
    assert_eq!(
        [a.generated, b.generated].iter().filter(|g| **g).count(),
        1,
        "one of them generated the month, the other found it"
    );
    let (ia, ib) = (a.invoice.expect("invoice"), b.invoice.expect("invoice"));
    assert_eq!(ia.id, ib.id);
    assert_eq!(line_units(&ia.lines[0]), (600, 0));
    assert_eq!(
        ia.lines[0].items.len(),
        3,
        "the items are on the answer of both"
    );
    assert_eq!(ib.lines[0].items, ia.lines[0].items);
    // One invoice of the month, each item on it once; attendance knows that invoice.
    let list = invoices_of(&env, &env.admin(), &p).await;
    assert_eq!(list.len(), 1);
    let (env_ref, p_ref, id) = (&env, &p, &ia.id);
    eventually("attendance marks the items invoiced", || async move {
        billable(env_ref, p_ref, 2026, 4).await[0]
            .items
            .iter()
            .all(|i| i.invoice_id == *id)
    })
    .await;
}

#[tokio::test]
async fn providers_see_their_own_invoices_and_the_financial_system_approved_ones_without_client_data()
 {
    let (env, p) = with_provider(start_billing_on(ymd(2026, 5, 4)).await, 1_100_061).await;
    let other = approved_provider(&env, "Toinen ry", 1_100_071, SIILINJARVI).await;
    let client = client_at(&env, 361, SIILINJARVI).await;
    let v = voucher_for_client(
        &env,
        &p,
        &client.id,
        seteli_api::common::v1::ServiceType::KttIndividual,
        (
            ymd(2026, 3, 2),
            seteli_rules::terms::validity_end(ymd(2026, 3, 2), 3),
        ),
        30,
    )
    .await;
    let s = record(&env, &p, &v, at(ymd(2026, 4, 7), 9, 11))
        .await
        .expect("session");
    let missed = record(&env, &p, &v, at(ymd(2026, 4, 9), 9, 10))
        .await
        .expect("session");
    cancel(&env, &p, &missed.id, no_show())
        .await
        .expect("no-show");
    let inv = generated(&env, &p, ymd(2026, 4, 1))
        .await
        .invoice
        .expect("invoice");

    // Another provider's user: the invoice does not exist for it, whatever it tries.
    let theirs = env.provider_user(&other);
    not_found_by(&env, &theirs, &inv.id, bpb::ExportFormat::Finvoice30).await;
    let submit = submit_invoice(&env, &theirs, &inv.id).await;
    assert_eq!(submit.expect_err("submit").code(), Code::NotFound);
    let listed = invoices_of(&env, &theirs, &p).await;
    assert!(listed.is_empty(), "{listed:?}");

    // The financial system, before the approval: nothing, in any way it may ask.
    let finance = env.finance();
    not_found_by(&env, &finance, &inv.id, bpb::ExportFormat::PeppolBis30).await;
    let list = async |token: String| {
        let all = list_invoices(&env, &token, bpb::ListInvoicesRequest::default()).await;
        all.expect("list").invoices
    };
    assert!(list(finance.clone()).await.is_empty());
    let pull = async |token: String| {
        list_approved_invoices(
            &env,
            &token,
            bpb::ListApprovedInvoicesRequest {
                formats: vec![
                    bpb::ExportFormat::Finvoice30 as i32,
                    bpb::ExportFormat::PeppolBis30 as i32,
                ],
                ..Default::default()
            },
        )
        .await
        .expect("pull")
    };
    assert!(pull(finance.clone()).await.invoices.is_empty());

    // Approved: the invoice and its documents, carrying what an invoice must (the voucher
    // number as the order reference) and nothing of the client: no name, identity code,
    // contact, client id, nor the sessions (their ids and dates: the lines come without items).
    submit_and_approve_invoice(&env, &p, &inv.id).await;
    let seen = invoice(&env, &finance, &inv.id).await.expect("approved");
    assert!(seen.lines.iter().all(|l| l.items.is_empty()), "{seen:?}");
    assert_eq!(line_units(&seen.lines[0]), (200, 100));
    let full = invoice(&env, &env.admin(), &inv.id).await.expect("county");
    assert_eq!(full.lines[0].items.len(), 2, "the county sees the items");
    let pulled = pull(finance.clone()).await;
    assert_eq!(pulled.invoices.len(), 1);
    // What it received, and whether that carries the lines (the list does not).
    let mut received: Vec<(bool, Vec<u8>)> = vec![
        (true, prost::Message::encode_to_vec(&seen)),
        (true, prost::Message::encode_to_vec(&pulled)),
        (
            false,
            prost::Message::encode_to_vec(&bpb::ListInvoicesResponse {
                invoices: list(finance.clone()).await,
                next_page_token: String::new(),
            }),
        ),
    ];
    for format in [
        bpb::ExportFormat::Finvoice30,
        bpb::ExportFormat::PeppolBis30,
    ] {
        received.push((
            true,
            export_as(&env, &finance, &inv.id, format)
                .await
                .expect("export")
                .content,
        ));
    }
    let details = client_details(&hetu(ymd(1990, 5, 5), 361), "Kuopio", SIILINJARVI);
    let contact = details.contact.clone().expect("contact");
    let forbidden = [
        details.name.as_str(),
        details.identity_code.as_str(),
        contact.phone.as_str(),
        contact.email.as_str(),
        contact.postal_address.as_str(),
        client.id.as_str(),
        s.id.as_str(),
        missed.id.as_str(),
        "2026-04-07",
        "20260407",
    ];
    for (lines, bytes) in &received {
        let text = String::from_utf8_lossy(bytes);
        assert_eq!(
            text.contains(&inv.lines[0].voucher_number),
            *lines,
            "{text}"
        );
        for f in forbidden {
            assert!(
                !text.contains(f),
                "{f:?} reached the financial system: {text}"
            );
        }
    }
}

/// Invoice `id` is not found by `token`'s holder: neither read nor exported in `format`.
async fn not_found_by(env: &Env, token: &str, id: &str, format: bpb::ExportFormat) {
    let read = invoice(env, token, id).await;
    assert_eq!(read.expect_err("get").code(), Code::NotFound);
    let export = export_as(env, token, id, format).await;
    assert_eq!(export.expect_err("export").code(), Code::NotFound);
}

/// The invoices of provider `p` as `token`'s holder lists them (one page).
async fn invoices_of(env: &Env, token: &str, p: &str) -> Vec<bpb::Invoice> {
    let of_provider = of_provider(p);
    let listed = list_invoices(env, token, of_provider).await;
    listed.expect("list").invoices
}
