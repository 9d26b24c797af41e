//! Ceiling price lists: history, the price in force, and the provider registry's PROV-PRICE
//! reading them from here.

use seteli_api::common::v1::{Money, ServiceType};
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::{TestDatabase, with_token};
use seteli_tests::fixtures::*;
use seteli_tests::kit::ClosedPort;
use tonic::Code;

#[tokio::test]
async fn prices_keep_their_history_and_the_latest_in_force_wins() {
    let env = start_vouchers(Prices::Unset).await;
    let admin = env.admin();
    let first = set_price(&env, ServiceType::SkGroup, ymd(2026, 1, 1), 3500).await;
    set_price(&env, ServiceType::SkGroup, ymd(2026, 7, 1), 3700).await;
    // A correction of the July price: a new row, the old one stays in the history.
    let corrected = set_price(&env, ServiceType::SkGroup, ymd(2026, 7, 1), 3650).await;
    set_price(&env, ServiceType::KttIndividual, ymd(2024, 1, 1), 6500).await;
    assert_eq!(
        first.recorded_by.as_ref().map(|a| a.role.as_str()),
        Some("county_admin")
    );

    let on = |date| pb::GetCeilingPriceRequest {
        service_type: ServiceType::SkGroup as i32,
        on: d(date),
    };
    let price = |r: pb::GetCeilingPriceResponse| r.ceiling_price.and_then(|p| p.unit_price);
    let june = ceiling_price(&env, &admin, on(ymd(2026, 6, 30)))
        .await
        .expect("june");
    assert_eq!(price(june), Some(Money { cents: 3500 }));
    let july = ceiling_price(&env, &env.social_worker(), on(ymd(2026, 7, 1)))
        .await
        .expect("july");
    assert_eq!(
        july.ceiling_price.as_ref().map(|p| p.id.clone()),
        Some(corrected.id)
    );
    assert_eq!(price(july), Some(Money { cents: 3650 }));
    refused_with(
        ceiling_price(&env, &admin, on(ymd(2025, 12, 31))).await,
        Code::NotFound,
        "none in force",
    );

    // The history, a page at a time.
    let mut all = Vec::new();
    let mut token = String::new();
    loop {
        let page = ceiling_prices(
            &env,
            &admin,
            pb::ListCeilingPricesRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("list");
        all.extend(page.ceiling_prices);
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    let cents: Vec<i64> = all
        .iter()
        .filter_map(|p| p.unit_price.map(|m| m.cents))
        .collect();
    assert_eq!(cents, vec![6500, 3500, 3700, 3650]);

    // In force on a date: one per service.
    let in_force = ceiling_prices(
        &env,
        &admin,
        pb::ListCeilingPricesRequest {
            in_force_on: d(ymd(2026, 8, 1)),
            ..Default::default()
        },
    )
    .await
    .expect("in force")
    .ceiling_prices;
    let cents: Vec<i64> = in_force
        .iter()
        .filter_map(|p| p.unit_price.map(|m| m.cents))
        .collect();
    assert_eq!(cents, vec![6500, 3650]);

    // Only county administrators set prices; bad input names its fields.
    refused_with(
        set_price_with(
            &env,
            &env.social_worker(),
            pb::SetCeilingPriceRequest {
                request_id: rid(),
                validate_only: false,
                service_type: ServiceType::SkGroup as i32,
                effective_from: d(ymd(2026, 1, 1)),
                unit_price: Some(Money { cents: 100 }),
            },
        )
        .await,
        Code::PermissionDenied,
        "social worker",
    );
    let err = set_price_with(
        &env,
        &admin,
        pb::SetCeilingPriceRequest {
            request_id: rid(),
            validate_only: false,
            service_type: 0,
            effective_from: None,
            unit_price: Some(Money { cents: -1 }),
        },
    )
    .await
    .expect_err("bad");
    let mut fields = bad_fields(&err);
    fields.sort();
    assert_eq!(fields, vec!["effective_from", "service_type", "unit_price"]);
}

fn offering(provider_id: &str, cents: i64) -> ppb::SetOfferingRequest {
    ppb::SetOfferingRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: provider_id.into(),
        offering: Some(ppb::Offering {
            service_type: ServiceType::KttIndividual as i32,
            unit_price: Some(Money { cents }),
            max_group_size: 0,
            ..Default::default()
        }),
        price_effective_from: None,
    }
}

#[tokio::test]
async fn the_provider_registry_checks_prov_price_against_these_prices() {
    // The registry reads its ceiling prices from the voucher service beside it.
    let env = start_vouchers(Prices::Unset).await;
    let env_admin = env.admin();
    let (mut vc, mut pc) = (env.v(), env.p());
    let set = |service: ServiceType, cents: i64| pb::SetCeilingPriceRequest {
        request_id: rid(),
        validate_only: false,
        service_type: service as i32,
        effective_from: d(ymd(2024, 1, 1)),
        unit_price: Some(Money { cents }),
    };
    vc.set_ceiling_price(with_token(
        &env_admin,
        set(ServiceType::KttIndividual, 6000),
    ))
    .await
    .expect("price");
    vc.set_ceiling_price(with_token(&env_admin, set(ServiceType::SkGroup, 3000)))
        .await
        .expect("price");
    // The fixture offers KTT individual coaching at 60.00 and SK group at 30.00: at the ceiling.
    let id = draft_provider(&mut pc, &env_admin, "Hinta ry", 2_000_001, SIILINJARVI).await;
    // Above the ceiling kept by the vouchers service: PROV-PRICE.
    refused_by(
        set_offering_with(&mut pc, &env_admin, offering(&id, 6001)).await,
        ["PROV-PRICE"],
        "above the ceiling",
    );
    submit_and_approve(&mut pc, &env_admin, &id)
        .await
        .expect("approved at the ceiling");
    // The county raises the ceiling: the registry follows at once.
    vc.set_ceiling_price(with_token(
        &env_admin,
        set(ServiceType::KttIndividual, 6200),
    ))
    .await
    .expect("raise");
    let p = set_offering_with(&mut pc, &env_admin, offering(&id, 6200))
        .await
        .expect("within the new ceiling");
    assert_eq!(p.state, ppb::ProviderState::Approved as i32);
}

#[tokio::test]
async fn the_registry_answers_unavailable_when_the_vouchers_service_is_down() {
    // The registry reads its prices from a voucher service whose port is held closed.
    let down = ClosedPort::new();
    let env = Env::builder()
        .services(&[Svc::Providers])
        .outside(Svc::Vouchers, down.url())
        .start()
        .await;
    let admin = env.admin();
    let mut pc = env.p();
    let p = try_create(
        &mut pc,
        &admin,
        ppb::ProviderDetails {
            name: "Katkos ry".into(),
            business_id: business_id(3_000_001),
            legal_form: ppb::LegalForm::Association as i32,
            contact: Some(ppb::Contact {
                name: "Maija".into(),
                email: "maija@example.fi".into(),
                ..Default::default()
            }),
            iban: "FI21 1234 5600 0007 85".into(),
            bic: "NDEAFIHH".into(),
            ..Default::default()
        },
    )
    .await
    .expect("a draft needs no prices");
    let err = set_offering_with(&mut pc, &admin, offering(&p.id, 5000))
        .await
        .expect_err("no prices to check against");
    assert_eq!(err.code(), Code::Unavailable, "{err:?}");
}

#[tokio::test]
async fn a_dev_platform_starts_with_seeded_prices_only_when_the_list_is_empty() {
    let keys = seteli_platform::testing::TestKeys::new();
    let db = seteli_platform::testing::TestDatabase::fresh().await;
    let url = db.url.clone();
    // `db` owns the database for the whole test; each server gets a handle on it.
    let seeded = |prices: &'static str| {
        Env::builder()
            .services(&[Svc::Vouchers])
            .keys(keys.clone())
            .database(Svc::Vouchers, TestDatabase::shared(&url))
            .tweak(move |_, c| {
                c.vars
                    .insert("SETELI_SEED_CEILING_PRICES".into(), prices.into());
                c.vars
                    .insert("SETELI_EXPIRY_SWEEP_SECONDS".into(), "0".into());
            })
            .start()
    };
    let mut first = seeded("SK_GROUP@2026-01-01=35.00,KTT_INDIVIDUAL@2024-01-01=65.00").await;
    let admin = keys.token("county_admin", None);
    let in_force = async |env: &Env| {
        let admin = admin.clone();
        ceiling_price(
            env,
            &admin,
            pb::GetCeilingPriceRequest {
                service_type: ServiceType::SkGroup as i32,
                on: d(ymd(2026, 6, 1)),
            },
        )
        .await
        .expect("seeded price")
        .ceiling_price
        .and_then(|p| p.unit_price)
    };
    assert_eq!(in_force(&first).await, Some(Money { cents: 3500 }));
    first.take(Svc::Vouchers).stop().await.expect("stop");
    // Restarted with another seed: the list is not empty, nothing changes.
    let second = seeded("SK_GROUP@2026-01-01=99.00").await;
    assert_eq!(in_force(&second).await, Some(Money { cents: 3500 }));
    // A malformed seed stops the service with the key named.
    let mut bad = seeded("SK_GROUP=1").await;
    let err = bad.take(Svc::Vouchers).stop().await.expect_err("bad seed");
    assert!(
        err.to_string().contains("SETELI_SEED_CEILING_PRICES"),
        "{err}"
    );
}
