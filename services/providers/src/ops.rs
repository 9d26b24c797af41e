//! The registry's workflows, one per RPC: check the request (`wire`), authorise (`access`),
//! decide with `seteli_rules`, and change through the store.
//!
//! Every change runs once per caller and `request_id` through `seteli_platform::change`: a
//! retry is answered from the store first (before authorisation against today's state and
//! before asking the vouchers service for prices), then one transaction claims the request id,
//! locks the provider's row before reading it, makes the change, records the provider's
//! history (and the audit log, for staff data) and stores the answer.
//!
//! Also here: the registry's settings and where PROV-PRICE's ceiling prices come from.

use std::collections::HashMap;

use chrono::NaiveDate;
use futures::future::BoxFuture;
use seteli_api::providers::v1 as pb;
use seteli_api::vouchers::v1 as vpb;
use seteli_api::vouchers::v1::vouchers_service_client::VouchersServiceClient;
use seteli_platform::audit::{self, Access};
use seteli_platform::auth::{Caller, Role};
use seteli_platform::change::Change;
use seteli_platform::client::{Upstream, UpstreamOptions};
use seteli_platform::config::{Config, ConfigError};
use seteli_platform::convert::{PbEnum, service_type, to_date};
use seteli_platform::db::{Database, new_id};
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::server::Platform;
use seteli_platform::{AppError, AppResult};
use seteli_rules::geo::{Coordinates, ServicePlace, nearest_place};
use seteli_rules::prices::CeilingPrices;
use seteli_rules::provider::{ApprovalFacts, LegalForm, check_offering, check_provider_approval};
use seteli_rules::{ServiceType, Violation};
use sqlx::AnyConnection;
use tonic::transport::{Channel, Endpoint};

use crate::access::{self, Rpc};
use crate::model::{
    BoundingBox, Candidate, Detail, Facts, Offering, PendingBank, ProviderRoot, ProviderState,
    Site, Stamp, StateChange,
};
use crate::store::{self, ChildTable};
use crate::wire;

/// Configuration key of the vouchers service whose ceiling prices PROV-PRICE reads.
pub const VOUCHERS_URL: &str = "SETELI_VOUCHERS_URL";
/// Configuration key of fixed ceiling prices, used when [`VOUCHERS_URL`] is unset (format of
/// `seteli_rules::prices::CeilingPrices::parse`).
pub const CEILING_PRICES: &str = "SETELI_CEILING_PRICES";

/// The audit log's subject kind for staff data.
const STAFF: &str = "provider_staff";
/// The purpose of the registry's processing of staff data.
const PURPOSE: &str = "provider_registry";

/// The registry's settings beyond the platform's.
#[derive(Debug, Clone)]
pub struct Settings {
    prices: PriceSettings,
}

#[derive(Debug, Clone)]
enum PriceSettings {
    Configured(CeilingPrices),
    Vouchers {
        url: String,
        upstream: UpstreamOptions,
    },
}

/// Reads the settings: [`VOUCHERS_URL`] when set, otherwise [`CEILING_PRICES`] (empty: no
/// prices, so every offering breaks PROV-PRICE). A bad value names its key.
pub fn settings(config: &Config) -> Result<Settings, ConfigError> {
    let bad = |key: &str, message: String| ConfigError {
        key: key.to_owned(),
        message,
    };
    let prices = match config.var(VOUCHERS_URL) {
        Some(url) => {
            let endpoint = Endpoint::from_shared(url.to_owned())
                .map_err(|e| bad(VOUCHERS_URL, e.to_string()))?;
            if endpoint.uri().host().is_none() {
                return Err(bad(VOUCHERS_URL, format!("{url}: no host")));
            }
            PriceSettings::Vouchers {
                url: url.to_owned(),
                upstream: config.upstream.clone(),
            }
        }
        None => PriceSettings::Configured(
            CeilingPrices::parse(config.var(CEILING_PRICES).unwrap_or(""))
                .map_err(|e| bad(CEILING_PRICES, e))?,
        ),
    };
    Ok(Settings { prices })
}

/// What the workflows work with: the registry's database and its source of ceiling prices.
#[derive(Debug, Clone)]
pub struct App {
    db: Database,
    prices: CeilingPriceSource,
}

impl App {
    /// The registry on `platform`'s database; a client of the vouchers service (connecting
    /// lazily) when the settings name one.
    pub fn new(platform: &Platform, settings: Settings) -> anyhow::Result<Self> {
        let prices = match settings.prices {
            PriceSettings::Configured(prices) => CeilingPriceSource::Configured(prices),
            PriceSettings::Vouchers { url, upstream } => {
                CeilingPriceSource::Vouchers(Upstream::connect(
                    "vouchers",
                    VOUCHERS_URL,
                    &url,
                    &upstream,
                    VouchersServiceClient::new,
                )?)
            }
        };
        Ok(Self {
            db: platform.db.clone(),
            prices,
        })
    }
}

/// Where PROV-PRICE's ceiling prices come from.
#[derive(Debug, Clone)]
enum CeilingPriceSource {
    /// Fixed prices from [`CEILING_PRICES`], e.g. for running the registry alone.
    Configured(CeilingPrices),
    /// The vouchers service, which keeps the county's ceiling price lists.
    Vouchers(Upstream<VouchersServiceClient<Channel>>),
}

impl CeilingPriceSource {
    /// The prices in force on `on`, asked on behalf of `ctx`'s caller; `UNAVAILABLE` when the
    /// vouchers service cannot answer.
    async fn in_force_on(&self, ctx: &Ctx, on: NaiveDate) -> AppResult<CeilingPrices> {
        let vouchers = match self {
            Self::Configured(prices) => return Ok(prices.clone()),
            Self::Vouchers(vouchers) => vouchers,
        };
        let request = vpb::ListCeilingPricesRequest {
            in_force_on: Some(to_date(on)),
            ..Default::default()
        };
        let answer = vouchers
            .call(ctx, request, |mut c, r| async move {
                c.list_ceiling_prices(r).await
            })
            .await?;
        Ok(wire::ceiling_prices(answer))
    }
}

// ---------------------------------------------------------------------------------------------
// The rules, each decided by `seteli_rules` and chosen here in one place.

/// Every approval rule of `seteli_rules::provider::check_provider_approval` on `facts` (staff
/// with their county-accepted degrees and coaching work), on `today`.
fn approval_violations(facts: &Facts, prices: &CeilingPrices, today: NaiveDate) -> Vec<Violation> {
    let ceiling = |s: ServiceType| prices.price_on(s, today);
    check_provider_approval(
        &ApprovalFacts {
            legal_form: facts.legal_form,
            uses_subcontractors: facts.uses_subcontractors,
            documents: &facts.documents,
            staff: &facts.staff,
            offerings: &facts.offerings,
            soteri_classes: &facts.soteri_classes,
        },
        today,
        &ceiling,
    )
}

/// The rules an offering must meet when it is set, whatever the provider's state (a price above
/// the ceiling is never stored): `seteli_rules::provider::check_offering` (PROV-PRICE,
/// CAP-GROUP-SIZE, KTT-COMPANY) against the ceiling price in force on `today`.
fn offering_violations(
    legal_form: LegalForm,
    offering: &Offering,
    prices: &CeilingPrices,
    today: NaiveDate,
) -> Vec<Violation> {
    let ceiling = prices.price_on(offering.service, today);
    check_offering(legal_form, &offering.rule(), ceiling, today)
}

/// The nearest of `sites` that counts for PROV-DISTANCE of `service` from `near`
/// (`seteli_rules::geo::nearest_place`): its index in `sites` and its distance in km.
fn nearest_site(service: ServiceType, sites: &[&Site], near: Coordinates) -> Option<(usize, f64)> {
    // Sites whose stored coordinates are invalid are no place of service.
    let (index, places): (Vec<usize>, Vec<ServicePlace>) = sites
        .iter()
        .enumerate()
        .filter_map(|(i, s)| s.place().map(|p| (i, p)))
        .unzip();
    let nearest = nearest_place(service, &places, near)?;
    Some((*index.get(nearest.index)?, nearest.distance_km))
}

/// `FAILED_PRECONDITION` listing every rule in `violations`, if any.
fn refuse(violations: Vec<Violation>) -> AppResult<()> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(AppError::RuleViolations(violations))
    }
}

/// The approval facts of provider `id` as it now stands in the transaction.
async fn facts_of(conn: &mut AnyConnection, id: &str) -> AppResult<Facts> {
    let p = store::load_provider(conn, id, Detail::Full)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(Facts::of(&p))
}

// ---------------------------------------------------------------------------------------------
// Pieces every change shares.

fn not_found(id: &str) -> AppError {
    AppError::NotFound(format!("provider {id}"))
}

fn not_in_state(action: &str, state: ProviderState) -> AppError {
    AppError::StateConflict(format!(
        "cannot {action} a provider that is {}",
        state.code()
    ))
}

/// Which provider roots the caller may change (others are `NOT_FOUND`).
fn visible_to(caller: &Caller) -> impl FnOnce(&ProviderRoot) -> bool + Send + '_ {
    move |p| access::may_see(caller, &p.id, p.state)
}

/// The history stamp of a change made now through `rpc`.
fn stamp(ctx: &Ctx, rpc: Rpc, request_id: &str) -> Stamp {
    Stamp {
        subject: ctx.caller.subject.clone(),
        role: ctx.caller.role.as_str().to_owned(),
        organisation: ctx.caller.organisation(),
        action: rpc.name().to_owned(),
        request_id: request_id.to_owned(),
        at_micros: ctx.now_micros(),
    }
}

/// Provider `id` after a change, as the caller (who may change it) sees it.
async fn provider_answer(conn: &mut AnyConnection, ctx: &Ctx, id: &str) -> AppResult<pb::Provider> {
    let detail = access::detail(&ctx.caller, id);
    let p = store::load_provider(conn, id, detail)
        .await?
        .ok_or_else(|| not_found(id))?;
    Ok(wire::provider_view(&p, detail))
}

/// Removes a child row of provider `id`; `NOT_FOUND` when it has none under `key`.
async fn remove(
    conn: &mut AnyConnection,
    table: ChildTable,
    id: &str,
    key: &str,
) -> AppResult<String> {
    if !store::delete_child(conn, table, id, key).await? {
        return Err(AppError::NotFound(format!("{key} of provider {id}")));
    }
    Ok(format!("{key} removed"))
}

/// The frame of every change of a provider's data (not of its approval state): prepared after
/// the replay, then [`Edit::apply`]'d.
struct Edit {
    rpc: Rpc,
    ctx: Ctx,
    request_id: String,
    /// Today's ceiling prices, when asked for before the transaction.
    prices: Option<CeilingPrices>,
    source: CeilingPriceSource,
}

impl Edit {
    /// Prepares an edit of provider `id` through `rpc` (after the replay, before the
    /// transaction). An approved provider's edit is checked against today's ceiling prices:
    /// unless `prices` already holds them, they are asked for now, so no lock is held over a
    /// call to the vouchers service.
    async fn prepare(
        app: &App,
        ctx: &Ctx,
        rpc: Rpc,
        (request_id, id): (&str, &str),
        prices: Option<CeilingPrices>,
    ) -> AppResult<Self> {
        let prices = match prices {
            Some(prices) => Some(prices),
            None => {
                let mut conn = app.db.pool().acquire().await?;
                if store::state_of(&mut conn, id).await? == Some(ProviderState::Approved) {
                    Some(app.prices.in_force_on(ctx, ctx.today()).await?)
                } else {
                    None
                }
            }
        };
        Ok(Self {
            rpc,
            ctx: ctx.clone(),
            request_id: request_id.to_owned(),
            prices,
            source: app.prices.clone(),
        })
    }

    /// Applies `change` to provider `id` (its row locked; `NOT_FOUND` unless the caller may
    /// see it): the caller must edit this provider and it must not be REVOKED; then `step`
    /// changes its data and says what for the history; an approved provider must still meet
    /// every approval rule; the history records the step; the answer is `answer` of the
    /// provider as it now is.
    async fn apply<Resp, F>(
        self,
        change: Change<'_>,
        id: &str,
        step: F,
        answer: fn(Option<pb::Provider>) -> Resp,
    ) -> AppResult<Resp>
    where
        Resp: prost::Message + Default + Send + 'static,
        F: for<'t> FnOnce(&'t mut AnyConnection, &'t str) -> BoxFuture<'t, AppResult<String>>
            + Send
            + 'static,
    {
        let caller = self.ctx.caller.clone();
        change
            .apply_to::<ProviderRoot, _, _>(id, visible_to(&caller), move |conn, root| {
                Box::pin(async move {
                    let ctx = &self.ctx;
                    access::may_act_on(&ctx.caller, self.rpc, &root.id)?;
                    if !ProviderState::EDITABLE.contains(&root.state) {
                        return Err(not_in_state("change", root.state));
                    }
                    store::touch(conn, &root.id, ctx.now_micros()).await?;
                    let summary = step(conn, &root.id).await?;
                    if root.state == ProviderState::Approved {
                        let today = ctx.today();
                        let prices = match self.prices {
                            Some(prices) => prices,
                            // Approved since `prepare` looked: ask now.
                            None => self.source.in_force_on(ctx, today).await?,
                        };
                        let facts = facts_of(conn, &root.id).await?;
                        // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                        // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                        refuse(approval_violations(&facts, &prices, today))?;
                    }
                    let stamp = stamp(ctx, self.rpc, &self.request_id);
                    store::record_history(conn, &root.id, &stamp, &summary).await?;
                    Ok(answer(Some(provider_answer(conn, ctx, &root.id).await?)))
                })
            })
            .await
    }
}

/// A change of approval state: the RPC asking for it, its row of the state table, its reasons.
struct StateStep {
    rpc: Rpc,
    change: StateChange,
    reasons: Vec<String>,
}

/// Changes provider `provider_id`'s approval state as `step` says, once per `request_id`:
/// refuses a change from a state the transition does not start from, checks every approval
/// rule when the transition asks for it, records the reasons and the history, and answers
/// with `answer` of the provider.
async fn change_state<Req, Resp>(
    app: &App,
    ctx: &Ctx,
    step: StateStep,
    req: &Req,
    (request_id, provider_id): (&str, &str),
    answer: fn(Option<pb::Provider>) -> Resp,
) -> AppResult<Resp>
where
    Req: prost::Message,
    Resp: prost::Message + Default + Send + 'static,
{
    let change = Change::new(&app.db, ctx, request_id, req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let transition = step.change.transition();
    let today = ctx.today();
    let prices = if transition.checks_rules {
        Some(app.prices.in_force_on(ctx, today).await?)
    } else {
        None
    };
    let (body_ctx, request_id) = (ctx.clone(), request_id.to_owned());
    change
        .apply_to::<ProviderRoot, _, _>(provider_id, visible_to(&ctx.caller), move |conn, root| {
            Box::pin(async move {
                let ctx = body_ctx;
                access::may_act_on(&ctx.caller, step.rpc, &root.id)?;
                if !transition.from.contains(&root.state) {
                    return Err(not_in_state(step.rpc.name(), root.state));
                }
                if let Some(prices) = &prices {
                    let facts = facts_of(conn, &root.id).await?;
                    // PROV-DOCS, PROV-INSURANCE, PROV-STAFF-SOCIAL, PROV-STAFF-COACH, PROV-STAFF-WORK,
                    // PROV-SOTERI, KTT-COMPANY, PROV-PRICE, CAP-GROUP-SIZE
                    refuse(approval_violations(&facts, prices, today))?;
                }
                store::touch(conn, &root.id, ctx.now_micros()).await?;
                store::set_state(conn, &root.id, transition.to, &step.reasons).await?;
                let mut summary = format!("{} → {}", root.state.code(), transition.to.code());
                if !step.reasons.is_empty() {
                    summary = format!("{summary}: {}", step.reasons.join("; "));
                }
                let stamp = stamp(&ctx, step.rpc, &request_id);
                store::record_history(conn, &root.id, &stamp, &summary).await?;
                Ok(answer(Some(provider_answer(conn, &ctx, &root.id).await?)))
            })
        })
        .await
}

// ---------------------------------------------------------------------------------------------
// The RPCs.

/// CreateProvider: a new provider in state DRAFT.
pub async fn create_provider(
    app: &App,
    ctx: Ctx,
    req: pb::CreateProviderRequest,
) -> AppResult<pb::CreateProviderResponse> {
    access::may_call(&ctx.caller, Rpc::CreateProvider)?;
    let details = wire::details(req.details.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let request_id = req.request_id;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                store::insert_provider(conn, &id, &details, ctx.now_micros()).await?;
                let stamp = stamp(&ctx, Rpc::CreateProvider, &request_id);
                store::record_history(conn, &id, &stamp, "created as DRAFT").await?;
                Ok(pb::CreateProviderResponse {
                    provider: Some(provider_answer(conn, &ctx, &id).await?),
                })
            })
        })
        .await
}

/// GetProvider: one provider as the caller may see it; reading staff data is audited.
pub async fn get_provider(
    app: &App,
    ctx: Ctx,
    req: pb::GetProviderRequest,
) -> AppResult<pb::GetProviderResponse> {
    access::may_call(&ctx.caller, Rpc::GetProvider)?;
    let id = req.provider_id.trim();
    let detail = access::detail(&ctx.caller, id);
    let mut conn = app.db.pool().acquire().await?;
    let provider = store::load_provider(&mut conn, id, detail)
        .await?
        .filter(|p| access::may_see(&ctx.caller, id, p.state))
        .ok_or_else(|| not_found(id))?;
    drop(conn);
    if !provider.staff.is_empty() {
        // Staff names are personal data.
        let entry = Access {
            subject_kind: STAFF,
            subject_id: id,
            action: Rpc::GetProvider.name(),
            purpose: PURPOSE,
        };
        audit::record_read(&app.db, &ctx.caller, ctx.request_id(), entry).await?;
    }
    Ok(pb::GetProviderResponse {
        provider: Some(wire::provider_view(&provider, detail)),
    })
}

/// ListProviders: the providers the caller may see, by name.
pub async fn list_providers(
    app: &App,
    ctx: Ctx,
    req: pb::ListProvidersRequest,
) -> AppResult<pb::ListProvidersResponse> {
    access::may_call(&ctx.caller, Rpc::ListProviders)?;
    let state = ProviderState::optional("state", req.state)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let visibility = access::listing(&ctx.caller);
    let rows = store::list_providers(&mut conn, state, visibility, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |p| (p.details.name.clone(), p.id.clone()));
    Ok(pb::ListProvidersResponse {
        providers: rows
            .iter()
            // A list carries no staff or documents (not loaded); the details each caller may
            // see (access::detail): another provider's user no bank details or contact.
            .map(|p| wire::provider_view(p, access::detail(&ctx.caller, &p.id)))
            .collect(),
        next_page_token,
    })
}

/// UpdateProvider: replaces a provider's basic details.
pub async fn update_provider(
    app: &App,
    ctx: Ctx,
    req: pb::UpdateProviderRequest,
) -> AppResult<pb::UpdateProviderResponse> {
    let rpc = Rpc::UpdateProvider;
    access::may_call(&ctx.caller, rpc)?;
    let details = wire::details(req.details.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    let (caller, now) = (ctx.caller.clone(), ctx.now_micros());
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let current = store::load_provider(conn, id, Detail::Public)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("provider {id}")))?;
                // What is the county's stays the county's; a provider's new bank details wait.
                let (details, asked) =
                    access::owned_fields(&caller, current.state, &current.details, details)?;
                store::update_details(conn, id, &details).await?;
                match asked {
                    Some((iban, bic)) => {
                        let pending = PendingBank {
                            iban,
                            bic,
                            requested_at_micros: now,
                            requested_by: caller.subject.clone(),
                        };
                        store::set_pending_bank(conn, id, &pending).await?;
                        Ok(
                            "details replaced; new bank details wait for the county's approval"
                                .to_owned(),
                        )
                    }
                    None => {
                        if caller.role != Role::ProviderUser {
                            store::clear_pending_bank(conn, id).await?;
                        }
                        Ok("details replaced".to_owned())
                    }
                }
            })
        },
        |provider| pb::UpdateProviderResponse { provider },
    )
    .await
}

/// ApproveBankDetails: puts the bank details a provider's user asked for in force.
pub async fn approve_bank_details(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveBankDetailsRequest,
) -> AppResult<pb::ApproveBankDetailsResponse> {
    let rpc = Rpc::ApproveBankDetails;
    access::may_call(&ctx.caller, rpc)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                if !store::approve_pending_bank(conn, id).await? {
                    return Err(AppError::StateConflict(
                        "no bank details wait for approval".into(),
                    ));
                }
                Ok("bank details approved".to_owned())
            })
        },
        |provider| pb::ApproveBankDetailsResponse { provider },
    )
    .await
}

/// AddSite: a site, or for SK a worker's work location.
pub async fn add_site(
    app: &App,
    ctx: Ctx,
    req: pb::AddSiteRequest,
) -> AppResult<pb::AddSiteResponse> {
    let rpc = Rpc::AddSite;
    access::may_call(&ctx.caller, rpc)?;
    let site = wire::site(req.site.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let site_id = store::insert_site(conn, id, &site).await?;
                Ok(format!("site {site_id} ({}) added", site.name.trim()))
            })
        },
        |provider| pb::AddSiteResponse { provider },
    )
    .await
}

/// RemoveSite: removes a site.
pub async fn remove_site(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveSiteRequest,
) -> AppResult<pb::RemoveSiteResponse> {
    let rpc = Rpc::RemoveSite;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("site_id", &req.site_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| Box::pin(async move { remove(conn, ChildTable::Sites, id, &key).await }),
        |provider| pb::RemoveSiteResponse { provider },
    )
    .await
}

/// SetOffering: adds or replaces the offering of a service at the provider's own price. The
/// offering rules are checked whatever the provider's state, against today's ceiling prices.
pub async fn set_offering(
    app: &App,
    ctx: Ctx,
    req: pb::SetOfferingRequest,
) -> AppResult<pb::SetOfferingResponse> {
    let rpc = Rpc::SetOffering;
    access::may_call(&ctx.caller, rpc)?;
    let offering = wire::offering(req.offering.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let today = ctx.today();
    let prices = app.prices.in_force_on(&ctx, today).await?;
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, Some(prices.clone())).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let provider = store::load_provider(conn, id, Detail::Public)
                    .await?
                    .ok_or_else(|| not_found(id))?;
                let legal_form = provider.details.legal_form;
                // PROV-PRICE, CAP-GROUP-SIZE, KTT-COMPANY
                refuse(offering_violations(legal_form, &offering, &prices, today))?;
                store::upsert_offering(conn, id, &offering).await?;
                let (service, price) = (offering.service.code(), offering.unit_price());
                Ok(format!("offering {service} at {price} EUR"))
            })
        },
        |provider| pb::SetOfferingResponse { provider },
    )
    .await
}

/// RemoveOffering: stops offering a service.
pub async fn remove_offering(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveOfferingRequest,
) -> AppResult<pb::RemoveOfferingResponse> {
    let rpc = Rpc::RemoveOffering;
    access::may_call(&ctx.caller, rpc)?;
    let service = service_type("service_type", req.service_type)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move { remove(conn, ChildTable::Offerings, id, service.code()).await })
        },
        |provider| pb::RemoveOfferingResponse { provider },
    )
    .await
}

/// AddStaffMember: a staff member with a qualification; the write of staff data is audited.
pub async fn add_staff_member(
    app: &App,
    ctx: Ctx,
    req: pb::AddStaffMemberRequest,
) -> AppResult<pb::AddStaffMemberResponse> {
    let rpc = Rpc::AddStaffMember;
    access::may_call(&ctx.caller, rpc)?;
    let staff = wire::staff_member(req.staff_member.as_ref())?;
    // PROV-STAFF-SOCIAL: an other social-science degree counts once the county accepted it.
    if staff.degree_accepted_by_county {
        access::may_accept_degree(&ctx.caller)?;
    }
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    let (caller, correlation) = (ctx.caller.clone(), ctx.request_id().to_owned());
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let staff_id = store::insert_staff(conn, id, &staff).await?;
                let entry = Access {
                    subject_kind: STAFF,
                    subject_id: &staff_id,
                    action: rpc.name(),
                    purpose: PURPOSE,
                };
                audit::record(&mut *conn, &caller, &correlation, entry).await?;
                let qualification = staff.qualification.code();
                Ok(format!("staff member {staff_id} ({qualification}) added"))
            })
        },
        |provider| pb::AddStaffMemberResponse { provider },
    )
    .await
}

/// RemoveStaffMember: removes a staff member.
pub async fn remove_staff_member(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveStaffMemberRequest,
) -> AppResult<pb::RemoveStaffMemberResponse> {
    let rpc = Rpc::RemoveStaffMember;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("staff_member_id", &req.staff_member_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| Box::pin(async move { remove(conn, ChildTable::Staff, id, &key).await }),
        |provider| pb::RemoveStaffMemberResponse { provider },
    )
    .await
}

/// AddDocument: a document with its issue and expiry dates.
pub async fn add_document(
    app: &App,
    ctx: Ctx,
    req: pb::AddDocumentRequest,
) -> AppResult<pb::AddDocumentResponse> {
    let rpc = Rpc::AddDocument;
    access::may_call(&ctx.caller, rpc)?;
    let document = wire::document(req.document.as_ref())?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                let doc_id = store::insert_document(conn, id, &document).await?;
                Ok(format!(
                    "document {doc_id} ({}) added",
                    document.kind.code()
                ))
            })
        },
        |provider| pb::AddDocumentResponse { provider },
    )
    .await
}

/// RemoveDocument: removes a document.
pub async fn remove_document(
    app: &App,
    ctx: Ctx,
    req: pb::RemoveDocumentRequest,
) -> AppResult<pb::RemoveDocumentResponse> {
    let rpc = Rpc::RemoveDocument;
    access::may_call(&ctx.caller, rpc)?;
    let key = wire::child_key("document_id", &req.document_id)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move { remove(conn, ChildTable::Documents, id, &key).await })
        },
        |provider| pb::RemoveDocumentResponse { provider },
    )
    .await
}

/// SetSoteriClasses: replaces the provider's Soteri service classes.
pub async fn set_soteri_classes(
    app: &App,
    ctx: Ctx,
    req: pb::SetSoteriClassesRequest,
) -> AppResult<pb::SetSoteriClassesResponse> {
    let rpc = Rpc::SetSoteriClasses;
    access::may_call(&ctx.caller, rpc)?;
    let classes = wire::soteri_classes(&req.soteri_classes)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    let edit = Edit::prepare(app, &ctx, rpc, ids, None).await?;
    edit.apply(
        change,
        &req.provider_id,
        move |conn, id| {
            Box::pin(async move {
                store::replace_soteri(conn, id, &classes).await?;
                Ok(format!("Soteri classes {classes:?}"))
            })
        },
        |provider| pb::SetSoteriClassesResponse { provider },
    )
    .await
}

/// SubmitProvider: DRAFT or REJECTED → SUBMITTED, when every approval rule holds.
pub async fn submit_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SubmitProviderRequest,
) -> AppResult<pb::SubmitProviderResponse> {
    let rpc = Rpc::SubmitProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Submit,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::SubmitProviderResponse { provider }
    })
    .await
}

/// ApproveProvider: SUBMITTED → APPROVED after checking every approval rule again.
pub async fn approve_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ApproveProviderRequest,
) -> AppResult<pb::ApproveProviderResponse> {
    let rpc = Rpc::ApproveProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Approve,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::ApproveProviderResponse { provider }
    })
    .await
}

/// RejectProvider: SUBMITTED → REJECTED with reasons.
pub async fn reject_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RejectProviderRequest,
) -> AppResult<pb::RejectProviderResponse> {
    let rpc = Rpc::RejectProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Reject,
        reasons: wire::reasons("reasons", &req.reasons)?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::RejectProviderResponse { provider }
    })
    .await
}

/// SuspendProvider: APPROVED → SUSPENDED with a reason.
pub async fn suspend_provider(
    app: &App,
    ctx: Ctx,
    req: pb::SuspendProviderRequest,
) -> AppResult<pb::SuspendProviderResponse> {
    let rpc = Rpc::SuspendProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Suspend,
        reasons: wire::reasons("reason", std::slice::from_ref(&req.reason))?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::SuspendProviderResponse { provider }
    })
    .await
}

/// ResumeProvider: SUSPENDED → APPROVED after checking every approval rule again.
pub async fn resume_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ResumeProviderRequest,
) -> AppResult<pb::ResumeProviderResponse> {
    let rpc = Rpc::ResumeProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Resume,
        reasons: Vec::new(),
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::ResumeProviderResponse { provider }
    })
    .await
}

/// RevokeProvider: APPROVED or SUSPENDED → REVOKED, for good, with a reason.
pub async fn revoke_provider(
    app: &App,
    ctx: Ctx,
    req: pb::RevokeProviderRequest,
) -> AppResult<pb::RevokeProviderResponse> {
    let rpc = Rpc::RevokeProvider;
    access::may_call(&ctx.caller, rpc)?;
    let step = StateStep {
        rpc,
        change: StateChange::Revoke,
        reasons: wire::reasons("reason", std::slice::from_ref(&req.reason))?,
    };
    let ids = (req.request_id.as_str(), req.provider_id.as_str());
    change_state(app, &ctx, step, &req, ids, |provider| {
        pb::RevokeProviderResponse { provider }
    })
    .await
}

/// SearchProviders: approved providers offering a service within a radius of a point, nearest
/// first, each by its nearest place of service that counts (PROV-DISTANCE).
pub async fn search_providers(
    app: &App,
    ctx: Ctx,
    req: pb::SearchProvidersRequest,
) -> AppResult<pb::SearchProvidersResponse> {
    access::may_call(&ctx.caller, Rpc::SearchProviders)?;
    let q = wire::search_query(&req)?;
    let mut conn = app.db.pool().acquire().await?;
    let bounds = BoundingBox::around(q.near, q.radius_km);
    let candidates = store::search_candidates(&mut conn, q.service, bounds).await?;
    // PROV-DISTANCE: each provider by its nearest place of service that counts for the
    // service (`seteli_rules::geo::nearest_place`), within the radius.
    let mut by_provider: HashMap<String, Vec<Candidate>> = HashMap::new();
    for c in candidates {
        by_provider
            .entry(c.provider_id.clone())
            .or_default()
            .push(c);
    }
    let mut matches: Vec<(f64, Candidate)> = Vec::new();
    for places in by_provider.into_values() {
        let sites: Vec<&Site> = places.iter().map(|c| &c.site).collect();
        let Some((index, d)) = nearest_site(q.service, &sites, q.near) else {
            continue;
        };
        if d > q.radius_km {
            continue;
        }
        if let Some(c) = places.into_iter().nth(index) {
            matches.push((d, c));
        }
    }
    matches.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.name.cmp(&b.1.name)));
    matches.truncate(q.limit);
    Ok(pb::SearchProvidersResponse {
        matches: matches
            .iter()
            .map(|(d, c)| wire::match_view(*d, c))
            .collect(),
    })
}

/// CheckProviderForService: whether a provider may deliver a service to a client at a point
/// (approval, offering, the distance of its nearest place of service that counts), with the
/// facts the voucher service checks a choice against on its day (`seteli_rules::provider::
/// check_choice`): places of service, and documents for callers who may see them.
pub async fn check_provider_for_service(
    app: &App,
    ctx: Ctx,
    req: pb::CheckProviderForServiceRequest,
) -> AppResult<pb::CheckProviderForServiceResponse> {
    access::may_call(&ctx.caller, Rpc::CheckProviderForService)?;
    let (service, near) = wire::service_near(req.service_type, req.near.as_ref())?;
    let id = req.provider_id.trim();
    let detail = access::detail(&ctx.caller, id);
    let mut conn = app.db.pool().acquire().await?;
    let provider = store::load_provider(&mut conn, id, detail)
        .await?
        .filter(|p| access::may_see(&ctx.caller, id, p.state))
        .ok_or_else(|| not_found(id))?;
    let offering = provider.offerings.iter().find(|o| o.service == service);
    // PROV-DISTANCE
    let sites: Vec<&Site> = provider.sites.iter().collect();
    let nearest = nearest_site(service, &sites, near).map(|(_, d)| d);
    Ok(wire::check_view(&provider, offering, nearest, detail))
}

/// ListProviderHistory: who changed what on a provider, oldest first.
pub async fn list_provider_history(
    app: &App,
    ctx: Ctx,
    req: pb::ListProviderHistoryRequest,
) -> AppResult<pb::ListProviderHistoryResponse> {
    let rpc = Rpc::ListProviderHistory;
    access::may_call(&ctx.caller, rpc)?;
    let id = req.provider_id.trim();
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let after = page.after::<(i64, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    store::state_of(&mut conn, id)
        .await?
        .filter(|s| access::may_see(&ctx.caller, id, *s))
        .ok_or_else(|| not_found(id))?;
    access::may_act_on(&ctx.caller, rpc, id)?;
    let rows = store::list_history(&mut conn, id, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |e| (e.stamp.at_micros, e.id.clone()));
    Ok(pb::ListProviderHistoryResponse {
        entries: rows.iter().map(wire::history_view).collect(),
        next_page_token,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Config {
        let vars = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        let defaults = seteli_platform::config::ServiceDefaults {
            name: "providers",
            grpc_port: 50051,
            metrics_port: 9101,
        };
        Config::from_vars(defaults, vars).expect("config")
    }

    #[test]
    fn a_bad_setting_names_its_key() {
        let err = settings(&config(&[(CEILING_PRICES, "KTT_INDIVIDUAL=1")])).expect_err("bad");
        assert_eq!(err.key, CEILING_PRICES);
        let err = settings(&config(&[(VOUCHERS_URL, "not a url")])).expect_err("bad");
        assert_eq!(err.key, VOUCHERS_URL);
        assert!(settings(&config(&[(VOUCHERS_URL, "http://vouchers:50052")])).is_ok());
        assert!(settings(&config(&[])).is_ok());
    }

    #[test]
    fn only_the_offering_rules_are_checked_when_an_offering_is_set() {
        use seteli_rules::rule_ids;
        let offering = Offering {
            service: ServiceType::KttGroup,
            unit_price_cents: 9_001,
            max_group_size: Some(13),
        };
        let prices = CeilingPrices::parse("KTT_GROUP@2024-01-01=90.00").expect("prices");
        let today = NaiveDate::from_ymd_opt(2026, 6, 1).expect("date");
        let mut ids: Vec<&str> = offering_violations(LegalForm::Company, &offering, &prices, today)
            .iter()
            .map(|v| v.rule)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(
            ids,
            vec![
                rule_ids::CAP_GROUP_SIZE,
                rule_ids::KTT_COMPANY,
                rule_ids::PROV_PRICE
            ]
        );
        // An association may arrange KTT group coaching; a cooperative may not (KTT 1).
        let fine = Offering {
            unit_price_cents: 9_000,
            max_group_size: Some(12),
            ..offering
        };
        assert!(offering_violations(LegalForm::Association, &fine, &prices, today).is_empty());
        assert!(
            offering_violations(LegalForm::Cooperative, &fine, &prices, today)
                .iter()
                .all(|v| v.rule == rule_ids::KTT_COMPANY)
        );
    }

    #[test]
    fn the_nearest_site_is_the_rules_choice() {
        use crate::model::SiteKind;
        let site = |kind, latitude: f64| Site {
            id: String::new(),
            kind,
            name: String::new(),
            street_address: String::new(),
            postal_code: String::new(),
            municipality: String::new(),
            latitude,
            longitude: 27.6770,
        };
        let far = site(SiteKind::Site, 63.5);
        let bad = site(SiteKind::Site, 99.0);
        let worker = site(SiteKind::WorkerLocation, 62.9);
        let sites = vec![&bad, &far, &worker];
        let home = Coordinates::new(62.8924, 27.6770).expect("home");
        // SK counts the worker's location; KTT only the site (and never one without a position).
        let (i, d) = nearest_site(ServiceType::SkGroup, &sites, home).expect("sk");
        assert_eq!((i, d < 1.0), (2, true));
        let (i, d) = nearest_site(ServiceType::KttIndividual, &sites, home).expect("ktt");
        assert_eq!((i, d > 60.0), (1, true));
        assert!(nearest_site(ServiceType::KttIndividual, &[&worker], home).is_none());
    }
}
