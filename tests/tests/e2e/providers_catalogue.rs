//! The public comparison of providers (`seteli.catalogue.v1.CompareProviders`, issue 28): anyone,
//! without a token, compares the approved providers of a service from a municipality or a postal
//! code area, nearest first within PROV-DISTANCE's 20 km, by their own sites only, with the price
//! in force today, the largest group and the free places declared — and nothing of a person. And
//! the free places a provider declares with its offering (SetOffering).

use seteli_api::catalogue::v1 as cpb;
use seteli_api::common::v1::{Money, ServiceType};
use seteli_api::providers::v1 as ppb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

/// About 6.4 km north of Kuopio's centre.
const NORTH_OF_KUOPIO: (f64, f64) = (62.95, 27.68);

/// A worker's work location (SK 6) that may be the worker's home: never public.
fn workers_home() -> ppb::Site {
    ppb::Site {
        kind: ppb::SiteKind::WorkerLocation as i32,
        name: "Työntekijän kotitoimisto".into(),
        street_address: "Kotikatu 5".into(),
        postal_code: "70100".into(),
        municipality: "Kuopio".into(),
        coordinates: point(KUOPIO),
        ..Default::default()
    }
}

#[tokio::test]
async fn anyone_compares_approved_providers_from_a_municipality_nearest_first_without_personal_data()
 {
    let env = registry().await;
    let (mut c, admin) = (env.p(), env.admin());
    let centre = approved_provider(&env, "Keskustan Valmennus ry", 5_100_001, KUOPIO).await;
    // Its own site north of the centre, and a worker working (from home) in the centre.
    let north = draft_provider(
        &mut c,
        &admin,
        "Pohjoisen Paja ry",
        5_100_002,
        NORTH_OF_KUOPIO,
    )
    .await;
    try_add_site_of(&mut c, &admin, &north, workers_home())
        .await
        .expect("worker location");
    submit_and_approve(&mut c, &admin, &north)
        .await
        .expect("approve");
    // About 20.3 km from Kuopio's centre: beyond PROV-DISTANCE.
    let siilinjarvi = approved_provider(&env, "Siilin Tuki ry", 5_100_003, SIILINJARVI).await;
    // Not approved.
    draft_provider(&mut c, &admin, "Luonnos ry", 5_100_004, KUOPIO).await;
    // Its own site in Iisalmi; only its worker's location is in Kuopio.
    let iisalmi = business_id(5_100_005);
    let iisalmi = iisalmi_provider_working_in_kuopio(&mut c, &admin, "Liikkuva ry", &iisalmi).await;
    set_offering_with_free_places(
        &mut c,
        &admin,
        &centre,
        ServiceType::SkGroup,
        3000,
        8,
        Some(3),
    )
    .await
    .expect("free places declared");

    let kuopio = comparison(ServiceType::SkGroup, "kuopio", "");
    let answer = compare_providers(&env, None, kuopio.clone())
        .await
        .expect("answered without a token");
    assert_eq!(
        answer.place,
        Some(cpb::ComparedPlace {
            name: "Kuopio".into(),
            municipality_code: "297".into(),
            postal_code: String::new(),
            centre: point((62.8924, 27.6770)),
        })
    );
    let ids: Vec<&str> = answer
        .providers
        .iter()
        .map(|p| p.provider_id.as_str())
        .collect();
    assert_eq!(ids, vec![centre.as_str(), north.as_str()], "{answer:?}");
    // Every field of a provider in the comparison.
    let mut first = answer.providers[0].clone();
    assert!(first.distance_km < 0.1, "{first:?}");
    first.distance_km = 0.0;
    assert_eq!(
        first,
        cpb::ComparedProvider {
            provider_id: centre.clone(),
            name: "Keskustan Valmennus ry".into(),
            site_name: "Toimipiste".into(),
            street_address: "Katu 1".into(),
            postal_code: "71800".into(),
            municipality: "Siilinjärvi".into(),
            distance_km: 0.0,
            unit_price: Some(Money { cents: 3000 }),
            max_group_size: 8,
            free_places: Some(3),
            free_places_on: d(today()),
        }
    );
    // The north provider by its own site (its worker's location in the centre does not count in
    // public), with no free places declared.
    let second = &answer.providers[1];
    assert!((5.0..8.0).contains(&second.distance_km), "{second:?}");
    assert_eq!((second.free_places, second.free_places_on), (None, None));
    assert_eq!(second.site_name, "Toimipiste");
    // No personal data: no worker's location, no staff, contact person, bank details or files.
    let shown = format!("{answer:?}");
    for personal in [
        "Työntekijän kotitoimisto",
        "Kotikatu",
        "Sanna",
        "Olli",
        "Maija",
        "maija@example.fi",
        "docs/",
        "FI21",
        iisalmi.id.as_str(),
    ] {
        assert!(!shown.contains(personal), "{personal} shown: {shown}");
    }

    // A token changes nothing, even a garbage one.
    for token in ["not.a.jwt", admin.as_str()] {
        let with = compare_providers(&env, Some(token), kuopio.clone()).await;
        assert_eq!(with.expect("answered"), answer);
    }
    // By the municipality's code, and by a postal code area of it.
    let by_code = compare_providers(&env, None, comparison(ServiceType::SkGroup, "297", ""));
    assert_eq!(by_code.await.expect("by code").providers, answer.providers);
    let by_postal_code =
        compare_providers(&env, None, comparison(ServiceType::SkGroup, "", "70100"))
            .await
            .expect("by postal code");
    let place = by_postal_code.place.expect("place");
    assert_eq!(
        (
            place.name.as_str(),
            place.postal_code.as_str(),
            place.municipality_code.as_str()
        ),
        ("70100 Kuopio", "70100", "297")
    );
    let ids: Vec<&str> = by_postal_code
        .providers
        .iter()
        .map(|p| p.provider_id.as_str())
        .collect();
    assert_eq!(ids, vec![centre.as_str(), north.as_str()]);
    // From Siilinjärvi (any case) its own provider comes first; from Iisalmi, for KTT, the
    // provider whose own site is there.
    let from_siilinjarvi = comparison(ServiceType::SkGroup, "SIILINJÄRVI", "");
    let from_siilinjarvi = compare_providers(&env, None, from_siilinjarvi).await;
    let first = from_siilinjarvi.expect("Siilinjärvi").providers[0].clone();
    assert_eq!(first.provider_id, siilinjarvi);
    let from_iisalmi = comparison(ServiceType::KttIndividual, "Iisalmi", "");
    let from_iisalmi = compare_providers(&env, None, from_iisalmi).await;
    let ids: Vec<String> = from_iisalmi
        .expect("Iisalmi")
        .providers
        .into_iter()
        .map(|p| p.provider_id)
        .collect();
    assert_eq!(ids, vec![iisalmi.id.clone()]);
}

#[tokio::test]
async fn an_unknown_place_is_not_found_and_exactly_one_place_is_asked_for() {
    let env = registry().await;
    let ask = |municipality: &str, postal_code: &str| {
        compare_providers(
            &env,
            None,
            comparison(ServiceType::KttIndividual, municipality, postal_code),
        )
    };
    for (municipality, postal_code) in [("Helsinki", ""), ("091", ""), ("", "00100")] {
        let answer = ask(municipality, postal_code).await;
        refused_with(
            answer,
            Code::NotFound,
            "a place the gazetteer does not know",
        );
    }
    for (municipality, postal_code, field) in [
        ("Kuopio", "70100", "postal_code"),
        ("", "", "municipality"),
        ("  ", "", "municipality"),
        ("", "7010", "postal_code"),
        ("", "7010A", "postal_code"),
    ] {
        let err = refused_with(
            ask(municipality, postal_code).await,
            Code::InvalidArgument,
            "exactly one well-formed place",
        );
        assert_eq!(bad_fields(&err), vec![field.to_owned()], "{err:?}");
    }
    // No service, and a page too large.
    let mut req = comparison(ServiceType::Unspecified, "Kuopio", "");
    req.page_size = 201;
    let err = compare_providers(&env, None, req).await;
    let err = refused_with(err, Code::InvalidArgument, "no service, page too large");
    assert_includes(&bad_fields(&err), &["service_type", "page_size"]);
}

#[tokio::test]
async fn set_offering_declares_free_places_between_0_and_999_with_their_day() {
    let env = registry().await;
    let (mut c, admin) = (env.p(), env.admin());
    let id = approved_provider(&env, "Paikat ry", 5_200_001, KUOPIO).await;
    let own = env.provider_user(&id);
    for bad in [-1, 1000] {
        let answer = set_offering_with_free_places(
            &mut c,
            &own,
            &id,
            ServiceType::SkGroup,
            3000,
            8,
            Some(bad),
        )
        .await;
        let err = refused_with(answer, Code::InvalidArgument, "free places out of range");
        assert_eq!(bad_fields(&err), vec!["offering.free_places".to_owned()]);
        assert!(err.message().contains("between 0 and 999"), "{err:?}");
    }
    for places in [0, 999] {
        let p = set_offering_with_free_places(
            &mut c,
            &own,
            &id,
            ServiceType::SkGroup,
            3000,
            8,
            Some(places),
        )
        .await
        .expect("declared by the provider's own user");
        let sk = p
            .offerings
            .iter()
            .find(|o| o.service_type == ServiceType::SkGroup as i32)
            .expect("SK offering");
        assert_eq!(
            (sk.free_places, sk.free_places_on),
            (Some(places), d(today()))
        );
    }
    // Shown to whoever reads the provider, and in a search's match beside the largest group.
    let read = read_provider(&mut c, &env.social_worker(), &id)
        .await
        .expect("read");
    let sk = read
        .offerings
        .iter()
        .find(|o| o.service_type == ServiceType::SkGroup as i32)
        .expect("SK offering");
    assert_eq!(sk.free_places, Some(999));
    let search = ppb::SearchProvidersRequest {
        service_type: ServiceType::SkGroup as i32,
        near: point(KUOPIO),
        radius_km: 20.0,
        page_size: 0,
    };
    let found = c
        .search_providers(with_token(&admin, search))
        .await
        .expect("search")
        .into_inner();
    let m = &found.matches[0];
    assert_eq!(
        (m.max_group_size, m.free_places, m.free_places_on),
        (8, Some(999), d(today()))
    );
    // An offering set again without them clears them.
    set_offering_with_free_places(&mut c, &own, &id, ServiceType::SkGroup, 3000, 8, None)
        .await
        .expect("cleared");
    let found = c
        .search_providers(with_token(&admin, search))
        .await
        .expect("search")
        .into_inner();
    assert_eq!(
        (
            found.matches[0].free_places,
            found.matches[0].free_places_on
        ),
        (None, None)
    );
}
