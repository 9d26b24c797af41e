//! The voucher service's workflows: validate → decide with `seteli_rules` → change through the
//! store, one module per capability: clients, ceiling prices, service decisions, reading
//! vouchers, the voucher holder as a user (`holders`: matched by identity code, comparing
//! providers from home), the life cycle, the units used (attendance's usage feed), the published change
//! feed and the expiry sweep; what several of them share (the client audit, the feed entry) is
//! in `common`. Each function is re-exported here: `api.rs` calls one per RPC as `ops::x`,
//! `jobs.rs` calls the sweep and the usage follower.
//!
//! Every change runs through [`seteli_platform::change::Change`]: once per `request_id`, in one
//! transaction that locks the voucher before reading it, writes the audit entry for the client
//! and appends to the change feed.

mod clients;
mod common;
mod decisions;
mod holders;
mod lifecycle;
mod prices;
mod sweep;
mod usage_feed;
mod voucher_feed;
mod vouchers;

pub use clients::{create_client, get_client, list_clients, update_client};
pub use decisions::issue_voucher;
pub use holders::{UNLIMITED_SEARCH_KM, compare_providers_for_voucher};
pub use lifecycle::{
    accept_voucher, cancel_voucher, choose_provider, complete_voucher, decline_voucher,
    interrupt_voucher, start_voucher,
};
pub use prices::{get_ceiling_price, list_ceiling_prices, seed_prices, set_ceiling_price};
pub use sweep::{
    SWEEP_BATCH, SweepOutcome, expire_vouchers, sweep_in_batches, sweep_once, sweep_with_grace,
};
pub use usage_feed::{catch_up_usage, record_units_used};
pub use voucher_feed::list_voucher_changes;
pub use vouchers::{get_voucher, list_vouchers};
