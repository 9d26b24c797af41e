//! The reporting service's workflows, one module per capability: validate → decide with
//! `seteli_rules` → change through the store. `api.rs` calls one function re-exported here per
//! RPC; `jobs.rs` runs the two feed followers the app keeps, which apply each change through
//! `voucher_feed` and `alert_feed`; [`catch_up`] and [`catch_up_alerts`] catch up on demand.
//!
//! The capabilities, each using only those it names (and `common`), so never in a cycle:
//!
//! - `voucher_feed`: the followed vouchers and all a change of one means here
//!   (obligations derived again, the Kela service start, PROC-INTERRUPT notices), the on-demand
//!   catch-up, GetFeedStatus;
//! - `alert_feed`: attendance's alerts for the social worker, followed into notices;
//! - `reports` → holder, voucher_feed: obligations and the reports' workflow (REP-*);
//! - `delivery` → reports, voucher_feed: the printed report, delivery marks (REP-DELIVERY) and
//!   the closing checklist (REP-FEEDBACK, ARCHIVE);
//! - `notices` → voucher_feed: what the provider's user tells (NOTIFY-CHANGE,
//!   PROV-DAMAGE-NOTICE) and the social worker's inbox;
//! - `kela` → voucher_feed: Kela's absence notices (ABS-KELA);
//! - `followup`: the county's follow-up of a period, as data and CSV;
//! - `holder` → voucher_feed: a client's own voucher, as the voucher service confirms it (a
//!   call on the request's path, deliberately: only it knows whose a voucher is);
//! - `feedback` → holder, followup, voucher_feed: the county's client feedback form
//!   (REP-FEEDBACK), its answers and their summary;
//! - `common`: the audit entry of a report, a report's view with its delivery marks, every page
//!   of another service's listing, and when a notice was told and due.

mod alert_feed;
mod common;
mod delivery;
mod feedback;
mod followup;
mod holder;
mod kela;
mod notices;
mod reports;
mod voucher_feed;

pub use alert_feed::catch_up_alerts;
pub use delivery::{
    get_closing_checklist, get_report_pdf, mark_client_copy_given, mark_closing_item,
    mark_delivered_to_county,
};
pub use feedback::{get_client_feedback_form, get_client_feedback_summary, submit_client_feedback};
pub use followup::{export_follow_up_csv, get_follow_up};
pub use kela::{get_kela_notice, get_kela_notice_pdf, list_kela_notices, mark_kela_notice_sent};
pub use notices::{TellRequest, acknowledge_notice, get_notice, list_notices, notify};
pub use reports::{
    acknowledge_report, get_report, list_obligations, request_revision, save_report_draft,
    submit_report,
};
pub use voucher_feed::{catch_up, get_feed_status};
