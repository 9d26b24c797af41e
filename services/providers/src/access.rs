//! Who may do what in the registry, in one table ([`rule`]): which roles may call each RPC,
//! and who may act on the provider it names; and which providers and fields a caller sees.
//!
//! Every signed-in role sees APPROVED providers; the county's roles see every provider; a
//! provider's own users see their own. A provider a caller may not see answers `NOT_FOUND`
//! (its existence is not theirs to know) before any `PERMISSION_DENIED` about it. Staff and
//! documents are shown to the county and the provider's own users only. The change feed
//! (ListProviderChanges) is for the service accounts of [`FEED_FOLLOWERS`] only.
//!
//! | RPC | roles |
//! | --- | --- |
//! | CreateProvider, Approve/Reject/Suspend/Resume/RevokeProvider, ApproveBankDetails | county admin |
//! | GetProvider | every role and the services' accounts; a client (the voucher holder) approved providers only, as another provider's user sees them (no staff, documents, contact person or bank details) |
//! | ListProviders, ListProviderHistory (the county, auditors, own users) | social worker, provider's user, county admin, finance system, auditor |
//! | SearchProviders, CheckProviderForService | those, and a client: approved providers, as outsiders see them; a client's CheckProviderForService also carries the documents' kinds and dates (no file), which their own ChooseProvider is checked against (PROV-DOCS, PROV-INSURANCE), and answers for a provider once approved (also SUSPENDED, REVOKED) so that a choice of it is refused by PROVIDER-NOT-APPROVED as a social worker's is |
//! | Update, sites, offerings, staff, documents, Soteri classes | the gate of the five roles above; then the provider's own users and county admins |
//! | SubmitProvider, DiscardProviderDraft | provider's user, county admin (their own provider's) |
//! | ListProviderChanges | the service accounts of [`FEED_FOLLOWERS`] |
//! | `seteli.catalogue.v1` CompareProviders | anyone, without a token (no personal data) |

use seteli_platform::AppError;
use seteli_platform::auth::{Caller, Role};

use crate::model::{Detail, Details, ProviderState, Visibility};

/// The RPCs of `seteli.providers.v1.ProvidersService`. [`Rpc::name`] is also the action a
/// provider's history and the audit log record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variants are the contract's RPCs, documented there
pub enum Rpc {
    CreateProvider,
    GetProvider,
    ListProviders,
    UpdateProvider,
    AddSite,
    RemoveSite,
    SetOffering,
    RemoveOffering,
    AddStaffMember,
    RemoveStaffMember,
    AddDocument,
    RemoveDocument,
    SetSoteriClasses,
    SubmitProvider,
    DiscardProviderDraft,
    ApproveProvider,
    RejectProvider,
    SuspendProvider,
    ResumeProvider,
    RevokeProvider,
    SearchProviders,
    CheckProviderForService,
    ListProviderHistory,
    ApproveBankDetails,
    ListProviderChanges,
}

impl Rpc {
    /// Every RPC.
    pub const ALL: [Rpc; 25] = [
        Rpc::CreateProvider,
        Rpc::GetProvider,
        Rpc::ListProviders,
        Rpc::UpdateProvider,
        Rpc::AddSite,
        Rpc::RemoveSite,
        Rpc::SetOffering,
        Rpc::RemoveOffering,
        Rpc::AddStaffMember,
        Rpc::RemoveStaffMember,
        Rpc::AddDocument,
        Rpc::RemoveDocument,
        Rpc::SetSoteriClasses,
        Rpc::SubmitProvider,
        Rpc::DiscardProviderDraft,
        Rpc::ApproveProvider,
        Rpc::RejectProvider,
        Rpc::SuspendProvider,
        Rpc::ResumeProvider,
        Rpc::RevokeProvider,
        Rpc::SearchProviders,
        Rpc::CheckProviderForService,
        Rpc::ListProviderHistory,
        Rpc::ApproveBankDetails,
        Rpc::ListProviderChanges,
    ];

    /// The RPC's name in the contract, e.g. `SetOffering`.
    pub fn name(self) -> &'static str {
        match self {
            Rpc::CreateProvider => "CreateProvider",
            Rpc::GetProvider => "GetProvider",
            Rpc::ListProviders => "ListProviders",
            Rpc::UpdateProvider => "UpdateProvider",
            Rpc::AddSite => "AddSite",
            Rpc::RemoveSite => "RemoveSite",
            Rpc::SetOffering => "SetOffering",
            Rpc::RemoveOffering => "RemoveOffering",
            Rpc::AddStaffMember => "AddStaffMember",
            Rpc::RemoveStaffMember => "RemoveStaffMember",
            Rpc::AddDocument => "AddDocument",
            Rpc::RemoveDocument => "RemoveDocument",
            Rpc::SetSoteriClasses => "SetSoteriClasses",
            Rpc::SubmitProvider => "SubmitProvider",
            Rpc::DiscardProviderDraft => "DiscardProviderDraft",
            Rpc::ApproveProvider => "ApproveProvider",
            Rpc::RejectProvider => "RejectProvider",
            Rpc::SuspendProvider => "SuspendProvider",
            Rpc::ResumeProvider => "ResumeProvider",
            Rpc::RevokeProvider => "RevokeProvider",
            Rpc::SearchProviders => "SearchProviders",
            Rpc::CheckProviderForService => "CheckProviderForService",
            Rpc::ListProviderHistory => "ListProviderHistory",
            Rpc::ApproveBankDetails => "ApproveBankDetails",
            Rpc::ListProviderChanges => "ListProviderChanges",
        }
    }
}

/// Who may act on the provider an RPC names, once they may see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnProvider {
    /// Seeing it is enough (or the RPC names no provider).
    Anyone,
    /// The provider's own users and callers with one of these roles; anyone else is refused
    /// with the message.
    OwnUsersOr(&'static [Role], &'static str),
}

/// Who may call an RPC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Roles that may call it at all (checked first: `PERMISSION_DENIED`).
    pub roles: &'static [Role],
    /// Who may act on the provider it names.
    pub on_provider: OnProvider,
}

const EVERY_ROLE: &[Role] = &[
    Role::SocialWorker,
    Role::ProviderUser,
    Role::CountyAdmin,
    Role::FinanceSystem,
    Role::Auditor,
];
/// Every role of people, the voucher holder (`client`) too: who may search for a provider near
/// a point and check one for a service (their own choice is checked against it).
const EVERY_ROLE_AND_CLIENTS: &[Role] = &[
    Role::SocialWorker,
    Role::ProviderUser,
    Role::CountyAdmin,
    Role::FinanceSystem,
    Role::Auditor,
    Role::Client,
];
/// Every role, and the services' accounts: billing reads the seller of an invoice.
const EVERY_ROLE_AND_SERVICES: &[Role] = &Role::ALL;
const COUNTY_ADMIN: &[Role] = &[Role::CountyAdmin];
/// The services' accounts, of which [`FEED_FOLLOWERS`] read the change feed.
const SERVICES: &[Role] = &[Role::Service];
/// The service accounts that follow the registry's change feed (ListProviderChanges): vouchers
/// (PROVIDER-NOT-APPROVED on acceptance and start) and attendance (PROVIDER-NOT-APPROVED on
/// recording, CAP-GROUP-SIZE against the offering). Nobody else.
pub const FEED_FOLLOWERS: &[&str] = &["vouchers", "attendance"];
const EDITORS: OnProvider = OnProvider::OwnUsersOr(
    COUNTY_ADMIN,
    "only the provider's own users and county administrators edit a provider",
);

/// The access table of the registry.
pub const fn rule(rpc: Rpc) -> Rule {
    use OnProvider::{Anyone, OwnUsersOr};
    let (roles, on_provider): (&'static [Role], OnProvider) = match rpc {
        Rpc::CreateProvider => (COUNTY_ADMIN, Anyone),
        Rpc::GetProvider => (EVERY_ROLE_AND_SERVICES, Anyone),
        Rpc::ListProviders => (EVERY_ROLE, Anyone),
        Rpc::SearchProviders | Rpc::CheckProviderForService => (EVERY_ROLE_AND_CLIENTS, Anyone),
        Rpc::UpdateProvider
        | Rpc::AddSite
        | Rpc::RemoveSite
        | Rpc::SetOffering
        | Rpc::RemoveOffering
        | Rpc::AddStaffMember
        | Rpc::RemoveStaffMember
        | Rpc::AddDocument
        | Rpc::RemoveDocument
        | Rpc::SetSoteriClasses => (EVERY_ROLE, EDITORS),
        // Whoever may edit the draft submits it or gives it up.
        Rpc::SubmitProvider | Rpc::DiscardProviderDraft => {
            (&[Role::ProviderUser, Role::CountyAdmin], EDITORS)
        }
        Rpc::ApproveProvider
        | Rpc::RejectProvider
        | Rpc::SuspendProvider
        | Rpc::ResumeProvider
        | Rpc::RevokeProvider
        | Rpc::ApproveBankDetails => (COUNTY_ADMIN, EDITORS),
        Rpc::ListProviderChanges => (SERVICES, Anyone),
        Rpc::ListProviderHistory => (
            EVERY_ROLE,
            OwnUsersOr(
                &[Role::CountyAdmin, Role::Auditor],
                "the history is for the county and the provider's own users",
            ),
        ),
    };
    Rule { roles, on_provider }
}

/// `PERMISSION_DENIED` unless the caller's role may call `rpc`.
pub fn may_call(caller: &Caller, rpc: Rpc) -> Result<(), AppError> {
    caller.require(rule(rpc).roles)
}

/// `PERMISSION_DENIED` unless the caller may act on provider `id` (which they may see)
/// through `rpc`.
pub fn may_act_on(caller: &Caller, rpc: Rpc, id: &str) -> Result<(), AppError> {
    match rule(rpc).on_provider {
        OnProvider::Anyone => Ok(()),
        OnProvider::OwnUsersOr(roles, _)
            if roles.contains(&caller.role) || caller.is_user_of(id) =>
        {
            Ok(())
        }
        OnProvider::OwnUsersOr(_, refusal) => Err(AppError::PermissionDenied(refusal.into())),
    }
}

/// `PERMISSION_DENIED` unless the caller may date an offering's price back, before today
/// (PROV-PRICE): `county_admin` only. A price dated back changes what the sessions delivered
/// since that day bill when they are not invoiced yet; a provider may not raise the price of
/// hours already delivered, the county may correct its registry (a price agreed on paper).
pub fn may_date_price_back(caller: &Caller) -> Result<(), AppError> {
    if caller.role == Role::CountyAdmin {
        Ok(())
    } else {
        Err(AppError::PermissionDenied(
            "only a county administrator sets a price in force from a day before today".into(),
        ))
    }
}

/// `PERMISSION_DENIED` unless the caller may record that the county accepted a staff member's
/// other social-science degree (PROV-STAFF-SOCIAL, case by case): `county_admin` only.
pub fn may_accept_degree(caller: &Caller) -> Result<(), AppError> {
    if caller.role == Role::CountyAdmin {
        Ok(())
    } else {
        Err(AppError::PermissionDenied(
            "only a county administrator accepts an other social-science degree".into(),
        ))
    }
}

/// What a provider's own user may change of its basic details (UpdateProvider), against what is
/// stored (`current`, in `state`): the county's supplier number never; the business id and
/// legal form not once the provider has been submitted (the county checked them). Returns the
/// details to store and, when the user asked for other bank details once submitted, the IBAN
/// and BIC to hold for the county's approval instead. The county's own roles change everything
/// directly.
pub fn owned_fields(
    caller: &Caller,
    state: ProviderState,
    current: &Details,
    mut requested: Details,
) -> Result<(Details, Option<(String, String)>), AppError> {
    if caller.role != Role::ProviderUser {
        return Ok((requested, None));
    }
    let submitted = state != ProviderState::Draft;
    let mut county_owned = Vec::new();
    if requested.supplier_number != current.supplier_number {
        county_owned.push("details.supplier_number");
    }
    if submitted && requested.business_id != current.business_id {
        county_owned.push("details.business_id");
    }
    if submitted && requested.legal_form != current.legal_form {
        county_owned.push("details.legal_form");
    }
    if !county_owned.is_empty() {
        return Err(AppError::PermissionDenied(format!(
            "the county's to change, not the provider's: {}",
            county_owned.join(", ")
        )));
    }
    let bank_changed = requested.iban != current.iban || requested.bic != current.bic;
    if submitted && bank_changed {
        let asked = (
            std::mem::replace(&mut requested.iban, current.iban.clone()),
            std::mem::replace(&mut requested.bic, current.bic.clone()),
        );
        return Ok((requested, Some(asked)));
    }
    Ok((requested, None))
}

/// Whether the caller may see provider `id` in `state`: county roles see all; a provider user
/// sees its own provider and approved ones; a client (the voucher holder) approved ones.
pub fn may_see(caller: &Caller, id: &str, state: ProviderState) -> bool {
    match caller.role {
        Role::ProviderUser => caller.is_user_of(id) || state == ProviderState::Approved,
        Role::Client => state == ProviderState::Approved,
        _ => true,
    }
}

/// Whether the caller may check provider `id` in `state` for a service
/// (CheckProviderForService): as [`may_see`], except that a client also checks a provider that
/// was approved and is now SUSPENDED or REVOKED, so that their choice of it is refused with
/// PROVIDER-NOT-APPROVED as a social worker's is (a draft, a submitted, rejected or discarded
/// provider stays NOT_FOUND to them: it was never public).
pub fn may_check(caller: &Caller, id: &str, state: ProviderState) -> bool {
    may_see(caller, id, state)
        || (caller.role == Role::Client
            && matches!(state, ProviderState::Suspended | ProviderState::Revoked))
}

/// What of provider `id` the caller sees: everything, except that another provider's user
/// and a client see no staff, documents, bank details, contact person, supplier number or
/// e-invoice address (see `wire::provider_view`): only what choosing and working beside a
/// provider needs — the name, business id, sites, services and prices.
pub fn detail(caller: &Caller, id: &str) -> Detail {
    let outsider = match caller.role {
        Role::ProviderUser => !caller.is_user_of(id),
        Role::Client => true,
        _ => false,
    };
    if outsider {
        Detail::Public
    } else {
        Detail::Full
    }
}

/// Whether a check of provider `id` for a service (CheckProviderForService) carries its
/// documents' kinds and dates (no file reference): for whoever sees them in full, and for a
/// client, whose own choice of the provider is checked against them (PROV-DOCS,
/// PROV-INSURANCE) exactly as a social worker's is.
pub fn sees_document_dates(caller: &Caller, id: &str) -> bool {
    detail(caller, id) == Detail::Full || caller.role == Role::Client
}

/// Which providers the caller's lists show.
pub fn listing(caller: &Caller) -> Visibility<'_> {
    match (caller.role, caller.provider_id.as_deref()) {
        (Role::ProviderUser, Some(own)) => Visibility::ApprovedAndOwn(own),
        _ => Visibility::All,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caller(role: Role, provider_id: Option<&str>) -> Caller {
        Caller {
            issuer: "test".into(),
            subject: "s".into(),
            role,
            provider_id: provider_id.map(str::to_owned),
            token: String::new(),
            team: None,
            substitute_reason: None,
            identity_code: None,
        }
    }

    #[test]
    fn the_table_names_every_rpc_of_the_contract() {
        let contract: Vec<String> = seteli_platform::testing::rpcs_of("seteli.providers.v1")
            .into_iter()
            .map(|r| r.method)
            .collect();
        let ours: Vec<&str> = Rpc::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(contract.len(), ours.len(), "{contract:?} vs {ours:?}");
        for name in &contract {
            assert!(ours.contains(&name.as_str()), "{name} has no access rule");
        }
    }

    #[test]
    fn a_provider_user_edits_only_its_own_provider() {
        let own = caller(Role::ProviderUser, Some("p1"));
        assert!(may_act_on(&own, Rpc::AddSite, "p1").is_ok());
        assert!(may_act_on(&own, Rpc::AddSite, "p2").is_err());
        assert!(may_call(&own, Rpc::ApproveProvider).is_err());
        assert!(may_call(&own, Rpc::SubmitProvider).is_ok());
        assert!(may_call(&own, Rpc::DiscardProviderDraft).is_ok());
        assert!(may_act_on(&own, Rpc::DiscardProviderDraft, "p2").is_err());
        assert!(may_call(&caller(Role::SocialWorker, None), Rpc::DiscardProviderDraft).is_err());
        assert!(!may_see(&own, "p2", ProviderState::Draft));
        assert!(may_see(&own, "p2", ProviderState::Approved));
        assert_eq!(detail(&own, "p2"), Detail::Public);
        assert_eq!(detail(&own, "p1"), Detail::Full);
        let worker = caller(Role::SocialWorker, None);
        assert!(may_act_on(&worker, Rpc::AddSite, "p1").is_err());
        assert!(may_act_on(&caller(Role::Auditor, None), Rpc::ListProviderHistory, "p1").is_ok());
        assert!(may_accept_degree(&own).is_err());
        assert!(may_accept_degree(&caller(Role::CountyAdmin, None)).is_ok());
    }

    #[test]
    fn a_client_searches_checks_and_reads_approved_providers_as_an_outsider() {
        let client = caller(Role::Client, None);
        for rpc in Rpc::ALL {
            let admitted = matches!(
                rpc,
                Rpc::GetProvider | Rpc::SearchProviders | Rpc::CheckProviderForService
            );
            assert_eq!(may_call(&client, rpc).is_ok(), admitted, "{}", rpc.name());
        }
        assert!(may_see(&client, "p1", ProviderState::Approved));
        for state in ProviderState::ALL {
            if state != ProviderState::Approved {
                assert!(!may_see(&client, "p1", state), "{state:?}");
            }
        }
        assert!(may_check(&client, "p1", ProviderState::Suspended));
        assert!(!may_check(&client, "p1", ProviderState::Draft));
        assert_eq!(detail(&client, "p1"), Detail::Public);
        assert!(sees_document_dates(&client, "p1"));
        let other = caller(Role::ProviderUser, Some("p2"));
        assert!(!sees_document_dates(&other, "p1"));
    }
}
