//! The days of Kela's absence notice: how attendance's sessions and absences show on each day
//! (present, absent with Kela's reason, or no service arranged), in the order the parent
//! module's documentation gives.

use chrono::NaiveDate;
use seteli_api::attendance::v1 as apb;
use seteli_api::reporting::v1 as pb;
use seteli_rules::absences::{AbsenceReason, KelaDayStatus};
use seteli_rules::calendar::holiday_on;

use crate::wire::calendar_day as day_of;

/// Attendance's absence reason as Kela's.
pub(super) fn kela_reason(reason: i32) -> AbsenceReason {
    apb::AbsenceReason::try_from(reason)
        .ok()
        .and_then(|r| {
            AbsenceReason::from_code(r.as_str_name().trim_start_matches("ABSENCE_REASON_"))
        })
        .unwrap_or(AbsenceReason::Other)
}

/// Kela's reason in the contract.
pub(super) fn reason_to_pb(r: AbsenceReason) -> pb::KelaAbsenceReason {
    match r {
        AbsenceReason::OwnIllness => pb::KelaAbsenceReason::OwnIllness,
        AbsenceReason::ChildIllness => pb::KelaAbsenceReason::ChildIllness,
        AbsenceReason::JobInterview => pb::KelaAbsenceReason::JobInterview,
        AbsenceReason::PublicOffice => pb::KelaAbsenceReason::PublicOffice,
        AbsenceReason::Other => pb::KelaAbsenceReason::Other,
    }
}

/// One day of the notice, before the benefit is judged.
pub(super) struct Day {
    pub(super) status: KelaDayStatus,
    pub(super) certificate_delivered: bool,
    pub(super) note: String,
}

/// How `date` shows on the notice, from the voucher's sessions and absences (see the module
/// documentation for the order in which they count).
pub(super) fn day_status(
    date: NaiveDate,
    sessions: &[apb::Session],
    absences: &[apb::Absence],
) -> Day {
    use apb::SessionStatus as S;
    let on_day =
        |s: &&apb::Session| day_of(s.details.as_ref().and_then(|d| d.date.as_ref())) == Some(date);
    let status_of = |s: &apb::Session| S::try_from(s.status).unwrap_or(S::Unspecified);
    let day_sessions: Vec<&apb::Session> = sessions.iter().filter(on_day).collect();
    let absence = absences
        .iter()
        .find(|a| day_of(a.date.as_ref()) == Some(date));
    let plain = |status, note: &str| Day {
        status,
        certificate_delivered: false,
        note: note.to_owned(),
    };
    if day_sessions.iter().any(|s| status_of(s) == S::Recorded) {
        return plain(KelaDayStatus::Present, "");
    }
    if let Some(a) = absence {
        if a.kind == apb::AbsenceKind::Absent as i32 {
            return Day {
                status: KelaDayStatus::Absent(kela_reason(a.reason)),
                certificate_delivered: a.certificate_delivered,
                note: String::new(),
            };
        }
        let note = if a.notes.trim().is_empty() {
            "kirjattu"
        } else {
            a.notes.trim()
        };
        return plain(KelaDayStatus::NotArranged, note);
    }
    if day_sessions.iter().any(|s| status_of(s) == S::NoShow) {
        return plain(KelaDayStatus::Absent(AbsenceReason::Other), "ei saapunut");
    }
    if day_sessions
        .iter()
        .any(|s| status_of(s) == S::CancelledByClient)
    {
        return plain(KelaDayStatus::Absent(AbsenceReason::Other), "asiakas perui");
    }
    if day_sessions
        .iter()
        .any(|s| status_of(s) == S::CancelledByProvider)
    {
        return plain(KelaDayStatus::NotArranged, "palveluntuottaja perui");
    }
    match holiday_on(date) {
        Some(h) => plain(KelaDayStatus::NotArranged, h.name_fi()),
        None => plain(KelaDayStatus::NotArranged, "ei palvelupäivää"),
    }
}

#[cfg(test)]
mod tests {
    use seteli_platform::convert::to_date;

    use super::*;
    use crate::testing::d;

    fn session(date: NaiveDate, status: apb::SessionStatus) -> apb::Session {
        apb::Session {
            details: Some(apb::SessionDetails {
                date: Some(to_date(date)),
                ..Default::default()
            }),
            status: status as i32,
            ..Default::default()
        }
    }

    fn absence(
        date: NaiveDate,
        kind: apb::AbsenceKind,
        reason: apb::AbsenceReason,
    ) -> apb::Absence {
        apb::Absence {
            date: Some(to_date(date)),
            kind: kind as i32,
            reason: reason as i32,
            certificate_delivered: true,
            ..Default::default()
        }
    }

    #[test]
    fn a_day_on_the_notice_is_what_attendance_recorded_for_it() {
        use apb::SessionStatus as S;
        let (mon, tue, wed, thu) = (d(2026, 3, 2), d(2026, 3, 3), d(2026, 3, 4), d(2026, 3, 5));
        let sessions = [
            session(mon, S::Recorded),
            session(tue, S::NoShow),
            session(wed, S::CancelledByClient),
            session(thu, S::CancelledByProvider),
            // Present despite a recorded absence that day: present wins.
            session(d(2026, 3, 9), S::Recorded),
        ];
        let absences = [
            absence(
                d(2026, 3, 9),
                apb::AbsenceKind::Absent,
                apb::AbsenceReason::OwnIllness,
            ),
            absence(
                d(2026, 3, 10),
                apb::AbsenceKind::Absent,
                apb::AbsenceReason::ChildIllness,
            ),
            absence(
                d(2026, 3, 11),
                apb::AbsenceKind::NotArranged,
                apb::AbsenceReason::Unspecified,
            ),
        ];
        let day = |date| day_status(date, &sessions, &absences);
        assert_eq!(day(mon).status, KelaDayStatus::Present);
        let no_show = day(tue);
        assert_eq!(no_show.status, KelaDayStatus::Absent(AbsenceReason::Other));
        assert_eq!(no_show.note, "ei saapunut");
        assert_eq!(day(wed).note, "asiakas perui");
        assert_eq!(day(wed).status, KelaDayStatus::Absent(AbsenceReason::Other));
        assert_eq!(day(thu).status, KelaDayStatus::NotArranged);
        assert_eq!(day(thu).note, "palveluntuottaja perui");
        assert_eq!(day(d(2026, 3, 9)).status, KelaDayStatus::Present);
        let ill = day(d(2026, 3, 10));
        assert_eq!(
            ill.status,
            KelaDayStatus::Absent(AbsenceReason::ChildIllness)
        );
        assert!(ill.certificate_delivered);
        let not_arranged = day(d(2026, 3, 11));
        assert_eq!(not_arranged.status, KelaDayStatus::NotArranged);
        assert_eq!(not_arranged.note, "kirjattu");
        // Nothing recorded: a holiday by its name, any other day as no service day.
        let good_friday = d(2026, 4, 3);
        assert_eq!(
            day(good_friday).note,
            holiday_on(good_friday)
                .map(|h| h.name_fi())
                .unwrap_or_default()
        );
        assert_eq!(day(d(2026, 3, 12)).note, "ei palvelupäivää");
        assert_eq!(day(d(2026, 3, 12)).status, KelaDayStatus::NotArranged);
    }

    #[test]
    fn attendance_s_absence_reason_is_kela_s() {
        assert_eq!(
            kela_reason(apb::AbsenceReason::JobInterview as i32),
            AbsenceReason::JobInterview
        );
        assert_eq!(
            kela_reason(apb::AbsenceReason::Unspecified as i32),
            AbsenceReason::Other
        );
        assert_eq!(kela_reason(99), AbsenceReason::Other);
        for r in AbsenceReason::ALL {
            let pb_reason = reason_to_pb(r);
            assert_ne!(pb_reason, pb::KelaAbsenceReason::Unspecified, "{r:?}");
        }
    }
}
