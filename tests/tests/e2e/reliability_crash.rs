//! Crash safety: attendance, a real child process, is killed with SIGKILL (kill -9) while
//! providers record sessions concurrently and retry whatever was not answered. After each
//! restart every acknowledged session is there exactly once, every retry of an unanswered
//! write lands once, units never pass the grant and the usage feed misses nothing.
//!
//! The child is `seteli-under-test attendance` (tests/src/bin): the service's own `main`,
//! configured from the environment as a pod is, on the test's fresh database; providers and
//! vouchers run in the test process.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use seteli_api::attendance::v1 as apb;
use seteli_api::attendance::v1::attendance_service_client::AttendanceServiceClient;
use seteli_api::vouchers::v1 as pb;
use seteli_platform::testing::{TestDatabase, with_token};
use seteli_tests::fixtures::*;
use seteli_tests::process::{ServiceProcess, base_vars};
use tonic::Code;
use tonic::transport::{Channel, Endpoint};

/// Vouchers written to at once (one writer each).
const VOUCHERS: usize = 4;
/// Sessions each writer tries: 20 × 2 h against a grant of 30 h, so the cap refuses some.
const SESSIONS_PER_VOUCHER: i64 = 20;
/// The service is killed when this many writes have been answered (three rounds).
const KILL_AFTER: [usize; 3] = [8, 30, 55];
/// The whole test gives up after this long.
const DEADLINE: Duration = Duration::from_secs(100);

/// How a write ended: admitted with its session id, or refused for good.
#[derive(Debug, Clone)]
enum Answer {
    Admitted(String),
    Refused(Code, String),
}

/// Is `status` the crash or the restart (send the same request again), not an answer? A
/// connection cut mid-call reaches the client as UNAVAILABLE, UNKNOWN or CANCELLED, or as
/// tonic's INTERNAL for a broken HTTP/2 stream; the service itself never answers INTERNAL.
fn retryable(status: &tonic::Status) -> bool {
    match status.code() {
        Code::Unavailable | Code::Unknown | Code::Cancelled | Code::Aborted => true,
        Code::Internal => status.message().contains("h2 protocol error"),
        _ => false,
    }
}

#[tokio::test]
async fn acknowledged_sessions_survive_kill_9_exactly_once() {
    // Vouchers follows the attendance process's usage feed (STARTED on the first units), through
    // every kill: its address is chosen first.
    let attendance_addr = seteli_tests::process::free_addr();
    let env = Env::builder()
        .services(&[Svc::Providers, Svc::Vouchers])
        .outside(Svc::Attendance, format!("http://{attendance_addr}"))
        .prices(Prices::County)
        .start()
        .await;
    let provider = approved_provider(&env, "Kestävä Työ Oy", 1_600_001, SIILINJARVI).await;
    let today = today();
    let from = days(today, -60);
    let until = seteli_rules::terms::validity_end(from, 3);
    let mut vouchers = Vec::new();
    for i in 0..VOUCHERS {
        vouchers.push(ktt_voucher(&env, &provider, 160 + i as u16, from, until).await);
    }

    let db = TestDatabase::fresh().await;
    let mut vars = base_vars(&env.keys, &db.url);
    vars.extend([
        ("SETELI_PROVIDERS_URL".into(), env.providers().url()),
        ("SETELI_VOUCHERS_URL".into(), env.vouchers().url()),
        (
            "SETELI_VOUCHERS_FEED_TOKEN".into(),
            env.service(Svc::Attendance),
        ),
        (
            "SETELI_PROVIDERS_FEED_TOKEN".into(),
            env.service(Svc::Attendance),
        ),
        ("SETELI_FEED_POLL_MS".into(), "50".into()),
    ]);
    let mut attendance =
        ServiceProcess::new(env!("CARGO_BIN_EXE_seteli-under-test"), "attendance", vars);
    attendance.addr = attendance_addr;
    attendance.spawn();
    attendance.ready().await;

    let channel = Endpoint::from_shared(format!("http://{}", attendance.addr))
        .expect("url")
        .connect_timeout(Duration::from_secs(2))
        .timeout(Duration::from_secs(10))
        .connect_lazy();
    let token = env.provider_user(&provider);
    let answered = Arc::new(AtomicUsize::new(0));
    let retried = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + DEADLINE;

    // One writer per voucher: each session has its own idempotency key, sent again (the
    // same key) until an answer arrives, across kills.
    let mut writers = Vec::new();
    for voucher in vouchers.clone() {
        let channel = channel.clone();
        let token = token.clone();
        let answered = answered.clone();
        let retried = retried.clone();
        writers.push(tokio::spawn(async move {
            let mut client = AttendanceServiceClient::new(channel);
            let mut answers: BTreeMap<String, Answer> = BTreeMap::new();
            for n in 0..SESSIONS_PER_VOUCHER {
                let request = apb::RecordSessionRequest {
                    request_id: rid(),
                    validate_only: false,
                    voucher_id: voucher.clone(),
                    details: Some(at(days(today, -50 + n), 9, 11)),
                    replaces_session_id: String::new(),
                };
                let answer = loop {
                    assert!(Instant::now() < deadline, "writes did not finish");
                    match client
                        .record_session(with_token(&token, request.clone()))
                        .await
                    {
                        Ok(r) => {
                            break Answer::Admitted(r.into_inner().session.expect("session").id);
                        }
                        Err(status) if retryable(&status) => {
                            retried.fetch_add(1, Ordering::SeqCst);
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                        Err(status) => {
                            break Answer::Refused(status.code(), status.message().to_owned());
                        }
                    }
                };
                answered.fetch_add(1, Ordering::SeqCst);
                answers.insert(request.request_id, answer);
            }
            (voucher, answers)
        }));
    }

    // Three rounds of kill -9 while the writers run, each restarted on the same database.
    for threshold in KILL_AFTER {
        while answered.load(Ordering::SeqCst) < threshold {
            assert!(Instant::now() < deadline, "writes stalled before a kill");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        attendance.kill_9();
        attendance.spawn();
        attendance.ready().await;
    }

    let mut results = Vec::new();
    for writer in writers {
        results.push(writer.await.expect("writer"));
    }
    let mut client = AttendanceServiceClient::new(channel);
    let admin = env.admin();
    let mut admitted_total = 0;
    for (voucher, answers) in &results {
        // Every refusal is the unit cap or a rule, never a server fault.
        for answer in answers.values() {
            if let Answer::Refused(code, message) = answer {
                assert_eq!(*code, Code::FailedPrecondition, "{message}");
            }
        }
        let admitted: BTreeSet<&String> = answers
            .values()
            .filter_map(|a| match a {
                Answer::Admitted(id) => Some(id),
                Answer::Refused(..) => None,
            })
            .collect();
        assert_eq!(
            admitted.len(),
            answers
                .values()
                .filter(|a| matches!(a, Answer::Admitted(_)))
                .count(),
            "two requests were answered with the same session"
        );
        // Stored: exactly the acknowledged sessions, each once.
        let mut stored = Vec::new();
        let mut page_token = String::new();
        loop {
            let page = client
                .list_sessions(with_token(
                    &admin,
                    apb::ListSessionsRequest {
                        voucher_id: voucher.clone(),
                        page_size: 500,
                        page_token: page_token.clone(),
                        ..Default::default()
                    },
                ))
                .await
                .expect("list sessions")
                .into_inner();
            stored.extend(
                page.sessions
                    .into_iter()
                    .filter(|s| s.status == apb::SessionStatus::Recorded as i32)
                    .map(|s| s.id),
            );
            if page.next_page_token.is_empty() {
                break;
            }
            page_token = page.next_page_token;
        }
        let stored_set: BTreeSet<&String> = stored.iter().collect();
        assert_eq!(stored.len(), stored_set.len(), "a session stored twice");
        assert_eq!(
            stored_set, admitted,
            "stored sessions differ from the acknowledged ones"
        );
        // The grant (30 h) holds, and the count matches what was admitted.
        let used = units_used_at(&mut client, &admin, voucher).await;
        assert!(used <= 3000, "units used {used} over the grant of 3000");
        assert_eq!(used, 200 * admitted.len() as i64);
        assert!(
            admitted.len() >= 10,
            "too few sessions admitted to mean anything: {}",
            admitted.len()
        );
        admitted_total += admitted.len();
    }

    // The usage feed: sequences increasing (not consecutive: on PostgreSQL a change is numbered
    // by its transaction id, issue 15), each voucher's last change its total.
    let mut after = 0;
    let mut last_per_voucher: BTreeMap<String, i64> = BTreeMap::new();
    loop {
        let page = client
            .list_usage_changes(with_token(
                &env.service(Svc::Vouchers),
                apb::ListUsageChangesRequest {
                    after_sequence: after,
                    page_size: 1000,
                },
            ))
            .await
            .expect("usage feed")
            .into_inner();
        if page.changes.is_empty() {
            break;
        }
        for change in page.changes {
            assert!(change.sequence > after, "the usage feed went back");
            after = change.sequence;
            last_per_voucher.insert(
                change.voucher_id,
                change.units_used.map(|u| u.hundredths).unwrap_or_default(),
            );
        }
    }
    for (voucher, answers) in &results {
        let admitted = answers
            .values()
            .filter(|a| matches!(a, Answer::Admitted(_)))
            .count() as i64;
        assert_eq!(last_per_voucher.get(voucher), Some(&(200 * admitted)));
    }
    // Vouchers, following the feed across the kills, started each voucher exactly once and
    // numbered its own feed in increasing order (not consecutive: on PostgreSQL a change is
    // numbered by its transaction id, issue 15).
    let started = |changes: &[pb::VoucherChange], voucher: &str| {
        changes
            .iter()
            .filter(|c| {
                c.kind == pb::VoucherChangeKind::Started as i32
                    && c.voucher.as_ref().is_some_and(|v| v.id == voucher)
            })
            .count()
    };
    let following = Instant::now() + Duration::from_secs(30);
    let changes = loop {
        let changes = every_voucher_change(&env).await;
        if vouchers.iter().all(|v| started(&changes, v) >= 1) {
            break changes;
        }
        assert!(
            Instant::now() < following,
            "vouchers did not start every voucher from the usage feed"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    for voucher in &vouchers {
        assert_eq!(started(&changes, voucher), 1, "{voucher} started twice");
    }
    assert!(
        changes.windows(2).all(|w| w[0].sequence < w[1].sequence),
        "the voucher feed goes back"
    );
    eprintln!(
        "kill -9 rounds: {}; writes answered: {}; sends retried after a kill: {}; sessions \
         acknowledged and found exactly once: {admitted_total}",
        KILL_AFTER.len(),
        answered.load(Ordering::SeqCst),
        retried.load(Ordering::SeqCst)
    );
    assert!(
        retried.load(Ordering::SeqCst) > 0,
        "no write was in flight at a kill: the test proved nothing"
    );
}

async fn units_used_at(
    client: &mut AttendanceServiceClient<Channel>,
    token: &str,
    voucher_id: &str,
) -> i64 {
    client
        .get_voucher_usage(with_token(
            token,
            apb::GetVoucherUsageRequest {
                voucher_id: voucher_id.into(),
            },
        ))
        .await
        .expect("usage")
        .into_inner()
        .usage
        .and_then(|u| u.units_used)
        .map(|u| u.hundredths)
        .expect("units used")
}
