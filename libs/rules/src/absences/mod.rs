//! Cancellations, absences and billing of what did not happen (RULES.md §6):
//! BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-RECORD, ABS-KELA (and Kela's TT3
//! absence notice), ABS-PROLONGED, ABS-SICK-CERT, ABS-REPEATED, SK-NO-SHOW-REPORT and
//! NO-EXTRA-FEES.
//!
//! | part | rules |
//! | --- | --- |
//! | `billing` | cancellations classified; BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, SK-NO-SHOW-REPORT |
//! | `kela` | ABS-RECORD, ABS-KELA (Kela's TT3 notice and the benefit kept), ABS-SICK-CERT |
//! | `follow_up` | ABS-REPEATED, ABS-PROLONGED: what the social worker must hear of |
//! | `charges` | NO-EXTRA-FEES |
//!
//! Every item is used from here (`seteli_rules::absences::check_billing`); the parts are not
//! public paths of their own.

mod billing;
mod charges;
mod follow_up;
mod kela;

pub use billing::{
    BilledItem, BilledKind, Cancellation, CancellationClass, CancelledBy, ProviderCancellation,
    billable_no_show_units, check_billing, check_no_show_report, check_provider_cancellation,
    classify,
};
pub use charges::{Charge, ChargeKind, Payer, check_charges};
pub use follow_up::{
    AgreedSession, ArrangedDay, DEFAULT_PROLONGED_ABSENCE_DAYS, FollowUp, ProlongedAbsenceConfig,
    RepeatedAbsenceConfig, check_absence_follow_up, check_prolonged_absence,
};
pub use kela::{
    AbsenceEntry, AbsenceReason, CHILD_ILLNESS_MAX_DAYS, KELA_NOTICE_INTERVAL_DAYS, KelaDay,
    KelaDayStatus, KelaNotice, SICK_DAYS_WITHOUT_CERTIFICATE, SickAbsence, benefit_kept,
    check_absences, check_kela_notices, check_sick_absence,
};
