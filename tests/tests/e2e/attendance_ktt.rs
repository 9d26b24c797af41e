//! KTT rules through the public API: KTT-GROUP-DISCUSSIONS (the passing side), and KTT work
//! activity — COACHING-NOT-DURING-WORK in both orders, the per-person CAP-WEEKLY across two
//! vouchers, CAP-DAY-LENGTH — and ABS-PROLONGED.

use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_attendance::store::session_decision_reads;
use seteli_platform::db::Database;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::Svc;

/// "Today" for these tests: October 2026, whose sessions they record, has ended, within the
/// vouchers' three months, so the system clock's passing does not end them.
fn pinned() -> chrono::NaiveDate {
    ymd(2026, 12, 6)
}

/// The validity of a voucher from 1 October 2026 for three months.
fn october() -> (chrono::NaiveDate, chrono::NaiveDate) {
    let from = ymd(2026, 10, 1);
    (from, validity_end(from, 3))
}

/// A KTT provider and one client with a voucher of `first` and one of `second`, both from
/// October: the provider's id and the two vouchers. `seed` tells the provider and the client
/// apart from other tests'.
async fn client_with_two_vouchers(
    env: &Env,
    seed: u16,
    (first, first_units): (ServiceType, i64),
    (second, second_units): (ServiceType, i64),
) -> (String, String, String) {
    let p = ktt_provider(env, "Työpaja ry", 1_000_000 + u32::from(seed), SIILINJARVI).await;
    let c = client_at(env, 200 + seed, SIILINJARVI).await;
    let a = voucher_for_client(env, &p, &c.id, first, october(), first_units).await;
    let b = voucher_for_client(env, &p, &c.id, second, october(), second_units).await;
    (p, a, b)
}

fn warning_ids(r: &apb::RecordSessionResponse) -> Vec<String> {
    r.warnings.iter().map(|w| w.rule_id.clone()).collect()
}

async fn record_full(
    env: &Env,
    p: &str,
    v: &str,
    details: apb::SessionDetails,
) -> Result<apb::RecordSessionResponse, tonic::Status> {
    env.a()
        .record_session(with_token(
            &env.provider_user(p),
            record_request(v, details),
        ))
        .await
        .map(|r| r.into_inner())
}

#[tokio::test]
async fn ktt_group_individual_discussions_are_admitted_and_fill_the_month() {
    let env = start_attendance_all_services_on(pinned()).await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_051, SIILINJARVI).await;
    let c = client_at(&env, 251, SIILINJARVI).await;
    let v = voucher_for_client(&env, &p, &c.id, ServiceType::KttGroup, october(), 20).await;
    // October has ended: a group day without an hour of discussion is a warning on the voucher.
    let first = record_full(&env, &p, &v, group(ymd(2026, 10, 6), 4, 8))
        .await
        .expect("group day");
    assert!(
        warning_ids(&first).contains(&"KTT-GROUP-DISCUSSIONS".to_owned()),
        "{first:?}"
    );
    // An individual discussion on a KTT group voucher: admitted, no units.
    let mut talk = at(ymd(2026, 10, 8), 13, 14);
    talk.kind = apb::SessionKind::IndividualDiscussion as i32;
    let talk = record_full(&env, &p, &v, talk)
        .await
        .expect("a discussion on a KTT group voucher");
    assert_eq!(
        talk.session
            .as_ref()
            .and_then(|s| s.units)
            .map(|u| u.hundredths),
        Some(0)
    );
    assert!(!warning_ids(&talk).contains(&"KTT-GROUP-DISCUSSIONS".to_owned()));
    let second = record_full(&env, &p, &v, group(ymd(2026, 10, 13), 4, 8))
        .await
        .expect("group day");
    assert!(!warning_ids(&second).contains(&"KTT-GROUP-DISCUSSIONS".to_owned()));
    assert_eq!(units_used(&env, &v).await, 200);
}

#[tokio::test]
async fn coaching_is_not_given_during_work_activity_in_either_order() {
    let env = start_attendance_all_services_on(pinned()).await;
    let (p, coaching, work) = client_with_two_vouchers(
        &env,
        52,
        (ServiceType::KttIndividual, 30),
        (ServiceType::KttWorkCapacity, 40),
    )
    .await;
    // Coaching recorded over a work day.
    record(&env, &p, &work, at(ymd(2026, 10, 5), 9, 14))
        .await
        .expect("work day 9-14");
    refused_by(
        record(&env, &p, &coaching, at(ymd(2026, 10, 5), 10, 11)).await,
        ["COACHING-NOT-DURING-WORK"],
        "coaching during work",
    );
    record(&env, &p, &coaching, at(ymd(2026, 10, 5), 14, 15))
        .await
        .expect("coaching after work");
    // A work day recorded over coaching.
    record(&env, &p, &coaching, at(ymd(2026, 10, 6), 9, 10))
        .await
        .expect("coaching 9-10");
    refused_by(
        record(&env, &p, &work, at(ymd(2026, 10, 6), 9, 14)).await,
        ["COACHING-NOT-DURING-WORK"],
        "work over coaching",
    );
    record(&env, &p, &work, at(ymd(2026, 10, 6), 10, 15))
        .await
        .expect("work after coaching");
    // The coaching included in the work voucher itself, during its own work day.
    let mut own = at(ymd(2026, 10, 6), 12, 13);
    own.kind = apb::SessionKind::IndividualCoaching as i32;
    let err = record(&env, &p, &work, own)
        .await
        .expect_err("included coaching during work");
    // On its own voucher the hour is also recorded twice (BILL-REALISED, RULES.md §10).
    assert_eq!(
        rule_ids(&err),
        vec!["COACHING-NOT-DURING-WORK", "BILL-REALISED"]
    );
}

#[tokio::test]
async fn ktt_work_activity_is_four_days_a_week_per_person() {
    let env = start_attendance_all_services_on(pinned()).await;
    let (p, assessment, capacity) = client_with_two_vouchers(
        &env,
        53,
        (ServiceType::KttAssessment, 40),
        (ServiceType::KttWorkCapacity, 40),
    )
    .await;
    // ISO week 41: Monday 5 to Sunday 11 October; two days on each voucher.
    for (v, day) in [
        (&assessment, 5),
        (&assessment, 6),
        (&capacity, 7),
        (&capacity, 8),
    ] {
        record(&env, &p, v, at(ymd(2026, 10, day), 9, 14))
            .await
            .expect("a work day");
    }
    for v in [&assessment, &capacity] {
        refused_by(
            record(&env, &p, v, at(ymd(2026, 10, 9), 9, 14)).await,
            ["CAP-WEEKLY"],
            "a fifth day in the week",
        );
    }
    record(&env, &p, &capacity, at(ymd(2026, 10, 12), 9, 14))
        .await
        .expect("the next week");
}

/// The per-person weekly cap across two vouchers when the last day of a week is asked for on
/// both at once: RecordSession decides on a read before it locks (issue 15), and the write
/// takes the decision only if no change of the client's sessions landed since; otherwise it
/// decides again. Exactly one fourth day is admitted each week.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_weekly_cap_across_vouchers_holds_when_both_record_at_once() {
    let env = start_attendance_all_services_on(pinned()).await;
    let (p, assessment, capacity) = client_with_two_vouchers(
        &env,
        57,
        (ServiceType::KttAssessment, 40),
        (ServiceType::KttWorkCapacity, 40),
    )
    .await;
    let token = env.provider_user(&p);
    // ISO weeks 41–45 start on Mondays 5, 12, 19, 26 October and 2 November.
    for monday in [
        ymd(2026, 10, 5),
        ymd(2026, 10, 12),
        ymd(2026, 10, 19),
        ymd(2026, 10, 26),
    ] {
        for (v, offset) in [(&assessment, 0), (&capacity, 1), (&assessment, 2)] {
            record(&env, &p, v, at(days(monday, offset), 9, 14))
                .await
                .expect("three work days");
        }
        // Thursday to Sunday, on alternating vouchers, all at once: room for one.
        let calls = (3..7).map(|offset| {
            let v = if offset % 2 == 0 {
                &assessment
            } else {
                &capacity
            };
            let req = record_request(v, at(days(monday, offset), 9, 14));
            let (mut client, token) = (env.a(), token.clone());
            async move { client.record_session(with_token(&token, req)).await }
        });
        let results = futures::future::join_all(calls).await;
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(rule_ids(r), vec!["CAP-WEEKLY"], "{r:?}");
        }
        let admitted = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(admitted, 1, "fourth days admitted in the week of {monday}");
    }
}

#[tokio::test]
async fn a_ktt_work_day_lasts_four_to_six_hours() {
    let env = start_attendance_all_services_on(pinned()).await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_054, SIILINJARVI).await;
    let c = client_at(&env, 254, SIILINJARVI).await;
    let v = voucher_for_client(&env, &p, &c.id, ServiceType::KttAssessment, october(), 40).await;
    for (from, to) in [(9, 12), (8, 15)] {
        refused_by(
            record(&env, &p, &v, at(ymd(2026, 10, 5), from, to)).await,
            ["CAP-DAY-LENGTH"],
            "not 4-6 h",
        );
    }
    record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 13))
        .await
        .expect("4 h");
    record(&env, &p, &v, at(ymd(2026, 10, 6), 8, 14))
        .await
        .expect("6 h");
}

#[tokio::test]
async fn five_arranged_days_absent_are_told_to_the_social_worker() {
    let env = start_attendance_all_services_on(pinned()).await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_055, SIILINJARVI).await;
    let c = client_at(&env, 255, SIILINJARVI).await;
    let v = voucher_for_client(&env, &p, &c.id, ServiceType::KttWorkCapacity, october(), 40).await;
    let absent = |day: u32| {
        let mut client = env.a();
        let token = env.provider_user(&p);
        let v = v.clone();
        async move {
            client
                .record_absence(with_token(
                    &token,
                    apb::RecordAbsenceRequest {
                        request_id: rid(),
                        voucher_id: v,
                        date: d(ymd(2026, 10, day)),
                        kind: apb::AbsenceKind::Absent as i32,
                        reason: apb::AbsenceReason::Other as i32,
                        ..Default::default()
                    },
                ))
                .await
                .expect("absence")
                .into_inner()
                .alerts
        }
    };
    // Thursday, Friday, then Monday to Wednesday: the week-end does not break the run.
    for day in [8, 9, 12, 13] {
        let raised = absent(day).await;
        assert!(
            raised.iter().all(|a| a.rule_id != "ABS-PROLONGED"),
            "{day}: {raised:?}"
        );
    }
    let raised = absent(14).await;
    let prolonged: Vec<&apb::Alert> = raised
        .iter()
        .filter(|a| a.rule_id == "ABS-PROLONGED")
        .collect();
    assert_eq!(prolonged.len(), 1, "{raised:?}");
    assert_eq!(
        prolonged[0].audience,
        apb::AlertAudience::SocialWorker as i32
    );
    let listed = alerts(&env, &env.social_worker(), of_voucher(&v)).await;
    assert!(listed.iter().any(|a| a.rule_id == "ABS-PROLONGED"));
}

#[tokio::test]
async fn the_first_work_day_is_a_start_and_needs_the_stewards_notice() {
    let env = start_attendance_all_services_on(pinned()).await;
    let p = ktt_provider(&env, "Työpaja ry", 1_000_056, SIILINJARVI).await;
    let c = client_at(&env, 256, SIILINJARVI).await;
    let (from, until) = october();
    // Accepted without a notice to the chief shop steward: allowed, it is due by the start.
    let v = issue(
        &env,
        decision(&c.id, ServiceType::KttAssessment, from, until, 40),
    )
    .await
    .expect("issue");
    choose(&env, &v.id, &p).await.expect("choose");
    accept_as(&env, &p, accept_request(&v.id, "Olli Ohjaaja", None))
        .await
        .expect("accepted before the notice");
    // The first work day recorded in attendance starts the service: KTT-STEWARD (KTT 2.2.2).
    let day = ymd(2026, 10, 5);
    let err = record(&env, &p, &v.id, at(day, 9, 13))
        .await
        .expect_err("work activity without the steward's notice");
    assert!(rule_ids(&err).iter().any(|r| r == "KTT-STEWARD"), "{err:?}");
    // Started with the notice (StartVoucher), the work day is admitted.
    start_service(&env, &p, start_request(&v.id, day, "", Some(day)))
        .await
        .expect("started with the notice");
    let (env, p, id) = (&env, &p, &v.id);
    eventually("attendance follows the start", || async move {
        record(env, p, id, at(day, 9, 13)).await.is_ok()
    })
    .await;
}

/// A session write reads the sessions of its own voucher and the client's others in the same
/// ISO week, the only ones the rules compare it with (CAP-WEEKLY per person,
/// COACHING-NOT-DURING-WORK on a day), never the client's history on other vouchers: the
/// decision's read (`store::session_decision_reads`, asked here of the service's own database
/// as the write asks it) holds as many sessions however long that history is.
#[tokio::test]
async fn a_session_write_reads_its_voucher_and_the_clients_week_not_their_history() {
    let env = start_attendance_all_services_on(pinned()).await;
    let (p, coaching, work) = client_with_two_vouchers(
        &env,
        58,
        (ServiceType::KttIndividual, 30),
        (ServiceType::KttWorkCapacity, 40),
    )
    .await;
    // Coaching through ISO weeks 41 to 43, and on Monday 26 October (week 44).
    for day in [5, 6, 7, 12, 13, 14, 19, 20, 21, 26] {
        record(&env, &p, &coaching, at(ymd(2026, 10, day), 15, 16))
            .await
            .expect("coaching");
    }
    record(&env, &p, &work, at(ymd(2026, 10, 27), 9, 14))
        .await
        .expect("a work day");
    let db = Database::connect(&env.server(Svc::Attendance).db.url, 1)
        .await
        .expect("attendance's database");
    let mut conn = db.pool().acquire().await.expect("a connection");
    let (client,): (String,) = sqlx::query_as("SELECT client_id FROM vouchers WHERE id = $1")
        .bind(&work)
        .fetch_one(&mut *conn)
        .await
        .expect("the client");
    let reads = session_decision_reads(&mut conn, &client, &work, ymd(2026, 10, 28))
        .await
        .expect("the decision's read");
    // The work day of the 27th and the coaching of the 26th; not the nine of weeks 41 to 43.
    let days: Vec<_> = reads.sessions.iter().map(|s| s.date).collect();
    assert_eq!(days, [ymd(2026, 10, 26), ymd(2026, 10, 27)]);
    assert!(
        reads.version > 0,
        "the client's sessions have their version"
    );
    assert!(!reads.absent_on_date);
    drop(conn);
    db.close().await;
    record(&env, &p, &work, at(ymd(2026, 10, 28), 9, 14))
        .await
        .expect("the next work day");
}
