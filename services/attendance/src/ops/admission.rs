//! Admission of a session by the rules crate, and what a voucher's sessions count.
//!
//! A session is admitted against every session of its voucher and the client's sessions on other
//! vouchers in the same ISO week, the only ones the rules compare it with (`check_session`, the
//! period review, and the start of the service on the first session of an ASSIGNED voucher):
//! a write reads one voucher's sessions and a week, never the client's whole history. What
//! counts on a voucher is its recorded sessions and its no-shows within the allowance
//! (BILL-NO-SHOW: one unit per calendar month); the count is stored with one conditional update
//! that never exceeds the grant (CAP-UNITS), and every change of it is published on the usage
//! feed `vouchers` follows, in the same transaction. Billing uses the same allowance.

use std::collections::HashMap;

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::error::refuse;
use seteli_platform::{AppError, AppResult};
use seteli_rules::absences::billable_no_show_units;
use seteli_rules::ledger::{Booked, check_one_record_per_hour};
use seteli_rules::process::{
    ProcessConfig, ServiceStart, check_service_start, check_steward_notice,
};
use seteli_rules::rule_ids::{KTT_NOT_ONLY_REMOTE, KTT_STEWARD, PROC_START};
use seteli_rules::sessions::{
    DEFAULT_DISCUSSION_HOURS_PER_MONTH, GroupContext, PeriodFacts, Session, SessionContext,
    TimeSlot, check_session, review_period,
};
use seteli_rules::terms::check_units_available;
use seteli_rules::{ServiceType, Unit};
use sqlx::AnyConnection;

use super::common::{rule_error, to_warning};
use super::ledger::not_an_absence_day;
use crate::model::{
    CountedSession, SessionFact, SessionInput, SessionKind, SessionStatus, UnitCount, Voucher, dec,
};
use crate::store;
use crate::wire::clock_hundredths;

/// What admission decided.
pub(super) struct Admission {
    /// Units the session consumes, hundredths.
    pub(super) units: i64,
    /// Warnings on the voucher.
    pub(super) warnings: Vec<pb::Warning>,
    /// Every session of the voucher (any state, without the excluded one) as admission read
    /// them in this transaction: what the units are recounted from after the write, without
    /// reading them again.
    pub(super) voucher_sessions: Vec<SessionFact>,
}

/// BILL-NO-SHOW: the units billable for each no-show of one voucher (one unit per calendar
/// month at most, decided by the rules crate), never more than the session's own units.
pub(super) fn no_show_allowance<'a, S: CountedSession + 'a>(
    sessions: impl IntoIterator<Item = &'a S>,
) -> HashMap<String, i64> {
    let mut no_shows: Vec<&S> = sessions
        .into_iter()
        .filter(|s| s.status() == SessionStatus::NoShow)
        .collect();
    no_shows.sort_by(|a, b| (a.date(), a.id()).cmp(&(b.date(), b.id())));
    let mut billed: Vec<NaiveDate> = Vec::new();
    let mut out = HashMap::new();
    for s in no_shows {
        // BILL-NO-SHOW
        let allowed = billable_no_show_units(s.date(), &billed);
        let hundredths = i64::try_from(
            (allowed * rust_decimal::Decimal::ONE_HUNDRED)
                .trunc()
                .mantissa(),
        )
        .unwrap_or_default();
        let units = hundredths.min(s.units());
        if hundredths > 0 {
            billed.push(s.date());
        }
        out.insert(s.id().to_owned(), units);
    }
    out
}

/// What the start of a voucher's service is judged with beyond the followed voucher itself
/// (PROC-START, RULES.md §10 "Start of service"). Read only for an ASSIGNED voucher, whose
/// first session starts the service.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct StartContext {
    /// VOUCHER-EXTENSION: the voucher continues one of the same provider (no new client, so
    /// no new start is owed).
    pub(super) continues_with_same_provider: bool,
    /// SK 5: the start (announced or delayed) of the closed group the voucher is enrolled in:
    /// its client's agreed start.
    pub(super) group_start: Option<NaiveDate>,
}

/// The [`StartContext`] of `v` as stored in this transaction.
pub(super) async fn start_context(
    conn: &mut AnyConnection,
    v: &Voucher,
) -> AppResult<StartContext> {
    if v.state != "ASSIGNED" {
        return Ok(StartContext::default());
    }
    let continues_with_same_provider = match v.continues.as_deref() {
        Some(continued) if !v.provider_id.is_empty() => store::load_voucher(conn, continued)
            .await?
            .is_some_and(|c| c.provider_id == v.provider_id),
        _ => false,
    };
    // Only a group service's voucher is ever enrolled (a group is of a group service, and an
    // enrolment of a voucher of the group's service): no other asks the database.
    let group_start = if v.service.is_group() {
        store::closed_group_start(conn, &v.id).await?
    } else {
        None
    };
    Ok(StartContext {
        continues_with_same_provider,
        group_start,
    })
}

/// Admits `s` on `v` against the client's sessions the rules read (without `exclude`, the
/// session being corrected; [`store::session_decision_reads`]): `check_session` and the period
/// review.
pub(super) async fn admit(
    conn: &mut AnyConnection,
    v: &Voucher,
    s: &SessionInput,
    exclude: Option<&str>,
    today: NaiveDate,
) -> AppResult<Admission> {
    let reads = store::session_decision_reads(conn, &v.client_id, &v.id, s.date).await?;
    not_an_absence_day(reads.absent_on_date, s.date)?;
    let start = start_context(conn, v).await?;
    admit_among(reads.sessions, v, s, exclude, today, start)
}

/// [`admit`] against `sessions` as read (every session of the voucher, the client's others in
/// the session's ISO week; others may be given too), with the voucher's [`StartContext`].
pub(super) fn admit_among(
    sessions: Vec<SessionFact>,
    v: &Voucher,
    s: &SessionInput,
    exclude: Option<&str>,
    today: NaiveDate,
    start_facts: StartContext,
) -> AppResult<Admission> {
    let terms = seteli_rules::terms_for(v.service, v.decision_date).map_err(rule_error)?;
    // An hour service consumes the hours it was held: given with clock times, they agree.
    if let (SessionKind::Regular, Unit::Hour, Some((start, end))) = (s.kind, terms.unit, s.time)
        && s.hours != clock_hundredths(start, end)
    {
        return Err(AppError::invalid(
            "details.hours",
            format!(
                "an hour service's hours are its clock times: {}–{} is {} h, not {} h",
                start.format("%H:%M"),
                end.format("%H:%M"),
                dec(clock_hundredths(start, end)),
                dec(s.hours)
            ),
        ));
    }
    let units = match (s.kind, terms.unit) {
        (SessionKind::Regular, Unit::Day) => 100,
        (SessionKind::Regular, Unit::Hour) => s.hours,
        _ => 0,
    };
    let (own, other_vouchers): (Vec<SessionFact>, Vec<SessionFact>) = sessions
        .into_iter()
        .filter(|r| Some(r.id.as_str()) != exclude)
        .partition(|r| r.voucher_id == v.id);
    let no_show_units: i64 = no_show_allowance(&own).values().sum();
    let live = |r: &&SessionFact| r.status == SessionStatus::Recorded;
    let recorded: Vec<Session> = own.iter().filter(live).map(SessionFact::rules).collect();
    let others: Vec<&SessionFact> = other_vouchers.iter().filter(live).collect();
    let slot = |r: &&SessionFact| {
        r.time.map(|(start, end)| TimeSlot {
            date: r.date,
            start,
            end,
        })
    };
    let is_work =
        |r: &&&SessionFact| r.service.is_ktt_work_activity() && r.kind == SessionKind::Regular;
    let work_activity: Vec<TimeSlot> = others.iter().filter(is_work).filter_map(slot).collect();
    let coaching: Vec<TimeSlot> = others
        .iter()
        .filter(|r| {
            (r.service == ServiceType::KttIndividual && r.kind == SessionKind::Regular)
                || (r.service.is_ktt_work_activity() && r.kind == SessionKind::IndividualCoaching)
        })
        .filter_map(slot)
        .collect();
    let other_work_days: Vec<NaiveDate> = others.iter().filter(is_work).map(|r| r.date).collect();
    let voucher = v.terms(no_show_units);
    let proposed = Session {
        date: s.date,
        units: dec(units),
        hours: dec(s.hours),
        modality: s.modality.rules(),
        kind: s.kind.rules(),
        excursion: s.excursion,
        time: s.time,
    };
    let context = SessionContext {
        voucher: &voucher,
        recorded: &recorded,
        group: (v.service.is_group() && s.participants > 0).then_some(GroupContext {
            participants: s.participants,
            provider_max: s.group_max,
        }),
        work_activity: &work_activity,
        coaching: &coaching,
        other_ktt_work_days: &other_work_days,
        responsible_coach_named: !v.responsible_coach.trim().is_empty(),
    };
    // PROC-COACH, TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY (per voucher; per person for KTT work
    // activity), CAP-DAY-LENGTH, CAP-SESSION-LENGTH, CAP-GROUP-SIZE, KTT-GROUP-DISCUSSIONS,
    // COACHING-NOT-DURING-WORK (both orders)
    let mut violations = check_session(&context, &proposed).map_err(rule_error)?;
    // BILL-REALISED: one record per hour on the voucher, whatever its other sessions' state
    // of realisation (RULES.md §10); a no-show holds its hour too.
    let whole_day = |kind: SessionKind| terms.unit == Unit::Day && kind == SessionKind::Regular;
    let booked: Vec<Booked> = own
        .iter()
        .filter(|r| matches!(r.status, SessionStatus::Recorded | SessionStatus::NoShow))
        .map(|r| Booked {
            date: r.date,
            slot: slot(&r),
            whole_day: whole_day(r.kind),
        })
        .collect();
    let this = Booked {
        date: s.date,
        slot: proposed.slot(),
        whole_day: whole_day(s.kind),
    };
    violations.extend(check_one_record_per_hour(&this, &booked));
    // KTT-STEWARD: the first work day of KTT work activity — the earliest live regular session
    // with units, agreed or realised, whatever the voucher's state — needs the steward's notice
    // given no later than it; checked whenever a session would become the earliest.
    let first_work_day = own
        .iter()
        .filter(live)
        .filter(|r| r.kind == SessionKind::Regular && r.units > 0)
        .map(|r| r.date)
        .min();
    if v.service.is_ktt_work_activity()
        && s.kind == SessionKind::Regular
        && units > 0
        && first_work_day.is_none_or(|first| s.date < first)
    {
        violations.extend(check_steward_notice(
            v.service,
            v.start.steward_notified_on,
            Some(s.date),
            today,
        ));
    }
    // PROC-START, PROC-COACH, KTT-STEWARD: the first session on an ASSIGNED voucher starts the
    // service, so it is checked as a start on its day, as StartVoucher would check it. (Later
    // sessions follow a start already checked, even while the feed still says ASSIGNED.)
    // PROC-START counts from the later of the choice and the first valid day; a continuation
    // with the same provider owes none; a closed group's start is the agreed one (SK 5).
    let first_units = own.iter().filter(live).all(|r| r.units == 0);
    if v.state == "ASSIGNED"
        && units > 0
        && first_units
        && let Some(chosen) = v.start.provider_chosen_on
    {
        let coach_named_on = (!v.responsible_coach.trim().is_empty())
            .then_some(v.start.accepted_on.unwrap_or(s.date));
        let start = check_service_start(
            &ServiceStart {
                service: v.service,
                provider_chosen_on: chosen,
                valid_from: Some(v.valid_from),
                continues_with_same_provider: start_facts.continues_with_same_provider,
                agreed_start: start_facts.group_start.or(v.start.agreed_start_on),
                started_on: Some(s.date),
                as_of: today,
                contract_made_on: v.start.accepted_on,
                responsible_coach_named_on: coach_named_on,
                steward_notified_on: v.start.steward_notified_on,
            },
            &ProcessConfig::default(),
        );
        // PROC-COACH is check_session's already (a coach named for the session); the start
        // adds the dated checks.
        for x in start {
            if (x.rule == PROC_START || x.rule == KTT_STEWARD)
                && !violations.iter().any(|y| y.rule == x.rule)
            {
                violations.push(x);
            }
        }
    }
    // KTT-NOT-ONLY-REMOTE over the period (a refusal once it ended, a warning before);
    // KTT-GROUP-DISCUSSIONS per ended month and SK-GROUP-WEEKLY are warnings on the voucher.
    let mut after = recorded.clone();
    after.push(proposed);
    let review = review_period(&PeriodFacts {
        voucher: &voucher,
        sessions: &after,
        as_of: today,
        min_discussion_hours_per_month: DEFAULT_DISCUSSION_HOURS_PER_MONTH,
    })
    .map_err(rule_error)?;
    let mut warnings = review.warnings;
    for x in review.violations {
        if x.rule == KTT_NOT_ONLY_REMOTE {
            violations.push(x);
        } else {
            warnings.push(x);
        }
    }
    refuse(violations)?;
    Ok(Admission {
        units,
        warnings: warnings.into_iter().map(to_warning).collect(),
        voucher_sessions: own,
    })
}

/// Recounts the units used and reserved on `v` as of `today` (realised sessions and allowed
/// no-shows; sessions agreed for a later day) and stores them with one conditional update that
/// never lets them exceed the grant (CAP-UNITS).
pub(super) async fn update_units(
    conn: &mut AnyConnection,
    v: &Voucher,
    today: NaiveDate,
) -> AppResult<()> {
    let sessions = store::all_voucher_sessions(conn, &v.id).await?;
    count_units(conn, v, &sessions, today).await
}

/// BILL-REALISED, "realised, not planned" (RULES.md §10): what `sessions` (every session of one
/// voucher) count as of `today` — a recorded session whose day has come is used, one agreed for
/// a later day reserved; no-shows within the allowance (BILL-NO-SHOW) are used — and the
/// earliest day with units used (the start of the service when these are the first).
pub(super) fn units_as_of<'a, S: CountedSession + 'a>(
    sessions: impl IntoIterator<Item = &'a S> + Clone,
    today: NaiveDate,
) -> (UnitCount, Option<NaiveDate>) {
    let recorded = |realised: bool| {
        sessions
            .clone()
            .into_iter()
            .filter(|s| s.status() == SessionStatus::Recorded && (s.date() <= today) == realised)
            .map(|s| s.units())
            .sum::<i64>()
    };
    let allowance = no_show_allowance(sessions.clone());
    let count = UnitCount {
        used: recorded(true) + allowance.values().sum::<i64>(),
        reserved: recorded(false),
    };
    let first_used_on = sessions
        .into_iter()
        .filter(|s| match s.status() {
            SessionStatus::Recorded => s.units() > 0 && s.date() <= today,
            SessionStatus::NoShow => allowance.get(s.id()).is_some_and(|u| *u > 0),
            _ => false,
        })
        .map(|s| s.date())
        .min();
    (count, first_used_on)
}

/// [`update_units`] from `sessions`, every session of `v` as they stand in this transaction.
pub(super) async fn count_units<S: CountedSession>(
    conn: &mut AnyConnection,
    v: &Voucher,
    sessions: &[S],
    today: NaiveDate,
) -> AppResult<()> {
    let (count, first_used_on) = units_as_of(sessions, today);
    // The usage feed `vouchers` follows: written with the change that moved the count. The
    // stored count is compared inside the transaction (the voucher is locked), so a change
    // made earlier in the same transaction (a group session's no-show) counts.
    if let Some(usage_version) = store::set_units_if_moved(conn, &v.id, count, today).await? {
        store::append_usage_change(conn, &v.id, count, first_used_on, usage_version).await?;
        return Ok(());
    }
    // Not moved (the day of the count is still stamped), or refused below.
    if store::units_now(conn, &v.id).await? == Some(count)
        && store::set_units(conn, &v.id, count, today).await?.is_some()
    {
        return Ok(());
    }
    // CAP-UNITS (decided by the rules crate): used and reserved together within the grant.
    let held = v.units_used + v.units_reserved;
    let violations = check_units_available(
        dec(v.units_granted),
        dec(held),
        dec(count.used + count.reserved - held),
    );
    refuse(violations)?;
    Err(AppError::StateConflict(
        "the voucher changed while its units were counted; retry".into(),
    ))
}

#[cfg(test)]
mod tests {
    use seteli_rules::rule_ids::{CAP_UNITS, KTT_STEWARD, PROC_COACH, PROC_START, TERM_VALIDITY};

    use super::*;
    use crate::model::SessionRow;
    use crate::testing::{day, input, session, voucher};

    /// [`admit_among`] of a new session (nothing excluded) with no start context.
    fn admit_on(
        sessions: Vec<SessionRow>,
        v: &Voucher,
        s: &SessionInput,
        today: NaiveDate,
    ) -> AppResult<Admission> {
        let facts = sessions.iter().map(SessionRow::fact).collect();
        admit_among(facts, v, s, None, today, StartContext::default())
    }

    /// An SK voucher ASSIGNED to its provider, chosen on 2.2.2026 and accepted on 3.2.
    fn assigned() -> Voucher {
        Voucher {
            state: "ASSIGNED".into(),
            start: crate::model::StartDates {
                provider_chosen_on: Some(day(2026, 2, 2)),
                accepted_on: Some(day(2026, 2, 3)),
                ..Default::default()
            },
            ..voucher(ServiceType::SkIndividual, 4000)
        }
    }

    /// The rule ids of a refusal by the rules.
    fn refused_by(r: AppResult<Admission>) -> Vec<&'static str> {
        match r {
            Err(AppError::RuleViolations(v)) => v.iter().map(|x| x.rule).collect(),
            Err(e) => panic!("refused otherwise: {e}"),
            Ok(a) => panic!("admitted with {} units", a.units),
        }
    }

    #[test]
    fn no_show_allowance_is_one_unit_per_calendar_month_per_voucher() {
        let sessions = [
            // Listed out of date order: the earliest no-show of a month takes the unit.
            session("b", "v1", day(2026, 3, 20), SessionStatus::NoShow, 150),
            session("a", "v1", day(2026, 3, 5), SessionStatus::NoShow, 150),
            session("c", "v1", day(2026, 4, 1), SessionStatus::NoShow, 200),
            session("r", "v1", day(2026, 3, 6), SessionStatus::Recorded, 100),
            session(
                "x",
                "v1",
                day(2026, 3, 7),
                SessionStatus::CancelledByClient,
                100,
            ),
        ];
        let allowance = no_show_allowance(&sessions);
        assert_eq!(allowance.get("a"), Some(&100));
        assert_eq!(
            allowance.get("b"),
            Some(&0),
            "a second no-show in March bills nothing"
        );
        assert_eq!(allowance.get("c"), Some(&100), "April has its own unit");
        assert_eq!(allowance.len(), 3, "only no-shows are in the allowance");
    }

    #[test]
    fn agreed_sessions_are_reserved_until_their_day_and_realised_ones_used() {
        let sessions = [
            session("past", "v1", day(2026, 3, 2), SessionStatus::Recorded, 200),
            session("today", "v1", day(2026, 3, 9), SessionStatus::Recorded, 100),
            session(
                "ahead",
                "v1",
                day(2026, 3, 16),
                SessionStatus::Recorded,
                150,
            ),
            session("no-show", "v1", day(2026, 3, 5), SessionStatus::NoShow, 100),
            session(
                "off",
                "v1",
                day(2026, 3, 20),
                SessionStatus::CancelledByClient,
                100,
            ),
        ];
        let (count, first) = units_as_of(&sessions, day(2026, 3, 9));
        assert_eq!(
            count,
            UnitCount {
                used: 400,
                reserved: 150
            }
        );
        assert_eq!(first, Some(day(2026, 3, 2)));
        // A week later the agreed session is realised: its units move from reserved to used.
        let (count, _) = units_as_of(&sessions, day(2026, 3, 16));
        assert_eq!(
            count,
            UnitCount {
                used: 550,
                reserved: 0
            }
        );
        // Only agreed sessions: nothing used yet, and no day of first use (the service has not
        // started).
        let (count, first) = units_as_of(&sessions[2..3], day(2026, 3, 9));
        assert_eq!((count.used, count.reserved, first), (0, 150, None));
    }

    #[test]
    fn no_show_allowance_never_exceeds_the_sessions_units_and_uses_up_the_month() {
        let sessions = [
            session("half", "v1", day(2026, 3, 2), SessionStatus::NoShow, 50),
            session("later", "v1", day(2026, 3, 9), SessionStatus::NoShow, 150),
        ];
        let allowance = no_show_allowance(&sessions);
        assert_eq!(allowance.get("half"), Some(&50));
        assert_eq!(allowance.get("later"), Some(&0));
    }

    #[test]
    fn no_show_allowance_orders_a_day_by_session_id() {
        let sessions = [
            session("s2", "v1", day(2026, 3, 2), SessionStatus::NoShow, 100),
            session("s1", "v1", day(2026, 3, 2), SessionStatus::NoShow, 100),
        ];
        let allowance = no_show_allowance(&sessions);
        assert_eq!((allowance["s1"], allowance["s2"]), (100, 0));
        assert!(no_show_allowance::<SessionRow>(&[]).is_empty());
    }

    #[test]
    fn admits_an_hour_session_at_its_hours_with_the_vouchers_own_sessions() {
        let v = voucher(ServiceType::SkIndividual, 4000);
        let sessions = vec![
            session("s1", "v1", day(2026, 3, 2), SessionStatus::Recorded, 150),
            // Another voucher of the client: not counted, not returned.
            session("o1", "v2", day(2026, 3, 2), SessionStatus::Recorded, 3900),
        ];
        let a = admit_on(sessions, &v, &input(day(2026, 3, 4), 150), day(2026, 3, 4))
            .expect("admitted");
        assert_eq!(a.units, 150);
        assert!(a.warnings.is_empty());
        let ids: Vec<&str> = a.voucher_sessions.iter().map(|s| s.id.as_str()).collect();
        assert_eq!(ids, ["s1"]);
    }

    #[test]
    fn a_day_service_counts_one_unit_and_a_discussion_none() {
        let v = voucher(ServiceType::SkParticipation, 7800);
        let a = admit_on(
            Vec::new(),
            &v,
            &input(day(2026, 3, 4), 350),
            day(2026, 3, 4),
        )
        .expect("an activity day of 3.5 h");
        assert_eq!(a.units, 100);

        let v = voucher(ServiceType::KttGroup, 5000);
        let discussion = SessionInput {
            kind: SessionKind::IndividualDiscussion,
            ..input(day(2026, 3, 4), 100)
        };
        let a = admit_on(Vec::new(), &v, &discussion, day(2026, 3, 4))
            .expect("a KTT group's individual discussion");
        assert_eq!(a.units, 0);
    }

    #[test]
    fn units_beyond_the_grant_are_refused_and_the_no_show_allowance_counts() {
        let v = voucher(ServiceType::SkIndividual, 300);
        let recorded = session("s1", "v1", day(2026, 3, 2), SessionStatus::Recorded, 100);
        let next = input(day(2026, 3, 9), 150);
        // 1 + 1.5 of 3 units.
        admit_on(vec![recorded.clone()], &v, &next, day(2026, 3, 9)).expect("within");
        // A no-show bills its one unit of the grant: 1 + 1 + 1.5 > 3.
        let no_show = session("n1", "v1", day(2026, 3, 3), SessionStatus::NoShow, 150);
        let r = admit_on(vec![recorded, no_show], &v, &next, day(2026, 3, 9));
        assert_eq!(refused_by(r), [CAP_UNITS]);
    }

    #[test]
    fn the_corrected_session_is_not_counted_against_its_correction() {
        let v = voucher(ServiceType::SkIndividual, 200);
        let s1 = session("s1", "v1", day(2026, 3, 2), SessionStatus::Recorded, 150);
        let corrected = input(day(2026, 3, 2), 200);
        let a = admit_among(
            vec![s1.fact()],
            &v,
            &corrected,
            Some("s1"),
            day(2026, 3, 2),
            StartContext::default(),
        )
        .expect("1.5 h corrected to 2 h of 2");
        assert!(a.voucher_sessions.is_empty());
        let r = admit_on(vec![s1], &v, &corrected, day(2026, 3, 2));
        assert_eq!(refused_by(r), [CAP_UNITS]);
    }

    #[test]
    fn no_coach_and_a_day_outside_the_validity_are_refused() {
        let v = Voucher {
            responsible_coach: " ".into(),
            ..voucher(ServiceType::SkIndividual, 4000)
        };
        let r = admit_on(
            Vec::new(),
            &v,
            &input(day(2026, 6, 1), 100),
            day(2026, 6, 1),
        );
        let rules = refused_by(r);
        assert!(rules.contains(&PROC_COACH), "{rules:?}");
        assert!(rules.contains(&TERM_VALIDITY), "{rules:?}");
    }

    #[test]
    fn the_first_session_on_an_assigned_voucher_is_checked_as_the_start() {
        let assigned = assigned();
        // Within ten business days of the choice (by 2026-02-16): in time.
        let on_time = input(day(2026, 2, 10), 100);
        admit_on(Vec::new(), &assigned, &on_time, day(2026, 2, 10)).expect("in time");
        // Two months later: PROC-START.
        let late = input(day(2026, 4, 1), 100);
        let r = admit_on(Vec::new(), &assigned, &late, day(2026, 4, 1));
        assert_eq!(refused_by(r), [PROC_START]);
        // Not the first session with units: the start was checked before.
        let earlier = session("s1", "v1", day(2026, 2, 10), SessionStatus::Recorded, 100);
        admit_on(vec![earlier], &assigned, &late, day(2026, 4, 1)).expect("a later session");
        // An ACTIVE voucher has started.
        let active = Voucher {
            state: "ACTIVE".into(),
            ..assigned
        };
        admit_on(Vec::new(), &active, &late, day(2026, 4, 1)).expect("started");
    }

    #[test]
    fn a_first_work_day_of_any_date_needs_the_stewards_notice() {
        // KTT work days and coaching carry clock times (COACHING-NOT-DURING-WORK).
        let timed = |date| SessionInput {
            time: Some((
                chrono::NaiveTime::from_hms_opt(9, 0, 0).expect("09:00"),
                chrono::NaiveTime::from_hms_opt(13, 0, 0).expect("13:00"),
            )),
            ..input(date, 400)
        };
        // KTT-STEWARD: KTT work activity, ACTIVE or ASSIGNED alike.
        let unnotified = voucher(ServiceType::KttWorkCapacity, 3000);
        let today = day(2026, 3, 2);
        let agreed = timed(day(2026, 3, 9));
        let r = admit_on(Vec::new(), &unnotified, &agreed, today);
        assert_eq!(refused_by(r), [KTT_STEWARD]);
        let notified = Voucher {
            start: crate::model::StartDates {
                steward_notified_on: Some(day(2026, 3, 2)),
                ..Default::default()
            },
            ..unnotified.clone()
        };
        admit_on(Vec::new(), &notified, &agreed, today)
            .expect("notified before the agreed first day");
        // A notice dated after the first work day: that day is refused.
        let late = Voucher {
            start: crate::model::StartDates {
                steward_notified_on: Some(day(2026, 3, 2)),
                ..Default::default()
            },
            ..unnotified.clone()
        };
        let earlier = timed(day(2026, 2, 27));
        let r = admit_on(Vec::new(), &late, &earlier, today);
        assert_eq!(refused_by(r), [KTT_STEWARD]);
        // Not the earliest work day: the first one was checked already.
        let first = SessionRow {
            service: ServiceType::KttWorkCapacity,
            ..session("s1", "v1", day(2026, 3, 9), SessionStatus::Recorded, 100)
        };
        let next = timed(day(2026, 3, 16));
        admit_on(vec![first], &unnotified, &next, today).expect("a later work day");
        // Coaching needs no notice.
        let coaching = voucher(ServiceType::KttIndividual, 3000);
        admit_on(Vec::new(), &coaching, &agreed, today).expect("coaching");
    }

    #[test]
    fn proc_start_from_the_first_valid_day_a_continuation_and_a_closed_groups_start() {
        // PROC-START: chosen 2.2., first session 1.4., two months later.
        let assigned = assigned();
        let late = input(day(2026, 4, 1), 100);
        let today = day(2026, 4, 1);
        let none = StartContext::default();
        let r = admit_among(Vec::new(), &assigned, &late, None, today, none);
        assert_eq!(refused_by(r), [PROC_START]);
        // Valid only from 30.3.: counted from then, in time.
        let valid_later = Voucher {
            valid_from: day(2026, 3, 30),
            ..assigned.clone()
        };
        admit_among(Vec::new(), &valid_later, &late, None, today, none)
            .expect("counted from the first valid day");
        // VOUCHER-EXTENSION with the same provider: no new start owed.
        let continuation = StartContext {
            continues_with_same_provider: true,
            ..none
        };
        admit_among(Vec::new(), &assigned, &late, None, today, continuation)
            .expect("a continuation");
        // SK 5: enrolled in a closed group starting 1.4.: its start is the agreed one.
        let group = StartContext {
            group_start: Some(day(2026, 4, 1)),
            ..none
        };
        admit_among(Vec::new(), &assigned, &late, None, today, group).expect("the group's start");
        let after_group = input(day(2026, 4, 2), 100);
        let r = admit_among(
            Vec::new(),
            &assigned,
            &after_group,
            None,
            day(2026, 4, 2),
            group,
        );
        assert_eq!(refused_by(r), [PROC_START]);
    }
}
