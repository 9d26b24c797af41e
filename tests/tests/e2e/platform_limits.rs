//! No cheap way to hurt a pod (issue 14): strings longer than their field allows are refused
//! before anything is stored; beyond its limit of calls at once a service sheds calls with
//! RESOURCE_EXHAUSTED (health still answers); a call that runs too long is cut off; a
//! connection gets a bounded number of streams.
//!
//! Calls are held in flight by another process's lock on the database: SQLite's write lock
//! (`BEGIN EXCLUSIVE`), PostgreSQL's `LOCK TABLE` on the idempotency table every change claims.

use std::time::{Duration, Instant};

use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::db::{Backend, Database};
use seteli_platform::testing::{bad_fields, wait_for_health, with_token};
use seteli_tests::fixtures::{
    Env, Svc, client_details, hetu, list_providers, rid, try_create, ymd,
};
use sqlx::Connection;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;

/// Another process holding the lock every change needs, until dropped (rolled back).
enum Lock {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

impl Lock {
    async fn take(url: &str) -> Lock {
        let backend = Database::connect(url, 1).await.expect("connect");
        let kind = backend.backend();
        backend.close().await;
        match kind {
            Backend::Sqlite => {
                let mut conn = sqlx::SqliteConnection::connect(url).await.expect("sqlite");
                sqlx::query("BEGIN EXCLUSIVE")
                    .execute(&mut conn)
                    .await
                    .expect("the write lock");
                Lock::Sqlite(conn)
            }
            Backend::Postgres => {
                let mut conn = sqlx::PgConnection::connect(url).await.expect("postgres");
                sqlx::query("BEGIN")
                    .execute(&mut conn)
                    .await
                    .expect("begin");
                sqlx::query("LOCK TABLE platform_idempotency IN ACCESS EXCLUSIVE MODE")
                    .execute(&mut conn)
                    .await
                    .expect("the table lock");
                Lock::Postgres(conn)
            }
        }
    }

    async fn release(self) {
        match self {
            Lock::Sqlite(mut c) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut c)
                    .await
                    .expect("release");
            }
            Lock::Postgres(mut c) => {
                sqlx::query("ROLLBACK")
                    .execute(&mut c)
                    .await
                    .expect("release");
            }
        }
    }
}

/// The voucher service alone, serving, its configuration set by `vars`.
async fn vouchers(vars: &[(&str, &str)]) -> Env {
    let env = alone(Svc::Vouchers, vars).await;
    wait_for_health(
        env.vouchers().channel(),
        "",
        ServingStatus::Serving,
        Duration::from_secs(30),
    )
    .await
    .expect("serving");
    env
}

/// `svc` alone, its configuration set by `vars`.
async fn alone(svc: Svc, vars: &[(&str, &str)]) -> Env {
    let set = |_: Svc, c: &mut seteli_platform::config::Config| {
        for (key, value) in vars {
            c.vars.insert((*key).into(), (*value).into());
        }
    };
    Env::builder().services(&[svc]).tweak(set).start().await
}

fn new_client(individual: u16) -> pb::CreateClientRequest {
    pb::CreateClientRequest {
        request_id: rid(),
        validate_only: false,
        details: Some(client_details(
            &hetu(ymd(1979, 8, 8), individual),
            "Kuopio",
            (62.89, 27.68),
        )),
    }
}

#[tokio::test]
async fn a_string_longer_than_its_field_allows_is_refused_naming_the_field() {
    let env = alone(Svc::Providers, &[]).await;
    let providers = env.providers();
    let token = providers.keys.token("county_admin", None);
    let mut client =
        seteli_api::providers::v1::providers_service_client::ProvidersServiceClient::new(
            providers.channel(),
        );
    let refused = try_create(
        &mut client,
        &token,
        ppb::ProviderDetails {
            name: "Valmennus ".repeat(390_000),
            ..Default::default()
        },
    )
    .await
    .expect_err("a 3.9 MB name");
    assert_eq!(refused.code(), Code::InvalidArgument, "{refused:?}");
    assert!(
        bad_fields(&refused).contains(&"details.name".to_owned()),
        "{:?}",
        bad_fields(&refused)
    );
    // A person's name is a short field too.
    let with_vouchers = vouchers(&[]).await;
    let server = with_vouchers.vouchers();
    let token = server.keys.token("social_worker", None);
    let mut request = new_client(31);
    if let Some(details) = request.details.as_mut() {
        details.name = "Matti ".repeat(300);
    }
    let refused = VouchersServiceClient::new(server.channel())
        .create_client(with_token(&token, request))
        .await
        .expect_err("a 1.8 KB name");
    assert!(bad_fields(&refused).contains(&"details.name".to_owned()));
    // And the list everyone reads still works.
    list_providers(
        &mut client,
        &providers.keys.token("county_admin", None),
        ppb::ListProvidersRequest::default(),
    )
    .await
    .expect("the list is not broken");
}

#[tokio::test]
async fn beyond_its_limit_of_calls_at_once_a_service_sheds_load_and_health_still_answers() {
    let env = vouchers(&[("SETELI_MAX_CONCURRENT_REQUESTS", "2")]).await;
    let server = env.vouchers();
    let token = server.keys.token("social_worker", None);
    let lock = Lock::take(&server.db.url).await;
    // Two writes wait on the lock, holding both permits.
    let mut held = Vec::new();
    for n in 0..2 {
        let mut client = VouchersServiceClient::new(server.channel());
        let token = token.clone();
        held.push(tokio::spawn(async move {
            client
                .create_client(with_token(&token, new_client(40 + n)))
                .await
        }));
    }
    // A third call is shed at once (an empty request: it would be answered without the database).
    let deadline = Instant::now() + Duration::from_secs(8);
    let shed = loop {
        let answer = VouchersServiceClient::new(server.channel())
            .create_client(with_token(&token, pb::CreateClientRequest::default()))
            .await
            .expect_err("an empty request is never OK");
        if answer.code() == Code::ResourceExhausted {
            break answer;
        }
        assert_eq!(answer.code(), Code::InvalidArgument, "{answer:?}");
        assert!(Instant::now() < deadline, "never shed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    };
    assert!(
        tonic_types::StatusExt::get_error_details(&shed)
            .retry_info()
            .is_some(),
        "a shed call says when to retry"
    );
    // Health is never shed: an overloaded pod is busy, not dead.
    wait_for_health(
        server.channel(),
        "",
        ServingStatus::Serving,
        Duration::from_secs(2),
    )
    .await
    .expect("health answers while shedding");
    lock.release().await;
    for call in held {
        let answer = call.await.expect("task");
        assert!(
            answer.is_ok()
                || matches!(
                    answer.as_ref().err().map(tonic::Status::code),
                    Some(Code::Unavailable)
                ),
            "{answer:?}"
        );
    }
    VouchersServiceClient::new(server.channel())
        .create_client(with_token(&token, new_client(49)))
        .await
        .expect("admitted again once calls finish");
}

#[tokio::test]
async fn a_call_running_longer_than_the_request_timeout_is_cut_off() {
    let env = vouchers(&[("SETELI_REQUEST_TIMEOUT_SECONDS", "1")]).await;
    let server = env.vouchers();
    let token = server.keys.token("social_worker", None);
    let lock = Lock::take(&server.db.url).await;
    let started = Instant::now();
    let cut = VouchersServiceClient::new(server.channel())
        .create_client(with_token(&token, new_client(51)))
        .await
        .expect_err("held by the lock past the timeout");
    let took = started.elapsed();
    assert_eq!(cut.code(), Code::Cancelled, "{cut:?}");
    assert!(
        took < Duration::from_secs(5),
        "cut off after {took:?}, not at the 1 s timeout"
    );
    lock.release().await;
}

#[tokio::test]
async fn a_connection_is_offered_a_bounded_number_of_streams() {
    let env = vouchers(&[("SETELI_MAX_STREAMS_PER_CONNECTION", "7")]).await;
    let server = env.vouchers();
    let tcp = tokio::net::TcpStream::connect(server.addr)
        .await
        .expect("connect");
    let (mut send, connection) = h2::client::handshake(tcp).await.expect("HTTP/2");
    let driver = tokio::spawn(async move {
        let _ = connection.await;
    });
    // The server's SETTINGS arrive with the first exchange; a request makes sure they have.
    let request = http::Request::builder()
        .method("POST")
        .uri(format!(
            "http://{}/grpc.health.v1.Health/Check",
            server.addr
        ))
        .header("content-type", "application/grpc")
        .header("te", "trailers")
        .body(())
        .expect("request");
    send = send.ready().await.expect("ready");
    let (response, mut body) = send.send_request(request, false).expect("send");
    body.send_data(bytes::Bytes::from_static(&[0, 0, 0, 0, 0]), true)
        .expect("message");
    let _ = response.await.expect("answer");
    assert_eq!(send.current_max_send_streams(), 7);
    driver.abort();
}

#[tokio::test]
async fn a_request_larger_than_the_message_limit_is_refused_before_it_is_read() {
    let env = alone(Svc::Providers, &[("SETELI_MAX_MESSAGE_BYTES", "2048")]).await;
    let providers = env.providers();
    let token = providers.keys.token("county_admin", None);
    let refused = seteli_api::providers::v1::providers_service_client::ProvidersServiceClient::new(
        providers.channel(),
    )
    .create_provider(with_token(
        &token,
        ppb::CreateProviderRequest {
            request_id: rid(),
            validate_only: false,
            details: Some(ppb::ProviderDetails {
                name: "n".repeat(900),
                contact: Some(ppb::Contact {
                    name: "c".repeat(900),
                    email: "e".repeat(900),
                    ..Default::default()
                }),
                ..Default::default()
            }),
        },
    ))
    .await
    .expect_err("2.7 KB over a 2 KB limit");
    assert_eq!(refused.code(), Code::OutOfRange, "{refused:?}");
}
