//! Property tests: admitted sessions never exceed a cap; identifiers round-trip; business-day
//! arithmetic agrees with the holiday list; nothing panics on arbitrary input.
#![allow(clippy::unwrap_used, missing_docs)]

use chrono::{Datelike, Days, NaiveDate, Weekday};
use proptest::prelude::*;
use rust_decimal::Decimal;
use seteli_rules::calendar::{
    add_business_days, business_days_between, holidays, is_business_day,
    next_business_day_on_or_after, sub_business_days,
};
use seteli_rules::ids;
use seteli_rules::money::{from_cents, round_cents, to_cents};
use seteli_rules::sessions::{
    GroupContext, Modality, Session, SessionContext, SessionKind, VoucherTerms, check_session,
    effective_unit_cap, effective_weekly_cap,
};
use seteli_rules::{ServiceType, Unit, terms_for};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn t(h: u32) -> chrono::NaiveTime {
    chrono::NaiveTime::from_hms_opt(h, 0, 0).unwrap()
}

fn date_in(range: std::ops::Range<i64>) -> impl Strategy<Value = NaiveDate> {
    range.prop_map(|n| d(1970, 1, 1) + chrono::Duration::days(n))
}

fn service() -> impl Strategy<Value = ServiceType> {
    proptest::sample::select(ServiceType::ALL.to_vec())
}

/// A proposed session: day offset from the voucher start, units/hours in tenths, flags.
fn proposal() -> impl Strategy<Value = (i64, i64, i64, bool, bool)> {
    (-5i64..140, 0i64..60, 0i64..80, any::<bool>(), any::<bool>())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn admitted_sessions_never_exceed_caps(
        service in service(),
        granted in 1u32..140,
        weekly in proptest::option::of(1u32..6),
        variant in any::<bool>(),
        proposals in proptest::collection::vec(proposal(), 1..120),
    ) {
        let start = d(2026, 2, 2);
        let v = VoucherTerms {
            service,
            decision_date: d(2026, 1, 20),
            valid_from: start,
            valid_until: d(2026, 5, 31),
            granted_units: Decimal::from(granted),
            weekly_cap: weekly.map(Decimal::from),
            four_day_variant: variant && service == ServiceType::SkSupportedWork,
        };
        let terms = terms_for(service, v.decision_date).unwrap();
        let mut recorded: Vec<Session> = Vec::new();
        for (offset, units10, hours10, remote, excursion) in proposals {
            let date = start + chrono::Duration::days(offset);
            let units = if service.unit() == Unit::Day { Decimal::from(units10 % 2) } else { Decimal::new(units10, 1) };
            let hours = if service.unit() == Unit::Hour { units } else { Decimal::new(hours10, 1) };
            let s = Session {
                date,
                units,
                hours,
                modality: if remote { Modality::Remote } else { Modality::OnSite },
                kind: SessionKind::Regular,
                excursion,
                time: Some((t(8), t(14))),
            };
            let ctx = SessionContext {
                voucher: &v,
                recorded: &recorded,
                group: Some(GroupContext { participants: 5, provider_max: Some(10) }),
                work_activity: &[],
                coaching: &[],
                other_ktt_work_days: &[],
                responsible_coach_named: true,
            };
            if check_session(&ctx, &s).unwrap().is_empty() {
                recorded.push(s);
            }
        }
        let total: Decimal = recorded.iter().map(|s| s.units).sum();
        prop_assert!(total <= effective_unit_cap(terms, &v));
        if let Some(cap) = terms.effective_unit_cap(v.four_day_variant) {
            prop_assert!(total <= Decimal::from(cap.units));
        }
        if let Some(weekly) = effective_weekly_cap(terms, &v) {
            let mut weeks: Vec<_> = recorded.iter().map(|s| s.date.iso_week()).collect();
            weeks.dedup();
            for w in weeks {
                let sum: Decimal = recorded.iter().filter(|s| s.date.iso_week() == w).map(|s| s.units).sum();
                prop_assert!(sum <= weekly, "week {:?} has {} > {}", w, sum, weekly);
            }
        }
        for s in &recorded {
            prop_assert!(s.date >= v.valid_from && s.date <= v.valid_until);
            prop_assert!(s.units > Decimal::ZERO);
            if let Some(r) = terms.day_hours {
                prop_assert!(s.hours >= Decimal::from(r.min) && s.hours <= Decimal::from(r.max));
            }
            if let Some(max) = terms.session_hours_max {
                prop_assert!(s.hours <= Decimal::from(max) || (s.excursion && terms.excursions.is_some()));
            }
            if let Some(min) = terms.session_hours_min {
                prop_assert!(s.hours >= Decimal::from(min));
            }
            if service.unit() == Unit::Day {
                prop_assert_eq!(recorded.iter().filter(|o| o.date == s.date).count(), 1);
            }
        }
        if let Some(allowance) = terms.excursions {
            let max = Decimal::from(terms.session_hours_max.unwrap_or(0));
            let n = recorded.iter().filter(|s| s.hours > max).count();
            prop_assert!(n <= allowance.max_days as usize);
        }
    }

    #[test]
    fn accepted_grants_fit_the_weekly_cap(
        service in service(),
        from_offset in 0i64..60,
        months in 1u32..7,
        extra_days in -3i64..3,
        units in 1u32..140,
        weekly in proptest::option::of(1u32..6),
    ) {
        let valid_from = d(2026, 1, 5) + chrono::Duration::days(from_offset);
        let valid_until = seteli_rules::terms::validity_end(valid_from, months) + chrono::Duration::days(extra_days);
        let req = seteli_rules::terms::VoucherRequest {
            service,
            decision_date: d(2026, 1, 2),
            valid_from,
            valid_until,
            units: Decimal::from(units),
            weekly_cap: weekly.map(Decimal::from),
            unit_price: Decimal::from(50),
            four_day_variant: false,
        };
        let t = seteli_rules::terms::check_terms(&req).unwrap();
        if t.violations.is_empty() {
            if let Some(most) = seteli_rules::terms::weekly_bound(t.weekly_cap, valid_from, valid_until) {
                prop_assert!(req.units <= most);
            }
            if let Some(cap) = t.unit_cap {
                prop_assert!(req.units <= cap);
            }
        }
    }

    #[test]
    fn hetu_round_trips(date in date_in(-62_000..47_000), individual in 2u16..=999) {
        let code = ids::format_hetu(date, individual).unwrap();
        let h = ids::parse_hetu(&code).unwrap();
        prop_assert_eq!(h.birth_date(), date);
        prop_assert_eq!(h.individual_number(), individual);
        prop_assert_eq!(h.is_temporary(), individual >= 900);
        prop_assert_eq!(h.to_string(), code.clone());
        prop_assert_eq!(h.masked().len(), 11);
        // The mask shows no birth date: only the century sign and the check character.
        prop_assert!(h.masked().starts_with("******"));
        prop_assert_eq!(h.masked().chars().last(), code.chars().last());
        prop_assert!(!h.masked().contains(&code[..6]));
        // The 2023 alternative signs of the same century parse to the same person.
        let alternatives: &[char] = match date.year() {
            1900..=1999 => &['Y', 'X', 'W', 'V', 'U'],
            2000..=2099 => &['B', 'C', 'D', 'E', 'F'],
            _ => &[],
        };
        for sign in alternatives {
            let alt: String = code.chars().enumerate().map(|(i, c)| if i == 6 { *sign } else { c }).collect();
            prop_assert_eq!(ids::parse_hetu(&alt).unwrap().birth_date(), date);
        }
        // Any other check character fails.
        let wrong: String = code.chars().take(10).chain(std::iter::once(if code.ends_with('0') { '1' } else { '0' })).collect();
        prop_assert!(ids::parse_hetu(&wrong).is_err());
    }

    #[test]
    fn y_tunnus_round_trips(body in 0u32..10_000_000) {
        let body = format!("{body:07}");
        match ids::format_y_tunnus(&body) {
            Ok(code) => {
                prop_assert!(ids::validate_y_tunnus(&code).is_ok());
                let check = code.chars().last().unwrap().to_digit(10).unwrap();
                let wrong = format!("{body}-{}", (check + 1) % 10);
                prop_assert!(ids::validate_y_tunnus(&wrong).is_err());
                let digits: String = code.chars().filter(char::is_ascii_digit).collect();
                let ovt = format!("0037{digits}");
                prop_assert!(ids::validate_ovt(&ovt).is_ok());
            }
            Err(e) => prop_assert_eq!(e, ids::IdError::RemainderOne),
        }
    }

    #[test]
    fn references_round_trip(base in "[1-9][0-9]{2,18}") {
        let r = ids::finnish_reference(&base).unwrap();
        prop_assert!(ids::validate_finnish_reference(&r).is_ok());
        let rf = ids::rf_reference(&r).unwrap();
        prop_assert!(ids::validate_rf_reference(&rf).is_ok());
        prop_assert!(rf.ends_with(&r));
        // A changed check digit fails.
        let last = r.chars().last().unwrap().to_digit(10).unwrap();
        let wrong = format!("{}{}", &r[..r.len() - 1], (last + 1) % 10);
        prop_assert!(ids::validate_finnish_reference(&wrong).is_err());
    }

    #[test]
    fn finnish_ibans_round_trip(bban in "[0-9]{14}") {
        // Check digits: 98 − (BBAN + "FI00") mod 97, with F = 15, I = 18.
        let numeric = format!("{bban}151800");
        let rem = numeric.chars().fold(0u32, |a, c| (a * 10 + c.to_digit(10).unwrap()) % 97);
        let iban = format!("FI{:02}{bban}", 98 - rem);
        let spaced: String = iban.chars().collect::<Vec<_>>().chunks(4).map(|c| c.iter().collect::<String>()).collect::<Vec<_>>().join(" ");
        prop_assert_eq!(ids::validate_iban(&spaced).unwrap(), iban.clone());
        let mut swapped: Vec<char> = iban.chars().collect();
        swapped.swap(4, 5);
        if swapped[4] != swapped[5] {
            prop_assert!(ids::validate_iban(&swapped.iter().collect::<String>()).is_err());
        }
    }

    #[test]
    fn validators_never_panic(s in "\\PC{0,40}") {
        let _ = ids::parse_hetu(&s);
        let _ = ids::validate_y_tunnus(&s);
        let _ = ids::validate_iban(&s);
        let _ = ids::validate_bic(&s);
        let _ = ids::validate_ovt(&s);
        let _ = ids::finnish_reference(&s);
        let _ = ids::validate_finnish_reference(&s);
        let _ = ids::rf_reference(&s);
        let _ = ids::validate_rf_reference(&s);
    }

    #[test]
    fn business_days_agree_with_holidays(date in date_in(10_000..50_000), n in 0u32..40) {
        let is_listed = |x: NaiveDate| holidays(x.year()).iter().any(|(h, _)| *h == x);
        let weekend = |x: NaiveDate| matches!(x.weekday(), Weekday::Sat | Weekday::Sun);
        prop_assert_eq!(is_business_day(date), !weekend(date) && !is_listed(date));
        let r = add_business_days(date, n);
        prop_assert!(r >= date);
        prop_assert_eq!(business_days_between(date, r), n);
        if n > 0 {
            prop_assert!(is_business_day(r));
            prop_assert_eq!(sub_business_days(r, n), {
                // Going back lands on the last business day on or before `date`.
                let mut x = date;
                while !is_business_day(x) { x = x.pred_opt().unwrap(); }
                x
            });
        }
        let next = next_business_day_on_or_after(date);
        prop_assert!(is_business_day(next));
        prop_assert!(next >= date);
        let mut x = date;
        while x < next {
            prop_assert!(!is_business_day(x));
            x = x.checked_add_days(Days::new(1)).unwrap();
        }
    }

    #[test]
    fn holidays_are_fifteen_and_in_year(year in 1600i32..2500) {
        let h = holidays(year);
        prop_assert_eq!(h.len(), 15);
        // Only Ascension and May Day can coincide (Easter on 23 March, as in 2008).
        let mut dates: Vec<_> = h.iter().map(|(d, _)| *d).collect();
        dates.dedup();
        prop_assert!(dates.len() == 15 || (dates.len() == 14 && h.iter().any(|(d, _)| d.month() == 5 && d.day() == 1 && d.weekday() == Weekday::Thu)));
        prop_assert!(h.iter().all(|(d, _)| d.year() == year));
    }

    #[test]
    fn cents_round_trip(c in any::<i64>()) {
        prop_assert_eq!(to_cents(from_cents(c)), Some(c));
    }

    #[test]
    fn rounding_is_idempotent_and_close(units in -1_000_000i64..1_000_000, scale in 0u32..6) {
        let x = Decimal::new(units, scale);
        let r = round_cents(x);
        prop_assert_eq!(round_cents(r), r);
        prop_assert!((r - x).abs() <= Decimal::new(5, 3));
    }
}

/// The cap property is not vacuous: offering every day of the validity fills the voucher
/// exactly to its caps.
#[test]
fn greedy_admission_fills_exactly_to_the_caps() {
    for (service, variant, expected) in [
        (ServiceType::SkSupportedWork, false, 51),
        (ServiceType::SkSupportedWork, true, 68),
        (ServiceType::KttGroup, false, 34),
        (ServiceType::KttAssessment, false, 68),
        (ServiceType::SkIndividual, false, 40),
        (ServiceType::SkGroup, false, 80),
    ] {
        let v = VoucherTerms {
            service,
            decision_date: d(2026, 1, 20),
            valid_from: d(2026, 2, 2),
            valid_until: d(2026, 5, 31),
            granted_units: Decimal::from(100),
            weekly_cap: None,
            four_day_variant: variant,
        };
        let mut recorded: Vec<Session> = Vec::new();
        let mut date = v.valid_from;
        while date <= v.valid_until {
            let s = Session {
                date,
                units: Decimal::ONE,
                hours: if service.unit() == Unit::Day {
                    Decimal::from(4)
                } else {
                    Decimal::ONE
                },
                modality: Modality::OnSite,
                kind: SessionKind::Regular,
                excursion: false,
                time: Some((t(8), t(14))),
            };
            let ctx = SessionContext {
                voucher: &v,
                recorded: &recorded,
                group: Some(GroupContext {
                    participants: 5,
                    provider_max: Some(10),
                }),
                work_activity: &[],
                coaching: &[],
                other_ktt_work_days: &[],
                responsible_coach_named: true,
            };
            if check_session(&ctx, &s).unwrap().is_empty() {
                recorded.push(s);
            }
            date = date.succ_opt().unwrap();
        }
        // Day services: 17 ISO weeks (2.2.–31.5.2026) × weekly cap, below the unit cap (54 / 72;
        // KTT work activity has none: 4 × 17).
        // SK individual: the 40 h cap; SK group: 5 h a week × 17 = 85 > the 80 h cap.
        assert_eq!(recorded.len(), expected, "{service:?} variant {variant}");
    }
}
