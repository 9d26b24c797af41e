//! Groups (`coaching_groups`) and their enrolments (`group_enrolments`).

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::db::now_micros;
use seteli_rules::ServiceType;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::opt_stored_date;
use crate::model::{
    EnrolmentRow, EnrolmentState, GroupInput, GroupMode, GroupRow, GroupState, Voucher,
};
use seteli_platform::convert::stored_service;

const GROUP_COLUMNS: &str = "id, provider_id, service_type, name, mode, max_size, \
    announced_start, start_on, schedule, state, decision_reason, version, created_at, updated_at";

const ENROLMENT_COLUMNS: &str = "group_id, voucher_id, client_id, joins_on, state, enrolled_on, \
    withdrawn_on, withdrawal_reason";

fn group_from_row(r: &AnyRow) -> Result<GroupRow, AppError> {
    Ok(GroupRow {
        id: r.try_get("id")?,
        provider_id: r.try_get("provider_id")?,
        service: stored_service(&r.try_get::<String, _>("service_type")?)?,
        name: r.try_get("name")?,
        mode: GroupMode::parse(&r.try_get::<String, _>("mode")?)?,
        max_size: u32::try_from(r.try_get::<i64, _>("max_size")?).unwrap_or_default(),
        announced_start: parse_stored_date(&r.try_get::<String, _>("announced_start")?)?,
        start: parse_stored_date(&r.try_get::<String, _>("start_on")?)?,
        schedule: r.try_get("schedule")?,
        state: GroupState::parse(&r.try_get::<String, _>("state")?)?,
        decision_reason: r.try_get("decision_reason")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        enrolments: Vec::new(),
    })
}

fn enrolment_from_row(r: &AnyRow) -> Result<EnrolmentRow, AppError> {
    Ok(EnrolmentRow {
        group_id: r.try_get("group_id")?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        joins_on: parse_stored_date(&r.try_get::<String, _>("joins_on")?)?,
        state: EnrolmentState::parse(&r.try_get::<String, _>("state")?)?,
        enrolled_on: parse_stored_date(&r.try_get::<String, _>("enrolled_on")?)?,
        withdrawn_on: opt_stored_date(r.try_get("withdrawn_on")?)?,
        withdrawal_reason: r.try_get("withdrawal_reason")?,
    })
}

/// Inserts an ANNOUNCED group starting on its announced start.
pub async fn insert_group(
    conn: &mut AnyConnection,
    id: &str,
    provider_id: &str,
    g: &GroupInput,
) -> Result<(), AppError> {
    let now = now_micros();
    sqlx::query(
        "INSERT INTO coaching_groups (id, provider_id, service_type, name, mode, max_size, \
         announced_start, start_on, schedule, state, decision_reason, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'ANNOUNCED', '', 1, $9, $9)",
    )
    .bind(id)
    .bind(provider_id)
    .bind(g.service.code())
    .bind(&g.name)
    .bind(g.mode.code())
    .bind(i64::from(g.max_size))
    .bind(store_date(g.announced_start))
    .bind(&g.schedule)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A group's enrolments, by voucher id.
pub async fn group_enrolments(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<EnrolmentRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLMENT_COLUMNS} FROM group_enrolments WHERE group_id = $1 ORDER BY voucher_id"
    )))
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(enrolment_from_row).collect()
}

/// SK 5: the start (announced, or as delayed) of the closed, still announced group `voucher_id`
/// is enrolled in, if any: the agreed start of its client (PROC-START).
pub async fn closed_group_start(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Option<NaiveDate>, AppError> {
    let start: Option<String> = sqlx::query_scalar(
        "SELECT MIN(g.start_on) FROM group_enrolments e \
         JOIN coaching_groups g ON g.id = e.group_id \
         WHERE e.voucher_id = $1 AND e.state = 'ENROLLED' AND g.mode = 'CLOSED' \
         AND g.state = 'ANNOUNCED'",
    )
    .bind(voucher_id)
    .fetch_one(&mut *conn)
    .await?;
    start.map(|d| parse_stored_date(&d)).transpose()
}

/// Loads a group with its enrolments, or `None`.
pub async fn load_group(conn: &mut AnyConnection, id: &str) -> Result<Option<GroupRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM coaching_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(mut g) = row.as_ref().map(group_from_row).transpose()? else {
        return Ok(None);
    };
    g.enrolments = group_enrolments(conn, id).await?;
    Ok(Some(g))
}

seteli_platform::aggregate!(GroupRow, "coaching_groups", "group", load_group);

/// A page of groups by start after the cursor `(start, id)`, with their enrolments.
pub async fn list_groups(
    conn: &mut AnyConnection,
    provider_id: &str,
    service: Option<ServiceType>,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<GroupRow>, AppError> {
    let (a_start, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM coaching_groups WHERE ($1 = '' OR provider_id = $1) \
         AND ($2 = '' OR service_type = $2) \
         AND (start_on > $3 OR (start_on = $3 AND id > $4)) ORDER BY start_on, id LIMIT $5"
    )))
    .bind(provider_id)
    .bind(service.map(|s| s.code()).unwrap_or_default())
    .bind(a_start)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut g = group_from_row(r)?;
        g.enrolments = group_enrolments(conn, &g.id).await?;
        out.push(g);
    }
    Ok(out)
}

/// Enrols a voucher (again, when it was withdrawn): ENROLLED from `enrolled_on`.
pub async fn enrol(
    conn: &mut AnyConnection,
    group_id: &str,
    v: &Voucher,
    joins_on: NaiveDate,
    enrolled_on: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO group_enrolments (group_id, voucher_id, client_id, joins_on, state, \
         enrolled_on, withdrawn_on, withdrawal_reason) \
         VALUES ($1, $2, $3, $4, 'ENROLLED', $5, NULL, '') \
         ON CONFLICT (group_id, voucher_id) DO UPDATE SET joins_on = excluded.joins_on, \
         state = 'ENROLLED', enrolled_on = excluded.enrolled_on, withdrawn_on = NULL, \
         withdrawal_reason = ''",
    )
    .bind(group_id)
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(store_date(joins_on))
    .bind(store_date(enrolled_on))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// ENROLLED → WITHDRAWN on `on`; `false` when it was not enrolled.
pub async fn withdraw(
    conn: &mut AnyConnection,
    group_id: &str,
    voucher_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE group_enrolments SET state = 'WITHDRAWN', withdrawn_on = $3, \
         withdrawal_reason = $4 WHERE group_id = $1 AND voucher_id = $2 AND state = 'ENROLLED'",
    )
    .bind(group_id)
    .bind(voucher_id)
    .bind(store_date(on))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Counts a change of the group (enrolments, sessions) in its version.
pub async fn touch_group(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE coaching_groups SET version = version + 1, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_micros())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// ANNOUNCED → CANCELLED; `false` when it was not announced.
pub async fn cancel_group(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE coaching_groups SET state = 'CANCELLED', decision_reason = $2, \
         version = version + 1, updated_at = $3 WHERE id = $1 AND state = 'ANNOUNCED'",
    )
    .bind(id)
    .bind(reason)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Moves an ANNOUNCED group's start to `new_start`; enrolled clients who were to join before
/// it join on it. `false` when it was not announced.
pub async fn delay_group(
    conn: &mut AnyConnection,
    id: &str,
    new_start: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE coaching_groups SET start_on = $2, decision_reason = $3, \
         version = version + 1, updated_at = $4 WHERE id = $1 AND state = 'ANNOUNCED'",
    )
    .bind(id)
    .bind(store_date(new_start))
    .bind(reason)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE group_enrolments SET joins_on = $2 WHERE group_id = $1 AND joins_on < $2 \
         AND state = 'ENROLLED'",
    )
    .bind(id)
    .bind(store_date(new_start))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}
