//! An ad-hoc measurement (issue 15, "A read writes"): GetVoucher from 32 callers at once for a
//! few seconds, printing calls per second and, on PostgreSQL, the commits the database made
//! per call. Not a timed test (speed is checked by benchmarks): ignored unless asked for with
//! `cargo nextest run -E 'binary(platform_audit_load)' --run-ignored only --no-capture`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use seteli_platform::db::Database;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

/// Callers in flight.
const IN_FLIGHT: usize = 32;
/// How long the load runs.
const RUN: Duration = Duration::from_secs(5);

async fn commits(db: &Database) -> Option<i64> {
    if db.backend() != seteli_platform::db::Backend::Postgres {
        return None;
    }
    // The statistics collector lags a little; this is a measurement, not an assertion.
    sqlx::query_scalar::<_, i64>(
        "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(db.pool())
    .await
    .ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run on request"]
async fn concurrent_get_voucher() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let (_, voucher) = issued(&env, 801, ktt_decision).await;
    let token = env.social_worker();
    let calls = Arc::new(AtomicU64::new(0));
    let db = Database::connect(&env.vouchers().db.url, 1)
        .await
        .expect("the service's database");
    let before = commits(&db).await;
    let deadline = Instant::now() + RUN;
    let started = Instant::now();
    let mut callers = Vec::new();
    for _ in 0..IN_FLIGHT {
        let (mut v, token, id, calls) = (env.v(), token.clone(), voucher.id.clone(), calls.clone());
        callers.push(tokio::spawn(async move {
            while Instant::now() < deadline {
                v.get_voucher(with_token(&token, of_voucher(&id)))
                    .await
                    .expect("get voucher");
                calls.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    for caller in callers {
        caller.await.expect("caller");
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = calls.load(Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(600)).await; // let the statistics catch up
    let after = commits(&db).await;
    let per_call = match (before, after) {
        (Some(b), Some(a)) => format!("{:.3}", (a - b) as f64 / n as f64),
        _ => "n/a (SQLite)".into(),
    };
    println!(
        "GetVoucher, {IN_FLIGHT} in flight, {:?}: {n} calls in {elapsed:.1} s = {:.0} calls/s; \
         database commits per call: {per_call}",
        db.backend(),
        n as f64 / elapsed
    );
    db.close().await;
}
