//! The units used: attendance is their only bookkeeper. This service follows its usage feed
//! (`seteli.attendance.v1` ListUsageChanges) by sequence, storing the cursor in the same
//! transaction as the vouchers it changed ([`UsageFeed`]'s [`FeedApply`], run by the platform's
//! [`seteli_platform::feed::Follower`]); the first units start an ASSIGNED voucher. The old
//! RecordUnitsUsed RPC is refused.

use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::change::lock_row;
use seteli_platform::convert::date;
use seteli_platform::feed::{Cursor, FeedApply, FeedLog, FeedPage};
use seteli_platform::followed;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use super::common::record_voucher_change;
use crate::access;
use crate::app::{App, UsageFeed};
use crate::model::{ChangeKind, VoucherState};
use crate::store;

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

impl FeedApply for UsageFeed {
    type Change = apb::UsageChange;
    /// Attendance's usage feed this service follows (its row in `feed_cursors`).
    const CURSOR: Cursor = Cursor("attendance_usage");
    const LOG: FeedLog = FeedLog {
        applied: "usage changes applied",
        reachable_again: "attendance's usage feed reachable again",
        cannot_follow: "cannot follow attendance's usage feed; retrying",
    };

    fn sequence(change: &apb::UsageChange) -> i64 {
        change.sequence
    }

    fn made_at_micros(change: &apb::UsageChange) -> Option<i64> {
        followed::usage_change_made_at(change)
    }

    async fn page(
        &self,
        ctx: &Ctx,
        after: i64,
        limit: i32,
    ) -> AppResult<FeedPage<apb::UsageChange>> {
        followed::usage_changes(&self.attendance, ctx, after, limit).await
    }

    /// Applies a usage change inside its page's transaction (which skips changes at or below
    /// the stored cursor, applied by another replica meanwhile); a change older than the
    /// voucher's last one applied (its `usage_version`) is skipped too. The voucher is locked
    /// before it is read; its units used and reserved are set to attendance's count (a UNITS_CHANGED entry
    /// on this service's feed), and the first units start an ASSIGNED voucher on the earliest
    /// day with units (STARTED): attendance admits sessions on ASSIGNED vouchers.
    async fn apply(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &apb::UsageChange,
    ) -> AppResult<()> {
        let used = change.units_used.map(|u| u.hundredths).unwrap_or_default();
        let reserved = change
            .units_reserved
            .map(|u| u.hundredths)
            .unwrap_or_default();
        let first_used_on = change
            .first_used_on
            .as_ref()
            .and_then(|d| date("first_used_on", Some(d)).ok());
        lock_row(conn, "vouchers", &change.voucher_id).await?;
        let Some(before) = store::load_voucher(conn, &change.voucher_id).await? else {
            tracing::warn!(
                sequence = change.sequence,
                "a usage change of an unknown voucher; skipped"
            );
            return Ok(());
        };
        // A change of this voucher made before the last one applied, standing after it in the
        // feed (a transaction that took its id first and committed second): older news.
        if change.usage_version > 0
            && !store::advance_usage_version(conn, &before.id, change.usage_version).await?
        {
            return Ok(());
        }
        if before.units_used == used && before.units_reserved == reserved {
            return Ok(());
        }
        let request_id = format!("usage-{}", change.sequence);
        let mut kinds = Vec::new();
        if used > 0
            && before.state == VoucherState::Assigned
            && let Some(on) = first_used_on
            && store::start_by_usage(conn, &before.id, on).await?
        {
            kinds.push(ChangeKind::Started);
        }
        store::set_units(conn, &before.id, used, reserved).await?;
        kinds.push(ChangeKind::UnitsChanged);
        let (id, action) = (&before.id, "FollowUsage");
        record_voucher_change(conn, ctx, &request_id, id, action, kinds, None).await?;
        Ok(())
    }
}

/// Applies every change of attendance's usage feed not applied yet; returns how many were
/// applied. Each page is one transaction that moves the stored cursor.
pub async fn catch_up_usage(app: &App) -> AppResult<usize> {
    app.usage_feed.catch_up().await
}
