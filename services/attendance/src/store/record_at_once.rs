//! RecordSession's write as one statement on PostgreSQL ([`record_session_at_once`]; the
//! platform's `seteli_platform::change::AtOnce`): its transaction (`BEGIN`, ten statements,
//! `COMMIT`) became one statement.
//!
//! Its parts, each writing only when the one before it did:
//!
//! 1. `locked_voucher`: the followed voucher, locked, as the decision read it (CAP-UNITS: the
//!    new count within the grant);
//! 2. `locked_client`: the client's lock, taken only when their sessions are at the version
//!    the decision read (no session, correction or absence of theirs landed since);
//! 3. `claimed`: the idempotency claim with its answer (a twin's claim fails the statement);
//! 4. `recorded`: the session; 5. `revised`: its history; 6. `audited`: the audit entry;
//! 7. `counted`: the units used and reserved; 8. `fed`: the usage feed's change.
//!
//! A guard that stops it leaves nothing written, and the change is made the transaction's way.

use chrono::NaiveDate;
use seteli_platform::AppResult;
use seteli_platform::auth::Caller;
use seteli_platform::statement::Binds;

use super::sessions::{Revision, history_insert, lock_client_part, session_insert};
use super::usage::{set_units_part, usage_change_part};
use super::vouchers::voucher_as_read_part;
use crate::model::{SessionRow, UnitCount, Voucher};

/// What a decided session write is: the voucher and the client's sessions as the decision
/// read them, and what it writes.
pub struct SessionAtOnce<'a> {
    /// The voucher as the decision read it.
    pub voucher: &'a Voucher,
    /// The version of the client's sessions the decision read (0: none yet).
    pub client_version: i64,
    /// The new session, as it will be stored.
    pub session: &'a SessionRow,
    /// The voucher's count with the new session.
    pub count: UnitCount,
    /// The voucher's first day with units used, with the new session.
    pub first_used_on: Option<NaiveDate>,
    /// The day of the count (today).
    pub counted_on: NaiveDate,
    /// Who records it.
    pub caller: &'a Caller,
    /// The request that records it (its history and audit entry name it).
    pub request_id: &'a str,
}

/// The statement that writes `w` whole, its values bound in `b`: `claim` gives the idempotency
/// claim's part and `audit` the audit entry's, each for a gate's name. Its main query answers
/// how many sessions it recorded (1, or 0 when a guard stopped it).
pub fn record_session_at_once(
    b: &mut Binds,
    w: &SessionAtOnce<'_>,
    claim: impl FnOnce(&mut Binds, &str) -> AppResult<String>,
    audit: impl FnOnce(&mut Binds, &str) -> String,
) -> AppResult<String> {
    let voucher = voucher_as_read_part(b, w.voucher, w.count);
    let client = lock_client_part(b, &w.voucher.client_id, w.client_version, "locked_voucher");
    let claimed = claim(b, "locked_client")?;
    let recorded = session_insert(b, w.session, "FROM claimed");
    let details = w.session.view.details.clone().unwrap_or_default();
    let revision = Revision {
        version: 1,
        action: "RECORDED",
        reason: "",
        details: &details,
    };
    let revised = history_insert(b, "id", &revision, w.caller, w.request_id, "FROM recorded");
    let audited = audit(b, "recorded");
    let counted = set_units_part(b, &w.voucher.id, w.count, w.counted_on, "recorded");
    let fed = usage_change_part(b, &w.voucher.id, w.count, w.first_used_on, "counted");
    Ok(format!(
        "WITH locked_voucher AS ({voucher}), locked_client AS ({client}), \
         claimed AS ({claimed}), recorded AS ({recorded} RETURNING id), \
         revised AS ({revised}), audited AS ({audited}), counted AS ({counted}), \
         fed AS ({fed}) \
         SELECT COUNT(*) FROM recorded"
    ))
}
