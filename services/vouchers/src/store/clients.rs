//! Clients as stored: registering and updating them (one identity code, one client), reading
//! one or a page by name, and whether a provider serves (or lately served) a client.

use chrono::NaiveDate;
use seteli_api::common::v1::Coordinates;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::store_date;
use seteli_platform::db::now_micros;
use seteli_platform::identity::Caseload;
use seteli_platform::paging::Paging;
use seteli_platform::statement::AnyQuery;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::common::ENDED_STATES;
use crate::model::ClientInput;

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

fn is_unique_violation(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(d) if d.is_unique_violation())
}

/// Binds `$1` to `$11`, the id and the client's details in the order both writes name them.
fn bind_client<'q>(query: AnyQuery<'q>, id: &'q str, c: &'q ClientInput) -> AnyQuery<'q> {
    query
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
}

/// Inserts a client; ALREADY_EXISTS when the identity code is registered.
pub async fn insert_client(
    conn: &mut AnyConnection,
    id: &str,
    c: &ClientInput,
    created_by: &str,
    created_by_team: &str,
) -> Result<(), AppError> {
    let now = now_micros();
    let result = bind_client(
        sqlx::query(
            "INSERT INTO clients (id, identity_code, identity_code_masked, birth_date, name, \
         home_municipality, home_latitude, home_longitude, contact_phone, contact_email, \
         contact_address, version, issue_lock, created_at, updated_at, created_by, \
         created_by_team) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 1, 0, $12, $12, $13, $14) \
         ON CONFLICT (identity_code) DO NOTHING",
        ),
        id,
        c,
    )
    .bind(now)
    .bind(created_by)
    .bind(created_by_team)
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
    let result = bind_client(
        sqlx::query(
            "UPDATE clients SET identity_code = $2, identity_code_masked = $3, birth_date = $4, \
         name = $5, home_municipality = $6, home_latitude = $7, home_longitude = $8, \
         contact_phone = $9, contact_email = $10, contact_address = $11, \
         version = version + 1, updated_at = $12 WHERE id = $1",
        ),
        id,
        c,
    )
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

/// The id of the client whose identity code is `identity_code` (canonical form, as stored), if
/// one is registered: how a client's strongly identified token is matched to the register.
pub async fn client_id_by_identity_code(
    conn: &mut AnyConnection,
    identity_code: &str,
) -> Result<Option<String>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT id FROM clients WHERE identity_code = $1")
        .bind(identity_code)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|(id,)| id))
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

/// Whether `provider_id` holds a KTT voucher of client `client_id` (Kela's absence notice, TT3,
/// is KTT's: ABS-KELA).
pub async fn client_has_ktt_voucher_with(
    conn: &mut AnyConnection,
    client_id: &str,
    provider_id: &str,
) -> Result<bool, AppError> {
    let row: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM vouchers WHERE client_id = $1 AND provider_id = $2 \
         AND service_type LIKE 'KTT%' LIMIT 1",
    )
    .bind(client_id)
    .bind(provider_id)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.is_some())
}

/// The condition that a client row (`clients`, unaliased) is in the caseload of a social worker (`''`:
/// no caseload, every client), with the social worker bound as placeholder `p` and their team
/// as `t` (`''`: none): see [`in_caseload`].
fn in_caseload_sql(p: &str, t: &str) -> String {
    format!(
        "({p} = '' OR created_by = {p} OR ({t} <> '' AND created_by_team = {t}) \
         OR EXISTS (SELECT 1 FROM vouchers v WHERE v.client_id = clients.id \
                    AND (v.issued_by = {p} OR ({t} <> '' AND v.issued_by_team = {t}))) \
         OR (created_by = '' AND NOT EXISTS \
             (SELECT 1 FROM vouchers v WHERE v.client_id = clients.id)))"
    )
}

/// Whether client `id` is in `caseload`: registered by the social worker or their team, or
/// holding a voucher they issued — or nobody's yet (registered by the county's administrator,
/// no voucher issued: the intake every social worker sees until a decision makes the client
/// someone's).
pub async fn in_caseload(
    conn: &mut AnyConnection,
    id: &str,
    caseload: Caseload<'_>,
) -> Result<bool, AppError> {
    let found: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
        "SELECT id FROM clients WHERE id = $1 AND {}",
        in_caseload_sql("$2", "$3")
    )))
    .bind(id)
    .bind(caseload.social_worker)
    .bind(caseload.team)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(found.is_some())
}

/// A page of clients by name after the client `after_id` (the last of the previous page),
/// optionally one identity code, and only `caseload`'s clients when there is one.
/// The page resumes from that client's `(name, id)` as stored now, so the page token needs only
/// the id (no name: `seteli_platform::paging`); a client no longer there — or outside the
/// caller's caseload, whose place in the order is not the caller's to learn — refuses the
/// token.
pub async fn list_clients(
    conn: &mut AnyConnection,
    identity_code: &str,
    caseload: Option<Caseload<'_>>,
    after_id: Option<String>,
    limit: i64,
) -> Result<Vec<pb::Client>, AppError> {
    let (social_worker, team) = caseload.map_or(("", ""), |c| (c.social_worker, c.team));
    let (after_name, after_id) = match after_id {
        None => (String::new(), String::new()),
        Some(id) => {
            let name: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM clients WHERE id = $1 AND {}",
                in_caseload_sql("$2", "$3")
            )))
            .bind(&id)
            .bind(social_worker)
            .bind(team)
            .fetch_optional(&mut *conn)
            .await?;
            let (name,) = name.ok_or_else(Paging::row_gone)?;
            (name, id)
        }
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {CLIENT_COLUMNS} FROM clients WHERE ($1 = '' OR identity_code = $1) \
         AND (name > $2 OR (name = $2 AND id > $3)) AND {} \
         ORDER BY name, id LIMIT $4",
        in_caseload_sql("$5", "$6")
    )))
    .bind(identity_code)
    .bind(after_name)
    .bind(after_id)
    .bind(limit)
    .bind(social_worker)
    .bind(team)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(client_from_row).collect()
}
