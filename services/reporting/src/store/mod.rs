//! SQL of the reporting service, returning model types. Portable over SQLite and PostgreSQL.
//!
//! Cut by the same capabilities as [`crate::ops`]: the followed vouchers (`vouchers`), report
//! obligations and their reports (`reports`), notices (`notices`), Kela absence notices
//! (`kela`), the follow-up's figures (`followup`), delivery with the closing checklist
//! (`delivery`) and the client feedback (`feedback`); what they share (stored codes and dates, actors, the aggregate macro) is in
//! `common`. Every function is used as `store::x`.

mod common;
mod delivery;
mod feedback;
mod followup;
mod kela;
mod notices;
mod reports;
mod vouchers;

pub use delivery::{
    add_mark, earlier_sections, load_closing_voucher, mark_closing_item, voucher_marks,
};
pub use feedback::{feedback_given, feedback_sums, insert_feedback};
pub use followup::{DueReport, reports_due_between, voucher_clients};
pub use kela::{
    insert_kela_sent, kela_sent, load_service_start, started_ktt_vouchers, upsert_service_start,
};
pub use notices::{
    NoticeFilter, count_notices, insert_notice, list_notices, load_notice,
    save_notice_acknowledgement,
};
pub use reports::{
    ObligationFilter, drop_obligation, list_obligations, load_obligation, owe, save_report,
    voucher_obligations,
};
pub use vouchers::{is_continued, load_voucher, upsert_voucher};
