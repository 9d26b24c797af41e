//! One error type for every service, mapped to rich gRPC statuses (`tonic-types`).
//!
//! - malformed input → `INVALID_ARGUMENT` with a `BadRequest` field violation per field;
//! - broken rules → `FAILED_PRECONDITION` with a `PreconditionFailure` violation per rule, whose
//!   `type` is the rule id from RULES.md, `subject` its rulebook section, and `description` the
//!   English and Finnish message; the Finnish messages also come as a `LocalizedMessage` (fi-FI);
//! - `NOT_FOUND`, `ALREADY_EXISTS`, `PERMISSION_DENIED`, `UNAUTHENTICATED`;
//! - `UNAVAILABLE` when the database or another service cannot be reached;
//! - `INTERNAL` only for our own faults, with a generic message (details go to the log).
//!
//! The mapping itself is the `status` module's `to_status`, the one place an error becomes a
//! `Status`.

use seteli_rules::Violation;

/// A field that failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldViolation {
    /// Field path, e.g. `details.business_id`.
    pub field: String,
    /// What is wrong, for the caller's developer.
    pub description: String,
}

/// Rule id used for a state-machine refusal (not a rulebook rule, but reported the same way).
pub const STATE_TRANSITION: &str = "STATE-TRANSITION";

/// Every error a Seteli service answers with.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Malformed input.
    #[error("invalid argument: {0:?}")]
    InvalidArgument(Vec<FieldViolation>),
    /// One or more rulebook rules say no.
    #[error("rules violated: {0:?}")]
    RuleViolations(Vec<Violation>),
    /// The object is not in a state that allows this (e.g. approving a draft).
    #[error("failed precondition: {0}")]
    StateConflict(String),
    /// No such object, or the caller may not know it exists.
    #[error("not found: {0}")]
    NotFound(String),
    /// The object already exists.
    #[error("already exists: {0}")]
    AlreadyExists(String),
    /// The caller's role or organisation does not allow this.
    #[error("permission denied: {0}")]
    PermissionDenied(String),
    /// No valid credentials.
    #[error("unauthenticated: {0}")]
    Unauthenticated(String),
    /// A dependency (database, another service) cannot be reached.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// The change lost a race with another (serialization failure, deadlock); retry it.
    #[error("aborted: {0}")]
    Aborted(String),
    /// Our own fault; the caller sees a generic message.
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
    /// What the error says, to collect it under another field: an `INVALID_ARGUMENT`'s
    /// descriptions joined, any other error's text.
    pub fn describe(self) -> String {
        match self {
            AppError::InvalidArgument(v) => v
                .into_iter()
                .map(|f| f.description)
                .collect::<Vec<_>>()
                .join("; "),
            other => other.to_string(),
        }
    }

    /// A single invalid field.
    pub fn invalid(field: impl Into<String>, description: impl Into<String>) -> Self {
        Self::InvalidArgument(vec![FieldViolation {
            field: field.into(),
            description: description.into(),
        }])
    }
}

impl From<sqlx::Error> for AppError {
    fn from(e: sqlx::Error) -> Self {
        match &e {
            sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::Io(_)
            | sqlx::Error::Tls(_) => {
                tracing::warn!(error = %e, "database unreachable");
                Self::Unavailable("the database cannot be reached".into())
            }
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                Self::AlreadyExists("an object with the same key exists".into())
            }
            sqlx::Error::Database(db) => match retryable(db.code().as_deref()) {
                Some(retry) => {
                    tracing::warn!(error = %e, "database asked for a retry");
                    retry
                }
                None => Self::Internal(anyhow::Error::new(e)),
            },
            _ => Self::Internal(anyhow::Error::new(e)),
        }
    }
}

/// What a database error code means to the caller when it is worth a retry:
/// PostgreSQL's serialization failure and deadlock (`40001`, `40P01`) are `ABORTED` (the
/// change lost a race), a lock or statement timeout (`55P03`, `57014`), a shutting-down or
/// starting server (`57P01`–`57P03`) and too many connections (`53300`) are `UNAVAILABLE`;
/// SQLite's busy and locked (`5`, `6`, and their extended codes) are `UNAVAILABLE`. Both carry
/// `RetryInfo`.
pub fn retryable(code: Option<&str>) -> Option<AppError> {
    let code = code?;
    let busy = |what: &str| {
        Some(AppError::Unavailable(format!(
            "the database is {what}; retry"
        )))
    };
    match code {
        "40001" | "40P01" => Some(AppError::Aborted(
            "the change collided with another; retry".into(),
        )),
        "55P03" | "57014" => busy("busy"),
        "57P01" | "57P02" | "57P03" => busy("restarting"),
        "53300" => busy("out of connections"),
        c if c
            .parse::<i64>()
            .is_ok_and(|n| n & 0xff == 5 || n & 0xff == 6) =>
        {
            busy("busy")
        }
        _ => None,
    }
}

/// `Ok` when no rule is broken, else every broken rule at once (`FAILED_PRECONDITION` listing
/// each rule id).
pub fn refuse(violations: Vec<Violation>) -> AppResult<()> {
    if violations.is_empty() {
        Ok(())
    } else {
        Err(AppError::RuleViolations(violations))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retryable_database_errors_are_unavailable_or_aborted() {
        for code in [
            "57P01", "57P03", "53300", "55P03", "57014", "5", "6", "517", "262",
        ] {
            assert!(
                matches!(retryable(Some(code)), Some(AppError::Unavailable(_))),
                "{code}"
            );
        }
        for code in ["40001", "40P01"] {
            assert!(
                matches!(retryable(Some(code)), Some(AppError::Aborted(_))),
                "{code}"
            );
        }
        for code in ["23503", "42P01", "1", "19"] {
            assert!(retryable(Some(code)).is_none(), "{code}");
        }
        assert!(retryable(None).is_none());
    }

    #[test]
    fn refuse_lists_every_broken_rule() {
        assert!(refuse(Vec::new()).is_ok());
        let broken = vec![
            Violation::of(seteli_rules::rule_ids::PROV_DOCS, "fi", "en"),
            Violation::of(seteli_rules::rule_ids::PROV_PRICE, "fi", "en"),
        ];
        match refuse(broken) {
            Err(AppError::RuleViolations(v)) => assert_eq!(v.len(), 2),
            other => panic!("not a refusal: {other:?}"),
        }
    }

    #[test]
    fn field_text_is_trimmed_and_bounded() {
        let mut errors = FieldErrors::new();
        assert_eq!(errors.text("a", "  Ella  ", 4), "Ella");
        errors.finish().unwrap();
        let mut errors = FieldErrors::new();
        assert_eq!(errors.text("a", "  ", 4), "");
        errors.text("b", "Ellen", 4);
        match errors.finish() {
            Err(AppError::InvalidArgument(v)) => {
                assert_eq!(v.len(), 2);
                assert_eq!(v[1].field, "b");
                assert_eq!(v[1].description, "required, at most 4 characters");
            }
            other => panic!("{other:?}"),
        }
    }
}

/// Collects field violations so a request's every malformed field is reported at once.
#[derive(Debug, Default)]
pub struct FieldErrors(Vec<FieldViolation>);

impl FieldErrors {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a violation of `field`.
    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push(FieldViolation {
            field: field.into(),
            description: description.into(),
        });
    }

    /// Records a violation when `bad` holds.
    pub fn check(&mut self, bad: bool, field: &str, description: &str) {
        if bad {
            self.add(field, description);
        }
    }

    /// `value` trimmed; a violation of `field` when that is empty or longer than `max`
    /// characters ("required, at most `max` characters").
    pub fn text(&mut self, field: &str, value: &str, max: usize) -> String {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > max {
            self.add(field, format!("required, at most {max} characters"));
        }
        v.to_owned()
    }

    /// Records an error from `r`, passing the value through when it is fine.
    pub fn take<T, E: std::fmt::Display>(&mut self, field: &str, r: Result<T, E>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.add(field, e.to_string());
                None
            }
        }
    }

    /// `Err(InvalidArgument)` with everything collected, or `Ok` when nothing was.
    pub fn finish(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::InvalidArgument(self.0))
        }
    }
}

/// Result of a handler.
pub type AppResult<T> = Result<T, AppError>;
