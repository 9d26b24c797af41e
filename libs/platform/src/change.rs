//! Idempotent mutations by client-chosen `request_id` (DESIGN.md, Contracts).
//!
//! The first statement of the mutation's transaction claims `(caller, request_id)` with an
//! `INSERT … ON CONFLICT DO NOTHING`; the mutation then runs in the same transaction and its
//! answer is stored before commit. A concurrent twin blocks on the claim (PostgreSQL row lock,
//! SQLite write lock) until the first commits, then finds the stored answer. A failed mutation
//! rolls its claim back, so errors are not remembered: a retry after fixing the cause runs again.
//! The same id with a different request is refused with `INVALID_ARGUMENT` on `request_id`.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::future::BoxFuture;
use prost::Message;
use sha2::{Digest, Sha256};
use sqlx::{Any, Transaction};

use crate::auth::Caller;
use crate::db::{Database, now_micros};
use crate::error::AppError;

/// A transaction of the `Any` driver.
pub type Tx = Transaction<'static, Any>;

/// Checks the shape of a request id: 1–128 printable ASCII characters.
pub fn validate_request_id(request_id: &str) -> Result<(), AppError> {
    if request_id.is_empty() || request_id.len() > 128 {
        return Err(AppError::invalid(
            "request_id",
            "required: 1–128 characters chosen by the client (a UUID is a good choice)",
        ));
    }
    if !request_id.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(AppError::invalid(
            "request_id",
            "must be printable ASCII without spaces",
        ));
    }
    Ok(())
}

/// Runs `mutation` once per `(caller, request_id)`; a retry returns the first answer.
///
/// `request` is the whole request message: its encoding is fingerprinted to refuse a reused id
/// with a different request.
pub async fn run_once<Req, Resp, F>(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    request: &Req,
    mutation: F,
) -> Result<Resp, AppError>
where
    Req: Message,
    Resp: Message + Default,
    F: for<'t> FnOnce(&'t mut Tx) -> BoxFuture<'t, Result<Resp, AppError>>,
{
    validate_request_id(request_id)?;
    let scope = caller.scope();
    let fingerprint = hex(&Sha256::digest(request.encode_to_vec()));
    let mut tx = db.pool().begin().await?;
    let claimed = sqlx::query(
        "INSERT INTO platform_idempotency (caller, request_id, request_hash, response, created_at) \
         VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (caller, request_id) DO NOTHING",
    )
    .bind(&scope)
    .bind(request_id)
    .bind(&fingerprint)
    .bind(now_micros())
    .execute(&mut *tx)
    .await?
    .rows_affected()
        == 1;
    if !claimed {
        tx.rollback().await?;
        return replay(db, &scope, request_id, &fingerprint).await;
    }
    let response = mutation(&mut tx).await?;
    sqlx::query(
        "UPDATE platform_idempotency SET response = $1 WHERE caller = $2 AND request_id = $3",
    )
    .bind(STANDARD.encode(response.encode_to_vec()))
    .bind(&scope)
    .bind(request_id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(response)
}

/// The stored first answer to `(caller, request_id)`, if that request already completed: lets a
/// handler that must call another service before its transaction answer a retry without
/// calling again (and without failing when that service is down). A different request under
/// the same id is refused as in [`run_once`].
pub async fn answered<Req, Resp>(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    request: &Req,
) -> Result<Option<Resp>, AppError>
where
    Req: Message,
    Resp: Message + Default,
{
    validate_request_id(request_id)?;
    let scope = caller.scope();
    let known: Option<(String,)> = sqlx::query_as(
        "SELECT request_hash FROM platform_idempotency WHERE caller = $1 AND request_id = $2",
    )
    .bind(&scope)
    .bind(request_id)
    .fetch_optional(db.pool())
    .await?;
    if known.is_none() {
        return Ok(None);
    }
    let fingerprint = hex(&Sha256::digest(request.encode_to_vec()));
    replay(db, &scope, request_id, &fingerprint).await.map(Some)
}

async fn replay<Resp: Message + Default>(
    db: &Database,
    scope: &str,
    request_id: &str,
    fingerprint: &str,
) -> Result<Resp, AppError> {
    let row: Option<(String, Option<String>)> = sqlx::query_as(
        "SELECT request_hash, response FROM platform_idempotency WHERE caller = $1 AND request_id = $2",
    )
    .bind(scope)
    .bind(request_id)
    .fetch_optional(db.pool())
    .await?;
    let Some((hash, response)) = row else {
        return Err(AppError::Unavailable(
            "a concurrent request with the same request_id did not finish; retry".into(),
        ));
    };
    if hash != fingerprint {
        return Err(AppError::invalid(
            "request_id",
            "this request_id was already used for a different request",
        ));
    }
    let encoded = response.ok_or_else(|| {
        AppError::Unavailable("the first request with this request_id is still running".into())
    })?;
    let bytes = STANDARD
        .decode(encoded)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored response is corrupt: {e}")))?;
    Resp::decode(bytes.as_slice())
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored response is corrupt: {e}")))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
