//! Who is calling: JWT verification and roles.
//!
//! Every call carries `authorization: Bearer <JWT>`. Verification follows RFC 8725: the key is
//! chosen by `kid` from a JWKS file, the algorithm is pinned per key (a token cannot pick its
//! own), `iss`, `aud` and `exp` are required and checked. `alg: none`, an unknown `kid`, a bad
//! signature, an expired token or a wrong audience all answer `UNAUTHENTICATED`.
//!
//! Supported keys: Ed25519 (`OKP`, EdDSA — the default, ~20–40 µs per verification) and P-256
//! (`EC`, ES256).

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::{Deserialize, Serialize};
use tonic::Request;
use tonic::metadata::MetadataMap;
use tonic::service::Interceptor;

use crate::clock::Clock;
use crate::error::AppError;
use crate::telemetry::TraceContext;

/// The roles of the design (DESIGN.md, Security).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The county's social worker (sosiaalihuollon omatyöntekijä).
    SocialWorker,
    /// A provider's staff member; always scoped to one provider.
    ProviderUser,
    /// The county's administrator: prices, provider approval.
    CountyAdmin,
    /// The county's financial system.
    FinanceSystem,
    /// Reads the audit log.
    Auditor,
}

impl Role {
    /// The role's claim value, e.g. `county_admin`.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::SocialWorker => "social_worker",
            Role::ProviderUser => "provider_user",
            Role::CountyAdmin => "county_admin",
            Role::FinanceSystem => "finance_system",
            Role::Auditor => "auditor",
        }
    }

    /// Parses a claim value.
    pub fn parse(s: &str) -> Option<Role> {
        [
            Role::SocialWorker,
            Role::ProviderUser,
            Role::CountyAdmin,
            Role::FinanceSystem,
            Role::Auditor,
        ]
        .into_iter()
        .find(|r| r.as_str() == s)
    }
}

/// Claims of a Seteli token.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// Subject: the user or system.
    pub sub: String,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Expiry, seconds since the epoch.
    pub exp: i64,
    /// Issued at, seconds since the epoch.
    #[serde(default)]
    pub iat: i64,
    /// The caller's role.
    pub role: String,
    /// For `provider_user`: the provider the user works for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provider_id: Option<String>,
}

/// An authenticated caller, put into every request's extensions by [`Authenticator`].
#[derive(Debug, Clone)]
pub struct Caller {
    /// Token issuer (`iss`): subjects are unique only within their issuer.
    pub issuer: String,
    /// Token subject.
    pub subject: String,
    /// Role.
    pub role: Role,
    /// The provider of a `provider_user`; `None` for county roles.
    pub provider_id: Option<String>,
    /// The raw bearer token, forwarded on calls to other services.
    pub token: String,
}

impl Caller {
    /// The service itself, acting on its own schedule (e.g. a nightly sweep): recorded in
    /// histories and audit entries as subject `system:<job>`, with the county's authority.
    pub fn system(job: &str) -> Caller {
        Caller {
            issuer: "seteli".into(),
            subject: format!("system:{job}"),
            role: Role::CountyAdmin,
            provider_id: None,
            token: String::new(),
        }
    }

    /// The caller of a request (set by the [`Authenticator`] interceptor).
    pub fn of<T>(request: &Request<T>) -> Result<Caller, AppError> {
        request
            .extensions()
            .get::<Caller>()
            .cloned()
            .ok_or_else(|| AppError::Unauthenticated("no verified caller".into()))
    }

    /// The organisation acting: the provider id for provider users, `county` otherwise.
    pub fn organisation(&self) -> String {
        self.provider_id.clone().unwrap_or_else(|| "county".into())
    }

    /// `PERMISSION_DENIED` unless the caller has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::PermissionDenied(format!(
                "role {} may not do this",
                self.role.as_str()
            )))
        }
    }

    /// Whether the caller is a provider user of `provider_id`.
    pub fn is_user_of(&self, provider_id: &str) -> bool {
        self.role == Role::ProviderUser && self.provider_id.as_deref() == Some(provider_id)
    }

    /// The idempotency scope of this caller: issuer, role, subject and provider, so two
    /// identities that share a subject (another issuer, another provider) never share answers.
    pub fn scope(&self) -> String {
        format!(
            "{}|{}|{}|{}",
            self.issuer,
            self.role.as_str(),
            self.subject,
            self.provider_id.as_deref().unwrap_or("")
        )
    }
}

struct PinnedKey {
    key: DecodingKey,
    algorithm: Algorithm,
}

/// Verifies bearer tokens against a fixed set of keys.
pub struct Verifier {
    keys: HashMap<String, PinnedKey>,
    issuer: String,
    audience: String,
}

impl std::fmt::Debug for Verifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Verifier")
            .field("kids", &self.keys.keys().collect::<Vec<_>>())
            .field("issuer", &self.issuer)
            .field("audience", &self.audience)
            .finish()
    }
}

impl Verifier {
    /// Reads a JWKS file.
    pub fn from_jwks_file(path: &Path, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let json = std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "cannot read JWKS file {} (SETELI_JWKS_PATH): {e}; run `make run` or `cargo run -p seteli-devtool -- keys` to create dev keys",
                path.display()
            )
        })?;
        Self::from_jwks_json(&json, issuer, audience)
    }

    /// Parses a JWKS document. Every key must have a `kid`; its algorithm is taken from `alg`
    /// or, when absent, from the key type (OKP Ed25519 → EdDSA, EC P-256 → ES256).
    pub fn from_jwks_json(json: &str, issuer: &str, audience: &str) -> anyhow::Result<Self> {
        let set: JwkSet = serde_json::from_str(json)?;
        let mut keys = HashMap::new();
        for jwk in &set.keys {
            let kid = jwk
                .common
                .key_id
                .clone()
                .ok_or_else(|| anyhow::anyhow!("a JWKS key has no kid"))?;
            let natural = match &jwk.algorithm {
                AlgorithmParameters::OctetKeyPair(p) if p.curve == EllipticCurve::Ed25519 => {
                    Algorithm::EdDSA
                }
                AlgorithmParameters::EllipticCurve(p) if p.curve == EllipticCurve::P256 => {
                    Algorithm::ES256
                }
                _ => anyhow::bail!("key {kid}: only Ed25519 and P-256 keys are accepted"),
            };
            if let Some(declared) = jwk.common.key_algorithm {
                let declared: Algorithm = declared.to_string().parse()?;
                if declared != natural {
                    anyhow::bail!("key {kid}: alg {declared:?} does not fit its key type");
                }
            }
            let key = DecodingKey::from_jwk(jwk)?;
            keys.insert(
                kid,
                PinnedKey {
                    key,
                    algorithm: natural,
                },
            );
        }
        if keys.is_empty() {
            anyhow::bail!("the JWKS has no keys");
        }
        Ok(Self {
            keys,
            issuer: issuer.to_owned(),
            audience: audience.to_owned(),
        })
    }

    /// Verifies a token and returns its caller.
    pub fn verify(&self, token: &str) -> Result<Caller, AppError> {
        let unauthenticated = |why: &str| AppError::Unauthenticated(why.to_owned());
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| unauthenticated("malformed token or unsupported algorithm"))?;
        let kid = header
            .kid
            .as_deref()
            .ok_or_else(|| unauthenticated("token has no kid"))?;
        let pinned = self
            .keys
            .get(kid)
            .ok_or_else(|| unauthenticated("unknown signing key"))?;
        if header.alg != pinned.algorithm {
            return Err(unauthenticated("algorithm not allowed for this key"));
        }
        let mut validation = Validation::new(pinned.algorithm);
        validation.set_issuer(&[&self.issuer]);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "iss", "aud", "sub"]);
        validation.leeway = 30;
        let data =
            jsonwebtoken::decode::<Claims>(token, &pinned.key, &validation).map_err(|e| match e
                .kind()
            {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => {
                    unauthenticated("token expired")
                }
                jsonwebtoken::errors::ErrorKind::InvalidAudience => {
                    unauthenticated("token is for another audience")
                }
                jsonwebtoken::errors::ErrorKind::InvalidIssuer => {
                    unauthenticated("token from an unknown issuer")
                }
                jsonwebtoken::errors::ErrorKind::InvalidSignature => {
                    unauthenticated("bad signature")
                }
                _ => unauthenticated("invalid token"),
            })?;
        let claims = data.claims;
        let role = Role::parse(&claims.role)
            .ok_or_else(|| AppError::PermissionDenied(format!("unknown role {}", claims.role)))?;
        let provider_id = claims.provider_id.filter(|p| !p.is_empty());
        if role == Role::ProviderUser && provider_id.is_none() {
            return Err(AppError::PermissionDenied(
                "a provider_user token must carry provider_id".into(),
            ));
        }
        Ok(Caller {
            issuer: self.issuer.clone(),
            subject: claims.sub,
            role,
            provider_id: if role == Role::ProviderUser {
                provider_id
            } else {
                None
            },
            token: token.to_owned(),
        })
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
}

impl Interceptor for Authenticator {
    fn call(&mut self, mut request: Request<()>) -> Result<Request<()>, tonic::Status> {
        let verified = bearer_token(request.metadata()).and_then(|t| self.verifier.verify(t));
        let caller = verified.map_err(|e| {
            let request_id = request
                .extensions()
                .get::<TraceContext>()
                .map(|t| t.request_id.clone())
                .unwrap_or_default();
            crate::rpc::to_status(e, &request_id)
        })?;
        tracing::Span::current().record("caller", caller.subject.as_str());
        request.extensions_mut().insert(caller);
        request.extensions_mut().insert(self.clock.clone());
        Ok(request)
    }
}
