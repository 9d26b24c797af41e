//! The access matrix at the level of objects (issue 30, "least privilege"): every RPC of the
//! five services whose request names an object × every caller × the objects of a world made
//! through the public APIs ([`world`]: provider A with social worker 1's client and everything
//! that client's voucher makes there — session, absence and Kela notice, alerts, report draft,
//! notice, group, invoice — and provider B with social worker 1's second client), each cell
//! with its expected answer.
//!
//! **The cells**, generated from the descriptor set ([`object_fields`]): for every RPC of every
//! service, the top-level string fields of its request that name an object (`voucher_id`,
//! `session_id`, `provider_id`, `social_worker`, `identity_code`, …: found by the field's name,
//! never by listing RPCs), each alone and, when there are several, all together; × side A's and
//! side B's objects of those kinds; × every caller (the county's administrator, both social
//! workers, A's and B's users, the financial system, the auditor, the five service accounts);
//! × two fills of the request's other fields ([`Fill`]: empty, and plausible enough to get past
//! the checks of a request's form). `request_id` is always a fresh uuid. So "another provider"
//! is B's user on side A, "another social worker's client" social worker 2 on either side, and
//! "another client" A's user on side B.
//!
//! **The expected answer.** An object's owners are the county's administrator, the users of its
//! provider, and for a client's objects the client's social worker; [`EXCEPTIONS`] names who
//! else sees (or owns) objects of a kind, and why (what is public by design). Then:
//! - a caller who may not see an object the request names gets exactly what an id that does
//!   not exist gets: the same call with each such key replaced by a fresh one of the same shape
//!   answers the same code, message and details (the keys aside) — so a role the role gate
//!   refuses answers PERMISSION_DENIED both times;
//! - a caller who sees the objects but owns none is refused every write on them;
//! - a read finds what its caller sees: where the same read of fresh keys answers NOT_FOUND,
//!   theirs does not (in one of the two fills); a list shows what it is filtered by. A service
//!   that answered NOT_FOUND to everyone fails the matrix;
//! - no refusal names a key of the world that was not asked for (an existence oracle: "session
//!   S is of voucher V"), and no OK answer to anyone names a key of an object the caller may not
//!   see.
//!
//! Writes of owners are not made (they would change the world under the other cells; the
//! role-level matrix, `access_matrix.rs`, and each service's own tests make them). Repeated
//! fields (`item_ids`) and objects named inside nested messages (an issue decision's
//! `client_id`) are not cells: `access_objects.rs` covers those by hand. With
//! `SETELI_MATRIX_CELLS` set, every cell and its answers are printed.

use std::collections::BTreeMap;

use futures::future::join_all;
use seteli_platform::testing::{Rpc, call_raw_answer, rpcs_of};
use seteli_tests::fixtures::*;
use seteli_tests::object_matrix::world::{Obj, Side, Who, World, started_world};
use seteli_tests::object_matrix::{
    Answer, Fill, Kind, ObjectField, fake_of, is_read, object_fields, request,
};
use tonic::Code;
use tonic::transport::Channel;

/// Who, beside its owners, sees an object of a kind.
#[derive(Debug, Clone, Copy)]
enum Seer {
    Everyone,
    /// Everyone but the users of other providers.
    NotOtherProviders,
    SocialWorkers,
    /// The social worker of the side's client (social worker 1).
    TheClientsSocialWorker,
    ProviderUsers,
    Auditor,
    Service(Svc),
}

/// How a caller stands to an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Rel {
    /// May not know it exists.
    Hidden,
    /// Reads it, acts on it not.
    Sees,
    /// Reads it and acts on it.
    Owns,
}

/// The exceptions: who stands to an object of a kind otherwise than the rule says (its owners
/// are the county's administrator, the users of its provider, and for a client's objects the
/// client's social worker; nobody else may know it exists), and why.
const EXCEPTIONS: &[(Kind, Seer, Rel, &str)] = &[
    (
        Kind::Provider,
        Seer::Everyone,
        Rel::Sees,
        "an approved provider is public: clients choose it (GetProvider, SearchProviders)",
    ),
    (
        Kind::Site,
        Seer::Everyone,
        Rel::Sees,
        "a provider's sites are part of its public entry in the register",
    ),
    (
        Kind::StaffMember,
        Seer::NotOtherProviders,
        Rel::Sees,
        "the county's roles read a provider's whole entry; another provider its public part",
    ),
    (
        Kind::Document,
        Seer::NotOtherProviders,
        Rel::Sees,
        "the county's roles read a provider's whole entry; another provider its public part",
    ),
    (
        Kind::Group,
        Seer::SocialWorkers,
        Rel::Sees,
        "a social worker sees every provider's groups, to place a client in one",
    ),
    (
        Kind::Invoice,
        Seer::Auditor,
        Rel::Sees,
        "the auditor reads every invoice",
    ),
    (
        Kind::Invoice,
        Seer::TheClientsSocialWorker,
        Rel::Sees,
        "a session names the invoice it is billed on (the id only: the invoice is not theirs \
         to read)",
    ),
    (
        Kind::Voucher,
        Seer::Auditor,
        Rel::Sees,
        "an invoice's lines name the vouchers billed (their ids and numbers)",
    ),
    (
        Kind::Session,
        Seer::Auditor,
        Rel::Sees,
        "an invoice's items name the sessions billed",
    ),
    (
        Kind::Invoice,
        Seer::Service(Svc::Billing),
        Rel::Owns,
        "billing's account marks the items of the invoices billing holds (MarkItemsInvoiced)",
    ),
    (
        Kind::Voucher,
        Seer::Service(Svc::Billing),
        Rel::Sees,
        "billing invoices by a voucher's terms (GetVoucher, ListVouchers: the feed's view)",
    ),
    (
        Kind::Client,
        Seer::Service(Svc::Billing),
        Rel::Sees,
        "the voucher's view billing reads names its client's id (and nothing else of them)",
    ),
    (
        Kind::Session,
        Seer::Service(Svc::Billing),
        Rel::Sees,
        "the billable items billing reads are sessions",
    ),
    (
        Kind::SocialWorker,
        Seer::ProviderUsers,
        Rel::Sees,
        "a provider's lists filtered by a social worker show the provider's own objects only",
    ),
];

/// How `who` stands to `o`: the rule, then the exceptions.
fn rel(who: Who, o: &Obj) -> Rel {
    let owns = match who {
        Who::Admin => true,
        Who::User(side) => side == o.side && o.kind != Kind::SocialWorker,
        Who::Sw1 => o.kind.is_clients(),
        _ => false,
    };
    if owns {
        return Rel::Owns;
    }
    EXCEPTIONS
        .iter()
        .filter(|(kind, seer, _, _)| {
            *kind == o.kind
                && match seer {
                    Seer::Everyone => true,
                    Seer::NotOtherProviders => !matches!(who, Who::User(s) if s != o.side),
                    Seer::SocialWorkers => matches!(who, Who::Sw1 | Who::Sw2),
                    Seer::TheClientsSocialWorker => who == Who::Sw1,
                    Seer::ProviderUsers => matches!(who, Who::User(_)),
                    Seer::Auditor => who == Who::Auditor,
                    Seer::Service(svc) => who == Who::Service(*svc),
                }
        })
        .map(|(_, _, rel, _)| *rel)
        .max()
        .unwrap_or(Rel::Hidden)
}

/// What a cell checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Check {
    /// The caller may not see an object named: the answer for fresh ids instead.
    NotThere,
    /// The caller sees every object named and owns none: a write is refused.
    Refused,
    /// The caller sees every object named: a read finds them.
    Found,
}

/// One cell: an RPC with `fields` naming `objects` of one side, called by `who`.
struct Cell<'w> {
    svc: Svc,
    rpc: Rpc,
    fields: Vec<ObjectField>,
    objects: Vec<&'w Obj>,
    who: Who,
    fill: Fill,
    check: Check,
}

impl Cell<'_> {
    /// The keys the request names: (field, key) of each object.
    fn named(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .zip(&self.objects)
            .map(|(f, o)| (f.field.clone(), o.key(f.key).expect("key").to_owned()))
            .collect()
    }

    /// The same keys with those of the objects `fake` picks replaced by fresh ones.
    fn faked(&self, fake: impl Fn(&Obj) -> bool) -> Vec<(String, String)> {
        self.fields
            .iter()
            .zip(&self.objects)
            .map(|(f, o)| {
                let real = o.key(f.key).expect("key");
                let value = if fake(o) {
                    fake_of(f.key, real)
                } else {
                    real.to_owned()
                };
                (f.field.clone(), value)
            })
            .collect()
    }

    fn title(&self) -> String {
        let fields: Vec<&str> = self.fields.iter().map(|f| f.field.as_str()).collect();
        format!(
            "{}/{}({}) of side {:?} as {:?} ({:?} fill)",
            self.svc.name(),
            self.rpc.method,
            fields.join(", "),
            self.objects[0].side,
            self.who,
            self.fill
        )
    }
}

/// Every cell of the matrix, from the descriptor set.
fn cells(world: &World) -> Vec<Cell<'_>> {
    let mut out = Vec::new();
    for svc in Svc::ALL {
        for rpc in rpcs_of(svc.package()) {
            let fields = object_fields(&rpc);
            let mut sets: Vec<Vec<ObjectField>> = fields.iter().map(|f| vec![f.clone()]).collect();
            if fields.len() > 1 {
                sets.push(fields.clone());
            }
            for set in sets {
                for side in [Side::A, Side::B] {
                    let Some(objects) = set
                        .iter()
                        .map(|f| world.named(f.kind, side).filter(|o| o.key(f.key).is_some()))
                        .collect::<Option<Vec<&Obj>>>()
                    else {
                        continue;
                    };
                    for who in Who::all() {
                        let rels: Vec<Rel> = objects.iter().map(|o| rel(who, o)).collect();
                        let check = if rels.contains(&Rel::Hidden) {
                            Check::NotThere
                        } else if is_read(&rpc) {
                            Check::Found
                        } else if rels.contains(&Rel::Owns) {
                            // An owner's write: not made (see the module's documentation).
                            continue;
                        } else {
                            Check::Refused
                        };
                        for fill in [Fill::Empty, Fill::Plausible] {
                            out.push(Cell {
                                svc,
                                rpc: rpc.clone(),
                                fields: set.clone(),
                                objects: objects.clone(),
                                who,
                                fill,
                                check,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The answers to a cell's request and, unless it is a [`Check::Refused`] cell, to the same
/// request with fresh ids (the ones it may not see, or all for [`Check::Found`]).
struct Answered {
    real: Answer,
    fake: Option<(Answer, Vec<(String, String)>)>,
}

async fn answer(channel: Channel, rpc: &Rpc, token: &str, bytes: Vec<u8>) -> Answer {
    Answer::of(call_raw_answer(channel, rpc, token, "", bytes).await)
}

async fn run(cell: &Cell<'_>, channel: Channel, token: String) -> Answered {
    let today = today();
    let named = cell.named();
    let real = answer(
        channel.clone(),
        &cell.rpc,
        &token,
        request(&cell.rpc, &named, cell.fill, today),
    );
    let faked = match cell.check {
        Check::Refused => {
            return Answered {
                real: real.await,
                fake: None,
            };
        }
        Check::NotThere => cell.faked(|o| rel(cell.who, o) == Rel::Hidden),
        Check::Found => cell.faked(|_| true),
    };
    let fake = answer(
        channel,
        &cell.rpc,
        &token,
        request(&cell.rpc, &faked, cell.fill, today),
    );
    let (real, fake) = futures::join!(real, fake);
    let pairs = named
        .into_iter()
        .map(|(_, v)| v)
        .zip(faked.into_iter().map(|(_, v)| v))
        .collect();
    Answered {
        real,
        fake: Some((fake, pairs)),
    }
}

/// The keys of the world a refusal's message or details name that `cell` did not ask for.
fn unasked_keys(world: &World, cell: &Cell<'_>, answer: &Answer) -> Vec<String> {
    let asked: Vec<String> = cell.named().into_iter().map(|(_, v)| v).collect();
    let texts = answer.texts_without(&asked);
    world
        .objects
        .iter()
        .flat_map(|o| o.keys.iter().map(|(_, k)| k.clone()))
        .filter(|k| !asked.contains(k) && texts.contains(k.as_str()))
        .map(|k| world.describe(&k))
        .collect()
}

/// The keys of objects `who` may not see that an OK `answer` names.
fn foreign_keys(world: &World, who: Who, answer: &Answer) -> Vec<String> {
    if answer.code != Code::Ok {
        return Vec::new();
    }
    world
        .objects
        .iter()
        .filter(|o| rel(who, o) == Rel::Hidden)
        .flat_map(|o| o.keys.iter().map(|(_, k)| k.clone()))
        .filter(|k| answer.names(k))
        .map(|k| world.describe(&k))
        .collect()
}

const ANOTHER_PROVIDER: &str = "another provider (B's user on A's objects)";
const ANOTHER_SOCIAL_WORKER: &str = "another social worker's client (social worker 2)";
const ANOTHER_CLIENT: &str = "another client (A's user on B's objects)";

/// Which of the three cases a [`Check::NotThere`] cell is, if any.
fn scenario(cell: &Cell<'_>) -> &'static str {
    match (cell.who, cell.objects[0].side) {
        (Who::User(Side::B), Side::A) => ANOTHER_PROVIDER,
        (Who::Sw2, _) => ANOTHER_SOCIAL_WORKER,
        (Who::User(Side::A), Side::B) => ANOTHER_CLIENT,
        _ => "not there to other roles and services",
    }
}

/// What the read of a [`Check::Found`] cell shows: `Some(true)` that the objects are there,
/// `Some(false)` that they are not, `None` nothing either way (the same read of fresh ids is
/// refused for the request's form or the caller's role).
fn found(cell: &Cell<'_>, real: &Answer, fake: &Answer) -> Option<bool> {
    let owner = cell.objects.iter().all(|o| rel(cell.who, o) == Rel::Owns);
    if !owner && cell.rpc.method.starts_with("List") {
        // A list filtered by what the caller sees but does not own (another provider, a
        // social worker) lists objects of other kinds, which the caller may not see: "not
        // there" is an answer too.
        return (real.code == Code::Ok && real.bytes != fake.bytes).then_some(true);
    }
    match fake.code {
        Code::NotFound => Some(real.code != Code::NotFound),
        // A list filtered by the objects: found when it shows them (or anything else than for
        // fresh ids); an empty list tells nothing (the side may have nothing of the kind).
        Code::Ok if real.code != Code::Ok => Some(false),
        Code::Ok => (cell.named().iter().any(|(_, key)| real.names(key))
            || real.bytes != fake.bytes)
            .then_some(true),
        _ => None,
    }
}

#[tokio::test]
async fn every_caller_gets_not_there_for_every_object_it_may_not_see() {
    let started = std::time::Instant::now();
    let (env, world) = started_world().await;
    let built = started.elapsed();
    let channels: BTreeMap<Svc, Channel> = Svc::ALL
        .into_iter()
        .map(|s| (s, env.server(s).channel()))
        .collect();
    let tokens: BTreeMap<Who, String> = Who::all()
        .into_iter()
        .map(|w| (w, w.token(&env, &world)))
        .collect();
    let cells = cells(&world);

    // Every cell's calls, a few dozen at a time.
    let mut answered = Vec::with_capacity(cells.len());
    for chunk in cells.chunks(32) {
        let calls = chunk
            .iter()
            .map(|c| run(c, channels[&c.svc].clone(), tokens[&c.who].clone()));
        answered.extend(join_all(calls).await);
    }

    let mut failures = Vec::new();
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    // Each (RPC, fields, side, caller) of a Found check: whether some fill found the objects,
    // and what the last fill that did not was answered.
    let mut finds: BTreeMap<String, (Option<bool>, String)> = BTreeMap::new();
    let mut codes: BTreeMap<String, usize> = BTreeMap::new();
    for (cell, a) in cells.iter().zip(&answered) {
        *codes
            .entry(format!("{:?} {:?}", cell.check, a.real.code))
            .or_default() += 1;
        if std::env::var_os("SETELI_MATRIX_CELLS").is_some() {
            let fake = a.fake.as_ref().map(|(f, _)| f.show()).unwrap_or_default();
            eprintln!(
                "{} {:?}: {} / {fake}",
                cell.title(),
                cell.check,
                a.real.show()
            );
        }
        let mut wrong = |what: String| failures.push(format!("{}: {what}", cell.title()));
        for answer in std::iter::once(&a.real).chain(a.fake.as_ref().map(|(f, _)| f)) {
            let foreign = foreign_keys(&world, cell.who, answer);
            if !foreign.is_empty() {
                wrong(format!(
                    "OK naming what the caller may not see: {foreign:?}"
                ));
            }
        }
        match (cell.check, &a.fake) {
            (Check::NotThere, Some((fake, pairs))) => {
                *count.entry("not there").or_default() += 1;
                // Past the role gate and the form: the object itself was looked for.
                if matches!(fake.code, Code::NotFound | Code::Ok) {
                    *count.entry(scenario(cell)).or_default() += 1;
                }
                if !a.real.same_as(fake, pairs) {
                    wrong(format!(
                        "got {}, expected what a fresh id gets: {}",
                        a.real.show(),
                        fake.show()
                    ));
                }
                let unasked = unasked_keys(&world, cell, &a.real);
                if !unasked.is_empty() {
                    wrong(format!("{} names {unasked:?}", a.real.show()));
                }
            }
            (Check::Refused, _) => {
                *count.entry("refused").or_default() += 1;
                if a.real.code == Code::Ok {
                    wrong("OK, expected a refusal: the caller does not own it".into());
                }
                let unasked = unasked_keys(&world, cell, &a.real);
                if !unasked.is_empty() {
                    wrong(format!("{} names {unasked:?}", a.real.show()));
                }
            }
            (Check::Found, Some((fake, _))) => {
                *count.entry("found").or_default() += 1;
                let key = cell
                    .title()
                    .replace(&format!(" ({:?} fill)", cell.fill), "");
                let (was, last) = finds.entry(key).or_insert((None, String::new()));
                match found(cell, &a.real, fake) {
                    Some(true) => *was = Some(true),
                    Some(false) => {
                        *was = was.or(Some(false));
                        *last = format!("got {}, a fresh id got {}", a.real.show(), fake.show());
                    }
                    None => {}
                }
            }
            _ => unreachable!("a cell that compares has its comparison"),
        }
    }
    for (cell, (was, last)) in &finds {
        if *was == Some(false) {
            failures.push(format!(
                "{cell}: not found by a caller who may see it: {last}"
            ));
        }
    }
    let found = finds.values().filter(|(f, _)| *f == Some(true)).count();
    eprintln!(
        "object matrix: {} cells ({count:?}), {found} reads that found their objects, {} undecided; \
         the world in {built:?}, everything in {:?}",
        cells.len(),
        finds.values().filter(|(f, _)| f.is_none()).count(),
        started.elapsed()
    );
    eprintln!("answers by check: {codes:?}");
    assert!(
        failures.is_empty(),
        "{} wrong cells:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // A generator that lost its fields, its world or its fills cannot pass: enough cells, and
    // in each of the three cases enough that got past the role gate and the form.
    assert!(count["not there"] > 1_000, "{count:?}");
    for case in [ANOTHER_PROVIDER, ANOTHER_SOCIAL_WORKER, ANOTHER_CLIENT] {
        assert!(
            count.get(case).copied().unwrap_or(0) >= 50,
            "{case}: {count:?}"
        );
    }
    assert!(found > 200, "only {found} reads found their objects");
}
