//! What a follower tells about itself (the `seteli_feed_*` series of [`crate::catalogue`],
//! labelled with the follower's `service` and its `feed`): how many changes it has still to
//! apply, when the newest change it applied was made, when it last caught up, how many changes
//! it applied, and its failures with the kind of the last one.
//!
//! "Changes behind" is the publisher's count of changes after the page the follower read
//! ([`super::FeedPage::changes_after`]), not the difference of two sequences: a PostgreSQL
//! feed's sequences are transaction ids shifted left by 16 bits, so their difference counts
//! nothing. The values are this replica's: a replica that does not run the follower job
//! (`seteli_job_leader` 0) tells what its on-demand catch-ups saw.

use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use metrics::{Counter, Gauge};

use crate::catalogue::{
    FEED_CAUGHT_UP, FEED_CHANGES_APPLIED, FEED_CHANGES_BEHIND, FEED_ERRORS, FEED_LAST_ERROR,
    FEED_LAST_ERROR_INFO, FEED_NEWEST_APPLIED, Series,
};
use crate::error::AppError;

/// A follower's lag and failures as this replica knows them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lag {
    /// Changes not applied yet, as counted at the last page read; `None` before the first.
    pub changes_behind: Option<i64>,
    /// When the newest change applied was made (microseconds since the epoch, UTC), of the
    /// changes whose feed tells; `None` before one is applied.
    pub newest_applied_micros: Option<i64>,
    /// Catch-ups that failed.
    pub errors: u64,
    /// The kind of the last failure ([`AppError::kind`]).
    pub last_error: Option<&'static str>,
}

/// The series of one follower and what they were last set to.
pub(super) struct FollowerMetrics {
    service: &'static str,
    feed: &'static str,
    caught_up: Gauge,
    applied: Counter,
    errors: Counter,
    last_error: Gauge,
    lag: Mutex<Lag>,
}

impl FollowerMetrics {
    /// The series of `service`'s follower of `feed`; the counters and the times of the last
    /// failure and catch-up shown from 0 on (0: none yet), so rules see them before the first
    /// event. How far behind and the newest applied change's time are shown once known (a
    /// series exists from its first registration: they are registered when first set).
    pub(super) fn new(service: &'static str, feed: &'static str) -> Self {
        let labels = [("service", service), ("feed", feed)];
        let metrics = Self {
            service,
            feed,
            caught_up: metrics::gauge!(FEED_CAUGHT_UP.name, &labels),
            applied: metrics::counter!(FEED_CHANGES_APPLIED.name, &labels),
            errors: metrics::counter!(FEED_ERRORS.name, &labels),
            last_error: metrics::gauge!(FEED_LAST_ERROR.name, &labels),
            lag: Mutex::new(Lag::default()),
        };
        metrics.applied.increment(0);
        metrics.errors.increment(0);
        metrics.last_error.set(0.0);
        metrics.caught_up.set(0.0);
        metrics
    }

    fn lag(&self) -> std::sync::MutexGuard<'_, Lag> {
        self.lag.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the follower knows now.
    pub(super) fn snapshot(&self) -> Lag {
        self.lag().clone()
    }

    /// One of the series shown only once known.
    fn gauge(&self, series: &Series) -> Gauge {
        metrics::gauge!(series.name, "service" => self.service, "feed" => self.feed)
    }

    fn set_behind(&self, behind: i64) {
        self.lag().changes_behind = Some(behind);
        self.gauge(&FEED_CHANGES_BEHIND).set(behind as f64);
    }

    /// A page of `changes` was read, with `changes_after` more after it: all of them are yet
    /// to be applied.
    pub(super) fn page_read(&self, changes: usize, changes_after: i64) {
        let changes = i64::try_from(changes).unwrap_or(i64::MAX);
        self.set_behind(changes.saturating_add(changes_after.max(0)));
    }

    /// The page read was applied (`applied` of its changes here, the rest by another replica
    /// meanwhile): `changes_after` remain; `newest_made_at` is when the newest change of the
    /// page whose time the feed tells was made.
    pub(super) fn page_applied(
        &self,
        applied: usize,
        newest_made_at: Option<i64>,
        changes_after: i64,
    ) {
        self.applied
            .increment(u64::try_from(applied).unwrap_or(u64::MAX));
        self.set_behind(changes_after.max(0));
        if let Some(made) = newest_made_at {
            let mut lag = self.lag();
            if lag.newest_applied_micros.is_none_or(|known| made > known) {
                lag.newest_applied_micros = Some(made);
                self.gauge(&FEED_NEWEST_APPLIED).set(made as f64 / 1e6);
            }
        }
    }

    /// The follower read its feed to the end and applied all of it.
    pub(super) fn caught_up(&self) {
        self.caught_up.set(unix_now());
    }

    /// A catch-up failed with `e`.
    pub(super) fn failed(&self, e: &AppError) {
        let kind = e.kind();
        self.errors.increment(1);
        self.last_error.set(unix_now());
        let earlier = {
            let mut lag = self.lag();
            lag.errors += 1;
            lag.last_error.replace(kind)
        };
        let info = |kind: &'static str| {
            metrics::gauge!(FEED_LAST_ERROR_INFO.name,
                "service" => self.service, "feed" => self.feed, "kind" => kind)
        };
        if let Some(earlier) = earlier.filter(|k| *k != kind) {
            info(earlier).set(0.0);
        }
        info(kind).set(1.0);
    }
}

/// Now, in seconds since the Unix epoch: the operational times (caught up, failed), which
/// Prometheus compares with its own `time()` (the services' clock may be pinned in tests).
fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}
