//! Tokens as the county's identity provider issues them, through a running service (the
//! provider registry; every service verifies tokens in the kit): audience arrays, `nbf`, `typ`,
//! a maximum lifetime, a non-empty subject, a claim layout that is configuration, keys from a
//! JWKS URL that rotate without a restart, and dev keys refused outside dev mode.

use serde_json::{Value, json};
use seteli_api::providers::v1 as pb;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::devkeys::{DEV_ISSUER, DEV_KID, DevKey, jwks_json_of};
use seteli_platform::testing::{AUDIENCE, ISSUER, JwksServer, with_token};
use seteli_tests::fixtures::*;
use tonic::{Code, Status};

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Claims as a test token carries them, valid for ten minutes.
fn claims() -> Value {
    json!({
        "iss": ISSUER, "aud": AUDIENCE, "sub": "sw-1", "iat": now(), "exp": now() + 600,
        "role": "social_worker"
    })
}

/// `base` with `changes` (a `null` removes the claim).
fn with(mut base: Value, changes: Value) -> Value {
    for (k, v) in changes.as_object().expect("object") {
        if v.is_null() {
            base.as_object_mut().expect("object").remove(k);
        } else {
            base[k] = v.clone();
        }
    }
    base
}

/// ListProviders with `token`.
async fn call(env: &Env, token: &str) -> Result<(), Status> {
    list_providers(&mut env.p(), token, every_provider())
        .await
        .map(|_| ())
}

#[tokio::test]
async fn an_audience_array_and_an_access_token_typ_are_accepted() {
    let env = registry().await;
    let key = &env.keys.key;
    for (what, claims, typ) in [
        (
            "aud array",
            with(claims(), json!({"aud": ["account", AUDIENCE]})),
            Some("JWT"),
        ),
        ("RFC 9068 access token", claims(), Some("at+jwt")),
        ("no typ", claims(), None),
        ("no iat", with(claims(), json!({"iat": null})), None),
    ] {
        let token = key.sign_json(&claims, typ).expect("sign");
        call(&env, &token)
            .await
            .unwrap_or_else(|e| panic!("{what}: {e:?}"));
    }
}

#[tokio::test]
async fn every_nonstandard_token_is_refused_unauthenticated_saying_why() {
    let env = registry().await;
    let key = &env.keys.key;
    let cases: Vec<(&str, Value, Option<&str>, &str)> = vec![
        (
            "nbf in the future",
            with(claims(), json!({"nbf": now() + 3600})),
            None,
            "not valid yet",
        ),
        ("wrong typ", claims(), Some("dpop+jwt"), "typ"),
        (
            "lifetime over 24 h",
            with(claims(), json!({"exp": now() + 2 * 86_400})),
            None,
            "longer than the 86400 s",
        ),
        (
            "no iat, exp 25 h from now",
            with(claims(), json!({"iat": null, "exp": now() + 25 * 3600})),
            None,
            "longer than",
        ),
        (
            "empty sub",
            with(claims(), json!({"sub": ""})),
            None,
            "empty subject",
        ),
        (
            "no sub",
            with(claims(), json!({"sub": null})),
            None,
            "no subject",
        ),
        (
            "aud array without us",
            with(claims(), json!({"aud": ["account", "other"]})),
            None,
            "another audience",
        ),
    ];
    for (what, claims, typ, why) in cases {
        let token = key.sign_json(&claims, typ).expect("sign");
        let err = call(&env, &token).await.expect_err(what);
        assert_eq!(err.code(), Code::Unauthenticated, "{what}: {err:?}");
        assert!(err.message().contains(why), "{what}: {err:?}");
    }
}

#[tokio::test]
async fn the_role_and_provider_come_from_where_configuration_says() {
    let env = registry_tweaked(|c| {
        c.jwt_role_claim = "realm_access.roles".into();
        c.jwt_provider_claim = "seteli.provider".into();
    })
    .await;
    let key = &env.keys.key;
    // A Keycloak-shaped access token: realm roles in an array among Keycloak's own.
    let keycloak = |roles: Value, provider: Option<&str>| {
        let mut c = json!({
            "exp": now() + 300, "iat": now(), "jti": "8f1e…", "iss": ISSUER,
            "aud": [AUDIENCE, "account"], "sub": "0b0c5f1e-8d5c-4f0a-9b1e-3c1d2e3f4a5b",
            "typ": "Bearer", "azp": "seteli-portal", "scope": "openid profile",
            "realm_access": {"roles": roles},
            "resource_access": {"account": {"roles": ["manage-account"]}},
            "preferred_username": "maija"
        });
        if let Some(p) = provider {
            c["seteli"] = json!({ "provider": p });
        }
        key.sign_json(&c, Some("at+jwt")).expect("sign")
    };
    let admin = keycloak(
        json!(["offline_access", "uma_authorization", "county_admin"]),
        None,
    );
    // The county admin's role is read from realm_access.roles: it may create a provider.
    let created = env
        .p()
        .create_provider(with_token(
            &admin,
            pb::CreateProviderRequest {
                request_id: rid(),
                validate_only: false,
                details: Some(details(
                    "Keycloak ry",
                    "1234560-4",
                    pb::LegalForm::Association,
                )),
            },
        ))
        .await
        .expect("county_admin from realm_access.roles")
        .into_inner();
    let id = created.provider.expect("provider").id;
    // A provider user's provider comes from seteli.provider: it reads its own provider.
    let own = keycloak(json!(["offline_access", "provider_user"]), Some(&id));
    read_provider(&mut env.p(), &own, &id)
        .await
        .expect("provider_user of its own provider");
    // No Seteli role among the realm roles: authenticated, but no access.
    let none = keycloak(json!(["offline_access"]), None);
    let err = call(&env, &none).await.expect_err("no role");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    // Today's layout (a `role` claim) is not read under this configuration.
    let today = env.keys.token("county_admin", None);
    let err = call(&env, &today).await.expect_err("role claim ignored");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
}

/// The registry alone with every price, its configuration changed by `tweak`.
async fn registry_tweaked(tweak: impl Fn(&mut Config) + Send + Sync) -> Env {
    let registry = Env::builder().services(&[Svc::Providers]);
    registry
        .prices(Prices::Every)
        .tweak(|_, c| tweak(c))
        .start()
        .await
}

/// The registry with its keys from `jwks` (a URL), in dev mode as every test server.
async fn start_with_jwks_url(jwks: &JwksServer) -> Env {
    registry_tweaked(|c| c.jwks_url = Some(jwks.url.clone())).await
}

fn token_of(key: &DevKey) -> String {
    key.token(ISSUER, AUDIENCE, "sw-1", "social_worker", None, 600)
        .expect("sign")
}

#[tokio::test]
async fn keys_rotate_at_the_jwks_url_without_a_restart() {
    let old = DevKey::generate("idp-2026-01");
    let new = DevKey::generate("idp-2026-02");
    let jwks = JwksServer::start(old.jwks_json()).await;
    let env = start_with_jwks_url(&jwks).await;
    let old_token = token_of(&old);
    call(&env, &old_token).await.expect("old key");
    call(&env, &old_token).await.expect("old key, remembered");
    assert_eq!(jwks.fetches(), 1, "fetched once at start");

    // The identity provider rotates: the new key replaces the old one in its JWKS.
    jwks.publish(new.jwks_json());
    let new_token = token_of(&new);
    // The first call with the new kid makes the service read the JWKS again.
    let first = call(&env, &new_token).await;
    if let Err(e) = &first {
        assert_eq!(e.code(), Code::Unauthenticated, "{e:?}");
    }
    eventually("a token of the rotated key is accepted", || {
        let (env, token) = (&env, &new_token);
        async move { call(env, token).await.is_ok() }
    })
    .await;
    // The withdrawn key is no longer trusted, though its token was verified (and cached).
    let err = call(&env, &old_token).await.expect_err("withdrawn key");
    assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
    assert!(err.message().contains("unknown signing key"), "{err:?}");
    assert_eq!(jwks.fetches(), 2, "one fetch at start, one for the new kid");
}

#[tokio::test]
async fn a_storm_of_unknown_key_ids_fetches_the_jwks_at_most_once() {
    let key = DevKey::generate("idp-1");
    let jwks = JwksServer::start(key.jwks_json()).await;
    let env = start_with_jwks_url(&jwks).await;
    let storm = || async {
        let calls = (0..100).map(|i| {
            let token = token_of(&DevKey::generate(&format!("made-up-{i}")));
            let env = &env;
            async move { call(env, &token).await }
        });
        for result in futures::future::join_all(calls).await {
            let err = result.expect_err("unknown kid");
            assert_eq!(err.code(), Code::Unauthenticated, "{err:?}");
        }
    };
    storm().await;
    eventually("the storm's one fetch", || async { jwks.fetches() == 2 }).await;
    storm().await;
    // A fetch the second storm (wrongly) caused would show within this time.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(
        jwks.fetches(),
        2,
        "at most one fetch per 30 s for unknown kids"
    );
    call(&env, &token_of(&key))
        .await
        .expect("a good token still works");
}

/// How the start of a registry configured by `tweak` ended (the server stops at once when its
/// configuration is refused).
async fn start_result(tweak: impl Fn(&mut Config) + Send + Sync) -> String {
    let mut env = Env::builder().services(&[Svc::Providers]);
    env = env.tweak(|_, c| tweak(c));
    match env.start().await.take(Svc::Providers).stop().await {
        Ok(()) => "started".into(),
        Err(e) => {
            let key = e
                .downcast_ref::<ConfigError>()
                .map(|c| c.key.clone())
                .unwrap_or_default();
            format!("{key}: {e:#}")
        }
    }
}

#[tokio::test]
async fn the_dev_issuer_and_dev_key_are_refused_outside_dev_mode() {
    let refused = start_result(|c| {
        c.dev = false;
        c.jwt_issuer = DEV_ISSUER.into();
    })
    .await;
    assert!(refused.starts_with("SETELI_JWT_ISSUER:"), "{refused}");
    assert!(refused.contains("SETELI_DEV"), "{refused}");

    let dev_key = DevKey::generate(DEV_KID);
    let jwks = JwksServer::start(jwks_json_of(&[&DevKey::generate("idp-1"), &dev_key])).await;
    let url = jwks.url.clone();
    let refused = start_result(move |c| {
        c.dev = false;
        c.jwks_url = Some(url.clone());
    })
    .await;
    assert!(refused.starts_with("SETELI_JWKS_URL:"), "{refused}");
    assert!(refused.contains(DEV_KID), "{refused}");

    // In dev mode (as test servers run) the same keys are accepted.
    let url = jwks.url.clone();
    let env = Env::builder()
        .services(&[Svc::Providers])
        .tweak(move |_, c| c.jwks_url = Some(url.clone()))
        .start()
        .await;
    call(
        &env,
        &dev_key
            .token(ISSUER, AUDIENCE, "dev", "auditor", None, 600)
            .expect("sign"),
    )
    .await
    .expect("dev key in dev mode");
}

#[tokio::test]
async fn a_start_without_usable_keys_is_a_clear_error() {
    let jwks = JwksServer::start(r#"{"keys": []}"#.into()).await;
    let url = jwks.url.clone();
    let refused = start_result(move |c| c.jwks_url = Some(url.clone())).await;
    assert!(refused.contains("SETELI_JWKS_URL"), "{refused}");
    assert!(refused.contains("no usable signing key"), "{refused}");
}
