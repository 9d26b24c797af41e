//! What every change of a provider shares: who may see the provider's row, the history stamp,
//! the answer as the caller sees the provider, its approval facts as they stand in the
//! transaction, the errors, and the audit log's names for staff data.

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
