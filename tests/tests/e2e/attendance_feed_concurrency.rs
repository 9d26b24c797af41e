//! Attendance's usage feed under concurrent writers and readers (issue 15): sessions are
//! recorded on many vouchers at once through the public API while several readers page
//! ListUsageChanges from their own cursors. Every reader ends having seen every change exactly
//! once, in increasing order, what it saw is what a final full read shows, and each voucher's
//! last change carries its units used.
//!
//! The feed takes no lock shared by all writers on PostgreSQL (it used to number changes from
//! one counter row, issue 15), so session transactions append changes side by side and commit
//! in any order; the read bound (`seteli_platform::feed::published`) is what keeps a reader's
//! cursor from passing a change still being committed. Without it this test fails waiting for
//! a change a reader's cursor passed. On SQLite writers are serialised, and the test checks the
//! same promise.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use seteli_api::attendance::v1 as apb;
use seteli_rules::terms::validity_end;
use seteli_tests::feed_readers::Readers;
use seteli_tests::fixtures::*;

/// Vouchers written side by side, one writer each.
const WRITERS: usize = 16;
/// Sessions each writer records, one after the other.
const SESSIONS: usize = 8;
/// Readers paging the feed while the writers run.
const READERS: usize = 4;

/// One page of the usage feed after `after`.
async fn page(env: Arc<Env>, after: i64, page_size: i32) -> apb::ListUsageChangesResponse {
    usage_feed_page(&env, &env.service(Svc::Vouchers), after, page_size)
        .await
        .expect("usage changes")
}

/// Records `SESSIONS` one-minute sessions on `voucher` on `day`, one after the other; returns
/// how many were admitted.
async fn record_sessions(
    env: &Env,
    provider: &str,
    voucher: &str,
    day: chrono::NaiveDate,
) -> usize {
    let mut admitted = 0;
    for minute in 0..SESSIONS as i32 {
        let details = apb::SessionDetails {
            start_time: clock(9, minute),
            end_time: clock(9, minute + 1),
            ..at(day, 9, 10)
        };
        record(env, provider, voucher, details)
            .await
            .expect("a session within every cap");
        admitted += 1;
    }
    admitted
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn every_reader_sees_every_usage_change_once_in_order_while_sessions_are_recorded() {
    // "Today" within the three months of the vouchers from 1 October 2026, after their sessions.
    let env = Arc::new(start_attendance_on(ymd(2026, 12, 6)).await);
    let provider = approved_provider(&env, "Rinnakkain Oy", 1_000_161, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let day = ymd(2026, 10, 5);
    let mut vouchers = Vec::new();
    for i in 0..WRITERS {
        vouchers
            .push(ktt_voucher(&env, &provider, 700 + i as u16, from, validity_end(from, 3)).await);
    }

    let readers = Readers::paging(READERS, env.clone(), page);

    let writers = vouchers.iter().map(|voucher| {
        let (env, voucher, provider) = (env.clone(), voucher.clone(), provider.clone());
        async move { record_sessions(&env, &provider, &voucher, day).await }
    });
    // Each admitted session moved its voucher's units used: one change each.
    let (answered, took) = readers.run_writers(writers, 0).await;

    // The final full read: every change, once, increasing; each voucher's last one its total.
    let mut all = Vec::new();
    let mut last_units: BTreeMap<String, i64> = BTreeMap::new();
    let mut after = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    while all.len() < answered && Instant::now() < deadline {
        let got = page(env.clone(), after, 1000).await;
        for change in &got.changes {
            all.push(change.sequence);
            last_units.insert(
                change.voucher_id.clone(),
                change.units_used.map(|u| u.hundredths).unwrap_or_default(),
            );
        }
        after = got.last_sequence;
    }
    assert_eq!(
        all.len(),
        answered,
        "every admitted session's change is on the feed"
    );
    assert!(all.windows(2).all(|w| w[0] < w[1]), "increasing");
    for voucher in &vouchers {
        assert_eq!(
            last_units.get(voucher).copied(),
            Some(units_used(&env, voucher).await),
            "the feed's last change of {voucher} is its units used"
        );
    }

    readers.assert_each_saw(&all).await;
    eprintln!(
        "{answered} sessions by {WRITERS} writers in {took:?} ({:.0}/s) while {READERS} readers paged",
        answered as f64 / took.as_secs_f64()
    );
}
