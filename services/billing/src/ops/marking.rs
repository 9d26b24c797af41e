//! Telling `attendance` what became of a document's items (MarkItemsInvoiced, in chunks, one by
//! one when a chunk is refused): that they are invoiced, right after generation; that the
//! document is approved (so that its vouchers' last months take no late record, RULES.md §10);
//! and, once the county returned it, that they are released (`released`), so that the provider
//! corrects or voids the sessions before the month is generated again (issue 25). The retry job
//! ([`crate::jobs::mark_invoiced`]) tells every document what it has not been told yet.
//!
//! Order: a return's release is told before the items are marked again, and a RETURNED or
//! WITHDRAWN document's items are never marked. Every call's request id names the document, the
//! release round (how many returns) and the stage, so a retry is answered by attendance as the
//! first time and a later round is a new request.

use seteli_api::attendance::v1 as apb;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use crate::app::App;
use crate::model::InvoiceRow;
use crate::store;

/// Items per MarkItemsInvoiced call (attendance takes at most 1000).
const MARK_CHUNK: usize = 1000;

/// What a MarkItemsInvoiced call says of the items.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Invoiced on the document.
    Invoiced,
    /// Invoiced on an approved document.
    Approved,
    /// Released: the county returned the document.
    Released,
}

impl Stage {
    /// The request id's part naming the stage and the round (round 0: as before returns were
    /// released, so that a document of then is told nothing twice).
    fn key(self, round: i64) -> String {
        let stage = match self {
            Stage::Invoiced => "",
            Stage::Approved => "approved-",
            Stage::Released => "released-",
        };
        if round == 0 {
            stage.to_owned()
        } else {
            format!("r{round}-{stage}")
        }
    }
}

/// Tells attendance all it has not been told yet of document `invoice_id`: the release of its
/// items after a return, then (unless it is returned or withdrawn) that they are invoiced on it,
/// and its approval; records each as told.
pub(super) async fn tell_attendance(app: &App, up: &Ctx, invoice_id: &str) -> AppResult<()> {
    let row = load(app, invoice_id).await?;
    if row.items_released < row.release_round {
        let items = {
            let mut conn = app.db.pool().acquire().await?;
            store::releasable_items(&mut conn, invoice_id).await?
        };
        call(app, up, &row, &items, Stage::Released).await?;
        let mut conn = app.db.pool().acquire().await?;
        store::set_released(&mut conn, invoice_id, row.release_round).await?;
    }
    if !row.state.holds_items() {
        return Ok(());
    }
    let approved = row.approved_at > 0;
    let told = if approved {
        store::TOLD_APPROVED
    } else {
        store::TOLD_INVOICED
    };
    if row.items_marked >= told {
        return Ok(());
    }
    let items = {
        let mut conn = app.db.pool().acquire().await?;
        store::invoice_item_ids(&mut conn, invoice_id).await?
    };
    let stage = if approved {
        Stage::Approved
    } else {
        Stage::Invoiced
    };
    call(app, up, &row, &items, stage).await?;
    let mut conn = app.db.pool().acquire().await?;
    store::set_marked(&mut conn, invoice_id, told, row.release_round).await
}

async fn load(app: &App, invoice_id: &str) -> AppResult<InvoiceRow> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_invoice(&mut conn, invoice_id)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("invoice {invoice_id}")))
}

/// MarkItemsInvoiced of `items` at `stage`, in chunks; a refused chunk one item at a time.
async fn call(
    app: &App,
    up: &Ctx,
    invoice: &InvoiceRow,
    items: &[String],
    stage: Stage,
) -> AppResult<()> {
    let key = stage.key(invoice.release_round);
    let whose = |request_id: String, item_ids: Vec<String>| apb::MarkItemsInvoicedRequest {
        request_id,
        invoice_id: invoice.id.clone(),
        item_ids,
        approved: stage == Stage::Approved,
        released: stage == Stage::Released,
        provider_id: invoice.provider_id.clone(),
        year: invoice.body.year,
        month: invoice.body.month,
        validate_only: false,
    };
    for (n, chunk) in items.chunks(MARK_CHUNK).enumerate() {
        let request = whose(format!("billing-{}-{key}{n}", invoice.id), chunk.to_vec());
        let marked = app
            .attendance
            .call(up, request, |mut c, r| async move {
                c.mark_items_invoiced(r).await
            })
            .await;
        match marked {
            Ok(_) => {}
            // One refused item (e.g. corrected again since) refuses the batch: mark the others
            // one by one; the refused one is billed again by the next generation as it is then.
            Err(AppError::StateConflict(_) | AppError::InvalidArgument(_)) => {
                for item in chunk {
                    let one = whose(
                        format!("billing-{}-{key}{item}", invoice.id),
                        vec![item.clone()],
                    );
                    let r = app
                        .attendance
                        .call(
                            up,
                            one,
                            |mut c, r| async move { c.mark_items_invoiced(r).await },
                        )
                        .await;
                    match r {
                        Ok(_) | Err(AppError::StateConflict(_) | AppError::InvalidArgument(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Tells attendance of every document it has not been told all of yet; returns how many.
pub async fn mark_pending(app: &App) -> AppResult<usize> {
    let ctx = Ctx::system("billing-mark", app.clock.clone());
    let up = app.upstream(&ctx)?;
    let pending = {
        let mut conn = app.db.pool().acquire().await?;
        store::untold(&mut conn, 100).await?
    };
    let n = pending.len();
    for id in pending {
        tell_attendance(app, &up, &id).await?;
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_after_a_return_is_a_new_request() {
        assert_eq!(Stage::Invoiced.key(0), "");
        assert_eq!(Stage::Approved.key(0), "approved-");
        assert_eq!(Stage::Invoiced.key(1), "r1-");
        assert_eq!(Stage::Released.key(1), "r1-released-");
        assert_eq!(Stage::Approved.key(2), "r2-approved-");
    }
}
