//! The billing service of Seteli: `seteli.billing.v1`.
//!
//! From realised sessions to approved invoices the county's financial system pulls exactly once:
//!
//! - **Generation** ([`ops::generate_invoice`]): a provider's invoice of a closed month, made
//!   from `attendance`'s billable items (ListBillableItems, the month and the months before it
//!   for items recorded late), each voucher's terms from `vouchers` (GetVoucher: number, price
//!   snapshot, grant, value) and the seller from `providers` (GetProvider, with each offering's
//!   price history: an item is billed at the price in force on its date, never above the
//!   voucher's, PROV-PRICE and VOUCHER-VALUE). A line per voucher and unit price;
//!   what a line may bill is decided in [`plan`] with `seteli_rules` (BILL-REALISED,
//!   BILL-NO-SHOW, BILL-PROVIDER-CANCEL, NO-EXTRA-FEES, SK-NO-SHOW-REPORT, the caps of the
//!   voucher's units and value). Lines keep the item ids they bill; a month is generated once;
//!   an item corrected down after it was billed is credited on a credit note. The items are
//!   then marked invoiced in `attendance` ([`jobs::mark_invoiced`] retries what fails).
//! - **States**: DRAFT → SUBMITTED → APPROVED / RETURNED → EXPORTED → PAID ([`model::InvoiceState::MOVES`]).
//!   A RETURNED document's items are released in `attendance` (the provider corrects or voids
//!   the sessions) and its month is generated again in place, same number, DRAFT again or
//!   WITHDRAWN with nothing to bill (`ops/regeneration.rs`); an approved one never changes.
//! - **The pull**: approved invoices in approval order (the export sequence, assigned in commit
//!   order), paged or streamed, until acknowledged; the acknowledgement is one conditional
//!   `UPDATE`, so each invoice has exactly one acknowledged export.
//! - **E-invoices** ([`einvoice`]): Finvoice 3.0 and Peppol BIS Billing 3.0 UBL, written with
//!   `quick-xml`.
//!
//! Inside, as in every Seteli service (`docs/new-service.md`), each module calls only the ones
//! below it: [`api`] (one line per RPC) → [`app`] (the settings and the composition) →
//! [`ops`] (one module per capability: `ops/generation.rs` with `upstream.rs`, `documents.rs`
//! and `marking.rs`, `reads.rs`, `states.rs`, `pull.rs`) → [`access`] → [`einvoice`] /
//! [`plan`] → [`wire`] → [`model`] → [`store`]; [`jobs`] runs through [`ops`].
//!
//! Settings beyond the platform's: see [`app::Settings`].

pub mod access;
pub mod api;
pub mod app;
pub mod einvoice;
pub mod jobs;
pub mod model;
pub mod ops;
pub mod plan;
pub mod store;
pub mod wire;

use seteli_api::billing::v1::billing_service_server::BillingServiceServer;
use seteli_platform::config::ServiceDefaults;
use seteli_platform::db::MigrationFile;
use seteli_platform::server::{Built, Platform, Service};

/// The billing service, as the platform boots it.
#[derive(Debug, Clone, Copy)]
pub struct Billing;

impl Service for Billing {
    const DEFAULTS: ServiceDefaults = ServiceDefaults {
        name: "billing",
        grpc_port: 50055,
        metrics_port: 9105,
    };
    const MIGRATIONS: &'static [MigrationFile] = seteli_platform::migrations![
        100, "billing", "0100_billing.sql";
        105, "returned regeneration", "0105_returned_regeneration.sql";
        106, "the line of each invoiced item", "0106_item_lines.sql";
    ];
    type Settings = app::Settings;

    async fn build(platform: &Platform, settings: app::Settings) -> anyhow::Result<Built> {
        let app = app::App::new(platform.db.clone(), platform.clock.clone(), &settings)?;
        let built = seteli_platform::grpc_routes!(
            platform,
            BillingServiceServer::new(api::BillingApi(app.clone()))
        )?;
        Ok(built.job_if(
            app.has_upstream(),
            "mark-invoiced",
            || jobs::mark_invoiced(app, settings.mark_poll),
            "SETELI_BILLING_UPSTREAM_TOKEN is not set: invoices cannot be generated",
        ))
    }
}
