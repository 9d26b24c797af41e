//! Between the contracts' values and the command line's: dates as the contracts carry them,
//! and today as the services count days.

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

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a calendar day")
    }

    #[test]
    fn a_date_goes_to_the_contract_and_back() {
        let d = date(day(2026, 2, 28)).expect("a contract date");
        assert_eq!((d.year, d.month, d.day), (2026, 2, 28));
        assert_eq!(naive(Some(&d)), Some(day(2026, 2, 28)));
    }

    #[test]
    fn a_contract_date_that_is_no_calendar_day_is_none() {
        assert_eq!(naive(None), None);
        let feb30 = Date {
            year: 2026,
            month: 2,
            day: 30,
        };
        assert_eq!(naive(Some(&feb30)), None);
        let negative = Date {
            year: 2026,
            month: -1,
            day: 1,
        };
        assert_eq!(naive(Some(&negative)), None);
    }
}
