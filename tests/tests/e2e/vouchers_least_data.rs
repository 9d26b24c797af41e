//! Least data in the voucher service (issue 14): the county's financial system reads what it
//! pays for — not the client's name or identity code, not the decision's eligibility facts;
//! the masked identity code gives away no birth date, also for clients stored before the
//! mask changed. Free text stays where it is needed (issue 30): the change feed tells why a
//! service ended or a provider declined by a code, never by the reason's words, and a change
//! without its code is refused.

use seteli_api::vouchers::v1 as pb;
use seteli_tests::fixtures::*;

/// A refusal for a missing or unknown reason code: INVALID_ARGUMENT on `reason_kind` alone,
/// naming the code's enum (`kind`).
fn refused_on_reason_kind(err: &tonic::Status, kind: &str) {
    assert_eq!(err.code(), tonic::Code::InvalidArgument, "{err:?}");
    assert_eq!(bad_fields(err), ["reason_kind"]);
    assert!(err.message().contains(kind), "{err:?}");
}

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

#[tokio::test]
async fn the_feed_tells_why_a_voucher_ended_or_was_declined_by_a_code_never_by_its_words() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Syyt ry", 1_700_001, KUOPIO).await;
    let user = env.provider_user(&provider);
    let sw = env.social_worker();
    let words = [
        "Ryhmä on täynnä, eikä asiakkaan vaikeaa masennusta osata tukea.",
        "Asiakas joutui psykiatriseen sairaalahoitoon.",
        "Asiakas aloitti opinnot ammattiopistossa päihdekuntoutuksen jälkeen.",
    ];
    // Declined by the chosen provider.
    let (_, declined) = chosen(&env, &provider, 601, sk_decision).await;
    let kind = pb::DeclineReasonKind::CannotMeetNeeds;
    decline_voucher(&env, &user, &declined.id, kind, words[0])
        .await
        .expect("declined");
    // Interrupted by the social worker.
    let client = client_at(&env, 602, KUOPIO).await;
    let interrupted = active_voucher(&env, &provider, ktt_decision(&client.id)).await;
    let kind = pb::EndReasonKind::ClientHealth;
    interrupt_voucher(&env, &sw, &interrupted, kind, words[1], d(today()))
        .await
        .expect("interrupted");
    // Cancelled before the start.
    let (_, cancelled) = issued(&env, 603, ktt_decision).await;
    let kind = pb::EndReasonKind::ClientEmployedOrStudying;
    cancel_voucher(&env, &sw, &cancelled.id, kind, words[2])
        .await
        .expect("cancelled");

    for follower in [Svc::Attendance, Svc::Reporting] {
        let changes = voucher_feed_page(&env, &env.service(follower), 0, 1000)
            .await
            .expect("the feed")
            .changes;
        let told = |id: &str, kind: pb::VoucherChangeKind| {
            changes
                .iter()
                .filter(|c| c.kind == kind as i32)
                .filter_map(|c| c.voucher.clone())
                .find(|v| v.id == id)
                .unwrap_or_else(|| panic!("{kind:?} of {id} on the feed"))
        };
        let v = told(&declined.id, pb::VoucherChangeKind::Declined);
        assert_eq!(
            v.declined_reason_kind,
            pb::DeclineReasonKind::CannotMeetNeeds as i32
        );
        assert!(v.declined_reason.is_empty(), "{v:?}");
        let v = told(&interrupted, pb::VoucherChangeKind::Interrupted);
        assert_eq!(v.end_reason_kind, pb::EndReasonKind::ClientHealth as i32);
        assert!(v.end_reason.is_empty() && v.ended_on == d(today()), "{v:?}");
        let v = told(&cancelled.id, pb::VoucherChangeKind::Cancelled);
        assert_eq!(
            v.end_reason_kind,
            pb::EndReasonKind::ClientEmployedOrStudying as i32
        );
        assert!(v.end_reason.is_empty(), "{v:?}");
        // Not a word of any reason anywhere on the feed.
        let feed = format!("{changes:?}");
        for w in words {
            assert!(!feed.contains(w), "{w} on the feed");
        }
    }
    // Those who may see the client read the words through GetVoucher (audited), beside the code.
    let read = read_voucher(&env, &sw, &interrupted).await.expect("read");
    assert_eq!(read.end_reason, words[1]);
    assert_eq!(read.end_reason_kind, pb::EndReasonKind::ClientHealth as i32);
    let read = read_voucher(&env, &sw, &declined.id).await.expect("read");
    assert_eq!(read.declined_reason, words[0]);
    assert_eq!(
        read.declined_reason_kind,
        pb::DeclineReasonKind::CannotMeetNeeds as i32
    );
    // A new choice clears the decline, its code with its words.
    let again = choose(&env, &declined.id, &provider).await.expect("chosen");
    assert!(again.declined_reason.is_empty());
    assert_eq!(again.declined_reason_kind, 0);
}

#[tokio::test]
async fn an_end_or_a_decline_without_its_code_is_refused() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Koodit ry", 1_700_002, KUOPIO).await;
    let user = env.provider_user(&provider);
    let sw = env.social_worker();
    let (_, chosen_one) = chosen(&env, &provider, 611, sk_decision).await;
    let client = client_at(&env, 612, KUOPIO).await;
    let assigned = active_voucher(&env, &provider, ktt_decision(&client.id)).await;
    let (_, issued_one) = issued(&env, 613, ktt_decision).await;

    // Unset, and a value the contract does not know: INVALID_ARGUMENT on `reason_kind`, with
    // the words given; nothing changes.
    for kind in [0, 99] {
        let err = decline_with(
            &env,
            &user,
            pb::DeclineVoucherRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: chosen_one.id.clone(),
                reason: "Ryhmä on täynnä.".into(),
                reason_kind: kind,
            },
        )
        .await
        .expect_err("a decline without its code");
        refused_on_reason_kind(&err, "DeclineReasonKind");
        let err = interrupt_with(
            &env,
            &user,
            pb::InterruptVoucherRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: assigned.clone(),
                reason: "Asiakas muutti.".into(),
                interrupted_on: d(today()),
                reason_kind: kind,
            },
        )
        .await
        .expect_err("an interruption without its code");
        refused_on_reason_kind(&err, "EndReasonKind");
        let err = cancel_with(
            &env,
            &sw,
            pb::CancelVoucherRequest {
                request_id: rid(),
                validate_only: false,
                voucher_id: issued_one.id.clone(),
                reason: "Asiakas muutti.".into(),
                reason_kind: kind,
            },
        )
        .await
        .expect_err("a cancellation without its code");
        refused_on_reason_kind(&err, "EndReasonKind");
    }
    // Without its words too: both fields told at once.
    let err = cancel_with(
        &env,
        &sw,
        pb::CancelVoucherRequest {
            request_id: rid(),
            voucher_id: issued_one.id.clone(),
            ..Default::default()
        },
    )
    .await
    .expect_err("neither");
    assert_eq!(bad_fields(&err), ["reason", "reason_kind"]);
    // Nothing changed.
    let seen = read_voucher(&env, &sw, &chosen_one.id).await.expect("read");
    assert_eq!(seen.provider_id, provider);
    let seen = read_voucher(&env, &sw, &assigned).await.expect("read");
    assert_eq!(seen.state, pb::VoucherState::Assigned as i32);
    let seen = read_voucher(&env, &sw, &issued_one.id).await.expect("read");
    assert_eq!(seen.state, pb::VoucherState::Issued as i32);
}
