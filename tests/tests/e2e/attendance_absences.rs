//! KTT absences (ABS-RECORD, ABS-KELA, ABS-SICK-CERT): deadlines in business days across
//! Finnish holidays (Easter, Midsummer Eve, Christmas).

use seteli_api::attendance::v1 as apb;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;

/// A day absent (`reason`) recorded as a user of `p`.
async fn absence(
    env: &Env,
    p: &str,
    v: &str,
    date: chrono::NaiveDate,
    reason: apb::AbsenceReason,
) -> Result<apb::RecordAbsenceResponse, tonic::Status> {
    record_absence(env, p, v, date, apb::AbsenceKind::Absent, reason).await
}

/// A KTT voucher of `p` (a fresh client) valid from 1 March 2026 for four months.
async fn spring_voucher(env: &Env, p: &str, individual: u16) -> String {
    let spring = ymd(2026, 3, 1);
    ktt_voucher(env, p, individual, spring, validity_end(spring, 4)).await
}

/// The services on a clock pinned to 20 June 2026, within the spring vouchers' validity, and
/// moved on by the test: the absences below are recorded in time, not
/// months after their vouchers ended (a late record is taken only for the grace period after
/// the end, RULES.md §10).
async fn start_in_june() -> (Env, MovedToday) {
    let services = Env::builder().services(&ATTENDANCE).prices(Prices::County);
    start_moved(services, ymd(2026, 6, 20)).await
}

fn due(alerts: &[apb::Alert], rule: &str) -> Vec<chrono::NaiveDate> {
    alerts
        .iter()
        .filter(|a| a.rule_id == rule)
        .filter_map(|a| a.due_on)
        .map(|x| ymd(x.year, x.month as u32, x.day as u32))
        .collect()
}

#[tokio::test]
async fn kela_notices_are_due_in_business_days_across_holidays() {
    let (env, days) = start_in_june().await;
    let (env, p) = with_provider(env, 1_000_031).await;
    let v = spring_voucher(&env, &p, 131).await;
    refused_by(
        absence(
            &env,
            &p,
            &v,
            ymd(2026, 3, 19),
            apb::AbsenceReason::Unspecified,
        )
        .await,
        ["ABS-RECORD"],
        "no reason",
    );
    // 2026-03-20 + 14 days = Good Friday 3 April: past Easter Monday to Tuesday 7 April.
    let a = absence(
        &env,
        &p,
        &v,
        ymd(2026, 3, 20),
        apb::AbsenceReason::JobInterview,
    )
    .await
    .expect("absence");
    assert_eq!(due(&a.alerts, "ABS-KELA"), vec![ymd(2026, 4, 7)]);
    // 2026-06-05 + 14 days = Midsummer Eve (Friday 19 June): Monday 22 June.
    let a = absence(
        &env,
        &p,
        &v,
        ymd(2026, 6, 5),
        apb::AbsenceReason::PublicOffice,
    )
    .await
    .expect("absence");
    assert_eq!(due(&a.alerts, "ABS-KELA"), vec![ymd(2026, 6, 22)]);
    // 2026-12-10 + 14 days = Christmas Eve: past Christmas, Boxing Day and Sunday to 28 Dec.
    // 1 November, the winter voucher's first day (its steward notice is not in the future).
    days.set(ymd(2026, 11, 1));
    let winter = ymd(2026, 11, 1);
    let w = ktt_voucher(&env, &p, 132, winter, validity_end(winter, 3)).await;
    // A job interview may be recorded ahead of its day (ABS-RECORD, RULES.md §10).
    let a = absence(
        &env,
        &p,
        &w,
        ymd(2026, 12, 10),
        apb::AbsenceReason::JobInterview,
    )
    .await
    .expect("absence");
    assert_eq!(due(&a.alerts, "ABS-KELA"), vec![ymd(2026, 12, 28)]);
}

#[tokio::test]
async fn a_sick_absence_over_three_days_needs_a_certificate() {
    let (env, _days) = start_in_june().await;
    let (env, p) = with_provider(env, 1_000_032).await;
    let v = spring_voucher(&env, &p, 133).await;
    // Thursday 2 April, then Tuesday 7 April: Good Friday to Easter Monday do not break the
    // run, which is six days long.
    let first = absence(
        &env,
        &p,
        &v,
        ymd(2026, 4, 2),
        apb::AbsenceReason::OwnIllness,
    )
    .await
    .expect("day 1");
    assert!(due(&first.alerts, "ABS-SICK-CERT").is_empty());
    let second = absence(
        &env,
        &p,
        &v,
        ymd(2026, 4, 7),
        apb::AbsenceReason::OwnIllness,
    )
    .await
    .expect("day 2");
    assert_eq!(due(&second.alerts, "ABS-SICK-CERT").len(), 1);
    let listed = list_absences(&env, &env.social_worker(), of_voucher(&v))
        .await
        .expect("absences")
        .absences;
    assert_eq!(listed.len(), 2);
}
