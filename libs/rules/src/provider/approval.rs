//! Approving a provider (RULES.md §4): every broken rule at once over what the provider
//! supplied ([`check_provider_approval`]: its documents, insurance and staff, PROV-SOTERI for
//! SK, and each offering's rules), also for the original form with [`StaffMember`]s
//! ([`check_approval`], [`check_staff`]).

use crate::catalogue::ServiceType;
use crate::rule_ids::PROV_SOTERI;
use crate::violation::Violation;
use chrono::NaiveDate;
use rust_decimal::Decimal;

use super::documents::{ProviderDocument, check_documents_for, check_insurance};
use super::offerings::{LegalForm, Offering, check_offering};
use super::staff::{StaffMember, StaffRecord, check_staff_records};

/// What approval looks at (the original form, with [`StaffMember`]s; see [`ApprovalFacts`]).
#[derive(Debug, Clone, Copy)]
pub struct ProviderFacts<'a> {
    /// Legal form.
    pub legal_form: LegalForm,
    /// Whether the provider uses subcontractors.
    pub uses_subcontractors: bool,
    /// Documents supplied.
    pub documents: &'a [ProviderDocument],
    /// Staff.
    pub staff: &'a [StaffMember],
    /// Services offered.
    pub offerings: &'a [Offering],
    /// Soteri service classes the provider is registered in.
    pub soteri_classes: &'a [u32],
}

/// What approval looks at, with [`StaffRecord`]s.
#[derive(Debug, Clone, Copy)]
pub struct ApprovalFacts<'a> {
    /// Legal form.
    pub legal_form: LegalForm,
    /// Whether the provider uses subcontractors.
    pub uses_subcontractors: bool,
    /// Documents supplied.
    pub documents: &'a [ProviderDocument],
    /// Staff.
    pub staff: &'a [StaffRecord],
    /// Services offered.
    pub offerings: &'a [Offering],
    /// Soteri service classes the provider is registered in.
    pub soteri_classes: &'a [u32],
}

/// Soteri classes accepted for SK (PROV-SOTERI, SK 2.2).
pub const SK_SOTERI_CLASSES: [u32; 2] = [2903, 2464];

/// Every broken approval rule at once, for [`ProviderFacts`]: [`check_provider_approval`]
/// with each [`StaffMember`] taken as a [`StaffRecord`] by its `From` presumptions (no
/// county-accepted degrees; everyone but work-coaching-only qualifications coaches).
pub fn check_approval(
    facts: &ProviderFacts<'_>,
    on: NaiveDate,
    ceiling_price: &dyn Fn(ServiceType) -> Option<Decimal>,
) -> Vec<Violation> {
    let staff: Vec<StaffRecord> = facts.staff.iter().map(StaffRecord::from).collect();
    check_provider_approval(
        &ApprovalFacts {
            legal_form: facts.legal_form,
            uses_subcontractors: facts.uses_subcontractors,
            documents: facts.documents,
            staff: &staff,
            offerings: facts.offerings,
            soteri_classes: facts.soteri_classes,
        },
        on,
        ceiling_price,
    )
}

/// Every broken approval rule at once: PROV-DOCS (each required kind present and in force on
/// `on`; subcontractor statement only if `uses_subcontractors`; group insurance only with a
/// KTT offering), PROV-INSURANCE (liability insurance in force), the staff rules
/// ([`check_staff_records`]), PROV-SOTERI (an SK offering needs class 2903 and/or 2464) and,
/// per offering, [`check_offering`] (KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE).
pub fn check_provider_approval(
    facts: &ApprovalFacts<'_>,
    on: NaiveDate,
    ceiling_price: &dyn Fn(ServiceType) -> Option<Decimal>,
) -> Vec<Violation> {
    let offers_ktt = facts.offerings.iter().any(|o| o.service.is_ktt());
    let mut out = check_documents_for(facts.documents, facts.uses_subcontractors, offers_ktt, on);
    out.extend(check_insurance(facts.documents, on));
    out.extend(check_staff_records(facts.staff, facts.offerings));
    let offers_sk = facts.offerings.iter().any(|o| o.service.is_sk());

    // PROV-SOTERI
    if offers_sk
        && !facts
            .soteri_classes
            .iter()
            .any(|c| SK_SOTERI_CLASSES.contains(c))
    {
        out.push(Violation::of(
            PROV_SOTERI,
            "Sosiaalisen kuntoutuksen palveluntuottajan tulee olla rekisteröity Soteriin \
             palvelualaluokkaan 2903 ja/tai 2464.",
            "An SK provider must be registered in Soteri in service class 2903 and/or 2464.",
        ));
    }

    for o in facts.offerings {
        out.extend(check_offering(
            facts.legal_form,
            o,
            ceiling_price(o.service),
            on,
        ));
    }
    out
}

/// The staff rules for [`ProviderFacts`] ([`check_staff_records`] with the [`StaffRecord`]
/// presumptions of its `From`).
pub fn check_staff(facts: &ProviderFacts<'_>) -> Vec<Violation> {
    let staff: Vec<StaffRecord> = facts.staff.iter().map(StaffRecord::from).collect();
    check_staff_records(&staff, facts.offerings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::fixtures::{all_docs, ceiling, d, offering, record, staff};
    use crate::provider::{
        DocumentKind, Qualification, required_documents, required_documents_for,
    };
    use crate::rule_ids::{
        CAP_GROUP_SIZE, KTT_COMPANY, PROV_DOCS, PROV_INSURANCE, PROV_PRICE, PROV_STAFF_COACH,
        PROV_STAFF_SOCIAL, PROV_STAFF_WORK,
    };
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    #[test]
    fn a_complete_provider_passes() {
        let docs = all_docs();
        let staff = staff();
        let offerings: Vec<Offering> = ServiceType::ALL.into_iter().map(offering).collect();
        let facts = ProviderFacts {
            legal_form: LegalForm::Association,
            uses_subcontractors: true,
            documents: &docs,
            staff: &staff,
            offerings: &offerings,
            soteri_classes: &[2903],
        };
        assert_eq!(check_approval(&facts, d(2026, 2, 1), &ceiling), vec![]);
    }

    #[test]
    fn every_broken_rule_is_reported_at_once() {
        let docs = vec![ProviderDocument {
            kind: DocumentKind::LiabilityInsurance,
            issued_on: d(2024, 1, 1),
            expires_on: Some(d(2025, 12, 31)),
        }];
        let staff = vec![StaffMember {
            qualification: Qualification::SocialWorker,
            register_number: None,
        }];
        let offerings = vec![
            Offering {
                service: ServiceType::KttGroup,
                unit_price: dec!(80),
                max_group_size: Some(13),
            },
            Offering {
                service: ServiceType::SkParticipation,
                unit_price: dec!(50),
                max_group_size: None,
            },
            Offering {
                service: ServiceType::SkGroup,
                unit_price: dec!(50),
                max_group_size: None,
            },
        ];
        let facts = ProviderFacts {
            legal_form: LegalForm::Company,
            uses_subcontractors: false,
            documents: &docs,
            staff: &staff,
            offerings: &offerings,
            soteri_classes: &[1234],
        };
        let v = check_approval(&facts, d(2026, 1, 15), &|s| {
            (s != ServiceType::SkParticipation).then_some(dec!(70))
        });
        for rule in [
            PROV_DOCS,
            PROV_INSURANCE,
            PROV_STAFF_SOCIAL,
            PROV_STAFF_WORK,
            PROV_SOTERI,
            KTT_COMPANY,
            PROV_PRICE,
            CAP_GROUP_SIZE,
        ] {
            assert!(has_rule(&v, rule), "{rule} missing in {v:#?}");
        }
        // 8 missing docs (no subcontractor statement required) + expired insurance.
        assert_eq!(v.iter().filter(|x| x.rule == PROV_DOCS).count(), 8);
        assert!(
            v.iter()
                .any(|x| x.rule == PROV_DOCS && x.message_en.contains("expired"))
        );
        assert_eq!(v.iter().filter(|x| x.rule == CAP_GROUP_SIZE).count(), 2);
    }

    #[test]
    fn prov_staff_coach() {
        let docs = all_docs();
        let staff = vec![StaffMember {
            qualification: Qualification::OtherSocialScienceDegree,
            register_number: None,
        }];
        let offerings = vec![offering(ServiceType::SkIndividual)];
        let facts = ProviderFacts {
            legal_form: LegalForm::Foundation,
            uses_subcontractors: false,
            documents: &docs,
            staff: &staff,
            offerings: &offerings,
            soteri_classes: &[2464],
        };
        // The degree is not county-accepted (a StaffMember cannot say so), the member is
        // presumed to coach without the competence, and no one qualified coaches.
        let v = check_approval(&facts, d(2026, 2, 1), &ceiling);
        assert_eq!(
            v.iter().map(|x| x.rule).collect::<Vec<_>>(),
            vec![PROV_STAFF_SOCIAL, PROV_STAFF_COACH, PROV_STAFF_COACH]
        );
        // With records: accepted degree, not coaching, plus a qualified coach.
        let records = vec![
            StaffRecord {
                degree_accepted_by_county: true,
                ..record(Qualification::OtherSocialScienceDegree, false)
            },
            record(Qualification::VocationalNeuropsychiatricCoach, true),
        ];
        let facts = ApprovalFacts {
            legal_form: LegalForm::Foundation,
            uses_subcontractors: false,
            documents: &docs,
            staff: &records,
            offerings: &offerings,
            soteri_classes: &[2464],
        };
        assert_eq!(
            check_provider_approval(&facts, d(2026, 2, 1), &ceiling),
            vec![]
        );
    }

    #[test]
    fn group_insurance_only_for_ktt_offerings() {
        let mut docs = all_docs();
        docs.retain(|x| x.kind != DocumentKind::GroupInsurance);
        let staff = staff();
        let sk_only = vec![offering(ServiceType::SkGroup)];
        let facts = ProviderFacts {
            legal_form: LegalForm::Association,
            uses_subcontractors: true,
            documents: &docs,
            staff: &staff,
            offerings: &sk_only,
            soteri_classes: &[2903],
        };
        assert_eq!(check_approval(&facts, d(2026, 2, 1), &ceiling), vec![]);
        let with_ktt = vec![
            offering(ServiceType::SkGroup),
            offering(ServiceType::KttIndividual),
        ];
        let v = check_approval(
            &ProviderFacts {
                offerings: &with_ktt,
                ..facts
            },
            d(2026, 2, 1),
            &ceiling,
        );
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("GROUP_INSURANCE"));
        assert!(!required_documents_for(false, false).contains(&DocumentKind::GroupInsurance));
        assert!(required_documents(false).contains(&DocumentKind::GroupInsurance));
    }

    #[test]
    fn company_may_offer_ktt_individual_and_sk() {
        let docs = all_docs();
        let staff = staff();
        let offerings = vec![
            offering(ServiceType::KttIndividual),
            offering(ServiceType::SkGroup),
        ];
        let facts = ProviderFacts {
            legal_form: LegalForm::Company,
            uses_subcontractors: false,
            documents: &docs,
            staff: &staff,
            offerings: &offerings,
            soteri_classes: &[2903, 2464],
        };
        assert!(check_approval(&facts, d(2026, 3, 1), &ceiling).is_empty());
    }

    #[test]
    fn price_at_ceiling_passes_and_zero_price_fails() {
        let docs = all_docs();
        let staff = staff();
        let mut o = offering(ServiceType::KttIndividual);
        o.unit_price = dec!(70);
        let offerings = vec![o.clone()];
        let facts = ProviderFacts {
            legal_form: LegalForm::Association,
            uses_subcontractors: false,
            documents: &docs,
            staff: &staff,
            offerings: &offerings,
            soteri_classes: &[],
        };
        assert!(check_approval(&facts, d(2026, 3, 1), &ceiling).is_empty());
        o.unit_price = dec!(0);
        let offerings = vec![o];
        let facts = ProviderFacts {
            offerings: &offerings,
            ..facts
        };
        assert!(has_rule(
            &check_approval(&facts, d(2026, 3, 1), &ceiling),
            PROV_PRICE
        ));
    }
}
