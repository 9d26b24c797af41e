//! A service as a real child process (`seteli-under-test <service>`, the service's own
//! `main`), for what a task in the test process cannot show: SIGKILL, command-line flags, two
//! replicas each with its own metrics.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use seteli_platform::testing::{AUDIENCE, ISSUER, TestKeys};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::transport::Endpoint;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

use crate::kit::{Svc, assert_hermetic};

/// A free loopback address (a service listens there across its restarts).
pub fn free_addr() -> SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("free port")
}

/// The address of the PostgreSQL server a `postgres://user@host:port/db` URL names (e.g.
/// `SETELI_TEST_POSTGRES`), for tests that put something between a service and it.
pub fn postgres_server_addr(url: &str) -> SocketAddr {
    use std::net::ToSocketAddrs;
    url.split('@')
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .expect("host:port in the PostgreSQL URL")
        .to_socket_addrs()
        .expect("resolve")
        .next()
        .expect("an address")
}

/// The environment a service process needs to run with the test keys on `database_url`.
pub fn base_vars(keys: &TestKeys, database_url: &str) -> Vec<(String, String)> {
    vec![
        ("DATABASE_URL".into(), database_url.into()),
        ("SETELI_METRICS_ADDR".into(), "off".into()),
        (
            "SETELI_JWKS_PATH".into(),
            keys.jwks_path.display().to_string(),
        ),
        ("SETELI_JWT_ISSUER".into(), ISSUER.into()),
        ("SETELI_JWT_AUDIENCE".into(), AUDIENCE.into()),
        ("SETELI_DRAIN_SECONDS".into(), "0".into()),
        ("SETELI_HEALTH_INTERVAL_MS".into(), "50".into()),
        ("SETELI_LOG".into(), "warn".into()),
        ("SETELI_DEV".into(), "true".into()),
    ]
}

/// One service process; killed (SIGKILL) when dropped.
#[derive(Debug)]
pub struct ServiceProcess {
    /// The `seteli-under-test` binary.
    binary: PathBuf,
    /// Which service (`seteli-under-test`'s first argument).
    pub service: &'static str,
    /// Where it listens for gRPC, across restarts.
    pub addr: SocketAddr,
    /// Its environment (`SETELI_GRPC_ADDR` is added from `addr`).
    pub vars: Vec<(String, String)>,
    log: tempfile::NamedTempFile,
    child: Option<Child>,
}

impl ServiceProcess {
    /// A process of `service` with `vars`, not started yet. `binary` is
    /// `env!("CARGO_BIN_EXE_seteli-under-test")`, which only integration tests can name.
    pub fn new(binary: &str, service: &'static str, vars: Vec<(String, String)>) -> Self {
        Self {
            binary: binary.into(),
            service,
            addr: free_addr(),
            vars,
            log: tempfile::NamedTempFile::new().expect("log file"),
            child: None,
        }
    }

    /// Starts it with `args` after the service name (e.g. `--migrate-only`). Its environment
    /// must name every upstream it would otherwise dial at a default address
    /// ([`crate::kit::assert_hermetic`]).
    pub fn spawn_with(&mut self, args: &[&str]) {
        if let Some(svc) = Svc::named(self.service) {
            assert_hermetic(svc, |key| {
                self.vars
                    .iter()
                    .rev()
                    .find(|(k, _)| k == key)
                    .map(|(_, v)| v.as_str())
            });
        }
        let log = self.log.reopen().expect("log file");
        let child = Command::new(&self.binary)
            .arg(self.service)
            .args(args)
            .env_clear()
            .envs(self.vars.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("SETELI_GRPC_ADDR", self.addr.to_string())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start seteli-under-test");
        self.child = Some(child);
    }

    /// Starts it serving.
    pub fn spawn(&mut self) {
        self.spawn_with(&[]);
    }

    /// What it wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log.path()).unwrap_or_default()
    }

    /// SIGKILL: no drain, no flush, no goodbye.
    pub fn kill_9(&mut self) {
        if let Some(mut child) = self.child.take() {
            child.kill().expect("kill -9");
            child.wait().expect("reap");
        }
    }

    /// Waits (bounded by `within`) for it to exit by itself.
    pub async fn exit(&mut self, within: Duration) -> ExitStatus {
        let deadline = Instant::now() + within;
        loop {
            let child = self.child.as_mut().expect("started");
            if let Some(status) = child.try_wait().expect("wait") {
                self.child = None;
                return status;
            }
            self.look_again_before(deadline, "exit").await;
        }
    }

    /// Waits a moment before the next look, failing (with its log) when `deadline` has passed
    /// and it still did not `what`.
    async fn look_again_before(&self, deadline: Instant, what: &str) {
        let log = || self.log();
        assert!(
            Instant::now() < deadline,
            "{} did not {what}: {}",
            self.service,
            log()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    /// Whether it still runs.
    pub fn running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|c| c.try_wait().ok().flatten().is_none())
    }

    /// Its readiness health now (`None` when it does not answer).
    pub async fn health(&self) -> Option<i32> {
        let channel = Endpoint::from_shared(format!("http://{}", self.addr))
            .ok()?
            .connect_timeout(Duration::from_millis(500))
            .connect()
            .await
            .ok()?;
        HealthClient::new(channel)
            .check(tonic_health::pb::HealthCheckRequest {
                service: String::new(),
            })
            .await
            .ok()
            .map(|r| r.into_inner().status)
    }

    /// Waits (bounded) until its health check answers SERVING; fails if it exits.
    pub async fn ready(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            assert!(self.running(), "{} exited: {}", self.service, self.log());
            if self.health().await == Some(ServingStatus::Serving as i32) {
                return;
            }
            self.look_again_before(deadline, "become ready").await;
        }
    }

    /// Its `/metrics` text, from `SETELI_METRICS_ADDR` (which must be set to an address).
    pub async fn metrics(&self) -> String {
        let addr = self
            .vars
            .iter()
            .find(|(k, _)| k == "SETELI_METRICS_ADDR")
            .map(|(_, v)| v.clone())
            .expect("SETELI_METRICS_ADDR");
        let Ok(mut stream) = tokio::net::TcpStream::connect(&addr).await else {
            return String::new();
        };
        let request = format!("GET /metrics HTTP/1.0\r\nHost: {addr}\r\n\r\n");
        if stream.write_all(request.as_bytes()).await.is_err() {
            return String::new();
        }
        let mut body = String::new();
        let _ = stream.read_to_string(&mut body).await;
        body
    }
}

impl Drop for ServiceProcess {
    fn drop(&mut self) {
        self.kill_9();
    }
}
