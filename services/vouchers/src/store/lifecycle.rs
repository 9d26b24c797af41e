//! The life cycle's transitions: the client's choice of provider, the provider's acceptance or
//! decline, the start, completion, interruption and cancellation.
//!
//! Each transition returns whether its conditional UPDATE changed the voucher; `false` means it
//! was not in a state (or assignment) that allows the change.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use seteli_platform::db::now_micros;
use sqlx::AnyConnection;

use super::common::changed;
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET provider_id = $2, provider_name = $3, provider_distance_km = $4, \
             provider_chosen_on = $5, agreed_start_on = $6, declined_reason = '', \
             declined_reason_kind = '', version = version + 1, updated_at = $7 WHERE id = $1 AND state = 'ISSUED'",
        )
        .bind(id)
        .bind(&choice.provider_id)
        .bind(&choice.provider_name)
        .bind(choice.distance_km)
        .bind(store_date(choice.chosen_on))
        .bind(choice.agreed_start_on.map(store_date))
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'ASSIGNED', responsible_coach = $3, \
             steward_notified_on = $4, accepted_on = $5, coach_named_on = $6, \
             version = version + 1, updated_at = $7 \
             WHERE id = $1 AND state = 'ISSUED' AND provider_id = $2",
        )
        .bind(id)
        .bind(provider_id)
        .bind(coach)
        .bind(steward_notified_on.map(store_date))
        .bind(store_date(on))
        .bind((!coach.is_empty()).then(|| store_date(on)))
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET provider_id = NULL, provider_name = '', \
             provider_distance_km = 0.0, provider_chosen_on = NULL, agreed_start_on = NULL, \
             declined_reason = $3, declined_reason_kind = $5, version = version + 1, \
             updated_at = $4 WHERE id = $1 AND state = 'ISSUED' AND provider_id = $2",
        )
        .bind(id)
        .bind(provider_id)
        .bind(reason)
        .bind(now_micros())
        .bind(kind.code())
        .execute(&mut *conn)
        .await,
    )
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'ACTIVE', started_on = $2, responsible_coach = $3, \
             coach_named_on = $4, steward_notified_on = $5, version = version + 1, \
             updated_at = $6 WHERE id = $1 AND state = 'ASSIGNED'",
        )
        .bind(id)
        .bind(store_date(on))
        .bind(coach)
        .bind(dates.coach_named_on.map(store_date))
        .bind(dates.steward_notified_on.map(store_date))
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET steward_notified_on = $2, version = version + 1, \
             updated_at = $3 WHERE id = $1 AND state IN ('ASSIGNED', 'ACTIVE') \
             AND units_used = 0",
        )
        .bind(id)
        .bind(store_date(steward_notified_on))
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
    .await
}

/// ACTIVE → COMPLETED.
pub async fn complete(conn: &mut AnyConnection, id: &str, on: NaiveDate) -> Result<bool, AppError> {
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'COMPLETED', ended_on = $2, version = version + 1, \
             updated_at = $3 WHERE id = $1 AND state = 'ACTIVE'",
        )
        .bind(id)
        .bind(store_date(on))
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
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
        Ending::Interrupted => ("INTERRUPTED", "'ASSIGNED', 'ACTIVE'"),
        Ending::Cancelled => ("CANCELLED", "'ISSUED', 'ASSIGNED'"),
    };
    let sql = format!(
        "UPDATE vouchers SET state = '{to}', ended_on = $2, end_reason = $3, \
         end_reason_kind = $5, version = version + 1, updated_at = $4 \
         WHERE id = $1 AND state IN ({from})"
    );
    changed(
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(id)
            .bind(store_date(on))
            .bind(reason)
            .bind(now_micros())
            .bind(kind.code())
            .execute(&mut *conn)
            .await,
    )
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
