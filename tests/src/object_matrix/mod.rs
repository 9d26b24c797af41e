//! The object level of the access matrix (`tests/tests/e2e/access_matrix_objects.rs`): which
//! fields of a request name an object, read from the descriptor set; requests built field by
//! field with one world's objects named in them; ids of the same shape that name nothing; and
//! what an answer shows (its code, its message, the ids it names).
//!
//! No RPC is listed here: an RPC whose request names an object is found by its fields. What a
//! field names is listed by the field's name ([`names`]); a new `…_id` field that the list does
//! not know fails the matrix until it is told what it names.

use chrono::{Datelike as _, NaiveDate};
use prost::Message as _;
use prost_reflect::{DynamicMessage, FieldDescriptor, Kind as FieldKind, MessageDescriptor, Value};
use seteli_platform::testing::Rpc;

pub mod world;

/// A kind of object a request may name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A provider of the register.
    Provider,
    /// A provider's site (office).
    Site,
    /// A provider's staff member.
    StaffMember,
    /// A provider's document (certificate, licence).
    Document,
    /// A client of the county.
    Client,
    /// A service voucher.
    Voucher,
    /// A session recorded on a voucher.
    Session,
    /// An alert of attendance about a voucher.
    Alert,
    /// A notice to the social worker about a voucher.
    Notice,
    /// A report obligation and its report.
    Report,
    /// A provider's group.
    Group,
    /// A provider's invoice of a month.
    Invoice,
    /// A social worker (the subject of their token), as a list filter names them.
    SocialWorker,
}

impl Kind {
    /// Whether the object is about a client (the client's social worker's business), not only
    /// about a provider.
    pub fn is_clients(self) -> bool {
        matches!(
            self,
            Kind::Client
                | Kind::Voucher
                | Kind::Session
                | Kind::Alert
                | Kind::Notice
                | Kind::Report
                | Kind::SocialWorker
        )
    }
}

/// By which of its keys a field names an object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Key {
    /// Its id.
    Id,
    /// A voucher's number (`PS-…`).
    VoucherNumber,
    /// A client's identity code (henkilötunnus).
    IdentityCode,
    /// A person's token subject.
    Subject,
    /// A provider's Y-tunnus (business id).
    BusinessId,
}

/// Fields whose name ends in `_id` but name no object: the idempotency key.
const NOT_OBJECTS: &[&str] = &["request_id"];

/// What a request field named `field` names: the kind of object and the key. `None` for a
/// field that names no object. Panics for a field ending in `_id` that this list does not know:
/// the matrix must be told what it names.
pub fn names(field: &str) -> Option<(Kind, Key)> {
    let named = known(field);
    assert!(
        named.is_some() || !field.ends_with("_id") || NOT_OBJECTS.contains(&field),
        "request field {field}: the object matrix does not know what it names \
         (tests/src/object_matrix.rs, `known`)"
    );
    named
}

/// What a field named `field` names, if this list knows.
fn known(field: &str) -> Option<(Kind, Key)> {
    let named = match field {
        "provider_id" => (Kind::Provider, Key::Id),
        "site_id" => (Kind::Site, Key::Id),
        "staff_member_id" => (Kind::StaffMember, Key::Id),
        "document_id" => (Kind::Document, Key::Id),
        "client_id" => (Kind::Client, Key::Id),
        "identity_code" => (Kind::Client, Key::IdentityCode),
        "voucher_id" => (Kind::Voucher, Key::Id),
        "voucher_number" => (Kind::Voucher, Key::VoucherNumber),
        "session_id" | "replaces_session_id" => (Kind::Session, Key::Id),
        "alert_id" => (Kind::Alert, Key::Id),
        "notice_id" => (Kind::Notice, Key::Id),
        "report_id" | "obligation_id" => (Kind::Report, Key::Id),
        "group_id" => (Kind::Group, Key::Id),
        "invoice_id" => (Kind::Invoice, Key::Id),
        "social_worker" => (Kind::SocialWorker, Key::Subject),
        "business_id" => (Kind::Provider, Key::BusinessId),
        _ => return None,
    };
    Some(named)
}

/// A top-level field of a request that names an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectField {
    /// The field's name, e.g. `voucher_id`.
    pub field: String,
    /// What it names.
    pub kind: Kind,
    /// By which key.
    pub key: Key,
}

/// The top-level, single string fields of `rpc`'s request that name an object.
pub fn object_fields(rpc: &Rpc) -> Vec<ObjectField> {
    rpc.input()
        .fields()
        .filter(|f| !f.is_list() && !f.is_map() && f.kind() == FieldKind::String)
        .filter_map(|f| {
            names(f.name()).map(|(kind, key)| ObjectField {
                field: f.name().to_owned(),
                kind,
                key,
            })
        })
        .collect()
}

/// Every RPC of the five services, and of the audit log every one of them serves.
pub fn every_rpc() -> Vec<Rpc> {
    crate::kit::Svc::ALL
        .iter()
        .map(|s| s.package())
        .chain(["seteli.audit.v1"])
        .flat_map(seteli_platform::testing::rpcs_of)
        .collect()
}

/// Whether `rpc` only reads (its name says so: Get, List, Search, Check, Compare, Export, Stream).
pub fn is_read(rpc: &Rpc) -> bool {
    [
        "Get", "List", "Search", "Check", "Compare", "Export", "Stream",
    ]
    .iter()
    .any(|verb| rpc.method.starts_with(verb))
}

/// What the fields of a request that name no object hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fill {
    /// Unset: the request names its objects and nothing else.
    Empty,
    /// A request that gets past the checks of its form: every other single string field a
    /// short text, every date `today`, every place Kuopio, every enum its first value, a year
    /// and a month today's, nested messages (two levels) filled the same way; lists and other
    /// numbers unset.
    Plausible,
}

/// The text [`Fill::Plausible`] puts in every string field that names nothing.
pub const TEXT: &str = "Matriisin tarkistus.";

/// The encoded request of `rpc` naming `named` (field, value); `request_id`, if the request
/// has one, a fresh uuid; every other field as `fill` says.
pub fn request(rpc: &Rpc, named: &[(String, String)], fill: Fill, today: NaiveDate) -> Vec<u8> {
    let desc = rpc.input();
    let mut m = DynamicMessage::new(desc.clone());
    for f in desc.fields() {
        if let Some((_, value)) = named.iter().find(|(n, _)| n == f.name()) {
            m.set_field(&f, Value::String(value.clone()));
        } else if f.name() == "request_id" && f.kind() == FieldKind::String {
            m.set_field(&f, Value::String(uuid::Uuid::now_v7().to_string()));
        } else if fill == Fill::Plausible
            && let Some(v) = plausible(&f, today, 0)
        {
            m.set_field(&f, v);
        }
    }
    m.encode_to_vec()
}

/// A value of field `f` (of a message `depth` levels into the request) that gets past the
/// checks of a request's form, if [`Fill::Plausible`] sets it.
fn plausible(f: &FieldDescriptor, today: NaiveDate, depth: u32) -> Option<Value> {
    if f.is_list() || f.is_map() || f.containing_oneof().is_some() {
        return None;
    }
    match f.kind() {
        FieldKind::String if !names_anything(f.name()) => Some(Value::String(TEXT.to_owned())),
        FieldKind::Message(d) if d.full_name() == "seteli.common.v1.Date" => {
            Some(Value::Message(date(&d, today)))
        }
        FieldKind::Message(d) if d.full_name() == "seteli.common.v1.Coordinates" => {
            let mut m = DynamicMessage::new(d);
            m.set_field_by_name("latitude", Value::F64(crate::fixtures::KUOPIO.0));
            m.set_field_by_name("longitude", Value::F64(crate::fixtures::KUOPIO.1));
            Some(Value::Message(m))
        }
        // Nested details (a session's, a cancellation, a client's), two levels deep; the
        // objects they name stay unset.
        FieldKind::Message(d) if depth < 2 => {
            let mut m = DynamicMessage::new(d.clone());
            for inner in d.fields() {
                if !names_anything(inner.name())
                    && let Some(v) = plausible(&inner, today, depth + 1)
                {
                    m.set_field(&inner, v);
                }
            }
            Some(Value::Message(m))
        }
        FieldKind::Enum(e) => e
            .values()
            .find(|v| v.number() != 0)
            .map(|v| Value::EnumNumber(v.number())),
        FieldKind::Int32 if f.name() == "year" => Some(Value::I32(today.year())),
        FieldKind::Int32 if f.name() == "month" => Some(Value::I32(today.month() as i32)),
        _ => None,
    }
}

/// Whether a field named `field` names an object or a page (an id of any kind, a page token,
/// a code or a subject): [`Fill::Plausible`] leaves it unset.
fn names_anything(field: &str) -> bool {
    known(field).is_some() || field.ends_with("_id") || field == "page_token"
}

/// `day` as a `seteli.common.v1.Date`.
fn date(d: &MessageDescriptor, day: NaiveDate) -> DynamicMessage {
    let mut m = DynamicMessage::new(d.clone());
    m.set_field_by_name("year", Value::I32(day.year()));
    m.set_field_by_name("month", Value::I32(day.month() as i32));
    m.set_field_by_name("day", Value::I32(day.day() as i32));
    m
}

/// A key of the same shape as `real` that names nothing: every uuid in it a fresh one (a
/// report id `<voucher>/<rule>` keeps its rule), a voucher number's digits a number never
/// given, an identity code of someone nobody registered, a subject nobody signs in as, a
/// Y-tunnus no provider registered.
pub fn fake_of(key: Key, real: &str) -> String {
    match key {
        Key::Id => {
            let fresh = replace_uuids(real);
            if fresh == real {
                format!("{real}-{}", uuid::Uuid::now_v7().simple())
            } else {
                fresh
            }
        }
        Key::VoucherNumber => {
            // The highest numbers of the year's series: never given in a test.
            let prefix = real.trim_end_matches(|c: char| c.is_ascii_digit());
            let width = real.len() - prefix.len();
            if width == 0 {
                return fake_of(Key::Id, real);
            }
            let top = 10u128.pow(u32::try_from(width).expect("width").min(30)) - 1;
            let n = top - uuid::Uuid::now_v7().as_u128() % 1_000;
            format!("{prefix}{n:0>width$}")
        }
        Key::IdentityCode => {
            let individual = 900 + (uuid::Uuid::now_v7().as_u128() % 99) as u16;
            seteli_rules::ids::format_hetu(
                NaiveDate::from_ymd_opt(1977, 7, 7).expect("date"),
                individual,
            )
            .expect("hetu")
        }
        Key::Subject => format!("matrix-nobody-{}", uuid::Uuid::now_v7().simple()),
        // A valid Y-tunnus of the 9 000 000s: the world's come from small seeds.
        Key::BusinessId => (0..20)
            .find_map(|i| {
                let body = 9_000_000 + (uuid::Uuid::now_v7().as_u128() % 990_000) as u32 + i;
                seteli_rules::ids::format_y_tunnus(&body.to_string()).ok()
            })
            .expect("a Y-tunnus"),
    }
}

/// `s` with every hyphenated uuid in it replaced by a fresh one.
fn replace_uuids(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while !rest.is_empty() {
        if rest.len() >= 36
            && rest.is_char_boundary(36)
            && uuid::Uuid::try_parse(&rest[..36]).is_ok()
        {
            out.push_str(&uuid::Uuid::now_v7().to_string());
            rest = &rest[36..];
        } else {
            let c = rest.chars().next().expect("a char");
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// What a service answered: OK with the response's bytes, or a status.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The code (`Ok` for a response).
    pub code: tonic::Code,
    /// The status message (empty for a response).
    pub message: String,
    /// The texts of the status's details: its field violations, rule violations and localized
    /// message (not its request id, which is each call's own).
    pub details: String,
    /// The response's bytes (empty for a status).
    pub bytes: Vec<u8>,
}

impl Answer {
    /// The answer of a call.
    pub fn of(result: Result<Vec<u8>, tonic::Status>) -> Self {
        match result {
            Ok(bytes) => Answer {
                code: tonic::Code::Ok,
                message: String::new(),
                details: String::new(),
                bytes,
            },
            Err(s) => Answer {
                code: s.code(),
                message: s.message().to_owned(),
                details: details_text(&s),
                bytes: Vec::new(),
            },
        }
    }

    /// Whether the response, the message or the details hold `text` (an id, a code, a
    /// subject).
    pub fn names(&self, text: &str) -> bool {
        !text.is_empty()
            && (self.message.contains(text)
                || self.details.contains(text)
                || self.bytes.windows(text.len()).any(|w| w == text.as_bytes()))
    }

    /// Whether this refusal is `other`'s with each real key replaced by its fake
    /// (`replaced`): the same code, message and details.
    pub fn same_as(&self, other: &Answer, replaced: &[(String, String)]) -> bool {
        let as_if = |text: &str| {
            replaced
                .iter()
                .fold(text.to_owned(), |t, (real, fake)| t.replace(real, fake))
        };
        self.code == other.code
            && as_if(&self.message) == other.message
            && as_if(&self.details) == other.details
    }

    /// The message and the details, with the keys of `asked` taken out (to look for the keys
    /// that were not asked for: a report id holds its voucher's id).
    pub fn texts_without(&self, asked: &[String]) -> String {
        asked
            .iter()
            .fold(format!("{}\n{}", self.message, self.details), |t, a| {
                t.replace(a.as_str(), "…")
            })
    }

    /// One line: the code and the message (or the response's size).
    pub fn show(&self) -> String {
        if self.code == tonic::Code::Ok {
            format!("OK ({} bytes)", self.bytes.len())
        } else {
            format!("{:?} {:?}", self.code, self.message)
        }
    }
}

/// The texts of a status's field violations, rule violations and localized message.
fn details_text(status: &tonic::Status) -> String {
    use tonic_types::StatusExt;
    let details = status.get_error_details();
    let fields = details
        .bad_request()
        .into_iter()
        .flat_map(|b| &b.field_violations)
        .map(|v| format!("{}: {}", v.field, v.description));
    let rules = details
        .precondition_failure()
        .into_iter()
        .flat_map(|p| &p.violations)
        .map(|v| format!("{} {}: {}", v.r#type, v.subject, v.description));
    let localized = details.localized_message().map(|m| m.message.clone());
    fields
        .chain(rules)
        .chain(localized)
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fake_id_keeps_the_shape_of_the_real_one() {
        let v = "01980000-0000-7000-8000-000000000001";
        let report = format!("{v}/REP-INTERIM");
        let fake = fake_of(Key::Id, &report);
        assert!(
            fake.ends_with("/REP-INTERIM") && !fake.contains(v),
            "{fake}"
        );
        assert_eq!(fake.len(), report.len());
        let other = fake_of(Key::Id, "p-1");
        assert!(other.starts_with("p-1-") && other != "p-1", "{other}");
        let number = fake_of(Key::VoucherNumber, "PS-2026-000012");
        assert!(
            number.starts_with("PS-2026-") && number.len() == 14,
            "{number}"
        );
        assert_ne!(number, "PS-2026-000012");
        assert!(seteli_rules::ids::parse_hetu(&fake_of(Key::IdentityCode, "x")).is_ok());
        let y = fake_of(Key::BusinessId, "0737546-2");
        assert!(seteli_rules::ids::validate_y_tunnus(&y).is_ok(), "{y}");
    }

    #[test]
    fn every_object_field_of_the_contracts_is_known() {
        let mut found = 0;
        for package in [
            "seteli.providers.v1",
            "seteli.vouchers.v1",
            "seteli.attendance.v1",
            "seteli.billing.v1",
            "seteli.reporting.v1",
        ] {
            for rpc in seteli_platform::testing::rpcs_of(package) {
                found += object_fields(&rpc).len();
            }
        }
        assert!(found > 60, "only {found} object fields found");
    }

    #[test]
    fn an_answer_names_what_its_bytes_or_its_message_hold() {
        let ok = Answer::of(Ok(b"\x0a\x03abc".to_vec()));
        assert!(ok.names("abc") && !ok.names("abd") && !ok.names(""));
        let refused = Answer::of(Err(tonic::Status::not_found("voucher abc")));
        assert!(refused.names("abc"));
        let fake = Answer::of(Err(tonic::Status::not_found("voucher xyz")));
        assert!(refused.same_as(&fake, &[("abc".into(), "xyz".into())]));
        assert!(!refused.same_as(&fake, &[]));
        assert_eq!(refused.texts_without(&["abc".into()]), "voucher …\n");
    }
}
