//! What the service does on its own schedule: following the voucher feed and attendance's alert
//! feed. Stopped by the drain.

use std::time::Duration;

use crate::app::App;

/// Follows `seteli.vouchers.v1` ListVoucherChanges every `every`. Restart-safe and safe with
/// several replicas: each page is applied in one transaction that moves the stored cursor, so
/// a change is applied exactly once whoever applies it
/// ([`seteli_platform::feed::Follower::run`]).
pub async fn follow_vouchers(app: App, every: Duration) {
    app.voucher_feed.run(every).await;
}

/// Follows `seteli.attendance.v1` ListAlertChanges every `every`, turning the alerts the social
/// worker must know of into notices ([`crate::ops::catch_up_alerts`]); restart-safe and
/// safe with several replicas in the same way as [`follow_vouchers`].
pub async fn follow_attendance(app: App, every: Duration) {
    app.attendance.alerts.run(every).await;
}
