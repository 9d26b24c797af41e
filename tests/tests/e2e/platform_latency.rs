//! A call made one at a time is answered at once: no small answer waits behind Nagle's
//! algorithm and the peer's delayed ACK (~40 ms on Linux loopback), which once made every
//! sequential call take at least 40 ms (issue 15). The server sets `TCP_NODELAY` on every
//! accepted socket; tonic's client `Endpoint` does by default.
//!
//! Not a speed target (those are `make bench`'s): the median of sequential calls on an open
//! channel tells a stalled socket (every call ≥ 40 ms) from a working one (a few ms even in a
//! debug build on a busy machine).

use std::time::{Duration, Instant};

use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

/// Sequential calls measured.
const CALLS: usize = 21;
/// Well under the ~40 ms a Nagle / delayed-ACK stall adds to every call.
const MEDIAN_LIMIT: Duration = Duration::from_millis(20);

#[tokio::test]
async fn sequential_get_voucher_calls_do_not_wait_for_delayed_acks() {
    let env = start_vouchers(Prices::County).await;
    let (_, voucher) = issued(&env, 101, ktt_decision).await;
    let token = env.social_worker();
    // One open channel, as a portal keeps it; the first call opens the connection.
    let mut vouchers = env.v();
    let get = || with_token(&token, of_voucher(&voucher.id));
    vouchers.get_voucher(get()).await.expect("first call");
    let mut took = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let sent = Instant::now();
        let got = vouchers.get_voucher(get()).await.expect("get voucher");
        took.push(sent.elapsed());
        assert_eq!(
            got.into_inner().voucher.map(|v| v.id),
            Some(voucher.id.clone())
        );
    }
    took.sort();
    let median = took[CALLS / 2];
    assert!(
        median < MEDIAN_LIMIT,
        "the median of {CALLS} sequential GetVoucher calls took {median:?} (all: {took:?}): \
         a small answer waits for a delayed ACK — TCP_NODELAY missing on a socket?"
    );
}

/// A statement larger than one TLS record (16 KiB) goes to PostgreSQL in more than one write;
/// without `TCP_NODELAY` on the database socket the later piece waits for the server's delayed
/// ACK, ~40 ms a statement (sqlx 0.9.0 stopped setting it; the workspace patches it back, see
/// the root `Cargo.toml`). A multi-row audit insert of a list read is such a statement: the
/// load bench's ListVouchers on PostgreSQL ran at 210 req/s instead of ~1,600. On SQLite there
/// is no socket and this passes trivially.
#[tokio::test]
async fn a_statement_larger_than_a_tls_record_does_not_wait_for_a_delayed_ack() {
    use seteli_platform::db::Database;
    use seteli_platform::testing::TestDatabase;

    let t = TestDatabase::fresh().await;
    let db = Database::connect(&t.url, 1).await.expect("connect");
    let text = "Harjoiteltiin arjen taitoja. ".repeat(1_500); // ~43 KB
    let mut conn = db.pool().acquire().await.expect("a connection");
    let length = || sqlx::query_scalar::<_, i64>("SELECT LENGTH($1)").bind(&text);
    length().fetch_one(&mut *conn).await.expect("prepared");
    let mut took = Vec::with_capacity(CALLS);
    for _ in 0..CALLS {
        let sent = Instant::now();
        let n = length().fetch_one(&mut *conn).await.expect("length");
        took.push(sent.elapsed());
        assert_eq!(n, text.len() as i64);
    }
    took.sort();
    let median = took[CALLS / 2];
    assert!(
        median < MEDIAN_LIMIT,
        "the median of {CALLS} statements of {} bytes took {median:?} (all: {took:?}): the \
         database socket waits for delayed ACKs — TCP_NODELAY missing?",
        text.len()
    );
    drop(conn);
    db.close().await;
}
