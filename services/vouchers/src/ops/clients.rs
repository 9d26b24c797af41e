//! Clients: registering them (identity code checked, answered without it), reading one (a
//! provider's user only while it serves the client, a social worker only within their
//! caseload, a client only their own record) and listing them by name; every read and change is audited.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::Role;
use seteli_platform::change::Change;
use seteli_platform::db::new_id;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};

use super::common::{audit_client, read_client, read_clients};
use super::holders::holder;
use crate::access;
use crate::app::App;
use crate::store;
use crate::wire::{self, required_id};

/// CreateClient.
pub async fn create_client(
    app: &App,
    ctx: Ctx,
    req: pb::CreateClientRequest,
) -> AppResult<pb::CreateClientResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let input = wire::validate_client(req.details.as_ref())?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                let (created_by, team) = access::made_by(&ctx.caller);
                store::insert_client(conn, &id, &input, &created_by, &team).await?;
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &id,
                    "CreateClient",
                    "client_register",
                )
                .await?;
                // The caller sent the full code; the answer does not echo it (least data).
                let client = store::load_client(conn, &id)
                    .await?
                    .map(wire::client_answer);
                Ok(pb::CreateClientResponse { client })
            })
        })
        .await
}

/// GetClient.
pub async fn get_client(
    app: &App,
    ctx: Ctx,
    req: pb::GetClientRequest,
) -> AppResult<pb::GetClientResponse> {
    ctx.caller.require(access::CLIENT_READERS)?;
    let id = required_id("client_id", &req.client_id)?;
    let not_found = || AppError::NotFound(format!("client {id}"));
    // A client reads their own record only: another's, or any without a match, is NOT_FOUND.
    if ctx.caller.role == Role::Client && holder(app, &ctx).await?.as_deref() != Some(id.as_str()) {
        return Err(not_found());
    }
    let mut conn = app.db.pool().acquire().await?;
    if let (Role::ProviderUser, Some(own)) = (ctx.caller.role, ctx.caller.provider_id.as_deref())
        && !store::client_has_voucher_with(
            &mut conn,
            &id,
            own,
            ctx.today() - chrono::Days::new(app.provider_access_after_end_days as u64),
        )
        .await?
    {
        return Err(not_found());
    }
    if let Some(caseload) = access::caseload(&ctx.caller)
        && !store::in_caseload(&mut conn, &id, caseload).await?
    {
        return Err(not_found());
    }
    let client = store::load_client(&mut conn, &id)
        .await?
        .ok_or_else(not_found)?;
    // ABS-KELA: Kela identifies the person by the full identity code, which the provider
    // sending the TT3 notice of the client's KTT voucher reads, audited as such.
    let for_kela = ctx.caller.role == Role::ProviderUser
        && req.for_kela_notice
        && store::client_has_ktt_voucher_with(
            &mut conn,
            &id,
            ctx.caller.provider_id.as_deref().unwrap_or_default(),
        )
        .await?;
    drop(conn);
    let (action, purpose) = if for_kela {
        ("GetClient (full identity code)", "kela_notice")
    } else {
        ("GetClient", access::client_purpose(&ctx.caller))
    };
    read_client(&app.db, &ctx, &id, action, purpose).await?;
    let client = if ctx.caller.role == Role::Client {
        wire::client_for_holder(client)
    } else if ctx.caller.role == Role::ProviderUser {
        pb::Client {
            identity_code: if for_kela {
                client.identity_code.clone()
            } else {
                String::new()
            },
            ..wire::client_for_provider(&client)
        }
    } else {
        client
    };
    Ok(pb::GetClientResponse {
        client: Some(client),
    })
}

/// UpdateClient.
pub async fn update_client(
    app: &App,
    ctx: Ctx,
    req: pb::UpdateClientRequest,
) -> AppResult<pb::UpdateClientResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let id = required_id("client_id", &req.client_id)?;
    let input = wire::validate_client(req.details.as_ref())?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let not_found = || AppError::NotFound(format!("client {id}"));
                if let Some(caseload) = access::caseload(&ctx.caller)
                    && !store::in_caseload(conn, &id, caseload).await?
                {
                    return Err(not_found());
                }
                if !store::update_client(conn, &id, &input).await? {
                    return Err(not_found());
                }
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &id,
                    "UpdateClient",
                    "client_register",
                )
                .await?;
                let client = store::load_client(conn, &id)
                    .await?
                    .map(wire::client_answer);
                Ok(pb::UpdateClientResponse { client })
            })
        })
        .await
}

/// ListClients: by name; lists show the masked identity code only.
pub async fn list_clients(
    app: &App,
    ctx: Ctx,
    req: pb::ListClientsRequest,
) -> AppResult<pb::ListClientsResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let identity_code = if req.identity_code.trim().is_empty() {
        String::new()
    } else {
        seteli_rules::ids::parse_hetu(&req.identity_code)
            .map_err(|e| AppError::invalid("identity_code", e.to_string()))?
            .to_string()
    };
    // The cursor is the last client's id: a name never stands in a page token.
    let after = page.after_row()?;
    let mut conn = app.db.pool().acquire().await?;
    let caseload = access::caseload(&ctx.caller);
    let rows =
        store::list_clients(&mut conn, &identity_code, caseload, after, page.fetch()).await?;
    drop(conn);
    let (mut clients, next_page_token) = page.cut_at_row(rows, |c| c.id.clone());
    let shown = clients.iter().map(|c| c.id.clone()).collect();
    read_clients(&app.db, &ctx, shown, "ListClients", "client_register").await?;
    for c in &mut clients {
        c.identity_code.clear();
    }
    Ok(pb::ListClientsResponse {
        clients,
        next_page_token,
    })
}
