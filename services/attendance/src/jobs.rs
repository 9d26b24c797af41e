//! What the service does on its own schedule: following the voucher feed and the registry's
//! change feed, and recounting the units of vouchers whose agreed sessions' day has come.
//! Stopped by the drain.

use std::time::Duration;

use crate::app::App;
use crate::ops;

/// Follows `seteli.vouchers.v1` ListVoucherChanges every `every`. Restart-safe and safe with
/// several replicas: each page is applied in one transaction that moves the stored cursor, so
/// a change is applied exactly once whoever applies it
/// ([`seteli_platform::feed::Follower::run`]).
pub async fn follow_vouchers(app: App, every: Duration) {
    app.voucher_feed.run(every).await;
}

/// Follows `seteli.providers.v1` ListProviderChanges every `every` into the service's copy of
/// the registry (whether a provider may work, its offerings). Restart-safe and safe with
/// several replicas, as [`follow_vouchers`].
pub async fn follow_providers(app: App, every: Duration) {
    app.followed_providers.run(every).await;
}

/// Every `every` (and at once on start), moves the units of agreed sessions whose day has come
/// from reserved to used ([`ops::recount_due`], RULES.md §10). Safe with several replicas: a
/// voucher recounted today is not due again.
pub async fn recount_usage(app: App, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        match ops::recount_due(&app.db, app.clock.today()).await {
            Ok(recounted) => {
                if recounted > 0 {
                    tracing::info!(recounted, "agreed sessions realised: units recounted");
                }
                failing = false;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot recount the units of realised sessions; retrying");
                }
                failing = true;
            }
        }
    }
}
