//! The attendance context's own types: sessions, their states and kinds, absences, alerts, and
//! the followed voucher's terms as the rules crate wants them.

use chrono::{NaiveDate, NaiveTime};
use rust_decimal::Decimal;
use seteli_api::attendance::v1 as pb;
use seteli_platform::{coded, pb_enum};
use seteli_rules::ServiceType;
use seteli_rules::ledger::takes_late_records;
use seteli_rules::sessions::{self, VoucherTerms};

coded! {
    /// How a session is delivered.
    Modality {
        /// On site, in person.
        OnSite = "ON_SITE",
        /// Remote, by phone.
        Phone = "PHONE",
        /// Remote, by video.
        Video = "VIDEO",
    }
}
coded! {
    /// What a session is.
    SessionKind {
        /// A session of the voucher's service.
        Regular = "REGULAR",
        /// A KTT group individual discussion.
        IndividualDiscussion = "INDIVIDUAL_DISCUSSION",
        /// The individual coaching included in KTT work activity.
        IndividualCoaching = "INDIVIDUAL_COACHING",
    }
}
coded! {
    /// State of a session.
    SessionStatus {
        /// Recorded.
        Recorded = "RECORDED",
        /// The client cancelled before the session day.
        CancelledByClient = "CANCELLED_BY_CLIENT",
        /// The client cancelled on the day or did not come.
        NoShow = "NO_SHOW",
        /// The provider cancelled.
        CancelledByProvider = "CANCELLED_BY_PROVIDER",
        /// Voided: it never happened.
        Voided = "VOIDED",
        /// Agreed for a day after the voucher's end, cancelled by the change that ended it
        /// (PROC-INTERRUPT, "nothing after the end"): never billable.
        CancelledAtEnd = "CANCELLED_AT_END",
    }
}
coded! {
    /// What a day recorded with RecordAbsence is.
    AbsenceKind {
        /// Arranged, and the client was absent.
        Absent = "ABSENT",
        /// No service arranged that day.
        NotArranged = "NOT_ARRANGED",
    }
}
coded! {
    /// Kela's absence reasons (ABS-KELA).
    AbsenceReason {
        /// Own illness.
        OwnIllness = "OWN_ILLNESS",
        /// Illness of a child under 10.
        ChildIllness = "CHILD_ILLNESS",
        /// A job interview or similar.
        JobInterview = "JOB_INTERVIEW",
        /// A public office of trust.
        PublicOffice = "PUBLIC_OFFICE",
        /// Any other reason.
        Other = "OTHER",
    }
}
coded! {
    /// State of an alert.
    AlertState {
        /// To be done.
        Open = "OPEN",
        /// Done.
        Resolved = "RESOLVED",
    }
}
coded! {
    /// Who must act on an alert.
    Audience {
        /// The provider acts.
        Provider = "PROVIDER",
        /// The social worker must be told.
        SocialWorker = "SOCIAL_WORKER",
    }
}

coded! {
    /// Open or closed group.
    GroupMode {
        /// Individual start dates.
        Open = "OPEN",
        /// One announced start.
        Closed = "CLOSED",
    }
}
coded! {
    /// State of a group.
    GroupState {
        /// Announced (running from its start).
        Announced = "ANNOUNCED",
        /// Cancelled (SK-GROUP-MIN-FILL).
        Cancelled = "CANCELLED",
    }
}
coded! {
    /// State of an enrolment.
    EnrolmentState {
        /// Enrolled.
        Enrolled = "ENROLLED",
        /// Withdrawn.
        Withdrawn = "WITHDRAWN",
    }
}
coded! {
    /// How a client took part in a group session.
    Presence {
        /// Present.
        Present = "PRESENT",
        /// Absent (an absence with a reason).
        Absent = "ABSENT",
        /// A no-show.
        NoShow = "NO_SHOW",
    }
}

pb_enum!(GroupMode, pb::GroupMode {
    Open => Open,
    Closed => Closed,
});
pb_enum!(GroupState, pb::GroupState {
    Announced => Announced,
    Cancelled => Cancelled,
});
pb_enum!(EnrolmentState, pb::EnrolmentState {
    Enrolled => Enrolled,
    Withdrawn => Withdrawn,
});
pb_enum!(Presence, pb::Presence {
    Present => Present,
    Absent => Absent,
    NoShow => NoShow,
});
pb_enum!(Modality, pb::Modality {
    OnSite => OnSite,
    Phone => Phone,
    Video => Video,
});
pb_enum!(SessionKind, pb::SessionKind {
    Regular => Regular,
    IndividualDiscussion => IndividualDiscussion,
    IndividualCoaching => IndividualCoaching,
});
pb_enum!(SessionStatus, pb::SessionStatus {
    Recorded => Recorded,
    CancelledByClient => CancelledByClient,
    NoShow => NoShow,
    CancelledByProvider => CancelledByProvider,
    Voided => Voided,
    CancelledAtEnd => CancelledAtEnd,
});
pb_enum!(AbsenceKind, pb::AbsenceKind {
    Absent => Absent,
    NotArranged => NotArranged,
});
pb_enum!(AbsenceReason, pb::AbsenceReason {
    OwnIllness => OwnIllness,
    ChildIllness => ChildIllness,
    JobInterview => JobInterview,
    PublicOffice => PublicOffice,
    Other => Other,
});
pb_enum!(AlertState, pb::AlertState {
    Open => Open,
    Resolved => Resolved,
});
pb_enum!(Audience, pb::AlertAudience {
    Provider => Provider,
    SocialWorker => SocialWorker,
});

impl Modality {
    /// The rules crate's modality: phone and video are remote.
    pub fn rules(self) -> sessions::Modality {
        match self {
            Modality::OnSite => sessions::Modality::OnSite,
            Modality::Phone | Modality::Video => sessions::Modality::Remote,
        }
    }
}

impl GroupMode {
    /// The rules crate's group mode.
    pub fn rules(self) -> seteli_rules::groups::GroupMode {
        match self {
            GroupMode::Open => seteli_rules::groups::GroupMode::Open,
            GroupMode::Closed => seteli_rules::groups::GroupMode::Closed,
        }
    }
}

impl SessionKind {
    /// The rules crate's session kind.
    pub fn rules(self) -> sessions::SessionKind {
        match self {
            SessionKind::Regular => sessions::SessionKind::Regular,
            SessionKind::IndividualDiscussion => sessions::SessionKind::IndividualDiscussion,
            SessionKind::IndividualCoaching => sessions::SessionKind::IndividualCoaching,
        }
    }
}

/// Hundredths as an exact decimal.
pub fn dec(hundredths: i64) -> Decimal {
    Decimal::new(hundredths, 2)
}

/// Contract units.
pub fn to_units(hundredths: i64) -> pb::Units {
    pb::Units { hundredths }
}

/// A voucher as followed from the feed, with attendance's count of units used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// Id.
    pub id: String,
    /// Client.
    pub client_id: String,
    /// Provider (empty until one is chosen).
    pub provider_id: String,
    /// Service.
    pub service: ServiceType,
    /// State code of `seteli.vouchers.v1.VoucherState` without its prefix, e.g. `ACTIVE`.
    pub state: String,
    /// Decision date (selects the rulebook).
    pub decision_date: NaiveDate,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Units granted, hundredths.
    pub units_granted: i64,
    /// Weekly cap in force, hundredths.
    pub weekly_cap: Option<i64>,
    /// The responsible coach (PROC-COACH); empty until named.
    pub responsible_coach: String,
    /// The social worker who issued it (subject of their token).
    pub social_worker: String,
    /// Their team, where the identity provider names one: the team shares the caseload.
    pub social_worker_team: String,
    /// When it ended, if it did.
    pub ended_on: Option<NaiveDate>,
    /// The voucher's version as of the last change followed.
    pub version: i64,
    /// The feed sequence of that change.
    pub feed_sequence: i64,
    /// The version and feed sequence of the last change followed that altered the copy (a
    /// change of the units alone does not): what a session write written at once checks.
    pub content_stamp: (i64, i64),
    /// Units used, hundredths (attendance's count): realised sessions and allowed no-shows.
    pub units_used: i64,
    /// Units reserved, hundredths: sessions agreed for a later day than the count's.
    pub units_reserved: i64,
    /// The start facts vouchers recorded (PROC-START, PROC-COACH, KTT-STEWARD).
    pub start: StartDates,
    /// VOUCHER-EXTENSION: the voucher this one continues, if any (from the decision).
    pub continues: Option<String>,
    /// The first day of the latest month of this voucher on an invoice billing approved
    /// (attendance's own, never from the feed): no late record once its last month is.
    pub approved_month: Option<NaiveDate>,
}

/// The dated start facts of a voucher, as the vouchers feed carries them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StartDates {
    /// The day the client chose the provider (PROC-START counts from it).
    pub provider_chosen_on: Option<NaiveDate>,
    /// A start agreed at the choice, replacing the default limit.
    pub agreed_start_on: Option<NaiveDate>,
    /// The day the provider accepted (the client–provider contract).
    pub accepted_on: Option<NaiveDate>,
    /// The day the chief shop steward was notified (KTT work activity).
    pub steward_notified_on: Option<NaiveDate>,
}

impl Voucher {
    /// The terms a session is admitted against. The feed carries no SK-TTV-4DAYS flag (the
    /// decision's eligibility facts are not in it); the variant is the only way an SK supported
    /// work voucher gets a weekly cap above 3 days, so a cap above 3 marks it.
    pub fn terms(&self, no_show_units: i64) -> VoucherTerms {
        VoucherTerms {
            service: self.service,
            decision_date: self.decision_date,
            valid_from: self.valid_from,
            valid_until: self.valid_until,
            granted_units: dec(self.units_granted.saturating_sub(no_show_units)),
            weekly_cap: self.weekly_cap.map(dec),
            four_day_variant: self.service == ServiceType::SkSupportedWork
                && self.weekly_cap.is_some_and(|w| w > 300),
        }
    }

    /// Whether the voucher's state takes a day `date`: ASSIGNED or ACTIVE, or a day up to the
    /// end of a COMPLETED or INTERRUPTED one (an enrolment's first day, say).
    pub fn open_on(&self, date: NaiveDate) -> bool {
        match self.state.as_str() {
            "ASSIGNED" | "ACTIVE" => true,
            "COMPLETED" | "INTERRUPTED" => self.ended_on.is_some_and(|end| date <= end),
            _ => false,
        }
    }

    /// Whether a session (a no-show, an absence) dated `date` may be recorded on `today`: the
    /// state takes the day ([`Voucher::open_on`]), and — nothing lost at the end, for a time
    /// (RULES.md §10) — once the validity ended (its last valid day, or the end date of a
    /// completed or interrupted voucher) records are taken for `grace_days` more days only, and
    /// not once the invoice of its last month is approved.
    pub fn takes_sessions_on(&self, date: NaiveDate, today: NaiveDate, grace_days: i64) -> bool {
        let last_day = match self.state.as_str() {
            "COMPLETED" | "INTERRUPTED" => self.ended_on.unwrap_or(self.valid_until),
            _ => self.valid_until,
        };
        self.open_on(date) && takes_late_records(last_day, today, grace_days, self.approved_month)
    }
}

/// A voucher's count of units, hundredths (RULES.md §10, "realised, not planned").
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct UnitCount {
    /// Used: realised sessions (their day has come) and allowed no-shows.
    pub used: i64,
    /// Reserved: recorded sessions agreed for a later day; they count against the grant
    /// (nobody overbooks) but are not used, and never billable, until their day comes.
    pub reserved: i64,
}

/// A session, checked for shape (the rules come later, in `ops`).
#[derive(Debug, Clone)]
pub struct SessionInput {
    /// Date.
    pub date: NaiveDate,
    /// Clock times.
    pub time: Option<(NaiveTime, NaiveTime)>,
    /// Hours, hundredths.
    pub hours: i64,
    /// Modality.
    pub modality: Modality,
    /// Kind.
    pub kind: SessionKind,
    /// SK group excursion day.
    pub excursion: bool,
    /// Group participants (0: not given).
    pub participants: u32,
    /// The group's maximum size, for a session recorded through a group (CAP-GROUP-SIZE).
    pub group_max: Option<u32>,
    /// The details as recorded (trimmed, coach filled in).
    pub details: pb::SessionDetails,
}

/// A session as stored.
#[derive(Debug, Clone)]
pub struct SessionRow {
    /// Id.
    pub id: String,
    /// Voucher.
    pub voucher_id: String,
    /// Client.
    pub client_id: String,
    /// Provider.
    pub provider_id: String,
    /// Service.
    pub service: ServiceType,
    /// Date.
    pub date: NaiveDate,
    /// Clock times.
    pub time: Option<(NaiveTime, NaiveTime)>,
    /// Hours, hundredths.
    pub hours: i64,
    /// Units consumed while recorded, hundredths.
    pub units: i64,
    /// Modality.
    pub modality: Modality,
    /// Kind.
    pub kind: SessionKind,
    /// Excursion day.
    pub excursion: bool,
    /// State.
    pub status: SessionStatus,
    /// The invoice, once invoiced.
    pub invoice_id: Option<String>,
    /// Units invoiced, once invoiced.
    pub invoiced_units: Option<i64>,
    /// Changed after it was invoiced.
    pub corrected_after_invoicing: bool,
    /// The contract view.
    pub view: pb::Session,
}

impl SessionRow {
    /// What a decision reads of it.
    pub fn fact(&self) -> SessionFact {
        SessionFact {
            id: self.id.clone(),
            voucher_id: self.voucher_id.clone(),
            service: self.service,
            date: self.date,
            time: self.time,
            hours: self.hours,
            units: self.units,
            modality: self.modality,
            kind: self.kind,
            excursion: self.excursion,
            status: self.status,
        }
    }
}

/// What a session write's decision reads of each session it is made against
/// (`store::session_decision_reads`): what the rules, the one record per hour and the count
/// read, and nothing else. Every write reads every session of its voucher, so its cost grows
/// with the voucher's history: a [`SessionRow`] there (22 columns, the contract view built) was
/// several times the work of these 12.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionFact {
    /// Id.
    pub id: String,
    /// Voucher.
    pub voucher_id: String,
    /// Service.
    pub service: ServiceType,
    /// Date.
    pub date: NaiveDate,
    /// Clock times.
    pub time: Option<(NaiveTime, NaiveTime)>,
    /// Hours, hundredths.
    pub hours: i64,
    /// Units consumed while recorded, hundredths.
    pub units: i64,
    /// Modality.
    pub modality: Modality,
    /// Kind.
    pub kind: SessionKind,
    /// Excursion day.
    pub excursion: bool,
    /// State.
    pub status: SessionStatus,
}

impl SessionFact {
    /// The session as the rules crate sees it.
    pub fn rules(&self) -> sessions::Session {
        sessions::Session {
            date: self.date,
            units: dec(self.units),
            hours: dec(self.hours),
            modality: self.modality.rules(),
            kind: self.kind.rules(),
            excursion: self.excursion,
            time: self.time,
        }
    }
}

/// What a voucher's count reads of a session (BILL-REALISED, BILL-NO-SHOW), whether the
/// session was read whole ([`SessionRow`]) or for a decision ([`SessionFact`]).
pub trait CountedSession {
    /// Id (the no-show allowance orders a day's no-shows by it).
    fn id(&self) -> &str;
    /// Date.
    fn date(&self) -> NaiveDate;
    /// Units consumed while recorded, hundredths.
    fn units(&self) -> i64;
    /// State.
    fn status(&self) -> SessionStatus;
}

impl CountedSession for SessionRow {
    fn id(&self) -> &str {
        &self.id
    }
    fn date(&self) -> NaiveDate {
        self.date
    }
    fn units(&self) -> i64 {
        self.units
    }
    fn status(&self) -> SessionStatus {
        self.status
    }
}

impl CountedSession for SessionFact {
    fn id(&self) -> &str {
        &self.id
    }
    fn date(&self) -> NaiveDate {
        self.date
    }
    fn units(&self) -> i64 {
        self.units
    }
    fn status(&self) -> SessionStatus {
        self.status
    }
}

/// An absence or a day with no service arranged, as stored.
#[derive(Debug, Clone)]
pub struct AbsenceRow {
    /// Day.
    pub date: NaiveDate,
    /// Kind.
    pub kind: AbsenceKind,
    /// Reason (absences).
    pub reason: Option<AbsenceReason>,
    /// Certificate delivered.
    pub certificate_delivered: bool,
    /// Certificate required from the first day.
    pub certificate_first_day: bool,
    /// The contract view.
    pub view: pb::Absence,
}

/// An alert to raise.
#[derive(Debug, Clone)]
pub struct NewAlert {
    /// One alert per rule and occasion: raising the same key again does nothing.
    pub dedup_key: String,
    /// Rule id.
    pub rule_id: &'static str,
    /// Who must act.
    pub audience: Audience,
    /// What to do, English.
    pub message_en: String,
    /// What to do, Finnish.
    pub message_fi: String,
    /// By when.
    pub due_on: NaiveDate,
    /// The session or absence it is about.
    pub subject_id: String,
}

/// A group, checked for shape.
#[derive(Debug, Clone)]
pub struct GroupInput {
    /// SK_GROUP or KTT_GROUP.
    pub service: ServiceType,
    /// Name.
    pub name: String,
    /// Open or closed.
    pub mode: GroupMode,
    /// Maximum size as asked (CAP-GROUP-SIZE is checked by the rules crate).
    pub max_size: u32,
    /// The announced start.
    pub announced_start: NaiveDate,
    /// The schedule.
    pub schedule: String,
}

/// An enrolment as stored.
#[derive(Debug, Clone)]
pub struct EnrolmentRow {
    /// Group.
    pub group_id: String,
    /// Voucher.
    pub voucher_id: String,
    /// Client.
    pub client_id: String,
    /// The day the client joins.
    pub joins_on: NaiveDate,
    /// State.
    pub state: EnrolmentState,
    /// The day it was enrolled.
    pub enrolled_on: NaiveDate,
    /// The day it was withdrawn.
    pub withdrawn_on: Option<NaiveDate>,
    /// Why it was withdrawn.
    pub withdrawal_reason: String,
}

impl EnrolmentRow {
    /// Whether the client was enrolled at the end of `day` (enrolled on or before it, not
    /// withdrawn by then).
    pub fn enrolled_at_end_of(&self, day: NaiveDate) -> bool {
        self.enrolled_on <= day && self.withdrawn_on.is_none_or(|w| w > day)
    }

    /// Whether the client is in the group on `day` (joined on or before it, not withdrawn on
    /// or before it).
    pub fn attends_on(&self, day: NaiveDate) -> bool {
        self.joins_on <= day && self.withdrawn_on.is_none_or(|w| w > day)
    }
}

/// A group as stored, with its enrolments.
#[derive(Debug, Clone)]
pub struct GroupRow {
    /// Id.
    pub id: String,
    /// Provider.
    pub provider_id: String,
    /// Service.
    pub service: ServiceType,
    /// Name.
    pub name: String,
    /// Open or closed.
    pub mode: GroupMode,
    /// Maximum size.
    pub max_size: u32,
    /// The start announced in advance.
    pub announced_start: NaiveDate,
    /// The start in force (delayed or not).
    pub start: NaiveDate,
    /// Schedule.
    pub schedule: String,
    /// State.
    pub state: GroupState,
    /// Why it was cancelled or delayed.
    pub decision_reason: String,
    /// Version.
    pub version: i64,
    /// Created, microseconds.
    pub created_at: i64,
    /// Changed, microseconds.
    pub updated_at: i64,
    /// Enrolments, by voucher id.
    pub enrolments: Vec<EnrolmentRow>,
}

impl GroupRow {
    /// Enrolments in force now.
    pub fn enrolled(&self) -> impl Iterator<Item = &EnrolmentRow> {
        self.enrolments
            .iter()
            .filter(|e| e.state == EnrolmentState::Enrolled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::day;
    use seteli_platform::convert::PbEnum;

    #[test]
    fn codes_round_trip() {
        for s in SessionStatus::ALL {
            assert_eq!(SessionStatus::parse(s.code()).ok(), Some(*s));
            assert_eq!(SessionStatus::from_pb(s.to_pb()), Some(*s));
        }
        for m in Modality::ALL {
            assert_eq!(Modality::from_pb(m.to_pb()), Some(*m));
        }
        assert_eq!(AbsenceReason::from_pb(0), None);
    }

    /// Voucher `v1` (KTT individual coaching, 10 units, valid 1.2.–31.5.2026) in `state`.
    fn voucher(state: &str, ended_on: Option<NaiveDate>) -> Voucher {
        Voucher {
            state: state.into(),
            ended_on,
            ..crate::testing::voucher(ServiceType::KttIndividual, 1000)
        }
    }

    #[test]
    fn an_open_voucher_takes_late_records_for_the_grace_period_after_its_validity() {
        let v = voucher("ASSIGNED", None);
        let last_week = day(2026, 5, 28);
        assert!(v.takes_sessions_on(last_week, day(2026, 5, 20), 14));
        assert!(v.takes_sessions_on(last_week, day(2026, 6, 14), 14));
        assert!(!v.takes_sessions_on(last_week, day(2026, 6, 15), 14));
        assert!(!v.takes_sessions_on(last_week, day(2026, 6, 1), 0));
        assert!(voucher("ACTIVE", None).takes_sessions_on(last_week, day(2026, 6, 14), 14));
    }

    #[test]
    fn an_ended_voucher_takes_only_days_up_to_its_end_for_the_grace_period() {
        let end = day(2026, 4, 20);
        for state in ["COMPLETED", "INTERRUPTED"] {
            let v = voucher(state, Some(end));
            assert!(v.takes_sessions_on(end, day(2026, 5, 4), 14), "{state}");
            assert!(!v.takes_sessions_on(end, day(2026, 5, 5), 14), "{state}");
            assert!(!v.takes_sessions_on(day(2026, 4, 21), day(2026, 4, 21), 14));
            assert!(!voucher(state, None).takes_sessions_on(end, end, 14));
        }
        for state in ["ISSUED", "EXPIRED", "CANCELLED"] {
            assert!(!voucher(state, None).takes_sessions_on(day(2026, 5, 1), day(2026, 5, 1), 14));
        }
    }
}
