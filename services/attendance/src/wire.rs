//! Protobuf ↔ model: requests checked into model inputs (every malformed field at once), and
//! the small conversions the views need.

use chrono::{NaiveTime, Timelike};
use seteli_api::attendance::v1 as pb;
use seteli_platform::convert::{PbEnum, date, to_date};
pub use seteli_platform::convert::{
    month_bounds, opt_date, optional_date, required_id, required_text,
};
use seteli_platform::{AppError, FieldErrors};

use seteli_rules::{ServiceType, groups};

use crate::model::{
    EnrolmentRow, GroupInput, GroupMode, GroupRow, Modality, SessionInput, SessionKind,
};

/// Longest accepted session or day: 24 hours.
const MAX_HOURS_HUNDREDTHS: i64 = 2400;

fn clock(field: &str, t: Option<&pb::ClockTime>) -> Result<Option<NaiveTime>, String> {
    let Some(t) = t else { return Ok(None) };
    u32::try_from(t.hours)
        .ok()
        .zip(u32::try_from(t.minutes).ok())
        .and_then(|(h, m)| NaiveTime::from_hms_opt(h, m, 0))
        .map(Some)
        .ok_or_else(|| format!("{field}: not a time of day (hours 0–23, minutes 0–59)"))
}

/// A clock time as the contract carries it.
pub fn to_clock(t: NaiveTime) -> pb::ClockTime {
    pb::ClockTime {
        hours: i32::try_from(t.hour()).unwrap_or_default(),
        minutes: i32::try_from(t.minute()).unwrap_or_default(),
    }
}

/// A clock time as stored: `HH:MM`.
pub fn store_time(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

/// Parses a stored `HH:MM`.
pub fn parse_stored_time(s: &str) -> Result<NaiveTime, AppError> {
    // chrono's own `HH:MM` parser, without interpreting a format string for every row.
    s.parse::<NaiveTime>()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored time {s:?}: {e}")))
}

/// Checks a session's shape; every malformed field at once. An empty coach is the voucher's
/// The hours between two clock times, hundredths, rounded to the nearest: what an hour
/// service's session consumes (09:00–10:30 is 150).
pub fn clock_hundredths(start: NaiveTime, end: NaiveTime) -> i64 {
    ((end - start).num_minutes() * 100 + 30) / 60
}

/// responsible coach.
pub fn validate_session(
    d: Option<&pb::SessionDetails>,
    responsible_coach: &str,
) -> Result<SessionInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let day = errors.take(
        "details.date",
        date("details.date", d.date.as_ref()).map_err(|_| "required: a calendar date"),
    );
    let start = errors
        .take(
            "details.start_time",
            clock("start_time", d.start_time.as_ref()),
        )
        .flatten();
    let end = errors
        .take("details.end_time", clock("end_time", d.end_time.as_ref()))
        .flatten();
    errors.check(
        start.is_some() != end.is_some(),
        "details.end_time",
        "start_time and end_time are given together",
    );
    let time = start.zip(end);
    errors.check(
        time.is_some_and(|(s, e)| s >= e),
        "details.end_time",
        "must be after start_time",
    );
    let from_clock = time
        .filter(|(s, e)| s < e)
        .map(|(s, e)| clock_hundredths(s, e));
    let hours = d.hours.map(|h| h.hundredths).or(from_clock);
    errors.check(
        !hours.is_some_and(|h| (1..=MAX_HOURS_HUNDREDTHS).contains(&h)),
        "details.hours",
        "required (or start and end times): hundredths of an hour, more than 0, at most 24 h",
    );
    let modality = Modality::from_pb(d.modality);
    errors.check(
        modality.is_none(),
        "details.modality",
        "required: on site, phone or video",
    );
    let kind = if d.kind == 0 {
        Some(SessionKind::Regular)
    } else {
        SessionKind::from_pb(d.kind)
    };
    errors.check(kind.is_none(), "details.kind", "unknown value");
    let coach = if d.coach.trim().is_empty() {
        responsible_coach.trim().to_owned()
    } else {
        d.coach.trim().to_owned()
    };
    errors.check(
        coach.chars().count() > 200,
        "details.coach",
        "at most 200 characters",
    );
    errors.check(
        d.notes.chars().count() > 4000,
        "details.notes",
        "at most 4000 characters",
    );
    errors.check(
        !(0..=1000).contains(&d.participants),
        "details.participants",
        "0 (not a group session) or the number of clients in the session",
    );
    errors.finish()?;
    let (Some(day), Some(hours), Some(modality), Some(kind)) = (day, hours, modality, kind) else {
        return Err(AppError::invalid("details", "invalid"));
    };
    let mut details = d.clone();
    details.coach = coach;
    details.notes = d.notes.trim().to_owned();
    details.kind = kind.to_pb();
    details.hours = Some(pb::Units { hundredths: hours });
    Ok(SessionInput {
        date: day,
        time,
        hours,
        modality,
        kind,
        excursion: d.excursion,
        participants: u32::try_from(d.participants).unwrap_or_default(),
        group_max: None,
        details,
    })
}

// ------------------------------------------------------------------------------ groups

/// Checks a group's shape; every malformed field at once. The size's rule (CAP-GROUP-SIZE) is
/// the rules crate's, in `ops`; here only that it is a positive number.
pub fn validate_group(d: Option<&pb::GroupDetails>) -> Result<GroupInput, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    let mut errors = FieldErrors::new();
    let service = ServiceType::from_pb(d.service_type).filter(|s| s.is_group());
    errors.check(
        service.is_none(),
        "details.service_type",
        "required: SK_GROUP or KTT_GROUP",
    );
    let name = errors.text("details.name", &d.name, 200);
    let mode = GroupMode::from_pb(d.mode);
    errors.check(mode.is_none(), "details.mode", "required: open or closed");
    let max_size = u32::try_from(d.max_size).ok().filter(|n| *n > 0);
    errors.check(
        max_size.is_none(),
        "details.max_size",
        "required: the maximum number of clients, more than 0",
    );
    let start = errors.take(
        "details.announced_start",
        date("details.announced_start", d.announced_start.as_ref())
            .map_err(|_| "required: a calendar date"),
    );
    let schedule = errors.text("details.schedule", &d.schedule, 2000);
    errors.finish()?;
    let (Some(service), Some(mode), Some(max_size), Some(announced_start)) =
        (service, mode, max_size, start)
    else {
        return Err(AppError::invalid("details", "invalid"));
    };
    Ok(GroupInput {
        service,
        name,
        mode,
        max_size,
        announced_start,
        schedule,
    })
}

/// A group session's details as one client's session details (each voucher's coach when the
/// session names none), with the clients in the session for CAP-GROUP-SIZE.
pub fn group_session_details(
    d: Option<&pb::GroupSessionDetails>,
    participants: usize,
) -> Result<pb::SessionDetails, AppError> {
    let d = d.ok_or_else(|| AppError::invalid("details", "required"))?;
    Ok(pb::SessionDetails {
        date: d.date,
        start_time: d.start_time,
        end_time: d.end_time,
        hours: d.hours,
        modality: d.modality,
        kind: pb::SessionKind::Regular as i32,
        excursion: d.excursion,
        coach: d.coach.clone(),
        notes: d.notes.clone(),
        participants: i32::try_from(participants).unwrap_or(i32::MAX),
    })
}

/// An enrolment as the contract shows it.
pub fn enrolment_view(e: &EnrolmentRow) -> pb::Enrolment {
    pb::Enrolment {
        voucher_id: e.voucher_id.clone(),
        client_id: e.client_id.clone(),
        joins_on: Some(to_date(e.joins_on)),
        state: e.state.to_pb(),
        enrolled_on: Some(to_date(e.enrolled_on)),
        withdrawn_on: opt_date(e.withdrawn_on),
        withdrawal_reason: e.withdrawal_reason.clone(),
    }
}

/// A group as the contract shows it; its enrolments only when `with_enrolments`.
pub fn group_view(g: &GroupRow, with_enrolments: bool) -> pb::Group {
    let closed_sk = g.mode == GroupMode::Closed && g.service == ServiceType::SkGroup;
    pb::Group {
        id: g.id.clone(),
        provider_id: g.provider_id.clone(),
        details: Some(pb::GroupDetails {
            service_type: g.service.to_pb(),
            name: g.name.clone(),
            mode: g.mode.to_pb(),
            max_size: i32::try_from(g.max_size).unwrap_or(i32::MAX),
            announced_start: Some(to_date(g.announced_start)),
            schedule: g.schedule.clone(),
        }),
        state: g.state.to_pb(),
        start: Some(to_date(g.start)),
        enrolled: i32::try_from(g.enrolled().count()).unwrap_or(i32::MAX),
        enrolments: if with_enrolments {
            g.enrolments.iter().map(enrolment_view).collect()
        } else {
            Vec::new()
        },
        min_fill_check_on: Some(to_date(groups::min_fill_check_date(g.announced_start))),
        late_join_until: closed_sk.then(|| to_date(groups::late_join_deadline(g.start))),
        decision_reason: g.decision_reason.clone(),
        version: g.version,
        created_at_micros: g.created_at,
        updated_at_micros: g.updated_at,
    }
}
