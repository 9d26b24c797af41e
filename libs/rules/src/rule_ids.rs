//! Every rule id of `RULES.md`, with its default rulebook section.
//!
//! Services reference these constants (never string literals) when they match on
//! [`crate::Violation::rule`], e.g. to map a violation to a gRPC precondition failure.

/// A rule of `RULES.md`: its id, its default section and a one-line summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RuleInfo {
    /// The rule id, e.g. `"ELIG-AGE"`.
    pub id: &'static str,
    /// The sections of the Finnish originals it comes from.
    pub section: &'static str,
    /// One-line English summary.
    pub summary_en: &'static str,
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $name:ident = $id:literal, $section:literal, $summary:literal; )*) => {
        $( $(#[$doc])* pub const $name: &str = $id; )*
        /// All rules of `RULES.md`, in document order.
        pub const ALL: &[RuleInfo] = &[
            $( RuleInfo { id: $id, section: $section, summary_en: $summary }, )*
        ];
    };
}

rules! {
    /// Client is 18–64 years old on the voucher's start date.
    ELIG_AGE = "ELIG-AGE", "KTT 1, SK 1", "Client is 18-64 years old on the voucher's start date.";
    /// Client lives in one of the county's 19 municipalities.
    ELIG_RESIDENCE = "ELIG-RESIDENCE", "KTT 1, SK 1", "Client lives in Pohjois-Savo.";
    /// KTT: job search in force and labour market subsidy or social assistance on the basis of unemployment.
    KTT_ELIG_UNEMPLOYED = "KTT-ELIG-UNEMPLOYED", "KTT 1", "KTT: job search in force and unemployment-based benefit.";
    /// KTT: rests on an activation plan or a multi-sectoral employment plan, recorded on the decision.
    KTT_ELIG_PLAN = "KTT-ELIG-PLAN", "KTT 1, 2.1", "KTT: based on an activation or multi-sectoral employment plan.";
    /// SK: a service-need assessment identified the need.
    SK_ELIG_NEED = "SK-ELIG-NEED", "SK 1, 6", "SK: a service-need assessment identified the need.";
    /// SK supported work at 4 days/week for at most 4 months, for a person not entitled to KTT, with justification.
    SK_TTV_4DAYS = "SK-TTV-4DAYS", "SK 4.2.3", "SK supported work 4 days/week variant.";
    /// Voucher validity within the service's bounds; sessions only within validity.
    TERM_VALIDITY = "TERM-VALIDITY", "KTT 5, SK 6", "Voucher validity within the service's bounds.";
    /// Units within the service's unit cap and the granted units.
    CAP_UNITS = "CAP-UNITS", "KTT 2.2, 5; SK 4.2, 6", "Units within the unit cap.";
    /// Units per ISO week within the weekly cap.
    CAP_WEEKLY = "CAP-WEEKLY", "KTT 2.2, 5; SK 4.2, 6", "Units per ISO week within the weekly cap.";
    /// Hours of an activity day within the service's range.
    CAP_DAY_LENGTH = "CAP-DAY-LENGTH", "KTT 2.2.3, 2.2.4; SK 4.2.3, 4.2.4", "Activity-day length within range.";
    /// Group session length, with the SK excursion allowance.
    CAP_SESSION_LENGTH = "CAP-SESSION-LENGTH", "KTT 2.2.2 (2), SK 4.2.2 (2)", "Group session length within the maximum.";
    /// At most 12 clients in a group, and at most the provider's size.
    CAP_GROUP_SIZE = "CAP-GROUP-SIZE", "KTT 2.2.2 (2), SK 4.2.2 (2)", "Group size at most 12 and the provider's size.";
    /// Voucher value = granted units x unit price in force on the decision date.
    VOUCHER_VALUE = "VOUCHER-VALUE", "KTT 5, SK 6", "Voucher value = units x unit price.";
    /// An extension is a new linked voucher; no two overlapping vouchers for the same service
    /// (SK_INDIVIDUAL and SK_INDIVIDUAL_DAILY_LIVING count as one service).
    VOUCHER_EXTENSION = "VOUCHER-EXTENSION", "KTT 5, SK 6", "Extension is a new, linked, non-overlapping voucher.";
    /// A decision for a service on a date no rulebook covers is refused.
    RULEBOOK_IN_FORCE = "RULEBOOK-IN-FORCE", "KTT intro, SK intro", "A rulebook covering the service is in force on the decision date.";
    /// Under KTT, a provider other than an association, foundation or public body (a company,
    /// a cooperative, any other form) may offer only individual coaching.
    KTT_COMPANY = "KTT-COMPANY", "KTT 1", "Only associations, foundations and public bodies offer KTT beyond individual coaching.";
    /// KTT cannot be delivered only remotely.
    KTT_NOT_ONLY_REMOTE = "KTT-NOT-ONLY-REMOTE", "KTT 2.2", "KTT cannot be delivered only remotely.";
    /// KTT only: individual coaching (KTT_INDIVIDUAL, and the coaching inside KTT_ASSESSMENT /
    /// KTT_WORK_CAPACITY) is not given at the same time as the client's work activity.
    COACHING_NOT_DURING_WORK = "COACHING-NOT-DURING-WORK", "KTT 2.2.1 (4), 2.2.4 (5)", "KTT individual coaching not at the same time as work activity.";
    /// KTT group coaching includes individual discussions of at least 1 h per month; they exist
    /// only on KTT_GROUP vouchers.
    KTT_GROUP_DISCUSSIONS = "KTT-GROUP-DISCUSSIONS", "KTT 2.2.2 (5)", "KTT group: individual discussions, only on KTT group, at least 1 h per month.";
    /// SK group: at least one session and at most 5 h per week (a week with none is a warning).
    SK_GROUP_WEEKLY = "SK-GROUP-WEEKLY", "SK 4.2.2 (2)", "SK group: at least one session a week.";
    /// Provider documents supplied and in force (group insurance for KTT offerings only).
    PROV_DOCS = "PROV-DOCS", "KTT 1.2, SK 2.3", "Provider documents supplied and in force.";
    /// At least one social-welfare professional (other social-science degrees only once the
    /// county accepted them); titled professionals registered.
    PROV_STAFF_SOCIAL = "PROV-STAFF-SOCIAL", "KTT 1.1 (1), SK 2.1 (1)", "At least one registered social-welfare professional.";
    /// Every staff member doing individual or group coaching has the required social or health
    /// education (KTT services all include coaching).
    PROV_STAFF_COACH = "PROV-STAFF-COACH", "KTT 1.1 (2), SK 2.1 (2)", "Coaching staff competence.";
    /// Work coaching competence (SK supported work, participation).
    PROV_STAFF_WORK = "PROV-STAFF-WORK", "KTT 1.1 (3), SK 2.1 (3)-(4)", "Work coaching competence.";
    /// SK providers registered in Soteri class 2903 and/or 2464.
    PROV_SOTERI = "PROV-SOTERI", "SK 2.2", "SK: Soteri class 2903 and/or 2464.";
    /// Liability insurance in force.
    PROV_INSURANCE = "PROV-INSURANCE", "KTT 1.4, SK 2.5", "Liability insurance in force.";
    /// Provider's unit price within the ceiling price.
    PROV_PRICE = "PROV-PRICE", "KTT 6, SK 6", "Unit price at most the ceiling price.";
    /// Provider site within 20 km of the client's home, unless permitted.
    PROV_DISTANCE = "PROV-DISTANCE", "KTT 5, SK 6", "Provider within 20 km unless permitted.";
    /// A responsible coach is named (KTT at contract, SK at service start); no session before.
    PROC_COACH = "PROC-COACH", "KTT 2.1, SK 4.1", "Responsible coach named (KTT at contract, SK at start).";
    /// KTT work activity: the chief shop steward is notified no later than the start.
    KTT_STEWARD = "KTT-STEWARD", "KTT 2.1", "KTT work activity: chief shop steward notified by the start.";
    /// A provider takes a new client without delay (from ChooseProvider to the start).
    PROC_START = "PROC-START", "KTT 3, SK 5", "New client taken without delay.";
    /// The client-provider contract records delivery modes, tools used and the remote share.
    PROC_CONTRACT = "PROC-CONTRACT", "KTT 2.2, 3", "Contract records delivery modes, tools and remote share.";
    /// Only realised hours or days are billed.
    BILL_REALISED = "BILL-REALISED", "KTT 3, SK 5", "Bill realised hours or days.";
    /// No-shows billable at most one unit per calendar month per voucher.
    BILL_NO_SHOW = "BILL-NO-SHOW", "KTT 3, SK 5", "No-shows: at most one unit per calendar month.";
    /// A provider's cancellation is never billable; allowed only when a substitute would not
    /// suit; the client is told at once; a replacement is agreed and documented.
    BILL_PROVIDER_CANCEL = "BILL-PROVIDER-CANCEL", "KTT 3, SK 5", "Provider cancellations never billable.";
    /// Absences and their reasons are recorded.
    ABS_RECORD = "ABS-RECORD", "KTT 3", "Absences recorded with reasons.";
    /// KTT absences are reported to Kela (TT3 notice at least every two weeks).
    ABS_KELA = "ABS-KELA", "KTT 3", "KTT: absences reported to Kela.";
    /// Prolonged absences and a service not going as planned are told to the social worker at once.
    ABS_PROLONGED = "ABS-PROLONGED", "KTT 2.2.3 (9), 2.2.4 (9)", "Prolonged absences told to the social worker at once.";
    /// A sick absence over 3 days needs a certificate.
    ABS_SICK_CERT = "ABS-SICK-CERT", "KTT 3", "Sick absence over 3 days needs a certificate.";
    /// After a no-show contact the client; repeated no-shows -> notify the social worker.
    ABS_REPEATED = "ABS-REPEATED", "KTT 3, SK 5", "Repeated no-shows notified to the social worker.";
    /// SK no-shows listed in the next billing report.
    SK_NO_SHOW_REPORT = "SK-NO-SHOW-REPORT", "SK 5", "SK no-shows listed in the billing report.";
    /// Changes in the client's situation notified without delay.
    NOTIFY_CHANGE = "NOTIFY-CHANGE", "KTT 4, SK 3.1", "Changes notified to the social worker without delay.";
    /// Service interrupted or never started for client reasons: contact the social worker at once.
    PROC_INTERRUPT = "PROC-INTERRUPT", "KTT 3, SK 5", "Interruption notified at once.";
    /// No fees beyond the voucher: an invoice carries only realised units and allowed no-shows.
    NO_EXTRA_FEES = "NO-EXTRA-FEES", "KTT 6, SK 6, KTT 1.2, SK 2.3", "No fees beyond the voucher.";
    /// A damage in the service is told to the social worker without delay.
    PROV_DAMAGE_NOTICE = "PROV-DAMAGE-NOTICE", "KTT 1.4, SK 2.5", "Damage told to the social worker without delay.";
    /// KTT interim report 21 days before the period ends, for every KTT service.
    REP_INTERIM = "REP-INTERIM", "KTT 2.2.1 (7), 2.2.4 (10), 4", "KTT interim report 3 weeks before the end.";
    /// SK interim report when the service continues (1 week before the end for 1-2 month contracts).
    REP_INTERIM_SK = "REP-INTERIM-SK", "SK 3.1", "SK interim report when the service continues.";
    /// Final report at the latest 14 days after the service ends (completion, interruption or
    /// the last valid day, whichever comes first).
    REP_FINAL = "REP-FINAL", "KTT 2.2.1-2.2.4, 4; SK 3.1", "Final report within 14 days of the end.";
    /// Report delivered to the client on paper and to the county.
    REP_DELIVERY = "REP-DELIVERY", "KTT 4, SK 3.1", "Report delivered to client and county.";
    /// KTT provider feedback form and client feedback when the service ends.
    REP_FEEDBACK = "REP-FEEDBACK", "KTT 4", "KTT feedback forms at the end.";
    /// SK client documents archived to the county (the controller).
    ARCHIVE = "ARCHIVE", "SK 3.2", "SK records archived to the county.";
    /// SK closed group under 60 % a week before start may be cancelled or delayed <= 10 business days.
    SK_GROUP_MIN_FILL = "SK-GROUP-MIN-FILL", "SK 5", "SK closed group minimum fill.";
    /// New clients may join a closed SK group until 10 business days after its start.
    SK_GROUP_LATE_JOIN = "SK-GROUP-LATE-JOIN", "SK 5", "SK closed group late join within 10 business days.";
}

/// Precondition type when the chosen provider is not approved (ChooseProvider). A refusal, not
/// a rule of `RULES.md`: it is not in [`ALL`] and has no section.
pub const PROVIDER_NOT_APPROVED: &str = "PROVIDER-NOT-APPROVED";
/// Precondition type when the chosen provider does not offer the voucher's service. A refusal,
/// not a rule of `RULES.md`: it is not in [`ALL`] and has no section.
pub const SERVICE_NOT_OFFERED: &str = "SERVICE-NOT-OFFERED";

/// Refusal ids that are not rules of `RULES.md` (no section; reported like violations).
pub const REFUSALS: &[&str] = &[PROVIDER_NOT_APPROVED, SERVICE_NOT_OFFERED];

/// Whether `id` is one of [`REFUSALS`].
pub fn is_refusal(id: &str) -> bool {
    REFUSALS.contains(&id)
}

/// The default section of a rule id (empty if the id is unknown).
pub fn section(id: &str) -> &'static str {
    info(id).map_or("", |r| r.section)
}

/// The [`RuleInfo`] of a rule id.
pub fn info(id: &str) -> Option<&'static RuleInfo> {
    ALL.iter().find(|r| r.id == id)
}
