//! Absences (`absences`): one per voucher and day.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{PbEnum, parse_stored_date, store_date, to_date};
use seteli_platform::db::now_micros;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{AbsenceKind, AbsenceReason, AbsenceRow, Voucher};

const ABSENCE_COLUMNS: &str = "id, voucher_id, client_id, absence_date, kind, reason, notes, \
    certificate_delivered, certificate_first_day, created_at";

fn absence_from_row(r: &AnyRow) -> Result<AbsenceRow, AppError> {
    let date = parse_stored_date(&r.try_get::<String, _>("absence_date")?)?;
    let kind = AbsenceKind::parse(&r.try_get::<String, _>("kind")?)?;
    let reason_code: String = r.try_get("reason")?;
    let reason = if reason_code.is_empty() {
        None
    } else {
        Some(AbsenceReason::parse(&reason_code)?)
    };
    let delivered = r.try_get::<i64, _>("certificate_delivered")? != 0;
    let first_day = r.try_get::<i64, _>("certificate_first_day")? != 0;
    Ok(AbsenceRow {
        date,
        kind,
        reason,
        certificate_delivered: delivered,
        certificate_first_day: first_day,
        view: pb::Absence {
            id: r.try_get("id")?,
            voucher_id: r.try_get("voucher_id")?,
            client_id: r.try_get("client_id")?,
            date: Some(to_date(date)),
            kind: kind.to_pb(),
            reason: reason.map(PbEnum::to_pb).unwrap_or_default(),
            notes: r.try_get("notes")?,
            certificate_delivered: delivered,
            certificate_required_from_first_day: first_day,
            created_at_micros: r.try_get("created_at")?,
        },
    })
}

/// Inserts an absence; ALREADY_EXISTS when the voucher has one on that day.
#[allow(clippy::too_many_arguments)]
pub async fn insert_absence(
    conn: &mut AnyConnection,
    id: &str,
    v: &Voucher,
    date: NaiveDate,
    kind: AbsenceKind,
    reason: Option<AbsenceReason>,
    notes: &str,
    certificate_delivered: bool,
    certificate_first_day: bool,
) -> Result<(), AppError> {
    let r = sqlx::query(
        "INSERT INTO absences (id, voucher_id, client_id, absence_date, kind, reason, notes, \
         certificate_delivered, certificate_first_day, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (voucher_id, absence_date) DO NOTHING",
    )
    .bind(id)
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(store_date(date))
    .bind(kind.code())
    .bind(reason.map(|r| r.code()).unwrap_or_default())
    .bind(notes)
    .bind(i64::from(certificate_delivered))
    .bind(i64::from(certificate_first_day))
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::AlreadyExists(format!(
            "an absence is already recorded on {date}"
        )));
    }
    Ok(())
}

/// Every absence of a voucher, by date.
pub async fn voucher_absences(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<AbsenceRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE voucher_id = $1 ORDER BY absence_date"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(absence_from_row).collect()
}

/// A page of a voucher's absences by date after the cursor `(date, id)`.
pub async fn list_absences(
    conn: &mut AnyConnection,
    voucher_id: &str,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<AbsenceRow>, AppError> {
    let (a_date, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE voucher_id = $1 \
         AND (absence_date > $2 OR (absence_date = $2 AND id > $3)) \
         ORDER BY absence_date, id LIMIT $4"
    )))
    .bind(voucher_id)
    .bind(a_date)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(absence_from_row).collect()
}
