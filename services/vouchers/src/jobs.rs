//! What the service does on its own schedule: the expiry sweep, following attendance's usage
//! feed and the registry's change feed. Stopped by the drain.

use std::time::Duration;

use seteli_platform::clock::Clock;
use seteli_platform::db::Database;
use seteli_platform::rpc::Ctx;

use crate::app::App;
use crate::ops;

/// Runs the expiry sweep every `every` as the service's own `system:expiry-sweep` identity.
/// Safe with several replicas: each voucher's transition is one conditional update. An unused
/// voucher expires only `grace_days` after its last valid day (late records).
pub async fn sweep_periodically(db: Database, clock: Clock, every: Duration, grace_days: i64) {
    let ctx = Ctx::system("expiry-sweep", clock);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticker.tick().await;
        let swept = ops::sweep_with_grace(&db, &ctx, ops::SWEEP_BATCH, grace_days).await;
        match swept.map(|s| (s.expired, s.completed)) {
            Ok((expired, completed)) if expired + completed > 0 => {
                tracing::info!(expired, completed, "expiry sweep");
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "expiry sweep failed; next run retries"),
        }
    }
}

/// Follows `seteli.attendance.v1` ListUsageChanges every `every`: the units used each voucher
/// shows are attendance's count. Restart-safe and safe with several replicas: each page is
/// applied in one transaction that moves the stored cursor, so a change is applied exactly
/// once whoever applies it ([`seteli_platform::feed::Follower::run`]).
pub async fn follow_usage(app: App, every: Duration) {
    app.usage_feed.run(every).await;
}

/// Follows `seteli.providers.v1` ListProviderChanges every `every` into the service's copy of
/// the registry (whether a provider may work). Restart-safe and safe with several replicas, as
/// [`follow_usage`].
pub async fn follow_providers(app: App, every: Duration) {
    app.followed_providers.run(every).await;
}
