//! Database traffic is encrypted and verified (issue 14): a service reaches PostgreSQL over
//! TLS with `sslmode=verify-full` against a CA made in the test, refuses a server whose
//! certificate another CA signed, and outside dev mode refuses to start on a PostgreSQL URL
//! that does not ask for verify-full.
//!
//! The local PostgreSQL speaks cleartext; in front of it runs a TLS front made here, which
//! speaks PostgreSQL's own TLS negotiation (`SSLRequest`, then the handshake) and refuses
//! anything else — so a service that reaches the database through it did so encrypted.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use seteli_api::providers::v1 as pb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_platform::testing::{TestDatabase, TestKeys, test_config, with_token};
use seteli_tests::pki::Pki;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls;

/// PostgreSQL's `SSLRequest`: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
/// PostgreSQL's `GSSENCRequest` (libpq may ask first): answered "no".
const GSSENC_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x30];

/// Starts the TLS front for PostgreSQL at `upstream`; returns its address and a count of
/// completed TLS handshakes.
async fn tls_front(upstream: SocketAddr, pki: &Pki) -> (SocketAddr, Arc<AtomicUsize>) {
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("protocol versions")
    .with_no_client_auth()
    .with_single_cert(vec![pki.server_cert.clone()], pki.server_key.clone_key())
    .expect("server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let handshakes = Arc::new(AtomicUsize::new(0));
    let counted = handshakes.clone();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let (acceptor, counted) = (acceptor.clone(), counted.clone());
            tokio::spawn(async move {
                let mut request = [0u8; 8];
                loop {
                    if inbound.read_exact(&mut request).await.is_err() {
                        return;
                    }
                    if request == GSSENC_REQUEST {
                        let _ = inbound.write_all(b"N").await;
                        continue;
                    }
                    break;
                }
                if request != SSL_REQUEST {
                    // Cleartext is not served here.
                    return;
                }
                if inbound.write_all(b"S").await.is_err() {
                    return;
                }
                let Ok(mut tls) = acceptor.accept(inbound).await else {
                    return;
                };
                counted.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut outbound) = TcpStream::connect(upstream).await {
                    let _ = tokio::io::copy_bidirectional(&mut tls, &mut outbound).await;
                }
            });
        }
    });
    (addr, handshakes)
}

/// The test database's URL pointed at `front`, asking for verify-full against `ca_file`.
fn through(db: &TestDatabase, front: SocketAddr, ca_file: &std::path::Path) -> String {
    let (_, rest) = db.url.split_once('@').expect("user@host in the URL");
    let (_, path) = rest.split_once('/').expect("/database in the URL");
    let database = path.split('?').next().unwrap_or(path);
    format!(
        "postgres://postgres@localhost:{}/{database}?sslmode=verify-full&sslrootcert={}",
        front.port(),
        ca_file.display()
    )
}

#[tokio::test]
async fn outside_dev_mode_a_postgresql_url_without_verify_full_is_refused_naming_it() {
    let keys = TestKeys::new();
    let db = TestDatabase::fresh().await;
    let mut config = test_config(
        <seteli_providers::Providers as seteli_platform::server::Service>::DEFAULTS,
        &db,
        &keys,
    );
    config.dev = false;
    config.database_url = "postgres://seteli:secret@db.internal:5432/providers".into();
    let message = refused_start(config, Duration::from_secs(20))
        .await
        .expect("refused at once, without trying to connect");
    assert!(message.contains("DATABASE_URL"), "{message}");
    assert!(message.contains("verify-full"), "{message}");
    assert!(
        !message.contains("secret"),
        "the password must not be printed: {message}"
    );
}

#[tokio::test]
async fn the_service_reaches_postgresql_over_verified_tls_and_refuses_a_stranger() {
    let Ok(server) = std::env::var("SETELI_TEST_POSTGRES") else {
        // Needs a PostgreSQL server: the PostgreSQL run (make test-postgres) checks this.
        return;
    };
    let upstream = seteli_tests::process::postgres_server_addr(&server);
    let ours = Pki::new("Seteli");
    let dir = tempfile::tempdir().expect("dir");
    let ca_file = dir.path().join("ca.pem");
    std::fs::write(&ca_file, &ours.ca_pem).expect("write CA");
    let (front, handshakes) = tls_front(upstream, &ours).await;

    // Verified TLS: the service migrates and serves through the front.
    let db = TestDatabase::fresh().await;
    let keys = TestKeys::new();
    let url = through(&db, front, &ca_file);
    let mut config = test_config(
        <seteli_providers::Providers as seteli_platform::server::Service>::DEFAULTS,
        &db,
        &keys,
    );
    config.database_url = url.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let serving = tokio::spawn(
        seteli_platform::server::serve::<seteli_providers::Providers>(
            config,
            listener,
            async move {
                let _ = stopped.await;
            },
        ),
    );
    let channel = tonic::transport::Endpoint::from_shared(format!("http://{addr}"))
        .expect("endpoint")
        .connect_lazy();
    seteli_platform::testing::wait_for_health(
        channel.clone(),
        "",
        tonic_health::pb::health_check_response::ServingStatus::Serving,
        Duration::from_secs(30),
    )
    .await
    .expect("serving over TLS");
    ProvidersServiceClient::new(channel)
        .list_providers(with_token(
            &keys.token("county_admin", None),
            pb::ListProvidersRequest::default(),
        ))
        .await
        .expect("a read through the encrypted connection");
    assert!(
        handshakes.load(Ordering::SeqCst) > 0,
        "no TLS handshake reached the front"
    );
    let _ = stop.send(());
    let _ = serving.await;

    // A database whose certificate another CA signed is not trusted: the service does not start.
    let stranger = Pki::new("Stranger");
    let (front, _) = tls_front(upstream, &stranger).await;
    let other = TestDatabase::fresh().await;
    let mut config = test_config(
        <seteli_providers::Providers as seteli_platform::server::Service>::DEFAULTS,
        &other,
        &keys,
    );
    config.database_url = through(&other, front, &ca_file);
    let refused = refused_start(config, Duration::from_secs(60))
        .await
        .expect("the connection attempt ends");
    let message = refused.to_lowercase();
    assert!(
        message.contains("certificate") || message.contains("tls") || message.contains("issuer"),
        "{message}"
    );
}

/// Why the registry's start on `config` is refused, with its causes (`None` if it takes longer
/// than `within`); panics if it serves.
async fn refused_start(
    config: seteli_platform::config::Config,
    within: Duration,
) -> Option<String> {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let serve = seteli_platform::server::serve::<seteli_providers::Providers>(
        config,
        listener,
        std::future::pending(),
    );
    let ended = tokio::time::timeout(within, serve).await.ok()?;
    Some(format!(
        "{:#}",
        ended.expect_err("the start must be refused")
    ))
}
