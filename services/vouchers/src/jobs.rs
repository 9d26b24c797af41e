//! What the service does on its own: the scheduled expiry sweep and the dev price seed.

use std::time::Duration;

use seteli_platform::AppError;
use seteli_platform::auth::Caller;
use seteli_platform::db::{Database, new_id};
use seteli_rules::prices::CeilingPrices;

use crate::{api, domain, store};

/// Runs the expiry sweep every `every` (ExpireVouchers as the service itself). Safe with
/// several replicas: each voucher's transition is one conditional update.
pub async fn sweep_periodically(db: Database, every: Duration) {
    let caller = Caller::system("expiry-sweep");
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        match sweep_once(&db, &caller).await {
            Ok((expired, completed)) if expired + completed > 0 => {
                tracing::info!(expired, completed, "expiry sweep");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed; next run retries"),
        }
    }
}

/// One sweep as of today; returns how many vouchers expired and completed.
pub async fn sweep_once(db: &Database, caller: &Caller) -> Result<(usize, usize), AppError> {
    let mut tx = db.pool().begin().await?;
    let request_id = format!("sweep-{}", new_id());
    let (expired, completed) =
        api::expire_due(&mut tx, caller, &request_id, domain::today_in_finland()).await?;
    tx.commit().await?;
    Ok((expired.len(), completed.len()))
}

/// Dev convenience (`SETELI_SEED_CEILING_PRICES`): when the price list is empty, records these
/// prices so a local platform can issue vouchers at once. Production prices are set by a
/// county administrator (SetCeilingPrice), with history.
pub async fn seed_prices(db: &Database, prices: &CeilingPrices) -> anyhow::Result<()> {
    if prices.entries().is_empty() {
        return Ok(());
    }
    let mut tx = db.pool().begin().await?;
    let (count,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM ceiling_prices")
        .fetch_one(&mut *tx)
        .await?;
    if count > 0 {
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
