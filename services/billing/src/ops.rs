//! The billing service's workflows: validate → decide with `seteli_rules` (through
//! [`crate::plan`]) → change through the store. `api.rs` calls one function here per RPC;
//! `jobs.rs` calls [`mark_pending`].
//!
//! The other services are asked with the service's own configured token
//! (`SETELI_BILLING_UPSTREAM_TOKEN`, a `county_admin` token), never with the caller's: a
//! provider's user may read its billable items but not mark them invoiced, nor read the
//! provider registry's full record; and generation must not depend on who asked. Billing
//! confines each caller itself ([`access`]) before it asks.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{Datelike, Days, Months, NaiveDate};
use futures::{StreamExt, TryStreamExt};
use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::billing::v1 as pb;
use seteli_api::providers::v1 as ppb;
use seteli_api::providers::v1::providers_service_client::ProvidersServiceClient;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::change::Change;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::clock::Clock;
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::convert::{PbEnum, to_date, to_money, to_service_type};
use seteli_platform::db::{Database, new_id};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::{Ctx, to_status};
use seteli_platform::{AppError, AppResult};
use seteli_rules::ids::{
    finnish_reference, format_y_tunnus, ovt_from_y_tunnus, rf_reference, validate_ovt,
    validate_y_tunnus,
};
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::Channel;

use crate::access;
use crate::einvoice;
use crate::model::{InvoiceRow, InvoiceState, ItemKind, ItemTotal, period, to_units};
use crate::plan::{self, PlannedLine, VoucherInput};
use crate::store::{self, InvoiceFilter, ItemEntry, StateFacts};
use crate::wire::{self, FeedVoucher, Seller, required_id, required_text};

/// Where the provider registry listens when `SETELI_PROVIDERS_URL` is not set.
pub const DEFAULT_PROVIDERS_URL: &str = "http://127.0.0.1:50051";
/// Where the voucher service listens when `SETELI_VOUCHERS_URL` is not set.
pub const DEFAULT_VOUCHERS_URL: &str = "http://127.0.0.1:50052";
/// Where the attendance service listens when `SETELI_ATTENDANCE_URL` is not set.
pub const DEFAULT_ATTENDANCE_URL: &str = "http://127.0.0.1:50053";

/// Billable vouchers asked for per page of ListBillableItems.
const FEED_PAGE: i32 = 500;
/// Items per MarkItemsInvoiced call (attendance takes at most 1000).
const MARK_CHUNK: usize = 1000;
/// Calls to `vouchers` in flight at once while a month is generated.
const VOUCHER_CALLS: usize = 16;
/// Invoices read per query while pulling or streaming.
const PULL_CHUNK: i64 = 100;

/// The buyer on every invoice: the county, from configuration.
#[derive(Debug, Clone)]
pub struct Buyer {
    /// `SETELI_BILLING_BUYER_NAME`.
    pub name: String,
    /// `SETELI_BILLING_BUYER_BUSINESS_ID`: Y-tunnus, checked.
    pub business_id: String,
    /// `SETELI_BILLING_BUYER_EINVOICE_ADDRESS`: OVT, checked; default the OVT form of the
    /// Y-tunnus.
    pub einvoice_address: String,
    /// `SETELI_BILLING_BUYER_REFERENCE`: the buyer reference (cost centre) on every invoice.
    pub reference: String,
    /// `SETELI_BILLING_BUYER_STREET`.
    pub street: String,
    /// `SETELI_BILLING_BUYER_POSTCODE`.
    pub postcode: String,
    /// `SETELI_BILLING_BUYER_TOWN`.
    pub town: String,
}

/// The billing service's settings beyond the platform's, read once at start.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `SETELI_ATTENDANCE_URL`.
    pub attendance_url: String,
    /// `SETELI_VOUCHERS_URL`.
    pub vouchers_url: String,
    /// `SETELI_PROVIDERS_URL`.
    pub providers_url: String,
    /// `SETELI_BILLING_UPSTREAM_TOKEN`: the bearer token billing calls attendance, vouchers
    /// and providers with (a `county_admin` token; the platform has no service accounts yet).
    /// Unset: invoices cannot be generated (UNAVAILABLE).
    pub upstream_token: Option<String>,
    /// The buyer.
    pub buyer: Buyer,
    /// `SETELI_BILLING_PAYMENT_TERMS_DAYS`: due date = issue date + this (default 21).
    pub payment_terms_days: u32,
    /// `SETELI_BILLING_CLOSE_DAYS`: a month is closed (may be invoiced) this many days after
    /// its last day (default 0: from the first day of the next month).
    pub close_days: u32,
    /// `SETELI_BILLING_LOOKBACK_MONTHS`: how many months before the invoiced one are searched
    /// for items recorded late (default 12).
    pub lookback_months: u32,
    /// `SETELI_BILLING_MARK_POLL_MS`: how often documents whose items attendance has not been
    /// told of are retried (default 5000).
    pub mark_poll: Duration,
    /// How often the other services' addresses are resolved again.
    pub upstream: UpstreamOptions,
}

fn config_error(key: &str, message: impl std::fmt::Display) -> ConfigError {
    ConfigError {
        key: key.into(),
        message: message.to_string(),
    }
}

impl Settings {
    /// Reads the settings; a bad value names its key.
    pub fn read(config: &Config) -> Result<Self, ConfigError> {
        let text = |key: &str, default: &str| config.var(key).unwrap_or(default).trim().to_owned();
        // Dev default only; production sets the county's own.
        let default_business_id = format_y_tunnus("3221331").unwrap_or_default();
        let business_id = text("SETELI_BILLING_BUYER_BUSINESS_ID", &default_business_id);
        validate_y_tunnus(&business_id)
            .map_err(|e| config_error("SETELI_BILLING_BUYER_BUSINESS_ID", e))?;
        let einvoice_address = match config.var("SETELI_BILLING_BUYER_EINVOICE_ADDRESS") {
            Some(ovt) => {
                validate_ovt(ovt.trim())
                    .map_err(|e| config_error("SETELI_BILLING_BUYER_EINVOICE_ADDRESS", e))?;
                ovt.trim().to_owned()
            }
            None => ovt_from_y_tunnus(&business_id, "")
                .map_err(|e| config_error("SETELI_BILLING_BUYER_BUSINESS_ID", e))?,
        };
        let reference = text("SETELI_BILLING_BUYER_REFERENCE", "SOTE-PALVELUSETELI");
        if reference.is_empty() || reference.chars().count() > 70 {
            return Err(config_error(
                "SETELI_BILLING_BUYER_REFERENCE",
                "1–70 characters",
            ));
        }
        let payment_terms_days: u32 = config.var_or("SETELI_BILLING_PAYMENT_TERMS_DAYS", 21)?;
        if payment_terms_days > 365 {
            return Err(config_error(
                "SETELI_BILLING_PAYMENT_TERMS_DAYS",
                "at most 365",
            ));
        }
        let close_days: u32 = config.var_or("SETELI_BILLING_CLOSE_DAYS", 0)?;
        let lookback_months: u32 = config.var_or("SETELI_BILLING_LOOKBACK_MONTHS", 12)?;
        if lookback_months > 60 {
            return Err(config_error("SETELI_BILLING_LOOKBACK_MONTHS", "at most 60"));
        }
        let mark_ms: u64 = config.var_or("SETELI_BILLING_MARK_POLL_MS", 5000)?;
        if mark_ms == 0 {
            return Err(config_error(
                "SETELI_BILLING_MARK_POLL_MS",
                "must be at least 1",
            ));
        }
        Ok(Self {
            attendance_url: text("SETELI_ATTENDANCE_URL", DEFAULT_ATTENDANCE_URL),
            vouchers_url: text("SETELI_VOUCHERS_URL", DEFAULT_VOUCHERS_URL),
            providers_url: text("SETELI_PROVIDERS_URL", DEFAULT_PROVIDERS_URL),
            upstream_token: config
                .var("SETELI_BILLING_UPSTREAM_TOKEN")
                .map(|t| t.trim().to_owned()),
            buyer: Buyer {
                name: text("SETELI_BILLING_BUYER_NAME", "Pohjois-Savon hyvinvointialue"),
                business_id,
                einvoice_address,
                reference,
                street: text("SETELI_BILLING_BUYER_STREET", "PL 1711"),
                postcode: text("SETELI_BILLING_BUYER_POSTCODE", "70211"),
                town: text("SETELI_BILLING_BUYER_TOWN", "Kuopio"),
            },
            payment_terms_days,
            close_days,
            lookback_months,
            mark_poll: Duration::from_millis(mark_ms),
            upstream: config.upstream.clone(),
        })
    }
}

/// What every operation works with.
#[derive(Debug, Clone)]
pub struct App {
    /// The service's database.
    pub db: Database,
    /// The attendance service (billable items).
    pub attendance: Upstream<AttendanceServiceClient<Channel>>,
    /// The voucher service (voucher terms).
    pub vouchers: Upstream<VouchersServiceClient<Channel>>,
    /// The provider registry (the seller).
    pub providers: Upstream<ProvidersServiceClient<Channel>>,
    /// Settings.
    pub settings: Arc<Settings>,
    /// The clock of the service's own jobs.
    pub clock: Clock,
}

impl App {
    /// The operations over `db`, asking the services named in `settings`.
    pub fn new(db: Database, clock: Clock, settings: &Settings) -> anyhow::Result<Self> {
        Ok(Self {
            attendance: Upstream::connect(
                "attendance",
                "SETELI_ATTENDANCE_URL",
                &settings.attendance_url,
                &settings.upstream,
                AttendanceServiceClient::new,
            )?,
            vouchers: Upstream::connect(
                "vouchers",
                "SETELI_VOUCHERS_URL",
                &settings.vouchers_url,
                &settings.upstream,
                VouchersServiceClient::new,
            )?,
            providers: Upstream::connect(
                "providers",
                "SETELI_PROVIDERS_URL",
                &settings.providers_url,
                &settings.upstream,
                ProvidersServiceClient::new,
            )?,
            db,
            settings: Arc::new(settings.clone()),
            clock,
        })
    }

    /// `ctx` with the configured upstream token in place of the caller's (the trace and
    /// request id stay the caller's).
    fn upstream(&self, ctx: &Ctx) -> AppResult<Ctx> {
        let token = self.settings.upstream_token.clone().ok_or_else(|| {
            AppError::Unavailable(
                "billing cannot reach attendance: SETELI_BILLING_UPSTREAM_TOKEN is not set".into(),
            )
        })?;
        let mut up = ctx.clone();
        up.caller.token = token;
        Ok(up)
    }

    /// Whether the upstream token is configured.
    pub fn has_upstream(&self) -> bool {
        self.settings.upstream_token.is_some()
    }
}

fn not_in_state(msg: String) -> AppError {
    AppError::StateConflict(msg)
}

// ------------------------------------------------------------------------------ generation

/// GenerateInvoice.
pub async fn generate_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::GenerateInvoiceRequest,
) -> AppResult<pb::GenerateInvoiceResponse> {
    ctx.caller.require(access::GENERATORS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return with_items(app, first).await;
    }
    let provider = required_id("provider_id", &req.provider_id)?;
    let (first, last) = wire::month_bounds(req.year, req.month)?;
    if !access::may_act_for(&ctx.caller, &provider) {
        return Err(AppError::NotFound(format!("provider {provider}")));
    }
    let closes_on = last
        .checked_add_days(Days::new(u64::from(app.settings.close_days) + 1))
        .unwrap_or(last);
    if ctx.today() < closes_on {
        return Err(not_in_state(format!(
            "{} is not closed yet: it may be invoiced from {closes_on}",
            first.format("%Y-%m")
        )));
    }
    let month = period(first.year(), first.month());
    {
        let mut conn = app.db.pool().acquire().await?;
        if let Some(docs) = store::generation(&mut conn, &provider, &month).await? {
            drop(conn);
            let first = change
                .apply(move |conn| Box::pin(async move { answer(conn, docs, false).await }))
                .await?;
            return with_items(app, first).await;
        }
    }

    // Ask first, outside the transaction.
    let up = app.upstream(&ctx)?;
    let seller = fetch_seller(app, &up, &provider).await?;
    let since = first
        .checked_sub_months(Months::new(app.settings.lookback_months))
        .unwrap_or(first);
    let feed = fetch_billable(app, &up, &provider, since, first).await?;
    let (terms, fetched_terms) = fetch_terms(app, &up, feed.keys().cloned().collect()).await?;

    let today = ctx.today();
    let settings = app.settings.clone();
    let response = change
        .apply(move |conn| {
            Box::pin(async move {
                write_month(
                    conn,
                    MonthFacts {
                        provider: &provider,
                        month: &month,
                        first,
                        since,
                        seller: &seller,
                        feed: &feed,
                        terms: &terms,
                        fetched_terms: &fetched_terms,
                        settings: &settings,
                        today,
                    },
                )
                .await
            })
        })
        .await?;
    // Tell attendance; the job retries what fails here.
    for doc in [&response.invoice, &response.credit_note]
        .into_iter()
        .flatten()
    {
        if let Err(e) = mark_document(app, &up, &doc.id).await {
            tracing::warn!(error = %e, invoice = %doc.id, "attendance not told yet; retrying later");
        }
    }
    with_items(app, response).await
}

/// Puts each document's items back on its lines: the stored answer of a generation leaves them
/// out ([`write_month`]), so what a retry is answered from stays a few KiB however many items
/// a month has (and goes to the database as one statement of one TLS record: see
/// `store::POSTGRES_PARAMETERS`). The items of a document never change, so the first answer and
/// a retry's are the same.
async fn with_items(
    app: &App,
    mut response: pb::GenerateInvoiceResponse,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let mut conn = app.db.pool().acquire().await?;
    for doc in [&mut response.invoice, &mut response.credit_note]
        .into_iter()
        .flatten()
    {
        let items = store::document_items(&mut conn, &doc.id).await?;
        crate::model::fill_items(doc, items);
    }
    Ok(response)
}

/// What a month's generation works from once the other services were asked.
#[derive(Debug, Clone, Copy)]
pub struct MonthFacts<'a> {
    /// The provider.
    pub provider: &'a str,
    /// The month, `YYYY-MM`.
    pub month: &'a str,
    /// Its first day.
    pub first: NaiveDate,
    /// The first day of the earliest month searched for items recorded late.
    pub since: NaiveDate,
    /// The seller (the provider, from the registry).
    pub seller: &'a Seller,
    /// Attendance's billable items, by voucher.
    pub feed: &'a HashMap<String, FeedVoucher>,
    /// The vouchers' terms, by voucher.
    pub terms: &'a HashMap<String, crate::model::VoucherTerms>,
    /// Those of the terms `vouchers` was asked for now: cached in the generation's transaction
    /// (one commit, not one more).
    pub fetched_terms: &'a [crate::model::VoucherTerms],
    /// The settings.
    pub settings: &'a Settings,
    /// The issue date.
    pub today: NaiveDate,
}

/// GenerateInvoice's work inside its transaction: locks the provider, plans every voucher
/// ([`plan::plan_voucher`]) and writes the month's invoice and credit note (or answers the
/// documents of a month generated before). The answer's lines come without their items (the
/// caller puts them back after the commit). Public for the benchmark (`benches/invoicing.rs`).
pub async fn write_month(
    conn: &mut sqlx::AnyConnection,
    facts: MonthFacts<'_>,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let MonthFacts {
        provider,
        month,
        first,
        since,
        seller,
        feed,
        terms,
        fetched_terms,
        settings,
        today,
    } = facts;
    store::lock_provider(conn, provider).await?;
    if let Some(docs) = store::generation(conn, provider, month).await? {
        return answer(conn, docs, false).await;
    }
    store::put_voucher_terms(conn, fetched_terms).await?;
    let billed = store::item_totals_since(conn, provider, since).await?;
    let totals = store::voucher_totals(conn, provider).await?;
    let mut billed_of: HashMap<&str, Vec<&ItemTotal>> = HashMap::new();
    for b in &billed {
        billed_of.entry(b.voucher_id.as_str()).or_default().push(b);
    }
    // Every voucher with items now or billed items in the window.
    let empty = FeedVoucher {
        voucher_id: String::new(),
        service: None,
        items: Vec::new(),
    };
    let mut vouchers: Vec<&str> = feed.keys().map(String::as_str).collect();
    vouchers.extend(billed_of.keys().filter(|v| !feed.contains_key(**v)));
    let mut plans = Vec::new();
    let mut violations = Vec::new();
    for v in vouchers {
        let Some(t) = terms.get(v) else {
            // Billed before, not offered now, terms never fetched: nothing to do
            // without them; the next generation fetches them.
            continue;
        };
        let input = VoucherInput {
            feed: feed.get(v).unwrap_or(&empty),
            terms: t,
            billed: billed_of.get(v).map_or(&[][..], Vec::as_slice),
            total: totals.get(v).copied().unwrap_or_default(),
            provider_price_cents: seller.prices.get(&t.service).copied(),
        };
        match plan::plan_voucher(input) {
            Ok(p) => plans.push((t.clone(), p)),
            Err(v) => violations.extend(v),
        }
    }
    if !violations.is_empty() {
        return Err(AppError::RuleViolations(violations));
    }
    plans.sort_by(|a, b| a.0.voucher_number.cmp(&b.0.voucher_number));
    let doc = |credit: bool| Draft {
        provider,
        month,
        first,
        seller,
        settings,
        today,
        credit,
    };
    let invoice_lines: Vec<_> = plans
        .iter()
        .filter_map(|(t, p)| p.invoice.as_ref().map(|l| (t, l)))
        .collect();
    let credit_lines: Vec<_> = plans
        .iter()
        .filter_map(|(t, p)| p.credit.as_ref().map(|l| (t, l)))
        .collect();
    let report: Vec<pb::NoShowEntry> = plans
        .iter()
        .flat_map(|(t, p)| {
            p.no_show_report.iter().map(|(d, u)| pb::NoShowEntry {
                voucher_number: t.voucher_number.clone(),
                date: Some(to_date(*d)),
                billed_units: Some(to_units(*u)),
            })
        })
        .collect();
    let invoice = if invoice_lines.is_empty() {
        None
    } else {
        Some(
            doc(false)
                .write(conn, &invoice_lines, report, Vec::new())
                .await?,
        )
    };
    let credit = if credit_lines.is_empty() {
        None
    } else {
        let credited = credited_numbers(conn, &credit_lines).await?;
        Some(
            doc(true)
                .write(conn, &credit_lines, Vec::new(), credited)
                .await?,
        )
    };
    store::claim_generation(
        conn,
        provider,
        month,
        invoice.as_ref().map(|i| i.id.as_str()),
        credit.as_ref().map(|i| i.id.as_str()),
    )
    .await?;
    Ok(pb::GenerateInvoiceResponse {
        invoice,
        credit_note: credit,
        generated: true,
    })
}

/// The numbers of the invoices whose items a credit note credits.
async fn credited_numbers(
    conn: &mut sqlx::AnyConnection,
    lines: &[(&crate::model::VoucherTerms, &PlannedLine)],
) -> AppResult<Vec<String>> {
    let mut numbers: Vec<String> = Vec::new();
    for (_, line) in lines {
        for item in &line.items {
            for n in store::invoice_numbers_of(conn, &item.item_id).await? {
                let n = n.to_string();
                if !numbers.contains(&n) {
                    numbers.push(n);
                }
            }
        }
    }
    numbers.sort();
    Ok(numbers)
}

/// A document about to be written.
struct Draft<'a> {
    provider: &'a str,
    month: &'a str,
    first: NaiveDate,
    seller: &'a Seller,
    settings: &'a Settings,
    today: NaiveDate,
    credit: bool,
}

impl Draft<'_> {
    async fn write(
        &self,
        conn: &mut sqlx::AnyConnection,
        lines: &[(&crate::model::VoucherTerms, &PlannedLine)],
        no_show_report: Vec<pb::NoShowEntry>,
        credits: Vec<String>,
    ) -> AppResult<pb::Invoice> {
        let number = store::next_counter(conn, "invoice_number").await?;
        let reference = finnish_reference(&number.to_string())
            .map_err(|e| AppError::Internal(anyhow::anyhow!("payment reference: {e}")))?;
        let rf = rf_reference(&reference)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("RF reference: {e}")))?;
        let id = new_id();
        let mut entries = Vec::new();
        let mut pb_lines = Vec::new();
        for (n, (t, line)) in lines.iter().enumerate() {
            // The items are rows of their own (`store::add_items`), not part of the body.
            pb_lines.push(pb::InvoiceLine {
                line_number: i32::try_from(n + 1).unwrap_or(i32::MAX),
                voucher_id: t.voucher_id.clone(),
                voucher_number: t.voucher_number.clone(),
                service_type: to_service_type(t.service),
                realised_units: Some(to_units(line.units(ItemKind::Realised))),
                no_show_units: Some(to_units(line.units(ItemKind::NoShow))),
                unit_price: Some(to_money(line.unit_price_cents)),
                amount: Some(to_money(line.cents())),
                capped_units: Some(to_units(line.capped_units)),
                items: Vec::new(),
            });
            let sign = if self.credit { -1 } else { 1 };
            entries.extend(line.items.iter().map(|i| ItemEntry {
                item_id: i.item_id.clone(),
                voucher_id: t.voucher_id.clone(),
                kind: i.kind,
                date: i.date,
                units: sign * i.units,
                cents: sign * i.cents,
            }));
        }
        let total: i64 = lines.iter().map(|(_, l)| l.cents()).sum();
        let s = self.settings;
        let due = self
            .today
            .checked_add_days(Days::new(u64::from(s.payment_terms_days)))
            .unwrap_or(self.today);
        let body = pb::Invoice {
            id: id.clone(),
            invoice_number: number.to_string(),
            kind: if self.credit {
                pb::InvoiceKind::CreditNote
            } else {
                pb::InvoiceKind::Invoice
            } as i32,
            provider_id: self.provider.to_owned(),
            year: self.first.year(),
            month: i32::try_from(self.first.month()).unwrap_or_default(),
            state: pb::InvoiceState::Draft as i32,
            seller: Some(self.seller.party.clone()),
            seller_iban: self.seller.iban.clone(),
            seller_bic: self.seller.bic.clone(),
            buyer: Some(pb::Party {
                name: s.buyer.name.clone(),
                business_id: s.buyer.business_id.clone(),
                einvoice_address: s.buyer.einvoice_address.clone(),
                street_address: s.buyer.street.clone(),
                postal_code: s.buyer.postcode.clone(),
                town: s.buyer.town.clone(),
                country_code: "FI".into(),
            }),
            buyer_reference: s.buyer.reference.clone(),
            issue_date: Some(to_date(self.today)),
            due_date: Some(to_date(due)),
            payment_reference: reference,
            rf_reference: rf,
            total: Some(to_money(total)),
            lines: pb_lines,
            no_show_report,
            credits_invoice_numbers: credits,
            version: 1,
            created_at_micros: seteli_platform::db::now_micros(),
            ..Default::default()
        };
        store::insert_invoice(conn, number, self.month, &body).await?;
        store::add_items(conn, &id, self.provider, &entries).await?;
        Ok(body)
    }
}

/// The answer of a month generated before.
async fn answer(
    conn: &mut sqlx::AnyConnection,
    (invoice, credit): (Option<String>, Option<String>),
    generated: bool,
) -> AppResult<pb::GenerateInvoiceResponse> {
    let invoice = load_view(conn, invoice).await?;
    let credit_note = load_view(conn, credit).await?;
    Ok(pb::GenerateInvoiceResponse {
        invoice,
        credit_note,
        generated,
    })
}

async fn load_view(
    conn: &mut sqlx::AnyConnection,
    id: Option<String>,
) -> AppResult<Option<pb::Invoice>> {
    let Some(id) = id else {
        return Ok(None);
    };
    Ok(store::load_invoice(conn, &id).await?.map(|row| row.view()))
}

/// The invoice with each line's items.
async fn full_view(conn: &mut sqlx::AnyConnection, row: &InvoiceRow) -> AppResult<pb::Invoice> {
    let items = store::document_items(conn, &row.id).await?;
    Ok(row.view_with(items))
}

/// The invoice as `caller` reads it: with the lines' items unless [`access::sees_items`] says
/// not.
async fn view_for(
    conn: &mut sqlx::AnyConnection,
    caller: &seteli_platform::auth::Caller,
    row: &InvoiceRow,
) -> AppResult<pb::Invoice> {
    if access::sees_items(caller) {
        full_view(conn, row).await
    } else {
        Ok(row.view())
    }
}

async fn fetch_seller(app: &App, up: &Ctx, provider: &str) -> AppResult<Seller> {
    let p = app
        .providers
        .call(
            up,
            ppb::GetProviderRequest {
                provider_id: provider.to_owned(),
            },
            |mut c, r| async move { c.get_provider(r).await },
        )
        .await?
        .provider
        .ok_or_else(|| AppError::NotFound(format!("provider {provider}")))?;
    wire::seller(&p)
}

/// Attendance's billable items of the provider's months `since..=until` (first days), by
/// voucher.
async fn fetch_billable(
    app: &App,
    up: &Ctx,
    provider: &str,
    since: NaiveDate,
    until: NaiveDate,
) -> AppResult<HashMap<String, FeedVoucher>> {
    let mut out = HashMap::new();
    let mut month = since;
    while month <= until {
        let mut token = String::new();
        loop {
            let page = app
                .attendance
                .call(
                    up,
                    apb::ListBillableItemsRequest {
                        provider_id: provider.to_owned(),
                        year: month.year(),
                        month: i32::try_from(month.month()).unwrap_or_default(),
                        page_size: FEED_PAGE,
                        page_token: token.clone(),
                    },
                    |mut c, r| async move { c.list_billable_items(r).await },
                )
                .await?;
            wire::add_billable(&mut out, page.vouchers);
            if page.next_page_token.is_empty() {
                break;
            }
            token = page.next_page_token;
        }
        month = match month.checked_add_months(Months::new(1)) {
            Some(m) => m,
            None => break,
        };
    }
    Ok(out)
}

/// The terms of `vouchers`, by voucher: cached, or asked of `vouchers`; and those asked (for
/// the generation to cache).
async fn fetch_terms(
    app: &App,
    up: &Ctx,
    vouchers: Vec<String>,
) -> AppResult<(
    HashMap<String, crate::model::VoucherTerms>,
    Vec<crate::model::VoucherTerms>,
)> {
    let (mut known, missing) = cached_terms(&app.db, vouchers).await?;
    let fetched: Vec<crate::model::VoucherTerms> = futures::stream::iter(missing)
        .map(|v| async move {
            let voucher = app
                .vouchers
                .call(
                    up,
                    vpb::GetVoucherRequest {
                        voucher_id: v.clone(),
                        voucher_number: String::new(),
                    },
                    |mut c, r| async move { c.get_voucher(r).await },
                )
                .await?
                .voucher
                .ok_or_else(|| AppError::NotFound(format!("voucher {v}")))?;
            wire::voucher_terms(&voucher)
        })
        .buffer_unordered(VOUCHER_CALLS)
        .try_collect()
        .await?;
    known.extend(fetched.iter().map(|t| (t.voucher_id.clone(), t.clone())));
    Ok((known, fetched))
}

/// The cached terms of `vouchers`, and the vouchers whose terms are not cached yet (each
/// once). Public for the benchmark.
pub async fn cached_terms(
    db: &Database,
    mut vouchers: Vec<String>,
) -> AppResult<(HashMap<String, crate::model::VoucherTerms>, Vec<String>)> {
    vouchers.sort();
    vouchers.dedup();
    let mut conn = db.pool().acquire().await?;
    let known = store::voucher_terms(&mut conn, &vouchers).await?;
    let missing = vouchers
        .into_iter()
        .filter(|v| !known.contains_key(v))
        .collect();
    Ok((known, missing))
}

/// Tells attendance a document's items are invoiced on it, and records that it did.
async fn mark_document(app: &App, up: &Ctx, invoice_id: &str) -> AppResult<()> {
    let items = {
        let mut conn = app.db.pool().acquire().await?;
        store::invoice_item_ids(&mut conn, invoice_id).await?
    };
    for (n, chunk) in items.chunks(MARK_CHUNK).enumerate() {
        let request = apb::MarkItemsInvoicedRequest {
            request_id: format!("billing-{invoice_id}-{n}"),
            invoice_id: invoice_id.to_owned(),
            item_ids: chunk.to_vec(),
        };
        let marked = app
            .attendance
            .call(up, request, |mut c, r| async move {
                c.mark_items_invoiced(r).await
            })
            .await;
        match marked {
            Ok(_) => {}
            // One refused item (e.g. corrected again since) refuses the batch: mark the others
            // one by one; the refused one is billed again by the next generation as it is then.
            Err(AppError::StateConflict(_) | AppError::InvalidArgument(_)) => {
                for item in chunk {
                    let one = apb::MarkItemsInvoicedRequest {
                        request_id: format!("billing-{invoice_id}-{item}"),
                        invoice_id: invoice_id.to_owned(),
                        item_ids: vec![item.clone()],
                    };
                    let r = app
                        .attendance
                        .call(
                            up,
                            one,
                            |mut c, r| async move { c.mark_items_invoiced(r).await },
                        )
                        .await;
                    match r {
                        Ok(_) | Err(AppError::StateConflict(_) | AppError::InvalidArgument(_)) => {}
                        Err(e) => return Err(e),
                    }
                }
            }
            Err(e) => return Err(e),
        }
    }
    let mut conn = app.db.pool().acquire().await?;
    store::set_marked(&mut conn, invoice_id).await
}

/// Tells attendance of every document it has not been told of yet; returns how many.
pub async fn mark_pending(app: &App) -> AppResult<usize> {
    let ctx = Ctx::system("billing-mark", app.clock.clone());
    let up = app.upstream(&ctx)?;
    let pending = {
        let mut conn = app.db.pool().acquire().await?;
        store::unmarked(&mut conn, 100).await?
    };
    let n = pending.len();
    for id in pending {
        mark_document(app, &up, &id).await?;
    }
    Ok(n)
}

// ------------------------------------------------------------------------------ reads

async fn visible(app: &App, ctx: &Ctx, id: &str) -> AppResult<InvoiceRow> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_invoice(&mut conn, id)
        .await?
        .filter(|i| access::may_see(&ctx.caller, i))
        .ok_or_else(|| AppError::NotFound(format!("invoice {id}")))
}

/// GetInvoice.
pub async fn get_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::GetInvoiceRequest,
) -> AppResult<pb::GetInvoiceResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let row = visible(app, &ctx, &id).await?;
    let mut conn = app.db.pool().acquire().await?;
    Ok(pb::GetInvoiceResponse {
        invoice: Some(view_for(&mut conn, &ctx.caller, &row).await?),
    })
}

/// ListInvoices.
pub async fn list_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::ListInvoicesRequest,
) -> AppResult<pb::ListInvoicesResponse> {
    ctx.caller.require(access::READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(i64, String)>()?;
    let mut filter = InvoiceFilter {
        provider_id: req.provider_id.trim().to_owned(),
        period: wire::optional_period(req.year, req.month)?,
        state: InvoiceState::optional("state", req.state)?,
        approved_only: ctx.caller.role == seteli_platform::auth::Role::FinanceSystem,
    };
    if let Some(own) = access::own_provider(&ctx.caller) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListInvoicesResponse::default());
        }
        filter.provider_id = own;
    }
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_invoices(&mut conn, &filter, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |(at, r)| (*at, r.id.clone()));
    Ok(pb::ListInvoicesResponse {
        invoices: rows.iter().map(|(_, r)| r.summary()).collect(),
        next_page_token,
    })
}

/// ExportInvoice.
pub async fn export_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ExportInvoiceRequest,
) -> AppResult<pb::ExportInvoiceResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let format = wire::format("format", req.format)?;
    let row = visible(app, &ctx, &id).await?;
    Ok(pb::ExportInvoiceResponse {
        document: Some(einvoice::document(&row.view(), format)?),
    })
}

// ------------------------------------------------------------------------------ state changes

/// Moves an invoice along the state table. The stored answer (what a retry gets) is the
/// invoice without its lines' items, a few KiB however large the invoice; the items are put
/// back afterwards for a caller who reads them ([`access::sees_items`]).
async fn move_invoice(
    db: &Database,
    change: Change<'_>,
    ctx: &Ctx,
    id: &str,
    to: InvoiceState,
    may: fn(&seteli_platform::auth::Caller, &InvoiceRow) -> bool,
    facts: StateFacts,
) -> AppResult<pb::Invoice> {
    #[derive(Clone, PartialEq, prost::Message)]
    struct Answer {
        #[prost(message, optional, tag = "1")]
        invoice: Option<pb::Invoice>,
    }
    let caller = ctx.caller.clone();
    let caller2 = ctx.caller.clone();
    let id_owned = id.to_owned();
    let answer: Answer = change
        .apply_to::<InvoiceRow, _, _>(
            id,
            move |i| access::may_see(&caller, i),
            move |conn, row| {
                Box::pin(async move {
                    if !may(&caller2, &row) {
                        return Err(AppError::PermissionDenied(format!(
                            "role {} may not move this invoice to {}",
                            caller2.role.as_str(),
                            to.code()
                        )));
                    }
                    if !row.state.may_move(to) {
                        return Err(not_in_state(format!(
                            "invoice {} is {}: it cannot become {}",
                            row.body.invoice_number,
                            row.state.code(),
                            to.code()
                        )));
                    }
                    let mut facts = facts;
                    if to == InvoiceState::Approved {
                        let seq = store::next_counter(conn, "export_sequence").await?;
                        facts.approved = Some((seteli_platform::db::now_micros(), seq));
                    }
                    if !store::move_state(conn, &id_owned, to, &facts).await? {
                        return Err(not_in_state(format!(
                            "invoice {} moved meanwhile",
                            row.body.invoice_number
                        )));
                    }
                    let row = store::load_invoice(conn, &id_owned)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("invoice {id_owned}")))?;
                    Ok(Answer {
                        invoice: Some(row.view()),
                    })
                })
            },
        )
        .await?;
    let mut invoice = answer
        .invoice
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no invoice")))?;
    if access::sees_items(&ctx.caller) {
        let mut conn = db.pool().acquire().await?;
        let items = store::document_items(&mut conn, &invoice.id).await?;
        crate::model::fill_items(&mut invoice, items);
    } else {
        // An answer stored before it left them out.
        invoice.lines.iter_mut().for_each(|l| l.items.clear());
    }
    Ok(invoice)
}

/// SubmitInvoice.
pub async fn submit_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitInvoiceRequest,
) -> AppResult<pb::SubmitInvoiceResponse> {
    ctx.caller.require(access::SUBMITTERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let invoice = move_invoice(
        &app.db,
        Change::new(&app.db, &ctx, &req.request_id, &req)?,
        &ctx,
        &id,
        InvoiceState::Submitted,
        |c, i| c.is_user_of(&i.provider_id),
        StateFacts::default(),
    )
    .await?;
    Ok(pb::SubmitInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// ApproveInvoice.
pub async fn approve_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveInvoiceRequest,
) -> AppResult<pb::ApproveInvoiceResponse> {
    ctx.caller.require(access::APPROVERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let invoice = move_invoice(
        &app.db,
        Change::new(&app.db, &ctx, &req.request_id, &req)?,
        &ctx,
        &id,
        InvoiceState::Approved,
        |_, _| true,
        StateFacts::default(),
    )
    .await?;
    Ok(pb::ApproveInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// ReturnInvoice.
pub async fn return_invoice(
    app: &App,
    ctx: Ctx,
    req: pb::ReturnInvoiceRequest,
) -> AppResult<pb::ReturnInvoiceResponse> {
    ctx.caller.require(access::APPROVERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let invoice = move_invoice(
        &app.db,
        Change::new(&app.db, &ctx, &req.request_id, &req)?,
        &ctx,
        &id,
        InvoiceState::Returned,
        |_, _| true,
        StateFacts {
            returned_reason: Some(reason),
            ..Default::default()
        },
    )
    .await?;
    Ok(pb::ReturnInvoiceResponse {
        invoice: Some(invoice),
    })
}

/// RecordPayment.
pub async fn record_payment(
    app: &App,
    ctx: Ctx,
    req: pb::RecordPaymentRequest,
) -> AppResult<pb::RecordPaymentResponse> {
    ctx.caller.require(access::PAYERS)?;
    let id = required_id("invoice_id", &req.invoice_id)?;
    let paid_on = wire::paid_on(req.paid_on.as_ref())?;
    let invoice = move_invoice(
        &app.db,
        Change::new(&app.db, &ctx, &req.request_id, &req)?,
        &ctx,
        &id,
        InvoiceState::Paid,
        |_, _| true,
        StateFacts {
            paid_on: Some(paid_on),
            ..Default::default()
        },
    )
    .await?;
    Ok(pb::RecordPaymentResponse {
        invoice: Some(invoice),
    })
}

// ------------------------------------------------------------------------------ the pull

/// An approved invoice as the financial system pulls it: the invoice (lines without items,
/// [`access::sees_items`]) and its documents, written by `exporter`.
fn approved(
    exporter: &mut einvoice::Exporter,
    row: &InvoiceRow,
    formats: &[pb::ExportFormat],
) -> AppResult<pb::ApprovedInvoice> {
    let invoice = row.view();
    let documents = formats
        .iter()
        .map(|f| exporter.document(&invoice, *f))
        .collect::<AppResult<Vec<_>>>()?;
    Ok(pb::ApprovedInvoice {
        invoice: Some(invoice),
        documents,
    })
}

/// ListApprovedInvoices.
pub async fn list_approved_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::ListApprovedInvoicesRequest,
) -> AppResult<pb::ListApprovedInvoicesResponse> {
    ctx.caller.require(access::PULLERS)?;
    let formats = wire::formats(&req.formats)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let after = page
        .after::<(i64,)>()?
        .map_or(req.after_sequence, |(s,)| s.max(req.after_sequence));
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::approved_after(&mut conn, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |r| (r.export_sequence.unwrap_or_default(),));
    let mut exporter = einvoice::Exporter::new();
    Ok(pb::ListApprovedInvoicesResponse {
        invoices: rows
            .iter()
            .map(|r| approved(&mut exporter, r, &formats))
            .collect::<AppResult<_>>()?,
        next_page_token,
    })
}

/// The stream of StreamApprovedInvoices.
pub type ApprovedStream = ReceiverStream<Result<pb::StreamApprovedInvoicesResponse, tonic::Status>>;

/// StreamApprovedInvoices: reads [`PULL_CHUNK`] invoices at a time and sends them through a
/// bounded channel, so memory stays flat however many there are.
pub async fn stream_approved_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::StreamApprovedInvoicesRequest,
) -> AppResult<ApprovedStream> {
    ctx.caller.require(access::PULLERS)?;
    let formats = wire::formats(&req.formats)?;
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    let db = app.db.clone();
    let request_id = ctx.request_id().to_owned();
    let mut after = req.after_sequence;
    tokio::spawn(async move {
        let mut exporter = einvoice::Exporter::new();
        loop {
            let rows = async {
                let mut conn = db.pool().acquire().await?;
                store::approved_after(&mut conn, after, PULL_CHUNK).await
            }
            .await;
            let rows = match rows {
                Ok(rows) => rows,
                Err(e) => {
                    let _ = tx.send(Err(to_status(e, &request_id))).await;
                    return;
                }
            };
            let last = rows.len() < usize::try_from(PULL_CHUNK).unwrap_or(usize::MAX);
            for r in &rows {
                after = r.export_sequence.unwrap_or(after);
                let message = approved(&mut exporter, r, &formats)
                    .map(|i| pb::StreamApprovedInvoicesResponse { invoice: Some(i) })
                    .map_err(|e| to_status(e, &request_id));
                if tx.send(message).await.is_err() {
                    return; // the puller went away
                }
            }
            if last {
                return;
            }
        }
    });
    Ok(ReceiverStream::new(rx))
}

/// AcknowledgeInvoices.
pub async fn acknowledge_invoices(
    app: &App,
    ctx: Ctx,
    req: pb::AcknowledgeInvoicesRequest,
) -> AppResult<pb::AcknowledgeInvoicesResponse> {
    ctx.caller.require(access::PULLERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let acks = wire::acknowledgements(&req.acknowledgements)?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let mut results = Vec::new();
                for (invoice_id, export_id) in acks {
                    let (outcome, export) =
                        match store::acknowledge(conn, &invoice_id, &export_id).await? {
                            None => (pb::AckOutcome::Acknowledged, export_id),
                            Some((Some(InvoiceState::Exported | InvoiceState::Paid), winner)) => {
                                if winner == export_id {
                                    (pb::AckOutcome::Acknowledged, winner)
                                } else {
                                    (pb::AckOutcome::AlreadyAcknowledged, winner)
                                }
                            }
                            Some(_) => (pb::AckOutcome::NotApproved, String::new()),
                        };
                    results.push(pb::AckResult {
                        invoice_id,
                        outcome: outcome as i32,
                        export_id: export,
                    });
                }
                Ok(pb::AcknowledgeInvoicesResponse { results })
            })
        })
        .await
}
