//! The invoice's life cycle (DRAFT → SUBMITTED → APPROVED / RETURNED → EXPORTED → PAID, each
//! by its role) and the financial system's pull: paged and streamed after a cursor, an
//! unacknowledged invoice comes again, an acknowledged one never — with two pullers at once, and
//! with a puller that dies between the pull and the acknowledgement.

use std::collections::HashMap;

use chrono::NaiveDate;
use seteli_api::billing::v1 as bpb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

async fn submit(env: &Env, token: &str, id: &str) -> Result<bpb::Invoice, tonic::Status> {
    submit_invoice(env, token, id).await
}

async fn approve(env: &Env, token: &str, id: &str) -> Result<bpb::Invoice, tonic::Status> {
    env.b()
        .approve_invoice(with_token(
            token,
            bpb::ApproveInvoiceRequest {
                request_id: rid(),
                validate_only: false,
                invoice_id: id.into(),
            },
        ))
        .await
        .map(|r| r.into_inner().invoice.expect("invoice"))
}

async fn pull(env: &Env, after: i64, page_size: i32) -> Vec<bpb::ApprovedInvoice> {
    let mut out = Vec::new();
    let mut token = String::new();
    loop {
        let page = list_approved_invoices(
            env,
            &env.finance(),
            bpb::ListApprovedInvoicesRequest {
                after_sequence: after,
                formats: Vec::new(),
                page_size,
                page_token: token.clone(),
            },
        )
        .await
        .expect("pull");
        out.extend(page.invoices);
        if page.next_page_token.is_empty() {
            return out;
        }
        token = page.next_page_token;
    }
}

async fn ack(env: &Env, export: &str, ids: &[String]) -> Vec<bpb::AckResult> {
    env.b()
        .acknowledge_invoices(with_token(
            &env.finance(),
            bpb::AcknowledgeInvoicesRequest {
                request_id: rid(),
                validate_only: false,
                acknowledgements: ids
                    .iter()
                    .map(|id| bpb::Acknowledgement {
                        invoice_id: id.clone(),
                        export_id: export.into(),
                    })
                    .collect(),
            },
        ))
        .await
        .expect("ack")
        .into_inner()
        .results
}

fn ids(pulled: &[bpb::ApprovedInvoice]) -> Vec<String> {
    pulled
        .iter()
        .map(|a| a.invoice.as_ref().expect("invoice").id.clone())
        .collect()
}

/// `n` providers, each with an approved invoice of last month and of the month before.
async fn approved_invoices(env: &Env, n: u32) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..n {
        let p = approved_provider(env, "Valmennus ry", 1_200_001 + k * 10, SIILINJARVI).await;
        let v = billed_voucher(env, &p, 400 + k as u16, month_ago(2), &[6], 1).await;
        let d = month_ago(1);
        record(
            env,
            &p,
            &v,
            at(
                NaiveDate::from_ymd_opt(chrono::Datelike::year(&d), chrono::Datelike::month(&d), 7)
                    .expect("ok"),
                9,
                10,
            ),
        )
        .await
        .expect("session");
        for month in [month_ago(2), month_ago(1)] {
            let inv = generate(env, &env.admin(), &p, month)
                .await
                .expect("generated")
                .invoice
                .expect("invoice");
            submit_and_approve_invoice(env, &p, &inv.id).await;
            out.push(inv.id);
        }
    }
    out
}

#[tokio::test]
async fn the_life_cycle_by_role() {
    let (env, p) = with_provider(start_billing().await, 1_200_101).await;
    billed_voucher(&env, &p, 451, month_ago(1), &[5], 2).await;
    let inv = last_months_invoice(&env, &p).await;
    // A draft is not approved; the county does not submit; the provider does not approve.
    refused_by(
        approve(&env, &env.admin(), &inv.id).await,
        ["STATE-TRANSITION"],
        "refused",
    );
    assert_eq!(
        submit(&env, &env.admin(), &inv.id)
            .await
            .expect_err("refused")
            .code(),
        Code::PermissionDenied
    );
    let submitted = submit(&env, &env.provider_user(&p), &inv.id)
        .await
        .expect("ok");
    assert_eq!(submitted.state, bpb::InvoiceState::Submitted as i32);
    // The provider's user reads the items billed; the financial system (below) does not.
    assert_eq!(submitted.lines[0].items.len(), 1);
    assert_eq!(
        approve(&env, &env.provider_user(&p), &inv.id)
            .await
            .expect_err("refused")
            .code(),
        Code::PermissionDenied
    );
    // Returned with a reason (required), submitted again, approved.
    let no_reason = return_invoice(&env, &env.admin(), &inv.id, " ")
        .await
        .expect_err("refused");
    assert_eq!(bad_fields(&no_reason), vec!["reason"]);
    let returned = return_invoice(&env, &env.admin(), &inv.id, "Kustannuspaikka puuttuu.")
        .await
        .expect("ok");
    assert_eq!(returned.state, bpb::InvoiceState::Returned as i32);
    assert_eq!(returned.returned_reason, "Kustannuspaikka puuttuu.");
    submit(&env, &env.provider_user(&p), &inv.id)
        .await
        .expect("ok");
    let approved = approve(&env, &env.admin(), &inv.id).await.expect("ok");
    assert_eq!(approved.state, bpb::InvoiceState::Approved as i32);
    assert!(approved.export_sequence > 0);
    // Paid only after it was exported.
    let pay = async |token: String| {
        let id = inv.id.clone();
        record_payment(
            &env,
            &token,
            bpb::RecordPaymentRequest {
                request_id: rid(),
                validate_only: false,
                invoice_id: id,
                paid_on: d(today()),
            },
        )
        .await
    };
    assert_eq!(
        rule_ids(&pay(env.finance()).await.expect_err("refused")),
        vec!["STATE-TRANSITION"]
    );
    let results = ack(&env, "batch-1", std::slice::from_ref(&inv.id)).await;
    assert_eq!(results[0].outcome, bpb::AckOutcome::Acknowledged as i32);
    let paid = pay(env.finance()).await.expect("ok");
    assert_eq!(paid.state, bpb::InvoiceState::Paid as i32);
    assert_eq!(paid.export_id, "batch-1");
    assert!(paid.lines[0].items.is_empty(), "{paid:?}");
    // The provider's user may neither pull nor pay.
    assert_eq!(
        pay(env.provider_user(&p))
            .await
            .expect_err("refused")
            .code(),
        Code::PermissionDenied
    );
}

#[tokio::test]
async fn approved_invoices_are_pulled_after_a_cursor_until_acknowledged() {
    let env = start_billing().await;
    let approved = approved_invoices(&env, 2).await;
    // Paged, in approval order.
    let pulled = pull(&env, 0, 3).await;
    assert_eq!(ids(&pulled), approved);
    let sequences: Vec<i64> = pulled
        .iter()
        .map(|a| a.invoice.as_ref().expect("ok").export_sequence)
        .collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]));
    // After a cursor.
    assert_eq!(ids(&pull(&env, sequences[1], 100).await), approved[2..]);
    // An unacknowledged invoice comes again; an acknowledged one never.
    let results = ack(&env, "batch-a", &approved[..1]).await;
    assert_eq!(results[0].outcome, bpb::AckOutcome::Acknowledged as i32);
    assert_eq!(ids(&pull(&env, 0, 100).await), approved[1..]);
    // Streamed, with both formats.
    let mut stream = env
        .b()
        .stream_approved_invoices(with_token(
            &env.finance(),
            bpb::StreamApprovedInvoicesRequest {
                after_sequence: 0,
                formats: vec![
                    bpb::ExportFormat::Finvoice30 as i32,
                    bpb::ExportFormat::PeppolBis30 as i32,
                ],
            },
        ))
        .await
        .expect("ok")
        .into_inner();
    let mut streamed = Vec::new();
    while let Some(m) = stream.message().await.expect("ok") {
        let a = m.invoice.expect("ok");
        assert_eq!(a.documents.len(), 2);
        streamed.push(a);
    }
    assert_eq!(ids(&streamed), approved[1..]);
    // An invoice not approved is not acknowledged.
    let p = approved_provider(&env, "Uusi ry", 1_200_201, SIILINJARVI).await;
    billed_voucher(&env, &p, 461, month_ago(1), &[5], 1).await;
    let draft = last_months_invoice(&env, &p).await;
    let r = ack(&env, "batch-b", &[draft.id]).await;
    assert_eq!(r[0].outcome, bpb::AckOutcome::NotApproved as i32);
}

#[tokio::test]
async fn two_pullers_at_once_and_a_puller_that_dies_deliver_each_invoice_once() {
    let env = start_billing().await;
    let approved = approved_invoices(&env, 2).await;

    // A puller dies between the pull and the acknowledgement: it streamed one invoice and went.
    {
        let mut stream = env
            .b()
            .stream_approved_invoices(with_token(
                &env.finance(),
                bpb::StreamApprovedInvoicesRequest::default(),
            ))
            .await
            .expect("ok")
            .into_inner();
        let first = stream.message().await.expect("ok").expect("ok");
        assert_eq!(
            first.invoice.expect("ok").invoice.expect("ok").id,
            approved[0]
        );
    }
    // Nothing was acknowledged: everything comes again.
    assert_eq!(ids(&pull(&env, 0, 100).await), approved);

    // Two pullers at once: both pull everything, both acknowledge everything.
    let puller = |export: &'static str| {
        let env = &env;
        async move {
            let pulled = ids(&pull(env, 0, 2).await);
            ack(env, export, &pulled).await
        }
    };
    let (a, b) = tokio::join!(puller("export-a"), puller("export-b"));
    let mut winners: HashMap<String, Vec<String>> = HashMap::new();
    for r in a.iter().chain(b.iter()) {
        match bpb::AckOutcome::try_from(r.outcome).expect("ok") {
            bpb::AckOutcome::Acknowledged => winners
                .entry(r.invoice_id.clone())
                .or_default()
                .push(r.export_id.clone()),
            bpb::AckOutcome::AlreadyAcknowledged => {
                assert!(r.export_id == "export-a" || r.export_id == "export-b")
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // Each invoice has exactly one acknowledged export, and it is what the invoice says.
    assert_eq!(winners.len(), approved.len(), "{winners:?}");
    for id in &approved {
        let w = &winners[id];
        assert_eq!(w.len(), 1, "{id}: {w:?}");
        let inv = invoice(&env, &env.finance(), id).await.expect("ok");
        assert_eq!(inv.state, bpb::InvoiceState::Exported as i32);
        assert_eq!(&inv.export_id, &w[0]);
    }
    // Acknowledged: never again, and a late acknowledgement names the winner.
    assert!(pull(&env, 0, 100).await.is_empty());
    let late = ack(&env, "export-c", &approved).await;
    assert!(
        late.iter()
            .all(|r| r.outcome == bpb::AckOutcome::AlreadyAcknowledged as i32)
    );
}

/// RecordPayment as the county administrator (who sees invoices in every state; the financial
/// system does not know of one before its approval).
async fn pay(env: &Env, id: &str) -> Result<bpb::Invoice, tonic::Status> {
    record_payment(
        env,
        &env.admin(),
        bpb::RecordPaymentRequest {
            request_id: rid(),
            validate_only: false,
            invoice_id: id.into(),
            paid_on: d(ymd(2026, 5, 20)),
        },
    )
    .await
}

/// A move of the state table, by the role that may make it.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Move {
    Submit,
    Approve,
    Return,
    Pay,
}

async fn make(env: &Env, provider: &str, id: &str, m: Move) -> Result<bpb::Invoice, tonic::Status> {
    match m {
        Move::Submit => submit(env, &env.provider_user(provider), id).await,
        Move::Approve => approve(env, &env.admin(), id).await,
        Move::Return => return_invoice(env, &env.admin(), id, "Kustannuspaikka puuttuu.").await,
        Move::Pay => pay(env, id).await,
    }
}

/// Tries each of `wrong` on invoice `id` (now in `state`): each is refused with
/// STATE-TRANSITION; an acknowledgement (when `ack_outcome` is given) answers that outcome; and
/// the invoice is as it was.
async fn refused(
    env: &Env,
    provider: &str,
    id: &str,
    state: bpb::InvoiceState,
    wrong: &[Move],
    ack_outcome: Option<bpb::AckOutcome>,
) {
    let before = invoice(env, &env.admin(), id).await.expect("invoice");
    assert_eq!(before.state, state as i32);
    for m in wrong {
        let err = make(env, provider, id, *m)
            .await
            .expect_err("not in the state table");
        assert_eq!(err.code(), Code::FailedPrecondition, "{m:?} from {state:?}");
        assert_eq!(
            rule_ids(&err),
            vec!["STATE-TRANSITION"],
            "{m:?} from {state:?}"
        );
    }
    if let Some(outcome) = ack_outcome {
        let results = ack(env, "wrong-state", &[id.to_owned()]).await;
        assert_eq!(results[0].outcome, outcome as i32, "ack from {state:?}");
    }
    let after = invoice(env, &env.admin(), id).await.expect("invoice");
    assert_eq!(
        (after.state, after.version, after.export_id),
        (before.state, before.version, before.export_id)
    );
}

#[tokio::test]
async fn every_move_the_state_table_does_not_allow_is_refused() {
    use bpb::AckOutcome::{AlreadyAcknowledged, NotApproved};
    use bpb::InvoiceState as S;
    let (env, p) = with_provider(start_billing_on(ymd(2026, 5, 4)).await, 1_200_301).await;
    let v = voucher_granting(
        &env,
        &p,
        471,
        seteli_api::common::v1::ServiceType::KttIndividual,
        ymd(2026, 3, 2),
        3000,
    )
    .await;
    record(&env, &p, &v, at(ymd(2026, 4, 7), 9, 11))
        .await
        .expect("session");
    let id = generated(&env, &p, ymd(2026, 4, 1))
        .await
        .invoice
        .expect("invoice")
        .id;
    let step = |m: Move, to: S| {
        let (env, p, id) = (&env, &p, &id);
        async move {
            let moved = make(env, p, id, m).await.expect("in the state table");
            assert_eq!(moved.state, to as i32, "{m:?}");
        }
    };
    let all = [Move::Submit, Move::Approve, Move::Return, Move::Pay];

    // DRAFT → SUBMITTED only.
    let wrong = [Move::Approve, Move::Return, Move::Pay];
    refused(&env, &p, &id, S::Draft, &wrong, Some(NotApproved)).await;
    step(Move::Submit, S::Submitted).await;
    // SUBMITTED → APPROVED or RETURNED.
    let wrong = [Move::Submit, Move::Pay];
    refused(&env, &p, &id, S::Submitted, &wrong, Some(NotApproved)).await;
    step(Move::Return, S::Returned).await;
    // RETURNED → SUBMITTED only.
    let wrong = [Move::Approve, Move::Return, Move::Pay];
    refused(&env, &p, &id, S::Returned, &wrong, Some(NotApproved)).await;
    step(Move::Submit, S::Submitted).await;
    step(Move::Approve, S::Approved).await;
    // APPROVED → EXPORTED only, by the financial system's acknowledgement.
    refused(&env, &p, &id, S::Approved, &all, None).await;
    let results = ack(&env, "export-1", std::slice::from_ref(&id)).await;
    assert_eq!(results[0].outcome, bpb::AckOutcome::Acknowledged as i32);
    // EXPORTED → PAID only; acknowledged once.
    let wrong = [Move::Submit, Move::Approve, Move::Return];
    refused(
        &env,
        &p,
        &id,
        S::Exported,
        &wrong,
        Some(AlreadyAcknowledged),
    )
    .await;
    step(Move::Pay, S::Paid).await;
    // PAID: the end.
    refused(&env, &p, &id, S::Paid, &all, Some(AlreadyAcknowledged)).await;
    let paid = invoice(&env, &env.admin(), &id).await.expect("invoice");
    assert_eq!(paid.export_id, "export-1");
    assert_eq!(paid.paid_on, d(ymd(2026, 5, 20)));
}

/// `p`'s invoice of last month, generated by the county administrator.
async fn last_months_invoice(env: &Env, p: &str) -> bpb::Invoice {
    let answer = generate(env, &env.admin(), p, month_ago(1)).await;
    answer.expect("ok").invoice.expect("ok")
}
