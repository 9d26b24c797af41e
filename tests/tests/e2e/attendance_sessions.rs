//! Sessions: admission by the rules crate (each rule broken and passed), units used,
//! idempotency, concurrency, access and audit, corrections and voids.

use seteli_api::attendance::v1 as apb;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use tonic::Code;

const OCT: (i32, u32, u32) = (2026, 10, 1);

fn oct1() -> chrono::NaiveDate {
    ymd(OCT.0, OCT.1, OCT.2)
}

/// "Today" for the tests of October 2026's vouchers: within their three months, after the
/// sessions they record, so the system clock's passing does not end them.
fn pinned() -> chrono::NaiveDate {
    ymd(2026, 12, 6)
}

/// Attendance (and the registry and vouchers) on [`pinned`], with an approved provider of
/// `seed`.
async fn started(seed: u32) -> (Env, String) {
    with_provider(start_attendance_on(pinned()).await, seed).await
}

/// A KTT individual coaching voucher of 30 h for a fresh client of `provider`, valid from
/// 1 October 2026 for three months.
async fn ktt(env: &Env, provider: &str, individual: u16) -> String {
    ktt_voucher(env, provider, individual, oct1(), validity_end(oct1(), 3)).await
}

#[tokio::test]
async fn a_session_is_admitted_counted_and_kept_with_its_history() {
    let (env, p) = started(1_000_001).await;
    // Recorded at once after acceptance: attendance catches up with the feed on demand.
    let v = ktt(&env, &p, 101).await;
    let s = record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("admitted");
    assert_eq!(s.status, apb::SessionStatus::Recorded as i32);
    assert_eq!(s.units.map(|u| u.hundredths), Some(200));
    assert_eq!(
        s.details.as_ref().map(|d| d.coach.as_str()),
        Some("Olli Ohjaaja")
    );
    assert_eq!(units_used(&env, &v).await, 200);
    let got = env
        .a()
        .get_session(with_token(
            &env.social_worker(),
            apb::GetSessionRequest {
                session_id: s.id.clone(),
            },
        ))
        .await
        .expect("social worker reads it")
        .into_inner();
    assert_eq!(got.history.len(), 1);
    assert_eq!(got.history[0].action, "RECORDED");
}

#[tokio::test]
async fn validity_and_unit_cap_are_refused_at_once_with_their_ids() {
    let (env, p) = started(1_000_002).await;
    let v = ktt(&env, &p, 102).await;
    let mut big = at(ymd(2027, 3, 1), 8, 9);
    big.start_time = None;
    big.end_time = None;
    big.hours = Some(apb::Units { hundredths: 2400 });
    record(&env, &p, &v, at(ymd(2026, 10, 1), 0, 23))
        .await
        .expect("23 h");
    let mut over = at(ymd(2027, 3, 1), 8, 16);
    over.modality = apb::Modality::OnSite as i32;
    let err = refused_with(
        record(&env, &p, &v, over).await,
        Code::FailedPrecondition,
        "refused",
    );
    let ids = rule_ids(&err);
    assert!(ids.contains(&"TERM-VALIDITY".to_owned()), "{ids:?}");
    assert!(ids.contains(&"CAP-UNITS".to_owned()), "{ids:?}");
    // Within: 7 h more fits exactly.
    record(&env, &p, &v, at(ymd(2026, 10, 2), 8, 15))
        .await
        .expect("the last 7 h");
    assert_eq!(units_used(&env, &v).await, 3000);
}

#[tokio::test]
async fn ktt_coaching_needs_clock_times() {
    let (env, p) = started(1_000_003).await;
    let v = ktt(&env, &p, 103).await;
    refused_by(
        record(&env, &p, &v, group(ymd(2026, 10, 5), 2, 0)).await,
        ["COACHING-NOT-DURING-WORK"],
        "no clock times",
    );
}

#[tokio::test]
async fn individual_discussions_exist_only_on_ktt_group_vouchers() {
    let (env, p) = started(1_000_004).await;
    let v = ktt(&env, &p, 104).await;
    let mut talk = at(ymd(2026, 10, 6), 10, 11);
    talk.kind = apb::SessionKind::IndividualDiscussion as i32;
    let err = record(&env, &p, &v, talk)
        .await
        .expect_err("not on KTT individual");
    assert!(rule_ids(&err).contains(&"KTT-GROUP-DISCUSSIONS".to_owned()));
}

#[tokio::test]
async fn ktt_is_not_only_remote_over_an_ended_period() {
    // Pinned after the voucher's period (1 June – 31 August 2026) ended, on 10 September: its
    // sessions are recorded late within the grace period, not months after the voucher ended
    // (RULES.md §10, "nothing lost at the end").
    let env = start_attendance_on(ymd(2026, 9, 10)).await;
    let (env, p) = with_provider(env, 1_000_005).await;
    let from = ymd(2026, 6, 1);
    let v = ktt_voucher(&env, &p, 105, from, validity_end(from, 3)).await;
    let mut phone = at(ymd(2026, 7, 1), 9, 10);
    phone.modality = apb::Modality::Phone as i32;
    refused_by(
        record(&env, &p, &v, phone.clone()).await,
        ["KTT-NOT-ONLY-REMOTE"],
        "only remote over the ended period",
    );
    record(&env, &p, &v, at(ymd(2026, 7, 2), 9, 10))
        .await
        .expect("on site");
    record(&env, &p, &v, phone)
        .await
        .expect("remote beside on site");
}

#[tokio::test]
async fn sk_group_session_length_size_and_excursions() {
    let (env, p) = started(1_000_006).await;
    let v = sk_group_voucher(&env, &p, 106, oct1(), validity_end(oct1(), 3)).await;
    let err = record(&env, &p, &v, group(ymd(2026, 10, 5), 4, 13))
        .await
        .expect_err("too long, too big");
    let ids = rule_ids(&err);
    assert!(ids.contains(&"CAP-SESSION-LENGTH".to_owned()), "{ids:?}");
    assert!(ids.contains(&"CAP-GROUP-SIZE".to_owned()), "{ids:?}");
    refused_by(
        record(&env, &p, &v, group(ymd(2026, 10, 5), 3, 0)).await,
        ["CAP-GROUP-SIZE"],
        "no group size",
    );
    // The rulebook allows 12, the provider's offering 8: a group session is held to both, as
    // CreateGroup holds a group (CAP-GROUP-SIZE).
    refused_by(
        record(&env, &p, &v, group(ymd(2026, 10, 5), 3, 9)).await,
        ["CAP-GROUP-SIZE"],
        "more than the provider offers",
    );
    record(&env, &p, &v, group(ymd(2026, 10, 5), 3, 8))
        .await
        .expect("3 h, 8 clients");
    // Excursion days may be longer: the allowance of the 4-month period.
    let mut granted = 0;
    for day in [12, 19, 26] {
        let mut trip = group(ymd(2026, 10, day), 5, 6);
        trip.excursion = true;
        if record(&env, &p, &v, trip).await.is_ok() {
            granted += 1;
        } else {
            break;
        }
    }
    assert!((1..=2).contains(&granted), "{granted} excursion days");
    let mut trip = group(ymd(2026, 11, 2), 5, 6);
    trip.excursion = true;
    let err = record(&env, &p, &v, trip)
        .await
        .expect_err("allowance used");
    assert!(rule_ids(&err).contains(&"CAP-SESSION-LENGTH".to_owned()));
}

#[tokio::test]
async fn the_weekly_cap_counts_iso_weeks() {
    let (env, p) = started(1_000_007).await;
    let v = sk_group_voucher(&env, &p, 107, oct1(), validity_end(oct1(), 3)).await;
    // Sunday 2026-11-01 ends ISO week 44; Monday 2026-11-02 starts week 45.
    record(&env, &p, &v, group(ymd(2026, 10, 31), 2, 6))
        .await
        .expect("Sat");
    record(&env, &p, &v, group(ymd(2026, 11, 1), 3, 6))
        .await
        .expect("Sun");
    record(&env, &p, &v, group(ymd(2026, 11, 2), 3, 6))
        .await
        .expect("Mon, new week");
    refused_by(
        record(&env, &p, &v, group(ymd(2026, 11, 8), 3, 6)).await,
        ["CAP-WEEKLY"],
        "6 h in week 45",
    );
    record(&env, &p, &v, group(ymd(2026, 11, 9), 3, 6))
        .await
        .expect("week 46");
}

#[tokio::test]
async fn concurrent_records_admit_exactly_the_units_left() {
    let (env, p) = started(1_000_008).await;
    let v = ktt(&env, &p, 108).await;
    record(&env, &p, &v, at(ymd(2026, 10, 1), 0, 20))
        .await
        .expect("20 h");
    let token = env.provider_user(&p);
    let calls = (0..100).map(|i| {
        let mut client = env.a();
        // 100 different hours (20 days × 8–13), so only the cap can refuse one.
        let hour = 8 + i32::try_from(i / 20).expect("small");
        let req = record_request(&v, at(ymd(2026, 10, 2 + (i % 20)), hour, hour + 1));
        let token = token.clone();
        async move { client.record_session(with_token(&token, req)).await }
    });
    let results = futures::future::join_all(calls).await;
    let admitted = results.iter().filter(|r| r.is_ok()).count();
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(rule_ids(r), vec!["CAP-UNITS"], "{r:?}");
    }
    assert_eq!(admitted, 10);
    assert_eq!(units_used(&env, &v).await, 3000);
}

#[tokio::test]
async fn the_same_request_id_records_once() {
    let (env, p) = started(1_000_009).await;
    let v = ktt(&env, &p, 109).await;
    let req = record_request(&v, at(ymd(2026, 10, 5), 9, 11));
    let token = env.provider_user(&p);
    let first = env
        .a()
        .record_session(with_token(&token, req.clone()))
        .await
        .expect("first")
        .into_inner();
    let again = env
        .a()
        .record_session(with_token(&token, req.clone()))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(first.session.map(|s| s.id), again.session.map(|s| s.id));
    assert_eq!(units_used(&env, &v).await, 200);
    let mut other = req;
    other.details = Some(at(ymd(2026, 10, 6), 9, 11));
    refused_with(
        env.a().record_session(with_token(&token, other)).await,
        Code::InvalidArgument,
        "same id, other request",
    );
}

/// Twins sent at once (a client retrying before its first call answered) record once and all
/// get its answer, whichever way each is written (on PostgreSQL one statement or, when a
/// twin's claim or lock stands in its way, a transaction).
#[tokio::test]
async fn twins_sent_at_once_record_once_and_get_one_answer() {
    let (env, p) = started(1_000_011).await;
    let v = ktt(&env, &p, 111).await;
    let req = record_request(&v, at(ymd(2026, 10, 5), 9, 11));
    let token = env.provider_user(&p);
    let calls = (0..6).map(|_| {
        let (mut client, token, req) = (env.a(), token.clone(), req.clone());
        async move { client.record_session(with_token(&token, req)).await }
    });
    let answers = futures::future::join_all(calls).await;
    let ids: std::collections::BTreeSet<String> = answers
        .into_iter()
        .map(|a| {
            a.expect("answered")
                .into_inner()
                .session
                .expect("session")
                .id
        })
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(units_used(&env, &v).await, 200);
    let listed = sessions_of(&env, &token, &v).await.expect("listed");
    assert_eq!(listed.len(), 1);
}

#[tokio::test]
async fn a_provider_cannot_record_on_or_read_another_providers_voucher() {
    let (env, p) = started(1_000_010).await;
    let q = approved_provider(&env, "Toinen ry", 2_000_010, SIILINJARVI).await;
    let v = ktt(&env, &p, 110).await;
    let s = record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("own");
    refused_with(
        record(&env, &q, &v, at(ymd(2026, 10, 6), 9, 11)).await,
        Code::NotFound,
        "another provider's voucher",
    );
    let other = env.provider_user(&q);
    refused_with(
        read_session(&env, &other, &s.id).await,
        Code::NotFound,
        "not theirs",
    );
    refused_with(
        sessions_of(&env, &other, &v).await,
        Code::NotFound,
        "not theirs",
    );
    // Every read and write of the client's data is audited in attendance.
    let entries = audit_entries_of(env.attendance(), &env.auditor(), &s.client_id)
        .await
        .expect("audit");
    assert!(entries.iter().any(|e| e.action == "RecordSession"));
}

#[tokio::test]
async fn corrections_and_voids_keep_history_and_lock_after_invoicing() {
    let (env, p) = started(1_000_011).await;
    let v = ktt(&env, &p, 111).await;
    let s = record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("2 h");
    let token = env.provider_user(&p);
    let fixed = correct_session(
        &env,
        &token,
        &s.id,
        at(ymd(2026, 10, 5), 9, 12),
        "kesti kolme tuntia",
    )
    .await
    .expect("corrected");
    assert_eq!(fixed.version, 2);
    assert_eq!(units_used(&env, &v).await, 300);
    let t = record(&env, &p, &v, at(ymd(2026, 10, 6), 9, 10))
        .await
        .expect("1 h");
    void_session(&env, &token, &t.id, "kirjattu väärälle asiakkaalle")
        .await
        .expect("voided");
    assert_eq!(units_used(&env, &v).await, 300);
    // Invoiced: locked for the provider; the county corrects, shown as such.
    let billing = env.service(Svc::Billing);
    let october = ymd(2026, 10, 1);
    // Only what an invoice of the provider's month can hold: not another provider's, not a
    // later month's (issue 30: no made-up invoice locks a provider out).
    for (provider, month) in [("p-other", october), (p.as_str(), ymd(2026, 9, 1))] {
        let req = invoiced_items("INV-1", provider, month, vec![s.id.clone()]);
        let err = mark_items_invoiced(&env, &billing, req)
            .await
            .expect_err("not this invoice's");
        assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    }
    // Nor by a person: billing's service account only.
    let req = invoiced_items("INV-1", &p, october, vec![s.id.clone()]);
    let err = mark_items_invoiced(&env, &env.finance(), req)
        .await
        .expect_err("the financial system");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let req = invoiced_items("INV-1", &p, october, vec![s.id.clone()]);
    mark_items_invoiced(&env, &billing, req)
        .await
        .expect("invoiced");
    let four_hours = || at(ymd(2026, 10, 5), 9, 13);
    refused_by(
        correct_session(&env, &token, &s.id, four_hours(), "4 h").await,
        ["STATE-TRANSITION"],
        "locked",
    );
    correct_session(&env, &env.admin(), &s.id, four_hours(), "4 h")
        .await
        .expect("county corrects");
    let items = billable(&env, &p, 2026, 10).await;
    let item = items[0]
        .items
        .iter()
        .find(|i| i.item_id == s.id)
        .expect("item");
    assert!(item.corrected_after_invoicing);
    assert_eq!(item.invoiced_units.map(|u| u.hundredths), Some(300));
    assert_eq!(item.units.map(|u| u.hundredths), Some(400));
    let history = env
        .a()
        .get_session(with_token(
            &env.admin(),
            apb::GetSessionRequest {
                session_id: s.id.clone(),
            },
        ))
        .await
        .expect("read")
        .into_inner()
        .history;
    let actions: Vec<&str> = history.iter().map(|h| h.action.as_str()).collect();
    assert_eq!(actions, ["RECORDED", "CORRECTED", "INVOICED", "CORRECTED"]);
}

#[tokio::test]
async fn an_sk_session_needs_a_responsible_coach() {
    let env = start_attendance_on(pinned()).await;
    let p = approved_provider(&env, "Ohjaus ry", 1_000_007, SIILINJARVI).await;
    let c = client_at(&env, 107, SIILINJARVI).await;
    let v = issue(
        &env,
        decision(
            &c.id,
            seteli_api::common::v1::ServiceType::SkGroup,
            oct1(),
            validity_end(oct1(), 3),
            40,
        ),
    )
    .await
    .expect("issue");
    choose(&env, &v.id, &p).await.expect("choose");
    // SK may be accepted before the coach is named; the coach is due by the start (PROC-COACH).
    accept_as(&env, &p, accept_request(&v.id, "", None))
        .await
        .expect("accepted without a coach");
    let err = record(&env, &p, &v.id, group(ymd(2026, 10, 5), 3, 8))
        .await
        .expect_err("no responsible coach");
    assert!(rule_ids(&err).iter().any(|r| r == "PROC-COACH"), "{err:?}");
    // Named at the start (StartVoucher), the session is admitted.
    start_service(
        &env,
        &p,
        start_request(&v.id, ymd(2026, 10, 5), "Sanna Ohjaaja", None),
    )
    .await
    .expect("started with a coach");
    let (env, p, id) = (&env, &p, &v.id);
    eventually("attendance follows the coach", || async move {
        record(env, p, id, group(ymd(2026, 10, 5), 3, 8))
            .await
            .is_ok()
    })
    .await;
}

#[tokio::test]
async fn a_social_worker_reads_only_their_own_clients_sessions() {
    let (env, p) = started(1_000_012).await;
    let v = ktt(&env, &p, 112).await;
    let s = record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("recorded");
    // The social worker who issued the voucher reads its sessions.
    read_session(&env, &env.social_worker(), &s.id)
        .await
        .expect("own client");
    // Another social worker does not know they exist.
    let colleague = env
        .keys
        .token_as("another-social-worker", "social_worker", None);
    refused_with(
        read_session(&env, &colleague, &s.id).await,
        Code::NotFound,
        "not their client",
    );
    refused_with(
        sessions_of(&env, &colleague, &v).await,
        Code::NotFound,
        "not their client",
    );
    // The county's administrator reads every client's.
    read_session(&env, &env.admin(), &s.id)
        .await
        .expect("county admin");
}

/// The rules run before the write lock (issue 15): while another transaction holds the
/// voucher's row (and, on SQLite, the database's write lock), a session the rules refuse is
/// answered with its rule id, and an admitted one waits for the lock and is then written.
/// Deciding under the claim and the lock, the refusal waited too (on SQLite until the busy
/// timeout, then UNAVAILABLE; on PostgreSQL until the lock went).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refusal_does_not_wait_for_the_write_lock() {
    let (env, p) = started(1_000_012).await;
    let v = ktt(&env, &p, 112).await;
    record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("the voucher is followed");
    let outside = seteli_platform::db::Database::connect(&env.attendance().db.url, 1)
        .await
        .expect("the attendance database");
    let mut holder = outside.pool().begin().await.expect("begin");
    sqlx::query("UPDATE vouchers SET id = id WHERE id = $1")
        .bind(&v)
        .execute(&mut *holder)
        .await
        .expect("the voucher's row, locked");

    let waiting = tokio::spawn({
        let (mut client, token) = (env.a(), env.provider_user(&p));
        let req = record_request(&v, at(ymd(2026, 10, 6), 9, 11));
        async move { client.record_session(with_token(&token, req)).await }
    });
    // A deadlock guard, not a speed check: deciding under the lock never returns here.
    let refused = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        record(&env, &p, &v, at(ymd(2027, 6, 1), 9, 11)),
    )
    .await
    .expect("the refusal did not wait for the lock")
    .expect_err("after the voucher's validity");
    assert_eq!(refused.code(), Code::FailedPrecondition, "{refused:?}");
    assert!(
        rule_ids(&refused).contains(&"TERM-VALIDITY".to_owned()),
        "{refused:?}"
    );
    assert!(!waiting.is_finished(), "an admitted session waits to write");

    holder.commit().await.expect("release");
    let written = waiting
        .await
        .expect("task")
        .expect("admitted once the lock went");
    assert!(written.into_inner().session.is_some());
    assert_eq!(units_used(&env, &v).await, 400);
}

#[tokio::test]
async fn an_hour_services_hours_are_its_clock_times() {
    let env = start_attendance().await;
    let p = approved_provider(&env, "Tunnit Oy", 1_030_002, SIILINJARVI).await;
    let v = ktt_voucher(&env, &p, 502, today(), validity_end(today(), 3)).await;
    // 09:00–10:00 claimed as five hours: refused, nothing consumed.
    let mut five = at(today(), 9, 10);
    five.hours = Some(apb::Units { hundredths: 500 });
    let err = record(&env, &p, &v, five)
        .await
        .expect_err("five hours in one");
    assert_eq!(err.code(), Code::InvalidArgument, "{err:?}");
    assert!(err.message().contains("details.hours"), "{err:?}");
    assert_eq!(units_used(&env, &v).await, 0);
    // The same hour given as one hour, or left to the clock times, is taken.
    let mut one = at(today(), 9, 10);
    one.hours = Some(apb::Units { hundredths: 100 });
    record(&env, &p, &v, one).await.expect("one hour");
    record(&env, &p, &v, between(today(), (10, 0), (11, 30)))
        .await
        .expect("an hour and a half from the clock");
    assert_eq!(units_used(&env, &v).await, 250);
}
