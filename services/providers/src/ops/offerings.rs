//! Where and what a provider offers: its places of service (sites, and for SK its workers'
//! work locations) and its offerings at its own prices, each offering checked against the
//! ceiling price in force whatever the provider's state. Each an edit through
//! [`super::edit::edit`].

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::convert::{date, service_type};
use seteli_platform::rpc::Ctx;

use super::common::not_found;
use super::edit::{Prices, Step, edit, remove};
use super::rules::{offering_violations, refuse};
use crate::access;
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

/// SetOffering: adds or replaces the offering of a service at the provider's own price, in
/// force from `price_effective_from` (today when unset; before today only for the county:
/// [`access::may_date_price_back`]). The offering rules are checked whatever the provider's
/// state, against the ceiling prices in force on the day the price takes effect. The prices of
/// other days stay in the offering's history: a session is billed at the one in force on its
/// date (PROV-PRICE, VOUCHER-VALUE), and a document already generated never changes.
pub async fn set_offering(
    app: &App,
    ctx: Ctx,
    req: pb::SetOfferingRequest,
) -> AppResult<pb::SetOfferingResponse> {
    let read = |ctx: &Ctx, req: &pb::SetOfferingRequest| {
        let offering = wire::offering(req.offering.as_ref(), ctx.today());
        let from = wire::price_effective_from(req.price_effective_from.as_ref(), ctx.today());
        let (offering, from) = (offering?, from?);
        if from < ctx.today() {
            access::may_date_price_back(&ctx.caller)?;
        }
        Ok((offering, from))
    };
    // The ceiling prices of the day the price takes effect, asked before the transaction.
    let also_on = req
        .price_effective_from
        .as_ref()
        .and_then(|d| date("price_effective_from", Some(d)).ok());
    let prices = Prices::Always { also_on };
    edit(app, ctx, req, prices, read, |on, (offering, from)| {
        Box::pin(async move {
            let prices = on.prices()?;
            let Step { conn, id, ctx, .. } = on;
            let provider = store::load_provider(conn, id, Detail::Public)
                .await?
                .ok_or_else(|| not_found(id))?;
            let legal_form = provider.details.legal_form;
            // PROV-PRICE (the ceiling price in force on `from`), CAP-GROUP-SIZE, KTT-COMPANY
            refuse(offering_violations(legal_form, &offering, prices, from))?;
            store::upsert_offering(conn, id, &offering, from, ctx.now_micros()).await?;
            let (service, price) = (offering.service.code(), offering.unit_price());
            Ok(format!("offering {service} at {price} EUR from {from}"))
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
