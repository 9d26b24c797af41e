//! Choosing a provider (asked of the real registry), PROV-DISTANCE with real coordinates, the
//! provider's acceptance (PROC-COACH, KTT-STEWARD) and what a provider's user may see.

use seteli_api::common::v1::ServiceType;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_rules::geo::{Coordinates, distance_km};
use seteli_tests::fixtures::*;
use tonic::Code;

fn km(a: (f64, f64), b: (f64, f64)) -> f64 {
    distance_km(
        Coordinates::new(a.0, a.1).expect("a"),
        Coordinates::new(b.0, b.1).expect("b"),
    )
}

#[tokio::test]
async fn prov_distance_with_real_coordinates_on_both_sides_of_20_km() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Siilin Paja ry", 1_000_001, SIILINJARVI).await;
    // Kuopio market square is just over 20 km from Siilinjärvi centre; a home 1 km north of
    // it is just under.
    let far = KUOPIO;
    let near = (KUOPIO.0 + 0.009, KUOPIO.1);
    let (d_far, d_near) = (km(far, SIILINJARVI), km(near, SIILINJARVI));
    assert!(d_far > 20.0 && d_far < 20.5, "{d_far}");
    assert!(d_near < 20.0 && d_near > 19.0, "{d_near}");

    let near_client = client_at(&env, 201, near).await;
    let v = issue(&env, sk_decision(&near_client.id))
        .await
        .expect("issue");
    let chosen = choose(&env, &v.id, &provider).await.expect("within 20 km");
    assert_eq!(chosen.provider_id, provider);
    assert_eq!(chosen.provider_name, "Siilin Paja ry");
    assert!((chosen.provider_distance_km - d_near).abs() < 0.01);
    assert_eq!(chosen.state, pb::VoucherState::Issued as i32);

    let far_client = client_at(&env, 202, far).await;
    let v = issue(&env, sk_decision(&far_client.id))
        .await
        .expect("issue");
    refused_by(
        choose(&env, &v.id, &provider).await,
        ["PROV-DISTANCE"],
        "too far",
    );

    // With the decision's exemption the same distance is allowed.
    let exempt_client = client_at(&env, 203, far).await;
    let mut decision = sk_decision(&exempt_client.id);
    decision.distance_exemption = Some(pb::DistanceExemption {
        reason: "Erityinen tarve: ryhmä vain Siilinjärvellä".into(),
    });
    let v = issue(&env, decision).await.expect("issue");
    let chosen = choose(&env, &v.id, &provider).await.expect("exempted");
    assert!((chosen.provider_distance_km - d_far).abs() < 0.01);
}

#[tokio::test]
async fn an_unapproved_provider_or_one_without_the_service_is_refused() {
    let env = start_vouchers(Prices::County).await;
    let draft = draft_provider(&mut env.p(), &env.admin(), "Luonnos ry", 1_100_001, KUOPIO).await;
    let approved = approved_provider(&env, "Kuopion Paja ry", 1_200_001, KUOPIO).await;
    let (client, v) = issued(&env, 210, sk_decision).await;
    refused_by(
        choose(&env, &v.id, &draft).await,
        ["PROVIDER-NOT-APPROVED"],
        "draft",
    );
    // Supported work is not among the provider's offerings.
    let mut decision = sk_decision(&client.id);
    decision.service_type = ServiceType::SkSupportedWork as i32;
    decision.granted_units = units(24);
    let sw = issue(&env, decision).await.expect("issue supported work");
    refused_by(
        choose(&env, &sw.id, &approved).await,
        ["SERVICE-NOT-OFFERED"],
        "not offered",
    );
    refused_with(
        choose(&env, &v.id, "no-such-provider").await,
        Code::NotFound,
        "unknown",
    );
    let err = choose(&env, &v.id, " ").await.expect_err("blank");
    assert_eq!(bad_fields(&err), vec!["provider_id".to_owned()]);
}

#[tokio::test]
async fn the_registry_unreachable_is_unavailable() {
    // Only the vouchers service: the registry's port is held closed.
    let env = Env::builder()
        .services(&[Svc::Vouchers])
        .prices(Prices::County)
        .start()
        .await;
    let (_, v) = issued(&env, 220, sk_decision).await;
    let err = choose(&env, &v.id, "any-provider")
        .await
        .expect_err("registry down");
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
}

#[tokio::test]
async fn acceptance_names_the_coach_and_individual_coaching_needs_no_steward_notice() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Paja ry", 1_300_001, KUOPIO).await;
    let other = approved_provider(&env, "Toinen ry", 1_400_001, KUOPIO).await;
    let (client, v) = chosen(&env, &provider, 230, ktt_decision).await;
    let user = env.provider_user(&provider);
    // No coach named: PROC-COACH. KTT-STEWARD is not asked of individual coaching (KTT 2.2.1):
    // only work activity (assessment, work capacity) is done at a workplace with a steward.
    refused_by(
        accept_with(&env, &user, accept_request(&v.id, " ", None)).await,
        ["PROC-COACH"],
        "nothing named",
    );
    // Another provider's user does not know the voucher; a social worker does not accept.
    refused_with(
        accept_as(&env, &other, accept_request(&v.id, "Olli", Some(today()))).await,
        Code::NotFound,
        "other provider",
    );
    refused_with(
        accept_with(
            &env,
            &env.social_worker(),
            accept_request(&v.id, "Olli", Some(today())),
        )
        .await,
        Code::PermissionDenied,
        "social worker",
    );
    let accepted = accept_with(
        &env,
        &user,
        accept_request(&v.id, "Olli Ohjaaja", Some(today())),
    )
    .await
    .expect("accepted");
    assert_eq!(accepted.state, pb::VoucherState::Assigned as i32);
    assert_eq!(accepted.responsible_coach, "Olli Ohjaaja");
    assert_eq!(accepted.steward_notified_on, d(today()));
    // SK needs no steward notice.
    let sk = issue(&env, sk_decision(&client.id))
        .await
        .expect("issue SK");
    choose(&env, &sk.id, &provider).await.expect("choose");
    accept_with(&env, &user, accept_request(&sk.id, "Sanna", None))
        .await
        .expect("SK accepted without a steward notice");
}

#[tokio::test]
async fn two_concurrent_acceptances_of_one_voucher_exactly_one_succeeds() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Kilpa ry", 1_500_001, KUOPIO).await;
    let (_, v) = chosen(&env, &provider, 240, sk_decision).await;
    let mut tasks = Vec::new();
    for coach in ["Olli", "Sanna"] {
        let mut c = env.v();
        let token = env.provider_user(&provider);
        let req = accept_request(&v.id, coach, None);
        tasks.push(tokio::spawn(async move {
            c.accept_voucher(with_token(&token, req)).await
        }));
    }
    let mut accepted = 0;
    for t in tasks {
        match t.await.expect("join") {
            Ok(_) => accepted += 1,
            Err(e) => assert_eq!(rule_ids(&e), vec!["STATE-TRANSITION".to_owned()]),
        }
    }
    assert_eq!(accepted, 1);
    // A retry of the winning request would replay; a new acceptance is refused.
    refused_by(
        accept(&env, &provider, &v.id).await,
        ["STATE-TRANSITION"],
        "again",
    );
}

#[tokio::test]
async fn a_declined_voucher_goes_back_to_the_client_and_out_of_the_providers_sight() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Täynnä ry", 1_600_001, KUOPIO).await;
    let (_, v) = chosen(&env, &provider, 250, sk_decision).await;
    let user = env.provider_user(&provider);
    let err = decline_voucher(&env, &user, &v.id, pb::DeclineReasonKind::NoPlace, "")
        .await
        .expect_err("no reason");
    assert_eq!(bad_fields(&err), vec!["reason".to_owned()]);
    let declined = decline_voucher(
        &env,
        &user,
        &v.id,
        pb::DeclineReasonKind::NoPlace,
        "Ryhmä on täynnä",
    )
    .await
    .expect("declined");
    assert_eq!(declined.state, pb::VoucherState::Issued as i32);
    assert!(declined.provider_id.is_empty());
    assert_eq!(declined.declined_reason, "Ryhmä on täynnä");
    assert_eq!(
        declined.declined_reason_kind,
        pb::DeclineReasonKind::NoPlace as i32
    );
    refused_with(
        read_voucher(&env, &user, &v.id).await,
        Code::NotFound,
        "no longer theirs",
    );
}

#[tokio::test]
async fn a_providers_user_sees_only_its_own_vouchers_and_only_the_clients_name() {
    let env = start_vouchers(Prices::County).await;
    let mine = approved_provider(&env, "Oma ry", 1_700_001, KUOPIO).await;
    let theirs = approved_provider(&env, "Muu ry", 1_800_001, KUOPIO).await;
    let client = client_at(&env, 260, KUOPIO).await;
    let other_client = client_at(&env, 261, KUOPIO).await;
    let v = issue(&env, ktt_decision(&client.id)).await.expect("issue");
    choose(&env, &v.id, &mine).await.expect("choose");
    let w = issue(&env, ktt_decision(&other_client.id))
        .await
        .expect("issue");
    choose(&env, &w.id, &theirs).await.expect("choose");
    let mut c = env.v();
    let me = env.provider_user(&mine);

    // Own voucher: the client's name and masked identity code, not the eligibility facts.
    let got = read_voucher(&env, &me, &v.id).await.expect("own voucher");
    let summary = got.client.clone().expect("client");
    assert_eq!(summary.name, "Matti Meikäläinen");
    assert!(
        summary.identity_code_masked.starts_with("******-***"),
        "no birth date"
    );
    let decision = got.decision.clone().expect("decision");
    assert!(decision.employment_plan.is_none());
    assert_eq!(decision.unemployment_benefit, 0);
    assert_eq!(decision.granted_units, units(30));
    // Own client: name and masked code only.
    let seen = read_client(&env, &me, &client.id)
        .await
        .expect("own client");
    assert_eq!(seen.name, "Matti Meikäläinen");
    assert!(
        seen.identity_code_masked.starts_with("******-***"),
        "no birth date"
    );
    assert!(seen.identity_code.is_empty());
    assert!(seen.contact.is_none() && seen.home_coordinates.is_none());
    assert!(seen.home_municipality.is_empty());

    // The other provider's voucher and client do not exist for this user.
    refused_with(
        read_voucher(&env, &me, &w.id).await,
        Code::NotFound,
        "other voucher",
    );
    refused_with(
        c.get_voucher(with_token(
            &me,
            pb::GetVoucherRequest {
                voucher_number: w.voucher_number.clone(),
                ..Default::default()
            },
        ))
        .await,
        Code::NotFound,
        "other voucher by number",
    );
    refused_with(
        read_client(&env, &me, &other_client.id).await,
        Code::NotFound,
        "other client",
    );
    let listed = list_vouchers(&env, &me, pb::ListVouchersRequest::default())
        .await
        .expect("list")
        .vouchers;
    assert_eq!(ids_of(&listed), [v.id.as_str()]);
    let listed = list_vouchers(&env, &me, of_provider(&theirs))
        .await
        .expect("list other")
        .vouchers;
    assert!(listed.is_empty());
    refused_with(
        list_clients(&env, &me, pb::ListClientsRequest::default()).await,
        Code::PermissionDenied,
        "client register",
    );
    // The change feed is for the services that follow it, not for a provider's staff.
    refused_with(
        voucher_feed_page(&env, &me, 0, 0).await,
        Code::PermissionDenied,
        "the feed",
    );

    // Every read of the client by the provider's user is audited.
    let entries = audit_actions(&env, &client.id).await;
    for action in ["GetVoucher", "GetClient", "ListVouchers"] {
        assert!(
            entries
                .iter()
                .any(|(a, role)| a == action && role == "provider_user"),
            "{action} missing in {entries:?}"
        );
    }
}

#[tokio::test]
async fn a_retried_choice_answers_from_the_store_even_with_the_registry_down() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Muisti ry", 1_700_001, KUOPIO).await;
    let (_, v) = issued(&env, 240, sk_decision).await;
    let request = pb::ChooseProviderRequest {
        request_id: rid(),
        voucher_id: v.id.clone(),
        provider_id: provider.clone(),
        ..Default::default()
    };
    let token = env.social_worker();
    let first = env
        .v()
        .choose_provider(with_token(&token, request.clone()))
        .await
        .expect("choose")
        .into_inner();
    let mut env = env;
    env.take(Svc::Providers)
        .stop()
        .await
        .expect("registry stops");
    let mut c = env.v();
    let retry = c
        .choose_provider(with_token(&token, request.clone()))
        .await
        .expect("the retry is answered from the store")
        .into_inner();
    assert_eq!(retry, first);
    // A new choice does need the registry.
    let mut fresh = request;
    fresh.request_id = rid();
    refused_with(
        choose_with(&env, &token, fresh).await,
        Code::Unavailable,
        "registry down",
    );
}
