//! The attendance service's composition: its settings beyond the platform's ([`Settings`]) and
//! what every operation works with ([`App`]: the database, the voucher service and the provider
//! registry as upstreams, the voucher-feed follower's identity). Built once at start by
//! `lib.rs`; the operations in [`crate::ops`] and the jobs in [`crate::jobs`] take it.

use std::sync::Arc;
use std::time::Duration;

use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::db::Database;
use seteli_platform::feed;
use seteli_platform::rpc::Ctx;
use seteli_rules::ledger::AheadReasons;
use tonic::transport::Channel;

/// Where the voucher service listens when `SETELI_VOUCHERS_URL` is not set.
pub const DEFAULT_VOUCHERS_URL: &str = "http://127.0.0.1:50052";

/// Where the provider registry listens when `SETELI_PROVIDERS_URL` is not set.
pub const DEFAULT_PROVIDERS_URL: &str = "http://127.0.0.1:50051";

/// The attendance service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_VOUCHERS_URL`: the voucher service.
    pub vouchers_url: String,
    /// `SETELI_PROVIDERS_URL`: the provider registry (the offering's group size).
    pub providers_url: String,
    /// `SETELI_VOUCHERS_FEED_TOKEN`: the bearer token the follower calls the voucher feed
    /// with (a `county_admin` or `finance_system` token). Unset: vouchers are not followed.
    pub feed_token: Option<String>,
    /// `SETELI_FEED_POLL_MS`: how often the feed is polled (default 1000).
    pub feed_poll: Duration,
    /// How often the voucher service's address is resolved again.
    pub upstream: UpstreamOptions,
    /// `SETELI_ABSENCE_REASONS_AHEAD`: the absence reasons that may be recorded before their
    /// day (ABS-RECORD, RULES.md §10), comma-separated `AbsenceReason` codes plus
    /// `OWN_ILLNESS_CERTIFIED`; default `JOB_INTERVIEW,PUBLIC_OFFICE,OWN_ILLNESS_CERTIFIED`.
    pub absences_ahead: AheadReasons,
}

impl Settings {
    /// Reads the settings; a bad value names its key.
    pub fn read(config: &Config) -> Result<Self, ConfigError> {
        let poll_ms: u64 = config.var_or("SETELI_FEED_POLL_MS", 1000)?;
        if poll_ms == 0 {
            return Err(ConfigError {
                key: "SETELI_FEED_POLL_MS".into(),
                message: "must be at least 1".into(),
            });
        }
        Ok(Self {
            vouchers_url: config
                .var("SETELI_VOUCHERS_URL")
                .unwrap_or(DEFAULT_VOUCHERS_URL)
                .to_owned(),
            providers_url: config
                .var("SETELI_PROVIDERS_URL")
                .unwrap_or(DEFAULT_PROVIDERS_URL)
                .to_owned(),
            feed_token: config
                .var("SETELI_VOUCHERS_FEED_TOKEN")
                .map(|t| t.trim().to_owned()),
            feed_poll: Duration::from_millis(poll_ms),
            upstream: config.upstream.clone(),
            absences_ahead: match config.var("SETELI_ABSENCE_REASONS_AHEAD") {
                None => AheadReasons::default(),
                Some(list) => AheadReasons::parse(list).map_err(|code| ConfigError {
                    key: "SETELI_ABSENCE_REASONS_AHEAD".into(),
                    message: format!(
                        "{code} is no absence reason (JOB_INTERVIEW, PUBLIC_OFFICE, OWN_ILLNESS_CERTIFIED, …)"
                    ),
                })?,
            },
        })
    }
}

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct App {
    /// The service's database.
    pub db: Database,
    /// The voucher service.
    pub vouchers: Upstream<VouchersServiceClient<Channel>>,
    /// The provider registry.
    pub providers: Upstream<ProvidersServiceClient<Channel>>,
    /// The follower's identity (`system:voucher-feed` with the configured token), if any.
    pub(crate) feed_ctx: Option<Ctx>,
    /// One catch-up at a time in this process (replicas are kept apart by the cursor lock).
    pub(crate) feed_lock: Arc<tokio::sync::Mutex<()>>,
    /// The absence reasons that may be recorded before their day ([`Settings::absences_ahead`]).
    pub absences_ahead: Arc<AheadReasons>,
}

impl App {
    /// The operations over `db`, following the voucher service named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        let vouchers = Upstream::connect(
            "vouchers",
            "SETELI_VOUCHERS_URL",
            &settings.vouchers_url,
            &settings.upstream,
            VouchersServiceClient::new,
        )?;
        let providers = Upstream::connect(
            "providers",
            "SETELI_PROVIDERS_URL",
            &settings.providers_url,
            &settings.upstream,
            ProvidersServiceClient::new,
        )?;
        let feed_ctx = feed::follower("voucher-feed", settings.feed_token.as_ref(), clock.clone());
        Ok(Self {
            db,
            vouchers,
            providers,
            feed_ctx,
            feed_lock: Arc::new(tokio::sync::Mutex::new(())),
            absences_ahead: Arc::new(settings.absences_ahead.clone()),
        })
    }

    /// Whether the voucher feed is followed (a token is configured).
    pub fn follows_feed(&self) -> bool {
        self.feed_ctx.is_some()
    }
}
