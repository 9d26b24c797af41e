//! Following the voucher feed: `seteli.vouchers.v1` ListVoucherChanges applied page by page
//! ([`catch_up`], run by [`crate::jobs::follow_vouchers`] and on demand), GetFeedStatus, and the
//! retry of a request an old view of its voucher refused (`with_fresh_voucher`).
//!
//! Attendance never reads a voucher from the voucher service: it keeps the copy the feed gives
//! it (`vouchers` table), each page applied in one transaction that moves the stored cursor, so
//! a change is applied exactly once whichever replica applies it.

use seteli_api::attendance::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::convert::{PbEnum, date};
use seteli_platform::db::Database;
use seteli_platform::feed::Cursor;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ServiceType;
use seteli_rules::rule_ids::PROC_COACH;

use crate::access;
use crate::app::App;
use crate::model::{StartDates, Voucher};
use crate::store;

/// The vouchers feed this service follows (its row in `feed_cursors`).
const VOUCHER_FEED: Cursor = Cursor("vouchers");

/// Voucher changes asked for per page.
const FEED_PAGE: i32 = 500;

/// Applies every voucher change not applied yet; returns how many were applied.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    let Some(ctx) = &app.feed_ctx else {
        return Ok(0);
    };
    let _one_at_a_time = app.feed_lock.lock().await;
    let mut total = 0;
    loop {
        let after = {
            let mut conn = app.db.pool().acquire().await?;
            VOUCHER_FEED.read(&mut conn).await?.0
        };
        let page = app
            .vouchers
            .call(
                ctx,
                vpb::ListVoucherChangesRequest {
                    after_sequence: after,
                    page_size: FEED_PAGE,
                },
                |mut c, r| async move { c.list_voucher_changes(r).await },
            )
            .await?;
        let n = page.changes.len();
        if n == 0 {
            break;
        }
        total += apply_changes(&app.db, &page.changes).await?;
        if n < usize::try_from(FEED_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of changes in one transaction that moves the cursor: changes at or below
/// the stored cursor (applied by another replica meanwhile) are skipped.
async fn apply_changes(db: &Database, changes: &[vpb::VoucherChange]) -> AppResult<usize> {
    let mut tx = db.begin_write().await?;
    let (mut last, _) = VOUCHER_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        match followed(change) {
            Some(v) => store::upsert_voucher(&mut tx, &v).await?,
            None => tracing::warn!(
                sequence = change.sequence,
                "a voucher change without a usable voucher; skipped"
            ),
        }
        last = change.sequence;
        applied += 1;
    }
    VOUCHER_FEED.advance(&mut tx, last, applied).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The voucher a change carries, as attendance follows it.
fn followed(change: &vpb::VoucherChange) -> Option<Voucher> {
    let v = change.voucher.as_ref()?;
    let d = v.decision.as_ref()?;
    let service = ServiceType::from_pb(d.service_type)?;
    let day = |x: Option<&seteli_api::common::v1::Date>| date("date", x).ok();
    let state = vpb::VoucherState::try_from(v.state)
        .ok()?
        .as_str_name()
        .trim_start_matches("VOUCHER_STATE_")
        .to_owned();
    let issued = change.kind == vpb::VoucherChangeKind::Issued as i32;
    Some(Voucher {
        id: v.id.clone(),
        client_id: v.client.as_ref()?.client_id.clone(),
        provider_id: v.provider_id.clone(),
        service,
        state,
        decision_date: day(d.decision_date.as_ref())?,
        valid_from: day(d.valid_from.as_ref())?,
        valid_until: day(d.valid_until.as_ref())?,
        units_granted: v.units_granted.map(|u| u.hundredths).unwrap_or_default(),
        weekly_cap: v.weekly_cap.map(|u| u.hundredths),
        responsible_coach: v.responsible_coach.clone(),
        social_worker: if issued {
            change
                .actor
                .as_ref()
                .map(|a| a.subject.clone())
                .unwrap_or_default()
        } else {
            String::new()
        },
        ended_on: day(v.ended_on.as_ref()),
        version: v.version,
        feed_sequence: change.sequence,
        units_used: 0,
        units_reserved: 0,
        start: StartDates {
            provider_chosen_on: day(v.provider_chosen_on.as_ref()),
            agreed_start_on: day(v.agreed_start_on.as_ref()),
            accepted_on: day(v.accepted_on.as_ref()),
            steward_notified_on: day(v.steward_notified_on.as_ref()),
        },
    })
}

/// GetFeedStatus.
pub async fn get_feed_status(
    app: &App,
    ctx: Ctx,
    _req: pb::GetFeedStatusRequest,
) -> AppResult<pb::GetFeedStatusResponse> {
    ctx.caller.require(access::ADMIN)?;
    let mut conn = app.db.pool().acquire().await?;
    let (last_sequence, changes_applied) = VOUCHER_FEED.read(&mut conn).await?;
    let vouchers = store::count_vouchers(&mut conn).await?;
    Ok(pb::GetFeedStatusResponse {
        last_sequence,
        changes_applied,
        vouchers,
    })
}

/// Whether a refusal may come from an old view of the voucher (unknown, another state, no
/// coach yet): then the feed is caught up on demand and the request tried once more.
fn maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) | AppError::StateConflict(_) => true,
        AppError::RuleViolations(v) => v.iter().any(|x| x.rule == PROC_COACH),
        _ => false,
    }
}

/// Runs `attempt`; when it is refused in a way an old view of the voucher explains, catches up
/// with the feed and runs it once more.
pub(super) async fn with_fresh_voucher<T, F, Fut>(app: &App, attempt: F) -> AppResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    match attempt().await {
        // Retried even when this catch-up found nothing: the follower may have applied the
        // news between the attempt and the catch-up.
        Err(e) if maybe_stale(&e) => match catch_up(app).await {
            Ok(_) => attempt().await,
            Err(feed) => {
                tracing::debug!(error = %feed, "catching up on demand failed");
                Err(e)
            }
        },
        other => other,
    }
}
