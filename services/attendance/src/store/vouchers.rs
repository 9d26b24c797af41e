//! The followed copy of the vouchers (`vouchers`): written by the voucher feed
//! ([`upsert_voucher`], newer changes only) but for attendance's own columns (the unit counts)
//! and what it keeps beside it ([`record_approved_month`]), read by every capability and locked by every change of a
//! voucher's sessions ([`seteli_platform::change::Aggregate`]).

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::db::now_micros;
use seteli_platform::statement::AnyQuery;
use seteli_platform::statement::Binds;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::opt_stored_date;
use crate::model::{StartDates, UnitCount, Voucher};
use seteli_platform::convert::stored_service;

/// Stores a followed voucher from a change with sequence `v.feed_sequence`, unless it already
/// has that change or a newer one: newer by the voucher's version first, since two changes of
/// one voucher can stand in the feed in the other order than they were made (the feed is
/// numbered by transaction id), then by sequence. The newest change seen is kept in
/// `voucher_versions_seen`; the copy's row is written only when the change alters what it keeps,
/// so a change of the units alone (vouchers telling back attendance's own count) never locks
/// it. The units used and reserved are attendance's own and never touched here; the social
/// worker is set by the ISSUED change only.
pub async fn upsert_voucher(conn: &mut AnyConnection, v: &Voucher) -> Result<(), AppError> {
    let newest = sqlx::query(
        "INSERT INTO voucher_versions_seen (voucher_id, voucher_version, feed_sequence) \
         VALUES ($1, $2, $3) ON CONFLICT (voucher_id) DO UPDATE \
         SET voucher_version = excluded.voucher_version, feed_sequence = excluded.feed_sequence \
         WHERE (voucher_versions_seen.voucher_version, voucher_versions_seen.feed_sequence) \
             < (excluded.voucher_version, excluded.feed_sequence)",
    )
    .bind(&v.id)
    .bind(v.version)
    .bind(v.feed_sequence)
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if !newest {
        return Ok(());
    }
    // A plain UPDATE whose condition is false locks no row (an upsert's `ON CONFLICT DO
    // UPDATE … WHERE` would lock it all the same).
    let altered = bind_voucher(
        sqlx::query(
            "UPDATE vouchers SET provider_id = $3, state = $5, valid_from = $7, \
             valid_until = $8, units_granted = $9, weekly_cap = $10, responsible_coach = $11, \
             social_worker = CASE WHEN $12 = '' THEN social_worker ELSE $12 END, \
             social_worker_team = CASE WHEN $22 = '' THEN social_worker_team ELSE $22 END, \
             ended_on = $13, voucher_version = $14, feed_sequence = $15, updated_at = $16, \
             provider_chosen_on = $17, agreed_start_on = $18, accepted_on = $19, \
             steward_notified_on = $20, continues_voucher_id = $21 \
             WHERE id = $1 AND (provider_id IS DISTINCT FROM $3 OR state IS DISTINCT FROM $5 \
             OR valid_from IS DISTINCT FROM $7 OR valid_until IS DISTINCT FROM $8 \
             OR units_granted IS DISTINCT FROM $9 OR weekly_cap IS DISTINCT FROM $10 \
             OR responsible_coach IS DISTINCT FROM $11 \
             OR ($12 <> '' AND social_worker IS DISTINCT FROM $12) \
             OR ($22 <> '' AND social_worker_team IS DISTINCT FROM $22) \
             OR ended_on IS DISTINCT FROM $13 OR provider_chosen_on IS DISTINCT FROM $17 \
             OR agreed_start_on IS DISTINCT FROM $18 OR accepted_on IS DISTINCT FROM $19 \
             OR steward_notified_on IS DISTINCT FROM $20 \
             OR continues_voucher_id IS DISTINCT FROM $21 \
             OR client_id IS DISTINCT FROM $2 OR service_type IS DISTINCT FROM $4 \
             OR decision_date IS DISTINCT FROM $6)",
        ),
        v,
    )
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // A voucher not followed before is inserted; an unaltered one stays as it is, unlocked (an
    // insert's conflict check could wait for a session write's update of the row).
    let followed: Option<(String,)> = if altered == 0 {
        sqlx::query_as("SELECT id FROM vouchers WHERE id = $1")
            .bind(&v.id)
            .fetch_optional(&mut *conn)
            .await?
    } else {
        None
    };
    if altered == 0 && followed.is_none() {
        bind_voucher(
            sqlx::query(
                "INSERT INTO vouchers (id, client_id, provider_id, service_type, state, \
                 decision_date, valid_from, valid_until, units_granted, weekly_cap, \
                 responsible_coach, social_worker, ended_on, voucher_version, feed_sequence, \
                 units_used, updated_at, provider_chosen_on, agreed_start_on, accepted_on, \
                 steward_notified_on, continues_voucher_id, social_worker_team) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, \
                         $16, $17, $18, $19, $20, $21, $22) \
                 ON CONFLICT (id) DO NOTHING",
            ),
            v,
        )
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Binds `v` as [`upsert_voucher`]'s statements number it ($1 … $22).
fn bind_voucher<'q>(query: AnyQuery<'q>, v: &Voucher) -> AnyQuery<'q> {
    query
        .bind(v.id.clone())
        .bind(v.client_id.clone())
        .bind(v.provider_id.clone())
        .bind(v.service.code())
        .bind(v.state.clone())
        .bind(store_date(v.decision_date))
        .bind(store_date(v.valid_from))
        .bind(store_date(v.valid_until))
        .bind(v.units_granted)
        .bind(v.weekly_cap)
        .bind(v.responsible_coach.clone())
        .bind(v.social_worker.clone())
        .bind(v.ended_on.map(store_date))
        .bind(v.version)
        .bind(v.feed_sequence)
        .bind(now_micros())
        .bind(v.start.provider_chosen_on.map(store_date))
        .bind(v.start.agreed_start_on.map(store_date))
        .bind(v.start.accepted_on.map(store_date))
        .bind(v.start.steward_notified_on.map(store_date))
        .bind(v.continues.clone())
        .bind(v.social_worker_team.clone())
}

const VOUCHER_COLUMNS: &str = "id, client_id, provider_id, service_type, state, decision_date, \
    valid_from, valid_until, units_granted, weekly_cap, responsible_coach, social_worker, \
    social_worker_team, ended_on, voucher_version, feed_sequence, units_used, units_reserved, \
    provider_chosen_on, agreed_start_on, accepted_on, steward_notified_on, continues_voucher_id, \
    COALESCE((SELECT s.voucher_version FROM voucher_versions_seen s \
              WHERE s.voucher_id = vouchers.id), voucher_version) AS seen_version, \
    COALESCE((SELECT s.feed_sequence FROM voucher_versions_seen s \
              WHERE s.voucher_id = vouchers.id), feed_sequence) AS seen_sequence, \
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
        version: r.try_get("seen_version")?,
        feed_sequence: r.try_get("seen_sequence")?,
        content_stamp: (r.try_get("voucher_version")?, r.try_get("feed_sequence")?),
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
/// when it still stands as `v` was read — the same change altering it last
/// ([`Voucher::content_stamp`]), the same units used and
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
        b.int(v.content_stamp.0),
        b.int(v.content_stamp.1),
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
