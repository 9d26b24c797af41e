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

/// What `fetch` lists; with `wait` seconds, asked again every 200 ms while `empty` says it holds
/// nothing, until the time is up (then the empty list): a list of what a service derives from
/// another's change, which it follows within a second or so.
pub async fn listed<L, F, Fut>(
    wait: u64,
    mut fetch: F,
    empty: impl Fn(&L) -> bool,
) -> anyhow::Result<L>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<L>>,
{
    let deadline = Instant::now() + Duration::from_secs(wait);
    loop {
        let list = fetch().await?;
        if !empty(&list) || Instant::now() >= deadline {
            return Ok(list);
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn waits_until_the_check_answers() {
        let mut calls = 0;
        let v = eventually("the third call", Duration::from_secs(5), || {
            calls += 1;
            let n = calls;
            async move { anyhow::Ok((n == 3).then_some(n)) }
        })
        .await
        .expect("answered in time");
        assert_eq!(v, 3);
        assert_eq!(calls, 3);
    }

    #[tokio::test]
    async fn gives_up_after_the_limit_naming_what_it_waited_for() {
        let e = eventually("nothing", Duration::ZERO, || async {
            anyhow::Ok(None::<()>)
        })
        .await
        .expect_err("never answered");
        assert!(e.to_string().contains("waiting for nothing"), "{e}");
    }

    #[tokio::test]
    async fn a_list_is_asked_again_until_it_holds_something_or_the_time_is_up() {
        let mut asked = 0;
        let got = listed(
            5,
            || {
                asked += 1;
                let n = asked;
                async move { anyhow::Ok(if n < 3 { vec![] } else { vec![n] }) }
            },
            Vec::is_empty,
        )
        .await
        .expect("listed");
        assert_eq!(got, [3]);
        let none = listed(0, || async { anyhow::Ok(Vec::<i32>::new()) }, Vec::is_empty)
            .await
            .expect("an empty list, at once");
        assert!(none.is_empty());
    }

    #[tokio::test]
    async fn a_failing_check_fails_at_once() {
        let e = eventually("a failure", Duration::from_secs(5), || async {
            Err::<Option<()>, _>(anyhow::anyhow!("refused"))
        })
        .await
        .expect_err("failed");
        assert_eq!(e.to_string(), "refused");
    }
}
