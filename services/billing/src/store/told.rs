//! What `attendance` has been told of each document: its items invoiced (`items_marked`), its
//! approval, and, once the county returned it, the release of its items (`release_round`,
//! `items_released`). What is not told yet is told by the retry job
//! (`crate::jobs::mark_invoiced`), in the order it happened: a release before the items are
//! marked again.

use seteli_platform::AppError;
use sqlx::AnyConnection;

use crate::model::InvoiceState;

/// What `attendance` has been told of a document (`items_marked`): nothing yet, its items
/// invoiced, and its approval (after which its vouchers' months take no late record).
pub const TOLD_NOTHING: i64 = 0;
/// Attendance knows the document's items are invoiced.
pub const TOLD_INVOICED: i64 = 1;
/// Attendance also knows the document is approved.
pub const TOLD_APPROVED: i64 = 2;

/// Documents `attendance` has not been told all of yet, oldest first: a release of a return
/// not told, items not marked (unless it is returned or withdrawn: its items are released), or
/// an approval not told.
pub async fn untold(conn: &mut AnyConnection, limit: i64) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM invoices \
         WHERE items_released < release_round \
         OR (items_marked = 0 AND state NOT IN ($1, $2)) \
         OR (approved_at > 0 AND items_marked < 2) \
         ORDER BY created_at, id LIMIT $3",
    )
    .bind(InvoiceState::Returned.code())
    .bind(InvoiceState::Withdrawn.code())
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}

/// Records what `attendance` now knows of the document's items as of release round `round`
/// ([`TOLD_INVOICED`], [`TOLD_APPROVED`]); never less than it knew, and nothing when the county
/// returned the document meanwhile (its items are to be released, then marked again).
pub async fn set_marked(
    conn: &mut AnyConnection,
    id: &str,
    told: i64,
    round: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE invoices SET items_marked = $2 \
         WHERE id = $1 AND items_marked < $2 AND release_round = $3",
    )
    .bind(id)
    .bind(told)
    .bind(round)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The county returned the document: attendance is to release its items (a new round) and be
/// told them again once it is generated again or submitted as it is. In the return's
/// transaction.
pub async fn begin_release(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE invoices SET release_round = release_round + 1, items_marked = 0 WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Records that attendance released the document's items of release round `round`.
pub async fn set_released(conn: &mut AnyConnection, id: &str, round: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE invoices SET items_released = $2 WHERE id = $1 AND items_released < $2")
        .bind(id)
        .bind(round)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// The items of a returned document attendance may release: those no other document holds. An
/// item also on another document (an approved invoice it was billed on before a correction, a
/// credit note) stays locked: its correction is the county's, credited as before.
pub async fn releasable_items(
    conn: &mut AnyConnection,
    invoice_id: &str,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT i.item_id FROM invoice_items i WHERE i.invoice_id = $1 AND NOT EXISTS \
         (SELECT 1 FROM invoice_items o WHERE o.item_id = i.item_id AND o.invoice_id <> $1) \
         ORDER BY i.item_id",
    )
    .bind(invoice_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(i,)| i).collect())
}
