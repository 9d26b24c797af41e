//! The load generator: a fixed number of calls in flight (closed loop: each worker sends its
//! next call when the last one answers) for a bounded time, latencies in an HDR histogram.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// The longest latency the histogram holds (longer ones are counted at this value), in µs.
const MAX_MICROS: u64 = 60_000_000;

/// What one round measured.
#[derive(Debug)]
pub struct Round {
    /// Calls answered OK within the round's time.
    pub ok: u64,
    /// Calls answered with an error within the round's time.
    pub errors: u64,
    /// The first error's code and message, to say what went wrong.
    pub first_error: Option<String>,
    /// Every call that ended, the ones still in flight when the time was up included (the
    /// server did their work too: CPU per call divides by this).
    pub ended: u64,
    /// The round's time.
    pub elapsed: Duration,
    /// Latency of the calls answered within the round's time, in µs.
    pub latency: Histogram<u64>,
}

impl Round {
    /// Successful calls a second.
    pub fn per_second(&self) -> f64 {
        self.ok as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at `quantile` (0.5, 0.99, 0.999), in µs.
    pub fn at(&self, quantile: f64) -> u64 {
        self.latency.value_at_quantile(quantile)
    }
}

/// Runs `call` with `in_flight` calls outstanding for `time` and returns what it measured.
/// `call(n)` makes the n-th call of the round (n counts from 0 across all workers).
pub async fn run<F, Fut, T>(in_flight: usize, time: Duration, call: &Arc<F>) -> Round
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, tonic::Status>> + Send,
    T: Send,
{
    drive(in_flight, time, call, &Arc::new(AtomicU64::new(0))).await
}

async fn drive<F, Fut, T>(
    in_flight: usize,
    time: Duration,
    call: &Arc<F>,
    counter: &Arc<AtomicU64>,
) -> Round
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<T, tonic::Status>> + Send,
    T: Send,
{
    let start = Instant::now();
    let end = start + time;
    let mut workers = Vec::with_capacity(in_flight);
    for _ in 0..in_flight.max(1) {
        let call = Arc::clone(call);
        let counter = Arc::clone(counter);
        workers.push(tokio::spawn(async move {
            let mut latency = new_histogram();
            let (mut ok, mut errors, mut ended) = (0u64, 0u64, 0u64);
            let mut first_error = None;
            while Instant::now() < end {
                let n = counter.fetch_add(1, Ordering::Relaxed);
                let sent = Instant::now();
                let result = call(n).await;
                let answered = Instant::now();
                ended += 1;
                if answered > end {
                    break;
                }
                match result {
                    Ok(_) => {
                        ok += 1;
                        let micros = u64::try_from(answered.duration_since(sent).as_micros())
                            .unwrap_or(MAX_MICROS);
                        latency.saturating_record(micros.clamp(1, MAX_MICROS));
                    }
                    Err(status) => {
                        errors += 1;
                        if first_error.is_none() {
                            first_error =
                                Some(format!("{:?}: {}", status.code(), status.message()));
                        }
                    }
                }
            }
            (latency, ok, errors, ended, first_error)
        }));
    }
    let mut round = Round {
        ok: 0,
        errors: 0,
        first_error: None,
        ended: 0,
        elapsed: time,
        latency: new_histogram(),
    };
    for worker in workers {
        let Ok((latency, ok, errors, ended, first_error)) = worker.await else {
            continue;
        };
        let _ = round.latency.add(&latency);
        round.ok += ok;
        round.errors += errors;
        round.ended += ended;
        if round.first_error.is_none() {
            round.first_error = first_error;
        }
    }
    round
}

fn new_histogram() -> Histogram<u64> {
    // Three significant digits from 1 µs to a minute: a few hundred KiB, whatever the count.
    Histogram::new_with_bounds(1, MAX_MICROS, 3).expect("constant, valid bounds")
}
