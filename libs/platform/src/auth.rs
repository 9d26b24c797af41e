//! Who is calling: JWT verification and roles.
//!
//! Every call carries `authorization: Bearer <JWT>`. Verification follows RFC 8725 and takes
//! tokens as identity providers make them (RFC 7519, RFC 9068 access tokens; Keycloak, Entra ID):
//! - the key is chosen by `kid` from the JWKS (a file or the identity provider's URL, kept
//!   current without a restart: [`crate::jwks`]); the algorithm is pinned per key, so a token
//!   cannot pick its own and `alg: none` never verifies;
//! - header `typ`, when present, is `JWT` or `at+jwt` (RFC 9068); anything else is refused;
//! - `iss` must be `SETELI_JWT_ISSUER`; `aud` must name `SETELI_JWT_AUDIENCE`, as a string or
//!   as one of an array;
//! - `exp` is required and `nbf`, when present, checked, both with [`LEEWAY_SECONDS`] of clock
//!   skew; a token may live at most `SETELI_JWT_MAX_LIFETIME_SECONDS` (`exp - iat`, or from
//!   now when it has no `iat`), and may not be issued in the future;
//! - `sub` is required and not empty;
//! - the role and a provider user's provider id are read where `SETELI_JWT_ROLE_CLAIM` and
//!   `SETELI_JWT_PROVIDER_CLAIM` say (a claim name or a dotted path; for an array, the first
//!   value that fits).
//!
//! Every refusal of the token itself is `UNAUTHENTICATED` with a message saying why; a valid
//! token without a known role, or a provider user's without a provider, is
//! `PERMISSION_DENIED`.
//!
//! A verified token is remembered by the SHA-256 of its string until its `exp` (bounded,
//! `SETELI_JWT_CACHE_SIZE`), so a caller's repeated token costs a hash and a lookup instead of
//! a signature check; a change of the JWKS forgets every remembered token.
//!
//! Supported keys: Ed25519 (`OKP`, EdDSA — the default, ~20–40 µs per verification), P-256 and
//! P-384 (`EC`), RSA (RS256 and the other RSA algorithms a key pins).

use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::Validation;
use serde_json::{Map, Value};
use tonic::Request;
use tonic::metadata::MetadataMap;
use tonic::service::Interceptor;

use crate::clock::Clock;
use crate::config::{Config, ConfigError};
use crate::error::AppError;
use crate::identity::DEV_ISSUER;
use crate::jwks::{JwksSource, KeySet, KeyStore, spawn_refresher};
use crate::telemetry::TraceContext;
use crate::token_cache::{self, Entry, TokenCache};

pub use crate::identity::{Caller, Claims, Role};

/// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
pub const LEEWAY_SECONDS: i64 = 30;

/// Where a claim is in a token: a claim name (`role`), or a dotted path into nested objects
/// (`realm_access.roles`). A top-level claim whose own name is the whole string (a namespaced
/// claim such as `https://county.example/role`) is found first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimPath {
    name: String,
    segments: Vec<String>,
}

impl ClaimPath {
    /// Parses a claim name or dotted path; empty segments are an error.
    pub fn parse(path: &str) -> Result<ClaimPath, String> {
        let path = path.trim();
        if path.split('.').any(str::is_empty) {
            return Err(format!("`{path}` is not a claim name or dotted path"));
        }
        Ok(ClaimPath {
            name: path.to_owned(),
            segments: path.split('.').map(str::to_owned).collect(),
        })
    }

    /// The path as configured.
    pub fn as_str(&self) -> &str {
        &self.name
    }

    /// The value at this path in `claims`.
    fn find<'a>(&self, claims: &'a Map<String, Value>) -> Option<&'a Value> {
        if let Some(value) = claims.get(&self.name) {
            return Some(value);
        }
        let (first, rest) = self.segments.split_first()?;
        if rest.is_empty() {
            return None;
        }
        rest.iter()
            .try_fold(claims.get(first)?, |value, segment| value.get(segment))
    }
}

/// What a token must satisfy besides its signature, and where its claims are.
#[derive(Debug, Clone)]
pub struct TokenPolicy {
    /// The only accepted `iss` (`SETELI_JWT_ISSUER`).
    pub issuer: String,
    /// The audiences `aud` must name one of (`SETELI_JWT_AUDIENCE`, comma-separated).
    pub audience: String,
    /// The longest accepted `exp - iat`, in seconds (`SETELI_JWT_MAX_LIFETIME_SECONDS`).
    pub max_lifetime_seconds: i64,
    /// Where the role is (`SETELI_JWT_ROLE_CLAIM`).
    pub role_claim: ClaimPath,
    /// Where a provider user's provider id is (`SETELI_JWT_PROVIDER_CLAIM`).
    pub provider_claim: ClaimPath,
    /// Where a social worker's team is (`SETELI_JWT_TEAM_CLAIM`).
    pub team_claim: ClaimPath,
    /// Where a client's identity code is (`SETELI_JWT_IDENTITY_CODE_CLAIM`).
    pub identity_code_claim: ClaimPath,
    /// How many verified tokens are remembered (`SETELI_JWT_CACHE_SIZE`; 0: none).
    pub cache_size: usize,
}

impl TokenPolicy {
    /// The defaults: Seteli's own claim layout (`role`, `provider_id`), tokens of at most 24 h,
    /// a cache of 10,000 tokens.
    pub fn new(issuer: &str, audience: &str) -> Self {
        Self {
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
            max_lifetime_seconds: 86_400,
            role_claim: ClaimPath::parse("role").expect("a claim name"),
            provider_claim: ClaimPath::parse("provider_id").expect("a claim name"),
            team_claim: ClaimPath::parse("team").expect("a claim name"),
            identity_code_claim: ClaimPath::parse("hetu").expect("a claim name"),
            cache_size: 10_000,
        }
    }

    /// The policy `config` sets.
    pub fn from_config(config: &Config) -> Result<Self, ConfigError> {
        let path = |key: &str, value: &str| {
            ClaimPath::parse(value).map_err(|message| ConfigError {
                key: key.into(),
                message,
            })
        };
        Ok(Self {
            issuer: config.jwt_issuer.clone(),
            audience: config.jwt_audience.clone(),
            max_lifetime_seconds: i64::try_from(config.jwt_max_lifetime.as_secs())
                .unwrap_or(i64::MAX),
            role_claim: path("SETELI_JWT_ROLE_CLAIM", &config.jwt_role_claim)?,
            provider_claim: path("SETELI_JWT_PROVIDER_CLAIM", &config.jwt_provider_claim)?,
            team_claim: path("SETELI_JWT_TEAM_CLAIM", &config.jwt_team_claim)?,
            identity_code_claim: path(
                "SETELI_JWT_IDENTITY_CODE_CLAIM",
                &config.jwt_identity_code_claim,
            )?,
            cache_size: config.jwt_cache_size,
        })
    }
}

/// Verifies bearer tokens against the trusted keys (see the module documentation).
pub struct Verifier {
    policy: TokenPolicy,
    store: Arc<KeyStore>,
    refresher: Option<tokio::task::AbortHandle>,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("kids", &self.store.current().0.kids())
            .field("policy", &self.policy)
            .field("refreshed", &self.refresher.is_some())
            .finish()
    }
}

impl Drop for Verifier {
    fn drop(&mut self) {
        if let Some(refresher) = &self.refresher {
            refresher.abort();
        }
    }
}

impl Verifier {
    /// The verifier a service runs with: keys from `SETELI_JWKS_URL` or `SETELI_JWKS_PATH`,
    /// loaded now (no usable key: an error naming the key) and refreshed in the background.
    /// Outside dev mode (`SETELI_DEV`), the dev issuer and a JWKS holding the dev key id are
    /// [`ConfigError`]s.
    pub async fn from_config(config: &Config) -> anyhow::Result<Self> {
        if !config.dev && config.jwt_issuer.trim() == DEV_ISSUER {
            return Err(ConfigError {
                key: "SETELI_JWT_ISSUER".into(),
                message: format!(
                    "`{DEV_ISSUER}` is the issuer of dev tokens, refused outside dev mode: set \
                     your identity provider's issuer, or SETELI_DEV=true on a developer's machine"
                ),
            }
            .into());
        }
        let policy = TokenPolicy::from_config(config)?;
        let source = match &config.jwks_url {
            Some(url) => JwksSource::url(url)?,
            None => JwksSource::File(config.jwks_path.clone()),
        };
        let keys = source.load(config.dev).await?;
        tracing::info!(source = %source.describe(), kids = keys.kids().join(","), "signing keys loaded");
        let store = Arc::new(KeyStore::new(keys, TokenCache::new(policy.cache_size)));
        let refresher = spawn_refresher(
            config.service,
            store.clone(),
            source,
            config.jwks_refresh,
            config.dev,
        );
        Ok(Self {
            policy,
            store,
            refresher: Some(refresher),
        })
    }

    /// Reads a JWKS file once (no refresh), with the default [`TokenPolicy`].
    pub fn from_jwks_file(path: &Path, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let json = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read JWKS file {} (SETELI_JWKS_PATH): {e}; run `make run` or `cargo run -p seteli-devtool -- keys` to create dev keys",
                path.display()
            )
        })?;
        Self::from_jwks_json(&json, issuer, audience)
    }

    /// A JWKS document with the default [`TokenPolicy`] (no refresh).
    pub fn from_jwks_json(json: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        Self::with_policy(json, TokenPolicy::new(issuer, audience))
    }

    /// A JWKS document with `policy` (no refresh; see [`Verifier::replace_keys`]).
    pub fn with_policy(json: &str, policy: TokenPolicy) -> anyhow::Result<Self> {
        let store = Arc::new(KeyStore::new(
            KeySet::parse(json)?,
            TokenCache::new(policy.cache_size),
        ));
        Ok(Self {
            policy,
            store,
            refresher: None,
        })
    }

    /// Trusts the keys of `json` instead of the current ones; whether they differed (then every
    /// remembered token is forgotten). The background refresh does the same by itself.
    pub fn replace_keys(&self, json: &str) -> anyhow::Result<bool> {
        Ok(self.store.replace(KeySet::parse(json)?))
    }

    /// The key ids trusted now.
    pub fn kids(&self) -> Vec<String> {
        self.store
            .current()
            .0
            .kids()
            .into_iter()
            .map(str::to_owned)
            .collect()
    }

    /// How many verified tokens are remembered now.
    pub fn cached_tokens(&self) -> usize {
        self.store.cache.len()
    }

    /// Verifies a token and returns its caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AppError> {
        self.verify_at(token, chrono::Utc::now().timestamp())
    }

    /// Verifies a token as at `now` (seconds since the epoch) and returns its caller.
    pub fn verify_at(&self, token: &str, now: i64) -> Result<Caller, AppError> {
        let cache = &self.store.cache;
        let hash = cache.enabled().then(|| token_cache::hash(token));
        if let Some(hash) = &hash
            && let Some(caller) = cache.get(hash, token, now, self.store.generation())
        {
            return Ok(caller);
        }
        let (caller, exp, generation) = self.verify_uncached(token, now)?;
        if let Some(hash) = hash {
            cache.insert(
                hash,
                Entry {
                    caller: caller.clone(),
                    exp,
                    generation,
                },
            );
        }
        Ok(caller)
    }

    /// The whole check: the caller, the token's `exp` and the key generation it was checked
    /// under.
    fn verify_uncached(&self, token: &str, now: i64) -> Result<(Caller, i64, u64), AppError> {
        let unauthenticated = |why: String| AppError::Unauthenticated(why);
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| unauthenticated("malformed token or unsupported algorithm".into()))?;
        if let Some(typ) = header.typ.as_deref() {
            let bare = typ.trim().to_ascii_lowercase();
            let bare = bare.strip_prefix("application/").unwrap_or(&bare);
            if bare != "jwt" && bare != "at+jwt" {
                return Err(unauthenticated(format!(
                    "token type (typ) `{}` is not accepted: JWT or at+jwt",
                    cut(typ)
                )));
            }
        }
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| unauthenticated("token has no kid".into()))?;
        let (keys, generation) = self.store.current();
        let Some(pinned) = keys.get(kid) else {
            self.store.request_refresh();
            return Err(unauthenticated(format!(
                "unknown signing key `{}` (keys are read again on an unknown key, at most every 30 s)",
                cut(kid)
            )));
        };
        if header.alg != pinned.algorithm {
            return Err(unauthenticated("algorithm not allowed for this key".into()));
        }
        let mut validation = Validation::new(pinned.algorithm);
        validation.set_issuer(&[&self.policy.issuer]);
        // SETELI_JWT_AUDIENCE may list several (a service's own and the portal's): any will do.
        let audiences: Vec<&str> = self
            .policy
            .audience
            .split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .collect();
        validation.set_audience(&audiences);
        validation.set_required_spec_claims(&["exp", "iss", "aud"]);
        // Time is checked below, against `now`, with the same leeway for exp, nbf and iat.
        validation.validate_exp = false;
        validation.validate_nbf = false;
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &pinned.key, &validation)
            .map_err(|e| {
                use jsonwebtoken::errors::ErrorKind;
                unauthenticated(match e.kind() {
                    ErrorKind::InvalidAudience => "token is for another audience".into(),
                    ErrorKind::InvalidIssuer => "token from an unknown issuer".into(),
                    ErrorKind::InvalidSignature => "bad signature".into(),
                    ErrorKind::MissingRequiredClaim(claim) => {
                        format!("token has no `{claim}` claim")
                    }
                    ErrorKind::InvalidClaimFormat(claim) => {
                        format!("token claim `{claim}` is malformed")
                    }
                    _ => "invalid token".into(),
                })
            })?;
        let claims = data.claims;
        let time = |name: &str| -> Result<Option<i64>, AppError> {
            match claims.get(name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Number(n)) => n
                    .as_i64()
                    .or_else(|| n.as_f64().map(|f| f.floor() as i64))
                    .map(Some)
                    .ok_or_else(|| unauthenticated(format!("token claim `{name}` is malformed"))),
                Some(_) => Err(unauthenticated(format!(
                    "token claim `{name}` is not a time"
                ))),
            }
        };
        let exp = time("exp")?.ok_or_else(|| unauthenticated("token has no `exp` claim".into()))?;
        if now > exp.saturating_add(LEEWAY_SECONDS) {
            return Err(unauthenticated("token expired".into()));
        }
        if let Some(nbf) = time("nbf")?
            && nbf > now.saturating_add(LEEWAY_SECONDS)
        {
            return Err(unauthenticated("token is not valid yet (nbf)".into()));
        }
        let iat = time("iat")?;
        if iat.is_some_and(|iat| iat > now.saturating_add(LEEWAY_SECONDS)) {
            return Err(unauthenticated(
                "token is issued in the future (iat)".into(),
            ));
        }
        let lifetime = exp.saturating_sub(iat.unwrap_or(now));
        if lifetime > self.policy.max_lifetime_seconds {
            return Err(unauthenticated(format!(
                "token lives {lifetime} s, longer than the {} s accepted",
                self.policy.max_lifetime_seconds
            )));
        }
        let subject = match claims.get("sub") {
            Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
            Some(Value::String(_)) => {
                return Err(unauthenticated("token has an empty subject (sub)".into()));
            }
            None | Some(Value::Null) => {
                return Err(unauthenticated("token has no subject (sub)".into()));
            }
            Some(_) => {
                return Err(unauthenticated(
                    "token subject (sub) is not a string".into(),
                ));
            }
        };
        let role = self.role_of(&claims)?;
        let provider_id = if role == Role::ProviderUser {
            let provider = self
                .policy
                .provider_claim
                .find(&claims)
                .and_then(|v| first_text(v, |_| true));
            if provider.is_none() {
                return Err(AppError::PermissionDenied(format!(
                    "a provider_user token must carry its provider (claim `{}`)",
                    self.policy.provider_claim.as_str()
                )));
            }
            provider
        } else {
            None
        };
        let team = (role == Role::SocialWorker)
            .then(|| self.policy.team_claim.find(&claims))
            .flatten()
            .and_then(|v| first_text(v, |_| true))
            .map(|t| t.trim().to_owned());
        let identity_code = if role == Role::Client {
            Some(self.identity_code_of(&claims)?)
        } else {
            None
        };
        let caller = Caller {
            issuer: self.policy.issuer.clone(),
            subject,
            role,
            provider_id,
            token: token.to_owned(),
            team,
            substitute_reason: None,
            identity_code,
        };
        Ok((caller, exp, generation))
    }

    /// A client's identity code: the valid henkilötunnus at the identity-code claim, in its
    /// canonical upper-case form. Without one the token cannot say whose data it may read.
    fn identity_code_of(&self, claims: &Map<String, Value>) -> Result<String, AppError> {
        let claim = self.policy.identity_code_claim.as_str();
        let code = self
            .policy
            .identity_code_claim
            .find(claims)
            .and_then(|v| first_text(v, |_| true))
            .map(|c| c.trim().to_uppercase())
            .ok_or_else(|| {
                AppError::PermissionDenied(format!(
                    "a client token must carry the person's identity code (claim `{claim}`)"
                ))
            })?;
        seteli_rules::ids::parse_hetu(&code).map_err(|_| {
            AppError::PermissionDenied(format!(
                "claim `{claim}` is not a valid identity code (henkilötunnus)"
            ))
        })?;
        Ok(code)
    }

    /// The caller's role: the value at the role claim, or for an array its first known role.
    fn role_of(&self, claims: &Map<String, Value>) -> Result<Role, AppError> {
        let claim = self.policy.role_claim.as_str();
        let value = self.policy.role_claim.find(claims).ok_or_else(|| {
            AppError::PermissionDenied(format!("token carries no role (claim `{claim}`)"))
        })?;
        match value {
            Value::String(s) => Role::parse(s)
                .ok_or_else(|| AppError::PermissionDenied(format!("unknown role {}", cut(s)))),
            Value::Array(_) => first_text(value, |s| Role::parse(s).is_some())
                .and_then(|s| Role::parse(&s))
                .ok_or_else(|| {
                    AppError::PermissionDenied(format!("no known role in claim `{claim}`"))
                }),
            _ => Err(AppError::PermissionDenied(format!(
                "claim `{claim}` is not a role"
            ))),
        }
    }
}

/// The text of a string, or the first non-empty string of an array that `fits`.
fn first_text(value: &Value, fits: impl Fn(&str) -> bool) -> Option<String> {
    match value {
        Value::String(s) if !s.trim().is_empty() && fits(s) => Some(s.clone()),
        Value::Array(items) => items
            .iter()
            .filter_map(Value::as_str)
            .find(|s| !s.trim().is_empty() && fits(s))
            .map(str::to_owned),
        _ => None,
    }
}

/// A token-supplied text cut to a length fit for an error message.
fn cut(text: &str) -> String {
    const MAX: usize = 64;
    match text.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_owned(),
    }
}

/// The bearer token of a request's metadata.
pub fn bearer_token(metadata: &MetadataMap) -> Result<&str, AppError> {
    let value = metadata
        .get("authorization")
        .ok_or_else(|| AppError::Unauthenticated("missing authorization".into()))?
        .to_str()
        .map_err(|_| AppError::Unauthenticated("malformed authorization".into()))?;
    value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::Unauthenticated("authorization is not a bearer token".into()))
}

/// The header in which a social worker states why they read a client's data as a substitute
/// (sijaisuus) outside their caseload. Its value is ASCII, or percent-encoded UTF-8
/// (`sijaisuus%3A%20%C3%A4itiysloma`).
pub const SUBSTITUTE_REASON_HEADER: &str = "x-seteli-substitute-reason";

/// The shortest and longest stated reason, in characters.
const SUBSTITUTE_REASON_CHARS: std::ops::RangeInclusive<usize> = 3..=300;

/// The reason a social worker states for a substitute's read ([`SUBSTITUTE_REASON_HEADER`]),
/// for reads only: on a call that changes data, or by any other role, the header means
/// nothing (a substitute reads; the responsible social worker acts).
fn substitute_reason<T>(caller: &Caller, request: &Request<T>) -> Result<Option<String>, AppError> {
    let Some(value) = request.metadata().get(SUBSTITUTE_REASON_HEADER) else {
        return Ok(None);
    };
    let is_read = request
        .extensions()
        .get::<crate::telemetry::RpcPath>()
        .is_some_and(|p| p.is_read());
    if caller.role != Role::SocialWorker || !is_read {
        return Ok(None);
    }
    let invalid = || {
        AppError::invalid(
            SUBSTITUTE_REASON_HEADER,
            format!(
                "state why you read as a substitute, {} to {} characters \
                 (e.g. `sijaisuus: omatyöntekijä lomalla`; percent-encoded UTF-8)",
                SUBSTITUTE_REASON_CHARS.start(),
                SUBSTITUTE_REASON_CHARS.end()
            ),
        )
    };
    let raw = value.to_str().map_err(|_| invalid())?;
    let text = percent_encoding::percent_decode_str(raw)
        .decode_utf8()
        .map_err(|_| invalid())?;
    let text = text.trim();
    if !SUBSTITUTE_REASON_CHARS.contains(&text.chars().count())
        || text.chars().any(char::is_control)
    {
        return Err(invalid());
    }
    Ok(Some(text.to_owned()))
}

/// A tonic interceptor that verifies the bearer token and puts the [`Caller`] into the request.
#[derive(Clone, Debug)]
pub struct Authenticator {
    verifier: Arc<Verifier>,
    clock: Clock,
}

impl Authenticator {
    /// An interceptor over `verifier`, handing `clock` to every operation.
    pub fn new(verifier: Arc<Verifier>, clock: Clock) -> Self {
        Self { verifier, clock }
    }

    /// The clock this interceptor hands its calls.
    pub fn clock(&self) -> Clock {
        self.clock.clone()
    }
}

impl Interceptor for Authenticator {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, tonic::Status> {
        let refused = |e: AppError| {
            let request_id = request
                .extensions()
                .get::<TraceContext>()
                .map(|t| t.request_id.clone())
                .unwrap_or_default();
            crate::status::to_status(e, &request_id)
        };
        let verified = bearer_token(request.metadata()).and_then(|t| self.verifier.verify(t));
        let mut caller = verified.map_err(refused)?;
        caller.substitute_reason = substitute_reason(&caller, &request).map_err(refused)?;
        tracing::Span::current().record("caller", caller.subject.as_str());
        request.extensions_mut().insert(caller);
        request.extensions_mut().insert(self.clock.clone());
        Ok(request)
    }
}

/// A tonic interceptor for the few public calls that answer without a token (a public
/// catalogue: no personal data, nothing changed): it reads no token, puts no [`Caller`] into
/// the request, only the clock. Handlers behind it use [`crate::rpc::public_unary`].
#[derive(Clone, Debug)]
pub struct PublicDoor {
    clock: Clock,
}

impl PublicDoor {
    /// A door handing every call `clock`.
    pub fn new(clock: Clock) -> Self {
        Self { clock }
    }
}

impl Interceptor for PublicDoor {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, tonic::Status> {
        request.extensions_mut().insert(self.clock.clone());
        Ok(request)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devkeys::{DevKey, jwks_json_of};
    use serde_json::json;

    const NOW: i64 = 1_900_000_000;

    fn claims() -> Value {
        json!({
            "iss": "idp", "aud": "seteli", "sub": "u-1", "iat": NOW - 10, "exp": NOW + 300,
            "role": "social_worker"
        })
    }

    fn with(mut base: Value, changes: Value) -> Value {
        for (k, v) in changes.as_object().unwrap() {
            if v.is_null() {
                base.as_object_mut().unwrap().remove(k);
            } else {
                base[k] = v.clone();
            }
        }
        base
    }

    fn setup(policy: impl FnOnce(&mut TokenPolicy)) -> (DevKey, Verifier) {
        let key = DevKey::generate("k1");
        let mut p = TokenPolicy::new("idp", "seteli");
        policy(&mut p);
        let verifier = Verifier::with_policy(&key.jwks_json(), p).unwrap();
        (key, verifier)
    }

    /// The refusal of `token`: UNAUTHENTICATED, and its message.
    fn refused(verifier: &Verifier, token: &str) -> String {
        match verifier.verify_at(token, NOW) {
            Err(AppError::Unauthenticated(why)) => why,
            other => panic!("expected UNAUTHENTICATED, got {other:?}"),
        }
    }

    #[test]
    fn a_service_accepts_its_own_audience_and_the_portals_but_no_other_services() {
        // SETELI_JWT_AUDIENCE="seteli-portal, seteli-vouchers" on the voucher service.
        let (key, v) = setup(|p| p.audience = "seteli-portal, seteli-vouchers".into());
        for aud in [
            json!("seteli-vouchers"),
            json!("seteli-portal"),
            json!(["x", "seteli-vouchers"]),
        ] {
            let token = key
                .sign_json(&with(claims(), json!({ "aud": aud })), Some("JWT"))
                .unwrap();
            assert_eq!(v.verify_at(&token, NOW).unwrap().subject, "u-1", "{aud}");
        }
        // A token meant for billing is not a token for vouchers.
        let token = key
            .sign_json(
                &with(claims(), json!({"aud": "seteli-billing"})),
                Some("JWT"),
            )
            .unwrap();
        assert!(refused(&v, &token).contains("audience"));
    }

    #[test]
    fn an_audience_array_naming_us_is_accepted() {
        let (key, v) = setup(|_| {});
        let token = key
            .sign_json(
                &with(claims(), json!({"aud": ["account", "seteli"]})),
                Some("JWT"),
            )
            .unwrap();
        assert_eq!(v.verify_at(&token, NOW).unwrap().subject, "u-1");
        let token = key
            .sign_json(
                &with(claims(), json!({"aud": ["account", "other"]})),
                Some("JWT"),
            )
            .unwrap();
        assert!(refused(&v, &token).contains("audience"));
        let token = key
            .sign_json(&with(claims(), json!({"aud": null})), None)
            .unwrap();
        assert!(refused(&v, &token).contains("`aud`"));
    }

    #[test]
    fn not_before_is_checked_with_the_same_leeway_as_expiry() {
        let (key, v) = setup(|_| {});
        let at = |nbf: i64| {
            key.sign_json(&with(claims(), json!({"nbf": nbf})), None)
                .unwrap()
        };
        assert!(v.verify_at(&at(NOW - 100), NOW).is_ok());
        assert!(
            v.verify_at(&at(NOW + LEEWAY_SECONDS), NOW).is_ok(),
            "within the leeway"
        );
        assert!(refused(&v, &at(NOW + LEEWAY_SECONDS + 1)).contains("nbf"));
        let token = key
            .sign_json(&with(claims(), json!({"nbf": "soon"})), None)
            .unwrap();
        assert!(refused(&v, &token).contains("nbf"));
        // Expiry: the leeway, then refused.
        let exp = |exp: i64| {
            key.sign_json(&with(claims(), json!({"exp": exp})), None)
                .unwrap()
        };
        assert!(v.verify_at(&exp(NOW - LEEWAY_SECONDS), NOW).is_ok());
        assert_eq!(refused(&v, &exp(NOW - LEEWAY_SECONDS - 1)), "token expired");
    }

    #[test]
    fn typ_is_jwt_or_an_access_token_when_present() {
        let (key, v) = setup(|_| {});
        for typ in [
            None,
            Some("JWT"),
            Some("jwt"),
            Some("at+jwt"),
            Some("application/at+JWT"),
        ] {
            let token = key.sign_json(&claims(), typ).unwrap();
            assert!(v.verify_at(&token, NOW).is_ok(), "{typ:?}");
        }
        for typ in ["dpop+jwt", "JOSE", "logout+jwt", ""] {
            let token = key.sign_json(&claims(), Some(typ)).unwrap();
            assert!(refused(&v, &token).contains("typ"), "{typ}");
        }
    }

    #[test]
    fn a_token_may_live_at_most_the_maximum_lifetime() {
        let (key, v) = setup(|p| p.max_lifetime_seconds = 3600);
        let token = |iat: Option<i64>, exp: i64| {
            let c = with(claims(), json!({"exp": exp, "iat": iat}));
            key.sign_json(&c, None).unwrap()
        };
        assert!(
            v.verify_at(&token(Some(NOW - 10), NOW - 10 + 3600), NOW)
                .is_ok()
        );
        let why = refused(&v, &token(Some(NOW - 10), NOW - 10 + 3601));
        assert!(why.contains("3601 s") && why.contains("3600 s"), "{why}");
        // Without iat, the lifetime counts from now.
        assert!(v.verify_at(&token(None, NOW + 3600), NOW).is_ok());
        assert!(refused(&v, &token(None, NOW + 3601)).contains("longer than"));
        // A token issued in the future is refused (beyond the leeway).
        assert!(refused(&v, &token(Some(NOW + 120), NOW + 600)).contains("iat"));
    }

    #[test]
    fn the_subject_is_required_and_not_empty() {
        let (key, v) = setup(|_| {});
        for (sub, why) in [
            (json!(""), "empty subject"),
            (json!("   "), "empty subject"),
            (Value::Null, "no subject"),
            (json!(42), "not a string"),
        ] {
            let c = with(claims(), json!({ "sub": sub }));
            let token = key.sign_json(&c, None).unwrap();
            assert!(refused(&v, &token).contains(why), "{c}");
        }
    }

    #[test]
    fn no_refusal_of_a_token_is_internal() {
        let (key, v) = setup(|_| {});
        let other = DevKey::generate("k1");
        let cases = [
            "".to_owned(),
            "a.b".to_owned(),
            "not.a.token".to_owned(),
            other.sign_json(&claims(), None).unwrap(),
            DevKey::generate("k9").sign_json(&claims(), None).unwrap(),
            key.sign_json(&with(claims(), json!({"iss": "evil"})), None)
                .unwrap(),
            key.sign_json(&with(claims(), json!({"exp": "later"})), None)
                .unwrap(),
            key.sign_json(&with(claims(), json!({"exp": null})), None)
                .unwrap(),
            key.sign_json(&json!([1, 2, 3]), None).unwrap(),
        ];
        for token in cases {
            refused(&v, &token);
        }
    }

    #[test]
    fn a_keycloak_token_gives_its_role_and_provider_where_configuration_says() {
        let (key, v) = setup(|p| {
            p.role_claim = ClaimPath::parse("realm_access.roles").unwrap();
            p.provider_claim = ClaimPath::parse("seteli.provider").unwrap();
        });
        // As Keycloak issues an access token (RFC 9068 typ, audience array, azp, scope…).
        let keycloak = json!({
            "exp": NOW + 300, "iat": NOW - 5, "jti": "0c1d…", "iss": "idp",
            "aud": ["seteli", "account"], "sub": "f3b1c2d4-0000-4000-8000-000000000001",
            "typ": "Bearer", "azp": "seteli-portal", "scope": "openid profile email",
            "realm_access": {"roles": ["offline_access", "uma_authorization", "provider_user"]},
            "resource_access": {"account": {"roles": ["manage-account"]}},
            "seteli": {"provider": "p-42"},
            "preferred_username": "maija"
        });
        let token = key.sign_json(&keycloak, Some("at+jwt")).unwrap();
        let caller = v.verify_at(&token, NOW).unwrap();
        assert_eq!(caller.role, Role::ProviderUser);
        assert_eq!(caller.provider_id.as_deref(), Some("p-42"));
        // No known role in the array: PERMISSION_DENIED, not UNAUTHENTICATED.
        let mut none = keycloak.clone();
        none["realm_access"]["roles"] = json!(["offline_access"]);
        let token = key.sign_json(&none, None).unwrap();
        assert!(matches!(
            v.verify_at(&token, NOW),
            Err(AppError::PermissionDenied(m)) if m.contains("realm_access.roles")
        ));
        // A provider user without the provider claim.
        let mut unscoped = keycloak;
        unscoped.as_object_mut().unwrap().remove("seteli");
        let token = key.sign_json(&unscoped, None).unwrap();
        assert!(matches!(
            v.verify_at(&token, NOW),
            Err(AppError::PermissionDenied(m)) if m.contains("seteli.provider")
        ));
    }

    #[test]
    fn a_namespaced_claim_name_with_dots_is_found_whole() {
        let (key, v) = setup(|p| {
            p.role_claim = ClaimPath::parse("https://county.example/roles").unwrap();
        });
        let c = with(
            claims(),
            json!({"role": null, "https://county.example/roles": ["auditor"]}),
        );
        let token = key.sign_json(&c, None).unwrap();
        assert_eq!(v.verify_at(&token, NOW).unwrap().role, Role::Auditor);
        assert!(ClaimPath::parse("a..b").is_err());
        assert!(ClaimPath::parse("").is_err());
    }

    #[test]
    fn the_default_layout_is_todays() {
        let (key, v) = setup(|_| {});
        let c = with(
            claims(),
            json!({"role": "provider_user", "provider_id": "p-1"}),
        );
        let caller = v.verify_at(&key.sign_json(&c, None).unwrap(), NOW).unwrap();
        assert_eq!(caller.role, Role::ProviderUser);
        assert_eq!(caller.provider_id.as_deref(), Some("p-1"));
        // A county role never carries a provider.
        let c = with(claims(), json!({"provider_id": "p-1"}));
        let caller = v.verify_at(&key.sign_json(&c, None).unwrap(), NOW).unwrap();
        assert_eq!(caller.provider_id, None);
    }

    #[test]
    fn a_client_is_known_by_a_valid_identity_code_where_the_policy_says() {
        let (key, v) = setup(|p| {
            p.identity_code_claim = ClaimPath::parse("nationalIdentificationNumber").unwrap();
        });
        let c = with(
            claims(),
            json!({"role": "client", "nationalIdentificationNumber": " 131052-308t "}),
        );
        let caller = v.verify_at(&key.sign_json(&c, None).unwrap(), NOW).unwrap();
        assert_eq!(caller.role, Role::Client);
        assert_eq!(caller.identity_code.as_deref(), Some("131052-308T"));
        // Without the code, or with one that fails its check character, the token cannot say
        // whose data it reads: refused for its role, not as a bad token.
        for bad in [json!(null), json!(""), json!("131052-308X"), json!(42)] {
            let c = with(
                claims(),
                json!({"role": "client", "nationalIdentificationNumber": bad}),
            );
            match v.verify_at(&key.sign_json(&c, None).unwrap(), NOW) {
                Err(AppError::PermissionDenied(why)) => {
                    assert!(why.contains("nationalIdentificationNumber"), "{why}")
                }
                other => panic!("expected PERMISSION_DENIED for {bad}, got {other:?}"),
            }
        }
        // Another role's token never carries an identity code, whatever it holds.
        let c = with(
            claims(),
            json!({"nationalIdentificationNumber": "131052-308T"}),
        );
        let caller = v.verify_at(&key.sign_json(&c, None).unwrap(), NOW).unwrap();
        assert_eq!(caller.identity_code, None);
    }

    #[test]
    fn a_verified_token_is_remembered_until_it_expires() {
        let (key, v) = setup(|_| {});
        let token = key.sign_json(&claims(), None).unwrap();
        assert_eq!(v.cached_tokens(), 0);
        v.verify_at(&token, NOW).unwrap();
        assert_eq!(v.cached_tokens(), 1);
        let cached = v.verify_at(&token, NOW + 1).unwrap();
        assert_eq!(v.cached_tokens(), 1);
        assert_eq!(
            cached.token, token,
            "a cache hit still carries the token to forward"
        );
        assert_eq!(cached.subject, "u-1");
        // At exp the entry no longer answers: the token is checked again (within the leeway
        // still valid), and after the leeway refused.
        assert!(v.verify_at(&token, NOW + 300).is_ok());
        assert_eq!(
            v.verify_at(&token, NOW + 300 + LEEWAY_SECONDS + 1)
                .unwrap_err()
                .to_string(),
            AppError::Unauthenticated("token expired".into()).to_string()
        );
        // Refusals are not remembered.
        let bad = key
            .sign_json(&with(claims(), json!({"sub": ""})), None)
            .unwrap();
        refused(&v, &bad);
        assert_eq!(v.cached_tokens(), 1);
    }

    #[test]
    fn a_key_removed_from_the_jwks_stops_its_cached_tokens() {
        let (old, v) = setup(|_| {});
        let new = DevKey::generate("k2");
        let token = old.sign_json(&claims(), None).unwrap();
        v.verify_at(&token, NOW).unwrap();
        // Rotation, step 1: both keys published; the cache is cleared, the token still valid.
        assert!(v.replace_keys(&jwks_json_of(&[&old, &new])).unwrap());
        assert_eq!(v.cached_tokens(), 0);
        v.verify_at(&token, NOW).unwrap();
        // The same JWKS again changes nothing and keeps the cache.
        assert!(!v.replace_keys(&jwks_json_of(&[&new, &old])).unwrap());
        assert_eq!(v.cached_tokens(), 1);
        // Step 2: the old key is withdrawn; its token is refused at once, though cached before.
        assert!(v.replace_keys(&new.jwks_json()).unwrap());
        assert!(refused(&v, &token).contains("unknown signing key"));
        let fresh = new.sign_json(&claims(), None).unwrap();
        v.verify_at(&fresh, NOW).unwrap();
    }

    #[test]
    fn a_cache_of_size_zero_remembers_nothing() {
        let (key, v) = setup(|p| p.cache_size = 0);
        let token = key.sign_json(&claims(), None).unwrap();
        v.verify_at(&token, NOW).unwrap();
        v.verify_at(&token, NOW).unwrap();
        assert_eq!(v.cached_tokens(), 0);
    }
}
