//! What the client prints: tables for people, JSON for scripts.
//!
//! Every answer is first turned into JSON by the protobuf JSON mapping, read from the
//! contracts' own descriptor set (`seteli_api::FILE_DESCRIPTOR_SET`, through `prost-reflect`):
//! field names as in the `.proto`, enums by name, every field present. `--json` prints that;
//! a table picks columns out of it by path, so both show the same data; `--id` prints only the
//! id of what was made or read (each listed item's, a line each).

use std::sync::OnceLock;

use anyhow::Context as _;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{ContentArrangement, Table};
use prost_reflect::{DescriptorPool, DynamicMessage, SerializeOptions};
use serde_json::Value;
use seteli_api::attendance::v1 as apb;
use seteli_api::billing::v1 as bpb;
use seteli_api::providers::v1 as ppb;
use seteli_api::reporting::v1 as rpb;
use seteli_api::vouchers::v1 as vpb;

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET)
            .unwrap_or_else(|e| panic!("the compiled descriptor set does not decode: {e}"))
    })
}

/// The package of the service that has RPC `method` (e.g. `ListProviders` →
/// `seteli.providers.v1`), if a contract has it.
pub fn package_of_rpc(method: &str) -> Option<String> {
    pool()
        .services()
        .find(|s| s.methods().any(|m| m.name() == method))
        .map(|s| s.package_name().to_owned())
}

/// `message` (of protobuf type `full_name`, e.g. `seteli.vouchers.v1.Voucher`) as JSON.
pub fn json_of(message: &impl prost::Message, full_name: &str) -> anyhow::Result<Value> {
    let descriptor = pool()
        .get_message_by_name(full_name)
        .with_context(|| format!("no message {full_name} in the contracts"))?;
    let dynamic = DynamicMessage::decode(descriptor, message.encode_to_vec().as_slice())
        .with_context(|| format!("decoding {full_name}"))?;
    // The protobuf JSON mapping, as `--json` promises: 64-bit integers as strings (a JSON
    // number loses precision beyond 2^53 in most readers), field names as in the .proto.
    let options = SerializeOptions::new()
        .use_proto_field_name(true)
        .skip_default_fields(false)
        .stringify_64_bit_integers(true);
    let mut out = Vec::new();
    let mut serializer = serde_json::Serializer::new(&mut out);
    dynamic
        .serialize_with_options(&mut serializer, &options)
        .with_context(|| format!("writing {full_name} as JSON"))?;
    Ok(serde_json::from_slice(&out)?)
}

/// How a column's value is shown to people.
#[derive(Debug, Clone, Copy)]
pub enum Fmt {
    /// As it is (strings unquoted).
    Text,
    /// A `seteli.common.v1.Date` as `YYYY-MM-DD`.
    Date,
    /// A `Money` as euros.
    Money,
    /// A `Units` (hundredths) as a decimal.
    Units,
    /// An enum value without its type prefix (`VOUCHER_STATE_ACTIVE` → `ACTIVE`).
    Enum(&'static str),
    /// How many items a list holds.
    Count,
}

/// One column: header, path into the JSON (dot-separated), format.
pub type Column = (&'static str, &'static str, Fmt);

/// The value at dot-separated `path` of `v`.
pub fn at<'a>(v: &'a Value, path: &str) -> &'a Value {
    path.split('.')
        .filter(|p| !p.is_empty())
        .fold(v, |v, key| v.get(key).unwrap_or(&Value::Null))
}

/// The items of the list at dot-separated `path` of `v` (none when it is no list).
pub fn items(v: &Value, path: &str) -> Vec<Value> {
    at(v, path).as_array().cloned().unwrap_or_default()
}

/// The rule notes (warnings, alerts) listed at `path` of `v`, a line each after a newline:
/// `<label> <rule id>: <Finnish message>`.
pub fn rule_notes(v: &Value, path: &str, label: &str) -> String {
    items(v, path)
        .iter()
        .map(|n| {
            format!(
                "\n{label} {}: {}",
                show(at(n, "rule_id"), Fmt::Text),
                show(at(n, "message_fi"), Fmt::Text)
            )
        })
        .collect()
}

fn int(v: &Value, key: &str) -> i64 {
    match v.get(key) {
        Some(Value::Number(n)) => n.as_i64().unwrap_or_default(),
        Some(Value::String(s)) => s.parse().unwrap_or_default(),
        _ => 0,
    }
}

/// `v` shown as `fmt` says.
pub fn show(v: &Value, fmt: Fmt) -> String {
    match fmt {
        _ if v.is_null() => String::new(),
        Fmt::Text => match v {
            Value::String(s) => s.clone(),
            Value::Array(items) => items
                .iter()
                .map(|i| show(i, Fmt::Text))
                .collect::<Vec<_>>()
                .join(", "),
            other => other.to_string(),
        },
        Fmt::Date => {
            let (y, m, d) = (int(v, "year"), int(v, "month"), int(v, "day"));
            if y == 0 {
                String::new()
            } else {
                format!("{y:04}-{m:02}-{d:02}")
            }
        }
        Fmt::Money => {
            let cents = int(v, "cents");
            format!(
                "{}{}.{:02} €",
                if cents < 0 { "-" } else { "" },
                cents.abs() / 100,
                cents.abs() % 100
            )
        }
        Fmt::Units => {
            let h = int(v, "hundredths");
            let whole = h.abs() / 100;
            let frac = h.abs() % 100;
            let sign = if h < 0 { "-" } else { "" };
            if frac == 0 {
                format!("{sign}{whole}")
            } else {
                format!("{sign}{whole}.{frac:02}")
            }
        }
        // An unset enum shows nothing.
        Fmt::Enum(prefix) => v
            .as_str()
            .map(|s| s.strip_prefix(prefix).unwrap_or(s))
            .map(|s| if s == "UNSPECIFIED" { "" } else { s }.to_owned())
            .unwrap_or_else(|| v.to_string()),
        Fmt::Count => v
            .as_array()
            .map(|a| a.len().to_string())
            .unwrap_or_default(),
    }
}

fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

/// One object as a two-column table of `columns`.
pub fn record(v: &Value, columns: &[Column]) -> String {
    let mut t = table();
    t.set_header(vec!["field", "value"]);
    for (header, path, fmt) in columns {
        t.add_row(vec![(*header).to_owned(), show(at(v, path), *fmt)]);
    }
    t.to_string()
}

/// A list of objects as a table with `columns`, one row each.
pub fn rows(items: &[Value], columns: &[Column]) -> String {
    let mut t = table();
    t.set_header(columns.iter().map(|(h, _, _)| *h).collect::<Vec<_>>());
    for item in items {
        t.add_row(
            columns
                .iter()
                .map(|(_, path, fmt)| show(at(item, path), *fmt))
                .collect::<Vec<_>>(),
        );
    }
    t.to_string()
}

/// A contract message the client prints, with its full protobuf name (which the JSON mapping
/// looks up in the descriptor set; the generated types do not carry it).
pub trait Proto: prost::Message {
    /// The full name, e.g. `seteli.vouchers.v1.Voucher`.
    const NAME: &'static str;
    /// Where its id is in its JSON (what `--id` prints), e.g. `session.id`.
    const ID: &'static str = "id";
}

/// The answer of a listing: a message with a list of items.
pub trait Listing: Proto {
    /// The field of the items, e.g. `vouchers`.
    const ITEMS: &'static str;
}

macro_rules! protos {
    ($($message:ty => $name:literal $(, id at $id:literal)? $(, items in $items:literal)?;)*) => {$(
        impl Proto for $message {
            const NAME: &'static str = $name;
            $(const ID: &'static str = $id;)?
        }
        $(impl Listing for $message {
            const ITEMS: &'static str = $items;
        })?
    )*};
}

protos! {
    ppb::Provider => "seteli.providers.v1.Provider";
    ppb::ListProvidersResponse => "seteli.providers.v1.ListProvidersResponse", items in "providers";
    vpb::Client => "seteli.vouchers.v1.Client";
    vpb::ListClientsResponse => "seteli.vouchers.v1.ListClientsResponse", items in "clients";
    vpb::Voucher => "seteli.vouchers.v1.Voucher";
    vpb::ListVouchersResponse => "seteli.vouchers.v1.ListVouchersResponse", items in "vouchers";
    apb::RecordSessionResponse => "seteli.attendance.v1.RecordSessionResponse", id at "session.id";
    apb::Session => "seteli.attendance.v1.Session";
    apb::ListSessionsResponse => "seteli.attendance.v1.ListSessionsResponse", items in "sessions";
    apb::RecordAbsenceResponse => "seteli.attendance.v1.RecordAbsenceResponse", id at "absence.id";
    apb::ListAbsencesResponse => "seteli.attendance.v1.ListAbsencesResponse", items in "absences";
    apb::ListAlertsResponse => "seteli.attendance.v1.ListAlertsResponse", items in "alerts";
    rpb::Report => "seteli.reporting.v1.Report", id at "obligation.id";
    rpb::ListObligationsResponse =>
        "seteli.reporting.v1.ListObligationsResponse", items in "obligations";
    rpb::KelaNoticeSummary => "seteli.reporting.v1.KelaNoticeSummary";
    rpb::ListKelaNoticesResponse =>
        "seteli.reporting.v1.ListKelaNoticesResponse", items in "notices";
    rpb::ListNoticesResponse => "seteli.reporting.v1.ListNoticesResponse", items in "notices";
    bpb::GenerateInvoiceResponse => "seteli.billing.v1.GenerateInvoiceResponse", id at "invoice.id";
    bpb::Invoice => "seteli.billing.v1.Invoice";
    bpb::ListInvoicesResponse => "seteli.billing.v1.ListInvoicesResponse", items in "invoices";
}

/// How the client prints: JSON, only ids, or tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Out {
    /// Print JSON instead of tables.
    pub json: bool,
    /// Print only the ids (`--id`).
    pub id_only: bool,
}

impl Out {
    /// Prints `message`: JSON, its id, or `human` of its JSON.
    pub fn print<M: Proto>(
        &self,
        message: &M,
        human: impl FnOnce(&Value) -> String,
    ) -> anyhow::Result<()> {
        let v = json_of(message, M::NAME)?;
        if self.id_only {
            let id = show(at(&v, M::ID), Fmt::Text);
            return emit_ids((!id.is_empty()).then(|| vec![id]));
        }
        self.print_value(&v, human)
    }

    /// Prints `message`: JSON, its id, or a two-column table of `columns`.
    pub fn record(&self, message: &impl Proto, columns: &[Column]) -> anyhow::Result<()> {
        self.print(message, |v| record(v, columns))
    }

    /// Prints a listing: JSON, its items' ids, or its items as a table of `columns`, one row
    /// each.
    pub fn rows<L: Listing>(&self, listing: &L, columns: &[Column]) -> anyhow::Result<()> {
        let v = json_of(listing, L::NAME)?;
        self.print_value(&v, |v| rows(&items(v, L::ITEMS), columns))
    }

    /// Prints `v`: JSON, the ids in it ([`ids_in`]), or `human` of it.
    pub fn print_value(
        &self,
        v: &Value,
        human: impl FnOnce(&Value) -> String,
    ) -> anyhow::Result<()> {
        if self.id_only {
            emit_ids(ids_in(v))
        } else if self.json {
            emit(&serde_json::to_string_pretty(v)?)
        } else {
            emit(&human(v))
        }
    }
}

/// The ids an answer holds, as `--id` prints them: its `id` (or the `file` it wrote, or its
/// `invoice_id`); for a list (the answer, or its one list field), its items' (none when it is
/// empty). `None` when the answer is neither.
pub fn ids_in(v: &Value) -> Option<Vec<String>> {
    let own = |v: &Value| {
        ["id", "file", "invoice_id"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_str).filter(|s| !s.is_empty()))
            .map(str::to_owned)
    };
    if let Some(id) = own(v) {
        return Some(vec![id]);
    }
    let list = match v {
        Value::Array(items) => Some(items),
        Value::Object(fields) => {
            let mut lists = fields.values().filter_map(Value::as_array);
            match (lists.next(), lists.next()) {
                (Some(one), None) => Some(one),
                _ => None,
            }
        }
        _ => None,
    };
    list.map(|items| items.iter().filter_map(own).collect())
}

/// Prints `ids`, a line each (nothing for an empty list); an answer without any is an error.
fn emit_ids(ids: Option<Vec<String>>) -> anyhow::Result<()> {
    match ids {
        None => anyhow::bail!("--id: the answer holds no id to print"),
        Some(ids) if ids.is_empty() => Ok(()),
        Some(ids) => emit(&ids.join("\n")),
    }
}

/// The reader of the output went away (`seteli … | head`): the command ends quietly.
#[derive(Debug)]
pub struct OutputClosed;

impl std::fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the output was closed")
    }
}

impl std::error::Error for OutputClosed {}

/// Writes `text` and a newline to standard output; a closed pipe is [`OutputClosed`], never a
/// panic (as `println!` would).
pub fn emit(text: &str) -> anyhow::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(OutputClosed.into()),
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------------------ column sets

/// A provider's columns.
pub const PROVIDER: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("name", "details.name", Fmt::Text),
    ("business id", "details.business_id", Fmt::Text),
    ("state", "state", Fmt::Enum("PROVIDER_STATE_")),
    ("offerings", "offerings", Fmt::Count),
    ("sites", "sites", Fmt::Count),
];

/// A client's columns.
pub const CLIENT: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("name", "name", Fmt::Text),
    ("identity code", "identity_code_masked", Fmt::Text),
    ("municipality", "home_municipality", Fmt::Text),
];

/// A voucher's columns.
pub const VOUCHER: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("number", "voucher_number", Fmt::Text),
    (
        "service",
        "decision.service_type",
        Fmt::Enum("SERVICE_TYPE_"),
    ),
    ("state", "state", Fmt::Enum("VOUCHER_STATE_")),
    ("valid from", "decision.valid_from", Fmt::Date),
    ("valid until", "decision.valid_until", Fmt::Date),
    ("granted", "units_granted", Fmt::Units),
    ("used", "units_used", Fmt::Units),
    ("value", "value", Fmt::Money),
    ("client", "client.name", Fmt::Text),
    ("provider", "provider_name", Fmt::Text),
];

/// What one voucher shows beyond its columns: the responsible coach and why it was declined
/// or ended.
const VOUCHER_MORE: &[Column] = &[
    ("responsible coach", "responsible_coach", Fmt::Text),
    (
        "declined because",
        "declined_reason_kind",
        Fmt::Enum("DECLINE_REASON_KIND_"),
    ),
    (
        "ended because",
        "end_reason_kind",
        Fmt::Enum("END_REASON_KIND_"),
    ),
];

/// One voucher's rows.
pub fn voucher_record() -> Vec<Column> {
    [VOUCHER, VOUCHER_MORE].concat()
}

/// A listed item's voucher and client, by number and name ([`crate::names`]).
const NAMED: &[Column] = &[
    ("voucher", "voucher_number", Fmt::Text),
    ("client", "client_name", Fmt::Text),
];

/// A session's columns: its id, its day's (date, status, units, coach), its invoice.
pub const SESSION: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("date", "details.date", Fmt::Date),
    ("status", "status", Fmt::Enum("SESSION_STATUS_")),
    ("units", "units", Fmt::Units),
    ("coach", "details.coach", Fmt::Text),
    ("invoice", "invoice_id", Fmt::Text),
];

/// A listed session's columns: its id, voucher and client, its day's, its invoice's number.
pub fn session_listed() -> Vec<Column> {
    let invoice: &[Column] = &[("invoice", "invoice_number", Fmt::Text)];
    [&SESSION[..1], NAMED, &SESSION[1..5], invoice].concat()
}

/// An absence's columns: its id, then its day's.
pub const ABSENCE: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("date", "date", Fmt::Date),
    ("kind", "kind", Fmt::Enum("ABSENCE_KIND_")),
    ("reason", "reason", Fmt::Enum("ABSENCE_REASON_")),
    ("certificate", "certificate_delivered", Fmt::Text),
];

/// A listed absence's columns: its id, voucher and client, its day's.
pub fn absence_listed() -> Vec<Column> {
    [&ABSENCE[..1], NAMED, &ABSENCE[1..]].concat()
}

/// A listed alert's columns: its voucher and client by number and name ([`crate::names`]).
pub const ALERT: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("voucher", "voucher_number", Fmt::Text),
    ("client", "client_name", Fmt::Text),
    ("rule", "rule_id", Fmt::Text),
    ("for", "audience", Fmt::Enum("ALERT_AUDIENCE_")),
    ("due", "due_on", Fmt::Date),
    ("state", "state", Fmt::Enum("ALERT_STATE_")),
    ("message", "message_fi", Fmt::Text),
];

/// A listed notice's columns: its voucher and client by number and name ([`crate::names`]).
pub const NOTICE: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("voucher", "voucher_number", Fmt::Text),
    ("client", "client_name", Fmt::Text),
    ("kind", "kind", Fmt::Enum("NOTICE_KIND_")),
    ("rule", "rule", Fmt::Text),
    ("due", "due_on", Fmt::Date),
    ("told", "told_on", Fmt::Date),
    ("late", "late", Fmt::Text),
    ("state", "state", Fmt::Enum("NOTICE_STATE_")),
];

/// An obligation's columns (its voucher, client and provider by [`crate::names`]).
pub const OBLIGATION: &[Column] = &[
    ("report id", "id", Fmt::Text),
    ("voucher", "voucher_number", Fmt::Text),
    ("client", "client_name", Fmt::Text),
    ("provider", "provider_name", Fmt::Text),
    ("rule", "rule", Fmt::Text),
    ("due", "due_on", Fmt::Date),
    ("status", "status", Fmt::Enum("OBLIGATION_STATUS_")),
    ("report", "report_state", Fmt::Enum("REPORT_STATE_")),
    ("submitted", "submitted_on", Fmt::Date),
    ("late", "late", Fmt::Text),
];

/// A report's columns (its voucher, client and provider by [`crate::names`]).
pub const REPORT: &[Column] = &[
    ("report id", "obligation.id", Fmt::Text),
    ("voucher", "obligation.voucher_number", Fmt::Text),
    ("client", "obligation.client_name", Fmt::Text),
    ("provider", "obligation.provider_name", Fmt::Text),
    ("rule", "obligation.rule", Fmt::Text),
    ("due", "obligation.due_on", Fmt::Date),
    (
        "state",
        "obligation.report_state",
        Fmt::Enum("REPORT_STATE_"),
    ),
    ("submitted", "obligation.submitted_on", Fmt::Date),
    ("late", "obligation.late", Fmt::Text),
    ("version", "version", Fmt::Text),
];

/// An invoice's columns.
pub const INVOICE: &[Column] = &[
    ("id", "id", Fmt::Text),
    ("number", "invoice_number", Fmt::Text),
    ("kind", "kind", Fmt::Enum("INVOICE_KIND_")),
    ("seller", "seller.name", Fmt::Text),
    ("year", "year", Fmt::Text),
    ("month", "month", Fmt::Text),
    ("state", "state", Fmt::Enum("INVOICE_STATE_")),
    ("lines", "lines", Fmt::Count),
    ("total", "total", Fmt::Money),
];

/// Prints that `path` was written: `bytes` of `content_type`.
pub fn written(
    out: Out,
    path: &std::path::Path,
    bytes: usize,
    content_type: &str,
) -> anyhow::Result<()> {
    let v = serde_json::json!({
        "file": path.display().to_string(),
        "content_type": content_type,
        "bytes": bytes,
    });
    out.print_value(&v, |_| {
        format!("wrote {} ({bytes} bytes, {content_type})", path.display())
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_ids_of_an_answer_of_a_list_or_of_a_file_written() {
        assert_eq!(
            ids_in(&json!({"id": "v-1", "notes": []})),
            Some(vec!["v-1".to_owned()])
        );
        assert_eq!(
            ids_in(&json!({"file": "x.pdf"})),
            Some(vec!["x.pdf".to_owned()])
        );
        let listed = json!({"notices": [{"id": "a"}, {"id": "b"}], "overdue": 1});
        assert_eq!(ids_in(&listed), Some(vec!["a".to_owned(), "b".to_owned()]));
        let pulled = json!([{"invoice_id": "i-1", "files": ["f"]}]);
        assert_eq!(ids_in(&pulled), Some(vec!["i-1".to_owned()]));
        assert_eq!(
            ids_in(&json!({"providers": []})),
            Some(vec![]),
            "an empty list"
        );
        assert_eq!(ids_in(&json!({"token": "t"})), None, "nothing with an id");
        let health = json!([{"service": "providers", "status": "SERVING"}]);
        assert_eq!(ids_in(&health), Some(vec![]));
    }

    #[test]
    fn an_unset_enum_shows_nothing_and_a_set_one_its_name() {
        let kind = "END_REASON_KIND_";
        assert_eq!(
            show(&json!("END_REASON_KIND_UNSPECIFIED"), Fmt::Enum(kind)),
            ""
        );
        assert_eq!(
            show(&json!("END_REASON_KIND_CLIENT_MOVED"), Fmt::Enum(kind)),
            "CLIENT_MOVED"
        );
    }

    #[test]
    fn a_listed_session_or_absence_names_its_voucher_and_client_after_its_id() {
        let headers = |c: Vec<Column>| c.iter().map(|(h, _, _)| *h).collect::<Vec<_>>();
        assert_eq!(
            headers(session_listed()),
            [
                "id", "voucher", "client", "date", "status", "units", "coach", "invoice"
            ]
        );
        assert_eq!(session_listed()[7].1, "invoice_number");
        assert_eq!(
            headers(absence_listed()),
            [
                "id",
                "voucher",
                "client",
                "date",
                "kind",
                "reason",
                "certificate"
            ]
        );
        assert_eq!(voucher_record().len(), VOUCHER.len() + 3);
    }
}
