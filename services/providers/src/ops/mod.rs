//! The registry's workflows, one module per capability: check the request (`wire`), authorise
//! (`access`), decide with `seteli_rules`, and change through the store. `api.rs` calls one
//! function here per RPC.
//!
//! Every change runs once per caller and `request_id` through `seteli_platform::change`: a
//! retry is answered from the store first (before authorisation against today's state and
//! before asking the vouchers service for prices), then one transaction claims the request id,
//! locks the provider's row before reading it, makes the change, records the provider's
//! history (and the audit log, for staff data) and stores the answer.
//!
//! - `registration`: the provider's record, its details and bank details, its history;
//! - `offerings`: places of service and offerings; `staff`: staff members; `documents`:
//!   documents and Soteri classes: each an edit through the one path of `edit`;
//! - `approval`: the approval state, the state RPCs from one table;
//! - `search`: choosing a provider near a point; `catalogue`: the public comparison from a
//!   municipality or a postal code area (no token, no personal data);
//! - `feed`: the change feed the registry publishes (ListProviderChanges), written by the
//!   changes of `registration`, `edit` and `approval` in their own transactions;
//! - `rules` and `common`: the rules chosen in one place, and what every change shares.

mod approval;
mod catalogue;
mod common;
mod documents;
mod edit;
mod feed;
mod offerings;
mod registration;
mod rules;
mod search;
mod staff;

pub use approval::{
    approve_provider, discard_provider_draft, reject_provider, resume_provider, revoke_provider,
    submit_provider, suspend_provider,
};
pub use catalogue::compare_providers;
pub use documents::{add_document, remove_document, set_soteri_classes};
pub use feed::{FEED_START, list_provider_changes, publish_unfed};
pub use offerings::{add_site, remove_offering, remove_site, set_offering};
pub use registration::{
    approve_bank_details, create_provider, get_provider, list_provider_history, list_providers,
    update_provider,
};
pub use search::{check_provider_for_service, search_providers};
pub use staff::{add_staff_member, remove_staff_member};
