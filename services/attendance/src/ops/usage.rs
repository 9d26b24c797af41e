//! The units used and reserved per voucher as attendance keeps them: GetVoucherUsage, the usage
//! feed (ListUsageChanges) `vouchers` follows, and the recount as days pass, which moves agreed
//! sessions whose day has come from reserved to used ([`recount_due`]). The count itself is
//! made in [`super::admission`].

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::change::lock_row;
use seteli_platform::convert::PbEnum;
use seteli_platform::db::Database;
use seteli_platform::paging::page_size;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::admission::{units_as_of, update_units};
use super::common::{read_client, read_clients, readable_voucher};
use crate::access;
use crate::app::App;
use crate::model::to_units;
use crate::store;
use crate::wire::required_id;

/// GetVoucherUsage: the units counted as of today from the voucher's sessions (the stored count
/// and the usage feed follow at the next recount, [`recount_due`]).
pub async fn get_voucher_usage(
    app: &App,
    ctx: Ctx,
    req: pb::GetVoucherUsageRequest,
) -> AppResult<pb::GetVoucherUsageResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let v = readable_voucher(app, &ctx, &id).await?;
    let mut conn = app.db.pool().acquire().await?;
    // As of today, even before the recount job moved agreed sessions whose day has come from
    // reserved to used (RULES.md §10, "realised, not planned").
    let all = store::all_voucher_sessions(&mut conn, &id).await?;
    drop(conn);
    let (count, _) = units_as_of(&all, ctx.today());
    let sessions = i64::try_from(all.len()).unwrap_or(i64::MAX);
    read_client(app, &ctx, &v.client_id, "GetVoucherUsage").await?;
    Ok(pb::GetVoucherUsageResponse {
        usage: Some(pb::VoucherUsage {
            voucher_id: v.id,
            client_id: v.client_id,
            provider_id: v.provider_id,
            service_type: v.service.to_pb(),
            voucher_state: v.state,
            units_granted: Some(to_units(v.units_granted)),
            units_used: Some(to_units(count.used)),
            units_left: Some(to_units(v.units_granted - count.used - count.reserved)),
            units_reserved: Some(to_units(count.reserved)),
            voucher_version: v.version,
            feed_sequence: v.feed_sequence,
            sessions,
        }),
    })
}

/// ListUsageChanges: the usage feed after a sequence number, oldest first.
pub async fn list_usage_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListUsageChangesRequest,
) -> AppResult<pb::ListUsageChangesResponse> {
    ctx.caller.require_service(access::USAGE_FOLLOWERS)?;
    if req.after_sequence < 0 {
        return Err(AppError::invalid("after_sequence", "must not be negative"));
    }
    let limit = page_size(req.page_size, 100, 1000)?;
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_usage_changes(&mut conn, req.after_sequence, limit).await?;
    let last_sequence = changes
        .last()
        .map(|c| c.sequence)
        .unwrap_or(req.after_sequence);
    // A voucher's use of the service is its client's data: one entry naming the page's clients.
    let shown = if changes.is_empty() {
        Vec::new()
    } else {
        store::clients_of_usage_changes(&mut conn, req.after_sequence, last_sequence).await?
    };
    let changes_after = store::USAGE_FEED
        .changes_after(&mut conn, last_sequence, changes.len(), limit)
        .await?;
    drop(conn);
    read_clients(app, &ctx, shown, "ListUsageChanges").await?;
    Ok(pb::ListUsageChangesResponse {
        changes,
        last_sequence,
        changes_after,
    })
}

/// Vouchers recounted per read of those due.
const RECOUNT_BATCH: i64 = 100;

/// The recount as days pass (BILL-REALISED, RULES.md §10 "realised, not planned"): every
/// voucher holding an agreed session whose day has come since its last count is counted again
/// as of `today`, each in a transaction of its own under the voucher's lock, so its units move
/// from reserved to used and the usage feed tells `vouchers`. Safe beside writes and other
/// replicas: a voucher counted today is not due again. Returns how many were recounted.
pub async fn recount_due(db: &Database, today: NaiveDate) -> AppResult<usize> {
    let mut recounted = 0;
    loop {
        let due = {
            let mut conn = db.pool().acquire().await?;
            store::vouchers_to_recount(&mut conn, today, RECOUNT_BATCH).await?
        };
        if due.is_empty() {
            return Ok(recounted);
        }
        for id in due {
            let mut tx = db.begin_write().await?;
            lock_row(&mut tx, "vouchers", &id).await?;
            if let Some(v) = store::load_voucher(&mut tx, &id).await? {
                update_units(&mut tx, &v, today).await?;
            }
            tx.commit().await?;
            recounted += 1;
        }
    }
}
