//! Who may get a voucher (RULES.md §2): ELIG-AGE, ELIG-RESIDENCE, KTT-ELIG-UNEMPLOYED,
//! KTT-ELIG-PLAN, SK-ELIG-NEED, SK-TTV-4DAYS.

use crate::catalogue::ServiceType;
use crate::ids::age_on;
use crate::rule_ids::{
    ELIG_AGE, ELIG_RESIDENCE, KTT_ELIG_PLAN, KTT_ELIG_UNEMPLOYED, SK_ELIG_NEED, SK_TTV_4DAYS,
};
use crate::violation::Violation;
use chrono::NaiveDate;

/// The county's 19 municipalities (ELIG-RESIDENCE).
pub const MUNICIPALITIES: [&str; 19] = [
    "Iisalmi",
    "Joroinen",
    "Kaavi",
    "Keitele",
    "Kiuruvesi",
    "Kuopio",
    "Lapinlahti",
    "Leppävirta",
    "Pielavesi",
    "Rautalampi",
    "Rautavaara",
    "Siilinjärvi",
    "Sonkajärvi",
    "Suonenjoki",
    "Tervo",
    "Tuusniemi",
    "Varkaus",
    "Vesanto",
    "Vieremä",
];

/// Age bounds of ELIG-AGE (inclusive).
pub const MIN_AGE: u32 = 18;
/// Age bounds of ELIG-AGE (inclusive).
pub const MAX_AGE: u32 = 64;

/// Whether `name` is one of [`MUNICIPALITIES`] (case-insensitive, surrounding whitespace ignored).
pub fn is_county_municipality(name: &str) -> bool {
    let n = name.trim().to_lowercase();
    MUNICIPALITIES.iter().any(|m| m.to_lowercase() == n)
}

/// The benefit a KTT client receives (KTT-ELIG-UNEMPLOYED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnemploymentBenefit {
    /// Labour market subsidy (työmarkkinatuki).
    LabourMarketSubsidy,
    /// Social assistance (toimeentulotuki) on the basis of unemployment.
    SocialAssistance,
    /// Neither.
    None,
}

/// The plan a KTT voucher rests on (KTT-ELIG-PLAN).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PlanKind {
    /// Aktivointisuunnitelma.
    ActivationPlan,
    /// Monialainen työllistymissuunnitelma.
    MultiSectoralEmploymentPlan,
}

/// A plan reference recorded on the decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EmploymentPlan<'a> {
    /// Which plan.
    pub kind: PlanKind,
    /// Its reference (must not be blank).
    pub reference: &'a str,
}

/// The social-welfare service-need assessment (SK-ELIG-NEED).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct NeedAssessment {
    /// A need to strengthen social functioning, prevent exclusion and/or promote inclusion.
    pub social_rehabilitation_need: bool,
    /// A need for daily-living, household or money-management support (SK_INDIVIDUAL_DAILY_LIVING).
    pub daily_living_need: bool,
}

/// The SK-TTV-4DAYS request on a supported-work decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FourDayRequest<'a> {
    /// The client is not entitled to KTT.
    pub not_entitled_to_ktt: bool,
    /// Why the intensity especially supports the rehabilitation path (must not be blank).
    pub justification: &'a str,
}

/// The facts eligibility looks at.
#[derive(Debug, Clone, Copy)]
pub struct EligibilityFacts<'a> {
    /// The service applied for.
    pub service: ServiceType,
    /// The voucher's start date (age is checked on it).
    pub start_date: NaiveDate,
    /// The client's date of birth.
    pub birth_date: NaiveDate,
    /// The client's home municipality.
    pub municipality: &'a str,
    /// KTT: job search in force.
    pub job_search_in_force: bool,
    /// KTT: the unemployment-based benefit.
    pub benefit: UnemploymentBenefit,
    /// KTT: the plan the decision rests on.
    pub plan: Option<EmploymentPlan<'a>>,
    /// SK: the service-need assessment.
    pub need_assessment: Option<NeedAssessment>,
    /// SK supported work: the 4-days-a-week variant requested.
    pub four_day_variant: Option<FourDayRequest<'a>>,
}

/// Every eligibility rule the client breaks for the service on the start date.
pub fn check_eligibility(f: &EligibilityFacts<'_>) -> Vec<Violation> {
    let mut out = Vec::new();

    // ELIG-AGE
    match age_on(f.birth_date, f.start_date) {
        Some(age) if (MIN_AGE..=MAX_AGE).contains(&age) => {}
        age => {
            let shown = age.map_or_else(|| "–".to_string(), |a| a.to_string());
            out.push(Violation::of(
                ELIG_AGE,
                format!(
                    "Asiakas on {} palvelun alkaessa {shown}-vuotias; palvelu on 18–64-vuotiaille.",
                    f.start_date
                ),
                format!(
                    "The client is {shown} years old on {}; the service is for ages 18-64.",
                    f.start_date
                ),
            ));
        }
    }

    // ELIG-RESIDENCE
    if !is_county_municipality(f.municipality) {
        out.push(Violation::of(
            ELIG_RESIDENCE,
            format!(
                "Kotikunta {:?} ei ole Pohjois-Savon hyvinvointialueen kunta.",
                f.municipality
            ),
            format!(
                "Home municipality {:?} is not in Pohjois-Savo.",
                f.municipality
            ),
        ));
    }

    if f.service.is_ktt() {
        // KTT-ELIG-UNEMPLOYED
        if !f.job_search_in_force {
            out.push(Violation::of(
                KTT_ELIG_UNEMPLOYED,
                "Asiakkaalla ei ole työnhakua voimassa.",
                "The client's job search is not in force.",
            ));
        }
        if f.benefit == UnemploymentBenefit::None {
            out.push(Violation::of(
                KTT_ELIG_UNEMPLOYED,
                "Asiakas ei saa työttömyyden perusteella työmarkkinatukea tai toimeentulotukea.",
                "The client receives neither labour market subsidy nor social assistance on the basis of unemployment.",
            ));
        }
        // KTT-ELIG-PLAN
        if f.plan.is_none_or(|p| p.reference.trim().is_empty()) {
            out.push(Violation::of(
                KTT_ELIG_PLAN,
                "Päätökseen on kirjattava aktivointisuunnitelma tai monialainen työllistymissuunnitelma.",
                "The decision must record an activation plan or a multi-sectoral employment plan.",
            ));
        }
    } else {
        // SK-ELIG-NEED
        let need = f.need_assessment.unwrap_or_default();
        if !need.social_rehabilitation_need {
            out.push(Violation::of(
                SK_ELIG_NEED,
                "Palvelutarpeen arvioinnissa ei ole todettu tarvetta sosiaalisen toimintakyvyn \
                 vahvistamiseen, syrjäytymisen torjuntaan tai osallisuuden edistämiseen.",
                "No service-need assessment identified a need to strengthen social functioning, \
                 prevent exclusion or promote inclusion.",
            ));
        }
        if f.service == ServiceType::SkIndividualDailyLiving && !need.daily_living_need {
            out.push(Violation::of(
                SK_ELIG_NEED,
                "Arkielämän taitojen yksilövalmennus edellyttää, että arvioinnissa on todettu tarve \
                 arkielämän taitojen, kodinaskareiden tai talouden hallinnan tukeen.",
                "Daily-living individual coaching needs an assessed need for daily-living, household \
                 or money-management support.",
            ));
        }
    }

    // SK-TTV-4DAYS
    if let Some(req) = f.four_day_variant {
        if f.service != ServiceType::SkSupportedWork {
            out.push(Violation::of(
                SK_TTV_4DAYS,
                "Neljän päivän viikkomäärä on mahdollinen vain tuetussa työtoimintavalmennuksessa.",
                "The 4-days-a-week variant exists only for supported work activity.",
            ));
        }
        if !req.not_entitled_to_ktt {
            out.push(Violation::of(
                SK_TTV_4DAYS,
                "Neljän päivän viikkomäärä on vain henkilöille, jotka eivät ole oikeutettuja kuntouttavaan työtoimintaan.",
                "The 4-days-a-week variant is only for persons not entitled to KTT.",
            ));
        }
        if req.justification.trim().is_empty() {
            out.push(Violation::of(
                SK_TTV_4DAYS,
                "Päätökseen on kirjattava perustelu neljän päivän viikkomäärälle.",
                "The decision must record why the 4-days-a-week intensity is justified.",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn ktt() -> EligibilityFacts<'static> {
        EligibilityFacts {
            service: ServiceType::KttWorkCapacity,
            start_date: d(2026, 3, 1),
            birth_date: d(1990, 5, 5),
            municipality: "Kuopio",
            job_search_in_force: true,
            benefit: UnemploymentBenefit::LabourMarketSubsidy,
            plan: Some(EmploymentPlan {
                kind: PlanKind::ActivationPlan,
                reference: "AS-2026-1",
            }),
            need_assessment: None,
            four_day_variant: None,
        }
    }

    fn sk() -> EligibilityFacts<'static> {
        EligibilityFacts {
            service: ServiceType::SkSupportedWork,
            job_search_in_force: false,
            benefit: UnemploymentBenefit::None,
            plan: None,
            need_assessment: Some(NeedAssessment {
                social_rehabilitation_need: true,
                daily_living_need: false,
            }),
            ..ktt()
        }
    }

    #[test]
    fn eligible_clients_pass() {
        assert!(check_eligibility(&ktt()).is_empty());
        assert!(check_eligibility(&sk()).is_empty());
        assert!(
            check_eligibility(&EligibilityFacts {
                municipality: " leppävirta ",
                ..ktt()
            })
            .is_empty()
        );
    }

    #[test]
    fn age_bounds() {
        let start = d(2026, 3, 1);
        let f = |b| {
            check_eligibility(&EligibilityFacts {
                birth_date: b,
                ..ktt()
            })
        };
        assert!(f(d(2008, 3, 1)).is_empty()); // 18 today
        assert!(has_rule(&f(d(2008, 3, 2)), ELIG_AGE)); // 17
        assert!(f(d(1961, 3, 2)).is_empty()); // 64
        assert!(has_rule(&f(d(1961, 3, 1)), ELIG_AGE)); // 65 today
        assert!(has_rule(&f(d(2030, 1, 1)), ELIG_AGE)); // not born
        let _ = start;
    }

    #[test]
    fn residence() {
        let v = check_eligibility(&EligibilityFacts {
            municipality: "Helsinki",
            ..ktt()
        });
        assert!(has_rule(&v, ELIG_RESIDENCE));
        assert_eq!(MUNICIPALITIES.len(), 19);
        assert!(MUNICIPALITIES.iter().all(|m| is_county_municipality(m)));
    }

    #[test]
    fn ktt_rules_all_at_once() {
        let v = check_eligibility(&EligibilityFacts {
            job_search_in_force: false,
            benefit: UnemploymentBenefit::None,
            plan: Some(EmploymentPlan {
                kind: PlanKind::MultiSectoralEmploymentPlan,
                reference: " ",
            }),
            ..ktt()
        });
        assert_eq!(
            v.iter().filter(|x| x.rule == KTT_ELIG_UNEMPLOYED).count(),
            2
        );
        assert!(has_rule(&v, KTT_ELIG_PLAN));
        assert!(
            check_eligibility(&EligibilityFacts {
                benefit: UnemploymentBenefit::SocialAssistance,
                ..ktt()
            })
            .is_empty()
        );
    }

    #[test]
    fn sk_need() {
        let v = check_eligibility(&EligibilityFacts {
            need_assessment: None,
            ..sk()
        });
        assert!(has_rule(&v, SK_ELIG_NEED));
        let dl = EligibilityFacts {
            service: ServiceType::SkIndividualDailyLiving,
            ..sk()
        };
        assert!(has_rule(&check_eligibility(&dl), SK_ELIG_NEED));
        let dl = EligibilityFacts {
            need_assessment: Some(NeedAssessment {
                social_rehabilitation_need: true,
                daily_living_need: true,
            }),
            ..dl
        };
        assert!(check_eligibility(&dl).is_empty());
    }

    #[test]
    fn four_day_variant() {
        let ok = FourDayRequest {
            not_entitled_to_ktt: true,
            justification: "Siirtyminen kouluun syksyllä",
        };
        assert!(
            check_eligibility(&EligibilityFacts {
                four_day_variant: Some(ok),
                ..sk()
            })
            .is_empty()
        );
        let bad = FourDayRequest {
            not_entitled_to_ktt: false,
            justification: "",
        };
        let v = check_eligibility(&EligibilityFacts {
            service: ServiceType::SkParticipation,
            four_day_variant: Some(bad),
            ..sk()
        });
        assert_eq!(v.iter().filter(|x| x.rule == SK_TTV_4DAYS).count(), 3);
    }
}
