//! The billing service's composition: its [`Settings`] (the buyer, the other services'
//! addresses, the upstream token, the month's close and the marking retry), read once at start,
//! and the [`App`] every operation works with (the database, the clients of `attendance`,
//! `vouchers` and `providers`, the clock of the service's jobs).
//!
//! The other services are asked with the service's own configured token
//! (`SETELI_BILLING_UPSTREAM_TOKEN`, billing's own service account), never with the caller's: a
//! provider's user may read its billable items but not mark them invoiced, nor read the
//! provider registry's full record; and generation must not depend on who asked. Billing
//! confines each caller itself ([`crate::access`]) before it asks (`App::upstream`).

use std::sync::Arc;
use std::time::Duration;

use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::db::Database;
use seteli_platform::rpc::Ctx;
use seteli_platform::server::ServiceSettings;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ids::{format_y_tunnus, ovt_from_y_tunnus, validate_ovt, validate_y_tunnus};
use tonic::transport::Channel;

pub use seteli_platform::config::{
    DEFAULT_ATTENDANCE_URL, DEFAULT_PROVIDERS_URL, DEFAULT_VOUCHERS_URL,
};

/// The buyer on every invoice: the county, from configuration.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// `SETELI_BILLING_BUYER_NAME`.
    pub name: String,
    /// `SETELI_BILLING_BUYER_BUSINESS_ID`: Y-tunnus, checked.
    pub business_id: String,
    /// `SETELI_BILLING_BUYER_EINVOICE_ADDRESS`: OVT, checked; default the OVT form of the
    /// Y-tunnus.
    pub einvoice_address: String,
    /// `SETELI_BILLING_BUYER_REFERENCE`: the buyer reference (cost centre) on every invoice.
    pub reference: String,
    /// `SETELI_BILLING_BUYER_STREET`.
    pub street: String,
    /// `SETELI_BILLING_BUYER_POSTCODE`.
    pub postcode: String,
    /// `SETELI_BILLING_BUYER_TOWN`.
    pub town: String,
}

/// The billing service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_ATTENDANCE_URL`.
    pub attendance_url: String,
    /// `SETELI_VOUCHERS_URL`.
    pub vouchers_url: String,
    /// `SETELI_PROVIDERS_URL`.
    pub providers_url: String,
    /// `SETELI_BILLING_UPSTREAM_TOKEN`: the bearer token billing calls attendance, vouchers
    /// and providers with (billing's own service account: role `service`, subject `billing`).
    /// Unset: invoices cannot be generated (UNAVAILABLE).
    pub upstream_token: Option<String>,
    /// The buyer.
    pub buyer: Buyer,
    /// `SETELI_BILLING_PAYMENT_TERMS_DAYS`: due date = issue date + this (default 21).
    pub payment_terms_days: u32,
    /// `SETELI_BILLING_CLOSE_DAYS`: a month is closed (may be invoiced) this many days after
    /// its last day (default 0: from the first day of the next month).
    pub close_days: u32,
    /// `SETELI_BILLING_LOOKBACK_MONTHS`: how many months before the invoiced one are searched
    /// for items recorded late (default 12).
    pub lookback_months: u32,
    /// `SETELI_BILLING_MARK_POLL_MS`: how often documents whose items attendance has not been
    /// told of are retried (default 5000).
    pub mark_poll: Duration,
    /// How often the other services' addresses are resolved again.
    pub upstream: UpstreamOptions,
}

fn config_error(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.to_string(),
    }
}

impl ServiceSettings for Settings {
    fn read(config: &Config) -> Result<Self, ConfigError> {
        let text = |key: &str, default: &str| config.var(key).unwrap_or(default).trim().to_owned();
        // Dev default only; production sets the county's own.
        let default_business_id = format_y_tunnus("3221331").unwrap_or_default();
        let business_id = text("SETELI_BILLING_BUYER_BUSINESS_ID", &default_business_id);
        validate_y_tunnus(&business_id)
            .map_err(|e| config_error("SETELI_BILLING_BUYER_BUSINESS_ID", e))?;
        let einvoice_address = match config.var("SETELI_BILLING_BUYER_EINVOICE_ADDRESS") {
            Some(ovt) => {
                validate_ovt(ovt.trim())
                    .map_err(|e| config_error("SETELI_BILLING_BUYER_EINVOICE_ADDRESS", e))?;
                ovt.trim().to_owned()
            }
            None => ovt_from_y_tunnus(&business_id, "")
                .map_err(|e| config_error("SETELI_BILLING_BUYER_BUSINESS_ID", e))?,
        };
        let reference = text("SETELI_BILLING_BUYER_REFERENCE", "SOTE-PALVELUSETELI");
        if reference.is_empty() || reference.chars().count() > 70 {
            return Err(config_error(
                "SETELI_BILLING_BUYER_REFERENCE",
                "1–70 characters",
            ));
        }
        let payment_terms_days: u32 = config.var_or("SETELI_BILLING_PAYMENT_TERMS_DAYS", 21)?;
        if payment_terms_days > 365 {
            return Err(config_error(
                "SETELI_BILLING_PAYMENT_TERMS_DAYS",
                "at most 365",
            ));
        }
        let close_days: u32 = config.var_or("SETELI_BILLING_CLOSE_DAYS", 0)?;
        let lookback_months: u32 = config.var_or("SETELI_BILLING_LOOKBACK_MONTHS", 12)?;
        if lookback_months > 60 {
            return Err(config_error("SETELI_BILLING_LOOKBACK_MONTHS", "at most 60"));
        }
        let mark_poll = config.poll_ms("SETELI_BILLING_MARK_POLL_MS", 5000)?;
        Ok(Self {
            attendance_url: config.service_url("attendance"),
            vouchers_url: config.service_url("vouchers"),
            providers_url: config.service_url("providers"),
            upstream_token: config.text("SETELI_BILLING_UPSTREAM_TOKEN"),
            buyer: Buyer {
                name: text("SETELI_BILLING_BUYER_NAME", "Pohjois-Savon hyvinvointialue"),
                business_id,
                einvoice_address,
                reference,
                street: text("SETELI_BILLING_BUYER_STREET", "PL 1711"),
                postcode: text("SETELI_BILLING_BUYER_POSTCODE", "70211"),
                town: text("SETELI_BILLING_BUYER_TOWN", "Kuopio"),
            },
            payment_terms_days,
            close_days,
            lookback_months,
            mark_poll,
            upstream: config.upstream.clone(),
        })
    }
}

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct App {
    /// The service's database.
    pub db: Database,
    /// The attendance service (billable items).
    pub attendance: Upstream<AttendanceServiceClient<Channel>>,
    /// The voucher service (voucher terms).
    pub vouchers: Upstream<VouchersServiceClient<Channel>>,
    /// The provider registry (the seller).
    pub providers: Upstream<ProvidersServiceClient<Channel>>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// The clock of the service's own jobs.
    pub clock: Clock,
}

impl App {
    /// The operations over `db`, asking the services named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            attendance: Upstream::of(
                "attendance",
                &settings.attendance_url,
                &settings.upstream,
                AttendanceServiceClient::new,
            )?,
            vouchers: Upstream::of(
                "vouchers",
                &settings.vouchers_url,
                &settings.upstream,
                VouchersServiceClient::new,
            )?,
            providers: Upstream::of(
                "providers",
                &settings.providers_url,
                &settings.upstream,
                ProvidersServiceClient::new,
            )?,
            db,
            settings: Arc::new(settings.clone()),
            clock,
        })
    }

    /// `ctx` with the configured upstream token in place of the caller's (the trace and
    /// request id stay the caller's).
    pub(crate) fn upstream(&self, ctx: &Ctx) -> AppResult<Ctx> {
        let token = self.settings.upstream_token.clone().ok_or_else(|| {
            AppError::Unavailable(
                "billing cannot reach attendance: SETELI_BILLING_UPSTREAM_TOKEN is not set".into(),
            )
        })?;
        let mut up = ctx.clone();
        up.caller.token = token;
        Ok(up)
    }

    /// Whether the upstream token is configured.
    pub fn has_upstream(&self) -> bool {
        self.settings.upstream_token.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        let defaults = <crate::Billing as seteli_platform::server::Service>::DEFAULTS;
        Settings::read(&Config::from_pairs(defaults, vars).expect("config"))
    }

    fn refused_key(vars: &[(&str, &str)]) -> String {
        read(vars).expect_err("a bad value").key
    }

    #[test]
    fn the_defaults_are_the_dev_county() {
        let s = read(&[]).expect("defaults");
        assert_eq!(s.buyer.business_id, "3221331-8");
        // The OVT form of the Y-tunnus.
        assert_eq!(s.buyer.einvoice_address, "003732213318");
        assert_eq!(s.buyer.reference, "SOTE-PALVELUSETELI");
        assert_eq!(
            (s.payment_terms_days, s.close_days, s.lookback_months),
            (21, 0, 12)
        );
        assert_eq!(s.mark_poll, Duration::from_millis(5000));
        assert_eq!(s.attendance_url, DEFAULT_ATTENDANCE_URL);
        assert_eq!(s.vouchers_url, DEFAULT_VOUCHERS_URL);
        assert_eq!(s.providers_url, DEFAULT_PROVIDERS_URL);
        assert!(s.upstream_token.is_none());
    }

    #[test]
    fn given_values_are_trimmed_and_kept() {
        let s = read(&[
            ("SETELI_BILLING_UPSTREAM_TOKEN", " token "),
            ("SETELI_BILLING_BUYER_BUSINESS_ID", "0112038-9"),
            ("SETELI_BILLING_BUYER_EINVOICE_ADDRESS", " 003701120389100 "),
            ("SETELI_BILLING_BUYER_REFERENCE", " KP-1234 "),
            ("SETELI_BILLING_PAYMENT_TERMS_DAYS", "14"),
            ("SETELI_BILLING_MARK_POLL_MS", "250"),
            ("SETELI_VOUCHERS_URL", "http://vouchers:50052"),
        ])
        .expect("settings");
        assert_eq!(s.upstream_token.as_deref(), Some("token"));
        assert_eq!(s.buyer.business_id, "0112038-9");
        assert_eq!(s.buyer.einvoice_address, "003701120389100");
        assert_eq!(s.buyer.reference, "KP-1234");
        assert_eq!(s.payment_terms_days, 14);
        assert_eq!(s.mark_poll, Duration::from_millis(250));
        assert_eq!(s.vouchers_url, "http://vouchers:50052");
    }

    #[test]
    fn the_ovt_default_follows_the_business_id() {
        let s = read(&[("SETELI_BILLING_BUYER_BUSINESS_ID", "0112038-9")]).expect("settings");
        assert_eq!(s.buyer.einvoice_address, "003701120389");
    }

    #[test]
    fn a_bad_value_names_its_key() {
        for (key, value) in [
            ("SETELI_BILLING_BUYER_BUSINESS_ID", "0112038-8"),
            ("SETELI_BILLING_BUYER_EINVOICE_ADDRESS", "12345"),
            ("SETELI_BILLING_BUYER_REFERENCE", &"x".repeat(71)),
            ("SETELI_BILLING_PAYMENT_TERMS_DAYS", "366"),
            ("SETELI_BILLING_PAYMENT_TERMS_DAYS", "three weeks"),
            ("SETELI_BILLING_LOOKBACK_MONTHS", "61"),
            ("SETELI_BILLING_MARK_POLL_MS", "0"),
        ] {
            assert_eq!(refused_key(&[(key, value)]), key, "{key}={value}");
        }
        // A blank value is no value: the default.
        let s = read(&[("SETELI_BILLING_BUYER_REFERENCE", " ")]).expect("blank");
        assert_eq!(s.buyer.reference, "SOTE-PALVELUSETELI");
        // The limits themselves are fine.
        assert!(
            read(&[
                ("SETELI_BILLING_BUYER_REFERENCE", &"x".repeat(70)),
                ("SETELI_BILLING_PAYMENT_TERMS_DAYS", "365"),
                ("SETELI_BILLING_LOOKBACK_MONTHS", "60"),
                ("SETELI_BILLING_MARK_POLL_MS", "1"),
            ])
            .is_ok()
        );
    }
}
