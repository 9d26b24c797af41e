//! Signing in to the portals (web/, headless Chromium): without a token the sign-in view takes a
//! dev token (`make run`'s flow) and opens the role's portal; with the county's identity
//! provider configured (`config.json`), the OpenID Connect authorization-code flow with PKCE
//! runs through a stand-in identity provider (tests/src/identity_provider.rs) that checks the
//! S256 challenge against the verifier before it gives the token, and the portal opens with it,
//! the code gone from the address and the page's own query (where the services are) kept.

use seteli_tests::browser::{Browser, READY, portal_env, portal_url, serve_with_config};
use seteli_tests::fixtures::*;
use seteli_tests::identity_provider::{IdentityProvider, serve_identity_provider};
use seteli_tests::kit::STRANGER_IDENTITY_CODE;

#[tokio::test]
async fn without_a_token_the_sign_in_view_takes_a_dev_token_and_opens_the_roles_portal() {
    let (env, origin) = portal_env(&[Svc::Providers, Svc::Vouchers], Prices::County).await;
    let address = portal_url(&env, &origin, "");
    let address = address.trim_end_matches("#token=");
    let mut browser = Browser::launch().await;
    browser.open(address, READY).await;
    let hidden = |id: &str| format!("document.querySelector('{id}').hidden");
    assert_eq!(browser.eval(&hidden("#sign-in")).await, false);
    assert_eq!(browser.eval(&hidden("#social")).await, true);
    // No identity provider configured (no config.json): only the dev token form.
    assert_eq!(browser.eval(&hidden("#oidc-box")).await, true);
    browser.screenshot("sign-in").await;
    browser.assert_accessible("the sign-in").await;
    browser.type_into("#dev-token", &env.social_worker()).await;
    browser
        .eval("document.querySelector('#dev-token-form button').focus()")
        .await;
    browser.press("Enter").await;
    browser.wait_for("the portal", READY).await;
    assert_eq!(browser.eval(&hidden("#sign-in")).await, true);
    assert_eq!(browser.eval(&hidden("#social")).await, false);
    assert_eq!(browser.fields("#who").await["role"], "Sosiaalityöntekijä");
    browser.close().await;
}

#[tokio::test]
async fn the_countys_identity_provider_signs_in_by_code_and_pkce_and_opens_the_portal() {
    let (idp, env, origin) = with_identity_provider().await;
    *idp.token.lock().expect("token") = env.social_worker();
    let address = portal_url(&env, &origin, "");
    let address = address.trim_end_matches("#token=").to_owned();

    let mut browser = Browser::launch().await;
    browser.open(&address, READY).await;
    let hidden = |id: &str| format!("document.querySelector('{id}').hidden");
    assert_eq!(browser.eval(&hidden("#oidc-box")).await, false);
    browser
        .assert_accessible("the sign-in with an identity provider")
        .await;
    browser.click("#oidc-button").await;
    // To the identity provider and back with a code, traded for the token.
    browser
        .wait_across_navigations(
            "the portal after signing in",
            "document.body.dataset.ready === 'true' && !document.querySelector('#social').hidden",
        )
        .await;
    assert_eq!(
        *idp.seen.lock().expect("seen"),
        vec!["authorize S256 seteli-portaali", "token issued"]
    );
    assert_eq!(browser.fields("#who").await["role"], "Sosiaalityöntekijä");
    // The code is gone from the address; the page's own query is back.
    let here = browser.eval("location.href").await;
    assert_eq!(here, address.as_str(), "{here}");
    // The token works: a lookup reaches the voucher service (a number nobody has).
    browser.type_into("#voucher-query", "PS-1999-999999").await;
    browser.click_and_wait("#lookup-button").await;
    assert_eq!(browser.fields("#refusal").await["code"], "NOT_FOUND");
    browser.close().await;
}

#[tokio::test]
async fn a_client_signs_in_through_the_countys_identity_provider_and_sees_their_own_pages() {
    let (idp, env, origin) = with_identity_provider().await;
    // Strong identification: the identity provider's token names the person by their identity
    // code; the county has granted them no voucher yet.
    *idp.token.lock().expect("token") = env.client(STRANGER_IDENTITY_CODE);
    let address = portal_url(&env, &origin, "");
    let address = address.trim_end_matches("#token=").to_owned();

    let mut browser = Browser::launch().await;
    browser.open(&address, READY).await;
    browser.click("#oidc-button").await;
    browser
        .wait_across_navigations(
            "the client's pages after signing in",
            "document.body.dataset.ready === 'true' \
             && !document.querySelector('#client-portal').hidden \
             && document.querySelector('#client-vouchers-list').dataset.state === 'ok'",
        )
        .await;
    assert_eq!(
        *idp.seen.lock().expect("seen"),
        vec!["authorize S256 seteli-portaali", "token issued"]
    );
    assert_eq!(browser.fields("#who").await["role"], "Asiakas");
    // The token reached the voucher service as the client's: their own (empty) list, no refusal.
    let list = browser.text("#client-vouchers-list").await;
    assert!(
        list.contains("Sinulle ei ole myönnetty palveluseteleitä"),
        "{list}"
    );
    // The portals of the county's staff stay closed, and the identity code is not on the page.
    assert_eq!(
        browser
            .eval("document.querySelector('#social').hidden")
            .await,
        true
    );
    let page = browser.eval("document.body.innerText").await;
    assert!(
        !page.to_string().contains(STRANGER_IDENTITY_CODE),
        "the identity code is shown"
    );
    browser
        .assert_accessible("the client's pages, signed in")
        .await;
    browser.close().await;
}

/// The county's identity provider (a stand-in), the portal configured to sign in through it,
/// and the registry and voucher services that trust the portal's origin.
async fn with_identity_provider() -> (IdentityProvider, Env, String) {
    let idp = serve_identity_provider().await;
    let config = serde_json::json!({
        "oidc": { "issuer": idp.origin, "clientId": "seteli-portaali" }
    });
    let origin = serve_with_config(&config).await;
    let allowed = origin.clone();
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers])
        .prices(Prices::County)
        .tweak(move |_, c| c.cors_allowed_origins = vec![allowed.clone()])
        .start()
        .await;
    (idp, env, origin)
}
