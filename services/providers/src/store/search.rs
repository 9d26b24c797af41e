//! The places of service a search reads: every site (and worker location) of the APPROVED
//! providers offering a service inside a box, each with the offering's price in force today,
//! its largest group and the free places declared.

use seteli_platform::AppError;
use seteli_rules::ServiceType;
use sqlx::AnyConnection;

use super::offerings::free_places;
use super::{SiteRow, site_from_row};
use crate::model::{BoundingBox, Candidate};

/// A search row: provider id, name, unit price cents, max group size, free places and their
/// day, then the site's columns.
type CandidateRow = (
    String,
    String,
    i64,
    i64,
    Option<i64>,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    String,
    f64,
    f64,
);

/// Every place of service (sites and worker locations) of APPROVED providers offering
/// `service` inside `bounds`.
pub async fn search_candidates(
    conn: &mut AnyConnection,
    service: ServiceType,
    bounds: BoundingBox,
) -> Result<Vec<Candidate>, AppError> {
    let rows: Vec<CandidateRow> = sqlx::query_as(
        "SELECT p.id, p.name, o.unit_price_cents, o.max_group_size, o.free_places, \
             o.free_places_on, s.id, s.kind, s.name, s.street_address, \
             s.postal_code, s.municipality, s.latitude, s.longitude \
             FROM providers p \
             JOIN provider_offerings o ON o.provider_id = p.id \
             JOIN provider_sites s ON s.provider_id = p.id \
             WHERE p.state = 'APPROVED' AND o.service_type = $1 \
             AND s.latitude BETWEEN $2 AND $3 AND s.longitude BETWEEN $4 AND $5",
    )
    .bind(service.code())
    .bind(bounds.min_lat)
    .bind(bounds.max_lat)
    .bind(bounds.min_lon)
    .bind(bounds.max_lon)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            let site: SiteRow = (r.6, r.7, r.8, r.9, r.10, r.11, r.12, r.13);
            Ok(Candidate {
                provider_id: r.0,
                name: r.1,
                unit_price_cents: r.2,
                max_group_size: u32::try_from(r.3).ok().filter(|n| *n > 0),
                free_places: free_places(r.4, r.5)?,
                site: site_from_row(site)?,
            })
        })
        .collect()
}
