//! The ledger as a whole (RULES.md §10) where it needs more than the session being admitted:
//! a day is either attended or missed (ABS-RECORD), a replacement is a new time, one to one
//! (BILL-PROVIDER-CANCEL), and repeated no-shows or absences without a reason are told to the
//! social worker (ABS-REPEATED). The pure checks are `seteli_rules::ledger`'s; one record per
//! hour (BILL-REALISED) runs inside admission, over the sessions admission reads.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as pb;
use seteli_platform::AppResult;
use seteli_platform::error::refuse;
use seteli_platform::rpc::Ctx;
use seteli_rules::Violation;
use seteli_rules::absences::{
    AbsenceReason as RuleReason, RepeatedAbsenceConfig, check_absence_follow_up,
};
use seteli_rules::ledger::{
    LedgerDay, Replacement, check_day_not_missed, check_replacement, repeated_absences,
};
use sqlx::AnyConnection;

use super::alerts::raise;
use crate::model::{AbsenceKind, Audience, NewAlert, SessionRow, SessionStatus, Voucher};
use crate::store;

/// ABS-RECORD, "a day is either attended or missed" (RULES.md §10): no session on a date the
/// voucher records as an absence (or as a day with no service arranged), as read with the
/// decision ([`store::SessionDecisionReads::absent_on_date`]). Recording an absence takes the
/// client's lock, so a decision read before it does not hold after it.
pub(super) fn not_an_absence_day(absent_on_date: bool, date: NaiveDate) -> AppResult<()> {
    let absences: &[NaiveDate] = if absent_on_date { &[date] } else { &[] };
    refuse(check_day_not_missed(date, absences))
}

/// BILL-PROVIDER-CANCEL, "a replacement is a new time" (RULES.md §10): `cancelled` (cancelled
/// by the provider on `cancelled_on`, or about to be) is replaced by a session on
/// `replacement_date` — `replacement` when it is already recorded — dated on or after the
/// cancellation, the only replacement of that cancellation and replacing nothing else.
pub(super) async fn replacement_check(
    conn: &mut AnyConnection,
    v: &Voucher,
    cancelled: &SessionRow,
    replacement_date: NaiveDate,
    cancelled_on: NaiveDate,
    replacement: Option<&SessionRow>,
) -> AppResult<Vec<Violation>> {
    let sessions = store::all_voucher_sessions(conn, &v.id).await?;
    let replacement_id = replacement.map(|r| r.id.as_str());
    let replaces = |x: &SessionRow| x.view.replaces_session_id.clone();
    Ok(check_replacement(&Replacement {
        cancelled_on,
        replacement_date,
        cancellation_already_replaced: sessions.iter().any(|x| {
            replaces(x) == cancelled.id
                && Some(x.id.as_str()) != replacement_id
                && matches!(x.status, SessionStatus::Recorded | SessionStatus::NoShow)
        }),
        replacement_already_used: replacement
            .is_some_and(|r| !r.view.replaces_session_id.is_empty() && replaces(r) != cancelled.id),
    }))
}

/// ABS-REPEATED (KTT 3, SK 5; RULES.md §10 "repeated absences"): the voucher's days up to
/// `today` — sessions held, no-shows, absences — read by the rules crate, where an absence
/// whose reason keeps no benefit counts as a no-show does; a repeated pattern is told to the
/// social worker once per occasion. `subject_id` is the record that completed it.
pub(super) async fn repeated_absences_alert(
    conn: &mut AnyConnection,
    ctx: &Ctx,
    v: &Voucher,
    subject_id: &str,
    today: NaiveDate,
) -> AppResult<Option<pb::Alert>> {
    let mut days: Vec<(NaiveDate, LedgerDay)> = store::all_voucher_sessions(conn, &v.id)
        .await?
        .iter()
        .filter(|x| x.date <= today)
        .filter_map(|x| match x.status {
            SessionStatus::Recorded => Some((x.date, LedgerDay::Attended)),
            SessionStatus::NoShow => Some((x.date, LedgerDay::NoShow)),
            _ => None,
        })
        .collect();
    days.extend(
        store::voucher_absences(conn, &v.id)
            .await?
            .iter()
            .filter(|a| a.kind == AbsenceKind::Absent && a.date <= today)
            .filter_map(|a| {
                let reason = RuleReason::from_code(a.reason?.code())?;
                Some((a.date, LedgerDay::Absent(reason)))
            }),
    );
    let cfg = RepeatedAbsenceConfig::default();
    let follow_up = check_absence_follow_up(&repeated_absences(&days), None, today, &cfg);
    let (Some(since), Some(due)) = (follow_up.repeated_since, follow_up.notify_social_worker_by)
    else {
        return Ok(None);
    };
    raise(
        conn,
        ctx,
        v,
        NewAlert {
            dedup_key: format!("ABS-REPEATED:social-worker:{}:{since}", v.id),
            rule_id: seteli_rules::rule_ids::ABS_REPEATED,
            audience: Audience::SocialWorker,
            message_en: format!(
                "Repeated no-shows or absences without a reason (as of {since}): notify the social worker without delay."
            ),
            message_fi: format!(
                "Toistuvat poisjäännit tai poissaolot ilman perusteltua syytä ({since} alkaen): ilmoita omatyöntekijälle viipymättä."
            ),
            due_on: due,
            subject_id: subject_id.to_owned(),
        },
    )
    .await
}
