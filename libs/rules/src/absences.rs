//! Cancellations, absences and billing of what did not happen (RULES.md §6):
//! BILL-REALISED, BILL-NO-SHOW, BILL-PROVIDER-CANCEL, ABS-RECORD, ABS-KELA, ABS-SICK-CERT,
//! ABS-REPEATED and SK-NO-SHOW-REPORT.

use crate::calendar::{DeadlineRoll, add_business_days, roll_deadline};
use crate::catalogue::ServiceType;
use crate::rule_ids::{
    ABS_KELA, ABS_RECORD, ABS_REPEATED, ABS_SICK_CERT, BILL_NO_SHOW, BILL_PROVIDER_CANCEL,
    BILL_REALISED, SK_NO_SHOW_REPORT,
};
use crate::violation::Violation;
use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;

/// Who cancelled a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancelledBy {
    /// The client.
    Client,
    /// The provider.
    Provider,
}

/// A session that did not take place as agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cancellation {
    /// The agreed session date.
    pub session_date: NaiveDate,
    /// When it was cancelled; `None` = the client simply did not come.
    pub cancelled_on: Option<NaiveDate>,
    /// Who cancelled (ignored when `cancelled_on` is `None`: a failure to come is the client's).
    pub by: CancelledBy,
}

/// What a cancellation is for billing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CancellationClass {
    /// The client cancelled on the session day (or later) or did not come: a no-show,
    /// billable at most one unit per calendar month per voucher (BILL-NO-SHOW).
    NoShow,
    /// The client cancelled before the session day: not billable, not a no-show.
    ClientCancelledInTime,
    /// The provider cancelled: never billable (BILL-PROVIDER-CANCEL).
    ProviderCancelled,
}

/// Classifies a cancellation (KTT 3, SK 5).
pub fn classify(c: &Cancellation) -> CancellationClass {
    match (c.cancelled_on, c.by) {
        (None, _) => CancellationClass::NoShow,
        (Some(_), CancelledBy::Provider) => CancellationClass::ProviderCancelled,
        (Some(on), CancelledBy::Client) if on < c.session_date => {
            CancellationClass::ClientCancelledInTime
        }
        (Some(_), CancelledBy::Client) => CancellationClass::NoShow,
    }
}

/// BILL-NO-SHOW: units billable for a no-show on `date`, given the dates of no-shows already
/// billed on the same voucher: one unit (one hour or one day price) if none was billed in the
/// same calendar month, else zero.
pub fn billable_no_show_units(date: NaiveDate, billed_no_show_dates: &[NaiveDate]) -> Decimal {
    let same_month = billed_no_show_dates
        .iter()
        .any(|d| d.year() == date.year() && d.month() == date.month());
    if same_month {
        Decimal::ZERO
    } else {
        Decimal::ONE
    }
}

/// What a billed item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BilledKind {
    /// A realised session.
    Realised,
    /// A no-show.
    NoShow,
    /// A client cancellation before the session day.
    ClientCancelledInTime,
    /// A provider cancellation.
    ProviderCancelled,
}

/// One billed item of a voucher in a billing period.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BilledItem {
    /// The session date.
    pub date: NaiveDate,
    /// What it is.
    pub kind: BilledKind,
    /// Units realised (0 for anything not realised).
    pub realised_units: Decimal,
    /// Units billed.
    pub billed_units: Decimal,
}

/// The billing rules over one voucher's items: BILL-REALISED (realised items billed at most
/// their realised units; in-time client cancellations not billed), BILL-NO-SHOW (no-shows at
/// most one unit per calendar month in total), BILL-PROVIDER-CANCEL (never billed).
/// Interruption does not matter: realised sessions stay billable (PROC-INTERRUPT).
pub fn check_billing(items: &[BilledItem]) -> Vec<Violation> {
    let mut out = Vec::new();
    for i in items {
        if i.billed_units < Decimal::ZERO {
            out.push(Violation::of(
                BILL_REALISED,
                format!(
                    "Laskutettu määrä {} ({}) on negatiivinen.",
                    i.billed_units, i.date
                ),
                format!("Billed units {} ({}) are negative.", i.billed_units, i.date),
            ));
        }
        match i.kind {
            // BILL-REALISED
            BilledKind::Realised if i.billed_units > i.realised_units => out.push(Violation::of(
                BILL_REALISED,
                format!(
                    "Käynnistä {} laskutetaan {} yksikköä, toteutunut {}.",
                    i.date, i.billed_units, i.realised_units
                ),
                format!(
                    "Session {} is billed {} units but {} were realised.",
                    i.date, i.billed_units, i.realised_units
                ),
            )),
            BilledKind::ClientCancelledInTime if i.billed_units > Decimal::ZERO => {
                out.push(Violation::of(
                    BILL_REALISED,
                    format!(
                        "Asiakkaan ennen palvelupäivää perumaa käyntiä {} ei voi laskuttaa.",
                        i.date
                    ),
                    format!(
                        "A session the client cancelled before the day ({}) is not billable.",
                        i.date
                    ),
                ))
            }
            // BILL-PROVIDER-CANCEL
            BilledKind::ProviderCancelled if i.billed_units > Decimal::ZERO => {
                out.push(Violation::of(
                    BILL_PROVIDER_CANCEL,
                    format!(
                        "Palveluntuottajan perumaa käyntiä {} ei voi laskuttaa.",
                        i.date
                    ),
                    format!(
                        "A session the provider cancelled ({}) is never billable.",
                        i.date
                    ),
                ))
            }
            _ => {}
        }
    }
    // BILL-NO-SHOW: per calendar month at most one unit.
    let mut months: Vec<(i32, u32)> = items
        .iter()
        .filter(|i| i.kind == BilledKind::NoShow)
        .map(|i| (i.date.year(), i.date.month()))
        .collect();
    months.sort_unstable();
    months.dedup();
    for (y, m) in months {
        let total = items
            .iter()
            .filter(|i| i.kind == BilledKind::NoShow && i.date.year() == y && i.date.month() == m)
            .fold(Decimal::ZERO, |a, i| a.saturating_add(i.billed_units));
        if total > Decimal::ONE {
            out.push(Violation::of(
                BILL_NO_SHOW,
                format!("Toteutumattomia käyntejä laskutetaan {total} yksikköä kuukaudelta {m}/{y}; enintään 1."),
                format!("No-shows billed {total} units for {y}-{m:02}; at most 1 per calendar month."),
            ));
        }
    }
    out
}

/// A provider's cancellation and its follow-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderCancellation {
    /// The agreed session date.
    pub session_date: NaiveDate,
    /// A replacement time was agreed with the client.
    pub replacement_agreed: bool,
    /// The situation is documented in the client's daily record.
    pub documented: bool,
}

/// BILL-PROVIDER-CANCEL: after a provider cancellation a replacement is agreed and documented.
pub fn check_provider_cancellation(c: &ProviderCancellation) -> Vec<Violation> {
    let mut out = Vec::new();
    if !c.replacement_agreed {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Perutun käynnin {} tilalle ei ole sovittu korvaavaa aikaa.",
                c.session_date
            ),
            format!(
                "No replacement time is agreed for the cancelled session of {}.",
                c.session_date
            ),
        ));
    }
    if !c.documented {
        out.push(Violation::of(
            BILL_PROVIDER_CANCEL,
            format!(
                "Käynnin {} peruutusta ei ole kirjattu asiakaskertomukseen.",
                c.session_date
            ),
            format!(
                "The cancellation of {} is not documented in the client record.",
                c.session_date
            ),
        ));
    }
    out
}

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

/// An agreed session and what became of it, for ABS-REPEATED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AgreedSession {
    /// The agreed date.
    pub date: NaiveDate,
    /// The client did not come for reasons of their own (a no-show).
    pub no_show: bool,
    /// After a no-show, the provider tried to contact the client at once.
    pub client_contacted: bool,
}

/// Configuration of ABS-REPEATED (defaults: consecutive no-shows within 7 days, or 3 in a row
/// regardless of spacing; notify by the next business day).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RepeatedAbsenceConfig {
    /// Two consecutive no-shows at most this many days apart are "repeated".
    pub window_days: i64,
    /// This many consecutive no-shows are "continuing" regardless of spacing.
    pub continuing_count: usize,
    /// Business days allowed for "without delay".
    pub notify_within_business_days: u32,
    /// Deadline rolling.
    pub roll: DeadlineRoll,
}

impl Default for RepeatedAbsenceConfig {
    fn default() -> Self {
        Self {
            window_days: 7,
            continuing_count: 3,
            notify_within_business_days: 1,
            roll: DeadlineRoll::NextBusinessDay,
        }
    }
}

/// The outcome of [`check_absence_follow_up`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUp {
    /// When the repeated pattern first appeared, if it did.
    pub repeated_since: Option<NaiveDate>,
    /// The social worker must be notified by this date.
    pub notify_social_worker_by: Option<NaiveDate>,
    /// Broken rules.
    pub violations: Vec<Violation>,
}

/// ABS-REPEATED (KTT 3, SK 5): after each no-show the provider contacts the client at once;
/// repeated no-shows (consecutive agreed sessions within the window) or continuing absences
/// → the social worker is notified without delay. `sessions` are the agreed sessions of one
/// voucher; `notified_on` is when the social worker was notified, `as_of` today.
pub fn check_absence_follow_up(
    sessions: &[AgreedSession],
    notified_on: Option<NaiveDate>,
    as_of: NaiveDate,
    cfg: &RepeatedAbsenceConfig,
) -> FollowUp {
    let mut sorted: Vec<AgreedSession> = sessions.to_vec();
    sorted.sort_by_key(|s| s.date);
    let mut out = FollowUp::default();
    for s in sorted.iter().filter(|s| s.no_show && !s.client_contacted) {
        out.violations.push(Violation::of(
            ABS_REPEATED,
            format!(
                "Asiakkaaseen ei ole oltu yhteydessä poisjäännin {} jälkeen.",
                s.date
            ),
            format!(
                "The client was not contacted after the no-show of {}.",
                s.date
            ),
        ));
    }
    let mut run = 0usize;
    let mut prev: Option<NaiveDate> = None;
    for s in &sorted {
        if s.no_show {
            let close = prev.is_some_and(|p| (s.date - p).num_days() <= cfg.window_days);
            run += 1;
            if (run >= 2 && close) || run >= cfg.continuing_count.max(2) {
                out.repeated_since = Some(s.date);
                break;
            }
            prev = Some(s.date);
        } else {
            run = 0;
            prev = None;
        }
    }
    if let Some(since) = out.repeated_since {
        let due = roll_deadline(
            add_business_days(since, cfg.notify_within_business_days),
            cfg.roll,
        );
        out.notify_social_worker_by = Some(due);
        let late = match notified_on {
            Some(n) => n > due,
            None => as_of > due,
        };
        if late {
            out.violations.push(Violation::of(
                ABS_REPEATED,
                format!(
                    "Toistuvista poisjäänneistä ({since} alkaen) ei ole ilmoitettu sosiaalihuollon omatyöntekijälle viimeistään {due}."
                ),
                format!(
                    "Repeated no-shows (since {since}) were not notified to the social worker by {due}."
                ),
            ));
        }
    }
    out
}

/// SK-NO-SHOW-REPORT (SK 5): every SK no-show of the billing period is listed in the billing
/// report. Not applied to KTT.
pub fn check_no_show_report(
    service: ServiceType,
    no_shows: &[NaiveDate],
    listed: &[NaiveDate],
) -> Vec<Violation> {
    if !service.is_sk() {
        return Vec::new();
    }
    no_shows
        .iter()
        .filter(|d| !listed.contains(d))
        .map(|d| {
            Violation::of(
                SK_NO_SHOW_REPORT,
                format!("Toteutumaton käynti {d} puuttuu laskutusraportista."),
                format!("The no-show of {d} is missing from the billing report."),
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::violation::has_rule;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn classification() {
        let c = |on, by| {
            classify(&Cancellation {
                session_date: d(2026, 3, 10),
                cancelled_on: on,
                by,
            })
        };
        assert_eq!(c(None, CancelledBy::Provider), CancellationClass::NoShow);
        assert_eq!(
            c(Some(d(2026, 3, 10)), CancelledBy::Client),
            CancellationClass::NoShow
        );
        assert_eq!(
            c(Some(d(2026, 3, 9)), CancelledBy::Client),
            CancellationClass::ClientCancelledInTime
        );
        assert_eq!(
            c(Some(d(2026, 3, 1)), CancelledBy::Provider),
            CancellationClass::ProviderCancelled
        );
    }

    #[test]
    fn no_show_units_per_month() {
        assert_eq!(billable_no_show_units(d(2026, 3, 10), &[]), dec!(1));
        assert_eq!(
            billable_no_show_units(d(2026, 3, 10), &[d(2026, 3, 2)]),
            dec!(0)
        );
        assert_eq!(
            billable_no_show_units(d(2026, 3, 10), &[d(2026, 2, 27), d(2025, 3, 10)]),
            dec!(1)
        );
    }

    fn item(date: NaiveDate, kind: BilledKind, realised: Decimal, billed: Decimal) -> BilledItem {
        BilledItem {
            date,
            kind,
            realised_units: realised,
            billed_units: billed,
        }
    }

    #[test]
    fn billing_rules() {
        let ok = [
            item(d(2026, 3, 2), BilledKind::Realised, dec!(2), dec!(2)),
            item(d(2026, 3, 3), BilledKind::NoShow, dec!(0), dec!(1)),
            item(d(2026, 3, 4), BilledKind::NoShow, dec!(0), dec!(0)),
            item(d(2026, 4, 4), BilledKind::NoShow, dec!(0), dec!(1)),
            item(
                d(2026, 3, 5),
                BilledKind::ProviderCancelled,
                dec!(0),
                dec!(0),
            ),
            item(
                d(2026, 3, 6),
                BilledKind::ClientCancelledInTime,
                dec!(0),
                dec!(0),
            ),
        ];
        assert!(check_billing(&ok).is_empty());
        let bad = [
            item(d(2026, 3, 2), BilledKind::Realised, dec!(2), dec!(3)),
            item(d(2026, 3, 3), BilledKind::NoShow, dec!(0), dec!(1)),
            item(d(2026, 3, 4), BilledKind::NoShow, dec!(0), dec!(1)),
            item(
                d(2026, 3, 5),
                BilledKind::ProviderCancelled,
                dec!(0),
                dec!(1),
            ),
            item(
                d(2026, 3, 6),
                BilledKind::ClientCancelledInTime,
                dec!(0),
                dec!(1),
            ),
        ];
        let v = check_billing(&bad);
        assert!(has_rule(&v, BILL_NO_SHOW));
        assert!(has_rule(&v, BILL_PROVIDER_CANCEL));
        assert_eq!(v.iter().filter(|x| x.rule == BILL_REALISED).count(), 2);
    }

    #[test]
    fn provider_cancellation_follow_up() {
        let ok = ProviderCancellation {
            session_date: d(2026, 3, 2),
            replacement_agreed: true,
            documented: true,
        };
        assert!(check_provider_cancellation(&ok).is_empty());
        let bad = ProviderCancellation {
            replacement_agreed: false,
            documented: false,
            ..ok
        };
        assert_eq!(check_provider_cancellation(&bad).len(), 2);
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

    #[test]
    fn repeated_no_shows() {
        let cfg = RepeatedAbsenceConfig::default();
        let s = |date, no_show| AgreedSession {
            date,
            no_show,
            client_contacted: true,
        };
        // One no-show, contacted: fine.
        let one = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), false)];
        let f = check_absence_follow_up(&one, None, d(2026, 3, 20), &cfg);
        assert!(f.violations.is_empty() && f.repeated_since.is_none());
        // Not contacted.
        let nc = [AgreedSession {
            client_contacted: false,
            ..s(d(2026, 3, 2), true)
        }];
        assert!(has_rule(
            &check_absence_follow_up(&nc, None, d(2026, 3, 3), &cfg).violations,
            ABS_REPEATED
        ));
        // Two consecutive within a week: notify by the next business day.
        let two = [s(d(2026, 3, 2), true), s(d(2026, 3, 4), true)];
        let f = check_absence_follow_up(&two, None, d(2026, 3, 5), &cfg);
        assert_eq!(f.repeated_since, Some(d(2026, 3, 4)));
        assert_eq!(f.notify_social_worker_by, Some(d(2026, 3, 5)));
        assert!(f.violations.is_empty());
        let f = check_absence_follow_up(&two, None, d(2026, 3, 6), &cfg);
        assert!(has_rule(&f.violations, ABS_REPEATED));
        let f = check_absence_follow_up(&two, Some(d(2026, 3, 5)), d(2026, 3, 30), &cfg);
        assert!(f.violations.is_empty());
        // Far apart but three in a row: continuing.
        let three = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 16), true),
            s(d(2026, 3, 30), true),
        ];
        assert_eq!(
            check_absence_follow_up(&three, None, d(2026, 3, 30), &cfg).repeated_since,
            Some(d(2026, 3, 30))
        );
        // Interrupted by attendance: not repeated.
        let broken = [
            s(d(2026, 3, 2), true),
            s(d(2026, 3, 3), false),
            s(d(2026, 3, 4), true),
        ];
        assert!(
            check_absence_follow_up(&broken, None, d(2026, 3, 30), &cfg)
                .repeated_since
                .is_none()
        );
    }

    #[test]
    fn sk_no_show_report() {
        let ns = [d(2026, 3, 2), d(2026, 3, 9)];
        assert!(check_no_show_report(ServiceType::SkGroup, &ns, &ns).is_empty());
        let v = check_no_show_report(ServiceType::SkGroup, &ns, &ns[..1]);
        assert_eq!(v.len(), 1);
        assert_eq!(v[0].rule, SK_NO_SHOW_REPORT);
        assert!(check_no_show_report(ServiceType::KttGroup, &ns, &[]).is_empty());
    }
}
