//! Where the five services listen, and which token each call carries.
//!
//! A call goes to one service with the token of one role. With `--token` (or `SETELI_TOKEN`)
//! every call carries that token, whatever the command would otherwise call as; without it, a
//! dev token of the command's role is minted from the dev signing key (`--keys`, as `make run`
//! makes it), so a developer never handles tokens by hand. Production has no dev key: there
//! `--token` carries a token from the county's identity provider.

use std::path::Path;

use anyhow::Context as _;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::billing::v1::billing_service_client::BillingServiceClient;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::reporting::v1::reporting_service_client::ReportingServiceClient;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::devkeys::DevKey;
use tonic::transport::{Channel, Endpoint};

/// The largest answer accepted (a pull of approved invoices carries their e-invoices).
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// The roles of the platform, as tokens name them (`Role::as_str`).
pub use seteli_platform::auth::Role;

/// The base URLs of the five services.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoints {
    /// The provider registry.
    pub providers: String,
    /// The voucher service.
    pub vouchers: String,
    /// The attendance service.
    pub attendance: String,
    /// The reporting service.
    pub reporting: String,
    /// The billing service.
    pub billing: String,
}

impl Default for Endpoints {
    /// The ports `make run` uses.
    fn default() -> Self {
        Self {
            providers: "http://127.0.0.1:50051".into(),
            vouchers: "http://127.0.0.1:50052".into(),
            attendance: "http://127.0.0.1:50053".into(),
            reporting: "http://127.0.0.1:50054".into(),
            billing: "http://127.0.0.1:50055".into(),
        }
    }
}

/// Mints dev tokens: the dev signing key with the issuer and audience the services expect.
#[derive(Debug, Clone)]
pub struct DevTokens {
    key: DevKey,
    issuer: String,
    audience: String,
}

impl DevTokens {
    /// Tokens signed with `key` for `issuer` and `audience`.
    pub fn new(key: DevKey, issuer: &str, audience: &str) -> Self {
        Self {
            key,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        }
    }

    /// Tokens signed with the dev key in `dir` (created when absent, as `seteli-dev keys`
    /// does), for `SETELI_JWT_ISSUER` / `SETELI_JWT_AUDIENCE` or the dev defaults.
    pub fn from_dir(dir: &Path) -> anyhow::Result<Self> {
        let key = seteli_devtool::keys(dir)
            .with_context(|| format!("reading the dev signing key in {}", dir.display()))?;
        Ok(Self::new(
            key,
            &seteli_devtool::issuer(),
            &seteli_devtool::audience(),
        ))
    }

    /// A token of `role` (for `provider` when a provider's user), valid for `ttl_seconds`,
    /// with subject `subject` (`None`: `dev-<role>`).
    pub fn mint(
        &self,
        role: &str,
        provider: Option<&str>,
        subject: Option<&str>,
        ttl_seconds: i64,
    ) -> anyhow::Result<String> {
        self.mint_with_identity_code(role, provider, subject, ttl_seconds, None)
    }

    /// As [`DevTokens::mint`], and a `client`'s token carries `identity_code` (required for
    /// that role, refused on any other).
    pub fn mint_with_identity_code(
        &self,
        role: &str,
        provider: Option<&str>,
        subject: Option<&str>,
        ttl_seconds: i64,
        identity_code: Option<&str>,
    ) -> anyhow::Result<String> {
        seteli_devtool::mint(
            &self.key,
            &self.issuer,
            &self.audience,
            &seteli_devtool::TokenRequest {
                role: role.to_owned(),
                provider: provider.map(str::to_owned),
                subject: subject.map(str::to_owned),
                ttl_seconds,
                identity_code: identity_code.map(str::to_owned),
            },
        )
    }
}

/// Where a call's token comes from.
#[derive(Debug, Clone)]
pub enum Tokens {
    /// Every call carries this token.
    Fixed(String),
    /// A dev token of the call's role is minted (an hour's validity).
    Dev(Box<DevTokens>),
}

/// The running platform as the client sees it: its addresses and the caller's tokens.
#[derive(Debug, Clone)]
pub struct Platform {
    /// The services' addresses.
    pub endpoints: Endpoints,
    tokens: Tokens,
    /// Mint every dev token as this role instead of the command's own (`--as`).
    pub role_override: Option<Role>,
}

impl Platform {
    /// The platform at `endpoints`, called with `tokens`.
    pub fn new(endpoints: Endpoints, tokens: Tokens) -> Self {
        Self {
            endpoints,
            tokens,
            role_override: None,
        }
    }

    /// The token a call as `role` (of `provider` for a provider's user) carries.
    pub fn token(&self, role: Role, provider: Option<&str>) -> anyhow::Result<String> {
        match &self.tokens {
            Tokens::Fixed(token) => Ok(token.clone()),
            Tokens::Dev(dev) => {
                let role = self.role_override.unwrap_or(role);
                let provider = provider.filter(|_| role == Role::ProviderUser);
                if role == Role::ProviderUser && provider.is_none() {
                    anyhow::bail!("acting as a provider's user needs the provider: --provider ID");
                }
                dev.mint(role.as_str(), provider, None, 3600)
            }
        }
    }

    /// `message` with the bearer token of `role` (of `provider`).
    pub fn request<T>(
        &self,
        role: Role,
        provider: Option<&str>,
        message: T,
    ) -> anyhow::Result<tonic::Request<T>> {
        let token = self.token(role, provider)?;
        let mut request = tonic::Request::new(message);
        request.metadata_mut().insert(
            "authorization",
            format!("Bearer {token}")
                .parse()
                .context("the token is not a valid header value")?,
        );
        request.set_timeout(std::time::Duration::from_secs(60));
        Ok(request)
    }

    fn channel(url: &str) -> anyhow::Result<Channel> {
        Ok(Endpoint::from_shared(url.to_owned())
            .with_context(|| format!("{url} is not a URL"))?
            .connect_timeout(std::time::Duration::from_secs(5))
            .connect_lazy())
    }

    /// Each service's name with a channel to it (health checks).
    pub fn channels(&self) -> anyhow::Result<Vec<(&'static str, String, Channel)>> {
        let e = &self.endpoints;
        [
            ("providers", &e.providers),
            ("vouchers", &e.vouchers),
            ("attendance", &e.attendance),
            ("reporting", &e.reporting),
            ("billing", &e.billing),
        ]
        .into_iter()
        .map(|(name, url)| Ok((name, url.clone(), Self::channel(url)?)))
        .collect()
    }
}

/// `Platform`'s method per service: a client of it, taking answers up to `MAX_MESSAGE`.
macro_rules! clients {
    ($($(#[$doc:meta])* $service:ident: $client:ident;)*) => {
        impl Platform {$(
            $(#[$doc])*
            pub fn $service(&self) -> anyhow::Result<$client<Channel>> {
                let channel = Self::channel(&self.endpoints.$service)?;
                Ok($client::new(channel).max_decoding_message_size(MAX_MESSAGE))
            }
        )*}
    };
}

clients! {
    /// A client of the provider registry.
    providers: ProvidersServiceClient;
    /// A client of the voucher service.
    vouchers: VouchersServiceClient;
    /// A client of the attendance service.
    attendance: AttendanceServiceClient;
    /// A client of the reporting service.
    reporting: ReportingServiceClient;
    /// A client of the billing service.
    billing: BillingServiceClient;
}

/// A fresh idempotency key for a mutation.
pub fn request_id() -> String {
    uuid::Uuid::now_v7().to_string()
}
