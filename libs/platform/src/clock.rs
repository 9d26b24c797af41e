//! The clock every operation reads "now" and "today" from.
//!
//! The rulebooks count days in Finland (RULES.md §9): "today" is the Europe/Helsinki calendar
//! date, which is UTC+3 in summer and UTC+2 in winter. The clock is injected (a [`Clock`] in
//! every operation's context, `rpc::Ctx`) so tests can pin it to a date without waiting for one.

use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Europe::Helsinki;

/// Where "now" comes from: the system clock, or a fixed instant in tests.
#[derive(Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>>,
}

impl std::fmt::Debug for Clock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.fixed.is_some() {
            "Clock(fixed)"
        } else {
            "Clock(system)"
        })
    }
}

impl Clock {
    /// The system clock.
    pub fn system() -> Self {
        Self::default()
    }

    /// A clock that always reads `at`.
    pub fn fixed(at: DateTime<Utc>) -> Self {
        Self {
            fixed: Some(Arc::new(move || at)),
        }
    }

    /// A clock that reads `now` each time: a test that moves its days forward.
    pub fn from_fn(now: impl Fn() -> DateTime<Utc> + Send + Sync + 'static) -> Self {
        Self {
            fixed: Some(Arc::new(now)),
        }
    }

    /// The current instant (UTC).
    pub fn now(&self) -> DateTime<Utc> {
        match &self.fixed {
            Some(f) => f(),
            None => Utc::now(),
        }
    }

    /// Microseconds since the epoch, as instants are stored (DESIGN.md, Data).
    pub fn now_micros(&self) -> i64 {
        self.now().timestamp_micros()
    }

    /// Today's date in Finland (Europe/Helsinki), the "today" of the rulebooks.
    pub fn today(&self) -> NaiveDate {
        finnish_date(self.now())
    }
}

/// The Finnish (Europe/Helsinki) calendar date of an instant.
pub fn finnish_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&Helsinki).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_clock_from_a_function_moves_with_it() {
        use std::sync::atomic::{AtomicI64, Ordering};
        let days = Arc::new(AtomicI64::new(0));
        let start = Utc.with_ymd_and_hms(2026, 10, 14, 10, 0, 0).unwrap();
        let moved = days.clone();
        let clock =
            Clock::from_fn(move || start + chrono::Duration::days(moved.load(Ordering::SeqCst)));
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 10, 14).unwrap()
        );
        days.store(15, Ordering::SeqCst);
        assert_eq!(
            clock.today(),
            NaiveDate::from_ymd_opt(2026, 10, 29).unwrap()
        );
    }

    #[test]
    fn summer_evenings_are_already_tomorrow_in_finland() {
        // 21:30 UTC in July is 00:30 EEST (UTC+3): the next day in Helsinki.
        let at = Utc.with_ymd_and_hms(2026, 7, 14, 21, 30, 0).unwrap();
        assert_eq!(
            Clock::fixed(at).today(),
            NaiveDate::from_ymd_opt(2026, 7, 15).unwrap()
        );
        // The same UTC time in January is 23:30 EET (UTC+2): still the same day.
        let at = Utc.with_ymd_and_hms(2026, 1, 14, 21, 30, 0).unwrap();
        assert_eq!(
            Clock::fixed(at).today(),
            NaiveDate::from_ymd_opt(2026, 1, 14).unwrap()
        );
    }

    #[test]
    fn the_daylight_saving_switch_follows_the_eu_rule() {
        // 2026-03-29 01:00 UTC: clocks go from 03:00 EET to 04:00 EEST.
        let before = Utc.with_ymd_and_hms(2026, 3, 28, 21, 59, 0).unwrap();
        assert_eq!(
            finnish_date(before),
            NaiveDate::from_ymd_opt(2026, 3, 28).unwrap()
        );
        let after = Utc.with_ymd_and_hms(2026, 3, 29, 21, 0, 0).unwrap();
        assert_eq!(
            finnish_date(after),
            NaiveDate::from_ymd_opt(2026, 3, 30).unwrap()
        );
    }
}
