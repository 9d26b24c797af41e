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
//! What the sequence does **not** give on PostgreSQL is one aggregate's order: a transaction
//! takes its id at its first write (the idempotency claim), then may wait for the aggregate's
//! lock behind another one, which commits first with a larger id. Its change is made second but
//! stands first. So a change that states an aggregate's state carries the aggregate's own
//! version (bumped under its lock), and a follower keeps the highest version it has seen, not
//! the change it saw last (the voucher feed: `Voucher.version`; the usage feed:
//! `UsageChange.usage_version`).
//!
//! The offset is a row `(name, value)` of the service's counters table, 0 unless
//! [`PublishedFeed::align_with_transaction_ids`] found the feed's head above the cluster's
//! transaction ids (the first start after a counter-numbered feed, or a restore into another
//! cluster) and raised it.

use std::time::Duration;

use seteli_api::common::v1::Actor;
use sqlx::AnyConnection;

use crate::db::{Backend, Database, is_postgres};
use crate::error::{AppError, AppResult};

/// Bits of a PostgreSQL feed sequence below the transaction id: the ordinal of a change within
/// its transaction, so one transaction may append at most 65,536 changes to one feed.
pub const ORDINAL_BITS: u32 = 16;
// The SQL below spells the range out as 65536.
const _: () = assert!(1 << ORDINAL_BITS == 65536);

/// How long a PostgreSQL feed read waits for changes already committed to settle (every older
/// transaction to end) before it answers without them.
pub const SETTLE_WAIT: Duration = Duration::from_secs(3);

/// The most changes [`PublishedFeed::changes_after`] counts after a page: a follower further
/// behind is told this many (its lag alerts fire far below it).
pub const CHANGES_AFTER_COUNTED_UP_TO: i64 = 10_000;

/// A page of a feed holds this many changes when its request asks for none in particular.
pub const DEFAULT_PAGE_SIZE: i64 = 100;

/// The most changes a page of a feed holds.
pub const MAX_PAGE_SIZE: i64 = 1000;

/// How often a read waiting for changes to settle looks again.
const SETTLE_POLL: Duration = Duration::from_millis(2);

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

/// A query of a feed's changes, bound and ready to run.
pub type ChangeQuery<'q, R> = sqlx::query::QueryAs<'q, sqlx::Any, R, sqlx::any::AnyArguments>;

/// A change read by [`PublishedFeed::read_stamped_changes`]: what it did, who did it, when,
/// and the snapshot it carries as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct StampedChange {
    /// Its sequence on the feed.
    pub sequence: i64,
    /// What it did (the feed's own word: an action, a kind).
    pub what: String,
    /// When it was made.
    pub occurred_at_micros: i64,
    /// Who made it.
    pub actor: Actor,
    /// The message it carries, as stored (`crate::convert::stored_message` reads it).
    pub snapshot: String,
}

/// A stored change as [`PublishedFeed::read_changes`] reads it: a row of the feed's table whose
/// first column is the change's sequence.
pub trait FeedRow {
    /// The change's sequence (the row's first column).
    fn sequence(&self) -> i64;
}

/// Rows of a sequence and up to seven of the change's columns.
macro_rules! feed_rows {
    ($(($($column:ident),+)),+ $(,)?) => {$(
        impl<$($column),+> FeedRow for (i64, $($column),+) {
            fn sequence(&self) -> i64 {
                self.0
            }
        }
    )+};
}

feed_rows!(
    (A),
    (A, B),
    (A, B, C),
    (A, B, C, D),
    (A, B, C, D, E),
    (A, B, C, D, E, F),
    (A, B, C, D, E, F, G),
);

/// The most changes a page after `after_sequence` may hold, as a List…Changes request asks
/// (`page_size` 0: [`DEFAULT_PAGE_SIZE`]); `INVALID_ARGUMENT` for a negative `after_sequence`
/// or a page size above [`MAX_PAGE_SIZE`].
pub fn page_limit(after_sequence: i64, page_size: i32) -> AppResult<i64> {
    if after_sequence < 0 {
        return Err(AppError::invalid("after_sequence", "must not be negative"));
    }
    crate::paging::page_size(page_size, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE)
}

impl PublishedFeed {
    /// Appends one change in the caller's transaction and returns its sequence: `columns`
    /// (comma-separated, after `sequence`) are the ones `bind` binds values for, in that order.
    pub async fn append<'q>(
        &self,
        conn: &mut AnyConnection,
        columns: &str,
        bind: impl FnOnce(ChangeQuery<'q, (i64,)>) -> ChangeQuery<'q, (i64,)>,
    ) -> AppResult<i64> {
        let table = self.table;
        let values = (1..=columns.split(',').count())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let statement = if is_postgres(conn) {
            self.postgres_append(columns, &values, "")
        } else {
            format!(
                "INSERT INTO {table} (sequence, {columns}) \
                 SELECT COALESCE(MAX(sequence), 0) + 1, {values} FROM {table} \
                 RETURNING sequence"
            )
        };
        // Only the service's constant names reach the SQL text: no input does.
        let row = bind(sqlx::query_as(sqlx::AssertSqlSafe(statement)))
            .fetch_optional(&mut *conn)
            .await?;
        row.map(|(sequence,)| sequence).ok_or_else(|| {
            AppError::Internal(anyhow::anyhow!(
                "one transaction appended more than 65,536 changes to {}",
                self.table
            ))
        })
    }

    /// [`PublishedFeed::append`] as a part of one composed PostgreSQL statement
    /// ([`crate::statement`]): one change of `columns` (after `sequence`) with `values` (SQL
    /// expressions: placeholders of the statement's binds, or columns of earlier parts), appended
    /// when `gate` (a part that must have written first) has a row; `RETURNING sequence`.
    pub fn append_part(&self, columns: &str, values: &str, gate: &str) -> String {
        self.postgres_append(
            columns,
            values,
            &format!("AND EXISTS (SELECT 1 FROM {gate})"),
        )
    }

    /// The PostgreSQL `INSERT` of one change, on the further condition `and`.
    fn postgres_append(&self, columns: &str, values: &str, and: &str) -> String {
        // `first`: the first sequence of this transaction's range; `next`: the one after its
        // last change (it sees its own rows; no other transaction writes in the range). No row
        // when the range is full.
        format!(
            "INSERT INTO {table} (sequence, {columns}) \
             SELECT next, {values} FROM ( \
               SELECT own.first, COALESCE((SELECT MAX(sequence) + 1 FROM {table} \
                 WHERE sequence >= own.first AND sequence < own.first + 65536), own.first) \
                 AS next \
               FROM (SELECT (pg_current_xact_id()::text::bigint + value) * 65536 AS first \
                 FROM {counters} WHERE name = '{offset}') AS own \
             ) AS position WHERE next < first + 65536 {and} RETURNING sequence",
            table = self.table,
            counters = self.counters,
            offset = self.offset,
        )
    }

    /// The lowest sequence a transaction starting after `pg_snapshot_<edge>` of the current
    /// snapshot can take (`xmin`: the oldest still running; `xmax`: the first not yet
    /// started), as a PostgreSQL scalar subquery.
    fn first_sequence_after(&self, edge: &str) -> String {
        format!(
            "(SELECT (pg_snapshot_{edge}(pg_current_snapshot())::text::bigint + value) * 65536 \
             FROM {} WHERE name = '{}')",
            self.counters, self.offset
        )
    }

    /// Reads a page of at most `limit` changes after `after`, oldest first. `query` makes the
    /// page's query from the condition it must carry (starting with `AND`, or empty: on
    /// PostgreSQL it keeps the read to changes of transactions older than every one still
    /// running; nothing on SQLite); `sequence` is a change's.
    ///
    /// On PostgreSQL a page that is not full may have left out changes already committed, of
    /// transactions younger than one still running. The read waits for those (a few
    /// milliseconds, at most [`SETTLE_WAIT`]), so a caller that saw its write answered finds it
    /// on the feed; the bound alone is what keeps the promise.
    pub async fn read_page<'q, R>(
        &self,
        conn: &mut AnyConnection,
        after: i64,
        limit: i64,
        query: impl Fn(&str) -> ChangeQuery<'q, R>,
        sequence: impl Fn(&R) -> i64,
    ) -> AppResult<Vec<R>>
    where
        R: Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        if !is_postgres(conn) {
            return Ok(query("").fetch_all(&mut *conn).await?);
        }
        let settled = format!("AND sequence < {}", self.first_sequence_after("xmin"));
        let deadline = tokio::time::Instant::now() + SETTLE_WAIT;
        // The feed's newest sequence, settled or not, when the first page came back short.
        let mut head: Option<i64> = None;
        loop {
            let rows = query(&settled).fetch_all(&mut *conn).await?;
            if i64::try_from(rows.len()).unwrap_or(i64::MAX) >= limit {
                return Ok(rows);
            }
            // The newest sequence of any reader's changes (a filtered read waits for the whole
            // feed's, which settles as soon) and the bound a read would have now.
            let (newest, bound): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {}), {}",
                self.table,
                self.first_sequence_after("xmin")
            )))
            .fetch_one(&mut *conn)
            .await?;
            let head = *head.get_or_insert(newest);
            if rows.last().map_or(after, &sequence) >= head
                || tokio::time::Instant::now() >= deadline
            {
                return Ok(rows);
            }
            if bound > head {
                // Everything committed before the first look has settled: one more read has it.
                return Ok(query(&settled).fetch_all(&mut *conn).await?);
            }
            tokio::time::sleep(SETTLE_POLL).await;
        }
    }

    /// Reads a page of at most `limit` changes after `after`, oldest first, as rows of their
    /// sequence and `columns` (comma-separated, the feed table's, after `sequence` as
    /// [`PublishedFeed::append`] takes them): the whole feed, waited for and bounded as
    /// [`PublishedFeed::read_page`] does. `columns` is written in the service's code, never
    /// input.
    pub async fn read_changes<R>(
        &self,
        conn: &mut AnyConnection,
        columns: &str,
        after: i64,
        limit: i64,
    ) -> AppResult<Vec<R>>
    where
        R: FeedRow + Send + Unpin + for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        let table = self.table;
        let query = |settled: &str| {
            // Only the service's constant names and the bound reach the SQL text: no input does.
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT sequence, {columns} FROM {table} \
                 WHERE sequence > $1 {settled} ORDER BY sequence LIMIT $2"
            )))
            .bind(after)
            .bind(limit)
        };
        self.read_page(conn, after, limit, query, R::sequence).await
    }

    /// Reads a page as [`PublishedFeed::read_changes`] does, of a feed whose changes say who
    /// made them and when: the columns `what` (what the change did), `occurred_at`,
    /// `actor_subject`, `actor_role`, `organisation` and `snapshot` (the stored message).
    pub async fn read_stamped_changes(
        &self,
        conn: &mut AnyConnection,
        what: &str,
        after: i64,
        limit: i64,
    ) -> AppResult<Vec<StampedChange>> {
        type Row = (i64, String, i64, String, String, String, String);
        let columns =
            format!("{what}, occurred_at, actor_subject, actor_role, organisation, snapshot");
        let rows: Vec<Row> = self.read_changes(conn, &columns, after, limit).await?;
        let stamped =
            |(sequence, what, at, subject, role, organisation, snapshot): Row| StampedChange {
                sequence,
                what,
                occurred_at_micros: at,
                actor: Actor {
                    subject,
                    role,
                    organisation,
                },
                snapshot,
            };
        Ok(rows.into_iter().map(stamped).collect())
    }

    /// Where a page read after `after` (of at most `limit`) ends, as its answer tells a
    /// follower: `(last_sequence, changes_after)` — the page's last sequence (`last`, or `after`
    /// when the page is empty) and [`PublishedFeed::changes_after`] it.
    pub async fn page_end(
        &self,
        conn: &mut AnyConnection,
        after: i64,
        last: Option<i64>,
        page_len: usize,
        limit: i64,
    ) -> AppResult<(i64, i64)> {
        let last_sequence = last.unwrap_or(after);
        let changes_after = self
            .changes_after(conn, last_sequence, page_len, limit)
            .await?;
        Ok((last_sequence, changes_after))
    }

    /// How many changes a reader would still find after a page of `page_len` changes (of at
    /// most `limit`) that ended at `last` (the page's last sequence, or the one it was read
    /// after): what the page answer's `changes_after` tells a follower of its lag. Counted only
    /// after a full page: a shorter one already holds every change a reader could be given
    /// (on PostgreSQL, every settled one), so 0. Counts settled changes only, and at most
    /// [`CHANGES_AFTER_COUNTED_UP_TO`], so a far-behind follower's every page costs a bounded
    /// index range, not the whole feed.
    pub async fn changes_after(
        &self,
        conn: &mut AnyConnection,
        last: i64,
        page_len: usize,
        limit: i64,
    ) -> AppResult<i64> {
        if i64::try_from(page_len).unwrap_or(i64::MAX) < limit {
            return Ok(0);
        }
        let settled = if is_postgres(conn) {
            format!("AND sequence < {}", self.first_sequence_after("xmin"))
        } else {
            String::new()
        };
        // Only the service's constant names and the bound reach the SQL text: no input does.
        let (count,): (i64,) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
            "SELECT COUNT(*) FROM (SELECT sequence FROM {} WHERE sequence > $1 {settled} \
             ORDER BY sequence LIMIT {CHANGES_AFTER_COUNTED_UP_TO}) AS ahead",
            self.table
        )))
        .bind(last)
        .fetch_one(&mut *conn)
        .await?;
        Ok(count)
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
            "SELECT (SELECT COALESCE(MAX(sequence), 0) FROM {table}), {}",
            self.first_sequence_after("xmax")
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
