//! The keys that sign callers' tokens: a JWKS read from a file (`SETELI_JWKS_PATH`) or fetched
//! from the identity provider (`SETELI_JWKS_URL`), and kept current without a restart.
//!
//! - At start the JWKS is read once; a service that cannot get a usable key does not start.
//! - A background task reads it again every `SETELI_JWKS_REFRESH_SECONDS` (default 300), and
//!   when a token names a key id the service does not know — at most once per
//!   [`ON_DEMAND_MIN_INTERVAL`], so a storm of made-up key ids costs one fetch, not thousands.
//! - A failed refresh keeps the keys the service has (an identity provider's brief outage
//!   does not lock everyone out); a changed key set replaces them whole and clears the token
//!   cache, so a key removed from the JWKS is no longer trusted.
//!
//! Keys: Ed25519 (`OKP`, EdDSA), P-256 / P-384 (`EC`, ES256 / ES384) and RSA (`RSA`, RS256 unless
//! the key pins another RSA algorithm, as Entra ID and Keycloak publish them). The algorithm is
//! pinned per key: a token cannot choose its own. Keys marked `use: enc`, keys of other types
//! and keys without a `kid` are skipped with a warning.
//!
//! HTTP: hyper-util's client (already in the tree under tonic) with rustls on the `ring`
//! provider, trusting the system's CA certificates (`SSL_CERT_FILE` / `SSL_CERT_DIR` point
//! elsewhere, e.g. at a county's own CA). Redirects are not followed.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use http_body_util::{BodyExt, Empty, Limited};
use hyper::body::Bytes;
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, JwkSet, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey};
use sha2::{Digest, Sha256};
use tokio::sync::Notify;

use crate::catalogue::JWKS_FETCHES;
use crate::config::ConfigError;
use crate::identity::DEV_KID;
use crate::token_cache::TokenCache;

/// The least time between two fetches caused by unknown key ids.
pub const ON_DEMAND_MIN_INTERVAL: Duration = Duration::from_secs(30);

/// How long one fetch of a JWKS URL may take.
const FETCH_TIMEOUT: Duration = Duration::from_secs(10);

/// The largest JWKS document accepted (real ones are a few kilobytes).
const MAX_JWKS_BYTES: usize = 1024 * 1024;

/// A trusted key and the one algorithm tokens signed with it may use.
pub(crate) struct PinnedKey {
    pub key: DecodingKey,
    pub algorithm: Algorithm,
}

/// One version of the trusted keys, by key id.
pub struct KeySet {
    keys: HashMap<String, PinnedKey>,
    /// SHA-256 over the keys (sorted by id): equal fingerprints, same keys.
    fingerprint: [u8; 32],
}

impl std::fmt::Debug for KeySet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeySet")
            .field("kids", &self.kids())
            .finish()
    }
}

impl KeySet {
    /// Parses a JWKS document: every signing key with a `kid` and a supported type, its
    /// algorithm taken from its type and curve (RSA: RS256 unless the key pins another).
    /// A key whose declared `alg` does not fit its type is an error; a JWKS without any usable
    /// key is an error.
    pub fn parse(json: &str) -> anyhow::Result<KeySet> {
        let set: JwkSet =
            serde_json::from_str(json).map_err(|e| anyhow::anyhow!("not a JWKS document: {e}"))?;
        let mut keys = HashMap::new();
        let mut described = Vec::new();
        for jwk in &set.keys {
            let Some(kid) = jwk.common.key_id.clone().filter(|k| !k.is_empty()) else {
                tracing::warn!("a JWKS key without a kid is skipped");
                continue;
            };
            if matches!(jwk.common.public_key_use, Some(PublicKeyUse::Encryption)) {
                continue;
            }
            let declared = match jwk.common.key_algorithm {
                Some(a) => match a.to_string().parse::<Algorithm>() {
                    Ok(alg) => Some(alg),
                    // An encryption algorithm (RSA-OAEP…): not a signing key.
                    Err(_) => continue,
                },
                None => None,
            };
            let algorithm = match (&jwk.algorithm, declared) {
                (AlgorithmParameters::OctetKeyPair(p), None | Some(Algorithm::EdDSA))
                    if p.curve == EllipticCurve::Ed25519 =>
                {
                    Algorithm::EdDSA
                }
                (AlgorithmParameters::EllipticCurve(p), None | Some(Algorithm::ES256))
                    if p.curve == EllipticCurve::P256 =>
                {
                    Algorithm::ES256
                }
                (AlgorithmParameters::EllipticCurve(p), None | Some(Algorithm::ES384))
                    if p.curve == EllipticCurve::P384 =>
                {
                    Algorithm::ES384
                }
                (AlgorithmParameters::RSA(_), None) => Algorithm::RS256,
                (
                    AlgorithmParameters::RSA(_),
                    Some(
                        a @ (Algorithm::RS256
                        | Algorithm::RS384
                        | Algorithm::RS512
                        | Algorithm::PS256
                        | Algorithm::PS384
                        | Algorithm::PS512),
                    ),
                ) => a,
                (
                    AlgorithmParameters::OctetKeyPair(_)
                    | AlgorithmParameters::EllipticCurve(_)
                    | AlgorithmParameters::RSA(_),
                    Some(declared),
                ) => anyhow::bail!("key {kid}: alg {declared:?} does not fit its key type"),
                _ => {
                    tracing::warn!(kid, "a JWKS key of an unsupported type is skipped");
                    continue;
                }
            };
            let key = DecodingKey::from_jwk(jwk).map_err(|e| anyhow::anyhow!("key {kid}: {e}"))?;
            described.push((kid.clone(), serde_json::to_string(jwk)?));
            keys.insert(kid, PinnedKey { key, algorithm });
        }
        if keys.is_empty() {
            anyhow::bail!("the JWKS has no usable signing key");
        }
        described.sort();
        let mut hasher = Sha256::new();
        for (kid, jwk) in &described {
            hasher.update(kid.as_bytes());
            hasher.update([0]);
            hasher.update(jwk.as_bytes());
            hasher.update([0]);
        }
        Ok(KeySet {
            keys,
            fingerprint: hasher.finalize().into(),
        })
    }

    /// The key ids, sorted.
    pub fn kids(&self) -> Vec<&str> {
        let mut kids: Vec<&str> = self.keys.keys().map(String::as_str).collect();
        kids.sort_unstable();
        kids
    }

    pub(crate) fn get(&self, kid: &str) -> Option<&PinnedKey> {
        self.keys.get(kid)
    }
}

/// The keys in use, their generation, and the token cache that goes with them.
pub(crate) struct KeyStore {
    current: RwLock<Arc<KeySet>>,
    generation: AtomicU64,
    pub cache: TokenCache,
    wake: Notify,
}

impl KeyStore {
    pub fn new(keys: KeySet, cache: TokenCache) -> Self {
        Self {
            current: RwLock::new(Arc::new(keys)),
            generation: AtomicU64::new(0),
            cache,
            wake: Notify::new(),
        }
    }

    /// The keys in use and their generation.
    pub fn current(&self) -> (Arc<KeySet>, u64) {
        let keys = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        (keys.clone(), self.generation.load(Ordering::Acquire))
    }

    /// The generation of the keys in use (one more with every change).
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// Puts `keys` in use when they differ from the current ones (then the generation moves
    /// on and the token cache is cleared); whether they did.
    pub fn replace(&self, keys: KeySet) -> bool {
        let mut current = self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.fingerprint == keys.fingerprint {
            return false;
        }
        *current = Arc::new(keys);
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.cache.clear();
        true
    }

    /// Asks the refresher (if any) to read the JWKS again: a token named an unknown key.
    pub fn request_refresh(&self) {
        self.wake.notify_one();
    }
}

type HttpClient = Client<HttpsConnector<HttpConnector>, Empty<Bytes>>;

/// Where the JWKS comes from.
pub(crate) enum JwksSource {
    /// A file (`SETELI_JWKS_PATH`), e.g. a mounted Secret or ConfigMap.
    File(PathBuf),
    /// The identity provider's JWKS URL (`SETELI_JWKS_URL`).
    Url {
        uri: http::Uri,
        client: Box<HttpClient>,
    },
}

impl std::fmt::Debug for JwksSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.describe())
    }
}

impl JwksSource {
    /// The JWKS at `url` (`http://` or `https://`).
    pub fn url(url: &str) -> Result<Self, ConfigError> {
        let bad = |message: String| ConfigError {
            key: "SETELI_JWKS_URL".into(),
            message,
        };
        let uri: http::Uri = url
            .parse()
            .map_err(|e| bad(format!("`{url}` is not a URL: {e}")))?;
        let https = uri.scheme_str() == Some("https");
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = hyper_rustls::HttpsConnectorBuilder::new();
        let builder = if https {
            builder
                .with_provider_and_native_roots(provider)
                .map_err(|e| {
                    bad(format!(
                        "no trusted CA certificates for {url}: {e} (install the system's CA \
                         certificates, or point SSL_CERT_FILE at the identity provider's CA)"
                    ))
                })?
        } else {
            // Plain http (a sidecar, a test): TLS is never used, so no roots are needed.
            let tls = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .map_err(|e| bad(format!("TLS setup: {e}")))?
                .with_root_certificates(rustls::RootCertStore::empty())
                .with_no_client_auth();
            builder.with_tls_config(tls)
        };
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_connect_timeout(Some(FETCH_TIMEOUT));
        http.set_nodelay(true);
        let connector = builder.https_or_http().enable_http1().wrap_connector(http);
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(connector);
        Ok(JwksSource::Url {
            uri,
            client: Box::new(client),
        })
    }

    /// The configuration key that names this source.
    pub fn config_key(&self) -> &'static str {
        match self {
            JwksSource::File(_) => "SETELI_JWKS_PATH",
            JwksSource::Url { .. } => "SETELI_JWKS_URL",
        }
    }

    /// The file or URL, for messages.
    pub fn describe(&self) -> String {
        match self {
            JwksSource::File(path) => format!("JWKS file {}", path.display()),
            JwksSource::Url { uri, .. } => format!("JWKS URL {uri}"),
        }
    }

    /// The JWKS document.
    async fn fetch(&self) -> anyhow::Result<String> {
        match self {
            JwksSource::File(path) => Ok(tokio::fs::read_to_string(path).await?),
            JwksSource::Url { uri, client } => {
                let request = http::Request::get(uri.clone())
                    .header(
                        http::header::ACCEPT,
                        "application/jwk-set+json, application/json",
                    )
                    .body(Empty::new())?;
                let fetched = async {
                    let response = client.request(request).await?;
                    let status = response.status();
                    if !status.is_success() {
                        anyhow::bail!("answered HTTP {status}");
                    }
                    let body = Limited::new(response.into_body(), MAX_JWKS_BYTES)
                        .collect()
                        .await
                        .map_err(|e| anyhow::anyhow!("reading the answer: {e}"))?
                        .to_bytes();
                    Ok(String::from_utf8(body.to_vec())?)
                };
                tokio::time::timeout(FETCH_TIMEOUT, fetched)
                    .await
                    .map_err(|_| anyhow::anyhow!("no answer in {FETCH_TIMEOUT:?}"))?
            }
        }
    }

    /// Fetches and parses the JWKS; outside dev mode a JWKS holding the dev key id is refused
    /// (a [`ConfigError`] naming this source's key).
    pub async fn load(&self, dev: bool) -> anyhow::Result<KeySet> {
        let json = self.fetch().await.map_err(|e| {
            let hint = match self {
                JwksSource::File(_) => {
                    "; run `make run` or `cargo run -p seteli-devtool -- keys` to create dev keys"
                }
                JwksSource::Url { .. } => "",
            };
            anyhow::anyhow!(
                "cannot read the {} ({}): {e:#}{hint}",
                self.describe(),
                self.config_key()
            )
        })?;
        let keys = KeySet::parse(&json).map_err(|e| {
            anyhow::anyhow!("the {} ({}): {e:#}", self.describe(), self.config_key())
        })?;
        if !dev && keys.get(DEV_KID).is_some() {
            return Err(ConfigError {
                key: self.config_key().into(),
                message: format!(
                    "the {} holds the dev signing key `{DEV_KID}`, refused outside dev mode: \
                     use your identity provider's JWKS, or set SETELI_DEV=true on a \
                     developer's machine",
                    self.describe()
                ),
            }
            .into());
        }
        Ok(keys)
    }
}

/// Keeps `store` current from `source`: every `every`, and when a token names an unknown key
/// (at most once per [`ON_DEMAND_MIN_INTERVAL`]). Runs until aborted. Counted as
/// `seteli_jwks_fetches_total{service, outcome}`, both outcomes shown from 0 on.
pub(crate) fn spawn_refresher(
    service: &'static str,
    store: Arc<KeyStore>,
    source: JwksSource,
    every: Duration,
    dev: bool,
) -> tokio::task::AbortHandle {
    let fetched = |outcome: &'static str| {
        let counter =
            metrics::counter!(JWKS_FETCHES.name, "service" => service, "outcome" => outcome);
        counter.increment(0);
        counter
    };
    let (ok, failed) = (fetched("ok"), fetched("error"));
    tokio::spawn(async move {
        let mut periodic = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
        periodic.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_on_demand: Option<tokio::time::Instant> = None;
        loop {
            let on_demand = tokio::select! {
                _ = periodic.tick() => false,
                () = store.wake.notified() => true,
            };
            if on_demand {
                if last_on_demand.is_some_and(|t| t.elapsed() < ON_DEMAND_MIN_INTERVAL) {
                    continue;
                }
                last_on_demand = Some(tokio::time::Instant::now());
            }
            let reason = if on_demand {
                "unknown key id"
            } else {
                "periodic"
            };
            match source.load(dev).await {
                Ok(keys) => {
                    ok.increment(1);
                    let kids = keys.kids().join(",");
                    if store.replace(keys) {
                        tracing::info!(
                            source = %source.describe(),
                            reason,
                            kids,
                            "signing keys changed; token cache cleared"
                        );
                    }
                }
                Err(e) => {
                    failed.increment(1);
                    tracing::warn!(
                        reason,
                        error = format!("{e:#}"),
                        "JWKS refresh failed; the keys in use stay"
                    );
                }
            }
        }
    })
    .abort_handle()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devkeys::{DevKey, jwks_json_of};

    #[test]
    fn identity_provider_key_sets_keep_their_signing_keys() {
        // Keycloak publishes an RSA signing key and an RSA encryption key side by side.
        let rsa_n = "uaHhzEmYaikh7GPokKc-l2GfieMT40gVWWWAC5Briv2BR8PDK4rRcbQpH5MrrgKYKluIHhIQAjDjEwnx3x8Gh0EJkYqzIUsqPXN2TjYDWeOCIlnhkbhmAioIdniKNPs08K6PP-RxYML6qfyldNxfLA5twtTbcDNLwbncPqL9F3EGSoMcVo3b-Mg5SHez__28tVcNOrWtVzdPtIoV_1jBNB69TquhGa-iSWNx84SfWSoIi2nzOx067yWBVvdJ8LPwbB5BL8ocw9fqJu7rIXT8OF3kpHY42n-7LoLiDRdP2n61g38rtRqa5Jimp417mogjGV9Z3MK-jdCCa3vmswwtpQ";
        let json = serde_json::json!({"keys": [
            {"kid": "rsa-sig", "kty": "RSA", "alg": "RS256", "use": "sig", "n": rsa_n, "e": "AQAB"},
            {"kid": "rsa-enc", "kty": "RSA", "alg": "RSA-OAEP", "use": "enc", "n": rsa_n, "e": "AQAB"},
            {"kty": "RSA", "n": rsa_n, "e": "AQAB"},
            DevKey::generate("ed").jwk(),
        ]})
        .to_string();
        let keys = KeySet::parse(&json).unwrap();
        assert_eq!(keys.kids(), ["ed", "rsa-sig"]);
        assert_eq!(keys.get("rsa-sig").unwrap().algorithm, Algorithm::RS256);
        assert_eq!(keys.get("ed").unwrap().algorithm, Algorithm::EdDSA);
    }

    #[test]
    fn a_key_cannot_claim_an_algorithm_of_another_type_and_an_empty_set_is_refused() {
        let mut jwk = DevKey::generate("ed").jwk();
        jwk["alg"] = "ES256".into();
        let err = KeySet::parse(&serde_json::json!({ "keys": [jwk] }).to_string()).unwrap_err();
        assert!(err.to_string().contains("does not fit"), "{err}");
        let err = KeySet::parse(r#"{"keys": []}"#).unwrap_err();
        assert!(err.to_string().contains("no usable signing key"), "{err}");
        assert!(KeySet::parse("not json").is_err());
    }

    #[test]
    fn only_a_changed_key_set_moves_the_generation_on() {
        let a = DevKey::generate("a");
        let b = DevKey::generate("b");
        let store = KeyStore::new(KeySet::parse(&a.jwks_json()).unwrap(), TokenCache::new(10));
        assert!(!store.replace(KeySet::parse(&a.jwks_json()).unwrap()));
        assert_eq!(store.generation(), 0);
        assert!(store.replace(KeySet::parse(&jwks_json_of(&[&a, &b])).unwrap()));
        assert_eq!(store.generation(), 1);
        // Order within the document does not matter.
        assert!(!store.replace(KeySet::parse(&jwks_json_of(&[&b, &a])).unwrap()));
        assert_eq!(store.current().0.kids(), ["a", "b"]);
    }

    #[tokio::test]
    async fn the_dev_key_id_is_refused_outside_dev_mode() {
        let dir = std::env::temp_dir().join(format!("seteli-jwks-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("jwks.json");
        std::fs::write(&path, DevKey::generate(DEV_KID).jwks_json()).unwrap();
        let source = JwksSource::File(path);
        let err = source.load(false).await.unwrap_err();
        let config = err.downcast_ref::<ConfigError>().expect("a ConfigError");
        assert_eq!(config.key, "SETELI_JWKS_PATH");
        assert!(config.message.contains(DEV_KID), "{config}");
        assert_eq!(source.load(true).await.unwrap().kids(), [DEV_KID]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_jwks_url_must_be_http_or_https() {
        assert!(JwksSource::url("http://127.0.0.1:1/jwks").is_ok());
        let err = JwksSource::url("not a url at all").unwrap_err();
        assert_eq!(err.key, "SETELI_JWKS_URL");
    }
}
