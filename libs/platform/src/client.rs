//! Channels to other Seteli services, balanced per call.
//!
//! gRPC multiplexes every call on one long-lived HTTP/2 connection, so a single connection to a
//! Kubernetes Service name would pin a client to one pod. For a host name, [`channel`] resolves
//! it every `SETELI_UPSTREAM_RESOLVE_SECONDS` (headless Services answer with every ready pod),
//! keeps a connection per address and spreads calls over them (tonic's power-of-two-choices
//! balancer); addresses that leave DNS (drained, gone) are dropped. An IP address is used as it
//! is. Every call also gets a deadline ([`with_deadline`]), so a call never waits for ever for
//! an address to appear. An `https://` URL is called over TLS (rustls), trusting
//! `SETELI_UPSTREAM_CA_FILE` (issue 14); the caller's token is forwarded either way.

use std::collections::HashSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use tonic::transport::channel::Change;
use tonic::transport::{Certificate, Channel, ClientTlsConfig, Endpoint};

use crate::config::ConfigError;
use crate::error::AppError;
use crate::rpc::Ctx;

pub use crate::config::UpstreamOptions;

/// How long one call to another service may take before it counts as unavailable.
pub const CALL_DEADLINE: Duration = Duration::from_secs(10);

/// The TLS settings for an `https://` upstream whose certificate names `host`: signed by
/// `options.ca_file`, or by a system root when it is unset.
fn tls_for(options: &UpstreamOptions, host: &str) -> anyhow::Result<ClientTlsConfig> {
    let tls = ClientTlsConfig::new().domain_name(host);
    Ok(match &options.ca_file {
        Some(path) => {
            let pem = std::fs::read(path)
                .map_err(|e| anyhow::anyhow!("SETELI_UPSTREAM_CA_FILE {}: {e}", path.display()))?;
            tls.ca_certificate(Certificate::from_pem(pem))
        }
        None => tls.with_native_roots(),
    })
}

fn endpoint(uri: String, tls: Option<&ClientTlsConfig>) -> anyhow::Result<Endpoint> {
    let endpoint = Endpoint::from_shared(uri)?
        .connect_timeout(Duration::from_secs(3))
        .timeout(CALL_DEADLINE)
        // Small calls must not wait behind Nagle's algorithm and delayed ACKs (tonic's default
        // is the same; said here so it stays so).
        .tcp_nodelay(true)
        .tcp_keepalive(Some(Duration::from_secs(30)))
        .http2_keep_alive_interval(Duration::from_secs(30))
        .keep_alive_while_idle(true);
    Ok(match tls {
        Some(tls) => endpoint.tls_config(tls.clone())?,
        None => endpoint,
    })
}

/// A channel to the service at `url` (`http://name:port`, `https://name:port` or an IP address
/// in place of the name), resolving a host name every `options.resolve_every`. Over `https`
/// the certificate must name the URL's host and be signed by `options.ca_file` (or a system
/// root). Must be called inside the Tokio runtime.
pub fn channel(url: &str, options: &UpstreamOptions) -> anyhow::Result<Channel> {
    let uri: http::Uri = url.parse()?;
    let scheme = uri.scheme_str().unwrap_or("http").to_owned();
    let host = uri
        .host()
        .ok_or_else(|| anyhow::anyhow!("{url}: no host"))?
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_owned();
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });
    let tls = match scheme.as_str() {
        "https" => Some(tls_for(options, &host)?),
        "http" => None,
        other => anyhow::bail!("{url}: scheme {other} is neither http nor https"),
    };
    if host.parse::<IpAddr>().is_ok() {
        return Ok(endpoint(url.to_owned(), tls.as_ref())?.connect_lazy());
    }
    let resolve_every = options.resolve_every;
    let (channel, changes) = Channel::balance_channel::<SocketAddr>(64);
    tokio::spawn(async move {
        let mut known: HashSet<SocketAddr> = HashSet::new();
        loop {
            match tokio::net::lookup_host((host.as_str(), port)).await {
                Ok(found) => {
                    let now: HashSet<SocketAddr> = found.collect();
                    for gone in known.difference(&now) {
                        if changes.send(Change::Remove(*gone)).await.is_err() {
                            return;
                        }
                    }
                    for new in now.difference(&known) {
                        let Ok(ep) = endpoint(format!("{scheme}://{new}"), tls.as_ref()) else {
                            continue;
                        };
                        if changes.send(Change::Insert(*new, ep)).await.is_err() {
                            return;
                        }
                    }
                    if now != known {
                        tracing::info!(%host, addresses = now.len(), "upstream addresses changed");
                    }
                    known = now;
                }
                // Keep the addresses we had: a DNS hiccup must not empty the balancer.
                Err(e) => tracing::warn!(%host, error = %e, "cannot resolve upstream"),
            }
            if changes.is_closed() {
                return;
            }
            tokio::time::sleep(resolve_every).await;
        }
    });
    Ok(channel)
}

/// Runs a call to another service with [`CALL_DEADLINE`]; past it the call is `UNAVAILABLE`
/// naming `service`.
pub async fn with_deadline<T>(
    service: &str,
    call: impl Future<Output = Result<T, AppError>>,
) -> Result<T, AppError> {
    tokio::time::timeout(CALL_DEADLINE, call)
        .await
        .unwrap_or_else(|_| {
            Err(AppError::Unavailable(format!(
                "the {service} service did not answer in time; retry later"
            )))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;

    #[tokio::test]
    async fn a_host_name_is_resolved_and_called() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let (_reporter, health) = tonic_health::server::health_reporter();
        let server = tokio::spawn(
            tonic::transport::Server::builder()
                .add_service(health)
                .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
        );
        let channel = channel(
            &format!("http://localhost:{port}"),
            &UpstreamOptions::resolving_every(Duration::from_secs(1)),
        )
        .expect("channel");
        let answer = with_deadline("test", async {
            HealthClient::new(channel)
                .check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map_err(|s| AppError::Unavailable(s.to_string()))
        })
        .await
        .expect("answered through the balancer");
        assert_eq!(answer.into_inner().status, 1);
        server.abort();
    }

    #[tokio::test]
    async fn a_name_that_never_resolves_is_unavailable_not_a_hang() {
        let channel = channel(
            "http://no-such-host.invalid:50051",
            &UpstreamOptions::resolving_every(Duration::from_secs(60)),
        )
        .expect("channel");
        let started = std::time::Instant::now();
        let err = tokio::time::timeout(
            CALL_DEADLINE + Duration::from_secs(5),
            with_deadline("test", async {
                HealthClient::new(channel)
                    .check(HealthCheckRequest {
                        service: String::new(),
                    })
                    .await
                    .map_err(|s| AppError::Unavailable(s.to_string()))
            }),
        )
        .await
        .expect("bounded by the deadline")
        .expect_err("no address");
        assert!(matches!(err, AppError::Unavailable(_)), "{err:?}");
        assert!(started.elapsed() >= Duration::from_secs(1));
    }
}

/// A client of another Seteli service's published contract: a generated client `C` over a
/// balanced [`channel`], called on behalf of the operation's caller with its token and trace
/// forwarded, a deadline, and one mapping of the downstream status ([`downstream_error`]).
#[derive(Debug, Clone)]
pub struct Upstream<C> {
    service: &'static str,
    client: C,
}

impl<C: Clone> Upstream<C> {
    /// A client of `service` at `url` (read from the setting `key`), made from a channel by
    /// `make` (e.g. `ProvidersServiceClient::new`). A URL that is no URL is a [`ConfigError`]
    /// naming `key`. Connects lazily; must be called inside the runtime.
    pub fn connect(
        service: &'static str,
        key: &str,
        url: &str,
        options: &UpstreamOptions,
        make: impl FnOnce(Channel) -> C,
    ) -> Result<Self, ConfigError> {
        let channel = channel(url, options).map_err(|e| ConfigError {
            key: key.to_owned(),
            message: e.to_string(),
        })?;
        Ok(Self {
            service,
            client: make(channel),
        })
    }

    /// [`Upstream::connect`] with the setting named as every service names it
    /// ([`url_key`](crate::config::url_key)`(service)`, e.g. `SETELI_VOUCHERS_URL`).
    pub fn of(
        service: &'static str,
        url: &str,
        options: &UpstreamOptions,
        make: impl FnOnce(Channel) -> C,
    ) -> Result<Self, ConfigError> {
        Self::connect(
            service,
            &crate::config::url_key(service),
            url,
            options,
            make,
        )
    }

    /// Calls `rpc` with `message` on behalf of `ctx`'s caller.
    pub async fn call<M, T, Fut>(
        &self,
        ctx: &Ctx,
        message: M,
        rpc: impl FnOnce(C, tonic::Request<M>) -> Fut,
    ) -> Result<T, AppError>
    where
        Fut: Future<Output = Result<tonic::Response<T>, tonic::Status>>,
    {
        let call = rpc(self.client.clone(), ctx.forward(message));
        let service = self.service;
        with_deadline(service, async move {
            call.await
                .map(tonic::Response::into_inner)
                .map_err(|status| downstream_error(service, &status))
        })
        .await
    }
}

/// What a status from another service means to our caller: the caller's own mistakes
/// (not found, invalid, not allowed, a refused precondition) pass through with their message;
/// anything else means the dependency cannot serve now, `UNAVAILABLE` (retryable).
pub fn downstream_error(service: &str, status: &tonic::Status) -> AppError {
    use tonic::Code;
    let message = format!("{service}: {}", status.message());
    match status.code() {
        Code::NotFound => AppError::NotFound(message),
        Code::InvalidArgument => AppError::InvalidArgument(
            tonic_types::StatusExt::get_error_details(status)
                .bad_request()
                .map(|b| {
                    b.field_violations
                        .iter()
                        .map(|f| crate::error::FieldViolation {
                            field: f.field.clone(),
                            description: format!("{service}: {}", f.description),
                        })
                        .collect()
                })
                .filter(|v: &Vec<_>| !v.is_empty())
                .unwrap_or_else(|| {
                    vec![crate::error::FieldViolation {
                        field: String::new(),
                        description: message.clone(),
                    }]
                }),
        ),
        Code::FailedPrecondition => AppError::StateConflict(message),
        Code::PermissionDenied => AppError::PermissionDenied(message),
        Code::Unauthenticated => AppError::Unauthenticated(message),
        code => {
            tracing::warn!(
                service,
                ?code,
                message = status.message(),
                "upstream call failed"
            );
            AppError::Unavailable(format!(
                "the {service} service cannot answer now; retry later"
            ))
        }
    }
}
