//! RecordGroupSession: every client enrolled on the day marked present, absent or a no-show in
//! one call, all or nothing; each mark goes through the path of its single-client RPC
//! (RecordSession, RecordAbsence, CancelSession's no-show).

use std::collections::HashMap;

use seteli_api::attendance::v1 as pb;
use seteli_platform::change::{Change, lock_row};
use seteli_platform::convert::PbEnum;
use seteli_platform::error::refuse;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::Violation;

use super::absences::{AbsenceInput, record_absence_in};
use super::cancellations::mark_no_show;
use super::common::not_in_state;
use super::sessions::record_admitted;
use super::voucher_feed::with_fresh_voucher;
use crate::access;
use crate::app::App;
use crate::model::{AbsenceKind, AbsenceReason, GroupRow, GroupState, Presence, Voucher};
use crate::store;
use crate::wire::{self, required_id};

/// RecordGroupSession: every enrolled client marked in one call, each mark through the path
/// of its single-client RPC.
pub async fn record_group_session(
    app: &App,
    ctx: Ctx,
    req: pb::RecordGroupSessionRequest,
) -> AppResult<pb::RecordGroupSessionResponse> {
    ctx.caller.require(access::RECORDERS)?;
    // PROVIDER-NOT-APPROVED, from the followed registry
    app.followed_providers.require_may_work(&ctx).await?;
    with_fresh_voucher(app, || try_record_group_session(app, &ctx, &req)).await
}

/// A checked mark.
#[derive(Debug, Clone)]
struct Mark {
    voucher_id: String,
    presence: Presence,
    reason: Option<AbsenceReason>,
    notes: String,
}

fn validate_marks(marks: &[pb::PresenceMark]) -> AppResult<Vec<Mark>> {
    if marks.is_empty() || marks.len() > 100 {
        return Err(AppError::invalid(
            "marks",
            "one mark for every client enrolled on the session's date",
        ));
    }
    let mut out: Vec<Mark> = Vec::with_capacity(marks.len());
    for (i, m) in marks.iter().enumerate() {
        let voucher_id = required_id(&format!("marks[{i}].voucher_id"), &m.voucher_id)?;
        if out.iter().any(|x| x.voucher_id == voucher_id) {
            return Err(AppError::invalid(
                format!("marks[{i}].voucher_id"),
                "marked twice",
            ));
        }
        let presence = Presence::required(&format!("marks[{i}].presence"), m.presence)?;
        let reason =
            AbsenceReason::optional(&format!("marks[{i}].absence_reason"), m.absence_reason)?;
        if presence == Presence::Absent && reason.is_none() {
            return Err(AppError::invalid(
                format!("marks[{i}].absence_reason"),
                "required of an absence",
            ));
        }
        if presence != Presence::Absent && reason.is_some() {
            return Err(AppError::invalid(
                format!("marks[{i}].absence_reason"),
                "only an absence has a reason",
            ));
        }
        let notes = m.notes.trim().to_owned();
        if notes.chars().count() > 2000 {
            return Err(AppError::invalid(
                format!("marks[{i}].notes"),
                "at most 2000 characters",
            ));
        }
        out.push(Mark {
            voucher_id,
            presence,
            reason,
            notes,
        });
    }
    Ok(out)
}

/// Tags a refusal of one mark with its voucher, so that the caller knows whose it was.
fn of_voucher(voucher_id: &str, violations: Vec<Violation>) -> Vec<Violation> {
    violations
        .into_iter()
        .map(|mut x| {
            x.message_en = format!("Voucher {voucher_id}: {}", x.message_en);
            x.message_fi = format!("Seteli {voucher_id}: {}", x.message_fi);
            x
        })
        .collect()
}

async fn try_record_group_session(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordGroupSessionRequest,
) -> AppResult<pb::RecordGroupSessionResponse> {
    let change = Change::new(&app.db, ctx, req)?;
    let group_id = required_id("group_id", &req.group_id)?;
    let marks = validate_marks(&req.marks)?;
    // The session's shape, once, for everyone.
    let shape = wire::validate_session(
        Some(&wire::group_session_details(req.details.as_ref(), 1)?),
        "",
    )?;
    let day = shape.date;
    let present = marks
        .iter()
        .filter(|m| m.presence == Presence::Present)
        .count();
    let details = req.details.clone();
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    let ahead = app.absences_ahead.clone();
    let grace_days = app.late_record_grace_days;
    change
        .apply_to(
            &group_id,
            |g: &GroupRow| access::may_manage_group(&caller, g),
            move |conn, g: GroupRow| {
                Box::pin(async move {
                    if g.state != GroupState::Announced {
                        return Err(not_in_state("the group is cancelled"));
                    }
                    if day < g.start {
                        return Err(not_in_state(&format!(
                            "the group starts on {}: no session on {day}",
                            g.start
                        )));
                    }
                    let mut expected: Vec<&str> = g
                        .enrolments
                        .iter()
                        .filter(|e| e.attends_on(day))
                        .map(|e| e.voucher_id.as_str())
                        .collect();
                    expected.sort_unstable();
                    let mut given: Vec<&str> =
                        marks.iter().map(|m| m.voucher_id.as_str()).collect();
                    given.sort_unstable();
                    if expected != given {
                        let missing: Vec<&&str> =
                            expected.iter().filter(|x| !given.contains(x)).collect();
                        let extra: Vec<&&str> =
                            given.iter().filter(|x| !expected.contains(x)).collect();
                        return Err(AppError::invalid(
                            "marks",
                            format!(
                                "one mark for every client enrolled on {day}: missing {missing:?}, \
                                 not enrolled {extra:?}"
                            ),
                        ));
                    }
                    // Vouchers in id order, then their clients in id order: the same order as
                    // every other change (voucher, then client), never a cycle.
                    let mut vouchers: HashMap<String, Voucher> = HashMap::new();
                    for id in &given {
                        lock_row(conn, "vouchers", id).await?;
                        let v = store::load_voucher(conn, id)
                            .await?
                            .filter(|v| access::may_record(&ctx.caller, v))
                            .ok_or_else(|| AppError::NotFound(format!("voucher {id}")))?;
                        vouchers.insert((*id).to_owned(), v);
                    }
                    let mut clients: Vec<&str> =
                        vouchers.values().map(|v| v.client_id.as_str()).collect();
                    clients.sort_unstable();
                    clients.dedup();
                    for c in clients {
                        store::lock_client(conn, c).await?;
                    }
                    let mut outcomes = Vec::with_capacity(marks.len());
                    let mut refused: Vec<Violation> = Vec::new();
                    for m in &marks {
                        let Some(v) = vouchers.get(&m.voucher_id) else {
                            return Err(AppError::NotFound(format!("voucher {}", m.voucher_id)));
                        };
                        let mut outcome = pb::PresenceOutcome {
                            voucher_id: v.id.clone(),
                            presence: m.presence.to_pb(),
                            ..Default::default()
                        };
                        match m.presence {
                            Presence::Present | Presence::NoShow => {
                                // The clients in the session, this one included.
                                let participants =
                                    present + usize::from(m.presence == Presence::NoShow);
                                let mut d =
                                    wire::group_session_details(details.as_ref(), participants)?;
                                if !m.notes.is_empty() {
                                    d.notes = format!("{}\n{}", d.notes.trim(), m.notes)
                                        .trim()
                                        .to_owned();
                                }
                                let mut input = wire::validate_session(Some(&d), "")?;
                                // CAP-GROUP-SIZE against the group's own size too
                                input.group_max = Some(g.max_size);
                                let (stored, admission) = match record_admitted(
                                    conn,
                                    &ctx,
                                    &request_id,
                                    v,
                                    input,
                                    grace_days,
                                )
                                .await
                                {
                                    Ok(x) => x,
                                    Err(AppError::RuleViolations(x)) => {
                                        refused.extend(of_voucher(&v.id, x));
                                        continue;
                                    }
                                    Err(e) => return Err(e),
                                };
                                let id = stored.id;
                                if m.presence == Presence::NoShow {
                                    match mark_no_show(conn, &ctx, &request_id, v, &id).await {
                                        Ok(alerts) => outcome.alerts = alerts,
                                        Err(AppError::RuleViolations(x)) => {
                                            refused.extend(of_voucher(&v.id, x));
                                            continue;
                                        }
                                        Err(e) => return Err(e),
                                    }
                                }
                                outcome.session =
                                    store::load_session(conn, &id).await?.map(|s| s.view);
                                outcome.warnings = admission.warnings;
                            }
                            Presence::Absent => {
                                let answer = record_absence_in(
                                    conn,
                                    &ctx,
                                    &request_id,
                                    v,
                                    AbsenceInput {
                                        day,
                                        kind: AbsenceKind::Absent,
                                        reason: m.reason,
                                        notes: m.notes.clone(),
                                        delivered: false,
                                        first_day: false,
                                        ahead: ahead.clone(),
                                        grace_days,
                                    },
                                )
                                .await;
                                match answer {
                                    Ok(a) => {
                                        outcome.absence = a.absence;
                                        outcome.alerts = a.alerts;
                                    }
                                    Err(AppError::RuleViolations(x)) => {
                                        refused.extend(of_voucher(&v.id, x));
                                        continue;
                                    }
                                    Err(e) => return Err(e),
                                }
                            }
                        }
                        outcomes.push(outcome);
                    }
                    // All or nothing: every refused mark at once, and nothing is kept.
                    refuse(refused)?;
                    store::touch_group(conn, &g.id).await?;
                    Ok(pb::RecordGroupSessionResponse { outcomes })
                })
            },
        )
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(voucher_id: &str, presence: pb::Presence, reason: i32) -> pb::PresenceMark {
        pb::PresenceMark {
            voucher_id: voucher_id.into(),
            presence: presence as i32,
            absence_reason: reason,
            notes: String::new(),
        }
    }

    /// The one field a refusal names.
    fn field(r: AppResult<Vec<Mark>>) -> String {
        match r {
            Err(AppError::InvalidArgument(v)) if v.len() == 1 => v[0].field.clone(),
            other => panic!("not one invalid field: {other:?}"),
        }
    }

    #[test]
    fn checks_every_mark_and_keeps_their_order() {
        let illness = pb::AbsenceReason::OwnIllness as i32;
        let marks = [
            pb::PresenceMark {
                notes: "  came late \n".into(),
                ..mark(" v1 ", pb::Presence::Present, 0)
            },
            mark("v2", pb::Presence::Absent, illness),
            mark("v3", pb::Presence::NoShow, 0),
        ];
        let got = validate_marks(&marks).expect("valid");
        let seen: Vec<(&str, Presence, Option<AbsenceReason>, &str)> = got
            .iter()
            .map(|m| {
                (
                    m.voucher_id.as_str(),
                    m.presence,
                    m.reason,
                    m.notes.as_str(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("v1", Presence::Present, None, "came late"),
                ("v2", Presence::Absent, Some(AbsenceReason::OwnIllness), ""),
                ("v3", Presence::NoShow, None, ""),
            ]
        );
    }

    #[test]
    fn one_to_a_hundred_marks() {
        assert_eq!(field(validate_marks(&[])), "marks");
        let many: Vec<pb::PresenceMark> = (0..101)
            .map(|i| mark(&format!("v{i}"), pb::Presence::Present, 0))
            .collect();
        assert_eq!(field(validate_marks(&many)), "marks");
        assert_eq!(
            validate_marks(&many[..100]).map(|m| m.len()).ok(),
            Some(100)
        );
    }

    #[test]
    fn a_voucher_marked_twice_is_refused() {
        let marks = [
            mark("v1", pb::Presence::Present, 0),
            mark("v2", pb::Presence::Present, 0),
            // The same voucher once trimmed.
            mark(" v1", pb::Presence::NoShow, 0),
        ];
        assert_eq!(field(validate_marks(&marks)), "marks[2].voucher_id");
    }

    #[test]
    fn an_unknown_or_missing_presence_or_voucher_is_refused() {
        let unset = mark("v1", pb::Presence::Unspecified, 0);
        assert_eq!(field(validate_marks(&[unset])), "marks[0].presence");
        let unknown = pb::PresenceMark {
            presence: 99,
            ..mark("v1", pb::Presence::Present, 0)
        };
        assert_eq!(field(validate_marks(&[unknown])), "marks[0].presence");
        let no_voucher = mark("  ", pb::Presence::Present, 0);
        assert_eq!(field(validate_marks(&[no_voucher])), "marks[0].voucher_id");
    }

    #[test]
    fn only_an_absence_has_a_reason_and_it_must() {
        let illness = pb::AbsenceReason::OwnIllness as i32;
        let ok = mark("v1", pb::Presence::Present, 0);
        let absent = mark("v2", pb::Presence::Absent, 0);
        assert_eq!(
            field(validate_marks(&[ok.clone(), absent])),
            "marks[1].absence_reason"
        );
        let present = mark("v2", pb::Presence::Present, illness);
        assert_eq!(
            field(validate_marks(&[ok.clone(), present])),
            "marks[1].absence_reason"
        );
        let no_show = mark("v2", pb::Presence::NoShow, illness);
        assert_eq!(
            field(validate_marks(&[ok.clone(), no_show])),
            "marks[1].absence_reason"
        );
        let unknown_reason = mark("v2", pb::Presence::Absent, 99);
        assert_eq!(
            field(validate_marks(&[ok, unknown_reason])),
            "marks[1].absence_reason"
        );
    }

    #[test]
    fn notes_are_at_most_2000_characters() {
        let long = |n: usize| pb::PresenceMark {
            notes: "ä".repeat(n),
            ..mark("v1", pb::Presence::Present, 0)
        };
        assert!(validate_marks(&[long(2000)]).is_ok());
        assert_eq!(field(validate_marks(&[long(2001)])), "marks[0].notes");
    }
}
