//! The reporting service of Seteli: `seteli.reporting.v1`.
//!
//! The interim and final reports a provider owes the social worker for each voucher (RULES.md
//! §7): the obligations and their due dates come from `seteli_rules::reports`
//! (`report_obligations`: REP-INTERIM, REP-INTERIM-SK, REP-FINAL, due dates rolled over
//! weekends and holidays), kept current as the voucher is extended, interrupted, completed
//! early or cancelled; the reports go from draft to submitted (late ones marked late, by
//! `check_reports`; a final report missing a required section refused by
//! `check_final_report_contents`) to acknowledged or back for a revision.
//!
//! Vouchers are *followed*, never read: [`jobs::follow_vouchers`] applies `seteli.vouchers.v1`
//! `ListVoucherChanges` by sequence number, storing the last applied sequence in the same
//! transaction as the obligations it changed; [`ops::catch_up`] also runs on demand before an
//! unknown report is answered NOT_FOUND.
//!
//! Delivery (REP-DELIVERY): each report printed in Finnish by [`pdf`] for the client's paper
//! copy and the county (the county's name from `SETELI_COUNTY_NAME`), marks for "client copy
//! given" and "delivered to the county"; and a voucher's closing checklist, as
//! `seteli_rules::reports::check_closure` asks (REP-DELIVERY, REP-FEEDBACK for KTT, ARCHIVE for
//! SK). An SK interim report of a continued service carries the earlier periods' dated sections.
//!
//! Notices to social workers: attendance's alerts (followed by [`jobs::follow_attendance`] from
//! `seteli.attendance.v1` ListAlertChanges, cursor stored with what it applied), interruptions
//! from the voucher feed, and what the provider's user tells (NOTIFY-CHANGE,
//! PROV-DAMAGE-NOTICE); an inbox per social worker with acknowledgement, and "without delay"
//! measured. Kela's absence notices for KTT (ABS-KELA) as data, PDF and a list due and sent;
//! the county's follow-up of a period as data and CSV.
//!
//! Inside, as in every Seteli service (`docs/new-service.md`), each module calls only the ones
//! below it:
//!
//! - [`api`]: one line per RPC, `ops::x`;
//! - [`app`]: [`app::Settings`] and [`app::App`] — the upstreams (vouchers, attendance) and the
//!   two feed followers (the platform's `feed::Follower`, applying through
//!   `ops/voucher_feed.rs` and `ops/alert_feed.rs`); the composition and nothing else;
//! - [`ops`]: the workflows, one module per capability (`ops/voucher_feed.rs`, `alert_feed`,
//!   `reports`, `delivery`, `notices`, `kela`, `followup`, and `common` for what several
//!   share), re-exported so `api.rs` names each as `ops::x`;
//! - [`pdf`]: the printable documents — the document model, fonts, layout and writer, and the
//!   two documents printed (`pdf::report`, `pdf::kela`);
//! - [`access`] (who sees what) → [`wire`] (protobuf ↔ model) → [`model`] → [`store`] (SQL,
//!   `store/<capability>.rs` cut like `ops`).
//!
//! [`jobs`] runs the two feed followers the [`app::App`] keeps.
//!
//! Settings beyond the platform's ([`app::Settings`]): `SETELI_VOUCHERS_URL`,
//! `SETELI_VOUCHERS_FEED_TOKEN` (the follower's bearer token: reporting's own
//! service account: role `service`, subject `reporting`), `SETELI_FEED_POLL_MS`; `SETELI_ATTENDANCE_URL`,
//! `SETELI_ATTENDANCE_FEED_TOKEN` (the alert follower's bearer token, also used for the
//! follow-up's figures: reporting's own service account; unset: alerts are not followed),
//! `SETELI_NOTIFY_WITHIN_BUSINESS_DAYS` (what "without delay" allows, default 1);
//! `SETELI_PROVIDERS_URL` (the provider registry: the provider's name, business id and contact
//! person on Kela's absence notice, asked with the service account token above).

pub mod access;
pub mod api;
pub mod app;
pub mod jobs;
pub mod model;
pub mod ops;
pub mod pdf;
pub mod store;
#[cfg(test)]
mod testing;
pub mod wire;

use seteli_api::reporting::v1::reporting_service_server::ReportingServiceServer;
use seteli_platform::config::ServiceDefaults;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::{Built, Platform, Service};

/// The reporting service, as the platform boots it.
#[derive(Debug, Clone, Copy)]
pub struct Reporting;

impl Service for Reporting {
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "reporting",
        grpc_port: 50054,
        metrics_port: 9104,
    };
    const MIGRATIONS: &'static [MigrationFile] = seteli_platform::migrations![
        100, "reporting", "0100_reporting.sql";
        101, "delivery", "0101_delivery.sql";
        102, "notices", "0102_notices.sql";
        103, "voucher versions", "0103_voucher_versions.sql";
        104, "kela backdated", "0104_kela_backdated.sql";
        106, "caseload teams", "0106_caseload_teams.sql";
        107, "client feedback", "0107_client_feedback.sql";
    ];
    type Settings = app::Settings;

    async fn build(platform: &Platform, settings: app::Settings) -> anyhow::Result<Built> {
        let app = app::App::new(platform.db.clone(), platform.clock.clone(), &settings)?;
        let built = seteli_platform::grpc_routes!(
            platform,
            ReportingServiceServer::new(api::ReportingApi(app.clone()))
        )?;
        let built = built.job_if(
            app.attendance.follows_feed(),
            "attendance-feed",
            || jobs::follow_attendance(app.clone(), settings.feed_poll),
            "SETELI_ATTENDANCE_FEED_TOKEN is not set: attendance's alerts are not followed, no notices come from them",
        );
        Ok(built.job_if(
            app.follows_feed(),
            "voucher-feed",
            || jobs::follow_vouchers(app, settings.feed_poll),
            "SETELI_VOUCHERS_FEED_TOKEN is not set: vouchers are not followed, no report obligations are derived",
        ))
    }
}
