//! The billing side of sessions: which vouchers have sessions in a month, the mark of a
//! session on an invoice (never on two), and its release when the county returned the invoice.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use seteli_platform::db::now_micros;
use sqlx::AnyConnection;

/// Vouchers of `provider_id` with sessions dated in `[from, until]`, by id, after `after`.
pub async fn billable_vouchers(
    conn: &mut AnyConnection,
    provider_id: &str,
    from: NaiveDate,
    until: NaiveDate,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT voucher_id FROM sessions WHERE provider_id = $1 \
         AND session_date >= $2 AND session_date <= $3 AND voucher_id > $4 \
         ORDER BY voucher_id LIMIT $5",
    )
    .bind(provider_id)
    .bind(store_date(from))
    .bind(store_date(until))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

/// Marks a session invoiced on `invoice_id` with `units`; `false` when it is on another
/// invoice already (or does not exist).
pub async fn mark_invoiced(
    conn: &mut AnyConnection,
    session_id: &str,
    invoice_id: &str,
    units: i64,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE sessions SET invoice_id = $2, invoiced_units = $3, corrected_after_invoicing = 0, \
         version = version + 1, updated_at = $4 \
         WHERE id = $1 AND (invoice_id IS NULL OR invoice_id = $2 OR corrected_after_invoicing = 1)",
    )
    .bind(session_id)
    .bind(invoice_id)
    .bind(units)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Releases a session from returned invoice `invoice_id`: no longer invoiced (nor corrected
/// after invoicing), so its provider's user changes it again. `false` when it is not on that
/// invoice (any more).
pub async fn release_invoiced(
    conn: &mut AnyConnection,
    session_id: &str,
    invoice_id: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE sessions SET invoice_id = NULL, invoiced_units = NULL, invoiced_kind = NULL, \
         corrected_after_invoicing = 0, version = version + 1, updated_at = $3 \
         WHERE id = $1 AND invoice_id = $2",
    )
    .bind(session_id)
    .bind(invoice_id)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}
