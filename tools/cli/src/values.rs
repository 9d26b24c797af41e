//! Parsers of the values a command line (or a provider file) gives: dates, times, months,
//! places, amounts of money and units (exact: never through a float), a service, an offering,
//! a staff member, a document. Each refusal names the value and what was expected.

use chrono::NaiveDate;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;

/// A date as `YYYY-MM-DD`; a well-formed day that is not in the calendar (`2026-11-31`) is
/// named as such, not as a format error.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    use chrono::format::ParseErrorKind;
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").map_err(|e| match e.kind() {
        ParseErrorKind::OutOfRange | ParseErrorKind::Impossible => {
            format!("{} is not a day of the calendar", s.trim())
        }
        _ => format!("{:?} is not a date: expected YYYY-MM-DD", s.trim()),
    })
}

/// A place as `LAT,LON` in decimal degrees (WGS84), e.g. `62.8924,27.6770`.
pub fn parse_point(s: &str) -> Result<(f64, f64), String> {
    let bad = || format!("{s:?} is not a place: expected LAT,LON in degrees, e.g. 62.8924,27.6770");
    let (lat, lon) = s.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.trim().parse().map_err(|_| bad())?;
    let lon: f64 = lon.trim().parse().map_err(|_| bad())?;
    if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
        return Err(format!(
            "{s:?}: a latitude is -90…90 and a longitude -180…180 degrees"
        ));
    }
    Ok((lat, lon))
}

/// A month as `YYYY-MM`.
pub fn parse_month(s: &str) -> Result<(i32, u32), String> {
    let bad = || format!("{s:?} is not a month: expected YYYY-MM, e.g. 2026-10");
    let (y, m) = s.trim().split_once('-').ok_or_else(bad)?;
    let m: u32 = m.parse().map_err(|_| bad())?;
    if !(1..=12).contains(&m) {
        return Err(format!("{s:?}: a month is 01–12"));
    }
    Ok((y.parse().map_err(|_| bad())?, m))
}

/// A time of day as `HH:MM` (`9:00` too).
pub fn parse_time(s: &str) -> Result<(i32, i32), String> {
    let bad = || format!("{s:?} is not a time of day: expected HH:MM, e.g. 9:00 or 13:30");
    let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (i32, i32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(0..24).contains(&h) || !(0..60).contains(&m) || s.trim().len() > 5 {
        return Err(bad());
    }
    Ok((h, m))
}

/// A decimal number with at most two decimals, in hundredths, exactly (`60`, `60.5`, `60,50`).
fn hundredths_of(s: &str) -> Option<i64> {
    let t = s.trim();
    let (whole, frac) = match t.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (t, ""),
    };
    let digits = |d: &str| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || (!frac.is_empty() && !digits(frac)) || frac.len() > 2 {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let frac: i64 = format!("{frac:0<2}").parse().ok()?;
    whole.checked_mul(100)?.checked_add(frac)
}

/// An amount of euros (`60`, `60.50`, `60,50`, with or without `€`), in cents, exactly.
pub fn parse_euros(s: &str) -> Result<i64, String> {
    let t = s.trim().trim_end_matches('€').trim_end();
    hundredths_of(t).ok_or_else(|| {
        format!("{s:?} is not an amount of euros: expected e.g. 60 or 60.50 (at most two decimals)")
    })
}

/// Units (hours or activity days) with at most two decimals (`30`, `1.5`), in hundredths.
pub fn parse_units(s: &str) -> Result<i64, String> {
    hundredths_of(s).ok_or_else(|| {
        format!("{s:?} is not a number of units: expected e.g. 30 or 1.5 (at most two decimals)")
    })
}

/// How a contract enum's values are spelt on the command line.
#[derive(Clone, Copy)]
enum Spelling {
    /// As the contract, without the prefix: `KTT_INDIVIDUAL`.
    Contract,
    /// In lower case with hyphens: `uas-social-or-health`.
    Kebab,
}

/// The names of a contract enum's values after `prefix`, spelt as `spelling` says,
/// unspecified left out.
fn names_of(
    prefix: &str,
    spelling: Spelling,
    name: impl Fn(i32) -> Option<&'static str>,
) -> Vec<String> {
    (1..)
        .map_while(&name)
        .map(|n| {
            let n = n.strip_prefix(prefix).unwrap_or(n);
            match spelling {
                Spelling::Contract => n.to_owned(),
                Spelling::Kebab => n.to_lowercase().replace('_', "-"),
            }
        })
        .collect()
}

/// A contract enum's value by its name in either spelling (`uas-social-or-health` or
/// `UAS_SOCIAL_OR_HEALTH`): its number, or an error listing every name.
fn by_name(
    (what, prefix, spelling): (&str, &str, Spelling),
    given: &str,
    number: impl Fn(&str) -> Option<i32>,
    name: impl Fn(i32) -> Option<&'static str>,
) -> Result<i32, String> {
    let full = format!("{prefix}{}", given.trim().to_uppercase().replace('-', "_"));
    number(&full).filter(|v| *v != 0).ok_or_else(|| {
        let names = names_of(prefix, spelling, name).join(", ");
        format!("unknown {what} {given:?}: one of {names}")
    })
}

/// A service by its contract name without the prefix, e.g. `KTT_INDIVIDUAL` (or
/// `ktt-individual`).
pub fn parse_service(s: &str) -> Result<ServiceType, String> {
    let v = by_name(
        ("service", "SERVICE_TYPE_", Spelling::Contract),
        s,
        |n| ServiceType::from_str_name(n).map(|t| t as i32),
        |v| ServiceType::try_from(v).ok().map(|t| t.as_str_name()),
    )?;
    ServiceType::try_from(v).map_err(|e| e.to_string())
}

/// A staff qualification by name, e.g. `sosionomi`, `uas-social-or-health`.
pub fn parse_qualification(s: &str) -> Result<ppb::Qualification, String> {
    let v = by_name(
        ("qualification", "QUALIFICATION_", Spelling::Kebab),
        s,
        |n| ppb::Qualification::from_str_name(n).map(|q| q as i32),
        |v| {
            ppb::Qualification::try_from(v)
                .ok()
                .map(|q| q.as_str_name())
        },
    )?;
    ppb::Qualification::try_from(v).map_err(|e| e.to_string())
}

/// A document kind by name, e.g. `liability-insurance`, `tax-certificate`.
pub fn parse_document_kind(s: &str) -> Result<ppb::DocumentKind, String> {
    let v = by_name(
        ("document kind", "DOCUMENT_KIND_", Spelling::Kebab),
        s,
        |n| ppb::DocumentKind::from_str_name(n).map(|k| k as i32),
        |v| ppb::DocumentKind::try_from(v).ok().map(|k| k.as_str_name()),
    )?;
    ppb::DocumentKind::try_from(v).map_err(|e| e.to_string())
}

/// An offering, `SERVICE=EUR[:GROUP SIZE]`, e.g. `KTT_INDIVIDUAL=60.00` or `SK_GROUP=30.00:8`:
/// the service, its price in cents and its largest group (0 for an individual service).
pub fn parse_offer(s: &str) -> Result<(ServiceType, i64, i32), String> {
    let (service, rest) = s.split_once('=').ok_or_else(|| {
        format!(
            "{s:?} is not an offering: expected SERVICE=EUR[:GROUP SIZE], e.g. SK_GROUP=30.00:8"
        )
    })?;
    let (price, size) = match rest.split_once(':') {
        Some((p, n)) => (
            p,
            n.trim()
                .parse()
                .ok()
                .filter(|n: &i32| *n > 0)
                .ok_or_else(|| format!("{s:?}: the group size {n:?} is not a positive number"))?,
        ),
        None => (rest, 0),
    };
    Ok((parse_service(service)?, parse_euros(price)?, size))
}

/// A staff member, `NAME:QUALIFICATION[:REGISTER NUMBER]`, e.g.
/// `Sanna Sosionomi:sosionomi:JS-123456`.
pub fn parse_staff(s: &str) -> Result<ppb::StaffMember, String> {
    let mut parts = s.splitn(3, ':');
    let name = parts.next().unwrap_or_default().trim();
    let qualification = parts.next().ok_or_else(|| {
        format!(
            "{s:?} is not a staff member: expected NAME:QUALIFICATION[:REGISTER NUMBER], \
             e.g. \"Sanna Sosionomi:sosionomi:JS-123456\""
        )
    })?;
    if name.is_empty() {
        return Err(format!("{s:?}: the staff member's name is missing"));
    }
    Ok(ppb::StaffMember {
        name: name.to_owned(),
        qualification: parse_qualification(qualification)? as i32,
        register_number: parts.next().unwrap_or_default().trim().to_owned(),
        ..Default::default()
    })
}

/// A document, `KIND:ISSUED[..EXPIRES]=FILE`, e.g.
/// `liability-insurance:2026-01-02..2027-01-01=docs/vakuutus.pdf`.
pub fn parse_document(s: &str) -> Result<ppb::Document, String> {
    let bad = || {
        format!(
            "{s:?} is not a document: expected KIND:ISSUED[..EXPIRES]=FILE, e.g. \
             liability-insurance:2026-01-02..2027-01-01=docs/vakuutus.pdf"
        )
    };
    let (what, file) = s.split_once('=').ok_or_else(bad)?;
    let (kind, dates) = what.split_once(':').ok_or_else(bad)?;
    let (issued, expires) = match dates.split_once("..") {
        Some((i, e)) => (parse_date(i)?, Some(parse_date(e)?)),
        None => (parse_date(dates)?, None),
    };
    if file.trim().is_empty() {
        return Err(format!("{s:?}: the document's file (after '=') is missing"));
    }
    Ok(document(
        parse_document_kind(kind)?,
        issued,
        expires,
        file.trim(),
    ))
}

/// A document of `kind` issued on `issued`, in force until `expires` (if it expires), kept
/// as `file`.
pub fn document(
    kind: ppb::DocumentKind,
    issued: NaiveDate,
    expires: Option<NaiveDate>,
    file: &str,
) -> ppb::Document {
    let day = |d: NaiveDate| Some(seteli_platform::convert::to_date(d));
    ppb::Document {
        kind: kind as i32,
        issued_on: day(issued),
        expires_on: expires.and_then(day),
        file_reference: file.to_owned(),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a day")
    }

    #[test]
    fn a_day_not_in_the_calendar_is_named_as_such() {
        let said = |s: &str| parse_date(s).err().unwrap_or_default();
        assert_eq!(
            said("2026-11-31"),
            "2026-11-31 is not a day of the calendar"
        );
        assert_eq!(
            said("2026-02-29"),
            "2026-02-29 is not a day of the calendar"
        );
        assert_eq!(
            said("31.11.2026"),
            "\"31.11.2026\" is not a date: expected YYYY-MM-DD"
        );
        assert_eq!(parse_date("2028-02-29").ok(), Some(day(2028, 2, 29)));
    }

    #[test]
    fn money_and_units_are_exact_and_a_bad_amount_says_what_is_expected() {
        assert_eq!(parse_euros("60"), Ok(6000));
        assert_eq!(parse_euros("60.5"), Ok(6050));
        assert_eq!(parse_euros("60,05 €"), Ok(6005));
        assert_eq!(parse_euros("0.10"), Ok(10));
        for bad in ["60.505", "sixty", "-5", "", "6e1", "1.2.3"] {
            let e = parse_euros(bad).expect_err(bad);
            assert!(e.contains("is not an amount of euros"), "{e}");
        }
        assert_eq!(parse_units("30"), Ok(3000));
        assert_eq!(parse_units("1.25"), Ok(125));
        assert!(
            parse_units("0.333")
                .expect_err("three decimals")
                .contains("at most two decimals")
        );
    }

    #[test]
    fn an_unknown_service_lists_every_service() {
        assert_eq!(
            parse_service("ktt-individual"),
            Ok(ServiceType::KttIndividual)
        );
        assert_eq!(parse_service("SK_GROUP"), Ok(ServiceType::SkGroup));
        let e = parse_service("KTT_INDIVIDAUL").expect_err("a typo");
        assert!(
            e.starts_with("unknown service \"KTT_INDIVIDAUL\": one of"),
            "{e}"
        );
        for s in [
            "KTT_INDIVIDUAL",
            "SK_INDIVIDUAL_DAILY_LIVING",
            "SK_PARTICIPATION",
        ] {
            assert!(e.contains(s), "{s} in {e}");
        }
        assert!(parse_service("UNSPECIFIED").is_err());
    }

    #[test]
    fn an_offering_a_staff_member_and_a_document_from_one_value() {
        assert_eq!(
            parse_offer("SK_GROUP=30.00:8"),
            Ok((ServiceType::SkGroup, 3000, 8))
        );
        assert_eq!(
            parse_offer("KTT_INDIVIDUAL=60"),
            Ok((ServiceType::KttIndividual, 6000, 0))
        );
        assert!(parse_offer("SK_GROUP=30:0").is_err());
        assert!(parse_offer("KTT_INDIVIDUAL").is_err());
        let s = parse_staff("Sanna Sosionomi:sosionomi:JS-123456").expect("staff");
        assert_eq!(s.name, "Sanna Sosionomi");
        assert_eq!(s.qualification, ppb::Qualification::Sosionomi as i32);
        assert_eq!(s.register_number, "JS-123456");
        let coach = parse_staff("Olli Ohjaaja:uas-social-or-health").expect("staff");
        assert_eq!(coach.register_number, "");
        let e = parse_staff("Olli:nurse").expect_err("unknown qualification");
        assert!(
            e.contains("sosionomi") && e.contains("work-guidance"),
            "{e}"
        );
        let d = parse_document("liability-insurance:2026-01-02..2027-01-01=docs/v.pdf")
            .expect("document");
        assert_eq!(d.kind, ppb::DocumentKind::LiabilityInsurance as i32);
        assert_eq!(d.file_reference, "docs/v.pdf");
        assert_eq!(d.expires_on.map(|e| e.year), Some(2027));
        let open = parse_document("tax-certificate:2026-01-02=https://x/y:z.pdf").expect("doc");
        assert_eq!(open.expires_on, None);
        assert_eq!(open.file_reference, "https://x/y:z.pdf");
        assert!(parse_document("tax-certificate=x.pdf").is_err());
    }

    #[test]
    fn places_times_and_months_name_what_is_expected() {
        assert_eq!(parse_point("62.8924, 27.6770"), Ok((62.8924, 27.677)));
        assert!(
            parse_point("62.89;27.67")
                .expect_err("no comma")
                .contains("LAT,LON")
        );
        assert!(
            parse_point("95,27")
                .expect_err("out of range")
                .contains("-90")
        );
        assert_eq!(parse_time("9:00"), Ok((9, 0)));
        assert!(
            parse_time("25:00")
                .expect_err("no such hour")
                .contains("HH:MM")
        );
        assert_eq!(parse_month("2026-10"), Ok((2026, 10)));
        assert!(
            parse_month("2026-13")
                .expect_err("no such month")
                .contains("01–12")
        );
    }
}
