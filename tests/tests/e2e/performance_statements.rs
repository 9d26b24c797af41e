//! What a busy call costs the database, counted from sqlx's own statement log
//! ([`StatementLog`]): a list at one statement per page, however long the page (its audit
//! entries go to the group-committed audit writer, outside the call), and a session write at no
//! more statements than it costs today.
//!
//! Issue 29 asks a session write of at most five round trips. On PostgreSQL it is four: the
//! decision's reads (the followed provider, the voucher, the client's sessions with their
//! version and the day's absence), then one statement that writes it all outside any
//! transaction, guarded by what the decision read (`store::record_session_at_once`: the voucher
//! locked as read, the client's lock at the version read, the claim with its answer, the
//! session, its history, the audit entry, the units and the usage feed's change). On SQLite,
//! whose database is in the process (a statement is a function call, not a round trip, and it
//! has no data-modifying `WITH`), the write stays a transaction of 12 statements: for a group
//! service's assigned voucher its closed group's start, then the claim, the voucher's load, the
//! client's lock, the session, the units when they moved, the usage feed entry, the history,
//! the audit entry and the stored answer. The budget keeps both from growing.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::db::Database;
use seteli_platform::testing::with_token;
use seteli_rules::terms::validity_end;
use seteli_tests::fixtures::*;
use seteli_tests::kit::{Env, Svc};
use seteli_tests::statements::StatementLog;

use super::attendance_ledger::{later, start_on_today, today};

/// An approved provider and `vouchers` active KTT coaching vouchers of 30 h from 1 October,
/// each of its own client.
async fn provider_and_vouchers(env: &Env, vouchers: u16) -> (String, Vec<String>) {
    let p = approved_provider(env, "Valmennus ry", 7, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let mut ids = Vec::new();
    for i in 0..vouchers {
        ids.push(ktt_voucher(env, &p, 300 + i, from, validity_end(from, 3)).await);
    }
    (p, ids)
}

async fn record(env: &Env, p: &str, v: &str, day: NaiveDate, from: i32) {
    env.a()
        .record_session(with_token(
            &env.provider_user(p),
            record_request(v, at(day, from, from + 1)),
        ))
        .await
        .expect("recorded");
}

/// The statement log, an environment, its provider and one voucher (`v[0]`) with a session
/// today: the voucher's and the client's first session makes their rows, a later one only
/// moves them.
async fn a_voucher_with_a_session() -> (StatementLog, Env, String, Vec<String>) {
    let log = StatementLog::install();
    let env = start_on_today().await;
    let (p, v) = provider_and_vouchers(&env, 1).await;
    record(&env, &p, &v[0], today(), 9).await;
    (log, env, p, v)
}

/// Today's measured cost of a session write (see the module's docs): SQLite, PostgreSQL (its
/// round trips: one statement each, and no `BEGIN` or `COMMIT`).
const SESSION_WRITE_BUDGET: (usize, usize) = (12, 4);

#[tokio::test]
async fn a_session_write_costs_no_more_statements_than_measured() {
    let (log, env, p, v) = a_voucher_with_a_session().await;
    record(&env, &p, &v[0], later(1), 9).await;
    // A write whose voucher copy moved between its decision and its lock (the vouchers feed
    // telling attendance of the units the last write used) decides again under the lock, by
    // design: one statement more, the client's sessions read again (seen about once in twenty
    // runs on PostgreSQL). The cheapest of three writes is the write's own cost: a statement
    // added to every write still shows in each.
    let mut cheapest: Option<Vec<String>> = None;
    for day in 2..5 {
        log.take();
        record(&env, &p, &v[0], later(day), 9).await;
        let statements = log.take_of("RecordSession");
        if cheapest.as_ref().is_none_or(|c| statements.len() < c.len()) {
            cheapest = Some(statements);
        }
    }
    let statements = cheapest.expect("three writes");
    assert!(
        statements
            .iter()
            .any(|s| s.contains("INSERT") && s.contains("sessions")),
        "the capture sees the session's insert: {statements:#?}"
    );
    let budget = if std::env::var_os("SETELI_TEST_POSTGRES").is_some() {
        SESSION_WRITE_BUDGET.1
    } else {
        SESSION_WRITE_BUDGET.0
    };
    assert!(
        statements.len() <= budget,
        "{} statements: {statements:#?}",
        statements.len()
    );
}

/// The one statement on PostgreSQL writes nothing when a guard stops it, and the write is then
/// made the transaction's way: here the client's sessions move (their lock taken by another
/// transaction, which commits while the statement waits for it) between the decision's read
/// and the write. On SQLite the write is always the transaction's.
#[tokio::test]
async fn a_write_whose_decision_went_stale_is_made_the_transactions_way_with_nothing_twice() {
    let (log, env, p, v) = a_voucher_with_a_session().await;
    let postgres = std::env::var_os("SETELI_TEST_POSTGRES").is_some();
    let db = Database::connect(&env.server(Svc::Attendance).db.url, 2)
        .await
        .expect("attendance's database");
    log.take();
    if !postgres {
        record(&env, &p, &v[0], later(1), 9).await;
        let statements = log.take_of("RecordSession");
        assert!(
            !statements.iter().any(|s| s.contains("locked_voucher")),
            "{statements:#?}"
        );
        return;
    }
    // Another change of the client's sessions holds their lock, not yet committed.
    let mut other = db.pool().begin().await.expect("begin");
    sqlx::query(
        "UPDATE client_locks SET n = n + 1 \
         WHERE client_id = (SELECT client_id FROM vouchers WHERE id = $1)",
    )
    .bind(&v[0])
    .execute(&mut *other)
    .await
    .expect("the other change takes the client's lock");
    let write = record(&env, &p, &v[0], later(1), 9);
    let other_commits = async {
        waits_for_a_lock(&db, "WITH locked_voucher").await;
        other.commit().await.expect("the other change commits");
    };
    tokio::join!(write, other_commits);
    let statements = log.take_of("RecordSession");
    let at_once = statements
        .iter()
        .position(|s| s.contains("locked_voucher"))
        .expect("the write tried one statement first");
    assert!(
        statements[at_once..]
            .iter()
            .any(|s| s.contains("INSERT INTO platform_idempotency") && s.contains("ON CONFLICT")),
        "then claimed in a transaction: {statements:#?}"
    );
    // Two sessions, each once, with one history row, one audit entry and one usage change; the
    // lock moved by the first write, the other change and the transaction (not the statement).
    let count = |sql: &'static str| {
        let db = &db;
        let voucher = v[0].clone();
        async move {
            let n: i64 = sqlx::query_scalar(sql)
                .bind(voucher)
                .fetch_one(db.pool())
                .await
                .expect("count");
            n
        }
    };
    assert_eq!(
        count("SELECT COUNT(*) FROM sessions WHERE voucher_id = $1").await,
        2
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM session_history WHERE session_id IN \
             (SELECT id FROM sessions WHERE voucher_id = $1)"
        )
        .await,
        2
    );
    assert_eq!(
        count("SELECT COUNT(*) FROM usage_changes WHERE voucher_id = $1").await,
        2
    );
    assert_eq!(
        count(
            "SELECT COUNT(*) FROM platform_audit_log WHERE action = 'RecordSession' \
             AND subject_id = (SELECT client_id FROM vouchers WHERE id = $1)"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            "SELECT n FROM client_locks \
             WHERE client_id = (SELECT client_id FROM vouchers WHERE id = $1)"
        )
        .await,
        3
    );
}

/// Returns once a statement starting with `start` waits for a lock in `db` (PostgreSQL).
async fn waits_for_a_lock(db: &Database, start: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_stat_activity \
             WHERE wait_event_type = 'Lock' AND starts_with(query, $1)",
        )
        .bind(start)
        .fetch_one(db.pool())
        .await
        .expect("pg_stat_activity");
        if waiting > 0 {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no statement {start}… waited for the lock"
        );
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
}

async fn list_sessions(env: &Env, p: &str, v: &str, page_size: i32) -> usize {
    env.a()
        .list_sessions(with_token(
            &env.provider_user(p),
            apb::ListSessionsRequest {
                voucher_id: v.into(),
                page_size,
                ..Default::default()
            },
        ))
        .await
        .expect("listed")
        .into_inner()
        .sessions
        .len()
}

async fn list_vouchers(env: &Env, page_size: i32) -> usize {
    env.v()
        .list_vouchers(with_token(
            &env.admin(),
            pb::ListVouchersRequest {
                page_size,
                ..Default::default()
            },
        ))
        .await
        .expect("listed")
        .into_inner()
        .vouchers
        .len()
}

#[tokio::test]
async fn a_page_of_sessions_or_vouchers_costs_one_statement_and_its_audit_entry() {
    let log = StatementLog::install();
    let env = start_on_today().await;
    let (p, v) = provider_and_vouchers(&env, 12).await;
    for day in 0..12 {
        record(&env, &p, &v[0], later(day), 9).await;
    }
    for (page, expected) in [(2, 2), (12, 12)] {
        log.take();
        assert_eq!(list_sessions(&env, &p, &v[0], page).await, expected);
        let statements = log.take_of("ListSessions");
        assert!(
            (1..=2).contains(&statements.len()),
            "a page of {page}: {statements:#?}"
        );
        log.take();
        assert_eq!(list_vouchers(&env, page).await, expected);
        let statements = log.take_of("ListVouchers");
        assert!(
            (1..=2).contains(&statements.len()),
            "a page of {page}: {statements:#?}"
        );
    }
}
