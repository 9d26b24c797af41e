//! Admission: how many calls a service works on at once, and what the operations learn about
//! the call's route.
//!
//! Every call but the health checks takes a permit from one semaphore of
//! `SETELI_MAX_CONCURRENT_REQUESTS` permits (default 512) until its answer is ready. When none
//! is left the call is shed at once with `RESOURCE_EXHAUSTED` (and `RetryInfo`), instead of
//! queueing without bound and holding memory and database connections: a burst makes some
//! callers retry, not the whole pod fall over. Health checks are never shed, so an overloaded
//! pod is not restarted for being busy. Counted as `seteli_requests_shed_total`.
//!
//! The layer also puts the call's [`RpcPath`] into the request's extensions, so the RPC
//! boundary (the `rpc` module, above this one) knows which method's limits to check
//! ([`crate::limits`]).

use std::sync::Arc;
use std::task::{Context, Poll};

use futures::future::BoxFuture;
use http::{Request, Response};
use tokio::sync::Semaphore;
use tonic::Status;
use tonic_types::{ErrorDetails, StatusExt};
use tower::{Layer, Service};

use crate::catalogue::REQUESTS_SHED;

/// Default of `SETELI_MAX_CONCURRENT_REQUESTS`.
pub const DEFAULT_MAX_CONCURRENT_REQUESTS: usize = 512;

/// The HTTP/2 path of the call, e.g. `/seteli.vouchers.v1.VouchersService/GetVoucher`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RpcPath(pub String);

impl RpcPath {
    /// The fully qualified service and the method name, when the path has that shape.
    pub fn service_and_method(&self) -> Option<(&str, &str)> {
        self.0.strip_prefix('/')?.split_once('/')
    }
}

/// The [`Layer`] that admits calls (see the module documentation).
#[derive(Debug, Clone)]
pub struct AdmissionLayer {
    permits: Arc<Semaphore>,
    /// `seteli_requests_shed_total` of the service.
    shed: metrics::Counter,
}

impl AdmissionLayer {
    /// At most `max_concurrent` calls at once (health checks aside) to `service`, whose shed
    /// calls are counted from 0 on (a series shown before its first event, so `rate()` and
    /// alerts see it).
    pub fn new(service: &'static str, max_concurrent: usize) -> Self {
        let shed = metrics::counter!(REQUESTS_SHED.name, "service" => service);
        shed.increment(0);
        Self {
            permits: Arc::new(Semaphore::new(max_concurrent.max(1))),
            shed,
        }
    }
}

impl<S> Layer<S> for AdmissionLayer {
    type Service = Admission<S>;

    fn layer(&self, inner: S) -> Admission<S> {
        Admission {
            inner,
            permits: self.permits.clone(),
            shed: self.shed.clone(),
        }
    }
}

/// The service [`AdmissionLayer`] wraps around the routes.
#[derive(Debug, Clone)]
pub struct Admission<S> {
    inner: S,
    permits: Arc<Semaphore>,
    shed: metrics::Counter,
}

impl<S, B, RB> Service<Request<B>> for Admission<S>
where
    S: Service<Request<B>, Response = Response<RB>> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Error: Send + 'static,
    RB: Default + Send + 'static,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = BoxFuture<'static, Result<Self::Response, Self::Error>>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut req: Request<B>) -> Self::Future {
        let path = req.uri().path().to_owned();
        let health = path.starts_with("/grpc.health.v1.Health/");
        req.extensions_mut().insert(RpcPath(path));
        if health {
            return Box::pin(self.inner.call(req));
        }
        match self.permits.clone().try_acquire_owned() {
            Ok(permit) => {
                let answer = self.inner.call(req);
                Box::pin(async move {
                    let answer = answer.await;
                    drop(permit);
                    answer
                })
            }
            Err(_) => {
                self.shed.increment(1);
                let mut details = ErrorDetails::new();
                details.set_retry_info(Some(crate::status::RETRY_AFTER));
                let status = Status::with_error_details(
                    tonic::Code::ResourceExhausted,
                    "the service is at its limit of concurrent calls; retry",
                    details,
                );
                Box::pin(async move { Ok(status.into_http()) })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_names_its_service_and_method() {
        let path = RpcPath("/seteli.vouchers.v1.VouchersService/GetVoucher".into());
        assert_eq!(
            path.service_and_method(),
            Some(("seteli.vouchers.v1.VouchersService", "GetVoucher"))
        );
        assert_eq!(RpcPath("garbage".into()).service_and_method(), None);
    }
}
