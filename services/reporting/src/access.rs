//! Who may call what in the reporting service, and whose reports they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | ListObligations, GetReport | provider's user (own provider), social worker, county admin |
//! | SaveReportDraft, SubmitReport | provider's user (own provider's vouchers) |
//! | AcknowledgeReport, RequestRevision | social worker, county admin |
//! | GetFeedStatus | county admin |
//!
//! Social workers read every voucher's reports, as in `vouchers` and `attendance` (no
//! per-worker caseload yet); their list defaults to their own vouchers. Another provider's
//! obligation or report answers `NOT_FOUND`, never `PERMISSION_DENIED`: its existence is not
//! the caller's business.

use seteli_platform::auth::{Caller, Role};

use crate::model::ObligationRow;

/// Who reads obligations and reports.
pub const READERS: &[Role] = &[Role::ProviderUser, Role::SocialWorker, Role::CountyAdmin];
/// Who writes and submits reports.
pub const WRITERS: &[Role] = &[Role::ProviderUser];
/// Who acknowledges reports or asks for revisions.
pub const REVIEWERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin];
/// The county's administrators.
pub const ADMIN: &[Role] = &[Role::CountyAdmin];

/// Whether `caller` may know obligation `o` (and its report) exists.
pub fn may_see(caller: &Caller, o: &ObligationRow) -> bool {
    match caller.role {
        Role::ProviderUser => may_write(caller, o),
        Role::SocialWorker | Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor => false,
    }
}

/// Whether `caller` writes the report of `o`: a user of the voucher's provider.
pub fn may_write(caller: &Caller, o: &ObligationRow) -> bool {
    !o.provider_id.is_empty() && caller.is_user_of(&o.provider_id)
}

/// Why the client's data is processed by `caller` (the audit purpose).
pub fn purpose(caller: &Caller) -> &'static str {
    match caller.role {
        Role::ProviderUser => "service_reporting",
        _ => "service_follow_up",
    }
}
