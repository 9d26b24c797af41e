//! Calls to other services' published contracts: `providers` (is this provider approved for
//! this service, how far is its nearest place of service). The caller's token and trace are
//! forwarded ([`seteli_platform::server::forward`]).

use std::time::Duration;

use seteli_api::common::v1::Coordinates;
use seteli_api::providers::v1 as ppb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::server::forward;
use seteli_platform::telemetry::TraceContext;
use tonic::Code;
use tonic::transport::Channel;

/// A client of `seteli.providers.v1.ProvidersService` (connects lazily).
#[derive(Debug, Clone)]
pub struct Providers {
    client: ProvidersServiceClient<Channel>,
}

impl Providers {
    /// A client of the registry at `url` (e.g. `http://127.0.0.1:50051`).
    pub fn new(url: &str, resolve_every: Duration) -> anyhow::Result<Self> {
        let channel = seteli_platform::client::channel(url, resolve_every)?;
        Ok(Self {
            client: ProvidersServiceClient::new(channel),
        })
    }

    /// `CheckProviderForService` on behalf of `caller`.
    pub async fn check(
        &self,
        caller: &Caller,
        trace: Option<&TraceContext>,
        provider_id: &str,
        service_type: i32,
        near: Coordinates,
    ) -> Result<ppb::CheckProviderForServiceResponse, AppError> {
        let request = forward(
            caller,
            trace,
            ppb::CheckProviderForServiceRequest {
                provider_id: provider_id.to_owned(),
                service_type,
                near: Some(near),
            },
        );
        let mut client = self.client.clone();
        let call = async move { Ok(client.check_provider_for_service(request).await) };
        match seteli_platform::client::with_deadline("providers", call).await? {
            Ok(r) => Ok(r.into_inner()),
            Err(status) => Err(map_status(&status, provider_id)),
        }
    }
}

fn map_status(status: &tonic::Status, provider_id: &str) -> AppError {
    match status.code() {
        Code::NotFound => AppError::NotFound(format!("provider {provider_id}")),
        Code::InvalidArgument => AppError::invalid("provider_id", status.message().to_owned()),
        Code::PermissionDenied => AppError::PermissionDenied(status.message().to_owned()),
        Code::Unauthenticated => AppError::Unauthenticated(status.message().to_owned()),
        code => {
            tracing::warn!(?code, message = status.message(), "providers call failed");
            AppError::Unavailable("the provider registry cannot be reached; retry later".into())
        }
    }
}
