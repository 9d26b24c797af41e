//! SQL of the provider registry. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Every change to a provider first bumps its `version` with a conditional `UPDATE`
//! ([`lock_for_change`]); that row lock serialises concurrent changes to one provider on
//! PostgreSQL (SQLite serialises all writers), so checks that read the provider's facts and the
//! change they guard see the same data.

use seteli_api::common::v1::{Actor, Coordinates};
use seteli_api::providers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{parse_stored_date, store_date, to_date, to_money, to_service_type};
use seteli_platform::db::{new_id, now_micros};
use seteli_rules::ServiceType;
use seteli_rules::provider::{
    DocumentKind, LegalForm, Offering as RuleOffering, ProviderDocument, Qualification,
    StaffMember as RuleStaff,
};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::domain::{self, ProviderState};

/// A history row: id, occurred_at, actor subject, role, organisation, action, summary, request id.
type HistoryRow = (String, i64, String, String, String, String, String, String);
/// A site row: id, kind, name, street address, postal code, municipality, latitude, longitude.
type SiteRow = (String, String, String, String, String, String, f64, f64);
/// A search row: provider id, name, unit price cents, then the site's columns.
type CandidateRow = (
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    f64,
    f64,
);

const PROVIDER_COLUMNS: &str = "id, name, business_id, legal_form, contact_name, contact_email, \
    contact_phone, contact_address, iban, bic, einvoice_address, supplier_number, \
    uses_subcontractors, state, state_reasons, version, created_at, updated_at";

/// Basic details as validated for storage.
#[derive(Debug, Clone)]
pub struct Details {
    /// Name.
    pub name: String,
    /// Y-tunnus.
    pub business_id: String,
    /// Legal form.
    pub legal_form: LegalForm,
    /// Contact.
    pub contact: pb::Contact,
    /// Normalised IBAN.
    pub iban: String,
    /// BIC.
    pub bic: String,
    /// OVT e-invoice address or empty.
    pub einvoice_address: String,
    /// The county's supplier number or empty.
    pub supplier_number: String,
    /// Uses subcontractors.
    pub uses_subcontractors: bool,
}

/// Inserts a new DRAFT provider.
pub async fn insert_provider(
    conn: &mut AnyConnection,
    id: &str,
    d: &Details,
) -> Result<(), AppError> {
    let now = now_micros();
    let result = sqlx::query(
        "INSERT INTO providers (id, name, business_id, legal_form, contact_name, contact_email, \
         contact_phone, contact_address, iban, bic, einvoice_address, supplier_number, \
         uses_subcontractors, state, state_reasons, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '[]', 1, $15, $15) \
         ON CONFLICT (business_id) DO NOTHING",
    )
    .bind(id)
    .bind(&d.name)
    .bind(&d.business_id)
    .bind(d.legal_form.code())
    .bind(&d.contact.name)
    .bind(&d.contact.email)
    .bind(&d.contact.phone)
    .bind(&d.contact.postal_address)
    .bind(&d.iban)
    .bind(&d.bic)
    .bind(&d.einvoice_address)
    .bind(&d.supplier_number)
    .bind(i64::from(d.uses_subcontractors))
    .bind(ProviderState::Draft.code())
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Err(AppError::AlreadyExists(format!(
            "a provider with business id {} is already registered",
            d.business_id
        )));
    }
    Ok(())
}

/// Replaces the basic details.
pub async fn update_details(
    conn: &mut AnyConnection,
    id: &str,
    d: &Details,
) -> Result<(), AppError> {
    let result = sqlx::query(
        "UPDATE providers SET name = $2, business_id = $3, legal_form = $4, contact_name = $5, \
         contact_email = $6, contact_phone = $7, contact_address = $8, iban = $9, bic = $10, \
         einvoice_address = $11, supplier_number = $12, uses_subcontractors = $13 WHERE id = $1",
    )
    .bind(id)
    .bind(&d.name)
    .bind(&d.business_id)
    .bind(d.legal_form.code())
    .bind(&d.contact.name)
    .bind(&d.contact.email)
    .bind(&d.contact.phone)
    .bind(&d.contact.postal_address)
    .bind(&d.iban)
    .bind(&d.bic)
    .bind(&d.einvoice_address)
    .bind(&d.supplier_number)
    .bind(i64::from(d.uses_subcontractors))
    .execute(&mut *conn)
    .await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
            Err(AppError::AlreadyExists(format!(
                "a provider with business id {} is already registered",
                d.business_id
            )))
        }
        Err(e) => Err(e.into()),
    }
}

/// The state of a provider, if it exists.
pub async fn state_of(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ProviderState>, AppError> {
    let row: Option<(String,)> = sqlx::query_as("SELECT state FROM providers WHERE id = $1")
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|(s,)| domain::parse_state(&s)).transpose()
}

/// Bumps the version of a provider in one of `allowed` states, taking its row lock; returns its
/// state, or `None` when it is in another state.
pub async fn lock_for_change(
    conn: &mut AnyConnection,
    id: &str,
    allowed: &[ProviderState],
) -> Result<Option<ProviderState>, AppError> {
    // The allowed states are our own constants, never input.
    let states = allowed
        .iter()
        .map(|s| format!("'{}'", s.code()))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "UPDATE providers SET version = version + 1, updated_at = $2 \
         WHERE id = $1 AND state IN ({states}) RETURNING state"
    );
    let row: Option<(String,)> = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .bind(now_micros())
        .fetch_optional(&mut *conn)
        .await?;
    row.map(|(s,)| domain::parse_state(&s)).transpose()
}

/// Moves the provider to `to` with `reasons` (the caller holds its lock).
pub async fn set_state(
    conn: &mut AnyConnection,
    id: &str,
    to: ProviderState,
    reasons: &[String],
) -> Result<(), AppError> {
    sqlx::query("UPDATE providers SET state = $2, state_reasons = $3 WHERE id = $1")
        .bind(id)
        .bind(to.code())
        .bind(serde_json::to_string(reasons).map_err(anyhow::Error::from)?)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Adds a site.
pub async fn insert_site(
    conn: &mut AnyConnection,
    provider_id: &str,
    site: &pb::Site,
    kind: &str,
) -> Result<String, AppError> {
    let id = new_id();
    let c = site.coordinates.unwrap_or_default();
    sqlx::query(
        "INSERT INTO provider_sites (id, provider_id, kind, name, street_address, postal_code, \
         municipality, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(provider_id)
    .bind(kind)
    .bind(&site.name)
    .bind(&site.street_address)
    .bind(&site.postal_code)
    .bind(&site.municipality)
    .bind(c.latitude)
    .bind(c.longitude)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Deletes a child row (`table` is one of our own table names); `false` when none matched.
pub async fn delete_child(
    conn: &mut AnyConnection,
    table: ChildTable,
    provider_id: &str,
    key: &str,
) -> Result<bool, AppError> {
    let (table, column) = match table {
        ChildTable::Sites => ("provider_sites", "id"),
        ChildTable::Offerings => ("provider_offerings", "service_type"),
        ChildTable::Staff => ("provider_staff", "id"),
        ChildTable::Documents => ("provider_documents", "id"),
    };
    let sql = format!("DELETE FROM {table} WHERE provider_id = $1 AND {column} = $2");
    let result = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(provider_id)
        .bind(key)
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() > 0)
}

/// The child tables of a provider that can lose a row.
#[derive(Debug, Clone, Copy)]
pub enum ChildTable {
    /// Sites, by id.
    Sites,
    /// Offerings, by service code.
    Offerings,
    /// Staff, by id.
    Staff,
    /// Documents, by id.
    Documents,
}

/// Adds or replaces an offering.
pub async fn upsert_offering(
    conn: &mut AnyConnection,
    provider_id: &str,
    service: ServiceType,
    unit_price_cents: i64,
    max_group_size: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_offerings (provider_id, service_type, unit_price_cents, max_group_size) \
         VALUES ($1, $2, $3, $4) ON CONFLICT (provider_id, service_type) \
         DO UPDATE SET unit_price_cents = excluded.unit_price_cents, max_group_size = excluded.max_group_size",
    )
    .bind(provider_id)
    .bind(service.code())
    .bind(unit_price_cents)
    .bind(max_group_size)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Adds a staff member.
pub async fn insert_staff(
    conn: &mut AnyConnection,
    provider_id: &str,
    s: &pb::StaffMember,
    qualification: Qualification,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO provider_staff (id, provider_id, name, role, qualification, register_number) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(provider_id)
    .bind(s.name.trim())
    .bind(s.role.trim())
    .bind(qualification.code())
    .bind(s.register_number.trim())
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Adds a document.
pub async fn insert_document(
    conn: &mut AnyConnection,
    provider_id: &str,
    doc: &ProviderDocument,
    file_reference: &str,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO provider_documents (id, provider_id, kind, issued_on, expires_on, file_reference) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(&id)
    .bind(provider_id)
    .bind(doc.kind.code())
    .bind(store_date(doc.issued_on))
    .bind(doc.expires_on.map(store_date))
    .bind(file_reference)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Replaces the Soteri classes.
pub async fn replace_soteri(
    conn: &mut AnyConnection,
    provider_id: &str,
    classes: &[i32],
) -> Result<(), AppError> {
    sqlx::query("DELETE FROM provider_soteri_classes WHERE provider_id = $1")
        .bind(provider_id)
        .execute(&mut *conn)
        .await?;
    for class in classes {
        sqlx::query(
            "INSERT INTO provider_soteri_classes (provider_id, soteri_class) VALUES ($1, $2) \
             ON CONFLICT (provider_id, soteri_class) DO NOTHING",
        )
        .bind(provider_id)
        .bind(i64::from(*class))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Appends to the provider's history.
pub async fn record_history(
    conn: &mut AnyConnection,
    provider_id: &str,
    caller: &Caller,
    action: &str,
    summary: &str,
    request_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_history (id, provider_id, occurred_at, actor_subject, actor_role, \
         organisation, action, summary, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(provider_id)
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(action)
    .bind(summary)
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A page of history, oldest first, after `after` (`occurred_at|id`).
pub async fn list_history(
    conn: &mut AnyConnection,
    provider_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<(pb::HistoryEntry, String)>, AppError> {
    let (at, id) = after.unwrap_or((i64::MIN, String::new()));
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT id, occurred_at, actor_subject, actor_role, organisation, action, summary, request_id \
         FROM provider_history WHERE provider_id = $1 \
         AND (occurred_at > $2 OR (occurred_at = $2 AND id > $3)) \
         ORDER BY occurred_at, id LIMIT $4",
    )
    .bind(provider_id)
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                pb::HistoryEntry {
                    occurred_at_micros: r.1,
                    actor: Some(Actor {
                        subject: r.2,
                        role: r.3,
                        organisation: r.4,
                    }),
                    action: r.5,
                    summary: r.6,
                    request_id: r.7,
                },
                r.0,
            )
        })
        .collect())
}

fn provider_from_row(r: &AnyRow) -> Result<pb::Provider, AppError> {
    let text = |i: usize| r.try_get::<String, _>(i);
    let legal_form = LegalForm::from_code(&text(3)?)
        .map(domain::legal_form_to_pb)
        .unwrap_or_default();
    let state = domain::parse_state(&text(13)?)?;
    let reasons: Vec<String> = serde_json::from_str(&text(14)?).unwrap_or_default();
    Ok(pb::Provider {
        id: text(0)?,
        details: Some(pb::ProviderDetails {
            name: text(1)?,
            business_id: text(2)?,
            legal_form,
            contact: Some(pb::Contact {
                name: text(4)?,
                email: text(5)?,
                phone: text(6)?,
                postal_address: text(7)?,
            }),
            iban: text(8)?,
            bic: text(9)?,
            einvoice_address: text(10)?,
            supplier_number: text(11)?,
            uses_subcontractors: r.try_get::<i64, _>(12)? != 0,
        }),
        state: state.to_pb(),
        state_reasons: reasons,
        version: r.try_get(15)?,
        created_at_micros: r.try_get(16)?,
        updated_at_micros: r.try_get(17)?,
        ..Default::default()
    })
}

/// What of a provider to load.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// Details, state, sites, offerings and Soteri classes.
    Public,
    /// Also staff and documents (the provider's own users and the county).
    Full,
}

/// Loads a provider, or `None`.
pub async fn load_provider(
    conn: &mut AnyConnection,
    id: &str,
    detail: Detail,
) -> Result<Option<pb::Provider>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PROVIDER_COLUMNS} FROM providers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut p = provider_from_row(&row)?;
    fill_children(conn, &mut p, detail).await?;
    Ok(Some(p))
}

async fn fill_children(
    conn: &mut AnyConnection,
    p: &mut pb::Provider,
    detail: Detail,
) -> Result<(), AppError> {
    p.sites = load_sites(conn, &p.id).await?;
    let offerings: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT service_type, unit_price_cents, max_group_size FROM provider_offerings \
         WHERE provider_id = $1 ORDER BY service_type",
    )
    .bind(&p.id)
    .fetch_all(&mut *conn)
    .await?;
    p.offerings = offerings
        .into_iter()
        .filter_map(|(s, price, size)| {
            ServiceType::from_code(&s).map(|st| pb::Offering {
                service_type: to_service_type(st),
                unit_price: Some(to_money(price)),
                max_group_size: i32::try_from(size).unwrap_or_default(),
            })
        })
        .collect();
    let classes: Vec<(i64,)> = sqlx::query_as(
        "SELECT soteri_class FROM provider_soteri_classes WHERE provider_id = $1 ORDER BY soteri_class",
    )
    .bind(&p.id)
    .fetch_all(&mut *conn)
    .await?;
    p.soteri_classes = classes
        .into_iter()
        .filter_map(|(c,)| i32::try_from(c).ok())
        .collect();
    if detail == Detail::Full {
        let staff: Vec<(String, String, String, String, String)> = sqlx::query_as(
            "SELECT id, name, role, qualification, register_number FROM provider_staff \
             WHERE provider_id = $1 ORDER BY name, id",
        )
        .bind(&p.id)
        .fetch_all(&mut *conn)
        .await?;
        p.staff = staff
            .into_iter()
            .map(|(id, name, role, q, reg)| pb::StaffMember {
                id,
                name,
                role,
                qualification: Qualification::from_code(&q)
                    .map(domain::qualification_to_pb)
                    .unwrap_or_default(),
                register_number: reg,
            })
            .collect();
        let docs: Vec<(String, String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT id, kind, issued_on, expires_on, file_reference FROM provider_documents \
             WHERE provider_id = $1 ORDER BY kind, issued_on, id",
        )
        .bind(&p.id)
        .fetch_all(&mut *conn)
        .await?;
        p.documents = docs
            .into_iter()
            .map(|(id, kind, issued, expires, file)| {
                Ok(pb::Document {
                    id,
                    kind: DocumentKind::from_code(&kind)
                        .map(domain::document_kind_to_pb)
                        .unwrap_or_default(),
                    issued_on: Some(to_date(parse_stored_date(&issued)?)),
                    expires_on: expires
                        .map(|e| parse_stored_date(&e).map(to_date))
                        .transpose()?,
                    file_reference: file,
                })
            })
            .collect::<Result<_, AppError>>()?;
    }
    Ok(())
}

async fn load_sites(
    conn: &mut AnyConnection,
    provider_id: &str,
) -> Result<Vec<pb::Site>, AppError> {
    let sites: Vec<SiteRow> = sqlx::query_as(
        "SELECT id, kind, name, street_address, postal_code, municipality, latitude, longitude \
         FROM provider_sites WHERE provider_id = $1 ORDER BY name, id",
    )
    .bind(provider_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(sites.into_iter().map(site_from_row).collect())
}

fn site_from_row(r: SiteRow) -> pb::Site {
    pb::Site {
        id: r.0,
        kind: domain::site_kind_from_code(&r.1) as i32,
        name: r.2,
        street_address: r.3,
        postal_code: r.4,
        municipality: r.5,
        coordinates: Some(Coordinates {
            latitude: r.6,
            longitude: r.7,
        }),
    }
}

/// A page of providers by name, after the cursor `name|id`, optionally in one state, and
/// limited to APPROVED ones plus `own_provider` when `approved_only`.
pub async fn list_providers(
    conn: &mut AnyConnection,
    state: Option<ProviderState>,
    visibility: Visibility<'_>,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<pb::Provider>, AppError> {
    let (after_name, after_id) = after.unwrap_or_default();
    let (approved_only, own) = match visibility {
        Visibility::All => (0_i64, ""),
        Visibility::ApprovedAndOwn(own) => (1_i64, own),
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PROVIDER_COLUMNS} FROM providers \
         WHERE ($1 = '' OR state = $1) \
         AND ($2 = 0 OR state = 'APPROVED' OR id = $3) \
         AND (name > $4 OR (name = $4 AND id > $5)) \
         ORDER BY name, id LIMIT $6"
    )))
    .bind(state.map(|s| s.code()).unwrap_or_default())
    .bind(approved_only)
    .bind(own)
    .bind(after_name)
    .bind(after_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let mut p = provider_from_row(&row)?;
        fill_children(conn, &mut p, Detail::Public).await?;
        out.push(p);
    }
    Ok(out)
}

/// Which providers a caller may list.
#[derive(Debug, Clone, Copy)]
pub enum Visibility<'a> {
    /// Every provider (county roles).
    All,
    /// APPROVED providers and the caller's own (provider users).
    ApprovedAndOwn(&'a str),
}

/// A place of service of an approved provider offering a service, within a bounding box.
#[derive(Debug, Clone)]
pub struct Candidate {
    /// Provider id.
    pub provider_id: String,
    /// Provider name.
    pub name: String,
    /// Unit price, cents.
    pub unit_price_cents: i64,
    /// The site.
    pub site: pb::Site,
}

/// Sites of APPROVED providers offering `service` inside a lat/lon box. Worker locations count
/// only when `include_worker_locations` (SK, PROV-DISTANCE).
pub async fn search_candidates(
    conn: &mut AnyConnection,
    service: ServiceType,
    bounds: domain::BoundingBox,
    include_worker_locations: bool,
) -> Result<Vec<Candidate>, AppError> {
    let rows: Vec<CandidateRow> = sqlx::query_as(
        "SELECT p.id, p.name, o.unit_price_cents, s.id, s.kind, s.name, s.street_address, \
             s.postal_code, s.municipality, s.latitude, s.longitude \
             FROM providers p \
             JOIN provider_offerings o ON o.provider_id = p.id \
             JOIN provider_sites s ON s.provider_id = p.id \
             WHERE p.state = 'APPROVED' AND o.service_type = $1 \
             AND s.latitude BETWEEN $2 AND $3 AND s.longitude BETWEEN $4 AND $5 \
             AND ($6 = 1 OR s.kind = 'SITE')",
    )
    .bind(service.code())
    .bind(bounds.min_lat)
    .bind(bounds.max_lat)
    .bind(bounds.min_lon)
    .bind(bounds.max_lon)
    .bind(i64::from(include_worker_locations))
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| Candidate {
            provider_id: r.0,
            name: r.1,
            unit_price_cents: r.2,
            site: site_from_row((r.3, r.4, r.5, r.6, r.7, r.8, r.9, r.10)),
        })
        .collect())
}

/// The facts the approval rules read, as owned values.
#[derive(Debug, Clone)]
pub struct Facts {
    /// Legal form.
    pub legal_form: LegalForm,
    /// Uses subcontractors.
    pub uses_subcontractors: bool,
    /// Documents.
    pub documents: Vec<ProviderDocument>,
    /// Staff.
    pub staff: Vec<RuleStaff>,
    /// Offerings.
    pub offerings: Vec<RuleOffering>,
    /// Soteri classes.
    pub soteri_classes: Vec<u32>,
}

/// Loads the approval facts of a provider.
pub async fn load_facts(conn: &mut AnyConnection, id: &str) -> Result<Facts, AppError> {
    let p = load_provider(conn, id, Detail::Full)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
    domain::facts_of(&p)
}
