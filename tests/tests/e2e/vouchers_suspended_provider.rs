//! A suspended or revoked provider's users may not work on vouchers (issue 14): accepting,
//! starting and recording sessions are refused with PROVIDER-NOT-APPROVED until the county
//! resumes the provider. Vouchers and attendance decide it from their copy of the registry's
//! change feed (issue 29): a suspension reaches them with the feed (each test waits until the
//! copies have it, `followed_as`), a resumption at once (the copy catches up before it
//! refuses).

use seteli_api::attendance::v1 as apb;
use seteli_api::providers::v1 as ppb;
use seteli_platform::testing::{rule_ids, with_token};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

/// Suspends `provider` and waits until vouchers and attendance (those running) follow it so.
async fn suspend(env: &Env, provider: &str) {
    suspend_provider(
        &mut env.p(),
        &env.admin(),
        ppb::SuspendProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: provider.into(),
            reason: "Vakuutus lakannut.".into(),
        },
    )
    .await
    .expect("suspend");
    followed_as(env, provider, false).await;
}

/// Resumes `provider` (no wait: the copies catch up before they refuse).
async fn resume(env: &Env, provider: &str) {
    env.p()
        .resume_provider(with_token(
            &env.admin(),
            ppb::ResumeProviderRequest {
                request_id: rid(),
                provider_id: provider.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("resume");
}

fn is_not_approved(status: &tonic::Status) -> bool {
    status.code() == Code::FailedPrecondition
        && rule_ids(status).contains(&"PROVIDER-NOT-APPROVED".to_owned())
}

#[tokio::test]
async fn a_suspended_provider_may_not_accept_a_voucher_until_resumed() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Tauolla Oy", 1_960_001, SIILINJARVI).await;
    let client = client_at(&env, 196, SIILINJARVI).await;
    let voucher = issue(&env, ktt_decision(&client.id)).await.expect("issue");
    choose(&env, &voucher.id, &provider).await.expect("choose");
    suspend(&env, &provider).await;
    let refused = accept_as(
        &env,
        &provider,
        accept_request(&voucher.id, "Olli Ohjaaja", Some(today())),
    )
    .await
    .expect_err("suspended");
    assert!(is_not_approved(&refused), "{refused:?}");
    resume(&env, &provider).await;
    accept_as(
        &env,
        &provider,
        accept_request(&voucher.id, "Olli Ohjaaja", Some(today())),
    )
    .await
    .expect("accepted once resumed");
}

#[tokio::test]
async fn a_suspended_provider_may_not_record_sessions() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Pysähtynyt Oy", 1_960_011, SIILINJARVI).await;
    let from = days(today(), -20);
    let voucher = ktt_voucher(&env, &provider, 197, from, validity_end(from, 3)).await;
    record(&env, &provider, &voucher, at(days(today(), -10), 9, 11))
        .await
        .expect("recorded while approved");
    suspend(&env, &provider).await;
    let refused = record(&env, &provider, &voucher, at(days(today(), -9), 9, 11))
        .await
        .expect_err("suspended");
    assert!(is_not_approved(&refused), "{refused:?}");
    let refused = env
        .a()
        .record_absence(with_token(
            &env.provider_user(&provider),
            apb::RecordAbsenceRequest {
                request_id: rid(),
                voucher_id: voucher.clone(),
                date: d(days(today(), -8)),
                kind: apb::AbsenceKind::Absent as i32,
                reason: apb::AbsenceReason::OwnIllness as i32,
                ..Default::default()
            },
        ))
        .await
        .expect_err("suspended");
    assert!(is_not_approved(&refused), "{refused:?}");
    assert_eq!(
        units_used(&env, &voucher).await,
        200,
        "nothing recorded after the suspension"
    );
    // Resumed, it records again at once: the copy catches up before it refuses.
    resume(&env, &provider).await;
    record(&env, &provider, &voucher, at(days(today(), -9), 9, 11))
        .await
        .expect("recorded once resumed");
}

#[tokio::test]
async fn a_revoked_provider_may_not_accept_a_voucher_nor_record_sessions() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Peruttu Oy", 1_960_021, SIILINJARVI).await;
    let from = days(today(), -20);
    let voucher = ktt_voucher(&env, &provider, 198, from, validity_end(from, 3)).await;
    let client = client_at(&env, 199, SIILINJARVI).await;
    let chosen = issue(&env, ktt_decision(&client.id)).await.expect("issue");
    choose(&env, &chosen.id, &provider).await.expect("choose");
    env.p()
        .revoke_provider(with_token(
            &env.admin(),
            ppb::RevokeProviderRequest {
                request_id: rid(),
                provider_id: provider.clone(),
                reason: "Sopimusrikkomus.".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("revoke");
    followed_as(&env, &provider, false).await;
    let refused = record(&env, &provider, &voucher, at(days(today(), -10), 9, 11))
        .await
        .expect_err("revoked");
    assert!(is_not_approved(&refused), "{refused:?}");
    let refused = accept(&env, &provider, &chosen.id)
        .await
        .expect_err("revoked");
    assert!(is_not_approved(&refused), "{refused:?}");
    assert_eq!(units_used(&env, &voucher).await, 0, "nothing recorded");
}
