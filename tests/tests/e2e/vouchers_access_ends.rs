//! Access that ends (issue 14): a provider's user reads an ended voucher and its client for
//! `SETELI_PROVIDER_ACCESS_AFTER_END_DAYS` (90) days after the end — for the final report and
//! the last invoice — and then they are NOT_FOUND to it; the county still reads them.
//!
//! Time moves by restarting vouchers on a later pinned clock (`Env::restart_at`).

use chrono::{Duration, Utc};
use seteli_api::vouchers::v1 as pb;
use seteli_platform::clock::Clock;
use seteli_tests::fixtures::*;
use tonic::Code;

/// What a provider's user can read of `voucher` and `client`: (voucher, client, listed).
async fn provider_reads(
    env: &Env,
    provider: &str,
    voucher: &str,
    client: &str,
) -> (bool, bool, bool) {
    let token = env.provider_user(provider);
    let voucher_read = match read_voucher(env, &token, voucher).await {
        Ok(_) => true,
        Err(status) => {
            assert_eq!(status.code(), Code::NotFound, "{status:?}");
            false
        }
    };
    let client_read = match read_client(env, &token, client).await {
        Ok(_) => true,
        Err(status) => {
            assert_eq!(status.code(), Code::NotFound, "{status:?}");
            false
        }
    };
    let listed = list_vouchers(env, &token, pb::ListVouchersRequest::default())
        .await
        .expect("list")
        .vouchers
        .iter()
        .any(|v| v.id == voucher);
    (voucher_read, client_read, listed)
}

#[tokio::test]
async fn a_providers_access_to_an_ended_voucher_and_its_client_ends_after_the_period() {
    let start = Utc::now();
    let mut env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers])
        .clock(Clock::fixed(start))
        .prices(Prices::County)
        .start()
        .await;
    let provider = approved_provider(&env, "Päättyvä Palvelu Oy", 1_950_001, SIILINJARVI).await;
    let client = client_at(&env, 195, SIILINJARVI).await;
    let voucher = active_voucher(&env, &provider, ktt_decision(&client.id)).await;
    assert_eq!(
        provider_reads(&env, &provider, &voucher, &client.id).await,
        (true, true, true)
    );
    // The social worker cancels it today.
    cancel_voucher(
        &env,
        &env.social_worker(),
        &voucher,
        pb::EndReasonKind::ClientMoved,
        "Asiakas muutti pois hyvinvointialueelta.",
    )
    .await
    .expect("cancel");

    // 90 days on: still readable, for the final report and the last invoice.
    env.restart_at(Svc::Vouchers, Clock::fixed(start + Duration::days(90)))
        .await;
    assert_eq!(
        provider_reads(&env, &provider, &voucher, &client.id).await,
        (true, true, true)
    );
    // 91 days on: gone for the provider.
    env.restart_at(Svc::Vouchers, Clock::fixed(start + Duration::days(91)))
        .await;
    assert_eq!(
        provider_reads(&env, &provider, &voucher, &client.id).await,
        (false, false, false)
    );
    // The county keeps its register.
    read_voucher(&env, &env.social_worker(), &voucher)
        .await
        .expect("the county reads it");
    read_client(&env, &env.social_worker(), &client.id)
        .await
        .expect("and the client");
}
