//! The provider registry (palveluntuottajarekisteri) of Seteli: `seteli.providers.v1`.
//!
//! Providers with their legal form and Y-tunnus, places of service with coordinates, the
//! services they offer at their own prices, staff qualifications, documents and Soteri
//! classes, and the county's approval of them (DRAFT → SUBMITTED → APPROVED/REJECTED,
//! APPROVED ↔ SUSPENDED, REVOKED). Submitting and approving check every approval rule of
//! `seteli_rules::provider` at once. Clients choosing a provider search approved ones near a
//! point (PROV-DISTANCE); anyone, without a token, compares approved providers from a
//! municipality or a postal code area (`seteli.catalogue.v1`, [`gazetteer`]). Every change of a provider's name, details, approval state or
//! offerings appends the provider as it then is to the registry's change feed
//! (`ListProviderChanges`) in the same transaction: `vouchers` and `attendance` follow it and
//! decide from their copy whether a provider may work (PROVIDER-NOT-APPROVED) and how large its
//! groups may be (CAP-GROUP-SIZE), never asking the registry on a request's path. A provider
//! registered before the feed began gets its first entry when the service starts
//! ([`ops::publish_unfed`]).
//!
//! [`Providers`] is the service as the platform boots it. Its modules, each calling only those
//! below it: [`api`] (one line per RPC) → [`app`] (the settings, the source of ceiling prices,
//! the composition) → [`ops`] (one module per capability: `ops/registration.rs`,
//! `offerings.rs`, `staff.rs`, `documents.rs`, whose edits take the one path of `edit.rs`;
//! `approval.rs`, the state RPCs from one table; `search.rs`; `feed.rs`, the change feed) →
//! [`access`] (who may do what) → [`wire`] (protobuf ↔ model) → [`model`] (the types and the
//! state table) → [`store`] (SQL). The registry has no jobs.
//!
//! Settings beyond the platform's: `SETELI_VOUCHERS_URL`, the vouchers service whose ceiling
//! price lists PROV-PRICE reads; when unset, `SETELI_CEILING_PRICES` (see [`app::Settings`]);
//! `SETELI_PLACES_FILE`, the gazetteer of the public comparison (default: the built-in
//! `assets/places.csv`).

pub mod access;
pub mod api;
pub mod app;
pub mod gazetteer;
pub mod model;
pub mod ops;
pub mod store;
pub mod wire;

use seteli_api::catalogue::v1::provider_catalogue_service_server::ProviderCatalogueServiceServer;
use seteli_api::providers::v1::providers_service_server::ProvidersServiceServer;
use seteli_platform::config::ServiceDefaults;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::{Built, Platform, Service};

/// The provider registry service.
#[derive(Debug, Clone, Copy)]
pub struct Providers;

impl Service for Providers {
    /// gRPC on 50051, metrics on 9101, `data/providers.db`.
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "providers",
        grpc_port: 50051,
        metrics_port: 9101,
    };

    const MIGRATIONS: &'static [MigrationFile] = seteli_platform::migrations![
        100, "provider registry", "0100_providers.sql";
        101, "staff facts of the staff rules", "0101_staff_facts.sql";
        102, "bank details waiting for the county", "0102_pending_bank_details.sql";
        106, "offering price history", "0106_offering_prices.sql";
        107, "provider change feed", "0107_provider_feed.sql";
        108, "discarded drafts free their business id", "0108_discarded_drafts.sql";
        109, "free places declared per offering", "0109_free_places.sql";
    ];

    type Settings = app::Settings;

    async fn build(platform: &Platform, settings: app::Settings) -> anyhow::Result<Built> {
        store::PROVIDER_FEED
            .align_with_transaction_ids(&platform.db)
            .await?;
        ops::publish_unfed(&platform.db, &platform.clock).await?;
        let app = app::App::new(platform, settings)?;
        let max = seteli_platform::limits::max_message_bytes(&platform.config)?;
        // The public comparison (seteli.catalogue.v1): answered without a token, no personal
        // data, nothing changed.
        let catalogue = ProviderCatalogueServiceServer::new(api::CatalogueApi::new(app.clone()))
            .max_decoding_message_size(max)
            .max_encoding_message_size(max);
        let server = ProvidersServiceServer::new(api::ProvidersApi::new(app));
        Ok(seteli_platform::grpc_routes!(platform, server)?.public_grpc(catalogue))
    }
}
