//! Provider distance (PROV-DISTANCE): great-circle distance between the provider's place of
//! service and the client's home, by the haversine formula on a sphere of the mean Earth
//! radius. A place counts if it is the provider's site (toimipiste), or — for SK only — the
//! work location of one of the provider's workers (SK 6); the nearest counting place decides.

use crate::catalogue::ServiceType;
use crate::rule_ids::PROV_DISTANCE;
use crate::violation::Violation;
use std::fmt;

/// Mean Earth radius in km (IUGG R1).
pub const EARTH_RADIUS_KM: f64 = 6371.0088;

/// The default limit of PROV-DISTANCE, in km (KTT 5, SK 6): configuration with this default.
pub const DEFAULT_DISTANCE_LIMIT_KM: f64 = 20.0;

/// A point in WGS 84 degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coordinates {
    /// Latitude, −90…90.
    pub lat: f64,
    /// Longitude, −180…180.
    pub lon: f64,
}

/// Invalid coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GeoError {
    /// Latitude not finite or outside −90…90.
    Latitude(f64),
    /// Longitude not finite or outside −180…180.
    Longitude(f64),
}

impl fmt::Display for GeoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GeoError::Latitude(v) => write!(f, "latitude {v} is not within -90..=90"),
            GeoError::Longitude(v) => write!(f, "longitude {v} is not within -180..=180"),
        }
    }
}

impl std::error::Error for GeoError {}

impl Coordinates {
    /// Range-checked, finite coordinates.
    pub fn new(lat: f64, lon: f64) -> Result<Self, GeoError> {
        if !lat.is_finite() || !(-90.0..=90.0).contains(&lat) {
            return Err(GeoError::Latitude(lat));
        }
        if !lon.is_finite() || !(-180.0..=180.0).contains(&lon) {
            return Err(GeoError::Longitude(lon));
        }
        Ok(Self { lat, lon })
    }
}

/// Great-circle distance in km (haversine, radius [`EARTH_RADIUS_KM`]).
pub fn distance_km(a: Coordinates, b: Coordinates) -> f64 {
    let (p1, p2) = (a.lat.to_radians(), b.lat.to_radians());
    let dp = (b.lat - a.lat).to_radians();
    let dl = (b.lon - a.lon).to_radians();
    let h = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * h.sqrt().clamp(0.0, 1.0).asin()
}

/// PROV-DISTANCE (KTT 5, SK 6): the provider is within `limit_km` of the client's home, or the
/// decision carries a permission (`exemption`: no providers near, or a special need).
/// A distance that is not a finite, non-negative number is a violation too (it cannot be
/// shown to be within the limit).
pub fn check_distance(distance_km: f64, limit_km: f64, exemption: bool) -> Vec<Violation> {
    // PROV-DISTANCE
    if exemption || (distance_km.is_finite() && distance_km >= 0.0 && distance_km <= limit_km) {
        return Vec::new();
    }
    vec![Violation::of(
        PROV_DISTANCE,
        format!(
            "Palveluntuottajan toimipiste on {distance_km:.1} km:n päässä asiakkaan asuinpaikasta \
             (raja {limit_km:.0} km), eikä päätöksessä ole lupaa lähialueen ulkopuoliseen tuottajaan."
        ),
        format!(
            "The provider's site is {distance_km:.1} km from the client's home (limit {limit_km:.0} km) \
             and the decision carries no permission to choose a provider further away."
        ),
    )]
}

/// What a provider's place of service is (PROV-DISTANCE).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlaceKind {
    /// The provider's own site (toimipiste): counts for every service.
    Site,
    /// A worker's work location (työntekijän työskentelypaikka): counts for SK only (SK 6).
    WorkerLocation,
}

impl PlaceKind {
    /// Whether a place of this kind counts for PROV-DISTANCE of `service`: a site always, a
    /// worker's work location only under SK ("toimipiste tai palveluntuottajan työntekijän
    /// työskentelypaikka", SK 6; KTT 5 names only the site).
    pub fn counts_for(self, service: ServiceType) -> bool {
        match self {
            PlaceKind::Site => true,
            PlaceKind::WorkerLocation => service.is_sk(),
        }
    }
}

/// A provider's place of service with its coordinates.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServicePlace {
    /// Site or worker's work location.
    pub kind: PlaceKind,
    /// Where it is.
    pub coordinates: Coordinates,
}

/// The nearest counting place of [`nearest_place`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearestPlace {
    /// Its index in the `places` given.
    pub index: usize,
    /// Its kind.
    pub kind: PlaceKind,
    /// Great-circle distance from the client's home, in km.
    pub distance_km: f64,
}

/// The nearest of `places` that counts for `service` ([`PlaceKind::counts_for`]), from the
/// client's `home`; `None` when no place counts. Ties go to the first such place.
pub fn nearest_place(
    service: ServiceType,
    places: &[ServicePlace],
    home: Coordinates,
) -> Option<NearestPlace> {
    places
        .iter()
        .enumerate()
        .filter(|(_, p)| p.kind.counts_for(service))
        .map(|(index, p)| NearestPlace {
            index,
            kind: p.kind,
            distance_km: distance_km(home, p.coordinates),
        })
        .fold(None, |best: Option<NearestPlace>, p| match best {
            Some(b) if b.distance_km <= p.distance_km => Some(b),
            _ => Some(p),
        })
}

/// PROV-DISTANCE over a provider's places: the nearest counting place ([`nearest_place`]) is
/// within `limit_km` of the client's home, or the decision carries a permission. A provider
/// with no counting place is never near (a violation without a permission).
pub fn check_provider_distance(
    service: ServiceType,
    places: &[ServicePlace],
    home: Coordinates,
    limit_km: f64,
    exemption: bool,
) -> Vec<Violation> {
    match nearest_place(service, places, home) {
        Some(p) => check_distance(p.distance_km, limit_km, exemption),
        None if exemption => Vec::new(),
        // PROV-DISTANCE
        None => vec![Violation::of(
            PROV_DISTANCE,
            format!(
                "Palveluntuottajalla ei ole palvelulle {} laskettavaa toimipistettä{}, eikä \
                 päätöksessä ole lupaa lähialueen ulkopuoliseen tuottajaan.",
                service.code(),
                if service.is_sk() {
                    " tai työntekijän työskentelypaikkaa"
                } else {
                    ""
                }
            ),
            format!(
                "The provider has no place of service that counts for {} and the decision carries \
                 no permission to choose a provider further away.",
                service.code()
            ),
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rule_ids::PROV_DISTANCE;

    #[test]
    fn coordinates_are_checked() {
        assert!(Coordinates::new(62.89, 27.68).is_ok());
        assert_eq!(Coordinates::new(91.0, 0.0), Err(GeoError::Latitude(91.0)));
        assert!(Coordinates::new(f64::NAN, 0.0).is_err());
        assert!(Coordinates::new(0.0, f64::INFINITY).is_err());
        assert!(Coordinates::new(0.0, -180.5).is_err());
    }

    #[test]
    fn known_distances() {
        // Kuopio market square → Siilinjärvi centre ≈ 20.3 km; Kuopio → Helsinki ≈ 335 km.
        let kuopio = Coordinates::new(62.8924, 27.6770).unwrap();
        let siilinjarvi = Coordinates::new(63.0745, 27.6603).unwrap();
        let helsinki = Coordinates::new(60.1699, 24.9384).unwrap();
        let d = distance_km(kuopio, siilinjarvi);
        assert!((d - 20.27).abs() < 0.3, "{d}");
        let d = distance_km(kuopio, helsinki);
        assert!((330.0..340.0).contains(&d), "{d}");
        assert_eq!(distance_km(kuopio, kuopio), 0.0);
        // One degree of latitude on the mean sphere.
        let a = Coordinates::new(0.0, 0.0).unwrap();
        let b = Coordinates::new(1.0, 0.0).unwrap();
        assert!((distance_km(a, b) - 111.195).abs() < 0.001);
        // Antipodes do not produce NaN.
        let c = Coordinates::new(0.0, 180.0).unwrap();
        assert!(distance_km(a, c).is_finite());
    }

    #[test]
    fn nearest_counting_place() {
        let home = Coordinates::new(62.8924, 27.6770).unwrap(); // Kuopio
        let siilinjarvi = Coordinates::new(63.0745, 27.6603).unwrap(); // ≈ 20.3 km
        let near = Coordinates::new(62.90, 27.70).unwrap(); // ≈ 1.4 km
        let places = [
            ServicePlace {
                kind: PlaceKind::Site,
                coordinates: siilinjarvi,
            },
            ServicePlace {
                kind: PlaceKind::WorkerLocation,
                coordinates: near,
            },
        ];
        // SK counts the worker's location.
        let sk = nearest_place(ServiceType::SkIndividual, &places, home).unwrap();
        assert_eq!((sk.index, sk.kind), (1, PlaceKind::WorkerLocation));
        assert!(sk.distance_km < 2.0);
        assert!(
            check_provider_distance(ServiceType::SkIndividual, &places, home, 20.0, false)
                .is_empty()
        );
        // KTT does not: the site is 20.3 km away.
        let ktt = nearest_place(ServiceType::KttIndividual, &places, home).unwrap();
        assert_eq!(ktt.index, 0);
        let v = check_provider_distance(ServiceType::KttIndividual, &places, home, 20.0, false);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, PROV_DISTANCE);
        assert!(
            check_provider_distance(ServiceType::KttIndividual, &places, home, 20.0, true)
                .is_empty()
        );
        // Only worker locations, KTT: no counting place.
        let workers = [places[1]];
        assert!(nearest_place(ServiceType::KttGroup, &workers, home).is_none());
        assert_eq!(
            check_provider_distance(ServiceType::KttGroup, &workers, home, 20.0, false).len(),
            1
        );
        assert!(
            check_provider_distance(ServiceType::KttGroup, &workers, home, 20.0, true).is_empty()
        );
        assert!(nearest_place(ServiceType::SkGroup, &[], home).is_none());
        assert!(PlaceKind::WorkerLocation.counts_for(ServiceType::SkParticipation));
        assert!(!PlaceKind::WorkerLocation.counts_for(ServiceType::KttAssessment));
    }

    #[test]
    fn prov_distance() {
        assert!(check_distance(19.9, DEFAULT_DISTANCE_LIMIT_KM, false).is_empty());
        assert!(check_distance(20.0, DEFAULT_DISTANCE_LIMIT_KM, false).is_empty());
        let v = check_distance(20.1, DEFAULT_DISTANCE_LIMIT_KM, false);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, PROV_DISTANCE);
        assert_eq!(v[0].section, "KTT 5, SK 6");
        assert!(check_distance(80.0, DEFAULT_DISTANCE_LIMIT_KM, true).is_empty());
        assert_eq!(check_distance(f64::NAN, 20.0, false).len(), 1);
    }
}
