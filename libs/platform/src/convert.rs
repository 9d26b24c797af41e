//! Conversions between contract types (`seteli.common.v1`) and domain types.

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use seteli_api::common::v1 as common;
use seteli_rules::ServiceType;

use crate::error::AppError;

/// A contract date as a calendar date; `INVALID_ARGUMENT` on `field` when it is not one.
pub fn date(field: &str, d: Option<&common::Date>) -> Result<NaiveDate, AppError> {
    let d = d.ok_or_else(|| AppError::invalid(field, "required"))?;
    u32::try_from(d.month)
        .ok()
        .zip(u32::try_from(d.day).ok())
        .and_then(|(m, day)| NaiveDate::from_ymd_opt(d.year, m, day))
        .ok_or_else(|| AppError::invalid(field, "not a calendar date"))
}

/// A calendar date as a contract date.
pub fn to_date(d: NaiveDate) -> common::Date {
    common::Date {
        year: d.year(),
        month: i32::try_from(d.month()).unwrap_or_default(),
        day: i32::try_from(d.day()).unwrap_or_default(),
    }
}

/// An optional contract date; `INVALID_ARGUMENT` on `field` when set but not a calendar date.
pub fn optional_date(field: &str, d: Option<&common::Date>) -> Result<Option<NaiveDate>, AppError> {
    d.map(|d| date(field, Some(d))).transpose()
}

/// An optional calendar date as an optional contract date.
pub fn opt_date(d: Option<NaiveDate>) -> Option<common::Date> {
    d.map(to_date)
}

/// The first and last day of a calendar month; `INVALID_ARGUMENT` on `month` unless the year is
/// 2000–2100 and the month 1–12.
pub fn month_bounds(year: i32, month: i32) -> Result<(NaiveDate, NaiveDate), AppError> {
    let first = u32::try_from(month)
        .ok()
        .and_then(|m| NaiveDate::from_ymd_opt(year, m, 1))
        .filter(|_| (2000..=2100).contains(&year))
        .ok_or_else(|| AppError::invalid("month", "required: a year 2000–2100 and a month 1–12"))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| AppError::invalid("month", "out of range"))?;
    Ok((first, next.pred_opt().unwrap_or(first)))
}

/// A trimmed, required free-text field of at most `max` characters.
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("required, at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// The longest id [`required_id`] takes, in bytes.
pub const MAX_ID: usize = 100;

/// A required id field (trimmed, 1–[`MAX_ID`] bytes).
pub fn required_id(field: &str, value: &str) -> Result<String, AppError> {
    required_id_within(field, value, MAX_ID)
}

/// A required id field (trimmed, 1–`max` bytes).
pub fn required_id_within(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.len() > max {
        return Err(AppError::invalid(field, "required"));
    }
    Ok(v.to_owned())
}

/// Parses a stored `YYYY-MM-DD`.
pub fn parse_stored_date(s: &str) -> Result<NaiveDate, AppError> {
    // chrono's ISO 8601 parser: the same `YYYY-MM-DD`, without interpreting a format string for
    // every date of every row (2-3 % of a page of vouchers' CPU in a profile).
    s.parse::<NaiveDate>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored date {s:?}: {e}")))
}

/// A date as stored: `YYYY-MM-DD`.
pub fn store_date(d: NaiveDate) -> String {
    // `YYYY-MM-DD` (ISO 8601) for the years 0–9999, as `%Y-%m-%d` writes them.
    d.to_string()
}

/// Money in cents as a decimal amount of euros.
pub fn money(field: &str, m: Option<&common::Money>) -> Result<Decimal, AppError> {
    let m = m.ok_or_else(|| AppError::invalid(field, "required"))?;
    if m.cents < 0 {
        return Err(AppError::invalid(field, "must not be negative"));
    }
    Ok(seteli_rules::money::from_cents(m.cents))
}

/// Cents as contract money.
pub fn to_money(cents: i64) -> common::Money {
    common::Money { cents }
}

/// A model enum with a protobuf twin; implemented by [`crate::pb_enum!`], never by hand, so the
/// two lists cannot drift apart.
pub trait PbEnum: Sized + Copy {
    /// The protobuf enum value of `self`.
    fn to_pb(self) -> i32;
    /// The model value of a protobuf enum value; `None` for `_UNSPECIFIED` and unknown values.
    fn from_pb(value: i32) -> Option<Self>;

    /// The value of a required enum field; `INVALID_ARGUMENT` on `field` when unset or unknown.
    fn required(field: &str, value: i32) -> Result<Self, AppError> {
        Self::from_pb(value)
            .ok_or_else(|| AppError::invalid(field, "required: one of the listed values"))
    }

    /// The value of an optional enum field (`_UNSPECIFIED` means none).
    fn optional(field: &str, value: i32) -> Result<Option<Self>, AppError> {
        if value == 0 {
            Ok(None)
        } else {
            Self::required(field, value).map(Some)
        }
    }
}

/// Pairs a model enum with its protobuf enum, variant by variant:
///
/// ```ignore
/// pb_enum!(VoucherState, pb::VoucherState {
///     Issued => Issued,
///     Active => Active,
/// });
/// ```
///
/// For an enum of another crate (a rulebook's, which [`PbEnum`] cannot be implemented for
/// there), the same list as two functions, each an exhaustive match (a variant added on either
/// side without its twin does not compile):
///
/// ```ignore
/// pb_enum!(fn legal_form_to_pb, fn legal_form: LegalForm, pb::LegalForm {
///     Company => Company,
/// });
/// ```
#[macro_export]
macro_rules! pb_enum {
    (fn $to:ident, fn $from:ident: $model:ident, $pb:ty { $($m:ident => $p:ident),+ $(,)? }) => {
        #[doc = concat!("The contract value of a [`", stringify!($model), "`].")]
        pub fn $to(value: $model) -> i32 {
            (match value {
                $($model::$m => <$pb>::$p,)+
            }) as i32
        }

        #[doc = concat!("The [`", stringify!($model), "`] of a contract value; `None` when unspecified or unknown.")]
        pub fn $from(value: i32) -> Option<$model> {
            match <$pb>::try_from(value).ok()? {
                $(<$pb>::$p => Some($model::$m),)+
                <$pb>::Unspecified => None,
            }
        }
    };
    ($model:ty, $pb:ty { $($m:ident => $p:ident),+ $(,)? }) => {
        impl $crate::convert::PbEnum for $model {
            fn to_pb(self) -> i32 {
                match self {
                    $(Self::$m => <$pb>::$p as i32,)+
                }
            }
            fn from_pb(value: i32) -> Option<Self> {
                match <$pb>::try_from(value).ok()? {
                    $(<$pb>::$p => Some(Self::$m),)+
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
        }
    };
}

/// The error of a stored code no variant of `kind` has: the database holds what this build does
/// not know (`INTERNAL`).
pub fn unknown_code(kind: &str, code: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("unknown stored {kind} {code:?}"))
}

/// A model enum with stable stored codes: the enum itself, `ALL`, `code` and `parse` (an
/// unknown stored code is [`unknown_code`]).
///
/// ```ignore
/// coded! {
///     /// How a session is delivered.
///     Modality {
///         /// On site.
///         OnSite = "ON_SITE",
///         /// By phone.
///         Phone = "PHONE",
///     }
/// }
/// ```
#[macro_export]
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $( $(#[$vm:meta])* $v:ident = $code:literal, )* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $( $(#[$vm])* $v, )* }
        impl $name {
            /// Every value.
            pub const ALL: &'static [$name] = &[ $( $name::$v, )* ];
            /// Stored code.
            pub fn code(self) -> &'static str { match self { $( $name::$v => $code, )* } }
            /// Parses a stored code.
            pub fn parse(s: &str) -> Result<Self, $crate::AppError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|x| x.code() == s)
                    .ok_or_else(|| $crate::convert::unknown_code(stringify!($name), s))
            }
        }
    };
}

crate::pb_enum!(ServiceType, common::ServiceType {
    KttIndividual => KttIndividual,
    KttGroup => KttGroup,
    KttAssessment => KttAssessment,
    KttWorkCapacity => KttWorkCapacity,
    SkIndividual => SkIndividual,
    SkIndividualDailyLiving => SkIndividualDailyLiving,
    SkGroup => SkGroup,
    SkSupportedWork => SkSupportedWork,
    SkParticipation => SkParticipation,
});

/// The contract enum value as a rulebook service; `INVALID_ARGUMENT` when unset or unknown.
pub fn service_type(field: &str, value: i32) -> Result<ServiceType, AppError> {
    ServiceType::from_pb(value)
        .ok_or_else(|| AppError::invalid(field, "required: one of the nine voucher services"))
}

/// A service as stored (its code, `KTT_INDIVIDUAL`); `INTERNAL` when the stored code is none
/// of the nine (a corrupt row, not the caller's mistake).
pub fn stored_service(code: &str) -> Result<ServiceType, AppError> {
    ServiceType::from_code(code)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown stored service {code:?}")))
}

/// A protobuf message as a text column keeps it: base64 of its encoding.
pub fn store_message<M: prost::Message>(m: &M) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(m.encode_to_vec())
}

/// A message [`store_message`] kept; `INTERNAL` ("stored `what` is corrupt") when it does not
/// decode.
pub fn stored_message<M: prost::Message + Default>(s: &str, what: &str) -> Result<M, AppError> {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .ok()
        .and_then(|b| M::decode(b.as_slice()).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored {what} is corrupt")))
}

/// A rulebook service as the contract enum value.
pub fn to_service_type(s: ServiceType) -> i32 {
    s.to_pb()
}

/// Contract coordinates as checked WGS84 coordinates.
pub fn coordinates(
    field: &str,
    c: Option<&common::Coordinates>,
) -> Result<seteli_rules::geo::Coordinates, AppError> {
    let c = c.ok_or_else(|| AppError::invalid(field, "required"))?;
    seteli_rules::geo::Coordinates::new(c.latitude, c.longitude)
        .map_err(|e| AppError::invalid(field, e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stored_date_is_yyyy_mm_dd_both_ways() {
        for (text, date) in [
            ("2026-12-07", NaiveDate::from_ymd_opt(2026, 12, 7)),
            ("0999-01-02", NaiveDate::from_ymd_opt(999, 1, 2)),
            ("9999-12-31", NaiveDate::from_ymd_opt(9999, 12, 31)),
        ] {
            let date = date.unwrap();
            assert_eq!(store_date(date), text);
            assert_eq!(store_date(date), date.format("%Y-%m-%d").to_string());
            assert_eq!(parse_stored_date(text).unwrap(), date);
        }
        for bad in ["2026-13-01", "2026-1-1x", "", "7.12.2026"] {
            assert!(parse_stored_date(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_stored_message_reads_back_and_a_corrupt_one_is_internal() {
        let d = to_date(NaiveDate::from_ymd_opt(2026, 12, 7).expect("date"));
        let kept = store_message(&d);
        assert_eq!(stored_message::<common::Date>(&kept, "date").ok(), Some(d));
        for corrupt in ["not base64!", "AAAA//8="] {
            match stored_message::<common::Date>(corrupt, "date") {
                Err(AppError::Internal(e)) => assert_eq!(e.to_string(), "stored date is corrupt"),
                other => panic!("{corrupt}: {other:?}"),
            }
        }
        assert_eq!(
            stored_service("KTT_INDIVIDUAL").ok(),
            Some(ServiceType::KttIndividual)
        );
        assert!(matches!(stored_service("KTT"), Err(AppError::Internal(_))));
    }

    crate::coded! {
        /// A test enum.
        Colour {
            /// Red.
            Red = "RED",
            /// Green.
            Green = "GREEN",
        }
    }

    #[test]
    fn coded_enums_round_trip_their_stored_codes() {
        for c in Colour::ALL {
            assert_eq!(Colour::parse(c.code()).unwrap(), *c);
        }
        assert_eq!(Colour::Green.code(), "GREEN");
        let err = Colour::parse("BLUE").unwrap_err();
        assert!(
            err.to_string().contains("unknown stored Colour \"BLUE\""),
            "{err}"
        );
    }

    #[test]
    fn required_fields_are_trimmed_and_bounded() {
        assert_eq!(required_text("f", "  a b ", 3).unwrap(), "a b");
        assert!(required_text("f", "   ", 3).is_err());
        assert!(required_text("f", "abcd", 3).is_err());
        assert_eq!(required_text("f", "ääkk", 4).unwrap(), "ääkk");
        assert_eq!(required_id("f", " id-1 ").unwrap(), "id-1");
        assert!(required_id("f", "").is_err());
        assert!(required_id("f", &"x".repeat(MAX_ID + 1)).is_err());
        assert!(required_id_within("f", &"x".repeat(MAX_ID + 1), 200).is_ok());
        assert!(required_id_within("f", &"x".repeat(201), 200).is_err());
    }

    #[test]
    fn month_bounds_are_the_first_and_last_day() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            month_bounds(2024, 2).unwrap(),
            (d(2024, 2, 1), d(2024, 2, 29))
        );
        assert_eq!(
            month_bounds(2025, 12).unwrap(),
            (d(2025, 12, 1), d(2025, 12, 31))
        );
        assert!(month_bounds(2025, 13).is_err());
        assert!(month_bounds(2025, 0).is_err());
        assert!(month_bounds(1999, 5).is_err());
    }

    #[test]
    fn optional_dates_pass_none_and_check_some() {
        assert_eq!(optional_date("f", None).unwrap(), None);
        let bad = common::Date {
            year: 2025,
            month: 2,
            day: 30,
        };
        assert!(optional_date("f", Some(&bad)).is_err());
        let day = NaiveDate::from_ymd_opt(2025, 2, 28).unwrap();
        assert_eq!(
            optional_date("f", opt_date(Some(day)).as_ref()).unwrap(),
            Some(day)
        );
    }
}
