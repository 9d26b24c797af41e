//! The invoicing of a voucher in the social worker's timeline (web/, headless Chromium), against
//! the real registry, vouchers, attendance, reporting and billing. Billing does not let a social
//! worker read invoices; the timeline shows what the sessions, which the social worker does read,
//! record of it (attendance's `invoice_id`): last month, closed and invoiced through billing's
//! public API, as one invoice with its sessions' days and units, and today's session as realised
//! but not yet invoiced. Checked with axe-core (nothing serious or critical), at a phone's 360 px
//! (nothing to scroll sideways), and reached by keyboard. Screenshots go to
//! `SETELI_BROWSER_SCREENSHOTS` when it is set.

use chrono::Datelike as _;
use seteli_tests::browser::{Browser, READY, fi_date, fi_month, plain, portal_env, portal_url};
use seteli_tests::fixtures::*;

/// The day's services and billing.
const WITH_BILLING: [Svc; 5] = [
    Svc::Providers,
    Svc::Vouchers,
    Svc::Attendance,
    Svc::Reporting,
    Svc::Billing,
];

#[tokio::test]
async fn a_social_worker_sees_what_the_sessions_record_of_the_vouchers_invoicing() {
    let (env, origin) = portal_env(&WITH_BILLING, Prices::County).await;
    let p = approved_provider(&env, "Laskuttava Valmennus ry", 1_000_411, SIILINJARVI).await;

    // Last month (closed): two realised sessions of 2 h and a no-show; invoiced through billing.
    let last = month_ago(1);
    let (third, tenth, twelfth) = (
        last.with_day(3).expect("day"),
        last.with_day(10).expect("day"),
        last.with_day(12).expect("day"),
    );
    let voucher = billed_voucher(&env, &p, 411, last, &[3, 10], 2).await;
    no_show(&env, &p, &voucher, twelfth).await;
    let generated = generate(&env, &env.provider_user(&p), &p, last)
        .await
        .expect("generated");
    let invoice = generated.invoice.expect("invoice");
    let line = invoice
        .lines
        .iter()
        .find(|l| l.voucher_id == voucher)
        .expect("the voucher's line");
    // Billing's own count: 4 h realised, the no-show's one unit (BILL-NO-SHOW).
    assert_eq!(line_units(line), (400, 100));

    // Today (an open month): a session realised after the invoice.
    let today = today();
    let later = record(&env, &p, &voucher, at(today, 8, 10))
        .await
        .expect("today");

    // The social worker's own reading: what billing told attendance of the month.
    let sessions = poll_until(
        || async {
            sessions_of(&env, &env.social_worker(), &voucher)
                .await
                .expect("sessions")
        },
        |ss| ss.iter().filter(|s| s.invoice_id == invoice.id).count() == 3,
        |ss| format!("sessions {ss:?}"),
    )
    .await;
    assert!(
        sessions
            .iter()
            .any(|s| s.id == later.id && s.invoice_id.is_empty())
    );

    // The voucher found by keyboard: its number typed, Enter.
    let number = get_voucher(&env, &voucher).await.voucher_number;
    let mut browser = Browser::launch().await;
    browser
        .open(&portal_url(&env, &origin, &env.social_worker()), READY)
        .await;
    browser.look_up_voucher_by_keyboard(&number).await;

    // The invoice: last month, its three sessions by day, the realised units.
    let item = format!(
        "#timeline li[data-kind=\"invoice\"][data-invoice=\"{}\"]",
        invoice.id
    );
    assert_eq!(browser.text(&format!("{item} time")).await, fi_month(last));
    let datetime = browser
        .eval(&format!(
            "document.querySelector('{item} time').getAttribute('datetime')",
            item = item.replace('\'', "\\'")
        ))
        .await;
    assert_eq!(datetime, format!("{:04}-{:02}", last.year(), last.month()));
    assert_eq!(
        plain(&browser.text(&format!("{item} .what")).await),
        "Laskutettu: 3 käyntiä, toteutuneet yhteensä 4 h"
    );
    assert_eq!(
        plain(&browser.text(&format!("{item} .detail")).await),
        format!(
            "— {} 2 h, {} 2 h, {} ei saapunut (lasku {})",
            fi_date(third),
            fi_date(tenth),
            fi_date(twelfth),
            invoice.id
        )
    );
    let invoices = browser
        .eval("document.querySelectorAll('#timeline li[data-kind=\"invoice\"]').length")
        .await;
    assert_eq!(invoices, 1);
    // In the timeline after the month's last session it covers, before today's.
    let order = browser
        .eval("[...document.querySelectorAll('#timeline li')].map(li => li.dataset.kind + ' ' + li.dataset.day)")
        .await;
    let order: Vec<String> = serde_json::from_value(order).expect("order");
    let at_of = |line: &str| order.iter().position(|o| o == line);
    let invoice_at = at_of(&format!("invoice {twelfth}")).expect("the invoice in order");
    assert!(
        at_of(&format!("session-no_show {twelfth}")) < Some(invoice_at)
            && Some(invoice_at) < at_of(&format!("session-recorded {today}")),
        "{order:?}"
    );

    // Each realised session says whether it is invoiced.
    for day in [third, tenth] {
        let session = format!("#timeline li[data-kind=\"session-recorded\"][data-day=\"{day}\"]");
        let shown = plain(&browser.text(&session).await);
        assert!(
            shown.starts_with(&fi_date(day)) && shown.ends_with("2 h; laskutettu"),
            "{shown}"
        );
        let on = browser
            .eval(&format!(
                "document.querySelector('{}').dataset.invoice",
                session.replace('\'', "\\'")
            ))
            .await;
        assert_eq!(on, invoice.id.as_str());
    }
    let today_line = format!("#timeline li[data-kind=\"session-recorded\"][data-day=\"{today}\"]");
    let shown = plain(&browser.text(&today_line).await);
    assert_eq!(
        shown,
        format!(
            "{} Käynti: Toteutunut — klo 8.00–10.00, 2 h; ei vielä laskutettu",
            fi_date(today)
        )
    );
    let page = browser.eval("document.body.innerText").await;
    assert!(
        !page
            .as_str()
            .unwrap_or_default()
            .contains("eivät sosiaalityöntekijälle"),
        "the old note that invoices cannot be shown"
    );
    browser.screenshot("social-timeline-invoiced").await;
    browser
        .assert_accessible("the timeline with its invoicing")
        .await;

    // At a phone's width: nothing to scroll sideways, the invoice id wraps.
    browser.set_width(360).await;
    assert_eq!(browser.overflow_x().await, 0, "the invoicing at 360 px");
    browser.screenshot("social-timeline-invoiced-360").await;
    browser
        .assert_accessible("the timeline with its invoicing at 360 px")
        .await;
    browser.close().await;
}
