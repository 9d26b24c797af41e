//! Benchmark: the cost of verifying a bearer token, which sits on every call's path.
//!
//! Target (DESIGN.md, Security): EdDSA verification in tens of microseconds; this bench fails
//! when the median exceeds `SETELI_BENCH_VERIFY_BUDGET_US` (default 100 µs) in a release build.
//! Run with `make bench`.

use std::time::Instant;

use seteli_platform::auth::Verifier;
use seteli_platform::devkeys::DevKey;

fn main() {
    let key = DevKey::generate("bench");
    let verifier =
        Verifier::from_jwks_json(&key.jwks_json(), "seteli-bench", "seteli").expect("verifier");
    let token = key
        .token(
            "seteli-bench",
            "seteli",
            "bench-user",
            "provider_user",
            Some("p-1"),
            3600,
        )
        .expect("token");
    for _ in 0..200 {
        verifier.verify(&token).expect("warm-up");
    }
    let rounds = 20;
    let per_round = 500;
    let mut medians = Vec::with_capacity(rounds);
    for _ in 0..rounds {
        let start = Instant::now();
        for _ in 0..per_round {
            let caller = verifier.verify(&token).expect("valid");
            std::hint::black_box(caller);
        }
        medians.push(start.elapsed().as_secs_f64() * 1e6 / f64::from(per_round));
    }
    medians.sort_by(f64::total_cmp);
    let median = medians[rounds / 2];
    let worst = medians[rounds - 1];
    let budget: f64 = std::env::var("SETELI_BENCH_VERIFY_BUDGET_US")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100.0);
    println!(
        "jwt_verify_eddsa: median {median:.1} µs per token, worst round {worst:.1} µs (budget {budget} µs)"
    );
    if cfg!(debug_assertions) {
        println!("jwt_verify_eddsa: debug build, budget not enforced");
    } else if median > budget {
        eprintln!("jwt_verify_eddsa: over budget");
        std::process::exit(1);
    }
}
