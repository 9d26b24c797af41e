//! The platform under the registry: input errors, idempotency, health, migrations, audit.

use seteli_api::audit::v1::ListAuditEntriesRequest;
use seteli_api::audit::v1::audit_service_client::AuditServiceClient;
use seteli_api::providers::v1 as pb;
use seteli_platform::testing::{TestDatabase, wait_for_health, with_token};
use seteli_tests::fixtures::*;
use std::time::Duration;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

#[tokio::test]
async fn malformed_input_names_every_bad_field() {
    let (_env, a, mut c) = registry_desk().await;
    let mut d = details("", "1234567-2", pb::LegalForm::Unspecified);
    d.iban = "FI21 1234 5600 0007 86".into();
    d.bic = "??".into();
    d.contact = None;
    let err = try_create(&mut c, &a.admin, d)
        .await
        .expect_err("malformed");
    assert_includes(
        &bad_fields(&err),
        &[
            "details.name",
            "details.business_id",
            "details.legal_form",
            "details.contact.name",
            "details.contact.email",
            "details.iban",
            "details.bic",
        ],
    );
    // A missing request id, an unknown service and an impossible date are named too.
    let err = c
        .create_provider(with_token(
            &a.admin,
            pb::CreateProviderRequest {
                request_id: String::new(),
                validate_only: false,
                details: Some(details("A ry", "1234560-4", pb::LegalForm::Association)),
            },
        ))
        .await
        .expect_err("no request id");
    assert_eq!(bad_fields(&err), vec!["request_id".to_owned()]);
    let p = association(&mut c, &a.admin, "A ry", "1234560-4").await;
    let err = c
        .add_document(with_token(
            &a.admin,
            pb::AddDocumentRequest {
                request_id: rid(),
                validate_only: false,
                provider_id: p.id.clone(),
                document: Some(pb::Document {
                    kind: pb::DocumentKind::TaxCertificate as i32,
                    issued_on: date(2026, 2, 30),
                    file_reference: "x.pdf".into(),
                    ..Default::default()
                }),
            },
        ))
        .await
        .expect_err("30 February");
    assert_eq!(bad_fields(&err), vec!["document.issued_on".to_owned()]);
    let err = set_offering(
        &mut c,
        &a.admin,
        &p.id,
        seteli_api::common::v1::ServiceType::Unspecified,
        100,
        0,
    )
    .await
    .expect_err("no service");
    assert_eq!(bad_fields(&err), vec!["offering.service_type".to_owned()]);
    // A duplicate business id is ALREADY_EXISTS, not INTERNAL.
    refused_with(
        try_create(
            &mut c,
            &a.admin,
            details("A again", "1234560-4", pb::LegalForm::Association),
        )
        .await,
        Code::AlreadyExists,
        "duplicate",
    );
}

#[tokio::test]
async fn the_same_request_id_sent_twice_at_once_creates_one_provider() {
    let env = registry().await;
    let a = actors(&env);
    let request = pb::CreateProviderRequest {
        request_id: rid(),
        validate_only: false,
        details: Some(details(
            "Kaksoset ry",
            "1234560-4",
            pb::LegalForm::Association,
        )),
    };
    let calls = (0..4).map(|_| {
        let mut c = env.p();
        let r = with_token(&a.admin, request.clone());
        async move { c.create_provider(r).await }
    });
    let results = futures::future::join_all(calls).await;
    let ids: Vec<String> = results
        .into_iter()
        .map(|r| {
            r.expect("every retry answers")
                .into_inner()
                .provider
                .expect("p")
                .id
        })
        .collect();
    assert!(ids.windows(2).all(|w| w[0] == w[1]), "{ids:?}");
    let mut c = env.p();
    let all = list_providers(&mut c, &a.admin, every_provider())
        .await
        .expect("list")
        .providers;
    assert_eq!(all.len(), 1);
    // The same id with a different request is refused.
    let mut other = request.clone();
    other.details = Some(details(
        "Toinen ry",
        "1234561-2",
        pb::LegalForm::Association,
    ));
    let err = c
        .create_provider(with_token(&a.admin, other))
        .await
        .expect_err("reused id");
    assert_eq!(bad_fields(&err), vec!["request_id".to_owned()]);
}

#[tokio::test]
async fn three_replicas_migrate_one_fresh_database_at_once() {
    let db = TestDatabase::fresh().await;
    let url = db.url.clone();
    let start = |db: TestDatabase| {
        let registry = Env::builder().services(&[Svc::Providers]);
        registry
            .prices(Prices::Every)
            .database(Svc::Providers, db)
            .start()
    };
    // Three servers on the same database, started together.
    let (s1, s2, s3) = tokio::join!(
        start(db),
        start(TestDatabase::shared(&url)),
        start(TestDatabase::shared(&url))
    );
    for s in [&s1, &s2, &s3] {
        wait_for_health(
            s.providers().channel(),
            "",
            ServingStatus::Serving,
            Duration::from_secs(30),
        )
        .await
        .expect("every replica serves");
    }
    // All three work against the one schema.
    let a = actors(&s2);
    let mut c = s2.p();
    association(&mut c, &a.admin, "Replica ry", "1234560-4").await;
    let a3 = actors(&s3);
    refused_with(
        try_create(
            &mut s3.p(),
            &a3.admin,
            details("Replica ry", "1234560-4", pb::LegalForm::Association),
        )
        .await,
        Code::AlreadyExists,
        "the same table",
    );
    for mut s in [s1, s2, s3] {
        s.take(Svc::Providers).stop().await.expect("stop");
    }
}

#[tokio::test]
async fn staff_data_access_is_audited() {
    let (env, a, mut c) = registry_desk().await;
    let p = complete_provider(&mut c, &a.admin, "Audit ry", "1234560-4", KUOPIO).await;
    read_provider(&mut c, &a.social_worker, &p.id)
        .await
        .expect("read");
    let entries = AuditServiceClient::new(env.providers().channel())
        .list_audit_entries(with_token(&a.auditor, ListAuditEntriesRequest::default()))
        .await
        .expect("audit")
        .into_inner()
        .entries;
    let read = entries
        .iter()
        .find(|e| e.action == "GetProvider")
        .expect("the read is audited");
    assert_eq!(read.subject_id, p.id);
    assert_eq!(
        read.actor.as_ref().map(|a| a.role.as_str()),
        Some("social_worker")
    );
    assert!(!read.request_id.is_empty());
    let writes = entries
        .iter()
        .filter(|e| e.action == "AddStaffMember")
        .count();
    assert_eq!(writes, 2, "both staff additions are audited");
}

#[tokio::test]
async fn a_retried_edit_is_answered_from_the_store_and_changes_nothing_again() {
    let (_env, a, mut c) = registry_desk().await;
    let p = association(&mut c, &a.admin, "Uusinta ry", "1234560-4").await;
    let request = pb::AddSiteRequest {
        request_id: rid(),
        validate_only: false,
        provider_id: p.id.clone(),
        site: Some(pb::Site {
            kind: pb::SiteKind::Site as i32,
            name: "Kuopio site".into(),
            street_address: "Katu 1".into(),
            postal_code: "70100".into(),
            municipality: "Kuopio".into(),
            coordinates: point(KUOPIO),
            ..Default::default()
        }),
    };
    let first = c
        .add_site(with_token(&a.admin, request.clone()))
        .await
        .expect("first")
        .into_inner();
    let again = c
        .add_site(with_token(&a.admin, request))
        .await
        .expect("retry")
        .into_inner();
    assert_eq!(first, again);
    let now = read_provider(&mut c, &a.admin, &p.id).await.expect("get");
    assert_eq!(now.sites.len(), 1);
    assert_eq!(Some(now.version), first.provider.map(|p| p.version));
}
