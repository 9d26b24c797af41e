//! Protobuf ↔ model: request validation into model inputs, and the views of obligations and
//! reports.

use chrono::NaiveDate;
use seteli_api::reporting::v1 as pb;
use seteli_platform::AppError;
use seteli_platform::convert::{PbEnum, to_date, to_service_type};
use seteli_platform::error::FieldErrors;

use crate::model::{ObligationRow, Sections, kind_to_pb};

/// The longest section of a report, in characters.
pub const MAX_SECTION: usize = 20_000;
/// The longest revision reason, in characters.
pub const MAX_REASON: usize = 2_000;

/// A required id field (trimmed, 1–200 characters).
pub fn required_id(field: &str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.len() > 200 {
        return Err(AppError::invalid(field, "required"));
    }
    Ok(v.to_owned())
}

/// A required text field (trimmed, 1–`max` characters).
pub fn required_text(field: &str, value: &str, max: usize) -> Result<String, AppError> {
    let v = value.trim();
    if v.is_empty() || v.chars().count() > max {
        return Err(AppError::invalid(
            field,
            format!("required, at most {max} characters"),
        ));
    }
    Ok(v.to_owned())
}

/// A report's text; each section at most [`MAX_SECTION`] characters.
pub fn validate_sections(s: Option<&pb::ReportSections>) -> Result<Sections, AppError> {
    let s = s.cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    for (field, value) in [
        ("sections.goals_and_attainment", &s.goals_and_attainment),
        ("sections.changes", &s.changes),
        ("sections.means_with_examples", &s.means_with_examples),
        ("sections.follow_up_plan", &s.follow_up_plan),
        ("sections.notes", &s.notes),
    ] {
        errors.check(
            value.chars().count() > MAX_SECTION,
            field,
            "at most 20000 characters",
        );
    }
    errors.finish()?;
    Ok(Sections {
        goals_and_attainment: s.goals_and_attainment.trim().to_owned(),
        changes: s.changes.trim().to_owned(),
        means_with_examples: s.means_with_examples.trim().to_owned(),
        follow_up_plan: s.follow_up_plan.trim().to_owned(),
        notes: s.notes.trim().to_owned(),
    })
}

/// The status filter of a list: `DUE`, `OVERDUE`, `SUBMITTED` or empty (any).
pub fn status_filter(value: i32) -> Result<&'static str, AppError> {
    match pb::ObligationStatus::try_from(value) {
        Ok(pb::ObligationStatus::Unspecified) => Ok(""),
        Ok(pb::ObligationStatus::Due) => Ok("DUE"),
        Ok(pb::ObligationStatus::Overdue) => Ok("OVERDUE"),
        Ok(pb::ObligationStatus::Submitted) => Ok("SUBMITTED"),
        Err(_) => Err(AppError::invalid("status", "one of the listed values")),
    }
}

/// Where `o` stands on `today`.
pub fn status(o: &ObligationRow, today: NaiveDate) -> pb::ObligationStatus {
    if o.state.handed_in() {
        pb::ObligationStatus::Submitted
    } else if today > o.due_on {
        pb::ObligationStatus::Overdue
    } else {
        pb::ObligationStatus::Due
    }
}

/// The obligation as the contract shows it (no report text).
pub fn to_obligation(o: &ObligationRow, today: NaiveDate) -> pb::Obligation {
    pb::Obligation {
        id: o.id.clone(),
        voucher_id: o.voucher_id.clone(),
        provider_id: o.provider_id.clone(),
        social_worker: o.social_worker.clone(),
        service_type: to_service_type(o.service),
        kind: kind_to_pb(o.kind) as i32,
        rule: o.rule.clone(),
        due_on: Some(to_date(o.due_on)),
        status: status(o, today) as i32,
        report_state: o.state.to_pb(),
        submitted_on: o.submitted_on.map(to_date),
        late: o.late,
    }
}

/// The report with its text.
pub fn to_report(o: &ObligationRow, today: NaiveDate) -> pb::Report {
    let s = &o.sections;
    pb::Report {
        obligation: Some(to_obligation(o, today)),
        sections: Some(pb::ReportSections {
            goals_and_attainment: s.goals_and_attainment.clone(),
            changes: s.changes.clone(),
            means_with_examples: s.means_with_examples.clone(),
            follow_up_plan: s.follow_up_plan.clone(),
            notes: s.notes.clone(),
        }),
        revision_reason: o.revision_reason.clone(),
        version: o.version,
    }
}
