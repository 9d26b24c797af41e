//! Notices to the social worker: what the provider must tell "without delay" (RULES.md §6),
//! gathered in one inbox per social worker, acknowledged there, and measured — each notice
//! has when it happened, by when it was due to be told, and when it was told.
//!
//! Where notices come from:
//! - attendance's alerts ([`super::alert_feed`]);
//! - the voucher feed: an interruption (PROC-INTERRUPT) makes a notice in the transaction that
//!   applies it ([`super::voucher_feed`]);
//! - the provider's user: [`notify`] (NOTIFY-CHANGE and PROV-DAMAGE-NOTICE), here, with the
//!   inbox itself: [`list_notices`], [`get_notice`], [`acknowledge_notice`].
//!
//! "Told" is when the notice reached the social worker's inbox: the call that told it, or, for
//! a followed change, the earlier of when the upstream recorded it and when it was applied here.
//! "Without delay" is `SETELI_NOTIFY_WITHIN_BUSINESS_DAYS` business days after it happened
//! (default 1, rolled past weekends and holidays), decided by `seteli_rules::process::
//! check_notice`; an attendance alert's due date is attendance's.

use chrono::NaiveDate;
use seteli_api::Mutation;
use seteli_api::reporting::v1 as pb;
use seteli_platform::audit::{self, Access, AccessOfMany};
use seteli_platform::change::Change;
use seteli_platform::convert::PbEnum;
use seteli_platform::db::new_id;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::process::NoticeKind as RuleNotice;

use super::common::{CLIENT, client_access, due_after, told_late};
use super::voucher_feed::catch_up;
use crate::access;
use crate::app::App;
use crate::model::{Actor, NoticeKind, NoticeRow, NoticeState, SituationChange};
use crate::store::{self, NoticeFilter};
use crate::wire::{self, MAX_NOTICE_TEXT, MAX_REASON, required_id, required_text};

/// A followed voucher the caller's provider serves: NOT_FOUND otherwise (after catching up
/// once with the voucher feed, so a voucher just accepted is known).
async fn own_voucher(app: &App, ctx: &Ctx, id: &str) -> AppResult<crate::model::Voucher> {
    let load = || async {
        let mut conn = app.db.pool().acquire().await?;
        Ok::<_, AppError>(
            store::load_voucher(&mut conn, id)
                .await?
                .filter(|v| access::may_see_voucher(&ctx.caller, v)),
        )
    };
    if let Some(v) = load().await? {
        return Ok(v);
    }
    if let Err(e) = catch_up(app).await {
        tracing::debug!(error = %e, "catching up on demand failed");
    }
    load()
        .await?
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))
}

/// What the provider's user tells.
struct Told {
    kind: NoticeKind,
    rule: RuleNotice,
    situation_change: Option<SituationChange>,
    occurred_on: NaiveDate,
    description: String,
}

/// A day something happened: not after today.
fn occurred(
    field: &str,
    d: Option<&seteli_api::common::v1::Date>,
    today: NaiveDate,
) -> AppResult<NaiveDate> {
    let day = wire::required_day(field, d)?;
    if day > today {
        return Err(AppError::invalid(field, "not after today"));
    }
    Ok(day)
}

/// Stores what the provider's user told as one idempotent change, audited.
async fn tell<Req: Mutation>(
    app: &App,
    ctx: &Ctx,
    req: &Req,
    voucher_id: &str,
    told: Told,
) -> AppResult<pb::Notice> {
    let change = Change::new(&app.db, ctx, req)?;
    if let Some(first) = change.replay::<pb::Notice>().await? {
        return Ok(first);
    }
    let v = own_voucher(app, ctx, voucher_id).await?;
    let cfg = app.attendance.notify;
    let told_at = ctx.now_micros();
    let told_on = ctx.today();
    let (what_fi, what_en) = match told.situation_change {
        Some(c) => c.words(),
        None => (
            "Palvelussa on sattunut vahinko",
            "A damage happened in the service",
        ),
    };
    let id = new_id();
    let notice = NoticeRow {
        id: id.clone(),
        source_key: format!("told:{id}"),
        kind: told.kind,
        voucher_id: v.id.clone(),
        client_id: v.client_id.clone(),
        provider_id: v.provider_id.clone(),
        social_worker: v.social_worker.clone(),
        social_worker_team: v.social_worker_team.clone(),
        subject_id: String::new(),
        situation_change: told.situation_change,
        occurred_on: told.occurred_on,
        due_on: due_after(told.occurred_on, &cfg),
        told_at,
        told_on,
        // NOTIFY-CHANGE, PROV-DAMAGE-NOTICE: without delay
        late: told_late(told.rule, told.occurred_on, told_on, &cfg),
        told_by: wire::actor_of(&ctx.caller),
        message_en: format!("{what_en} ({}).", told.occurred_on),
        message_fi: format!("{what_fi} ({}).", told.occurred_on),
        details: told.description,
        state: NoticeState::Open,
        acknowledged_at: 0,
        acknowledged_by: Actor::default(),
        acknowledgement_note: String::new(),
        version: 1,
    };
    let caller = ctx.caller.clone();
    let request = ctx.request_id().to_owned();
    let action = match told.kind {
        NoticeKind::Damage => "NotifyDamage",
        _ => "NotifyChange",
    };
    change
        .apply(move |conn| {
            Box::pin(async move {
                store::insert_notice(conn, &notice).await?;
                let entry = client_access(&caller, &notice.client_id, action);
                audit::record(&mut *conn, &caller, &request, entry).await?;
                Ok(wire::to_notice(&notice))
            })
        })
        .await
}

/// A provider's user telling the social worker something (a notice the user writes): the
/// requests [`notify`] answers.
pub trait TellRequest: Mutation {
    /// What kind of notice it is, and under which rule.
    const KIND: NoticeKind;
    /// The rule the notice is told under.
    const RULE: RuleNotice;
    /// The RPC's answer.
    type Answer;
    /// The answer carrying the notice told.
    fn answer(notice: pb::Notice) -> Self::Answer;
    /// Its voucher id, day it happened and description.
    fn parts(&self) -> (&str, Option<&seteli_api::common::v1::Date>, &str);
    /// The situation change it tells of, when it tells of one.
    fn situation_change(&self) -> AppResult<Option<SituationChange>> {
        Ok(None)
    }
}

/// [`TellRequest::parts`] of a request whose fields are named `voucher_id`, `occurred_on` and
/// `description`, as every notice request's are, and its answer `$answer` carrying the notice.
macro_rules! told_parts {
    ($answer:path) => {
        type Answer = $answer;
        fn answer(notice: pb::Notice) -> $answer {
            $answer {
                notice: Some(notice),
            }
        }
        fn parts(&self) -> (&str, Option<&seteli_api::common::v1::Date>, &str) {
            (
                &self.voucher_id,
                self.occurred_on.as_ref(),
                &self.description,
            )
        }
    };
}

impl TellRequest for pb::NotifyChangeRequest {
    const KIND: NoticeKind = NoticeKind::SituationChange;
    const RULE: RuleNotice = RuleNotice::Change;
    told_parts!(pb::NotifyChangeResponse);
    fn situation_change(&self) -> AppResult<Option<SituationChange>> {
        SituationChange::from_pb(self.situation_change)
            .map(Some)
            .ok_or_else(|| {
                AppError::invalid("situation_change", "required: one of the listed values")
            })
    }
}

impl TellRequest for pb::NotifyDamageRequest {
    const KIND: NoticeKind = NoticeKind::Damage;
    const RULE: RuleNotice = RuleNotice::Damage;
    told_parts!(pb::NotifyDamageResponse);
}

/// Checks what `req` tells, then tells it (see [`tell`]).
async fn notify_checked<Req: TellRequest>(
    app: &App,
    ctx: &Ctx,
    req: &Req,
) -> AppResult<pb::Notice> {
    ctx.caller.require(access::NOTICE_TELLERS)?;
    let (voucher_id, occurred_on, description) = req.parts();
    let voucher_id = required_id("voucher_id", voucher_id)?;
    let situation_change = req.situation_change()?;
    let occurred_on = occurred("occurred_on", occurred_on, ctx.today())?;
    let description = required_text("description", description, MAX_NOTICE_TEXT)?;
    let told = Told {
        kind: Req::KIND,
        rule: Req::RULE,
        situation_change,
        occurred_on,
        description,
    };
    tell(app, ctx, req, &voucher_id, told).await
}

/// NotifyChange (NOTIFY-CHANGE) and NotifyDamage (PROV-DAMAGE-NOTICE): the notice told,
/// answered as the request's RPC answers.
pub async fn notify<Req: TellRequest>(app: &App, ctx: Ctx, req: Req) -> AppResult<Req::Answer> {
    Ok(Req::answer(notify_checked(app, &ctx, &req).await?))
}

// ------------------------------------------------------------------------------ reading

/// The audit entry of reading or changing a notice.
fn notice_access<'a>(ctx: &Ctx, client_id: &'a str, action: &'a str) -> Access<'a> {
    client_access(&ctx.caller, client_id, action)
}

/// Audits `ctx`'s caller reading (by `action`) a notice about `client_id`, grouped with the
/// other reads of the moment ([`audit::record_read`]).
async fn audit_read(app: &App, ctx: &Ctx, client_id: &str, action: &str) -> AppResult<()> {
    audit::record_read(
        &app.db,
        &ctx.caller,
        ctx.request_id(),
        notice_access(ctx, client_id, action),
    )
    .await
}

/// ListNotices.
pub async fn list_notices(
    app: &App,
    ctx: Ctx,
    req: pb::ListNoticesRequest,
) -> AppResult<pb::ListNoticesResponse> {
    ctx.caller.require(access::NOTICE_READERS)?;
    let scope = access::list_scope(&ctx.caller, &req.provider_id, &req.social_worker)?;
    let filter = NoticeFilter {
        social_worker: scope.social_worker,
        social_worker_team: scope.team,
        provider_id: scope.provider_id,
        voucher_id: req.voucher_id.trim().to_owned(),
        state: wire::optional_enum::<NoticeState>("state", req.state)?
            .map(|s| s.code().to_owned())
            .unwrap_or_default(),
        kind: wire::optional_enum::<NoticeKind>("kind", req.kind)?
            .map(|k| k.code().to_owned())
            .unwrap_or_default(),
        late_only: req.late_only,
    };
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(i64, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_notices(&mut conn, &filter, after, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) = page.cut(rows, |last| (last.told_at, last.id.clone()));
    // One entry naming every client of the page.
    let access = AccessOfMany {
        subject_kind: CLIENT,
        subject_ids: rows.iter().map(|n| n.client_id.clone()).collect(),
        action: "ListNotices",
        purpose: access::purpose(&ctx.caller),
    };
    audit::record_read_of_many(&app.db, &ctx.caller, ctx.request_id(), access).await?;
    Ok(pb::ListNoticesResponse {
        notices: rows.iter().map(wire::to_notice).collect(),
        next_page_token,
    })
}

/// GetNotice.
pub async fn get_notice(
    app: &App,
    ctx: Ctx,
    req: pb::GetNoticeRequest,
) -> AppResult<pb::GetNoticeResponse> {
    ctx.caller.require(access::NOTICE_READERS)?;
    let id = required_id("notice_id", &req.notice_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let n = store::load_notice(&mut conn, &id)
        .await?
        .filter(|n| access::may_see_notice(&ctx.caller, n))
        .ok_or_else(|| AppError::NotFound(format!("notice {id}")))?;
    drop(conn);
    audit_read(app, &ctx, &n.client_id, "GetNotice").await?;
    Ok(pb::GetNoticeResponse {
        notice: Some(wire::to_notice(&n)),
    })
}

/// AcknowledgeNotice: OPEN → ACKNOWLEDGED, by the notice's social worker (or the county's
/// administrator); once per `request_id`, audited.
pub async fn acknowledge_notice(
    app: &App,
    ctx: Ctx,
    req: pb::AcknowledgeNoticeRequest,
) -> AppResult<pb::AcknowledgeNoticeResponse> {
    ctx.caller.require(access::NOTICE_ACKNOWLEDGERS)?;
    let id = required_id("notice_id", &req.notice_id)?;
    let note = req.note.trim().to_owned();
    if note.chars().count() > MAX_REASON {
        return Err(AppError::invalid("note", "at most 2000 characters"));
    }
    let change = Change::new(&app.db, &ctx, &req)?;
    let caller = ctx.caller.clone();
    let request = ctx.request_id().to_owned();
    let now = ctx.now_micros();
    let notice = change
        .apply_to::<NoticeRow, _, _>(
            &id,
            |n| access::may_acknowledge(&ctx.caller, n),
            move |conn, mut n| {
                Box::pin(async move {
                    if n.state != NoticeState::Open {
                        return Err(AppError::StateConflict(format!(
                            "notice {} is already acknowledged",
                            n.id
                        )));
                    }
                    n.state = NoticeState::Acknowledged;
                    n.acknowledged_at = now;
                    n.acknowledged_by = wire::actor_of(&caller);
                    n.acknowledgement_note = note;
                    n.version += 1;
                    store::save_notice_acknowledgement(&mut *conn, &n).await?;
                    let entry = client_access(&caller, &n.client_id, "AcknowledgeNotice");
                    audit::record(&mut *conn, &caller, &request, entry).await?;
                    Ok(wire::to_notice(&n))
                })
            },
        )
        .await?;
    Ok(pb::AcknowledgeNoticeResponse {
        notice: Some(notice),
    })
}

#[cfg(test)]
mod tests {
    use seteli_platform::convert::to_date;

    use super::*;
    use crate::testing::d;

    #[test]
    fn what_is_told_happened_on_a_day_not_after_today() {
        let today = d(2026, 4, 7);
        for day in [d(2026, 4, 7), d(2026, 1, 2)] {
            assert_eq!(
                occurred("occurred_on", Some(&to_date(day)), today).ok(),
                Some(day)
            );
        }
        assert!(matches!(
            occurred("occurred_on", Some(&to_date(d(2026, 4, 8))), today),
            Err(AppError::InvalidArgument(_))
        ));
        assert!(occurred("occurred_on", None, today).is_err());
    }
}
