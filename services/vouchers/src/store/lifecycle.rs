//! The life cycle's transitions: the client's choice of provider, the provider's acceptance or
//! decline, the start, completion, interruption and cancellation.
//!
//! Each transition returns whether its conditional UPDATE changed the voucher; `false` means it
//! was not in a state (or assignment) that allows the change.

use chrono::NaiveDate;
use seteli_platform::AppError;
use sqlx::AnyConnection;

use super::common::VoucherUpdate;
use crate::model::{DeclineReasonKind, EndReasonKind, StartDates};

/// The client's choice of provider, as ChooseProvider records it.
#[derive(Debug, Clone)]
pub struct Choice {
    /// The provider.
    pub provider_id: String,
    /// Its name.
    pub provider_name: String,
    /// Distance from the client's home to its nearest place of service that counts, km.
    pub distance_km: f64,
    /// The day of the choice (PROC-START counts from it).
    pub chosen_on: NaiveDate,
    /// A start date agreed at the choice.
    pub agreed_start_on: Option<NaiveDate>,
}

/// ISSUED: records the client's choice of provider (replacing a pending one).
pub async fn choose_provider(
    conn: &mut AnyConnection,
    id: &str,
    choice: &Choice,
) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .text("provider_id", &choice.provider_id)
        .text("provider_name", &choice.provider_name)
        .real("provider_distance_km", choice.distance_km)
        .date("provider_chosen_on", Some(choice.chosen_on))
        .date("agreed_start_on", choice.agreed_start_on)
        .constant("declined_reason = ''")
        .constant("declined_reason_kind = ''")
        .only_if("state = 'ISSUED'")
        .apply(conn, id)
        .await
}

/// ISSUED with `provider_id` chosen → ASSIGNED: the contract made `on`, the coach (if named)
/// named then.
pub async fn accept(
    conn: &mut AnyConnection,
    id: &str,
    provider_id: &str,
    coach: &str,
    steward_notified_on: Option<NaiveDate>,
    on: NaiveDate,
) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .constant("state = 'ASSIGNED'")
        .text("responsible_coach", coach)
        .date("steward_notified_on", steward_notified_on)
        .date("accepted_on", Some(on))
        .date("coach_named_on", (!coach.is_empty()).then_some(on))
        .only_if("state = 'ISSUED'")
        .only_if_text("provider_id", provider_id)
        .apply(conn, id)
        .await
}

/// ISSUED with `provider_id` chosen: clears the choice, recording why (its code and text).
pub async fn decline(
    conn: &mut AnyConnection,
    id: &str,
    provider_id: &str,
    kind: DeclineReasonKind,
    reason: &str,
) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .constant("provider_id = NULL")
        .constant("provider_name = ''")
        .constant("provider_distance_km = 0.0")
        .constant("provider_chosen_on = NULL")
        .constant("agreed_start_on = NULL")
        .text("declined_reason", reason)
        .text("declined_reason_kind", kind.code())
        .only_if("state = 'ISSUED'")
        .only_if_text("provider_id", provider_id)
        .apply(conn, id)
        .await
}

/// ASSIGNED → ACTIVE `on`, with the responsible coach and the steward notice as the start
/// checklist saw them.
pub async fn start(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
    coach: &str,
    dates: &StartDates,
) -> Result<bool, AppError> {
    VoucherUpdate::started(on)
        .text("responsible_coach", coach)
        .date("coach_named_on", dates.coach_named_on)
        .date("steward_notified_on", dates.steward_notified_on)
        .apply(conn, id)
        .await
}

/// KTT-STEWARD on an accepted (ASSIGNED) or ACTIVE voucher whose first work day is not
/// realised yet (no units used, as attendance counts them): records or replaces the steward
/// notice, nothing else.
pub async fn record_steward_notice(
    conn: &mut AnyConnection,
    id: &str,
    steward_notified_on: NaiveDate,
) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .date("steward_notified_on", Some(steward_notified_on))
        .only_if("state IN ('ASSIGNED', 'ACTIVE')")
        .only_if("units_used = 0")
        .apply(conn, id)
        .await
}

/// ACTIVE → COMPLETED.
pub async fn complete(conn: &mut AnyConnection, id: &str, on: NaiveDate) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .constant("state = 'COMPLETED'")
        .date("ended_on", Some(on))
        .only_if("state = 'ACTIVE'")
        .apply(conn, id)
        .await
}

/// Ends the voucher `on` with why (its code and text): INTERRUPTED from ASSIGNED or ACTIVE
/// (PROC-INTERRUPT), CANCELLED from ISSUED or ASSIGNED (before the service started).
pub async fn end(
    conn: &mut AnyConnection,
    id: &str,
    ending: Ending,
    on: NaiveDate,
    kind: EndReasonKind,
    reason: &str,
) -> Result<bool, AppError> {
    let (to, from) = match ending {
        Ending::Interrupted => ("state = 'INTERRUPTED'", "state IN ('ASSIGNED', 'ACTIVE')"),
        Ending::Cancelled => ("state = 'CANCELLED'", "state IN ('ISSUED', 'ASSIGNED')"),
    };
    VoucherUpdate::new()
        .constant(to)
        .date("ended_on", Some(on))
        .text("end_reason", reason)
        .text("end_reason_kind", kind.code())
        .only_if(from)
        .apply(conn, id)
        .await
}

/// How a voucher ends before it is completed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// PROC-INTERRUPT: the service stops early.
    Interrupted,
    /// Before the service started.
    Cancelled,
}
