//! Corrections while an invoice is returned (issue 25), through the public APIs with "today"
//! pinned: the county returns an invoice, `attendance` releases its sessions, the provider
//! corrects one from 2 h to 1 h and voids another, and generating the month again replaces the
//! returned invoice in place (the same id and number) with what is realised now (BILL-REALISED);
//! once approved the invoice never changes, and a later correction is the county's, credited on
//! a later month's credit note, never a negative invoice. A session of an invoice that is not
//! returned stays locked; a returned invoice left with nothing to bill is withdrawn.

use seteli_api::billing::v1 as bpb;
use seteli_api::common::v1::ServiceType;
use seteli_tests::fixtures::*;
use tonic::Code;

/// "Today" of these tests: April and May 2026 are closed months.
fn today() -> chrono::NaiveDate {
    ymd(2026, 6, 4)
}

fn april() -> chrono::NaiveDate {
    ymd(2026, 4, 1)
}

/// A provider with a KTT voucher of 30 h (from April) and a session of `from`–`to` o'clock on
/// each of `days` of April: the provider, the voucher and the sessions' ids, by day.
async fn april_sessions(
    env: &Env,
    seed: u32,
    individual: u16,
    days: &[(u32, i32, i32)],
) -> (String, String, Vec<String>) {
    let p = approved_provider(env, "Valmennus ry", seed, SIILINJARVI).await;
    let v = voucher_granting(
        env,
        &p,
        individual,
        ServiceType::KttIndividual,
        april(),
        3000,
    )
    .await;
    let mut ids = Vec::new();
    for (day, from, to) in days {
        let s = record(env, &p, &v, at(ymd(2026, 4, *day), *from, *to))
            .await
            .expect("session");
        ids.push(s.id);
    }
    (p, v, ids)
}

/// The April items attendance offers for `p`'s billing: (item id, units, invoice id).
async fn april_items(env: &Env, p: &str) -> Vec<(String, i64, String)> {
    let mut items: Vec<_> = billable(env, p, 2026, 4)
        .await
        .into_iter()
        .flat_map(|v| v.items)
        .map(|i| {
            let units = i.units.map(|u| u.hundredths).unwrap_or_default();
            (i.item_id, units, i.invoice_id)
        })
        .collect();
    items.sort();
    items
}

/// A line's items: (item id, units billed).
fn line_items(inv: &bpb::Invoice) -> Vec<(String, i64)> {
    let mut items: Vec<_> = inv
        .lines
        .iter()
        .flat_map(|l| l.items.iter())
        .map(|i| {
            let units = i.units.map(|u| u.hundredths).unwrap_or_default();
            (i.item_id.clone(), units)
        })
        .collect();
    items.sort();
    items
}

#[tokio::test]
async fn a_returned_invoice_is_corrected_and_generated_again_under_its_own_number() {
    let env = start_billing_on(today()).await;
    let (p, _v, s) =
        april_sessions(&env, 1_100_081, 381, &[(7, 9, 11), (8, 9, 11), (9, 9, 10)]).await;
    let user = env.provider_user(&p);

    // Invoiced: 2 h + 2 h + 1 h at the provider's 60.00.
    let first = generated(&env, &p, april()).await;
    let inv = first.invoice.expect("invoice");
    assert_eq!(line_units(&inv.lines[0]), (500, 0));
    assert_eq!(cents_of(inv.total), 30_000);
    submit_invoice(&env, &user, &inv.id).await.expect("submit");

    // The county returns it: attendance releases its sessions.
    let returned = return_invoice(&env, &env.admin(), &inv.id, "Käynti 7.4. kesti tunnin.")
        .await
        .expect("return");
    assert_eq!(returned.state, bpb::InvoiceState::Returned as i32);
    let (env_ref, p_ref) = (&env, &p);
    eventually(
        "attendance releases the returned invoice's items",
        || async move {
            april_items(env_ref, p_ref)
                .await
                .iter()
                .all(|(_, _, on)| on.is_empty())
        },
    )
    .await;
    assert!(
        !invoice(&env, &env.admin(), &inv.id)
            .await
            .expect("read")
            .items_marked
    );

    // The provider corrects the 2 h session to 1 h and voids another.
    let corrected = correct_session(
        &env,
        &user,
        &s[0],
        at(ymd(2026, 4, 7), 9, 10),
        "Käynti kesti tunnin.",
    )
    .await
    .expect("a released session is the provider's to correct");
    assert_eq!(corrected.units.map(|u| u.hundredths), Some(100));
    void_session(&env, &user, &s[2], "Kirjattu väärälle asiakkaalle.")
        .await
        .expect("a released session is the provider's to void");

    // Generated again: the same invoice (id and number), what is realised now, DRAFT again.
    let again = generate(&env, &user, &p, april()).await.expect("again");
    assert!(again.generated, "the returned invoice was made again");
    assert!(again.credit_note.is_none(), "{:?}", again.credit_note);
    let fixed = again.invoice.expect("invoice");
    assert_eq!(fixed.id, inv.id);
    assert_eq!(fixed.invoice_number, inv.invoice_number);
    assert_eq!(fixed.payment_reference, inv.payment_reference);
    assert_eq!(fixed.state, bpb::InvoiceState::Draft as i32);
    assert_eq!(line_units(&fixed.lines[0]), (300, 0));
    assert_eq!(cents_of(fixed.total), 18_000);
    assert_eq!(
        line_items(&fixed),
        vec![(s[0].clone(), 100), (s[1].clone(), 200)],
        "the corrected hour, the other session, the voided one gone"
    );
    assert!(fixed.version > returned.version);
    // One invoice of the provider, no new number.
    let listed = list_invoices(&env, &env.admin(), of_provider(&p))
        .await
        .expect("list")
        .invoices;
    assert_eq!(listed.len(), 1, "{listed:?}");
    // Attendance knows the items are on it again.
    let id = &inv.id;
    eventually("attendance marks the items invoiced again", || async move {
        let items = april_items(env_ref, p_ref).await;
        items.len() == 2 && items.iter().all(|(_, _, on)| on == id)
    })
    .await;
    // Nothing twice: generating once more answers it as it is.
    let same = generate(&env, &env.admin(), &p, april())
        .await
        .expect("same");
    assert!(!same.generated);
    assert_eq!(cents_of(same.invoice.expect("invoice").total), 18_000);

    // Submitted and approved as corrected.
    let approved = submit_and_approve_invoice(&env, &p, &inv.id).await;
    assert_eq!(approved.state, bpb::InvoiceState::Approved as i32);
    assert_eq!(cents_of(approved.total), 18_000);
    assert_eq!(approved.invoice_number, inv.invoice_number);

    // After the approval: the provider may not correct; the county's correction goes to the
    // next month's credit note, the approved invoice never changes, nothing is negative.
    let err = refused_with(
        correct_session(
            &env,
            &user,
            &s[1],
            at(ymd(2026, 4, 8), 9, 10),
            "Käynti kesti tunnin.",
        )
        .await,
        Code::FailedPrecondition,
        "an approved invoice's session is locked",
    );
    assert_eq!(rule_ids(&err), vec!["STATE-TRANSITION"]);
    correct_session(
        &env,
        &env.admin(),
        &s[1],
        at(ymd(2026, 4, 8), 9, 10),
        "Käynti kesti tunnin.",
    )
    .await
    .expect("the county corrects after the approval");
    let april_again = generate(&env, &env.admin(), &p, april()).await.expect("ok");
    assert!(
        !april_again.generated,
        "an approved month is never generated again"
    );
    let kept = april_again.invoice.expect("invoice");
    assert_eq!(
        (kept.state, cents_of(kept.total)),
        (bpb::InvoiceState::Approved as i32, 18_000)
    );
    let may = generate(&env, &env.admin(), &p, ymd(2026, 5, 1))
        .await
        .expect("May");
    assert!(
        may.invoice.is_none(),
        "no negative invoice: {:?}",
        may.invoice
    );
    let credit = may.credit_note.expect("a credit note");
    assert_eq!(credit.kind, bpb::InvoiceKind::CreditNote as i32);
    assert_eq!(line_units(&credit.lines[0]), (100, 0));
    assert_eq!(cents_of(credit.total), 6_000);
    assert_eq!(
        credit.credits_invoice_numbers,
        vec![inv.invoice_number.clone()]
    );
}

#[tokio::test]
async fn a_session_of_an_invoice_not_returned_stays_locked() {
    let env = start_billing_on(today()).await;
    let (p, _v, s) = april_sessions(&env, 1_100_091, 391, &[(7, 9, 11), (8, 9, 11)]).await;
    let user = env.provider_user(&p);
    let inv = generated(&env, &p, april()).await.invoice.expect("invoice");
    submit_invoice(&env, &user, &inv.id).await.expect("submit");

    // Submitted, not returned: the provider may neither correct nor void its sessions.
    let err = refused_with(
        correct_session(
            &env,
            &user,
            &s[0],
            at(ymd(2026, 4, 7), 9, 10),
            "Käynti kesti tunnin.",
        )
        .await,
        Code::FailedPrecondition,
        "a submitted invoice's session is locked",
    );
    assert_eq!(rule_ids(&err), vec!["STATE-TRANSITION"]);
    refused_with(
        void_session(&env, &user, &s[1], "Ei pidetty.").await,
        Code::FailedPrecondition,
        "a submitted invoice's session is locked",
    );
    // Nor is the month generated again: the same invoice as it is.
    let again = generate(&env, &user, &p, april()).await.expect("again");
    assert!(!again.generated);
    let same = again.invoice.expect("invoice");
    assert_eq!(
        (same.id, same.state, cents_of(same.total)),
        (inv.id.clone(), bpb::InvoiceState::Submitted as i32, 24_000)
    );
    let items = april_items(&env, &p).await;
    assert!(
        items.iter().all(|(_, _, on)| *on == inv.id),
        "still on the invoice: {items:?}"
    );
}

#[tokio::test]
async fn a_returned_invoice_left_with_nothing_to_bill_is_withdrawn() {
    let env = start_billing_on(today()).await;
    let (p, _v, s) = april_sessions(&env, 1_100_101, 392, &[(7, 9, 11)]).await;
    let user = env.provider_user(&p);
    let inv = generated(&env, &p, april()).await.invoice.expect("invoice");
    submit_invoice(&env, &user, &inv.id).await.expect("submit");
    return_invoice(&env, &env.admin(), &inv.id, "Asiakas ei ollut palvelussa.")
        .await
        .expect("return");
    void_session(&env, &user, &s[0], "Kirjattu väärälle asiakkaalle.")
        .await
        .expect("released: the provider voids it");

    let again = generate(&env, &env.admin(), &p, april())
        .await
        .expect("again");
    assert!(again.generated);
    assert!(
        again.invoice.is_none(),
        "nothing to bill: {:?}",
        again.invoice
    );
    let withdrawn = invoice(&env, &env.admin(), &inv.id).await.expect("read");
    assert_eq!(withdrawn.state, bpb::InvoiceState::Withdrawn as i32);
    assert_eq!(withdrawn.invoice_number, inv.invoice_number);
    assert_eq!(cents_of(withdrawn.total), 0);
    assert!(withdrawn.lines.is_empty());
    // It moves no more and is no e-invoice.
    refused_with(
        submit_invoice(&env, &user, &inv.id).await,
        Code::FailedPrecondition,
        "a withdrawn invoice is not submitted",
    );
    refused_with(
        export_as(&env, &env.admin(), &inv.id, bpb::ExportFormat::PeppolBis30).await,
        Code::FailedPrecondition,
        "a withdrawn invoice is no e-invoice",
    );
}
