//! The change feed this service publishes (ListVoucherChanges): what `attendance` and
//! `reporting` follow by sequence number, with their service accounts and nobody else.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::feed::page_limit;
use seteli_platform::rpc::Ctx;

use super::common::read_clients;
use crate::access;
use crate::app::App;
use crate::store;
use crate::wire;

/// ListVoucherChanges: the feed after a sequence number, oldest first.
pub async fn list_voucher_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListVoucherChangesRequest,
) -> AppResult<pb::ListVoucherChangesResponse> {
    ctx.caller.require_service(access::FEED_FOLLOWERS)?;
    let (after, limit) = (
        req.after_sequence,
        page_limit(req.after_sequence, req.page_size)?,
    );
    let mut conn = app.db.pool().acquire().await?;
    let mut changes = store::list_changes(&mut conn, after, limit).await?;
    let last = changes.last().map(|c| c.sequence);
    let (last_sequence, changes_after) = store::VOUCHER_FEED
        .page_end(&mut conn, after, last, changes.len(), limit)
        .await?;
    drop(conn);
    // Snapshots written before the feed left out free text carry it still: shown as the feed
    // view is now (idempotent on newer ones).
    for change in &mut changes {
        if let Some(v) = change.voucher.as_mut() {
            *v = wire::feed_view(v);
        }
    }
    // The snapshots are vouchers of clients: one entry naming every client of the page.
    let shown = changes
        .iter()
        .filter_map(|c| c.voucher.as_ref()?.client.as_ref())
        .map(|c| c.client_id.clone())
        .collect();
    read_clients(
        &app.db,
        &ctx,
        shown,
        "ListVoucherChanges",
        "voucher_service",
    )
    .await?;
    Ok(pb::ListVoucherChangesResponse {
        changes,
        last_sequence,
        changes_after,
    })
}
