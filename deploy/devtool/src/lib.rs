//! Local development keys and tokens, as a library: the `seteli-dev` binary and the `seteli`
//! command-line client both mint dev tokens with it.
//!
//! Never use these keys outside a developer's machine: production tokens come from the
//! county's identity provider and services only hold its public JWKS.

use std::path::Path;

use seteli_platform::auth::Role;
use seteli_platform::devkeys::{DEV_ISSUER, DevKey, is_pkcs8_v1};
use seteli_platform::identity::Claims;

/// Key id of the dev signing key: a service outside dev mode refuses a JWKS holding it.
pub const KID: &str = seteli_platform::devkeys::DEV_KID;

/// Where `make run` keeps the dev keys.
pub const DEFAULT_DIR: &str = "deploy/dev-keys";

/// The dev signing key in `dir` (`signing-key.pem`, with its public `jwks.json`): read when it
/// exists (its key id from `jwks.json`, else [`KID`]), else generated and written. A missing
/// `jwks.json` is written again from the key.
///
/// The private key is PKCS#8 v1 PEM, readable by its owner only (mode 0600), so OpenSSL 3 and
/// Python's `cryptography` read it; a key written by an older `seteli-dev` (v2, or readable by
/// others) is rewritten so where the folder is writable — the same key, so tokens and JWKS
/// stay valid.
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
        let pem = std::fs::read_to_string(&pem_path)?;
        let key = DevKey::from_pem(&kid, &pem)?;
        if !is_pkcs8_v1(&pem) || !owner_only(&pem_path)? {
            // Best effort: a read-only folder still yields the key.
            match key.write_pem(&pem_path) {
                Ok(()) => eprintln!(
                    "rewrote {} as PKCS#8 v1, mode 0600 (the same key)",
                    pem_path.display()
                ),
                Err(e) => eprintln!(
                    "warning: {} is PKCS#8 v2 or readable by others and could not be rewritten: {e:#}",
                    pem_path.display()
                ),
            }
        }
        if !jwks_path.exists() {
            std::fs::write(&jwks_path, key.jwks_json())?;
        }
        return Ok(key);
    }
    std::fs::create_dir_all(dir)?;
    let key = DevKey::generate(KID);
    key.write_pem(&pem_path)?;
    std::fs::write(&jwks_path, key.jwks_json())?;
    eprintln!("wrote {} and {}", pem_path.display(), jwks_path.display());
    Ok(key)
}

/// Whether only the owner may read `path` (always true where there are no Unix modes).
fn owner_only(path: &Path) -> anyhow::Result<bool> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Ok(std::fs::metadata(path)?.permissions().mode() & 0o077 == 0)
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        Ok(true)
    }
}

/// What a dev token says.
#[derive(Debug, Clone)]
pub struct TokenRequest {
    /// The role (`social_worker`, `provider_user`, `county_admin`, `finance_system`, `auditor`,
    /// or `service`: a service's own account, its subject naming the service).
    pub role: String,
    /// The provider of a `provider_user` (required for that role).
    pub provider: Option<String>,
    /// The token's subject; `None`: `dev-<role>` (a `client`'s: `dev-client-<identity code>`).
    pub subject: Option<String>,
    /// How long it is valid, in seconds.
    pub ttl_seconds: i64,
    /// The identity code (henkilötunnus) of a `client` (required for that role), carried in the
    /// claim `hetu`, where the services look by default (`SETELI_JWT_IDENTITY_CODE_CLAIM`).
    pub identity_code: Option<String>,
}

/// The issuer dev tokens carry: `SETELI_JWT_ISSUER`, or `seteli-dev` as the services expect
/// by default.
pub fn issuer() -> String {
    std::env::var("SETELI_JWT_ISSUER").unwrap_or_else(|_| DEV_ISSUER.into())
}

/// The audience dev tokens carry: `SETELI_JWT_AUDIENCE`, or `seteli`.
pub fn audience() -> String {
    std::env::var("SETELI_JWT_AUDIENCE").unwrap_or_else(|_| "seteli".into())
}

/// The services a `service` token may name (their own accounts).
pub const SERVICES: [&str; 5] = [
    "providers",
    "vouchers",
    "attendance",
    "reporting",
    "billing",
];

/// Signs `req` with `key` for `issuer` and `audience`; refuses an unknown role, a
/// `provider_user` without a provider, a `service` token that names no service, a `client`
/// without a valid identity code, and an identity code on any other role.
pub fn mint(
    key: &DevKey,
    issuer: &str,
    audience: &str,
    req: &TokenRequest,
) -> anyhow::Result<String> {
    if Role::parse(&req.role).is_none() {
        anyhow::bail!(
            "unknown role {}: social_worker, provider_user, county_admin, finance_system, \
             auditor, service or client",
            req.role
        );
    }
    if req.role == "provider_user" && req.provider.is_none() {
        anyhow::bail!("a provider_user token needs a provider id");
    }
    if req.role == "service"
        && !req
            .subject
            .as_deref()
            .is_some_and(|s| SERVICES.contains(&s))
    {
        anyhow::bail!(
            "a service token's subject names the service: --subject {}",
            SERVICES.join("|")
        );
    }
    if req.role == "client" {
        let Some(code) = req.identity_code.as_deref() else {
            anyhow::bail!("a client token needs the person's identity code: --identity-code");
        };
        if seteli_rules::ids::parse_hetu(code).is_err() {
            anyhow::bail!("{code} is not a valid identity code (henkilötunnus)");
        }
        let now = chrono::Utc::now().timestamp();
        return key.sign(&Claims {
            sub: req
                .subject
                .clone()
                .unwrap_or_else(|| format!("dev-client-{code}")),
            iss: issuer.to_owned(),
            aud: audience.to_owned(),
            exp: now + req.ttl_seconds,
            iat: now,
            role: req.role.clone(),
            provider_id: None,
            hetu: Some(code.to_owned()),
        });
    }
    if req.identity_code.is_some() {
        anyhow::bail!("only a client token carries an identity code");
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_service_token_names_its_service() {
        let key = DevKey::generate("test-key");
        let request = |subject: Option<&str>| TokenRequest {
            role: "service".into(),
            provider: None,
            subject: subject.map(str::to_owned),
            ttl_seconds: 60,
            identity_code: None,
        };
        assert!(mint(&key, "seteli-dev", "seteli", &request(None)).is_err());
        assert!(mint(&key, "seteli-dev", "seteli", &request(Some("someone"))).is_err());
        assert!(mint(&key, "seteli-dev", "seteli", &request(Some("attendance"))).is_ok());
    }

    #[test]
    fn a_client_token_carries_a_valid_identity_code_in_hetu() {
        let key = DevKey::generate("test-key");
        let request = |role: &str, code: Option<&str>| TokenRequest {
            role: role.into(),
            provider: None,
            subject: None,
            ttl_seconds: 60,
            identity_code: code.map(str::to_owned),
        };
        let token = mint(
            &key,
            "seteli-dev",
            "seteli",
            &request("client", Some("010190-998V")),
        )
        .expect("a client token");
        let payload = token.split('.').nth(1).expect("a payload");
        use base64::Engine as _;
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64url"),
        )
        .expect("JSON");
        assert_eq!(claims["role"], "client");
        assert_eq!(claims["hetu"], "010190-998V");
        assert_eq!(claims["sub"], "dev-client-010190-998V");
        assert!(mint(&key, "seteli-dev", "seteli", &request("client", None)).is_err());
        assert!(
            mint(
                &key,
                "seteli-dev",
                "seteli",
                &request("client", Some("010190-9999"))
            )
            .is_err()
        );
        assert!(
            mint(
                &key,
                "seteli-dev",
                "seteli",
                &request("social_worker", Some("010190-998V"))
            )
            .is_err()
        );
    }
    use std::path::PathBuf;
    use std::process::Command;

    /// A fresh folder under the system's temporary folder, removed when dropped.
    struct Scratch(PathBuf);

    impl Scratch {
        fn new() -> Self {
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or_default();
            let dir =
                std::env::temp_dir().join(format!("seteli-devtool-{}-{nanos}", std::process::id()));
            std::fs::create_dir_all(&dir).expect("scratch folder");
            Self(dir)
        }
    }

    impl Drop for Scratch {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    fn mode(path: &Path) -> u32 {
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::metadata(path)
                .expect("metadata")
                .permissions()
                .mode()
                & 0o777
        }
        #[cfg(not(unix))]
        {
            let _ = path;
            0o600
        }
    }

    /// Whether `program` can be run here.
    fn have(program: &str, probe: &[&str]) -> bool {
        Command::new(program)
            .args(probe)
            .output()
            .is_ok_and(|o| o.status.success())
    }

    /// The key at `pem` as OpenSSL reads it, or `None` when OpenSSL is not on this machine.
    fn openssl_public_pem(pem: &Path) -> Option<String> {
        if !have("openssl", &["version"]) {
            eprintln!("openssl not found: the PEM is checked by parsing its DER only");
            return None;
        }
        let out = Command::new("openssl")
            .args(["pkey", "-in"])
            .arg(pem)
            .arg("-pubout")
            .output()
            .expect("run openssl");
        assert!(
            out.status.success(),
            "openssl pkey refused the key: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Some(String::from_utf8(out.stdout).expect("PEM text"))
    }

    #[test]
    fn the_dev_key_is_pkcs8_v1_for_its_owner_only_and_openssl_reads_it() {
        let dir = Scratch::new();
        let key = keys(&dir.0).expect("keys");
        assert_eq!(key.kid, KID);
        let pem_path = dir.0.join("signing-key.pem");
        assert_eq!(mode(&pem_path), 0o600, "mode {:o}", mode(&pem_path));
        let pem = std::fs::read_to_string(&pem_path).expect("pem");
        assert!(is_pkcs8_v1(&pem), "not PKCS#8 v1:\n{pem}");
        if let Some(public) = openssl_public_pem(&pem_path) {
            assert_eq!(public, key.public_pem().expect("public pem"), "another key");
        }
        // Python's cryptography, where it is installed, reads it too.
        if have("python3", &["-c", "import cryptography"]) {
            let out = Command::new("python3")
                .args([
                    "-c",
                    "import sys; from cryptography.hazmat.primitives.serialization import \
                     load_pem_private_key as load; load(open(sys.argv[1], 'rb').read(), None)",
                ])
                .arg(&pem_path)
                .output()
                .expect("run python3");
            assert!(
                out.status.success(),
                "cryptography refused the key: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        // Read again: the same key.
        assert_eq!(keys(&dir.0).expect("again").jwk(), key.jwk());
    }

    #[test]
    fn a_key_from_an_older_seteli_dev_is_rewritten_as_v1_and_0600_unchanged() {
        let dir = Scratch::new();
        let key = DevKey::generate("older-1");
        let pem_path = dir.0.join("signing-key.pem");
        // What ed25519_dalek wrote by itself: PKCS#8 v2, world-readable.
        let v2 = key.to_pem_v2().expect("pem");
        assert!(!is_pkcs8_v1(&v2));
        std::fs::write(&pem_path, &v2).expect("write");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&pem_path, std::fs::Permissions::from_mode(0o644))
                .expect("chmod");
        }
        std::fs::write(dir.0.join("jwks.json"), key.jwks_json()).expect("jwks");
        let read = keys(&dir.0).expect("keys");
        assert_eq!(read.kid, "older-1");
        assert_eq!(read.jwk(), key.jwk(), "the same key");
        assert_eq!(mode(&pem_path), 0o600);
        assert!(is_pkcs8_v1(
            &std::fs::read_to_string(&pem_path).expect("pem")
        ));
    }
}
