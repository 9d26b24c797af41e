//! Approval of providers: every rule broken shows its id, all at once; the happy path; search.

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;

#[tokio::test]
async fn submitting_an_empty_draft_lists_every_broken_rule_at_once() {
    let (_env, a, mut c) = registry_desk().await;
    let p = association(&mut c, &a.admin, "Tyhjä ry", "1234560-4").await;
    assert_eq!(p.state, pb::ProviderState::Draft as i32);
    // SK coaching offered without Soteri class, staff or documents.
    set_offering(&mut c, &a.admin, &p.id, ServiceType::SkIndividual, 5000, 0)
        .await
        .expect("offering");
    let err = submit(&mut c, &a.admin, &p.id)
        .await
        .expect_err("must be refused");
    assert_includes(
        &rule_ids(&err),
        &[
            "PROV-DOCS",
            "PROV-INSURANCE",
            "PROV-STAFF-SOCIAL",
            "PROV-STAFF-COACH",
            "PROV-SOTERI",
        ],
    );
    // The description names the rule and its section.
    use tonic_types::StatusExt;
    let details = err.get_details_precondition_failure().expect("details");
    let docs = details
        .violations
        .iter()
        .find(|v| v.r#type == "PROV-DOCS")
        .expect("PROV-DOCS");
    assert!(docs.description.contains("KTT 1.2"), "{}", docs.description);
    // Still a draft.
    let again = read_provider(&mut c, &a.admin, &p.id).await.expect("get");
    assert_eq!(again.state, pb::ProviderState::Draft as i32);
}

#[tokio::test]
async fn an_expired_document_breaks_prov_docs() {
    let (_env, a, mut c) = registry_desk().await;
    let p = association(&mut c, &a.admin, "Vanha ry", "1234561-2").await;
    add_social_and_coach(&mut c, &a.admin, &p.id, ("S", "O")).await;
    set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6000, 0)
        .await
        .expect("offering");
    for kind in REQUIRED_DOCUMENTS {
        let expires = if kind == pb::DocumentKind::TaxCertificate {
            date(2020, 12, 31)
        } else {
            date(2099, 12, 31)
        };
        add_document(&mut c, &a.admin, &p.id, kind, date(2020, 1, 1), expires).await;
    }
    refused_by(
        submit(&mut c, &a.admin, &p.id).await,
        ["PROV-DOCS"],
        "expired tax certificate",
    );
}

#[tokio::test]
async fn a_company_may_offer_only_ktt_individual_coaching() {
    let (_env, a, mut c) = registry_desk().await;
    let p = create(
        &mut c,
        &a.admin,
        details("Valmennus Oy", "1234562-0", pb::LegalForm::Company),
    )
    .await;
    let err = set_offering(&mut c, &a.admin, &p.id, ServiceType::KttGroup, 8000, 10)
        .await
        .expect_err("company may not offer KTT group");
    assert!(rule_ids(&err).contains(&"KTT-COMPANY".to_owned()));
    set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6000, 0)
        .await
        .expect("KTT individual is fine for a company");

    // An association with KTT group that turns into a company: submit lists KTT-COMPANY.
    let q = complete_provider(&mut c, &a.admin, "Muuttuva ry", "1234563-9", KUOPIO).await;
    set_offering(&mut c, &a.admin, &q.id, ServiceType::KttGroup, 8000, 10)
        .await
        .expect("association may offer KTT group");
    update_provider(
        &mut c,
        &a.admin,
        pb::UpdateProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: q.id.clone(),
            details: Some(details("Muuttuva Oy", "1234563-9", pb::LegalForm::Company)),
        },
    )
    .await
    .expect("update");
    refused_by(
        submit(&mut c, &a.admin, &q.id).await,
        ["KTT-COMPANY"],
        "company with KTT group",
    );
}

#[tokio::test]
async fn a_price_above_the_ceiling_is_refused_with_prov_price() {
    let (_env, a, mut c) = registry_desk().await;
    let p = association(&mut c, &a.admin, "Kallis ry", "1234564-7").await;
    refused_by(
        set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6501, 0).await,
        ["PROV-PRICE"],
        "above 65.00",
    );
    set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6500, 0)
        .await
        .expect("exactly the ceiling is fine");
}

#[tokio::test]
async fn a_group_needs_a_size_of_at_most_twelve() {
    let (_env, a, mut c) = registry_desk().await;
    let p = association(&mut c, &a.admin, "Ryhmä ry", "1234565-5").await;
    let err = set_offering(&mut c, &a.admin, &p.id, ServiceType::SkGroup, 3000, 13)
        .await
        .expect_err("13 is too many");
    assert!(rule_ids(&err).contains(&"CAP-GROUP-SIZE".to_owned()));
}

#[tokio::test]
async fn a_complete_provider_is_approved_and_found_nearest_first() {
    let (_env, a, mut c) = registry_desk().await;
    let near = complete_provider(&mut c, &a.admin, "Keskusta ry", "1234566-3", KUOPIO).await;
    let far = complete_provider(
        &mut c,
        &a.admin,
        "Siilinjärven ry",
        "1234567-1",
        SIILINJARVI,
    )
    .await;
    let away = complete_provider(&mut c, &a.admin, "Iisalmen ry", "1234569-8", IISALMI).await;
    for p in [&near, &far, &away] {
        let submitted = submit(&mut c, &a.admin, &p.id).await.expect("submit");
        assert_eq!(submitted.state, pb::ProviderState::Submitted as i32);
        let approved = approve(&mut c, &a.admin, &p.id).await.expect("approve");
        assert_eq!(approved.state, pb::ProviderState::Approved as i32);
    }
    // A client 2 km south of Kuopio centre, looking for KTT within `radius_km` (0: the rule's).
    let ktt_within = |radius_km: f64| pb::SearchProvidersRequest {
        service_type: ServiceType::KttIndividual as i32,
        near: point((62.8744, 27.6770)),
        radius_km,
        page_size: 0,
    };
    let found = search_providers(&mut c, &a.social_worker, ktt_within(0.0))
        .await
        .expect("search");
    let names: Vec<&str> = found.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(
        names,
        vec!["Keskusta ry"],
        "only Kuopio is within 20 km: {found:?}"
    );
    assert!(
        (found[0].distance_km - 2.0).abs() < 0.1,
        "{}",
        found[0].distance_km
    );

    // With a wider radius, nearest first, Iisalmi (≈ 80 km) still outside 50 km.
    let wide = search_providers(&mut c, &a.social_worker, ktt_within(50.0))
        .await
        .expect("search");
    let names: Vec<&str> = wide.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, vec!["Keskusta ry", "Siilinjärven ry"]);
    assert!(wide[0].distance_km < wide[1].distance_km);

    // A service nobody offers finds nothing; suspended providers are not found.
    suspend_provider(
        &mut c,
        &a.admin,
        pb::SuspendProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: near.id.clone(),
            reason: "insurance lapsed".into(),
        },
    )
    .await
    .expect("suspend");
    let after = search_providers(&mut c, &a.social_worker, ktt_within(0.0))
        .await
        .expect("search");
    assert!(after.is_empty(), "{after:?}");
}

#[tokio::test]
async fn a_worker_location_counts_for_sk_but_not_for_ktt() {
    let (_env, a, mut c) = registry_desk().await;
    iisalmi_provider_working_in_kuopio(&mut c, &a.admin, "Liikkuva ry", "1234570-0").await;
    let search = |service: ServiceType| pb::SearchProvidersRequest {
        service_type: service as i32,
        near: point(KUOPIO),
        radius_km: 0.0,
        page_size: 0,
    };
    let sk = search_providers(&mut c, &a.social_worker, search(ServiceType::SkGroup))
        .await
        .expect("search");
    assert_eq!(sk.len(), 1);
    assert!(sk[0].distance_km < 0.01);
    let ktt = search_providers(&mut c, &a.social_worker, search(ServiceType::KttIndividual))
        .await
        .expect("search");
    assert!(ktt.is_empty(), "{ktt:?}");
}

#[tokio::test]
async fn state_machine_refuses_wrong_transitions_and_keeps_history() {
    let (_env, a, mut c) = registry_desk().await;
    let p = complete_provider(&mut c, &a.admin, "Tila ry", "1234571-9", KUOPIO).await;
    // Approving a draft is a state conflict.
    refused_with(
        approve(&mut c, &a.admin, &p.id).await,
        tonic::Code::FailedPrecondition,
        "draft",
    );
    submit(&mut c, &a.admin, &p.id).await.expect("submit");
    let reject = pb::RejectProviderRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: p.id.clone(),
        reasons: vec!["staff form unsigned".into()],
    };
    let rejected = reject_with(&mut c, &a.admin, reject).await.expect("reject");
    assert_eq!(rejected.state, pb::ProviderState::Rejected as i32);
    assert_eq!(
        rejected.state_reasons,
        vec!["staff form unsigned".to_owned()]
    );
    submit(&mut c, &a.admin, &p.id).await.expect("resubmit");
    approve(&mut c, &a.admin, &p.id).await.expect("approve");
    // An approved provider cannot drop below the rules.
    let approved = read_provider(&mut c, &a.admin, &p.id).await.expect("get");
    let insurance = approved
        .documents
        .iter()
        .find(|d| d.kind == pb::DocumentKind::LiabilityInsurance as i32)
        .expect("insurance");
    let err = remove_document(
        &mut c,
        &a.admin,
        pb::RemoveDocumentRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: p.id.clone(),
            document_id: insurance.id.clone(),
        },
    )
    .await
    .expect_err("approved provider keeps its insurance");
    let mut ids = rule_ids(&err);
    ids.sort();
    assert_eq!(
        ids,
        vec!["PROV-DOCS".to_owned(), "PROV-INSURANCE".to_owned()]
    );
    c.revoke_provider(with_token(
        &a.admin,
        pb::RevokeProviderRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: p.id.clone(),
            reason: "contract ended".into(),
        },
    ))
    .await
    .expect("revoke");
    refused_with(
        try_add_kuopio_site(&mut c, &a.admin, &p.id).await,
        tonic::Code::FailedPrecondition,
        "revoked is final",
    );

    let history = provider_history(
        &mut c,
        &a.admin,
        pb::ListProviderHistoryRequest {
            provider_id: p.id.clone(),
            page_size: 0,
            page_token: String::new(),
        },
    )
    .await
    .expect("history")
    .entries;
    let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(actions.first(), Some(&"CreateProvider"));
    for expected in [
        "SubmitProvider",
        "RejectProvider",
        "ApproveProvider",
        "RevokeProvider",
    ] {
        assert!(actions.contains(&expected), "{expected} not in {actions:?}");
    }
    assert!(
        !actions.contains(&"RemoveDocument"),
        "a refused change leaves no history"
    );
    assert!(
        history
            .iter()
            .all(|e| e.actor.as_ref().is_some_and(|a| a.role == "county_admin"))
    );
}

#[tokio::test]
async fn pages_through_providers_by_name() {
    let (_env, a, mut c) = registry_desk().await;
    for (name, id) in [
        ("C ry", "1234572-7"),
        ("A ry", "1234560-4"),
        ("B ry", "1234561-2"),
    ] {
        association(&mut c, &a.admin, name, id).await;
    }
    // Every page holds at most two (`provider_names` checks each page's size).
    let names = provider_names(&mut c, &a.admin, 2).await;
    assert_eq!(names, vec!["A ry", "B ry", "C ry"]);
    let err = list_providers(&mut c, &a.admin, providers_page(1000, ""))
        .await
        .expect_err("page too large");
    assert_eq!(bad_fields(&err), vec!["page_size".to_owned()]);
}

#[tokio::test]
async fn a_name_with_a_bar_pages_correctly() {
    let (_env, a, mut c) = registry_desk().await;
    for (name, id) in [
        ("Aa|Bb ry", "1234572-7"),
        ("Aa ry", "1234560-4"),
        ("Aa|Aa|Cc ry", "1234561-2"),
        ("Aa|", "1234562-0"),
    ] {
        association(&mut c, &a.admin, name, id).await;
    }
    // One page of all, in the database's order of names.
    let whole = provider_names(&mut c, &a.admin, 0).await;
    assert_eq!(whole.len(), 4, "{whole:?}");
    // Page by page, a `|` in a name neither skips nor repeats a provider.
    assert_eq!(provider_names(&mut c, &a.admin, 1).await, whole);
    assert_eq!(provider_names(&mut c, &a.admin, 3).await, whole);
    // A token that is not one of ours is refused, not misread.
    let err = list_providers(&mut c, &a.admin, providers_page(1, "Aa|Bb ry|x"))
        .await
        .expect_err("foreign token");
    assert_eq!(bad_fields(&err), vec!["page_token".to_owned()]);
}

#[tokio::test]
async fn pages_through_the_history_oldest_first() {
    let (_env, a, mut c) = registry_desk().await;
    let p = complete_provider(&mut c, &a.admin, "Historia ry", "1234571-9", KUOPIO).await;
    let page = |page_size: i32, page_token: String| pb::ListProviderHistoryRequest {
        provider_id: p.id.clone(),
        page_size,
        page_token,
    };
    let whole = provider_history(&mut c, &a.admin, page(0, String::new()))
        .await
        .expect("history");
    assert!(whole.next_page_token.is_empty());
    assert!(whole.entries.len() > 3, "{:?}", whole.entries);
    let mut paged = Vec::new();
    let mut token = String::new();
    loop {
        let next = provider_history(&mut c, &a.admin, page(2, token))
            .await
            .expect("page");
        assert!(next.entries.len() <= 2);
        paged.extend(next.entries);
        if next.next_page_token.is_empty() {
            break;
        }
        token = next.next_page_token;
    }
    assert_eq!(paged, whole.entries);
    // A ListProviders token is not a history token.
    association(&mut c, &a.admin, "Toinen ry", "1234572-7").await;
    let providers_token = list_providers(&mut c, &a.admin, providers_page(1, ""))
        .await
        .expect("list")
        .next_page_token;
    assert!(!providers_token.is_empty());
    let err = provider_history(&mut c, &a.admin, page(2, providers_token))
        .await
        .expect_err("foreign token");
    assert_eq!(bad_fields(&err), vec!["page_token".to_owned()]);
}
