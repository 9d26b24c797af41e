//! Concurrent writers on the platform's database (issue 15): every connection of an SQLite
//! pool runs in WAL with `synchronous = NORMAL` (the WAL is synced at checkpoints, not at every
//! commit, which keeps the write lock short) and a busy timeout, so 32 writers committing at
//! once through one pool all succeed: none sees `SQLITE_BUSY` ("database is locked"). The same
//! load runs on PostgreSQL. Latency is the benchmark's business, not this test's.
//!
//! On SQLite, write transactions of one process take turns in the database's write gate
//! (`Database::begin_write`), in the order they asked, instead of racing for SQLite's lock in
//! its busy handler.

use std::sync::Arc;

use seteli_platform::db::{Backend, Database};
use seteli_platform::testing::TestDatabase;
use sqlx::Executor;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_all_commit() {
    let t = TestDatabase::fresh().await;
    let db = Arc::new(Database::connect(&t.url, 10).await.expect("connect"));
    if db.backend() == Backend::Sqlite {
        for _ in 0..3 {
            let mut conn = db.pool().acquire().await.expect("a connection");
            let (mode,): (String,) = sqlx::query_as("PRAGMA journal_mode")
                .fetch_one(&mut *conn)
                .await
                .expect("journal mode");
            assert_eq!(mode.to_ascii_lowercase(), "wal");
            let (sync,): (i64,) = sqlx::query_as("PRAGMA synchronous")
                .fetch_one(&mut *conn)
                .await
                .expect("synchronous");
            assert_eq!(sync, 1, "synchronous = NORMAL");
        }
    }
    db.pool()
        .execute("CREATE TABLE claims (id TEXT PRIMARY KEY, writer BIGINT NOT NULL)")
        .await
        .expect("claims");
    db.pool()
        .execute("CREATE TABLE counters (id BIGINT PRIMARY KEY, n BIGINT NOT NULL)")
        .await
        .expect("counters");
    for id in 0..4_i64 {
        sqlx::query("INSERT INTO counters (id, n) VALUES ($1, 0)")
            .bind(id)
            .execute(db.pool())
            .await
            .expect("counter");
    }

    const WRITERS: i64 = 32;
    const EACH: i64 = 25;
    // Each transaction as a change does: a claim, a read, an update of a shared row, commit.
    let writers = (0..WRITERS).map(|w| {
        let db = db.clone();
        tokio::spawn(async move {
            for i in 0..EACH {
                let mut tx = db.pool().begin().await?;
                sqlx::query("INSERT INTO claims (id, writer) VALUES ($1, $2)")
                    .bind(format!("{w}-{i}"))
                    .bind(w)
                    .execute(&mut *tx)
                    .await?;
                let _: (i64,) = sqlx::query_as("SELECT n FROM counters WHERE id = $1")
                    .bind(w % 4)
                    .fetch_one(&mut *tx)
                    .await?;
                sqlx::query("UPDATE counters SET n = n + 1 WHERE id = $1")
                    .bind(w % 4)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
            }
            Ok::<_, sqlx::Error>(())
        })
    });
    for writer in futures::future::join_all(writers).await {
        writer.expect("writer task").expect("every write commits");
    }
    let (claims,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM claims")
        .fetch_one(db.pool())
        .await
        .expect("count");
    let (total,): (i64,) = sqlx::query_as("SELECT CAST(SUM(n) AS BIGINT) FROM counters")
        .fetch_one(db.pool())
        .await
        .expect("sum");
    assert_eq!((claims, total), (WRITERS * EACH, WRITERS * EACH));
    db.close().await;
}

/// Writers waiting in `begin_write` on SQLite: none begins while another's transaction is
/// open, and they go in the order they asked. (PostgreSQL runs write transactions side by side:
/// there each begins at once.)
#[tokio::test]
async fn sqlite_write_transactions_take_turns_in_arrival_order() {
    let t = TestDatabase::fresh().await;
    let db = Database::connect(&t.url, 10).await.expect("connect");
    db.pool()
        .execute("CREATE TABLE turns (n INTEGER PRIMARY KEY, writer TEXT NOT NULL)")
        .await
        .expect("turns");
    async fn take_turn(tx: &mut seteli_platform::db::WriteTransaction, writer: &str) {
        sqlx::query("INSERT INTO turns (n, writer) SELECT COALESCE(MAX(n), 0) + 1, $1 FROM turns")
            .bind(writer)
            .execute(&mut **tx)
            .await
            .expect("a turn");
    }
    let mut first = db.begin_write().await.expect("first");
    take_turn(&mut first, "first").await;
    if db.backend() != Backend::Sqlite {
        // Side by side: a second write transaction begins while the first is open.
        let mut second = db.begin_write().await.expect("second");
        sqlx::query("INSERT INTO turns (n, writer) VALUES (2, 'second')")
            .execute(&mut *second)
            .await
            .expect("a write beside the first");
        second.rollback().await.expect("rollback");
        first.commit().await.expect("commit");
        db.close().await;
        return;
    }
    let second = db.begin_write();
    let third = db.begin_write();
    tokio::pin!(second, third);
    // Asked in this order: second, then third; neither begins while the first is open.
    assert!(futures::poll!(&mut second).is_pending());
    assert!(futures::poll!(&mut third).is_pending());
    first.commit().await.expect("commit");
    let mut second = second.await.expect("second");
    assert!(
        futures::poll!(&mut third).is_pending(),
        "the third waits while the second's transaction is open"
    );
    take_turn(&mut second, "second").await;
    second.commit().await.expect("commit");
    let mut third = third.await.expect("third");
    take_turn(&mut third, "third").await;
    third.commit().await.expect("commit");
    let order: Vec<String> = sqlx::query_scalar("SELECT writer FROM turns ORDER BY n")
        .fetch_all(db.pool())
        .await
        .expect("order");
    assert_eq!(order, ["first", "second", "third"]);
    db.close().await;
}
