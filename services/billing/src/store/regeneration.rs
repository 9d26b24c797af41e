//! A returned document generated again (issue 25): what it billed taken back from the item and
//! voucher totals ([`unbill`]), its body replaced in place ([`replace_returned`]), and the
//! month's generation pointed at what the month has now ([`set_generation`]). Each in the
//! generation's transaction, its provider locked.

use seteli_api::billing::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::db::now_micros;
use sqlx::AnyConnection;

use super::without_items;
use crate::model::InvoiceState;
use seteli_platform::convert::store_message;

/// Takes back what document `invoice_id` billed (an invoice) or credited (`credit`: a credit
/// note) from the item and voucher totals, and forgets its items: it bills nothing until it is
/// written again.
pub async fn unbill(
    conn: &mut AnyConnection,
    invoice_id: &str,
    credit: bool,
) -> Result<(), AppError> {
    // The items' rows hold positive figures on either kind of document (`add_items`).
    let sign: i64 = if credit { -1 } else { 1 };
    sqlx::query(
        "UPDATE item_totals SET \
         units = units - $2 * (SELECT i.units FROM invoice_items i \
           WHERE i.invoice_id = $1 AND i.item_id = item_totals.item_id), \
         cents = cents - $2 * (SELECT i.cents FROM invoice_items i \
           WHERE i.invoice_id = $1 AND i.item_id = item_totals.item_id) \
         WHERE item_id IN (SELECT item_id FROM invoice_items WHERE invoice_id = $1)",
    )
    .bind(invoice_id)
    .bind(sign)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE voucher_totals SET \
         units = units - $2 * (SELECT CAST(COALESCE(SUM(i.units), 0) AS BIGINT) \
           FROM invoice_items i WHERE i.invoice_id = $1 AND i.voucher_id = voucher_totals.voucher_id), \
         cents = cents - $2 * (SELECT CAST(COALESCE(SUM(i.cents), 0) AS BIGINT) \
           FROM invoice_items i WHERE i.invoice_id = $1 AND i.voucher_id = voucher_totals.voucher_id) \
         WHERE voucher_id IN (SELECT voucher_id FROM invoice_items WHERE invoice_id = $1)",
    )
    .bind(invoice_id)
    .bind(sign)
    .execute(&mut *conn)
    .await?;
    sqlx::query("DELETE FROM invoice_items WHERE invoice_id = $1")
        .bind(invoice_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Replaces the body of RETURNED document `body.id` (same id, same number) and moves it to
/// `state`: DRAFT with what is billed now, or WITHDRAWN with nothing. Attendance is to be told
/// its items again. `false` when it is no longer RETURNED.
pub async fn replace_returned(
    conn: &mut AnyConnection,
    body: &pb::Invoice,
    state: InvoiceState,
) -> Result<bool, AppError> {
    let body = without_items(body);
    let r = sqlx::query(
        "UPDATE invoices SET state = $2, total_cents = $3, items_marked = 0, \
         version = version + 1, updated_at = $4, body = $5 WHERE id = $1 AND state = $6",
    )
    .bind(&body.id)
    .bind(state.code())
    .bind(body.total.map(|m| m.cents).unwrap_or_default())
    .bind(now_micros())
    .bind(store_message(body.as_ref()))
    .bind(InvoiceState::Returned.code())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Points a generated month at the documents it has now (a withdrawn one is no longer its
/// invoice; a credit note made when it was generated again is).
pub async fn set_generation(
    conn: &mut AnyConnection,
    provider_id: &str,
    period: &str,
    invoice_id: Option<&str>,
    credit_note_id: Option<&str>,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE generations SET invoice_id = $3, credit_note_id = $4 \
         WHERE provider_id = $1 AND period = $2",
    )
    .bind(provider_id)
    .bind(period)
    .bind(invoice_id)
    .bind(credit_note_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
