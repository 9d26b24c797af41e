//! One error type for every service, mapped to rich gRPC statuses (`tonic-types`).
//!
//! - malformed input → `INVALID_ARGUMENT` with a `BadRequest` field violation per field;
//! - broken rules → `FAILED_PRECONDITION` with a `PreconditionFailure` violation per rule, whose
//!   `type` is the rule id from RULES.md, `subject` its rulebook section, and `description` the
//!   English and Finnish message; the Finnish messages also come as a `LocalizedMessage` (fi-FI);
//! - `NOT_FOUND`, `ALREADY_EXISTS`, `PERMISSION_DENIED`, `UNAUTHENTICATED`;
//! - `UNAVAILABLE` when the database or another service cannot be reached;
//! - `INTERNAL` only for our own faults, with a generic message (details go to the log).

use seteli_rules::Violation;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

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
    /// Our own fault; the caller sees a generic message.
    #[error("internal: {0:#}")]
    Internal(#[from] anyhow::Error),
}

impl AppError {
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
            _ => Self::Internal(anyhow::Error::new(e)),
        }
    }
}

impl From<AppError> for Status {
    fn from(e: AppError) -> Self {
        match e {
            AppError::InvalidArgument(fields) => {
                let mut details = ErrorDetails::new();
                let summary = fields
                    .iter()
                    .map(|f| format!("{}: {}", f.field, f.description))
                    .collect::<Vec<_>>()
                    .join("; ");
                for f in fields {
                    details.add_bad_request_violation(f.field, f.description);
                }
                Status::with_error_details(
                    Code::InvalidArgument,
                    format!("invalid request: {summary}"),
                    details,
                )
            }
            AppError::RuleViolations(violations) => {
                let mut details = ErrorDetails::new();
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
                for v in &violations {
                    details.add_precondition_failure_violation(
                        v.rule,
                        v.section,
                        format!(
                            "{} ({}): {} — {}",
                            v.rule, v.section, v.message_en, v.message_fi
                        ),
                    );
                }
                details.set_localized_message("fi-FI", finnish);
                Status::with_error_details(
                    Code::FailedPrecondition,
                    format!("rules not met: {ids}"),
                    details,
                )
            }
            AppError::StateConflict(msg) => {
                let mut details = ErrorDetails::new();
                details.add_precondition_failure_violation(STATE_TRANSITION, "", msg.clone());
                Status::with_error_details(Code::FailedPrecondition, msg, details)
            }
            AppError::NotFound(m) => Status::not_found(m),
            AppError::AlreadyExists(m) => Status::already_exists(m),
            AppError::PermissionDenied(m) => Status::permission_denied(m),
            AppError::Unauthenticated(m) => Status::unauthenticated(m),
            AppError::Unavailable(m) => Status::unavailable(m),
            AppError::Internal(err) => {
                tracing::error!(error = format!("{err:#}"), "internal error");
                Status::internal("internal error; see the service log")
            }
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
