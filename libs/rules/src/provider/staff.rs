//! The provider's staff (PROV-STAFF-*: KTT 1.1, SK 2.1): qualifications and what each counts
//! as, a staff member's record, and the staff rules over the services offered
//! ([`check_staff_records`]: PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK).

use crate::catalogue::ServiceType;
use crate::rule_ids::{PROV_STAFF_COACH, PROV_STAFF_SOCIAL, PROV_STAFF_WORK};
use crate::violation::Violation;

use super::offerings::Offering;

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::fixtures::{offering, record};
    use crate::violation::has_rule;

    #[test]
    fn qualification_codes_round_trip() {
        for x in Qualification::ALL {
            assert_eq!(Qualification::from_code(x.code()), Some(x));
        }
    }

    #[test]
    fn a_staff_member_is_presumed_to_coach_unless_qualified_for_work_coaching_only() {
        let member = |qualification| StaffMember {
            qualification,
            register_number: None,
        };
        let coach = StaffRecord::from(&member(Qualification::UasSocialOrHealth));
        assert!(coach.does_coaching && coach.is_qualified_coach());
        assert!(!coach.degree_accepted_by_county);
        for q in [Qualification::WorkGuidance, Qualification::OtherField] {
            assert!(!StaffRecord::from(&member(q)).does_coaching, "{q:?}");
        }
        // Presumed to coach, without the competence: no qualified coach.
        assert!(
            !StaffRecord::from(&member(Qualification::CommunityPedagogue)).is_qualified_coach()
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
}
