//! Changes of one voucher that stand in a feed in the other order than they were made (issue
//! 15). The voucher and usage feeds are numbered by transaction id, so a transaction that took
//! its id first, then waited for the voucher's lock, commits its change second but stands
//! before the other one in the feed. A follower must keep the newer change, by the voucher's
//! version (voucher feed) or usage version (usage feed), not the one that comes last.
//!
//! The reordering itself is a matter of timing; here it is made certain by copying an older
//! change of a voucher to the head of its feed in the publisher's database, as a late-standing
//! older change would look. Each follower must skip it.

use seteli_platform::db::Database;
use seteli_tests::fixtures::*;

/// "Today" for the tests of October 2026's vouchers: within their three months, after the
/// sessions they record, so the system clock's passing does not end them.
fn pinned() -> chrono::NaiveDate {
    ymd(2026, 12, 6)
}

/// Copies the oldest change of `voucher_id` in `table` (of the database at `url`) to the head
/// of the feed; returns its new sequence.
async fn copy_oldest_change_to_head(
    url: &str,
    table: &str,
    columns: &str,
    voucher_id: &str,
) -> i64 {
    let db = Database::connect(url, 1)
        .await
        .expect("the publisher's database");
    let sql = format!(
        "INSERT INTO {table} (sequence, {columns}) \
         SELECT (SELECT MAX(sequence) FROM {table}) + 1, {columns} FROM {table} \
         WHERE voucher_id = $1 ORDER BY sequence LIMIT 1"
    );
    let copied = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(voucher_id)
        .execute(db.pool())
        .await
        .expect("an older change at the head")
        .rows_affected();
    assert_eq!(copied, 1);
    let sql = format!("SELECT MAX(sequence) FROM {table}");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(db.pool())
        .await
        .expect("the head")
}

/// An approved provider (registry number `1_000_000 + n`) and its KTT voucher `n` of three
/// months from 1 October 2026.
async fn provider_and_voucher(env: &Env, n: u16) -> (String, String) {
    let p = approved_provider(env, "Järjestys ry", 1_000_000 + u32::from(n), SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let until = seteli_rules::terms::validity_end(from, 3);
    let v = ktt_voucher(env, &p, n, from, until).await;
    (p, v)
}

#[tokio::test]
async fn vouchers_keeps_the_newest_usage_of_a_voucher_whatever_the_feed_order() {
    let env = start_attendance_on(pinned()).await;
    let p = approved_provider(&env, "Järjestys ry", 1_000_301, SIILINJARVI).await;
    let from = ymd(2026, 10, 1);
    let until = seteli_rules::terms::validity_end(from, 3);
    let v = ktt_voucher(&env, &p, 301, from, until).await;
    for day in [5, 6] {
        record(&env, &p, &v, at(ymd(2026, 10, day), 9, 11))
            .await
            .expect("2 h");
    }
    let shown = voucher_shows_usage(&env, &v).await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(400));

    // The first change (200 used) again, after the second (400 used).
    copy_oldest_change_to_head(
        &env.attendance().db.url,
        "usage_changes",
        "voucher_id, units_used, first_used_on, occurred_at, usage_version",
        &v,
    )
    .await;
    // A change of another voucher after it: once vouchers shows it, it has passed the copy.
    let marker = ktt_voucher(&env, &p, 302, from, until).await;
    record(&env, &p, &marker, at(ymd(2026, 10, 5), 9, 10))
        .await
        .expect("1 h");
    let shown = voucher_shows_usage(&env, &marker).await;
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(100));

    let shown = get_voucher(&env, &v).await;
    assert_eq!(
        shown.units_used.map(|u| u.hundredths),
        Some(400),
        "an older usage change overwrote a newer one"
    );
}

#[tokio::test]
async fn attendance_keeps_the_newest_state_of_a_voucher_whatever_the_feed_order() {
    let env = start_attendance_on(pinned()).await;
    let (p, v) = provider_and_voucher(&env, 303).await;
    record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("the voucher is followed");
    // Its first units start it: vouchers' last change of it is STARTED and UNITS_CHANGED.
    let newest = voucher_shows_usage(&env, &v).await;

    // The ISSUED change again, after every later change of the voucher.
    let head = copy_oldest_change_to_head(
        &env.vouchers().db.url,
        "voucher_changes",
        "voucher_id, provider_id, kind, occurred_at, actor_subject, actor_role, organisation, \
         request_id, snapshot",
        &v,
    )
    .await;
    eventually("attendance follows the feed past the copy", || async {
        let status = attendance_feed_status(&env).await;
        status.last_sequence >= head
    })
    .await;

    let followed = voucher_usage(&env, &v).await;
    assert_eq!(
        (followed.voucher_state.as_str(), followed.voucher_version),
        ("ACTIVE", newest.version),
        "an older voucher change overwrote a newer one"
    );
}

/// Reporting's follower, on its store with the service's own migrations (reporting shows no
/// voucher state through its API): a change with a lower voucher version than the one applied
/// is skipped even though its sequence is higher; a change of the same version keeps the
/// sequence order.
/// A change of the units alone (vouchers telling back what attendance counted, after every
/// session write) moves only the version attendance has seen, which GetVoucherUsage shows: the
/// copy's row keeps the stamp of the last change that altered it. So following it writes (and,
/// on PostgreSQL, locks) no row that a session write locks, and a write decided on the copy
/// meanwhile still stands.
#[tokio::test]
async fn attendance_follows_a_change_of_the_units_alone_without_writing_the_copys_row() {
    let env = start_attendance_on(pinned()).await;
    let (p, v) = provider_and_voucher(&env, 305).await;
    let db = Database::connect(&env.attendance().db.url, 1)
        .await
        .expect("attendance's database");
    let stamp = || async {
        let stamp: (i64, i64) =
            sqlx::query_as("SELECT voucher_version, feed_sequence FROM vouchers WHERE id = $1")
                .bind(&v)
                .fetch_one(db.pool())
                .await
                .expect("the copy's stamp");
        stamp
    };
    let follows = |version: i64| {
        let (env, v) = (&env, &v);
        move || async move { voucher_usage(env, v).await.voucher_version == version }
    };
    // The first session starts the voucher: a change the copy keeps.
    record(&env, &p, &v, at(ymd(2026, 10, 5), 9, 11))
        .await
        .expect("2 h");
    let started = voucher_shows_usage(&env, &v).await;
    eventually("attendance follows the start", follows(started.version)).await;
    let before = stamp().await;
    assert_eq!(before.0, started.version, "the start altered the copy");

    // The second changes only the units.
    record(&env, &p, &v, at(ymd(2026, 10, 6), 9, 11))
        .await
        .expect("2 h");
    let counted = voucher_shows_usage(&env, &v).await;
    assert!(counted.version > started.version);
    eventually("attendance follows the units", follows(counted.version)).await;
    assert_eq!(stamp().await, before, "the copy's row was written");
}

#[tokio::test]
async fn reporting_keeps_the_newest_state_of_a_voucher_whatever_the_feed_order() {
    use seteli_platform::server::Service;
    use seteli_reporting::{Reporting, model::Voucher, store};

    let test_db = seteli_platform::testing::TestDatabase::fresh().await;
    let db = Database::connect(&test_db.url, 2).await.expect("database");
    db.migrate(Reporting::MIGRATIONS).await.expect("migrations");
    let mut conn = db.pool().acquire().await.expect("connection");
    let started = Voucher {
        id: "v-1".into(),
        client_id: "c-1".into(),
        provider_id: "p-1".into(),
        social_worker: "sw".into(),
        social_worker_team: String::new(),
        service: seteli_rules::ServiceType::KttIndividual,
        state: "ACTIVE".into(),
        valid_from: ymd(2026, 10, 1),
        valid_until: ymd(2026, 12, 31),
        ended_on: None,
        continues_voucher_id: String::new(),
        version: 5,
        feed_sequence: 10 << 16,
    };
    // Applies a change, and reads the voucher as followed then.
    let mut apply = async |change: &Voucher, what: &str| {
        store::upsert_voucher(&mut conn, change).await.expect(what);
        let shown = store::load_voucher(&mut conn, "v-1").await.expect("load");
        shown.expect("followed")
    };
    apply(&started, "applied").await;
    let assigned_earlier = Voucher {
        state: "ASSIGNED".into(),
        version: 4,
        feed_sequence: 11 << 16,
        ..started.clone()
    };
    let shown = apply(&assigned_earlier, "skipped").await;
    assert_eq!((shown.state.as_str(), shown.version), ("ACTIVE", 5));
    let later_same_version = Voucher {
        provider_id: "p-2".into(),
        feed_sequence: 12 << 16,
        ..started.clone()
    };
    let shown = apply(&later_same_version, "applied").await;
    assert_eq!(shown.provider_id, "p-2");
}
