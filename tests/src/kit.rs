//! Any set of Seteli services on port 0, sharing one signing key, each with a fresh database
//! and the others' URLs in its configuration.

use std::collections::BTreeMap;

use seteli_platform::clock::Clock;
use seteli_platform::config::Config;
use seteli_platform::server::Service;
use seteli_platform::testing::{TestDatabase, TestKeys, TestServer};
use tokio::net::TcpListener;

/// Placeholder ceiling prices the registry checks offerings against when `vouchers` is not
/// started beside it.
pub const REGISTRY_PRICES: &str = "KTT_INDIVIDUAL@2024-01-01=65.00,KTT_GROUP@2024-01-01=90.00,\
SK_GROUP@2026-01-01=35.00,SK_SUPPORTED_WORK@2026-01-01=85.00";

/// A Seteli service the kit can start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Svc {
    /// The provider registry.
    Providers,
    /// The voucher service.
    Vouchers,
    /// The attendance service (follows the voucher feed).
    Attendance,
    /// The billing service (asks attendance, vouchers and providers with its upstream token).
    Billing,
    /// The reporting service (follows the voucher feed and attendance's alert feed).
    Reporting,
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
}

/// The bearer token the feed followers use in tests (attendance following the voucher feed,
/// vouchers following attendance's usage feed): a county administrator's, as
/// `SETELI_VOUCHERS_FEED_TOKEN` and `SETELI_ATTENDANCE_FEED_TOKEN` document (no service accounts
/// yet).
pub fn feed_token(keys: &TestKeys) -> String {
    keys.token_as("system:attendance-feed", "county_admin", None)
}

/// Starts `svc` on `listener`, wired to the services in `urls` (the attendance feed followers
/// get a feed token and a 50 ms poll when the service they follow runs), then `tweak`.
async fn launch(
    svc: Svc,
    listener: TcpListener,
    keys: TestKeys,
    db: TestDatabase,
    urls: &BTreeMap<Svc, String>,
    clock: Clock,
    tweak: impl FnOnce(&mut Config),
) -> TestServer {
    let token = feed_token(&keys);
    let wire = |c: &mut Config| {
        if svc == Svc::Providers {
            c.vars
                .insert("SETELI_CEILING_PRICES".into(), REGISTRY_PRICES.into());
        }
        for (other, key) in [
            (Svc::Providers, "SETELI_PROVIDERS_URL"),
            (Svc::Vouchers, "SETELI_VOUCHERS_URL"),
            (Svc::Attendance, "SETELI_ATTENDANCE_URL"),
        ] {
            if let Some(url) = urls.get(&other).filter(|_| other != svc) {
                c.vars.insert(key.into(), url.clone());
            }
        }
        // Reporting follows both the voucher feed and attendance's alert feed.
        let follows: &[(Svc, &str)] = match svc {
            Svc::Attendance => &[(Svc::Vouchers, "SETELI_VOUCHERS_FEED_TOKEN")],
            Svc::Reporting => &[
                (Svc::Vouchers, "SETELI_VOUCHERS_FEED_TOKEN"),
                (Svc::Attendance, "SETELI_ATTENDANCE_FEED_TOKEN"),
            ],
            Svc::Vouchers => &[(Svc::Attendance, "SETELI_ATTENDANCE_FEED_TOKEN")],
            Svc::Providers | Svc::Billing => &[],
        };
        for (_, key) in follows.iter().filter(|(f, _)| urls.contains_key(f)) {
            c.vars.insert((*key).into(), token.clone());
            c.vars.insert("SETELI_FEED_POLL_MS".into(), "50".into());
        }
        if svc == Svc::Billing {
            c.vars
                .insert("SETELI_BILLING_UPSTREAM_TOKEN".into(), token.clone());
        }
        tweak(c);
    };
    match svc {
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
    }
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
}

impl Env {
    /// Starts `services` (in dependency order, whatever order they are given in).
    pub async fn start(services: &[Svc]) -> Env {
        Self::start_tweaked(services, |_, _| {}).await
    }

    /// Starts `services`; `tweak` may change each one's configuration. Every listener is
    /// bound before any service starts, so each service's configuration names all the others'
    /// URLs (vouchers follows attendance, which follows vouchers).
    pub async fn start_tweaked(services: &[Svc], tweak: impl Fn(Svc, &mut Config)) -> Env {
        Self::start_at(services, Clock::system(), tweak).await
    }

    /// Starts `services` with every one reading "now" from `clock` (e.g. [`Clock::fixed`], so a
    /// month can be closed or a deadline passed without waiting for the calendar); `tweak` as in
    /// [`Env::start_tweaked`]. Tokens still expire by the system clock.
    pub async fn start_at(services: &[Svc], clock: Clock, tweak: impl Fn(Svc, &mut Config)) -> Env {
        Self::start_keyed(TestKeys::new(), services, clock, tweak).await
    }

    /// [`Env::start_at`] with keys made beforehand, so `tweak` can hand a service a token of
    /// them (e.g. to follow a service that runs outside the environment).
    pub async fn start_keyed(
        keys: TestKeys,
        services: &[Svc],
        clock: Clock,
        tweak: impl Fn(Svc, &mut Config),
    ) -> Env {
        let mut listeners = Vec::new();
        for svc in Svc::ALL.into_iter().filter(|s| services.contains(s)) {
            let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
            listeners.push((svc, listener));
        }
        let urls: BTreeMap<Svc, String> = listeners
            .iter()
            .map(|(svc, l)| (*svc, format!("http://{}", l.local_addr().expect("addr"))))
            .collect();
        let mut servers: BTreeMap<Svc, TestServer> = BTreeMap::new();
        for (svc, listener) in listeners {
            let db = TestDatabase::fresh().await;
            let server = launch(svc, listener, keys.clone(), db, &urls, clock.clone(), |c| {
                tweak(svc, c)
            })
            .await;
            servers.insert(svc, server);
        }
        Env {
            keys,
            servers,
            retired: Vec::new(),
            clock,
        }
    }

    /// A running service.
    pub fn server(&self, svc: Svc) -> &TestServer {
        self.servers
            .get(&svc)
            .unwrap_or_else(|| panic!("{} was not started in this test", svc.name()))
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

    /// Restarts `svc`: stops it (waiting until its port is closed) and starts it again on the
    /// same database, wired to the running services as at the first start.
    pub async fn restart(&mut self, svc: Svc) {
        let mut stopped = self.take(svc);
        stopped.begin_shutdown();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while tokio::net::TcpStream::connect(stopped.addr).await.is_ok() {
            assert!(
                std::time::Instant::now() < deadline,
                "{} did not stop",
                svc.name()
            );
            tokio::task::yield_now().await;
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        let db = seteli_platform::testing::TestDatabase::shared(&stopped.db.url);
        // The same address: the others keep the URL they were configured with.
        let listener = loop {
            match TcpListener::bind(stopped.addr).await {
                Ok(l) => break l,
                Err(e) => {
                    assert!(
                        std::time::Instant::now() < deadline,
                        "{} cannot listen on {} again: {e}",
                        svc.name(),
                        stopped.addr
                    );
                    tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                }
            }
        };
        let mut urls: BTreeMap<Svc, String> = self
            .servers
            .iter()
            .map(|(s, server)| (*s, server.url()))
            .collect();
        urls.insert(svc, stopped.url());
        let server = launch(
            svc,
            listener,
            self.keys.clone(),
            db,
            &urls,
            self.clock.clone(),
            |_| {},
        )
        .await;
        // The stopped server owns its database: keep it until the environment ends.
        self.retired.push(stopped);
        self.servers.insert(svc, server);
    }

    /// Restarts `svc` (as [`Env::restart`]) reading "now" from `clock` — and so will every
    /// later restart: time moves on for a test without waiting for the calendar.
    pub async fn restart_at(&mut self, svc: Svc, clock: Clock) {
        self.clock = clock;
        self.restart(svc).await;
    }

    /// A token of `role` (and `provider_id` for a provider's user).
    pub fn token(&self, role: &str, provider_id: Option<&str>) -> String {
        self.keys.token(role, provider_id)
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

    /// A token of a user of provider `provider_id`.
    pub fn provider_user(&self, provider_id: &str) -> String {
        self.keys.token_as(
            &format!("user-of-{provider_id}"),
            "provider_user",
            Some(provider_id),
        )
    }
}
