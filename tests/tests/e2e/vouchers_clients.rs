//! Clients: the identity code checked and masked, every read and write audited, idempotent
//! creation, bad input and roles.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

#[tokio::test]
async fn clients_are_masked_in_lists_and_every_access_is_audited() {
    let env = start_vouchers(Prices::Unset).await;
    let mut c = env.v();
    let sw = env.social_worker();
    let code = hetu(ymd(1985, 3, 14), 401);
    let created = create_client(&env, client_details(&code, "Siilinjärvi", SIILINJARVI)).await;
    // The answer does not echo the full code the caller just sent (least data), and the mask
    // gives away no birth date: only the century sign and the check character.
    assert!(created.identity_code.is_empty());
    assert_eq!(
        created.identity_code_masked,
        format!(
            "******-***{}",
            code.chars().last().expect("check character")
        )
    );

    let got = read_client(&env, &sw, &created.id).await.expect("get");
    // The county's staff read the full code.
    assert_eq!(got.identity_code, code);
    assert_eq!(
        pb::Client {
            identity_code: String::new(),
            ..got.clone()
        },
        created
    );

    let mut details = client_details(&code, "Kuopio", KUOPIO);
    details.name = "Matti Uusinimi".into();
    let updated = c
        .update_client(with_token(
            &sw,
            pb::UpdateClientRequest {
                request_id: rid(),
                validate_only: false,
                client_id: created.id.clone(),
                details: Some(details),
            },
        ))
        .await
        .expect("update")
        .into_inner()
        .client
        .expect("client");
    assert_eq!(updated.name, "Matti Uusinimi");
    assert!(updated.identity_code.is_empty(), "no echo of the full code");
    assert_eq!(updated.version, created.version + 1);

    // Lists show the masked code only; a search by the full code finds the client.
    client_at(&env, 402, KUOPIO).await;
    let listed = list_clients(&env, &sw, pb::ListClientsRequest::default())
        .await
        .expect("list")
        .clients;
    assert_eq!(listed.len(), 2);
    assert!(listed.iter().all(|x| x.identity_code.is_empty()));
    assert!(
        listed
            .iter()
            .all(|x| x.identity_code_masked.starts_with("******-***"))
    );
    let found = list_clients(
        &env,
        &sw,
        pb::ListClientsRequest {
            identity_code: code.to_lowercase(),
            ..Default::default()
        },
    )
    .await
    .expect("search")
    .clients;
    assert_eq!(ids_of(&found), [created.id.as_str()]);
    // Paging, one at a time.
    let first = list_clients(
        &env,
        &sw,
        pb::ListClientsRequest {
            page_size: 1,
            ..Default::default()
        },
    )
    .await
    .expect("page 1");
    assert_eq!(first.clients.len(), 1);
    let second = list_clients(
        &env,
        &sw,
        pb::ListClientsRequest {
            page_size: 1,
            page_token: first.next_page_token.clone(),
            ..Default::default()
        },
    )
    .await
    .expect("page 2");
    assert_eq!(second.clients.len(), 1);
    assert_ne!(first.clients[0].id, second.clients[0].id);

    let entries = audit_actions(&env, &created.id).await;
    for action in ["CreateClient", "GetClient", "UpdateClient", "ListClients"] {
        assert!(
            entries.iter().any(|(a, _)| a == action),
            "{action} missing in {entries:?}"
        );
    }
    // Only auditors read the audit log.
    refused_with(
        seteli_api::audit::v1::audit_service_client::AuditServiceClient::new(
            env.vouchers().channel(),
        )
        .list_audit_entries(with_token(&sw, Default::default()))
        .await,
        Code::PermissionDenied,
        "social worker",
    );
}

#[tokio::test]
async fn a_client_is_registered_once() {
    let env = start_vouchers(Prices::Unset).await;
    let mut c = env.v();
    let req = create_client_request(client_details(
        &hetu(ymd(1990, 1, 1), 410),
        "Kuopio",
        KUOPIO,
    ));
    let first = c
        .create_client(with_token(&env.social_worker(), req.clone()))
        .await
        .expect("create")
        .into_inner();
    let retry = c
        .create_client(with_token(&env.social_worker(), req.clone()))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(first, retry);
    let err = refused_with(
        c.create_client(with_token(
            &env.social_worker(),
            pb::CreateClientRequest {
                request_id: rid(),
                validate_only: false,
                details: req.details,
            },
        ))
        .await,
        Code::AlreadyExists,
        "duplicate",
    );
    assert!(!err.message().contains("010190"), "{}", err.message());
}

#[tokio::test]
async fn bad_client_input_names_every_field_and_roles_are_enforced() {
    let env = start_vouchers(Prices::Unset).await;
    let mut c = env.v();
    let err = create_client_as(
        &env,
        &env.social_worker(),
        pb::ClientDetails {
            identity_code: "010190-123X".into(),
            name: " ".into(),
            home_municipality: String::new(),
            home_coordinates: point((95.0, 27.0)),
            contact: Some(pb::ClientContact {
                email: "not-an-address".into(),
                ..Default::default()
            }),
        },
    )
    .await
    .expect_err("invalid");
    let mut fields = bad_fields(&err);
    fields.sort();
    assert_eq!(
        fields,
        vec![
            "details.contact.email",
            "details.home_coordinates",
            "details.home_municipality",
            "details.identity_code",
            "details.name",
        ]
    );
    // A provider's user does not register clients, nor read one it has no voucher for.
    let provider_user = env.provider_user("some-provider");
    refused_with(
        create_client_as(
            &env,
            &provider_user,
            client_details(&hetu(ymd(1990, 1, 1), 420), "Kuopio", KUOPIO),
        )
        .await,
        Code::PermissionDenied,
        "provider user",
    );
    let client = client_at(&env, 421, KUOPIO).await;
    refused_with(
        read_client(&env, &provider_user, &client.id).await,
        Code::NotFound,
        "no voucher with them",
    );
    refused_with(
        read_client(&env, &env.social_worker(), "missing").await,
        Code::NotFound,
        "missing",
    );
    refused_with(
        c.get_client(tonic::Request::new(of_client(&client.id)))
            .await,
        Code::Unauthenticated,
        "no token",
    );
}
