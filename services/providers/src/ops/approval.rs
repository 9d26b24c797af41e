//! The provider's approval state: submit, approve, reject, suspend, resume and revoke, and
//! discarding a draft, each a row of the state table
//! ([`crate::model::StateChange::transition`]); entering SUBMITTED or APPROVED checks every
//! approval rule against today's ceiling prices. A discarded draft frees its business id and
//! loses its staff (personal data, each removal audited). Every change of state is on the
//! registry's change feed, in its own transaction (`super::feed`).

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::audit::{self, Access};
use seteli_platform::change::Change;
use seteli_platform::rpc::Ctx;
use sqlx::AnyConnection;

use super::common::{
    PURPOSE, ProviderChange, STAFF, facts_of, not_in_state, provider_answer, visible_to,
};
use super::feed::record_change;
use super::rules::{approval_violations, refuse};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::{ProviderRoot, ProviderState, StateChange};
use crate::store;
use crate::wire;

/// A state RPC's row of the state RPCs' table below.
trait StateRpc: ProviderChange {
    /// Its change of state: its row of the state table ([`StateChange::transition`]).
    const CHANGE: StateChange;
    /// The reasons it records, checked; none unless it gives them.
    fn reasons(&self) -> AppResult<Vec<String>> {
        Ok(Vec::new())
    }
}

// The state RPCs: each one's change of state, and where its reasons come from.
impl StateRpc for pb::SubmitProviderRequest {
    const CHANGE: StateChange = StateChange::Submit;
}
impl StateRpc for pb::ApproveProviderRequest {
    const CHANGE: StateChange = StateChange::Approve;
}
impl StateRpc for pb::RejectProviderRequest {
    const CHANGE: StateChange = StateChange::Reject;
    fn reasons(&self) -> AppResult<Vec<String>> {
        wire::reasons("reasons", &self.reasons)
    }
}
impl StateRpc for pb::SuspendProviderRequest {
    const CHANGE: StateChange = StateChange::Suspend;
    fn reasons(&self) -> AppResult<Vec<String>> {
        wire::reasons("reason", std::slice::from_ref(&self.reason))
    }
}
impl StateRpc for pb::ResumeProviderRequest {
    const CHANGE: StateChange = StateChange::Resume;
}
impl StateRpc for pb::RevokeProviderRequest {
    const CHANGE: StateChange = StateChange::Revoke;
    fn reasons(&self) -> AppResult<Vec<String>> {
        wire::reasons("reason", std::slice::from_ref(&self.reason))
    }
}
impl StateRpc for pb::DiscardProviderDraftRequest {
    const CHANGE: StateChange = StateChange::Discard;
}

/// Changes the approval state of the provider `req` names as its row of the table says, once
/// per caller and request id: the caller must be allowed the RPC and give the reasons it
/// records; a retry is answered from the store; today's ceiling prices are asked for (before
/// the transaction) when the transition checks the rules. In the transaction, the provider's
/// row locked: the caller must act on this provider, the transition must start from its
/// state, every approval rule is checked when the transition asks for it, the reasons, the
/// history and the change feed's entry are recorded, and the answer carries the provider.
async fn change_state<Req: StateRpc>(app: &App, ctx: Ctx, req: Req) -> AppResult<Req::Answer> {
    let rpc = Req::RPC;
    access::may_call(&ctx.caller, rpc)?;
    let reasons = req.reasons()?;
    let (request_id, provider_id) = (req.request_id(), req.provider_id());
    let change = Change::new(&app.db, &ctx, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let transition = Req::CHANGE.transition();
    let today = ctx.today();
    let prices = if transition.checks_rules {
        Some(app.prices.in_force_on(&ctx, today).await?)
    } else {
        None
    };
    let (caller, request_id) = (ctx.caller.clone(), request_id.to_owned());
    change
        .apply_to::<ProviderRoot, _, _>(provider_id, visible_to(&caller), move |conn, root| {
            Box::pin(async move {
                access::may_act_on(&ctx.caller, rpc, &root.id)?;
                if !transition.from.contains(&root.state) {
                    return Err(not_in_state(rpc.name(), root.state));
                }
                if let Some(prices) = &prices {
                    let facts = facts_of(conn, &root.id).await?;
                    // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                    // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                    refuse(approval_violations(&facts, prices, today))?;
                }
                store::touch(conn, &root.id, ctx.now_micros()).await?;
                store::set_state(conn, &root.id, transition.to, &reasons).await?;
                let mut summary = format!("{} → {}", root.state.code(), transition.to.code());
                if !reasons.is_empty() {
                    summary = format!("{summary}: {}", reasons.join("; "));
                }
                if transition.to == ProviderState::Discarded {
                    let freed = discard(conn, &ctx, &root.id).await?;
                    summary = format!("{summary}: {freed}");
                }
                record_change(conn, &ctx, rpc, &request_id, &root.id, &summary).await?;
                Ok(Req::answer(Some(
                    provider_answer(conn, &ctx, &root.id).await?,
                )))
            })
        })
        .await
}

/// What discarding draft `id` does beyond its state: frees its business id and removes its
/// staff, each removal audited. Says so for the history.
async fn discard(conn: &mut AnyConnection, ctx: &Ctx, id: &str) -> AppResult<String> {
    let business_id = store::free_business_id(conn, id).await?;
    let staff = store::remove_staff(conn, id).await?;
    for member in &staff {
        let entry = Access {
            subject_kind: STAFF,
            subject_id: member,
            action: Rpc::DiscardProviderDraft.name(),
            purpose: PURPOSE,
        };
        audit::record(&mut *conn, &ctx.caller, ctx.request_id(), entry).await?;
    }
    Ok(format!(
        "business id {business_id} free again, {} staff member(s) removed",
        staff.len()
    ))
}

/// DiscardProviderDraft: DRAFT → DISCARDED, its business id free again.
pub async fn discard_provider_draft(
    app: &App,
    ctx: Ctx,
    req: pb::DiscardProviderDraftRequest,
) -> AppResult<pb::DiscardProviderDraftResponse> {
    change_state(app, ctx, req).await
}

/// SubmitProvider: DRAFT or REJECTED → SUBMITTED, when every approval rule holds.
pub async fn submit_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitProviderRequest,
) -> AppResult<pb::SubmitProviderResponse> {
    change_state(app, ctx, req).await
}

/// ApproveProvider: SUBMITTED → APPROVED after checking every approval rule again.
pub async fn approve_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveProviderRequest,
) -> AppResult<pb::ApproveProviderResponse> {
    change_state(app, ctx, req).await
}

/// RejectProvider: SUBMITTED → REJECTED with reasons.
pub async fn reject_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RejectProviderRequest,
) -> AppResult<pb::RejectProviderResponse> {
    change_state(app, ctx, req).await
}

/// SuspendProvider: APPROVED → SUSPENDED with a reason.
pub async fn suspend_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SuspendProviderRequest,
) -> AppResult<pb::SuspendProviderResponse> {
    change_state(app, ctx, req).await
}

/// ResumeProvider: SUSPENDED → APPROVED after checking every approval rule again.
pub async fn resume_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ResumeProviderRequest,
) -> AppResult<pb::ResumeProviderResponse> {
    change_state(app, ctx, req).await
}

/// RevokeProvider: APPROVED or SUSPENDED → REVOKED, for good, with a reason.
pub async fn revoke_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RevokeProviderRequest,
) -> AppResult<pb::RevokeProviderResponse> {
    change_state(app, ctx, req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused_field(r: AppResult<Vec<String>>) -> String {
        match r {
            Err(seteli_platform::AppError::InvalidArgument(v)) => v[0].field.clone(),
            other => panic!("not INVALID_ARGUMENT: {other:?}"),
        }
    }

    /// Each state RPC's row: its RPC, the state it leads to, whether it checks the rules.
    fn row<R: StateRpc>() -> (Rpc, ProviderState, bool) {
        let t = R::CHANGE.transition();
        (R::RPC, t.to, t.checks_rules)
    }

    #[test]
    fn each_state_rpc_has_its_row_of_the_state_table() {
        use ProviderState::{Approved, Rejected, Revoked, Submitted, Suspended};
        assert_eq!(
            [
                row::<pb::SubmitProviderRequest>(),
                row::<pb::ApproveProviderRequest>(),
                row::<pb::RejectProviderRequest>(),
                row::<pb::SuspendProviderRequest>(),
                row::<pb::ResumeProviderRequest>(),
                row::<pb::RevokeProviderRequest>(),
                row::<pb::DiscardProviderDraftRequest>(),
            ],
            [
                (Rpc::SubmitProvider, Submitted, true),
                (Rpc::ApproveProvider, Approved, true),
                (Rpc::RejectProvider, Rejected, false),
                (Rpc::SuspendProvider, Suspended, false),
                (Rpc::ResumeProvider, Approved, true),
                (Rpc::RevokeProvider, Revoked, false),
                (Rpc::DiscardProviderDraft, ProviderState::Discarded, false),
            ]
        );
    }

    #[test]
    fn only_reject_suspend_and_revoke_record_reasons() {
        // The others record none, whatever the request.
        assert!(
            pb::SubmitProviderRequest::default()
                .reasons()
                .expect("none")
                .is_empty()
        );
        assert!(
            pb::ApproveProviderRequest::default()
                .reasons()
                .expect("none")
                .is_empty()
        );
        assert!(
            pb::ResumeProviderRequest::default()
                .reasons()
                .expect("none")
                .is_empty()
        );
        // Rejecting takes a list: blanks dropped, the rest trimmed; at least one.
        let reject = pb::RejectProviderRequest {
            reasons: vec!["  ".into(), " no insurance ".into(), "no staff".into()],
            ..Default::default()
        };
        assert_eq!(
            reject.reasons().expect("reasons"),
            vec!["no insurance".to_owned(), "no staff".to_owned()]
        );
        let none = pb::RejectProviderRequest::default();
        assert_eq!(refused_field(none.reasons()), "reasons");
        // Suspending and revoking take one reason.
        let suspend = pb::SuspendProviderRequest {
            reason: " complaints ".into(),
            ..Default::default()
        };
        assert_eq!(
            suspend.reasons().expect("reason"),
            vec!["complaints".to_owned()]
        );
        assert_eq!(
            refused_field(pb::SuspendProviderRequest::default().reasons()),
            "reason"
        );
        assert_eq!(
            refused_field(pb::RevokeProviderRequest::default().reasons()),
            "reason"
        );
        let revoke = pb::RevokeProviderRequest {
            reason: "fraud".into(),
            ..Default::default()
        };
        assert_eq!(revoke.reasons().expect("reason"), vec!["fraud".to_owned()]);
    }
}
