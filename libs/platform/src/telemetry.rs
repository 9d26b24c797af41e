//! Tracing, W3C trace context and Prometheus metrics.
//!
//! [`GrpcTelemetryLayer`] wraps every call: it reads (or starts) the W3C `traceparent` and the
//! `x-request-id`, puts a [`TraceContext`] into the request's extensions, opens a `grpc` span
//! with method, request id and trace id, and counts the call and its duration:
//! `grpc_server_requests_total{service,grpc_service,method,code}` and
//! `grpc_server_request_duration_seconds{service,grpc_service,method}`. `/metrics`
//! ([`render_metrics`]) adds the process's own series; every series is described from the
//! [`crate::catalogue`].
//! Outgoing calls to other services use [`TraceContext::child_traceparent`] and forward the
//! caller's token (the RPC boundary's `forward`).

use std::sync::OnceLock;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use http::{HeaderMap, Request, Response};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle, PrometheusRecorder};
use tower::{Layer, Service};
use tracing::Instrument;
use tracing_subscriber::EnvFilter;

use crate::catalogue::{GRPC_REQUEST_DURATION, GRPC_REQUESTS};
use crate::config::LogFormat;

/// Starts logging to stdout; a second call (tests) is ignored.
pub fn init_tracing(filter: &str, format: LogFormat) {
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// The upper bounds (seconds) of the buckets of every histogram the platform records, e.g.
/// `grpc_server_request_duration_seconds`. With buckets, a histogram's rendered state is a
/// fixed set of counters (not a summary over every sample).
pub const HISTOGRAM_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// How often the process-wide recorder folds the samples recorded since into its histograms'
/// buckets. Until then the exporter keeps every sample (8 bytes and more each, ~25 B a call):
/// left to `/metrics` scrapes alone, a pod nobody scrapes grew by every call (issue 15).
pub const METRICS_UPKEEP_INTERVAL: Duration = Duration::from_secs(5);

/// A Prometheus recorder with the platform's buckets, kept up every `every` by a thread of its
/// own whether or not anyone scrapes it, so its memory stays flat: at most the samples of one
/// interval wait to be folded into buckets. The thread lives as long as the process.
pub fn kept_recorder(every: Duration) -> PrometheusRecorder {
    let recorder = PrometheusBuilder::new()
        .set_buckets(HISTOGRAM_BUCKETS)
        .unwrap_or_else(|_| PrometheusBuilder::new())
        .build_recorder();
    let handle = recorder.handle();
    let upkeep = std::thread::Builder::new()
        .name("seteli-metrics-upkeep".into())
        .spawn(move || {
            loop {
                std::thread::sleep(every);
                handle.run_upkeep();
            }
        });
    if let Err(e) = upkeep {
        tracing::warn!(error = %e, "no metrics upkeep thread: samples wait for a scrape");
    }
    recorder
}

/// The process-wide Prometheus recorder (installed once, kept up every
/// [`METRICS_UPKEEP_INTERVAL`]), with every series of the [`crate::catalogue`] described.
pub fn metrics_handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = kept_recorder(METRICS_UPKEEP_INTERVAL);
            let handle = recorder.handle();
            // Another recorder installed first leaves this one detached: it renders empty.
            let _ = metrics::set_global_recorder(recorder);
            crate::catalogue::describe_all();
            handle
        })
        .clone()
}

/// What `/metrics` answers: the process's own series (CPU, memory, file descriptors, threads,
/// start time; `metrics-process`, from `/proc` on Linux) read now, then every series rendered.
pub fn render_metrics() -> String {
    static PROCESS: OnceLock<metrics_process::Collector> = OnceLock::new();
    let handle = metrics_handle();
    PROCESS
        .get_or_init(metrics_process::Collector::default)
        .collect();
    handle.render()
}

/// The path of the gRPC call being served (`/seteli.vouchers.v1.VoucherService/GetClient`),
/// put into the request's extensions by the telemetry layer.
#[derive(Debug, Clone)]
pub struct RpcPath(pub String);

impl RpcPath {
    /// Whether the RPC only reads (`Get…`, `List…`, `Export…`, `Search…`, `Check…`,
    /// `Stream…`): the contracts name every call that changes data otherwise.
    pub fn is_read(&self) -> bool {
        let method = self.0.rsplit('/').next().unwrap_or_default();
        ["Get", "List", "Export", "Search", "Check", "Stream"]
            .iter()
            .any(|verb| method.starts_with(verb))
    }
}

/// W3C trace context and request id of one call.
#[derive(Debug, Clone)]
pub struct TraceContext {
    /// 32 hex digits.
    pub trace_id: String,
    /// 16 hex digits: this server's span.
    pub span_id: String,
    /// Trace flags (`01` sampled).
    pub flags: String,
    /// The caller's `x-request-id`, or a new one.
    pub request_id: String,
}

fn random_hex(bytes: usize) -> String {
    use std::fmt::Write;
    // uuid's v4 comes from the thread-local CSPRNG (its `fast-rng` feature), not a getrandom
    // syscall per call (3.5 % of a health check's CPU in the load bench).
    let id = uuid::Uuid::new_v4();
    let mut hex = String::with_capacity(bytes * 2);
    for b in id.as_bytes().iter().take(bytes) {
        let _ = write!(hex, "{b:02x}");
    }
    hex
}

impl TraceContext {
    /// Reads `traceparent` and `x-request-id`, starting new ones when absent or malformed.
    pub fn from_headers(headers: &HeaderMap) -> Self {
        let parent = headers
            .get("traceparent")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_traceparent);
        let request_id = headers
            .get("x-request-id")
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty() && v.len() <= 128)
            .map(str::to_owned)
            .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let (trace_id, flags) = parent.unwrap_or_else(|| (random_hex(16), "01".into()));
        Self {
            trace_id,
            span_id: random_hex(8),
            flags,
            request_id,
        }
    }

    /// A `traceparent` for a call this server makes: same trace, this span as parent.
    pub fn child_traceparent(&self) -> String {
        format!("00-{}-{}-{}", self.trace_id, self.span_id, self.flags)
    }
}

fn parse_traceparent(v: &str) -> Option<(String, String)> {
    let parts: Vec<&str> = v.trim().split('-').collect();
    let hex = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_hexdigit());
    match parts.as_slice() {
        [version, trace, span, flags]
            if hex(version, 2)
                && *version != "ff"
                && hex(trace, 32)
                && hex(span, 16)
                && hex(flags, 2)
                && trace.bytes().any(|b| b != b'0')
                && span.bytes().any(|b| b != b'0') =>
        {
            Some((trace.to_ascii_lowercase(), flags.to_ascii_lowercase()))
        }
        _ => None,
    }
}

/// The labels of a path that is no RPC of ours.
const UNKNOWN_ROUTE: (&str, &str) = ("unknown", "unknown");

/// The `(service, method)` of a known RPC path (`/pkg.Service/Method`): the Seteli contracts,
/// health and reflection; `None` for anything else.
pub fn known_method(path: &str) -> Option<(&'static str, &'static str)> {
    static KNOWN: std::sync::OnceLock<
        std::collections::HashMap<String, (&'static str, &'static str)>,
    > = std::sync::OnceLock::new();
    KNOWN
        .get_or_init(|| {
            use prost::Message;
            let mut known = std::collections::HashMap::new();
            let mut add = |service: String, method: String| {
                let path = format!("/{service}/{method}");
                let service: &'static str = Box::leak(service.into_boxed_str());
                let method: &'static str = Box::leak(method.into_boxed_str());
                known.insert(path, (service, method));
            };
            for set in [
                seteli_api::FILE_DESCRIPTOR_SET,
                tonic_health::pb::FILE_DESCRIPTOR_SET,
            ] {
                let Ok(set) = prost_types::FileDescriptorSet::decode(set) else {
                    continue;
                };
                for file in &set.file {
                    for svc in &file.service {
                        for m in &svc.method {
                            add(
                                format!("{}.{}", file.package(), svc.name()),
                                m.name().to_owned(),
                            );
                        }
                    }
                }
            }
            for version in ["v1", "v1alpha"] {
                add(
                    format!("grpc.reflection.{version}.ServerReflection"),
                    "ServerReflectionInfo".to_owned(),
                );
            }
            known
        })
        .get(path)
        .copied()
}

/// The canonical gRPC name of a status code, as in `grpc_server_requests_total{code}`.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code;
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// Tower layer adding trace context, a span and metrics to every gRPC call.
#[derive(Debug, Clone)]
pub struct GrpcTelemetryLayer {
    service: &'static str,
}

impl GrpcTelemetryLayer {
    /// A layer labelling metrics with `service`.
    pub fn new(service: &'static str) -> Self {
        Self { service }
    }
}

impl<S> Layer<S> for GrpcTelemetryLayer {
    type Service = GrpcTelemetry<S>;
    fn layer(&self, inner: S) -> Self::Service {
        GrpcTelemetry {
            inner,
            service: self.service,
        }
    }
}

/// The service made by [`GrpcTelemetryLayer`].
#[derive(Debug, Clone)]
pub struct GrpcTelemetry<S> {
    inner: S,
    service: &'static str,
}

impl<S, B, RB> Service<Request<B>> for GrpcTelemetry<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    B: Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let ctx = TraceContext::from_headers(req.headers());
        let path = req.uri().path().to_owned();
        let span = tracing::info_span!(
            "grpc",
            method = %path,
            request_id = %ctx.request_id,
            trace_id = %ctx.trace_id,
            span_id = %ctx.span_id,
            caller = tracing::field::Empty,
            validate_only = tracing::field::Empty,
        );
        req.extensions_mut().insert(ctx);
        req.extensions_mut().insert(RpcPath(path.clone()));
        // Take the service that was driven to readiness; leave a clone in its place.
        let clone = self.inner.clone();
        let mut inner = std::mem::replace(&mut self.inner, clone);
        let service = self.service;
        Box::pin(
            async move {
                let started = Instant::now();
                let mut result = inner.call(req).await;
                if let Ok(res) = &mut result {
                    explain_unserved(res.headers_mut(), service, &path);
                }
                let code = match &result {
                    Ok(res) => res
                        .headers()
                        .get("grpc-status")
                        .and_then(|v| v.to_str().ok())
                        .and_then(|v| v.parse::<i32>().ok())
                        .map(|c| code_name(tonic::Code::from(c)))
                        .unwrap_or("OK"),
                    Err(_) => "TRANSPORT_ERROR",
                };
                // Labels come from the contract, never from the raw path: anyone who reaches
                // the port could otherwise grow the metrics without bound, one path at a time.
                let (grpc_service, method) = known_method(&path).unwrap_or(UNKNOWN_ROUTE);
                let elapsed = started.elapsed().as_secs_f64();
                tracing::debug!(code = %code, elapsed_ms = elapsed * 1000.0, "call finished");
                metrics::counter!(GRPC_REQUESTS.name,
                    "service" => service, "grpc_service" => grpc_service,
                    "method" => method, "code" => code)
                .increment(1);
                metrics::histogram!(GRPC_REQUEST_DURATION.name,
                    "service" => service, "grpc_service" => grpc_service, "method" => method)
                .record(elapsed);
                result
            }
            .instrument(span),
        )
    }
}

/// Gives an `UNIMPLEMENTED` answer without a message (a service or method this port does not
/// serve: tonic's router answers so) one that says so, instead of an empty string.
fn explain_unserved(headers: &mut http::HeaderMap, service: &str, path: &str) {
    let unimplemented = (tonic::Code::Unimplemented as i32).to_string();
    if headers.get("grpc-status").and_then(|v| v.to_str().ok()) != Some(unimplemented.as_str())
        || headers.contains_key("grpc-message")
    {
        return;
    }
    let message = format!(
        "{path} is not served on this port (the {service} service): server reflection lists \
         what it serves"
    );
    let encoded = percent_encoding::utf8_percent_encode(&message, GRPC_MESSAGE_ESCAPES).to_string();
    if let Ok(value) = http::HeaderValue::from_str(&encoded) {
        headers.insert("grpc-message", value);
    }
}

/// What the gRPC spec percent-encodes in `grpc-message`: everything outside printable ASCII,
/// and `%` itself.
const GRPC_MESSAGE_ESCAPES: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b'%');

#[cfg(test)]
mod tests {
    use super::known_method;

    #[test]
    fn only_rpcs_of_the_contracts_get_their_own_labels() {
        assert_eq!(
            known_method("/seteli.vouchers.v1.VouchersService/GetVoucher"),
            Some(("seteli.vouchers.v1.VouchersService", "GetVoucher"))
        );
        assert!(known_method("/grpc.health.v1.Health/Check").is_some());
        assert!(
            known_method("/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo")
                .is_some()
        );
        for junk in [
            "/",
            "/x/y",
            "/seteli.vouchers.v1.VouchersService/Nope",
            "/a/b/c",
        ] {
            assert_eq!(known_method(junk), None, "{junk}");
        }
    }

    use super::*;

    #[test]
    fn only_the_verbs_that_read_are_reads() {
        for read in [
            "GetClient",
            "ListVouchers",
            "ExportInvoice",
            "SearchProviders",
            "StreamApprovedInvoices",
            "CheckProviderForService",
            "GetReportPdf",
        ] {
            assert!(
                RpcPath(format!("/seteli.x.v1.S/{read}")).is_read(),
                "{read}"
            );
        }
        for change in [
            "UpdateClient",
            "MarkKelaNoticeSent",
            "CancelVoucher",
            "RecordSession",
            "AcknowledgeNotice",
            "SubmitReport",
        ] {
            assert!(
                !RpcPath(format!("/seteli.x.v1.S/{change}")).is_read(),
                "{change}"
            );
        }
        assert!(
            !RpcPath("/seteli.x.v1.Getter/Update".into()).is_read(),
            "the method, not the service"
        );
    }

    #[test]
    fn a_valid_traceparent_is_continued() {
        let mut h = HeaderMap::new();
        h.insert(
            "traceparent",
            "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
                .parse()
                .expect("header"),
        );
        let ctx = TraceContext::from_headers(&h);
        assert_eq!(ctx.trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
        let child = ctx.child_traceparent();
        assert!(child.starts_with("00-4bf92f3577b34da6a3ce929d0e0e4736-"));
        assert!(!child.contains("00f067aa0ba902b7"));
    }

    #[test]
    fn a_malformed_traceparent_starts_a_new_trace() {
        let mut h = HeaderMap::new();
        h.insert(
            "traceparent",
            "00-00000000000000000000000000000000-00f067aa0ba902b7-01"
                .parse()
                .expect("header"),
        );
        let ctx = TraceContext::from_headers(&h);
        assert_eq!(ctx.trace_id.len(), 32);
        assert_ne!(ctx.trace_id, "00000000000000000000000000000000");
    }
    /// This process's resident memory in bytes (Linux), `None` elsewhere.
    fn resident_bytes() -> Option<u64> {
        let statm = std::fs::read_to_string("/proc/self/statm").ok()?;
        let pages: u64 = statm.split_whitespace().nth(1)?.parse().ok()?;
        Some(pages * 4096)
    }

    /// Records `calls` durations into `recorder`'s request histogram, in batches with a pause
    /// between them (time passing, as between calls on a server); the growth of the resident
    /// memory meanwhile. Nothing renders (nobody scrapes).
    fn growth_recording(recorder: &PrometheusRecorder, calls: usize) -> u64 {
        let histogram = metrics::with_local_recorder(recorder, || {
            metrics::histogram!("grpc_server_request_duration_seconds",
                "service" => "test", "grpc_service" => "test.v1.Test", "method" => "Get")
        });
        let before = resident_bytes().unwrap_or(0);
        for batch in 0..calls / 50_000 {
            for i in 0..50_000 {
                histogram.record(f64::from((batch + i) as u32 % 1000) / 10_000.0);
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        resident_bytes().unwrap_or(0).saturating_sub(before)
    }

    #[test]
    fn an_unscraped_recorder_stays_flat() {
        if resident_bytes().is_none() {
            return; // Not Linux: nothing to measure with.
        }
        const CALLS: usize = 4_000_000;
        const MIB: u64 = 1024 * 1024;
        // The platform's recorder, kept up (here every 2 ms, as every 5 s in a pod): the
        // samples of one interval wait at most.
        let kept = growth_recording(&kept_recorder(Duration::from_millis(2)), CALLS);
        // What it was before (the recorder nobody keeps up until a scrape): every sample stays.
        // Measured second, so its growth does not hide in memory the first one freed.
        let unkept = PrometheusBuilder::new()
            .set_buckets(HISTOGRAM_BUCKETS)
            .expect("buckets")
            .build_recorder();
        let grew = growth_recording(&unkept, CALLS);
        println!("{CALLS} calls: kept +{kept} B, unkept +{grew} B resident");
        assert!(
            grew > 24 * MIB,
            "the measure sees samples piling up: {} MiB",
            grew / MIB
        );
        assert!(
            kept < 8 * MIB,
            "{CALLS} calls grew a kept recorder by {} MiB (unkept: {} MiB)",
            kept / MIB,
            grew / MIB
        );
    }
}
