//! ListProviders loads a page's children (sites, offerings, Soteri classes) in one statement per
//! child table for the whole page, not one per provider (issue 15, N+1): the statements the
//! registry runs for a page of 3 and for a page of 30 are counted from sqlx's own statement log
//! ([`StatementLog`], installed before the server starts), those of the ListProviders calls. The
//! page answers what each provider's last change answered (a list carries no staff or
//! documents), and GetProvider, which shares the loading, still answers every child.

use futures::StreamExt;
use seteli_api::common::v1::ServiceType;
use seteli_api::providers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use seteli_tests::statements::StatementLog;

/// Provider `i`: 1–3 sites, one or two offerings, two Soteri classes, one staff member and one
/// document; answers its last change (every child, as the county sees it).
async fn provider(
    mut c: pb::providers_service_client::ProvidersServiceClient<tonic::transport::Channel>,
    admin: String,
    i: u32,
) -> pb::Provider {
    let p = create(
        &mut c,
        &admin,
        details(
            &format!("Palvelu {i:03}"),
            &business_id(4_100_000 + i * 50),
            pb::LegalForm::Association,
        ),
    )
    .await;
    for (n, town) in ["Kuopio", "Siilinjärvi", "Iisalmi"]
        .into_iter()
        .take(1 + (i % 3) as usize)
        .enumerate()
    {
        let at = (62.9 + f64::from(i) / 100.0, 27.6 + n as f64 / 10.0);
        add_site(&mut c, &admin, &p.id, pb::SiteKind::Site, at, town).await;
    }
    set_offering(
        &mut c,
        &admin,
        &p.id,
        ServiceType::KttIndividual,
        5000 + i64::from(i),
        0,
    )
    .await
    .expect("KTT offering");
    if i % 2 == 1 {
        set_offering(&mut c, &admin, &p.id, ServiceType::SkGroup, 3000, 8)
            .await
            .expect("SK offering");
    }
    add_staff(
        &mut c,
        &admin,
        &p.id,
        &format!("Ohjaaja {i}"),
        pb::Qualification::Sosionomi,
        "JS-123456",
    )
    .await;
    add_document(
        &mut c,
        &admin,
        &p.id,
        pb::DocumentKind::LiabilityInsurance,
        date(2026, 1, 15),
        date(2099, 12, 31),
    )
    .await;
    c.set_soteri_classes(with_token(
        &admin,
        pb::SetSoteriClassesRequest {
            request_id: rid(),
            validate_only: false,
            provider_id: p.id.clone(),
            soteri_classes: vec![2903, 1000 + i as i32],
        },
    ))
    .await
    .expect("soteri")
    .into_inner()
    .provider
    .expect("provider")
}

async fn list(
    c: &mut pb::providers_service_client::ProvidersServiceClient<tonic::transport::Channel>,
    admin: &str,
    page_size: i32,
) -> Vec<pb::Provider> {
    let page = list_providers(c, admin, providers_page(page_size, "")).await;
    page.expect("list").providers
}

#[tokio::test]
async fn a_page_costs_the_same_statements_however_many_providers_it_holds() {
    let statements = StatementLog::install();

    let env = registry().await;
    let a = actors(&env);
    let c = env.p();
    const PROVIDERS: u32 = 30;
    let mut created: Vec<pb::Provider> = futures::stream::iter(0..PROVIDERS)
        .map(|i| provider(c.clone(), a.admin.clone(), i))
        .buffer_unordered(6)
        .collect()
        .await;
    created.sort_by(|x, y| {
        x.details
            .as_ref()
            .map(|d| &d.name)
            .cmp(&y.details.as_ref().map(|d| &d.name))
    });
    let mut c = c;

    statements.take();
    let small = list(&mut c, &a.admin, 3).await;
    let small_statements = statements.take_of("ListProviders");
    let all = list(&mut c, &a.admin, 100).await;
    let all_statements = statements.take_of("ListProviders");

    assert_eq!(small.len(), 3);
    assert_eq!(all.len(), PROVIDERS as usize);
    assert_eq!(
        small_statements.len(),
        all_statements.len(),
        "a page of 3 ran {small_statements:#?}, a page of {PROVIDERS} ran {all_statements:#?}"
    );
    // The capture works: the children's statements are there.
    for log in [&small_statements, &all_statements] {
        assert!(
            log.iter().any(|sql| sql.contains("provider_sites")),
            "{log:#?}"
        );
    }
    // The page itself and one statement per child table (sites, offerings, Soteri classes).
    assert!(all_statements.len() <= 4, "{all_statements:#?}");

    // The page answers each provider as its last change did, without staff or documents.
    for (listed, changed) in all.iter().zip(&created) {
        let mut expected = changed.clone();
        assert!(!expected.staff.is_empty() && !expected.documents.is_empty());
        expected.staff.clear();
        expected.documents.clear();
        assert_eq!(listed, &expected);
    }
    assert_eq!(small[..], all[..3]);

    // GetProvider shares the loading: every child, as the last change answered.
    for changed in &created {
        let got = read_provider(&mut c, &a.admin, &changed.id)
            .await
            .expect("get");
        assert_eq!(&got, changed);
    }
}
