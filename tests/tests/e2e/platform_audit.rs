//! The audit log (issue 14, 703/2023): append-only in the database itself — no UPDATE or
//! DELETE of it succeeds, whoever connects as the service — and an auditor's own queries are
//! recorded like any other access.

use seteli_api::audit::v1::ListAuditEntriesRequest;
use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
use seteli_platform::db::Database;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

#[tokio::test]
async fn no_update_or_delete_of_the_audit_log_succeeds() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    let client = client_at(&env, 701, KUOPIO).await;
    let db = own_database(&env).await;
    let count = || rows_about(&db, "platform_audit_log", &client.id);
    let before = count().await;
    assert!(before >= 1, "creating the client was recorded");
    let update = sqlx::query("UPDATE platform_audit_log SET purpose = 'nothing to see'")
        .execute(db.pool())
        .await;
    assert!(update.is_err(), "an UPDATE of the audit log went through");
    let delete = sqlx::query("DELETE FROM platform_audit_log WHERE subject_id = $1")
        .bind(&client.id)
        .execute(db.pool())
        .await;
    let message = delete
        .expect_err("a DELETE of the audit log went through")
        .to_string();
    assert!(message.contains("append-only"), "{message}");
    assert_eq!(count().await, before);
    // Appending still works: the service goes on recording.
    client_at(&env, 702, KUOPIO).await;
    db.close().await;
}

#[tokio::test]
async fn an_auditors_query_is_recorded_too() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    let client = client_at(&env, 703, KUOPIO).await;
    let auditor = env.keys.token_as("auditor-7", "auditor", None);
    let mut audit = AuditServiceClient::new(env.vouchers().channel());
    audit
        .list_audit_entries(with_token(
            &auditor,
            ListAuditEntriesRequest {
                subject_id: client.id.clone(),
                ..Default::default()
            },
        ))
        .await
        .expect("the auditor reads about the client");
    let own = audit
        .list_audit_entries(with_token(
            &auditor,
            ListAuditEntriesRequest {
                actor_subject: "auditor-7".into(),
                ..Default::default()
            },
        ))
        .await
        .expect("the auditor's own trail")
        .into_inner()
        .entries;
    assert!(
        own.iter().any(|e| e.action == "ListAuditEntries"
            && e.subject_kind == "audit_log"
            && e.subject_id == client.id),
        "{own:?}"
    );
}

#[tokio::test]
async fn the_subjects_of_a_list_entry_are_append_only_too() {
    let env = Env::builder().services(&[Svc::Vouchers]).start().await;
    let first = client_at(&env, 704, KUOPIO).await;
    client_at(&env, 705, KUOPIO).await;
    list_clients(
        &env,
        &env.admin(),
        seteli_api::vouchers::v1::ListClientsRequest::default(),
    )
    .await
    .expect("a list read of both clients");
    let db = own_database(&env).await;
    let count = || rows_about(&db, "platform_audit_subject", &first.id);
    assert_eq!(count().await, 1, "the list entry names the client");
    let update = sqlx::query("UPDATE platform_audit_subject SET subject_id = 'someone else'")
        .execute(db.pool())
        .await;
    assert!(
        update.is_err(),
        "an UPDATE of the audit subjects went through"
    );
    let delete = sqlx::query("DELETE FROM platform_audit_subject WHERE subject_id = $1")
        .bind(&first.id)
        .execute(db.pool())
        .await;
    assert!(
        delete.is_err(),
        "a DELETE of the audit subjects went through"
    );
    assert_eq!(count().await, 1);
    db.close().await;
}

/// The voucher service's own database, as another process reaches it.
async fn own_database(env: &Env) -> Database {
    let url = &env.vouchers().db.url;
    Database::connect(url, 1)
        .await
        .expect("the service's own database")
}

/// The rows of `table` (an audit table of ours) about `subject_id`.
async fn rows_about(db: &Database, table: &str, subject_id: &str) -> i64 {
    let sql = format!("SELECT COUNT(*) FROM {table} WHERE subject_id = $1");
    sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
        .bind(subject_id)
        .fetch_one(db.pool())
        .await
        .expect("count")
}
