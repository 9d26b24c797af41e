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

/// The contract enum value as a rulebook service; `INVALID_ARGUMENT` when unset or unknown.
pub fn service_type(field: &str, value: i32) -> Result<ServiceType, AppError> {
    common::ServiceType::try_from(value)
        .ok()
        .filter(|s| *s != common::ServiceType::Unspecified)
        .and_then(|s| ServiceType::from_code(s.as_str_name().trim_start_matches("SERVICE_TYPE_")))
        .ok_or_else(|| AppError::invalid(field, "required: one of the nine voucher services"))
}

/// A rulebook service as the contract enum value.
pub fn to_service_type(s: ServiceType) -> i32 {
    common::ServiceType::from_str_name(&format!("SERVICE_TYPE_{}", s.code()))
        .map(|v| v as i32)
        .unwrap_or_default()
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
