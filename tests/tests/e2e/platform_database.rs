//! The platform's database under faults, on the backend the environment chose: a saturated
//! pool is not an outage, an older release starts after a newer one migrated, and PostgreSQL
//! sessions carry statement, lock and idle-transaction timeouts; a test database made for a set
//! of migrations holds them.

use std::time::Duration;

use seteli_platform::db::{Database, MigrationFile};
use seteli_platform::testing::TestDatabase;
use sqlx::Row;

const V100: MigrationFile = MigrationFile {
    version: 100,
    description: "first",
    sql: "CREATE TABLE things (id TEXT PRIMARY KEY)",
};
const V101: MigrationFile = MigrationFile {
    version: 101,
    description: "second",
    sql: "ALTER TABLE things ADD COLUMN name TEXT",
};

#[tokio::test]
async fn a_saturated_request_pool_still_reads_as_healthy() {
    let db = TestDatabase::fresh().await;
    let database = Database::connect(&db.url, 1).await.expect("connect");
    // Every request connection is taken (a busy service), yet the probe answers.
    let held = database
        .pool()
        .acquire()
        .await
        .expect("the one request connection");
    assert!(
        tokio::time::timeout(Duration::from_secs(10), database.ping())
            .await
            .expect("probe in time"),
        "a saturated pool read as a database outage"
    );
    drop(held);
    database.close().await;
}

#[tokio::test]
async fn an_older_release_starts_after_a_newer_one_migrated() {
    let (db, newer) = fresh_database().await;
    newer
        .migrate(&[V100, V101])
        .await
        .expect("newer release migrates");
    newer.close().await;
    let older = Database::connect(&db.url, 2).await.expect("connect");
    older
        .migrate(&[V100])
        .await
        .expect("a migration the older binary does not know is not an error");
    older.close().await;
}

#[tokio::test]
async fn postgresql_sessions_have_timeouts() {
    let db = TestDatabase::fresh().await;
    if !db.is_postgres() {
        return; // SQLite has no server-side sessions to bound.
    }
    let database = Database::connect(&db.url, 1).await.expect("connect");
    let mut conn = database.pool().acquire().await.expect("connection");
    for (setting, want) in [
        ("statement_timeout", "30s"),
        ("lock_timeout", "10s"),
        ("idle_in_transaction_session_timeout", "1min"),
    ] {
        let row = sqlx::query(sqlx::AssertSqlSafe(format!("SHOW {setting}")))
            .fetch_one(&mut *conn)
            .await
            .expect("show");
        let value: String = row.try_get(0).expect("value");
        assert_eq!(value, want, "{setting}");
    }
    drop(conn);
    database.close().await;
}

#[tokio::test]
async fn idempotency_answers_are_purged_after_the_retention() {
    let (_db, database) = fresh_database().await;
    database.migrate(&[]).await.expect("platform tables");
    let day = 24 * 3600 * 1_000_000_i64;
    let now = 100 * day;
    for (i, age_days) in [10_i64, 8, 6, 1].into_iter().enumerate() {
        sqlx::query(
            "INSERT INTO platform_idempotency (caller, request_id, request_hash, response, \
             created_at) VALUES ('c', $1, 'h', 'a', $2)",
        )
        .bind(format!("r{i}"))
        .bind(now - age_days * day)
        .execute(database.pool())
        .await
        .expect("insert");
    }
    let removed = seteli_platform::change::purge_answers(
        &database,
        seteli_platform::change::DEFAULT_RETENTION,
        now,
    )
    .await
    .expect("purge");
    assert_eq!(removed, 2);
    let left: Vec<(String,)> =
        sqlx::query_as("SELECT request_id FROM platform_idempotency ORDER BY request_id")
            .fetch_all(database.pool())
            .await
            .expect("left");
    assert_eq!(left, vec![("r2".to_owned(),), ("r3".to_owned(),)]);
    database.close().await;
}

/// A fresh test database, and a pool of two connections to it.
async fn fresh_database() -> (TestDatabase, Database) {
    let db = TestDatabase::fresh().await;
    let pool = Database::connect(&db.url, 2).await.expect("connect");
    (db, pool)
}

/// Rows packed into one JSON value (`seteli_platform::packed`) read back as they were stored on
/// this backend: order, `NULL`, integers beyond a double's exact range, text that JSON escapes.
#[tokio::test]
async fn packed_rows_read_back_as_stored() {
    use seteli_platform::packed::{packed_rows, unpack};
    let db = TestDatabase::fresh().await;
    let database = Database::connect(&db.url, 1).await.expect("connect");
    let tricky = "quote \" backslash \\ tab \t newline \n ä € 🦀";
    sqlx::query("CREATE TABLE packed (id TEXT NOT NULL, n BIGINT NOT NULL, note TEXT)")
        .execute(database.pool())
        .await
        .expect("table");
    sqlx::query("INSERT INTO packed VALUES ('b', $1, NULL), ('a', -2, $2)")
        .bind(i64::MAX)
        .bind(tricky)
        .execute(database.pool())
        .await
        .expect("rows");
    let postgres = database.backend() == seteli_platform::db::Backend::Postgres;
    let sql = format!(
        "SELECT {}",
        packed_rows(postgres, "id, n, note", "FROM packed WHERE n > $1", "id")
    );
    let read = |above: i64| {
        let (sql, pool) = (sql.clone(), database.pool().clone());
        async move {
            let (packed,): (Option<String>,) = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(above)
                .fetch_one(&pool)
                .await
                .expect("packed");
            unpack::<(String, i64, Option<String>)>(packed.as_deref()).expect("unpacked")
        }
    };
    assert_eq!(
        read(-100).await,
        vec![
            ("a".to_owned(), -2, Some(tricky.to_owned())),
            ("b".to_owned(), i64::MAX, None),
        ]
    );
    assert!(read(i64::MAX).await.is_empty(), "no rows: none");
    database.close().await;
}

/// A test database made for a set of migrations (`TestDatabase::migrated`: on PostgreSQL a copy
/// of the template built once for them) lacks none of them, and each copy is its own: a row
/// written in one is in no other, nor in a copy made after it. On PostgreSQL the copies are gone
/// once the process's last database is dropped.
#[tokio::test]
async fn migrated_test_databases_hold_their_migrations_and_only_their_own_rows() {
    let first = TestDatabase::migrated(&[V100, V101]).await;
    let second = TestDatabase::migrated(&[V100, V101]).await;
    let written = Database::connect(&first.url, 1).await.expect("connect");
    sqlx::query("INSERT INTO things (id, name) VALUES ('a', 'only in the first')")
        .execute(written.pool())
        .await
        .expect("a migrated database has the migrations' tables");
    written.close().await;
    let third = TestDatabase::migrated(&[V100, V101]).await;
    let mut counts = Vec::new();
    for db in [&first, &second, &third] {
        let database = Database::connect(&db.url, 1).await.expect("connect");
        assert_eq!(
            database
                .missing_migrations(&[V100, V101])
                .await
                .expect("applied migrations"),
            Vec::<i64>::new()
        );
        let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM things")
            .fetch_one(database.pool())
            .await
            .expect("count");
        counts.push(n);
        database.close().await;
    }
    assert_eq!(counts, [1, 0, 0]);

    let Ok(admin) = std::env::var("SETELI_TEST_POSTGRES") else {
        return;
    };
    if admin.is_empty() {
        return;
    }
    let names: Vec<String> = [&first, &second, &third]
        .iter()
        .map(|db| db.url.rsplit('/').next().expect("a name").to_owned())
        .collect();
    drop((first, second, third));
    let admin = Database::connect(&admin, 1).await.expect("admin");
    let mut left = Vec::new();
    for name in &names {
        let found: Option<i32> = sqlx::query_scalar("SELECT 1 FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(admin.pool())
            .await
            .expect("look for the database");
        left.extend(found.map(|_| name.clone()));
    }
    admin.close().await;
    assert_eq!(left, Vec::<String>::new(), "test databases left behind");
}
