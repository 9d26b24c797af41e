//! Report obligations derived from the followed vouchers (REP-INTERIM, REP-INTERIM-SK,
//! REP-FINAL): due dates rolled over weekends and holidays, and kept current when a voucher is
//! interrupted, completed early or cancelled.

use chrono::{Datelike, Weekday};
use seteli_api::common::v1::ServiceType;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::testing::with_token;
use seteli_rules::calendar::{is_holiday, is_weekend, next_business_day_on_or_after};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;

const INTERIM: &str = "REP-INTERIM";
const INTERIM_SK: &str = "REP-INTERIM-SK";
const FINAL: &str = "REP-FINAL";

/// The rolled due date of a deadline `raw`: the next business day on or after it.
fn rolled(raw: chrono::NaiveDate) -> chrono::NaiveDate {
    next_business_day_on_or_after(raw)
}

#[tokio::test]
async fn due_dates_move_over_a_weekend_and_a_holiday() {
    let env = start_reporting().await;
    let p = approved_provider(&env, "Valmennus ry", 1_000_301, SIILINJARVI).await;
    let from = today();

    // The period ends so that both deadlines fall on a Saturday (they are 35 days apart).
    // KTT vouchers are valid 3–4 months (TERM-VALIDITY).
    let shortest = validity_end(from, 3);
    let until = (0..=28)
        .map(|n| days(shortest, n))
        .find(|u| days(*u, 14).weekday() == Weekday::Sat)
        .expect("a Saturday");
    let v = ktt_voucher(&env, &p, 301, from, until).await;
    let interim_raw = days(until, -21);
    let final_raw = days(until, 14);
    assert_eq!(interim_raw.weekday(), Weekday::Sat);
    let got = owed_becomes(
        &env,
        &v,
        &[(INTERIM, rolled(interim_raw)), (FINAL, rolled(final_raw))],
    )
    .await;
    for (rule, due) in &got {
        assert!(
            !is_weekend(*due) && *due > interim_raw.min(final_raw),
            "{rule} due {due} is on a weekend or not moved"
        );
    }
    assert!(
        rolled(final_raw) >= days(final_raw, 2),
        "moved to Monday at least"
    );

    // A final deadline on a weekday holiday moves to the next business day, when the next
    // few months have one.
    if let Some(until) = (0..=28)
        .map(|n| days(shortest, n))
        .find(|u| is_holiday(days(*u, 14)) && !is_weekend(days(*u, 14)))
    {
        let w = ktt_voucher(&env, &p, 302, from, until).await;
        let raw = days(until, 14);
        let got = owed_becomes(
            &env,
            &w,
            &[(INTERIM, rolled(days(until, -21))), (FINAL, rolled(raw))],
        )
        .await;
        assert!(got.iter().all(|(_, due)| *due != raw), "holiday {raw} kept");
    }

    // An SK voucher that simply ends owes only the final report (REP-INTERIM-SK only when the
    // service continues).
    let sk_until = validity_end(from, 2);
    let s = sk_group_voucher(&env, &p, 303, from, sk_until).await;
    let got = owed_becomes(&env, &s, &[(FINAL, rolled(days(sk_until, 14)))]).await;
    assert!(got.iter().all(|(rule, _)| rule != INTERIM_SK));

    // The issuing social worker's own list and the provider's list both show them.
    let mine = list_obligations(
        &env,
        &env.social_worker(),
        rpb::ListObligationsRequest::default(),
    )
    .await
    .expect("own list");
    assert!(mine.iter().any(|o| o.voucher_id == v));
    // The provider's list follows the voucher's later changes (chosen, accepted) too.
    let provider_user = env.provider_user(&p);
    let (env_ref, token, sk) = (&env, &provider_user, &s);
    eventually("the provider's list shows the SK voucher", || async move {
        list_obligations(env_ref, token, rpb::ListObligationsRequest::default())
            .await
            .is_ok_and(|list| list.iter().any(|o| &o.voucher_id == sk))
    })
    .await;
    let providers = list_obligations(
        &env,
        &env.provider_user(&p),
        rpb::ListObligationsRequest::default(),
    )
    .await
    .expect("provider list");
    assert!(providers.iter().all(|o| o.provider_id == p));
    assert!(
        providers
            .iter()
            .all(|o| o.status == rpb::ObligationStatus::Due as i32)
    );
}

#[tokio::test]
async fn interruption_completion_and_cancellation_move_rep_final() {
    let env = start_reporting().await;
    let p = approved_provider(&env, "Valmennus ry", 1_000_311, SIILINJARVI).await;
    let from = today();
    let until = validity_end(from, 3);

    // Interrupted today: REP-FINAL 14 days after today; the interim not yet due is dropped.
    let v = ktt_voucher(&env, &p, 311, from, until).await;
    owed_becomes(
        &env,
        &v,
        &[
            (INTERIM, rolled(days(until, -21))),
            (FINAL, rolled(days(until, 14))),
        ],
    )
    .await;
    env.v()
        .interrupt_voucher(with_token(
            &env.provider_user(&p),
            vpb::InterruptVoucherRequest {
                request_id: rid(),
                voucher_id: v.clone(),
                reason: "Asiakas muutti paikkakunnalta.".into(),
                interrupted_on: d(from),
            },
        ))
        .await
        .expect("interrupt");
    owed_becomes(&env, &v, &[(FINAL, rolled(days(from, 14)))]).await;

    // Completed early: the same, counted from the completion.
    let w = ktt_voucher(&env, &p, 312, from, until).await;
    start_service(&env, &p, start_request(&w, from, "", None))
        .await
        .expect("start");
    env.v()
        .complete_voucher(with_token(
            &env.provider_user(&p),
            vpb::CompleteVoucherRequest {
                request_id: rid(),
                voucher_id: w.clone(),
                completed_on: d(from),
            },
        ))
        .await
        .expect("complete");
    owed_becomes(&env, &w, &[(FINAL, rolled(days(from, 14)))]).await;

    // Cancelled before the service: nothing is owed any more.
    let c = client_at(&env, 313, SIILINJARVI).await;
    let x = issue(
        &env,
        decision(&c.id, ServiceType::KttIndividual, from, until, 30),
    )
    .await
    .expect("issue");
    owed_becomes(
        &env,
        &x.id,
        &[
            (INTERIM, rolled(days(until, -21))),
            (FINAL, rolled(days(until, 14))),
        ],
    )
    .await;
    env.v()
        .cancel_voucher(with_token(
            &env.social_worker(),
            vpb::CancelVoucherRequest {
                request_id: rid(),
                voucher_id: x.id.clone(),
                reason: "Asiakas ei tarvitse palvelua.".into(),
            },
        ))
        .await
        .expect("cancel");
    owed_becomes(&env, &x.id, &[]).await;
}
