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
        .list_sessions(with_token(
            token,
            apb::ListSessionsRequest {
                client_id: client_id.into(),
                ..Default::default()
            },
        ))
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
        .list_sessions(with_token(
            &other,
            apb::ListSessionsRequest {
                voucher_id: v.clone(),
                ..Default::default()
            },
        ))
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
