//! What Kela absence notices keep here: each followed voucher's number and service start, the
//! started KTT vouchers, and which notices were marked sent.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_rules::ServiceType;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::{actor_from, opt_stored_date};
use super::vouchers::voucher_from_row;
use crate::model::Voucher;

/// Records a followed voucher's number and service start from the change with sequence
/// `seq`, unless a newer change was recorded.
pub async fn upsert_service_start(
    conn: &mut AnyConnection,
    s: &crate::model::ServiceStart,
    seq: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO voucher_starts (voucher_id, voucher_number, started_on, feed_sequence) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (voucher_id) DO UPDATE SET voucher_number = excluded.voucher_number, \
         started_on = excluded.started_on, feed_sequence = excluded.feed_sequence \
         WHERE voucher_starts.feed_sequence < excluded.feed_sequence",
    )
    .bind(&s.voucher_id)
    .bind(&s.voucher_number)
    .bind(s.started_on.map(store_date))
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A followed voucher's number and service start, or `None`.
pub async fn load_service_start(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Option<crate::model::ServiceStart>, AppError> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT voucher_id, voucher_number, started_on FROM voucher_starts WHERE voucher_id = $1",
    )
    .bind(voucher_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(voucher_id, voucher_number, started_on)| {
        Ok(crate::model::ServiceStart {
            voucher_id,
            voucher_number,
            started_on: opt_stored_date(started_on)?,
        })
    })
    .transpose()
}

/// The followed vouchers of the KTT services whose service has started, with their start:
/// only `provider_id`'s, `social_worker`'s, or voucher `voucher_id` when not empty.
pub async fn started_ktt_vouchers(
    conn: &mut AnyConnection,
    provider_id: &str,
    (social_worker, team): (&str, &str),
    voucher_id: &str,
) -> Result<Vec<(Voucher, NaiveDate)>, AppError> {
    let ktt: Vec<String> = ServiceType::ALL
        .into_iter()
        .filter(|s| s.is_ktt())
        .map(|s| format!("'{}'", s.code()))
        .collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT v.id, v.client_id, v.provider_id, v.social_worker, v.social_worker_team, \
         v.service_type, v.state, \
         v.valid_from, v.valid_until, v.ended_on, v.continues_voucher_id, v.feed_sequence, \
         v.voucher_version, s.started_on FROM vouchers v JOIN voucher_starts s ON s.voucher_id = v.id \
         WHERE s.started_on IS NOT NULL AND v.service_type IN ({}) \
         AND ($1 = '' OR v.provider_id = $1) \
         AND ($2 = '' OR v.social_worker = $2 OR ($4 <> '' AND v.social_worker_team = $4)) \
         AND ($3 = '' OR v.id = $3) ORDER BY v.id",
        ktt.join(", ")
    )))
    .bind(provider_id)
    .bind(social_worker)
    .bind(voucher_id)
    .bind(team)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let started: String = r.try_get("started_on")?;
            Ok((voucher_from_row(r)?, parse_stored_date(&started)?))
        })
        .collect()
}

fn kela_sent_from_row(r: &AnyRow) -> Result<crate::model::KelaSent, AppError> {
    Ok(crate::model::KelaSent {
        voucher_id: r.try_get("voucher_id")?,
        period_from: parse_stored_date(&r.try_get::<String, _>("period_from")?)?,
        sent_on: parse_stored_date(&r.try_get::<String, _>("sent_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        sent_by: actor_from(r, "sent_by")?,
        backdated_reason: r.try_get("backdated_reason")?,
    })
}

/// The Kela absence notices of voucher `voucher_id` marked sent.
pub async fn kela_sent(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<crate::model::KelaSent>, AppError> {
    let rows = sqlx::query(
        "SELECT voucher_id, period_from, sent_on, late, sent_by_subject, sent_by_role, \
         sent_by_organisation, backdated_reason FROM kela_notices_sent WHERE voucher_id = $1 ORDER BY period_from",
    )
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(kela_sent_from_row).collect()
}

/// Marks a Kela absence notice sent, once: `false` when it already was.
pub async fn insert_kela_sent(
    conn: &mut AnyConnection,
    s: &crate::model::KelaSent,
    sent_at: i64,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "INSERT INTO kela_notices_sent (voucher_id, period_from, sent_on, late, sent_at, \
         sent_by_subject, sent_by_role, sent_by_organisation, backdated_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (voucher_id, period_from) DO NOTHING",
    )
    .bind(&s.voucher_id)
    .bind(store_date(s.period_from))
    .bind(store_date(s.sent_on))
    .bind(i64::from(s.late))
    .bind(sent_at)
    .bind(&s.sent_by.subject)
    .bind(&s.sent_by.role)
    .bind(&s.sent_by.organisation)
    .bind(&s.backdated_reason)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}
