//! The county's ceiling prices: recorded with history (never overwritten), the price in force
//! on a day, the history, and the dev seed of an empty list.

use seteli_api::vouchers::v1 as pb;
use seteli_platform::auth::Caller;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, date, service_type};
use seteli_platform::db::Database;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult, FieldErrors};
use seteli_rules::ServiceType;
use seteli_rules::prices::CeilingPrices;

use crate::access;
use crate::app::App;
use crate::store;
use crate::wire;

/// SetCeilingPrice: recorded with history, never overwritten.
pub async fn set_ceiling_price(
    app: &App,
    ctx: Ctx,
    req: pb::SetCeilingPriceRequest,
) -> AppResult<pb::SetCeilingPriceResponse> {
    ctx.caller.require(access::ADMIN)?;
    let change = Change::new(&app.db, &ctx, &req)?;
    let mut errors = FieldErrors::new();
    let service = errors.take(
        "service_type",
        service_type("service_type", req.service_type).map_err(AppError::describe),
    );
    let from = errors.take(
        "effective_from",
        date("effective_from", req.effective_from.as_ref()).map_err(AppError::describe),
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
