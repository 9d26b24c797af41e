//! Groups: CAP-GROUP-SIZE (the size, the 13th client), SK-GROUP-MIN-FILL (cancel, delay at most
//! 10 business days, notices to the social workers), SK-GROUP-LATE-JOIN (until 10 business days
//! after the start, across Easter; none for a closed KTT group), and one call that marks
//! every enrolled client present, absent or a no-show.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_platform::testing::with_token;
use seteli_rules::calendar::add_business_days;
use seteli_rules::groups::late_join_deadline;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

/// `n` SK group vouchers of fresh clients of `p`, valid from today for 3 months.
async fn sk_vouchers(env: &Env, p: &str, first: u16, n: u16) -> Vec<String> {
    let from = today();
    let mut out = Vec::new();
    for i in 0..n {
        out.push(sk_group_voucher(env, p, first + i, from, validity_end(from, 3)).await);
    }
    out
}

async fn decide(
    env: &Env,
    p: &str,
    group_id: &str,
    delay_to: Option<chrono::NaiveDate>,
) -> Result<(apb::Group, Vec<apb::Alert>), tonic::Status> {
    let token = env.provider_user(p);
    match delay_to {
        None => cancel_group(
            env,
            &token,
            apb::CancelGroupRequest {
                request_id: rid(),
                validate_only: false,
                group_id: group_id.into(),
                reason: "liian vähän ilmoittautuneita".into(),
            },
        )
        .await
        .map(|r| (r.group.expect("group"), r.alerts)),
        Some(new_start) => delay_group_start(
            env,
            &token,
            apb::DelayGroupStartRequest {
                request_id: rid(),
                validate_only: false,
                group_id: group_id.into(),
                new_start: d(new_start),
                reason: "odotetaan ilmoittautumisia".into(),
            },
        )
        .await
        .map(|r| (r.group.expect("group"), r.alerts)),
    }
}

fn date_of(x: Option<seteli_api::common::v1::Date>) -> chrono::NaiveDate {
    let x = x.expect("date");
    ymd(x.year, x.month as u32, x.day as u32)
}

#[tokio::test]
async fn a_closed_sk_group_under_60_percent_is_cancelled_with_notices() {
    let (env, p) = with_provider(start_attendance().await, 1_000_041).await;
    let v = sk_vouchers(&env, &p, 141, 3).await;
    // A week before the start is today: the fill is judged today.
    let start = days(today(), 7);
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 5, start),
    )
    .await
    .expect("group");
    assert_eq!(date_of(g.min_fill_check_on), today());
    for x in &v {
        enrol(&env, &p, &g.id, x, None).await.expect("enrolled");
    }
    // 3 of 5 is 60 %: not under the minimum fill.
    refused_by(
        decide(&env, &p, &g.id, None).await,
        ["SK-GROUP-MIN-FILL"],
        "60 % enrolled",
    );
    env.a()
        .withdraw_enrolment(with_token(
            &env.provider_user(&p),
            apb::WithdrawEnrolmentRequest {
                request_id: rid(),
                validate_only: false,
                group_id: g.id.clone(),
                voucher_id: v[2].clone(),
                reason: "muutti pois".into(),
            },
        ))
        .await
        .expect("withdrawn");
    // 2 of 5: cancelled, the two enrolled clients' social workers told, the provider asked to
    // tell the clients.
    let (cancelled, notices) = decide(&env, &p, &g.id, None).await.expect("cancelled");
    assert_eq!(cancelled.state, apb::GroupState::Cancelled as i32);
    assert!(notices.iter().all(|a| a.rule_id == "SK-GROUP-MIN-FILL"));
    let to_social_workers: Vec<&str> = notices
        .iter()
        .filter(|a| a.audience == apb::AlertAudience::SocialWorker as i32)
        .map(|a| a.voucher_id.as_str())
        .collect();
    assert_eq!(to_social_workers.len(), 2, "{notices:?}");
    assert!(!to_social_workers.contains(&v[2].as_str()));
    assert_eq!(
        notices
            .iter()
            .filter(|a| a.audience == apb::AlertAudience::Provider as i32)
            .count(),
        2
    );
    // The social worker finds them among their alerts.
    let listed = alerts(&env, &env.social_worker(), of_voucher(&v[0])).await;
    assert!(listed.iter().any(|a| a.rule_id == "SK-GROUP-MIN-FILL"
        && a.audience == apb::AlertAudience::SocialWorker as i32
        && !a.social_worker.is_empty()));
    // Cancelled: no more enrolments.
    refused_with(
        enrol(&env, &p, &g.id, &v[2], None).await,
        Code::FailedPrecondition,
        "cancelled",
    );
}

#[tokio::test]
async fn a_start_is_delayed_by_at_most_ten_business_days() {
    let (env, p) = with_provider(start_attendance().await, 1_000_042).await;
    let v = sk_vouchers(&env, &p, 151, 2).await;
    let start = days(today(), 7);
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 5, start),
    )
    .await
    .expect("group");
    for x in &v {
        enrol(&env, &p, &g.id, x, None).await.expect("enrolled");
    }
    let latest = add_business_days(start, 10);
    refused_by(
        decide(&env, &p, &g.id, Some(days(latest, 1))).await,
        ["SK-GROUP-MIN-FILL"],
        "11 business days",
    );
    let (delayed, notices) = decide(&env, &p, &g.id, Some(latest))
        .await
        .expect("delayed 10 business days");
    assert_eq!(date_of(delayed.start), latest);
    assert_eq!(
        date_of(delayed.details.and_then(|x| x.announced_start)),
        start
    );
    assert_eq!(
        notices
            .iter()
            .filter(|a| a.rule_id == "SK-GROUP-MIN-FILL"
                && a.audience == apb::AlertAudience::SocialWorker as i32)
            .count(),
        2
    );
    // The enrolled clients now join on the new start.
    assert!(
        delayed
            .enrolments
            .iter()
            .all(|e| date_of(e.joins_on) == latest)
    );
    // A group whose fill is not yet judged (more than a week before the start) is not decided.
    let later = create_group(
        &env,
        &p,
        group_details(
            ServiceType::SkGroup,
            apb::GroupMode::Closed,
            5,
            days(today(), 20),
        ),
    )
    .await
    .expect("group");
    refused_with(
        decide(&env, &p, &later.id, None).await,
        Code::FailedPrecondition,
        "too early",
    );
}

#[tokio::test]
async fn late_joining_a_closed_sk_group_counts_business_days_across_easter() {
    // "Today" a week before the group starts, within the vouchers from 2 March 2026.
    let env = start_attendance_on(ymd(2026, 3, 23)).await;
    let (env, p) = with_provider(env, 1_000_043).await;
    let from = ymd(2026, 3, 2);
    let mut v = Vec::new();
    for i in 0..3 {
        v.push(sk_group_voucher(&env, &p, 161 + i, from, validity_end(from, 3)).await);
    }
    // Monday 30 March: Good Friday (3 April) and Easter Monday (6 April) are not business
    // days, so the tenth business day is Wednesday 15 April (not Monday 13 April).
    let start = ymd(2026, 3, 30);
    assert_eq!(late_join_deadline(start), ymd(2026, 4, 15));
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Closed, 8, start),
    )
    .await
    .expect("group");
    assert_eq!(date_of(g.late_join_until), ymd(2026, 4, 15));
    enrol(&env, &p, &g.id, &v[0], Some(start))
        .await
        .expect("at the start");
    let late = enrol(&env, &p, &g.id, &v[1], Some(ymd(2026, 4, 15)))
        .await
        .expect("the tenth business day");
    assert_eq!(
        late.enrolment.map(|e| date_of(e.joins_on)),
        Some(ymd(2026, 4, 15))
    );
    refused_by(
        enrol(&env, &p, &g.id, &v[2], Some(ymd(2026, 4, 16))).await,
        ["SK-GROUP-LATE-JOIN"],
        "the eleventh",
    );
}

#[tokio::test]
async fn a_closed_ktt_group_has_neither_allowance() {
    let env = start_attendance_all_services().await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_044, SIILINJARVI).await;
    let from = today();
    let range = (from, validity_end(from, 3));
    let mut v = Vec::new();
    for i in 0..2 {
        let c = client_at(&env, 171 + i, SIILINJARVI).await;
        v.push(voucher_for_client(&env, &p, &c.id, ServiceType::KttGroup, range, 20).await);
    }
    let start = days(today(), 7);
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::KttGroup, apb::GroupMode::Closed, 10, start),
    )
    .await
    .expect("group");
    assert!(g.late_join_until.is_none());
    enrol(&env, &p, &g.id, &v[0], None)
        .await
        .expect("at the start");
    refused_by(
        enrol(&env, &p, &g.id, &v[1], Some(days(start, 1))).await,
        ["SK-GROUP-LATE-JOIN"],
        "a closed KTT group takes no one after its start",
    );
    // 1 of 10 a week before the start, yet no cancellation: the allowance is SK's.
    refused_by(
        decide(&env, &p, &g.id, None).await,
        ["SK-GROUP-MIN-FILL"],
        "KTT group",
    );
    refused_by(
        decide(&env, &p, &g.id, Some(days(start, 1))).await,
        ["SK-GROUP-MIN-FILL"],
        "KTT group",
    );
}

#[tokio::test]
async fn a_group_takes_at_most_twelve_clients_and_no_more_than_its_offering() {
    let (env, p) = with_provider(start_attendance().await, 1_000_045).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_045, SIILINJARVI).await;
    let start = today();
    // The provider offers SK groups of at most 8 (asked of the registry): a group of 9 is too
    // big for its own offering.
    refused_by(
        create_group(
            &env,
            &p,
            group_details(ServiceType::SkGroup, apb::GroupMode::Open, 9, start),
        )
        .await,
        ["CAP-GROUP-SIZE"],
        "larger than the offering",
    );
    create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Open, 8, start),
    )
    .await
    .expect("the offering's size");
    // A service the provider does not offer at all.
    refused_by(
        create_group(
            &env,
            &p,
            group_details(ServiceType::KttGroup, apb::GroupMode::Open, 4, start),
        )
        .await,
        ["SERVICE-NOT-OFFERED"],
        "KTT groups not offered",
    );
    // Groups of 12 offered: the rulebook's 12 is the limit.
    env.p()
        .set_offering(with_token(
            &env.admin(),
            seteli_api::providers::v1::SetOfferingRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: p.clone(),
                offering: Some(seteli_api::providers::v1::Offering {
                    service_type: ServiceType::SkGroup as i32,
                    unit_price: Some(seteli_api::common::v1::Money { cents: 3000 }),
                    max_group_size: 12,
                    ..Default::default()
                }),
                price_effective_from: None,
            },
        ))
        .await
        .expect("offering of 12");
    refused_by(
        create_group(
            &env,
            &p,
            group_details(ServiceType::SkGroup, apb::GroupMode::Open, 13, start),
        )
        .await,
        ["CAP-GROUP-SIZE"],
        "13",
    );
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Open, 12, start),
    )
    .await
    .expect("12");
    let v = sk_vouchers(&env, &p, 181, 13).await;
    for x in &v[..12] {
        enrol(&env, &p, &g.id, x, None).await.expect("enrolled");
    }
    refused_by(
        enrol(&env, &p, &g.id, &v[12], None).await,
        ["CAP-GROUP-SIZE"],
        "the 13th",
    );
    // Another provider's user does not know the group.
    let other = env.provider_user(&q);
    refused_with(
        read_group(&env, &other, &g.id).await,
        Code::NotFound,
        "not theirs",
    );
    let listed = env
        .a()
        .list_groups(with_token(&other, apb::ListGroupsRequest::default()))
        .await
        .expect("list")
        .into_inner()
        .groups;
    assert!(listed.is_empty());
    refused_with(
        enrol(&env, &q, &g.id, &v[12], None).await,
        Code::NotFound,
        "not theirs",
    );
    // The social worker reads it with its enrolments.
    let got = read_group(&env, &env.social_worker(), &g.id)
        .await
        .expect("social worker");
    assert_eq!(got.enrolled, 12);
    assert_eq!(got.enrolments.len(), 12);
}

#[tokio::test]
async fn one_call_marks_present_absent_and_no_show() {
    let (env, p) = with_provider(start_attendance().await, 1_000_046).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_046, SIILINJARVI).await;
    let v = sk_vouchers(&env, &p, 201, 3).await;
    let day = today();
    let g = create_group(
        &env,
        &p,
        group_details(ServiceType::SkGroup, apb::GroupMode::Open, 8, day),
    )
    .await
    .expect("group");
    for x in &v {
        enrol(&env, &p, &g.id, x, None).await.expect("enrolled");
    }
    let mark = |voucher: &str, presence: apb::Presence| apb::PresenceMark {
        voucher_id: voucher.into(),
        presence: presence as i32,
        absence_reason: if presence == apb::Presence::Absent {
            apb::AbsenceReason::OwnIllness as i32
        } else {
            0
        },
        notes: String::new(),
    };
    let marks = vec![
        mark(&v[0], apb::Presence::Present),
        mark(&v[1], apb::Presence::Absent),
        mark(&v[2], apb::Presence::NoShow),
    ];
    let session = |hours: i64| apb::GroupSessionDetails {
        date: d(day),
        hours: Some(apb::Units {
            hundredths: hours * 100,
        }),
        modality: apb::Modality::OnSite as i32,
        notes: "Ryhmäkerta".into(),
        ..Default::default()
    };
    let request = |hours: i64, marks: Vec<apb::PresenceMark>| apb::RecordGroupSessionRequest {
        request_id: rid(),
        validate_only: false,
        group_id: g.id.clone(),
        details: Some(session(hours)),
        marks,
    };
    let token = env.provider_user(&p);
    // Every enrolled client is marked, or nothing is.
    refused_with(
        record_group(&env, &token, request(3, marks[..2].to_vec())).await,
        Code::InvalidArgument,
        "one missing",
    );
    // A refused mark refuses the call: 4 h is over the SK group session's 3 h, for everyone.
    let err = record_group(&env, &token, request(4, marks.clone()))
        .await
        .expect_err("too long");
    assert!(rule_ids(&err).iter().all(|r| r == "CAP-SESSION-LENGTH"));
    assert_eq!(units_used(&env, &v[0]).await, 0);
    // Another provider's user does not know the group.
    refused_with(
        record_group(&env, &env.provider_user(&q), request(3, marks.clone())).await,
        Code::NotFound,
        "not theirs",
    );
    let req = request(3, marks.clone());
    let out = record_group(&env, &token, req.clone())
        .await
        .expect("recorded")
        .outcomes;
    assert_eq!(out.len(), 3);
    let present = out[0].session.as_ref().expect("a session");
    assert_eq!(present.status, apb::SessionStatus::Recorded as i32);
    assert_eq!(
        present.details.as_ref().map(|x| x.participants),
        Some(1),
        "the clients present"
    );
    assert!(out[1].session.is_none());
    assert_eq!(
        out[1].absence.as_ref().map(|a| a.reason),
        Some(apb::AbsenceReason::OwnIllness as i32)
    );
    let no_show = out[2].session.as_ref().expect("a session");
    assert_eq!(no_show.status, apb::SessionStatus::NoShow as i32);
    assert!(out[2].alerts.iter().any(|a| a.rule_id == "ABS-REPEATED"));
    assert_eq!(units_used(&env, &v[0]).await, 300);
    assert_eq!(units_used(&env, &v[1]).await, 0);
    // BILL-NO-SHOW: the month's first no-show is billable, one unit.
    assert_eq!(units_used(&env, &v[2]).await, 100);
    // Once per request id.
    let again = record_group(&env, &token, req)
        .await
        .expect("retry")
        .outcomes;
    assert_eq!(again, out);
    assert_eq!(units_used(&env, &v[0]).await, 300);
    // Audited per client.
    let entries = audit_entries_of(env.attendance(), &env.auditor(), &present.client_id)
        .await
        .expect("audit");
    assert!(entries.iter().any(|e| e.action == "EnrolClient"));
    assert!(entries.iter().any(|e| e.action == "RecordSession"));
}
