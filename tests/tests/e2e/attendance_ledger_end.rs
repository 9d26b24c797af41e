//! The end of a service (RULES.md §10, "nothing after the end", PROC-INTERRUPT) and late
//! records ("nothing lost at the end"), through the public API with a pinned clock that the
//! test moves forward day by day: an interruption cancels the sessions agreed after it and the
//! billable feed keeps what was realised up to it; a voucher whose validity ended takes the
//! records of its last days for the grace period (14 days), the sweep completes it once used
//! and expires an unused one only after the grace period, and a late record is refused then.

use chrono::{Days, NaiveDate};
use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::{rule_ids, with_token};
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::{Env, Prices};
use tonic::Code;

/// The first day of every test: Wednesday 14 October 2026 (10:00 UTC).
fn first_day() -> NaiveDate {
    ymd(2026, 10, 14)
}

async fn start_on_first_day() -> (Env, MovedToday) {
    let services = Env::builder().services(&ATTENDANCE).prices(Prices::County);
    start_moved(services, first_day()).await
}

fn plus(day: NaiveDate, n: u64) -> NaiveDate {
    day.checked_add_days(Days::new(n)).expect("date")
}

async fn absence(
    env: &Env,
    p: &str,
    v: &str,
    date: NaiveDate,
) -> Result<apb::RecordAbsenceResponse, tonic::Status> {
    let (absent, other) = (apb::AbsenceKind::Absent, apb::AbsenceReason::Other);
    record_absence(env, p, v, date, absent, other).await
}

/// The session ids the billable feed offers for a month.
async fn billable_ids(env: &Env, p: &str, y: i32, m: i32) -> Vec<String> {
    billable(env, p, y, m)
        .await
        .iter()
        .flat_map(|v| v.items.iter().map(|i| i.session_id.clone()))
        .collect()
}

async fn session(env: &Env, id: &str) -> apb::GetSessionResponse {
    env.a()
        .get_session(with_token(
            &env.admin(),
            apb::GetSessionRequest {
                session_id: id.into(),
            },
        ))
        .await
        .expect("session")
        .into_inner()
}

/// Used and reserved units of a voucher as attendance counts them, hundredths.
async fn used_and_reserved(env: &Env, v: &str) -> (i64, i64) {
    let u = voucher_usage(env, v).await;
    (
        u.units_used.map(|x| x.hundredths).unwrap_or_default(),
        u.units_reserved.map(|x| x.hundredths).unwrap_or_default(),
    )
}

/// Waits until attendance follows the voucher in `state`.
async fn attendance_sees(env: &Env, v: &str, state: &str) {
    eventually(&format!("attendance follows {v} as {state}"), || async {
        voucher_usage(env, v).await.voucher_state == state
    })
    .await;
}

/// ExpireVouchers as of today: (expired ids, completed ids).
async fn sweep(env: &Env) -> (Vec<String>, Vec<String>) {
    let r = expire_vouchers(env, &env.admin(), sweep_as_of(None)).await;
    let r = r.expect("sweep");
    (r.expired_voucher_ids, r.completed_voucher_ids)
}

fn state_of(v: &pb::Voucher) -> pb::VoucherState {
    pb::VoucherState::try_from(v.state).expect("a known state")
}

fn refused_in_state(err: &tonic::Status) {
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert_eq!(rule_ids(err), vec!["STATE-TRANSITION"], "{err:?}");
}

#[tokio::test]
async fn an_interruption_cancels_what_was_agreed_after_it_and_keeps_what_was_realised() {
    let (env, today) = start_on_first_day().await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_101, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let v = ktt_voucher(&env, &p, 211, from, validity_end(from, 3)).await;
    let end = ymd(2026, 10, 20);

    // 14 October: one session realised, three agreed (16 October, end + 2, end + 14).
    let held = record(&env, &p, &v, at(ymd(2026, 10, 12), 9, 11))
        .await
        .expect("held on the 12th");
    let before_end = record(&env, &p, &v, at(ymd(2026, 10, 16), 9, 11))
        .await
        .expect("agreed for the 16th");
    let after_end = record(&env, &p, &v, at(plus(end, 2), 9, 11))
        .await
        .expect("agreed for end + 2");
    let next_month = record(&env, &p, &v, at(plus(end, 14), 9, 11))
        .await
        .expect("agreed for end + 14");
    assert_eq!(used_and_reserved(&env, &v).await, (200, 600));

    // 20 October: the service is interrupted that day.
    today.set(end);
    env.v()
        .interrupt_voucher(with_token(
            &env.provider_user(&p),
            pb::InterruptVoucherRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: v.clone(),
                reason: "Asiakas muutti pois kunnasta".into(),
                interrupted_on: d(end),
                reason_kind: pb::EndReasonKind::ClientMoved.into(),
            },
        ))
        .await
        .expect("interrupt");
    attendance_sees(&env, &v, "INTERRUPTED").await;

    // What was agreed after the end is cancelled by that change, with a history entry.
    for s in [&after_end, &next_month] {
        let got = session(&env, &s.id).await;
        let status = got.session.as_ref().map(|x| x.status);
        assert_eq!(
            status,
            Some(apb::SessionStatus::CancelledAtEnd as i32),
            "{s:?}"
        );
        let last = got.history.last().expect("history");
        assert_eq!(last.action, "CANCELLED_AT_END");
        assert!(last.reason.contains("2026-10-20"), "{last:?}");
    }
    // Realised up to the end: still recorded and billable; the end itself takes no later day.
    let kept = session(&env, &before_end.id)
        .await
        .session
        .expect("session");
    assert_eq!(kept.status, apb::SessionStatus::Recorded as i32);
    let late = record(&env, &p, &v, at(ymd(2026, 10, 19), 9, 11))
        .await
        .expect("a session of the 19th, recorded on the 20th");
    let err = record(&env, &p, &v, at(plus(end, 3), 9, 11))
        .await
        .expect_err("nothing after the end");
    refused_in_state(&err);

    // The billable feed: October up to the end, nothing in November.
    let mut october = billable_ids(&env, &p, 2026, 10).await;
    october.sort();
    let mut expected = vec![held.id, before_end.id, late.id];
    expected.sort();
    assert_eq!(october, expected);
    assert!(billable_ids(&env, &p, 2026, 11).await.is_empty());
    let feed = billable(&env, &p, 2026, 10).await;
    assert_eq!(feed[0].ended_on, d(end));

    // Units: three realised sessions used, nothing reserved; vouchers is told.
    assert_eq!(used_and_reserved(&env, &v).await, (600, 0));
    let shown = voucher_shows_usage(&env, &v).await;
    assert_eq!(shown.units_reserved.map(|u| u.hundredths), Some(0));
}

#[tokio::test]
async fn a_voucher_whose_validity_ended_takes_late_records_for_the_grace_period() {
    let (env, today) = start_on_first_day().await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_102, SIILINJARVI).await;
    let (from, until) = (ymd(2026, 7, 1), ymd(2026, 10, 13));
    // Chosen and accepted within the validity, on 6 October.
    today.set(ymd(2026, 10, 6));
    let used = ktt_voucher(&env, &p, 212, from, until).await;
    let unused = ktt_voucher(&env, &p, 213, from, until).await;

    // 14 October, the day after the last valid day, no units recorded on either.
    today.set(first_day());
    let (expired, completed) = sweep(&env).await;
    for v in [&used, &unused] {
        assert!(!expired.contains(v) && !completed.contains(v), "{v} swept");
        assert_eq!(
            state_of(&get_voucher(&env, v).await),
            pb::VoucherState::Assigned
        );
    }
    // A session of the last week is recorded late, and billable.
    let held = record(&env, &p, &used, at(ymd(2026, 10, 8), 9, 11))
        .await
        .expect("a session of the last week");
    assert_eq!(
        billable_ids(&env, &p, 2026, 10).await,
        std::slice::from_ref(&held.id)
    );
    voucher_shows_usage(&env, &used).await;
    // Used: the sweep completes it at the end of its validity, it does not expire.
    let (expired, completed) = sweep(&env).await;
    assert_eq!(completed, std::slice::from_ref(&used));
    assert!(expired.is_empty(), "{expired:?}");
    let v = get_voucher(&env, &used).await;
    assert_eq!(state_of(&v), pb::VoucherState::Completed);
    assert_eq!(v.ended_on, d(until));
    attendance_sees(&env, &used, "COMPLETED").await;
    // Completed, it still takes an absence of its last week, but no day after its end.
    absence(&env, &p, &used, ymd(2026, 10, 9))
        .await
        .expect("an absence of the last week");
    let err = record(&env, &p, &used, at(first_day(), 9, 11))
        .await
        .expect_err("after the end");
    refused_in_state(&err);
    assert_eq!(billable_ids(&env, &p, 2026, 10).await, [held.id]);

    // 27 October, the last day of the grace period: the unused voucher is not swept yet.
    today.set(plus(until, 14));
    let (expired, completed) = sweep(&env).await;
    assert!(expired.is_empty() && completed.is_empty());
    // 28 October: the grace period is over. Attendance refuses a late record even before the
    // sweep, and the sweep decides the voucher unused.
    today.set(plus(until, 15));
    let err = record(&env, &p, &unused, at(ymd(2026, 10, 9), 9, 11))
        .await
        .expect_err("the grace period is over");
    refused_in_state(&err);
    let (expired, completed) = sweep(&env).await;
    assert_eq!(expired, std::slice::from_ref(&unused));
    assert!(completed.is_empty());
    assert_eq!(
        state_of(&get_voucher(&env, &unused).await),
        pb::VoucherState::Expired
    );
    attendance_sees(&env, &unused, "EXPIRED").await;
    let err = record(&env, &p, &unused, at(ymd(2026, 10, 9), 9, 11))
        .await
        .expect_err("expired");
    refused_in_state(&err);
    let err = absence(&env, &p, &used, ymd(2026, 10, 12))
        .await
        .expect_err("the completed voucher's grace period is over too");
    refused_in_state(&err);
    // Nothing recorded after the grace period reached the ledger.
    assert_eq!(used_and_reserved(&env, &unused).await, (0, 0));
    assert_eq!(used_and_reserved(&env, &used).await, (200, 0));
}

#[tokio::test]
async fn late_records_stop_once_the_last_month_is_approved() {
    let services = Env::builder().services(&BILLING).prices(Prices::County);
    let (env, today) = start_moved(services, first_day()).await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_103, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let v = ktt_voucher(&env, &p, 214, from, validity_end(from, 3)).await;
    let held = record(&env, &p, &v, at(ymd(2026, 10, 12), 9, 11))
        .await
        .expect("held on the 12th");

    // 20 October: interrupted that day; its last month is October.
    let end = ymd(2026, 10, 20);
    today.set(end);
    interrupt_on(&env, &env.provider_user(&p), &v, end).await;
    attendance_sees(&env, &v, "INTERRUPTED").await;

    // 2 November, in the grace period: a late record is taken, and October is invoiced.
    today.set(ymd(2026, 11, 2));
    let late = record(&env, &p, &v, at(ymd(2026, 10, 16), 9, 11))
        .await
        .expect("a late record in the grace period");
    let invoice = generated(&env, &p, from).await.invoice.expect("an invoice");
    let mut on_invoice: Vec<String> = invoice
        .lines
        .iter()
        .flat_map(|l| l.items.iter().map(|i| i.item_id.clone()))
        .collect();
    on_invoice.sort();
    let mut expected = vec![held.id.clone(), late.id.clone()];
    expected.sort();
    assert_eq!(on_invoice, expected);
    // Invoiced but not approved yet: still taken (it goes on the next invoice).
    let after_invoice = record(&env, &p, &v, at(ymd(2026, 10, 19), 9, 11))
        .await
        .expect("not approved yet");

    // Approved: October is paid for, and the voucher takes no late record of any kind.
    submit_and_approve_invoice(&env, &p, &invoice.id).await;
    let err = record(&env, &p, &v, at(ymd(2026, 10, 15), 9, 11))
        .await
        .expect_err("the last month is approved");
    refused_in_state(&err);
    let err = absence(&env, &p, &v, ymd(2026, 10, 13))
        .await
        .expect_err("the last month is approved");
    refused_in_state(&err);
    // What was recorded before the approval stays billable, on the next invoice.
    let not_invoiced: Vec<String> = billable(&env, &p, 2026, 10)
        .await
        .iter()
        .flat_map(|v| v.items.iter())
        .filter(|i| i.invoiced_units.is_none())
        .map(|i| i.session_id.clone())
        .collect();
    assert_eq!(not_invoiced, [after_invoice.id]);
    assert_eq!(used_and_reserved(&env, &v).await, (600, 0));
}

#[tokio::test]
async fn a_no_show_after_an_end_dated_back_is_not_billed() {
    // Found by the ledger's property test: a no-show of today, then an interruption dated
    // yesterday; the no-show stayed billable after the end.
    let (env, _today) = start_on_first_day().await;
    let p = approved_provider(&env, "Valmennus ry", 1_024_104, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let v = ktt_voucher(&env, &p, 215, from, validity_end(from, 3)).await;
    let s = record(&env, &p, &v, at(first_day(), 8, 9))
        .await
        .expect("today");
    let did_not_come = apb::Cancellation {
        by: apb::CancelledBy::Client as i32,
        cancelled_on: d(first_day()),
        ..Default::default()
    };
    cancel(&env, &p, &s.id, did_not_come)
        .await
        .expect("a no-show of the day");
    assert_eq!(
        billable_ids(&env, &p, 2026, 10).await,
        std::slice::from_ref(&s.id)
    );
    interrupt_on(&env, &env.provider_user(&p), &v, plus(from, 12)).await;
    attendance_sees(&env, &v, "INTERRUPTED").await;
    let got = session(&env, &s.id).await.session.expect("session");
    assert_eq!(got.status, apb::SessionStatus::CancelledAtEnd as i32);
    assert!(billable_ids(&env, &p, 2026, 10).await.is_empty());
    assert_eq!(used_and_reserved(&env, &v).await, (0, 0));
}
