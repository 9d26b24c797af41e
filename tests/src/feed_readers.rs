//! Readers of a published change feed (`seteli_platform::feed::PublishedFeed`) while writers
//! run: each pages the feed from its own cursor, and in the end must have seen exactly the
//! feed, every change once, in order. The feed concurrency tests of vouchers and attendance
//! share it.

use std::collections::BTreeSet;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use seteli_api::attendance::v1 as apb;
use seteli_api::vouchers::v1 as vpb;
use tokio::task::JoinHandle;

/// A page of a published change feed as the readers see it: its sequences and its
/// `last_sequence`.
pub trait FeedPage: Send {
    /// The page's sequences and its `last_sequence`.
    fn sequences(&self) -> (Vec<i64>, i64);
}

impl FeedPage for vpb::ListVoucherChangesResponse {
    fn sequences(&self) -> (Vec<i64>, i64) {
        let seen = self.changes.iter().map(|c| c.sequence).collect();
        (seen, self.last_sequence)
    }
}

impl FeedPage for apb::ListUsageChangesResponse {
    fn sequences(&self) -> (Vec<i64>, i64) {
        let seen = self.changes.iter().map(|c| c.sequence).collect();
        (seen, self.last_sequence)
    }
}

/// Readers following a feed while writers run ([`Readers::start`]).
pub struct Readers {
    writing: Arc<AtomicBool>,
    /// Changes the writers made: unknown (`usize::MAX`) until they are done.
    expected: Arc<AtomicUsize>,
    tasks: Vec<JoinHandle<Vec<i64>>>,
}

impl Readers {
    /// Starts `count` readers from the beginning of the feed, with small pages of different
    /// sizes (1, 2, 5, 50 in turn) so that their cursors sit at different places.
    /// `page(after, page_size)` answers a page's sequences and its `last_sequence`.
    pub fn start<F, Fut>(count: usize, page: F) -> Self
    where
        F: Fn(i64, i32) -> Fut + Clone + Send + 'static,
        Fut: Future<Output = (Vec<i64>, i64)> + Send,
    {
        let writing = Arc::new(AtomicBool::new(true));
        let expected = Arc::new(AtomicUsize::new(usize::MAX));
        let tasks = (0..count)
            .map(|r| {
                let (page, writing, expected) = (page.clone(), writing.clone(), expected.clone());
                let size = [1, 2, 5, 50][r % 4];
                tokio::spawn(async move { follow(page, size, &writing, &expected).await })
            })
            .collect();
        Self {
            writing,
            expected,
            tasks,
        }
    }

    /// Runs `writers` at once (each answers how many changes it made) while the readers read,
    /// then tells the readers ([`Readers::writers_done`]) of those and of `made_before`,
    /// changes made before; answers all the changes made, and how long the writers took.
    pub async fn run_writers<Fut>(
        &self,
        writers: impl IntoIterator<Item = Fut>,
        made_before: usize,
    ) -> (usize, Duration)
    where
        Fut: Future<Output = usize> + Send + 'static,
    {
        let started = Instant::now();
        let tasks: Vec<_> = writers.into_iter().map(tokio::spawn).collect();
        let mut changes = made_before;
        for task in tasks {
            changes += task.await.expect("writer");
        }
        let took = started.elapsed();
        self.writers_done(changes);
        (changes, took)
    }

    /// [`Readers::start`] with `page(of, after, page_size)`, a call of the feed on `of` (the
    /// test's environment).
    pub fn paging<E, F, Fut, P>(count: usize, of: Arc<E>, page: F) -> Self
    where
        E: Send + Sync + 'static,
        F: Fn(Arc<E>, i64, i32) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = P> + Send,
        P: FeedPage,
    {
        Self::start(count, move |after, size| {
            let (of, page) = (of.clone(), page.clone());
            async move { page(of, after, size).await.sequences() }
        })
    }

    /// The writers are done, having made `changes` changes: the readers stop once they saw
    /// as many.
    pub fn writers_done(&self, changes: usize) {
        self.expected.store(changes, Ordering::SeqCst);
        self.writing.store(false, Ordering::SeqCst);
    }

    /// Waits for the readers and asserts that each saw exactly `all`, the feed as a final full
    /// read shows it: no change twice, none missed, in order.
    pub async fn assert_each_saw(self, all: &[i64]) {
        for (r, task) in self.tasks.into_iter().enumerate() {
            let seen = task.await.expect("reader");
            let distinct: BTreeSet<i64> = seen.iter().copied().collect();
            assert_eq!(distinct.len(), seen.len(), "reader {r} saw a change twice");
            let missed: Vec<&i64> = all.iter().filter(|s| !distinct.contains(s)).collect();
            assert!(
                missed.is_empty(),
                "reader {r} never saw {} of {} changes (its cursor passed them): {missed:?}",
                missed.len(),
                all.len()
            );
            assert_eq!(seen, all, "reader {r} saw exactly the feed, in order");
        }
    }
}

/// Follows a feed from the beginning in pages of `page_size` until the writers are done
/// (`writing` false) and `expected` (once known) changes were seen, checking every page
/// continues above the cursor. `page(after, page_size)` answers a page's sequences and its
/// `last_sequence`. Returns the sequences seen, in the order given; a reader whose cursor
/// passed a change gives up 30 s after the writers are done and returns what it saw.
async fn follow<F, Fut>(
    page: F,
    page_size: i32,
    writing: &AtomicBool,
    expected: &AtomicUsize,
) -> Vec<i64>
where
    F: Fn(i64, i32) -> Fut,
    Fut: Future<Output = (Vec<i64>, i64)>,
{
    let mut seen = Vec::new();
    let mut after = 0;
    let mut deadline = None;
    loop {
        let done = !writing.load(Ordering::SeqCst);
        if done && deadline.is_none() {
            deadline = Some(Instant::now() + Duration::from_secs(30));
        }
        let (sequences, last_sequence) = page(after, page_size).await;
        for &sequence in &sequences {
            assert!(
                sequence > after,
                "the feed went back: {sequence} after {after}"
            );
            after = sequence;
            seen.push(sequence);
        }
        assert_eq!(last_sequence, after, "last_sequence is the cursor");
        if done && seen.len() >= expected.load(Ordering::SeqCst) {
            return seen;
        }
        if deadline.is_some_and(|d| Instant::now() > d) {
            // A change passed by the cursor never comes: say how far the reader got.
            return seen;
        }
        if sequences.is_empty() {
            tokio::task::yield_now().await;
        }
    }
}
