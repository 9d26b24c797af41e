//! Who may call what in the reporting service, and whose reports they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | ListObligations, GetReport | provider's user (own provider), social worker, county admin, client (their own voucher's reports given to them: submitted or acknowledged; ListObligations needs `voucher_id` of them) |
//! | SaveReportDraft, SubmitReport | provider's user (own provider's vouchers) |
//! | AcknowledgeReport, RequestRevision | social worker, county admin |
//! | GetFeedStatus | county admin |
//!
//! A social worker reads and reviews the reports of their own clients only (the vouchers they
//! are responsible for: their caseload); their list is confined to those. Another provider's
//! or another social worker's obligation or report answers `NOT_FOUND`, never
//! `PERMISSION_DENIED`: its existence is not the caller's business.
//!
//! A client (the voucher holder) reads the reports of their own vouchers once they are given to
//! them — submitted or acknowledged (REP-DELIVERY: the client's copy), never a draft nor one sent
//! back for revision — and prints their copy (GetReportPdf). Whose a voucher is the followed
//! copy cannot tell (it carries client ids, never identity codes): for a client's request the
//! voucher service confirms the voucher is theirs, with their own token (`ops::holder`,
//! [`is_holder`]); anything else is `NOT_FOUND`. Their reads are audited with the purpose
//! `own_data`.

use seteli_platform::AppError;
use seteli_platform::auth::{Caller, Role};
use seteli_platform::holder::OwnVoucher;

use crate::model::ObligationRow;

/// Who reads obligations and reports (a client: their own vouchers' reports given to them).
pub const READERS: &[Role] = &[
    Role::ProviderUser,
    Role::SocialWorker,
    Role::CountyAdmin,
    Role::Client,
];
/// Who writes and submits reports.
pub const WRITERS: &[Role] = &[Role::ProviderUser];
/// Who acknowledges reports or asks for revisions.
pub const REVIEWERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin];
/// The county's administrators.
pub const ADMIN: &[Role] = &[Role::CountyAdmin];

/// Whether `caller` may know obligation `o` (and its report) exists: a user of its provider,
/// its voucher's social worker (caseload), or the county's administrator. Never a client from
/// the followed copy alone: see [`is_holder`] and [`given_to_client`].
pub fn may_see(caller: &Caller, o: &ObligationRow) -> bool {
    match caller.role {
        Role::ProviderUser => may_write(caller, o),
        Role::SocialWorker => caller.answers_for(&o.social_worker, &o.social_worker_team),
        Role::CountyAdmin => true,
        Role::FinanceSystem | Role::Auditor | Role::Service | Role::Client => false,
    }
}

/// Whether followed voucher `v` is the one the voucher service confirmed as the calling
/// client's own (`own`): the same voucher, the same client.
pub fn is_holder(v: &crate::model::Voucher, own: &OwnVoucher) -> bool {
    v.id == own.voucher_id && !v.client_id.is_empty() && v.client_id == own.client_id
}

/// Whether the report of `o` has been given to its client (REP-DELIVERY: the client's copy):
/// submitted or acknowledged. A draft, or a report sent back for revision, is the provider's
/// work in progress and is not shown to the client.
pub fn given_to_client(o: &ObligationRow) -> bool {
    o.state.handed_in()
}

/// Whose obligations, notices or Kela notices a list of `caller`'s holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListScope {
    /// Only this provider's (empty: any).
    pub provider_id: String,
    /// Only this social worker's (empty: any)…
    pub social_worker: String,
    /// …or their team's (empty: no team).
    pub team: String,
}

/// The scope of a list `caller` asks for by `provider_id` and `social_worker` (empty: not
/// asked). A provider's user lists their own provider's (another one asked: NOT_FOUND); a
/// social worker their own caseload, their team's too (another social worker asked:
/// NOT_FOUND), or as asked when reading as a substitute with a stated reason; the county's
/// administrator as asked.
pub fn list_scope(
    caller: &Caller,
    provider_id: &str,
    social_worker: &str,
) -> Result<ListScope, AppError> {
    let mut scope = ListScope {
        provider_id: provider_id.trim().to_owned(),
        social_worker: social_worker.trim().to_owned(),
        team: String::new(),
    };
    match caller.role {
        Role::ProviderUser => {
            if !scope.provider_id.is_empty() && !caller.is_user_of(&scope.provider_id) {
                return Err(AppError::NotFound(format!(
                    "provider {}",
                    scope.provider_id
                )));
            }
            scope.provider_id = caller.provider_id.clone().unwrap_or_default();
        }
        Role::SocialWorker if let Some(own) = caller.caseload() => {
            if !scope.social_worker.is_empty() && scope.social_worker != own.social_worker {
                return Err(AppError::NotFound(format!(
                    "social worker {}",
                    scope.social_worker
                )));
            }
            scope.social_worker = own.social_worker.to_owned();
            scope.team = own.team.to_owned();
        }
        _ => {}
    }
    Ok(scope)
}

/// Whether `caller` writes the report of `o`: a user of the voucher's provider.
pub fn may_write(caller: &Caller, o: &ObligationRow) -> bool {
    !o.provider_id.is_empty() && caller.is_user_of(&o.provider_id)
}

/// Why the client's data is processed by `caller` (the audit purpose).
pub fn purpose(caller: &Caller) -> &'static str {
    match caller.role {
        Role::ProviderUser => "service_reporting",
        Role::Client => "own_data",
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
        Role::FinanceSystem | Role::Auditor | Role::Service | Role::Client => false,
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
        Role::FinanceSystem | Role::Auditor | Role::Service | Role::Client => false,
    }
}

// ------------------------------------------------------------------------------ delivery and the closing checklist
//
// | RPC | roles |
// | --- | --- |
// | GetReportPdf | whoever reads the report (GetReport): a client their copy of a report given to them |
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

// ------------------------------------------------------------------------------ client feedback (REP-FEEDBACK)
//
// | RPC | roles |
// | --- | --- |
// | GetClientFeedbackForm | the voucher's client (their own), its social worker (caseload), county admin |
// | SubmitClientFeedback | the voucher's client only (their own voucher) |
// | GetClientFeedbackSummary | county admin, auditor (every row); provider's user (its own provider's rows; another provider named: PERMISSION_DENIED, as the provider itself is public) |
//
// The answers are the client's personal data: the write is audited. The summary shows per
// service and provider how many answered and each question's mean; a row of fewer than five
// answers is suppressed (means zero, no comments), and comments — free text that may name a
// person — go only to the county (county admin, auditor), never to a provider.

/// Who reads the feedback form of a voucher and whether it may be answered.
pub const FEEDBACK_FORM_READERS: &[Role] = &[Role::SocialWorker, Role::CountyAdmin, Role::Client];
/// Who answers the feedback form: the voucher's holder.
pub const FEEDBACK_GIVERS: &[Role] = &[Role::Client];
/// Who reads the feedback summary.
pub const FEEDBACK_SUMMARY_READERS: &[Role] =
    &[Role::CountyAdmin, Role::Auditor, Role::ProviderUser];

/// Whether `caller` reads the summary's comments: the county only.
pub fn reads_feedback_comments(caller: &Caller) -> bool {
    matches!(caller.role, Role::CountyAdmin | Role::Auditor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, provider: Option<&str>, team: Option<&str>) -> Caller {
        Caller {
            issuer: "idp".into(),
            subject: "sw-1".into(),
            role,
            provider_id: provider.map(str::to_owned),
            token: String::new(),
            team: team.map(str::to_owned),
            substitute_reason: None,
            identity_code: None,
        }
    }

    #[test]
    fn a_list_is_confined_to_the_callers_provider_or_caseload() {
        let user = caller(Role::ProviderUser, Some("p-1"), None);
        assert_eq!(
            list_scope(&user, "", "").map(|s| s.provider_id).ok(),
            Some("p-1".into())
        );
        assert!(matches!(
            list_scope(&user, "p-2", ""),
            Err(AppError::NotFound(_))
        ));
        let worker = caller(Role::SocialWorker, None, Some("pohjoinen"));
        let own = list_scope(&worker, "", "").expect("own");
        assert_eq!(
            (own.social_worker.as_str(), own.team.as_str()),
            ("sw-1", "pohjoinen")
        );
        assert!(matches!(
            list_scope(&worker, "", "sw-2"),
            Err(AppError::NotFound(_))
        ));
        let substitute = Caller {
            substitute_reason: Some("sijaisuus".into()),
            ..worker
        };
        assert_eq!(
            list_scope(&substitute, "", "sw-2")
                .map(|s| s.social_worker)
                .ok(),
            Some("sw-2".into())
        );
        let admin = caller(Role::CountyAdmin, None, None);
        assert_eq!(
            list_scope(&admin, " p-2 ", "sw-2").ok(),
            Some(ListScope {
                provider_id: "p-2".into(),
                social_worker: "sw-2".into(),
                team: String::new(),
            })
        );
    }
}
