//! Hostile input (issue 16): every RPC of every service is called with request messages made
//! from the descriptor set — random field values (huge, empty, non-ASCII, NUL, SQL, extreme
//! numbers, unknown enum values, deep nesting) and random bytes that happen to decode — as
//! every role. 0 panics (the server keeps serving), 0 INTERNAL, 0 UNKNOWN.
//!
//! A fuzzer in the shape of a test: bounded by a number of executions per RPC, seeded, and
//! the seed printed, so a finding is replayed with `SETELI_FUZZ_SEED=<seed>`;
//! `SETELI_FUZZ_ROUNDS` runs it longer than CI does.

use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, Value,
};
use seteli_platform::testing::{Rpc, call_raw, rpcs_of};
use seteli_tests::fixtures::*;
use tonic::Code;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

/// A small, fast, seeded generator (xorshift64*): the same seed, the same messages.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
}

/// Strings a portal, a script or an attacker may send; `known` adds ids that exist.
fn a_string(rng: &mut Rng, known: &[String]) -> String {
    const PICKS: &[&str] = &[
        "",
        " ",
        "x",
        "äöå ÄÖÅ",
        "'; DROP TABLE vouchers; --",
        "\0",
        "\u{202e}evil",
        "00000000-0000-0000-0000-000000000000",
        "not-a-uuid",
        "2026-02-30",
        "-1",
        "9223372036854775808",
        "%00%ff",
        "🙂",
        "FI2112345600000785",
        "010190-123A",
        "ktt_individual",
    ];
    match rng.below(10) {
        0..=3 if !known.is_empty() => known[rng.below(known.len())].clone(),
        4 => "A".repeat(rng.below(20_000) + 1),
        5 => (0..rng.below(40))
            .map(|_| char::from_u32(rng.below(0x2_0000) as u32).unwrap_or('?'))
            .collect(),
        _ => PICKS[rng.below(PICKS.len())].to_owned(),
    }
}

fn an_i64(rng: &mut Rng) -> i64 {
    const PICKS: &[i64] = &[0, 1, -1, 2, 100, 2026, i64::MAX, i64::MIN, i32::MAX as i64];
    if rng.chance(70) {
        PICKS[rng.below(PICKS.len())]
    } else {
        rng.next() as i64
    }
}

fn a_value(rng: &mut Rng, kind: &Kind, known: &[String], depth: u32) -> Value {
    match kind {
        Kind::Double => {
            Value::F64([0.0, -1.0, f64::NAN, f64::INFINITY, 62.89, 1e308][rng.below(6)])
        }
        Kind::Float => Value::F32([0.0, -1.0, f32::NAN, f32::INFINITY, 27.6][rng.below(5)]),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Value::I32(an_i64(rng) as i32),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Value::I64(an_i64(rng)),
        Kind::Uint32 | Kind::Fixed32 => Value::U32(an_i64(rng) as u32),
        Kind::Uint64 | Kind::Fixed64 => Value::U64(an_i64(rng) as u64),
        Kind::Bool => Value::Bool(rng.chance(50)),
        Kind::String => Value::String(a_string(rng, known)),
        Kind::Bytes => Value::Bytes(a_string(rng, known).into_bytes().into()),
        Kind::Enum(e) => {
            let values: Vec<i32> = e.values().map(|v| v.number()).collect();
            if rng.chance(85) && !values.is_empty() {
                Value::EnumNumber(values[rng.below(values.len())])
            } else {
                Value::EnumNumber(an_i64(rng) as i32)
            }
        }
        Kind::Message(m) => Value::Message(a_message(rng, m, known, depth + 1)),
    }
}

fn a_field_value(rng: &mut Rng, field: &FieldDescriptor, known: &[String], depth: u32) -> Value {
    let kind = field.kind();
    if field.is_map() {
        let Kind::Message(entry) = &kind else {
            unreachable!("a map field is a message of entries")
        };
        let value_kind = entry.map_entry_value_field().kind();
        let mut map = std::collections::HashMap::new();
        for _ in 0..rng.below(3) {
            map.insert(
                MapKey::String(a_string(rng, known)),
                a_value(rng, &value_kind, known, depth),
            );
        }
        Value::Map(map)
    } else if field.is_list() {
        let n = if rng.chance(5) { 300 } else { rng.below(4) };
        Value::List((0..n).map(|_| a_value(rng, &kind, known, depth)).collect())
    } else {
        a_value(rng, &kind, known, depth)
    }
}

/// A random message of `descriptor`: each field set or not, nested messages up to a depth.
fn a_message(
    rng: &mut Rng,
    descriptor: &MessageDescriptor,
    known: &[String],
    depth: u32,
) -> DynamicMessage {
    let mut message = DynamicMessage::new(descriptor.clone());
    if depth > 4 {
        return message;
    }
    for field in descriptor.fields() {
        if field.is_map()
            && matches!(field.kind(), Kind::Message(ref e) if !matches!(e.map_entry_key_field().kind(), Kind::String))
        {
            continue;
        }
        if rng.chance(60) {
            let value = a_field_value(rng, &field, known, depth);
            message.set_field(&field, value);
        }
    }
    message
}

/// Random bytes that decode as `descriptor` (most do not and are never sent: a request that
/// is not the message is the transport's, not the service's, to refuse).
fn decoding_bytes(rng: &mut Rng, descriptor: &MessageDescriptor) -> Option<Vec<u8>> {
    let bytes: Vec<u8> = (0..rng.below(64)).map(|_| rng.next() as u8).collect();
    DynamicMessage::decode(descriptor.clone(), bytes.as_slice())
        .ok()
        .map(|_| bytes)
}

fn rounds() -> usize {
    std::env::var("SETELI_FUZZ_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(24)
}

fn seed() -> u64 {
    std::env::var("SETELI_FUZZ_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos() as u64)
                .unwrap_or(1)
                | 1
        })
}

/// Fuzzes every RPC of `package` on `svc` with every role; panics on an INTERNAL or UNKNOWN
/// answer or when the service stops serving.
async fn fuzz(svc: Svc, package: &str) {
    let env = Env::builder().services(&Svc::ALL).start().await;
    set_prices(&env).await;
    // Ids that exist, so some requests get past "not found" into the workflows.
    let provider = approved_provider(&env, "Satunnainen Oy", 1_700_001, SIILINJARVI).await;
    let today = today();
    let from = days(today, -30);
    let until = seteli_rules::terms::validity_end(from, 3);
    let voucher = ktt_voucher(&env, &provider, 170, from, until).await;
    let known = vec![provider.clone(), voucher.clone()];
    let tokens = [
        env.admin(),
        env.social_worker(),
        env.provider_user(&provider),
        env.finance(),
        env.auditor(),
    ];
    let pool = DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET).expect("descriptors");
    let seed = seed();
    eprintln!("{package}: SETELI_FUZZ_SEED={seed}");
    let mut rng = Rng(seed);
    let rpcs: Vec<Rpc> = rpcs_of(package);
    assert!(!rpcs.is_empty(), "no RPCs in {package}");
    let channel = env.server(svc).channel();
    let mut executions = 0usize;
    for rpc in &rpcs {
        let method = pool
            .get_service_by_name(&rpc.service)
            .and_then(|s| s.methods().find(|m| m.name() == rpc.method))
            .unwrap_or_else(|| panic!("{} not in the descriptor set", rpc.path()));
        let input = method.input();
        for round in 0..rounds() {
            let bytes = if round % 4 == 3 {
                match decoding_bytes(&mut rng, &input) {
                    Some(b) => b,
                    None => continue,
                }
            } else {
                a_message(&mut rng, &input, &known, 0).encode_to_vec()
            };
            let token = &tokens[rng.below(tokens.len())];
            let status = call_raw(channel.clone(), rpc, token, bytes.clone()).await;
            executions += 1;
            assert!(
                !matches!(status.code(), Code::Internal | Code::Unknown),
                "{} answered {:?} ({}) to {} bytes (seed {seed}, round {round}): {:?}",
                rpc.path(),
                status.code(),
                status.message(),
                bytes.len(),
                DynamicMessage::decode(input.clone(), bytes.as_slice())
                    .map(|m| format!("{m:?}").chars().take(2_000).collect::<String>())
            );
        }
    }
    let serving = HealthClient::new(channel)
        .check(tonic_health::pb::HealthCheckRequest {
            service: String::new(),
        })
        .await
        .expect("health after the fuzzing")
        .into_inner()
        .status;
    assert_eq!(serving, ServingStatus::Serving as i32);
    eprintln!(
        "{package}: {executions} executions over {} RPCs, 0 INTERNAL",
        rpcs.len()
    );
}

#[tokio::test]
async fn providers_survive_hostile_requests() {
    fuzz(Svc::Providers, "seteli.providers.v1").await;
}

#[tokio::test]
async fn vouchers_survive_hostile_requests() {
    fuzz(Svc::Vouchers, "seteli.vouchers.v1").await;
}

#[tokio::test]
async fn attendance_survives_hostile_requests() {
    fuzz(Svc::Attendance, "seteli.attendance.v1").await;
}

#[tokio::test]
async fn billing_survives_hostile_requests() {
    fuzz(Svc::Billing, "seteli.billing.v1").await;
}

#[tokio::test]
async fn reporting_survives_hostile_requests() {
    fuzz(Svc::Reporting, "seteli.reporting.v1").await;
}
