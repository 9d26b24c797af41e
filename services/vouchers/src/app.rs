//! The composition of the voucher service: its settings beyond the platform's ([`Settings`],
//! read once at start), the upstreams it calls and follows (the provider registry and its
//! change feed, attendance's usage feed) and the [`App`] every operation in [`crate::ops`]
//! works with. Nothing here decides anything.

use std::time::Duration;

use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::db::Database;
use seteli_platform::feed::{self, Follower};
use seteli_platform::followed_providers::FollowedProviders;
use seteli_platform::server::ServiceSettings;
use seteli_rules::prices::CeilingPrices;
use tonic::transport::Channel;

pub use seteli_platform::config::{DEFAULT_ATTENDANCE_URL, DEFAULT_PROVIDERS_URL};

/// The voucher service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_PROVIDERS_URL`: the provider registry.
    pub providers_url: String,
    /// `SETELI_DISTANCE_LIMIT_KM`: PROV-DISTANCE's limit (default 20).
    pub distance_limit_km: f64,
    /// `SETELI_SEED_CEILING_PRICES` (dev): prices recorded at start when the list is empty.
    pub seed_prices: CeilingPrices,
    /// `SETELI_EXPIRY_SWEEP_SECONDS`: how often ended vouchers are expired or completed;
    /// `None` (0) turns the schedule off.
    pub sweep_every: Option<Duration>,
    /// `SETELI_ATTENDANCE_URL`: the attendance service (its usage feed).
    pub attendance_url: String,
    /// `SETELI_ATTENDANCE_FEED_TOKEN`: the bearer token the follower calls attendance's usage
    /// feed with (vouchers' own service account: role `service`, subject `vouchers`). Unset: usage is not followed.
    pub feed_token: Option<String>,
    /// `SETELI_PROVIDERS_FEED_TOKEN`: the bearer token the follower calls the registry's change
    /// feed with (vouchers' own service account: role `service`, subject `vouchers`). Unset:
    /// providers are not followed, and their users cannot accept or start vouchers.
    pub providers_feed_token: Option<String>,
    /// `SETELI_FEED_POLL_MS`: how often the followed feeds are polled (default 1000).
    pub feed_poll: Duration,
    /// How often the registry's address is resolved again.
    pub upstream: UpstreamOptions,
    /// `SETELI_PROVIDER_ACCESS_AFTER_END_DAYS`: how long after a voucher ends its provider's
    /// users still read it and its client (default 90: the final report, the last invoice).
    pub provider_access_after_end_days: i64,
    /// `SETELI_LATE_RECORD_GRACE_DAYS`: how many days after its last valid day an unused
    /// voucher waits for late records before the sweep expires it (default 14; "nothing lost
    /// at the end", RULES.md §10). Attendance takes late records for as long.
    pub late_record_grace_days: i64,
}

impl ServiceSettings for Settings {
    fn read(config: &Config) -> Result<Self, ConfigError> {
        let limit: f64 = config.var_or(
            "SETELI_DISTANCE_LIMIT_KM",
            seteli_rules::geo::DEFAULT_DISTANCE_LIMIT_KM,
        )?;
        if !(limit.is_finite() && limit > 0.0) {
            return Err(ConfigError {
                key: "SETELI_DISTANCE_LIMIT_KM".into(),
                message: "must be a positive number of kilometres".into(),
            });
        }
        let seed_prices = CeilingPrices::parse(
            config.var("SETELI_SEED_CEILING_PRICES").unwrap_or(""),
        )
        .map_err(|message| ConfigError {
            key: "SETELI_SEED_CEILING_PRICES".into(),
            message,
        })?;
        let sweep_seconds: u64 = config.var_or("SETELI_EXPIRY_SWEEP_SECONDS", 3600)?;
        Ok(Self {
            providers_url: config.service_url("providers"),
            distance_limit_km: limit,
            seed_prices,
            sweep_every: (sweep_seconds > 0).then(|| Duration::from_secs(sweep_seconds)),
            attendance_url: config.service_url("attendance"),
            feed_token: config.text("SETELI_ATTENDANCE_FEED_TOKEN"),
            providers_feed_token: config.text("SETELI_PROVIDERS_FEED_TOKEN"),
            feed_poll: config.poll_ms("SETELI_FEED_POLL_MS", 1000)?,
            upstream: config.upstream.clone(),
            provider_access_after_end_days: config
                .days_or("SETELI_PROVIDER_ACCESS_AFTER_END_DAYS", 90)?,
            late_record_grace_days: config.days_or(
                "SETELI_LATE_RECORD_GRACE_DAYS",
                seteli_rules::ledger::LATE_RECORD_GRACE_DAYS,
            )?,
        })
    }
}

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct App {
    /// The service's database.
    pub db: Database,
    /// The provider registry.
    pub providers: Upstream<ProvidersServiceClient<Channel>>,
    /// PROV-DISTANCE's limit in km.
    pub distance_limit_km: f64,
    /// The attendance service (its usage feed).
    pub attendance: Upstream<AttendanceServiceClient<Channel>>,
    /// The usage feed's follower, as `system:usage-feed` with the configured token (none: not
    /// followed).
    pub(crate) usage_feed: Follower<UsageFeed>,
    /// The registry's change feed followed into this service's copy, as `system:provider-feed`
    /// with the configured token (none: not followed): PROVIDER-NOT-APPROVED is decided there.
    pub followed_providers: FollowedProviders,
    /// How long after a voucher ends its provider's users still read it (days).
    pub provider_access_after_end_days: i64,
    /// How long after its last valid day an unused voucher waits for late records (days).
    pub late_record_grace_days: i64,
}

/// Attendance's usage feed as this service follows it: `seteli.attendance.v1`
/// ListUsageChanges, each change setting its voucher's units used (`ops::usage_feed`).
#[derive(Debug, Clone)]
pub struct UsageFeed {
    /// The attendance service.
    pub(crate) attendance: Upstream<AttendanceServiceClient<Channel>>,
}

impl App {
    /// The operations over `db`, asking the registry named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        let providers = Upstream::of(
            "providers",
            &settings.providers_url,
            &settings.upstream,
            ProvidersServiceClient::new,
        )?;
        let attendance = Upstream::of(
            "attendance",
            &settings.attendance_url,
            &settings.upstream,
            AttendanceServiceClient::new,
        )?;
        let usage_feed = Follower::new(
            UsageFeed {
                attendance: attendance.clone(),
            },
            db.clone(),
            feed::follower("usage-feed", settings.feed_token.as_ref(), clock.clone()),
        );
        let token = settings.providers_feed_token.as_ref();
        let followed_providers =
            FollowedProviders::new(providers.clone(), db.clone(), token, clock);
        Ok(Self {
            db,
            providers,
            distance_limit_km: settings.distance_limit_km,
            attendance,
            usage_feed,
            followed_providers,
            provider_access_after_end_days: settings.provider_access_after_end_days,
            late_record_grace_days: settings.late_record_grace_days,
        })
    }

    /// Whether attendance's usage feed is followed (a token is configured).
    pub fn follows_usage(&self) -> bool {
        self.usage_feed.follows()
    }

    /// Whether the registry's change feed is followed (a token is configured).
    pub fn follows_providers(&self) -> bool {
        self.followed_providers.follows()
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let defaults = <crate::Vouchers as seteli_platform::server::Service>::DEFAULTS;
        Config::from_pairs(defaults, vars).expect("config")
    }

    fn refused_key(vars: &[(&str, &str)]) -> String {
        Settings::read(&config(vars)).expect_err("a bad value").key
    }

    #[test]
    fn defaults_follow_no_usage_feed_and_sweep_hourly() {
        let s = Settings::read(&config(&[])).expect("defaults");
        assert_eq!(s.providers_url, DEFAULT_PROVIDERS_URL);
        assert_eq!(s.attendance_url, DEFAULT_ATTENDANCE_URL);
        assert_eq!(
            s.distance_limit_km,
            seteli_rules::geo::DEFAULT_DISTANCE_LIMIT_KM
        );
        assert!(s.seed_prices.entries().is_empty());
        assert_eq!(s.sweep_every, Some(Duration::from_secs(3600)));
        assert_eq!(s.feed_token, None);
        assert_eq!(s.providers_feed_token, None);
        assert_eq!(s.feed_poll, Duration::from_millis(1000));
        assert_eq!(s.provider_access_after_end_days, 90);
        assert_eq!(s.late_record_grace_days, 14);
    }

    #[test]
    fn the_feed_token_is_trimmed_and_a_zero_sweep_turns_the_schedule_off() {
        let s = Settings::read(&config(&[
            ("SETELI_ATTENDANCE_FEED_TOKEN", "  tok.en  "),
            ("SETELI_PROVIDERS_FEED_TOKEN", " registry.tok "),
            ("SETELI_EXPIRY_SWEEP_SECONDS", "0"),
            ("SETELI_FEED_POLL_MS", "250"),
            ("SETELI_DISTANCE_LIMIT_KM", "35.5"),
            ("SETELI_PROVIDER_ACCESS_AFTER_END_DAYS", "0"),
            ("SETELI_LATE_RECORD_GRACE_DAYS", "30"),
        ]))
        .expect("valid");
        assert_eq!(s.feed_token.as_deref(), Some("tok.en"));
        assert_eq!(s.providers_feed_token.as_deref(), Some("registry.tok"));
        assert_eq!(s.sweep_every, None);
        assert_eq!(s.feed_poll, Duration::from_millis(250));
        assert_eq!(s.distance_limit_km, 35.5);
        assert_eq!(s.provider_access_after_end_days, 0);
        assert_eq!(s.late_record_grace_days, 30);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        for (key, value) in [
            ("SETELI_DISTANCE_LIMIT_KM", "0"),
            ("SETELI_DISTANCE_LIMIT_KM", "-3"),
            ("SETELI_DISTANCE_LIMIT_KM", "inf"),
            ("SETELI_DISTANCE_LIMIT_KM", "far"),
            ("SETELI_FEED_POLL_MS", "0"),
            ("SETELI_EXPIRY_SWEEP_SECONDS", "-1"),
            ("SETELI_PROVIDER_ACCESS_AFTER_END_DAYS", "-1"),
            ("SETELI_LATE_RECORD_GRACE_DAYS", "-1"),
            ("SETELI_SEED_CEILING_PRICES", "KTT_INDIVIDUAL"),
        ] {
            assert_eq!(refused_key(&[(key, value)]), key, "{key}={value}");
        }
    }
}
