//! The followed copy of the vouchers (`vouchers`): written by the voucher feed
//! ([`upsert_voucher`], newer changes only) but for attendance's own columns (the unit counts)
//! and what it keeps beside it ([`record_approved_month`]), read by every capability and locked by every change of a
//! voucher's sessions ([`seteli_platform::change::Aggregate`]).

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::db::now_micros;
use seteli_platform::statement::Binds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::opt_stored_date;
use crate::model::{StartDates, UnitCount, Voucher};
use seteli_platform::convert::stored_service;

/// How many vouchers this service follows.
pub async fn count_vouchers(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vouchers")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// Inserts or updates a followed voucher from a change with sequence `v.feed_sequence`, unless
/// it already has that change or a newer one: newer by the voucher's version first, since two
/// changes of one voucher can stand in the feed in the other order than they were made (the
/// feed is numbered by transaction id), then by sequence. The units used and reserved are attendance's
/// own and never touched here; the social worker is set by the ISSUED change only.
pub async fn upsert_voucher(conn: &mut AnyConnection, v: &Voucher) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO vouchers (id, client_id, provider_id, service_type, state, decision_date, \
         valid_from, valid_until, units_granted, weekly_cap, responsible_coach, social_worker, \
         ended_on, voucher_version, feed_sequence, units_used, updated_at, provider_chosen_on, \
         agreed_start_on, accepted_on, steward_notified_on, continues_voucher_id, \
         social_worker_team) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, \
                 $17, $18, $19, $20, $21, $22) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         state = excluded.state, valid_from = excluded.valid_from, \
         valid_until = excluded.valid_until, units_granted = excluded.units_granted, \
         weekly_cap = excluded.weekly_cap, responsible_coach = excluded.responsible_coach, \
         social_worker = CASE WHEN excluded.social_worker = '' THEN vouchers.social_worker \
                         ELSE excluded.social_worker END, \
         social_worker_team = CASE WHEN excluded.social_worker_team = '' \
                              THEN vouchers.social_worker_team \
                              ELSE excluded.social_worker_team END, \
         ended_on = excluded.ended_on, voucher_version = excluded.voucher_version, \
         feed_sequence = excluded.feed_sequence, updated_at = excluded.updated_at, \
         provider_chosen_on = excluded.provider_chosen_on, \
         agreed_start_on = excluded.agreed_start_on, accepted_on = excluded.accepted_on, \
         steward_notified_on = excluded.steward_notified_on, \
         continues_voucher_id = excluded.continues_voucher_id \
         WHERE (vouchers.voucher_version, vouchers.feed_sequence) \
             < (excluded.voucher_version, excluded.feed_sequence)",
    )
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(v.service.code())
    .bind(&v.state)
    .bind(store_date(v.decision_date))
    .bind(store_date(v.valid_from))
    .bind(store_date(v.valid_until))
    .bind(v.units_granted)
    .bind(v.weekly_cap)
    .bind(&v.responsible_coach)
    .bind(&v.social_worker)
    .bind(v.ended_on.map(store_date))
    .bind(v.version)
    .bind(v.feed_sequence)
    .bind(now_micros())
    .bind(v.start.provider_chosen_on.map(store_date))
    .bind(v.start.agreed_start_on.map(store_date))
    .bind(v.start.accepted_on.map(store_date))
    .bind(v.start.steward_notified_on.map(store_date))
    .bind(v.continues.as_deref())
    .bind(&v.social_worker_team)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VOUCHER_COLUMNS: &str = "id, client_id, provider_id, service_type, state, decision_date, \
    valid_from, valid_until, units_granted, weekly_cap, responsible_coach, social_worker, \
    social_worker_team, ended_on, voucher_version, feed_sequence, units_used, units_reserved, provider_chosen_on, \
    agreed_start_on, accepted_on, steward_notified_on, continues_voucher_id, \
    (SELECT MAX(a.month) FROM approved_months a WHERE a.voucher_id = vouchers.id) \
    AS approved_month";

fn voucher_from_row(r: &AnyRow) -> Result<Voucher, AppError> {
    Ok(Voucher {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        service: stored_service(&r.try_get::<String, _>("service_type")?)?,
        state: r.try_get("state")?,
        decision_date: parse_stored_date(&r.try_get::<String, _>("decision_date")?)?,
        valid_from: parse_stored_date(&r.try_get::<String, _>("valid_from")?)?,
        valid_until: parse_stored_date(&r.try_get::<String, _>("valid_until")?)?,
        units_granted: r.try_get("units_granted")?,
        weekly_cap: r.try_get("weekly_cap")?,
        responsible_coach: r.try_get("responsible_coach")?,
        social_worker: r.try_get("social_worker")?,
        social_worker_team: r.try_get("social_worker_team")?,
        ended_on: opt_stored_date(r.try_get("ended_on")?)?,
        version: r.try_get("voucher_version")?,
        feed_sequence: r.try_get("feed_sequence")?,
        units_used: r.try_get("units_used")?,
        units_reserved: r.try_get("units_reserved")?,
        start: StartDates {
            provider_chosen_on: opt_stored_date(r.try_get("provider_chosen_on")?)?,
            agreed_start_on: opt_stored_date(r.try_get("agreed_start_on")?)?,
            accepted_on: opt_stored_date(r.try_get("accepted_on")?)?,
            steward_notified_on: opt_stored_date(r.try_get("steward_notified_on")?)?,
        },
        continues: r.try_get("continues_voucher_id")?,
        approved_month: opt_stored_date(r.try_get("approved_month")?)?,
    })
}

/// Locks the followed voucher `v` as the first part of a composed statement: one row (`id`)
/// when it still stands as `v` was read — the same change of its feed, the same units used and
/// reserved, the same latest approved month — and `count` fits its grant (CAP-UNITS); none
/// otherwise (then nothing after it writes). The units are attendance's own; every other
/// column moves only with the feed's change.
pub(super) fn voucher_as_read_part(b: &mut Binds, v: &Voucher, count: UnitCount) -> String {
    let id = b.text(v.id.as_str());
    format!(
        "SELECT id FROM vouchers WHERE id = {id} AND voucher_version = {} \
         AND feed_sequence = {} AND units_used = {} AND units_reserved = {} \
         AND {} + {} <= units_granted \
         AND (SELECT MAX(a.month) FROM approved_months a WHERE a.voucher_id = {id}) \
             IS NOT DISTINCT FROM {} \
         FOR UPDATE",
        b.int(v.version),
        b.int(v.feed_sequence),
        b.int(v.units_used),
        b.int(v.units_reserved),
        b.int(count.used),
        b.int(count.reserved),
        b.opt_text(v.approved_month.map(store_date)),
    )
}

/// Records that an invoice billing approved holds the voucher's month starting `month`: late
/// records stop once its last month is (RULES.md §10). A row of its own (`approved_months`),
/// never the voucher's: no lock on the followed voucher is taken.
pub async fn record_approved_month(
    conn: &mut AnyConnection,
    voucher_id: &str,
    month: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO approved_months (voucher_id, month) VALUES ($1, $2) \
         ON CONFLICT (voucher_id, month) DO NOTHING",
    )
    .bind(voucher_id)
    .bind(store_date(month))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Loads a followed voucher, or `None`.
pub async fn load_voucher(conn: &mut AnyConnection, id: &str) -> Result<Option<Voucher>, AppError> {
    fetch_voucher(conn, id, "").await
}

/// The followed voucher `id`, its row locked for the rest of the transaction in the same
/// statement (PostgreSQL `FOR UPDATE`; on SQLite the write gate is the lock, see
/// `seteli_platform::change::lock_row`).
pub async fn load_voucher_locked(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<Voucher>, AppError> {
    let lock = if seteli_platform::db::is_postgres(conn) {
        " FOR UPDATE"
    } else {
        ""
    };
    fetch_voucher(conn, id, lock).await
}

async fn fetch_voucher(
    conn: &mut AnyConnection,
    id: &str,
    lock: &str,
) -> Result<Option<Voucher>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1{lock}"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

seteli_platform::aggregate!(
    Voucher,
    "vouchers",
    "voucher",
    load_voucher,
    load_voucher_locked
);

/// Every followed voucher of a client (for the checks across the client's vouchers).
pub async fn client_vouchers(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Vec<Voucher>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE client_id = $1 ORDER BY id"
    )))
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(voucher_from_row).collect()
}
