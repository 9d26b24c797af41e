//! What every change of a provider shares: who may see the provider's row, the history stamp,
//! the answer as the caller sees the provider, its approval facts as they stand in the
//! transaction, the errors, and the audit log's names for staff data.

use seteli_api::Mutation;
use seteli_api::providers::v1 as pb;
use seteli_platform::auth::Caller;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use sqlx::AnyConnection;

use crate::access::{self, Rpc};
use crate::model::{Detail, Facts, ProviderRoot, ProviderState, Stamp};
use crate::store;
use crate::wire;

/// The audit log's subject kind for staff data.
pub(super) const STAFF: &str = "provider_staff";
/// The purpose of the registry's processing of staff data.
pub(super) const PURPOSE: &str = "provider_registry";

/// The approval facts of provider `id` as it now stands in the transaction.
pub(super) async fn facts_of(conn: &mut AnyConnection, id: &str) -> AppResult<Facts> {
    let p = store::load_provider(conn, id, Detail::Full)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Facts::of(&p))
}

pub(super) fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("provider {id}"))
}

pub(super) fn not_in_state(action: &str, state: ProviderState) -> AppError {
    AppError::StateConflict(format!(
        "cannot {action} a provider that is {}",
        state.code()
    ))
}

/// Which provider roots the caller may change (others are `NOT_FOUND`).
pub(super) fn visible_to(caller: &Caller) -> impl FnOnce(&ProviderRoot) -> bool + Send + '_ {
    move |p| access::may_see(caller, &p.id, p.state)
}

/// The history stamp of a change made now through `rpc`.
pub(super) fn stamp(ctx: &Ctx, rpc: Rpc, request_id: &str) -> Stamp {
    Stamp {
        subject: ctx.caller.subject.clone(),
        role: ctx.caller.role.as_str().to_owned(),
        organisation: ctx.caller.organisation(),
        action: rpc.name().to_owned(),
        request_id: request_id.to_owned(),
        at_micros: ctx.now_micros(),
    }
}

/// Provider `id` after a change, as the caller (who may change it) sees it.
pub(super) async fn provider_answer(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    id: &str,
) -> AppResult<pb::Provider> {
    let detail = access::detail(&ctx.caller, id);
    let p = store::load_provider(conn, id, detail)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(wire::provider_view(&p, detail))
}

/// A request that changes one provider, an edit of its data ([`super::edit::edit`]) or a
/// change of its approval state ([`super::approval`]): its RPC, the request id it runs once
/// under and the provider it names, and its answer, which carries the provider as it then is.
pub(super) trait ProviderChange: Mutation + Send + Sized + 'static {
    /// The RPC's answer.
    type Answer: prost::Message + Default + Send + 'static;
    /// The RPC.
    const RPC: Rpc;
    /// The provider, as given.
    fn provider_id(&self) -> &str;
    /// The answer carrying `provider`.
    fn answer(provider: Option<pb::Provider>) -> Self::Answer;
}

/// [`ProviderChange`] for each `Rpc: Request => Answer` (each request names `request_id` and
/// `provider_id`, each answer carries `provider`).
macro_rules! provider_changes {
    ($($rpc:ident: $req:ident => $answer:ident,)*) => {$(
        impl ProviderChange for pb::$req {
            type Answer = pb::$answer;
            const RPC: Rpc = Rpc::$rpc;
            fn provider_id(&self) -> &str {
                &self.provider_id
            }
            fn answer(provider: Option<pb::Provider>) -> pb::$answer {
                pb::$answer { provider }
            }
        }
    )*};
}

provider_changes! {
    // The edits of a provider's data.
    UpdateProvider: UpdateProviderRequest => UpdateProviderResponse,
    ApproveBankDetails: ApproveBankDetailsRequest => ApproveBankDetailsResponse,
    AddSite: AddSiteRequest => AddSiteResponse,
    RemoveSite: RemoveSiteRequest => RemoveSiteResponse,
    SetOffering: SetOfferingRequest => SetOfferingResponse,
    RemoveOffering: RemoveOfferingRequest => RemoveOfferingResponse,
    AddStaffMember: AddStaffMemberRequest => AddStaffMemberResponse,
    RemoveStaffMember: RemoveStaffMemberRequest => RemoveStaffMemberResponse,
    AddDocument: AddDocumentRequest => AddDocumentResponse,
    RemoveDocument: RemoveDocumentRequest => RemoveDocumentResponse,
    SetSoteriClasses: SetSoteriClassesRequest => SetSoteriClassesResponse,
    // The changes of its approval state.
    SubmitProvider: SubmitProviderRequest => SubmitProviderResponse,
    DiscardProviderDraft: DiscardProviderDraftRequest => DiscardProviderDraftResponse,
    ApproveProvider: ApproveProviderRequest => ApproveProviderResponse,
    RejectProvider: RejectProviderRequest => RejectProviderResponse,
    SuspendProvider: SuspendProviderRequest => SuspendProviderResponse,
    ResumeProvider: ResumeProviderRequest => ResumeProviderResponse,
    RevokeProvider: RevokeProviderRequest => RevokeProviderResponse,
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use seteli_platform::auth::Role;
    use seteli_platform::clock::Clock;

    use super::*;

    #[test]
    fn the_history_stamp_says_who_did_what_when() {
        let at = Utc
            .with_ymd_and_hms(2026, 3, 2, 10, 0, 0)
            .single()
            .expect("time");
        let mut ctx = Ctx::system("test", Clock::fixed(at));
        ctx.caller.subject = "user-1".into();
        ctx.caller.role = Role::ProviderUser;
        ctx.caller.provider_id = Some("p-1".into());
        let s = stamp(&ctx, Rpc::AddSite, "req-1");
        assert_eq!(
            (s.subject.as_str(), s.role.as_str(), s.organisation.as_str()),
            ("user-1", Role::ProviderUser.as_str(), "p-1")
        );
        assert_eq!(
            (s.action.as_str(), s.request_id.as_str()),
            ("AddSite", "req-1")
        );
        assert_eq!(s.at_micros, at.timestamp_micros());
        // The county's own people act for the county.
        ctx.caller.provider_id = None;
        assert_eq!(stamp(&ctx, Rpc::AddSite, "req-1").organisation, "county");
    }

    #[test]
    fn a_change_names_its_action_and_the_state_it_found() {
        match not_in_state("SubmitProvider", ProviderState::Approved) {
            AppError::StateConflict(m) => {
                assert_eq!(m, "cannot SubmitProvider a provider that is APPROVED");
            }
            other => panic!("not a state conflict: {other:?}"),
        }
    }
}
