//! Paging clients and providers by name (issue 30): the page token is opaque and carries no personal data —
//! no name, no identity code — while paging still returns every client exactly once, in name
//! order, and a token from another list or an old name cursor is refused, not misread.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use seteli_api::vouchers::v1 as pb;
use seteli_tests::fixtures::*;

/// Surnames that sort apart and two that sort together (same name, told apart by id).
const NAMES: [&str; 7] = [
    "Virtanen Aino",
    "Korhonen Eero",
    "Mäkinen Liisa",
    "Nieminen Onni",
    "Hämäläinen Sanni",
    "Laine Veikko",
    "Laine Veikko",
];

#[tokio::test]
async fn client_page_tokens_carry_no_names_and_paging_returns_everyone_once_in_order() {
    let env = start_vouchers(Prices::Unset).await;
    let mut codes = Vec::new();
    for (n, name) in (500_u16..).zip(NAMES) {
        let code = hetu(ymd(1985, 3, 14), n);
        let mut details = client_details(&code, "Kuopio", KUOPIO);
        details.name = name.into();
        create_client(&env, details).await;
        codes.push(code);
    }
    let admin = env.admin();

    let mut seen: Vec<pb::Client> = Vec::new();
    let mut token = String::new();
    let mut pages = 0;
    loop {
        let page = list_clients(
            &env,
            &admin,
            pb::ListClientsRequest {
                page_size: 2,
                page_token: token.clone(),
                ..Default::default()
            },
        )
        .await
        .expect("a page");
        pages += 1;
        assert!(page.clients.len() <= 2);
        seen.extend(page.clients);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
        // The token, decoded as anyone holding it can: no name, no identity code.
        let bytes = URL_SAFE_NO_PAD.decode(&token).expect("base64url");
        let text = String::from_utf8_lossy(&bytes);
        for name in NAMES {
            for part in name.split(' ') {
                assert!(!text.contains(part), "{part:?} in the page token {text:?}");
            }
        }
        for code in &codes {
            assert!(
                !text.contains(code.as_str()),
                "an identity code in {text:?}"
            );
        }
    }
    assert_eq!(pages, 4, "seven clients, two a page");

    // Every client once, by name then id.
    let mut expected: Vec<&str> = NAMES.to_vec();
    expected.sort_unstable();
    let names: Vec<&str> = seen.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, expected);
    let mut ids: Vec<&str> = seen.iter().map(|c| c.id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), NAMES.len(), "no client twice");
    let twins: Vec<&pb::Client> = seen.iter().filter(|c| c.name == "Laine Veikko").collect();
    assert!(twins[0].id < twins[1].id, "same name: by id");

    // A cursor of the old kind (a name in it) or of no list is refused on `page_token`.
    let old = URL_SAFE_NO_PAD.encode(r#"c1:["Korhonen Eero","x"]"#);
    for bad in [old.as_str(), "not a token"] {
        let err = list_clients(
            &env,
            &admin,
            pb::ListClientsRequest {
                page_size: 2,
                page_token: bad.into(),
                ..Default::default()
            },
        )
        .await
        .expect_err("refused");
        assert_eq!(bad_fields(&err), vec!["page_token"]);
    }
}

#[tokio::test]
async fn provider_page_tokens_carry_no_names_and_paging_returns_everyone_once() {
    let (env, a, mut c) = registry_desk().await;
    // A sole trader's business name can be a person's name.
    let names = ["Toiminimi Aino Virtanen", "Kuntoutus ry", "Työpaja Oy"];
    for (seed, name) in (1_030_010..).zip(names) {
        association(&mut c, &a.admin, name, &business_id(seed)).await;
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_providers(seteli_platform::testing::with_token(
                &env.admin(),
                providers_page(1, &token),
            ))
            .await
            .expect("a page")
            .into_inner();
        seen.extend(page.providers.iter().map(|p| p.id.clone()));
        if page.next_page_token.is_empty() {
            break;
        }
        let decoded = URL_SAFE_NO_PAD
            .decode(&page.next_page_token)
            .expect("base64url");
        let text = String::from_utf8_lossy(&decoded);
        assert!(
            names
                .iter()
                .all(|n| !text.contains(n) && !text.contains("Virtanen")),
            "{text}"
        );
        token = page.next_page_token;
    }
    let mut once = seen.clone();
    once.sort();
    once.dedup();
    assert_eq!((seen.len(), once.len()), (names.len(), names.len()));
}
