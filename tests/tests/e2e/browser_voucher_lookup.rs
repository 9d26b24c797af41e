//! Portals call from browsers over gRPC-Web: the social worker's voucher lookup (web/, built
//! by `make web` into web/dist with connect-web's gRPC-Web transport and protoc-gen-es types)
//! served from its own origin, driven in headless Chromium by typing and clicking, calling the
//! voucher service across origins (CORS). The page shows the voucher's data, and a refusal
//! with its gRPC code, its rule id (PROV-DISTANCE) and the Finnish message from the error
//! details; without the page's origin allowed, the browser itself blocks the call. The client's
//! choice is made from the providers the registry finds (SearchProviders), never by typing an id.

use seteli_api::vouchers::v1 as pb;
use seteli_tests::browser::{Browser, portal_url, serve_static, web_dist};
use seteli_tests::fixtures::*;

/// The page is ready: its script has run and wired the forms.
const READY: &str = "document.body.dataset.ready === 'true'";
/// The last call has been answered, one way or the other.
const ANSWERED: &str = "['ok', 'error'].includes(document.querySelector('#status').dataset.state)";

/// Serves the portal, starts the registry and vouchers (allowing the portal's origin unless
/// `allow` is false), sets the county's prices; answers the environment and the portal's
/// origin.
async fn start_portal(allow: bool) -> (Env, String) {
    let dist = web_dist();
    let origin = serve_static(&dist).await;
    let allowed = origin.clone();
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers])
        .prices(Prices::County)
        .tweak(move |_, c| {
            if allow {
                c.cors_allowed_origins = vec![allowed.clone()];
            }
        })
        .start()
        .await;
    (env, origin)
}

/// The lookup page of `origin` calling `env`'s voucher service as a social worker.
fn page_url(env: &Env, origin: &str) -> String {
    portal_url(env, origin, &env.social_worker())
}

/// Types `query` into the lookup field, clicks "Hae" and waits for the answer.
async fn look_up(browser: &mut Browser, query: &str) {
    browser.type_into("#voucher-query", query).await;
    browser.click("#lookup-button").await;
    browser
        .wait_for(&format!("the lookup of {query}"), ANSWERED)
        .await;
}

#[tokio::test]
async fn a_social_worker_looks_up_a_voucher_by_number_and_sees_its_data() {
    let (env, origin) = start_portal(true).await;
    let (client, voucher) = issued(&env, 301, sk_decision).await;
    let provider = approved_provider(&env, "Kuopion Valmennus ry", 1_000_301, KUOPIO).await;
    let voucher = choose(&env, &voucher.id, &provider)
        .await
        .expect("a provider in Kuopio");

    let mut browser = Browser::launch().await;
    browser.open(&page_url(&env, &origin), READY).await;
    // The token is kept by the page, not in its address.
    let address = browser.eval("location.href").await;
    assert!(
        !address.as_str().unwrap_or_default().contains("token="),
        "{address}"
    );
    // Voucher numbers are looked up whatever their case.
    look_up(&mut browser, &voucher.voucher_number.to_lowercase()).await;

    browser.screenshot("voucher-lookup-found").await;
    let shown = browser.fields("#voucher").await;
    let status = browser
        .eval("document.querySelector('#status').dataset.state")
        .await;
    assert_eq!(status, "ok", "{shown:?}; log: {:?}", browser.log());
    assert_eq!(shown["number"], voucher.voucher_number);
    assert_eq!(shown["id"], voucher.id);
    assert_eq!(shown["client"], client.name);
    assert_eq!(shown["service"], "Sosiaalinen kuntoutus, ryhmävalmennus");
    assert_eq!(shown["state"], "Myönnetty");
    let decision = voucher.decision.expect("decision");
    let day = |d: Option<seteli_api::common::v1::Date>| {
        let d = d.expect("date");
        format!("{}.{}.{}", d.day, d.month, d.year)
    };
    assert_eq!(
        shown["valid"],
        format!("{}–{}", day(decision.valid_from), day(decision.valid_until))
    );
    // 40 hours granted (sk_decision), none used yet.
    assert_eq!(shown["units-granted"], "40 h");
    assert_eq!(shown["units-used"], "0 h");
    assert_eq!(shown["units-left"], "40 h");
    assert!(
        shown["provider"].starts_with("Kuopion Valmennus ry ("),
        "{}",
        shown["provider"]
    );
    assert!(refusal_hidden(&mut browser).await);

    // A number that does not exist: the page shows the refusal's code, and no rule.
    look_up(&mut browser, "PS-1999-999999").await;
    browser.screenshot("voucher-lookup-not-found").await;
    let refusal = browser.fields("#refusal").await;
    assert_eq!(refusal["code"], "NOT_FOUND", "{refusal:?}");
    assert!(refusal["message"].contains("PS-1999-999999"), "{refusal:?}");
    assert_eq!(refusal["rules"], "");
    assert!(!refusal["request-id"].is_empty(), "{refusal:?}");
    browser.close().await;
}

#[tokio::test]
async fn a_provider_too_far_is_refused_in_the_page_with_its_rule_id_and_finnish_message() {
    let (env, origin) = start_portal(true).await;
    let (_, voucher) = issued(&env, 302, sk_decision).await;
    // Siilinjärvi centre is just over 20 km from a home at Kuopio market square.
    let far = approved_provider(&env, "Siilin Paja ry", 1_000_302, SIILINJARVI).await;
    let near = approved_provider(&env, "Kuopion Paja ry", 1_000_303, KUOPIO).await;

    let mut browser = Browser::launch().await;
    browser.open(&page_url(&env, &origin), READY).await;
    look_up(&mut browser, &voucher.id).await;
    assert_eq!(browser.fields("#voucher").await["provider"], "Ei valittu");

    // The providers of the voucher's service: within 20 km only the near one, within 50 km
    // both, nearest first, with their distance and price.
    let listed = search_providers(&mut browser, "20").await;
    assert_eq!(listed, vec![near.clone()]);
    let listed = search_providers(&mut browser, "50").await;
    assert_eq!(listed, vec![near.clone(), far.clone()]);
    let row = |id: &str, col: &str| {
        format!(
            "document.querySelector('#providers tr[data-provider=\"{id}\"] [data-col=\"{col}\"]').textContent"
        )
    };
    assert_eq!(browser.eval(&row(&far, "name")).await, "Siilin Paja ry");
    let distance = browser.eval(&row(&far, "distance")).await;
    assert!(
        distance.as_str().unwrap_or_default().starts_with("20,"),
        "{distance}"
    );
    // The county's price list sets the provider's own price in `approved_provider`.
    let price = browser.eval(&row(&far, "price")).await;
    assert!(
        price.as_str().unwrap_or_default().ends_with("€ / h"),
        "{price}"
    );

    // PROV-DISTANCE: the choice is refused; the page shows the rule and the Finnish message.
    browser
        .click(&format!("#providers button[data-provider=\"{far}\"]"))
        .await;
    browser.wait_for("the refused choice", ANSWERED).await;
    browser.screenshot("voucher-lookup-prov-distance").await;
    let refusal = browser.fields("#refusal").await;
    assert_eq!(refusal["code"], "FAILED_PRECONDITION", "{refusal:?}");
    assert_eq!(refusal["message"], "rules not met: PROV-DISTANCE");
    let rules = browser
        .eval("[...document.querySelectorAll('#refusal li')].map(li => li.dataset.rule)")
        .await;
    assert_eq!(rules, serde_json::json!(["PROV-DISTANCE"]));
    // The rule's id, its section and its Finnish message, side by side; nothing else left over.
    let finnish = &refusal["rules"];
    assert_eq!(refusal["finnish"], "", "{refusal:?}");
    assert!(
        finnish.starts_with("PROV-DISTANCE (KTT 5, SK 6): Palveluntuottajan toimipiste on 20."),
        "{finnish}"
    );
    assert!(
        finnish.contains("(raja 20 km), eikä päätöksessä ole lupaa"),
        "{finnish}"
    );
    let still = get_voucher(&env, &voucher.id).await;
    assert!(
        still.provider_id.is_empty(),
        "the refused choice was recorded"
    );

    // The same list with a provider near by: recorded, and the page shows it.
    browser
        .click(&format!("#providers button[data-provider=\"{near}\"]"))
        .await;
    browser.wait_for("the accepted choice", ANSWERED).await;
    let status = browser
        .eval("document.querySelector('#status').dataset.state")
        .await;
    assert_eq!(status, "ok", "log: {:?}", browser.log());
    let shown = browser.fields("#voucher").await;
    assert!(
        shown["provider"].starts_with("Kuopion Paja ry ("),
        "{shown:?}"
    );
    assert!(refusal_hidden(&mut browser).await);
    let chosen = get_voucher(&env, &voucher.id).await;
    assert_eq!(chosen.provider_id, near);
    assert_eq!(chosen.state, pb::VoucherState::Issued as i32);
    browser.close().await;
}

#[tokio::test]
async fn without_the_pages_origin_allowed_the_browser_blocks_the_call() {
    let (env, origin) = start_portal(false).await;
    let (_, voucher) = issued(&env, 303, sk_decision).await;

    let mut browser = Browser::launch().await;
    browser.open(&page_url(&env, &origin), READY).await;
    look_up(&mut browser, &voucher.voucher_number).await;
    let refusal = browser.fields("#refusal").await;
    // fetch() fails before any gRPC answer is read: connect-web reports it as UNKNOWN, and the
    // page finds out why (the service answers a no-cors request) and says so.
    assert_eq!(refusal["code"], "UNKNOWN", "{refusal:?}");
    assert_eq!(
        browser
            .eval("document.querySelector('#refusal').dataset.kind")
            .await,
        "cors"
    );
    assert!(
        refusal["summary"].contains("SETELI_CORS_ALLOWED_ORIGINS")
            && refusal["summary"].contains(&origin),
        "{refusal:?}"
    );
    assert!(
        browser
            .eval("document.querySelector('#voucher').hidden")
            .await
            .as_bool()
            .expect("bool")
    );
    assert!(
        browser
            .log()
            .iter()
            .any(|l| l.contains("blocked by CORS policy")),
        "Chromium did not report the CORS block: {:?}",
        browser.log()
    );
    browser.close().await;
}

#[tokio::test]
async fn a_service_that_does_not_answer_is_told_apart_from_a_refusal() {
    let (env, origin) = start_portal(true).await;
    // A port this environment holds closed: nothing answers there.
    let page = format!(
        "{origin}/index.html?api={}#token={}",
        env.url(Svc::Attendance),
        env.social_worker()
    );
    let mut browser = Browser::launch().await;
    browser.open(&page, READY).await;
    look_up(&mut browser, "PS-2026-000001").await;
    let refusal = browser.fields("#refusal").await;
    assert_eq!(
        browser
            .eval("document.querySelector('#refusal').dataset.kind")
            .await,
        "connection"
    );
    assert!(refusal["summary"].contains("ei vastannut"), "{refusal:?}");
    assert_eq!(
        browser
            .eval("document.querySelector('#refusal-title').textContent")
            .await,
        "Palveluun ei saatu yhteyttä"
    );
    browser.close().await;
}

/// Searches the providers within `radius_km` of the client's home; answers their ids as listed.
async fn search_providers(browser: &mut Browser, radius_km: &str) -> Vec<String> {
    browser
        .eval(&format!(
            "(() => {{ const s = document.querySelector('#radius'); s.value = '{radius_km}'; \
             s.dispatchEvent(new Event('change')); }})()"
        ))
        .await;
    browser.click("#provider-search-button").await;
    browser.wait_for("the providers' list", ANSWERED).await;
    let ids = browser
        .eval("[...document.querySelectorAll('#providers tbody tr[data-provider]')].map(r => r.dataset.provider)")
        .await;
    serde_json::from_value(ids).expect("ids")
}

/// Whether the page hides its refusal box.
async fn refusal_hidden(browser: &mut Browser) -> bool {
    let hidden = browser
        .eval("document.querySelector('#refusal').hidden")
        .await;
    hidden.as_bool().expect("bool")
}
