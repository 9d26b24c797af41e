//! The Finnish calendar: public holidays of any year, business days (arkipäivät) and
//! deadline rolling.
//!
//! A business day is Monday–Friday that is not a holiday of [`holidays`]. Midsummer Eve and
//! Christmas Eve are not statutory holidays but are de-facto days off and count as holidays
//! here. All arithmetic saturates at the ends of [`NaiveDate`]'s range instead of panicking.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// A Finnish public holiday (or de-facto holiday: Midsummer Eve, Christmas Eve).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Holiday {
    /// Uudenvuodenpäivä, 1 January.
    NewYear,
    /// Loppiainen, 6 January.
    Epiphany,
    /// Pitkäperjantai, Easter − 2.
    GoodFriday,
    /// Pääsiäispäivä.
    EasterSunday,
    /// Toinen pääsiäispäivä, Easter + 1.
    EasterMonday,
    /// Vappu, 1 May.
    MayDay,
    /// Helatorstai, Easter + 39.
    Ascension,
    /// Helluntaipäivä, Easter + 49.
    Whitsun,
    /// Juhannusaatto, Friday between 19 and 25 June (de facto).
    MidsummerEve,
    /// Juhannuspäivä, Saturday between 20 and 26 June.
    MidsummerDay,
    /// Pyhäinpäivä, Saturday between 31 October and 6 November.
    AllSaints,
    /// Itsenäisyyspäivä, 6 December.
    IndependenceDay,
    /// Jouluaatto, 24 December (de facto).
    ChristmasEve,
    /// Joulupäivä, 25 December.
    ChristmasDay,
    /// Tapaninpäivä, 26 December.
    BoxingDay,
}

impl Holiday {
    /// Finnish name.
    pub fn name_fi(self) -> &'static str {
        match self {
            Holiday::NewYear => "uudenvuodenpäivä",
            Holiday::Epiphany => "loppiainen",
            Holiday::GoodFriday => "pitkäperjantai",
            Holiday::EasterSunday => "pääsiäispäivä",
            Holiday::EasterMonday => "toinen pääsiäispäivä",
            Holiday::MayDay => "vappu",
            Holiday::Ascension => "helatorstai",
            Holiday::Whitsun => "helluntaipäivä",
            Holiday::MidsummerEve => "juhannusaatto",
            Holiday::MidsummerDay => "juhannuspäivä",
            Holiday::AllSaints => "pyhäinpäivä",
            Holiday::IndependenceDay => "itsenäisyyspäivä",
            Holiday::ChristmasEve => "jouluaatto",
            Holiday::ChristmasDay => "joulupäivä",
            Holiday::BoxingDay => "tapaninpäivä",
        }
    }

    /// English name.
    pub fn name_en(self) -> &'static str {
        match self {
            Holiday::NewYear => "New Year's Day",
            Holiday::Epiphany => "Epiphany",
            Holiday::GoodFriday => "Good Friday",
            Holiday::EasterSunday => "Easter Sunday",
            Holiday::EasterMonday => "Easter Monday",
            Holiday::MayDay => "May Day",
            Holiday::Ascension => "Ascension Day",
            Holiday::Whitsun => "Whitsun",
            Holiday::MidsummerEve => "Midsummer Eve",
            Holiday::MidsummerDay => "Midsummer Day",
            Holiday::AllSaints => "All Saints' Day",
            Holiday::IndependenceDay => "Independence Day",
            Holiday::ChristmasEve => "Christmas Eve",
            Holiday::ChristmasDay => "Christmas Day",
            Holiday::BoxingDay => "Boxing Day",
        }
    }
}

/// Easter Sunday of a Gregorian year (anonymous Gregorian algorithm); `None` outside
/// [`NaiveDate`]'s range.
pub fn easter_sunday(year: i32) -> Option<NaiveDate> {
    let y = i64::from(year);
    let a = y.rem_euclid(19);
    let b = y.div_euclid(100);
    let c = y.rem_euclid(100);
    let d = b.div_euclid(4);
    let e = b.rem_euclid(4);
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let i = c.div_euclid(4);
    let k = c.rem_euclid(4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l).div_euclid(451);
    let month = (h + l - 7 * m + 114).div_euclid(31);
    let day = (h + l - 7 * m + 114).rem_euclid(31) + 1;
    NaiveDate::from_ymd_opt(year, u32::try_from(month).ok()?, u32::try_from(day).ok()?)
}

fn offset(date: NaiveDate, days: i64) -> Option<NaiveDate> {
    if days >= 0 {
        date.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        date.checked_sub_days(Days::new(days.unsigned_abs()))
    }
}

/// The weekday `wd` in the inclusive range starting at `year-month-first_day` (7 days long).
fn weekday_from(year: i32, month: u32, first_day: u32, wd: Weekday) -> Option<NaiveDate> {
    let start = NaiveDate::from_ymd_opt(year, month, first_day)?;
    (0..7)
        .filter_map(|i| offset(start, i))
        .find(|d| d.weekday() == wd)
}

/// All holidays of a year, sorted by date. Dates outside [`NaiveDate`]'s range are left out.
pub fn holidays(year: i32) -> Vec<(NaiveDate, Holiday)> {
    let fixed = |m: u32, d: u32, h: Holiday| NaiveDate::from_ymd_opt(year, m, d).map(|x| (x, h));
    let mut out: Vec<(NaiveDate, Holiday)> = Vec::with_capacity(15);
    out.extend(fixed(1, 1, Holiday::NewYear));
    out.extend(fixed(1, 6, Holiday::Epiphany));
    if let Some(easter) = easter_sunday(year) {
        out.extend(offset(easter, -2).map(|d| (d, Holiday::GoodFriday)));
        out.push((easter, Holiday::EasterSunday));
        out.extend(offset(easter, 1).map(|d| (d, Holiday::EasterMonday)));
        out.extend(offset(easter, 39).map(|d| (d, Holiday::Ascension)));
        out.extend(offset(easter, 49).map(|d| (d, Holiday::Whitsun)));
    }
    out.extend(fixed(5, 1, Holiday::MayDay));
    out.extend(weekday_from(year, 6, 19, Weekday::Fri).map(|d| (d, Holiday::MidsummerEve)));
    out.extend(weekday_from(year, 6, 20, Weekday::Sat).map(|d| (d, Holiday::MidsummerDay)));
    out.extend(weekday_from(year, 10, 31, Weekday::Sat).map(|d| (d, Holiday::AllSaints)));
    out.extend(fixed(12, 6, Holiday::IndependenceDay));
    out.extend(fixed(12, 24, Holiday::ChristmasEve));
    out.extend(fixed(12, 25, Holiday::ChristmasDay));
    out.extend(fixed(12, 26, Holiday::BoxingDay));
    out.sort();
    out
}

/// The holiday on a date, if any.
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    holidays(date.year())
        .into_iter()
        .find(|(d, _)| *d == date)
        .map(|(_, h)| h)
}

/// Whether a date is a holiday.
pub fn is_holiday(date: NaiveDate) -> bool {
    holiday_on(date).is_some()
}

/// Whether a date is a Saturday or Sunday.
pub fn is_weekend(date: NaiveDate) -> bool {
    matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// Monday–Friday and not a holiday.
pub fn is_business_day(date: NaiveDate) -> bool {
    !is_weekend(date) && !is_holiday(date)
}

/// The date `n` business days after `date` (the day after `date` is the first candidate);
/// `n = 0` returns `date` itself. Saturates at [`NaiveDate::MAX`].
pub fn add_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        match d.succ_opt() {
            Some(next) => d = next,
            None => return NaiveDate::MAX,
        }
        if is_business_day(d) {
            left -= 1;
        }
    }
    d
}

/// The date `n` business days before `date`. Saturates at [`NaiveDate::MIN`].
pub fn sub_business_days(date: NaiveDate, n: u32) -> NaiveDate {
    let mut d = date;
    let mut left = n;
    while left > 0 {
        match d.pred_opt() {
            Some(prev) => d = prev,
            None => return NaiveDate::MIN,
        }
        if is_business_day(d) {
            left -= 1;
        }
    }
    d
}

/// `date` if it is a business day, else the next business day. Saturates at [`NaiveDate::MAX`].
pub fn next_business_day_on_or_after(date: NaiveDate) -> NaiveDate {
    let mut d = date;
    while !is_business_day(d) {
        match d.succ_opt() {
            Some(next) => d = next,
            None => return NaiveDate::MAX,
        }
    }
    d
}

/// Business days in the half-open range `(from, to]` (0 if `to <= from`).
pub fn business_days_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let mut count = 0u32;
    let mut d = from;
    while d < to {
        match d.succ_opt() {
            Some(next) => d = next,
            None => break,
        }
        if is_business_day(d) {
            count = count.saturating_add(1);
        }
    }
    count
}

/// How a deadline that falls on a Saturday, Sunday or holiday is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum DeadlineRoll {
    /// Move it to the next business day (the default, as the Finnish act on computing
    /// time limits 150/1930 does).
    #[default]
    NextBusinessDay,
    /// Keep the date as computed.
    Exact,
}

/// Applies a [`DeadlineRoll`] to a computed deadline.
pub fn roll_deadline(date: NaiveDate, roll: DeadlineRoll) -> NaiveDate {
    match roll {
        DeadlineRoll::NextBusinessDay => next_business_day_on_or_after(date),
        DeadlineRoll::Exact => date,
    }
}

/// `date` plus `days` calendar days, saturating.
pub(crate) fn plus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_add_days(Days::new(days))
        .unwrap_or(NaiveDate::MAX)
}

/// `date` minus `days` calendar days, saturating.
pub(crate) fn minus_days(date: NaiveDate, days: u64) -> NaiveDate {
    date.checked_sub_days(Days::new(days))
        .unwrap_or(NaiveDate::MIN)
}

/// `date` plus `months` months (end-of-month clamped, as chrono does), saturating.
pub(crate) fn plus_months(date: NaiveDate, months: u32) -> NaiveDate {
    date.checked_add_months(chrono::Months::new(months))
        .unwrap_or(NaiveDate::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_vectors() {
        assert_eq!(easter_sunday(2024), Some(d(2024, 3, 31)));
        assert_eq!(easter_sunday(2025), Some(d(2025, 4, 20)));
        assert_eq!(easter_sunday(2026), Some(d(2026, 4, 5)));
        assert_eq!(easter_sunday(2019), Some(d(2019, 4, 21)));
        assert_eq!(easter_sunday(2038), Some(d(2038, 4, 25)));
        assert_eq!(easter_sunday(1818), Some(d(1818, 3, 22)));
    }

    #[test]
    fn holidays_2026() {
        let h = holidays(2026);
        assert_eq!(h.len(), 15);
        let find = |x: Holiday| h.iter().find(|(_, y)| *y == x).map(|(dt, _)| *dt);
        assert_eq!(find(Holiday::GoodFriday), Some(d(2026, 4, 3)));
        assert_eq!(find(Holiday::EasterMonday), Some(d(2026, 4, 6)));
        assert_eq!(find(Holiday::Ascension), Some(d(2026, 5, 14)));
        assert_eq!(find(Holiday::Whitsun), Some(d(2026, 5, 24)));
        assert_eq!(find(Holiday::MidsummerEve), Some(d(2026, 6, 19)));
        assert_eq!(find(Holiday::MidsummerDay), Some(d(2026, 6, 20)));
        assert_eq!(find(Holiday::AllSaints), Some(d(2026, 10, 31)));
        assert_eq!(holiday_on(d(2026, 12, 6)), Some(Holiday::IndependenceDay));
        assert_eq!(holiday_on(d(2025, 6, 20)), Some(Holiday::MidsummerEve));
        assert_eq!(holiday_on(d(2025, 11, 1)), Some(Holiday::AllSaints));
        assert_eq!(holiday_on(d(2024, 6, 21)), Some(Holiday::MidsummerEve));
        assert_eq!(holiday_on(d(2026, 6, 18)), None);
        assert_eq!(Holiday::AllSaints.name_fi(), "pyhäinpäivä");
    }

    #[test]
    fn business_days() {
        assert!(is_business_day(d(2026, 1, 2))); // Friday
        assert!(!is_business_day(d(2026, 1, 6))); // Epiphany, Tuesday
        assert!(!is_business_day(d(2026, 1, 3))); // Saturday
        // Thu 2026-04-02 + 1 business day skips Good Friday and Easter Monday.
        assert_eq!(add_business_days(d(2026, 4, 2), 1), d(2026, 4, 7));
        assert_eq!(add_business_days(d(2026, 4, 2), 0), d(2026, 4, 2));
        assert_eq!(sub_business_days(d(2026, 4, 7), 1), d(2026, 4, 2));
        assert_eq!(
            next_business_day_on_or_after(d(2026, 12, 24)),
            d(2026, 12, 28)
        );
        assert_eq!(
            next_business_day_on_or_after(d(2026, 12, 28)),
            d(2026, 12, 28)
        );
        assert_eq!(
            roll_deadline(d(2026, 6, 19), DeadlineRoll::NextBusinessDay),
            d(2026, 6, 22)
        );
        assert_eq!(
            roll_deadline(d(2026, 6, 19), DeadlineRoll::Exact),
            d(2026, 6, 19)
        );
        assert_eq!(business_days_between(d(2026, 4, 2), d(2026, 4, 7)), 1);
        assert_eq!(add_business_days(NaiveDate::MAX, 3), NaiveDate::MAX);
        assert_eq!(
            next_business_day_on_or_after(NaiveDate::MAX),
            NaiveDate::MAX
        );
    }

    #[test]
    fn ascension_on_may_day_2008() {
        let h = holidays(2008);
        assert_eq!(h.len(), 15);
        assert_eq!(h.iter().filter(|(x, _)| *x == d(2008, 5, 1)).count(), 2);
        assert!(is_holiday(d(2008, 5, 1)));
    }

    #[test]
    fn extreme_years_do_not_panic() {
        for y in [NaiveDate::MIN.year(), -1, 0, 1, NaiveDate::MAX.year()] {
            let _ = holidays(y);
        }
    }
}
