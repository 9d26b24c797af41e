//! The ceiling price list: recorded with history in recording order (a counter), the price in
//! force on a day, the history by page.

use chrono::NaiveDate;
use seteli_api::common::v1::Actor;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{parse_stored_date, store_date, to_date, to_money, to_service_type};
use seteli_platform::db::{new_id, now_micros};
use seteli_rules::ServiceType;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::bump_counter;

const PRICE_COLUMNS: &str = "id, service_type, effective_from, unit_price_cents, seq, \
    recorded_at, actor_subject, actor_role, organisation";

/// A ceiling price row with its recording order.
#[derive(Debug, Clone)]
pub struct PriceRow {
    /// The contract view.
    pub price: pb::CeilingPrice,
    /// Service code.
    pub service: String,
    /// Effective date as stored.
    pub effective_from: String,
    /// Recording order.
    pub seq: i64,
    /// Price in cents.
    pub cents: i64,
}

fn price_from_row(r: &AnyRow) -> Result<PriceRow, AppError> {
    let service: String = r.try_get("service_type")?;
    let effective_from: String = r.try_get("effective_from")?;
    let cents: i64 = r.try_get("unit_price_cents")?;
    Ok(PriceRow {
        price: pb::CeilingPrice {
            id: r.try_get("id")?,
            service_type: ServiceType::from_code(&service)
                .map(to_service_type)
                .unwrap_or_default(),
            effective_from: Some(to_date(parse_stored_date(&effective_from)?)),
            unit_price: Some(to_money(cents)),
            recorded_at_micros: r.try_get("recorded_at")?,
            recorded_by: Some(Actor {
                subject: r.try_get("actor_subject")?,
                role: r.try_get("actor_role")?,
                organisation: r.try_get("organisation")?,
            }),
        },
        service,
        effective_from,
        seq: r.try_get("seq")?,
        cents,
    })
}

/// Records a ceiling price (never overwrites).
pub async fn insert_price(
    conn: &mut AnyConnection,
    caller: &Caller,
    request_id: &str,
    service: ServiceType,
    effective_from: NaiveDate,
    cents: i64,
) -> Result<PriceRow, AppError> {
    let seq = bump_counter(conn, "ceiling_price", 1).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO ceiling_prices (id, service_type, effective_from, unit_price_cents, seq, \
         recorded_at, actor_subject, actor_role, organisation, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(service.code())
    .bind(store_date(effective_from))
    .bind(cents)
    .bind(seq)
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE id = $1"
    )))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await?;
    price_from_row(&row)
}

/// The ceiling price of `service` in force on `on`: the latest effective date on or before it,
/// and for equal dates the latest recorded.
pub async fn price_on(
    conn: &mut AnyConnection,
    service: ServiceType,
    on: NaiveDate,
) -> Result<Option<PriceRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE service_type = $1 AND effective_from <= $2 \
         ORDER BY effective_from DESC, seq DESC LIMIT 1"
    )))
    .bind(service.code())
    .bind(store_date(on))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(price_from_row).transpose()
}

/// A page of the price history by service, effective date and recording order, after the
/// cursor `(service, effective_from, seq)`.
pub async fn list_prices(
    conn: &mut AnyConnection,
    service: Option<ServiceType>,
    after: Option<(String, String, i64)>,
    limit: i64,
) -> Result<Vec<PriceRow>, AppError> {
    let (a_service, a_date, a_seq) = after.unwrap_or((String::new(), String::new(), 0));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE ($1 = '' OR service_type = $1) \
         AND (service_type > $2 OR (service_type = $2 AND (effective_from > $3 \
              OR (effective_from = $3 AND seq > $4)))) \
         ORDER BY service_type, effective_from, seq LIMIT $5"
    )))
    .bind(service.map(|s| s.code()).unwrap_or_default())
    .bind(a_service)
    .bind(a_date)
    .bind(a_seq)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(price_from_row).collect()
}

/// How many ceiling prices are recorded.
pub async fn count_prices(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ceiling_prices")
        .fetch_one(&mut *conn)
        .await?;
    Ok(count)
}
