//! Server bootstrap shared by every service.
//!
//! A service implements [`Service`] (defaults, migrations, typed settings, gRPC services and
//! jobs); [`main`] and [`serve`] boot it. [`Platform::serve`] adds
//! - `grpc.health.v1` (SERVING while the database answers; NOT_SERVING while it does not and
//!   from the moment a drain starts),
//! - server reflection (`grpc.reflection.v1` and `v1alpha`) for every Seteli contract,
//! - gRPC-Web (HTTP/1.1) with CORS for the configured browser origins,
//! - the telemetry layer (span per call, metrics) and `/metrics` over plain HTTP,
//! - `seteli.audit.v1.AuditService` over the service's own audit log,
//! - graceful shutdown: on the shutdown signal health turns NOT_SERVING, the server keeps
//!   serving for `SETELI_DRAIN_SECONDS` so load balancers notice, then stops accepting and
//!   finishes the calls in flight.

use std::future::Future;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use futures::future::BoxFuture;
use http::HeaderName;
use seteli_api::audit::v1::audit_service_server::AuditServiceServer;
use tokio::net::TcpListener;
use tonic::server::NamedService;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic_health::ServingStatus;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::audit_api::AuditApi;
use crate::auth::{Authenticator, PublicDoor, Verifier};
use crate::catalogue::DATABASE_UP;
use crate::clock::Clock;
use crate::config::{Config, ConfigError, MigrateMode, ServiceDefaults};
use crate::db::{Database, MigrationFile};
use crate::telemetry::{GrpcTelemetryLayer, init_tracing, metrics_handle, render_metrics};

pub use crate::rpc::forward;

/// Health name for liveness probes: SERVING while the process runs, whatever the database
/// does, so an outage takes pods out of rotation (readiness, `""`) without restarting them.
pub const LIVENESS: &str = "seteli.liveness";

/// A started service's shared parts: configuration, migrated database, token verifier.
#[derive(Debug)]
pub struct Platform {
    /// Configuration.
    pub config: Config,
    /// The service's own database, migrated.
    pub db: Database,
    /// Verifies bearer tokens.
    pub verifier: Arc<Verifier>,
    /// Where every operation reads "now" and "today".
    pub clock: Clock,
    /// A bound listener for `/metrics`, used instead of binding `SETELI_METRICS_ADDR`.
    pub metrics_listener: Option<TcpListener>,
}

impl Platform {
    /// Starts logging, connects to and migrates the database, loads the JWKS.
    pub async fn start(config: Config, migrations: &[MigrationFile]) -> anyhow::Result<Self> {
        init_tracing(&config.log_filter, config.log_format);
        // The metrics recorder first: a series recorded before it is installed is lost (the
        // JWKS refresher's, a feed follower's made while the service builds).
        let _ = metrics_handle();
        let verifier = Arc::new(Verifier::from_config(&config).await?);
        crate::db::require_verified_tls(&config.database_url, config.dev)?;
        let db = Database::connect(&config.database_url, config.db_max_connections)
            .await?
            .owned_by(config.service);
        match config.migrate {
            MigrateMode::OnStart => db.migrate(migrations).await?,
            MigrateMode::Wait => {
                db.wait_for_migrations(migrations, config.migrate_timeout)
                    .await?
            }
        }
        tracing::info!(service = config.service, backend = ?db.backend(), "database ready");
        Ok(Self {
            config,
            db,
            verifier,
            clock: Clock::system(),
            metrics_listener: None,
        })
    }

    /// The interceptor that authenticates every call and hands it the clock.
    pub fn authenticator(&self) -> Authenticator {
        Authenticator::new(self.verifier.clone(), self.clock.clone())
    }

    /// An empty set of gRPC services and jobs, to be filled by [`Service::build`].
    pub fn routes(&self) -> Built {
        Built {
            routes: Routes::default(),
            names: Vec::new(),
            jobs: Vec::new(),
            authenticator: self.authenticator(),
        }
    }

    /// Serves `built` (plus health, reflection, audit) on `listener` until `shutdown`
    /// resolves, then drains; the jobs of `built` run until the drain starts.
    pub async fn serve(
        self,
        built: Built,
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let service = self.config.service;
        let Built {
            routes,
            names: grpc_services,
            jobs,
            ..
        } = built;
        let mut names: Vec<String> = grpc_services.iter().map(|s| (*s).to_owned()).collect();
        names.push(<AuditServiceServer<AuditApi> as NamedService>::NAME.to_owned());
        names.push(String::new());
        let (reporter, health) = tonic_health::server::health_reporter();
        set_all(&reporter, &names, ServingStatus::Serving).await;
        reporter
            .set_service_status(LIVENESS, ServingStatus::Serving)
            .await;

        // Reflection in both versions: grpcurl and tonic speak v1; Postman, Python's
        // grpcio-reflection and older grpcurl only v1alpha.
        // Each port lists the services it serves, not every Seteli contract.
        let advertised = |builder: tonic_reflection::server::Builder<'static>| {
            names
                .iter()
                .filter(|n| !n.is_empty())
                .chain([
                    &"grpc.health.v1.Health".to_owned(),
                    &"grpc.reflection.v1.ServerReflection".to_owned(),
                    &"grpc.reflection.v1alpha.ServerReflection".to_owned(),
                ])
                .fold(builder, |b, name| b.with_service_name(name.clone()))
                .register_encoded_file_descriptor_set(seteli_api::FILE_DESCRIPTOR_SET)
                .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        };
        let reflection = advertised(tonic_reflection::server::Builder::configure()).build_v1()?;
        let reflection_v1alpha =
            advertised(tonic_reflection::server::Builder::configure()).build_v1alpha()?;

        let routes = routes.add_service(InterceptedService::new(
            AuditServiceServer::new(AuditApi::new(self.db.clone())),
            self.authenticator(),
        ));

        // Health follows the database, except while draining.
        let draining = Arc::new(AtomicBool::new(false));
        let monitor = tokio::spawn(monitor_database(
            service,
            self.db.clone(),
            reporter.clone(),
            names.clone(),
            draining.clone(),
            self.config.health_interval,
        ));

        let metrics_listener = match (self.metrics_listener, self.config.metrics_addr) {
            (Some(listener), _) => Some(listener),
            (None, Some(addr)) => Some(TcpListener::bind(addr).await?),
            (None, None) => None,
        };
        let (metrics_stop, metrics_task) = match metrics_listener {
            Some(listener) => {
                tracing::info!(service, metrics = %listener.local_addr()?, "metrics listening");
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                let task = tokio::spawn(serve_metrics(listener, rx));
                (Some(tx), Some(task))
            }
            None => (None, None),
        };

        // Background jobs run until the drain starts (a job stopped at an await point rolls
        // its open transaction back). Every service purges its old idempotency answers.
        let mut jobs = jobs;
        let retention_hours: u64 = self.config.var_or(
            "SETELI_IDEMPOTENCY_RETENTION_HOURS",
            crate::change::DEFAULT_RETENTION.as_secs() / 3600,
        )?;
        if retention_hours > 0 {
            let (db, clock) = (self.db.clone(), self.clock.clone());
            let retention = Duration::from_secs(retention_hours.saturating_mul(3600));
            jobs.push((
                "idempotency-retention",
                Box::pin(async move {
                    let mut ticker = tokio::time::interval(Duration::from_secs(3600));
                    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                    loop {
                        ticker.tick().await;
                        match crate::change::purge_answers(&db, retention, clock.now_micros()).await {
                            Ok(0) => {}
                            Ok(n) => tracing::info!(removed = n, "purged old idempotency answers"),
                            Err(e) => tracing::warn!(error = %e, "idempotency purge failed; next run retries"),
                        }
                    }
                }),
            ));
        }
        // One replica at a time runs each job (crate::leader); the others wait their turn.
        let lease =
            Duration::from_secs(self.config.var_or("SETELI_JOB_LEASE_SECONDS", 5u64)?.max(1));
        let (jobs_stop, jobs_stopping) = tokio::sync::watch::channel(false);
        let job_tasks: Vec<_> = jobs
            .into_iter()
            .map(|(name, job)| {
                let mut stopping = jobs_stopping.clone();
                let job =
                    crate::leader::run_exclusively(self.db.clone(), service, name, job, lease);
                tokio::spawn(async move {
                    tokio::select! {
                        () = job => tracing::info!(job = name, "job finished"),
                        _ = stopping.wait_for(|s| *s) => tracing::info!(job = name, "job stopped"),
                    }
                })
            })
            .collect();

        // Set once the main server has stopped: ends the cleartext health server too.
        let (stopped_tx, _) = tokio::sync::watch::channel(false);
        let drain = self.config.drain;
        let grace = self.config.shutdown_grace;
        let mut drain_reporter = reporter.clone();
        let drain_names = names.clone();
        let drain_flag = draining.clone();
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let drained = async move {
            shutdown.await;
            let _ = jobs_stop.send(true);
            tracing::info!(service, ?drain, "draining: health NOT_SERVING");
            drain_flag.store(true, Ordering::SeqCst);
            set_all(&drain_reporter, &drain_names, ServingStatus::NotServing).await;
            tokio::time::sleep(drain).await;
            // End open health Watch streams, or they would hold the shutdown open for ever.
            for name in drain_names.iter().map(String::as_str).chain([LIVENESS]) {
                drain_reporter.clear_service_status(name).await;
            }
            let _ = stopping_tx.send(true);
            tracing::info!(service, "no longer accepting; finishing calls in flight");
        };
        // Calls still running `grace` after the drain are cut off.
        let deadline = async move {
            let _ = stopping_rx.wait_for(|stopping| *stopping).await;
            tokio::time::sleep(grace).await;
        };

        // Limits no caller gets past (issue 14): calls at once (shed beyond), HTTP/2 streams per
        // connection, and how long a call may run (then CANCELLED, its transaction rolled back).
        let max_concurrent: usize = self.config.var_or(
            "SETELI_MAX_CONCURRENT_REQUESTS",
            crate::admission::DEFAULT_MAX_CONCURRENT_REQUESTS,
        )?;
        let max_streams: u32 = self
            .config
            .var_or("SETELI_MAX_STREAMS_PER_CONNECTION", 128)?;
        let request_timeout: u64 = self.config.var_or("SETELI_REQUEST_TIMEOUT_SECONDS", 30)?;

        // Service-to-service TLS (issue 14): the server's own certificate, when configured.
        let mut builder = Server::builder();
        if let Some(tls) = &self.config.tls {
            builder = builder.tls_config(server_tls(tls)?)?;
        }
        // With TLS on, the kubelet's gRPC probes (which cannot speak TLS) get health alone in
        // cleartext on their own port; it stops with the main server.
        let plaintext_health = match self.config.plaintext_health_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr).await?;
                tracing::info!(service, health = %listener.local_addr()?, "cleartext health listening");
                let health = health.clone();
                let mut stopped = stopped_tx.subscribe();
                Some(tokio::spawn(async move {
                    let result = Server::builder()
                        .add_service(health)
                        .serve_with_incoming_shutdown(
                            TcpIncoming::from(listener).with_nodelay(Some(true)),
                            async move {
                                let _ = stopped.wait_for(|s| *s).await;
                            },
                        )
                        .await;
                    if let Err(e) = result {
                        tracing::warn!(error = %e, "cleartext health stopped");
                    }
                }))
            }
            None => None,
        };
        tracing::info!(service, grpc = %listener.local_addr()?, tls = self.config.tls.is_some(), "serving");
        let server = builder
            .accept_http1(true)
            .max_concurrent_streams(Some(max_streams.max(1)))
            .timeout(Duration::from_secs(request_timeout.max(1)))
            .layer(cors(&self.config.cors_allowed_origins))
            .layer(tonic_web::GrpcWebLayer::new())
            .layer(GrpcTelemetryLayer::new(service))
            .layer(crate::admission::AdmissionLayer::new(
                service,
                max_concurrent,
            ))
            .add_routes(routes)
            .add_service(health)
            .add_service(reflection)
            .add_service(reflection_v1alpha)
            .serve_with_incoming_shutdown(
                // Small answers must not wait behind Nagle's algorithm and delayed ACKs.
                TcpIncoming::from(listener).with_nodelay(Some(true)),
                drained,
            );
        let result = tokio::select! {
            result = server => result,
            () = deadline => {
                tracing::warn!(service, ?grace, "calls still running after the grace period: stopping anyway");
                Ok(())
            }
        };
        monitor.abort();
        let _ = stopped_tx.send(true);
        if let Some(task) = plaintext_health {
            let _ = task.await;
        }
        for task in job_tasks {
            task.abort();
        }
        if let Some(stop) = metrics_stop {
            let _ = stop.send(());
        }
        if let Some(task) = metrics_task {
            let _ = task.await;
        }
        self.db.close().await;
        tracing::info!(service, "stopped");
        Ok(result?)
    }
}

/// The rustls server configuration of `tls`'s PEM files; an unreadable file names its key.
fn server_tls(tls: &crate::config::ServerTls) -> anyhow::Result<tonic::transport::ServerTlsConfig> {
    let read = |key: &str, path: &std::path::Path| {
        std::fs::read(path).map_err(|e| anyhow::anyhow!("{key} {}: {e}", path.display()))
    };
    let cert = read("SETELI_TLS_CERT_FILE", &tls.cert_file)?;
    let key = read("SETELI_TLS_KEY_FILE", &tls.key_file)?;
    Ok(tonic::transport::ServerTlsConfig::new()
        .identity(tonic::transport::Identity::from_pem(cert, key)))
}

async fn set_all(
    reporter: &tonic_health::server::HealthReporter,
    names: &[String],
    s: ServingStatus,
) {
    for name in names {
        reporter.set_service_status(name, s).await;
    }
}

async fn monitor_database(
    service: &'static str,
    db: Database,
    reporter: tonic_health::server::HealthReporter,
    names: Vec<String>,
    draining: Arc<AtomicBool>,
    interval: std::time::Duration,
) {
    let mut ticker = tokio::time::interval(interval);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last_ok = true;
    loop {
        ticker.tick().await;
        let ok = db.ping().await;
        if draining.load(Ordering::SeqCst) {
            return;
        }
        metrics::gauge!(DATABASE_UP.name, "service" => service).set(if ok { 1.0 } else { 0.0 });
        if ok != last_ok {
            if ok {
                tracing::info!("database reachable again: SERVING");
            } else {
                tracing::warn!("database unreachable: NOT_SERVING");
            }
            let status = if ok {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            set_all(&reporter, &names, status).await;
            last_ok = ok;
        }
    }
}

async fn serve_metrics(listener: TcpListener, stop: tokio::sync::oneshot::Receiver<()>) {
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(|| async { render_metrics() }),
    );
    let result = axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = stop.await;
        })
        .await;
    if let Err(e) = result {
        tracing::warn!(error = %e, "metrics endpoint stopped");
    }
}

fn cors(origins: &[String]) -> CorsLayer {
    let allowed: Vec<http::HeaderValue> = origins.iter().filter_map(|o| o.parse().ok()).collect();
    let header = |s: &'static str| HeaderName::from_static(s);
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(allowed))
        .allow_methods([http::Method::POST, http::Method::OPTIONS])
        .allow_headers([
            header("content-type"),
            header("authorization"),
            header("x-grpc-web"),
            header("x-user-agent"),
            header("grpc-timeout"),
            header("x-request-id"),
            header("traceparent"),
        ])
        .expose_headers([
            header("grpc-status"),
            header("grpc-message"),
            header("grpc-status-details-bin"),
        ])
        .max_age(std::time::Duration::from_secs(600))
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => futures::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = futures::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// A service's typed settings beyond the platform's ([`Service::Settings`]).
pub trait ServiceSettings: Sized + Send + 'static {
    /// Reads them from `config`, once at start; a bad value is a [`ConfigError`] naming its
    /// key.
    fn read(config: &Config) -> Result<Self, ConfigError>;
}

/// A Seteli service, as the platform boots it: its defaults, migrations, settings, gRPC
/// services and jobs. `main.rs` is `seteli_platform::server::main::<MyService>()`; tests call
/// [`serve`] with a listener on port 0.
pub trait Service: 'static {
    /// Name, local ports, default database file.
    const DEFAULTS: ServiceDefaults;
    /// The service's own migrations (the platform's come first, automatically).
    const MIGRATIONS: &'static [MigrationFile];
    /// The service's typed settings beyond the platform's, read once at start.
    type Settings: ServiceSettings;

    /// Builds the gRPC services and background jobs on the started platform
    /// (`platform.routes().grpc(…).job(…)`).
    fn build(
        platform: &Platform,
        settings: Self::Settings,
    ) -> impl Future<Output = anyhow::Result<Built>> + Send;
}

/// What a service serves: its gRPC services (authenticated, named for health by their
/// `NamedService::NAME`) and its background jobs.
pub struct Built {
    routes: Routes,
    names: Vec<&'static str>,
    jobs: Vec<(&'static str, BoxFuture<'static, ()>)>,
    authenticator: Authenticator,
}

impl std::fmt::Debug for Built {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Built")
            .field("services", &self.names)
            .field(
                "jobs",
                &self.jobs.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
            )
            .finish()
    }
}

impl Built {
    /// Adds a generated gRPC server; every call to it is authenticated first.
    pub fn grpc<S>(mut self, server: S) -> Self
    where
        S: NamedService,
        InterceptedService<S, Authenticator>: tower::Service<http::Request<tonic::body::Body>, Error = std::convert::Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        <InterceptedService<S, Authenticator> as tower::Service<
            http::Request<tonic::body::Body>,
        >>::Response: axum::response::IntoResponse,
        <InterceptedService<S, Authenticator> as tower::Service<
            http::Request<tonic::body::Body>,
        >>::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        self.routes = self
            .routes
            .add_service(InterceptedService::new(server, self.authenticator.clone()));
        self
    }

    /// Adds a public gRPC server: its calls are answered without a token
    /// ([`crate::auth::PublicDoor`]), so it must hold no personal data and change nothing.
    /// Health and reflection name it as they name the others.
    pub fn public_grpc<S>(mut self, server: S) -> Self
    where
        S: NamedService,
        InterceptedService<S, PublicDoor>: tower::Service<http::Request<tonic::body::Body>, Error = std::convert::Infallible>
            + NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        <InterceptedService<S, PublicDoor> as tower::Service<
            http::Request<tonic::body::Body>,
        >>::Response: axum::response::IntoResponse,
        <InterceptedService<S, PublicDoor> as tower::Service<
            http::Request<tonic::body::Body>,
        >>::Future: Send + 'static,
    {
        self.names.push(S::NAME);
        let door = PublicDoor::new(self.authenticator.clock());
        self.routes = self
            .routes
            .add_service(InterceptedService::new(server, door));
        self
    }

    /// Adds a background job (a feed follower, a sweep), stopped when the drain starts.
    pub fn job(
        mut self,
        name: &'static str,
        job: impl Future<Output = ()> + Send + 'static,
    ) -> Self {
        self.jobs.push((name, Box::pin(job)));
        self
    }

    /// Adds the job `name` that `job` makes when `runs` (what it needs is configured, e.g. a
    /// feed's token); otherwise logs `otherwise` as a warning: what the service goes without.
    pub fn job_if<F>(
        self,
        runs: bool,
        name: &'static str,
        job: impl FnOnce() -> F,
        otherwise: &str,
    ) -> Self
    where
        F: Future<Output = ()> + Send + 'static,
    {
        if runs {
            self.job(name, job())
        } else {
            tracing::warn!("{otherwise}");
            self
        }
    }
}

/// A service's generated gRPC server `$server` on `$platform`'s routes, with the request and
/// answer size limit of its configuration ([`crate::limits::max_message_bytes`]): a
/// `Result<Built, ConfigError>`.
///
/// ```ignore
/// let built = seteli_platform::grpc_routes!(platform, BillingServiceServer::new(api))?;
/// ```
#[macro_export]
macro_rules! grpc_routes {
    ($platform:expr, $server:expr) => {
        $crate::limits::max_message_bytes(&$platform.config).map(|max| {
            $platform.routes().grpc(
                $server
                    .max_decoding_message_size(max)
                    .max_encoding_message_size(max),
            )
        })
    };
}

/// Runs service `S` on `listener` with `config` until `shutdown` resolves, then drains.
pub async fn serve<S: Service>(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_with_clock::<S>(config, Clock::system(), listener, shutdown).await
}

/// [`serve`] with an injected clock (tests pin "today").
pub async fn serve_with_clock<S: Service>(
    config: Config,
    clock: Clock,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    serve_on::<S>(config, clock, listener, None, shutdown).await
}

/// [`serve_with_clock`] with the metrics endpoint on an already bound `metrics` listener
/// (tests learn its port from the listener instead of probing for a free one).
pub async fn serve_on<S: Service>(
    config: Config,
    clock: Clock,
    listener: TcpListener,
    metrics: Option<TcpListener>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let settings = S::Settings::read(&config)?;
    let mut platform = Platform::start(config, S::MIGRATIONS).await?;
    platform.clock = clock;
    platform.metrics_listener = metrics;
    let built = S::build(&platform, settings).await?;
    platform.serve(built, listener, shutdown).await
}

/// Applies the platform's and `S`'s migrations and returns, within
/// `SETELI_MIGRATE_TIMEOUT_SECONDS`: what `seteli-<service> --migrate-only` runs (as a
/// Kubernetes Job before the serving pods, which run with `SETELI_MIGRATE=wait`).
pub async fn migrate_only<S: Service>(config: &Config) -> anyhow::Result<()> {
    init_tracing(&config.log_filter, config.log_format);
    crate::db::require_verified_tls(&config.database_url, config.dev)?;
    let db = Database::connect(&config.database_url, 1).await?;
    let result = tokio::time::timeout(config.migrate_timeout, db.migrate(S::MIGRATIONS)).await;
    db.close().await;
    match result {
        Ok(migrated) => migrated,
        Err(_) => anyhow::bail!(
            "migrations did not finish within {:?} (SETELI_MIGRATE_TIMEOUT_SECONDS)",
            config.migrate_timeout
        ),
    }
}

/// The whole of a service's `main`: config from the environment, bind, serve until SIGTERM;
/// or, with `--migrate-only`, migrate the database and exit.
pub async fn main<S: Service>() -> ExitCode {
    main_with_args::<S>(std::env::args().skip(1).collect()).await
}

/// [`main`] with the command-line arguments after the program name given (a binary that
/// hosts several services takes its own first).
pub async fn main_with_args<S: Service>(args: Vec<String>) -> ExitCode {
    let name = S::DEFAULTS.name;
    let migrate_only_requested = match args.iter().map(String::as_str).collect::<Vec<_>>()[..] {
        [] => false,
        ["--migrate-only"] => true,
        _ => {
            eprintln!(
                "usage: seteli-{name} [--migrate-only]\n  configuration comes from the environment (SETELI_*, DATABASE_URL)"
            );
            return ExitCode::from(2);
        }
    };
    let config = match Config::from_env(S::DEFAULTS) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("seteli-{name}: {e}");
            return ExitCode::from(2);
        }
    };
    if migrate_only_requested {
        return match migrate_only::<S>(&config).await {
            Ok(()) => {
                tracing::info!(service = name, "database migrated");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("seteli-{name}: {e:#}");
                ExitCode::from(1)
            }
        };
    }
    let listener = match TcpListener::bind(config.grpc_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "seteli-{name}: cannot listen on {} (SETELI_GRPC_ADDR): {e}",
                config.grpc_addr
            );
            return ExitCode::from(2);
        }
    };
    match serve::<S>(config, listener, shutdown_signal()).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let code = if e.downcast_ref::<ConfigError>().is_some() {
                2
            } else {
                1
            };
            tracing::error!(error = format!("{e:#}"), "service failed");
            eprintln!("seteli-{name}: {e:#}");
            ExitCode::from(code)
        }
    }
}
