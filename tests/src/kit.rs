//! Any set of Seteli services on port 0, sharing one signing key, each with a fresh database
//! and the others' URLs in its configuration.

use std::collections::BTreeMap;

use seteli_platform::config::Config;
use seteli_platform::server::Service;
use seteli_platform::testing::{TestDatabase, TestKeys, TestServer};

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
}

impl Svc {
    /// Every service, in start order (a service starts after those it calls).
    pub const ALL: [Svc; 3] = [Svc::Providers, Svc::Vouchers, Svc::Attendance];

    /// The service's name (`DEFAULTS.name`).
    pub fn name(self) -> &'static str {
        match self {
            Svc::Providers => seteli_providers::Providers::DEFAULTS.name,
            Svc::Vouchers => seteli_vouchers::Vouchers::DEFAULTS.name,
            Svc::Attendance => seteli_attendance::Attendance::DEFAULTS.name,
        }
    }

    /// The protobuf package of its contract.
    pub fn package(self) -> &'static str {
        match self {
            Svc::Providers => "seteli.providers.v1",
            Svc::Vouchers => "seteli.vouchers.v1",
            Svc::Attendance => "seteli.attendance.v1",
        }
    }
}

/// The bearer token the attendance service follows the voucher feed with in tests: a county
/// administrator's, as `SETELI_VOUCHERS_FEED_TOKEN` documents (no service accounts yet).
pub fn feed_token(keys: &TestKeys) -> String {
    keys.token_as("system:attendance-feed", "county_admin", None)
}

/// Running services.
pub struct Env {
    /// The key every service trusts.
    pub keys: TestKeys,
    servers: BTreeMap<Svc, TestServer>,
    /// Servers stopped by [`Env::restart`], kept because they own their databases.
    retired: Vec<TestServer>,
}

impl Env {
    /// Starts `services` (in dependency order, whatever order they are given in).
    pub async fn start(services: &[Svc]) -> Env {
        Self::start_tweaked(services, |_, _| {}).await
    }

    /// Starts `services`; `tweak` may change each one's configuration.
    pub async fn start_tweaked(services: &[Svc], tweak: impl Fn(Svc, &mut Config)) -> Env {
        let keys = TestKeys::new();
        let mut servers: BTreeMap<Svc, TestServer> = BTreeMap::new();
        for svc in Svc::ALL.into_iter().filter(|s| services.contains(s)) {
            let url_of = |s: Svc| servers.get(&s).map(TestServer::url);
            let providers_url = url_of(Svc::Providers);
            let vouchers_url = url_of(Svc::Vouchers);
            let wire = |c: &mut Config| {
                if let Some(url) = &providers_url {
                    c.vars.insert("SETELI_PROVIDERS_URL".into(), url.clone());
                }
                if let Some(url) = &vouchers_url {
                    c.vars.insert("SETELI_VOUCHERS_URL".into(), url.clone());
                }
                tweak(svc, c);
            };
            let db = TestDatabase::fresh().await;
            let server = match svc {
                Svc::Providers => {
                    TestServer::start_with::<seteli_providers::Providers>(keys.clone(), db, |c| {
                        c.vars
                            .insert("SETELI_CEILING_PRICES".into(), REGISTRY_PRICES.into());
                        wire(c);
                    })
                    .await
                }
                Svc::Vouchers => {
                    TestServer::start_with::<seteli_vouchers::Vouchers>(keys.clone(), db, wire)
                        .await
                }
                Svc::Attendance => {
                    let feed_token = feed_token(&keys);
                    TestServer::start_with::<seteli_attendance::Attendance>(keys.clone(), db, |c| {
                        if vouchers_url.is_some() {
                            c.vars
                                .insert("SETELI_VOUCHERS_FEED_TOKEN".into(), feed_token);
                            c.vars.insert("SETELI_FEED_POLL_MS".into(), "50".into());
                        }
                        wire(c);
                    })
                    .await
                }
            };
            servers.insert(svc, server);
        }
        Env {
            keys,
            servers,
            retired: Vec::new(),
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
        let url_of = |s: Svc| self.servers.get(&s).map(TestServer::url);
        let (providers_url, vouchers_url) = (url_of(Svc::Providers), url_of(Svc::Vouchers));
        let token = feed_token(&self.keys);
        let wire = |c: &mut Config| {
            if let Some(url) = &providers_url {
                c.vars.insert("SETELI_PROVIDERS_URL".into(), url.clone());
            }
            if let Some(url) = &vouchers_url {
                c.vars.insert("SETELI_VOUCHERS_URL".into(), url.clone());
                c.vars
                    .insert("SETELI_VOUCHERS_FEED_TOKEN".into(), token.clone());
                c.vars.insert("SETELI_FEED_POLL_MS".into(), "50".into());
            }
        };
        let keys = self.keys.clone();
        let server = match svc {
            Svc::Providers => {
                TestServer::start_with::<seteli_providers::Providers>(keys, db, |c| {
                    c.vars
                        .insert("SETELI_CEILING_PRICES".into(), REGISTRY_PRICES.into());
                    wire(c);
                })
                .await
            }
            Svc::Vouchers => {
                TestServer::start_with::<seteli_vouchers::Vouchers>(keys, db, wire).await
            }
            Svc::Attendance => {
                TestServer::start_with::<seteli_attendance::Attendance>(keys, db, wire).await
            }
        };
        // The stopped server owns its database: keep it until the environment ends.
        self.retired.push(stopped);
        self.servers.insert(svc, server);
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
