//! SQL of the reporting service, returning model types. Portable over SQLite and PostgreSQL.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::change::Aggregate;
use seteli_platform::convert::{parse_stored_date, store_date};
use seteli_platform::db::now_micros;
use seteli_rules::ServiceType;
use seteli_rules::reports::ReportObligation;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{
    ObligationRow, ReportState, Sections, Voucher, kind_code, kind_from_code, obligation_id,
};

fn corrupt(what: &str, value: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("unknown stored {what} {value:?}"))
}

fn service_of(code: &str) -> Result<ServiceType, AppError> {
    ServiceType::from_code(code).ok_or_else(|| corrupt("service", code))
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

/// Inserts or updates a followed voucher from the change with sequence `v.feed_sequence`,
/// unless it already has that change or a newer one: newer by the voucher's version first (two
/// changes of one voucher can stand in the feed in the other order than they were made), then
/// by sequence. The social worker is set by the ISSUED
/// change only (an empty one keeps the stored).
pub async fn upsert_voucher(conn: &mut AnyConnection, v: &Voucher) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO vouchers (id, client_id, provider_id, social_worker, service_type, state, \
         valid_from, valid_until, ended_on, continues_voucher_id, feed_sequence, \
         voucher_version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         social_worker = CASE WHEN excluded.social_worker = '' THEN vouchers.social_worker \
                         ELSE excluded.social_worker END, \
         state = excluded.state, valid_from = excluded.valid_from, \
         valid_until = excluded.valid_until, ended_on = excluded.ended_on, \
         continues_voucher_id = excluded.continues_voucher_id, \
         feed_sequence = excluded.feed_sequence, voucher_version = excluded.voucher_version \
         WHERE (vouchers.voucher_version, vouchers.feed_sequence) \
             < (excluded.voucher_version, excluded.feed_sequence)",
    )
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(v.service.code())
    .bind(&v.state)
    .bind(store_date(v.valid_from))
    .bind(store_date(v.valid_until))
    .bind(v.ended_on.map(store_date))
    .bind(&v.continues_voucher_id)
    .bind(v.feed_sequence)
    .bind(v.version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

const VOUCHER_COLUMNS: &str = "id, client_id, provider_id, social_worker, service_type, state, \
    valid_from, valid_until, ended_on, continues_voucher_id, feed_sequence, voucher_version";

fn voucher_from_row(r: &AnyRow) -> Result<Voucher, AppError> {
    Ok(Voucher {
        id: r.try_get("id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        service: service_of(&r.try_get::<String, _>("service_type")?)?,
        state: r.try_get("state")?,
        valid_from: parse_stored_date(&r.try_get::<String, _>("valid_from")?)?,
        valid_until: parse_stored_date(&r.try_get::<String, _>("valid_until")?)?,
        ended_on: opt_stored_date(r.try_get("ended_on")?)?,
        continues_voucher_id: r.try_get("continues_voucher_id")?,
        version: r.try_get("voucher_version")?,
        feed_sequence: r.try_get("feed_sequence")?,
    })
}

/// A followed voucher, or `None`.
pub async fn load_voucher(conn: &mut AnyConnection, id: &str) -> Result<Option<Voucher>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {VOUCHER_COLUMNS} FROM vouchers WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(voucher_from_row).transpose()
}

/// Whether an extension continuing voucher `id` has been issued (and not cancelled or expired).
pub async fn is_continued(conn: &mut AnyConnection, id: &str) -> Result<bool, AppError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM vouchers WHERE continues_voucher_id = $1 \
         AND state NOT IN ('CANCELLED', 'EXPIRED')",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

// ------------------------------------------------------------------------------ obligations

const OBLIGATION_COLUMNS: &str = "id, voucher_id, client_id, provider_id, social_worker, \
    service_type, kind, rule, due_on, active, report_state, goals_and_attainment, changes, \
    means_with_examples, follow_up_plan, notes, submitted_on, late, revision_reason, version";

fn obligation_from_row(r: &AnyRow) -> Result<ObligationRow, AppError> {
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("report_state")?;
    Ok(ObligationRow {
        id: r.try_get("id")?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        service: service_of(&r.try_get::<String, _>("service_type")?)?,
        kind: kind_from_code(&kind).ok_or_else(|| corrupt("report kind", &kind))?,
        rule: r.try_get("rule")?,
        due_on: parse_stored_date(&r.try_get::<String, _>("due_on")?)?,
        active: r.try_get::<i64, _>("active")? != 0,
        state: ReportState::from_code(&state).ok_or_else(|| corrupt("report state", &state))?,
        sections: Sections {
            goals_and_attainment: r.try_get("goals_and_attainment")?,
            changes: r.try_get("changes")?,
            means_with_examples: r.try_get("means_with_examples")?,
            follow_up_plan: r.try_get("follow_up_plan")?,
            notes: r.try_get("notes")?,
        },
        submitted_on: opt_stored_date(r.try_get("submitted_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        revision_reason: r.try_get("revision_reason")?,
        version: r.try_get("version")?,
    })
}

/// An obligation with its report, or `None`.
pub async fn load_obligation(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<ObligationRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(obligation_from_row).transpose()
}

/// Implements [`Aggregate`] for a row type: the table it is stored in, its name in errors and
/// the function that loads it by id.
macro_rules! aggregate {
    ($row:ty, $table:literal, $kind:literal, $load:ident) => {
        impl Aggregate for $row {
            const TABLE: &'static str = $table;
            const KIND: &'static str = $kind;
            fn load<'c>(
                conn: &'c mut AnyConnection,
                id: &'c str,
            ) -> impl std::future::Future<Output = Result<Option<Self>, AppError>> + Send + 'c {
                $load(conn, id)
            }
        }
    };
}

aggregate!(ObligationRow, "obligations", "report", load_obligation);

/// Every obligation ever derived for voucher `voucher_id` (owed or not).
pub async fn voucher_obligations(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<ObligationRow>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE voucher_id = $1 ORDER BY id"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(obligation_from_row).collect()
}

/// Records that voucher `v` owes `o` (a new obligation, or a new due date and the voucher's
/// current provider and social worker for a known one).
pub async fn owe(
    conn: &mut AnyConnection,
    v: &Voucher,
    o: &ReportObligation,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO obligations (id, voucher_id, client_id, provider_id, social_worker, \
         service_type, kind, rule, due_on, active, report_state, goals_and_attainment, changes, \
         means_with_examples, follow_up_plan, notes, submitted_on, late, revision_reason, \
         version, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, 'NOT_STARTED', '', '', '', '', '', \
                 NULL, 0, '', 0, $10) \
         ON CONFLICT (id) DO UPDATE SET provider_id = excluded.provider_id, \
         social_worker = excluded.social_worker, due_on = excluded.due_on, active = 1, \
         updated_at = excluded.updated_at",
    )
    .bind(obligation_id(&v.id, o.rule))
    .bind(&v.id)
    .bind(&v.client_id)
    .bind(&v.provider_id)
    .bind(&v.social_worker)
    .bind(v.service.code())
    .bind(kind_code(o.kind))
    .bind(o.rule)
    .bind(store_date(o.due))
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Marks obligation `id` as no longer owed.
pub async fn drop_obligation(conn: &mut AnyConnection, id: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE obligations SET active = 0, updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now_micros())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores the report of `o` (state, text, submission, revision reason) as version
/// `o.version`.
pub async fn save_report(conn: &mut AnyConnection, o: &ObligationRow) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE obligations SET report_state = $2, goals_and_attainment = $3, changes = $4, \
         means_with_examples = $5, follow_up_plan = $6, notes = $7, submitted_on = $8, \
         late = $9, revision_reason = $10, version = $11, updated_at = $12 WHERE id = $1",
    )
    .bind(&o.id)
    .bind(o.state.code())
    .bind(&o.sections.goals_and_attainment)
    .bind(&o.sections.changes)
    .bind(&o.sections.means_with_examples)
    .bind(&o.sections.follow_up_plan)
    .bind(&o.sections.notes)
    .bind(o.submitted_on.map(store_date))
    .bind(i64::from(o.late))
    .bind(&o.revision_reason)
    .bind(o.version)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which obligations a list asks for.
#[derive(Debug, Clone, Default)]
pub struct ObligationFilter {
    /// Only this provider's (empty: any).
    pub provider_id: String,
    /// Only this social worker's (empty: any).
    pub social_worker: String,
    /// `DUE`, `OVERDUE`, `SUBMITTED` or empty (any), as of `today`.
    pub status: &'static str,
    /// The day the status is judged on.
    pub today: NaiveDate,
}

/// A page of owed obligations by due date after the cursor `(due_on, id)`.
pub async fn list_obligations(
    conn: &mut AnyConnection,
    f: &ObligationFilter,
    after: Option<(String, String)>,
    limit: i64,
) -> Result<Vec<ObligationRow>, AppError> {
    let (a_due, a_id) = after.unwrap_or_default();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {OBLIGATION_COLUMNS} FROM obligations WHERE active = 1 \
         AND ($1 = '' OR provider_id = $1) AND ($2 = '' OR social_worker = $2) \
         AND ($3 = '' \
              OR ($3 = 'SUBMITTED' AND report_state IN ('SUBMITTED', 'ACKNOWLEDGED')) \
              OR ($3 = 'DUE' AND report_state NOT IN ('SUBMITTED', 'ACKNOWLEDGED') \
                  AND due_on >= $4) \
              OR ($3 = 'OVERDUE' AND report_state NOT IN ('SUBMITTED', 'ACKNOWLEDGED') \
                  AND due_on < $4)) \
         AND (due_on > $5 OR (due_on = $5 AND id > $6)) ORDER BY due_on, id LIMIT $7"
    )))
    .bind(&f.provider_id)
    .bind(&f.social_worker)
    .bind(f.status)
    .bind(store_date(f.today))
    .bind(a_due)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(obligation_from_row).collect()
}

// ------------------------------------------------------------------------------ notices

const NOTICE_COLUMNS: &str = "id, source_key, kind, voucher_id, client_id, provider_id, \
    social_worker, subject_id, situation_change, occurred_on, due_on, told_at, told_on, late, \
    told_by_subject, told_by_role, told_by_organisation, message_en, message_fi, details, state, \
    acknowledged_at, ack_subject, ack_role, ack_organisation, ack_note, version";

/// The actor stored in the columns `{prefix}_subject`, `{prefix}_role` and
/// `{prefix}_organisation` of `r`.
fn actor_from(r: &AnyRow, prefix: &str) -> Result<crate::model::Actor, AppError> {
    Ok(crate::model::Actor {
        subject: r.try_get(format!("{prefix}_subject").as_str())?,
        role: r.try_get(format!("{prefix}_role").as_str())?,
        organisation: r.try_get(format!("{prefix}_organisation").as_str())?,
    })
}

fn notice_from_row(r: &AnyRow) -> Result<crate::model::NoticeRow, AppError> {
    use crate::model::{NoticeKind, NoticeRow, NoticeState, SituationChange};
    let kind: String = r.try_get("kind")?;
    let state: String = r.try_get("state")?;
    let change: String = r.try_get("situation_change")?;
    Ok(NoticeRow {
        id: r.try_get("id")?,
        source_key: r.try_get("source_key")?,
        kind: NoticeKind::from_code(&kind).ok_or_else(|| corrupt("notice kind", &kind))?,
        voucher_id: r.try_get("voucher_id")?,
        client_id: r.try_get("client_id")?,
        provider_id: r.try_get("provider_id")?,
        social_worker: r.try_get("social_worker")?,
        subject_id: r.try_get("subject_id")?,
        situation_change: if change.is_empty() {
            None
        } else {
            Some(
                SituationChange::from_code(&change)
                    .ok_or_else(|| corrupt("situation change", &change))?,
            )
        },
        occurred_on: parse_stored_date(&r.try_get::<String, _>("occurred_on")?)?,
        due_on: parse_stored_date(&r.try_get::<String, _>("due_on")?)?,
        told_at: r.try_get("told_at")?,
        told_on: parse_stored_date(&r.try_get::<String, _>("told_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        told_by: actor_from(r, "told_by")?,
        message_en: r.try_get("message_en")?,
        message_fi: r.try_get("message_fi")?,
        details: r.try_get("details")?,
        state: NoticeState::from_code(&state).ok_or_else(|| corrupt("notice state", &state))?,
        acknowledged_at: r.try_get("acknowledged_at")?,
        acknowledged_by: actor_from(r, "ack")?,
        acknowledgement_note: r.try_get("ack_note")?,
        version: r.try_get("version")?,
    })
}

/// Stores a new notice unless one with its `source_key` exists; `true` when it was stored.
pub async fn insert_notice(
    conn: &mut AnyConnection,
    n: &crate::model::NoticeRow,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "INSERT INTO notices (id, source_key, kind, rule, voucher_id, client_id, provider_id, \
         social_worker, subject_id, situation_change, occurred_on, due_on, told_at, told_on, \
         late, told_by_subject, told_by_role, told_by_organisation, message_en, message_fi, \
         details, state, acknowledged_at, ack_subject, ack_role, ack_organisation, ack_note, \
         version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
                 $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28) \
         ON CONFLICT (source_key) DO NOTHING",
    )
    .bind(&n.id)
    .bind(&n.source_key)
    .bind(n.kind.code())
    .bind(n.kind.rule())
    .bind(&n.voucher_id)
    .bind(&n.client_id)
    .bind(&n.provider_id)
    .bind(&n.social_worker)
    .bind(&n.subject_id)
    .bind(n.situation_change.map(|c| c.code()).unwrap_or_default())
    .bind(store_date(n.occurred_on))
    .bind(store_date(n.due_on))
    .bind(n.told_at)
    .bind(store_date(n.told_on))
    .bind(i64::from(n.late))
    .bind(&n.told_by.subject)
    .bind(&n.told_by.role)
    .bind(&n.told_by.organisation)
    .bind(&n.message_en)
    .bind(&n.message_fi)
    .bind(&n.details)
    .bind(n.state.code())
    .bind(n.acknowledged_at)
    .bind(&n.acknowledged_by.subject)
    .bind(&n.acknowledged_by.role)
    .bind(&n.acknowledged_by.organisation)
    .bind(&n.acknowledgement_note)
    .bind(n.version)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A notice, or `None`.
pub async fn load_notice(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<crate::model::NoticeRow>, AppError> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(notice_from_row).transpose()
}

aggregate!(crate::model::NoticeRow, "notices", "notice", load_notice);

/// Stores a notice's acknowledgement as version `n.version`.
pub async fn save_notice_acknowledgement(
    conn: &mut AnyConnection,
    n: &crate::model::NoticeRow,
) -> Result<(), AppError> {
    sqlx::query(
        "UPDATE notices SET state = $2, acknowledged_at = $3, ack_subject = $4, ack_role = $5, \
         ack_organisation = $6, ack_note = $7, version = $8 WHERE id = $1",
    )
    .bind(&n.id)
    .bind(n.state.code())
    .bind(n.acknowledged_at)
    .bind(&n.acknowledged_by.subject)
    .bind(&n.acknowledged_by.role)
    .bind(&n.acknowledged_by.organisation)
    .bind(&n.acknowledgement_note)
    .bind(n.version)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Which notices a list asks for (empty strings and `None`: any).
#[derive(Debug, Clone, Default)]
pub struct NoticeFilter {
    /// Only this social worker's.
    pub social_worker: String,
    /// Only this provider's.
    pub provider_id: String,
    /// Only this voucher's.
    pub voucher_id: String,
    /// Only in this state (code).
    pub state: String,
    /// Only of this kind (code).
    pub kind: String,
    /// Only those told late.
    pub late_only: bool,
}

/// A page of notices, the latest told first, after the cursor `(told_at, id)`.
pub async fn list_notices(
    conn: &mut AnyConnection,
    f: &NoticeFilter,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<crate::model::NoticeRow>, AppError> {
    let (a_at, a_id) = after.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {NOTICE_COLUMNS} FROM notices \
         WHERE ($1 = '' OR social_worker = $1) AND ($2 = '' OR provider_id = $2) \
         AND ($3 = '' OR voucher_id = $3) AND ($4 = '' OR state = $4) \
         AND ($5 = '' OR kind = $5) AND ($6 = 0 OR late = 1) \
         AND (told_at < $7 OR (told_at = $7 AND ($8 = '' OR id < $8))) \
         ORDER BY told_at DESC, id DESC LIMIT $9"
    )))
    .bind(&f.social_worker)
    .bind(&f.provider_id)
    .bind(&f.voucher_id)
    .bind(&f.state)
    .bind(&f.kind)
    .bind(i64::from(f.late_only))
    .bind(a_at)
    .bind(a_id)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(notice_from_row).collect()
}

/// How many notices are kept.
pub async fn count_notices(conn: &mut AnyConnection) -> Result<i64, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM notices")
        .fetch_one(&mut *conn)
        .await?;
    Ok(n)
}

// ------------------------------------------------------------------------------ Kela notices

/// Records a followed voucher's number and service start from the change with sequence
/// `seq`, unless a newer change was recorded.
pub async fn upsert_service_start(
    conn: &mut AnyConnection,
    s: &crate::model::ServiceStart,
    seq: i64,
) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO voucher_starts (voucher_id, voucher_number, started_on, feed_sequence) \
         VALUES ($1, $2, $3, $4) \
         ON CONFLICT (voucher_id) DO UPDATE SET voucher_number = excluded.voucher_number, \
         started_on = excluded.started_on, feed_sequence = excluded.feed_sequence \
         WHERE voucher_starts.feed_sequence < excluded.feed_sequence",
    )
    .bind(&s.voucher_id)
    .bind(&s.voucher_number)
    .bind(s.started_on.map(store_date))
    .bind(seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A followed voucher's number and service start, or `None`.
pub async fn load_service_start(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Option<crate::model::ServiceStart>, AppError> {
    let row: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT voucher_id, voucher_number, started_on FROM voucher_starts WHERE voucher_id = $1",
    )
    .bind(voucher_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(|(voucher_id, voucher_number, started_on)| {
        Ok(crate::model::ServiceStart {
            voucher_id,
            voucher_number,
            started_on: opt_stored_date(started_on)?,
        })
    })
    .transpose()
}

/// The followed vouchers of the KTT services whose service has started, with their start:
/// only `provider_id`'s, `social_worker`'s, or voucher `voucher_id` when not empty.
pub async fn started_ktt_vouchers(
    conn: &mut AnyConnection,
    provider_id: &str,
    social_worker: &str,
    voucher_id: &str,
) -> Result<Vec<(Voucher, NaiveDate)>, AppError> {
    let ktt: Vec<String> = ServiceType::ALL
        .into_iter()
        .filter(|s| s.is_ktt())
        .map(|s| format!("'{}'", s.code()))
        .collect();
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT v.id, v.client_id, v.provider_id, v.social_worker, v.service_type, v.state, \
         v.valid_from, v.valid_until, v.ended_on, v.continues_voucher_id, v.feed_sequence, \
         v.voucher_version, s.started_on FROM vouchers v JOIN voucher_starts s ON s.voucher_id = v.id \
         WHERE s.started_on IS NOT NULL AND v.service_type IN ({}) \
         AND ($1 = '' OR v.provider_id = $1) AND ($2 = '' OR v.social_worker = $2) \
         AND ($3 = '' OR v.id = $3) ORDER BY v.id",
        ktt.join(", ")
    )))
    .bind(provider_id)
    .bind(social_worker)
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| {
            let started: String = r.try_get("started_on")?;
            Ok((voucher_from_row(r)?, parse_stored_date(&started)?))
        })
        .collect()
}

fn kela_sent_from_row(r: &AnyRow) -> Result<crate::model::KelaSent, AppError> {
    Ok(crate::model::KelaSent {
        voucher_id: r.try_get("voucher_id")?,
        period_from: parse_stored_date(&r.try_get::<String, _>("period_from")?)?,
        sent_on: parse_stored_date(&r.try_get::<String, _>("sent_on")?)?,
        late: r.try_get::<i64, _>("late")? != 0,
        sent_by: actor_from(r, "sent_by")?,
    })
}

/// The Kela absence notices of voucher `voucher_id` marked sent.
pub async fn kela_sent(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<crate::model::KelaSent>, AppError> {
    let rows = sqlx::query(
        "SELECT voucher_id, period_from, sent_on, late, sent_by_subject, sent_by_role, \
         sent_by_organisation FROM kela_notices_sent WHERE voucher_id = $1 ORDER BY period_from",
    )
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(kela_sent_from_row).collect()
}

/// Marks a Kela absence notice sent, once: `false` when it already was.
pub async fn insert_kela_sent(
    conn: &mut AnyConnection,
    s: &crate::model::KelaSent,
    sent_at: i64,
) -> Result<bool, AppError> {
    let r = sqlx::query(
        "INSERT INTO kela_notices_sent (voucher_id, period_from, sent_on, late, sent_at, \
         sent_by_subject, sent_by_role, sent_by_organisation) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (voucher_id, period_from) DO NOTHING",
    )
    .bind(&s.voucher_id)
    .bind(store_date(s.period_from))
    .bind(store_date(s.sent_on))
    .bind(i64::from(s.late))
    .bind(sent_at)
    .bind(&s.sent_by.subject)
    .bind(&s.sent_by.role)
    .bind(&s.sent_by.organisation)
    .execute(&mut *conn)
    .await?;
    Ok(r.rows_affected() == 1)
}

// ------------------------------------------------------------------------------ follow-up

/// An owed obligation as the follow-up counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DueReport {
    /// The service.
    pub service: ServiceType,
    /// The provider.
    pub provider_id: String,
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
    let rows: Vec<(String, String, String, String, i64)> = sqlx::query_as(
        "SELECT service_type, provider_id, due_on, report_state, late FROM obligations \
         WHERE active = 1 AND due_on >= $1 AND due_on <= $2",
    )
    .bind(store_date(from))
    .bind(store_date(until))
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|(service, provider_id, due, state, late)| {
            let state =
                ReportState::from_code(&state).ok_or_else(|| corrupt("report state", &state))?;
            Ok(DueReport {
                service: service_of(&service)?,
                provider_id,
                due_on: parse_stored_date(&due)?,
                handed_in: state.handed_in(),
                late: late != 0,
            })
        })
        .collect()
}

// ------------------------------------------------------------------------------ delivery and the closing checklist

const MARK_COLUMNS: &str = "voucher_id, report_id, item, done_on, recorded_at, by_subject, \
    by_role, by_organisation, note";

fn mark_from_row(r: &AnyRow) -> Result<crate::model::StoredMark, AppError> {
    let item: String = r.try_get("item")?;
    Ok(crate::model::StoredMark {
        voucher_id: r.try_get("voucher_id")?,
        report_id: r.try_get("report_id")?,
        item: crate::model::ClosingItem::from_code(&item)
            .ok_or_else(|| corrupt("closing item", &item))?,
        mark: crate::model::DoneMark {
            done_on: parse_stored_date(&r.try_get::<String, _>("done_on")?)?,
            recorded_at: r.try_get("recorded_at")?,
            by_subject: r.try_get("by_subject")?,
            by_role: r.try_get("by_role")?,
            by_organisation: r.try_get("by_organisation")?,
            note: r.try_get("note")?,
        },
    })
}

/// Every step recorded as done on voucher `voucher_id` and its reports.
pub async fn voucher_marks(
    conn: &mut AnyConnection,
    voucher_id: &str,
) -> Result<Vec<crate::model::StoredMark>, AppError> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {MARK_COLUMNS} FROM done_marks WHERE voucher_id = $1 ORDER BY report_id, item"
    )))
    .bind(voucher_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(mark_from_row).collect()
}

/// Records a step as done. The caller holds the lock of its report or voucher and has checked
/// it is not recorded yet.
pub async fn add_mark(
    conn: &mut AnyConnection,
    m: &crate::model::StoredMark,
) -> Result<(), AppError> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO done_marks ({MARK_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )))
    .bind(&m.voucher_id)
    .bind(&m.report_id)
    .bind(m.item.code())
    .bind(store_date(m.mark.done_on))
    .bind(m.mark.recorded_at)
    .bind(&m.mark.by_subject)
    .bind(&m.mark.by_role)
    .bind(&m.mark.by_organisation)
    .bind(&m.mark.note)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

aggregate!(
    crate::model::ClosingVoucher,
    "vouchers",
    "voucher",
    load_closing_voucher
);

/// A followed voucher as the root of its closing marks, or `None`.
pub async fn load_closing_voucher(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<crate::model::ClosingVoucher>, AppError> {
    Ok(load_voucher(conn, id)
        .await?
        .map(crate::model::ClosingVoucher))
}

/// The longest chain of continued vouchers followed back (a guard against a cycle in data).
const MAX_CONTINUATIONS: usize = 64;

/// The earlier periods of the SK interim report `o` (REP-INTERIM-SK, SK 3.1), oldest first:
/// following the vouchers `o`'s voucher continues, each handed-in REP-INTERIM-SK report of the
/// same provider, dated by its submission. Empty for any other report.
pub async fn earlier_sections(
    conn: &mut AnyConnection,
    o: &ObligationRow,
) -> Result<Vec<crate::model::DatedSection>, AppError> {
    let rule = seteli_rules::rule_ids::REP_INTERIM_SK;
    let mut out = Vec::new();
    if o.rule != rule {
        return Ok(out);
    }
    let mut seen = vec![o.voucher_id.clone()];
    let mut next = load_voucher(conn, &o.voucher_id)
        .await?
        .map(|v| v.continues_voucher_id)
        .unwrap_or_default();
    while !next.is_empty() && !seen.contains(&next) && seen.len() <= MAX_CONTINUATIONS {
        let Some(v) = load_voucher(conn, &next).await? else {
            break;
        };
        seen.push(next.clone());
        if let Some(earlier) = load_obligation(conn, &obligation_id(&v.id, rule)).await?
            && earlier.provider_id == o.provider_id
            && earlier.state.handed_in()
            && let Some(dated_on) = earlier.submitted_on
        {
            out.push(crate::model::DatedSection {
                report_id: earlier.id,
                voucher_id: v.id.clone(),
                period_from: v.valid_from,
                period_until: v.valid_until,
                dated_on,
                sections: earlier.sections,
            });
        }
        next = v.continues_voucher_id;
    }
    out.reverse();
    Ok(out)
}
