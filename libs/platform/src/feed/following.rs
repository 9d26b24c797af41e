//! Following another service's change feed, once for every follower: the catch-up loop, the
//! page transaction, the ticker job with its logging and the on-demand "catch up and decide
//! again". A follower supplies only what differs ([`FeedApply`]): its cursor, how it reads a
//! page, and how it applies one change inside the page's transaction.
//!
//! Exactly once, in feed order: each page is applied in one write transaction
//! ([`Database::begin_write`]) that first locks the cursor row, skips every change at or below
//! it (another replica applied those meanwhile), applies the rest in the order the feed gave
//! them and moves the cursor to the last — so a restart of either side neither loses nor
//! repeats a change, and two replicas following at once apply each change once (the cursor
//! row is the lock). Within one process, one catch-up runs at a time (the ticker and the
//! on-demand catch-ups of requests share [`Follower`]'s mutex). What a change's own order
//! needs beyond the feed's (an aggregate's version: the published feed's sequence does not
//! order one aggregate's changes on PostgreSQL, see [`super::published`]) stays in the
//! follower's [`FeedApply::apply`].
//!
//! A feed whose changes carry whole states ([`FeedApply::state_of`]) is applied one state per
//! thing and page: under load a page holds several changes of one thing, and only the newest
//! needs writing.
//!
//! Each follower reports its lag and failures on `/metrics` ([`super::lag`]).

use std::borrow::Cow;
use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use sqlx::AnyConnection;

use super::Cursor;
use super::lag::{FollowerMetrics, Lag};
use crate::db::Database;
use crate::error::{AppError, AppResult};
use crate::rpc::Ctx;

/// A page of a feed as its publisher answers it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedPage<C> {
    /// Changes after the sequence asked for, in feed order.
    pub changes: Vec<C>,
    /// How many changes the feed had after this page when it was read, as the publisher
    /// counted them (settled ones on PostgreSQL; counted up to a bound, see
    /// [`super::published::CHANGES_AFTER_COUNTED_UP_TO`]; 0 from a publisher that does not
    /// count): the follower's lag ([`super::lag`]).
    pub changes_after: i64,
}

/// What one follower applies: the feed it reads and what a change does to its database.
pub trait FeedApply: Send + Sync + 'static {
    /// One change of the feed.
    type Change: Send + Sync;
    /// The follower's row in `feed_cursors`.
    const CURSOR: Cursor;
    /// Changes asked for per page; a shorter page is the feed's end for now.
    const PAGE_SIZE: i32 = 500;
    /// What the ticker logs ([`Follower::run`]).
    const LOG: FeedLog;

    /// The change's sequence on the feed (increasing along the feed, with gaps).
    fn sequence(change: &Self::Change) -> i64;

    /// When the change was made (microseconds since the epoch, UTC), if the feed tells: what
    /// `seteli_feed_newest_applied_change_timestamp_seconds` shows of the newest applied.
    fn made_at_micros(_change: &Self::Change) -> Option<i64> {
        None
    }

    /// Up to `limit` changes after sequence `after`, in feed order, and how many more the
    /// feed has, read as `ctx` (the follower's own identity).
    fn page(
        &self,
        ctx: &Ctx,
        after: i64,
        limit: i32,
    ) -> impl Future<Output = AppResult<FeedPage<Self::Change>>> + Send;

    /// Applies one change not applied yet, inside the page's transaction (`conn`), as `ctx`.
    /// An error rolls back the whole page and leaves the cursor where it was.
    fn apply(
        &self,
        conn: &mut AnyConnection,
        ctx: &Ctx,
        change: &Self::Change,
    ) -> impl Future<Output = AppResult<()>> + Send;

    /// For a feed whose changes each carry the whole state of one thing (not a step from its
    /// last state): the thing's key and how new the state is. Of the changes of one key on a
    /// page, only the newest is applied ([`FeedApply::apply`]; the later one among equals):
    /// one standing before it on the page is superseded ([`FeedApply::apply_superseded`]), one
    /// standing after it is older news. Both count as applied. `None` (the default): the
    /// change is applied on its own.
    fn state_of(_change: &Self::Change) -> Option<(Cow<'_, str>, i64)> {
        None
    }

    /// What a change superseded by `newest`, the newest of its key on its page (applied after
    /// it), still does, inside the page's transaction: only what the newest state alone would
    /// not (a transition the older state made on its way). By default nothing.
    fn apply_superseded(
        &self,
        _conn: &mut AnyConnection,
        _ctx: &Ctx,
        _change: &Self::Change,
        _newest: &Self::Change,
    ) -> impl Future<Output = AppResult<()>> + Send {
        async { Ok(()) }
    }
}

/// For each change of the page, the position of the newest change of its key among those after
/// sequence `after` ([`FeedApply::state_of`]; the later one among equally new): `None` for a
/// change without a key, or at or below `after`.
fn newest_of_its_key<A: FeedApply>(changes: &[A::Change], after: i64) -> Vec<Option<usize>> {
    let keys: Vec<Option<(Cow<'_, str>, i64)>> = changes
        .iter()
        .map(|c| A::state_of(c).filter(|_| A::sequence(c) > after))
        .collect();
    let mut newest: HashMap<&str, (i64, usize)> = HashMap::new();
    for (at, (key, newness)) in keys
        .iter()
        .enumerate()
        .filter_map(|(at, k)| Some((at, k.as_ref()?)))
    {
        let entry = newest.entry(key.as_ref()).or_insert((*newness, at));
        if *newness >= entry.0 {
            *entry = (*newness, at);
        }
    }
    keys.iter()
        .map(|k| {
            k.as_ref()
                .and_then(|(key, _)| newest.get(key.as_ref()).map(|n| n.1))
        })
        .collect()
}

/// The ticker's log lines for one feed, worded by its service.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FeedLog {
    /// Debug, after a catch-up that applied changes (e.g. "voucher changes applied").
    pub applied: &'static str,
    /// Info, on the first success after failures (e.g. "voucher feed reachable again").
    pub reachable_again: &'static str,
    /// Warning, on the first failure after successes (e.g. "cannot follow the voucher feed;
    /// retrying").
    pub cannot_follow: &'static str,
}

/// One followed feed: the follower's [`FeedApply`], its database and identity, and the mutex
/// that keeps this process to one catch-up at a time. Cloning shares all of it.
pub struct Follower<A> {
    inner: Arc<Inner<A>>,
}

struct Inner<A> {
    feed: A,
    db: Database,
    /// The identity the feed is read with; `None`: the feed is not followed.
    ctx: Option<Ctx>,
    /// One catch-up at a time in this process (replicas are kept apart by the cursor lock).
    one_at_a_time: tokio::sync::Mutex<()>,
    /// Its series on `/metrics` (only when the feed is followed).
    metrics: Option<FollowerMetrics>,
}

impl<A> Clone for Follower<A> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<A: FeedApply> fmt::Debug for Follower<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Follower")
            .field("cursor", &A::CURSOR.0)
            .field("follows", &self.follows())
            .finish_non_exhaustive()
    }
}

impl<A: FeedApply> Follower<A> {
    /// Follows `feed` into `db`, reading it as `ctx` (see [`super::follower()`]); with no
    /// identity the feed is not followed and every catch-up applies nothing. A followed feed's
    /// series are labelled with the database's owner ([`Database::owner`]) and the cursor.
    pub fn new(feed: A, db: Database, ctx: Option<Ctx>) -> Self {
        let metrics = ctx
            .as_ref()
            .map(|_| FollowerMetrics::new(db.owner().unwrap_or("unnamed"), A::CURSOR.0));
        Self {
            inner: Arc::new(Inner {
                feed,
                db,
                ctx,
                one_at_a_time: tokio::sync::Mutex::new(()),
                metrics,
            }),
        }
    }

    /// How far behind its feed the follower is and how it last failed, as this replica knows
    /// (the default when the feed is not followed).
    pub fn lag(&self) -> Lag {
        self.inner
            .metrics
            .as_ref()
            .map(FollowerMetrics::snapshot)
            .unwrap_or_default()
    }

    /// Whether the feed is followed (an identity is configured).
    pub fn follows(&self) -> bool {
        self.inner.ctx.is_some()
    }

    /// The identity the feed is read with, if any.
    pub fn ctx(&self) -> Option<&Ctx> {
        self.inner.ctx.as_ref()
    }

    /// What the follower applies.
    pub fn feed(&self) -> &A {
        &self.inner.feed
    }

    /// Applies every change not applied yet, page by page until a page is short; returns how
    /// many were applied (0 when the feed is not followed). Told on `/metrics` either way.
    pub async fn catch_up(&self) -> AppResult<usize> {
        let (Some(ctx), Some(metrics)) = (&self.inner.ctx, &self.inner.metrics) else {
            return Ok(0);
        };
        let _one_at_a_time = self.inner.one_at_a_time.lock().await;
        let result = self.pages(ctx, metrics).await;
        match &result {
            Ok(_) => metrics.caught_up(),
            Err(e) => metrics.failed(e),
        }
        result
    }

    /// The pages of one catch-up, each told to `metrics` as it is read and applied.
    async fn pages(&self, ctx: &Ctx, metrics: &FollowerMetrics) -> AppResult<usize> {
        let mut total = 0;
        loop {
            let after = {
                let mut conn = self.inner.db.pool().acquire().await?;
                A::CURSOR.read(&mut conn).await?.0
            };
            let page = self.inner.feed.page(ctx, after, A::PAGE_SIZE).await?;
            let n = page.changes.len();
            metrics.page_read(n, page.changes_after);
            if n == 0 {
                break;
            }
            let applied = self.apply_page(ctx, &page.changes).await?;
            let newest = page.changes.iter().filter_map(A::made_at_micros).max();
            metrics.page_applied(applied, newest, page.changes_after);
            total += applied;
            if n < usize::try_from(A::PAGE_SIZE).unwrap_or(usize::MAX) {
                break;
            }
        }
        Ok(total)
    }

    /// Applies a page of changes in one transaction that moves the cursor: changes at or
    /// below the stored cursor (applied by another replica meanwhile) are skipped; every other
    /// change counts as applied, whatever its `apply` made of it.
    async fn apply_page(&self, ctx: &Ctx, changes: &[A::Change]) -> AppResult<usize> {
        let mut tx = self.inner.db.begin_write().await?;
        let (mut last, _) = A::CURSOR.lock(&mut tx).await?;
        let newest_of_key = newest_of_its_key::<A>(changes, last);
        let mut applied = 0usize;
        for (at, change) in changes.iter().enumerate() {
            let sequence = A::sequence(change);
            if sequence <= last {
                continue;
            }
            match newest_of_key[at] {
                Some(newest_at) if at < newest_at => {
                    let newest = &changes[newest_at];
                    (self.inner.feed)
                        .apply_superseded(&mut tx, ctx, change, newest)
                        .await?;
                }
                // Older news than the newest of its key, standing after it: only counted.
                Some(newest_at) if at > newest_at => {}
                _ => self.inner.feed.apply(&mut tx, ctx, change).await?,
            }
            last = sequence;
            applied += 1;
        }
        A::CURSOR.advance(&mut tx, last, applied).await?;
        tx.commit().await?;
        Ok(applied)
    }

    /// Catches up every `every`, for ever (a job, stopped by the drain). Restart-safe and safe
    /// with several replicas: each page is applied in one transaction that moves the stored
    /// cursor, so a change is applied exactly once whoever applies it. Logs a warning on the
    /// first failure only, and that the feed is reachable again on the next success.
    pub async fn run(self, every: Duration) {
        let mut ticker = tokio::time::interval(every);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut health = Reachability::default();
        loop {
            ticker.tick().await;
            let result = self.catch_up().await;
            let say = health.after(result.is_ok());
            match result {
                Ok(applied) => {
                    if applied > 0 {
                        tracing::debug!(applied, "{}", A::LOG.applied);
                    }
                    if say == Say::ReachableAgain {
                        tracing::info!("{}", A::LOG.reachable_again);
                    }
                }
                Err(e) => {
                    if say == Say::CannotFollow {
                        tracing::warn!(error = %e, "{}", A::LOG.cannot_follow);
                    }
                }
            }
        }
    }

    /// Runs `attempt`; when it is refused in a way an old copy of the followed objects may
    /// explain (`is_stale`), catches up with the feed and runs it again, up to
    /// [`FRESH_PAUSES`]`.len() + 1` more times, pausing between rounds: the upstream serves only
    /// settled changes (on PostgreSQL one that an older transaction still open anywhere in its
    /// cluster could precede is held back a moment), so a change its client has just seen
    /// committed may reach the feed a little later. When a catch-up fails, the last refusal
    /// stands; a refusal that stays is answered after at most the sum of the pauses.
    pub async fn fresh<T, F, Fut>(
        &self,
        attempt: F,
        is_stale: impl Fn(&AppError) -> bool,
    ) -> AppResult<T>
    where
        F: Fn() -> Fut,
        Fut: Future<Output = AppResult<T>>,
    {
        let mut answer = attempt().await;
        let pauses = std::iter::once(Duration::ZERO).chain(FRESH_PAUSES);
        for pause in pauses {
            match &answer {
                Err(e) if is_stale(e) => {}
                _ => return answer,
            }
            tokio::time::sleep(pause).await;
            // Retried even when this catch-up found nothing: the follower may have applied the
            // news between the attempt and the catch-up.
            if let Err(feed) = self.catch_up().await {
                tracing::debug!(error = %feed, "catching up on demand failed");
                return answer;
            }
            answer = attempt().await;
        }
        answer
    }
}

/// The pauses between the rounds of [`Follower::fresh`] after its first catch-up: what a
/// refusal that an old copy does not explain costs at most (0.5 s), and how long a change
/// just committed upstream may take to settle on its feed.
pub const FRESH_PAUSES: [Duration; 2] = [Duration::from_millis(100), Duration::from_millis(400)];

/// What the ticker says after a catch-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Say {
    Nothing,
    /// The first failure after successes (or at start).
    CannotFollow,
    /// The first success after failures.
    ReachableAgain,
}

/// Whether the feed was failing at the last catch-up: a run of failures is logged once.
#[derive(Debug, Default)]
struct Reachability {
    failing: bool,
}

impl Reachability {
    fn after(&mut self, ok: bool) -> Say {
        let was_failing = std::mem::replace(&mut self.failing, !ok);
        match (was_failing, ok) {
            (false, false) => Say::CannotFollow,
            (true, true) => Say::ReachableAgain,
            _ => Say::Nothing,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    use super::*;
    use crate::clock::Clock;

    /// A feed of bare sequence numbers, applied as rows of `applied` (its primary key refuses
    /// a change applied twice).
    struct Fake {
        db: Database,
        feed: Vec<i64>,
        /// The `after` of every page asked for.
        asked: Mutex<Vec<i64>>,
        /// `apply` fails on this change.
        fail_on: Mutex<Option<i64>>,
        /// Every page read fails (the feed is unreachable).
        unreachable: AtomicBool,
        /// Before the next page is answered, another replica applies up to this sequence.
        other_replica: Mutex<Option<i64>>,
    }

    impl FeedApply for Fake {
        type Change = i64;
        const CURSOR: Cursor = Cursor("fake");
        const PAGE_SIZE: i32 = 2;
        const LOG: FeedLog = FeedLog {
            applied: "fake changes applied",
            reachable_again: "fake feed reachable again",
            cannot_follow: "cannot follow the fake feed; retrying",
        };

        fn sequence(change: &i64) -> i64 {
            *change
        }

        /// Change n was made n seconds after the epoch.
        fn made_at_micros(change: &i64) -> Option<i64> {
            Some(change * 1_000_000)
        }

        async fn page(&self, _ctx: &Ctx, after: i64, limit: i32) -> AppResult<FeedPage<i64>> {
            self.asked.lock().unwrap().push(after);
            if self.unreachable.load(Ordering::SeqCst) {
                return Err(AppError::Unavailable("the fake feed is down".into()));
            }
            let other = self.other_replica.lock().unwrap().take();
            if let Some(upto) = other {
                let mut tx = self.db.begin_write().await?;
                for s in self.feed.iter().filter(|s| **s > after && **s <= upto) {
                    insert(&mut tx, *s).await?;
                }
                let n = self.feed.iter().filter(|s| **s <= upto).count();
                Fake::CURSOR.advance(&mut tx, upto, n).await?;
                tx.commit().await?;
            }
            let limit = usize::try_from(limit).unwrap();
            let ahead: Vec<i64> = self.feed.iter().copied().filter(|s| *s > after).collect();
            let changes: Vec<i64> = ahead.iter().copied().take(limit).collect();
            Ok(FeedPage {
                changes_after: i64::try_from(ahead.len() - changes.len()).unwrap(),
                changes,
            })
        }

        async fn apply(&self, conn: &mut AnyConnection, _ctx: &Ctx, change: &i64) -> AppResult<()> {
            if *self.fail_on.lock().unwrap() == Some(*change) {
                return Err(AppError::Internal(anyhow::anyhow!("cannot apply {change}")));
            }
            insert(conn, *change).await
        }
    }

    async fn insert(conn: &mut AnyConnection, sequence: i64) -> AppResult<()> {
        sqlx::query("INSERT INTO applied (sequence) VALUES ($1)")
            .bind(sequence)
            .execute(conn)
            .await?;
        Ok(())
    }

    async fn database() -> Database {
        let db = Database::connect("sqlite::memory:", 1).await.unwrap();
        for sql in [
            "CREATE TABLE feed_cursors (name TEXT PRIMARY KEY, last_sequence BIGINT NOT NULL, \
             changes_applied BIGINT NOT NULL)",
            "INSERT INTO feed_cursors (name, last_sequence, changes_applied) VALUES ('fake', 0, 0)",
            "CREATE TABLE applied (sequence BIGINT PRIMARY KEY)",
        ] {
            sqlx::query(sql).execute(db.pool()).await.unwrap();
        }
        db
    }

    async fn follower(feed: &[i64]) -> Follower<Fake> {
        let db = database().await;
        let fake = Fake {
            db: db.clone(),
            feed: feed.to_vec(),
            asked: Mutex::default(),
            fail_on: Mutex::default(),
            unreachable: AtomicBool::new(false),
            other_replica: Mutex::default(),
        };
        Follower::new(fake, db, Some(Ctx::system("fake-feed", Clock::system())))
    }

    /// The cursor `(last_sequence, changes_applied)` and the changes applied, in the order
    /// they were.
    async fn state(f: &Follower<Fake>) -> ((i64, i64), Vec<i64>) {
        let mut conn = f.inner.db.pool().acquire().await.unwrap();
        let cursor = Fake::CURSOR.read(&mut conn).await.unwrap();
        let applied: Vec<(i64,)> = sqlx::query_as("SELECT sequence FROM applied ORDER BY rowid")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        (cursor, applied.into_iter().map(|(s,)| s).collect())
    }

    fn asked(f: &Follower<Fake>) -> Vec<i64> {
        f.feed().asked.lock().unwrap().clone()
    }

    #[tokio::test]
    async fn pages_are_applied_in_feed_order_until_a_short_page() {
        let f = follower(&[3, 5, 6, 9, 10]).await;
        assert_eq!(f.catch_up().await.unwrap(), 5);
        // Pages of two after the cursor; the third is short, so the feed has no more for now.
        assert_eq!(asked(&f), [0, 5, 9]);
        assert_eq!(state(&f).await, ((10, 5), vec![3, 5, 6, 9, 10]));
        // Caught up: one empty page, nothing applied, the cursor stays.
        assert_eq!(f.catch_up().await.unwrap(), 0);
        assert_eq!(asked(&f), [0, 5, 9, 10]);
        assert_eq!(state(&f).await.0, (10, 5));
    }

    #[tokio::test]
    async fn a_full_last_page_is_followed_by_an_empty_one() {
        let f = follower(&[1, 2, 3, 4]).await;
        assert_eq!(f.catch_up().await.unwrap(), 4);
        assert_eq!(asked(&f), [0, 2, 4]);
        assert_eq!(state(&f).await, ((4, 4), vec![1, 2, 3, 4]));
    }

    #[tokio::test]
    async fn a_failing_apply_rolls_back_its_page_and_leaves_the_cursor() {
        let f = follower(&[1, 2, 3, 4, 5]).await;
        *f.feed().fail_on.lock().unwrap() = Some(4);
        assert!(matches!(f.catch_up().await, Err(AppError::Internal(_))));
        // The first page committed with its cursor; of the second, 3 was rolled back with the
        // cursor that would have moved past it.
        assert_eq!(state(&f).await, ((2, 2), vec![1, 2]));
        *f.feed().fail_on.lock().unwrap() = None;
        assert_eq!(f.catch_up().await.unwrap(), 3);
        assert_eq!(state(&f).await, ((5, 5), vec![1, 2, 3, 4, 5]));
    }

    #[tokio::test]
    async fn changes_another_replica_applied_meanwhile_are_skipped() {
        let f = follower(&[1, 2, 3]).await;
        // Between this follower's read of the cursor and its page's transaction, another
        // replica applies 1 and 2: the locked cursor says so, and only 3 is applied here.
        *f.feed().other_replica.lock().unwrap() = Some(2);
        assert_eq!(f.catch_up().await.unwrap(), 1);
        assert_eq!(state(&f).await, ((3, 3), vec![1, 2, 3]));
    }

    #[tokio::test]
    async fn one_catch_up_at_a_time_in_a_process() {
        let f = follower(&[1]).await;
        let other = f.clone();
        let (a, b) = tokio::join!(f.catch_up(), other.catch_up());
        assert_eq!(a.unwrap() + b.unwrap(), 1);
        // The second read the cursor only after the first had moved it.
        assert_eq!(asked(&f), [0, 1]);
    }

    #[tokio::test]
    async fn a_feed_without_an_identity_is_not_followed() {
        let mut f = follower(&[1]).await;
        let inner = Arc::get_mut(&mut f.inner).unwrap();
        inner.ctx = None;
        assert!(!f.follows());
        assert_eq!(f.catch_up().await.unwrap(), 0);
        assert!(asked(&f).is_empty());
    }

    #[tokio::test]
    async fn the_lag_is_what_the_last_page_read_left_to_apply() {
        let f = follower(&[1, 2, 3, 4, 5]).await;
        assert_eq!(f.lag(), Lag::default(), "nothing read yet");
        // The second page (3, 4) cannot be applied: it and the one change after it are behind,
        // and the newest applied change is 2.
        *f.feed().fail_on.lock().unwrap() = Some(4);
        assert!(f.catch_up().await.is_err());
        let lag = f.lag();
        assert_eq!(lag.changes_behind, Some(3));
        assert_eq!(lag.newest_applied_micros, Some(2_000_000));
        assert_eq!((lag.errors, lag.last_error), (1, Some("internal")));
        // Unreachable: still 3 behind as far as it knows, another failure of another kind.
        f.feed().unreachable.store(true, Ordering::SeqCst);
        assert!(f.catch_up().await.is_err());
        let lag = f.lag();
        assert_eq!(lag.changes_behind, Some(3));
        assert_eq!((lag.errors, lag.last_error), (2, Some("unavailable")));
        // Caught up: nothing behind, the newest change applied is the feed's last.
        f.feed().unreachable.store(false, Ordering::SeqCst);
        *f.feed().fail_on.lock().unwrap() = None;
        assert_eq!(f.catch_up().await.unwrap(), 3);
        let lag = f.lag();
        assert_eq!(lag.changes_behind, Some(0));
        assert_eq!(lag.newest_applied_micros, Some(5_000_000));
        assert_eq!(lag.errors, 2, "the failures stay counted");
    }

    #[tokio::test]
    async fn changes_another_replica_applied_count_as_applied_for_the_lag() {
        let f = follower(&[1, 2, 3]).await;
        *f.feed().other_replica.lock().unwrap() = Some(2);
        f.catch_up().await.unwrap();
        let lag = f.lag();
        assert_eq!(lag.changes_behind, Some(0));
        assert_eq!(lag.newest_applied_micros, Some(3_000_000));
    }

    /// A feed whose changes from 10 up carry whole states: of key `c % 10`, as new as the
    /// tens digit. Applied as rows of `applied`; a superseded one as its negative.
    struct Keyed;

    impl FeedApply for Keyed {
        type Change = i64;
        const CURSOR: Cursor = Cursor("fake");
        const LOG: FeedLog = Fake::LOG;

        fn sequence(change: &i64) -> i64 {
            *change
        }

        async fn page(&self, _ctx: &Ctx, _after: i64, _limit: i32) -> AppResult<FeedPage<i64>> {
            Ok(FeedPage {
                changes: Vec::new(),
                changes_after: 0,
            })
        }

        async fn apply(&self, conn: &mut AnyConnection, _ctx: &Ctx, change: &i64) -> AppResult<()> {
            insert(conn, *change).await
        }

        fn state_of(change: &i64) -> Option<(Cow<'_, str>, i64)> {
            (*change >= 10).then(|| (Cow::Owned((change % 10).to_string()), (change / 10) % 10))
        }

        async fn apply_superseded(
            &self,
            conn: &mut AnyConnection,
            _ctx: &Ctx,
            change: &i64,
            newest: &i64,
        ) -> AppResult<()> {
            assert_eq!(
                Self::state_of(change).unwrap().0,
                Self::state_of(newest).unwrap().0
            );
            insert(conn, -change).await
        }
    }

    #[tokio::test]
    async fn of_the_states_of_one_thing_on_a_page_only_the_newest_is_applied() {
        let db = database().await;
        let f = Follower::new(
            Keyed,
            db.clone(),
            Some(Ctx::system("keyed", Clock::system())),
        );
        // 5 is a step; 11 and 41 are states of thing 1 (41 the newer), 32 and 112 of thing 2
        // (32 the newer, although 112 stands after it: older news).
        let ctx = Ctx::system("keyed", Clock::system());
        let applied = f.apply_page(&ctx, &[5, 11, 32, 41, 112]).await.unwrap();
        assert_eq!(applied, 5, "every change counts as applied");
        let mut conn = db.pool().acquire().await.unwrap();
        let rows: Vec<(i64,)> = sqlx::query_as("SELECT sequence FROM applied ORDER BY rowid")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        let rows: Vec<i64> = rows.into_iter().map(|(s,)| s).collect();
        assert_eq!(
            rows,
            [5, -11, 32, 41],
            "11 superseded by 41; 112 skipped after 32"
        );
        assert_eq!(Keyed::CURSOR.read(&mut conn).await.unwrap(), (112, 5));
    }

    fn is_not_found(e: &AppError) -> bool {
        matches!(e, AppError::NotFound(_))
    }

    /// Runs `fresh` with an attempt answering `answers` in turn; returns its answer and how
    /// many attempts ran.
    async fn fresh(f: &Follower<Fake>, answers: &[AppResult<i32>]) -> (AppResult<i32>, usize) {
        let runs = AtomicUsize::new(0);
        let attempt = || async {
            let i = runs.fetch_add(1, Ordering::SeqCst);
            match &answers[i] {
                Ok(v) => Ok(*v),
                Err(AppError::NotFound(m)) => Err(AppError::NotFound(m.clone())),
                Err(e) => Err(AppError::StateConflict(e.to_string())),
            }
        };
        let answer = f.fresh(attempt, is_not_found).await;
        (answer, runs.load(Ordering::SeqCst))
    }

    fn not_found() -> AppResult<i32> {
        Err(AppError::NotFound("voucher v1".into()))
    }

    #[tokio::test]
    async fn fresh_catches_up_and_decides_again_after_a_stale_refusal() {
        let f = follower(&[1, 2]).await;
        let (answer, runs) = fresh(&f, &[not_found(), Ok(7)]).await;
        assert_eq!((answer.unwrap(), runs), (7, 2));
        assert_eq!(state(&f).await.0, (2, 2), "caught up in between");
        // Still refused after a catch-up: decided again after a pause, while the news may
        // still be settling upstream.
        let (answer, runs) = fresh(&f, &[not_found(), not_found(), not_found(), Ok(7)]).await;
        assert_eq!((answer.unwrap(), runs), (7, 4));
        // Refused every round: that answer stands, after the last pause, no fifth attempt.
        let refused = [not_found(), not_found(), not_found(), not_found(), Ok(7)];
        let (answer, runs) = fresh(&f, &refused).await;
        assert!(matches!(answer, Err(AppError::NotFound(_))));
        assert_eq!(runs, 2 + FRESH_PAUSES.len());
    }

    #[tokio::test]
    async fn fresh_does_not_retry_an_answer_no_old_copy_explains() {
        let f = follower(&[1]).await;
        let (answer, runs) = fresh(&f, &[Ok(3)]).await;
        assert_eq!((answer.unwrap(), runs), (3, 1));
        let conflict = Err(AppError::StateConflict("ended".into()));
        let (answer, runs) = fresh(&f, &[conflict, Ok(3)]).await;
        assert!(matches!(answer, Err(AppError::StateConflict(_))));
        assert_eq!(runs, 1);
        assert!(asked(&f).is_empty(), "no catch-up");
    }

    #[tokio::test]
    async fn fresh_keeps_the_refusal_when_the_catch_up_fails() {
        let f = follower(&[1]).await;
        f.feed().unreachable.store(true, Ordering::SeqCst);
        let (answer, runs) = fresh(&f, &[not_found(), Ok(7)]).await;
        assert!(matches!(answer, Err(AppError::NotFound(_))));
        assert_eq!(runs, 1);
        assert_eq!(asked(&f), [0]);
    }

    #[test]
    fn a_run_of_failures_is_told_once_and_so_is_the_recovery() {
        let mut health = Reachability::default();
        let said: Vec<Say> = [true, false, false, true, true, false, true]
            .into_iter()
            .map(|ok| health.after(ok))
            .collect();
        assert_eq!(
            said,
            [
                Say::Nothing,
                Say::CannotFollow,
                Say::Nothing,
                Say::ReachableAgain,
                Say::Nothing,
                Say::CannotFollow,
                Say::ReachableAgain,
            ]
        );
        // Failing from the start is told too.
        assert_eq!(Reachability::default().after(false), Say::CannotFollow);
    }

    #[tokio::test]
    async fn the_job_catches_up_on_every_tick_and_survives_a_failing_feed() {
        let f = follower(&[1, 2, 3]).await;
        f.feed().unreachable.store(true, Ordering::SeqCst);
        let job = tokio::spawn(f.clone().run(Duration::from_millis(5)));
        let waited = async {
            while asked(&f).len() < 2 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            f.feed().unreachable.store(false, Ordering::SeqCst);
            while state(&f).await.0 != (3, 3) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), waited)
            .await
            .expect("the job caught up once the feed was back");
        job.abort();
    }
}
