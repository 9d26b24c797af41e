//! Server bootstrap shared by every service.
//!
//! A service gives its gRPC routes to [`Platform::serve`], which adds
//! - `grpc.health.v1` (SERVING while the database answers; NOT_SERVING while it does not and
//!   from the moment a drain starts),
//! - server reflection (`grpc.reflection.v1`) for every Seteli contract,
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

use futures::future::BoxFuture;
use http::HeaderName;
use seteli_api::audit::v1::audit_service_server::AuditServiceServer;
use tokio::net::TcpListener;
use tokio_stream::wrappers::TcpListenerStream;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Server;
use tonic_health::ServingStatus;
use tower_http::cors::{AllowOrigin, CorsLayer};

use crate::audit::AuditApi;
use crate::auth::{Authenticator, Caller, Verifier};
use crate::config::{Config, ServiceDefaults};
use crate::db::{Database, MigrationFile};
use crate::telemetry::{GrpcTelemetryLayer, TraceContext, init_tracing, metrics_handle};

/// The gRPC name of the audit service every service serves.
const AUDIT_SERVICE: &str = "seteli.audit.v1.AuditService";

/// Health name for liveness probes: SERVING while the process runs, whatever the database
/// does, so an outage takes pods out of rotation (readiness, `""`) without restarting them.
pub const LIVENESS: &str = "seteli.liveness";

/// A started service's shared parts: configuration, migrated database, token verifier.
#[derive(Debug, Clone)]
pub struct Platform {
    /// Configuration.
    pub config: Config,
    /// The service's own database, migrated.
    pub db: Database,
    /// Verifies bearer tokens.
    pub verifier: Arc<Verifier>,
}

impl Platform {
    /// Starts logging, connects to and migrates the database, loads the JWKS.
    pub async fn start(config: Config, migrations: &[MigrationFile]) -> anyhow::Result<Self> {
        init_tracing(&config.log_filter, config.log_format);
        let verifier = Arc::new(Verifier::from_jwks_file(
            &config.jwks_path,
            &config.jwt_issuer,
            &config.jwt_audience,
        )?);
        let db = Database::connect(&config.database_url, config.db_max_connections).await?;
        db.migrate(migrations).await?;
        tracing::info!(service = config.service, backend = ?db.backend(), "database ready");
        Ok(Self {
            config,
            db,
            verifier,
        })
    }

    /// The interceptor that authenticates every call.
    pub fn authenticator(&self) -> Authenticator {
        Authenticator::new(self.verifier.clone())
    }

    /// Serves `routes` (plus health, reflection, audit) on `listener` until `shutdown`
    /// resolves, then drains. `grpc_services` are the fully qualified names of the services in
    /// `routes`, for per-service health.
    pub async fn serve(
        self,
        routes: Routes,
        grpc_services: &[&str],
        listener: TcpListener,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> anyhow::Result<()> {
        let service = self.config.service;
        let mut names: Vec<String> = grpc_services.iter().map(|s| (*s).to_owned()).collect();
        names.push(AUDIT_SERVICE.to_owned());
        names.push(String::new());
        let (reporter, health) = tonic_health::server::health_reporter();
        set_all(&reporter, &names, ServingStatus::Serving).await;
        reporter
            .set_service_status(LIVENESS, ServingStatus::Serving)
            .await;

        let reflection = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(seteli_api::FILE_DESCRIPTOR_SET)
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
            .build_v1()?;

        let routes = routes.add_service(InterceptedService::new(
            AuditServiceServer::new(AuditApi::new(self.db.clone())),
            self.authenticator(),
        ));

        // Health follows the database, except while draining.
        let draining = Arc::new(AtomicBool::new(false));
        let monitor = tokio::spawn(monitor_database(
            self.db.clone(),
            reporter.clone(),
            names.clone(),
            draining.clone(),
            self.config.health_interval,
        ));

        let (metrics_stop, metrics_task) = match self.config.metrics_addr {
            Some(addr) => {
                let listener = TcpListener::bind(addr).await?;
                tracing::info!(service, metrics = %listener.local_addr()?, "metrics listening");
                let (tx, rx) = tokio::sync::oneshot::channel::<()>();
                let task = tokio::spawn(serve_metrics(listener, rx));
                (Some(tx), Some(task))
            }
            None => (None, None),
        };

        let drain = self.config.drain;
        let grace = self.config.shutdown_grace;
        let mut drain_reporter = reporter.clone();
        let drain_names = names.clone();
        let drain_flag = draining.clone();
        let (stopping_tx, mut stopping_rx) = tokio::sync::watch::channel(false);
        let drained = async move {
            shutdown.await;
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

        tracing::info!(service, grpc = %listener.local_addr()?, "serving");
        let server = Server::builder()
            .accept_http1(true)
            .layer(cors(&self.config.cors_allowed_origins))
            .layer(tonic_web::GrpcWebLayer::new())
            .layer(GrpcTelemetryLayer::new(service))
            .add_routes(routes)
            .add_service(health)
            .add_service(reflection)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), drained);
        let result = tokio::select! {
            result = server => result,
            () = deadline => {
                tracing::warn!(service, ?grace, "calls still running after the grace period: stopping anyway");
                Ok(())
            }
        };
        monitor.abort();
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
            metrics::gauge!("seteli_database_up").set(if ok { 1.0 } else { 0.0 });
            last_ok = ok;
        }
    }
}

async fn serve_metrics(listener: TcpListener, stop: tokio::sync::oneshot::Receiver<()>) {
    let handle = metrics_handle();
    let app = axum::Router::new().route(
        "/metrics",
        axum::routing::get(move || {
            let handle = handle.clone();
            async move { handle.render() }
        }),
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

/// An outgoing request to another service on behalf of `caller`: forwards the caller's token,
/// the request id and the trace (as a child `traceparent`).
pub fn forward<T>(caller: &Caller, trace: Option<&TraceContext>, message: T) -> tonic::Request<T> {
    let mut request = tonic::Request::new(message);
    let md = request.metadata_mut();
    if let Ok(v) = format!("Bearer {}", caller.token).parse() {
        md.insert("authorization", v);
    }
    if let Some(trace) = trace {
        if let Ok(v) = trace.child_traceparent().parse() {
            md.insert("traceparent", v);
        }
        if let Ok(v) = trace.request_id.parse() {
            md.insert("x-request-id", v);
        }
    }
    request
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

/// The whole of a service's `main`: config from the environment, bind, serve until SIGTERM.
pub async fn run_main<F, Fut>(defaults: ServiceDefaults, serve: F) -> ExitCode
where
    F: FnOnce(Config, TcpListener, BoxFuture<'static, ()>) -> Fut,
    Fut: Future<Output = anyhow::Result<()>>,
{
    let config = match Config::from_env(defaults) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("seteli-{}: {e}", defaults.name);
            return ExitCode::from(2);
        }
    };
    let listener = match TcpListener::bind(config.grpc_addr).await {
        Ok(l) => l,
        Err(e) => {
            eprintln!(
                "seteli-{}: cannot listen on {} (SETELI_GRPC_ADDR): {e}",
                defaults.name, config.grpc_addr
            );
            return ExitCode::from(2);
        }
    };
    match serve(config, listener, Box::pin(shutdown_signal())).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            tracing::error!(error = format!("{e:#}"), "service failed");
            eprintln!("seteli-{}: {e:#}", defaults.name);
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::Role;

    #[test]
    fn a_forwarded_call_carries_the_token_request_id_and_trace() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "traceparent",
            http::HeaderValue::from_static(
                "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
            ),
        );
        headers.insert("x-request-id", http::HeaderValue::from_static("req-42"));
        let incoming = TraceContext::from_headers(&headers);
        let caller = Caller {
            subject: "sw-1".into(),
            role: Role::SocialWorker,
            provider_id: None,
            token: "abc.def.ghi".into(),
        };
        let outgoing = forward(&caller, Some(&incoming), ());
        let md = outgoing.metadata();
        assert_eq!(
            md.get("authorization").and_then(|v| v.to_str().ok()),
            Some("Bearer abc.def.ghi")
        );
        assert_eq!(
            md.get("x-request-id").and_then(|v| v.to_str().ok()),
            Some("req-42")
        );
        let parent = md
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned();
        // Same trace, and this server's span as the parent of the next hop.
        assert!(
            parent.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"),
            "{parent}"
        );
        assert!(parent.contains(&incoming.span_id), "{parent}");
        assert!(!parent.contains("00f067aa0ba902b7"), "{parent}");
    }
}
