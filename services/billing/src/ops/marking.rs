//! Telling `attendance` which items a document invoiced (MarkItemsInvoiced, in chunks, one by
//! one when a chunk is refused), right after generation, again once it is approved (so that its
//! vouchers' last months take no late record, RULES.md §10), and from the retry job
//! ([`crate::jobs::mark_invoiced`]) for every document it has not been told all of yet.

use seteli_api::attendance::v1 as apb;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use crate::app::App;
use crate::store;

/// Items per MarkItemsInvoiced call (attendance takes at most 1000).
const MARK_CHUNK: usize = 1000;

/// Tells attendance a document's items are invoiced on it (and, with `approved`, that it is
/// approved), and records that it did.
pub(super) async fn mark_document(
    app: &App,
    up: &Ctx,
    invoice_id: &str,
    approved: bool,
) -> AppResult<()> {
    let stage = if approved { "approved-" } else { "" };
    let (items, invoice) = {
        let mut conn = app.db.pool().acquire().await?;
        let items = store::invoice_item_ids(&mut conn, invoice_id).await?;
        let invoice = store::load_invoice(&mut conn, invoice_id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("invoice {invoice_id}")))?;
        (items, invoice)
    };
    let whose = |request_id: String, item_ids: Vec<String>| apb::MarkItemsInvoicedRequest {
        request_id,
        invoice_id: invoice_id.to_owned(),
        item_ids,
        approved,
        released: false,
        provider_id: invoice.provider_id.clone(),
        year: invoice.body.year,
        month: invoice.body.month,
    };
    for (n, chunk) in items.chunks(MARK_CHUNK).enumerate() {
        let request = whose(format!("billing-{invoice_id}-{stage}{n}"), chunk.to_vec());
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
                        format!("billing-{invoice_id}-{stage}{item}"),
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
    let mut conn = app.db.pool().acquire().await?;
    let told = if approved {
        store::TOLD_APPROVED
    } else {
        store::TOLD_INVOICED
    };
    store::set_marked(&mut conn, invoice_id, told).await
}

/// Tells attendance of every document it has not been told all of yet; returns how many.
pub async fn mark_pending(app: &App) -> AppResult<usize> {
    let ctx = Ctx::system("billing-mark", app.clock.clone());
    let up = app.upstream(&ctx)?;
    let pending = {
        let mut conn = app.db.pool().acquire().await?;
        store::unmarked(&mut conn, 100).await?
    };
    let n = pending.len();
    for (id, approved) in pending {
        mark_document(app, &up, &id, approved).await?;
    }
    Ok(n)
}
