//! The expiry sweep: vouchers whose validity ended are expired (unused) or completed (used),
//! on demand (ExpireVouchers) or on the service's schedule in small transactions; every
//! transition is a conditional update, so concurrent sweeps change each voucher once.
//!
//! "Nothing lost at the end" (RULES.md §10): a used voucher completes once its validity ended,
//! as attendance still takes the late records of its last days; an unused one (ASSIGNED, or
//! ACTIVE with no units used) is decided unused — EXPIRED — only once the late-record grace
//! period (`SETELI_LATE_RECORD_GRACE_DAYS`, default 14) after its last valid day is over too.

use chrono::NaiveDate;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::db::{Database, new_id};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ledger::LATE_RECORD_GRACE_DAYS;
use sqlx::AnyConnection;

use super::common::record_voucher_change;
use crate::access;
use crate::app::App;
use crate::model::ChangeKind;
use crate::store;
use crate::wire;

/// ExpireVouchers: the sweep on demand (as of a date not after today).
pub async fn expire_vouchers(
    app: &App,
    ctx: Ctx,
    req: pb::ExpireVouchersRequest,
) -> AppResult<pb::ExpireVouchersResponse> {
    ctx.caller.require(access::ADMIN)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let today = ctx.today();
    let as_of = wire::optional_date("as_of", req.as_of.as_ref())?.unwrap_or(today);
    if as_of > today {
        return Err(AppError::invalid("as_of", "must not be after today"));
    }
    let app = app.clone();
    change
        .apply(move |conn| {
            Box::pin(async move {
                let (expired, completed) = expire_due(
                    conn,
                    &ctx,
                    &req.request_id,
                    as_of,
                    app.late_record_grace_days,
                    i64::MAX,
                )
                .await?;
                Ok(pb::ExpireVouchersResponse {
                    expired_voucher_ids: expired,
                    completed_voucher_ids: completed,
                })
            })
        })
        .await
}

/// One expiry sweep as of today, as the service itself, with the default late-record grace
/// period; returns how many vouchers expired and completed.
pub async fn sweep_once(db: &Database, ctx: &Ctx) -> AppResult<(usize, usize)> {
    sweep_in_batches(db, ctx, SWEEP_BATCH)
        .await
        .map(|s| (s.expired, s.completed))
}

/// How many vouchers one transaction of the scheduled sweep changes at most.
pub const SWEEP_BATCH: i64 = 200;

/// What a scheduled sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Vouchers expired unused.
    pub expired: usize,
    /// Vouchers completed.
    pub completed: usize,
    /// Transactions committed (each at most `batch` vouchers per transition).
    pub batches: usize,
}

/// [`sweep_with_grace`] with the default late-record grace period
/// ([`seteli_rules::ledger::LATE_RECORD_GRACE_DAYS`]).
pub async fn sweep_in_batches(db: &Database, ctx: &Ctx, batch: i64) -> AppResult<SweepOutcome> {
    sweep_with_grace(db, ctx, batch, LATE_RECORD_GRACE_DAYS).await
}

/// The scheduled sweep as of today in transactions of at most `batch` vouchers per transition,
/// each committed before the next begins, so no lock is held long whatever is due; an unused
/// voucher expires only `grace_days` after its last valid day.
pub async fn sweep_with_grace(
    db: &Database,
    ctx: &Ctx,
    batch: i64,
    grace_days: i64,
) -> AppResult<SweepOutcome> {
    let mut outcome = SweepOutcome {
        expired: 0,
        completed: 0,
        batches: 0,
    };
    loop {
        let mut tx = db.begin_write().await?;
        let request_id = format!("sweep-{}", new_id());
        let (expired, completed) =
            expire_due(&mut tx, ctx, &request_id, ctx.today(), grace_days, batch).await?;
        tx.commit().await?;
        outcome.batches += 1;
        outcome.expired += expired.len();
        outcome.completed += completed.len();
        if (expired.len() as i64) < batch && (completed.len() as i64) < batch {
            return Ok(outcome);
        }
    }
}

/// The last valid day an unused voucher must be before to expire as of `as_of`: `grace_days`
/// earlier, so the whole grace period after its last valid day has passed.
fn unused_before(as_of: NaiveDate, grace_days: i64) -> NaiveDate {
    as_of
        .checked_sub_signed(chrono::Duration::days(grace_days.max(0)))
        .unwrap_or(NaiveDate::MIN)
}

/// Expires the vouchers whose end (and grace period, `grace_days`) passed unused and completes
/// the used ones (as of `as_of`),
/// with an audit entry and a feed entry for each; every transition is a conditional update, so
/// concurrent sweeps (several replicas, or the RPC beside the scheduled sweep) change each
/// voucher once.
async fn expire_due(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    as_of: NaiveDate,
    grace_days: i64,
    limit: i64,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let (expired, completed) =
        store::sweep(conn, as_of, unused_before(as_of, grace_days), limit).await?;
    let changes = expired
        .iter()
        .map(|id| (id, ChangeKind::Expired))
        .chain(completed.iter().map(|id| (id, ChangeKind::Completed)));
    for (id, kind) in changes {
        let action = "ExpireVouchers";
        record_voucher_change(conn, ctx, request_id, id, action, vec![kind], None).await?;
    }
    Ok((expired, completed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("a real date")
    }

    #[test]
    fn an_unused_voucher_is_due_only_after_the_grace_period() {
        // Valid until 31 December: still within the grace on 14 January, due on 15 January.
        let last = d(2026, 12, 31);
        assert!(last >= unused_before(d(2027, 1, 14), 14));
        assert!(last < unused_before(d(2027, 1, 15), 14));
        assert_eq!(unused_before(d(2027, 1, 1), 0), d(2027, 1, 1));
        assert_eq!(unused_before(d(2027, 1, 1), -5), d(2027, 1, 1));
    }
}
