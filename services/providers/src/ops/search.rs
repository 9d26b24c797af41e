//! Choosing a provider: approved providers near a point that offer a service
//! (SearchProviders), and whether one provider may deliver a service to a client at a point
//! (CheckProviderForService), both by the nearest place of service that counts
//! (PROV-DISTANCE).

use std::collections::HashMap;

use seteli_api::providers::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::rpc::Ctx;
use seteli_rules::ServiceType;
use seteli_rules::geo::Coordinates;

use super::common::not_found;
use super::rules::nearest_site;
use crate::access::{self, Rpc};
use crate::app::App;
use crate::model::{BoundingBox, Candidate, Detail, Site};
use crate::store;
use crate::wire;

/// SearchProviders: approved providers offering a service within a radius of a point, nearest
/// first, each by its nearest place of service that counts (PROV-DISTANCE).
pub async fn search_providers(
    app: &App,
    ctx: Ctx,
    req: pb::SearchProvidersRequest,
) -> AppResult<pb::SearchProvidersResponse> {
    access::may_call(&ctx.caller, Rpc::SearchProviders)?;
    let q = wire::search_query(&req)?;
    let mut conn = app.db.pool().acquire().await?;
    let bounds = BoundingBox::around(q.near, q.radius_km);
    let candidates = store::search_candidates(&mut conn, q.service, bounds).await?;
    let matches = nearest_providers(candidates, q.service, q.near, q.radius_km, q.limit, |_| {
        true
    });
    Ok(pb::SearchProvidersResponse {
        matches: matches
            .iter()
            .map(|(d, c)| wire::match_view(*d, c))
            .collect(),
    })
}

/// Each provider among `candidates` (places of service of providers offering `service`) by its
/// nearest place that counts for the service (PROV-DISTANCE: `seteli_rules::geo::nearest_place`)
/// among those `admits` lets in, within `radius_km` of `near`: nearest first (then by name), at
/// most `limit`.
pub(super) fn nearest_providers(
    candidates: Vec<Candidate>,
    service: ServiceType,
    near: Coordinates,
    radius_km: f64,
    limit: usize,
    admits: impl Fn(&Site) -> bool,
) -> Vec<(f64, Candidate)> {
    let mut by_provider: HashMap<String, Vec<Candidate>> = HashMap::new();
    for c in candidates.into_iter().filter(|c| admits(&c.site)) {
        by_provider
            .entry(c.provider_id.clone())
            .or_default()
            .push(c);
    }
    let mut matches: Vec<(f64, Candidate)> = Vec::new();
    for places in by_provider.into_values() {
        let sites: Vec<&Site> = places.iter().map(|c| &c.site).collect();
        // PROV-DISTANCE: the nearest place of service that counts for the service.
        let Some((index, d)) = nearest_site(service, &sites, near) else {
            continue;
        };
        if d > radius_km {
            continue;
        }
        if let Some(c) = places.into_iter().nth(index) {
            matches.push((d, c));
        }
    }
    matches.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
    matches.truncate(limit);
    matches
}

/// CheckProviderForService: whether a provider may deliver a service to a client at a point
/// (approval, offering, the distance of its nearest place of service that counts), with the
/// facts the voucher service checks a choice against on its day (`seteli_rules::provider::
/// check_choice`): places of service, and documents for callers who may see them.
pub async fn check_provider_for_service(
    app: &App,
    ctx: Ctx,
    req: pb::CheckProviderForServiceRequest,
) -> AppResult<pb::CheckProviderForServiceResponse> {
    access::may_call(&ctx.caller, Rpc::CheckProviderForService)?;
    let (service, near) = wire::service_near(req.service_type, req.near.as_ref())?;
    let id = req.provider_id.trim();
    let documents = access::sees_document_dates(&ctx.caller, id);
    // The documents are loaded with the full record; the answer shows only their dates.
    let detail = if documents {
        Detail::Full
    } else {
        access::detail(&ctx.caller, id)
    };
    let mut conn = app.db.pool().acquire().await?;
    let provider = store::load_provider(&mut conn, id, detail)
        .await?
        .filter(|p| access::may_check(&ctx.caller, id, p.state))
        .ok_or_else(|| not_found(id))?;
    let offering = provider.offerings.iter().find(|o| o.service == service);
    // PROV-DISTANCE
    let sites: Vec<&Site> = provider.sites.iter().collect();
    let nearest = nearest_site(service, &sites, near).map(|(_, d)| d);
    Ok(wire::check_view(&provider, offering, nearest, documents))
}
