//! The voucher's life cycle: units used (attendance's count, followed), start, completion,
//! interruption, cancellation, the expiry sweep, and the change feed that follows it all.
//! Sessions here are of today: one dated later is agreed, its units reserved, not used
//! (RULES.md §10; attendance_ledger).

use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

/// A voucher's units used and left, hundredths.
fn used_and_left(v: &pb::Voucher) -> (Option<i64>, Option<i64>) {
    let hundredths = |u: Option<pb::Units>| u.map(|u| u.hundredths);
    (hundredths(v.units_used), hundredths(v.units_left))
}

/// An ASSIGNED KTT voucher (30 h) of a new client with `provider`.
async fn assigned(env: &Env, provider: &str, individual: u16) -> pb::Voucher {
    let client = client_at(env, individual, KUOPIO).await;
    let v = issue(env, ktt_decision(&client.id)).await.expect("issue");
    choose(env, &v.id, provider).await.expect("choose");
    accept(env, provider, &v.id).await.expect("accept")
}

#[tokio::test]
async fn units_used_are_attendances_count() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Yksikkö ry", 2_100_001, KUOPIO).await;
    let v = assigned(&env, &provider, 301).await;
    // RecordUnitsUsed is retired: attendance is the only bookkeeper (no second count).
    assert_units_are_recorded_in_attendance(
        record_units(&env, &provider, &v.id, 100, today()).await,
    );
    // A session in attendance is the units used; the first units start the service on the
    // session's day.
    let session = record(&env, &provider, &v.id, at(today(), 8, 9))
        .await
        .expect("first hour");
    let used = voucher_shows_usage(&env, &v.id).await;
    assert_eq!(used_and_left(&used), (Some(100), Some(2900)));
    assert_eq!(used.state, pb::VoucherState::Active as i32);
    assert_eq!(used.started_on, d(today()));
    // More units, and a release (a voided session) are followed too (CAP-UNITS under
    // concurrency is attendance's: attendance_sessions).
    use_units(&env, &provider, &v.id, at(today(), 9, 12))
        .await
        .expect("three more hours");
    assert_eq!(
        get_voucher(&env, &v.id)
            .await
            .units_used
            .map(|u| u.hundredths),
        Some(400)
    );
    let user = env.provider_user(&provider);
    void_session(&env, &user, &session.id, "Kirjattu väärälle asiakkaalle.")
        .await
        .expect("void");
    let after = voucher_shows_usage(&env, &v.id).await;
    assert_eq!(used_and_left(&after), (Some(300), Some(2700)));
    assert_eq!(after.state, pb::VoucherState::Active as i32);
    // Complete it; RecordUnitsUsed stays refused.
    let done = complete_voucher(&env, &env.provider_user(&provider), &v.id, d(today()))
        .await
        .expect("complete");
    assert_eq!(done.state, pb::VoucherState::Completed as i32);
    assert_units_are_recorded_in_attendance(
        record_units(&env, &provider, &v.id, 100, today()).await,
    );
}

#[tokio::test]
async fn the_usage_follower_resumes_after_a_restart_of_vouchers_without_losing_or_repeating() {
    let mut env = start_attendance().await;
    let provider = approved_provider(&env, "Jatko ry", 2_100_101, KUOPIO).await;
    let v = assigned(&env, &provider, 302).await;
    use_units(&env, &provider, &v.id, at(today(), 8, 9))
        .await
        .expect("first hour");
    // Vouchers restarts; sessions recorded while it is away are followed once it is back.
    let url = env.vouchers().url();
    env.restart(Svc::Vouchers).await;
    assert_eq!(env.vouchers().url(), url, "attendance keeps the URL");
    for day in 1..=3 {
        record(
            &env,
            &provider,
            &v.id,
            at(today(), 7 + 2 * day, 9 + 2 * day),
        )
        .await
        .expect("session");
    }
    let shown = voucher_shows_usage(&env, &v.id).await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(700));
    // Each usage change applied once: one UNITS_CHANGED per change of the count, one STARTED.
    let changes = voucher_feed_page(&env, &env.service(Svc::Attendance), 0, 1000)
        .await
        .expect("feed")
        .changes;
    let of = |kind: pb::VoucherChangeKind| {
        changes
            .iter()
            .filter(|c| c.kind == kind as i32)
            .map(|c| {
                c.voucher
                    .as_ref()
                    .and_then(|x| x.units_used)
                    .map(|u| u.hundredths)
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(of(pb::VoucherChangeKind::Started).len(), 1);
    // Counts a page of the usage feed held together show as its newest alone; none is shown
    // twice or out of order, and the last is the count.
    let counts = of(pb::VoucherChangeKind::UnitsChanged);
    assert_eq!(counts.first(), Some(&Some(100)), "{counts:?}");
    assert_eq!(counts.last(), Some(&Some(700)), "{counts:?}");
    assert!(counts.windows(2).all(|w| w[0] < w[1]), "{counts:?}");
}

/// An ASSIGNED voucher of a new client `individual` at a new provider `n`, which attendance
/// follows as ASSIGNED: a validation of a session catches its copy up (deciding again after a
/// refusal by a stale copy) and records nothing.
async fn assigned_and_followed(env: &Env, n: u32, individual: u16) -> (String, pb::Voucher) {
    let provider = approved_provider(env, "Poissa ry", 2_100_120 + n, KUOPIO).await;
    let v = assigned(env, &provider, individual).await;
    let check = seteli_api::attendance::v1::RecordSessionRequest {
        validate_only: true,
        ..record_request(&v.id, at(today(), 8, 9))
    };
    env.a()
        .record_session(with_token(&env.provider_user(&provider), check))
        .await
        .expect("a session may be recorded");
    (provider, v)
}

#[tokio::test]
async fn a_session_recorded_and_voided_while_vouchers_is_away_still_started_the_voucher() {
    let mut env = start_attendance().await;
    let (provider, v) = assigned_and_followed(&env, 2, 304).await;
    // Two usage changes on one page when vouchers is back: the first units, then none. The
    // newest alone would leave the voucher ASSIGNED; the first one's start is kept.
    let stopped = env.stop(Svc::Vouchers).await;
    let s = record(&env, &provider, &v.id, at(today(), 8, 9))
        .await
        .expect("session");
    let user = env.provider_user(&provider);
    void_session(&env, &user, &s.id, "Kirjattu väärälle asiakkaalle.")
        .await
        .expect("void");
    env.start_again(stopped).await;
    let shown = poll_until(
        || get_voucher(&env, &v.id),
        |shown| shown.state == pb::VoucherState::Active as i32,
        |shown| format!("vouchers shows the voucher {:?}", shown.state()),
    )
    .await;
    assert_eq!(shown.started_on, d(today()));
    assert_eq!(
        shown.units_used.map(|u| u.hundredths).unwrap_or_default(),
        0
    );
}

#[tokio::test]
async fn sessions_recorded_while_vouchers_is_away_start_the_voucher_and_show_the_newest_count_once()
{
    let mut env = start_attendance().await;
    let (provider, v) = assigned_and_followed(&env, 1, 303).await;
    // Vouchers is away while three sessions are recorded; back, its usage follower reads their
    // three changes on one page and writes the newest count only, the first units' start kept.
    let stopped = env.stop(Svc::Vouchers).await;
    for hour in [8, 10, 12] {
        record(&env, &provider, &v.id, at(today(), hour, hour + 1))
            .await
            .expect("session");
    }
    env.start_again(stopped).await;
    let shown = voucher_shows_usage(&env, &v.id).await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(300));
    assert_eq!(shown.state, pb::VoucherState::Active as i32);
    assert_eq!(shown.started_on, d(today()));
    let changes = voucher_feed_page(&env, &env.service(Svc::Attendance), 0, 1000)
        .await
        .expect("feed")
        .changes;
    let kinds: Vec<i32> = changes.iter().map(|c| c.kind).collect();
    let count = |kind: pb::VoucherChangeKind| kinds.iter().filter(|k| **k == kind as i32).count();
    assert_eq!(count(pb::VoucherChangeKind::Started), 1, "{kinds:?}");
    assert_eq!(count(pb::VoucherChangeKind::UnitsChanged), 1, "{kinds:?}");
}

#[tokio::test]
async fn start_interrupt_and_cancel_follow_the_state_machine() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Tila ry", 2_200_001, KUOPIO).await;
    let user = env.provider_user(&provider);
    // Explicit start: on a valid day only.
    let v = assigned(&env, &provider, 311).await;
    let start_on = |on| pb::StartVoucherRequest {
        request_id: rid(),
        voucher_id: v.id.clone(),
        started_on: d(on),
        ..Default::default()
    };
    // Before the validity (TERM-VALIDITY), and before the steward notice recorded at
    // acceptance today (KTT-STEWARD: a notice is never dated after the start).
    refused_by(
        start_as(&env, &user, start_on(days(today(), -3))).await,
        ["TERM-VALIDITY", "KTT-STEWARD"],
        "before validity",
    );
    let started = start_as(&env, &user, start_on(today()))
        .await
        .expect("start");
    assert_eq!(started.state, pb::VoucherState::Active as i32);
    // A started voucher cannot be cancelled.
    let cancel = |id: &str| pb::CancelVoucherRequest {
        request_id: rid(),
        validate_only: false,
        voucher_id: id.into(),
        reason: "Asiakas muutti".into(),
        reason_kind: pb::EndReasonKind::ClientMoved.into(),
    };
    refused_by(
        cancel_with(&env, &env.social_worker(), cancel(&v.id)).await,
        ["STATE-TRANSITION"],
        "started",
    );
    // PROC-INTERRUPT: the reason, its code and the date are required.
    let err = interrupt_voucher(
        &env,
        &user,
        &v.id,
        pb::EndReasonKind::Unspecified,
        " ",
        None,
    )
    .await
    .expect_err("no reason");
    let mut fields = bad_fields(&err);
    fields.sort();
    assert_eq!(fields, vec!["interrupted_on", "reason", "reason_kind"]);
    let stopped = interrupt_voucher(
        &env,
        &user,
        &v.id,
        pb::EndReasonKind::ClientNotAttending,
        "Asiakas ei ole tavoitettavissa",
        d(today()),
    )
    .await
    .expect("interrupt");
    assert_eq!(stopped.state, pb::VoucherState::Interrupted as i32);
    assert_eq!(stopped.end_reason, "Asiakas ei ole tavoitettavissa");
    assert_eq!(
        stopped.end_reason_kind,
        pb::EndReasonKind::ClientNotAttending as i32
    );
    assert_eq!(stopped.ended_on, d(today()));
    // The feed tells the interruption by its state and date, never its free-text reason
    // (issue 30): those who may see the client read it through GetVoucher.
    let changes = voucher_feed_page(&env, &env.service(Svc::Reporting), 0, 1000)
        .await
        .expect("feed")
        .changes;
    let told = changes
        .iter()
        .filter_map(|c| c.voucher.as_ref())
        .find(|x| x.id == v.id && x.state == pb::VoucherState::Interrupted as i32)
        .expect("the interruption on the feed");
    assert!(told.end_reason.is_empty() && told.ended_on == d(today()));
    // Cancelling before the start.
    let (client, w) = issued(&env, 312, ktt_decision).await;
    let cancelled = cancel_with(&env, &env.social_worker(), cancel(&w.id))
        .await
        .expect("cancel");
    assert_eq!(cancelled.state, pb::VoucherState::Cancelled as i32);
    // A cancelled voucher no longer holds its period: a new decision may take it.
    issue(&env, ktt_decision(&client.id))
        .await
        .expect("new decision after cancellation");
    refused_with(
        cancel_with(&env, &user, cancel(&w.id)).await,
        Code::PermissionDenied,
        "provider",
    );
}

#[tokio::test]
async fn the_sweep_expires_unused_vouchers_and_completes_used_ones() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Vanha ry", 2_300_001, KUOPIO).await;
    // Two vouchers whose validity ended: one last month, unused (its late-record grace period
    // of 14 days is over too); one a few days ago, used by a session of its validity recorded
    // late, within the grace period (RULES.md §10, "nothing lost at the end").
    let from = days(today(), -130);
    let until = seteli_rules::terms::validity_end(from, 3);
    assert!(until < days(today(), -14));
    let used_from = days(today(), -95);
    let used_until = seteli_rules::terms::validity_end(used_from, 3);
    assert!(used_until < today() && used_until >= days(today(), -14));
    let past = |client_id: &str, from: chrono::NaiveDate, until: chrono::NaiveDate| {
        let mut decision = ktt_decision(client_id);
        decision.decision_date = d(from);
        decision.valid_from = d(from);
        decision.valid_until = d(until);
        decision
    };
    let unused_client = client_at(&env, 321, KUOPIO).await;
    let unused = issue(&env, past(&unused_client.id, from, until))
        .await
        .expect("issue");
    let used_client = client_at(&env, 322, KUOPIO).await;
    let used = issue(&env, past(&used_client.id, used_from, used_until))
        .await
        .expect("issue");
    choose(&env, &used.id, &provider).await.expect("choose");
    // No steward notice (optional for coaching): one dated today would postdate the start the
    // first units below record (KTT-STEWARD).
    accept_as(
        &env,
        &provider,
        accept_request(&used.id, "Olli Ohjaaja", None),
    )
    .await
    .expect("accept");
    // Three hours on the first valid day, recorded in attendance (it starts the voucher).
    use_units(&env, &provider, &used.id, at(used_from, 8, 11))
        .await
        .expect("units on a valid day");
    let current = assigned(&env, &provider, 323).await;

    let err = expire_vouchers(&env, &env.admin(), sweep_as_of(Some(days(today(), 1))))
        .await
        .expect_err("future");
    assert_eq!(bad_fields(&err), vec!["as_of".to_owned()]);
    let swept = expire_vouchers(&env, &env.admin(), sweep_as_of(None))
        .await
        .expect("sweep");
    assert_eq!(swept.expired_voucher_ids, vec![unused.id.clone()]);
    assert_eq!(swept.completed_voucher_ids, vec![used.id.clone()]);
    let state = async |id: &str| {
        let v = read_voucher(&env, &env.social_worker(), id).await;
        v.expect("get").state
    };
    assert_eq!(state(&unused.id).await, pb::VoucherState::Expired as i32);
    assert_eq!(state(&used.id).await, pb::VoucherState::Completed as i32);
    assert_eq!(state(&current.id).await, pb::VoucherState::Assigned as i32);
    // Listing by state and dates.
    let expired = list_vouchers(
        &env,
        &env.social_worker(),
        pb::ListVouchersRequest {
            state: pb::VoucherState::Expired as i32,
            ..Default::default()
        },
    )
    .await
    .expect("list")
    .vouchers;
    assert_eq!(expired.len(), 1);
    let valid_now = list_vouchers(
        &env,
        &env.social_worker(),
        pb::ListVouchersRequest {
            valid_from: d(today()),
            valid_until: d(today()),
            ..Default::default()
        },
    )
    .await
    .expect("list")
    .vouchers;
    assert_eq!(ids_of(&valid_now), [current.id.as_str()]);
}

#[tokio::test]
async fn the_change_feed_follows_every_change_in_order_without_personal_data() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Syöte ry", 2_400_001, KUOPIO).await;
    let v = assigned(&env, &provider, 331).await;
    use_units(&env, &provider, &v.id, at(today(), 8, 10))
        .await
        .expect("units");
    let mut c = env.v();
    let page = |after: i64, size: i32| pb::ListVoucherChangesRequest {
        after_sequence: after,
        page_size: size,
    };
    // People do not read the feed: it names every client's vouchers (issue 30).
    for person in [
        env.admin(),
        env.social_worker(),
        env.finance(),
        env.auditor(),
    ] {
        let err = c
            .list_voucher_changes(with_token(&person, page(0, 0)))
            .await
            .expect_err("a person reads the feed");
        assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err:?}");
    }
    // The services that follow it do, as themselves.
    let token = env.service(Svc::Reporting);
    let all = c
        .list_voucher_changes(with_token(&token, page(0, 0)))
        .await
        .expect("feed")
        .into_inner();
    let kinds: Vec<i32> = all.changes.iter().map(|ch| ch.kind).collect();
    use pb::VoucherChangeKind as K;
    assert_eq!(
        kinds,
        vec![
            K::Issued as i32,
            K::ProviderChosen as i32,
            K::Accepted as i32,
            K::Started as i32,
            K::UnitsChanged as i32,
        ]
    );
    // Increasing, not consecutive (PostgreSQL numbers a change by its transaction, issue 15).
    let sequences: Vec<i64> = all.changes.iter().map(|ch| ch.sequence).collect();
    assert!(sequences.windows(2).all(|w| w[0] < w[1]), "{sequences:?}");
    assert_eq!(Some(all.last_sequence), sequences.last().copied());
    for ch in &all.changes {
        let voucher = ch.voucher.as_ref().expect("snapshot");
        let client = voucher.client.as_ref().expect("client");
        assert!(client.name.is_empty() && client.identity_code_masked.is_empty());
        assert!(!client.client_id.is_empty());
        assert!(
            voucher
                .decision
                .as_ref()
                .expect("decision")
                .employment_plan
                .is_none()
        );
    }
    let last = all
        .changes
        .last()
        .and_then(|ch| ch.voucher.clone())
        .expect("last");
    assert_eq!(last.units_used.map(|u| u.hundredths), Some(200));
    // Resuming from a cursor, two at a time, sees the same changes once each.
    let mut seen = Vec::new();
    let mut after = 0;
    loop {
        let p = c
            .list_voucher_changes(with_token(&token, page(after, 2)))
            .await
            .expect("page")
            .into_inner();
        if p.changes.is_empty() {
            assert_eq!(p.last_sequence, after);
            break;
        }
        seen.extend(p.changes.iter().map(|ch| ch.sequence));
        after = p.last_sequence;
    }
    assert_eq!(seen, sequences);
    // A new change comes after the cursor.
    use_units(&env, &provider, &v.id, at(today(), 21, 22))
        .await
        .expect("more units");
    let next = c
        .list_voucher_changes(with_token(&token, page(after, 0)))
        .await
        .expect("next")
        .into_inner();
    assert_eq!(next.changes.len(), 1);
    assert!(next.changes[0].sequence > after);
    let err = c
        .list_voucher_changes(with_token(&token, page(-1, 0)))
        .await
        .expect_err("negative");
    assert_eq!(bad_fields(&err), vec!["after_sequence".to_owned()]);
}

#[tokio::test]
async fn every_read_of_a_clients_voucher_is_audited() {
    let env = start_vouchers(Prices::County).await;
    let (client, v) = issued(&env, 341, ktt_decision).await;
    read_voucher(&env, &env.social_worker(), &v.id)
        .await
        .expect("get");
    list_vouchers(&env, &env.social_worker(), of_client(&client.id))
        .await
        .expect("list");
    let entries = audit_actions(&env, &client.id).await;
    for action in ["CreateClient", "IssueVoucher", "GetVoucher", "ListVouchers"] {
        assert!(
            entries.iter().any(|(a, _)| a == action),
            "{action} missing in {entries:?}"
        );
    }
}

#[tokio::test]
async fn the_scheduled_sweep_expires_as_the_service_itself() {
    let env = start_vouchers(Prices::County).await;
    let from = days(today(), -130);
    let until = seteli_rules::terms::validity_end(from, 3);
    let client = client_at(&env, 331, KUOPIO).await;
    let mut decision = ktt_decision(&client.id);
    decision.decision_date = d(from);
    decision.valid_from = d(from);
    decision.valid_until = d(until);
    let voucher = issue(&env, decision).await.expect("issue");

    // What the schedule runs (SETELI_EXPIRY_SWEEP_SECONDS), once, on the service's database.
    let db = seteli_platform::db::Database::connect(&env.vouchers().db.url, 2)
        .await
        .expect("database");
    let system =
        seteli_platform::rpc::Ctx::system("expiry-sweep", seteli_platform::clock::Clock::system());
    let (expired, completed) = seteli_vouchers::ops::sweep_once(&db, &system)
        .await
        .expect("sweep");
    assert_eq!((expired, completed), (1, 0));
    // A second run (another replica) changes nothing.
    let again = seteli_vouchers::ops::sweep_once(&db, &system)
        .await
        .expect("sweep again");
    assert_eq!(again, (0, 0));

    let state = read_voucher(&env, &env.social_worker(), &voucher.id)
        .await
        .expect("get")
        .state;
    assert_eq!(state, pb::VoucherState::Expired as i32);
    use seteli_api::audit::v1::ListAuditEntriesRequest;
    use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
    let entries = AuditServiceClient::new(env.vouchers().channel())
        .list_audit_entries(with_token(
            &env.auditor(),
            ListAuditEntriesRequest {
                actor_subject: "system:expiry-sweep".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("audit")
        .into_inner()
        .entries;
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0].subject_id, client.id);
    db.close().await;
}

#[tokio::test]
async fn racing_starts_and_first_sessions_start_a_voucher_once() {
    let env = start_attendance().await;
    let provider = approved_provider(&env, "Kiire ry", 1_900_001, KUOPIO).await;
    let v = assigned(&env, &provider, 341).await;
    // Explicit starts and first sessions (whose units start the voucher through the usage
    // feed) at once: every start is a conditional update of an ASSIGNED voucher, so only one
    // STARTED reaches the feed. (CAP-UNITS under concurrency: attendance_sessions.)
    let starts =
        (0..10).map(|_| start_service(&env, &provider, start_request(&v.id, today(), "", None)));
    let sessions = (0..3).map(|day| record(&env, &provider, &v.id, at(today(), 8 + day, 9 + day)));
    let (starts, sessions) = futures::future::join(
        futures::future::join_all(starts),
        futures::future::join_all(sessions),
    )
    .await;
    for result in starts {
        if let Err(e) = result {
            assert_eq!(e.code(), Code::FailedPrecondition, "{e:?}");
        }
    }
    for result in sessions {
        result.expect("session recorded");
    }
    let shown = voucher_shows_usage(&env, &v.id).await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(300));
    assert_eq!(shown.state, pb::VoucherState::Active as i32);
    let changes = voucher_feed_page(&env, &env.service(Svc::Attendance), 0, 1000)
        .await
        .expect("feed")
        .changes;
    let started = changes
        .iter()
        .filter(|c| {
            c.kind == pb::VoucherChangeKind::Started as i32
                && c.voucher.as_ref().is_some_and(|x| x.id == v.id)
        })
        .count();
    let kinds: Vec<i32> = changes.iter().map(|c| c.kind).collect();
    assert_eq!(started, 1, "feed kinds: {kinds:?}");
}

#[tokio::test]
async fn the_scheduled_sweep_commits_in_small_batches() {
    let env = start_vouchers(Prices::County).await;
    let from = days(today(), -130);
    let until = seteli_rules::terms::validity_end(from, 3);
    for individual in 341..346 {
        let client = client_at(&env, individual, KUOPIO).await;
        let mut decision = ktt_decision(&client.id);
        decision.decision_date = d(from);
        decision.valid_from = d(from);
        decision.valid_until = d(until);
        issue(&env, decision).await.expect("issue");
    }
    let db = seteli_platform::db::Database::connect(&env.vouchers().db.url, 2)
        .await
        .expect("database");
    let system =
        seteli_platform::rpc::Ctx::system("expiry-sweep", seteli_platform::clock::Clock::system());
    // Five due, at most two per transaction: three commits, each voucher changed once.
    let outcome = seteli_vouchers::ops::sweep_in_batches(&db, &system, 2)
        .await
        .expect("sweep");
    assert_eq!(
        outcome,
        seteli_vouchers::ops::SweepOutcome {
            expired: 5,
            completed: 0,
            batches: 3
        }
    );
    let again = seteli_vouchers::ops::sweep_in_batches(&db, &system, 2)
        .await
        .expect("sweep again");
    assert_eq!((again.expired, again.completed, again.batches), (0, 0, 1));
    db.close().await;
}
