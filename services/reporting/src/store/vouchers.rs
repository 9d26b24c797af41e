//! The followed vouchers (the voucher feed's copy): stored in feed order by the voucher's
//! version, read back by id, and whether a voucher has been continued.

use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::opt_stored_date;
use crate::model::Voucher;
use seteli_platform::convert::stored_service;

/// Inserts or updates a followed voucher from the change with sequence `v.feed_sequence`,
/// unless it already has that change or a newer one: newer by the voucher's version first (two
/// changes of one voucher can stand in the feed in the other order than they were made), then
/// by sequence. The social worker is set by the ISSUED
/// change only (an empty one keeps the stored).
pub async fn upsert_voucher(conn: &mut AnyConnection, v: &Voucher) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO vouchers (id, client_id, provider_id, social_worker, service_type, state, \
         valid_from, valid_until, ended_on, continues_voucher_id, feed_sequence, \
         voucher_version, social_worker_team) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         social_worker = CASE WHEN excluded.social_worker = '' THEN vouchers.social_worker \
                         ELSE excluded.social_worker END, \
         social_worker_team = CASE WHEN excluded.social_worker_team = '' \
                              THEN vouchers.social_worker_team \
                              ELSE excluded.social_worker_team END, \
         state = excluded.state, valid_from = excluded.valid_from, \
         valid_until = excluded.valid_until, ended_on = excluded.ended_on, \
         continues_voucher_id = excluded.continues_voucher_id, \
         feed_sequence = excluded.feed_sequence, voucher_version = excluded.voucher_version \
         WHERE (vouchers.voucher_version, vouchers.feed_sequence) \
             < (excluded.voucher_version, excluded.feed_sequence)",
    )
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(v.service.code())
    .bind(&v.state)
    .bind(store_date(v.valid_from))
    .bind(store_date(v.valid_until))
    .bind(v.ended_on.map(store_date))
    .bind(&v.continues_voucher_id)
    .bind(v.feed_sequence)
    .bind(v.version)
    .bind(&v.social_worker_team)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VOUCHER_COLUMNS: &str = "id, client_id, provider_id, social_worker, social_worker_team, \
    service_type, state, valid_from, valid_until, ended_on, continues_voucher_id, feed_sequence, voucher_version";

pub(super) fn voucher_from_row(r: &AnyRow) -> Result<Voucher, AppError> {
    Ok(Voucher {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        social_worker_team: r.try_get("social_worker_team")?,
        service: stored_service(&r.try_get::<String, _>("service_type")?)?,
        state: r.try_get("state")?,
        valid_from: parse_stored_date(&r.try_get::<String, _>("valid_from")?)?,
        valid_until: parse_stored_date(&r.try_get::<String, _>("valid_until")?)?,
        ended_on: opt_stored_date(r.try_get("ended_on")?)?,
        continues_voucher_id: r.try_get("continues_voucher_id")?,
        version: r.try_get("voucher_version")?,
        feed_sequence: r.try_get("feed_sequence")?,
    })
}

/// A followed voucher, or `None`.
pub async fn load_voucher(conn: &mut AnyConnection, id: &str) -> Result<Option<Voucher>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

/// Whether an extension continuing voucher `id` has been issued (and not cancelled or expired).
pub async fn is_continued(conn: &mut AnyConnection, id: &str) -> Result<bool, AppError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM vouchers WHERE continues_voucher_id = $1 \
         AND state NOT IN ('CANCELLED', 'EXPIRED')",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}
