//! The reports themselves: the obligations a provider owes (ListObligations) and each report
//! from draft to submitted (late ones marked late, by `check_reports`; a final report missing a
//! required section refused by `check_final_report_contents`) to acknowledged or back for a
//! revision. A report changes through [`Change::apply_to`] on its obligation: once per
//! `request_id`, in one transaction that locks the obligation, writes the report and its audit
//! entry.

use seteli_api::Mutation;
use seteli_api::reporting::v1 as pb;
use seteli_platform::audit;
use seteli_platform::auth::{Caller, Role};
use seteli_platform::change::Change;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::reports::{
    FinalReportContents, ReportKind, SubmittedReport, check_final_report_contents, check_reports,
};
use sqlx::AnyConnection;

use super::common::{audited_report, client_access, decorate, report_access};
use super::holder::holders_voucher;
use super::voucher_feed::with_fresh_vouchers;
use crate::access;
use crate::app::App;
use crate::model::{ObligationRow, ReportState};
use crate::store::{self, ObligationFilter};
use crate::wire::{self, MAX_REASON, required_id, required_text};

/// Report `id` if the caller may see it (NOT_FOUND otherwise), catching up with the voucher
/// feed first when it is not known yet. A client sees the reports of their own voucher (as the
/// voucher service confirms it, [`holders_voucher`]) once given to them
/// ([`access::given_to_client`], REP-DELIVERY).
pub(super) async fn visible_report(app: &App, ctx: &Ctx, id: &str) -> AppResult<ObligationRow> {
    let not_found = || AppError::NotFound(format!("report {id}"));
    let client = ctx.caller.role == Role::Client;
    let o = with_fresh_vouchers(app, || async {
        let mut conn = app.db.pool().acquire().await?;
        store::load_obligation(&mut conn, id)
            .await?
            .filter(|o| client || access::may_see(&ctx.caller, o))
            .ok_or_else(not_found)
    })
    .await?;
    if client {
        // REP-DELIVERY: the client's copy is of a report handed in, never of a draft.
        if !access::given_to_client(&o) {
            return Err(not_found());
        }
        match holders_voucher(app, ctx, &o.voucher_id).await {
            Ok((v, _)) if v.client_id == o.client_id => {}
            Ok(_) | Err(AppError::NotFound(_)) => return Err(not_found()),
            Err(e) => return Err(e),
        }
    }
    Ok(o)
}

/// ListObligations.
pub async fn list_obligations(
    app: &App,
    ctx: Ctx,
    req: pb::ListObligationsRequest,
) -> AppResult<pb::ListObligationsResponse> {
    ctx.caller.require(access::READERS)?;
    let client = ctx.caller.role == Role::Client;
    let voucher_id = req.voucher_id.trim().to_owned();
    if client && voucher_id.is_empty() {
        return Err(AppError::invalid(
            "voucher_id",
            "required of a client: the voucher whose reports to list",
        ));
    }
    if voucher_id.len() > 200 {
        return Err(AppError::invalid("voucher_id", "at most 200 bytes"));
    }
    let scope = access::list_scope(&ctx.caller, &req.provider_id, &req.social_worker)?;
    let filter = ObligationFilter {
        provider_id: scope.provider_id,
        social_worker: scope.social_worker,
        social_worker_team: scope.team,
        status: wire::status_filter(req.status)?,
        today: ctx.today(),
        voucher_id: voucher_id.clone(),
        // REP-DELIVERY: a client is shown the reports given to them, never a draft.
        given_only: client,
    };
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(String, String)>()?;
    let holder = if client {
        Some(holders_voucher(app, &ctx, &voucher_id).await?.0)
    } else {
        None
    };
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_obligations(&mut conn, &filter, after, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) = page.cut(rows, |last| {
        (
            seteli_platform::convert::store_date(last.due_on),
            last.id.clone(),
        )
    });
    if let Some(v) = holder.filter(|_| !rows.is_empty()) {
        // The client's own reports listed: their personal data, read.
        let access = client_access(&ctx.caller, &v.client_id, "ListObligations");
        audit::record_read(&app.db, &ctx.caller, ctx.request_id(), access).await?;
    }
    let today = ctx.today();
    Ok(pb::ListObligationsResponse {
        obligations: rows.iter().map(|o| wire::to_obligation(o, today)).collect(),
        next_page_token,
    })
}

/// GetReport.
pub async fn get_report(
    app: &App,
    ctx: Ctx,
    req: pb::GetReportRequest,
) -> AppResult<pb::GetReportResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let o = visible_report(app, &ctx, &id).await?;
    audit::record_read(
        &app.db,
        &ctx.caller,
        ctx.request_id(),
        report_access(&ctx.caller, &o, "GetReport"),
    )
    .await?;
    let mut report = wire::to_report(&o, ctx.today());
    // REP-DELIVERY marks; an SK interim report's earlier dated sections (REP-INTERIM-SK)
    decorate(&mut *app.db.pool().acquire().await?, &o, &mut report).await?;
    Ok(pb::GetReportResponse {
        report: Some(report),
    })
}

/// What a change does to a report.
#[derive(Debug, Clone)]
enum Action {
    /// SaveReportDraft with the new text.
    Draft(crate::model::Sections),
    /// SubmitReport.
    Submit,
    /// AcknowledgeReport.
    Acknowledge,
    /// RequestRevision with the reason.
    Revise(String),
}

impl Action {
    /// The RPC, as audited.
    fn name(&self) -> &'static str {
        match self {
            Action::Draft(_) => "SaveReportDraft",
            Action::Submit => "SubmitReport",
            Action::Acknowledge => "AcknowledgeReport",
            Action::Revise(_) => "RequestRevision",
        }
    }
}

/// `STATE-TRANSITION` for a report not in a state that allows `what`.
fn not_now(o: &ObligationRow, what: &str) -> AppError {
    AppError::StateConflict(format!(
        "report {} is {}: it cannot be {what}",
        o.id,
        o.state.code()
    ))
}

/// Applies `action` to `o` as `caller` on `today`, deciding with the rulebooks.
async fn act(
    conn: &mut AnyConnection,
    caller: &Caller,
    today: chrono::NaiveDate,
    o: &mut ObligationRow,
    action: Action,
) -> AppResult<()> {
    let writer = access::may_write(caller, o);
    match action {
        Action::Draft(sections) => {
            if !writer {
                return Err(AppError::PermissionDenied(
                    "only a user of the voucher's provider writes its reports".into(),
                ));
            }
            if !o.state.editable() {
                return Err(not_now(o, "edited"));
            }
            o.sections = sections;
            o.state = ReportState::Draft;
        }
        Action::Submit => {
            if !writer {
                return Err(AppError::PermissionDenied(
                    "only a user of the voucher's provider submits its reports".into(),
                ));
            }
            if !matches!(o.state, ReportState::Draft | ReportState::RevisionRequested) {
                return Err(not_now(o, "submitted"));
            }
            if o.kind == ReportKind::Final {
                let s = &o.sections;
                // REP-FINAL
                let missing = check_final_report_contents(&FinalReportContents {
                    goals_and_attainment: !s.goals_and_attainment.is_empty(),
                    changes: !s.changes.is_empty(),
                    means_with_examples: !s.means_with_examples.is_empty(),
                    follow_up_plan: !s.follow_up_plan.is_empty(),
                });
                if !missing.is_empty() {
                    return Err(AppError::RuleViolations(missing));
                }
            }
            let v = store::load_voucher(conn, &o.voucher_id)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("report {}", o.id)))?;
            let continues = store::is_continued(conn, &v.id).await?;
            let facts = v.report_facts(continues).ok_or_else(|| {
                AppError::StateConflict(format!("report {} is no longer owed", o.id))
            })?;
            // REP-INTERIM, REP-INTERIM-SK, REP-FINAL: submitted after the due date is late
            let late = check_reports(
                &facts,
                &[SubmittedReport {
                    kind: o.kind,
                    submitted_on: today,
                }],
                today,
            )
            .iter()
            .any(|x| x.rule == o.rule);
            o.state = ReportState::Submitted;
            o.submitted_on = Some(today);
            o.late = late;
        }
        Action::Acknowledge => {
            if o.state != ReportState::Submitted {
                return Err(not_now(o, "acknowledged"));
            }
            o.state = ReportState::Acknowledged;
        }
        Action::Revise(reason) => {
            if o.state != ReportState::Submitted {
                return Err(not_now(o, "sent back for a revision"));
            }
            o.state = ReportState::RevisionRequested;
            o.revision_reason = reason;
        }
    }
    Ok(())
}

/// Changes report `id` by `action` as one idempotent change for `req`: NOT_FOUND unless the
/// caller may see it (after catching up once with the voucher feed); stored with the next
/// version and audited in the same transaction.
async fn change_report<Req: Mutation>(
    app: &App,
    ctx: &Ctx,
    req: &Req,
    id: &str,
    action: Action,
) -> AppResult<pb::Report> {
    with_fresh_vouchers(app, || {
        let action = action.clone();
        async move {
            let change = Change::new(&app.db, ctx, req)?;
            let caller = ctx.caller.clone();
            let request = ctx.request_id().to_owned();
            let today = ctx.today();
            change
                .apply_to::<ObligationRow, _, _>(
                    id,
                    |o| access::may_see(&ctx.caller, o),
                    move |conn, mut o| {
                        Box::pin(async move {
                            if !o.active {
                                return Err(AppError::StateConflict(format!(
                                    "report {} is no longer owed",
                                    o.id
                                )));
                            }
                            let name = action.name();
                            act(&mut *conn, &caller, today, &mut o, action).await?;
                            o.version += 1;
                            store::save_report(&mut *conn, &o).await?;
                            let who = (&caller, request.as_str());
                            audited_report(&mut *conn, who, &o, name, today).await
                        })
                    },
                )
                .await
        }
    })
    .await
}

/// SaveReportDraft.
pub async fn save_report_draft(
    app: &App,
    ctx: Ctx,
    req: pb::SaveReportDraftRequest,
) -> AppResult<pb::SaveReportDraftResponse> {
    ctx.caller.require(access::WRITERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let sections = wire::validate_sections(req.sections.as_ref())?;
    let report = change_report(app, &ctx, &req, &id, Action::Draft(sections)).await?;
    Ok(pb::SaveReportDraftResponse {
        report: Some(report),
    })
}

/// SubmitReport.
pub async fn submit_report(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitReportRequest,
) -> AppResult<pb::SubmitReportResponse> {
    ctx.caller.require(access::WRITERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let report = change_report(app, &ctx, &req, &id, Action::Submit).await?;
    Ok(pb::SubmitReportResponse {
        report: Some(report),
    })
}

/// AcknowledgeReport.
pub async fn acknowledge_report(
    app: &App,
    ctx: Ctx,
    req: pb::AcknowledgeReportRequest,
) -> AppResult<pb::AcknowledgeReportResponse> {
    ctx.caller.require(access::REVIEWERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let report = change_report(app, &ctx, &req, &id, Action::Acknowledge).await?;
    Ok(pb::AcknowledgeReportResponse {
        report: Some(report),
    })
}

/// RequestRevision.
pub async fn request_revision(
    app: &App,
    ctx: Ctx,
    req: pb::RequestRevisionRequest,
) -> AppResult<pb::RequestRevisionResponse> {
    ctx.caller.require(access::REVIEWERS)?;
    let id = required_id("report_id", &req.report_id)?;
    let reason = required_text("reason", &req.reason, MAX_REASON)?;
    let report = change_report(app, &ctx, &req, &id, Action::Revise(reason)).await?;
    Ok(pb::RequestRevisionResponse {
        report: Some(report),
    })
}
