//! Between the contracts' values and the command line's: dates as the contracts carry them,
//! today as the services count days, and units in hundredths.

use chrono::NaiveDate;
use seteli_api::common::v1::Date;

/// A date as the contracts carry it.
pub fn date(d: NaiveDate) -> Option<Date> {
    Some(seteli_platform::convert::to_date(d))
}

/// A contract date as a calendar date, if it is one.
pub fn naive(d: Option<&Date>) -> Option<NaiveDate> {
    let d = d?;
    NaiveDate::from_ymd_opt(
        d.year,
        u32::try_from(d.month).ok()?,
        u32::try_from(d.day).ok()?,
    )
}

/// Today in Finland, as the services count days.
pub fn today() -> NaiveDate {
    seteli_platform::clock::Clock::system().today()
}

/// Units (hours or days) in hundredths.
pub fn hundredths(units: f64) -> i64 {
    (units * 100.0).round() as i64
}
