//! The voucher service (palveluseteli) of Seteli: `seteli.vouchers.v1`.
//!
//! Clients (identity code checked and masked, every access audited), the county's ceiling
//! price lists with history, service decisions checked against the rulebooks
//! (`seteli_rules`: eligibility, terms, value, extension) and the vouchers they create, the
//! client's choice of provider (the registry's facts checked with
//! `seteli_rules::provider::check_choice`: approval, offering, documents in force on the day,
//! PROV-DISTANCE), the provider's acceptance and the start (the start checklist with real dates:
//! PROC-START, PROC-COACH, KTT-STEWARD), the life cycle ISSUED → ASSIGNED → ACTIVE → COMPLETED
//! (or INTERRUPTED, CANCELLED, EXPIRED), the units used as `attendance` counts them (its only
//! bookkeeper: [`jobs::follow_usage`] follows `seteli.attendance.v1` ListUsageChanges by
//! sequence, storing the cursor in the same transaction as the vouchers it changed; the first
//! units start an ASSIGNED voucher), and a change feed that `attendance` and `reporting` follow
//! by sequence number. Whether a provider's user may accept or start a voucher
//! (PROVIDER-NOT-APPROVED) is decided from this service's copy of the registry
//! ([`jobs::follow_providers`] follows `seteli.providers.v1` ListProviderChanges, the platform's
//! `followed_providers`), catching up before it refuses: never asked of the registry on the
//! request's path.
//!
//! Inside, as in every Seteli service (`docs/new-service.md`), each module calls only the ones
//! below it: [`api`] (one line per RPC) → [`app`] (Settings, the App with its upstreams: the
//! composition every operation works with) → [`ops`] (the workflows, one module per
//! capability: `clients`, `prices`, `decisions`, `vouchers`, `lifecycle`, `usage_feed`,
//! `voucher_feed`, `sweep`, with what they share in `common`; re-exported as `ops::x`) →
//! [`access`] (who sees what) → [`wire`] (protobuf ↔ model, redacted views) → [`model`] →
//! [`store`] (SQL, cut by the same capabilities: `store/<capability>`); [`jobs`] runs the
//! scheduled work: the expiry sweep through [`ops`], the usage follower (the platform's
//! `feed::Follower`, kept in the [`app::App`], applying each change through
//! `ops/usage_feed.rs`) and the registry's follower (`followed_providers`).
//!
//! Settings beyond the platform's ([`app::Settings`]): `SETELI_PROVIDERS_URL`,
//! `SETELI_DISTANCE_LIMIT_KM`, `SETELI_EXPIRY_SWEEP_SECONDS`, `SETELI_SEED_CEILING_PRICES`,
//! `SETELI_ATTENDANCE_URL`, `SETELI_ATTENDANCE_FEED_TOKEN` (the usage follower's bearer token:
//! vouchers' own service account: role `service`, subject `vouchers`),
//! `SETELI_PROVIDERS_FEED_TOKEN` (the registry follower's, the same account),
//! `SETELI_FEED_POLL_MS`,
//! `SETELI_PROVIDER_ACCESS_AFTER_END_DAYS`.

pub mod access;
pub mod api;
pub mod app;
pub mod jobs;
pub mod model;
pub mod ops;
pub mod store;
pub mod wire;

use seteli_api::vouchers::v1::vouchers_service_server::VouchersServiceServer;
use seteli_platform::config::ServiceDefaults;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::{Built, Platform, Service};

/// The voucher service, as the platform boots it.
#[derive(Debug, Clone, Copy)]
pub struct Vouchers;

impl Service for Vouchers {
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "vouchers",
        grpc_port: 50052,
        metrics_port: 9102,
    };
    const MIGRATIONS: &'static [MigrationFile] = seteli_platform::migrations![
        100, "vouchers", "0100_vouchers.sql";
        101, "start checklist dates", "0101_start_dates.sql";
        102, "usage feed follower", "0102_usage_follower.sql";
        103, "identity codes masked without the birth date", "0103_identity_mask.sql";
        104, "change feed without a counter row", "0104_feed_without_counter.sql";
        105, "usage versions", "0105_usage_versions.sql";
        106, "units reserved", "0106_units_reserved.sql";
        107, "client caseloads", "0107_client_caseloads.sql";
        108, "end and decline reason codes", "0108_reason_kinds.sql";
        109, "caseload teams", "0109_caseload_teams.sql";
        110, "followed providers", (seteli_platform::followed_providers::MIGRATION_SQL);
        111, "caseload list indexes", "0111_caseload_list_indexes.sql";
    ];
    type Settings = app::Settings;

    async fn build(platform: &Platform, settings: app::Settings) -> anyhow::Result<Built> {
        ops::seed_prices(&platform.db, &settings.seed_prices).await?;
        store::VOUCHER_FEED
            .align_with_transaction_ids(&platform.db)
            .await?;
        let app = app::App::new(platform.db.clone(), platform.clock.clone(), &settings)?;
        let built = seteli_platform::grpc_routes!(
            platform,
            VouchersServiceServer::new(api::VouchersApi(app.clone()))
        )?;
        let built = built.job_if(
            app.follows_providers(),
            "provider-feed",
            || jobs::follow_providers(app.clone(), settings.feed_poll),
            "SETELI_PROVIDERS_FEED_TOKEN is not set: the provider registry is not followed, providers' users cannot accept or start vouchers",
        );
        let built = built.job_if(
            app.follows_usage(),
            "usage-feed",
            || jobs::follow_usage(app, settings.feed_poll),
            "SETELI_ATTENDANCE_FEED_TOKEN is not set: attendance's usage feed is not followed, vouchers show no units used",
        );
        Ok(match settings.sweep_every {
            Some(every) => built.job(
                "expiry-sweep",
                jobs::sweep_periodically(
                    platform.db.clone(),
                    platform.clock.clone(),
                    every,
                    settings.late_record_grace_days,
                ),
            ),
            None => built,
        })
    }
}
