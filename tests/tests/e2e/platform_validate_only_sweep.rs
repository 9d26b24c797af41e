//! Validate without writing, for every mutating RPC (issue 26; Google AIP-163): each RPC of the
//! five services whose request has a `request_id` (found from the descriptor set, so a new one
//! is swept by its proto alone) is called with `validate_only` by every caller of the object
//! matrix's world (`seteli_tests::object_matrix::world`: two providers, their clients' vouchers,
//! sessions, an absence, alerts, a report draft, notices, a group, an invoice), naming the
//! world's objects of each side, its other fields empty and plausible (the matrix's two fills).
//! Afterwards every row of every table of every service's database is as it was — the
//! objects, their states and versions, the feeds and their followers' cursors, the stored
//! answers, the audit log but for the validations' own marked entries and the reads other
//! services answered them — and nothing answered INTERNAL.
//!
//! How deep the calls went is counted and held to a floor: the RPCs whose validations answered
//! what the change would be (OK) or a rulebook refusal (FAILED_PRECONDITION) — 43 of 61, 19 of
//! them with an answer, when this was written.

use std::collections::{BTreeMap, BTreeSet};

use futures::future::join_all;
use prost::Message as _;
use prost_reflect::{DynamicMessage, Value};
use seteli_platform::testing::{Rpc, call_raw_answer, rpcs_of};
use seteli_tests::db_state::{Databases, changes, validations_audited};
use seteli_tests::fixtures::*;
use seteli_tests::object_matrix::world::{Side, Who, started_world};
use seteli_tests::object_matrix::{Answer, Fill, object_fields, request};
use tonic::Code;

/// `bytes` (a request of `rpc`) with `validate_only` set.
fn validating(rpc: &Rpc, bytes: &[u8]) -> Vec<u8> {
    let mut m = DynamicMessage::decode(rpc.input(), bytes).expect("a request of the RPC");
    m.set_field_by_name("validate_only", Value::Bool(true));
    m.encode_to_vec()
}

/// One call of the sweep.
struct Call {
    svc: Svc,
    rpc: Rpc,
    who: Who,
    bytes: Vec<u8>,
}

#[tokio::test]
async fn every_mutating_rpc_validated_by_every_caller_changes_nothing() {
    let started = std::time::Instant::now();
    let (env, world) = started_world().await;
    let dbs = Databases::of(&env).await;
    let today = today();

    let mut calls = Vec::new();
    let mut swept = BTreeSet::new();
    for svc in Svc::ALL {
        for rpc in rpcs_of(svc.package()) {
            if rpc.input().get_field_by_name("request_id").is_none() {
                continue;
            }
            swept.insert(format!("{}/{}", svc.name(), rpc.method));
            let fields = object_fields(&rpc);
            for side in [Side::A, Side::B] {
                let named: Vec<(String, String)> = fields
                    .iter()
                    .filter_map(|f| {
                        let key = world.named(f.kind, side)?.key(f.key)?;
                        Some((f.field.clone(), key.to_owned()))
                    })
                    .collect();
                for who in Who::all() {
                    for fill in [Fill::Empty, Fill::Plausible] {
                        let bytes = request(&rpc, &named, fill, today);
                        calls.push(Call {
                            svc,
                            rpc: rpc.clone(),
                            who,
                            bytes: validating(&rpc, &bytes),
                        });
                    }
                }
            }
        }
    }
    let tokens: BTreeMap<Who, String> = Who::all()
        .into_iter()
        .map(|w| (w, w.token(&env, &world)))
        .collect();

    let before = dbs.settled().await;
    let mut answers = Vec::with_capacity(calls.len());
    for chunk in calls.chunks(32) {
        let sent = chunk.iter().map(|c| {
            let channel = env.server(c.svc).channel();
            let token = tokens[&c.who].clone();
            async move {
                Answer::of(call_raw_answer(channel, &c.rpc, &token, "", c.bytes.clone()).await)
            }
        });
        answers.extend(join_all(sent).await);
    }
    // Settled: a change a validation let through would also reach the services following it.
    let after = dbs.settled().await;

    let changed = changes(&before, &after);
    assert!(
        changed.is_empty(),
        "{} validations changed:\n{}",
        calls.len(),
        changed.join("\n")
    );
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    let mut deep: BTreeMap<String, BTreeSet<&str>> = BTreeMap::new();
    let mut internal = Vec::new();
    for (call, answer) in calls.iter().zip(&answers) {
        *codes.entry(format!("{:?}", answer.code)).or_default() += 1;
        let rpc = format!("{}/{}", call.svc.name(), call.rpc.method);
        match answer.code {
            Code::Ok => {
                deep.entry(rpc).or_default().insert("answer");
            }
            Code::FailedPrecondition => {
                deep.entry(rpc).or_default().insert("refusal");
            }
            Code::Internal | Code::Unknown => {
                internal.push(format!("{rpc} as {:?}: {}", call.who, answer.show()));
            }
            _ => {}
        }
    }
    assert!(internal.is_empty(), "answered INTERNAL: {internal:#?}");
    eprintln!(
        "validate_only sweep: {} calls of {} RPCs by {} callers in {:?} ({codes:?}); \
         {} validations audited; answered or refused by a rule: {deep:?}",
        calls.len(),
        swept.len(),
        tokens.len(),
        started.elapsed(),
        validations_audited(&before, &after),
    );
    // A sweep that lost its RPCs or never got past the forms cannot pass: most RPCs reached
    // their rules, and a third answered what the change would be (an RPC that makes an object
    // from free text, e.g. CreateClient, stops at the form with the matrix's filler text:
    // platform_validate_only.rs validates those with real requests).
    assert!(swept.len() >= 61, "only {} mutating RPCs", swept.len());
    let answered = deep.values().filter(|d| d.contains("answer")).count();
    assert!(
        deep.len() >= 40 && answered >= 15,
        "only {} RPCs reached their rules, {answered} answered: {deep:?}",
        deep.len()
    );
}
