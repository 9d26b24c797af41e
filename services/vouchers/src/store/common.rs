//! What several capabilities' SQL shares: the counters (one `UPDATE … RETURNING` inside the
//! transaction that uses them), the ended states as SQL, and reading a conditional update's
//! outcome.

use seteli_platform::AppError;
use sqlx::AnyConnection;

/// Adds `by` to a counter and returns its new value (the row stays locked until commit).
pub async fn bump_counter(conn: &mut AnyConnection, name: &str, by: i64) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE voucher_counters SET value = value + $2 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(v,)| v)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("counter {name} is missing")))
}

/// The states in which a voucher's service has ended, as SQL (access::ENDED).
pub(super) const ENDED_STATES: &str = "'COMPLETED', 'INTERRUPTED', 'CANCELLED', 'EXPIRED'";

/// Whether a conditional update changed a row.
pub(super) async fn changed(
    r: Result<sqlx::any::AnyQueryResult, sqlx::Error>,
) -> Result<bool, AppError> {
    Ok(r?.rows_affected() > 0)
}
