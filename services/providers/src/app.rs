//! The registry's composition: its [`Settings`] (where PROV-PRICE's ceiling prices come from:
//! the vouchers service, or fixed prices for running the registry alone), read once at start,
//! and the [`App`] every workflow works with (the database and that source of prices), and the
//! gazetteer the public comparison measures from (built in, or [`PLACES_FILE`]).

use std::sync::Arc;

use chrono::NaiveDate;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::AppResult;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::convert::to_date;
use seteli_platform::db::Database;
use seteli_platform::rpc::Ctx;
use seteli_platform::server::{Platform, ServiceSettings};
use seteli_rules::prices::CeilingPrices;
use tonic::transport::{Channel, Endpoint};

use crate::gazetteer::Gazetteer;
use crate::wire;

/// Configuration key of the vouchers service whose ceiling prices PROV-PRICE reads.
pub const VOUCHERS_URL: &str = "SETELI_VOUCHERS_URL";
/// Configuration key of fixed ceiling prices, used when [`VOUCHERS_URL`] is unset (format of
/// `seteli_rules::prices::CeilingPrices::parse`).
pub const CEILING_PRICES: &str = "SETELI_CEILING_PRICES";
/// Configuration key of the gazetteer file the public comparison reads (the columns of
/// `assets/places.csv`, [`crate::gazetteer::HEADER`]); unset: the built-in one (Pohjois-Savo's
/// municipalities and their centres' postal codes). Production points it at the full list of
/// postal code areas built from Posti's postal code file.
pub const PLACES_FILE: &str = "SETELI_PLACES_FILE";

/// The registry's settings beyond the platform's.
#[derive(Debug, Clone)]
pub struct Settings {
    prices: PriceSettings,
    places: Arc<Gazetteer>,
}

#[derive(Debug, Clone)]
enum PriceSettings {
    Configured(CeilingPrices),
    Vouchers {
        url: String,
        upstream: UpstreamOptions,
    },
}

impl ServiceSettings for Settings {
    /// Reads the settings: [`VOUCHERS_URL`] when set, otherwise [`CEILING_PRICES`] (empty: no
    /// prices, so every offering breaks PROV-PRICE). A bad value names its key.
    fn read(config: &Config) -> Result<Self, ConfigError> {
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
        let places = match config.var(PLACES_FILE) {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| bad(PLACES_FILE, format!("{path}: {e}")))?;
                Gazetteer::parse(&text).map_err(|e| bad(PLACES_FILE, format!("{path}: {e}")))?
            }
            None => Gazetteer::parse(crate::gazetteer::BUILT_IN)
                .map_err(|e| bad(PLACES_FILE, format!("the built-in gazetteer: {e}")))?,
        };
        Ok(Settings {
            prices,
            places: Arc::new(places),
        })
    }
}

/// What the workflows work with: the registry's database, its source of ceiling prices and
/// the gazetteer of the public comparison.
#[derive(Debug, Clone)]
pub struct App {
    pub(crate) db: Database,
    pub(crate) prices: CeilingPriceSource,
    pub(crate) places: Arc<Gazetteer>,
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
            places: settings.places,
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
        let err =
            Settings::read(&config(&[(CEILING_PRICES, "KTT_INDIVIDUAL=1")])).expect_err("bad");
        assert_eq!(err.key, CEILING_PRICES);
        let err = Settings::read(&config(&[(VOUCHERS_URL, "not a url")])).expect_err("bad");
        assert_eq!(err.key, VOUCHERS_URL);
        assert!(Settings::read(&config(&[(VOUCHERS_URL, "http://vouchers:50052")])).is_ok());
        assert!(Settings::read(&config(&[])).is_ok());
        let err =
            Settings::read(&config(&[(PLACES_FILE, "/no/such/places.csv")])).expect_err("bad");
        assert_eq!(err.key, PLACES_FILE);
    }

    #[test]
    fn a_places_file_replaces_the_built_in_gazetteer() {
        let path = std::env::temp_dir().join(format!("places-{}.csv", std::process::id()));
        let text = format!(
            "{}\nmunicipality,297,Kuopio,297,62.89,27.68\npostal_code,70100,Kuopio,297,62.89,27.68\n",
            crate::gazetteer::HEADER
        );
        std::fs::write(&path, text).expect("write");
        let s =
            Settings::read(&config(&[(PLACES_FILE, path.to_str().expect("path"))])).expect("ok");
        assert_eq!(s.places.len(), (1, 1));
        std::fs::write(&path, "not a gazetteer").expect("write");
        let err = Settings::read(&config(&[(PLACES_FILE, path.to_str().expect("path"))]));
        assert_eq!(err.expect_err("bad").key, PLACES_FILE);
        let _ = std::fs::remove_file(&path);
    }
}
