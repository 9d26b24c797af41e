//! Where and what a provider offers: its places of service (sites, and for SK its workers'
//! work locations) and its offerings at its own prices, each offering checked against the
//! ceiling price in force whatever the provider's state. Each an edit through
//! [`super::edit::edit`].

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::convert::service_type;
use seteli_platform::rpc::Ctx;

use super::common::not_found;
use super::edit::{Prices, Step, edit, remove};
use super::rules::{offering_violations, refuse};
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
    let read = |_: &Ctx, req: &pb::AddSiteRequest| wire::site(req.site.as_ref());
    edit(app, ctx, req, Prices::IfApproved, read, |on, site| {
        Box::pin(async move {
            let site_id = store::insert_site(on.conn, on.id, &site).await?;
            Ok(format!("site {site_id} ({}) added", site.name.trim()))
        })
    })
    .await
}

/// RemoveSite: removes a site.
pub async fn remove_site(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveSiteRequest,
) -> AppResult<pb::RemoveSiteResponse> {
    let read = |_: &Ctx, req: &pb::RemoveSiteRequest| wire::child_key("site_id", &req.site_id);
    edit(app, ctx, req, Prices::IfApproved, read, |on, key| {
        Box::pin(async move { remove(on.conn, ChildTable::Sites, on.id, &key).await })
    })
    .await
}

/// SetOffering: adds or replaces the offering of a service at the provider's own price. The
/// offering rules are checked whatever the provider's state, against today's ceiling prices.
pub async fn set_offering(
    app: &App,
    ctx: Ctx,
    req: pb::SetOfferingRequest,
) -> AppResult<pb::SetOfferingResponse> {
    let read = |_: &Ctx, req: &pb::SetOfferingRequest| wire::offering(req.offering.as_ref());
    edit(app, ctx, req, Prices::Always, read, |on, offering| {
        Box::pin(async move {
            let (prices, today) = (on.prices()?, on.today);
            let Step { conn, id, .. } = on;
            let provider = store::load_provider(conn, id, Detail::Public)
                .await?
                .ok_or_else(|| not_found(id))?;
            let legal_form = provider.details.legal_form;
            // PROV-PRICE, CAP-GROUP-SIZE, KTT-COMPANY
            refuse(offering_violations(legal_form, &offering, prices, today))?;
            store::upsert_offering(conn, id, &offering).await?;
            let (service, price) = (offering.service.code(), offering.unit_price());
            Ok(format!("offering {service} at {price} EUR"))
        })
    })
    .await
}

/// RemoveOffering: stops offering a service.
pub async fn remove_offering(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveOfferingRequest,
) -> AppResult<pb::RemoveOfferingResponse> {
    let read =
        |_: &Ctx, req: &pb::RemoveOfferingRequest| service_type("service_type", req.service_type);
    edit(app, ctx, req, Prices::IfApproved, read, |on, service| {
        Box::pin(async move { remove(on.conn, ChildTable::Offerings, on.id, service.code()).await })
    })
    .await
}
