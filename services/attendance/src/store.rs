//! SQL of the attendance service. Portable across SQLite and PostgreSQL (`Any` driver).
//!
//! Concurrency without read-then-write races:
//! - every change of a voucher's sessions locks the voucher row first
//!   ([`seteli_platform::change::Change::apply_to`]) and then the client's row in
//!   `client_locks` ([`lock_client`]), so the checks over every session of the client run one
//!   after the other; the units used move with one conditional `UPDATE … WHERE $n <=
//!   units_granted` ([`set_units_used`]);
//! - the voucher feed's cursor row is locked by an `UPDATE … RETURNING` before a page is
//!   applied (`seteli_platform::feed::Cursor::lock`), and a voucher is upserted only when its change is newer than
//!   the one it has ([`upsert_voucher`]): a change is applied exactly once;
//! - alerts are raised once per occasion (a unique `dedup_key`);
//! - the usage and alert feeds take no shared lock on PostgreSQL: a change is numbered by its
//!   transaction's id and readers stop below the oldest transaction still running
//!   ([`USAGE_FEED`], `seteli_platform::feed::published`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::NaiveDate;
use prost::Message;
use seteli_api::attendance::v1 as pb;
use seteli_api::common::v1::Actor;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::change::Aggregate;
use seteli_platform::convert::{PbEnum, parse_stored_date, store_date, to_date, to_service_type};
use seteli_platform::db::{new_id, now_micros};
use seteli_platform::feed::PublishedFeed;
use seteli_rules::ServiceType;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{
    AbsenceKind, AbsenceReason, AbsenceRow, AlertState, Audience, EnrolmentRow, EnrolmentState,
    GroupInput, GroupMode, GroupRow, GroupState, Modality, NewAlert, SessionInput, SessionKind,
    SessionRow, SessionStatus, StartDates, Voucher, to_units,
};
use crate::wire::{parse_stored_time, store_time};

fn encode<M: Message>(m: &M) -> String {
    STANDARD.encode(m.encode_to_vec())
}

fn decode<M: Message + Default>(s: &str) -> Result<M, AppError> {
    STANDARD
        .decode(s)
        .ok()
        .and_then(|b| M::decode(b.as_slice()).ok())
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored message is corrupt")))
}

fn service_of(code: &str) -> Result<ServiceType, AppError> {
    ServiceType::from_code(code)
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("unknown stored service {code:?}")))
}

fn opt_stored_date(s: Option<String>) -> Result<Option<NaiveDate>, AppError> {
    s.map(|d| parse_stored_date(&d)).transpose()
}

// ------------------------------------------------------------------------------ voucher feed

/// How many vouchers this service follows.
pub async fn count_vouchers(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM vouchers")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// Inserts or updates a followed voucher from a change with sequence `v.feed_sequence`, unless
/// it already has that change or a newer one: newer by the voucher's version first, since two
/// changes of one voucher can stand in the feed in the other order than they were made (the
/// feed is numbered by transaction id), then by sequence. The units used are attendance's own and never
/// touched here; the social worker is set by the ISSUED change only.
pub async fn upsert_voucher(conn: &mut AnyConnection, v: &Voucher) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO vouchers (id, client_id, provider_id, service_type, state, decision_date, \
         valid_from, valid_until, units_granted, weekly_cap, responsible_coach, social_worker, \
         ended_on, voucher_version, feed_sequence, units_used, updated_at, provider_chosen_on, \
         agreed_start_on, accepted_on, steward_notified_on) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, 0, $16, \
                 $17, $18, $19, $20) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         state = excluded.state, valid_from = excluded.valid_from, \
         valid_until = excluded.valid_until, units_granted = excluded.units_granted, \
         weekly_cap = excluded.weekly_cap, responsible_coach = excluded.responsible_coach, \
         social_worker = CASE WHEN excluded.social_worker = '' THEN vouchers.social_worker \
                         ELSE excluded.social_worker END, \
         ended_on = excluded.ended_on, voucher_version = excluded.voucher_version, \
         feed_sequence = excluded.feed_sequence, updated_at = excluded.updated_at, \
         provider_chosen_on = excluded.provider_chosen_on, \
         agreed_start_on = excluded.agreed_start_on, accepted_on = excluded.accepted_on, \
         steward_notified_on = excluded.steward_notified_on \
         WHERE (vouchers.voucher_version, vouchers.feed_sequence) \
             < (excluded.voucher_version, excluded.feed_sequence)",
    )
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(v.service.code())
    .bind(&v.state)
    .bind(store_date(v.decision_date))
    .bind(store_date(v.valid_from))
    .bind(store_date(v.valid_until))
    .bind(v.units_granted)
    .bind(v.weekly_cap)
    .bind(&v.responsible_coach)
    .bind(&v.social_worker)
    .bind(v.ended_on.map(store_date))
    .bind(v.version)
    .bind(v.feed_sequence)
    .bind(now_micros())
    .bind(v.start.provider_chosen_on.map(store_date))
    .bind(v.start.agreed_start_on.map(store_date))
    .bind(v.start.accepted_on.map(store_date))
    .bind(v.start.steward_notified_on.map(store_date))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VOUCHER_COLUMNS: &str = "id, client_id, provider_id, service_type, state, decision_date, \
    valid_from, valid_until, units_granted, weekly_cap, responsible_coach, social_worker, \
    ended_on, voucher_version, feed_sequence, units_used, provider_chosen_on, agreed_start_on, \
    accepted_on, steward_notified_on";

fn voucher_from_row(r: &AnyRow) -> Result<Voucher, AppError> {
    Ok(Voucher {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        service: service_of(&r.try_get::<String, _>("service_type")?)?,
        state: r.try_get("state")?,
        decision_date: parse_stored_date(&r.try_get::<String, _>("decision_date")?)?,
        valid_from: parse_stored_date(&r.try_get::<String, _>("valid_from")?)?,
        valid_until: parse_stored_date(&r.try_get::<String, _>("valid_until")?)?,
        units_granted: r.try_get("units_granted")?,
        weekly_cap: r.try_get("weekly_cap")?,
        responsible_coach: r.try_get("responsible_coach")?,
        social_worker: r.try_get("social_worker")?,
        ended_on: opt_stored_date(r.try_get("ended_on")?)?,
        version: r.try_get("voucher_version")?,
        feed_sequence: r.try_get("feed_sequence")?,
        units_used: r.try_get("units_used")?,
        start: StartDates {
            provider_chosen_on: opt_stored_date(r.try_get("provider_chosen_on")?)?,
            agreed_start_on: opt_stored_date(r.try_get("agreed_start_on")?)?,
            accepted_on: opt_stored_date(r.try_get("accepted_on")?)?,
            steward_notified_on: opt_stored_date(r.try_get("steward_notified_on")?)?,
        },
    })
}

/// Loads a followed voucher, or `None`.
pub async fn load_voucher(conn: &mut AnyConnection, id: &str) -> Result<Option<Voucher>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

impl Aggregate for Voucher {
    const TABLE: &'static str = "vouchers";
    const KIND: &'static str = "voucher";
    fn load<'c>(
        conn: &'c mut AnyConnection,
        id: &'c str,
    ) -> impl std::future::Future<Output = Result<Option<Self>, AppError>> + Send + 'c {
        load_voucher(conn, id)
    }
}

/// Every followed voucher of a client (for the checks across the client's vouchers).
pub async fn client_vouchers(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Vec<Voucher>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE client_id = $1 ORDER BY id"
    )))
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(voucher_from_row).collect()
}

/// Sets the units used (CAP-UNITS: never above the granted units) and moves the voucher's
/// usage version on; the new version, or `None` when refused. The voucher is locked, so
/// versions follow the order the counts were made in.
pub async fn set_units_used(
    conn: &mut AnyConnection,
    voucher_id: &str,
    used: i64,
) -> Result<Option<i64>, AppError> {
    let version: Option<(i64,)> = sqlx::query_as(
        "UPDATE vouchers SET units_used = $2, usage_version = usage_version + 1 \
         WHERE id = $1 AND $2 <= units_granted AND $2 >= 0 RETURNING usage_version",
    )
    .bind(voucher_id)
    .bind(used)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(version.map(|(v,)| v))
}

/// The units used on a voucher as stored now (inside a transaction that locked the voucher),
/// or `None` when attendance does not follow it.
pub async fn units_used_now(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Option<i64>, AppError> {
    let row: Option<(i64,)> = sqlx::query_as("SELECT units_used FROM vouchers WHERE id = $1")
        .bind(voucher_id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.map(|(u,)| u))
}

// ------------------------------------------------------------------------------ usage feed

/// The usage feed `vouchers` follows: `usage_changes`, numbered and read as
/// `seteli_platform::feed::published` says (no shared counter row; a reader resuming after the
/// last sequence it saw never misses a change).
pub const USAGE_FEED: PublishedFeed = PublishedFeed {
    table: "usage_changes",
    counters: "attendance_counters",
    offset: "usage_feed_xid_offset",
};

/// The alert feed `reporting` follows: `alert_changes`, numbered and read as the usage feed.
pub const ALERT_FEED: PublishedFeed = PublishedFeed {
    table: "alert_changes",
    counters: "attendance_counters",
    offset: "alert_feed_xid_offset",
};

/// Appends a change of a voucher's units used to the usage feed, in the transaction that moved
/// the count, with the usage version [`set_units_used`] gave it; its sequence ([`USAGE_FEED`]).
pub async fn append_usage_change(
    conn: &mut AnyConnection,
    voucher_id: &str,
    units_used: i64,
    first_used_on: Option<NaiveDate>,
    usage_version: i64,
) -> Result<i64, AppError> {
    USAGE_FEED
        .append(
            conn,
            "voucher_id, units_used, first_used_on, occurred_at, usage_version",
            |query| {
                query
                    .bind(voucher_id)
                    .bind(units_used)
                    .bind(first_used_on.map(store_date))
                    .bind(now_micros())
                    .bind(usage_version)
            },
        )
        .await
}

/// Usage changes after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_page`]).
pub async fn list_usage_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::UsageChange>, AppError> {
    type UsageRecord = (i64, String, i64, Option<String>, i64, i64);
    let rows = USAGE_FEED
        .read_page(
            conn,
            after,
            limit,
            |settled| {
                // Only the constant condition is formatted in: no input reaches the SQL text.
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT sequence, voucher_id, units_used, first_used_on, occurred_at, \
                     usage_version FROM usage_changes WHERE sequence > $1 {settled} \
                     ORDER BY sequence LIMIT $2"
                )))
                .bind(after)
                .bind(limit)
            },
            |r: &UsageRecord| r.0,
        )
        .await?;
    rows.into_iter()
        .map(|(sequence, voucher_id, used, first, at, usage_version)| {
            Ok(pb::UsageChange {
                sequence,
                voucher_id,
                units_used: Some(to_units(used)),
                first_used_on: opt_stored_date(first)?.map(to_date),
                occurred_at_micros: at,
                usage_version,
            })
        })
        .collect()
}

/// The clients whose vouchers the usage changes after `after` up to `last` are about (the
/// audit entry of a feed read).
pub async fn clients_of_usage_changes(
    conn: &mut AnyConnection,
    after: i64,
    last: i64,
) -> Result<Vec<String>, AppError> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT client_id FROM vouchers WHERE id IN \
         (SELECT voucher_id FROM usage_changes WHERE sequence > $1 AND sequence <= $2)",
    )
    .bind(after)
    .bind(last)
    .fetch_all(&mut *conn)
    .await?)
}

/// Takes the client's lock (see the module doc) and returns the version of its sessions before
/// this change ([`client_sessions_with_version`]).
pub async fn lock_client(conn: &mut AnyConnection, client_id: &str) -> Result<i64, AppError> {
    let (after,): (i64,) = sqlx::query_as(
        "INSERT INTO client_locks (client_id, n) VALUES ($1, 1) \
         ON CONFLICT (client_id) DO UPDATE SET n = client_locks.n + 1 RETURNING n",
    )
    .bind(client_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(after - 1)
}

/// Every session of a client, any state, by date, and their version: how many changes of
/// them took [`lock_client`] (0 before the first, or when the client has no session yet). One
/// statement, so one snapshot: a change landing after it shows under the lock as a newer
/// version.
pub async fn client_sessions_with_version(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<(Vec<SessionRow>, i64), AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS}, \
         (SELECT n FROM client_locks WHERE client_id = $1) AS client_version \
         FROM sessions WHERE client_id = $1 ORDER BY session_date, id"
    )))
    .bind(client_id)
    .fetch_all(&mut *conn)
    .await?;
    let version = match rows.first() {
        Some(r) => r.try_get::<Option<i64>, _>("client_version")?.unwrap_or(0),
        None => 0,
    };
    let sessions = rows
        .iter()
        .map(session_from_row)
        .collect::<Result<_, _>>()?;
    Ok((sessions, version))
}

// ------------------------------------------------------------------------------ sessions

const SESSION_COLUMNS: &str = "id, voucher_id, client_id, provider_id, service_type, \
    session_date, start_time, end_time, hours, units, modality, kind, excursion, status, \
    details, cancellation, replaces_session_id, invoice_id, invoiced_units, \
    corrected_after_invoicing, version, created_at, updated_at";

fn session_from_row(r: &AnyRow) -> Result<SessionRow, AppError> {
    let service = service_of(&r.try_get::<String, _>("service_type")?)?;
    let date = parse_stored_date(&r.try_get::<String, _>("session_date")?)?;
    let start: Option<String> = r.try_get("start_time")?;
    let end: Option<String> = r.try_get("end_time")?;
    let time = match (start, end) {
        (Some(s), Some(e)) => Some((parse_stored_time(&s)?, parse_stored_time(&e)?)),
        _ => None,
    };
    let status = SessionStatus::parse(&r.try_get::<String, _>("status")?)?;
    let units: i64 = r.try_get("units")?;
    let details: pb::SessionDetails = decode(&r.try_get::<String, _>("details")?)?;
    let cancellation: Option<String> = r.try_get("cancellation")?;
    let cancellation = cancellation
        .map(|c| decode::<pb::Cancellation>(&c))
        .transpose()?;
    let invoice_id: Option<String> = r.try_get("invoice_id")?;
    let view = pb::Session {
        id: r.try_get("id")?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        service_type: to_service_type(service),
        details: Some(details),
        units: Some(to_units(units)),
        status: status.to_pb(),
        cancellation,
        replaces_session_id: r
            .try_get::<Option<String>, _>("replaces_session_id")?
            .unwrap_or_default(),
        invoice_id: invoice_id.clone().unwrap_or_default(),
        version: r.try_get("version")?,
        created_at_micros: r.try_get("created_at")?,
        updated_at_micros: r.try_get("updated_at")?,
    };
    Ok(SessionRow {
        id: view.id.clone(),
        voucher_id: view.voucher_id.clone(),
        client_id: view.client_id.clone(),
        provider_id: view.provider_id.clone(),
        service,
        date,
        time,
        hours: r.try_get("hours")?,
        units,
        modality: Modality::parse(&r.try_get::<String, _>("modality")?)?,
        kind: SessionKind::parse(&r.try_get::<String, _>("kind")?)?,
        excursion: r.try_get::<i64, _>("excursion")? != 0,
        status,
        invoice_id,
        invoiced_units: r.try_get("invoiced_units")?,
        corrected_after_invoicing: r.try_get::<i64, _>("corrected_after_invoicing")? != 0,
        view,
    })
}

/// Inserts a RECORDED session.
pub async fn insert_session(
    conn: &mut AnyConnection,
    id: &str,
    v: &Voucher,
    s: &SessionInput,
    units: i64,
    replaces: Option<&str>,
) -> Result<(), AppError> {
    let now = now_micros();
    sqlx::query(
        "INSERT INTO sessions (id, voucher_id, client_id, provider_id, service_type, \
         session_date, start_time, end_time, hours, units, modality, kind, excursion, status, \
         details, cancellation, replaces_session_id, invoice_id, invoiced_units, invoiced_kind, \
         corrected_after_invoicing, version, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'RECORDED', $14, NULL, \
         $15, NULL, NULL, NULL, 0, 1, $16, $16)",
    )
    .bind(id)
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(v.service.code())
    .bind(store_date(s.date))
    .bind(s.time.map(|(a, _)| store_time(a)))
    .bind(s.time.map(|(_, b)| store_time(b)))
    .bind(s.hours)
    .bind(units)
    .bind(s.modality.code())
    .bind(s.kind.code())
    .bind(i64::from(s.excursion))
    .bind(encode(&s.details))
    .bind(replaces.map(str::to_owned))
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a session's details (a correction); marks it corrected after invoicing when it was
/// invoiced. Returns the new version.
pub async fn correct_session(
    conn: &mut AnyConnection,
    id: &str,
    s: &SessionInput,
    units: i64,
) -> Result<i64, AppError> {
    let (version,): (i64,) = sqlx::query_as(
        "UPDATE sessions SET session_date = $2, start_time = $3, end_time = $4, hours = $5, \
         units = $6, modality = $7, kind = $8, excursion = $9, details = $10, \
         corrected_after_invoicing = CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END, \
         version = version + 1, updated_at = $11 WHERE id = $1 RETURNING version",
    )
    .bind(id)
    .bind(store_date(s.date))
    .bind(s.time.map(|(a, _)| store_time(a)))
    .bind(s.time.map(|(_, b)| store_time(b)))
    .bind(s.hours)
    .bind(units)
    .bind(s.modality.code())
    .bind(s.kind.code())
    .bind(i64::from(s.excursion))
    .bind(encode(&s.details))
    .bind(now_micros())
    .fetch_one(&mut *conn)
    .await?;
    Ok(version)
}

/// Moves a RECORDED session to `status` (a cancellation, a no-show or a void); `false` when it
/// is no longer RECORDED. Returns the new version when changed.
pub async fn set_status(
    conn: &mut AnyConnection,
    id: &str,
    status: SessionStatus,
    cancellation: Option<&pb::Cancellation>,
) -> Result<Option<i64>, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE sessions SET status = $2, cancellation = $3, \
         corrected_after_invoicing = CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END, \
         version = version + 1, updated_at = $4 \
         WHERE id = $1 AND status = 'RECORDED' RETURNING version",
    )
    .bind(id)
    .bind(status.code())
    .bind(cancellation.map(encode))
    .bind(now_micros())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(v,)| v))
}

/// Links a replacement session to the provider-cancelled session it replaces.
pub async fn link_replacement(
    conn: &mut AnyConnection,
    replacement: &str,
    replaced: &str,
) -> Result<(), AppError> {
    sqlx::query("UPDATE sessions SET replaces_session_id = $2 WHERE id = $1")
        .bind(replacement)
        .bind(replaced)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Loads a session, or `None`.
pub async fn load_session(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<SessionRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(session_from_row).transpose()
}

/// Every session of a client, any state, by date.
pub async fn client_sessions(
    conn: &mut AnyConnection,
    client_id: &str,
) -> Result<Vec<SessionRow>, AppError> {
    Ok(client_sessions_with_version(conn, client_id).await?.0)
}

/// Every session of a voucher dated in `[from, until]`, any state, by date.
pub async fn voucher_sessions_between(
    conn: &mut AnyConnection,
    voucher_id: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<SessionRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE voucher_id = $1 \
         AND session_date >= $2 AND session_date <= $3 ORDER BY session_date, id"
    )))
    .bind(voucher_id)
    .bind(store_date(from))
    .bind(store_date(until))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// How many sessions a voucher has (any state).
pub async fn count_sessions(conn: &mut AnyConnection, voucher_id: &str) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM sessions WHERE voucher_id = $1")
        .bind(voucher_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

/// Filters of a session listing (empty strings: no filter).
#[derive(Debug, Clone, Default)]
pub struct SessionFilter {
    /// Voucher.
    pub voucher_id: String,
    /// Client.
    pub client_id: String,
    /// Only this provider's (a provider's user).
    pub provider_id: String,
    /// State code.
    pub status: String,
}

/// A page of sessions by date after the cursor `(date, id)`.
pub async fn list_sessions(
    conn: &mut AnyConnection,
    f: &SessionFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<SessionRow>, AppError> {
    let (a_date, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {SESSION_COLUMNS} FROM sessions WHERE ($1 = '' OR voucher_id = $1) \
         AND ($2 = '' OR client_id = $2) AND ($3 = '' OR provider_id = $3) \
         AND ($4 = '' OR status = $4) \
         AND (session_date > $5 OR (session_date = $5 AND id > $6)) \
         ORDER BY session_date, id LIMIT $7"
    )))
    .bind(&f.voucher_id)
    .bind(&f.client_id)
    .bind(&f.provider_id)
    .bind(&f.status)
    .bind(a_date)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(session_from_row).collect()
}

/// Appends a revision of a session to its history.
#[allow(clippy::too_many_arguments)]
pub async fn append_history(
    conn: &mut AnyConnection,
    session_id: &str,
    version: i64,
    action: &str,
    reason: &str,
    details: &pb::SessionDetails,
    caller: &Caller,
    request_id: &str,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO session_history (session_id, version, action, reason, details, at, \
         actor_subject, actor_role, organisation, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(session_id)
    .bind(version)
    .bind(action)
    .bind(reason)
    .bind(encode(details))
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(request_id)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A stored revision: version, action, reason, details, at, subject, role, organisation.
type RevisionRow = (i64, String, String, String, i64, String, String, String);

/// A session's revisions, oldest first.
pub async fn history(
    conn: &mut AnyConnection,
    session_id: &str,
) -> Result<Vec<pb::SessionRevision>, AppError> {
    let rows: Vec<RevisionRow> = sqlx::query_as(
        "SELECT version, action, reason, details, at, actor_subject, actor_role, organisation \
         FROM session_history WHERE session_id = $1 ORDER BY version",
    )
    .bind(session_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(
            |(version, action, reason, details, at, subject, role, organisation)| {
                Ok(pb::SessionRevision {
                    version,
                    action,
                    reason,
                    details: Some(decode(&details)?),
                    at_micros: at,
                    actor: Some(Actor {
                        subject,
                        role,
                        organisation,
                    }),
                })
            },
        )
        .collect()
}

/// Vouchers of `provider_id` with sessions dated in `[from, until]`, by id, after `after`.
pub async fn billable_vouchers(
    conn: &mut AnyConnection,
    provider_id: &str,
    from: NaiveDate,
    until: NaiveDate,
    after: &str,
    limit: i64,
) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT DISTINCT voucher_id FROM sessions WHERE provider_id = $1 \
         AND session_date >= $2 AND session_date <= $3 AND voucher_id > $4 \
         ORDER BY voucher_id LIMIT $5",
    )
    .bind(provider_id)
    .bind(store_date(from))
    .bind(store_date(until))
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(v,)| v).collect())
}

/// Marks a session invoiced on `invoice_id` with `units`; `false` when it is on another
/// invoice already (or does not exist).
pub async fn mark_invoiced(
    conn: &mut AnyConnection,
    session_id: &str,
    invoice_id: &str,
    units: i64,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE sessions SET invoice_id = $2, invoiced_units = $3, corrected_after_invoicing = 0, \
         version = version + 1, updated_at = $4 \
         WHERE id = $1 AND (invoice_id IS NULL OR invoice_id = $2 OR corrected_after_invoicing = 1)",
    )
    .bind(session_id)
    .bind(invoice_id)
    .bind(units)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

// ------------------------------------------------------------------------------ absences

const ABSENCE_COLUMNS: &str = "id, voucher_id, client_id, absence_date, kind, reason, notes, \
    certificate_delivered, certificate_first_day, created_at";

fn absence_from_row(r: &AnyRow) -> Result<AbsenceRow, AppError> {
    let date = parse_stored_date(&r.try_get::<String, _>("absence_date")?)?;
    let kind = AbsenceKind::parse(&r.try_get::<String, _>("kind")?)?;
    let reason_code: String = r.try_get("reason")?;
    let reason = if reason_code.is_empty() {
        None
    } else {
        Some(AbsenceReason::parse(&reason_code)?)
    };
    let delivered = r.try_get::<i64, _>("certificate_delivered")? != 0;
    let first_day = r.try_get::<i64, _>("certificate_first_day")? != 0;
    Ok(AbsenceRow {
        date,
        kind,
        reason,
        certificate_delivered: delivered,
        certificate_first_day: first_day,
        view: pb::Absence {
            id: r.try_get("id")?,
            voucher_id: r.try_get("voucher_id")?,
            client_id: r.try_get("client_id")?,
            date: Some(to_date(date)),
            kind: kind.to_pb(),
            reason: reason.map(PbEnum::to_pb).unwrap_or_default(),
            notes: r.try_get("notes")?,
            certificate_delivered: delivered,
            certificate_required_from_first_day: first_day,
            created_at_micros: r.try_get("created_at")?,
        },
    })
}

/// Inserts an absence; ALREADY_EXISTS when the voucher has one on that day.
#[allow(clippy::too_many_arguments)]
pub async fn insert_absence(
    conn: &mut AnyConnection,
    id: &str,
    v: &Voucher,
    date: NaiveDate,
    kind: AbsenceKind,
    reason: Option<AbsenceReason>,
    notes: &str,
    certificate_delivered: bool,
    certificate_first_day: bool,
) -> Result<(), AppError> {
    let r = sqlx::query(
        "INSERT INTO absences (id, voucher_id, client_id, absence_date, kind, reason, notes, \
         certificate_delivered, certificate_first_day, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
         ON CONFLICT (voucher_id, absence_date) DO NOTHING",
    )
    .bind(id)
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(store_date(date))
    .bind(kind.code())
    .bind(reason.map(|r| r.code()).unwrap_or_default())
    .bind(notes)
    .bind(i64::from(certificate_delivered))
    .bind(i64::from(certificate_first_day))
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Err(AppError::AlreadyExists(format!(
            "an absence is already recorded on {date}"
        )));
    }
    Ok(())
}

/// Every absence of a voucher, by date.
pub async fn voucher_absences(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<AbsenceRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE voucher_id = $1 ORDER BY absence_date"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(absence_from_row).collect()
}

/// A page of a voucher's absences by date after the cursor `(date, id)`.
pub async fn list_absences(
    conn: &mut AnyConnection,
    voucher_id: &str,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<AbsenceRow>, AppError> {
    let (a_date, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ABSENCE_COLUMNS} FROM absences WHERE voucher_id = $1 \
         AND (absence_date > $2 OR (absence_date = $2 AND id > $3)) \
         ORDER BY absence_date, id LIMIT $4"
    )))
    .bind(voucher_id)
    .bind(a_date)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(absence_from_row).collect()
}

// ------------------------------------------------------------------------------ alerts

const ALERT_COLUMNS: &str = "id, rule_id, audience, voucher_id, client_id, provider_id, \
    social_worker, message_en, message_fi, due_on, state, subject_id, resolution, created_at";

fn alert_from_row(r: &AnyRow) -> Result<pb::Alert, AppError> {
    Ok(pb::Alert {
        id: r.try_get("id")?,
        rule_id: r.try_get("rule_id")?,
        audience: Audience::parse(&r.try_get::<String, _>("audience")?)?.to_pb(),
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        message_en: r.try_get("message_en")?,
        message_fi: r.try_get("message_fi")?,
        due_on: Some(to_date(parse_stored_date(
            &r.try_get::<String, _>("due_on")?,
        )?)),
        state: AlertState::parse(&r.try_get::<String, _>("state")?)?.to_pb(),
        subject_id: r.try_get("subject_id")?,
        created_at_micros: r.try_get("created_at")?,
        resolution: r.try_get("resolution")?,
    })
}

/// Raises an alert on voucher `v` unless one with the same key exists; the new alert, if any.
pub async fn insert_alert(
    conn: &mut AnyConnection,
    v: &Voucher,
    a: &NewAlert,
) -> Result<Option<pb::Alert>, AppError> {
    let id = new_id();
    let r = sqlx::query(
        "INSERT INTO alerts (id, dedup_key, rule_id, audience, voucher_id, client_id, \
         provider_id, social_worker, message_en, message_fi, due_on, state, subject_id, \
         resolution, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, 'OPEN', $12, '', $13) \
         ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&a.dedup_key)
    .bind(a.rule_id)
    .bind(a.audience.code())
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(&a.message_en)
    .bind(&a.message_fi)
    .bind(store_date(a.due_on))
    .bind(&a.subject_id)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(None);
    }
    load_alert(conn, &id).await
}

/// Loads an alert, or `None`.
pub async fn load_alert(conn: &mut AnyConnection, id: &str) -> Result<Option<pb::Alert>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(alert_from_row).transpose()
}

/// OPEN → RESOLVED; `false` when it was not open.
pub async fn resolve_alert(
    conn: &mut AnyConnection,
    id: &str,
    resolution: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE alerts SET state = 'RESOLVED', resolution = $2 WHERE id = $1 AND state = 'OPEN'",
    )
    .bind(id)
    .bind(resolution)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Filters of an alert listing (empty strings: no filter).
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    /// Provider.
    pub provider_id: String,
    /// Social worker.
    pub social_worker: String,
    /// Voucher.
    pub voucher_id: String,
    /// State code.
    pub state: String,
}

/// A page of alerts by due date after the cursor `(due_on, id)`.
pub async fn list_alerts(
    conn: &mut AnyConnection,
    f: &AlertFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<pb::Alert>, AppError> {
    let (a_due, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ALERT_COLUMNS} FROM alerts WHERE ($1 = '' OR provider_id = $1) \
         AND ($2 = '' OR social_worker = $2) AND ($3 = '' OR voucher_id = $3) \
         AND ($4 = '' OR state = $4) AND (due_on > $5 OR (due_on = $5 AND id > $6)) \
         ORDER BY due_on, id LIMIT $7"
    )))
    .bind(&f.provider_id)
    .bind(&f.social_worker)
    .bind(&f.voucher_id)
    .bind(&f.state)
    .bind(a_due)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(alert_from_row).collect()
}

/// Appends an alert change to the feed; its sequence ([`ALERT_FEED`]).
pub async fn append_alert_change(
    conn: &mut AnyConnection,
    alert: &pb::Alert,
    kind: pb::AlertChangeKind,
) -> Result<i64, AppError> {
    ALERT_FEED
        .append(conn, "alert_id, kind, snapshot", |query| {
            query
                .bind(&alert.id)
                .bind(kind.as_str_name())
                .bind(encode(alert))
        })
        .await
}

/// Alert changes after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_page`]).
pub async fn list_alert_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::AlertChange>, AppError> {
    let rows = ALERT_FEED
        .read_page(
            conn,
            after,
            limit,
            |settled| {
                // Only the constant condition is formatted in: no input reaches the SQL text.
                sqlx::query_as(sqlx::AssertSqlSafe(format!(
                    "SELECT sequence, kind, snapshot FROM alert_changes \
                     WHERE sequence > $1 {settled} ORDER BY sequence LIMIT $2"
                )))
                .bind(after)
                .bind(limit)
            },
            |r: &(i64, String, String)| r.0,
        )
        .await?;
    rows.into_iter()
        .map(|(sequence, kind, snapshot)| {
            Ok(pb::AlertChange {
                sequence,
                kind: pb::AlertChangeKind::from_str_name(&kind)
                    .map(|k| k as i32)
                    .unwrap_or_default(),
                alert: Some(decode(&snapshot)?),
            })
        })
        .collect()
}

// ------------------------------------------------------------------------------ groups

const GROUP_COLUMNS: &str = "id, provider_id, service_type, name, mode, max_size, \
    announced_start, start_on, schedule, state, decision_reason, version, created_at, updated_at";

const ENROLMENT_COLUMNS: &str = "group_id, voucher_id, client_id, joins_on, state, enrolled_on, \
    withdrawn_on, withdrawal_reason";

fn group_from_row(r: &AnyRow) -> Result<GroupRow, AppError> {
    Ok(GroupRow {
        id: r.try_get("id")?,
        provider_id: r.try_get("provider_id")?,
        service: service_of(&r.try_get::<String, _>("service_type")?)?,
        name: r.try_get("name")?,
        mode: GroupMode::parse(&r.try_get::<String, _>("mode")?)?,
        max_size: u32::try_from(r.try_get::<i64, _>("max_size")?).unwrap_or_default(),
        announced_start: parse_stored_date(&r.try_get::<String, _>("announced_start")?)?,
        start: parse_stored_date(&r.try_get::<String, _>("start_on")?)?,
        schedule: r.try_get("schedule")?,
        state: GroupState::parse(&r.try_get::<String, _>("state")?)?,
        decision_reason: r.try_get("decision_reason")?,
        version: r.try_get("version")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        enrolments: Vec::new(),
    })
}

fn enrolment_from_row(r: &AnyRow) -> Result<EnrolmentRow, AppError> {
    Ok(EnrolmentRow {
        group_id: r.try_get("group_id")?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        joins_on: parse_stored_date(&r.try_get::<String, _>("joins_on")?)?,
        state: EnrolmentState::parse(&r.try_get::<String, _>("state")?)?,
        enrolled_on: parse_stored_date(&r.try_get::<String, _>("enrolled_on")?)?,
        withdrawn_on: opt_stored_date(r.try_get("withdrawn_on")?)?,
        withdrawal_reason: r.try_get("withdrawal_reason")?,
    })
}

/// Inserts an ANNOUNCED group starting on its announced start.
pub async fn insert_group(
    conn: &mut AnyConnection,
    id: &str,
    provider_id: &str,
    g: &GroupInput,
) -> Result<(), AppError> {
    let now = now_micros();
    sqlx::query(
        "INSERT INTO coaching_groups (id, provider_id, service_type, name, mode, max_size, \
         announced_start, start_on, schedule, state, decision_reason, version, created_at, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, 'ANNOUNCED', '', 1, $9, $9)",
    )
    .bind(id)
    .bind(provider_id)
    .bind(g.service.code())
    .bind(&g.name)
    .bind(g.mode.code())
    .bind(i64::from(g.max_size))
    .bind(store_date(g.announced_start))
    .bind(&g.schedule)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A group's enrolments, by voucher id.
pub async fn group_enrolments(
    conn: &mut AnyConnection,
    group_id: &str,
) -> Result<Vec<EnrolmentRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {ENROLMENT_COLUMNS} FROM group_enrolments WHERE group_id = $1 ORDER BY voucher_id"
    )))
    .bind(group_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(enrolment_from_row).collect()
}

/// Loads a group with its enrolments, or `None`.
pub async fn load_group(conn: &mut AnyConnection, id: &str) -> Result<Option<GroupRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM coaching_groups WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(mut g) = row.as_ref().map(group_from_row).transpose()? else {
        return Ok(None);
    };
    g.enrolments = group_enrolments(conn, id).await?;
    Ok(Some(g))
}

impl Aggregate for GroupRow {
    const TABLE: &'static str = "coaching_groups";
    const KIND: &'static str = "group";
    fn load<'c>(
        conn: &'c mut AnyConnection,
        id: &'c str,
    ) -> impl std::future::Future<Output = Result<Option<Self>, AppError>> + Send + 'c {
        load_group(conn, id)
    }
}

/// A page of groups by start after the cursor `(start, id)`, with their enrolments.
pub async fn list_groups(
    conn: &mut AnyConnection,
    provider_id: &str,
    service: Option<ServiceType>,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<GroupRow>, AppError> {
    let (a_start, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {GROUP_COLUMNS} FROM coaching_groups WHERE ($1 = '' OR provider_id = $1) \
         AND ($2 = '' OR service_type = $2) \
         AND (start_on > $3 OR (start_on = $3 AND id > $4)) ORDER BY start_on, id LIMIT $5"
    )))
    .bind(provider_id)
    .bind(service.map(|s| s.code()).unwrap_or_default())
    .bind(a_start)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let mut g = group_from_row(r)?;
        g.enrolments = group_enrolments(conn, &g.id).await?;
        out.push(g);
    }
    Ok(out)
}

/// Enrols a voucher (again, when it was withdrawn): ENROLLED from `enrolled_on`.
pub async fn enrol(
    conn: &mut AnyConnection,
    group_id: &str,
    v: &Voucher,
    joins_on: NaiveDate,
    enrolled_on: NaiveDate,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO group_enrolments (group_id, voucher_id, client_id, joins_on, state, \
         enrolled_on, withdrawn_on, withdrawal_reason) \
         VALUES ($1, $2, $3, $4, 'ENROLLED', $5, NULL, '') \
         ON CONFLICT (group_id, voucher_id) DO UPDATE SET joins_on = excluded.joins_on, \
         state = 'ENROLLED', enrolled_on = excluded.enrolled_on, withdrawn_on = NULL, \
         withdrawal_reason = ''",
    )
    .bind(group_id)
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(store_date(joins_on))
    .bind(store_date(enrolled_on))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// ENROLLED → WITHDRAWN on `on`; `false` when it was not enrolled.
pub async fn withdraw(
    conn: &mut AnyConnection,
    group_id: &str,
    voucher_id: &str,
    on: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE group_enrolments SET state = 'WITHDRAWN', withdrawn_on = $3, \
         withdrawal_reason = $4 WHERE group_id = $1 AND voucher_id = $2 AND state = 'ENROLLED'",
    )
    .bind(group_id)
    .bind(voucher_id)
    .bind(store_date(on))
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Counts a change of the group (enrolments, sessions) in its version.
pub async fn touch_group(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE coaching_groups SET version = version + 1, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_micros())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// ANNOUNCED → CANCELLED; `false` when it was not announced.
pub async fn cancel_group(
    conn: &mut AnyConnection,
    id: &str,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE coaching_groups SET state = 'CANCELLED', decision_reason = $2, \
         version = version + 1, updated_at = $3 WHERE id = $1 AND state = 'ANNOUNCED'",
    )
    .bind(id)
    .bind(reason)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// Moves an ANNOUNCED group's start to `new_start`; enrolled clients who were to join before
/// it join on it. `false` when it was not announced.
pub async fn delay_group(
    conn: &mut AnyConnection,
    id: &str,
    new_start: NaiveDate,
    reason: &str,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "UPDATE coaching_groups SET start_on = $2, decision_reason = $3, \
         version = version + 1, updated_at = $4 WHERE id = $1 AND state = 'ANNOUNCED'",
    )
    .bind(id)
    .bind(store_date(new_start))
    .bind(reason)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    if r.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query(
        "UPDATE group_enrolments SET joins_on = $2 WHERE group_id = $1 AND joins_on < $2 \
         AND state = 'ENROLLED'",
    )
    .bind(id)
    .bind(store_date(new_start))
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

// ------------------------------------------------------------------------------ activity

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
