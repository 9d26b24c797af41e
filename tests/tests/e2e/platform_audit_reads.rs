//! Read audit entries cost a share of one commit (issue 15, "A read writes") and leave nothing
//! unaudited (issue 14, "Audit gaps"): concurrent reads' entries are group-committed and all
//! durable; a list or feed read is one entry an auditor finds by any subject it showed; an
//! entry that cannot be written fails its read; a replayed answer and a change-feed page are
//! recorded like any other access.

use std::collections::HashSet;

use seteli_api::audit::v1::AuditEntry;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::Caller;
use seteli_platform::db::{Backend, Database};
use seteli_platform::testing::{TestDatabase, with_token};
use seteli_tests::fixtures::*;

fn get_voucher(id: &str) -> pb::GetVoucherRequest {
    of_voucher(id)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_reads_are_all_recorded_durably() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let (client, voucher) = issued(&env, 811, ktt_decision).await;
    let token = env.social_worker();
    let mut reads = Vec::new();
    for n in 0..40 {
        let (mut v, token, id) = (env.v(), token.clone(), voucher.id.clone());
        reads.push(tokio::spawn(async move {
            let mut request = with_token(&token, get_voucher(&id));
            let request_id = format!("read-{n}");
            request
                .metadata_mut()
                .insert("x-request-id", request_id.parse().expect("ascii"));
            v.get_voucher(request).await.expect("get voucher");
            request_id
        }));
    }
    let mut answered = HashSet::new();
    for read in reads {
        answered.insert(read.await.expect("read"));
    }
    let recorded: HashSet<String> = audit_entries(&env, &client.id)
        .await
        .into_iter()
        .filter(|e| e.action == "GetVoucher")
        .map(|e| e.request_id)
        .collect();
    assert_eq!(recorded, answered, "every answered read has its entry");
}

#[tokio::test]
async fn a_list_read_is_one_entry_found_by_each_subject() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let mut clients = Vec::new();
    for n in 0..3 {
        let client = client_at(&env, 821 + n, KUOPIO).await;
        issue(&env, ktt_decision(&client.id)).await.expect("issue");
        clients.push(client.id);
    }
    let token = env.keys.token_as("worker-list-7", "county_admin", None);
    let listed = list_vouchers(&env, &token, pb::ListVouchersRequest::default())
        .await
        .expect("list vouchers")
        .vouchers;
    assert_eq!(listed.len(), 3);
    let mut ids = HashSet::new();
    for client in &clients {
        let found: Vec<AuditEntry> = audit_entries(&env, client)
            .await
            .into_iter()
            .filter(|e| e.action == "ListVouchers")
            .collect();
        assert_eq!(found.len(), 1, "{found:?}");
        let entry = &found[0];
        assert_eq!(entry.subject_kind, "client");
        assert_eq!(entry.purpose, "voucher_service");
        let actor = entry.actor.clone().expect("who");
        assert_eq!(
            (actor.subject.as_str(), actor.role.as_str()),
            ("worker-list-7", "county_admin")
        );
        assert!(!entry.request_id.is_empty() && entry.occurred_at_micros > 0);
        for c in &clients {
            assert!(entry.subject_id.split(',').any(|s| s == c), "{entry:?}");
        }
        ids.insert(entry.id.clone());
    }
    assert_eq!(ids.len(), 1, "one entry for the whole list");
}

#[tokio::test]
async fn a_read_whose_entry_cannot_be_written_fails() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let (_, voucher) = issued(&env, 831, ktt_decision).await;
    let db = Database::connect(&env.vouchers().db.url, 1)
        .await
        .expect("the service's database");
    // The database refuses every new audit entry from now on.
    let refuse: &[&str] = match db.backend() {
        Backend::Sqlite => &[
            "CREATE TRIGGER refuse_entries BEFORE INSERT ON platform_audit_log \
             BEGIN SELECT RAISE(ABORT, 'no more entries'); END",
        ],
        Backend::Postgres => &[
            "CREATE FUNCTION refuse_entries() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'no more entries'; END $$",
            "CREATE TRIGGER refuse_entries BEFORE INSERT ON platform_audit_log \
             FOR EACH STATEMENT EXECUTE FUNCTION refuse_entries()",
        ],
    };
    for statement in refuse {
        sqlx::query(*statement)
            .execute(db.pool())
            .await
            .expect("refuse entries");
    }
    let refused = env
        .v()
        .get_voucher(with_token(&env.social_worker(), get_voucher(&voucher.id)))
        .await
        .expect_err("a read answered without its audit entry");
    assert_eq!(refused.code(), tonic::Code::Internal, "{refused:?}");
    db.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_waiting_together_commit_together() {
    let test_db = TestDatabase::fresh().await;
    let db = Database::connect(&test_db.url, 4).await.expect("database");
    db.migrate(&[]).await.expect("migrate");
    // Another session holds the log's write lock: the first batch waits, the rest queue up.
    let mut holder = db.pool().acquire().await.expect("holder");
    let lock = match db.backend() {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN; LOCK TABLE platform_audit_log IN EXCLUSIVE MODE",
    };
    sqlx::raw_sql(lock)
        .execute(&mut *holder)
        .await
        .expect("lock");
    let caller = Caller::system("reader");
    let reads: Vec<_> = (0..50)
        .map(|n| {
            let (db, caller) = (db.clone(), caller.clone());
            tokio::spawn(async move {
                let subject = format!("client-{n}");
                let access = Access {
                    subject_kind: "client",
                    subject_id: &subject,
                    action: "GetClient",
                    purpose: "client_register",
                };
                audit::record_read(&db, &caller, &format!("r-{n}"), access).await
            })
        })
        .collect();
    while db.audit_writer().calls_submitted() < 50 {
        tokio::task::yield_now().await;
    }
    sqlx::raw_sql("COMMIT")
        .execute(&mut *holder)
        .await
        .expect("release");
    for read in reads {
        read.await.expect("read").expect("recorded");
    }
    let writer = db.audit_writer();
    assert_eq!(writer.entries_written(), 50);
    assert!(
        writer.batches_written() <= 2,
        "50 waiting reads took {} commits",
        writer.batches_written()
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM platform_audit_log")
        .fetch_one(db.pool())
        .await
        .expect("count");
    assert_eq!(count, 50);
    drop(holder);
    db.close().await;
}

#[tokio::test]
async fn a_replayed_answer_is_recorded_for_the_same_client() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let worker = env.keys.token_as("worker-replay-3", "social_worker", None);
    let create = create_client_request(client_details(
        &hetu(ymd(1990, 5, 5), 841),
        "Kuopio",
        KUOPIO,
    ));
    let send = async || {
        env.v()
            .create_client(with_token(&worker, create.clone()))
            .await
    };
    let first = send().await.expect("create").into_inner();
    let again = send().await.expect("the same answer again").into_inner();
    assert_eq!(first, again);
    let client_id = first.client.expect("client").id;
    let issue_request = pb::IssueVoucherRequest {
        request_id: rid(),
        validate_only: false,
        decision: Some(ktt_decision(&client_id)),
    };
    for _ in 0..2 {
        issue_with(&env, &worker, issue_request.clone())
            .await
            .expect("issue");
    }
    let entries = audit_entries(&env, &client_id).await;
    let with_action = |action: &str| -> Vec<&AuditEntry> {
        entries.iter().filter(|e| e.action == action).collect()
    };
    for (action, request_id) in [
        ("CreateClient", &create.request_id),
        ("IssueVoucher", &issue_request.request_id),
    ] {
        assert_eq!(with_action(action).len(), 1, "{entries:?}");
        let replays = with_action(&format!("{action} (replay)"));
        assert_eq!(replays.len(), 1, "{entries:?}");
        let replay = replays[0];
        assert_eq!(replay.subject_id, client_id);
        assert_eq!(replay.subject_kind, "client");
        assert_eq!(&replay.request_id, request_id);
        assert_eq!(
            replay.actor.as_ref().map(|a| a.subject.as_str()),
            Some("worker-replay-3")
        );
    }
}

#[tokio::test]
async fn a_change_feed_page_is_recorded_for_its_reader() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    set_prices(&env).await;
    let client = client_at(&env, 851, KUOPIO).await;
    issue(&env, ktt_decision(&client.id)).await.expect("issue");
    let reader = env.service(Svc::Reporting);
    let page = voucher_feed_page(&env, &reader, 0, 100)
        .await
        .expect("feed page");
    assert!(!page.changes.is_empty());
    let read: Vec<AuditEntry> = audit_entries(&env, &client.id)
        .await
        .into_iter()
        .filter(|e| e.action == "ListVoucherChanges")
        .collect();
    assert_eq!(read.len(), 1, "{read:?}");
    let actor = read[0].actor.clone().expect("who");
    assert_eq!(
        (actor.subject.as_str(), actor.role.as_str()),
        ("reporting", "service")
    );
    assert_eq!(read[0].subject_id, client.id);
}
