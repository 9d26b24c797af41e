//! The registry's SQL, returning model types. Portable across SQLite and PostgreSQL (`Any`
//! driver): see DESIGN.md, Data.
//!
//! A change to one provider runs through `seteli_platform::change::Change::apply_to`, which
//! locks the provider's row (PostgreSQL: `SELECT … FOR UPDATE`; SQLite serialises every
//! writer) before [`ProviderRoot`]'s `load` reads it, so the checks that read a provider's
//! facts and the change they guard see the same data. [`touch`] then bumps its version.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::change::Aggregate;
use seteli_platform::db::new_id;
use seteli_platform::paging::Paging;
use seteli_platform::statement::AnyQuery;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

mod drafts;
mod feed;
mod offerings;
mod search;

pub use drafts::{free_business_id, remove_staff};
pub use feed::{PROVIDER_FEED, append_change, is_fed, list_changes, unfed_providers};
pub use offerings::upsert_offering;
pub use search::search_candidates;

use crate::model::{
    Contact, Detail, Details, Document, DocumentKind, HistoryEntry, LegalForm, PendingBank,
    Provider, ProviderRoot, ProviderState, Qualification, Site, SiteKind, StaffMember, Stamp,
    Visibility,
};

/// A history row: id, occurred_at, actor subject, role, organisation, action, summary, request id.
type HistoryRow = (String, i64, String, String, String, String, String, String);
/// A staff row: provider id, id, name, role, qualification, register number, degree accepted by
/// the county (0/1), does coaching (0/1, NULL when not stated).
type StaffRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    Option<i64>,
);
/// A site row: id, kind, name, street address, postal code, municipality, latitude, longitude.
pub(crate) type SiteRow = (String, String, String, String, String, String, f64, f64);
/// A site row led by its provider's id.
type ProviderSiteRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    f64,
    f64,
);
/// A document row: provider id, id, kind, issued on, expires on, file reference.
type DocumentRow = (String, String, String, String, Option<String>, String);

/// A provider's columns, its business id read where a discarded draft keeps it.
const PROVIDER_COLUMNS: &str = "id, name, COALESCE(discarded_business_id, business_id), legal_form, contact_name, contact_email, \
    contact_phone, contact_address, iban, bic, einvoice_address, supplier_number, \
    uses_subcontractors, state, state_reasons, version, created_at, updated_at, \
    pending_iban, pending_bic, pending_bank_at, pending_bank_by";

/// A stored code this version does not know: our own data is corrupt, never the caller's fault.
fn unknown(what: &str, code: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("unknown stored {what} {code:?}"))
}

fn parse_state(code: &str) -> Result<ProviderState, AppError> {
    ProviderState::from_code(code).ok_or_else(|| unknown("provider state", code))
}

fn date(s: &str) -> Result<NaiveDate, AppError> {
    seteli_platform::convert::parse_stored_date(s)
}

impl Aggregate for ProviderRoot {
    const TABLE: &'static str = "providers";
    const KIND: &'static str = "provider";

    async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Self>, AppError> {
        let state = state_of(conn, id).await?;
        Ok(state.map(|state| ProviderRoot {
            id: id.to_owned(),
            state,
        }))
    }
}

/// Inserts a new DRAFT provider; `ALREADY_EXISTS` when its business id is registered.
pub async fn insert_provider(
    conn: &mut AnyConnection,
    id: &str,
    d: &Details,
    now_micros: i64,
) -> Result<(), AppError> {
    let insert = sqlx::query(
        "INSERT INTO providers (id, name, business_id, legal_form, contact_name, contact_email, \
         contact_phone, contact_address, iban, bic, einvoice_address, supplier_number, \
         uses_subcontractors, state, state_reasons, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, '[]', 1, $15, $15) \
         ON CONFLICT (business_id) DO NOTHING",
    );
    let result = with_details(insert, id, d)
        .bind(ProviderState::Draft.code())
        .bind(now_micros)
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 0 {
        return Err(already_registered(d));
    }
    Ok(())
}

/// `query` with `$1` provider `id` and `$2`…`$13` its basic details `d`: name, business id,
/// legal form, contact name, email, phone and address, IBAN, BIC, e-invoice address, supplier
/// number, whether it uses subcontractors.
fn with_details<'q>(query: AnyQuery<'q>, id: &'q str, d: &'q Details) -> AnyQuery<'q> {
    query
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
}

fn already_registered(d: &Details) -> AppError {
    AppError::AlreadyExists(format!(
        "a provider with business id {} is already registered",
        d.business_id
    ))
}

/// Records bank details provider `id`'s user asked for, to wait for the county.
pub async fn set_pending_bank(
    conn: &mut AnyConnection,
    id: &str,
    pending: &PendingBank,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE providers SET pending_iban = $2, pending_bic = $3, pending_bank_at = $4, \
         pending_bank_by = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(&pending.iban)
    .bind(&pending.bic)
    .bind(pending.requested_at_micros)
    .bind(&pending.requested_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Puts provider `id`'s pending bank details in force; `false` when none were pending.
pub async fn approve_pending_bank(conn: &mut AnyConnection, id: &str) -> Result<bool, AppError> {
    let done = sqlx::query(
        "UPDATE providers SET iban = pending_iban, bic = pending_bic, pending_iban = '', \
         pending_bic = '', pending_bank_at = 0, pending_bank_by = '' \
         WHERE id = $1 AND pending_iban <> ''",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets provider `id`'s pending bank details (the county set the bank details itself).
pub async fn clear_pending_bank(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE providers SET pending_iban = '', pending_bic = '', pending_bank_at = 0, \
         pending_bank_by = '' WHERE id = $1",
    )
    .bind(id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces the basic details; `ALREADY_EXISTS` when another provider has the business id.
pub async fn update_details(
    conn: &mut AnyConnection,
    id: &str,
    d: &Details,
) -> Result<(), AppError> {
    let update = sqlx::query(
        "UPDATE providers SET name = $2, business_id = $3, legal_form = $4, contact_name = $5, \
         contact_email = $6, contact_phone = $7, contact_address = $8, iban = $9, bic = $10, \
         einvoice_address = $11, supplier_number = $12, uses_subcontractors = $13 WHERE id = $1",
    );
    let result = with_details(update, id, d).execute(&mut *conn).await;
    match result {
        Ok(_) => Ok(()),
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Err(already_registered(d)),
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
    row.map(|(s,)| parse_state(&s)).transpose()
}

/// Bumps the version of a provider (whose row the change holds locked).
pub async fn touch(conn: &mut AnyConnection, id: &str, now_micros: i64) -> Result<(), AppError> {
    sqlx::query("UPDATE providers SET version = version + 1, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_micros)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Moves the provider to `to` with `reasons`.
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

/// Adds a site; returns its new id.
pub async fn insert_site(
    conn: &mut AnyConnection,
    provider_id: &str,
    site: &Site,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO provider_sites (id, provider_id, kind, name, street_address, postal_code, \
         municipality, latitude, longitude) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(provider_id)
    .bind(site.kind.code())
    .bind(&site.name)
    .bind(&site.street_address)
    .bind(&site.postal_code)
    .bind(&site.municipality)
    .bind(site.latitude)
    .bind(site.longitude)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// The child tables of a provider that can lose a row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
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

/// Deletes a child row; `false` when none matched.
pub async fn delete_child(
    conn: &mut AnyConnection,
    table: ChildTable,
    provider_id: &str,
    key: &str,
) -> Result<bool, AppError> {
    // Table and column are our own constants, never input.
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

/// Adds a staff member; returns their new id.
pub async fn insert_staff(
    conn: &mut AnyConnection,
    provider_id: &str,
    s: &StaffMember,
) -> Result<String, AppError> {
    let id = new_id();
    sqlx::query(
        "INSERT INTO provider_staff (id, provider_id, name, role, qualification, register_number, \
         degree_accepted_by_county, does_coaching) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(provider_id)
    .bind(&s.name)
    .bind(&s.role)
    .bind(s.qualification.code())
    .bind(&s.register_number)
    .bind(i64::from(s.degree_accepted_by_county))
    .bind(s.does_coaching.map(i64::from))
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

/// Adds a document; returns its new id.
pub async fn insert_document(
    conn: &mut AnyConnection,
    provider_id: &str,
    doc: &Document,
) -> Result<String, AppError> {
    use seteli_platform::convert::store_date;
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
    .bind(&doc.file_reference)
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
    stamp: &Stamp,
    summary: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO provider_history (id, provider_id, occurred_at, actor_subject, actor_role, \
         organisation, action, summary, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(new_id())
    .bind(provider_id)
    .bind(stamp.at_micros)
    .bind(&stamp.subject)
    .bind(&stamp.role)
    .bind(&stamp.organisation)
    .bind(&stamp.action)
    .bind(summary)
    .bind(&stamp.request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Up to `limit` history entries, oldest first, after the entry `after` (`occurred_at`, id).
pub async fn list_history(
    conn: &mut AnyConnection,
    provider_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<HistoryEntry>, AppError> {
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
        .map(|r| HistoryEntry {
            id: r.0,
            stamp: Stamp {
                at_micros: r.1,
                subject: r.2,
                role: r.3,
                organisation: r.4,
                action: r.5,
                request_id: r.7,
            },
            summary: r.6,
        })
        .collect())
}

fn provider_from_row(r: &AnyRow) -> Result<Provider, AppError> {
    let text = |i: usize| r.try_get::<String, _>(i);
    let legal_form = text(3)?;
    let reasons: Vec<String> = serde_json::from_str(&text(14)?).unwrap_or_default();
    Ok(Provider {
        id: text(0)?,
        details: Details {
            name: text(1)?,
            business_id: text(2)?,
            legal_form: LegalForm::from_code(&legal_form)
                .ok_or_else(|| unknown("legal form", &legal_form))?,
            contact: Contact {
                name: text(4)?,
                email: text(5)?,
                phone: text(6)?,
                postal_address: text(7)?,
            },
            iban: text(8)?,
            bic: text(9)?,
            einvoice_address: text(10)?,
            supplier_number: text(11)?,
            uses_subcontractors: r.try_get::<i64, _>(12)? != 0,
        },
        state: parse_state(&text(13)?)?,
        state_reasons: reasons,
        version: r.try_get(15)?,
        created_at_micros: r.try_get(16)?,
        updated_at_micros: r.try_get(17)?,
        sites: Vec::new(),
        offerings: Vec::new(),
        soteri_classes: Vec::new(),
        staff: Vec::new(),
        documents: Vec::new(),
        pending_bank: Some(PendingBank {
            iban: text(18)?,
            bic: text(19)?,
            requested_at_micros: r.try_get(20)?,
            requested_by: text(21)?,
        })
        .filter(|p| !p.iban.is_empty()),
    })
}

/// Loads a provider with `detail`, or `None`.
pub async fn load_provider(
    conn: &mut AnyConnection,
    id: &str,
    detail: Detail,
) -> Result<Option<Provider>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PROVIDER_COLUMNS} FROM providers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let mut one = [provider_from_row(&row)?];
    fill_children(conn, &mut one, detail).await?;
    let [p] = one;
    Ok(Some(p))
}

/// The most providers whose children one statement asks for: a page (at most 500 and the one
/// that tells whether another page follows) fits in one, and SQLite's oldest limit of 999
/// parameters is never reached.
const PROVIDERS_PER_STATEMENT: usize = 900;

/// Child rows of the providers `ids`, in `sql`'s order: `sql` selects the provider id first and
/// says `IN ({ids})` where the ids' placeholders go. One statement per
/// [`PROVIDERS_PER_STATEMENT`] ids, so a page costs the same few statements however many
/// providers it holds (no query per provider). Portable: a list of `$n` placeholders, not
/// PostgreSQL's `= ANY($1)`, which the `Any` driver cannot bind.
async fn children_of<R>(
    conn: &mut AnyConnection,
    sql: &str,
    ids: &[&str],
) -> Result<Vec<R>, AppError>
where
    R: for<'r> sqlx::FromRow<'r, AnyRow> + Send + Unpin,
{
    let mut rows = Vec::new();
    for chunk in ids.chunks(PROVIDERS_PER_STATEMENT) {
        let placeholders = (1..=chunk.len())
            .map(|n| format!("${n}"))
            .collect::<Vec<_>>()
            .join(", ");
        // Only placeholders are spliced in; the ids themselves are bound.
        let sql = sql.replace("{ids}", &placeholders);
        let mut query = sqlx::query_as::<_, R>(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            query = query.bind(*id);
        }
        rows.extend(query.fetch_all(&mut *conn).await?);
    }
    Ok(rows)
}

/// Fills the sites, offerings and Soteri classes (and with [`Detail::Full`] the staff and
/// documents) of every provider in `page`: one statement per child table for the whole page.
async fn fill_children(
    conn: &mut AnyConnection,
    page: &mut [Provider],
    detail: Detail,
) -> Result<(), AppError> {
    if page.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = page.iter().map(|p| p.id.clone()).collect();
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    let at: std::collections::HashMap<&str, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    // Rows come back ordered by provider, then as each list is shown; a row of a provider not
    // on the page cannot come back (the statement asks for these ids only).
    let owner = |provider_id: &str| -> Result<usize, AppError> {
        at.get(provider_id).copied().ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "a child row of provider {provider_id:?} not asked for"
            ))
        })
    };

    let sites: Vec<ProviderSiteRow> = children_of(
        conn,
        "SELECT provider_id, id, kind, name, street_address, postal_code, municipality, \
             latitude, longitude FROM provider_sites WHERE provider_id IN ({ids}) \
             ORDER BY provider_id, name, id",
        &ids,
    )
    .await?;
    for (provider_id, id, kind, name, street, postal, municipality, lat, lon) in sites {
        let i = owner(&provider_id)?;
        page[i].sites.push(site_from_row((
            id,
            kind,
            name,
            street,
            postal,
            municipality,
            lat,
            lon,
        ))?);
    }

    offerings::fill_offerings(conn, page, &ids, &owner).await?;

    let classes: Vec<(String, i64)> = children_of(
        conn,
        "SELECT provider_id, soteri_class FROM provider_soteri_classes \
         WHERE provider_id IN ({ids}) ORDER BY provider_id, soteri_class",
        &ids,
    )
    .await?;
    for (provider_id, class) in classes {
        let i = owner(&provider_id)?;
        if let Ok(class) = i32::try_from(class) {
            page[i].soteri_classes.push(class);
        }
    }

    if detail == Detail::Public {
        return Ok(());
    }

    let staff: Vec<StaffRow> = children_of(
        conn,
        "SELECT provider_id, id, name, role, qualification, register_number, \
             degree_accepted_by_county, does_coaching FROM provider_staff \
             WHERE provider_id IN ({ids}) ORDER BY provider_id, name, id",
        &ids,
    )
    .await?;
    for (provider_id, id, name, role, q, register_number, accepted, coaching) in staff {
        let i = owner(&provider_id)?;
        page[i].staff.push(StaffMember {
            id,
            name,
            role,
            qualification: Qualification::from_code(&q)
                .ok_or_else(|| unknown("qualification", &q))?,
            register_number,
            degree_accepted_by_county: accepted != 0,
            does_coaching: coaching.map(|c| c != 0),
        });
    }

    let docs: Vec<DocumentRow> = children_of(
        conn,
        "SELECT provider_id, id, kind, issued_on, expires_on, file_reference \
         FROM provider_documents WHERE provider_id IN ({ids}) \
         ORDER BY provider_id, kind, issued_on, id",
        &ids,
    )
    .await?;
    for (provider_id, id, kind, issued, expires, file_reference) in docs {
        let i = owner(&provider_id)?;
        page[i].documents.push(Document {
            id,
            kind: DocumentKind::from_code(&kind).ok_or_else(|| unknown("document kind", &kind))?,
            issued_on: date(&issued)?,
            expires_on: expires.as_deref().map(date).transpose()?,
            file_reference,
        });
    }
    Ok(())
}

pub(crate) fn site_from_row(r: SiteRow) -> Result<Site, AppError> {
    Ok(Site {
        id: r.0,
        kind: SiteKind::from_code(&r.1).ok_or_else(|| unknown("site kind", &r.1))?,
        name: r.2,
        street_address: r.3,
        postal_code: r.4,
        municipality: r.5,
        latitude: r.6,
        longitude: r.7,
    })
}

/// Up to `limit` providers by name (with [`Detail::Public`]) after the provider `after_id`
/// (by its stored name, then id): only in `state` when given, else in every state but
/// DISCARDED; only the one registered with `business_id` when it is not empty (a discarded
/// draft no longer holds its business id); and only those `visibility` shows.
pub async fn list_providers(
    conn: &mut AnyConnection,
    (state, business_id): (Option<ProviderState>, &str),
    visibility: Visibility<'_>,
    after_id: Option<String>,
    limit: i64,
) -> Result<Vec<Provider>, AppError> {
    let (approved_only, own) = match visibility {
        Visibility::All => (0_i64, ""),
        Visibility::ApprovedAndOwn(own) => (1_i64, own),
    };
    // The page resumes from the last provider's name as stored now: the token holds its id only
    // (a sole trader's business name can be a person's name; `seteli_platform::paging`). An
    // anchor the caller may not see, or one gone, refuses the token.
    let (after_name, after_id) = match after_id {
        None => (String::new(), String::new()),
        Some(id) => {
            let name: Option<(String,)> = sqlx::query_as(
                "SELECT name FROM providers WHERE id = $1 \
                 AND ($2 = 0 OR state = 'APPROVED' OR id = $3)",
            )
            .bind(&id)
            .bind(approved_only)
            .bind(own)
            .fetch_optional(&mut *conn)
            .await?;
            let (name,) = name.ok_or_else(Paging::row_gone)?;
            (name, id)
        }
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {PROVIDER_COLUMNS} FROM providers \
         WHERE (($1 = '' AND state <> 'DISCARDED') OR state = $1) \
         AND ($2 = 0 OR state = 'APPROVED' OR id = $3) \
         AND (name > $4 OR (name = $4 AND id > $5)) \
         AND ($7 = '' OR business_id = $7) \
         ORDER BY name, id LIMIT $6"
    )))
    .bind(state.map(ProviderState::code).unwrap_or_default())
    .bind(approved_only)
    .bind(own)
    .bind(after_name)
    .bind(after_id)
    .bind(limit)
    .bind(business_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut page = rows
        .iter()
        .map(provider_from_row)
        .collect::<Result<Vec<_>, _>>()?;
    fill_children(conn, &mut page, Detail::Public).await?;
    Ok(page)
}
