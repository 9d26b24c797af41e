//! The ledger as a whole (RULES.md §10), through the public API with a pinned clock: one
//! record per hour, a day attended or missed, no-shows and absences in time, replacements as
//! new times, repeated absences — each broken and passed, with what the billable feed shows
//! after it, and the two races (overlapping sessions, a session and an absence of one day).

use chrono::{Days, NaiveDate};
use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as rpb;
use seteli_platform::testing::{rule_ids, with_token};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::{Env, Prices, Svc};
use tonic::Code;

/// Today on every service: Wednesday 14 October 2026, 10:00 UTC (the ledger's tests share it).
pub(super) fn today() -> NaiveDate {
    ymd(2026, 10, 14)
}

/// `days` after [`today`].
pub(super) fn later(days: u64) -> NaiveDate {
    today().checked_add_days(Days::new(days)).expect("date")
}

/// `days` before [`today`].
pub(super) fn earlier(days: u64) -> NaiveDate {
    today().checked_sub_days(Days::new(days)).expect("date")
}

/// The registry, vouchers and attendance with the county's prices, on [`today`].
pub(super) async fn start_on_today() -> Env {
    Env::builder()
        .services(&ATTENDANCE)
        .prices(Prices::County)
        .clock(clock_on(today()))
        .start()
        .await
}

/// The registry, vouchers, attendance and reporting (whose Kela notice reads the ledger).
async fn start_on_today_with_reporting() -> Env {
    let services = [ATTENDANCE.as_slice(), &[Svc::Reporting]].concat();
    Env::builder()
        .services(&services)
        .prices(Prices::County)
        .clock(clock_on(today()))
        .start()
        .await
}

/// The days of the Kela notice (ABS-KELA) of the period holding `day`, once reporting knows
/// the service started.
async fn kela_days(env: &Env, v: &str, day: NaiveDate) -> Vec<(NaiveDate, i32)> {
    let notice = poll_until(
        || async { get_kela_notice(env, &env.admin(), v, d(day)).await },
        |n| n.is_ok(),
        |n| format!("reporting never knew the service started: {n:?}"),
    )
    .await
    .expect("the Kela notice");
    notice
        .days
        .iter()
        .map(|x| (day_of(x.date), x.status))
        .collect()
}

/// An approved provider and an active KTT coaching voucher of 30 h from 1 October.
async fn provider_and_voucher(env: &Env, seed: u32, individual: u16) -> (String, String) {
    let p = approved_provider(env, "Valmennus ry", seed, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let v = ktt_voucher(env, &p, individual, from, validity_end(from, 3)).await;
    (p, v)
}

async fn absence(
    env: &Env,
    p: &str,
    v: &str,
    date: NaiveDate,
    reason: apb::AbsenceReason,
    certificate_delivered: bool,
) -> Result<apb::RecordAbsenceResponse, tonic::Status> {
    env.a()
        .record_absence(with_token(
            &env.provider_user(p),
            apb::RecordAbsenceRequest {
                request_id: rid(),
                voucher_id: v.into(),
                date: d(date),
                kind: apb::AbsenceKind::Absent as i32,
                reason: reason as i32,
                certificate_delivered,
                ..Default::default()
            },
        ))
        .await
        .map(|r| r.into_inner())
}

/// The session ids the billable feed offers for October.
async fn billable_october(env: &Env, p: &str) -> Vec<String> {
    billable(env, p, 2026, 10)
        .await
        .iter()
        .flat_map(|v| v.items.iter().map(|i| i.session_id.clone()))
        .collect()
}

async fn absence_days(env: &Env, p: &str, v: &str) -> Vec<Option<seteli_api::common::v1::Date>> {
    env.a()
        .list_absences(with_token(&env.provider_user(p), of_voucher(v)))
        .await
        .expect("absences")
        .into_inner()
        .absences
        .into_iter()
        .map(|a| a.date)
        .collect()
}

#[tokio::test]
async fn an_hour_is_recorded_once_on_a_voucher() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_001, 201).await;
    let mut first = at(earlier(2), 9, 11);
    first.end_time = clock(11, 30);
    let first = record(&env, &p, &v, first).await.expect("09:00–11:30");
    let mut inside = at(earlier(2), 9, 11);
    inside.start_time = clock(9, 30);
    let err = record(&env, &p, &v, inside)
        .await
        .expect_err("09:30–11:00 overlaps");
    assert_eq!(err.code(), Code::FailedPrecondition);
    assert_eq!(rule_ids(&err), vec!["BILL-REALISED"]);
    // Touching ends are two hours, not one twice.
    let mut after = at(earlier(2), 12, 13);
    after.start_time = clock(11, 30);
    let after = record(&env, &p, &v, after).await.expect("11:30–13:00");
    assert_eq!(units_used(&env, &v).await, 400);
    assert_eq!(billable_october(&env, &p).await, [first.id, after.id]);
}

#[tokio::test]
async fn a_day_is_either_attended_or_missed_in_either_order() {
    let env = start_on_today_with_reporting().await;
    let (p, v) = provider_and_voucher(&env, 1_024_002, 202).await;
    // A session, then an absence on its day.
    let held = record(&env, &p, &v, at(earlier(3), 9, 11))
        .await
        .expect("held");
    refused_by(
        absence(&env, &p, &v, earlier(3), apb::AbsenceReason::Other, false).await,
        ["ABS-RECORD"],
        "absent on a day attended",
    );
    // An absence, then a session on its day.
    absence(
        &env,
        &p,
        &v,
        earlier(2),
        apb::AbsenceReason::OwnIllness,
        false,
    )
    .await
    .expect("ill");
    refused_by(
        record(&env, &p, &v, at(earlier(2), 9, 11)).await,
        ["ABS-RECORD"],
        "attended on a day missed",
    );
    // The ledger keeps one of each: the absence stays an absence, the session billable.
    assert_eq!(absence_days(&env, &p, &v).await, vec![d(earlier(2))]);
    assert_eq!(billable_october(&env, &p).await, [held.id]);
    assert_eq!(units_used(&env, &v).await, 200);
    // Kela is told the same: present the day attended, absent the day missed.
    let days = kela_days(&env, &v, earlier(3)).await;
    let on = |day: NaiveDate| days.iter().find(|(d, _)| *d == day).map(|(_, s)| *s);
    assert_eq!(on(earlier(3)), Some(rpb::KelaDayStatus::Present as i32));
    assert_eq!(on(earlier(2)), Some(rpb::KelaDayStatus::Absent as i32));
}

#[tokio::test]
async fn overlapping_sessions_recorded_at_once_admit_exactly_one() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_003, 203).await;
    let token = env.provider_user(&p);
    for round in 0..5u64 {
        let day = earlier(1 + round);
        let calls = [(9, 11), (10, 12), (9, 12), (10, 11)].map(|(from, to)| {
            let mut client = env.a();
            let req = record_request(&v, at(day, from, to));
            let token = token.clone();
            async move { client.record_session(with_token(&token, req)).await }
        });
        let results = futures::future::join_all(calls).await;
        let admitted = results.iter().filter(|r| r.is_ok()).count();
        assert_eq!(admitted, 1, "round {round}: {results:?}");
        for r in results.iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(rule_ids(r), vec!["BILL-REALISED"], "{r:?}");
        }
    }
    assert_eq!(billable_october(&env, &p).await.len(), 5);
}

#[tokio::test]
async fn a_session_and_an_absence_of_one_day_recorded_at_once_admit_exactly_one() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_004, 204).await;
    let token = env.provider_user(&p);
    for round in 0..5u64 {
        let day = earlier(1 + round);
        let session = {
            let mut client = env.a();
            let req = record_request(&v, at(day, 9, 10));
            let token = token.clone();
            async move {
                client
                    .record_session(with_token(&token, req))
                    .await
                    .map(|_| ())
            }
        };
        let missed = async {
            absence(&env, &p, &v, day, apb::AbsenceReason::Other, false)
                .await
                .map(|_| ())
        };
        let (a, b) = tokio::join!(session, missed);
        assert!(a.is_ok() != b.is_ok(), "round {round}: {a:?} {b:?}");
        for r in [a, b].iter().filter_map(|r| r.as_ref().err()) {
            assert_eq!(rule_ids(r), vec!["ABS-RECORD"], "{r:?}");
        }
    }
    let sessions = billable_october(&env, &p).await.len();
    let absences = absence_days(&env, &p, &v).await.len();
    assert_eq!(sessions + absences, 5);
}

#[tokio::test]
async fn a_no_show_is_of_the_day_and_a_cancellation_before_it_is_free() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_005, 205).await;
    // The service starts today (PROC-START); a session is agreed three weeks ahead.
    let todays = record(&env, &p, &v, at(today(), 9, 10))
        .await
        .expect("today");
    let ahead = record(&env, &p, &v, at(later(21), 9, 10))
        .await
        .expect("agreed three weeks ahead");
    let did_not_come = apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        ..Default::default()
    };
    refused_by(
        cancel(&env, &p, &ahead.id, did_not_come.clone()).await,
        ["BILL-NO-SHOW"],
        "no-show three weeks ahead",
    );
    let on_the_day = apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        cancelled_on: d(later(21)),
        ..Default::default()
    };
    refused_with(
        cancel(&env, &p, &ahead.id, on_the_day).await,
        Code::InvalidArgument,
        "cancelled on a day that has not come",
    );
    let today_cancelled = apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        cancelled_on: d(today()),
        ..Default::default()
    };
    let free = cancel(&env, &p, &ahead.id, today_cancelled)
        .await
        .expect("cancelled in time");
    assert_eq!(free.status, apb::SessionStatus::CancelledByClient as i32);
    // The session of today: the client did not come, a no-show.
    let no_show = cancel(&env, &p, &todays.id, did_not_come)
        .await
        .expect("no-show of the day");
    assert_eq!(no_show.status, apb::SessionStatus::NoShow as i32);
    // The billable feed: the no-show alone, at its allowance of one unit.
    let october = billable(&env, &p, 2026, 10).await;
    let items: Vec<(String, i32)> = october
        .iter()
        .flat_map(|v| v.items.iter().map(|i| (i.session_id.clone(), i.kind)))
        .collect();
    assert_eq!(
        items,
        [(todays.id.clone(), apb::BillableKind::NoShow as i32)]
    );
}

#[tokio::test]
async fn an_absence_ahead_of_its_day_only_for_a_reason_known_ahead() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_006, 206).await;
    refused_by(
        absence(&env, &p, &v, later(7), apb::AbsenceReason::Other, false).await,
        ["ABS-RECORD"],
        "a reason nobody knows a week ahead",
    );
    refused_by(
        absence(
            &env,
            &p,
            &v,
            later(8),
            apb::AbsenceReason::OwnIllness,
            false,
        )
        .await,
        ["ABS-RECORD"],
        "illness ahead without a certificate",
    );
    absence(
        &env,
        &p,
        &v,
        later(7),
        apb::AbsenceReason::JobInterview,
        false,
    )
    .await
    .expect("a job interview is known ahead");
    absence(&env, &p, &v, later(8), apb::AbsenceReason::OwnIllness, true)
        .await
        .expect("a sick leave whose certificate covers the day");
    absence(&env, &p, &v, earlier(1), apb::AbsenceReason::Other, false)
        .await
        .expect("any reason once the day has come");
    assert_eq!(absence_days(&env, &p, &v).await.len(), 3);
}

#[tokio::test]
async fn the_reasons_known_ahead_are_the_countys_configuration() {
    let clock = clock_on(today());
    let env = Env::builder()
        .services(&ATTENDANCE)
        .prices(Prices::County)
        .clock(clock)
        .tweak(|svc, c| {
            if svc == Svc::Attendance {
                c.vars.insert(
                    "SETELI_ABSENCE_REASONS_AHEAD".into(),
                    "PUBLIC_OFFICE".into(),
                );
            }
        })
        .start()
        .await;
    let (p, v) = provider_and_voucher(&env, 1_024_007, 207).await;
    refused_by(
        absence(
            &env,
            &p,
            &v,
            later(7),
            apb::AbsenceReason::JobInterview,
            false,
        )
        .await,
        ["ABS-RECORD"],
        "not configured",
    );
    absence(
        &env,
        &p,
        &v,
        later(7),
        apb::AbsenceReason::PublicOffice,
        false,
    )
    .await
    .expect("configured");
}

fn provider_cancellation(on: NaiveDate, replacement: &str) -> apb::Cancellation {
    apb::Cancellation {
        by: apb::CancelledBy::Provider as i32,
        cancelled_on: d(on),
        substitute_unsuitable: true,
        client_told_on: d(on),
        replacement_session_id: replacement.into(),
        documentation: "Ohjaaja sairastui; sijainen ei sovi asiakkaalle.".into(),
    }
}

#[tokio::test]
async fn a_replacement_is_a_new_time_and_replaces_one_cancellation() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_008, 208).await;
    let before = record(&env, &p, &v, at(earlier(6), 9, 10))
        .await
        .expect("held before the cancellation");
    let first = record(&env, &p, &v, at(later(2), 9, 10))
        .await
        .expect("agreed");
    let second = record(&env, &p, &v, at(later(3), 9, 10))
        .await
        .expect("agreed");
    refused_by(
        cancel(
            &env,
            &p,
            &first.id,
            provider_cancellation(earlier(1), &before.id),
        )
        .await,
        ["BILL-PROVIDER-CANCEL"],
        "a session held before the cancellation replaces nothing",
    );
    let replacement = record(&env, &p, &v, at(later(9), 9, 10))
        .await
        .expect("a new time");
    cancel(
        &env,
        &p,
        &first.id,
        provider_cancellation(earlier(1), &replacement.id),
    )
    .await
    .expect("replaced");
    refused_by(
        cancel(
            &env,
            &p,
            &second.id,
            provider_cancellation(today(), &replacement.id),
        )
        .await,
        ["BILL-PROVIDER-CANCEL"],
        "one replacement for two cancellations",
    );
    // Named on RecordSession too: a second replacement of the same cancellation is refused.
    let mut again = record_request(&v, at(later(10), 9, 10));
    again.replaces_session_id = first.id.clone();
    refused_by(
        env.a()
            .record_session(with_token(&env.provider_user(&p), again))
            .await,
        ["BILL-PROVIDER-CANCEL"],
        "the cancellation already has its replacement",
    );
    // The billable feed: the session held; the cancelled one never, the others not yet due.
    let billable_now = billable_october(&env, &p).await;
    assert!(billable_now.contains(&before.id), "{billable_now:?}");
    assert!(!billable_now.contains(&first.id), "{billable_now:?}");
}

#[tokio::test]
async fn absences_without_a_reason_repeat_as_no_shows_do() {
    let env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_009, 209).await;
    let first = absence(&env, &p, &v, earlier(2), apb::AbsenceReason::Other, false)
        .await
        .expect("absent");
    let repeated = |alerts: &[apb::Alert]| {
        alerts.iter().any(|a| {
            a.rule_id == "ABS-REPEATED" && a.audience == apb::AlertAudience::SocialWorker as i32
        })
    };
    assert!(!repeated(&first.alerts), "{:?}", first.alerts);
    let second = absence(&env, &p, &v, earlier(1), apb::AbsenceReason::Other, false)
        .await
        .expect("absent again");
    assert!(repeated(&second.alerts), "{:?}", second.alerts);
    // Absences that keep the benefit are no pattern.
    let (p2, w) = provider_and_voucher(&env, 1_024_010, 210).await;
    for day in [earlier(2), earlier(1)] {
        let a = absence(&env, &p2, &w, day, apb::AbsenceReason::OwnIllness, false)
            .await
            .expect("ill");
        assert!(!repeated(&a.alerts), "{:?}", a.alerts);
    }
}

#[tokio::test]
async fn an_agreed_session_reserves_its_units_and_is_realised_when_its_day_comes() {
    let mut env = start_on_today().await;
    let (p, v) = provider_and_voucher(&env, 1_024_011, 211).await;
    let held = record(&env, &p, &v, at(earlier(1), 0, 20))
        .await
        .expect("20 h held");
    let agreed = record(&env, &p, &v, at(later(6), 9, 11))
        .await
        .expect("2 h agreed for next week");
    let usage = voucher_usage(&env, &v).await;
    let hundredths = |u: Option<apb::Units>| u.map(|u| u.hundredths);
    assert_eq!(hundredths(usage.units_used), Some(2000));
    assert_eq!(hundredths(usage.units_reserved), Some(200));
    assert_eq!(hundredths(usage.units_left), Some(800));
    // The voucher shows them apart.
    let shown = voucher_shows_usage(&env, &v).await;
    eventually("vouchers shows the reserved units", || async {
        get_voucher(&env, &v)
            .await
            .units_reserved
            .map(|u| u.hundredths)
            == Some(200)
    })
    .await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(2000));
    // Reserved units count against the grant: nobody overbooks it.
    let err = record(&env, &p, &v, at(later(7), 8, 17))
        .await
        .expect_err("9 h more would pass the 30 h with the agreed 2 h");
    assert!(rule_ids(&err).contains(&"CAP-UNITS".to_owned()), "{err:?}");
    // Not billable before its day.
    assert_eq!(
        billable_october(&env, &p).await,
        std::slice::from_ref(&held.id)
    );
    // A week later, attendance counts it as used and offers it for billing.
    let next_week = clock_on(later(7));
    env.restart_at(Svc::Attendance, next_week).await;
    eventually("the agreed session is realised", || async {
        let u = voucher_usage(&env, &v).await;
        hundredths(u.units_used) == Some(2200) && hundredths(u.units_reserved) == Some(0)
    })
    .await;
    assert_eq!(billable_october(&env, &p).await, [held.id, agreed.id]);
    eventually("vouchers follows the realised units", || async {
        let shown = get_voucher(&env, &v).await;
        shown.units_used.map(|u| u.hundredths) == Some(2200)
            && shown.units_reserved.map(|u| u.hundredths) == Some(0)
    })
    .await;
}
