//! What every Seteli service shares.
//!
//! A service crate is thin: it implements [`server::Service`] (migrations, settings, gRPC
//! services, jobs) and its handlers are one line each through [`rpc::unary`]; the platform
//! brings the rest —
//!
//! - [`rpc`]: the RPC boundary — [`rpc::Ctx`] (caller, trace, Finnish clock) and the only place
//!   an error becomes a `Status`;
//! - [`change`]: the one idempotent change primitive (replay first, claim, lock, change, store
//!   the answer);
//! - [`paging`]: one opaque, versioned page cursor;
//! - [`feed`]: the cursor and identity of a follower of another service's change feed;
//! - [`clock`]: "today" in Europe/Helsinki, injectable;
//! - [`config`]: typed configuration from `SETELI_…` environment variables and `DATABASE_URL`,
//!   with defaults that work on a laptop and an error that names the bad key;
//! - [`telemetry`]: tracing (readable or JSON), a span per call with request id and W3C trace
//!   context, Prometheus metrics;
//! - [`auth`]: JWT verification as identity providers issue tokens (issuer, audience string or
//!   array, `exp`/`nbf`/lifetime, `typ`, `sub`, algorithm pinned per key, role and provider
//!   claims where configuration says), a cache of verified tokens, the roles of the design and
//!   provider scoping; [`jwks`]: its keys from a JWKS file or URL, refreshed without a restart;
//! - [`db`]: sqlx `Any` on SQLite or PostgreSQL, migrations under a lock, a health probe;
//! - [`audit`]: the audit log of personal-data access (client-data act 703/2023) and the
//!   `seteli.audit.v1.AuditService` that auditors query;
//! - [`error`]: one error type mapped to rich gRPC statuses (rule violations carry rule ids);
//! - [`client`]: calls to other services, balanced per call over every ready pod, with one
//!   mapping of a downstream status;
//! - [`server`]: health, reflection, gRPC-Web with CORS, metrics endpoint, graceful drain.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod admission;
pub mod audit;
pub mod audit_api;
pub mod auth;
pub mod change;
pub mod client;
pub mod clock;
pub mod config;
pub mod convert;
pub mod db;
pub mod devkeys;
pub mod error;
pub mod feed;
pub mod identity;
pub mod jwks;
pub mod leader;
pub mod limits;
pub mod paging;
pub mod rpc;
pub mod server;
pub mod status;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;
mod token_cache;

pub use error::{AppError, AppResult, FieldErrors};
