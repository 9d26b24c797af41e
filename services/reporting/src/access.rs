//! Who may call what in the reporting service, and whose reports they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | ListObligations, GetReport | provider's user (own provider), social worker, county admin |
//! | SaveReportDraft, SubmitReport | provider's user (own provider's vouchers) |
//! | AcknowledgeReport, RequestRevision | social worker, county admin |
//! | GetFeedStatus | county admin |
//!
//! A social worker reads and reviews the reports of their own clients only (the vouchers they
//! are responsible for: their caseload); their list is confined to those. Another provider's
//! or another social worker's obligation or report answers `NOT_FOUND`, never
//! `PERMISSION_DENIED`: its existence is not the caller's business.

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

/// Whether `caller` may know obligation `o` (and its report) exists: a user of its provider,
/// its voucher's social worker (caseload), or the county's administrator.
pub fn may_see(caller: &Caller, o: &ObligationRow) -> bool {
    match caller.role {
        Role::ProviderUser => may_write(caller, o),
        Role::SocialWorker => caller.answers_for(&o.social_worker, &o.social_worker_team),
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service => false,
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

// ------------------------------------------------------------------------------ notices, Kela, follow-up
//
// | RPC | roles |
// | --- | --- |
// | ListNotices, GetNotice | social worker (own clients' only), provider's user (own provider's vouchers), county admin |
// | NotifyChange, NotifyDamage | provider's user (own provider's vouchers) |
// | AcknowledgeNotice | the notice's social worker, county admin |
// | ListKelaNotices, GetKelaNotice, GetKelaNoticePdf | provider's user (own), social worker (own clients), county admin |
// | MarkKelaNoticeSent | provider's user (own provider's vouchers) |
// | GetFollowUp, ExportFollowUpCsv | county admin, auditor (aggregates: no client data) |
//
// Unlike reports, a social worker sees only the notices and Kela notices of their own clients
// (the vouchers they issued); another's answer NOT_FOUND.

/// Who reads notices.
pub const NOTICE_READERS: &[Role] = &[Role::SocialWorker, Role::ProviderUser, Role::CountyAdmin];
/// Who tells the social worker (NOTIFY-CHANGE, PROV-DAMAGE-NOTICE).
pub const NOTICE_TELLERS: &[Role] = &[Role::ProviderUser];
/// Who acknowledges notices.
pub const NOTICE_ACKNOWLEDGERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin];
/// Who reads Kela absence notices.
pub const KELA_READERS: &[Role] = &[Role::ProviderUser, Role::SocialWorker, Role::CountyAdmin];
/// Who marks Kela absence notices sent.
pub const KELA_SENDERS: &[Role] = &[Role::ProviderUser];
/// Who reads the county's follow-up.
pub const FOLLOW_UP_READERS: &[Role] = &[Role::CountyAdmin, Role::Auditor];

/// Whether `caller` may know notice `n` exists: its social worker, a user of its provider, or
/// the county's administrator.
pub fn may_see_notice(caller: &Caller, n: &crate::model::NoticeRow) -> bool {
    match caller.role {
        Role::ProviderUser => !n.provider_id.is_empty() && caller.is_user_of(&n.provider_id),
        Role::SocialWorker => caller.answers_for(&n.social_worker, &n.social_worker_team),
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service => false,
    }
}

/// Whether `caller` acknowledges notice `n`: its social worker or the county's administrator.
pub fn may_acknowledge(caller: &Caller, n: &crate::model::NoticeRow) -> bool {
    match caller.role {
        Role::SocialWorker => caller.answers_for(&n.social_worker, &n.social_worker_team),
        Role::CountyAdmin => true,
        _ => false,
    }
}

/// Whether `caller` may know the client data of voucher `v` (its notices and Kela notices): a
/// user of its provider, its social worker, or the county's administrator.
pub fn may_see_voucher(caller: &Caller, v: &crate::model::Voucher) -> bool {
    match caller.role {
        Role::ProviderUser => !v.provider_id.is_empty() && caller.is_user_of(&v.provider_id),
        Role::SocialWorker => caller.answers_for(&v.social_worker, &v.social_worker_team),
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service => false,
    }
}

// ------------------------------------------------------------------------------ delivery and the closing checklist
//
// | RPC | roles |
// | --- | --- |
// | GetReportPdf | whoever reads the report (GetReport) |
// | MarkClientCopyGiven, MarkDeliveredToCounty | a user of the voucher's provider |
// | GetClosingChecklist | a user of the voucher's provider, the voucher's social worker, county admin |
// | MarkClosingItem | REP-FEEDBACK items: a user of the voucher's provider; ARCHIVE: the voucher's social worker, county admin |
//
// The printed report is the report itself on paper: whoever may read it may print it, and
// for anybody else it is not there (NOT_FOUND), as the report is.

/// Who marks a report's delivery (REP-DELIVERY).
pub const DELIVERERS: &[Role] = &[Role::ProviderUser];
/// Who reads a voucher's closing checklist, and who may mark one of its items (each item
/// more narrowly decided by [`may_mark`]).
pub const CLOSERS: &[Role] = &[Role::ProviderUser, Role::SocialWorker, Role::CountyAdmin];

/// Whether `caller` may know voucher `v`'s closing checklist: a user of its provider, its
/// social worker, or the county's administrator (those who may know its client data, see
/// [`may_see_voucher`]).
pub fn may_see_closing(caller: &Caller, v: &crate::model::Voucher) -> bool {
    may_see_voucher(caller, v)
}

/// Whether `caller` marks `item` of voucher `v` done: the provider's duties (REP-DELIVERY,
/// REP-FEEDBACK) by a user of its provider; ARCHIVE by the county, the records' controller
/// (the voucher's social worker or the county's administrator).
pub fn may_mark(
    caller: &Caller,
    v: &crate::model::Voucher,
    item: crate::model::ClosingItem,
) -> bool {
    use crate::model::ClosingItem;
    match item {
        ClosingItem::ArchivedToCounty => match caller.role {
            Role::SocialWorker => caller.answers_for(&v.social_worker, &v.social_worker_team),
            Role::CountyAdmin => true,
            _ => false,
        },
        ClosingItem::ClientCopyGiven
        | ClosingItem::DeliveredToCounty
        | ClosingItem::ProviderFeedbackForm
        | ClosingItem::ClientFeedbackCollected => {
            !v.provider_id.is_empty() && caller.is_user_of(&v.provider_id)
        }
    }
}
