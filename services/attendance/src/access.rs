//! Who may call what in the attendance service, and which vouchers' data they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | RecordSession, CancelSession, RecordAbsence | provider's user (own vouchers) |
//! | CorrectSession, VoidSession | provider's user (own vouchers, until invoiced), county admin (also after) |
//! | GetSession, ListSessions, ListAbsences, GetVoucherUsage | social worker, county admin, provider's user (own vouchers) |
//! | ListBillableItems | finance system, county admin, provider's user (own provider) |
//! | MarkItemsInvoiced | finance system, county admin |
//! | ListAlerts, ResolveAlert | social worker, county admin, provider's user (own provider) |
//! | ListAlertChanges, ListUsageChanges | county admin, social worker, finance system |
//! | GetFeedStatus | county admin |
//! | CreateGroup, EnrolClient, WithdrawEnrolment, RecordGroupSession, CancelGroup, DelayGroupStart | provider's user (own groups, own vouchers) |
//! | GetGroup, ListGroups | social worker, county admin, provider's user (own groups) |
//! | ListVoucherActivity | county admin (figures only, for `reporting`'s follow-up) |
//!
//! A social worker reads the sessions, absences and usage of their own clients: the vouchers
//! they issued (the feed's ISSUED change names them). Another provider's or another social
//! worker's voucher or session answers `NOT_FOUND`, never `PERMISSION_DENIED`: its existence
//! is not the caller's business.

use seteli_platform::auth::{Caller, Role};

use crate::model::{GroupRow, Voucher};

/// Who records sessions, cancellations and absences.
pub const RECORDERS: &[Role] = &[Role::ProviderUser];
/// Who corrects and voids sessions.
pub const CORRECTORS: &[Role] = &[Role::ProviderUser, Role::CountyAdmin];
/// Who reads sessions, absences and usage.
pub const READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser];
/// Who reads the billable items.
pub const BILLING_READERS: &[Role] = &[Role::FinanceSystem, Role::CountyAdmin, Role::ProviderUser];
/// Who marks items invoiced.
pub const INVOICERS: &[Role] = &[Role::FinanceSystem, Role::CountyAdmin];
/// Who reads and resolves alerts.
pub const ALERT_READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser];
/// Who follows the alert feed and the usage feed.
pub const FEED_READERS: &[Role] = &[Role::CountyAdmin, Role::SocialWorker, Role::FinanceSystem];
/// Who reads the per-voucher activity figures (the county's follow-up).
pub const ACTIVITY_READERS: &[Role] = &[Role::CountyAdmin];
/// The county's administrators.
pub const ADMIN: &[Role] = &[Role::CountyAdmin];

/// Whether `caller` may know voucher `v` (and its sessions) exists.
pub fn may_see(caller: &Caller, v: &Voucher) -> bool {
    match caller.role {
        Role::ProviderUser => !v.provider_id.is_empty() && caller.is_user_of(&v.provider_id),
        Role::SocialWorker => !v.social_worker.is_empty() && v.social_worker == caller.subject,
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor => false,
    }
}

/// Whether `caller` records on voucher `v`: a user of its provider.
pub fn may_record(caller: &Caller, v: &Voucher) -> bool {
    !v.provider_id.is_empty() && caller.is_user_of(&v.provider_id)
}

/// Whether `caller` corrects or voids sessions of `v`.
pub fn may_correct(caller: &Caller, v: &Voucher) -> bool {
    caller.role == Role::CountyAdmin || may_record(caller, v)
}

/// The provider a provider's user is confined to (`None` for county roles).
pub fn own_provider(caller: &Caller) -> Option<String> {
    (caller.role == Role::ProviderUser).then(|| caller.provider_id.clone().unwrap_or_default())
}

/// The social worker a social worker's reads are confined to: the vouchers they are
/// responsible for (`None` for other roles).
pub fn own_caseload(caller: &Caller) -> Option<String> {
    (caller.role == Role::SocialWorker).then(|| caller.subject.clone())
}

/// Why the client's data is processed by `caller` (the audit purpose).
pub fn purpose(caller: &Caller) -> &'static str {
    match caller.role {
        Role::ProviderUser => "service_delivery",
        Role::FinanceSystem => "billing",
        _ => "service_follow_up",
    }
}

/// Whether `caller` may know group `g` exists: its provider's users and the county's roles.
pub fn may_see_group(caller: &Caller, g: &GroupRow) -> bool {
    match caller.role {
        Role::ProviderUser => caller.is_user_of(&g.provider_id),
        Role::SocialWorker | Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor => false,
    }
}

/// Whether `caller` manages group `g`: a user of its provider.
pub fn may_manage_group(caller: &Caller, g: &GroupRow) -> bool {
    !g.provider_id.is_empty() && caller.is_user_of(&g.provider_id)
}
