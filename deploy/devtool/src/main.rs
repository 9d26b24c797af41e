//! `seteli-dev`: local development keys and tokens.
//!
//! ```text
//! seteli-dev keys  [--dir deploy/dev-keys]
//!     Writes signing-key.pem (Ed25519, PKCS#8) and jwks.json into DIR unless they exist.
//! seteli-dev token --role ROLE [--provider ID] [--subject SUB] [--ttl SECONDS] [--dir DIR]
//!     Prints a token signed with DIR/signing-key.pem (issuer seteli-dev, audience seteli,
//!     or SETELI_JWT_ISSUER / SETELI_JWT_AUDIENCE).
//! ```
//! Never use these keys outside a developer's machine: production tokens come from the
//! county's identity provider and services only hold its public JWKS.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use seteli_platform::auth::Role;
use seteli_platform::devkeys::DevKey;

const KID: &str = "seteli-dev-1";

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  seteli-dev keys [--dir DIR]\n  seteli-dev token --role ROLE [--provider ID] [--subject SUB] [--ttl SECONDS] [--dir DIR]\n\
         roles: social_worker, provider_user (needs --provider), county_admin, finance_system, auditor"
    );
    ExitCode::from(2)
}

fn keys(dir: &Path) -> anyhow::Result<DevKey> {
    let pem_path = dir.join("signing-key.pem");
    let jwks_path = dir.join("jwks.json");
    if pem_path.exists() {
        let key = DevKey::from_pem(KID, &std::fs::read_to_string(&pem_path)?)?;
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = args.first() else {
        return usage();
    };
    let flag = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let dir = PathBuf::from(flag("--dir").unwrap_or_else(|| "deploy/dev-keys".into()));
    let result = match command.as_str() {
        "keys" => keys(&dir).map(|_| ()),
        "token" => {
            let Some(role) = flag("--role") else {
                return usage();
            };
            if Role::parse(&role).is_none() {
                eprintln!("unknown role {role}");
                return usage();
            }
            let provider = flag("--provider");
            if role == "provider_user" && provider.is_none() {
                eprintln!("a provider_user token needs --provider ID");
                return usage();
            }
            let ttl: i64 = flag("--ttl")
                .and_then(|t| t.parse().ok())
                .unwrap_or(8 * 3600);
            let subject = flag("--subject").unwrap_or_else(|| format!("dev-{role}"));
            let issuer = std::env::var("SETELI_JWT_ISSUER").unwrap_or_else(|_| "seteli-dev".into());
            let audience = std::env::var("SETELI_JWT_AUDIENCE").unwrap_or_else(|_| "seteli".into());
            keys(&dir)
                .and_then(|k| {
                    k.token(
                        &issuer,
                        &audience,
                        &subject,
                        &role,
                        provider.as_deref(),
                        ttl,
                    )
                })
                .map(|t| println!("{t}"))
        }
        _ => return usage(),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("seteli-dev: {e:#}");
            ExitCode::FAILURE
        }
    }
}
