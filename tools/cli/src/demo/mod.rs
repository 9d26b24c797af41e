//! `seteli demo` (`make demo`): one realistic month of the voucher journey, against the running
//! platform, through the same calls the commands make.
//!
//! The platform runs on the real clock, so the dates are chosen relative to today: the month
//! walked is last month (closed, so it can be invoiced). Three providers (two associations
//! offering KTT individual coaching and SK group coaching, one company offering KTT individual
//! coaching only, as KTT-COMPANY allows) are registered and approved; five clients get
//! vouchers — KTT vouchers whose three months end a week from today (so their interim report,
//! REP-INTERIM, due three weeks before the end, is overdue), SK group vouchers of the two
//! months that ended with last month (their final report, REP-FINAL, is owed). Last month's
//! sessions are recorded, with:
//!
//! - a session the rules refuse (an SK group session of 3.5 h: CAP-SESSION-LENGTH), its rule
//!   and Finnish message shown;
//! - a no-show (the client did not come: BILL-NO-SHOW, billable once a month);
//! - a provider's cancellation with its replacement session (BILL-PROVIDER-CANCEL);
//! - a KTT absence for Kela (ABS-KELA: own illness);
//!
//! then reports are written and submitted (one KTT interim report left overdue), invoices
//! generated, submitted and approved, and pulled by the financial system, whose Finvoice 3.0
//! and UBL files are written under `--out`, with the submitted reports' PDFs and the KTT
//! clients' Kela absence notices of last month. Every name and identity code is made up; every
//!
//! One module per phase, in the order `month` walks them: `setup` (ceiling prices, providers),
//! `vouchers` (clients and their vouchers), `sessions` (the month's sessions and their
//! exceptions), `reports` (reports, Kela notices), `invoices` (invoices, the financial system's
//! pull); beneath them `made_up` (names, identity codes, places) and `summary` (what the demo
//! did, as JSON and tables).

mod invoices;
mod made_up;
mod month;
mod reports;
mod sessions;
mod setup;
mod summary;
mod vouchers;

pub use month::{Options, run};
pub use summary::{DemoProvider, DemoSession, DemoVoucher, Rejected, Summary};
