//! A provider's day in the browser portal (web/, headless Chromium), against the real registry,
//! vouchers, attendance and reporting: the week as a grid of the provider's clients × days,
//! filled by clicking (a no-show yesterday, a realised session today, an absence with Kela's
//! reason, an agreed session next week recorded by keyboard and then cancelled beforehand), a
//! refusal in the grid with its rule id, section and Finnish message (ABS-RECORD: a session on a
//! day already absent), a group session marked for everyone at once, and the reports due with
//! their deadlines in Finnish; then the social worker's timeline of the same vouchers shows the
//! no-show, the realised session, the cancellation and the absence. Each view is checked with axe-core (nothing serious or critical)
//! and at a phone's 360 px. Screenshots go to `SETELI_BROWSER_SCREENSHOTS` when it is set.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_rules::terms::validity_end;
use seteli_tests::browser::{
    ANSWERED, Browser, DAY_SERVICES, READY, fi_date, portal_env, portal_url,
};
use seteli_tests::fixtures::*;

/// The grid's cell of `voucher` on `day`.
fn cell(voucher: &str, day: chrono::NaiveDate) -> String {
    format!("#week-grid button[data-voucher=\"{voucher}\"][data-date=\"{day}\"]")
}

/// Shows the week of `day` in the grid.
async fn week_of(browser: &mut Browser, day: chrono::NaiveDate) {
    browser.set_value("#week-of", &day.to_string()).await;
    browser
        .wait_for(
            "the week",
            &format!(
                "document.querySelector('#week-grid th[data-date=\"{day}\"]') !== null \
                 && document.querySelector('#week-grid').dataset.state === 'ok'"
            ),
        )
        .await;
}

/// Clicks a cell, marks it as `mark` (with `reason` for an absence) and saves.
async fn mark(browser: &mut Browser, cell: &str, mark: &str, reason: Option<&str>) {
    browser.click(cell).await;
    browser
        .wait_for(
            "the day's dialog",
            "document.querySelector('#cell-dialog').open",
        )
        .await;
    browser
        .click(&format!(
            "#cell-form input[name=\"mark\"][value=\"{mark}\"]"
        ))
        .await;
    if let Some(reason) = reason {
        browser.set_value("#cell-reason", reason).await;
    }
    browser.click_and_wait("#cell-save").await;
}

/// The mark a cell shows.
async fn shown(browser: &mut Browser, cell: &str) -> String {
    let v = browser
        .eval(&format!(
            "document.querySelector({}).dataset.mark",
            serde_json::Value::from(cell)
        ))
        .await;
    v.as_str().unwrap_or_default().to_owned()
}

/// The sessions of a voucher as the provider's user lists them.
async fn sessions(env: &Env, provider: &str, voucher: &str) -> Vec<apb::Session> {
    sessions_of(env, &env.provider_user(provider), voucher)
        .await
        .expect("sessions")
}

#[tokio::test]
async fn a_provider_fills_the_week_by_clicking_marks_a_group_at_once_and_sees_reports_due() {
    let (env, origin) = portal_env(&DAY_SERVICES, Prices::County).await;
    let p = approved_provider(&env, "Siilin Valmennus ry", 1_000_501, SIILINJARVI).await;
    let today = today();
    let yesterday = days(today, -1);
    let from = days(today, -7);
    let until = validity_end(from, 3);
    let k1 = ktt_voucher(&env, &p, 501, from, until).await;
    let k2 = ktt_voucher(&env, &p, 502, from, until).await;
    let g1 = sk_group_voucher(&env, &p, 503, from, until).await;
    let g2 = sk_group_voucher(&env, &p, 504, from, until).await;
    let details = group_details(ServiceType::SkGroup, apb::GroupMode::Open, 5, today);
    let group = create_group(&env, &p, details).await.expect("group");
    for v in [&g1, &g2] {
        enrol(&env, &p, &group.id, v, None).await.expect("enrolled");
    }
    // Reporting owes each KTT voucher its interim report once it follows them.
    let due = poll_until(
        || async { owed(&env, &k1).await },
        |owed| !owed.is_empty(),
        |owed| format!("reporting owes {k1} {owed:?}"),
    )
    .await;

    let mut browser = Browser::launch().await;
    browser
        .open(&portal_url(&env, &origin, &env.provider_user(&p)), READY)
        .await;
    assert_eq!(
        browser.text("#portal-title").await,
        "Palveluntuottajan työpöytä"
    );
    browser
        .wait_for(
            "the grid",
            "document.querySelector('#week-grid').dataset.state === 'ok'",
        )
        .await;
    let rows = browser
        .eval("[...document.querySelectorAll('#week-grid tbody tr')].map(r => r.dataset.voucher).sort()")
        .await;
    let mut expected = vec![k1.clone(), k2.clone(), g1.clone(), g2.clone()];
    expected.sort();
    assert_eq!(rows, serde_json::json!(expected));
    browser.assert_accessible("the week grid").await;

    // Yesterday the first client did not come.
    week_of(&mut browser, yesterday).await;
    mark(&mut browser, &cell(&k1, yesterday), "no-show", None).await;
    assert_eq!(
        shown(&mut browser, &cell(&k1, yesterday)).await,
        "no-show",
        "{}; {:?}",
        browser.text("#status").await,
        browser.log()
    );
    let s = sessions(&env, &p, &k1).await;
    assert_eq!(s.len(), 1);
    assert_eq!(s[0].status, apb::SessionStatus::NoShow as i32);

    // Today: the first came (two hours, the defaults), the second was ill.
    week_of(&mut browser, today).await;
    mark(&mut browser, &cell(&k1, today), "realised", None).await;
    assert_eq!(shown(&mut browser, &cell(&k1, today)).await, "realised");
    assert_eq!(
        browser.text(&format!("{} .words", cell(&k1, today))).await,
        "Toteutunut 2 h"
    );
    let own_illness = (apb::AbsenceReason::OwnIllness as i32).to_string();
    mark(
        &mut browser,
        &cell(&k2, today),
        "absent",
        Some(&own_illness),
    )
    .await;
    assert_eq!(shown(&mut browser, &cell(&k2, today)).await, "absent");
    assert_eq!(
        browser.text(&format!("{} .words", cell(&k2, today))).await,
        "Poissa: Oma sairaus"
    );
    browser.screenshot("provider-week-today").await;

    // A session on the day the client was absent: refused in the dialog, with the rule.
    mark(&mut browser, &cell(&k2, today), "realised", None).await;
    let refusal = browser.fields("#cell-refusal").await;
    assert_eq!(refusal["code"], "FAILED_PRECONDITION", "{refusal:?}");
    let rules = browser
        .eval("[...document.querySelectorAll('#cell-refusal li')].map(li => li.dataset.rule)")
        .await;
    assert_eq!(rules, serde_json::json!(["ABS-RECORD"]), "{refusal:?}");
    // The rule's id, its section and its Finnish message, side by side.
    let (head, finnish) = refusal["rules"]
        .split_once("): ")
        .expect("a Finnish message");
    assert!(head.starts_with("ABS-RECORD ("), "{refusal:?}");
    assert!(finnish.contains("poissaolo"), "{refusal:?}");
    browser.screenshot("provider-week-refused").await;
    browser
        .assert_accessible("the day's dialog with a refusal")
        .await;
    browser.click("#cell-close").await;
    assert!(sessions(&env, &p, &k2).await.is_empty());

    // Next week, by keyboard: the cell focused, Enter opens the day, Enter saves an agreed
    // session (the dialog says "Sovittu käynti" for a later day).
    let next_week = days(today, 7);
    browser.click("#week-next").await;
    browser
        .wait_for(
            "next week",
            &format!(
                "document.querySelector('{}') !== null",
                cell(&k1, next_week).replace('\'', "\\'")
            ),
        )
        .await;
    browser
        .eval(&format!(
            "document.querySelector({}).focus()",
            serde_json::Value::from(cell(&k1, next_week))
        ))
        .await;
    browser.press("Enter").await;
    browser
        .wait_for(
            "the day's dialog",
            "document.querySelector('#cell-dialog').open",
        )
        .await;
    assert_eq!(
        browser.text("[data-field=\"realised-label\"]").await,
        "Sovittu käynti"
    );
    browser
        .eval("document.querySelector('#status').dataset.state = 'idle'")
        .await;
    browser.press("Enter").await;
    browser.wait_for("the agreed session", ANSWERED).await;
    assert_eq!(
        shown(&mut browser, &cell(&k1, next_week)).await,
        "agreed",
        "{}",
        browser.text("#status").await
    );
    // The weeks ahead at a glance: the agreed session listed under the grid.
    let agreed = browser
        .eval("[...document.querySelectorAll('#agreed-list li[data-date]')].map(li => [li.dataset.voucher, li.dataset.date, li.querySelector('time').textContent])")
        .await;
    let weekday = browser
        .text(&format!("#week-grid th[data-date=\"{next_week}\"]"))
        .await;
    let weekday = weekday.split(' ').next().unwrap_or_default().to_owned();
    assert_eq!(
        agreed,
        serde_json::json!([[
            k1,
            next_week.to_string(),
            format!("{weekday} {}", fi_date(next_week))
        ]])
    );
    // The client cancels it beforehand.
    mark(&mut browser, &cell(&k1, next_week), "cancelled", None).await;
    assert_eq!(
        shown(&mut browser, &cell(&k1, next_week)).await,
        "cancelled"
    );
    let statuses: Vec<i32> = sessions(&env, &p, &k1)
        .await
        .iter()
        .map(|s| s.status)
        .collect();
    assert_eq!(
        statuses,
        vec![
            apb::SessionStatus::NoShow as i32,
            apb::SessionStatus::Recorded as i32,
            apb::SessionStatus::CancelledByClient as i32,
        ]
    );

    // At a phone's width the grid scrolls inside its own box, the page not at all.
    browser.set_width(360).await;
    assert_eq!(browser.overflow_x().await, 0, "the week at 360 px");
    browser.screenshot("provider-week-360").await;
    browser.assert_accessible("the week grid at 360 px").await;
    browser.set_width(1280).await;

    // The group meets today: everyone marked at once.
    browser.click_and_wait("#tab-groups").await;
    browser.set_value("#group-date", &today.to_string()).await;
    browser.set_value("#group-end", "11:00").await;
    browser
        .wait_for(
            "the group's members",
            "document.querySelector('#group-members').dataset.state === 'ok' \
             && document.querySelectorAll('#group-members li[data-voucher]').length === 2",
        )
        .await;
    browser.assert_accessible("the group session").await;
    browser.click_and_wait("#group-all-present").await;
    let outcomes = browser
        .eval("[...document.querySelectorAll('#group-outcomes li')].map(li => li.dataset.presence)")
        .await;
    assert_eq!(
        outcomes,
        serde_json::json!(["PRESENT", "PRESENT"]),
        "{}",
        browser.text("#status").await
    );
    browser.screenshot("provider-group").await;
    for v in [&g1, &g2] {
        let s = sessions(&env, &p, v).await;
        assert_eq!(s.len(), 1, "{v}");
        assert_eq!(s[0].status, apb::SessionStatus::Recorded as i32);
    }

    // The reports due, with their deadlines in Finnish.
    browser.click_and_wait("#tab-reports").await;
    let (rule, due_on) = due[0].clone();
    let row = browser
        .eval(&format!(
            "[...document.querySelectorAll('#obligations tr[data-obligation]')] \
             .filter(r => r.dataset.obligation === '{k1}/{rule}') \
             .map(r => [r.querySelector('[data-col=\"due\"]').textContent, \
                        r.querySelector('[data-col=\"kind\"]').textContent])"
        ))
        .await;
    assert_eq!(
        row,
        serde_json::json!([[fi_date(due_on), format!("Väliraportti ({rule})")]])
    );
    browser.screenshot("provider-reports").await;
    browser.assert_accessible("the reports due").await;

    // What the provider recorded, as the social worker's timeline of each voucher shows it (a
    // fresh page: the same address with another fragment would not load again).
    browser.open("about:blank", "true").await;
    browser
        .open(&portal_url(&env, &origin, &env.social_worker()), READY)
        .await;
    let kinds_of = async |browser: &mut Browser, voucher: &str| {
        let number = get_voucher(&env, voucher).await.voucher_number;
        browser.type_into("#voucher-query", &number).await;
        browser.click_and_wait("#lookup-button").await;
        let kinds = browser
            .eval("[...document.querySelectorAll('#timeline li')].map(li => [li.dataset.kind, li.dataset.day ?? ''])")
            .await;
        serde_json::from_value::<Vec<(String, String)>>(kinds).expect("kinds")
    };
    let k1_line = kinds_of(&mut browser, &k1).await;
    for (kind, day) in [
        ("session-no_show", yesterday),
        ("session-recorded", today),
        ("session-cancelled_by_client", next_week),
    ] {
        assert!(
            k1_line.contains(&(kind.to_owned(), day.to_string())),
            "no {kind} on {day} in {k1_line:?}"
        );
    }
    let k2_line = kinds_of(&mut browser, &k2).await;
    assert!(
        k2_line.contains(&("absence".to_owned(), today.to_string())),
        "{k2_line:?}"
    );
    let absence = browser
        .text("#timeline li[data-kind=\"absence\"] .what")
        .await;
    assert_eq!(absence, "Poissa: Oma sairaus");
    browser
        .screenshot("provider-day-in-the-social-workers-timeline")
        .await;
    browser.close().await;
}
