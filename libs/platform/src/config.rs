//! Configuration from the environment.
//!
//! Every key is `SETELI_…` except `DATABASE_URL`. Defaults let a newcomer run a service on a
//! laptop with nothing set; a value that does not parse is an error naming the key.

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
    /// `SETELI_JWT_AUDIENCE`: the only accepted `aud`.
    pub jwt_audience: String,
    /// `SETELI_LOG`: tracing filter directives.
    pub log_filter: String,
    /// `SETELI_LOG_FORMAT`: `text` or `json`.
    pub log_format: LogFormat,
    /// `SETELI_DRAIN_SECONDS`: how long health says NOT_SERVING before the server stops accepting.
    pub drain: Duration,
    /// `SETELI_SHUTDOWN_GRACE_SECONDS`: after the drain, how long calls in flight may finish.
    pub shutdown_grace: Duration,
    /// `SETELI_UPSTREAM_RESOLVE_SECONDS`: how often another service's host name is resolved
    /// again, so calls spread over its current pods (see [`crate::client`]).
    pub upstream_resolve_every: Duration,
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
            log_filter: get("SETELI_LOG").unwrap_or_else(|| "info".into()),
            log_format,
            drain: Duration::from_secs(parse_or(&get, "SETELI_DRAIN_SECONDS", 5)?),
            shutdown_grace: Duration::from_secs(parse_or(
                &get,
                "SETELI_SHUTDOWN_GRACE_SECONDS",
                25,
            )?),
            upstream_resolve_every: Duration::from_secs(parse_or(
                &get,
                "SETELI_UPSTREAM_RESOLVE_SECONDS",
                30,
            )?),
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
        let map = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Config::from_vars(DEFAULTS, map)
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
    fn metrics_can_be_turned_off() {
        let c = with(&[("SETELI_METRICS_ADDR", "off")]).expect("config");
        assert!(c.metrics_addr.is_none());
    }
}
