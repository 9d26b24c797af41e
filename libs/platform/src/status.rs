//! The one place an [`AppError`] becomes a gRPC `Status`: the code, a bounded message, and the
//! rich details — `BadRequest` field violations, `PreconditionFailure` rule violations (with the
//! Finnish texts also as a `LocalizedMessage`), `RequestInfo` with the request id on every
//! error, `RetryInfo` on `UNAVAILABLE` and `ABORTED` — each cut to sizes a client's header
//! limits accept.

use std::time::Duration;

use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

use crate::error::{AppError, STATE_TRANSITION};

/// How long a caller should wait before retrying an `UNAVAILABLE` answer.
pub const RETRY_AFTER: Duration = Duration::from_millis(500);

/// The `Status` an error answers with. `request_id` goes into `RequestInfo`.
pub fn to_status(e: AppError, request_id: &str) -> Status {
    let mut details = ErrorDetails::new();
    if !request_id.is_empty() {
        details.set_request_info(request_id, "");
    }
    let (code, message) = match e {
        AppError::InvalidArgument(fields) => {
            let summary = fields
                .iter()
                .map(|f| format!("{}: {}", f.field, f.description))
                .collect::<Vec<_>>()
                .join("; ");
            for f in fields.into_iter().take(MAX_VIOLATIONS) {
                details.add_bad_request_violation(
                    bounded(f.field, MAX_DETAIL),
                    bounded(f.description, MAX_DETAIL),
                );
            }
            (Code::InvalidArgument, format!("invalid request: {summary}"))
        }
        AppError::RuleViolations(violations) => {
            let ids = violations
                .iter()
                .map(|v| v.rule)
                .collect::<Vec<_>>()
                .join(", ");
            let finnish = violations
                .iter()
                .map(|v| format!("{} ({}): {}", v.rule, v.section, v.message_fi))
                .collect::<Vec<_>>()
                .join("\n");
            // Every broken rule is listed (a caller fixes them all at once); their texts share
            // one budget, so many violations get shorter texts, never a header too large.
            let each = (RULE_TEXT_BUDGET / violations.len().max(1)).clamp(120, MAX_RULE_TEXT);
            for v in violations.iter().take(MAX_RULE_VIOLATIONS) {
                details.add_precondition_failure_violation(
                    v.rule,
                    v.section,
                    bounded(
                        format!(
                            "{} ({}): {} — {}",
                            v.rule, v.section, v.message_en, v.message_fi
                        ),
                        each,
                    ),
                );
            }
            details.set_localized_message("fi-FI", bounded(finnish, 2 * MAX_RULE_TEXT));
            (Code::FailedPrecondition, format!("rules not met: {ids}"))
        }
        AppError::StateConflict(msg) => {
            details.add_precondition_failure_violation(
                STATE_TRANSITION,
                "",
                bounded(msg.clone(), MAX_DETAIL),
            );
            (Code::FailedPrecondition, msg)
        }
        AppError::NotFound(m) => (Code::NotFound, m),
        AppError::AlreadyExists(m) => (Code::AlreadyExists, m),
        AppError::PermissionDenied(m) => (Code::PermissionDenied, m),
        AppError::Unauthenticated(m) => (Code::Unauthenticated, m),
        AppError::Unavailable(m) => {
            details.set_retry_info(Some(RETRY_AFTER));
            (Code::Unavailable, m)
        }
        AppError::Aborted(m) => {
            details.set_retry_info(Some(RETRY_AFTER));
            (Code::Aborted, m)
        }
        AppError::Internal(err) => {
            tracing::error!(error = format!("{err:#}"), request_id, "internal error");
            (
                Code::Internal,
                "internal error; see the service log".to_owned(),
            )
        }
    };
    Status::with_error_details(code, bounded(message, MAX_MESSAGE), details)
}

/// Longest `grpc-message` sent, in bytes. Messages may quote what the caller sent (an unknown
/// id, a bad value); unbounded, a long input would make the status headers larger than a
/// client accepts (HTTP/2's header list limit, 16 KiB in tonic: the message percent-encoded,
/// the details base64), and the client would see a protocol error instead of the answer.
pub const MAX_MESSAGE: usize = 500;
/// Longest field name or description in the error details, in bytes.
pub const MAX_DETAIL: usize = 200;
/// Longest rule violation text (id, section, English and Finnish message), in bytes.
pub const MAX_RULE_TEXT: usize = 800;
/// Most invalid fields listed in the error details.
pub const MAX_VIOLATIONS: usize = 10;
/// Most rule violations listed in the error details (every rule of a rulebook check fits).
pub const MAX_RULE_VIOLATIONS: usize = 40;
/// Bytes of rule texts in one status, shared by its violations.
const RULE_TEXT_BUDGET: usize = 4_800;

/// `text` cut to at most `max` bytes (on a character boundary), marked with `…`.
fn bounded(text: String, max: usize) -> String {
    if text.len() <= max {
        return text;
    }
    let mut cut = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    let mut short = text;
    short.truncate(cut);
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_quoting_a_huge_input_still_fits_in_the_status_headers() {
        let huge = "ä".repeat(70_000);
        let fields = (0..100)
            .map(|i| crate::error::FieldViolation {
                field: format!("f{i}-{huge}"),
                description: huge.clone(),
            })
            .collect();
        // Thirty broken rules with long texts: every id is still listed.
        let rules = (0..30)
            .map(|_| seteli_rules::Violation {
                rule: "PROV-DOCS",
                section: "KTT 1.2, SK 2.3",
                message_fi: "ö".repeat(2_000),
                message_en: "e".repeat(2_000),
            })
            .collect();
        let broken = to_status(AppError::RuleViolations(rules), "req-2");
        assert_eq!(
            broken
                .get_error_details()
                .precondition_failure()
                .map(|p| p.violations.len()),
            Some(30)
        );
        for e in [
            AppError::NotFound(format!("provider {huge}")),
            AppError::InvalidArgument(fields),
            AppError::StateConflict(huge.clone()),
            AppError::RuleViolations(
                (0..60)
                    .map(|_| seteli_rules::Violation {
                        rule: "PROV-DOCS",
                        section: "KTT 1.2, SK 2.3",
                        message_fi: huge.clone(),
                        message_en: huge.clone(),
                    })
                    .collect(),
            ),
        ] {
            let status = to_status(e, "req-1");
            assert!(status.message().len() <= MAX_MESSAGE);
            let response = status.into_http::<()>();
            let size: usize = response
                .headers()
                .iter()
                .map(|(k, v)| k.as_str().len() + v.len() + 32)
                .sum();
            assert!(size < 16 * 1024, "status headers of {size} bytes");
        }
    }

    #[test]
    fn a_bounded_text_is_cut_on_a_character_boundary_and_marked() {
        assert_eq!(bounded("short".into(), 10), "short");
        assert_eq!(bounded("exactly10!".into(), 10), "exactly10!");
        assert_eq!(bounded("abcdefghijk".into(), 10), "abcdefg…");
        // 'ä' is two bytes: the cut backs off to the boundary before it.
        let cut = bounded("ääääää".into(), 8);
        assert_eq!(cut, "ää…");
        assert!(cut.len() <= 8);
    }

    #[test]
    fn every_error_carries_the_request_id_and_unavailable_says_when_to_retry() {
        let status = to_status(AppError::Unavailable("db down".into()), "req-7");
        assert_eq!(status.code(), Code::Unavailable);
        let details = status.get_error_details();
        assert_eq!(
            details.request_info().map(|r| r.request_id.as_str()),
            Some("req-7")
        );
        assert_eq!(
            details.retry_info().and_then(|r| r.retry_delay),
            Some(RETRY_AFTER)
        );
        let status = to_status(AppError::NotFound("x".into()), "req-8");
        let details = status.get_error_details();
        assert_eq!(
            details.request_info().map(|r| r.request_id.as_str()),
            Some("req-8")
        );
        assert!(details.retry_info().is_none());
    }
}
