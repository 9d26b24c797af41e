//! Issuing a voucher: the client's issue lock and the facts a decision is checked against, the
//! client's other vouchers (VOUCHER-EXTENSION), the year's voucher number and the new ISSUED
//! voucher with its recorded decision.

use seteli_platform::AppError;
use seteli_platform::convert::{parse_stored_date, store_date, store_message};
use seteli_platform::db::now_micros;
use seteli_rules::ServiceType;
use sqlx::AnyConnection;

use crate::model::{ClientFacts, DecisionInput, Evaluated, ExistingVoucher, VoucherState};

/// Takes the client's issue lock (see the module doc) and returns the facts a decision is
/// checked against, or `None` when there is no such client.
pub async fn lock_client_for_issue(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ClientFacts>, AppError> {
    let row: Option<(String, String)> = sqlx::query_as(
        "UPDATE clients SET issue_lock = issue_lock + 1 WHERE id = $1 \
         RETURNING birth_date, home_municipality",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(birth, municipality)| {
        Ok(ClientFacts {
            birth_date: parse_stored_date(&birth)?,
            municipality,
        })
    })
    .transpose()
}

/// Every voucher of a client, for VOUCHER-EXTENSION.
pub async fn client_vouchers(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Vec<ExistingVoucher>, AppError> {
    let rows: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT id, service_type, valid_from, valid_until, state FROM vouchers WHERE client_id = $1",
    )
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, service, from, until, state) in rows {
        let Some(service) = ServiceType::from_code(&service) else {
            continue;
        };
        let state = VoucherState::parse(&state)?;
        out.push(ExistingVoucher {
            id,
            service,
            valid_from: parse_stored_date(&from)?,
            valid_until: parse_stored_date(&until)?,
            held: VoucherState::HELD.contains(&state),
        });
    }
    Ok(out)
}

/// The next voucher number of `year`, e.g. `PS-2026-000123`: an upsert of the year's counter.
pub async fn next_voucher_number(conn: &mut AnyConnection, year: i32) -> Result<String, AppError> {
    let (n,): (i64,) = sqlx::query_as(
        "INSERT INTO voucher_counters (name, value) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET value = voucher_counters.value + 1 RETURNING value",
    )
    .bind(format!("voucher_number:{year}"))
    .fetch_one(&mut *conn)
    .await?;
    Ok(format!("PS-{year}-{n:06}"))
}

/// Inserts a new ISSUED voucher.
pub async fn insert_voucher(
    conn: &mut AnyConnection,
    id: &str,
    number: &str,
    d: &DecisionInput,
    e: &Evaluated,
    (issued_by, issued_by_team): (&str, &str),
) -> Result<(), AppError> {
    let now = now_micros();
    sqlx::query(
        "INSERT INTO vouchers (id, voucher_number, client_id, service_type, state, decision_date, \
         valid_from, valid_until, units_granted, units_used, weekly_cap, unit_price_cents, \
         value_cents, rulebook_code, rulebook_version, rulebook_effective_from, \
         distance_exemption, continues_voucher_id, decision, provider_id, provider_name, \
         provider_distance_km, responsible_coach, steward_notified_on, declined_reason, \
         started_on, ended_on, end_reason, issued_by, version, created_at, updated_at, \
         issued_by_team) \
         VALUES ($1, $2, $3, $4, 'ISSUED', $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, NULL, '', 0.0, '', NULL, '', NULL, NULL, '', $18, 1, $19, $19, $20)",
    )
    .bind(id)
    .bind(number)
    .bind(&d.client_id)
    .bind(d.service.code())
    .bind(store_date(d.decision_date))
    .bind(store_date(d.valid_from))
    .bind(store_date(d.valid_until))
    .bind(d.units)
    .bind(e.weekly_cap)
    .bind(e.unit_price_cents)
    .bind(e.value_cents)
    .bind(e.rulebook_code)
    .bind(e.rulebook_version)
    .bind(store_date(e.rulebook_effective_from))
    .bind(i64::from(d.distance_exemption))
    .bind(d.continues.clone())
    .bind(store_message(&d.recorded))
    .bind(issued_by)
    .bind(now)
    .bind(issued_by_team)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
