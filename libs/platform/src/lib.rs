//! What every Seteli service shares.
//!
//! A service crate is thin: it declares its migrations and its gRPC handlers, and hands them to
//! [`server::Platform`], which brings the rest —
//!
//! - [`config`]: typed configuration from `SETELI_…` environment variables and `DATABASE_URL`,
//!   with defaults that work on a laptop and an error that names the bad key;
//! - [`telemetry`]: tracing (readable or JSON), a span per call with request id and W3C trace
//!   context, Prometheus metrics;
//! - [`auth`]: JWT verification against a JWKS file (issuer, audience, `exp` required, algorithm
//!   pinned per key), the roles of the design and provider scoping;
//! - [`db`]: sqlx `Any` on SQLite or PostgreSQL, migrations under a lock, a health probe;
//! - [`idempotency`]: a mutation runs once per caller and `request_id`;
//! - [`audit`]: the audit log of personal-data access (client-data act 703/2023) and the
//!   `seteli.audit.v1.AuditService` that auditors query;
//! - [`error`]: one error type mapped to rich gRPC statuses (rule violations carry rule ids);
//! - [`client`]: channels to other services, balanced per call over every ready pod;
//! - [`server`]: health, reflection, gRPC-Web with CORS, metrics endpoint, graceful drain.

pub mod audit;
pub mod auth;
pub mod client;
pub mod config;
pub mod convert;
pub mod db;
pub mod devkeys;
pub mod error;
pub mod idempotency;
pub mod paging;
pub mod server;
pub mod telemetry;
#[cfg(feature = "testing")]
pub mod testing;

pub use error::{AppError, FieldErrors};
