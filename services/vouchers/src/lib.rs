//! The voucher service (palveluseteli) of Seteli: `seteli.vouchers.v1`.
//!
//! Clients (identity code checked and masked, every access audited), the county's ceiling
//! price lists with history, service decisions checked against the rulebooks
//! (`seteli_rules`: eligibility, terms, value, extension) and the vouchers they create, the
//! client's choice of provider (checked with `providers`: approval, offering, PROV-DISTANCE)
//! and the provider's acceptance (PROC-COACH, KTT-STEWARD), the life cycle ISSUED → ASSIGNED →
//! ACTIVE → COMPLETED (or INTERRUPTED, CANCELLED, EXPIRED), units used, and a change feed that
//! `attendance` and `reporting` follow by sequence number.
//!
//! [`serve`] is the whole service; `main.rs` only reads the environment and calls it.

pub mod api;
pub mod domain;
pub mod jobs;
pub mod store;
pub mod upstream;

use futures::future::BoxFuture;
use seteli_api::vouchers::v1::vouchers_service_server::VouchersServiceServer;
use seteli_platform::config::{Config, ConfigError, ServiceDefaults};
use seteli_platform::db::MigrationFile;
use seteli_platform::server::Platform;
use tokio::net::TcpListener;
use tonic::service::Routes;
use tonic::service::interceptor::InterceptedService;

/// Local defaults: gRPC on 50052, metrics on 9102, `data/vouchers.db`.
pub const DEFAULTS: ServiceDefaults = ServiceDefaults {
    name: "vouchers",
    grpc_port: 50052,
    metrics_port: 9102,
};

/// The service's migrations (platform tables come first, automatically).
pub const MIGRATIONS: &[MigrationFile] = &[MigrationFile {
    version: 100,
    description: "vouchers",
    sql: include_str!("../migrations/0100_vouchers.sql"),
}];

/// Where the provider registry listens when `SETELI_PROVIDERS_URL` is not set.
pub const DEFAULT_PROVIDERS_URL: &str = "http://127.0.0.1:50051";

/// Serves the voucher service on `listener` until `shutdown` resolves, then drains.
///
/// Service configuration beyond the platform's: `SETELI_PROVIDERS_URL` (the provider
/// registry, default [`DEFAULT_PROVIDERS_URL`]) and `SETELI_DISTANCE_LIMIT_KM` (PROV-DISTANCE,
/// default 20), `SETELI_EXPIRY_SWEEP_SECONDS` (how often vouchers whose end passed are expired
/// or completed; default 3600, 0 turns the schedule off) and `SETELI_SEED_CEILING_PRICES`
/// (dev: prices recorded at start when the price list is empty; format of
/// [`seteli_rules::prices::CeilingPrices::parse`]).
pub async fn serve(
    config: Config,
    listener: TcpListener,
    shutdown: BoxFuture<'static, ()>,
) -> anyhow::Result<()> {
    let providers_url = config
        .var("SETELI_PROVIDERS_URL")
        .unwrap_or(DEFAULT_PROVIDERS_URL)
        .to_owned();
    let providers = upstream::Providers::new(&providers_url, config.upstream_resolve_every)
        .map_err(|e| ConfigError {
            key: "SETELI_PROVIDERS_URL".into(),
            message: e.to_string(),
        })?;
    let limit: f64 = config.var_or(
        "SETELI_DISTANCE_LIMIT_KM",
        seteli_rules::geo::DEFAULT_DISTANCE_LIMIT_KM,
    )?;
    if !(limit.is_finite() && limit > 0.0) {
        return Err(ConfigError {
            key: "SETELI_DISTANCE_LIMIT_KM".into(),
            message: "must be a positive number of kilometres".into(),
        }
        .into());
    }
    let seed = seteli_rules::prices::CeilingPrices::parse(
        config.var("SETELI_SEED_CEILING_PRICES").unwrap_or(""),
    )
    .map_err(|message| ConfigError {
        key: "SETELI_SEED_CEILING_PRICES".into(),
        message,
    })?;
    let sweep_every: u64 = config.var_or("SETELI_EXPIRY_SWEEP_SECONDS", 3600)?;
    let platform = Platform::start(config, MIGRATIONS).await?;
    jobs::seed_prices(&platform.db, &seed).await?;
    // Stops with the runtime's task when `serve` returns (the guard aborts it).
    let sweeper = (sweep_every > 0).then(|| {
        AbortOnDrop(tokio::spawn(jobs::sweep_periodically(
            platform.db.clone(),
            std::time::Duration::from_secs(sweep_every),
        )))
    });
    let api = api::VouchersApi::new(platform.db.clone(), providers, limit);
    let routes = Routes::new(InterceptedService::new(
        VouchersServiceServer::new(api),
        platform.authenticator(),
    ));
    let result = platform
        .serve(
            routes,
            &["seteli.vouchers.v1.VouchersService"],
            listener,
            shutdown,
        )
        .await;
    drop(sweeper);
    result
}

/// Aborts a background task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
