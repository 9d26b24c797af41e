//! Attendance's alerts the social worker must know of, followed from `seteli.attendance.v1`
//! ListAlertChanges ([`catch_up_alerts`], run by [`crate::jobs::follow_attendance`]):
//! ABS-SICK-CERT, ABS-PROLONGED, and ABS-REPEATED and SK-GROUP-MIN-FILL (a closed group
//! cancelled or delayed) addressed to the social worker ([`NoticeKind::of_alert`]) become
//! notices in their inbox; each page applied in one transaction with the cursor, as the voucher
//! feed is. A notice's due date is attendance's; it was told when attendance raised it (or when
//! it reached this service, if earlier).

use seteli_api::attendance::v1 as apb;
use seteli_platform::AppResult;
use seteli_platform::convert::date;
use seteli_platform::db::new_id;
use seteli_platform::feed::Cursor;
use sqlx::AnyConnection;

use super::common::{day_of, told_at};
use crate::app::{App, AttendanceLink};
use crate::model::{Actor, NoticeKind, NoticeRow, NoticeState};
use crate::store;

/// Attendance's alert feed (its row in `feed_cursors`).
pub const ALERT_FEED: Cursor = Cursor("attendance_alerts");

/// Alert changes asked for per page.
const FEED_PAGE: i32 = 500;

/// Applies every attendance alert change not applied yet; returns how many were applied.
pub async fn catch_up_alerts(app: &App) -> AppResult<usize> {
    let link = &app.attendance;
    let Some(ctx) = &link.feed_ctx else {
        return Ok(0);
    };
    let _one_at_a_time = link.lock.lock().await;
    let mut total = 0;
    loop {
        let after = {
            let mut conn = app.db.pool().acquire().await?;
            ALERT_FEED.read(&mut conn).await?.0
        };
        let page = link
            .client
            .call(
                ctx,
                apb::ListAlertChangesRequest {
                    after_sequence: after,
                    page_size: FEED_PAGE,
                },
                |mut c, r| async move { c.list_alert_changes(r).await },
            )
            .await?;
        let n = page.changes.len();
        if n == 0 {
            break;
        }
        total += apply_alerts(app, &page.changes).await?;
        if n < usize::try_from(FEED_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of alert changes in one transaction that moves the cursor.
async fn apply_alerts(app: &App, changes: &[apb::AlertChange]) -> AppResult<usize> {
    let mut tx = app.db.begin_write().await?;
    let (mut last, _) = ALERT_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        if change.kind == apb::AlertChangeKind::Raised as i32
            && let Some(alert) = &change.alert
        {
            let to_social_worker = alert.audience == apb::AlertAudience::SocialWorker as i32;
            if let Some(kind) = NoticeKind::of_alert(&alert.rule_id, to_social_worker) {
                let notice = alert_notice(&mut tx, &app.attendance, kind, alert).await?;
                store::insert_notice(&mut tx, &notice).await?;
            }
        }
        last = change.sequence;
        applied += 1;
    }
    ALERT_FEED.advance(&mut tx, last, applied).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The notice an attendance alert makes: told when it was raised (or reached this service),
/// due when attendance says the social worker must know.
async fn alert_notice(
    conn: &mut AnyConnection,
    link: &AttendanceLink,
    kind: NoticeKind,
    a: &apb::Alert,
) -> AppResult<NoticeRow> {
    let social_worker = store::load_voucher(conn, &a.voucher_id)
        .await?
        .map(|v| v.social_worker)
        .filter(|w| !w.is_empty())
        .unwrap_or_else(|| a.social_worker.clone());
    let told_at = told_at(&link.clock, a.created_at_micros);
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
