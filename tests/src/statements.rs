//! The statements a call costs: sqlx's own statement log (target `sqlx::query`, one event per
//! statement sent, `BEGIN` and `COMMIT` included), each tagged with the gRPC method whose span
//! it ran in (the platform's telemetry opens a `grpc` span with a `method` field around every
//! call). Feed followers, tickers and health probes run outside any call's span, so they never
//! count against one.
//!
//! Installed as the process's global subscriber, so once per process: nextest runs every test
//! in a process of its own.

use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::registry::LookupSpan;

/// One statement sent to a database.
#[derive(Clone, Debug)]
pub struct Statement {
    /// The gRPC path of the call it ran in (`/seteli.attendance.v1.AttendanceService/RecordSession`),
    /// empty outside a call.
    pub method: String,
    /// Its SQL as sqlx logs it (summary and statement).
    pub sql: String,
    /// How many rows it returned, as sqlx counts them.
    pub rows_returned: u64,
}

/// Every statement sent since the last [`StatementLog::take`].
#[derive(Clone, Default)]
pub struct StatementLog(Arc<Mutex<Vec<Statement>>>);

/// The `method` of a `grpc` span, kept in its extensions.
struct Method(String);

#[derive(Default)]
struct Fields {
    method: String,
    sql: String,
    rows_returned: u64,
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "summary" | "db.statement" => {
                self.sql.push_str(value);
                self.sql.push(' ');
            }
            "method" => self.method = value.to_owned(),
            _ => {}
        }
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        if field.name() == "rows_returned" {
            self.rows_returned = value;
        }
    }
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "method" {
            self.method = format!("{value:?}");
        }
    }
}

impl<S> Layer<S> for StatementLog
where
    S: tracing::Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
        if attrs.metadata().name() != "grpc" {
            return;
        }
        let mut fields = Fields::default();
        attrs.record(&mut fields);
        if let Some(span) = ctx.span(id) {
            span.extensions_mut().insert(Method(fields.method));
        }
    }

    fn on_event(&self, event: &tracing::Event<'_>, ctx: Context<'_, S>) {
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        let mut fields = Fields::default();
        event.record(&mut fields);
        let method = ctx
            .event_scope(event)
            .and_then(|scope| {
                scope
                    .into_iter()
                    .find_map(|span| span.extensions().get::<Method>().map(|m| m.0.clone()))
            })
            .unwrap_or_default();
        self.0.lock().expect("statement log").push(Statement {
            method,
            sql: fields.sql.trim().to_owned(),
            rows_returned: fields.rows_returned,
        });
    }
}

impl StatementLog {
    /// Installs the log as the process's subscriber; before any service starts, so that every
    /// statement is seen. Panics when the process already has one.
    pub fn install() -> StatementLog {
        let log = StatementLog::default();
        let subscriber = tracing_subscriber::registry().with(log.clone());
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        log
    }

    /// Every statement since the last take, and forgets them.
    pub fn take(&self) -> Vec<Statement> {
        std::mem::take(&mut *self.0.lock().expect("statement log"))
    }

    /// The SQL of the statements since the last take that ran in calls of `method` (the end of
    /// the gRPC path: `RecordSession`), and forgets every statement.
    pub fn take_of(&self, method: &str) -> Vec<String> {
        self.take_statements_of(method)
            .into_iter()
            .map(|s| s.sql)
            .collect()
    }

    /// The statements since the last take that ran in calls of `method`, with what they
    /// returned, and forgets every statement. A connection the pool opened during the call
    /// sends its session setup in the call's span; that is the pool's, not the call's, and
    /// left out ([`is_connection_setup`]).
    pub fn take_statements_of(&self, method: &str) -> Vec<Statement> {
        let suffix = format!("/{method}");
        self.take()
            .into_iter()
            .filter(|s| s.method.ends_with(&suffix) && !is_connection_setup(&s.sql))
            .collect()
    }
}

/// Whether `sql` is what the platform's pool sends on every new connection before lending it
/// (`Database::connect`'s `after_connect`): PostgreSQL's session timeouts, SQLite's pragmas.
/// No request sends either.
fn is_connection_setup(sql: &str) -> bool {
    sql.contains(seteli_platform::db::SESSION_TIMEOUTS) || sql.trim_start().starts_with("PRAGMA ")
}
