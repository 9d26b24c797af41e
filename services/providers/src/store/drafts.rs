//! A draft given up (DiscardProviderDraft): its business id freed for a new registration and
//! its staff (personal data nobody needs any more) removed; the record, its other data and its
//! history stay.

use seteli_platform::AppError;
use sqlx::AnyConnection;

/// Frees the business id of provider `id` (whose row the change holds locked): the unique
/// column gets `discarded/<id>`, which no Y-tunnus looks like, and the business id moves to
/// `discarded_business_id`, from where the provider's views still read it. Returns the
/// business id freed.
pub async fn free_business_id(conn: &mut AnyConnection, id: &str) -> Result<String, AppError> {
    let (business_id,): (String,) = sqlx::query_as(
        "UPDATE providers SET discarded_business_id = business_id, \
         business_id = 'discarded/' || id WHERE id = $1 RETURNING discarded_business_id",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(business_id)
}

/// Removes every staff member of provider `id`; the ids of those removed.
pub async fn remove_staff(conn: &mut AnyConnection, id: &str) -> Result<Vec<String>, AppError> {
    let removed: Vec<(String,)> =
        sqlx::query_as("DELETE FROM provider_staff WHERE provider_id = $1 RETURNING id")
            .bind(id)
            .fetch_all(&mut *conn)
            .await?;
    Ok(removed.into_iter().map(|(id,)| id).collect())
}
