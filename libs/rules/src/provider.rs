//! Provider approval (RULES.md §4): documents, staff, Soteri registration, the KTT company
//! restriction, prices and group sizes.

use crate::catalogue::{GROUP_SIZE_MAX, ServiceType};
use crate::rule_ids::{
    CAP_GROUP_SIZE, KTT_COMPANY, PROV_DOCS, PROV_INSURANCE, PROV_PRICE, PROV_SOTERI,
    PROV_STAFF_COACH, PROV_STAFF_SOCIAL, PROV_STAFF_WORK,
};
use crate::violation::Violation;
use chrono::NaiveDate;
use rust_decimal::Decimal;

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident, $n:literal { $( $(#[$vm:meta])* $v:ident = $code:literal, $fi:literal; )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $( $(#[$vm])* $v, )* }
        impl $name {
            /// Every value, in declaration order.
            pub const ALL: [$name; $n] = [ $( $name::$v, )* ];
            /// The stable SCREAMING_SNAKE code.
            pub fn code(self) -> &'static str { match self { $( $name::$v => $code, )* } }
            /// Parses a code of [`Self::code`] (exact).
            pub fn from_code(s: &str) -> Option<Self> { Self::ALL.into_iter().find(|x| x.code() == s) }
            /// Finnish name.
            pub fn name_fi(self) -> &'static str { match self { $( $name::$v => $fi, )* } }
        }
    };
}

coded_enum! {
    /// The provider's legal form.
    LegalForm, 6 {
        /// Company (yritys: osakeyhtiö, toiminimi …). Under KTT only individual coaching.
        Company = "COMPANY", "yritys";
        /// Registered association (yhdistys).
        Association = "ASSOCIATION", "yhdistys";
        /// Foundation (säätiö).
        Foundation = "FOUNDATION", "säätiö";
        /// Cooperative (osuuskunta).
        Cooperative = "COOPERATIVE", "osuuskunta";
        /// Public body (julkisyhteisö).
        PublicBody = "PUBLIC_BODY", "julkisyhteisö";
        /// Any other form.
        Other = "OTHER", "muu";
    }
}

coded_enum! {
    /// A document a provider supplies (PROV-DOCS: KTT 1.2, SK 2.3).
    DocumentKind, 9 {
        /// Service descriptions of the services offered.
        ServiceDescription = "SERVICE_DESCRIPTION", "palvelukuvaus";
        /// Staff form (henkilöstölomake).
        StaffForm = "STAFF_FORM", "henkilöstölomake";
        /// Self-monitoring plan (omavalvontasuunnitelma).
        SelfMonitoringPlan = "SELF_MONITORING_PLAN", "omavalvontasuunnitelma";
        /// Certified copy of the liability insurance.
        LiabilityInsurance = "LIABILITY_INSURANCE", "vastuuvakuutus";
        /// Certified copy of the group insurance for personal and property damage.
        GroupInsurance = "GROUP_INSURANCE", "ryhmävakuutus";
        /// Tax administration certificate of paid taxes and contributions.
        TaxCertificate = "TAX_CERTIFICATE", "verovelkatodistus";
        /// Pension insurance payment certificate.
        PensionInsuranceCertificate = "PENSION_INSURANCE_CERTIFICATE", "eläkevakuutustodistus";
        /// AVI licence or registration in the private social and health services register.
        AviLicenceOrRegistration = "AVI_LICENCE_OR_REGISTRATION", "AVI:n lupa tai rekisteröinti";
        /// Statement of subcontractors (only if the provider uses them).
        SubcontractorStatement = "SUBCONTRACTOR_STATEMENT", "selvitys alihankkijoista";
    }
}

coded_enum! {
    /// A staff member's qualification (PROV-STAFF-*: KTT 1.1, SK 2.1).
    Qualification, 13 {
        /// Sosionomi (AMK): titled, registered.
        Sosionomi = "SOSIONOMI", "sosionomi (AMK)";
        /// Earlier social educator (sosiaalikasvattaja): titled, registered.
        SocialEducator = "SOCIAL_EDUCATOR", "sosiaalikasvattaja";
        /// Earlier social instructor (sosiaaliohjaaja): titled, registered.
        SocialInstructor = "SOCIAL_INSTRUCTOR", "sosiaaliohjaaja";
        /// Social worker (sosiaalityöntekijä): licensed, registered.
        SocialWorker = "SOCIAL_WORKER", "sosiaalityöntekijä";
        /// Other social-science university degree accepted case by case at application.
        OtherSocialScienceDegree = "OTHER_SOCIAL_SCIENCE_DEGREE", "muu yhteiskuntatieteellinen sosiaalialan korkeakoulututkinto";
        /// Community pedagogue on whose training AVI registered the licence (KTT only).
        CommunityPedagogueAviRegistered = "COMMUNITY_PEDAGOGUE_AVI_REGISTERED", "yhteisöpedagogi (AVI:n rekisteröimä)";
        /// Community pedagogue otherwise.
        CommunityPedagogue = "COMMUNITY_PEDAGOGUE", "yhteisöpedagogi";
        /// UAS social or health degree.
        UasSocialOrHealth = "UAS_SOCIAL_OR_HEALTH", "sosiaali- tai terveysalan AMK-tutkinto";
        /// Earlier college-level social or health degree.
        CollegeSocialOrHealth = "COLLEGE_SOCIAL_OR_HEALTH", "sosiaali- tai terveysalan opistoasteen tutkinto";
        /// Vocational social/health degree plus specialist qualification in mental-health and substance-abuse work.
        VocationalMentalHealthSpecialist = "VOCATIONAL_MENTAL_HEALTH_SPECIALIST", "lähihoitaja + mielenterveys- ja päihdetyön erikoisammattitutkinto";
        /// Vocational social/health degree plus the neuropsychiatric coach qualification.
        VocationalNeuropsychiatricCoach = "VOCATIONAL_NEUROPSYCHIATRIC_COACH", "lähihoitaja + neuropsykiatrisen valmentajan tutkinto";
        /// Work-guidance / work-coaching competence.
        WorkGuidance = "WORK_GUIDANCE", "työtoiminnan ohjaus ja työvalmennus";
        /// Professional of another field.
        OtherField = "OTHER_FIELD", "muu ala";
    }
}

impl Qualification {
    /// Titled (protected or licensed) social-welfare professionals, who must be in the
    /// professional register (JulkiSuosikki) with a register number.
    pub fn requires_register_number(self) -> bool {
        matches!(
            self,
            Qualification::Sosionomi
                | Qualification::SocialEducator
                | Qualification::SocialInstructor
                | Qualification::SocialWorker
        )
    }

    /// Counts as the social-welfare professional of PROV-STAFF-SOCIAL under the given
    /// rulebook (`"KTT"` or `"SK"`). The AVI-registered community pedagogue counts for KTT only.
    pub fn is_social_welfare_professional(self, rulebook: &str) -> bool {
        match self {
            Qualification::Sosionomi
            | Qualification::SocialEducator
            | Qualification::SocialInstructor
            | Qualification::SocialWorker
            | Qualification::OtherSocialScienceDegree => true,
            Qualification::CommunityPedagogueAviRegistered => rulebook == "KTT",
            _ => false,
        }
    }

    /// Has the coaching competence of PROV-STAFF-COACH: a UAS or earlier college-level social
    /// or health degree (the titled social professionals hold one, a social worker a higher
    /// one), or a vocational degree with one of the two specialist qualifications.
    pub fn has_coaching_competence(self) -> bool {
        matches!(
            self,
            Qualification::Sosionomi
                | Qualification::SocialEducator
                | Qualification::SocialInstructor
                | Qualification::SocialWorker
                | Qualification::UasSocialOrHealth
                | Qualification::CollegeSocialOrHealth
                | Qualification::VocationalMentalHealthSpecialist
                | Qualification::VocationalNeuropsychiatricCoach
        )
    }
}

/// A document the provider supplied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProviderDocument {
    /// What it is.
    pub kind: DocumentKind,
    /// Issue date.
    pub issued_on: NaiveDate,
    /// Last day valid, where it expires.
    pub expires_on: Option<NaiveDate>,
}

impl ProviderDocument {
    /// Issued on or before `on` and not expired on `on`.
    pub fn in_force_on(&self, on: NaiveDate) -> bool {
        self.issued_on <= on && self.expires_on.is_none_or(|e| on <= e)
    }
}

/// A member of the provider's staff.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Qualification.
    pub qualification: Qualification,
    /// Professional register number (JulkiSuosikki), for titled professionals.
    pub register_number: Option<String>,
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

/// What approval looks at.
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

/// Soteri classes accepted for SK (PROV-SOTERI, SK 2.2).
pub const SK_SOTERI_CLASSES: [u32; 2] = [2903, 2464];

/// The document kinds required of a provider (PROV-DOCS).
pub fn required_documents(uses_subcontractors: bool) -> Vec<DocumentKind> {
    DocumentKind::ALL
        .into_iter()
        .filter(|k| uses_subcontractors || *k != DocumentKind::SubcontractorStatement)
        .collect()
}

/// PROV-DOCS for documents alone: each required kind present and in force on `on`.
pub fn check_documents(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    on: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for kind in required_documents(uses_subcontractors) {
        let of_kind: Vec<&ProviderDocument> = documents.iter().filter(|d| d.kind == kind).collect();
        if of_kind.iter().any(|d| d.in_force_on(on)) {
            continue;
        }
        // PROV-DOCS
        let (fi, en) = if of_kind.is_empty() {
            ("puuttuu", "is missing")
        } else if of_kind.iter().all(|d| d.issued_on > on) {
            ("ei ole vielä voimassa", "is not yet in force")
        } else {
            ("on vanhentunut", "has expired")
        };
        out.push(Violation::of(
            PROV_DOCS,
            format!("Asiakirja {} ({}) {fi} {on}.", kind.name_fi(), kind.code()),
            format!("Document {} {en} on {on}.", kind.code()),
        ));
    }
    out
}

/// PROV-INSURANCE (KTT 1.4, SK 2.5): liability insurance in force on `on`.
pub fn check_insurance(documents: &[ProviderDocument], on: NaiveDate) -> Vec<Violation> {
    let ok = documents
        .iter()
        .any(|d| d.kind == DocumentKind::LiabilityInsurance && d.in_force_on(on));
    if ok {
        return Vec::new();
    }
    // PROV-INSURANCE
    vec![Violation::of(
        PROV_INSURANCE,
        format!("Palveluntuottajalla ei ole voimassa olevaa vastuuvakuutusta {on}."),
        format!("The provider has no liability insurance in force on {on}."),
    )]
}

/// Every broken approval rule at once: PROV-DOCS (each required kind present and unexpired
/// on `on`; subcontractor statement only if `uses_subcontractors`), PROV-INSURANCE (liability
/// insurance in force), PROV-STAFF-SOCIAL (≥ 1 social-welfare professional per rulebook
/// offered; titled professionals need a register number), PROV-STAFF-COACH (for coaching
/// services), PROV-STAFF-WORK (SK supported work needs coaching competence; participation
/// needs work guidance), PROV-SOTERI (SK offering needs class 2903 and/or 2464), KTT-COMPANY
/// (a company may only offer KTT_INDIVIDUAL under KTT), PROV-PRICE (unit price positive and
/// ≤ the ceiling in force; a missing ceiling price is itself a violation), CAP-GROUP-SIZE
/// (max_group_size required for group services, 1..=12).
pub fn check_approval(
    facts: &ProviderFacts<'_>,
    on: NaiveDate,
    ceiling_price: &dyn Fn(ServiceType) -> Option<Decimal>,
) -> Vec<Violation> {
    let mut out = check_documents(facts.documents, facts.uses_subcontractors, on);
    out.extend(check_insurance(facts.documents, on));
    out.extend(check_staff(facts));
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
        // KTT-COMPANY
        if facts.legal_form == LegalForm::Company
            && o.service.is_ktt()
            && o.service != ServiceType::KttIndividual
        {
            out.push(Violation::of(
                KTT_COMPANY,
                format!(
                    "Yritykseltä voi kuntouttavassa työtoiminnassa hankkia vain yksilövalmennusta, \
                     ei palvelua {}.",
                    o.service.code()
                ),
                format!(
                    "Under KTT a company may offer only individual coaching, not {}.",
                    o.service.code()
                ),
            ));
        }

        // PROV-PRICE
        match ceiling_price(o.service) {
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
    }
    out
}

/// The staff rules alone: PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK.
pub fn check_staff(facts: &ProviderFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();
    let staff = facts.staff;

    // PROV-STAFF-SOCIAL: one professional per rulebook offered (or generally if nothing is offered yet).
    let mut books: Vec<&str> = facts
        .offerings
        .iter()
        .map(|o| o.service.rulebook_code())
        .collect();
    books.sort_unstable();
    books.dedup();
    if books.is_empty() {
        books.push("SK"); // the stricter set: no community pedagogue
        if staff
            .iter()
            .any(|s| s.qualification.is_social_welfare_professional("KTT"))
        {
            books.clear();
        }
    }
    for book in books {
        if !staff
            .iter()
            .any(|s| s.qualification.is_social_welfare_professional(book))
        {
            out.push(Violation::of(
                PROV_STAFF_SOCIAL,
                format!(
                    "Henkilöstössä on oltava vähintään yksi sosiaalihuollon ammattihenkilö \
                     (sosionomi AMK, sosiaalikasvattaja/-ohjaaja tai sosiaalityöntekijä) ({book})."
                ),
                format!(
                    "The staff must include at least one social-welfare professional \
                     (sosionomi, social educator/instructor or social worker) ({book})."
                ),
            ));
        }
    }
    for (i, s) in staff.iter().enumerate() {
        let missing = s
            .register_number
            .as_deref()
            .is_none_or(|r| r.trim().is_empty());
        if s.qualification.requires_register_number() && missing {
            out.push(Violation::of(
                PROV_STAFF_SOCIAL,
                format!(
                    "Työntekijältä {} ({}) puuttuu ammattihenkilörekisterin (JulkiSuosikki) numero.",
                    i + 1,
                    s.qualification.name_fi()
                ),
                format!(
                    "Staff member {} ({}) has no professional register (JulkiSuosikki) number.",
                    i + 1,
                    s.qualification.code()
                ),
            ));
        }
    }

    let has_coach = staff
        .iter()
        .any(|s| s.qualification.has_coaching_competence());
    // PROV-STAFF-COACH
    for o in facts.offerings.iter().filter(|o| o.service.is_coaching()) {
        if !has_coach {
            out.push(Violation::of(
                PROV_STAFF_COACH,
                format!(
                    "Valmennuspalvelu {} edellyttää sosiaali- tai terveysalan AMK- tai opistotason \
                     koulutusta tai lähihoitajan tutkintoa ja erikoisammattitutkintoa.",
                    o.service.code()
                ),
                format!(
                    "Coaching service {} needs staff with a UAS or college-level social or health \
                     degree, or a vocational degree with a specialist qualification.",
                    o.service.code()
                ),
            ));
        }
    }
    // PROV-STAFF-WORK
    for o in facts.offerings {
        let broken = match o.service {
            ServiceType::SkSupportedWork => !has_coach,
            ServiceType::SkParticipation => !staff
                .iter()
                .any(|s| s.qualification == Qualification::WorkGuidance),
            _ => false,
        };
        if broken {
            let (fi, en) = if o.service == ServiceType::SkSupportedWork {
                (
                    "Tuetussa työtoimintavalmennuksessa työryhmään on kuuluttava yksilö- ja \
                     ryhmävalmennuksen osaamista.",
                    "Supported work activity needs individual/group coaching competence in the team.",
                )
            } else {
                (
                    "Osallisuustoiminta edellyttää työtoiminnan ohjauksen ja työvalmennuksen osaamista.",
                    "Participation activity needs work-guidance and work-coaching competence.",
                )
            };
            out.push(Violation::of(PROV_STAFF_WORK, fi, en));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn all_docs() -> Vec<ProviderDocument> {
        DocumentKind::ALL
            .into_iter()
            .map(|kind| ProviderDocument {
                kind,
                issued_on: d(2025, 1, 1),
                expires_on: None,
            })
            .collect()
    }

    fn staff() -> Vec<StaffMember> {
        vec![
            StaffMember {
                qualification: Qualification::Sosionomi,
                register_number: Some("123456789".into()),
            },
            StaffMember {
                qualification: Qualification::WorkGuidance,
                register_number: None,
            },
        ]
    }

    fn ceiling(_: ServiceType) -> Option<Decimal> {
        Some(dec!(70))
    }

    fn offering(service: ServiceType) -> Offering {
        Offering {
            service,
            unit_price: dec!(60),
            max_group_size: service.is_group().then_some(10),
        }
    }

    #[test]
    fn codes_round_trip() {
        for x in LegalForm::ALL {
            assert_eq!(LegalForm::from_code(x.code()), Some(x));
        }
        for x in DocumentKind::ALL {
            assert_eq!(DocumentKind::from_code(x.code()), Some(x));
        }
        for x in Qualification::ALL {
            assert_eq!(Qualification::from_code(x.code()), Some(x));
        }
        assert_eq!(
            DocumentKind::SelfMonitoringPlan.code(),
            "SELF_MONITORING_PLAN"
        );
        assert_eq!(LegalForm::PublicBody.code(), "PUBLIC_BODY");
    }

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
    fn prov_docs_subcontractors_and_future_documents() {
        let mut docs = all_docs();
        docs.retain(|x| x.kind != DocumentKind::SubcontractorStatement);
        assert!(check_documents(&docs, false, d(2025, 6, 1)).is_empty());
        let v = check_documents(&docs, true, d(2025, 6, 1));
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("SUBCONTRACTOR_STATEMENT"));
        let v = check_documents(&docs, false, d(2024, 6, 1));
        assert_eq!(v.len(), 8);
        assert!(v[0].message_en.contains("not yet in force"));
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
        let v = check_approval(&facts, d(2026, 2, 1), &ceiling);
        assert_eq!(
            v.iter().map(|x| x.rule).collect::<Vec<_>>(),
            vec![PROV_STAFF_COACH]
        );
        let staff2 = vec![
            staff[0].clone(),
            StaffMember {
                qualification: Qualification::VocationalNeuropsychiatricCoach,
                register_number: None,
            },
        ];
        let facts = ProviderFacts {
            staff: &staff2,
            ..facts
        };
        assert!(check_approval(&facts, d(2026, 2, 1), &ceiling).is_empty());
    }

    #[test]
    fn community_pedagogue_counts_for_ktt_only() {
        let staff = vec![
            StaffMember {
                qualification: Qualification::CommunityPedagogueAviRegistered,
                register_number: None,
            },
            StaffMember {
                qualification: Qualification::WorkGuidance,
                register_number: None,
            },
        ];
        let ktt = vec![offering(ServiceType::KttAssessment)];
        let facts = ProviderFacts {
            legal_form: LegalForm::Association,
            uses_subcontractors: false,
            documents: &[],
            staff: &staff,
            offerings: &ktt,
            soteri_classes: &[],
        };
        assert!(check_staff(&facts).is_empty());
        let sk = vec![offering(ServiceType::SkParticipation)];
        let facts = ProviderFacts {
            offerings: &sk,
            ..facts
        };
        assert!(has_rule(&check_staff(&facts), PROV_STAFF_SOCIAL));
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
