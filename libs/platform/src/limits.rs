//! Length limits on every string of every request, checked before any operation runs.
//!
//! Without them one caller could store a 3.9 MB provider name, and every page of providers
//! listing it would be larger than a client accepts: a cheap way to break a list for everyone.
//! The limits come from the field's name, for every message in `proto/` (so a new field is
//! covered by its proto alone):
//!
//! - free text written by people — notes, reasons, descriptions, report sections, ids listed in
//!   a report — up to [`FREE_TEXT_BYTES`];
//! - page tokens up to [`PAGE_TOKEN_BYTES`];
//! - everything else (names, ids, addresses, codes, references) up to [`SHORT_TEXT_BYTES`];
//! - every repeated field up to [`MAX_LIST_ITEMS`] items; nesting up to [`MAX_DEPTH`].
//!
//! A request over a limit is `INVALID_ARGUMENT` naming each field (`details.name`).
//!
//! Whole messages are bounded too, in both directions: [`max_message_bytes`]
//! (`SETELI_MAX_MESSAGE_BYTES`, default 4 MiB), set on every generated server by its service
//! (`max_decoding_message_size`, `max_encoding_message_size`); a larger request is
//! `OUT_OF_RANGE` before it is decoded.

use std::sync::OnceLock;

use prost_reflect::{DescriptorPool, DynamicMessage, FieldDescriptor, Kind, MapKey, Value};

use crate::error::{AppError, FieldErrors};

/// Longest free text, in bytes (UTF-8): a long report section.
pub const FREE_TEXT_BYTES: usize = 64 * 1024;
/// Longest page token, in bytes.
pub const PAGE_TOKEN_BYTES: usize = 4 * 1024;
/// Longest other string, in bytes: a name, an id, an address line.
pub const SHORT_TEXT_BYTES: usize = 1024;
/// Most items in one repeated field.
pub const MAX_LIST_ITEMS: usize = 10_000;
/// Deepest nesting of messages checked (deeper requests are refused).
pub const MAX_DEPTH: usize = 16;

/// Default of `SETELI_MAX_MESSAGE_BYTES`.
pub const DEFAULT_MAX_MESSAGE_BYTES: usize = 4 * 1024 * 1024;

/// The largest request or answer a service takes or sends, in bytes
/// (`SETELI_MAX_MESSAGE_BYTES`, default 4 MiB; at least 64 KiB).
pub fn max_message_bytes(
    config: &crate::config::Config,
) -> Result<usize, crate::config::ConfigError> {
    let bytes: usize = config.var_or("SETELI_MAX_MESSAGE_BYTES", DEFAULT_MAX_MESSAGE_BYTES)?;
    if bytes < 64 * 1024 && !config.dev {
        return Err(crate::config::ConfigError {
            key: "SETELI_MAX_MESSAGE_BYTES".into(),
            message: format!("{bytes} is below 65536: report and invoice answers would not fit"),
        });
    }
    Ok(bytes)
}

/// Field names (or name endings) of free text written by people.
const FREE_TEXT: &[&str] = &[
    "notes",
    "note",
    "reason",
    "description",
    "summary",
    "details",
    "justification",
    "documentation",
    "resolution",
    "purpose",
    "schedule",
    "changes",
    "goals_and_attainment",
    "means_with_examples",
    "follow_up_plan",
    "text",
    "body",
    "content",
    "message_fi",
    "message_en",
];

/// The longest value field `name` may hold, in bytes.
pub fn max_bytes(name: &str) -> usize {
    if name == "page_token" || name == "next_page_token" {
        PAGE_TOKEN_BYTES
    } else if FREE_TEXT
        .iter()
        .any(|t| name == *t || name.ends_with(&format!("_{t}")))
    {
        FREE_TEXT_BYTES
    } else {
        SHORT_TEXT_BYTES
    }
}

fn pool() -> &'static DescriptorPool {
    static POOL: OnceLock<DescriptorPool> = OnceLock::new();
    POOL.get_or_init(|| {
        DescriptorPool::decode(seteli_api::FILE_DESCRIPTOR_SET)
            .expect("the compiled-in descriptor set decodes")
    })
}

/// Checks `message`, the request of `service`'s method `method`, against the limits; unknown
/// methods (not in `proto/`) pass.
pub fn check_request<M: prost::Message>(
    service: &str,
    method: &str,
    message: &M,
) -> Result<(), AppError> {
    let Some(input) = pool()
        .get_service_by_name(service)
        .and_then(|s| s.methods().find(|m| m.name() == method))
        .map(|m| m.input())
    else {
        return Ok(());
    };
    // Cheap first: nothing can be over any limit when the whole message is this small.
    if message.encoded_len() <= SHORT_TEXT_BYTES {
        return Ok(());
    }
    let dynamic = DynamicMessage::decode(input, message.encode_to_vec().as_slice())
        .map_err(|e| AppError::invalid("", format!("cannot read the request: {e}")))?;
    let mut errors = FieldErrors::new();
    check_message(&dynamic, "", 0, &mut errors);
    errors.finish()
}

fn check_message(message: &DynamicMessage, path: &str, depth: usize, errors: &mut FieldErrors) {
    if depth > MAX_DEPTH {
        errors.add(path, format!("nested deeper than {MAX_DEPTH} levels"));
        return;
    }
    for (field, value) in message.fields() {
        let path = if path.is_empty() {
            field.name().to_owned()
        } else {
            format!("{path}.{}", field.name())
        };
        check_value(&field, value, &path, depth, errors);
    }
}

fn check_value(
    field: &FieldDescriptor,
    value: &Value,
    path: &str,
    depth: usize,
    errors: &mut FieldErrors,
) {
    let limit = max_bytes(field.name());
    match value {
        Value::String(s) if s.len() > limit => {
            errors.add(path, format!("longer than {limit} bytes"));
        }
        Value::Bytes(b) if b.len() > limit && !matches!(field.kind(), Kind::Message(_)) => {
            errors.add(path, format!("longer than {limit} bytes"));
        }
        Value::Message(m) => check_message(m, path, depth + 1, errors),
        Value::List(items) => {
            if items.len() > MAX_LIST_ITEMS {
                errors.add(path, format!("more than {MAX_LIST_ITEMS} items"));
                return;
            }
            for (i, item) in items.iter().enumerate() {
                check_value(field, item, &format!("{path}[{i}]"), depth, errors);
            }
        }
        Value::Map(map) => {
            if map.len() > MAX_LIST_ITEMS {
                errors.add(path, format!("more than {MAX_LIST_ITEMS} entries"));
                return;
            }
            for (key, item) in map {
                if let MapKey::String(k) = key
                    && k.len() > SHORT_TEXT_BYTES
                {
                    errors.add(path, format!("a key longer than {SHORT_TEXT_BYTES} bytes"));
                }
                if let Value::Message(m) = item {
                    check_message(m, path, depth + 1, errors);
                } else if let Value::String(s) = item
                    && s.len() > limit
                {
                    errors.add(path, format!("a value longer than {limit} bytes"));
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_short_and_free_text_is_long() {
        assert_eq!(max_bytes("name"), SHORT_TEXT_BYTES);
        assert_eq!(max_bytes("street_address"), SHORT_TEXT_BYTES);
        assert_eq!(max_bytes("voucher_id"), SHORT_TEXT_BYTES);
        assert_eq!(max_bytes("notes"), FREE_TEXT_BYTES);
        assert_eq!(max_bytes("revision_reason"), FREE_TEXT_BYTES);
        assert_eq!(max_bytes("means_with_examples"), FREE_TEXT_BYTES);
        assert_eq!(max_bytes("page_token"), PAGE_TOKEN_BYTES);
    }

    #[test]
    fn a_huge_string_anywhere_in_a_request_is_refused_by_its_path() {
        use seteli_api::providers::v1 as pb;
        let request = pb::CreateProviderRequest {
            request_id: "r-1".into(),
            validate_only: false,
            details: Some(pb::ProviderDetails {
                name: "x".repeat(3_900_000),
                ..Default::default()
            }),
        };
        let err = check_request(
            "seteli.providers.v1.ProvidersService",
            "CreateProvider",
            &request,
        )
        .expect_err("a 3.9 MB name");
        let AppError::InvalidArgument(fields) = err else {
            panic!("{err:?}")
        };
        assert_eq!(fields[0].field, "details.name");

        let fine = pb::CreateProviderRequest {
            request_id: "r-1".into(),
            validate_only: false,
            details: Some(pb::ProviderDetails {
                name: "Kuntouttava Työ Oy".into(),
                ..Default::default()
            }),
        };
        check_request(
            "seteli.providers.v1.ProvidersService",
            "CreateProvider",
            &fine,
        )
        .expect("an ordinary name");
    }
}
