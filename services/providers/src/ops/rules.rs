//! The rules a change of a provider must meet, each decided by `seteli_rules` and chosen here
//! in one place: every approval rule, an offering's rules, the nearest place of service that
//! counts for PROV-DISTANCE, and the refusal listing every broken rule.

use chrono::NaiveDate;
use seteli_rules::geo::{Coordinates, ServicePlace, nearest_place};
use seteli_rules::prices::CeilingPrices;
use seteli_rules::provider::{ApprovalFacts, LegalForm, check_offering, check_provider_approval};
use seteli_rules::{ServiceType, Violation};

use crate::model::{Facts, Offering, Site};

/// `FAILED_PRECONDITION` listing every rule in `violations`, if any.
pub(super) use seteli_platform::error::refuse;

// The rules, each decided by `seteli_rules` and chosen here in one place.

/// Every approval rule of `seteli_rules::provider::check_provider_approval` on `facts` (staff
/// with their county-accepted degrees and coaching work), on `today`.
pub(super) fn approval_violations(
    facts: &Facts,
    prices: &CeilingPrices,
    today: NaiveDate,
) -> Vec<Violation> {
    let ceiling = |s: ServiceType| prices.price_on(s, today);
    check_provider_approval(
        &ApprovalFacts {
            legal_form: facts.legal_form,
            uses_subcontractors: facts.uses_subcontractors,
            documents: &facts.documents,
            staff: &facts.staff,
            offerings: &facts.offerings,
            soteri_classes: &facts.soteri_classes,
        },
        today,
        &ceiling,
    )
}

/// The rules an offering must meet when it is set, whatever the provider's state (a price above
/// the ceiling is never stored): `seteli_rules::provider::check_offering` (PROV-PRICE,
/// CAP-GROUP-SIZE, KTT-COMPANY) against the ceiling price in force on `today`.
pub(super) fn offering_violations(
    legal_form: LegalForm,
    offering: &Offering,
    prices: &CeilingPrices,
    today: NaiveDate,
) -> Vec<Violation> {
    let ceiling = prices.price_on(offering.service, today);
    check_offering(legal_form, &offering.rule(), ceiling, today)
}

/// The nearest of `sites` that counts for PROV-DISTANCE of `service` from `near`
/// (`seteli_rules::geo::nearest_place`): its index in `sites` and its distance in km.
pub(super) fn nearest_site(
    service: ServiceType,
    sites: &[&Site],
    near: Coordinates,
) -> Option<(usize, f64)> {
    // Sites whose stored coordinates are invalid are no place of service.
    let (index, places): (Vec<usize>, Vec<ServicePlace>) = sites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.place().map(|p| (i, p)))
        .unzip();
    let nearest = nearest_place(service, &places, near)?;
    Some((*index.get(nearest.index)?, nearest.distance_km))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offering_rules_are_checked_when_an_offering_is_set() {
        use seteli_rules::rule_ids;
        let offering = Offering {
            service: ServiceType::KttGroup,
            unit_price_cents: 9_001,
            max_group_size: Some(13),
            prices: Vec::new(),
            free_places: None,
        };
        let prices = CeilingPrices::parse("KTT_GROUP@2024-01-01=90.00").expect("prices");
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let mut ids: Vec<&str> = offering_violations(LegalForm::Company, &offering, &prices, today)
            .iter()
            .map(|v| v.rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids,
            vec![
                rule_ids::CAP_GROUP_SIZE,
                rule_ids::KTT_COMPANY,
                rule_ids::PROV_PRICE
            ]
        );
        // An association may arrange KTT group coaching; a cooperative may not (KTT 1).
        let fine = Offering {
            unit_price_cents: 9_000,
            max_group_size: Some(12),
            ..offering
        };
        assert!(offering_violations(LegalForm::Association, &fine, &prices, today).is_empty());
        assert!(
            offering_violations(LegalForm::Cooperative, &fine, &prices, today)
                .iter()
                .all(|v| v.rule == rule_ids::KTT_COMPANY)
        );
    }

    #[test]
    fn the_nearest_site_is_the_rules_choice() {
        use crate::model::SiteKind;
        let site = |kind, latitude: f64| Site {
            id: String::new(),
            kind,
            name: String::new(),
            street_address: String::new(),
            postal_code: String::new(),
            municipality: String::new(),
            latitude,
            longitude: 27.6770,
        };
        let far = site(SiteKind::Site, 63.5);
        let bad = site(SiteKind::Site, 99.0);
        let worker = site(SiteKind::WorkerLocation, 62.9);
        let sites = vec![&bad, &far, &worker];
        let home = Coordinates::new(62.8924, 27.6770).expect("home");
        // SK counts the worker's location; KTT only the site (and never one without a position).
        let (i, d) = nearest_site(ServiceType::SkGroup, &sites, home).expect("sk");
        assert_eq!((i, d < 1.0), (2, true));
        let (i, d) = nearest_site(ServiceType::KttIndividual, &sites, home).expect("ktt");
        assert_eq!((i, d > 60.0), (1, true));
        assert!(nearest_site(ServiceType::KttIndividual, &[&worker], home).is_none());
    }

    #[test]
    fn the_approval_rules_use_the_ceiling_price_in_force_today() {
        use rust_decimal::Decimal;
        use seteli_rules::provider::Offering as RuleOffering;
        use seteli_rules::rule_ids;
        let facts = Facts {
            legal_form: LegalForm::Company,
            uses_subcontractors: false,
            documents: Vec::new(),
            staff: Vec::new(),
            offerings: vec![RuleOffering {
                service: ServiceType::KttIndividual,
                unit_price: Decimal::new(6_500, 2),
                max_group_size: None,
            }],
            soteri_classes: Vec::new(),
        };
        let prices =
            CeilingPrices::parse("KTT_INDIVIDUAL@2024-01-01=60.00,KTT_INDIVIDUAL@2026-07-01=70.00")
                .expect("prices");
        let rules = |y, m, d| -> Vec<&str> {
            let on = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            approval_violations(&facts, &prices, on)
                .iter()
                .map(|v| v.rule)
                .collect()
        };
        // 65.00 is above the ceiling of 60.00 until it rises to 70.00.
        let before = rules(2026, 6, 30);
        assert!(before.contains(&rule_ids::PROV_PRICE), "{before:?}");
        let after = rules(2026, 7, 1);
        assert!(!after.contains(&rule_ids::PROV_PRICE), "{after:?}");
        // Every other rule is checked at once: no documents, no insurance.
        for rules in [&before, &after] {
            assert!(rules.contains(&rule_ids::PROV_DOCS), "{rules:?}");
            assert!(rules.contains(&rule_ids::PROV_INSURANCE), "{rules:?}");
        }
    }
}
