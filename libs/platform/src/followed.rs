//! The contract's change feeds as a follower reads them: one page call per feed (vouchers'
//! ListVoucherChanges, attendance's ListUsageChanges and ListAlertChanges), so a
//! [`FeedApply`](crate::feed::FeedApply) only names the one it follows, and the log lines of
//! the voucher feed, which more than one service follows.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::common::v1 as common;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_rules::ServiceType;
use tonic::transport::Channel;

use sqlx::AnyConnection;

use crate::client::Upstream;
use crate::convert::{PbEnum, date};
use crate::error::AppResult;
use crate::feed::{Cursor, FeedApply, FeedLog};
use crate::rpc::Ctx;

/// The voucher feed's row in a follower's `feed_cursors`.
pub const VOUCHERS_CURSOR: Cursor = Cursor("vouchers");

/// What a follower of the voucher feed logs.
pub const VOUCHERS_LOG: FeedLog = FeedLog {
    applied: "voucher changes applied",
    reachable_again: "voucher feed reachable again",
    cannot_follow: "cannot follow the voucher feed; retrying",
};

/// A follower of the voucher feed: what its copy does with a change's voucher. Every one is a
/// [`FeedApply`] on the same feed (cursor, log lines, page call), and skips a change that
/// carries no usable voucher ([`FollowedVoucher::of`]) with a warning, still moving its cursor.
pub trait VoucherFollower: Send + Sync + 'static {
    /// The voucher service the feed is read from.
    fn vouchers(&self) -> &Upstream<VouchersServiceClient<Channel>>;

    /// Applies `voucher`, carried by `change`, inside the page's transaction (`conn`) as `ctx`.
    fn apply_voucher(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &vpb::VoucherChange,
        voucher: FollowedVoucher<'_>,
    ) -> impl Future<Output = AppResult<()>> + Send;
}

impl<T: VoucherFollower> FeedApply for T {
    type Change = vpb::VoucherChange;
    const CURSOR: Cursor = VOUCHERS_CURSOR;
    const LOG: FeedLog = VOUCHERS_LOG;

    fn sequence(change: &vpb::VoucherChange) -> i64 {
        change.sequence
    }

    async fn page(&self, ctx: &Ctx, after: i64, limit: i32) -> AppResult<Vec<vpb::VoucherChange>> {
        voucher_changes(self.vouchers(), ctx, after, limit).await
    }

    async fn apply(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &vpb::VoucherChange,
    ) -> AppResult<()> {
        match FollowedVoucher::of(change) {
            Some(voucher) => self.apply_voucher(conn, ctx, change, voucher).await,
            None => {
                tracing::warn!(
                    sequence = change.sequence,
                    "a voucher change without a usable voucher; skipped"
                );
                Ok(())
            }
        }
    }
}

/// A follower's view of its voucher copy, as GetFeedStatus answers it: the last sequence
/// applied, how many changes were applied, and how many vouchers the copy (`vouchers`) holds.
pub async fn voucher_copy_status(conn: &mut AnyConnection) -> AppResult<(i64, i64, i64)> {
    let (last_sequence, changes_applied) = VOUCHERS_CURSOR.read(conn).await?;
    let (vouchers,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vouchers")
        .fetch_one(&mut *conn)
        .await?;
    Ok((last_sequence, changes_applied, vouchers))
}

/// What every follower of the voucher feed reads off a change's voucher, decoded once; each
/// follower builds its own copy from it (and from [`FollowedVoucher::voucher`] and
/// [`FollowedVoucher::decision`] for what only it keeps).
#[derive(Debug, Clone)]
pub struct FollowedVoucher<'c> {
    /// The voucher as the change carries it.
    pub voucher: &'c vpb::Voucher,
    /// Its decision.
    pub decision: &'c vpb::ServiceDecision,
    /// The voucher's id.
    pub id: String,
    /// Its client.
    pub client_id: String,
    /// The chosen provider ("" before a choice).
    pub provider_id: String,
    /// The service decided.
    pub service: ServiceType,
    /// Its state's code without the enum prefix, e.g. `ACTIVE`.
    pub state: String,
    /// The day of the decision.
    pub decision_date: NaiveDate,
    /// The first day of the validity.
    pub valid_from: NaiveDate,
    /// The last day of the validity.
    pub valid_until: NaiveDate,
    /// The day it ended (completed, interrupted or cancelled).
    pub ended_on: Option<NaiveDate>,
    /// The social worker who issued it: the actor of its `ISSUED` change (the feed names the
    /// issuer only there; "" for any other change, which then keeps the stored one).
    pub social_worker: String,
    /// The issuer's team (may be "").
    pub social_worker_team: String,
    /// The voucher's version (a copy keeps the newest).
    pub version: i64,
    /// The change's place on the feed.
    pub feed_sequence: i64,
}

impl<'c> FollowedVoucher<'c> {
    /// The voucher `change` carries, or `None` when it carries none a follower can use (no
    /// voucher, decision, client, known service, state, decision date or validity).
    pub fn of(change: &'c vpb::VoucherChange) -> Option<Self> {
        let voucher = change.voucher.as_ref()?;
        let decision = voucher.decision.as_ref()?;
        let issued = change.kind == vpb::VoucherChangeKind::Issued as i32;
        let state = vpb::VoucherState::try_from(voucher.state)
            .ok()?
            .as_str_name()
            .trim_start_matches("VOUCHER_STATE_")
            .to_owned();
        Some(Self {
            id: voucher.id.clone(),
            client_id: voucher.client.as_ref()?.client_id.clone(),
            provider_id: voucher.provider_id.clone(),
            service: ServiceType::from_pb(decision.service_type)?,
            state,
            decision_date: day(decision.decision_date.as_ref())?,
            valid_from: day(decision.valid_from.as_ref())?,
            valid_until: day(decision.valid_until.as_ref())?,
            ended_on: day(voucher.ended_on.as_ref()),
            social_worker: change
                .actor
                .as_ref()
                .filter(|_| issued)
                .map(|a| a.subject.clone())
                .unwrap_or_default(),
            social_worker_team: voucher.social_worker_team.clone(),
            version: voucher.version,
            feed_sequence: change.sequence,
            voucher,
            decision,
        })
    }
}

/// A day the feed carries; `None` when absent or not a date.
pub fn day(d: Option<&common::Date>) -> Option<NaiveDate> {
    date("date", d).ok()
}

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
