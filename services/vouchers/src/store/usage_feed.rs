//! The units used as attendance's usage feed reports them: the count itself, the voucher's usage
//! version (so older news is skipped) and the start the first units make.
//!
//! Each transition returns whether its conditional UPDATE changed the voucher; `false` means it
//! was not in a state (or assignment) that allows the change.

use chrono::NaiveDate;
use seteli_platform::AppError;
use sqlx::AnyConnection;

use super::common::VoucherUpdate;

/// Sets the units used and reserved as attendance counts them (its usage feed); `false` when
/// there is no such voucher. Attendance never lets the two exceed the grant (CAP-UNITS is
/// admitted there).
pub async fn set_units(
    conn: &mut AnyConnection,
    id: &str,
    used: i64,
    reserved: i64,
) -> Result<bool, AppError> {
    VoucherUpdate::new()
        .int("units_used", used)
        .int("units_reserved", reserved)
        .apply(conn, id)
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
/// started). `false` when the voucher is not ASSIGNED (already started, or ended).
pub async fn start_by_usage(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
) -> Result<bool, AppError> {
    VoucherUpdate::started(on).apply(conn, id).await
}
