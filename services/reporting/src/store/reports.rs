//! Report obligations and their reports: owed (or no longer) as the followed vouchers change,
//! each report stored with its state and text, listed by due date.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::db::now_micros;
use seteli_rules::reports::ReportObligation;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::{corrupt, opt_stored_date};
use crate::model::{
    ObligationRow, ReportState, Sections, Voucher, kind_code, kind_from_code, obligation_id,
};
use seteli_platform::convert::stored_service;

const OBLIGATION_COLUMNS: &str = "id, voucher_id, client_id, provider_id, social_worker, \
    COALESCE((SELECT t.social_worker_team FROM vouchers t WHERE t.id = obligations.voucher_id), \
    '') AS social_worker_team, \
    service_type, kind, rule, due_on, active, report_state, goals_and_attainment, changes, \
    means_with_examples, follow_up_plan, notes, submitted_on, late, revision_reason, version";

fn obligation_from_row(r: &AnyRow) -> Result<ObligationRow, AppError> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("report_state")?;
    Ok(ObligationRow {
        id: r.try_get("id")?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        social_worker_team: r.try_get("social_worker_team")?,
        service: stored_service(&r.try_get::<String, _>("service_type")?)?,
        kind: kind_from_code(&kind).ok_or_else(|| corrupt("report kind", &kind))?,
        rule: r.try_get("rule")?,
        due_on: parse_stored_date(&r.try_get::<String, _>("due_on")?)?,
        active: r.try_get::<i64, _>("active")? != 0,
        state: ReportState::from_code(&state).ok_or_else(|| corrupt("report state", &state))?,
        sections: Sections {
            goals_and_attainment: r.try_get("goals_and_attainment")?,
            changes: r.try_get("changes")?,
            means_with_examples: r.try_get("means_with_examples")?,
            follow_up_plan: r.try_get("follow_up_plan")?,
            notes: r.try_get("notes")?,
        },
        submitted_on: opt_stored_date(r.try_get("submitted_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        revision_reason: r.try_get("revision_reason")?,
        version: r.try_get("version")?,
    })
}

/// An obligation with its report, or `None`.
pub async fn load_obligation(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ObligationRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(obligation_from_row).transpose()
}

seteli_platform::aggregate!(ObligationRow, "obligations", "report", load_obligation);

/// Every obligation ever derived for voucher `voucher_id` (owed or not).
pub async fn voucher_obligations(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<ObligationRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE voucher_id = $1 ORDER BY id"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(obligation_from_row).collect()
}

/// Records that voucher `v` owes `o` (a new obligation, or a new due date and the voucher's
/// current provider and social worker for a known one).
pub async fn owe(
    conn: &mut AnyConnection,
    v: &Voucher,
    o: &ReportObligation,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO obligations (id, voucher_id, client_id, provider_id, social_worker, \
         service_type, kind, rule, due_on, active, report_state, goals_and_attainment, changes, \
         means_with_examples, follow_up_plan, notes, submitted_on, late, revision_reason, \
         version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 'NOT_STARTED', '', '', '', '', '', \
                 NULL, 0, '', 0, $10) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         social_worker = excluded.social_worker, due_on = excluded.due_on, active = 1, \
         updated_at = excluded.updated_at",
    )
    .bind(obligation_id(&v.id, o.rule))
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(v.service.code())
    .bind(kind_code(o.kind))
    .bind(o.rule)
    .bind(store_date(o.due))
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks obligation `id` as no longer owed.
pub async fn drop_obligation(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE obligations SET active = 0, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_micros())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores the report of `o` (state, text, submission, revision reason) as version
/// `o.version`.
pub async fn save_report(conn: &mut AnyConnection, o: &ObligationRow) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE obligations SET report_state = $2, goals_and_attainment = $3, changes = $4, \
         means_with_examples = $5, follow_up_plan = $6, notes = $7, submitted_on = $8, \
         late = $9, revision_reason = $10, version = $11, updated_at = $12 WHERE id = $1",
    )
    .bind(&o.id)
    .bind(o.state.code())
    .bind(&o.sections.goals_and_attainment)
    .bind(&o.sections.changes)
    .bind(&o.sections.means_with_examples)
    .bind(&o.sections.follow_up_plan)
    .bind(&o.sections.notes)
    .bind(o.submitted_on.map(store_date))
    .bind(i64::from(o.late))
    .bind(&o.revision_reason)
    .bind(o.version)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which obligations a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    /// Only this provider's (empty: any).
    pub provider_id: String,
    /// Only this social worker's (empty: any)…
    pub social_worker: String,
    /// …or their team's (empty: no team).
    pub social_worker_team: String,
    /// `DUE`, `OVERDUE`, `SUBMITTED` or empty (any), as of `today`.
    pub status: &'static str,
    /// The day the status is judged on.
    pub today: NaiveDate,
    /// Only this voucher's (empty: any).
    pub voucher_id: String,
    /// Only reports handed in (submitted or acknowledged): what a client is given.
    pub given_only: bool,
}

/// A page of owed obligations by due date after the cursor `(due_on, id)`.
pub async fn list_obligations(
    conn: &mut AnyConnection,
    f: &ObligationFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<ObligationRow>, AppError> {
    let (a_due, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE active = 1 \
         AND ($1 = '' OR provider_id = $1) \
         AND ($2 = '' OR social_worker = $2 OR ($8 <> '' AND voucher_id IN \
              (SELECT id FROM vouchers WHERE social_worker_team = $8))) \
         AND ($3 = '' \
              OR ($3 = 'SUBMITTED' AND report_state IN ('SUBMITTED', 'ACKNOWLEDGED')) \
              OR ($3 = 'DUE' AND report_state NOT IN ('SUBMITTED', 'ACKNOWLEDGED') \
                  AND due_on >= $4) \
              OR ($3 = 'OVERDUE' AND report_state NOT IN ('SUBMITTED', 'ACKNOWLEDGED') \
                  AND due_on < $4)) \
         AND ($9 = '' OR voucher_id = $9) \
         AND ($10 = 0 OR report_state IN ('SUBMITTED', 'ACKNOWLEDGED')) \
         AND (due_on > $5 OR (due_on = $5 AND id > $6)) ORDER BY due_on, id LIMIT $7"
    )))
    .bind(&f.provider_id)
    .bind(&f.social_worker)
    .bind(f.status)
    .bind(store_date(f.today))
    .bind(a_due)
    .bind(a_id)
    .bind(limit)
    .bind(&f.social_worker_team)
    .bind(&f.voucher_id)
    .bind(i64::from(f.given_only))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(obligation_from_row).collect()
}
