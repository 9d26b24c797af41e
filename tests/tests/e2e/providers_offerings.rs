//! SetOffering's rules from `seteli_rules::provider::check_offering` (KTT-COMPANY with law
//! 189/2001's list, PROV-PRICE, CAP-GROUP-SIZE), the documents an SK-only provider needs
//! (PROV-DOCS: no group insurance), and the nearest place of service that counts for a service
//! (PROV-DISTANCE: `seteli_rules::geo::nearest_place`).

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as pb;
use seteli_tests::fixtures::*;

const KTT_BEYOND_COACHING: [ServiceType; 3] = [
    ServiceType::KttGroup,
    ServiceType::KttAssessment,
    ServiceType::KttWorkCapacity,
];

#[tokio::test]
async fn a_cooperative_is_a_company_under_ktt_and_may_offer_only_individual_coaching() {
    let (_env, a, mut c) = registry_desk().await;
    for (seed, form) in [
        (3_400_001, pb::LegalForm::Cooperative),
        (3_400_101, pb::LegalForm::Company),
        (3_400_201, pb::LegalForm::Other),
    ] {
        let p = create(
            &mut c,
            &a.admin,
            details(&format!("{form:?}"), &business_id(seed), form),
        )
        .await;
        for service in KTT_BEYOND_COACHING {
            let size = if service == ServiceType::KttGroup {
                10
            } else {
                0
            };
            let err = set_offering(&mut c, &a.admin, &p.id, service, 8000, size)
                .await
                .expect_err("KTT work activity or group coaching");
            assert_eq!(
                rule_ids(&err),
                vec!["KTT-COMPANY".to_owned()],
                "{form:?} {service:?}"
            );
        }
        set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6000, 0)
            .await
            .expect("KTT individual coaching may be bought from a company");
        set_offering(&mut c, &a.admin, &p.id, ServiceType::SkGroup, 3000, 8)
            .await
            .expect("SK is not restricted");
    }
}

#[tokio::test]
async fn an_association_or_foundation_arranging_ktt_group_coaching_is_approved() {
    let (_env, a, mut c) = registry_desk().await;
    for (seed, form) in [
        (3_500_001, pb::LegalForm::Association),
        (3_500_101, pb::LegalForm::Foundation),
        (3_500_201, pb::LegalForm::PublicBody),
    ] {
        let p = provider_without_staff(
            &mut c,
            &a.admin,
            &format!("KTT {form:?}"),
            &business_id(seed),
            form,
            &REQUIRED_DOCUMENTS,
        )
        .await;
        add_social_and_coach(&mut c, &a.admin, &p.id, ("Sanna", "Olli")).await;
        for service in KTT_BEYOND_COACHING {
            let size = if service == ServiceType::KttGroup {
                12
            } else {
                0
            };
            set_offering(&mut c, &a.admin, &p.id, service, 9000, size)
                .await
                .unwrap_or_else(|e| panic!("{form:?} {service:?}: {e:?}"));
        }
        submit(&mut c, &a.admin, &p.id).await.expect("submit");
        let approved = approve(&mut c, &a.admin, &p.id).await.expect("approve");
        assert_eq!(approved.offerings.len(), 3);
    }
    // The offering rules come back together: a price above the ceiling and a group of 13.
    let p = create(
        &mut c,
        &a.admin,
        details(
            "Osuuskunta",
            &business_id(3_500_301),
            pb::LegalForm::Cooperative,
        ),
    )
    .await;
    let err = set_offering(&mut c, &a.admin, &p.id, ServiceType::KttGroup, 9001, 13)
        .await
        .expect_err("every offering rule");
    let mut ids = rule_ids(&err);
    ids.sort();
    ids.dedup();
    assert_eq!(ids, vec!["CAP-GROUP-SIZE", "KTT-COMPANY", "PROV-PRICE"]);
}

#[tokio::test]
async fn an_sk_only_provider_needs_no_group_insurance_but_a_ktt_offering_does() {
    let (_env, a, mut c) = registry_desk().await;
    let without_group_insurance: Vec<pb::DocumentKind> = REQUIRED_DOCUMENTS
        .into_iter()
        .filter(|k| *k != pb::DocumentKind::GroupInsurance)
        .collect();
    let p = provider_without_staff(
        &mut c,
        &a.admin,
        "Vain SK ry",
        &business_id(3_600_001),
        pb::LegalForm::Association,
        &without_group_insurance,
    )
    .await;
    add_social_and_coach(&mut c, &a.admin, &p.id, ("Sanna", "Olli")).await;
    set_offering(&mut c, &a.admin, &p.id, ServiceType::SkGroup, 3000, 8)
        .await
        .expect("SK group");
    // SK 2.5: the county insures SK clients itself.
    submit(&mut c, &a.admin, &p.id).await.expect("submit");
    approve(&mut c, &a.admin, &p.id).await.expect("approve");
    // KTT 1.2 names the group insurance: an approved provider cannot add KTT without it.
    refused_by(
        set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6000, 0).await,
        ["PROV-DOCS"],
        "KTT without group insurance",
    );
    add_document(
        &mut c,
        &a.admin,
        &p.id,
        pb::DocumentKind::GroupInsurance,
        date(2026, 1, 15),
        date(2099, 12, 31),
    )
    .await;
    set_offering(&mut c, &a.admin, &p.id, ServiceType::KttIndividual, 6000, 0)
        .await
        .expect("KTT with group insurance");
}

#[tokio::test]
async fn the_nearest_place_that_counts_decides_the_distance_a_choice_is_checked_with() {
    let (env, a, mut c) = registry_desk().await;
    // Its site in Iisalmi, a worker working in Kuopio.
    let id = business_id(3_700_001);
    let p = iisalmi_provider_working_in_kuopio(&mut c, &a.admin, "Liikkuva ry", &id).await;
    let check = |service: ServiceType| pb::CheckProviderForServiceRequest {
        provider_id: p.id.clone(),
        service_type: service as i32,
        near: point(KUOPIO),
    };
    // SK counts the worker's location (SK 6).
    let sk = check_provider(&mut c, &a.social_worker, check(ServiceType::SkGroup))
        .await
        .expect("SK");
    assert!(sk.approved && sk.offers_service);
    assert!(sk.nearest_distance_km < 0.01, "{}", sk.nearest_distance_km);
    // KTT names only the site (KTT 5): Iisalmi, about 80 km away.
    let ktt = check_provider(&mut c, &a.social_worker, check(ServiceType::KttIndividual))
        .await
        .expect("KTT");
    assert!(
        ktt.nearest_distance_km > 70.0,
        "{}",
        ktt.nearest_distance_km
    );
    // What a choice is checked with: every place and, for the county, the documents' dates.
    assert_eq!(ktt.places.len(), 2);
    assert_eq!(ktt.documents.len(), REQUIRED_DOCUMENTS.len());
    assert!(!ktt.uses_subcontractors);
    // Another provider's user sees no documents.
    let other = env.keys.token("provider_user", Some("another-provider"));
    let seen = check_provider(&mut c, &other, check(ServiceType::SkGroup))
        .await
        .expect("another provider's user");
    assert!(seen.documents.is_empty());
    assert_eq!(seen.places.len(), 2);
}
