//! The start checklist with real dates (`seteli_rules::process::check_service_start`) at
//! AcceptVoucher, StartVoucher and the first units used: PROC-START counted from the day the
//! provider was chosen (or the agreed start), KTT-STEWARD for KTT work activity by the start and
//! never dated after the start or today, PROC-COACH (KTT at the contract, SK by the start).

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

/// The registry and the voucher service, the registry also pricing KTT work activity.
async fn start_with_work_activity() -> Env {
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers])
        .prices(Prices::County)
        .tweak(|svc, c| {
            if svc == Svc::Providers {
                c.vars.insert(
                    "SETELI_CEILING_PRICES".into(),
                    format!("{REGISTRY_PRICES},KTT_ASSESSMENT@2024-01-01=95.00"),
                );
            }
        })
        .start()
        .await;
    set_price(&env, ServiceType::KttAssessment, ymd(2024, 1, 1), 9500).await;
    env
}

/// An approved association that also offers KTT assessment (work activity).
async fn work_activity_provider(env: &Env, name: &str, seed: u32) -> String {
    let id = approved_provider(env, name, seed, KUOPIO).await;
    env.p()
        .set_offering(with_token(
            &env.admin(),
            ppb::SetOfferingRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: id.clone(),
                offering: Some(ppb::Offering {
                    service_type: ServiceType::KttAssessment as i32,
                    unit_price: Some(seteli_api::common::v1::Money { cents: 9000 }),
                    max_group_size: 0,
                    ..Default::default()
                }),
                price_effective_from: None,
            },
        ))
        .await
        .expect("KTT assessment offering");
    id
}

/// A KTT assessment decision (40 activity days over 3 months from `from`).
fn assessment(client_id: &str, from: chrono::NaiveDate) -> pb::ServiceDecision {
    pb::ServiceDecision {
        service_type: ServiceType::KttAssessment as i32,
        valid_from: d(from),
        valid_until: d(seteli_rules::terms::validity_end(from, 3)),
        granted_units: units(40),
        ..ktt_decision(client_id)
    }
}

async fn accept_with(
    env: &Env,
    provider: &str,
    voucher_id: &str,
    coach: &str,
    steward: Option<chrono::NaiveDate>,
) -> Result<pb::Voucher, tonic::Status> {
    accept_as(env, provider, accept_request(voucher_id, coach, steward)).await
}

#[tokio::test]
async fn proc_start_counts_from_the_day_the_provider_was_chosen() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Viipymättä ry", 5_100_001, KUOPIO).await;
    let (_, v) = chosen(&env, &provider, 501, sk_decision).await;
    let accepted = accept(&env, &provider, &v.id).await.expect("accept");
    assert_eq!(accepted.provider_chosen_on, d(today()));
    assert_eq!(accepted.accepted_on, d(today()));
    // Started at once. (A start after the limit, counted from the recorded day of the choice,
    // is in `proc_start_counts_from_the_recorded_day_of_the_choice_not_from_today`.)
    let started = start_service(&env, &provider, start_request(&v.id, today(), "", None))
        .await
        .expect("started at once");
    assert_eq!(started.state, pb::VoucherState::Active as i32);

    // A start agreed at the choice (a closed group's) is kept on the voucher.
    let (_, w) = issued(&env, 502, sk_decision).await;
    choose_with_start(&env, &w.id, &provider, Some(today()))
        .await
        .expect("choose with an agreed start");
    accept(&env, &provider, &w.id).await.expect("accept");
    let started = start_service(&env, &provider, start_request(&w.id, today(), "", None))
        .await
        .expect("on the agreed start");
    assert_eq!(started.started_on, d(today()));
    assert_eq!(started.agreed_start_on, d(today()));
}

#[tokio::test]
async fn the_chief_shop_steward_is_notified_by_the_start_of_work_activity() {
    let env = start_with_work_activity().await;
    let provider = work_activity_provider(&env, "Työpaja ry", 5_200_001).await;
    let client = client_at(&env, 511, KUOPIO).await;
    let v = issue(&env, assessment(&client.id, today()))
        .await
        .expect("issue assessment");
    choose(&env, &v.id, &provider).await.expect("choose");
    // A notice cannot be dated after today.
    let tomorrow = days(today(), 1);
    refused_by(
        accept_with(&env, &provider, &v.id, "Olli", Some(tomorrow)).await,
        ["KTT-STEWARD"],
        "notice dated tomorrow",
    );
    // Accepting is not starting: the notice is due by the first day of work activity.
    accept_with(&env, &provider, &v.id, "Olli", None)
        .await
        .expect("accepted before the notice");
    refused_by(
        start_service(&env, &provider, start_request(&v.id, today(), "", None)).await,
        ["KTT-STEWARD"],
        "work activity without a notice",
    );
    // Units are not recorded here (attendance counts them): no way around the checklist.
    assert_units_are_recorded_in_attendance(
        record_units(&env, &provider, &v.id, 100, today()).await,
    );
    refused_by(
        start_service(
            &env,
            &provider,
            start_request(&v.id, today(), "", Some(tomorrow)),
        )
        .await,
        ["KTT-STEWARD"],
        "notice dated after the start",
    );
    let started = start_service(
        &env,
        &provider,
        start_request(&v.id, today(), "", Some(today())),
    )
    .await
    .expect("notified on the first day");
    assert_eq!(started.steward_notified_on, d(today()));
    assert_eq!(started.state, pb::VoucherState::Active as i32);

    // A notice recorded at acceptance, dated after the day the service is said to start.
    let other = client_at(&env, 512, KUOPIO).await;
    let w = issue(&env, assessment(&other.id, days(today(), -7)))
        .await
        .expect("issue");
    choose(&env, &w.id, &provider).await.expect("choose");
    accept_with(&env, &provider, &w.id, "Olli", Some(today()))
        .await
        .expect("accept");
    refused_by(
        start_service(
            &env,
            &provider,
            start_request(&w.id, days(today(), -3), "", None),
        )
        .await,
        ["KTT-STEWARD"],
        "started before the notice",
    );
    start_service(&env, &provider, start_request(&w.id, today(), "", None))
        .await
        .expect("started on the day of the notice");

    // KTT coaching needs no notice (KTT 2.1: optional for coaching).
    let (_, x) = chosen(&env, &provider, 513, ktt_decision).await;
    accept_with(&env, &provider, &x.id, "Olli", None)
        .await
        .expect("accept");
    start_service(&env, &provider, start_request(&x.id, today(), "", None))
        .await
        .expect("coaching starts without a notice");
}

#[tokio::test]
async fn the_responsible_coach_is_named_at_the_ktt_contract_and_by_the_sk_start() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Vastuu ry", 5_300_001, KUOPIO).await;
    let client = client_at(&env, 521, KUOPIO).await;
    // KTT: "heti sopimusta tehtäessä" — the acceptance is the contract.
    let ktt = issue(&env, ktt_decision(&client.id)).await.expect("KTT");
    choose(&env, &ktt.id, &provider).await.expect("choose");
    refused_by(
        accept_with(&env, &provider, &ktt.id, "", None).await,
        ["PROC-COACH"],
        "KTT without a coach",
    );
    // SK: "heti palvelun käynnistyessä" — by the start.
    let sk = issue(&env, sk_decision(&client.id)).await.expect("SK");
    choose(&env, &sk.id, &provider).await.expect("choose");
    let accepted = accept_with(&env, &provider, &sk.id, "", None)
        .await
        .expect("SK accepted before a coach is named");
    assert!(accepted.responsible_coach.is_empty());
    refused_by(
        start_service(&env, &provider, start_request(&sk.id, today(), "", None)).await,
        ["PROC-COACH"],
        "SK started without a coach",
    );
    // Units are not recorded here (attendance counts them, and admits a session only with a
    // responsible coach named: PROC-COACH).
    assert_units_are_recorded_in_attendance(
        record_units(&env, &provider, &sk.id, 100, today()).await,
    );
    let started = start_service(
        &env,
        &provider,
        start_request(&sk.id, today(), "Sanna Sosionomi", None),
    )
    .await
    .expect("coach named at the start");
    assert_eq!(started.responsible_coach, "Sanna Sosionomi");
    assert_eq!(started.state, pb::VoucherState::Active as i32);
}

/// An SK group voucher for a fresh client in Kuopio, decided on and valid from `from`, issued
/// by `vouchers` (a voucher service of a pinned or shared clock).
async fn sk_voucher(vouchers: &Env, individual: u16, from: chrono::NaiveDate) -> pb::Voucher {
    let client = client_at(vouchers, individual, KUOPIO).await;
    issue(vouchers, sk_decision_on(&client.id, from))
        .await
        .expect("issue")
}

/// Accepts the voucher as a user of `provider`, naming Olli Ohjaaja, the steward unstated.
async fn accept_unstated(
    vouchers: &Env,
    voucher_id: &str,
    provider: &str,
) -> Result<pb::Voucher, tonic::Status> {
    let req = accept_request(voucher_id, "Olli Ohjaaja", None);
    accept_as(vouchers, provider, req).await
}

/// Starts the service on `on` as a user of `provider`.
async fn start_on(
    vouchers: &Env,
    voucher_id: &str,
    provider: &str,
    on: chrono::NaiveDate,
) -> Result<pb::Voucher, tonic::Status> {
    start_service(vouchers, provider, start_request(voucher_id, on, "", None)).await
}

#[tokio::test]
async fn proc_start_counts_from_the_recorded_day_of_the_choice_not_from_today() {
    let env = Env::builder().services(&[Svc::Providers]).start().await;
    let provider = approved_provider(&env, "Myöhästyjä ry", 5_400_001, KUOPIO).await;
    // A month ago: the clients chose the provider; it accepted one voucher at once.
    let chosen_on = days(today(), -30);
    let then = vouchers_on(&env, chosen_on).await;
    set_price(&then, ServiceType::SkGroup, ymd(2026, 1, 1), 3500).await;
    let accepted = sk_voucher(&then, 531, chosen_on).await;
    choose(&then, &accepted.id, &provider)
        .await
        .expect("choose");
    let a = accept_unstated(&then, &accepted.id, &provider)
        .await
        .expect("accept");
    assert_eq!(a.provider_chosen_on, d(chosen_on));
    let pending = sk_voucher(&then, 532, chosen_on).await;
    choose(&then, &pending.id, &provider).await.expect("choose");
    let on_time = sk_voucher(&then, 533, chosen_on).await;
    choose(&then, &on_time.id, &provider).await.expect("choose");
    accept_unstated(&then, &on_time.id, &provider)
        .await
        .expect("accept");
    let started = start_on(&then, &on_time.id, &provider, chosen_on)
        .await
        .expect("started the day it was chosen");
    assert_eq!(started.started_on, d(chosen_on));

    // Today, on the same database: more than 10 business days after the choice.
    let now = vouchers_after(&env, &then).await;
    refused_by(
        start_on(&now, &accepted.id, &provider, today()).await,
        ["PROC-START"],
        "a month after the choice",
    );
    // Not started and past the limit: accepting now is late too.
    refused_by(
        accept_unstated(&now, &pending.id, &provider).await,
        ["PROC-START"],
        "accepted a month after the choice",
    );
    // A new choice is a new order: PROC-START counts from today.
    let again = choose(&now, &pending.id, &provider).await.expect("choose");
    assert_eq!(again.provider_chosen_on, d(today()));
    accept_unstated(&now, &pending.id, &provider)
        .await
        .expect("accepted at once");
    start_on(&now, &pending.id, &provider, today())
        .await
        .expect("started at once");
}

#[tokio::test]
async fn a_start_is_recorded_on_the_day_it_happens_not_ahead() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Huomenna ry", 5_300_001, KUOPIO).await;
    let (_, v) = chosen(&env, &provider, 531, sk_decision).await;
    accept(&env, &provider, &v.id).await.expect("accept");
    // A start dated tomorrow would make the voucher ACTIVE before anything happened and skip
    // the checklist that is due by the start.
    let err = start_service(
        &env,
        &provider,
        start_request(&v.id, days(today(), 1), "Sanna", None),
    )
    .await
    .expect_err("a future start");
    assert_eq!(bad_fields(&err), vec!["started_on".to_owned()]);
    let started = start_service(
        &env,
        &provider,
        start_request(&v.id, today(), "Sanna", None),
    )
    .await
    .expect("started today");
    assert_eq!(started.state, pb::VoucherState::Active as i32);
}
