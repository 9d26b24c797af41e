//! The expiry sweep: vouchers whose validity ended are expired (unused) or completed (used),
//! on demand (ExpireVouchers) or on the service's schedule in small transactions; every
//! transition is a conditional update, so concurrent sweeps change each voucher once.

use chrono::NaiveDate;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::db::{Database, new_id};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use super::common::{append_change, audit_client};
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
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let today = ctx.today();
    let as_of = wire::optional_date("as_of", req.as_of.as_ref())?.unwrap_or(today);
    if as_of > today {
        return Err(AppError::invalid("as_of", "must not be after today"));
    }
    change
        .apply(move |conn| {
            Box::pin(async move {
                let (expired, completed) =
                    expire_due(conn, &ctx, &req.request_id, as_of, i64::MAX).await?;
                Ok(pb::ExpireVouchersResponse {
                    expired_voucher_ids: expired,
                    completed_voucher_ids: completed,
                })
            })
        })
        .await
}

/// One expiry sweep as of today, as the service itself; returns how many vouchers expired and
/// completed.
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

/// The scheduled sweep as of today in transactions of at most `batch` vouchers per transition,
/// each committed before the next begins, so no lock is held long whatever is due.
pub async fn sweep_in_batches(db: &Database, ctx: &Ctx, batch: i64) -> AppResult<SweepOutcome> {
    let mut outcome = SweepOutcome {
        expired: 0,
        completed: 0,
        batches: 0,
    };
    loop {
        let mut tx = db.begin_write().await?;
        let request_id = format!("sweep-{}", new_id());
        let (expired, completed) =
            expire_due(&mut tx, ctx, &request_id, ctx.today(), batch).await?;
        tx.commit().await?;
        outcome.batches += 1;
        outcome.expired += expired.len();
        outcome.completed += completed.len();
        if (expired.len() as i64) < batch && (completed.len() as i64) < batch {
            return Ok(outcome);
        }
    }
}

/// Expires the vouchers whose end passed unused and completes the used ones (as of `as_of`),
/// with an audit entry and a feed entry for each; every transition is a conditional update, so
/// concurrent sweeps (several replicas, or the RPC beside the scheduled sweep) change each
/// voucher once.
async fn expire_due(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    as_of: NaiveDate,
    limit: i64,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let (expired, completed) = store::sweep(conn, as_of, limit).await?;
    let changes = expired
        .iter()
        .map(|id| (id, ChangeKind::Expired))
        .chain(completed.iter().map(|id| (id, ChangeKind::Completed)));
    for (id, kind) in changes {
        let v = store::load_voucher(conn, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
        audit_client(
            conn,
            ctx,
            request_id,
            &v.client_id,
            "ExpireVouchers",
            "voucher_service",
        )
        .await?;
        append_change(conn, ctx, request_id, &v, None, kind).await?;
    }
    Ok((expired, completed))
}
