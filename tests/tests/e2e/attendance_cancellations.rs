//! Cancellations and no-shows (BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-REPEATED), the billable
//! items of a month (calendar-month boundaries, nothing billed twice), and the alert feed.

use seteli_api::attendance::v1 as apb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;

/// "Today" for these tests: within the grace period of the vouchers valid from 1 September
/// 2026, after every session they record, so the system clock's passing does not end them.
fn pinned() -> chrono::NaiveDate {
    ymd(2026, 12, 6)
}

/// A cancellation by the client, told on `on`.
fn by_client(on: Option<chrono::NaiveDate>) -> apb::Cancellation {
    apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        cancelled_on: on.and_then(d),
        ..Default::default()
    }
}

#[tokio::test]
async fn client_cancellations_and_no_shows_by_calendar_month() {
    let (env, p) = with_provider(start_attendance_on(pinned()).await, 1_000_021).await;
    let from = ymd(2026, 9, 1);
    let v = ktt_voucher(&env, &p, 121, from, validity_end(from, 3)).await;
    let s = |date| at(date, 9, 11);
    // Before the session day: not billable, not a no-show.
    let early = record(&env, &p, &v, s(ymd(2026, 10, 20)))
        .await
        .expect("s1");
    let early = cancel(&env, &p, &early.id, by_client(Some(ymd(2026, 10, 19))))
        .await
        .expect("cancelled in time");
    assert_eq!(early.status, apb::SessionStatus::CancelledByClient as i32);
    // On the day, and not coming at all: no-shows; one unit a calendar month is billable.
    let mut no_shows = Vec::new();
    for (date, on) in [
        (ymd(2026, 10, 30), Some(ymd(2026, 10, 30))),
        (ymd(2026, 10, 31), None),
        (ymd(2026, 11, 1), None),
    ] {
        let x = record(&env, &p, &v, s(date)).await.expect("session");
        let x = cancel(&env, &p, &x.id, by_client(on))
            .await
            .expect("no-show");
        assert_eq!(x.status, apb::SessionStatus::NoShow as i32);
        no_shows.push(x.id);
    }
    record(&env, &p, &v, s(ymd(2026, 10, 29)))
        .await
        .expect("realised");
    // Units used: 2 h realised + 1 allowed no-show unit in October and 1 in November.
    assert_eq!(units_used(&env, &v).await, 400);
    let october = billable(&env, &p, 2026, 10).await;
    assert_eq!(october.len(), 1);
    assert_eq!(october[0].realised_units.map(|u| u.hundredths), Some(200));
    assert_eq!(october[0].no_show_units.map(|u| u.hundredths), Some(100));
    assert!(!october[0].items.iter().any(|i| i.item_id == early.id));
    let november = billable(&env, &p, 2026, 11).await;
    assert_eq!(november[0].no_show_units.map(|u| u.hundredths), Some(100));
    // Nothing is billed twice.
    let ids: Vec<String> = october[0].items.iter().map(|i| i.item_id.clone()).collect();
    let mark = async |invoice: &str| {
        let req = invoiced_items(invoice, &p, ymd(2026, 10, 1), ids.clone());
        mark_items_invoiced(&env, &env.service(Svc::Billing), req).await
    };
    mark("INV-10").await.expect("invoiced");
    refused_by(
        mark("INV-11").await,
        ["STATE-TRANSITION"],
        "already invoiced",
    );
    // ABS-REPEATED: the provider contacts the client; repeated no-shows reach the social worker.
    let provider_alerts = alerts(
        &env,
        &env.provider_user(&p),
        apb::ListAlertsRequest::default(),
    )
    .await;
    assert!(
        provider_alerts
            .iter()
            .filter(|a| a.rule_id == "ABS-REPEATED")
            .count()
            >= 3
    );
    let sw = alerts(
        &env,
        &env.social_worker(),
        apb::ListAlertsRequest {
            social_worker: "test-social_worker".into(),
            ..Default::default()
        },
    )
    .await;
    assert!(
        sw.iter().any(|a| a.rule_id == "ABS-REPEATED"
            && a.audience == apb::AlertAudience::SocialWorker as i32),
        "{sw:?}"
    );
    let feed = env
        .a()
        .list_alert_changes(with_token(
            &env.service(Svc::Reporting),
            apb::ListAlertChangesRequest::default(),
        ))
        .await
        .expect("alert feed")
        .into_inner();
    // The provider sees every alert of its vouchers, for whoever must act.
    assert_eq!(feed.changes.len(), provider_alerts.len());
    assert!(sw.len() <= provider_alerts.len());
}

#[tokio::test]
async fn a_provider_cancellation_is_never_billable_and_needs_a_replacement() {
    let (env, p) = with_provider(start_attendance_on(pinned()).await, 1_000_022).await;
    let from = ymd(2026, 9, 1);
    let v = ktt_voucher(&env, &p, 122, from, validity_end(from, 3)).await;
    let s = record(&env, &p, &v, at(ymd(2026, 10, 12), 9, 11))
        .await
        .expect("s");
    let by_provider = apb::Cancellation {
        by: apb::CancelledBy::Provider as i32,
        cancelled_on: d(ymd(2026, 10, 11)),
        ..Default::default()
    };
    refused_by(
        cancel(&env, &p, &s.id, by_provider.clone()).await,
        vec!["BILL-PROVIDER-CANCEL"; 4],
        "no substitute reasoning, not told, no replacement, not documented",
    );
    let replacement = record(&env, &p, &v, at(ymd(2026, 10, 14), 9, 11))
        .await
        .expect("replacement");
    let cancelled = cancel(
        &env,
        &p,
        &s.id,
        apb::Cancellation {
            substitute_unsuitable: true,
            client_told_on: d(ymd(2026, 10, 11)),
            replacement_session_id: replacement.id.clone(),
            documentation: "Ohjaaja sairastui; sijainen ei sovi asiakkaalle.".into(),
            ..by_provider
        },
    )
    .await
    .expect("cancelled by the provider");
    assert_eq!(
        cancelled.status,
        apb::SessionStatus::CancelledByProvider as i32
    );
    let october = billable(&env, &p, 2026, 10).await;
    let items: Vec<&str> = october[0]
        .items
        .iter()
        .map(|i| i.item_id.as_str())
        .collect();
    assert_eq!(items, [replacement.id.as_str()]);
    assert_eq!(units_used(&env, &v).await, 200);
}
