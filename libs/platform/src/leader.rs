//! One replica at a time runs each background job (feed followers, sweeps, purges).
//!
//! Replicas of a service share one PostgreSQL database. Each job is polled only while its
//! replica holds a session-level advisory lock (`pg_try_advisory_lock`) named after the
//! service and the job, on a connection of its own taken out of the request pool. The holder
//! checks its lock connection every `SETELI_JOB_LEASE_SECONDS`; when that connection dies
//! (the database restarted, the network split) PostgreSQL has released the lock and the job
//! is no longer polled until the lock is held again — by this replica or another, which then
//! runs the job from what the database says (feed cursors are stored with what they applied,
//! so a job paused mid-way resumes or rolls back, never doubles). When the holder stops, its
//! connection closes and another replica takes over within one lease period.
//!
//! Session advisory locks need a session: behind PgBouncer use session pooling for services.
//! SQLite has one process per file (a service on SQLite runs one replica), so there the job
//! just runs.

use std::time::Duration;

use futures::future::BoxFuture;
use sqlx::Connection;

use crate::catalogue::JOB_LEADER;
use crate::db::{Backend, Database};

/// The advisory lock key of `service`'s job `job`: FNV-1a of `seteli-job:<service>:<job>`,
/// the same in every replica and release.
pub fn lock_key(service: &str, job: &str) -> i64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in format!("seteli-job:{service}:{job}").bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    hash as i64
}

/// Sets `seteli_job_leader{service, task}`: the label is `task`, not `job`, which Prometheus
/// gives every series itself (the scrape job) and would rename ours to `exported_job`.
fn set_leader(service: &'static str, job: &'static str, leading: bool) {
    metrics::gauge!(JOB_LEADER.name, "service" => service, "task" => job).set(if leading {
        1.0
    } else {
        0.0
    });
}

/// Runs `job` (to its end) while this replica holds the job's lease; tries to take the lease
/// every `lease` while another replica holds it. Reported as the gauge
/// `seteli_job_leader{service, task}` (1 where the job runs).
pub async fn run_exclusively(
    db: Database,
    service: &'static str,
    name: &'static str,
    mut job: BoxFuture<'static, ()>,
    lease: Duration,
) {
    if db.backend() == Backend::Sqlite {
        set_leader(service, name, true);
        job.await;
        return;
    }
    let key = lock_key(service, name);
    loop {
        let held = match db.pool().acquire().await {
            Ok(conn) => {
                let mut conn = conn.detach();
                match sqlx::query_scalar::<_, bool>("SELECT pg_try_advisory_lock($1)")
                    .bind(key)
                    .fetch_one(&mut conn)
                    .await
                {
                    Ok(true) => Some(conn),
                    Ok(false) => None,
                    Err(e) => {
                        tracing::warn!(job = name, error = %e, "cannot ask for the job lease");
                        None
                    }
                }
            }
            Err(e) => {
                tracing::warn!(job = name, error = %e, "no connection for the job lease");
                None
            }
        };
        let Some(mut conn) = held else {
            set_leader(service, name, false);
            tokio::time::sleep(lease).await;
            continue;
        };
        set_leader(service, name, true);
        tracing::info!(job = name, "this replica runs the job");
        let lost = async {
            loop {
                tokio::time::sleep(lease).await;
                if conn.ping().await.is_err() {
                    return;
                }
            }
        };
        let ended = tokio::select! {
            () = &mut job => true,
            () = lost => false,
        };
        set_leader(service, name, false);
        if ended {
            let _ = conn.close().await;
            return;
        }
        tracing::warn!(
            job = name,
            "lost the job lease with its connection; the job waits until a lease is held again"
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_keys_are_stable_and_distinct_per_service_and_job() {
        assert_eq!(
            lock_key("vouchers", "expiry"),
            lock_key("vouchers", "expiry")
        );
        assert_ne!(
            lock_key("vouchers", "expiry"),
            lock_key("vouchers", "usage-feed")
        );
        assert_ne!(
            lock_key("vouchers", "expiry"),
            lock_key("attendance", "expiry")
        );
    }
}
