//! The units used: attendance is their only bookkeeper. This service follows its usage feed
//! (`seteli.attendance.v1` ListUsageChanges) by sequence, storing the cursor in the same
//! transaction as the vouchers it changed ([`UsageFeed`]'s [`FeedApply`], run by the platform's
//! [`seteli_platform::feed::Follower`]); the first units start an ASSIGNED voucher. The old
//! RecordUnitsUsed RPC is refused.

use std::borrow::Cow;

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as pb;
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

    /// A usage change carries the voucher's whole count, so a page applies only the newest
    /// of each voucher (by its usage version; a change without one stands on its own).
    fn state_of(change: &apb::UsageChange) -> Option<(Cow<'_, str>, i64)> {
        (change.usage_version > 0).then_some((
            Cow::Borrowed(change.voucher_id.as_str()),
            change.usage_version,
        ))
    }

    /// Applies a usage change inside its page's transaction (which skips changes at or below
    /// the stored cursor, applied by another replica meanwhile). One statement sets the units
    /// used and reserved to attendance's count and the voucher's usage version to the
    /// change's, unless the voucher shows that version or a newer one (a change made before
    /// the last one applied, standing after it in the feed: older news) or these very units.
    /// What changed is a UNITS_CHANGED entry on this service's feed, and the first units start
    /// an ASSIGNED voucher on the earliest day with units (STARTED): attendance admits sessions
    /// on ASSIGNED vouchers.
    async fn apply(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &apb::UsageChange,
    ) -> AppResult<()> {
        let usage = Usage::of(change);
        let id = &change.voucher_id;
        let units = (usage.used, usage.reserved);
        let Some(state) = store::set_units(conn, id, units, change.usage_version).await? else {
            return seen_unchanged(conn, change).await;
        };
        let mut kinds = Vec::new();
        if state == VoucherState::Assigned
            && usage.used > 0
            && let Some(on) = usage.first_used_on
            && store::start_by_usage(conn, id, on, None).await?
        {
            kinds.push(ChangeKind::Started);
        }
        kinds.push(ChangeKind::UnitsChanged);
        let request_id = format!("usage-{}", change.sequence);
        record_voucher_change(conn, ctx, &request_id, id, "FollowUsage", kinds, None).await?;
        Ok(())
    }

    /// A change a newer one of its voucher on the page supersedes still starts the voucher
    /// with its first units (on its earliest day with units, as applying it alone would),
    /// unless the voucher has seen its usage version — or the newest starts it alike: with
    /// units, on the same first day.
    async fn apply_superseded(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &apb::UsageChange,
        newest: &apb::UsageChange,
    ) -> AppResult<()> {
        let (usage, newest) = (Usage::of(change), Usage::of(newest));
        let id = &change.voucher_id;
        let started_alike = newest.used > 0 && newest.first_used_on == usage.first_used_on;
        if usage.used > 0
            && !started_alike
            && let Some(on) = usage.first_used_on
            && store::start_by_usage(conn, id, on, Some(change.usage_version)).await?
        {
            let request_id = format!("usage-{}", change.sequence);
            let kinds = vec![ChangeKind::Started];
            record_voucher_change(conn, ctx, &request_id, id, "FollowUsage", kinds, None).await?;
        }
        Ok(())
    }
}

/// What a usage change says of its voucher's units.
struct Usage {
    used: i64,
    reserved: i64,
    /// The earliest day with units, if any.
    first_used_on: Option<NaiveDate>,
}

impl Usage {
    fn of(change: &apb::UsageChange) -> Self {
        Self {
            used: change.units_used.map(|u| u.hundredths).unwrap_or_default(),
            reserved: change
                .units_reserved
                .map(|u| u.hundredths)
                .unwrap_or_default(),
            first_used_on: change
                .first_used_on
                .as_ref()
                .and_then(|d| date("first_used_on", Some(d)).ok()),
        }
    }
}

/// A change that set nothing: older news, the units the voucher shows already, or a voucher
/// this service does not know (logged). A newer usage version still counts as seen, so a
/// change older than it is older news.
async fn seen_unchanged(conn: &mut AnyConnection, change: &apb::UsageChange) -> AppResult<()> {
    let id = &change.voucher_id;
    if change.usage_version > 0
        && store::advance_usage_version(conn, id, change.usage_version).await?
    {
        return Ok(());
    }
    if store::load_voucher(conn, id).await?.is_none() {
        tracing::warn!(
            sequence = change.sequence,
            "a usage change of an unknown voucher; skipped"
        );
    }
    Ok(())
}

/// Applies every change of attendance's usage feed not applied yet; returns how many were
/// applied. Each page is one transaction that moves the stored cursor.
pub async fn catch_up_usage(app: &App) -> AppResult<usize> {
    app.usage_feed.catch_up().await
}
