//! Who may call what in the voucher service, and which vouchers they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | CreateClient, UpdateClient, ListClients, ChooseProvider, CancelVoucher | social worker, county admin |
//! | GetClient | social worker, county admin, provider's user (only clients with a voucher of theirs) |
//! | SetCeilingPrice, ExpireVouchers | county admin |
//! | GetCeilingPrice, ListCeilingPrices | every role |
//! | IssueVoucher | social worker |
//! | GetVoucher | social worker, county admin, provider's user (own vouchers), billing's service account, client (own vouchers: the identity code of their token is the voucher's client's) |
//! | ListVouchers | social worker, county admin, provider's user (own vouchers), billing's service account |
//! | AcceptVoucher, DeclineVoucher, StartVoucher | provider's user |
//! | RecordUnitsUsed (deprecated: always refused, units are recorded in attendance) | provider's user, county admin |
//! | CompleteVoucher | provider's user, social worker, county admin |
//! | InterruptVoucher | provider's user, social worker |
//! | ListVoucherChanges | the service accounts of attendance and reporting only |
//!
//! A voucher another provider holds answers `NOT_FOUND`, never `PERMISSION_DENIED`: its
//! existence is not the caller's business. So do, to a social worker, the clients and vouchers
//! outside their caseload ([`caseload`]: the clients they or their team registered or issued a
//! voucher for, and those vouchers), in reads, lists and changes alike — unless they read as a
//! substitute with a stated reason (`x-seteli-substitute-reason`, audited). So does, to a provider's user, a voucher that ended
//! more than `SETELI_PROVIDER_ACCESS_AFTER_END_DAYS` (90) days ago, and its client ([`may_read`]).
//!
//! Which fields each role's job needs (least data, issue 14; the views are in `wire.rs`):
//!
//! | data | social worker, county admin | provider's user | finance system | feed (ListVoucherChanges) |
//! | --- | --- | --- | --- | --- |
//! | voucher terms, state, units | all | own vouchers | all | all |
//! | decision's eligibility facts (benefit, need assessment) | yes | no (`provider_view`) | no (`feed_view`) | no |
//! | client's name and masked identity code | yes | own vouchers' clients (`client_for_provider`) | no (`feed_view`: the client id only) | no |
//! | client's full identity code, home municipality and coordinates, contact | GetClient only; CreateClient/UpdateClient do not echo it (`client_answer`) | no | no | no |
//! | free text of the end and decline reasons | yes | own vouchers | no | no (`feed_view`) |
//! | codes of the end and decline reasons (`end_reason_kind`, `declined_reason_kind`) | yes | own vouchers | yes | yes: what the feed tells of why |

use chrono::NaiveDate;
use seteli_platform::auth::{Caller, Role};
pub use seteli_platform::identity::Caseload;

use crate::model::VoucherState;
use crate::store::VoucherRow;

/// The county's staff who keep the client register and decide.
pub const COUNTY_STAFF: &[Role] = &[Role::SocialWorker, Role::CountyAdmin];
/// Who may read clients (a provider's user only its own vouchers' clients).
pub const CLIENT_READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::ProviderUser];
/// The county's administrators.
pub const ADMIN: &[Role] = &[Role::CountyAdmin];
/// Who issues vouchers.
pub const ISSUERS: &[Role] = &[Role::SocialWorker];
/// Who may read vouchers (billing's service account: the terms it invoices by).
pub const VOUCHER_READERS: &[Role] = &[
    Role::SocialWorker,
    Role::CountyAdmin,
    Role::ProviderUser,
    Role::Service,
];
/// Who may read one voucher: [`VOUCHER_READERS`] and the voucher's holder (a client: their own
/// vouchers only, [`may_see`]; attendance and reporting ask this for a client's request).
pub const VOUCHER_GETTERS: &[Role] = &[
    Role::SocialWorker,
    Role::CountyAdmin,
    Role::ProviderUser,
    Role::Service,
    Role::Client,
];
/// The service account that reads vouchers' terms to invoice them.
pub const BILLING: &str = "billing";
/// The provider's side of a voucher.
pub const PROVIDER: &[Role] = &[Role::ProviderUser];
/// Who records units used.
pub const UNIT_RECORDERS: &[Role] = &[Role::ProviderUser, Role::CountyAdmin];
/// Who completes a voucher.
pub const COMPLETERS: &[Role] = &[Role::ProviderUser, Role::SocialWorker, Role::CountyAdmin];
/// Who interrupts a voucher (PROC-INTERRUPT).
pub const INTERRUPTERS: &[Role] = &[Role::ProviderUser, Role::SocialWorker];
/// The service accounts that follow the change feed (ListVoucherChanges): attendance (the
/// vouchers its sessions are recorded on) and reporting (the report obligations). Nobody else:
/// the feed names every client's vouchers.
pub const FEED_FOLLOWERS: &[&str] = &["attendance", "reporting"];

/// Whether `caller` may know voucher `v` exists: a social worker the vouchers they issued
/// (their caseload), the county's administrators all; a provider's user only vouchers whose
/// chosen provider is its own; billing's service account all (it invoices them: the voucher's
/// terms); a client only the vouchers whose client has the identity code of their token. The
/// financial system reads invoices, not vouchers.
pub fn may_see(caller: &Caller, v: &VoucherRow) -> bool {
    match caller.role {
        Role::ProviderUser => v
            .chosen_provider
            .as_deref()
            .is_some_and(|p| caller.is_user_of(p)),
        Role::SocialWorker => caller.answers_for(&v.issued_by, &v.issued_by_team),
        Role::CountyAdmin => true,
        Role::Service => caller.is_service(BILLING),
        Role::Client => caller
            .identity_code
            .as_deref()
            .is_some_and(|code| !code.is_empty() && code == v.client_identity_code),
        Role::FinanceSystem | Role::Auditor => false,
    }
}

/// The states in which a voucher's service has ended.
pub const ENDED: &[VoucherState] = &[
    VoucherState::Completed,
    VoucherState::Interrupted,
    VoucherState::Cancelled,
    VoucherState::Expired,
];

/// Whether `caller` may still read voucher `v` on `today`: as [`may_see`], except that a
/// provider's user reads an ended voucher (and its client) only for `after_end_days` after its
/// end (`SETELI_PROVIDER_ACCESS_AFTER_END_DAYS`, for the final report and the last invoice),
/// then it is NOT_FOUND to them: the provider's need for the client's data has ended.
pub fn may_read(caller: &Caller, v: &VoucherRow, today: NaiveDate, after_end_days: i64) -> bool {
    may_see(caller, v)
        && (caller.role != Role::ProviderUser || !ended_before(v, today, after_end_days))
}

/// Whether `v` ended more than `days` days before `today`.
fn ended_before(v: &VoucherRow, today: NaiveDate, days: i64) -> bool {
    if !ENDED.contains(&v.state) {
        return false;
    }
    let end = v
        .view
        .ended_on
        .as_ref()
        .and_then(|d| {
            NaiveDate::from_ymd_opt(
                d.year,
                u32::try_from(d.month).ok()?,
                u32::try_from(d.day).ok()?,
            )
        })
        .unwrap_or(v.valid_until);
    today > end + chrono::Days::new(days.max(0) as u64)
}

/// The caseload `caller` is confined to (`None`: not a social worker, or a substitute's read
/// with a stated reason). A social worker reads and acts on the clients they or their team
/// registered or issued a voucher for, and on those vouchers; for anybody else's the answer is
/// NOT_FOUND, as for what is not there.
pub fn caseload(caller: &Caller) -> Option<Caseload<'_>> {
    caller.caseload()
}

/// Whose a client or voucher `caller` registers or issues becomes: the social worker and their
/// team (empty for the county's administrator: the intake every social worker sees).
pub fn made_by(caller: &Caller) -> (String, String) {
    if caller.role == Role::SocialWorker {
        (
            caller.subject.clone(),
            caller.team.clone().unwrap_or_default(),
        )
    } else {
        (String::new(), String::new())
    }
}

/// Why the county processes the client's data in a read by `caller` (the audit purpose).
pub fn client_purpose(caller: &Caller) -> &'static str {
    if caller.role == Role::ProviderUser {
        "service_delivery"
    } else {
        "client_register"
    }
}
