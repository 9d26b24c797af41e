//! Attendance's alerts the social worker must know of, followed from `seteli.attendance.v1`
//! ListAlertChanges ([`AlertFeed`]'s [`FeedApply`], caught up by [`catch_up_alerts`] and by
//! [`crate::jobs::follow_attendance`]): ABS-SICK-CERT, ABS-PROLONGED, and ABS-REPEATED and
//! SK-GROUP-MIN-FILL (a closed group cancelled or delayed) addressed to the social worker
//! ([`NoticeKind::of_alert`]) become notices in their inbox; each page applied in one
//! transaction with the cursor by the platform's [`seteli_platform::feed::Follower`], as the
//! voucher feed is. A notice's due date is attendance's; it was told when attendance raised it (or when
//! it reached this service, if earlier).

use seteli_api::attendance::v1 as apb;
use seteli_platform::AppResult;
use seteli_platform::clock::Clock;
use seteli_platform::convert::date;
use seteli_platform::db::new_id;
use seteli_platform::feed::{Cursor, FeedApply, FeedLog, FeedPage};
use seteli_platform::followed;
use seteli_platform::rpc::Ctx;
use sqlx::AnyConnection;

use super::common::{day_of, told_at};
use crate::app::{AlertFeed, App};
use crate::model::{Actor, NoticeKind, NoticeRow, NoticeState};
use crate::store;

impl FeedApply for AlertFeed {
    type Change = apb::AlertChange;
    /// Attendance's alert feed (its row in `feed_cursors`).
    const CURSOR: Cursor = Cursor("attendance_alerts");
    const LOG: FeedLog = FeedLog {
        applied: "attendance alert changes applied",
        reachable_again: "attendance alert feed reachable again",
        cannot_follow: "cannot follow the attendance alert feed; retrying",
    };

    fn sequence(change: &apb::AlertChange) -> i64 {
        change.sequence
    }

    fn made_at_micros(change: &apb::AlertChange) -> Option<i64> {
        followed::alert_change_made_at(change)
    }

    async fn page(
        &self,
        ctx: &Ctx,
        after: i64,
        limit: i32,
    ) -> AppResult<FeedPage<apb::AlertChange>> {
        followed::alert_changes(&self.attendance, ctx, after, limit).await
    }

    /// A raised alert the social worker must know of becomes a notice; every other change only
    /// moves the cursor.
    async fn apply(
        &self,
        conn: &mut AnyConnection,
        _ctx: &Ctx,
        change: &apb::AlertChange,
    ) -> AppResult<()> {
        if change.kind == apb::AlertChangeKind::Raised as i32
            && let Some(alert) = &change.alert
        {
            let to_social_worker = alert.audience == apb::AlertAudience::SocialWorker as i32;
            if let Some(kind) = NoticeKind::of_alert(&alert.rule_id, to_social_worker) {
                let notice = alert_notice(conn, &self.clock, kind, alert).await?;
                store::insert_notice(conn, &notice).await?;
            }
        }
        Ok(())
    }
}

/// Applies every attendance alert change not applied yet; returns how many were applied.
pub async fn catch_up_alerts(app: &App) -> AppResult<usize> {
    app.attendance.alerts.catch_up().await
}

/// The notice an attendance alert makes: told when it was raised (or reached this service),
/// due when attendance says the social worker must know.
async fn alert_notice(
    conn: &mut AnyConnection,
    clock: &Clock,
    kind: NoticeKind,
    a: &apb::Alert,
) -> AppResult<NoticeRow> {
    let followed = store::load_voucher(conn, &a.voucher_id).await?;
    let social_worker_team = followed
        .as_ref()
        .map(|v| v.social_worker_team.clone())
        .unwrap_or_default();
    let social_worker = followed
        .map(|v| v.social_worker)
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| a.social_worker.clone());
    let told_at = told_at(clock, a.created_at_micros);
    let told_on = day_of(told_at);
    let due_on = date("due_on", a.due_on.as_ref()).unwrap_or(told_on);
    Ok(NoticeRow {
        id: new_id(),
        source_key: format!("alert:{}", a.id),
        kind,
        voucher_id: a.voucher_id.clone(),
        client_id: a.client_id.clone(),
        provider_id: a.provider_id.clone(),
        social_worker,
        social_worker_team,
        subject_id: a.subject_id.clone(),
        situation_change: None,
        occurred_on: told_on,
        due_on,
        told_at,
        told_on,
        late: told_on > due_on,
        told_by: Actor {
            subject: "system:attendance".into(),
            role: String::new(),
            organisation: a.provider_id.clone(),
        },
        message_en: a.message_en.clone(),
        message_fi: a.message_fi.clone(),
        details: String::new(),
        state: NoticeState::Open,
        acknowledged_at: 0,
        acknowledged_by: Actor::default(),
        acknowledgement_note: String::new(),
        version: 1,
    })
}
