//! Configuration from the environment.
//!
//! Every key is `SETELI_…` except `DATABASE_URL`. Defaults let a newcomer run a service on a
//! laptop with nothing set but `SETELI_DEV=true` (`make run` sets it: the default issuer and the
//! dev keys are refused outside dev mode); a value that does not parse is an error naming the
//! key.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// A configuration value that could not be used.
#[derive(Debug, thiserror::Error)]
#[error("configuration key {key}: {message}")]
pub struct ConfigError {
    /// The environment variable.
    pub key: String,
    /// What is wrong with it.
    pub message: String,
}

/// Log output format (`SETELI_LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines, for a terminal.
    Text,
    /// One JSON object per line, for log collectors.
    Json,
}

/// When a service applies its database migrations (`SETELI_MIGRATE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MigrateMode {
    /// `on-start` (the default): every starting process migrates (replicas take turns on
    /// PostgreSQL's advisory lock), fine for short migrations and a laptop.
    OnStart,
    /// `wait`: the serving process never migrates; it waits until another process — a
    /// Kubernetes Job running `seteli-<service> --migrate-only` — has applied every migration
    /// it knows, for at most `SETELI_MIGRATE_TIMEOUT_SECONDS`. A long migration then cannot
    /// crash-loop the serving pods.
    Wait,
}

/// Per-service defaults: each service has its own local ports so all five run side by side.
#[derive(Debug, Clone, Copy)]
pub struct ServiceDefaults {
    /// Short service name, e.g. `providers`; also the default SQLite file name.
    pub name: &'static str,
    /// Default local gRPC port.
    pub grpc_port: u16,
    /// Default local metrics port.
    pub metrics_port: u16,
}

/// The server's TLS identity: PEM files of its certificate chain and private key.
#[derive(Debug, Clone)]
pub struct ServerTls {
    /// `SETELI_TLS_CERT_FILE`.
    pub cert_file: PathBuf,
    /// `SETELI_TLS_KEY_FILE`.
    pub key_file: PathBuf,
}

/// How a service calls the others ([`Config::upstream`]; the channels themselves are the
/// `client` module's).
#[derive(Debug, Clone)]
pub struct UpstreamOptions {
    /// How often a host name is resolved again (`SETELI_UPSTREAM_RESOLVE_SECONDS`).
    pub resolve_every: Duration,
    /// The CA certificate (PEM) that signs the other services' certificates
    /// (`SETELI_UPSTREAM_CA_FILE`), for `https://` URLs; unset: the system's roots.
    pub ca_file: Option<PathBuf>,
}

impl UpstreamOptions {
    /// Cleartext or system-trusted upstreams, resolved every `resolve_every`.
    pub fn resolving_every(resolve_every: Duration) -> Self {
        Self {
            resolve_every,
            ca_file: None,
        }
    }
}

/// Everything a service needs to start.
#[derive(Debug, Clone)]
pub struct Config {
    /// Short service name, e.g. `providers`.
    pub service: &'static str,
    /// `SETELI_GRPC_ADDR`: where gRPC (and gRPC-Web) listens.
    pub grpc_addr: SocketAddr,
    /// `SETELI_METRICS_ADDR`: where Prometheus metrics are served over HTTP; `off` disables.
    pub metrics_addr: Option<SocketAddr>,
    /// `DATABASE_URL`: `sqlite://…` (default, a file under `./data/`) or `postgres://…`.
    pub database_url: String,
    /// `SETELI_DB_MAX_CONNECTIONS`: pool size.
    pub db_max_connections: u32,
    /// `SETELI_MIGRATE`: migrate on start, or wait for a `--migrate-only` run.
    pub migrate: MigrateMode,
    /// `SETELI_MIGRATE_TIMEOUT_SECONDS`: how long `--migrate-only` may run, and how long a
    /// waiting service waits for it (default 600).
    pub migrate_timeout: Duration,
    /// `SETELI_JWKS_PATH`: JWKS file with the public keys that sign tokens.
    pub jwks_path: PathBuf,
    /// `SETELI_JWT_ISSUER`: the only accepted `iss`.
    pub jwt_issuer: String,
    /// `SETELI_JWT_AUDIENCE`: the accepted audiences, comma-separated; a token's `aud` must name
    /// one of them. Give each service its own (`seteli-vouchers`) beside the portal's when the
    /// identity provider issues per-service audiences; the portal's token is forwarded between
    /// services, so the portal's audience stays in every list that serves it.
    pub jwt_audience: String,
    /// `SETELI_DEV`: dev mode (`true`/`false`, default `false`). Only in dev mode does a service
    /// start with the dev issuer (`seteli-dev`) or the dev signing key's id in its JWKS.
    pub dev: bool,
    /// `SETELI_JWKS_URL`: an `http(s)://` URL of the identity provider's JWKS. When set, keys
    /// come from there (fetched at start, refreshed) and `SETELI_JWKS_PATH` is not read.
    pub jwks_url: Option<String>,
    /// `SETELI_JWKS_REFRESH_SECONDS`: how often the JWKS (URL or file) is read again (default
    /// 300); an unknown `kid` also triggers a read, at most once per 30 s.
    pub jwks_refresh: Duration,
    /// `SETELI_JWT_MAX_LIFETIME_SECONDS`: the longest a token may live, `exp - iat` (from now
    /// when it has no `iat`); default 86,400 (24 h).
    pub jwt_max_lifetime: Duration,
    /// `SETELI_JWT_ROLE_CLAIM`: where the role is in a token — a claim name or a dotted path
    /// such as `realm_access.roles` (default `role`).
    pub jwt_role_claim: String,
    /// `SETELI_JWT_PROVIDER_CLAIM`: where a provider user's provider id is in a token (default
    /// `provider_id`).
    pub jwt_provider_claim: String,
    /// `SETELI_JWT_TEAM_CLAIM`: where a social worker's team is in a token (default `team`); a
    /// team shares its members' caseloads. A token without it: the worker's own caseload only.
    pub jwt_team_claim: String,
    /// `SETELI_JWT_IDENTITY_CODE_CLAIM`: where a `client`'s identity code (henkilötunnus) is in
    /// their strongly identified token (default `hetu`; Suomi.fi's attribute is
    /// `nationalIdentificationNumber`). A client token without a valid code there is refused.
    pub jwt_identity_code_claim: String,
    /// `SETELI_JWT_CACHE_SIZE`: how many verified tokens are remembered until their `exp`
    /// (default 10,000; `0` verifies every call).
    pub jwt_cache_size: usize,
    /// `SETELI_LOG`: tracing filter directives.
    pub log_filter: String,
    /// `SETELI_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `SETELI_DRAIN_SECONDS`: how long health says NOT_SERVING before the server stops accepting.
    pub drain: Duration,
    /// `SETELI_SHUTDOWN_GRACE_SECONDS`: after the drain, how long calls in flight may finish.
    pub shutdown_grace: Duration,
    /// How this service calls the others: `SETELI_UPSTREAM_RESOLVE_SECONDS` (how often their
    /// host names are resolved again) and `SETELI_UPSTREAM_CA_FILE` (the CA that signs their
    /// certificates, for `https://` upstream URLs), for the `client` module's channels.
    pub upstream: UpstreamOptions,
    /// `SETELI_TLS_CERT_FILE` and `SETELI_TLS_KEY_FILE` (PEM, both or neither): serve gRPC over
    /// TLS. Off when unset.
    pub tls: Option<ServerTls>,
    /// `SETELI_PLAINTEXT_HEALTH_ADDR`: with TLS on, where `grpc.health.v1` alone is also served
    /// in cleartext, for the kubelet's gRPC probes (they cannot speak TLS). It answers nothing
    /// but health. Off when unset.
    pub plaintext_health_addr: Option<SocketAddr>,
    /// `SETELI_HEALTH_INTERVAL_MS`: how often the database is probed for health.
    pub health_interval: Duration,
    /// `SETELI_CORS_ALLOWED_ORIGINS`: browser origins allowed to call over gRPC-Web; empty: none.
    pub cors_allowed_origins: Vec<String>,
    /// Every `SETELI_…` variable as read, for a service's own keys (see [`Config::var`]).
    pub vars: BTreeMap<String, String>,
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env(defaults: ServiceDefaults) -> Result<Self, ConfigError> {
        let vars = std::env::vars()
            .filter(|(k, _)| k.starts_with("SETELI_") || k == "DATABASE_URL")
            .collect();
        Self::from_vars(defaults, vars)
    }

    /// [`Config::from_vars`] of `pairs` (a test's settings).
    pub fn from_pairs(
        defaults: ServiceDefaults,
        pairs: &[(&str, &str)],
    ) -> Result<Self, ConfigError> {
        let vars = pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Self::from_vars(defaults, vars)
    }

    /// Reads the configuration from a map of variables (the environment, or a map in tests).
    pub fn from_vars(
        defaults: ServiceDefaults,
        vars: BTreeMap<String, String>,
    ) -> Result<Self, ConfigError> {
        let get = |key: &str| vars.get(key).filter(|v| !v.trim().is_empty()).cloned();
        let metrics_addr = match get("SETELI_METRICS_ADDR") {
            Some(v) if v.eq_ignore_ascii_case("off") => None,
            Some(v) => Some(parse("SETELI_METRICS_ADDR", &v)?),
            None => Some(SocketAddr::from(([127, 0, 0, 1], defaults.metrics_port))),
        };
        let log_format = match get("SETELI_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    key: "SETELI_LOG_FORMAT".into(),
                    message: format!("expected `text` or `json`, got `{other}`"),
                });
            }
        };
        let db_max_connections: u32 = parse_or(&get, "SETELI_DB_MAX_CONNECTIONS", 10)?;
        if db_max_connections == 0 {
            return Err(ConfigError {
                key: "SETELI_DB_MAX_CONNECTIONS".into(),
                message: "must be at least 1".into(),
            });
        }
        let jwks_url = match get("SETELI_JWKS_URL") {
            Some(url) => Some(jwks_url("SETELI_JWKS_URL", url.trim())?),
            None => None,
        };
        let jwks_refresh: u64 = parse_or(&get, "SETELI_JWKS_REFRESH_SECONDS", 300)?;
        if jwks_refresh == 0 {
            return Err(ConfigError {
                key: "SETELI_JWKS_REFRESH_SECONDS".into(),
                message: "must be at least 1".into(),
            });
        }
        let jwt_max_lifetime: u64 = parse_or(&get, "SETELI_JWT_MAX_LIFETIME_SECONDS", 86_400)?;
        if jwt_max_lifetime == 0 {
            return Err(ConfigError {
                key: "SETELI_JWT_MAX_LIFETIME_SECONDS".into(),
                message: "must be at least 1".into(),
            });
        }
        let claim = |key: &str, default: &str| -> Result<String, ConfigError> {
            let value = get(key).map(|v| v.trim().to_owned());
            let value = value.unwrap_or_else(|| default.to_owned());
            if value.split('.').any(str::is_empty) {
                return Err(ConfigError {
                    key: key.into(),
                    message: format!(
                        "`{value}` is neither a claim name nor a dotted path such as `realm_access.roles`"
                    ),
                });
            }
            Ok(value)
        };
        let jwt_role_claim = claim("SETELI_JWT_ROLE_CLAIM", "role")?;
        let jwt_provider_claim = claim("SETELI_JWT_PROVIDER_CLAIM", "provider_id")?;
        let jwt_team_claim = claim("SETELI_JWT_TEAM_CLAIM", "team")?;
        let jwt_identity_code_claim = claim("SETELI_JWT_IDENTITY_CODE_CLAIM", "hetu")?;
        Ok(Self {
            service: defaults.name,
            grpc_addr: parse_or(
                &get,
                "SETELI_GRPC_ADDR",
                SocketAddr::from(([127, 0, 0, 1], defaults.grpc_port)),
            )?,
            metrics_addr,
            database_url: get("DATABASE_URL")
                .unwrap_or_else(|| format!("sqlite://data/{}.db?mode=rwc", defaults.name)),
            db_max_connections,
            migrate: match get("SETELI_MIGRATE").as_deref().map(str::trim) {
                None | Some("" | "on-start") => MigrateMode::OnStart,
                Some("wait") => MigrateMode::Wait,
                Some(other) => {
                    return Err(ConfigError {
                        key: "SETELI_MIGRATE".into(),
                        message: format!("`{other}` is neither `on-start` nor `wait`"),
                    });
                }
            },
            migrate_timeout: Duration::from_secs(parse_or(
                &get,
                "SETELI_MIGRATE_TIMEOUT_SECONDS",
                600,
            )?),
            jwks_path: get("SETELI_JWKS_PATH")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("deploy/dev-keys/jwks.json")),
            jwt_issuer: get("SETELI_JWT_ISSUER").unwrap_or_else(|| "seteli-dev".into()),
            jwt_audience: get("SETELI_JWT_AUDIENCE").unwrap_or_else(|| "seteli".into()),
            dev: parse_or(&get, "SETELI_DEV", false)?,
            jwks_url,
            jwks_refresh: Duration::from_secs(jwks_refresh),
            jwt_max_lifetime: Duration::from_secs(jwt_max_lifetime),
            jwt_role_claim,
            jwt_provider_claim,
            jwt_team_claim,
            jwt_identity_code_claim,
            jwt_cache_size: parse_or(&get, "SETELI_JWT_CACHE_SIZE", 10_000)?,
            log_filter: get("SETELI_LOG").unwrap_or_else(|| "info".into()),
            log_format,
            drain: Duration::from_secs(parse_or(&get, "SETELI_DRAIN_SECONDS", 5)?),
            shutdown_grace: Duration::from_secs(parse_or(
                &get,
                "SETELI_SHUTDOWN_GRACE_SECONDS",
                25,
            )?),
            upstream: UpstreamOptions {
                resolve_every: Duration::from_secs(parse_or(
                    &get,
                    "SETELI_UPSTREAM_RESOLVE_SECONDS",
                    30,
                )?),
                ca_file: get("SETELI_UPSTREAM_CA_FILE").map(PathBuf::from),
            },
            tls: match (get("SETELI_TLS_CERT_FILE"), get("SETELI_TLS_KEY_FILE")) {
                (None, None) => None,
                (Some(cert), Some(key)) => Some(ServerTls {
                    cert_file: cert.into(),
                    key_file: key.into(),
                }),
                (Some(_), None) => {
                    return Err(ConfigError {
                        key: "SETELI_TLS_KEY_FILE".into(),
                        message: "SETELI_TLS_CERT_FILE is set: the key must be set too".into(),
                    });
                }
                (None, Some(_)) => {
                    return Err(ConfigError {
                        key: "SETELI_TLS_CERT_FILE".into(),
                        message: "SETELI_TLS_KEY_FILE is set: the certificate must be set too"
                            .into(),
                    });
                }
            },
            plaintext_health_addr: get("SETELI_PLAINTEXT_HEALTH_ADDR")
                .map(|v| parse("SETELI_PLAINTEXT_HEALTH_ADDR", &v))
                .transpose()?,
            health_interval: Duration::from_millis(parse_or(
                &get,
                "SETELI_HEALTH_INTERVAL_MS",
                2000,
            )?),
            cors_allowed_origins: get("SETELI_CORS_ALLOWED_ORIGINS")
                .map(|v| {
                    v.split(',')
                        .map(|s| s.trim().to_owned())
                        .filter(|s| !s.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
            vars: vars.clone(),
        })
    }

    /// A service's own variable, e.g. `SETELI_PROVIDERS_URL`; `None` when unset or empty.
    pub fn var(&self, key: &str) -> Option<&str> {
        self.vars
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.trim().is_empty())
    }

    /// Parses a service's own variable, or returns `default` when it is unset.
    pub fn var_or<T: FromStr>(&self, key: &str, default: T) -> Result<T, ConfigError>
    where
        T::Err: std::fmt::Display,
    {
        match self.var(key) {
            Some(v) => parse(key, v),
            None => Ok(default),
        }
    }

    /// A service's own variable, trimmed (a token, a name); `None` when unset or blank.
    pub fn text(&self, key: &str) -> Option<String> {
        self.var(key).map(|v| v.trim().to_owned())
    }

    /// Where `service` is: [`url_key`]`(service)` trimmed, or its [`default_url`] (empty for a
    /// service without one, which fails as no URL where it is dialled).
    pub fn service_url(&self, service: &str) -> String {
        self.text(&url_key(service))
            .unwrap_or_else(|| default_url(service).unwrap_or_default().to_owned())
    }

    /// How often something is polled: `key` in milliseconds (`default_ms` when unset), at
    /// least 1.
    pub fn poll_ms(&self, key: &str, default_ms: u64) -> Result<Duration, ConfigError> {
        match self.var_or(key, default_ms)? {
            0 => Err(ConfigError {
                key: key.into(),
                message: "must be at least 1".into(),
            }),
            ms => Ok(Duration::from_millis(ms)),
        }
    }

    /// A number of days: `key` (`default` when unset), not negative.
    pub fn days_or(&self, key: &str, default: i64) -> Result<i64, ConfigError> {
        match self.var_or(key, default)? {
            days if days < 0 => Err(ConfigError {
                key: key.into(),
                message: "must not be negative".into(),
            }),
            days => Ok(days),
        }
    }

    /// A service's own variable that must be set.
    pub fn require_var(&self, key: &str) -> Result<&str, ConfigError> {
        self.var(key).ok_or_else(|| ConfigError {
            key: key.into(),
            message: "required".into(),
        })
    }
}

fn parse<T: FromStr>(key: &str, value: &str) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| ConfigError {
        key: key.into(),
        message: format!("cannot parse `{value}`: {e}"),
    })
}

/// Checks a JWKS URL: `http://` or `https://` with a host.
fn jwks_url(key: &str, value: &str) -> Result<String, ConfigError> {
    let bad = |why: &str| ConfigError {
        key: key.into(),
        message: format!("`{value}` {why}"),
    };
    let uri: http::Uri = value.parse().map_err(|_| bad("is not a URL"))?;
    match uri.scheme_str() {
        Some("http" | "https") => {}
        _ => return Err(bad("is not an http:// or https:// URL")),
    }
    if uri.host().is_none_or(str::is_empty) {
        return Err(bad("has no host"));
    }
    Ok(value.to_owned())
}

/// Where the provider registry listens on a developer's machine (`make run`).
pub const DEFAULT_PROVIDERS_URL: &str = "http://127.0.0.1:50051";
/// Where the voucher service listens on a developer's machine (`make run`).
pub const DEFAULT_VOUCHERS_URL: &str = "http://127.0.0.1:50052";
/// Where the attendance service listens on a developer's machine (`make run`).
pub const DEFAULT_ATTENDANCE_URL: &str = "http://127.0.0.1:50053";

/// Where `service` (`providers`, `vouchers`, `attendance`: the services others call) listens
/// on a developer's machine; `None` for a service no other one calls.
pub fn default_url(service: &str) -> Option<&'static str> {
    match service {
        "providers" => Some(DEFAULT_PROVIDERS_URL),
        "vouchers" => Some(DEFAULT_VOUCHERS_URL),
        "attendance" => Some(DEFAULT_ATTENDANCE_URL),
        _ => None,
    }
}

/// The setting that names where `service` is: `SETELI_<SERVICE>_URL`.
pub fn url_key(service: &str) -> String {
    format!("SETELI_{}_URL", service.to_ascii_uppercase())
}

/// Parses `key` with `get`, or returns `default` when it is unset.
pub fn parse_or<T: FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: T,
) -> Result<T, ConfigError>
where
    T::Err: std::fmt::Display,
{
    match get(key) {
        Some(v) => parse(key, &v),
        None => Ok(default),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "providers",
        grpc_port: 50051,
        metrics_port: 9101,
    };

    fn with(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        Config::from_pairs(DEFAULTS, vars)
    }

    #[test]
    fn tls_needs_both_the_certificate_and_the_key_and_names_the_missing_one() {
        let c = with(&[]).expect("defaults");
        assert!(
            c.tls.is_none() && c.plaintext_health_addr.is_none() && c.upstream.ca_file.is_none()
        );
        let err = with(&[("SETELI_TLS_CERT_FILE", "/tls/tls.crt")]).expect_err("no key");
        assert_eq!(err.key, "SETELI_TLS_KEY_FILE");
        let err = with(&[("SETELI_TLS_KEY_FILE", "/tls/tls.key")]).expect_err("no certificate");
        assert_eq!(err.key, "SETELI_TLS_CERT_FILE");
        let c = with(&[
            ("SETELI_TLS_CERT_FILE", "/tls/tls.crt"),
            ("SETELI_TLS_KEY_FILE", "/tls/tls.key"),
            ("SETELI_UPSTREAM_CA_FILE", "/tls/ca.crt"),
            ("SETELI_PLAINTEXT_HEALTH_ADDR", "0.0.0.0:50060"),
        ])
        .expect("TLS");
        assert_eq!(c.tls.expect("on").key_file, PathBuf::from("/tls/tls.key"));
        assert_eq!(c.upstream.ca_file, Some(PathBuf::from("/tls/ca.crt")));
        assert_eq!(c.plaintext_health_addr.map(|a| a.port()), Some(50060));
    }

    #[test]
    fn service_urls_tokens_and_polls_read_with_their_defaults() {
        let c = with(&[
            ("SETELI_VOUCHERS_URL", " http://vouchers:50052 "),
            ("SETELI_A_TOKEN", "  secret "),
            ("SETELI_BLANK_TOKEN", "   "),
            ("SETELI_POLL_MS", "250"),
            ("SETELI_ZERO_MS", "0"),
        ])
        .expect("config");
        assert_eq!(c.service_url("vouchers"), "http://vouchers:50052");
        assert_eq!(c.service_url("providers"), DEFAULT_PROVIDERS_URL);
        assert_eq!(c.service_url("attendance"), DEFAULT_ATTENDANCE_URL);
        assert_eq!(c.service_url("billing"), "");
        assert_eq!(url_key("attendance"), "SETELI_ATTENDANCE_URL");
        assert_eq!(c.text("SETELI_A_TOKEN").as_deref(), Some("secret"));
        assert_eq!(c.text("SETELI_BLANK_TOKEN"), None);
        assert_eq!(c.text("SETELI_UNSET_TOKEN"), None);
        assert_eq!(
            c.poll_ms("SETELI_POLL_MS", 1000).expect("set"),
            Duration::from_millis(250)
        );
        assert_eq!(
            c.poll_ms("SETELI_UNSET_MS", 1000).expect("default"),
            Duration::from_millis(1000)
        );
        let err = c.poll_ms("SETELI_ZERO_MS", 1000).expect_err("zero");
        assert_eq!(
            (err.key.as_str(), err.message.as_str()),
            ("SETELI_ZERO_MS", "must be at least 1")
        );
    }

    #[test]
    fn defaults_work_on_a_laptop() {
        let c = with(&[]).expect("defaults");
        assert_eq!(c.grpc_addr.port(), 50051);
        assert_eq!(c.database_url, "sqlite://data/providers.db?mode=rwc");
        assert_eq!(c.log_format, LogFormat::Text);
    }

    #[test]
    fn a_bad_value_names_its_key() {
        let err = with(&[("SETELI_GRPC_ADDR", "nowhere")]).expect_err("must fail");
        assert_eq!(err.key, "SETELI_GRPC_ADDR");
        assert!(err.to_string().contains("SETELI_GRPC_ADDR"));
        let err = with(&[("SETELI_LOG_FORMAT", "xml")]).expect_err("must fail");
        assert_eq!(err.key, "SETELI_LOG_FORMAT");
        let err = with(&[("SETELI_DB_MAX_CONNECTIONS", "0")]).expect_err("must fail");
        assert_eq!(err.key, "SETELI_DB_MAX_CONNECTIONS");
    }

    #[test]
    fn token_settings_have_defaults_and_name_their_keys() {
        let c = with(&[]).expect("defaults");
        assert!(!c.dev, "dev mode is off unless asked for");
        assert_eq!(c.jwks_url, None);
        assert_eq!(c.jwks_refresh, Duration::from_secs(300));
        assert_eq!(c.jwt_max_lifetime, Duration::from_secs(86_400));
        assert_eq!(c.jwt_role_claim, "role");
        assert_eq!(c.jwt_provider_claim, "provider_id");
        assert_eq!(c.jwt_team_claim, "team");
        assert_eq!(c.jwt_identity_code_claim, "hetu");
        assert_eq!(c.jwt_cache_size, 10_000);
        let c = with(&[
            ("SETELI_DEV", "true"),
            (
                "SETELI_JWKS_URL",
                "https://idp.example.fi/realms/county/protocol/openid-connect/certs",
            ),
            ("SETELI_JWT_ROLE_CLAIM", "realm_access.roles"),
            ("SETELI_JWT_PROVIDER_CLAIM", "seteli_provider"),
        ])
        .expect("config");
        assert!(c.dev);
        assert!(c.jwks_url.is_some());
        assert_eq!(c.jwt_role_claim, "realm_access.roles");
        for (key, value) in [
            ("SETELI_DEV", "yes please"),
            ("SETELI_JWKS_URL", "ftp://idp.example.fi/jwks"),
            ("SETELI_JWKS_URL", "/etc/jwks.json"),
            ("SETELI_JWKS_REFRESH_SECONDS", "0"),
            ("SETELI_JWT_MAX_LIFETIME_SECONDS", "0"),
            ("SETELI_JWT_ROLE_CLAIM", "realm_access..roles"),
            ("SETELI_JWT_PROVIDER_CLAIM", "."),
            ("SETELI_JWT_CACHE_SIZE", "-1"),
        ] {
            let err = with(&[(key, value)]).expect_err(value);
            assert_eq!(err.key, key, "{value}");
        }
    }

    #[test]
    fn metrics_can_be_turned_off() {
        let c = with(&[("SETELI_METRICS_ADDR", "off")]).expect("config");
        assert!(c.metrics_addr.is_none());
    }
}
