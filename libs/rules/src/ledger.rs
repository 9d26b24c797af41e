//! RULES.md section 10, "Readings: the ledger": what attendance's ledger may hold, read from
//! the ids it applies (BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-RECORD,
//! ABS-REPEATED). The county pays from that ledger, so these checks look at the ledger as a
//! whole — the day, the other records of the voucher, the moment of recording — where the
//! session checks of [`crate::sessions`] look at caps.
//!
//! - *One record per hour* ([`check_one_record_per_hour`]): on one voucher no two sessions
//!   overlap in clock time, and an activity-day service has one day per date.
//! - *A day is either attended or missed* ([`check_day_not_missed`], [`check_day_not_attended`]):
//!   a session and an absence of one voucher never share a date.
//! - *A no-show is of the day* ([`check_no_show_of_the_day`]).
//! - *An absence is recorded on or after its day*, except reasons known ahead
//!   ([`AheadReasons`], [`check_absence_in_time`]).
//! - *A replacement is a new time* ([`check_replacement`]).
//! - *Repeated absences count as no-shows do* ([`repeated_absences`]).
//! - *Nothing after the end* ([`after_the_end`]) and *nothing lost at the end*
//!   ([`LATE_RECORD_GRACE_DAYS`], [`late_records_until`], [`takes_late_records`]).

use chrono::{Datelike, NaiveDate};

use crate::Violation;
use crate::absences::{AbsenceReason, AgreedSession, KelaDay, KelaDayStatus, benefit_kept};
use crate::rule_ids::{ABS_RECORD, BILL_NO_SHOW, BILL_PROVIDER_CANCEL, BILL_REALISED};
use crate::sessions::TimeSlot;

/// A session that holds its place on a voucher's ledger (recorded — realised or agreed — or a
/// no-show): what [`check_one_record_per_hour`] compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Booked {
    /// The date.
    pub date: NaiveDate,
    /// Its clock times, where known.
    pub slot: Option<TimeSlot>,
    /// A day of an activity-day service (a regular session of a day-unit voucher).
    pub whole_day: bool,
}

/// BILL-REALISED, "one record per hour" (RULES.md §10): `proposed` may not overlap in clock
/// time any of `booked` (the other live sessions of the same voucher), and a day of an
/// activity-day service may not share its date with another day. Sessions without clock times
/// cannot overlap by time; touching ends (09:00–11:00, 11:00–12:00) do not overlap.
pub fn check_one_record_per_hour(proposed: &Booked, booked: &[Booked]) -> Vec<Violation> {
    let mut out = Vec::new();
    if proposed.whole_day
        && booked
            .iter()
            .any(|b| b.whole_day && b.date == proposed.date)
    {
        out.push(Violation::of(
            BILL_REALISED,
            format!(
                "Setelillä on jo toimintapäivä {}: päivä kirjataan kerran.",
                proposed.date
            ),
            format!(
                "The voucher already has an activity day on {}: a day is recorded once.",
                proposed.date
            ),
        ));
    }
    if let Some(slot) = proposed.slot
        && let Some(other) = booked
            .iter()
            .filter_map(|b| b.slot)
            .find(|b| b.overlaps(&slot))
    {
        out.push(Violation::of(
            BILL_REALISED,
            format!(
                "Setelillä on jo käynti {} klo {}–{}: sama tunti kirjataan kerran.",
                other.date,
                other.start.format("%H:%M"),
                other.end.format("%H:%M")
            ),
            format!(
                "The voucher already has a session on {} at {}–{}: an hour is recorded once.",
                other.date,
                other.start.format("%H:%M"),
                other.end.format("%H:%M")
            ),
        ));
    }
    out
}

/// ABS-RECORD, "a day is either attended or missed" (RULES.md §10): a session may not be
/// recorded on a date the voucher already records as an absence (or as a day with no service
/// arranged). `absence_dates` are the voucher's recorded absence days.
pub fn check_day_not_missed(date: NaiveDate, absence_dates: &[NaiveDate]) -> Vec<Violation> {
    if !absence_dates.contains(&date) {
        return Vec::new();
    }
    vec![Violation::of(
        ABS_RECORD,
        format!(
            "Päivälle {date} on jo kirjattu poissaolo: päivä on joko läsnä- tai poissaolopäivä."
        ),
        format!("{date} is already recorded as an absence: a day is either attended or missed."),
    )]
}

/// ABS-RECORD, the other order: an absence may not be recorded on a date the voucher has a
/// live session on (recorded or a no-show). `session_dates` are those sessions' dates.
pub fn check_day_not_attended(date: NaiveDate, session_dates: &[NaiveDate]) -> Vec<Violation> {
    if !session_dates.contains(&date) {
        return Vec::new();
    }
    vec![Violation::of(
        ABS_RECORD,
        format!("Päivälle {date} on jo kirjattu käynti: päivä on joko läsnä- tai poissaolopäivä."),
        format!("{date} already has a session: a day is either attended or missed."),
    )]
}

/// BILL-NO-SHOW, "a no-show is of the day" (RULES.md §10): a no-show (the client cancelled on
/// the day, or did not come) can be recorded only on or after the session's day.
pub fn check_no_show_of_the_day(session_date: NaiveDate, today: NaiveDate) -> Vec<Violation> {
    if session_date <= today {
        return Vec::new();
    }
    vec![Violation::of(
        BILL_NO_SHOW,
        format!(
            "Poisjäänti kirjataan aikaisintaan käynnin päivänä ({session_date}); sitä ennen peruutus on maksuton."
        ),
        format!(
            "A no-show is recorded on or after the session's day ({session_date}); before it a cancellation is free."
        ),
    )]
}

/// The absence reasons that can be known before the day (RULES.md §10: a job interview, a
/// public office of trust, a sick leave whose certificate covers the day): county
/// configuration, with that default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AheadReasons {
    /// Reasons that may be recorded for a later day as such.
    pub reasons: Vec<AbsenceReason>,
    /// Whether the client's own illness may be recorded ahead when a certificate covering the
    /// day has been delivered.
    pub certified_illness: bool,
}

impl Default for AheadReasons {
    fn default() -> Self {
        Self {
            reasons: vec![AbsenceReason::JobInterview, AbsenceReason::PublicOffice],
            certified_illness: true,
        }
    }
}

impl AheadReasons {
    /// Reads a comma-separated list of reason codes (`JOB_INTERVIEW`, `PUBLIC_OFFICE`,
    /// `OWN_ILLNESS_CERTIFIED`, …, or empty for none); the unknown code is the error.
    pub fn parse(list: &str) -> Result<Self, String> {
        let mut out = Self {
            reasons: Vec::new(),
            certified_illness: false,
        };
        for code in list.split(',').map(str::trim).filter(|c| !c.is_empty()) {
            if code == "OWN_ILLNESS_CERTIFIED" {
                out.certified_illness = true;
            } else {
                let reason = AbsenceReason::from_code(code).ok_or_else(|| code.to_owned())?;
                out.reasons.push(reason);
            }
        }
        Ok(out)
    }

    fn allow(&self, reason: AbsenceReason, certified: bool) -> bool {
        self.reasons.contains(&reason)
            || (self.certified_illness && reason == AbsenceReason::OwnIllness && certified)
    }
}

/// ABS-RECORD, "an absence is recorded on or after its day" (RULES.md §10): an absence
/// dated after `today` is refused unless its reason can be known ahead (`ahead`); `certified`
/// says a certificate covering the day has been delivered.
pub fn check_absence_in_time(
    date: NaiveDate,
    today: NaiveDate,
    reason: AbsenceReason,
    certified: bool,
    ahead: &AheadReasons,
) -> Vec<Violation> {
    if date <= today || ahead.allow(reason, certified) {
        return Vec::new();
    }
    vec![Violation::of(
        ABS_RECORD,
        format!(
            "Poissaolo {date} kirjataan aikaisintaan sen päivänä: syytä ei voi tietää etukäteen."
        ),
        format!(
            "The absence of {date} is recorded on or after its day: its reason cannot be known ahead."
        ),
    )]
}

/// The facts of a provider's cancellation and its proposed replacement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replacement {
    /// The day the cancellation was made (the provider learned of the cause).
    pub cancelled_on: NaiveDate,
    /// The replacement session's date.
    pub replacement_date: NaiveDate,
    /// The cancelled session already has another replacement.
    pub cancellation_already_replaced: bool,
    /// The replacement already replaces another cancellation.
    pub replacement_already_used: bool,
}

/// BILL-PROVIDER-CANCEL, "a replacement is a new time" (RULES.md §10): the replacement is
/// agreed with the client after the cancellation, so it is dated on or after the day of the
/// cancellation (dates are what the ledger knows of the moment); each cancellation has at most
/// one replacement, and each replacement replaces one cancellation.
pub fn check_replacement(r: &Replacement) -> Vec<Violation> {
    let mut out = Vec::new();
    if r.replacement_date < r.cancelled_on {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Korvaava aika ({}) sovitaan peruutuksen ({}) jälkeen.",
                r.replacement_date, r.cancelled_on
            ),
            format!(
                "A replacement ({}) is a new time agreed after the cancellation ({}).",
                r.replacement_date, r.cancelled_on
            ),
        ));
    }
    if r.cancellation_already_replaced {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            "Peruutetulla käynnillä on jo korvaava aika.",
            "The cancelled session already has a replacement.",
        ));
    }
    if r.replacement_already_used {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            "Käynti korvaa jo toista peruutettua käyntiä.",
            "The session already replaces another cancellation.",
        ));
    }
    out
}

/// A day of a voucher's ledger as ABS-REPEATED reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LedgerDay {
    /// A session held (realised).
    Attended,
    /// A no-show.
    NoShow,
    /// An absence with its reason.
    Absent(AbsenceReason),
}

/// ABS-REPEATED, "repeated absences" (RULES.md §10: "toistuvasti … ilman perusteltua syytä"):
/// the voucher's days as agreed sessions for [`crate::absences::check_absence_follow_up`],
/// where an absence whose reason keeps no benefit ([`benefit_kept`]: any other reason, or a
/// child's illness past its days) counts as a no-show does, and an absence with a reason that
/// keeps it is left out (it neither continues nor breaks a run, as before this reading). Sorted
/// by date.
pub fn repeated_absences(days: &[(NaiveDate, LedgerDay)]) -> Vec<AgreedSession> {
    let kela: Vec<KelaDay> = days
        .iter()
        .map(|(date, d)| KelaDay {
            date: *date,
            status: match d {
                LedgerDay::Absent(r) => KelaDayStatus::Absent(*r),
                LedgerDay::Attended | LedgerDay::NoShow => KelaDayStatus::Present,
            },
        })
        .collect();
    let kept = benefit_kept(&kela);
    let unjustified = |date: &NaiveDate| kept.iter().any(|(day, benefit)| day == date && !*benefit);
    let mut out: Vec<AgreedSession> = days
        .iter()
        .filter_map(|(date, d)| {
            let no_show = match d {
                LedgerDay::Attended => false,
                LedgerDay::NoShow => true,
                LedgerDay::Absent(_) if unjustified(date) => true,
                LedgerDay::Absent(_) => return None,
            };
            Some(AgreedSession {
                date: *date,
                no_show,
                client_contacted: true,
            })
        })
        .collect();
    out.sort_by_key(|s| s.date);
    out
}

/// "Nothing lost at the end" (RULES.md §10): how many days after a voucher's last valid day
/// (or its end date) records dated within its validity are still taken, unless configured
/// otherwise (`SETELI_LATE_RECORD_GRACE_DAYS` in attendance and vouchers).
pub const LATE_RECORD_GRACE_DAYS: i64 = 14;

/// "Nothing lost at the end" (RULES.md §10): the last day on which a voucher whose validity
/// ends (or which ended) on `last_day` still takes late records, `grace_days` after it. A
/// negative grace is read as none.
pub fn late_records_until(last_day: NaiveDate, grace_days: i64) -> NaiveDate {
    last_day
        .checked_add_signed(chrono::Duration::days(grace_days.max(0)))
        .unwrap_or(NaiveDate::MAX)
}

/// "Nothing lost at the end" (RULES.md §10): whether a voucher whose validity ends (or which
/// ended) on `last_day` takes a record on `today`: always up to `last_day`; after it for
/// `grace_days` ([`late_records_until`]), and never once the invoice of its last month is
/// approved (`approved_month`: the first day of the latest month of the voucher on an approved
/// invoice, as billing told attendance).
pub fn takes_late_records(
    last_day: NaiveDate,
    today: NaiveDate,
    grace_days: i64,
    approved_month: Option<NaiveDate>,
) -> bool {
    if today <= last_day {
        return true;
    }
    let last_month = last_day.with_day(1).unwrap_or(last_day);
    today <= late_records_until(last_day, grace_days)
        && approved_month.is_none_or(|approved| approved < last_month)
}

/// PROC-INTERRUPT, "nothing after the end" (RULES.md §10): whether a record dated `date` falls
/// after the end (interruption or completion) of a voucher that ended on `ended_on`; such a
/// record is never billable.
pub fn after_the_end(date: NaiveDate, ended_on: Option<NaiveDate>) -> bool {
    ended_on.is_some_and(|end| date > end)
}

#[cfg(test)]
mod tests {

    #[test]
    fn late_records_are_taken_for_the_grace_period_after_the_last_day() {
        let last = NaiveDate::from_ymd_opt(2026, 12, 31).expect("a real date");
        assert_eq!(
            late_records_until(last, LATE_RECORD_GRACE_DAYS),
            NaiveDate::from_ymd_opt(2027, 1, 14).expect("a real date")
        );
        assert_eq!(late_records_until(last, 0), last);
        assert_eq!(late_records_until(last, -3), last);
        assert_eq!(late_records_until(NaiveDate::MAX, 14), NaiveDate::MAX);
    }

    #[test]
    fn late_records_stop_once_the_last_month_is_approved() {
        let day = |m, d| NaiveDate::from_ymd_opt(2026, m, d).expect("a real date");
        let last = day(12, 15);
        // Within the validity, whatever is approved.
        assert!(takes_late_records(last, day(12, 15), 14, Some(day(12, 1))));
        // In the grace period: yes, while the last month is not approved.
        assert!(takes_late_records(last, day(12, 20), 14, None));
        assert!(takes_late_records(last, day(12, 20), 14, Some(day(11, 1))));
        assert!(!takes_late_records(last, day(12, 20), 14, Some(day(12, 1))));
        // After the grace period: never.
        assert!(!takes_late_records(last, day(12, 30), 14, None));
    }

    #[test]
    fn only_a_record_dated_after_the_end_is_after_it() {
        let end = NaiveDate::from_ymd_opt(2026, 10, 20).expect("a real date");
        assert!(!after_the_end(end, Some(end)));
        assert!(!after_the_end(
            end.pred_opt().expect("a real date"),
            Some(end)
        ));
        assert!(after_the_end(
            end.succ_opt().expect("a real date"),
            Some(end)
        ));
        assert!(!after_the_end(end.succ_opt().expect("a real date"), None));
    }
    use super::*;
    use crate::absences::{RepeatedAbsenceConfig, check_absence_follow_up};
    use chrono::NaiveTime;

    fn d(day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 10, day).unwrap()
    }

    fn slot(day: u32, from: (u32, u32), to: (u32, u32)) -> Option<TimeSlot> {
        Some(TimeSlot {
            date: d(day),
            start: NaiveTime::from_hms_opt(from.0, from.1, 0).unwrap(),
            end: NaiveTime::from_hms_opt(to.0, to.1, 0).unwrap(),
        })
    }

    fn hours(day: u32, from: (u32, u32), to: (u32, u32)) -> Booked {
        Booked {
            date: d(day),
            slot: slot(day, from, to),
            whole_day: false,
        }
    }

    fn ids(v: &[Violation]) -> Vec<&'static str> {
        v.iter().map(|x| x.rule).collect()
    }

    #[test]
    fn overlapping_hours_on_one_voucher_are_refused_touching_ones_pass() {
        let booked = [hours(5, (9, 0), (11, 30))];
        let inside = hours(5, (9, 30), (11, 0));
        assert_eq!(
            ids(&check_one_record_per_hour(&inside, &booked)),
            ["BILL-REALISED"]
        );
        let after = hours(5, (11, 30), (12, 30));
        assert!(check_one_record_per_hour(&after, &booked).is_empty());
        let other_day = hours(6, (9, 30), (11, 0));
        assert!(check_one_record_per_hour(&other_day, &booked).is_empty());
        let no_times = Booked {
            date: d(5),
            slot: None,
            whole_day: false,
        };
        assert!(check_one_record_per_hour(&no_times, &booked).is_empty());
    }

    #[test]
    fn an_activity_day_is_recorded_once_per_date() {
        let day = |n| Booked {
            date: d(n),
            slot: None,
            whole_day: true,
        };
        assert_eq!(
            ids(&check_one_record_per_hour(&day(5), &[day(5)])),
            ["BILL-REALISED"]
        );
        assert!(check_one_record_per_hour(&day(6), &[day(5)]).is_empty());
        // A discussion on a group day is no second day.
        let discussion = hours(5, (13, 0), (14, 0));
        assert!(check_one_record_per_hour(&discussion, &[day(5)]).is_empty());
    }

    #[test]
    fn a_day_is_either_attended_or_missed_in_both_orders() {
        assert_eq!(ids(&check_day_not_missed(d(7), &[d(7)])), ["ABS-RECORD"]);
        assert!(check_day_not_missed(d(8), &[d(7)]).is_empty());
        assert_eq!(ids(&check_day_not_attended(d(7), &[d(7)])), ["ABS-RECORD"]);
        assert!(check_day_not_attended(d(8), &[d(7)]).is_empty());
    }

    #[test]
    fn a_no_show_waits_for_its_day() {
        assert_eq!(
            ids(&check_no_show_of_the_day(d(20), d(6))),
            ["BILL-NO-SHOW"]
        );
        assert!(check_no_show_of_the_day(d(6), d(6)).is_empty());
        assert!(check_no_show_of_the_day(d(5), d(6)).is_empty());
    }

    #[test]
    fn only_reasons_known_ahead_are_recorded_before_the_day() {
        let ahead = AheadReasons::default();
        let check =
            |reason, certified| check_absence_in_time(d(20), d(6), reason, certified, &ahead);
        assert!(check(AbsenceReason::JobInterview, false).is_empty());
        assert!(check(AbsenceReason::PublicOffice, false).is_empty());
        assert!(check(AbsenceReason::OwnIllness, true).is_empty());
        assert_eq!(
            ids(&check(AbsenceReason::OwnIllness, false)),
            ["ABS-RECORD"]
        );
        assert_eq!(ids(&check(AbsenceReason::Other, false)), ["ABS-RECORD"]);
        assert_eq!(
            ids(&check(AbsenceReason::ChildIllness, true)),
            ["ABS-RECORD"]
        );
        // On or after the day any reason is recorded.
        assert!(check_absence_in_time(d(6), d(6), AbsenceReason::Other, false, &ahead).is_empty());
    }

    #[test]
    fn ahead_reasons_are_configuration() {
        assert_eq!(
            AheadReasons::parse("JOB_INTERVIEW, PUBLIC_OFFICE,OWN_ILLNESS_CERTIFIED"),
            Ok(AheadReasons::default())
        );
        let none = AheadReasons::parse("").unwrap();
        assert_eq!(
            ids(&check_absence_in_time(
                d(20),
                d(6),
                AbsenceReason::JobInterview,
                false,
                &none
            )),
            ["ABS-RECORD"]
        );
        assert_eq!(AheadReasons::parse("HOLIDAY"), Err("HOLIDAY".to_owned()));
    }

    #[test]
    fn a_replacement_is_a_new_time_and_one_to_one() {
        let ok = Replacement {
            cancelled_on: d(6),
            replacement_date: d(9),
            cancellation_already_replaced: false,
            replacement_already_used: false,
        };
        assert!(check_replacement(&ok).is_empty());
        assert!(
            check_replacement(&Replacement {
                replacement_date: d(6),
                ..ok
            })
            .is_empty()
        );
        let before = Replacement {
            replacement_date: d(2),
            ..ok
        };
        assert_eq!(ids(&check_replacement(&before)), ["BILL-PROVIDER-CANCEL"]);
        let twice = Replacement {
            cancellation_already_replaced: true,
            replacement_already_used: true,
            ..ok
        };
        assert_eq!(
            ids(&check_replacement(&twice)),
            ["BILL-PROVIDER-CANCEL", "BILL-PROVIDER-CANCEL"]
        );
    }

    #[test]
    fn absences_without_a_benefit_reason_repeat_as_no_shows_do() {
        let days = [
            (d(5), LedgerDay::Attended),
            (d(6), LedgerDay::Absent(AbsenceReason::Other)),
            (d(7), LedgerDay::Absent(AbsenceReason::Other)),
        ];
        let agreed = repeated_absences(&days);
        let follow =
            check_absence_follow_up(&agreed, None, d(7), &RepeatedAbsenceConfig::default());
        assert_eq!(follow.repeated_since, Some(d(7)));
        // Absences that keep the benefit are no pattern.
        let sick = [
            (d(6), LedgerDay::Absent(AbsenceReason::OwnIllness)),
            (d(7), LedgerDay::Absent(AbsenceReason::OwnIllness)),
        ];
        let follow = check_absence_follow_up(
            &repeated_absences(&sick),
            None,
            d(7),
            &RepeatedAbsenceConfig::default(),
        );
        assert_eq!(follow.repeated_since, None);
        // A no-show and an absence without a reason in a row repeat too.
        let mixed = [
            (d(6), LedgerDay::NoShow),
            (d(8), LedgerDay::Absent(AbsenceReason::Other)),
        ];
        let follow = check_absence_follow_up(
            &repeated_absences(&mixed),
            None,
            d(8),
            &RepeatedAbsenceConfig::default(),
        );
        assert_eq!(follow.repeated_since, Some(d(8)));
    }
}
