//! The data the scenarios work on, made through the public APIs exactly as the tests make
//! theirs (`seteli_tests::fixtures`): the registry, vouchers and attendance run in this process
//! on fresh databases (SQLite, or PostgreSQL when `SETELI_TEST_POSTGRES` is set), are seeded,
//! then stopped, leaving migrated and filled databases for the child processes to serve.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use futures::future::join_all;
use seteli_api::attendance::v1 as apb;
use seteli_platform::testing::{TestKeys, TestServer, with_token};
use seteli_tests::fixtures::{
    KUOPIO, active_voucher, approved_provider, client_at, d, ktt_decision, start_attendance, today,
};
use seteli_tests::kit::Svc;

/// Providers in the registry (one page of ListProviders, all found by SearchProviders).
pub const PROVIDERS: u32 = 20;
/// Vouchers (KTT individual, 30 h, ASSIGNED to the first provider): the writes spread over
/// them, so that no voucher's lock is the bottleneck and no voucher's history grows long.
pub const VOUCHERS: u16 = 128;
/// Vouchers beside [`VOUCHERS`] (same provider, same kind) that each hold
/// [`LISTED_SESSIONS`] sessions from the seeding: what ListSessions pages through, whichever
/// scenarios run (the writes do not touch them).
pub const LISTED_VOUCHERS: u16 = 8;
/// Sessions on each listed voucher: one page of 20.
pub const LISTED_SESSIONS: i32 = 20;
/// Seeding calls in flight.
const SEEDERS: usize = 8;

/// Seeded, stopped services and what the scenarios need to know.
pub struct Seeded {
    /// The signing key every service trusts.
    pub keys: TestKeys,
    /// The stopped in-process servers: they own the databases (dropped with them).
    pub servers: Vec<(Svc, TestServer)>,
    /// The approved providers.
    pub providers: Vec<String>,
    /// The vouchers, all of `providers[0]`.
    pub vouchers: Vec<String>,
    /// The listed vouchers ([`LISTED_VOUCHERS`]), also of `providers[0]`.
    pub listed: Vec<String>,
}

impl Seeded {
    /// The database URL of `svc`.
    pub fn database_url(&self, svc: Svc) -> &str {
        self.servers
            .iter()
            .find(|(s, _)| *s == svc)
            .map(|(_, server)| server.db.url.as_str())
            .unwrap_or_default()
    }
}

/// Starts the three services on fresh databases, seeds them and stops them.
pub async fn seed() -> anyhow::Result<Seeded> {
    let mut env = start_attendance().await;
    let admin = env.admin();
    let mut providers = Vec::new();
    for chunk in (0..PROVIDERS).collect::<Vec<_>>().chunks(SEEDERS) {
        let made = join_all(chunk.iter().map(|i| {
            let env = &env;
            async move {
                let name = format!("Kuormitus {i} ry");
                approved_provider(env, &name, 1_000 + 40 * i, KUOPIO).await
            }
        }))
        .await;
        providers.extend(made);
    }
    let mut vouchers = Vec::new();
    for chunk in (0..VOUCHERS).collect::<Vec<_>>().chunks(SEEDERS) {
        let made = join_all(chunk.iter().map(|i| {
            let env = &env;
            let provider = &providers[0];
            async move {
                let client = client_at(env, 100 + i, KUOPIO).await;
                active_voucher(env, provider, ktt_decision(&client.id)).await
            }
        }))
        .await;
        vouchers.extend(made);
    }
    let listed = join_all((0..LISTED_VOUCHERS).map(|i| {
        let env = &env;
        let provider = &providers[0];
        async move {
            let client = client_at(env, 100 + VOUCHERS + i, KUOPIO).await;
            active_voucher(env, provider, ktt_decision(&client.id)).await
        }
    }))
    .await;
    // Attendance learns vouchers from the voucher feed: wait until it knows the last one.
    let deadline = Instant::now() + Duration::from_secs(60);
    if let Some(voucher_id) = listed.last() {
        loop {
            let known = env
                .a()
                .get_voucher_usage(with_token(
                    &admin,
                    apb::GetVoucherUsageRequest {
                        voucher_id: voucher_id.clone(),
                    },
                ))
                .await
                .is_ok();
            if known {
                break;
            }
            if Instant::now() > deadline {
                bail!("attendance did not learn the seeded vouchers within 60 s");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    let recorder = env.provider_user(&providers[0]);
    let sessions: Vec<(&String, i32)> = listed
        .iter()
        .flat_map(|v| (0..LISTED_SESSIONS).map(move |k| (v, k)))
        .collect();
    for chunk in sessions.chunks(SEEDERS) {
        for recorded in join_all(chunk.iter().map(|(v, k)| {
            // From 06:00, before the writes' minutes (08:00 on).
            let request = one_minute_session(v, today(), 6 * 60 + k);
            let mut attendance = env.a();
            let token = &recorder;
            async move { attendance.record_session(with_token(token, request)).await }
        }))
        .await
        {
            recorded.context("a listed voucher's session")?;
        }
    }
    let keys = env.keys.clone();
    let mut servers = Vec::new();
    for svc in [Svc::Providers, Svc::Vouchers, Svc::Attendance] {
        let mut server = env.take(svc);
        server.begin_shutdown();
        servers.push((svc, server));
    }
    for (svc, server) in &servers {
        closed(server.addr, svc.name()).await?;
    }
    Ok(Seeded {
        keys,
        servers,
        providers,
        vouchers,
        listed,
    })
}

/// RecordSession of one minute, `minute` minutes after midnight of `on`, on `voucher_id`: the
/// writes' shape (KTT coaching carries clock times: COACHING-NOT-DURING-WORK).
pub fn one_minute_session(
    voucher_id: &str,
    on: chrono::NaiveDate,
    minute: i32,
) -> apb::RecordSessionRequest {
    apb::RecordSessionRequest {
        request_id: uuid::Uuid::now_v7().to_string(),
        validate_only: false,
        voucher_id: voucher_id.to_owned(),
        details: Some(apb::SessionDetails {
            date: d(on),
            start_time: Some(apb::ClockTime {
                hours: minute / 60,
                minutes: minute % 60,
            }),
            end_time: Some(apb::ClockTime {
                hours: (minute + 1) / 60,
                minutes: (minute + 1) % 60,
            }),
            modality: apb::Modality::OnSite as i32,
            notes: "Harjoiteltiin arjen taitoja.".into(),
            ..Default::default()
        }),
        replaces_session_id: String::new(),
    }
}

/// Waits (bounded) until nothing accepts connections on `addr` any more.
async fn closed(addr: SocketAddr, name: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(20);
    while tokio::net::TcpStream::connect(addr).await.is_ok() {
        if Instant::now() > deadline {
            bail!("the seeding {name} did not stop");
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    Ok(())
}
