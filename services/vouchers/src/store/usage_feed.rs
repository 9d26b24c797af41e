//! The units used as attendance's usage feed reports them: the count itself, the voucher's usage
//! version (so older news is skipped) and the start the first units make.
//!
//! Each transition returns whether its conditional UPDATE changed the voucher; `false` means it
//! was not in a state (or assignment) that allows the change.

use chrono::NaiveDate;
use seteli_platform::AppError;
use sqlx::AnyConnection;

use super::common::VoucherUpdate;
use crate::model::VoucherState;

/// Sets the units used and reserved as attendance counts them (its usage feed), at usage
/// version `usage_version` (0: a change without one, set whatever the voucher shows), in one
/// statement; answers the voucher's state after, or `None` when nothing changed: no such
/// voucher, a usage version as new shown already, or these very units. Attendance never lets
/// the two exceed the grant (CAP-UNITS is admitted there).
pub async fn set_units(
    conn: &mut AnyConnection,
    id: &str,
    (used, reserved): (i64, i64),
    usage_version: i64,
) -> Result<Option<VoucherState>, AppError> {
    let mut update = VoucherUpdate::new()
        .int("units_used", used)
        .int("units_reserved", reserved);
    if usage_version > 0 {
        update = update
            .int("usage_version", usage_version)
            .only_if_below("usage_version", usage_version);
    }
    update
        .only_if_any_differs(&[("units_used", used), ("units_reserved", reserved)])
        .apply_returning_state(conn, id)
        .await
}

/// Moves voucher `id`'s usage version up to `version` (attendance's `UsageChange.
/// usage_version`); `false` when the voucher already has that version or a newer one: the
/// change is older than what it shows.
pub async fn advance_usage_version(
    conn: &mut AnyConnection,
    id: &str,
    version: i64,
) -> Result<bool, AppError> {
    let moved =
        sqlx::query("UPDATE vouchers SET usage_version = $2 WHERE id = $1 AND usage_version < $2")
            .bind(id)
            .bind(version)
            .execute(&mut *conn)
            .await?
            .rows_affected();
    Ok(moved > 0)
}

/// ASSIGNED → ACTIVE `on` because attendance reports the first units used (the service has
/// started); with `unless_seen`, only while the voucher shows an older usage version than that
/// (a change a newer one supersedes: not older news itself). `false` when the voucher is not
/// ASSIGNED (already started, or ended) or has seen that version.
pub async fn start_by_usage(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
    unless_seen: Option<i64>,
) -> Result<bool, AppError> {
    let mut update = VoucherUpdate::started(on);
    if let Some(version) = unless_seen.filter(|v| *v > 0) {
        update = update.only_if_below("usage_version", version);
    }
    update.apply(conn, id).await
}
