//! The activity figures of the vouchers valid in a period (ListVoucherActivity).

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use sqlx::{AnyConnection, Row};

/// One voucher's figures over a period (ListVoucherActivity).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityRow {
    /// The voucher.
    pub voucher_id: String,
    /// Its provider.
    pub provider_id: String,
    /// The service code.
    pub service_type: String,
    /// The voucher's state code.
    pub state: String,
    /// Units granted, hundredths.
    pub units_granted: i64,
    /// Units used in all, hundredths.
    pub units_used: i64,
    /// Units of the period's recorded regular sessions, hundredths.
    pub units_realised: i64,
    /// Regular sessions recorded in the period.
    pub sessions_realised: i64,
    /// No-shows in the period.
    pub no_shows: i64,
    /// Client cancellations before the day, in the period.
    pub cancelled_by_client: i64,
    /// Provider cancellations, in the period.
    pub cancelled_by_provider: i64,
    /// Absences in the period.
    pub absences: i64,
    /// Days with no service arranged, in the period.
    pub days_not_arranged: i64,
}

/// A page (by voucher id, after `after`) of the vouchers valid on some day of `from..=until`,
/// each with the period's session and absence counts (regular sessions only).
pub async fn voucher_activity(
    conn: &mut AnyConnection,
    from: NaiveDate,
    until: NaiveDate,
    after: &str,
    limit: i64,
) -> Result<Vec<ActivityRow>, AppError> {
    let rows = sqlx::query(
        "SELECT v.id, v.provider_id, v.service_type, v.state, v.units_granted, v.units_used, \
         CAST((SELECT COALESCE(SUM(s.units), 0) FROM sessions s WHERE s.voucher_id = v.id \
            AND s.kind = 'REGULAR' AND s.status = 'RECORDED' \
            AND s.session_date >= $1 AND s.session_date <= $2) AS BIGINT) AS units_realised, \
         (SELECT COUNT(*) FROM sessions s WHERE s.voucher_id = v.id AND s.kind = 'REGULAR' \
            AND s.status = 'RECORDED' AND s.session_date >= $1 AND s.session_date <= $2) \
            AS sessions_realised, \
         (SELECT COUNT(*) FROM sessions s WHERE s.voucher_id = v.id AND s.kind = 'REGULAR' \
            AND s.status = 'NO_SHOW' AND s.session_date >= $1 AND s.session_date <= $2) \
            AS no_shows, \
         (SELECT COUNT(*) FROM sessions s WHERE s.voucher_id = v.id AND s.kind = 'REGULAR' \
            AND s.status = 'CANCELLED_BY_CLIENT' AND s.session_date >= $1 \
            AND s.session_date <= $2) AS cancelled_by_client, \
         (SELECT COUNT(*) FROM sessions s WHERE s.voucher_id = v.id AND s.kind = 'REGULAR' \
            AND s.status = 'CANCELLED_BY_PROVIDER' AND s.session_date >= $1 \
            AND s.session_date <= $2) AS cancelled_by_provider, \
         (SELECT COUNT(*) FROM absences a WHERE a.voucher_id = v.id AND a.kind = 'ABSENT' \
            AND a.absence_date >= $1 AND a.absence_date <= $2) AS absences, \
         (SELECT COUNT(*) FROM absences a WHERE a.voucher_id = v.id AND a.kind = 'NOT_ARRANGED' \
            AND a.absence_date >= $1 AND a.absence_date <= $2) AS days_not_arranged \
         FROM vouchers v WHERE v.valid_from <= $2 AND v.valid_until >= $1 AND v.id > $3 \
         ORDER BY v.id LIMIT $4",
    )
    .bind(store_date(from))
    .bind(store_date(until))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(ActivityRow {
                voucher_id: r.try_get("id")?,
                provider_id: r.try_get("provider_id")?,
                service_type: r.try_get("service_type")?,
                state: r.try_get("state")?,
                units_granted: r.try_get("units_granted")?,
                units_used: r.try_get("units_used")?,
                units_realised: r.try_get("units_realised")?,
                sessions_realised: r.try_get("sessions_realised")?,
                no_shows: r.try_get("no_shows")?,
                cancelled_by_client: r.try_get("cancelled_by_client")?,
                cancelled_by_provider: r.try_get("cancelled_by_provider")?,
                absences: r.try_get("absences")?,
                days_not_arranged: r.try_get("days_not_arranged")?,
            })
        })
        .collect()
}
