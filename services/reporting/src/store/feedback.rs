//! The client feedback answers (REP-FEEDBACK): one per voucher with its answers, and the
//! summary's sums per service and provider.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::{store_date, stored_service};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::model::{ClientFeedback, FeedbackSums};

/// Whether voucher `voucher_id` has its client's feedback.
pub async fn feedback_given(conn: &mut AnyConnection, voucher_id: &str) -> Result<bool, AppError> {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM client_feedback WHERE voucher_id = $1")
        .bind(voucher_id)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Stores a voucher's feedback with its answers. The caller holds the voucher's lock and has
/// checked none is stored (the primary key refuses a second anyway).
pub async fn insert_feedback(conn: &mut AnyConnection, f: &ClientFeedback) -> Result<(), AppError> {
    sqlx::query(
        "INSERT INTO client_feedback (voucher_id, client_id, service_type, provider_id, \
         form_version, comment, submitted_on, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&f.voucher_id)
    .bind(&f.client_id)
    .bind(f.service.code())
    .bind(&f.provider_id)
    .bind(&f.form_version)
    .bind(&f.comment)
    .bind(store_date(f.submitted_on))
    .bind(f.submitted_at)
    .execute(&mut *conn)
    .await?;
    for (key, score) in &f.answers {
        sqlx::query(
            "INSERT INTO client_feedback_answers (voucher_id, question_key, score) \
             VALUES ($1, $2, $3)",
        )
        .bind(&f.voucher_id)
        .bind(key)
        .bind(i64::from(*score))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// The sums of the answers given from `from` to `until` (inclusive), per service and provider:
/// how many answered (and how many distinct clients), each question's count and sum, and
/// (when `with_comments`) the non-empty comments with their clients. `service` and `provider_id` narrow it (empty: any).
pub async fn feedback_sums(
    conn: &mut AnyConnection,
    from: NaiveDate,
    until: NaiveDate,
    service: &str,
    provider_id: &str,
    with_comments: bool,
) -> Result<Vec<FeedbackSums>, AppError> {
    const WHERE: &str = "f.submitted_on >= $1 AND f.submitted_on <= $2 \
        AND ($3 = '' OR f.service_type = $3) AND ($4 = '' OR f.provider_id = $4)";
    let bind = |sql: String| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(store_date(from))
            .bind(store_date(until))
            .bind(service.to_owned())
            .bind(provider_id.to_owned())
    };
    let mut out: Vec<FeedbackSums> = Vec::new();
    let rows = bind(format!(
        "SELECT f.service_type, f.provider_id, COUNT(*) AS n, \
         COUNT(DISTINCT f.client_id) AS clients FROM client_feedback f \
         WHERE {WHERE} GROUP BY f.service_type, f.provider_id \
         ORDER BY f.service_type, f.provider_id"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        out.push(FeedbackSums {
            service: stored_service(&r.try_get::<String, _>("service_type")?)?,
            provider_id: r.try_get("provider_id")?,
            answers: r.try_get("n")?,
            clients: r.try_get("clients")?,
            questions: std::collections::BTreeMap::new(),
            comments: Vec::new(),
        });
    }
    // The group (service and provider) a row of the later statements belongs to.
    let group_of = |out: &[FeedbackSums], r: &AnyRow| -> Result<Option<usize>, AppError> {
        let (service, provider): (String, String) =
            (r.try_get("service_type")?, r.try_get("provider_id")?);
        Ok(out
            .iter()
            .position(|s| s.service.code() == service && s.provider_id == provider))
    };
    let rows = bind(format!(
        "SELECT f.service_type, f.provider_id, a.question_key, COUNT(*) AS n, \
         CAST(SUM(a.score) AS BIGINT) AS total FROM client_feedback f \
         JOIN client_feedback_answers a ON a.voucher_id = f.voucher_id \
         WHERE {WHERE} GROUP BY f.service_type, f.provider_id, a.question_key"
    ))
    .fetch_all(&mut *conn)
    .await?;
    for r in &rows {
        if let Some(i) = group_of(&out, r)? {
            out[i].questions.insert(
                r.try_get("question_key")?,
                (r.try_get("n")?, r.try_get("total")?),
            );
        }
    }
    if with_comments {
        let rows = bind(format!(
            "SELECT f.service_type, f.provider_id, f.client_id, f.comment FROM client_feedback f \
             WHERE {WHERE} AND f.comment <> '' ORDER BY f.submitted_at, f.voucher_id"
        ))
        .fetch_all(&mut *conn)
        .await?;
        for r in &rows {
            if let Some(i) = group_of(&out, r)? {
                out[i]
                    .comments
                    .push((r.try_get("client_id")?, r.try_get("comment")?));
            }
        }
    }
    Ok(out)
}
