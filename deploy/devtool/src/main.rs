//! `seteli-dev`: local development keys and tokens.
//!
//! ```text
//! seteli-dev keys  [--dir deploy/dev-keys]
//!     Writes signing-key.pem (Ed25519, PKCS#8 v1 PEM, mode 0600) and jwks.json into DIR
//!     unless they exist (an older v2 or world-readable key is rewritten, the same key).
//! seteli-dev token --role ROLE [--provider ID] [--identity-code HETU] [--subject SUB]
//!                  [--ttl SECONDS] [--dir DIR]
//!     Prints a token signed with DIR/signing-key.pem (issuer seteli-dev, audience seteli,
//!     or SETELI_JWT_ISSUER / SETELI_JWT_AUDIENCE).
//! ```
//! Never use these keys outside a developer's machine: production tokens come from the
//! county's identity provider and services only hold its public JWKS. The work is done by the
//! library ([`seteli_devtool`]), which the `seteli` command-line client shares.

use std::path::PathBuf;
use std::process::ExitCode;

use seteli_devtool::{TokenRequest, audience, issuer, keys, mint};

fn usage() -> ExitCode {
    eprintln!(
        "usage:\n  seteli-dev keys [--dir DIR]\n  seteli-dev token --role ROLE [--provider ID] [--identity-code HETU] [--subject SUB] [--ttl SECONDS] [--dir DIR]\n\
         roles: social_worker, provider_user (needs --provider), county_admin, finance_system, auditor,\n\
         service (a service's own account: --subject providers|vouchers|attendance|reporting|billing),\n\
         client (a voucher holder: needs --identity-code, carried in the claim hetu)"
    );
    ExitCode::from(2)
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
    let dir = PathBuf::from(flag("--dir").unwrap_or_else(|| seteli_devtool::DEFAULT_DIR.into()));
    let result = match command.as_str() {
        "keys" => keys(&dir).map(|_| ()),
        "token" => {
            let Some(role) = flag("--role") else {
                return usage();
            };
            let req = TokenRequest {
                role,
                provider: flag("--provider"),
                subject: flag("--subject"),
                ttl_seconds: flag("--ttl")
                    .and_then(|t| t.parse().ok())
                    .unwrap_or(8 * 3600),
                identity_code: flag("--identity-code"),
            };
            keys(&dir)
                .and_then(|k| mint(&k, &issuer(), &audience(), &req))
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
