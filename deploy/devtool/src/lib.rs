//! Local development keys and tokens, as a library: the `seteli-dev` binary and the `seteli`
//! command-line client both mint dev tokens with it.
//!
//! Never use these keys outside a developer's machine: production tokens come from the
//! county's identity provider and services only hold its public JWKS.

use std::path::Path;

use seteli_platform::auth::Role;
use seteli_platform::devkeys::DevKey;

/// Key id of the dev signing key.
pub const KID: &str = "seteli-dev-1";

/// Where `make run` keeps the dev keys.
pub const DEFAULT_DIR: &str = "deploy/dev-keys";

/// The dev signing key in `dir` (`signing-key.pem`, with its public `jwks.json`): read when it
/// exists (its key id from `jwks.json`, else [`KID`]), else generated and written. A missing
/// `jwks.json` is written again from the key.
pub fn keys(dir: &Path) -> anyhow::Result<DevKey> {
    let pem_path = dir.join("signing-key.pem");
    let jwks_path = dir.join("jwks.json");
    if pem_path.exists() {
        // The key id is the one its JWKS publishes (a key written elsewhere may have its own).
        let kid = std::fs::read_to_string(&jwks_path)
            .ok()
            .and_then(|j| serde_json::from_str::<serde_json::Value>(&j).ok())
            .and_then(|j| j["keys"][0]["kid"].as_str().map(str::to_owned))
            .unwrap_or_else(|| KID.to_owned());
        let key = DevKey::from_pem(&kid, &std::fs::read_to_string(&pem_path)?)?;
        if !jwks_path.exists() {
            std::fs::write(&jwks_path, key.jwks_json())?;
        }
        return Ok(key);
    }
    std::fs::create_dir_all(dir)?;
    let key = DevKey::generate(KID);
    std::fs::write(&pem_path, key.to_pem()?)?;
    std::fs::write(&jwks_path, key.jwks_json())?;
    eprintln!("wrote {} and {}", pem_path.display(), jwks_path.display());
    Ok(key)
}

/// What a dev token says.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The role (`social_worker`, `provider_user`, `county_admin`, `finance_system`, `auditor`).
    pub role: String,
    /// The provider of a `provider_user` (required for that role).
    pub provider: Option<String>,
    /// The token's subject; `None`: `dev-<role>`.
    pub subject: Option<String>,
    /// How long it is valid, in seconds.
    pub ttl_seconds: i64,
}

/// The issuer dev tokens carry: `SETELI_JWT_ISSUER`, or `seteli-dev` as the services expect
/// by default.
pub fn issuer() -> String {
    std::env::var("SETELI_JWT_ISSUER").unwrap_or_else(|_| "seteli-dev".into())
}

/// The audience dev tokens carry: `SETELI_JWT_AUDIENCE`, or `seteli`.
pub fn audience() -> String {
    std::env::var("SETELI_JWT_AUDIENCE").unwrap_or_else(|_| "seteli".into())
}

/// Signs `req` with `key` for `issuer` and `audience`; refuses an unknown role and a
/// `provider_user` without a provider.
pub fn mint(
    key: &DevKey,
    issuer: &str,
    audience: &str,
    req: &TokenRequest,
) -> anyhow::Result<String> {
    if Role::parse(&req.role).is_none() {
        anyhow::bail!(
            "unknown role {}: social_worker, provider_user, county_admin, finance_system or auditor",
            req.role
        );
    }
    if req.role == "provider_user" && req.provider.is_none() {
        anyhow::bail!("a provider_user token needs a provider id");
    }
    let subject = req
        .subject
        .clone()
        .unwrap_or_else(|| format!("dev-{}", req.role));
    key.token(
        issuer,
        audience,
        &subject,
        &req.role,
        req.provider.as_deref(),
        req.ttl_seconds,
    )
}
