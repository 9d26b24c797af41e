//! Voucher terms (RULES.md §3): TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, VOUCHER-VALUE,
//! SK-TTV-4DAYS, VOUCHER-EXTENSION and RULEBOOK-IN-FORCE; and the use of a voucher's
//! validity and units ([`check_use_date`], [`check_units_available`]).
//!
//! Validity in months: a voucher valid for *N months* from `valid_from` ends at the latest on
//! `valid_from + N months − 1 day` (chrono's month arithmetic, clamped to the month's end).

use crate::calendar::{minus_days, plus_months};
use crate::catalogue::{RuleError, ServiceTerms, ServiceType, Unit, rulebook_for};
use crate::money::round_cents;
use crate::rule_ids::{
    CAP_UNITS, CAP_WEEKLY, SK_TTV_4DAYS, TERM_VALIDITY, VOUCHER_EXTENSION, VOUCHER_VALUE,
};
use crate::violation::Violation;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// A service decision's voucher terms as requested.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherRequest {
    /// The service.
    pub service: ServiceType,
    /// The decision date: the rulebook in force on it governs the voucher for its whole life.
    pub decision_date: NaiveDate,
    /// First day valid.
    pub valid_from: NaiveDate,
    /// Last day valid (inclusive).
    pub valid_until: NaiveDate,
    /// Granted units (hours or days).
    pub units: Decimal,
    /// Weekly cap in units; `None` takes the rulebook default.
    pub weekly_cap: Option<Decimal>,
    /// The unit price (ceiling price) in force on the decision date.
    pub unit_price: Decimal,
    /// The SK-TTV-4DAYS variant (supported work, 4 days a week).
    pub four_day_variant: bool,
}

/// The outcome of [`check_terms`]: violations plus the computed terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermsDecision {
    /// Every broken rule.
    pub violations: Vec<Violation>,
    /// The governing rulebook's code.
    pub rulebook_code: &'static str,
    /// The governing rulebook's version.
    pub rulebook_version: &'static str,
    /// The governing service terms.
    pub terms: &'static ServiceTerms,
    /// The weekly cap to store on the voucher (requested or default, never above the
    /// rulebook's); `None` = no weekly cap.
    pub weekly_cap: Option<Decimal>,
    /// The unit cap of the rulebook (with the variant), if any.
    pub unit_cap: Option<Decimal>,
    /// VOUCHER-VALUE: `units × unit_price`, rounded to cents half away from zero.
    pub value: Decimal,
}

/// The last valid day of a voucher valid `months` months from `from`.
pub fn validity_end(from: NaiveDate, months: u32) -> NaiveDate {
    minus_days(plus_months(from, months), 1)
}

/// VOUCHER-VALUE (KTT 5, SK 6): `units × unit_price`, rounded to cents half away from zero.
/// Saturates at [`Decimal::MAX`] on overflow.
pub fn voucher_value(units: Decimal, unit_price: Decimal) -> Decimal {
    units
        .checked_mul(unit_price)
        .map_or(Decimal::MAX, round_cents)
}

/// ISO weeks touched by the inclusive range (at least 1).
pub(crate) fn iso_weeks_touched(from: NaiveDate, until: NaiveDate) -> u32 {
    if until < from {
        return 1;
    }
    let monday = |d: NaiveDate| minus_days(d, u64::from(d.weekday().num_days_from_monday()));
    let days = (monday(until) - monday(from)).num_days();
    u32::try_from(days / 7 + 1).unwrap_or(u32::MAX)
}

/// [`check_terms`] with a decision date no rulebook covers reported as its
/// RULEBOOK-IN-FORCE violation (the refusal a caller passes on) instead of an error.
pub fn check_terms_in_force(req: &VoucherRequest) -> Result<TermsDecision, Vec<Violation>> {
    check_terms(req).map_err(|e| vec![e.violation()])
}

/// Checks a voucher's terms against the rulebook in force on the decision date and computes
/// the defaults (weekly cap) and the value. A decision date no rulebook covers is an error
/// (see [`RuleError::violation`] / [`check_terms_in_force`] for its RULEBOOK-IN-FORCE refusal).
///
/// CAP-WEEKLY bounds the grant too: granted units ≤ weekly cap × the ISO weeks the validity
/// touches (RULES.md §3), whether or not the service also has a unit cap.
pub fn check_terms(req: &VoucherRequest) -> Result<TermsDecision, RuleError> {
    let book = rulebook_for(req.service, req.decision_date)?;
    let terms = book
        .terms(req.service)
        .ok_or(RuleError::ServiceNotInRulebook {
            service: req.service,
            version: book.version,
        })?;
    let sec = terms.section;
    let code = req.service.code();
    let mut out = Vec::new();

    // SK-TTV-4DAYS
    let variant = req.four_day_variant && terms.four_day_variant.is_some();
    if req.four_day_variant && terms.four_day_variant.is_none() {
        out.push(Violation::of(
            SK_TTV_4DAYS,
            format!("Palvelulla {code} ei ole neljän päivän viikkomäärää."),
            format!("Service {code} has no 4-days-a-week variant."),
        ));
    }

    // TERM-VALIDITY
    let mut max_months = terms.validity_months_max;
    if let (true, Some(v)) = (variant, terms.four_day_variant) {
        max_months = max_months.min(v.max_validity_months);
    }
    let earliest_end = validity_end(req.valid_from, terms.validity_months_min);
    let latest_end = validity_end(req.valid_from, max_months);
    if req.valid_until < req.valid_from {
        out.push(Violation::new(
            TERM_VALIDITY,
            sec,
            format!(
                "Voimassaolo päättyy ({}) ennen alkamista ({}).",
                req.valid_until, req.valid_from
            ),
            format!(
                "Validity ends ({}) before it starts ({}).",
                req.valid_until, req.valid_from
            ),
        ));
    } else if req.valid_until < earliest_end || req.valid_until > latest_end {
        out.push(Violation::new(
            TERM_VALIDITY,
            sec,
            format!(
                "Palvelusetelin {code} voimassaolon on oltava {}–{} kuukautta: päättymispäivä \
                 välillä {earliest_end}–{latest_end}, nyt {}.",
                terms.validity_months_min, max_months, req.valid_until
            ),
            format!(
                "A {code} voucher is valid {}-{} months: it must end between {earliest_end} and \
                 {latest_end}, not {}.",
                terms.validity_months_min, max_months, req.valid_until
            ),
        ));
    }

    // CAP-UNITS
    let unit_cap = terms.unit_cap_decimal(variant);
    if req.units <= Decimal::ZERO {
        out.push(Violation::new(
            CAP_UNITS,
            sec,
            "Myönnettyjen yksiköiden määrän on oltava positiivinen.",
            "Granted units must be positive.",
        ));
    }
    if terms.unit == Unit::Day && !req.units.fract().is_zero() {
        out.push(Violation::new(
            CAP_UNITS,
            sec,
            "Toimintapäiviä myönnetään kokonaisina.",
            "Activity days are granted in whole days.",
        ));
    }
    if let Some(cap) = unit_cap
        && req.units > cap
    {
        out.push(Violation::new(
            CAP_UNITS,
            sec,
            format!(
                "Myönnetty määrä {} ylittää enimmäismäärän {cap} ({code}).",
                req.units
            ),
            format!(
                "Granted units {} exceed the cap of {cap} ({code}).",
                req.units
            ),
        ));
    }

    // CAP-WEEKLY
    let default_weekly = terms.effective_weekly_cap(variant).map(Decimal::from);
    let weekly_cap = match (req.weekly_cap, default_weekly) {
        (Some(w), Some(max)) if w > max => {
            out.push(Violation::new(
                CAP_WEEKLY,
                sec,
                format!(
                    "Viikkoenimmäismäärä {w} ylittää sääntökirjan enimmäismäärän {max} ({code})."
                ),
                format!("Weekly cap {w} exceeds the rulebook's {max} ({code})."),
            ));
            Some(max)
        }
        (Some(w), _) if w <= Decimal::ZERO => {
            out.push(Violation::new(
                CAP_WEEKLY,
                sec,
                "Viikkoenimmäismäärän on oltava positiivinen.",
                "The weekly cap must be positive.",
            ));
            default_weekly
        }
        (Some(w), _) => Some(w),
        (None, d) => d,
    };
    // CAP-WEEKLY: the weekly cap also bounds the grant, unit cap or not.
    if let Some(most) = weekly_bound(weekly_cap, req.valid_from, req.valid_until)
        && req.units > most
    {
        let weeks = iso_weeks_touched(req.valid_from, req.valid_until);
        out.push(Violation::new(
            CAP_WEEKLY,
            sec,
            format!(
                "Myönnetty määrä {} ylittää viikkoenimmäismäärän salliman määrän {most} \
                 ({weeks} viikkoa voimassaoloaikana).",
                req.units
            ),
            format!(
                "Granted units {} exceed what the weekly cap allows over the validity \
                 ({most} in {weeks} ISO weeks).",
                req.units
            ),
        ));
    }

    // VOUCHER-VALUE
    if req.unit_price <= Decimal::ZERO {
        out.push(Violation::of(
            VOUCHER_VALUE,
            "Yksikköhinnan on oltava positiivinen.",
            "The unit price must be positive.",
        ));
    }
    let value = voucher_value(req.units, req.unit_price);

    Ok(TermsDecision {
        violations: out,
        rulebook_code: book.code,
        rulebook_version: book.version,
        terms,
        weekly_cap,
        unit_cap,
        value,
    })
}

/// The most units a weekly cap lets a voucher use over its validity: the cap × the ISO weeks
/// the validity touches (`None` without a weekly cap, or when the validity is reversed).
pub fn weekly_bound(
    weekly_cap: Option<Decimal>,
    valid_from: NaiveDate,
    valid_until: NaiveDate,
) -> Option<Decimal> {
    let w = weekly_cap?;
    if valid_until < valid_from {
        return None;
    }
    let weeks = Decimal::from(iso_weeks_touched(valid_from, valid_until));
    Some(w.checked_mul(weeks).unwrap_or(Decimal::MAX))
}

/// VOUCHER-EXTENSION (SK 6): whether vouchers for `a` and `b` count as the same service, so
/// that one client may not hold two of them at overlapping times (and one may continue the
/// other). A service is the same as itself; `SK_INDIVIDUAL` and `SK_INDIVIDUAL_DAILY_LIVING`
/// are one "Yksilövalmennus -seteli" granted on two sets of terms, so they may not overlap.
pub fn may_not_overlap(a: ServiceType, b: ServiceType) -> bool {
    // VOUCHER-EXTENSION
    fn family(s: ServiceType) -> ServiceType {
        match s {
            ServiceType::SkIndividualDailyLiving => ServiceType::SkIndividual,
            other => other,
        }
    }
    family(a) == family(b)
}

/// TERM-VALIDITY of a use date: units are used, and a service starts, only on a day within
/// the voucher's validity `valid_from..=valid_until`.
pub fn check_use_date(
    valid_from: NaiveDate,
    valid_until: NaiveDate,
    on: NaiveDate,
) -> Vec<Violation> {
    if on >= valid_from && on <= valid_until {
        return Vec::new();
    }
    // TERM-VALIDITY
    vec![Violation::of(
        TERM_VALIDITY,
        format!("Päivä {on} ei ole setelin voimassaoloaikana {valid_from}–{valid_until}."),
        format!("{on} is outside the voucher's validity {valid_from} to {valid_until}."),
    )]
}

/// CAP-UNITS of a use: `requested` more units fit in a voucher of `granted` units of which
/// `used` are used. A non-positive request is a violation too (nothing to use).
pub fn check_units_available(
    granted: Decimal,
    used: Decimal,
    requested: Decimal,
) -> Vec<Violation> {
    let mut out = Vec::new();
    // CAP-UNITS
    if requested <= Decimal::ZERO {
        out.push(Violation::of(
            CAP_UNITS,
            format!("Käytettävän määrän {requested} on oltava positiivinen."),
            format!("The units to use ({requested}) must be positive."),
        ));
        return out;
    }
    let left = granted.saturating_sub(used);
    if requested > left {
        out.push(Violation::of(
            CAP_UNITS,
            format!("Setelillä on jäljellä {left} yksikköä; {requested} ei mahdu."),
            format!("The voucher has {left} units left; {requested} do not fit."),
        ));
    }
    out
}

/// A voucher as VOUCHER-EXTENSION sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherSpan<'a> {
    /// The voucher's id.
    pub id: &'a str,
    /// The service.
    pub service: ServiceType,
    /// First day valid.
    pub valid_from: NaiveDate,
    /// Last day valid (inclusive).
    pub valid_until: NaiveDate,
    /// The voucher it continues (an extension), if any.
    pub continues: Option<&'a str>,
}

/// VOUCHER-EXTENSION (KTT 5, SK 6): an extension is a new voucher linked to the one it
/// continues (same service, ended before the new one starts), and one client holds no two
/// overlapping vouchers for the same service. "Same service" is [`may_not_overlap`]:
/// `SK_INDIVIDUAL` and `SK_INDIVIDUAL_DAILY_LIVING` count as one. `existing` are the client's
/// other vouchers.
pub fn check_extension(new: &VoucherSpan<'_>, existing: &[VoucherSpan<'_>]) -> Vec<Violation> {
    let mut out = Vec::new();
    for e in existing
        .iter()
        .filter(|e| e.id != new.id && may_not_overlap(e.service, new.service))
    {
        if e.valid_from <= new.valid_until && new.valid_from <= e.valid_until {
            out.push(Violation::of(
                VOUCHER_EXTENSION,
                format!(
                    "Asiakkaalla on jo palvelun {} seteli {} ({}–{}), joka on voimassa päällekkäin.",
                    e.service.code(), e.id, e.valid_from, e.valid_until
                ),
                format!(
                    "The client already holds {} voucher {} ({} to {}) overlapping this one.",
                    e.service.code(), e.id, e.valid_from, e.valid_until
                ),
            ));
        }
    }
    if let Some(prev_id) = new.continues {
        match existing.iter().find(|e| e.id == prev_id) {
            None => out.push(Violation::of(
                VOUCHER_EXTENSION,
                format!("Jatkettavaa seteliä {prev_id} ei löydy asiakkaalta."),
                format!("The continued voucher {prev_id} is not the client's."),
            )),
            Some(prev) => {
                if !may_not_overlap(prev.service, new.service) {
                    out.push(Violation::of(
                        VOUCHER_EXTENSION,
                        "Jatkoseteli on eri palvelulle kuin jatkettava seteli.",
                        "An extension must be for the same service as the voucher it continues.",
                    ));
                }
                if prev.valid_until >= new.valid_from {
                    out.push(Violation::of(
                        VOUCHER_EXTENSION,
                        "Jatkosetelin on alettava vasta jatkettavan setelin päätyttyä.",
                        "An extension must start after the voucher it continues has ended.",
                    ));
                }
            }
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

    fn req() -> VoucherRequest {
        VoucherRequest {
            service: ServiceType::SkIndividual,
            decision_date: d(2026, 1, 10),
            valid_from: d(2026, 2, 1),
            valid_until: d(2026, 5, 31),
            units: dec!(40),
            weekly_cap: None,
            unit_price: dec!(65.505),
            four_day_variant: false,
        }
    }

    #[test]
    fn good_terms_pass_and_value_is_rounded() {
        let t = check_terms(&req()).unwrap();
        assert!(t.violations.is_empty(), "{:?}", t.violations);
        assert_eq!(t.value, dec!(2620.20));
        assert_eq!(t.rulebook_code, "SK");
        assert_eq!(t.weekly_cap, None);
        assert_eq!(t.unit_cap, Some(dec!(40)));
        assert_eq!(voucher_value(dec!(1), dec!(0.005)), dec!(0.01));
        assert_eq!(voucher_value(dec!(3), dec!(33.335)), dec!(100.01));
    }

    #[test]
    fn no_rulebook_is_an_error() {
        assert!(
            check_terms(&VoucherRequest {
                decision_date: d(2025, 12, 31),
                ..req()
            })
            .is_err()
        );
    }

    #[test]
    fn validity_bounds() {
        assert_eq!(validity_end(d(2026, 2, 1), 4), d(2026, 5, 31));
        assert_eq!(validity_end(d(2026, 1, 31), 1), d(2026, 2, 27));
        let bad = check_terms(&VoucherRequest {
            valid_until: d(2026, 6, 1),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&bad.violations, TERM_VALIDITY));
        let short = check_terms(&VoucherRequest {
            valid_until: d(2026, 2, 27),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&short.violations, TERM_VALIDITY));
        let one = check_terms(&VoucherRequest {
            valid_until: d(2026, 2, 28),
            ..req()
        })
        .unwrap();
        assert!(one.violations.is_empty());
        let back = check_terms(&VoucherRequest {
            valid_until: d(2026, 1, 1),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&back.violations, TERM_VALIDITY));
        let ktt = VoucherRequest {
            service: ServiceType::KttIndividual,
            valid_until: d(2026, 3, 31),
            units: dec!(30),
            ..req()
        };
        assert!(has_rule(
            &check_terms(&ktt).unwrap().violations,
            TERM_VALIDITY
        )); // 2 months < 3
        let ktt = VoucherRequest {
            valid_until: d(2026, 4, 30),
            ..ktt
        };
        assert!(check_terms(&ktt).unwrap().violations.is_empty());
    }

    #[test]
    fn unit_caps() {
        let t = check_terms(&VoucherRequest {
            units: dec!(40.5),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_UNITS));
        let t = check_terms(&VoucherRequest {
            units: dec!(0),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_UNITS));
        let sw = VoucherRequest {
            service: ServiceType::SkSupportedWork,
            units: dec!(54),
            ..req()
        };
        assert!(check_terms(&sw).unwrap().violations.is_empty());
        let t = check_terms(&VoucherRequest {
            units: dec!(55),
            ..sw
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_UNITS));
        let t = check_terms(&VoucherRequest {
            units: dec!(10.5),
            ..sw
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_UNITS));
        // KTT group: no unit cap, bounded by 2 days a week over the validity.
        let g = VoucherRequest {
            service: ServiceType::KttGroup,
            valid_until: d(2026, 5, 31),
            units: dec!(36),
            ..req()
        };
        let t = check_terms(&g).unwrap();
        assert!(t.violations.is_empty(), "{:?}", t.violations);
        assert_eq!(t.weekly_cap, Some(dec!(2)));
        let t = check_terms(&VoucherRequest {
            units: dec!(100),
            ..g
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_WEEKLY));
        assert!(!has_rule(&t.violations, CAP_UNITS));
    }

    #[test]
    fn weekly_cap_bounds_the_grant_even_with_a_unit_cap() {
        // 54 supported-work days in one month: within the unit cap, far above 3 a week.
        let one_month = VoucherRequest {
            service: ServiceType::SkSupportedWork,
            valid_from: d(2026, 2, 2),
            valid_until: d(2026, 3, 1),
            units: dec!(54),
            ..req()
        };
        let t = check_terms(&one_month).unwrap();
        assert!(has_rule(&t.violations, CAP_WEEKLY), "{:?}", t.violations);
        assert!(!has_rule(&t.violations, CAP_UNITS));
        // 2.2.–1.3.2026 is 4 ISO weeks: 12 days fit, 13 do not.
        assert_eq!(
            weekly_bound(Some(dec!(3)), d(2026, 2, 2), d(2026, 3, 1)),
            Some(dec!(12))
        );
        let fits = check_terms(&VoucherRequest {
            units: dec!(12),
            ..one_month
        })
        .unwrap();
        assert!(fits.violations.is_empty(), "{:?}", fits.violations);
        assert!(has_rule(
            &check_terms(&VoucherRequest {
                units: dec!(13),
                ..one_month
            })
            .unwrap()
            .violations,
            CAP_WEEKLY
        ));
        // A lower weekly cap on the voucher bounds the grant too.
        let t = check_terms(&VoucherRequest {
            units: dec!(12),
            weekly_cap: Some(dec!(2)),
            ..one_month
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_WEEKLY));
        // SK group: 5 h a week; 80 h over 4 months fits (17 weeks), not over one month.
        let g = VoucherRequest {
            service: ServiceType::SkGroup,
            units: dec!(80),
            ..req()
        };
        assert!(check_terms(&g).unwrap().violations.is_empty());
        assert!(has_rule(
            &check_terms(&VoucherRequest {
                valid_until: d(2026, 2, 28),
                ..g
            })
            .unwrap()
            .violations,
            CAP_WEEKLY
        ));
        // Reversed validity: no bound (TERM-VALIDITY reports it).
        assert_eq!(
            weekly_bound(Some(dec!(3)), d(2026, 3, 1), d(2026, 2, 1)),
            None
        );
        assert_eq!(weekly_bound(None, d(2026, 2, 1), d(2026, 3, 1)), None);
    }

    #[test]
    fn rulebook_in_force_refusal() {
        let early = VoucherRequest {
            decision_date: d(2025, 12, 31),
            ..req()
        };
        let v = check_terms_in_force(&early).unwrap_err();
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, crate::rule_ids::RULEBOOK_IN_FORCE);
        assert!(check_terms_in_force(&req()).is_ok());
    }

    #[test]
    fn use_date_and_units() {
        let (from, until) = (d(2026, 2, 1), d(2026, 5, 31));
        assert!(check_use_date(from, until, from).is_empty());
        assert!(check_use_date(from, until, until).is_empty());
        assert!(has_rule(
            &check_use_date(from, until, d(2026, 1, 31)),
            TERM_VALIDITY
        ));
        assert!(has_rule(
            &check_use_date(from, until, d(2026, 6, 1)),
            TERM_VALIDITY
        ));
        assert!(check_units_available(dec!(40), dec!(38), dec!(2)).is_empty());
        let v = check_units_available(dec!(40), dec!(38), dec!(2.5));
        assert!(has_rule(&v, CAP_UNITS));
        assert!(v[0].message_en.contains("2 units left"));
        assert!(has_rule(
            &check_units_available(dec!(40), dec!(0), dec!(0)),
            CAP_UNITS
        ));
        assert!(has_rule(
            &check_units_available(dec!(40), dec!(0), dec!(-1)),
            CAP_UNITS
        ));
    }

    #[test]
    fn overlap_families() {
        use ServiceType::*;
        assert!(may_not_overlap(SkIndividual, SkIndividualDailyLiving));
        assert!(may_not_overlap(SkIndividualDailyLiving, SkIndividual));
        assert!(may_not_overlap(KttGroup, KttGroup));
        assert!(!may_not_overlap(SkIndividual, SkGroup));
        assert!(!may_not_overlap(KttIndividual, SkIndividual));
        assert!(!may_not_overlap(KttAssessment, KttWorkCapacity));
        for a in ServiceType::ALL {
            for b in ServiceType::ALL {
                assert_eq!(may_not_overlap(a, b), may_not_overlap(b, a));
            }
        }
        let individual = VoucherSpan {
            id: "i",
            service: SkIndividual,
            valid_from: d(2026, 1, 1),
            valid_until: d(2026, 4, 30),
            continues: None,
        };
        let daily = VoucherSpan {
            id: "dl",
            service: SkIndividualDailyLiving,
            valid_from: d(2026, 3, 1),
            valid_until: d(2026, 8, 31),
            continues: None,
        };
        assert!(has_rule(
            &check_extension(&daily, &[individual]),
            VOUCHER_EXTENSION
        ));
        // Continuing the same "Yksilövalmennus -seteli" on the other terms is an extension.
        let continued = VoucherSpan {
            valid_from: d(2026, 5, 1),
            continues: Some("i"),
            ..daily
        };
        assert!(check_extension(&continued, &[individual]).is_empty());
    }

    #[test]
    fn weekly_caps_and_variant() {
        let sw = VoucherRequest {
            service: ServiceType::SkSupportedWork,
            units: dec!(54),
            ..req()
        };
        let t = check_terms(&sw).unwrap();
        assert_eq!(t.weekly_cap, Some(dec!(3)));
        let t = check_terms(&VoucherRequest {
            weekly_cap: Some(dec!(2)),
            units: dec!(36),
            ..sw
        })
        .unwrap();
        assert!(t.violations.is_empty(), "{:?}", t.violations);
        assert_eq!(t.weekly_cap, Some(dec!(2)));
        let t = check_terms(&VoucherRequest {
            weekly_cap: Some(dec!(4)),
            ..sw
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_WEEKLY));
        let t = check_terms(&VoucherRequest {
            weekly_cap: Some(dec!(0)),
            ..sw
        })
        .unwrap();
        assert!(has_rule(&t.violations, CAP_WEEKLY));
        let v4 = VoucherRequest {
            four_day_variant: true,
            units: dec!(72),
            weekly_cap: Some(dec!(4)),
            ..sw
        };
        let t = check_terms(&v4).unwrap();
        assert!(t.violations.is_empty(), "{:?}", t.violations);
        assert_eq!(t.unit_cap, Some(dec!(72)));
        let t = check_terms(&VoucherRequest {
            four_day_variant: true,
            ..req()
        })
        .unwrap();
        assert!(has_rule(&t.violations, SK_TTV_4DAYS));
    }

    #[test]
    fn voucher_value_rule() {
        let t = check_terms(&VoucherRequest {
            unit_price: dec!(0),
            ..req()
        })
        .unwrap();
        assert!(has_rule(&t.violations, VOUCHER_VALUE));
    }

    #[test]
    fn extension() {
        let old = VoucherSpan {
            id: "v1",
            service: ServiceType::SkGroup,
            valid_from: d(2026, 1, 1),
            valid_until: d(2026, 4, 30),
            continues: None,
        };
        let other = VoucherSpan {
            id: "v0",
            service: ServiceType::SkIndividual,
            ..old
        };
        let new = VoucherSpan {
            id: "v2",
            valid_from: d(2026, 5, 1),
            valid_until: d(2026, 8, 31),
            continues: Some("v1"),
            ..old
        };
        assert!(check_extension(&new, &[old, other, new]).is_empty());
        let overlapping = VoucherSpan {
            valid_from: d(2026, 4, 30),
            ..new
        };
        let v = check_extension(&overlapping, &[old]);
        assert_eq!(v.iter().filter(|x| x.rule == VOUCHER_EXTENSION).count(), 2);
        let unknown = VoucherSpan {
            continues: Some("nope"),
            ..new
        };
        assert!(has_rule(
            &check_extension(&unknown, &[old]),
            VOUCHER_EXTENSION
        ));
        let wrong_service = VoucherSpan {
            continues: Some("v0"),
            ..new
        };
        assert!(has_rule(
            &check_extension(&wrong_service, &[other]),
            VOUCHER_EXTENSION
        ));
    }

    #[test]
    fn weeks_touched() {
        assert_eq!(iso_weeks_touched(d(2026, 2, 1), d(2026, 2, 1)), 1); // Sunday
        assert_eq!(iso_weeks_touched(d(2026, 2, 1), d(2026, 2, 2)), 2);
        assert_eq!(iso_weeks_touched(d(2026, 2, 2), d(2026, 2, 8)), 1);
    }
}
