//! Protobuf ↔ model: request validation into model inputs, and the views of obligations and
//! reports.

use chrono::NaiveDate;
use seteli_api::reporting::v1 as pb;
use seteli_platform::AppError;
pub use seteli_platform::convert::required_text;
use seteli_platform::convert::{PbEnum, to_date, to_service_type};
use seteli_platform::error::FieldErrors;

use crate::model::{ObligationRow, Sections, kind_to_pb};

/// The longest section of a report, in characters.
pub const MAX_SECTION: usize = 20_000;
/// The longest revision reason, in characters.
pub const MAX_REASON: usize = 2_000;

/// A required id field (trimmed, 1–200 bytes; reporting has always taken ids this long).
pub fn required_id(field: &str, value: &str) -> Result<String, AppError> {
    seteli_platform::convert::required_id_within(field, value, 200)
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
        // Filled by `crate::ops` (the report's delivery marks and earlier sections).
        delivery: None,
        earlier_sections: Vec::new(),
    }
}

// ------------------------------------------------------------------------------ notices, Kela

/// The longest description a provider's user gives a notice, in characters.
pub const MAX_NOTICE_TEXT: usize = 4_000;

/// A recorded actor as the contract shows it.
pub fn to_actor(a: &crate::model::Actor) -> Option<seteli_api::common::v1::Actor> {
    (!a.subject.is_empty()).then(|| seteli_api::common::v1::Actor {
        subject: a.subject.clone(),
        role: a.role.clone(),
        organisation: a.organisation.clone(),
    })
}

/// The caller as a recorded actor.
pub fn actor_of(caller: &seteli_platform::auth::Caller) -> crate::model::Actor {
    crate::model::Actor {
        subject: caller.subject.clone(),
        role: caller.role.as_str().to_owned(),
        organisation: caller.organisation(),
    }
}

/// A notice as the contract shows it.
pub fn to_notice(n: &crate::model::NoticeRow) -> pb::Notice {
    pb::Notice {
        id: n.id.clone(),
        kind: n.kind.to_pb(),
        rule: n.kind.rule().to_owned(),
        voucher_id: n.voucher_id.clone(),
        client_id: n.client_id.clone(),
        provider_id: n.provider_id.clone(),
        social_worker: n.social_worker.clone(),
        occurred_on: Some(to_date(n.occurred_on)),
        due_on: Some(to_date(n.due_on)),
        told_at_micros: n.told_at,
        told_on: Some(to_date(n.told_on)),
        late: n.late,
        told_by: to_actor(&n.told_by),
        message_en: n.message_en.clone(),
        message_fi: n.message_fi.clone(),
        details: n.details.clone(),
        situation_change: n.situation_change.map(|c| c.to_pb()).unwrap_or_default(),
        subject_id: n.subject_id.clone(),
        state: n.state.to_pb(),
        acknowledged_at_micros: n.acknowledged_at,
        acknowledged_by: to_actor(&n.acknowledged_by),
        acknowledgement_note: n.acknowledgement_note.clone(),
        version: n.version,
    }
}

/// An optional enum filter: `None` when unspecified, INVALID_ARGUMENT when unknown.
pub fn optional_enum<T: PbEnum>(field: &str, value: i32) -> Result<Option<T>, AppError> {
    if value == 0 {
        return Ok(None);
    }
    T::from_pb(value)
        .map(Some)
        .ok_or_else(|| AppError::invalid(field, "one of the listed values"))
}

/// A required day: INVALID_ARGUMENT when unset or not a date.
pub fn required_day(
    field: &str,
    d: Option<&seteli_api::common::v1::Date>,
) -> Result<NaiveDate, AppError> {
    seteli_platform::convert::date(field, d)
}

/// A contract date as a calendar date (`None` when unset or impossible).
pub fn calendar_day(d: Option<&seteli_api::common::v1::Date>) -> Option<NaiveDate> {
    seteli_platform::convert::date("date", d).ok()
}

/// A Kela absence notice's status filter.
pub fn kela_status_filter(value: i32) -> Result<Option<pb::KelaNoticeStatus>, AppError> {
    match pb::KelaNoticeStatus::try_from(value) {
        Ok(pb::KelaNoticeStatus::Unspecified) => Ok(None),
        Ok(s) => Ok(Some(s)),
        Err(_) => Err(AppError::invalid("status", "one of the listed values")),
    }
}

// ------------------------------------------------------------------------------ delivery and the closing checklist

/// The longest note on a done step (a delivery channel, a form's reference), in characters.
pub const MAX_MARK_NOTE: usize = 500;

/// An optional note: trimmed, at most [`MAX_MARK_NOTE`] characters.
pub fn optional_note(field: &str, value: &str) -> Result<String, AppError> {
    let v = value.trim();
    if v.chars().count() > MAX_MARK_NOTE {
        return Err(AppError::invalid(field, "at most 500 characters"));
    }
    Ok(v.to_owned())
}

/// The day a step was done: `today` when unset; never after `today`, never before `earliest`.
pub fn done_on(
    field: &str,
    value: Option<&seteli_api::common::v1::Date>,
    today: NaiveDate,
    earliest: Option<NaiveDate>,
) -> Result<NaiveDate, AppError> {
    let day = match value {
        None => today,
        Some(_) => seteli_platform::convert::date(field, value)?,
    };
    if day > today {
        return Err(AppError::invalid(field, "must not be in the future"));
    }
    if let Some(earliest) = earliest.filter(|e| day < *e) {
        return Err(AppError::invalid(
            field,
            format!("must not be before {earliest} (the report's submission)"),
        ));
    }
    Ok(day)
}

/// A report's text as the contract shows it.
pub fn to_sections(s: &Sections) -> pb::ReportSections {
    pb::ReportSections {
        goals_and_attainment: s.goals_and_attainment.clone(),
        changes: s.changes.clone(),
        means_with_examples: s.means_with_examples.clone(),
        follow_up_plan: s.follow_up_plan.clone(),
        notes: s.notes.clone(),
    }
}

/// A done step as the contract shows it.
pub fn to_done_mark(m: &crate::model::DoneMark) -> pb::DoneMark {
    pb::DoneMark {
        done_on: Some(to_date(m.done_on)),
        recorded_at_micros: m.recorded_at,
        recorded_by: Some(seteli_api::common::v1::Actor {
            subject: m.by_subject.clone(),
            role: m.by_role.clone(),
            organisation: m.by_organisation.clone(),
        }),
        note: m.note.clone(),
    }
}

/// The delivery marks of report `report_id` among a voucher's `marks`.
pub fn to_delivery(marks: &[crate::model::StoredMark], report_id: &str) -> pb::ReportDelivery {
    use crate::model::ClosingItem;
    let find = |item: ClosingItem| {
        marks
            .iter()
            .find(|m| m.report_id == report_id && m.item == item)
            .map(|m| to_done_mark(&m.mark))
    };
    pb::ReportDelivery {
        client_copy_given: find(ClosingItem::ClientCopyGiven),
        delivered_to_county: find(ClosingItem::DeliveredToCounty),
    }
}

/// An earlier period's dated section as the contract shows it.
pub fn to_dated_section(s: &crate::model::DatedSection) -> pb::DatedSection {
    pb::DatedSection {
        report_id: s.report_id.clone(),
        voucher_id: s.voucher_id.clone(),
        period_from: Some(to_date(s.period_from)),
        period_until: Some(to_date(s.period_until)),
        dated_on: Some(to_date(s.dated_on)),
        sections: Some(to_sections(&s.sections)),
    }
}
