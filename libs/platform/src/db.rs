//! The database: sqlx `Any` on an SQLite file (default) or PostgreSQL (by URL).
//!
//! Keep to the portable subset DESIGN.md lists (`TEXT`, `BIGINT`, `DOUBLE PRECISION`, booleans
//! as 0/1, money as cents, dates as `YYYY-MM-DD`, instants as microseconds, `$n` placeholders,
//! `ON CONFLICT`, `RETURNING`): every migration and query runs unchanged on both.
//!
//! Migrations are compiled into the binary. The platform's own tables (idempotency, audit) come
//! first (versions below 100); a service's own start at 100. On PostgreSQL sqlx's migrator takes
//! an advisory lock before it reads or creates its table, so replicas starting at once apply
//! each migration exactly once.

use std::any::{Any, TypeId};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{AnyPool, Executor, SqlSafeStr};

/// A migration compiled into the binary.
#[derive(Debug, Clone, Copy)]
pub struct MigrationFile {
    /// Version; services use 100 and up.
    pub version: i64,
    /// Short description.
    pub description: &'static str,
    /// Portable SQL.
    pub sql: &'static str,
}

/// A crate's migrations, one line each, in order: `version, "description", "file";` with the
/// file in the calling crate's `migrations/` folder, or `version, "description", (SQL);` for SQL
/// another crate gives (the platform's followed-providers copy).
#[macro_export]
macro_rules! migrations {
    ($($version:literal, $description:literal, $sql:tt;)*) => {
        &[$($crate::db::MigrationFile {
            version: $version,
            description: $description,
            sql: $crate::migrations!(@sql $sql),
        }),*]
    };
    (@sql $file:literal) => {
        include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/", $file))
    };
    (@sql ($sql:expr)) => {
        $sql
    };
}

/// The platform's own tables, in every service's database.
pub const PLATFORM_MIGRATIONS: &[MigrationFile] = crate::migrations![
    1, "platform idempotency and audit", "0001_platform.sql";
    2, "idempotency retention index", "0002_idempotency_retention.sql";
    3, "audit entries of many subjects; audited subjects of stored answers", "0003_audit_subjects.sql";
    4, "substitutes' stated reasons in the audit log", "0004_audit_substitutes.sql";
];

/// Outside dev mode (`SETELI_DEV`), a PostgreSQL `DATABASE_URL` must ask for an encrypted,
/// verified connection: `sslmode=verify-full` (the server's certificate must chain to a trusted
/// root — `sslrootcert=<file>` for the county's own CA — and name the host). Anything less lets
/// whoever sits between the pod and the database read client data or pose as the database.
pub fn require_verified_tls(
    database_url: &str,
    dev: bool,
) -> Result<(), crate::config::ConfigError> {
    let postgres =
        database_url.starts_with("postgres://") || database_url.starts_with("postgresql://");
    if dev || !postgres {
        return Ok(());
    }
    let verify_full = database_url
        .split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .any(|pair| pair.eq_ignore_ascii_case("sslmode=verify-full"))
        })
        .unwrap_or(false);
    if verify_full {
        Ok(())
    } else {
        Err(crate::config::ConfigError {
            key: "DATABASE_URL".into(),
            message: "a PostgreSQL URL must set sslmode=verify-full (with sslrootcert=<CA file> \
                      for the county's own CA) outside dev mode (SETELI_DEV=true)"
                .into(),
        })
    }
}

/// Which database engine a URL chose.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file.
    Sqlite,
    /// PostgreSQL server.
    Postgres,
}

/// Whether `conn` talks to PostgreSQL (else SQLite): for SQL that differs by backend inside a
/// transaction, where only the connection is at hand.
pub fn is_postgres(conn: &sqlx::AnyConnection) -> bool {
    let name = conn.backend_name();
    name.eq_ignore_ascii_case("postgres") || name.eq_ignore_ascii_case("postgresql")
}

/// A connection pool plus what the health probe needs to know.
#[derive(Debug, Clone)]
pub struct Database {
    pool: AnyPool,
    /// One connection of its own for the health probe.
    probe: AnyPool,
    backend: Backend,
    sqlite_file: Option<PathBuf>,
    /// What the layers above keep once per database ([`Database::per_database`]).
    per_database: Arc<PerDatabase>,
    /// SQLite only: the one write transaction of this process at a time
    /// ([`Database::begin_write`]).
    write_gate: Option<WriteGate>,
    /// The service whose database this is ([`Database::owned_by`]).
    owner: Option<&'static str>,
}

/// State the layers above this one keep once per database, one value per type (the audit
/// log's group commit is one): made on first use, shared by every clone of the handle, dropped
/// with the last.
#[derive(Default)]
struct PerDatabase(Mutex<HashMap<TypeId, Arc<dyn Any + Send + Sync>>>);

impl std::fmt::Debug for PerDatabase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kept = self.0.lock().map_or(0, |m| m.len());
        f.debug_struct("PerDatabase").field("kept", &kept).finish()
    }
}

/// SQLite's write lock, taken in this process first: writers queue on it in order (FIFO)
/// instead of each polling SQLite's lock in its busy handler, whose growing sleeps (up to
/// 100 ms) were the p99 of concurrent writes (issue 15).
pub type WriteGate = std::sync::Arc<tokio::sync::Mutex<()>>;

/// How long a SQLite writer waits for the write lock (in this process's gate, then in SQLite's
/// busy handler) before its call fails UNAVAILABLE.
pub const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// A write transaction ([`Database::begin_write`]): dereferences to its connection. Dropped
/// without [`WriteTransaction::commit`], it rolls back.
#[derive(Debug)]
pub struct WriteTransaction {
    // Declared (and so dropped) before the gate: a dropped transaction's rollback is queued on
    // the connection before the next writer may begin.
    tx: sqlx::Transaction<'static, sqlx::Any>,
    _gate: Option<tokio::sync::OwnedMutexGuard<()>>,
}

impl WriteTransaction {
    /// Commits, then lets the next writer in.
    pub async fn commit(self) -> Result<(), sqlx::Error> {
        self.tx.commit().await
    }

    /// Rolls back, then lets the next writer in.
    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        self.tx.rollback().await
    }
}

impl std::ops::Deref for WriteTransaction {
    type Target = sqlx::AnyConnection;
    fn deref(&self) -> &Self::Target {
        &self.tx
    }
}

impl std::ops::DerefMut for WriteTransaction {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.tx
    }
}

/// Waits for `gate` (none: nothing to wait for) at most [`SQLITE_BUSY_TIMEOUT`]; a timeout is
/// the pool's (UNAVAILABLE, retry).
pub async fn pass_write_gate(
    gate: Option<&WriteGate>,
) -> Result<Option<tokio::sync::OwnedMutexGuard<()>>, sqlx::Error> {
    let Some(gate) = gate else {
        return Ok(None);
    };
    tokio::time::timeout(SQLITE_BUSY_TIMEOUT, gate.clone().lock_owned())
        .await
        .map(Some)
        .map_err(|_| sqlx::Error::PoolTimedOut)
}

impl Database {
    /// Connects (creating the SQLite file and its folder when missing).
    pub async fn connect(url: &str, max_connections: u32) -> anyhow::Result<Self> {
        install_default_drivers();
        let (backend, sqlite_file) = if let Some(rest) = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
        {
            let path = rest.split('?').next().unwrap_or_default();
            let file = (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path));
            if let Some(dir) = file.as_ref().and_then(|f| f.parent())
                && !dir.as_os_str().is_empty()
            {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("cannot create {}", dir.display()))?;
            }
            (Backend::Sqlite, file)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            (Backend::Postgres, None)
        } else {
            anyhow::bail!("DATABASE_URL must start with sqlite:// or postgres://");
        };
        // A missing SQLite file is created once, here; the pool then opens it read-write only,
        // so a file that vanishes while serving is an outage (health NOT_SERVING), never a
        // fresh empty database that answers "no such table".
        let pool_url = if backend == Backend::Sqlite && url.contains("mode=rwc") {
            let conn = <sqlx::AnyConnection as sqlx::Connection>::connect(url)
                .await
                .with_context(|| format!("cannot create the {backend:?} database"))?;
            sqlx::Connection::close(conn).await?;
            url.replace("mode=rwc", "mode=rw")
        } else {
            url.to_owned()
        };
        let pool = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(Duration::from_secs(5))
            // No ping before every checkout (a round trip per call: 20 % of GetVoucher's CPU
            // on PostgreSQL in the load bench). A connection that died is found by its first
            // statement, which fails retryable (UNAVAILABLE), and sqlx drops it; health has its
            // own probe connection below.
            .test_before_acquire(false)
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        // WAL lets readers run beside the writer; the busy timeout makes a writer
                        // wait for another instead of failing. synchronous=NORMAL syncs the WAL
                        // at checkpoints, not at every commit: a killed process loses nothing
                        // and the file never corrupts, only a power loss or OS crash can undo
                        // the last commits. It is what keeps the write lock short: measured
                        // with 32 concurrent writers, 564 → 1,860 commits/s, p99 374 → 116 ms.
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute("PRAGMA synchronous = NORMAL").await?;
                        // Writers of this process queue in the write gate; the busy timeout
                        // covers another process (a migration, an operator's sqlite3).
                        conn.execute(sqlx::AssertSqlSafe(format!(
                            "PRAGMA busy_timeout = {}",
                            SQLITE_BUSY_TIMEOUT.as_millis()
                        )))
                        .await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                    } else {
                        // A stuck statement, lock wait or forgotten transaction ends with an
                        // error the caller may retry, instead of holding a connection for ever.
                        conn.execute(SESSION_TIMEOUTS).await?;
                    }
                    Ok(())
                })
            })
            .connect(&pool_url)
            .await
            .with_context(|| format!("cannot connect to the {backend:?} database"))?;
        // The health probe has a connection of its own: a pool saturated by requests must not
        // read as "database down" (and take every replica out of rotation at the busiest time).
        let probe = AnyPoolOptions::new()
            .max_connections(1)
            .min_connections(0)
            .acquire_timeout(Duration::from_secs(3))
            .idle_timeout(Some(Duration::from_secs(60)))
            .connect_lazy(&pool_url)
            .with_context(|| format!("cannot connect to the {backend:?} database"))?;
        Ok(Self {
            pool,
            probe,
            backend,
            sqlite_file,
            per_database: Default::default(),
            write_gate: (backend == Backend::Sqlite).then(WriteGate::default),
            owner: None,
        })
    }

    /// This database as `service`'s own (the server names it at start): what the layers above
    /// label their metrics with, e.g. a feed follower's `service`.
    pub fn owned_by(mut self, service: &'static str) -> Self {
        self.owner = Some(service);
        self
    }

    /// The service whose database this is, if it was named ([`Database::owned_by`]).
    pub fn owner(&self) -> Option<&'static str> {
        self.owner
    }

    /// Begins a write transaction. On SQLite it first waits its turn in this process's write
    /// gate ([`WriteGate`]), so one write transaction runs at a time and writers go in the
    /// order they came; on PostgreSQL it is a plain `BEGIN`. Every transaction that writes
    /// begins here; reads use [`Database::pool`]. A write transaction must not wait for
    /// another write of the same database (a nested `begin_write`, a read's audit entry): on
    /// SQLite that waits out the timeout.
    pub async fn begin_write(&self) -> Result<WriteTransaction, sqlx::Error> {
        let gate = pass_write_gate(self.write_gate.as_ref()).await?;
        let tx = self.pool.begin().await?;
        Ok(WriteTransaction { tx, _gate: gate })
    }

    /// The write gate (SQLite only), for a writer that does not go through
    /// [`Database::begin_write`] (the audit log's group commit).
    pub fn write_gate(&self) -> Option<&WriteGate> {
        self.write_gate.as_ref()
    }

    /// Applies the platform's and then the service's migrations.
    pub async fn migrate(&self, service: &[MigrationFile]) -> anyhow::Result<()> {
        let migrations = PLATFORM_MIGRATIONS
            .iter()
            .chain(service)
            .map(|m| {
                Migration::new(
                    m.version,
                    Cow::Borrowed(m.description),
                    MigrationType::Simple,
                    m.sql.into_sql_str(),
                    false,
                )
            })
            .collect();
        let mut migrator = Migrator::with_migrations(migrations);
        // Expand/contract: an older release still starts after a newer one migrated the
        // database; migrations it does not know are not an error.
        migrator.set_ignore_missing(true);
        // PostgreSQL: sqlx holds an advisory lock for the whole run. SQLite has no such lock;
        // each migration commits atomically with its bookkeeping row, so a replica that lost a
        // race (e.g. "table already exists") rolls back and, on retry, finds it applied.
        let attempts = if self.backend == Backend::Sqlite {
            5
        } else {
            1
        };
        let mut attempt = 1;
        loop {
            match migrator.run(&self.pool).await {
                Ok(()) => return self.protect_audit_log().await,
                Err(e) if attempt < attempts => {
                    tracing::info!(error = %e, attempt, "migration raced another replica; retrying");
                    tokio::time::sleep(Duration::from_millis(50 * attempt)).await;
                    attempt += 1;
                }
                Err(e) => return Err(anyhow::Error::new(e).context("database migration failed")),
            }
        }
    }

    /// The migrations of this binary (the platform's and `service`) the database has not
    /// applied yet, by version; all of them on a database never migrated.
    pub async fn missing_migrations(&self, service: &[MigrationFile]) -> anyhow::Result<Vec<i64>> {
        let applied: Vec<i64> = match sqlx::query_scalar::<_, i64>(
            "SELECT version FROM _sqlx_migrations WHERE success",
        )
        .fetch_all(&self.pool)
        .await
        {
            Ok(applied) => applied,
            // No bookkeeping table yet: nothing was ever applied.
            Err(sqlx::Error::Database(e))
                if e.code().as_deref() == Some("42P01")
                    || e.message().contains("no such table") =>
            {
                Vec::new()
            }
            Err(e) => return Err(anyhow::Error::new(e).context("reading applied migrations")),
        };
        Ok(PLATFORM_MIGRATIONS
            .iter()
            .chain(service)
            .map(|m| m.version)
            .filter(|v| !applied.contains(v))
            .collect())
    }

    /// Waits, polling once a second for at most `timeout`, until every migration this binary
    /// knows is applied (by a `--migrate-only` run elsewhere).
    pub async fn wait_for_migrations(
        &self,
        service: &[MigrationFile],
        timeout: Duration,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let missing = self.missing_migrations(service).await?;
            if missing.is_empty() {
                return Ok(());
            }
            if tokio::time::Instant::now() >= deadline {
                anyhow::bail!(
                    "the database lacks migrations {missing:?} after waiting {timeout:?} \
                     (SETELI_MIGRATE=wait): run this binary with --migrate-only"
                );
            }
            tracing::info!(
                ?missing,
                "waiting for the database to be migrated (--migrate-only)"
            );
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    /// Makes the audit log append-only: a trigger refuses every UPDATE and DELETE of
    /// `platform_audit_log` and `platform_audit_subject` (703/2023: the log of who saw a client's data cannot be edited by
    /// the service it watches). Idempotent; on PostgreSQL under a transaction-scoped advisory
    /// lock, so replicas starting at once install it once.
    pub async fn protect_audit_log(&self) -> anyhow::Result<()> {
        let statements: &[&str] = match self.backend {
            Backend::Sqlite => &[
                "CREATE TRIGGER IF NOT EXISTS platform_audit_log_no_update \
                 BEFORE UPDATE ON platform_audit_log \
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS platform_audit_log_no_delete \
                 BEFORE DELETE ON platform_audit_log \
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS platform_audit_subject_no_update \
                 BEFORE UPDATE ON platform_audit_subject \
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
                "CREATE TRIGGER IF NOT EXISTS platform_audit_subject_no_delete \
                 BEFORE DELETE ON platform_audit_subject \
                 BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
            ],
            Backend::Postgres => &[
                "SELECT pg_advisory_xact_lock(7322480001)",
                "CREATE OR REPLACE FUNCTION platform_audit_log_append_only() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = '42501'; \
                 END $$",
                "DROP TRIGGER IF EXISTS platform_audit_log_append_only ON platform_audit_log",
                "CREATE TRIGGER platform_audit_log_append_only \
                 BEFORE UPDATE OR DELETE OR TRUNCATE ON platform_audit_log \
                 FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_log_append_only()",
                "DROP TRIGGER IF EXISTS platform_audit_subject_append_only \
                 ON platform_audit_subject",
                "CREATE TRIGGER platform_audit_subject_append_only \
                 BEFORE UPDATE OR DELETE OR TRUNCATE ON platform_audit_subject \
                 FOR EACH STATEMENT EXECUTE FUNCTION platform_audit_log_append_only()",
            ],
        };
        let mut tx = self.pool.begin().await?;
        for statement in statements {
            tx.execute(*statement)
                .await
                .context("making the audit log append-only")?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The one `T` of this database (made with `T::default()` on first use), shared by every
    /// clone of the handle and dropped with the last: how a layer above keeps per-database
    /// state (the audit log's group commit) without this module knowing its type.
    pub(crate) fn per_database<T: Default + Send + Sync + 'static>(&self) -> Arc<T> {
        let mut kept = self
            .per_database
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let value = kept
            .entry(TypeId::of::<T>())
            .or_insert_with(|| Arc::new(T::default()))
            .clone();
        value
            .downcast::<T>()
            .unwrap_or_else(|_| unreachable!("a value is kept under its own type's id"))
    }

    /// The pool.
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// The engine.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether the database answers now. For SQLite the file must also still be where it was
    /// (a volume that went away leaves open handles working on a deleted file).
    pub async fn ping(&self) -> bool {
        if let Some(file) = &self.sqlite_file
            && !file.exists()
        {
            return false;
        }
        let probe = async {
            let mut conn = self.probe.acquire().await?;
            conn.execute("SELECT 1").await?;
            Ok::<_, sqlx::Error>(())
        };
        matches!(
            tokio::time::timeout(Duration::from_secs(3), probe).await,
            Ok(Ok(()))
        )
    }

    /// Closes the pools.
    pub async fn close(&self) {
        self.pool.close().await;
        self.probe.close().await;
    }
}

/// PostgreSQL session limits set on every connection: `statement_timeout`, `lock_timeout`,
/// `idle_in_transaction_session_timeout`.
pub const SESSION_TIMEOUTS: &str = "SET statement_timeout = '30s'; SET lock_timeout = '10s'; \
     SET idle_in_transaction_session_timeout = '60s'";

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

/// A new UUIDv7 id as text.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn per_database_state_is_one_value_per_type_shared_by_every_clone() {
        use std::sync::atomic::{AtomicU64, Ordering};
        #[derive(Default)]
        struct Counter(AtomicU64);
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        db.per_database::<Counter>()
            .0
            .fetch_add(1, Ordering::Relaxed);
        let clone = db.clone();
        assert_eq!(clone.per_database::<Counter>().0.load(Ordering::Relaxed), 1);
        // Another type has a value of its own.
        assert_eq!(*db.per_database::<String>(), "");
        // Another database has its own.
        let other = Database::connect("sqlite::memory:", 1).await.unwrap();
        assert_eq!(other.per_database::<Counter>().0.load(Ordering::Relaxed), 0);
        // Dropped with the last handle.
        let kept = Arc::downgrade(&db.per_database::<Counter>());
        drop(db);
        assert!(kept.upgrade().is_some(), "a clone still holds it");
        drop(clone);
        assert!(kept.upgrade().is_none());
    }

    #[test]
    fn outside_dev_postgresql_needs_verify_full_and_sqlite_does_not() {
        let plain = "postgres://seteli:pw@db.internal:5432/vouchers";
        let err = require_verified_tls(plain, false).expect_err("cleartext in production");
        assert_eq!(err.key, "DATABASE_URL");
        assert!(!err.to_string().contains("pw"), "never print the password");
        for weak in ["?sslmode=require", "?sslmode=prefer", "?sslmode=verify-ca"] {
            assert!(
                require_verified_tls(&format!("{plain}{weak}"), false).is_err(),
                "{weak}"
            );
        }
        let verified = format!("{plain}?sslrootcert=/etc/seteli/ca.pem&sslmode=verify-full");
        require_verified_tls(&verified, false).expect("verify-full");
        require_verified_tls(plain, true).expect("dev mode");
        require_verified_tls("sqlite://data/vouchers.db?mode=rwc", false).expect("a file");
    }
}
