//! The provider registry (palveluntuottajarekisteri) of Seteli: `seteli.providers.v1`.
//!
//! Providers with their legal form and Y-tunnus, places of service with coordinates, the
//! services they offer at their own prices, staff qualifications, documents and Soteri
//! classes, and the county's approval of them (DRAFT → SUBMITTED → APPROVED/REJECTED,
//! APPROVED ↔ SUSPENDED, REVOKED). Submitting and approving check every approval rule of
//! `seteli_rules::provider` at once. Clients choosing a provider search approved ones near a
//! point (PROV-DISTANCE).
//!
//! [`serve`] is the whole service; `main.rs` only reads the environment and calls it.

pub mod api;
pub mod domain;
pub mod prices;
pub mod store;

use futures::future::BoxFuture;
use seteli_api::providers::v1::providers_service_server::ProvidersServiceServer;
use seteli_platform::config::{Config, ServiceDefaults};
use seteli_platform::db::MigrationFile;
use seteli_platform::server::Platform;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;

/// Local defaults: gRPC on 50051, metrics on 9101, `data/providers.db`.
pub const DEFAULTS: ServiceDefaults = ServiceDefaults {
    name: "providers",
    grpc_port: 50051,
    metrics_port: 9101,
};

/// The registry's migrations (platform tables come first, automatically).
pub const MIGRATIONS: &[MigrationFile] = &[MigrationFile {
    version: 100,
    description: "provider registry",
    sql: include_str!("../migrations/0100_providers.sql"),
}];

/// Serves the registry on `listener` until `shutdown` resolves, then drains.
///
/// Service configuration beyond the platform's: `SETELI_VOUCHERS_URL`, the vouchers service
/// whose ceiling price lists PROV-PRICE reads; when unset, `SETELI_CEILING_PRICES` (see
/// [`domain::CeilingPrices`]).
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: BoxFuture<'static, ()>,
) -> anyhow::Result<()> {
    let prices = match config.var("SETELI_VOUCHERS_URL") {
        Some(url) => prices::CeilingPriceSource::vouchers(url, config.upstream_resolve_every)
            .map_err(|e| anyhow::anyhow!("configuration key SETELI_VOUCHERS_URL: {e}"))?,
        None => prices::CeilingPriceSource::Config(
            domain::CeilingPrices::parse(config.var("SETELI_CEILING_PRICES").unwrap_or(""))
                .map_err(|e| anyhow::anyhow!("configuration key SETELI_CEILING_PRICES: {e}"))?,
        ),
    };
    let platform = Platform::start(config, MIGRATIONS).await?;
    let api = api::ProvidersApi::new(platform.db.clone(), prices);
    let routes = Routes::new(InterceptedService::new(
        ProvidersServiceServer::new(api),
        platform.authenticator(),
    ));
    platform
        .serve(
            routes,
            &["seteli.providers.v1.ProvidersService"],
            listener,
            shutdown,
        )
        .await
}
