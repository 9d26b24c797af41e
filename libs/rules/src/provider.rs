//! Provider approval (RULES.md §4): documents, staff, Soteri registration, the KTT-COMPANY
//! restriction, prices and group sizes; the offering rules of SetOffering
//! ([`check_offering`]); and whether a provider may be chosen for a voucher on a date
//! ([`check_choosable`], [`check_choice`]: documents in force, approval, the service offered,
//! PROV-DISTANCE).

use crate::calendar::plus_days;
use crate::catalogue::{GROUP_SIZE_MAX, ServiceType};
use crate::geo::{Coordinates, ServicePlace, check_provider_distance};
use crate::rule_ids::{
    CAP_GROUP_SIZE, KTT_COMPANY, PROV_DOCS, PROV_INSURANCE, PROV_PRICE, PROV_SOTERI,
    PROV_STAFF_COACH, PROV_STAFF_SOCIAL, PROV_STAFF_WORK, PROVIDER_NOT_APPROVED,
    SERVICE_NOT_OFFERED,
};
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
        /// Other social-science university degree (social psychology, sociology, social
        /// pedagogy …): counts only once the county accepted it for that staff member.
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

    /// Counts by itself as the social-welfare professional of PROV-STAFF-SOCIAL under the
    /// given rulebook (`"KTT"` or `"SK"`). The AVI-registered community pedagogue counts for
    /// KTT only. An [`Qualification::OtherSocialScienceDegree`] does *not* count by itself: it
    /// is accepted case by case ([`StaffRecord::degree_accepted_by_county`]).
    pub fn is_social_welfare_professional(self, rulebook: &str) -> bool {
        match self {
            Qualification::Sosionomi
            | Qualification::SocialEducator
            | Qualification::SocialInstructor
            | Qualification::SocialWorker => true,
            Qualification::CommunityPedagogueAviRegistered => rulebook == "KTT",
            _ => false,
        }
    }

    /// Counts as the social-welfare professional only once the county accepted the degree of
    /// the staff member (case by case, at application).
    pub fn needs_county_acceptance(self) -> bool {
        self == Qualification::OtherSocialScienceDegree
    }

    /// A qualification for work coaching only (KTT 1.1 (3): professionals of any field).
    /// [`StaffRecord::from`] presumes its holders do no individual or group coaching.
    pub fn is_work_coaching_only(self) -> bool {
        matches!(
            self,
            Qualification::WorkGuidance | Qualification::OtherField
        )
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

/// A member of the provider's staff (the original form; see [`StaffRecord`] for the facts
/// PROV-STAFF-SOCIAL and PROV-STAFF-COACH need).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffMember {
    /// Qualification.
    pub qualification: Qualification,
    /// Professional register number (JulkiSuosikki), for titled professionals.
    pub register_number: Option<String>,
}

/// A member of the provider's staff, with the facts the staff rules need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaffRecord {
    /// Qualification.
    pub qualification: Qualification,
    /// Professional register number (JulkiSuosikki), for titled professionals.
    pub register_number: Option<String>,
    /// PROV-STAFF-SOCIAL: `county_admin` accepted this member's other social-science degree
    /// (case by case). Only then does [`Qualification::OtherSocialScienceDegree`] count.
    pub degree_accepted_by_county: bool,
    /// PROV-STAFF-COACH: the member does individual or group coaching client work (KTT
    /// coaching, the coaching inside KTT work activity, SK coaching); such a member must
    /// have the coaching competence.
    pub does_coaching: bool,
}

impl From<&StaffMember> for StaffRecord {
    /// The facts a [`StaffMember`] does not carry are presumed: the degree is *not* accepted
    /// by the county, and the member does coaching unless their qualification is for work
    /// coaching only ([`Qualification::is_work_coaching_only`]).
    fn from(m: &StaffMember) -> Self {
        StaffRecord {
            qualification: m.qualification,
            register_number: m.register_number.clone(),
            degree_accepted_by_county: false,
            does_coaching: !m.qualification.is_work_coaching_only(),
        }
    }
}

impl StaffRecord {
    /// Counts as the social-welfare professional of PROV-STAFF-SOCIAL under `rulebook`.
    pub fn is_social_welfare_professional(&self, rulebook: &str) -> bool {
        self.qualification.is_social_welfare_professional(rulebook)
            || (self.qualification.needs_county_acceptance() && self.degree_accepted_by_county)
    }

    /// A qualified coach: does coaching and has the coaching competence.
    pub fn is_qualified_coach(&self) -> bool {
        self.does_coaching && self.qualification.has_coaching_competence()
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

/// Days before a document's expiry the county is warned (configurable; RULES.md §4).
pub const DEFAULT_EXPIRY_WARNING_DAYS: u64 = 30;

/// The rules checked when a provider sets an offering, whatever its approval state
/// ([`check_offering`]): the rules about the offering itself.
pub const OFFERING_RULES: [&str; 3] = [PROV_PRICE, CAP_GROUP_SIZE, KTT_COMPANY];

/// The document kinds required of a provider offering everything (PROV-DOCS), including the
/// group insurance that only KTT offerings need; see [`required_documents_for`].
pub fn required_documents(uses_subcontractors: bool) -> Vec<DocumentKind> {
    required_documents_for(uses_subcontractors, true)
}

/// The document kinds required of a provider (PROV-DOCS, KTT 1.2, SK 2.3): every kind, except
/// the subcontractor statement (only if it uses subcontractors) and the group insurance for
/// personal and property damage (only for KTT offerings: the county insures SK clients with
/// group accident insurance itself, SK 2.5).
pub fn required_documents_for(uses_subcontractors: bool, offers_ktt: bool) -> Vec<DocumentKind> {
    DocumentKind::ALL
        .into_iter()
        .filter(|k| uses_subcontractors || *k != DocumentKind::SubcontractorStatement)
        .filter(|k| offers_ktt || *k != DocumentKind::GroupInsurance)
        .collect()
}

/// PROV-DOCS for documents alone, for a provider offering everything (group insurance
/// included): each required kind present and in force on `on`. See [`check_documents_for`].
pub fn check_documents(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    on: NaiveDate,
) -> Vec<Violation> {
    check_documents_for(documents, uses_subcontractors, true, on)
}

/// PROV-DOCS: each kind of [`required_documents_for`] present and in force on `on` (issued
/// on or before it, not expired).
pub fn check_documents_for(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    offers_ktt: bool,
    on: NaiveDate,
) -> Vec<Violation> {
    let mut out = Vec::new();
    for kind in required_documents_for(uses_subcontractors, offers_ktt) {
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

/// Whether an (approved) provider may be chosen for a new voucher for `service` on `on` as
/// far as its documents go (RULES.md §4: from a required document's expiry date it may no
/// longer be chosen; checked at ChooseProvider on that day): PROV-DOCS for the documents the
/// service requires ([`required_documents_for`] with the service's rulebook) and
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

/// Where a required document stands on a date, for the county's view.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentStatus {
    /// Expired (no document of the kind in force; the last one expired on the date).
    Expired {
        /// The last expiry date.
        expired_on: NaiveDate,
    },
    /// In force, but expiring within the warning window.
    Expiring {
        /// The last day valid.
        expires_on: NaiveDate,
    },
}

/// A required document that has expired or expires soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentAlert {
    /// Which document.
    pub kind: DocumentKind,
    /// Expired or expiring.
    pub status: DocumentStatus,
}

/// The required documents (see [`required_documents_for`]) that have expired on `on`, or are
/// in force but expire within `warn_days` days (default [`DEFAULT_EXPIRY_WARNING_DAYS`]); a
/// kind with a later document in force that does not expire soon is not reported. Missing
/// kinds are PROV-DOCS violations ([`check_documents_for`]), not alerts.
pub fn document_alerts(
    documents: &[ProviderDocument],
    uses_subcontractors: bool,
    offers_ktt: bool,
    on: NaiveDate,
    warn_days: u64,
) -> Vec<DocumentAlert> {
    let horizon = plus_days(on, warn_days);
    let mut out = Vec::new();
    for kind in required_documents_for(uses_subcontractors, offers_ktt) {
        let of_kind: Vec<&ProviderDocument> = documents.iter().filter(|d| d.kind == kind).collect();
        let in_force: Vec<&&ProviderDocument> =
            of_kind.iter().filter(|d| d.in_force_on(on)).collect();
        if in_force.is_empty() {
            if let Some(expired_on) = of_kind
                .iter()
                .filter_map(|d| d.expires_on)
                .filter(|e| *e < on)
                .max()
            {
                out.push(DocumentAlert {
                    kind,
                    status: DocumentStatus::Expired { expired_on },
                });
            }
            continue;
        }
        // The latest cover among documents in force (None = does not expire).
        let latest = in_force
            .iter()
            .map(|d| d.expires_on)
            .max_by(|a, b| match (a, b) {
                (None, None) => std::cmp::Ordering::Equal,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (Some(_), None) => std::cmp::Ordering::Less,
                (Some(x), Some(y)) => x.cmp(y),
            })
            .flatten();
        if let Some(expires_on) = latest
            && expires_on <= horizon
        {
            out.push(DocumentAlert {
                kind,
                status: DocumentStatus::Expiring { expires_on },
            });
        }
    }
    out
}

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

/// The staff rules:
/// - PROV-STAFF-SOCIAL: at least one social-welfare professional per rulebook offered (an
///   other social-science degree only once the county accepted it; the AVI-registered
///   community pedagogue for KTT only); titled professionals need a register number;
/// - PROV-STAFF-COACH: every staff member who does coaching has the coaching competence, and
///   each offering that includes coaching ([`ServiceType::includes_coaching`]: every KTT
///   service, SK individual and group coaching) has at least one qualified coach;
/// - PROV-STAFF-WORK: SK supported work needs the coaching competence in the team; SK
///   participation needs work-guidance competence.
pub fn check_staff_records(staff: &[StaffRecord], offerings: &[Offering]) -> Vec<Violation> {
    let mut out = Vec::new();

    // PROV-STAFF-SOCIAL: one professional per rulebook offered (or generally if nothing is offered yet).
    let mut books: Vec<&str> = offerings
        .iter()
        .map(|o| o.service.rulebook_code())
        .collect();
    books.sort_unstable();
    books.dedup();
    if books.is_empty() {
        books.push("SK"); // the stricter set: no community pedagogue
        if staff
            .iter()
            .any(|s| s.is_social_welfare_professional("KTT"))
        {
            books.clear();
        }
    }
    for book in books {
        if !staff.iter().any(|s| s.is_social_welfare_professional(book)) {
            out.push(Violation::of(
                PROV_STAFF_SOCIAL,
                format!(
                    "Henkilöstössä on oltava vähintään yksi sosiaalihuollon ammattihenkilö \
                     (sosionomi AMK, sosiaalikasvattaja/-ohjaaja tai sosiaalityöntekijä; muu \
                     yhteiskuntatieteellinen tutkinto vain hyvinvointialueen hyväksymänä) ({book})."
                ),
                format!(
                    "The staff must include at least one social-welfare professional \
                     (sosionomi, social educator/instructor or social worker; another \
                     social-science degree only once the county accepted it) ({book})."
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

    // PROV-STAFF-COACH: every coach qualifies ...
    for (i, s) in staff.iter().enumerate() {
        if s.does_coaching && !s.qualification.has_coaching_competence() {
            out.push(Violation::of(
                PROV_STAFF_COACH,
                format!(
                    "Työntekijä {} ({}) tekee yksilö- tai ryhmävalmennusta ilman sosiaali- tai \
                     terveysalan AMK- tai opistotason koulutusta tai lähihoitajan tutkintoa ja \
                     erikoisammattitutkintoa.",
                    i + 1,
                    s.qualification.name_fi()
                ),
                format!(
                    "Staff member {} ({}) does individual or group coaching without a UAS or \
                     college-level social or health degree, or a vocational degree with a \
                     specialist qualification.",
                    i + 1,
                    s.qualification.code()
                ),
            ));
        }
    }
    // ... and each service that includes coaching has a qualified coach.
    let has_qualified_coach = staff.iter().any(StaffRecord::is_qualified_coach);
    for o in offerings.iter().filter(|o| o.service.includes_coaching()) {
        if !has_qualified_coach {
            out.push(Violation::of(
                PROV_STAFF_COACH,
                format!(
                    "Palveluun {} sisältyvä valmennus edellyttää valmentajaa, jolla on sosiaali- \
                     tai terveysalan AMK- tai opistotason koulutus tai lähihoitajan tutkinto ja \
                     erikoisammattitutkinto.",
                    o.service.code()
                ),
                format!(
                    "The coaching included in {} needs a coach with a UAS or college-level social \
                     or health degree, or a vocational degree with a specialist qualification.",
                    o.service.code()
                ),
            ));
        }
    }

    // PROV-STAFF-WORK
    let team_has_coaching_competence = staff
        .iter()
        .any(|s| s.qualification.has_coaching_competence());
    for o in offerings {
        let broken = match o.service {
            ServiceType::SkSupportedWork => !team_has_coaching_competence,
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

    fn record(q: Qualification, does_coaching: bool) -> StaffRecord {
        StaffRecord {
            qualification: q,
            register_number: q.requires_register_number().then(|| "123".to_string()),
            degree_accepted_by_county: false,
            does_coaching,
        }
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
    fn every_coach_must_qualify_not_just_one() {
        let offerings = vec![offering(ServiceType::KttGroup)];
        let staff = vec![
            record(Qualification::Sosionomi, true),
            record(Qualification::CommunityPedagogue, true),
        ];
        let v = check_staff_records(&staff, &offerings);
        assert_eq!(
            v.iter().map(|x| x.rule).collect::<Vec<_>>(),
            vec![PROV_STAFF_COACH]
        );
        assert!(v[0].message_en.contains("Staff member 2"));
        // A work coach of another field who does not coach is fine (KTT 1.1 (3)).
        let staff = vec![
            record(Qualification::Sosionomi, true),
            record(Qualification::OtherField, false),
        ];
        assert!(check_staff_records(&staff, &offerings).is_empty());
    }

    #[test]
    fn ktt_work_activity_needs_a_qualified_coach() {
        for service in [ServiceType::KttAssessment, ServiceType::KttWorkCapacity] {
            let offerings = vec![offering(service)];
            let staff = vec![
                record(Qualification::CommunityPedagogueAviRegistered, false),
                record(Qualification::WorkGuidance, false),
            ];
            let v = check_staff_records(&staff, &offerings);
            assert!(has_rule(&v, PROV_STAFF_COACH), "{service}: {v:?}");
            assert!(!has_rule(&v, PROV_STAFF_SOCIAL));
            let staff = vec![
                staff[0].clone(),
                staff[1].clone(),
                record(Qualification::UasSocialOrHealth, true),
            ];
            assert!(check_staff_records(&staff, &offerings).is_empty());
        }
        // A qualified person who does not coach is no coach.
        let staff = vec![record(Qualification::Sosionomi, false)];
        assert!(has_rule(
            &check_staff_records(&staff, &[offering(ServiceType::KttIndividual)]),
            PROV_STAFF_COACH
        ));
        // SK participation includes no coaching.
        let staff = vec![
            record(Qualification::Sosionomi, false),
            record(Qualification::WorkGuidance, false),
        ];
        assert!(check_staff_records(&staff, &[offering(ServiceType::SkParticipation)]).is_empty());
    }

    #[test]
    fn other_social_science_degree_needs_county_acceptance() {
        let offerings = vec![offering(ServiceType::SkGroup)];
        let coach = record(Qualification::UasSocialOrHealth, true);
        let not_accepted = vec![
            record(Qualification::OtherSocialScienceDegree, false),
            coach.clone(),
        ];
        assert!(has_rule(
            &check_staff_records(&not_accepted, &offerings),
            PROV_STAFF_SOCIAL
        ));
        let accepted = vec![
            StaffRecord {
                degree_accepted_by_county: true,
                ..record(Qualification::OtherSocialScienceDegree, false)
            },
            coach,
        ];
        assert!(check_staff_records(&accepted, &offerings).is_empty());
        assert!(!Qualification::OtherSocialScienceDegree.is_social_welfare_professional("SK"));
        // The acceptance flag means nothing for other qualifications.
        let flag_only = vec![StaffRecord {
            degree_accepted_by_county: true,
            ..record(Qualification::OtherField, false)
        }];
        assert!(has_rule(
            &check_staff_records(&flag_only, &offerings),
            PROV_STAFF_SOCIAL
        ));
    }

    #[test]
    fn community_pedagogue_counts_for_ktt_only() {
        let staff = vec![
            record(Qualification::CommunityPedagogueAviRegistered, false),
            record(Qualification::UasSocialOrHealth, true),
            record(Qualification::WorkGuidance, false),
        ];
        let ktt = vec![offering(ServiceType::KttAssessment)];
        assert!(check_staff_records(&staff, &ktt).is_empty());
        let sk = vec![offering(ServiceType::SkParticipation)];
        assert!(has_rule(
            &check_staff_records(&staff, &sk),
            PROV_STAFF_SOCIAL
        ));
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
    fn expiring_and_expired_documents() {
        let mut docs = all_docs();
        docs.retain(|x| x.kind != DocumentKind::SubcontractorStatement);
        for doc in &mut docs {
            match doc.kind {
                DocumentKind::TaxCertificate => doc.expires_on = Some(d(2026, 3, 20)),
                DocumentKind::LiabilityInsurance => doc.expires_on = Some(d(2026, 2, 28)),
                _ => {}
            }
        }
        // A renewed pension certificate: the old one expired, the new one runs on.
        docs.push(ProviderDocument {
            kind: DocumentKind::PensionInsuranceCertificate,
            issued_on: d(2024, 1, 1),
            expires_on: Some(d(2025, 1, 1)),
        });
        let alerts = document_alerts(
            &docs,
            false,
            true,
            d(2026, 3, 1),
            DEFAULT_EXPIRY_WARNING_DAYS,
        );
        assert_eq!(
            alerts,
            vec![
                DocumentAlert {
                    kind: DocumentKind::LiabilityInsurance,
                    status: DocumentStatus::Expired {
                        expired_on: d(2026, 2, 28)
                    },
                },
                DocumentAlert {
                    kind: DocumentKind::TaxCertificate,
                    status: DocumentStatus::Expiring {
                        expires_on: d(2026, 3, 20)
                    },
                },
            ]
        );
        assert_eq!(
            document_alerts(&docs, false, true, d(2026, 3, 1), 10).len(),
            1
        );
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

    #[test]
    fn a_provider_that_is_not_approved_may_not_work_on_vouchers() {
        let refused = check_provider_may_work(false, "Keskeytetty Oy");
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].rule, PROVIDER_NOT_APPROVED);
        assert!(check_provider_may_work(true, "Hyväksytty Oy").is_empty());
    }
}
