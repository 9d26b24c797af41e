//! Benchmark: the cost of verifying a bearer token, which sits on every call's path —
//! uncached (the whole check: header, key, EdDSA signature, claims) and cached (a token the
//! verifier has already seen: SHA-256 of the token and a lookup).
//!
//! Targets (DESIGN.md, Security; issue 15): EdDSA verification in tens of microseconds; a
//! cached token in a few. The bench fails when the uncached median exceeds
//! `SETELI_BENCH_VERIFY_BUDGET_US` (default 100 µs) or the cached median exceeds
//! `SETELI_BENCH_CACHED_BUDGET_US` (default 10 µs) in a release build. Run with `make bench`
//! or `cargo bench -p seteli-platform --bench auth`.

use std::time::Instant;

use seteli_platform::auth::{TokenPolicy, Verifier};
use seteli_platform::devkeys::DevKey;

const ISSUER: &str = "seteli-bench";
const AUDIENCE: &str = "seteli";

/// The median and worst per-token time in µs of verifying `tokens` round-robin.
fn measure(verifier: &Verifier, tokens: &[String]) -> (f64, f64) {
    for token in tokens.iter().cycle().take(200.max(tokens.len())) {
        verifier.verify(token).expect("warm-up");
    }
    let rounds = 20;
    let per_round = 2_000;
    let mut per_token = Vec::with_capacity(rounds);
    let mut next = tokens.iter().cycle();
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            let token = next.next().expect("a token");
            let caller = verifier.verify(token).expect("valid");
            std::hint::black_box(caller);
        }
        per_token.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(per_round));
    }
    per_token.sort_by(f64::total_cmp);
    (per_token[rounds / 2], per_token[rounds - 1])
}

fn budget(key: &str, default: f64) -> f64 {
    std::env::var(key)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn main() {
    let key = DevKey::generate("bench");
    let verifier_with = |cache_size: usize| {
        let mut policy = TokenPolicy::new(ISSUER, AUDIENCE);
        policy.cache_size = cache_size;
        Verifier::with_policy(&key.jwks_json(), policy).expect("verifier")
    };
    let token = |i: usize| {
        key.token(
            ISSUER,
            AUDIENCE,
            &format!("bench-user-{i}"),
            "provider_user",
            Some("p-1"),
            3600,
        )
        .expect("token")
    };
    let one = vec![token(0)];
    let many: Vec<String> = (0..1_000).map(token).collect();

    let uncached = verifier_with(0);
    let cached = verifier_with(10_000);
    let (uncached_median, uncached_worst) = measure(&uncached, &one);
    let (cached_median, cached_worst) = measure(&cached, &one);
    let (many_median, many_worst) = measure(&cached, &many);
    let uncached_budget = budget("SETELI_BENCH_VERIFY_BUDGET_US", 100.0);
    let cached_budget = budget("SETELI_BENCH_CACHED_BUDGET_US", 10.0);

    println!("| token verification (EdDSA) | median µs per token | worst round | budget |");
    println!("| --- | --- | --- | --- |");
    println!(
        "| uncached (every check, signature included) | {uncached_median:.2} | {uncached_worst:.2} | {uncached_budget} |"
    );
    println!(
        "| cached, one caller's token | {cached_median:.2} | {cached_worst:.2} | {cached_budget} |"
    );
    println!(
        "| cached, 1,000 callers round-robin | {many_median:.2} | {many_worst:.2} | {cached_budget} |"
    );
    println!(
        "jwt_verify: cached is {:.0}× faster than uncached ({} tokens remembered)",
        uncached_median / cached_median.max(f64::EPSILON),
        cached.cached_tokens()
    );
    if cfg!(debug_assertions) {
        println!("jwt_verify: debug build, budgets not enforced");
        return;
    }
    let mut over = false;
    if uncached_median > uncached_budget {
        eprintln!("jwt_verify: uncached over budget");
        over = true;
    }
    if cached_median.max(many_median) > cached_budget {
        eprintln!("jwt_verify: cached over budget");
        over = true;
    }
    if over {
        std::process::exit(1);
    }
}
