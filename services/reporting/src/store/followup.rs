//! The follow-up's figures: the owed obligations due in a period, and whose the followed
//! vouchers are (to count the clients behind a figure).

use std::collections::HashMap;

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_rules::ServiceType;
use sqlx::AnyConnection;

use super::common::corrupt;
use crate::model::ReportState;
use seteli_platform::convert::stored_service;

/// An owed obligation as the follow-up counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    /// The service.
    pub service: ServiceType,
    /// The provider.
    pub provider_id: String,
    /// The client (counted, never shown: small cells are suppressed).
    pub client_id: String,
    /// Due date.
    pub due_on: NaiveDate,
    /// Handed in (submitted or acknowledged).
    pub handed_in: bool,
    /// Submitted after its due date.
    pub late: bool,
}

/// The owed obligations due within `from..=until`.
pub async fn reports_due_between(
    conn: &mut AnyConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<DueReport>, AppError> {
    let rows: Vec<(String, String, String, String, String, i64)> = sqlx::query_as(
        "SELECT service_type, provider_id, client_id, due_on, report_state, late \
         FROM obligations \
         WHERE active = 1 AND due_on >= $1 AND due_on <= $2",
    )
    .bind(store_date(from))
    .bind(store_date(until))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(service, provider_id, client_id, due, state, late)| {
            let state =
                ReportState::from_code(&state).ok_or_else(|| corrupt("report state", &state))?;
            Ok(DueReport {
                service: stored_service(&service)?,
                provider_id,
                client_id,
                due_on: parse_stored_date(&due)?,
                handed_in: state.handed_in(),
                late: late != 0,
            })
        })
        .collect()
}

/// The client of every followed voucher, by voucher id.
pub async fn voucher_clients(
    conn: &mut AnyConnection,
) -> Result<HashMap<String, String>, AppError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, client_id FROM vouchers")
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows.into_iter().collect())
}
