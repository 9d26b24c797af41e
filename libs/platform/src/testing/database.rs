//! A test's own database: fresh for each test, dropped when the test is done.
//!
//! SQLite by default (a file in a temporary folder); with `SETELI_TEST_POSTGRES` set to a server
//! URL (e.g. `postgres://postgres@127.0.0.1:5432/postgres`) each database is a new database on
//! that server, named `seteli_test_*` (`make test-postgres` drops those an earlier run left).
//!
//! On PostgreSQL a test's databases were most of what the test spent beyond the same test on
//! SQLite: each was created (~130 ms), migrated by the service as it started (~90 ms) and dropped
//! (~100 ms: `DROP DATABASE` waits for a checkpoint), one after another. So:
//! - [`TestDatabase::migrated`] copies a *template* that already holds a service's migrations,
//!   built once per set of migrations on that server: named by their hash, built under an
//!   advisory lock (test processes run side by side and build it once), renamed into place only
//!   when complete, and closed to connections (as `template0` is) so that no session keeps a copy
//!   from starting;
//! - the databases a test process made are dropped together, concurrently, when the last of them
//!   goes: concurrent drops share their checkpoints.

use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use sqlx::{Connection, Executor};
use tempfile::TempDir;

use crate::db::{Database, MigrationFile, PLATFORM_MIGRATIONS};

/// The prefix of every database a test makes on PostgreSQL, templates included.
pub const TEST_DATABASE_PREFIX: &str = "seteli_test_";

/// A fresh database for one test.
#[derive(Debug)]
pub struct TestDatabase {
    /// Its URL.
    pub url: String,
    sqlite_file: Option<PathBuf>,
    postgres: Option<(String, String)>,
    _dir: TempDir,
}

impl TestDatabase {
    /// A fresh, empty database on the backend the environment chose.
    pub async fn fresh() -> Self {
        match postgres_admin() {
            Some(admin) => Self::on_postgres(admin, None).await,
            None => Self::on_sqlite(),
        }
    }

    /// A fresh database that holds the platform's migrations and `migrations` (a service's
    /// `Service::MIGRATIONS`), as if that service had started on it once: on PostgreSQL a copy of
    /// the template for those migrations, on SQLite a file migrated here. The service still runs
    /// its migrations as it starts, and finds them applied.
    pub async fn migrated(migrations: &[MigrationFile]) -> Self {
        match postgres_admin() {
            Some(admin) => {
                let template = template(&admin, migrations).await;
                Self::on_postgres(admin, Some(&template)).await
            }
            None => {
                let db = Self::on_sqlite();
                migrate(&db.url, migrations).await;
                db
            }
        }
    }

    fn on_sqlite() -> Self {
        let dir = tempfile::tempdir().expect("temporary folder");
        let file = dir.path().join("test.db");
        Self {
            url: format!("sqlite://{}?mode=rwc", file.display()),
            sqlite_file: Some(file),
            postgres: None,
            _dir: dir,
        }
    }

    /// A new database on the server of `admin`, a copy of `template` when given.
    async fn on_postgres(admin: String, template: Option<&str>) -> Self {
        let name = format!("{TEST_DATABASE_PREFIX}{}", uuid::Uuid::new_v4().simple());
        let mut conn = sqlx::AnyConnection::connect(&admin)
            .await
            .expect("connect to SETELI_TEST_POSTGRES");
        let copy = template
            .map(|t| format!(" TEMPLATE {t}"))
            .unwrap_or_default();
        conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}{copy}")))
            .await
            .expect("create test database");
        owned().live += 1;
        Self {
            url: database_url(&admin, &name),
            sqlite_file: None,
            postgres: Some((admin, name)),
            _dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// Another handle on an existing database (e.g. for a second replica); it does not own it.
    pub fn shared(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            sqlite_file: None,
            postgres: None,
            _dir: tempfile::tempdir().expect("temporary folder"),
        }
    }

    /// Whether this is PostgreSQL.
    pub fn is_postgres(&self) -> bool {
        self.postgres.is_some()
    }

    /// Makes the database unreachable for the service (PostgreSQL: refuses connections and
    /// ends the open ones; SQLite: the file goes away, as when a volume is lost).
    pub async fn take_away(&self) {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::AnyConnection::connect(admin).await.expect("admin");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"
            )))
            .await
            .expect("disallow connections");
            // A backend still starting up may have passed the ALLOW_CONNECTIONS check before
            // the ALTER committed and not yet show in pg_stat_activity: it would survive and keep
            // the service healthy. Until its startup transaction ends it holds a lock on the
            // database, and it shows in pg_stat_activity before that ends: reading the locks
            // first, then the activity, misses none (a backend that starts later is refused).
            let locking: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT pid FROM pg_locks WHERE locktype = 'object' \
                 AND classid = 'pg_database'::regclass AND pid <> pg_backend_pid() \
                 AND objid = (SELECT oid FROM pg_database WHERE datname = '{name}')"
            )))
            .fetch_all(&mut conn)
            .await
            .expect("backends starting in the database");
            let active: Vec<i32> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
                "SELECT pid FROM pg_stat_activity WHERE datname = '{name}'"
            )))
            .fetch_all(&mut conn)
            .await
            .expect("backends in the database");
            for pid in locking.into_iter().chain(active) {
                sqlx::query("SELECT pg_terminate_backend($1)")
                    .bind(pid)
                    .execute(&mut conn)
                    .await
                    .expect("terminate a connection");
            }
        } else if let Some(file) = &self.sqlite_file {
            std::fs::rename(file, file.with_extension("away")).expect("move database away");
        }
    }

    /// Undoes [`TestDatabase::take_away`].
    pub async fn bring_back(&self) {
        if let Some((admin, name)) = &self.postgres {
            let mut conn = sqlx::AnyConnection::connect(admin).await.expect("admin");
            conn.execute(sqlx::AssertSqlSafe(format!(
                "ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true"
            )))
            .await
            .expect("allow connections");
        } else if let Some(file) = &self.sqlite_file {
            std::fs::rename(file.with_extension("away"), file).expect("bring database back");
        }
    }
}

impl Drop for TestDatabase {
    /// Hands the PostgreSQL database this test created to the process's drop (SQLite files go
    /// with the folder): the last database of the process to go drops them all at once.
    fn drop(&mut self) {
        let Some(database) = self.postgres.take() else {
            return;
        };
        let batch = {
            let mut owned = owned();
            owned.live = owned.live.saturating_sub(1);
            owned.to_drop.push(database);
            if owned.live > 0 {
                return;
            }
            std::mem::take(&mut owned.to_drop)
        };
        drop_databases(batch);
    }
}

/// The PostgreSQL databases of this process: how many are in use, and those to drop.
struct Owned {
    live: usize,
    to_drop: Vec<(String, String)>,
}

fn owned() -> std::sync::MutexGuard<'static, Owned> {
    static OWNED: Mutex<Owned> = Mutex::new(Owned {
        live: 0,
        to_drop: Vec::new(),
    });
    OWNED.lock().unwrap_or_else(|p| p.into_inner())
}

/// Drops `(admin URL, name)` databases concurrently and waits for them.
fn drop_databases(batch: Vec<(String, String)>) {
    // Drop runs inside the test's runtime: use a thread with a runtime of its own.
    let dropped = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .ok()?;
        runtime.block_on(async {
            let drops = batch.iter().map(|(admin, name)| async move {
                let mut conn = sqlx::AnyConnection::connect(admin).await.ok()?;
                conn.execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await
                .ok()
            });
            let done = futures::future::join_all(drops).await;
            done.iter().all(Option::is_some).then_some(())
        })
    })
    .join();
    if !matches!(dropped, Ok(Some(()))) {
        eprintln!("warning: could not drop a test database");
    }
}

/// The PostgreSQL server tests run on (`SETELI_TEST_POSTGRES`), if any.
fn postgres_admin() -> Option<String> {
    let admin = std::env::var("SETELI_TEST_POSTGRES").ok()?;
    if admin.is_empty() {
        return None;
    }
    sqlx::any::install_default_drivers();
    Some(admin)
}

/// The URL of database `name` on the server of `admin`.
fn database_url(admin: &str, name: &str) -> String {
    let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(admin);
    format!("{base}/{name}")
}

/// Applies the platform's and `migrations` to the database at `url`.
async fn migrate(url: &str, migrations: &[MigrationFile]) {
    let db = Database::connect(url, 1)
        .await
        .expect("connect to a test database");
    db.migrate(migrations)
        .await
        .expect("migrate a test database");
    db.close().await;
}

/// The name of the template database that holds the platform's migrations and `migrations`
/// on the server of `admin`, built first when that server has none yet.
async fn template(admin: &str, migrations: &[MigrationFile]) -> String {
    let mut hash = Sha256::new();
    for m in PLATFORM_MIGRATIONS.iter().chain(migrations) {
        hash.update(m.version.to_le_bytes());
        hash.update(m.sql.as_bytes());
        hash.update([0]);
    }
    let digest = hash.finalize();
    let id: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{TEST_DATABASE_PREFIX}template_{id}");
    let lock = i64::from_le_bytes(digest[..8].try_into().expect("eight bytes"));
    let mut conn = sqlx::AnyConnection::connect(admin)
        .await
        .expect("connect to SETELI_TEST_POSTGRES");
    // A session lock: held until this connection closes, so a builder that fails lets go.
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(lock)
        .execute(&mut conn)
        .await
        .expect("the template's lock");
    let built: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_optional(&mut conn)
        .await
        .expect("look for the template");
    if built.is_none() {
        let building = format!("{name}_building");
        for sql in [
            format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)"),
            format!("CREATE DATABASE {building}"),
        ] {
            conn.execute(sqlx::AssertSqlSafe(sql))
                .await
                .expect("create the template");
        }
        migrate(&database_url(admin, &building), migrations).await;
        for sql in [
            format!("ALTER DATABASE {building} RENAME TO {name}"),
            format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"),
        ] {
            conn.execute(sqlx::AssertSqlSafe(sql))
                .await
                .expect("put the template in place");
        }
    }
    conn.close().await.expect("let go of the template's lock");
    name
}
