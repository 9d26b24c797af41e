//! The reporting context's types: the followed voucher, the report obligation with its report,
//! and the report's states.

use chrono::NaiveDate;
use seteli_api::reporting::v1 as pb;
use seteli_platform::pb_enum;
use seteli_rules::ServiceType;
use seteli_rules::calendar::DeadlineRoll;
use seteli_rules::reports::{ReportFacts, ReportKind};

/// A voucher as reporting follows it from the voucher feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    /// Voucher id.
    pub id: String,
    /// The client (an id only: the audit subject).
    pub client_id: String,
    /// The chosen provider; empty when none.
    pub provider_id: String,
    /// The social worker who issued it (token subject); empty when not known yet.
    pub social_worker: String,
    /// Their team, where the identity provider names one: the team shares the caseload.
    pub social_worker_team: String,
    /// The service.
    pub service: ServiceType,
    /// The voucher service's state code, e.g. `ACTIVE`.
    pub state: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// When it was completed, interrupted, cancelled or expired.
    pub ended_on: Option<NaiveDate>,
    /// An extension: the voucher it continues (empty otherwise).
    pub continues_voucher_id: String,
    /// The voucher's version in the change last applied (changes of one voucher may stand in
    /// the feed in another order than they were made: the higher version wins).
    pub version: i64,
    /// The feed sequence of the change last applied.
    pub feed_sequence: i64,
}

impl Voucher {
    /// The facts the rulebooks' report obligations depend on; `None` when the voucher owes no
    /// report (cancelled before the service, or expired unused). `continues`: an extension
    /// linked to it has been issued.
    pub fn report_facts(&self, continues: bool) -> Option<ReportFacts> {
        let ended = |state: &str| (self.state == state).then_some(self.ended_on).flatten();
        match self.state.as_str() {
            "CANCELLED" | "EXPIRED" => None,
            _ => Some(ReportFacts {
                service: self.service,
                valid_from: self.valid_from,
                valid_until: self.valid_until,
                interrupted_on: ended("INTERRUPTED"),
                completed_on: ended("COMPLETED"),
                continues,
                roll: DeadlineRoll::NextBusinessDay,
            }),
        }
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportState {
    /// Nothing written yet.
    NotStarted,
    /// A draft.
    Draft,
    /// Submitted to the social worker.
    Submitted,
    /// The social worker asked for a revision.
    RevisionRequested,
    /// Acknowledged by the social worker.
    Acknowledged,
}

impl ReportState {
    /// Every state.
    pub const ALL: [ReportState; 5] = [
        Self::NotStarted,
        Self::Draft,
        Self::Submitted,
        Self::RevisionRequested,
        Self::Acknowledged,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotStarted => "NOT_STARTED",
            Self::Draft => "DRAFT",
            Self::Submitted => "SUBMITTED",
            Self::RevisionRequested => "REVISION_REQUESTED",
            Self::Acknowledged => "ACKNOWLEDGED",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// Whether the provider may still write the text.
    pub fn editable(self) -> bool {
        matches!(
            self,
            Self::NotStarted | Self::Draft | Self::RevisionRequested
        )
    }

    /// Whether the report has been handed in (and not sent back).
    pub fn handed_in(self) -> bool {
        matches!(self, Self::Submitted | Self::Acknowledged)
    }
}

pb_enum!(ReportState, pb::ReportState {
    NotStarted => NotStarted,
    Draft => Draft,
    Submitted => Submitted,
    RevisionRequested => RevisionRequested,
    Acknowledged => Acknowledged,
});

/// The stored code of a report kind.
pub fn kind_code(k: ReportKind) -> &'static str {
    match k {
        ReportKind::Interim => "INTERIM",
        ReportKind::Final => "FINAL",
    }
}

/// A report kind from its stored code.
pub fn kind_from_code(s: &str) -> Option<ReportKind> {
    match s {
        "INTERIM" => Some(ReportKind::Interim),
        "FINAL" => Some(ReportKind::Final),
        _ => None,
    }
}

/// The contract's report kind.
pub fn kind_to_pb(k: ReportKind) -> pb::ReportKind {
    match k {
        ReportKind::Interim => pb::ReportKind::Interim,
        ReportKind::Final => pb::ReportKind::Final,
    }
}

/// The obligation id of `rule` on voucher `voucher_id`.
pub fn obligation_id(voucher_id: &str, rule: &str) -> String {
    format!("{voucher_id}/{rule}")
}

/// A report's text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Sections {
    /// The goals and how they were met.
    pub goals_and_attainment: String,
    /// The changes during the service.
    pub changes: String,
    /// The means used, with examples.
    pub means_with_examples: String,
    /// A realistic follow-up plan.
    pub follow_up_plan: String,
    /// Anything else.
    pub notes: String,
}

/// A report obligation and its report (the aggregate root of a report's changes).
#[derive(Debug, Clone)]
pub struct ObligationRow {
    /// `<voucher id>/<rule id>`.
    pub id: String,
    /// The voucher.
    pub voucher_id: String,
    /// The client (audit subject).
    pub client_id: String,
    /// The voucher's provider.
    pub provider_id: String,
    /// The voucher's social worker.
    pub social_worker: String,
    /// The team of the voucher's social worker, where the identity provider names one (read
    /// from the followed voucher): the team shares the caseload.
    pub social_worker_team: String,
    /// The service.
    pub service: ServiceType,
    /// Interim or final.
    pub kind: ReportKind,
    /// The rule that requires it.
    pub rule: String,
    /// Due date (rolled).
    pub due_on: NaiveDate,
    /// Still owed (or already handed in).
    pub active: bool,
    /// The report's state.
    pub state: ReportState,
    /// The report's text.
    pub sections: Sections,
    /// When it was last submitted.
    pub submitted_on: Option<NaiveDate>,
    /// Submitted after the due date.
    pub late: bool,
    /// Why a revision was asked.
    pub revision_reason: String,
    /// Version, increased by every change of the report.
    pub version: i64,
}

// ------------------------------------------------------------------------------ notices

/// What a notice to the social worker is about: each kind is asked for by one rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeKind {
    /// ABS-SICK-CERT (an attendance alert).
    SickCertificate,
    /// ABS-REPEATED (an attendance alert to the social worker).
    RepeatedNoShows,
    /// ABS-PROLONGED (an attendance alert).
    ProlongedAbsence,
    /// PROC-INTERRUPT (the voucher's interruption).
    Interruption,
    /// NOTIFY-CHANGE (told by the provider's user).
    SituationChange,
    /// PROV-DAMAGE-NOTICE (told by the provider's user).
    Damage,
    /// SK-GROUP-MIN-FILL (an attendance alert to the social worker).
    GroupCancelledOrDelayed,
}

impl NoticeKind {
    /// Every kind.
    pub const ALL: [NoticeKind; 7] = [
        Self::SickCertificate,
        Self::RepeatedNoShows,
        Self::ProlongedAbsence,
        Self::Interruption,
        Self::SituationChange,
        Self::Damage,
        Self::GroupCancelledOrDelayed,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::SickCertificate => "SICK_CERTIFICATE",
            Self::RepeatedNoShows => "REPEATED_NO_SHOWS",
            Self::ProlongedAbsence => "PROLONGED_ABSENCE",
            Self::Interruption => "INTERRUPTION",
            Self::SituationChange => "SITUATION_CHANGE",
            Self::Damage => "DAMAGE",
            Self::GroupCancelledOrDelayed => "GROUP_CANCELLED_OR_DELAYED",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The RULES.md rule that asks for the notice.
    pub fn rule(self) -> &'static str {
        use seteli_rules::rule_ids as r;
        match self {
            Self::SickCertificate => r::ABS_SICK_CERT,
            Self::RepeatedNoShows => r::ABS_REPEATED,
            Self::ProlongedAbsence => r::ABS_PROLONGED,
            Self::Interruption => r::PROC_INTERRUPT,
            Self::SituationChange => r::NOTIFY_CHANGE,
            Self::Damage => r::PROV_DAMAGE_NOTICE,
            Self::GroupCancelledOrDelayed => r::SK_GROUP_MIN_FILL,
        }
    }

    /// The notice an attendance alert of `rule` for `to_social_worker` (its audience) makes,
    /// if any: ABS-PROLONGED, and ABS-REPEATED and SK-GROUP-MIN-FILL addressed to the social
    /// worker; ABS-SICK-CERT (addressed to the provider, who sees that Kela gets the
    /// certificate) is passed on for the social worker's information. Others (ABS-KELA, the
    /// provider's "contact the client") are the provider's to do.
    pub fn of_alert(rule: &str, to_social_worker: bool) -> Option<Self> {
        use seteli_rules::rule_ids as r;
        match rule {
            x if x == r::ABS_SICK_CERT => Some(Self::SickCertificate),
            x if x == r::ABS_PROLONGED => Some(Self::ProlongedAbsence),
            x if x == r::ABS_REPEATED && to_social_worker => Some(Self::RepeatedNoShows),
            x if x == r::SK_GROUP_MIN_FILL && to_social_worker => {
                Some(Self::GroupCancelledOrDelayed)
            }
            _ => None,
        }
    }
}

pb_enum!(NoticeKind, pb::NoticeKind {
    SickCertificate => SickCertificate,
    RepeatedNoShows => RepeatedNoShows,
    ProlongedAbsence => ProlongedAbsence,
    Interruption => Interruption,
    SituationChange => SituationChange,
    Damage => Damage,
    GroupCancelledOrDelayed => GroupCancelledOrDelayed,
});

/// Where a notice stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoticeState {
    /// Told, not acknowledged yet.
    Open,
    /// Acknowledged by the social worker.
    Acknowledged,
}

impl NoticeState {
    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::Open => "OPEN",
            Self::Acknowledged => "ACKNOWLEDGED",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        [Self::Open, Self::Acknowledged]
            .into_iter()
            .find(|x| x.code() == s)
    }
}

pb_enum!(NoticeState, pb::NoticeState {
    Open => Open,
    Acknowledged => Acknowledged,
});

/// What changed in the client's situation (NOTIFY-CHANGE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SituationChange {
    /// Working hours.
    WorkingHours,
    /// Functional capacity.
    FunctionalCapacity,
    /// The service turns out not to fit.
    ServiceNotFitting,
    /// Concern for the client.
    Concern,
    /// Another change that affects the service.
    Other,
}

impl SituationChange {
    /// Every value.
    pub const ALL: [SituationChange; 5] = [
        Self::WorkingHours,
        Self::FunctionalCapacity,
        Self::ServiceNotFitting,
        Self::Concern,
        Self::Other,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::WorkingHours => "WORKING_HOURS",
            Self::FunctionalCapacity => "FUNCTIONAL_CAPACITY",
            Self::ServiceNotFitting => "SERVICE_NOT_FITTING",
            Self::Concern => "CONCERN",
            Self::Other => "OTHER",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// In Finnish and English, for the notice's message.
    pub fn words(self) -> (&'static str, &'static str) {
        match self {
            Self::WorkingHours => (
                "Asiakkaan työajat ovat muuttuneet",
                "The client's working hours changed",
            ),
            Self::FunctionalCapacity => (
                "Asiakkaan toimintakyky on muuttunut",
                "The client's functional capacity changed",
            ),
            Self::ServiceNotFitting => (
                "Palvelu ei näytä sopivan asiakkaalle",
                "The service does not seem to fit the client",
            ),
            Self::Concern => ("Huoli asiakkaasta", "Concern for the client"),
            Self::Other => (
                "Asiakkaan tilanteessa on palveluun vaikuttava muutos",
                "A change in the client's situation affects the service",
            ),
        }
    }
}

pb_enum!(SituationChange, pb::SituationChange {
    WorkingHours => WorkingHours,
    FunctionalCapacity => FunctionalCapacity,
    ServiceNotFitting => ServiceNotFitting,
    Concern => Concern,
    Other => Other,
});

/// Who did something, as recorded (a token's subject, role and organisation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    /// Token subject.
    pub subject: String,
    /// Role, e.g. `provider_user`.
    pub role: String,
    /// The provider id, or `county`.
    pub organisation: String,
}

/// A notice to a social worker (the aggregate root of its acknowledgement).
#[derive(Debug, Clone)]
pub struct NoticeRow {
    /// UUIDv7.
    pub id: String,
    /// What made it, once: `alert:<id>`, `interrupted:<voucher id>`, `told:<id>`.
    pub source_key: String,
    /// What it is about.
    pub kind: NoticeKind,
    /// The voucher.
    pub voucher_id: String,
    /// The client (audit subject).
    pub client_id: String,
    /// The voucher's provider.
    pub provider_id: String,
    /// The social worker told.
    pub social_worker: String,
    /// The team of the voucher's social worker, where the identity provider names one (read
    /// from the followed voucher): the team shares the caseload.
    pub social_worker_team: String,
    /// The alert, absence, session or group it comes from.
    pub subject_id: String,
    /// NOTIFY-CHANGE: what changed.
    pub situation_change: Option<SituationChange>,
    /// When it happened.
    pub occurred_on: NaiveDate,
    /// By when the social worker had to be told.
    pub due_on: NaiveDate,
    /// When it was told, microseconds UTC.
    pub told_at: i64,
    /// The Finnish day it was told.
    pub told_on: NaiveDate,
    /// Told after `due_on`.
    pub late: bool,
    /// Who told.
    pub told_by: Actor,
    /// What it is, in English.
    pub message_en: String,
    /// What it is, in Finnish.
    pub message_fi: String,
    /// The provider's own words.
    pub details: String,
    /// Open or acknowledged.
    pub state: NoticeState,
    /// When acknowledged, microseconds UTC (0 before).
    pub acknowledged_at: i64,
    /// Who acknowledged.
    pub acknowledged_by: Actor,
    /// The note given on acknowledging.
    pub acknowledgement_note: String,
    /// Version, increased by every change.
    pub version: i64,
}

// ------------------------------------------------------------------------------ Kela notices

/// A followed voucher's facts a Kela absence notice needs beyond [`Voucher`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceStart {
    /// The voucher.
    pub voucher_id: String,
    /// Its number, e.g. `PS-2026-000123`.
    pub voucher_number: String,
    /// When the service started; `None` before it does.
    pub started_on: Option<NaiveDate>,
}

/// A Kela absence notice marked sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KelaSent {
    /// The voucher.
    pub voucher_id: String,
    /// The period's first day.
    pub period_from: NaiveDate,
    /// When it was sent.
    pub sent_on: NaiveDate,
    /// Sent after its due date (ABS-KELA).
    pub late: bool,
    /// Who marked it.
    pub sent_by: Actor,
    /// Why `sent_on` is before the day it was marked; empty when it is that day.
    pub backdated_reason: String,
}

// ------------------------------------------------------------------------------ delivery and the closing checklist

/// A step recorded as done when a report is delivered (REP-DELIVERY) or a service closes
/// (REP-FEEDBACK, ARCHIVE): the items of `seteli_rules::reports::ClosureFacts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ClosingItem {
    /// REP-DELIVERY: the report's paper copy given to the client (marked on a report).
    ClientCopyGiven,
    /// REP-DELIVERY: the report delivered to the county by the agreed channel (on a report).
    DeliveredToCounty,
    /// REP-FEEDBACK (KTT): the provider feedback form filled in for the client.
    ProviderFeedbackForm,
    /// REP-FEEDBACK (KTT): client feedback collected on the county's form.
    ClientFeedbackCollected,
    /// ARCHIVE (SK): the client records archived to the county, their controller.
    ArchivedToCounty,
}

impl ClosingItem {
    /// Every item, in checklist order.
    pub const ALL: [ClosingItem; 5] = [
        Self::ClientCopyGiven,
        Self::DeliveredToCounty,
        Self::ProviderFeedbackForm,
        Self::ClientFeedbackCollected,
        Self::ArchivedToCounty,
    ];

    /// The stored code.
    pub fn code(self) -> &'static str {
        match self {
            Self::ClientCopyGiven => "CLIENT_COPY_GIVEN",
            Self::DeliveredToCounty => "DELIVERED_TO_COUNTY",
            Self::ProviderFeedbackForm => "PROVIDER_FEEDBACK_FORM",
            Self::ClientFeedbackCollected => "CLIENT_FEEDBACK_COLLECTED",
            Self::ArchivedToCounty => "ARCHIVED_TO_COUNTY",
        }
    }

    /// Parses a stored code.
    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.code() == s)
    }

    /// The RULES.md rule that asks for it.
    pub fn rule(self) -> &'static str {
        use seteli_rules::rule_ids as r;
        match self {
            Self::ClientCopyGiven | Self::DeliveredToCounty => r::REP_DELIVERY,
            Self::ProviderFeedbackForm | Self::ClientFeedbackCollected => r::REP_FEEDBACK,
            Self::ArchivedToCounty => r::ARCHIVE,
        }
    }

    /// Whether it is marked on a report (the delivery marks) rather than on the voucher.
    pub fn on_report(self) -> bool {
        matches!(self, Self::ClientCopyGiven | Self::DeliveredToCounty)
    }

    /// Whether a service's closing checklist has it: REP-DELIVERY always, REP-FEEDBACK for
    /// KTT, ARCHIVE for SK (as `seteli_rules::reports::check_closure` asks).
    pub fn applies_to(self, service: ServiceType) -> bool {
        match self {
            Self::ClientCopyGiven | Self::DeliveredToCounty => true,
            Self::ProviderFeedbackForm | Self::ClientFeedbackCollected => service.is_ktt(),
            Self::ArchivedToCounty => service.is_sk(),
        }
    }
}

pb_enum!(ClosingItem, pb::ClosingItem {
    ClientCopyGiven => ClientCopyGiven,
    DeliveredToCounty => DeliveredToCounty,
    ProviderFeedbackForm => ProviderFeedbackForm,
    ClientFeedbackCollected => ClientFeedbackCollected,
    ArchivedToCounty => ArchivedToCounty,
});

/// Who recorded a step as done, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoneMark {
    /// The day it was done.
    pub done_on: NaiveDate,
    /// When it was recorded, microseconds UTC.
    pub recorded_at: i64,
    /// The recorder's token subject.
    pub by_subject: String,
    /// The recorder's role.
    pub by_role: String,
    /// The recorder's organisation (provider id, or `county`).
    pub by_organisation: String,
    /// The delivery channel, a form's reference, the archive's receipt; may be empty.
    pub note: String,
}

/// A recorded step: on which voucher and report (`""` for a voucher's own items), and which.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMark {
    /// The voucher.
    pub voucher_id: String,
    /// The report (obligation) id of a delivery mark; empty for a voucher's closing item.
    pub report_id: String,
    /// The step.
    pub item: ClosingItem,
    /// When and by whom.
    pub mark: DoneMark,
}

/// An earlier period's part of an SK interim report (REP-INTERIM-SK, SK 3.1: a continued
/// service's interim reports supplement the same report, the periods told apart by dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DatedSection {
    /// The earlier period's report (obligation) id.
    pub report_id: String,
    /// The earlier period's voucher.
    pub voucher_id: String,
    /// First day of the period.
    pub period_from: NaiveDate,
    /// Last day of the period.
    pub period_until: NaiveDate,
    /// When it was submitted: the section's date.
    pub dated_on: NaiveDate,
    /// Its text.
    pub sections: Sections,
}

/// A followed voucher as the root of its closing marks (locked while one is added).
#[derive(Debug, Clone)]
pub struct ClosingVoucher(pub Voucher);

/// A voucher's client feedback on the county's form (REP-FEEDBACK), with what the summary needs
/// of the voucher kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientFeedback {
    /// The voucher answered for.
    pub voucher_id: String,
    /// Its client (the audit subject).
    pub client_id: String,
    /// The voucher's service.
    pub service: ServiceType,
    /// The voucher's provider.
    pub provider_id: String,
    /// The form's version answered.
    pub form_version: String,
    /// Each question's key and answer, in the form's order.
    pub answers: Vec<(String, i32)>,
    /// The optional comment (trimmed; empty: none).
    pub comment: String,
    /// The day it was given (Finnish).
    pub submitted_on: NaiveDate,
    /// When it was given, microseconds UTC.
    pub submitted_at: i64,
}

/// The answers of one service and provider in a period, summed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedbackSums {
    /// The service.
    pub service: ServiceType,
    /// The provider.
    pub provider_id: String,
    /// How many answered.
    pub answers: i64,
    /// How many distinct clients answered (a client may hold two vouchers of one provider).
    pub clients: i64,
    /// Per question key: how many answers and their sum.
    pub questions: std::collections::BTreeMap<String, (i64, i64)>,
    /// The non-empty comments, oldest first, each with its client (the audit subject); read
    /// for the county only.
    pub comments: Vec<(String, String)>,
}
