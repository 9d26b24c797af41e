//! Authentication and object-level access: every token failure, roles, provider scoping.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use seteli_api::providers::v1 as pb;
use seteli_platform::devkeys::DevKey;
use seteli_platform::testing::{AUDIENCE, ISSUER, with_token};
use seteli_tests::fixtures::*;
use tonic::Code;

#[tokio::test]
async fn every_bad_token_is_unauthenticated() {
    let env = registry().await;
    let mut c = env.p();
    let key = &env.keys.key;
    let none_token = format!(
        "{}.{}.",
        URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT","kid":"test-key"}"#),
        URL_SAFE_NO_PAD.encode(format!(
            r#"{{"sub":"x","iss":"{ISSUER}","aud":"{AUDIENCE}","exp":4102444800,"role":"county_admin"}}"#
        ))
    );
    let cases: Vec<(&str, String)> = vec![
        ("alg none", none_token),
        (
            "unknown kid",
            DevKey::generate("someone-else")
                .token(ISSUER, AUDIENCE, "x", "county_admin", None, 600)
                .expect("token"),
        ),
        (
            "wrong key with our kid",
            DevKey::generate("test-key")
                .token(ISSUER, AUDIENCE, "x", "county_admin", None, 600)
                .expect("token"),
        ),
        (
            "expired",
            key.token(ISSUER, AUDIENCE, "x", "county_admin", None, -3600)
                .expect("token"),
        ),
        (
            "wrong audience",
            key.token(ISSUER, "another-system", "x", "county_admin", None, 600)
                .expect("token"),
        ),
        (
            "wrong issuer",
            key.token("evil", AUDIENCE, "x", "county_admin", None, 600)
                .expect("token"),
        ),
        ("garbage", "not.a.token".into()),
    ];
    for (what, token) in cases {
        let err = list_providers(&mut c, &token, every_provider())
            .await
            .expect_err(what);
        assert_eq!(err.code(), Code::Unauthenticated, "{what}: {err:?}");
    }
    // No authorization header at all.
    refused_with(
        c.list_providers(tonic::Request::new(every_provider()))
            .await,
        Code::Unauthenticated,
        "no token",
    );
    // A good token works.
    list_providers(
        &mut c,
        &env.keys.token("social_worker", None),
        every_provider(),
    )
    .await
    .expect("valid token");
}

#[tokio::test]
async fn wrong_roles_are_permission_denied() {
    let (env, a, mut c) = registry_desk().await;
    refused_with(
        try_create(
            &mut c,
            &a.social_worker,
            details("X ry", "1234560-4", pb::LegalForm::Association),
        )
        .await,
        Code::PermissionDenied,
        "social worker cannot create",
    );

    let p = complete_provider(&mut c, &a.admin, "Oma ry", "1234561-2", KUOPIO).await;
    let own = env.keys.token("provider_user", Some(&p.id));
    // A provider's user submits its own provider but cannot approve it.
    submit(&mut c, &own, &p.id).await.expect("own user submits");
    refused_with(
        approve(&mut c, &own, &p.id).await,
        Code::PermissionDenied,
        "cannot self-approve",
    );
    // A provider_user token without provider_id is refused.
    refused_with(
        list_providers(
            &mut c,
            &env.keys.token("provider_user", None),
            every_provider(),
        )
        .await,
        Code::PermissionDenied,
        "unscoped provider user",
    );
    // Audit log is for auditors only.
    use seteli_api::audit::v1::ListAuditEntriesRequest;
    use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
    refused_with(
        AuditServiceClient::new(env.providers().channel())
            .list_audit_entries(with_token(&a.admin, ListAuditEntriesRequest::default()))
            .await,
        Code::PermissionDenied,
        "admin is not an auditor",
    );
}

#[tokio::test]
async fn a_providers_user_cannot_read_or_edit_another_providers_draft() {
    let (env, a, mut c) = registry_desk().await;
    let pa = association(&mut c, &a.admin, "A ry", "1234560-4").await;
    let pb_ = association(&mut c, &a.admin, "B ry", "1234561-2").await;
    let user_a = env.keys.token("provider_user", Some(&pa.id));

    refused_with(
        read_provider(&mut c, &user_a, &pb_.id).await,
        Code::NotFound,
        "B's draft is invisible to A",
    );
    refused_with(
        try_add_kuopio_site(&mut c, &user_a, &pb_.id).await,
        Code::NotFound,
        "cannot edit B",
    );
    refused_with(
        submit(&mut c, &user_a, &pb_.id).await,
        Code::NotFound,
        "cannot submit B",
    );
    let listed = list_providers(&mut c, &user_a, every_provider())
        .await
        .expect("list")
        .providers;
    assert_eq!(listed.len(), 1, "A sees only itself: {listed:?}");
    assert_eq!(listed[0].id, pa.id);

    // A's own draft is readable and editable by A.
    read_provider(&mut c, &user_a, &pa.id)
        .await
        .expect("own draft");
    try_add_kuopio_site(&mut c, &user_a, &pa.id)
        .await
        .expect("own edit");
}

#[tokio::test]
async fn another_approved_provider_is_visible_without_staff_and_not_editable() {
    let (env, a, mut c) = registry_desk().await;
    let pa = association(&mut c, &a.admin, "A ry", "1234560-4").await;
    let pb_ = complete_provider(&mut c, &a.admin, "B ry", "1234561-2", KUOPIO).await;
    submit(&mut c, &a.admin, &pb_.id).await.expect("submit");
    approve(&mut c, &a.admin, &pb_.id).await.expect("approve");
    let user_a = env.keys.token("provider_user", Some(&pa.id));
    let seen = read_provider(&mut c, &user_a, &pb_.id)
        .await
        .expect("approved B is public");
    assert!(seen.staff.is_empty() && seen.documents.is_empty());
    assert!(!seen.offerings.is_empty());
    refused_with(
        try_add_kuopio_site(&mut c, &user_a, &pb_.id).await,
        Code::PermissionDenied,
        "cannot edit B",
    );
}
