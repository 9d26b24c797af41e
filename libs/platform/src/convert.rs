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

/// Parses a stored `YYYY-MM-DD`.
pub fn parse_stored_date(s: &str) -> Result<NaiveDate, AppError> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored date {s:?}: {e}")))
}

/// A date as stored: `YYYY-MM-DD`.
pub fn store_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
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
#[macro_export]
macro_rules! pb_enum {
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
