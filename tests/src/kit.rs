//! Any set of Seteli services on port 0, sharing one signing key, each with a fresh database
//! and the others' URLs in its configuration: one builder ([`Env::builder`]) starts them all.
//!
//! Hermetic: a service under test never dials an address the test does not own. Every
//! upstream URL setting a service reads ([`Svc::upstreams`]) names a service of the
//! environment, one the test runs beside it ([`Builder::outside`]), or a port the environment
//! holds closed ([`ClosedPort`]: bound, never listening), so a dial is refused at once — never
//! answered by a platform a developer runs on the usual ports (`make run`, 50051–50055).

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;

use chrono::NaiveDate;
use seteli_api::common::v1::{Money, ServiceType};
use seteli_api::vouchers::v1 as pb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::clock::Clock;
use seteli_platform::config::Config;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::Service;
use seteli_platform::testing::{TestDatabase, TestKeys, TestServer, with_token};
use tokio::net::TcpListener;

mod ports;

#[cfg(test)]
use ports::PortHolder;
use ports::outside_make_run;
pub use ports::{ClosedPort, MAKE_RUN_PORTS, port_of};

/// Placeholder ceiling prices the registry checks offerings against when `vouchers` is not
/// started beside it.
pub const REGISTRY_PRICES: &str = "KTT_INDIVIDUAL@2024-01-01=65.00,KTT_GROUP@2024-01-01=90.00,\
SK_GROUP@2026-01-01=35.00,SK_SUPPORTED_WORK@2026-01-01=85.00";

/// Placeholder ceiling prices of every service, KTT work activity included (the county's real
/// ones are configuration): what the registry checks against with [`Prices::Every`].
pub const CEILING_PRICES: &str = "KTT_INDIVIDUAL@2024-01-01=65.00,KTT_GROUP@2024-01-01=90.00,\
KTT_ASSESSMENT@2024-01-01=95.00,KTT_WORK_CAPACITY@2024-01-01=95.00,SK_INDIVIDUAL@2026-01-01=70.00,\
SK_INDIVIDUAL_DAILY_LIVING@2026-01-01=70.00,SK_GROUP@2026-01-01=35.00,\
SK_SUPPORTED_WORK@2026-01-01=85.00,SK_PARTICIPATION@2026-01-01=80.00";

/// A Seteli service the kit can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Svc {
    /// The provider registry.
    Providers,
    /// The voucher service.
    Vouchers,
    /// The attendance service (follows the voucher feed and the registry's).
    Attendance,
    /// The billing service (asks attendance, vouchers and providers with its upstream token).
    Billing,
    /// The reporting service (follows the voucher feed and attendance's alert feed).
    Reporting,
}

/// A setting of a service that names another service's URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UpstreamUrl {
    /// The setting, e.g. `SETELI_PROVIDERS_URL`.
    pub key: &'static str,
    /// The service it names.
    pub names: Svc,
    /// Whether the service dials a default address (a `make run` port) when it is unset. If
    /// not, unset turns the upstream off (the registry then checks offerings against its
    /// configured prices), and the kit sets it only when the service it names serves.
    pub has_default: bool,
}

const fn upstream(key: &'static str, names: Svc) -> UpstreamUrl {
    UpstreamUrl {
        key,
        names,
        has_default: true,
    }
}

impl Svc {
    /// Every service, in start order (listeners are all bound first, so a service may call one
    /// started after it).
    pub const ALL: [Svc; 5] = [
        Svc::Providers,
        Svc::Vouchers,
        Svc::Attendance,
        Svc::Billing,
        Svc::Reporting,
    ];

    /// The service's name (`DEFAULTS.name`).
    pub fn name(self) -> &'static str {
        match self {
            Svc::Providers => seteli_providers::Providers::DEFAULTS.name,
            Svc::Vouchers => seteli_vouchers::Vouchers::DEFAULTS.name,
            Svc::Attendance => seteli_attendance::Attendance::DEFAULTS.name,
            Svc::Billing => seteli_billing::Billing::DEFAULTS.name,
            Svc::Reporting => seteli_reporting::Reporting::DEFAULTS.name,
        }
    }

    /// The service's migrations (`MIGRATIONS`): what its test database is made with.
    pub fn migrations(self) -> &'static [MigrationFile] {
        match self {
            Svc::Providers => seteli_providers::Providers::MIGRATIONS,
            Svc::Vouchers => seteli_vouchers::Vouchers::MIGRATIONS,
            Svc::Attendance => seteli_attendance::Attendance::MIGRATIONS,
            Svc::Billing => seteli_billing::Billing::MIGRATIONS,
            Svc::Reporting => seteli_reporting::Reporting::MIGRATIONS,
        }
    }

    /// The service named `name` ([`Svc::name`]).
    pub fn named(name: &str) -> Option<Svc> {
        Svc::ALL.into_iter().find(|s| s.name() == name)
    }

    /// The protobuf package of its contract.
    pub fn package(self) -> &'static str {
        match self {
            Svc::Providers => "seteli.providers.v1",
            Svc::Vouchers => "seteli.vouchers.v1",
            Svc::Attendance => "seteli.attendance.v1",
            Svc::Billing => "seteli.billing.v1",
            Svc::Reporting => "seteli.reporting.v1",
        }
    }

    /// Every upstream URL setting the service reads (its `Settings::read`; a kit test checks
    /// the list against the service's source).
    pub fn upstreams(self) -> &'static [UpstreamUrl] {
        const PROVIDERS: UpstreamUrl = upstream("SETELI_PROVIDERS_URL", Svc::Providers);
        const VOUCHERS: UpstreamUrl = upstream("SETELI_VOUCHERS_URL", Svc::Vouchers);
        const ATTENDANCE: UpstreamUrl = upstream("SETELI_ATTENDANCE_URL", Svc::Attendance);
        match self {
            // PROV-PRICE asks the voucher service when one is configured.
            Svc::Providers => &[UpstreamUrl {
                has_default: false,
                ..VOUCHERS
            }],
            Svc::Vouchers => &[PROVIDERS, ATTENDANCE],
            Svc::Attendance => &[VOUCHERS, PROVIDERS],
            Svc::Billing => &[ATTENDANCE, VOUCHERS, PROVIDERS],
            // Kela's notice names its provider from the registry.
            Svc::Reporting => &[VOUCHERS, ATTENDANCE, PROVIDERS],
        }
    }

    /// The feeds the service follows when the service it follows serves: (that service, the
    /// token setting).
    fn follows(self) -> &'static [(Svc, &'static str)] {
        match self {
            // Attendance follows the voucher feed and the registry's (PROVIDER-NOT-APPROVED,
            // CAP-GROUP-SIZE).
            Svc::Attendance => &[
                (Svc::Vouchers, "SETELI_VOUCHERS_FEED_TOKEN"),
                (Svc::Providers, "SETELI_PROVIDERS_FEED_TOKEN"),
            ],
            // Reporting follows both the voucher feed and attendance's alert feed.
            Svc::Reporting => &[
                (Svc::Vouchers, "SETELI_VOUCHERS_FEED_TOKEN"),
                (Svc::Attendance, "SETELI_ATTENDANCE_FEED_TOKEN"),
            ],
            // Vouchers follows attendance's usage feed and the registry's (PROVIDER-NOT-APPROVED).
            Svc::Vouchers => &[
                (Svc::Attendance, "SETELI_ATTENDANCE_FEED_TOKEN"),
                (Svc::Providers, "SETELI_PROVIDERS_FEED_TOKEN"),
            ],
            Svc::Providers | Svc::Billing => &[],
        }
    }
}

/// Panics unless `vars` (a service's configuration) names every upstream of `svc` that has a
/// default, and none of them a `make run` port: the service would dial an address the test
/// does not own. Returns the upstream settings that are set.
pub fn assert_hermetic<'v>(
    svc: Svc,
    vars: impl Fn(&str) -> Option<&'v str>,
) -> BTreeMap<String, String> {
    let mut wired = BTreeMap::new();
    for u in svc.upstreams() {
        let value = vars(u.key).map(str::trim).filter(|v| !v.is_empty());
        let Some(url) = value else {
            assert!(
                !u.has_default,
                "{} under test has no {}: it would dial its default address, which the test \
                 does not own (a developer's `make run` answers there)",
                svc.name(),
                u.key
            );
            continue;
        };
        if let Some(port) = port_of(url) {
            assert!(
                !MAKE_RUN_PORTS.contains(&port),
                "{} under test is told {}={url}: a `make run` port, not the test's",
                svc.name(),
                u.key
            );
        }
        wired.insert(u.key.to_owned(), url.to_owned());
    }
    wired
}

/// The service account token of `svc` (role `service`, the subject naming the service): what
/// it follows feeds and calls other services with (`SETELI_*_FEED_TOKEN`,
/// `SETELI_BILLING_UPSTREAM_TOKEN`), and what a test reads a feed as that service with.
pub fn service_token(keys: &TestKeys, svc: Svc) -> String {
    keys.token_as(svc.name(), "service", None)
}

/// The ceiling prices an environment starts with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Prices {
    /// The registry checks offerings against [`REGISTRY_PRICES`] (while the voucher service
    /// does not run); the voucher service has none.
    #[default]
    Unset,
    /// As [`Prices::Unset`], and the county's prices the voucher tests use are set in the
    /// voucher service: KTT individual coaching 65.00 from 2024, SK group coaching 35.00 and
    /// SK supported work 85.00 from 2026 ([`Prices::set_in`]).
    County,
    /// The registry knows every service's price ([`CEILING_PRICES`]), and the voucher service
    /// has the county's prices and KTT group coaching 90.00, KTT assessment and work capacity
    /// 95.00 from 2024.
    Every,
}

impl Prices {
    /// The county's prices the voucher tests use: (service, in force from, cents).
    const COUNTY: [(ServiceType, (i32, u32, u32), i64); 3] = [
        (ServiceType::KttIndividual, (2024, 1, 1), 6500),
        (ServiceType::SkGroup, (2026, 1, 1), 3500),
        (ServiceType::SkSupportedWork, (2026, 1, 1), 8500),
    ];
    /// KTT work activity and group coaching, beside [`Prices::COUNTY`].
    const KTT: [(ServiceType, (i32, u32, u32), i64); 3] = [
        (ServiceType::KttGroup, (2024, 1, 1), 9000),
        (ServiceType::KttAssessment, (2024, 1, 1), 9500),
        (ServiceType::KttWorkCapacity, (2024, 1, 1), 9500),
    ];

    /// The registry's configured prices (`SETELI_CEILING_PRICES`).
    fn registry(self) -> &'static str {
        match self {
            Prices::Every => CEILING_PRICES,
            Prices::Unset | Prices::County => REGISTRY_PRICES,
        }
    }

    /// Sets these prices in `env`'s voucher service, as the county administrator.
    pub async fn set_in(self, env: &Env) {
        let ktt: &[_] = match self {
            Prices::Unset => return,
            Prices::County => &[],
            Prices::Every => &Self::KTT,
        };
        for &(service, (y, m, d), cents) in Self::COUNTY.iter().chain(ktt) {
            let from = NaiveDate::from_ymd_opt(y, m, d).expect("date");
            set_price(env, service, from, cents).await;
        }
    }
}

/// Sets the ceiling price of `service` from `from` at `cents` per unit in `env`'s voucher
/// service, as the county administrator; which must succeed.
pub async fn set_price(
    env: &Env,
    service: ServiceType,
    from: NaiveDate,
    cents: i64,
) -> pb::CeilingPrice {
    VouchersServiceClient::new(env.vouchers().channel())
        .set_ceiling_price(with_token(
            &env.admin(),
            pb::SetCeilingPriceRequest {
                request_id: uuid::Uuid::now_v7().to_string(),
                validate_only: false,
                service_type: service as i32,
                effective_from: Some(seteli_platform::convert::to_date(from)),
                unit_price: Some(Money { cents }),
            },
        ))
        .await
        .expect("set price")
        .into_inner()
        .ceiling_price
        .expect("price")
}

/// How one service is wired: where every service is, which of them serve, and the prices.
struct Wiring<'w> {
    urls: &'w BTreeMap<Svc, String>,
    serving: &'w BTreeSet<Svc>,
    prices: Prices,
}

/// Starts `svc` on `listener`, wired to every other service's URL (the feed followers get a
/// feed token and a 50 ms poll when the service they follow serves), then `tweak`; checks
/// that it is hermetic ([`assert_hermetic`]). Returns the server and its upstream settings.
async fn launch(
    svc: Svc,
    listener: TcpListener,
    keys: TestKeys,
    db: TestDatabase,
    wiring: &Wiring<'_>,
    clock: Clock,
    tweak: impl FnOnce(&mut Config),
) -> (TestServer, BTreeMap<String, String>) {
    let token = service_token(&keys, svc);
    let mut upstreams = BTreeMap::new();
    let wire = |c: &mut Config| {
        if svc == Svc::Providers {
            c.vars.insert(
                "SETELI_CEILING_PRICES".into(),
                wiring.prices.registry().into(),
            );
        }
        for u in svc.upstreams() {
            if u.has_default || wiring.serving.contains(&u.names) {
                c.vars.insert(u.key.into(), wiring.urls[&u.names].clone());
            }
        }
        for (_, key) in svc
            .follows()
            .iter()
            .filter(|(f, _)| wiring.serving.contains(f))
        {
            c.vars.insert((*key).into(), token.clone());
            c.vars.insert("SETELI_FEED_POLL_MS".into(), "50".into());
        }
        if svc == Svc::Billing {
            c.vars
                .insert("SETELI_BILLING_UPSTREAM_TOKEN".into(), token.clone());
        }
        tweak(c);
        upstreams = assert_hermetic(svc, |key| c.vars.get(key).map(String::as_str));
    };
    let server = match svc {
        Svc::Providers => {
            TestServer::start_on::<seteli_providers::Providers>(listener, keys, db, clock, wire)
                .await
        }
        Svc::Vouchers => {
            TestServer::start_on::<seteli_vouchers::Vouchers>(listener, keys, db, clock, wire).await
        }
        Svc::Attendance => {
            TestServer::start_on::<seteli_attendance::Attendance>(listener, keys, db, clock, wire)
                .await
        }
        Svc::Billing => {
            TestServer::start_on::<seteli_billing::Billing>(listener, keys, db, clock, wire).await
        }
        Svc::Reporting => {
            TestServer::start_on::<seteli_reporting::Reporting>(listener, keys, db, clock, wire)
                .await
        }
    };
    (server, upstreams)
}

/// A tweak of each service's configuration.
type Tweak<'a> = Box<dyn Fn(Svc, &mut Config) + Send + Sync + 'a>;

/// What an environment starts with ([`Env::builder`]); [`Builder::start`] starts it.
#[must_use = "an environment starts only with .start().await"]
pub struct Builder<'a> {
    services: Vec<Svc>,
    keys: Option<TestKeys>,
    clock: Clock,
    prices: Prices,
    outside: BTreeMap<Svc, String>,
    databases: BTreeMap<Svc, TestDatabase>,
    tweaks: Vec<Tweak<'a>>,
}

impl<'a> Builder<'a> {
    /// Starts `services` too (in dependency order, whatever order they are given in).
    pub fn services(mut self, services: &[Svc]) -> Self {
        self.services.extend_from_slice(services);
        self
    }

    /// Every service reads "now" from `clock` (e.g. [`Clock::fixed`], so a month can be closed
    /// or a deadline passed without waiting for the calendar); the system clock otherwise.
    /// Tokens still expire by the system clock.
    pub fn clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// Every service trusts `keys` (made beforehand, e.g. so a tweak can hand a service a token
    /// of them); fresh keys otherwise.
    pub fn keys(mut self, keys: TestKeys) -> Self {
        self.keys = Some(keys);
        self
    }

    /// The ceiling prices to start with ([`Prices::Unset`] otherwise).
    pub fn prices(mut self, prices: Prices) -> Self {
        self.prices = prices;
        self
    }

    /// `tweak` may change each service's configuration after the kit wired it (tweaks run in
    /// the order given). A restart ([`Env::restart`]) does not run it again.
    pub fn tweak(mut self, tweak: impl Fn(Svc, &mut Config) + Send + Sync + 'a) -> Self {
        self.tweaks.push(Box::new(tweak));
        self
    }

    /// `svc` runs outside the environment (a child process, a stand-in, another
    /// environment) at `url`: the services started are wired to it as to one of theirs (feed
    /// tokens included).
    pub fn outside(mut self, svc: Svc, url: impl Into<String>) -> Self {
        self.outside.insert(svc, url.into());
        self
    }

    /// Beside `env`: its keys, and its running services as [`Builder::outside`] ones.
    pub fn beside(mut self, env: &Env) -> Self {
        self.keys = Some(env.keys.clone());
        for (svc, server) in &env.servers {
            self.outside.insert(*svc, server.url());
        }
        self
    }

    /// `svc` runs on `db` (e.g. a database an earlier server of the test migrated and filled)
    /// instead of a fresh one.
    pub fn database(mut self, svc: Svc, db: TestDatabase) -> Self {
        self.databases.insert(svc, db);
        self
    }

    /// Starts the services. Every listener is bound before any service starts, so each
    /// service's configuration names all the others' URLs (vouchers follows attendance, which
    /// follows vouchers); a service neither started nor outside is a port held closed.
    pub async fn start(mut self) -> Env {
        let keys = self.keys.take().unwrap_or_default();
        let mut listeners = Vec::new();
        let mut closed = BTreeMap::new();
        let mut urls = BTreeMap::new();
        for svc in Svc::ALL {
            if self.services.contains(&svc) {
                let listener =
                    outside_make_run(|| std::net::TcpListener::bind("127.0.0.1:0").expect("bind"));
                listener.set_nonblocking(true).expect("non-blocking");
                let listener = TcpListener::from_std(listener).expect("a tokio listener");
                urls.insert(
                    svc,
                    format!("http://{}", listener.local_addr().expect("addr")),
                );
                listeners.push((svc, listener));
            } else if let Some(url) = self.outside.get(&svc) {
                urls.insert(svc, url.clone());
            } else {
                let port = ClosedPort::new();
                urls.insert(svc, port.url());
                closed.insert(svc, port);
            }
        }
        let serving: BTreeSet<Svc> = Svc::ALL
            .into_iter()
            .filter(|s| !closed.contains_key(s))
            .collect();
        let mut env = Env {
            keys,
            servers: BTreeMap::new(),
            retired: Vec::new(),
            clock: self.clock.clone(),
            prices: self.prices,
            urls,
            serving,
            closed,
            upstreams: BTreeMap::new(),
        };
        // Each service's own database, made side by side (on PostgreSQL each is a copy of a
        // template database, and copies made at once share the server's work).
        let fresh = listeners
            .iter()
            .filter(|(svc, _)| !self.databases.contains_key(svc))
            .map(|(svc, _)| async move { (*svc, TestDatabase::migrated(svc.migrations()).await) });
        self.databases
            .extend(futures::future::join_all(fresh).await);
        for (svc, listener) in listeners {
            let db = self
                .databases
                .remove(&svc)
                .expect("a database for every service started");
            let tweaks = &self.tweaks;
            env.launch(svc, listener, db, |c| {
                for tweak in tweaks {
                    tweak(svc, c);
                }
            })
            .await;
        }
        if env.servers.contains_key(&Svc::Vouchers) {
            self.prices.set_in(&env).await;
        }
        env
    }
}

/// A valid identity code (henkilötunnus) that no test registers: a `client` token of a person
/// the county has no voucher for.
pub const STRANGER_IDENTITY_CODE: &str = "010199-9986";

/// A service [`Env::stop`] stopped, to [`Env::start_again`].
#[must_use = "a stopped service is started again with Env::start_again"]
pub struct Stopped {
    svc: Svc,
    server: TestServer,
}

/// Running services.
pub struct Env {
    /// The key every service trusts.
    pub keys: TestKeys,
    servers: BTreeMap<Svc, TestServer>,
    /// Servers stopped by [`Env::restart`], kept because they own their databases.
    retired: Vec<TestServer>,
    /// The clock every service reads "now" and "today" from (the system clock unless pinned).
    clock: Clock,
    /// The prices the registry was configured with.
    prices: Prices,
    /// Where the services were told each service is: a server of this environment, one
    /// outside it, or a port held closed.
    urls: BTreeMap<Svc, String>,
    /// The services that serve (here or outside): the others' ports are held closed.
    serving: BTreeSet<Svc>,
    /// The ports of the services that do not serve, held closed while the environment lives.
    closed: BTreeMap<Svc, ClosedPort>,
    /// Each started service's upstream URL settings, as it was started (after its tweak).
    upstreams: BTreeMap<Svc, BTreeMap<String, String>>,
}

impl Env {
    /// What to start: `Env::builder().services(&[..]).start().await`, with
    /// [`Builder::clock`], [`Builder::keys`], [`Builder::prices`], [`Builder::tweak`],
    /// [`Builder::outside`], [`Builder::beside`] and [`Builder::database`] as a test needs.
    pub fn builder<'a>() -> Builder<'a> {
        Builder {
            services: Vec::new(),
            keys: None,
            clock: Clock::system(),
            prices: Prices::Unset,
            outside: BTreeMap::new(),
            databases: BTreeMap::new(),
            tweaks: Vec::new(),
        }
    }

    /// Starts `svc` on `listener` and `db`, wired as the environment is.
    async fn launch(
        &mut self,
        svc: Svc,
        listener: TcpListener,
        db: TestDatabase,
        tweak: impl FnOnce(&mut Config),
    ) {
        let wiring = Wiring {
            urls: &self.urls,
            serving: &self.serving,
            prices: self.prices,
        };
        let (server, upstreams) = launch(
            svc,
            listener,
            self.keys.clone(),
            db,
            &wiring,
            self.clock.clone(),
            tweak,
        )
        .await;
        self.servers.insert(svc, server);
        self.upstreams.insert(svc, upstreams);
    }

    /// A running service.
    pub fn server(&self, svc: Svc) -> &TestServer {
        self.servers
            .get(&svc)
            .unwrap_or_else(|| panic!("{} was not started in this test", svc.name()))
    }

    /// The services running in this environment.
    pub fn started(&self) -> Vec<Svc> {
        self.servers.keys().copied().collect()
    }

    /// Whether `svc` runs in this environment.
    pub fn runs(&self, svc: Svc) -> bool {
        self.servers.contains_key(&svc)
    }

    /// Takes a running service out of the environment (to stop or restart it).
    pub fn take(&mut self, svc: Svc) -> TestServer {
        self.servers
            .remove(&svc)
            .unwrap_or_else(|| panic!("{} was not started in this test", svc.name()))
    }

    /// The provider registry.
    pub fn providers(&self) -> &TestServer {
        self.server(Svc::Providers)
    }

    /// The voucher service.
    pub fn vouchers(&self) -> &TestServer {
        self.server(Svc::Vouchers)
    }

    /// The attendance service.
    pub fn attendance(&self) -> &TestServer {
        self.server(Svc::Attendance)
    }

    /// The billing service.
    pub fn billing(&self) -> &TestServer {
        self.server(Svc::Billing)
    }

    /// The reporting service.
    pub fn reporting(&self) -> &TestServer {
        self.server(Svc::Reporting)
    }

    /// Where the services were told `svc` is (a server here, one outside, or a port held
    /// closed).
    pub fn url(&self, svc: Svc) -> &str {
        &self.urls[&svc]
    }

    /// The ports this environment holds closed: one for each service that does not serve.
    pub fn closed_ports(&self) -> Vec<SocketAddr> {
        self.closed.values().map(ClosedPort::addr).collect()
    }

    /// The upstream URL settings `svc` was started with (after its tweak), by setting.
    pub fn upstreams(&self, svc: Svc) -> &BTreeMap<String, String> {
        self.upstreams
            .get(&svc)
            .unwrap_or_else(|| panic!("{} was not started in this test", svc.name()))
    }

    /// Restarts `svc`: stops it (waiting until its port is closed) and starts it again on the
    /// same database, wired as at the first start (its tweak is not run again).
    pub async fn restart(&mut self, svc: Svc) {
        let stopped = self.stop(svc).await;
        self.start_again(stopped).await;
    }

    /// Stops `svc` and waits until its port is closed: the others find it away until
    /// [`Env::start_again`].
    pub async fn stop(&mut self, svc: Svc) -> Stopped {
        let mut server = self.take(svc);
        server.begin_shutdown();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while tokio::net::TcpStream::connect(server.addr).await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "{} did not stop",
                svc.name()
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        Stopped { svc, server }
    }

    /// Starts a service [`Env::stop`] stopped on its database and address (the others keep
    /// the URL they were configured with), wired as at the first start.
    pub async fn start_again(&mut self, stopped: Stopped) {
        let Stopped { svc, server } = stopped;
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        let db = TestDatabase::shared(&server.db.url);
        let listener = loop {
            match TcpListener::bind(server.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "{} cannot listen on {} again: {e}",
                        svc.name(),
                        server.addr
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        };
        self.launch(svc, listener, db, |_| {}).await;
        // The stopped server owns its database: keep it until the environment ends.
        self.retired.push(server);
    }

    /// Restarts `svc` (as [`Env::restart`]) reading "now" from `clock` — and so will every
    /// later restart: time moves on for a test without waiting for the calendar.
    pub async fn restart_at(&mut self, svc: Svc, clock: Clock) {
        self.clock = clock;
        self.restart(svc).await;
    }

    /// A token of `role` (and `provider_id` for a provider's user). A `client`'s carries
    /// [`STRANGER_IDENTITY_CODE`], a valid identity code of nobody in the register.
    pub fn token(&self, role: &str, provider_id: Option<&str>) -> String {
        if role == "client" {
            return self.keys.client(STRANGER_IDENTITY_CODE);
        }
        self.keys.token(role, provider_id)
    }

    /// The service account token of `svc` ([`service_token`]): to read a feed or the billable
    /// items as the service that follows them.
    pub fn service(&self, svc: Svc) -> String {
        service_token(&self.keys, svc)
    }

    /// A social worker's token.
    pub fn social_worker(&self) -> String {
        self.keys.token("social_worker", None)
    }

    /// A county administrator's token.
    pub fn admin(&self) -> String {
        self.keys.token("county_admin", None)
    }

    /// An auditor's token.
    pub fn auditor(&self) -> String {
        self.keys.token("auditor", None)
    }

    /// The financial system's token.
    pub fn finance(&self) -> String {
        self.keys.token("finance_system", None)
    }

    /// A token of the voucher holder whose identity code is `identity_code` (role `client`,
    /// strongly identified).
    pub fn client(&self, identity_code: &str) -> String {
        self.keys.client(identity_code)
    }

    /// A token of a user of provider `provider_id`.
    pub fn provider_user(&self, provider_id: &str) -> String {
        self.keys.token_as(
            &format!("user-of-{provider_id}"),
            "provider_user",
            Some(provider_id),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The `SETELI_*_URL` settings the source of `svc` names (its JWKS URL aside).
    fn url_settings_in_source(svc: Svc) -> BTreeSet<String> {
        fn walk(dir: &std::path::Path, found: &mut BTreeSet<String>) {
            for entry in std::fs::read_dir(dir).expect("read the service's source") {
                let path = entry.expect("entry").path();
                if path.is_dir() {
                    walk(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).expect("read");
                    // A URL the platform's config reads by service name
                    // (`config.service_url("vouchers")` is SETELI_VOUCHERS_URL).
                    for (at, _) in text.match_indices("service_url(\"") {
                        let name = text[at + 13..].split('"').next().unwrap_or_default();
                        found.insert(seteli_platform::config::url_key(name));
                    }
                    for (at, _) in text.match_indices("\"SETELI_") {
                        let literal = text[at + 1..].split('"').next().unwrap_or_default();
                        let setting = literal.ends_with("_URL")
                            && literal.chars().all(|c| c.is_ascii_uppercase() || c == '_');
                        if setting && literal != "SETELI_JWKS_URL" {
                            found.insert(literal.to_owned());
                        }
                    }
                }
            }
        }
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../services")
            .join(svc.name())
            .join("src");
        let mut found = BTreeSet::new();
        walk(&src, &mut found);
        found
    }

    #[test]
    fn the_kit_knows_every_upstream_url_setting_each_service_reads() {
        for svc in Svc::ALL {
            let known: BTreeSet<String> =
                svc.upstreams().iter().map(|u| u.key.to_owned()).collect();
            assert_eq!(
                known,
                url_settings_in_source(svc),
                "{}: Svc::upstreams must list every URL setting the service reads, or a test \
                 of it dials a default address",
                svc.name()
            );
        }
    }

    #[test]
    fn an_upstream_with_a_default_left_unset_is_refused() {
        let unset = std::panic::catch_unwind(|| assert_hermetic(Svc::Vouchers, |_| None));
        assert!(unset.is_err(), "vouchers without SETELI_PROVIDERS_URL");
        let blank = std::panic::catch_unwind(|| assert_hermetic(Svc::Attendance, |_| Some(" ")));
        assert!(blank.is_err(), "a blank URL is unset");
        // The registry's upstream has no default: unset, it asks no one.
        assert!(assert_hermetic(Svc::Providers, |_| None).is_empty());
    }

    struct Fake(u16);

    impl PortHolder for Fake {
        fn port(&self) -> u16 {
            self.0
        }
    }

    #[test]
    fn a_make_run_port_the_system_hands_out_is_passed_over() {
        let mut offered = [50051, 50055, 40000].into_iter();
        let bound = outside_make_run(|| Fake(offered.next().expect("a port")));
        assert_eq!(bound.0, 40000);
        let port = ClosedPort::new().addr().port();
        assert!(!MAKE_RUN_PORTS.contains(&port), "{port}");
    }

    #[test]
    fn a_make_run_port_is_refused_and_any_other_is_wired() {
        let make_run = std::panic::catch_unwind(|| {
            assert_hermetic(Svc::Billing, |key| {
                Some(match key {
                    "SETELI_VOUCHERS_URL" => "http://127.0.0.1:50052",
                    _ => "http://127.0.0.1:4711",
                })
            })
        });
        assert!(make_run.is_err(), "billing told make run's vouchers");
        let wired = assert_hermetic(Svc::Reporting, |_| Some("https://localhost:4711"));
        assert_eq!(
            wired.keys().collect::<Vec<_>>(),
            [
                "SETELI_ATTENDANCE_URL",
                "SETELI_PROVIDERS_URL",
                "SETELI_VOUCHERS_URL"
            ]
        );
    }

    #[test]
    fn ports_are_read_from_urls() {
        assert_eq!(port_of("http://127.0.0.1:50051"), Some(50051));
        assert_eq!(port_of("https://localhost:4711/"), Some(4711));
        assert_eq!(port_of("http://[::1]:8080"), Some(8080));
        assert_eq!(port_of("http://vouchers"), None);
        assert_eq!(port_of("not a url"), None);
    }

    #[tokio::test]
    async fn a_closed_port_refuses_a_dial_at_once_and_cannot_be_taken() {
        let closed = ClosedPort::new();
        let started = std::time::Instant::now();
        let dial = tokio::net::TcpStream::connect(closed.addr()).await;
        assert_eq!(
            dial.expect_err("nothing listens").kind(),
            std::io::ErrorKind::ConnectionRefused
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
        assert!(
            std::net::TcpListener::bind(closed.addr()).is_err(),
            "another listener took a port held closed"
        );
        assert_eq!(Svc::named("attendance"), Some(Svc::Attendance));
    }
}
