//! Test support: the real server on port 0 with a fresh database and its own keys.
//!
//! Backend: SQLite in a temporary folder by default; with `SETELI_TEST_POSTGRES` set to a server
//! URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`) every test creates its own fresh
//! database on that server. `make test` runs the whole suite both ways.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;

use futures::future::BoxFuture;
use sqlx::{Connection, Executor};
use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

use crate::config::{Config, ServiceDefaults};
use crate::devkeys::DevKey;

/// Issuer of test tokens.
pub const ISSUER: &str = "seteli-test";
/// Audience of test tokens.
pub const AUDIENCE: &str = "seteli";

/// A fresh, empty database for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    sqlite_file: Option<PathBuf>,
    postgres: Option<(String, String)>,
    _dir: TempDir,
}

impl TestDatabase {
    /// A fresh database on the backend the environment chose.
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        match std::env::var("SETELI_TEST_POSTGRES") {
            Ok(admin) if !admin.is_empty() => {
                sqlx::any::install_default_drivers();
                let name = format!("seteli_test_{}", uuid::Uuid::new_v4().simple());
                let mut conn = sqlx::AnyConnection::connect(&admin)
                    .await
                    .expect("connect to SETELI_TEST_POSTGRES");
                conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .expect("create test database");
                let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
                Self {
                    url: format!("{base}/{name}"),
                    sqlite_file: None,
                    postgres: Some((admin.clone(), name)),
                    _dir: dir,
                }
            }
            _ => {
                let file = dir.path().join("test.db");
                Self {
                    url: format!("sqlite://{}?mode=rwc", file.display()),
                    sqlite_file: Some(file),
                    postgres: None,
                    _dir: dir,
                }
            }
        }
    }

    /// Another handle on an existing database (e.g. for a second replica); it does not own it.
    pub fn shared(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            sqlite_file: None,
            postgres: None,
            _dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Makes the database unreachable for the service (PostgreSQL: refuses connections and
    /// ends the open ones; SQLite: the file goes away, as when a volume is lost).
    pub async fn take_away(&self) {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::AnyConnection::connect(admin).await.expect("admin");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
            )))
            .await
            .expect("disallow connections");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
            )))
            .await
            .expect("terminate connections");
        } else if let Some(file) = &self.sqlite_file {
            std::fs::rename(file, file.with_extension("away")).expect("move database away");
        }
    }

    /// Undoes [`TestDatabase::take_away`].
    pub async fn bring_back(&self) {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::AnyConnection::connect(admin).await.expect("admin");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
            )))
            .await
            .expect("allow connections");
        } else if let Some(file) = &self.sqlite_file {
            std::fs::rename(file.with_extension("away"), file).expect("bring database back");
        }
    }
}

/// A signing key for one test, with its JWKS written to a file. Clones share the key, so
/// several services in one test trust the same tokens.
#[derive(Debug, Clone)]
pub struct TestKeys {
    /// The signing key.
    pub key: DevKey,
    /// The JWKS file the server reads.
    pub jwks_path: PathBuf,
    _dir: std::sync::Arc<TempDir>,
}

impl TestKeys {
    /// A fresh key and JWKS file.
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let key = DevKey::generate("test-key");
        let jwks_path = dir.path().join("jwks.json");
        std::fs::write(&jwks_path, key.jwks_json()).expect("write jwks");
        Self {
            key,
            jwks_path,
            _dir: std::sync::Arc::new(dir),
        }
    }

    /// A valid token for `role` (and `provider_id`), subject `sub`.
    pub fn token_as(&self, sub: &str, role: &str, provider_id: Option<&str>) -> String {
        self.key
            .token(ISSUER, AUDIENCE, sub, role, provider_id, 600)
            .expect("sign token")
    }

    /// A valid token for `role` (and `provider_id`).
    pub fn token(&self, role: &str, provider_id: Option<&str>) -> String {
        self.token_as(&format!("test-{role}"), role, provider_id)
    }
}

impl Default for TestKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// The configuration a test server runs with: port-0 metrics, no drain, quick health probes.
pub fn test_config(defaults: ServiceDefaults, db: &TestDatabase, keys: &TestKeys) -> Config {
    let mut vars = BTreeMap::new();
    vars.insert("DATABASE_URL".into(), db.url.clone());
    vars.insert("SETELI_METRICS_ADDR".into(), "127.0.0.1:0".into());
    vars.insert(
        "SETELI_JWKS_PATH".into(),
        keys.jwks_path.display().to_string(),
    );
    vars.insert("SETELI_JWT_ISSUER".into(), ISSUER.into());
    vars.insert("SETELI_JWT_AUDIENCE".into(), AUDIENCE.into());
    vars.insert("SETELI_DRAIN_SECONDS".into(), "0".into());
    vars.insert("SETELI_HEALTH_INTERVAL_MS".into(), "50".into());
    vars.insert("SETELI_LOG".into(), "warn".into());
    vars.insert("SETELI_DB_MAX_CONNECTIONS".into(), "5".into());
    Config::from_vars(defaults, vars).expect("test config")
}

/// A running service.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Its keys.
    pub keys: TestKeys,
    /// Its database.
    pub db: TestDatabase,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// Starts a service on port 0 with a fresh database; `tweak` may change its configuration.
    pub async fn start<F, Fut>(
        defaults: ServiceDefaults,
        tweak: impl FnOnce(&mut Config),
        serve: F,
    ) -> Self
    where
        F: FnOnce(Config, TcpListener, BoxFuture<'static, ()>) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        Self::start_with(
            defaults,
            TestKeys::new(),
            TestDatabase::fresh().await,
            tweak,
            serve,
        )
        .await
    }

    /// Starts a service with given keys and database.
    pub async fn start_with<F, Fut>(
        defaults: ServiceDefaults,
        keys: TestKeys,
        db: TestDatabase,
        tweak: impl FnOnce(&mut Config),
        serve: F,
    ) -> Self
    where
        F: FnOnce(Config, TcpListener, BoxFuture<'static, ()>) -> Fut,
        Fut: Future<Output = anyhow::Result<()>> + Send + 'static,
    {
        let mut config = test_config(defaults, &db, &keys);
        tweak(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown: BoxFuture<'static, ()> = Box::pin(async move {
            let _ = rx.await;
        });
        let task = tokio::spawn(serve(config, listener, shutdown));
        Self {
            addr,
            keys,
            db,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// The server's URL, e.g. for another service's configuration.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// A channel to the server (connects lazily; calls wait for the server to accept).
    pub fn channel(&self) -> Channel {
        Endpoint::from_shared(self.url())
            .expect("endpoint")
            .connect_lazy()
    }

    /// A request carrying `token`.
    pub fn request<T>(&self, token: &str, message: T) -> tonic::Request<T> {
        with_token(token, message)
    }

    /// Sends the shutdown signal without waiting (the server drains, then stops).
    pub fn begin_shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    /// Stops the server and returns how its `serve` ended.
    pub async fn stop(mut self) -> anyhow::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => task.await?,
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A request carrying `authorization: Bearer <token>`.
pub fn with_token<T>(token: &str, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    request.metadata_mut().insert(
        "authorization",
        format!("Bearer {token}").parse().expect("header value"),
    );
    request
}

/// Waits (event-driven, via the health `Watch` stream) until `service` reports `want`, or fails
/// after `timeout`.
pub async fn wait_for_health(
    channel: Channel,
    service: &str,
    want: tonic_health::pb::health_check_response::ServingStatus,
    timeout: std::time::Duration,
) -> Result<(), String> {
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut client = HealthClient::new(channel);
    let wait = async {
        let mut stream = client
            .watch(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .map_err(|e| e.to_string())?
            .into_inner();
        while let Some(msg) = stream.message().await.map_err(|e| e.to_string())? {
            if msg.status == want as i32 {
                return Ok(());
            }
        }
        Err("health stream ended".to_owned())
    };
    tokio::time::timeout(timeout, wait)
        .await
        .map_err(|_| format!("health of {service:?} did not become {want:?} in {timeout:?}"))?
}

/// The rule ids of a FAILED_PRECONDITION status (its precondition violations' `type`s).
pub fn rule_ids(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::FailedPrecondition, "{status:?}");
    status
        .get_details_precondition_failure()
        .expect("precondition failure details")
        .violations
        .into_iter()
        .map(|v| v.r#type)
        .collect()
}

/// The fields named by an INVALID_ARGUMENT status's bad-request violations.
pub fn bad_fields(status: &tonic::Status) -> Vec<String> {
    use tonic_types::StatusExt;
    assert_eq!(status.code(), tonic::Code::InvalidArgument, "{status:?}");
    status
        .get_details_bad_request()
        .expect("bad request details")
        .field_violations
        .into_iter()
        .map(|v| v.field)
        .collect()
}

/// Calls each listed RPC of `$client` with an empty request carrying `$token` and returns the
/// failures as `(rpc name, status)`.
#[macro_export]
macro_rules! empty_calls {
    ($client:expr, $token:expr, [$($rpc:ident),* $(,)?]) => {{
        let mut failures = Vec::new();
        $(
            if let Err(status) = $client
                .$rpc($crate::testing::with_token($token, Default::default()))
                .await
            {
                failures.push((stringify!($rpc), status));
            }
        )*
        failures
    }};
}
