//! The provider's approval state: submit, approve, reject, suspend, resume and revoke, each a
//! row of the state table ([`crate::model::StateChange::transition`]); entering SUBMITTED or
//! APPROVED checks every approval rule against today's ceiling prices.

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;

use super::common::{facts_of, not_in_state, provider_answer, stamp, visible_to};
use super::rules::{approval_violations, refuse};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::{ProviderRoot, StateChange};
use crate::store;
use crate::wire;

/// A change of approval state: the RPC asking for it, its row of the state table, its reasons.
pub(super) struct StateStep {
    rpc: Rpc,
    change: StateChange,
    reasons: Vec<String>,
}

/// Changes provider `provider_id`'s approval state as `step` says, once per `request_id`:
/// refuses a change from a state the transition does not start from, checks every approval
/// rule when the transition asks for it, records the reasons and the history, and answers
/// with `answer` of the provider.
pub(super) async fn change_state<Req, Resp>(
    app: &App,
    ctx: &Ctx,
    step: StateStep,
    req: &Req,
    (request_id, provider_id): (&str, &str),
    answer: fn(Option<pb::Provider>) -> Resp,
) -> AppResult<Resp>
where
    Req: prost::Message,
    Resp: prost::Message + Default + Send + 'static,
{
    let change = Change::new(&app.db, ctx, request_id, req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let transition = step.change.transition();
    let today = ctx.today();
    let prices = if transition.checks_rules {
        Some(app.prices.in_force_on(ctx, today).await?)
    } else {
        None
    };
    let (body_ctx, request_id) = (ctx.clone(), request_id.to_owned());
    change
        .apply_to::<ProviderRoot, _, _>(provider_id, visible_to(&ctx.caller), move |conn, root| {
            Box::pin(async move {
                let ctx = body_ctx;
                access::may_act_on(&ctx.caller, step.rpc, &root.id)?;
                if !transition.from.contains(&root.state) {
                    return Err(not_in_state(step.rpc.name(), root.state));
                }
                if let Some(prices) = &prices {
                    let facts = facts_of(conn, &root.id).await?;
                    // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                    // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                    refuse(approval_violations(&facts, prices, today))?;
                }
                store::touch(conn, &root.id, ctx.now_micros()).await?;
                store::set_state(conn, &root.id, transition.to, &step.reasons).await?;
                let mut summary = format!("{} → {}", root.state.code(), transition.to.code());
                if !step.reasons.is_empty() {
                    summary = format!("{summary}: {}", step.reasons.join("; "));
                }
                let stamp = stamp(&ctx, step.rpc, &request_id);
                store::record_history(conn, &root.id, &stamp, &summary).await?;
                Ok(answer(Some(provider_answer(conn, &ctx, &root.id).await?)))
            })
        })
        .await
}

/// SubmitProvider: DRAFT or REJECTED → SUBMITTED, when every approval rule holds.
pub async fn submit_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitProviderRequest,
) -> AppResult<pb::SubmitProviderResponse> {
    let rpc = Rpc::SubmitProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Submit,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::SubmitProviderResponse { provider }
    })
    .await
}

/// ApproveProvider: SUBMITTED → APPROVED after checking every approval rule again.
pub async fn approve_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveProviderRequest,
) -> AppResult<pb::ApproveProviderResponse> {
    let rpc = Rpc::ApproveProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Approve,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::ApproveProviderResponse { provider }
    })
    .await
}

/// RejectProvider: SUBMITTED → REJECTED with reasons.
pub async fn reject_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RejectProviderRequest,
) -> AppResult<pb::RejectProviderResponse> {
    let rpc = Rpc::RejectProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Reject,
        reasons: wire::reasons("reasons", &req.reasons)?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::RejectProviderResponse { provider }
    })
    .await
}

/// SuspendProvider: APPROVED → SUSPENDED with a reason.
pub async fn suspend_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SuspendProviderRequest,
) -> AppResult<pb::SuspendProviderResponse> {
    let rpc = Rpc::SuspendProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Suspend,
        reasons: wire::reasons("reason", std::slice::from_ref(&req.reason))?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::SuspendProviderResponse { provider }
    })
    .await
}

/// ResumeProvider: SUSPENDED → APPROVED after checking every approval rule again.
pub async fn resume_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ResumeProviderRequest,
) -> AppResult<pb::ResumeProviderResponse> {
    let rpc = Rpc::ResumeProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Resume,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::ResumeProviderResponse { provider }
    })
    .await
}

/// RevokeProvider: APPROVED or SUSPENDED → REVOKED, for good, with a reason.
pub async fn revoke_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RevokeProviderRequest,
) -> AppResult<pb::RevokeProviderResponse> {
    let rpc = Rpc::RevokeProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Revoke,
        reasons: wire::reasons("reason", std::slice::from_ref(&req.reason))?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::RevokeProviderResponse { provider }
    })
    .await
}
