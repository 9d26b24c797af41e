//! What the server bootstrap adds around the registry: gRPC-Web with CORS, reflection,
//! metrics and a graceful drain.

mod common;

use common::*;
use prost::Message;
use seteli_api::providers::v1 as pb;
use seteli_platform::testing::{TestServer, wait_for_health};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic_health::pb::health_check_response::ServingStatus;

/// Sends one HTTP/1.1 request and returns the whole response (the server closes after it).
async fn http1(addr: std::net::SocketAddr, head: &str, body: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut out = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), stream.read_to_end(&mut out))
        .await
        .expect("response in time")
        .expect("read");
    out
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    let haystack = String::from_utf8_lossy(haystack).to_ascii_lowercase();
    haystack.contains(&needle.to_ascii_lowercase())
}

async fn start_with_origin() -> TestServer {
    TestServer::start::<Providers>(|c| {
        c.vars
            .insert("SETELI_CEILING_PRICES".into(), CEILING_PRICES.into());
        c.cors_allowed_origins = vec!["http://portal.example".into()];
    })
    .await
}

#[tokio::test]
async fn a_browser_calls_over_grpc_web_from_an_allowed_origin() {
    let server = start_with_origin().await;
    let a = actors(&server);
    let message = pb::ListProvidersRequest::default().encode_to_vec();
    let mut frame = vec![0u8];
    frame.extend_from_slice(&u32::try_from(message.len()).expect("len").to_be_bytes());
    frame.extend_from_slice(&message);
    let head = format!(
        "POST /seteli.providers.v1.ProvidersService/ListProviders HTTP/1.1\r\n\
         Host: {}\r\nContent-Type: application/grpc-web+proto\r\nX-Grpc-Web: 1\r\n\
         Origin: http://portal.example\r\nAuthorization: Bearer {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        server.addr,
        a.social_worker,
        frame.len()
    );
    let response = http1(server.addr, &head, &frame).await;
    assert!(
        contains(&response, "HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&response)
    );
    assert!(contains(&response, "content-type: application/grpc-web"));
    assert!(contains(
        &response,
        "access-control-allow-origin: http://portal.example"
    ));
    assert!(
        contains(&response, "grpc-status:0"),
        "{}",
        String::from_utf8_lossy(&response)
    );

    // A preflight from an unknown origin gets no CORS grant.
    let preflight = |origin: &str| {
        format!(
            "OPTIONS /seteli.providers.v1.ProvidersService/ListProviders HTTP/1.1\r\n\
             Host: x\r\nOrigin: {origin}\r\nAccess-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type,authorization,x-grpc-web\r\n\
             Connection: close\r\n\r\n"
        )
    };
    let allowed = http1(server.addr, &preflight("http://portal.example"), b"").await;
    assert!(contains(
        &allowed,
        "access-control-allow-origin: http://portal.example"
    ));
    let refused = http1(server.addr, &preflight("http://evil.example"), b"").await;
    assert!(!contains(&refused, "access-control-allow-origin"));
}

#[tokio::test]
async fn reflection_lists_the_services() {
    use tonic_reflection::pb::v1::ServerReflectionRequest;
    use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
    use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
    use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;
    let server = start().await;
    let mut client = ServerReflectionClient::new(server.channel());
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut stream = client
        .server_reflection_info(tokio_stream::iter(vec![request]))
        .await
        .expect("reflection")
        .into_inner();
    let response = stream
        .message()
        .await
        .expect("message")
        .expect("one response");
    let Some(MessageResponse::ListServicesResponse(list)) = response.message_response else {
        panic!("unexpected reflection answer");
    };
    let names: Vec<String> = list.service.into_iter().map(|s| s.name).collect();
    for expected in [
        "seteli.providers.v1.ProvidersService",
        "seteli.audit.v1.AuditService",
        "grpc.health.v1.Health",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not in {names:?}"
        );
    }
}

#[tokio::test]
async fn metrics_count_calls_by_method_and_code() {
    // The test server's metrics listener is bound on port 0 before it starts.
    let server = TestServer::start::<Providers>(|_| {}).await;
    let a = actors(&server);
    let mut c = client(&server);
    c.get_provider(seteli_platform::testing::with_token(
        &a.admin,
        pb::GetProviderRequest {
            provider_id: "no-such-provider".into(),
        },
    ))
    .await
    .expect_err("not found");
    let metrics = http1(
        server.metrics_addr,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"",
    )
    .await;
    let text = String::from_utf8_lossy(&metrics);
    assert!(text.contains("grpc_server_requests_total"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.starts_with("grpc_server_requests_total")
                && l.contains("method=\"GetProvider\"")
                && l.contains("code=\"NOT_FOUND\"")),
        "{text}"
    );
    assert!(text.contains("grpc_server_request_duration_seconds_bucket"));
}

#[tokio::test]
async fn a_drain_reports_not_serving_before_the_server_stops() {
    let mut server = TestServer::start::<Providers>(|c| c.drain = Duration::from_millis(500)).await;
    let wait = Duration::from_secs(20);
    wait_for_health(server.channel(), "", ServingStatus::Serving, wait)
        .await
        .expect("serving");
    // Watch health on an open connection, then ask the server to stop.
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut health = HealthClient::new(server.channel());
    let mut stream = health
        .watch(HealthCheckRequest {
            service: "seteli.providers.v1.ProvidersService".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let first = stream.message().await.expect("first").expect("status");
    assert_eq!(first.status, ServingStatus::Serving as i32);
    server.begin_shutdown();
    let next = tokio::time::timeout(wait, stream.message())
        .await
        .expect("a status change in time")
        .expect("stream open during the drain")
        .expect("status");
    assert_eq!(next.status, ServingStatus::NotServing as i32);
    server
        .stop()
        .await
        .expect("stopped cleanly after the drain");
}
