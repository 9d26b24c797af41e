//! A database hiccup looks like a hiccup (issue 16): while the database is away, health says
//! NOT_SERVING within seconds (liveness stays SERVING, so the pod is taken out of rotation, not
//! restarted), every call answers UNAVAILABLE with RetryInfo — never INTERNAL — and when the
//! database is back the same process serves again.
//!
//! PostgreSQL goes away for real: the service reaches it through a TCP proxy in the test,
//! which is cut (every connection reset, new ones refused, as a restarting server does) and
//! brought back on the same port. SQLite has no server to lose: its fault is another process
//! holding the write lock past the busy timeout.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::server::LIVENESS;
use seteli_platform::testing::{TestDatabase, wait_for_health, with_token};
use seteli_tests::fixtures::{Env, Svc, client_details, hetu, rid, ymd};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tonic::Code;
use tonic::transport::Channel;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A TCP proxy that can be cut and restored on the same port, as a database restart looks
/// from the service: connections reset, then refused, then accepted again.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    accept: Option<JoinHandle<()>>,
    links: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let mut proxy = Proxy {
            addr: listener.local_addr().expect("addr"),
            upstream,
            accept: None,
            links: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream;
        let links = self.links.clone();
        self.accept = Some(tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let link = tokio::spawn(async move {
                    if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
                links.lock().expect("links").push(link);
            }
        }));
    }

    /// The database goes away: every open connection is dropped, the port closed.
    fn cut(&mut self) {
        if let Some(accept) = self.accept.take() {
            accept.abort();
        }
        for link in self.links.lock().expect("links").drain(..) {
            link.abort();
        }
    }

    /// The database is back on the same port.
    async fn restore(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    assert!(Instant::now() < deadline, "cannot rebind the proxy: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
        };
        self.serve(listener);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.cut();
    }
}

async fn health(channel: Channel, service: &str) -> i32 {
    HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: service.into(),
        })
        .await
        .map(|r| r.into_inner().status)
        .unwrap_or(-1)
}

/// Waits (bounded by `within`) until readiness health reads `status`; returns how long it took.
async fn health_becomes(channel: &Channel, status: ServingStatus, within: Duration) -> Duration {
    let started = Instant::now();
    while health(channel.clone(), "").await != status as i32 {
        assert!(
            started.elapsed() < within,
            "health did not become {status:?} within {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

fn create_client_request(individual: u16) -> pb::CreateClientRequest {
    pb::CreateClientRequest {
        request_id: rid(),
        validate_only: false,
        details: Some(client_details(
            &hetu(ymd(1988, 3, 4), individual),
            "Kuopio",
            (62.89, 27.68),
        )),
    }
}

/// A refusal for a database fault: UNAVAILABLE (or ABORTED) with RetryInfo, never INTERNAL.
fn assert_retryable(status: &tonic::Status) {
    assert!(
        matches!(status.code(), Code::Unavailable | Code::Aborted),
        "a database fault answered {:?}: {}",
        status.code(),
        status.message()
    );
    let details = tonic_types::StatusExt::get_error_details(status);
    assert!(
        details.retry_info().is_some(),
        "no RetryInfo on {:?}: {}",
        status.code(),
        status.message()
    );
}

/// The voucher service alone on `db`.
async fn vouchers_on(db: TestDatabase) -> Env {
    let vouchers = Env::builder().services(&[Svc::Vouchers]);
    vouchers.database(Svc::Vouchers, db).start().await
}

#[tokio::test]
async fn the_database_going_away_under_load_is_unavailable_then_serves_again() {
    let Ok(server) = std::env::var("SETELI_TEST_POSTGRES") else {
        // The SQLite run checks its own fault below; this one needs a PostgreSQL server.
        return sqlite_write_lock_held_past_the_busy_timeout_is_unavailable().await;
    };
    let db = TestDatabase::fresh().await;
    let upstream = seteli_tests::process::postgres_server_addr(&server);
    let mut proxy = Proxy::start(upstream).await;
    let proxied_url = db
        .url
        .replacen(
            &upstream.port().to_string(),
            &proxy.addr.port().to_string(),
            1,
        )
        .replacen("localhost", "127.0.0.1", 1);
    assert_ne!(
        proxied_url, db.url,
        "the service must reach PostgreSQL through the proxy"
    );
    let env = vouchers_on(TestDatabase::shared(&proxied_url)).await;
    let (vouchers, keys) = (env.vouchers(), &env.keys);
    let channel = vouchers.channel();
    let token = keys.token("social_worker", None);
    let mut client = VouchersServiceClient::new(channel.clone());
    client
        .create_client(with_token(&token, create_client_request(11)))
        .await
        .expect("served before the outage");

    // Load: a writer keeps calling through the outage; every answer is recorded.
    let answers: Arc<Mutex<Vec<Result<(), tonic::Status>>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let load = {
        let (answers, stop, token) = (answers.clone(), stop.clone(), token.clone());
        let mut client = client.clone();
        tokio::spawn(async move {
            let mut n = 100;
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                n += 1;
                let answer = client
                    .create_client(with_token(&token, create_client_request(n)))
                    .await
                    .map(|_| ());
                answers.lock().expect("answers").push(answer);
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
    };

    proxy.cut();
    let took = health_becomes(&channel, ServingStatus::NotServing, Duration::from_secs(10)).await;
    eprintln!("NOT_SERVING {took:?} after the database went away");
    assert_eq!(
        health(channel.clone(), LIVENESS).await,
        ServingStatus::Serving as i32,
        "liveness must not follow the database: the pod is not to be restarted"
    );
    let during = client
        .create_client(with_token(&token, create_client_request(12)))
        .await
        .expect_err("no database, no write");
    assert_retryable(&during);

    proxy.restore().await;
    let took = health_becomes(&channel, ServingStatus::Serving, Duration::from_secs(15)).await;
    eprintln!("SERVING {took:?} after the database came back");
    // Back without a restart: the same process writes again (the pool may still hand out a
    // connection that died with the outage once; a retry is what a client does).
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match client
            .create_client(with_token(&token, create_client_request(13)))
            .await
        {
            Ok(_) => break,
            Err(status) => {
                assert_retryable(&status);
                assert!(Instant::now() < deadline, "not serving again: {status:?}");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    load.await.expect("load");
    let answers = answers.lock().expect("answers");
    let failures: Vec<&tonic::Status> = answers.iter().filter_map(|a| a.as_ref().err()).collect();
    for status in &failures {
        assert_retryable(status);
    }
    eprintln!(
        "calls during the outage: {} answered, {} UNAVAILABLE/ABORTED, 0 INTERNAL",
        answers.len(),
        failures.len()
    );
    assert!(!failures.is_empty(), "the load never met the outage");
}

/// SQLite: another process holds the write lock longer than the busy timeout (10 s). The
/// write answers UNAVAILABLE with RetryInfo, and its retry (the same request id) lands once
/// the lock is gone.
async fn sqlite_write_lock_held_past_the_busy_timeout_is_unavailable() {
    use sqlx::Connection;
    let env = vouchers_on(TestDatabase::fresh().await).await;
    let (vouchers, keys) = (env.vouchers(), &env.keys);
    // Started (migrated) before the other process takes the lock.
    wait_for_health(
        vouchers.channel(),
        "",
        ServingStatus::Serving,
        Duration::from_secs(20),
    )
    .await
    .expect("vouchers ready");
    let token = keys.token("social_worker", None);
    let mut client = VouchersServiceClient::new(vouchers.channel());
    let mut other = sqlx::SqliteConnection::connect(&vouchers.db.url)
        .await
        .expect("another process's connection");
    sqlx::query("BEGIN EXCLUSIVE")
        .execute(&mut other)
        .await
        .expect("take the write lock");
    let request = create_client_request(21);
    let started = Instant::now();
    let refused = client
        .create_client(with_token(&token, request.clone()))
        .await
        .expect_err("the write lock is held");
    eprintln!("refused after {:?}", started.elapsed());
    assert_retryable(&refused);
    sqlx::query("COMMIT")
        .execute(&mut other)
        .await
        .expect("release");
    let client_after = client
        .create_client(with_token(&token, request))
        .await
        .expect("the retry lands")
        .into_inner()
        .client
        .expect("client");
    assert!(!client_after.id.is_empty());
}
