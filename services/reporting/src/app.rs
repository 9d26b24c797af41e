//! The reporting service's composition: its settings beyond the platform's ([`Settings`]) and
//! what every operation works with ([`App`]: the database, the voucher service and its feed
//! follower ([`VoucherFeed`]), the county's name for printing, and the attendance service with
//! its alert-feed follower ([`AttendanceLink`], [`AlertFeed`]), and the provider registry asked
//! with the service's own account ([`App::service_ctx`])). Built once at start by
//! `lib.rs`; the operations in [`crate::ops`] and the jobs in [`crate::jobs`] take it; what a
//! followed change does is in `ops/voucher_feed.rs` and `ops/alert_feed.rs`.

use std::time::Duration;

use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::db::Database;
use seteli_platform::feed::{self, Follower};
use seteli_platform::rpc::Ctx;
use seteli_platform::server::ServiceSettings;
use seteli_rules::process::ProcessConfig;
use tonic::transport::Channel;

pub use seteli_platform::config::{
    DEFAULT_ATTENDANCE_URL, DEFAULT_PROVIDERS_URL, DEFAULT_VOUCHERS_URL,
};

/// The county printed on reports when `SETELI_COUNTY_NAME` is not set: the county whose
/// rulebooks Seteli follows.
pub const DEFAULT_COUNTY_NAME: &str = "Pohjois-Savon hyvinvointialue";

/// The reporting service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_VOUCHERS_URL`: the voucher service.
    pub vouchers_url: String,
    /// `SETELI_VOUCHERS_FEED_TOKEN`: the bearer token the follower calls the voucher feed
    /// with (reporting's own service account: role `service`, subject `reporting`). Unset: vouchers are not followed.
    pub feed_token: Option<String>,
    /// `SETELI_FEED_POLL_MS`: how often the feed is polled (default 1000).
    pub feed_poll: Duration,
    /// How often the voucher service's address is resolved again.
    pub upstream: UpstreamOptions,
    /// `SETELI_COUNTY_NAME`: the county's name printed on report PDFs (REP-DELIVERY); default
    /// [`DEFAULT_COUNTY_NAME`].
    pub county_name: String,
    /// `SETELI_ATTENDANCE_URL`: the attendance service (its alert feed, and on-demand reads for
    /// Kela absence notices and the follow-up).
    pub attendance_url: String,
    /// `SETELI_ATTENDANCE_FEED_TOKEN`: the bearer token the alert follower (and the follow-up's
    /// figures) call attendance with (reporting's own service account). Unset: alerts are not followed.
    pub attendance_feed_token: Option<String>,
    /// `SETELI_NOTIFY_WITHIN_BUSINESS_DAYS`: the business days "without delay" allows a notice
    /// to the social worker (NOTIFY-CHANGE, PROC-INTERRUPT, PROV-DAMAGE-NOTICE; default 1).
    pub notify_within_business_days: u32,
    /// `SETELI_PROVIDERS_URL`: the provider registry (the sender's name, business id and
    /// contact person on Kela's absence notice), asked with the service's own account.
    pub providers_url: String,
}

impl ServiceSettings for Settings {
    fn read(config: &Config) -> Result<Self, ConfigError> {
        Ok(Self {
            vouchers_url: config.service_url("vouchers"),
            feed_token: config.text("SETELI_VOUCHERS_FEED_TOKEN"),
            feed_poll: config.poll_ms("SETELI_FEED_POLL_MS", 1000)?,
            upstream: config.upstream.clone(),
            county_name: config
                .text("SETELI_COUNTY_NAME")
                .unwrap_or_else(|| DEFAULT_COUNTY_NAME.to_owned()),
            attendance_url: config.service_url("attendance"),
            attendance_feed_token: config.text("SETELI_ATTENDANCE_FEED_TOKEN"),
            notify_within_business_days: config.var_or(
                "SETELI_NOTIFY_WITHIN_BUSINESS_DAYS",
                ProcessConfig::default().notify_within_business_days,
            )?,
            providers_url: config.service_url("providers"),
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
    /// The voucher feed's follower, as `system:voucher-feed` with the configured token (none:
    /// not followed).
    pub(crate) voucher_feed: Follower<VoucherFeed>,
    /// The county's name on printed reports (`SETELI_COUNTY_NAME`).
    pub county_name: String,
    /// The attendance service: its alert feed and on-demand reads (notices, Kela, follow-up).
    pub attendance: AttendanceLink,
    /// The provider registry: the provider on Kela's absence notice.
    pub providers: Upstream<ProvidersServiceClient<Channel>>,
    /// The service's own account's bearer token (role `service`, subject `reporting`): the
    /// token it follows the voucher feed with, else the one it follows attendance with (both
    /// are reporting's service account; no third secret to rotate). None: neither is set.
    service_token: Option<String>,
}

impl App {
    /// The operations over `db`, following the voucher service named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        let vouchers = Upstream::of(
            "vouchers",
            &settings.vouchers_url,
            &settings.upstream,
            VouchersServiceClient::new,
        )?;
        let attendance = AttendanceLink::new(settings, &db, clock.clone())?;
        let voucher_feed = Follower::new(
            VoucherFeed {
                vouchers: vouchers.clone(),
                notify: attendance.notify,
                clock: clock.clone(),
            },
            db.clone(),
            feed::follower("voucher-feed", settings.feed_token.as_ref(), clock),
        );
        Ok(Self {
            db,
            vouchers,
            voucher_feed,
            county_name: settings.county_name.clone(),
            attendance,
            providers: Upstream::of(
                "providers",
                &settings.providers_url,
                &settings.upstream,
                ProvidersServiceClient::new,
            )?,
            service_token: settings
                .feed_token
                .clone()
                .or_else(|| settings.attendance_feed_token.clone()),
        })
    }

    /// `ctx` with the service's own account's token in place of the caller's (the trace and
    /// request id stay the caller's), for what reporting asks on its own behalf; None when no
    /// service account token is configured.
    pub fn service_ctx(&self, ctx: &Ctx) -> Option<Ctx> {
        let token = self.service_token.clone()?;
        let mut own = ctx.clone();
        own.caller.token = token;
        Some(own)
    }

    /// Whether the voucher feed is followed (a token is configured).
    pub fn follows_feed(&self) -> bool {
        self.voucher_feed.follows()
    }
}

/// The voucher feed as reporting follows it: `seteli.vouchers.v1` ListVoucherChanges, each
/// change applied with all it means here (`ops::voucher_feed`).
#[derive(Debug, Clone)]
pub struct VoucherFeed {
    /// The voucher service.
    pub(crate) vouchers: Upstream<VouchersServiceClient<Channel>>,
    /// "Without delay" for the PROC-INTERRUPT notice an interruption makes.
    pub(crate) notify: ProcessConfig,
    /// The service's clock (when a followed notice reached the inbox).
    pub(crate) clock: Clock,
}

/// The attendance service as reporting uses it: the alert feed it follows, and the calls
/// Kela absence notices and the follow-up make.
#[derive(Debug, Clone)]
pub struct AttendanceLink {
    /// The attendance service.
    pub client: Upstream<AttendanceServiceClient<Channel>>,
    /// The alert feed's follower, as `system:attendance-feed` with the configured token (none:
    /// not followed).
    pub(crate) alerts: Follower<AlertFeed>,
    /// "Without delay" for NOTIFY-CHANGE, PROC-INTERRUPT and PROV-DAMAGE-NOTICE.
    pub notify: ProcessConfig,
}

impl AttendanceLink {
    /// The attendance service named in `settings`, followed when a token is configured.
    pub fn new(settings: &Settings, db: &Database, clock: Clock) -> anyhow::Result<Self> {
        let client = Upstream::of(
            "attendance",
            &settings.attendance_url,
            &settings.upstream,
            AttendanceServiceClient::new,
        )?;
        let alerts = Follower::new(
            AlertFeed {
                attendance: client.clone(),
                clock: clock.clone(),
            },
            db.clone(),
            feed::follower(
                "attendance-feed",
                settings.attendance_feed_token.as_ref(),
                clock,
            ),
        );
        Ok(Self {
            client,
            alerts,
            notify: ProcessConfig {
                notify_within_business_days: settings.notify_within_business_days,
                ..ProcessConfig::default()
            },
        })
    }

    /// Whether the alert feed is followed (a token is configured).
    pub fn follows_feed(&self) -> bool {
        self.alerts.follows()
    }

    /// The service's own identity towards attendance, when configured.
    pub fn service_ctx(&self) -> Option<&Ctx> {
        self.alerts.ctx()
    }
}

/// Attendance's alert feed as reporting follows it: `seteli.attendance.v1` ListAlertChanges,
/// the alerts the social worker must know of becoming notices (`ops::alert_feed`).
#[derive(Debug, Clone)]
pub struct AlertFeed {
    /// The attendance service.
    pub(crate) attendance: Upstream<AttendanceServiceClient<Channel>>,
    /// The service's clock (when a followed notice reached the inbox).
    pub(crate) clock: Clock,
}

#[cfg(test)]
mod tests {
    use seteli_platform::server::Service;

    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let config = Config::from_pairs(crate::Reporting::DEFAULTS, vars).expect("config");
        Settings::read(&config)
    }

    #[test]
    fn the_defaults_follow_nothing_and_print_the_county_of_the_rulebooks() {
        let s = read(&[]).expect("defaults");
        assert_eq!(s.vouchers_url, DEFAULT_VOUCHERS_URL);
        assert_eq!(s.attendance_url, DEFAULT_ATTENDANCE_URL);
        assert_eq!(s.providers_url, DEFAULT_PROVIDERS_URL);
        assert_eq!(s.county_name, DEFAULT_COUNTY_NAME);
        assert!(s.feed_token.is_none() && s.attendance_feed_token.is_none());
        assert_eq!(s.feed_poll, Duration::from_millis(1000));
        assert_eq!(
            s.notify_within_business_days,
            ProcessConfig::default().notify_within_business_days
        );
    }

    #[test]
    fn given_values_are_trimmed_and_kept() {
        let s = read(&[
            ("SETELI_VOUCHERS_URL", "http://vouchers:50052"),
            ("SETELI_VOUCHERS_FEED_TOKEN", " voucher-token "),
            ("SETELI_ATTENDANCE_URL", "http://attendance:50053"),
            ("SETELI_ATTENDANCE_FEED_TOKEN", " attendance-token "),
            ("SETELI_COUNTY_NAME", " Kuopion kaupunki "),
            ("SETELI_FEED_POLL_MS", "250"),
            ("SETELI_NOTIFY_WITHIN_BUSINESS_DAYS", "2"),
        ])
        .expect("settings");
        assert_eq!(s.vouchers_url, "http://vouchers:50052");
        assert_eq!(s.feed_token.as_deref(), Some("voucher-token"));
        assert_eq!(s.attendance_url, "http://attendance:50053");
        assert_eq!(s.attendance_feed_token.as_deref(), Some("attendance-token"));
        assert_eq!(s.county_name, "Kuopion kaupunki");
        assert_eq!(s.feed_poll, Duration::from_millis(250));
        assert_eq!(s.notify_within_business_days, 2);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let key = |vars: &[(&str, &str)]| read(vars).expect_err("a bad value").key;
        assert_eq!(key(&[("SETELI_FEED_POLL_MS", "0")]), "SETELI_FEED_POLL_MS");
        assert_eq!(
            key(&[("SETELI_FEED_POLL_MS", "soon")]),
            "SETELI_FEED_POLL_MS"
        );
        assert_eq!(
            key(&[("SETELI_NOTIFY_WITHIN_BUSINESS_DAYS", "-1")]),
            "SETELI_NOTIFY_WITHIN_BUSINESS_DAYS"
        );
    }
}
