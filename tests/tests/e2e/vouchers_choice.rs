//! ChooseProvider through `seteli_rules::provider::check_choice`: an approved provider whose
//! liability insurance or tax certificate has expired by the day of the choice may not be
//! chosen (PROV-DOCS, PROV-INSURANCE) — by the social worker or by the client themself — a worker's work location counts for SK only
//! (PROV-DISTANCE), and the choice records its day and an agreed start (PROC-START).

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

/// Iisalmi centre (≈ 80 km north of Kuopio).
const IISALMI: (f64, f64) = (63.5581, 27.1906);

/// Replaces the provider's documents of `kinds` by ones valid until `expires` (a draft).
async fn documents_until(
    env: &Env,
    provider_id: &str,
    kinds: &[ppb::DocumentKind],
    expires: chrono::NaiveDate,
) {
    let admin = env.admin();
    let mut c = env.p();
    let p = read_provider(&mut c, &admin, provider_id)
        .await
        .expect("get");
    for doc in p
        .documents
        .iter()
        .filter(|x| kinds.iter().any(|k| *k as i32 == x.kind))
    {
        remove_document(
            &mut c,
            &admin,
            ppb::RemoveDocumentRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: provider_id.into(),
                document_id: doc.id.clone(),
            },
        )
        .await
        .expect("remove document");
    }
    for kind in kinds {
        c.add_document(with_token(
            &admin,
            ppb::AddDocumentRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: provider_id.into(),
                document: Some(ppb::Document {
                    kind: *kind as i32,
                    issued_on: d(ymd(2026, 1, 15)),
                    expires_on: d(expires),
                    file_reference: "docs/renewable.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect("add document");
    }
}

#[tokio::test]
async fn a_provider_whose_insurance_expired_may_not_be_chosen_from_the_day_after() {
    let env = Env::builder().services(&[Svc::Providers]).start().await;
    let expiry = days(today(), 30);
    // Approved today, its liability insurance and tax certificate valid until `expiry`.
    let (mut p, admin) = (env.p(), env.admin());
    let lapsing = draft_provider(&mut p, &admin, "Vanheneva ry", 4_100_001, KUOPIO).await;
    documents_until(
        &env,
        &lapsing,
        &[
            ppb::DocumentKind::LiabilityInsurance,
            ppb::DocumentKind::TaxCertificate,
        ],
        expiry,
    )
    .await;
    submit_and_approve(&mut p, &admin, &lapsing)
        .await
        .expect("approved while in force");
    let steady = approved_provider(&env, "Pysyvä ry", 4_200_001, KUOPIO).await;

    // The voucher service on the last day the documents are valid, then on the day after.
    for (on, in_force) in [(expiry, true), (days(expiry, 1), false)] {
        let vouchers = vouchers_on(&env, on).await;
        set_price(&vouchers, ServiceType::SkGroup, ymd(2026, 1, 1), 3500).await;
        let client = client_at(&vouchers, 401, KUOPIO).await;
        let voucher = issue(&vouchers, sk_decision_on(&client.id, on))
            .await
            .expect("issue");
        let answer = choose(&vouchers, &voucher.id, &lapsing).await;
        if in_force {
            let chosen = answer.expect("documents valid on their last day");
            assert_eq!(chosen.provider_id, lapsing);
            assert_eq!(chosen.provider_chosen_on, d(on));
        } else {
            // The client choosing themself meets the same rules (issue 28).
            let own = vouchers.client(&hetu(ymd(1990, 5, 5), 401));
            let by_client = choose_as(&vouchers, &own, &voucher.id, &lapsing, None)
                .await
                .expect_err("the client's own choice of expired documents");
            assert_eq!(
                rule_ids(&by_client),
                vec!["PROV-DOCS", "PROV-DOCS", "PROV-INSURANCE"],
                "{by_client:?}"
            );
            let err = answer.expect_err("expired insurance and tax certificate");
            let ids = rule_ids(&err);
            assert_eq!(
                ids,
                vec!["PROV-DOCS", "PROV-DOCS", "PROV-INSURANCE"],
                "{err:?}"
            );
            use tonic_types::StatusExt;
            let details = err.get_details_precondition_failure().expect("details");
            for kind in ["LIABILITY_INSURANCE", "TAX_CERTIFICATE"] {
                let expired = format!("Document {kind} has expired on {}", days(expiry, 1));
                assert!(
                    details
                        .violations
                        .iter()
                        .any(|x| x.r#type == "PROV-DOCS" && x.description.contains(&expired)),
                    "{expired} missing in {details:?}"
                );
            }
        }
        // A provider whose documents run on is chosen that day.
        choose(&vouchers, &voucher.id, &steady)
            .await
            .expect("documents in force");
    }
}

#[tokio::test]
async fn a_workers_location_counts_for_an_sk_choice_but_not_for_ktt() {
    let env = start_vouchers(Prices::County).await;
    let (mut p, admin) = (env.p(), env.admin());
    // Its own site in Iisalmi, one of its workers working in Kuopio.
    let id = draft_provider(&mut p, &admin, "Liikkuva ry", 4_300_001, IISALMI).await;
    p.add_site(with_token(
        &admin,
        ppb::AddSiteRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: id.clone(),
            site: Some(ppb::Site {
                kind: ppb::SiteKind::WorkerLocation as i32,
                name: "Työntekijän työskentelypaikka".into(),
                street_address: "Puijonkatu 1".into(),
                postal_code: "70100".into(),
                municipality: "Kuopio".into(),
                coordinates: point(KUOPIO),
                ..Default::default()
            }),
        },
    ))
    .await
    .expect("worker location");
    submit_and_approve(&mut p, &admin, &id)
        .await
        .expect("approve");
    let client = client_at(&env, 410, KUOPIO).await;
    // SK 6: "toimipiste tai palveluntuottajan työntekijän työskentelypaikka".
    let sk = issue(&env, sk_decision(&client.id)).await.expect("SK");
    let chosen = choose(&env, &sk.id, &id).await.expect("SK near");
    assert!(chosen.provider_distance_km < 0.01, "{chosen:?}");
    // KTT 5 names only the site: about 80 km away.
    let ktt = issue(&env, ktt_decision(&client.id)).await.expect("KTT");
    refused_by(
        choose(&env, &ktt.id, &id).await,
        ["PROV-DISTANCE"],
        "KTT too far",
    );
}

#[tokio::test]
async fn a_choice_records_its_day_and_an_agreed_start_within_the_validity() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Ryhmä ry", 4_400_001, KUOPIO).await;
    let (_, v) = issued(&env, 420, sk_decision).await;
    // TERM-VALIDITY: a start agreed after the validity ends.
    let after = days(seteli_rules::terms::validity_end(today(), 2), 1);
    refused_by(
        choose_with_start(&env, &v.id, &provider, Some(after)).await,
        ["TERM-VALIDITY"],
        "agreed start after the validity",
    );
    // A closed group starting in three weeks.
    let group_start = days(today(), 21);
    let chosen = choose_with_start(&env, &v.id, &provider, Some(group_start))
        .await
        .expect("agreed start");
    assert_eq!(chosen.provider_chosen_on, d(today()));
    assert_eq!(chosen.agreed_start_on, d(group_start));
    // A decline clears the choice with its dates.
    let declined = decline_voucher(
        &env,
        &env.provider_user(&provider),
        &v.id,
        pb::DeclineReasonKind::NoPlace,
        "Ryhmä täynnä",
    )
    .await
    .expect("decline");
    assert!(declined.provider_chosen_on.is_none() && declined.agreed_start_on.is_none());
}
