//! The start of a service in the ledger (RULES.md §5, §10 "Start of service"), through the
//! public API with a pinned clock: KTT-STEWARD for every first work day whatever its date and
//! the notice recorded until that day is realised; no refusal on a stale copy of the voucher
//! (StartVoucher, then the first work day at once, fifty times); PROC-START counted from the
//! first valid day, owed by no continuation with the same provider, and a closed group's start
//! as its clients' agreed start (SK 5).

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::{rule_ids, with_token};
use seteli_rules::calendar::add_business_days;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::{Env, Prices};
use tonic::Code;

use super::attendance_ledger::{earlier, later, today};

/// The registry (with KTT work activity's ceiling prices), vouchers and attendance on today.
async fn start_on_today() -> Env {
    let clock = clock_on(today());
    Env::builder()
        .services(&ATTENDANCE)
        .prices(Prices::Every)
        .clock(clock)
        .start()
        .await
}

/// A voucher issued on `decision` (decided today), chosen today for and accepted by `p` with
/// a coach and the steward's notice `steward` (none: not told yet).
async fn accepted(
    env: &Env,
    p: &str,
    mut decision: pb::ServiceDecision,
    steward: Option<NaiveDate>,
) -> String {
    decision.decision_date = d(today());
    let v = issue(env, decision).await.expect("issue");
    choose(env, &v.id, p).await.expect("choose");
    env.v()
        .accept_voucher(with_token(
            &env.provider_user(p),
            accept_request(&v.id, "Olli Ohjaaja", steward),
        ))
        .await
        .expect("accept");
    v.id
}

/// A KTT work capacity voucher (20 days, valid from 1 October for three months) of a fresh
/// client, accepted by `p` without the steward's notice.
async fn work_voucher(env: &Env, p: &str, individual: u16) -> String {
    let c = client_at(env, individual, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let decision = decision(
        &c.id,
        ServiceType::KttWorkCapacity,
        from,
        validity_end(from, 3),
        20,
    );
    accepted(env, p, decision, None).await
}

/// StartVoucher with the steward's notice alone (no start): KTT-STEWARD recorded on an
/// accepted or active voucher.
async fn notice(env: &Env, p: &str, v: &str, on: NaiveDate) -> Result<pb::Voucher, tonic::Status> {
    let mut req = start_request(v, today(), "", Some(on));
    req.started_on = None;
    start_service(env, p, req).await
}

/// A KTT individual coaching decision continuing `previous` (VOUCHER-EXTENSION) from `from`.
async fn continuation(env: &Env, previous: String, from: NaiveDate) -> pb::ServiceDecision {
    let before = get_voucher(env, &previous).await;
    let client_id = before.client.expect("client").client_id;
    let mut next = decision(
        &client_id,
        ServiceType::KttIndividual,
        from,
        validity_end(from, 3),
        20,
    );
    next.continues_voucher_id = previous;
    next
}

fn state(v: &pb::Voucher) -> pb::VoucherState {
    pb::VoucherState::try_from(v.state).expect("a state")
}

#[tokio::test]
async fn a_first_work_day_agreed_for_a_later_day_needs_the_stewards_notice() {
    let env = start_on_today().await;
    let p = ktt_provider(&env, "Työpaja ry", 1_024_101, SIILINJARVI).await;
    let v = work_voucher(&env, &p, 301).await;
    // KTT-STEWARD: a first work day next week is refused without the notice, as one of today.
    for day in [later(7), today()] {
        let err = record(&env, &p, &v, at(day, 9, 13))
            .await
            .expect_err("no steward's notice");
        assert_eq!(err.code(), Code::FailedPrecondition, "{day}");
        assert_eq!(rule_ids(&err), vec!["KTT-STEWARD"], "{day}");
    }
    // The notice is never dated after today.
    refused_by(
        notice(&env, &p, &v, later(1)).await,
        ["KTT-STEWARD"],
        "a notice of tomorrow",
    );
    // Told yesterday, recorded on the accepted voucher without starting it.
    let told = notice(&env, &p, &v, earlier(1)).await.expect("the notice");
    assert_eq!(state(&told), pb::VoucherState::Assigned);
    assert_eq!(told.steward_notified_on, d(earlier(1)));
    assert_eq!(told.started_on, None);
    // A first work day before the notice is refused; one after it agreed.
    refused_by(
        record(&env, &p, &v, at(earlier(5), 9, 13)).await,
        ["KTT-STEWARD"],
        "worked before the notice",
    );
    let agreed = record(&env, &p, &v, at(later(7), 9, 13))
        .await
        .expect("agreed after the notice");
    assert_eq!(units_used(&env, &v).await, 0, "agreed, not used");
    // The notice may still be replaced while the first work day is not realised.
    let told = notice(&env, &p, &v, earlier(2)).await.expect("replaced");
    assert_eq!(told.steward_notified_on, d(earlier(2)));
    // Today's work day becomes the first: realised, the voucher turns ACTIVE.
    let first = record(&env, &p, &v, at(today(), 9, 13))
        .await
        .expect("the first work day today");
    assert_eq!(units_used(&env, &v).await, 100);
    let shown = voucher_shows_usage(&env, &v).await;
    assert_eq!(state(&shown), pb::VoucherState::Active);
    // Realised: the notice can no longer be recorded.
    refused_with(
        notice(&env, &p, &v, earlier(3)).await,
        Code::FailedPrecondition,
        "after the first work day",
    );
    assert_eq!(
        billable(&env, &p, 2026, 10)
            .await
            .iter()
            .flat_map(|b| b.items.iter().map(|i| i.session_id.clone()))
            .collect::<Vec<_>>(),
        [first.id],
        "the agreed day {} is not billable",
        agreed.id
    );
}

#[tokio::test]
async fn an_active_voucher_takes_the_notice_until_its_first_work_day_is_realised() {
    let env = start_on_today().await;
    let p = ktt_provider(&env, "Työpaja ry", 1_024_102, SIILINJARVI).await;
    let v = work_voucher(&env, &p, 302).await;
    // StartVoucher checks the notice (KTT-STEWARD) ...
    refused_by(
        start_service(&env, &p, start_request(&v, today(), "", None)).await,
        ["KTT-STEWARD"],
        "no notice",
    );
    let started = start_service(&env, &p, start_request(&v, today(), "", Some(earlier(1))))
        .await
        .expect("started");
    assert_eq!(state(&started), pb::VoucherState::Active);
    // ... and on the ACTIVE voucher without units used it is replaced, the start kept.
    let replaced = start_service(&env, &p, start_request(&v, today(), "", Some(earlier(3))))
        .await
        .expect("replaced on ACTIVE");
    assert_eq!(state(&replaced), pb::VoucherState::Active);
    assert_eq!(replaced.steward_notified_on, d(earlier(3)));
    assert_eq!(replaced.started_on, d(today()));
    let replaced = notice(&env, &p, &v, earlier(2))
        .await
        .expect("the notice alone");
    assert_eq!(replaced.steward_notified_on, d(earlier(2)));
    // An agreed first work day next week, then the realised one today.
    record(&env, &p, &v, at(later(7), 9, 13))
        .await
        .expect("agreed");
    record(&env, &p, &v, at(today(), 9, 13))
        .await
        .expect("realised");
    voucher_shows_usage(&env, &v).await;
    refused_with(
        start_service(&env, &p, start_request(&v, today(), "", Some(earlier(4)))).await,
        Code::FailedPrecondition,
        "realised already",
    );
}

#[tokio::test]
async fn start_voucher_then_the_first_work_day_at_once_fifty_times() {
    let env = start_on_today().await;
    let p = ktt_provider(&env, "Työpaja ry", 1_024_103, SIILINJARVI).await;
    let mut admitted = 0;
    for i in 0..50u16 {
        let v = work_voucher(&env, &p, 400 + i).await;
        start_service(&env, &p, start_request(&v, today(), "", Some(today())))
            .await
            .expect("started with the notice");
        // At once: attendance's copy may still be the accepted voucher without the notice.
        match record(&env, &p, &v, at(today(), 9, 13)).await {
            Ok(_) => admitted += 1,
            Err(e) => panic!("try {i}: refused on a stale copy: {e:?}"),
        }
    }
    assert_eq!(admitted, 50);
}

#[tokio::test]
async fn proc_start_counts_from_a_first_valid_day_after_the_choice() {
    let env = start_on_today().await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_104, SIILINJARVI).await;
    let c = client_at(&env, 303, SIILINJARVI).await;
    // Chosen today, valid from Monday 14 December (two months ahead), no agreed start.
    let from = ymd(2026, 12, 14);
    let v = accepted(
        &env,
        &p,
        decision(
            &c.id,
            ServiceType::KttIndividual,
            from,
            validity_end(from, 3),
            30,
        ),
        None,
    )
    .await;
    // PROC-START: fifteen business days after the first valid day is late ...
    refused_by(
        record(&env, &p, &v, at(add_business_days(from, 15), 9, 11)).await,
        ["PROC-START"],
        "late even from the first valid day",
    );
    // ... three business days after it is in time (ten business days from the choice would
    // have ended on 28 October, before the voucher was valid).
    record(&env, &p, &v, at(add_business_days(from, 3), 9, 11))
        .await
        .expect("starts soon after its first valid day");
    assert_eq!(
        voucher_usage(&env, &v)
            .await
            .units_used
            .map(|u| u.hundredths),
        Some(0)
    );
}

#[tokio::test]
async fn a_continuation_with_the_same_provider_owes_no_new_start() {
    let env = start_on_today().await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_105, SIILINJARVI).await;
    let q = approved_provider(&env, "Toinen ry", 1_024_106, SIILINJARVI).await;
    let from = ymd(2026, 8, 3);
    let until = validity_end(from, 3);
    // VOUCHER-EXTENSION: two clients' vouchers with `p` continue, one with `p`, one with `q`.
    let same = ktt_voucher(&env, &p, 304, from, until).await;
    let other = ktt_voucher(&env, &p, 305, from, until).await;
    let next_from = days(until, 1);
    let same_next = accepted(&env, &p, continuation(&env, same, next_from).await, None).await;
    let other_next = accepted(&env, &q, continuation(&env, other, next_from).await, None).await;
    // The first session three weeks into the continuation: past PROC-START's ten business days.
    let first = add_business_days(next_from, 15);
    record(&env, &p, &same_next, at(first, 9, 11))
        .await
        .expect("the same provider goes on");
    refused_by(
        record(&env, &q, &other_next, at(first, 9, 11)).await,
        ["PROC-START"],
        "a new provider takes a new client",
    );
}

#[tokio::test]
async fn a_closed_groups_announced_start_is_its_clients_agreed_start() {
    let env = start_on_today().await;
    let p = approved_provider(&env, "Ryhmät ry", 1_024_107, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let until = validity_end(from, 3);
    let closed_client = sk_group_voucher(&env, &p, 306, from, until).await;
    let open_client = sk_group_voucher(&env, &p, 307, from, until).await;
    // Announced for Wednesday 18 November: past ten business days from today's choice.
    let start = later(35);
    let closed = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 8, start),
    )
    .await
    .expect("closed group");
    let open = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Open, 8, start),
    )
    .await
    .expect("open group");
    enrol(&env, &p, &closed.id, &closed_client, None)
        .await
        .expect("enrolled in the closed group");
    enrol(&env, &p, &open.id, &open_client, None)
        .await
        .expect("enrolled in the open group");
    let session = |group_id: &str, voucher_id: &str| apb::RecordGroupSessionRequest {
        request_id: rid(),
        validate_only: false,
        group_id: group_id.into(),
        details: Some(apb::GroupSessionDetails {
            date: d(start),
            hours: Some(apb::Units { hundredths: 300 }),
            modality: apb::Modality::OnSite as i32,
            notes: "Ensimmäinen ryhmäkerta".into(),
            ..Default::default()
        }),
        marks: vec![apb::PresenceMark {
            voucher_id: voucher_id.into(),
            presence: apb::Presence::Present as i32,
            ..Default::default()
        }],
    };
    let token = env.provider_user(&p);
    // SK 5: the closed group's first day is the agreed start of its client (PROC-START).
    env.a()
        .record_group_session(with_token(&token, session(&closed.id, &closed_client)))
        .await
        .expect("the closed group's first day");
    // An open group's start is no agreed start: the default limit holds.
    let err = env
        .a()
        .record_group_session(with_token(&token, session(&open.id, &open_client)))
        .await
        .expect_err("late for a new client");
    assert!(rule_ids(&err).contains(&"PROC-START".to_owned()), "{err:?}");
}

#[tokio::test]
async fn a_closed_groups_delayed_start_is_its_clients_agreed_start() {
    let env = start_on_today().await;
    let p = approved_provider(&env, "Ryhmät ry", 1_024_108, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let client = sk_group_voucher(&env, &p, 308, from, validity_end(from, 3)).await;
    // Announced for Wednesday 21 October: its fill is judged today, a week before.
    let announced = later(7);
    let details = group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 8, announced);
    let group = create_group(&env, &p, details).await.expect("closed group");
    enrol(&env, &p, &group.id, &client, None)
        .await
        .expect("enrolled");
    // The first day on Friday 30 October: late for the announced start, and past ten
    // business days from the choice.
    let delayed = later(16);
    let first_day = |on: NaiveDate| apb::RecordGroupSessionRequest {
        request_id: rid(),
        validate_only: false,
        group_id: group.id.clone(),
        details: Some(apb::GroupSessionDetails {
            date: d(on),
            hours: Some(apb::Units { hundredths: 300 }),
            modality: apb::Modality::OnSite as i32,
            notes: "Ensimmäinen ryhmäkerta".into(),
            ..Default::default()
        }),
        marks: vec![apb::PresenceMark {
            voucher_id: client.clone(),
            presence: apb::Presence::Present as i32,
            ..Default::default()
        }],
    };
    let token = env.provider_user(&p);
    let err = env
        .a()
        .record_group_session(with_token(&token, first_day(delayed)))
        .await
        .expect_err("after the announced start");
    assert!(rule_ids(&err).contains(&"PROC-START".to_owned()), "{err:?}");
    // SK 5: the provider delays the start lawfully; the delayed start is the agreed one.
    let request = apb::DelayGroupStartRequest {
        request_id: rid(),
        validate_only: false,
        group_id: group.id.clone(),
        new_start: d(delayed),
        reason: "Ryhmä ei täyttynyt ajoissa.".into(),
    };
    delay_group_start(&env, &token, request)
        .await
        .expect("delayed");
    env.a()
        .record_group_session(with_token(&token, first_day(delayed)))
        .await
        .expect("the delayed first day");
}
