//! The provider's record: created as DRAFT, read (reading staff data is audited), listed, its
//! details replaced (a provider's new bank details wait for the county's approval), those bank
//! details approved, and the history of who changed what.

use seteli_api::providers::v1 as pb;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::Role;
use seteli_platform::change::Change;
use seteli_platform::convert::PbEnum;
use seteli_platform::db::new_id;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::common::{PURPOSE, STAFF, not_found, provider_answer};
use super::edit::{Prices, Step, edit};
use super::feed::record_change;
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::{Detail, PendingBank, ProviderState};
use crate::store;
use crate::wire;

/// CreateProvider: a new provider in state DRAFT.
pub async fn create_provider(
    app: &App,
    ctx: Ctx,
    req: pb::CreateProviderRequest,
) -> AppResult<pb::CreateProviderResponse> {
    access::may_call(&ctx.caller, Rpc::CreateProvider)?;
    let details = wire::details(req.details.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let request_id = req.request_id;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                store::insert_provider(conn, &id, &details, ctx.now_micros()).await?;
                let created = "created as DRAFT";
                record_change(conn, &ctx, Rpc::CreateProvider, &request_id, &id, created).await?;
                Ok(pb::CreateProviderResponse {
                    provider: Some(provider_answer(conn, &ctx, &id).await?),
                })
            })
        })
        .await
}

/// GetProvider: one provider as the caller may see it; reading staff data is audited.
pub async fn get_provider(
    app: &App,
    ctx: Ctx,
    req: pb::GetProviderRequest,
) -> AppResult<pb::GetProviderResponse> {
    access::may_call(&ctx.caller, Rpc::GetProvider)?;
    let id = req.provider_id.trim();
    let detail = access::detail(&ctx.caller, id);
    let mut conn = app.db.pool().acquire().await?;
    let provider = store::load_provider(&mut conn, id, detail)
        .await?
        .filter(|p| access::may_see(&ctx.caller, id, p.state))
        .ok_or_else(|| not_found(id))?;
    drop(conn);
    if !provider.staff.is_empty() {
        // Staff names are personal data.
        let entry = Access {
            subject_kind: STAFF,
            subject_id: id,
            action: Rpc::GetProvider.name(),
            purpose: PURPOSE,
        };
        audit::record_read(&app.db, &ctx.caller, ctx.request_id(), entry).await?;
    }
    Ok(pb::GetProviderResponse {
        provider: Some(wire::provider_view(&provider, detail)),
    })
}

/// ListProviders: the providers the caller may see, by name (of one state, or every state but
/// DISCARDED; of one business id when asked).
pub async fn list_providers(
    app: &App,
    ctx: Ctx,
    req: pb::ListProvidersRequest,
) -> AppResult<pb::ListProvidersResponse> {
    access::may_call(&ctx.caller, Rpc::ListProviders)?;
    let state = ProviderState::optional("state", req.state)?;
    let business_id = wire::business_id_filter(&req.business_id)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    // The cursor is the last provider's id: a name never stands in a page token.
    let after = page.after_row()?;
    let mut conn = app.db.pool().acquire().await?;
    let visibility = access::listing(&ctx.caller);
    let filter = (state, business_id.as_str());
    let rows = store::list_providers(&mut conn, filter, visibility, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut_at_row(rows, |p| p.id.clone());
    Ok(pb::ListProvidersResponse {
        providers: rows
            .iter()
            // A list carries no staff or documents (not loaded); the details each caller may
            // see (access::detail): another provider's user no bank details or contact.
            .map(|p| wire::provider_view(p, access::detail(&ctx.caller, &p.id)))
            .collect(),
        next_page_token,
    })
}

/// UpdateProvider: replaces a provider's basic details.
pub async fn update_provider(
    app: &App,
    ctx: Ctx,
    req: pb::UpdateProviderRequest,
) -> AppResult<pb::UpdateProviderResponse> {
    let read = |_: &Ctx, req: &pb::UpdateProviderRequest| wire::details(req.details.as_ref());
    edit(app, ctx, req, Prices::IfApproved, read, |on, details| {
        Box::pin(async move {
            let Step { conn, id, ctx, .. } = on;
            let (caller, now) = (&ctx.caller, ctx.now_micros());
            let current = store::load_provider(conn, id, Detail::Public)
                .await?
                .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
            // What is the county's stays the county's; a provider's new bank details wait.
            let (details, asked) =
                access::owned_fields(caller, current.state, &current.details, details)?;
            store::update_details(conn, id, &details).await?;
            match asked {
                Some((iban, bic)) => {
                    let pending = PendingBank {
                        iban,
                        bic,
                        requested_at_micros: now,
                        requested_by: caller.subject.clone(),
                    };
                    store::set_pending_bank(conn, id, &pending).await?;
                    Ok(
                        "details replaced; new bank details wait for the county's approval"
                            .to_owned(),
                    )
                }
                None => {
                    if caller.role != Role::ProviderUser {
                        store::clear_pending_bank(conn, id).await?;
                    }
                    Ok("details replaced".to_owned())
                }
            }
        })
    })
    .await
}

/// ApproveBankDetails: puts the bank details a provider's user asked for in force.
pub async fn approve_bank_details(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveBankDetailsRequest,
) -> AppResult<pb::ApproveBankDetailsResponse> {
    let read = |_: &Ctx, _: &pb::ApproveBankDetailsRequest| Ok(());
    edit(app, ctx, req, Prices::IfApproved, read, |on, ()| {
        Box::pin(async move {
            if !store::approve_pending_bank(on.conn, on.id).await? {
                return Err(AppError::StateConflict(
                    "no bank details wait for approval".into(),
                ));
            }
            Ok("bank details approved".to_owned())
        })
    })
    .await
}

/// ListProviderHistory: who changed what on a provider, oldest first.
pub async fn list_provider_history(
    app: &App,
    ctx: Ctx,
    req: pb::ListProviderHistoryRequest,
) -> AppResult<pb::ListProviderHistoryResponse> {
    let rpc = Rpc::ListProviderHistory;
    access::may_call(&ctx.caller, rpc)?;
    let id = req.provider_id.trim();
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let after = page.after::<(i64, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    store::state_of(&mut conn, id)
        .await?
        .filter(|s| access::may_see(&ctx.caller, id, *s))
        .ok_or_else(|| not_found(id))?;
    access::may_act_on(&ctx.caller, rpc, id)?;
    let rows = store::list_history(&mut conn, id, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |e| (e.stamp.at_micros, e.id.clone()));
    Ok(pb::ListProviderHistoryResponse {
        entries: rows.iter().map(wire::history_view).collect(),
        next_page_token,
    })
}
