//! The one idempotent change primitive (DESIGN.md, Contracts): a mutation runs once per caller
//! and client-chosen `request_id`, and a retry gets the first answer.
//!
//! An operation that changes something does, in this order:
//!
//! 1. [`Change::new`] — checks the `request_id`, fingerprints the request (a [`Mutation`]:
//!    every request that changes something has `request_id` and `validate_only`);
//! 2. [`Change::replay`] — a retry is answered from the store *first*: before any call to
//!    another service and before authorisation against today's state is run again (so a retry
//!    still gets its answer when a dependency is down or the object has moved on);
//! 3. whatever must happen outside the transaction (asking another service);
//! 4. [`Change::apply`] or [`Change::apply_to`] — one transaction whose first statement claims
//!    `(scope, request_id)` (a concurrent twin blocks on it, then finds the stored answer), which
//!    for an aggregate then locks its root row *before* reading it, runs the body (the change,
//!    history, audit, feed), stores the answer and commits.
//!
//! [`Change::apply_to_decided`] is step 4 for a change whose rules read much: it decides on a
//! read first, then claims, locks and writes, deciding again under the lock only when what it
//! decided on has moved. On PostgreSQL such a change may be written **at once** ([`AtOnce`]):
//! one statement, outside any transaction, holding the claim with its answer, the change, its
//! audit and feed entries, guarded so that it writes nothing unless what it decided on stands
//! (then the transaction's way above is taken).
//!
//! A failed change rolls its claim back, so errors are not remembered: a retry after fixing the
//! cause runs again. The same id with a different request is refused with `INVALID_ARGUMENT` on
//! `request_id`. The scope is the caller's issuer, role, subject and provider
//! ([`crate::identity::Caller::scope`]). Any protobuf message can be the stored answer.
//!
//! A replayed answer may hold personal data, so serving it is an access (703/2023): the
//! accesses the first call recorded ([`crate::audit::record`] in the body) are kept with its
//! answer, and every replay records them again for the replaying caller, marked
//! [`crate::audit::REPLAY_SUFFIX`], before the answer leaves.
//!
//! **Validate only** (Google AIP-163, the request's `validate_only`): the change runs as it
//! would — the claim, the lock, the rules, the writes, the history, the audit and the feed, in
//! its one transaction — and is rolled back instead of committed; its answer (or refusal) is
//! returned as the change would return it. Nothing is replayed and nothing stored: the
//! `request_id` is checked for its shape only and stays free for the real call. The accesses
//! the body recorded are recorded again on their own, marked
//! [`crate::audit::VALIDATE_ONLY_SUFFIX`] (the answer showed the data). What an operation does
//! outside its database after the change (telling another service) it skips when
//! [`Change::validate_only`] says so.

use std::future::Future;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use futures::future::BoxFuture;
use prost::Message;
use seteli_api::Mutation;
use sha2::{Digest, Sha256};
use sqlx::{Any, AnyConnection, Row, Transaction};

use crate::audit::{self, Recorded};
use crate::db::{Database, WriteTransaction, is_postgres};
use crate::error::{AppError, AppResult};
use crate::identity::Caller;
use crate::rpc::Ctx;
use crate::statement::Binds;

/// A transaction of the `Any` driver.
pub type Tx = Transaction<'static, Any>;

/// The root of an aggregate that [`Change::apply_to`] locks and loads.
pub trait Aggregate: Sized + Send {
    /// The table of the root rows, keyed by a `TEXT` column `id`.
    const TABLE: &'static str;
    /// What it is called in a `NOT_FOUND` message, e.g. `voucher`.
    const KIND: &'static str;
    /// Loads the root (already locked) with what the change needs.
    fn load<'c>(
        conn: &'c mut AnyConnection,
        id: &'c str,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send + 'c;

    /// Locks the root's row for the rest of the transaction and loads it. By default two
    /// statements on PostgreSQL ([`lock_row`], then [`Aggregate::load`]); a root read from its
    /// one row overrides it with one `SELECT … FOR UPDATE` (a round trip less on every change).
    fn load_locked<'c>(
        conn: &'c mut AnyConnection,
        id: &'c str,
    ) -> impl Future<Output = AppResult<Option<Self>>> + Send + 'c {
        async move {
            lock_row(&mut *conn, Self::TABLE, id).await?;
            Self::load(conn, id).await
        }
    }
}

/// Implements [`Aggregate`] for a root type `$root` kept in table `$table`, called `$kind` in a
/// `NOT_FOUND`, loaded by the store function `$load(conn, id)`:
/// `aggregate!(InvoiceRow, "invoices", "invoice", load_invoice);`. A fifth argument, a store
/// function that locks and loads the row in one statement, becomes its
/// [`Aggregate::load_locked`].
#[macro_export]
macro_rules! aggregate {
    // With `$load_locked(conn, id)`, it locks and loads the row in one statement.
    ($root:ty, $table:literal, $kind:literal, $load:path $(, $load_locked:path)?) => {
        impl $crate::change::Aggregate for $root {
            const TABLE: &'static str = $table;
            const KIND: &'static str = $kind;

            async fn load(
                conn: &mut ::sqlx::AnyConnection,
                id: &str,
            ) -> $crate::AppResult<Option<Self>> {
                $load(conn, id).await
            }
            $(
                async fn load_locked(
                    conn: &mut ::sqlx::AnyConnection,
                    id: &str,
                ) -> $crate::AppResult<Option<Self>> {
                    $load_locked(conn, id).await
                }
            )?
        }
    };
}

/// What [`Change::apply_to_decided`] decided on a read, before the write lock.
pub trait Decision: Send + Sized {
    /// Under the write lock, with the root locked: takes the further locks the write needs and
    /// says whether every other input of the decision is still as it was read. It should
    /// compare versions, not read the inputs again; `false` decides again under the locks.
    fn still_holds<'c>(
        &'c self,
        conn: &'c mut AnyConnection,
    ) -> impl Future<Output = AppResult<bool>> + Send + 'c;
}

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

/// One idempotent change, from its request to its stored answer.
#[derive(Debug)]
pub struct Change<'a> {
    db: &'a Database,
    scope: String,
    request_id: String,
    fingerprint: String,
    now_micros: i64,
    /// Who asks: a replay is recorded as their access.
    caller: Caller,
    /// Only validate (AIP-163): roll back instead of committing; never replay.
    validate_only: bool,
}

impl<'a> Change<'a> {
    /// A change for `request` (the whole request message, fingerprinted so a reused id with a
    /// different request is refused) under its `request_id`; only validated when it says
    /// `validate_only`.
    pub fn new<Req: Mutation>(db: &'a Database, ctx: &Ctx, request: &Req) -> AppResult<Self> {
        let request_id = request.request_id();
        validate_request_id(request_id)?;
        Ok(Self {
            db,
            scope: ctx.caller.scope(),
            request_id: request_id.to_owned(),
            fingerprint: hex(&Sha256::digest(request.encode_to_vec())),
            now_micros: ctx.now_micros(),
            caller: ctx.caller.clone(),
            validate_only: request.validate_only(),
        })
    }

    /// The client-chosen id of this change (the audit log and the feed name it).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Whether the request only validates (Google AIP-163): the change is rolled back and
    /// nothing is replayed or stored; the operation must then skip whatever it would do outside
    /// its database after the change (telling another service).
    pub fn validate_only(&self) -> bool {
        self.validate_only
    }

    /// The stored first answer, if this request already completed. Serving it is recorded
    /// first: an audit entry for each subject the first call recorded, for this caller (an
    /// error when that entry cannot be written: the answer is not served unaudited). Never
    /// for a validation: it answers as a new request.
    pub async fn replay<Resp: Message + Default>(&self) -> AppResult<Option<Resp>> {
        if self.validate_only {
            return Ok(None);
        }
        let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT request_hash, response, audited FROM platform_idempotency \
             WHERE caller = $1 AND request_id = $2",
        )
        .bind(&self.scope)
        .bind(&self.request_id)
        .fetch_optional(self.db.pool())
        .await?;
        let Some((hash, response, audited)) = row else {
            return Ok(None);
        };
        let answer = self.decode(&hash, response)?;
        let recorded = match audited {
            Some(stored) => audit::decode_recorded(&stored)?,
            // Stored by an older release: what the log holds under this request id.
            None => audit::recorded_in_log(self.db, &self.caller, &self.request_id).await?,
        };
        audit::record_replay(self.db, &self.caller, &self.request_id, recorded).await?;
        Ok(Some(answer))
    }

    /// Runs `body` in the change's transaction (after the claim) and stores its answer.
    pub async fn apply<Resp, F>(self, body: F) -> AppResult<Resp>
    where
        Resp: Message + Default,
        F: for<'t> FnOnce(&'t mut AnyConnection) -> BoxFuture<'t, AppResult<Resp>>,
    {
        let Some(mut tx) = self.begin_claimed().await? else {
            return self.replayed().await;
        };
        let answered = audit::recording(body(&mut tx)).await;
        self.commit_answer(tx, answered).await
    }

    /// Changes the aggregate `id`: after the claim, locks its root row, loads it (`NOT_FOUND`
    /// unless `visible` says the caller may know it) and runs `body` on it.
    pub async fn apply_to<A, Resp, F>(
        self,
        id: &str,
        visible: impl FnOnce(&A) -> bool + Send,
        body: F,
    ) -> AppResult<Resp>
    where
        A: Aggregate,
        Resp: Message + Default,
        F: for<'t> FnOnce(&'t mut AnyConnection, A) -> BoxFuture<'t, AppResult<Resp>>,
    {
        let Some(mut tx) = self.begin_claimed().await? else {
            return self.replayed().await;
        };
        let root = lock_visible_root(&mut tx, id, visible).await?;
        let answered = audit::recording(body(&mut tx, root)).await;
        self.commit_answer(tx, answered).await
    }

    /// Changes the aggregate `id` with its decision taken *before* the write lock: the rules
    /// are evaluated on a read, so neither the idempotency claim nor the root's lock is held
    /// while they run, and a refusal never waits for either.
    ///
    /// 1. Without a transaction: loads the root (`NOT_FOUND` unless `visible`) and runs
    ///    `decide` on it — its reads and the rules. A refusal is answered from here, unless a
    ///    twin with the same `request_id` committed meanwhile (then its answer is served).
    /// 2. In the change's transaction: claims, locks the root, loads it again and calls
    ///    [`Decision::still_holds`] (always: it takes whatever further locks the write needs).
    ///    When the root is equal to the one decided on and the decision holds, `write` runs
    ///    with it; otherwise `decide` runs again, under the locks, on what is there now (so a
    ///    decision never outlives its inputs), and `write` runs with that.
    ///
    /// `decide` must read the versions its [`Decision::still_holds`] compares *before* the
    /// data they guard (a change that lands in between then shows as a newer version).
    ///
    /// **At once** (PostgreSQL, not a validation): before the transaction, `at_once` may turn
    /// the decision into one statement that writes the whole change outside any transaction
    /// ([`AtOnce`]: the claim with its answer, the change, its audit entries), guarded so that
    /// it writes nothing unless what was decided on still stands. When it wrote, its answer is
    /// the change's; when a guard stopped it (or a twin's claim stood in its way, or `at_once`
    /// gave no statement), the change goes the transaction's way above.
    pub async fn apply_to_decided<A, D, Resp, Decide, Write, WriteAtOnce>(
        self,
        id: &str,
        visible: impl Fn(&A) -> bool + Send,
        decide: Decide,
        at_once: WriteAtOnce,
        write: Write,
    ) -> AppResult<Resp>
    where
        A: Aggregate + PartialEq,
        D: Decision,
        Resp: Message + Default,
        Decide: for<'t> Fn(&'t mut AnyConnection, &'t A) -> BoxFuture<'t, AppResult<D>> + Send,
        WriteAtOnce: FnOnce(&A, &D, &Self) -> AppResult<Option<AtOnce<Resp>>>,
        Write: for<'t> FnOnce(&'t mut AnyConnection, A, D) -> BoxFuture<'t, AppResult<Resp>>,
    {
        let decided = {
            let mut conn = self.db.pool().acquire().await?;
            let decided = match A::load(&mut conn, id).await?.filter(|a| visible(a)) {
                None => Err(not_found::<A>(id)),
                Some(root) => decide(&mut conn, &root).await.map(|d| (root, d)),
            };
            if let Ok((root, decision)) = &decided
                && !self.validate_only
                && is_postgres(&conn)
                && let Some(statement) = at_once(root, decision, &self)?
                && let Some(answer) = write_at_once(&mut conn, statement).await?
            {
                return Ok(answer);
            }
            decided
            // The read connection goes back before anything else is asked of the pool.
        };
        let (decided_on, decision) = match decided {
            Ok(decided) => decided,
            // A twin that committed after this request's replay check: its answer.
            Err(refused) => return self.replay().await?.ok_or(refused),
        };
        let Some(mut tx) = self.begin_claimed().await? else {
            return self.replayed().await;
        };
        let root = lock_visible_root(&mut tx, id, visible).await?;
        let holds = decision.still_holds(&mut tx).await?;
        let decision = if holds && root == decided_on {
            decision
        } else {
            decide(&mut tx, &root).await?
        };
        let answered = audit::recording(write(&mut tx, root, decision)).await;
        self.commit_answer(tx, answered).await
    }

    /// The change's claim as a part of a statement that writes it at once ([`AtOnce`]): an
    /// `INSERT` of the claim with `answer` stored and the `accesses` the change records (for its
    /// replays, as [`Change::apply`] keeps them), one row when `gate` (the part that must have
    /// written first) has one, `RETURNING 1`. It claims without `ON CONFLICT`: a twin's claim
    /// fails the whole statement, and the change goes the transaction's way, which answers it.
    pub fn claim_part<Resp: Message>(
        &self,
        binds: &mut Binds,
        gate: &str,
        answer: &Resp,
        accesses: &[audit::Access<'_>],
    ) -> AppResult<String> {
        let recorded: Vec<Recorded> = accesses.iter().map(Recorded::of).collect();
        Ok(format!(
            "INSERT INTO platform_idempotency (caller, request_id, request_hash, response, \
             audited, created_at) SELECT {}, {}, {}, {}, {}, {} FROM {gate} RETURNING 1",
            binds.text(self.scope.as_str()),
            binds.text(self.request_id.as_str()),
            binds.text(self.fingerprint.as_str()),
            binds.text(STANDARD.encode(answer.encode_to_vec())),
            binds.text(audit::encode_recorded(&recorded)?),
            binds.int(self.now_micros),
        ))
    }

    /// Begins the change's transaction with its claim; `None` (rolled back) when a twin with
    /// the same `request_id` claimed first: its answer is this request's
    /// ([`Change::replayed`]). A validation claims too, so it takes the locks the change takes
    /// in the same order, but goes on as a new request when the id was used: its claim is
    /// rolled back with the rest.
    async fn begin_claimed(&self) -> AppResult<Option<WriteTransaction>> {
        let mut tx = self.db.begin_write().await?;
        if self.claim(&mut tx).await? || self.validate_only {
            Ok(Some(tx))
        } else {
            tx.rollback().await?;
            Ok(None)
        }
    }

    /// Stores the body's answer with the accesses it recorded and commits; a failed body
    /// rolls everything back, its claim included. A validation rolls back its answer too, and
    /// records the accesses again on their own, marked as a validation's.
    async fn commit_answer<Resp: Message>(
        &self,
        mut tx: WriteTransaction,
        (response, recorded): (AppResult<Resp>, Vec<Recorded>),
    ) -> AppResult<Resp> {
        let response = response?;
        if self.validate_only {
            tx.rollback().await?;
            audit::record_validation(self.db, &self.caller, &self.request_id, recorded).await?;
            tracing::debug!(request_id = %self.request_id, "validate only: the change was rolled back");
            return Ok(response);
        }
        self.store(&mut tx, &response, &recorded).await?;
        tx.commit().await?;
        Ok(response)
    }

    async fn claim(&self, tx: &mut AnyConnection) -> AppResult<bool> {
        Ok(sqlx::query(
            "INSERT INTO platform_idempotency (caller, request_id, request_hash, response, created_at) \
             VALUES ($1, $2, $3, NULL, $4) ON CONFLICT (caller, request_id) DO NOTHING",
        )
        .bind(&self.scope)
        .bind(&self.request_id)
        .bind(&self.fingerprint)
        .bind(self.now_micros)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1)
    }

    /// Stores the answer and the accesses recorded in producing it (for its replays).
    async fn store<Resp: Message>(
        &self,
        tx: &mut AnyConnection,
        response: &Resp,
        recorded: &[Recorded],
    ) -> AppResult<()> {
        sqlx::query(
            "UPDATE platform_idempotency SET response = $1, audited = $2 \
             WHERE caller = $3 AND request_id = $4",
        )
        .bind(STANDARD.encode(response.encode_to_vec()))
        .bind(audit::encode_recorded(recorded)?)
        .bind(&self.scope)
        .bind(&self.request_id)
        .execute(&mut *tx)
        .await?;
        Ok(())
    }

    /// The answer of a twin that claimed first and has committed.
    async fn replayed<Resp: Message + Default>(&self) -> AppResult<Resp> {
        self.replay().await?.ok_or_else(|| {
            AppError::Unavailable(
                "a concurrent request with the same request_id did not finish; retry".into(),
            )
        })
    }

    fn decode<Resp: Message + Default>(
        &self,
        hash: &str,
        response: Option<String>,
    ) -> AppResult<Resp> {
        if hash != self.fingerprint {
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
}

/// A change written whole in one statement, outside any transaction (PostgreSQL): what the
/// `at_once` of [`Change::apply_to_decided`] gives.
///
/// The statement's parts are chained so that each writes only when the one before it did
/// (`… SELECT … FROM <the part before>`): the first parts check, under their row locks, that
/// what the decision was taken on still stands, then the claim ([`Change::claim_part`]), the
/// change, its audit entries ([`audit::entry_part`]) and feed entries follow. Its main query
/// answers one row whose first column is 1 when the change was written and 0 when a guard
/// stopped it (then nothing was). One statement is one transaction: it all commits or none.
#[derive(Debug)]
pub struct AtOnce<Resp> {
    /// The statement: constant text and the placeholders of `binds` only.
    pub sql: String,
    /// Its values.
    pub binds: Binds,
    /// The answer when it wrote (built before the write; the claim stores it).
    pub answer: Resp,
}

/// Runs `statement` on `conn`: its answer when it wrote, `None` when a guard stopped it, a
/// twin's claim (a unique violation) stood in its way, or it lost a race PostgreSQL broke
/// (`40P01` deadlock, `40001` serialization failure: it locks the root before the claim, a
/// twin on the transaction's way the claim before the root). Nothing was written then, and the
/// transaction's way answers.
async fn write_at_once<Resp>(
    conn: &mut AnyConnection,
    statement: AtOnce<Resp>,
) -> AppResult<Option<Resp>> {
    let AtOnce { sql, binds, answer } = statement;
    match binds.query(sql).fetch_one(&mut *conn).await {
        Ok(row) => Ok((row.try_get::<i64, _>(0)? == 1).then_some(answer)),
        Err(sqlx::Error::Database(e))
            if e.is_unique_violation()
                || matches!(e.code().as_deref(), Some("40P01" | "40001")) =>
        {
            tracing::debug!(error = %e, "written at once: lost a race; the transaction's way");
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

/// How long stored answers are kept by default: a week, far longer than any client retries.
pub const DEFAULT_RETENTION: std::time::Duration = std::time::Duration::from_secs(7 * 24 * 3600);

/// Rows removed per statement by [`purge_answers`], so the purge never holds a long lock.
const PURGE_BATCH: i64 = 500;

/// Removes stored answers older than `retention` (as of `now_micros`), in batches of
/// [`PURGE_BATCH`]; returns how many went. Answers can hold personal data, and the table would
/// otherwise only grow.
pub async fn purge_answers(
    db: &Database,
    retention: std::time::Duration,
    now_micros: i64,
) -> AppResult<u64> {
    let cutoff =
        now_micros.saturating_sub(i64::try_from(retention.as_micros()).unwrap_or(i64::MAX));
    let mut removed = 0;
    loop {
        let batch = sqlx::query(
            "DELETE FROM platform_idempotency WHERE (caller, request_id) IN \
             (SELECT caller, request_id FROM platform_idempotency WHERE created_at < $1 \
              ORDER BY created_at LIMIT $2)",
        )
        .bind(cutoff)
        .bind(PURGE_BATCH)
        .execute(db.pool())
        .await?
        .rows_affected();
        removed += batch;
        if batch < u64::try_from(PURGE_BATCH).unwrap_or(u64::MAX) {
            return Ok(removed);
        }
    }
}

/// The `NOT_FOUND` of aggregate `id`, e.g. "voucher 0190…".
fn not_found<A: Aggregate>(id: &str) -> AppError {
    AppError::NotFound(format!("{} {id}", A::KIND))
}

/// Locks the root row of aggregate `id` and loads it: `NOT_FOUND` unless it exists and
/// `visible` says the caller may know it.
async fn lock_visible_root<A: Aggregate>(
    conn: &mut AnyConnection,
    id: &str,
    visible: impl FnOnce(&A) -> bool,
) -> AppResult<A> {
    A::load_locked(conn, id)
        .await?
        .filter(|a| visible(a))
        .ok_or_else(|| not_found::<A>(id))
}

/// Locks the row `id` of `table` for the rest of the transaction (PostgreSQL: `FOR UPDATE`).
/// On SQLite it sends nothing: a write transaction runs alone in its process
/// ([`crate::db::Database::begin_write`]'s gate) and the database is the process's own.
pub async fn lock_row(conn: &mut AnyConnection, table: &str, id: &str) -> AppResult<()> {
    if !crate::db::is_postgres(conn) {
        return Ok(());
    }
    let sql = format!("SELECT id FROM {table} WHERE id = $1 FOR UPDATE");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
