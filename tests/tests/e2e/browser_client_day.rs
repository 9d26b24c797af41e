//! A voucher holder's day in the browser (web/, headless Chromium), against the real registry,
//! vouchers, attendance and reporting (issue 28): from the page's start, without signing in, the
//! public comparison of providers by municipality (the approved providers near Kuopio, nearest
//! first, with address, distance, unit price and free places, and nothing personal on the page);
//! then signed in as the client (role `client`, their identity code in the token) their own
//! voucher, the providers compared from their home, a choice refused with its rule (the provider
//! suspended meanwhile) and a choice confirmed; after the provider's user has recorded a session,
//! interrupted the service and given its final report (through the API), the session in the
//! client's record, the report opened as PDF, and the feedback form answered once, then thanked
//! for. Each view is checked with axe-core (nothing serious or critical) at full width and at a
//! phone's 360 px. Screenshots go to `SETELI_BROWSER_SCREENSHOTS` when it is set.

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::with_token;
use seteli_tests::browser::{Browser, DAY_SERVICES, READY, fi_date, plain, portal_env, portal_url};
use seteli_tests::fixtures::*;

/// A site some 4 km north of Kuopio's centre (within PROV-DISTANCE of the client's home).
const KUOPIO_NORTH: (f64, f64) = (62.9300, 27.6800);

/// Whether the element `selector` is laid out (shown: not hidden by itself, a parent or a route).
fn shown(selector: &str) -> String {
    format!(
        "(() => {{ const e = document.querySelector({s}); return !!e && e.getClientRects().length > 0; }})()",
        s = serde_json::Value::from(selector)
    )
}

/// The `data-provider` ids of the cards under `list`, in order.
async fn providers_listed(browser: &mut Browser, list: &str) -> Vec<String> {
    let v = browser
        .eval(&format!(
            "[...document.querySelectorAll({})].map(li => li.dataset.provider)",
            serde_json::Value::from(format!("{list} li[data-provider]"))
        ))
        .await;
    serde_json::from_value(v).expect("provider ids")
}

/// Checks the page with axe-core at full width and at 360 px, where nothing may scroll sideways.
async fn accessible_at_both_widths(browser: &mut Browser, view: &str, shot: &str) {
    browser.assert_accessible(view).await;
    browser.screenshot(shot).await;
    browser.set_width(360).await;
    assert_eq!(browser.overflow_x().await, 0, "{view} at 360 px");
    browser
        .assert_accessible(&format!("{view} at 360 px"))
        .await;
    browser.screenshot(&format!("{shot}-360")).await;
    browser.set_width(1280).await;
}

/// Opens the client's pages afresh with `token` and waits until their voucher is shown.
/// Chooses `provider` in the comparison and waits for the confirmation dialog.
async fn choose(browser: &mut Browser, provider: &str) {
    browser
        .click(&format!(
            "#client-options button[data-choose=\"{provider}\"]"
        ))
        .await;
    browser
        .wait_for(
            "the confirmation",
            "document.querySelector('#choose-dialog').open",
        )
        .await;
}

async fn open_as_client(browser: &mut Browser, address: &str) {
    browser.open("about:blank", "true").await;
    browser.open(address, READY).await;
    browser
        .wait_for(
            "the client's voucher",
            "document.querySelector('#client-voucher').dataset.loaded === 'true'",
        )
        .await;
}

#[tokio::test]
async fn a_client_compares_without_signing_in_then_chooses_follows_and_gives_feedback() {
    let (env, origin) = portal_env(&DAY_SERVICES, Prices::County).await;
    let near = approved_provider(&env, "Kallaveden Valmennus ry", 2_800_001, KUOPIO).await;
    let second = approved_provider(&env, "Pohjoisen Paja ry", 2_800_011, KUOPIO_NORTH).await;
    let far = approved_provider(&env, "Iisalmen Työpaja Oy", 2_800_021, IISALMI).await;
    // The second declares three free places today (the first has declared none).
    set_offering_with(
        &mut env.p(),
        &env.admin(),
        ppb::SetOfferingRequest {
            request_id: rid(),
            provider_id: second.clone(),
            offering: Some(ppb::Offering {
                service_type: ServiceType::KttIndividual as i32,
                unit_price: Some(seteli_api::common::v1::Money { cents: 6000 }),
                free_places: Some(3),
                ..Default::default()
            }),
            ..Default::default()
        },
    )
    .await
    .expect("free places");
    let code = hetu(ymd(1990, 5, 5), 281);
    let client = client_at(&env, 281, KUOPIO).await;
    let voucher = issue(&env, ktt_decision(&client.id)).await.expect("issue");
    let ktt = (ServiceType::KttIndividual as i32).to_string();

    // The page's start, signed out: the sign-in, and a link to the public comparison.
    let mut browser = Browser::launch().await;
    let signed_out = portal_url(&env, &origin, "");
    let signed_out = signed_out.trim_end_matches("#token=");
    browser.open(signed_out, READY).await;
    assert_eq!(browser.eval(&shown("#sign-in")).await, true);
    browser.click("#to-public-compare").await;
    browser
        .wait_for("the public comparison", &shown("#compare-public"))
        .await;
    assert_eq!(browser.eval(&shown("#sign-in")).await, false);
    accessible_at_both_widths(&mut browser, "the public comparison", "client-compare-form").await;

    // Approved providers of KTT individual coaching near Kuopio, nearest first; Iisalmi's not.
    browser.set_value("#public-service", &ktt).await;
    browser.type_into("#public-place", "Kuopio").await;
    browser.click_and_wait("#public-compare-button").await;
    let listed = providers_listed(&mut browser, "#public-results").await;
    assert_eq!(
        listed,
        vec![near.clone(), second.clone()],
        "{}; {:?}",
        browser.text("#status").await,
        browser.log()
    );
    assert!(!listed.contains(&far));
    let card = browser
        .eval(&format!(
            "Object.fromEntries([...document.querySelectorAll('#public-results li[data-provider=\"{near}\"] [data-col]')] \
             .map(e => [e.dataset.col, e.textContent]))"
        ))
        .await;
    assert_eq!(card["name"], "Kallaveden Valmennus ry", "{card}");
    assert_eq!(card["address"], "Katu 1, 71800 Siilinjärvi", "{card}");
    assert_eq!(
        plain(card["price"].as_str().unwrap_or_default()),
        "60,00 € / h",
        "{card}"
    );
    assert_eq!(card["free"], "ei ilmoitettu", "{card}");
    assert!(
        card["distance"]
            .as_str()
            .unwrap_or_default()
            .ends_with(" km"),
        "{card}"
    );
    let free = browser
        .text(&format!(
            "#public-results li[data-provider=\"{second}\"] [data-col=\"free\"]"
        ))
        .await;
    assert_eq!(free, format!("3 (ilmoitettu {})", fi_date(today())));
    // Nothing personal: no client, no staff, no contact person, no identity code.
    let page = browser.text("body").await;
    for personal in [
        client.name.as_str(),
        code.as_str(),
        "Sanna",
        "Olli",
        "Maija",
        "maija@example.fi",
    ] {
        assert!(
            !page.contains(personal),
            "{personal} on the public page:\n{page}"
        );
    }
    accessible_at_both_widths(
        &mut browser,
        "the public comparison's results",
        "client-compare",
    )
    .await;

    // Signed in as the client: their own voucher, issued, no provider yet.
    let address = portal_url(&env, &origin, &env.client(&code));
    open_as_client(&mut browser, &address).await;
    assert_eq!(
        browser.text("#portal-title").await,
        "Palveluseteli — asiakkaan sivut"
    );
    assert_eq!(browser.fields("#who").await["role"], "Asiakas");
    let vouchers = browser
        .eval("[...document.querySelectorAll('#client-vouchers-list li[data-voucher]')].map(li => li.dataset.voucher)")
        .await;
    assert_eq!(
        vouchers,
        serde_json::json!([voucher.id]),
        "{:?}",
        browser.log()
    );
    let values = browser.fields("#client-voucher-values").await;
    assert_eq!(values["state"], "Myönnetty", "{values:?}");
    assert_eq!(values["provider"], "Ei vielä valittu", "{values:?}");
    assert_eq!(values["granted"], "30 h", "{values:?}");
    assert_eq!(browser.eval(&shown("#client-choose")).await, true);
    assert!(
        !browser.text("body").await.contains(&code),
        "the full identity code is shown"
    );
    accessible_at_both_widths(&mut browser, "the client's voucher", "client-voucher").await;

    // Compared from home: the same two, nearest first.
    browser.click_and_wait("#client-compare-button").await;
    assert_eq!(
        providers_listed(&mut browser, "#client-options").await,
        vec![near.clone(), second.clone()],
        "{}",
        browser.text("#status").await
    );
    accessible_at_both_widths(&mut browser, "the client's comparison", "client-options").await;

    // The second is suspended meanwhile: choosing it is refused, with the rule and its words.
    suspend_provider(
        &mut env.p(),
        &env.admin(),
        ppb::SuspendProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: second.clone(),
            reason: "Vakuutus lakannut.".into(),
        },
    )
    .await
    .expect("suspend");
    followed_as(&env, &second, false).await;
    choose(&mut browser, &second).await;
    assert!(
        browser
            .text("#choose-what")
            .await
            .contains("Pohjoisen Paja ry")
    );
    browser.assert_accessible("the confirmation").await;
    browser.click_and_wait("#choose-confirm").await;
    let refusal = browser.fields("#choose-refusal").await;
    assert_eq!(refusal["code"], "FAILED_PRECONDITION", "{refusal:?}");
    let rules = browser
        .eval("[...document.querySelectorAll('#choose-refusal li[data-rule]')].map(li => li.dataset.rule)")
        .await;
    assert!(
        rules
            .as_array()
            .is_some_and(|r| r.iter().any(|id| id == "PROVIDER-NOT-APPROVED")),
        "the refusal names PROVIDER-NOT-APPROVED: {rules}; {refusal:?}"
    );
    assert!(
        !refusal["rules"].is_empty() || !refusal["finnish"].is_empty(),
        "{refusal:?}"
    );
    accessible_at_both_widths(&mut browser, "a refused choice", "client-choice-refused").await;
    assert_eq!(get_voucher(&env, &voucher.id).await.provider_id, "");

    // The nearest, confirmed: recorded as the client's own choice.
    choose(&mut browser, &near).await;
    browser.click_and_wait("#choose-confirm").await;
    assert_eq!(
        browser
            .eval("document.querySelector('#status').dataset.state")
            .await,
        "ok",
        "{}",
        browser.text("#status").await
    );
    assert_eq!(get_voucher(&env, &voucher.id).await.provider_id, near);
    let values = browser.fields("#client-voucher-values").await;
    assert!(
        values["provider"].starts_with("Kallaveden Valmennus ry ("),
        "{values:?}"
    );
    assert_eq!(browser.eval(&shown("#client-choose")).await, false);

    // The provider accepts, records today's session, interrupts the service and gives its final
    // report (the API, as the provider's user).
    accept(&env, &near, &voucher.id).await.expect("accept");
    record(&env, &near, &voucher.id, at(today(), 9, 11))
        .await
        .expect("session");
    interrupt_today(&env, &near, &voucher.id).await;
    let report = report_id(&voucher.id, "REP-FINAL");
    save_draft(&env, &near, &report, full_sections())
        .await
        .expect("draft");
    submit_report(&env, &near, &report)
        .await
        .expect("submitted");

    // The client follows it: the session, the report, the feedback form.
    open_as_client(&mut browser, &address).await;
    let values = browser.fields("#client-voucher-values").await;
    assert_eq!(values["state"], "Keskeytetty", "{values:?}");
    assert_eq!(values["coach"], "Olli Ohjaaja", "{values:?}");
    let record_lines = browser
        .eval("[...document.querySelectorAll('#client-record li[data-kind]')].map(li => [li.dataset.kind, li.dataset.day])")
        .await;
    assert!(
        record_lines
            .as_array()
            .is_some_and(|l| l.contains(&serde_json::json!([
                "session-recorded",
                today().to_string()
            ]))),
        "{record_lines}; {}",
        browser.text("#client-missing").await
    );
    let reports = browser
        .eval("[...document.querySelectorAll('#client-reports li[data-report]')].map(li => li.dataset.report)")
        .await;
    assert_eq!(reports, serde_json::json!([report]));
    browser
        .click_and_wait(&format!("#client-reports button[data-pdf=\"{report}\"]"))
        .await;
    let head = browser
        .eval(&format!(
            "fetch(document.querySelector('a[data-pdf-link=\"{report}\"]').href) \
             .then(r => r.arrayBuffer()).then(b => String.fromCharCode(...new Uint8Array(b).slice(0, 5)))"
        ))
        .await;
    assert_eq!(head, "%PDF-", "{}", browser.text("#status").await);

    // The feedback form: one radio group per question, answered, sent once, then thanked for.
    let form = env
        .r()
        .get_client_feedback_form(with_token(
            &env.client(&code),
            rpb::GetClientFeedbackFormRequest {
                voucher_id: voucher.id.clone(),
            },
        ))
        .await
        .expect("the form")
        .into_inner();
    assert!(form.may_answer, "{form:?}");
    assert_eq!(
        browser
            .eval("document.querySelector('#client-feedback').dataset.state")
            .await,
        "answer"
    );
    let legends = browser
        .eval("[...document.querySelectorAll('#feedback-questions fieldset legend')].map(l => l.textContent)")
        .await;
    let expected: Vec<String> = form
        .questions
        .iter()
        .enumerate()
        .map(|(i, q)| format!("{}. {}", i + 1, q.text))
        .collect();
    assert_eq!(legends, serde_json::json!(expected));
    accessible_at_both_widths(&mut browser, "the feedback form", "client-feedback").await;
    for q in &form.questions {
        browser
            .click(&format!("label[for=\"q-{}-{}\"]", q.key, q.scale_max))
            .await;
    }
    browser
        .type_into("#feedback-comment", "Valmentaja oli avulias.")
        .await;
    browser.click_and_wait("#feedback-submit").await;
    assert_eq!(
        browser
            .eval("document.querySelector('#client-feedback').dataset.state")
            .await,
        "thanks",
        "{}",
        browser.text("#status").await
    );
    assert_eq!(browser.eval(&shown("#feedback-thanks")).await, true);
    // Once: a fresh page thanks again and offers no form.
    open_as_client(&mut browser, &address).await;
    assert_eq!(
        browser
            .eval("document.querySelector('#client-feedback').dataset.state")
            .await,
        "thanks"
    );
    assert_eq!(browser.eval(&shown("#feedback-form")).await, false);
    accessible_at_both_widths(&mut browser, "the thanks", "client-thanks").await;
    browser.close().await;
}
