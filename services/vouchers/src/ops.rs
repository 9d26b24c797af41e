//! The voucher service's workflows: validate → decide with `seteli_rules` → change through the
//! store. `api.rs` calls one function here per RPC; `jobs.rs` calls the sweep.
//!
//! Every change runs through [`seteli_platform::change::Change`]: once per `request_id`, in one
//! transaction that locks the voucher before reading it, writes the audit entry for the client
//! and appends to the change feed.

use chrono::{Datelike, NaiveDate};
use futures::future::BoxFuture;
use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::Coordinates;
use seteli_api::providers::v1 as ppb;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::audit::{self, Access, AccessOfMany};
use seteli_platform::auth::{Caller, Role};
use seteli_platform::change::{Change, lock_row};
use seteli_platform::client::require_provider_may_work;
use seteli_platform::convert::{PbEnum, date, service_type, store_date};
use seteli_platform::db::{Database, new_id};
use seteli_platform::error::refuse;
use seteli_platform::feed::Cursor;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult, FieldErrors};
use seteli_rules::eligibility::{
    EligibilityFacts, EmploymentPlan, FourDayRequest, NeedAssessment, PlanKind,
    UnemploymentBenefit, check_eligibility,
};
use seteli_rules::geo::{Coordinates as Point, nearest_place};
use seteli_rules::prices::CeilingPrices;
use seteli_rules::process::{ProcessConfig, ServiceStart, check_service_start};
use seteli_rules::provider::{ChoiceFacts, check_choice};
use seteli_rules::rule_ids::{SK_ELIG_NEED, VOUCHER_VALUE};
use seteli_rules::terms::{
    VoucherRequest, VoucherSpan, check_extension, check_terms_in_force, check_use_date,
};
use seteli_rules::{ServiceType, Violation};
use sqlx::AnyConnection;

use crate::access;
use crate::app::App;
use crate::model::{
    ChangeKind, ClientFacts, DecisionInput, Evaluated, ExistingVoucher, StartDates, VoucherState,
    decimal_hundredths, units_decimal,
};
use crate::store::{self, Choice, VoucherFilter, VoucherRow};
use crate::wire::{self, describe, required_id, required_text};

/// Attendance's usage feed this service follows (its row in `feed_cursors`).
const USAGE_FEED: Cursor = Cursor("attendance_usage");

/// Usage changes asked for per page.
const USAGE_PAGE: i32 = 500;

/// Subject kind of every audit entry this service writes.
const CLIENT: &str = "client";

// ------------------------------------------------------------------------------ clients

/// CreateClient.
pub async fn create_client(
    app: &App,
    ctx: Ctx,
    req: pb::CreateClientRequest,
) -> AppResult<pb::CreateClientResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let input = wire::validate_client(req.details.as_ref())?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                let id = new_id();
                store::insert_client(conn, &id, &input).await?;
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &id,
                    "CreateClient",
                    "client_register",
                )
                .await?;
                // The caller sent the full code; the answer does not echo it (least data).
                let client = store::load_client(conn, &id)
                    .await?
                    .map(wire::client_answer);
                Ok(pb::CreateClientResponse { client })
            })
        })
        .await
}

/// GetClient.
pub async fn get_client(
    app: &App,
    ctx: Ctx,
    req: pb::GetClientRequest,
) -> AppResult<pb::GetClientResponse> {
    ctx.caller.require(access::CLIENT_READERS)?;
    let id = required_id("client_id", &req.client_id)?;
    let mut conn = app.db.pool().acquire().await?;
    let not_found = || AppError::NotFound(format!("client {id}"));
    if let (Role::ProviderUser, Some(own)) = (ctx.caller.role, ctx.caller.provider_id.as_deref())
        && !store::client_has_voucher_with(
            &mut conn,
            &id,
            own,
            ctx.today() - chrono::Days::new(app.provider_access_after_end_days as u64),
        )
        .await?
    {
        return Err(not_found());
    }
    let client = store::load_client(&mut conn, &id)
        .await?
        .ok_or_else(not_found)?;
    drop(conn);
    let purpose = access::client_purpose(&ctx.caller);
    read_client(app, &ctx, &id, "GetClient", purpose).await?;
    let client = if ctx.caller.role == Role::ProviderUser {
        wire::client_for_provider(&client)
    } else {
        client
    };
    Ok(pb::GetClientResponse {
        client: Some(client),
    })
}

/// UpdateClient.
pub async fn update_client(
    app: &App,
    ctx: Ctx,
    req: pb::UpdateClientRequest,
) -> AppResult<pb::UpdateClientResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("client_id", &req.client_id)?;
    let input = wire::validate_client(req.details.as_ref())?;
    change
        .apply(move |conn| {
            Box::pin(async move {
                if !store::update_client(conn, &id, &input).await? {
                    return Err(AppError::NotFound(format!("client {id}")));
                }
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &id,
                    "UpdateClient",
                    "client_register",
                )
                .await?;
                let client = store::load_client(conn, &id)
                    .await?
                    .map(wire::client_answer);
                Ok(pb::UpdateClientResponse { client })
            })
        })
        .await
}

/// ListClients: by name; lists show the masked identity code only.
pub async fn list_clients(
    app: &App,
    ctx: Ctx,
    req: pb::ListClientsRequest,
) -> AppResult<pb::ListClientsResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let identity_code = if req.identity_code.trim().is_empty() {
        String::new()
    } else {
        seteli_rules::ids::parse_hetu(&req.identity_code)
            .map_err(|e| AppError::invalid("identity_code", e.to_string()))?
            .to_string()
    };
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_clients(&mut conn, &identity_code, after, page.fetch()).await?;
    drop(conn);
    let (mut clients, next_page_token) = page.cut(rows, |c| (c.name.clone(), c.id.clone()));
    let shown = clients.iter().map(|c| c.id.clone()).collect();
    read_clients(app, &ctx, shown, "ListClients", "client_register").await?;
    for c in &mut clients {
        c.identity_code.clear();
    }
    Ok(pb::ListClientsResponse {
        clients,
        next_page_token,
    })
}

// ------------------------------------------------------------------------------ prices

/// SetCeilingPrice: recorded with history, never overwritten.
pub async fn set_ceiling_price(
    app: &App,
    ctx: Ctx,
    req: pb::SetCeilingPriceRequest,
) -> AppResult<pb::SetCeilingPriceResponse> {
    ctx.caller.require(access::ADMIN)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let mut errors = FieldErrors::new();
    let service = errors.take(
        "service_type",
        service_type("service_type", req.service_type).map_err(describe),
    );
    let from = errors.take(
        "effective_from",
        date("effective_from", req.effective_from.as_ref()).map_err(describe),
    );
    let cents = req.unit_price.map(|m| m.cents);
    errors.check(
        !cents.is_some_and(|c| (1..=100_000_000).contains(&c)),
        "unit_price",
        "required: a positive amount of cents, at most 1 000 000 EUR",
    );
    errors.finish()?;
    let (Some(service), Some(from), Some(cents)) = (service, from, cents) else {
        return Err(AppError::invalid("service_type", "invalid"));
    };
    change
        .apply(move |conn| {
            Box::pin(async move {
                let row =
                    store::insert_price(conn, &ctx.caller, &req.request_id, service, from, cents)
                        .await?;
                Ok(pb::SetCeilingPriceResponse {
                    ceiling_price: Some(row.price),
                })
            })
        })
        .await
}

/// GetCeilingPrice: the price in force on a date (default today).
pub async fn get_ceiling_price(
    app: &App,
    ctx: Ctx,
    req: pb::GetCeilingPriceRequest,
) -> AppResult<pb::GetCeilingPriceResponse> {
    let service = service_type("service_type", req.service_type)?;
    let on = wire::optional_date("on", req.on.as_ref())?.unwrap_or_else(|| ctx.today());
    let mut conn = app.db.pool().acquire().await?;
    let row = store::price_on(&mut conn, service, on)
        .await?
        .ok_or_else(|| {
            AppError::NotFound(format!(
                "no ceiling price of {} in force on {on}",
                service.code()
            ))
        })?;
    Ok(pb::GetCeilingPriceResponse {
        ceiling_price: Some(row.price),
    })
}

/// ListCeilingPrices: the history, or the prices in force on a date.
pub async fn list_ceiling_prices(
    app: &App,
    _ctx: Ctx,
    req: pb::ListCeilingPricesRequest,
) -> AppResult<pb::ListCeilingPricesResponse> {
    let service = ServiceType::optional("service_type", req.service_type)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let mut conn = app.db.pool().acquire().await?;
    if let Some(on) = wire::optional_date("in_force_on", req.in_force_on.as_ref())? {
        let mut ceiling_prices = Vec::new();
        for s in ServiceType::ALL
            .into_iter()
            .filter(|s| service.is_none_or(|x| x == *s))
        {
            if let Some(row) = store::price_on(&mut conn, s, on).await? {
                ceiling_prices.push(row.price);
            }
        }
        return Ok(pb::ListCeilingPricesResponse {
            ceiling_prices,
            next_page_token: String::new(),
        });
    }
    let after = page.after::<(String, String, i64)>()?;
    let rows = store::list_prices(&mut conn, service, after, page.fetch()).await?;
    let (rows, next_page_token) = page.cut(rows, |last| {
        (last.service.clone(), last.effective_from.clone(), last.seq)
    });
    Ok(pb::ListCeilingPricesResponse {
        ceiling_prices: rows.into_iter().map(|r| r.price).collect(),
        next_page_token,
    })
}

// ------------------------------------------------------------------------------ vouchers

/// IssueVoucher: a decision checked against every rule at once becomes a voucher.
pub async fn issue_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::IssueVoucherRequest,
) -> AppResult<pb::IssueVoucherResponse> {
    ctx.caller.require(access::ISSUERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let decision = wire::validate_decision(req.decision.as_ref())?;
    let year = ctx.today().year();
    let (refusal_ctx, client_id) = (ctx.clone(), decision.client_id.clone());
    let answer: pb::GetVoucherResponse = change
        .apply(move |conn| {
            Box::pin(async move {
                // The client's issue lock first: overlap checks of one client's decisions run
                // one after the other (VOUCHER-EXTENSION).
                let client = store::lock_client_for_issue(conn, &decision.client_id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("client {}", decision.client_id)))?;
                // VOUCHER-VALUE: the ceiling price in force on the decision date.
                let price = store::price_on(conn, decision.service, decision.decision_date)
                    .await?
                    .map(|p| p.cents);
                let existing = store::client_vouchers(conn, &decision.client_id).await?;
                let evaluated = evaluate_decision(&decision, &client, price, &existing)?;
                let number = store::next_voucher_number(conn, year).await?;
                let id = new_id();
                store::insert_voucher(
                    conn,
                    &id,
                    &number,
                    &decision,
                    &evaluated,
                    &ctx.caller.subject,
                )
                .await?;
                audit_client(
                    conn,
                    &ctx,
                    &req.request_id,
                    &decision.client_id,
                    "IssueVoucher",
                    "voucher_issuance",
                )
                .await?;
                let v = store::load_voucher(conn, &id)
                    .await?
                    .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                append_change(conn, &ctx, &req.request_id, &v, None, ChangeKind::Issued).await?;
                Ok(pb::GetVoucherResponse {
                    voucher: Some(v.view),
                })
            })
        })
        .await
        .or_else_audit(
            app,
            &refusal_ctx,
            &client_id,
            "IssueVoucher",
            "voucher_issuance",
        )
        .await?;
    Ok(pb::IssueVoucherResponse {
        voucher: answer.voucher,
    })
}

/// A refusal that read a client's data (age, municipality, home, earlier vouchers) is an
/// access too (703/2023), but its transaction — and the audit entry written in it — rolled
/// back: [`AuditRefusal::or_else_audit`] records it again, on its own, before answering.
trait AuditRefusal<T> {
    /// On a rule refusal, records `action` on client `client_id`, then passes the result on.
    async fn or_else_audit(
        self,
        app: &App,
        ctx: &Ctx,
        client_id: &str,
        action: &str,
        purpose: &str,
    ) -> AppResult<T>;
}

impl<T> AuditRefusal<T> for AppResult<T> {
    async fn or_else_audit(
        self,
        app: &App,
        ctx: &Ctx,
        client_id: &str,
        action: &str,
        purpose: &str,
    ) -> AppResult<T> {
        if let Err(AppError::RuleViolations(_)) = &self {
            read_client(app, ctx, client_id, action, purpose).await?;
        }
        self
    }
}

/// GetVoucher: by id or number.
pub async fn get_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::GetVoucherRequest,
) -> AppResult<pb::GetVoucherResponse> {
    ctx.caller.require(access::VOUCHER_READERS)?;
    let mut conn = app.db.pool().acquire().await?;
    let (what, row) = if !req.voucher_id.trim().is_empty() {
        let id = req.voucher_id.trim();
        (id.to_owned(), store::load_voucher(&mut conn, id).await?)
    } else if !req.voucher_number.trim().is_empty() {
        let n = req.voucher_number.trim().to_ascii_uppercase();
        let row = store::load_voucher_by_number(&mut conn, &n).await?;
        (n, row)
    } else {
        return Err(AppError::invalid(
            "voucher_id",
            "required: a voucher id or a voucher number",
        ));
    };
    let (today, days) = (ctx.today(), app.provider_access_after_end_days);
    let v = row
        .filter(|v| access::may_read(&ctx.caller, v, today, days))
        .ok_or_else(|| AppError::NotFound(format!("voucher {what}")))?;
    drop(conn);
    read_client(app, &ctx, &v.client_id, "GetVoucher", "voucher_service").await?;
    Ok(pb::GetVoucherResponse {
        voucher: Some(wire::voucher_for(&ctx.caller, &v.view)),
    })
}

/// ListVouchers: newest first; a provider's user sees only its own provider's vouchers.
pub async fn list_vouchers(
    app: &App,
    ctx: Ctx,
    req: pb::ListVouchersRequest,
) -> AppResult<pb::ListVouchersResponse> {
    ctx.caller.require(access::VOUCHER_READERS)?;
    let page = Paging::read(req.page_size, &req.page_token, 50, 500)?;
    let state = VoucherState::optional("state", req.state)?;
    let mut filter = VoucherFilter {
        client_id: req.client_id.trim().to_owned(),
        provider_id: req.provider_id.trim().to_owned(),
        state: state.map(|s| s.code().to_owned()).unwrap_or_default(),
        valid_on_or_after: wire::optional_date("valid_from", req.valid_from.as_ref())?
            .map(store_date)
            .unwrap_or_default(),
        valid_on_or_before: wire::optional_date("valid_until", req.valid_until.as_ref())?
            .map(store_date)
            .unwrap_or_default(),
        ended_on_or_after: String::new(),
    };
    if let (Role::ProviderUser, Some(own)) = (ctx.caller.role, ctx.caller.provider_id.as_deref()) {
        if !filter.provider_id.is_empty() && filter.provider_id != own {
            return Ok(pb::ListVouchersResponse::default());
        }
        filter.provider_id = own.to_owned();
        // Ended vouchers only for the period after the end (access::may_read).
        filter.ended_on_or_after =
            store_date(ctx.today() - chrono::Days::new(app.provider_access_after_end_days as u64));
    }
    let before = page.after::<(i64, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_vouchers(&mut conn, &filter, before, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) =
        page.cut(rows, |last| (last.view.created_at_micros, last.id.clone()));
    let shown = rows.iter().map(|v| v.client_id.clone()).collect();
    read_clients(app, &ctx, shown, "ListVouchers", "voucher_service").await?;
    Ok(pb::ListVouchersResponse {
        vouchers: rows
            .iter()
            .map(|v| wire::voucher_for(&ctx.caller, &v.view))
            .collect(),
        next_page_token,
    })
}

/// ChooseProvider: the registry is asked for the provider's facts before the transaction, so
/// no lock is held over a network call; a retry is answered from the store first, even with the
/// registry down. Whether the provider may be chosen today is `seteli_rules::provider::
/// check_choice` (approved, offering the service, PROV-DOCS and PROV-INSURANCE in force on the
/// day of the choice, PROV-DISTANCE); an agreed start must be a day of the validity
/// (TERM-VALIDITY). The day of the choice is recorded: PROC-START counts from it.
pub async fn choose_provider(
    app: &App,
    ctx: Ctx,
    req: pb::ChooseProviderRequest,
) -> AppResult<pb::ChooseProviderResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    if let Some(first) = change.replay().await? {
        return Ok(first);
    }
    let id = required_id("voucher_id", &req.voucher_id)?;
    let provider_id = required_id("provider_id", &req.provider_id)?;
    let agreed_start_on = wire::optional_date("agreed_start_on", req.agreed_start_on.as_ref())?;
    let v = visible_voucher(app, &ctx.caller, &id).await?;
    let home = {
        let mut conn = app.db.pool().acquire().await?;
        store::load_client(&mut conn, &v.client_id)
            .await?
            .and_then(|c| c.home_coordinates)
            .ok_or_else(|| AppError::NotFound(format!("client {}", v.client_id)))?
    };
    let home = Point::new(home.latitude, home.longitude).map_err(|e| {
        AppError::Internal(anyhow::anyhow!("stored home coordinates are invalid: {e}"))
    })?;
    let exemption = v
        .view
        .decision
        .as_ref()
        .is_some_and(|d| d.distance_exemption.is_some());
    let check = app
        .providers
        .call(
            &ctx,
            ppb::CheckProviderForServiceRequest {
                provider_id: provider_id.clone(),
                service_type: v.service.to_pb(),
                near: Some(Coordinates {
                    latitude: home.lat,
                    longitude: home.lon,
                }),
            },
            |mut c, r| async move { c.check_provider_for_service(r).await },
        )
        .await?;
    let today = ctx.today();
    let documents = wire::provider_documents(&check);
    let places = wire::provider_places(&check);
    // PROVIDER-NOT-APPROVED, SERVICE-NOT-OFFERED, PROV-DOCS, PROV-INSURANCE, PROV-DISTANCE
    let mut violations = check_choice(&ChoiceFacts {
        provider_name: &check.name,
        service: v.service,
        approved: check.approved,
        offers_service: check.offers_service,
        uses_subcontractors: check.uses_subcontractors,
        documents: &documents,
        places: &places,
        home,
        distance_limit_km: app.distance_limit_km,
        distance_exemption: exemption,
        on: today,
    });
    // TERM-VALIDITY: the service starts only on a day of the validity.
    if let Some(start) = agreed_start_on {
        violations.extend(check_use_date(v.valid_from, v.valid_until, start));
    }
    // The client's home was read for PROV-DISTANCE: a refusal is recorded as an access.
    refuse(violations)
        .or_else_audit(app, &ctx, &v.client_id, "ChooseProvider", "voucher_service")
        .await?;
    let distance = nearest_place(v.service, &places, home).map_or(0.0, |p| p.distance_km);
    let choice = Choice {
        provider_id,
        provider_name: check.name.clone(),
        distance_km: (distance * 1000.0).round() / 1000.0,
        chosen_on: today,
        agreed_start_on,
    };
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "ChooseProvider",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if !store::choose_provider(conn, &v.id, &choice).await? {
                    return Err(not_in_state("choose a provider for", v.state));
                }
                Ok(vec![ChangeKind::ProviderChosen])
            })
        }),
    )
    .await?;
    Ok(pb::ChooseProviderResponse {
        voucher: Some(voucher),
    })
}

/// AcceptVoucher: the chosen provider takes the voucher on; the contract is made today. The
/// start checklist as of today (`seteli_rules::process::check_service_start`, not started yet):
/// PROC-START (the limit counted from the day of the choice has not passed), PROC-COACH (KTT:
/// the responsible coach is named at the contract), KTT-STEWARD (a notice date not after today).
pub async fn accept_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::AcceptVoucherRequest,
) -> AppResult<pb::AcceptVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    require_provider_may_work(&app.providers, &ctx).await?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let coach = optional_coach(&req.responsible_coach)?;
    let steward = wire::optional_date("steward_notified_on", req.steward_notified_on.as_ref())?;
    let own = ctx.caller.provider_id.clone().unwrap_or_default();
    let today = ctx.today();
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "AcceptVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                // PROC-START, PROC-COACH, KTT-STEWARD
                let dates = StartDates {
                    accepted_on: Some(today),
                    coach_named_on: (!coach.is_empty()).then_some(today),
                    steward_notified_on: steward,
                    started_on: None,
                    ..v.start
                };
                refuse(start_checklist(v, &dates, today))?;
                if !store::accept(conn, &v.id, &own, &coach, steward, today).await? {
                    return Err(not_in_state("accept", v.state));
                }
                Ok(vec![ChangeKind::Accepted])
            })
        }),
    )
    .await?;
    Ok(pb::AcceptVoucherResponse {
        voucher: Some(voucher),
    })
}

/// DeclineVoucher: the chosen provider says no, with a reason.
pub async fn decline_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::DeclineVoucherRequest,
) -> AppResult<pb::DeclineVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let own = ctx.caller.provider_id.clone().unwrap_or_default();
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "DeclineVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if !store::decline(conn, &v.id, &own, &reason).await? {
                    return Err(not_in_state("decline", v.state));
                }
                Ok(vec![ChangeKind::Declined])
            })
        }),
    )
    .await?;
    Ok(pb::DeclineVoucherResponse {
        voucher: Some(voucher),
    })
}

/// StartVoucher: the service starts on a day within the validity (TERM-VALIDITY), with the
/// start checklist (`seteli_rules::process::check_service_start`): PROC-START (by the agreed
/// start, or the limit counted from the day of the choice), PROC-COACH (SK: named by the start;
/// a coach named here is named on the start day) and KTT-STEWARD (KTT work activity: notified
/// no later than the start; a notice date never after the start nor after today).
pub async fn start_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::StartVoucherRequest,
) -> AppResult<pb::StartVoucherResponse> {
    ctx.caller.require(access::PROVIDER)?;
    require_provider_may_work(&app.providers, &ctx).await?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let mut errors = FieldErrors::new();
    let on = errors.take(
        "started_on",
        date("started_on", req.started_on.as_ref()).map_err(describe),
    );
    let coach = errors.take(
        "responsible_coach",
        optional_coach(&req.responsible_coach).map_err(describe),
    );
    let steward = errors.take(
        "steward_notified_on",
        wire::optional_date("steward_notified_on", req.steward_notified_on.as_ref())
            .map_err(describe),
    );
    errors.finish()?;
    let (Some(on), Some(coach), Some(steward)) = (on, coach, steward) else {
        return Err(AppError::invalid("started_on", "required"));
    };
    let today = ctx.today();
    // A start is recorded when it happened: a future start would skip the start checklist
    // (PROC-COACH, KTT-STEWARD are due by the start) and make the voucher ACTIVE too early.
    if on > today {
        return Err(AppError::invalid(
            "started_on",
            "must not be after today: record the start on the day it happens",
        ));
    }
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "StartVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                let (coach, dates) = started(v, on, &coach, steward);
                if v.state == VoucherState::Assigned {
                    // TERM-VALIDITY, PROC-START, PROC-COACH, KTT-STEWARD
                    let mut violations = check_use_date(v.valid_from, v.valid_until, on);
                    violations.extend(start_checklist(v, &dates, today));
                    refuse(violations)?;
                }
                if !store::start(conn, &v.id, on, &coach, &dates).await? {
                    return Err(not_in_state("start", v.state));
                }
                Ok(vec![ChangeKind::Started])
            })
        }),
    )
    .await?;
    Ok(pb::StartVoucherResponse {
        voucher: Some(voucher),
    })
}

/// RecordUnitsUsed (deprecated): refused. `attendance` is the only bookkeeper of the units
/// used; this service follows its usage feed ([`catch_up_usage`]), so a second way to count
/// would be bookkeeping that can disagree.
pub async fn record_units_used(
    _app: &App,
    ctx: Ctx,
    _req: pb::RecordUnitsUsedRequest,
) -> AppResult<pb::RecordUnitsUsedResponse> {
    ctx.caller.require(access::UNIT_RECORDERS)?;
    Err(AppError::StateConflict(
        "RecordUnitsUsed is retired: units are recorded as sessions in attendance \
         (seteli.attendance.v1 RecordSession), and the voucher shows attendance's count"
            .into(),
    ))
}

/// CompleteVoucher.
pub async fn complete_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::CompleteVoucherRequest,
) -> AppResult<pb::CompleteVoucherResponse> {
    ctx.caller.require(access::COMPLETERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let on = date("completed_on", req.completed_on.as_ref())?;
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "CompleteVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if !store::complete(conn, &v.id, on).await? {
                    return Err(not_in_state("complete", v.state));
                }
                Ok(vec![ChangeKind::Completed])
            })
        }),
    )
    .await?;
    Ok(pb::CompleteVoucherResponse {
        voucher: Some(voucher),
    })
}

/// InterruptVoucher: PROC-INTERRUPT records why and when.
pub async fn interrupt_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::InterruptVoucherRequest,
) -> AppResult<pb::InterruptVoucherResponse> {
    ctx.caller.require(access::INTERRUPTERS)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let mut errors = FieldErrors::new();
    let reason = errors.take(
        "reason",
        required_text("reason", &req.reason, 2000).map_err(describe),
    );
    let on = errors.take(
        "interrupted_on",
        date("interrupted_on", req.interrupted_on.as_ref()).map_err(describe),
    );
    errors.finish()?;
    let (Some(reason), Some(on)) = (reason, on) else {
        return Err(AppError::invalid("reason", "required"));
    };
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "InterruptVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if !store::interrupt(conn, &v.id, on, &reason).await? {
                    return Err(not_in_state("interrupt", v.state));
                }
                Ok(vec![ChangeKind::Interrupted])
            })
        }),
    )
    .await?;
    Ok(pb::InterruptVoucherResponse {
        voucher: Some(voucher),
    })
}

/// CancelVoucher: before the service started, as of today.
pub async fn cancel_voucher(
    app: &App,
    ctx: Ctx,
    req: pb::CancelVoucherRequest,
) -> AppResult<pb::CancelVoucherResponse> {
    ctx.caller.require(access::COUNTY_STAFF)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let reason = required_text("reason", &req.reason, 2000)?;
    let today = ctx.today();
    let voucher = change_voucher(
        change,
        &ctx,
        &req.request_id,
        "CancelVoucher",
        &id,
        Box::new(move |conn, v| {
            Box::pin(async move {
                if !store::cancel(conn, &v.id, today, &reason).await? {
                    return Err(not_in_state("cancel", v.state));
                }
                Ok(vec![ChangeKind::Cancelled])
            })
        }),
    )
    .await?;
    Ok(pb::CancelVoucherResponse {
        voucher: Some(voucher),
    })
}

/// ExpireVouchers: the sweep on demand (as of a date not after today).
pub async fn expire_vouchers(
    app: &App,
    ctx: Ctx,
    req: pb::ExpireVouchersRequest,
) -> AppResult<pb::ExpireVouchersResponse> {
    ctx.caller.require(access::ADMIN)?;
    let change = Change::new(&app.db, &ctx, &req.request_id, &req)?;
    let today = ctx.today();
    let as_of = wire::optional_date("as_of", req.as_of.as_ref())?.unwrap_or(today);
    if as_of > today {
        return Err(AppError::invalid("as_of", "must not be after today"));
    }
    change
        .apply(move |conn| {
            Box::pin(async move {
                let (expired, completed) =
                    expire_due(conn, &ctx, &req.request_id, as_of, i64::MAX).await?;
                Ok(pb::ExpireVouchersResponse {
                    expired_voucher_ids: expired,
                    completed_voucher_ids: completed,
                })
            })
        })
        .await
}

/// ListVoucherChanges: the feed after a sequence number, oldest first.
pub async fn list_voucher_changes(
    app: &App,
    ctx: Ctx,
    req: pb::ListVoucherChangesRequest,
) -> AppResult<pb::ListVoucherChangesResponse> {
    ctx.caller.require(access::FEED_READERS)?;
    if req.after_sequence < 0 {
        return Err(AppError::invalid("after_sequence", "must not be negative"));
    }
    let limit = seteli_platform::paging::page_size(req.page_size, 100, 1000)?;
    let provider = access::feed_scope(&ctx.caller);
    let mut conn = app.db.pool().acquire().await?;
    let changes = store::list_changes(&mut conn, req.after_sequence, &provider, limit).await?;
    drop(conn);
    // The snapshots are vouchers of clients: one entry naming every client of the page.
    let shown = changes
        .iter()
        .filter_map(|c| c.voucher.as_ref()?.client.as_ref())
        .map(|c| c.client_id.clone())
        .collect();
    read_clients(app, &ctx, shown, "ListVoucherChanges", "voucher_service").await?;
    let last_sequence = changes
        .last()
        .map(|c| c.sequence)
        .unwrap_or(req.after_sequence);
    Ok(pb::ListVoucherChangesResponse {
        changes,
        last_sequence,
    })
}

// ------------------------------------------------------------------------------ scheduled work

/// Applies every change of attendance's usage feed not applied yet; returns how many were
/// applied. Each page is one transaction that moves the stored cursor.
pub async fn catch_up_usage(app: &App) -> AppResult<usize> {
    let Some(ctx) = &app.feed_ctx else {
        return Ok(0);
    };
    let _one_at_a_time = app.feed_lock.lock().await;
    let mut total = 0;
    loop {
        let after = {
            let mut conn = app.db.pool().acquire().await?;
            USAGE_FEED.read(&mut conn).await?.0
        };
        let page = app
            .attendance
            .call(
                ctx,
                apb::ListUsageChangesRequest {
                    after_sequence: after,
                    page_size: USAGE_PAGE,
                },
                |mut c, r| async move { c.list_usage_changes(r).await },
            )
            .await?;
        let n = page.changes.len();
        if n == 0 {
            break;
        }
        total += apply_usage(&app.db, ctx, &page.changes).await?;
        if n < usize::try_from(USAGE_PAGE).unwrap_or(usize::MAX) {
            break;
        }
    }
    Ok(total)
}

/// Applies a page of usage changes in one transaction that moves the cursor: changes at or
/// below the stored cursor (applied by another replica meanwhile) are skipped, and so is a
/// change older than the voucher's last one applied (its `usage_version`). Each voucher is
/// locked before it is read; its units used are set to attendance's count (a UNITS_CHANGED
/// entry on this service's feed), and the first units start an ASSIGNED voucher on the
/// earliest day with units (STARTED): attendance admits sessions on ASSIGNED vouchers.
async fn apply_usage(db: &Database, ctx: &Ctx, changes: &[apb::UsageChange]) -> AppResult<usize> {
    let mut tx = db.begin_write().await?;
    let (mut last, _) = USAGE_FEED.lock(&mut tx).await?;
    let mut applied = 0usize;
    for change in changes {
        if change.sequence <= last {
            continue;
        }
        last = change.sequence;
        applied += 1;
        let used = change.units_used.map(|u| u.hundredths).unwrap_or_default();
        let first_used_on = change
            .first_used_on
            .as_ref()
            .and_then(|d| date("first_used_on", Some(d)).ok());
        lock_row(&mut tx, "vouchers", &change.voucher_id).await?;
        let Some(before) = store::load_voucher(&mut tx, &change.voucher_id).await? else {
            tracing::warn!(
                sequence = change.sequence,
                "a usage change of an unknown voucher; skipped"
            );
            continue;
        };
        // A change of this voucher made before the last one applied, standing after it in the
        // feed (a transaction that took its id first and committed second): older news.
        if change.usage_version > 0
            && !store::advance_usage_version(&mut tx, &before.id, change.usage_version).await?
        {
            continue;
        }
        if before.units_used == used {
            continue;
        }
        let request_id = format!("usage-{}", change.sequence);
        let mut kinds = Vec::new();
        if used > 0
            && before.state == VoucherState::Assigned
            && let Some(on) = first_used_on
            && store::start_by_usage(&mut tx, &before.id, on).await?
        {
            kinds.push(ChangeKind::Started);
        }
        store::set_units_used(&mut tx, &before.id, used).await?;
        kinds.push(ChangeKind::UnitsChanged);
        let after = store::load_voucher(&mut tx, &before.id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("voucher {}", before.id)))?;
        audit_client(
            &mut tx,
            ctx,
            &request_id,
            &after.client_id,
            "FollowUsage",
            "voucher_service",
        )
        .await?;
        for kind in kinds {
            append_change(&mut tx, ctx, &request_id, &after, None, kind).await?;
        }
    }
    USAGE_FEED.advance(&mut tx, last, applied).await?;
    tx.commit().await?;
    Ok(applied)
}

/// One expiry sweep as of today, as the service itself; returns how many vouchers expired and
/// completed.
pub async fn sweep_once(db: &Database, ctx: &Ctx) -> AppResult<(usize, usize)> {
    sweep_in_batches(db, ctx, SWEEP_BATCH)
        .await
        .map(|s| (s.expired, s.completed))
}

/// How many vouchers one transaction of the scheduled sweep changes at most.
pub const SWEEP_BATCH: i64 = 200;

/// What a scheduled sweep did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SweepOutcome {
    /// Vouchers expired unused.
    pub expired: usize,
    /// Vouchers completed.
    pub completed: usize,
    /// Transactions committed (each at most `batch` vouchers per transition).
    pub batches: usize,
}

/// The scheduled sweep as of today in transactions of at most `batch` vouchers per transition,
/// each committed before the next begins, so no lock is held long whatever is due.
pub async fn sweep_in_batches(db: &Database, ctx: &Ctx, batch: i64) -> AppResult<SweepOutcome> {
    let mut outcome = SweepOutcome {
        expired: 0,
        completed: 0,
        batches: 0,
    };
    loop {
        let mut tx = db.begin_write().await?;
        let request_id = format!("sweep-{}", new_id());
        let (expired, completed) =
            expire_due(&mut tx, ctx, &request_id, ctx.today(), batch).await?;
        tx.commit().await?;
        outcome.batches += 1;
        outcome.expired += expired.len();
        outcome.completed += completed.len();
        if (expired.len() as i64) < batch && (completed.len() as i64) < batch {
            return Ok(outcome);
        }
    }
}

/// Dev convenience (`SETELI_SEED_CEILING_PRICES`): when the price list is empty, records these
/// prices so a local platform can issue vouchers at once. Production prices are set by a
/// county administrator (SetCeilingPrice), with history.
pub async fn seed_prices(db: &Database, prices: &CeilingPrices) -> anyhow::Result<()> {
    if prices.entries().is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    if store::count_prices(&mut tx).await? > 0 {
        return Ok(());
    }
    let caller = Caller::system("price-seed");
    for (service, from, price) in prices.entries() {
        let cents = seteli_rules::money::to_cents(*price).ok_or_else(|| {
            anyhow::anyhow!("SETELI_SEED_CEILING_PRICES: {price} is not whole cents")
        })?;
        store::insert_price(&mut tx, &caller, "seed", *service, *from, cents)
            .await
            .map_err(|e| anyhow::anyhow!("seeding ceiling prices: {e}"))?;
    }
    tx.commit().await?;
    tracing::info!(
        prices = prices.entries().len(),
        "seeded the empty ceiling price list (dev)"
    );
    Ok(())
}

/// Expires the vouchers whose end passed unused and completes the used ones (as of `as_of`),
/// with an audit entry and a feed entry for each; every transition is a conditional update, so
/// concurrent sweeps (several replicas, or the RPC beside the scheduled sweep) change each
/// voucher once.
async fn expire_due(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    as_of: NaiveDate,
    limit: i64,
) -> AppResult<(Vec<String>, Vec<String>)> {
    let (expired, completed) = store::sweep(conn, as_of, limit).await?;
    let changes = expired
        .iter()
        .map(|id| (id, ChangeKind::Expired))
        .chain(completed.iter().map(|id| (id, ChangeKind::Completed)));
    for (id, kind) in changes {
        let v = store::load_voucher(conn, id)
            .await?
            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
        audit_client(
            conn,
            ctx,
            request_id,
            &v.client_id,
            "ExpireVouchers",
            "voucher_service",
        )
        .await?;
        append_change(conn, ctx, request_id, &v, None, kind).await?;
    }
    Ok((expired, completed))
}

// ------------------------------------------------------------------------------ helpers

/// One change of a voucher, run inside [`change_voucher`]: gets the voucher as locked and
/// loaded in the transaction, makes its conditional UPDATE, and returns the feed entries.
type VoucherOp = Box<
    dyn for<'t> FnOnce(
            &'t mut AnyConnection,
            &'t VoucherRow,
        ) -> BoxFuture<'t, AppResult<Vec<ChangeKind>>>
        + Send,
>;

/// Changes voucher `id` through `change`: locks and loads it (NOT_FOUND when the caller may
/// not see it), applies `op`, audits the client access, appends the feed entries and answers
/// with the voucher as the caller may see it.
async fn change_voucher(
    change: Change<'_>,
    ctx: &Ctx,
    request_id: &str,
    action: &'static str,
    id: &str,
    op: VoucherOp,
) -> AppResult<pb::Voucher> {
    let caller = ctx.caller.clone();
    let (ctx, request_id) = (ctx.clone(), request_id.to_owned());
    let answer: pb::GetVoucherResponse = change
        .apply_to(
            id,
            |v: &VoucherRow| access::may_see(&caller, v),
            move |conn, before: VoucherRow| {
                Box::pin(async move {
                    let (ctx, request_id) = (&ctx, request_id.as_str());
                    let kinds = op(conn, &before).await?;
                    let after = store::load_voucher(conn, &before.id)
                        .await?
                        .ok_or_else(|| AppError::NotFound(format!("voucher {}", before.id)))?;
                    audit_client(
                        conn,
                        ctx,
                        request_id,
                        &after.client_id,
                        action,
                        "voucher_service",
                    )
                    .await?;
                    for kind in kinds {
                        append_change(
                            conn,
                            ctx,
                            request_id,
                            &after,
                            before.chosen_provider.as_deref(),
                            kind,
                        )
                        .await?;
                    }
                    Ok(pb::GetVoucherResponse {
                        voucher: Some(wire::voucher_for(&ctx.caller, &after.view)),
                    })
                })
            },
        )
        .await?;
    answer
        .voucher
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored answer has no voucher")))
}

/// Appends a change of `v` to the feed, carrying the feed's view of the voucher.
async fn append_change(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &VoucherRow,
    previous_provider: Option<&str>,
    kind: ChangeKind,
) -> AppResult<i64> {
    let snapshot = wire::feed_view(&v.view);
    store::append_change(
        conn,
        v,
        &snapshot,
        previous_provider,
        kind,
        &ctx.caller,
        request_id,
    )
    .await
}

/// Loads a voucher the caller may see, outside a transaction.
async fn visible_voucher(app: &App, caller: &Caller, id: &str) -> AppResult<VoucherRow> {
    let mut conn = app.db.pool().acquire().await?;
    store::load_voucher(&mut conn, id)
        .await?
        .filter(|v| access::may_see(caller, v))
        .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))
}

fn not_in_state(verb: &str, state: VoucherState) -> AppError {
    AppError::StateConflict(format!("cannot {verb} a voucher that is {}", state.code()))
}

/// Records a read of a client's personal data before it is answered (DESIGN.md, Security;
/// 703/2023), grouped with the other reads of the moment ([`audit::record_read`]).
async fn read_client(
    app: &App,
    ctx: &Ctx,
    client_id: &str,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    let access = Access {
        subject_kind: CLIENT,
        subject_id: client_id,
        action,
        purpose,
    };
    audit::record_read(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records a read that showed several clients (a list, a feed page) as one entry naming them
/// all ([`audit::record_read_of_many`]).
async fn read_clients(
    app: &App,
    ctx: &Ctx,
    client_ids: Vec<String>,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    let access = AccessOfMany {
        subject_kind: CLIENT,
        subject_ids: client_ids,
        action,
        purpose,
    };
    audit::record_read_of_many(&app.db, &ctx.caller, ctx.request_id(), access).await
}

/// Records an access to a client's personal data inside a change's transaction (DESIGN.md,
/// Security; 703/2023).
async fn audit_client(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    client_id: &str,
    action: &str,
    purpose: &str,
) -> AppResult<()> {
    audit::record(
        &mut *conn,
        &ctx.caller,
        request_id,
        Access {
            subject_kind: CLIENT,
            subject_id: client_id,
            action,
            purpose,
        },
    )
    .await
}

/// A responsible coach's name as given (trimmed; empty when none is named).
fn optional_coach(given: &str) -> AppResult<String> {
    let coach = given.trim();
    if coach.chars().count() > 200 {
        return Err(AppError::invalid(
            "responsible_coach",
            "at most 200 characters",
        ));
    }
    Ok(coach.to_owned())
}

/// The coach and the checklist dates of voucher `v` started `on`: a coach given now (other than
/// the one named) is named on the start day, a steward notice given now replaces the recorded
/// one.
fn started(
    v: &VoucherRow,
    on: NaiveDate,
    coach: &str,
    steward: Option<NaiveDate>,
) -> (String, StartDates) {
    let renamed = !coach.is_empty() && coach != v.responsible_coach;
    let dates = StartDates {
        coach_named_on: if renamed {
            Some(on)
        } else {
            v.start.coach_named_on
        },
        steward_notified_on: steward.or(v.start.steward_notified_on),
        started_on: Some(on),
        ..v.start
    };
    let coach = if renamed { coach } else { &v.responsible_coach };
    (coach.to_owned(), dates)
}

/// The start checklist of voucher `v` with `dates` as of `today`
/// (`seteli_rules::process::check_service_start`: PROC-START, PROC-COACH, KTT-STEWARD).
fn start_checklist(v: &VoucherRow, dates: &StartDates, today: NaiveDate) -> Vec<Violation> {
    // A choice or a coach recorded before their dates were stored: PROC-START counts from today
    // (it cannot fail, as before) and the coach counts as named before anything.
    let coach_named = !v.responsible_coach.is_empty() || dates.coach_named_on.is_some();
    let coach_named_on = dates
        .coach_named_on
        .or_else(|| coach_named.then_some(NaiveDate::MIN));
    check_service_start(
        &ServiceStart {
            service: v.service,
            provider_chosen_on: dates.provider_chosen_on.unwrap_or(today),
            agreed_start: dates.agreed_start_on,
            started_on: dates.started_on,
            as_of: today,
            contract_made_on: dates.accepted_on,
            responsible_coach_named_on: coach_named_on,
            steward_notified_on: dates.steward_notified_on,
        },
        &ProcessConfig::default(),
    )
}

/// Checks a decision against every rule at once: eligibility, terms, value and extension.
/// `price_cents` is the ceiling price in force on the decision date, if any.
fn evaluate_decision(
    d: &DecisionInput,
    client: &ClientFacts,
    price_cents: Option<i64>,
    existing: &[ExistingVoucher],
) -> Result<Evaluated, AppError> {
    let r = &d.recorded;
    let plan = r.employment_plan.as_ref().and_then(|p| {
        let kind = match pb::PlanKind::try_from(p.kind) {
            Ok(pb::PlanKind::ActivationPlan) => PlanKind::ActivationPlan,
            Ok(pb::PlanKind::MultiSectoralEmploymentPlan) => PlanKind::MultiSectoralEmploymentPlan,
            _ => return None,
        };
        Some(EmploymentPlan {
            kind,
            reference: p.reference.as_str(),
        })
    });
    let benefit = match pb::UnemploymentBenefit::try_from(r.unemployment_benefit) {
        Ok(pb::UnemploymentBenefit::LabourMarketSubsidy) => {
            UnemploymentBenefit::LabourMarketSubsidy
        }
        Ok(pb::UnemploymentBenefit::SocialAssistance) => UnemploymentBenefit::SocialAssistance,
        _ => UnemploymentBenefit::None,
    };
    // SK-ELIG-NEED: the rules crate takes the assessment's findings; the decision must also
    // record the assessment's reference (RULES.md: "a … service-need assessment identified").
    // An assessment without a reference counts as none.
    let need = r
        .need_assessment
        .as_ref()
        .filter(|n| !n.reference.trim().is_empty())
        .map(|n| NeedAssessment {
            social_rehabilitation_need: n.social_rehabilitation_need,
            daily_living_need: n.daily_living_need,
        });
    let missing_need_reference = d.service.is_sk()
        && r.need_assessment
            .as_ref()
            .is_some_and(|n| n.reference.trim().is_empty());
    let four_day = r.four_day_variant.as_ref().map(|v| FourDayRequest {
        not_entitled_to_ktt: v.not_entitled_to_ktt,
        justification: v.justification.as_str(),
    });

    // ELIG-AGE, ELIG-RESIDENCE, KTT-ELIG-UNEMPLOYED, KTT-ELIG-PLAN, SK-ELIG-NEED, SK-TTV-4DAYS
    let mut violations = check_eligibility(&EligibilityFacts {
        service: d.service,
        start_date: d.valid_from,
        birth_date: client.birth_date,
        municipality: &client.municipality,
        job_search_in_force: r.job_search_in_force,
        benefit,
        plan,
        need_assessment: need,
        four_day_variant: four_day,
    });
    if missing_need_reference && !violations.iter().any(|v| v.rule == SK_ELIG_NEED) {
        violations.push(Violation::of(
            SK_ELIG_NEED,
            "Päätökseen on kirjattava palvelutarpeen arvioinnin viite.",
            "The decision must record the reference of the service-need assessment.",
        ));
    }

    // TERM-VALIDITY, CAP-UNITS, CAP-WEEKLY, SK-TTV-4DAYS, VOUCHER-VALUE
    let terms = match check_terms_in_force(&VoucherRequest {
        service: d.service,
        decision_date: d.decision_date,
        valid_from: d.valid_from,
        valid_until: d.valid_until,
        units: units_decimal(d.units),
        weekly_cap: d.weekly_cap.map(units_decimal),
        unit_price: price_cents
            .map(seteli_rules::money::from_cents)
            .unwrap_or_default(),
        four_day_variant: four_day.is_some(),
    }) {
        Ok(terms) => terms,
        // RULEBOOK-IN-FORCE: no rulebook covers the decision date; reported with the rest.
        Err(refusal) => {
            violations.extend(refusal);
            return Err(AppError::RuleViolations(violations));
        }
    };
    let rulebook = seteli_rules::rulebook_for(d.service, d.decision_date)
        .map_err(|e| AppError::RuleViolations(vec![e.violation()]))?;
    let price_missing = price_cents.is_none();
    for v in terms.violations {
        // The rules crate reports a zero price as VOUCHER-VALUE; with no price at all the
        // message below says what is really missing.
        if price_missing && v.rule == VOUCHER_VALUE {
            continue;
        }
        violations.push(v);
    }
    // VOUCHER-VALUE: value = units × the ceiling price in force on the decision date.
    if price_missing {
        violations.push(Violation::of(
            VOUCHER_VALUE,
            format!(
                "Palvelulle {} ei ole päätöspäivänä {} voimassa olevaa kattohintaa, joten setelin \
                 arvoa ei voi laskea.",
                d.service.code(),
                d.decision_date
            ),
            format!(
                "No ceiling price of {} is in force on the decision date {}: the voucher's value \
                 cannot be computed.",
                d.service.code(),
                d.decision_date
            ),
        ));
    }

    // VOUCHER-EXTENSION
    let new_id = "(new)";
    let spans: Vec<VoucherSpan<'_>> = existing
        .iter()
        .filter(|e| e.held || d.continues.as_deref() == Some(e.id.as_str()))
        .map(|e| VoucherSpan {
            id: &e.id,
            service: e.service,
            valid_from: e.valid_from,
            valid_until: e.valid_until,
            continues: None,
        })
        .collect();
    violations.extend(check_extension(
        &VoucherSpan {
            id: new_id,
            service: d.service,
            valid_from: d.valid_from,
            valid_until: d.valid_until,
            continues: d.continues.as_deref(),
        },
        &spans,
    ));

    if !violations.is_empty() {
        return Err(AppError::RuleViolations(violations));
    }
    let unit_price_cents = price_cents.unwrap_or_default();
    let value_cents = seteli_rules::money::to_cents(terms.value).ok_or_else(|| {
        AppError::invalid(
            "decision.granted_units",
            "the voucher's value is out of range",
        )
    })?;
    let weekly_cap = match terms.weekly_cap {
        Some(w) => Some(
            decimal_hundredths(w)
                .ok_or_else(|| AppError::invalid("decision.weekly_cap", "at most two decimals"))?,
        ),
        None => None,
    };
    Ok(Evaluated {
        rulebook_code: terms.rulebook_code,
        rulebook_version: terms.rulebook_version,
        rulebook_effective_from: rulebook.effective_from,
        weekly_cap,
        unit_price_cents,
        value_cents,
    })
}
