//! The calls the client makes, one function per step of the journey, each through the
//! generated gRPC clients with the token of the role that takes the step. The commands print
//! what these return; `seteli demo` strings them together.
//!
//! One module per thing acted on: `providers`, `vouchers` (clients, prices, vouchers),
//! `attendance` (sessions, absences, usage), `reports` (reports, Kela notices),
//! `invoices`; beneath them `calling` (how a step calls a service) and `convert` (dates
//! and units); `waiting` for the feeds between services.

mod attendance;
mod calling;
mod convert;
mod invoices;
mod providers;
mod reports;
mod vouchers;
mod waiting;

pub use attendance::{
    cancel_session, list_absences, list_alerts, list_sessions, record_absence, record_session,
    usage,
};
pub use convert::{date, naive, today};
pub use invoices::{
    Pulled, approve_invoice, export_invoice, format_name, generate_invoice, get_invoice,
    invoice_number, list_invoices, pull_invoices, submit_invoice,
};
pub use providers::{
    ProviderSpec, approve_provider, discard_provider, get_provider, lacking, list_providers,
    provider_by_business_id, register_provider, submit_provider,
};
pub use reports::{
    get_report, kela_notice_pdf, list_kela_notices, list_notices, list_obligations,
    mark_kela_notice_sent, report_pdf, save_report, submit_report, voucher_as_lister, write_file,
};
pub use vouchers::{
    accept_voucher, add_client, cancel_voucher, ceiling_price, choose_provider, decision,
    decline_voucher, get_voucher, interrupt_voucher, issue_voucher, list_clients, list_vouchers,
    set_ceiling_price,
};
pub use waiting::{eventually, listed};
