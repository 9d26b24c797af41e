//! Absences the social worker must hear of (RULES.md §6): ABS-REPEATED (the client contacted
//! after each no-show; repeated or continuing no-shows told to the social worker without
//! delay: [`check_absence_follow_up`]) and ABS-PROLONGED (KTT work activity: a run of absent
//! arranged days told at once: [`check_prolonged_absence`]). Both answer a [`FollowUp`]: since
//! when the pattern stands, by when to notify, and what was broken.

use crate::calendar::{DeadlineRoll, add_business_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{ABS_PROLONGED, ABS_REPEATED};
use crate::violation::Violation;
use chrono::NaiveDate;

/// An agreed session and what became of it, for ABS-REPEATED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreedSession {
    /// The agreed date.
    pub date: NaiveDate,
    /// The client did not come for reasons of their own (a no-show).
    pub no_show: bool,
    /// After a no-show, the provider tried to contact the client at once.
    pub client_contacted: bool,
}

/// Configuration of ABS-REPEATED (defaults: consecutive no-shows within 7 days, or 3 in a row
/// regardless of spacing; notify by the next business day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatedAbsenceConfig {
    /// Two consecutive no-shows at most this many days apart are "repeated".
    pub window_days: i64,
    /// This many consecutive no-shows are "continuing" regardless of spacing.
    pub continuing_count: usize,
    /// Business days allowed for "without delay".
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for RepeatedAbsenceConfig {
    fn default() -> Self {
        Self {
            window_days: 7,
            continuing_count: 3,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// The outcome of [`check_absence_follow_up`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUp {
    /// When the repeated pattern first appeared, if it did.
    pub repeated_since: Option<NaiveDate>,
    /// The social worker must be notified by this date.
    pub notify_social_worker_by: Option<NaiveDate>,
    /// Broken rules.
    pub violations: Vec<Violation>,
}

/// ABS-REPEATED (KTT 3, SK 5): after each no-show the provider contacts the client at once;
/// repeated no-shows (consecutive agreed sessions within the window) or continuing absences
/// → the social worker is notified without delay. `sessions` are the agreed sessions of one
/// voucher; `notified_on` is when the social worker was notified, `as_of` today.
pub fn check_absence_follow_up(
    sessions: &[AgreedSession],
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &RepeatedAbsenceConfig,
) -> FollowUp {
    let mut sorted: Vec<AgreedSession> = sessions.to_vec();
    sorted.sort_by_key(|s| s.date);
    let mut out = FollowUp::default();
    for s in sorted.iter().filter(|s| s.no_show && !s.client_contacted) {
        out.violations.push(Violation::of(
            ABS_REPEATED,
            format!(
                "Asiakkaaseen ei ole oltu yhteydessä poisjäännin {} jälkeen.",
                s.date
            ),
            format!(
                "The client was not contacted after the no-show of {}.",
                s.date
            ),
        ));
    }
    let mut run = 0usize;
    let mut prev: Option<NaiveDate> = None;
    for s in &sorted {
        if s.no_show {
            let close = prev.is_some_and(|p| (s.date - p).num_days() <= cfg.window_days);
            run += 1;
            if (run >= 2 && close) || run >= cfg.continuing_count.max(2) {
                out.repeated_since = Some(s.date);
                break;
            }
            prev = Some(s.date);
        } else {
            run = 0;
            prev = None;
        }
    }
    if let Some(since) = out.repeated_since {
        let due = roll_deadline(
            add_business_days(since, cfg.notify_within_business_days),
            cfg.roll,
        );
        out.notify_social_worker_by = Some(due);
        let late = match notified_on {
            Some(n) => n > due,
            None => as_of > due,
        };
        if late {
            out.violations.push(Violation::of(
                ABS_REPEATED,
                format!(
                    "Toistuvista poisjäänneistä ({since} alkaen) ei ole ilmoitettu sosiaalihuollon omatyöntekijälle viimeistään {due}."
                ),
                format!(
                    "Repeated no-shows (since {since}) were not notified to the social worker by {due}."
                ),
            ));
        }
    }
    out
}

// ------------------------------------------------------------------ ABS-PROLONGED

/// Default of [`ProlongedAbsenceConfig::consecutive_absent_days`].
pub const DEFAULT_PROLONGED_ABSENCE_DAYS: usize = 5;

/// Configuration of ABS-PROLONGED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProlongedAbsenceConfig {
    /// This many consecutive arranged days absent (any cause) make a prolonged absence
    /// (default [`DEFAULT_PROLONGED_ABSENCE_DAYS`] = 5).
    pub consecutive_absent_days: usize,
    /// Business days allowed for "at once" (default 1: by the next business day).
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for ProlongedAbsenceConfig {
    fn default() -> Self {
        Self {
            consecutive_absent_days: DEFAULT_PROLONGED_ABSENCE_DAYS,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// A day the service was arranged and the client should have attended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrangedDay {
    /// The day.
    pub date: NaiveDate,
    /// The client attended.
    pub attended: bool,
}

/// ABS-PROLONGED (KTT 2.2.3 (9), 2.2.4 (9)): prolonged absences of any cause are told to the
/// social worker at once: [`ProlongedAbsenceConfig::consecutive_absent_days`] consecutive
/// arranged days absent (days with no service arranged are left out and do not break the run)
/// → notify by the next business day. Applies to KTT work activity (`KTT_ASSESSMENT`,
/// `KTT_WORK_CAPACITY`, the sections the rule comes from). The outcome's `repeated_since` is
/// the day the absence became prolonged. (A service not going as planned is told with
/// [`crate::process::check_notice`] and `NoticeKind::NotGoingAsPlanned`.)
pub fn check_prolonged_absence(
    service: ServiceType,
    days: &[ArrangedDay],
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &ProlongedAbsenceConfig,
) -> FollowUp {
    let mut out = FollowUp::default();
    if !service.is_ktt_work_activity() {
        return out;
    }
    let mut sorted: Vec<ArrangedDay> = days.to_vec();
    sorted.sort_by_key(|d| d.date);
    let threshold = cfg.consecutive_absent_days.max(1);
    let mut run = 0usize;
    for d in &sorted {
        if d.attended {
            run = 0;
            continue;
        }
        run = run.saturating_add(1);
        if run >= threshold {
            out.repeated_since = Some(d.date);
            break;
        }
    }
    if let Some(since) = out.repeated_since {
        let due = roll_deadline(
            add_business_days(since, cfg.notify_within_business_days),
            cfg.roll,
        );
        out.notify_social_worker_by = Some(due);
        let late = match notified_on {
            Some(n) => n > due,
            None => as_of > due,
        };
        if late {
            // ABS-PROLONGED
            out.violations.push(Violation::of(
                ABS_PROLONGED,
                format!(
                    "Pitkittyneestä poissaolosta ({threshold} peräkkäistä päivää, {since} \
                     alkaen) on ilmoitettava omatyöntekijälle välittömästi, viimeistään {due}."
                ),
                format!(
                    "A prolonged absence ({threshold} consecutive arranged days, as of {since}) \
                     must be told to the social worker at once, by {due}."
                ),
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn prolonged_absence() {
        let cfg = ProlongedAbsenceConfig::default();
        let days = |absent: &[u32]| -> Vec<ArrangedDay> {
            [2, 3, 4, 5, 9, 10, 11, 12]
                .into_iter()
                .map(|n| ArrangedDay {
                    date: d(2026, 3, n),
                    attended: !absent.contains(&n),
                })
                .collect()
        };
        // Four absent days: not yet prolonged.
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &days(&[2, 3, 4, 5]),
            None,
            d(2026, 3, 31),
            &cfg,
        );
        assert!(f.violations.is_empty() && f.repeated_since.is_none());
        // Five consecutive arranged days absent (a week-end between does not break it).
        let five = days(&[4, 5, 9, 10, 11]);
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &five,
            None,
            d(2026, 3, 12),
            &cfg,
        );
        assert_eq!(f.repeated_since, Some(d(2026, 3, 11)));
        assert_eq!(f.notify_social_worker_by, Some(d(2026, 3, 12)));
        assert!(f.violations.is_empty());
        let f = check_prolonged_absence(
            ServiceType::KttAssessment,
            &five,
            None,
            d(2026, 3, 13),
            &cfg,
        );
        assert!(has_rule(&f.violations, ABS_PROLONGED));
        let f = check_prolonged_absence(
            ServiceType::KttWorkCapacity,
            &five,
            Some(d(2026, 3, 12)),
            d(2026, 3, 31),
            &cfg,
        );
        assert!(f.violations.is_empty());
        // Broken by attendance.
        let broken = days(&[2, 3, 4, 9, 10]);
        assert!(
            check_prolonged_absence(
                ServiceType::KttAssessment,
                &broken,
                None,
                d(2026, 3, 31),
                &cfg
            )
            .repeated_since
            .is_none()
        );
        // Other services: NOTIFY-CHANGE covers them.
        assert!(
            check_prolonged_absence(
                ServiceType::SkSupportedWork,
                &five,
                None,
                d(2026, 3, 31),
                &cfg
            )
            .violations
            .is_empty()
        );
    }

    #[test]
    fn repeated_no_shows() {
        let cfg = RepeatedAbsenceConfig::default();
        let s = |date, no_show| AgreedSession {
            date,
            no_show,
            client_contacted: true,
        };
        // One no-show, contacted: fine.
        let one = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), false)];
        let f = check_absence_follow_up(&one, None, d(2026, 3, 20), &cfg);
        assert!(f.violations.is_empty() && f.repeated_since.is_none());
        // Not contacted.
        let nc = [AgreedSession {
            client_contacted: false,
            ..s(d(2026, 3, 2), true)
        }];
        assert!(has_rule(
            &check_absence_follow_up(&nc, None, d(2026, 3, 3), &cfg).violations,
            ABS_REPEATED
        ));
        // Two consecutive within a week: notify by the next business day.
        let two = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), true)];
        let f = check_absence_follow_up(&two, None, d(2026, 3, 5), &cfg);
        assert_eq!(f.repeated_since, Some(d(2026, 3, 4)));
        assert_eq!(f.notify_social_worker_by, Some(d(2026, 3, 5)));
        assert!(f.violations.is_empty());
        let f = check_absence_follow_up(&two, None, d(2026, 3, 6), &cfg);
        assert!(has_rule(&f.violations, ABS_REPEATED));
        let f = check_absence_follow_up(&two, Some(d(2026, 3, 5)), d(2026, 3, 30), &cfg);
        assert!(f.violations.is_empty());
        // Far apart but three in a row: continuing.
        let three = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 16), true),
            s(d(2026, 3, 30), true),
        ];
        assert_eq!(
            check_absence_follow_up(&three, None, d(2026, 3, 30), &cfg).repeated_since,
            Some(d(2026, 3, 30))
        );
        // Interrupted by attendance: not repeated.
        let broken = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 3), false),
            s(d(2026, 3, 4), true),
        ];
        assert!(
            check_absence_follow_up(&broken, None, d(2026, 3, 30), &cfg)
                .repeated_since
                .is_none()
        );
    }
}
