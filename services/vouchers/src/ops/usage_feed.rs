//! The units used: attendance is their only bookkeeper. This service follows its usage feed
//! (`seteli.attendance.v1` ListUsageChanges) by sequence, storing the cursor in the same
//! transaction as the vouchers it changed; the first units start an ASSIGNED voucher. The old
//! RecordUnitsUsed RPC is refused.

use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::change::lock_row;
use seteli_platform::convert::date;
use seteli_platform::db::Database;
use seteli_platform::feed::Cursor;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::common::{append_change, audit_client};
use crate::access;
use crate::app::App;
use crate::model::{ChangeKind, VoucherState};
use crate::store;

/// Attendance's usage feed this service follows (its row in `feed_cursors`).
const USAGE_FEED: Cursor = Cursor("attendance_usage");

/// Usage changes asked for per page.
const USAGE_PAGE: i32 = 500;

/// RecordUnitsUsed (deprecated): refused. `attendance` is the only bookkeeper of the units
/// used; this service follows its usage feed ([`catch_up_usage`]), so a second way to count
/// would be bookkeeping that can disagree.
pub async fn record_units_used(
    _app: &App,
    ctx: Ctx,
    _req: pb::RecordUnitsUsedRequest,
) -> AppResult<pb::RecordUnitsUsedResponse> {
    ctx.caller.require(access::UNIT_RECORDERS)?;
    Err(AppError::StateConflict(
        "RecordUnitsUsed is retired: units are recorded as sessions in attendance \
         (seteli.attendance.v1 RecordSession), and the voucher shows attendance's count"
            .into(),
    ))
}

/// Applies every change of attendance's usage feed not applied yet; returns how many were
/// applied. Each page is one transaction that moves the stored cursor.
pub async fn catch_up_usage(app: &App) -> AppResult<usize> {
    let Some(ctx) = &app.feed_ctx else {
        return Ok(0);
    };
    let _one_at_a_time = app.feed_lock.lock().await;
    let mut total = 0;
    loop {
        let after = {
            let mut conn = app.db.pool().acquire().await?;
            USAGE_FEED.read(&mut conn).await?.0
        };
        let page = app
            .attendance
            .call(
                ctx,
                apb::ListUsageChangesRequest {
                    after_sequence: after,
                    page_size: USAGE_PAGE,
                },
                |mut c, r| async move { c.list_usage_changes(r).await },
            )
            .await?;
        let n = page.changes.len();
        if n == 0 {
            break;
        }
        total += apply_usage(&app.db, ctx, &page.changes).await?;
        if n < usize::try_from(USAGE_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of usage changes in one transaction that moves the cursor: changes at or
/// below the stored cursor (applied by another replica meanwhile) are skipped, and so is a
/// change older than the voucher's last one applied (its `usage_version`). Each voucher is
/// locked before it is read; its units used are set to attendance's count (a UNITS_CHANGED
/// entry on this service's feed), and the first units start an ASSIGNED voucher on the
/// earliest day with units (STARTED): attendance admits sessions on ASSIGNED vouchers.
async fn apply_usage(db: &Database, ctx: &Ctx, changes: &[apb::UsageChange]) -> AppResult<usize> {
    let mut tx = db.begin_write().await?;
    let (mut last, _) = USAGE_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        last = change.sequence;
        applied += 1;
        let used = change.units_used.map(|u| u.hundredths).unwrap_or_default();
        let first_used_on = change
            .first_used_on
            .as_ref()
            .and_then(|d| date("first_used_on", Some(d)).ok());
        lock_row(&mut tx, "vouchers", &change.voucher_id).await?;
        let Some(before) = store::load_voucher(&mut tx, &change.voucher_id).await? else {
            tracing::warn!(
                sequence = change.sequence,
                "a usage change of an unknown voucher; skipped"
            );
            continue;
        };
        // A change of this voucher made before the last one applied, standing after it in the
        // feed (a transaction that took its id first and committed second): older news.
        if change.usage_version > 0
            && !store::advance_usage_version(&mut tx, &before.id, change.usage_version).await?
        {
            continue;
        }
        if before.units_used == used {
            continue;
        }
        let request_id = format!("usage-{}", change.sequence);
        let mut kinds = Vec::new();
        if used > 0
            && before.state == VoucherState::Assigned
            && let Some(on) = first_used_on
            && store::start_by_usage(&mut tx, &before.id, on).await?
        {
            kinds.push(ChangeKind::Started);
        }
        store::set_units_used(&mut tx, &before.id, used).await?;
        kinds.push(ChangeKind::UnitsChanged);
        let after = store::load_voucher(&mut tx, &before.id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("voucher {}", before.id)))?;
        audit_client(
            &mut tx,
            ctx,
            &request_id,
            &after.client_id,
            "FollowUsage",
            "voucher_service",
        )
        .await?;
        for kind in kinds {
            append_change(&mut tx, ctx, &request_id, &after, None, kind).await?;
        }
    }
    USAGE_FEED.advance(&mut tx, last, applied).await?;
    tx.commit().await?;
    Ok(applied)
}
