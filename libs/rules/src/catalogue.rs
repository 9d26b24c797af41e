//! The service catalogue (RULES.md §3) and the rulebooks, versioned by effective date.
//!
//! A rulebook is *data*: adding a later version of a rulebook means adding a [`Rulebook`]
//! value to [`RULEBOOKS`] (plus tests). The rulebook in force on a decision's date governs
//! that voucher for its whole life; see [`rulebook_for`].

use crate::rule_ids::RULEBOOK_IN_FORCE;
use crate::violation::Violation;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use std::fmt;

/// The unit a service is granted and billed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Unit {
    /// One hour (tunti).
    Hour,
    /// One activity day (toimintapäivä).
    Day,
}

impl Unit {
    /// `"HOUR"` or `"DAY"`.
    pub fn code(self) -> &'static str {
        match self {
            Unit::Hour => "HOUR",
            Unit::Day => "DAY",
        }
    }
    /// Finnish name of the unit (singular).
    pub fn name_fi(self) -> &'static str {
        match self {
            Unit::Hour => "tunti",
            Unit::Day => "toimintapäivä",
        }
    }
}

/// A voucher service of the KTT or SK rulebook (RULES.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ServiceType {
    /// `KTT_INDIVIDUAL` yksilövalmennus (KTT 2.2.1).
    KttIndividual,
    /// `KTT_GROUP` ryhmävalmennus (KTT 2.2.2).
    KttGroup,
    /// `KTT_ASSESSMENT` kartoittava kuntouttava työtoiminta (KTT 2.2.3).
    KttAssessment,
    /// `KTT_WORK_CAPACITY` työ- ja toimintakykyä edistävä kuntouttava työtoiminta (KTT 2.2.4).
    KttWorkCapacity,
    /// `SK_INDIVIDUAL` yksilövalmennus (SK 4.2.1).
    SkIndividual,
    /// `SK_INDIVIDUAL_DAILY_LIVING` yksilövalmennus, arkielämän taidot (SK 6).
    SkIndividualDailyLiving,
    /// `SK_GROUP` ryhmävalmennus (SK 4.2.2).
    SkGroup,
    /// `SK_SUPPORTED_WORK` tuettu työtoimintavalmennus (SK 4.2.3).
    SkSupportedWork,
    /// `SK_PARTICIPATION` osallisuustoiminta (SK 4.2.4).
    SkParticipation,
}

impl ServiceType {
    /// Every service, in catalogue order.
    pub const ALL: [ServiceType; 9] = [
        ServiceType::KttIndividual,
        ServiceType::KttGroup,
        ServiceType::KttAssessment,
        ServiceType::KttWorkCapacity,
        ServiceType::SkIndividual,
        ServiceType::SkIndividualDailyLiving,
        ServiceType::SkGroup,
        ServiceType::SkSupportedWork,
        ServiceType::SkParticipation,
    ];

    /// The service id of RULES.md §3, e.g. `"KTT_INDIVIDUAL"`.
    pub fn code(self) -> &'static str {
        match self {
            ServiceType::KttIndividual => "KTT_INDIVIDUAL",
            ServiceType::KttGroup => "KTT_GROUP",
            ServiceType::KttAssessment => "KTT_ASSESSMENT",
            ServiceType::KttWorkCapacity => "KTT_WORK_CAPACITY",
            ServiceType::SkIndividual => "SK_INDIVIDUAL",
            ServiceType::SkIndividualDailyLiving => "SK_INDIVIDUAL_DAILY_LIVING",
            ServiceType::SkGroup => "SK_GROUP",
            ServiceType::SkSupportedWork => "SK_SUPPORTED_WORK",
            ServiceType::SkParticipation => "SK_PARTICIPATION",
        }
    }

    /// Parses a service id of RULES.md §3 (exact, case-sensitive).
    pub fn from_code(s: &str) -> Option<ServiceType> {
        Self::ALL.into_iter().find(|t| t.code() == s)
    }

    /// `"KTT"` or `"SK"`.
    pub fn rulebook_code(self) -> &'static str {
        if self.is_ktt() { "KTT" } else { "SK" }
    }

    /// Whether the service is under the KTT rulebook.
    pub fn is_ktt(self) -> bool {
        matches!(
            self,
            ServiceType::KttIndividual
                | ServiceType::KttGroup
                | ServiceType::KttAssessment
                | ServiceType::KttWorkCapacity
        )
    }

    /// Whether the service is under the SK rulebook.
    pub fn is_sk(self) -> bool {
        !self.is_ktt()
    }

    /// Individual or group coaching (KTT_INDIVIDUAL, KTT_GROUP, SK_INDIVIDUAL,
    /// SK_INDIVIDUAL_DAILY_LIVING, SK_GROUP).
    pub fn is_coaching(self) -> bool {
        matches!(
            self,
            ServiceType::KttIndividual
                | ServiceType::KttGroup
                | ServiceType::SkIndividual
                | ServiceType::SkIndividualDailyLiving
                | ServiceType::SkGroup
        )
    }

    /// Individual coaching only (KTT_INDIVIDUAL, SK_INDIVIDUAL, SK_INDIVIDUAL_DAILY_LIVING).
    pub fn is_individual_coaching(self) -> bool {
        matches!(
            self,
            ServiceType::KttIndividual
                | ServiceType::SkIndividual
                | ServiceType::SkIndividualDailyLiving
        )
    }

    /// KTT work activity (KTT_ASSESSMENT, KTT_WORK_CAPACITY): days of work activity that
    /// include individual coaching (KTT 2.2.3 (5), 2.2.4 (5)); per person 1–4 days a week.
    pub fn is_ktt_work_activity(self) -> bool {
        matches!(
            self,
            ServiceType::KttAssessment | ServiceType::KttWorkCapacity
        )
    }

    /// Services whose delivery includes individual or group coaching by the provider's client
    /// staff (PROV-STAFF-COACH: KTT 1.1 (2), SK 2.1 (2)): every KTT service (individual and
    /// group coaching, and the coaching inside KTT work activity) and the SK coaching services.
    /// SK supported work's coaching competence is PROV-STAFF-WORK (SK 2.1 (3)).
    pub fn includes_coaching(self) -> bool {
        self.is_ktt() || self.is_coaching()
    }

    /// Group services (KTT_GROUP, SK_GROUP).
    pub fn is_group(self) -> bool {
        matches!(self, ServiceType::KttGroup | ServiceType::SkGroup)
    }

    /// Work-activity services, whose days are work (KTT_ASSESSMENT, KTT_WORK_CAPACITY,
    /// SK_SUPPORTED_WORK, SK_PARTICIPATION).
    pub fn is_work_activity(self) -> bool {
        matches!(
            self,
            ServiceType::KttAssessment
                | ServiceType::KttWorkCapacity
                | ServiceType::SkSupportedWork
                | ServiceType::SkParticipation
        )
    }

    /// The unit of the service.
    pub fn unit(self) -> Unit {
        match self {
            ServiceType::KttIndividual
            | ServiceType::SkIndividual
            | ServiceType::SkIndividualDailyLiving
            | ServiceType::SkGroup => Unit::Hour,
            ServiceType::KttGroup
            | ServiceType::KttAssessment
            | ServiceType::KttWorkCapacity
            | ServiceType::SkSupportedWork
            | ServiceType::SkParticipation => Unit::Day,
        }
    }

    /// Finnish name of the service.
    pub fn name_fi(self) -> &'static str {
        match self {
            ServiceType::KttIndividual => "kuntouttavan työtoiminnan yksilövalmennus",
            ServiceType::KttGroup => "kuntouttavan työtoiminnan ryhmävalmennus",
            ServiceType::KttAssessment => "kartoittava kuntouttava työtoiminta",
            ServiceType::KttWorkCapacity => {
                "työ- ja toimintakykyä edistävä kuntouttava työtoiminta"
            }
            ServiceType::SkIndividual => "sosiaalisen kuntoutuksen yksilövalmennus",
            ServiceType::SkIndividualDailyLiving => "yksilövalmennus (arkielämän taidot)",
            ServiceType::SkGroup => "sosiaalisen kuntoutuksen ryhmävalmennus",
            ServiceType::SkSupportedWork => "tuettu työtoimintavalmennus",
            ServiceType::SkParticipation => "osallisuustoiminta",
        }
    }
}

impl fmt::Display for ServiceType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A cap on units over a period of months (e.g. 40 h per 4 months).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitCap {
    /// Maximum units.
    pub units: u32,
    /// Length of the period in months. The voucher's validity never exceeds it, so the cap
    /// applies to one voucher as a whole (not pro rata).
    pub per_months: u32,
}

/// A range of hours (inclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HoursRange {
    /// Minimum hours (inclusive).
    pub min: u32,
    /// Maximum hours (inclusive).
    pub max: u32,
}

/// Excursion allowance of SK group coaching: sessions over the session maximum.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExcursionAllowance {
    /// Maximum excursion days per period.
    pub max_days: u32,
    /// Period length in months, counted from the voucher's start.
    pub per_months: u32,
}

/// Terms of the SK-TTV-4DAYS variant of supported work activity (SK 4.2.3 *).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FourDayVariantTerms {
    /// Weekly cap in days (4).
    pub weekly_cap: u32,
    /// Unit cap (72 days per 4 months).
    pub unit_cap: UnitCap,
    /// Maximum validity in months (4).
    pub max_validity_months: u32,
}

/// The terms of one service in one rulebook version (a row of RULES.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceTerms {
    /// The service.
    pub service: ServiceType,
    /// The sections of the original the row comes from, e.g. `"KTT 2.2.1, 5"`.
    pub section: &'static str,
    /// Unit of grant and billing.
    pub unit: Unit,
    /// Minimum validity in months.
    pub validity_months_min: u32,
    /// Maximum validity in months.
    pub validity_months_max: u32,
    /// Unit cap per period, if any.
    pub unit_cap: Option<UnitCap>,
    /// Weekly cap in units (days, or hours for SK group), if any; the default of a voucher's weekly cap.
    pub weekly_cap: Option<u32>,
    /// Minimum sessions per ISO week (SK group: 1; a shortfall is a warning).
    pub weekly_min_sessions: Option<u32>,
    /// Hours of an activity day (day-unit work activity).
    pub day_hours: Option<HoursRange>,
    /// Minimum hours of one group session (KTT group: a session *lasts* 4 h).
    pub session_hours_min: Option<u32>,
    /// Maximum hours of one group session.
    pub session_hours_max: Option<u32>,
    /// SK excursion allowance over the session maximum.
    pub excursions: Option<ExcursionAllowance>,
    /// Maximum clients in a group.
    pub group_size_max: Option<u32>,
    /// The SK-TTV-4DAYS variant, where the service has one.
    pub four_day_variant: Option<FourDayVariantTerms>,
}

impl ServiceTerms {
    /// The unit cap, taking the SK-TTV-4DAYS variant into account.
    pub fn effective_unit_cap(&self, four_day_variant: bool) -> Option<UnitCap> {
        match (four_day_variant, self.four_day_variant) {
            (true, Some(v)) => Some(v.unit_cap),
            _ => self.unit_cap,
        }
    }

    /// The default weekly cap, taking the SK-TTV-4DAYS variant into account.
    pub fn effective_weekly_cap(&self, four_day_variant: bool) -> Option<u32> {
        match (four_day_variant, self.four_day_variant) {
            (true, Some(v)) => Some(v.weekly_cap),
            _ => self.weekly_cap,
        }
    }

    /// The unit cap as a decimal, taking the variant into account.
    pub fn unit_cap_decimal(&self, four_day_variant: bool) -> Option<Decimal> {
        self.effective_unit_cap(four_day_variant)
            .map(|c| Decimal::from(c.units))
    }
}

/// One version of a rulebook.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rulebook {
    /// `"KTT"` or `"SK"`.
    pub code: &'static str,
    /// Version label (the date of the original), e.g. `"2024-01-01"`.
    pub version: &'static str,
    /// First day in force.
    pub effective_from: NaiveDate,
    /// Finnish title.
    pub title_fi: &'static str,
    /// The service catalogue of this version.
    pub services: &'static [ServiceTerms],
}

impl Rulebook {
    /// The terms of a service in this rulebook.
    pub fn terms(&self, service: ServiceType) -> Option<&'static ServiceTerms> {
        self.services.iter().find(|t| t.service == service)
    }
}

/// Why no rulebook could be chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleError {
    /// No version of the service's rulebook is in force on the date.
    NoRulebook {
        /// The service asked for.
        service: ServiceType,
        /// The date asked for.
        date: NaiveDate,
    },
    /// The rulebook version in force does not list the service (it was withdrawn).
    ServiceNotInRulebook {
        /// The service asked for.
        service: ServiceType,
        /// The rulebook version in force.
        version: &'static str,
    },
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuleError::NoRulebook { service, date } => write!(
                f,
                "no {} rulebook covers service {} on {}",
                service.rulebook_code(),
                service.code(),
                date
            ),
            RuleError::ServiceNotInRulebook { service, version } => write!(
                f,
                "the {} rulebook version {} does not list service {}",
                service.rulebook_code(),
                version,
                service.code()
            ),
        }
    }
}

impl std::error::Error for RuleError {}

impl RuleError {
    /// The refusal this error is for a decision: a [`RULEBOOK_IN_FORCE`] violation.
    pub fn violation(&self) -> Violation {
        // RULEBOOK-IN-FORCE
        match self {
            RuleError::NoRulebook { service, date } => Violation::of(
                RULEBOOK_IN_FORCE,
                format!(
                    "Palvelulle {} ei ole {date} voimassa olevaa {}-sääntökirjaa.",
                    service.code(),
                    service.rulebook_code()
                ),
                format!(
                    "No {} rulebook covers service {} on {date}.",
                    service.rulebook_code(),
                    service.code()
                ),
            ),
            RuleError::ServiceNotInRulebook { service, version } => Violation::of(
                RULEBOOK_IN_FORCE,
                format!(
                    "{}-sääntökirjan versio {version} ei sisällä palvelua {}.",
                    service.rulebook_code(),
                    service.code()
                ),
                format!(
                    "The {} rulebook version {version} does not list service {}.",
                    service.rulebook_code(),
                    service.code()
                ),
            ),
        }
    }
}

impl From<RuleError> for Violation {
    fn from(e: RuleError) -> Self {
        e.violation()
    }
}

/// RULEBOOK-IN-FORCE: a decision for `service` on `date` needs a rulebook version in force
/// on that date that lists the service (e.g. SK before 2026-01-01 is refused: the earlier SK
/// rulebook is not ours). Empty when [`rulebook_for`] finds one.
pub fn check_rulebook_in_force(service: ServiceType, date: NaiveDate) -> Vec<Violation> {
    // RULEBOOK-IN-FORCE
    match rulebook_for(service, date) {
        Ok(_) => Vec::new(),
        Err(e) => vec![e.violation()],
    }
}

const fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    match NaiveDate::from_ymd_opt(y, m, d) {
        Some(date) => date,
        None => NaiveDate::MIN,
    }
}

const NO_TERMS: ServiceTerms = ServiceTerms {
    service: ServiceType::KttIndividual,
    section: "",
    unit: Unit::Hour,
    validity_months_min: 0,
    validity_months_max: 0,
    unit_cap: None,
    weekly_cap: None,
    weekly_min_sessions: None,
    day_hours: None,
    session_hours_min: None,
    session_hours_max: None,
    excursions: None,
    group_size_max: None,
    four_day_variant: None,
};

/// Maximum group size of both rulebooks (KTT 2.2.2 (2), SK 4.2.2 (2)).
pub const GROUP_SIZE_MAX: u32 = 12;

/// KTT, in force from 2024-01-01 until further notice (KTT 2.2, 5).
pub const KTT_2024_SERVICES: [ServiceTerms; 4] = [
    ServiceTerms {
        service: ServiceType::KttIndividual,
        section: "KTT 2.2.1, 5",
        unit: Unit::Hour,
        validity_months_min: 3,
        validity_months_max: 4,
        unit_cap: Some(UnitCap {
            units: 30,
            per_months: 4,
        }),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::KttGroup,
        section: "KTT 2.2.2, 5",
        unit: Unit::Day,
        validity_months_min: 3,
        validity_months_max: 4,
        weekly_cap: Some(2),
        session_hours_min: Some(4),
        session_hours_max: Some(4),
        group_size_max: Some(GROUP_SIZE_MAX),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::KttAssessment,
        section: "KTT 2.2.3, 5",
        unit: Unit::Day,
        validity_months_min: 3,
        validity_months_max: 4,
        weekly_cap: Some(4),
        day_hours: Some(HoursRange { min: 4, max: 6 }),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::KttWorkCapacity,
        section: "KTT 2.2.4, 5",
        unit: Unit::Day,
        validity_months_min: 3,
        validity_months_max: 4,
        weekly_cap: Some(4),
        day_hours: Some(HoursRange { min: 4, max: 6 }),
        ..NO_TERMS
    },
];

/// SK, in force from 2026-01-01 until further notice (SK 4.2, 6).
pub const SK_2026_SERVICES: [ServiceTerms; 5] = [
    ServiceTerms {
        service: ServiceType::SkIndividual,
        section: "SK 4.2.1, 6",
        unit: Unit::Hour,
        validity_months_min: 1,
        validity_months_max: 4,
        unit_cap: Some(UnitCap {
            units: 40,
            per_months: 4,
        }),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::SkIndividualDailyLiving,
        section: "SK 4.2.1, 6",
        unit: Unit::Hour,
        validity_months_min: 1,
        validity_months_max: 6,
        unit_cap: Some(UnitCap {
            units: 120,
            per_months: 6,
        }),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::SkGroup,
        section: "SK 4.2.2, 6",
        unit: Unit::Hour,
        validity_months_min: 1,
        validity_months_max: 4,
        unit_cap: Some(UnitCap {
            units: 80,
            per_months: 4,
        }),
        weekly_cap: Some(5),
        weekly_min_sessions: Some(1),
        session_hours_max: Some(3),
        excursions: Some(ExcursionAllowance {
            max_days: 2,
            per_months: 4,
        }),
        group_size_max: Some(GROUP_SIZE_MAX),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::SkSupportedWork,
        section: "SK 4.2.3, 6",
        unit: Unit::Day,
        validity_months_min: 1,
        validity_months_max: 4,
        unit_cap: Some(UnitCap {
            units: 54,
            per_months: 4,
        }),
        weekly_cap: Some(3),
        day_hours: Some(HoursRange { min: 3, max: 4 }),
        four_day_variant: Some(FourDayVariantTerms {
            weekly_cap: 4,
            unit_cap: UnitCap {
                units: 72,
                per_months: 4,
            },
            max_validity_months: 4,
        }),
        ..NO_TERMS
    },
    ServiceTerms {
        service: ServiceType::SkParticipation,
        section: "SK 4.2.4, 6",
        unit: Unit::Day,
        validity_months_min: 1,
        validity_months_max: 6,
        unit_cap: Some(UnitCap {
            units: 78,
            per_months: 6,
        }),
        weekly_cap: Some(3),
        day_hours: Some(HoursRange { min: 3, max: 4 }),
        ..NO_TERMS
    },
];

/// Every rulebook version known, in any order. Add a later version here.
pub static RULEBOOKS: &[Rulebook] = &[
    Rulebook {
        code: "KTT",
        version: "2024-01-01",
        effective_from: ymd(2024, 1, 1),
        title_fi: "Palvelukohtainen sääntökirja: kuntouttava työtoiminta",
        services: &KTT_2024_SERVICES,
    },
    Rulebook {
        code: "SK",
        version: "2026-01-01",
        effective_from: ymd(2026, 1, 1),
        title_fi: "Palvelukohtainen sääntökirja: työikäisten sosiaalinen kuntoutus",
        services: &SK_2026_SERVICES,
    },
];

/// The rulebook governing `service` for a decision made on `date`: the latest version of the
/// service's rulebook in force on that date (a version replaces the earlier one whole).
/// A date before the first version, or a version that does not list the service, is an error.
pub fn rulebook_for(service: ServiceType, date: NaiveDate) -> Result<&'static Rulebook, RuleError> {
    rulebook_in(RULEBOOKS, service, date)
}

/// [`rulebook_for`] over a given set of rulebook versions.
pub fn rulebook_in(
    books: &[Rulebook],
    service: ServiceType,
    date: NaiveDate,
) -> Result<&Rulebook, RuleError> {
    books
        .iter()
        .filter(|b| b.code == service.rulebook_code() && b.effective_from <= date)
        .max_by_key(|b| b.effective_from)
        .ok_or(RuleError::NoRulebook { service, date })
        .and_then(|b| match b.terms(service) {
            Some(_) => Ok(b),
            None => Err(RuleError::ServiceNotInRulebook {
                service,
                version: b.version,
            }),
        })
}

/// The terms of `service` in the rulebook governing a decision made on `date`.
pub fn terms_for(
    service: ServiceType,
    date: NaiveDate,
) -> Result<&'static ServiceTerms, RuleError> {
    let book = rulebook_for(service, date)?;
    book.terms(service).ok_or(RuleError::ServiceNotInRulebook {
        service,
        version: book.version,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn codes_round_trip() {
        for s in ServiceType::ALL {
            assert_eq!(ServiceType::from_code(s.code()), Some(s));
        }
        assert_eq!(ServiceType::from_code("ktt_individual"), None);
    }

    #[test]
    fn classification() {
        assert_eq!(ServiceType::KttGroup.unit(), Unit::Day);
        assert_eq!(ServiceType::SkGroup.unit(), Unit::Hour);
        assert!(ServiceType::SkGroup.is_group() && ServiceType::SkGroup.is_coaching());
        assert!(!ServiceType::SkSupportedWork.is_coaching());
        assert_eq!(ServiceType::SkParticipation.rulebook_code(), "SK");
        assert_eq!(ServiceType::KttAssessment.rulebook_code(), "KTT");
    }

    #[test]
    fn every_service_has_terms_in_its_rulebook() {
        for s in ServiceType::ALL {
            let date = if s.is_ktt() {
                d(2024, 1, 1)
            } else {
                d(2026, 1, 1)
            };
            let t = terms_for(s, date).unwrap();
            assert_eq!(t.service, s);
            assert_eq!(t.unit, s.unit());
            assert!(t.validity_months_min <= t.validity_months_max);
        }
    }

    #[test]
    fn date_before_any_rulebook_is_an_error() {
        let e = rulebook_for(ServiceType::KttIndividual, d(2023, 12, 31)).unwrap_err();
        assert_eq!(
            e,
            RuleError::NoRulebook {
                service: ServiceType::KttIndividual,
                date: d(2023, 12, 31)
            }
        );
        assert!(e.to_string().contains("KTT_INDIVIDUAL"));
        assert!(rulebook_for(ServiceType::SkGroup, d(2025, 12, 31)).is_err());
        assert_eq!(
            rulebook_for(ServiceType::SkGroup, d(2026, 1, 1))
                .unwrap()
                .version,
            "2026-01-01"
        );
    }

    #[test]
    fn a_later_version_is_just_data() {
        static LATER: [ServiceTerms; 1] = [ServiceTerms {
            unit_cap: Some(UnitCap {
                units: 35,
                per_months: 4,
            }),
            ..KTT_2024_SERVICES[0]
        }];
        let books = [
            RULEBOOKS[0],
            RULEBOOKS[1],
            Rulebook {
                code: "KTT",
                version: "2027-01-01",
                effective_from: d(2027, 1, 1),
                title_fi: "KTT 2027",
                services: &LATER,
            },
        ];
        let s = ServiceType::KttIndividual;
        assert_eq!(
            rulebook_in(&books, s, d(2026, 12, 31)).unwrap().version,
            "2024-01-01"
        );
        let later = rulebook_in(&books, s, d(2027, 1, 1)).unwrap();
        assert_eq!(later.version, "2027-01-01");
        assert_eq!(later.terms(s).unwrap().unit_cap.unwrap().units, 35);
        // A version replaces the earlier one whole: a service it does not list is withdrawn.
        assert_eq!(
            rulebook_in(&books, ServiceType::KttGroup, d(2027, 6, 1)).unwrap_err(),
            RuleError::ServiceNotInRulebook {
                service: ServiceType::KttGroup,
                version: "2027-01-01"
            }
        );
        assert!(rulebook_in(&books, ServiceType::KttGroup, d(2026, 6, 1)).is_ok());
    }

    #[test]
    fn rulebook_in_force_is_a_violation() {
        let v = check_rulebook_in_force(ServiceType::SkGroup, d(2025, 12, 31));
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, RULEBOOK_IN_FORCE);
        assert!(!v[0].section.is_empty());
        assert!(check_rulebook_in_force(ServiceType::SkGroup, d(2026, 1, 1)).is_empty());
        assert!(check_rulebook_in_force(ServiceType::KttGroup, d(2024, 1, 1)).is_empty());
        let e = RuleError::ServiceNotInRulebook {
            service: ServiceType::KttGroup,
            version: "2027-01-01",
        };
        assert_eq!(Violation::from(e).rule, RULEBOOK_IN_FORCE);
    }

    #[test]
    fn service_groups() {
        assert!(ServiceType::KttAssessment.is_ktt_work_activity());
        assert!(!ServiceType::SkSupportedWork.is_ktt_work_activity());
        for s in ServiceType::ALL {
            assert_eq!(s.includes_coaching(), s.is_ktt() || s.is_coaching(), "{s}");
        }
        assert!(!ServiceType::SkParticipation.includes_coaching());
    }

    #[test]
    fn four_day_variant_terms() {
        let t = terms_for(ServiceType::SkSupportedWork, d(2026, 2, 1)).unwrap();
        assert_eq!(t.effective_weekly_cap(false), Some(3));
        assert_eq!(t.effective_weekly_cap(true), Some(4));
        assert_eq!(t.effective_unit_cap(true).unwrap().units, 72);
        assert_eq!(t.effective_unit_cap(false).unwrap().units, 54);
    }
}
