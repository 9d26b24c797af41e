//! Notices to the social worker: stored once per source (`source_key`), acknowledged, listed
//! latest first, counted.

use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::statement::AnyQuery;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::{actor_from, corrupt};

const NOTICE_COLUMNS: &str = "id, source_key, kind, voucher_id, client_id, provider_id, \
    social_worker, COALESCE((SELECT t.social_worker_team FROM vouchers t \
    WHERE t.id = notices.voucher_id), '') AS social_worker_team, subject_id, situation_change, occurred_on, due_on, told_at, told_on, late, \
    told_by_subject, told_by_role, told_by_organisation, message_en, message_fi, details, state, \
    acknowledged_at, ack_subject, ack_role, ack_organisation, ack_note, version";

fn notice_from_row(r: &AnyRow) -> Result<crate::model::NoticeRow, AppError> {
    use crate::model::{NoticeKind, NoticeRow, NoticeState, SituationChange};
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let change: String = r.try_get("situation_change")?;
    Ok(NoticeRow {
        id: r.try_get("id")?,
        source_key: r.try_get("source_key")?,
        kind: NoticeKind::from_code(&kind).ok_or_else(|| corrupt("notice kind", &kind))?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        social_worker_team: r.try_get("social_worker_team")?,
        subject_id: r.try_get("subject_id")?,
        situation_change: if change.is_empty() {
            None
        } else {
            Some(
                SituationChange::from_code(&change)
                    .ok_or_else(|| corrupt("situation change", &change))?,
            )
        },
        occurred_on: parse_stored_date(&r.try_get::<String, _>("occurred_on")?)?,
        due_on: parse_stored_date(&r.try_get::<String, _>("due_on")?)?,
        told_at: r.try_get("told_at")?,
        told_on: parse_stored_date(&r.try_get::<String, _>("told_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        told_by: actor_from(r, "told_by")?,
        message_en: r.try_get("message_en")?,
        message_fi: r.try_get("message_fi")?,
        details: r.try_get("details")?,
        state: NoticeState::from_code(&state).ok_or_else(|| corrupt("notice state", &state))?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by: actor_from(r, "ack")?,
        acknowledgement_note: r.try_get("ack_note")?,
        version: r.try_get("version")?,
    })
}

/// Stores a new notice unless one with its `source_key` exists; `true` when it was stored.
pub async fn insert_notice(
    conn: &mut AnyConnection,
    n: &crate::model::NoticeRow,
) -> Result<bool, AppError> {
    let insert = sqlx::query(
        "INSERT INTO notices (id, source_key, kind, rule, voucher_id, client_id, provider_id, \
         social_worker, subject_id, situation_change, occurred_on, due_on, told_at, told_on, \
         late, told_by_subject, told_by_role, told_by_organisation, message_en, message_fi, \
         details, state, acknowledged_at, ack_subject, ack_role, ack_organisation, ack_note, \
         version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28) \
         ON CONFLICT (source_key) DO NOTHING",
    )
    .bind(&n.id)
    .bind(&n.source_key)
    .bind(n.kind.code())
    .bind(n.kind.rule())
    .bind(&n.voucher_id)
    .bind(&n.client_id)
    .bind(&n.provider_id)
    .bind(&n.social_worker)
    .bind(&n.subject_id)
    .bind(n.situation_change.map(|c| c.code()).unwrap_or_default())
    .bind(store_date(n.occurred_on))
    .bind(store_date(n.due_on))
    .bind(n.told_at)
    .bind(store_date(n.told_on))
    .bind(i64::from(n.late))
    .bind(&n.told_by.subject)
    .bind(&n.told_by.role)
    .bind(&n.told_by.organisation)
    .bind(&n.message_en)
    .bind(&n.message_fi)
    .bind(&n.details);
    let r = bind_acknowledgement(insert, n).execute(&mut *conn).await?;
    Ok(r.rows_affected() == 1)
}

/// A notice, or `None`.
pub async fn load_notice(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<crate::model::NoticeRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(notice_from_row).transpose()
}

seteli_platform::aggregate!(crate::model::NoticeRow, "notices", "notice", load_notice);

/// Binds the notice's state, acknowledgement and version: the last seven parameters of both
/// the insert and the acknowledgement's update.
fn bind_acknowledgement<'q>(query: AnyQuery<'q>, n: &'q crate::model::NoticeRow) -> AnyQuery<'q> {
    query
        .bind(n.state.code())
        .bind(n.acknowledged_at)
        .bind(&n.acknowledged_by.subject)
        .bind(&n.acknowledged_by.role)
        .bind(&n.acknowledged_by.organisation)
        .bind(&n.acknowledgement_note)
        .bind(n.version)
}

/// Stores a notice's acknowledgement as version `n.version`.
pub async fn save_notice_acknowledgement(
    conn: &mut AnyConnection,
    n: &crate::model::NoticeRow,
) -> Result<(), AppError> {
    let update = sqlx::query(
        "UPDATE notices SET state = $2, acknowledged_at = $3, ack_subject = $4, ack_role = $5, \
         ack_organisation = $6, ack_note = $7, version = $8 WHERE id = $1",
    )
    .bind(&n.id);
    bind_acknowledgement(update, n).execute(&mut *conn).await?;
    Ok(())
}

/// Which notices a list asks for (empty strings and `None`: any).
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only this social worker's…
    pub social_worker: String,
    /// …or their team's (empty: no team).
    pub social_worker_team: String,
    /// Only this provider's.
    pub provider_id: String,
    /// Only this voucher's.
    pub voucher_id: String,
    /// Only in this state (code).
    pub state: String,
    /// Only of this kind (code).
    pub kind: String,
    /// Only those told late.
    pub late_only: bool,
}

/// A page of notices, the latest told first, after the cursor `(told_at, id)`.
pub async fn list_notices(
    conn: &mut AnyConnection,
    f: &NoticeFilter,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<crate::model::NoticeRow>, AppError> {
    let (a_at, a_id) = after.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices \
         WHERE ($1 = '' OR social_worker = $1 OR ($10 <> '' AND voucher_id IN \
                (SELECT id FROM vouchers WHERE social_worker_team = $10))) \
         AND ($2 = '' OR provider_id = $2) \
         AND ($3 = '' OR voucher_id = $3) AND ($4 = '' OR state = $4) \
         AND ($5 = '' OR kind = $5) AND ($6 = 0 OR late = 1) \
         AND (told_at < $7 OR (told_at = $7 AND ($8 = '' OR id < $8))) \
         ORDER BY told_at DESC, id DESC LIMIT $9"
    )))
    .bind(&f.social_worker)
    .bind(&f.provider_id)
    .bind(&f.voucher_id)
    .bind(&f.state)
    .bind(&f.kind)
    .bind(i64::from(f.late_only))
    .bind(a_at)
    .bind(a_id)
    .bind(limit)
    .bind(&f.social_worker_team)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(notice_from_row).collect()
}

/// How many notices are kept.
pub async fn count_notices(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notices")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}
