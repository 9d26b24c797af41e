//! The units used and reserved per voucher (columns of the followed copy, attendance's own) and
//! the usage feed `vouchers` follows ([`USAGE_FEED`]): a count moves with one conditional update
//! that never lets the two exceed the grant, and its change is appended in the same
//! transaction. Used are realised sessions and allowed no-shows; reserved are agreed sessions,
//! dated after the day of the count (RULES.md §10, "realised, not planned").

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{store_date, to_date};
use seteli_platform::db::now_micros;
use seteli_platform::feed::PublishedFeed;
use seteli_platform::statement::Binds;
use sqlx::AnyConnection;

use super::opt_stored_date;
use crate::model::{UnitCount, to_units};

/// The usage feed `vouchers` follows: `usage_changes`, numbered and read as
/// `seteli_platform::feed::published` says (no shared counter row; a reader resuming after the
/// last sequence it saw never misses a change).
pub const USAGE_FEED: PublishedFeed = PublishedFeed {
    table: "usage_changes",
    counters: "attendance_counters",
    offset: "usage_feed_xid_offset",
};

/// Sets the units used and reserved (CAP-UNITS: together never above the granted units) as
/// counted on `counted_on`, and moves the voucher's usage version on; the new version, or
/// `None` when refused. The voucher is locked, so versions follow the order the counts were
/// made in.
pub async fn set_units(
    conn: &mut AnyConnection,
    voucher_id: &str,
    count: UnitCount,
    counted_on: NaiveDate,
) -> Result<Option<i64>, AppError> {
    write_units(conn, voucher_id, count, counted_on, "").await
}

/// [`set_units`] only when `count` differs from the count stored: `Some(usage_version)` when it
/// moved and was written within the grant, `None` when it did not move, exceeds the grant or
/// attendance does not follow the voucher (then [`units_now`] tells which). A session's write
/// moves the count, so it is one statement in the common case.
pub async fn set_units_if_moved(
    conn: &mut AnyConnection,
    voucher_id: &str,
    count: UnitCount,
    counted_on: NaiveDate,
) -> Result<Option<i64>, AppError> {
    let moved = "AND (units_used <> $2 OR units_reserved <> $3)";
    write_units(conn, voucher_id, count, counted_on, moved).await
}

/// [`set_units`] as a part of a composed statement, on a voucher an earlier part locked and
/// checked against the grant: for each row of `gate`; `RETURNING usage_version`.
pub(super) fn set_units_part(
    b: &mut Binds,
    voucher_id: &str,
    count: UnitCount,
    counted_on: NaiveDate,
    gate: &str,
) -> String {
    format!(
        "UPDATE vouchers SET units_used = {}, units_reserved = {}, counted_on = {}, \
         usage_version = usage_version + 1 \
         WHERE id = {} AND EXISTS (SELECT 1 FROM {gate}) RETURNING usage_version",
        b.int(count.used),
        b.int(count.reserved),
        b.text(store_date(counted_on)),
        b.text(voucher_id),
    )
}

/// The update of [`set_units`], on the further condition `and` (constant SQL).
async fn write_units(
    conn: &mut AnyConnection,
    voucher_id: &str,
    count: UnitCount,
    counted_on: NaiveDate,
    and: &'static str,
) -> Result<Option<i64>, AppError> {
    let version: Option<(i64,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "UPDATE vouchers SET units_used = $2, units_reserved = $3, counted_on = $4, \
         usage_version = usage_version + 1 \
         WHERE id = $1 AND $2 + $3 <= units_granted AND $2 >= 0 AND $3 >= 0 {and} \
         RETURNING usage_version"
    )))
    .bind(voucher_id)
    .bind(count.used)
    .bind(count.reserved)
    .bind(store_date(counted_on))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(version.map(|(v,)| v))
}

/// The units used and reserved on a voucher as stored now (inside a transaction that locked
/// the voucher), or `None` when attendance does not follow it.
pub async fn units_now(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Option<UnitCount>, AppError> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT units_used, units_reserved FROM vouchers WHERE id = $1")
            .bind(voucher_id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.map(|(used, reserved)| UnitCount { used, reserved }))
}

/// Vouchers whose count was made before `today` and that hold a recorded session dated after
/// that count and no later than today: agreed sessions whose day has come, so their units move
/// from reserved to used (a count made before 0106 has no day and is made again once). At most
/// `limit`, by id.
pub async fn vouchers_to_recount(
    conn: &mut AnyConnection,
    today: NaiveDate,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT v.id FROM vouchers v WHERE v.counted_on < $1 AND EXISTS (\
         SELECT 1 FROM sessions s WHERE s.voucher_id = v.id AND s.status = 'RECORDED' \
         AND s.session_date > v.counted_on AND s.session_date <= $1) \
         ORDER BY v.id LIMIT $2",
    )
    .bind(store_date(today))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?)
}

/// Appends a change of a voucher's units used and reserved to the usage feed, in the
/// transaction that moved the count, with the usage version [`set_units`] gave it; its sequence ([`USAGE_FEED`]).
pub async fn append_usage_change(
    conn: &mut AnyConnection,
    voucher_id: &str,
    count: UnitCount,
    first_used_on: Option<NaiveDate>,
    usage_version: i64,
) -> Result<i64, AppError> {
    USAGE_FEED
        .append(conn, USAGE_CHANGE_COLUMNS, |query| {
            query
                .bind(voucher_id)
                .bind(count.used)
                .bind(count.reserved)
                .bind(first_used_on.map(store_date))
                .bind(now_micros())
                .bind(usage_version)
        })
        .await
}

/// [`append_usage_change`] as a part of a composed statement (PostgreSQL): the change of the
/// count `units` (the part of [`set_units_part`]) wrote, with its usage version.
pub(super) fn usage_change_part(
    b: &mut Binds,
    voucher_id: &str,
    count: UnitCount,
    first_used_on: Option<NaiveDate>,
    units: &str,
) -> String {
    let values = format!(
        "{}, {}, {}, {}, {}, (SELECT usage_version FROM {units})",
        b.text(voucher_id),
        b.int(count.used),
        b.int(count.reserved),
        b.opt_text(first_used_on.map(store_date)),
        b.int(now_micros()),
    );
    USAGE_FEED.append_part(USAGE_CHANGE_COLUMNS, &values, units)
}

/// The columns of a usage change after its sequence.
const USAGE_CHANGE_COLUMNS: &str =
    "voucher_id, units_used, units_reserved, first_used_on, occurred_at, usage_version";

/// Usage changes after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_page`]).
pub async fn list_usage_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::UsageChange>, AppError> {
    type UsageRecord = (i64, String, i64, i64, Option<String>, i64, i64);
    let rows = USAGE_FEED
        .read_page(
            conn,
            after,
            limit,
            |settled| {
                // Only the constant condition is formatted in: no input reaches the SQL text.
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT sequence, voucher_id, units_used, units_reserved, first_used_on, \
                     occurred_at, usage_version FROM usage_changes WHERE sequence > $1 {settled} \
                     ORDER BY sequence LIMIT $2"
                )))
                .bind(after)
                .bind(limit)
            },
            |r: &UsageRecord| r.0,
        )
        .await?;
    rows.into_iter()
        .map(
            |(sequence, voucher_id, used, reserved, first, at, usage_version)| {
                Ok(pb::UsageChange {
                    sequence,
                    voucher_id,
                    units_used: Some(to_units(used)),
                    units_reserved: Some(to_units(reserved)),
                    first_used_on: opt_stored_date(first)?.map(to_date),
                    occurred_at_micros: at,
                    usage_version,
                })
            },
        )
        .collect()
}

/// The clients whose vouchers the usage changes after `after` up to `last` are about (the
/// audit entry of a feed read).
pub async fn clients_of_usage_changes(
    conn: &mut AnyConnection,
    after: i64,
    last: i64,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT client_id FROM vouchers WHERE id IN \
         (SELECT voucher_id FROM usage_changes WHERE sequence > $1 AND sequence <= $2)",
    )
    .bind(after)
    .bind(last)
    .fetch_all(&mut *conn)
    .await?)
}
