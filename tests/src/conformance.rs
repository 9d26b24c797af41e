//! What every Seteli service must do, checked the same way for each. A service's conformance
//! tests are one line per check in `tests/tests/e2e/conformance.rs`.
//!
//! The RPCs come from the compiled descriptor set ([`seteli_platform::testing::rpcs_of`]): an RPC
//! added to a `.proto` is called here without anyone editing a list.

use std::net::SocketAddr;
use std::time::Duration;

use seteli_platform::testing::{Rpc, TestServer, call_raw, call_raw_as, rpcs_of, wait_for_health};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_types::StatusExt;

use crate::kit::{Env, Svc};

const WAIT: Duration = Duration::from_secs(20);

/// The roles of the design, each with a provider for `provider_user` (a `client` carries an
/// identity code no client in the register has: [`Env::token`]).
pub const ROLES: [(&str, Option<&str>); 6] = [
    ("county_admin", None),
    ("social_worker", None),
    ("provider_user", Some("p-unknown")),
    ("finance_system", None),
    ("auditor", None),
    ("client", None),
];

/// The service's RPCs from the descriptor set (never empty).
pub fn rpcs(svc: Svc) -> Vec<Rpc> {
    let rpcs = rpcs_of(svc.package());
    assert!(
        !rpcs.is_empty(),
        "no RPCs of {} in the descriptor set",
        svc.package()
    );
    rpcs
}

/// The packages of the public services `svc` also serves, answered without a token
/// (`Built::public_grpc`): the registry serves the public comparison of providers.
pub fn public_packages(svc: Svc) -> &'static [&'static str] {
    match svc {
        Svc::Providers => &["seteli.catalogue.v1"],
        Svc::Vouchers | Svc::Attendance | Svc::Billing | Svc::Reporting => &[],
    }
}

/// The RPCs of the public services it serves without a token ([`public_packages`]).
pub fn public_rpcs(svc: Svc) -> Vec<Rpc> {
    public_packages(svc)
        .iter()
        .flat_map(|package| {
            let rpcs = rpcs_of(package);
            assert!(
                !rpcs.is_empty(),
                "no RPCs of {package} in the descriptor set"
            );
            rpcs
        })
        .collect()
}

/// Every RPC of a public service ([`public_packages`]) answers without a token, and a
/// token — garbage, another key's, expired or valid — changes nothing: an empty request is
/// INVALID_ARGUMENT (it names no place), never UNAUTHENTICATED or PERMISSION_DENIED, and the
/// error carries the call's request id.
pub async fn public_rpcs_answer_without_a_token(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    let stranger = seteli_platform::testing::TestKeys::new();
    for rpc in public_rpcs(svc) {
        for (what, token) in [
            ("no token", String::new()),
            ("garbage", "not.a.jwt".to_owned()),
            ("another key", stranger.token("county_admin", None)),
            ("a valid token", env.admin()),
        ] {
            let id = format!("public-{}", rpc.method);
            let status = call_raw_as(server.channel(), &rpc, &token, &id, Vec::new()).await;
            assert_eq!(
                status.code(),
                Code::InvalidArgument,
                "{} with {what}: {status:?}",
                rpc.path()
            );
            let info = status.get_error_details().request_info().cloned();
            assert_eq!(info.map(|i| i.request_id), Some(id), "{}", rpc.path());
        }
    }
}

/// Every RPC answers UNAUTHENTICATED to no token, a malformed token, a token signed by another
/// key, and an expired token.
pub async fn every_rpc_refuses_a_missing_or_bad_token(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    let stranger = seteli_platform::testing::TestKeys::new();
    let expired = env
        .keys
        .key
        .token(
            seteli_platform::testing::ISSUER,
            seteli_platform::testing::AUDIENCE,
            "late",
            "county_admin",
            None,
            -120,
        )
        .expect("sign");
    for rpc in rpcs(svc) {
        for (what, token) in [
            ("no token", String::new()),
            ("garbage", "not.a.jwt".to_owned()),
            ("another key", stranger.token("county_admin", None)),
            ("expired", expired.clone()),
        ] {
            let status = call_raw(server.channel(), &rpc, &token, Vec::new()).await;
            assert_eq!(
                status.code(),
                Code::Unauthenticated,
                "{} with {what}: {status:?}",
                rpc.path()
            );
        }
    }
}

/// Every RPC, sent an empty request by every role, answers a user error (or succeeds) — never
/// INTERNAL, UNKNOWN or UNIMPLEMENTED.
pub async fn every_rpc_answers_an_empty_request_from_every_role(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    for rpc in rpcs(svc) {
        for (role, provider) in ROLES {
            let token = env.token(role, provider);
            let status = call_raw(server.channel(), &rpc, &token, Vec::new()).await;
            assert!(
                matches!(
                    status.code(),
                    Code::Ok
                        | Code::InvalidArgument
                        | Code::NotFound
                        | Code::PermissionDenied
                        | Code::FailedPrecondition
                        | Code::Unavailable
                ),
                "{} as {role}: {status:?}",
                rpc.path()
            );
        }
    }
}

/// Every error names the call's request id (`RequestInfo`), whether the token or the request
/// was refused, so a caller can quote it and the log line be found.
pub async fn every_error_carries_the_request_id(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    for rpc in rpcs(svc) {
        for token in [String::new(), env.token("county_admin", None)] {
            let id = format!("conf-{}", rpc.method);
            let status = call_raw_as(server.channel(), &rpc, &token, &id, Vec::new()).await;
            if status.code() == Code::Ok {
                continue;
            }
            let info = status.get_error_details().request_info().cloned();
            assert_eq!(
                info.map(|i| i.request_id),
                Some(id),
                "{}: {status:?}",
                rpc.path()
            );
        }
    }
}

/// Health is SERVING, turns NOT_SERVING while the database is away (liveness stays SERVING),
/// and SERVING again when it is back.
pub async fn health_follows_the_database(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    let names: Vec<String> = rpcs(svc).into_iter().map(|r| r.service).collect();
    let service = names.first().cloned().unwrap_or_default();
    wait_for_health(server.channel(), &service, ServingStatus::Serving, WAIT)
        .await
        .expect("serving at start");
    server.db.take_away().await;
    wait_for_health(server.channel(), &service, ServingStatus::NotServing, WAIT)
        .await
        .expect("not serving without a database");
    wait_for_health(server.channel(), "", ServingStatus::NotServing, WAIT)
        .await
        .expect("overall not serving");
    wait_for_health(
        server.channel(),
        seteli_platform::server::LIVENESS,
        ServingStatus::Serving,
        WAIT,
    )
    .await
    .expect("liveness does not follow the database");
    server.db.bring_back().await;
    wait_for_health(server.channel(), &service, ServingStatus::Serving, WAIT)
        .await
        .expect("serving again");
}

/// On shutdown, an open health watch sees NOT_SERVING during the drain, then the server stops.
pub async fn a_drain_reports_not_serving_before_the_server_stops(svc: Svc) {
    let mut env = Env::builder()
        .services(&[svc])
        .tweak(|_, c| c.drain = Duration::from_millis(500))
        .start()
        .await;
    let mut server = env.take(svc);
    let service = rpcs(svc)[0].service.clone();
    wait_for_health(server.channel(), "", ServingStatus::Serving, WAIT)
        .await
        .expect("serving");
    use tonic_health::pb::HealthCheckRequest;
    use tonic_health::pb::health_client::HealthClient;
    let mut health = HealthClient::new(server.channel());
    let mut stream = health
        .watch(HealthCheckRequest { service })
        .await
        .expect("watch")
        .into_inner();
    let first = stream.message().await.expect("first").expect("status");
    assert_eq!(first.status, ServingStatus::Serving as i32);
    server.begin_shutdown();
    let next = tokio::time::timeout(WAIT, stream.message())
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

/// The services `server` lists over server reflection `$version` (`v1` or `v1alpha`: the same
/// messages in two packages).
macro_rules! listed_services {
    ($version:ident, $server:expr) => {{
        use tonic_reflection::pb::$version::ServerReflectionRequest;
        use tonic_reflection::pb::$version::ServerReflectionResponse;
        use tonic_reflection::pb::$version::server_reflection_client::ServerReflectionClient;
        use tonic_reflection::pb::$version::server_reflection_request::MessageRequest;
        use tonic_reflection::pb::$version::server_reflection_response::MessageResponse;
        let version = stringify!($version);
        let request = ServerReflectionRequest {
            host: String::new(),
            message_request: Some(MessageRequest::ListServices(String::new())),
        };
        let mut stream = ServerReflectionClient::new($server.channel())
            .server_reflection_info(tokio_stream::iter(vec![request]))
            .await
            .unwrap_or_else(|e| panic!("reflection {version}: {e:?}"))
            .into_inner();
        let answer = stream.message().await;
        match answer.unwrap_or_else(|e| panic!("{version} message: {e:?}")) {
            Some(ServerReflectionResponse {
                message_response: Some(MessageResponse::ListServicesResponse(list)),
                ..
            }) => list.service.into_iter().map(|s| s.name).collect::<Vec<_>>(),
            other => panic!("unexpected {version} answer {other:?}"),
        }
    }};
}

/// Server reflection lists the service, its public services, audit and health in both v1 and v1alpha (Postman,
/// Python's grpcio-reflection and older grpcurl speak only v1alpha), and no other Seteli
/// service: a port lists what it serves. A call to another service's RPC on the port answers
/// UNIMPLEMENTED saying so, not with an empty message.
pub async fn reflection_lists_the_service_in_v1_and_v1alpha(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    let mut expected: Vec<String> = rpcs(svc).into_iter().map(|r| r.service).collect();
    expected.extend(public_rpcs(svc).into_iter().map(|r| r.service));
    expected.push("seteli.audit.v1.AuditService".into());
    expected.push("grpc.health.v1.Health".into());

    let names = listed_services!(v1, server);
    let names_alpha = listed_services!(v1alpha, server);
    for name in &expected {
        assert!(names.contains(name), "v1: {name} not in {names:?}");
        assert!(
            names_alpha.contains(name),
            "v1alpha: {name} not in {names_alpha:?}"
        );
    }
    for listed in names.iter().chain(&names_alpha) {
        assert!(
            expected.contains(listed) || listed.starts_with("grpc.reflection."),
            "{} lists {listed}, which it does not serve",
            svc.name()
        );
    }
    let other = Svc::ALL
        .into_iter()
        .find(|s| *s != svc)
        .expect("another service");
    let rpc = rpcs(other).into_iter().next().expect("an RPC");
    let status = call_raw(server.channel(), &rpc, &env.admin(), Vec::new()).await;
    assert_eq!(status.code(), Code::Unimplemented, "{status:?}");
    assert!(
        status.message().contains(&rpc.path()) && status.message().contains("not served"),
        "{status:?}"
    );
}

/// A browser's gRPC-Web call from an allowed origin reaches an RPC (its answer carries the CORS
/// grant and a grpc-status), and a preflight from an unknown origin gets no grant.
pub async fn grpc_web_from_an_allowed_origin(svc: Svc) {
    let env = Env::builder()
        .services(&[svc])
        .tweak(|_, c| c.cors_allowed_origins = vec!["http://portal.example".into()])
        .start()
        .await;
    let server = env.server(svc);
    let rpc = rpcs(svc)
        .into_iter()
        .find(|r| !r.server_streaming)
        .expect("a unary RPC");
    let frame = [0u8, 0, 0, 0, 0];
    let head = format!(
        "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/grpc-web+proto\r\n\
         X-Grpc-Web: 1\r\nOrigin: http://portal.example\r\nAuthorization: Bearer {}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n",
        rpc.path(),
        server.addr,
        env.admin(),
        frame.len()
    );
    let response = http1(server.addr, &head, &frame).await;
    assert!(contains(&response, "HTTP/1.1 200"), "{}", lossy(&response));
    assert!(contains(&response, "content-type: application/grpc-web"));
    assert!(contains(
        &response,
        "access-control-allow-origin: http://portal.example"
    ));
    assert!(contains(&response, "grpc-status:"), "{}", lossy(&response));
    let preflight = |origin: &str| {
        format!(
            "OPTIONS {} HTTP/1.1\r\nHost: x\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: content-type,authorization,x-grpc-web\r\n\
             Connection: close\r\n\r\n",
            rpc.path()
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

/// `/metrics` counts calls by method and code.
pub async fn metrics_count_calls_by_method_and_code(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    let rpc = rpcs(svc)
        .into_iter()
        .find(|r| !r.server_streaming)
        .expect("a unary RPC");
    let status = call_raw(server.channel(), &rpc, "", Vec::new()).await;
    assert_eq!(status.code(), Code::Unauthenticated);
    let text = scrape(server).await;
    assert!(
        text.lines()
            .any(|l| l.starts_with("grpc_server_requests_total")
                && l.contains(&format!("method=\"{}\"", rpc.method))
                && l.contains("code=\"UNAUTHENTICATED\"")),
        "{text}"
    );
    assert!(text.contains("grpc_server_request_duration_seconds_bucket"));
}

/// Calls to paths that are no RPC of ours leave one `unknown` label, not a series per path.
pub async fn unknown_paths_do_not_grow_the_metrics(svc: Svc) {
    let env = Env::builder().services(&[svc]).start().await;
    let server = env.server(svc);
    for n in 0..20 {
        let rpc = Rpc {
            service: format!("attack.Service{n}"),
            method: format!("Probe{n}"),
            server_streaming: false,
        };
        let _ = call_raw(server.channel(), &rpc, "", Vec::new()).await;
    }
    let text = scrape(server).await;
    assert!(!text.contains("attack.Service"), "{text}");
    assert!(!text.contains("Probe1"), "{text}");
    assert!(
        text.lines().any(
            |l| l.starts_with("grpc_server_requests_total") && l.contains("method=\"unknown\"")
        ),
        "{text}"
    );
}

/// The text of a server's `/metrics`.
pub async fn scrape(server: &TestServer) -> String {
    let metrics = http1(
        server.metrics_addr,
        "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        b"",
    )
    .await;
    lossy(&metrics)
}

/// Sends one HTTP/1.1 request and returns the whole response (the server closes after it).
pub async fn http1(addr: SocketAddr, head: &str, body: &[u8]) -> Vec<u8> {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut out = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut out))
        .await
        .expect("response in time")
        .expect("read");
    out
}

fn lossy(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    lossy(haystack)
        .to_ascii_lowercase()
        .contains(&needle.to_ascii_lowercase())
}
