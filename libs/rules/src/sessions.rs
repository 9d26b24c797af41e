//! Admitting a session to a voucher (RULES.md §3, §5) and the period-level checks.
//!
//! [`check_session`] answers "may this session be recorded, given the voucher and what is
//! already recorded?": PROC-COACH, TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY (ISO week; KTT work
//! activity also per person across vouchers), CAP-DAY-LENGTH, CAP-SESSION-LENGTH (KTT group
//! lasts 4 h; SK with the excursion allowance), CAP-GROUP-SIZE, KTT-GROUP-DISCUSSIONS (only on
//! KTT group vouchers) and COACHING-NOT-DURING-WORK (KTT only, both orders).
//! [`review_period`] looks at a voucher's sessions as a whole: KTT-NOT-ONLY-REMOTE,
//! KTT-GROUP-DISCUSSIONS and the SK-GROUP-WEEKLY warning.

use crate::calendar::{minus_days, plus_days, plus_months};
use crate::catalogue::{RuleError, ServiceTerms, ServiceType, Unit, terms_for};
use crate::rule_ids::{
    CAP_DAY_LENGTH, CAP_GROUP_SIZE, CAP_SESSION_LENGTH, CAP_UNITS, CAP_WEEKLY,
    COACHING_NOT_DURING_WORK, KTT_GROUP_DISCUSSIONS, KTT_NOT_ONLY_REMOTE, PROC_COACH,
    SK_GROUP_WEEKLY, TERM_VALIDITY,
};
use crate::violation::Violation;
use chrono::{Datelike, NaiveDate, NaiveTime};
use rust_decimal::Decimal;

/// How a session is delivered (recorded per session; KTT 2.2, SK 4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Modality {
    /// On site, in person.
    OnSite,
    /// Remote coaching by phone or video.
    Remote,
}

/// What a session is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SessionKind {
    /// A session of the service itself; consumes units.
    Regular,
    /// An individual discussion that belongs to KTT group coaching (KTT 2.2.2 (5)); included
    /// in the day price, consumes no units. Exists only on `KTT_GROUP` vouchers.
    IndividualDiscussion,
    /// The individual coaching included in KTT work activity (`KTT_ASSESSMENT`,
    /// `KTT_WORK_CAPACITY`: KTT 2.2.3 (5), 2.2.4 (5)); included in the day price, consumes no
    /// units, never at the same time as the client's work activity. Exists only on those
    /// vouchers.
    IndividualCoaching,
}

/// A clock interval on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeSlot {
    /// The date.
    pub date: NaiveDate,
    /// Start time.
    pub start: NaiveTime,
    /// End time.
    pub end: NaiveTime,
}

impl TimeSlot {
    /// Whether two slots overlap (same date, intervals intersect; touching ends do not overlap).
    pub fn overlaps(&self, other: &TimeSlot) -> bool {
        self.date == other.date && self.start < other.end && other.start < self.end
    }
}

/// A session, recorded or proposed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Session {
    /// The date.
    pub date: NaiveDate,
    /// Units consumed: hours (hour services) or days (day services, normally 1).
    pub units: Decimal,
    /// Duration in hours (the day length of a day service, the length of a group session).
    pub hours: Decimal,
    /// On site or remote.
    pub modality: Modality,
    /// Regular session or a KTT group individual discussion.
    pub kind: SessionKind,
    /// An SK group excursion day (may exceed the session maximum within the allowance).
    pub excursion: bool,
    /// Start and end time (COACHING-NOT-DURING-WORK). Required of KTT individual coaching
    /// and KTT work-activity sessions: without them such a session cannot pass.
    pub time: Option<(NaiveTime, NaiveTime)>,
}

impl Session {
    /// Units this session consumes from the voucher.
    pub fn consumed_units(&self) -> Decimal {
        match self.kind {
            SessionKind::Regular => self.units,
            SessionKind::IndividualDiscussion | SessionKind::IndividualCoaching => Decimal::ZERO,
        }
    }

    /// The session's time slot, where its times are known.
    pub fn slot(&self) -> Option<TimeSlot> {
        self.time.map(|(start, end)| TimeSlot {
            date: self.date,
            start,
            end,
        })
    }
}

/// The voucher terms a session is admitted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VoucherTerms {
    /// The service.
    pub service: ServiceType,
    /// Decision date: selects the governing rulebook.
    pub decision_date: NaiveDate,
    /// First day valid.
    pub valid_from: NaiveDate,
    /// Last day valid (inclusive).
    pub valid_until: NaiveDate,
    /// Granted units.
    pub granted_units: Decimal,
    /// Weekly cap on the voucher; `None` takes the rulebook default.
    pub weekly_cap: Option<Decimal>,
    /// SK-TTV-4DAYS variant.
    pub four_day_variant: bool,
}

/// The group a group session is held in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupContext {
    /// Clients in the session, including this client.
    pub participants: u32,
    /// The provider's maximum group size for the service.
    pub provider_max: Option<u32>,
}

/// Everything already known when a session is proposed.
#[derive(Debug, Clone, Copy)]
pub struct SessionContext<'a> {
    /// The voucher.
    pub voucher: &'a VoucherTerms,
    /// Sessions already admitted on this voucher (any order).
    pub recorded: &'a [Session],
    /// The group, for group services.
    pub group: Option<GroupContext>,
    /// The client's work-activity slots on *other* vouchers (KTT_ASSESSMENT /
    /// KTT_WORK_CAPACITY days), for COACHING-NOT-DURING-WORK when coaching is recorded. Work
    /// days recorded on this voucher are taken from `recorded`.
    pub work_activity: &'a [TimeSlot],
    /// The client's KTT individual-coaching slots on *other* vouchers (KTT_INDIVIDUAL
    /// sessions, and the coaching inside other KTT work-activity vouchers), for
    /// COACHING-NOT-DURING-WORK when a work day is recorded over existing coaching. Coaching
    /// recorded on this voucher is taken from `recorded`.
    pub coaching: &'a [TimeSlot],
    /// The dates of the client's KTT work-activity days (KTT_ASSESSMENT, KTT_WORK_CAPACITY)
    /// on *other* vouchers, for the per-person CAP-WEEKLY of KTT work activity (1–4 days a
    /// week across vouchers, KTT 2.2.3, 2.2.4).
    pub other_ktt_work_days: &'a [NaiveDate],
    /// PROC-COACH: the provider has named the client's responsible coach.
    pub responsible_coach_named: bool,
}

/// The weekly cap in force for a voucher: the voucher's own, never above the rulebook's.
pub fn effective_weekly_cap(terms: &ServiceTerms, voucher: &VoucherTerms) -> Option<Decimal> {
    let book = terms
        .effective_weekly_cap(voucher.four_day_variant)
        .map(Decimal::from);
    match (voucher.weekly_cap, book) {
        (Some(v), Some(b)) => Some(v.min(b)),
        (v, b) => v.or(b),
    }
}

/// The unit cap in force for a voucher: the granted units, never above the rulebook's cap.
pub fn effective_unit_cap(terms: &ServiceTerms, voucher: &VoucherTerms) -> Decimal {
    match terms.unit_cap_decimal(voucher.four_day_variant) {
        Some(cap) => voucher.granted_units.min(cap),
        None => voucher.granted_units,
    }
}

fn same_iso_week(a: NaiveDate, b: NaiveDate) -> bool {
    a.iso_week() == b.iso_week()
}

/// The index of the `per_months`-month period (from the voucher start) a date falls in.
fn period_index(start: NaiveDate, date: NaiveDate, per_months: u32) -> u32 {
    let mut i = 0u32;
    let step = per_months.max(1);
    while i < 1000 && plus_months(start, step.saturating_mul(i + 1)) <= date {
        i += 1;
    }
    i
}

fn sum_units<'a>(it: impl Iterator<Item = &'a Session>) -> Decimal {
    it.fold(Decimal::ZERO, |a, s| a.saturating_add(s.consumed_units()))
}

/// Every rule that stops `session` from being admitted to the voucher. An empty answer means
/// it may be recorded. A decision date no rulebook covers is an error.
pub fn check_session(
    ctx: &SessionContext<'_>,
    session: &Session,
) -> Result<Vec<Violation>, RuleError> {
    let v = ctx.voucher;
    let terms = terms_for(v.service, v.decision_date)?;
    let sec = terms.section;
    let regular = session.kind == SessionKind::Regular;
    let mut out = Vec::new();

    // PROC-COACH
    if !ctx.responsible_coach_named {
        out.push(Violation::of(
            PROC_COACH,
            "Asiakkaalle ei ole nimetty vastuuohjaajaa; käyntejä ei voi kirjata ennen nimeämistä.",
            "No responsible coach is named for the client; no session is recorded before one is.",
        ));
    }

    // TERM-VALIDITY
    if session.date < v.valid_from || session.date > v.valid_until {
        out.push(Violation::new(
            TERM_VALIDITY,
            sec,
            format!(
                "Käynti {} on palvelusetelin voimassaolon ({}–{}) ulkopuolella.",
                session.date, v.valid_from, v.valid_until
            ),
            format!(
                "Session on {} is outside the voucher's validity ({} to {}).",
                session.date, v.valid_from, v.valid_until
            ),
        ));
    }

    match session.kind {
        SessionKind::Regular => {}
        // KTT-GROUP-DISCUSSIONS: individual discussions exist only on KTT group vouchers.
        SessionKind::IndividualDiscussion => {
            if v.service != ServiceType::KttGroup {
                out.push(Violation::of(
                    KTT_GROUP_DISCUSSIONS,
                    format!(
                        "Yksilökeskustelut kuuluvat vain kuntouttavan työtoiminnan \
                         ryhmävalmennukseen, eivät palveluun {}.",
                        v.service.code()
                    ),
                    format!(
                        "Individual discussions belong only to KTT group coaching, not to {}.",
                        v.service.code()
                    ),
                ));
            }
            if session.hours <= Decimal::ZERO {
                out.push(Violation::of(
                    KTT_GROUP_DISCUSSIONS,
                    "Yksilökeskustelun keston on oltava positiivinen.",
                    "An individual discussion must last a positive number of hours.",
                ));
            }
        }
        // CAP-UNITS: the coaching included in the day price exists only on KTT work activity.
        SessionKind::IndividualCoaching => {
            if !v.service.is_ktt_work_activity() {
                out.push(Violation::new(
                    CAP_UNITS,
                    sec,
                    format!(
                        "Palveluun {} ei sisälly päivähintaan kuuluvaa yksilövalmennusta; \
                         valmennus kirjataan omana käyntinään.",
                        v.service.code()
                    ),
                    format!(
                        "{} includes no individual coaching in its day price; record coaching \
                         as a regular session of a coaching voucher.",
                        v.service.code()
                    ),
                ));
            }
            if session.hours <= Decimal::ZERO {
                out.push(Violation::new(
                    CAP_UNITS,
                    sec,
                    "Yksilövalmennuksen keston on oltava positiivinen.",
                    "Individual coaching must last a positive number of hours.",
                ));
            }
        }
    }

    if regular {
        // CAP-UNITS: positive, whole days, one day per date, within the cap.
        if session.units <= Decimal::ZERO {
            out.push(Violation::new(
                CAP_UNITS,
                sec,
                "Käynnin yksikkömäärän on oltava positiivinen.",
                "A session must consume a positive number of units.",
            ));
        }
        if terms.unit == Unit::Day {
            if session.units != Decimal::ONE {
                out.push(Violation::new(
                    CAP_UNITS,
                    sec,
                    "Toimintapäivä kirjataan yhtenä yksikkönä.",
                    "An activity day is recorded as exactly one unit.",
                ));
            }
            let same_day = ctx
                .recorded
                .iter()
                .any(|r| r.kind == SessionKind::Regular && r.date == session.date);
            if same_day {
                out.push(Violation::new(
                    CAP_UNITS,
                    sec,
                    format!("Päivälle {} on jo kirjattu toimintapäivä.", session.date),
                    format!("An activity day is already recorded on {}.", session.date),
                ));
            }
        }
        let cap = effective_unit_cap(terms, v);
        let used = sum_units(ctx.recorded.iter());
        let after = used.saturating_add(session.units.max(Decimal::ZERO));
        if after > cap {
            out.push(Violation::new(
                CAP_UNITS,
                sec,
                format!(
                    "Käynti ylittäisi setelin yksikkömäärän: käytetty {used}, käynti {}, enintään {cap}.",
                    session.units
                ),
                format!(
                    "The session would exceed the voucher's units: used {used}, session {}, cap {cap}.",
                    session.units
                ),
            ));
        }

        // CAP-WEEKLY (ISO week)
        let mut weekly_reported = false;
        if let Some(weekly) = effective_weekly_cap(terms, v) {
            let week_used = sum_units(
                ctx.recorded
                    .iter()
                    .filter(|r| same_iso_week(r.date, session.date)),
            );
            let after = week_used.saturating_add(session.units.max(Decimal::ZERO));
            if after > weekly {
                weekly_reported = true;
                let w = session.date.iso_week();
                out.push(Violation::new(
                    CAP_WEEKLY,
                    sec,
                    format!(
                        "Viikolla {}/{} käytettäisiin {after} yksikköä; enintään {weekly}.",
                        w.week(),
                        w.year()
                    ),
                    format!(
                        "ISO week {}-W{:02} would use {after} units; the weekly cap is {weekly}.",
                        w.year(),
                        w.week()
                    ),
                ));
            }
        }

        // CAP-WEEKLY per person: KTT work activity is 1–4 days a week for the client, across
        // vouchers (KTT 2.2.3, 2.2.4: "henkilö voi osallistua työtoimintaan 1–4 päivänä viikossa").
        if v.service.is_ktt_work_activity()
            && !weekly_reported
            && let Some(per_person) = terms.weekly_cap
        {
            let mut days: Vec<NaiveDate> = ctx
                .recorded
                .iter()
                .filter(|r| r.kind == SessionKind::Regular)
                .map(|r| r.date)
                .chain(ctx.other_ktt_work_days.iter().copied())
                .chain(std::iter::once(session.date))
                .filter(|d| same_iso_week(*d, session.date))
                .collect();
            days.sort_unstable();
            days.dedup();
            let n = u32::try_from(days.len()).unwrap_or(u32::MAX);
            if n > per_person {
                let w = session.date.iso_week();
                out.push(Violation::new(
                    CAP_WEEKLY,
                    sec,
                    format!(
                        "Asiakkaalla olisi viikolla {}/{} {n} kuntouttavan työtoiminnan päivää \
                         kaikilla seteleillä yhteensä; enintään {per_person}.",
                        w.week(),
                        w.year()
                    ),
                    format!(
                        "The client would have {n} KTT work-activity days in ISO week {}-W{:02} \
                         across vouchers; at most {per_person}.",
                        w.year(),
                        w.week()
                    ),
                ));
            }
        }

        // CAP-DAY-LENGTH
        if let Some(range) = terms.day_hours {
            let (min, max) = (Decimal::from(range.min), Decimal::from(range.max));
            if session.hours < min || session.hours > max {
                out.push(Violation::new(
                    CAP_DAY_LENGTH,
                    sec,
                    format!(
                        "Toimintapäivän pituus {} h ei ole välillä {min}–{max} h.",
                        session.hours
                    ),
                    format!(
                        "An activity day of {} h is not within {min}-{max} h.",
                        session.hours
                    ),
                ));
            }
        }

        // CAP-SESSION-LENGTH: a KTT group session lasts 4 h (a shorter one is no group day).
        if let Some(min) = terms.session_hours_min.map(Decimal::from)
            && session.hours < min
        {
            out.push(Violation::new(
                CAP_SESSION_LENGTH,
                sec,
                format!(
                    "Ryhmävalmennuskerran kesto on {min} h; {} h:n kerta ei ole ryhmäpäivä.",
                    session.hours
                ),
                format!(
                    "A group session lasts {min} h; a session of {} h is not a group day.",
                    session.hours
                ),
            ));
        }

        // CAP-SESSION-LENGTH (with the SK excursion allowance)
        if let Some(max) = terms.session_hours_max.map(Decimal::from)
            && session.hours > max
        {
            let allowed = match (session.excursion, terms.excursions) {
                (true, Some(allowance)) => {
                    let period = period_index(v.valid_from, session.date, allowance.per_months);
                    let used = ctx
                        .recorded
                        .iter()
                        .filter(|r| {
                            r.excursion
                                && r.hours > max
                                && period_index(v.valid_from, r.date, allowance.per_months)
                                    == period
                        })
                        .count();
                    used < usize::try_from(allowance.max_days).unwrap_or(usize::MAX)
                }
                _ => false,
            };
            if !allowed {
                let (fi, en) = if session.excursion && terms.excursions.is_some() {
                    (
                        " Retkipäivien kiintiö (1–2 / 4 kk) on käytetty.",
                        " The excursion allowance (1-2 per 4 months) is used up.",
                    )
                } else {
                    ("", "")
                };
                out.push(Violation::new(
                    CAP_SESSION_LENGTH,
                    sec,
                    format!(
                        "Ryhmäkerran pituus {} h ylittää enimmäiskeston {max} h.{fi}",
                        session.hours
                    ),
                    format!(
                        "A group session of {} h exceeds the maximum of {max} h.{en}",
                        session.hours
                    ),
                ));
            }
        }

        // CAP-GROUP-SIZE
        if v.service.is_group() {
            let max_rule = terms
                .group_size_max
                .unwrap_or(crate::catalogue::GROUP_SIZE_MAX);
            match ctx.group {
                None => out.push(Violation::new(
                    CAP_GROUP_SIZE,
                    sec,
                    "Ryhmäkerralle on ilmoitettava ryhmä ja sen koko.",
                    "A group session must name its group and size.",
                )),
                Some(g) => {
                    let max = g.provider_max.map_or(max_rule, |p| p.min(max_rule));
                    if g.participants > max {
                        out.push(Violation::new(
                            CAP_GROUP_SIZE,
                            sec,
                            format!("Ryhmässä on {} asiakasta; enintään {max}.", g.participants),
                            format!("The group has {} clients; at most {max}.", g.participants),
                        ));
                    }
                }
            }
        }
    }

    // COACHING-NOT-DURING-WORK (KTT only; SK has no such rule, KTT group is not individual
    // coaching). Both orders: coaching recorded over work, and work recorded over coaching.
    let ktt_coaching = (regular && v.service == ServiceType::KttIndividual)
        || (session.kind == SessionKind::IndividualCoaching && v.service.is_ktt_work_activity());
    let ktt_work_day = regular && v.service.is_ktt_work_activity();
    if ktt_coaching || ktt_work_day {
        match session.slot() {
            None => out.push(Violation::of(
                COACHING_NOT_DURING_WORK,
                "Kuntouttavan työtoiminnan yksilövalmennukselle ja työtoimintapäivälle on \
                 kirjattava kellonajat, jotta niiden päällekkäisyys voidaan tarkistaa.",
                "KTT individual coaching and KTT work days must carry clock times, so that \
                 coaching is shown not to be given during work activity.",
            )),
            Some(slot) if slot.start >= slot.end => out.push(Violation::of(
                COACHING_NOT_DURING_WORK,
                format!(
                    "Käynnin alkamisajan ({}) on oltava ennen päättymisaikaa ({}).",
                    slot.start.format("%H:%M"),
                    slot.end.format("%H:%M")
                ),
                format!(
                    "The session's start ({}) must be before its end ({}).",
                    slot.start.format("%H:%M"),
                    slot.end.format("%H:%M")
                ),
            )),
            Some(slot) => {
                let mut others: Vec<TimeSlot> = Vec::new();
                if ktt_coaching {
                    others.extend_from_slice(ctx.work_activity);
                    if v.service.is_ktt_work_activity() {
                        others.extend(
                            ctx.recorded
                                .iter()
                                .filter(|r| r.kind == SessionKind::Regular)
                                .filter_map(Session::slot),
                        );
                    }
                } else {
                    others.extend_from_slice(ctx.coaching);
                    others.extend(
                        ctx.recorded
                            .iter()
                            .filter(|r| r.kind == SessionKind::IndividualCoaching)
                            .filter_map(Session::slot),
                    );
                }
                if let Some(w) = others.iter().find(|w| w.overlaps(&slot)) {
                    let (start, end) = (w.start.format("%H:%M"), w.end.format("%H:%M"));
                    out.push(if ktt_coaching {
                        Violation::of(
                            COACHING_NOT_DURING_WORK,
                            format!(
                                "Yksilövalmennusta ei voi antaa työtoiminnan aikana ({} klo {start}–{end}).",
                                w.date
                            ),
                            format!(
                                "Individual coaching cannot be given during work activity ({} {start}-{end}).",
                                w.date
                            ),
                        )
                    } else {
                        Violation::of(
                            COACHING_NOT_DURING_WORK,
                            format!(
                                "Työtoimintaa ei voi kirjata samaan aikaan kuin asiakkaan \
                                 yksilövalmennus ({} klo {start}–{end}).",
                                w.date
                            ),
                            format!(
                                "Work activity cannot be recorded at the same time as the client's \
                                 individual coaching ({} {start}-{end}).",
                                w.date
                            ),
                        )
                    });
                }
            }
        }
    }
    Ok(out)
}

/// Facts for the period-level review of a voucher's sessions.
#[derive(Debug, Clone, Copy)]
pub struct PeriodFacts<'a> {
    /// The voucher.
    pub voucher: &'a VoucherTerms,
    /// All sessions recorded on it.
    pub sessions: &'a [Session],
    /// The review date: only weeks and months that have ended before it are judged.
    pub as_of: NaiveDate,
    /// KTT-GROUP-DISCUSSIONS: minimum hours of individual discussion per calendar month of
    /// active service (default [`DEFAULT_DISCUSSION_HOURS_PER_MONTH`]).
    pub min_discussion_hours_per_month: Decimal,
}

/// Default of [`PeriodFacts::min_discussion_hours_per_month`]: 1 h (the rulebook says 1–2 h).
pub const DEFAULT_DISCUSSION_HOURS_PER_MONTH: Decimal = Decimal::ONE;

/// The outcome of [`review_period`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PeriodReview {
    /// Broken rules.
    pub violations: Vec<Violation>,
    /// Warnings on the voucher (not rejections): SK-GROUP-WEEKLY, and KTT-NOT-ONLY-REMOTE
    /// while the period is still running.
    pub warnings: Vec<Violation>,
}

fn month_end(year: i32, month: u32) -> Option<NaiveDate> {
    let first = NaiveDate::from_ymd_opt(year, month, 1)?;
    Some(minus_days(plus_months(first, 1), 1))
}

/// Period-level checks: KTT-NOT-ONLY-REMOTE (KTT, a violation once the period has ended, a
/// warning before), KTT-GROUP-DISCUSSIONS (each ended calendar month with group sessions has
/// the minimum of individual discussion) and SK-GROUP-WEEKLY (a warning per ended ISO week
/// inside the validity without a session).
pub fn review_period(f: &PeriodFacts<'_>) -> Result<PeriodReview, RuleError> {
    let v = f.voucher;
    let terms = terms_for(v.service, v.decision_date)?;
    let mut review = PeriodReview::default();
    let regular: Vec<&Session> = f
        .sessions
        .iter()
        .filter(|s| s.kind == SessionKind::Regular)
        .collect();
    let period_over = v.valid_until < f.as_of;

    // KTT-NOT-ONLY-REMOTE
    if v.service.is_ktt()
        && !regular.is_empty()
        && regular.iter().all(|s| s.modality == Modality::Remote)
    {
        let x = Violation::of(
            KTT_NOT_ONLY_REMOTE,
            "Kuntouttavaa työtoimintaa ei voi toteuttaa pelkästään etävalmennuksena; kaikki käynnit ovat etäkäyntejä.",
            "KTT cannot be delivered only as remote coaching; every session so far is remote.",
        );
        if period_over {
            review.violations.push(x);
        } else {
            review.warnings.push(x);
        }
    }

    // KTT-GROUP-DISCUSSIONS
    if v.service == ServiceType::KttGroup {
        let mut months: Vec<(i32, u32)> = regular
            .iter()
            .map(|s| (s.date.year(), s.date.month()))
            .collect();
        months.sort_unstable();
        months.dedup();
        for (y, m) in months {
            let Some(end) = month_end(y, m) else { continue };
            let judged_end = end.min(v.valid_until);
            if judged_end >= f.as_of {
                continue; // month not over yet
            }
            let hours = f
                .sessions
                .iter()
                .filter(|s| {
                    s.kind == SessionKind::IndividualDiscussion
                        && s.date.year() == y
                        && s.date.month() == m
                })
                .fold(Decimal::ZERO, |a, s| a.saturating_add(s.hours));
            if hours < f.min_discussion_hours_per_month {
                review.violations.push(Violation::of(
                    KTT_GROUP_DISCUSSIONS,
                    format!(
                        "Kuukautena {m}/{y} yksilökeskusteluja oli {hours} h; vähintään {} h.",
                        f.min_discussion_hours_per_month
                    ),
                    format!(
                        "In {y}-{m:02} individual discussions took {hours} h; at least {} h is required.",
                        f.min_discussion_hours_per_month
                    ),
                ));
            }
        }
    }

    // SK-GROUP-WEEKLY (warning)
    if terms.weekly_min_sessions.is_some() {
        let min = terms.weekly_min_sessions.unwrap_or(1);
        let mut monday = plus_days(
            v.valid_from,
            u64::from((7 - v.valid_from.weekday().num_days_from_monday()) % 7),
        );
        let mut guard = 0;
        while guard < 1000 {
            guard += 1;
            let sunday = plus_days(monday, 6);
            if sunday > v.valid_until || sunday >= f.as_of || sunday == NaiveDate::MAX {
                break;
            }
            let count = regular
                .iter()
                .filter(|s| s.date >= monday && s.date <= sunday)
                .count();
            if count < usize::try_from(min).unwrap_or(1) {
                let w = monday.iso_week();
                review.warnings.push(Violation::of(
                    SK_GROUP_WEEKLY,
                    format!(
                        "Viikolla {}/{} ei ollut yhtään ryhmäkertaa.",
                        w.week(),
                        w.year()
                    ),
                    format!(
                        "ISO week {}-W{:02} had no group session.",
                        w.year(),
                        w.week()
                    ),
                ));
            }
            monday = plus_days(monday, 7);
        }
    }
    Ok(review)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    fn voucher(service: ServiceType, units: Decimal) -> VoucherTerms {
        VoucherTerms {
            service,
            decision_date: d(2026, 1, 5),
            valid_from: d(2026, 2, 2),
            valid_until: d(2026, 5, 31),
            granted_units: units,
            weekly_cap: None,
            four_day_variant: false,
        }
    }

    fn s(date: NaiveDate, units: Decimal, hours: Decimal) -> Session {
        Session {
            date,
            units,
            hours,
            modality: Modality::OnSite,
            kind: SessionKind::Regular,
            excursion: false,
            time: Some((t(8), t(14))),
        }
    }

    fn ctx<'a>(v: &'a VoucherTerms, recorded: &'a [Session]) -> SessionContext<'a> {
        SessionContext {
            voucher: v,
            recorded,
            group: Some(GroupContext {
                participants: 8,
                provider_max: Some(10),
            }),
            work_activity: &[],
            coaching: &[],
            other_ktt_work_days: &[],
            responsible_coach_named: true,
        }
    }

    #[test]
    fn a_good_session_is_admitted() {
        let v = voucher(ServiceType::SkSupportedWork, dec!(54));
        let r = check_session(&ctx(&v, &[]), &s(d(2026, 2, 3), dec!(1), dec!(4))).unwrap();
        assert!(r.is_empty(), "{r:?}");
    }

    #[test]
    fn proc_coach_and_validity() {
        let v = voucher(ServiceType::SkIndividual, dec!(40));
        let c = SessionContext {
            responsible_coach_named: false,
            ..ctx(&v, &[])
        };
        let r = check_session(&c, &s(d(2026, 6, 1), dec!(1), dec!(1))).unwrap();
        assert!(has_rule(&r, PROC_COACH));
        assert!(has_rule(&r, TERM_VALIDITY));
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn unit_cap() {
        let v = voucher(ServiceType::KttIndividual, dec!(30));
        let rec: Vec<Session> = (0..14)
            .map(|i| s(plus_days(d(2026, 2, 2), i * 7), dec!(2), dec!(2)))
            .collect();
        assert!(
            check_session(&ctx(&v, &rec), &s(d(2026, 5, 20), dec!(2), dec!(2)))
                .unwrap()
                .is_empty()
        );
        let r = check_session(&ctx(&v, &rec), &s(d(2026, 5, 20), dec!(2.5), dec!(2.5))).unwrap();
        assert!(has_rule(&r, CAP_UNITS));
        // Granted above the rulebook cap is capped by the rulebook.
        let v = voucher(ServiceType::KttIndividual, dec!(50));
        let r = check_session(&ctx(&v, &rec), &s(d(2026, 5, 20), dec!(3), dec!(3))).unwrap();
        assert!(has_rule(&r, CAP_UNITS));
        let r = check_session(&ctx(&v, &[]), &s(d(2026, 5, 20), dec!(0), dec!(0))).unwrap();
        assert!(has_rule(&r, CAP_UNITS));
    }

    #[test]
    fn day_units() {
        let v = voucher(ServiceType::SkParticipation, dec!(78));
        let rec = [s(d(2026, 2, 3), dec!(1), dec!(3))];
        let r = check_session(&ctx(&v, &rec), &s(d(2026, 2, 3), dec!(1), dec!(3))).unwrap();
        assert!(has_rule(&r, CAP_UNITS));
        let r = check_session(&ctx(&v, &rec), &s(d(2026, 2, 4), dec!(2), dec!(3))).unwrap();
        assert!(has_rule(&r, CAP_UNITS));
    }

    #[test]
    fn weekly_cap_iso_week() {
        let v = voucher(ServiceType::SkSupportedWork, dec!(54));
        // Mon–Wed of ISO week 6/2026.
        let rec = [
            s(d(2026, 2, 2), dec!(1), dec!(4)),
            s(d(2026, 2, 3), dec!(1), dec!(4)),
            s(d(2026, 2, 4), dec!(1), dec!(4)),
        ];
        let r = check_session(&ctx(&v, &rec), &s(d(2026, 2, 5), dec!(1), dec!(4))).unwrap();
        assert!(has_rule(&r, CAP_WEEKLY));
        // Next Monday is a new ISO week.
        assert!(
            check_session(&ctx(&v, &rec), &s(d(2026, 2, 9), dec!(1), dec!(4)))
                .unwrap()
                .is_empty()
        );
        // With the 4-day variant the fourth day fits.
        let v4 = VoucherTerms {
            four_day_variant: true,
            granted_units: dec!(72),
            ..v
        };
        assert!(
            check_session(&ctx(&v4, &rec), &s(d(2026, 2, 5), dec!(1), dec!(4)))
                .unwrap()
                .is_empty()
        );
        // A voucher's own lower weekly cap applies.
        let v2 = VoucherTerms {
            weekly_cap: Some(dec!(2)),
            ..v
        };
        let r = check_session(&ctx(&v2, &rec[..2]), &s(d(2026, 2, 5), dec!(1), dec!(4))).unwrap();
        assert!(has_rule(&r, CAP_WEEKLY));
    }

    #[test]
    fn day_length() {
        let v = voucher(ServiceType::KttAssessment, dec!(60));
        assert!(
            check_session(&ctx(&v, &[]), &s(d(2026, 2, 3), dec!(1), dec!(6)))
                .unwrap()
                .is_empty()
        );
        let r = check_session(&ctx(&v, &[]), &s(d(2026, 2, 3), dec!(1), dec!(3.5))).unwrap();
        assert!(has_rule(&r, CAP_DAY_LENGTH));
        let r = check_session(&ctx(&v, &[]), &s(d(2026, 2, 3), dec!(1), dec!(6.5))).unwrap();
        assert!(has_rule(&r, CAP_DAY_LENGTH));
    }

    #[test]
    fn session_length_and_excursions() {
        let v = voucher(ServiceType::SkGroup, dec!(80));
        assert!(
            check_session(&ctx(&v, &[]), &s(d(2026, 2, 3), dec!(3), dec!(3)))
                .unwrap()
                .is_empty()
        );
        let long = s(d(2026, 2, 3), dec!(4), dec!(4));
        assert!(has_rule(
            &check_session(&ctx(&v, &[]), &long).unwrap(),
            CAP_SESSION_LENGTH
        ));
        let exc = Session {
            excursion: true,
            ..long
        };
        assert!(check_session(&ctx(&v, &[]), &exc).unwrap().is_empty());
        let rec = [
            Session {
                date: d(2026, 2, 10),
                ..exc
            },
            Session {
                date: d(2026, 3, 10),
                ..exc
            },
        ];
        let third = Session {
            date: d(2026, 4, 7),
            ..exc
        };
        let r = check_session(&ctx(&v, &rec), &third).unwrap();
        assert!(has_rule(&r, CAP_SESSION_LENGTH));
        assert!(r[0].message_en.contains("excursion"));
        // KTT group: 4 h session, no excursions.
        let k = voucher(ServiceType::KttGroup, dec!(30));
        assert!(
            check_session(&ctx(&k, &[]), &s(d(2026, 2, 3), dec!(1), dec!(4)))
                .unwrap()
                .is_empty()
        );
        let r = check_session(
            &ctx(&k, &[]),
            &Session {
                excursion: true,
                ..s(d(2026, 2, 3), dec!(1), dec!(5))
            },
        )
        .unwrap();
        assert!(has_rule(&r, CAP_SESSION_LENGTH));
    }

    #[test]
    fn group_size() {
        let v = voucher(ServiceType::SkGroup, dec!(80));
        let sess = s(d(2026, 2, 3), dec!(2), dec!(2));
        let over_provider = SessionContext {
            group: Some(GroupContext {
                participants: 11,
                provider_max: Some(10),
            }),
            ..ctx(&v, &[])
        };
        assert!(has_rule(
            &check_session(&over_provider, &sess).unwrap(),
            CAP_GROUP_SIZE
        ));
        let over_rule = SessionContext {
            group: Some(GroupContext {
                participants: 13,
                provider_max: None,
            }),
            ..ctx(&v, &[])
        };
        assert!(has_rule(
            &check_session(&over_rule, &sess).unwrap(),
            CAP_GROUP_SIZE
        ));
        let twelve = SessionContext {
            group: Some(GroupContext {
                participants: 12,
                provider_max: Some(12),
            }),
            ..ctx(&v, &[])
        };
        assert!(check_session(&twelve, &sess).unwrap().is_empty());
        let none = SessionContext {
            group: None,
            ..ctx(&v, &[])
        };
        assert!(has_rule(
            &check_session(&none, &sess).unwrap(),
            CAP_GROUP_SIZE
        ));
    }

    #[test]
    fn coaching_not_during_work() {
        let v = voucher(ServiceType::KttIndividual, dec!(30));
        let work = [TimeSlot {
            date: d(2026, 2, 3),
            start: t(9),
            end: t(13),
        }];
        let c = SessionContext {
            work_activity: &work,
            ..ctx(&v, &[])
        };
        let during = Session {
            time: Some((t(12), t(14))),
            ..s(d(2026, 2, 3), dec!(2), dec!(2))
        };
        assert!(has_rule(
            &check_session(&c, &during).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
        let after = Session {
            time: Some((t(13), t(15))),
            ..during
        };
        assert!(check_session(&c, &after).unwrap().is_empty());
        let other_day = Session {
            date: d(2026, 2, 4),
            ..during
        };
        assert!(check_session(&c, &other_day).unwrap().is_empty());
        // Without clock times KTT coaching cannot pass; nor with a reversed interval.
        let untimed = Session {
            time: None,
            ..after
        };
        assert!(has_rule(
            &check_session(&c, &untimed).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
        let reversed = Session {
            time: Some((t(15), t(13))),
            ..after
        };
        assert!(has_rule(
            &check_session(&c, &reversed).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
    }

    #[test]
    fn coaching_rule_is_ktt_individual_only() {
        let work = [TimeSlot {
            date: d(2026, 2, 3),
            start: t(9),
            end: t(13),
        }];
        // SK has no such rule; KTT group coaching is not individual coaching.
        for (service, units) in [
            (ServiceType::SkIndividual, dec!(2)),
            (ServiceType::SkIndividualDailyLiving, dec!(2)),
            (ServiceType::SkGroup, dec!(2)),
        ] {
            let v = voucher(service, dec!(40));
            let c = SessionContext {
                work_activity: &work,
                ..ctx(&v, &[])
            };
            let during = Session {
                time: Some((t(10), t(12))),
                ..s(d(2026, 2, 3), units, dec!(2))
            };
            assert!(check_session(&c, &during).unwrap().is_empty(), "{service}");
            let untimed = Session {
                time: None,
                ..during
            };
            assert!(check_session(&c, &untimed).unwrap().is_empty(), "{service}");
        }
        let g = voucher(ServiceType::KttGroup, dec!(30));
        let c = SessionContext {
            work_activity: &work,
            ..ctx(&g, &[])
        };
        let group_day = Session {
            time: Some((t(9), t(13))),
            ..s(d(2026, 2, 3), dec!(1), dec!(4))
        };
        assert!(check_session(&c, &group_day).unwrap().is_empty());
        let talk = Session {
            kind: SessionKind::IndividualDiscussion,
            time: Some((t(10), t(11))),
            ..s(d(2026, 2, 3), dec!(0), dec!(1))
        };
        assert!(check_session(&c, &talk).unwrap().is_empty());
    }

    #[test]
    fn work_day_recorded_over_coaching() {
        // The other order: a KTT work day over the client's existing individual coaching.
        let v = voucher(ServiceType::KttWorkCapacity, dec!(60));
        let coaching = [TimeSlot {
            date: d(2026, 2, 3),
            start: t(10),
            end: t(11),
        }];
        let c = SessionContext {
            coaching: &coaching,
            ..ctx(&v, &[])
        };
        let day = Session {
            time: Some((t(8), t(13))),
            ..s(d(2026, 2, 3), dec!(1), dec!(5))
        };
        let r = check_session(&c, &day).unwrap();
        assert!(has_rule(&r, COACHING_NOT_DURING_WORK), "{r:?}");
        assert!(r[0].message_en.contains("Work activity"));
        let afternoon = Session {
            time: Some((t(11), t(16))),
            ..day
        };
        assert!(check_session(&c, &afternoon).unwrap().is_empty());
        // A work day without clock times cannot pass.
        let untimed = Session {
            time: None,
            ..afternoon
        };
        assert!(has_rule(
            &check_session(&c, &untimed).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
        // The coaching inside work activity, against the voucher's own work days.
        let recorded = [afternoon];
        let own = SessionContext {
            coaching: &[],
            ..ctx(&v, &recorded)
        };
        let inside = Session {
            kind: SessionKind::IndividualCoaching,
            time: Some((t(12), t(13))),
            ..s(d(2026, 2, 3), dec!(0), dec!(1))
        };
        assert!(has_rule(
            &check_session(&own, &inside).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
        let before = Session {
            time: Some((t(9), t(10))),
            ..inside
        };
        assert!(check_session(&own, &before).unwrap().is_empty());
        assert_eq!(before.consumed_units(), dec!(0));
        // ... and a work day over coaching recorded on the same voucher.
        let coached = [before];
        let own = ctx(&v, &coached);
        let over = Session {
            time: Some((t(8), t(12))),
            ..s(d(2026, 2, 3), dec!(1), dec!(4))
        };
        assert!(has_rule(
            &check_session(&own, &over).unwrap(),
            COACHING_NOT_DURING_WORK
        ));
        // Included coaching exists only on KTT work activity.
        let sk = voucher(ServiceType::SkSupportedWork, dec!(54));
        assert!(has_rule(
            &check_session(&ctx(&sk, &[]), &inside).unwrap(),
            CAP_UNITS
        ));
    }

    #[test]
    fn ktt_work_days_per_person_across_vouchers() {
        let v = voucher(ServiceType::KttAssessment, dec!(60));
        // Mon and Tue on this voucher, Wed and Thu on another KTT work-activity voucher.
        let rec = [
            s(d(2026, 2, 2), dec!(1), dec!(5)),
            s(d(2026, 2, 3), dec!(1), dec!(5)),
        ];
        let other = [d(2026, 2, 4), d(2026, 2, 5), d(2026, 2, 12)];
        let c = SessionContext {
            other_ktt_work_days: &other,
            ..ctx(&v, &rec)
        };
        let friday = s(d(2026, 2, 6), dec!(1), dec!(5));
        let r = check_session(&c, &friday).unwrap();
        assert!(has_rule(&r, CAP_WEEKLY), "{r:?}");
        assert!(r[0].message_en.contains("across vouchers"));
        // Without the other voucher the day fits.
        assert!(check_session(&ctx(&v, &rec), &friday).unwrap().is_empty());
        // A day already counted on the other voucher is not counted twice.
        let mut two_other = [d(2026, 2, 4), d(2026, 2, 3)];
        two_other.sort();
        let c2 = SessionContext {
            other_ktt_work_days: &two_other,
            ..ctx(&v, &rec)
        };
        assert!(
            check_session(&c2, &s(d(2026, 2, 5), dec!(1), dec!(5)))
                .unwrap()
                .is_empty()
        );
        // Next week starts afresh.
        assert!(
            check_session(&c, &s(d(2026, 2, 9), dec!(1), dec!(5)))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn ktt_group_session_lasts_four_hours() {
        let k = voucher(ServiceType::KttGroup, dec!(30));
        let r = check_session(&ctx(&k, &[]), &s(d(2026, 2, 3), dec!(1), dec!(1))).unwrap();
        assert!(has_rule(&r, CAP_SESSION_LENGTH));
        assert!(r[0].message_en.contains("not a group day"));
        assert!(
            check_session(&ctx(&k, &[]), &s(d(2026, 2, 3), dec!(1), dec!(4)))
                .unwrap()
                .is_empty()
        );
        // SK group has no minimum.
        let g = voucher(ServiceType::SkGroup, dec!(80));
        assert!(
            check_session(&ctx(&g, &[]), &s(d(2026, 2, 3), dec!(1), dec!(1)))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn individual_discussions_only_on_ktt_group() {
        let talk = Session {
            kind: SessionKind::IndividualDiscussion,
            ..s(d(2026, 2, 3), dec!(0), dec!(1))
        };
        let k = voucher(ServiceType::KttGroup, dec!(30));
        assert!(check_session(&ctx(&k, &[]), &talk).unwrap().is_empty());
        for service in [
            ServiceType::SkIndividual,
            ServiceType::SkGroup,
            ServiceType::KttIndividual,
            ServiceType::KttAssessment,
        ] {
            let v = voucher(service, dec!(30));
            let r = check_session(&ctx(&v, &[]), &talk).unwrap();
            assert!(has_rule(&r, KTT_GROUP_DISCUSSIONS), "{service}: {r:?}");
        }
        let empty = Session {
            hours: dec!(0),
            ..talk
        };
        assert!(has_rule(
            &check_session(&ctx(&k, &[]), &empty).unwrap(),
            KTT_GROUP_DISCUSSIONS
        ));
    }

    #[test]
    fn ktt_not_only_remote() {
        let v = voucher(ServiceType::KttIndividual, dec!(30));
        let remote = Session {
            modality: Modality::Remote,
            ..s(d(2026, 2, 3), dec!(1), dec!(1))
        };
        let facts = PeriodFacts {
            voucher: &v,
            sessions: &[remote, remote],
            as_of: d(2026, 6, 1),
            min_discussion_hours_per_month: DEFAULT_DISCUSSION_HOURS_PER_MONTH,
        };
        let r = review_period(&facts).unwrap();
        assert!(has_rule(&r.violations, KTT_NOT_ONLY_REMOTE));
        let running = review_period(&PeriodFacts {
            as_of: d(2026, 3, 1),
            ..facts
        })
        .unwrap();
        assert!(running.violations.is_empty());
        assert!(has_rule(&running.warnings, KTT_NOT_ONLY_REMOTE));
        let mixed = [remote, s(d(2026, 2, 4), dec!(1), dec!(1))];
        let r = review_period(&PeriodFacts {
            sessions: &mixed,
            ..facts
        })
        .unwrap();
        assert!(r.violations.is_empty() && r.warnings.is_empty());
        // SK may be fully remote.
        let sk = voucher(ServiceType::SkIndividual, dec!(40));
        let r = review_period(&PeriodFacts {
            voucher: &sk,
            ..facts
        })
        .unwrap();
        assert!(r.violations.is_empty());
    }

    #[test]
    fn ktt_group_discussions() {
        let v = voucher(ServiceType::KttGroup, dec!(30));
        let disc = Session {
            kind: SessionKind::IndividualDiscussion,
            ..s(d(2026, 2, 10), dec!(0), dec!(1))
        };
        let sessions = [
            s(d(2026, 2, 3), dec!(1), dec!(4)),
            s(d(2026, 3, 3), dec!(1), dec!(4)),
            disc,
        ];
        let facts = PeriodFacts {
            voucher: &v,
            sessions: &sessions,
            as_of: d(2026, 4, 15),
            min_discussion_hours_per_month: DEFAULT_DISCUSSION_HOURS_PER_MONTH,
        };
        let r = review_period(&facts).unwrap();
        // February has its hour; March has none.
        assert_eq!(
            r.violations
                .iter()
                .filter(|x| x.rule == KTT_GROUP_DISCUSSIONS)
                .count(),
            1
        );
        assert!(r.violations[0].message_en.contains("2026-03"));
        // March is not judged before it ends.
        let r = review_period(&PeriodFacts {
            as_of: d(2026, 3, 20),
            ..facts
        })
        .unwrap();
        assert!(r.violations.is_empty());
        // A discussion consumes no units.
        assert_eq!(disc.consumed_units(), dec!(0));
    }

    #[test]
    fn sk_group_weekly_warning() {
        let v = voucher(ServiceType::SkGroup, dec!(80));
        // Weeks of 2 Feb and 16 Feb have sessions, the week of 9 Feb has none.
        let sessions = [
            s(d(2026, 2, 3), dec!(3), dec!(3)),
            s(d(2026, 2, 17), dec!(3), dec!(3)),
        ];
        let facts = PeriodFacts {
            voucher: &v,
            sessions: &sessions,
            as_of: d(2026, 2, 23),
            min_discussion_hours_per_month: DEFAULT_DISCUSSION_HOURS_PER_MONTH,
        };
        let r = review_period(&facts).unwrap();
        assert!(r.violations.is_empty());
        assert_eq!(r.warnings.len(), 1);
        assert_eq!(r.warnings[0].rule, SK_GROUP_WEEKLY);
        assert!(r.warnings[0].message_en.contains("2026-W07"));
        let full = [
            sessions[0],
            s(d(2026, 2, 12), dec!(3), dec!(3)),
            sessions[1],
        ];
        assert!(
            review_period(&PeriodFacts {
                sessions: &full,
                ..facts
            })
            .unwrap()
            .warnings
            .is_empty()
        );
    }
}
