//! Service-to-service traffic over TLS (issue 14): with `SETELI_TLS_CERT_FILE`/`_KEY_FILE` a
//! service serves gRPC only over TLS; with `https://` upstream URLs and
//! `SETELI_UPSTREAM_CA_FILE` it calls the others over TLS, verifying their certificates (the
//! caller's token is forwarded as before). The whole way from a voucher to a recorded session
//! — vouchers asking the registry, attendance following the voucher feed, vouchers following
//! attendance's usage — runs here with every service on TLS. A client trusting another CA, or
//! speaking cleartext, gets nothing; the kubelet's probes get health alone in cleartext on
//! `SETELI_PLAINTEXT_HEALTH_ADDR`.

use std::path::PathBuf;
use std::time::Duration;

use seteli_platform::client::{self, UpstreamOptions};
use seteli_platform::config::{Config, ServerTls};
use seteli_tests::fixtures::{at, days, ktt_provider, ktt_voucher, today, use_units};
use seteli_tests::kit::{Env, Prices, Svc};
use seteli_tests::pki::Pki;
use tonic::transport::Endpoint;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

/// The TLS files every service of a test uses (one certificate for `localhost` serves all).
struct TlsFiles {
    _dir: tempfile::TempDir,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
}

fn tls_files(pki: &Pki) -> TlsFiles {
    let dir = tempfile::tempdir().expect("temp dir");
    let (ca, cert, key) = pki.write_to(dir.path());
    TlsFiles {
        _dir: dir,
        ca,
        cert,
        key,
    }
}

/// Serve TLS, trust the test CA for upstreams, and call every upstream by `https://localhost`.
fn on_tls(files: &TlsFiles, c: &mut Config) {
    c.tls = Some(ServerTls {
        cert_file: files.cert.clone(),
        key_file: files.key.clone(),
    });
    c.upstream.ca_file = Some(files.ca.clone());
    for (key, value) in c.vars.iter_mut() {
        if key.ends_with("_URL") && value.starts_with("http://127.0.0.1:") {
            *value = value.replace("http://127.0.0.1:", "https://localhost:");
        }
    }
}

async fn health(channel: tonic::transport::Channel) -> Result<i32, tonic::Status> {
    HealthClient::new(channel)
        .check(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .map(|r| r.into_inner().status)
}

#[tokio::test]
async fn a_voucher_is_chosen_started_and_used_with_every_call_between_services_over_tls() {
    let files = tls_files(&Pki::new("Seteli"));
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers, Svc::Attendance])
        .prices(Prices::Every)
        .tweak(|_, c| on_tls(&files, c))
        .start()
        .await;
    for svc in [Svc::Providers, Svc::Vouchers, Svc::Attendance] {
        assert!(env.server(svc).url().starts_with("https://localhost:"));
    }

    // Choosing asks the registry (vouchers → providers); attendance learns the voucher from
    // the voucher feed (attendance → vouchers); the units used come back the same way.
    let provider = ktt_provider(&env, "Valo ry", 21, seteli_tests::fixtures::SIILINJARVI).await;
    let from = today();
    let voucher = ktt_voucher(&env, &provider, 31, from, days(from, 100)).await;
    let shown = use_units(&env, &provider, &voucher, at(from, 9, 12))
        .await
        .expect("a session recorded over TLS");
    assert_eq!(shown.units_used.map(|u| u.hundredths), Some(300));

    // The same port does not answer cleartext.
    let cleartext = Endpoint::from_shared(format!("http://{}", env.vouchers().addr))
        .expect("endpoint")
        .connect_timeout(Duration::from_secs(3))
        .connect_lazy();
    assert!(
        health(cleartext).await.is_err(),
        "cleartext must not be served"
    );
}

#[tokio::test]
async fn an_upstream_whose_certificate_another_ca_signed_is_refused() {
    let ours = tls_files(&Pki::new("Seteli"));
    let stranger = tls_files(&Pki::new("Stranger"));
    let env = Env::builder()
        .services(&[Svc::Providers])
        .tweak(|_, c| on_tls(&ours, c))
        .start()
        .await;
    let url = env.providers().url();
    let trusting = |ca: &PathBuf| UpstreamOptions {
        resolve_every: Duration::from_secs(30),
        ca_file: Some(ca.clone()),
    };
    // The platform's own upstream channel (as every service makes it) trusting our CA works…
    let good = client::channel(&url, &trusting(&ours.ca)).expect("channel");
    assert_eq!(health(good).await.expect("verified TLS"), 1);
    // …and trusting another CA it never gets an answer.
    let bad = client::channel(&url, &trusting(&stranger.ca)).expect("channel");
    let refused = health(bad).await.expect_err("a certificate of another CA");
    assert_eq!(refused.code(), tonic::Code::Unavailable, "{refused:?}");
    // An unreadable CA file is refused when the channel is made, naming the setting.
    let missing = client::channel(&url, &trusting(&PathBuf::from("/nonexistent/ca.pem")))
        .expect_err("no CA file");
    assert!(
        missing.to_string().contains("SETELI_UPSTREAM_CA_FILE"),
        "{missing}"
    );
}

#[tokio::test]
async fn with_tls_on_the_probes_get_health_alone_in_cleartext() {
    let files = tls_files(&Pki::new("Seteli"));
    // The setting is an address, not a listener: take a free port from the system.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let env = Env::builder()
        .services(&[Svc::Vouchers])
        .tweak(|_, c| {
            on_tls(&files, c);
            c.plaintext_health_addr = Some(([127, 0, 0, 1], port).into());
        })
        .start()
        .await;
    assert_eq!(health(env.vouchers().channel()).await.expect("TLS"), 1);
    let probe = Endpoint::from_shared(format!("http://127.0.0.1:{port}"))
        .expect("endpoint")
        .connect_lazy();
    // Bound before the main server serves, so it answers once TLS health has answered.
    let answer = health(probe.clone()).await;
    assert_eq!(answer.expect("cleartext health"), 1);
    // Nothing but health is served there: the voucher API is not.
    let refused =
        seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient::new(probe)
            .get_voucher(tonic::Request::new(
                seteli_api::vouchers::v1::GetVoucherRequest::default(),
            ))
            .await
            .expect_err("no voucher API in cleartext");
    assert_eq!(refused.code(), tonic::Code::Unimplemented, "{refused:?}");
}
