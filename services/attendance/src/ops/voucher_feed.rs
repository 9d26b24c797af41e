//! Following the voucher feed: `seteli.vouchers.v1` ListVoucherChanges applied change by
//! change ([`VoucherFeed`]'s [`FeedApply`], caught up by [`catch_up`], by
//! [`crate::jobs::follow_vouchers`] and on demand), GetFeedStatus, and the retry of a request an
//! old view of its voucher refused (`with_fresh_voucher`).
//!
//! Attendance never reads a voucher from the voucher service: it keeps the copy the feed gives
//! it (`vouchers` table), each page applied in one transaction that moves the stored cursor
//! ([`seteli_platform::feed::Follower`]), so a change is applied exactly once whichever replica
//! applies it.
//!
//! A change that ends the voucher (COMPLETED or INTERRUPTED with its end date) also cancels,
//! in the same transaction, the sessions still agreed for a day after that end
//! ([`cancel_after_the_end`]: PROC-INTERRUPT, RULES.md §10 "nothing after the end").

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::client::Upstream;
use seteli_platform::followed::{FollowedVoucher, VoucherFollower, day, voucher_copy_status};
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::ledger::after_the_end;
use seteli_rules::rule_ids::{KTT_STEWARD, PROC_COACH, PROC_START};
use sqlx::AnyConnection;
use tonic::transport::Channel;

use super::admission::update_units;

use crate::access;
use crate::app::{App, VoucherFeed};
use crate::model::{SessionRow, SessionStatus, StartDates, Voucher};
use crate::store;

impl VoucherFollower for VoucherFeed {
    fn vouchers(&self) -> &Upstream<VouchersServiceClient<Channel>> {
        &self.vouchers
    }

    /// Stores the voucher the change carries, unless the copy already has a newer version of
    /// it (`store::upsert_voucher`: the feed's order is not one voucher's order), and, for a
    /// change that ends it, cancels what the stored copy's end leaves after it
    /// ([`cancel_after_the_end`]).
    async fn apply_voucher(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &vpb::VoucherChange,
        voucher: FollowedVoucher<'_>,
    ) -> AppResult<()> {
        let v = followed(voucher);
        store::upsert_voucher(conn, &v).await?;
        // Only a change that ends the voucher leaves anything to cancel: a copy that ended with
        // a newer change cancelled when that change was followed.
        if ended(&v).is_none() {
            return Ok(());
        }
        if let Some(stored) = store::load_voucher(conn, &v.id).await? {
            let request_id = format!("voucher-change-{}", change.sequence);
            cancel_after_the_end(conn, ctx, &stored, &request_id).await?;
        }
        Ok(())
    }
}

/// PROC-INTERRUPT, "nothing after the end" (RULES.md §10): once `v` is COMPLETED or
/// INTERRUPTED with its end date, its sessions still agreed for a later day (and not invoiced)
/// are cancelled by the change that ended it — status CANCELLED_AT_END, a history entry in
/// the feed's name — and its units recounted, so the usage feed tells vouchers. Realised
/// sessions up to the end stay as they are (billable). Applying the change again finds
/// nothing left to cancel.
async fn cancel_after_the_end(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    request_id: &str,
) -> AppResult<()> {
    let Some(end) = ended(v) else {
        return Ok(());
    };
    // The client's lock: a session recorded at the same moment sees the cancellation, or is
    // seen by it.
    store::lock_client(conn, &v.client_id).await?;
    let sessions = store::voucher_sessions_between(
        conn,
        &v.id,
        end.succ_opt().unwrap_or(end),
        NaiveDate::from_ymd_opt(9999, 12, 31).unwrap_or(end),
    )
    .await?;
    let mut cancelled = 0;
    for s in sessions.iter().filter(|s| cancelled_by_the_end(end, s)) {
        let Some(version) = store::cancel_at_end(conn, &s.id).await? else {
            continue;
        };
        let details = s.view.details.clone().unwrap_or_default();
        store::append_history(
            conn,
            &s.id,
            version,
            "CANCELLED_AT_END",
            &format!("the voucher ended on {end} (PROC-INTERRUPT)"),
            &details,
            &ctx.caller,
            request_id,
        )
        .await?;
        cancelled += 1;
    }
    if cancelled > 0 {
        update_units(conn, v, ctx.today()).await?;
    }
    Ok(())
}

/// The end date of a voucher that ended with one (COMPLETED or INTERRUPTED).
fn ended(v: &Voucher) -> Option<NaiveDate> {
    matches!(v.state.as_str(), "COMPLETED" | "INTERRUPTED")
        .then_some(v.ended_on)
        .flatten()
}

/// Whether `s` is a session the end on `end` cancels: still recorded (agreed) or a no-show,
/// dated after the end, and not invoiced (an invoiced one is the county's to correct). A
/// no-show after an end dated back (an interruption recorded days later) is no service missed:
/// nothing after the end is billed (PROC-INTERRUPT, RULES.md §10).
fn cancelled_by_the_end(end: NaiveDate, s: &SessionRow) -> bool {
    matches!(s.status, SessionStatus::Recorded | SessionStatus::NoShow)
        && after_the_end(s.date, Some(end))
        && s.invoice_id.is_none()
}

/// Applies every voucher change not applied yet; returns how many were applied.
pub async fn catch_up(app: &App) -> AppResult<usize> {
    app.voucher_feed.catch_up().await
}

/// The voucher a change carries, as attendance follows it.
fn followed(f: FollowedVoucher<'_>) -> Voucher {
    let (v, d) = (f.voucher, f.decision);
    Voucher {
        decision_date: f.decision_date,
        units_granted: v.units_granted.map(|u| u.hundredths).unwrap_or_default(),
        weekly_cap: v.weekly_cap.map(|u| u.hundredths),
        responsible_coach: v.responsible_coach.clone(),
        units_used: 0,
        units_reserved: 0,
        start: StartDates {
            provider_chosen_on: day(v.provider_chosen_on.as_ref()),
            agreed_start_on: day(v.agreed_start_on.as_ref()),
            accepted_on: day(v.accepted_on.as_ref()),
            steward_notified_on: day(v.steward_notified_on.as_ref()),
        },
        continues: Some(d.continues_voucher_id.trim().to_owned()).filter(|c| !c.is_empty()),
        approved_month: None,
        id: f.id,
        client_id: f.client_id,
        provider_id: f.provider_id,
        service: f.service,
        state: f.state,
        valid_from: f.valid_from,
        valid_until: f.valid_until,
        social_worker: f.social_worker,
        social_worker_team: f.social_worker_team,
        ended_on: f.ended_on,
        content_stamp: (f.version, f.feed_sequence),
        version: f.version,
        feed_sequence: f.feed_sequence,
    }
}

/// GetFeedStatus.
pub async fn get_feed_status(
    app: &App,
    ctx: Ctx,
    _req: pb::GetFeedStatusRequest,
) -> AppResult<pb::GetFeedStatusResponse> {
    ctx.caller.require(access::ADMIN)?;
    let mut conn = app.db.pool().acquire().await?;
    let (last_sequence, changes_applied, vouchers) = voucher_copy_status(&mut conn).await?;
    Ok(pb::GetFeedStatusResponse {
        last_sequence,
        changes_applied,
        vouchers,
    })
}

/// Whether a refusal may come from an old view of the voucher (unknown, another state, or a
/// rule decided on the followed voucher's terms or start facts: no coach yet (PROC-COACH), no
/// steward's notice yet (KTT-STEWARD), the start facts (PROC-START)): then the feed is caught
/// up on demand and the request decided again. TERM-VALIDITY is not: a voucher's validity never
/// changes after it is issued (an unknown voucher is NOT_FOUND, an ended one a state), and a
/// catch-up may wait for the voucher's row, which a refusal must never do.
fn maybe_stale(e: &AppError) -> bool {
    match e {
        AppError::NotFound(_) | AppError::StateConflict(_) => true,
        AppError::RuleViolations(v) => v.iter().any(|x| ON_THE_FOLLOWED_VOUCHER.contains(&x.rule)),
        _ => false,
    }
}

/// The rules a refusal by which may be an old view of the voucher ([`maybe_stale`]).
const ON_THE_FOLLOWED_VOUCHER: [&str; 3] = [PROC_COACH, KTT_STEWARD, PROC_START];

/// Runs `attempt`; when it is refused in a way an old view of the voucher explains, catches up
/// with the feed and runs it once more.
pub(super) async fn with_fresh_voucher<T, F, Fut>(app: &App, attempt: F) -> AppResult<T>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = AppResult<T>>,
{
    app.voucher_feed.fresh(attempt, maybe_stale).await
}

#[cfg(test)]
mod tests {
    use seteli_rules::rule_ids::CAP_GROUP_SIZE;
    use seteli_rules::{ServiceType, Violation};

    use super::*;

    fn violation(rule: &'static str) -> AppError {
        AppError::RuleViolations(vec![Violation::of(rule, "", "")])
    }

    #[test]
    fn an_unknown_voucher_another_state_or_no_coach_yet_may_be_an_old_view() {
        assert!(maybe_stale(&AppError::NotFound("voucher v1".into())));
        assert!(maybe_stale(&AppError::StateConflict(
            "voucher v1 is ASSIGNED".into()
        )));
        assert!(maybe_stale(&violation(PROC_COACH)));
        // The steward's notice, the start facts and the validity are the followed voucher's.
        assert!(maybe_stale(&violation(KTT_STEWARD)));
        assert!(maybe_stale(&violation(PROC_START)));
        // The validity never changes after issue: no catch-up (which may wait for the row).
        assert!(!maybe_stale(&violation(
            seteli_rules::rule_ids::TERM_VALIDITY
        )));
        assert!(maybe_stale(&AppError::RuleViolations(vec![
            Violation::of(CAP_GROUP_SIZE, "", ""),
            Violation::of(PROC_COACH, "", ""),
        ])));
    }

    #[test]
    fn the_end_cancels_only_what_is_still_agreed_after_it() {
        use crate::testing::{day, session, voucher};
        let end = day(2026, 10, 20);
        let agreed = session("a", "v1", day(2026, 10, 22), SessionStatus::Recorded, 100);
        assert!(cancelled_by_the_end(end, &agreed));
        // Up to the end: realised, it stays billable.
        let on_the_end = session("e", "v1", end, SessionStatus::Recorded, 100);
        assert!(!cancelled_by_the_end(end, &on_the_end));
        // A no-show after an end dated back is no service missed either.
        let no_show = session("n", "v1", day(2026, 10, 21), SessionStatus::NoShow, 100);
        assert!(cancelled_by_the_end(end, &no_show));
        // Already cancelled or invoiced: not the end's to cancel.
        let gone = session(
            "c",
            "v1",
            day(2026, 11, 3),
            SessionStatus::CancelledByClient,
            0,
        );
        assert!(!cancelled_by_the_end(end, &gone));
        let invoiced = SessionRow {
            invoice_id: Some("i1".into()),
            ..agreed.clone()
        };
        assert!(!cancelled_by_the_end(end, &invoiced));

        let mut v = voucher(ServiceType::KttIndividual, 1000);
        assert_eq!(ended(&v), None);
        v.ended_on = Some(end);
        assert_eq!(ended(&v), None, "an ACTIVE voucher has not ended");
        for state in ["COMPLETED", "INTERRUPTED"] {
            v.state = state.into();
            assert_eq!(ended(&v), Some(end));
        }
        v.ended_on = None;
        assert_eq!(ended(&v), None);
    }

    #[test]
    fn other_refusals_are_not_retried() {
        assert!(!maybe_stale(&violation(CAP_GROUP_SIZE)));
        assert!(!maybe_stale(&AppError::invalid(
            "hours",
            "must be positive"
        )));
        assert!(!maybe_stale(&AppError::PermissionDenied(
            "not yours".into()
        )));
        assert!(!maybe_stale(&AppError::Unavailable("the database".into())));
    }
}
