//! Absences as the provider records them and as Kela is told of them (RULES.md §6, KTT 3):
//! ABS-RECORD and ABS-KELA over the recorded absences ([`check_absences`]), ABS-SICK-CERT (a
//! sick absence of more than 3 days needs a certificate: [`check_sick_absence`]), and Kela's
//! TT3 absence notice ("Ilmoitus poissaolosta"): which absent days keep the benefit
//! ([`benefit_kept`]) and the notice sent at least every two weeks ([`check_kela_notices`]).
//! KTT only: none of these apply to SK.

use crate::calendar::{DeadlineRoll, plus_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{ABS_KELA, ABS_RECORD, ABS_SICK_CERT};
use crate::violation::Violation;
use chrono::NaiveDate;

/// An absence as recorded by the provider (ABS-RECORD, ABS-KELA).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbsenceEntry {
    /// The day.
    pub date: NaiveDate,
    /// The service was arranged that day and the client should have attended.
    pub service_arranged: bool,
    /// The reason, as recorded.
    pub reason: Option<String>,
    /// Reported to Kela (KTT).
    pub reported_to_kela: bool,
}

/// ABS-RECORD (KTT 3): an absence is a day the service was arranged, and its reason is
/// recorded. ABS-KELA (KTT 3): KTT absences are reported to Kela. Not applied to SK.
pub fn check_absences(service: ServiceType, absences: &[AbsenceEntry]) -> Vec<Violation> {
    let mut out = Vec::new();
    if !service.is_ktt() {
        return out;
    }
    for a in absences {
        // ABS-RECORD
        if !a.service_arranged {
            out.push(Violation::of(
                ABS_RECORD,
                format!(
                    "Päivä {} ei ole poissaolo: palvelua ei ollut järjestetty.",
                    a.date
                ),
                format!(
                    "{} is not an absence: no service was arranged that day.",
                    a.date
                ),
            ));
        }
        if a.reason.as_deref().is_none_or(|r| r.trim().is_empty()) {
            out.push(Violation::of(
                ABS_RECORD,
                format!("Poissaolon {} syy puuttuu.", a.date),
                format!("The absence of {} has no recorded reason.", a.date),
            ));
        }
        // ABS-KELA
        if a.service_arranged && !a.reported_to_kela {
            out.push(Violation::of(
                ABS_KELA,
                format!("Poissaoloa {} ei ole ilmoitettu Kelaan.", a.date),
                format!("The absence of {} is not reported to Kela.", a.date),
            ));
        }
    }
    out
}

/// A sick absence (ABS-SICK-CERT).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SickAbsence {
    /// First day (inclusive).
    pub first_day: NaiveDate,
    /// Last day (inclusive).
    pub last_day: NaiveDate,
    /// A nurse's or doctor's certificate was delivered to Kela.
    pub certificate_delivered: bool,
    /// With repeated absences a certificate was required from the first day.
    pub required_from_first_day: bool,
}

/// Calendar days of sick absence above which a certificate is needed (more than 3 days).
pub const SICK_DAYS_WITHOUT_CERTIFICATE: i64 = 3;

/// ABS-SICK-CERT (KTT 3): a sick absence of more than 3 calendar days (or any, when required
/// from the first day for repeated absences) needs a certificate. Not applied to SK.
pub fn check_sick_absence(service: ServiceType, a: &SickAbsence) -> Vec<Violation> {
    if !service.is_ktt() || a.certificate_delivered {
        return Vec::new();
    }
    let days = (a.last_day - a.first_day).num_days() + 1;
    if days > SICK_DAYS_WITHOUT_CERTIFICATE || a.required_from_first_day {
        vec![Violation::of(
            ABS_SICK_CERT,
            format!(
                "Sairauspoissaolosta ({}–{}, {days} pv) on toimitettava Kelaan terveydenhoitajan tai lääkärin todistus.",
                a.first_day, a.last_day
            ),
            format!(
                "The sick absence ({} to {}, {days} days) needs a nurse's or doctor's certificate delivered to Kela.",
                a.first_day, a.last_day
            ),
        )]
    } else {
        Vec::new()
    }
}

// ------------------------------------------------------------------ Kela's absence notice

coded_enum! {
    /// The reason of a KTT absence as Kela's TT3 notice knows it (ABS-KELA).
    AbsenceReason, 5 {
        /// The client's own illness (over 3 days needs a certificate: ABS-SICK-CERT).
        OwnIllness = "OWN_ILLNESS", "oma sairaus";
        /// Illness of the client's child under 10 (at most [`CHILD_ILLNESS_MAX_DAYS`] days).
        ChildIllness = "CHILD_ILLNESS", "alle 10-vuotiaan lapsen sairaus";
        /// A job interview or similar.
        JobInterview = "JOB_INTERVIEW", "työhaastattelu tai vastaava";
        /// A public office of trust (julkinen luottamustoimi).
        PublicOffice = "PUBLIC_OFFICE", "julkinen luottamustoimi";
        /// Any other reason: the benefit is lost for that day.
        Other = "OTHER", "muu syy";
    }
}

/// Days of a child's illness that keep the benefit, per consecutive episode (ABS-KELA).
pub const CHILD_ILLNESS_MAX_DAYS: usize = 4;
/// Kela's absence notice goes at least every two weeks: a day is reported within this many
/// days (ABS-KELA).
pub const KELA_NOTICE_INTERVAL_DAYS: u64 = 14;

/// One day on Kela's TT3 absence notice ("Ilmoitus poissaolosta").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KelaDayStatus {
    /// The service was arranged and the client attended.
    Present,
    /// The service was arranged and the client should have attended, but was absent.
    Absent(AbsenceReason),
    /// No service is arranged that day (public holiday, break): "palvelua ei järjestetä";
    /// not an absence.
    NotArranged,
}

/// A day of a KTT client's service as Kela is told of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KelaDay {
    /// The day.
    pub date: NaiveDate,
    /// Present, absent with the reason, or no service arranged.
    pub status: KelaDayStatus,
}

/// A TT3 notice sent to Kela for one client, covering `covers_from..=covers_until`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KelaNotice {
    /// When it was sent.
    pub sent_on: NaiveDate,
    /// First day covered.
    pub covers_from: NaiveDate,
    /// Last day covered.
    pub covers_until: NaiveDate,
}

/// ABS-KELA: for each absent day, whether the client keeps the benefit for it: own illness,
/// a job interview or similar and a public office of trust keep it; a child's illness keeps
/// it for at most [`CHILD_ILLNESS_MAX_DAYS`] consecutive absent days (an episode, counted over
/// the arranged days; a present day ends it); any other reason loses it. Days sorted by date.
pub fn benefit_kept(days: &[KelaDay]) -> Vec<(NaiveDate, bool)> {
    let mut sorted: Vec<KelaDay> = days.to_vec();
    sorted.sort_by_key(|d| d.date);
    let mut out = Vec::new();
    let mut child_run = 0usize;
    // ABS-KELA: which absent days keep the benefit.
    for d in sorted {
        match d.status {
            KelaDayStatus::NotArranged => {}
            KelaDayStatus::Present => child_run = 0,
            KelaDayStatus::Absent(reason) => {
                let kept = match reason {
                    AbsenceReason::ChildIllness => {
                        child_run = child_run.saturating_add(1);
                        child_run <= CHILD_ILLNESS_MAX_DAYS
                    }
                    AbsenceReason::OwnIllness
                    | AbsenceReason::JobInterview
                    | AbsenceReason::PublicOffice => true,
                    AbsenceReason::Other => false,
                };
                if reason != AbsenceReason::ChildIllness {
                    child_run = 0;
                }
                out.push((d.date, kept));
            }
        }
    }
    out
}

/// ABS-KELA (KTT 3): the provider sends Kela's absence notice (TT3) at least every two weeks,
/// one per client, listing every arranged day present or absent: each arranged day must be on
/// a notice sent within [`KELA_NOTICE_INTERVAL_DAYS`] days of it (the deadline rolled by
/// `roll`). A day past its deadline on no notice, or on a notice sent late, is a violation
/// (one per kind, naming the first such day and the count). Days with no service arranged
/// need not be listed. Not applied to SK.
pub fn check_kela_notices(
    service: ServiceType,
    days: &[KelaDay],
    notices: &[KelaNotice],
    as_of: NaiveDate,
    roll: DeadlineRoll,
) -> Vec<Violation> {
    let mut out = Vec::new();
    if !service.is_ktt() {
        return out;
    }
    let mut missing: Vec<NaiveDate> = Vec::new();
    let mut late: Vec<NaiveDate> = Vec::new();
    for d in days
        .iter()
        .filter(|d| d.status != KelaDayStatus::NotArranged)
    {
        let due = roll_deadline(plus_days(d.date, KELA_NOTICE_INTERVAL_DAYS), roll);
        let first = notices
            .iter()
            .filter(|n| n.covers_from <= d.date && d.date <= n.covers_until)
            .map(|n| n.sent_on)
            .min();
        match first {
            Some(sent) if sent <= due => {}
            Some(_) => late.push(d.date),
            None if as_of > due => missing.push(d.date),
            None => {}
        }
    }
    missing.sort_unstable();
    late.sort_unstable();
    // ABS-KELA
    if let Some(first) = missing.first() {
        out.push(Violation::of(
            ABS_KELA,
            format!(
                "Kelan poissaoloilmoitus (TT3) puuttuu {} päivältä (ensimmäinen {first}); \
                 ilmoitus lähetetään vähintään kahden viikon välein.",
                missing.len()
            ),
            format!(
                "Kela's absence notice (TT3) is missing for {} day(s) (first {first}); it goes at \
                 least every two weeks.",
                missing.len()
            ),
        ));
    }
    if let Some(first) = late.first() {
        out.push(Violation::of(
            ABS_KELA,
            format!(
                "{} päivää (ensimmäinen {first}) ilmoitettiin Kelalle yli kahden viikon kuluttua.",
                late.len()
            ),
            format!(
                "{} day(s) (first {first}) were reported to Kela more than two weeks later.",
                late.len()
            ),
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn kela_benefit_per_reason() {
        let day = |n, status| KelaDay {
            date: d(2026, 3, n),
            status,
        };
        use AbsenceReason::*;
        use KelaDayStatus::*;
        let days = [
            day(2, Absent(OwnIllness)),
            day(3, Absent(JobInterview)),
            day(4, Absent(PublicOffice)),
            day(5, Absent(Other)),
            day(6, NotArranged),
            day(9, Absent(ChildIllness)),
            day(10, Absent(ChildIllness)),
            day(11, Absent(ChildIllness)),
            day(12, NotArranged),
            day(13, Absent(ChildIllness)),
            day(16, Absent(ChildIllness)),
            day(17, Present),
            day(18, Absent(ChildIllness)),
        ];
        let kept = benefit_kept(&days);
        assert_eq!(
            kept,
            vec![
                (d(2026, 3, 2), true),
                (d(2026, 3, 3), true),
                (d(2026, 3, 4), true),
                (d(2026, 3, 5), false),
                (d(2026, 3, 9), true),
                (d(2026, 3, 10), true),
                (d(2026, 3, 11), true),
                (d(2026, 3, 13), true),
                (d(2026, 3, 16), false), // the fifth day of the child's illness
                (d(2026, 3, 18), true),  // a new episode
            ]
        );
        for r in AbsenceReason::ALL {
            assert_eq!(AbsenceReason::from_code(r.code()), Some(r));
        }
    }

    #[test]
    fn kela_notices_every_two_weeks() {
        use KelaDayStatus::*;
        let days: Vec<KelaDay> = (2..=13)
            .map(|n| KelaDay {
                date: d(2026, 3, n),
                status: if n == 6 {
                    NotArranged
                } else if n == 10 {
                    Absent(AbsenceReason::OwnIllness)
                } else {
                    Present
                },
            })
            .collect();
        let on_time = [KelaNotice {
            sent_on: d(2026, 3, 16),
            covers_from: d(2026, 3, 2),
            covers_until: d(2026, 3, 15),
        }];
        let kela = |n: &[KelaNotice], as_of| {
            check_kela_notices(
                ServiceType::KttWorkCapacity,
                &days,
                n,
                as_of,
                DeadlineRoll::NextBusinessDay,
            )
        };
        assert!(kela(&on_time, d(2026, 4, 1)).is_empty());
        // Nothing sent: not yet due on 16.3. (2.3. + 14 days), overdue on 17.3.
        assert!(kela(&[], d(2026, 3, 16)).is_empty());
        let v = kela(&[], d(2026, 3, 17));
        assert!(has_rule(&v, ABS_KELA));
        assert!(v[0].message_en.contains("first 2026-03-02"));
        // One notice for four weeks: the first days are late.
        let monthly = [KelaNotice {
            sent_on: d(2026, 3, 31),
            covers_from: d(2026, 3, 1),
            covers_until: d(2026, 3, 31),
        }];
        let v = kela(&monthly, d(2026, 4, 1));
        assert_eq!(v.len(), 1);
        assert!(v[0].message_en.contains("more than two weeks"));
        // Not applied to SK.
        assert!(
            check_kela_notices(
                ServiceType::SkParticipation,
                &days,
                &[],
                d(2026, 5, 1),
                DeadlineRoll::Exact
            )
            .is_empty()
        );
    }

    #[test]
    fn absence_records_and_kela() {
        let good = AbsenceEntry {
            date: d(2026, 3, 2),
            service_arranged: true,
            reason: Some("sairaus".into()),
            reported_to_kela: true,
        };
        assert!(
            check_absences(ServiceType::KttWorkCapacity, std::slice::from_ref(&good)).is_empty()
        );
        let bad = AbsenceEntry {
            reason: Some(" ".into()),
            reported_to_kela: false,
            ..good.clone()
        };
        let v = check_absences(ServiceType::KttWorkCapacity, std::slice::from_ref(&bad));
        assert!(has_rule(&v, ABS_RECORD) && has_rule(&v, ABS_KELA));
        let not_arranged = AbsenceEntry {
            service_arranged: false,
            ..good
        };
        assert!(has_rule(
            &check_absences(ServiceType::KttGroup, &[not_arranged]),
            ABS_RECORD
        ));
        assert!(check_absences(ServiceType::SkGroup, &[bad]).is_empty());
    }

    #[test]
    fn sick_certificate() {
        let a = SickAbsence {
            first_day: d(2026, 3, 2),
            last_day: d(2026, 3, 4),
            certificate_delivered: false,
            required_from_first_day: false,
        };
        assert!(check_sick_absence(ServiceType::KttAssessment, &a).is_empty()); // 3 days
        let four = SickAbsence {
            last_day: d(2026, 3, 5),
            ..a
        };
        assert!(has_rule(
            &check_sick_absence(ServiceType::KttAssessment, &four),
            ABS_SICK_CERT
        ));
        let with_cert = SickAbsence {
            certificate_delivered: true,
            ..four
        };
        assert!(check_sick_absence(ServiceType::KttAssessment, &with_cert).is_empty());
        let day_one = SickAbsence {
            last_day: d(2026, 3, 2),
            required_from_first_day: true,
            ..a
        };
        assert!(has_rule(
            &check_sick_absence(ServiceType::KttAssessment, &day_one),
            ABS_SICK_CERT
        ));
        assert!(check_sick_absence(ServiceType::SkParticipation, &four).is_empty());
    }
}
