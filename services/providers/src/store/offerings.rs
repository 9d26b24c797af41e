//! An offering and its price history (PROV-PRICE, VOUCHER-VALUE): each price the provider set
//! with the first day it is in force (`provider_offering_prices`), and the offering's row, whose
//! price is the one in force today.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use sqlx::AnyConnection;

use super::{children_of, date, unknown};
use crate::model::{Offering, OfferingPrice, Provider};

/// Adds or replaces an offering, its price in force from `effective_from` (replacing a price of
/// that date); the offering's row keeps the price of the latest date, the one in force today
/// (no price is dated after today). Prices of other dates stay.
pub async fn upsert_offering(
    conn: &mut AnyConnection,
    provider_id: &str,
    o: &Offering,
    effective_from: NaiveDate,
    now_micros: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_offering_prices \
         (provider_id, service_type, effective_from, unit_price_cents, set_at) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (provider_id, service_type, effective_from) \
         DO UPDATE SET unit_price_cents = excluded.unit_price_cents, set_at = excluded.set_at",
    )
    .bind(provider_id)
    .bind(o.service.code())
    .bind(store_date(effective_from))
    .bind(o.unit_price_cents)
    .bind(now_micros)
    .execute(&mut *conn)
    .await?;
    let (latest,): (i64,) = sqlx::query_as(
        "SELECT unit_price_cents FROM provider_offering_prices \
         WHERE provider_id = $1 AND service_type = $2 ORDER BY effective_from DESC LIMIT 1",
    )
    .bind(provider_id)
    .bind(o.service.code())
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO provider_offerings (provider_id, service_type, unit_price_cents, max_group_size) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider_id, service_type) \
         DO UPDATE SET unit_price_cents = excluded.unit_price_cents, max_group_size = excluded.max_group_size",
    )
    .bind(provider_id)
    .bind(o.service.code())
    .bind(latest)
    .bind(i64::from(o.max_group_size.unwrap_or(0)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A price row: provider id, service code, effective from, unit price cents, set at.
type PriceRow = (String, String, String, i64, i64);

/// Fills the price history of every offering of the providers of `page` (whose offerings are
/// filled), oldest first: one statement per [`super::PROVIDERS_PER_STATEMENT`] providers.
pub(super) async fn fill_prices(
    conn: &mut AnyConnection,
    page: &mut [Provider],
    ids: &[&str],
) -> Result<(), AppError> {
    let rows: Vec<PriceRow> = children_of(
        conn,
        "SELECT provider_id, service_type, effective_from, unit_price_cents, set_at \
         FROM provider_offering_prices WHERE provider_id IN ({ids}) \
         ORDER BY provider_id, service_type, effective_from",
        ids,
    )
    .await?;
    for (provider_id, service, from, cents, set_at) in rows {
        let Some(p) = page.iter_mut().find(|p| p.id == provider_id) else {
            return Err(unknown("price of provider", &provider_id));
        };
        // A removed offering's prices stay for billing, but are no offering's history here.
        let Some(o) = p.offerings.iter_mut().find(|o| o.service.code() == service) else {
            continue;
        };
        o.prices.push(OfferingPrice {
            effective_from: date(&from)?,
            unit_price_cents: cents,
            set_at_micros: set_at,
        });
    }
    Ok(())
}
