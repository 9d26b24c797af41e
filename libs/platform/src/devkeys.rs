//! Dev keys and tokens: an Ed25519 signing key, its JWKS, and minted tokens.
//!
//! Used by `seteli-dev` (so a newcomer can call the API) and by tests. Production keys come
//! from the county's identity provider; services only ever see the public JWKS. A service
//! refuses to start with [`DEV_ISSUER`] or a JWKS holding [`DEV_KID`] unless `SETELI_DEV=true`.
//!
//! The private key is written as PKCS#8 **v1** PEM (`PrivateKeyInfo` without the public key),
//! the form OpenSSL 3 and Python's `cryptography` read; `ed25519_dalek` alone writes v2, which
//! they refuse. Reading accepts both.

use std::path::Path;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ed25519_dalek::SigningKey;
use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey, KeypairBytes, PrivateKeyInfo};
use jsonwebtoken::{Algorithm, EncodingKey, Header};

use crate::identity::Claims;

pub use crate::identity::{DEV_ISSUER, DEV_KID};

/// A signing key with its key id.
#[derive(Clone)]
pub struct DevKey {
    /// Key id (`kid`).
    pub kid: String,
    signing: SigningKey,
    /// The same key for jsonwebtoken (PKCS#8 v1 DER), made once rather than per token.
    encoding: EncodingKey,
}

impl std::fmt::Debug for DevKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DevKey").field("kid", &self.kid).finish()
    }
}

/// The PKCS#8 v1 DER of `signing` (no public key inside).
fn pkcs8_v1_der(signing: &SigningKey) -> anyhow::Result<Vec<u8>> {
    let bytes = KeypairBytes {
        secret_key: signing.to_bytes(),
        public_key: None,
    };
    Ok(bytes.to_pkcs8_der()?.as_bytes().to_vec())
}

impl DevKey {
    fn of(kid: &str, signing: SigningKey) -> anyhow::Result<Self> {
        let encoding = EncodingKey::from_ed_der(&pkcs8_v1_der(&signing)?);
        Ok(Self {
            kid: kid.to_owned(),
            signing,
            encoding,
        })
    }

    /// A fresh random key.
    pub fn generate(kid: &str) -> Self {
        Self::of(kid, SigningKey::generate(&mut rand::rngs::OsRng))
            .expect("a fresh Ed25519 key encodes as PKCS#8")
    }

    /// Reads a PKCS#8 PEM (v1 as [`DevKey::to_pem`] writes it, or an older v2).
    pub fn from_pem(kid: &str, pem: &str) -> anyhow::Result<Self> {
        Self::of(kid, SigningKey::from_pkcs8_pem(pem)?)
    }

    /// The private key as PKCS#8 v1 PEM (`-----BEGIN PRIVATE KEY-----`), as OpenSSL writes it.
    pub fn to_pem(&self) -> anyhow::Result<String> {
        let bytes = KeypairBytes {
            secret_key: self.signing.to_bytes(),
            public_key: None,
        };
        Ok(bytes.to_pkcs8_pem(LineEnding::LF)?.to_string())
    }

    /// The private key as PKCS#8 v2 PEM (with the public key), as `seteli-dev` wrote it before
    /// and OpenSSL 3 refuses: only to test that such a key is read and rewritten.
    pub fn to_pem_v2(&self) -> anyhow::Result<String> {
        Ok(self.signing.to_pkcs8_pem(LineEnding::LF)?.to_string())
    }

    /// Writes the private key to `path` as [`DevKey::to_pem`], readable by its owner only
    /// (mode 0600 on Unix): through a temporary file in the same folder, renamed into place,
    /// so the key is never readable by others, not even for a moment, and an existing file is
    /// replaced whole.
    pub fn write_pem(&self, path: &Path) -> anyhow::Result<()> {
        use std::io::Write;
        let name = path
            .file_name()
            .ok_or_else(|| anyhow::anyhow!("{} names no file", path.display()))?;
        let temporary = path.with_file_name(format!(
            ".{}.{}.tmp",
            name.to_string_lossy(),
            std::process::id()
        ));
        let _ = std::fs::remove_file(&temporary);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let written = (|| -> anyhow::Result<()> {
            let mut file = options.open(&temporary)?;
            file.write_all(self.to_pem()?.as_bytes())?;
            file.sync_all()?;
            std::fs::rename(&temporary, path)?;
            Ok(())
        })();
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written
    }

    /// The public key as SPKI PEM (`-----BEGIN PUBLIC KEY-----`), as `openssl pkey -pubout`
    /// prints it.
    pub fn public_pem(&self) -> anyhow::Result<String> {
        use ed25519_dalek::pkcs8::EncodePublicKey;
        Ok(self
            .signing
            .verifying_key()
            .to_public_key_pem(LineEnding::LF)?)
    }

    /// The public key as a JWK (`alg` pinned to EdDSA, `use` sig).
    pub fn jwk(&self) -> serde_json::Value {
        let x = URL_SAFE_NO_PAD.encode(self.signing.verifying_key().as_bytes());
        serde_json::json!({
            "kty": "OKP", "crv": "Ed25519", "x": x,
            "kid": self.kid, "alg": "EdDSA", "use": "sig"
        })
    }

    /// The public key as a one-key JWKS document.
    pub fn jwks_json(&self) -> String {
        jwks_json_of(&[self])
    }

    /// Signs `claims` with this key.
    pub fn sign(&self, claims: &Claims) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
    }

    /// Signs any claims, with header `typ` set to `typ` (`None`: no `typ` at all) — for tokens
    /// shaped as another identity provider makes them (tests, examples).
    pub fn sign_json(
        &self,
        claims: &serde_json::Value,
        typ: Option<&str>,
    ) -> anyhow::Result<String> {
        let mut header = Header::new(Algorithm::EdDSA);
        header.kid = Some(self.kid.clone());
        header.typ = typ.map(str::to_owned);
        Ok(jsonwebtoken::encode(&header, claims, &self.encoding)?)
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
            hetu: None,
        })
    }
}

/// A JWKS document publishing every key of `keys` (e.g. the old and the new during a rotation).
pub fn jwks_json_of(keys: &[&DevKey]) -> String {
    serde_json::json!({ "keys": keys.iter().map(|k| k.jwk()).collect::<Vec<_>>() }).to_string()
}

/// Whether `pem` is a PKCS#8 v1 private key (no public key inside), the form OpenSSL 3 reads.
pub fn is_pkcs8_v1(pem: &str) -> bool {
    use ed25519_dalek::pkcs8::spki::der::{self, Decode, pem::PemLabel};
    let Ok((label, der)) = der::pem::decode_vec(pem.as_bytes()) else {
        return false;
    };
    // PKCS#8 v1 is `PrivateKeyInfo` without the `publicKey` field of v2 (RFC 5958).
    label == PrivateKeyInfo::PEM_LABEL
        && PrivateKeyInfo::from_der(&der).is_ok_and(|info| info.public_key.is_none())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pem_is_pkcs8_v1_and_reads_back_as_the_same_key() {
        let key = DevKey::generate("k");
        let pem = key.to_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
        assert!(is_pkcs8_v1(&pem));
        // The DER itself: SEQUENCE { INTEGER 0 (v1), AlgorithmIdentifier { 1.3.101.112 },
        // OCTET STRING { OCTET STRING (32 bytes) } } and nothing after it: 48 bytes.
        let (_, der) = ed25519_dalek::pkcs8::spki::der::pem::decode_vec(pem.as_bytes()).unwrap();
        assert_eq!(der.len(), 48);
        assert_eq!(
            &der[..16],
            &[
                0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22,
                0x04, 0x20
            ]
        );
        let again = DevKey::from_pem("k", &pem).unwrap();
        assert_eq!(again.jwk(), key.jwk());
        // What ed25519_dalek writes by itself (v2) is still read, and recognised as not v1.
        let v2 = key.to_pem_v2().unwrap();
        assert!(!is_pkcs8_v1(&v2));
        assert_eq!(DevKey::from_pem("k", &v2).unwrap().jwk(), key.jwk());
    }

    #[cfg(unix)]
    #[test]
    fn the_written_key_is_for_its_owner_only() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("seteli-devkeys-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("signing-key.pem");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let key = DevKey::generate("k");
        key.write_pem(&path).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "mode {mode:o}");
        assert!(is_pkcs8_v1(&std::fs::read_to_string(&path).unwrap()));
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
