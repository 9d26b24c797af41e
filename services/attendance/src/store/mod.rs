//! SQL of the attendance service. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Concurrency without read-then-write races:
//! - every change of a voucher's sessions locks the voucher row first
//!   ([`seteli_platform::change::Change::apply_to`]) and then the client's row in
//!   `client_locks` ([`lock_client`]), so the checks over the client's sessions run one
//!   after the other; the units used move with one conditional `UPDATE … WHERE $n <=
//!   units_granted` ([`set_units`]);
//! - the voucher feed's cursor row is locked by an `UPDATE … RETURNING` before a page is
//!   applied (`seteli_platform::feed::Cursor::lock`), and a voucher is upserted only when its change is newer than
//!   the one it has ([`upsert_voucher`]): a change is applied exactly once;
//! - alerts are raised once per occasion (a unique `dedup_key`);
//! - the usage and alert feeds take no shared lock on PostgreSQL: a change is numbered by its
//!   transaction's id and readers stop below the oldest transaction still running
//!   ([`USAGE_FEED`], `seteli_platform::feed::published`).
//!
//! Cut by the capabilities of `ops`: `vouchers` (the followed copy), `sessions` (with the
//! client's lock), `usage` (the units used and the usage feed), `billing`, `absences`, `alerts`
//! (with the alert feed), `groups`, `activity`; re-exported here, so a caller writes `store::x`.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::parse_stored_date;

mod absences;
mod activity;
mod alerts;
mod billing;
mod groups;
mod record_at_once;
mod sessions;
mod usage;
mod vouchers;

pub use absences::{insert_absence, list_absences, voucher_absences};
pub use activity::{ActivityRow, voucher_activity};
pub use alerts::{
    ALERT_FEED, AlertFilter, append_alert_change, insert_alert, list_alert_changes, list_alerts,
    load_alert, resolve_alert,
};
pub use billing::{billable_vouchers, mark_invoiced, release_invoiced};
pub use groups::{
    cancel_group, closed_group_start, delay_group, enrol, group_enrolments, insert_group,
    list_groups, load_group, touch_group, withdraw,
};
pub use record_at_once::{SessionAtOnce, record_session_at_once};
pub use sessions::{
    SessionDecisionReads, SessionFilter, all_voucher_sessions, append_history, cancel_at_end,
    correct_session, history, insert_session, link_replacement, list_sessions, load_session,
    lock_client, recorded_session, session_decision_reads, set_status, voucher_sessions_between,
};
pub use usage::{
    USAGE_FEED, append_usage_change, clients_of_usage_changes, list_usage_changes, set_units,
    set_units_if_moved, units_now, vouchers_to_recount,
};
pub use vouchers::{client_vouchers, load_voucher, record_approved_month, upsert_voucher};

fn opt_stored_date(s: Option<String>) -> Result<Option<NaiveDate>, AppError> {
    s.map(|d| parse_stored_date(&d)).transpose()
}
