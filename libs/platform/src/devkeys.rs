//! Dev keys and tokens: an Ed25519 signing key, its JWKS, and minted tokens.
//!
//! Used by `seteli-dev` (so a newcomer can call the API) and by tests. Production keys come
//! from the county's identity provider; services only ever see the public JWKS.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::EncodePrivateKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::auth::Claims;

/// A signing key with its key id.
#[derive(Clone)]
pub struct DevKey {
    /// Key id (`kid`).
    pub kid: String,
    signing: SigningKey,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey").field("kid", &self.kid).finish()
    }
}

impl DevKey {
    /// A fresh random key.
    pub fn generate(kid: &str) -> Self {
        Self {
            kid: kid.to_owned(),
            signing: SigningKey::generate(&mut rand::rngs::OsRng),
        }
    }

    /// Reads a PKCS#8 PEM written by [`DevKey::to_pem`].
    pub fn from_pem(kid: &str, pem: &str) -> anyhow::Result<Self> {
        use ed25519_dalek::pkcs8::DecodePrivateKey;
        Ok(Self {
            kid: kid.to_owned(),
            signing: SigningKey::from_pkcs8_pem(pem)?,
        })
    }

    /// The private key as PKCS#8 PEM.
    pub fn to_pem(&self) -> anyhow::Result<String> {
        Ok(self.signing.to_pkcs8_pem(LineEnding::LF)?.to_string())
    }

    /// The public key as a one-key JWKS document (`alg` pinned to EdDSA).
    pub fn jwks_json(&self) -> String {
        let x = URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes());
        serde_json::json!({
            "keys": [{
                "kty": "OKP", "crv": "Ed25519", "x": x,
                "kid": self.kid, "alg": "EdDSA", "use": "sig"
            }]
        })
        .to_string()
    }

    /// Signs `claims` with this key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let pem = self.to_pem()?;
        let key = EncodingKey::from_ed_pem(pem.as_bytes())?;
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &key)?)
    }

    /// A token for `role` (and `provider_id`), valid for `ttl_seconds`.
    pub fn token(
        &self,
        issuer: &str,
        audience: &str,
        subject: &str,
        role: &str,
        provider_id: Option<&str>,
        ttl_seconds: i64,
    ) -> anyhow::Result<String> {
        let now = chrono::Utc::now().timestamp();
        self.sign(&Claims {
            sub: subject.to_owned(),
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            exp: now + ttl_seconds,
            iat: now,
            role: role.to_owned(),
            provider_id: provider_id.map(str::to_owned),
        })
    }
}
