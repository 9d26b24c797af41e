//! SQL of the voucher service, one module per capability as in [`crate::ops`]: clients, ceiling
//! prices, issuing (decisions), vouchers, the life cycle's transitions, the units used from
//! attendance's usage feed, the expiry sweep and the published change feed; counters and the
//! ended states are in `common`. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Concurrency without read-then-write:
//! - every voucher transition is one conditional `UPDATE … WHERE state IN (…)`; zero rows
//!   means another change won, and the caller answers FAILED_PRECONDITION;
//! - the units used are attendance's count, set from its usage feed; the feed's cursor row
//!   is locked by an `UPDATE … RETURNING` before a page is applied
//!   (`seteli_platform::feed::Cursor::lock`), so a change is applied exactly once;
//! - counters (voucher numbers, price recording order) are one `UPDATE … RETURNING` (or an
//!   upsert) inside the transaction that uses them; the counter row stays locked until commit,
//!   so their order is commit order;
//! - the change feed takes no shared lock on PostgreSQL: a change is numbered by its
//!   transaction's id and readers stop below the oldest transaction still running
//!   ([`VOUCHER_FEED`], `seteli_platform::feed::published`);
//! - issuing a voucher first bumps the client's `issue_lock` (a row lock on PostgreSQL; SQLite
//!   serialises writers), so two decisions for one client check overlaps one after the other.

mod clients;
mod common;
mod decisions;
mod lifecycle;
mod prices;
mod sweep;
mod usage_feed;
mod voucher_feed;
mod vouchers;

pub use clients::{
    client_has_ktt_voucher_with, client_has_voucher_with, client_id_by_identity_code, in_caseload,
    insert_client, list_clients, load_client, update_client,
};
pub use common::bump_counter;
pub use decisions::{client_vouchers, insert_voucher, lock_client_for_issue, next_voucher_number};
pub use lifecycle::{
    Choice, Ending, accept, choose_provider, complete, decline, end, record_steward_notice, start,
};
pub use prices::{PriceRow, count_prices, insert_price, list_prices, price_on};
pub use sweep::sweep;
pub use usage_feed::{advance_usage_version, set_units, start_by_usage};
pub use voucher_feed::{VOUCHER_FEED, append_change, list_changes};
pub use vouchers::{
    VoucherFilter, VoucherRow, list_vouchers, load_voucher, load_voucher_by_number,
};
