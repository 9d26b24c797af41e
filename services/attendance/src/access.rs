//! Who may call what in the attendance service, and which vouchers' data they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | RecordSession, CancelSession, RecordAbsence | provider's user (own vouchers) |
//! | CorrectSession, VoidSession | provider's user (own vouchers, until invoiced, and again once the invoice is returned), county admin (also after) |
//! | GetSession, ListSessions, ListAbsences, GetVoucherUsage | social worker, county admin, provider's user (own vouchers), client (own vouchers: `voucher_id` required of them, `client_id` ignored) |
//! | ListBillableItems | billing's service account |
//! | MarkItemsInvoiced | billing's service account (items of the invoice's provider and month; `released`: of its provider) |
//! | ListAlerts, ResolveAlert | social worker, county admin, provider's user (own provider) |
//! | ListUsageChanges | the vouchers service's account |
//! | ListAlertChanges | the reporting service's account |
//! | GetFeedStatus | county admin |
//! | CreateGroup, EnrolClient, WithdrawEnrolment, RecordGroupSession, CancelGroup, DelayGroupStart | provider's user (own groups, own vouchers) |
//! | GetGroup, ListGroups | social worker, county admin, provider's user (own groups) |
//! | ListVoucherActivity | county admin, the reporting service's account (figures only, for the follow-up) |
//!
//! The feeds and the billable items are for the services that follow them (service accounts:
//! role `service`, the subject naming the service); people get `PERMISSION_DENIED`.
//!
//! A social worker reads the sessions, absences and usage of their own clients: the vouchers
//! they issued (the feed's ISSUED change names them). Another provider's or another social
//! worker's voucher or session answers `NOT_FOUND`, never `PERMISSION_DENIED`: its existence
//! is not the caller's business.
//!
//! A client (the voucher holder) reads what was recorded on their own vouchers: the sessions
//! (date, times, units, kind, status, cancellations, the history of corrections), the absences
//! with their reason codes and the usage. Whose a voucher is the followed copy cannot tell (it
//! carries client ids, never identity codes), so for a client's read the voucher service
//! confirms the voucher is theirs, with their own token (`ops::common::readable_voucher`,
//! [`is_holder`]); another client's voucher or session answers `NOT_FOUND` as above. A client
//! always names the voucher: ListSessions by `client_id` is refused them (`voucher_id`
//! required), so no read of theirs rests on a client id they typed.
//!
//! Which fields a client sees: all a reader sees, the provider's free text included (the daily
//! record's `notes`, the cancellation's `documentation`, an absence's `notes`, a correction's
//! reason, the coach's name). It is the client's own data, written about them; the client-data
//! act (703/2023) and the GDPR's right of access give it to them, and nothing in it is another
//! person's. Their reads are audited as every reader's are, with the purpose `own_data`.

use seteli_platform::auth::{Caller, Role};
use seteli_platform::holder::OwnVoucher;
use seteli_platform::identity::Caseload;

use crate::model::{GroupRow, Voucher};

/// Who records sessions, cancellations and absences.
pub const RECORDERS: &[Role] = &[Role::ProviderUser];
/// Who corrects and voids sessions.
pub const CORRECTORS: &[Role] = &[Role::ProviderUser, Role::CountyAdmin];
/// Who reads sessions, absences and usage (a client: their own vouchers, [`is_holder`]).
pub const READERS: &[Role] = &[
    Role::SocialWorker,
    Role::CountyAdmin,
    Role::ProviderUser,
    Role::Client,
];
/// Who reads groups: the county's roles and the providers' users (a client reads their own
/// voucher's sessions, not the provider's groups).
pub const GROUP_READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser];
/// The service account that reads the billable items and marks them invoiced.
pub const BILLING: &[&str] = &["billing"];
/// Who reads and resolves alerts.
pub const ALERT_READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser];
/// The service account that follows the usage feed (the units used).
pub const USAGE_FOLLOWERS: &[&str] = &["vouchers"];
/// The service account that follows the alert feed (and reads the activity figures).
pub const REPORTING: &[&str] = &["reporting"];
/// The county's administrators.
pub const ADMIN: &[Role] = &[Role::CountyAdmin];

/// Whether `caller` may know voucher `v` (and its sessions) exists, from the followed copy
/// alone. A client is never admitted here: the copy cannot tell whose a voucher is to an
/// identity code; their reads go through the voucher service's confirmation ([`is_holder`]).
pub fn may_see(caller: &Caller, v: &Voucher) -> bool {
    match caller.role {
        Role::ProviderUser => !v.provider_id.is_empty() && caller.is_user_of(&v.provider_id),
        Role::SocialWorker => caller.answers_for(&v.social_worker, &v.social_worker_team),
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service | Role::Client => false,
    }
}

/// Whether the followed copy `v` is the voucher the voucher service confirmed as the calling
/// client's own (`own`): the same voucher, the same client.
pub fn is_holder(v: &Voucher, own: &OwnVoucher) -> bool {
    v.id == own.voucher_id && !v.client_id.is_empty() && v.client_id == own.client_id
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

/// The caseload a social worker's reads are confined to: the vouchers they and their team are
/// responsible for (`None` for other roles, and for a substitute's read with a stated reason).
pub fn own_caseload(caller: &Caller) -> Option<Caseload<'_>> {
    caller.caseload()
}

/// Why the client's data is processed by `caller` (the audit purpose).
pub fn purpose(caller: &Caller) -> &'static str {
    match caller.role {
        Role::ProviderUser => "service_delivery",
        Role::FinanceSystem => "billing",
        Role::Client => "own_data",
        _ => "service_follow_up",
    }
}

/// `PERMISSION_DENIED` unless `caller` reads the per-voucher activity figures (the county's
/// follow-up): the county's administrator or reporting's service account.
pub fn require_activity_reader(caller: &Caller) -> Result<(), seteli_platform::AppError> {
    if caller.role == Role::CountyAdmin {
        Ok(())
    } else {
        caller.require_service(REPORTING)
    }
}

/// Whether `caller` may know group `g` exists: its provider's users and the county's roles.
pub fn may_see_group(caller: &Caller, g: &GroupRow) -> bool {
    match caller.role {
        Role::ProviderUser => caller.is_user_of(&g.provider_id),
        Role::SocialWorker | Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service | Role::Client => false,
    }
}

/// Whether `caller` manages group `g`: a user of its provider.
pub fn may_manage_group(caller: &Caller, g: &GroupRow) -> bool {
    !g.provider_id.is_empty() && caller.is_user_of(&g.provider_id)
}
