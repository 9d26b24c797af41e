//! The change feed the registry publishes (`provider_changes`): appending a provider's entry in
//! the changing transaction, reading a page after a sequence number, and finding the providers
//! that have no entry yet (registered before the feed).
//!
//! How the feed is numbered and read without a shared counter row on either backend, so that a
//! reader resuming after the last sequence it saw never misses an entry:
//! `seteli_platform::feed::published`.

use seteli_api::providers::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{store_message, stored_message};
use seteli_platform::feed::PublishedFeed;
use sqlx::AnyConnection;

use crate::model::Stamp;

/// The registry's feed: `provider_changes`, its PostgreSQL offset in `provider_counters`.
pub const PROVIDER_FEED: PublishedFeed = PublishedFeed {
    table: "provider_changes",
    counters: "provider_counters",
    offset: "provider_feed_xid_offset",
};

/// The columns an entry is stored with, after `sequence`.
const CHANGE_COLUMNS: &str = "provider_id, version, action, occurred_at, actor_subject, \
     actor_role, organisation, request_id, snapshot";

/// Appends `snapshot` (the provider after the change `stamp` made) to the feed and returns its
/// sequence.
pub async fn append_change(
    conn: &mut AnyConnection,
    snapshot: &pb::Provider,
    stamp: &Stamp,
) -> Result<i64, AppError> {
    PROVIDER_FEED
        .append(conn, CHANGE_COLUMNS, |query| {
            query
                .bind(&snapshot.id)
                .bind(snapshot.version)
                .bind(&stamp.action)
                .bind(stamp.at_micros)
                .bind(&stamp.subject)
                .bind(&stamp.role)
                .bind(&stamp.organisation)
                .bind(&stamp.request_id)
                .bind(store_message(snapshot))
        })
        .await
}

/// Entries after `after`, oldest first; only settled ones on PostgreSQL
/// ([`PublishedFeed::read_changes`]).
pub async fn list_changes(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> Result<Vec<pb::ProviderChange>, AppError> {
    let changes = PROVIDER_FEED
        .read_stamped_changes(conn, "action", after, limit)
        .await?;
    changes
        .into_iter()
        .map(|c| {
            Ok(pb::ProviderChange {
                provider: Some(stored_message(&c.snapshot, "provider change")?),
                sequence: c.sequence,
                action: c.what,
                occurred_at_micros: c.occurred_at_micros,
                actor: Some(c.actor),
            })
        })
        .collect()
}

/// The providers with no entry on the feed yet (registered before it), by id.
pub async fn unfed_providers(conn: &mut AnyConnection) -> Result<Vec<String>, AppError> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT p.id FROM providers p WHERE NOT EXISTS \
         (SELECT 1 FROM provider_changes c WHERE c.provider_id = p.id) ORDER BY p.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Whether provider `id` has an entry on the feed.
pub async fn is_fed(conn: &mut AnyConnection, id: &str) -> Result<bool, AppError> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT sequence FROM provider_changes WHERE provider_id = $1 LIMIT 1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(row.is_some())
}
