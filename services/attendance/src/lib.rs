//! The attendance service of Seteli: `seteli.attendance.v1`.
//!
//! What providers record day to day — sessions on a voucher (hours, or activity days with their
//! hours; on site, by phone or by video), corrections and voids with history, cancellations and
//! no-shows, KTT absences with Kela's reasons — checked against the voucher's terms with
//! `seteli_rules` (`sessions::check_session` with the voucher's sessions and the client's week
//! in scope, `absences::*`); the alerts the rules raise (ABS-REPEATED, ABS-SICK-CERT, ABS-PROLONGED,
//! ABS-KELA) with a change feed `reporting` follows; the units used per voucher — attendance is
//! their only bookkeeper: every change of the count is published on the usage feed
//! (`ListUsageChanges`, written in the same transaction, sequenced by a counter row) that
//! `vouchers` follows to show it; and the billable items `billing` invoices.
//!
//! Groups (SK and KTT group coaching): open or closed, a maximum size (CAP-GROUP-SIZE), an
//! announced start that a closed SK group may cancel or delay (SK-GROUP-MIN-FILL, notices as
//! alerts), enrolments (SK-GROUP-LATE-JOIN; none after the start of a closed KTT group), and a
//! group session that marks every enrolled client present, absent or a no-show in one call,
//! each through the same path as RecordSession, CancelSession or RecordAbsence. A group's
//! maximum size is at most the provider's own offering's size.
//!
//! The provider registry is *followed*, never asked on a request's path: [`jobs::follow_providers`]
//! applies `seteli.providers.v1` ListProviderChanges into a copy (the platform's
//! `followed_providers`), from which a provider's user is refused PROVIDER-NOT-APPROVED (its
//! provider suspended or revoked) and a group held to its offering's size (CAP-GROUP-SIZE); the
//! copy catches up before it refuses.
//!
//! Vouchers are *followed*, never read: [`jobs::follow_vouchers`] applies
//! `seteli.vouchers.v1` `ListVoucherChanges` by sequence number, storing the last applied
//! sequence in the same transaction as the voucher it changed; [`ops::catch_up`] also runs on
//! demand before a session on an unknown (or stale) voucher is refused.
//!
//! Inside, in the order of every Seteli service (`docs/new-service.md`): [`api`] (one line per
//! RPC) → [`app`] (the settings and the [`app::App`] every operation is given: the composition)
//! → [`ops`] (the workflows, one module per capability: `ops/sessions.rs` with
//! `ops/admission.rs` and `ops/cancellations.rs`, `ops/absences.rs`, `ops/groups.rs` with
//! `ops/group_sessions.rs`, `ops/billing.rs`, `ops/alerts.rs`, `ops/usage.rs`,
//! `ops/activity.rs`, `ops/voucher_feed.rs`, and `ops/common.rs` for what they share) →
//! [`access`] (who sees what) → [`wire`] (protobuf ↔ model) → [`model`] → [`store`] (SQL,
//! `store/<capability>.rs` cut by the same capabilities); [`jobs`] runs the voucher feed's
//! follower (the platform's `feed::Follower`, kept in the [`app::App`], applying each change
//! through `ops/voucher_feed.rs`). No two modules use each other both ways: no cycle, at any level
//! (`deploy/scripts/structure-check.py`).
//!
//! Settings beyond the platform's ([`app::Settings`]): `SETELI_VOUCHERS_URL`,
//! `SETELI_PROVIDERS_URL`,
//! `SETELI_VOUCHERS_FEED_TOKEN` (the follower's bearer token: attendance's own
//! service account: role `service`, subject `attendance`), `SETELI_PROVIDERS_FEED_TOKEN` (the
//! registry follower's, the same account), `SETELI_FEED_POLL_MS`.

pub mod access;
pub mod api;
pub mod app;
pub mod jobs;
pub mod model;
pub mod ops;
pub mod store;
#[cfg(test)]
mod testing;
pub mod wire;

use seteli_api::attendance::v1::attendance_service_server::AttendanceServiceServer;
use seteli_platform::config::ServiceDefaults;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::{Built, Platform, Service};

/// The attendance service, as the platform boots it.
#[derive(Debug, Clone, Copy)]
pub struct Attendance;

impl Service for Attendance {
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "attendance",
        grpc_port: 50053,
        metrics_port: 9103,
    };
    const MIGRATIONS: &'static [MigrationFile] = seteli_platform::migrations![
        100, "attendance", "0100_attendance.sql";
        101, "attendance groups", "0101_groups.sql";
        102, "usage feed", "0102_usage_feed.sql";
        103, "start facts", "0103_start_facts.sql";
        104, "feeds without counters", "0104_feeds_without_counters.sql";
        105, "usage versions", "0105_usage_versions.sql";
        106, "agreed sessions", "0106_agreed_sessions.sql";
        110, "voucher continues", "0110_voucher_continues.sql";
        111, "approved months", "0111_approved_months.sql";
        112, "caseload teams", "0112_caseload_teams.sql";
        113, "followed providers", (seteli_platform::followed_providers::MIGRATION_SQL);
        114, "voucher versions seen", "0114_voucher_versions_seen.sql";
    ];
    type Settings = app::Settings;

    async fn build(platform: &Platform, settings: app::Settings) -> anyhow::Result<Built> {
        for feed in [store::USAGE_FEED, store::ALERT_FEED] {
            feed.align_with_transaction_ids(&platform.db).await?;
        }
        let app = app::App::new(platform.db.clone(), platform.clock.clone(), &settings)?;
        let built = seteli_platform::grpc_routes!(
            platform,
            AttendanceServiceServer::new(api::AttendanceApi(app.clone()))
        )?;
        let built = built.job_if(
            app.follows_providers(),
            "provider-feed",
            || jobs::follow_providers(app.clone(), settings.feed_poll),
            "SETELI_PROVIDERS_FEED_TOKEN is not set: the provider registry is not followed, providers' users cannot record",
        );
        let built = match settings.recount_every {
            Some(every) => built.job("usage-recount", jobs::recount_usage(app.clone(), every)),
            None => built,
        };
        Ok(built.job_if(
            app.follows_feed(),
            "voucher-feed",
            || jobs::follow_vouchers(app, settings.feed_poll),
            "SETELI_VOUCHERS_FEED_TOKEN is not set: vouchers are not followed, sessions cannot be recorded",
        ))
    }
}
