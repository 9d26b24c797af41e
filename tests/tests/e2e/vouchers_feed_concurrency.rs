//! The voucher change feed under concurrent writers and readers (issue 15): many voucher
//! mutations run at once through the public API while several readers page ListVoucherChanges
//! from their own cursors. Every reader ends having seen every change exactly once, in
//! increasing order, and what it saw is what a final full read shows.
//!
//! On PostgreSQL this is what the feed's bound is for: the feed takes no lock shared by all
//! writers, so transactions append changes side by side and commit in any order. Were the
//! sequence a plain counter taken without a lock (a `nextval`) and readers not bounded by the
//! oldest running transaction, a reader could be given a change of a transaction that committed
//! first while one that took a smaller sequence was still running; its cursor would then pass
//! that change for good, the reader would never see it, and this test would fail waiting for it.
//! On SQLite writers are serialised, and the test checks the same promise.

use std::sync::Arc;
use std::time::{Duration, Instant};

use seteli_api::vouchers::v1 as pb;
use seteli_tests::feed_readers::Readers;
use seteli_tests::fixtures::*;

/// Vouchers changed side by side, one writer each.
const WRITERS: usize = 32;
/// Choose-then-decline rounds per writer (two changes each).
const ROUNDS: usize = 10;
/// Readers paging the feed while the writers run.
const READERS: usize = 4;

/// The client's choice of `provider` and the provider declining, `rounds` times; returns how
/// many changes were answered.
async fn choose_and_decline(env: &Env, voucher: &str, provider: &str, rounds: usize) -> usize {
    let mut answered = 0;
    for round in 0..rounds {
        choose(env, voucher, provider).await.expect("choose");
        answered += 1;
        decline_voucher(
            env,
            &env.provider_user(provider),
            voucher,
            pb::DeclineReasonKind::NoPlace,
            &format!("full this week ({round})"),
        )
        .await
        .expect("decline");
        answered += 1;
    }
    answered
}

/// One page of the feed after `after`.
async fn page(env: Arc<Env>, after: i64, page_size: i32) -> pb::ListVoucherChangesResponse {
    voucher_feed_page(&env, &env.service(Svc::Attendance), after, page_size)
        .await
        .expect("voucher changes")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_reader_sees_every_change_once_in_order_while_writers_run_side_by_side() {
    let env = Arc::new(start_vouchers(Prices::Unset).await);
    set_prices(&env).await;
    let provider = approved_provider(&env, "Rinnakkain Oy", 1_000_151, KUOPIO).await;
    let mut vouchers = Vec::new();
    for i in 0..WRITERS {
        let client = client_at(&env, 400 + i as u16, KUOPIO).await;
        vouchers.push(
            issue(&env, ktt_decision(&client.id))
                .await
                .expect("issue")
                .id,
        );
    }

    let readers = Readers::paging(READERS, env.clone(), page);

    let writers = vouchers.iter().map(|voucher| {
        let (env, voucher, provider) = (env.clone(), voucher.clone(), provider.clone());
        async move { choose_and_decline(&env, &voucher, &provider, ROUNDS).await }
    });
    // The issues above are changes too.
    let (answered, took) = readers.run_writers(writers, WRITERS).await;

    // The final full read: every answered change, once, increasing.
    let mut all = Vec::new();
    let mut after = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while all.len() < answered && Instant::now() < deadline {
        let got = page(env.clone(), after, 1000).await;
        all.extend(got.changes.iter().map(|c| c.sequence));
        after = got.last_sequence;
    }
    assert_eq!(all.len(), answered, "every answered change is on the feed");
    assert!(all.windows(2).all(|w| w[0] < w[1]), "increasing");

    readers.assert_each_saw(&all).await;
    eprintln!(
        "{} mutations by {WRITERS} writers in {took:?} ({:.0}/s) while {READERS} readers paged",
        answered - WRITERS,
        (answered - WRITERS) as f64 / took.as_secs_f64()
    );
}
