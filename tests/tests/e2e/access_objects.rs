//! Least privilege at the level of objects (issue 30): a social worker reads the sessions of
//! the clients whose vouchers they are responsible for, and another social worker gets the same
//! NOT_FOUND for a client filter as for the voucher itself (the daily record in a session's
//! notes is health-related data); "not yours" and "not there" are one answer naming only what
//! was asked for.

use seteli_api::attendance::v1 as apb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

async fn sessions_of_client(
    env: &Env,
    token: &str,
    client_id: &str,
) -> Result<Vec<apb::Session>, tonic::Status> {
    env.a()
        .list_sessions(with_token(token, of_client(client_id)))
        .await
        .map(|r| r.into_inner().sessions)
}

#[tokio::test]
async fn another_social_workers_client_filter_finds_nothing() {
    let env = start_attendance().await;
    let p = approved_provider(&env, "Valmennus ry", 1_030_001, SIILINJARVI).await;
    let from = today();
    let v = ktt_voucher(&env, &p, 501, from, validity_end(from, 3)).await;
    let mut details = at(today(), 9, 11);
    details.notes = "Masennusjakso, lääkitys muuttui.".into();
    record(&env, &p, &v, details).await.expect("session");
    let client = voucher_usage(&env, &v).await.client_id;

    // The voucher's own social worker and the county's administrator read them.
    let own = sessions_of_client(&env, &env.social_worker(), &client)
        .await
        .expect("own client");
    assert_eq!(own.len(), 1);
    assert_eq!(
        sessions_of_client(&env, &env.admin(), &client)
            .await
            .expect("admin")
            .len(),
        1
    );
    // Another social worker: the same answer as for the voucher, NOT_FOUND.
    let other = other_social_worker(&env);
    let err = sessions_of_client(&env, &other, &client)
        .await
        .expect_err("not their client");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    let err = env
        .a()
        .list_sessions(with_token(&other, of_voucher(&v)))
        .await
        .expect_err("not their voucher");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
    // A client nobody holds a voucher for answers the same.
    let err = sessions_of_client(&env, &other, "no-such-client")
        .await
        .expect_err("no such client");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
}

#[tokio::test]
async fn another_providers_session_is_not_there_and_names_nothing_else() {
    let env = start_attendance().await;
    let a = approved_provider(&env, "Valmennus ry", 1_030_003, SIILINJARVI).await;
    let b = approved_provider(&env, "Kilpailija Oy", 1_030_004, SIILINJARVI).await;
    let from = today();
    let v = ktt_voucher(&env, &a, 503, from, validity_end(from, 3)).await;
    let s = record(&env, &a, &v, at(today(), 9, 11))
        .await
        .expect("session");
    let token = env.provider_user(&b);
    let not_there = |err: tonic::Status, what: &str| {
        assert_eq!(err.code(), Code::NotFound, "{what}: {err:?}");
        assert!(
            !err.message().contains(&v) && err.message().contains(&s.id),
            "{what}: {}",
            err.message()
        );
    };
    let by_client = apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        cancelled_on: d(today()),
        ..Default::default()
    };
    not_there(
        cancel(&env, &b, &s.id, by_client.clone())
            .await
            .expect_err("not B's"),
        "cancel",
    );
    not_there(
        correct_session(&env, &token, &s.id, at(today(), 9, 10), "Korjaus.")
            .await
            .expect_err("not B's"),
        "correct",
    );
    not_there(
        void_session(&env, &token, &s.id, "Väärä asiakas.")
            .await
            .expect_err("not B's"),
        "void",
    );
    // A session that does not exist answers the same.
    let err = cancel(&env, &b, "01a00000-0000-7000-8000-000000000000", by_client)
        .await
        .expect_err("no such session");
    assert_eq!(err.code(), Code::NotFound, "{err:?}");
}

/// Every answer another social worker gets for `client` and its voucher `v`: NOT_FOUND, as for
/// what is not there.
async fn not_in_caseload(env: &Env, token: &str, client: &str, v: &str, provider: &str) {
    use seteli_api::vouchers::v1 as pb;
    let not_there = |r: Result<_, tonic::Status>, what: &str| {
        refused_with(r, Code::NotFound, what);
    };
    not_there(
        read_client(env, token, client).await.map(|_| ()),
        "GetClient",
    );
    let details = client_details(&hetu(ymd(1990, 5, 5), 504), "Kuopio", KUOPIO);
    let update = env
        .v()
        .update_client(with_token(
            token,
            pb::UpdateClientRequest {
                request_id: rid(),
                validate_only: false,
                client_id: client.into(),
                details: Some(details),
            },
        ))
        .await;
    not_there(update.map(|_| ()), "UpdateClient");
    not_there(
        issue_as(env, token, ktt_decision(client)).await.map(|_| ()),
        "IssueVoucher",
    );
    not_there(read_voucher(env, token, v).await.map(|_| ()), "GetVoucher");
    not_there(
        choose_as(env, token, v, provider, None).await.map(|_| ()),
        "ChooseProvider",
    );
    not_there(
        cancel_voucher(
            env,
            token,
            v,
            pb::EndReasonKind::ClientMoved,
            "Asiakas muutti.",
        )
        .await
        .map(|_| ()),
        "CancelVoucher",
    );
    not_there(
        interrupt_voucher(
            env,
            token,
            v,
            pb::EndReasonKind::ClientMoved,
            "Asiakas muutti.",
            d(today()),
        )
        .await
        .map(|_| ()),
        "InterruptVoucher",
    );
    // Lists leave them out, the identity code search included.
    let listed = list_clients(env, token, pb::ListClientsRequest::default())
        .await
        .expect("list clients")
        .clients;
    assert!(listed.iter().all(|c| c.id != client), "{listed:?}");
    let by_code = pb::ListClientsRequest {
        identity_code: hetu(ymd(1990, 5, 5), 504),
        ..Default::default()
    };
    let found = list_clients(env, token, by_code)
        .await
        .expect("by identity code")
        .clients;
    assert!(found.is_empty(), "{found:?}");
    let vouchers = list_vouchers(env, token, pb::ListVouchersRequest::default())
        .await
        .expect("list vouchers")
        .vouchers;
    assert!(vouchers.iter().all(|x| x.id != v), "{vouchers:?}");
}

#[tokio::test]
async fn a_social_worker_reads_and_acts_on_their_own_caseload_only() {
    let env = start_attendance().await;
    let p = approved_provider(&env, "Valmennus ry", 1_030_005, SIILINJARVI).await;
    // Registered by the county's administrator: nobody's client yet, the intake every social
    // worker sees.
    let details = client_details(&hetu(ymd(1990, 5, 5), 504), "Siilinjärvi", SIILINJARVI);
    let client = create_client_as(&env, &env.admin(), details)
        .await
        .expect("registered")
        .id;
    let other = other_social_worker(&env);
    read_client(&env, &other, &client)
        .await
        .expect("in the intake, before any decision");
    // The kit's social worker decides: the client is theirs from now on.
    let v = issue_as(&env, &env.social_worker(), ktt_decision(&client))
        .await
        .expect("issued")
        .id;
    not_in_caseload(&env, &other, &client, &v, &p).await;
    // Their own social worker and the county's administrator still do everything.
    read_client(&env, &env.social_worker(), &client)
        .await
        .expect("own client");
    read_voucher(&env, &env.admin(), &v)
        .await
        .expect("the county's administrator");
    choose_as(&env, &env.social_worker(), &v, &p, None)
        .await
        .expect("own voucher");
    // A client another social worker registered is theirs, not the kit's social worker's.
    let details = client_details(&hetu(ymd(1990, 5, 5), 505), "Kuopio", KUOPIO);
    let theirs = create_client_as(&env, &other, details)
        .await
        .expect("registered by the other")
        .id;
    refused_with(
        read_client(&env, &env.social_worker(), &theirs).await,
        Code::NotFound,
        "another's client",
    );
}

#[tokio::test]
async fn a_social_worker_resolves_their_own_clients_alerts_and_not_the_providers() {
    let env = start_attendance().await;
    let p = approved_provider(&env, "Valmennus ry", 1_030_006, SIILINJARVI).await;
    let from = days(today(), -20);
    let v = ktt_voucher(&env, &p, 506, from, validity_end(from, 3)).await;
    // Two no-shows in a row: ABS-REPEATED for the provider and for the social worker.
    no_show(&env, &p, &v, days(today(), -1)).await;
    no_show(&env, &p, &v, today()).await;
    let mine = env.social_worker();
    let of = |audience: apb::AlertAudience, list: &[apb::Alert]| {
        list.iter()
            .find(|a| a.rule_id == "ABS-REPEATED" && a.audience == audience as i32)
            .cloned()
            .expect("an ABS-REPEATED alert")
    };
    let everything = alerts(&env, &env.admin(), apb::ListAlertsRequest::default()).await;
    let providers = of(apb::AlertAudience::Provider, &everything);
    let social_workers = of(apb::AlertAudience::SocialWorker, &everything);
    let resolve = |token: String, id: String| {
        let env = &env;
        async move {
            env.a()
                .resolve_alert(with_token(
                    &token,
                    apb::ResolveAlertRequest {
                        request_id: rid(),
                        validate_only: false,
                        alert_id: id,
                        resolution: "Soitettu asiakkaalle.".into(),
                    },
                ))
                .await
                .map(|r| r.into_inner())
        }
    };
    // Another social worker: the client's alerts are not there, even when asked by name.
    let other = other_social_worker(&env);
    let asked = apb::ListAlertsRequest {
        social_worker: "test-social_worker".into(),
        ..Default::default()
    };
    assert!(alerts(&env, &other, asked).await.is_empty());
    refused_with(
        resolve(other.clone(), social_workers.id.clone()).await,
        Code::NotFound,
        "another's client's alert",
    );
    // Their own social worker: not the provider's duty, but their own.
    refused_with(
        resolve(mine.clone(), providers.id.clone()).await,
        Code::PermissionDenied,
        "the provider's alert",
    );
    resolve(mine, social_workers.id)
        .await
        .expect("their own alert");
}
