//! Where and what a provider offers: its places of service (sites, and for SK its workers'
//! work locations) and its offerings at its own prices, each offering checked against the
//! ceiling price in force whatever the provider's state.

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::change::Change;
use seteli_platform::convert::service_type;
use seteli_platform::rpc::Ctx;

use super::common::not_found;
use super::edit::{Edit, remove};
use super::rules::{offering_violations, refuse};
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::Detail;
use crate::store::{self, ChildTable};
use crate::wire;

/// AddSite: a site, or for SK a worker's work location.
pub async fn add_site(
    app: &App,
    ctx: Ctx,
    req: pb::AddSiteRequest,
) -> AppResult<pb::AddSiteResponse> {
    let rpc = Rpc::AddSite;
    access::may_call(&ctx.caller, rpc)?;
    let site = wire::site(req.site.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let site_id = store::insert_site(conn, id, &site).await?;
                Ok(format!("site {site_id} ({}) added", site.name.trim()))
            })
        },
        |provider| pb::AddSiteResponse { provider },
    )
    .await
}

/// RemoveSite: removes a site.
pub async fn remove_site(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveSiteRequest,
) -> AppResult<pb::RemoveSiteResponse> {
    let rpc = Rpc::RemoveSite;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("site_id", &req.site_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| Box::pin(async move { remove(conn, ChildTable::Sites, id, &key).await }),
        |provider| pb::RemoveSiteResponse { provider },
    )
    .await
}

/// SetOffering: adds or replaces the offering of a service at the provider's own price. The
/// offering rules are checked whatever the provider's state, against today's ceiling prices.
pub async fn set_offering(
    app: &App,
    ctx: Ctx,
    req: pb::SetOfferingRequest,
) -> AppResult<pb::SetOfferingResponse> {
    let rpc = Rpc::SetOffering;
    access::may_call(&ctx.caller, rpc)?;
    let offering = wire::offering(req.offering.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let today = ctx.today();
    let prices = app.prices.in_force_on(&ctx, today).await?;
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, Some(prices.clone())).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let provider = store::load_provider(conn, id, Detail::Public)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let legal_form = provider.details.legal_form;
                // PROV-PRICE, CAP-GROUP-SIZE, KTT-COMPANY
                refuse(offering_violations(legal_form, &offering, &prices, today))?;
                store::upsert_offering(conn, id, &offering).await?;
                let (service, price) = (offering.service.code(), offering.unit_price());
                Ok(format!("offering {service} at {price} EUR"))
            })
        },
        |provider| pb::SetOfferingResponse { provider },
    )
    .await
}

/// RemoveOffering: stops offering a service.
pub async fn remove_offering(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveOfferingRequest,
) -> AppResult<pb::RemoveOfferingResponse> {
    let rpc = Rpc::RemoveOffering;
    access::may_call(&ctx.caller, rpc)?;
    let service = service_type("service_type", req.service_type)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move { remove(conn, ChildTable::Offerings, id, service.code()).await })
        },
        |provider| pb::RemoveOfferingResponse { provider },
    )
    .await
}
