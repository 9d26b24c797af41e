//! The bare baselines, each a child process of its own so that its CPU and memory are read
//! from `/proc` like a service's:
//!
//! - **echo**: tonic serving only `grpc.health.v1` (tonic-health's reporter): the least a
//!   tonic server does per call;
//! - **insert**: tonic serving `grpc.health.v1` whose `Check` inserts one row with sqlx (the
//!   `Any` driver, the platform's pool size and SQLite pragmas) before it answers: the least a
//!   tonic server that writes does per call.
//!
//! Both set `TCP_NODELAY` on accepted sockets, as the services do.

use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;

use anyhow::Context;
use sqlx::Executor;
use sqlx::any::AnyPoolOptions;
use tonic::codegen::tokio_stream::Stream;
use tonic::transport::Server;
use tonic::transport::server::TcpIncoming;
use tonic::{Request, Response, Status};
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_server::{Health, HealthServer};
use tonic_health::pb::{HealthCheckRequest, HealthCheckResponse};

/// Serves the bare echo on `addr` until killed.
pub async fn echo(addr: SocketAddr) -> anyhow::Result<()> {
    let (_reporter, health) = tonic_health::server::health_reporter();
    Server::builder()
        .add_service(health)
        .serve_with_incoming(TcpIncoming::bind(addr)?.with_nodelay(Some(true)))
        .await?;
    Ok(())
}

/// The bare "one insert per call" service.
struct InsertOne {
    pool: sqlx::AnyPool,
}

/// The row each call inserts: about the size of a session's row.
const INSERT: &str = "INSERT INTO bench_rows (id, at_us, body) VALUES ($1, $2, $3)";

#[tonic::async_trait]
impl Health for InsertOne {
    async fn check(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<HealthCheckResponse>, Status> {
        let id = uuid::Uuid::now_v7().to_string();
        let at_us = chrono::Utc::now().timestamp_micros();
        sqlx::query(INSERT)
            .bind(id)
            .bind(at_us)
            .bind("Harjoiteltiin arjen taitoja.")
            .execute(&self.pool)
            .await
            .map_err(|_| Status::unavailable("insert failed"))?;
        Ok(Response::new(HealthCheckResponse {
            status: ServingStatus::Serving as i32,
        }))
    }

    type WatchStream = Pin<Box<dyn Stream<Item = Result<HealthCheckResponse, Status>> + Send>>;

    async fn watch(
        &self,
        _request: Request<HealthCheckRequest>,
    ) -> Result<Response<Self::WatchStream>, Status> {
        Err(Status::unimplemented(
            "the bare insert server only answers Check",
        ))
    }
}

/// Serves the bare insert on `addr` over `database_url` (a fresh database: the table is
/// created here) until killed.
pub async fn insert(addr: SocketAddr, database_url: &str) -> anyhow::Result<()> {
    sqlx::any::install_default_drivers();
    let sqlite = database_url.starts_with("sqlite:");
    // The platform's pool: 10 connections; on SQLite WAL and a busy timeout (db.rs).
    let pool = AnyPoolOptions::new()
        .max_connections(10)
        .acquire_timeout(Duration::from_secs(5))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                }
                Ok(())
            })
        })
        .connect(database_url)
        .await
        .context("connect the bare insert server's database")?;
    pool.execute(
        "CREATE TABLE IF NOT EXISTS bench_rows (id TEXT PRIMARY KEY, at_us BIGINT NOT NULL, \
         body TEXT NOT NULL)",
    )
    .await?;
    Server::builder()
        .add_service(HealthServer::new(InsertOne { pool }))
        .serve_with_incoming(TcpIncoming::bind(addr)?.with_nodelay(Some(true)))
        .await?;
    Ok(())
}
