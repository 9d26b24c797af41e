//! The contract's change feeds as a follower reads them: one page call per feed (vouchers'
//! ListVoucherChanges, attendance's ListUsageChanges and ListAlertChanges), so a
//! [`FeedApply`](crate::feed::FeedApply) only names the one it follows, and the log lines of
//! the voucher feed, which more than one service follows.

use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use tonic::transport::Channel;

use crate::client::Upstream;
use crate::error::AppResult;
use crate::feed::{Cursor, FeedLog};
use crate::rpc::Ctx;

/// The voucher feed's row in a follower's `feed_cursors`.
pub const VOUCHERS_CURSOR: Cursor = Cursor("vouchers");

/// What a follower of the voucher feed logs.
pub const VOUCHERS_LOG: FeedLog = FeedLog {
    applied: "voucher changes applied",
    reachable_again: "voucher feed reachable again",
    cannot_follow: "cannot follow the voucher feed; retrying",
};

/// Up to `limit` voucher changes after `after`, read as `ctx`.
pub async fn voucher_changes(
    vouchers: &Upstream<VouchersServiceClient<Channel>>,
    ctx: &Ctx,
    after: i64,
    limit: i32,
) -> AppResult<Vec<vpb::VoucherChange>> {
    let request = vpb::ListVoucherChangesRequest {
        after_sequence: after,
        page_size: limit,
    };
    let page = vouchers
        .call(ctx, request, |mut c, r| async move {
            c.list_voucher_changes(r).await
        })
        .await?;
    Ok(page.changes)
}

/// Up to `limit` usage changes after `after`, read as `ctx`.
pub async fn usage_changes(
    attendance: &Upstream<AttendanceServiceClient<Channel>>,
    ctx: &Ctx,
    after: i64,
    limit: i32,
) -> AppResult<Vec<apb::UsageChange>> {
    let request = apb::ListUsageChangesRequest {
        after_sequence: after,
        page_size: limit,
    };
    let page = attendance
        .call(ctx, request, |mut c, r| async move {
            c.list_usage_changes(r).await
        })
        .await?;
    Ok(page.changes)
}

/// Up to `limit` alert changes after `after`, read as `ctx`.
pub async fn alert_changes(
    attendance: &Upstream<AttendanceServiceClient<Channel>>,
    ctx: &Ctx,
    after: i64,
    limit: i32,
) -> AppResult<Vec<apb::AlertChange>> {
    let request = apb::ListAlertChangesRequest {
        after_sequence: after,
        page_size: limit,
    };
    let page = attendance
        .call(ctx, request, |mut c, r| async move {
            c.list_alert_changes(r).await
        })
        .await?;
    Ok(page.changes)
}
