//! What the service does on its own schedule: telling `attendance` which items were invoiced
//! when it could not be told at generation. Stopped by the drain.

use std::time::Duration;

use crate::app::App;
use crate::ops;

/// Every `every`, tells attendance of the documents it has not been told of yet
/// (MarkItemsInvoiced; idempotent on attendance's side, so a repeat is harmless).
pub async fn mark_invoiced(app: App, every: Duration) {
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failing = false;
    loop {
        ticker.tick().await;
        match ops::mark_pending(&app).await {
            Ok(n) => {
                if n > 0 {
                    tracing::info!(documents = n, "attendance told of invoiced items");
                }
                failing = false;
            }
            Err(e) => {
                if !failing {
                    tracing::warn!(error = %e, "cannot tell attendance of invoiced items; retrying");
                }
                failing = true;
            }
        }
    }
}
