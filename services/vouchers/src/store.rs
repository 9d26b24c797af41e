//! SQL of the voucher service. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Concurrency without read-then-write:
//! - every voucher transition is one conditional `UPDATE … WHERE state IN (…)`; zero rows
//!   means another change won, and the caller answers FAILED_PRECONDITION;
//! - the units used are attendance's count, set from its usage feed; the feed's cursor row
//!   is locked by an `UPDATE … RETURNING` before a page is applied (`seteli_platform::feed::Cursor::lock`), so a
//!   change is applied exactly once;
//! - counters (voucher numbers, price recording order) are one `UPDATE … RETURNING` (or an
//!   upsert) inside the transaction that uses them; the counter row stays locked until commit,
//!   so their order is commit order;
//! - the change feed takes no shared lock on PostgreSQL: a change is numbered by its
//!   transaction's id and readers stop below the oldest transaction still running
//!   ([`VOUCHER_FEED`], `seteli_platform::feed::published`);
//! - issuing a voucher first bumps the client's `issue_lock` (a row lock on PostgreSQL; SQLite
//!   serialises writers), so two decisions for one client check overlaps one after the other.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use prost::Message;
use seteli_api::common::v1::{Actor, Coordinates};
use seteli_api::vouchers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{parse_stored_date, store_date, to_date, to_money, to_service_type};
use seteli_platform::db::{new_id, now_micros};
use seteli_platform::feed::PublishedFeed;
use seteli_rules::ServiceType;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use seteli_platform::change::Aggregate;
use seteli_platform::convert::PbEnum;

use crate::model::{
    self, ChangeKind, ClientFacts, ClientInput, DecisionInput, Evaluated, ExistingVoucher,
    StartDates, VoucherState,
};

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

// ------------------------------------------------------------------------------ counters

/// Adds `by` to a counter and returns its new value (the row stays locked until commit).
pub async fn bump_counter(conn: &mut AnyConnection, name: &str, by: i64) -> Result<i64, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE voucher_counters SET value = value + $2 WHERE name = $1 RETURNING value",
    )
    .bind(name)
    .bind(by)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(v,)| v)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("counter {name} is missing")))
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

// ------------------------------------------------------------------------------ clients

const CLIENT_COLUMNS: &str = "id, identity_code, identity_code_masked, name, home_municipality, \
    home_latitude, home_longitude, contact_phone, contact_email, contact_address, version, \
    created_at, updated_at";

fn client_from_row(r: &AnyRow) -> Result<pb::Client, AppError> {
    Ok(pb::Client {
        id: r.try_get("id")?,
        identity_code: r.try_get("identity_code")?,
        identity_code_masked: r.try_get("identity_code_masked")?,
        name: r.try_get("name")?,
        home_municipality: r.try_get("home_municipality")?,
        home_coordinates: Some(Coordinates {
            latitude: r.try_get("home_latitude")?,
            longitude: r.try_get("home_longitude")?,
        }),
        contact: Some(pb::ClientContact {
            phone: r.try_get("contact_phone")?,
            email: r.try_get("contact_email")?,
            postal_address: r.try_get("contact_address")?,
        }),
        version: r.try_get("version")?,
        created_at_micros: r.try_get("created_at")?,
        updated_at_micros: r.try_get("updated_at")?,
    })
}

const DUPLICATE_CLIENT: &str = "a client with this identity code is already registered";

/// Inserts a client; ALREADY_EXISTS when the identity code is registered.
pub async fn insert_client(
    conn: &mut AnyConnection,
    id: &str,
    c: &ClientInput,
) -> Result<(), AppError> {
    let now = now_micros();
    let result = sqlx::query(
        "INSERT INTO clients (id, identity_code, identity_code_masked, birth_date, name, \
         home_municipality, home_latitude, home_longitude, contact_phone, contact_email, \
         contact_address, version, issue_lock, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, 0, $12, $12) \
         ON CONFLICT (identity_code) DO NOTHING",
    )
    .bind(id)
    .bind(&c.identity_code)
    .bind(&c.identity_code_masked)
    .bind(store_date(c.birth_date))
    .bind(&c.name)
    .bind(&c.home_municipality)
    .bind(c.latitude)
    .bind(c.longitude)
    .bind(&c.contact.phone)
    .bind(&c.contact.email)
    .bind(&c.contact.postal_address)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(AppError::AlreadyExists(DUPLICATE_CLIENT.into()));
    }
    Ok(())
}

/// Replaces a client's details; `false` when there is no such client.
pub async fn update_client(
    conn: &mut AnyConnection,
    id: &str,
    c: &ClientInput,
) -> Result<bool, AppError> {
    let result = sqlx::query(
        "UPDATE clients SET identity_code = $2, identity_code_masked = $3, birth_date = $4, \
         name = $5, home_municipality = $6, home_latitude = $7, home_longitude = $8, \
         contact_phone = $9, contact_email = $10, contact_address = $11, \
         version = version + 1, updated_at = $12 WHERE id = $1",
    )
    .bind(id)
    .bind(&c.identity_code)
    .bind(&c.identity_code_masked)
    .bind(store_date(c.birth_date))
    .bind(&c.name)
    .bind(&c.home_municipality)
    .bind(c.latitude)
    .bind(c.longitude)
    .bind(&c.contact.phone)
    .bind(&c.contact.email)
    .bind(&c.contact.postal_address)
    .bind(now_micros())
    .execute(&mut *conn)
    .await;
    match result {
        Ok(r) => Ok(r.rows_affected() > 0),
        Err(e) if is_unique_violation(&e) => Err(AppError::AlreadyExists(DUPLICATE_CLIENT.into())),
        Err(e) => Err(e.into()),
    }
}

/// Loads a client with everything (county view), or `None`.
pub async fn load_client(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<pb::Client>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM clients WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(client_from_row).transpose()
}

/// Whether `provider_id` is the chosen provider of any voucher of the client that has not
/// ended, or ended on or after `ended_on_or_after`.
pub async fn client_has_voucher_with(
    conn: &mut AnyConnection,
    client_id: &str,
    provider_id: &str,
    ended_on_or_after: NaiveDate,
) -> Result<bool, AppError> {
    let row: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM vouchers WHERE client_id = $1 AND provider_id = $2 \
         AND (state NOT IN ({ENDED_STATES}) OR COALESCE(ended_on, valid_until) >= $3) LIMIT 1"
    )))
    .bind(client_id)
    .bind(provider_id)
    .bind(store_date(ended_on_or_after))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// A page of clients by name after the cursor `(name, id)`, optionally one identity code.
pub async fn list_clients(
    conn: &mut AnyConnection,
    identity_code: &str,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<pb::Client>, AppError> {
    let (after_name, after_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM clients WHERE ($1 = '' OR identity_code = $1) \
         AND (name > $2 OR (name = $2 AND id > $3)) ORDER BY name, id LIMIT $4"
    )))
    .bind(identity_code)
    .bind(after_name)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(client_from_row).collect()
}

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

// ------------------------------------------------------------------------------ prices

const PRICE_COLUMNS: &str = "id, service_type, effective_from, unit_price_cents, seq, \
    recorded_at, actor_subject, actor_role, organisation";

/// A ceiling price row with its recording order.
#[derive(Debug, Clone)]
pub struct PriceRow {
    /// The contract view.
    pub price: pb::CeilingPrice,
    /// Service code.
    pub service: String,
    /// Effective date as stored.
    pub effective_from: String,
    /// Recording order.
    pub seq: i64,
    /// Price in cents.
    pub cents: i64,
}

fn price_from_row(r: &AnyRow) -> Result<PriceRow, AppError> {
    let service: String = r.try_get("service_type")?;
    let effective_from: String = r.try_get("effective_from")?;
    let cents: i64 = r.try_get("unit_price_cents")?;
    Ok(PriceRow {
        price: pb::CeilingPrice {
            id: r.try_get("id")?,
            service_type: ServiceType::from_code(&service)
                .map(to_service_type)
                .unwrap_or_default(),
            effective_from: Some(to_date(parse_stored_date(&effective_from)?)),
            unit_price: Some(to_money(cents)),
            recorded_at_micros: r.try_get("recorded_at")?,
            recorded_by: Some(Actor {
                subject: r.try_get("actor_subject")?,
                role: r.try_get("actor_role")?,
                organisation: r.try_get("organisation")?,
            }),
        },
        service,
        effective_from,
        seq: r.try_get("seq")?,
        cents,
    })
}

/// Records a ceiling price (never overwrites).
pub async fn insert_price(
    conn: &mut AnyConnection,
    caller: &Caller,
    request_id: &str,
    service: ServiceType,
    effective_from: NaiveDate,
    cents: i64,
) -> Result<PriceRow, AppError> {
    let seq = bump_counter(conn, "ceiling_price", 1).await?;
    let id = new_id();
    sqlx::query(
        "INSERT INTO ceiling_prices (id, service_type, effective_from, unit_price_cents, seq, \
         recorded_at, actor_subject, actor_role, organisation, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&id)
    .bind(service.code())
    .bind(store_date(effective_from))
    .bind(cents)
    .bind(seq)
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE id = $1"
    )))
    .bind(&id)
    .fetch_one(&mut *conn)
    .await?;
    price_from_row(&row)
}

/// The ceiling price of `service` in force on `on`: the latest effective date on or before it,
/// and for equal dates the latest recorded.
pub async fn price_on(
    conn: &mut AnyConnection,
    service: ServiceType,
    on: NaiveDate,
) -> Result<Option<PriceRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE service_type = $1 AND effective_from <= $2 \
         ORDER BY effective_from DESC, seq DESC LIMIT 1"
    )))
    .bind(service.code())
    .bind(store_date(on))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(price_from_row).transpose()
}

/// A page of the price history by service, effective date and recording order, after the
/// cursor `(service, effective_from, seq)`.
pub async fn list_prices(
    conn: &mut AnyConnection,
    service: Option<ServiceType>,
    after: Option<(String, String, i64)>,
    limit: i64,
) -> Result<Vec<PriceRow>, AppError> {
    let (a_service, a_date, a_seq) = after.unwrap_or((String::new(), String::new(), 0));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PRICE_COLUMNS} FROM ceiling_prices WHERE ($1 = '' OR service_type = $1) \
         AND (service_type > $2 OR (service_type = $2 AND (effective_from > $3 \
              OR (effective_from = $3 AND seq > $4)))) \
         ORDER BY service_type, effective_from, seq LIMIT $5"
    )))
    .bind(service.map(|s| s.code()).unwrap_or_default())
    .bind(a_service)
    .bind(a_date)
    .bind(a_seq)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(price_from_row).collect()
}

// ------------------------------------------------------------------------------ vouchers

const VOUCHER_SELECT: &str = "SELECT v.id, v.voucher_number, v.client_id, v.service_type, \
    v.state, v.decision_date, v.valid_from, v.valid_until, v.units_granted, v.units_used, \
    v.weekly_cap, v.unit_price_cents, v.value_cents, v.rulebook_code, v.rulebook_version, \
    v.rulebook_effective_from, v.decision, v.provider_id, v.provider_name, \
    v.provider_distance_km, v.responsible_coach, v.steward_notified_on, v.declined_reason, \
    v.started_on, v.ended_on, v.end_reason, v.version, v.created_at, v.updated_at, \
    v.provider_chosen_on, v.agreed_start_on, v.accepted_on, v.coach_named_on, \
    c.name AS client_name, c.identity_code_masked AS client_masked \
    FROM vouchers v JOIN clients c ON c.id = v.client_id";

/// A voucher as stored.
#[derive(Debug, Clone)]
pub struct VoucherRow {
    /// Id.
    pub id: String,
    /// Client id.
    pub client_id: String,
    /// Service.
    pub service: ServiceType,
    /// State.
    pub state: VoucherState,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_until: NaiveDate,
    /// Units granted, hundredths.
    pub units_granted: i64,
    /// Units used, hundredths.
    pub units_used: i64,
    /// The chosen provider (pending acceptance while ISSUED), if any.
    pub chosen_provider: Option<String>,
    /// The responsible coach named, or empty.
    pub responsible_coach: String,
    /// The dates of the start checklist.
    pub start: StartDates,
    /// The full contract view (county).
    pub view: pb::Voucher,
}

fn opt_date(s: Option<String>) -> Result<Option<seteli_api::common::v1::Date>, AppError> {
    s.map(|d| parse_stored_date(&d).map(to_date)).transpose()
}

fn opt_naive(r: &AnyRow, column: &str) -> Result<Option<NaiveDate>, AppError> {
    r.try_get::<Option<String>, _>(column)?
        .map(|d| parse_stored_date(&d))
        .transpose()
}

fn voucher_from_row(r: &AnyRow) -> Result<VoucherRow, AppError> {
    let service_code: String = r.try_get("service_type")?;
    let service = ServiceType::from_code(&service_code).ok_or_else(|| {
        AppError::Internal(anyhow::anyhow!("unknown stored service {service_code:?}"))
    })?;
    let state = VoucherState::parse(&r.try_get::<String, _>("state")?)?;
    let valid_from = parse_stored_date(&r.try_get::<String, _>("valid_from")?)?;
    let valid_until = parse_stored_date(&r.try_get::<String, _>("valid_until")?)?;
    let granted: i64 = r.try_get("units_granted")?;
    let used: i64 = r.try_get("units_used")?;
    let weekly: Option<i64> = r.try_get("weekly_cap")?;
    let decision_b64: String = r.try_get("decision")?;
    let decision = STANDARD
        .decode(decision_b64)
        .ok()
        .and_then(|b| pb::ServiceDecision::decode(b.as_slice()).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored decision is corrupt")))?;
    let provider_id: Option<String> = r.try_get("provider_id")?;
    let start = StartDates {
        provider_chosen_on: opt_naive(r, "provider_chosen_on")?,
        agreed_start_on: opt_naive(r, "agreed_start_on")?,
        accepted_on: opt_naive(r, "accepted_on")?,
        coach_named_on: opt_naive(r, "coach_named_on")?,
        steward_notified_on: opt_naive(r, "steward_notified_on")?,
        started_on: opt_naive(r, "started_on")?,
    };
    let view = pb::Voucher {
        id: r.try_get("id")?,
        voucher_number: r.try_get("voucher_number")?,
        client: Some(pb::ClientSummary {
            client_id: r.try_get("client_id")?,
            name: r.try_get("client_name")?,
            identity_code_masked: r.try_get("client_masked")?,
        }),
        decision: Some(decision),
        state: state.to_pb(),
        rulebook: Some(pb::RulebookVersion {
            code: r.try_get("rulebook_code")?,
            version: r.try_get("rulebook_version")?,
            effective_from: Some(to_date(parse_stored_date(
                &r.try_get::<String, _>("rulebook_effective_from")?,
            )?)),
        }),
        unit_price: Some(to_money(r.try_get("unit_price_cents")?)),
        value: Some(to_money(r.try_get("value_cents")?)),
        units_granted: Some(model::to_units(granted)),
        units_used: Some(model::to_units(used)),
        units_left: Some(model::to_units(granted - used)),
        weekly_cap: weekly.map(model::to_units),
        provider_id: provider_id.clone().unwrap_or_default(),
        provider_name: r.try_get("provider_name")?,
        provider_distance_km: r.try_get("provider_distance_km")?,
        responsible_coach: r.try_get("responsible_coach")?,
        steward_notified_on: start.steward_notified_on.map(to_date),
        declined_reason: r.try_get("declined_reason")?,
        started_on: start.started_on.map(to_date),
        ended_on: opt_date(r.try_get("ended_on")?)?,
        end_reason: r.try_get("end_reason")?,
        version: r.try_get("version")?,
        created_at_micros: r.try_get("created_at")?,
        updated_at_micros: r.try_get("updated_at")?,
        provider_chosen_on: start.provider_chosen_on.map(to_date),
        agreed_start_on: start.agreed_start_on.map(to_date),
        accepted_on: start.accepted_on.map(to_date),
    };
    Ok(VoucherRow {
        id: view.id.clone(),
        client_id: view
            .client
            .as_ref()
            .map(|c| c.client_id.clone())
            .unwrap_or_default(),
        service,
        state,
        valid_from,
        valid_until,
        units_granted: granted,
        units_used: used,
        chosen_provider: provider_id,
        responsible_coach: view.responsible_coach.clone(),
        start,
        view,
    })
}

/// Inserts a new ISSUED voucher.
pub async fn insert_voucher(
    conn: &mut AnyConnection,
    id: &str,
    number: &str,
    d: &DecisionInput,
    e: &Evaluated,
    issued_by: &str,
) -> Result<(), AppError> {
    let now = now_micros();
    sqlx::query(
        "INSERT INTO vouchers (id, voucher_number, client_id, service_type, state, decision_date, \
         valid_from, valid_until, units_granted, units_used, weekly_cap, unit_price_cents, \
         value_cents, rulebook_code, rulebook_version, rulebook_effective_from, \
         distance_exemption, continues_voucher_id, decision, provider_id, provider_name, \
         provider_distance_km, responsible_coach, steward_notified_on, declined_reason, \
         started_on, ended_on, end_reason, issued_by, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, 'ISSUED', $5, $6, $7, $8, 0, $9, $10, $11, $12, $13, $14, $15, \
         $16, $17, NULL, '', 0.0, '', NULL, '', NULL, NULL, '', $18, 1, $19, $19)",
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
    .bind(STANDARD.encode(d.recorded.encode_to_vec()))
    .bind(issued_by)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl Aggregate for VoucherRow {
    const TABLE: &'static str = "vouchers";
    const KIND: &'static str = "voucher";
    fn load<'c>(
        conn: &'c mut AnyConnection,
        id: &'c str,
    ) -> impl std::future::Future<Output = Result<Option<Self>, AppError>> + Send + 'c {
        load_voucher(conn, id)
    }
}

/// How many ceiling prices are recorded.
pub async fn count_prices(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ceiling_prices")
        .fetch_one(&mut *conn)
        .await?;
    Ok(count)
}

/// Loads a voucher by id, or `None`.
pub async fn load_voucher(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<VoucherRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VOUCHER_SELECT} WHERE v.id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

/// Loads a voucher by its number, or `None`.
pub async fn load_voucher_by_number(
    conn: &mut AnyConnection,
    number: &str,
) -> Result<Option<VoucherRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VOUCHER_SELECT} WHERE v.voucher_number = $1"
    )))
    .bind(number)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

/// Filters of a voucher listing (empty strings: no filter).
#[derive(Debug, Clone, Default)]
pub struct VoucherFilter {
    /// Client id.
    pub client_id: String,
    /// Provider id.
    pub provider_id: String,
    /// State code.
    pub state: String,
    /// Last valid day on or after this date.
    pub valid_on_or_after: String,
    /// First valid day on or before this date.
    pub valid_on_or_before: String,
    /// Ended vouchers only when they ended on or after this date (`""`: all).
    pub ended_on_or_after: String,
}

/// A page of vouchers, newest first, after the cursor `(created_at, id)`.
pub async fn list_vouchers(
    conn: &mut AnyConnection,
    f: &VoucherFilter,
    before: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<VoucherRow>, AppError> {
    let (at, id) = before.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{VOUCHER_SELECT} WHERE ($1 = '' OR v.client_id = $1) AND ($2 = '' OR v.provider_id = $2) \
         AND ($3 = '' OR v.state = $3) AND ($4 = '' OR v.valid_until >= $4) \
         AND ($5 = '' OR v.valid_from <= $5) \
         AND (v.created_at < $6 OR (v.created_at = $6 AND v.id < $7)) \
         AND ($9 = '' OR v.state NOT IN ({ENDED_STATES}) \
              OR COALESCE(v.ended_on, v.valid_until) >= $9) \
         ORDER BY v.created_at DESC, v.id DESC LIMIT $8"
    )))
    .bind(&f.client_id)
    .bind(&f.provider_id)
    .bind(&f.state)
    .bind(&f.valid_on_or_after)
    .bind(&f.valid_on_or_before)
    .bind(at)
    .bind(id)
    .bind(limit)
    .bind(&f.ended_on_or_after)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(voucher_from_row).collect()
}

/// The states in which a voucher's service has ended, as SQL (access::ENDED).
const ENDED_STATES: &str = "'COMPLETED', 'INTERRUPTED', 'CANCELLED', 'EXPIRED'";

// ------------------------------------------------------------------------------ transitions
//
// Each returns whether the conditional UPDATE changed the voucher; `false` means it was not in
// a state (or assignment) that allows the change.

async fn changed(r: Result<sqlx::any::AnyQueryResult, sqlx::Error>) -> Result<bool, AppError> {
    Ok(r?.rows_affected() > 0)
}

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
             version = version + 1, updated_at = $7 WHERE id = $1 AND state = 'ISSUED'",
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

/// ISSUED with `provider_id` chosen: clears the choice.
pub async fn decline(
    conn: &mut AnyConnection,
    id: &str,
    provider_id: &str,
    reason: &str,
) -> Result<bool, AppError> {
    changed(
        sqlx::query(
            "UPDATE vouchers SET provider_id = NULL, provider_name = '', \
             provider_distance_km = 0.0, provider_chosen_on = NULL, agreed_start_on = NULL, \
             declined_reason = $3, version = version + 1, \
             updated_at = $4 WHERE id = $1 AND state = 'ISSUED' AND provider_id = $2",
        )
        .bind(id)
        .bind(provider_id)
        .bind(reason)
        .bind(now_micros())
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

/// Sets the units used as attendance counts them (its usage feed); `false` when there is no
/// such voucher. Attendance never exceeds the grant (CAP-UNITS is admitted there).
pub async fn set_units_used(
    conn: &mut AnyConnection,
    id: &str,
    used: i64,
) -> Result<bool, AppError> {
    changed(
        sqlx::query(
            "UPDATE vouchers SET units_used = $2, version = version + 1, updated_at = $3 \
             WHERE id = $1",
        )
        .bind(id)
        .bind(used)
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
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
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'ACTIVE', started_on = $2, version = version + 1, \
             updated_at = $3 WHERE id = $1 AND state = 'ASSIGNED'",
        )
        .bind(id)
        .bind(store_date(on))
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

/// ASSIGNED or ACTIVE → INTERRUPTED (PROC-INTERRUPT).
pub async fn interrupt(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'INTERRUPTED', ended_on = $2, end_reason = $3, \
             version = version + 1, updated_at = $4 \
             WHERE id = $1 AND state IN ('ASSIGNED', 'ACTIVE')",
        )
        .bind(id)
        .bind(store_date(on))
        .bind(reason)
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
    .await
}

/// ISSUED or ASSIGNED → CANCELLED.
pub async fn cancel(
    conn: &mut AnyConnection,
    id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    changed(
        sqlx::query(
            "UPDATE vouchers SET state = 'CANCELLED', ended_on = $2, end_reason = $3, \
             version = version + 1, updated_at = $4 \
             WHERE id = $1 AND state IN ('ISSUED', 'ASSIGNED')",
        )
        .bind(id)
        .bind(store_date(on))
        .bind(reason)
        .bind(now_micros())
        .execute(&mut *conn)
        .await,
    )
    .await
}

/// The sweep: vouchers whose last valid day is before `as_of` expire (ISSUED, ASSIGNED, or
/// ACTIVE unused) or complete (ACTIVE with units used). Returns (expired ids, completed ids).
pub async fn sweep(
    conn: &mut AnyConnection,
    as_of: NaiveDate,
    limit: i64,
) -> Result<(Vec<String>, Vec<String>), AppError> {
    let now = now_micros();
    // Each transition takes at most `limit` vouchers (the oldest ids first), so a sweep after
    // a long pause commits in small transactions instead of one that locks every due row.
    const UNUSED: &str = "valid_until < $1 \
         AND (state IN ('ISSUED', 'ASSIGNED') OR (state = 'ACTIVE' AND units_used = 0))";
    const USED: &str = "valid_until < $1 AND state = 'ACTIVE' AND units_used > 0";
    let mut ids = Vec::new();
    for (state, due) in [("EXPIRED", UNUSED), ("COMPLETED", USED)] {
        // Only the two constant clauses above are formatted in: no input reaches the text.
        let changed: Vec<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "UPDATE vouchers SET state = '{state}', ended_on = valid_until, version = version + 1, \
             updated_at = $2 WHERE {due} \
             AND id IN (SELECT id FROM vouchers WHERE {due} ORDER BY id LIMIT $3) \
             RETURNING id"
        )))
        .bind(store_date(as_of))
        .bind(now)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?;
        let mut changed: Vec<String> = changed.into_iter().map(|(i,)| i).collect();
        changed.sort();
        ids.push(changed);
    }
    let completed = ids.pop().unwrap_or_default();
    let expired = ids.pop().unwrap_or_default();
    Ok((expired, completed))
}

// ------------------------------------------------------------------------------ change feed
//
// How the feed is numbered and read without a shared counter row on either backend, so that a
// reader resuming after the last sequence it saw never misses a change:
// `seteli_platform::feed::published`.

/// The voucher feed: `voucher_changes`, its PostgreSQL offset in `voucher_counters`.
pub const VOUCHER_FEED: PublishedFeed = PublishedFeed {
    table: "voucher_changes",
    counters: "voucher_counters",
    offset: "voucher_feed_xid_offset",
};

/// The columns a change is stored with, after `sequence`.
const CHANGE_COLUMNS: &str = "voucher_id, provider_id, kind, occurred_at, actor_subject, \
     actor_role, organisation, request_id, snapshot";

/// Appends a change of `v` (as it is after the change) to the feed and returns its sequence
/// (no lock is taken on PostgreSQL). The change belongs to `v`'s chosen provider, or, when the
/// change cleared it (a decline), to `previous_provider`.
pub async fn append_change(
    conn: &mut AnyConnection,
    v: &VoucherRow,
    snapshot: &pb::Voucher,
    previous_provider: Option<&str>,
    kind: ChangeKind,
    caller: &Caller,
    request_id: &str,
) -> Result<i64, AppError> {
    VOUCHER_FEED
        .append(conn, CHANGE_COLUMNS, |query| {
            query
                .bind(&v.id)
                .bind(
                    v.chosen_provider
                        .as_deref()
                        .or(previous_provider)
                        .map(str::to_owned),
                )
                .bind(kind.code())
                .bind(now_micros())
                .bind(&caller.subject)
                .bind(caller.role.as_str())
                .bind(caller.organisation())
                .bind(request_id)
                .bind(STANDARD.encode(snapshot.encode_to_vec()))
        })
        .await
}

/// Changes after `after`, oldest first, optionally only of one provider's vouchers; only
/// settled ones on PostgreSQL ([`PublishedFeed::read_page`]).
pub async fn list_changes(
    conn: &mut AnyConnection,
    after: i64,
    provider_id: &str,
    limit: i64,
) -> Result<Vec<pb::VoucherChange>, AppError> {
    type ChangeRecord = (i64, String, i64, String, String, String, String);
    let rows = VOUCHER_FEED
        .read_page(
            conn,
            after,
            limit,
            |settled| {
                // Only the constant condition is formatted in: no input reaches the SQL text.
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT sequence, kind, occurred_at, actor_subject, actor_role, \
                     organisation, snapshot FROM voucher_changes \
                     WHERE sequence > $1 AND ($2 = '' OR provider_id = $2) \
                     {settled} ORDER BY sequence LIMIT $3"
                )))
                .bind(after)
                .bind(provider_id)
                .bind(limit)
            },
            |r: &ChangeRecord| r.0,
        )
        .await?;
    rows.into_iter()
        .map(
            |(sequence, kind, at, subject, role, organisation, snapshot)| {
                let voucher = STANDARD
                    .decode(snapshot)
                    .ok()
                    .and_then(|b| pb::Voucher::decode(b.as_slice()).ok())
                    .ok_or_else(|| {
                        AppError::Internal(anyhow::anyhow!("stored change is corrupt"))
                    })?;
                Ok(pb::VoucherChange {
                    sequence,
                    kind: ChangeKind::parse(&kind)
                        .map(PbEnum::to_pb)
                        .unwrap_or_default(),
                    occurred_at_micros: at,
                    actor: Some(Actor {
                        subject,
                        role,
                        organisation,
                    }),
                    voucher: Some(voucher),
                })
            },
        )
        .collect()
}

// ------------------------------------------------------------------------------ usage feed
