//! Sessions (`sessions`, `session_history`) and the client's lock (`client_locks`) every change of
//! a client's sessions takes, whose counter is also the version of those sessions.

use chrono::{NaiveDate, NaiveTime};
use seteli_api::attendance::v1 as pb;
use seteli_api::common::v1::Actor;
use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::convert::{PbEnum, parse_stored_date, store_date, to_service_type};
use seteli_platform::db::{is_postgres, now_micros};
use seteli_platform::packed::{packed_rows, unpack};
use seteli_platform::statement::Binds;
use sqlx::AnyConnection;

use crate::model::{
    Modality, SessionFact, SessionInput, SessionKind, SessionRow, SessionStatus, Voucher, to_units,
};
use crate::wire::{parse_stored_time, store_time};
use seteli_platform::convert::{store_message, stored_message, stored_service};

const SESSION_COLUMNS: &str = "id, voucher_id, client_id, provider_id, service_type, \
    session_date, start_time, end_time, hours, units, modality, kind, excursion, status, \
    details, cancellation, replaces_session_id, invoice_id, invoiced_units, \
    corrected_after_invoicing, version, created_at, updated_at";

/// What a session write's decision reads of each session ([`SessionFact`], in its order): the
/// facts the rules and the count read, not the session's contract view.
const FACT_COLUMNS: &str = "id, voucher_id, service_type, session_date, start_time, end_time, \
    hours, units, modality, kind, excursion, status";

/// A session's [`FACT_COLUMNS`] as a packed row.
#[derive(Debug, serde::Deserialize)]
struct StoredFact {
    id: String,
    voucher_id: String,
    service_type: String,
    session_date: String,
    start_time: Option<String>,
    end_time: Option<String>,
    hours: i64,
    units: i64,
    modality: String,
    kind: String,
    excursion: i64,
    status: String,
}

impl StoredFact {
    fn into_fact(self) -> Result<SessionFact, AppError> {
        Ok(SessionFact {
            id: self.id,
            voucher_id: self.voucher_id,
            service: stored_service(&self.service_type)?,
            date: parse_stored_date(&self.session_date)?,
            time: stored_times(self.start_time.as_deref(), self.end_time.as_deref())?,
            hours: self.hours,
            units: self.units,
            modality: Modality::parse(&self.modality)?,
            kind: SessionKind::parse(&self.kind)?,
            excursion: self.excursion != 0,
            status: SessionStatus::parse(&self.status)?,
        })
    }
}

/// A session's clock times as stored (`HH:MM`), when it has both.
fn stored_times(
    start: Option<&str>,
    end: Option<&str>,
) -> Result<Option<(NaiveTime, NaiveTime)>, AppError> {
    match (start, end) {
        (Some(s), Some(e)) => Ok(Some((parse_stored_time(s)?, parse_stored_time(e)?))),
        _ => Ok(None),
    }
}

/// A session's columns as stored, in the order of [`SESSION_COLUMNS`], as a packed row
/// ([`seteli_platform::packed`]: serde reads a struct from an array in field order).
#[derive(Debug, serde::Deserialize)]
struct StoredSession {
    id: String,
    voucher_id: String,
    client_id: String,
    provider_id: String,
    service_type: String,
    session_date: String,
    start_time: Option<String>,
    end_time: Option<String>,
    hours: i64,
    units: i64,
    modality: String,
    kind: String,
    excursion: i64,
    status: String,
    details: String,
    cancellation: Option<String>,
    replaces_session_id: Option<String>,
    invoice_id: Option<String>,
    invoiced_units: Option<i64>,
    corrected_after_invoicing: i64,
    version: i64,
    created_at: i64,
    updated_at: i64,
}

impl StoredSession {
    fn into_session(self) -> Result<SessionRow, AppError> {
        let service = stored_service(&self.service_type)?;
        let time = stored_times(self.start_time.as_deref(), self.end_time.as_deref())?;
        let status = SessionStatus::parse(&self.status)?;
        let details: pb::SessionDetails = stored_message(&self.details, "session")?;
        let cancellation = self
            .cancellation
            .map(|c| stored_message::<pb::Cancellation>(&c, "cancellation"))
            .transpose()?;
        let view = pb::Session {
            id: self.id.clone(),
            voucher_id: self.voucher_id.clone(),
            client_id: self.client_id.clone(),
            provider_id: self.provider_id.clone(),
            service_type: to_service_type(service),
            details: Some(details),
            units: Some(to_units(self.units)),
            status: status.to_pb(),
            cancellation,
            replaces_session_id: self.replaces_session_id.unwrap_or_default(),
            invoice_id: self.invoice_id.clone().unwrap_or_default(),
            version: self.version,
            created_at_micros: self.created_at,
            updated_at_micros: self.updated_at,
        };
        Ok(SessionRow {
            id: self.id,
            voucher_id: self.voucher_id,
            client_id: self.client_id,
            provider_id: self.provider_id,
            service,
            date: parse_stored_date(&self.session_date)?,
            time,
            hours: self.hours,
            units: self.units,
            modality: Modality::parse(&self.modality)?,
            kind: SessionKind::parse(&self.kind)?,
            excursion: self.excursion != 0,
            status,
            invoice_id: self.invoice_id,
            invoiced_units: self.invoiced_units,
            corrected_after_invoicing: self.corrected_after_invoicing != 0,
            view,
        })
    }
}

/// The statement whose one value packs the sessions `from` (`FROM sessions WHERE …`) selects,
/// by date ([`seteli_platform::packed`]): sessions are read packed, every read of them being
/// one of many rows or on a session write's path.
fn packed_sessions(conn: &AnyConnection, from: &str) -> String {
    let packed = packed_rows(is_postgres(conn), SESSION_COLUMNS, from, "session_date, id");
    format!("SELECT {packed}")
}

/// The sessions a statement of [`packed_sessions`] answered.
fn unpacked_sessions(packed: Option<&str>) -> Result<Vec<SessionRow>, AppError> {
    unpack::<StoredSession>(packed)?
        .into_iter()
        .map(StoredSession::into_session)
        .collect()
}

/// Takes the client's lock (see the module doc) and returns the version of its sessions before
/// this change ([`SessionDecisionReads::version`]).
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

/// [`lock_client`] as a part of a composed statement: takes the lock of a client whose
/// sessions a decision read at `version`, for each row of `gate`; one row (`n`) when they are
/// still at that version, none when a change of them landed since (then it writes nothing).
pub(super) fn lock_client_part(b: &mut Binds, client_id: &str, version: i64, gate: &str) -> String {
    let version = b.int(version);
    format!(
        "INSERT INTO client_locks (client_id, n) SELECT {}, {version} + 1 FROM {gate} \
         ON CONFLICT (client_id) DO UPDATE SET n = client_locks.n + 1 \
         WHERE client_locks.n = {version} RETURNING n",
        b.text(client_id),
    )
}

/// What deciding a new session on a voucher's `date` reads of the client and the voucher
/// ([`session_decision_reads`]).
pub struct SessionDecisionReads {
    /// The sessions a decision on `date` is made against (`DECISION_SESSIONS`: every one of
    /// the voucher, the client's others in `date`'s ISO week), any state, by date: what the
    /// decision reads of each.
    pub sessions: Vec<SessionFact>,
    /// Their version: how many changes of them took [`lock_client`] (0 before the first, or
    /// when the client has no session yet). Read in the same statement as the sessions, so a
    /// change landing after it shows under the lock as a newer version.
    pub version: i64,
    /// Whether the voucher records `date` as an absence or a day without service (ABS-RECORD).
    pub absent_on_date: bool,
}

/// Which of the client's sessions a decision on `voucher_id` for `date` is made against: every
/// session of that voucher (its period, its units, its no-shows, its hours) and the client's
/// sessions on other vouchers in `date`'s ISO week, the only ones the rules read of them
/// (CAP-WEEKLY per person, COACHING-NOT-DURING-WORK on the same day). A client's history on
/// earlier vouchers is not read again by every write. `$1` is the client, `$2` the voucher, `$3`
/// and `$4` the week's first and last day.
const DECISION_SESSIONS: &str = "FROM sessions WHERE client_id = $1 \
     AND (voucher_id = $2 OR session_date BETWEEN $3 AND $4)";

/// The first and last day of `date`'s ISO week (Monday to Sunday), as stored.
fn iso_week_of(date: NaiveDate) -> (String, String) {
    let week = date.week(chrono::Weekday::Mon);
    (store_date(week.first_day()), store_date(week.last_day()))
}

/// The sessions a decision on `date` is made against (`DECISION_SESSIONS`, by date), the
/// client's version and whether the voucher records `date` as an absence: one statement (one
/// snapshot) of one row, the sessions packed into one value ([`seteli_platform::packed`]: this
/// read is on every session write, and row by row its conversion was most of attendance's CPU
/// per write).
pub async fn session_decision_reads(
    conn: &mut AnyConnection,
    client_id: &str,
    voucher_id: &str,
    date: NaiveDate,
) -> Result<SessionDecisionReads, AppError> {
    let (monday, sunday) = iso_week_of(date);
    let sessions = packed_rows(
        is_postgres(conn),
        FACT_COLUMNS,
        DECISION_SESSIONS,
        "session_date, id",
    );
    let (version, absent, packed): (Option<i64>, i64, Option<String>) =
        sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT n FROM client_locks WHERE client_id = $1), \
             (SELECT COUNT(*) FROM absences WHERE voucher_id = $2 AND absence_date = $5), \
             {sessions}"
        )))
        .bind(client_id)
        .bind(voucher_id)
        .bind(monday)
        .bind(sunday)
        .bind(store_date(date))
        .fetch_one(&mut *conn)
        .await?;
    Ok(SessionDecisionReads {
        sessions: unpack::<StoredFact>(packed.as_deref())?
            .into_iter()
            .map(StoredFact::into_fact)
            .collect::<Result<_, _>>()?,
        version: version.unwrap_or(0),
        absent_on_date: absent > 0,
    })
}

/// A new session as [`insert_session`] stores it: recorded at `now`, version 1, on `v` with
/// `units`, replacing `replaces` if given.
pub fn recorded_session(
    id: &str,
    v: &Voucher,
    s: &SessionInput,
    units: i64,
    replaces: Option<&str>,
    now: i64,
) -> SessionRow {
    let view = pb::Session {
        id: id.to_owned(),
        voucher_id: v.id.clone(),
        client_id: v.client_id.clone(),
        provider_id: v.provider_id.clone(),
        service_type: to_service_type(v.service),
        details: Some(s.details.clone()),
        units: Some(to_units(units)),
        status: SessionStatus::Recorded.to_pb(),
        cancellation: None,
        replaces_session_id: replaces.unwrap_or_default().to_owned(),
        invoice_id: String::new(),
        version: 1,
        created_at_micros: now,
        updated_at_micros: now,
    };
    SessionRow {
        id: id.to_owned(),
        voucher_id: v.id.clone(),
        client_id: v.client_id.clone(),
        provider_id: v.provider_id.clone(),
        service: v.service,
        date: s.date,
        time: s.time,
        hours: s.hours,
        units,
        modality: s.modality,
        kind: s.kind,
        excursion: s.excursion,
        status: SessionStatus::Recorded,
        invoice_id: None,
        invoiced_units: None,
        corrected_after_invoicing: false,
        view,
    }
}

/// Inserts a new session (RECORDED, version 1) and returns it as stored
/// ([`recorded_session`]).
pub async fn insert_session(
    conn: &mut AnyConnection,
    id: &str,
    v: &Voucher,
    s: &SessionInput,
    units: i64,
    replaces: Option<&str>,
) -> Result<SessionRow, AppError> {
    let row = recorded_session(id, v, s, units, replaces, now_micros());
    let mut binds = Binds::new();
    let insert = session_insert(&mut binds, &row, "");
    binds.query(insert).execute(&mut *conn).await?;
    Ok(row)
}

/// The `INSERT` of `row`, a new session: its values `SELECT`ed, `from` (empty, or `FROM` the
/// part before it in a composed statement).
pub(super) fn session_insert(b: &mut Binds, row: &SessionRow, from: &str) -> String {
    let details = store_message(&row.view.details.clone().unwrap_or_default());
    let now = b.int(row.view.created_at_micros);
    format!(
        "INSERT INTO sessions (id, voucher_id, client_id, provider_id, service_type, \
         session_date, start_time, end_time, hours, units, modality, kind, excursion, status, \
         details, cancellation, replaces_session_id, invoice_id, invoiced_units, invoiced_kind, \
         corrected_after_invoicing, version, created_at, updated_at) \
         SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, 'RECORDED', {}, NULL, {}, \
         NULL, NULL, NULL, 0, 1, {now}, {now} {from}",
        b.text(row.id.as_str()),
        b.text(row.voucher_id.as_str()),
        b.text(row.client_id.as_str()),
        b.text(row.provider_id.as_str()),
        b.text(row.service.code()),
        b.text(store_date(row.date)),
        b.opt_text(row.time.map(|(a, _)| store_time(a))),
        b.opt_text(row.time.map(|(_, z)| store_time(z))),
        b.int(row.hours),
        b.int(row.units),
        b.text(row.modality.code()),
        b.text(row.kind.code()),
        b.int(i64::from(row.excursion)),
        b.text(details),
        b.opt_text(Some(row.view.replaces_session_id.clone()).filter(|r| !r.is_empty())),
    )
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
    .bind(store_message(&s.details))
    .bind(now_micros())
    .fetch_one(&mut *conn)
    .await?;
    Ok(version)
}

/// Moves a RECORDED session to `status` (a cancellation, a no-show or a void); `false` when it
/// Cancels a session by the end of its voucher (PROC-INTERRUPT): an agreed one or a no-show,
/// its cancellation (if any) kept as it was; the new version, or `None` when it is neither any
/// more.
pub async fn cancel_at_end(conn: &mut AnyConnection, id: &str) -> Result<Option<i64>, AppError> {
    let row: Option<(i64,)> = sqlx::query_as(
        "UPDATE sessions SET status = 'CANCELLED_AT_END', version = version + 1, updated_at = $2 \
         WHERE id = $1 AND status IN ('RECORDED', 'NO_SHOW') RETURNING version",
    )
    .bind(id)
    .bind(now_micros())
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(v,)| v))
}

/// Moves a RECORDED session to `status` (voided, cancelled, a no-show) with its cancellation,
/// marking it corrected after invoicing when it was invoiced; nothing when the session is no
/// longer RECORDED. Returns the new version when changed.
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
    .bind(cancellation.map(store_message))
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
    let sql = packed_sessions(conn, "FROM sessions WHERE id = $1");
    let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(unpacked_sessions(packed.as_deref())?.pop())
}

/// Every session of a voucher dated in `[from, until]`, any state, by date.
pub async fn voucher_sessions_between(
    conn: &mut AnyConnection,
    voucher_id: &str,
    from: NaiveDate,
    until: NaiveDate,
) -> Result<Vec<SessionRow>, AppError> {
    let sql = packed_sessions(
        conn,
        "FROM sessions WHERE voucher_id = $1 AND session_date >= $2 AND session_date <= $3",
    );
    let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(voucher_id)
        .bind(store_date(from))
        .bind(store_date(until))
        .fetch_one(&mut *conn)
        .await?;
    unpacked_sessions(packed.as_deref())
}

/// Every session of a voucher, any state, by date.
pub async fn all_voucher_sessions(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<SessionRow>, AppError> {
    let sql = packed_sessions(conn, "FROM sessions WHERE voucher_id = $1");
    let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(voucher_id)
        .fetch_one(&mut *conn)
        .await?;
    unpacked_sessions(packed.as_deref())
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
    /// Only sessions of vouchers this social worker is responsible for (a social worker)…
    pub social_worker: String,
    /// …or their team is (`""`: no team).
    pub social_worker_team: String,
}

/// A page of sessions by date after the cursor `(date, id)`.
pub async fn list_sessions(
    conn: &mut AnyConnection,
    f: &SessionFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<SessionRow>, AppError> {
    let (a_date, a_id) = after.unwrap_or_default();
    // The page is cut before it is packed.
    let sql = packed_sessions(
        conn,
        "FROM (SELECT * FROM sessions WHERE ($1 = '' OR voucher_id = $1) \
         AND ($2 = '' OR client_id = $2) AND ($3 = '' OR provider_id = $3) \
         AND ($4 = '' OR status = $4) \
         AND (session_date > $5 OR (session_date = $5 AND id > $6)) \
         AND ($8 = '' OR voucher_id IN (SELECT id FROM vouchers WHERE social_worker = $8 \
                                        OR ($9 <> '' AND social_worker_team = $9))) \
         ORDER BY session_date, id LIMIT $7) s",
    );
    let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
        .bind(&f.voucher_id)
        .bind(&f.client_id)
        .bind(&f.provider_id)
        .bind(&f.status)
        .bind(a_date)
        .bind(a_id)
        .bind(limit)
        .bind(&f.social_worker)
        .bind(&f.social_worker_team)
        .fetch_one(&mut *conn)
        .await?;
    unpacked_sessions(packed.as_deref())
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
    let mut binds = Binds::new();
    let id = binds.text(session_id);
    let revision = Revision {
        version,
        action,
        reason,
        details,
    };
    let insert = history_insert(&mut binds, &id, &revision, caller, request_id, "");
    binds.query(insert).execute(&mut *conn).await?;
    Ok(())
}

/// A revision of a session as its history keeps it.
pub(super) struct Revision<'a> {
    pub version: i64,
    pub action: &'a str,
    pub reason: &'a str,
    pub details: &'a pb::SessionDetails,
}

/// The `INSERT` of `revision` of the session `session_id` (an SQL expression: a placeholder,
/// or a column of the part before it) into its history, by `caller`: its values `SELECT`ed,
/// `from` (empty, or `FROM` that part).
pub(super) fn history_insert(
    b: &mut Binds,
    session_id: &str,
    revision: &Revision<'_>,
    caller: &Caller,
    request_id: &str,
    from: &str,
) -> String {
    format!(
        "INSERT INTO session_history (session_id, version, action, reason, details, at, \
         actor_subject, actor_role, organisation, request_id) \
         SELECT {session_id}, {}, {}, {}, {}, {}, {}, {}, {}, {} {from}",
        b.int(revision.version),
        b.text(revision.action),
        b.text(revision.reason),
        b.text(store_message(revision.details)),
        b.int(now_micros()),
        b.text(caller.subject.as_str()),
        b.text(caller.role.as_str()),
        b.text(caller.organisation()),
        b.text(request_id),
    )
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
                    details: Some(stored_message(&details, "session")?),
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
