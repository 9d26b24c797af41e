//! Where PROV-PRICE's ceiling prices come from.
//!
//! The vouchers service owns the county's ceiling price lists (`seteli.vouchers.v1`,
//! `ListCeilingPrices`): when `SETELI_VOUCHERS_URL` is set, the registry asks it for the prices
//! in force, forwarding the caller's token and trace. Without it the registry falls back to
//! `SETELI_CEILING_PRICES` (see [`CeilingPrices`]), e.g. for running the registry alone.

use std::time::Duration;

use chrono::NaiveDate;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{date, service_type, to_date};
use seteli_platform::server::forward;
use seteli_platform::telemetry::TraceContext;
use tonic::transport::Channel;

use crate::domain::CeilingPrices;

/// The source of ceiling prices.
#[derive(Debug, Clone)]
pub enum CeilingPriceSource {
    /// Fixed prices from `SETELI_CEILING_PRICES`.
    Config(CeilingPrices),
    /// The vouchers service at `SETELI_VOUCHERS_URL`.
    Vouchers(VouchersServiceClient<Channel>),
}

impl CeilingPriceSource {
    /// Asks the vouchers service at `url` (connects lazily).
    pub fn vouchers(url: &str, resolve_every: Duration) -> anyhow::Result<Self> {
        let channel = seteli_platform::client::channel(url, resolve_every)?;
        Ok(Self::Vouchers(VouchersServiceClient::new(channel)))
    }

    /// The prices in force on `on`, asked on behalf of `caller`. UNAVAILABLE when the vouchers
    /// service cannot be reached.
    pub async fn in_force_on(
        &self,
        caller: &Caller,
        trace: Option<&TraceContext>,
        on: NaiveDate,
    ) -> Result<CeilingPrices, AppError> {
        let client = match self {
            Self::Config(prices) => return Ok(prices.clone()),
            Self::Vouchers(client) => client,
        };
        let request = forward(
            caller,
            trace,
            vpb::ListCeilingPricesRequest {
                in_force_on: Some(to_date(on)),
                ..Default::default()
            },
        );
        let mut client = client.clone();
        let call = async move { Ok(client.list_ceiling_prices(request).await) };
        let response = seteli_platform::client::with_deadline("vouchers", call)
            .await?
            .map_err(|status| {
                tracing::warn!(code = ?status.code(), message = status.message(), "vouchers call failed");
                AppError::Unavailable(
                    "the ceiling prices cannot be read from the vouchers service; retry later"
                        .into(),
                )
            })?
            .into_inner();
        let mut entries = Vec::with_capacity(response.ceiling_prices.len());
        for p in response.ceiling_prices {
            let (Ok(service), Ok(from), Some(price)) = (
                service_type("service_type", p.service_type),
                date("effective_from", p.effective_from.as_ref()),
                p.unit_price,
            ) else {
                tracing::warn!(
                    id = p.id,
                    "vouchers answered a malformed ceiling price; ignored"
                );
                continue;
            };
            entries.push((service, from, seteli_rules::money::from_cents(price.cents)));
        }
        Ok(CeilingPrices::from_entries(entries))
    }
}
