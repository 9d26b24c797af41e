//! The audit log of personal-data access (DESIGN.md, Security; client-data act 703/2023).
//!
//! Every read or write of personal data records who (subject, role, organisation), whose data
//! (subject kind and id), what (the RPC), why (the purpose), when and under which request id.
//!
//! - **Writes** record inside the mutation's transaction ([`record`]), so an entry exists
//!   exactly when the change does.
//! - **Reads** record before the data is answered, through the database's [`AuditWriter`]
//!   ([`record_read`], [`record_read_of_many`]): concurrent reads' entries are written
//!   together, one multi-row INSERT and one commit per batch, and each caller waits for its
//!   batch's commit — a read whose entry could not be written fails instead of answering
//!   unaudited. So a read costs a share of one commit, not a commit of its own (issue 15).
//! - **A list or feed read** is one entry naming every subject it showed: the entry's
//!   `subject_id` lists them (comma-separated), and each is also a row of
//!   `platform_audit_subject`, so an auditor asking about one subject finds the entry.
//! - **A replayed answer** (an idempotent retry: the change primitive's `Change::replay`, above
//!   this module) is an access too: it records an entry for the subjects the first call recorded, its action
//!   marked [`REPLAY_SUFFIX`].
//! - **A validation** (a mutation called with `validate_only`, Google AIP-163) changes nothing,
//!   so its change's entries roll back with it; what it read of personal data to answer is
//!   still an access: every entry recorded while it runs ([`validating`]), and the accesses its
//!   rolled-back change had recorded, are written with the action marked
//!   [`VALIDATE_ONLY_SUFFIX`] — never as a change.
//!
//! Auditors query the log through `seteli.audit.v1.AuditService` (the `audit_api` module, above
//! this one), which every service serves for its own database — and each of their queries is
//! itself recorded (subject kind `audit_log`). Both tables are append-only: the database refuses every UPDATE and DELETE of
//! them (a trigger on both backends, installed with the migrations:
//! [`crate::db::Database::migrate`]).

use std::cell::RefCell;
use std::fmt;
use std::sync::{Arc, Mutex};

use sqlx::{Any, AnyPool, Executor};
use tokio::sync::{mpsc, oneshot};

use crate::db::{Backend, Database, new_id, now_micros};
use crate::error::{AppError, AppResult};
use crate::identity::Caller;
use crate::statement::Binds;

/// What a personal-data access was about.
#[derive(Debug, Clone, Copy)]
pub struct Access<'a> {
    /// Kind of data subject: `client`, `provider_staff`, …
    pub subject_kind: &'a str,
    /// The data subject's id.
    pub subject_id: &'a str,
    /// What was done: the RPC name, e.g. `GetClient`.
    pub action: &'a str,
    /// Why: the purpose of the processing, e.g. `voucher_issuance`.
    pub purpose: &'a str,
}

/// A read that showed several data subjects of one kind in one call (a list page, a feed
/// page): one entry names them all.
#[derive(Debug, Clone)]
pub struct AccessOfMany<'a> {
    /// Kind of the data subjects: `client`, …
    pub subject_kind: &'a str,
    /// Their ids (repeats and order do not matter; none: nothing is recorded).
    pub subject_ids: Vec<String>,
    /// What was done: the RPC name, e.g. `ListVouchers`.
    pub action: &'a str,
    /// Why: the purpose of the processing.
    pub purpose: &'a str,
}

/// What the action of an entry for a replayed answer ends with: `IssueVoucher (replay)`.
pub const REPLAY_SUFFIX: &str = " (replay)";

/// What the action of an entry recorded by a validation ends with: `IssueVoucher (validate
/// only)` (a mutation called with `validate_only`, Google AIP-163).
pub const VALIDATE_ONLY_SUFFIX: &str = " (validate only)";

tokio::task_local! {
    /// Set while a validation runs on this task ([`validating`]).
    static VALIDATING: ();
}

/// Runs `call` (one RPC's handling) so that, when `validate_only`, every entry it records is
/// marked [`VALIDATE_ONLY_SUFFIX`]; otherwise just runs it.
pub async fn validating<F: Future>(validate_only: bool, call: F) -> F::Output {
    if validate_only {
        VALIDATING.scope((), call).await
    } else {
        call.await
    }
}

/// `action` as an entry records it: marked [`VALIDATE_ONLY_SUFFIX`] while a validation runs
/// (once).
fn marked(action: &str) -> std::borrow::Cow<'_, str> {
    if VALIDATING.try_with(|()| ()).is_ok() && !action.ends_with(VALIDATE_ONLY_SUFFIX) {
        format!("{action}{VALIDATE_ONLY_SUFFIX}").into()
    } else {
        action.into()
    }
}

/// Separates the subject ids of a many-subject entry in its `subject_id`.
const SUBJECT_SEPARATOR: &str = ",";

/// Records one access with `executor`: inside a mutation's transaction (so the entry commits
/// with the change), or on its own. A change's entries are also kept with its stored answer,
/// so a replay of it is recorded for the same subjects (`Change::replay`).
/// Reads record with [`record_read`] instead.
pub async fn record<'e, E>(
    executor: E,
    caller: &Caller,
    request_id: &str,
    access: Access<'_>,
) -> Result<(), AppError>
where
    E: Executor<'e, Database = Any>,
{
    sqlx::query(
        "INSERT INTO platform_audit_log (id, occurred_at, actor_subject, actor_role, organisation, \
         subject_kind, subject_id, action, purpose, request_id, substitute_reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(new_id())
    .bind(now_micros())
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .bind(caller.organisation())
    .bind(access.subject_kind)
    .bind(access.subject_id)
    .bind(marked(access.action).into_owned())
    .bind(access.purpose)
    .bind(request_id)
    .bind(caller.substitute_reason.as_deref().unwrap_or(""))
    .execute(executor)
    .await?;
    let _outside_a_change =
        RECORDED.try_with(|recorded| recorded.borrow_mut().push(Recorded::of(&access)));
    Ok(())
}

/// [`record`] as a part of one composed statement ([`crate::statement`]): an `INSERT` of the
/// entry with one row for each row of `gate` (the part that must have written first), its
/// values bound in `binds`. The access is not noted for a replay here: the change that writes
/// at once stores it with its answer itself. Never for a validation (its
/// entries are marked, and it is never written at once).
pub fn entry_part(
    binds: &mut Binds,
    gate: &str,
    caller: &Caller,
    request_id: &str,
    access: &Access<'_>,
) -> String {
    format!(
        "INSERT INTO platform_audit_log (id, occurred_at, actor_subject, actor_role, \
         organisation, subject_kind, subject_id, action, purpose, request_id, \
         substitute_reason) SELECT {}, {}, {}, {}, {}, {}, {}, {}, {}, {}, {} FROM {gate}",
        binds.text(new_id()),
        binds.int(now_micros()),
        binds.text(caller.subject.as_str()),
        binds.text(caller.role.as_str()),
        binds.text(caller.organisation()),
        binds.text(access.subject_kind),
        binds.text(access.subject_id),
        binds.text(access.action),
        binds.text(access.purpose),
        binds.text(request_id),
        binds.text(caller.substitute_reason.as_deref().unwrap_or("")),
    )
}

/// Records a read of one subject's data before it is answered: the entry goes to the
/// database's [`AuditWriter`] with the other reads of the moment and this returns once its
/// batch has committed. An error means the entry is not durable: fail the read.
pub async fn record_read(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    access: Access<'_>,
) -> AppResult<()> {
    let entry = Entry::new(
        caller,
        request_id,
        access.subject_kind,
        vec![access.subject_id.to_owned()],
        access.action,
        access.purpose,
    );
    db.audit_writer().write(db, vec![entry]).await
}

/// Records a read that showed several subjects (a list or a feed page) as one entry naming
/// them all, like [`record_read`]. Nothing is recorded when it showed none.
pub async fn record_read_of_many(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    access: AccessOfMany<'_>,
) -> AppResult<()> {
    if access.subject_ids.is_empty() {
        return Ok(());
    }
    let entry = Entry::new(
        caller,
        request_id,
        access.subject_kind,
        access.subject_ids,
        access.action,
        access.purpose,
    );
    db.audit_writer().write(db, vec![entry]).await
}

// ------------------------------------------------------------------------------ replays

/// An access a change recorded ([`record`] inside [`recording`]), kept with the change's
/// stored answer (`platform_idempotency.audited`) for its replays.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Recorded {
    kind: String,
    id: String,
    action: String,
    purpose: String,
}

impl Recorded {
    /// The access as a change's stored answer keeps it.
    pub(crate) fn of(access: &Access<'_>) -> Self {
        Self {
            kind: access.subject_kind.to_owned(),
            id: access.subject_id.to_owned(),
            action: access.action.to_owned(),
            purpose: access.purpose.to_owned(),
        }
    }
}

tokio::task_local! {
    /// The accesses recorded so far by the change running on this task.
    static RECORDED: RefCell<Vec<Recorded>>;
}

/// Runs `body` (a change's transaction body) and returns with its output the accesses it
/// recorded with [`record`].
pub(crate) async fn recording<F: Future>(body: F) -> (F::Output, Vec<Recorded>) {
    RECORDED
        .scope(RefCell::new(Vec::new()), async move {
            let output = body.await;
            let recorded = RECORDED.with(|r| r.take());
            (output, recorded)
        })
        .await
}

/// The accesses of a change as stored with its answer.
pub(crate) fn encode_recorded(recorded: &[Recorded]) -> AppResult<String> {
    serde_json::to_string(recorded)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("encoding audited subjects: {e}")))
}

/// The accesses stored with a change's answer.
pub(crate) fn decode_recorded(stored: &str) -> AppResult<Vec<Recorded>> {
    serde_json::from_str(stored)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored audited subjects: {e}")))
}

/// The accesses of a change stored before the answers kept them (an answer stored by an
/// older release): its entries in the log, by the change's request id and the same actor.
pub(crate) async fn recorded_in_log(
    db: &Database,
    caller: &Caller,
    request_id: &str,
) -> AppResult<Vec<Recorded>> {
    let rows: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT subject_kind, subject_id, action, purpose FROM platform_audit_log \
         WHERE request_id = $1 AND actor_subject = $2 AND actor_role = $3 \
         ORDER BY occurred_at, id",
    )
    .bind(request_id)
    .bind(&caller.subject)
    .bind(caller.role.as_str())
    .fetch_all(db.pool())
    .await?;
    Ok(rows
        .into_iter()
        .filter(|r| !r.2.ends_with(REPLAY_SUFFIX) && !r.2.ends_with(VALIDATE_ONLY_SUFFIX))
        .flat_map(|(kind, ids, action, purpose)| {
            ids.split(SUBJECT_SEPARATOR)
                .map(|id| Recorded {
                    kind: kind.clone(),
                    id: id.to_owned(),
                    action: action.clone(),
                    purpose: purpose.clone(),
                })
                .collect::<Vec<_>>()
        })
        .collect())
}

/// Records that a stored answer was served again to `caller`: one entry per kind, action and
/// purpose the first call recorded, naming the same subjects, its action marked
/// [`REPLAY_SUFFIX`]; like a read, it returns once the entries are durable.
pub(crate) async fn record_replay(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    recorded: Vec<Recorded>,
) -> AppResult<()> {
    record_again(db, caller, request_id, recorded, REPLAY_SUFFIX).await
}

/// Records the accesses of a validated change, which rolled back with their entries (Google
/// AIP-163: an answer it showed is still an access): as [`record_replay`], marked
/// [`VALIDATE_ONLY_SUFFIX`].
pub(crate) async fn record_validation(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    recorded: Vec<Recorded>,
) -> AppResult<()> {
    record_again(db, caller, request_id, recorded, VALIDATE_ONLY_SUFFIX).await
}

/// Records `recorded` again for `caller` on their own: one entry per kind, action and purpose,
/// naming the same subjects, its action marked `suffix`; returns once they are durable.
async fn record_again(
    db: &Database,
    caller: &Caller,
    request_id: &str,
    recorded: Vec<Recorded>,
    suffix: &str,
) -> AppResult<()> {
    let mut groups: Vec<(Recorded, Vec<String>)> = Vec::new();
    for r in recorded {
        match groups.iter_mut().find(|(g, _)| {
            (g.kind.as_str(), g.action.as_str(), g.purpose.as_str())
                == (r.kind.as_str(), r.action.as_str(), r.purpose.as_str())
        }) {
            Some((_, ids)) => ids.push(r.id),
            None => {
                let id = r.id.clone();
                groups.push((r, vec![id]));
            }
        }
    }
    let entries: Vec<Entry> = groups
        .into_iter()
        .map(|(g, ids)| {
            let action = format!("{}{suffix}", g.action);
            Entry::new(caller, request_id, &g.kind, ids, &action, &g.purpose)
        })
        .collect();
    db.audit_writer().write(db, entries).await
}

// ------------------------------------------------------------------------------ group commit

/// One entry on its way to the log.
#[derive(Debug)]
struct Entry {
    id: String,
    occurred_at: i64,
    actor_subject: String,
    actor_role: &'static str,
    organisation: String,
    subject_kind: String,
    /// Sorted, without repeats; at least one.
    subjects: Vec<String>,
    action: String,
    purpose: String,
    request_id: String,
    /// A substitute's stated reason (sijaisuus); empty for everybody else.
    substitute_reason: String,
}

impl Entry {
    fn new(
        caller: &Caller,
        request_id: &str,
        subject_kind: &str,
        mut subjects: Vec<String>,
        action: &str,
        purpose: &str,
    ) -> Self {
        subjects.sort_unstable();
        subjects.dedup();
        Self {
            id: new_id(),
            occurred_at: now_micros(),
            actor_subject: caller.subject.clone(),
            actor_role: caller.role.as_str(),
            organisation: caller.organisation(),
            subject_kind: subject_kind.to_owned(),
            subjects,
            action: marked(action).into_owned(),
            purpose: purpose.to_owned(),
            request_id: request_id.to_owned(),
            substitute_reason: caller.substitute_reason.clone().unwrap_or_default(),
        }
    }
}

/// Entries of one call, and where its caller waits for their batch's commit.
struct Pending {
    entries: Vec<Entry>,
    done: oneshot::Sender<AppResult<()>>,
}

/// Calls whose entries one batch (one transaction) writes at most.
const MAX_BATCH: usize = 512;
/// Parameters per multi-row statement on SQLite (its limit is 32,766; see
/// `services/billing/src/store.rs` for why `?` placeholders there).
const SQLITE_PARAMETERS: usize = 2800;
/// Parameters per multi-row statement on PostgreSQL: a statement fits one TLS record (as in
/// `services/billing/src/store.rs`).
const POSTGRES_PARAMETERS: usize = 504;

/// The group commit of one database's read-audit entries: a task that takes every entry
/// waiting, writes them with multi-row INSERTs in one transaction, and tells each caller
/// how its batch ended. Batches form by themselves: while one commits, the next gathers, so
/// a lone read waits for nothing but its own commit and a busy service commits once for
/// many reads. The task starts with the first entry (on the runtime of that call, again if
/// that runtime has gone) and ends when the database handle is dropped.
#[derive(Clone, Default)]
pub struct AuditWriter {
    queue: Arc<Mutex<Option<mpsc::UnboundedSender<Pending>>>>,
    counts: Arc<Counts>,
}

/// What a writer has done so far.
#[derive(Debug, Default)]
struct Counts {
    submitted: std::sync::atomic::AtomicU64,
    entries: std::sync::atomic::AtomicU64,
    batches: std::sync::atomic::AtomicU64,
}

impl fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditWriter")
            .field("entries", &self.entries_written())
            .field("batches", &self.batches_written())
            .finish()
    }
}

impl Database {
    /// The writer of this database's read-audit entries: one per database, shared by every
    /// clone of the handle (kept by the database, defined here with the writer).
    pub fn audit_writer(&self) -> Arc<AuditWriter> {
        self.per_database::<AuditWriter>()
    }
}

impl AuditWriter {
    /// Calls whose entries were handed to the writer so far (written or not yet).
    pub fn calls_submitted(&self) -> u64 {
        self.counts
            .submitted
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Entries committed so far.
    pub fn entries_written(&self) -> u64 {
        self.counts
            .entries
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Batches (transactions) committed so far: fewer than the entries when reads overlap.
    pub fn batches_written(&self) -> u64 {
        self.counts
            .batches
            .load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Hands `entries` to the batch task of `db` and waits for their batch's commit.
    async fn write(&self, db: &Database, entries: Vec<Entry>) -> AppResult<()> {
        if entries.is_empty() {
            return Ok(());
        }
        let (done, committed) = oneshot::channel();
        let mut pending = Pending { entries, done };
        // A runtime that started the task may have ended (and the task with it): once more
        // with a task on this one.
        for _ in 0..2 {
            let queue = self.queue(db);
            match queue.send(pending) {
                Ok(()) => {
                    self.counts
                        .submitted
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    return committed.await.unwrap_or_else(|_| Err(stopped()));
                }
                Err(mpsc::error::SendError(back)) => pending = back,
            }
        }
        Err(stopped())
    }

    /// The running batch task's queue, started when there is none.
    fn queue(&self, db: &Database) -> mpsc::UnboundedSender<Pending> {
        let mut queue = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(running) = queue.as_ref().filter(|q| !q.is_closed()) {
            return running.clone();
        }
        let (sender, receiver) = mpsc::unbounded_channel();
        tokio::spawn(write_batches(
            db.pool().clone(),
            db.write_gate().cloned(),
            db.backend(),
            receiver,
            self.counts.clone(),
        ));
        *queue = Some(sender.clone());
        sender
    }
}

fn stopped() -> AppError {
    AppError::Unavailable("the audit log writer stopped; retry".into())
}

/// The batch task: takes what waits (at most [`MAX_BATCH`] calls), writes it in one
/// transaction, answers each caller, again until the queue closes.
async fn write_batches(
    pool: AnyPool,
    gate: Option<crate::db::WriteGate>,
    backend: Backend,
    mut queue: mpsc::UnboundedReceiver<Pending>,
    counts: Arc<Counts>,
) {
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Reads that became ready at the same moment join this batch.
        tokio::task::yield_now().await;
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(p) => batch.push(p),
                Err(_) => break,
            }
        }
        let entries: Vec<&Entry> = batch.iter().flat_map(|p| &p.entries).collect();
        let result = match crate::db::pass_write_gate(gate.as_ref()).await {
            Ok(_turn) => insert_batch(&pool, backend, &entries).await,
            Err(e) => Err(e),
        };
        if result.is_ok() {
            use std::sync::atomic::Ordering::Relaxed;
            counts.batches.fetch_add(1, Relaxed);
            counts.entries.fetch_add(entries.len() as u64, Relaxed);
        }
        let failure = result.err().map(AppError::from);
        if let Some(e) = &failure {
            tracing::error!(error = %e, entries = entries.len(), "audit entries not written; their reads fail");
        }
        for p in batch.drain(..) {
            let answer = match &failure {
                None => Ok(()),
                Some(e) => Err(share(e)),
            };
            // A caller that gave up no longer waits; its entry is written all the same.
            let _ = p.done.send(answer);
        }
    }
}

/// The error of a batch, for each of its callers.
fn share(e: &AppError) -> AppError {
    match e {
        AppError::Unavailable(m) => AppError::Unavailable(m.clone()),
        AppError::Aborted(m) => AppError::Aborted(m.clone()),
        other => AppError::Internal(anyhow::anyhow!("the audit entry was not written: {other}")),
    }
}

/// Writes `entries` and the subject rows of the many-subject ones: one statement and commit
/// when they fit one, else one transaction of multi-row statements.
async fn insert_batch(
    pool: &AnyPool,
    backend: Backend,
    entries: &[&Entry],
) -> Result<(), sqlx::Error> {
    let subjects: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.subjects.len() > 1)
        .flat_map(|e| e.subjects.iter().map(|s| (e.id.as_str(), s.as_str())))
        .collect();
    let entry_rows = rows_per_statement(backend, ENTRY_COLUMNS);
    if subjects.is_empty() && entries.len() <= entry_rows {
        return insert_entries(pool, backend, entries).await;
    }
    let mut tx = pool.begin().await?;
    for chunk in entries.chunks(entry_rows) {
        insert_entries(&mut *tx, backend, chunk).await?;
    }
    for chunk in subjects.chunks(rows_per_statement(backend, 2)) {
        let mut sql = String::from("INSERT INTO platform_audit_subject (entry_id, subject_id) ");
        push_values(&mut sql, backend, chunk.len(), 2);
        let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (entry, subject) in chunk {
            query = query.bind(*entry).bind(*subject);
        }
        query.execute(&mut *tx).await?;
    }
    tx.commit().await
}

/// One multi-row INSERT of `entries`.
async fn insert_entries<'e, E>(
    executor: E,
    backend: Backend,
    entries: &[&Entry],
) -> Result<(), sqlx::Error>
where
    E: Executor<'e, Database = Any>,
{
    let mut sql = String::from(
        "INSERT INTO platform_audit_log (id, occurred_at, actor_subject, actor_role, \
         organisation, subject_kind, subject_id, action, purpose, request_id, substitute_reason) ",
    );
    push_values(&mut sql, backend, entries.len(), ENTRY_COLUMNS);
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for e in entries {
        query = query
            .bind(e.id.as_str())
            .bind(e.occurred_at)
            .bind(e.actor_subject.as_str())
            .bind(e.actor_role)
            .bind(e.organisation.as_str())
            .bind(e.subject_kind.as_str())
            .bind(e.subjects.join(SUBJECT_SEPARATOR))
            .bind(e.action.as_str())
            .bind(e.purpose.as_str())
            .bind(e.request_id.as_str())
            .bind(e.substitute_reason.as_str());
    }
    query.execute(executor).await?;
    Ok(())
}

/// The columns of one entry's row in `platform_audit_log`.
const ENTRY_COLUMNS: usize = 11;

/// Rows of `columns` parameters per multi-row statement on `backend`.
fn rows_per_statement(backend: Backend, columns: usize) -> usize {
    let parameters = match backend {
        Backend::Postgres => POSTGRES_PARAMETERS,
        Backend::Sqlite => SQLITE_PARAMETERS,
    };
    (parameters / columns).max(1)
}

/// Appends `VALUES (…), (…)` for `rows` rows of `columns` parameters: `$n` on PostgreSQL,
/// `?` on SQLite (which binds `$n` in time quadratic in their number).
fn push_values(sql: &mut String, backend: Backend, rows: usize, columns: usize) {
    sql.push_str("VALUES ");
    let mut n = 0;
    for row in 0..rows {
        sql.push_str(if row == 0 { "(" } else { ", (" });
        for column in 0..columns {
            if column > 0 {
                sql.push_str(", ");
            }
            n += 1;
            match backend {
                Backend::Postgres => {
                    sql.push('$');
                    sql.push_str(&n.to_string());
                }
                Backend::Sqlite => sql.push('?'),
            }
        }
        sql.push(')');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::Role;

    #[test]
    fn values_are_numbered_on_postgresql_and_question_marks_on_sqlite() {
        let mut sql = String::new();
        push_values(&mut sql, Backend::Postgres, 2, 3);
        assert_eq!(sql, "VALUES ($1, $2, $3), ($4, $5, $6)");
        let mut sql = String::new();
        push_values(&mut sql, Backend::Sqlite, 2, 2);
        assert_eq!(sql, "VALUES (?, ?), (?, ?)");
    }

    #[test]
    fn a_statement_holds_as_many_rows_as_its_backends_parameters_allow() {
        assert_eq!(rows_per_statement(Backend::Postgres, 10), 50);
        assert_eq!(rows_per_statement(Backend::Sqlite, 10), 280);
        assert_eq!(rows_per_statement(Backend::Postgres, 2), 252);
        // Never zero, however wide the row.
        assert_eq!(rows_per_statement(Backend::Postgres, 10_000), 1);
    }

    #[test]
    fn an_entry_names_each_subject_once_in_order() {
        let caller = Caller {
            issuer: "idp".into(),
            subject: "p-user".into(),
            role: Role::ProviderUser,
            provider_id: Some("p-1".into()),
            token: String::new(),
            team: None,
            substitute_reason: None,
            identity_code: None,
        };
        let ids = ["c-2", "c-1", "c-2", "c-3"].map(str::to_owned).to_vec();
        let entry = Entry::new(&caller, "req-1", "client", ids, "ListVouchers", "care");
        assert_eq!(entry.subjects, ["c-1", "c-2", "c-3"]);
        assert_eq!(entry.subjects.join(SUBJECT_SEPARATOR), "c-1,c-2,c-3");
        assert_eq!(entry.actor_role, "provider_user");
        assert_eq!(entry.organisation, "p-1");
    }

    #[test]
    fn a_failed_batch_keeps_retryable_errors_retryable_for_each_caller() {
        assert!(matches!(
            share(&AppError::Unavailable("busy".into())),
            AppError::Unavailable(m) if m == "busy"
        ));
        assert!(matches!(
            share(&AppError::Aborted("race".into())),
            AppError::Aborted(m) if m == "race"
        ));
        assert!(matches!(
            share(&AppError::Internal(anyhow::anyhow!("disk"))),
            AppError::Internal(e) if e.to_string().contains("disk")
        ));
    }

    #[test]
    fn a_changes_accesses_read_back_as_stored() {
        let recorded = vec![Recorded {
            kind: "client".into(),
            id: "c-1".into(),
            action: "IssueVoucher".into(),
            purpose: "voucher_issuance".into(),
        }];
        let stored = encode_recorded(&recorded).unwrap();
        assert_eq!(decode_recorded(&stored).unwrap(), recorded);
        assert!(matches!(
            decode_recorded("not json"),
            Err(AppError::Internal(_))
        ));
    }
}
