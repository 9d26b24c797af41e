//! A social worker's day in the browser portal (web/, headless Chromium), against the real
//! registry, vouchers, attendance and reporting: a client found by name (never showing their
//! identity code), a decision filled in while the rulebooks answer live (`validate_only`: the
//! refusal's rule ids, sections and Finnish message before anything is sent), the voucher
//! issued, the client's choice made from the providers found near their home with price and
//! distance, the voucher's timeline as the provider works on it (acceptance, a realised session
//! not invoiced yet, an agreed one, one cancelled beforehand, a notice), and the notices inbox
//! with its acknowledgement. Each view is checked with axe-core (nothing serious or critical),
//! at a phone's 360 px (nothing to scroll sideways), and by keyboard. Screenshots go to
//! `SETELI_BROWSER_SCREENSHOTS` when it is set.

use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as rpb;
use seteli_rules::terms::validity_end;
use seteli_tests::browser::{Browser, DAY_SERVICES, READY, fi_date, plain, portal_env, portal_url};
use seteli_tests::fixtures::*;

#[tokio::test]
async fn a_social_worker_finds_a_client_issues_a_voucher_checked_live_records_the_choice_and_follows_it()
 {
    let (env, origin) = portal_env(&DAY_SERVICES, Prices::County).await;
    let near = approved_provider(&env, "Kuopion Valmennus ry", 1_000_401, KUOPIO).await;
    let _far = approved_provider(&env, "Siilin Paja ry", 1_000_402, SIILINJARVI).await;
    let identity_code = hetu(ymd(1990, 5, 5), 401);
    let mut details = client_details(&identity_code, "Kuopio", KUOPIO);
    details.name = "Aino Portaalinen".into();
    let client = create_client(&env, details).await;
    let today = today();

    let mut browser = Browser::launch().await;
    browser
        .open(&portal_url(&env, &origin, &env.social_worker()), READY)
        .await;
    assert_eq!(
        browser.text("#portal-title").await,
        "Palvelusetelit — sosiaalityö"
    );
    browser.assert_accessible("the search").await;

    // The client by name: the page lists them and opens their card; no identity code shows.
    browser.type_into("#client-query", "portaalinen").await;
    browser.click_and_wait("#client-search-button").await;
    let found = browser
        .eval("[...document.querySelectorAll('#client-results button')].map(b => b.dataset.client)")
        .await;
    assert_eq!(found, serde_json::json!([client.id]));
    browser
        .click_and_wait(&format!(
            "#client-results button[data-client=\"{}\"]",
            client.id
        ))
        .await;
    assert_eq!(browser.fields("#client").await["name"], "Aino Portaalinen");
    browser.screenshot("social-client-found").await;
    let page = browser.eval("document.body.innerText").await;
    let page = page.as_str().unwrap_or_default();
    assert!(
        !page.contains(&identity_code) && !page.contains(&identity_code[7..]),
        "the identity code shows: {page}"
    );

    // A decision filled in: too long and too large, no service-need assessment. The rulebooks
    // answer live, before anything is sent.
    browser.click("#new-decision").await;
    browser
        .wait_for(
            "the decision form",
            "!document.querySelector('#issue-form').hidden",
        )
        .await;
    browser.set_value("#issue-service", "7").await; // SK group coaching
    browser.set_value("#issue-from", &today.to_string()).await;
    let too_long = validity_end(today, 6);
    browser
        .set_value("#issue-until", &too_long.to_string())
        .await;
    browser.set_value("#issue-units", "100").await;
    let verdict = "document.querySelector('[data-field=\"issue-verdict\"]').dataset";
    browser
        .wait_for(
            "the live refusal",
            &format!("{verdict}.state === 'refused' && {verdict}.rules.includes('TERM-VALIDITY')"),
        )
        .await;
    let rules = browser.eval(&format!("{verdict}.rules")).await;
    let rules = rules.as_str().unwrap_or_default().to_owned();
    for rule in ["TERM-VALIDITY", "SK-ELIG-NEED"] {
        assert!(rules.split(' ').any(|r| r == rule), "{rule} not in {rules}");
    }
    let refusal = browser.fields("#issue-refusal").await;
    assert_eq!(refusal["code"], "FAILED_PRECONDITION", "{refusal:?}");
    assert!(refusal["rules"].contains("SK-ELIG-NEED ("), "{refusal:?}");
    assert!(
        refusal["rules"].contains("SK-ELIG-NEED (SK 1, 6): Palvelutarpeen arvioinnissa"),
        "{refusal:?}"
    );
    assert_eq!(refusal["summary"], "Säännöt eivät salli tätä.");
    browser.screenshot("social-decision-refused-live").await;
    browser.assert_accessible("the decision refused live").await;
    // Nothing was issued by checking.
    assert!(
        vouchers_of(&env, &client.id).await.is_empty(),
        "validate_only issued a voucher"
    );

    // Fixed: two months, 40 hours, the assessment's reference and need.
    let until = validity_end(today, 2);
    browser.set_value("#issue-until", &until.to_string()).await;
    browser.set_value("#issue-units", "40").await;
    browser.type_into("#issue-need-ref", "PTA-2026-77").await;
    browser.click("#issue-need-social").await;
    browser
        .wait_for("the decision to pass", &format!("{verdict}.state === 'ok'"))
        .await;
    let passes = plain(&browser.text("[data-field=\"issue-verdict\"]").await);
    assert!(
        passes.starts_with("Päätös täyttää säännöt: 40 h"),
        "{passes}"
    );
    assert!(passes.contains(" €"), "{passes}");
    browser.screenshot("social-decision-passes").await;
    browser.click_and_wait("#issue-button").await;
    let status = browser.text("#status").await;
    assert!(
        status.ends_with("myönnetty."),
        "{status}; {:?}",
        browser.log()
    );
    let issued = vouchers_of(&env, &client.id).await;
    assert_eq!(issued.len(), 1);
    let voucher = issued[0].clone();
    let shown = browser.fields("#voucher").await;
    assert_eq!(shown["number"], voucher.voucher_number);
    assert_eq!(shown["state"], "Myönnetty");
    assert_eq!(
        shown["valid"],
        format!("{}–{}", fi_date(today), fi_date(until))
    );
    assert_eq!(shown["units-granted"], "40 h");
    assert_eq!(shown["provider"], "Ei valittu");

    // The choice: the providers of the service within 20 km, with distance and price.
    browser.click_and_wait("#provider-search-button").await;
    let listed = browser
        .eval("[...document.querySelectorAll('#providers tbody tr[data-provider]')].map(r => r.dataset.provider)")
        .await;
    assert_eq!(listed, serde_json::json!([near]));
    let row = format!("#providers tr[data-provider=\"{near}\"]");
    let distance = plain(
        &browser
            .text(&format!("{row} [data-col=\"distance\"]"))
            .await,
    );
    // The provider's site is at the client's home: 0 km.
    assert_eq!(distance, "0 km");
    let price = plain(&browser.text(&format!("{row} [data-col=\"price\"]")).await);
    assert!(price.ends_with(" € / h") && price.contains(','), "{price}");
    browser.screenshot("social-providers").await;
    browser
        .assert_accessible("the voucher and the providers found")
        .await;
    browser
        .click_and_wait(&format!("{row} button[data-provider=\"{near}\"]"))
        .await;
    let shown = browser.fields("#voucher").await;
    assert!(
        shown["provider"].starts_with("Kuopion Valmennus ry ("),
        "{shown:?}"
    );
    assert_eq!(get_voucher(&env, &voucher.id).await.provider_id, near);

    // The provider's part: acceptance, a session today, one agreed for next week, one the
    // client cancelled beforehand, and a notice of a change in the client's situation.
    accept_as(
        &env,
        &near,
        accept_request(&voucher.id, "Olli Ohjaaja", None),
    )
    .await
    .expect("accept");
    let realised = record(&env, &near, &voucher.id, group(today, 2, 3))
        .await
        .expect("today");
    assert_eq!(realised.status, apb::SessionStatus::Recorded as i32);
    let next_week = days(today, 7);
    record(&env, &near, &voucher.id, group(next_week, 2, 3))
        .await
        .expect("agreed");
    let later = record(&env, &near, &voucher.id, group(days(today, 14), 2, 3))
        .await
        .expect("agreed later");
    let cancelled = cancel(
        &env,
        &near,
        &later.id,
        apb::Cancellation {
            by: apb::CancelledBy::Client as i32,
            cancelled_on: d(today),
            ..Default::default()
        },
    )
    .await
    .expect("cancelled beforehand");
    assert_eq!(
        cancelled.status,
        apb::SessionStatus::CancelledByClient as i32
    );
    let notice = notify_change(
        &env,
        &env.provider_user(&near),
        rpb::NotifyChangeRequest {
            request_id: rid(),
            validate_only: false,
            voucher_id: voucher.id.clone(),
            situation_change: rpb::SituationChange::WorkingHours as i32,
            occurred_on: d(today),
            description: "Asiakas aloitti osa-aikatyön tiistaisin.".into(),
        },
    )
    .await
    .expect("notice");

    // Once the voucher service has followed attendance: 2 h used today (the service started),
    // 2 h reserved by next week's agreed session (the cancelled one reserves nothing).
    let followed = poll_until(
        || get_voucher(&env, &voucher.id),
        |v| {
            v.units_used.map(|u| u.hundredths) == Some(200)
                && v.units_reserved.map(|u| u.hundredths) == Some(200)
        },
        |v| {
            format!(
                "the voucher shows {:?} used, {:?} reserved",
                v.units_used, v.units_reserved
            )
        },
    )
    .await;
    assert_eq!(
        followed.state,
        seteli_api::vouchers::v1::VoucherState::Active as i32
    );

    // Reporting owes the final report once it follows the voucher.
    let (_, final_due) = poll_until(
        || owed(&env, &voucher.id),
        |owed| !owed.is_empty(),
        |owed| format!("reporting owes {owed:?}"),
    )
    .await[0]
        .clone();

    // The timeline, by keyboard: the number typed, Enter.
    browser
        .look_up_voucher_by_keyboard(&voucher.voucher_number)
        .await;
    let shown = browser.fields("#voucher").await;
    assert_eq!(shown["state"], "Palvelu käynnissä", "{shown:?}");
    assert_eq!(shown["coach"], "Olli Ohjaaja");
    assert_eq!(
        (
            shown["units-used"].as_str(),
            shown["units-reserved"].as_str()
        ),
        ("2 h", "2 h")
    );
    assert_eq!(shown["units-left"], "36 h");
    assert_eq!(plain(&shown["value"]), "1 400,00 €");
    // The choose form is hidden once the provider has accepted ([hidden] wins over CSS).
    let choose_display = browser
        .eval("getComputedStyle(document.querySelector('#choose')).display")
        .await;
    assert_eq!(choose_display, "none");
    let kinds = browser
        .eval("[...document.querySelectorAll('#timeline li')].map(li => li.dataset.kind)")
        .await;
    let kinds: Vec<String> = serde_json::from_value(kinds).expect("kinds");
    for kind in [
        "decision",
        "choice",
        "acceptance",
        "start",
        "session-recorded",
        "agreed",
        "session-cancelled_by_client",
        "notice",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "no {kind} in {kinds:?}");
    }
    // Nothing is invoiced yet (this month is open): no invoice in the timeline.
    assert!(
        !kinds.iter().any(|k| k == "missing" || k == "invoice"),
        "{kinds:?}"
    );
    let agreed = browser
        .text("#timeline li[data-kind=\"agreed\"] time")
        .await;
    assert_eq!(agreed, fi_date(next_week));
    let realised_line = plain(
        &browser
            .text("#timeline li[data-kind=\"session-recorded\"]")
            .await,
    );
    // Realised today, so not invoiced yet (browser_social_worker_invoices.rs: once it is).
    assert!(
        realised_line.starts_with(&fi_date(today))
            && realised_line.ends_with("2 h; ei vielä laskutettu"),
        "{realised_line}"
    );
    let report = browser.text("#timeline li[data-kind=\"report\"]").await;
    assert!(
        report.starts_with(&format!(
            "{} Loppuraportti (REP-FINAL), määräaika {}",
            fi_date(final_due),
            fi_date(final_due)
        )),
        "{report}"
    );
    browser.screenshot("social-timeline").await;

    // At a phone's width the page does not scroll sideways.
    browser.set_width(360).await;
    assert_eq!(browser.overflow_x().await, 0, "the voucher view at 360 px");
    browser.screenshot("social-timeline-360").await;
    browser.assert_accessible("the timeline at 360 px").await;

    // The notices inbox: the notice, in Finnish, acknowledged with a note.
    browser.click_and_wait("#tab-notices").await;
    let card = format!("#notice-list li[data-notice=\"{}\"]", notice.id);
    let message = browser
        .text(&format!("{card} [data-field=\"message\"]"))
        .await;
    assert_eq!(message, notice.message_fi);
    let heading = browser.text(&format!("{card} h4")).await;
    assert_eq!(
        heading,
        format!(
            "Muutos asiakkaan tilanteessa — seteli {}",
            voucher.voucher_number
        )
    );
    assert_eq!(browser.overflow_x().await, 0, "the inbox at 360 px");
    browser.screenshot("social-notices-360").await;
    browser.assert_accessible("the notices inbox").await;
    browser.set_width(1280).await;
    browser
        .type_into(&format!("#note-{}", notice.id), "Soitettu asiakkaalle.")
        .await;
    browser
        .click_and_wait(&format!("{card} button[data-ack]"))
        .await;
    assert_eq!(browser.text("#status").await, "Ilmoitus kuitattu.");
    let gone = browser
        .eval(&format!(
            "document.querySelector('{}') === null",
            card.replace('\'', "\\'")
        ))
        .await;
    assert_eq!(gone, true, "the acknowledged notice stays in the open list");
    let listed = list_notices(
        &env,
        &env.social_worker(),
        rpb::ListNoticesRequest {
            voucher_id: voucher.id.clone(),
            ..Default::default()
        },
    )
    .await
    .expect("notices");
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].state, rpb::NoticeState::Acknowledged as i32);
    assert_eq!(listed[0].acknowledgement_note, "Soitettu asiakkaalle.");
    browser.close().await;
}

/// The client's vouchers as the county administrator lists them.
async fn vouchers_of(env: &Env, client_id: &str) -> Vec<seteli_api::vouchers::v1::Voucher> {
    use seteli_platform::testing::with_token;
    env.v()
        .list_vouchers(with_token(
            &env.admin(),
            seteli_api::vouchers::v1::ListVouchersRequest {
                client_id: client_id.into(),
                ..Default::default()
            },
        ))
        .await
        .expect("vouchers")
        .into_inner()
        .vouchers
}
