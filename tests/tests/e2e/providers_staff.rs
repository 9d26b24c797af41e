//! The staff rules with the facts a staff member now carries: the county's case-by-case
//! acceptance of an other social-science degree (PROV-STAFF-SOCIAL) and whether the member
//! does coaching (PROV-STAFF-COACH: every coach qualifies, not just one), through
//! `seteli_rules::provider::check_provider_approval`.

use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as pb;
use seteli_tests::fixtures::*;
use tonic::Code;

/// A draft SK group provider meeting every rule but the staff ones (no staff yet).
async fn sk_group_provider(
    c: &mut pb::providers_service_client::ProvidersServiceClient<tonic::transport::Channel>,
    admin: &str,
    name: &str,
    seed: u32,
) -> pb::Provider {
    let p = provider_without_staff(
        c,
        admin,
        name,
        &business_id(seed),
        pb::LegalForm::Association,
        &REQUIRED_DOCUMENTS,
    )
    .await;
    set_offering(c, admin, &p.id, ServiceType::SkGroup, 3000, 8)
        .await
        .expect("SK group offering")
}

fn coach(name: &str, q: pb::Qualification, does_coaching: bool) -> pb::StaffMember {
    pb::StaffMember {
        does_coaching: Some(does_coaching),
        ..staff_member(name, q, "")
    }
}

#[tokio::test]
async fn an_other_social_science_degree_counts_only_once_the_county_accepted_it() {
    let (env, a, mut c) = registry_desk().await;
    let p = sk_group_provider(&mut c, &a.admin, "Sosiaalipsykologit ry", 3_100_001).await;
    let degree = || {
        coach(
            "Paula Psykologi",
            pb::Qualification::OtherSocialScienceDegree,
            false,
        )
    };
    try_add_staff_member(&mut c, &a.admin, &p.id, degree())
        .await
        .expect("degree holder");
    try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        coach("Olli Ohjaaja", pb::Qualification::UasSocialOrHealth, true),
    )
    .await
    .expect("coach");
    // Case by case: without the county's acceptance the degree is no social-welfare professional.
    refused_by(
        submit(&mut c, &a.admin, &p.id).await,
        ["PROV-STAFF-SOCIAL"],
        "degree not accepted",
    );

    // The provider cannot accept its own staff member's degree; the flag means nothing for
    // another qualification.
    let user = env.keys.token("provider_user", Some(&p.id));
    let accepted = pb::StaffMember {
        degree_accepted_by_county: true,
        ..degree()
    };
    let err = try_add_staff_member(&mut c, &user, &p.id, accepted.clone())
        .await
        .expect_err("provider accepts its own degree");
    assert_eq!(err.code(), Code::PermissionDenied, "{err:?}");
    let err = try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        pb::StaffMember {
            degree_accepted_by_county: true,
            ..staff_member("Sanna", pb::Qualification::Sosionomi, "JS-1")
        },
    )
    .await
    .expect_err("acceptance of a sosionomi");
    assert_eq!(
        bad_fields(&err),
        vec!["staff_member.degree_accepted_by_county".to_owned()]
    );

    // The county accepts the degree: the same staff now passes.
    let current = read_provider(&mut c, &a.admin, &p.id).await.expect("get");
    remove_staff_named(&mut c, &a.admin, &current, "Paula Psykologi").await;
    let after = try_add_staff_member(&mut c, &a.admin, &p.id, accepted)
        .await
        .expect("accepted by the county");
    let paula = after
        .staff
        .iter()
        .find(|s| s.name == "Paula Psykologi")
        .expect("Paula");
    assert!(paula.degree_accepted_by_county);
    assert_eq!(paula.does_coaching, Some(false));
    submit(&mut c, &a.admin, &p.id).await.expect("submit");
    let approved = approve(&mut c, &a.admin, &p.id).await.expect("approve");
    assert_eq!(approved.state, pb::ProviderState::Approved as i32);
}

#[tokio::test]
async fn every_coach_must_qualify_even_when_another_staff_member_does() {
    let (_env, a, mut c) = registry_desk().await;
    let p = sk_group_provider(&mut c, &a.admin, "Valmentajat ry", 3_200_001).await;
    try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        staff_member("Sanna", pb::Qualification::Sosionomi, "JS-123456"),
    )
    .await
    .expect("sosionomi");
    try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        coach("Olli", pb::Qualification::UasSocialOrHealth, true),
    )
    .await
    .expect("qualified coach");
    // A professional of another field who coaches: refused though Sanna and Olli qualify.
    let with_unqualified = try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        coach("Kalle", pb::Qualification::OtherField, true),
    )
    .await
    .expect("unqualified coach");
    refused_by(
        submit(&mut c, &a.admin, &p.id).await,
        ["PROV-STAFF-COACH"],
        "an unqualified coach",
    );
    // Unstated, a community pedagogue is presumed to coach (the conservative reading).
    remove_staff_named(&mut c, &a.admin, &with_unqualified, "Kalle").await;
    let with_pedagogue = try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        staff_member("Pirjo", pb::Qualification::CommunityPedagogue, ""),
    )
    .await
    .expect("pedagogue");
    refused_by(
        submit(&mut c, &a.admin, &p.id).await,
        ["PROV-STAFF-COACH"],
        "a presumed coach without the competence",
    );
    // A work coach of another field who does no coaching is fine (KTT 1.1 (3)).
    remove_staff_named(&mut c, &a.admin, &with_pedagogue, "Pirjo").await;
    try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        coach("Kalle", pb::Qualification::OtherField, false),
    )
    .await
    .expect("work coach");
    submit(&mut c, &a.admin, &p.id).await.expect("submit");
    approve(&mut c, &a.admin, &p.id).await.expect("approve");
    // An approved provider cannot take on an unqualified coach.
    refused_by(
        try_add_staff_member(
            &mut c,
            &a.admin,
            &p.id,
            coach("Ville", pb::Qualification::WorkGuidance, true),
        )
        .await,
        ["PROV-STAFF-COACH"],
        "approved provider, unqualified coach",
    );
}

#[tokio::test]
async fn a_qualified_member_who_does_not_coach_is_no_coach() {
    let (_env, a, mut c) = registry_desk().await;
    let p = sk_group_provider(&mut c, &a.admin, "Ei valmentajaa ry", 3_300_001).await;
    let sanna = pb::StaffMember {
        does_coaching: Some(false),
        ..staff_member("Sanna", pb::Qualification::Sosionomi, "JS-123456")
    };
    let with_sanna = try_add_staff_member(&mut c, &a.admin, &p.id, sanna)
        .await
        .expect("sosionomi, no coaching");
    // SK group coaching needs at least one qualified coach.
    refused_by(
        submit(&mut c, &a.admin, &p.id).await,
        ["PROV-STAFF-COACH"],
        "nobody coaches",
    );
    // The same qualification, stated to coach.
    remove_staff_named(&mut c, &a.admin, &with_sanna, "Sanna").await;
    try_add_staff_member(
        &mut c,
        &a.admin,
        &p.id,
        pb::StaffMember {
            does_coaching: Some(true),
            ..staff_member("Sanna", pb::Qualification::Sosionomi, "JS-123456")
        },
    )
    .await
    .expect("sosionomi coaching");
    submit(&mut c, &a.admin, &p.id).await.expect("submit");
}
