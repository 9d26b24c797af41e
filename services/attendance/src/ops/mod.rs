//! The attendance service's workflows, one module per capability: validate → decide with
//! `seteli_rules` → change through the store. `api.rs` calls one function re-exported here per
//! RPC; `jobs.rs` calls [`catch_up`].
//!
//! The capabilities, each using only those it names (and `common`), so never in a cycle:
//!
//! - `sessions` → admission, ledger, groups, voucher_feed: record, read, correct and void a session;
//! - `admission` → ledger: a session admitted by the rules crate (one record per hour among
//!   them), the no-show allowance, the units used recounted and published on the usage feed;
//! - `ledger` → alerts: the ledger as a whole (RULES.md §10): a day attended or missed,
//!   replacements, repeated absences;
//! - `cancellations` → sessions, admission, ledger, alerts: CancelSession, the no-show and its alerts;
//! - `absences` → alerts, ledger, voucher_feed: RecordAbsence, ListAbsences and their alerts;
//! - `groups` → alerts, voucher_feed: groups, enrolments, the start decision;
//! - `group_sessions` → sessions, cancellations, absences, voucher_feed: RecordGroupSession;
//! - `billing` → admission: the billable items and their invoicing;
//! - `alerts`: raising an alert, listing and resolving them, the alert feed;
//! - `usage` → admission: GetVoucherUsage, the usage feed, the recount as days pass;
//! - `activity`: the activity figures;
//! - `voucher_feed`: the followed copy of the vouchers, and the retry on an old view of one;
//! - `common`: the audit of client data, the rules' answers as errors and warnings.

mod absences;
mod activity;
mod admission;
mod alerts;
mod billing;
mod cancellations;
mod common;
mod group_sessions;
mod groups;
mod ledger;
mod sessions;
mod usage;
mod voucher_feed;

pub use absences::{list_absences, record_absence};
pub use activity::list_voucher_activity;
pub use alerts::{list_alert_changes, list_alerts, resolve_alert};
pub use billing::{list_billable_items, mark_items_invoiced};
pub use cancellations::cancel_session;
pub use group_sessions::record_group_session;
pub use groups::{
    cancel_group, create_group, delay_group_start, enrol_client, get_group, list_groups,
    withdraw_enrolment,
};
pub use sessions::{correct_session, get_session, list_sessions, record_session, void_session};
pub use usage::{get_voucher_usage, list_usage_changes, recount_due};
pub use voucher_feed::{catch_up, get_feed_status};
