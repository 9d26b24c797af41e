//! Alerts (`alerts`, raised once per `dedup_key`) and the alert feed `reporting` follows
//! ([`ALERT_FEED`]).

use seteli_api::attendance::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{PbEnum, parse_stored_date, store_date, to_date};
use seteli_platform::db::{new_id, now_micros};
use seteli_platform::feed::PublishedFeed;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{AlertState, Audience, NewAlert, Voucher};
use seteli_platform::convert::{store_message, stored_message};

/// The alert feed `reporting` follows: `alert_changes`, numbered and read as the usage feed.
pub const ALERT_FEED: PublishedFeed = PublishedFeed {
    table: "alert_changes",
    counters: "attendance_counters",
    offset: "alert_feed_xid_offset",
};

const ALERT_COLUMNS: &str = "id, rule_id, audience, voucher_id, client_id, provider_id, \
    social_worker, message_en, message_fi, due_on, state, subject_id, resolution, created_at";

fn alert_from_row(r: &AnyRow) -> Result<pb::Alert, AppError> {
    Ok(pb::Alert {
        id: r.try_get("id")?,
        rule_id: r.try_get("rule_id")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)?.to_pb(),
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        message_en: r.try_get("message_en")?,
        message_fi: r.try_get("message_fi")?,
        due_on: Some(to_date(parse_stored_date(
            &r.try_get::<String, _>("due_on")?,
        )?)),
        state: AlertState::parse(&r.try_get::<String, _>("state")?)?.to_pb(),
        subject_id: r.try_get("subject_id")?,
        created_at_micros: r.try_get("created_at")?,
        resolution: r.try_get("resolution")?,
    })
}

/// Raises an alert on voucher `v` unless one with the same key exists; the new alert, if any.
pub async fn insert_alert(
    conn: &mut AnyConnection,
    v: &Voucher,
    a: &NewAlert,
) -> Result<Option<pb::Alert>, AppError> {
    let id = new_id();
    let r = sqlx::query(
        "INSERT INTO alerts (id, dedup_key, rule_id, audience, voucher_id, client_id, \
         provider_id, social_worker, message_en, message_fi, due_on, state, subject_id, \
         resolution, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'OPEN', $12, '', $13) \
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&a.dedup_key)
    .bind(a.rule_id)
    .bind(a.audience.code())
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(&a.message_en)
    .bind(&a.message_fi)
    .bind(store_date(a.due_on))
    .bind(&a.subject_id)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    load_alert(conn, &id).await
}

/// Loads an alert, or `None`.
pub async fn load_alert(conn: &mut AnyConnection, id: &str) -> Result<Option<pb::Alert>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(alert_from_row).transpose()
}

/// OPEN → RESOLVED; `false` when it was not open.
pub async fn resolve_alert(
    conn: &mut AnyConnection,
    id: &str,
    resolution: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE alerts SET state = 'RESOLVED', resolution = $2 WHERE id = $1 AND state = 'OPEN'",
    )
    .bind(id)
    .bind(resolution)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Filters of an alert listing (empty strings: no filter).
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Provider.
    pub provider_id: String,
    /// Social worker…
    pub social_worker: String,
    /// …or the team of the voucher's social worker (`""`: no team).
    pub social_worker_team: String,
    /// Voucher.
    pub voucher_id: String,
    /// State code.
    pub state: String,
}

/// A page of alerts by due date after the cursor `(due_on, id)`.
pub async fn list_alerts(
    conn: &mut AnyConnection,
    f: &AlertFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<pb::Alert>, AppError> {
    let (a_due, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE ($1 = '' OR provider_id = $1) \
         AND ($2 = '' OR social_worker = $2 OR ($8 <> '' AND voucher_id IN \
              (SELECT id FROM vouchers WHERE social_worker_team = $8))) \
         AND ($3 = '' OR voucher_id = $3) \
         AND ($4 = '' OR state = $4) AND (due_on > $5 OR (due_on = $5 AND id > $6)) \
         ORDER BY due_on, id LIMIT $7"
    )))
    .bind(&f.provider_id)
    .bind(&f.social_worker)
    .bind(&f.voucher_id)
    .bind(&f.state)
    .bind(a_due)
    .bind(a_id)
    .bind(limit)
    .bind(&f.social_worker_team)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

/// Appends an alert change to the feed; its sequence ([`ALERT_FEED`]).
pub async fn append_alert_change(
    conn: &mut AnyConnection,
    alert: &pb::Alert,
    kind: pb::AlertChangeKind,
) -> Result<i64, AppError> {
    ALERT_FEED
        .append(conn, "alert_id, kind, snapshot", |query| {
            query
                .bind(&alert.id)
                .bind(kind.as_str_name())
                .bind(store_message(alert))
        })
        .await
}

/// Alert changes after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_changes`]).
pub async fn list_alert_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::AlertChange>, AppError> {
    let rows: Vec<(i64, String, String)> = ALERT_FEED
        .read_changes(conn, "kind, snapshot", after, limit)
        .await?;
    rows.into_iter()
        .map(|(sequence, kind, snapshot)| {
            Ok(pb::AlertChange {
                sequence,
                kind: pb::AlertChangeKind::from_str_name(&kind)
                    .map(|k| k as i32)
                    .unwrap_or_default(),
                alert: Some(stored_message(&snapshot, "alert")?),
            })
        })
        .collect()
}
