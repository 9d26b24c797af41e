//! # seteli-tests
//!
//! The test kit every Seteli service's tests use, and the tests that cross services.
//!
//! - [`kit`]: start any set of services on port 0 with one builder (`Env::builder()`), with
//!   one signing key (so one token works everywhere), a fresh database each (SQLite, or
//!   PostgreSQL when `SETELI_TEST_POSTGRES` is set; PostgreSQL test databases are dropped
//!   afterwards), each wired to the others' URLs. Hermetic: every upstream URL a service reads
//!   names a service of the test or a port the environment holds closed, never a default
//!   address (where `make run` may answer);
//! - [`fixtures`]: ready-made objects per context (`fixtures/<context>.rs`) — the registry
//!   alone, approved providers, clients, ceiling prices, issued, chosen and accepted vouchers,
//!   sessions, invoices, reports — so a test says only what it is about;
//! - [`conformance`]: what every service must do, checked the same way for each: every RPC
//!   (listed from the descriptor set, so a new RPC is covered by its proto alone) refuses a
//!   missing or bad token and answers an empty request from any role with a user error, never
//!   `INTERNAL`; health follows the database and the drain; reflection v1 and v1alpha;
//!   gRPC-Web; metrics.
//!
//! - [`process`]: a service as a real child process, to kill -9 or run with flags;
//! - [`browser`]: the browser portal's build served, and headless Chromium driving it;
//! - [`einvoice`]: e-invoice files validated against the official schemas;
//! - [`feed_readers`]: readers paging a change feed while writers run, and what they must see;
//! - [`pki`]: a CA and a `localhost` server certificate made in the test, for the TLS tests;
//! - [`db_state`]: every row of every table of an environment's databases, to show that calls
//!   changed nothing (`validate_only`);
//! - [`object_matrix`]: the object level of the access matrix — which request fields name an
//!   object (from the descriptor set), requests naming a world's objects, ids that name nothing.
//!
//! Tests live in `tests/tests/e2e/<context>_<topic>.rs`, modules of one test binary
//! (`tests/tests/e2e/main.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

pub mod browser;
pub mod conformance;
pub mod db_state;
pub mod einvoice;
pub mod feed_readers;
pub mod fixtures;
pub mod identity_provider;
pub mod kit;
pub mod object_matrix;
pub mod pki;
pub mod process;
pub mod statements;
