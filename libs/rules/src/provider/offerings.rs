//! What a provider offers and on what terms: its legal form and the KTT-COMPANY restriction
//! ([`LegalForm::may_offer`]), and the rules of one offering checked whenever a provider sets
//! it, whatever its approval state ([`check_offering`], [`OFFERING_RULES`]: KTT-COMPANY,
//! PROV-PRICE, CAP-GROUP-SIZE).

use crate::catalogue::{GROUP_SIZE_MAX, ServiceType};
use crate::rule_ids::{CAP_GROUP_SIZE, KTT_COMPANY, PROV_PRICE};
use crate::violation::Violation;
use chrono::NaiveDate;
use rust_decimal::Decimal;

coded_enum! {
    /// The provider's legal form.
    LegalForm, 6 {
        /// Company (yritys: osakeyhtiö, toiminimi …). Under KTT only individual coaching.
        Company = "COMPANY", "yritys";
        /// Registered association (yhdistys).
        Association = "ASSOCIATION", "yhdistys";
        /// Foundation (säätiö).
        Foundation = "FOUNDATION", "säätiö";
        /// Cooperative (osuuskunta): a yritys; under KTT only individual coaching.
        Cooperative = "COOPERATIVE", "osuuskunta";
        /// Public body (julkisyhteisö): a state agency or institution, a municipality …
        PublicBody = "PUBLIC_BODY", "julkisyhteisö";
        /// Any other form. Under KTT only individual coaching.
        Other = "OTHER", "muu";
    }
}

impl LegalForm {
    /// Whether the form may arrange KTT work activity and group coaching (law 189/2001: a
    /// registered association, a foundation, a state agency or institution or other public
    /// body; a religious community too, but the registry has no such form yet). Every other
    /// form — company, cooperative, other — may offer only individual coaching under KTT
    /// (KTT-COMPANY, KTT 1).
    pub fn may_arrange_ktt(self) -> bool {
        matches!(
            self,
            LegalForm::Association | LegalForm::Foundation | LegalForm::PublicBody
        )
    }

    /// KTT-COMPANY: whether a provider of this form may offer `service`.
    pub fn may_offer(self, service: ServiceType) -> bool {
        !service.is_ktt() || service == ServiceType::KttIndividual || self.may_arrange_ktt()
    }
}

/// A service the provider offers, at its own unit price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Offering {
    /// The service.
    pub service: ServiceType,
    /// The provider's own unit price (per hour or day), VAT 0 %.
    pub unit_price: Decimal,
    /// The provider's maximum group size (group services).
    pub max_group_size: Option<u32>,
}

/// The rules checked when a provider sets an offering, whatever its approval state
/// ([`check_offering`]): the rules about the offering itself.
pub const OFFERING_RULES: [&str; 3] = [PROV_PRICE, CAP_GROUP_SIZE, KTT_COMPANY];

/// The offering rules (checked when a provider sets an offering, whatever its state; see
/// [`OFFERING_RULES`]): KTT-COMPANY (the legal form may offer the service), PROV-PRICE (unit
/// price positive and ≤ the ceiling price in force on `on`; a missing ceiling is itself a
/// violation) and CAP-GROUP-SIZE (a group service has a maximum group size within 1..=12).
pub fn check_offering(
    legal_form: LegalForm,
    offering: &Offering,
    ceiling_price: Option<Decimal>,
    on: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let o = offering;
    // KTT-COMPANY
    if !legal_form.may_offer(o.service) {
        out.push(Violation::of(
            KTT_COMPANY,
            format!(
                "Kuntouttavassa työtoiminnassa {} voi tarjota vain yksilövalmennusta, ei palvelua \
                 {} (kuntouttavaa työtoimintaa ei voi hankkia yritykseltä).",
                legal_form.name_fi(),
                o.service.code()
            ),
            format!(
                "Under KTT a provider of legal form {} may offer only individual coaching, not {}.",
                legal_form.code(),
                o.service.code()
            ),
        ));
    }

    // PROV-PRICE
    match ceiling_price {
        None => out.push(Violation::of(
            PROV_PRICE,
            format!(
                "Palvelulle {} ei ole voimassa olevaa kattohintaa {on}.",
                o.service.code()
            ),
            format!(
                "No ceiling price is in force for {} on {on}.",
                o.service.code()
            ),
        )),
        Some(ceiling) if o.unit_price > ceiling => out.push(Violation::of(
            PROV_PRICE,
            format!(
                "Palvelun {} yksikköhinta {} ylittää kattohinnan {}.",
                o.service.code(),
                o.unit_price,
                ceiling
            ),
            format!(
                "Unit price {} of {} exceeds the ceiling price {}.",
                o.unit_price,
                o.service.code(),
                ceiling
            ),
        )),
        Some(_) => {}
    }
    if o.unit_price <= Decimal::ZERO {
        out.push(Violation::of(
            PROV_PRICE,
            format!(
                "Palvelun {} yksikköhinnan on oltava positiivinen.",
                o.service.code()
            ),
            format!("The unit price of {} must be positive.", o.service.code()),
        ));
    }

    // CAP-GROUP-SIZE
    if o.service.is_group() {
        match o.max_group_size {
            Some(n) if (1..=GROUP_SIZE_MAX).contains(&n) => {}
            Some(n) => out.push(Violation::of(
                CAP_GROUP_SIZE,
                format!(
                    "Palvelun {} enimmäisryhmäkoko {n} ei ole välillä 1–{GROUP_SIZE_MAX}.",
                    o.service.code()
                ),
                format!(
                    "Maximum group size {n} of {} is not within 1-{GROUP_SIZE_MAX}.",
                    o.service.code()
                ),
            )),
            None => out.push(Violation::of(
                CAP_GROUP_SIZE,
                format!(
                    "Ryhmäpalvelulle {} on ilmoitettava enimmäisryhmäkoko.",
                    o.service.code()
                ),
                format!(
                    "Group service {} needs a maximum group size.",
                    o.service.code()
                ),
            )),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::fixtures::{d, offering};
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    #[test]
    fn legal_form_codes_round_trip() {
        for x in LegalForm::ALL {
            assert_eq!(LegalForm::from_code(x.code()), Some(x));
        }
        assert_eq!(LegalForm::PublicBody.code(), "PUBLIC_BODY");
    }

    #[test]
    fn ktt_company_restricts_every_form_but_the_law_s() {
        for form in LegalForm::ALL {
            for service in ServiceType::ALL {
                let v = check_offering(form, &offering(service), Some(dec!(70)), d(2026, 3, 1));
                let restricted = matches!(
                    form,
                    LegalForm::Company | LegalForm::Cooperative | LegalForm::Other
                ) && service.is_ktt()
                    && service != ServiceType::KttIndividual;
                assert_eq!(has_rule(&v, KTT_COMPANY), restricted, "{form:?} {service}");
            }
        }
        assert!(LegalForm::PublicBody.may_arrange_ktt());
        assert!(!LegalForm::Cooperative.may_arrange_ktt());
    }

    #[test]
    fn offering_rules_are_the_subset() {
        let o = Offering {
            service: ServiceType::KttGroup,
            unit_price: dec!(80),
            max_group_size: Some(13),
        };
        let v = check_offering(LegalForm::Cooperative, &o, Some(dec!(70)), d(2026, 3, 1));
        let mut rules: Vec<&str> = v.iter().map(|x| x.rule).collect();
        rules.dedup();
        assert_eq!(rules, vec![KTT_COMPANY, PROV_PRICE, CAP_GROUP_SIZE]);
        assert!(v.iter().all(|x| OFFERING_RULES.contains(&x.rule)));
        assert!(has_rule(
            &check_offering(
                LegalForm::Association,
                &offering(ServiceType::SkGroup),
                None,
                d(2026, 3, 1)
            ),
            PROV_PRICE
        ));
        assert!(
            check_offering(
                LegalForm::Association,
                &offering(ServiceType::KttGroup),
                Some(dec!(70)),
                d(2026, 3, 1)
            )
            .is_empty()
        );
    }
}
