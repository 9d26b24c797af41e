//! The billing service's workflows, one module per capability: validate → decide with
//! `seteli_rules` (through [`crate::plan`]) → change through the store. `api.rs` calls one
//! function here per RPC; `jobs.rs` calls [`mark_pending`].
//!
//! - `generation`: a provider's invoice and credit note of a closed month, from what
//!   `upstream` asks of the other services, written by `documents`;
//! - `marking`: telling `attendance` which items were invoiced, approved or (returned) released,
//!   and the retry of it;
//! - `regeneration`: a month generated again once the county returned one of its documents;
//! - `reads`: reading invoices and exporting one as an e-invoice;
//! - `states`: submit, approve, return, record the payment;
//! - `pull`: the financial system's pull and its acknowledgement.

mod documents;
mod generation;
mod marking;
mod pull;
mod reads;
mod regeneration;
mod states;
mod upstream;

// Where they were before `app.rs` (the benchmark names them so).
pub use crate::app::{
    App, Buyer, DEFAULT_ATTENDANCE_URL, DEFAULT_PROVIDERS_URL, DEFAULT_VOUCHERS_URL, Settings,
};
pub use generation::{MonthFacts, generate_invoice, write_month};
pub use marking::mark_pending;
pub use pull::{
    ApprovedStream, acknowledge_invoices, list_approved_invoices, stream_approved_invoices,
};
pub use reads::{export_invoice, get_invoice, list_invoices};
pub use states::{approve_invoice, record_payment, return_invoice, submit_invoice};
pub use upstream::cached_terms;
