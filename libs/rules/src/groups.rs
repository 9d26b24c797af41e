//! Closed groups (RULES.md §8, SK 5): SK-GROUP-MIN-FILL and SK-GROUP-LATE-JOIN, counted in
//! business days.

use crate::calendar::{add_business_days, minus_days};
use crate::catalogue::ServiceType;
use crate::rule_ids::{SK_GROUP_LATE_JOIN, SK_GROUP_MIN_FILL};
use crate::violation::Violation;
use chrono::NaiveDate;

/// Minimum fill of a closed SK group a week before start, in percent of the provider's
/// maximum group size.
pub const MIN_FILL_PERCENT: u32 = 60;
/// Days before the announced start the fill is judged.
pub const MIN_FILL_DAYS_BEFORE_START: u64 = 7;
/// Maximum delay of a start, in business days.
pub const MAX_DELAY_BUSINESS_DAYS: u32 = 10;
/// Late joining allowed until this many business days after the start.
pub const LATE_JOIN_BUSINESS_DAYS: u32 = 10;

/// Open or closed group (KTT 2.2.2 (3), SK 4.2.2 (3)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupMode {
    /// Clients start and end at individual dates.
    Open,
    /// Everyone starts on the date announced in advance.
    Closed,
}

/// The date the fill of a closed group is judged: a week before the announced start.
pub fn min_fill_check_date(announced_start: NaiveDate) -> NaiveDate {
    minus_days(announced_start, MIN_FILL_DAYS_BEFORE_START)
}

/// Whether `enrolled` is below 60 % of `max_size` (exact integer arithmetic).
pub fn is_below_min_fill(enrolled: u32, max_size: u32) -> bool {
    u64::from(enrolled) * 100 < u64::from(max_size) * u64::from(MIN_FILL_PERCENT)
}

/// The latest start a delayed group may have: 10 business days after the announced start.
pub fn latest_delayed_start(announced_start: NaiveDate) -> NaiveDate {
    add_business_days(announced_start, MAX_DELAY_BUSINESS_DAYS)
}

/// What the provider does with a closed group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupStartAction {
    /// Starts on the announced date.
    StartAsAnnounced,
    /// Cancels the group.
    Cancel,
    /// Delays the start to `new_start`.
    Delay {
        /// The new start date.
        new_start: NaiveDate,
    },
}

/// The facts of a closed group's start decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupStartFacts {
    /// The service (SK-GROUP-MIN-FILL is an SK group rule).
    pub service: ServiceType,
    /// Open or closed.
    pub mode: GroupMode,
    /// The start date announced in advance.
    pub announced_start: NaiveDate,
    /// The provider's maximum group size for the service.
    pub max_size: u32,
    /// Clients enrolled a week before the start ([`min_fill_check_date`]).
    pub enrolled_week_before: u32,
    /// What the provider does.
    pub action: GroupStartAction,
    /// Enrolled clients and their social workers were notified of a cancellation or delay.
    pub notified: bool,
}

/// SK-GROUP-MIN-FILL (SK 5): a closed SK group may be cancelled or delayed only when fewer
/// than 60 % of the provider's maximum group size had enrolled a week before the start; a
/// delay is at most 10 business days; enrolled clients and their social workers are notified.
pub fn check_group_start(f: &GroupStartFacts) -> Vec<Violation> {
    let mut out = Vec::new();
    if f.action == GroupStartAction::StartAsAnnounced {
        return out;
    }
    if f.service != ServiceType::SkGroup || f.mode != GroupMode::Closed {
        out.push(Violation::of(
            SK_GROUP_MIN_FILL,
            "Ryhmän peruminen tai aloituksen siirto vähäisen täyttöasteen vuoksi koskee vain sosiaalisen kuntoutuksen suljettuja ryhmiä.",
            "Cancelling or delaying a group for low fill applies only to closed SK groups.",
        ));
        return out;
    }
    if !is_below_min_fill(f.enrolled_week_before, f.max_size) {
        out.push(Violation::of(
            SK_GROUP_MIN_FILL,
            format!(
                "Ryhmään oli ilmoittautunut {} / {} asiakasta viikkoa ennen alkua (vähintään 60 %); ryhmää ei voi perua tai siirtää.",
                f.enrolled_week_before, f.max_size
            ),
            format!(
                "{} of {} clients had enrolled a week before the start (at least 60 %); the group may not be cancelled or delayed.",
                f.enrolled_week_before, f.max_size
            ),
        ));
    }
    if let GroupStartAction::Delay { new_start } = f.action {
        let latest = latest_delayed_start(f.announced_start);
        if new_start > latest || new_start <= f.announced_start {
            out.push(Violation::of(
                SK_GROUP_MIN_FILL,
                format!(
                    "Aloitusta voi siirtää enintään 10 arkipäivää ({} → viimeistään {latest}); uusi alku {new_start}.",
                    f.announced_start
                ),
                format!(
                    "The start may be delayed by at most 10 business days ({} → at the latest {latest}); new start {new_start}.",
                    f.announced_start
                ),
            ));
        }
    }
    if !f.notified {
        out.push(Violation::of(
            SK_GROUP_MIN_FILL,
            "Ilmoittautuneille asiakkaille ja heidän omatyöntekijöilleen on ilmoitettava perumisesta tai siirrosta.",
            "Enrolled clients and their social workers must be notified of the cancellation or delay.",
        ));
    }
    out
}

/// The last day a new client may join a closed group that started on `start`.
pub fn late_join_deadline(start: NaiveDate) -> NaiveDate {
    add_business_days(start, LATE_JOIN_BUSINESS_DAYS)
}

/// SK-GROUP-LATE-JOIN (SK 5): a new client may join a closed group until 10 business days
/// after its (actual) start. Open groups take clients at any time.
pub fn check_late_join(mode: GroupMode, start: NaiveDate, join_date: NaiveDate) -> Vec<Violation> {
    if mode == GroupMode::Open {
        return Vec::new();
    }
    let deadline = late_join_deadline(start);
    if join_date <= deadline {
        return Vec::new();
    }
    vec![Violation::of(
        SK_GROUP_LATE_JOIN,
        format!(
            "Suljettuun ryhmään voi liittyä enintään 10 arkipäivää alkamisen ({start}) jälkeen, viimeistään {deadline}."
        ),
        format!(
            "A closed group ({start}) takes new clients until 10 business days after its start, i.e. {deadline}."
        ),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn facts(enrolled: u32, action: GroupStartAction) -> GroupStartFacts {
        GroupStartFacts {
            service: ServiceType::SkGroup,
            mode: GroupMode::Closed,
            announced_start: d(2026, 3, 30),
            max_size: 10,
            enrolled_week_before: enrolled,
            action,
            notified: true,
        }
    }

    #[test]
    fn min_fill() {
        assert!(is_below_min_fill(5, 10));
        assert!(!is_below_min_fill(6, 10));
        assert!(is_below_min_fill(7, 12)); // 58.3 %
        assert!(!is_below_min_fill(8, 12));
        assert_eq!(min_fill_check_date(d(2026, 3, 30)), d(2026, 3, 23));
        assert!(check_group_start(&facts(5, GroupStartAction::Cancel)).is_empty());
        assert!(check_group_start(&facts(9, GroupStartAction::StartAsAnnounced)).is_empty());
        assert!(has_rule(
            &check_group_start(&facts(6, GroupStartAction::Cancel)),
            SK_GROUP_MIN_FILL
        ));
        let unnotified = GroupStartFacts {
            notified: false,
            ..facts(5, GroupStartAction::Cancel)
        };
        assert!(has_rule(&check_group_start(&unnotified), SK_GROUP_MIN_FILL));
        let ktt = GroupStartFacts {
            service: ServiceType::KttGroup,
            ..facts(1, GroupStartAction::Cancel)
        };
        assert!(has_rule(&check_group_start(&ktt), SK_GROUP_MIN_FILL));
    }

    #[test]
    fn delay_in_business_days() {
        // Start Mon 2026-03-30; Good Friday 3.4. and Easter Monday 6.4. are holidays:
        // 10 business days later is Wed 2026-04-15.
        assert_eq!(latest_delayed_start(d(2026, 3, 30)), d(2026, 4, 15));
        let ok = facts(
            3,
            GroupStartAction::Delay {
                new_start: d(2026, 4, 15),
            },
        );
        assert!(check_group_start(&ok).is_empty());
        let late = facts(
            3,
            GroupStartAction::Delay {
                new_start: d(2026, 4, 16),
            },
        );
        assert!(has_rule(&check_group_start(&late), SK_GROUP_MIN_FILL));
    }

    #[test]
    fn late_join() {
        let start = d(2026, 3, 30);
        assert_eq!(late_join_deadline(start), d(2026, 4, 15));
        assert!(check_late_join(GroupMode::Closed, start, d(2026, 4, 15)).is_empty());
        assert!(check_late_join(GroupMode::Closed, start, d(2026, 3, 1)).is_empty());
        assert!(has_rule(
            &check_late_join(GroupMode::Closed, start, d(2026, 4, 16)),
            SK_GROUP_LATE_JOIN
        ));
        assert!(check_late_join(GroupMode::Open, start, d(2026, 9, 1)).is_empty());
    }
}
