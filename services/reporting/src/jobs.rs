//! What the service does on its own schedule: following the voucher feed and attendance's alert
//! feed. Stopped by the drain.

use std::time::Duration;

use crate::app::App;
use crate::ops;

/// Follows `seteli.vouchers.v1` ListVoucherChanges every `every`. Restart-safe and safe with
/// several replicas: each page is applied in one transaction that moves the stored cursor, so
/// a change is applied exactly once whoever applies it.
pub async fn follow_vouchers(app: App, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        match ops::catch_up(&app).await {
            Ok(applied) => {
                if applied > 0 {
                    tracing::debug!(applied, "voucher changes applied");
                }
                if failing {
                    tracing::info!("voucher feed reachable again");
                }
                failing = false;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot follow the voucher feed; retrying");
                }
                failing = true;
            }
        }
    }
}

/// Follows `seteli.attendance.v1` ListAlertChanges every `every`, turning the alerts the social
/// worker must know of into notices ([`crate::ops::catch_up_alerts`]); restart-safe and
/// safe with several replicas in the same way as [`follow_vouchers`].
pub async fn follow_attendance(app: App, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        match ops::catch_up_alerts(&app).await {
            Ok(applied) => {
                if applied > 0 {
                    tracing::debug!(applied, "attendance alert changes applied");
                }
                if failing {
                    tracing::info!("attendance alert feed reachable again");
                }
                failing = false;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot follow the attendance alert feed; retrying");
                }
                failing = true;
            }
        }
    }
}
