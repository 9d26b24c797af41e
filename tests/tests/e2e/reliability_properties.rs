//! Property tests (issue 16): random sequences of attendance operations on a voucher — record,
//! correct and void sessions on random days and hours, some against the rules — keep every
//! invariant after every step:
//!
//! - a refused operation changes nothing, and is refused as the caller's mistake (never
//!   INTERNAL or UNKNOWN);
//! - the units used are the sum of the recorded sessions' units, and never above the grant;
//! - the usage feed's last entry for the voucher says the same units.
//!
//! proptest shrinks a failing sequence to a short one and prints it;
//! `PROPTEST_CASES` runs more sequences than CI does.

use proptest::prelude::*;
use proptest::test_runner::{Config as ProptestConfig, TestRunner};
use seteli_api::attendance::v1 as apb;
use seteli_platform::testing::with_token;
use seteli_tests::fixtures::*;
use tonic::Code;

/// One operation of a sequence.
#[derive(Debug, Clone)]
enum Op {
    /// A session `day` days into the voucher, from 9 to 9 + `hours` o'clock.
    Record { day: i64, hours: i32 },
    /// Corrects the `nth` session recorded so far (modulo) to `hours`.
    Correct { nth: usize, hours: i32 },
    /// Voids the `nth` session recorded so far (modulo).
    Void { nth: usize },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0i64..45, 1i32..=5).prop_map(|(day, hours)| Op::Record { day, hours }),
        1 => (0usize..20, 1i32..=5).prop_map(|(nth, hours)| Op::Correct { nth, hours }),
        1 => (0usize..20).prop_map(|nth| Op::Void { nth }),
    ]
}

/// The voucher's sessions in state RECORDED, with their units.
async fn recorded(env: &Env, voucher: &str) -> Vec<(String, i64)> {
    let page = env
        .a()
        .list_sessions(with_token(
            &env.admin(),
            apb::ListSessionsRequest {
                voucher_id: voucher.into(),
                page_size: 500,
                ..Default::default()
            },
        ))
        .await
        .expect("list sessions")
        .into_inner();
    assert!(page.next_page_token.is_empty(), "more than a page");
    page.sessions
        .into_iter()
        .filter(|s| s.status == apb::SessionStatus::Recorded as i32)
        .map(|s| (s.id, s.units.map(|u| u.hundredths).unwrap_or_default()))
        .collect()
}

/// The last units the usage feed says for `voucher`.
async fn fed_units(env: &Env, voucher: &str) -> Option<i64> {
    let changes = every_usage_change(env).await;
    let last = changes.into_iter().rfind(|c| c.voucher_id == voucher)?;
    last.units_used.map(|u| u.hundredths)
}

/// Applies `op` and checks the invariants; whether it was admitted.
async fn apply(env: &Env, provider: &str, voucher: &str, from: chrono::NaiveDate, op: &Op) -> bool {
    let token = env.provider_user(provider);
    let before = recorded(env, voucher).await;
    let answer: Result<(), tonic::Status> = match op {
        Op::Record { day, hours } => env
            .a()
            .record_session(with_token(
                &token,
                record_request(voucher, at(days(from, *day), 9, 9 + hours)),
            ))
            .await
            .map(|_| ()),
        Op::Correct { nth, hours } => {
            let Some((id, _)) = before.get(nth % before.len().max(1)).cloned() else {
                return false;
            };
            let session = read_session(env, &token, &id).await.expect("get session");
            let mut details = session.details.expect("details");
            details.end_time = clock(9 + hours, 0);
            correct_session(env, &token, &id, details, "Kirjattu väärä lopetusaika.")
                .await
                .map(|_| ())
        }
        Op::Void { nth } => {
            let Some((id, _)) = before.get(nth % before.len().max(1)).cloned() else {
                return false;
            };
            void_session(env, &token, &id, "Kirjattu väärälle asiakkaalle.")
                .await
                .map(|_| ())
        }
    };
    let after = recorded(env, voucher).await;
    if let Err(status) = &answer {
        assert!(
            matches!(
                status.code(),
                Code::FailedPrecondition | Code::InvalidArgument | Code::NotFound
            ),
            "{op:?} answered {:?}: {}",
            status.code(),
            status.message()
        );
        let mut b = before.clone();
        let mut a = after.clone();
        b.sort();
        a.sort();
        assert_eq!(a, b, "{op:?} was refused but changed the sessions");
    }
    let total: i64 = after.iter().map(|(_, units)| units).sum();
    let used = units_used(env, voucher).await;
    assert_eq!(
        used, total,
        "after {op:?}: units used ≠ the recorded sessions"
    );
    assert!(used <= 3000, "after {op:?}: {used} over the grant of 3000");
    if used > 0 || !after.is_empty() {
        assert_eq!(
            fed_units(env, voucher).await,
            Some(used),
            "after {op:?}: the usage feed says otherwise"
        );
    }
    answer.is_ok()
}

#[test]
fn random_sequences_of_session_operations_keep_every_invariant() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let (env, provider) = runtime.block_on(async {
        let env = start_attendance().await;
        let provider = approved_provider(&env, "Ominaisuus Oy", 1_800_001, SIILINJARVI).await;
        (env, provider)
    });
    let from = days(today(), -60);
    let until = seteli_rules::terms::validity_end(from, 3);
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let mut runner = TestRunner::new(ProptestConfig {
        cases,
        max_shrink_iters: 64,
        ..ProptestConfig::default()
    });
    let individual = std::sync::atomic::AtomicU16::new(180);
    let admitted = std::sync::atomic::AtomicUsize::new(0);
    let result = runner.run(&prop::collection::vec(op(), 1..14), |ops| {
        runtime.block_on(async {
            // Each sequence on a voucher of its own (a fresh client).
            let n = individual.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let voucher = ktt_voucher(&env, &provider, n, from, until).await;
            // Attendance learns of the voucher from the vouchers feed: wait until it has.
            let known = || async { voucher_usage_as(&env, &env.admin(), &voucher).await.is_ok() };
            eventually("attendance knows the voucher", known).await;
            for op in &ops {
                if apply(&env, &provider, &voucher, from, op).await {
                    admitted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
            }
        });
        Ok(())
    });
    runtime.block_on(async move { drop(env) });
    if let Err(failure) = result {
        panic!("{failure}");
    }
    // The sequences did something: most records are admitted, so the checks saw real changes.
    assert!(
        admitted.load(std::sync::atomic::Ordering::SeqCst) >= cases as usize,
        "too few operations admitted to mean anything"
    );
}
