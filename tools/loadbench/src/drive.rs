//! One backend's part of the run (`seteli-loadbench drive`, started by the top with
//! `SETELI_TEST_POSTGRES` set for PostgreSQL and unset for SQLite): the bare insert server, then
//! the registry, vouchers and attendance as child processes on seeded databases, and every
//! scenario against them. Writes its rows to stdout as JSON lines.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::common::v1::{Coordinates, ServiceType};
use seteli_api::providers::v1 as ppb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::testing::{AUDIENCE, ISSUER, TestDatabase, TestKeys, with_token};
use seteli_tests::fixtures::{KUOPIO, today};
use seteli_tests::kit::{REGISTRY_PRICES, Svc, service_token};
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_client::HealthClient;

use crate::child::{Server, free_addr, postgres_cpu_micros};
use crate::load;
use crate::report::{Line, LoadRow, ProcessRow};
use crate::seed::{self, Seeded};

/// Calls in flight of the scenarios.
const IN_FLIGHT: [usize; 3] = [8, 32, 64];
/// Calls in flight of the health checks (compared with the bare echo's at the same).
const HEALTH_IN_FLIGHT: usize = 32;
/// Page size of the list and search scenarios.
const PAGE: i32 = 20;

/// Round lengths and where the rows go.
pub struct Bench {
    /// Measured time of a round.
    pub time: Duration,
    /// Unmeasured time before each round.
    pub warmup: Duration,
    /// `SQLite`, `PostgreSQL` or `—`.
    pub backend: String,
    /// Whether PostgreSQL's own CPU time is read too.
    pub postgres: bool,
    /// What was measured so far.
    pub lines: Vec<Line>,
}

impl Bench {
    /// Runs `call` against `server` at each of `in_flights` (a warm-up first each time) and
    /// records a row per round.
    #[allow(clippy::too_many_arguments)]
    pub async fn rounds<F, Fut, T>(
        &mut self,
        scenario: &str,
        key: &str,
        server: &Server,
        in_flights: &[usize],
        baseline: Option<&str>,
        call: F,
    ) -> anyhow::Result<()>
    where
        F: Fn(u64) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<T, tonic::Status>> + Send,
        T: Send,
    {
        if baseline.is_some() && !chosen(key) {
            return Ok(());
        }
        let call = Arc::new(call);
        for &n in in_flights {
            eprintln!("loadbench: {scenario}, {}, {n} in flight", self.backend);
            let _ = load::run(n, self.warmup, &call).await;
            let cpu = server.cpu_micros()?;
            let pg = self.postgres.then(postgres_cpu_micros);
            let round = load::run(n, self.time, &call).await;
            let cpu = server.cpu_micros()?.saturating_sub(cpu);
            let pg = pg.map(|before| postgres_cpu_micros().saturating_sub(before));
            self.lines.push(Line::Load(LoadRow::of(
                scenario,
                key,
                &self.backend,
                n,
                &round,
                cpu,
                pg,
                baseline,
            )));
        }
        Ok(())
    }
}

/// Whether `LOADBENCH_ONLY` (keys separated by commas; unset: all) chooses the scenario `key`.
fn chosen(key: &str) -> bool {
    std::env::var("LOADBENCH_ONLY").map_or(true, |only| {
        only.split(',').any(|k| {
            k.trim() == key || key.strip_prefix("health:").is_some() && k.trim() == "health"
        })
    })
}

/// A process row of `server`, idle RSS read earlier.
pub fn process_row(server: &Server, backend: &str, idle_kib: u64, service: bool) -> ProcessRow {
    ProcessRow {
        process: server.name.clone(),
        backend: backend.into(),
        idle_rss_kib: idle_kib,
        after_load_rss_kib: server.rss_kib().unwrap_or(0),
        exec_to_serving_ms: server.exec_to_serving.as_secs_f64() * 1000.0,
        service,
    }
}

/// One channel (one HTTP/2 connection, as a portal keeps) to `server`.
pub async fn channel(server: &Server) -> anyhow::Result<Channel> {
    Ok(Endpoint::from_shared(server.url())?.connect().await?)
}

/// Health checks of the overall server (`service: ""`, as a probe asks) on `server`.
pub async fn health_calls(
    server: &Server,
) -> anyhow::Result<
    impl Fn(u64) -> futures::future::BoxFuture<'static, Result<(), tonic::Status>> + use<>,
> {
    let client = HealthClient::new(channel(server).await?);
    Ok(move |_n: u64| {
        let mut c = client.clone();
        let call: futures::future::BoxFuture<'static, Result<(), tonic::Status>> =
            Box::pin(async move {
                c.check(HealthCheckRequest {
                    service: String::new(),
                })
                .await
                .map(|_| ())
            });
        call
    })
}

/// The environment of a Seteli service child: the test keys, `database_url`, its address and
/// metrics address, the other services' URLs, and a feed token for what it follows — the
/// kit's wiring, otherwise the service's defaults (as a pod runs it: info logs, metrics on).
fn service_vars(
    svc: Svc,
    keys: &TestKeys,
    database_url: &str,
    addrs: &[(Svc, std::net::SocketAddr)],
) -> anyhow::Result<Vec<(String, String)>> {
    let mut vars: Vec<(String, String)> = vec![
        ("DATABASE_URL".into(), database_url.into()),
        (
            "SETELI_JWKS_PATH".into(),
            keys.jwks_path.display().to_string(),
        ),
        ("SETELI_JWT_ISSUER".into(), ISSUER.into()),
        ("SETELI_JWT_AUDIENCE".into(), AUDIENCE.into()),
        ("SETELI_DEV".into(), "true".into()),
        ("SETELI_METRICS_ADDR".into(), free_addr()?.to_string()),
    ];
    for (other, addr) in addrs {
        let key = match other {
            Svc::Providers => "SETELI_PROVIDERS_URL",
            Svc::Vouchers => "SETELI_VOUCHERS_URL",
            Svc::Attendance => "SETELI_ATTENDANCE_URL",
            Svc::Billing | Svc::Reporting => continue,
        };
        if *other == svc {
            vars.push(("SETELI_GRPC_ADDR".into(), addr.to_string()));
        } else {
            vars.push((key.into(), format!("http://{addr}")));
        }
    }
    match svc {
        Svc::Providers => vars.push(("SETELI_CEILING_PRICES".into(), REGISTRY_PRICES.into())),
        // Each follows its feeds as its own service account.
        Svc::Vouchers => {
            let token = service_token(keys, Svc::Vouchers);
            vars.push(("SETELI_ATTENDANCE_FEED_TOKEN".into(), token.clone()));
            vars.push(("SETELI_PROVIDERS_FEED_TOKEN".into(), token));
        }
        Svc::Attendance => {
            let token = service_token(keys, Svc::Attendance);
            vars.push(("SETELI_VOUCHERS_FEED_TOKEN".into(), token.clone()));
            vars.push(("SETELI_PROVIDERS_FEED_TOKEN".into(), token));
        }
        Svc::Billing | Svc::Reporting => {}
    }
    Ok(vars)
}

/// The three services as child processes on the seeded databases (in order, each timed from
/// exec to SERVING).
async fn start_services(seeded: &Seeded) -> anyhow::Result<Vec<(Svc, Server)>> {
    let svcs = [Svc::Providers, Svc::Vouchers, Svc::Attendance];
    let mut addrs = Vec::new();
    for svc in svcs {
        addrs.push((svc, free_addr()?));
    }
    let mut servers = Vec::new();
    for (svc, addr) in &addrs {
        let vars = service_vars(*svc, &seeded.keys, seeded.database_url(*svc), &addrs)?;
        let server = Server::start(svc.name(), *addr, &[svc.name()], &vars).await?;
        servers.push((*svc, server));
    }
    Ok(servers)
}

/// Runs this backend's part and returns its rows.
pub async fn run(time: Duration, warmup: Duration) -> anyhow::Result<Vec<Line>> {
    let postgres = std::env::var("SETELI_TEST_POSTGRES").is_ok_and(|v| !v.is_empty());
    let backend = if postgres { "PostgreSQL" } else { "SQLite" };
    let mut bench = Bench {
        time,
        warmup,
        backend: backend.into(),
        postgres,
        lines: Vec::new(),
    };

    // The bare baselines, this minute: tonic echo, and tonic + one sqlx insert on a fresh
    // database.
    {
        let addr = free_addr()?;
        let echo = Server::start(
            "bare tonic echo",
            addr,
            &["bare-echo", &addr.to_string()],
            &[],
        )
        .await?;
        let idle = echo.rss_kib()?;
        let calls = health_calls(&echo).await?;
        bench
            .rounds(
                "baseline: bare tonic echo (grpc.health Check, no database)",
                "echo",
                &echo,
                &[1, 8, 32, 64],
                None,
                calls,
            )
            .await?;
        bench
            .lines
            .push(Line::Process(process_row(&echo, backend, idle, false)));
    }
    {
        let db = TestDatabase::fresh().await;
        let addr = free_addr()?;
        let insert = Server::start(
            "bare tonic + one insert",
            addr,
            &["bare-insert", &addr.to_string(), &db.url],
            &[],
        )
        .await?;
        let idle = insert.rss_kib()?;
        let calls = health_calls(&insert).await?;
        bench
            .rounds(
                "baseline: bare tonic + one sqlx insert",
                "insert",
                &insert,
                &IN_FLIGHT,
                None,
                calls,
            )
            .await?;
        bench
            .lines
            .push(Line::Process(process_row(&insert, backend, idle, false)));
    }

    // Large statements over TLS (issue 29): no delayed-ACK wait with sqlx's own TCP_NODELAY.
    if let Some(url) = std::env::var("SETELI_TEST_POSTGRES")
        .ok()
        .filter(|_| postgres)
    {
        let rows = crate::tls::statements_over_tls(&url, time).await?;
        bench.lines.extend(rows.into_iter().map(Line::Load));
    }

    eprintln!("loadbench: seeding {backend} through the public APIs");
    let seeded = seed::seed().await.context("seeding")?;
    let services = start_services(&seeded).await?;
    let server = |svc: Svc| {
        services
            .iter()
            .find(|(s, _)| *s == svc)
            .map(|(_, server)| server)
            .context("started")
    };
    let idle: Vec<u64> = services
        .iter()
        .map(|(_, s)| s.rss_kib().unwrap_or(0))
        .collect();
    let (providers, vouchers, attendance) = (
        server(Svc::Providers)?,
        server(Svc::Vouchers)?,
        server(Svc::Attendance)?,
    );

    for (svc, s) in &services {
        let calls = health_calls(s).await?;
        bench
            .rounds(
                &format!("health: {} (grpc.health Check)", svc.name()),
                &format!("health:{}", svc.name()),
                s,
                &[HEALTH_IN_FLIGHT],
                Some("echo"),
                calls,
            )
            .await?;
    }

    let worker = seeded.keys.token("social_worker", None);
    let ids = Arc::new(seeded.vouchers.clone());
    {
        let client = VouchersServiceClient::new(channel(vouchers).await?);
        let (token, ids) = (worker.clone(), Arc::clone(&ids));
        bench
            .rounds(
                "read: GetVoucher",
                "read",
                vouchers,
                &[1, 8, 32, 64],
                Some("echo"),
                move |n| {
                    let mut c = client.clone();
                    let request = with_token(
                        &token,
                        vpb::GetVoucherRequest {
                            voucher_id: ids[(n % ids.len() as u64) as usize].clone(),
                            voucher_number: String::new(),
                        },
                    );
                    async move { c.get_voucher(request).await }
                },
            )
            .await?;
    }
    {
        let client = ProvidersServiceClient::new(channel(providers).await?);
        let token = worker.clone();
        bench
            .rounds(
                "search: SearchProviders (KTT individual, 20 km)",
                "search",
                providers,
                &IN_FLIGHT,
                Some("echo"),
                move |_| {
                    let mut c = client.clone();
                    let request = with_token(
                        &token,
                        ppb::SearchProvidersRequest {
                            service_type: ServiceType::KttIndividual as i32,
                            near: Some(Coordinates {
                                latitude: KUOPIO.0,
                                longitude: KUOPIO.1,
                            }),
                            radius_km: 0.0,
                            page_size: PAGE,
                        },
                    );
                    async move { c.search_providers(request).await }
                },
            )
            .await?;
    }
    {
        let client = VouchersServiceClient::new(channel(vouchers).await?);
        let token = worker.clone();
        bench
            .rounds(
                "list: ListVouchers (a page of 20)",
                "list-vouchers",
                vouchers,
                &IN_FLIGHT,
                Some("echo"),
                move |_| {
                    let mut c = client.clone();
                    let request = with_token(
                        &token,
                        vpb::ListVouchersRequest {
                            page_size: PAGE,
                            ..Default::default()
                        },
                    );
                    async move { c.list_vouchers(request).await }
                },
            )
            .await?;
    }
    {
        let client = ProvidersServiceClient::new(channel(providers).await?);
        let token = seeded.keys.token("county_admin", None);
        bench
            .rounds(
                "list: ListProviders (a page of 20)",
                "list-providers",
                providers,
                &IN_FLIGHT,
                Some("echo"),
                move |_| {
                    let mut c = client.clone();
                    let request = with_token(
                        &token,
                        ppb::ListProvidersRequest {
                            page_size: PAGE,
                            ..Default::default()
                        },
                    );
                    async move { c.list_providers(request).await }
                },
            )
            .await?;
    }
    let provider = seeded
        .providers
        .first()
        .context("a seeded provider")?
        .clone();
    let recorder = seeded.keys.token_as(
        &format!("user-of-{provider}"),
        "provider_user",
        Some(&provider),
    );
    {
        let client = AttendanceServiceClient::new(channel(attendance).await?);
        let (token, listed) = (recorder.clone(), Arc::new(seeded.listed.clone()));
        bench
            .rounds(
                "list: ListSessions (a page of 20)",
                "list-sessions",
                attendance,
                &IN_FLIGHT,
                Some("echo"),
                move |n| {
                    let mut c = client.clone();
                    let request = with_token(
                        &token,
                        apb::ListSessionsRequest {
                            voucher_id: listed[(n % listed.len() as u64) as usize].clone(),
                            page_size: PAGE,
                            ..Default::default()
                        },
                    );
                    async move { c.list_sessions(request).await }
                },
            )
            .await?;
    }
    {
        let client = AttendanceServiceClient::new(channel(attendance).await?);
        let token = recorder;
        let ids = Arc::clone(&ids);
        let on = today();
        // Every write of the run gets its own minute on its voucher: one record per hour
        // (BILL-REALISED) refuses a second session in a slot already taken, across rounds too.
        let written = Arc::new(std::sync::atomic::AtomicU64::new(0));
        bench
            .rounds(
                "write: RecordSession (attendance)",
                "write",
                attendance,
                &IN_FLIGHT,
                Some("insert"),
                move |_| {
                    let mut c = client.clone();
                    let k = written.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let vouchers = ids.len() as u64;
                    // One minute (0.02 h) from 08:00 on: a KTT individual voucher's 30 h take
                    // 1,500 of them.
                    let minute = (8 * 60 + k / vouchers) as i32;
                    let request = with_token(
                        &token,
                        seed::one_minute_session(&ids[(k % vouchers) as usize], on, minute),
                    );
                    async move { c.record_session(request).await }
                },
            )
            .await?;
    }

    for ((_, s), idle) in services.iter().zip(idle) {
        bench
            .lines
            .push(Line::Process(process_row(s, backend, idle, true)));
    }
    drop(services);
    drop(seeded);
    Ok(bench.lines)
}
