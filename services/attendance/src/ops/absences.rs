//! Absences: RecordAbsence (an absent mark of a group session comes the same way) and
//! ListAbsences, with the alerts an absence raises: ABS-KELA (Kela's TT3 notice), ABS-SICK-CERT
//! over a run of sick days, ABS-PROLONGED over the voucher's arranged days.

use std::sync::Arc;

use chrono::{Days, NaiveDate};
use seteli_api::attendance::v1 as pb;
use seteli_platform::change::Change;
use seteli_platform::convert::{PbEnum, date, store_date};
use seteli_platform::db::new_id;
use seteli_platform::error::refuse;
use seteli_platform::paging::Paging;
use seteli_platform::rpc::Ctx;
use seteli_platform::{AppError, AppResult};
use seteli_rules::absences::AbsenceReason as RuleReason;
use seteli_rules::absences::{
    AbsenceEntry, ArrangedDay, KELA_NOTICE_INTERVAL_DAYS, ProlongedAbsenceConfig, SickAbsence,
    check_absences, check_prolonged_absence, check_sick_absence,
};
use seteli_rules::calendar::{DeadlineRoll, is_business_day, roll_deadline};
use seteli_rules::ledger::{AheadReasons, check_absence_in_time, check_day_not_attended};
use seteli_rules::rule_ids::{ABS_KELA, ABS_RECORD};
use seteli_rules::terms::check_use_date;
use sqlx::AnyConnection;

use super::alerts::raise;
use super::common::{audit_client, not_in_state, read_client, readable_voucher};
use super::ledger::repeated_absences_alert;
use super::voucher_feed::with_fresh_voucher;
use crate::access;
use crate::app::App;
use crate::model::{
    AbsenceKind, AbsenceReason, AbsenceRow, Audience, NewAlert, SessionKind, SessionStatus, Voucher,
};
use crate::store;
use crate::wire::required_id;

/// RecordAbsence: ABS-RECORD refuses an absence without a reason; ABS-KELA, ABS-SICK-CERT and
/// ABS-PROLONGED raise alerts.
pub async fn record_absence(
    app: &App,
    ctx: Ctx,
    req: pb::RecordAbsenceRequest,
) -> AppResult<pb::RecordAbsenceResponse> {
    ctx.caller.require(access::RECORDERS)?;
    // PROVIDER-NOT-APPROVED, from the followed registry
    app.followed_providers.require_may_work(&ctx).await?;
    with_fresh_voucher(app, || try_record_absence(app, &ctx, &req)).await
}

async fn try_record_absence(
    app: &App,
    ctx: &Ctx,
    req: &pb::RecordAbsenceRequest,
) -> AppResult<pb::RecordAbsenceResponse> {
    let change = Change::new(&app.db, ctx, req)?;
    let voucher_id = required_id("voucher_id", &req.voucher_id)?;
    let day = date("date", req.date.as_ref())?;
    let kind = AbsenceKind::required("kind", req.kind)?;
    let reason = AbsenceReason::optional("reason", req.reason)?;
    if kind == AbsenceKind::NotArranged && reason.is_some() {
        return Err(AppError::invalid(
            "reason",
            "a day with no service arranged is not an absence and has no reason",
        ));
    }
    let notes = req.notes.trim().to_owned();
    if notes.chars().count() > 2000 {
        return Err(AppError::invalid("notes", "at most 2000 characters"));
    }
    let input = AbsenceInput {
        day,
        kind,
        reason,
        notes,
        delivered: req.certificate_delivered,
        first_day: req.certificate_required_from_first_day,
        ahead: app.absences_ahead.clone(),
        grace_days: app.late_record_grace_days,
    };
    let caller = ctx.caller.clone();
    let ctx = ctx.clone();
    let request_id = req.request_id.clone();
    change
        .apply_to(
            &voucher_id,
            |v: &Voucher| access::may_record(&caller, v),
            move |conn, v: Voucher| {
                Box::pin(async move { record_absence_in(conn, &ctx, &request_id, &v, input).await })
            },
        )
        .await
}

/// What RecordAbsence (and an absent mark of a group session) records.
pub(super) struct AbsenceInput {
    pub(super) day: NaiveDate,
    pub(super) kind: AbsenceKind,
    pub(super) reason: Option<AbsenceReason>,
    pub(super) notes: String,
    pub(super) delivered: bool,
    pub(super) first_day: bool,
    /// The reasons that may be recorded before their day (ABS-RECORD, RULES.md §10).
    pub(super) ahead: Arc<AheadReasons>,
    /// How long after its validity ends the voucher takes late records
    /// ([`Voucher::takes_sessions_on`]).
    pub(super) grace_days: i64,
}

/// Records an absence on `v` inside the change's transaction: TERM-VALIDITY, ABS-RECORD,
/// ABS-KELA, then ABS-SICK-CERT and ABS-PROLONGED alerts, and the audit entry.
pub(super) async fn record_absence_in(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    request_id: &str,
    v: &Voucher,
    input: AbsenceInput,
) -> AppResult<pb::RecordAbsenceResponse> {
    let AbsenceInput {
        day,
        kind,
        reason,
        notes,
        delivered,
        first_day,
        ahead,
        grace_days,
    } = input;
    let today = ctx.today();
    // The voucher's state, and nothing lost at the end for the grace period (RULES.md §10).
    if !v.takes_sessions_on(day, today, grace_days) {
        return Err(not_in_state(&format!(
            "the voucher is {}: no absence on {day}",
            v.state
        )));
    }
    // TERM-VALIDITY: only days of the voucher's validity.
    refuse(check_use_date(v.valid_from, v.valid_until, day))?;
    let mut kela = Vec::new();
    if kind == AbsenceKind::Absent {
        // ABS-RECORD (a reason), ABS-KELA (to be reported)
        let found = check_absences(
            v.service,
            &[AbsenceEntry {
                date: day,
                service_arranged: true,
                reason: reason.map(|r| r.code().to_owned()),
                reported_to_kela: false,
            }],
        );
        let (record, rest): (Vec<_>, Vec<_>) =
            found.into_iter().partition(|x| x.rule == ABS_RECORD);
        refuse(record)?;
        kela = rest.into_iter().filter(|x| x.rule == ABS_KELA).collect();
        // ABS-RECORD also when the rules crate does not apply it (SK): a reason.
        if reason.is_none() {
            return Err(AppError::invalid("reason", "required of an absence"));
        }
    }
    // ABS-RECORD, "a day is either attended or missed" (RULES.md §10): no absence on a day the
    // voucher has a session held or missed; the client's lock orders this against sessions
    // recorded at the same moment (their decision holds only while the lock's version does).
    store::lock_client(conn, &v.client_id).await?;
    let held: Vec<NaiveDate> = store::all_voucher_sessions(conn, &v.id)
        .await?
        .iter()
        .filter(|s| matches!(s.status, SessionStatus::Recorded | SessionStatus::NoShow))
        .map(|s| s.date)
        .collect();
    let mut violations = check_day_not_attended(day, &held);
    // ABS-RECORD: an absence is recorded on or after its day, except reasons known ahead.
    if let Some(r) = reason.and_then(|r| RuleReason::from_code(r.code())) {
        violations.extend(check_absence_in_time(day, today, r, delivered, &ahead));
    }
    refuse(violations)?;
    let id = new_id();
    store::insert_absence(
        conn, &id, v, day, kind, reason, &notes, delivered, first_day,
    )
    .await?;
    let mut alerts = Vec::new();
    for x in kela {
        let due = roll_deadline(
            day.checked_add_days(Days::new(KELA_NOTICE_INTERVAL_DAYS))
                .unwrap_or(day),
            DeadlineRoll::NextBusinessDay,
        );
        alerts.extend(
            raise(
                conn,
                ctx,
                v,
                NewAlert {
                    dedup_key: format!("ABS-KELA:{id}"),
                    rule_id: ABS_KELA,
                    audience: Audience::Provider,
                    message_en: format!("{} Send Kela's TT3 notice.", x.message_en),
                    message_fi: format!("{} Lähetä Kelan TT3-ilmoitus.", x.message_fi),
                    due_on: due,
                    subject_id: id.clone(),
                },
            )
            .await?,
        );
    }
    alerts.extend(absence_alerts(conn, ctx, v, &id, day, today).await?);
    // ABS-REPEATED: absences without a reason that keeps the benefit count as no-shows do.
    alerts.extend(repeated_absences_alert(conn, ctx, v, &id, today).await?);
    audit_client(conn, ctx, request_id, &v.client_id, "RecordAbsence").await?;
    let absence = store::voucher_absences(conn, &v.id)
        .await?
        .into_iter()
        .find(|a| a.view.id == id)
        .map(|a| a.view);
    Ok(pb::RecordAbsenceResponse { absence, alerts })
}

/// ABS-SICK-CERT over the sick run around `day`, and ABS-PROLONGED over the voucher's arranged
/// days (both decided by the rules crate).
async fn absence_alerts(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    absence_id: &str,
    day: NaiveDate,
    today: NaiveDate,
) -> AppResult<Vec<pb::Alert>> {
    let absences = store::voucher_absences(conn, &v.id).await?;
    let mut raised = Vec::new();
    let sick = |d: NaiveDate| -> Option<&AbsenceRow> {
        absences.iter().find(|a| {
            a.date == d
                && a.kind == AbsenceKind::Absent
                && a.reason == Some(AbsenceReason::OwnIllness)
        })
    };
    let skippable = |d: NaiveDate| {
        !is_business_day(d)
            || absences
                .iter()
                .any(|a| a.date == d && a.kind == AbsenceKind::NotArranged)
    };
    if sick(day).is_some() {
        // The run of sick days around `day`; days with no service arranged do not break it.
        let (mut first, mut last) = (day, day);
        let mut d = day;
        for _ in 0..60 {
            let Some(p) = d.pred_opt() else { break };
            if sick(p).is_some() {
                first = p;
            } else if !skippable(p) {
                break;
            }
            d = p;
        }
        d = day;
        for _ in 0..60 {
            let Some(n) = d.succ_opt() else { break };
            if sick(n).is_some() {
                last = n;
            } else if !skippable(n) {
                break;
            }
            d = n;
        }
        let run: Vec<&AbsenceRow> = absences
            .iter()
            .filter(|a| a.date >= first && a.date <= last && sick(a.date).is_some())
            .collect();
        // ABS-SICK-CERT
        for x in check_sick_absence(
            v.service,
            &SickAbsence {
                first_day: first,
                last_day: last,
                certificate_delivered: run.iter().any(|a| a.certificate_delivered),
                required_from_first_day: run.iter().any(|a| a.certificate_first_day),
            },
        ) {
            raised.extend(
                raise(
                    conn,
                    ctx,
                    v,
                    NewAlert {
                        dedup_key: format!("ABS-SICK-CERT:{}:{first}", v.id),
                        rule_id: x.rule,
                        audience: Audience::Provider,
                        message_en: x.message_en,
                        message_fi: x.message_fi,
                        due_on: roll_deadline(today, DeadlineRoll::NextBusinessDay),
                        subject_id: absence_id.to_owned(),
                    },
                )
                .await?,
            );
        }
    }
    // ABS-PROLONGED: arranged days are the sessions held or missed and the absences.
    let sessions = store::all_voucher_sessions(conn, &v.id).await?;
    let mut days: Vec<ArrangedDay> = sessions
        .iter()
        .filter(|s| s.kind == SessionKind::Regular && s.date <= today)
        .filter(|s| matches!(s.status, SessionStatus::Recorded | SessionStatus::NoShow))
        .map(|s| ArrangedDay {
            date: s.date,
            attended: s.status == SessionStatus::Recorded,
        })
        .collect();
    days.extend(
        absences
            .iter()
            .filter(|a| a.kind == AbsenceKind::Absent)
            .map(|a| ArrangedDay {
                date: a.date,
                attended: false,
            }),
    );
    let prolonged = check_prolonged_absence(
        v.service,
        &days,
        None,
        today,
        &ProlongedAbsenceConfig::default(),
    );
    if let (Some(since), Some(due)) = (prolonged.repeated_since, prolonged.notify_social_worker_by)
    {
        raised.extend(
            raise(
                conn,
                ctx,
                v,
                NewAlert {
                    dedup_key: format!("ABS-PROLONGED:{}:{since}", v.id),
                    rule_id: seteli_rules::rule_ids::ABS_PROLONGED,
                    audience: Audience::SocialWorker,
                    message_en: format!(
                        "Prolonged absence (as of {since}): tell the social worker at once."
                    ),
                    message_fi: format!(
                        "Pitkittynyt poissaolo ({since} alkaen): ilmoita omatyöntekijälle välittömästi."
                    ),
                    due_on: due,
                    subject_id: absence_id.to_owned(),
                },
            )
            .await?,
        );
    }
    Ok(raised)
}

/// ListAbsences.
pub async fn list_absences(
    app: &App,
    ctx: Ctx,
    req: pb::ListAbsencesRequest,
) -> AppResult<pb::ListAbsencesResponse> {
    ctx.caller.require(access::READERS)?;
    let id = required_id("voucher_id", &req.voucher_id)?;
    let page = Paging::read(req.page_size, &req.page_token, 100, 500)?;
    let v = readable_voucher(app, &ctx, &id).await?;
    let after = page.after::<(String, String)>()?;
    let mut conn = app.db.pool().acquire().await?;
    let rows = store::list_absences(&mut conn, &id, after, page.fetch()).await?;
    drop(conn);
    let (rows, next_page_token) = page.cut(rows, |a| (store_date(a.date), a.view.id.clone()));
    read_client(app, &ctx, &v.client_id, "ListAbsences").await?;
    Ok(pb::ListAbsencesResponse {
        absences: rows.into_iter().map(|a| a.view).collect(),
        next_page_token,
    })
}
