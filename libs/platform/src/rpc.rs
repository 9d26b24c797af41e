//! The RPC boundary: where a gRPC request becomes an operation call, and where its
//! [`AppError`] becomes a `Status` (through [`to_status`], nowhere else).
//!
//! A handler in a service's `api.rs` is one line:
//!
//! ```ignore
//! async fn get_voucher(&self, r: Request<pb::GetVoucherRequest>) -> Answer<pb::GetVoucherResponse> {
//!     rpc::unary(&self.0, r, ops::get_voucher).await
//! }
//! ```
//!
//! The operation (`ops.rs`) gets a [`Ctx`] — who calls, the trace and correlation id, and the
//! clock whose [`Ctx::today`] is the Finnish date — and the decoded request, and returns an
//! [`AppResult`]. Every error leaves with `RequestInfo` (the request id, so a caller can quote it
//! to the county's support and find the log line); `UNAVAILABLE` also carries `RetryInfo`.

use std::future::Future;

use chrono::NaiveDate;
use tonic::{Request, Response, Status};

use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::identity::Caller;
use crate::telemetry::TraceContext;

pub use crate::status::{
    MAX_DETAIL, MAX_MESSAGE, MAX_RULE_TEXT, MAX_RULE_VIOLATIONS, MAX_VIOLATIONS, RETRY_AFTER,
    to_status,
};

/// What a handler answers.
pub type Answer<T> = Result<Response<T>, Status>;

/// The context of one operation: the caller, the trace and the clock.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who calls (verified token).
    pub caller: Caller,
    /// Trace context and correlation (request) id of the call.
    pub trace: TraceContext,
    /// Where "now" and "today" come from.
    pub clock: Clock,
}

impl Ctx {
    /// A context for the service's own scheduled work (`system:<job>`), with a fresh trace.
    pub fn system(job: &str, clock: Clock) -> Self {
        Self {
            caller: Caller::system(job),
            trace: TraceContext::from_headers(&http::HeaderMap::new()),
            clock,
        }
    }

    /// The call's correlation id (`x-request-id`, or one made up for it).
    pub fn request_id(&self) -> &str {
        &self.trace.request_id
    }

    /// Today in Finland (Europe/Helsinki): the rulebooks' "today" (RULES.md §9).
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }

    /// Now, in microseconds since the epoch (UTC).
    pub fn now_micros(&self) -> i64 {
        self.clock.now_micros()
    }

    /// An outgoing request to another service on this caller's behalf: the caller's token, the
    /// request id and a child `traceparent`.
    pub fn forward<T>(&self, message: T) -> Request<T> {
        forward(&self.caller, Some(&self.trace), message)
    }
}

/// Builds the [`Ctx`] of a request whose token verified (the caller and clock the
/// authenticating interceptor put into its extensions, the trace the telemetry layer did).
pub fn ctx_of<T>(request: &Request<T>) -> Result<Ctx, AppError> {
    let caller = Caller::of(request)?;
    let PublicCtx { trace, clock } = public_ctx_of(request);
    Ok(Ctx {
        caller,
        trace,
        clock,
    })
}

/// The trace the telemetry layer and the clock the interceptor put into a request's
/// extensions (a fresh trace and the system clock where they are missing): all a public call
/// has, and the rest of a [`Ctx`].
fn public_ctx_of<T>(request: &Request<T>) -> PublicCtx {
    let trace = request
        .extensions()
        .get::<TraceContext>()
        .cloned()
        .unwrap_or_else(|| TraceContext::from_headers(&http::HeaderMap::new()));
    let clock = request
        .extensions()
        .get::<Clock>()
        .cloned()
        .unwrap_or_default();
    PublicCtx { trace, clock }
}

/// Runs one unary RPC: builds the [`Ctx`], calls `op` with the service's state and the request
/// message, and maps its error to a rich `Status`. A request that only validates (Google
/// AIP-163: `validate_only`) is said so in the call's span, and every audit entry the call
/// records is marked as a validation's ([`crate::audit::validating`]).
pub async fn unary<'a, S, Req, Resp, Fut>(
    state: &'a S,
    request: Request<Req>,
    op: impl FnOnce(&'a S, Ctx, Req) -> Fut,
) -> Answer<Resp>
where
    S: ?Sized,
    Req: seteli_api::RpcRequest,
    Fut: Future<Output = AppResult<Resp>> + 'a,
{
    let request_id = request
        .extensions()
        .get::<TraceContext>()
        .map(|t| t.request_id.clone())
        .unwrap_or_default();
    let ctx = match ctx_of(&request) {
        Ok(ctx) => ctx,
        Err(e) => return Err(to_status(e, &request_id)),
    };
    check_limits(&request).map_err(|e| to_status(e, &request_id))?;
    let validate_only = request.get_ref().validate_only();
    if validate_only {
        tracing::Span::current().record("validate_only", true);
    }
    crate::audit::validating(validate_only, op(state, ctx, request.into_inner()))
        .await
        .map(Response::new)
        .map_err(|e| to_status(e, &request_id))
}

/// The context of a public call (no token, the authentication layer's `PublicDoor`): the trace and the
/// clock, and nobody to name.
#[derive(Debug, Clone)]
pub struct PublicCtx {
    /// Trace context and correlation (request) id of the call.
    pub trace: TraceContext,
    /// Where "now" and "today" come from.
    pub clock: Clock,
}

impl PublicCtx {
    /// Today in Finland (Europe/Helsinki).
    pub fn today(&self) -> NaiveDate {
        self.clock.today()
    }
}

/// Runs one unary RPC of a public service (served by `Built::public_grpc`) as [`unary`]
/// does, without a caller: the request's limits are checked and its error mapped the same way.
pub async fn public_unary<'a, S, Req, Resp, Fut>(
    state: &'a S,
    request: Request<Req>,
    op: impl FnOnce(&'a S, PublicCtx, Req) -> Fut,
) -> Answer<Resp>
where
    S: ?Sized,
    Req: prost::Message,
    Fut: Future<Output = AppResult<Resp>> + 'a,
{
    let ctx = public_ctx_of(&request);
    let request_id = ctx.trace.request_id.clone();
    check_limits(&request).map_err(|e| to_status(e, &request_id))?;
    op(state, ctx, request.into_inner())
        .await
        .map(Response::new)
        .map_err(|e| to_status(e, &request_id))
}

/// Checks every string and list of `request` against [`crate::limits`] (by the RPC path the
/// admission layer recorded); for handlers that do not go through [`unary`], e.g. streams.
pub fn check_limits<Req: prost::Message>(request: &Request<Req>) -> Result<(), AppError> {
    match request
        .extensions()
        .get::<crate::admission::RpcPath>()
        .and_then(|p| p.service_and_method())
    {
        Some((service, method)) => crate::limits::check_request(service, method, request.get_ref()),
        None => Ok(()),
    }
}

/// An outgoing request to another service on behalf of `caller`: forwards the caller's token,
/// the request id and the trace (as a child `traceparent`).
pub fn forward<T>(caller: &Caller, trace: Option<&TraceContext>, message: T) -> Request<T> {
    let mut request = Request::new(message);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

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
            issuer: "test".into(),
            subject: "sw-1".into(),
            role: Role::SocialWorker,
            provider_id: None,
            token: "abc.def.ghi".into(),
            team: None,
            substitute_reason: None,
            identity_code: None,
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
