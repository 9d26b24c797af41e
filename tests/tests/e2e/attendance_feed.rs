//! The voucher feed follower: resumable by sequence, restart-safe, never losing nor repeating a
//! voucher change, on either side's outage.

use seteli_tests::fixtures::*;

/// `(changes, last sequence)` of the voucher feed.
async fn voucher_feed(env: &Env) -> (i64, i64) {
    let changes = voucher_feed_page(env, &env.service(Svc::Attendance), 0, 1000)
        .await
        .expect("voucher feed")
        .changes;
    (
        changes.len() as i64,
        changes.last().map(|c| c.sequence).unwrap_or_default(),
    )
}

/// Waits until attendance has applied every change of the voucher feed, each exactly once.
async fn caught_up(env: &Env) {
    let (n, last) = voucher_feed(env).await;
    eventually("attendance follows every voucher change", || async {
        let s = attendance_feed_status(env).await;
        assert!(s.changes_applied <= n, "a change applied twice: {s:?}");
        s.changes_applied == n && s.last_sequence == last
    })
    .await;
}

#[tokio::test]
async fn the_follower_survives_a_restart_of_either_service() {
    let (mut env, p) = with_provider(start_attendance().await, 1_000_041).await;
    let c = client_at(&env, 141, SIILINJARVI).await;
    let from = today();
    let v = active_voucher(
        &env,
        &p,
        decision(
            &c.id,
            seteli_api::common::v1::ServiceType::KttIndividual,
            from,
            seteli_rules::terms::validity_end(from, 3),
            30,
        ),
    )
    .await;
    caught_up(&env).await;

    // Attendance restarts: it resumes after its stored sequence.
    env.restart(Svc::Attendance).await;
    let c2 = client_at(&env, 142, SIILINJARVI).await;
    let w = issue(&env, ktt_decision(&c2.id)).await.expect("issue");
    choose(&env, &w.id, &p).await.expect("choose");
    caught_up(&env).await;
    assert_eq!(attendance_feed_status(&env).await.vouchers, 2);

    // Vouchers is away (its database gone): the follower waits and resumes.
    env.vouchers().db.take_away().await;
    let record_while_away = record(&env, &p, &w.id, at(today(), 8, 9)).await;
    assert!(record_while_away.is_err(), "not accepted yet");
    env.vouchers().db.bring_back().await;
    eventually("vouchers serves again", || async {
        accept(&env, &p, &w.id).await.is_ok()
    })
    .await;
    caught_up(&env).await;
    record(&env, &p, &w.id, at(today(), 8, 9))
        .await
        .expect("accepted voucher followed");
    let usage = voucher_usage_as(&env, &env.admin(), &v)
        .await
        .expect("usage");
    assert_eq!(usage.voucher_state, "ASSIGNED");
}
