//! Test support: the real server on port 0 with a fresh database and its own keys.
//!
//! Backend: SQLite in a temporary folder by default; with `SETELI_TEST_POSTGRES` set to a server
//! URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`) every test creates its own fresh
//! databases on that server ([`database`]). `make test` runs the whole suite both ways.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use tempfile::TempDir;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::transport::{Channel, Endpoint};

use crate::clock::Clock;
use crate::config::{Config, ServiceDefaults};
use crate::devkeys::DevKey;
use crate::server::{Service, serve_on};

pub mod database;

pub use database::{TEST_DATABASE_PREFIX, TestDatabase};

/// Issuer of test tokens.
pub const ISSUER: &str = "seteli-test";
/// Audience of test tokens.
pub const AUDIENCE: &str = "seteli";

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

    /// A valid social worker's token, subject `sub`, in `team` (claim `team`, the default
    /// `SETELI_JWT_TEAM_CLAIM`).
    pub fn social_worker_in_team(&self, sub: &str, team: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "exp": now + 600,
            "role": "social_worker", "team": team,
        });
        self.key
            .sign_json(&claims, Some("JWT"))
            .expect("sign token")
    }

    /// A valid token of a voucher holder (role `client`) whose identity code is `identity_code`
    /// (claim `hetu`, the default `SETELI_JWT_IDENTITY_CODE_CLAIM`), subject `client-<code>`:
    /// as the county's identity provider gives after strong identification.
    pub fn client(&self, identity_code: &str) -> String {
        let now = chrono::Utc::now().timestamp();
        let claims = serde_json::json!({
            "iss": ISSUER, "aud": AUDIENCE, "sub": format!("client-{identity_code}"),
            "iat": now, "exp": now + 600, "role": "client", "hetu": identity_code,
        });
        self.key
            .sign_json(&claims, Some("JWT"))
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
    // Dev mode: test keys, and PostgreSQL without TLS on the local test server.
    vars.insert("SETELI_DEV".into(), "true".into());
    Config::from_vars(defaults, vars).expect("test config")
}

/// A running service.
#[derive(Debug)]
pub struct TestServer {
    /// Where it listens.
    pub addr: SocketAddr,
    /// Where its `/metrics` endpoint listens.
    pub metrics_addr: SocketAddr,
    /// Its keys.
    pub keys: TestKeys,
    /// Its database.
    pub db: TestDatabase,
    /// With TLS on: the CA the server's certificate chains to (its `SETELI_UPSTREAM_CA_FILE`,
    /// which a TLS test sets to the CA that signed every service).
    tls_ca: Option<std::path::PathBuf>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl TestServer {
    /// Starts service `S` on port 0 with fresh keys and a fresh database that holds its
    /// migrations ([`TestDatabase::migrated`]); `tweak` may change
    /// its configuration.
    pub async fn start<S: Service>(tweak: impl FnOnce(&mut Config)) -> Self {
        let db = TestDatabase::migrated(S::MIGRATIONS).await;
        Self::start_with::<S>(TestKeys::new(), db, tweak).await
    }

    /// Starts service `S` with given keys and database.
    pub async fn start_with<S: Service>(
        keys: TestKeys,
        db: TestDatabase,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        Self::start_with_clock::<S>(keys, db, Clock::system(), tweak).await
    }

    /// Starts service `S` with given keys, database and clock (a pinned "today").
    pub async fn start_with_clock<S: Service>(
        keys: TestKeys,
        db: TestDatabase,
        clock: Clock,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        // The port comes from the listener the server keeps: never bind, drop and rebind.
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        Self::start_on::<S>(listener, keys, db, clock, tweak).await
    }

    /// Starts service `S` on a listener bound beforehand (so that every service's URL is known
    /// before any starts, e.g. two services that call each other), with given keys, database
    /// and clock.
    pub async fn start_on<S: Service>(
        listener: TcpListener,
        keys: TestKeys,
        db: TestDatabase,
        clock: Clock,
        tweak: impl FnOnce(&mut Config),
    ) -> Self {
        let mut config = test_config(S::DEFAULTS, &db, &keys);
        tweak(&mut config);
        let tls_ca = tls_ca(&config);
        let addr = listener.local_addr().expect("addr");
        let (tx, rx) = oneshot::channel::<()>();
        let shutdown = async move {
            let _ = rx.await;
        };
        let metrics = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind metrics");
        let metrics_addr = metrics.local_addr().expect("metrics addr");
        let task = tokio::spawn(serve_on::<S>(
            config,
            clock,
            listener,
            Some(metrics),
            shutdown,
        ));
        Self {
            addr,
            metrics_addr,
            keys,
            db,
            tls_ca,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// The server's URL, e.g. for another service's configuration: `https://localhost:<port>`
    /// when it serves TLS (its certificate names `localhost`), else `http://<addr>`.
    pub fn url(&self) -> String {
        match self.tls_ca {
            Some(_) => format!("https://localhost:{}", self.addr.port()),
            None => format!("http://{}", self.addr),
        }
    }

    /// A channel to the server (connects lazily; calls wait for the server to accept); over
    /// TLS, trusting the server's CA.
    pub fn channel(&self) -> Channel {
        let endpoint = Endpoint::from_shared(self.url()).expect("endpoint");
        let endpoint = match &self.tls_ca {
            Some(ca) => endpoint
                .tls_config(
                    tonic::transport::ClientTlsConfig::new()
                        .domain_name("localhost")
                        .ca_certificate(tonic::transport::Certificate::from_pem(
                            std::fs::read(ca).expect("the test CA"),
                        )),
                )
                .expect("TLS endpoint"),
            None => endpoint,
        };
        endpoint.connect_lazy()
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

/// The CA a TLS test server's certificate chains to: its upstream CA (see
/// [`TestServer::url`]). A server without TLS has none.
fn tls_ca(config: &Config) -> Option<std::path::PathBuf> {
    config.tls.as_ref().map(|_| {
        config
            .upstream
            .ca_file
            .clone()
            .expect("a TLS test server needs SETELI_UPSTREAM_CA_FILE: the CA that signed it")
    })
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

/// One RPC of a Seteli contract, as the descriptor set lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rpc {
    /// Fully qualified service, e.g. `seteli.vouchers.v1.VouchersService`.
    pub service: String,
    /// Method name, e.g. `GetVoucher`.
    pub method: String,
    /// Whether the server answers with a stream.
    pub server_streaming: bool,
}

impl Rpc {
    /// The HTTP/2 path of the RPC.
    pub fn path(&self) -> String {
        format!("/{}/{}", self.service, self.method)
    }

    /// The descriptor of the RPC's request message (from the compiled descriptor set), to
    /// build a request field by field with `prost_reflect::DynamicMessage`.
    pub fn input(&self) -> prost_reflect::MessageDescriptor {
        static POOL: std::sync::OnceLock<prost_reflect::DescriptorPool> =
            std::sync::OnceLock::new();
        let pool = POOL.get_or_init(|| {
            prost_reflect::DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET)
                .expect("descriptor set")
        });
        pool.get_service_by_name(&self.service)
            .and_then(|s| s.methods().find(|m| m.name() == self.method))
            .unwrap_or_else(|| panic!("{} is not in the descriptor set", self.path()))
            .input()
    }
}

/// Every RPC of the services in protobuf `package` (e.g. `seteli.vouchers.v1`), read from the
/// compiled descriptor set: a new RPC in a `.proto` is listed without editing any test.
pub fn rpcs_of(package: &str) -> Vec<Rpc> {
    use prost::Message;
    let set = prost_types::FileDescriptorSet::decode(seteli_api::FILE_DESCRIPTOR_SET)
        .expect("descriptor set");
    set.file
        .iter()
        .filter(|f| f.package() == package)
        .flat_map(|f| {
            f.service.iter().flat_map(move |s| {
                s.method.iter().map(move |m| Rpc {
                    service: format!("{}.{}", f.package(), s.name()),
                    method: m.name().to_owned(),
                    server_streaming: m.server_streaming(),
                })
            })
        })
        .collect()
}

/// Sends `message` (encoded protobuf bytes; empty = every field unset) to `rpc` with `token`
/// (none when empty) and returns the status it answered (`Code::Ok` on success; for a stream,
/// the status after its first message or its end).
pub async fn call_raw(channel: Channel, rpc: &Rpc, token: &str, message: Vec<u8>) -> tonic::Status {
    call_raw_as(channel, rpc, token, "", message).await
}

/// [`call_raw`] with an `x-request-id` (none when empty).
pub async fn call_raw_as(
    channel: Channel,
    rpc: &Rpc,
    token: &str,
    request_id: &str,
    message: Vec<u8>,
) -> tonic::Status {
    match call_raw_answer(channel, rpc, token, request_id, message).await {
        Ok(_) => tonic::Status::ok(""),
        Err(status) => status,
    }
}

/// [`call_raw_as`] answering the response's bytes (for a stream, its first message; empty
/// when it ended without one) or the status it was refused with.
pub async fn call_raw_answer(
    channel: Channel,
    rpc: &Rpc,
    token: &str,
    request_id: &str,
    message: Vec<u8>,
) -> Result<Vec<u8>, tonic::Status> {
    let mut grpc = tonic::client::Grpc::new(channel);
    if let Err(e) = grpc.ready().await {
        return Err(tonic::Status::unavailable(format!("not ready: {e}")));
    }
    let mut request = tonic::Request::new(message);
    if !token.is_empty() {
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}").parse().expect("header value"),
        );
    }
    if !request_id.is_empty() {
        request
            .metadata_mut()
            .insert("x-request-id", request_id.parse().expect("header value"));
    }
    let path: http::uri::PathAndQuery = rpc.path().parse().expect("rpc path");
    if rpc.server_streaming {
        let mut stream = grpc
            .server_streaming(request, path, RawCodec)
            .await?
            .into_inner();
        Ok(stream.message().await?.unwrap_or_default())
    } else {
        Ok(grpc.unary(request, path, RawCodec).await?.into_inner())
    }
}

/// A codec that passes protobuf bytes through unchanged, to call any RPC by name.
#[derive(Debug, Clone, Copy, Default)]
pub struct RawCodec;

impl tonic::codec::Codec for RawCodec {
    type Encode = Vec<u8>;
    type Decode = Vec<u8>;
    type Encoder = RawCodec;
    type Decoder = RawCodec;
    fn encoder(&mut self) -> Self::Encoder {
        RawCodec
    }
    fn decoder(&mut self) -> Self::Decoder {
        RawCodec
    }
}

impl tonic::codec::Encoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn encode(
        &mut self,
        item: Vec<u8>,
        dst: &mut tonic::codec::EncodeBuf<'_>,
    ) -> Result<(), tonic::Status> {
        use bytes::BufMut;
        dst.put_slice(&item);
        Ok(())
    }
}

impl tonic::codec::Decoder for RawCodec {
    type Item = Vec<u8>;
    type Error = tonic::Status;
    fn decode(
        &mut self,
        src: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Vec<u8>>, tonic::Status> {
        use bytes::Buf;
        let mut out = vec![0; src.remaining()];
        src.copy_to_slice(&mut out);
        Ok(Some(out))
    }
}

/// A JWKS published over HTTP on port 0, as an identity provider publishes it: the document
/// can be replaced (a key rotation) and every fetch is counted.
#[derive(Debug)]
pub struct JwksServer {
    /// Where the JWKS is, for `SETELI_JWKS_URL` (`http://127.0.0.1:<port>/jwks.json`).
    pub url: String,
    state: std::sync::Arc<JwksState>,
    task: JoinHandle<()>,
}

#[derive(Debug)]
struct JwksState {
    document: std::sync::Mutex<String>,
    fetches: std::sync::atomic::AtomicUsize,
}

impl JwksServer {
    /// Serves `document` (a JWKS JSON text) until dropped.
    pub async fn start(document: String) -> Self {
        use axum::routing::get;
        let state = std::sync::Arc::new(JwksState {
            document: std::sync::Mutex::new(document),
            fetches: std::sync::atomic::AtomicUsize::new(0),
        });
        let served = state.clone();
        let app = axum::Router::new().route(
            "/jwks.json",
            get(move || {
                let state = served.clone();
                async move {
                    state
                        .fetches
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let body = state.document.lock().expect("jwks document").clone();
                    ([(http::header::CONTENT_TYPE, "application/json")], body)
                }
            }),
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind jwks");
        let url = format!(
            "http://{}/jwks.json",
            listener.local_addr().expect("jwks addr")
        );
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { url, state, task }
    }

    /// Publishes `document` instead (the next fetch gets it).
    pub fn publish(&self, document: String) {
        *self.state.document.lock().expect("jwks document") = document;
    }

    /// How many times the JWKS has been fetched.
    pub fn fetches(&self) -> usize {
        self.state.fetches.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for JwksServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
