//! An offering and its price history (PROV-PRICE, VOUCHER-VALUE): each price the provider set
//! with the first day it is in force (`provider_offering_prices`), and the offering's row, whose
//! price is the one in force today.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use sqlx::AnyConnection;

use super::{children_of, date, unknown};
use seteli_rules::ServiceType;

use crate::model::{FreePlaces, Offering, OfferingPrice, Provider};

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
        "INSERT INTO provider_offerings (provider_id, service_type, unit_price_cents, max_group_size, \
             free_places, free_places_on) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (provider_id, service_type) \
         DO UPDATE SET unit_price_cents = excluded.unit_price_cents, max_group_size = excluded.max_group_size, \
             free_places = excluded.free_places, free_places_on = excluded.free_places_on",
    )
    .bind(provider_id)
    .bind(o.service.code())
    .bind(latest)
    .bind(i64::from(o.max_group_size.unwrap_or(0)))
    .bind(o.free_places.map(|f| i64::from(f.count)))
    .bind(o.free_places.map(|f| store_date(f.declared_on)))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An offering row with one of its prices (none: an offering stored without a history):
/// provider id, service code, unit price cents, max group size, the free places declared and
/// their day, then the price's effective from, unit price cents and set at.
type OfferingRow = (
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<i64>,
);

/// The free places of an offering row: both columns set, or none declared.
pub(super) fn free_places(
    count: Option<i64>,
    on: Option<String>,
) -> Result<Option<FreePlaces>, AppError> {
    match (count.and_then(|n| u32::try_from(n).ok()), on) {
        (Some(count), Some(on)) => Ok(Some(FreePlaces {
            count,
            declared_on: date(&on)?,
        })),
        _ => Ok(None),
    }
}

/// Fills the offerings of every provider of `page` (`owner`: a provider id's index in it), each
/// with its price history, oldest first: one statement (per
/// [`super::PROVIDERS_PER_STATEMENT`] providers) for offerings and prices together.
pub(super) async fn fill_offerings(
    conn: &mut AnyConnection,
    page: &mut [Provider],
    ids: &[&str],
    owner: &(dyn Fn(&str) -> Result<usize, AppError> + Sync),
) -> Result<(), AppError> {
    let rows: Vec<OfferingRow> = children_of(
        conn,
        "SELECT o.provider_id, o.service_type, o.unit_price_cents, o.max_group_size, \
             o.free_places, o.free_places_on, h.effective_from, h.unit_price_cents, h.set_at \
         FROM provider_offerings o LEFT JOIN provider_offering_prices h \
             ON h.provider_id = o.provider_id AND h.service_type = o.service_type \
         WHERE o.provider_id IN ({ids}) \
         ORDER BY o.provider_id, o.service_type, h.effective_from",
        ids,
    )
    .await?;
    for (provider_id, s, price, size, free, free_on, from, cents, set_at) in rows {
        let offerings = &mut page[owner(&provider_id)?].offerings;
        let service = ServiceType::from_code(&s).ok_or_else(|| unknown("service", &s))?;
        if offerings.last().is_none_or(|o| o.service != service) {
            offerings.push(Offering {
                service,
                unit_price_cents: price,
                max_group_size: u32::try_from(size).ok().filter(|n| *n > 0),
                prices: Vec::new(),
                free_places: free_places(free, free_on)?,
            });
        }
        if let (Some(from), Some(cents), Some(o)) = (from, cents, offerings.last_mut()) {
            o.prices.push(OfferingPrice {
                effective_from: date(&from)?,
                unit_price_cents: cents,
                set_at_micros: set_at.unwrap_or_default(),
            });
        }
    }
    Ok(())
}
