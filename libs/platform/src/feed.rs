//! Following another service's change feed: the cursor a follower keeps in its own database.
//!
//! A follower reads a page after its cursor and applies it **in one transaction with the new
//! cursor value** (`docs/new-service.md`, "Following another service's change feed"): a
//! restart of either side neither loses nor repeats a change, and the cursor row, locked first,
//! keeps two replicas from applying the same page. The cursor is a row of the service's
//! `feed_cursors (name TEXT PRIMARY KEY, last_sequence BIGINT, changes_applied BIGINT)` table,
//! created with its starting row by the service's migration.
//!
//! The following side, once for every follower (the catch-up loop, the page transaction, the
//! ticker and the on-demand catch-up), is [`following`]: a service writes only its
//! [`FeedApply`] and keeps a [`Follower`]. The publishing side, a feed this service numbers and
//! serves, is [`published`]. What a follower tells on `/metrics` (its lag and failures) is
//! [`lag`].

pub mod following;
pub mod lag;
pub mod published;

pub use following::{FeedApply, FeedLog, FeedPage, Follower};
pub use lag::Lag;
pub use published::{FeedRow, PublishedFeed, StampedChange, page_limit};

use sqlx::AnyConnection;

use crate::clock::Clock;
use crate::error::{AppError, AppResult};
use crate::rpc::Ctx;

/// One followed feed's cursor: the name of its row in `feed_cursors`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor(pub &'static str);

impl Cursor {
    /// Locks the cursor for the rest of the transaction and returns `(last_sequence,
    /// changes_applied)`.
    pub async fn lock(self, conn: &mut AnyConnection) -> AppResult<(i64, i64)> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "UPDATE feed_cursors SET last_sequence = last_sequence WHERE name = $1 \
             RETURNING last_sequence, changes_applied",
        )
        .bind(self.0)
        .fetch_optional(&mut *conn)
        .await?;
        row.ok_or_else(|| self.missing())
    }

    /// Moves the cursor to `last_sequence`, counting `applied` more changes.
    pub async fn advance(
        self,
        conn: &mut AnyConnection,
        last_sequence: i64,
        applied: usize,
    ) -> AppResult<()> {
        sqlx::query(
            "UPDATE feed_cursors SET last_sequence = $1, changes_applied = changes_applied + $2 \
             WHERE name = $3",
        )
        .bind(last_sequence)
        .bind(i64::try_from(applied).unwrap_or(i64::MAX))
        .bind(self.0)
        .execute(&mut *conn)
        .await?;
        Ok(())
    }

    /// `(last_sequence, changes_applied)`, without locking.
    pub async fn read(self, conn: &mut AnyConnection) -> AppResult<(i64, i64)> {
        let row: Option<(i64, i64)> = sqlx::query_as(
            "SELECT last_sequence, changes_applied FROM feed_cursors WHERE name = $1",
        )
        .bind(self.0)
        .fetch_optional(&mut *conn)
        .await?;
        row.ok_or_else(|| self.missing())
    }

    fn missing(self) -> AppError {
        AppError::Internal(anyhow::anyhow!("the {} feed cursor is missing", self.0))
    }
}

/// The identity a follower calls the followed service with: the service itself
/// (`system:<job>`) carrying the configured bearer `token`, or `None` when no token is
/// configured (the feed is then not followed).
pub fn follower(job: &str, token: Option<&String>, clock: Clock) -> Option<Ctx> {
    token.map(|token| {
        let mut ctx = Ctx::system(job, clock);
        ctx.caller.token = token.clone();
        ctx
    })
}
