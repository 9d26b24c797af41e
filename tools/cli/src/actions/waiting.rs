//! Waiting for the platform: the services follow each other's feeds asynchronously, so a step
//! may have to wait until the one before it has been followed.

use std::time::{Duration, Instant};

/// Polls `check` every 100 ms until it answers `Some`, for at most `limit`; the feeds between
/// services are followed asynchronously, so a step may have to wait for the one before it.
pub async fn eventually<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> anyhow::Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<Option<T>>>,
{
    let deadline = Instant::now() + limit;
    loop {
        if let Some(v) = check().await? {
            return Ok(v);
        }
        if Instant::now() >= deadline {
            anyhow::bail!("timed out after {limit:?} waiting for {what}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}
