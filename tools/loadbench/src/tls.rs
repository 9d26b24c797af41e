//! Large statements over TLS (issue 29): a statement larger than one TLS record (16 KiB) is
//! written to the socket as several records; without `TCP_NODELAY` the kernel holds the last
//! one back (Nagle) until PostgreSQL acknowledges the first, and PostgreSQL delays that
//! acknowledgement by up to 40 ms. sqlx-core 0.9.1 sets `TCP_NODELAY` on its sockets (before,
//! the project patched it in); this measures that no such wait is left: one connection with
//! `sslmode=require` (checked in `pg_stat_ssl`), one statement at a time, a small one and one
//! carrying a 64 KiB parameter.

use std::str::FromStr;
use std::time::{Duration, Instant};

use anyhow::Context;
use hdrhistogram::Histogram;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, Connection};

use crate::report::LoadRow;

/// The large statement's parameter: four TLS records' worth.
const LARGE_BYTES: usize = 64 * 1024;

/// Rows for a small and a large statement over TLS to the PostgreSQL server at `url`, each run
/// one at a time for `time`.
pub async fn statements_over_tls(url: &str, time: Duration) -> anyhow::Result<Vec<LoadRow>> {
    let options = PgConnectOptions::from_str(url)
        .context("the PostgreSQL URL")?
        .ssl_mode(PgSslMode::Require);
    let mut conn = options
        .connect()
        .await
        .context("connect with sslmode=require")?;
    let encrypted: bool =
        sqlx::query_scalar("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
            .fetch_one(&mut conn)
            .await?;
    anyhow::ensure!(encrypted, "the connection is not encrypted");
    let large = "x".repeat(LARGE_BYTES);
    let mut rows = Vec::new();
    for (scenario, key, parameter) in [
        (
            "statement over TLS: SELECT length($1) of 8 bytes",
            "tls-small",
            "12345678",
        ),
        (
            "statement over TLS: SELECT length($1) of 64 KiB (several TLS records)",
            "tls-large",
            large.as_str(),
        ),
    ] {
        let mut latency = Histogram::<u64>::new_with_bounds(1, 60_000_000, 3)?;
        let started = Instant::now();
        let mut calls = 0u64;
        while started.elapsed() < time {
            let call = Instant::now();
            let length: i32 = sqlx::query_scalar("SELECT length($1)")
                .bind(parameter)
                .fetch_one(&mut conn)
                .await?;
            anyhow::ensure!(
                length as usize == parameter.len(),
                "the server read another length"
            );
            latency.saturating_record(call.elapsed().as_micros() as u64);
            calls += 1;
        }
        rows.push(LoadRow {
            scenario: scenario.into(),
            key: key.into(),
            backend: "PostgreSQL".into(),
            in_flight: 1,
            per_second: calls as f64 / started.elapsed().as_secs_f64(),
            p50_us: latency.value_at_quantile(0.5),
            p99_us: latency.value_at_quantile(0.99),
            p999_us: latency.value_at_quantile(0.999),
            cpu_us_per_call: None,
            postgres_us_per_call: None,
            baseline: None,
            errors: 0,
            first_error: None,
        });
    }
    conn.close().await?;
    Ok(rows)
}
