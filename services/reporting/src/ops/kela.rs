//! Kela's absence notice (ABS-KELA, KTT 3; Kela's form TT3 "Ilmoitus poissaolosta"): for each
//! KTT client (voucher) and two-week period of the service, every day present, absent with the
//! reason Kela asks for, or with no service arranged ("palvelua ei järjestetä"); as data, as a
//! printable PDF ([`crate::pdf::kela`]), and as a list of the notices due and sent.
//!
//! The periods count from the day the service started (followed from the voucher feed) in
//! steps of 14 days to the day it ends (completed, interrupted, or the last valid day). A
//! period's notice is due within 14 days of its first day, rolled to a business day
//! (`KELA_NOTICE_INTERVAL_DAYS`), so that every day on it reaches Kela in time
//! (`seteli_rules::absences::check_kela_notices`, which also decides whether a notice marked
//! sent was late).
//!
//! A notice's days are read from `seteli.attendance.v1` (ListSessions, ListAbsences) with the
//! caller's token when it is asked for — attendance keeps the records, this service keeps
//! which notices were sent:
//! - present: a session recorded that day;
//! - absent: an absence recorded with its Kela reason, or a no-show or a cancellation by the
//!   client (reason "other": the benefit is lost), unless the client was also present;
//! - no service arranged: a day recorded so, a session the provider cancelled, a public holiday,
//!   or a day with nothing arranged for the client.
//!
//! The provider who sends it (name, business id, contact person and phone) is read from the
//! provider registry with reporting's own service account (`kela/provider.rs` says why, and
//! what the notice shows when the registry does not answer).
//!
//! Whether an absent day keeps the benefit is `seteli_rules::absences::benefit_kept`. SK
//! vouchers have no Kela notice: asking for one is refused with ABS-KELA.

use chrono::{Days, NaiveDate};
use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::Role;
use seteli_platform::convert::{PbEnum, store_date, to_date};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::Violation;
use seteli_rules::absences::{
    KELA_NOTICE_INTERVAL_DAYS, KelaDay, KelaDayStatus, KelaNotice, benefit_kept, check_kela_notices,
};
use seteli_rules::calendar::{DeadlineRoll, roll_deadline};
use seteli_rules::rule_ids::ABS_KELA;

use super::common::every_page;
use super::voucher_feed::catch_up;
use crate::access;
use crate::app::App;
use crate::model::{KelaSent, Voucher};
use crate::pdf;
use crate::store;
use crate::wire::{self, required_id};

mod days;
mod provider;
mod sent;
use days::{Day, day_status, reason_to_pb};
pub use sent::mark_kela_notice_sent;

/// Days in a Kela notice's period.
const PERIOD_DAYS: u64 = 14;

/// Pages read from attendance for one notice, at most (a voucher's sessions, 500 a page).
const MAX_PAGES: usize = 40;

/// The last day of the service of `v` (its end, or its last valid day).
fn service_end(v: &Voucher) -> NaiveDate {
    v.ended_on
        .map_or(v.valid_until, |ended| ended.min(v.valid_until))
}

/// A period of a KTT service: its first and last day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    from: NaiveDate,
    until: NaiveDate,
}

impl Period {
    /// By when its notice goes to Kela: within 14 days of its first day, rolled (ABS-KELA).
    fn due_on(self) -> NaiveDate {
        roll_deadline(
            self.from
                .checked_add_days(Days::new(KELA_NOTICE_INTERVAL_DAYS))
                .unwrap_or(self.from),
            DeadlineRoll::NextBusinessDay,
        )
    }

    /// Every day of the period.
    fn days(self) -> impl Iterator<Item = NaiveDate> {
        self.from.iter_days().take_while(move |d| *d <= self.until)
    }
}

/// The two-week periods of a service from `start` to `end`.
fn periods(start: NaiveDate, end: NaiveDate) -> Vec<Period> {
    let mut out = Vec::new();
    let mut from = start;
    while from <= end {
        let last = from
            .checked_add_days(Days::new(PERIOD_DAYS - 1))
            .unwrap_or(end)
            .min(end);
        out.push(Period { from, until: last });
        match from.checked_add_days(Days::new(PERIOD_DAYS)) {
            Some(next) => from = next,
            None => break,
        }
    }
    out
}

/// ABS-KELA: the refusal of a Kela notice for an SK voucher.
fn not_ktt(v: &Voucher) -> AppError {
    AppError::RuleViolations(vec![Violation::of(
        ABS_KELA,
        format!(
            "Kelan poissaoloilmoitus (TT3) tehdään vain kuntouttavasta työtoiminnasta; {} ei ole \
             kuntouttavaa työtoimintaa.",
            v.service.name_fi()
        ),
        format!(
            "Kela's absence notice (TT3) is made for rehabilitative work activity (KTT) only; {} \
             is not KTT.",
            v.service.code()
        ),
    )])
}

/// Whether a notice covering `period`, sent on `sent_on`, was late (ABS-KELA: every day on it
/// within 14 days; the first day is the earliest due).
fn sent_late(v: &Voucher, period: Period, sent_on: NaiveDate) -> bool {
    let days: Vec<KelaDay> = period
        .days()
        .map(|date| KelaDay {
            date,
            status: KelaDayStatus::Present,
        })
        .collect();
    // ABS-KELA
    !check_kela_notices(
        v.service,
        &days,
        &[KelaNotice {
            sent_on,
            covers_from: period.from,
            covers_until: period.until,
        }],
        sent_on,
        DeadlineRoll::NextBusinessDay,
    )
    .is_empty()
}

/// The summary of `period`'s notice of `v`, as of `today`.
fn summary(
    v: &Voucher,
    period: Period,
    sent: Option<&KelaSent>,
    today: NaiveDate,
) -> pb::KelaNoticeSummary {
    let due_on = period.due_on();
    let status = match sent {
        Some(_) => pb::KelaNoticeStatus::Sent,
        None if today > due_on => pb::KelaNoticeStatus::Overdue,
        None => pb::KelaNoticeStatus::Due,
    };
    pb::KelaNoticeSummary {
        id: format!("{}/{}", v.id, store_date(period.from)),
        voucher_id: v.id.clone(),
        client_id: v.client_id.clone(),
        provider_id: v.provider_id.clone(),
        social_worker: v.social_worker.clone(),
        period_from: Some(to_date(period.from)),
        period_until: Some(to_date(period.until)),
        due_on: Some(to_date(due_on)),
        status: status as i32,
        sent_on: sent.map(|s| to_date(s.sent_on)),
        late: sent.is_some_and(|s| s.late),
        sent_by: sent.and_then(|s| wire::to_actor(&s.sent_by)),
        backdated_reason: sent.map(|s| s.backdated_reason.clone()).unwrap_or_default(),
    }
}

// ------------------------------------------------------------------------------ the list

/// ListKelaNotices: the notices of every started KTT service the caller may see, whose period
/// has begun, by due date.
pub async fn list_kela_notices(
    app: &App,
    ctx: Ctx,
    req: pb::ListKelaNoticesRequest,
) -> AppResult<pb::ListKelaNoticesResponse> {
    ctx.caller.require(access::KELA_READERS)?;
    let status = wire::kela_status_filter(req.status)?;
    // No social worker is asked for: a social worker's own clients' (a substitute's: everybody's).
    let scope = access::list_scope(&ctx.caller, &req.provider_id, "")?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(String, String)>()?;
    let today = ctx.today();
    let mut conn = app.db.pool().acquire().await?;
    let vouchers = store::started_ktt_vouchers(
        &mut conn,
        &scope.provider_id,
        (&scope.social_worker, &scope.team),
        req.voucher_id.trim(),
    )
    .await?;
    let mut all = Vec::new();
    for (v, started_on) in &vouchers {
        let sent = store::kela_sent(&mut conn, &v.id).await?;
        for period in periods(*started_on, service_end(v))
            .into_iter()
            .filter(|p| p.from <= today)
        {
            let mark = sent.iter().find(|s| s.period_from == period.from);
            let s = summary(v, period, mark, today);
            if status.is_none_or(|want| s.status == want as i32) {
                all.push((store_date(period.due_on()), s));
            }
        }
    }
    all.sort_by(|a, b| (&a.0, &a.1.id).cmp(&(&b.0, &b.1.id)));
    let rows: Vec<(String, pb::KelaNoticeSummary)> = all
        .into_iter()
        .filter(|(due, s)| {
            after
                .as_ref()
                .is_none_or(|(a_due, a_id)| (due, &s.id) > (a_due, a_id))
        })
        .take(usize::try_from(page.fetch()).unwrap_or(usize::MAX))
        .collect();
    let (rows, next_page_token) = page.cut(rows, |(due, s)| (due.clone(), s.id.clone()));
    Ok(pb::ListKelaNoticesResponse {
        notices: rows.into_iter().map(|(_, s)| s).collect(),
        next_page_token,
    })
}

// ------------------------------------------------------------------------------ one notice

/// The KTT voucher `id` the caller may see, started, with the period containing `day`.
async fn voucher_period(
    app: &App,
    ctx: &Ctx,
    id: &str,
    day: NaiveDate,
) -> AppResult<(Voucher, Period)> {
    let load = || async {
        let mut conn = app.db.pool().acquire().await?;
        let v = store::load_voucher(&mut conn, id)
            .await?
            .filter(|v| access::may_see_voucher(&ctx.caller, v));
        let start = match &v {
            Some(v) => store::load_service_start(&mut conn, &v.id)
                .await?
                .and_then(|s| s.started_on),
            None => None,
        };
        Ok::<_, AppError>((v, start))
    };
    let (mut v, mut start) = load().await?;
    if v.is_none() || start.is_none() {
        if let Err(e) = catch_up(app).await {
            tracing::debug!(error = %e, "catching up on demand failed");
        }
        (v, start) = load().await?;
    }
    let v = v.ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
    // ABS-KELA: KTT only
    if !v.service.is_ktt() {
        return Err(not_ktt(&v));
    }
    let start = start.ok_or_else(|| {
        AppError::StateConflict(format!(
            "the service of voucher {} has not started: it has no Kela absence notices yet",
            v.id
        ))
    })?;
    let end = service_end(&v);
    let period = periods(start, end)
        .into_iter()
        .find(|p| p.from <= day && day <= p.until)
        .ok_or_else(|| {
            AppError::invalid(
                "day",
                format!("not a day of the service: it runs from {start} to {end}"),
            )
        })?;
    Ok((v, period))
}

/// More of `voucher_id`'s `what` in attendance than one notice reads.
fn too_many(voucher_id: &str, what: &str) -> AppError {
    AppError::Unavailable(format!(
        "voucher {voucher_id} has more {what} than one notice reads"
    ))
}

/// Every page of `voucher_id`'s sessions, as the caller reads them from attendance.
async fn sessions(app: &App, ctx: &Ctx, voucher_id: &str) -> AppResult<Vec<apb::Session>> {
    let read = |page_token| async move {
        let page = app
            .attendance
            .client
            .call(
                ctx,
                apb::ListSessionsRequest {
                    voucher_id: voucher_id.to_owned(),
                    page_size: 500,
                    page_token,
                    ..Default::default()
                },
                |mut c, r| async move { c.list_sessions(r).await },
            )
            .await?;
        Ok((page.sessions, page.next_page_token))
    };
    every_page(MAX_PAGES, read, || too_many(voucher_id, "sessions")).await
}

/// Every page of `voucher_id`'s absences, as the caller reads them from attendance.
async fn absences(app: &App, ctx: &Ctx, voucher_id: &str) -> AppResult<Vec<apb::Absence>> {
    let read = |page_token| async move {
        let page = app
            .attendance
            .client
            .call(
                ctx,
                apb::ListAbsencesRequest {
                    voucher_id: voucher_id.to_owned(),
                    page_size: 500,
                    page_token,
                },
                |mut c, r| async move { c.list_absences(r).await },
            )
            .await?;
        Ok((page.absences, page.next_page_token))
    };
    every_page(MAX_PAGES, read, || too_many(voucher_id, "absences")).await
}

/// The notice of `period` of `v` with its days, read with the caller's token; the provider
/// from the registry with the service's own ([`provider`]).
async fn build(app: &App, ctx: &Ctx, v: &Voucher, period: Period) -> AppResult<pb::KelaNotice> {
    let today = ctx.today();
    let voucher = app
        .vouchers
        .call(
            ctx,
            vpb::GetVoucherRequest {
                voucher_id: v.id.clone(),
                ..Default::default()
            },
            |mut c, r| async move { c.get_voucher(r).await },
        )
        .await?
        .voucher
        .unwrap_or_default();
    let identity_code = full_identity_code(app, ctx, &v.client_id).await?;
    let sessions = sessions(app, ctx, &v.id).await?;
    let absences = absences(app, ctx, &v.id).await?;
    let sent = {
        let mut conn = app.db.pool().acquire().await?;
        store::kela_sent(&mut conn, &v.id).await?
    };
    let mark = sent.iter().find(|s| s.period_from == period.from);
    let days: Vec<(NaiveDate, Day)> = period
        .days()
        .filter(|d| *d <= today)
        .map(|d| (d, day_status(d, &sessions, &absences)))
        .collect();
    // ABS-KELA: which absent days keep the benefit.
    let kept = benefit_kept(
        &days
            .iter()
            .map(|(date, d)| KelaDay {
                date: *date,
                status: d.status,
            })
            .collect::<Vec<_>>(),
    );
    let mut out_days = Vec::new();
    let (mut present, mut absent, mut lost) = (0, 0, 0);
    for (date, d) in days {
        let (status, reason, benefit) = match d.status {
            KelaDayStatus::Present => {
                present += 1;
                (pb::KelaDayStatus::Present, None, false)
            }
            KelaDayStatus::Absent(r) => {
                absent += 1;
                let keeps = kept
                    .iter()
                    .find(|(k, _)| *k == date)
                    .is_some_and(|(_, keeps)| *keeps);
                if !keeps {
                    lost += 1;
                }
                (pb::KelaDayStatus::Absent, Some(r), keeps)
            }
            KelaDayStatus::NotArranged => (pb::KelaDayStatus::NotArranged, None, false),
        };
        out_days.push(pb::KelaDay {
            date: Some(to_date(date)),
            status: status as i32,
            reason: reason.map(|r| reason_to_pb(r) as i32).unwrap_or_default(),
            benefit_kept: benefit,
            certificate_delivered: d.certificate_delivered,
            note: d.note,
        });
    }
    let client = voucher.client.unwrap_or_default();
    Ok(pb::KelaNotice {
        summary: Some(summary(v, period, mark, today)),
        voucher_number: voucher.voucher_number,
        client_name: client.name,
        client_identity_code_masked: client.identity_code_masked,
        provider_name: voucher.provider_name,
        service_type: v.service.to_pb(),
        days: out_days,
        complete: period.until < today,
        present_days: present,
        absent_days: absent,
        benefit_lost_days: lost,
        client_identity_code: identity_code,
        provider: provider::sender(app, ctx, &v.provider_id).await,
    })
}

/// The client's full identity code for the notice (TT3: Kela identifies the person by it), read
/// from vouchers with the caller's token when the notice is built — so vouchers decides and
/// audits who reads it: the voucher's provider (`for_kela_notice`) and the county's
/// administrator get it; anybody else gets an empty code and sees the masked one.
async fn full_identity_code(app: &App, ctx: &Ctx, client_id: &str) -> AppResult<String> {
    if !matches!(ctx.caller.role, Role::ProviderUser | Role::CountyAdmin) {
        return Ok(String::new());
    }
    let client = app
        .vouchers
        .call(
            ctx,
            vpb::GetClientRequest {
                client_id: client_id.to_owned(),
                for_kela_notice: true,
            },
            |mut c, r| async move { c.get_client(r).await },
        )
        .await?
        .client
        .unwrap_or_default();
    Ok(client.identity_code)
}

/// The audit entry of reading a client's Kela notice.
async fn audit_read(app: &App, ctx: &Ctx, v: &Voucher, action: &str) -> AppResult<()> {
    audit::record_read(
        &app.db,
        &ctx.caller,
        ctx.request_id(),
        Access {
            subject_kind: "client",
            subject_id: &v.client_id,
            action,
            purpose: access::purpose(&ctx.caller),
        },
    )
    .await
}

/// The Kela notice a request asks for (of the period holding `day` on voucher `voucher_id`),
/// with its voucher and period; for those who may read Kela notices only.
async fn asked_notice(
    app: &App,
    ctx: &Ctx,
    voucher_id: &str,
    day: Option<&seteli_api::common::v1::Date>,
) -> AppResult<(Voucher, Period, pb::KelaNotice)> {
    ctx.caller.require(access::KELA_READERS)?;
    let id = required_id("voucher_id", voucher_id)?;
    let day = wire::required_day("day", day)?;
    let (v, period) = voucher_period(app, ctx, &id, day).await?;
    let notice = build(app, ctx, &v, period).await?;
    Ok((v, period, notice))
}

/// GetKelaNotice.
pub async fn get_kela_notice(
    app: &App,
    ctx: Ctx,
    req: pb::GetKelaNoticeRequest,
) -> AppResult<pb::GetKelaNoticeResponse> {
    let (v, _, notice) = asked_notice(app, &ctx, &req.voucher_id, req.day.as_ref()).await?;
    audit_read(app, &ctx, &v, "GetKelaNotice").await?;
    Ok(pb::GetKelaNoticeResponse {
        notice: Some(notice),
    })
}

/// GetKelaNoticePdf.
pub async fn get_kela_notice_pdf(
    app: &App,
    ctx: Ctx,
    req: pb::GetKelaNoticePdfRequest,
) -> AppResult<pb::GetKelaNoticePdfResponse> {
    let (v, period, notice) = asked_notice(app, &ctx, &req.voucher_id, req.day.as_ref()).await?;
    let content = pdf::kela::document(&notice)
        .printed_on(ctx.today())
        .render()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("rendering a Kela notice: {e}")))?;
    audit_read(app, &ctx, &v, "GetKelaNoticePdf").await?;
    let number = if notice.voucher_number.is_empty() {
        v.id.clone()
    } else {
        notice.voucher_number.clone()
    };
    Ok(pb::GetKelaNoticePdfResponse {
        file_name: format!("kela-tt3-{number}-{}.pdf", store_date(period.from)),
        content_type: "application/pdf".into(),
        content,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::d;

    #[test]
    fn periods_are_two_weeks_from_the_start_to_the_end() {
        let p = periods(d(2026, 3, 2), d(2026, 3, 31));
        assert_eq!(
            p,
            vec![
                Period {
                    from: d(2026, 3, 2),
                    until: d(2026, 3, 15)
                },
                Period {
                    from: d(2026, 3, 16),
                    until: d(2026, 3, 29)
                },
                Period {
                    from: d(2026, 3, 30),
                    until: d(2026, 3, 31)
                },
            ]
        );
        // Due within 14 days of the first day: 16 March; 30 March; 13 April (Easter Monday
        // 6 April is not in the way).
        assert_eq!(p[0].due_on(), d(2026, 3, 16));
        // 2026-03-20 + 14 = Good Friday: Easter moves it to Tuesday 7 April.
        let easter = Period {
            from: d(2026, 3, 20),
            until: d(2026, 4, 2),
        };
        assert_eq!(easter.due_on(), d(2026, 4, 7));
    }

    #[test]
    fn a_notice_sent_after_its_due_date_is_late() {
        let v = Voucher {
            id: "v".into(),
            client_id: "c".into(),
            provider_id: "p".into(),
            social_worker: "s".into(),
            social_worker_team: String::new(),
            service: seteli_rules::ServiceType::KttWorkCapacity,
            state: "ACTIVE".into(),
            valid_from: d(2026, 3, 2),
            valid_until: d(2026, 6, 30),
            ended_on: None,
            continues_voucher_id: String::new(),
            version: 1,
            feed_sequence: 1,
        };
        let p = Period {
            from: d(2026, 3, 2),
            until: d(2026, 3, 15),
        };
        assert!(!sent_late(&v, p, d(2026, 3, 16)));
        assert!(sent_late(&v, p, d(2026, 3, 17)));
    }
}
