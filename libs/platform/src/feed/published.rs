//! A change feed this service publishes (the voucher feed, the usage feed, the alert feed):
//! numbered without a shared counter row, read so that a follower never misses a change.
//!
//! The promise: a reader that resumes after the last sequence it saw never misses a change.
//! Sequences increase along the feed and are never reused, but they are not consecutive.
//!
//! - SQLite serialises writers (a write transaction holds the database's write lock from its
//!   first write to its commit), so a change takes `MAX(sequence) + 1` and sequence order is
//!   commit order; readers need no bound.
//! - PostgreSQL runs writers side by side, with no shared row to wait on (issue 15: one counter
//!   row used to serialise every mutation that appended a change). A change's sequence is its
//!   transaction's id (`pg_current_xact_id()`, 64 bits, never reused) plus the feed's offset,
//!   shifted left by [`ORDINAL_BITS`], plus its ordinal within the transaction. Readers return
//!   only changes of transactions below the oldest one still running
//!   (`pg_snapshot_xmin(pg_current_snapshot())`, the reading statement's own snapshot): each of
//!   those has committed or rolled back, and every transaction that is still running or starts
//!   later has an id at or above that bound, so no change can appear later below a sequence a
//!   reader was already given. Ordering by the transaction id, not by commit order, is what
//!   makes the bound sound: a `nextval` sequence would let a transaction still in flight hold a
//!   smaller number than a change already shown. The cost: a change shows on the feed once
//!   every older write transaction of the cluster has ended (milliseconds; the session timeouts
//!   in [`crate::db::SESSION_TIMEOUTS`] bound a stuck one).
//!
//! The offset is a row `(name, value)` of the service's counters table, 0 unless
//! [`PublishedFeed::align_with_transaction_ids`] found the feed's head above the cluster's
//! transaction ids (the first start after a counter-numbered feed, or a restore into another
//! cluster) and raised it.

use std::time::Duration;

use sqlx::AnyConnection;

use crate::db::{Backend, Database};
use crate::error::{AppError, AppResult};

/// Bits of a PostgreSQL feed sequence below the transaction id: the ordinal of a change within
/// its transaction, so one transaction may append at most 65,536 changes to one feed.
pub const ORDINAL_BITS: u32 = 16;
// The SQL below spells the range out as 65536.
const _: () = assert!(1 << ORDINAL_BITS == 65536);

/// How long a PostgreSQL feed read waits for changes already committed to settle (every older
/// transaction to end) before it answers without them.
pub const SETTLE_WAIT: Duration = Duration::from_secs(3);

/// How often a read waiting for changes to settle looks again.
const SETTLE_POLL: Duration = Duration::from_millis(2);

/// Whether `conn` talks to PostgreSQL (else SQLite).
pub fn is_postgres(conn: &AnyConnection) -> bool {
    let name = conn.backend_name();
    name.eq_ignore_ascii_case("postgres") || name.eq_ignore_ascii_case("postgresql")
}

/// One published feed: its table (`sequence BIGINT NOT NULL PRIMARY KEY` and the change's
/// columns) and where its PostgreSQL offset is kept. The names are SQL identifiers written in
/// the service's code, never input.
#[derive(Debug, Clone, Copy)]
pub struct PublishedFeed {
    /// The feed's table.
    pub table: &'static str,
    /// The service's counters table: `(name TEXT PRIMARY KEY, value BIGINT)`.
    pub counters: &'static str,
    /// The name of the offset's row in `counters`, created by the service's migration with
    /// value 0.
    pub offset: &'static str,
}

impl PublishedFeed {
    /// The statement that appends one change: `INSERT INTO <table> (sequence, <columns>) …
    /// RETURNING sequence`, where the values of `columns` (comma-separated) are bound as
    /// `$1 … $n` in that order. Run it with [`PublishedFeed::append`].
    pub fn append_statement(&self, conn: &AnyConnection, columns: &str) -> String {
        let table = self.table;
        let values = (1..=columns.split(',').count())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        if is_postgres(conn) {
            // `first`: the first sequence of this transaction's range; `next`: the one after
            // its last change (it sees its own rows; no other transaction writes in the
            // range). No row when the range is full.
            format!(
                "INSERT INTO {table} (sequence, {columns}) \
                 SELECT next, {values} FROM ( \
                   SELECT own.first, COALESCE((SELECT MAX(sequence) + 1 FROM {table} \
                     WHERE sequence >= own.first AND sequence < own.first + 65536), own.first) \
                     AS next \
                   FROM (SELECT (pg_current_xact_id()::text::bigint + value) * 65536 AS first \
                     FROM {counters} WHERE name = '{offset}') AS own \
                 ) AS position WHERE next < first + 65536 RETURNING sequence",
                counters = self.counters,
                offset = self.offset,
            )
        } else {
            format!(
                "INSERT INTO {table} (sequence, {columns}) \
                 SELECT COALESCE(MAX(sequence), 0) + 1, {values} FROM {table} \
                 RETURNING sequence"
            )
        }
    }

    /// Runs an [`PublishedFeed::append_statement`] with its values bound and returns the new
    /// change's sequence.
    pub async fn append(
        &self,
        conn: &mut AnyConnection,
        statement: sqlx::query::QueryAs<'_, sqlx::Any, (i64,), sqlx::any::AnyArguments>,
    ) -> AppResult<i64> {
        let row = statement.fetch_optional(&mut *conn).await?;
        row.map(|(sequence,)| sequence).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "one transaction appended more than 65,536 changes to {}",
                self.table
            ))
        })
    }

    /// The condition (starting with `AND`) that keeps a read to settled changes: on PostgreSQL
    /// those of transactions older than every one still running; nothing on SQLite.
    pub fn settled_condition(&self, conn: &AnyConnection) -> String {
        if is_postgres(conn) {
            format!(
                "AND sequence < (SELECT \
                 (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + value) * 65536 \
                 FROM {} WHERE name = '{}')",
                self.counters, self.offset
            )
        } else {
            String::new()
        }
    }

    /// Starts a read of a page of at most `limit` changes after `after`: the caller reads the
    /// page with the read's [`SettledRead::condition`] until [`SettledRead::is_answer`] says
    /// the page is the answer.
    ///
    /// On PostgreSQL a page that is not full may have left out changes already committed, of
    /// transactions younger than one still running. The read waits for those (a few
    /// milliseconds, at most [`SETTLE_WAIT`]), so a caller that saw its write answered finds it
    /// on the feed; the bound alone is what keeps the promise.
    pub fn settled_read(&self, conn: &AnyConnection, after: i64, limit: i64) -> SettledRead {
        SettledRead {
            feed: *self,
            postgres: is_postgres(conn),
            condition: self.settled_condition(conn),
            after,
            limit,
            head: None,
            caught_up: false,
            deadline: tokio::time::Instant::now() + SETTLE_WAIT,
        }
    }

    /// On PostgreSQL, makes sure new changes number above the feed's head: after a logical
    /// restore into another cluster (whose transaction ids are behind the old one's), or on the
    /// first start after a counter-numbered feed, raises the offset so that the next
    /// transaction's first sequence is above every stored one. Run at start, before serving; a
    /// no-op read when nothing is wrong. Nothing to do on SQLite.
    pub async fn align_with_transaction_ids(&self, db: &Database) -> anyhow::Result<()> {
        if db.backend() != Backend::Postgres {
            return Ok(());
        }
        let (table, counters, offset_name) = (self.table, self.counters, self.offset);
        let mut conn = db.pool().acquire().await?;
        // `xmax` of a snapshot: no transaction has this id yet, every later one has a larger id.
        let (head, floor): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {table}), \
             (SELECT (pg_snapshot_xmax(pg_current_snapshot())::text::bigint + value) * 65536 \
              FROM {counters} WHERE name = '{offset_name}')"
        )))
        .fetch_one(&mut *conn)
        .await?;
        if head < floor {
            return Ok(());
        }
        let mut tx = sqlx::Connection::begin(&mut *conn).await?;
        // Waits for every transaction that appended a change and keeps new ones out until
        // commit.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "LOCK TABLE {table} IN EXCLUSIVE MODE"
        )))
        .execute(&mut *tx)
        .await?;
        let (head, own): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {table}), \
             pg_current_xact_id()::text::bigint"
        )))
        .fetch_one(&mut *tx)
        .await?;
        // Every later transaction has an id above `own`, so its first sequence is above `head`.
        let offset = (head >> ORDINAL_BITS) + 1 - own;
        let raised = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {counters} SET value = $1 WHERE name = '{offset_name}' AND value < $1"
        )))
        .bind(offset)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        tx.commit().await?;
        if raised > 0 {
            tracing::warn!(
                feed = table,
                head,
                offset,
                "the feed's head was above this cluster's transaction ids (a restore into \
                 another cluster?); new changes number above it"
            );
        }
        Ok(())
    }
}

/// A read of one page of a [`PublishedFeed`] in progress ([`PublishedFeed::settled_read`]).
#[derive(Debug)]
pub struct SettledRead {
    feed: PublishedFeed,
    postgres: bool,
    condition: String,
    after: i64,
    limit: i64,
    /// The feed's newest sequence, settled or not, when the first page came back short.
    head: Option<i64>,
    /// Whether every change up to `head` had settled when last looked.
    caught_up: bool,
    deadline: tokio::time::Instant,
}

impl SettledRead {
    /// The condition (starting with `AND`, or empty) the page's query must carry
    /// ([`PublishedFeed::settled_condition`]).
    pub fn condition(&self) -> &str {
        &self.condition
    }

    /// Whether the page just read (`count` changes, the last numbered `last`) is the answer.
    /// When it is not, the caller reads the page again: this has waited (a poll interval) for
    /// the changes committed before the read to settle, or seen them settle.
    pub async fn is_answer(
        &mut self,
        conn: &mut AnyConnection,
        count: usize,
        last: Option<i64>,
    ) -> AppResult<bool> {
        if !self.postgres
            || i64::try_from(count).unwrap_or(i64::MAX) >= self.limit
            || self.caught_up
        {
            return Ok(true);
        }
        // The newest sequence of any reader's changes (a filtered read waits for the whole
        // feed's, which settles as soon) and the bound a read would have now.
        let PublishedFeed {
            table,
            counters,
            offset,
        } = self.feed;
        let (head, bound): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {table}), \
             (SELECT (pg_snapshot_xmin(pg_current_snapshot())::text::bigint + value) * 65536 \
              FROM {counters} WHERE name = '{offset}')"
        )))
        .fetch_one(&mut *conn)
        .await?;
        let head = *self.head.get_or_insert(head);
        if last.unwrap_or(self.after) >= head || tokio::time::Instant::now() >= self.deadline {
            return Ok(true);
        }
        if bound > head {
            // Everything committed before the first look has settled: one more read has it.
            self.caught_up = true;
            return Ok(false);
        }
        tokio::time::sleep(SETTLE_POLL).await;
        Ok(false)
    }
}
