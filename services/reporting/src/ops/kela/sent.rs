//! Marking a Kela absence notice sent (ABS-KELA), and keeping the day honest: `sent_on` is the
//! day it is marked, or an earlier day only with a stated reason, which the notice then shows
//! and whose marking the audit log names `MarkKelaNoticeSent (back-dated)`. Without this a
//! provider could mark a late notice sent "on time" with a back-dated `sent_on` (issue 30).

use chrono::NaiveDate;
use seteli_api::reporting::v1 as pb;
use seteli_platform::audit::{self, Access};
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::{sent_late, summary, voucher_period};
use crate::access;
use crate::app::App;
use crate::model::KelaSent;
use crate::store;
use crate::wire::{self, MAX_REASON, required_id};

/// The audit action of a marking whose `sent_on` is before the day it was marked.
const BACKDATED_ACTION: &str = "MarkKelaNoticeSent (back-dated)";

/// The reason kept with a notice marked sent on `sent_on` as of `today`: required (trimmed, at
/// most [`MAX_REASON`] characters) when `sent_on` is before today, refused when it is not, so
/// that every back-dated notice says why and no other does.
fn backdated_reason(sent_on: NaiveDate, today: NaiveDate, reason: &str) -> AppResult<String> {
    let reason = reason.trim();
    if sent_on < today && reason.is_empty() {
        return Err(AppError::invalid(
            "backdated_reason",
            "required when sent_on is before today: say why the notice is marked late",
        ));
    }
    if sent_on >= today && !reason.is_empty() {
        return Err(AppError::invalid(
            "backdated_reason",
            "only when sent_on is before today",
        ));
    }
    if reason.chars().count() > MAX_REASON {
        return Err(AppError::invalid(
            "backdated_reason",
            "at most 2000 characters",
        ));
    }
    Ok(reason.to_owned())
}

/// MarkKelaNoticeSent: once per notice, by a user of the voucher's provider, on a day from
/// the period's last day to today — before today only with a `backdated_reason`; late when
/// after its due date (ABS-KELA).
pub async fn mark_kela_notice_sent(
    app: &App,
    ctx: Ctx,
    req: pb::MarkKelaNoticeSentRequest,
) -> AppResult<pb::MarkKelaNoticeSentResponse> {
    ctx.caller.require(access::KELA_SENDERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let day = wire::required_day("day", req.day.as_ref())?;
    let today = ctx.today();
    let sent_on = match req.sent_on.as_ref() {
        None => today,
        Some(_) => wire::required_day("sent_on", req.sent_on.as_ref())?,
    };
    if sent_on > today {
        return Err(AppError::invalid("sent_on", "not after today"));
    }
    let change = Change::new(&app.db, &ctx, &req)?;
    // A retry answers as the first call did, even on a later day.
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let reason = backdated_reason(sent_on, today, &req.backdated_reason)?;
    let (v, period) = voucher_period(app, &ctx, &id, day).await?;
    if sent_on < period.until {
        return Err(AppError::StateConflict(format!(
            "the period runs until {}: its notice goes to Kela after that",
            period.until
        )));
    }
    let action = if reason.is_empty() {
        "MarkKelaNoticeSent"
    } else {
        BACKDATED_ACTION
    };
    let mark = KelaSent {
        voucher_id: v.id.clone(),
        period_from: period.from,
        sent_on,
        // ABS-KELA: at least every two weeks
        late: sent_late(&v, period, sent_on),
        sent_by: wire::actor_of(&ctx.caller),
        backdated_reason: reason,
    };
    let caller = ctx.caller.clone();
    let request = ctx.request_id().to_owned();
    let now = ctx.now_micros();
    change
        .apply(move |conn| {
            Box::pin(async move {
                if !store::insert_kela_sent(conn, &mark, now).await? {
                    return Err(AppError::StateConflict(format!(
                        "the Kela notice of {} from {} is already marked sent",
                        mark.voucher_id, mark.period_from
                    )));
                }
                audit::record(
                    &mut *conn,
                    &caller,
                    &request,
                    Access {
                        subject_kind: "client",
                        subject_id: &v.client_id,
                        action,
                        purpose: access::purpose(&caller),
                    },
                )
                .await?;
                Ok(pb::MarkKelaNoticeSentResponse {
                    notice: Some(summary(&v, period, Some(&mark), today)),
                })
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, day).expect("a day")
    }

    #[test]
    fn an_earlier_day_needs_a_reason_and_only_an_earlier_day_takes_one() {
        let today = d(14);
        assert_eq!(
            backdated_reason(today, today, "  ").ok().as_deref(),
            Some("")
        );
        assert!(backdated_reason(today, today, "unohtui").is_err());
        assert!(backdated_reason(d(13), today, "").is_err());
        assert_eq!(
            backdated_reason(d(13), today, " lähetetty 13.4. ")
                .ok()
                .as_deref(),
            Some("lähetetty 13.4.")
        );
        let long = "x".repeat(MAX_REASON + 1);
        assert!(backdated_reason(d(13), today, &long).is_err());
        assert!(backdated_reason(d(13), today, &"ä".repeat(MAX_REASON)).is_ok());
    }
}
