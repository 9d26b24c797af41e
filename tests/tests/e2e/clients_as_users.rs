//! The voucher holder as a user (role `client`, issue 28): matched to the client register by the
//! identity code of their strongly identified token (never by name, every match audited), they
//! read their own record and vouchers and nothing of anyone else's; a person nobody registered
//! sees nothing; they compare providers from their own home for their voucher and choose one
//! themself under the same rules as a social worker's choice (PROV-DISTANCE), the change feed
//! and the audit log naming them as the one who chose.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

/// About 6.4 km north of Kuopio's centre.
const NORTH_OF_KUOPIO: (f64, f64) = (62.95, 27.68);

/// The token of the client registered with individual number `individual` (born 1990-05-05,
/// as [`client_at`] registers them).
fn client_token(env: &Env, individual: u16) -> String {
    env.client(&hetu(ymd(1990, 5, 5), individual))
}

/// GetVoucher by the voucher's number as `token`.
async fn voucher_by_number(
    env: &Env,
    token: &str,
    number: &str,
) -> Result<pb::Voucher, tonic::Status> {
    let req = pb::GetVoucherRequest {
        voucher_number: number.into(),
        ..Default::default()
    };
    let answer = env.v().get_voucher(with_token(token, req)).await?;
    Ok(answer.into_inner().voucher.unwrap_or_default())
}

/// The voucher ids ListVouchers answers `token` for `req`.
async fn listed(env: &Env, token: &str, req: pb::ListVouchersRequest) -> Vec<String> {
    let page = list_vouchers(env, token, req).await.expect("list");
    page.vouchers.into_iter().map(|v| v.id).collect()
}

/// The actor role of the feed's ProviderChosen change of `voucher_id`.
async fn who_chose(env: &Env, voucher_id: &str) -> String {
    let changes = every_voucher_change(env).await;
    let choice = changes
        .iter()
        .rev()
        .find(|c| {
            c.kind == pb::VoucherChangeKind::ProviderChosen as i32
                && c.voucher.as_ref().is_some_and(|v| v.id == voucher_id)
        })
        .expect("the choice on the change feed");
    choice.actor.clone().expect("actor").role
}

#[tokio::test]
async fn a_client_reads_their_own_record_and_vouchers_and_nothing_of_anothers() {
    let env = start_vouchers(Prices::County).await;
    let (own, own_voucher) = issued(&env, 601, ktt_decision).await;
    let (other, other_voucher) = issued(&env, 602, sk_decision).await;
    let me = client_token(&env, 601);

    // Their own record, without the full identity code (masked, they know it).
    let record = read_client(&env, &me, &own.id).await.expect("own record");
    assert_eq!(record.name, "Matti Meikäläinen");
    assert_eq!(record.home_municipality, "Kuopio");
    assert!(record.home_coordinates.is_some() && record.contact.is_some());
    assert!(record.identity_code.is_empty(), "{record:?}");
    assert!(
        record.identity_code_masked.starts_with("******"),
        "{record:?}"
    );
    refused_with(
        read_client(&env, &me, &other.id).await,
        Code::NotFound,
        "another's record",
    );

    // Their own voucher with its decision (theirs), not the social worker's team.
    let voucher = read_voucher(&env, &me, &own_voucher.id)
        .await
        .expect("own voucher");
    assert_eq!(voucher.voucher_number, own_voucher.voucher_number);
    assert_eq!(voucher.units_granted, units(30));
    assert_eq!(voucher.units_left, units(30));
    assert_eq!(voucher.state, pb::VoucherState::Issued as i32);
    let decision = voucher.decision.clone().expect("decision");
    assert!(decision.job_search_in_force && decision.employment_plan.is_some());
    assert!(voucher.social_worker_team.is_empty());
    let by_number = voucher_by_number(&env, &me, &own_voucher.voucher_number).await;
    assert_eq!(by_number.expect("own by number").id, own_voucher.id);
    refused_with(
        read_voucher(&env, &me, &other_voucher.id).await,
        Code::NotFound,
        "another's voucher",
    );
    refused_with(
        voucher_by_number(&env, &me, &other_voucher.voucher_number).await,
        Code::NotFound,
        "another's voucher by number",
    );

    // Their own vouchers only, whatever client the request names.
    let all = pb::ListVouchersRequest::default();
    assert_eq!(listed(&env, &me, all).await, vec![own_voucher.id.clone()]);
    let others = pb::ListVouchersRequest {
        client_id: other.id.clone(),
        ..Default::default()
    };
    assert_eq!(
        listed(&env, &me, others).await,
        vec![own_voucher.id.clone()]
    );

    // Each match of the token to the register is audited, and so is each read; nothing of the
    // other client was read by a client.
    let actions = audit_actions(&env, &own.id).await;
    for action in ["IdentifyClient", "GetClient", "GetVoucher", "ListVouchers"] {
        assert!(
            actions.contains(&(action.to_owned(), "client".to_owned())),
            "{action} not audited: {actions:?}"
        );
    }
    let entries = audit_entries(&env, &own.id).await;
    let identified = entries
        .iter()
        .find(|e| e.action == "IdentifyClient")
        .expect("identification audited");
    assert_eq!(identified.purpose, "strong_identification");
    let of_other = audit_actions(&env, &other.id).await;
    assert!(
        of_other.iter().all(|(_, role)| role != "client"),
        "{of_other:?}"
    );
}

#[tokio::test]
async fn a_person_nobody_registered_sees_nothing_and_learns_nothing() {
    let env = start_vouchers(Prices::County).await;
    let provider = approved_provider(&env, "Lähivalmennus ry", 6_000_001, KUOPIO).await;
    let (own, voucher) = issued(&env, 603, ktt_decision).await;
    // A valid identity code no client in the register has.
    let stranger = env.token("client", None);
    let someone = client_token(&env, 604);
    for token in [&stranger, &someone] {
        refused_with(
            read_client(&env, token, &own.id).await,
            Code::NotFound,
            "record",
        );
        refused_with(
            read_voucher(&env, token, &voucher.id).await,
            Code::NotFound,
            "voucher",
        );
        refused_with(
            compare_for_voucher(&env, token, &voucher.id).await,
            Code::NotFound,
            "comparison",
        );
        refused_with(
            choose_as(&env, token, &voucher.id, &provider, None).await,
            Code::NotFound,
            "choice",
        );
        assert!(
            listed(&env, token, pb::ListVouchersRequest::default())
                .await
                .is_empty()
        );
        let named = pb::ListVouchersRequest {
            client_id: own.id.clone(),
            ..Default::default()
        };
        assert!(listed(&env, token, named).await.is_empty());
    }
    // The same answer as a registered client gets for another's voucher: nothing tells whether
    // a code is registered.
    let (_, mine) = issued(&env, 605, ktt_decision).await;
    let registered = client_token(&env, 605);
    let theirs = read_voucher(&env, &registered, &voucher.id).await;
    let strangers = read_voucher(&env, &stranger, &voucher.id).await;
    assert_eq!(
        theirs.expect_err("another's").message(),
        strangers.expect_err("nobody's").message()
    );
    assert!(read_voucher(&env, &registered, &mine.id).await.is_ok());
}

#[tokio::test]
async fn a_client_compares_providers_for_their_voucher_and_chooses_one_themself() {
    let env = start_vouchers(Prices::County).await;
    let (mut c, admin) = (env.p(), env.admin());
    let near = approved_provider(&env, "Lähivalmennus ry", 6_100_001, NORTH_OF_KUOPIO).await;
    let service = seteli_api::common::v1::ServiceType::KttIndividual;
    set_offering_with_free_places(&mut c, &admin, &near, service, 6000, 0, Some(2))
        .await
        .expect("free places");
    // About 75 km from the client's home in Kuopio.
    let far = approved_provider(&env, "Iisalmen Valmennus ry", 6_100_002, IISALMI).await;
    let (client, voucher) = issued(&env, 611, ktt_decision).await;
    let me = client_token(&env, 611);

    // From their own home, within PROV-DISTANCE's 20 km.
    let compared = compare_for_voucher(&env, &me, &voucher.id)
        .await
        .expect("their own voucher");
    assert_eq!(compared.radius_km, 20.0);
    let mut option = compared.providers.first().cloned().expect("one provider");
    assert_eq!(compared.providers.len(), 1, "{compared:?}");
    assert!((5.0..8.0).contains(&option.distance_km), "{option:?}");
    option.distance_km = 0.0;
    assert_eq!(
        option,
        pb::ProviderOption {
            provider_id: near.clone(),
            name: "Lähivalmennus ry".into(),
            place_name: "Toimipiste".into(),
            street_address: "Katu 1".into(),
            postal_code: "71800".into(),
            municipality: "Siilinjärvi".into(),
            distance_km: 0.0,
            unit_price: Some(seteli_api::common::v1::Money { cents: 6000 }),
            max_group_size: 0,
            free_places: Some(2),
            free_places_on: d(today()),
        }
    );
    // Their social worker compares the same.
    let theirs = compare_for_voucher(&env, &env.social_worker(), &voucher.id).await;
    assert_eq!(theirs.expect("social worker").providers.len(), 1);

    // PROV-DISTANCE refuses the client's choice as it refuses a social worker's.
    refused_by(
        choose_as(&env, &me, &voucher.id, &far, None).await,
        ["PROV-DISTANCE"],
        "the client's choice too far",
    );
    let chosen = choose_as(&env, &me, &voucher.id, &near, None)
        .await
        .expect("the client's own choice");
    assert_eq!(chosen.provider_id, near);
    assert_eq!(chosen.provider_chosen_on, d(today()));
    // The change feed and the audit log name the client as the one who chose.
    assert_eq!(who_chose(&env, &voucher.id).await, "client");
    let actions = audit_actions(&env, &client.id).await;
    for action in [
        "IdentifyClient",
        "CompareProvidersForVoucher",
        "ChooseProvider",
    ] {
        assert!(
            actions.contains(&(action.to_owned(), "client".to_owned())),
            "{action}: {actions:?}"
        );
    }

    // A social worker still chooses for a client, and is named so.
    let (_, other) = issued(&env, 612, ktt_decision).await;
    choose(&env, &other.id, &near).await.expect("social worker");
    assert_eq!(who_chose(&env, &other.id).await, "social_worker");
    // The client chooses on their own voucher only.
    refused_with(
        choose_as(&env, &me, &other.id, &near, None).await,
        Code::NotFound,
        "another's voucher",
    );

    // Once the provider accepted, there is no choosing: STATE-TRANSITION.
    accept(&env, &near, &voucher.id).await.expect("accept");
    let err = refused_with(
        compare_for_voucher(&env, &me, &voucher.id).await,
        Code::FailedPrecondition,
        "an accepted voucher",
    );
    assert_eq!(rule_ids(&err), vec!["STATE-TRANSITION"]);
}

#[tokio::test]
async fn under_a_distance_exemption_the_client_compares_and_chooses_farther() {
    let env = start_vouchers(Prices::County).await;
    let far = approved_provider(&env, "Iisalmen Valmennus ry", 6_200_001, IISALMI).await;
    let client = client_at(&env, 621, KUOPIO).await;
    let decision = pb::ServiceDecision {
        distance_exemption: Some(pb::DistanceExemption {
            reason: "Lähellä ei ole palveluntuottajia.".into(),
        }),
        ..ktt_decision(&client.id)
    };
    let voucher = issue(&env, decision).await.expect("issue");
    let me = client_token(&env, 621);
    let compared = compare_for_voucher(&env, &me, &voucher.id)
        .await
        .expect("compare");
    assert_eq!(compared.radius_km, 0.0, "unlimited under the exemption");
    let ids: Vec<&str> = compared
        .providers
        .iter()
        .map(|p| p.provider_id.as_str())
        .collect();
    assert_eq!(ids, vec![far.as_str()]);
    assert!(compared.providers[0].distance_km > 60.0);
    // The client sees the exemption on their decision, and chooses under it.
    let own = read_voucher(&env, &me, &voucher.id).await.expect("own");
    let exemption = own.decision.and_then(|d| d.distance_exemption);
    assert!(exemption.is_some());
    let chosen = choose_as(&env, &me, &voucher.id, &far, None).await;
    assert_eq!(chosen.expect("exempted").provider_id, far);
}
