//! Who may call what in the billing service, and which invoices they see: one table.
//!
//! | RPC | roles |
//! | --- | --- |
//! | GenerateInvoice | county admin; provider's user (own provider) |
//! | GetInvoice, ListInvoices, ExportInvoice | county admin, auditor, provider's user (own provider), finance system (approved invoices only) |
//! | SubmitInvoice | provider's user (own provider) |
//! | ApproveInvoice, ReturnInvoice | county admin |
//! | ListApprovedInvoices, StreamApprovedInvoices, AcknowledgeInvoices | finance system |
//! | RecordPayment | finance system, county admin |
//!
//! Another provider's invoice, and for the financial system an invoice not approved yet,
//! answers `NOT_FOUND`: its existence is not the caller's business. Social workers have no
//! business with invoices. No invoice holds client data (a line names the voucher number).
//! The financial system gets what an invoice must carry: the lines (voucher number, units,
//! price, amount) and the SK no-show report, but not the items of a line, whose dates say when
//! the voucher's client came to a session ([`sees_items`]).

use seteli_platform::auth::{Caller, Role};

use crate::model::InvoiceRow;

/// Who generates a month's invoice.
pub const GENERATORS: &[Role] = &[Role::CountyAdmin, Role::ProviderUser];
/// Who reads invoices (each within [`may_see`]).
pub const READERS: &[Role] = &[
    Role::CountyAdmin,
    Role::Auditor,
    Role::ProviderUser,
    Role::FinanceSystem,
];
/// Who submits invoices.
pub const SUBMITTERS: &[Role] = &[Role::ProviderUser];
/// Who approves and returns invoices.
pub const APPROVERS: &[Role] = &[Role::CountyAdmin];
/// Who pulls and acknowledges approved invoices.
pub const PULLERS: &[Role] = &[Role::FinanceSystem];
/// Who records payments.
pub const PAYERS: &[Role] = &[Role::FinanceSystem, Role::CountyAdmin];

/// Whether `caller` may know invoice `i` exists.
pub fn may_see(caller: &Caller, i: &InvoiceRow) -> bool {
    match caller.role {
        Role::ProviderUser => caller.is_user_of(&i.provider_id),
        Role::CountyAdmin | Role::Auditor => true,
        Role::FinanceSystem => i.state.is_approved(),
        Role::SocialWorker | Role::Service | Role::Client => false,
    }
}

/// Whether `caller` acts for provider `provider_id` (a user of it, or the county).
pub fn may_act_for(caller: &Caller, provider_id: &str) -> bool {
    match caller.role {
        Role::ProviderUser => caller.is_user_of(provider_id),
        Role::CountyAdmin => true,
        _ => false,
    }
}

/// The provider a provider's user is confined to (`None` for county roles).
pub fn own_provider(caller: &Caller) -> Option<String> {
    (caller.role == Role::ProviderUser).then(|| caller.provider_id.clone().unwrap_or_default())
}

/// Whether `caller` reads the items of a line (the sessions billed, with their dates): everyone
/// who reads invoices but the financial system, which needs only the invoice.
pub fn sees_items(caller: &Caller) -> bool {
    caller.role != Role::FinanceSystem
}
