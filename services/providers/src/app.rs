//! The registry's composition: its [`Settings`] (where PROV-PRICE's ceiling prices come from:
//! the vouchers service, or fixed prices for running the registry alone), read once at start,
//! and the [`App`] every workflow works with (the database and that source of prices).

use chrono::NaiveDate;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::AppResult;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::convert::to_date;
use seteli_platform::db::Database;
use seteli_platform::rpc::Ctx;
use seteli_platform::server::Platform;
use seteli_rules::prices::CeilingPrices;
use tonic::transport::{Channel, Endpoint};

use crate::wire;

/// Configuration key of the vouchers service whose ceiling prices PROV-PRICE reads.
pub const VOUCHERS_URL: &str = "SETELI_VOUCHERS_URL";
/// Configuration key of fixed ceiling prices, used when [`VOUCHERS_URL`] is unset (format of
/// `seteli_rules::prices::CeilingPrices::parse`).
pub const CEILING_PRICES: &str = "SETELI_CEILING_PRICES";

/// The registry's settings beyond the platform's.
#[derive(Debug, Clone)]
pub struct Settings {
    prices: PriceSettings,
}

#[derive(Debug, Clone)]
enum PriceSettings {
    Configured(CeilingPrices),
    Vouchers {
        url: String,
        upstream: UpstreamOptions,
    },
}

/// Reads the settings: [`VOUCHERS_URL`] when set, otherwise [`CEILING_PRICES`] (empty: no
/// prices, so every offering breaks PROV-PRICE). A bad value names its key.
pub fn settings(config: &Config) -> Result<Settings, ConfigError> {
    let bad = |key: &str, message: String| ConfigError {
        key: key.to_owned(),
        message,
    };
    let prices = match config.var(VOUCHERS_URL) {
        Some(url) => {
            let endpoint = Endpoint::from_shared(url.to_owned())
                .map_err(|e| bad(VOUCHERS_URL, e.to_string()))?;
            if endpoint.uri().host().is_none() {
                return Err(bad(VOUCHERS_URL, format!("{url}: no host")));
            }
            PriceSettings::Vouchers {
                url: url.to_owned(),
                upstream: config.upstream.clone(),
            }
        }
        None => PriceSettings::Configured(
            CeilingPrices::parse(config.var(CEILING_PRICES).unwrap_or(""))
                .map_err(|e| bad(CEILING_PRICES, e))?,
        ),
    };
    Ok(Settings { prices })
}

/// What the workflows work with: the registry's database and its source of ceiling prices.
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) db: Database,
    pub(crate) prices: CeilingPriceSource,
}

impl App {
    /// The registry on `platform`'s database; a client of the vouchers service (connecting
    /// lazily) when the settings name one.
    pub fn new(platform: &Platform, settings: Settings) -> anyhow::Result<Self> {
        let prices = match settings.prices {
            PriceSettings::Configured(prices) => CeilingPriceSource::Configured(prices),
            PriceSettings::Vouchers { url, upstream } => CeilingPriceSource::Vouchers(
                Upstream::of("vouchers", &url, &upstream, VouchersServiceClient::new)?,
            ),
        };
        Ok(Self {
            db: platform.db.clone(),
            prices,
        })
    }
}

/// Where PROV-PRICE's ceiling prices come from.
#[derive(Debug, Clone)]
pub(crate) enum CeilingPriceSource {
    /// Fixed prices from [`CEILING_PRICES`], e.g. for running the registry alone.
    Configured(CeilingPrices),
    /// The vouchers service, which keeps the county's ceiling price lists.
    Vouchers(Upstream<VouchersServiceClient<Channel>>),
}

impl CeilingPriceSource {
    /// The prices in force on `on`, asked on behalf of `ctx`'s caller; `UNAVAILABLE` when the
    /// vouchers service cannot answer.
    pub(crate) async fn in_force_on(&self, ctx: &Ctx, on: NaiveDate) -> AppResult<CeilingPrices> {
        let vouchers = match self {
            Self::Configured(prices) => return Ok(prices.clone()),
            Self::Vouchers(vouchers) => vouchers,
        };
        let request = vpb::ListCeilingPricesRequest {
            in_force_on: Some(to_date(on)),
            ..Default::default()
        };
        let answer = vouchers
            .call(ctx, request, |mut c, r| async move {
                c.list_ceiling_prices(r).await
            })
            .await?;
        Ok(wire::ceiling_prices(answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let defaults = <crate::Providers as seteli_platform::server::Service>::DEFAULTS;
        Config::from_pairs(defaults, vars).expect("config")
    }

    #[test]
    fn a_bad_setting_names_its_key() {
        let err = settings(&config(&[(CEILING_PRICES, "KTT_INDIVIDUAL=1")])).expect_err("bad");
        assert_eq!(err.key, CEILING_PRICES);
        let err = settings(&config(&[(VOUCHERS_URL, "not a url")])).expect_err("bad");
        assert_eq!(err.key, VOUCHERS_URL);
        assert!(settings(&config(&[(VOUCHERS_URL, "http://vouchers:50052")])).is_ok());
        assert!(settings(&config(&[])).is_ok());
    }
}
