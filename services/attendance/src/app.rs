//! The attendance service's composition: its settings beyond the platform's ([`Settings`]) and
//! what every operation works with ([`App`]: the database, the voucher service as an upstream,
//! the voucher-feed follower and the followed provider registry). Built once at start by `lib.rs`; the
//! operations in [`crate::ops`] and the jobs in [`crate::jobs`] take it.

use std::sync::Arc;
use std::time::Duration;

use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::db::Database;
use seteli_platform::feed::{self, Follower};
use seteli_platform::followed_providers::FollowedProviders;
use seteli_platform::server::ServiceSettings;
use seteli_rules::ledger::AheadReasons;
use tonic::transport::Channel;

pub use seteli_platform::config::{DEFAULT_PROVIDERS_URL, DEFAULT_VOUCHERS_URL};

/// The attendance service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_VOUCHERS_URL`: the voucher service.
    pub vouchers_url: String,
    /// `SETELI_PROVIDERS_URL`: the provider registry, whose change feed is followed (whether a
    /// provider may work, its offerings' group sizes).
    pub providers_url: String,
    /// `SETELI_VOUCHERS_FEED_TOKEN`: the bearer token the follower calls the voucher feed
    /// with (attendance's own service account: role `service`, subject `attendance`). Unset: vouchers are not followed.
    pub feed_token: Option<String>,
    /// `SETELI_PROVIDERS_FEED_TOKEN`: the bearer token the follower calls the registry's change
    /// feed with (attendance's own service account, as above). Unset: providers are not
    /// followed, and their users cannot record.
    pub providers_feed_token: Option<String>,
    /// `SETELI_FEED_POLL_MS`: how often the followed feeds are polled (default 1000).
    pub feed_poll: Duration,
    /// How often the voucher service's address is resolved again.
    pub upstream: UpstreamOptions,
    /// `SETELI_ABSENCE_REASONS_AHEAD`: the absence reasons that may be recorded before their
    /// day (ABS-RECORD, RULES.md §10), comma-separated `AbsenceReason` codes plus
    /// `OWN_ILLNESS_CERTIFIED`; default `JOB_INTERVIEW,PUBLIC_OFFICE,OWN_ILLNESS_CERTIFIED`.
    pub absences_ahead: AheadReasons,
    /// `SETELI_USAGE_RECOUNT_SECONDS`: how often the units of agreed sessions whose day has
    /// come are moved from reserved to used (default 300; `0`: never, as a test may want).
    pub recount_every: Option<Duration>,
    /// `SETELI_LATE_RECORD_GRACE_DAYS`: how many days after a voucher's last valid day (or its
    /// end date) sessions, no-shows and absences dated within its validity are still recorded
    /// (default 14; "nothing lost at the end", RULES.md §10).
    pub late_record_grace_days: i64,
}

impl ServiceSettings for Settings {
    fn read(config: &Config) -> Result<Self, ConfigError> {
        Ok(Self {
            vouchers_url: config.service_url("vouchers"),
            providers_url: config.service_url("providers"),
            feed_token: config.text("SETELI_VOUCHERS_FEED_TOKEN"),
            providers_feed_token: config.text("SETELI_PROVIDERS_FEED_TOKEN"),
            feed_poll: config.poll_ms("SETELI_FEED_POLL_MS", 1000)?,
            upstream: config.upstream.clone(),
            late_record_grace_days: config.days_or(
                "SETELI_LATE_RECORD_GRACE_DAYS",
                seteli_rules::ledger::LATE_RECORD_GRACE_DAYS,
            )?,
            recount_every: match config.var_or("SETELI_USAGE_RECOUNT_SECONDS", 300u64)? {
                0 => None,
                seconds => Some(Duration::from_secs(seconds)),
            },
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
    /// The voucher feed's follower, as `system:voucher-feed` with the configured token (none:
    /// not followed).
    pub(crate) voucher_feed: Follower<VoucherFeed>,
    /// The registry's change feed followed into this service's copy, as `system:provider-feed`
    /// with the configured token (none: not followed): PROVIDER-NOT-APPROVED and the offerings'
    /// group sizes (CAP-GROUP-SIZE) are decided there.
    pub followed_providers: FollowedProviders,
    /// The absence reasons that may be recorded before their day ([`Settings::absences_ahead`]).
    pub absences_ahead: Arc<AheadReasons>,
    /// The clock the service reads "today" from (the recount as days pass).
    pub clock: Clock,
    /// How long after a voucher's validity ends late records are taken (days,
    /// [`Settings::late_record_grace_days`]).
    pub late_record_grace_days: i64,
}

/// The voucher feed as attendance follows it: `seteli.vouchers.v1` ListVoucherChanges, each
/// change applied to the followed copy of its voucher (`ops::voucher_feed`).
#[derive(Debug, Clone)]
pub struct VoucherFeed {
    /// The voucher service.
    pub(crate) vouchers: Upstream<VouchersServiceClient<Channel>>,
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
        let providers = Upstream::of(
            "providers",
            &settings.providers_url,
            &settings.upstream,
            ProvidersServiceClient::new,
        )?;
        let voucher_feed = Follower::new(
            VoucherFeed {
                vouchers: vouchers.clone(),
            },
            db.clone(),
            feed::follower("voucher-feed", settings.feed_token.as_ref(), clock.clone()),
        );
        let token = settings.providers_feed_token.as_ref();
        let followed_providers =
            FollowedProviders::new(providers, db.clone(), token, clock.clone());
        Ok(Self {
            db,
            vouchers,
            voucher_feed,
            followed_providers,
            absences_ahead: Arc::new(settings.absences_ahead.clone()),
            clock,
            late_record_grace_days: settings.late_record_grace_days,
        })
    }

    /// Whether the voucher feed is followed (a token is configured).
    pub fn follows_feed(&self) -> bool {
        self.voucher_feed.follows()
    }

    /// Whether the registry's change feed is followed (a token is configured).
    pub fn follows_providers(&self) -> bool {
        self.followed_providers.follows()
    }
}
