//! Least data in the voucher service (issue 14): the county's financial system reads what it
//! pays for — not the client's name or identity code, not the decision's eligibility facts;
//! the masked identity code gives away no birth date, also for clients stored before the
//! mask changed.

use seteli_tests::fixtures::*;

#[tokio::test]
async fn billing_reads_a_voucher_without_client_data_or_eligibility_facts() {
    let env = start_vouchers(Prices::County).await;
    let (client, voucher) = issued(&env, 501, ktt_decision).await;
    // The financial system reads invoices, not vouchers (issue 30).
    let err = read_voucher(&env, &env.finance(), &voucher.id)
        .await
        .expect_err("the financial system");
    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err:?}");
    // Billing's service account reads the terms it invoices by, and nothing of the client's.
    let seen = read_voucher(&env, &env.service(Svc::Billing), &voucher.id)
        .await
        .expect("billing reads the voucher");
    assert_eq!(seen.voucher_number, voucher.voucher_number);
    assert_eq!(seen.value, voucher.value, "what it pays for is there");
    let summary = seen.client.expect("client summary");
    assert_eq!(summary.client_id, client.id);
    assert!(summary.name.is_empty() && summary.identity_code_masked.is_empty());
    let decision = seen.decision.expect("decision");
    assert!(decision.employment_plan.is_none() && decision.need_assessment.is_none());
    assert_eq!(decision.unemployment_benefit, 0);
    // The social worker still reads it all.
    let full = read_voucher(&env, &env.social_worker(), &voucher.id)
        .await
        .expect("the social worker reads it");
    assert!(full.decision.expect("decision").employment_plan.is_some());
    assert!(!full.client.expect("client").name.is_empty());
}

#[tokio::test]
async fn the_stored_masks_are_redone_without_the_birth_date() {
    let env = start_vouchers(Prices::Unset).await;
    let client = client_at(&env, 502, KUOPIO).await;
    let masked = client.identity_code_masked.clone();
    assert!(masked.starts_with("******-***"), "{masked}");
    // A mask stored by an earlier release (the birth date shown), re-masked by migration 103.
    let db = seteli_platform::db::Database::connect(&env.vouchers().db.url, 1)
        .await
        .expect("database");
    sqlx::query("UPDATE clients SET identity_code_masked = '050590-****' WHERE id = $1")
        .bind(&client.id)
        .execute(db.pool())
        .await
        .expect("an old mask");
    sqlx::raw_sql(sqlx::AssertSqlSafe(include_str!(
        "../../../services/vouchers/migrations/0103_identity_mask.sql"
    )))
    .execute(db.pool())
    .await
    .expect("migration 103");
    db.close().await;
    let got = read_client(&env, &env.social_worker(), &client.id)
        .await
        .expect("get");
    assert_eq!(
        got.identity_code_masked, masked,
        "the SQL masks as the code does"
    );
}

#[tokio::test]
async fn a_refused_issue_or_choice_still_leaves_its_audit_entry() {
    let env = start_vouchers(Prices::County).await;
    // IssueVoucher reads the client's age and municipality before refusing (ELIG-AGE,
    // ELIG-RESIDENCE): the refusal is an access to the client's data.
    let born = today() - chrono::Months::new(17 * 12);
    let young = create_client(
        &env,
        client_details(&hetu(born, 130), "Helsinki", (60.1699, 24.9384)),
    )
    .await;
    issue(&env, ktt_decision(&young.id))
        .await
        .expect_err("refused");
    assert_audited(&env, &young.id, "IssueVoucher").await;
    // ChooseProvider reads the client's home before refusing a provider too far away.
    let (client, voucher) = issued(&env, 131, ktt_decision).await;
    let far = approved_provider(&env, "Kaukana Oy", 1_970_001, (60.1699, 24.9384)).await;
    choose(&env, &voucher.id, &far)
        .await
        .expect_err("PROV-DISTANCE");
    assert_audited(&env, &client.id, "ChooseProvider").await;
}

/// The audit trail of `subject_id` holds an entry of `action`.
async fn assert_audited(env: &Env, subject_id: &str, action: &str) {
    let actions = audit_actions(env, subject_id).await;
    assert!(
        actions.iter().any(|(a, _)| a == action),
        "{action}: {actions:?}"
    );
}
