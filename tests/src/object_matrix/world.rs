//! The world the object-level access matrix names (`tests/tests/e2e/access_matrix_objects.rs`),
//! made through the public APIs of the five services.
//!
//! - **Side A**: provider A (approved), and a client of social worker 1 (the kit's social
//!   worker) holding a KTT voucher at A valid from two months ago: chosen, accepted, started by
//!   a realised session last month; an absence for the client's own illness that Kela's
//!   absence notice lists; two no-shows in a row (yesterday and today: the ABS-REPEATED alerts,
//!   the provider's and the social worker's); a report draft of its interim report; a damage
//!   notice; a group of A; and A's invoice of last month (generated, a draft).
//! - **Side B**: provider B (approved), and a second client of social worker 1 holding a voucher
//!   at B valid from today, with a session today and a damage notice.
//!
//! Every date is relative to today. Not made, as too costly or adding nothing: an approved
//! invoice (the financial system sees approved ones only, so its "not there" for a draft is
//! what is checked), enrolments and group sessions, a second social worker's own client (social
//! worker 2 is the one who sees nothing), and a group, an alert or an invoice at B.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::common::v1::ServiceType;
use seteli_rules::calendar::is_business_day;
use seteli_rules::terms::validity_end;

use super::{Key, Kind};
use crate::fixtures::*;

/// Which side of the world an object is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Side {
    /// Provider A and social worker 1's first client, whose voucher is at A.
    A,
    /// Provider B and social worker 1's second client, whose voucher is at B.
    B,
}

/// Who calls, in the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Who {
    /// The county's administrator.
    Admin,
    /// The kit's social worker: both clients are theirs.
    Sw1,
    /// Another social worker, with no client.
    Sw2,
    /// A user of the provider of a side.
    User(Side),
    /// The county's financial system.
    Finance,
    /// An auditor.
    Auditor,
    /// A service's own account.
    Service(Svc),
}

impl Who {
    /// Every caller: the people, then the five service accounts.
    pub fn all() -> Vec<Who> {
        let people = [
            Who::Admin,
            Who::Sw1,
            Who::Sw2,
            Who::User(Side::A),
            Who::User(Side::B),
            Who::Finance,
            Who::Auditor,
        ];
        people
            .into_iter()
            .chain(Svc::ALL.into_iter().map(Who::Service))
            .collect()
    }

    /// Their token in `env`, whose world is `world`.
    pub fn token(self, env: &Env, world: &World) -> String {
        match self {
            Who::Admin => env.admin(),
            Who::Sw1 => env.social_worker(),
            Who::Sw2 => other_social_worker(env),
            Who::User(Side::A) => env.provider_user(&world.a),
            Who::User(Side::B) => env.provider_user(&world.b),
            Who::Finance => env.finance(),
            Who::Auditor => env.auditor(),
            Who::Service(svc) => env.service(svc),
        }
    }
}

/// An object of the world and its keys.
#[derive(Debug, Clone)]
pub struct Obj {
    /// What it is.
    pub kind: Kind,
    /// Whose it is.
    pub side: Side,
    /// Its keys: its id, and a voucher's number, a client's identity code.
    pub keys: Vec<(Key, String)>,
    /// Whether requests name it (the first of its kind on its side); the others (the provider's
    /// alert, the no-shows, the final report) are only looked for in answers.
    pub named: bool,
}

impl Obj {
    /// Its `key`, if it has one of the kind.
    pub fn key(&self, key: Key) -> Option<&str> {
        self.keys
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }
}

/// The world the cells name.
pub struct World {
    /// Provider A's id.
    pub a: String,
    /// Provider B's id.
    pub b: String,
    /// Every object made.
    pub objects: Vec<Obj>,
}

impl World {
    fn add(&mut self, kind: Kind, side: Side, keys: Vec<(Key, String)>) {
        let named = !self
            .objects
            .iter()
            .any(|o| o.kind == kind && o.side == side);
        self.objects.push(Obj {
            kind,
            side,
            keys,
            named,
        });
    }

    fn id(&mut self, kind: Kind, side: Side, id: &str) {
        self.add(kind, side, vec![(Key::Id, id.to_owned())]);
    }

    /// What `key` is, for a failure's line: e.g. `Voucher of A (VoucherNumber PS-2026-000001)`.
    pub fn describe(&self, key: &str) -> String {
        self.objects
            .iter()
            .find_map(|o| {
                o.keys
                    .iter()
                    .find(|(_, k)| k == key)
                    .map(|(how, _)| format!("{:?} of {:?} ({how:?} {key})", o.kind, o.side))
            })
            .unwrap_or_else(|| key.to_owned())
    }

    /// The object of `kind` requests name on `side`.
    pub fn named(&self, kind: Kind, side: Side) -> Option<&Obj> {
        self.objects
            .iter()
            .find(|o| o.named && o.kind == kind && o.side == side)
    }
}

/// The first two business days of last month: a session, then an absence.
fn last_months_business_days() -> (NaiveDate, NaiveDate) {
    let mut business = month_ago(1)
        .iter_days()
        .take_while(|d| *d < month_ago(0))
        .filter(|d| is_business_day(*d));
    let first = business.next().expect("a business day");
    (first, business.next().expect("another"))
}

/// Polls `read` until it answers OK (reporting learns of a voucher from the feeds in its own
/// time).
async fn until_ok<T, F, Fut>(what: &str, read: F) -> T
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<T, tonic::Status>>,
{
    let got = poll_until(
        &read,
        |r| r.is_ok(),
        |r| format!("{what}: {:?}", r.as_ref().err()),
    )
    .await;
    got.expect("polled until OK")
}

/// Every service, with the county's prices, and the world made in them.
pub async fn started_world() -> (Env, World) {
    let env = Env::builder()
        .services(&Svc::ALL)
        .prices(crate::kit::Prices::County)
        .start()
        .await;
    let world = world(&env).await;
    (env, world)
}

/// Makes the world (see the module's documentation) through the public APIs of `env`, which
/// runs every service with the county's prices.
pub async fn world(env: &Env) -> World {
    let a = approved_provider(env, "Valmennus ry", 1_300_001, SIILINJARVI).await;
    let b = approved_provider(env, "Kilpailija Oy", 1_300_002, SIILINJARVI).await;
    let admin = env.admin();
    let mut w = World {
        a: a.clone(),
        b: b.clone(),
        objects: Vec::new(),
    };
    for (side, p) in [(Side::A, &a), (Side::B, &b)] {
        let entry = read_provider(&mut env.p(), &admin, p)
            .await
            .expect("provider");
        let business_id = entry.details.as_ref().map(|d| d.business_id.clone());
        let keys = [(Key::Id, p.clone())].into_iter();
        let keys = keys.chain(business_id.map(|b| (Key::BusinessId, b)));
        w.add(Kind::Provider, side, keys.collect());
        w.id(Kind::Site, side, &entry.sites[0].id);
        w.id(Kind::StaffMember, side, &entry.staff[0].id);
        w.id(Kind::Document, side, &entry.documents[0].id);
    }
    let sw1 = vec![(Key::Subject, "test-social_worker".to_owned())];

    // Side A: a voucher valid from two months ago, started by last month's session.
    let (session_day, absence_day) = last_months_business_days();
    let from = month_ago(2);
    let client = client_at(env, 301, SIILINJARVI).await;
    let service = ServiceType::KttIndividual;
    let va = voucher_for_client(
        env,
        &a,
        &client.id,
        service,
        (from, validity_end(from, 3)),
        30,
    )
    .await;
    let s = record(env, &a, &va, at(session_day, 9, 11))
        .await
        .expect("session");
    record_absence(
        env,
        &a,
        &va,
        absence_day,
        apb::AbsenceKind::Absent,
        apb::AbsenceReason::OwnIllness,
    )
    .await
    .expect("absence");
    let invoice = generated(env, &a, month_ago(1))
        .await
        .invoice
        .expect("invoice")
        .id;
    no_show(env, &a, &va, days(today(), -1)).await;
    no_show(env, &a, &va, today()).await;
    // The social worker's ABS-REPEATED alert is the one requests name; the provider's alerts
    // (ABS-REPEATED, ABS-KELA) are looked for in answers.
    let to_the_social_worker = |x: &apb::Alert| {
        x.rule_id == "ABS-REPEATED" && x.audience == apb::AlertAudience::SocialWorker as i32
    };
    let mut alerts = poll_until(
        || alerts(env, &admin, of_voucher(&va)),
        |got| got.iter().any(to_the_social_worker),
        |got| format!("ABS-REPEATED alerts of {va}: {got:?}"),
    )
    .await;
    alerts.sort_by_key(|x| !to_the_social_worker(x));
    kela_notices_listed(env, &va).await;
    let report = report_id(&va, "REP-INTERIM");
    until_ok("the interim report of A's voucher", || {
        get_report(env, &admin, &report)
    })
    .await;
    save_draft(env, &a, &report, full_sections())
        .await
        .expect("draft");
    let user_a = env.provider_user(&a);
    let notice = until_ok("a notice of A's voucher", || {
        notify_damage(env, &user_a, &va, d(today()), "Ikkuna rikkoutui.")
    })
    .await
    .id;
    let details = group_details(
        ServiceType::SkGroup,
        apb::GroupMode::Open,
        8,
        days(today(), 14),
    );
    let group = create_group(env, &a, details).await.expect("group").id;
    let voucher = get_voucher(env, &va).await;
    w.add(
        Kind::Client,
        Side::A,
        vec![
            (Key::Id, client.id.clone()),
            (Key::IdentityCode, hetu(ymd(1990, 5, 5), 301)),
        ],
    );
    w.add(
        Kind::Voucher,
        Side::A,
        vec![
            (Key::Id, va.clone()),
            (Key::VoucherNumber, voucher.voucher_number),
        ],
    );
    w.id(Kind::Session, Side::A, &s.id);
    for x in &alerts {
        w.id(Kind::Alert, Side::A, &x.id);
    }
    w.id(Kind::Report, Side::A, &report);
    w.id(Kind::Report, Side::A, &report_id(&va, "REP-FINAL"));
    w.id(Kind::Notice, Side::A, &notice);
    w.id(Kind::Group, Side::A, &group);
    w.id(Kind::Invoice, Side::A, &invoice);
    w.add(Kind::SocialWorker, Side::A, sw1.clone());

    // Side B: the second client's voucher at B, a session today and a notice.
    let second = client_at(env, 302, SIILINJARVI).await;
    let vb = voucher_for_client(
        env,
        &b,
        &second.id,
        service,
        (today(), validity_end(today(), 3)),
        30,
    )
    .await;
    let sb = record(env, &b, &vb, at(today(), 12, 14))
        .await
        .expect("session at B");
    let user_b = env.provider_user(&b);
    let notice_b = until_ok("a notice of B's voucher", || {
        notify_damage(env, &user_b, &vb, d(today()), "Tuoli rikkoutui.")
    })
    .await
    .id;
    let report_b = report_id(&vb, "REP-INTERIM");
    until_ok("the interim report of B's voucher", || {
        get_report(env, &admin, &report_b)
    })
    .await;
    let voucher_b = get_voucher(env, &vb).await;
    w.add(
        Kind::Client,
        Side::B,
        vec![
            (Key::Id, second.id.clone()),
            (Key::IdentityCode, hetu(ymd(1990, 5, 5), 302)),
        ],
    );
    w.add(
        Kind::Voucher,
        Side::B,
        vec![
            (Key::Id, vb.clone()),
            (Key::VoucherNumber, voucher_b.voucher_number),
        ],
    );
    w.id(Kind::Session, Side::B, &sb.id);
    w.id(Kind::Notice, Side::B, &notice_b);
    w.id(Kind::Report, Side::B, &report_b);
    w.add(Kind::SocialWorker, Side::B, sw1);
    w
}
