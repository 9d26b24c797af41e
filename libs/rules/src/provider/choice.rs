//! Whether a provider may be chosen for a voucher, and may work on one (RULES.md §4): its
//! documents in force on the day of the choice ([`check_choosable`]), approval, the service
//! offered and PROV-DISTANCE ([`check_choice`]); an approved provider suspended or revoked
//! since may not work on its vouchers ([`check_provider_may_work`]).

use crate::catalogue::ServiceType;
use crate::geo::{Coordinates, ServicePlace, check_provider_distance};
use crate::rule_ids::{PROVIDER_NOT_APPROVED, SERVICE_NOT_OFFERED};
use crate::violation::Violation;
use chrono::NaiveDate;

use super::documents::{ProviderDocument, check_documents_for, check_insurance};

/// Whether an (approved) provider may be chosen for a new voucher for `service` on `on` as
/// far as its documents go (RULES.md §4: from a required document's expiry date it may no
/// longer be chosen; checked at ChooseProvider on that day): PROV-DOCS for the documents the
/// service requires ([`required_documents_for`](super::required_documents_for) with the service's rulebook) and
/// PROV-INSURANCE.
pub fn check_choosable(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    service: ServiceType,
    on: NaiveDate,
) -> Vec<Violation> {
    let mut out = check_documents_for(documents, uses_subcontractors, service.is_ktt(), on);
    out.extend(check_insurance(documents, on));
    out
}

/// What ChooseProvider knows of the chosen provider, for [`check_choice`].
#[derive(Debug, Clone, Copy)]
pub struct ChoiceFacts<'a> {
    /// The provider's name (for messages).
    pub provider_name: &'a str,
    /// The voucher's service.
    pub service: ServiceType,
    /// The provider is approved.
    pub approved: bool,
    /// The provider offers the service.
    pub offers_service: bool,
    /// Whether the provider uses subcontractors.
    pub uses_subcontractors: bool,
    /// The provider's documents.
    pub documents: &'a [ProviderDocument],
    /// The provider's places of service (sites, SK workers' work locations).
    pub places: &'a [ServicePlace],
    /// The client's home.
    pub home: Coordinates,
    /// PROV-DISTANCE limit in km (default [`crate::geo::DEFAULT_DISTANCE_LIMIT_KM`]).
    pub distance_limit_km: f64,
    /// The decision permits a provider further away.
    pub distance_exemption: bool,
    /// The day of the choice (today in Europe/Helsinki).
    pub on: NaiveDate,
}

/// [`PROVIDER_NOT_APPROVED`] for work on a voucher: a provider that is not APPROVED now —
/// suspended or revoked after it was chosen — may not accept or start a voucher or record
/// sessions on one until the county resumes it.
pub fn check_provider_may_work(approved: bool, provider_name: &str) -> Vec<Violation> {
    if approved {
        return Vec::new();
    }
    vec![Violation::new(
        PROVIDER_NOT_APPROVED,
        "",
        format!(
            "Palveluntuottaja {provider_name} ei ole nyt hyväksytty (keskeytetty tai peruttu): \
             se ei voi ottaa vastaan tai aloittaa palvelua eikä kirjata käyntejä."
        ),
        format!(
            "Provider {provider_name} is not approved now (suspended or revoked): it may not \
             accept or start a service or record sessions."
        ),
    )]
}

/// Every reason the provider may not be chosen for the voucher: [`PROVIDER_NOT_APPROVED`],
/// [`SERVICE_NOT_OFFERED`] (refusals, no section), the documents of [`check_choosable`]
/// (PROV-DOCS, PROV-INSURANCE) and PROV-DISTANCE over its counting places
/// ([`check_provider_distance`]).
pub fn check_choice(f: &ChoiceFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    // PROVIDER-NOT-APPROVED (refusal)
    if !f.approved {
        out.push(Violation::new(
            PROVIDER_NOT_APPROVED,
            "",
            format!("Palveluntuottaja {} ei ole hyväksytty.", f.provider_name),
            format!("Provider {} is not approved.", f.provider_name),
        ));
    }
    // SERVICE-NOT-OFFERED (refusal)
    if !f.offers_service {
        out.push(Violation::new(
            SERVICE_NOT_OFFERED,
            "",
            format!(
                "Palveluntuottaja {} ei tarjoa palvelua {}.",
                f.provider_name,
                f.service.code()
            ),
            format!(
                "Provider {} does not offer {}.",
                f.provider_name,
                f.service.code()
            ),
        ));
    }
    // PROV-DOCS, PROV-INSURANCE
    out.extend(check_choosable(
        f.documents,
        f.uses_subcontractors,
        f.service,
        f.on,
    ));
    // PROV-DISTANCE
    out.extend(check_provider_distance(
        f.service,
        f.places,
        f.home,
        f.distance_limit_km,
        f.distance_exemption,
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::DocumentKind;
    use crate::provider::fixtures::{all_docs, d};
    use crate::rule_ids::{PROV_DOCS, PROV_INSURANCE};
    use crate::violation::has_rule;

    #[test]
    fn an_expired_document_stops_the_choice() {
        let mut docs = all_docs();
        for doc in &mut docs {
            if matches!(
                doc.kind,
                DocumentKind::LiabilityInsurance | DocumentKind::TaxCertificate
            ) {
                doc.expires_on = Some(d(2026, 3, 31));
            }
        }
        let s = ServiceType::SkIndividual;
        assert!(check_choosable(&docs, true, s, d(2026, 3, 31)).is_empty());
        let v = check_choosable(&docs, true, s, d(2026, 4, 1));
        assert_eq!(v.iter().filter(|x| x.rule == PROV_DOCS).count(), 2);
        assert!(has_rule(&v, PROV_INSURANCE));
        // SK needs no group insurance, KTT does.
        docs.retain(|x| x.kind != DocumentKind::GroupInsurance);
        assert!(check_choosable(&docs, true, s, d(2026, 3, 1)).is_empty());
        assert!(has_rule(
            &check_choosable(&docs, true, ServiceType::KttGroup, d(2026, 3, 1)),
            PROV_DOCS
        ));
    }
    #[test]
    fn choosing_a_provider() {
        use crate::geo::{Coordinates, PlaceKind, ServicePlace};
        use crate::rule_ids::PROV_DISTANCE;
        let docs = all_docs();
        let home = Coordinates::new(62.8924, 27.6770).unwrap();
        let near = [ServicePlace {
            kind: PlaceKind::Site,
            coordinates: Coordinates::new(62.90, 27.70).unwrap(),
        }];
        let ok = ChoiceFacts {
            provider_name: "Valmennus ry",
            service: ServiceType::KttGroup,
            approved: true,
            offers_service: true,
            uses_subcontractors: false,
            documents: &docs,
            places: &near,
            home,
            distance_limit_km: crate::geo::DEFAULT_DISTANCE_LIMIT_KM,
            distance_exemption: false,
            on: d(2026, 3, 1),
        };
        assert!(check_choice(&ok).is_empty());
        let worker_only = [ServicePlace {
            kind: PlaceKind::WorkerLocation,
            ..near[0]
        }];
        let v = check_choice(&ChoiceFacts {
            approved: false,
            offers_service: false,
            documents: &[],
            places: &worker_only,
            ..ok
        });
        for rule in [
            PROVIDER_NOT_APPROVED,
            SERVICE_NOT_OFFERED,
            PROV_DOCS,
            PROV_INSURANCE,
            PROV_DISTANCE,
        ] {
            assert!(has_rule(&v, rule), "{rule} missing in {v:#?}");
        }
        assert!(
            v.iter()
                .filter(|x| crate::rule_ids::is_refusal(x.rule))
                .all(|x| x.section.is_empty())
        );
        // SK counts the worker's location.
        assert!(
            check_choice(&ChoiceFacts {
                service: ServiceType::SkGroup,
                places: &worker_only,
                ..ok
            })
            .is_empty()
        );
    }

    #[test]
    fn a_provider_that_is_not_approved_may_not_work_on_vouchers() {
        let refused = check_provider_may_work(false, "Keskeytetty Oy");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].rule, PROVIDER_NOT_APPROVED);
        assert!(check_provider_may_work(true, "Hyväksytty Oy").is_empty());
    }
}
