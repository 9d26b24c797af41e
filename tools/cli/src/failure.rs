//! What a refused call says, decoded from gRPC's rich error model.
//!
//! The services put the reasons in the status details (`seteli_platform::rpc::to_status`): a
//! rulebook refusal is FAILED_PRECONDITION with one `PreconditionFailure` violation per broken
//! rule (its `type` is the RULES.md id, its `subject` the rulebook section, its description the
//! message in English and Finnish) and a `LocalizedMessage` in `fi-FI` with every Finnish
//! message; malformed input is INVALID_ARGUMENT with a `BadRequest` field violation per field;
//! every error names the call's request id (`RequestInfo`); `ErrorInfo`, when a service sends
//! one, gives a machine-readable reason.

use serde_json::{Value, json};
use tonic_types::StatusExt;

/// One rule a refusal names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRule {
    /// The RULES.md id, e.g. `CAP-SESSION-LENGTH` (or `STATE-TRANSITION`).
    pub id: String,
    /// The rulebook section, e.g. `SK 4.2.2`.
    pub section: String,
    /// What it says, in English and Finnish.
    pub description: String,
}

/// A refused call, as the client shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// The gRPC code, e.g. `FAILED_PRECONDITION`.
    pub code: String,
    /// The status message.
    pub message: String,
    /// The rules that said no.
    pub rules: Vec<BrokenRule>,
    /// The fields that were malformed, with why.
    pub fields: Vec<(String, String)>,
    /// The Finnish message (`LocalizedMessage`, `fi-FI`), when sent.
    pub message_fi: Option<String>,
    /// `ErrorInfo` reason and domain, when sent.
    pub reason: Option<(String, String)>,
    /// The request id to quote when asking about it.
    pub request_id: Option<String>,
}

/// The gRPC code's canonical name.
pub fn code_name(code: tonic::Code) -> &'static str {
    use tonic::Code::*;
    match code {
        Ok => "OK",
        Cancelled => "CANCELLED",
        Unknown => "UNKNOWN",
        InvalidArgument => "INVALID_ARGUMENT",
        DeadlineExceeded => "DEADLINE_EXCEEDED",
        NotFound => "NOT_FOUND",
        AlreadyExists => "ALREADY_EXISTS",
        PermissionDenied => "PERMISSION_DENIED",
        ResourceExhausted => "RESOURCE_EXHAUSTED",
        FailedPrecondition => "FAILED_PRECONDITION",
        Aborted => "ABORTED",
        OutOfRange => "OUT_OF_RANGE",
        Unimplemented => "UNIMPLEMENTED",
        Internal => "INTERNAL",
        Unavailable => "UNAVAILABLE",
        DataLoss => "DATA_LOSS",
        Unauthenticated => "UNAUTHENTICATED",
    }
}

impl Refusal {
    /// Decodes `status` and its details.
    pub fn of(status: &tonic::Status) -> Self {
        let details = status.get_error_details();
        let rules = details
            .precondition_failure()
            .map(|p| {
                p.violations
                    .iter()
                    .map(|v| BrokenRule {
                        id: v.r#type.clone(),
                        section: v.subject.clone(),
                        description: v.description.clone(),
                    })
                    .collect()
            })
            .unwrap_or_default();
        let fields = details
            .bad_request()
            .map(|b| {
                b.field_violations
                    .iter()
                    .map(|f| (f.field.clone(), f.description.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let message_fi = details
            .localized_message()
            .filter(|m| m.locale.starts_with("fi"))
            .map(|m| m.message.clone());
        let reason = details
            .error_info()
            .map(|i| (i.reason.clone(), i.domain.clone()));
        let request_id = details
            .request_info()
            .map(|r| r.request_id.clone())
            .filter(|r| !r.is_empty());
        Self {
            code: code_name(status.code()).to_owned(),
            message: status.message().to_owned(),
            rules,
            fields,
            message_fi,
            reason,
            request_id,
        }
    }

    /// The rule ids it names.
    pub fn rule_ids(&self) -> Vec<&str> {
        self.rules.iter().map(|r| r.id.as_str()).collect()
    }

    /// As JSON, for `--json`.
    pub fn to_json(&self) -> Value {
        json!({
            "code": self.code,
            "message": self.message,
            "rules": self.rules.iter().map(|r| json!({
                "id": r.id, "section": r.section, "description": r.description,
            })).collect::<Vec<_>>(),
            "fields": self.fields.iter().map(|(f, d)| json!({"field": f, "description": d}))
                .collect::<Vec<_>>(),
            "message_fi": self.message_fi,
            "reason": self.reason.as_ref().map(|(r, d)| json!({"reason": r, "domain": d})),
            "request_id": self.request_id,
        })
    }

    /// For people: the code and message, each rule with its section and text, the Finnish
    /// message, the bad fields and the request id.
    pub fn human(&self) -> String {
        let mut out = format!("refused: {} — {}", self.code, self.message);
        for r in &self.rules {
            out.push_str(&format!("\n  rule {}", r.id));
            if !r.section.is_empty() {
                out.push_str(&format!(" ({})", r.section));
            }
            // The services' descriptions start with the id and section again: say them once.
            let text = r
                .description
                .strip_prefix(&format!("{} ({}): ", r.id, r.section))
                .unwrap_or(&r.description);
            if !text.is_empty() && text != r.id {
                out.push_str(&format!(": {text}"));
            }
        }
        for (field, why) in &self.fields {
            out.push_str(&format!("\n  field {field}: {why}"));
        }
        if let Some(fi) = &self.message_fi {
            out.push_str("\n  suomeksi:");
            for line in fi.lines() {
                out.push_str(&format!("\n    {line}"));
            }
        }
        if let Some((reason, domain)) = &self.reason {
            out.push_str(&format!("\n  reason: {reason} ({domain})"));
        }
        if let Some(id) = &self.request_id {
            out.push_str(&format!("\n  request id: {id}"));
        }
        out
    }
}

/// The gRPC status somewhere in `err`'s chain, if a call was refused.
pub fn status_of(err: &anyhow::Error) -> Option<&tonic::Status> {
    err.chain().find_map(|e| e.downcast_ref::<tonic::Status>())
}
