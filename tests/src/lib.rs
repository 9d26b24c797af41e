//! # seteli-tests
//!
//! The test kit every Seteli service's tests use, and the tests that cross services.
//!
//! - [`kit`]: start any set of services on port 0, with one signing key (so one token works
//!   everywhere), a fresh database each (SQLite, or PostgreSQL when `SETELI_TEST_POSTGRES` is
//!   set; PostgreSQL test databases are dropped afterwards), each wired to the others' URLs;
//! - [`registry`]: the provider registry alone, and a provider that meets every approval rule;
//! - [`fixtures`]: ready-made objects per context — approved providers, clients, ceiling
//!   prices, issued, chosen and accepted vouchers — so a test says only what it is about;
//! - [`conformance`]: what every service must do, checked the same way for each: every RPC
//!   (listed from the descriptor set, so a new RPC is covered by its proto alone) refuses a
//!   missing or bad token and answers an empty request from any role with a user error, never
//!   `INTERNAL`; health follows the database and the drain; reflection v1 and v1alpha;
//!   gRPC-Web; metrics.
//!
//! - [`process`]: a service as a real child process, to kill -9 or run with flags;
//! - [`feed_readers`]: readers paging a change feed while writers run, and what they must see;
//! - [`pki`]: a CA and a `localhost` server certificate made in the test, for the TLS tests.
//!
//! Tests live in `tests/tests/<context>_<topic>.rs`.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod conformance;
pub mod feed_readers;
pub mod fixtures;
pub mod kit;
pub mod pki;
pub mod process;
pub mod registry;
