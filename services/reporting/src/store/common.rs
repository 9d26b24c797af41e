//! What the store's parts share: reading a stored code or date back (a value this service did
//! not write is corrupt data, an internal error), the actor kept in three columns, and the
//! [`Aggregate`](seteli_platform::change::Aggregate) of a row type that changes through
//! `Change::apply_to`.

use chrono::NaiveDate;
use seteli_platform::AppError;
use seteli_platform::convert::parse_stored_date;
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::model::Actor;

pub(super) fn corrupt(what: &str, value: &str) -> AppError {
    AppError::Internal(anyhow::anyhow!("unknown stored {what} {value:?}"))
}

pub(super) fn opt_stored_date(s: Option<String>) -> Result<Option<NaiveDate>, AppError> {
    s.map(|d| parse_stored_date(&d)).transpose()
}

/// The actor stored in the columns `{prefix}_subject`, `{prefix}_role` and
/// `{prefix}_organisation` of `r`.
pub(super) fn actor_from(r: &AnyRow, prefix: &str) -> Result<Actor, AppError> {
    Ok(Actor {
        subject: r.try_get(format!("{prefix}_subject").as_str())?,
        role: r.try_get(format!("{prefix}_role").as_str())?,
        organisation: r.try_get(format!("{prefix}_organisation").as_str())?,
    })
}
