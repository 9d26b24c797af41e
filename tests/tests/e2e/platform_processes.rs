//! The service binaries as a platform engineer runs them (issue 16): `--migrate-only` as a
//! Kubernetes Job with serving pods that wait for it (`SETELI_MIGRATE=wait`), and one replica
//! at a time running each background job, another taking over when it is killed.
//!
//! Each service here is a real process (`seteli-under-test`, the service's own `main`).

use std::time::{Duration, Instant};

use seteli_platform::db::Database;
use seteli_platform::server::Service as _;
use seteli_platform::testing::{TestDatabase, TestKeys};
use seteli_tests::process::{ServiceProcess, base_vars, free_addr};
use tonic_health::pb::health_check_response::ServingStatus;

const BINARY: &str = env!("CARGO_BIN_EXE_seteli-under-test");

fn with(mut vars: Vec<(String, String)>, more: &[(&str, &str)]) -> Vec<(String, String)> {
    for (k, v) in more {
        vars.retain(|(key, _)| key != k);
        vars.push(((*k).into(), (*v).into()));
    }
    vars
}

/// A registry process on `db_url` with the test keys, and `more` settings.
fn providers(keys: &TestKeys, db_url: &str, more: &[(&str, &str)]) -> ServiceProcess {
    ServiceProcess::new(BINARY, "providers", with(base_vars(keys, db_url), more))
}

async fn missing_migrations(url: &str) -> Vec<i64> {
    let db = Database::connect(url, 1).await.expect("connect");
    let missing = db
        .missing_migrations(seteli_providers::Providers::MIGRATIONS)
        .await
        .expect("read migrations");
    db.close().await;
    missing
}

#[tokio::test]
async fn migrate_only_migrates_and_exits_and_waiting_pods_serve_after_it() {
    let keys = TestKeys::new();
    let db = TestDatabase::fresh().await;
    assert!(!missing_migrations(&db.url).await.is_empty());

    // The serving pod starts first and waits: it does not migrate, and does not serve yet.
    let mut serving = providers(
        &keys,
        &db.url,
        &[
            ("SETELI_MIGRATE", "wait"),
            ("SETELI_MIGRATE_TIMEOUT_SECONDS", "60"),
        ],
    );
    serving.spawn();
    assert!(serving.running(), "{}", serving.log());
    assert_ne!(
        tokio::time::timeout(Duration::from_secs(2), serving.health())
            .await
            .ok()
            .flatten(),
        Some(ServingStatus::Serving as i32),
        "a waiting pod served before the database was migrated"
    );

    // The Job: migrates and exits 0.
    let mut job = providers(&keys, &db.url, &[]);
    job.spawn_with(&["--migrate-only"]);
    let status = job.exit(Duration::from_secs(60)).await;
    assert!(status.success(), "--migrate-only failed: {}", job.log());
    assert_eq!(missing_migrations(&db.url).await, Vec::<i64>::new());

    // The waiting pod sees it and serves, without a restart.
    serving.ready().await;
}

#[tokio::test]
async fn a_waiting_pod_gives_up_naming_migrate_only_and_bad_flags_are_refused() {
    let keys = TestKeys::new();
    let db = TestDatabase::fresh().await;
    let mut pod = providers(
        &keys,
        &db.url,
        &[
            ("SETELI_MIGRATE", "wait"),
            ("SETELI_MIGRATE_TIMEOUT_SECONDS", "1"),
        ],
    );
    pod.spawn();
    let status = pod.exit(Duration::from_secs(20)).await;
    assert!(!status.success());
    assert!(pod.log().contains("--migrate-only"), "{}", pod.log());

    let mut typo = providers(&keys, &db.url, &[]);
    typo.spawn_with(&["--migrate-onyl"]);
    let status = typo.exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(2), "{}", typo.log());
    assert!(typo.log().contains("usage"), "{}", typo.log());

    let mut bad = providers(&keys, &db.url, &[("SETELI_MIGRATE", "sometimes")]);
    bad.spawn();
    let status = bad.exit(Duration::from_secs(20)).await;
    assert_eq!(status.code(), Some(2), "{}", bad.log());
    assert!(bad.log().contains("SETELI_MIGRATE"), "{}", bad.log());
}

/// The job's leader gauge in a (providers) process's metrics: `Some(true)` where it runs.
async fn leads(process: &ServiceProcess, job: &str) -> Option<bool> {
    let prefix = format!("seteli_job_leader{{service=\"providers\",task=\"{job}\"}} ");
    process
        .metrics()
        .await
        .lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map(|v| v.trim() == "1")
}

async fn until(what: &str, within: Duration, mut check: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !check().await {
        assert!(Instant::now() < deadline, "timed out: {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn one_replica_runs_each_job_and_another_takes_over_when_it_is_killed() {
    const JOB: &str = "idempotency-retention";
    let keys = TestKeys::new();
    let db = TestDatabase::fresh().await;
    let replica = |db_url: &str| {
        providers(
            &keys,
            db_url,
            &[
                ("SETELI_METRICS_ADDR", &free_addr().to_string()),
                ("SETELI_JOB_LEASE_SECONDS", "1"),
            ],
        )
    };
    let serving = async |url: &str| {
        let mut process = replica(url);
        process.spawn();
        process.ready().await;
        process
    };
    let mut first = serving(&db.url).await;
    until(
        "the first replica runs the job",
        Duration::from_secs(10),
        async || leads(&first, JOB).await == Some(true),
    )
    .await;
    if db.url.starts_with("sqlite") {
        // SQLite: one process per database file, so there is no second replica to keep out.
        return;
    }

    let second = serving(&db.url).await;
    until(
        "the second replica waits its turn",
        Duration::from_secs(10),
        async || leads(&second, JOB).await == Some(false),
    )
    .await;
    assert_eq!(
        leads(&first, JOB).await,
        Some(true),
        "two replicas ran the job"
    );

    first.kill_9();
    until(
        "the second replica takes the job over",
        Duration::from_secs(20),
        async || leads(&second, JOB).await == Some(true),
    )
    .await;
}
