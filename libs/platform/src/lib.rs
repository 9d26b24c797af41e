//! What every Seteli service shares.
//!
//! A service crate is thin: it implements [`server::Service`] (migrations, settings, gRPC
//! services, jobs) and its handlers are one line each through [`rpc::unary`]; the platform
//! brings the rest —
//!
//! - [`rpc`]: the RPC boundary — [`rpc::Ctx`] (caller, trace, Finnish clock); [`status`]: the
//!   only place an error becomes a `Status`;
//! - [`change`]: the one idempotent change primitive (replay first, claim, lock, change, store
//!   the answer);
//! - [`paging`]: one opaque, versioned page cursor;
//! - [`feed`]: following another service's change feed (one [`feed::Follower`] for every
//!   follower: its cursor, catch-up, ticker and on-demand catch-up), and the feeds a service
//!   publishes; [`followed`]: the page call of each feed of the contract;
//!   [`followed_providers`]: the provider registry as vouchers and attendance follow it, and
//!   PROVIDER-NOT-APPROVED decided from their copy;
//! - [`clock`]: "today" in Europe/Helsinki, injectable;
//! - [`config`]: typed configuration from `SETELI_…` environment variables and `DATABASE_URL`,
//!   with defaults that work on a laptop and an error that names the bad key;
//! - [`telemetry`]: tracing (readable or JSON), a span per call with request id and W3C trace
//!   context, Prometheus metrics (process metrics included); [`catalogue`]: every series
//!   exported, with its type, labels and help text;
//! - [`identity`]: the roles of the design and the verified [`identity::Caller`];
//!   [`auth`]: JWT verification as identity providers issue tokens (issuer, audience string or
//!   array, `exp`/`nbf`/lifetime, `typ`, `sub`, algorithm pinned per key, role and provider
//!   claims where configuration says), a cache of verified tokens and provider scoping;
//!   [`jwks`]: its keys from a JWKS file or URL, refreshed without a restart; [`devkeys`]: dev
//!   keys and tokens;
//! - [`db`]: sqlx `Any` on SQLite or PostgreSQL, migrations under a lock, a health probe;
//!   [`statement`]: one statement composed of parts and the values bound to it; [`packed`]:
//!   many rows read as one JSON value (for hot reads: past the `Any` driver's per-column cost);
//!   [`leader`]: one replica at a time runs each job;
//! - [`audit`]: the audit log of personal-data access (client-data act 703/2023);
//!   [`client_data`]: a client's reads and accesses as a service records them;
//!   [`audit_api`]: the `seteli.audit.v1.AuditService` that auditors query;
//! - [`error`]: one error type mapped to rich gRPC statuses (rule violations carry rule ids);
//! - [`admission`] and [`limits`]: how many calls at once, how large a request;
//! - [`convert`]: the contract's common types to and from the domain's (dates, money, enums);
//! - [`client`]: calls to other services, balanced per call over every ready pod, with one
//!   mapping of a downstream status; [`holder`]: a client's own voucher, as the voucher service
//!   confirms it to attendance and reporting;
//! - [`server`]: health, reflection, gRPC-Web with CORS, metrics endpoint, graceful drain.
//!
//! # Layers
//!
//! A module uses only modules of lower layers, never one of its own layer or above (the
//! `layers` test below reads this list and checks every `crate::` path against it). An item
//! that moved down stays reachable where it was by a re-export (`auth::Role`, `rpc::to_status`,
//! `server::forward`, `client::UpstreamOptions`, `devkeys::DEV_KID`).
//!
//! 1. [`error`], [`clock`], [`config`], [`catalogue`]
//! 2. [`convert`], [`paging`], [`telemetry`], [`limits`], [`status`], [`identity`], [`db`], [`statement`]
//! 3. [`packed`], [`admission`], [`audit`], [`devkeys`], `token_cache`, [`leader`]
//! 4. [`jwks`], [`rpc`]
//! 5. [`auth`], [`change`], [`client`], [`client_data`], [`feed`], [`audit_api`]
//! 6. [`followed`], [`server`], [`holder`]
//! 7. [`followed_providers`]
//! 8. `testing` (the test kit, behind the feature of that name)

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod admission;
pub mod audit;
pub mod audit_api;
pub mod auth;
pub mod catalogue;
pub mod change;
pub mod client;
pub mod client_data;
pub mod clock;
pub mod config;
pub mod convert;
pub mod db;
pub mod devkeys;
pub mod error;
pub mod feed;
pub mod followed;
pub mod followed_providers;
pub mod holder;
pub mod identity;
pub mod jwks;
pub mod leader;
pub mod limits;
pub mod packed;
pub mod paging;
pub mod rpc;
pub mod server;
pub mod statement;
pub mod status;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
mod token_cache;

pub use error::{AppError, AppResult, FieldErrors};

#[cfg(test)]
mod layers {
    use std::collections::BTreeMap;
    use std::path::Path;

    /// The layer of each module, from the crate documentation's "Layers" list.
    fn documented() -> BTreeMap<String, usize> {
        let lib = include_str!("lib.rs");
        let mut layers = BTreeMap::new();
        for line in lib.lines() {
            let Some(item) = line.strip_prefix("//! ") else {
                continue;
            };
            let Some((number, modules)) = item.split_once(". ") else {
                continue;
            };
            let Ok(layer) = number.parse::<usize>() else {
                continue;
            };
            for name in modules.split('`').skip(1).step_by(2) {
                let name = name.trim_matches(|c| c == '[' || c == ']');
                assert!(
                    layers.insert(name.to_owned(), layer).is_none(),
                    "{name} listed twice"
                );
            }
        }
        layers
    }

    /// The modules of `crate::…` paths in `text`.
    fn named(text: &str) -> Vec<&str> {
        text.match_indices("crate::")
            .map(|(i, m)| {
                let rest = &text[i + m.len()..];
                let end = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                &rest[..end]
            })
            .collect()
    }

    #[test]
    fn every_module_uses_only_lower_layers() {
        let layers = documented();
        let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut files = Vec::new();
        let mut folders = vec![src.clone()];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    files.push(path);
                }
            }
        }
        let mut seen = 0;
        for file in files {
            let relative = file.strip_prefix(&src).unwrap();
            let first = relative.components().next().unwrap();
            let module = Path::new(first.as_os_str())
                .file_stem()
                .unwrap()
                .to_string_lossy()
                .into_owned();
            if module == "lib" {
                continue;
            }
            let own = *layers
                .get(&module)
                .unwrap_or_else(|| panic!("{module} is in no layer of the crate documentation"));
            seen += 1;
            let text = std::fs::read_to_string(&file).unwrap();
            for used in named(&text) {
                if used == module {
                    continue;
                }
                if let Some(&layer) = layers.get(used) {
                    assert!(
                        layer < own,
                        "{} (layer {own}) names crate::{used} (layer {layer})",
                        relative.display()
                    );
                }
            }
        }
        assert!(seen >= layers.len(), "every documented module has a file");
    }

    #[test]
    fn a_path_names_its_module() {
        assert_eq!(
            named("use crate::db::{Database}; [`crate::rpc`] $crate::convert::X"),
            ["db", "rpc", "convert"]
        );
    }
}
