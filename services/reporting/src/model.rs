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
