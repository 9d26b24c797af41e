//! The public comparison of providers (`seteli.catalogue.v1.CompareProviders`): anyone, without
//! a token, compares the approved providers of a service from a municipality's or a postal code
//! area's centre. It answers no personal data: the providers' own sites only (never an SK
//! worker's work location, which may be a person's home), no staff, no documents, no contact
//! person; nothing is changed, so nothing is audited. The request limits hold as for every call
//! (`seteli_platform::rpc::public_unary`).

use seteli_api::catalogue::v1 as cpb;
use seteli_platform::AppResult;
use seteli_platform::rpc::PublicCtx;
use seteli_rules::geo::DEFAULT_DISTANCE_LIMIT_KM;

use super::search::nearest_providers;
use crate::app::App;
use crate::model::{BoundingBox, SiteKind};
use crate::store;
use crate::wire;

/// CompareProviders: approved providers offering the service whose nearest own site lies within
/// PROV-DISTANCE's 20 km of the place's centre, nearest first, with the unit price in force
/// today, the largest group and the free places they declared. Exactly one of a municipality
/// and a postal code (`INVALID_ARGUMENT` otherwise); an unknown place is `NOT_FOUND`.
pub async fn compare_providers(
    app: &App,
    _ctx: PublicCtx,
    req: cpb::CompareProvidersRequest,
) -> AppResult<cpb::CompareProvidersResponse> {
    let q = wire::comparison(&req, &app.places)?;
    let mut conn = app.db.pool().acquire().await?;
    // PROV-DISTANCE (KTT 5, SK 6): the client primarily chooses within 20 km of home; from a
    // place's centre the same radius. Only a provider's own sites count here: a worker's work
    // location (SK) is no public place (`SiteKind::WorkerLocation`).
    let radius_km = DEFAULT_DISTANCE_LIMIT_KM;
    let centre = q.place.centre;
    let bounds = BoundingBox::around(centre, radius_km);
    let candidates = store::search_candidates(&mut conn, q.service, bounds).await?;
    drop(conn);
    let own_site = |s: &crate::model::Site| s.kind == SiteKind::Site;
    let matches = nearest_providers(candidates, q.service, centre, radius_km, q.limit, own_site);
    Ok(cpb::CompareProvidersResponse {
        place: Some(wire::compared_place(&q.place)),
        providers: matches
            .iter()
            .map(|(d, c)| wire::compared_provider(*d, c))
            .collect(),
    })
}
